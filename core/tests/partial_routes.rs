//! Golden tests for the routes of `API.md` sections 5 and 7–10 (app users,
//! variables, files, live sessions, account limits).
//!
//! Those pages are not among the seed pages, so their examples are read from
//! `API.md` itself (`tests/fixtures/API.md`, a copy of `../shared/API.md`):
//! the documented `searchParams` encoding, the code-less file-name failure,
//! the messages and the field names. A test fails when the SDK drifts from
//! the text.

mod common;

use blazeauth_core::api::*;
use blazeauth_core::http::{Method, Response};
use blazeauth_core::parse_query;
use blazeauth_core::{
    ApplicationId, Config, Endpoint, Error, ManagementKey, Pager, Problem, SessionSearch,
    SessionSearchCategory, TablePage, TableSearch, UserSearchCategory, VariableId, build_request,
    decode_response,
};
use serde_json::json;

use common::{Script, body_json, config};

const API: &str = include_str!("fixtures/API.md");

fn app() -> ApplicationId {
    ApplicationId::new("123456789").unwrap()
}

/// The section of API.md that starts with `heading` (up to the next `## `).
fn section(heading: &str) -> &'static str {
    let start = API
        .find(heading)
        .unwrap_or_else(|| panic!("{heading} not in API.md"));
    let rest = &API[start + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    &rest[..end]
}

/// Asserts that `text` appears in `section` of API.md (the test's value is documented).
/// Whitespace runs count as one space (the docs wrap lines anywhere).
fn documented(section_text: &str, text: &str) {
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squash(section_text).contains(&squash(text)),
        "{text:?} is not in that section of API.md"
    );
}

fn ok(body: serde_json::Value) -> Response<Vec<u8>> {
    Response::builder()
        .status(200)
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap()
}

fn decode<E: Endpoint>(endpoint: &E, body: serde_json::Value) -> E::Output {
    decode_response(endpoint, ok(body)).unwrap()
}

fn query_of(request: &blazeauth_core::http::Request<Vec<u8>>) -> Vec<(String, String)> {
    parse_query(request.uri().query().unwrap_or("")).unwrap()
}

