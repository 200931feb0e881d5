//! The served emulator against hostile clients on 127.0.0.1 (issue 19,
//! item 7), bounded in count and time:
//!
//! - unauthenticated clients declaring 2 MiB bodies get their 401 from the
//!   head, without the server waiting for (or reserving room for) the body;
//! - concurrent slow bodies never hold more than the server-wide byte budget,
//!   and those that find no room get `503 server_busy`;
//! - a foreign `Host` (a DNS-rebinding page) gets 421, loopback forms are served;
//! - a large state is streamed chunk by chunk and reads back exactly.
//!
//! Deadlines are generous and only bound a failing test: nothing asserts how
//! fast anything is.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use blazeauth_core::LicenseDuration;
use blazeauth_core::api::{
    CreateApplication, CreateLicenseLevels, CreateLicenses, GetApplications, LicenseSpec,
};
use blazeauth_emulator::{Emulator, ServeOptions, Server};
use serde_json::Value;

mod common;

const TOKEN: &str = "hostile-clients-token";
/// How long a client waits for an answer that must come.
const DEADLINE: Duration = Duration::from_secs(30);

/// Reads until the server closes the connection (or `within` passes: then
/// what came so far, and `false`).
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    let until = Instant::now() + within;
    let mut answer = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (answer, false);
        }
        stream.set_read_timeout(Some(left)).expect("timeout");
        match stream.read(&mut buf) {
            Ok(0) => return (answer, true),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // A reset after the answer is a close too.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return (answer, true),
            Err(_) => return (answer, false),
        }
    }
}

fn status_of(answer: &[u8]) -> u16 {
    std::str::from_utf8(answer.get(9..12).unwrap_or(b"000"))
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn body_of(answer: &[u8]) -> &str {
    let text = std::str::from_utf8(answer).unwrap_or("");
    text.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}

/// Waits for `condition` up to [`DEADLINE`]; whether it held.
fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + DEADLINE;
    while Instant::now() < until {
        if condition() {
            return true;
        }
        thread::sleep(Duration::from_millis(10));
    }
    condition()
}

/// `GET /_emulator/state` over a raw socket: every byte until the server
/// closed, and whether it did within [`DEADLINE`].
fn state_over_socket(server: &Server) -> (Vec<u8>, bool) {
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    write!(
        stream,
        "GET /_emulator/state HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    read_until_closed(&mut stream, DEADLINE)
}

/// The API still answers an ordinary request.
fn serves(server: &Server) -> bool {
    common::get_applications(server).is_some_and(|(status, _)| status == 200)
}

#[test]
fn unauthenticated_bodies_are_refused_from_the_head_unread() {
    const CLIENTS: usize = 40;
    const DECLARED: usize = 2 * 1024 * 1024;
    let emulator = Emulator::new();
    // A body read time far past the client's deadline: a server that waits
    // for the body before checking the key leaves the clients unanswered.
    let server = emulator
        .serve_with(
            ServeOptions::new()
                .admin_token(TOKEN)
                .body_read_timeout(Duration::from_secs(120)),
        )
        .expect("serve");
    let addr = server.addr();
    let heads = [
        "POST /api/v1/panel/create-application HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_owned(),
        "POST /api/v1/panel/create-application HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer nope\r\n"
            .to_owned(),
        format!(
            "POST /api/v1/panel/create-application HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer blz_mgmt_bak_0123456789abcdef_{}\r\n",
            "a".repeat(48)
        ),
        "POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer wrong-token\r\n"
            .to_owned(),
        format!(
            "POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n",
            emulator.admin_key().expose_secret()
        ),
    ];
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let head = heads[i % heads.len()].clone();
            thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).expect("connect");
                // The head only: the declared body never comes.
                write!(stream, "{head}Content-Length: {DECLARED}\r\n\r\n").expect("head");
                let (answer, closed) = read_until_closed(&mut stream, DEADLINE);
                (answer, closed)
            })
        })
        .collect();
    for client in clients {
        let (answer, closed) = client.join().expect("client");
        let text = String::from_utf8_lossy(&answer);
        assert_eq!(status_of(&answer), 401, "{text}");
        assert!(closed, "the connection is closed after the 401: {text}");
        let body: Value = serde_json::from_str(body_of(&answer)).expect("JSON");
        assert_eq!(body["success"], false);
    }
    // No body byte was ever waited for or reserved.
    assert_eq!(server.body_bytes_peak(), 0);
    assert!(emulator.applications().is_empty());
    assert!(serves(&server));
}

