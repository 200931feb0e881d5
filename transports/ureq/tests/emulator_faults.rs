//! Each fault the emulator can inject, over real HTTP on 127.0.0.1, through the
//! ready client (core retry policy, recording sleeper): what the caller gets,
//! how often the request reached the server (`requests_handled`), and what the
//! emulator's state says happened. Timeouts are 500 ms so the suite stays fast.

mod support;

use std::time::{Duration, Instant};

use blazeauth_core::api::{self, LicenseSpec};
use blazeauth_core::http::StatusCode;
use blazeauth_core::{
    ApplicationId, Client, DecodeErrorKind, Error, LicenseDuration, RetryPolicy, TransportErrorKind,
};
use blazeauth_emulator::{Emulator, Fault, FaultRule, Server};
use blazeauth_ureq::UreqTransport;
use support::{RecordingSleeper, assert_hides_key};

const CREATE_LICENSES: &str = "/api/v1/panel/create-licenses";
const GET_APPLICATIONS: &str = "/api/v1/panel/get-applications";
const TIMEOUT: Duration = Duration::from_millis(500);

struct Setup {
    emulator: Emulator,
    server: Server,
    client: Client<UreqTransport>,
    sleeper: RecordingSleeper,
    app: ApplicationId,
}

fn setup() -> Setup {
    setup_with(UreqTransport::builder().timeout(TIMEOUT).build())
}

fn setup_with(transport: UreqTransport) -> Setup {
    let emulator = Emulator::builder().seed(11).build();
    let app = emulator
        .create_application("Fault test app")
        .expect("application");
    let server = emulator.serve().expect("serve");
    let config = support::served_config(&server);
    let sleeper = RecordingSleeper::default();
    let client = blazeauth_ureq::client_builder(config, transport)
        .retries(RetryPolicy::default(), sleeper.clone())
        .build();
    client
        .send(&api::CreateLicenseLevels::new(app.clone(), ["basic"]))
        .expect("levels");
    Setup {
        emulator,
        server,
        client,
        sleeper,
        app,
    }
}

fn create(app: &ApplicationId, count: u32) -> api::CreateLicenses {
    let spec = LicenseSpec::new(
        "FLT-****-****",
        ["basic"],
        LicenseDuration::from_days(30).expect("duration"),
    );
    api::CreateLicenses::new(app.clone(), spec, u64::from(count))
}

fn rule(fault: Fault, path: &str) -> FaultRule {
    FaultRule::new(fault).on_path(path)
}

/// Runs `call` and returns its result with how many requests reached the emulator.
fn counted<T>(emulator: &Emulator, call: impl FnOnce() -> T) -> (T, u64) {
    let before = emulator.requests_handled();
    let result = call();
    (result, emulator.requests_handled() - before)
}

