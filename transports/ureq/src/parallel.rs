//! Whole flows with several requests in flight: [`Parallel`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use blazeauth_core::api::{BulkCreate, BulkCreateError, BulkProgress, LicenseSpec};
use blazeauth_core::{
    ApplicationId, Client, Config, ConfigError, Deferred, DeferredAnswer, Error, PagedEndpoint,
    Pager, ParallelPager, RequestOptions, RowOf, SharedBackoff, TablePage, TableProgress,
    Transport,
};

/// The most workers a flow runs, whatever the transport allows.
pub const MAX_WORKERS: usize = 64;

/// Runs a whole flow (an export, a bulk creation) with up to `workers`
/// requests in flight, on one [`Client`] and its transport's connection pool.
///
/// Sequential stays the default: [`Client::pages`] and
/// [`Client::create_licenses_bulk`] send one request at a time. A `Parallel`
/// is opt-in, per flow, and drives the same sans-IO state machines
/// ([`ParallelPager`], [`BulkCreate`] with
/// [`concurrency`](BulkCreate::concurrency)) from `workers` threads of a
/// [`std::thread::scope`]: every guarantee of the sequential flow holds, and
/// the flow is done (every thread joined) when the method returns.
///
/// - **Export** ([`rows`](Self::rows)): once the first page has told the page
///   count, up to `workers` pages are requested at once; rows still come out
///   in page order, through an iterator, and however long the table at most
///   `workers` pages ahead are held, as undecoded answers: the rows of a page
///   are decoded on the reader's thread when it reaches the page, so one
///   decoded page at a time (see [`ParallelRows`]). The repeat guard, the page bound and
///   "the table shrank while it was read" work as in a sequential walk: the
///   pages are checked in page order.
/// - **Bulk creation** ([`create_licenses_bulk`](Self::create_licenses_bulk)):
///   up to `workers` batches in flight; the report stays exact (every created
///   key, every batch whose outcome is unknown, the count never requested),
///   and no batch is resent when its outcome is unknown.
/// - **One backoff for the flow:** a 429 with `Retry-After` met by any request
///   pauses every worker of the flow until it has passed ([`SharedBackoff`]),
///   with the client's sleeper. Each call keeps its own retry policy.
///
/// # Rate limits
///
/// **The API's rate limits are not published.** Several requests in flight
/// reach them sooner than one; when the server answers 429 the whole flow
/// slows down to what it allows, so more workers can be slower than fewer.
/// Start with 4, measure, and keep the retrying client of [`client()`](crate::client())
/// so that a 429 is waited out rather than returned.
///
/// # Connections
///
/// Each worker needs a pooled connection: `workers` may not exceed what the
/// transport keeps per host ([`Transport::max_parallel_requests`]; for
/// [`UreqTransport`](crate::UreqTransport),
/// [`max_idle_connections_per_host`](crate::UreqTransportBuilder::max_idle_connections_per_host),
/// 8 by default) nor [`MAX_WORKERS`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use blazeauth_ureq::api::{GetLicensesTable, LicenseSpec};
/// use blazeauth_ureq::{LicenseDuration, Parallel};
///
/// # let emulator = blazeauth_emulator::Emulator::new();
/// # let server = emulator.serve()?;
/// # let app = emulator.create_application("Parallel")?;
/// # emulator.client().send(&blazeauth_ureq::api::CreateLicenseLevels::new(&app, ["pro"]))?;
/// # let config = blazeauth_ureq::Config::builder(server.admin_key()).base_url(server.base_url()).build()?;
/// let client = blazeauth_ureq::client(config);
/// let parallel = Parallel::new(&client, 4)?;
/// let spec = LicenseSpec::new("PRO-******", ["pro"], "30d".parse::<LicenseDuration>()?);
/// let keys = parallel.create_licenses_bulk(&app, spec, 1_000)?;
/// let exported = parallel.rows(GetLicensesTable::new(&app), |rows| {
///     let mut n = 0;
///     for row in rows {
///         let _license = row?; // write it out here: rows stream in page order
///         n += 1;
///     }
///     Ok::<_, blazeauth_ureq::Error>(n)
/// })?;
/// assert_eq!((keys.len(), exported), (1_000, 1_000));
/// # Ok(())
/// # }
/// ```
pub struct Parallel<'c, T> {
    client: &'c Client<T>,
    workers: usize,
}

