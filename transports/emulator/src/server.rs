//! The emulator over real HTTP/1.1: [`Server`] (feature `server`, on by default).
//!
//! HTTP is [hyper]'s, on a tokio runtime the server owns alone (two worker
//! threads, started with the server and stopped with it); the in-process
//! [`Emulator`] never needs it. One task per connection, and every limit a
//! server facing hostile clients needs (head size and read time, body size
//! and read time, open connections), each set by [`ServeOptions`].
//!
//! Accept errors (out of file descriptors: `EMFILE`) are survived: the
//! acceptor backs off (5 ms, doubling up to 1 s) and goes on, so the server
//! serves again once clients leave. [`Server::shutdown`] (or dropping the
//! server) stops accepting, lets requests in flight finish for up to 2 s,
//! closes idle connections, and stops the runtime.
//!
//! Faults keep their meaning over HTTP: [`Fault::CloseConnection`](crate::Fault::CloseConnection)
//! closes the connection with no answer at all, [`Fault::Delay`](crate::Fault::Delay)
//! waits on a timer (holding no thread), truncated and oversized bodies are
//! sent with a matching `Content-Length`. Answers carry `Content-Length`
//! (but a large `GET /_emulator/state`, streamed chunked: see [`ServeOptions`]), and
//! every accepted connection is counted ([`Server::connections_accepted`]).

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::{Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::codes;
use crate::control;
use crate::emulator::{Emulator, Exchange};
use crate::reply::Failure;

/// How many connections may be open at once unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// How long a client may take to send a request head (and may stay idle
/// between keep-alive requests) unless told otherwise.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request body unless told otherwise.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head (request line and headers) unless told otherwise.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;
/// How many bytes of request bodies the server holds at once, all
/// connections together, unless told otherwise: 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES_IN_FLIGHT: usize = 64 * 1024 * 1024;

/// How long a request waits for room in the in-flight body budget before
/// its `503` (never longer than the body read time).
const BUDGET_WAIT: Duration = Duration::from_secs(1);
/// Streamed (chunked) bodies take their share of the in-flight budget in
/// steps of this many bytes.
const BUDGET_STEP: usize = 64 * 1024;

/// How far past the body limit a body is still read (and dropped) before the
/// 413, so a client that sent it whole can read the answer.
const DRAIN_SLACK: usize = 1024 * 1024;
/// How long [`Server::shutdown`] lets requests in flight finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
const MIN_ACCEPT_BACKOFF: Duration = Duration::from_millis(5);
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Where and how to serve: the address, the control surface's token, and the
/// limits every connection is held to:
///
/// | limit | default | when broken |
/// |---|---|---|
/// | open connections | [`DEFAULT_MAX_CONNECTIONS`] | no more are accepted until one closes (they wait in the listen backlog) |
/// | request head size | [`DEFAULT_MAX_HEADER_BYTES`] | `431`, then the connection is closed |
/// | time to send a request head, also while idle between keep-alive requests | [`DEFAULT_HEADER_READ_TIMEOUT`] | the connection is closed |
/// | time to send a request body | [`DEFAULT_BODY_READ_TIMEOUT`] | `408 request_timeout`, then closed |
/// | request body size ([`EmulatorBuilder::max_body_bytes`](crate::EmulatorBuilder::max_body_bytes)) | 1 MiB | `413 payload_too_large`, then closed: a body up to 1 MiB past the limit is read and dropped first (so the client reads the 413 rather than a reset); a declared `Content-Length` further over is refused before a byte of the body is read, a streamed body as soon as it gets that far |
/// | request body bytes held at once, all connections together ([`max_body_bytes_in_flight`](ServeOptions::max_body_bytes_in_flight)) | [`DEFAULT_MAX_BODY_BYTES_IN_FLIGHT`] (64 MiB) | a request waits for room (a declared `Content-Length` is reserved whole before its body is read, a streamed body in 64 KiB steps as it arrives) up to 1 s (or the body read time, if shorter), then gets `503 server_busy` and the connection is closed |
/// | who may send a body | – | a request whose head already fails (unknown route `404`, method `405`, management key `401`, scope `403`; admin token `401` under `/_emulator/`) is answered from its head, its body never read, then closed. The fake storage host (`/_storage/`) has its own rules, checked with the body |
/// | `Host` | loopback names only | `421 misdirected_request`, then closed, unless `Host` (or the authority of an absolute request target) is `localhost`, an IPv4 loopback address (`127.x.y.z`), `[::1]` (any port), the address the server listens on when it is not loopback (any IP address when it is unspecified, `0.0.0.0` or `[::]`), or a name given to [`allow_host`](ServeOptions::allow_host): a web page that rebinds its own DNS name to `127.0.0.1` cannot reach the emulator. A request without `Host` (HTTP/1.0) is served |
///
/// Answers carry `Content-Length`, but for a `GET /_emulator/state` over
/// about 64 KiB, which is sent as it is produced (`Transfer-Encoding:
/// chunked`, a chunk of about 64 KiB at a time, one entity after another) so
/// that a large state never sits whole in memory; a smaller state is sent
/// whole, with its `Content-Length`.
///
/// ```
/// use std::time::Duration;
/// use blazeauth_emulator::{Emulator, ServeOptions};
///
/// let options = ServeOptions::new()
///     .max_connections(64)
///     .header_read_timeout(Duration::from_secs(2));
/// let server = Emulator::new().serve_with(options)?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ServeOptions {
    addr: SocketAddr,
    max_connections: usize,
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    max_header_bytes: usize,
    max_body_bytes_in_flight: usize,
    allowed_hosts: Vec<String>,
    admin_token: Option<String>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeOptions")
            .field("addr", &self.addr)
            .field("max_connections", &self.max_connections)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("max_body_bytes_in_flight", &self.max_body_bytes_in_flight)
            .field("allowed_hosts", &self.allowed_hosts)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl ServeOptions {
    /// `127.0.0.1` on a free port, with the default limits.
    pub fn new() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_body_bytes_in_flight: DEFAULT_MAX_BODY_BYTES_IN_FLIGHT,
            allowed_hosts: Vec::new(),
            admin_token: None,
        }
    }

    /// The token of the [control surface](crate::control) (default: 32 random
    /// letters and digits, see [`Server::admin_token`]). An empty token is
    /// replaced by a random one.
    #[must_use]
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into()).filter(|t| !t.is_empty());
        self
    }

    /// The address to listen on (port 0 picks a free one).
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The most connections open at once (at least 1).
    #[must_use]
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long a client may take to send a request head, and stay idle
    /// between keep-alive requests (at least 1 ms).
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long a client may take to send a request body (at least 1 ms).
    #[must_use]
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The largest request head in bytes (at least 1 KiB).
    #[must_use]
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes.max(1024);
        self
    }

    /// How many bytes of request bodies the server holds at once, all
    /// connections together (default [`DEFAULT_MAX_BODY_BYTES_IN_FLIGHT`];
    /// at least 1 KiB, at most 4 GiB). A request past it waits for room up
    /// to 1 s, then gets `503 server_busy`. Keep it at
    /// least the body limit plus 1 MiB (the 413 drain): a single body never
    /// reserves more than the whole budget.
    #[must_use]
    pub fn max_body_bytes_in_flight(mut self, bytes: usize) -> Self {
        self.max_body_bytes_in_flight = bytes.clamp(1024, u32::MAX as usize);
        self
    }

    /// Also accepts requests whose `Host` is `name` (any port; compared
    /// without regard to case), besides the loopback names and the address
    /// the server listens on. For a deliberately shared emulator reached by
    /// a name: the name must be one an attacker's page cannot rebind.
    #[must_use]
    pub fn allow_host(mut self, name: impl Into<String>) -> Self {
        self.allowed_hosts.push(name.into().to_ascii_lowercase());
        self
    }
}

