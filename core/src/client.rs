//! The blocking driver: [`Client`] (its docs hold the details).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::api::{BulkCreate, BulkCreateError, BulkProgress, LicenseSpec};
use crate::call::{Call, Step};
use crate::config::{Config, ConfigError};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::id::ApplicationId;
use crate::pager::{PagedEndpoint, Pager, RowOf, TablePage};
use crate::retry::RetryPolicy;
use crate::transport::{Transport, TransportError};

/// Waits between retries.
pub trait Sleeper: Send + Sync {
    /// Blocks for `duration` (or pretends to, in a test).
    fn sleep(&self, duration: Duration);
}

impl<F: Fn(Duration) + Send + Sync> Sleeper for F {
    fn sleep(&self, duration: Duration) {
        self(duration)
    }
}

/// Supplies random numbers in `[0, 1]` for retry jitter.
pub trait JitterSource: Send + Sync {
    /// A random number in `[0, 1]`.
    fn jitter(&self) -> f64;
}

impl<F: Fn() -> f64 + Send + Sync> JitterSource for F {
    fn jitter(&self) -> f64 {
        self()
    }
}

/// Per-call settings for [`Client::send_with`].
///
/// ```
/// use std::time::Duration;
/// use blazeauth_core::{RequestOptions, RetryPolicy};
///
/// let options = RequestOptions::default()
///     .timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::never());
/// assert_eq!(options.timeout, Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// A timeout for each attempt of this call, in place of the transport's default.
    pub timeout: Option<Duration>,
    /// A retry policy for this call, in place of the client's. On a client
    /// without a sleeper, a policy of more than one attempt is refused with
    /// [`ConfigError::RetriesWithoutSleeper`].
    pub retry_policy: Option<RetryPolicy>,
    /// A pause shared with the other calls of a flow: this call waits until
    /// it has passed before each attempt, and a 429 with `Retry-After` it
    /// meets pauses them all.
    pub shared_backoff: Option<SharedBackoff>,
}

impl RequestOptions {
    /// Sets [`timeout`](Self::timeout) for each attempt of this call.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets this call's [`retry_policy`](Self::retry_policy).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// Makes this call share `backoff` with the other calls of its flow
    /// ([`shared_backoff`](Self::shared_backoff)).
    #[must_use]
    pub fn shared_backoff(mut self, backoff: SharedBackoff) -> Self {
        self.shared_backoff = Some(backoff);
        self
    }
}

/// One pause shared by every call of a flow that runs several requests at
/// once (the concurrent export and bulk creation of `blazeauth-ureq`).
///
/// When any call of the flow meets a 429 with `Retry-After` ([`Call::rate_limit`]),
/// the pause is extended to end that long from now; every call of the flow
/// waits until it has passed before its next attempt. The server said to slow
/// down: the other workers hold back too instead of each collecting its own
/// 429. A pause never shortens, and never exceeds the retry policy's
/// [`max_retry_after`](RetryPolicy::max_retry_after) from the moment it was set.
///
/// It is a handle: clones share the same pause. The blocking [`Client`] honours
/// it through [`RequestOptions::shared_backoff`] (waiting with its
/// [`Sleeper`]; a client without one, which never retries, does not wait); an
/// async driver reads [`remaining`](Self::remaining) and waits on its timer.
///
/// ```
/// use std::time::Duration;
/// use blazeauth_core::SharedBackoff;
///
/// let backoff = SharedBackoff::new();
/// assert_eq!(backoff.remaining(), None);
/// backoff.pause_for(Duration::from_secs(2));
/// backoff.clone().pause_for(Duration::from_millis(10)); // never shortens
/// assert!(backoff.remaining().unwrap() > Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, Default)]
pub struct SharedBackoff {
    until: Arc<Mutex<Option<Instant>>>,
}

