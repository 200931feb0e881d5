//! The concurrent flows of `Parallel`, over real HTTP to the served emulator:
//! the export gives the rows of a sequential export in the same order, with
//! the requested number of requests in flight; a reader that stops early
//! stops the workers; a failed page ends the rows with its error; the bulk
//! creation makes every key once and reports a failure exactly; one 429
//! pauses every worker; the worker count is bounded by the connection pool.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use blazeauth_core::api::{self, GetLicensesTable, LicenseSpec};
use blazeauth_core::http::{Request, Response, StatusCode};
use blazeauth_core::{
    ApplicationId, Client, ConfigError, Error, LicenseDuration, RetryPolicy, Transport,
    TransportError,
};
use blazeauth_emulator::{Emulator, Fault, FaultRule, Server};
use blazeauth_ureq::{Parallel, ThreadSleeper, UreqTransport};

const TABLE: &str = "/api/v1/panel/get-licenses-table";
const CREATE: &str = "/api/v1/panel/create-licenses";

/// A transport that counts requests in flight and records when each one
/// started and ended, around the real ureq transport.
#[derive(Clone)]
struct Watched {
    inner: UreqTransport,
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<(Instant, Instant, u16)>>>,
}

impl Watched {
    fn new(inner: UreqTransport) -> Self {
        Self {
            inner,
            now: Arc::default(),
            most: Arc::default(),
            log: Arc::default(),
        }
    }
}

impl Transport for Watched {
    type Error = TransportError;

    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let in_flight = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(in_flight, Ordering::SeqCst);
        let started = Instant::now();
        let result = self.inner.send(request);
        let status = result.as_ref().map_or(0, |r| r.status().as_u16());
        self.log
            .lock()
            .unwrap()
            .push((started, Instant::now(), status));
        self.now.fetch_sub(1, Ordering::SeqCst);
        result
    }

    fn max_parallel_requests(&self) -> Option<usize> {
        self.inner.max_parallel_requests()
    }
}

struct Setup {
    emulator: Emulator,
    _server: Server,
    client: Client<Watched>,
    watched: Watched,
    app: ApplicationId,
}

/// The served emulator with `licenses` licenses in one application, `page`
/// rows a page, and a retrying client with a real sleeper.
fn setup(licenses: u64, page: usize) -> Setup {
    let emulator = Emulator::builder().seed(3).page_size(page).build();
    let app = emulator.create_application("Parallel").unwrap();
    let local = emulator.client();
    local
        .send(&api::CreateLicenseLevels::new(&app, ["pro"]))
        .unwrap();
    if licenses > 0 {
        local.create_licenses_bulk(&app, spec(), licenses).unwrap();
    }
    let server = emulator.serve().unwrap();
    let watched = Watched::new(UreqTransport::new());
    let client = Client::builder(support::served_config(&server), watched.clone())
        .retries(RetryPolicy::default(), ThreadSleeper)
        .build();
    Setup {
        emulator,
        _server: server,
        client,
        watched,
        app,
    }
}

fn spec() -> LicenseSpec {
    LicenseSpec::new(
        "PAR-****-****",
        ["pro"],
        LicenseDuration::from_days(30).unwrap(),
    )
}

fn export(parallel: &Parallel<'_, Watched>, app: &ApplicationId) -> Result<Vec<String>, Error> {
    parallel.rows(GetLicensesTable::new(app), |rows| {
        rows.map(|row| row.map(|r| r.license)).collect()
    })
}

#[test]
fn a_parallel_export_gives_the_rows_of_a_sequential_one_in_order() {
    let s = setup(500, 7);
    let sequential: Vec<String> = s
        .client
        .pages(GetLicensesTable::new(&s.app))
        .rows()
        .map(|r| r.unwrap().license)
        .collect();
    assert_eq!(sequential.len(), 500);
    for workers in [1, 2, 4, 8] {
        let parallel = Parallel::new(&s.client, workers).unwrap();
        let rows = export(&parallel, &s.app).unwrap();
        assert_eq!(rows, sequential, "{workers} workers");
    }
}

