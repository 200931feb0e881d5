//! The control surface of a served emulator, under `/_emulator/` (never a path
//! of the API): what a test suite in any language needs to set up scenarios
//! the API itself cannot (a client activating a license, an app user signing
//! up, faults, time passing, restricted keys).
//!
//! Every control request carries `Authorization: Bearer <admin token>`: the
//! token the server prints at start (`--admin-token` sets it;
//! [`Server::admin_token`](crate::Server::admin_token)). It is not a
//! management key, and management keys do not open the control surface.
//! Answers are envelopes like the API's: `{"success":true,"message":...,"data":...}`,
//! or `{"success":false,"code":...,"message":...}` with 400, 401, 404 or 409.
//!
//! | method and path | body | does |
//! |---|---|---|
//! | `GET /_emulator/state` | – | `data`: the plan, every application (runtime keys included, with its app users, variables, files and sessions), every license, and every request the fake storage host received (`storageRequests`: path, method, headers, accepted); times in ISO 8601; never a password |
//! | `POST /_emulator/reset` | – | removes every application (with everything it owns), the storage log and every fault rule; keys and the plan stay |
//! | `POST /_emulator/faults` | a fault rule (below) | adds it after the others |
//! | `DELETE /_emulator/faults` | – | removes every fault rule |
//! | `POST /_emulator/clock` | `{"advanceSeconds": n}` | moves the emulator's clock forward (409 with a clock that cannot move: the system clock) |
//! | `POST /_emulator/applications` | `{"name": "..."}` | creates an application; `data`: `{"id"}` |
//! | `POST /_emulator/activate-license` | `{"applicationId", "license", "clientId"?, "ipAddress"?}` | a desktop client activates the license; `data`: the license |
//! | `POST /_emulator/app-users` | `{"applicationId", "login", "comment"?, "clientId"?, "ipAddress"?, "levels"?: [..], "requiresLicense"?, "requiresClientId"?}` | adds an app user (no password); `data`: `{"id"}` |
//! | `POST /_emulator/sessions` | `{"applicationId", "serverId", "ipAddress"?, "clientId"?, "login"?, "license"?}` | a desktop client connects: the session appears in `get-application-sessions` |
//! | `POST /_emulator/plan` | `{"planName"?, "maxima"?: {limit: n}, "features"?: {feature: bool}}` | changes the account's plan (merged into the current one): `get-account-limits`, and the `liveSessionsOverview` gate of live sessions |
//! | `POST /_emulator/keys` | `{"scopes": [...], "applications": [ids] or absent for all, "expiresInSeconds"?}` | creates a management key; `data`: `{"key"}` |
//!
//! A fault rule is `{"fault": KIND, ...}` with KIND one of `delay` (`"ms"`),
//! `close`, `truncate`, `status` (`"status"`), `rate_limited`
//! (`"retryAfterSeconds"`), `html` (`"status"`), `oversized` (`"bytes"`), and
//! optional `"path"`, `"method"`, `"times"`, `"after"`, `"probability"` (see
//! [`FaultRule`]). The binary's `--fault` flag takes the same fields as
//! `kind=delay,ms=500,path=/api/v1/panel/create-licenses,times=1`.
//!
//! ## Bounds
//!
//! Every number a control request (or `--fault`) carries is checked before
//! anything changes: out of bounds, the answer is `400 control_invalid`
//! naming the field and its bound, and nothing changes. No input panics a
//! handler or makes the process allocate or wait without bound.
//!
//! | field | accepted | why |
//! |---|---|---|
//! | `advanceSeconds` (clock) | whole seconds, as long as the clock stays at or before [`LATEST_TIME`] (`9999-12-31T23:59:59.999Z`) | dates are printed with four-digit years; `u64::MAX` seconds would overflow the platform's time type |
//! | `expiresInSeconds` (keys) | whole seconds, as long as the expiry is at or before [`LATEST_TIME`] | the same |
//! | keys created through `POST /_emulator/keys` | at most [`MAX_KEYS`] keys in all | every request looks its key up among them |
//! | `ms` (`delay`) | 0 to [`MAX_FAULT_DELAY_MS`] (10 minutes) | a delayed answer holds a connection |
//! | `status` (`status`, `html`) | 200 to 599 | a 1xx cannot be a final answer |
//! | `retryAfterSeconds` (`rate_limited`) | 0 to [`MAX_RETRY_AFTER_SECONDS`] (one year) | |
//! | `bytes` (`oversized`) | 0 to [`MAX_OVERSIZED_BYTES`] (64 MiB) | the answer is built in memory: a terabyte would abort the process |
//! | `times`, `after` | any whole number (`u64`) | counters, counted down |
//! | `probability` | a number from 0 to 1 | |
//! | fault rules at once | at most [`MAX_FAULT_RULES`] | every request walks the list |
//!
//! ```sh
//! curl -s -H "Authorization: Bearer $EMULATOR_TOKEN" $BLAZEAUTH_BASE_URL/_emulator/state
//! curl -s -H "Authorization: Bearer $EMULATOR_TOKEN" -d '{"fault":"status","status":503,"times":2}' \
//!     $BLAZEAUTH_BASE_URL/_emulator/faults
//! curl -s -H "Authorization: Bearer $EMULATOR_TOKEN" -d '{"advanceSeconds":86400}' \
//!     $BLAZEAUTH_BASE_URL/_emulator/clock
//! ```

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use blazeauth_core::{ApplicationId, Scope};
use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::clock::{Millis, from_millis, iso8601, to_millis};
use crate::emulator::Emulator;
use crate::faults::{Fault, FaultRule};
use crate::hooks::{NewAppUser, NewSession};
use crate::keys::KeySpec;
use crate::reply::json_response;
use crate::reply::{Failure, Success};
use crate::snapshot::{
    AppUserSnapshot, FileSnapshot, LicenseSnapshot, SessionSnapshot, StorageRequestSnapshot,
    VariableSnapshot,
};
use crate::state::{Application, State};