impl SharedBackoff {
    /// No pause yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pauses the flow until at least `wait` from now.
    pub fn pause_for(&self, wait: Duration) {
        let Some(end) = Instant::now().checked_add(wait) else {
            return;
        };
        let mut until = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        if until.is_none_or(|current| current < end) {
            *until = Some(end);
        }
    }

    /// How long the pause still lasts, or `None` when there is none.
    pub fn remaining(&self) -> Option<Duration> {
        let until = *self.until.lock().unwrap_or_else(PoisonError::into_inner);
        until
            .and_then(|end| end.checked_duration_since(Instant::now()))
            .filter(|left| !left.is_zero())
    }
}

/// Two handles are equal when they share the same pause.
impl PartialEq for SharedBackoff {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.until, &other.until)
    }
}

impl Eq for SharedBackoff {}

/// Runs endpoints through a transport. See the [module docs](crate::Client).
///
/// The blocking client: [`Client`] drives the core's state machines
/// ([`Call`], [`Pager`], [`BulkCreate`]) with a [`Transport`] and a [`Sleeper`].
///
/// It holds no policy of its own: retries and the "did it happen?" decisions
/// are the [`Call`]'s, page walking is the [`Pager`]'s, the bulk report is the
/// [`BulkCreate`]'s. An async runtime drives the same machines in a few lines
/// (see "Embedding in another runtime" in the [crate docs](crate)).
///
/// Waiting goes through an injectable [`Sleeper`] and jitter comes from an
/// injectable [`JitterSource`], because the core itself never reads a clock or
/// an RNG:
///
/// - **Retries need a sleeper, and the types say so.** [`Client::new`] makes
///   one attempt per call ([`RetryPolicy::never`]); a retrying client is built
///   with [`ClientBuilder::retries`], which takes the policy and the sleeper
///   together. A per-call [`RequestOptions::retry_policy`] that allows more
///   than one attempt on a client without a sleeper is refused before anything
///   is sent ([`ConfigError::RetriesWithoutSleeper`]), never silently ignored.
///   The transport crates (`blazeauth-ureq`, `blazeauth-emulator`) build
///   clients with a real sleeper; tests install one that records the delays
///   instead of waiting.
/// - Without a jitter source the backoff uses the midpoint (jitter 0.5).
///
/// The client holds no global state, is cheap to clone (one `Arc`), and is
/// `Send + Sync` when its transport is.
pub struct Client<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    config: Config,
    transport: T,
    retries: Option<Retries>,
    jitter: Option<Box<dyn JitterSource>>,
}

/// A retry policy with the sleeper that makes it run: one cannot be set without the other.
struct Retries {
    policy: RetryPolicy,
    sleeper: Box<dyn Sleeper>,
}

impl<T> Clone for Client<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("transport", &std::any::type_name::<T>())
            .field("retry_policy", &self.retry_policy())
            .finish()
    }
}

impl<T> Client<T> {
    /// The policy calls follow: the one given to [`ClientBuilder::retries`],
    /// or [`RetryPolicy::never`].
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner
            .retries
            .as_ref()
            .map_or(RetryPolicy::never(), |r| r.policy)
    }
}

impl<T: Transport> Client<T> {
    /// A client that makes one attempt per call ([`RetryPolicy::never`]): it
    /// has no sleeper to wait between attempts. See [`Client::builder`].
    pub fn new(config: Config, transport: T) -> Self {
        Self::builder(config, transport).build()
    }

