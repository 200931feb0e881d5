//! The emulator over real HTTP/1.1: [`Server`].
//!
//! HTTP is [tiny_http]'s (keep-alive, `Expect: 100-continue`, chunked
//! request bodies), with [`WORKERS`] threads answering requests. tiny_http
//! accepts connections itself and cannot drop one without answering, so the
//! server puts a thin TCP relay in front of it: the public listener accepts
//! each connection (counted exactly, see [`Server::connections_accepted`]) and
//! relays its bytes both ways to tiny_http on a private loopback port. The
//! relay is what [`Fault::CloseConnection`](crate::Fault::CloseConnection)
//! shuts, so the client sees its connection closed with no answer at all.
//!
//! Delayed answers ([`Fault::Delay`](crate::Fault::Delay)) wait on a thread of
//! their own, so they never hold a worker. Answers always carry
//! `Content-Length` (never chunked). A request declaring a body more than
//! [`FAR_OVER_LIMIT`] bytes over the emulator's limit gets its connection
//! closed without an answer (tiny_http would otherwise allocate the whole
//! declared length to drain it); one less far over is answered 413.

use std::collections::HashMap;
use std::io::{self, Cursor, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::emulator::{Emulator, Exchange};
use crate::router;

/// Threads answering requests.
pub const WORKERS: usize = 4;

/// How far over the body limit a declared `Content-Length` may go and still
/// be answered 413 (the rest of the body is then read and dropped).
pub const FAR_OVER_LIMIT: usize = 64 * 1024 * 1024;

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
    front: Arc<Front>,
    http: Arc<tiny_http::Server>,
    threads: Vec<JoinHandle<()>>,
}

/// The relay's shared state.
#[derive(Debug, Default)]
struct Front {
    stopping: AtomicBool,
    accepted: AtomicUsize,
    /// A handle on each open client connection, by the local address of its
    /// relay leg (which tiny_http reports as the request's remote address).
    open: Mutex<HashMap<SocketAddr, TcpStream>>,
}

impl Front {
    /// Closes the client connection relayed from `relay_addr`, both ways.
    fn close(&self, relay_addr: &SocketAddr) {
        let client = self
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(relay_addr);
        if let Some(client) = client {
            let _ = client.shutdown(Shutdown::Both);
        }
    }

    fn close_all(&self) {
        let open = std::mem::take(&mut *self.open.lock().unwrap_or_else(PoisonError::into_inner));
        for client in open.values() {
            let _ = client.shutdown(Shutdown::Both);
        }
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("connections_accepted", &self.connections_accepted())
            .finish_non_exhaustive()
    }
}

impl Server {
    pub(crate) fn start(emulator: Emulator, addr: SocketAddr) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let private = nodelay_listener()?;
        let private_addr = private.local_addr()?;
        let http =
            Arc::new(tiny_http::Server::from_listener(private, None).map_err(io::Error::other)?);
        let front = Arc::new(Front::default());
        let mut threads = Vec::with_capacity(WORKERS + 1);
        let acceptor_front = Arc::clone(&front);
        threads.push(
            thread::Builder::new()
                .name("emulator-accept".into())
                .spawn(move || accept(&listener, private_addr, &acceptor_front))?,
        );
        for i in 0..WORKERS {
            let (http, emulator, front) = (Arc::clone(&http), emulator.clone(), Arc::clone(&front));
            threads.push(
                thread::Builder::new()
                    .name(format!("emulator-worker-{i}"))
                    .spawn(move || work(&http, &emulator, &front))?,
            );
        }
        Ok(Server {
            addr,
            emulator,
            front,
            http,
            threads,
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

    /// How many TCP connections it has accepted so far (exact: counted at
    /// `accept`, before any byte is read).
    pub fn connections_accepted(&self) -> usize {
        self.front.accepted.load(Ordering::SeqCst)
    }

    /// The emulator it serves.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops listening, closes every open connection and waits for the workers.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if self.front.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // Wake the acceptor, which sees `stopping` and ends. Should that
        // fail, it is left to end with the process rather than waited for.
        let woken = TcpStream::connect_timeout(&wake_addr(self.addr), Duration::from_secs(2));
        let mut threads = self.threads.drain(..);
        let acceptor = threads.next();
        self.front.close_all();
        for _ in 0..WORKERS {
            self.http.unblock();
        }
        for thread in threads {
            let _ = thread.join();
        }
        if let (Some(acceptor), Ok(_)) = (acceptor, woken) {
            let _ = acceptor.join();
        }
        // Connections that opened while stopping.
        self.front.close_all();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where to connect to reach a listener bound to `addr`.
/// A loopback listener whose accepted sockets have `TCP_NODELAY` (inherited
/// from the listener on Linux and the BSDs). tiny_http writes a response in
/// several pieces and never sets the option itself; without it the last piece
/// of every large response waits for the relay's delayed ACK (about 40 ms).
fn nodelay_listener() -> io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_tcp_nodelay(true)?;
    socket.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())?;
    socket.listen(128)?;
    Ok(socket.into())
}

fn wake_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

/// Accepts client connections and relays each to tiny_http.
fn accept(listener: &TcpListener, private: SocketAddr, front: &Arc<Front>) {
    for client in listener.incoming() {
        if front.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(client) = client else {
            // Out of file descriptors or the like: give the system a moment.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        front.accepted.fetch_add(1, Ordering::SeqCst);
        let front = Arc::clone(front);
        let spawned = thread::Builder::new()
            .name("emulator-relay".into())
            .spawn(move || relay(client, private, &front));
        drop(spawned);
    }
}

/// Relays one client connection to tiny_http and back, until either side closes.
fn relay(client: TcpStream, private: SocketAddr, front: &Front) {
    let Ok(inner) = TcpStream::connect(private) else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = inner.set_nodelay(true);
    let (Ok(key), Ok(client_out), Ok(inner_in), Ok(handle)) = (
        inner.local_addr(),
        client.try_clone(),
        inner.try_clone(),
        client.try_clone(),
    ) else {
        return;
    };
    front
        .open
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, handle);
    let back = thread::Builder::new()
        .name("emulator-relay-back".into())
        .spawn(move || pump(inner_in, client_out));
    pump(client, inner);
    if let Ok(back) = back {
        let _ = back.join();
    }
    front
        .open
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&key);
}

