//! The emulator over real HTTP/1.1 on loopback: keep-alive and exact
//! connection counts, concurrency, every fault as a client on the wire sees
//! it, body limits, shutdown, and the binary.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use blazeauth_core::api;
use blazeauth_emulator::{Emulator, Fault, FaultRule, ManualClock, Server};
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A ureq agent that reports every status as a response (no error).
fn agent(timeout: Option<Duration>) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout.unwrap_or(TIMEOUT)))
        .build()
        .into()
}

struct Served {
    emulator: Emulator,
    server: Server,
    app: String,
    auth: String,
}

fn served() -> Served {
    let emulator = Emulator::builder()
        .seed(8)
        .clock(ManualClock::new())
        .build();
    let app = emulator.create_application("Served app").expect("app");
    let server = emulator.serve().expect("serve");
    Served {
        auth: format!("Bearer {}", emulator.admin_key().expose_secret()),
        app: app.as_str().to_owned(),
        emulator,
        server,
    }
}

impl Served {
    fn url(&self, route: &str) -> String {
        format!(
            "{}/api/v1/panel/{route}?applicationId={}",
            self.server.base_url(),
            self.app
        )
    }

    fn create_body(count: u32) -> Vec<u8> {
        json!({
            "count": count,
            "license": "HTTP-******",
            "licensesSettings": {"levels": ["basic"], "durationSeconds": "30d", "requiresClientId": false}
        })
        .to_string()
        .into_bytes()
    }

    /// POST create-licenses with `agent`.
    fn create(
        &self,
        agent: &ureq::Agent,
        count: u32,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        agent
            .post(self.url("create-licenses"))
            .header("authorization", &self.auth)
            .header("content-type", "application/json")
            .send(&Self::create_body(count)[..])
    }

    fn licenses(&self) -> usize {
        self.emulator.licenses(&self.app.parse().expect("id")).len()
    }

    /// A raw HTTP/1.1 request on a new socket: what it wrote back, until EOF or `limit` bytes.
    fn raw_exchange(&self, request: &[u8]) -> Vec<u8> {
        let mut stream = TcpStream::connect(self.server.addr()).expect("connect");
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        stream.write_all(request).expect("write");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        answer
    }

