//! The app user, variable, file, live-session and account routes, with every
//! request built by hand as an `http::Request` and answered by
//! [`Emulator::handle`]: no SDK route type and no SDK client is involved, so
//! these tests check the emulator against `API.md` alone (success shapes and
//! messages byte for byte, each documented limit at its boundary, scopes,
//! application restriction, the plan gate, the fake storage host).

mod common;

use common::variable;

use std::collections::BTreeSet;
use std::time::Duration;

use blazeauth_core::{ApplicationId, ManagementKey, Scope};
use blazeauth_emulator::{Emulator, KeySpec, ManualClock, NewAppUser, NewSession, Plan};
use serde_json::{Value, json};

/// Where in-process requests are addressed (an absolute URI, as a client sends it).
const ORIGIN: &str = "http://emulator.invalid";

struct Env {
    emulator: Emulator,
    clock: ManualClock,
    admin: ManagementKey,
    app: ApplicationId,
}

/// An emulator on a manual clock, 3 rows a page, with one application.
fn env() -> Env {
    let clock = ManualClock::new();
    let emulator = Emulator::builder()
        .seed(5)
        .clock(clock.clone())
        .page_size(3)
        .build();
    let app = emulator.create_application("By hand app").expect("app");
    Env {
        admin: emulator.admin_key(),
        emulator,
        clock,
        app,
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `path` (under the panel unless it starts with `/`) with `query`, encoded.
fn uri(path: &str, query: &[(&str, &str)]) -> String {
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/api/v1/panel/{path}")
    };
    let query: Vec<String> = query
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect();
    if query.is_empty() {
        format!("{ORIGIN}{path}")
    } else {
        format!("{ORIGIN}{path}?{}", query.join("&"))
    }
}

/// Sends one request and returns its status and JSON body.
fn send(
    emulator: &Emulator,
    key: &ManagementKey,
    method: &str,
    uri: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {}", key.expose_secret()));
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let response = emulator.handle(request.body(bytes).expect("request"));
    let json = serde_json::from_slice(response.body()).unwrap_or_else(|e| {
        panic!(
            "{method} {uri}: not JSON ({e}): {}",
            String::from_utf8_lossy(response.body())
        )
    });
    (response.status().as_u16(), json)
}

impl Env {
    fn app_query(&self) -> Vec<(&str, &str)> {
        vec![("applicationId", self.app.as_str())]
    }

    fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        send(&self.emulator, &self.admin, "GET", &uri(path, query), None)
    }

    fn post(&self, path: &str, query: &[(&str, &str)], body: &Value) -> (u16, Value) {
        send(
            &self.emulator,
            &self.admin,
            "POST",
            &uri(path, query),
            Some(body),
        )
    }

    fn patch(&self, path: &str, query: &[(&str, &str)], body: &Value) -> (u16, Value) {
        send(
            &self.emulator,
            &self.admin,
            "PATCH",
            &uri(path, query),
            Some(body),
        )
    }

    /// A POST to the application's `path`.
    fn post_app(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post(path, &self.app_query(), body)
    }

    /// A key with `scopes`, for every application.
    fn key(&self, scopes: impl IntoIterator<Item = Scope>) -> ManagementKey {
        self.emulator.create_key(KeySpec::new(scopes))
    }
}

/// Status and code of an error answer (code `""` when it has none).
fn refusal((status, body): (u16, Value)) -> (u16, String) {
    assert_eq!(body["success"], false, "{body}");
    (
        status,
        body.get("code")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    )
}

fn invalid() -> (u16, String) {
    (400, "validation_error".to_owned())
}

/// The names of a JSON object's fields.
fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

fn is_iso8601(text: &Value) -> bool {
    let text = text.as_str().unwrap_or_default();
    text.len() == 24 && text.ends_with('Z') && text.as_bytes()[10] == b'T'
}

// ---------------------------------------------------------------- app users

fn user(login: &str, password: &str) -> Value {
    json!({
        "login": login,
        "password": password,
        "applicationUserSettings": {"levels": ["basic"], "requiresLicense": false},
    })
}

#[test]
fn create_user_answers_message_only_and_keeps_every_field_but_the_password() {
    let e = env();
    let body = json!({
        "login": "alice@example.com",
        "password": "Correct-Horse-Battery",
        "comment": "first",
        "clientId": "HWID-A",
        "ipAddress": "203.0.113.1",
        "applicationUserSettings": {
            "levels": ["basic", "pro"],
            "requiresLicense": true,
            "requiresClientId": true,
            "credentialsType": "email_password",
            "somethingNew": {"nested": 1},
        },
    });
    assert_eq!(
        e.post_app("create-user", &body),
        (
            200,
            json!({"success": true, "message": "User created successfully"})
        )
    );
    // requiresClientId defaults to false; other fields are optional.
    assert_eq!(e.post_app("create-user", &user("bob", "pw")).0, 200);

    let (status, table) = e.get(
        "get-users-table",
        &[("applicationId", e.app.as_str()), ("currentPage", "1")],
    );
    assert_eq!(status, 200, "{table}");
    assert_eq!(
        keys(&table),
        set(&["success", "message", "data", "totalPages"])
    );
    assert_eq!(table["message"], "Successfully fetched users table");
    assert_eq!(table["totalPages"], 1);
    let row = &table["data"][0];
    assert_eq!(
        keys(row),
        set(&[
            "id",
            "applicationId",
            "login",
            "comment",
            "clientId",
            "ipAddress",
            "applicationUserSettings",
            "createdAt"
        ])
    );
    assert!(row["id"].is_string());
    assert_eq!(row["applicationId"], e.app.as_str());
    assert_eq!(row["login"], "alice@example.com");
    assert_eq!(row["comment"], "first");
    assert_eq!(row["clientId"], "HWID-A");
    assert_eq!(row["ipAddress"], "203.0.113.1");
    assert_eq!(
        row["applicationUserSettings"],
        json!({"levels": ["basic", "pro"], "requiresLicense": true, "credentialsType": "email_password", "requiresClientId": true})
    );
    assert_eq!(row["createdAt"], "2026-05-12T09:00:00.000Z");
    let bob = &table["data"][1];
    assert_eq!(bob["applicationUserSettings"]["requiresClientId"], false);
    assert_eq!(
        (&bob["comment"], &bob["clientId"], &bob["ipAddress"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );

    // The password shows nowhere: not in an answer, not in a snapshot.
    let users = e.emulator.app_users(&e.app);
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].client_id.as_deref(), Some("HWID-A"));
    assert_eq!(users[0].levels, ["basic", "pro"]);
    assert!(users[0].requires_license && users[0].requires_client_id);
    for shown in [
        table.to_string(),
        format!("{:?}", e.emulator.snapshot()),
        format!("{users:?}"),
        format!("{:?}", e.emulator.applications()),
    ] {
        assert!(!shown.contains("Correct-Horse"), "{shown}");
    }
}