#[test]
fn pages_are_fetched_with_the_requested_number_in_flight() {
    let s = setup(200, 10);
    s.emulator
        .inject(FaultRule::new(Fault::Delay(Duration::from_millis(40))).on_path(TABLE));
    for workers in [1, 4] {
        s.watched.most.store(0, Ordering::SeqCst);
        let parallel = Parallel::new(&s.client, workers).unwrap();
        let mut progress = None;
        let count = parallel.rows(GetLicensesTable::new(&s.app), |rows| {
            let mut n = 0;
            for row in rows.by_ref() {
                row.unwrap();
                n += 1;
            }
            progress = Some(rows.progress());
            n
        });
        assert_eq!(count, 200);
        assert_eq!(
            s.watched.most.load(Ordering::SeqCst),
            workers,
            "{workers} workers"
        );
        let progress = progress.unwrap();
        assert_eq!(
            (progress.pages_read, progress.total_pages, progress.rows),
            (20, Some(20), 200)
        );
    }
}

#[test]
fn a_reader_that_stops_early_stops_the_workers() {
    let s = setup(300, 10);
    let before = s.emulator.requests_handled();
    let parallel = Parallel::new(&s.client, 4).unwrap();
    let first: Vec<String> = parallel.rows(GetLicensesTable::new(&s.app), |rows| {
        rows.take(3).map(|r| r.unwrap().license).collect()
    });
    assert_eq!(first.len(), 3);
    let sent = s.emulator.requests_handled() - before;
    // Page 1, then at most the window of pages ahead: not the 30 pages.
    assert!(sent <= 1 + 4, "{sent} pages fetched for 3 rows");
}

#[test]
fn a_failed_page_ends_the_rows_with_its_error_and_nothing_after_it() {
    let s = setup(200, 10);
    let full: Vec<String> = export(&Parallel::new(&s.client, 1).unwrap(), &s.app).unwrap();
    s.emulator.inject(
        FaultRule::new(Fault::Status(StatusCode::FORBIDDEN))
            .on_path(TABLE)
            .after(5)
            .times(1),
    );
    let parallel = Parallel::new(&s.client, 4).unwrap();
    let (rows, error, after) = parallel.rows(GetLicensesTable::new(&s.app), |rows| {
        let mut got = Vec::new();
        let error = loop {
            match rows.next() {
                Some(Ok(row)) => got.push(row.license),
                Some(Err(e)) => break Some(e),
                None => break None,
            }
        };
        (got, error, rows.next().is_none())
    });
    let error = error.expect("the refused page ends the export");
    assert!(
        matches!(&error, Error::Api(e) if e.status() == StatusCode::FORBIDDEN),
        "{error}"
    );
    assert!(after, "nothing after the error");
    assert_eq!(rows.len() % 10, 0, "whole pages only");
    // The 6th request to arrive was refused; which page that was depends on
    // the order the answers came in (any of pages 3 to 9).
    assert!((20..=80).contains(&rows.len()), "{} rows", rows.len());
    assert_eq!(
        rows[..],
        full[..rows.len()],
        "the pages before it, in order"
    );
}

#[test]
fn a_parallel_bulk_creation_makes_every_key_once() {
    let s = setup(0, 10);
    let parallel = Parallel::new(&s.client, 4).unwrap();
    let mut calls = Vec::new();
    let keys = parallel
        .create_licenses_bulk_with_progress(&s.app, spec(), 3_000, |p| calls.push(*p))
        .unwrap();
    assert_eq!(keys.len(), 3_000);
    let mut made: Vec<String> = s
        .emulator
        .licenses(&s.app)
        .into_iter()
        .map(|l| l.license)
        .collect();
    let mut returned = keys.clone();
    made.sort();
    returned.sort();
    returned.dedup();
    assert_eq!(returned, made, "every key once, and every key exists");
    assert_eq!(calls.first().map(|p| p.created), Some(0));
    assert_eq!(
        calls.last().map(|p| (p.created, p.in_flight)),
        Some((3_000, 0))
    );
    assert!(calls.windows(2).all(|w| w[0].created <= w[1].created));
    assert_eq!(s.watched.most.load(Ordering::SeqCst), 4);
}