    fn raw_create_request(&self, close: bool) -> Vec<u8> {
        let body = Self::create_body(1);
        let mut request = format!(
            "POST /api/v1/panel/create-licenses?applicationId={} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.app,
            self.auth,
            body.len()
        );
        if close {
            request.push_str("Connection: close\r\n");
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(&body);
        bytes
    }
}

/// Reads one HTTP/1.1 response (status, headers, `Content-Length` body) off `reader`.
fn read_response(reader: &mut impl BufRead) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("header line");
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .expect("content-length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn requests_on_one_agent_share_one_connection() {
    let s = served();
    let agent = agent(None);
    for _ in 0..100 {
        let mut response = agent
            .get(format!(
                "{}/api/v1/panel/get-applications",
                s.server.base_url()
            ))
            .header("authorization", &s.auth)
            .call()
            .expect("get");
        assert_eq!(response.status(), 200);
        let body: Value =
            serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
                .expect("json");
        assert_eq!(body["message"], "Successfully fetched applications");
    }
    assert_eq!(s.server.connections_accepted(), 1);
    assert_eq!(s.emulator.requests_handled(), 100);

    // Raw sockets: three requests on one, then two more sockets.
    let mut stream = TcpStream::connect(s.server.addr()).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    for _ in 0..3 {
        write!(
            stream,
            "GET /api/v1/panel/get-applications HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {}\r\n\r\n",
            s.auth
        )
        .expect("write");
        let (status, headers, body) = read_response(&mut reader);
        assert_eq!(status, 200);
        assert_eq!(
            header(&headers, "content-type"),
            Some("application/json; charset=utf-8")
        );
        assert!(serde_json::from_slice::<Value>(&body).is_ok());
    }
    assert_eq!(s.server.connections_accepted(), 2);
    for _ in 0..2 {
        let answer =
            s.raw_exchange(b"GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assert!(
            answer.starts_with(b"HTTP/1.1 404"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert_eq!(s.server.connections_accepted(), 4);
}

#[test]
fn eight_threads_creating_at_once_lose_and_duplicate_nothing() {
    let s = served();
    const THREADS: usize = 8;
    const REQUESTS: usize = 12;
    const BATCH: u32 = 20;
    let created: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let s = &s;
                scope.spawn(move || {
                    let agent = agent(None);
                    let mut keys = Vec::new();
                    for _ in 0..REQUESTS {
                        let mut response = s.create(&agent, BATCH).expect("create");
                        assert_eq!(response.status(), 200);
                        let body: Value = serde_json::from_str(
                            &response.body_mut().read_to_string().expect("body"),
                        )
                        .expect("json");
                        let batch = body["createdLicenses"].as_array().expect("keys");
                        keys.extend(batch.iter().filter_map(|k| k.as_str().map(str::to_owned)));
                    }
                    keys
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let expected = THREADS * REQUESTS * BATCH as usize;
    let all: Vec<&String> = created.iter().flatten().collect();
    assert_eq!(all.len(), expected);
    let unique: HashSet<&String> = all.iter().copied().collect();
    assert_eq!(unique.len(), expected, "no key handed out twice");

    // The table (walked through the typed client) and the metadata agree.
    let client = s.emulator.client();
    let app: blazeauth_core::ApplicationId = s.app.parse().expect("id");
    let rows: Vec<String> = client
        .pages(api::GetLicensesTable::new(app.clone()))
        .rows()
        .map(|row| row.expect("row").license)
        .collect();
    assert_eq!(rows.len(), expected);
    assert_eq!(
        rows.iter().collect::<HashSet<_>>(),
        unique.iter().copied().collect()
    );
    let metadata = client
        .send(&api::GetLicensesMetadata::new(app))
        .expect("metadata");
    assert_eq!(metadata.total_licenses, expected as u64);
    assert_eq!(metadata.available_licenses, expected as u64);
    assert_eq!(
        s.server.connections_accepted(),
        THREADS,
        "one kept-alive connection each"
    );
}

#[test]
fn a_closed_connection_gets_no_answer_but_the_request_was_processed() {
    let s = served();
    s.emulator.inject(
        FaultRule::new(Fault::CloseConnection)
            .on_path("/api/v1/panel/create-licenses")
            .times(1),
    );
    let answer = s.raw_exchange(&s.raw_create_request(false));
    assert!(
        answer.is_empty(),
        "no byte of an answer: {}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(s.licenses(), 1, "processed once");
    // The rule is used up; the server goes on serving, ureq included.
    let agent = agent(None);
    assert_eq!(s.create(&agent, 1).expect("create").status(), 200);
    s.emulator
        .inject(FaultRule::new(Fault::CloseConnection).times(1));
    assert!(
        s.create(&agent, 1).is_err(),
        "ureq sees the connection closed"
    );
    assert_eq!(s.licenses(), 3);
    assert_eq!(s.create(&agent, 1).expect("create").status(), 200);
}

#[test]
fn a_delayed_answer_times_out_after_the_work_was_done_once() {
    let s = served();
    s.emulator.inject(
        FaultRule::new(Fault::Delay(Duration::from_secs(3)))
            .on_path("/api/v1/panel/create-licenses")
            .times(1),
    );
    let impatient = agent(Some(Duration::from_millis(200)));
    let started = Instant::now();
    let result = s.create(&impatient, 5);
    assert!(matches!(result, Err(ureq::Error::Timeout(_))), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the client gave up first"
    );
    assert_eq!(s.licenses(), 5, "the batch was created, once");

    // A patient client gets the answer after the delay.
    s.emulator
        .inject(FaultRule::new(Fault::Delay(Duration::from_millis(300))).times(1));
    let started = Instant::now();
    let response = s.create(&agent(None), 2).expect("create");
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(s.licenses(), 7);
}

#[test]
fn injected_statuses_rate_limits_and_html_come_without_processing() {
    let s = served();
    let agent = agent(None);
    for status in [500, 502, 503] {
        s.emulator.inject(
            FaultRule::new(Fault::Status(
                http::StatusCode::from_u16(status).expect("status"),
            ))
            .times(1),
        );
        let mut response = s.create(&agent, 1).expect("answer");
        assert_eq!(response.status(), status);
        let body: Value =
            serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
                .expect("json");
        assert_eq!(
            (body["success"].clone(), body["code"].clone()),
            (json!(false), json!("injected_fault"))
        );
    }
    s.emulator.inject(
        FaultRule::new(Fault::RateLimited {
            retry_after: Duration::from_secs(7),
        })
        .times(1),
    );
    let mut response = s.create(&agent, 1).expect("answer");
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    let body: Value =
        serde_json::from_str(&response.body_mut().read_to_string().expect("body")).expect("json");
    assert_eq!(body["code"], "rate_limited");

    s.emulator
        .inject(FaultRule::new(Fault::Html(http::StatusCode::BAD_GATEWAY)).times(1));
    let mut response = s.create(&agent, 1).expect("answer");
    assert_eq!(response.status(), 502);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let page = response.body_mut().read_to_string().expect("body");
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("502 Bad Gateway"),
        "{page}"
    );
    assert_eq!(s.licenses(), 0, "none of these reached the handler");
    assert_eq!(s.emulator.requests_handled(), 5, "but all were counted");
}

#[test]
fn truncated_and_oversized_bodies_have_matching_lengths() {
    let s = served();
    s.emulator
        .inject(FaultRule::new(Fault::TruncateBody).times(1));
    let answer = s.raw_exchange(&s.raw_create_request(true));
    let (status, headers, body) = read_response(&mut BufReader::new(&answer[..]));
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-length"),
        Some(body.len().to_string().as_str())
    );
    assert!(body.starts_with(b"{\"success\":true"));
    assert!(
        serde_json::from_slice::<Value>(&body).is_err(),
        "cut-off JSON"
    );
    assert_eq!(s.licenses(), 1, "processed");

    s.emulator
        .inject(FaultRule::new(Fault::OversizedBody(300_000)).times(1));
    let mut response = agent(None)
        .get(format!(
            "{}/api/v1/panel/get-applications",
            s.server.base_url()
        ))
        .header("authorization", &s.auth)
        .call()
        .expect("get");
    assert_eq!(response.headers()["content-length"], "300000");
    let body = response
        .body_mut()
        .with_config()
        .limit(1_000_000)
        .read_to_vec()
        .expect("body");
    assert_eq!(body.len(), 300_000);
    let value: Value = serde_json::from_slice(&body).expect("valid JSON");
    assert_eq!(value["success"], true);
}

#[test]
fn bodies_over_the_limit_are_refused() {
    let emulator = Emulator::builder().max_body_bytes(64 * 1024).build();
    let server = emulator.serve().expect("serve");
    let auth = format!("Bearer {}", emulator.admin_key().expose_secret());
    let agent = agent(None);
    let url = format!("{}/api/v1/panel/create-application", server.base_url());
    let mut response = agent
        .post(&url)
        .header("authorization", &auth)
        .send(&vec![b' '; 200 * 1024][..])
        .expect("answer");
    assert_eq!(response.status(), 413);
    let body: Value =
        serde_json::from_str(&response.body_mut().read_to_string().expect("body")).expect("json");
    assert_eq!(body["code"], "payload_too_large");
    assert_eq!(response.headers()["connection"], "close");
    // The connection was closed (the rest of the body is never read); the
    // agent opens a new one.
    let response = agent
        .post(&url)
        .header("authorization", &auth)
        .send(&br#"{"name":"Fine application"}"#[..])
        .expect("answer");
    assert_eq!(response.status(), 200);
    assert_eq!(server.connections_accepted(), 2);

    // A body declared absurdly large is refused before a byte of it is read.
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    write!(
        stream,
        "POST /api/v1/panel/create-application HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000000\r\n\r\n{{}}"
    )
    .expect("write");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert!(
        answer.starts_with(b"HTTP/1.1 413"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(emulator.applications().len(), 1);
    let response = agent
        .get(format!(
            "{}/api/v1/panel/get-applications",
            server.base_url()
        ))
        .header("authorization", &auth)
        .call()
        .expect("still serving");
    assert_eq!(response.status(), 200);
}

#[test]
fn a_streamed_body_over_the_limit_is_refused_while_streaming() {
    let emulator = Emulator::builder().max_body_bytes(64 * 1024).build();
    let server = emulator.serve().expect("serve");
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    // With the key: a request without one is refused from its head (401)
    // before its body is read at all.
    write!(
        stream,
        "POST /api/v1/panel/create-application HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        emulator.admin_key().expose_secret()
    )
    .expect("head");
    let mut chunk = format!("{:x}\r\n", 16 * 1024).into_bytes();
    chunk.extend_from_slice(&[b' '; 16 * 1024]);
    chunk.extend_from_slice(b"\r\n");
    let mut sent = 0;
    while sent < 32 * 1024 * 1024 && stream.write_all(&chunk).is_ok() {
        sent += 16 * 1024;
    }
    assert!(sent < 32 * 1024 * 1024, "the server kept reading");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => assert!(
            answer.starts_with(b"HTTP/1.1 413"),
            "{}",
            String::from_utf8_lossy(&answer)
        ),
        // The server closed with the client's data unread: the kernel's reset
        // may overtake the 413.
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    assert!(emulator.applications().is_empty());
    assert_eq!(emulator.requests_handled(), 0);
}

#[test]
fn malformed_http_is_answered_or_closed() {
    let s = served();
    let answer = s.raw_exchange(b"NOT HTTP AT ALL\r\n\r\n");
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 4"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let answer = s.raw_exchange(
        b"GET /api/v1/panel/get-applications HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(
        answer.starts_with(b"HTTP/1.1 401"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // A client that hangs up half-way leaves the server serving.
    let mut stream = TcpStream::connect(s.server.addr()).expect("connect");
    stream
        .write_all(
            b"POST /api/v1/panel/create-application HTTP/1.1\r\nContent-Length: 50\r\n\r\n{\"na",
        )
        .expect("write");
    stream.shutdown(Shutdown::Both).expect("shutdown");
    let answer = s.raw_exchange(
        b"GET /api/v1/panel/get-applications HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with(b"HTTP/1.1 401"));
}

#[test]
fn shutdown_stops_listening_and_closes_connections() {
    let s = served();
    let addr = s.server.addr();
    let mut idle = TcpStream::connect(addr).expect("connect");
    idle.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    // Make sure the idle connection is accepted before shutting down.
    write!(idle, "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").expect("write");
    let mut reader = BufReader::new(idle.try_clone().expect("clone"));
    assert_eq!(read_response(&mut reader).0, 404);
    let started = Instant::now();
    s.server.shutdown();
    assert!(started.elapsed() < Duration::from_secs(5));
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    assert!(rest.is_empty(), "the idle connection was closed");
    assert!(TcpStream::connect(addr).is_err(), "no longer listening");
    // Dropping a server stops it too; the emulator lives on.
    let server = s.emulator.serve().expect("serve again");
    let addr = server.addr();
    drop(server);
    assert!(TcpStream::connect(addr).is_err());
    assert_eq!(s.emulator.applications().len(), 1);
}

/// A running `blazeauth-emulator` binary: killed when dropped.
struct Binary {
    child: std::process::Child,
    /// The base URL it printed.
    url: String,
    /// The rest of what it prints.
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Binary {
    /// Starts `command` (the binary, or a shell that execs it) and reads the URL line.
    fn start(mut command: std::process::Command) -> Self {
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = lines.next().expect("a line").expect("text");
        let url = first
            .strip_prefix("Blazeauth emulator listening on ")
            .expect("the URL line")
            .to_owned();
        Self { child, url, lines }
    }

    /// The binary itself, to which the caller adds arguments.
    fn command() -> std::process::Command {
        std::process::Command::new(env!("CARGO_BIN_EXE_blazeauth-emulator"))
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_binary_prints_a_url_and_a_key_and_serves() {
    let mut command = Binary::command();
    command.args(["--port", "0", "--seed", "4"]);
    let mut binary = Binary::start(command);
    let url = binary.url.clone();
    let second = binary.lines.next().expect("a line").expect("text");
    let key = second.rsplit(' ').next().expect("key").to_owned();
    assert!(
        blazeauth_core::ManagementKey::parse(&key).is_ok(),
        "{second}"
    );
    let expected = Emulator::builder().seed(4).build().admin_key();
    assert_eq!(key, expected.expose_secret(), "the seed fixes the key");
    let response = agent(None)
        .get(format!("{url}/api/v1/panel/get-applications"))
        .header("authorization", format!("Bearer {key}"))
        .call()
        .expect("get");
    assert_eq!(response.status(), 200);
}

/// The binary with at most 48 open file descriptors: clients beyond that make
/// `accept` fail with EMFILE; once they leave, the server serves again.
#[cfg(target_os = "linux")]
#[test]
fn the_server_survives_running_out_of_file_descriptors() {
    let path = env!("CARGO_BIN_EXE_blazeauth-emulator");
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -n 48 && exec '{path}' --port 0 --seed 4"));
    let binary = Binary::start(command);
    let url = binary.url.clone();
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().expect("addr");
    let key = Emulator::builder().seed(4).build().admin_key();
    let get = |timeout: Duration| {
        agent(Some(timeout))
            .get(format!("{url}/api/v1/panel/get-applications"))
            .header("authorization", format!("Bearer {}", key.expose_secret()))
            .call()
    };
    assert_eq!(get(TIMEOUT).expect("serving").status(), 200);

    // Far more connections than descriptors: the kernel queues them, the
    // server's accept fails with EMFILE once it is out of descriptors.
    let hogs: Vec<TcpStream> = (0..120)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .collect();
    assert!(hogs.len() > 48, "{} connections opened", hogs.len());
    // While they are open the server cannot take another connection in time.
    assert!(
        get(Duration::from_millis(300)).is_err(),
        "out of descriptors"
    );
    drop(hogs);
    // Once they are gone it serves again (the acceptor backed off, not died).
    let started = Instant::now();
    let response = loop {
        match get(Duration::from_secs(2)) {
            Ok(response) => break response,
            Err(e) if started.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("the server never recovered: {e}"),
        }
    };
    assert_eq!(response.status(), 200);
}

/// The binary's control surface, as a test suite in any language drives it:
/// seed data, a fault from the command line, state, license activation, the
/// clock, app users, restricted keys, faults and reset, all over HTTP.
#[test]
fn the_control_surface_sets_up_scenarios_over_http() {
    let seed = std::env::temp_dir().join(format!("blazeauth-seed-{}.json", std::process::id()));
    std::fs::write(
        &seed,
        r#"{"applications":[{"name":"Seeded Desktop","licenseLevels":["pro"],
            "licenses":[{"license":"SEED-****-****","count":2,"levels":["pro"],"duration":"30d"}]}]}"#,
    )
    .expect("seed file");
    let mut command = Binary::command();
    command
        .args([
            "--port",
            "0",
            "--admin-token",
            "test-token-1",
            "--seed-data",
        ])
        .arg(&seed)
        .args([
            "--fault",
            "kind=status,status=503,path=/api/v1/panel/get-applications,times=1",
        ]);
    let mut binary = Binary::start(command);
    let url = binary.url.clone();
    let printed: Vec<String> = binary
        .lines
        .by_ref()
        .take(6)
        .map(|l| l.expect("text"))
        .collect();
    assert!(
        printed.iter().any(|l| l.ends_with("test-token-1")),
        "{printed:?}"
    );
    let key = Emulator::builder().build().admin_key();
    let api_auth = format!("Bearer {}", key.expose_secret());
    let agent = agent(None);
    let api_get = |path: &str| -> (u16, Value) {
        let mut response = agent
            .get(format!("{url}/api/v1/panel/{path}"))
            .header("authorization", &api_auth)
            .call()
            .expect("answer");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("body");
        (status, serde_json::from_str(&text).expect("json"))
    };
    let control = |method: &str, path: &str, body: Value| -> (u16, Value) {
        let request = agent
            .post(format!("{url}/_emulator/{path}"))
            .header("authorization", "Bearer test-token-1");
        let mut response = match method {
            "GET" => agent
                .get(format!("{url}/_emulator/{path}"))
                .header("authorization", "Bearer test-token-1")
                .call(),
            "DELETE" => agent
                .delete(format!("{url}/_emulator/{path}"))
                .header("authorization", "Bearer test-token-1")
                .call(),
            _ => request.send(body.to_string().as_bytes()),
        }
        .expect("answer");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("body");
        (status, serde_json::from_str(&text).expect("json"))
    };

    // The --fault rule answers first, then the seeded application shows.
    assert_eq!(api_get("get-applications").0, 503);
    let (status, apps) = api_get("get-applications");
    assert_eq!(status, 200);
    assert_eq!(apps["data"][0]["name"], "Seeded Desktop");
    let app = apps["data"][0]["id"].as_str().expect("id").to_owned();

    // The control surface wants its token, not a management key.
    let refused = agent
        .get(format!("{url}/_emulator/state"))
        .header("authorization", &api_auth)
        .call()
        .expect("answer");
    assert_eq!(refused.status(), 401);
    let (status, state) = control("GET", "state", Value::Null);
    assert_eq!(status, 200);
    assert_eq!(state["data"]["licenses"].as_array().map(Vec::len), Some(2));
    let license = state["data"]["licenses"][0]["license"]
        .as_str()
        .expect("key")
        .to_owned();

    // A desktop client activates a license: the API now shows an expiry.
    let (status, activated) = control(
        "POST",
        "activate-license",
        json!({"applicationId": app, "license": license, "clientId": "machine-1", "ipAddress": "203.0.113.7"}),
    );
    assert_eq!(status, 200, "{activated}");
    assert_eq!(activated["data"]["state"], "activated");
    let (_, table) = api_get(&format!(
        "get-licenses-table?applicationId={app}&currentPage=1"
    ));
    let row = table["data"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["license"] == license.as_str())
        .expect("the activated license");
    assert!(row["expiresAt"].is_string(), "{row}");
    assert_eq!(row["ipAddress"], "203.0.113.7");

    // Forty days later it has expired.
    let (status, _) = control("POST", "clock", json!({"advanceSeconds": 40 * 86_400}));
    assert_eq!(status, 200);
    let (_, metadata) = api_get(&format!("get-licenses-metadata?applicationId={app}"));
    assert_eq!(metadata["data"]["expiredLicenses"], 1, "{metadata}");

    // App users and restricted keys.
    let (status, user) = control(
        "POST",
        "app-users",
        json!({"applicationId": app, "login": "alice"}),
    );
    assert_eq!(status, 200, "{user}");
    let (status, created) = control(
        "POST",
        "keys",
        json!({"scopes": ["applications:read"], "applications": [app]}),
    );
    assert_eq!(status, 200, "{created}");
    let reader = created["data"]["key"].as_str().expect("key").to_owned();
    let refused = agent
        .post(format!("{url}/api/v1/panel/create-application"))
        .header("authorization", format!("Bearer {reader}"))
        .send(&br#"{"name":"Not allowed here"}"#[..])
        .expect("answer");
    assert_eq!(refused.status(), 403);

    // Live sessions and the plan, from the control surface.
    let (status, added) = control(
        "POST",
        "sessions",
        json!({"applicationId": app, "serverId": "eu-1", "ipAddress": "203.0.113.9", "license": license}),
    );
    assert_eq!(status, 200, "{added}");
    let sessions_path = format!("{url}/api/v1/wss/get-application-sessions?applicationId={app}");
    let sessions = |agent: &ureq::Agent| -> (u16, Value) {
        let mut response = agent
            .get(&sessions_path)
            .header("authorization", &api_auth)
            .call()
            .expect("answer");
        let status = response.status().as_u16();
        (
            status,
            serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
                .expect("json"),
        )
    };
    let (status, listed) = sessions(&agent);
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["items"][0]["ipAddress"], "203.0.113.9");
    assert!(listed["items"][0]["createdAt"].is_u64());
    let (_, state) = control("GET", "state", Value::Null);
    assert_eq!(
        state["data"]["applications"][0]["sessions"][0]["serverId"],
        "eu-1"
    );
    let (status, _) = control(
        "POST",
        "plan",
        json!({"planName": "Starter", "maxima": {"futureLimit": 3}, "features": {"liveSessionsOverview": false}}),
    );
    assert_eq!(status, 200);
    assert_eq!(sessions(&agent).0, 403);
    let (_, limits) = api_get("get-account-limits");
    assert_eq!(limits["data"]["planName"], "Starter");
    assert_eq!(
        limits["data"]["futureLimit"],
        json!({"currentValue": 0, "maxValue": 3})
    );
    assert_eq!(limits["data"]["authorizedSessionCount"]["currentValue"], 1);
    assert_eq!(control("POST", "plan", json!({"maxima": {"x": -1}})).0, 400);

    // Faults over HTTP, then reset.
    let (status, _) = control(
        "POST",
        "faults",
        json!({"fault": "status", "status": 502, "times": 1}),
    );
    assert_eq!(status, 200);
    assert_eq!(api_get("get-applications").0, 502);
    assert_eq!(api_get("get-applications").0, 200);
    assert_eq!(control("DELETE", "faults", Value::Null).0, 200);
    assert_eq!(control("POST", "reset", json!({})).0, 200);
    let (_, apps) = api_get("get-applications");
    assert_eq!(apps["data"], json!([]));
    assert_eq!(control("POST", "meteor", json!({})).0, 404);

    let _ = std::fs::remove_file(seed);
}