#[test]
fn create_user_refuses_what_it_cannot_store() {
    let e = env();
    let settings = json!({"levels": ["basic"], "requiresLicense": false});
    let refused = [
        json!({"password": "p", "applicationUserSettings": settings}),
        json!({"login": "x", "applicationUserSettings": settings}),
        json!({"login": "", "password": "p", "applicationUserSettings": settings}),
        json!({"login": "   ", "password": "p", "applicationUserSettings": settings}),
        json!({"login": "x", "password": "", "applicationUserSettings": settings}),
        json!({"login": 5, "password": "p", "applicationUserSettings": settings}),
        json!({"login": "x", "password": ["p"], "applicationUserSettings": settings}),
        json!({"login": "x", "password": "p"}),
        json!({"login": "x", "password": "p", "applicationUserSettings": "basic"}),
        json!({"login": "x", "password": "p", "applicationUserSettings": {"levels": "basic", "requiresLicense": false}}),
        json!({"login": "x", "password": "p", "applicationUserSettings": {"levels": [1], "requiresLicense": false}}),
        json!({"login": "x", "password": "p", "applicationUserSettings": {"levels": []}}),
        json!({"login": "x", "password": "p", "applicationUserSettings": {"levels": [], "requiresLicense": "yes"}}),
        json!({"login": "x", "password": "p", "comment": 1, "applicationUserSettings": settings}),
        json!({"login": "x", "password": "p", "applicationUserSettings": {"levels": [], "requiresLicense": true, "requiresClientId": "no"}}),
        json!([]),
    ];
    for body in refused {
        assert_eq!(
            refusal(e.post_app("create-user", &body)),
            invalid(),
            "{body}"
        );
    }
    // Not JSON at all.
    let (status, _) = send(
        &e.emulator,
        &e.admin,
        "POST",
        &uri("create-user", &e.app_query()),
        None,
    );
    assert_eq!(status, 400);
    assert!(
        e.emulator.app_users(&e.app).is_empty(),
        "refusals store nothing"
    );

    // Logins are unique within an application, not across applications.
    assert_eq!(e.post_app("create-user", &user("carol", "p")).0, 200);
    assert_eq!(
        refusal(e.post_app("create-user", &user("carol", "other"))),
        (409, "conflict".to_owned())
    );
    let other = e.emulator.create_application("Other application").unwrap();
    assert_eq!(
        e.post(
            "create-user",
            &[("applicationId", other.as_str())],
            &user("carol", "p")
        )
        .0,
        200
    );
    // The hook and the route share one login space.
    assert!(e.emulator.add_app_user(&e.app, "carol").is_err());
    assert_eq!(e.emulator.app_users(&e.app).len(), 1);
    // An unknown application is a 404, a malformed id a 400.
    assert_eq!(
        refusal(e.post(
            "create-user",
            &[("applicationId", "99999")],
            &user("d", "p")
        )),
        (404, "not_found".to_owned())
    );
    assert_eq!(
        refusal(e.post("create-user", &[("applicationId", "abc")], &user("d", "p"))),
        invalid()
    );
}

