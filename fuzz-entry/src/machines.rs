//! The state machines under arbitrary answers: one call with its retries
//! ([`call_machine`]), bulk creation with several batches in flight, each
//! batch a real call ([`bulk`]), and the concurrent pager against the
//! sequential one ([`pager`]).
//!
//! The call's oracle is written from the documented rules and reads bodies
//! with serde_json, not with the SDK's decoder:
//! - a mutation is sent again only after "certainly not sent", or after a 429
//!   that carries `Retry-After` and whose body is a JSON object with
//!   `"success": false` (a well-formed refusal);
//! - a read is sent again only after a transport error or a 429/502/503/504;
//! - attempts never exceed the policy's bound and no wait exceeds its cap;
//! - the machine always finishes.

use std::collections::BTreeSet;
use std::hash::Hash;
use std::time::Duration;

use arbitrary::{Result, Unstructured};
use blazeauth_core::api::{BulkCreate, CreateLicenses, GetLicenseLevels, LicenseSpec};
use blazeauth_core::http::Response;
use blazeauth_core::{
    ApplicationId, Call, Config, Endpoint, Error, LicenseDuration, ManagementKey, Page, Pager,
    ParallelPager, RetryClass, RetryPolicy, Step, TableRow, TransportError, TransportErrorKind,
};

use crate::{KEY, pick};

enum Attempt {
    NotSent,
    MaybeSent,
    Answer {
        status: u16,
        retry_after: Option<String>,
        body: Vec<u8>,
    },
}

/// What one attempt meets. A success envelope carries `keys` created keys
/// (tagged with `tag`), or now and then another number of them.
fn attempt(u: &mut Unstructured<'_>, keys: u64, tag: u32) -> Result<Attempt> {
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
                2 => {
                    let n = if u.ratio(7u8, 8)? {
                        keys
                    } else {
                        u.int_in_range(0..=keys + 1)?
                    };
                    let created: Vec<String> = (0..n).map(|i| format!("K{tag}-{i}")).collect();
                    serde_json::json!({
                        "success": true,
                        "message": "ok",
                        "data": ["pro"],
                        "createdLicenses": created,
                    })
                    .to_string()
                    .into_bytes()
                }
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
        Attempt::NotSent => Err(TransportError::not_sent(
            TransportErrorKind::Connect,
            "refused",
        )),
        Attempt::MaybeSent => Err(TransportError::maybe_sent(
            TransportErrorKind::Timeout,
            "timeout",
        )),
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

/// A call's result, with what each of its attempts met.
type Driven<O> = (std::result::Result<O, Error>, Vec<Attempt>);

/// Drives one call of `endpoint` with answers drawn from `u`; returns its
/// result and what each attempt met, after checking the oracle.
fn run<E: Endpoint>(
    u: &mut Unstructured<'_>,
    endpoint: &E,
    keys: u64,
    tag: u32,
) -> Result<Driven<E::Output>> {
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
                    assert!(
                        may_send_again(previous, class),
                        "sent again after a final outcome"
                    );
                }
                let next = attempt(u, keys, tag).unwrap_or(Attempt::NotSent);
                call.record(response(&next), jitter);
                sent.push(next);
            }
            Step::Wait(delay) => {
                assert!(delay <= policy.max_delay(), "wait over the cap");
                waits += 1;
                assert_eq!(waits as usize, sent.len(), "one wait per retry");
            }
            Step::Done(result) => {
                if let Err(error) = &result {
                    // Display never panics, whatever the server sent.
                    let _ = error.to_string();
                }
                return Ok((result, sent));
            }
        }
    }
    panic!("the call did not finish");
}

/// Input: a choice of a mutation or a read, a retry policy, then the answer
/// to each attempt (see the module docs for what is checked).
pub fn call_machine(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mutation = u.arbitrary::<bool>().unwrap_or(true);
    let app = ApplicationId::from(1u64);
    if mutation {
        let spec = LicenseSpec::new("PREMIUM-******", ["pro"], LicenseDuration::MIN);
        let _ = run(&mut u, &CreateLicenses::new(app, spec, 2), 2, 0);
    } else {
        let _ = run(&mut u, &GetLicenseLevels::new(app), 2, 0);
    }
}

