//! The served emulator under load and attack, on loopback, bounded in time:
//! 200 well-behaved clients on their own connections, 20 requests each, while
//! abusive clients stall bodies, trickle headers, sit idle on keep-alive,
//! send a head far over the limit and bodies over the limit. Every
//! well-behaved request is answered, the abusive ones are cut off by the
//! server's limits, no thread or file descriptor is left behind, and the
//! state is exact afterwards.
//!
//! Its own test binary, so the thread and descriptor counts of the process
//! are this test's alone.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use blazeauth_emulator::{Emulator, ServeOptions};

const CLIENTS: usize = 200;
const REQUESTS_PER_CLIENT: usize = 20;
/// The head timeout: short, so trickling and idle clients are cut off fast.
const LIMIT_TIMEOUT: Duration = Duration::from_millis(500);
/// The body timeout: long enough that a fast client streaming a body over the
/// limit reaches the limit (413) before it, even with 200 busy client threads.
const BODY_TIMEOUT: Duration = Duration::from_secs(2);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

#[cfg(target_os = "linux")]
fn threads_and_descriptors() -> (usize, usize) {
    let count = |dir: &str| std::fs::read_dir(dir).map_or(0, Iterator::count);
    (count("/proc/self/task"), count("/proc/self/fd"))
}

#[cfg(not(target_os = "linux"))]
fn threads_and_descriptors() -> (usize, usize) {
    (0, 0)
}

/// Reads until the server closes the connection (or `within` passes) and
/// returns what it sent.
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    stream.set_read_timeout(Some(within)).expect("timeout");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return answer,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("the server did not close the connection in time: {e}"),
        }
    }
}