/// The emulator served on a loopback port. Stops on [`shutdown`](Self::shutdown) or drop.
///
/// ```
/// use blazeauth_emulator::Emulator;
///
/// let emulator = Emulator::new();
/// let server = emulator.serve()?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// assert_eq!(server.connections_accepted(), 0);
/// server.shutdown();
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Server {
    addr: SocketAddr,
    emulator: Emulator,
    admin_token: Arc<str>,
    counters: Arc<Counters>,
    stop: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicUsize,
    open: AtomicUsize,
    /// Request body bytes reserved from the in-flight budget now.
    body_bytes: AtomicUsize,
    /// The most ever reserved at once.
    body_bytes_peak: AtomicUsize,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("connections_accepted", &self.connections_accepted())
            .field("connections_open", &self.connections_open())
            .finish_non_exhaustive()
    }
}

impl Server {
    pub(crate) fn start(emulator: Emulator, mut options: ServeOptions) -> io::Result<Server> {
        let admin_token: Arc<str> = options
            .admin_token
            .take()
            .unwrap_or_else(random_token)
            .into();
        let listener = std::net::TcpListener::bind(options.addr)?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("blazeauth-emulator")
            .enable_all()
            .build()?;
        let counters = Arc::new(Counters::default());
        let (stop, stopped) = watch::channel(false);
        let budget = options.max_body_bytes_in_flight;
        let serving = Serving {
            emulator: emulator.clone(),
            admin_token: Arc::clone(&admin_token),
            options: Arc::new(options),
            counters: Arc::clone(&counters),
            served: addr,
            budget: Arc::new(Semaphore::new(budget)),
        };
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let thread = thread::Builder::new()
            .name("blazeauth-emulator-server".into())
            .spawn(move || {
                runtime.block_on(serving.accept_loop(listener, stopped));
                runtime.shutdown_timeout(SHUTDOWN_GRACE);
            })?;
        Ok(Server {
            addr,
            emulator,
            admin_token,
            counters,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the base URL for a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A ready-to-use management key for it: the emulator's admin key (all
    /// scopes, all applications).
    ///
    /// ```
    /// let server = blazeauth_emulator::Emulator::new().serve()?;
    /// let config = blazeauth_core::Config::builder(server.admin_key())
    ///     .base_url(server.base_url())
    ///     .build()?;
    /// assert_eq!(config.base_url().as_str(), server.base_url());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn admin_key(&self) -> blazeauth_core::ManagementKey {
        self.emulator.admin_key()
    }

    /// The token of the [control surface](crate::control) under
    /// `/_emulator/`: `Authorization: Bearer <token>`.
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// How many TCP connections it has accepted so far (exact: counted at
    /// `accept`, before any byte is read).
    pub fn connections_accepted(&self) -> usize {
        self.counters.accepted.load(Ordering::SeqCst)
    }

    /// How many connections are open now.
    pub fn connections_open(&self) -> usize {
        self.counters.open.load(Ordering::SeqCst)
    }

    /// How many request body bytes are reserved from the in-flight budget
    /// now ([`ServeOptions::max_body_bytes_in_flight`]). For tests.
    #[doc(hidden)]
    pub fn body_bytes_in_flight(&self) -> usize {
        self.counters.body_bytes.load(Ordering::SeqCst)
    }

    /// The most request body bytes ever reserved at once. For tests.
    #[doc(hidden)]
    pub fn body_bytes_peak(&self) -> usize {
        self.counters.body_bytes_peak.load(Ordering::SeqCst)
    }

    /// The emulator it serves.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops listening, lets requests in flight finish (up to 2 s), closes
    /// every connection and stops the runtime.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What every connection task shares.
#[derive(Clone)]
struct Serving {
    emulator: Emulator,
    admin_token: Arc<str>,
    options: Arc<ServeOptions>,
    counters: Arc<Counters>,
    /// The address listened on (its IP is accepted as `Host`).
    served: SocketAddr,
    /// The in-flight body budget, one permit a byte.
    budget: Arc<Semaphore>,
}

impl Serving {
    /// Accepts connections until told to stop, at most `max_connections` open.
    async fn accept_loop(self, listener: tokio::net::TcpListener, mut stop: watch::Receiver<bool>) {
        let permits = Arc::new(Semaphore::new(self.options.max_connections));
        let mut connections = tokio::task::JoinSet::new();
        let mut backoff = MIN_ACCEPT_BACKOFF;
        loop {
            // Reap finished connection tasks so the set stays small.
            while connections.try_join_next().is_some() {}
            let permit = tokio::select! {
                _ = stop.changed() => break,
                permit = Arc::clone(&permits).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let accepted = tokio::select! {
                _ = stop.changed() => break,
                accepted = listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, _)) => {
                    backoff = MIN_ACCEPT_BACKOFF;
                    self.counters.accepted.fetch_add(1, Ordering::SeqCst);
                    let serving = self.clone();
                    let stop = stop.clone();
                    connections.spawn(async move {
                        serving.connection(stream, stop).await;
                        drop(permit);
                    });
                }
                Err(_) => {
                    // EMFILE and the like: back off and try again, never give up.
                    drop(permit);
                    tokio::select! {
                        _ = stop.changed() => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
                }
            }
        }
        drop(listener);
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while connections.join_next().await.is_some() {}
        });
        if drained.await.is_err() {
            connections.abort_all();
        }
    }

    /// Serves one connection until it closes or the server stops.
    async fn connection(self, stream: tokio::net::TcpStream, mut stop: watch::Receiver<bool>) {
        let _open = OpenGuard::new(&self.counters);
        let _ = stream.set_nodelay(true);
        let options = Arc::clone(&self.options);
        let service = service_fn(move |request| self.clone().answer(request));
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .keep_alive(true)
            .header_read_timeout(options.header_read_timeout)
            .max_header_size(options.max_header_bytes)
            .max_buf_size(options.max_header_bytes.max(8192));
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        tokio::select! {
            _ = connection.as_mut() => {}
            _ = stop.changed() => {
                connection.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection).await;
            }
        }
    }

