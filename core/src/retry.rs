//! Retry decisions: [`RetryPolicy`] (its docs hold the rules).

use std::time::Duration;

/// Whether a route may be repeated safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryClass {
    /// A `GET` with no side effects: repeating it is always safe.
    Read,
    /// Everything else. A mutation is never resent when its outcome is
    /// unknown (it may already have been applied).
    Mutation,
}

/// What happened on one attempt, as the retry policy needs to see it.
///
/// [`Error::attempt_outcome`](crate::Error::attempt_outcome) maps an error to
/// it; [`Call`](crate::Call) does that for every attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome<'a> {
    /// The request certainly did not reach the server (DNS, connect refused,
    /// TLS handshake failed).
    NotSent,
    /// The request may have reached the server (timeout or connection lost
    /// after sending).
    MaybeSent,
    /// The server answered with a well-formed error envelope
    /// (`"success": false`): HTTP status, the envelope's error code if any, and
    /// Retry-After if given. The server refused the request, so a mutation's
    /// outcome is known (except behind a 5xx, which a gateway may have produced
    /// after the API processed the request).
    Answered {
        /// The HTTP status of the answer.
        status: http::StatusCode,
        /// The error code from the response envelope, if there was one.
        code: Option<&'a str>,
        /// The `Retry-After` the server sent, if any, already converted to a
        /// duration by the caller.
        retry_after: Option<Duration>,
    },
    /// The server (or something in front of it) answered, but not with an
    /// error envelope the SDK could read: an HTML page, an empty or cut-off
    /// body, JSON of another shape, or a success envelope with an error status.
    /// Nothing in it says a mutation was refused, so a mutation's outcome is
    /// unknown and it is never retried; a read is retried by its status as if
    /// it had been [`Answered`](Self::Answered).
    Undecodable {
        /// The HTTP status of the answer.
        status: http::StatusCode,
        /// The `Retry-After` the server sent, if any.
        retry_after: Option<Duration>,
    },
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Do not try again: return the error to the caller.
    Stop,
    /// Wait this long, then send the request again.
    RetryAfter(Duration),
}

