//! Server-side validation: raw requests (`RawRequest`, past the SDK's own
//! checks) that break each documented limit get a 400 `validation_error` (or
//! the documented 404) and change nothing; the handler's own refusals (404,
//! 405, 413); and the runtime-key rotation limit on a manual clock.

mod common;

use std::time::Duration;

use blazeauth_core::Error;
use blazeauth_core::api::{self, RuntimeKeyType};
use blazeauth_emulator::{Emulator, ManualClock};
use http::Method;
use serde_json::{Value, json};

use common::{code, raw, setup, spec, status_and_code};

/// Method, route, query, body and a fragment of the expected message.
type Case<'a> = (
    Method,
    &'a str,
    Vec<(&'a str, &'a str)>,
    Option<Value>,
    &'a str,
);
/// Method, route, query and body of a request naming something that does not exist.
type Missing<'a> = (Method, &'a str, Vec<(&'a str, &'a str)>, Option<Value>);

/// A license body that passes every check, to break one field at a time.
fn license_body() -> Value {
    json!({
        "count": 2,
        "license": "VALID-******",
        "comment": "c",
        "clientId": "id",
        "ipAddress": "10.0.0.1",
        "licensesSettings": {"levels": ["basic"], "durationSeconds": "30d", "requiresClientId": false}
    })
}

/// `license_body()` with `path` (`a` or `a.b`) set to `value` (`None`: removed).
fn with(path: &str, value: Option<Value>) -> Value {
    let mut body = license_body();
    let mut target = &mut body;
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().expect("path");
    for part in parts {
        target = target.get_mut(part).expect("nested object");
    }
    let object = target.as_object_mut().expect("object");
    match value {
        Some(value) => object.insert(last.to_owned(), value),
        None => object.remove(last),
    };
    body
}

