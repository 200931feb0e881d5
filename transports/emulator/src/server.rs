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
//! sent with a matching `Content-Length`. Answers always carry
//! `Content-Length` (never chunked), and every accepted connection is counted
//! ([`Server::connections_accepted`]).

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{Semaphore, watch};

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
        let serving = Serving {
            emulator: emulator.clone(),
            admin_token: Arc::clone(&admin_token),
            options: Arc::new(options),
            counters: Arc::clone(&counters),
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
    ) -> Result<hyper::Response<Full<Bytes>>, Unanswered> {
        let (parts, body) = request.into_parts();
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
        // Read up to DRAIN_SLACK past the limit, so that a client sending a
        // body a little too large has sent it whole and reads the 413
        // (instead of a reset while it is still writing).
        let read = Limited::new(body, readable).collect();
        let body = match tokio::time::timeout(self.options.body_read_timeout, read).await {
            Err(_) => return Ok(closing(body_timeout(self.options.body_read_timeout))),
            Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
                return Ok(closing(too_large(limit)));
            }
            // The client went away or sent a malformed body.
            Ok(Err(_)) => return Err(Unanswered),
            Ok(Ok(collected)) => collected.to_bytes(),
        };
        if body.len() > limit {
            return Ok(closing(too_large(limit)));
        }
        let request = http::Request::from_parts(parts, body.to_vec());
        if request.uri().path().starts_with(control::CONTROL_PREFIX) {
            let answer = control::handle(&self.emulator, &self.admin_token, &request);
            return Ok(to_hyper(answer));
        }
        match self.emulator.exchange(request) {
            Exchange::Answer(response) => Ok(to_hyper(response)),
            Exchange::Delayed { response, delay } => {
                tokio::time::sleep(delay).await;
                Ok(to_hyper(response))
            }
            Exchange::Close => Err(Unanswered),
        }
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

/// `response` with `Connection: close`, so hyper closes the connection after it
/// (the rest of the request body is never read).
fn closing(mut response: http::Response<Vec<u8>>) -> hyper::Response<Full<Bytes>> {
    response.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    to_hyper(response)
}

/// The emulator's answer as hyper's, its `Content-Length` computed from the body.
fn to_hyper(response: http::Response<Vec<u8>>) -> hyper::Response<Full<Bytes>> {
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(http::header::CONTENT_LENGTH);
    hyper::Response::from_parts(parts, Full::new(Bytes::from(body)))
}
