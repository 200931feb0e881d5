//! Property tests of the pure handler: whatever the method, path, query,
//! headers and body, it answers (never panics) with a JSON envelope whose
//! `Content-Length` is right and whose status follows the convention, and a
//! refused request leaves the state exactly as it was.

mod common;

use blazeauth_core::ManagementKey;
use blazeauth_core::api;
use blazeauth_emulator::{Emulator, KeySpec, ManualClock, StateSnapshot};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Ids in a fresh world: the application is the first id handed out, then
/// the licenses, then the user (see `world`).
const APP: &str = "100000000001";
const LICENSES: [&str; 3] = ["100000000002", "100000000003", "100000000004"];

struct World {
    emulator: Emulator,
    admin: ManagementKey,
    restricted: ManagementKey,
    revoked: ManagementKey,
}

fn world() -> World {
    let emulator = Emulator::builder()
        .seed(3)
        .clock(ManualClock::new())
        .max_body_bytes(4096)
        .page_size(2)
        .build();
    let app = emulator.create_application("Fuzzed app").expect("app");
    assert_eq!(app.as_str(), APP);
    let keys = emulator
        .client()
        .send(&api::CreateLicenses::new(
            app.clone(),
            common::spec("FUZZ-***"),
            3,
        ))
        .expect("licenses");
    emulator
        .activate_license(&app, &keys[0], Some("pc"))
        .expect("activate");
    emulator.add_app_user(&app, "alice").expect("user");
    let restricted = emulator.create_key(
        KeySpec::new([
            blazeauth_core::Scope::LicensesRead,
            blazeauth_core::Scope::LicensesUpdate,
        ])
        .only_applications([app]),
    );
    let revoked = emulator.create_key(KeySpec::all_scopes());
    emulator.revoke_key(&revoked);
    World {
        admin: emulator.admin_key(),
        emulator,
        restricted,
        revoked,
    }
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["GET", "POST", "PATCH", "DELETE"]).prop_map(str::to_owned),
        1 => prop::sample::select(vec!["PUT", "HEAD", "OPTIONS", "TRACE", "CONNECT"]).prop_map(str::to_owned),
        1 => "[A-Z]{1,10}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    let routes: Vec<String> = blazeauth_emulator::served_routes()
        .into_iter()
        .map(|(_, path)| path)
        .collect();
    prop_oneof![
        6 => prop::sample::select(routes),
        1 => "/api/v1/panel/[a-z-]{0,30}",
        1 => "/[a-zA-Z0-9/._~%-]{0,40}",
    ]
}

fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(APP.to_owned()),
        3 => prop::sample::select(LICENSES.to_vec()).prop_map(str::to_owned),
        1 => "[0-9]{1,45}",
        1 => "\\PC{0,8}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    let pair = prop_oneof![
        4 => id().prop_map(|v| ("applicationId".to_owned(), v)),
        2 => id().prop_map(|v| ("licenseId".to_owned(), v)),
        2 => prop_oneof![Just("1".to_owned()), Just("2".to_owned()), "-?[0-9]{0,25}", "\\PC{0,4}"]
            .prop_map(|v| ("currentPage".to_owned(), v)),
        2 => prop_oneof![
            Just(r#"{"searchString":"FUZZ","categories":["License"]}"#.to_owned()),
            Just(r#"{"searchString":"pc","categories":["Client id","IPv4"]}"#.to_owned()),
            "\\PC{0,30}",
        ]
        .prop_map(|v| ("searchParams".to_owned(), v)),
        1 => ("\\PC{0,6}", "\\PC{0,6}"),
    ];
    prop_oneof![
        8 => prop::collection::vec(pair, 0..5).prop_map(|pairs| {
            let mut query = String::new();
            for (name, value) in pairs {
                blazeauth_core::append_pair(&mut query, &name, &value);
            }
            query
        }),
        1 => "[%&=+a-zA-Z0-9]{0,20}",
    ]
}

