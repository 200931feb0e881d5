//! Unit tests of the call machine: the steps of a plain run, validation before
//! any request, the per-request timeout, and a driver that breaks the protocol.

use super::*;
use crate::api::{CreateApplication, GetApplications};
use crate::key::ManagementKey;

fn config() -> Config {
    Config::new(
        ManagementKey::parse(
            "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
        )
        .unwrap(),
    )
}

fn ok_list() -> Result<http::Response<Vec<u8>>, TransportError> {
    Ok(http::Response::new(
        br#"{"success":true,"message":"ok","data":[]}"#.to_vec(),
    ))
}

fn refused() -> Result<http::Response<Vec<u8>>, TransportError> {
    Err(TransportError::not_sent(
        TransportErrorKind::Connect,
        "refused",
    ))
}

#[test]
fn a_run_is_send_then_wait_then_send_then_done() {
    let config = config();
    let mut call = Call::new(&config, &GetApplications, RetryPolicy::new());
    let Step::Send(request) = call.poll() else {
        panic!("first step sends")
    };
    assert_eq!(request.uri().path(), "/api/v1/panel/get-applications");
    assert_eq!(call.attempts(), 1);
    call.record(refused(), 0.0);
    assert!(matches!(call.poll(), Step::Wait(d) if d == Duration::from_millis(125)));
    assert!(matches!(call.poll(), Step::Send(_)));
    assert_eq!(call.attempts(), 2);
    call.record(ok_list(), 0.0);
    assert!(matches!(call.poll(), Step::Done(Ok(apps)) if apps.is_empty()));
    assert!(format!("{call:?}").contains("finished"));
}

#[test]
fn invalid_input_is_done_before_any_request() {
    let config = config();
    let endpoint = CreateApplication::new("");
    let mut call = Call::new(&config, &endpoint, RetryPolicy::new());
    assert!(matches!(
        call.poll(),
        Step::Done(Err(Error::InvalidInput(_)))
    ));
    assert_eq!(call.attempts(), 0);
}

#[test]
fn the_timeout_rides_in_every_request() {
    let config = config();
    let mut call = Call::new(&config, &GetApplications, RetryPolicy::new())
        .timeout(Some(Duration::from_secs(2)));
    for _ in 0..2 {
        let Step::Send(request) = call.poll() else {
            panic!("sends")
        };
        assert_eq!(
            request.extensions().get::<RequestTimeout>(),
            Some(&RequestTimeout(Duration::from_secs(2)))
        );
        call.record(refused(), 0.0);
        let _ = call.poll(); // the wait
    }
}

#[test]
fn polling_without_recording_never_hands_out_a_second_request() {
    let config = config();
    let endpoint = CreateApplication::new("Desktop Client");
    let mut call = Call::new(&config, &endpoint, RetryPolicy::new());
    assert!(matches!(call.poll(), Step::Send(_)));
    let Step::Done(Err(error)) = call.poll() else {
        panic!("a second poll while in flight ends the call")
    };
    assert!(error.outcome_unknown(), "{error}");
    assert!(matches!(error, Error::MaybeSent { .. }));
    // Finished: nothing more is handed out, and a late outcome is ignored.
    call.record(ok_list(), 0.5);
    assert!(matches!(call.poll(), Step::Done(Err(Error::NotSent(_)))));
    assert_eq!(call.attempts(), 1);
}

#[test]
fn recording_with_nothing_in_flight_does_nothing() {
    let config = config();
    let mut call = Call::new(&config, &GetApplications, RetryPolicy::never());
    call.record(ok_list(), 0.5);
    assert!(matches!(call.poll(), Step::Send(_)));
    call.record(refused(), 0.5);
    assert!(matches!(call.poll(), Step::Done(Err(Error::NotSent(_)))));
}