    /// Answers one request, or fails to close the connection unanswered.
    async fn answer(
        self,
        request: hyper::Request<Incoming>,
    ) -> Result<hyper::Response<Answer>, Unanswered> {
        let (parts, body) = request.into_parts();
        if !self.host_allowed(&parts) {
            return Ok(closing(misdirected()));
        }
        let limit = self.emulator.max_body_bytes();
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let readable = limit.saturating_add(DRAIN_SLACK);
        if declared.is_some_and(|length| length > readable as u64) {
            return Ok(closing(too_large(limit)));
        }
        // The key (or the admin token) is checked from the head: a request
        // that would be refused is answered before a byte of its body is
        // read, and its connection closed.
        let control = parts.uri.path().starts_with(control::CONTROL_PREFIX);
        if control && !control::authorized(&parts.headers, &self.admin_token) {
            return Ok(closing(control::unauthorized()));
        }
        if !control {
            if let Some(refused) = self.emulator.refuse_head(&parts) {
                return Ok(closing(refused));
            }
        }
        let mut held = Held::new(&self.counters);
        let read = self.read_body(body, declared, readable, &mut held);
        let body = match tokio::time::timeout(self.options.body_read_timeout, read).await {
            Err(_) if held.waiting => {
                return Ok(closing(busy(self.options.max_body_bytes_in_flight)));
            }
            Err(_) => return Ok(closing(body_timeout(self.options.body_read_timeout))),
            Ok(Err(BodyError::TooLarge)) => return Ok(closing(too_large(limit))),
            Ok(Err(BodyError::Busy)) => {
                return Ok(closing(busy(self.options.max_body_bytes_in_flight)));
            }
            // The client went away or sent a malformed body.
            Ok(Err(BodyError::Gone)) => return Err(Unanswered),
            Ok(Ok(body)) => body,
        };
        if body.len() > limit {
            return Ok(closing(too_large(limit)));
        }
        let request = http::Request::from_parts(parts, body);
        if control {
            if request.method() == http::Method::GET && request.uri().path() == "/_emulator/state" {
                return Ok(state_answer(control::StateChunks::new(&self.emulator)));
            }
            let answer = control::handle(&self.emulator, &self.admin_token, &request);
            return Ok(to_hyper(answer));
        }
        let exchange = self.emulator.exchange(request);
        // The body is dropped with the request: its bytes go back to the budget.
        drop(held);
        match exchange {
            Exchange::Answer(response) => Ok(to_hyper(response)),
            Exchange::Delayed { response, delay } => {
                tokio::time::sleep(delay).await;
                Ok(to_hyper(response))
            }
            Exchange::Close => Err(Unanswered),
        }
    }