#[test]
fn raw_requests_that_break_a_limit_are_refused_and_change_nothing() {
    let s = setup();
    s.create("EXIST-****", 3);
    s.emulator.add_app_user(&s.app, "alice").expect("user");
    let app = s.app.as_str().to_owned();
    let license = s.emulator.licenses(&s.app)[0].id.as_str().to_owned();
    let a = [("applicationId", app.as_str())];
    let al = [
        ("applicationId", app.as_str()),
        ("licenseId", license.as_str()),
    ];
    let long = |n: usize| "é".repeat(n);
    let action = |fields: Value| {
        let mut body = json!({});
        if let (Some(body), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
            body.extend(fields.clone());
        }
        body
    };
    #[rustfmt::skip]
    let cases: Vec<Case<'_>> = vec![
        // create-application: name 6–32 characters, a string.
        (Method::POST, "create-application", vec![], Some(json!({"name": "short"})), "`name`: must be 6 to 32 characters, got 5"),
        (Method::POST, "create-application", vec![], Some(json!({"name": long(33)})), "got 33"),
        (Method::POST, "create-application", vec![], Some(json!({})), "`name`: is required"),
        (Method::POST, "create-application", vec![], Some(json!({"name": null})), "`name`: is required"),
        (Method::POST, "create-application", vec![], Some(json!({"name": 123456})), "`name`: must be a string"),
        (Method::POST, "create-application", vec![], Some(json!(["name"])), "`body`: must be a JSON object"),
        (Method::POST, "create-application", vec![], None, "`body`: is empty"),
        // create-application-license-levels.
        (Method::POST, "create-application-license-levels", a.to_vec(), Some(json!({"levels": []})), "`levels`: must hold at least one level"),
        (Method::POST, "create-application-license-levels", a.to_vec(), Some(json!({})), "`levels`: is required"),
        (Method::POST, "create-application-license-levels", a.to_vec(), Some(json!({"levels": "basic"})), "must be a list of strings"),
        (Method::POST, "create-application-license-levels", a.to_vec(), Some(json!({"levels": ["ok", 2]})), "`levels[1]`: must be a string"),
        (Method::POST, "create-application-license-levels", a.to_vec(), Some(json!({"levels": ["   "]})), "`levels[0]`: must be 1 to 16 characters, got 0"),
        (Method::POST, "create-application-license-levels", a.to_vec(), Some(json!({"levels": [long(17)]})), "got 17"),
        (Method::POST, "create-application-license-levels", a.to_vec(), Some(json!({"levels": ["pro", " pro "]})), "`levels[1]`: repeats the level \"pro\""),
        // Query parameters.
        (Method::GET, "get-application-license-levels", vec![], None, "`applicationId`: is required"),
        (Method::GET, "get-application-license-levels", vec![("applicationId", "12ab")], None, "`applicationId`: must be an id: 1 to 39 ASCII digits"),
        (Method::GET, "get-application-license-levels", vec![("applicationId", "")], None, "`applicationId`: must be an id: 1 to 39 ASCII digits"),
        // update-application-settings: field and value types.
        (Method::PATCH, "update-application-settings", a.to_vec(), Some(json!({"field": "colour", "value": "red"})), "`field`: unknown setting"),
        (Method::PATCH, "update-application-settings", a.to_vec(), Some(json!({"value": true})), "`field`: is required"),
        (Method::PATCH, "update-application-settings", a.to_vec(), Some(json!({"field": "applicationLicenseRequiresClientId", "value": "true"})), "`value`: must be true or false"),
        (Method::PATCH, "update-application-settings", a.to_vec(), Some(json!({"field": "applicationUserRequiresClientId"})), "`value`: is required"),
        (Method::PATCH, "update-application-settings", a.to_vec(), Some(json!({"field": "applicationUserRequiresLicense", "value": 1})), "`value`: must be true or false"),
        (Method::PATCH, "update-application-settings", a.to_vec(), Some(json!({"field": "version", "value": "  "})), "`value`: must not be empty"),
        (Method::PATCH, "update-application-settings", a.to_vec(), Some(json!({"field": "version", "value": 2})), "`value`: must be a string"),
        (Method::PATCH, "update-application-settings", a.to_vec(), Some(json!({"field": "status", "value": "offline"})), "must be \"online\" or \"paused\""),
        (Method::PATCH, "update-application-settings", a.to_vec(), Some(json!({"field": "status", "value": false})), "`value`: must be a string"),
        // update-api-keys.
        (Method::PATCH, "update-api-keys", a.to_vec(), Some(json!({"type": "adminKey"})), "must be \"socketKey\" or \"httpKey\""),
        (Method::PATCH, "update-api-keys", a.to_vec(), Some(json!({})), "`type`: is required"),
        // delete-application.
        (Method::DELETE, "delete-application", vec![], Some(json!({"applicationId": app})), "`code`: is required"),
        (Method::DELETE, "delete-application", vec![], Some(json!({"code": ""})), "`applicationId`: is required"),
        (Method::DELETE, "delete-application", vec![], Some(json!({"applicationId": "x1", "code": ""})), "`applicationId`: must be an id: 1 to 39 ASCII digits"),
        (Method::DELETE, "delete-application", vec![], Some(json!({"applicationId": app, "code": 123456})), "`code`: must be a string"),
        // get-licenses-table: currentPage and searchParams.
        (Method::GET, "get-licenses-table", a.to_vec(), None, "`currentPage`: is required"),
        (Method::GET, "get-licenses-table", vec![("applicationId", app.as_str()), ("currentPage", "0")], None, "`currentPage`: must be a whole number from 1"),
        (Method::GET, "get-licenses-table", vec![("applicationId", app.as_str()), ("currentPage", "-1")], None, "`currentPage`"),
        (Method::GET, "get-licenses-table", vec![("applicationId", app.as_str()), ("currentPage", "1.5")], None, "`currentPage`"),
        (Method::GET, "get-licenses-table", vec![("applicationId", app.as_str()), ("currentPage", "1"), ("searchParams", "{nope")], None, "`searchParams`"),
        (Method::GET, "get-licenses-table", vec![("applicationId", app.as_str()), ("currentPage", "1"), ("searchParams", r#"{"categories":"License"}"#)], None, "`searchParams`"),
        // create-licenses: count, license, optional fields, settings.
        (Method::POST, "create-licenses", a.to_vec(), Some(with("count", Some(json!(0)))), "`count`: must be between 1 and 256, got 0"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("count", Some(json!(257)))), "got 257"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("count", Some(json!("5")))), "`count`: must be a whole number"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("count", Some(json!(1.5)))), "`count`: must be a whole number"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("count", Some(json!(-1)))), "`count`: must be a whole number"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("count", None)), "`count`: is required"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("license", Some(json!("AB-**")))), "`license`: must be 6 to 64 characters, got 5"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("license", Some(json!(long(65))))), "got 65"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("license", None)), "`license`: is required"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("comment", Some(json!(long(65))))), "`comment`: must be at most 64 characters, got 65"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("clientId", Some(json!(long(65))))), "`clientId`: must be at most 64"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("ipAddress", Some(json!(long(65))))), "`ipAddress`: must be at most 64"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("comment", Some(json!(7)))), "`comment`: must be a string"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings", None)), "`licensesSettings`: is required"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings", Some(json!("30d")))), "`licensesSettings`: must be an object"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.levels", Some(json!([])))), "`licensesSettings.levels`: must not be empty"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.levels", None)), "`licensesSettings.levels`: is required"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.durationSeconds", Some(json!("90m")))), "`licensesSettings.durationSeconds`: is not a valid duration"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.durationSeconds", Some(json!("30D")))), "is not a valid duration"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.durationSeconds", Some(json!("30m1h")))), "is not a valid duration"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.durationSeconds", Some(json!("")))), "is not a valid duration"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.durationSeconds", Some(json!("0d")))), "is not a valid duration"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.durationSeconds", Some(json!(0)))), "must be a duration string"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.durationSeconds", Some(json!(-5)))), "must be a duration string"),
        // Durations are strings only (API.md §4), never a number of seconds.
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.durationSeconds", Some(json!(2_592_000)))), "must be a duration string"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.durationSeconds", None)), "`licensesSettings.durationSeconds`: is required"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.requiresClientId", Some(json!("no")))), "`licensesSettings.requiresClientId`: must be true or false"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("licensesSettings.requiresClientId", None)), "is required"),
        (Method::POST, "create-licenses", a.to_vec(), Some(with("license", Some(json!("TAKEN*")))), "cannot make 2 more unique licenses"),
        // edit-licenses: the same body, and the license id.
        (Method::PATCH, "edit-licenses", al.to_vec(), Some(with("license", Some(json!("short")))), "`license`: must be 6 to 64"),
        (Method::PATCH, "edit-licenses", a.to_vec(), Some(license_body()), "`licenseId`: is required"),
        // `count` is required by the documented schema, on edit too (where it is ignored).
        (Method::PATCH, "edit-licenses", al.to_vec(), Some(with("count", None)), "`count`: is required"),
        (Method::PATCH, "edit-licenses", vec![("applicationId", app.as_str()), ("licenseId", "one")], Some(license_body()), "`licenseId`: must be an id: 1 to 39 ASCII digits"),
        // license-action: action and its fields.
        (Method::POST, "license-action", a.to_vec(), Some(json!({})), "`action`: is required"),
        (Method::POST, "license-action", a.to_vec(), Some(json!({"action": "explode_license"})), "`action`: unknown action"),
        (Method::POST, "license-action", a.to_vec(), Some(action(json!({"action": "pause_license"}))), "`licenseId`: is required"),
        (Method::POST, "license-action", a.to_vec(), Some(action(json!({"action": "pause_license", "licenseId": "abc"}))), "`licenseId`: must be an id: 1 to 39 ASCII digits"),
        (Method::POST, "license-action", a.to_vec(), Some(action(json!({"action": "pause_license", "licenseId": true}))), "`licenseId`: must be an id"),
        (Method::POST, "license-action", a.to_vec(), Some(action(json!({"action": "extend_duration_license", "licenseId": license}))), "`durationSeconds`: is required"),
        (Method::POST, "license-action", a.to_vec(), Some(action(json!({"action": "extend_duration_license", "licenseId": license, "durationSeconds": "1x"}))), "`durationSeconds`: is not a valid duration"),
        (Method::POST, "license-action", a.to_vec(), Some(action(json!({"action": "add_time_to_every_license"}))), "`durationSeconds`: is required"),
        (Method::POST, "license-action", a.to_vec(), Some(action(json!({"action": "link_license_to_user", "licenseId": license}))), "`userLogin`: is required"),
        (Method::POST, "license-action", a.to_vec(), Some(action(json!({"action": "link_license_to_user", "licenseId": license, "userLogin": "  "}))), "`userLogin`: must not be empty"),
    ];
    // One key made to fill "TAKEN*": 36 of them, so 2 more cannot be made.
    s.client
        .send(&api::CreateLicenses::new(s.app.clone(), spec("TAKEN*"), 36))
        .expect("fill the small mask");
    let before = s.emulator.snapshot();
    let requests_before = s.emulator.requests_handled();
    for (method, path, query, body, expected) in &cases {
        let result = raw(&s.client, method.clone(), path, query, body.clone());
        let message = match &result {
            Err(Error::Api(api)) => api.message().to_owned(),
            other => format!("{other:?}"),
        };
        assert_eq!(
            status_and_code(result),
            (400, "validation_error".into()),
            "{method} {path} {body:?}: {message}"
        );
        assert!(
            message.contains(expected),
            "{path}: {message:?} lacks {expected:?}"
        );
        assert_eq!(
            s.emulator.snapshot(),
            before,
            "{method} {path} {body:?} changed the state"
        );
    }
    assert_eq!(
        s.emulator.requests_handled() - requests_before,
        cases.len() as u64,
        "one attempt each: validation errors are not retried"
    );

    // Unknown ids are 404, and change nothing either.
    #[rustfmt::skip]
    let missing: Vec<Missing<'_>> = vec![
        (Method::GET, "get-application-settings", vec![("applicationId", "999")], None),
        (Method::GET, "get-licenses-metadata", vec![("applicationId", "99999999999999999999999")], None),
        (Method::PATCH, "edit-licenses", vec![("applicationId", app.as_str()), ("licenseId", "999")], Some(license_body())),
        (Method::POST, "license-action", a.to_vec(), Some(json!({"action": "blacklist_license", "licenseId": "999"}))),
        (Method::POST, "license-action", a.to_vec(), Some(json!({"action": "link_license_to_user", "licenseId": license, "userLogin": "nobody"}))),
        (Method::DELETE, "delete-application", vec![], Some(json!({"applicationId": 999, "code": ""}))),
    ];
    for (method, path, query, body) in missing {
        let result = raw(&s.client, method.clone(), path, &query, body);
        assert_eq!(
            status_and_code(result),
            (404, "not_found".into()),
            "{method} {path}"
        );
        assert_eq!(s.emulator.snapshot(), before);
    }
}