#[test]
fn a_parallel_bulk_failure_is_reported_exactly_and_nothing_is_resent() {
    let s = setup(0, 10);
    // The 3rd and 4th batches to arrive get a gateway's 502: their outcome
    // is unknown to the SDK (the emulator did not process them).
    s.emulator.inject(
        FaultRule::new(Fault::Status(StatusCode::BAD_GATEWAY))
            .on_path(CREATE)
            .after(2)
            .times(2),
    );
    let before = s.emulator.requests_handled();
    let parallel = Parallel::new(&s.client, 4).unwrap();
    let report = parallel
        .create_licenses_bulk(&s.app, spec(), 10 * 256)
        .unwrap_err();
    let sent = s.emulator.requests_handled() - before;
    assert_eq!(report.unknown.len(), 2, "{report}");
    assert!(report.unknown.iter().all(|b| b.count == 256));
    assert_eq!(report.unknown_count(), 512);
    assert_eq!(
        report.created.len() as u64 + report.unknown_count() + report.remaining,
        2_560
    );
    assert_eq!(
        sent,
        report.created.len() as u64 / 256 + 2,
        "one request per batch: the unknown ones were not resent"
    );
    let made: Vec<String> = s
        .emulator
        .licenses(&s.app)
        .into_iter()
        .map(|l| l.license)
        .collect();
    assert_eq!(
        made.len(),
        report.created.len(),
        "what exists is what the report lists"
    );
    assert!(report.error.outcome_unknown());
}

#[test]
fn one_429_pauses_every_worker_of_the_flow() {
    let s = setup(400, 10);
    s.emulator.inject(
        FaultRule::new(Fault::RateLimited {
            retry_after: Duration::from_secs(1),
        })
        .on_path(TABLE)
        .after(6)
        .times(1),
    );
    s.emulator
        .inject(FaultRule::new(Fault::Delay(Duration::from_millis(20))).on_path(TABLE));
    let parallel = Parallel::new(&s.client, 4).unwrap();
    let rows = export(&parallel, &s.app).unwrap();
    assert_eq!(rows.len(), 400, "the export completes after the pause");
    let log = s.watched.log.lock().unwrap().clone();
    let (_, limited_at, _) = *log
        .iter()
        .find(|(_, _, status)| *status == 429)
        .expect("a 429");
    // Requests already on the wire when the 429 arrived could not be held
    // back; every request started after it waited out `Retry-After`.
    let later: Vec<Duration> = log
        .iter()
        .filter(|(start, _, _)| *start > limited_at + Duration::from_millis(100))
        .map(|(start, _, _)| *start - limited_at)
        .collect();
    assert!(
        later.len() >= 30,
        "the export went on: {} requests after the 429",
        later.len()
    );
    assert!(
        later.iter().all(|wait| *wait >= Duration::from_millis(950)),
        "a worker sent during the pause: {later:?}"
    );
}

#[test]
fn the_worker_count_is_bounded_by_the_connection_pool() {
    let s = setup(0, 10);
    assert!(matches!(
        Parallel::new(&s.client, 0),
        Err(ConfigError::Workers {
            workers: 0,
            limit: 8
        })
    ));
    let error = Parallel::new(&s.client, 9).unwrap_err();
    assert!(error.to_string().contains("from 1 to 8 workers"), "{error}");
    assert_eq!(Parallel::new(&s.client, 8).unwrap().workers(), 8);
    let small = blazeauth_ureq::client_builder(
        blazeauth_core::Config::new(s.emulator.admin_key()),
        UreqTransport::builder()
            .max_idle_connections_per_host(2)
            .build(),
    )
    .build();
    assert!(Parallel::new(&small, 3).is_err());
    assert_eq!(Parallel::new(&small, 2).unwrap().workers(), 2);
    // The in-process emulator has no pool: up to MAX_WORKERS.
    let local = s.emulator.client();
    assert!(Parallel::new(&local, blazeauth_ureq::MAX_WORKERS).is_ok());
    assert!(Parallel::new(&local, blazeauth_ureq::MAX_WORKERS + 1).is_err());
}

// ---- memory: decoded rows held at once (issue 19, item 8) ----

/// Decoded rows alive now, and the most ever alive at once.
static ALIVE: AtomicUsize = AtomicUsize::new(0);
static MOST_ALIVE: AtomicUsize = AtomicUsize::new(0);

/// A licenses-table row that counts itself while it is alive.
#[derive(Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(from = "RowId")]
struct CountedRow(u64);