/// The path prefix of the control surface.
pub const CONTROL_PREFIX: &str = "/_emulator/";

/// The latest time the emulator's clock may show, and the latest expiry of a
/// key created through the control surface: `9999-12-31T23:59:59.999Z`, in
/// milliseconds since the Unix epoch (the last date with a four-digit year).
pub const LATEST_TIME: u64 = 253_402_300_799_999;

/// The longest `delay` fault, in milliseconds: 10 minutes.
pub const MAX_FAULT_DELAY_MS: u64 = 10 * 60 * 1000;

/// The largest `retryAfterSeconds` of a `rate_limited` fault: one year.
pub const MAX_RETRY_AFTER_SECONDS: u64 = 365 * 24 * 60 * 60;

/// The largest `oversized` fault answer, in bytes: 64 MiB.
pub const MAX_OVERSIZED_BYTES: u64 = 64 * 1024 * 1024;

/// The most fault rules held at once; `POST /_emulator/faults` past it is
/// refused with 400 (`DELETE /_emulator/faults` or a reset clears them).
pub const MAX_FAULT_RULES: usize = 1000;

/// The most management keys (the admin key included) once
/// `POST /_emulator/keys` is refused with 400.
pub const MAX_KEYS: usize = 10_000;

/// Answers one control request, after checking its token.
pub(crate) fn handle(
    emulator: &Emulator,
    token: &str,
    request: &http::Request<Vec<u8>>,
) -> http::Response<Vec<u8>> {
    if !authorized(request.headers(), token) {
        return unauthorized();
    }
    let route = request.uri().path().trim_start_matches(CONTROL_PREFIX);
    let result = match (request.method().clone(), route) {
        (Method::GET, "state") => return state_answer(emulator),
        (Method::POST, "reset") => {
            emulator.reset();
            Ok(Success::message("Emulator reset"))
        }
        (Method::POST, "faults") => body(request)
            .and_then(|body| fault_rule(&body))
            .and_then(|rule| {
                if emulator.fault_rule_count() >= MAX_FAULT_RULES {
                    return Err(invalid(format!(
                        "at most {MAX_FAULT_RULES} fault rules at once: DELETE /_emulator/faults first"
                    )));
                }
                emulator.inject(rule);
                Ok(Success::message("Fault rule added"))
            }),
        (Method::DELETE, "faults") => {
            emulator.clear_faults();
            Ok(Success::message("Fault rules removed"))
        }
        (Method::POST, "clock") => body(request).and_then(|body| advance(emulator, &body)),
        (Method::POST, "applications") => body(request).and_then(|body| {
            let name = text(&body, "name")?;
            let id = emulator.create_application(&name).map_err(invalid)?;
            Ok(Success::data(
                "Application created",
                json!({"id": id.as_str()}),
            ))
        }),
        (Method::POST, "activate-license") => body(request).and_then(|body| {
            let app = application(&body)?;
            let license = text(&body, "license")?;
            let client_id = optional_text(&body, "clientId")?;
            let ip = optional_text(&body, "ipAddress")?;
            let activated = emulator
                .activate_license_from(&app, &license, client_id.as_deref(), ip.as_deref())
                .map_err(invalid)?;
            Ok(Success::data("License activated", license_json(&activated)))
        }),
        (Method::POST, "app-users") => body(request).and_then(|body| {
            let app = application(&body)?;
            let user = app_user(&body)?;
            let id = emulator.add_app_user_with(&app, user).map_err(invalid)?;
            Ok(Success::data("App user added", json!({"id": id.as_str()})))
        }),
        (Method::POST, "keys") => body(request).and_then(|body| key(emulator, &body)),
        (Method::POST, "sessions") => body(request).and_then(|body| {
            let app = application(&body)?;
            let session = new_session(&body)?;
            emulator.add_session(&app, session).map_err(invalid)?;
            Ok(Success::message("Session added"))
        }),
        (Method::POST, "plan") => body(request).and_then(|body| plan(emulator, &body)),
        _ => Err(Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "No control route {} {}{route}.",
                request.method(),
                CONTROL_PREFIX
            ),
        )),
    };
    match result {
        Ok(success) => success.into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// `POST /_emulator/plan`: merges the body into the current plan.
fn plan(emulator: &Emulator, body: &Map<String, Value>) -> Result<Success, Failure> {
    let mut plan = emulator.plan();
    if let Some(name) = optional_text(body, "planName")? {
        plan = plan.name(name);
    }
    let object = |name: &str| match body.get(name) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(invalid(format!("`{name}` must be an object"))),
    };
    for (limit, max) in object("maxima")? {
        let max = max
            .as_u64()
            .ok_or_else(|| invalid(format!("maxima.{limit} must be a whole number")))?;
        plan = plan.max(limit, max);
    }
    for (feature, on) in object("features")? {
        let on = on
            .as_bool()
            .ok_or_else(|| invalid(format!("features.{feature} must be true or false")))?;
        plan = plan.feature(feature, on);
    }
    emulator.set_plan(plan);
    Ok(Success::message("Plan updated"))
}