/// When and how often to repeat a failed request.
///
/// See the [module documentation](crate::RetryPolicy) for the rules. Built with `const`
/// builder methods:
///
/// ```
/// use std::time::Duration;
/// use blazeauth_core::RetryPolicy;
///
/// const POLICY: RetryPolicy = RetryPolicy::new()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(100))
///     .max_backoff(Duration::from_secs(2))
///     .max_retry_after(Duration::from_secs(30));
///
/// assert_eq!(POLICY.get_max_attempts(), 5);
/// assert_eq!(RetryPolicy::never().get_max_attempts(), 1);
/// assert_eq!(RetryPolicy::default(), RetryPolicy::new());
/// ```
///
/// The retry decision as a pure function.
///
/// [`RetryPolicy::decide`] looks at one failed attempt and answers whether to
/// try again and after how long. It never reads the clock and never draws a
/// random number: the caller passes the attempt number and a `jitter` value in
/// `[0, 1]` that it drew itself, so every decision can be reproduced in a test.
///
/// # Rules
///
/// A route is either a [`RetryClass::Read`] (a `GET`, no side effects) or a
/// [`RetryClass::Mutation`] (everything else). A mutation is never resent when
/// its outcome is unknown.
///
/// The rules are checked top to bottom; the first that matches decides.
///
/// | # | when | [`Read`](RetryClass::Read) | [`Mutation`](RetryClass::Mutation) |
/// |---|------|------|----------|
/// | 1 | `attempt >= max_attempts` | stop | stop |
/// | 2 | [`Answered`](AttemptOutcome::Answered) with a permanent error `code` (see below), any status | stop | stop |
/// | 3 | [`NotSent`](AttemptOutcome::NotSent) (DNS, connection refused, TLS handshake failed) | retry | retry |
/// | 4 | [`MaybeSent`](AttemptOutcome::MaybeSent) (timeout, connection lost after sending) | retry | stop: the request may have been processed |
/// | 5 | [`Undecodable`](AttemptOutcome::Undecodable) (an HTML page, a cut-off or empty body, a success envelope with an error status) | as rules 6–8 by status | stop: the answer does not say the change was refused, so it may have been applied |
/// | 6 | `Answered` with status 429 | retry | retry only if `retry_after` is given (a well-formed error envelope refused the request and said when to come back); stop otherwise |
/// | 7 | `Answered` with status 502, 503 or 504 | retry | stop: a gateway error may hide a processed request |
/// | 8 | any other `Answered` (400, 401, 403, 404, 409, 500, 2xx, ...) | stop | stop |
///
/// The permanent error codes of rule 2 are `api_key_invalid`,
/// `api_key_expired`, `api_key_revoked`, `insufficient_scope`,
/// `application_forbidden` and `session_required`
/// ([`RetryPolicy::PERMANENT_ERROR_CODES`]): repeating the request cannot
/// change their answer.
///
/// # Delay
///
/// When a retry is allowed, the delay is:
///
/// | case | delay |
/// |------|-------|
/// | the server sent `Retry-After` and it is at most `max_retry_after` | exactly `retry_after` |
/// | the server sent `Retry-After` and it is above `max_retry_after` | no retry: [`RetryDecision::Stop`], the caller gets the error with its `Retry-After` |
/// | no `Retry-After` | `base / 2 + base / 2 × jitter`, where `base = min(initial_backoff × 2^(attempt − 1), max_backoff)` ("equal jitter") |
///
/// `jitter` is clamped to `[0, 1]`; NaN counts as `0.5`. All arithmetic
/// saturates, so any `attempt` (even `u32::MAX`) and any durations are safe.
/// A retry delay never exceeds `max(max_backoff, max_retry_after)`.
///
/// # Defaults
///
/// | setting | default |
/// |---------|---------|
/// | `max_attempts` (including the first attempt) | 3 |
/// | `initial_backoff` | 250 ms |
/// | `max_backoff` | 8 s |
/// | `max_retry_after` | 60 s |
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use blazeauth_core::{AttemptOutcome, RetryClass, RetryDecision, RetryPolicy};
///
/// let policy = RetryPolicy::new();
///
/// // A read whose connection could not be opened: back off and retry.
/// let d = policy.decide(RetryClass::Read, 1, &AttemptOutcome::NotSent, 0.0);
/// assert_eq!(d, RetryDecision::RetryAfter(Duration::from_millis(125)));
///
/// // A mutation that timed out may have been applied: never resend it.
/// let d = policy.decide(RetryClass::Mutation, 1, &AttemptOutcome::MaybeSent, 0.0);
/// assert_eq!(d, RetryDecision::Stop);
///
/// // A rate-limited mutation with Retry-After: wait exactly as told.
/// let outcome = AttemptOutcome::Answered {
///     status: http::StatusCode::TOO_MANY_REQUESTS,
///     code: Some("rate_limited"),
///     retry_after: Some(Duration::from_secs(2)),
/// };
/// let d = policy.decide(RetryClass::Mutation, 1, &outcome, 0.7);
/// assert_eq!(d, RetryDecision::RetryAfter(Duration::from_secs(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

const NANOS_PER_SEC: u128 = 1_000_000_000;

impl RetryPolicy {
    /// Error codes that no retry can change: an [`AttemptOutcome::Answered`]
    /// carrying one of them always stops, whatever its status.
    pub const PERMANENT_ERROR_CODES: [&'static str; 6] = [
        "api_key_invalid",
        "api_key_expired",
        "api_key_revoked",
        "insufficient_scope",
        "application_forbidden",
        "session_required",
    ];

