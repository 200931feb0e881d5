//! The transport against a tiny scripted server on 127.0.0.1 (`support`):
//! what goes on the wire, keep-alive, timeouts, resets, body limits, redirects,
//! and how each failure is classified. Faults that need the real API's shape
//! are in `emulator_faults.rs`.

mod support;

use std::time::Duration;

use blazeauth_core::http::{self, StatusCode};
use blazeauth_core::{
    Client, DecodeErrorKind, Delivery, Error, RawRequest, RequestOptions, RequestTimeout,
    RetryPolicy, Transport, TransportError, TransportErrorKind, api,
};
use blazeauth_ureq::UreqTransport;
use support::{RecordingSleeper, Reply, TestServer, assert_no_secret, closed_port};

const APPS: &str = r#"[{"id":"123456789","name":"My application"}]"#;

fn fast_transport() -> UreqTransport {
    UreqTransport::builder()
        .timeout(Duration::from_millis(400))
        .connect_timeout(Duration::from_millis(400))
        .build()
}

/// A client that makes one attempt per call.
fn single_attempt(server: &TestServer, transport: UreqTransport) -> Client<UreqTransport> {
    blazeauth_core::Client::new(server.config(), transport)
}

fn transport_error(error: &Error) -> &TransportError {
    match error {
        Error::NotSent(source) | Error::MaybeSent { source, .. } => source,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn get(server: &TestServer, path: &str) -> http::Request<Vec<u8>> {
    http::Request::get(format!("{}{path}", server.base_url()))
        .body(Vec::new())
        .expect("request")
}

#[test]
fn the_request_goes_out_as_core_built_it() {
    let server = TestServer::always(Reply::ok_data(APPS));
    let client = blazeauth_ureq::client(server.config());
    let apps = client.send(&api::GetApplications).expect("apps");
    assert_eq!(apps.len(), 1);
    let done = client
        .send(&api::CreateApplication::new("Integration app"))
        .expect("created");
    assert_eq!(done.message, "ok");

    let requests = server.requests();
    let get = &requests[0];
    assert_eq!(get.method, "GET");
    assert_eq!(get.target, "/api/v1/panel/get-applications");
    assert_eq!(
        get.header("authorization"),
        Some(format!("Bearer {}", support::KEY).as_str())
    );
    assert_eq!(get.header("accept"), Some("application/json"));
    assert_eq!(
        get.header("user-agent"),
        Some(blazeauth_core::USER_AGENT),
        "core's user agent, not ureq's"
    );
    assert_eq!(get.header("content-length"), None, "a GET states no length");
    assert_eq!(get.header("transfer-encoding"), None);
    assert_eq!(get.header("accept-encoding"), None);

    let post = &requests[1];
    assert_eq!(post.method, "POST");
    assert_eq!(post.target, "/api/v1/panel/create-application");
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(post.body, br#"{"name":"Integration app"}"#);
    assert_eq!(
        post.header("content-length"),
        Some(post.body.len().to_string().as_str())
    );
}

#[test]
fn a_post_without_body_states_a_zero_length() {
    let server = TestServer::always(Reply::json(r#"{"success":true,"message":"done"}"#));
    let client = blazeauth_ureq::client(server.config());
    let done = client
        .send(&RawRequest::post("/api/v1/panel/some-action"))
        .expect("done");
    assert_eq!(done.message.as_deref(), Some("done"));
    let request = &server.requests()[0];
    assert_eq!(request.header("content-length"), Some("0"));
    assert!(request.body.is_empty());
}

#[test]
fn error_statuses_come_back_as_responses() {
    let body =
        r#"{"success":false,"code":"insufficient_scope","message":"Insufficient API key scope."}"#;
    let server = TestServer::always(Reply::status_json(403, body));
    let transport = UreqTransport::new();
    let response = transport
        .send(get(&server, "/api/v1/panel/get-applications"))
        .expect("a 403 is an answer");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.body(), body.as_bytes());
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "headers are kept"
    );

    let client = blazeauth_ureq::client(server.config());
    let error = client.send(&api::GetApplications).unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(
        error.api_code().map(|c| c.as_str()),
        Some("insufficient_scope")
    );
    assert_eq!(
        server.requests().len(),
        2,
        "a permanent code is not retried"
    );
}

#[test]
fn sequential_requests_reuse_one_connection() {
    let server = TestServer::always(Reply::ok_data(APPS));
    let client = blazeauth_ureq::client(server.config());
    let clone = client.clone();
    for i in 0..100 {
        let client = if i % 2 == 0 { &client } else { &clone };
        client.send(&api::GetApplications).expect("apps");
    }
    assert_eq!(server.requests().len(), 100);
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn error_answers_and_mutations_keep_the_connection_too() {
    let server = TestServer::start(|request, _| {
        if request.method == "POST" {
            Reply::status_json(
                400,
                r#"{"success":false,"code":"validation","message":"no"}"#,
            )
        } else {
            Reply::ok_data(APPS)
        }
    });
    let client = single_attempt(&server, UreqTransport::new());
    for _ in 0..10 {
        client.send(&api::GetApplications).expect("apps");
        client
            .send(&api::CreateApplication::new("Integration app"))
            .unwrap_err();
    }
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn a_connection_the_server_closed_while_idle_is_not_reused() {
    let body = format!(r#"{{"success":true,"message":"ok","data":{APPS}}}"#);
    let answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let server = TestServer::always(Reply::RawThenClose(answer.into_bytes()));
    let client = single_attempt(&server, fast_transport());
    for _ in 0..5 {
        client.send(&api::GetApplications).expect("apps");
        // Idle long enough for the server's FIN to arrive before the next call.
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.connections_accepted(), 5);
}

#[test]
fn connect_refused_is_not_sent() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let config = blazeauth_core::Config::builder(
        blazeauth_core::ManagementKey::parse(support::KEY).expect("key"),
    )
    .base_url(url)
    .build()
    .expect("config");
    let sleeper = RecordingSleeper::default();
    let client = blazeauth_ureq::client_builder(config, fast_transport())
        .retries(RetryPolicy::default(), sleeper.clone())
        .build();
    let error = client
        .send(&api::CreateApplication::new("Integration app"))
        .unwrap_err();
    assert!(matches!(error, Error::NotSent(_)), "{error:?}");
    let source = transport_error(&error);
    assert_eq!(source.kind(), TransportErrorKind::Connect);
    assert!(
        source
            .source_error()
            .downcast_ref::<ureq::Error>()
            .is_some()
    );
    assert!(!error.outcome_unknown());
    assert!(error.to_string().contains("safe to try again"), "{error}");
    assert_eq!(
        sleeper.delays().len(),
        2,
        "not sent: even a mutation is retried (3 attempts)"
    );
    assert_no_secret(&error);
}

#[test]
fn a_refused_connection_keeps_its_kind_through_the_raw_transport() {
    // Straight through `UreqTransport::send`: the connector marks the error
    // as raised while connecting, and ureq's `Io` error keeps its kind.
    let transport = fast_transport();
    let request = http::Request::post(format!("http://127.0.0.1:{}/x", closed_port()))
        .body(b"{}".to_vec())
        .expect("request");
    let error = transport.send(request).unwrap_err();
    assert_eq!(error.delivery(), Delivery::NotSent, "{error:?}");
    assert_eq!(error.kind(), TransportErrorKind::Connect);
    let Some(ureq::Error::Io(io)) = error.source_error().downcast_ref::<ureq::Error>() else {
        panic!("expected ureq's Io error, got {error:?}");
    };
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[test]
fn a_connection_dropped_during_the_tls_handshake_is_not_sent() {
    use std::io::Read;
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::thread::{self, JoinHandle};
    use std::time::Instant;

    /// A listener on loopback that takes one connection (waiting at most 5 s),
    /// lets `handle` read from it, then drops it; joining gives the bytes read.
    fn one_connection_server(
        handle: impl FnOnce(&mut TcpStream) -> Vec<u8> + Send + 'static,
    ) -> (String, JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let thread = thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut stream = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        assert!(Instant::now() < deadline, "no connection came");
                        thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => panic!("accept: {e}"),
                }
            };
            stream.set_nonblocking(false).expect("blocking");
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .expect("read timeout");
            handle(&mut stream)
        });
        (format!("https://{addr}"), thread)
    }

    // Read one byte of the ClientHello and close with the rest unread: the
    // kernel answers with a reset while the client waits for the ServerHello.
    let reset = one_connection_server(|stream| {
        let mut byte = [0; 1];
        stream.read_exact(&mut byte).expect("hello");
        byte.to_vec()
    });
    // Read the whole ClientHello record, then close cleanly: an early EOF.
    let close = one_connection_server(|stream| {
        let mut header = [0; 5];
        stream.read_exact(&mut header).expect("record header");
        let mut hello = vec![0; usize::from(u16::from_be_bytes([header[3], header[4]]))];
        stream.read_exact(&mut hello).expect("hello");
        let _ = stream.shutdown(Shutdown::Both);
        [header.to_vec(), hello].concat()
    });
    for (what, (url, server)) in [("reset", reset), ("close", close)] {
        let config = blazeauth_core::Config::builder(
            blazeauth_core::ManagementKey::parse(support::KEY).expect("key"),
        )
        .base_url(url)
        .build()
        .expect("config");
        let client = blazeauth_core::Client::new(config, fast_transport());
        let error = client
            .send(&api::CreateApplication::new("Integration app"))
            .unwrap_err();
        // Whatever the I/O error's kind (reset, early EOF), it came while the
        // connection was being opened: no byte of the request was written.
        assert!(matches!(error, Error::NotSent(_)), "{what}: {error:?}");
        assert_eq!(
            transport_error(&error).kind(),
            TransportErrorKind::Connect,
            "{what}"
        );
        assert!(!error.outcome_unknown(), "{what}");
        let read = server.join().expect("server");
        assert_eq!(
            read[0], 0x16,
            "{what}: the server saw a TLS handshake record"
        );
        assert_no_secret(&error);
    }
}

#[test]
fn a_pooled_connection_closed_without_an_answer_may_have_been_sent() {
    // The first call opens the connection and leaves it in the pool; the
    // second reuses it (no connect, so no mark) and the server reads the
    // request, then closes without answering: the mutation may have been
    // processed, whatever the error's kind.
    let server = TestServer::start(|_, n| {
        if n == 0 {
            Reply::ok_data(APPS)
        } else {
            Reply::Close
        }
    });
    let client = single_attempt(&server, fast_transport());
    client.send(&api::GetApplications).expect("apps");
    let error = client
        .send(&api::CreateApplication::new("Integration app"))
        .unwrap_err();
    support::assert_mutation_outcome_unknown(&error, TransportErrorKind::Io);
    assert_eq!(
        server.connections_accepted(),
        1,
        "the connection was pooled"
    );
    assert_eq!(
        server.requests().len(),
        2,
        "the server did read the mutation"
    );
    assert_no_secret(&error);
}

#[test]
fn a_reset_on_a_pooled_connection_may_have_been_sent() {
    // As above, but the server resets the pooled connection while the
    // request's body is being written.
    let server = TestServer::always(Reply::ok_data(APPS));
    let client = single_attempt(&server, fast_transport());
    client.send(&api::GetApplications).expect("apps");
    let big = "x".repeat(4 * 1024 * 1024);
    let request = RawRequest::post("/api/v1/panel/reset-connection")
        .json(&serde_json::json!({ "payload": big }))
        .expect("json");
    let error = client.send(&request).unwrap_err();
    support::assert_mutation_outcome_unknown(&error, TransportErrorKind::Io);
    assert_eq!(
        server.connections_accepted(),
        1,
        "the connection was pooled"
    );
    assert_no_secret(&error);
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[test]
fn a_tls_handshake_that_never_completes_is_not_sent() {
    // A listener that never accepts: the kernel completes the TCP handshake,
    // nobody answers the ClientHello, and the connect timeout (which covers
    // the TLS handshake) runs out before any request is written.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("https://{}", silent.local_addr().expect("addr"));
    let config = blazeauth_core::Config::builder(
        blazeauth_core::ManagementKey::parse(support::KEY).expect("key"),
    )
    .base_url(url)
    .build()
    .expect("config");
    let transport = UreqTransport::builder()
        .connect_timeout(Duration::from_millis(200))
        .timeout(Duration::from_secs(5))
        .build();
    let client = blazeauth_core::Client::new(config, transport);
    let error = client
        .send(&api::CreateApplication::new("Integration app"))
        .unwrap_err();
    assert!(matches!(error, Error::NotSent(_)), "{error:?}");
    assert_eq!(transport_error(&error).kind(), TransportErrorKind::Timeout);
    assert!(!error.outcome_unknown());
    assert_no_secret(&error);
}

#[test]
fn an_answer_slower_than_the_timeout_may_have_been_sent() {
    let server = TestServer::always(Reply::Delay(
        Duration::from_millis(1500),
        Box::new(Reply::ok_data(APPS)),
    ));
    let client = single_attempt(&server, fast_transport());
    let error = client.send(&api::GetApplications).unwrap_err();
    assert!(matches!(error, Error::MaybeSent { .. }), "{error:?}");
    let source = transport_error(&error);
    assert_eq!(source.kind(), TransportErrorKind::Timeout);
    assert!(matches!(
        source.source_error().downcast_ref::<ureq::Error>(),
        Some(ureq::Error::Timeout(_))
    ));
    assert!(!error.outcome_unknown(), "a read's outcome is harmless");
    assert_eq!(server.requests().len(), 1, "the server did get the request");
    assert_no_secret(&error);
}

#[test]
fn a_per_request_timeout_replaces_the_default() {
    let server = TestServer::always(Reply::Delay(
        Duration::from_millis(600),
        Box::new(Reply::ok_data(APPS)),
    ));
    // Default 10 s: the slow answer arrives.
    let client = single_attempt(
        &server,
        UreqTransport::builder()
            .timeout(Duration::from_secs(10))
            .build(),
    );
    client
        .send(&api::GetApplications)
        .expect("slow but in time");
    // 150 ms for this call only: it times out.
    let options = RequestOptions::default().timeout(Duration::from_millis(150));
    let error = client
        .send_with(&api::GetApplications, &options)
        .unwrap_err();
    assert_eq!(
        transport_error(&error).kind(),
        TransportErrorKind::Timeout,
        "{error:?}"
    );

    // The same through the raw transport: the extension is honoured.
    let mut request = get(&server, "/api/v1/panel/get-applications");
    request
        .extensions_mut()
        .insert(RequestTimeout(Duration::from_millis(150)));
    let error = client.transport().send(request).unwrap_err();
    assert_eq!(error.delivery(), Delivery::MaybeSent);
    assert_eq!(error.kind(), TransportErrorKind::Timeout);
}

#[test]
fn a_connection_closed_before_answering_may_have_been_sent() {
    let server = TestServer::always(Reply::Close);
    let client = single_attempt(&server, fast_transport());
    let error = client
        .send(&api::CreateApplication::new("Integration app"))
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::MaybeSent {
                class: blazeauth_core::RetryClass::Mutation,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(transport_error(&error).kind(), TransportErrorKind::Io);
    assert!(error.outcome_unknown());
    assert!(error.to_string().contains("outcome is unknown"), "{error}");
    assert_no_secret(&error);
}

#[test]
fn a_reset_while_sending_may_have_been_sent() {
    let server = TestServer::always(Reply::ok_data("null"));
    let client = single_attempt(&server, fast_transport());
    let big = "x".repeat(4 * 1024 * 1024);
    let request = RawRequest::post("/api/v1/panel/reset-connection")
        .json(&serde_json::json!({ "payload": big }))
        .expect("json");
    let error = client.send(&request).unwrap_err();
    assert!(matches!(error, Error::MaybeSent { .. }), "{error:?}");
    assert_eq!(transport_error(&error).kind(), TransportErrorKind::Io);
    assert!(error.outcome_unknown());
    assert_no_secret(&error);
}

#[test]
fn a_truncated_body_may_have_been_sent() {
    let server = TestServer::always(Reply::RawThenClose(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"success\":true,"
            .to_vec(),
    ));
    let client = single_attempt(&server, fast_transport());
    let error = client.send(&api::GetApplications).unwrap_err();
    assert!(matches!(error, Error::MaybeSent { .. }), "{error:?}");
    assert_eq!(transport_error(&error).kind(), TransportErrorKind::Io);
}

#[test]
fn a_declared_body_over_the_limit_fails_before_reading_it() {
    let body = format!(
        r#"{{"success":true,"message":"ok","data":"{}"}}"#,
        "y".repeat(4096)
    );
    let server = TestServer::always(Reply::json(&body));
    let transport = UreqTransport::builder().body_limit(1024).build();
    let error = transport
        .send(get(&server, "/api/v1/panel/get-applications"))
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
    assert_eq!(error.delivery(), Delivery::MaybeSent);
    assert!(error.to_string().contains("1024"), "{error}");

    let client = single_attempt(&server, transport);
    let error = client.send(&api::GetApplications).unwrap_err();
    assert_eq!(
        transport_error(&error).kind(),
        TransportErrorKind::BodyTooLarge
    );
}

#[test]
fn a_chunked_body_over_the_limit_fails_once_past_it() {
    let chunk = "z".repeat(1000);
    let mut raw =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    for _ in 0..10 {
        raw.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let server = TestServer::always(Reply::Raw(raw));
    let limited = UreqTransport::builder().body_limit(4096).build();
    let error = limited
        .send(get(&server, "/api/v1/panel/get-applications"))
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
    assert_eq!(error.delivery(), Delivery::MaybeSent);

    let roomy = UreqTransport::builder().body_limit(10_000).build();
    let response = roomy
        .send(get(&server, "/api/v1/panel/get-applications"))
        .expect("exactly at the limit is fine");
    assert_eq!(response.body().len(), 10_000);
}

#[test]
fn redirects_are_not_followed() {
    let server = TestServer::start(|request, _| {
        if request.target.starts_with("/elsewhere") {
            Reply::ok_data(APPS)
        } else {
            Reply::Respond {
                status: 302,
                headers: vec![("location".into(), "/elsewhere".into())],
                body: Vec::new(),
            }
        }
    });
    let client = single_attempt(&server, UreqTransport::new());
    let error = client.send(&api::GetApplications).unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("a redirect is an answer the SDK cannot decode: {error:?}");
    };
    assert_eq!(decode.status(), StatusCode::FOUND);
    assert_eq!(decode.headers()["location"], "/elsewhere");
    assert_eq!(decode.kind(), DecodeErrorKind::EmptyBody);
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "the Location was not requested");
    assert_eq!(requests[0].target, "/api/v1/panel/get-applications");
}

#[test]
fn html_from_a_proxy_is_a_decode_error_keeping_the_body() {
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let server = TestServer::always(Reply::Respond {
        status: 502,
        headers: vec![("content-type".into(), "text/html".into())],
        body: page.as_bytes().to_vec(),
    });
    let client = single_attempt(&server, UreqTransport::new());
    let error = client.send(&api::GetApplications).unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(decode.kind(), DecodeErrorKind::NotJson);
    assert_eq!(decode.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(decode.body(), page.as_bytes());
}

#[test]
fn the_key_shows_nowhere() {
    let transport = fast_transport();
    let debug = format!("{transport:?} {:?}", UreqTransport::builder());
    assert!(!debug.contains("S3cret"));

    let server = TestServer::always(Reply::Close);
    let client = single_attempt(&server, fast_transport());
    assert!(!format!("{client:?}").contains("S3cret"));
    let mut errors = vec![client.send(&api::GetApplications).unwrap_err()];
    let slow = TestServer::always(Reply::Delay(
        Duration::from_millis(1000),
        Box::new(Reply::ok_data(APPS)),
    ));
    errors.push(
        single_attempt(&slow, fast_transport())
            .send(&api::GetApplications)
            .unwrap_err(),
    );
    let url = format!("http://127.0.0.1:{}", closed_port());
    let config = blazeauth_core::Config::builder(
        blazeauth_core::ManagementKey::parse(support::KEY).expect("key"),
    )
    .base_url(url)
    .build()
    .expect("config");
    errors.push(
        blazeauth_core::Client::new(config, fast_transport())
            .send(&api::GetApplications)
            .unwrap_err(),
    );
    for error in &errors {
        assert_no_secret(error);
    }
}