    /// Starts a client; [`ClientBuilder::retries`] makes it retry.
    pub fn builder(config: Config, transport: T) -> ClientBuilder<T> {
        ClientBuilder {
            config,
            transport,
            retries: None,
            jitter: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.inner.transport
    }

    /// Calls `endpoint`, retrying as the policy allows.
    pub fn send<E: Endpoint + ?Sized>(&self, endpoint: &E) -> Result<E::Output, Error> {
        self.send_with(endpoint, &RequestOptions::default())
    }

    /// Calls `endpoint` with per-call options, driving a [`Call`].
    pub fn send_with<E: Endpoint + ?Sized>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
    ) -> Result<E::Output, Error> {
        let inner = &*self.inner;
        let policy = match (options.retry_policy, &inner.retries) {
            (None, _) => self.retry_policy(),
            (Some(policy), Some(_)) => policy,
            (Some(policy), None) if policy.get_max_attempts() <= 1 => policy,
            (Some(_), None) => return Err(ConfigError::RetriesWithoutSleeper.into()),
        };
        let mut call = Call::new(&inner.config, endpoint, policy).timeout(options.timeout);
        loop {
            match call.poll() {
                Step::Send(request) => {
                    let pause = options
                        .shared_backoff
                        .as_ref()
                        .and_then(SharedBackoff::remaining);
                    if let (Some(pause), Some(retries)) = (pause, &inner.retries) {
                        log::info!(
                            target: "blazeauth",
                            "{} {}: the flow is rate limited, pausing {} ms",
                            endpoint.method(),
                            endpoint.path(),
                            pause.as_millis()
                        );
                        retries.sleeper.sleep(pause);
                    }
                    let method = request.method().clone();
                    let started = log::log_enabled!(log::Level::Debug).then(Instant::now);
                    let outcome = inner.transport.send(request).map_err(Into::into);
                    if let Some(started) = started {
                        log_attempt(&method, endpoint.path(), call.attempts(), started, &outcome);
                    }
                    let jitter = inner.jitter.as_ref().map_or(0.5, |j| j.jitter());
                    call.record(outcome, jitter);
                    if let (Some(backoff), Some(wait)) =
                        (&options.shared_backoff, call.rate_limit())
                    {
                        backoff.pause_for(wait);
                    }
                }
                Step::Wait(delay) => {
                    log::info!(
                        target: "blazeauth",
                        "{} {}: retrying in {} ms (attempt {} next)",
                        endpoint.method(),
                        endpoint.path(),
                        delay.as_millis(),
                        call.attempts() + 1
                    );
                    if let Some(retries) = &inner.retries {
                        retries.sleeper.sleep(delay);
                    }
                }
                Step::Done(result) => return result,
            }
        }
    }

