//! Whole flows against a hostile server on 127.0.0.1 and a panicking
//! transport (issue 19, items 4–6): a panic in a worker keeps the bulk
//! report and stops new batches; keys that repeat are a contradiction, never
//! success; a 429 whose `Retry-After` is over the limit ends a concurrent
//! flow at once, as it ends a sequential one, without pausing the others.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use blazeauth_core::api::{GetLicensesTable, LicenseSpec};
use blazeauth_core::http::{Request, Response};
use blazeauth_core::{
    ApplicationId, Client, Error, LicenseDuration, RequestOptions, RetryPolicy, SharedBackoff,
    Transport, TransportError, TransportErrorKind,
};
use blazeauth_ureq::{Parallel, UreqTransport};
use support::{Recorded, RecordingSleeper, Reply, TestServer};

fn spec() -> LicenseSpec {
    LicenseSpec::new(
        "HOST-****-****",
        ["pro"],
        LicenseDuration::from_days(30).unwrap(),
    )
}

fn app() -> ApplicationId {
    ApplicationId::new("42").unwrap()
}

/// The count a create-licenses request asks for.
fn asked(request: &Recorded) -> u64 {
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    body["count"].as_u64().unwrap()
}

/// A create-licenses answer with these keys.
fn created(keys: &[String]) -> Reply {
    let body = serde_json::json!({"success": true, "message": "ok", "createdLicenses": keys});
    Reply::json(&body.to_string())
}

/// A server that creates `count` distinct keys for every request (request
/// `n`'s keys are `K<n>-<i>`).
fn honest_server() -> TestServer {
    TestServer::start(|request, n| {
        let keys: Vec<String> = (0..asked(request)).map(|i| format!("K{n}-{i}")).collect();
        created(&keys)
    })
}

/// The real ureq transport, panicking on request number `panic_at` (0-based).
#[derive(Clone)]
struct PanicsOnce {
    inner: UreqTransport,
    sent: Arc<AtomicUsize>,
    panic_at: usize,
}

impl Transport for PanicsOnce {
    type Error = TransportError;

    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        if self.sent.fetch_add(1, Ordering::SeqCst) == self.panic_at {
            panic!("a bug in the user's transport");
        }
        self.inner.send(request)
    }

    fn max_parallel_requests(&self) -> Option<usize> {
        self.inner.max_parallel_requests()
    }
}

/// Runs `f` with the panic hook silenced (the panics are the test's own).
fn quiet_panics<R>(f: impl FnOnce() -> R) -> R {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

// ---- item 4: a panicking transport in a concurrent bulk creation ----

#[test]
fn a_panicking_transport_stops_a_parallel_bulk_creation_and_keeps_its_report() {
    const TOTAL: u64 = 10_000; // 40 batches
    const WORKERS: usize = 4;
    const PANIC_AT: usize = 4;
    let server = honest_server();
    let transport = PanicsOnce {
        inner: UreqTransport::new(),
        sent: Arc::default(),
        panic_at: PANIC_AT,
    };
    let client = Client::new(server.config(), transport.clone());
    let parallel = Parallel::new(&client, WORKERS).unwrap();
    let report = quiet_panics(|| parallel.create_licenses_bulk(app(), spec(), TOTAL))
        .expect_err("a panic is a failure, with its report");

    // The panicking batch is unknown, with the panic as the error.
    let Error::MaybeSent { source, .. } = &report.error else {
        panic!("the panic is the first failure: {:?}", report.error)
    };
    assert_eq!(source.kind(), TransportErrorKind::Panicked);
    assert!(report.error.outcome_unknown());
    assert_eq!(report.unknown.len(), 1, "{:?}", report.unknown);
    assert_eq!(report.unknown[0].count, 256);

    // No new batch after the panic: only those already in flight (at most
    // one per other worker) were sent after it.
    let sent = transport.sent.load(Ordering::SeqCst);
    assert!(
        sent <= PANIC_AT + WORKERS,
        "{sent} batches sent: new batches were handed out after the panic"
    );
    // The report is exact: every batch the server answered is in `created`,
    // the panicking one is unknown, the rest was never asked for.
    let answered = server.requests().len();
    assert_eq!(
        answered,
        sent - 1,
        "the panicking batch never reached the server"
    );
    assert_eq!(report.created.len(), answered * 256);
    let distinct: BTreeSet<&String> = report.created.iter().collect();
    assert_eq!(distinct.len(), report.created.len());
    assert_eq!(
        report.created.len() as u64 + report.unknown_count() + report.remaining,
        TOTAL
    );
}

#[test]
fn a_panicking_progress_callback_stops_new_batches() {
    const WORKERS: usize = 4;
    let server = honest_server();
    let client = Client::new(server.config(), UreqTransport::new());
    let parallel = Parallel::new(&client, WORKERS).unwrap();
    let calls = AtomicUsize::new(0);
    let outcome = quiet_panics(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            parallel.create_licenses_bulk_with_progress(app(), spec(), 10_000, |_| {
                if calls.fetch_add(1, Ordering::SeqCst) == 2 {
                    panic!("the caller's progress bar has a bug");
                }
            })
        }))
    });
    assert!(outcome.is_err(), "the caller's own panic goes on");
    // The callback ran on the third report (after at least one batch): the
    // batches in flight then finished, nothing more was handed out.
    let sent = server.requests().len();
    assert!(
        sent <= 2 * WORKERS + 1,
        "{sent} of 40 batches sent after the caller panicked"
    );
}