/// The session of `POST /_emulator/sessions` (and of seed data).
fn new_session(body: &Map<String, Value>) -> Result<NewSession, Failure> {
    let mut session = NewSession::new(text(body, "serverId")?);
    if let Some(ip) = optional_text(body, "ipAddress")? {
        session = session.ip(ip);
    }
    if let Some(client_id) = optional_text(body, "clientId")? {
        session = session.client_id(client_id);
    }
    if let Some(login) = optional_text(body, "login")? {
        session = session.login(login);
    }
    if let Some(license) = optional_text(body, "license")? {
        session = session.license(license);
    }
    Ok(session)
}

/// The app user of `POST /_emulator/app-users` (and of seed data).
fn app_user(body: &Map<String, Value>) -> Result<NewAppUser, Failure> {
    let mut user = NewAppUser::new(text(body, "login")?);
    if let Some(comment) = optional_text(body, "comment")? {
        user = user.comment(comment);
    }
    if let Some(client_id) = optional_text(body, "clientId")? {
        user = user.client_id(client_id);
    }
    if let Some(ip) = optional_text(body, "ipAddress")? {
        user = user.ip(ip);
    }
    match body.get("levels") {
        None | Some(Value::Null) => {}
        Some(Value::Array(levels)) => {
            let levels = levels
                .iter()
                .map(|level| level.as_str().map(str::to_owned))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| invalid("`levels` must be a list of strings"))?;
            user = user.levels(levels);
        }
        Some(_) => return Err(invalid("`levels` must be a list of strings")),
    }
    if let Some(on) = optional_bool(body, "requiresLicense")? {
        user = user.requires_license(on);
    }
    if let Some(on) = optional_bool(body, "requiresClientId")? {
        user = user.requires_client_id(on);
    }
    Ok(user)
}

fn optional_bool(body: &Map<String, Value>, name: &str) -> Result<Option<bool>, Failure> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(on)) => Ok(Some(*on)),
        Some(_) => Err(invalid(format!("`{name}` must be true or false"))),
    }
}

/// The answer to a control request without the admin token (401).
pub(crate) fn unauthorized() -> http::Response<Vec<u8>> {
    Failure::new(
        StatusCode::UNAUTHORIZED,
        "admin_token_invalid",
        "The control surface needs `Authorization: Bearer <admin token>` (printed at start).",
    )
    .into_response()
}

/// Whether `headers` carry the admin token (compared without an early exit).
pub(crate) fn authorized(headers: &http::HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn invalid(error: impl std::fmt::Display) -> Failure {
    Failure::new(
        StatusCode::BAD_REQUEST,
        "control_invalid",
        error.to_string(),
    )
}

fn body(request: &http::Request<Vec<u8>>) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice::<Value>(request.body()) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid("the body must be a JSON object")),
    }
}

fn text(body: &Map<String, Value>, name: &str) -> Result<String, Failure> {
    optional_text(body, name)?.ok_or_else(|| invalid(format!("`{name}` is required")))
}

fn optional_text(body: &Map<String, Value>, name: &str) -> Result<Option<String>, Failure> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("`{name}` must be a string"))),
    }
}

fn number(body: &Map<String, Value>, name: &str) -> Result<Option<u64>, Failure> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or_else(|| invalid(format!("`{name}` must be a whole number"))),
    }
}

/// [`number`], refused above `max` with a message naming the bound.
fn bounded(body: &Map<String, Value>, name: &str, max: u64) -> Result<Option<u64>, Failure> {
    match number(body, name)? {
        Some(n) if n > max => Err(invalid(format!("`{name}` must be at most {max} (got {n})"))),
        n => Ok(n),
    }
}