/// JSON values dense in what the routes read.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![0u64, 1, 2, 255, 256, 257, 86_400, u64::MAX])
            .prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "30d",
            "1h30m",
            "90m",
            "100y364d23h59m59s",
            "",
            "socketKey",
            "httpKey",
            "online",
            "paused",
            "version",
            "status",
            "applicationLicenseRequiresClientId",
            "alice",
            "KEY-******",
            "*",
            "ABCDEF",
            "basic",
            "pro",
            APP,
            LICENSES[0],
            LICENSES[1],
            "pause_license",
            "unpause_license",
            "delete_license",
            "blacklist_license",
            "unblacklist_license",
            "reinitialize_license",
            "link_license_to_user",
            "extend_duration_license",
            "reset_client_id_license",
            "add_time_to_every_license",
            "pause_every_license",
            "unpause_every_license",
            "delete_every_license",
        ])
        .prop_map(Value::from),
        "\\PC{0,70}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec![
            "name", "levels", "field", "value", "type", "applicationId", "code", "count",
            "license", "comment", "clientId", "ipAddress", "licensesSettings", "durationSeconds",
            "requiresClientId", "action", "licenseId", "userLogin",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,8}",
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::collection::vec((field_name(), value()), 0..8).prop_map(|fields| {
            Value::Object(fields.into_iter().collect::<Map<_, _>>()).to_string().into_bytes()
        }),
        2 => value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => (1usize..3).prop_map(|kib| vec![b' '; kib * 4096]),
    ]
}

/// A valid query and body for the route `name`, to mutate.
fn template(
    name: &str,
    action: &str,
    license: &str,
) -> (Vec<(&'static str, String)>, Option<Value>) {
    let app = || ("applicationId", APP.to_owned());
    let license_body = json!({
        "count": 3, "license": "FUZZ-****", "comment": "c", "clientId": "pc-2", "ipAddress": "10.1.2.3",
        "licensesSettings": {"levels": ["basic"], "durationSeconds": "7d", "requiresClientId": false}
    });
    match name {
        "get-applications" => (vec![], None),
        "create-application" => (vec![], Some(json!({"name": "Fuzz application"}))),
        "create-application-license-levels" => {
            (vec![app()], Some(json!({"levels": ["basic", "pro"]})))
        }
        "update-application-settings" => (
            vec![app()],
            Some(json!({"field": "version", "value": "2.0"})),
        ),
        "update-api-keys" => (vec![app()], Some(json!({"type": "socketKey"}))),
        "delete-application" => (vec![], Some(json!({"applicationId": APP, "code": ""}))),
        "get-licenses-table" => (vec![app(), ("currentPage", "1".to_owned())], None),
        "create-licenses" => (vec![app()], Some(license_body)),
        "edit-licenses" => (
            vec![app(), ("licenseId", license.to_owned())],
            Some(license_body),
        ),
        "license-action" => (
            vec![app()],
            Some(
                json!({"action": action, "licenseId": license, "durationSeconds": "1d", "userLogin": "alice"}),
            ),
        ),
        _ => (vec![app()], None),
    }
}

const ACTIONS: [&str; 13] = [
    "add_time_to_every_license",
    "pause_every_license",
    "unpause_every_license",
    "delete_every_license",
    "extend_duration_license",
    "reset_client_id_license",
    "pause_license",
    "unpause_license",
    "delete_license",
    "blacklist_license",
    "unblacklist_license",
    "reinitialize_license",
    "link_license_to_user",
];

/// A request to a served route with its method and a valid query and body,
/// then 0 to 2 fields changed or removed.
fn plausible() -> impl Strategy<Value = (String, String, String, Vec<u8>)> {
    let routes = blazeauth_emulator::served_routes();
    (
        prop::sample::select(routes),
        prop::sample::select(ACTIONS.to_vec()),
        prop::sample::select(LICENSES.to_vec()),
        prop::collection::vec((field_name(), prop::option::of(value())), 0..3),
        prop::option::weighted(0.2, query()),
    )
        .prop_map(|((method, path), action, license, changes, other_query)| {
            let name = path.rsplit('/').next().unwrap_or_default().to_owned();
            let (pairs, body) = template(&name, action, license);
            let mut query = String::new();
            for (name, value) in pairs {
                blazeauth_core::append_pair(&mut query, name, &value);
            }
            let body = body.map(|mut body| {
                for (field, change) in changes {
                    let nested = ["levels", "durationSeconds", "requiresClientId"]
                        .contains(&field.as_str())
                        && body.get("licensesSettings").is_some_and(Value::is_object);
                    let target = if nested {
                        &mut body["licensesSettings"]
                    } else {
                        &mut body
                    };
                    if let Some(object) = target.as_object_mut() {
                        match change {
                            Some(value) => object.insert(field, value),
                            None => object.remove(&field),
                        };
                    }
                }
                body.to_string().into_bytes()
            });
            (
                method.to_string(),
                path,
                other_query.unwrap_or(query),
                body.unwrap_or_default(),
            )
        })
}

fn any_request() -> impl Strategy<Value = (String, String, String, Vec<u8>)> {
    prop_oneof![
        3 => plausible(),
        1 => (method(), path(), query(), body()),
    ]
}

#[derive(Debug, Clone, Copy)]
enum Auth {
    Admin,
    Restricted,
    Revoked,
    None,
    Garbage,
}

fn auth() -> impl Strategy<Value = (Auth, String)> {
    (
        prop::sample::select(vec![
            Auth::Admin,
            Auth::Admin,
            Auth::Admin,
            Auth::Restricted,
            Auth::Revoked,
            Auth::None,
            Auth::Garbage,
        ]),
        "[ -~]{0,90}",
    )
}

/// Other headers: the ones the handler might read, and any.
fn extra_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        prop::sample::select(vec![
            "content-type",
            "content-length",
            "accept",
            "authorization",
            "transfer-encoding",
            "expect",
            "host",
            "user-agent",
        ])
        .prop_map(str::to_owned),
        "[a-z][a-z0-9-]{0,15}",
    ];
    prop::collection::vec((name, "[ -~]{0,60}"), 0..4)
}