/// Input: a total, a concurrency, then for each step which batch in flight
/// answers and the answers to its call's attempts (each batch is a real
/// [`Call`] checked by the same oracle). Checked: a batch is handed out once
/// and none after a failure; no more than the concurrency are in flight; no
/// batch is sent again after an attempt whose outcome is unknown (the call's
/// oracle); the report adds up (created + unknown + remaining = total), lists
/// every batch whose outcome is unknown, and keeps every key returned, in
/// batch order.
pub fn bulk(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = run_bulk(&mut u);
}

fn run_bulk(u: &mut Unstructured<'_>) -> Result<()> {
    let total = u.int_in_range(1u64..=3_000)?;
    let concurrency = u.int_in_range(1u32..=8)?;
    let spec = LicenseSpec::new("PREMIUM-******", ["pro"], LicenseDuration::MIN);
    let Ok(bulk) = BulkCreate::new(ApplicationId::from(1u64), spec, total) else {
        panic!("a valid spec and total are accepted");
    };
    let mut bulk = bulk.concurrency(concurrency);
    let mut in_flight: Vec<blazeauth_core::api::Batch> = Vec::new();
    let mut handed = BTreeSet::new();
    let mut failed = false;
    let mut keys_by_batch = Vec::new();
    let mut seen = BTreeSet::new();
    let mut unknown = Vec::new();
    let mut handed_out = 0u64;
    let mut extra = 0u64;
    let mut gave_up = false;
    loop {
        while let Some(batch) = bulk.next_batch() {
            assert!(!failed, "a batch after a failure");
            assert!(handed.insert(batch.index()), "a batch handed out twice");
            handed_out += batch.request().count();
            in_flight.push(batch);
            assert!(
                in_flight.len() <= concurrency as usize,
                "over the concurrency"
            );
        }
        assert!(
            handed_out <= total,
            "more licenses asked for than the total"
        );
        if in_flight.is_empty() {
            break;
        }
        if u.is_empty() || u.ratio(1u8, 64)? {
            gave_up = true; // the driver stops with batches in flight
            break;
        }
        let batch = in_flight.remove(pick(u, in_flight.len())?);
        let count = batch.request().count();
        let (result, _) = run(u, batch.request(), count, batch.index())?;
        // What the batch left behind, by the documented rules.
        match &result {
            Ok(keys) => {
                // A key already returned (in this batch or an earlier one)
                // is kept once and stands for no license.
                let new: Vec<String> = keys
                    .iter()
                    .filter(|key| seen.insert((*key).clone()))
                    .cloned()
                    .collect();
                let distinct = new.len() as u64;
                extra += distinct.saturating_sub(count);
                keys_by_batch.push((batch.index(), new));
                if distinct != keys.len() as u64 || distinct != count {
                    failed = true;
                }
                if distinct < count {
                    unknown.push((batch.index(), count - distinct));
                }
            }
            Err(error) => {
                failed = true;
                if error.outcome_unknown() {
                    unknown.push((batch.index(), count));
                }
            }
        }
        bulk.record_batch(batch.index(), result);
    }
    if gave_up {
        for batch in &in_flight {
            unknown.push((batch.index(), batch.request().count()));
        }
    }
    keys_by_batch.sort_by_key(|(index, _)| *index);
    unknown.sort_unstable();
    let expected: Vec<String> = keys_by_batch.into_iter().flat_map(|(_, k)| k).collect();
    match bulk.finish() {
        Ok(keys) => {
            assert!(
                !failed && !gave_up,
                "a failed run finished without a report"
            );
            assert_eq!(keys, expected);
            assert_eq!(
                keys.iter().collect::<BTreeSet<_>>().len(),
                keys.len(),
                "a key returned twice was taken as success"
            );
        }
        Err(report) => {
            assert_eq!(report.created, expected, "the report lost keys");
            let listed: Vec<(u32, u64)> = report
                .unknown
                .iter()
                .map(|b| (b.index, u64::from(b.count)))
                .collect();
            assert_eq!(listed, unknown, "the unknown batches");
            // A batch that returned more keys than it asked for adds them
            // to `created` (they exist): the sum is over by exactly those.
            assert_eq!(
                report.created.len() as u64 + report.unknown_count() + report.remaining,
                total + extra,
                "the report does not add up ({} created, {} unknown, {} remaining, {} handed out, {} extra)",
                report.created.len(),
                report.unknown_count(),
                report.remaining,
                handed_out,
                extra
            );
            let _ = report.to_string();
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
struct Row(u8);

impl TableRow for Row {
    fn row_key(&self) -> impl Hash + '_ {
        self.0
    }
}

/// One page's answer: its rows and page count, or a failed call.
#[derive(Debug, Clone)]
enum PageAnswer {
    Page { total: u64, rows: Vec<u8> },
    Failed,
}

fn page_result(table: &[PageAnswer], page: u32) -> std::result::Result<Page<Row>, Error> {
    match table.get((page as usize).wrapping_sub(1)) {
        Some(PageAnswer::Failed) => Err(Error::NotSent(TransportError::not_sent(
            TransportErrorKind::Connect,
            "refused",
        ))),
        Some(PageAnswer::Page { total, rows }) => Ok(Page::new(
            rows.iter().copied().map(Row).collect(),
            page,
            *total,
        )),
        None => Ok(Page::new(Vec::new(), page, 0)),
    }
}

type Walk = Vec<std::result::Result<Vec<u8>, String>>;

fn rows_of(page: Page<Row>) -> Vec<u8> {
    page.rows.into_iter().map(|r| r.0).collect()
}

fn sequential_walk(table: &[PageAnswer], start: u32, max_pages: u32) -> Walk {
    let mut pager = Pager::starting_at(start).max_pages(max_pages);
    let mut walk = Vec::new();
    while let Some(page) = pager.next_page() {
        match page_result(table, page) {
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

/// Input: a table (each page's rows, page count or failure), a start page, a
/// page bound, a window, then the order in which the driver requests pages,
/// delivers answers and takes pages. Checked: the concurrent walk always
/// ends, hands out each page once and none past the bound, keeps at most the
/// window outstanding, and yields exactly the rows and error of a sequential
/// [`Pager`] walk over the same answers. A table that never ends (every page
/// says there are more) is bounded by the page bound.
pub fn pager(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = run_pager(&mut u);
}

fn run_pager(u: &mut Unstructured<'_>) -> Result<()> {
    let pages = u.int_in_range(0usize..=12)?;
    let mut table = Vec::with_capacity(pages);
    for _ in 0..pages {
        table.push(if u.ratio(1u8, 10)? {
            PageAnswer::Failed
        } else {
            let total = u.int_in_range(0u64..=16)?;
            let n = u.int_in_range(0usize..=3)?;
            let mut rows = Vec::with_capacity(n);
            for _ in 0..n {
                rows.push(u.int_in_range(0u8..=7)?);
            }
            PageAnswer::Page { total, rows }
        });
    }
    let start = u.int_in_range(1u32..=3)?;
    let max_pages = u.int_in_range(1u32..=14)?;
    let window = u.int_in_range(1u32..=6)?;
    let expected = sequential_walk(&table, start, max_pages);
    let mut pager =
        ParallelPager::with_pager(Pager::starting_at(start).max_pages(max_pages), window);
    let mut in_flight: Vec<u32> = Vec::new();
    let mut handed = BTreeSet::new();
    let mut walk: Walk = Vec::new();
    // Up to 1,000 scripted steps, then a fair driver (take, else request,
    // else deliver the oldest), which ends any walk within a few dozen steps.
    for step_number in 0..11_000 {
        assert!(pager.outstanding() <= window as usize, "over the window");
        let step = if step_number < 1_000 && !u.is_empty() {
            u.int_in_range(0u8..=3)?
        } else {
            3
        };
        let mut request = |pager: &mut ParallelPager<Page<Row>>, in_flight: &mut Vec<u32>| {
            let page = pager.next_request()?;
            assert!(handed.insert(page), "page {page} handed out twice");
            assert!(
                page >= start && page - start < max_pages,
                "page {page} past the bound"
            );
            in_flight.push(page);
            Some(page)
        };
        match step {
            0 => {
                request(&mut pager, &mut in_flight);
            }
            1 if !in_flight.is_empty() => {
                let page = in_flight.remove(pick(u, in_flight.len())?);
                pager.record(page, page_result(&table, page));
            }
            _ => match pager.next_ready() {
                Some(Ok(page)) => walk.push(Ok(rows_of(page))),
                Some(Err(e)) => walk.push(Err(e.to_string())),
                None => {
                    if request(&mut pager, &mut in_flight).is_none() {
                        if in_flight.is_empty() {
                            assert!(pager.is_drained(), "stuck: nothing in flight or ready");
                            assert_eq!(walk, expected, "not the sequential walk");
                            return Ok(());
                        }
                        let page = in_flight.remove(0);
                        pager.record(page, page_result(&table, page));
                    }
                }
            },
        }
    }
    panic!("the walk did not end in 10,000 fair steps");
}
