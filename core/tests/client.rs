//! The blocking client over closure transports: retries through the policy
//! and an injected sleeper, outcome-unknown mutations never resent, bulk
//! creation, paging, raw requests, and secrets absent from everything printable.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use blazeauth_core::api::*;
use blazeauth_core::http::{Response, StatusCode};
use blazeauth_core::{
    ApplicationId, Client, Error, LicenseDuration, RawRequest, RetryPolicy, TransportError,
    TransportErrorKind,
};
use common::{Script, config};

fn app() -> ApplicationId {
    "123456789".parse().unwrap()
}

/// A client over `script` with a sleeper that records delays instead of waiting.
fn retrying(
    script: &Script,
) -> (
    Client<impl blazeauth_core::Transport + use<>>,
    Arc<Mutex<Vec<Duration>>>,
) {
    let slept = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&slept);
    let client = Client::builder(config(), script.transport())
        .retries(RetryPolicy::new().max_attempts(4), move |d| {
            record.lock().unwrap().push(d)
        })
        .jitter(|| 0.0)
        .build();
    (client, slept)
}

const LEVELS_OK: &str = r#"{"success":true,"message":"ok","data":["pro"]}"#;
const CREATED: &str =
    r#"{"success":true,"message":"Successfully created licenses.","createdLicenses":["K1","K2"]}"#;

fn timeout() -> TransportError {
    TransportError::maybe_sent(
        TransportErrorKind::Timeout,
        "timed out reading the response",
    )
}

fn refused() -> TransportError {
    TransportError::not_sent(TransportErrorKind::Connect, "connection refused")
}

fn spec() -> LicenseSpec {
    LicenseSpec::new(
        "PREMIUM-******",
        ["pro"],
        LicenseDuration::from_days(30).unwrap(),
    )
}