#[test]
fn boundary_values_are_accepted() {
    let s = setup();
    let app = s.app.as_str().to_owned();
    let a = [("applicationId", app.as_str())];
    // Lengths count characters, not bytes.
    raw(
        &s.client,
        Method::POST,
        "create-application",
        &[],
        Some(json!({"name": "éééééé"})),
    )
    .expect("6 chars");
    raw(
        &s.client,
        Method::POST,
        "create-application",
        &[],
        Some(json!({"name": "é".repeat(32)})),
    )
    .expect("32 chars");
    raw(
        &s.client,
        Method::POST,
        "create-application-license-levels",
        &a,
        Some(json!({"levels": ["é".repeat(16), "x"]})),
    )
    .expect("16 chars");
    let mut body = license_body();
    body["count"] = json!(256);
    body["license"] = json!(format!("{}******", "é".repeat(58)));
    body["comment"] = json!("é".repeat(64));
    body["licensesSettings"]["durationSeconds"] = json!("100y364d23h59m59s");
    let created = raw(&s.client, Method::POST, "create-licenses", &a, Some(body)).expect("limits");
    assert_eq!(
        created.extra["createdLicenses"].as_array().map(Vec::len),
        Some(256)
    );
    assert_eq!(
        s.emulator.licenses(&s.app)[0].duration_secs,
        3_185_135_999,
        "the longest duration"
    );
    // An id may come as a number in a body.
    let license: u64 = s.emulator.licenses(&s.app)[0]
        .id
        .as_str()
        .parse()
        .expect("id");
    raw(
        &s.client,
        Method::POST,
        "license-action",
        &a,
        Some(json!({"action": "pause_license", "licenseId": license})),
    )
    .expect("numeric id");
}