/// The time `seconds` after `now` in milliseconds, if it is at or before
/// [`LATEST_TIME`]; else a 400 naming `name` and how far it may go.
fn later_by(now: u64, seconds: u64, name: &str) -> Result<u64, Failure> {
    seconds
        .checked_mul(1000)
        .and_then(|ms| now.checked_add(ms))
        .filter(|&at| at <= LATEST_TIME)
        .ok_or_else(|| {
            invalid(format!(
                "`{name}` must be at most {} seconds: the emulator's time stops at {}",
                LATEST_TIME.saturating_sub(now) / 1000,
                iso8601(LATEST_TIME)
            ))
        })
}

fn application(body: &Map<String, Value>) -> Result<ApplicationId, Failure> {
    let id = match body.get("applicationId") {
        Some(Value::Number(n)) => n.to_string(),
        _ => text(body, "applicationId")?,
    };
    id.parse()
        .map_err(|_| invalid("`applicationId` must be an application id"))
}

/// A fault rule from the binary's `--fault` form: comma-separated `name=value`
/// pairs with the JSON form's names, the kind as `kind=` (or `fault=`).
///
/// ```
/// use blazeauth_emulator::control::parse_fault_spec;
///
/// let rule = parse_fault_spec("kind=status,status=503,path=/api/v1/panel/get-applications,times=2")?;
/// assert!(matches!(rule.fault(), blazeauth_emulator::Fault::Status(s) if s.as_u16() == 503));
/// assert!(parse_fault_spec("kind=meteor").is_err());
/// # Ok::<(), String>(())
/// ```
pub fn parse_fault_spec(spec: &str) -> Result<FaultRule, String> {
    let mut map = Map::new();
    for pair in spec.split(',').filter(|p| !p.trim().is_empty()) {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?} is not name=value"))?;
        let name = match name.trim() {
            "kind" => "fault",
            other => other,
        };
        let value = value.trim();
        let value = if let Ok(n) = value.parse::<u64>() {
            Value::from(n)
        } else if let Ok(x) = value.parse::<f64>() {
            Value::from(x)
        } else {
            Value::from(value)
        };
        map.insert(name.to_owned(), value);
    }
    fault_rule(&map).map_err(|failure| failure.message)
}

/// Loads the plan and applications with their license levels, licenses, app
/// users, variables and live sessions from JSON (the binary's `--seed-data
/// FILE`), through the same checks as the API:
///
/// ```json
/// {"plan": {"planName": "Pro", "features": {"liveSessionsOverview": true}},
///  "applications": [{
///     "name": "Desktop Client",
///     "licenseLevels": ["basic", "pro"],
///     "licenses": [{"license": "PRO-****-****", "count": 3, "levels": ["pro"], "duration": "30d"}],
///     "appUsers": ["alice", {"login": "bob", "ipAddress": "10.0.0.2", "levels": ["pro"]}],
///     "variables": [{"name": "api_url", "description": null, "value": "https://x", "strategy": "auth_required"}],
///     "sessions": [{"serverId": "eu-1", "ipAddress": "10.0.0.3", "license": "PRO-1234"}]
/// }]}
/// ```
///
/// A license entry may also have `comment`, `clientId`, `ipAddress` and
/// `requiresClientId` (default `false`); `count` defaults to 1. `plan` takes
/// the body of `POST /_emulator/plan`; an app user is a login or the body
/// of `POST /_emulator/app-users` (without `applicationId`); a variable is the
/// body of `create-variable`; a session the body of `POST /_emulator/sessions`
/// (without `applicationId`). Returns the ids of the applications created,
/// in order.
///
/// ```
/// let emulator = blazeauth_emulator::Emulator::new();
/// let ids = blazeauth_emulator::control::load_seed_data(&emulator, r#"{"applications":[
///     {"name":"Seeded app","licenseLevels":["pro"],
///      "licenses":[{"license":"SEED-****","count":2,"levels":["pro"],"duration":"7d"}],
///      "appUsers":["alice"]}]}"#)?;
/// assert_eq!(emulator.licenses(&ids[0]).len(), 2);
/// # Ok::<(), String>(())
/// ```
pub fn load_seed_data(emulator: &Emulator, json_text: &str) -> Result<Vec<ApplicationId>, String> {
    let seed: Value =
        serde_json::from_str(json_text).map_err(|e| format!("the seed data is not JSON: {e}"))?;
    let Some(Value::Array(apps)) = seed.get("applications") else {
        return Err("the seed data needs an `applications` list".into());
    };
    match seed.get("plan") {
        None | Some(Value::Null) => {}
        Some(Value::Object(fields)) => {
            plan(emulator, fields).map_err(|e| format!("plan: {}", e.message))?;
        }
        Some(_) => return Err("`plan` must be an object".into()),
    }
    let mut ids = Vec::with_capacity(apps.len());
    for (index, app) in apps.iter().enumerate() {
        let at = |what: &str| format!("applications[{index}]: {what}");
        let name = app["name"]
            .as_str()
            .ok_or_else(|| at("`name` is required"))?;
        let id = emulator
            .create_application(name)
            .map_err(|e| at(&e.to_string()))?;
        let api = |path: &str, body: Value| -> Result<(), String> {
            let request = http::Request::builder()
                .method(Method::POST)
                .uri(format!(
                    "/api/v1/panel/{path}?applicationId={}",
                    id.as_str()
                ))
                .header(
                    http::header::AUTHORIZATION,
                    format!("Bearer {}", emulator.admin_key().expose_secret()),
                )
                .body(body.to_string().into_bytes())
                .map_err(|e| at(&e.to_string()))?;
            let answer = emulator.handle(request);
            if answer.status().is_success() {
                Ok(())
            } else {
                Err(at(&String::from_utf8_lossy(answer.body())))
            }
        };
        if let Some(levels) = app.get("licenseLevels").filter(|v| !v.is_null()) {
            api(
                "create-application-license-levels",
                json!({"levels": levels}),
            )?;
        }
        for license in app
            .get("licenses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut body = json!({
                "count": license.get("count").cloned().unwrap_or(json!(1)),
                "license": license["license"],
                "licensesSettings": {
                    "levels": license["levels"],
                    "durationSeconds": license["duration"],
                    "requiresClientId": license.get("requiresClientId").cloned().unwrap_or(json!(false)),
                },
            });
            for field in ["comment", "clientId", "ipAddress"] {
                if let Some(value) = license.get(field) {
                    body[field] = value.clone();
                }
            }
            api("create-licenses", body)?;
        }
        for user in app
            .get("appUsers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let user = match user {
                Value::String(login) => NewAppUser::new(login.clone()),
                Value::Object(fields) => app_user(fields).map_err(|e| at(&e.message))?,
                _ => return Err(at("app users are logins (strings) or objects")),
            };
            emulator
                .add_app_user_with(&id, user)
                .map_err(|e| at(&e.to_string()))?;
        }
        for variable in app
            .get("variables")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            api("create-variable", variable.clone())?;
        }
        for session in app
            .get("sessions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Value::Object(fields) = session else {
                return Err(at("sessions are objects"));
            };
            let session = new_session(fields).map_err(|e| at(&e.message))?;
            emulator
                .add_session(&id, session)
                .map_err(|e| at(&e.to_string()))?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// A fault rule from its JSON form (see the [module docs](self)).
