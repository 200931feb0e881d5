//! The blocking client logs through the `log` facade: one `debug` line per
//! attempt (method, path, status or failure, attempt number, elapsed time)
//! and one `info` line per retry with its delay; never the key, even when
//! the server echoes it. Its own test binary: a process has one logger.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use blazeauth_core::api::GetApplications;
use blazeauth_core::http::Response;
use blazeauth_core::{Client, RetryPolicy, Sleeper};

use common::{KEY, SECRET, Script, config};

struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap().push(format!(
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }

    fn flush(&self) {}
}

static LOGGER: Capture = Capture(Mutex::new(Vec::new()));

struct NoSleep;

impl Sleeper for NoSleep {
    fn sleep(&self, _: Duration) {}
}

#[test]
fn each_attempt_and_retry_is_logged_without_the_key() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let echo = format!(r#"{{"success":false,"code":"busy","message":"key {KEY} is busy"}}"#);
    let script = Script::new()
        .then(move |_| {
            Ok(Response::builder()
                .status(503)
                .header("retry-after", "0")
                .header("x-echo", KEY)
                .body(echo.clone().into_bytes())
                .unwrap())
        })
        .json(r#"{"success":true,"data":[]}"#);
    let client = Client::builder(config(), script.transport())
        .retries(RetryPolicy::default(), NoSleep)
        .build();
    client.send(&GetApplications).unwrap();
    let lines = LOGGER.0.lock().unwrap().clone();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0]
            .starts_with("DEBUG blazeauth GET /api/v1/panel/get-applications -> 503 (attempt 1, "),
        "{lines:#?}"
    );
    assert!(lines[0].ends_with(" ms)"));
    assert!(
        lines[1].starts_with(
            "INFO blazeauth GET /api/v1/panel/get-applications: retrying in 0 ms (attempt 2 next)"
        ),
        "{lines:#?}"
    );
    assert!(
        lines[2]
            .starts_with("DEBUG blazeauth GET /api/v1/panel/get-applications -> 200 (attempt 2, "),
        "{lines:#?}"
    );
    for line in &lines {
        assert!(!line.contains(SECRET), "{line}");
    }
}