#[test]
fn the_handler_refuses_unknown_routes_methods_and_big_bodies() {
    let emulator = Emulator::builder().max_body_bytes(1024).build();
    let key = emulator.admin_key();
    let send = |method: &str, uri: &str, body: &[u8]| {
        let response = emulator.handle(common::http_request(method, uri, Some(&key), body));
        let json = common::json(&response);
        assert_eq!(json["success"], false, "{uri}");
        assert_eq!(
            response.headers()["content-type"],
            "application/json; charset=utf-8"
        );
        assert_eq!(
            response.headers()["content-length"].to_str().ok(),
            Some(response.body().len().to_string().as_str())
        );
        (
            response.status().as_u16(),
            json["code"].as_str().unwrap_or("").to_owned(),
            response,
        )
    };
    let (status, code, _) = send("GET", "/api/v1/panel/nope", b"");
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let (status, code, _) = send(
        "GET",
        "/api/v1/panel/get-users-table?applicationId=1&currentPage=1",
        b"",
    );
    assert_eq!(
        (status, code.as_str()),
        (404, "not_found"),
        "documented but not emulated yet"
    );
    let (status, code, _) = send("GET", "/api/v1/panel/get-applications/", b"");
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let (status, code, response) = send("POST", "/api/v1/panel/get-applications", b"");
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"));
    assert_eq!(response.headers()["allow"], "GET");
    let (status, code, response) = send("GET", "/api/v1/panel/license-action", b"");
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"));
    assert_eq!(response.headers()["allow"], "POST");
    let big = vec![b' '; 1025];
    let (status, code, _) = send("POST", "/api/v1/panel/create-application", &big);
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    // At the limit it is read (and found empty).
    let (status, code, _) = send("POST", "/api/v1/panel/create-application", &big[..1024]);
    assert_eq!((status, code.as_str()), (400, "validation_error"));
    let (status, code, _) = send(
        "POST",
        "/api/v1/panel/create-application",
        b"{\"name\": \"abc",
    );
    assert_eq!((status, code.as_str()), (400, "validation_error"));
    let (status, code, _) = send("POST", "/api/v1/panel/create-application", &[0xff, 0xfe]);
    assert_eq!((status, code.as_str()), (400, "validation_error"));
    // The default limit is 1 MiB.
    let emulator = Emulator::new();
    let over = vec![b' '; 1024 * 1024 + 1];
    let response = emulator.handle(common::http_request(
        "POST",
        "/api/v1/panel/create-application",
        Some(&emulator.admin_key()),
        &over,
    ));
    assert_eq!(response.status(), 413);
}

