//! The upload flow, live sessions, the plan and app users over real HTTP/1.1
//! on loopback, with requests written byte for byte on a `TcpStream` (so the
//! test knows every header each request carried), and the control routes
//! that set those scenarios up (`/_emulator/sessions`, `/plan`, `/app-users`,
//! `/state`, `/reset`).
#![cfg(feature = "server")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use blazeauth_emulator::{Emulator, ManualClock, Server};
use serde_json::{Value, json};

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request on a fresh connection (`Connection: close`) with
/// exactly `headers` besides `Host`, `Content-Length` and `Connection`.
fn exchange(
    server: &Server,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        server.addr(),
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("head");
    stream.write_all(body).expect("body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

struct Served {
    emulator: Emulator,
    server: Server,
    app: String,
    bearer: String,
    control: String,
}

fn served() -> Served {
    let emulator = Emulator::builder()
        .seed(11)
        .clock(ManualClock::new())
        .build();
    let app = emulator.create_application("Served routes").expect("app");
    let server = emulator.serve().expect("serve");
    Served {
        bearer: format!("Bearer {}", emulator.admin_key().expose_secret()),
        control: format!("Bearer {}", server.admin_token()),
        app: app.as_str().to_owned(),
        emulator,
        server,
    }
}

impl Served {
    /// An API request with the management key and a JSON body.
    fn api(&self, method: &str, target: &str, body: Option<&Value>) -> Answer {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let mut headers = vec![("Authorization", self.bearer.as_str())];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        exchange(&self.server, method, target, &headers, &bytes)
    }

    fn panel(&self, route: &str) -> String {
        format!("/api/v1/panel/{route}?applicationId={}", self.app)
    }

    /// A control request with the admin token.
    fn control(&self, method: &str, route: &str, body: &Value) -> Answer {
        exchange(
            &self.server,
            method,
            &format!("/_emulator/{route}"),
            &[
                ("Authorization", self.control.as_str()),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    }
}

#[test]
fn the_whole_upload_flow_over_http_never_shows_the_key_to_storage() {
    let s = served();
    let secret = s.emulator.admin_key().expose_secret().to_owned();

    // 1. The upload URL, from the API, with the key.
    let answer = s.api(
        "POST",
        &s.panel("get-presigned-upload-url"),
        Some(&json!({"type": "file", "fileName": "release notes", "fileSize": 11, "fileType": "text/plain"})),
    );
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert_eq!(body["message"], "Get presigned url successfully");
    assert!(body.get("data").is_none(), "{body}");
    let url = body["presignedUrl"].as_str().expect("url").to_owned();
    let base = s.server.base_url();
    let target = url
        .strip_prefix(&base)
        .unwrap_or_else(|| panic!("{url} is not on {base}"))
        .to_owned();
    assert!(target.starts_with("/_storage/"), "{target}");

    // Before the upload: not uploaded yet.
    let status = |s: &Served| {
        s.api(
            "POST",
            &s.panel("check-file-uploaded-status"),
            Some(&json!({"fileName": "release notes"})),
        )
    };
    let before = status(&s);
    assert_eq!(
        (before.status, before.json()),
        (
            409,
            json!({"success": false, "message": "File has not been uploaded"})
        )
    );

    // 2. The bytes, to the storage host, without the key.
    let put = exchange(
        &s.server,
        "PUT",
        &target,
        &[("Content-Type", "text/plain")],
        b"hello world",
    );
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    assert!(
        put.header("content-type")
            .is_some_and(|v| v.starts_with("text/plain")),
        "storage answers are not envelopes"
    );

    // 3. The status, from the API.
    let after = status(&s);
    assert_eq!(
        (after.status, after.json()),
        (
            200,
            json!({"success": true, "message": "File uploaded successfully"})
        )
    );

    // What the storage host saw: this one request, and no key in it.
    let file = &s.emulator.files(&s.app.parse().expect("id")).remove(0);
    assert_eq!(file.bytes.as_deref(), Some(&b"hello world"[..]));
    assert_eq!(file.storage_requests.len(), 1);
    let seen = &file.storage_requests[0];
    assert!(seen.accepted);
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.header("content-type"), Some("text/plain"));
    assert_eq!(seen.header("content-length"), Some("11"));
    for (name, value) in &seen.headers {
        assert!(!name.eq_ignore_ascii_case("authorization"), "{name}");
        assert!(!value.contains(&secret), "{name}: the key reached storage");
        assert!(
            !value.contains("blz_mgmt_"),
            "{name}: a key reached storage"
        );
    }

    // A second PUT to the same URL is refused.
    let again = exchange(&s.server, "PUT", &target, &[], b"hello world");
    assert_eq!(again.status, 409);

    // A careless client that sends its key to storage is refused, and seen.
    let leaky = s
        .api(
            "POST",
            &s.panel("get-presigned-upload-url"),
            Some(&json!({"type": "file", "fileName": "leaky", "fileSize": 3})),
        )
        .json();
    let leaky_target = leaky["presignedUrl"]
        .as_str()
        .and_then(|u| u.strip_prefix(&base))
        .expect("url")
        .to_owned();
    let refused = exchange(
        &s.server,
        "PUT",
        &leaky_target,
        &[("Authorization", &s.bearer)],
        b"abc",
    );
    assert_eq!(refused.status, 400);
    assert!(String::from_utf8_lossy(&refused.body).contains("only one auth mechanism"));
    let log = s.emulator.storage_requests();
    assert_eq!(
        log.iter().map(|r| r.accepted).collect::<Vec<_>>(),
        [true, false, false]
    );
    assert_eq!(log[2].header("authorization"), Some(s.bearer.as_str()));

    // The control surface shows the same, without any password.
    let state = s.control("GET", "state", &Value::Null).json();
    let files = &state["data"]["applications"][0]["files"];
    assert_eq!(files[0]["uploaded"], true);
    assert_eq!(files[1]["uploaded"], false);
    assert_eq!(
        state["data"]["storageRequests"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(
        state["data"]["storageRequests"][0]["path"],
        target.split('?').next().expect("path")
    );
}

#[test]
fn control_routes_add_sessions_app_users_and_change_the_plan() {
    let s = served();
    let sessions_target = format!(
        "/api/v1/wss/get-application-sessions?applicationId={}&pageSize=2",
        s.app
    );

    // Sessions: added through the control surface, listed by the API.
    for (i, login) in [Some("alice"), None, Some("carol")].into_iter().enumerate() {
        let mut body = json!({"applicationId": s.app, "serverId": format!("eu-{i}"),
            "ipAddress": format!("198.51.100.{i}"), "clientId": format!("hw-{i}"),
            "license": format!("LIC-{i}")});
        if let Some(login) = login {
            body["login"] = json!(login);
        }
        let added = s.control("POST", "sessions", &body);
        assert_eq!(
            (added.status, added.json()),
            (200, json!({"success": true, "message": "Session added"}))
        );
    }
    for bad in [
        json!({"applicationId": s.app}),
        json!({"applicationId": s.app, "serverId": 5}),
        json!({"applicationId": "12345", "serverId": "eu-9"}),
        json!({"serverId": "eu-9"}),
        json!({"applicationId": s.app, "serverId": "eu-9", "login": false}),
    ] {
        let answer = s.control("POST", "sessions", &bad);
        assert_eq!(answer.status, 400, "{bad}");
        assert_eq!(answer.json()["code"], "control_invalid");
    }
    let refused = exchange(
        &s.server,
        "POST",
        "/_emulator/sessions",
        &[("Authorization", &s.bearer)],
        json!({"applicationId": s.app, "serverId": "eu-9"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(
        refused.status, 401,
        "a management key is not the admin token"
    );

    let listed = s.api("GET", &sessions_target, None);
    assert_eq!(listed.status, 200);
    let listed = listed.json();
    assert_eq!(
        (
            &listed["total"],
            &listed["filteredTotal"],
            &listed["authorizedSessionCount"],
            &listed["pageSize"]
        ),
        (&json!(3), &json!(3), &json!(2), &json!(2))
    );
    assert_eq!(
        listed["items"][1],
        json!({"serverId": "eu-1", "ipAddress": "198.51.100.1", "createdAt": 1_778_576_400_000_u64,
               "clientId": "hw-1", "login": null, "license": "LIC-1"})
    );
    let searched = s
        .api(
            "GET",
            &format!("{sessions_target}&searchString=HW-2&categories=clientId"),
            None,
        )
        .json();
    assert_eq!(searched["filteredTotal"], 1);
    assert_eq!(searched["items"][0]["serverId"], "eu-2");

    // App users with every optional field; the password of a created user never shows.
    let added = s.control(
        "POST",
        "app-users",
        &json!({"applicationId": s.app, "login": "dave", "comment": "vip", "clientId": "HW-D",
                "ipAddress": "192.0.2.4", "levels": ["pro"], "requiresLicense": true,
                "requiresClientId": true}),
    );
    assert_eq!(
        added.status,
        200,
        "{}",
        String::from_utf8_lossy(&added.body)
    );
    assert!(added.json()["data"]["id"].is_string());
    assert_eq!(
        s.control(
            "POST",
            "app-users",
            &json!({"applicationId": s.app, "login": "erin"})
        )
        .status,
        200,
        "the login alone still works"
    );
    for bad in [
        json!({"applicationId": s.app, "login": "dave"}),
        json!({"applicationId": s.app, "login": " "}),
        json!({"applicationId": s.app, "login": "frank", "levels": "pro"}),
        json!({"applicationId": s.app, "login": "frank", "levels": [1]}),
        json!({"applicationId": s.app, "login": "frank", "requiresLicense": "yes"}),
    ] {
        assert_eq!(s.control("POST", "app-users", &bad).status, 400, "{bad}");
    }
    let created = s.api(
        "POST",
        &s.panel("create-user"),
        Some(&json!({"login": "grace", "password": "Never-Shown-42",
                     "applicationUserSettings": {"levels": [], "requiresLicense": false}})),
    );
    assert_eq!(
        (created.status, created.json()),
        (
            200,
            json!({"success": true, "message": "User created successfully"})
        )
    );
    let table = s
        .api(
            "GET",
            &format!("{}&currentPage=1", s.panel("get-users-table")),
            None,
        )
        .json();
    assert_eq!(table["totalPages"], 1);
    let dave = &table["data"][0];
    assert_eq!(
        (&dave["comment"], &dave["clientId"], &dave["ipAddress"]),
        (&json!("vip"), &json!("HW-D"), &json!("192.0.2.4"))
    );
    assert_eq!(
        dave["applicationUserSettings"],
        json!({"levels": ["pro"], "requiresLicense": true, "credentialsType": "email_password", "requiresClientId": true})
    );
    let state = s.control("GET", "state", &Value::Null);
    let state_text = String::from_utf8_lossy(&state.body).into_owned();
    assert!(!state_text.contains("Never-Shown-42"), "{state_text}");
    let state = state.json();
    let app_state = &state["data"]["applications"][0];
    assert_eq!(app_state["appUsers"][0]["levels"], json!(["pro"]));
    assert_eq!(app_state["appUsers"][0]["requiresClientId"], true);
    assert_eq!(app_state["appUsers"].as_array().map(Vec::len), Some(3));
    assert_eq!(app_state["sessions"].as_array().map(Vec::len), Some(3));
    assert_eq!(app_state["sessions"][0]["login"], "alice");

    // The plan: merged into the current one, seen by the limits and the sessions.
    let changed = s.control(
        "POST",
        "plan",
        &json!({"planName": "Starter", "maxima": {"authorizedSessionCount": 5, "futureLimit": 2},
                "features": {"futureFeature": true}}),
    );
    assert_eq!(
        (changed.status, changed.json()),
        (200, json!({"success": true, "message": "Plan updated"}))
    );
    let limits = s
        .api("GET", "/api/v1/panel/get-account-limits", None)
        .json();
    let data = &limits["data"];
    assert_eq!(data["planName"], "Starter");
    assert_eq!(
        data["authorizedSessionCount"],
        json!({"currentValue": 3, "maxValue": 5})
    );
    assert_eq!(
        data["futureLimit"],
        json!({"currentValue": 0, "maxValue": 2})
    );
    assert_eq!(data["futureFeature"], json!({"currentValue": true}));
    assert_eq!(data["createdApplicationUserCount"]["currentValue"], 3);
    assert_eq!(
        data["liveSessionsOverview"],
        json!({"currentValue": true}),
        "merged: the other features stay"
    );
    let state = s.control("GET", "state", &Value::Null).json();
    assert_eq!(state["data"]["plan"]["planName"], "Starter");
    for bad in [
        json!({"planName": 3}),
        json!({"maxima": {"x": -1}}),
        json!({"maxima": {"x": 1.5}}),
        json!({"maxima": [1]}),
        json!({"features": {"x": "on"}}),
    ] {
        assert_eq!(s.control("POST", "plan", &bad).status, 400, "{bad}");
    }
    assert_eq!(s.emulator.plan().name, "Starter", "refusals change nothing");
    let off = s.control(
        "POST",
        "plan",
        &json!({"features": {"liveSessionsOverview": false}}),
    );
    assert_eq!(off.status, 200);
    let gated = s.api("GET", &sessions_target, None);
    assert_eq!(gated.status, 403);
    assert_eq!(gated.json()["code"], "plan_feature_unavailable");

    // Reset: sessions, users and the storage log go; the plan stays.
    assert_eq!(s.control("POST", "reset", &json!({})).status, 200);
    let state = s.control("GET", "state", &Value::Null).json();
    assert_eq!(state["data"]["applications"], json!([]));
    assert_eq!(state["data"]["storageRequests"], json!([]));
    assert_eq!(state["data"]["plan"]["planName"], "Starter");
}