#[test]
fn slow_bodies_never_hold_more_than_the_budget() {
    const BUDGET: usize = 256 * 1024;
    const BODY: usize = 100 * 1024;
    const HOLDERS: usize = 2;
    const WAITERS: usize = 6;
    let emulator = Emulator::new();
    let server = emulator
        .serve_with(
            ServeOptions::new()
                .max_body_bytes_in_flight(BUDGET)
                .body_read_timeout(Duration::from_secs(60)),
        )
        .expect("serve");
    let addr = server.addr();
    let head = format!(
        "POST /api/v1/panel/create-application HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nContent-Length: {BODY}\r\n\r\n",
        server.admin_key().expose_secret()
    );
    // Half a body each, then stalled: the holders keep their room.
    let start = |head: &str| {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.write_all(head.as_bytes()).expect("head");
        stream
            .write_all(&vec![b' '; BODY / 2])
            .expect("half a body");
        stream
    };
    let holders: Vec<TcpStream> = (0..HOLDERS).map(|_| start(&head)).collect();
    assert!(
        eventually(|| server.body_bytes_in_flight() == HOLDERS * BODY),
        "the holders reserved their bodies: {}",
        server.body_bytes_in_flight()
    );
    // No room is left for a third body: the waiters get 503 while the
    // holders still hold theirs (they stall for up to a minute).
    let (done, answers) = mpsc::channel();
    let waiters: Vec<_> = (0..WAITERS)
        .map(|_| {
            let mut stream = start(&head);
            let done = done.clone();
            thread::spawn(move || {
                let (answer, _) = read_until_closed(&mut stream, DEADLINE);
                let _ = done.send(answer);
            })
        })
        .collect();
    for waiter in waiters {
        waiter.join().expect("waiter");
    }
    drop(done);
    for answer in answers {
        let text = String::from_utf8_lossy(&answer);
        assert_eq!(status_of(&answer), 503, "{text}");
        let body: Value = serde_json::from_str(body_of(&answer)).expect("JSON");
        assert_eq!(body["code"], "server_busy", "{body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains(&BUDGET.to_string())),
            "{body}"
        );
    }
    assert!(
        server.body_bytes_peak() <= BUDGET,
        "{} bytes reserved at once, over the budget of {BUDGET}",
        server.body_bytes_peak()
    );
    // The holders leave: their room comes back, and the server serves.
    for holder in holders {
        let _ = holder.shutdown(Shutdown::Both);
    }
    assert!(
        eventually(|| server.body_bytes_in_flight() == 0),
        "{} bytes still reserved",
        server.body_bytes_in_flight()
    );
    assert!(serves(&server));
    assert!(emulator.applications().is_empty());
}