pub(crate) fn fault_rule(body: &Map<String, Value>) -> Result<FaultRule, Failure> {
    let kind = text(body, "fault")?;
    let status = |default: u16| -> Result<StatusCode, Failure> {
        let code = number(body, "status")?.unwrap_or(u64::from(default));
        u16::try_from(code)
            .ok()
            .filter(|c| (200..=599).contains(c))
            .and_then(|c| StatusCode::from_u16(c).ok())
            .ok_or_else(|| invalid("`status` must be an HTTP status from 200 to 599"))
    };
    let fault = match kind.as_str() {
        "delay" => Fault::Delay(Duration::from_millis(
            bounded(body, "ms", MAX_FAULT_DELAY_MS)?.unwrap_or(1000),
        )),
        "close" => Fault::CloseConnection,
        "truncate" => Fault::TruncateBody,
        "status" => Fault::Status(status(503)?),
        "rate_limited" => Fault::RateLimited {
            retry_after: Duration::from_secs(
                bounded(body, "retryAfterSeconds", MAX_RETRY_AFTER_SECONDS)?.unwrap_or(1),
            ),
        },
        "html" => Fault::Html(status(502)?),
        "oversized" => {
            let bytes = bounded(body, "bytes", MAX_OVERSIZED_BYTES)?.unwrap_or(16 * 1024 * 1024);
            Fault::OversizedBody(usize::try_from(bytes).unwrap_or(usize::MAX))
        }
        other => {
            return Err(invalid(format!(
                "unknown fault {other:?}: use delay, close, truncate, status, rate_limited, html or oversized"
            )));
        }
    };
    let mut rule = FaultRule::new(fault);
    if let Some(path) = optional_text(body, "path")? {
        rule = rule.on_path(path);
    }
    if let Some(method) = optional_text(body, "method")? {
        let method = Method::from_str(&method.to_ascii_uppercase())
            .map_err(|_| invalid("`method` must be an HTTP method"))?;
        rule = rule.on_method(method);
    }
    if let Some(times) = number(body, "times")? {
        rule = rule.times(times);
    }
    if let Some(after) = number(body, "after")? {
        rule = rule.after(after);
    }
    match body.get("probability") {
        None | Some(Value::Null) => {}
        Some(value) => {
            let p = value
                .as_f64()
                .filter(|p| (0.0..=1.0).contains(p))
                .ok_or_else(|| invalid("`probability` must be a number from 0 to 1"))?;
            rule = rule.with_probability(p);
        }
    }
    Ok(rule)
}