    /// [`send_with`](Self::send_with), with a panic of the transport (or of
    /// anything else on this thread during the call) contained: it becomes
    /// [`Error::MaybeSent`] of kind [`TransportErrorKind::Panicked`](crate::TransportErrorKind::Panicked)
    /// (a mutation's outcome is unknown), and the panic's message goes only
    /// to the panic hook. The flows whose report must survive a panicking
    /// transport use it: bulk creation, sequential or concurrent, counts the
    /// batch as unknown and stops; a concurrent export ends with that error.
    ///
    /// ```
    /// use blazeauth_core::api::GetApplications;
    /// use blazeauth_core::{Client, Config, Error, ManagementKey, RequestOptions, TransportErrorKind, http};
    ///
    /// let key = ManagementKey::parse(
    ///     "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
    /// )?;
    /// let config = Config::new(key);
    /// let client = Client::new(config, |_: http::Request<Vec<u8>>| -> Result<http::Response<Vec<u8>>, std::convert::Infallible> {
    ///     panic!("a bug in the transport")
    /// });
    /// # std::panic::set_hook(Box::new(|_| {}));
    /// let error = client.send_catching_panics(&GetApplications, &RequestOptions::default()).unwrap_err();
    /// assert!(matches!(&error, Error::MaybeSent { source, .. } if source.kind() == TransportErrorKind::Panicked));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_catching_panics<E: Endpoint + ?Sized>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
    ) -> Result<E::Output, Error> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.send_with(endpoint, options)
        }))
        .unwrap_or_else(|_panic| {
            Err(Error::MaybeSent {
                source: TransportError::panicked(),
                class: endpoint.retry_class(),
            })
        })
    }

    /// Every page of a panel table, lazily: one request per page, starting at
    /// `first`'s page, driven by a [`Pager`]. The iterator ends after the last
    /// page, at an empty page, or after yielding an error.
    pub fn pages<E: PagedEndpoint>(&self, first: E) -> Pages<T, E> {
        self.pages_with(first, Pager::starting_at(0))
    }

    /// [`pages`](Self::pages) with a pager of the caller's (e.g. a different page bound).
    /// The pager's start page is replaced by `first`'s page.
    pub fn pages_with<E: PagedEndpoint>(&self, first: E, pager: Pager) -> Pages<T, E> {
        let start = first.page_number();
        Pages {
            client: self.clone(),
            pager: Pager::starting_at(start).max_pages_from(&pager),
            endpoint: first,
            progress: TableProgress::default(),
        }
    }

    /// Creates `total` licenses from `spec` in batches of at most 256 and returns
    /// every created key in order, driving a [`BulkCreate`]. On failure returns
    /// its report: what was created, what may or may not exist (a batch whose
    /// outcome is unknown is never resent), what was not created (see
    /// [`BulkCreateError`]).
    ///
    /// A panic in the transport is not re-raised: it ends the run like any
    /// failure, its batch counted as unknown (see
    /// [`send_catching_panics`](Self::send_catching_panics)), so the report of
    /// what was already created survives.
    pub fn create_licenses_bulk(
        &self,
        application_id: impl Into<ApplicationId>,
        spec: LicenseSpec,
        total: u64,
    ) -> Result<Vec<String>, Box<BulkCreateError>> {
        self.create_licenses_bulk_with_progress(application_id, spec, total, |_| {})
    }

    /// [`create_licenses_bulk`](Self::create_licenses_bulk), calling
    /// `on_progress` before the first batch and after each one (a CLI draws
    /// its bar from [`BulkProgress::created`] and [`BulkProgress::total`]).
    pub fn create_licenses_bulk_with_progress(
        &self,
        application_id: impl Into<ApplicationId>,
        spec: LicenseSpec,
        total: u64,
        mut on_progress: impl FnMut(&BulkProgress),
    ) -> Result<Vec<String>, Box<BulkCreateError>> {
        let mut bulk = BulkCreate::new(application_id, spec, total)
            .map_err(|e| Box::new(BulkCreateError::not_started(total, e)))?;
        on_progress(&bulk.progress());
        while let Some(request) = bulk.next_request() {
            bulk.record(self.send_catching_panics(&request, &RequestOptions::default()));
            on_progress(&bulk.progress());
        }
        bulk.finish().map_err(Box::new)
    }
}

/// Logs one attempt at `debug` (target `blazeauth`): method, path (never the
/// query, which can hold search text), status or transport failure, attempt
/// number and elapsed time. Nothing in it can hold the key: the path is the
/// route's, the status a number, the failure its kind and delivery.
fn log_attempt(
    method: &http::Method,
    path: &str,
    attempt: u32,
    started: Instant,
    outcome: &Result<http::Response<Vec<u8>>, TransportError>,
) {
    let elapsed = started.elapsed().as_millis();
    match outcome {
        Ok(response) => log::debug!(
            target: "blazeauth",
            "{method} {path} -> {} (attempt {attempt}, {elapsed} ms)",
            response.status().as_u16()
        ),
        Err(error) => log::debug!(
            target: "blazeauth",
            "{method} {path} -> {:?} failure, {} (attempt {attempt}, {elapsed} ms)",
            error.kind(),
            match error.delivery() {
                crate::Delivery::NotSent => "not sent",
                crate::Delivery::MaybeSent => "may have been sent",
            }
        ),
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder<T> {
    config: Config,
    transport: T,
    retries: Option<Retries>,
    jitter: Option<Box<dyn JitterSource>>,
}

impl<T> fmt::Debug for ClientBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("retry_policy", &self.retries.as_ref().map(|r| r.policy))
            .finish_non_exhaustive()
    }
}