#[derive(serde::Deserialize)]
struct RowId {
    id: serde_json::Value,
}

impl From<RowId> for CountedRow {
    fn from(row: RowId) -> Self {
        let alive = ALIVE.fetch_add(1, Ordering::SeqCst) + 1;
        MOST_ALIVE.fetch_max(alive, Ordering::SeqCst);
        let id = row.id.as_u64().or_else(|| row.id.as_str()?.parse().ok());
        CountedRow(id.unwrap_or_default())
    }
}

impl Drop for CountedRow {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

impl blazeauth_core::TableRow for CountedRow {
    fn row_key(&self) -> impl std::hash::Hash + '_ {
        self.0
    }
}

/// The licenses table, its rows decoded as [`CountedRow`]s.
#[derive(Debug, Clone)]
struct CountedTable(GetLicensesTable);

use blazeauth_core::PagedEndpoint as _;

impl blazeauth_core::Endpoint for CountedTable {
    type Payload = blazeauth_core::TablePayload<CountedRow>;
    type Output = blazeauth_core::Page<CountedRow>;

    fn method(&self) -> blazeauth_core::http::Method {
        self.0.method()
    }

    fn path(&self) -> &str {
        self.0.path()
    }

    fn scope(&self) -> Option<blazeauth_core::Scope> {
        self.0.scope()
    }

    fn write(
        &self,
        parts: &mut blazeauth_core::RequestParts,
    ) -> Result<(), blazeauth_core::InvalidInput> {
        self.0.write(parts)
    }

    fn output(
        &self,
        _: Option<String>,
        payload: Self::Payload,
    ) -> Result<Self::Output, blazeauth_core::MissingField> {
        Ok(blazeauth_core::Page::new(
            payload.data.ok_or(blazeauth_core::MissingField("data"))?,
            self.0.page_number(),
            payload
                .total_pages
                .ok_or(blazeauth_core::MissingField("totalPages"))?,
        ))
    }
}

impl blazeauth_core::PagedEndpoint for CountedTable {
    fn page_number(&self) -> u32 {
        self.0.page_number()
    }

    fn with_page(&self, page: u32) -> Self {
        Self(self.0.with_page(page))
    }
}

/// A slow reader lets the workers run a full window ahead; the pages ahead
/// are held as answers, not as decoded rows: at most the page being read is
/// decoded (rows decoded on the worker threads would be `workers + 1` pages
/// of rows, allocated on threads other than the one that frees them).
#[test]
fn a_slow_reader_holds_one_decoded_page_however_far_the_workers_run_ahead() {
    const PAGE: usize = 100;
    const PAGES: usize = 30;
    const WORKERS: usize = 8;
    let s = setup((PAGE * PAGES) as u64, PAGE);
    let parallel = Parallel::new(&s.client, WORKERS).unwrap();
    let answered = || s.watched.log.lock().unwrap().len();
    let before = answered();
    MOST_ALIVE.store(ALIVE.load(Ordering::SeqCst), Ordering::SeqCst);
    let (rows, held) = parallel.rows(CountedTable(GetLicensesTable::new(&s.app)), |rows| {
        let (mut n, mut held) = (0usize, 0usize);
        for row in rows {
            drop(row.unwrap());
            n += 1;
            if n % PAGE == 1 {
                // Reading page `read + 1`: wait until the workers have
                // fetched a whole window ahead (or every page).
                let read = n / PAGE;
                let want = PAGES.min(read + WORKERS);
                let deadline = Instant::now() + Duration::from_secs(20);
                while answered() - before < want && Instant::now() < deadline {
                    std::thread::yield_now();
                }
                held = held.max(answered() - before - read);
            }
        }
        (n, held)
    });
    assert_eq!(rows, PAGE * PAGES);
    assert!(
        held >= WORKERS - 1,
        "the workers never ran ahead ({held} pages)"
    );
    assert!(held <= WORKERS + 1, "{held} pages held");
    let most = MOST_ALIVE.load(Ordering::SeqCst);
    assert!(
        most <= PAGE + 1,
        "{most} decoded rows alive at once: more than the page being read"
    );
    assert_eq!(ALIVE.load(Ordering::SeqCst), 0);
}
