//! The client's log while hostile servers on 127.0.0.1 echo the key: every
//! attempt is logged (target `blazeauth`), and in every record at `TRACE`, of
//! every target (ureq-proto hex-dumps each byte written and read), the key
//! never shows, whole, split across the 16-byte rows of the dump, or
//! hex-encoded; nor does a presigned URL's signed query (issue 19, items 1
//! and 2). Its own test binary: a process has one logger, and other tests'
//! lines would mix in.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Mutex;
use std::time::Duration;

use blazeauth_core::api::{self, FileName};
use blazeauth_ureq::{FileUpload, UploadError, upload_file};
use support::{KEY, Recorded, Reply, SECRET, TestServer};

struct Capture(Mutex<Vec<(String, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0
            .lock()
            .unwrap()
            .push((record.target().to_owned(), record.args().to_string()));
    }
    fn flush(&self) {}
}

static LOGGER: Capture = Capture(Mutex::new(Vec::new()));
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn install() -> std::sync::MutexGuard<'static, ()> {
    let guard = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Trace);
    LOGGER.0.lock().unwrap().clear();
    guard
}

/// Asserts that `secret` shows nowhere in the log: not in any record, not in
/// the ASCII columns of the hex dump joined, not in its hex columns decoded,
/// not hex-encoded in any record.
fn assert_log_hides(secret: &str) {
    let records = LOGGER.0.lock().unwrap().clone();
    let hex_rows: Vec<&str> = records
        .iter()
        .filter(|(target, text)| target.starts_with("ureq_proto") && is_hex_row(text))
        .map(|(_, text)| text.as_str())
        .collect();
    assert!(
        !hex_rows.is_empty(),
        "the test must see the hex dump (TRACE on for ureq_proto)"
    );
    let ascii: String = hex_rows.iter().map(|row| &row[41..]).collect();
    let bytes: Vec<u8> = hex_rows
        .iter()
        .flat_map(|row| {
            row[..40]
                .split(' ')
                .flat_map(|group| group.as_bytes().chunks(2))
                .filter(|pair| pair.len() == 2 && pair != b"--")
                .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    let hex_secret: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let all_hex: String = hex_rows
        .iter()
        .map(|row| row[..40].replace(' ', ""))
        .collect();
    assert!(!ascii.contains(secret), "the dump's text columns: {ascii}");
    assert!(
        !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the dump's bytes hold the secret"
    );
    assert!(!all_hex.contains(&hex_secret), "hex-encoded in the dump");
    for (target, text) in &records {
        assert!(!text.contains(secret), "{target}: {text}");
        assert!(!text.contains(&hex_secret), "{target}: {text}");
    }
}

/// The text columns of ureq-proto's hex dump so far, joined.
fn dump_text() -> String {
    LOGGER
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(target, text)| target.starts_with("ureq_proto") && is_hex_row(text))
        .map(|(_, text)| &text[41..])
        .collect()
}

/// ureq-proto's dump row: 8 groups of 4 hex digits (`--` past the end), a
/// space, 16 characters.
fn is_hex_row(text: &str) -> bool {
    text.len() == 57
        && text[..40]
            .split(' ')
            .filter(|g| !g.is_empty())
            .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
}

fn authorization(request: &Recorded) -> String {
    request.header("authorization").unwrap_or("").to_owned()
}

/// What the client logs while a hostile server echoes the key in its
/// answers (body and header, then a retry): every attempt is logged, the key
/// never.
#[test]
fn the_log_never_holds_the_key_a_hostile_server_echoes() {
    let _guard = install();
    let server = TestServer::start(|request, n| {
        let echo = authorization(request);
        match n {
            0 => Reply::Respond {
                status: 503,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("retry-after".into(), "0".into()),
                    ("x-echo".into(), echo.clone()),
                ],
                body: format!(r#"{{"success":false,"code":"busy","message":"{echo}"}}"#)
                    .into_bytes(),
            },
            _ => Reply::ok_data("[]"),
        }
    });
    let client = blazeauth_ureq::client(server.config());
    client
        .send(&api::GetApplications)
        .expect("answered after a retry");
    let records = LOGGER.0.lock().unwrap().clone();
    let lines: Vec<&String> = records
        .iter()
        .filter(|(target, _)| target == "blazeauth")
        .map(|(_, text)| text)
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].contains("-> 503 (attempt 1,"), "{lines:#?}");
    assert!(lines[2].contains("-> 200 (attempt 2,"), "{lines:#?}");
    assert_log_hides(SECRET);
}

