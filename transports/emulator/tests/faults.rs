//! Faults through the in-process transport: what the typed client sees of
//! each, whether the request was processed, how the client's retry policy
//! meets them, and that rules are deterministic.

mod common;

use std::time::{Duration, Instant};

use blazeauth_core::api::{self, LicenseSpec};
use blazeauth_core::{
    DecodeErrorKind, Delivery, Error, RequestOptions, Transport, TransportErrorKind,
};
use blazeauth_emulator::{Emulator, Fault, FaultRule, ManualClock};

use common::{setup, single_attempt_client, spec};

const CREATE: &str = "/api/v1/panel/create-licenses";

fn create(s: &common::Setup, count: u64) -> api::CreateLicenses {
    api::CreateLicenses::new(s.app.clone(), spec("FAULT-******"), count)
}

#[test]
fn a_timed_out_creation_really_created_its_batch_once() {
    let s = setup();
    s.emulator.inject(
        FaultRule::new(Fault::Delay(Duration::from_secs(3)))
            .on_path(CREATE)
            .times(1),
    );
    let options = RequestOptions::default().timeout(Duration::from_millis(50));
    let started = Instant::now();
    let err = s
        .client
        .send_with(&create(&s, 7), &options)
        .expect_err("timeout");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "waited for the timeout only"
    );
    assert!(err.outcome_unknown(), "{err}");
    match &err {
        Error::MaybeSent { source, .. } => {
            assert_eq!(source.kind(), TransportErrorKind::Timeout);
            assert_eq!(source.delivery(), Delivery::MaybeSent);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.emulator.licenses(&s.app).len(),
        7,
        "created once, never resent"
    );
    assert_eq!(s.emulator.requests_handled(), 4, "3 during setup, 1 now");

    // Without a timeout the answer comes after the delay.
    s.emulator.inject(
        FaultRule::new(Fault::Delay(Duration::from_millis(100)))
            .on_path(CREATE)
            .times(1),
    );
    let started = Instant::now();
    let keys = s.client.send(&create(&s, 2)).expect("delayed answer");
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(keys.len(), 2);
}

#[test]
fn a_closed_connection_is_maybe_sent_and_reads_are_retried() {
    let s = setup();
    s.emulator
        .inject(FaultRule::new(Fault::CloseConnection).times(1));
    let err = s.client.send(&create(&s, 3)).expect_err("closed");
    assert!(err.outcome_unknown());
    assert!(
        matches!(&err, Error::MaybeSent { source, .. } if source.kind() == TransportErrorKind::Io)
    );
    assert_eq!(
        s.emulator.licenses(&s.app).len(),
        3,
        "processed before the close"
    );

    // A read is retried and succeeds on the second attempt.
    s.emulator
        .inject(FaultRule::new(Fault::CloseConnection).times(1));
    let before = s.emulator.requests_handled();
    let metadata = s
        .client
        .send(&api::GetLicensesMetadata::new(s.app.clone()))
        .expect("retried read");
    assert_eq!(metadata.total_licenses, 3);
    assert_eq!(s.emulator.requests_handled() - before, 2);
}

#[test]
fn gateway_errors_are_retried_for_reads_only_and_not_processed() {
    let s = setup();
    s.emulator
        .inject(FaultRule::new(Fault::Status(http::StatusCode::SERVICE_UNAVAILABLE)).times(1));
    let err = s.client.send(&create(&s, 3)).expect_err("503");
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.api_code().map(|c| c.as_str()), Some("injected_fault"));
    assert!(s.emulator.licenses(&s.app).is_empty(), "not processed");

    s.emulator
        .inject(FaultRule::new(Fault::Status(http::StatusCode::BAD_GATEWAY)).times(2));
    let before = s.emulator.requests_handled();
    let levels = s
        .client
        .send(&api::GetLicenseLevels::new(s.app.clone()))
        .expect("third attempt");
    assert_eq!(levels, ["basic", "pro"]);
    assert_eq!(s.emulator.requests_handled() - before, 3);

    s.emulator
        .inject(FaultRule::new(Fault::Status(http::StatusCode::INTERNAL_SERVER_ERROR)).times(1));
    let err = s
        .client
        .send(&api::GetLicenseLevels::new(s.app.clone()))
        .expect_err("500 is not retried");
    assert_eq!(err.status(), Some(http::StatusCode::INTERNAL_SERVER_ERROR));
}