fn advance(emulator: &Emulator, body: &Map<String, Value>) -> Result<Success, Failure> {
    let seconds =
        number(body, "advanceSeconds")?.ok_or_else(|| invalid("`advanceSeconds` is required"))?;
    later_by(emulator.now_millis(), seconds, "advanceSeconds")?;
    if !emulator.advance_clock(Duration::from_secs(seconds)) {
        return Err(Failure::new(
            StatusCode::CONFLICT,
            "clock_fixed",
            "This emulator's clock cannot be moved (it runs on the system clock).",
        ));
    }
    Ok(Success::data(
        "Clock advanced",
        json!({"now": iso8601(to_millis(emulator.now()))}),
    ))
}

fn key(emulator: &Emulator, body: &Map<String, Value>) -> Result<Success, Failure> {
    let Some(Value::Array(names)) = body.get("scopes") else {
        return Err(invalid("`scopes` must be a list of scope names"));
    };
    let scopes = names
        .iter()
        .map(|name| {
            name.as_str()
                .and_then(|s| Scope::from_str(s).ok())
                .ok_or_else(|| invalid(format!("unknown scope {name}")))
        })
        .collect::<Result<Vec<Scope>, Failure>>()?;
    let mut spec = KeySpec::new(scopes);
    match body.get("applications") {
        None | Some(Value::Null) => {}
        Some(Value::Array(ids)) => {
            let ids = ids
                .iter()
                .map(|id| {
                    let text = id.as_str().map_or_else(|| id.to_string(), str::to_owned);
                    text.parse::<ApplicationId>()
                        .map_err(|_| invalid(format!("{id} is not an application id")))
                })
                .collect::<Result<Vec<_>, Failure>>()?;
            spec = spec.only_applications(ids);
        }
        Some(_) => return Err(invalid("`applications` must be a list of ids")),
    }
    if let Some(seconds) = number(body, "expiresInSeconds")? {
        let at = later_by(emulator.now_millis(), seconds, "expiresInSeconds")?;
        spec = spec.expires_at(from_millis(at));
    }
    if emulator.key_count() >= MAX_KEYS {
        return Err(invalid(format!(
            "at most {MAX_KEYS} management keys: this emulator has that many already"
        )));
    }
    let key = emulator.create_key(spec);
    Ok(Success::data(
        "Management key created",
        json!({"key": key.expose_secret()}),
    ))
}

fn time(at: SystemTime) -> Value {
    Value::String(iso8601(to_millis(at)))
}

fn license_json(license: &LicenseSnapshot) -> Value {
    json!({
        "id": license.id.as_str(),
        "applicationId": license.application_id.as_str(),
        "license": license.license,
        "state": license.state.as_str(),
        "clientId": license.client_id,
        "ipAddress": license.ip_address,
        "comment": license.comment,
        "levels": license.levels,
        "durationSeconds": license.duration_secs,
        "requiresClientId": license.requires_client_id,
        "createdAt": time(license.created_at),
        "activatedAt": license.activated_at.map(time),
        "expiresAt": license.expires_at.map(time),
        "pausedAt": license.paused_at.map(time),
        "blacklisted": license.blacklisted,
        "userLogin": license.user_login,
    })
}

fn storage_json(request: &StorageRequestSnapshot) -> Value {
    json!({
        "path": request.path,
        "method": request.method,
        "headers": request.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
        "accepted": request.accepted,
    })
}

/// The JSON of one app user, variable, file or live session in the state.
fn app_user_json(user: &AppUserSnapshot) -> Value {
    json!({
        "id": user.id.as_str(),
        "login": user.login,
        "comment": user.comment,
        "clientId": user.client_id,
        "ipAddress": user.ip_address,
        "levels": user.levels,
        "requiresLicense": user.requires_license,
        "requiresClientId": user.requires_client_id,
        "createdAt": time(user.created_at),
    })
}

fn variable_json(v: &VariableSnapshot) -> Value {
    json!({
        "id": v.id.as_str(),
        "name": v.name,
        "description": v.description,
        "value": v.value,
        "strategy": v.strategy,
        "updatedAt": time(v.updated_at),
    })
}

fn file_json(f: &FileSnapshot) -> Value {
    json!({
        "name": f.name,
        "size": f.size,
        "fileType": f.media_type,
        "uploaded": f.bytes.is_some(),
        "createdAt": time(f.created_at),
        "storageRequests": f.storage_requests.iter().map(storage_json).collect::<Vec<_>>(),
    })
}

fn session_json(session: &SessionSnapshot) -> Value {
    json!({
        "serverId": session.server_id,
        "ipAddress": session.ip_address,
        "clientId": session.client_id,
        "login": session.login,
        "license": session.license,
        "createdAt": time(session.created_at),
    })
}

