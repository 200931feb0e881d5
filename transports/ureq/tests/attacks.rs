//! The SDK against a hostile server on loopback, one test per attack: bad
//! ports in the base URL, a server echoing the `Authorization` header back
//! (in a message, an error code, an HTML page, a header), runtime keys in raw
//! answers and cut-off bodies, a 5 MB error message, hints on 5xx and 429,
//! an over-long search, a duplicated `success` key, and TLS servers that must
//! be refused before the request is written. Every server listens on
//! 127.0.0.1, answers a bounded number of requests and stops with its test.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use blazeauth_core::api::{self, GetLicensesTable, LicenseSpec};
use blazeauth_core::{
    Client, Config, ConfigError, Delivery, Error, LicenseDuration, LicenseSearch, RawRequest,
    TransportErrorKind,
};
use blazeauth_ureq::{RootCertificates, UreqTransport};
use support::{KEY, Recorded, Reply, SECRET, TestServer, assert_no_secret};

fn client(server: &TestServer) -> Client<UreqTransport> {
    Client::new(server.config(), UreqTransport::new())
}

fn app() -> blazeauth_core::ApplicationId {
    "123456789".parse().expect("id")
}

/// The request's own `Authorization` value, as a hostile server sees it.
fn authorization(request: &Recorded) -> String {
    request.header("authorization").unwrap_or("").to_owned()
}