    /// The default policy: 3 attempts, backoff from 250 ms up to 8 s, and
    /// `Retry-After` honoured up to 60 s. Same as [`Default::default`].
    #[must_use]
    pub const fn new() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }

    /// A policy that never retries (`max_attempts` 1).
    #[must_use]
    pub const fn never() -> Self {
        Self::new().max_attempts(1)
    }

    /// Sets the total number of attempts, the first one included.
    /// `0` is treated as `1` (no retry).
    #[must_use]
    pub const fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = if n == 0 { 1 } else { n };
        self
    }

    /// Sets the backoff before the first retry (before jitter); it doubles
    /// with each further attempt.
    #[must_use]
    pub const fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Sets the cap on the exponential backoff (before jitter).
    #[must_use]
    pub const fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Sets the longest `Retry-After` the policy will wait for. A longer one
    /// stops the retries, so the caller sees the error and its `Retry-After`.
    #[must_use]
    pub const fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The total number of attempts, the first one included (at least 1).
    #[must_use]
    pub const fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff before the first retry, before jitter.
    #[must_use]
    pub const fn get_initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The cap on the exponential backoff, before jitter.
    #[must_use]
    pub const fn get_max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` the policy will wait for.
    #[must_use]
    pub const fn get_max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The longest delay [`decide`](Self::decide) can return:
    /// `max(max_backoff, max_retry_after)`.
    #[must_use]
    pub fn max_delay(&self) -> Duration {
        self.max_backoff.max(self.max_retry_after)
    }

    /// Decides whether to retry after a failed attempt, and after how long.
    ///
    /// `attempt` is the 1-based number of the attempt that just failed (`0`
    /// is treated as `1`); `jitter` is a caller-supplied random number in
    /// `[0, 1]` (clamped; NaN counts as `0.5`). The rules are in the
    /// [module documentation](crate::RetryPolicy). Never panics.
    ///
    /// ```
    /// use std::time::Duration;
    /// use blazeauth_core::{AttemptOutcome, RetryClass, RetryDecision, RetryPolicy};
    ///
    /// let policy = RetryPolicy::new();
    /// let unavailable = AttemptOutcome::Answered {
    ///     status: http::StatusCode::SERVICE_UNAVAILABLE,
    ///     code: None,
    ///     retry_after: None,
    /// };
    /// // Second attempt failed: base = 250 ms × 2 = 500 ms, jitter 1 → 500 ms.
    /// assert_eq!(
    ///     policy.decide(RetryClass::Read, 2, &unavailable, 1.0),
    ///     RetryDecision::RetryAfter(Duration::from_millis(500)),
    /// );
    /// // Third attempt failed: that was the last one allowed.
    /// assert_eq!(policy.decide(RetryClass::Read, 3, &unavailable, 1.0), RetryDecision::Stop);
    /// // A gateway error on a mutation may hide a processed request.
    /// assert_eq!(policy.decide(RetryClass::Mutation, 1, &unavailable, 1.0), RetryDecision::Stop);
    /// ```
    #[must_use]
    pub fn decide(
        &self,
        class: RetryClass,
        attempt: u32,
        outcome: &AttemptOutcome<'_>,
        jitter: f64,
    ) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::Stop;
        }
        let retry_after = match (class, outcome) {
            (_, AttemptOutcome::NotSent) => None,
            (RetryClass::Read, AttemptOutcome::MaybeSent) => None,
            (RetryClass::Mutation, AttemptOutcome::MaybeSent) => return RetryDecision::Stop,
            (RetryClass::Mutation, AttemptOutcome::Undecodable { .. }) => {
                return RetryDecision::Stop;
            }
            (
                RetryClass::Read,
                AttemptOutcome::Undecodable {
                    status,
                    retry_after,
                },
            ) => {
                if !is_retryable_read_status(*status) {
                    return RetryDecision::Stop;
                }
                *retry_after
            }
            (
                class,
                AttemptOutcome::Answered {
                    status,
                    code,
                    retry_after,
                },
            ) => {
                if code.is_some_and(is_permanent_code) {
                    return RetryDecision::Stop;
                }
                let retryable = match class {
                    RetryClass::Read => is_retryable_read_status(*status),
                    RetryClass::Mutation => {
                        *status == http::StatusCode::TOO_MANY_REQUESTS && retry_after.is_some()
                    }
                };
                if !retryable {
                    return RetryDecision::Stop;
                }
                *retry_after
            }
        };
        match retry_after {
            Some(wait) if wait <= self.max_retry_after => RetryDecision::RetryAfter(wait),
            Some(_) => RetryDecision::Stop,
            None => RetryDecision::RetryAfter(self.backoff(attempt, jitter)),
        }
    }

    /// `base / 2 + base / 2 × jitter` with
    /// `base = min(initial_backoff × 2^(attempt − 1), max_backoff)`.
    fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let jitter = if jitter.is_nan() {
            0.5
        } else {
            jitter.clamp(0.0, 1.0)
        };
        let exponent = attempt.saturating_sub(1);
        let doubled = match 1u32.checked_shl(exponent) {
            Some(factor) => self.initial_backoff.saturating_mul(factor),
            None if self.initial_backoff.is_zero() => Duration::ZERO,
            None => Duration::MAX,
        };
        let base = doubled.min(self.max_backoff).as_nanos();
        let half = base / 2;
        // `as` from f64 to u128 saturates (and maps NaN to 0), so this cannot
        // overflow; the `min` guards against rounding above `half`.
        let extra = ((half as f64 * jitter) as u128).min(half);
        // `base - half` is the upper half, so jitter 1 gives exactly `base`.
        duration_from_nanos(base - half + extra)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