/// An application's own fields, without its lists, as an object left open
/// (no closing brace) for the lists to follow.
fn application_head(app: &Application) -> String {
    let head = json!({
        "id": app.id.to_string(),
        "name": app.name,
        "createdAt": time(from_millis(app.created_at)),
        "licenseLevels": app.levels,
        "settings": {
            "applicationLicenseRequiresClientId": app.settings.license_requires_client_id,
            "applicationUserRequiresClientId": app.settings.user_requires_client_id,
            "applicationUserRequiresLicense": app.settings.user_requires_license,
            "version": app.settings.version,
            "status": if app.settings.paused { "paused" } else { "online" },
        },
        "socketKey": app.socket_key,
        "httpKey": app.http_key,
        "runtimeKeysUpdatedAt": time(from_millis(app.keys_updated_at)),
    })
    .to_string();
    let mut head = head;
    head.pop(); // the closing brace
    head
}

/// How many bytes [`StateChunks`] gathers before handing a chunk over.
const STATE_CHUNK_BYTES: usize = 64 * 1024;

/// The lists of an application, in the order the state shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AppList {
    Users,
    Variables,
    Files,
    Sessions,
}

impl AppList {
    fn name(self) -> &'static str {
        match self {
            AppList::Users => "appUsers",
            AppList::Variables => "variables",
            AppList::Files => "files",
            AppList::Sessions => "sessions",
        }
    }

    fn next(self) -> Option<AppList> {
        match self {
            AppList::Users => Some(AppList::Variables),
            AppList::Variables => Some(AppList::Files),
            AppList::Files => Some(AppList::Sessions),
            AppList::Sessions => None,
        }
    }

    /// The JSON of item `index` of this list of `app`, if there is one.
    fn item(self, app: &Application, index: usize) -> Option<Value> {
        match self {
            AppList::Users => app
                .users
                .get(index)
                .map(|u| app_user_json(&AppUserSnapshot::of(u))),
            AppList::Variables => app
                .variables
                .get(index)
                .map(|v| variable_json(&VariableSnapshot::of(v))),
            AppList::Files => app
                .files
                .get(index)
                .map(|f| file_json(&FileSnapshot::of(f))),
            AppList::Sessions => app
                .sessions
                .get(index)
                .map(|s| session_json(&SessionSnapshot::of(s))),
        }
    }
}

/// Where [`StateChunks`] is in the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The envelope's head, `now` and the plan.
    Head,
    /// The head of application `n` (or the end of the list).
    Application(usize),
    /// Item `item` of a list of application `app`.
    AppItem {
        app: usize,
        list: AppList,
        item: usize,
    },
    /// License `license` of application `app`.
    License { app: usize, license: usize },
    /// Storage request `n`.
    Storage(usize),
    /// Everything is out.
    Done,
}

/// The answer of `GET /_emulator/state`, produced a chunk (about 64 KiB) at a
/// time, one entity (an application's own fields, an app user, a variable, a
/// file, a session, a license, a storage request) after another: the state's
/// lock is taken for one chunk at a time and never more than a chunk is held,
/// however large the state. The served emulator sends these chunks as they
/// come (`Transfer-Encoding: chunked`).
///
/// Entities are reached by position: a state changed while it is being sent
/// may show an entity twice or miss one (the answer is still valid JSON).
#[derive(Debug)]
pub(crate) struct StateChunks {
    emulator: Emulator,
    now: Millis,
    step: Step,
    first_license: bool,
}

impl StateChunks {
    pub(crate) fn new(emulator: &Emulator) -> Self {
        Self {
            emulator: emulator.clone(),
            now: emulator.now_millis(),
            step: Step::Head,
            first_license: true,
        }
    }