impl<T: Transport> ClientBuilder<T> {
    /// Makes the client retry as `policy` allows, waiting with `sleeper`
    /// between attempts (a real sleep in production, a recorder in tests).
    /// Without this the client makes one attempt per call.
    pub fn retries(mut self, policy: RetryPolicy, sleeper: impl Sleeper + 'static) -> Self {
        self.retries = Some(Retries {
            policy,
            sleeper: Box::new(sleeper),
        });
        self
    }

    /// The source of jitter for backoff delays (default: the midpoint, 0.5).
    pub fn jitter(mut self, jitter: impl JitterSource + 'static) -> Self {
        self.jitter = Some(Box::new(jitter));
        self
    }

    /// The client.
    pub fn build(self) -> Client<T> {
        Client {
            inner: Arc::new(Inner {
                config: self.config,
                transport: self.transport,
                retries: self.retries,
                jitter: self.jitter,
            }),
        }
    }
}

/// Iterator over the pages of a table; see [`Client::pages`].
#[derive(Debug)]
pub struct Pages<T, E> {
    client: Client<T>,
    endpoint: E,
    pager: Pager,
    progress: TableProgress,
}

/// How far a table walk is ([`Pages::progress`], [`Rows::progress`]), for a
/// progress bar: pages read, the page count the latest page reported, and
/// rows read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableProgress {
    /// Pages read so far.
    pub pages_read: u32,
    /// The table's page count as the latest page reported it (`None` before
    /// the first page). It can change while the table is read.
    pub total_pages: Option<u64>,
    /// Rows read so far (for [`Rows`], rows handed out).
    pub rows: u64,
}

impl<T: Transport, E: PagedEndpoint> Pages<T, E> {
    /// The rows of every page, one at a time.
    pub fn rows(self) -> Rows<T, E> {
        Rows {
            pages: self,
            current: Vec::new().into_iter(),
        }
    }

    /// The pager's state (pages fetched so far).
    pub fn pager(&self) -> &Pager {
        &self.pager
    }

    /// How far the walk is.
    pub fn progress(&self) -> TableProgress {
        self.progress
    }
}

impl<T: Transport, E: PagedEndpoint> Iterator for Pages<T, E> {
    type Item = Result<E::Output, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let page_number = self.pager.next_page()?;
        let request = self.endpoint.with_page(page_number);
        match self.client.send(&request) {
            Ok(page) => match self.pager.record_page(&page) {
                Ok(true) => {
                    self.progress.pages_read = self.pager.pages_fetched();
                    self.progress.total_pages = Some(page.total_pages());
                    self.progress.rows += page.rows().len() as u64;
                    Some(Ok(page))
                }
                Ok(false) => None,
                Err(e) => Some(Err(e.into())),
            },
            Err(e) => {
                self.pager.stop();
                Some(Err(e))
            }
        }
    }
}

/// Iterator over the rows of a table; see [`Pages::rows`].
pub struct Rows<T, E: PagedEndpoint> {
    pages: Pages<T, E>,
    current: std::vec::IntoIter<RowOf<E>>,
}

impl<T: fmt::Debug, E: PagedEndpoint + fmt::Debug> fmt::Debug for Rows<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rows")
            .field("pages", &self.pages)
            .field("buffered", &self.current.len())
            .finish()
    }
}

impl<T: Transport, E: PagedEndpoint> Rows<T, E> {
    /// How far the walk is; `rows` counts the rows handed out so far.
    pub fn progress(&self) -> TableProgress {
        TableProgress {
            rows: self.pages.progress.rows - self.current.len() as u64,
            ..self.pages.progress
        }
    }
}

impl<T: Transport, E: PagedEndpoint> Iterator for Rows<T, E> {
    type Item = Result<RowOf<E>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.current.next() {
                return Some(Ok(row));
            }
            match self.pages.next()? {
                Ok(page) => self.current = page.into_rows().into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
