//! The concurrent flows' state machines, driven with arbitrary answers,
//! windows and arrival orders:
//!
//! - [`ParallelPager`] hands out exactly the pages, rows and error of a
//!   sequential [`Pager`] walk over the same answers, with at most `window`
//!   pages outstanding, each page requested once, none past the page bound;
//! - [`BulkCreate`] with several batches in flight hands each batch out once,
//!   nothing after a failure, never more than its concurrency, and its report
//!   adds up: every key in batch order, every unknown batch listed, the rest
//!   not created;
//! - one 429 with `Retry-After` pauses every call sharing a [`SharedBackoff`].

use std::collections::BTreeSet;
use std::hash::Hash;

use blazeauth_core::api::{BulkCreate, LicenseSpec, UnknownBatch};
use blazeauth_core::{
    ApplicationId, Error, LicenseDuration, Page, Pager, ParallelPager, RetryClass, TablePage,
    TableRow, TransportError, TransportErrorKind,
};
use proptest::prelude::*;

mod common;

#[derive(Debug, Clone, PartialEq)]
struct Row(u8);

impl TableRow for Row {
    fn row_key(&self) -> impl Hash + '_ {
        self.0
    }
}

/// What the server answers for one page number.
#[derive(Debug, Clone)]
enum Answer {
    Page { total: u64, rows: Vec<u8> },
    Failed,
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        8 => (0u64..12, proptest::collection::vec(0u8..6, 0..4))
            .prop_map(|(total, rows)| Answer::Page { total, rows }),
        1 => Just(Answer::Failed),
    ]
}

fn result(table: &[Answer], page: u32) -> Result<Page<Row>, Error> {
    match table.get(page as usize - 1) {
        Some(Answer::Failed) => Err(Error::NotSent(TransportError::not_sent(
            TransportErrorKind::Connect,
            format!("page {page} failed"),
        ))),
        Some(Answer::Page { total, rows }) => Ok(Page::new(
            rows.iter().copied().map(Row).collect(),
            page,
            *total,
        )),
        None => Ok(Page::new(Vec::new(), page, 0)),
    }
}

/// What a walk hands out: the rows of each page, or the error that ended it.
type Walk = Vec<Result<Vec<u8>, String>>;

fn rows_of(page: Page<Row>) -> Vec<u8> {
    page.into_rows().into_iter().map(|r| r.0).collect()
}

/// The sequential walk, as `Client::pages` does it.
fn sequential(table: &[Answer], start: u32, max_pages: u32) -> Walk {
    let mut pager = Pager::starting_at(start).max_pages(max_pages);
    let mut walk = Vec::new();
    while let Some(page) = pager.next_page() {
        match result(table, page) {
            Ok(read) => match pager.record_page(&read) {
                Ok(true) => walk.push(Ok(rows_of(read))),
                Ok(false) => break,
                Err(e) => {
                    walk.push(Err(Error::from(e).to_string()));
                    break;
                }
            },
            Err(e) => {
                walk.push(Err(e.to_string()));
                break;
            }
        }
    }
    walk
}

/// One step of the concurrent driver: hand out a request, deliver one of the
/// answers in flight, or take a ready page.
#[derive(Debug, Clone, Copy)]
enum Move {
    Request,
    Deliver(usize),
    Take,
}