    /// Reads a body of at most `readable` bytes, reserving its bytes from the
    /// in-flight budget first: the declared length whole, before reading; a
    /// streamed body step by step as it arrives.
    async fn read_body(
        &self,
        mut body: Incoming,
        declared: Option<u64>,
        readable: usize,
        held: &mut Held,
    ) -> Result<Vec<u8>, BodyError> {
        let declared = declared.map_or(0, |d| {
            usize::try_from(d).unwrap_or(usize::MAX).min(readable)
        });
        self.reserve(held, declared).await?;
        let mut data = Vec::with_capacity(declared);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| BodyError::Gone)?;
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            let total = data.len().saturating_add(chunk.len());
            if total > readable {
                return Err(BodyError::TooLarge);
            }
            if total > held.bytes {
                let step = total.div_ceil(BUDGET_STEP).saturating_mul(BUDGET_STEP);
                self.reserve(held, step.min(readable)).await?;
            }
            data.extend_from_slice(&chunk);
        }
        Ok(data)
    }

    /// Waits until `held` holds `bytes` of the budget (never more than the
    /// whole budget), marking it as waiting meanwhile.
    /// Fails with [`BodyError::Busy`] when no room comes within [`BUDGET_WAIT`].
    async fn reserve(&self, held: &mut Held, bytes: usize) -> Result<(), BodyError> {
        let bytes = bytes.min(self.options.max_body_bytes_in_flight);
        if bytes <= held.bytes {
            return Ok(());
        }
        let more = u32::try_from(bytes - held.bytes).unwrap_or(u32::MAX);
        held.waiting = true;
        let acquire = Arc::clone(&self.budget).acquire_many_owned(more);
        match tokio::time::timeout(BUDGET_WAIT, acquire).await {
            Ok(Ok(permit)) => {
                held.waiting = false;
                held.add(permit, more as usize);
                Ok(())
            }
            // Timed out, or the budget is closed (it never is).
            _ => Err(BodyError::Busy),
        }
    }

    /// Whether the request's `Host` (and the authority of an absolute
    /// target) is one the server answers to; see [`ServeOptions`].
    fn host_allowed(&self, parts: &http::request::Parts) -> bool {
        let header = match parts.headers.get(http::header::HOST) {
            None => None,
            Some(value) => match value.to_str() {
                Ok(text) => Some(text),
                Err(_) => return false,
            },
        };
        let authority = parts.uri.authority().map(http::uri::Authority::as_str);
        [header, authority]
            .into_iter()
            .flatten()
            .all(|host| self.host_is_ours(host))
    }

    fn host_is_ours(&self, authority: &str) -> bool {
        host_is_ours(authority, self.served, &self.options.allowed_hosts)
    }
}

