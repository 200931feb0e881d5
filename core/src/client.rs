//! The blocking client: [`Client`] runs endpoints through a [`Transport`],
//! applying the [`RetryPolicy`].
//!
//! A call builds the request (validation first), sends it, decodes the answer,
//! and on failure asks the retry policy whether and when to try again. Waiting
//! goes through an injectable [`Sleeper`] and jitter comes from an injectable
//! [`JitterSource`], because the core itself never reads a clock or an RNG:
//!
//! - **No sleeper, no retries.** [`Client::new`] has none, so each call makes
//!   exactly one attempt. The transport crates (`blazeauth-ureq`,
//!   `blazeauth-emulator`) install a real sleeper; tests install one that records
//!   the delays instead of waiting.
//! - Without a jitter source the backoff uses the midpoint (jitter 0.5).
//!
//! The client holds no global state, is cheap to clone (one `Arc`), and is
//! `Send + Sync` when its transport is.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::endpoint::{Endpoint, build_request, decode_response};
use crate::error::Error;
use crate::pager::{Page, PagedEndpoint, Pager, TableRow};
use crate::retry::{RetryDecision, RetryPolicy};
use crate::transport::{RequestTimeout, Transport};

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// A timeout for each attempt of this call, in place of the transport's default.
    pub timeout: Option<Duration>,
    /// A retry policy for this call, in place of the client's.
    pub retry_policy: Option<RetryPolicy>,
}

/// Runs endpoints through a transport. See the [module docs](self).
pub struct Client<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    config: Config,
    transport: T,
    retry_policy: RetryPolicy,
    sleeper: Option<Box<dyn Sleeper>>,
    jitter: Option<Box<dyn JitterSource>>,
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
            .field("retry_policy", &self.inner.retry_policy)
            .field("retries", &self.inner.sleeper.is_some())
            .finish()
    }
}

impl<T: Transport> Client<T> {
    /// A client that makes one attempt per call (no sleeper).
    pub fn new(config: Config, transport: T) -> Self {
        Self::builder(config, transport).build()
    }

    /// Starts a client with a retry policy, sleeper and jitter source.
    pub fn builder(config: Config, transport: T) -> ClientBuilder<T> {
        ClientBuilder {
            config,
            transport,
            retry_policy: RetryPolicy::default(),
            sleeper: None,
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

    /// Calls `endpoint` with per-call options.
    pub fn send_with<E: Endpoint + ?Sized>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
    ) -> Result<E::Output, Error> {
        let inner = &*self.inner;
        let policy = options.retry_policy.as_ref().unwrap_or(&inner.retry_policy);
        let class = endpoint.retry_class();
        let mut attempt: u32 = 1;
        loop {
            let mut request = build_request(&inner.config, endpoint)?;
            if let Some(timeout) = options.timeout {
                request.extensions_mut().insert(RequestTimeout(timeout));
            }
            let result = match inner.transport.send(request) {
                Ok(response) => decode_response(endpoint, response),
                Err(error) => Err(Error::from_transport(error.into(), class)),
            };
            let error = match result {
                Ok(output) => return Ok(output),
                Err(error) => error,
            };
            let (Some(sleeper), Some(outcome)) = (&inner.sleeper, error.attempt_outcome()) else {
                return Err(error);
            };
            let jitter = inner.jitter.as_ref().map_or(0.5, |j| j.jitter());
            match policy.decide(class, attempt, &outcome, jitter) {
                RetryDecision::Stop => return Err(error),
                RetryDecision::RetryAfter(delay) => {
                    sleeper.sleep(delay);
                    attempt = attempt.saturating_add(1);
                }
            }
        }
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
        let start = first.page();
        Pages {
            client: self.clone(),
            pager: Pager::starting_at(start).max_pages_from(&pager),
            endpoint: first,
        }
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder<T> {
    config: Config,
    transport: T,
    retry_policy: RetryPolicy,
    sleeper: Option<Box<dyn Sleeper>>,
    jitter: Option<Box<dyn JitterSource>>,
}

impl<T> fmt::Debug for ClientBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("retry_policy", &self.retry_policy)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> ClientBuilder<T> {
    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// The sleeper that waits between retries; without one the client never retries.
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Some(Box::new(sleeper));
        self
    }

    /// The source of jitter for backoff delays.
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
                retry_policy: self.retry_policy,
                sleeper: self.sleeper,
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
}

impl<T: Transport, E: PagedEndpoint> Iterator for Pages<T, E> {
    type Item = Result<Page<E::Row>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let page_number = self.pager.next_page()?;
        let request = self.endpoint.with_page(page_number);
        match self.client.send(&request) {
            Ok(page) => {
                let fingerprint = Pager::fingerprint(page.rows.iter().map(TableRow::row_key));
                match self
                    .pager
                    .record(page.total_pages, page.rows.len(), fingerprint)
                {
                    Ok(()) if page.rows.is_empty() => None,
                    Ok(()) => Some(Ok(page)),
                    Err(e) => Some(Err(e.into())),
                }
            }
            Err(e) => {
                self.pager.stop();
                Some(Err(e))
            }
        }
    }
}

/// Iterator over the rows of a table; see [`Pages::rows`].
#[derive(Debug)]
pub struct Rows<T, E: PagedEndpoint> {
    pages: Pages<T, E>,
    current: std::vec::IntoIter<E::Row>,
}

impl<T: Transport, E: PagedEndpoint> Iterator for Rows<T, E> {
    type Item = Result<E::Row, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.current.next() {
                return Some(Ok(row));
            }
            match self.pages.next()? {
                Ok(page) => self.current = page.rows.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
