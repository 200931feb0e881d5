//! A tiny scripted HTTP/1.1 server on `127.0.0.1:0` for the transport's tests:
//! it records every request, counts accepted connections, and answers each
//! request as a handler says (a normal response, a delay, a closed or reset
//! connection, raw bytes), so failures can be produced deterministically.
//! A request whose target contains `reset-connection` is met with a TCP reset:
//! the server closes the socket with the request body unread.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use blazeauth_core::{Config, ManagementKey};

/// A well-formed key whose secret the secrecy tests search for.
pub const KEY: &str =
    "blz_mgmt_bak_0123456789abcdef_S3cretS3cretS3cretS3cretS3cretS3cretS3cretS3cret";
/// The part of [`KEY`] that must never show.
pub const SECRET: &str = "S3cretS3cretS3cretS3cretS3cretS3cretS3cretS3cret";

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// The headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Which accepted connection (0-based) carried it.
    pub connection: usize,
}

impl Recorded {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A response with `Content-Length`; the connection stays open.
    Respond {
        /// Status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Waits, then does the inner reply.
    Delay(Duration, Box<Reply>),
    /// Closes the connection without answering.
    Close,
    /// Writes these bytes as they are, then closes the connection.
    RawThenClose(Vec<u8>),
    /// Writes these bytes as they are and keeps the connection open.
    Raw(Vec<u8>),
}

impl Reply {
    /// `200` with a JSON body.
    pub fn json(body: &str) -> Self {
        Self::status_json(200, body)
    }

    /// `status` with a JSON body.
    pub fn status_json(status: u16, body: &str) -> Self {
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// The usual success envelope with `data`.
    pub fn ok_data(data: &str) -> Self {
        Self::json(&format!(
            r#"{{"success":true,"message":"ok","data":{data}}}"#
        ))
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

/// The running server; stops accepting when dropped.
pub struct TestServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
}

impl TestServer {
    /// Starts a server answering request number `n` (0-based, across
    /// connections) with `handler(&request, n)`.
    pub fn start(handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let accepted = Arc::clone(&accepted);
            let requests = Arc::clone(&requests);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let connection = accepted.fetch_add(1, Ordering::SeqCst);
                    let requests = Arc::clone(&requests);
                    let handler = Arc::clone(&handler);
                    thread::spawn(move || serve(stream, connection, &requests, &*handler));
                }
            });
        }
        Self {
            addr,
            accepted,
            requests,
            stop,
        }
    }

    /// Answers every request with the same reply.
    pub fn always(reply: Reply) -> Self {
        Self::start(move |_, _| reply.clone())
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections were accepted.
    pub fn connections_accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }

    /// A client configuration pointing at this server.
    pub fn config(&self) -> Config {
        Config::builder(ManagementKey::parse(KEY).expect("key"))
            .base_url(self.base_url())
            .build()
            .expect("config")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(stream: TcpStream, connection: usize, requests: &Mutex<Vec<Recorded>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        let Some(request) = read_request(&mut reader, connection) else {
            return;
        };
        let index = {
            let mut all = requests.lock().expect("lock");
            all.push(request.clone());
            all.len() - 1
        };
        let mut reply = handler(&request, index);
        loop {
            match reply {
                Reply::Delay(delay, inner) => {
                    thread::sleep(delay);
                    reply = *inner;
                }
                Reply::Respond {
                    status,
                    headers,
                    body,
                } => {
                    let mut head = format!("HTTP/1.1 {status} Status\r\n");
                    for (name, value) in &headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
                    let mut bytes = head.into_bytes();
                    bytes.extend_from_slice(&body);
                    if writer.write_all(&bytes).is_err() {
                        return;
                    }
                    break;
                }
                Reply::Close => {
                    let _ = writer.shutdown(Shutdown::Both);
                    return;
                }
                Reply::RawThenClose(bytes) => {
                    let _ = writer.write_all(&bytes);
                    let _ = writer.flush();
                    let _ = writer.shutdown(Shutdown::Both);
                    return;
                }
                Reply::Raw(bytes) => {
                    if writer.write_all(&bytes).is_err() {
                        return;
                    }
                    break;
                }
            }
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>, connection: usize) -> Option<Recorded> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    if target.contains("reset-connection") {
        // Return with the body unread: closing a socket with unread data makes
        // the kernel answer with a TCP reset instead of a clean close.
        return None;
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        target,
        headers,
        body,
        connection,
    })
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

/// A sleeper that records the delays instead of waiting.
#[derive(Clone, Default)]
pub struct RecordingSleeper(pub Arc<Mutex<Vec<Duration>>>);

impl RecordingSleeper {
    /// The delays asked for so far.
    pub fn delays(&self) -> Vec<Duration> {
        self.0.lock().expect("lock").clone()
    }
}

impl blazeauth_core::Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) {
        self.0.lock().expect("lock").push(duration);
    }
}

/// A configuration for `server` with its admin key.
pub fn served_config(server: &blazeauth_emulator::Server) -> Config {
    Config::builder(server.admin_key())
        .base_url(server.base_url())
        .build()
        .expect("config")
}

/// Asserts that `error` is a mutation that may have been sent (its outcome
/// unknown), failed with `kind`.
pub fn assert_mutation_outcome_unknown(
    error: &blazeauth_core::Error,
    kind: blazeauth_core::TransportErrorKind,
) {
    let blazeauth_core::Error::MaybeSent { source, class } = error else {
        panic!("expected a maybe-sent error, got {error:?}");
    };
    assert_eq!(*class, blazeauth_core::RetryClass::Mutation);
    assert_eq!(source.kind(), kind);
    assert!(error.outcome_unknown());
}

/// Asserts that nothing of [`KEY`]'s secret shows in `error`'s `Display`,
/// `Debug` (plain and pretty) or source chain.
pub fn assert_no_secret(error: &(dyn std::error::Error + 'static)) {
    assert_hides(error, SECRET);
    assert_hides(error, "S3cret");
}

/// Asserts that nothing of `key`'s secret shows in `error`'s `Display`,
/// `Debug` (plain and pretty) or source chain.
pub fn assert_hides_key(error: &(dyn std::error::Error + 'static), key: &ManagementKey) {
    let whole = key.expose_secret();
    let secret = whole.rsplit('_').next().unwrap_or(whole);
    assert!(secret.len() >= 16, "a real secret");
    assert_hides(error, whole);
    assert_hides(error, secret);
    // Any 12-character piece of it.
    for start in (0..secret.len() - 12).step_by(6) {
        assert_hides(error, &secret[start..start + 12]);
    }
}

fn assert_hides(error: &(dyn std::error::Error + 'static), secret: &str) {
    let mut texts = vec![
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ];
    let mut source = error.source();
    while let Some(inner) = source {
        texts.push(inner.to_string());
        texts.push(format!("{inner:?}"));
        source = inner.source();
    }
    for text in texts {
        assert!(!text.contains(secret), "the secret leaked: {text}");
    }
}