#[test]
fn the_users_table_pages_by_the_page_size_and_searches_three_categories() {
    let e = env();
    for i in 0..7 {
        let mut user = NewAppUser::new(format!("User{i}@Example.com")).ip(format!("10.0.{i}.1"));
        if i % 2 == 0 {
            user = user.client_id(format!("hwid-{i}"));
        }
        e.emulator.add_app_user_with(&e.app, user).unwrap();
    }
    let table = |page: &str, search: Option<Value>| {
        let mut query = vec![("applicationId", e.app.as_str()), ("currentPage", page)];
        let search = search.map(|s| s.to_string());
        if let Some(search) = &search {
            query.push(("searchParams", search.as_str()));
        }
        e.get("get-users-table", &query)
    };
    let mut logins = Vec::new();
    for page in ["1", "2", "3"] {
        let (status, answer) = table(page, None);
        assert_eq!(status, 200);
        assert_eq!(answer["totalPages"], 3, "7 users, 3 a page");
        logins.extend(
            answer["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| row["login"].as_str().unwrap().to_owned()),
        );
    }
    let expected: Vec<String> = (0..7).map(|i| format!("User{i}@Example.com")).collect();
    assert_eq!(logins, expected, "every user once, in creation order");
    let (_, past) = table("4", None);
    assert_eq!(
        (past["data"].clone(), past["totalPages"].clone()),
        (json!([]), json!(3))
    );
    for page in ["0", "-1", "one", ""] {
        assert_eq!(refusal(table(page, None)), invalid(), "{page:?}");
    }
    let (status, _) = e.get("get-users-table", &e.app_query());
    assert_eq!(status, 400, "currentPage is required");

    let metadata = |search: Option<Value>| {
        let mut query = e.app_query();
        let search = search.map(|s| s.to_string());
        if let Some(search) = &search {
            query.push(("searchParams", search.as_str()));
        }
        e.get("get-users-metadata", &query)
    };
    assert_eq!(
        metadata(None),
        (
            200,
            json!({"success": true, "message": "Successfully fetched users metadata", "data": {"totalUsers": 7}})
        )
    );
    let cases = [
        (
            json!({"searchString": "user3@", "categories": ["Login"]}),
            1u64,
        ),
        (json!({"searchString": "USER", "categories": ["Login"]}), 7),
        (json!({"searchString": "user5"}), 1),
        (
            json!({"searchString": "10.0.2.", "categories": ["IPv4"]}),
            1,
        ),
        (json!({"searchString": "10.0.", "categories": ["Login"]}), 0),
        (
            json!({"searchString": "HWID", "categories": ["Client id"]}),
            4,
        ),
        (
            json!({"searchString": "4", "categories": ["Client id", "IPv4"]}),
            1,
        ),
        (json!({"searchString": "", "categories": ["IPv4"]}), 7),
    ];
    for (search, count) in cases {
        let (_, answer) = metadata(Some(search.clone()));
        assert_eq!(answer["data"]["totalUsers"], count, "{search}");
        let (_, page) = table("1", Some(search.clone()));
        assert_eq!(
            page["totalPages"],
            json!(count.div_ceil(3)),
            "{search}: the filter applies to the count"
        );
    }
    for bad in [
        json!({"searchString": "x", "categories": ["Email"]}),
        json!({"searchString": 5}),
        json!(["Login"]),
    ] {
        assert_eq!(refusal(metadata(Some(bad.clone()))), invalid(), "{bad}");
        assert_eq!(refusal(table("1", Some(bad.clone()))), invalid(), "{bad}");
    }
    let (status, _) = e.get(
        "get-users-metadata",
        &[
            ("applicationId", e.app.as_str()),
            ("searchParams", "{not json"),
        ],
    );
    assert_eq!(status, 400);
}

// ---------------------------------------------------------------- variables

#[test]
fn variables_are_listed_created_and_refused_at_every_documented_boundary() {
    let e = env();
    let (status, empty) = e.get("get-variables", &e.app_query());
    assert_eq!(
        (status, empty),
        (
            200,
            json!({"success": true, "message": "Get variables successfully", "data": []})
        )
    );
    let created = json!({"success": true, "message": "Variable created successfully"});
    let null = Some(Value::Null);
    let accepted = [
        variable("abc", null.clone(), "", "auth_required"),
        variable(&"n".repeat(64), Some(json!("")), "v", "auth_not_required"),
        variable(
            &"é".repeat(64),
            Some(json!("d".repeat(64))),
            &"v".repeat(16_000),
            "auth_required",
        ),
        variable(
            "日本語",
            Some(json!("é".repeat(64))),
            &"é".repeat(16_000),
            "auth_required",
        ),
    ];
    for body in &accepted {
        assert_eq!(
            e.post_app("create-variable", body),
            (200, created.clone()),
            "{body}"
        );
    }
    let refused = [
        variable("ab", null.clone(), "", "auth_required"),
        variable(&"n".repeat(65), null.clone(), "", "auth_required"),
        variable(&"é".repeat(65), null.clone(), "", "auth_required"),
        variable("abc", Some(json!("d".repeat(65))), "", "auth_required"),
        variable("abc", null.clone(), &"v".repeat(16_001), "auth_required"),
        variable("abc", null.clone(), "", "sometimes"),
        variable("abc", null.clone(), "", "AUTH_REQUIRED"),
        // The description key must be present, as a string or null.
        variable("abc", None, "", "auth_required"),
        variable("abc", Some(json!(5)), "", "auth_required"),
        variable("abc", Some(json!(["d"])), "", "auth_required"),
        json!({"description": null, "value": "", "strategy": "auth_required"}),
        json!({"name": "abc", "description": null, "strategy": "auth_required"}),
        json!({"name": "abc", "description": null, "value": ""}),
        json!({"name": "abc", "description": null, "value": 1, "strategy": "auth_required"}),
    ];
    for body in &refused {
        assert_eq!(
            refusal(e.post_app("create-variable", body)),
            invalid(),
            "{body}"
        );
    }
    let stored = e.emulator.variables(&e.app);
    assert_eq!(stored.len(), accepted.len(), "refusals store nothing");

    let (_, listed) = e.get("get-variables", &e.app_query());
    let rows = listed["data"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        keys(&rows[0]),
        set(&[
            "id",
            "name",
            "description",
            "value",
            "strategy",
            "updatedAt"
        ])
    );
    assert_eq!(rows[0]["id"], stored[0].id.as_str());
    assert_eq!(rows[0]["description"], Value::Null);
    assert_eq!(rows[1]["description"], "");
    assert_eq!(rows[1]["strategy"], "auth_not_required");
    assert!(is_iso8601(&rows[0]["updatedAt"]), "{}", rows[0]);
}

#[test]
fn edit_variable_replaces_the_whole_variable_or_changes_nothing() {
    let e = env();
    let original = variable(
        "api_url",
        Some(json!("the API")),
        "https://a",
        "auth_required",
    );
    assert_eq!(e.post_app("create-variable", &original).0, 200);
    let id = e.emulator.variables(&e.app)[0].id.as_str().to_owned();
    let edit = |variable_id: Option<&str>, body: &Value| {
        let mut query = e.app_query();
        if let Some(variable_id) = variable_id {
            query.push(("variableId", variable_id));
        }
        e.patch("edit-variable", &query, body)
    };
    e.clock.advance(Duration::from_secs(60));
    let changed = variable(
        "api_url_v2",
        Some(Value::Null),
        "https://b",
        "auth_not_required",
    );
    assert_eq!(
        edit(Some(&id), &changed),
        (
            200,
            json!({"success": true, "message": "Variable updated successfully"})
        )
    );
    let (_, listed) = e.get("get-variables", &e.app_query());
    assert_eq!(
        listed["data"],
        json!([{"id": id, "name": "api_url_v2", "description": null, "value": "https://b",
                "strategy": "auth_not_required", "updatedAt": "2026-05-12T09:01:00.000Z"}])
    );
    let before = e.emulator.variables(&e.app);
    for body in [
        variable("ab", Some(Value::Null), "", "auth_required"),
        variable("abc", None, "", "auth_required"),
        variable("abc", Some(json!("d".repeat(65))), "", "auth_required"),
        variable(
            "abc",
            Some(Value::Null),
            &"v".repeat(16_001),
            "auth_required",
        ),
        variable("abc", Some(Value::Null), "", "never"),
    ] {
        assert_eq!(refusal(edit(Some(&id), &body)), invalid(), "{body}");
    }
    let good = variable("abc", Some(Value::Null), "", "auth_required");
    assert_eq!(
        refusal(edit(None, &good)),
        invalid(),
        "variableId is required"
    );
    assert_eq!(refusal(edit(Some("x1"), &good)), invalid());
    assert_eq!(
        refusal(edit(Some("123456"), &good)),
        (404, "not_found".to_owned())
    );
    // A variable of another application is not found through this one.
    let other = e.emulator.create_application("Other application").unwrap();
    assert_eq!(
        refusal(e.patch(
            "edit-variable",
            &[("applicationId", other.as_str()), ("variableId", &id)],
            &good
        )),
        (404, "not_found".to_owned())
    );
    assert_eq!(
        e.emulator.variables(&e.app),
        before,
        "refusals change nothing"
    );
}

// -------------------------------------------------------------------- files

fn upload_url(name: &str, size: Value) -> Value {
    json!({"type": "file", "fileName": name, "fileSize": size})
}

const NAME_TAKEN: &str = "File name must be unique for your application";

#[test]
fn presigned_urls_answer_the_legacy_shape_and_check_every_field() {
    let e = env();
    let (status, answer) = e.post_app(
        "get-presigned-upload-url",
        &json!({"type": "file", "fileName": "  Setup v2-1 ", "fileSize": 3, "fileType": "application/zip"}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(keys(&answer), set(&["success", "message", "presignedUrl"]));
    assert_eq!(answer["message"], "Get presigned url successfully");
    let url = answer["presignedUrl"].as_str().unwrap();
    assert!(
        url.starts_with("http://emulator.invalid/_storage/"),
        "{url}"
    );
    let files = e.emulator.files(&e.app);
    assert_eq!(files[0].name, "Setup v2-1", "stored trimmed");
    assert_eq!(
        (files[0].size, files[0].media_type.as_deref()),
        (3, Some("application/zip"))
    );
    assert_eq!(files[0].bytes, None);

    // Names: 4 to 16 characters after trimming; letters, digits, dashes, single spaces.
    for name in ["abcd", "0123456789abcdef", "a-b c", "----", "Ünïcödé"] {
        assert_eq!(
            e.post_app("get-presigned-upload-url", &upload_url(name, json!(1)))
                .0,
            200,
            "{name:?}"
        );
    }
    for name in [
        "abc",
        "   abc   ",
        "0123456789abcdefg",
        "a  bc",
        "a_bc",
        "a.bcd",
        "abc/d",
        "tab\tname",
        "",
    ] {
        assert_eq!(
            refusal(e.post_app("get-presigned-upload-url", &upload_url(name, json!(1)))),
            invalid(),
            "{name:?}"
        );
    }
    // Sizes: a whole number from 0 to the emulator's body limit.
    let limit = e.emulator.max_body_bytes() as u64;
    assert_eq!(
        e.post_app("get-presigned-upload-url", &upload_url("empty", json!(0)))
            .0,
        200
    );
    assert_eq!(
        e.post_app(
            "get-presigned-upload-url",
            &upload_url("largest", json!(limit))
        )
        .0,
        200
    );
    for size in [
        json!(limit + 1),
        json!(-1),
        json!(1.5),
        json!("10"),
        Value::Null,
    ] {
        assert_eq!(
            refusal(e.post_app(
                "get-presigned-upload-url",
                &upload_url("sized", size.clone())
            )),
            invalid(),
            "{size}"
        );
    }
    // Types: "file" only; "avatar" needs a dashboard session.
    assert_eq!(
        refusal(e.post_app(
            "get-presigned-upload-url",
            &json!({"type": "avatar", "fileName": "face", "fileSize": 1})
        )),
        (403, "session_required".to_owned())
    );
    for kind in [json!("image"), json!("FILE"), json!(1), Value::Null] {
        assert_eq!(
            refusal(e.post_app(
                "get-presigned-upload-url",
                &json!({"type": kind, "fileName": "typed", "fileSize": 1})
            )),
            invalid(),
            "{kind}"
        );
    }
    assert_eq!(
        refusal(e.post_app(
            "get-presigned-upload-url",
            &json!({"type": "file", "fileName": "typed", "fileSize": 1, "fileType": 7})
        )),
        invalid()
    );
    assert_eq!(
        e.emulator.files(&e.app).len(),
        8,
        "refusals reserve nothing"
    );
}

#[test]
fn a_taken_file_name_is_the_documented_failure_without_a_code() {
    let e = env();
    assert_eq!(
        e.post_app("get-presigned-upload-url", &upload_url("report", json!(1)))
            .0,
        200
    );
    let taken = json!({"success": false, "message": NAME_TAKEN});
    for name in ["report", "  report  "] {
        let (status, body) = e.post_app("get-presigned-upload-url", &upload_url(name, json!(2)));
        assert_eq!((status, &body), (400, &taken), "{name:?}");
        assert!(body.get("code").is_none(), "no code at all");
    }
    // check-file-name: the emulator's answers (the response is undocumented).
    assert_eq!(
        e.post_app("check-file-name", &json!({"fileName": "free name"})),
        (
            200,
            json!({"success": true, "message": "File name is available"})
        )
    );
    assert_eq!(
        e.post_app("check-file-name", &json!({"fileName": " report"})),
        (400, taken.clone())
    );
    for bad in [
        json!({"fileName": "x"}),
        json!({"fileName": "a_bc"}),
        json!({}),
        json!({"fileName": 4}),
    ] {
        assert_eq!(
            refusal(e.post_app("check-file-name", &bad)),
            invalid(),
            "{bad}"
        );
    }
    // Names are unique per application only.
    let other = e.emulator.create_application("Other application").unwrap();
    assert_eq!(
        e.post(
            "get-presigned-upload-url",
            &[("applicationId", other.as_str())],
            &upload_url("report", json!(1))
        )
        .0,
        200
    );
    assert_eq!(e.emulator.files(&e.app).len(), 1);
}

fn put(emulator: &Emulator, url: &str, body: &[u8], headers: &[(&str, &str)]) -> u16 {
    put_method(emulator, "PUT", url, body, headers)
}

fn put_method(
    emulator: &Emulator,
    method: &str,
    url: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> u16 {
    let mut request = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    emulator
        .handle(request.body(body.to_vec()).expect("request"))
        .status()
        .as_u16()
}

#[test]
fn the_storage_host_takes_one_keyless_upload_of_the_declared_size() {
    let e = env();
    let (_, answer) = e.post_app("get-presigned-upload-url", &upload_url("blob", json!(4)));
    let url = answer["presignedUrl"].as_str().unwrap().to_owned();
    let status = || e.post_app("check-file-uploaded-status", &json!({"fileName": "blob"}));
    assert_eq!(
        status(),
        (
            409,
            json!({"success": false, "message": "File has not been uploaded"})
        )
    );
    let bearer = format!("Bearer {}", e.admin.expose_secret());
    // A request with a key is refused and recorded, key and all.
    assert_eq!(
        put(&e.emulator, &url, b"abcd", &[("authorization", &bearer)]),
        400
    );
    assert_eq!(put(&e.emulator, &url, b"abc", &[]), 400, "short");
    assert_eq!(put(&e.emulator, &url, b"abcde", &[]), 400, "long");
    assert_eq!(put_method(&e.emulator, "POST", &url, b"abcd", &[]), 405);
    assert_eq!(status().0, 409, "nothing arrived yet");
    assert_eq!(
        put(
            &e.emulator,
            &url,
            b"abcd",
            &[("content-type", "application/octet-stream")]
        ),
        200
    );
    assert_eq!(
        put(&e.emulator, &url, b"wxyz", &[]),
        409,
        "one upload per URL"
    );
    assert_eq!(
        status(),
        (
            200,
            json!({"success": true, "message": "File uploaded successfully"})
        )
    );
    assert_eq!(
        refusal(e.post_app("check-file-uploaded-status", &json!({"fileName": "nope"}))),
        (404, "not_found".to_owned())
    );
    assert_eq!(
        refusal(e.post_app("check-file-uploaded-status", &json!({}))),
        invalid()
    );
    let stray = format!("{ORIGIN}/_storage/unknown-token");
    assert_eq!(
        put(&e.emulator, &stray, b"", &[("authorization", &bearer)]),
        404
    );

    let file = &e.emulator.files(&e.app)[0];
    assert_eq!(file.bytes.as_deref(), Some(&b"abcd"[..]));
    let verdicts: Vec<(&str, bool)> = file
        .storage_requests
        .iter()
        .map(|r| (r.method.as_str(), r.accepted))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("PUT", false),
            ("PUT", false),
            ("PUT", false),
            ("POST", false),
            ("PUT", true),
            ("PUT", false)
        ]
    );
    assert_eq!(
        file.storage_requests[0].header("Authorization"),
        Some(bearer.as_str()),
        "the storage host records what it saw"
    );
    assert_eq!(
        file.storage_requests[4].header("content-type"),
        Some("application/octet-stream")
    );
    // The log has every request, the stray one too.
    let log = e.emulator.storage_requests();
    assert_eq!(log.len(), 7);
    assert_eq!(log[6].path, "/_storage/unknown-token");
    assert!(log[6].header("authorization").is_some());
    assert!(
        log.iter()
            .filter(|r| r.accepted)
            .all(|r| r.header("authorization").is_none()),
        "an accepted upload never carries a key"
    );
    e.emulator.reset();
    assert!(e.emulator.storage_requests().is_empty());
}

#[test]
fn the_upload_url_follows_the_host_the_request_was_sent_to() {
    let e = env();
    let request = http::Request::builder()
        .method("POST")
        .uri(format!(
            "/api/v1/panel/get-presigned-upload-url?applicationId={}",
            e.app.as_str()
        ))
        .header("host", "127.0.0.1:4567")
        .header(
            "authorization",
            format!("Bearer {}", e.admin.expose_secret()),
        )
        .body(upload_url("hosted", json!(1)).to_string().into_bytes())
        .unwrap();
    let answer: Value = serde_json::from_slice(e.emulator.handle(request).body()).unwrap();
    let url = answer["presignedUrl"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:4567/_storage/"), "{url}");
    let https = send(
        &e.emulator,
        &e.admin,
        "POST",
        &format!(
            "https://api.example.test/api/v1/panel/get-presigned-upload-url?applicationId={}",
            e.app.as_str()
        ),
        Some(&upload_url("secure", json!(1))),
    );
    assert!(
        https.1["presignedUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://api.example.test/_storage/")
    );
}

// ------------------------------------------------------ scopes, applications

#[test]
fn every_route_checks_its_scope_then_the_application() {
    let e = env();
    let other = e.emulator.create_application("Other application").unwrap();
    let sessions = "/api/v1/wss/get-application-sessions";
    let routes: [(&str, &str, Scope, Option<Value>); 11] = [
        ("GET", "get-users-metadata", Scope::AppUsersRead, None),
        ("GET", "get-users-table", Scope::AppUsersRead, None),
        (
            "POST",
            "create-user",
            Scope::AppUsersCreate,
            Some(user("z", "p")),
        ),
        ("GET", "get-variables", Scope::VariablesRead, None),
        (
            "POST",
            "create-variable",
            Scope::VariablesCreate,
            Some(variable("abc", Some(Value::Null), "", "auth_required")),
        ),
        (
            "PATCH",
            "edit-variable",
            Scope::VariablesUpdate,
            Some(variable("abc", Some(Value::Null), "", "auth_required")),
        ),
        (
            "POST",
            "get-presigned-upload-url",
            Scope::FilesUpload,
            Some(upload_url("scoped", json!(1))),
        ),
        (
            "POST",
            "check-file-name",
            Scope::FilesUpload,
            Some(json!({"fileName": "scoped"})),
        ),
        (
            "POST",
            "check-file-uploaded-status",
            Scope::FilesUpload,
            Some(json!({"fileName": "scoped"})),
        ),
        ("GET", sessions, Scope::SessionsRead, None),
        ("GET", "get-account-limits", Scope::AccountRead, None),
    ];
    let query = [
        ("applicationId", e.app.as_str()),
        ("currentPage", "1"),
        ("variableId", "1"),
    ];
    for (method, path, scope, body) in routes {
        let uri = uri(path, &query);
        // Every scope but the route's: refused for the scope, before anything else.
        let others: Vec<Scope> = Scope::ALL.iter().copied().filter(|s| *s != scope).collect();
        let lacking = e.key(others);
        let (status, answer) = send(&e.emulator, &lacking, method, &uri, body.as_ref());
        assert_eq!(
            (status, answer.clone()),
            (
                403,
                json!({"success": false, "code": "insufficient_scope", "message": "Insufficient API key scope."})
            ),
            "{path}"
        );
        // The scope alone is enough.
        let only = e.key([scope]);
        let (status, answer) = send(&e.emulator, &only, method, &uri, body.as_ref());
        assert_ne!(status, 403, "{path}: {answer}");
        // A key restricted to another application is refused this one.
        let restricted = e
            .emulator
            .create_key(KeySpec::new([scope]).only_applications([other.clone()]));
        let answer = send(&e.emulator, &restricted, method, &uri, body.as_ref());
        if scope == Scope::AccountRead {
            assert_eq!(answer.0, 200, "account limits take no application");
        } else {
            assert_eq!(
                refusal(answer),
                (403, "application_forbidden".to_owned()),
                "{path}"
            );
        }
    }
    // Files: files:read or files:delete do not cover uploads.
    let readers = e.key([Scope::FilesRead, Scope::FilesDelete]);
    let (status, answer) = send(
        &e.emulator,
        &readers,
        "POST",
        &uri("check-file-name", &query),
        Some(&json!({"fileName": "abcd"})),
    );
    assert_eq!(
        (status, answer["code"].as_str()),
        (403, Some("insufficient_scope"))
    );
}

// ------------------------------------------------------------ live sessions

const SESSIONS: &str = "/api/v1/wss/get-application-sessions";

fn sessions(e: &Env, query: &[(&str, &str)]) -> (u16, Value) {
    let mut all = e.app_query();
    all.extend_from_slice(query);
    e.get(SESSIONS, &all)
}

/// 23 sessions, one a second: licenses `KEY-0000`..., ips `10.1.0.i`,
/// client ids on even ones, logins on every third.
fn add_sessions(e: &Env) {
    for i in 0..23 {
        let mut session = NewSession::new(format!("srv-{i}"))
            .ip(format!("10.1.0.{i}"))
            .license(format!("KEY-{i:04}"));
        if i % 2 == 0 {
            session = session.client_id(format!("Hwid-{i}"));
        }
        if i % 3 == 0 {
            session = session.login(format!("user{i}"));
        }
        e.emulator.add_session(&e.app, session).unwrap();
        e.clock.advance(Duration::from_secs(1));
    }
}

#[test]
fn live_sessions_answer_at_the_top_level_and_page_consistently() {
    let e = env();
    let (status, empty) = sessions(&e, &[]);
    assert_eq!(
        (status, empty),
        (
            200,
            json!({"success": true, "message": "OK", "total": 0, "filteredTotal": 0,
                   "authorizedSessionCount": 0, "lastConnectionTime": null, "items": [],
                   "page": 1, "pageSize": 10})
        )
    );
    add_sessions(&e);
    let start_ms: u64 = 1_778_576_400_000;
    let mut seen = Vec::new();
    for page in 1..=5u64 {
        let (status, answer) = sessions(&e, &[("page", &page.to_string()), ("pageSize", "5")]);
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            keys(&answer),
            set(&[
                "success",
                "message",
                "total",
                "filteredTotal",
                "authorizedSessionCount",
                "lastConnectionTime",
                "items",
                "page",
                "pageSize"
            ]),
            "no data: everything is top level"
        );
        assert_eq!(answer["message"], "OK");
        assert_eq!(
            (answer["total"].as_u64(), answer["filteredTotal"].as_u64()),
            (Some(23), Some(23))
        );
        assert_eq!(
            (answer["page"].as_u64(), answer["pageSize"].as_u64()),
            (Some(page), Some(5))
        );
        assert_eq!(answer["authorizedSessionCount"], 8, "sessions with a login");
        assert_eq!(answer["lastConnectionTime"], start_ms + 22_000);
        let items = answer["items"].as_array().unwrap();
        assert_eq!(items.len(), if page == 5 { 3 } else { 5 });
        for item in items {
            assert_eq!(
                keys(item),
                set(&[
                    "serverId",
                    "ipAddress",
                    "createdAt",
                    "clientId",
                    "login",
                    "license"
                ])
            );
            seen.push(item.clone());
        }
    }
    let servers: Vec<String> = (0..23).map(|i| format!("srv-{i}")).collect();
    assert_eq!(
        seen.iter()
            .map(|s| s["serverId"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>(),
        servers,
        "every session once, in connection order"
    );
    assert_eq!(
        seen[4],
        json!({"serverId": "srv-4", "ipAddress": "10.1.0.4", "createdAt": start_ms + 4_000,
               "clientId": "Hwid-4", "login": null, "license": "KEY-0004"})
    );
    let (_, past) = sessions(&e, &[("page", "6"), ("pageSize", "5")]);
    assert_eq!(
        (
            past["items"].clone(),
            past["total"].clone(),
            past["page"].clone()
        ),
        (json!([]), json!(23), json!(6))
    );
    let (_, default) = sessions(&e, &[]);
    assert_eq!(
        (default["page"].as_u64(), default["pageSize"].as_u64()),
        (Some(1), Some(10))
    );
    assert_eq!(default["items"].as_array().unwrap().len(), 10);
    // pageSize 1 and 50 are the bounds.
    let (_, one) = sessions(&e, &[("pageSize", "1"), ("page", "23")]);
    assert_eq!(one["items"][0]["serverId"], "srv-22");
    let (_, fifty) = sessions(&e, &[("pageSize", "50")]);
    assert_eq!(fifty["items"].as_array().unwrap().len(), 23);
    for query in [
        [("pageSize", "0")],
        [("pageSize", "51")],
        [("pageSize", "-1")],
        [("pageSize", "ten")],
        [("page", "0")],
        [("page", "-1")],
        [("page", "1.5")],
        [("categories", "login")],
        [("categories", "License")],
    ] {
        assert_eq!(refusal(sessions(&e, &query)), invalid(), "{query:?}");
    }
    assert_eq!(
        sessions(&e, &[("categories", "ip"), ("categories", "hwid")]).0,
        400
    );
    // Not a panel route.
    assert_eq!(
        refusal(e.get("get-application-sessions", &e.app_query())),
        (404, "not_found".to_owned())
    );
    // Sessions leave with a reset.
    assert_eq!(e.emulator.sessions(&e.app).len(), 23);
    e.emulator.reset();
    assert!(e.emulator.sessions(&e.app).is_empty());
}

#[test]
fn live_sessions_are_searched_in_the_chosen_categories() {
    let e = env();
    add_sessions(&e);
    let count = |query: &[(&str, &str)]| {
        let (status, answer) = sessions(&e, query);
        assert_eq!(status, 200, "{query:?}: {answer}");
        assert_eq!(answer["total"], 23, "total ignores the search");
        answer["filteredTotal"].as_u64().unwrap()
    };
    // The default category is the license.
    assert_eq!(count(&[("searchString", "key-001")]), 10);
    assert_eq!(
        count(&[("searchString", "10.1.0.1")]),
        0,
        "not the ip by default"
    );
    assert_eq!(
        count(&[("searchString", "KEY-0022"), ("categories", "license")]),
        1
    );
    assert_eq!(
        count(&[("searchString", "10.1.0.2"), ("categories", "ip")]),
        4
    );
    assert_eq!(
        count(&[("searchString", "hwid-1"), ("categories", "clientId")]),
        5
    );
    assert_eq!(
        count(&[("searchString", "HWID"), ("categories", "clientId")]),
        12
    );
    assert_eq!(
        count(&[("searchString", "KEY"), ("categories", "clientId")]),
        0
    );
    // Several categories: a match in any of them.
    assert_eq!(
        count(&[
            ("searchString", "2"),
            ("categories", "ip"),
            ("categories", "clientId")
        ]),
        count(&[("searchString", "2"), ("categories", "ip")])
    );
    assert_eq!(
        count(&[
            ("searchString", "hwid-4"),
            ("categories", "license"),
            ("categories", "clientId")
        ]),
        1
    );
    assert_eq!(count(&[("searchString", "")]), 23);
    // Paging applies to the filtered rows.
    let (_, page) = sessions(
        &e,
        &[
            ("searchString", "hwid"),
            ("categories", "clientId"),
            ("pageSize", "5"),
            ("page", "3"),
        ],
    );
    assert_eq!(page["filteredTotal"], 12);
    let servers: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["serverId"].as_str().unwrap())
        .collect();
    assert_eq!(servers, ["srv-20", "srv-22"]);
}

#[test]
fn live_sessions_need_the_plan_feature() {
    let e = env();
    e.emulator
        .add_session(&e.app, NewSession::new("eu-1"))
        .unwrap();
    assert_eq!(sessions(&e, &[]).0, 200);
    for plan in [
        Plan::default().feature("liveSessionsOverview", false),
        Plan {
            features: Default::default(),
            ..Plan::default()
        },
    ] {
        e.emulator.set_plan(plan);
        let (status, answer) = sessions(&e, &[]);
        assert_eq!(status, 403);
        assert_eq!(answer["code"], "plan_feature_unavailable");
        assert_eq!(answer["success"], false);
        assert!(answer["message"].is_string());
    }
    e.emulator.set_plan(Plan::default());
    assert_eq!(sessions(&e, &[]).0, 200);
    // From the builder too.
    let gated = Emulator::builder()
        .plan(Plan::default().feature("liveSessionsOverview", false))
        .build();
    let app = gated.create_application("Gated application").unwrap();
    let (status, _) = send(
        &gated,
        &gated.admin_key(),
        "GET",
        &uri(SESSIONS, &[("applicationId", app.as_str())]),
        None,
    );
    assert_eq!(status, 403);
}

// ----------------------------------------------------------- account limits

const LIMITS: [&str; 10] = [
    "authorizedSessionCount",
    "storageSizeMib",
    "createdApplicationVariableCount",
    "createdApplicationLicenseCount",
    "createdApplicationUserCount",
    "uploadedFilesCount",
    "createdApplicationBlacklistCount",
    "createdApplicationsCount",
    "createdApplicationLicenseLevelsCount",
    "apiKeyCount",
];

#[test]
fn account_limits_have_the_documented_shape() {
    let e = env();
    let (status, answer) = e.get("get-account-limits", &[]);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(keys(&answer), set(&["success", "message", "data"]));
    assert_eq!(answer["message"], "Successfully fetched limits");
    let data = &answer["data"];
    let mut expected = set(&LIMITS);
    expected.extend(["planName", "liveSessionsOverview", "geoBalancing"]);
    assert_eq!(keys(data), expected);
    assert_eq!(data["planName"], "Emulator");
    for limit in LIMITS {
        assert_eq!(
            keys(&data[limit]),
            set(&["currentValue", "maxValue"]),
            "{limit}"
        );
        assert!(data[limit]["currentValue"].is_number(), "{limit}");
        assert!(data[limit]["maxValue"].is_number(), "{limit}");
    }
    assert_eq!(data["liveSessionsOverview"], json!({"currentValue": true}));
    assert_eq!(data["geoBalancing"], json!({"currentValue": false}));
    assert_eq!(data["createdApplicationsCount"]["currentValue"], 1);
}

#[test]
fn account_limits_count_the_state_and_keep_extra_limits() {
    let e = env();
    let current = |limit: &str| -> Value {
        let (status, answer) = e.get("get-account-limits", &[]);
        assert_eq!(status, 200);
        answer["data"][limit]["currentValue"].clone()
    };
    // A second application, through the API.
    assert_eq!(
        e.post(
            "create-application",
            &[],
            &json!({"name": "Second application"})
        )
        .0,
        200
    );
    assert_eq!(
        e.post_app(
            "create-application-license-levels",
            &json!({"levels": ["basic", "pro", "max"]})
        )
        .0,
        200
    );
    let licenses = json!({"count": 4, "license": "LIM-******", "licensesSettings":
        {"levels": ["basic"], "durationSeconds": "30d", "requiresClientId": false}});
    assert_eq!(e.post_app("create-licenses", &licenses).0, 200);
    for name in ["first", "second"] {
        assert_eq!(
            e.post_app(
                "create-variable",
                &variable(name, Some(Value::Null), "v", "auth_required")
            )
            .0,
            200
        );
    }
    assert_eq!(e.post_app("create-user", &user("u1", "p")).0, 200);
    e.emulator.add_app_user(&e.app, "u2").unwrap();
    let megabyte = 1024 * 1024;
    let (_, answer) = e.post_app(
        "get-presigned-upload-url",
        &upload_url("half", json!(megabyte / 2)),
    );
    let url = answer["presignedUrl"].as_str().unwrap().to_owned();
    assert_eq!(
        e.post_app("get-presigned-upload-url", &upload_url("never", json!(1)))
            .0,
        200
    );
    assert_eq!(put(&e.emulator, &url, &vec![7u8; megabyte / 2], &[]), 200);
    e.emulator
        .add_session(&e.app, NewSession::new("eu-1").login("u1"))
        .unwrap();
    e.emulator
        .add_session(&e.app, NewSession::new("eu-2"))
        .unwrap();
    let revoked = e.key([Scope::AccountRead]);
    e.key([Scope::LicensesRead]);
    e.emulator.revoke_key(&revoked);

    assert_eq!(current("createdApplicationsCount"), 2);
    assert_eq!(current("createdApplicationLicenseLevelsCount"), 3);
    assert_eq!(current("createdApplicationLicenseCount"), 4);
    assert_eq!(current("createdApplicationVariableCount"), 2);
    assert_eq!(current("createdApplicationUserCount"), 2);
    assert_eq!(
        current("uploadedFilesCount"),
        1,
        "only files whose bytes arrived"
    );
    assert_eq!(current("storageSizeMib"), 0.5);
    assert_eq!(current("authorizedSessionCount"), 2);
    assert_eq!(current("apiKeyCount"), 2, "the admin key and one live key");
    assert_eq!(current("createdApplicationBlacklistCount"), 0);

    // A plan with limits and features the docs do not list yet: they are reported too.
    e.emulator.set_plan(
        Plan::default()
            .name("Future")
            .max("createdApplicationsCount", 5)
            .max("futureWidgetCount", 9)
            .feature("futureFeature", true)
            .feature("geoBalancing", true),
    );
    let (_, answer) = e.get("get-account-limits", &[]);
    let data = &answer["data"];
    assert_eq!(data["planName"], "Future");
    assert_eq!(
        data["createdApplicationsCount"],
        json!({"currentValue": 2, "maxValue": 5})
    );
    assert_eq!(
        data["futureWidgetCount"],
        json!({"currentValue": 0, "maxValue": 9})
    );
    assert_eq!(data["futureFeature"], json!({"currentValue": true}));
    assert_eq!(data["geoBalancing"], json!({"currentValue": true}));
    assert_eq!(e.emulator.plan().name, "Future");
    // A documented limit missing from the plan still shows, with maximum 0.
    e.emulator.set_plan(Plan {
        maxima: Default::default(),
        ..Plan::default()
    });
    let (_, answer) = e.get("get-account-limits", &[]);
    assert_eq!(
        answer["data"]["apiKeyCount"],
        json!({"currentValue": 2, "maxValue": 0})
    );
}

/// Seed data is read by the binary, so it lives with the server feature.
#[cfg(feature = "server")]
#[test]
fn seed_data_loads_the_plan_users_variables_and_sessions() {
    let emulator = Emulator::new();
    let ids = blazeauth_emulator::control::load_seed_data(
        &emulator,
        r#"{"plan": {"planName": "Seeded", "maxima": {"futureLimit": 4}, "features": {"geoBalancing": true}},
            "applications": [{"name": "Seeded application",
                "appUsers": ["alice", {"login": "bob", "ipAddress": "10.0.0.2", "levels": ["pro"], "requiresLicense": true}],
                "variables": [{"name": "api_url", "description": null, "value": "https://x", "strategy": "auth_required"}],
                "sessions": [{"serverId": "eu-1", "ipAddress": "10.0.0.3", "license": "PRO-1"}]}]}"#,
    )
    .expect("seed data");
    let app = &ids[0];
    let users = emulator.app_users(app);
    assert_eq!(users.len(), 2);
    assert_eq!(users[1].ip_address.as_deref(), Some("10.0.0.2"));
    assert!(users[1].requires_license);
    assert_eq!(emulator.variables(app)[0].name, "api_url");
    assert_eq!(emulator.sessions(app)[0].license.as_deref(), Some("PRO-1"));
    let plan = emulator.plan();
    assert_eq!(plan.name, "Seeded");
    assert_eq!(plan.maxima.get("futureLimit"), Some(&4));
    assert!(plan.has("geoBalancing") && plan.has("liveSessionsOverview"));
    // A variable the API would refuse is refused here too.
    let refused = blazeauth_emulator::control::load_seed_data(
        &Emulator::new(),
        r#"{"applications": [{"name": "Seeded application",
            "variables": [{"name": "x", "value": "", "strategy": "auth_required"}]}]}"#,
    );
    assert!(refused.is_err());
}