fn moves() -> impl Strategy<Value = Vec<Move>> {
    proptest::collection::vec(
        prop_oneof![
            Just(Move::Request),
            any::<usize>().prop_map(Move::Deliver),
            Just(Move::Take),
        ],
        0..200,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn a_parallel_walk_gives_the_sequential_walk(
        table in proptest::collection::vec(answer(), 0..10),
        start in 1u32..3,
        max_pages in 1u32..10,
        window in 1u32..6,
        script in moves(),
    ) {
        let expected = sequential(&table, start, max_pages);
        let mut pager = ParallelPager::with_pager(Pager::starting_at(start).max_pages(max_pages), window);
        let mut in_flight: Vec<u32> = Vec::new();
        let mut handed: BTreeSet<u32> = BTreeSet::new();
        let mut walk: Walk = Vec::new();
        let take = |pager: &mut ParallelPager<Page<Row>>, walk: &mut Walk| -> bool {
            match pager.next_ready() {
                Some(Ok(page)) => { walk.push(Ok(rows_of(page))); true }
                Some(Err(e)) => { walk.push(Err(e.to_string())); true }
                None => false,
            }
        };
        // The scripted moves first, then a fair finish: everything delivered
        // in order of request, everything taken.
        let mut steps = script.into_iter().chain(std::iter::repeat(Move::Take)).take(10_000);
        loop {
            prop_assert!(pager.outstanding() <= window as usize, "more than the window outstanding");
            let step = steps.next().unwrap_or(Move::Take);
            match step {
                Move::Request => {
                    if let Some(page) = pager.next_request() {
                        prop_assert!(handed.insert(page), "page {} handed out twice", page);
                        prop_assert!(page >= start && page - start < max_pages, "page {} past the bound", page);
                        in_flight.push(page);
                    }
                }
                Move::Deliver(i) if !in_flight.is_empty() => {
                    let page = in_flight.remove(i % in_flight.len());
                    pager.record(page, result(&table, page));
                }
                Move::Deliver(_) | Move::Take => {
                    if !take(&mut pager, &mut walk) {
                        // Nothing ready: make progress the way a driver would.
                        if let Some(page) = pager.next_request() {
                            prop_assert!(handed.insert(page), "page {} handed out twice", page);
                            in_flight.push(page);
                        } else if !in_flight.is_empty() {
                            let page = in_flight.remove(0);
                            pager.record(page, result(&table, page));
                        } else {
                            prop_assert!(pager.is_drained(), "stuck: nothing in flight, nothing ready, not over");
                            break;
                        }
                    }
                }
            }
        }
        prop_assert_eq!(walk, expected);
        prop_assert_eq!(pager.in_flight(), 0);
    }
}

#[test]
fn the_window_holds_requests_back_until_pages_are_taken() {
    let table: Vec<Answer> = (0..10)
        .map(|i| Answer::Page {
            total: 10,
            rows: vec![i],
        })
        .collect();
    let mut pager = ParallelPager::new(1, 3);
    assert_eq!(pager.next_request(), Some(1));
    assert_eq!(
        pager.next_request(),
        None,
        "alone until the page count is known"
    );
    pager.record(1, result(&table, 1));
    assert_eq!(
        (pager.next_request(), pager.next_request()),
        (Some(2), Some(3))
    );
    assert_eq!(
        pager.next_request(),
        None,
        "page 1 is ready and not taken: the window is full"
    );
    pager.record(3, result(&table, 3));
    pager.record(2, result(&table, 2));
    assert_eq!(pager.next_request(), None);
    assert!(pager.next_ready().is_some());
    assert_eq!(pager.next_request(), Some(4));
    assert_eq!(pager.progress().pages_read, 1);
    // Stopping discards the rest.
    pager.stop();
    assert!(pager.next_request().is_none());
    assert!(pager.is_finished());
}

#[test]
fn a_table_that_shrinks_ends_the_walk_and_discards_pages_past_its_end() {
    // Page 1 says 5 pages; page 2 says 2: pages 3..5, already requested, are
    // not rows.
    let mut pager = ParallelPager::new(1, 8);
    assert_eq!(pager.next_request(), Some(1));
    pager.record(1, Ok(Page::new(vec![Row(1)], 1, 5)));
    let out: Vec<u32> = std::iter::from_fn(|| pager.next_request()).collect();
    assert_eq!(out, [2, 3, 4, 5]);
    for page in [5, 4, 3] {
        pager.record(page, Ok(Page::new(vec![Row(page as u8)], page, 5)));
    }
    pager.record(2, Ok(Page::new(vec![Row(2)], 2, 2)));
    let rows: Vec<u8> = std::iter::from_fn(|| pager.next_ready())
        .flat_map(|p| rows_of(p.unwrap()))
        .collect();
    assert_eq!(rows, [1, 2]);
    assert!(pager.is_drained());
}

#[test]
fn a_repeated_page_is_an_error_in_page_order() {
    let mut pager = ParallelPager::new(1, 4);
    pager.next_request();
    pager.record(1, Ok(Page::new(vec![Row(7)], 1, 4)));
    let _: Vec<u32> = std::iter::from_fn(|| pager.next_request()).collect();
    pager.record(3, Ok(Page::new(vec![Row(9)], 3, 4)));
    pager.record(2, Ok(Page::new(vec![Row(7)], 2, 4)));
    assert!(pager.next_ready().unwrap().is_ok());
    let error = pager.next_ready().unwrap().unwrap_err();
    assert!(
        error
            .to_string()
            .contains("page 2 returned the same rows as page 1"),
        "{error}"
    );
    assert!(
        pager.next_ready().is_none(),
        "nothing after the error, not even page 3"
    );
}

// ---- bulk creation with several batches in flight ----

#[derive(Debug, Clone, Copy)]
enum BatchResult {
    Full,
    Short(u32),
    /// Full, but this many of its keys repeat batch 0's first key.
    Repeats(u32),
    Refused,
    Unknown,
}

fn batch_result() -> impl Strategy<Value = BatchResult> {
    prop_oneof![
        8 => Just(BatchResult::Full),
        1 => (1u32..=256).prop_map(BatchResult::Short),
        1 => (1u32..=256).prop_map(BatchResult::Repeats),
        1 => Just(BatchResult::Refused),
        1 => Just(BatchResult::Unknown),
    ]
}

fn spec() -> LicenseSpec {
    LicenseSpec::new(
        "PREMIUM-******",
        ["pro"],
        LicenseDuration::from_days(1).unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn concurrent_bulk_reports_add_up(
        total in 1u64..3_000,
        concurrency in 1u32..6,
        results in proptest::collection::vec(batch_result(), 12),
        order in proptest::collection::vec(any::<usize>(), 0..40),
        give_up in proptest::option::of(0usize..30),
    ) {
        let mut bulk = BulkCreate::new(ApplicationId::new("1").unwrap(), spec(), total)
            .unwrap()
            .concurrency(concurrency);
        let mut in_flight: Vec<(u32, u64)> = Vec::new();
        let mut indices = BTreeSet::new();
        let mut failed_at: Option<usize> = None;
        let mut recorded = 0usize;
        // What the report must say, batch by batch.
        let mut keys_by_batch: Vec<(u32, Vec<String>)> = Vec::new();
        let mut seen = BTreeSet::new();
        let mut unknown: Vec<UnknownBatch> = Vec::new();
        let mut order = order.into_iter();
        let mut steps = 0usize;
        loop {
            while let Some(batch) = bulk.next_batch() {
                prop_assert!(failed_at.is_none(), "a batch after a failure");
                prop_assert!(indices.insert(batch.index()), "batch handed out twice");
                in_flight.push((batch.index(), batch.request().count()));
                prop_assert!(in_flight.len() <= concurrency as usize);
            }
            if in_flight.is_empty() || give_up == Some(steps) {
                break;
            }
            steps += 1;
            let (index, count) = in_flight.remove(order.next().unwrap_or(0) % in_flight.len());
            let keys = |n: u64| (0..n).map(|i| format!("{index}-{i}")).collect::<Vec<_>>();
            let result = match results[index as usize % results.len()] {
                BatchResult::Full => Ok(keys(count)),
                BatchResult::Short(fewer) => Ok(keys(count.saturating_sub(u64::from(fewer)))),
                BatchResult::Repeats(n) => {
                    let mut k = keys(count);
                    let from = k.len().saturating_sub(n as usize);
                    for key in &mut k[from..] {
                        *key = "0-0".to_owned();
                    }
                    Ok(k)
                }
                BatchResult::Refused => Err(Error::Config(blazeauth_core::ConfigError::UserAgent)),
                BatchResult::Unknown => Err(Error::MaybeSent {
                    source: TransportError::maybe_sent(TransportErrorKind::Timeout, "timed out"),
                    class: RetryClass::Mutation,
                }),
            };
            match &result {
                Ok(k) => {
                    // A key seen before (in this batch or an earlier one) is
                    // kept once and stands for no license.
                    let new: Vec<String> =
                        k.iter().filter(|key| seen.insert((*key).clone())).cloned().collect();
                    if new.len() != k.len() || new.len() as u64 != count {
                        failed_at.get_or_insert(recorded);
                    }
                    if (new.len() as u64) < count {
                        unknown.push(UnknownBatch::new(index, (count - new.len() as u64) as u32));
                    }
                    keys_by_batch.push((index, new));
                }
                Err(e) => {
                    failed_at.get_or_insert(recorded);
                    if e.outcome_unknown() {
                        unknown.push(UnknownBatch::new(index, count as u32));
                    }
                }
            }
            bulk.record_batch(index, result);
            bulk.record_batch(index, Ok(vec!["again".into()])); // a second result is ignored
            recorded += 1;
        }
        for &(index, count) in &in_flight {
            unknown.push(UnknownBatch::new(index, count as u32)); // given up with these in flight
        }
        keys_by_batch.sort_by_key(|(index, _)| *index);
        unknown.sort_by_key(|b| b.index);
        let expected_keys: Vec<String> = keys_by_batch.into_iter().flat_map(|(_, k)| k).collect();
        match bulk.finish() {
            Ok(keys) => {
                prop_assert!(failed_at.is_none() && in_flight.is_empty());
                prop_assert_eq!(keys.len() as u64, total);
                prop_assert_eq!(keys.iter().collect::<BTreeSet<_>>().len() as u64, total, "no key twice");
                prop_assert_eq!(keys, expected_keys);
            }
            Err(report) => {
                prop_assert_eq!(&report.created, &expected_keys);
                prop_assert_eq!(&report.unknown, &unknown);
                prop_assert_eq!(
                    report.created.len() as u64 + report.unknown_count() + report.remaining,
                    total
                );
            }
        }
    }
}

// ---- one backoff for a flow ----

fn rate_limited(retry_after: &'static str) -> common::Answer {
    Ok(blazeauth_core::http::Response::builder()
        .status(429)
        .header("retry-after", retry_after)
        .body(br#"{"success":false,"code":"rate_limited","message":"slow down"}"#.to_vec())
        .unwrap())
}

#[test]
fn a_call_reports_the_429s_retry_after_capped_by_the_policy() {
    use blazeauth_core::api::GetApplications;
    use blazeauth_core::{Call, RetryPolicy, Step};
    use std::time::Duration;

    let config = common::config();
    let policy = RetryPolicy::new().max_retry_after(Duration::from_secs(30));
    let cases: [(common::Answer, Option<Duration>); 5] = [
        (rate_limited("2"), Some(Duration::from_secs(2))),
        (rate_limited("30"), Some(Duration::from_secs(30))),
        // Over the limit: the call ends with the 429, and no flow pauses for it.
        (rate_limited("86400"), None),
        (
            Ok(blazeauth_core::http::Response::builder()
                .status(503)
                .header("retry-after", "2")
                .body(Vec::new())
                .unwrap()),
            None,
        ),
        (
            Ok(blazeauth_core::http::Response::new(
                br#"{"success":true,"message":"ok","data":[]}"#.to_vec(),
            )),
            None,
        ),
    ];
    for (answer, expected) in cases {
        let mut call = Call::new(&config, &GetApplications, policy);
        let Step::Send(_) = call.poll() else {
            panic!("a request first")
        };
        call.record(answer, 0.5);
        assert_eq!(call.rate_limit(), expected);
    }
}

#[test]
fn a_429_pauses_every_call_sharing_the_backoff() {
    use blazeauth_core::api::GetApplications;
    use blazeauth_core::{Client, RequestOptions, RetryPolicy, SharedBackoff};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    const OK: &str = r#"{"success":true,"message":"ok","data":[]}"#;
    let run = |shared: bool| {
        let script = common::Script::new()
            .then(|_| rate_limited("3"))
            .json(OK)
            .json(OK);
        let slept = Arc::new(Mutex::new(Vec::new()));
        let recorder = Arc::clone(&slept);
        let client = Client::builder(common::config(), script.transport())
            .retries(RetryPolicy::new(), move |d: Duration| {
                recorder.lock().unwrap().push(d)
            })
            .build();
        let backoff = SharedBackoff::new();
        let options = if shared {
            RequestOptions::default().shared_backoff(backoff.clone())
        } else {
            RequestOptions::default()
        };
        client.send_with(&GetApplications, &options).unwrap();
        slept.lock().unwrap().clear();
        // Another worker of the same flow, starting after the 429:
        client.send_with(&GetApplications, &options).unwrap();
        let waits = slept.lock().unwrap().clone();
        (waits, backoff.remaining())
    };
    let (waits, remaining) = run(true);
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!(
        waits[0] > Duration::from_millis(2_500) && waits[0] <= Duration::from_secs(3),
        "{waits:?}"
    );
    assert!(remaining.is_some(), "the pause is the flow's");
    let (waits, remaining) = run(false);
    assert!(
        waits.is_empty(),
        "without a shared backoff, no pause: {waits:?}"
    );
    assert_eq!(remaining, None);
}

/// Found by the `bulk` fuzz target: a batch that returned one key too many
/// made `remaining` (derived from the total) one short of the refused batch.
#[test]
fn extra_keys_do_not_shrink_what_remains() {
    let mut bulk = BulkCreate::new(ApplicationId::new("1").unwrap(), spec(), 258)
        .unwrap()
        .concurrency(2);
    let (first, second) = (bulk.next_batch().unwrap(), bulk.next_batch().unwrap());
    assert_eq!(
        (first.request().count(), second.request().count()),
        (256, 2)
    );
    bulk.record_batch(
        first.index(),
        Err(Error::Config(blazeauth_core::ConfigError::UserAgent)),
    );
    bulk.record_batch(second.index(), Ok(vec!["A".into(), "B".into(), "C".into()]));
    let report = bulk.finish().unwrap_err();
    assert_eq!(
        (
            report.created.len(),
            report.unknown_count(),
            report.remaining
        ),
        (3, 0, 256)
    );
}

// ---- keys that repeat (issue 19, item 5) ----

/// A server that answers every batch with keys it already returned: 1,000
/// asked, 256 distinct keys. Sequentially: the second batch is the
/// contradiction, its licenses unknown, nothing more is sent.
#[test]
fn repeated_keys_across_batches_are_a_contradiction_not_success() {
    use blazeauth_core::Client;
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&sent);
    let client = Client::new(
        common::config(),
        move |request: blazeauth_core::http::Request<Vec<u8>>| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let asked: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
            let n = asked["count"].as_u64().unwrap();
            let keys: Vec<String> = (0..n).map(|i| format!("SAME-{i}")).collect();
            let body =
                serde_json::json!({"success": true, "message": "ok", "createdLicenses": keys});
            Ok::<_, std::convert::Infallible>(blazeauth_core::http::Response::new(
                serde_json::to_vec(&body).unwrap(),
            ))
        },
    );
    let report = client
        .create_licenses_bulk(ApplicationId::new("1").unwrap(), spec(), 1_000)
        .unwrap_err();
    assert_eq!(
        sent.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "stops at the contradiction"
    );
    assert_eq!(report.created.len(), 256);
    assert_eq!(report.unknown, [UnknownBatch::new(1, 256)]);
    assert_eq!(report.remaining, 1_000 - 512);
    assert!(
        matches!(
            report.error,
            Error::RepeatedKeys {
                requested: 256,
                returned: 256,
                repeated: 256
            }
        ),
        "{:?}",
        report.error
    );
    assert!(report.error.outcome_unknown());
    assert!(report.to_string().contains("repeated"), "{report}");
}

#[test]
fn keys_repeated_within_one_batch_count_once() {
    let mut bulk = BulkCreate::new(ApplicationId::new("1").unwrap(), spec(), 4).unwrap();
    let request = bulk.next_request().unwrap();
    assert_eq!(request.count(), 4);
    bulk.record(Ok(vec!["A".into(), "B".into(), "A".into(), "C".into()]));
    let report = bulk.finish().unwrap_err();
    assert_eq!(report.created, ["A", "B", "C"]);
    assert_eq!(report.unknown, [UnknownBatch::new(0, 1)]);
    assert_eq!(report.remaining, 0);
    assert!(matches!(
        report.error,
        Error::RepeatedKeys { repeated: 1, .. }
    ));
}

/// A batch with the right count but a repeat, and extra keys: each
/// contradiction is reported, the report still adds up.
#[test]
fn repeats_with_extra_keys_still_add_up() {
    let mut bulk = BulkCreate::new(ApplicationId::new("1").unwrap(), spec(), 3).unwrap();
    bulk.next_request().unwrap();
    bulk.record(Ok(vec!["A".into(), "A".into(), "B".into(), "C".into()]));
    let report = bulk.finish().unwrap_err();
    assert_eq!(
        (
            report.created.len(),
            report.unknown_count(),
            report.remaining
        ),
        (3, 0, 0)
    );
    assert!(matches!(
        report.error,
        Error::RepeatedKeys {
            requested: 3,
            returned: 4,
            repeated: 1
        }
    ));
}

// ---- a transport that panics (issue 19, item 4) ----

/// The sequential bulk creation contains the panic of its transport: the
/// report survives, the batch is unknown, nothing more is sent.
#[test]
fn a_panicking_transport_ends_a_sequential_bulk_creation_with_its_report() {
    use blazeauth_core::Client;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let sent = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&sent);
    let client = Client::new(
        common::config(),
        move |request: blazeauth_core::http::Request<Vec<u8>>| {
            if counter.fetch_add(1, Ordering::SeqCst) == 2 {
                panic!("the transport of a user has a bug");
            }
            let asked: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
            let n = asked["count"].as_u64().unwrap();
            let batch = counter.load(Ordering::SeqCst);
            let keys: Vec<String> = (0..n).map(|i| format!("K{batch}-{i}")).collect();
            let body =
                serde_json::json!({"success": true, "message": "ok", "createdLicenses": keys});
            Ok::<_, std::convert::Infallible>(blazeauth_core::http::Response::new(
                serde_json::to_vec(&body).unwrap(),
            ))
        },
    );
    let report = quiet_panics(|| {
        client.create_licenses_bulk(ApplicationId::new("1").unwrap(), spec(), 2_000)
    })
    .unwrap_err();
    assert_eq!(sent.load(Ordering::SeqCst), 3, "nothing after the panic");
    assert_eq!(report.created.len(), 512);
    assert_eq!(report.unknown, [UnknownBatch::new(2, 256)]);
    assert_eq!(report.remaining, 2_000 - 768);
    let Error::MaybeSent { source, .. } = &report.error else {
        panic!("{:?}", report.error)
    };
    assert_eq!(source.kind(), TransportErrorKind::Panicked);
    assert!(report.error.outcome_unknown());
}

#[test]
fn a_stopped_bulk_creation_hands_out_nothing_and_reports_the_rest_as_not_created() {
    let mut bulk = BulkCreate::new(ApplicationId::new("1").unwrap(), spec(), 600)
        .unwrap()
        .concurrency(2);
    let first = bulk.next_batch().unwrap();
    bulk.stop();
    assert!(bulk.next_batch().is_none());
    assert!(!bulk.is_finished(), "a batch is in flight");
    bulk.record_batch(first.index(), Ok((0..256).map(|i| i.to_string()).collect()));
    assert!(bulk.is_finished());
    let report = bulk.finish().unwrap_err();
    assert_eq!(
        (
            report.created.len(),
            report.unknown_count(),
            report.remaining
        ),
        (256, 0, 344)
    );
    assert!(matches!(report.error, Error::NotSent(_)));
}

/// Runs `f` with the panic hook silenced (the panics are the test's own).
fn quiet_panics<R>(f: impl FnOnce() -> R) -> R {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = f();
    std::panic::set_hook(hook);
    result
}