#[test]
fn reads_are_retried_after_a_timeout_and_a_503() {
    let script = Script::new()
        .then(|_| Err(timeout()))
        .status_json(503, r#"{"success":false,"message":"busy"}"#)
        .json(LEVELS_OK);
    let (client, slept) = retrying(&script);
    assert_eq!(client.send(&GetLicenseLevels::new(app())).unwrap(), ["pro"]);
    assert_eq!(script.sent(), 3);
    // Backoff with jitter 0: half of 250 ms, then half of 500 ms.
    assert_eq!(
        *slept.lock().unwrap(),
        [Duration::from_millis(125), Duration::from_millis(250)]
    );
}

#[test]
fn a_mutation_that_may_have_been_sent_is_not_resent() {
    let script = Script::new().then(|_| Err(timeout()));
    let (client, slept) = retrying(&script);
    let err = client
        .send(&CreateLicenses::new(app(), spec(), 2))
        .unwrap_err();
    assert!(matches!(err, Error::MaybeSent { .. }), "{err:?}");
    assert!(err.outcome_unknown());
    assert!(err.to_string().contains("outcome is unknown"), "{err}");
    assert_eq!(script.sent(), 1);
    assert!(slept.lock().unwrap().is_empty());
}

#[test]
fn a_mutation_that_was_certainly_not_sent_is_retried() {
    let script = Script::new().then(|_| Err(refused())).json(CREATED);
    let (client, _) = retrying(&script);
    assert_eq!(
        client.send(&CreateLicenses::new(app(), spec(), 2)).unwrap(),
        ["K1", "K2"]
    );
    assert_eq!(script.sent(), 2);
}

#[test]
fn a_mutation_waits_for_retry_after_on_429() {
    let script = Script::new()
        .then(|_| {
            Ok(Response::builder()
                .status(429)
                .header("retry-after", "3")
                .body(br#"{"success":false,"code":"rate_limited","message":"slow down"}"#.to_vec())
                .unwrap())
        })
        .json(r#"{"success":true,"message":"Successfully update api key"}"#);
    let (client, slept) = retrying(&script);
    client
        .send(&RotateRuntimeKey::new(app(), RuntimeKeyType::HttpKey))
        .unwrap();
    assert_eq!(*slept.lock().unwrap(), [Duration::from_secs(3)]);
}

#[test]
fn a_mutation_is_not_retried_after_a_502() {
    let script = Script::new().status_json(502, r#"{"success":false,"message":"bad gateway"}"#);
    let (client, _) = retrying(&script);
    let err = client
        .send(&CreateApplication::new("Desktop Client"))
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert_eq!(script.sent(), 1);
}

#[test]
fn without_a_sleeper_there_is_one_attempt() {
    let script = Script::new().then(|_| Err(refused()));
    let client = script.client();
    assert!(matches!(
        client.send(&GetApplications).unwrap_err(),
        Error::NotSent(_)
    ));
    assert_eq!(script.sent(), 1);
}

#[test]
fn retries_stop_at_the_attempt_limit() {
    let mut script = Script::new();
    for _ in 0..4 {
        script = script.then(|_| Err(refused()));
    }
    let (client, slept) = retrying(&script);
    assert!(client.send(&GetApplications).is_err());
    assert_eq!(script.sent(), 4);
    assert_eq!(slept.lock().unwrap().len(), 3);
}

#[test]
fn per_call_timeout_reaches_the_transport() {
    let script = Script::new().then(|request| {
        assert_eq!(
            request.extensions().get::<blazeauth_core::RequestTimeout>(),
            Some(&blazeauth_core::RequestTimeout(Duration::from_millis(1500)))
        );
        Ok(Response::new(LEVELS_OK.as_bytes().to_vec()))
    });
    let options = blazeauth_core::RequestOptions::default().timeout(Duration::from_millis(1500));
    script
        .client()
        .send_with(&GetLicenseLevels::new(app()), &options)
        .unwrap();
}

#[test]
fn every_request_carries_the_standard_headers() {
    let script = Script::new().json(LEVELS_OK);
    script.client().send(&GetLicenseLevels::new(app())).unwrap();
    let requests = script.requests.lock().unwrap();
    let headers = requests[0].headers();
    assert_eq!(
        headers["authorization"],
        format!("Bearer {}", common::KEY).as_str()
    );
    assert_eq!(headers["accept"], "application/json");
    assert!(
        headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("blazeauth-rs/")
    );
    assert!(
        headers.get("content-type").is_none(),
        "no body, no content type"
    );
}

// ---- secrets ----

/// Errors built from hostile answers that echo the request's `Authorization`
/// header: in the message, the code, an HTML page, a response header, a
/// cut-off success body; printed with `Display` and `Debug`.
fn hostile_echoes() -> Vec<String> {
    fn echo(
        status: u16,
        body: fn(&str) -> String,
    ) -> impl FnMut(&blazeauth_core::http::Request<Vec<u8>>) -> common::Answer + Send + 'static
    {
        move |request| {
            let auth = request.headers()["authorization"]
                .to_str()
                .unwrap()
                .to_owned();
            Ok(Response::builder()
                .status(status)
                .header("x-echo", auth.as_str())
                .body(body(&auth).into_bytes())
                .unwrap())
        }
    }
    let script = Script::new()
        .then(echo(401, |a| {
            format!(r#"{{"success":false,"code":"api_key_invalid","message":"{a}"}}"#)
        }))
        .then(echo(400, |a| {
            format!(r#"{{"success":false,"code":"{a}","message":"no"}}"#)
        }))
        .then(echo(502, |a| format!("<html>{a}</html>")))
        .then(echo(200, |a| format!(r#"{{"success":true,"data":["{a}"#)))
        .then(echo(500, |a| {
            format!(r#"{{"success":false,"message":"{}"}}"#, a.repeat(300))
        }));
    let client = script.client();
    (0..5)
        .map(|_| {
            let error = client.send(&GetApplications).unwrap_err();
            let kept = match &error {
                Error::Api(e) => format!(
                    "{} {:?} {:?}",
                    e.message(),
                    e.headers(),
                    String::from_utf8_lossy(e.body())
                ),
                Error::Decode(e) => format!(
                    "{:?} {:?} {:?}",
                    e.detail(),
                    e.headers(),
                    String::from_utf8_lossy(e.body())
                ),
                other => panic!("expected an answer, got {other:?}"),
            };
            format!("{error} {error:?} {kept}")
        })
        .collect()
}

#[test]
fn the_secret_appears_in_nothing_printable() {
    let script = Script::new()
        .status_json(
            401,
            r#"{"success":false,"code":"api_key_invalid","message":"Invalid API key"}"#,
        )
        .then(|_| Err(timeout()))
        .then(|_| {
            Ok(Response::builder()
                .status(502)
                .body(b"<html>bad gateway</html>".to_vec())
                .unwrap())
        });
    let client = script.client();
    let api_error = client.send(&GetApplications).unwrap_err();
    let maybe_sent = client
        .send(&CreateLicenses::new(app(), spec(), 1))
        .unwrap_err();
    let decode_error = client.send(&GetApplications).unwrap_err();
    let invalid = client.send(&CreateApplication::new("x")).unwrap_err();
    let request = blazeauth_core::build_request(client.config(), &GetApplications).unwrap();
    let bad_key = blazeauth_core::ManagementKey::parse(&format!("{}\n", common::KEY)).unwrap_err();
    let bad_secret =
        blazeauth_core::ManagementKey::parse(&common::KEY.replace("KL", "K!")).unwrap_err();
    let printed = [
        format!("{:?} {}", common::key(), common::key()),
        format!("{:?}", client.config()),
        format!("{client:?}"),
        format!("{request:?}"),
        format!("{:?}", request.headers()),
        format!("{api_error} {api_error:?}"),
        format!("{maybe_sent} {maybe_sent:?}"),
        format!("{decode_error} {decode_error:?}"),
        format!("{invalid} {invalid:?}"),
        format!("{bad_key} {bad_key:?} {bad_secret} {bad_secret:?}"),
        format!("{:?}", RawRequest::get("/api/v1/panel/get-variables")),
    ];
    for text in printed.into_iter().chain(hostile_echoes()) {
        assert!(!text.contains(common::SECRET), "secret leaked in: {text}");
        assert!(
            !text.contains("0123456789abcdefghij"),
            "part of the secret leaked in: {text}"
        );
    }
}

// ---- raw requests ----

#[test]
fn raw_request_sends_the_same_auth_and_decodes_data_and_extras() {
    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Variable {
        name: String,
    }
    let script = Script::new().then(|request| {
        assert_eq!(request.method(), "GET");
        assert_eq!(request.uri().path(), "/api/v1/panel/get-variables");
        assert_eq!(request.uri().query(), Some("applicationId=123456789"));
        assert!(request.headers()["authorization"].is_sensitive());
        Ok(Response::new(br#"{"success":true,"message":"Get variables successfully","data":[{"name":"motd"}],"totalPages":1}"#.to_vec()))
    });
    let request = RawRequest::get("/api/v1/panel/get-variables")
        .query("applicationId", "123456789")
        .decode_as::<Vec<Variable>>();
    let response = script.client().send(&request).unwrap();
    assert_eq!(
        response.data.unwrap(),
        [Variable {
            name: "motd".into()
        }]
    );
    assert_eq!(response.extra["totalPages"], 1);
    assert_eq!(
        response.message.as_deref(),
        Some("Get variables successfully")
    );
}

#[test]
fn raw_request_with_body_and_error() {
    let script = Script::new().then(|request| {
        assert_eq!(request.method(), "POST");
        assert_eq!(
            common::body_json(request),
            serde_json::json!({"fileName": "dup"})
        );
        assert_eq!(request.headers()["content-type"], "application/json");
        Ok(Response::builder()
            .status(400)
            .body(
                br#"{"success":false,"message":"File name must be unique for your application"}"#
                    .to_vec(),
            )
            .unwrap())
    });
    let request = RawRequest::post("/api/v1/panel/check-file-name")
        .query("applicationId", "1")
        .json(&serde_json::json!({"fileName": "dup"}))
        .unwrap();
    let err = script.client().send(&request).unwrap_err();
    assert_eq!(
        err.api_error().unwrap().message(),
        "File name must be unique for your application"
    );
}

#[test]
fn raw_request_paths_are_checked() {
    let client = Script::new().client();
    for bad in ["api/v1/x", "/a b", "/x?y=1", "/x#f", "/../admin"] {
        let err = client.send(&RawRequest::get(bad)).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput(e) if e.field() == "path"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn raw_post_is_a_mutation_unless_told_otherwise() {
    use blazeauth_core::{Endpoint, RetryClass};
    assert_eq!(RawRequest::post("/x").retry_class(), RetryClass::Mutation);
    assert_eq!(RawRequest::get("/x").retry_class(), RetryClass::Read);
    assert_eq!(
        RawRequest::post("/x")
            .with_retry_class(RetryClass::Read)
            .retry_class(),
        RetryClass::Read
    );
}

// ---- bulk creation ----

/// A transport that creates `count` keys per call and fails call `fail_at`
/// (1-based) with `failure`.
fn bulk_script(batches: usize, fail_at: usize, failure: fn() -> common::Answer) -> Script {
    let mut script = Script::new();
    let mut next_key = 0;
    for call in 1..=batches {
        if call == fail_at {
            script = script.then(move |_| failure());
        } else {
            script = script.then(move |request| {
                let count = common::body_json(request)["count"].as_u64().unwrap();
                let keys: Vec<String> = (0..count).map(|i| format!("K{}", next_key + i)).collect();
                let body = serde_json::json!({"success": true, "message": "Successfully created licenses.", "createdLicenses": keys});
                Ok(Response::new(serde_json::to_vec(&body).unwrap()))
            });
            next_key += 256;
        }
    }
    script
}

#[test]
fn bulk_creates_in_batches_of_256_and_keeps_order() {
    let script = bulk_script(3, 0, || unreachable!());
    let keys = script
        .client()
        .create_licenses_bulk(app(), spec(), 600)
        .unwrap();
    assert_eq!(keys.len(), 600);
    assert_eq!(keys.first().unwrap(), "K0");
    assert_eq!(keys[256], "K256");
    assert_eq!(keys.last().unwrap(), "K599");
    let counts: Vec<_> = script
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| common::body_json(r)["count"].clone())
        .collect();
    assert_eq!(counts, [256, 256, 88]);
}

#[test]
fn bulk_failure_returns_the_keys_of_earlier_batches() {
    let script = bulk_script(3, 3, || {
        Ok(Response::builder()
            .status(400)
            .body(
                br#"{"success":false,"code":"plan_limit","message":"License limit reached"}"#
                    .to_vec(),
            )
            .unwrap())
    });
    let err = script
        .client()
        .create_licenses_bulk(app(), spec(), 1000)
        .unwrap_err();
    assert_eq!(
        err.created.len(),
        512,
        "exactly the keys of batches 1 and 2"
    );
    assert_eq!(err.created[511], "K511");
    assert_eq!(err.remaining, 1000 - 512);
    assert_eq!(
        err.unknown_count(),
        0,
        "the server refused: nothing of batch 3 exists"
    );
    assert_eq!(err.error.api_code().unwrap().as_str(), "plan_limit");
    assert_eq!(script.sent(), 3, "nothing after the failed batch");
}

#[test]
fn bulk_timeout_says_the_batch_outcome_is_unknown_and_stops() {
    let script = bulk_script(2, 2, || Err(timeout()));
    let (client, _) = retrying(&script);
    let err = client
        .create_licenses_bulk(app(), spec(), 2000)
        .unwrap_err();
    assert_eq!(err.created.len(), 256);
    assert_eq!(err.unknown_count(), 256);
    assert_eq!(err.remaining, 2000 - 256 - 256);
    assert!(
        err.to_string()
            .contains("256 in 1 batch that may or may not exist"),
        "{err}"
    );
    assert_eq!(
        script.sent(),
        2,
        "the unknown batch is not resent and nothing follows it"
    );
}

#[test]
fn bulk_gateway_error_page_leaves_the_batch_outcome_unknown() {
    let script = bulk_script(2, 2, || {
        Ok(Response::builder()
            .status(504)
            .header("content-type", "text/html")
            .body(b"<html><body>504 Gateway Time-out</body></html>".to_vec())
            .unwrap())
    });
    let err = script
        .client()
        .create_licenses_bulk(app(), spec(), 600)
        .unwrap_err();
    assert_eq!(err.created.len(), 256);
    assert_eq!(
        err.unknown_count(),
        256,
        "the API behind the gateway may have created it"
    );
    assert_eq!(script.sent(), 2);
}

#[test]
fn an_undecodable_answer_leaves_only_a_mutation_unknown() {
    let gateway = |_: &blazeauth_core::http::Request<Vec<u8>>| {
        Ok(Response::builder()
            .status(502)
            .body(b"<html>502 Bad Gateway</html>".to_vec())
            .unwrap())
    };
    let script = Script::new().then(gateway).then(gateway);
    let read = script.client().send(&GetApplications).unwrap_err();
    let write = script
        .client()
        .send(&CreateApplication::new("Desktop Client"))
        .unwrap_err();
    assert!(matches!(
        (&read, &write),
        (Error::Decode(_), Error::Decode(_))
    ));
    assert!(!read.outcome_unknown());
    assert!(write.outcome_unknown());
}

#[test]
fn bulk_of_100_000_plans_391_batches() {
    let mut bulk = BulkCreate::new(app(), spec(), 100_000).unwrap();
    let mut batches = 0;
    while let Some(request) = bulk.next_request() {
        batches += 1;
        let keys = (0..request.count()).map(|i| format!("{batches}-{i}"));
        bulk.record(Ok(keys.collect()));
    }
    assert_eq!(batches, 391);
    assert_eq!(bulk.created_count(), 100_000);
    assert!(bulk.is_finished());
    assert_eq!(bulk.finish().unwrap().len(), 100_000);
}

// ---- regressions: mutations whose outcome is unknown are never resent ----

/// A 429 with `Retry-After: 1` and `body`.
fn rate_limited_with(
    body: &'static [u8],
) -> impl FnMut(&blazeauth_core::http::Request<Vec<u8>>) -> common::Answer + Send + 'static {
    move |_| {
        Ok(Response::builder()
            .status(429)
            .header("retry-after", "1")
            .body(body.to_vec())
            .unwrap())
    }
}

#[test]
fn a_429_whose_body_is_not_an_error_envelope_leaves_a_mutation_unknown_and_unsent_again() {
    let bodies: [&'static [u8]; 3] = [
        br#"{"success":true,"message":"Successfully created licenses.","createdLicenses":["K1","K2"]}"#,
        b"<html><body>Too Many Requests</body></html>",
        br#"{"success":false,"code":"rate_li"#,
    ];
    for body in bodies {
        // Scripted answers for every attempt the policy would allow: only one may be used.
        let script = Script::new()
            .then(rate_limited_with(body))
            .then(rate_limited_with(body))
            .then(rate_limited_with(body))
            .then(rate_limited_with(body));
        let (client, slept) = retrying(&script);
        let err = client
            .send(&CreateLicenses::new(app(), spec(), 2))
            .unwrap_err();
        let body = String::from_utf8_lossy(body);
        assert_eq!(script.sent(), 1, "resent after {body}");
        assert!(slept.lock().unwrap().is_empty(), "{body}");
        assert!(matches!(err, Error::Decode(_)), "{body}: {err:?}");
        assert!(err.outcome_unknown(), "{body}");
    }
}

#[test]
fn a_read_answered_429_with_an_unreadable_body_is_still_retried() {
    let script = Script::new()
        .then(rate_limited_with(b"<html>slow down</html>"))
        .json(LEVELS_OK);
    let (client, slept) = retrying(&script);
    assert_eq!(client.send(&GetLicenseLevels::new(app())).unwrap(), ["pro"]);
    assert_eq!(*slept.lock().unwrap(), [Duration::from_secs(1)]);
}

#[test]
fn a_mutation_answered_by_a_5xx_error_envelope_is_unknown_and_says_so() {
    for status in [500, 502, 503, 504] {
        let script =
            Script::new().status_json(status, r#"{"success":false,"message":"upstream failed"}"#);
        let (client, _) = retrying(&script);
        let err = client
            .send(&CreateApplication::new("Desktop Client"))
            .unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        assert!(err.outcome_unknown(), "{status}");
        let text = err.to_string();
        assert!(text.contains("may or may not have been applied"), "{text}");
        assert!(!text.contains("fix the request"), "{text}");
        assert_eq!(script.sent(), 1);
    }
    // A 4xx refusal is a known outcome.
    let script = Script::new().status_json(400, r#"{"success":false,"message":"bad name"}"#);
    let err = script
        .client()
        .send(&CreateApplication::new("Desktop Client"))
        .unwrap_err();
    assert!(!err.outcome_unknown());
}

#[test]
fn bulk_batch_answered_by_a_gateway_error_envelope_is_unknown() {
    fn gateway(status: u16) -> common::Answer {
        Ok(Response::builder()
            .status(status)
            .body(br#"{"success":false,"message":"Service Unavailable"}"#.to_vec())
            .unwrap())
    }
    let failures: [(u16, fn() -> common::Answer); 2] =
        [(502, || gateway(502)), (503, || gateway(503))];
    for (status, failure) in failures {
        let script = bulk_script(2, 2, failure);
        let err = script
            .client()
            .create_licenses_bulk(app(), spec(), 600)
            .unwrap_err();
        assert_eq!(err.created.len(), 256);
        assert_eq!(err.unknown_count(), 256, "{status}");
        assert_eq!(err.remaining, 600 - 256 - 256);
        assert_eq!(script.sent(), 2);
    }
}

#[test]
fn bulk_batch_with_fewer_keys_than_asked_stops_and_is_reported() {
    // A server that creates one key per batch, whatever the count.
    let mut script = Script::new();
    for i in 0..3 {
        script = script.json(&format!(
            r#"{{"success":true,"message":"ok","createdLicenses":["K{i}"]}}"#
        ));
    }
    let err = script
        .client()
        .create_licenses_bulk(app(), spec(), 600)
        .unwrap_err();
    assert_eq!(err.created, ["K0"]);
    assert_eq!(err.unknown_count(), 255);
    assert_eq!(err.remaining, 600 - 256);
    assert!(matches!(
        err.error,
        Error::UnexpectedKeyCount {
            requested: 256,
            returned: 1
        }
    ));
    assert!(err.error.outcome_unknown());
    assert_eq!(script.sent(), 1, "nothing after the short batch");
}

#[test]
fn a_per_call_retry_policy_on_a_client_without_sleeper_is_refused_loudly() {
    let script = Script::new();
    let options = blazeauth_core::RequestOptions::default().retry_policy(RetryPolicy::new());
    let err = script
        .client()
        .send_with(&GetApplications, &options)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config(blazeauth_core::ConfigError::RetriesWithoutSleeper)
        ),
        "{err:?}"
    );
    assert_eq!(script.sent(), 0);
    assert_eq!(script.client().retry_policy(), RetryPolicy::never());
}

#[test]
fn bulk_validates_before_sending() {
    let script = Script::new();
    let err = script
        .client()
        .create_licenses_bulk(
            app(),
            LicenseSpec::new("short", ["p"], LicenseDuration::MIN),
            5,
        )
        .unwrap_err();
    assert!(matches!(err.error, Error::InvalidInput(_)));
    assert_eq!(script.sent(), 0);
    assert!(BulkCreate::new(app(), spec(), 0).is_err());
}

// ---- paging ----

fn page(ids: &[u32], total_pages: u64) -> String {
    let rows: Vec<_> = ids
        .iter()
        .map(|id| serde_json::json!({"id": id.to_string(), "license": format!("KEY-{id}")}))
        .collect();
    serde_json::json!({"success": true, "message": "Successfully fetched licenses table", "data": rows, "totalPages": total_pages}).to_string()
}

fn pages_requested(script: &Script) -> Vec<String> {
    script
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| {
            blazeauth_core::parse_query(r.uri().query().unwrap())
                .unwrap()
                .into_iter()
                .find(|(k, _)| k == "currentPage")
                .unwrap()
                .1
        })
        .collect()
}

#[test]
fn paging_zero_one_and_many_pages() {
    let empty = Script::new().json(&page(&[], 0));
    let rows: Vec<_> = empty
        .client()
        .pages(GetLicensesTable::new(app()))
        .rows()
        .collect();
    assert!(rows.is_empty());
    assert_eq!(empty.sent(), 1);

    let one = Script::new().json(&page(&[1, 2], 1));
    let rows: Vec<_> = one
        .client()
        .pages(GetLicensesTable::new(app()))
        .rows()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows.iter().map(|r| r.license.as_str()).collect::<Vec<_>>(),
        ["KEY-1", "KEY-2"]
    );

    let many = Script::new()
        .json(&page(&[1, 2], 3))
        .json(&page(&[3, 4], 3))
        .json(&page(&[5], 3));
    let rows: Vec<_> = many
        .client()
        .pages(GetLicensesTable::new(app()))
        .rows()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(pages_requested(&many), ["1", "2", "3"]);
}

#[test]
fn paging_follows_a_shrinking_total() {
    let script = Script::new().json(&page(&[1], 4)).json(&page(&[2], 2));
    let rows: Vec<_> = script
        .client()
        .pages(GetLicensesTable::new(app()))
        .rows()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(pages_requested(&script), ["1", "2"]);
}

#[test]
fn paging_stops_a_server_that_repeats_the_same_page() {
    let mut script = Script::new();
    for _ in 0..5 {
        script = script.json(&page(&[1, 2], 1000));
    }
    let results: Vec<_> = script
        .client()
        .pages(GetLicensesTable::new(app()))
        .collect();
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    let err = results[1].as_ref().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Pagination(blazeauth_core::PagerError::RepeatedPage {
                page: 2,
                same_as: 1
            })
        ),
        "{err}"
    );
    assert_eq!(script.sent(), 2);
}

#[test]
fn paging_stops_at_the_page_bound() {
    let mut script = Script::new();
    for i in 0..3 {
        script = script.json(&page(&[i], u64::MAX));
    }
    let pager = blazeauth_core::Pager::new().max_pages(3);
    let results: Vec<_> = script
        .client()
        .pages_with(GetLicensesTable::new(app()), pager)
        .collect();
    assert!(matches!(
        results.last().unwrap(),
        Err(Error::Pagination(
            blazeauth_core::PagerError::TooManyPages { max: 3 }
        ))
    ));
    assert_eq!(script.sent(), 3);
}

#[test]
fn paging_ends_after_an_error() {
    let script = Script::new().json(&page(&[1], 3)).status_json(
        403,
        r#"{"success":false,"code":"application_forbidden","message":"no"}"#,
    );
    let results: Vec<_> = script
        .client()
        .pages(GetLicensesTable::new(app()))
        .rows()
        .collect();
    assert_eq!(results.len(), 2);
    assert!(results[1].is_err());
}

#[test]
fn client_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let script = Script::new().json(LEVELS_OK);
    let client = script.client();
    assert_send_sync(&client);
    let clone = client.clone();
    std::thread::spawn(move || clone.send(&GetLicenseLevels::new(app())).unwrap())
        .join()
        .unwrap();
}