#[test]
fn runtime_key_rotation_is_limited_to_two_an_hour() {
    // The retrying client does not wait an hour: one attempt, the error kept.
    let emulator = Emulator::builder().clock(ManualClock::new()).build();
    let app = emulator.create_application("Rotating app").expect("app");
    for _ in 0..2 {
        emulator
            .client()
            .send(&api::RotateRuntimeKey::new(
                app.clone(),
                RuntimeKeyType::HttpKey,
            ))
            .expect("rotate");
    }
    let requests = emulator.requests_handled();
    let refused = emulator.client().send(&api::RotateRuntimeKey::new(
        app.clone(),
        RuntimeKeyType::HttpKey,
    ));
    assert_eq!(status_and_code(refused), (429, "rate_limited".into()));
    assert_eq!(
        emulator.requests_handled() - requests,
        1,
        "not retried: the wait is too long"
    );

    let clock = ManualClock::new();
    let emulator = Emulator::builder().clock(clock.clone()).build();
    let app = emulator.create_application("Rotating app").expect("app");
    let other = emulator.create_application("Other app").expect("app");
    // One attempt per call: a short Retry-After would make a retrying client wait for real.
    let client = common::single_attempt_client(&emulator, emulator.admin_key());
    let rotate = |app: &blazeauth_core::ApplicationId, key| {
        client.send(&api::RotateRuntimeKey::new(app.clone(), key))
    };
    rotate(&app, RuntimeKeyType::SocketKey).expect("first");
    clock.advance(Duration::from_secs(600));
    rotate(&app, RuntimeKeyType::HttpKey).expect("second");
    clock.advance(Duration::from_secs(600));
    let before = emulator.snapshot();
    let requests = emulator.requests_handled();
    let third = rotate(&app, RuntimeKeyType::SocketKey);
    assert_eq!(emulator.requests_handled() - requests, 1);
    assert_eq!(
        third.as_ref().err().and_then(Error::retry_after),
        Some(Duration::from_secs(2400))
    );
    assert_eq!(status_and_code(third), (429, "rate_limited".into()));
    assert_eq!(
        emulator.snapshot(),
        before,
        "the refused rotation changed nothing"
    );
    // Limits are per application.
    rotate(&other, RuntimeKeyType::SocketKey).expect("other application");
    // One second before the first rotation leaves the window: still refused.
    clock.advance(Duration::from_secs(2399));
    assert_eq!(
        rotate(&app, RuntimeKeyType::SocketKey)
            .err()
            .and_then(|e| e.retry_after()),
        Some(Duration::from_secs(1))
    );
    clock.advance(Duration::from_secs(1));
    rotate(&app, RuntimeKeyType::SocketKey).expect("an hour after the first");
    // Now the second (at 10 min) and this one (at 60 min) are in the window.
    assert_eq!(
        rotate(&app, RuntimeKeyType::HttpKey)
            .err()
            .and_then(|e| e.retry_after()),
        Some(Duration::from_secs(600))
    );
    clock.advance(Duration::from_secs(3600));
    rotate(&app, RuntimeKeyType::HttpKey).expect("a quiet hour later");
    rotate(&app, RuntimeKeyType::HttpKey).expect("and a second");
    assert_eq!(code(rotate(&app, RuntimeKeyType::HttpKey)), "rate_limited");
}