impl<T> fmt::Debug for Parallel<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parallel")
            .field("client", self.client)
            .field("workers", &self.workers)
            .finish()
    }
}

impl<'c, T: Transport + Send + Sync> Parallel<'c, T> {
    /// Flows of `client` with up to `workers` requests in flight. Refused
    /// ([`ConfigError::Workers`]) for 0 workers or more than the transport's
    /// connection pool holds (see [Connections](Self#connections)).
    pub fn new(client: &'c Client<T>, workers: usize) -> Result<Self, ConfigError> {
        let limit = client
            .transport()
            .max_parallel_requests()
            .unwrap_or(MAX_WORKERS)
            .clamp(1, MAX_WORKERS);
        if workers == 0 || workers > limit {
            return Err(ConfigError::Workers { workers, limit });
        }
        Ok(Self { client, workers })
    }

    /// The most requests in flight.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Every row of a table, from `first`'s page to the last, with up to
    /// [`workers`](Self::workers) page requests in flight: `consume` reads
    /// them from an iterator, in page order, while the workers fetch the
    /// pages ahead. The iterator ends after the last row, or after yielding
    /// the error that ended the walk (as [`Client::pages`] does).
    ///
    /// When `consume` returns (having read every row or not), no further page
    /// is requested; the method returns once the requests in flight are done.
    pub fn rows<E, R>(&self, first: E, consume: impl FnOnce(&mut ParallelRows<'_, E>) -> R) -> R
    where
        E: PagedEndpoint + Sync,
        E::Output: Send,
    {
        self.rows_with(first, Pager::new(), consume)
    }

    /// [`rows`](Self::rows) with a pager of the caller's (its page bound; the
    /// start page is `first`'s).
    pub fn rows_with<E, R>(
        &self,
        first: E,
        pager: Pager,
        consume: impl FnOnce(&mut ParallelRows<'_, E>) -> R,
    ) -> R
    where
        E: PagedEndpoint + Sync,
        E::Output: Send,
    {
        let pager = Pager::starting_at(first.page_number()).max_pages(pager.get_max_pages());
        let window = u32::try_from(self.workers).unwrap_or(u32::MAX);
        let shared = Shared::new(Export {
            pager: ParallelPager::with_pager(pager, window),
            answers: BTreeMap::new(),
        });
        let options = RequestOptions::default().shared_backoff(SharedBackoff::new());
        std::thread::scope(|scope| {
            for _ in 0..self.workers {
                scope.spawn(|| fetch_pages(self.client, &first, &shared, &options));
            }
            // Dropped when `consume` returns or unwinds: the workers stop
            // taking pages, and the scope joins them.
            let _stop = StopPages(&shared);
            consume(&mut ParallelRows {
                shared: &shared,
                first: &first,
                config: self.client.config(),
                current: Vec::new().into_iter(),
                done: false,
            })
        })
    }

    /// Creates `total` licenses from `spec` in batches of at most 256, up to
    /// [`workers`](Self::workers) batches in flight, and returns every created
    /// key in batch order. On failure no batch is handed out any more, the
    /// batches in flight are waited for, and the report says what was created,
    /// which batches may or may not exist (never resent), and what was not
    /// created (see [`BulkCreateError`]).
    ///
    /// A panic in the transport is a failure like any other, not re-raised:
    /// its batch counts as unknown (an [`Error::MaybeSent`] of kind
    /// [`TransportErrorKind::Panicked`](crate::TransportErrorKind::Panicked)), nothing more is handed out,
    /// and the report comes back, exactly as with [`Client::create_licenses_bulk`].
    pub fn create_licenses_bulk(
        &self,
        application_id: impl Into<ApplicationId>,
        spec: LicenseSpec,
        total: u64,
    ) -> Result<Vec<String>, Box<BulkCreateError>> {
        self.create_licenses_bulk_with_progress(application_id, spec, total, |_| {})
    }

    /// [`create_licenses_bulk`](Self::create_licenses_bulk), calling
    /// `on_progress` (on the calling thread) before the first batch and
    /// whenever batches were recorded since the last call: batches that end
    /// together may be reported in one call.
    pub fn create_licenses_bulk_with_progress(
        &self,
        application_id: impl Into<ApplicationId>,
        spec: LicenseSpec,
        total: u64,
        mut on_progress: impl FnMut(&BulkProgress),
    ) -> Result<Vec<String>, Box<BulkCreateError>> {
        let bulk = BulkCreate::new(application_id, spec, total)
            .map_err(|e| Box::new(BulkCreateError::not_started(total, e)))?
            .concurrency(u32::try_from(self.workers).unwrap_or(u32::MAX));
        on_progress(&bulk.progress());
        let shared = Shared::new(BulkRun {
            bulk,
            workers_left: self.workers,
        });
        let options = RequestOptions::default().shared_backoff(SharedBackoff::new());
        std::thread::scope(|scope| {
            for _ in 0..self.workers {
                scope.spawn(|| create_batches(self.client, &shared, &options));
            }
            // Should `on_progress` panic, no batch is handed out any more; the
            // scope waits for the batches in flight, then the panic goes on.
            let _stop = StopBatches(&shared);
            let mut reported = None;
            let mut run = shared.lock();
            loop {
                let progress = run.bulk.progress();
                if reported != Some(progress) {
                    reported = Some(progress);
                    drop(run);
                    on_progress(&progress);
                    run = shared.lock();
                    continue;
                }
                if run.workers_left == 0 {
                    break;
                }
                run = shared.wait(run);
            }
        });
        let run = shared
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        run.bulk.finish().map_err(Box::new)
    }
}

/// A state shared by the workers of a flow and the thread that waits on them.
struct Shared<S> {
    state: Mutex<S>,
    changed: Condvar,
}

impl<S> Shared<S> {
    fn new(state: S) -> Self {
        Self {
            state: Mutex::new(state),
            changed: Condvar::new(),
        }
    }

    /// The state, whatever a panicking thread left behind (every update is a
    /// single call on a state machine, so it is never half done).
    fn lock(&self) -> MutexGuard<'_, S> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, S>) -> MutexGuard<'a, S> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the state and wakes every waiting thread.
    fn update(&self, change: impl FnOnce(&mut S)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }
}

/// The state of an export: the walk, and the answers fetched and not yet
/// decoded. A page is in flight for the walk until the reader has decoded
/// it, so the window bounds the answers held too.
struct Export<E: PagedEndpoint> {
    pager: ParallelPager<E::Output>,
    answers: BTreeMap<u32, Result<DeferredAnswer, Error>>,
}

/// A worker of an export: takes the next page number, fetches its answer
/// (checked, retried as the call decides, not decoded: see [`Deferred`]),
/// and leaves it for the reader.
fn fetch_pages<T, E>(
    client: &Client<T>,
    first: &E,
    shared: &Shared<Export<E>>,
    options: &RequestOptions,
) where
    T: Transport,
    E: PagedEndpoint,
{
    loop {
        let page = {
            let mut export = shared.lock();
            loop {
                if let Some(page) = export.pager.next_request() {
                    break page;
                }
                if export.pager.is_finished() {
                    return;
                }
                export = shared.wait(export);
            }
        };
        // Should the transport panic, the page fails with
        // `TransportErrorKind::Panicked`, so the reader sees an error rather
        // than a table that ends early, and the walk ends.
        let answer = client.send_catching_panics(&Deferred::new(first.with_page(page)), options);
        shared.update(|export| {
            if !export.pager.is_finished() {
                export.answers.insert(page, answer);
            }
        });
    }
}

/// Stops an export's workers when the reader is done.
struct StopPages<'a, E: PagedEndpoint>(&'a Shared<Export<E>>);

impl<E: PagedEndpoint> Drop for StopPages<'_, E> {
    fn drop(&mut self) {
        self.0.update(|export| {
            export.pager.stop();
            export.answers.clear();
        });
    }
}

/// The rows of a concurrent export, in page order; see [`Parallel::rows`].
///
/// The workers fetch answers; the rows of each page are decoded here, on
/// the reader's thread, when the reader reaches that page. So at most one
/// decoded page is held (the one being read), besides the undecoded answers
/// of the pages ahead (at most [`Parallel::workers`]): decoded rows take
/// more memory than their JSON, and rows allocated on one thread and freed
/// on another make glibc's per-thread arenas keep far more memory than is
/// in use.
pub struct ParallelRows<'s, E: PagedEndpoint> {
    shared: &'s Shared<Export<E>>,
    first: &'s E,
    config: &'s Config,
    current: std::vec::IntoIter<RowOf<E>>,
    done: bool,
}

