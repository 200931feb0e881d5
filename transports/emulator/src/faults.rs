//! Fault injection for transport tests: [`Fault`], [`FaultRule`], the
//! emulator's ordered rule list, and the answers faults give.
//!
//! Rules are checked in the order they were injected; the first one that
//! matches the request (path, method, remaining count, and its probability
//! drawn from the emulator's seeded fault RNG) applies, and only that one.
//! A rule with [`times(n)`](FaultRule::times) applies to the next `n`
//! matching requests and is then dropped; without it, forever.
//! [`after(n)`](FaultRule::after) first lets `n` matching requests through.
//!
//! Whether the request is processed depends on the fault:
//!
//! | fault | processed? | what the client sees |
//! |---|---|---|
//! | [`Delay`](Fault::Delay) | yes, at once | the real answer, after the delay (in-process: a timeout error if the request's timeout is shorter) |
//! | [`CloseConnection`](Fault::CloseConnection) | yes | no answer: the socket is closed (in-process: `TransportError::maybe_sent`) |
//! | [`TruncateBody`](Fault::TruncateBody) | yes | the real status and headers, the first half of the body, `Content-Length` of that half |
//! | [`Status`](Fault::Status) | no | that status with an `injected_fault` JSON error envelope |
//! | [`RateLimited`](Fault::RateLimited) | no | 429, `Retry-After` in whole seconds (rounded up), a `rate_limited` envelope |
//! | [`Html`](Fault::Html) | no | that status with an HTML page, as a proxy would send |
//! | [`OversizedBody`](Fault::OversizedBody) | no | 200 with a valid success envelope of exactly the given size |
//!
//! "Processed" means the handler ran and its changes stand: a timed-out or
//! cut-off `create-licenses` really created its batch, once.

use std::time::Duration;

use http::{Method, StatusCode, header};

use crate::codes;
use crate::reply::{Failure, json_response};

/// A fault to inject (see the [module docs](self) for what each does).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Process the request, then wait this long before answering.
    Delay(Duration),
    /// Process the request, then close the connection without answering.
    CloseConnection,
    /// Answer this status (500, 502, 503, ...) without processing.
    Status(StatusCode),
    /// Answer 429 with `Retry-After` without processing.
    RateLimited {
        /// The wait announced in `Retry-After` (whole seconds, rounded up).
        retry_after: Duration,
    },
    /// Process the request, then send only the first half of its body.
    TruncateBody,
    /// Answer this status with an HTML page (a proxy's error page) without processing.
    Html(StatusCode),
    /// Answer a valid success envelope of this many bytes (at least the
    /// envelope's own 70 bytes, at most
    /// [`MAX_OVERSIZED_BYTES`](crate::control::MAX_OVERSIZED_BYTES): 64 MiB)
    /// without processing, to test body-size limits.
    OversizedBody(usize),
}

/// When and how often a [`Fault`] applies.
///
/// ```
/// use std::time::Duration;
/// use blazeauth_emulator::{Emulator, Fault, FaultRule};
///
/// let emulator = Emulator::new();
/// // The next two create-licenses requests time out (they are still processed).
/// emulator.inject(
///     FaultRule::new(Fault::Delay(Duration::from_secs(2)))
///         .on_path("/api/v1/panel/create-licenses")
///         .times(2),
/// );
/// // Every request: a 503 one time in ten, drawn from the seeded RNG.
/// emulator.inject(
///     FaultRule::new(Fault::Status(http::StatusCode::SERVICE_UNAVAILABLE)).with_probability(0.1),
/// );
/// emulator.clear_faults();
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    fault: Fault,
    path: Option<String>,
    method: Option<Method>,
    remaining: Option<u64>,
    skip: u64,
    probability: Option<f64>,
}

impl FaultRule {
    /// `fault` for every request, forever.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            path: None,
            method: None,
            remaining: None,
            skip: 0,
            probability: None,
        }
    }

    /// Only for requests to exactly this path (e.g. `/api/v1/panel/create-licenses`).
    pub fn on_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Only for requests with this method.
    pub fn on_method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Only for the next `n` matching requests (by default: forever).
    pub fn times(mut self, n: u64) -> Self {
        self.remaining = Some(n);
        self
    }

    /// Lets the first `n` matching requests through untouched before the rule
    /// starts to apply (e.g. `.after(1).times(1)`: only the second request).
    pub fn after(mut self, n: u64) -> Self {
        self.skip = n;
        self
    }

    /// Only for a matching request with probability `p` (clamped to `[0, 1]`),
    /// drawn from the emulator's seeded fault RNG: the same seed and requests
    /// give the same faults. A request the draw spares counts against no
    /// [`times`](Self::times) and goes on to the next rules.
    pub fn with_probability(mut self, p: f64) -> Self {
        self.probability = Some(if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) });
        self
    }

    /// The fault.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }
}

