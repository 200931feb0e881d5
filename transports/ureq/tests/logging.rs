//! The client's log while a hostile server on 127.0.0.1 echoes the key: its
//! own test binary, because a process has one logger and other tests' lines
//! would mix in.

mod support;

use blazeauth_core::api;
use support::{Recorded, Reply, SECRET, TestServer};

/// The request's own `Authorization` value, as a hostile server sees it.
fn authorization(request: &Recorded) -> String {
    request.header("authorization").unwrap_or("").to_owned()
}

/// What the client logs while a hostile server echoes the key in its
/// answers (body and header, then a retry): every attempt is logged, the key
/// never.
#[test]
fn the_log_never_holds_the_key_a_hostile_server_echoes() {
    struct Capture(std::sync::Mutex<Vec<String>>);
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{} {}", record.target(), record.args()));
        }
        fn flush(&self) {}
    }
    static LOGGER: Capture = Capture(std::sync::Mutex::new(Vec::new()));
    log::set_logger(&LOGGER).expect("the only logger of this test binary");
    log::set_max_level(log::LevelFilter::Trace);

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
    let lines: Vec<String> = LOGGER
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.starts_with("blazeauth "))
        .cloned()
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].contains("-> 503 (attempt 1,"), "{lines:#?}");
    assert!(lines[2].contains("-> 200 (attempt 2,"), "{lines:#?}");
    let everything = LOGGER.0.lock().unwrap().join("\n");
    assert!(!everything.contains(SECRET), "{everything}");
}