impl<E: PagedEndpoint> fmt::Debug for ParallelRows<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParallelRows")
            .field("progress", &self.progress())
            .field("buffered", &self.current.len())
            .finish_non_exhaustive()
    }
}

impl<E: PagedEndpoint> ParallelRows<'_, E> {
    /// How far the walk is: pages taken, the page count the latest of them
    /// reported, and rows handed out.
    pub fn progress(&self) -> TableProgress {
        let progress = self.shared.lock().pager.progress();
        let mut handed_out = progress;
        handed_out.rows = progress.rows - self.current.len() as u64;
        handed_out
    }
}

/// What the reader does next.
enum Next<P> {
    /// Hand out this page (or the error that ended the walk).
    Ready(Result<P, Error>),
    /// Decode the answer of this page, the next in page order.
    Decode(u32, Result<DeferredAnswer, Error>),
    /// The walk is over.
    End,
}

impl<E: PagedEndpoint> Iterator for ParallelRows<'_, E> {
    type Item = Result<RowOf<E>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.current.next() {
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            // The page read to its end goes before the next is decoded.
            self.current = Vec::new().into_iter();
            let next = {
                let mut export = self.shared.lock();
                loop {
                    if let Some(page) = export.pager.next_ready() {
                        break Next::Ready(page);
                    }
                    let next = export.pager.next_in_order();
                    if let Some(answer) = next.and_then(|page| export.answers.remove(&page)) {
                        break Next::Decode(next.unwrap_or_default(), answer);
                    }
                    if export.pager.is_finished() {
                        break Next::End;
                    }
                    export = self.shared.wait(export);
                }
            };
            match next {
                Next::Decode(page, answer) => {
                    let endpoint = Deferred::new(self.first.with_page(page));
                    let decoded = answer.and_then(|a| endpoint.decode(self.config, a));
                    self.shared
                        .update(|export| export.pager.record(page, decoded));
                }
                Next::Ready(Ok(page)) => {
                    // A page taken frees a place in the window.
                    self.shared.changed.notify_all();
                    self.current = page.into_rows().into_iter();
                }
                Next::Ready(Err(e)) => {
                    self.shared.changed.notify_all();
                    self.done = true;
                    return Some(Err(e));
                }
                Next::End => {
                    self.done = true;
                    return None;
                }
            }
        }
    }
}

struct BulkRun {
    bulk: BulkCreate,
    workers_left: usize,
}

/// Stops a bulk creation's workers taking batches when dropped while the
/// calling thread unwinds (a panicking progress callback).
struct StopBatches<'a>(&'a Shared<BulkRun>);

impl Drop for StopBatches<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.update(|run| run.bulk.stop());
        }
    }
}

/// A worker of a bulk creation: takes the next batch, sends it, records it;
/// stops when no batch is left to hand out (all sent, or the run failed).
fn create_batches<T: Transport>(
    client: &Client<T>,
    shared: &Shared<BulkRun>,
    options: &RequestOptions,
) {
    // Counts the worker out even if it panics; a batch it left in flight is
    // reported as unknown by `BulkCreate::finish`.
    struct Done<'a>(&'a Shared<BulkRun>);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.update(|run| run.workers_left -= 1);
        }
    }
    let _done = Done(shared);
    loop {
        let Some(batch) = shared.lock().bulk.next_batch() else {
            return;
        };
        // A panic of the transport is contained: the batch is recorded as
        // unknown (`TransportErrorKind::Panicked`) and the run stops.
        let result = client.send_catching_panics(batch.request(), options);
        shared.update(|run| run.bulk.record_batch(batch.index(), result));
    }
}
