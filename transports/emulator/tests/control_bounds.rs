//! The control surface under hostile numbers (issue 19, item 3): every
//! numeric field of a control request is bounded, answered 400 with a message
//! naming the field, and changes nothing; nothing panics a handler or aborts
//! the process. Each crashing input is checked in-process
//! ([`Emulator::handle_control`]) and over HTTP, and the server answers
//! afterwards.

use std::time::Duration;

use blazeauth_emulator::control::{
    LATEST_TIME, MAX_FAULT_RULES, MAX_OVERSIZED_BYTES, parse_fault_spec,
};
use blazeauth_emulator::{Emulator, ManualClock, OffsetClock, ServeOptions, Server};
use serde_json::{Value, json};

mod common;

const TOKEN: &str = "control-bounds-token";

fn control(emulator: &Emulator, method: &str, route: &str, body: &Value) -> (u16, Value) {
    let request = http::Request::builder()
        .method(method)
        .uri(format!("/_emulator/{route}"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(body.to_string().into_bytes())
        .expect("request");
    let answer = emulator.handle_control(TOKEN, &request);
    let json = serde_json::from_slice(answer.body()).expect("a JSON answer");
    (answer.status().as_u16(), json)
}

/// A request to the API, faults applied as when served.
fn api_get_applications(emulator: &Emulator) -> u16 {
    let request = http::Request::builder()
        .uri("/api/v1/panel/get-applications")
        .header(
            "authorization",
            format!("Bearer {}", emulator.admin_key().expose_secret()),
        )
        .body(Vec::new())
        .expect("request");
    let (answer, _) = emulator.handle_with_faults(request);
    answer.expect("an answer").status().as_u16()
}

fn assert_refused(answer: &(u16, Value), field: &str) {
    let (status, json) = answer;
    assert_eq!(*status, 400, "{json}");
    assert_eq!(json["success"], false, "{json}");
    assert_eq!(json["code"], "control_invalid", "{json}");
    let message = json["message"].as_str().expect("a message");
    assert!(message.contains(field), "{message:?} names {field}");
}

#[test]
fn a_key_expiring_in_u64_max_seconds_is_refused_in_process() {
    let emulator = Emulator::builder().clock(ManualClock::new()).build();
    let answer = control(
        &emulator,
        "POST",
        "keys",
        &json!({"scopes": ["applications:read"], "expiresInSeconds": u64::MAX}),
    );
    assert_refused(&answer, "expiresInSeconds");
    assert!(answer.1["message"].as_str().unwrap().contains("9999-12-31"));
    // Up to the latest time is fine; one second later is not.
    let now = 1_778_576_400_000u64;
    let room = (LATEST_TIME - now) / 1000;
    let (status, json) = control(
        &emulator,
        "POST",
        "keys",
        &json!({"scopes": ["applications:read"], "expiresInSeconds": room}),
    );
    assert_eq!(status, 200, "{json}");
    assert_refused(
        &control(
            &emulator,
            "POST",
            "keys",
            &json!({"scopes": ["applications:read"], "expiresInSeconds": room + 1}),
        ),
        "expiresInSeconds",
    );
    assert_eq!(api_get_applications(&emulator), 200);
}

#[test]
fn an_oversized_fault_of_a_terabyte_is_refused_in_process() {
    let emulator = Emulator::new();
    let answer = control(
        &emulator,
        "POST",
        "faults",
        &json!({"fault": "oversized", "bytes": 1_099_511_627_776u64}),
    );
    assert_refused(&answer, "bytes");
    // No rule was added: the next request is answered normally (it aborted
    // the process with "memory allocation of 1099511627776 bytes failed").
    assert_eq!(api_get_applications(&emulator), 200);
    // The bound itself is accepted and answered.
    let (status, json) = control(
        &emulator,
        "POST",
        "faults",
        &json!({"fault": "oversized", "bytes": MAX_OVERSIZED_BYTES, "times": 1}),
    );
    assert_eq!(status, 200, "{json}");
    assert_eq!(api_get_applications(&emulator), 200);
}

#[test]
fn advancing_the_clock_by_u64_max_seconds_is_refused_and_the_clock_stays() {
    for emulator in [
        Emulator::builder().clock(ManualClock::new()).build(),
        Emulator::builder().clock(OffsetClock::new()).build(),
    ] {
        let before = emulator.now();
        let answer = control(
            &emulator,
            "POST",
            "clock",
            &json!({"advanceSeconds": u64::MAX}),
        );
        assert_refused(&answer, "advanceSeconds");
        let drift = emulator
            .now()
            .duration_since(before)
            .unwrap_or(Duration::ZERO);
        assert!(drift < Duration::from_secs(3600), "the clock moved");
        // A day still moves it, and answers where it is now.
        let (status, json) = control(
            &emulator,
            "POST",
            "clock",
            &json!({"advanceSeconds": 86_400}),
        );
        assert_eq!(status, 200, "{json}");
        assert!(emulator.now().duration_since(before).unwrap() >= Duration::from_secs(86_400));
        assert_eq!(api_get_applications(&emulator), 200);
    }
}

#[test]
fn the_clock_never_passes_the_latest_time() {
    let emulator = Emulator::builder().clock(ManualClock::new()).build();
    let room = (LATEST_TIME - 1_778_576_400_000) / 1000;
    let (status, json) = control(&emulator, "POST", "clock", &json!({"advanceSeconds": room}));
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["now"], "9999-12-31T23:59:59.000Z");
    assert_refused(
        &control(&emulator, "POST", "clock", &json!({"advanceSeconds": 1})),
        "advanceSeconds",
    );
    // Everything still answers at the end of time.
    assert_eq!(api_get_applications(&emulator), 200);
    let (status, _) = control(&emulator, "GET", "state", &Value::Null);
    assert_eq!(status, 200);
}

#[test]
fn every_numeric_fault_field_is_bounded() {
    let emulator = Emulator::new();
    let refused = [
        (json!({"fault": "delay", "ms": u64::MAX}), "ms"),
        (json!({"fault": "delay", "ms": 600_001}), "ms"),
        (
            json!({"fault": "rate_limited", "retryAfterSeconds": u64::MAX}),
            "retryAfterSeconds",
        ),
        (json!({"fault": "status", "status": 100}), "status"),
        (json!({"fault": "status", "status": 101}), "status"),
        (json!({"fault": "status", "status": 600}), "status"),
        (json!({"fault": "html", "status": 199}), "status"),
        (json!({"fault": "status", "status": u64::MAX}), "status"),
        (json!({"fault": "oversized", "bytes": u64::MAX}), "bytes"),
        (json!({"fault": "close", "probability": 1.5}), "probability"),
        (
            json!({"fault": "close", "probability": -0.1}),
            "probability",
        ),
        (json!({"fault": "close", "times": -1}), "times"),
        (json!({"fault": "close", "after": 1.5}), "after"),
    ];
    for (rule, field) in refused {
        let answer = control(&emulator, "POST", "faults", &rule);
        assert_refused(&answer, field);
    }
    // Counters take any whole number; the bounds themselves are accepted.
    for rule in [
        json!({"fault": "close", "times": u64::MAX, "after": u64::MAX}),
        json!({"fault": "delay", "ms": 600_000, "after": u64::MAX}),
        json!({"fault": "rate_limited", "retryAfterSeconds": 31_536_000, "after": u64::MAX}),
        json!({"fault": "status", "status": 599, "probability": 0.0}),
        json!({"fault": "html", "status": 200, "probability": 1.0, "after": u64::MAX}),
    ] {
        let (status, json) = control(&emulator, "POST", "faults", &rule);
        assert_eq!(status, 200, "{rule}: {json}");
    }
    assert_eq!(api_get_applications(&emulator), 200);
}

#[test]
fn fault_rules_are_capped() {
    let emulator = Emulator::new();
    let rule = json!({"fault": "close", "path": "/nowhere"});
    for _ in 0..MAX_FAULT_RULES {
        assert_eq!(control(&emulator, "POST", "faults", &rule).0, 200);
    }
    assert_refused(&control(&emulator, "POST", "faults", &rule), "fault rules");
    assert_eq!(control(&emulator, "DELETE", "faults", &Value::Null).0, 200);
    assert_eq!(control(&emulator, "POST", "faults", &rule).0, 200);
}

#[test]
fn the_fault_flag_takes_the_same_bounds() {
    for spec in [
        "kind=oversized,bytes=1099511627776",
        "kind=delay,ms=18446744073709551615",
        "kind=rate_limited,retryAfterSeconds=18446744073709551615",
        "kind=status,status=100",
        "kind=close,probability=2",
        "kind=oversized,bytes=1e12",
    ] {
        let error = parse_fault_spec(spec).expect_err(spec);
        assert!(error.contains('`'), "{spec}: {error}");
    }
    assert!(parse_fault_spec("kind=oversized,bytes=67108864").is_ok());
}

// ---- over HTTP ----

fn served() -> (Emulator, Server) {
    let emulator = Emulator::builder().clock(OffsetClock::new()).build();
    let server = emulator
        .serve_with(ServeOptions::new().admin_token(TOKEN))
        .expect("serve");
    (emulator, server)
}

fn post(server: &Server, route: &str, body: &Value) -> (u16, Value) {
    let mut answer = common::http_agent()
        .post(format!("{}/_emulator/{route}", server.base_url()))
        .header("authorization", format!("Bearer {TOKEN}"))
        .send(body.to_string().as_bytes())
        .expect("an answer (the connection was not dropped)");
    let status = answer.status().as_u16();
    let text = answer.body_mut().read_to_string().expect("body");
    (status, serde_json::from_str(&text).expect("JSON"))
}

/// The server still answers: the API and the control surface.
fn still_serving(server: &Server) {
    let (status, body) = common::get_applications(server).expect("the API answers");
    assert_eq!(status, 200);
    assert!(
        body.len() < 1024,
        "an ordinary answer: {} bytes",
        body.len()
    );
    let state = common::http_agent()
        .get(format!("{}/_emulator/state", server.base_url()))
        .header("authorization", format!("Bearer {TOKEN}"))
        .call()
        .expect("the control surface answers");
    assert_eq!(state.status(), 200);
}

#[test]
fn crashing_control_inputs_get_400_over_http_and_the_server_goes_on() {
    let (_emulator, server) = served();
    let key = post(
        &server,
        "keys",
        &json!({"scopes": ["applications:read"], "expiresInSeconds": u64::MAX}),
    );
    assert_refused(&key, "expiresInSeconds");
    still_serving(&server);

    let fault = post(
        &server,
        "faults",
        &json!({"fault": "oversized", "bytes": 1_099_511_627_776u64}),
    );
    assert_refused(&fault, "bytes");
    still_serving(&server);

    let clock = post(&server, "clock", &json!({"advanceSeconds": u64::MAX}));
    assert_refused(&clock, "advanceSeconds");
    still_serving(&server);
}