/// Copies `from` to `to` until `from` ends, then closes `to` for writing.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    let _ = io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

/// Answers requests until unblocked.
fn work(http: &tiny_http::Server, emulator: &Emulator, front: &Front) {
    while let Ok(request) = http.recv() {
        serve(request, emulator, front);
    }
}

fn serve(mut request: tiny_http::Request, emulator: &Emulator, front: &Front) {
    let limit = emulator.max_body_bytes();
    let relay_addr = request.remote_addr().copied();
    if request
        .body_length()
        .is_some_and(|declared| declared > limit.saturating_add(FAR_OVER_LIMIT))
    {
        if let Some(addr) = relay_addr {
            front.close(&addr);
        }
        // Dropping the request would make tiny_http allocate the whole
        // declared length to drain it; the relay leg is closed, so it is
        // simply abandoned.
        std::mem::forget(request);
        return;
    }
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut body);
    if read.is_err() {
        return; // The client went away mid-body.
    }
    let Some(http_request) = to_http(&request, body) else {
        respond(request, router::bad_target());
        return;
    };
    match emulator.exchange(http_request) {
        Exchange::Answer(response) => respond(request, response),
        Exchange::Delayed { response, delay } => {
            let spawned = thread::Builder::new()
                .name("emulator-delay".into())
                .spawn(move || {
                    thread::sleep(delay);
                    respond(request, response);
                });
            drop(spawned);
        }
        Exchange::Close => {
            if let Some(addr) = relay_addr {
                front.close(&addr);
            }
            // Take the writer so tiny_http writes nothing, not even a 500.
            drop(request.into_writer());
        }
    }
}

/// The request as an `http::Request`, or `None` if its target or method is not valid.
fn to_http(request: &tiny_http::Request, body: Vec<u8>) -> Option<http::Request<Vec<u8>>> {
    let mut out = http::Request::new(body);
    *out.method_mut() = http::Method::from_bytes(request.method().as_str().as_bytes()).ok()?;
    *out.uri_mut() = request.url().parse().ok()?;
    for header in request.headers() {
        let name = http::HeaderName::from_bytes(header.field.as_str().as_str().as_bytes());
        let value = http::HeaderValue::from_bytes(header.value.as_str().as_bytes());
        if let (Ok(name), Ok(value)) = (name, value) {
            out.headers_mut().append(name, value);
        }
    }
    Some(out)
}

/// Sends `response`, always with `Content-Length`.
fn respond(request: tiny_http::Request, response: http::Response<Vec<u8>>) {
    let (parts, body) = response.into_parts();
    let length = body.len();
    let mut out = tiny_http::Response::new(
        tiny_http::StatusCode(parts.status.as_u16()),
        Vec::new(),
        Cursor::new(body),
        Some(length),
        None,
    )
    .with_chunked_threshold(usize::MAX);
    for (name, value) in &parts.headers {
        if name == http::header::CONTENT_LENGTH {
            continue;
        }
        if let Ok(header) =
            tiny_http::Header::from_bytes(name.as_str().as_bytes(), value.as_bytes())
        {
            out.add_header(header);
        }
    }
    let _ = request.respond(out);
}