#[test]
fn a_foreign_host_is_refused_and_loopback_forms_are_served() {
    let emulator = Emulator::new();
    let server = emulator.serve().expect("serve");
    let port = server.addr().port();
    let auth = format!("Bearer {}", emulator.admin_key().expose_secret());
    let ask = |target: &str, host: Option<&str>| -> Vec<u8> {
        let mut stream = TcpStream::connect(server.addr()).expect("connect");
        let host = host.map_or_else(String::new, |h| format!("Host: {h}\r\n"));
        write!(
            stream,
            "GET {target} HTTP/1.1\r\n{host}Authorization: {auth}\r\nConnection: close\r\n\r\n"
        )
        .expect("request");
        let (answer, closed) = read_until_closed(&mut stream, DEADLINE);
        assert!(closed, "{}", String::from_utf8_lossy(&answer));
        answer
    };
    let path = "/api/v1/panel/get-applications";
    for host in [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "[::2]".to_owned(),
    ] {
        let answer = ask(path, Some(&host));
        let text = String::from_utf8_lossy(&answer);
        assert_eq!(status_of(&answer), 421, "{host}: {text}");
        let body: Value = serde_json::from_str(body_of(&answer)).expect("JSON");
        assert_eq!(body["code"], "misdirected_request", "{body}");
        assert!(body["message"].as_str().unwrap().contains("loopback"));
    }
    // An absolute target naming a foreign host is refused too.
    let answer = ask(
        &format!("http://evil.example:{port}{path}"),
        Some(&format!("127.0.0.1:{port}")),
    );
    assert_eq!(status_of(&answer), 421);
    // The control surface is behind the same check.
    assert_eq!(
        status_of(&ask("/_emulator/state", Some("evil.example"))),
        421
    );
    for host in [
        Some("localhost".to_owned()),
        Some(format!("localhost:{port}")),
        Some("LOCALHOST".to_owned()),
        Some("127.0.0.1".to_owned()),
        Some(format!("127.0.0.1:{port}")),
        Some("127.4.5.6:80".to_owned()),
        Some("[::1]".to_owned()),
        Some(format!("[::1]:{port}")),
        None,
    ] {
        let answer = ask(path, host.as_deref());
        assert_eq!(
            status_of(&answer),
            200,
            "{host:?}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    // ureq (as the SDK's transport) sends `Host: 127.0.0.1:PORT`.
    assert!(serves(&server));
    assert_eq!(emulator.requests_handled(), 10);
}

#[test]
fn a_large_state_is_streamed_and_reads_back_exactly() {
    const BATCHES: usize = 40;
    let emulator = Emulator::new();
    let client = emulator.client();
    client
        .send(&CreateApplication::new("Large state"))
        .expect("application");
    let app = client.send(&GetApplications).expect("apps").remove(0).id;
    client
        .send(&CreateLicenseLevels::new(app.clone(), ["pro"]))
        .expect("levels");
    for _ in 0..BATCHES {
        let spec = LicenseSpec::new(
            "BULK-********-********",
            ["pro"],
            LicenseDuration::from_days(30).expect("days"),
        );
        client
            .send(&CreateLicenses::new(app.clone(), spec, 256))
            .expect("licenses");
    }
    let expected = emulator.licenses(&app);
    assert_eq!(expected.len(), BATCHES * 256);
    let server = emulator
        .serve_with(ServeOptions::new().admin_token(TOKEN))
        .expect("serve");

    // Over a raw socket: chunked, no Content-Length, many chunks.
    let (raw, closed) = state_over_socket(&server);
    assert!(closed);
    let text = String::from_utf8_lossy(&raw);
    let (head, mut rest) = text.split_once("\r\n\r\n").expect("a head");
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    assert!(!head.contains("content-length"), "{head}");
    let mut chunks = 0;
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("a chunk size");
        let size = usize::from_str_radix(size.trim(), 16).expect("hex size");
        if size == 0 {
            break;
        }
        chunks += 1;
        assert!(size <= 128 * 1024, "a chunk of {size} bytes");
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    assert!(chunks >= 10, "{chunks} chunks");

    // The same shape as a small state, every license there, in order.
    let state: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(state["success"], true);
    let licenses = state["data"]["licenses"].as_array().expect("licenses");
    assert_eq!(licenses.len(), expected.len());
    for (got, want) in licenses.iter().zip(&expected) {
        assert_eq!(got["license"], want.license.as_str());
        assert_eq!(got["id"], want.id.as_str());
    }
    assert_eq!(state["data"]["applications"][0]["name"], "Large state");
    assert_eq!(state["data"]["storageRequests"], Value::Array(Vec::new()));

    // A client that reads slowly holds no lock: the emulator serves meanwhile.
    let mut slow = TcpStream::connect(server.addr()).expect("connect");
    write!(
        slow,
        "GET /_emulator/state HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    )
    .expect("request");
    let mut first = [0u8; 1024];
    slow.set_read_timeout(Some(DEADLINE)).expect("timeout");
    assert!(slow.read(&mut first).expect("first bytes") > 0);
    assert!(serves(&server));
    drop(slow);

    // ureq reads it as any client would.
    let mut answer = common::http_agent()
        .get(format!("{}/_emulator/state", server.base_url()))
        .header("authorization", format!("Bearer {TOKEN}"))
        .call()
        .expect("state");
    let text = answer
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .expect("body");
    let again: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(again["data"]["licenses"], state["data"]["licenses"]);
}

#[test]
fn a_small_state_keeps_its_content_length() {
    let emulator = Emulator::new();
    emulator
        .create_application("Small state")
        .expect("application");
    let server = emulator
        .serve_with(ServeOptions::new().admin_token(TOKEN))
        .expect("serve");
    let (raw, _) = state_over_socket(&server);
    let text = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    assert!(text.contains("content-length:"), "{text}");
    assert!(!text.contains("transfer-encoding"), "{text}");
    let state: Value = serde_json::from_str(body_of(&raw)).expect("JSON");
    assert_eq!(state["data"]["applications"][0]["name"], "Small state");
}