fn transport_kind(error: &Error) -> TransportErrorKind {
    match error {
        Error::NotSent(source) | Error::MaybeSent { source, .. } => source.kind(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn a_slow_read_is_retried_and_succeeds() {
    let s = setup();
    s.emulator
        .inject(rule(Fault::Delay(Duration::from_secs(2)), GET_APPLICATIONS).times(1));
    let (apps, sent) = counted(&s.emulator, || s.client.send(&api::GetApplications));
    assert_eq!(apps.expect("second attempt").len(), 1);
    assert_eq!(sent, 2, "the timed-out attempt, then the retry");
    assert_eq!(s.sleeper.delays().len(), 1);
}

#[test]
fn a_slow_create_licenses_is_not_resent_and_its_outcome_is_unknown() {
    let s = setup();
    s.emulator
        .inject(rule(Fault::Delay(Duration::from_secs(2)), CREATE_LICENSES).times(1));
    let (result, sent) = counted(&s.emulator, || s.client.send(&create(&s.app, 5)));
    let error = result.unwrap_err();
    support::assert_mutation_outcome_unknown(&error, TransportErrorKind::Timeout);
    assert!(error.to_string().contains("outcome is unknown"), "{error}");
    assert_eq!(sent, 1, "sent exactly once, never resent");
    assert!(s.sleeper.delays().is_empty());
    let created = s.emulator.licenses(&s.app).len();
    assert!(
        created == 0 || created == 5,
        "the batch exists once or not at all: {created}"
    );
    assert_eq!(created, 5, "the emulator processes delayed requests");
    assert_hides_key(&error, &s.emulator.admin_key());
}

#[test]
fn bulk_creation_stops_at_a_batch_whose_outcome_is_unknown() {
    let s = setup();
    s.emulator
        .inject(rule(Fault::Delay(Duration::from_secs(2)), CREATE_LICENSES).times(1));
    let spec = LicenseSpec::new(
        "BLK-****-****",
        ["basic"],
        LicenseDuration::from_days(30).expect("duration"),
    );
    let (result, sent) = counted(&s.emulator, || {
        s.client.create_licenses_bulk(s.app.clone(), spec, 600)
    });
    let error = result.unwrap_err();
    assert_eq!(error.unknown_count(), 256);
    assert!(error.created.is_empty());
    assert_eq!(error.remaining, 600 - 256);
    assert_eq!(sent, 1, "nothing after the unknown batch is sent");
    assert_eq!(s.emulator.licenses(&s.app).len(), 256);
    assert!(
        error
            .to_string()
            .contains("256 in 1 batch that may or may not exist")
    );
}

#[test]
fn a_connection_closed_before_answering() {
    let s = setup();
    // A read: retried on a new connection.
    s.emulator
        .inject(rule(Fault::CloseConnection, GET_APPLICATIONS).times(1));
    let (apps, sent) = counted(&s.emulator, || s.client.send(&api::GetApplications));
    assert_eq!(apps.expect("retried").len(), 1);
    assert_eq!(sent, 2);

    // create-licenses: processed, connection closed, not resent.
    s.emulator
        .inject(rule(Fault::CloseConnection, CREATE_LICENSES).times(1));
    let (result, sent) = counted(&s.emulator, || s.client.send(&create(&s.app, 3)));
    let error = result.unwrap_err();
    support::assert_mutation_outcome_unknown(&error, TransportErrorKind::Io);
    assert_eq!(sent, 1);
    assert_eq!(s.emulator.licenses(&s.app).len(), 3, "created exactly once");
    assert_hides_key(&error, &s.emulator.admin_key());
}

#[test]
fn a_503_then_success_for_a_read() {
    let s = setup();
    s.emulator.inject(
        rule(
            Fault::Status(StatusCode::SERVICE_UNAVAILABLE),
            GET_APPLICATIONS,
        )
        .times(1),
    );
    let (apps, sent) = counted(&s.emulator, || s.client.send(&api::GetApplications));
    assert_eq!(apps.expect("retried").len(), 1);
    assert_eq!(sent, 2);
    assert_eq!(s.sleeper.delays().len(), 1);

    // A mutation is not retried after a gateway error (it may hide a processed request).
    s.emulator.inject(
        rule(
            Fault::Status(StatusCode::SERVICE_UNAVAILABLE),
            CREATE_LICENSES,
        )
        .times(1),
    );
    let (result, sent) = counted(&s.emulator, || s.client.send(&create(&s.app, 2)));
    let error = result.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(error.api_error().is_some(), "{error:?}");
    assert_eq!(sent, 1);
    assert!(s.emulator.licenses(&s.app).is_empty());
}

#[test]
fn a_429_waits_for_retry_after() {
    let s = setup();
    s.emulator.inject(
        rule(
            Fault::RateLimited {
                retry_after: Duration::from_secs(3),
            },
            GET_APPLICATIONS,
        )
        .times(1),
    );
    let (apps, sent) = counted(&s.emulator, || s.client.send(&api::GetApplications));
    assert_eq!(apps.expect("retried").len(), 1);
    assert_eq!(sent, 2);
    let delays = s.sleeper.delays();
    assert_eq!(delays.len(), 1);
    assert!(delays[0] >= Duration::from_secs(3), "{delays:?}");

    // A refused mutation with Retry-After is retried too: it was not processed.
    s.emulator.inject(
        rule(
            Fault::RateLimited {
                retry_after: Duration::from_secs(2),
            },
            CREATE_LICENSES,
        )
        .times(1),
    );
    let (keys, sent) = counted(&s.emulator, || s.client.send(&create(&s.app, 4)));
    assert_eq!(keys.expect("retried").len(), 4);
    assert_eq!(sent, 2);
    assert_eq!(s.emulator.licenses(&s.app).len(), 4, "created once");
    assert!(s.sleeper.delays()[1] >= Duration::from_secs(2));
}

#[test]
fn a_429_really_waits_with_the_thread_sleeper() {
    let emulator = Emulator::new();
    let server = emulator.serve().expect("serve");
    let config = support::served_config(&server);
    let client = blazeauth_ureq::client(config);
    emulator.inject(
        rule(
            Fault::RateLimited {
                retry_after: Duration::from_secs(1),
            },
            GET_APPLICATIONS,
        )
        .times(1),
    );
    let start = Instant::now();
    client.send(&api::GetApplications).expect("retried");
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_eq!(emulator.requests_handled(), 2);
}

#[test]
fn a_truncated_body() {
    let s = setup();
    s.emulator
        .inject(rule(Fault::TruncateBody, GET_APPLICATIONS).times(1));
    let error = s.client.send(&api::GetApplications).unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(decode.kind(), DecodeErrorKind::Truncated);
    assert_eq!(decode.status(), StatusCode::OK);
    assert!(!decode.body().is_empty(), "the raw bytes are kept");

    // A truncated answer to create-licenses: processed once, outcome unknown, not resent.
    s.emulator
        .inject(rule(Fault::TruncateBody, CREATE_LICENSES).times(1));
    let (result, sent) = counted(&s.emulator, || s.client.send(&create(&s.app, 3)));
    let error = result.unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
    assert!(error.outcome_unknown());
    assert_eq!(sent, 1);
    assert_eq!(s.emulator.licenses(&s.app).len(), 3);
    // The connection survives a short but well-delimited body.
    s.client.send(&api::GetApplications).expect("list");
    assert_eq!(s.server.connections_accepted(), 1);
}

#[test]
fn an_html_502_from_a_proxy() {
    let s = setup();
    // Once: the read is retried and succeeds.
    s.emulator
        .inject(rule(Fault::Html(StatusCode::BAD_GATEWAY), GET_APPLICATIONS).times(1));
    s.client.send(&api::GetApplications).expect("retried");

    // Every time: after the policy's 3 attempts, the decode error keeps the page.
    s.emulator
        .inject(rule(Fault::Html(StatusCode::BAD_GATEWAY), GET_APPLICATIONS));
    let (result, sent) = counted(&s.emulator, || s.client.send(&api::GetApplications));
    let error = result.unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(decode.kind(), DecodeErrorKind::NotJson);
    assert_eq!(decode.status(), StatusCode::BAD_GATEWAY);
    assert!(decode.body().starts_with(b"<!DOCTYPE html>"));
    assert_eq!(sent, 3);
    assert!(!error.outcome_unknown());
    assert_hides_key(&error, &s.emulator.admin_key());

    // A mutation is not retried after a 502.
    s.emulator
        .inject(rule(Fault::Html(StatusCode::BAD_GATEWAY), CREATE_LICENSES));
    let (result, sent) = counted(&s.emulator, || s.client.send(&create(&s.app, 2)));
    let error = result.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(
        error.outcome_unknown(),
        "a gateway page may hide a processed mutation"
    );
    assert_eq!(sent, 1);
}

#[test]
fn a_body_over_the_limit() {
    let s = setup_with(
        UreqTransport::builder()
            .timeout(TIMEOUT)
            .body_limit(16 * 1024)
            .build(),
    );
    s.emulator
        .inject(rule(Fault::OversizedBody(64 * 1024), GET_APPLICATIONS));
    let (result, sent) = counted(&s.emulator, || s.client.send(&api::GetApplications));
    let error = result.unwrap_err();
    assert!(matches!(error, Error::MaybeSent { .. }), "{error:?}");
    assert_eq!(transport_kind(&error), TransportErrorKind::BodyTooLarge);
    assert!(error.to_string().contains("size limit"), "{error}");
    assert_eq!(sent, 3, "a read is retried as the policy allows");
    assert_hides_key(&error, &s.emulator.admin_key());

    // At the limit exactly: accepted.
    s.emulator.clear_faults();
    s.emulator
        .inject(rule(Fault::OversizedBody(16 * 1024), GET_APPLICATIONS).times(1));
    let raw = s
        .client
        .send(&blazeauth_core::RawRequest::get(GET_APPLICATIONS))
        .expect("at the limit");
    assert!(raw.data.is_some());
}

#[test]
fn nothing_listening_is_not_sent() {
    let s = setup();
    let key = s.emulator.admin_key();
    s.server.shutdown();
    let (result, sent) = counted(&s.emulator, || s.client.send(&create(&s.app, 2)));
    let error = result.unwrap_err();
    assert!(matches!(error, Error::NotSent(_)), "{error:?}");
    assert_eq!(transport_kind(&error), TransportErrorKind::Connect);
    assert!(!error.outcome_unknown());
    assert_eq!(sent, 0);
    assert_eq!(s.sleeper.delays().len(), 2, "not sent: retried, 3 attempts");
    assert!(s.emulator.licenses(&s.app).is_empty());
    assert_hides_key(&error, &key);
}