fn request(
    world: &World,
    method: &str,
    path: &str,
    query: &str,
    (auth, garbage): &(Auth, String),
    body: Vec<u8>,
) -> Option<http::Request<Vec<u8>>> {
    request_with(world, method, path, query, (auth, garbage), &[], body)
}

fn request_with(
    world: &World,
    method: &str,
    path: &str,
    query: &str,
    (auth, garbage): (&Auth, &String),
    extra: &[(String, String)],
    body: Vec<u8>,
) -> Option<http::Request<Vec<u8>>> {
    let uri = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    let mut builder = http::Request::builder().method(method).uri(uri);
    let bearer = |key: &ManagementKey| format!("Bearer {}", key.expose_secret());
    let header = match auth {
        Auth::Admin => Some(bearer(&world.admin)),
        Auth::Restricted => Some(bearer(&world.restricted)),
        Auth::Revoked => Some(bearer(&world.revoked)),
        Auth::None => None,
        Auth::Garbage => Some(garbage.clone()),
    };
    if let Some(header) = header {
        builder = builder.header("authorization", header);
    }
    for (name, value) in extra {
        builder = builder.header(name.as_str(), value.as_str());
    }
    // Requests `http` itself refuses to build cannot reach a handler either.
    builder.body(body).ok()
}

fn check_answer(response: &http::Response<Vec<u8>>, before: &StateSnapshot, world: &World) {
    let status = response.status().as_u16();
    assert!(
        [200, 400, 401, 403, 404, 405, 413, 429].contains(&status),
        "status {status}"
    );
    assert_eq!(
        response.headers()["content-length"].to_str().ok(),
        Some(response.body().len().to_string().as_str())
    );
    let json: Value = serde_json::from_slice(response.body()).expect("a JSON body");
    let success = json["success"].as_bool().expect("a success flag");
    assert_eq!(success, status == 200, "{json}");
    if !success {
        assert!(
            json["code"].is_string() && json["message"].is_string(),
            "{json}"
        );
        assert_eq!(
            &world.emulator.snapshot(),
            before,
            "a refused request changed the state: {json}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn the_handler_answers_anything_and_refusals_change_nothing(
        requests in prop::collection::vec((any_request(), auth(), extra_headers()), 1..8),
    ) {
        let world = world();
        for ((method, path, query, body), (auth, garbage), extra) in requests {
            let request = request_with(&world, &method, &path, &query, (&auth, &garbage), &extra, body);
            let Some(request) = request else {
                continue;
            };
            let before = world.emulator.snapshot();
            let response = world.emulator.handle(request);
            check_answer(&response, &before, &world);
        }
    }
}

#[test]
fn known_nasty_inputs_are_answered() {
    let world = world();
    let deep = format!("{}{}", "[".repeat(2_000), "]".repeat(2_000));
    let bodies: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        b"{\"count\": 1e400}".to_vec(),
        b"{\"name\": \"\\ud800\"}".to_vec(),
        vec![0; 100],
        "{\"license\":\""
            .bytes()
            .chain(std::iter::repeat_n(b'*', 3000))
            .chain("\"}".bytes())
            .collect(),
    ];
    for path in [
        "/api/v1/panel/create-application",
        "/api/v1/panel/create-licenses?applicationId=100000000001",
        "/api/v1/panel/license-action?applicationId=100000000001",
    ] {
        for body in &bodies {
            let before = world.emulator.snapshot();
            let request = request(
                &world,
                "POST",
                path,
                "",
                &(Auth::Admin, String::new()),
                body.clone(),
            );
            let response = world.emulator.handle(request.expect("request"));
            check_answer(&response, &before, &world);
        }
    }
}
