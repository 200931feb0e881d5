//! The call state machine driven with arbitrary sequences of outcomes
//! (statuses, bodies, transport errors, `Retry-After` values), checked against
//! an oracle written here from the documented rules, not from the SDK's code:
//!
//! - an attempt of a mutation whose outcome is unknown is always the last one;
//! - a mutation is sent again only after "certainly not sent" or a 429 whose
//!   body is an error envelope and which carries `Retry-After`;
//! - attempts never exceed the policy's bound, and no wait exceeds its cap;
//! - the final error's `outcome_unknown()` is the oracle's verdict on the last
//!   attempt.

mod common;

use std::time::Duration;

use blazeauth_core::api::{CreateLicenses, GetLicenseLevels, LicenseSpec};
use blazeauth_core::http::Response;
use blazeauth_core::{
    Call, Config, Endpoint, Error, LicenseDuration, RetryClass, RetryPolicy, Step, TransportError,
    TransportErrorKind,
};
use proptest::prelude::*;

/// What one attempt met.
#[derive(Debug, Clone)]
enum Attempt {
    NotSent,
    MaybeSent,
    Answer {
        status: u16,
        body: Body,
        retry_after: Option<&'static str>,
    },
}

/// The shapes a body can take.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Body {
    /// The route's complete success envelope.
    Success,
    /// An error envelope, with or without a code.
    Error(Option<&'static str>),
    Html,
    Truncated,
    Empty,
    /// JSON that is not an envelope.
    WrongShape,
    /// A success envelope missing the route's payload.
    SuccessWithoutPayload,
}

const CODES: [&str; 4] = [
    "rate_limited",
    "api_key_invalid",
    "insufficient_scope",
    "validation_error",
];

