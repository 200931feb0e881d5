//! The emulator's app user, variable, file, live-session and account routes,
//! driven with raw requests (past the SDK's own checks) so that every
//! documented limit is seen refused by the emulator itself, at its boundary,
//! with nothing changed; plus scopes, application restriction, the legacy
//! shapes and the control surface's sessions and plan.

mod common;

use blazeauth_core::{Scope, api};
use blazeauth_emulator::{KeySpec, NewSession, Plan};
use http::Method;
use serde_json::{Value, json};

use common::{raw, setup, status_and_code, variable};

#[test]
fn variable_limits_are_refused_at_their_boundaries() {
    let s = setup();
    let app = s.app.as_str();
    let create = |body: Value| {
        raw(
            &s.client,
            Method::POST,
            "create-variable",
            &[("applicationId", app)],
            Some(body),
        )
    };
    let ok = |body: Value| create(body).expect("accepted").message;
    let refused = |body: Value| status_and_code(create(body));
    let null = Some(Value::Null);
    assert_eq!(
        ok(variable("abc", null.clone(), "", "auth_required")).as_deref(),
        Some("Variable created successfully")
    );
    ok(variable(
        &"n".repeat(64),
        Some(json!("d".repeat(64))),
        &"v".repeat(16_000),
        "auth_not_required",
    ));
    let invalid = (400, "validation_error".to_owned());
    for body in [
        variable("ab", null.clone(), "", "auth_required"),
        variable(&"n".repeat(65), null.clone(), "", "auth_required"),
        variable("abc", Some(json!("d".repeat(65))), "", "auth_required"),
        variable("abc", null.clone(), &"v".repeat(16_001), "auth_required"),
        variable("abc", null.clone(), "", "sometimes"),
        // The description key must be present, even as null.
        variable("abc", None, "", "auth_required"),
        variable("abc", Some(json!(5)), "", "auth_required"),
    ] {
        assert_eq!(refused(body.clone()), invalid, "{body}");
    }
    let variables = &s.emulator.applications()[0].variables;
    assert_eq!(variables.len(), 2, "refusals change nothing");

    let edit = |id: &str, body: Value| {
        status_and_code(raw(
            &s.client,
            Method::PATCH,
            "edit-variable",
            &[("applicationId", app), ("variableId", id)],
            Some(body),
        ))
    };
    let id = variables[0].id.as_str().to_owned();
    assert_eq!(
        edit("999", variable("abc", null.clone(), "", "auth_required")),
        (404, "not_found".to_owned())
    );
    assert_eq!(
        edit(&id, variable("abc", None, "", "auth_required")),
        invalid
    );
    let listed = raw(
        &s.client,
        Method::GET,
        "get-variables",
        &[("applicationId", app)],
        None,
    )
    .unwrap();
    assert_eq!(
        listed.message.as_deref(),
        Some("Get variables successfully")
    );
    let data = listed.data.unwrap();
    assert_eq!(data[0]["description"], Value::Null);
    assert_eq!(data[1]["description"], json!("d".repeat(64)));
    assert!(data[0]["updatedAt"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn file_names_types_and_sizes_are_checked_and_names_stay_unique() {
    let s = setup();
    let app = s.app.as_str();
    let url = |body: Value| {
        raw(
            &s.client,
            Method::POST,
            "get-presigned-upload-url",
            &[("applicationId", app)],
            Some(body),
        )
    };
    let answer = url(json!({"type": "file", "fileName": "  abcd ", "fileSize": 3})).unwrap();
    assert_eq!(
        answer.message.as_deref(),
        Some("Get presigned url successfully")
    );
    assert_eq!(answer.data, None, "no data: the URL is a top-level field");
    let presigned = answer.extra["presignedUrl"].as_str().unwrap();
    assert!(
        presigned.starts_with("http://emulator.invalid/_storage/"),
        "{presigned}"
    );
    assert_eq!(s.emulator.applications()[0].files[0].name, "abcd");
    let invalid = (400, "validation_error".to_owned());
    for name in ["abc", "0123456789abcdefg", "a  bcd", "app.exe", "tab\tname"] {
        assert_eq!(
            status_and_code(url(
                json!({"type": "file", "fileName": name, "fileSize": 1})
            )),
            invalid,
            "{name:?}"
        );
    }
    // "Letters" is read widely: the emulator takes Unicode letters.
    url(json!({"type": "file", "fileName": "naïve", "fileSize": 1})).expect("unicode letters");
    let limit = s.emulator.max_body_bytes() as u64;
    assert_eq!(
        status_and_code(url(
            json!({"type": "file", "fileName": "bigfile", "fileSize": limit + 1})
        )),
        invalid
    );
    assert_eq!(
        status_and_code(url(
            json!({"type": "avatar", "fileName": "face", "fileSize": 1})
        )),
        (403, "session_required".to_owned())
    );
    assert_eq!(
        status_and_code(url(
            json!({"type": "other", "fileName": "face", "fileSize": 1})
        )),
        invalid
    );
    // The documented failure has no code at all.
    let taken = url(json!({"type": "file", "fileName": "abcd", "fileSize": 1})).unwrap_err();
    let api = taken.api_error().unwrap();
    assert_eq!((api.status().as_u16(), api.code()), (400, None));
    assert_eq!(
        api.message(),
        "File name must be unique for your application"
    );
    let check = |name: &str| {
        raw(
            &s.client,
            Method::POST,
            "check-file-name",
            &[("applicationId", app)],
            Some(json!({"fileName": name})),
        )
    };
    assert_eq!(
        check("free").unwrap().message.as_deref(),
        Some("File name is available")
    );
    assert_eq!(check("abcd").unwrap_err().api_error().unwrap().code(), None);
    assert_eq!(status_and_code(check("x")), invalid);
    assert_eq!(
        s.emulator.applications()[0].files.len(),
        2,
        "refusals change nothing"
    );
}

#[test]
fn the_storage_endpoint_takes_exactly_the_declared_bytes_without_a_key() {
    let s = setup();
    let answer = raw(
        &s.client,
        Method::POST,
        "get-presigned-upload-url",
        &[("applicationId", s.app.as_str())],
        Some(json!({"type": "file", "fileName": "blob", "fileSize": 4})),
    )
    .unwrap();
    let url = answer.extra["presignedUrl"].as_str().unwrap().to_owned();
    let put = |body: &[u8], key: Option<&str>| {
        let mut request = http::Request::builder().method(Method::PUT).uri(&url);
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        s.emulator
            .handle(request.body(body.to_vec()).unwrap())
            .status()
            .as_u16()
    };
    let admin = s.emulator.admin_key();
    assert_eq!(put(b"abcd", Some(admin.expose_secret())), 400);
    assert_eq!(put(b"abc", None), 400);
    let status = |name: &str| {
        status_and_code(raw(
            &s.client,
            Method::POST,
            "check-file-uploaded-status",
            &[("applicationId", s.app.as_str())],
            Some(json!({"fileName": name})),
        ))
    };
    assert_eq!(status("blob"), (409, String::new()));
    assert_eq!(put(b"abcd", None), 200);
    assert_eq!(status("nothere"), (404, "not_found".to_owned()));
    let file = &s.emulator.applications()[0].files[0];
    assert_eq!(file.bytes.as_deref(), Some(&b"abcd"[..]));
    let accepted: Vec<bool> = file.storage_requests.iter().map(|r| r.accepted).collect();
    assert_eq!(accepted, [false, false, true]);
    let unknown = http::Request::builder()
        .method(Method::PUT)
        .uri("http://emulator.invalid/_storage/nope")
        .body(Vec::new())
        .unwrap();
    assert_eq!(s.emulator.handle(unknown).status(), 404);
}

#[test]
fn create_user_needs_login_password_and_settings_and_never_keeps_the_password() {
    let s = setup();
    let app = s.app.as_str();
    let create = |body: Value| {
        raw(
            &s.client,
            Method::POST,
            "create-user",
            &[("applicationId", app)],
            Some(body),
        )
    };
    let settings = json!({"levels": ["basic"], "requiresLicense": false});
    let answer = create(json!({"login": "a@b.c", "password": "Hunter2-Secret", "applicationUserSettings": settings}))
        .unwrap();
    assert_eq!(answer.message.as_deref(), Some("User created successfully"));
    let invalid = (400, "validation_error".to_owned());
    for body in [
        json!({"password": "p", "applicationUserSettings": settings}),
        json!({"login": "x", "applicationUserSettings": settings}),
        json!({"login": "", "password": "p", "applicationUserSettings": settings}),
        json!({"login": "x", "password": "p"}),
        json!({"login": "x", "password": "p", "applicationUserSettings": {"levels": "pro", "requiresLicense": false}}),
        json!({"login": "x", "password": "p", "applicationUserSettings": {"levels": []}}),
    ] {
        assert_eq!(status_and_code(create(body.clone())), invalid, "{body}");
    }
    assert_eq!(
        status_and_code(create(
            json!({"login": "a@b.c", "password": "p", "applicationUserSettings": settings})
        )),
        (409, "conflict".to_owned())
    );
    let state = format!("{:?}", s.emulator.snapshot());
    assert!(!state.contains("Hunter2-Secret"));
    let table = raw(
        &s.client,
        Method::GET,
        "get-users-table",
        &[("applicationId", app), ("currentPage", "1")],
        None,
    )
    .unwrap();
    assert!(!table.data.unwrap().to_string().contains("Hunter2"));
    assert_eq!(table.extra["totalPages"], json!(1));
}

#[test]
fn live_session_query_limits_and_the_plan_gate() {
    let s = setup();
    for i in 0..3 {
        s.emulator
            .add_session(&s.app, NewSession::new("eu-1").ip(format!("10.9.0.{i}")))
            .unwrap();
    }
    let list = |query: &[(&str, &str)]| {
        let mut request = blazeauth_core::RawRequest::get("/api/v1/wss/get-application-sessions")
            .query("applicationId", s.app.as_str());
        for (name, value) in query {
            request = request.query(*name, *value);
        }
        s.client.send(&request)
    };
    let page = list(&[("pageSize", "2"), ("page", "2")]).unwrap();
    assert_eq!(page.message.as_deref(), Some("OK"));
    assert_eq!(page.data, None, "no data: every field is top level");
    for (field, value) in [
        ("total", json!(3)),
        ("filteredTotal", json!(3)),
        ("page", json!(2)),
        ("pageSize", json!(2)),
    ] {
        assert_eq!(page.extra[field], value, "{field}");
    }
    assert_eq!(page.extra["items"].as_array().unwrap().len(), 1);
    assert!(page.extra["items"][0]["createdAt"].is_u64());
    let default = list(&[]).unwrap();
    assert_eq!(default.extra["pageSize"], json!(10));
    let by_ip = list(&[
        ("searchString", "10.9.0.2"),
        ("categories", "license"),
        ("categories", "ip"),
    ])
    .unwrap();
    assert_eq!(by_ip.extra["filteredTotal"], json!(1));
    let invalid = (400, "validation_error".to_owned());
    for query in [
        [("pageSize", "0")],
        [("pageSize", "51")],
        [("page", "0")],
        [("categories", "hwid")],
    ] {
        assert_eq!(status_and_code(list(&query)), invalid, "{query:?}");
    }
    list(&[("pageSize", "50")]).expect("50 is allowed");
    s.emulator
        .set_plan(Plan::default().feature("liveSessionsOverview", false));
    assert_eq!(
        status_and_code(list(&[])),
        (403, "plan_feature_unavailable".to_owned())
    );
}

#[test]
fn every_new_route_checks_its_scope_and_the_application() {
    let s = setup();
    let other = s.emulator.create_application("Other application").unwrap();
    let app = s.app.as_str();
    let routes: [(Method, &str, Scope, Option<Value>); 10] = [
        (Method::GET, "get-users-metadata", Scope::AppUsersRead, None),
        (Method::GET, "get-users-table", Scope::AppUsersRead, None),
        (
            Method::POST,
            "create-user",
            Scope::AppUsersCreate,
            Some(json!({})),
        ),
        (Method::GET, "get-variables", Scope::VariablesRead, None),
        (
            Method::POST,
            "create-variable",
            Scope::VariablesCreate,
            Some(json!({})),
        ),
        (
            Method::PATCH,
            "edit-variable",
            Scope::VariablesUpdate,
            Some(json!({})),
        ),
        (
            Method::POST,
            "get-presigned-upload-url",
            Scope::FilesUpload,
            Some(json!({})),
        ),
        (
            Method::POST,
            "check-file-name",
            Scope::FilesUpload,
            Some(json!({})),
        ),
        (
            Method::POST,
            "check-file-uploaded-status",
            Scope::FilesUpload,
            Some(json!({})),
        ),
        (Method::GET, "get-account-limits", Scope::AccountRead, None),
    ];
    let no_scope = s.emulator.create_key(KeySpec::new([Scope::LicensesRead]));
    let weak = s.emulator.client_with_key(no_scope);
    let restricted = s.emulator.client_with_key(
        s.emulator
            .create_key(KeySpec::new(Scope::ALL).only_applications([other.clone()])),
    );
    for (method, path, scope, body) in routes {
        let query = [
            ("applicationId", app),
            ("currentPage", "1"),
            ("variableId", "1"),
        ];
        let refused = raw(&weak, method.clone(), path, &query, body.clone()).unwrap_err();
        let api = refused
            .api_error()
            .unwrap_or_else(|| panic!("{path}: {refused:?}"));
        assert_eq!(
            api.code().map(|c| c.as_str()),
            Some("insufficient_scope"),
            "{path}"
        );
        if scope != Scope::AccountRead {
            assert_eq!(
                status_and_code(raw(&restricted, method, path, &query, body)),
                (403, "application_forbidden".to_owned()),
                "{path}"
            );
        }
    }
    let sessions = weak.send(
        &blazeauth_core::RawRequest::get("/api/v1/wss/get-application-sessions")
            .query("applicationId", app),
    );
    assert_eq!(status_and_code(sessions).1, "insufficient_scope");
    // Account limits take no application: a restricted key reads them.
    let limits = s.client.send(&api::GetAccountLimits).unwrap();
    assert_eq!(limits.plan_name.as_deref(), Some("Emulator"));
    assert_eq!(blazeauth_emulator::served_routes().len(), 24);
}
