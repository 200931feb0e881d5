//! The bodies of the cargo-fuzz targets in `fuzz/`, as plain functions of the
//! input bytes.
//!
//! Each fuzz target is one line, `fuzz_target!(|data: &[u8]| entry(data))`,
//! so libFuzzer, the replay test (`tests/replay.rs`, which runs every file of
//! `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/` through the same
//! function on a plain `cargo test`) and anyone debugging a crash call exactly
//! the same code. An entry panics when a property fails; bad input is never a
//! panic by itself.
//!
//! [`TARGETS`] lists them; [`seeds`] builds the seed corpora from the
//! documentation's examples.

use std::net::{Ipv4Addr, Ipv6Addr};

use arbitrary::{Result, Unstructured};
use blazeauth_core::api::*;
use blazeauth_core::http::{Response, StatusCode};
use blazeauth_core::{
    ApplicationId, Config, Endpoint, Error, LicenseDuration, LicenseSearch, ManagementKey,
    RawRequest, SessionSearch, Timestamp, UserSearch, append_pair, build_request, decode_component,
    decode_response as decode, parse_query,
};

mod machines;
pub mod seeds;

pub use machines::{bulk, call_machine, pager};

/// A fuzz target's entry: the input bytes in, a panic when a property fails.
pub type Entry = fn(&[u8]);

/// Every target: its name (the file in `fuzz/fuzz_targets/`, the folder in
/// `fuzz/seeds/`) and its entry.
pub const TARGETS: &[(&str, Entry)] = &[
    ("decode_response", decode_response),
    ("license_duration", license_duration),
    ("query_and_search", query_and_search),
    ("management_key", management_key),
    ("base_url", base_url),
    ("timestamp", timestamp),
    ("file_name", file_name),
    ("call_machine", call_machine),
    ("bulk", bulk),
    ("pager", pager),
    ("emulator_handler", emulator_handler),
];

/// The documented example key.
pub(crate) const KEY: &str =
    "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";
const SECRET: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";

fn key() -> ManagementKey {
    ManagementKey::parse(KEY).expect("the documented key parses")
}

/// The input's text, when it is UTF-8.
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

// ---- decoders ----

/// Input: a status (2 bytes, little-endian, folded into 100–599), then the
/// body. Every typed route's decoder reads it (and `RawRequest`'s, and the
/// storage host's answer to an upload). Checked:
/// - a decode error keeps the body's bytes exactly;
/// - a route succeeds only on a JSON object whose `success` is `true`
///   (an oracle on serde_json, not the SDK's envelope reader);
/// - every error prints (`Display`) without panicking.
pub fn decode_response(data: &[u8]) {
    let (status, body) = match data {
        [a, b, body @ ..] => (100 + u16::from_le_bytes([*a, *b]) % 500, body),
        _ => (200, data),
    };
    // Read leniently: invalid UTF-8 in a string the SDK ignores (an unknown
    // key, say) does not stop its decoder, so it does not stop the oracle.
    let succeeded = serde_json::from_str::<serde_json::Value>(&String::from_utf8_lossy(body))
        .is_ok_and(|v| v.get("success") == Some(&serde_json::Value::Bool(true)));
    let app = ApplicationId::from(1u64);
    let license = blazeauth_core::LicenseId::from(2u64);
    let spec = || LicenseSpec::new("ABCDEF", ["p"], LicenseDuration::MIN);
    let variable = || VariableSpec::new("name", "value", VariableStrategy::AuthRequired);
    let file = FileName::new("file").expect("a valid name");
    let c = |ok: bool| {
        assert!(
            !ok || succeeded,
            "a route decoded a body whose success is not true"
        )
    };
    c(check(&GetApplications, status, body));
    c(check(&CreateApplication::new("a"), status, body));
    c(check(&CreateLicenseLevels::new(&app, ["p"]), status, body));
    c(check(&GetLicenseLevels::new(&app), status, body));
    c(check(
        &UpdateApplicationSettings::new(&app, SettingChange::Version("1".into())),
        status,
        body,
    ));
    c(check(
        &RotateRuntimeKey::new(&app, RuntimeKeyType::HttpKey),
        status,
        body,
    ));
    c(check(&GetApplicationSettings::new(&app), status, body));
    c(check(&DeleteApplication::new(&app), status, body));
    c(check(&GetLicensesMetadata::new(&app), status, body));
    c(check(&GetLicensesTable::new(&app), status, body));
    c(check(&CreateLicenses::new(&app, spec(), 1), status, body));
    c(check(
        &EditLicense::new(&app, &license, spec()),
        status,
        body,
    ));
    c(check(
        &RunLicenseAction::new(&app, LicenseAction::pause(&license)),
        status,
        body,
    ));
    c(check(&GetUsersMetadata::new(&app), status, body));
    c(check(&GetUsersTable::new(&app), status, body));
    c(check(
        &CreateAppUser::new(&app, "login", "password"),
        status,
        body,
    ));
    c(check(&GetVariables::new(&app), status, body));
    c(check(&CreateVariable::new(&app, variable()), status, body));
    c(check(
        &EditVariable::new(&app, 3u64, variable()),
        status,
        body,
    ));
    c(check(
        &GetUploadUrl::new(&app, file.clone(), 10),
        status,
        body,
    ));
    c(check(&CheckFileName::new(&app, file), status, body));
    c(check(&GetSessions::new(&app), status, body));
    c(check(&GetAccountLimits, status, body));
    check(&RawRequest::get("/x"), status, body);
    if let Ok(response) = Response::builder().status(status).body(body.to_vec()) {
        match check_upload_response(&response) {
            Ok(()) => assert!(StatusCode::from_u16(status).is_ok_and(|s| s.is_success())),
            Err(refused) => {
                let _ = refused.to_string();
            }
        }
    }
}