#[test]
fn base_urls_with_a_bad_or_empty_port_are_refused_before_any_connection() {
    for (url, problem) in [
        ("http://127.0.0.1:99999", "out of range"),
        ("http://127.0.0.1:", "port is empty"),
        ("http://localhost:65536", "out of range"),
    ] {
        let key = blazeauth_core::ManagementKey::parse(KEY).expect("key");
        let err = Config::builder(key).base_url(url).build().unwrap_err();
        assert!(matches!(err, ConfigError::BaseUrl { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains(problem), "{url}: {err}");
        assert!(!err.to_string().contains(SECRET));
    }
}

#[test]
fn a_server_echoing_the_key_never_gets_it_into_an_error() {
    // Each answer echoes the Authorization header somewhere else.
    let server = TestServer::start(|request, n| {
        let echo = authorization(request);
        let json_escaped = echo.replace('_', "\\u005f");
        match n {
            0 => Reply::status_json(
                401,
                &format!(
                    r#"{{"success":false,"code":"api_key_invalid","message":"bad key {echo}"}}"#
                ),
            ),
            1 => Reply::status_json(
                400,
                &format!(r#"{{"success":false,"code":"{echo}","message":"{json_escaped}"}}"#),
            ),
            2 => Reply::Respond {
                status: 502,
                headers: vec![
                    ("content-type".into(), "text/html".into()),
                    ("x-echo".into(), echo.clone()),
                ],
                body: format!("<html><body>upstream refused {echo}</body></html>").into_bytes(),
            },
            _ => Reply::status_json(
                200,
                &format!(r#"{{"success":true,"data":[{{"id":"{echo}"}}"#),
            ),
        }
    });
    let client = client(&server);
    for _ in 0..4 {
        let err = client.send(&api::GetApplications).unwrap_err();
        assert_no_secret(&err);
        let stored: Vec<u8> = match &err {
            Error::Api(e) => {
                assert!(!e.message().contains(SECRET), "{}", e.message());
                assert!(
                    e.headers()
                        .values()
                        .all(|v| !v.as_bytes().windows(8).any(|w| w == b"S3cretS3"))
                );
                e.body().to_vec()
            }
            Error::Decode(e) => {
                assert!(
                    e.headers()
                        .values()
                        .all(|v| !v.as_bytes().windows(8).any(|w| w == b"S3cretS3"))
                );
                e.body().to_vec()
            }
            other => panic!("expected an answer, got {other:?}"),
        };
        assert!(
            !String::from_utf8_lossy(&stored).contains(SECRET),
            "raw body kept with the key"
        );
    }
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn runtime_keys_never_print_from_raw_answers_or_snippets() {
    let server = TestServer::start(|_, n| match n {
        0 => Reply::ok_data(
            r#"{"socketKey":"sk_live_AAAA1111","httpKey":"hk_live_BBBB2222","nested":[{"password":"pw-CCCC3333"}],"name":"ok"}"#,
        ),
        _ => Reply::status_json(
            200,
            r#"{"success":true,"message":"ok","data":{"httpKey":"hk_live_DDDD4444","socketKey":"sk_live_EE"#,
        ),
    });
    let client = client(&server);
    let raw = client
        .send(&RawRequest::get("/api/v1/panel/get-application-settings"))
        .expect("raw");
    let printed = format!("{raw:?}");
    for secret in ["sk_live_AAAA1111", "hk_live_BBBB2222", "pw-CCCC3333"] {
        assert!(!printed.contains(secret), "{printed}");
    }
    assert!(
        printed.contains("\"ok\""),
        "the rest still prints: {printed}"
    );
    // The values stay in the data itself for the caller who asked for them.
    assert_eq!(raw.data.expect("data")["socketKey"], "sk_live_AAAA1111");

    let err = client
        .send(&RawRequest::get("/api/v1/panel/get-application-settings"))
        .unwrap_err();
    let printed = format!("{err} {err:?}");
    assert!(
        !printed.contains("hk_live_DDDD4444") && !printed.contains("sk_live_EE"),
        "{printed}"
    );
}

#[test]
fn a_5_mb_error_message_is_bounded() {
    let message = "A".repeat(5 * 1024 * 1024);
    let body = format!(r#"{{"success":false,"code":"validation_error","message":"{message}"}}"#);
    let server = TestServer::always(Reply::status_json(400, &body));
    let err = client(&server).send(&api::GetApplications).unwrap_err();
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert!(display.len() < 2048, "{} bytes", display.len());
    assert!(debug.len() < 4096, "{} bytes", debug.len());
    assert!(display.contains("[cut: 5242880 bytes in all]"), "{display}");
    assert_eq!(
        err.api_error().expect("api").body().len(),
        body.len(),
        "the raw body is kept"
    );
}

#[test]
fn hints_follow_the_status_class() {
    let answers = [
        (
            503,
            r#"{"success":false,"message":"Service Unavailable"}"#,
            vec![],
        ),
        (
            500,
            r#"{"success":false,"code":"internal","message":"boom"}"#,
            vec![],
        ),
        (429, r#"{"success":false,"message":"slow down"}"#, vec![]),
        (
            429,
            r#"{"success":false,"message":"slow down"}"#,
            vec![("retry-after".to_owned(), "7".to_owned())],
        ),
    ];
    for (status, body, headers) in answers {
        let mut all = vec![("content-type".to_owned(), "application/json".to_owned())];
        all.extend(headers);
        let server = TestServer::always(Reply::Respond {
            status,
            headers: all,
            body: body.as_bytes().to_vec(),
        });
        let client = client(&server);
        for err in [
            client.send(&api::GetApplications).unwrap_err(),
            client
                .send(&api::CreateApplication::new("Desktop Client"))
                .unwrap_err(),
        ] {
            let text = err.to_string();
            assert!(!text.contains("fix the request"), "{status}: {text}");
            assert!(
                text.contains("try again later")
                    || text.contains("may or may not have been applied")
                    || text.contains("rate limited"),
                "{status}: {text}"
            );
        }
    }
}

#[test]
fn an_over_long_search_is_blamed_on_the_search_and_never_sent() {
    let server = TestServer::always(Reply::ok_data("[]"));
    let search = LicenseSearch::new("ж".repeat(11_000));
    let err = client(&server)
        .send(&GetLicensesTable::new(app()).search(search))
        .unwrap_err();
    let Error::InvalidInput(invalid) = &err else {
        panic!("expected invalid input, got {err:?}")
    };
    assert_eq!(invalid.field(), "searchParams", "{err}");
    assert!(err.to_string().contains("shorten it"), "{err}");
    assert_eq!(server.connections_accepted(), 0, "nothing was sent");
}

#[test]
fn a_duplicated_success_key_is_not_a_success() {
    let server = TestServer::always(Reply::json(
        r#"{"success":false,"success":true,"message":"ok","data":[]}"#,
    ));
    let err = client(&server).send(&api::GetApplications).unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert!(
        decode.detail().unwrap_or("").contains("duplicate field"),
        "{err:?}"
    );
}

#[test]
fn a_mutation_refused_with_an_echoed_key_under_bulk_creation_stays_secret() {
    let server = TestServer::start(|request, _| {
        let echo = authorization(request);
        Reply::status_json(503, &format!(r#"{{"success":false,"message":"{echo}"}}"#))
    });
    let spec = LicenseSpec::new(
        "ABC-******",
        ["pro"],
        LicenseDuration::from_days(1).expect("d"),
    );
    let report = client(&server)
        .create_licenses_bulk(app(), spec, 300)
        .unwrap_err();
    assert_eq!(
        report.unknown_count(),
        256,
        "a 5xx leaves the batch unknown"
    );
    assert_no_secret(&*report);
}

// ---- TLS, on the real stack ----

/// A TLS server on 127.0.0.1 with a certificate for `names`; it counts the
/// plaintext bytes it receives (the request, if any got through) and answers
/// one envelope per connection. Serves at most `connections` connections.
struct TlsServer {
    port: u16,
    certificate: Vec<u8>,
    plaintext_bytes: Arc<AtomicUsize>,
}

impl TlsServer {
    fn start(names: &[&str], connections: usize) -> Self {
        let certified = rcgen::generate_simple_self_signed(
            names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>(),
        )
        .expect("certificate");
        let certificate = certified.cert.der().to_vec();
        let key =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .expect("server config");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let plaintext_bytes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&plaintext_bytes);
        thread::spawn(move || {
            for stream in listener.incoming().take(connections) {
                let Ok(mut tcp) = stream else { continue };
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = tcp.set_write_timeout(Some(Duration::from_secs(5)));
                let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                    continue;
                };
                let mut tls = rustls::StreamOwned::new(conn, &mut tcp);
                let mut buf = [0u8; 4096];
                if let Ok(n) = tls.read(&mut buf) {
                    counter.fetch_add(n, Ordering::SeqCst);
                    let body = br#"{"success":true,"message":"ok","data":[]}"#;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = tls.write_all(head.as_bytes());
                    let _ = tls.write_all(body);
                    let _ = tls.flush();
                }
            }
        });
        Self {
            port,
            certificate,
            plaintext_bytes,
        }
    }

    fn config(&self) -> Config {
        let key = blazeauth_core::ManagementKey::parse(KEY).expect("key");
        Config::builder(key)
            .base_url(format!("https://localhost:{}", self.port))
            .build()
            .expect("config")
    }

    /// A transport that trusts this server's certificate as a root.
    fn trusting(&self) -> UreqTransport {
        UreqTransport::builder()
            .timeout(Duration::from_secs(10))
            .root_certificates(RootCertificates::Only(vec![self.certificate.clone()]))
            .build()
    }
}

fn assert_refused_before_sending(server: &TlsServer, transport: UreqTransport) {
    let client = Client::new(server.config(), transport);
    let err = client
        .send(&api::CreateApplication::new("Desktop Client"))
        .unwrap_err();
    let Error::NotSent(source) = &err else {
        panic!("expected 'not sent', got {err:?}")
    };
    assert_eq!(source.delivery(), Delivery::NotSent);
    assert_eq!(source.kind(), TransportErrorKind::Connect, "{err:?}");
    assert!(!err.outcome_unknown());
    assert_no_secret(&err);
    // Give the server a moment to count anything that got through.
    thread::sleep(Duration::from_millis(50));
    assert_eq!(
        server.plaintext_bytes.load(Ordering::SeqCst),
        0,
        "no byte of the request reached the server"
    );
}

#[test]
fn tls_with_a_certificate_no_root_trusts_is_refused_as_not_sent() {
    let server = TlsServer::start(&["localhost"], 1);
    assert_refused_before_sending(&server, UreqTransport::new());
}

#[test]
fn tls_with_a_certificate_for_another_host_is_refused_as_not_sent() {
    let server = TlsServer::start(&["other.example"], 1);
    assert_refused_before_sending(&server, server.trusting());
}

#[test]
fn tls_with_a_trusted_certificate_for_the_host_works() {
    // The control: the same server and trust setup succeed when the name matches.
    let server = TlsServer::start(&["localhost"], 1);
    let client = Client::new(server.config(), server.trusting());
    let apps = client
        .send(&api::GetApplications)
        .expect("a trusted server answers");
    assert!(apps.is_empty());
    assert!(server.plaintext_bytes.load(Ordering::SeqCst) > 0);
}

/// A hostile API hands out an upload URL that points back at itself: the
/// storage request it receives carries the bytes and no trace of the key.
/// URLs that would send the bytes in clear to another host, or that smuggle
/// credentials, are refused before anything is sent to them.
#[test]
fn a_hostile_upload_url_never_receives_the_key() {
    let presign = |url: String| {
        Reply::json(&format!(
            r#"{{"success":true,"message":"ok","presignedUrl":"{url}"}}"#
        ))
    };
    let server = TestServer::start(move |request, _| {
        if request.method == "PUT" {
            Reply::json("")
        } else {
            let echo = authorization(request);
            presign(format!(
                "http://{}/steal?echo={}",
                request.header("host").unwrap_or(""),
                echo.len()
            ))
        }
    });
    let client = blazeauth_ureq::client(server.config());
    let name = api::FileName::new("payload").unwrap();
    blazeauth_ureq::upload_file(
        &client,
        &app(),
        blazeauth_ureq::FileUpload::new(&name, b"bytes"),
    )
    .expect("upload to a loopback URL");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let put = &requests[1];
    assert_eq!(
        (put.method.as_str(), put.body.as_slice()),
        ("PUT", &b"bytes"[..])
    );
    assert!(put.target.starts_with("/steal?"));
    assert_eq!(put.header("authorization"), None);
    for (name, value) in &put.headers {
        assert!(!value.contains(SECRET), "{name}: {value}");
    }

    for url in [
        "http://storage.attacker.example/steal",
        "https://user:pw@storage.example/steal",
        "ftp://storage.example/steal",
    ] {
        let server = TestServer::start(move |_, _| presign(url.to_owned()));
        let client = blazeauth_ureq::client(server.config());
        let error = blazeauth_ureq::upload_file(
            &client,
            &app(),
            blazeauth_ureq::FileUpload::new(&name, b"bytes"),
        )
        .unwrap_err();
        assert!(
            matches!(error, blazeauth_ureq::UploadError::NotSent(_)),
            "{url}: {error:?}"
        );
        assert_eq!(server.requests().len(), 1, "{url}: only the URL request");
        assert_no_secret(&error);
    }
}
