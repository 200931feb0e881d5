//! Helpers shared by the integration tests: an emulator on a manual clock with
//! one application, license specs, raw requests and error inspection.

#![allow(dead_code)]

use std::time::Duration;

use blazeauth_core::api::{self, LicenseSpec};
use blazeauth_core::{
    ApplicationId, Client, Config, Error, LicenseDuration, ManagementKey, RawRequest,
};
use blazeauth_emulator::{Emulator, ManualClock};

/// An emulator on a manual clock, its admin client, and one application with
/// levels `basic` and `pro`.
pub struct Setup {
    pub emulator: Emulator,
    pub clock: ManualClock,
    pub client: Client<Emulator>,
    pub app: ApplicationId,
}

pub fn setup() -> Setup {
    let clock = ManualClock::new();
    let emulator = Emulator::builder().seed(1).clock(clock.clone()).build();
    let client = emulator.client();
    client
        .send(&api::CreateApplication::new("Test application"))
        .expect("create application");
    let app = client
        .send(&api::GetApplications)
        .expect("list applications")
        .remove(0)
        .id;
    client
        .send(&api::CreateLicenseLevels::new(
            app.clone(),
            ["basic", "pro"],
        ))
        .expect("levels");
    Setup {
        emulator,
        clock,
        client,
        app,
    }
}

/// A client that never retries (no sleeper), for observing single answers.
pub fn single_attempt_client(emulator: &Emulator, key: ManagementKey) -> Client<Emulator> {
    let config = Config::builder(key)
        .base_url("http://127.0.0.1:9")
        .build()
        .expect("config");
    Client::new(config, emulator.clone())
}

pub fn days(n: u64) -> LicenseDuration {
    LicenseDuration::from_days(n).expect("days")
}

pub fn spec(mask: &str) -> LicenseSpec {
    LicenseSpec::new(mask, ["basic"], days(30))
}

impl Setup {
    /// Creates `count` licenses from `mask` and returns their keys.
    pub fn create(&self, mask: &str, count: u64) -> Vec<String> {
        self.client
            .send(&api::CreateLicenses::new(
                self.app.clone(),
                spec(mask),
                count,
            ))
            .expect("create licenses")
    }

    pub fn metadata(&self) -> api::LicensesMetadata {
        self.client
            .send(&api::GetLicensesMetadata::new(self.app.clone()))
            .expect("metadata")
    }

    /// Every row of the table, walking the pages.
    pub fn rows(&self) -> Vec<api::LicenseRow> {
        self.client
            .pages(api::GetLicensesTable::new(self.app.clone()))
            .rows()
            .collect::<Result<_, _>>()
            .expect("table")
    }

    pub fn action(&self, action: api::LicenseAction) -> Result<api::Done, Error> {
        self.client
            .send(&api::RunLicenseAction::new(self.app.clone(), action))
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

/// The API error code of `result`, or a description of what it was instead.
pub fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Api(api)) => api
            .code()
            .map_or_else(|| "<no code>".to_owned(), |c| c.as_str().to_owned()),
        other => format!("<not an API error: {other:?}>"),
    }
}

/// The HTTP status and code of a failed call.
pub fn status_and_code<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, String) {
    match result {
        Err(Error::Api(api)) => (
            api.status().as_u16(),
            api.code()
                .map_or_else(String::new, |c| c.as_str().to_owned()),
        ),
        other => (0, format!("<not an API error: {other:?}>")),
    }
}

/// Sends a raw request with a JSON body through `client`.
pub fn raw(
    client: &Client<Emulator>,
    method: http::Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<serde_json::Value>,
) -> Result<blazeauth_core::RawResponse<serde_json::Value>, Error> {
    let mut request = RawRequest::new(method, format!("/api/v1/panel/{path}"));
    for (name, value) in query {
        request = request.query(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body).expect("body");
    }
    client.send(&request)
}

/// A raw `http::Request` for [`Emulator::handle`], with `key` (if any).
pub fn http_request(
    method: &str,
    uri: &str,
    key: Option<&ManagementKey>,
    body: &[u8],
) -> http::Request<Vec<u8>> {
    let mut builder = http::Request::builder().method(method).uri(uri);
    if let Some(key) = key {
        builder = builder.header("authorization", format!("Bearer {}", key.expose_secret()));
    }
    builder.body(body.to_vec()).expect("request")
}

/// The JSON body of a response.
pub fn json(response: &http::Response<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(response.body()).expect("JSON body")
}

/// A `create-variable` / `edit-variable` body; `description: None` leaves the
/// key out (which the API refuses), `Some(Value::Null)` sends `null`.
pub fn variable(
    name: &str,
    description: Option<serde_json::Value>,
    value: &str,
    strategy: &str,
) -> serde_json::Value {
    let mut body = serde_json::json!({"name": name, "value": value, "strategy": strategy});
    if let Some(description) = description {
        body["description"] = description;
    }
    body
}

/// A plain-HTTP client for the served emulator: every status is an answer,
/// and no call takes more than 30 s.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// `GET get-applications` on `server` with its admin key: the status and
/// body of an ordinary API answer, or `None` when the server did not answer.
pub fn get_applications(server: &blazeauth_emulator::Server) -> Option<(u16, String)> {
    let mut answer = http_agent()
        .get(format!(
            "{}/api/v1/panel/get-applications",
            server.base_url()
        ))
        .header(
            "authorization",
            format!("Bearer {}", server.admin_key().expose_secret()),
        )
        .call()
        .ok()?;
    let body = answer.body_mut().read_to_string().ok()?;
    Some((answer.status().as_u16(), body))
}