/// 429 and the gateway errors: the statuses after which a read is repeated.
fn is_retryable_read_status(status: http::StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

fn is_permanent_code(code: &str) -> bool {
    RetryPolicy::PERMANENT_ERROR_CODES.contains(&code)
}

fn duration_from_nanos(nanos: u128) -> Duration {
    let secs = u64::try_from(nanos / NANOS_PER_SEC).unwrap_or(u64::MAX);
    let subsec = u32::try_from(nanos % NANOS_PER_SEC).unwrap_or(0);
    // `subsec` is below one second, so `Duration::new` cannot overflow.
    Duration::new(secs, subsec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;
    use proptest::prelude::*;

    const fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn answered(
        status: u16,
        code: Option<&str>,
        retry_after: Option<Duration>,
    ) -> AttemptOutcome<'_> {
        AttemptOutcome::Answered {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            code,
            retry_after,
        }
    }

    fn undecodable(status: u16, retry_after: Option<Duration>) -> AttemptOutcome<'static> {
        AttemptOutcome::Undecodable {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            retry_after,
        }
    }

    #[test]
    fn decision_table() {
        use RetryClass::{Mutation, Read};
        let p = RetryPolicy::new();
        // With jitter 0 and attempt 1 the backoff is initial_backoff / 2.
        let backoff = RetryDecision::RetryAfter(ms(125));
        let stop = RetryDecision::Stop;
        let wait = RetryDecision::RetryAfter;
        let secs = Duration::from_secs;

        #[rustfmt::skip]
        let rows: Vec<(&str, RetryClass, AttemptOutcome<'_>, RetryDecision)> = vec![
            // NotSent: both classes retry.
            ("read not sent", Read, AttemptOutcome::NotSent, backoff),
            ("mutation not sent", Mutation, AttemptOutcome::NotSent, backoff),
            // MaybeSent: reads retry, mutations never.
            ("read maybe sent", Read, AttemptOutcome::MaybeSent, backoff),
            ("mutation maybe sent", Mutation, AttemptOutcome::MaybeSent, stop),
            // Reads: 429 and 502/503/504 retry.
            ("read 429", Read, answered(429, None, None), backoff),
            ("read 429 retry-after", Read, answered(429, None, Some(secs(3))), wait(secs(3))),
            ("read 502", Read, answered(502, None, None), backoff),
            ("read 503", Read, answered(503, None, None), backoff),
            ("read 503 retry-after", Read, answered(503, None, Some(secs(5))), wait(secs(5))),
            ("read 504", Read, answered(504, None, None), backoff),
            // Reads: everything else stops.
            ("read 200", Read, answered(200, None, None), stop),
            ("read 204", Read, answered(204, None, None), stop),
            ("read 400", Read, answered(400, Some("validation_failed"), None), stop),
            ("read 401", Read, answered(401, None, None), stop),
            ("read 403", Read, answered(403, None, None), stop),
            ("read 404", Read, answered(404, Some("not_found"), None), stop),
            ("read 409", Read, answered(409, None, None), stop),
            ("read 500", Read, answered(500, None, None), stop),
            ("read 500 retry-after", Read, answered(500, None, Some(secs(1))), stop),
            ("read 501", Read, answered(501, None, None), stop),
            // Mutations: 429 only with Retry-After.
            ("mutation 429 retry-after", Mutation, answered(429, None, Some(secs(2))), wait(secs(2))),
            ("mutation 429 retry-after zero", Mutation, answered(429, None, Some(Duration::ZERO)), wait(Duration::ZERO)),
            ("mutation 429 no retry-after", Mutation, answered(429, None, None), stop),
            // Mutations: gateway errors may hide a processed request.
            ("mutation 502", Mutation, answered(502, None, None), stop),
            ("mutation 503", Mutation, answered(503, None, None), stop),
            ("mutation 503 retry-after", Mutation, answered(503, None, Some(secs(1))), stop),
            ("mutation 504", Mutation, answered(504, None, None), stop),
            ("mutation 200", Mutation, answered(200, None, None), stop),
            ("mutation 400", Mutation, answered(400, None, None), stop),
            ("mutation 401", Mutation, answered(401, None, None), stop),
            ("mutation 403", Mutation, answered(403, None, None), stop),
            ("mutation 404", Mutation, answered(404, None, None), stop),
            ("mutation 409", Mutation, answered(409, None, None), stop),
            ("mutation 500", Mutation, answered(500, None, None), stop),
            // Permanent codes stop whatever the status and class.
            ("read 429 api_key_invalid", Read, answered(429, Some("api_key_invalid"), Some(secs(1))), stop),
            ("read 503 api_key_expired", Read, answered(503, Some("api_key_expired"), None), stop),
            ("read 502 api_key_revoked", Read, answered(502, Some("api_key_revoked"), None), stop),
            ("read 504 insufficient_scope", Read, answered(504, Some("insufficient_scope"), None), stop),
            ("read 429 application_forbidden", Read, answered(429, Some("application_forbidden"), None), stop),
            ("read 503 session_required", Read, answered(503, Some("session_required"), None), stop),
            ("mutation 429 session_required", Mutation, answered(429, Some("session_required"), Some(secs(1))), stop),
            ("mutation 429 insufficient_scope", Mutation, answered(429, Some("insufficient_scope"), Some(secs(1))), stop),
            // Other codes do not stop a retryable answer.
            ("read 503 other code", Read, answered(503, Some("maintenance"), None), backoff),
            ("mutation 429 other code", Mutation, answered(429, Some("rate_limited"), Some(secs(1))), wait(secs(1))),
            // Retry-After at and above the cap.
            ("read 429 retry-after at cap", Read, answered(429, None, Some(secs(60))), wait(secs(60))),
            ("read 429 retry-after above cap", Read, answered(429, None, Some(secs(60) + Duration::from_nanos(1))), stop),
            ("mutation 429 retry-after at cap", Mutation, answered(429, None, Some(secs(60))), wait(secs(60))),
            ("mutation 429 retry-after above cap", Mutation, answered(429, None, Some(secs(61))), stop),
            // Undecodable answers: reads by status, mutations never.
            ("read html 502", Read, undecodable(502, None), backoff),
            ("read truncated 429 retry-after", Read, undecodable(429, Some(secs(2))), wait(secs(2))),
            ("read html 500", Read, undecodable(500, None), stop),
            ("read garbage 200", Read, undecodable(200, None), stop),
            ("mutation html 429 retry-after", Mutation, undecodable(429, Some(secs(2))), stop),
            ("mutation success body 429 retry-after", Mutation, undecodable(429, Some(secs(1))), stop),
            ("mutation html 503", Mutation, undecodable(503, None), stop),
            ("mutation truncated 200", Mutation, undecodable(200, None), stop),
        ];

        for (name, class, outcome, expected) in rows {
            assert_eq!(p.decide(class, 1, &outcome, 0.0), expected, "{name}");
            // On the last allowed attempt, every row stops.
            assert_eq!(
                p.decide(class, 3, &outcome, 0.0),
                RetryDecision::Stop,
                "{name} at the attempt limit"
            );
        }
    }

    #[test]
    fn backoff_sequence() {
        let p = RetryPolicy::new().max_attempts(100);
        let delays = |jitter: f64| -> Vec<RetryDecision> {
            (1..=6)
                .map(|a| p.decide(RetryClass::Read, a, &AttemptOutcome::NotSent, jitter))
                .collect()
        };
        let expect = |micros: [u64; 6]| -> Vec<RetryDecision> {
            micros
                .iter()
                .map(|&m| RetryDecision::RetryAfter(Duration::from_micros(m)))
                .collect()
        };
        // Bases: 250, 500, 1000, 2000, 4000, 8000 ms (250 × 32 = 8000 = the cap).
        assert_eq!(
            delays(0.0),
            expect([125_000, 250_000, 500_000, 1_000_000, 2_000_000, 4_000_000])
        );
        assert_eq!(
            delays(0.5),
            expect([187_500, 375_000, 750_000, 1_500_000, 3_000_000, 6_000_000])
        );
        assert_eq!(
            delays(1.0),
            expect([250_000, 500_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000])
        );

        // A lower cap bites from attempt 6 on: 250 × 32 = 8000 > 5000.
        let low = RetryPolicy::new()
            .max_attempts(100)
            .max_backoff(Duration::from_secs(5));
        let capped: Vec<RetryDecision> = (1..=6)
            .map(|a| low.decide(RetryClass::Read, a, &AttemptOutcome::NotSent, 1.0))
            .collect();
        assert_eq!(
            capped,
            expect([250_000, 500_000, 1_000_000, 2_000_000, 4_000_000, 5_000_000])
        );

        // The cap holds beyond attempt 6.
        for attempt in [7, 10, 32, 33, 64, 99] {
            assert_eq!(
                p.decide(RetryClass::Read, attempt, &AttemptOutcome::NotSent, 1.0),
                RetryDecision::RetryAfter(Duration::from_secs(8)),
                "attempt {attempt}"
            );
            assert_eq!(
                p.decide(RetryClass::Read, attempt, &AttemptOutcome::NotSent, 0.0),
                RetryDecision::RetryAfter(Duration::from_secs(4)),
                "attempt {attempt}"
            );
        }
    }

    #[test]
    fn backoff_cap_below_initial() {
        let p = RetryPolicy::new()
            .initial_backoff(Duration::from_secs(10))
            .max_backoff(Duration::from_secs(1));
        assert_eq!(
            p.decide(RetryClass::Read, 1, &AttemptOutcome::NotSent, 1.0),
            RetryDecision::RetryAfter(Duration::from_secs(1))
        );
    }

    #[test]
    fn retry_after_cap() {
        let p = RetryPolicy::new().max_retry_after(Duration::from_secs(5));
        let at = answered(429, None, Some(Duration::from_secs(5)));
        let above = answered(429, None, Some(Duration::from_millis(5001)));
        for class in [RetryClass::Read, RetryClass::Mutation] {
            assert_eq!(
                p.decide(class, 1, &at, 0.3),
                RetryDecision::RetryAfter(Duration::from_secs(5))
            );
            assert_eq!(p.decide(class, 1, &above, 0.3), RetryDecision::Stop);
        }
        // Retry-After is used as given even when it exceeds max_backoff.
        let p = RetryPolicy::new().max_backoff(Duration::from_secs(1));
        assert_eq!(
            p.decide(
                RetryClass::Read,
                1,
                &answered(503, None, Some(Duration::from_secs(30))),
                0.0
            ),
            RetryDecision::RetryAfter(Duration::from_secs(30))
        );
    }

    #[test]
    fn attempt_limit() {
        let p = RetryPolicy::new().max_attempts(4);
        let o = AttemptOutcome::NotSent;
        for attempt in 0..4 {
            assert!(matches!(
                p.decide(RetryClass::Read, attempt, &o, 0.0),
                RetryDecision::RetryAfter(_)
            ));
        }
        for attempt in [4, 5, 100, u32::MAX] {
            assert_eq!(
                p.decide(RetryClass::Read, attempt, &o, 0.0),
                RetryDecision::Stop
            );
        }
        // Attempt 0 is treated as attempt 1.
        assert_eq!(
            p.decide(RetryClass::Read, 0, &o, 0.0),
            p.decide(RetryClass::Read, 1, &o, 0.0)
        );

        assert_eq!(RetryPolicy::never().get_max_attempts(), 1);
        assert_eq!(
            RetryPolicy::never().decide(RetryClass::Read, 1, &o, 0.0),
            RetryDecision::Stop
        );
        assert_eq!(RetryPolicy::new().max_attempts(0).get_max_attempts(), 1);
        assert_eq!(
            RetryPolicy::new()
                .max_attempts(0)
                .decide(RetryClass::Read, 0, &o, 0.0),
            RetryDecision::RetryAfter(ms(125))
        );
    }

    #[test]
    fn defaults_and_getters() {
        let p = RetryPolicy::default();
        assert_eq!(p, RetryPolicy::new());
        assert_eq!(p.get_max_attempts(), 3);
        assert_eq!(p.get_initial_backoff(), ms(250));
        assert_eq!(p.get_max_backoff(), Duration::from_secs(8));
        assert_eq!(p.get_max_retry_after(), Duration::from_secs(60));
        let p = p
            .max_attempts(7)
            .initial_backoff(ms(1))
            .max_backoff(ms(2))
            .max_retry_after(ms(3));
        assert_eq!(p.get_max_attempts(), 7);
        assert_eq!(p.get_initial_backoff(), ms(1));
        assert_eq!(p.get_max_backoff(), ms(2));
        assert_eq!(p.get_max_retry_after(), ms(3));
    }

    #[test]
    fn jitter_clamping_and_nan() {
        let p = RetryPolicy::new();
        let d = |j: f64| p.decide(RetryClass::Read, 1, &AttemptOutcome::NotSent, j);
        assert_eq!(d(-1.0), d(0.0));
        assert_eq!(d(f64::NEG_INFINITY), d(0.0));
        assert_eq!(d(2.0), d(1.0));
        assert_eq!(d(f64::INFINITY), d(1.0));
        assert_eq!(d(f64::NAN), d(0.5));
        assert_eq!(
            d(f64::NAN),
            RetryDecision::RetryAfter(Duration::from_micros(187_500))
        );
    }

    #[test]
    fn extreme_values_do_not_panic() {
        let p = RetryPolicy::new()
            .max_attempts(u32::MAX)
            .initial_backoff(Duration::MAX)
            .max_backoff(Duration::MAX)
            .max_retry_after(Duration::MAX);
        for attempt in [0, 1, 2, 31, 32, 33, u32::MAX - 1] {
            for jitter in [0.0, 0.5, 1.0, f64::NAN] {
                let d = p.decide(RetryClass::Read, attempt, &AttemptOutcome::NotSent, jitter);
                assert!(matches!(d, RetryDecision::RetryAfter(_)));
            }
        }
        assert_eq!(
            p.decide(RetryClass::Read, 40, &AttemptOutcome::NotSent, 1.0),
            RetryDecision::RetryAfter(Duration::MAX)
        );
        let zero = RetryPolicy::new()
            .max_attempts(u32::MAX)
            .initial_backoff(Duration::ZERO);
        assert_eq!(
            zero.decide(RetryClass::Read, 100, &AttemptOutcome::NotSent, 1.0),
            RetryDecision::RetryAfter(Duration::ZERO)
        );
    }

    fn duration() -> impl Strategy<Value = Duration> {
        prop_oneof![
            (0u64..100_000).prop_map(Duration::from_millis),
            (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
            Just(Duration::MAX),
            Just(Duration::ZERO),
        ]
    }

    fn outcome() -> impl Strategy<Value = AttemptOutcome<'static>> {
        let code = prop_oneof![
            Just(None),
            Just(Some("api_key_invalid")),
            Just(Some("session_required")),
            Just(Some("rate_limited")),
        ];
        prop_oneof![
            Just(AttemptOutcome::NotSent),
            Just(AttemptOutcome::MaybeSent),
            (100u16..1000, code, proptest::option::of(duration())).prop_map(
                |(status, code, retry_after)| AttemptOutcome::Answered {
                    status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                    code,
                    retry_after,
                }
            ),
            (100u16..1000, proptest::option::of(duration())).prop_map(|(status, retry_after)| {
                AttemptOutcome::Undecodable {
                    status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                    retry_after,
                }
            }),
        ]
    }

    proptest! {
        #[test]
        fn decide_never_panics_and_respects_caps(
            max_attempts in any::<u32>(),
            initial in duration(),
            max_backoff in duration(),
            max_retry_after in duration(),
            read in any::<bool>(),
            attempt in any::<u32>(),
            outcome in outcome(),
            jitter in prop_oneof![any::<f64>(), 0.0f64..=1.0],
        ) {
            let p = RetryPolicy::new()
                .max_attempts(max_attempts)
                .initial_backoff(initial)
                .max_backoff(max_backoff)
                .max_retry_after(max_retry_after);
            let class = if read { RetryClass::Read } else { RetryClass::Mutation };
            if let RetryDecision::RetryAfter(d) = p.decide(class, attempt, &outcome, jitter) {
                prop_assert!(d <= max_backoff.max(max_retry_after));
                prop_assert!(attempt < p.get_max_attempts());
                prop_assert!(d <= p.max_delay());
                if !read {
                    prop_assert!(outcome != AttemptOutcome::MaybeSent);
                    let undecodable = matches!(outcome, AttemptOutcome::Undecodable { .. });
                    prop_assert!(!undecodable);
                }
            }
        }
    }
}