#[test]
fn the_key_never_reaches_the_trace_log_even_echoed() {
    let _guard = install();
    // The server echoes what it received in a header and the body.
    let server = TestServer::start(|request, n| {
        let echo = authorization(request);
        let body = format!(r#"{{"success":false,"code":"busy","message":"{echo} {KEY}"}}"#);
        match n {
            0 => Reply::Respond {
                status: 503,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("retry-after".into(), "0".into()),
                    ("x-echo".into(), echo),
                ],
                body: body.into_bytes(),
            },
            _ => Reply::ok_data(&format!(r#"[{{"id":1,"name":"{SECRET}"}}]"#)),
        }
    });
    let client = blazeauth_ureq::client(server.config());
    client
        .send(&api::GetApplications)
        .expect("answered after a retry");
    client
        .send(&api::CreateApplication::new("Desktop"))
        .expect("a POST with a body");
    // The server did get the key: only the log must not.
    assert!(authorization(&server.requests()[0]).ends_with(SECRET));
    assert_log_hides(SECRET);
    assert_log_hides(KEY);
}

/// A server that sends the echoed key split across TCP writes, cut in the
/// middle of the secret: the second half is masked too.
#[test]
fn an_echoed_key_split_across_reads_is_masked() {
    let _guard = install();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let cuts: [usize; 3] = [5, 12, 30];
        for cut in cuts {
            let (stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let body = format!(r#"{{"success":true,"message":"{SECRET}","data":[]}}"#);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let at = body.find(SECRET).unwrap() + cut;
            let mut writer = stream;
            writer.write_all(head.as_bytes()).unwrap();
            writer.write_all(&body.as_bytes()[..at]).unwrap();
            writer.flush().unwrap();
            std::thread::sleep(Duration::from_millis(30));
            writer.write_all(&body.as_bytes()[at..]).unwrap();
            writer.flush().unwrap();
            let _ = reader.read(&mut [0; 1]);
        }
    });
    let config =
        blazeauth_core::Config::builder(blazeauth_core::ManagementKey::parse(KEY).unwrap())
            .base_url(format!("http://{addr}"))
            .build()
            .unwrap();
    let client = blazeauth_core::Client::new(config, blazeauth_ureq::UreqTransport::new());
    for _ in 0..3 {
        client.send(&api::GetApplications).expect("a success");
    }
    server.join().unwrap();
    // Up to 7 characters of the secret may go out before its start is
    // recognised; never more.
    let ascii = dump_text();
    for piece in SECRET.as_bytes().windows(8) {
        let piece = std::str::from_utf8(piece).unwrap();
        assert!(!ascii.contains(piece), "{piece} in {ascii}");
    }
    assert_log_hides(SECRET);
}

/// Presigned upload URLs: one that carries the key is never requested and
/// the error does not repeat it; a normal one's signed query never reaches
/// the log, the errors or the storage host's echo.
#[test]
fn upload_urls_never_carry_the_key_and_their_query_is_not_logged() {
    let _guard = install();
    const SIGNATURE: &str = "f00dfeedf00dfeedf00dfeedf00dfeed";
    let storage = TestServer::start(|request, _| Reply::Respond {
        status: 403,
        headers: vec![("content-type".into(), "application/xml".into())],
        // S3 echoes what it was given.
        body: format!(
            "<Error><SignatureProvided>{SIGNATURE}</SignatureProvided><Target>{}</Target></Error>",
            request.target
        )
        .into_bytes(),
    });
    let storage_url = storage.base_url();
    let hostile = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = std::sync::Arc::clone(&hostile);
    let api = TestServer::start(move |request, _| {
        let secret = authorization(request)
            .rsplit('_')
            .next()
            .unwrap()
            .to_owned();
        let url = if flag.load(std::sync::atomic::Ordering::SeqCst) {
            // The key echoed, percent-encoded, into the query.
            let encoded: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
            format!("{storage_url}/upload/file?X-Amz-Signature={SIGNATURE}&k={encoded}")
        } else {
            format!(
                "{storage_url}/upload/file?X-Amz-Credential=AKIAEXAMPLEEXAMPLE&X-Amz-Signature={SIGNATURE}"
            )
        };
        Reply::json(&format!(
            r#"{{"success":true,"message":"ok","presignedUrl":"{url}"}}"#
        ))
    });
    let client = blazeauth_ureq::client(api.config());
    let app = blazeauth_core::ApplicationId::new("7").unwrap();
    let name = FileName::new("installer").unwrap();
    let bytes = vec![7u8; 64];

    let error = upload_file(&client, &app, FileUpload::new(&name, &bytes)).unwrap_err();
    assert!(matches!(error, UploadError::NotSent(_)), "{error:?}");
    assert!(
        error.to_string().contains("carries the management key"),
        "{error}"
    );
    support::assert_no_secret(&error);
    assert!(
        storage.requests().is_empty(),
        "the storage host got a request"
    );

    hostile.store(false, std::sync::atomic::Ordering::SeqCst);
    let error = upload_file(&client, &app, FileUpload::new(&name, &bytes)).unwrap_err();
    let UploadError::Refused(refused) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(refused.status, 403);
    let requests = storage.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].target.contains(SIGNATURE),
        "the wire carries the real query"
    );
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(SIGNATURE), "{text}");
        assert!(!text.contains("AKIAEXAMPLEEXAMPLE"), "{text}");
    }
    // The API's own answer holds the URL (at TRACE ureq-proto dumps every
    // body: license keys too; see the crate docs). From the storage request
    // on, the signed query and its values never show: not in the request
    // line, not in the storage host's echo.
    let records = LOGGER.0.lock().unwrap().clone();
    let ascii = dump_text();
    let storage_part = &ascii[ascii.rfind("PUT./upload/file").expect("the PUT is dumped")..];
    assert!(!storage_part.contains(SIGNATURE), "{storage_part}");
    assert!(!storage_part.contains("AKIAEXAMPLEEXA"), "{storage_part}");
    assert!(
        storage_part.contains("<SignatureProvided>****"),
        "{storage_part}"
    );
    let after_put = records
        .iter()
        .skip_while(|(_, text)| !text.starts_with("5055 5420") && !text.contains("PUT"))
        .filter(|(_, text)| !is_hex_row(text));
    for (target, text) in after_put {
        assert!(!text.contains(SIGNATURE), "{target}: {text}");
    }
    assert_log_hides(SECRET);
}