    /// Whether every chunk has been produced.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn is_done(&self) -> bool {
        self.step == Step::Done
    }

    /// The next chunk of the answer's body, `None` once it is all out.
    pub(crate) fn next_chunk(&mut self) -> Option<Vec<u8>> {
        if self.step == Step::Done {
            return None;
        }
        let mut out = String::new();
        let emulator = self.emulator.clone();
        let state = emulator.state();
        while out.len() < STATE_CHUNK_BYTES && self.step != Step::Done {
            self.step = self.write_step(&state, &mut out);
        }
        drop(state);
        if self.step == Step::Done {
            out.push_str(&format!(
                "],\"requestsHandled\":{}}}}}",
                self.emulator.requests_handled()
            ));
        }
        Some(out.into_bytes())
    }

    /// Writes what `self.step` stands for; returns the step after it.
    fn write_step(&mut self, state: &State, out: &mut String) -> Step {
        let comma = |out: &mut String, first: bool| {
            if !first {
                out.push(',');
            }
        };
        match self.step {
            Step::Head => {
                let plan = &state.plan;
                out.push_str(r#"{"success":true,"message":"Emulator state","data":{"now":"#);
                out.push_str(&time(from_millis(self.now)).to_string());
                out.push_str(r#","plan":"#);
                out.push_str(
                    &json!({"planName": plan.name, "maxima": plan.maxima, "features": plan.features})
                        .to_string(),
                );
                out.push_str(r#","applications":["#);
                Step::Application(0)
            }
            Step::Application(n) => match state.applications.get(n) {
                Some(app) => {
                    comma(out, n == 0);
                    out.push_str(&application_head(app));
                    out.push_str(&format!(r#","{}":["#, AppList::Users.name()));
                    Step::AppItem {
                        app: n,
                        list: AppList::Users,
                        item: 0,
                    }
                }
                None => {
                    out.push_str(r#"],"licenses":["#);
                    Step::License { app: 0, license: 0 }
                }
            },
            Step::AppItem { app, list, item } => {
                match state.applications.get(app).and_then(|a| list.item(a, item)) {
                    Some(value) => {
                        comma(out, item == 0);
                        out.push_str(&value.to_string());
                        Step::AppItem {
                            app,
                            list,
                            item: item + 1,
                        }
                    }
                    None => match list.next() {
                        Some(next) => {
                            out.push_str(&format!(r#"],"{}":["#, next.name()));
                            Step::AppItem {
                                app,
                                list: next,
                                item: 0,
                            }
                        }
                        None => {
                            out.push_str("]}");
                            Step::Application(app + 1)
                        }
                    },
                }
            }
            Step::License { app, license } => match state.applications.get(app) {
                Some(application) => match application.licenses.get(license) {
                    Some(l) => {
                        comma(out, self.first_license);
                        self.first_license = false;
                        let snapshot = LicenseSnapshot::of(l, application.id, self.now);
                        out.push_str(&license_json(&snapshot).to_string());
                        Step::License {
                            app,
                            license: license + 1,
                        }
                    }
                    None => Step::License {
                        app: app + 1,
                        license: 0,
                    },
                },
                None => {
                    out.push_str(r#"],"storageRequests":["#);
                    Step::Storage(0)
                }
            },
            Step::Storage(n) => match state.storage_log.get(n) {
                Some(request) => {
                    comma(out, n == 0);
                    out.push_str(&storage_json(&StorageRequestSnapshot::of(request)).to_string());
                    Step::Storage(n + 1)
                }
                None => Step::Done,
            },
            Step::Done => Step::Done,
        }
    }
}

/// `GET /_emulator/state` in one piece (in-process): every chunk of [`StateChunks`].
fn state_answer(emulator: &Emulator) -> http::Response<Vec<u8>> {
    let mut chunks = StateChunks::new(emulator);
    let mut body = Vec::new();
    while let Some(chunk) = chunks.next_chunk() {
        body.extend_from_slice(&chunk);
    }
    json_response(StatusCode::OK, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, path: &str, token: &str, body: &str) -> http::Request<Vec<u8>> {
        http::Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn json_of(response: &http::Response<Vec<u8>>) -> Value {
        serde_json::from_slice(response.body()).unwrap()
    }

    #[test]
    fn the_token_is_required_and_a_management_key_is_not_it() {
        let emulator = Emulator::new();
        let wrong = request(Method::GET, "/_emulator/state", "nope", "");
        assert_eq!(handle(&emulator, "secret-token", &wrong).status(), 401);
        let key = emulator.admin_key();
        let with_key = request(Method::GET, "/_emulator/state", key.expose_secret(), "");
        assert_eq!(handle(&emulator, "secret-token", &with_key).status(), 401);
        let right = request(Method::GET, "/_emulator/state", "secret-token", "");
        let answer = handle(&emulator, "secret-token", &right);
        assert_eq!(answer.status(), 200);
        assert_eq!(json_of(&answer)["data"]["applications"], json!([]));
    }

    #[test]
    fn fault_rules_parse_from_json_and_refuse_nonsense() {
        let rule = |text: &str| {
            let Value::Object(map) = serde_json::from_str::<Value>(text).unwrap() else {
                panic!("object")
            };
            fault_rule(&map)
        };
        assert_eq!(
            rule(r#"{"fault":"status","status":503,"path":"/x","times":2}"#).unwrap(),
            FaultRule::new(Fault::Status(StatusCode::SERVICE_UNAVAILABLE))
                .on_path("/x")
                .times(2)
        );
        assert_eq!(
            rule(r#"{"fault":"delay","ms":250,"method":"post"}"#).unwrap(),
            FaultRule::new(Fault::Delay(Duration::from_millis(250))).on_method(Method::POST)
        );
        assert!(rule(r#"{"fault":"meteor"}"#).is_err());
        assert!(rule(r#"{"fault":"status","status":1000}"#).is_err());
        assert!(rule(r#"{"fault":"delay","ms":"soon"}"#).is_err());
        assert!(rule(r#"{"nofault":1}"#).is_err());
    }
}