/// Whether a request for `authority` is one a server listening on `served`
/// answers: see [`ServeOptions`].
fn host_is_ours(authority: &str, served: SocketAddr, allowed: &[String]) -> bool {
    let host = host_of(authority.trim()).to_ascii_lowercase();
    if host == "localhost" || allowed.contains(&host) {
        return true;
    }
    let ip = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .map_or_else(
            || host.parse::<Ipv4Addr>().map(IpAddr::V4).ok(),
            |h| h.parse::<Ipv6Addr>().map(IpAddr::V6).ok(),
        );
    let Some(ip) = ip else {
        return false;
    };
    ip.is_loopback() || ip == served.ip() || served.ip().is_unspecified()
}

/// The host of an authority (`host`, `host:port`, `[v6]`, `[v6]:port`), port removed.
fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => &authority[..=end],
            None => authority,
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

/// Why a body was not read whole.
enum BodyError {
    /// Past the limit and its drain.
    TooLarge,
    /// No room in the in-flight budget in time.
    Busy,
    /// The client went away or sent a malformed body.
    Gone,
}

/// The budget a request holds for its body, given back on drop.
struct Held {
    permit: Option<OwnedSemaphorePermit>,
    bytes: usize,
    waiting: bool,
    counters: Arc<Counters>,
}

impl Held {
    fn new(counters: &Arc<Counters>) -> Self {
        Self {
            permit: None,
            bytes: 0,
            waiting: false,
            counters: Arc::clone(counters),
        }
    }

    fn add(&mut self, permit: OwnedSemaphorePermit, bytes: usize) {
        match &mut self.permit {
            Some(held) => held.merge(permit),
            None => self.permit = Some(permit),
        }
        self.bytes += bytes;
        let now = self.counters.body_bytes.fetch_add(bytes, Ordering::SeqCst) + bytes;
        self.counters
            .body_bytes_peak
            .fetch_max(now, Ordering::SeqCst);
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.counters
            .body_bytes
            .fetch_sub(self.bytes, Ordering::SeqCst);
    }
}

/// 32 random letters and digits, from a randomly seeded generator.
fn random_token() -> String {
    let mut rng = fastrand::Rng::new();
    (0..32).map(|_| rng.alphanumeric()).collect()
}

/// Counts a connection as open while it lives.
struct OpenGuard(Arc<Counters>);

impl OpenGuard {
    fn new(counters: &Arc<Counters>) -> Self {
        counters.open.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(counters))
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The service's error: hyper closes the connection without writing an answer.
#[derive(Debug)]
struct Unanswered;

impl fmt::Display for Unanswered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the connection is closed without an answer")
    }
}

impl std::error::Error for Unanswered {}

fn too_large(limit: usize) -> http::Response<Vec<u8>> {
    Failure::new(
        http::StatusCode::PAYLOAD_TOO_LARGE,
        codes::PAYLOAD_TOO_LARGE,
        format!("The request body is over the emulator's limit of {limit} bytes."),
    )
    .into_response()
}