/// One abusive client; returns a description of what the server did.
fn abuse(addr: SocketAddr, kind: usize, auth: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let within = BODY_TIMEOUT * 4;
    match kind {
        // A stalled body: the head promises 2,000 bytes that never come.
        0 => {
            write!(
                stream,
                "POST /api/v1/panel/create-application HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\nContent-Length: 2000\r\n\r\n{{\"na"
            )
            .expect("write");
            let answer = read_until_closed(&mut stream, within);
            assert!(
                answer.starts_with(b"HTTP/1.1 408"),
                "stalled body: {}",
                String::from_utf8_lossy(&answer)
            );
            "stalled body: 408, closed".into()
        }
        // A head trickled a byte at a time, slower than the timeout allows.
        1 => {
            let head = b"GET /api/v1/panel/get-applications HTTP/1.1\r\nHost: 127.0.0.1\r\n";
            let started = Instant::now();
            for byte in head.iter().cycle() {
                if stream.write_all(&[*byte]).is_err() || started.elapsed() > within {
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
            let _ = read_until_closed(&mut stream, within);
            assert!(
                started.elapsed() < within + LIMIT_TIMEOUT,
                "slow head cut off"
            );
            "slow head: closed".into()
        }
        // An idle keep-alive connection that never sends a request.
        2 => {
            let answer = read_until_closed(&mut stream, within);
            assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
            "idle: closed".into()
        }
        // A head far over the limit: sending stops being possible long before 256 MiB.
        3 => {
            let _ = write!(
                stream,
                "GET /api/v1/panel/get-applications HTTP/1.1\r\nX-Big: "
            );
            let chunk = vec![b'a'; 64 * 1024];
            let mut sent = 0usize;
            while sent < 256 * 1024 * 1024 {
                if stream.write_all(&chunk).is_err() {
                    break;
                }
                sent += chunk.len();
            }
            assert!(
                sent < 16 * 1024 * 1024,
                "the server kept reading a {sent}-byte head"
            );
            let answer = read_until_closed(&mut stream, within);
            assert!(
                answer.is_empty() || answer.starts_with(b"HTTP/1.1 431"),
                "{}",
                String::from_utf8_lossy(&answer)
            );
            "huge head: 431 or closed".into()
        }
        // A body far over the limit, streamed (chunked) rather than declared.
        _ => {
            write!(
                stream,
                "POST /api/v1/panel/create-application HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            .expect("write");
            // One write per chunk, sent at once: the body streams as fast as
            // the server reads it.
            stream.set_nodelay(true).expect("nodelay");
            let mut chunk = format!("{:x}\r\n", 16 * 1024).into_bytes();
            chunk.extend_from_slice(&[b' '; 16 * 1024]);
            chunk.extend_from_slice(b"\r\n");
            let mut sent = 0usize;
            while sent < 16 * 1024 * 1024 {
                if stream.write_all(&chunk).is_err() {
                    break;
                }
                sent += 16 * 1024;
            }
            assert!(sent < 16 * 1024 * 1024, "the server read a 16 MiB body");
            // The 413; under this load the body timeout may strike first
            // (408); or a reset that overtook either. In every case the body
            // was refused (tests/http.rs checks the 413 alone).
            stream.set_read_timeout(Some(within)).expect("timeout");
            let mut answer = Vec::new();
            match stream.read_to_end(&mut answer) {
                Ok(_) => assert!(
                    answer.starts_with(b"HTTP/1.1 413") || answer.starts_with(b"HTTP/1.1 408"),
                    "{}",
                    String::from_utf8_lossy(&answer)
                ),
                Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
            }
            "streamed body over the limit: refused, closed".into()
        }
    }
}

#[test]
fn two_hundred_clients_and_abusive_ones_are_all_handled_and_nothing_leaks() {
    let before = threads_and_descriptors();
    let emulator = Emulator::builder().max_body_bytes(64 * 1024).build();
    let auth = format!("Bearer {}", emulator.admin_key().expose_secret());
    let options = ServeOptions::new()
        .header_read_timeout(LIMIT_TIMEOUT)
        .body_read_timeout(BODY_TIMEOUT);
    let server = emulator.serve_with(options).expect("serve");
    let addr = server.addr();
    let base = server.base_url();
    let answered = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();

    let abusers: Vec<_> = (0..10)
        .map(|i| {
            let auth = auth.clone();
            thread::spawn(move || abuse(addr, i % 5, &auth))
        })
        .collect();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (auth, base, answered) = (auth.clone(), base.clone(), Arc::clone(&answered));
            thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(CLIENT_TIMEOUT))
                    .build()
                    .into();
                for request in 0..REQUESTS_PER_CLIENT {
                    let response = if request == 0 {
                        agent
                            .post(format!("{base}/api/v1/panel/create-application"))
                            .header("authorization", &auth)
                            .send(format!(r#"{{"name":"Load client {client:03}"}}"#).as_bytes())
                    } else {
                        agent
                            .get(format!("{base}/api/v1/panel/get-applications"))
                            .header("authorization", &auth)
                            .call()
                    };
                    let mut response = response.expect("a well-behaved request is answered");
                    assert_eq!(response.status(), 200);
                    let _ = response.body_mut().read_to_vec().expect("body");
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("client");
    }
    let outcomes: Vec<String> = abusers
        .into_iter()
        .map(|a| a.join().expect("abuser"))
        .collect();
    assert_eq!(outcomes.len(), 10);
    assert_eq!(
        answered.load(Ordering::SeqCst),
        CLIENTS * REQUESTS_PER_CLIENT
    );
    assert!(started.elapsed() < Duration::from_secs(60), "bounded");

    // The state is exact: one application per client, each name once.
    let mut names: Vec<String> = emulator
        .applications()
        .into_iter()
        .map(|a| a.name)
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), CLIENTS);
    assert_eq!(
        emulator.requests_handled(),
        (CLIENTS * REQUESTS_PER_CLIENT) as u64,
        "only well-formed, complete requests reach the emulator"
    );

    // Every connection closes once its client is gone (ureq agents dropped).
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.connections_open() > 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.connections_open(), 0, "connections left open");
    assert!(server.connections_accepted() >= CLIENTS + 10);
    server.shutdown();
    // Give the kernel a moment to release sockets closed by the shutdown.
    let deadline = Instant::now() + Duration::from_secs(5);
    while threads_and_descriptors() != before && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        threads_and_descriptors(),
        before,
        "(threads, descriptors) left behind"
    );
}