fn invalid<E: Endpoint>(endpoint: &E) -> blazeauth_core::InvalidInput {
    match build_request(&config(), endpoint) {
        Err(Error::InvalidInput(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// ---------------------------------------------------------------- app users

#[test]
fn users_table_sends_the_documented_search_params_encoding() {
    let users = section("## 5. App users");
    let conventions = section("### 1.5 Tables");
    // The docs' own example of the encoding: a search for "john" by Login.
    let example =
        "searchParams=%7B%22searchString%22%3A%22john%22%2C%22categories%22%3A%5B%22Login%22%5D%7D";
    documented(conventions, example);
    documented(users, "/api/v1/panel/get-users-table");
    let request = build_request(
        &config(),
        &GetUsersTable::new(app())
            .page(2)
            .search(TableSearch::new("john").category(UserSearchCategory::Login)),
    )
    .unwrap();
    assert_eq!(request.method(), Method::GET);
    assert_eq!(request.uri().path(), "/api/v1/panel/get-users-table");
    assert_eq!(
        request.uri().query().unwrap(),
        format!("applicationId=123456789&currentPage=2&{example}")
    );
    // The metadata route takes the same optional search.
    let request = build_request(
        &config(),
        &GetUsersMetadata::new(app())
            .search(TableSearch::new("john").category(UserSearchCategory::Login)),
    )
    .unwrap();
    assert_eq!(request.uri().path(), "/api/v1/panel/get-users-metadata");
    assert_eq!(
        request.uri().query().unwrap(),
        format!("applicationId=123456789&{example}")
    );
    let plain = build_request(&config(), &GetUsersMetadata::new(app())).unwrap();
    assert_eq!(plain.uri().query().unwrap(), "applicationId=123456789");
    assert!(matches!(
        invalid(&GetUsersTable::new(app()).page(0)).problem(),
        Problem::Range { .. }
    ));
}

#[test]
fn users_table_row_and_metadata_decode_as_documented() {
    let users = section("## 5. App users");
    for field in [
        "id, applicationId, login, comment, clientId, ipAddress",
        "levels: string[], requiresLicense: bool, credentialsType: string (seen: \"email_password\")",
        "requiresClientId: bool}, createdAt}",
        "Successfully fetched users table",
        "Successfully fetched users metadata",
        "`data`: `{totalUsers}`",
    ] {
        documented(users, field);
    }
    let page = decode(
        &GetUsersTable::new(app()).page(1),
        json!({
            "success": true,
            "message": "Successfully fetched users table",
            "data": [{
                "id": "555", "applicationId": "123456789", "login": "john",
                "comment": null, "clientId": "HWID-1", "ipAddress": "10.0.0.1",
                "applicationUserSettings": {
                    "levels": ["pro"], "requiresLicense": true,
                    "credentialsType": "email_password", "requiresClientId": false,
                    "futureSetting": 1
                },
                "createdAt": "2026-05-12T09:00:00.000Z"
            }, {"id": 556, "login": "jane"}],
            "totalPages": "2"
        }),
    );
    assert_eq!((page.page, page.total_pages, page.rows.len()), (1, 2, 2));
    let row = &page.rows[0];
    assert_eq!(row.id.as_str(), "555");
    assert_eq!(row.login, "john");
    assert_eq!(row.comment, None);
    let settings = row.settings.as_ref().unwrap();
    assert_eq!(settings.levels, ["pro"]);
    assert_eq!(settings.requires_license, Some(true));
    assert_eq!(settings.credentials_type.as_deref(), Some("email_password"));
    assert_eq!(settings.requires_client_id, Some(false));
    assert_eq!(
        row.created_at
            .as_ref()
            .and_then(blazeauth_core::Timestamp::original_text)
            .as_deref(),
        Some("2026-05-12T09:00:00.000Z")
    );
    // A sparse row decodes: only id and login are required.
    assert_eq!(page.rows[1].id.as_str(), "556");
    assert_eq!(page.rows[1].settings, None);

    for total in [json!(3), json!("3")] {
        let meta = decode(
            &GetUsersMetadata::new(app()),
            json!({"success": true, "message": "Successfully fetched users metadata", "data": {"totalUsers": total}}),
        );
        assert_eq!(meta.total_users, 3);
    }
}

#[test]
fn create_user_sends_the_example_body_and_hides_the_password() {
    let users = section("## 5. App users");
    documented(
        users,
        "`{login, password, comment, clientId, ipAddress, applicationUserSettings: {levels, requiresLicense, ...}}`",
    );
    let request = CreateAppUser::new(app(), "john@example.com", "hunter2-secret")
        .levels(["pro", "beta"])
        .requires_license(true)
        .comment("vip")
        .client_id("HWID-1")
        .ip_address("10.0.0.1")
        .setting("requiresClientId", json!(true));
    let debug = format!("{request:?}");
    assert!(!debug.contains("hunter2-secret"), "{debug}");
    assert!(debug.contains("[redacted]"));
    let built = build_request(&config(), &request).unwrap();
    assert_eq!(built.method(), Method::POST);
    assert_eq!(built.uri().path(), "/api/v1/panel/create-user");
    assert_eq!(
        query_of(&built),
        [("applicationId".into(), "123456789".into())]
    );
    assert_eq!(
        body_json(&built),
        json!({
            "login": "john@example.com", "password": "hunter2-secret", "comment": "vip",
            "clientId": "HWID-1", "ipAddress": "10.0.0.1",
            "applicationUserSettings": {
                "levels": ["pro", "beta"], "requiresLicense": true, "requiresClientId": true
            }
        })
    );
    // Optional fields are left out, not sent as null.
    let minimal = build_request(&config(), &CreateAppUser::new(app(), "a", "b")).unwrap();
    assert_eq!(
        body_json(&minimal),
        json!({"login": "a", "password": "b",
               "applicationUserSettings": {"levels": [], "requiresLicense": false}})
    );
    // A typed setting cannot be overridden through `setting`.
    let clash = CreateAppUser::new(app(), "a", "b").setting("levels", json!(["x"]));
    assert_eq!(invalid(&clash).field(), "applicationUserSettings.levels");
    // The response is not documented: its message comes back.
    let done = decode(
        &request,
        json!({"success": true, "message": "User created"}),
    );
    assert_eq!(done.message, "User created");
}

// ---------------------------------------------------------------- variables

fn spec(name: &str) -> VariableSpec {
    VariableSpec::new(name, "value", VariableStrategy::AuthRequired)
}

#[test]
fn variables_are_sent_with_an_explicit_null_description_and_checked_at_their_bounds() {
    let variables = section("## 7. Variables");
    for text in [
        "name: 3–64 chars",
        "description: string (≤64) or null — the key must be present",
        "value: ≤16000 chars",
        "strategy: \"auth_required\" \\| \"auth_not_required\"",
        "/api/v1/panel/create-variable",
        "/api/v1/panel/edit-variable",
        "Variable created successfully",
    ] {
        documented(variables, text);
    }
    let built = build_request(&config(), &CreateVariable::new(app(), spec("api_url"))).unwrap();
    assert_eq!(built.method(), Method::POST);
    assert_eq!(built.uri().path(), "/api/v1/panel/create-variable");
    assert_eq!(
        body_json(&built),
        json!({"name": "api_url", "description": null, "value": "value", "strategy": "auth_required"})
    );
    let edited = EditVariable::new(
        app(),
        VariableId::new("77").unwrap(),
        VariableSpec::new("api_url", "", VariableStrategy::AuthNotRequired).description("the URL"),
    );
    let built = build_request(&config(), &edited).unwrap();
    assert_eq!(built.method(), Method::PATCH);
    assert_eq!(
        query_of(&built),
        [
            ("applicationId".into(), "123456789".into()),
            ("variableId".into(), "77".into())
        ]
    );
    assert_eq!(
        body_json(&built),
        json!({"name": "api_url", "description": "the URL", "value": "", "strategy": "auth_not_required"})
    );

    let create = |spec: VariableSpec| build_request(&config(), &CreateVariable::new(app(), spec));
    for (name, ok) in [(2, false), (3, true), (64, true), (65, false)] {
        let result = create(spec(&"n".repeat(name)));
        assert_eq!(result.is_ok(), ok, "name of {name}");
        if let Err(Error::InvalidInput(e)) = result {
            assert_eq!(e.field(), "name");
        }
    }
    for (len, ok) in [(64, true), (65, false)] {
        let result = create(spec("abc").description("d".repeat(len)));
        assert_eq!(result.is_ok(), ok, "description of {len}");
    }
    for (len, ok) in [(16_000, true), (16_001, false)] {
        let result = create(VariableSpec::new(
            "abc",
            "v".repeat(len),
            VariableStrategy::AuthRequired,
        ));
        assert_eq!(result.is_ok(), ok, "value of {len}");
        if let Err(Error::InvalidInput(e)) = result {
            assert_eq!(e.field(), "value");
        }
    }
}

#[test]
fn variables_list_decodes_with_unknown_strategies_kept() {
    let variables = section("## 7. Variables");
    documented(
        variables,
        "`data`: `[{id, name, description, value, strategy, updatedAt}]`; message `Get variables successfully`",
    );
    let built = build_request(&config(), &GetVariables::new(app())).unwrap();
    assert_eq!(built.uri().path(), "/api/v1/panel/get-variables");
    let list = decode(
        &GetVariables::new(app()),
        json!({"success": true, "message": "Get variables successfully", "data": [
            {"id": "1", "name": "api_url", "description": null, "value": "x",
             "strategy": "auth_required", "updatedAt": "2026-05-12T09:00:00.000Z"},
            {"id": 2, "name": "motd", "description": "d", "value": "",
             "strategy": "auth_sometimes"}
        ]}),
    );
    assert_eq!(list[0].description, None);
    assert_eq!(list[0].strategy, Some(VariableStrategy::AuthRequired));
    assert_eq!(list[1].id.as_str(), "2");
    assert_eq!(
        list[1].strategy,
        Some(VariableStrategy::Other("auth_sometimes".into()))
    );
}

// ---------------------------------------------------------------- files

#[test]
fn file_names_follow_the_documented_rules() {
    let files = section("## 8. Files");
    documented(
        files,
        "File names: 4–16 characters, letters, digits, dashes and single spaces, trimmed",
    );
    for good in ["abcd", "  my-app v2  ", "0123456789abcdef", "a-b c"] {
        assert!(FileName::new(good).is_ok(), "{good:?}");
    }
    assert_eq!(
        FileName::new("  my-app v2  ").unwrap().as_str(),
        "my-app v2"
    );
    for (bad, length) in [
        ("abc", true),
        ("   abc   ", true),
        ("0123456789abcdefg", true),
        ("a  bc", false),
        ("app.exe", false),
        ("naïve", false),
        ("tab\there", false),
    ] {
        let error = FileName::new(bad).unwrap_err();
        assert_eq!(error.field(), "fileName");
        assert_eq!(
            matches!(error.problem(), Problem::Length { .. }),
            length,
            "{bad:?}: {error}"
        );
    }
}

#[test]
fn upload_url_request_avatar_refusal_and_legacy_response() {
    let files = section("## 8. Files");
    for text in [
        "body `{type: \"file\" (management keys; \"avatar\" is session-only → session_required), fileName, fileSize: bytes, fileType?}`",
        "success: top-level `presignedUrl` (no `data`), message `Get presigned url successfully`",
    ] {
        documented(files, text);
    }
    let name = FileName::new("installer").unwrap();
    let request = GetUploadUrl::new(app(), name.clone(), 1234).file_type("application/zip");
    let built = build_request(&config(), &request).unwrap();
    assert_eq!(built.method(), Method::POST);
    assert_eq!(built.uri().path(), "/api/v1/panel/get-presigned-upload-url");
    assert_eq!(
        body_json(&built),
        json!({"type": "file", "fileName": "installer", "fileSize": 1234, "fileType": "application/zip"})
    );
    let without_type =
        build_request(&config(), &GetUploadUrl::new(app(), name.clone(), 0)).unwrap();
    assert_eq!(
        body_json(&without_type),
        json!({"type": "file", "fileName": "installer", "fileSize": 0})
    );
    let avatar = invalid(&GetUploadUrl::new(app(), name.clone(), 1).kind(UploadKind::Avatar));
    assert_eq!(avatar.field(), "type");
    assert!(avatar.to_string().contains("dashboard session"), "{avatar}");

    let signed = "https://storage.example.com/bucket/abc?X-Amz-Signature=deadbeef";
    let url = decode(
        &request,
        json!({"success": true, "message": "Get presigned url successfully", "presignedUrl": signed}),
    );
    assert_eq!(url.expose_secret(), signed);
    let debug = format!("{url:?}");
    assert!(!debug.contains("deadbeef"), "{debug}");
    assert!(debug.contains("storage.example.com/bucket/abc"));
    // Lenient: the URL inside `data` is read too; a response with neither fails.
    let url = decode(
        &request,
        json!({"success": true, "data": {"presignedUrl": signed}}),
    );
    assert_eq!(url.expose_secret(), signed);
    let missing = decode_response(&request, ok(json!({"success": true})));
    assert!(matches!(missing, Err(Error::Decode(_))), "{missing:?}");
}

#[test]
fn the_code_less_file_name_failure_decodes_as_an_api_error() {
    let conventions = section("### 1.2 Envelopes");
    let documented_body =
        r#"{"success": false, "message": "File name must be unique for your application"}"#;
    documented(conventions, documented_body);
    let name = FileName::new("installer").unwrap();
    for endpoint in [
        &GetUploadUrl::new(app(), name.clone(), 10) as &dyn ErasedCheck,
        &CheckFileName::new(app(), name.clone()),
    ] {
        let error = endpoint.decode(documented_body);
        let api = error.api_error().expect("an API error");
        assert_eq!(api.code(), None);
        assert_eq!(
            api.message(),
            "File name must be unique for your application"
        );
    }
    let built = build_request(&config(), &CheckFileName::new(app(), name)).unwrap();
    assert_eq!(built.uri().path(), "/api/v1/panel/check-file-name");
    assert_eq!(body_json(&built), json!({"fileName": "installer"}));
}

/// Decoding a failure through routes of different output types.
trait ErasedCheck {
    fn decode(&self, body: &str) -> Error;
}

impl<E: Endpoint> ErasedCheck for E
where
    E::Output: std::fmt::Debug,
{
    fn decode(&self, body: &str) -> Error {
        let response = Response::builder()
            .status(400)
            .body(body.as_bytes().to_vec())
            .unwrap();
        decode_response(self, response).unwrap_err()
    }
}

#[test]
fn the_storage_request_never_carries_the_key() {
    let url = decode(
        &GetUploadUrl::new(app(), FileName::new("installer").unwrap(), 3),
        json!({"success": true, "presignedUrl": "https://storage.example.com/b/k?sig=1"}),
    );
    let put = url
        .put_request(&config(), b"abc".to_vec(), Some("application/zip"))
        .unwrap();
    assert_eq!(put.method(), Method::PUT);
    assert_eq!(put.uri(), "https://storage.example.com/b/k?sig=1");
    assert_eq!(put.body(), b"abc");
    let headers: Vec<_> = put.headers().keys().map(|k| k.as_str()).collect();
    assert_eq!(headers, ["content-type"]);
    // What a transport keeps out of its logs: the signed query and its long
    // values, as sent and decoded; an API request names the key's secret.
    let signed = decode(
        &GetUploadUrl::new(app(), FileName::new("installer").unwrap(), 3),
        json!({"success": true, "presignedUrl":
            "https://storage.example.com/b/k?X-Amz-Credential=AKIAEXAMPLE%2F20261204&X-Amz-Signature=f00dfeedf00dfeedf00d&n=1"}),
    )
    .put_request(&config(), Vec::new(), None)
    .unwrap();
    let secrets = signed
        .extensions()
        .get::<blazeauth_core::Secrets>()
        .unwrap();
    assert!(secrets.query_is_secret());
    let texts: Vec<&str> = secrets.texts().collect();
    assert_eq!(
        texts,
        [
            "X-Amz-Credential=AKIAEXAMPLE%2F20261204&X-Amz-Signature=f00dfeedf00dfeedf00d&n=1",
            "AKIAEXAMPLE%2F20261204",
            "AKIAEXAMPLE/20261204",
            "f00dfeedf00dfeedf00d",
        ]
    );
    let api = blazeauth_core::build_request(
        &config(),
        &GetUploadUrl::new(app(), FileName::new("installer").unwrap(), 3),
    )
    .unwrap();
    let secrets = api.extensions().get::<blazeauth_core::Secrets>().unwrap();
    assert!(!secrets.query_is_secret());
    let secret_part = common::KEY.rsplit('_').next().unwrap();
    assert_eq!(secrets.texts().collect::<Vec<_>>(), [secret_part]);
    // Plain http only to a loopback host (or with an insecure base URL).
    let plain = |target: &str, config: &Config| {
        decode(
            &GetUploadUrl::new(app(), FileName::new("installer").unwrap(), 3),
            json!({"success": true, "presignedUrl": target}),
        )
        .put_request(config, Vec::new(), None)
    };
    assert!(plain("http://127.0.0.1:9/x?s=1", &config()).is_ok());
    let refused = plain("http://storage.example.com/x?s=1", &config()).unwrap_err();
    assert_eq!(refused.field(), "presignedUrl");
    assert!(plain("ftp://storage.example.com/x", &config()).is_err());
    assert!(plain("/relative/only", &config()).is_err());
    assert!(plain("https://user:pw@storage.example.com/x", &config()).is_err());
    let insecure = Config::builder(ManagementKey::parse(common::KEY).unwrap())
        .base_url("http://api.internal")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    assert!(plain("http://storage.example.com/x?s=1", &insecure).is_ok());
    // A loopback base URL (the emulator) is plain http too, but allows no
    // plain http to any other host.
    let local = Config::builder(ManagementKey::parse(common::KEY).unwrap())
        .base_url("http://127.0.0.1:8787")
        .build()
        .unwrap();
    assert!(plain("http://storage.example.com/x?s=1", &local).is_err());
    assert!(plain("http://localhost:9/x?s=1", &local).is_ok());
    // The storage host's refusal keeps its status and a bounded body.
    let refusal = Response::builder()
        .status(403)
        .body(format!("<Error>{}</Error>", "x".repeat(5000)).into_bytes())
        .unwrap();
    let error = check_upload_response(&refusal).unwrap_err();
    assert_eq!(error.status, 403);
    assert!(error.body.len() < 1200);
    assert!(check_upload_response(&Response::new(Vec::new())).is_ok());
}

// ---------------------------------------------------------------- live sessions

fn sessions_body(
    page: u64,
    page_size: u64,
    filtered: u64,
    items: serde_json::Value,
) -> serde_json::Value {
    json!({
        "success": true, "message": "OK", "total": 7, "filteredTotal": filtered,
        "authorizedSessionCount": 5, "lastConnectionTime": 1_778_576_400_000_u64,
        "items": items, "page": page, "pageSize": page_size
    })
}

fn session(n: u64) -> serde_json::Value {
    json!({"serverId": "eu-1", "ipAddress": format!("10.0.0.{n}"), "createdAt": 1_778_576_400_000_u64 + n,
           "clientId": format!("HWID-{n}"), "login": null, "license": format!("KEY-{n}")})
}

#[test]
fn sessions_query_is_flat_with_repeated_categories() {
    let sessions = section("## 9. Live sessions");
    for text in [
        "GET `/api/v1/wss/get-application-sessions`",
        "`pageSize?` (1–50), `searchString?`, `categories?` (repeatable: `license`, `ip`, `clientId`)",
    ] {
        documented(sessions, text);
    }
    let request = GetSessions::new(app()).page(3).page_size(50).search(
        SessionSearch::new("10.0")
            .category(SessionSearchCategory::Ip)
            .category(SessionSearchCategory::ClientId),
    );
    let built = build_request(&config(), &request).unwrap();
    assert_eq!(built.method(), Method::GET);
    assert_eq!(built.uri().path(), "/api/v1/wss/get-application-sessions");
    assert_eq!(
        built.uri().query().unwrap(),
        "applicationId=123456789&page=3&pageSize=50&searchString=10.0&categories=ip&categories=clientId"
    );
    let plain = build_request(&config(), &GetSessions::new(app())).unwrap();
    assert_eq!(
        plain.uri().query().unwrap(),
        "applicationId=123456789&page=1"
    );
    for (size, ok) in [(0, false), (1, true), (50, true), (51, false)] {
        let result = build_request(&config(), &GetSessions::new(app()).page_size(size));
        assert_eq!(result.is_ok(), ok, "pageSize {size}");
        if let Err(Error::InvalidInput(e)) = result {
            assert_eq!(e.field(), "pageSize");
        }
    }
    assert_eq!(invalid(&GetSessions::new(app()).page(0)).field(), "page");
}

#[test]
fn sessions_response_decodes_from_the_top_level_with_millisecond_times() {
    let sessions = section("## 9. Live sessions");
    documented(
        sessions,
        "`{success, message: \"OK\", total, filteredTotal,\n  authorizedSessionCount, lastConnectionTime (ms), items: [{serverId, ipAddress, createdAt (ms),\n  clientId, login, license}], page, pageSize}`",
    );
    let page = decode(
        &GetSessions::new(app()),
        sessions_body(1, 2, 5, json!([session(1), session(2)])),
    );
    assert_eq!(page.total, 7);
    assert_eq!(page.filtered_total, 5);
    assert_eq!(page.authorized_session_count, Some(5));
    assert_eq!(
        page.last_connection_time,
        Some(blazeauth_core::Timestamp::from_unix_millis(
            1_778_576_400_000
        ))
    );
    // Milliseconds and the panel's ISO 8601 text are the same kind of value.
    assert_eq!(
        page.last_connection_time.as_ref().unwrap().to_string(),
        "2026-05-12T09:00:00.000Z"
    );
    assert_eq!((page.page, page.page_size), (1, Some(2)));
    assert_eq!(
        page.sessions[1]
            .created_at
            .as_ref()
            .map(|t| t.unix_millis()),
        Some(1_778_576_400_002)
    );
    assert_eq!(page.sessions[0].login, None);
    assert_eq!(page.sessions[0].license.as_deref(), Some("KEY-1"));
    // Pages come from filteredTotal and pageSize: 5 sessions at 2 a page is 3 pages.
    assert_eq!(page.total_pages(), 3);
    // Missing totals or items are decode errors, not empty pages.
    let missing = decode_response(
        &GetSessions::new(app()),
        ok(json!({"success": true, "message": "OK", "items": []})),
    );
    assert!(matches!(missing, Err(Error::Decode(_))));
}

#[test]
fn every_session_page_is_walked_by_the_pager() {
    let script = Script::new()
        .json(&sessions_body(1, 2, 5, json!([session(1), session(2)])).to_string())
        .json(&sessions_body(2, 2, 5, json!([session(3), session(4)])).to_string())
        .json(&sessions_body(3, 2, 5, json!([session(5)])).to_string());
    let client = script.client();
    let rows: Vec<Session> = client
        .pages(GetSessions::new(app()).page_size(2))
        .rows()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(script.sent(), 3);
    let pages: Vec<String> = script
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.uri().query().unwrap().to_owned())
        .collect();
    assert!(pages[2].contains("page=3&pageSize=2"), "{pages:?}");

    // A server ignoring `page` is stopped by the repeat guard.
    let same = sessions_body(1, 2, 9, json!([session(1), session(2)])).to_string();
    let script = Script::new().json(&same).json(&same);
    let result: Result<Vec<Session>, _> = script
        .client()
        .pages(GetSessions::new(app()).page_size(2))
        .rows()
        .collect();
    assert!(matches!(result, Err(Error::Pagination(_))), "{result:?}");
    assert_eq!(script.sent(), 2);

    // The sans-IO pager alone: a table that shrinks ends early.
    let mut pager = Pager::new();
    let first = decode(
        &GetSessions::new(app()),
        sessions_body(1, 2, 9, json!([session(1), session(2)])),
    );
    assert_eq!(pager.record_page(&first), Ok(true));
    let shrunk = decode(
        &GetSessions::new(app()),
        sessions_body(2, 2, 3, json!([session(3)])),
    );
    assert_eq!(pager.record_page(&shrunk), Ok(true));
    assert_eq!(pager.next_page(), None);
}

// ---------------------------------------------------------------- account

#[test]
fn account_limits_keep_every_known_and_future_entry() {
    let account = section("## 10. Account");
    let limits_seen = "authorizedSessionCount, storageSizeMib, createdApplicationVariableCount,\n  createdApplicationLicenseCount, createdApplicationUserCount, uploadedFilesCount,\n  createdApplicationBlacklistCount, createdApplicationsCount,\n  createdApplicationLicenseLevelsCount, apiKeyCount";
    documented(account, limits_seen);
    documented(
        account,
        "liveSessionsOverview,\n  geoBalancing. Message `Successfully fetched limits`",
    );
    let built = build_request(&config(), &GetAccountLimits).unwrap();
    assert_eq!(built.uri().path(), "/api/v1/panel/get-account-limits");
    assert_eq!(built.uri().query(), None);

    let mut data = serde_json::Map::new();
    data.insert("planName".into(), json!("Pro"));
    let names: Vec<&str> = limits_seen
        .split([',', '\n', ' '])
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(names.len(), 10);
    for (i, name) in names.iter().enumerate() {
        data.insert((*name).into(), json!({"currentValue": i, "maxValue": 100}));
    }
    data.insert(
        "storageSizeMib".into(),
        json!({"currentValue": 12.5, "maxValue": "1024"}),
    );
    data.insert("liveSessionsOverview".into(), json!({"currentValue": true}));
    data.insert("geoBalancing".into(), json!({"currentValue": false}));
    data.insert(
        "futureQuota".into(),
        json!({"currentValue": 3, "maxValue": 4}),
    );
    data.insert("futureFeature".into(), json!({"currentValue": true}));
    data.insert(
        "futureUnlimited".into(),
        json!({"currentValue": 3, "maxValue": null}),
    );
    data.insert("futureShape".into(), json!({"tier": "gold"}));
    let limits = decode(
        &GetAccountLimits,
        json!({"success": true, "message": "Successfully fetched limits", "data": data}),
    );
    assert_eq!(limits.plan_name.as_deref(), Some("Pro"));
    assert_eq!(limits.entries.len(), 16);
    assert_eq!(limits.authorized_session_count().unwrap().current, 0.0);
    assert_eq!(limits.api_key_count().unwrap().current, 9.0);
    assert_eq!(
        limits.created_applications_count().unwrap().remaining(),
        Some(93.0)
    );
    let storage = limits.storage_size_mib().unwrap();
    assert_eq!((storage.current, storage.max), (12.5, Some(1024.0)));
    assert_eq!(limits.live_sessions_overview(), Some(true));
    assert_eq!(limits.geo_balancing(), Some(false));
    assert!(limits.quota("futureQuota").unwrap().current == 3.0);
    assert!(!limits.quota("futureQuota").unwrap().is_exhausted());
    assert_eq!(limits.feature("futureFeature"), Some(true));
    assert_eq!(limits.quota("futureUnlimited").unwrap().max, None);
    assert_eq!(
        limits.get("futureShape"),
        Some(&Limit::Other(json!({"tier": "gold"})))
    );
}

// ---------------------------------------------------------------- the leniency rule

#[test]
fn counters_read_numbers_as_strings_and_nullable_fields_as_none() {
    let metadata = decode(
        &GetLicensesMetadata::new(app()),
        json!({"success": true, "data": {
            "totalLicenses": "6", "availableLicenses": 1, "pausedLicenses": "1",
            "activeLicenses": 1, "expiredLicenses": "1", "blacklistedLicenses": 2
        }}),
    );
    assert_eq!((metadata.total_licenses, metadata.paused_licenses), (6, 1));
    let settings = decode(
        &GetApplicationSettings::new(app()),
        json!({"success": true, "data": {
            "applicationLicenseRequiresClientId": false, "applicationUserRequiresClientId": false,
            "applicationUserRequiresLicense": true, "version": null, "status": "online"
        }}),
    );
    assert_eq!(settings.version, None);
    let page = decode(
        &GetLicensesTable::new(app()),
        json!({"success": true, "totalPages": "1", "data": [{
            "id": "1", "license": "ABCDEF", "pausedAt": null, "createdAt": null,
            "applicationLicenseSettings": {"levels": [], "durationSeconds": "2592000"}
        }]}),
    );
    let row = &page.rows[0];
    assert_eq!(row.paused_at, None);
    assert_eq!(
        row.settings
            .as_ref()
            .unwrap()
            .duration()
            .map(|d| d.as_secs()),
        Some(2_592_000)
    );
    // A required field that is missing is a decode error that names it.
    let missing = decode_response(
        &GetLicensesMetadata::new(app()),
        ok(json!({"success": true, "data": {"totalLicenses": 1}})),
    )
    .unwrap_err();
    assert!(
        missing.to_string().contains("availableLicenses"),
        "{missing}"
    );
}

// ---------------------------------------------------------------- progress

#[test]
fn bulk_creation_and_table_walks_report_progress() {
    let keys = |n: usize, from: usize| {
        let keys: Vec<String> = (from..from + n).map(|i| format!("K{i}")).collect();
        json!({"success": true, "createdLicenses": keys}).to_string()
    };
    let script = Script::new()
        .json(&keys(256, 0))
        .json(&keys(256, 256))
        .json(&keys(88, 512));
    let mut seen = Vec::new();
    let spec = LicenseSpec::new(
        "BULK-******",
        ["pro"],
        blazeauth_core::LicenseDuration::from_days(1).unwrap(),
    );
    let created = script
        .client()
        .create_licenses_bulk_with_progress(app(), spec, 600, |p| {
            seen.push((p.created, p.total));
        })
        .unwrap();
    assert_eq!(created.len(), 600);
    assert_eq!(seen, [(0, 600), (256, 600), (512, 600), (600, 600)]);

    let script = Script::new()
        .json(&sessions_body(1, 2, 3, json!([session(1), session(2)])).to_string())
        .json(&sessions_body(2, 2, 3, json!([session(3)])).to_string());
    let client = script.client();
    let mut rows = client.pages(GetSessions::new(app()).page_size(2)).rows();
    assert_eq!(rows.progress().total_pages, None);
    rows.next().unwrap().unwrap();
    let progress = rows.progress();
    assert_eq!(
        (progress.pages_read, progress.total_pages, progress.rows),
        (1, Some(2), 1)
    );
    assert_eq!(rows.by_ref().count(), 2);
    let progress = rows.progress();
    assert_eq!(
        (progress.pages_read, progress.total_pages, progress.rows),
        (2, Some(2), 3)
    );
}