#[test]
fn rate_limits_carry_retry_after() {
    let s = setup();
    s.emulator.inject(
        FaultRule::new(Fault::RateLimited {
            retry_after: Duration::from_millis(2500),
        })
        .times(1),
    );
    let once = single_attempt_client(&s.emulator, s.emulator.admin_key());
    let err = once.send(&create(&s, 1)).expect_err("429");
    assert_eq!(err.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(
        err.retry_after(),
        Some(Duration::from_secs(3)),
        "rounded up"
    );
    assert_eq!(err.api_code().map(|c| c.as_str()), Some("rate_limited"));
    assert!(s.emulator.licenses(&s.app).is_empty());
    // With Retry-After the retrying client resends even a mutation: it was refused.
    s.emulator.inject(
        FaultRule::new(Fault::RateLimited {
            retry_after: Duration::ZERO,
        })
        .times(1),
    );
    assert_eq!(s.client.send(&create(&s, 1)).expect("retried").len(), 1);
}

#[test]
fn cut_off_html_and_oversized_bodies_fail_to_decode() {
    let s = setup();
    s.emulator
        .inject(FaultRule::new(Fault::TruncateBody).on_path(CREATE).times(1));
    let err = s.client.send(&create(&s, 4)).expect_err("truncated");
    match &err {
        Error::Decode(decode) => assert_eq!(decode.kind(), DecodeErrorKind::Truncated),
        other => panic!("{other:?}"),
    }
    assert!(
        err.outcome_unknown(),
        "a 2xx that could not be read may have been applied"
    );
    assert_eq!(s.emulator.licenses(&s.app).len(), 4, "processed");

    s.emulator
        .inject(FaultRule::new(Fault::Html(http::StatusCode::BAD_GATEWAY)).times(1));
    let once = single_attempt_client(&s.emulator, s.emulator.admin_key());
    let err = once.send(&api::GetApplications).expect_err("html");
    match &err {
        Error::Decode(decode) => {
            assert_eq!(decode.kind(), DecodeErrorKind::NotJson);
            assert_eq!(decode.status(), http::StatusCode::BAD_GATEWAY);
        }
        other => panic!("{other:?}"),
    }

    s.emulator
        .inject(FaultRule::new(Fault::OversizedBody(50_000)).times(1));
    let request = common::http_request(
        "GET",
        "/api/v1/panel/get-applications",
        Some(&s.emulator.admin_key()),
        b"",
    );
    let response = Transport::send(&s.emulator, request).expect("answer");
    assert_eq!(response.body().len(), 50_000);
    assert_eq!(response.headers()["content-length"], "50000");
}

#[test]
fn rules_apply_in_order_per_path_and_method_and_can_be_cleared() {
    let s = setup();
    s.emulator.inject(
        FaultRule::new(Fault::Status(http::StatusCode::BAD_GATEWAY))
            .on_path(CREATE)
            .on_method(http::Method::POST)
            .times(2),
    );
    s.emulator.inject(
        FaultRule::new(Fault::Status(http::StatusCode::SERVICE_UNAVAILABLE)).on_path(CREATE),
    );
    let once = single_attempt_client(&s.emulator, s.emulator.admin_key());
    let statuses: Vec<u16> = (0..4)
        .map(|_| {
            once.send(&create(&s, 1))
                .err()
                .and_then(|e| e.status())
                .map_or(200, |s| s.as_u16())
        })
        .collect();
    assert_eq!(statuses, [502, 502, 503, 503]);
    // Other routes are untouched.
    once.send(&api::GetApplications).expect("other path");
    s.emulator.clear_faults();
    assert_eq!(once.send(&create(&s, 1)).expect("no faults").len(), 1);
}

#[test]
fn probabilistic_faults_repeat_with_the_seed() {
    let run = |seed| {
        let emulator = Emulator::builder()
            .seed(seed)
            .clock(ManualClock::new())
            .build();
        emulator.inject(
            FaultRule::new(Fault::Status(http::StatusCode::SERVICE_UNAVAILABLE))
                .with_probability(0.3),
        );
        let client = single_attempt_client(&emulator, emulator.admin_key());
        (0..60)
            .map(|_| client.send(&api::GetApplications).is_ok())
            .collect::<Vec<bool>>()
    };
    let first = run(11);
    assert_eq!(first, run(11));
    let failures = first.iter().filter(|ok| !**ok).count();
    assert!((5..=35).contains(&failures), "{failures} of 60");
    assert_ne!(first, run(12));
    // Probability 0 never fires, 1 always.
    let emulator = Emulator::new();
    emulator.inject(FaultRule::new(Fault::CloseConnection).with_probability(0.0));
    emulator
        .inject(FaultRule::new(Fault::Status(http::StatusCode::BAD_GATEWAY)).with_probability(1.0));
    let client = single_attempt_client(&emulator, emulator.admin_key());
    for _ in 0..5 {
        let err = client.send(&api::GetApplications).expect_err("502");
        assert_eq!(err.status(), Some(http::StatusCode::BAD_GATEWAY));
    }
}

#[test]
fn bulk_creation_stops_at_an_unknown_batch_and_keeps_what_was_made() {
    let s = setup();
    // The second batch is processed, but its answer is lost.
    s.emulator.inject(
        FaultRule::new(Fault::CloseConnection)
            .on_path(CREATE)
            .after(1)
            .times(1),
    );
    let spec = LicenseSpec::new("BULK-******", ["basic"], common::days(1));
    let err = s
        .client
        .create_licenses_bulk(s.app.clone(), spec, 600)
        .expect_err("the second batch fails");
    assert_eq!(err.created.len(), 256, "the first batch's keys");
    assert_eq!(err.unknown_count(), 256);
    assert_eq!(
        err.remaining,
        600 - 256 - 256,
        "the third batch, never sent"
    );
    // Reconciling with the state: both batches exist, the third was never sent.
    let licenses = s.emulator.licenses(&s.app);
    assert_eq!(licenses.len(), 512);
    let keys: Vec<&String> = licenses.iter().map(|l| &l.license).collect();
    assert_eq!(&keys[..256], &err.created.iter().collect::<Vec<_>>()[..]);
}

#[test]
fn the_in_process_client_waits_on_a_manual_clock_without_sleeping() {
    let clock = ManualClock::new();
    let emulator = Emulator::builder().clock(clock.clone()).build();
    emulator.inject(
        FaultRule::new(Fault::RateLimited {
            retry_after: Duration::from_secs(30),
        })
        .on_path("/api/v1/panel/get-applications")
        .times(2),
    );
    let before = blazeauth_emulator::Clock::now(&clock);
    let started = Instant::now();
    let apps = emulator
        .client()
        .send(&api::GetApplications)
        .expect("retried past two 429s");
    assert!(apps.is_empty());
    assert!(started.elapsed() < Duration::from_secs(5), "no real wait");
    assert_eq!(
        blazeauth_emulator::Clock::now(&clock)
            .duration_since(before)
            .expect("forward"),
        Duration::from_secs(60),
        "the clock moved by both Retry-After waits"
    );
}