/// Decodes `body` with `endpoint`'s decoder; whether it succeeded.
fn check<E: Endpoint>(endpoint: &E, status: u16, body: &[u8]) -> bool {
    let Ok(response) = Response::builder().status(status).body(body.to_vec()) else {
        return false;
    };
    match decode(endpoint, response) {
        Ok(_) => true,
        Err(Error::Decode(e)) => {
            assert_eq!(e.body(), body, "a decode error lost the body");
            let _ = e.to_string();
            false
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    }
}

// ---- values ----

/// Any text as a license duration: what parses prints a canonical form that
/// parses back to the same value, and agrees with its seconds.
pub fn license_duration(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(duration) = text.parse::<LicenseDuration>() {
        let canonical = duration.to_string();
        assert_eq!(canonical.parse::<LicenseDuration>(), Ok(duration));
        assert_eq!(LicenseDuration::from_secs(duration.as_secs()), Ok(duration));
    }
    let _ = serde_json::from_str::<LicenseDuration>(text);
}

/// Search parameters in both forms (the panel tables' JSON `searchParams`,
/// the sessions' flat parameters) and the query codec: parsing never panics;
/// encoding any text then decoding it gives it back.
pub fn query_and_search(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let _ = parse_query(text);
    let _ = decode_component(text);
    let _ = LicenseSearch::from_json(text);
    let _ = LicenseSearch::from_query(text);
    let _ = UserSearch::from_query(text);
    let _ = SessionSearch::from_query(text);

    let mut query = String::new();
    append_pair(&mut query, "k", text);
    let pairs = parse_query(&query).expect("an encoded query parses");
    assert_eq!(pairs, [("k".to_owned(), text.to_owned())]);

    let search = LicenseSearch::new(text);
    let mut query = String::new();
    search.append_to_query(&mut query);
    assert_eq!(LicenseSearch::from_query(&query).ok(), Some(Some(search)));

    let search = SessionSearch::new(text);
    let mut query = String::new();
    search.append_to_query(&mut query);
    assert_eq!(SessionSearch::from_query(&query).ok(), Some(search));
}

/// Any text as a management key: parsed or refused, and nothing printable
/// (`Debug`, `Display`, the error) shows more than the public id.
pub fn management_key(data: &[u8]) {
    let Some(text) = text(data) else { return };
    match ManagementKey::parse(text) {
        Ok(key) => {
            let secret = &key.expose_secret()[30..];
            assert!(
                !format!("{key:?}{key}").contains(secret),
                "the secret shows"
            );
        }
        Err(e) => {
            // Where the text holds something shaped like a secret (12 or
            // more letters and digits after the public part), the error does
            // not repeat it.
            let message = e.to_string();
            let secret_like =
                |s: &&str| s.len() >= 12 && s.bytes().all(|b| b.is_ascii_alphanumeric());
            if let Some(secret) = text.get(30..).filter(secret_like) {
                assert!(!message.contains(secret), "the error shows the secret part");
            }
        }
    }
    if let Ok(key) = ManagementKey::parse_unchecked_format(text) {
        if key.public_id().is_none() {
            assert_eq!(
                format!("{key:?} {key}"),
                "ManagementKey([redacted]) [redacted]"
            );
        }
    }
}

/// Any text as the base URL, with and without `allow_insecure_http`: what is
/// accepted is `https://`, or `http://` to a loopback host (by an oracle on
/// the URI's host) or with the opt-in; a request built on it starts with it
/// and never carries the key in its URL.
pub fn base_url(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for insecure in [false, true] {
        match Config::builder(key())
            .base_url(text)
            .allow_insecure_http(insecure)
            .build()
        {
            Ok(config) => {
                let base = config.base_url().as_str();
                if let Some(rest) = base.strip_prefix("http://") {
                    assert!(insecure || is_loopback(rest), "plain http to {base}");
                } else {
                    assert!(base.starts_with("https://"), "{base}");
                }
                let request = build_request(&config, &GetApplications)
                    .expect("an accepted base URL builds requests");
                let uri = request.uri().to_string();
                assert!(uri.starts_with(base), "{uri} is not under {base}");
                // The key never travels in the URL (unless the caller put
                // its text in the base URL itself).
                assert!(
                    text.contains(SECRET) || !uri.contains(SECRET),
                    "the key in the URL"
                );
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

/// Whether the authority at the start of `rest` is a loopback host.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            if port.chars().all(|c| c.is_ascii_digit()) {
                host
            } else {
                authority
            }
        }
        _ => authority,
    };
    host == "localhost"
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Any text as a date: what parses prints (`Display`) a form that parses
/// back to the same instant, and reads the same as a JSON string; any 8
/// leading bytes as milliseconds print and parse back too, within the years
/// 0000–9999 that ISO 8601's basic form holds.
pub fn timestamp(data: &[u8]) {
    if let Some(text) = text(data) {
        if let Ok(stamp) = Timestamp::parse(text) {
            let printed = stamp.to_string();
            let again = Timestamp::parse(&printed).expect("a printed date parses");
            assert_eq!(again.unix_millis(), stamp.unix_millis());
            let json = serde_json::Value::String(text.to_owned()).to_string();
            let read: Timestamp = serde_json::from_str(&json).expect("the same text as JSON");
            assert_eq!(read.unix_millis(), stamp.unix_millis());
        }
    }
    if let Some(bytes) = data.get(..8) {
        let millis = i64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        let stamp = Timestamp::from_unix_millis(millis);
        let printed = stamp.to_string();
        // 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z.
        if (-62_167_219_200_000..=253_402_300_799_999).contains(&millis) {
            let again = Timestamp::parse(&printed).expect("a printed date parses");
            assert_eq!(again.unix_millis(), millis, "{printed}");
        }
    }
}

/// Any text as a file name, against an oracle written from the docs
/// ("4–16 characters, letters, digits, dashes and single spaces, trimmed",
/// letters read as ASCII): accepted exactly when the oracle says so, and
/// then the trimmed text.
pub fn file_name(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let trimmed = text.trim();
    let valid = (4..=16).contains(&trimmed.chars().count())
        && trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
        && !trimmed.contains("  ");
    match FileName::new(text) {
        Ok(name) => {
            assert!(valid, "accepted {text:?}");
            assert_eq!(name.as_str(), trimmed);
        }
        Err(e) => {
            assert!(!valid, "refused {text:?}: {e}");
        }
    }
}

// ---- the emulator ----

/// A sequence of requests through the emulator's in-process handler, faults
/// and control surface included. Input: text, requests separated by a line
/// `--`; each is `METHOD TARGET`, then an authorization line (`admin`: the
/// emulator's key, or on a `/_emulator/` path the control surface's admin
/// token; `none`: no header; anything else: sent as `Bearer <it>`), then the
/// body. `{app}` in the target stands for an application created first.
/// Requests under `/_emulator/` go to the control surface as the served
/// emulator hands them over ([`Emulator::handle_control`](blazeauth_emulator::Emulator::handle_control)),
/// the others to the handler with the injected faults applied (delays not
/// waited). Checked: nothing panics or aborts (a fault rule or a clock move
/// from a control request included); every answer is a JSON envelope whose
/// `success` agrees with the status (but on the fake storage host's
/// `/_storage/` paths, which answer plain text, and the answers a fault made),
/// a fault's answer stays within the control surface's bound, a clock move
/// answered 200 moved the clock by exactly that much; and the
/// license counters add up to the table afterwards.
pub fn emulator_handler(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (emulator, app) = fresh_emulator();
    let admin = format!("Bearer {}", emulator.admin_key().expose_secret());
    let control = format!("Bearer {CONTROL_TOKEN}");
    for chunk in text.split("\n--\n").take(8) {
        let on_control = chunk
            .split(' ')
            .nth(1)
            .is_some_and(|target| target.starts_with(blazeauth_emulator::control::CONTROL_PREFIX));
        let key = if on_control { &control } else { &admin };
        let request = emulator_request(chunk, key, app.as_str());
        // The fake storage host answers plain text, as an object store does.
        let storage = request.uri().path().starts_with("/_storage/");
        let response = if request.uri().path().starts_with("/_emulator/") {
            // The control surface changes what a reset keeps (keys, the
            // plan, the clock): the next input starts on a new emulator.
            DIRTY.with(|dirty| dirty.set(true));
            let before = emulator.now();
            let response = emulator.handle_control(CONTROL_TOKEN, &request);
            if request.uri().path() == "/_emulator/clock" && response.status().is_success() {
                // A clock move that is answered 200 moved the (manual) clock
                // by exactly that much.
                let asked = serde_json::from_slice::<serde_json::Value>(request.body())
                    .ok()
                    .and_then(|body| body["advanceSeconds"].as_u64());
                let moved = emulator.now().duration_since(before).ok();
                assert_eq!(
                    moved,
                    asked.map(std::time::Duration::from_secs),
                    "the clock answered 200 but did not move as asked"
                );
            }
            response
        } else {
            let (response, faulted) = emulator.handle_with_faults(request);
            let Some(response) = response else { continue };
            if faulted {
                let bound = blazeauth_emulator::control::MAX_OVERSIZED_BYTES as usize;
                assert!(
                    response.body().len() <= bound + 1024,
                    "a fault's answer over the bound"
                );
                continue;
            }
            response
        };
        if storage {
            continue;
        }
        let envelope: serde_json::Value =
            serde_json::from_slice(response.body()).expect("a JSON answer");
        assert!(envelope["success"].is_boolean(), "{envelope}");
        assert_eq!(
            envelope["success"] == true,
            response.status().is_success(),
            "{envelope}"
        );
    }
    emulator.clear_faults();
    if let Ok(counts) = emulator.client().send(&GetLicensesMetadata::new(&app)) {
        let listed = emulator.licenses(&app).len() as u64;
        assert_eq!(counts.total_licenses, listed);
        assert_eq!(
            counts.available_licenses
                + counts.paused_licenses
                + counts.active_licenses
                + counts.expired_licenses
                + counts.blacklisted_licenses,
            counts.total_licenses
        );
    }
}

/// The control surface's admin token in [`emulator_handler`].
const CONTROL_TOKEN: &str = "fuzz-control-token";

thread_local! {
    /// Whether the thread's emulator saw a control request since it was built.
    static DIRTY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static EMULATOR: std::cell::RefCell<Option<blazeauth_emulator::Emulator>> =
        const { std::cell::RefCell::new(None) };
}

/// One emulator per thread (on a manual clock), reset for each input
/// (building one derives keys and seeds its generators: most of an input's
/// time when done every run), built anew after an input that reached the
/// control surface.
fn fresh_emulator() -> (blazeauth_emulator::Emulator, ApplicationId) {
    let rebuild = DIRTY.with(|dirty| dirty.replace(false));
    let emulator = EMULATOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        if rebuild || cell.is_none() {
            *cell = Some(
                blazeauth_emulator::Emulator::builder()
                    .clock(blazeauth_emulator::ManualClock::new())
                    .build(),
            );
        }
        cell.clone().unwrap_or_default()
    });
    emulator.reset();
    let app = emulator
        .create_application("Fuzzed Application")
        .expect("a fresh emulator creates an application");
    (emulator, app)
}