fn body_timeout(timeout: Duration) -> http::Response<Vec<u8>> {
    Failure::new(
        http::StatusCode::REQUEST_TIMEOUT,
        codes::REQUEST_TIMEOUT,
        format!(
            "The request body did not arrive within {} ms.",
            timeout.as_millis()
        ),
    )
    .into_response()
}

fn busy(budget: usize) -> http::Response<Vec<u8>> {
    Failure::new(
        http::StatusCode::SERVICE_UNAVAILABLE,
        codes::SERVER_BUSY,
        format!(
            "The emulator holds its limit of {budget} bytes of request bodies in flight; try again later."
        ),
    )
    .into_response()
}

fn misdirected() -> http::Response<Vec<u8>> {
    Failure::new(
        http::StatusCode::MISDIRECTED_REQUEST,
        codes::MISDIRECTED_REQUEST,
        "The emulator answers to loopback hosts only (localhost, 127.0.0.1, [::1]) \
         and the address it listens on; this request's Host is none of them.",
    )
    .into_response()
}

/// `response` with `Connection: close`, so hyper closes the connection after it
/// (the rest of the request body is never read).
fn closing(mut response: http::Response<Vec<u8>>) -> hyper::Response<Answer> {
    response.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    to_hyper(response)
}

/// The emulator's answer as hyper's, its `Content-Length` computed from the body.
fn to_hyper(response: http::Response<Vec<u8>>) -> hyper::Response<Answer> {
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(http::header::CONTENT_LENGTH);
    let body = Some(Bytes::from(body)).filter(|b| !b.is_empty());
    hyper::Response::from_parts(parts, Answer::Whole(body))
}

/// The state: whole, with its `Content-Length`, when it fits in its first
/// chunk; else sent chunk by chunk as it is produced.
fn state_answer(mut chunks: control::StateChunks) -> hyper::Response<Answer> {
    let first = chunks.next_chunk().map(Bytes::from);
    let body = if chunks.is_done() {
        Answer::Whole(first)
    } else {
        Answer::State {
            pending: first,
            chunks,
        }
    };
    let mut response = hyper::Response::new(body);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// An answer's body: whole (with its `Content-Length`), or the state
/// produced as it is sent (chunked).
enum Answer {
    Whole(Option<Bytes>),
    State {
        /// A chunk produced already, sent first.
        pending: Option<Bytes>,
        chunks: control::StateChunks,
    },
}

impl hyper::body::Body for Answer {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let frame = match self.get_mut() {
            Answer::Whole(body) => body.take(),
            Answer::State { pending, chunks } => pending
                .take()
                .or_else(|| chunks.next_chunk().map(Bytes::from)),
        };
        Poll::Ready(frame.map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Answer::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Answer::Whole(body) => {
                SizeHint::with_exact(body.as_ref().map_or(0, |b| b.len() as u64))
            }
            Answer::State { .. } => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_loopback_the_served_address_or_allowed() {
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 8787));
        let lan = SocketAddr::from(([192, 0, 2, 10], 8787));
        let any = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 8787));
        let none: &[String] = &[];
        for host in [
            "localhost",
            "LocalHost:8787",
            "127.0.0.1",
            "127.0.0.1:1",
            "127.9.8.7:8787",
            "[::1]",
            "[::1]:8787",
        ] {
            for served in [loopback, lan, any] {
                assert!(host_is_ours(host, served, none), "{host} on {served}");
            }
        }
        for host in [
            "evil.example",
            "evil.example:8787",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "192.0.2.10:8787",
            "[::2]",
            "",
            "[::1",
            "0x7f000001",
        ] {
            assert!(!host_is_ours(host, loopback, none), "{host}");
        }
        // Served on a LAN address on purpose: that address too, names not.
        assert!(host_is_ours("192.0.2.10:8787", lan, none));
        assert!(host_is_ours("192.0.2.10", lan, none));
        assert!(!host_is_ours("192.0.2.11", lan, none));
        assert!(!host_is_ours("evil.example", lan, none));
        // Served on every interface: any address, still no names.
        assert!(host_is_ours("198.51.100.7:8787", any, none));
        assert!(!host_is_ours("evil.example:8787", any, none));
        // Names allowed by the user.
        let allowed = ["emulator.test".to_owned()];
        assert!(host_is_ours("Emulator.Test:8787", lan, &allowed));
        assert!(!host_is_ours("other.test", lan, &allowed));
    }
}