/// The injected rules, in order, and the RNG their probabilities draw from.
#[derive(Debug)]
pub(crate) struct Faults {
    rules: Vec<FaultRule>,
    rng: fastrand::Rng,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rules: Vec::new(),
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    pub(crate) fn push(&mut self, rule: FaultRule) {
        if rule.remaining != Some(0) {
            self.rules.push(rule);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.rules.len()
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// The fault for a request, if a rule applies; counts it against the rule.
    pub(crate) fn take(&mut self, method: &Method, path: &str) -> Option<Fault> {
        let rng = &mut self.rng;
        let index = self.rules.iter_mut().position(|rule| {
            let matches = rule.path.as_deref().is_none_or(|p| p == path)
                && rule.method.as_ref().is_none_or(|m| m == method);
            if matches && rule.skip > 0 {
                rule.skip -= 1;
                return false;
            }
            matches && rule.probability.is_none_or(|p| rng.f64() < p)
        })?;
        let rule = self.rules.get_mut(index)?;
        let fault = rule.fault.clone();
        if let Some(remaining) = &mut rule.remaining {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                self.rules.remove(index);
            }
        }
        Some(fault)
    }
}

/// [`Fault::Status`]'s answer.
pub(crate) fn status_answer(status: StatusCode) -> http::Response<Vec<u8>> {
    Failure::new(
        status,
        codes::INJECTED_FAULT,
        format!("Injected fault: HTTP {status}."),
    )
    .into_response()
}

/// [`Fault::RateLimited`]'s answer.
pub(crate) fn rate_limited_answer(retry_after: Duration) -> http::Response<Vec<u8>> {
    let secs = retry_after
        .as_secs()
        .saturating_add(u64::from(retry_after.subsec_nanos() > 0));
    Failure::rate_limited(
        format!("Too many requests (injected fault); try again in {secs} seconds."),
        secs,
    )
    .into_response()
}

/// [`Fault::Html`]'s answer.
pub(crate) fn html_answer(status: StatusCode) -> http::Response<Vec<u8>> {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n<body><center><h1>{title}</h1></center><hr><center>blazeauth-emulator (injected fault)</center></body></html>\n"
    );
    let mut response = json_response(status, body.into_bytes());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// [`Fault::OversizedBody`]'s answer: exactly `size` bytes when `size` is at
/// least the padding-free envelope.
pub(crate) fn oversized_answer(size: usize) -> http::Response<Vec<u8>> {
    const HEAD: &str = r#"{"success":true,"message":"Oversized body (injected fault)","data":""#;
    const TAIL: &str = r#""}"#;
    // Built in memory: capped, so no rule can make the process allocate
    // without bound (a terabyte aborts it).
    let cap = usize::try_from(crate::control::MAX_OVERSIZED_BYTES).unwrap_or(usize::MAX);
    let padding = size.min(cap).saturating_sub(HEAD.len() + TAIL.len());
    let mut body = Vec::with_capacity(HEAD.len() + padding + TAIL.len());
    body.extend_from_slice(HEAD.as_bytes());
    body.resize(HEAD.len() + padding, b'x');
    body.extend_from_slice(TAIL.as_bytes());
    json_response(StatusCode::OK, body)
}

/// [`Fault::TruncateBody`]: the first half of `response`'s body, with its length.
pub(crate) fn truncate(response: http::Response<Vec<u8>>) -> http::Response<Vec<u8>> {
    let (mut parts, mut body) = response.into_parts();
    body.truncate(body.len() / 2);
    if let Ok(length) = header::HeaderValue::from_str(&body.len().to_string()) {
        parts.headers.insert(header::CONTENT_LENGTH, length);
    }
    http::Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_in_order_and_count_down() {
        let mut faults = Faults::new(0);
        faults.push(
            FaultRule::new(Fault::CloseConnection)
                .on_path("/a")
                .times(2),
        );
        faults.push(FaultRule::new(Fault::TruncateBody).on_method(Method::POST));
        faults.push(FaultRule::new(Fault::Status(StatusCode::BAD_GATEWAY)).times(0));
        faults.push(
            FaultRule::new(Fault::Html(StatusCode::BAD_GATEWAY))
                .on_path("/c")
                .after(2)
                .times(1),
        );
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(faults.take(&get, "/a"), Some(Fault::CloseConnection));
        assert_eq!(faults.take(&get, "/b"), None);
        assert_eq!(faults.take(&post, "/a"), Some(Fault::CloseConnection));
        assert_eq!(
            faults.take(&post, "/a"),
            Some(Fault::TruncateBody),
            "first rule used up"
        );
        assert_eq!(faults.take(&get, "/a"), None);
        assert_eq!(faults.take(&get, "/c"), None, "first let through");
        assert_eq!(faults.take(&get, "/c"), None, "second let through");
        assert_eq!(
            faults.take(&get, "/c"),
            Some(Fault::Html(StatusCode::BAD_GATEWAY))
        );
        assert_eq!(faults.take(&get, "/c"), None, "used up");
        faults.clear();
        assert_eq!(faults.take(&post, "/a"), None);
    }

    #[test]
    fn probabilities_follow_the_seed() {
        let draw = |seed| {
            let mut faults = Faults::new(seed);
            faults.push(FaultRule::new(Fault::CloseConnection).with_probability(0.5));
            (0..64)
                .map(|_| faults.take(&Method::GET, "/").is_some())
                .collect::<Vec<_>>()
        };
        let hits = draw(9).iter().filter(|&&hit| hit).count();
        assert!((16..=48).contains(&hits), "{hits}");
        assert_eq!(draw(9), draw(9));
        assert_ne!(draw(9), draw(10));
    }

    #[test]
    fn answers_have_their_shape() {
        let big = oversized_answer(10_000);
        assert_eq!(big.body().len(), 10_000);
        assert!(serde_json::from_slice::<serde_json::Value>(big.body()).is_ok());
        assert_eq!(big.headers()[header::CONTENT_LENGTH], "10000");
        let small = oversized_answer(0);
        assert!(serde_json::from_slice::<serde_json::Value>(small.body()).is_ok());
        let limited = rate_limited_answer(Duration::from_millis(1500));
        assert_eq!(limited.headers()[header::RETRY_AFTER], "2");
        let html = html_answer(StatusCode::BAD_GATEWAY);
        assert!(html.body().starts_with(b"<!DOCTYPE html>"));
        assert_eq!(
            html.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let cut = truncate(json_response(
            StatusCode::OK,
            b"{\"success\":true}".to_vec(),
        ));
        assert_eq!(cut.body(), b"{\"succes");
        assert_eq!(cut.headers()[header::CONTENT_LENGTH], "8");
    }
}