fn body_bytes(body: Body, class: RetryClass) -> Vec<u8> {
    let text: String = match body {
        Body::Success if class == RetryClass::Mutation => {
            r#"{"success":true,"message":"Successfully created licenses.","createdLicenses":["K1","K2"]}"#.into()
        }
        Body::Success => r#"{"success":true,"message":"ok","data":["pro"]}"#.into(),
        Body::Error(Some(code)) => {
            format!(r#"{{"success":false,"code":"{code}","message":"refused"}}"#)
        }
        Body::Error(None) => r#"{"success":false,"message":"refused"}"#.into(),
        Body::Html => "<html><body>502 Bad Gateway</body></html>".into(),
        Body::Truncated => r#"{"success":true,"message":"Successfully cr"#.into(),
        Body::Empty => String::new(),
        Body::WrongShape => "[1,2,3]".into(),
        Body::SuccessWithoutPayload => r#"{"success":true,"message":"ok","data":42}"#.into(),
    };
    text.into_bytes()
}

fn outcome(attempt: &Attempt, class: RetryClass) -> Result<Response<Vec<u8>>, TransportError> {
    match attempt {
        Attempt::NotSent => Err(TransportError::not_sent(
            TransportErrorKind::Connect,
            "refused",
        )),
        Attempt::MaybeSent => Err(TransportError::maybe_sent(
            TransportErrorKind::Timeout,
            "timed out",
        )),
        Attempt::Answer {
            status,
            body,
            retry_after,
        } => {
            let mut builder = Response::builder().status(*status);
            if let Some(value) = retry_after {
                builder = builder.header("retry-after", *value);
            }
            Ok(builder.body(body_bytes(*body, class)).unwrap())
        }
    }
}

/// The oracle: whether a mutation's attempt left its outcome unknown. Known
/// outcomes are: certainly not sent; a complete 2xx success; an error envelope
/// with a status below 500 (the server refused).
fn unknown(attempt: &Attempt, class: RetryClass) -> bool {
    if class == RetryClass::Read {
        return false;
    }
    match attempt {
        Attempt::NotSent => false,
        Attempt::MaybeSent => true,
        Attempt::Answer { status, body, .. } => match body {
            Body::Success => !(200..300).contains(status),
            Body::Error(_) => *status >= 500,
            _ => true,
        },
    }
}

/// The oracle: whether the documented rules allow another attempt after this one.
fn may_retry(attempt: &Attempt, class: RetryClass) -> bool {
    match (attempt, class) {
        (Attempt::NotSent, _) => true,
        (Attempt::MaybeSent, RetryClass::Read) => true,
        (Attempt::MaybeSent, RetryClass::Mutation) => false,
        (
            Attempt::Answer {
                status,
                body,
                retry_after,
            },
            RetryClass::Mutation,
        ) => *status == 429 && matches!(body, Body::Error(_)) && retry_after.is_some(),
        (Attempt::Answer { status, body, .. }, RetryClass::Read) => {
            let success = *body == Body::Success && (200..300).contains(status);
            !success && matches!(status, 429 | 502 | 503 | 504)
        }
    }
}

fn attempt() -> impl Strategy<Value = Attempt> {
    let status = prop_oneof![
        Just(200u16),
        Just(201),
        Just(400),
        Just(401),
        Just(403),
        Just(404),
        Just(429),
        Just(500),
        Just(502),
        Just(503),
        Just(504),
        100u16..600,
    ];
    let body = prop_oneof![
        Just(Body::Success),
        proptest::option::of(proptest::sample::select(CODES.to_vec())).prop_map(Body::Error),
        Just(Body::Html),
        Just(Body::Truncated),
        Just(Body::Empty),
        Just(Body::WrongShape),
        Just(Body::SuccessWithoutPayload),
    ];
    let retry_after = proptest::option::of(proptest::sample::select(vec![
        "0",
        "1",
        "2",
        "59",
        "60",
        "61",
        "3600",
        "soon",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "18446744073709551615",
    ]));
    prop_oneof![
        1 => Just(Attempt::NotSent),
        1 => Just(Attempt::MaybeSent),
        4 => (status, body, retry_after).prop_map(|(status, body, retry_after)| Attempt::Answer {
            status,
            body,
            retry_after,
        }),
    ]
}

fn policy() -> impl Strategy<Value = RetryPolicy> {
    (1u32..=8, 0u64..2_000, 0u64..10_000, 0u64..120).prop_map(
        |(attempts, initial, max_backoff, max_retry_after)| {
            RetryPolicy::new()
                .max_attempts(attempts)
                .initial_backoff(Duration::from_millis(initial))
                .max_backoff(Duration::from_millis(max_backoff))
                .max_retry_after(Duration::from_secs(max_retry_after))
        },
    )
}

/// What a run of the machine did.
struct Run {
    attempts: usize,
    waits: Vec<Duration>,
    error: Option<Error>,
}

/// Drives a call of `endpoint` through `script`, one entry per attempt.
fn drive<E: Endpoint>(
    config: &Config,
    endpoint: &E,
    policy: RetryPolicy,
    script: &[Attempt],
    jitter: f64,
) -> Result<Run, TestCaseError> {
    let class = endpoint.retry_class();
    let mut call = Call::new(config, endpoint, policy);
    let mut run = Run {
        attempts: 0,
        waits: Vec::new(),
        error: None,
    };
    // Far more steps than any allowed run: a loop that does not end fails.
    for _ in 0..100 {
        match call.poll() {
            Step::Send(_request) => {
                prop_assert!(
                    run.attempts < script.len(),
                    "more attempts than the policy allows ({})",
                    policy.get_max_attempts()
                );
                if run.attempts > 0 {
                    let previous = &script[run.attempts - 1];
                    prop_assert!(
                        may_retry(previous, class),
                        "sent again after {previous:?} ({class:?})"
                    );
                    prop_assert!(
                        !unknown(previous, class),
                        "a mutation with an unknown outcome was sent again after {previous:?}"
                    );
                }
                call.record(outcome(&script[run.attempts], class), jitter);
                run.attempts += 1;
            }
            Step::Wait(delay) => run.waits.push(delay),
            Step::Done(result) => {
                run.error = result.err();
                return Ok(run);
            }
        }
    }
    Err(TestCaseError::fail("the call never finished"))
}

fn check(
    endpoint: &impl Endpoint,
    policy: RetryPolicy,
    script: &[Attempt],
    jitter: f64,
) -> Result<(), TestCaseError> {
    let class = endpoint.retry_class();
    let script = &script[..policy.get_max_attempts() as usize];
    let run = drive(&common::config(), endpoint, policy, script, jitter)?;
    prop_assert!(run.attempts >= 1);
    prop_assert!(run.attempts as u32 <= policy.get_max_attempts());
    prop_assert_eq!(
        run.waits.len(),
        run.attempts - 1,
        "one wait before each retry"
    );
    for wait in &run.waits {
        prop_assert!(*wait <= policy.max_delay(), "{wait:?} over the cap");
    }
    let last = &script[run.attempts - 1];
    match &run.error {
        None => {
            let is_success = matches!(last, Attempt::Answer { status, body: Body::Success, .. } if (200..300).contains(status));
            prop_assert!(is_success, "success from {last:?}");
        }
        Some(error) => {
            prop_assert_eq!(
                error.outcome_unknown(),
                unknown(last, class),
                "outcome_unknown() of {:?} after {:?}",
                error,
                last
            );
        }
    }
    Ok(())
}

fn mutation() -> CreateLicenses {
    let spec = LicenseSpec::new(
        "PREMIUM-******",
        ["pro"],
        LicenseDuration::from_days(30).unwrap(),
    );
    CreateLicenses::new(
        blazeauth_core::ApplicationId::new("123456789").unwrap(),
        spec,
        2,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn a_mutation_with_an_unknown_outcome_is_never_sent_again(
        policy in policy(),
        script in proptest::collection::vec(attempt(), 8),
        jitter in prop_oneof![0.0f64..=1.0, any::<f64>()],
    ) {
        check(&mutation(), policy, &script, jitter)?;
    }

    #[test]
    fn reads_retry_within_the_bounds(
        policy in policy(),
        script in proptest::collection::vec(attempt(), 8),
        jitter in 0.0f64..=1.0,
    ) {
        check(&GetLicenseLevels::new(blazeauth_core::ApplicationId::new("123456789").unwrap()), policy, &script, jitter)?;
    }
}

/// The oracle itself, on the cases the issue names: a 429 answered with a
/// success body, an HTML page or truncated JSON leaves a mutation unknown.
#[test]
fn the_oracle_agrees_with_the_documented_cases() {
    let class = RetryClass::Mutation;
    for body in [Body::Success, Body::Html, Body::Truncated] {
        let attempt = Attempt::Answer {
            status: 429,
            body,
            retry_after: Some("1"),
        };
        assert!(unknown(&attempt, class), "{body:?}");
        assert!(!may_retry(&attempt, class), "{body:?}");
    }
    let refused = Attempt::Answer {
        status: 429,
        body: Body::Error(Some("rate_limited")),
        retry_after: Some("1"),
    };
    assert!(!unknown(&refused, class));
    assert!(may_retry(&refused, class));
    let run = drive(
        &common::config(),
        &mutation(),
        RetryPolicy::new(),
        &[
            refused.clone(),
            refused,
            Attempt::Answer {
                status: 200,
                body: Body::Success,
                retry_after: None,
            },
        ],
        0.5,
    )
    .unwrap();
    assert_eq!(run.attempts, 3);
    assert_eq!(run.waits, [Duration::from_secs(1), Duration::from_secs(1)]);
    assert!(run.error.is_none());
}

// ---- bulk creation ----

/// What one batch's call came back with.
#[derive(Debug, Clone)]
enum BatchResult {
    /// Exactly the keys asked for.
    Full,
    /// Success with this many keys fewer (at least one fewer).
    Short(u32),
    /// An error the server refused with: nothing created.
    Refused,
    /// An error whose outcome is unknown.
    Unknown,
}

fn batch_result() -> impl Strategy<Value = BatchResult> {
    prop_oneof![
        6 => Just(BatchResult::Full),
        1 => (1u32..=256).prop_map(BatchResult::Short),
        1 => Just(BatchResult::Refused),
        1 => Just(BatchResult::Unknown),
    ]
}

proptest! {
    #[test]
    fn bulk_reports_add_up_and_nothing_follows_a_failure(
        total in 1u64..3_000,
        results in proptest::collection::vec(batch_result(), 12),
        drop_out_after in proptest::option::of(0usize..12),
    ) {
        let spec = LicenseSpec::new("PREMIUM-******", ["pro"], LicenseDuration::from_days(1).unwrap());
        let mut bulk = blazeauth_core::api::BulkCreate::new(blazeauth_core::ApplicationId::new("1").unwrap(), spec, total).unwrap();
        let mut made = 0u64;
        let mut handed_out = 0u64;
        let mut batches = 0usize;
        let mut failed = None;
        while let Some(request) = bulk.next_request() {
            prop_assert!(failed.is_none(), "a batch after a failure");
            prop_assert!(bulk.next_request().is_none(), "a batch handed out twice");
            let count = request.count();
            prop_assert!((1..=256).contains(&count));
            handed_out += count;
            if drop_out_after == Some(batches) {
                break; // the driver gives up with the batch in flight
            }
            let keys = |n: u64| (0..n).map(|i| format!("K{made}-{i}")).collect::<Vec<_>>();
            let result = match results[batches % results.len()] {
                BatchResult::Full => Ok(keys(count)),
                BatchResult::Short(fewer) => Ok(keys(count.saturating_sub(u64::from(fewer)))),
                BatchResult::Refused => Err(Error::Config(blazeauth_core::ConfigError::UserAgent)),
                BatchResult::Unknown => Err(Error::MaybeSent {
                    source: TransportError::maybe_sent(TransportErrorKind::Timeout, "timed out"),
                    class: RetryClass::Mutation,
                }),
            };
            match &result {
                Ok(k) if k.len() == count as usize => made += count,
                Ok(k) => { made += k.len() as u64; failed = Some(count - k.len() as u64) }
                Err(e) if e.outcome_unknown() => failed = Some(count),
                Err(_) => failed = Some(0),
            }
            bulk.record(result);
            batches += 1;
        }
        prop_assert!(handed_out <= total);
        match bulk.finish() {
            Ok(keys) => {
                prop_assert!(failed.is_none() && drop_out_after.is_none_or(|d| d >= batches));
                prop_assert_eq!(keys.len() as u64, total);
            }
            Err(report) => {
                let unknown = report.unknown_count();
                prop_assert_eq!(report.created.len() as u64, made);
                prop_assert_eq!(report.created.len() as u64 + unknown + report.remaining, total);
                if let Some(expected) = failed {
                    prop_assert_eq!(unknown, expected);
                } else {
                    // Dropped out with a batch in flight: the whole batch is unknown.
                    prop_assert!(report.error.outcome_unknown());
                    prop_assert!(unknown >= 1);
                }
            }
        }
    }
}
