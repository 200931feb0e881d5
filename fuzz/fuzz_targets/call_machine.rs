//! The call state machine under arbitrary outcome sequences: transport errors,
//! any status, any `Retry-After`, any body (arbitrary bytes or envelopes with
//! arbitrary fields). Checks, with an oracle independent of the SDK's decoder:
//! - a mutation is sent again only after "certainly not sent", or after a 429
//!   that carries `Retry-After` and whose body is a JSON object with
//!   `"success": false` (a well-formed refusal);
//! - a read is sent again only after a transport error or a 429/502/503/504;
//! - attempts never exceed the policy's bound and no wait exceeds its cap;
//! - the machine always finishes.
#![no_main]

use std::time::Duration;

use blazeauth_core::api::{CreateLicenses, GetLicenseLevels, LicenseSpec};
use blazeauth_core::http::Response;
use blazeauth_core::{
    Call, Config, Endpoint, LicenseDuration, ManagementKey, RetryClass, RetryPolicy, Step,
    TransportError, TransportErrorKind,
};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";

enum Attempt {
    NotSent,
    MaybeSent,
    Answer {
        status: u16,
        retry_after: Option<String>,
        body: Vec<u8>,
    },
}

fn attempt(u: &mut Unstructured<'_>) -> Result<Attempt> {
    Ok(match u.int_in_range(0u8..=5)? {
        0 => Attempt::NotSent,
        1 => Attempt::MaybeSent,
        _ => {
            let status = u.int_in_range(100u16..=599)?;
            let retry_after = match u.int_in_range(0u8..=3)? {
                0 => None,
                1 => Some(u.int_in_range(0u32..=120)?.to_string()),
                2 => Some(u.arbitrary::<u64>()?.to_string()),
                _ => Some(u.arbitrary::<String>()?),
            };
            let body = match u.int_in_range(0u8..=3)? {
                0 => u.arbitrary::<Vec<u8>>()?,
                1 => {
                    let code: String = u.arbitrary()?;
                    serde_json::json!({"success": false, "code": code, "message": "no"})
                        .to_string()
                        .into_bytes()
                }
                2 => serde_json::json!({
                    "success": true,
                    "message": "ok",
                    "data": ["pro"],
                    "createdLicenses": ["K1", "K2"],
                })
                .to_string()
                .into_bytes(),
                _ => {
                    // An envelope-like object with arbitrary text spliced in.
                    let head = if u.arbitrary()? { "true" } else { "false" };
                    let tail: String = u.arbitrary()?;
                    format!("{{\"success\":{head},{tail}").into_bytes()
                }
            };
            Attempt::Answer {
                status,
                retry_after,
                body,
            }
        }
    })
}

fn is_refusal_envelope(body: &[u8]) -> bool {
    matches!(
        serde_json::from_slice::<serde_json::Value>(body),
        Ok(serde_json::Value::Object(map)) if map.get("success") == Some(&serde_json::Value::Bool(false))
    )
}

fn may_send_again(previous: &Attempt, class: RetryClass) -> bool {
    match (previous, class) {
        (Attempt::NotSent, _) => true,
        (Attempt::MaybeSent, RetryClass::Read) => true,
        (Attempt::MaybeSent, _) => false,
        (Attempt::Answer { status, .. }, RetryClass::Read) => {
            matches!(status, 429 | 502 | 503 | 504)
        }
        (
            Attempt::Answer {
                status,
                retry_after,
                body,
            },
            _,
        ) => *status == 429 && retry_after.is_some() && is_refusal_envelope(body),
    }
}

fn response(attempt: &Attempt) -> std::result::Result<Response<Vec<u8>>, TransportError> {
    match attempt {
        Attempt::NotSent => Err(TransportError::not_sent(TransportErrorKind::Connect, "refused")),
        Attempt::MaybeSent => Err(TransportError::maybe_sent(TransportErrorKind::Timeout, "timeout")),
        Attempt::Answer {
            status,
            retry_after,
            body,
        } => {
            let mut builder = Response::builder().status(*status);
            if let Some(value) = retry_after {
                builder = builder.header("retry-after", value.as_str());
            }
            // A header value the http crate refuses: send the answer without it.
            let built = builder.body(body.clone());
            Ok(built.unwrap_or_else(|_| {
                Response::builder()
                    .status(*status)
                    .body(body.clone())
                    .expect("a status in 100..=599 is valid")
            }))
        }
    }
}

fn run<E: Endpoint>(u: &mut Unstructured<'_>, endpoint: &E) -> Result<()> {
    let class = endpoint.retry_class();
    let policy = RetryPolicy::new()
        .max_attempts(u.int_in_range(1u32..=8)?)
        .initial_backoff(Duration::from_millis(u.int_in_range(0u64..=5_000)?))
        .max_backoff(Duration::from_millis(u.int_in_range(0u64..=60_000)?))
        .max_retry_after(Duration::from_secs(u.int_in_range(0u64..=600)?));
    let jitter: f64 = u.arbitrary()?;
    let config = Config::new(ManagementKey::parse(KEY).expect("the test key parses"));
    let mut call = Call::new(&config, endpoint, policy);
    let mut sent: Vec<Attempt> = Vec::new();
    let mut waits = 0u32;
    for _ in 0..64 {
        match call.poll() {
            Step::Send(_) => {
                assert!(
                    sent.len() < policy.get_max_attempts() as usize,
                    "over the attempt bound"
                );
                if let Some(previous) = sent.last() {
                    assert!(may_send_again(previous, class), "sent again after a final outcome");
                }
                let next = attempt(u).unwrap_or(Attempt::NotSent);
                call.record(response(&next), jitter);
                sent.push(next);
            }
            Step::Wait(delay) => {
                assert!(delay <= policy.max_delay(), "wait over the cap");
                waits += 1;
                assert_eq!(waits as usize, sent.len(), "one wait per retry");
            }
            Step::Done(result) => {
                if let Err(error) = result {
                    // Display never panics, whatever the server sent.
                    let _ = error.to_string();
                }
                return Ok(());
            }
        }
    }
    panic!("the call did not finish");
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mutation = u.arbitrary::<bool>().unwrap_or(true);
    if mutation {
        let spec = LicenseSpec::new("PREMIUM-******", ["pro"], LicenseDuration::MIN);
        let _ = run(&mut u, &CreateLicenses::new(blazeauth_core::ApplicationId::from(1u64), spec, 2));
    } else {
        let _ = run(&mut u, &GetLicenseLevels::new(blazeauth_core::ApplicationId::from(1u64)));
    }
});