fn emulator_request(chunk: &str, admin: &str, app: &str) -> http::Request<Vec<u8>> {
    let mut lines = chunk.splitn(3, '\n');
    let first = lines.next().unwrap_or("");
    let authorization = lines.next().unwrap_or("admin");
    let body = lines.next().unwrap_or("");
    let (method, target) = first.split_once(' ').unwrap_or((first, "/"));
    let target = target.replace("{app}", app);
    let mut builder = http::Request::builder();
    if let Ok(method) = http::Method::from_bytes(method.as_bytes()) {
        builder = builder.method(method);
    }
    if let Ok(uri) = format!("http://emulator.invalid{target}").parse::<http::Uri>() {
        builder = builder.uri(uri);
    }
    let header = match authorization {
        "admin" => Some(admin.to_owned()),
        "none" => None,
        other => Some(format!("Bearer {other}")),
    };
    if let Some(value) = header.and_then(|h| http::HeaderValue::from_str(&h).ok()) {
        builder = builder.header("authorization", value);
    }
    builder
        .body(body.as_bytes().to_vec())
        .unwrap_or_else(|_| http::Request::new(body.as_bytes().to_vec()))
}

/// Reads `n` choices from `u` as an index below `len` (0 when `len` is 0).
pub(crate) fn pick(u: &mut Unstructured<'_>, len: usize) -> Result<usize> {
    if len == 0 {
        return Ok(0);
    }
    u.choose_index(len)
}