// ---- item 5: keys that repeat ----

/// Every batch answers with the same keys (`SAME-0` …): 1,000 asked, 256
/// distinct keys.
fn repeating_server() -> TestServer {
    TestServer::start(|request, _| {
        let keys: Vec<String> = (0..asked(request)).map(|i| format!("SAME-{i}")).collect();
        created(&keys)
    })
}

fn assert_repeats_reported(report: &blazeauth_core::api::BulkCreateError, total: u64) {
    assert!(
        matches!(report.error, Error::RepeatedKeys { .. }),
        "{:?}",
        report.error
    );
    assert!(report.error.outcome_unknown());
    let distinct: BTreeSet<&String> = report.created.iter().collect();
    assert_eq!(distinct.len(), report.created.len(), "a key listed twice");
    assert_eq!(report.created.len(), 256, "only 256 distinct keys exist");
    assert!(report.unknown_count() >= 256, "{:?}", report.unknown);
    assert_eq!(
        report.created.len() as u64 + report.unknown_count() + report.remaining,
        total
    );
}

#[test]
fn repeated_keys_are_not_success_sequentially() {
    let server = repeating_server();
    let client = Client::new(server.config(), UreqTransport::new());
    let report = client
        .create_licenses_bulk(app(), spec(), 1_000)
        .expect_err("1,000 asked, 256 distinct keys returned");
    assert_repeats_reported(&report, 1_000);
    assert_eq!(server.requests().len(), 2, "stopped at the first repeat");
}

#[test]
fn repeated_keys_are_not_success_concurrently() {
    let server = repeating_server();
    let client = Client::new(server.config(), UreqTransport::new());
    let parallel = Parallel::new(&client, 4).unwrap();
    let report = parallel
        .create_licenses_bulk(app(), spec(), 1_000)
        .expect_err("1,000 asked, 256 distinct keys returned");
    assert_repeats_reported(&report, 1_000);
}

// ---- item 6: a 429 over the limit ends a concurrent flow at once ----

/// Page 1 says the table has 20 pages; every other page answers 429 with
/// `Retry-After: 3600` (over the default limit of 60 s).
fn stalling_server() -> TestServer {
    TestServer::start(|request, _| {
        if request.target.contains("currentPage=1&") || request.target.ends_with("currentPage=1") {
            let rows: Vec<serde_json::Value> = (0..5)
                .map(|i| serde_json::json!({"id": i + 1, "license": format!("L-{i}")}))
                .collect();
            let body = serde_json::json!({"success": true, "message": "ok", "data": rows, "totalPages": 20});
            Reply::json(&body.to_string())
        } else {
            Reply::Respond {
                status: 429,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("retry-after".into(), "3600".into()),
                ],
                body: br#"{"success":false,"code":"rate_limited","message":"slow down"}"#.to_vec(),
            }
        }
    })
}

/// The decision itself: a refusal over the limit sets no shared pause.
#[test]
fn a_429_over_the_limit_sets_no_shared_pause() {
    let server = stalling_server();
    let sleeper = RecordingSleeper::default();
    let client = Client::builder(server.config(), UreqTransport::new())
        .retries(RetryPolicy::default(), sleeper.clone())
        .build();
    let backoff = SharedBackoff::new();
    let options = RequestOptions::default().shared_backoff(backoff.clone());
    let error = client
        .send_with(&GetLicensesTable::new(app()).page(2), &options)
        .unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(backoff.remaining(), None, "the flow is not paused for it");
    assert!(sleeper.delays().is_empty(), "{:?}", sleeper.delays());
}

/// The flow: the export ends with the 429 and no worker waits for it.
#[test]
fn a_429_over_the_limit_ends_a_parallel_export_without_pausing_it() {
    let server = stalling_server();
    let sleeper = RecordingSleeper::default();
    let client = Client::builder(server.config(), UreqTransport::new())
        .retries(RetryPolicy::default(), sleeper.clone())
        .build();
    let sequential: Vec<Result<_, Error>> =
        client.pages(GetLicensesTable::new(app())).rows().collect();
    let parallel = Parallel::new(&client, 4).unwrap();
    let rows: Vec<Result<_, Error>> =
        parallel.rows(GetLicensesTable::new(app()), |rows| rows.collect());
    for (name, rows) in [("sequential", &sequential), ("parallel", &rows)] {
        assert_eq!(rows.len(), 6, "{name}: page 1's rows, then the error");
        let error = rows[5].as_ref().unwrap_err();
        assert_eq!(
            error.retry_after(),
            Some(Duration::from_secs(3600)),
            "{name}: {error}"
        );
    }
    let long = sleeper
        .delays()
        .into_iter()
        .filter(|d| *d >= Duration::from_secs(1))
        .collect::<Vec<_>>();
    assert!(long.is_empty(), "workers paused for the refusal: {long:?}");
}