#[test]
fn refused_requests_do_not_move_the_random_sequence() {
    let run = |with_refusals: bool| {
        let emulator = Emulator::builder()
            .seed(5)
            .clock(ManualClock::new())
            .build();
        let app = emulator.create_application("Random app").expect("app");
        let client = emulator.client();
        let create = |count, mask: &str| {
            client.send(&api::CreateLicenses::new(app.clone(), spec(mask), count))
        };
        let weak =
            emulator.client_with_key(emulator.create_key(blazeauth_emulator::KeySpec::new([])));
        create(3, "RNG-******").expect("first batch");
        if with_refusals {
            create(37, "ONE-STAR-*").expect_err("mask too small");
            weak.send(&api::CreateLicenses::new(
                app.clone(),
                spec("RNG-******"),
                1,
            ))
            .expect_err("no scope");
            let mut body = license_body();
            body["count"] = json!(0);
            raw(
                &client,
                Method::POST,
                "create-licenses",
                &[("applicationId", app.as_str())],
                Some(body),
            )
            .expect_err("bad count");
            let weak_edit = api::EditLicense::new(
                app.clone(),
                blazeauth_core::LicenseId::from(1u64),
                spec("EDIT-******"),
            );
            client.send(&weak_edit).expect_err("unknown license");
        }
        create(3, "RNG-******").expect("second batch")
    };
    assert_eq!(run(true), run(false));
}
