//! One call as a state machine: [`Call`] (its docs hold the details).

use std::fmt;
use std::time::Duration;

use crate::config::Config;
use crate::endpoint::{Endpoint, build_request, decode_response_scrubbed};
use crate::error::Error;
use crate::redact::Scrubber;
use crate::retry::{RetryClass, RetryDecision, RetryPolicy};
use crate::transport::{RequestTimeout, TransportError, TransportErrorKind};

/// What the driver of a [`Call`] must do next.
#[derive(Debug)]
#[must_use = "a step must be carried out: send the request, wait, or take the result"]
pub enum Step<O> {
    /// Send this request through the transport, then hand its outcome to
    /// [`Call::record`].
    Send(http::Request<Vec<u8>>),
    /// Wait this long, then [`poll`](Call::poll) again (it will say to send
    /// the request again).
    Wait(Duration),
    /// The call is over, with this result.
    Done(Result<O, Error>),
}

/// One call of an endpoint with its retries, as a sans-IO state machine. See
/// the [module docs](crate::Call) for the driving loop and the guarantees.
///
/// One call with its retries, as a sans-IO state machine: [`Call`].
///
/// A call is: build the request (validation first), send it, decode the
/// answer, and on failure ask the [`RetryPolicy`] whether and when to try
/// again. [`Call`] does all of it except the sending and the waiting, which
/// it hands to its driver as [`Step`]s. It reads no clock, draws no random
/// number and touches no socket: the driver passes in each attempt's outcome
/// and a jitter value, so every run can be replayed exactly.
///
/// The blocking [`Client`](crate::Client) is one driver; any runtime can be
/// another. A driver is a loop:
///
/// ```
/// use blazeauth_core::http::{Request, Response};
/// use blazeauth_core::{api, Call, Config, ManagementKey, RetryPolicy, Step, TransportError};
///
/// # let key = ManagementKey::parse(
/// #     "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
/// # )?;
/// let config = Config::new(key);
/// // Your transport: here, a closure answering like the server.
/// let send = |_request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
///     Ok(Response::new(br#"{"success":true,"message":"ok","data":[]}"#.to_vec()))
/// };
/// let endpoint = api::GetApplications;
/// let mut call = Call::new(&config, &endpoint, RetryPolicy::new());
/// let apps = loop {
///     match call.poll() {
///         Step::Send(request) => call.record(send(request), 0.5 /* a random number in [0, 1] */),
///         Step::Wait(delay) => std::thread::sleep(delay), // or your runtime's timer
///         Step::Done(result) => break result?,
///     }
/// };
/// assert!(apps.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Guarantees
///
/// These are properties of the machine, whatever the driver and the server do
/// (a property test and a fuzz target drive it with arbitrary answers):
///
/// - **A mutation whose outcome is unknown is never sent again.** When
///   [`Error::outcome_unknown`] is true for an attempt's error (a timeout after
///   sending, any answer that is not a readable error envelope, a 5xx), that
///   attempt is the last: the call ends with that error.
/// - **Attempts are bounded** by the policy's
///   [`max_attempts`](RetryPolicy::max_attempts), and **no wait exceeds**
///   [`RetryPolicy::max_delay`].
/// - A request is handed out once per attempt: polling again before the
///   attempt's outcome is [recorded](Call::record) ends the call with
///   [`Error::MaybeSent`] (the request left the machine and nobody said what
///   became of it), never with a second copy of the request.
/// - Polling a finished call returns [`Error::NotSent`] (nothing more is
///   sent); recording an outcome when no request is in flight does nothing.
pub struct Call<'a, E: Endpoint + ?Sized> {
    config: &'a Config,
    endpoint: &'a E,
    policy: RetryPolicy,
    timeout: Option<Duration>,
    attempts: u32,
    rate_limit: Option<Duration>,
    state: State<E::Output>,
}

enum State<O> {
    /// The next poll builds and hands out a request.
    Ready,
    /// A request was handed out; its outcome is not recorded yet.
    InFlight,
    /// The next poll says to wait this long.
    Backoff(Duration),
    /// The next poll hands out this result.
    Done(Result<O, Error>),
    /// The result was handed out.
    Finished,
}

impl<'a, E: Endpoint + ?Sized> Call<'a, E> {
    /// A call of `endpoint` with `config`, retried as `policy` allows
    /// ([`RetryPolicy::never`] for a single attempt).
    pub fn new(config: &'a Config, endpoint: &'a E, policy: RetryPolicy) -> Self {
        Self {
            config,
            endpoint,
            policy,
            timeout: None,
            attempts: 0,
            rate_limit: None,
            state: State::Ready,
        }
    }

    /// Puts a [`RequestTimeout`] of `timeout` in each request's extensions,
    /// for transports that apply a per-request timeout. `None` leaves the
    /// transport's default.
    #[must_use]
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether the endpoint is a read or a mutation.
    pub fn class(&self) -> RetryClass {
        self.endpoint.retry_class()
    }

    /// How many requests the call has handed out so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// When the last recorded answer was a 429 with `Retry-After` of at most
    /// the policy's [`max_retry_after`](RetryPolicy::max_retry_after): how long
    /// the server asked to wait. Drivers that run several calls at once use it
    /// to pause all of them (see [`SharedBackoff`](crate::SharedBackoff)); it
    /// does not change what this call does next.
    ///
    /// A longer `Retry-After` gives `None`: the policy refuses to wait that
    /// long, so the call ends with the 429 at once, and a flow driven by
    /// several workers must end at once too, not pause its other workers for
    /// the limit (one decision for the sequential and the concurrent drivers;
    /// a hostile or broken server cannot stall a flow).
    pub fn rate_limit(&self) -> Option<Duration> {
        self.rate_limit
    }

    /// The next thing to do. See [`Step`].
    pub fn poll(&mut self) -> Step<E::Output> {
        match std::mem::replace(&mut self.state, State::Finished) {
            State::Ready => match build_request(self.config, self.endpoint) {
                Ok(mut request) => {
                    if let Some(timeout) = self.timeout {
                        request.extensions_mut().insert(RequestTimeout(timeout));
                    }
                    self.attempts = self.attempts.saturating_add(1);
                    self.state = State::InFlight;
                    Step::Send(request)
                }
                Err(error) => Step::Done(Err(error)),
            },
            State::Backoff(delay) => {
                self.state = State::Ready;
                Step::Wait(delay)
            }
            State::Done(result) => Step::Done(result),
            State::InFlight => Step::Done(Err(Error::MaybeSent {
                source: TransportError::maybe_sent(
                    TransportErrorKind::Other,
                    "the driver polled again without recording the outcome of the request it was handed",
                ),
                class: self.class(),
            })),
            State::Finished => Step::Done(Err(Error::NotSent(TransportError::not_sent(
                TransportErrorKind::Other,
                "the call is already finished",
            )))),
        }
    }

    /// Records the outcome of the request the last [`Step::Send`] handed out:
    /// the response (any status; the body read to its end) or the transport's
    /// error. `jitter` is a random number in `[0, 1]` for the backoff (see
    /// [`RetryPolicy::decide`]); it is not used when no retry follows.
    ///
    /// The server text kept in an error (message, headers, raw body, parser
    /// detail) has the management key removed and is bounded; see
    /// [crate docs](crate#secrets). Does nothing when no request is in flight.
    pub fn record(
        &mut self,
        outcome: Result<http::Response<Vec<u8>>, TransportError>,
        jitter: f64,
    ) {
        if !matches!(self.state, State::InFlight) {
            return;
        }
        self.rate_limit = outcome.as_ref().ok().and_then(|response| {
            (response.status() == http::StatusCode::TOO_MANY_REQUESTS)
                .then(|| crate::api_error::retry_after(response.headers()))
                .flatten()
                .filter(|wait| *wait <= self.policy.get_max_retry_after())
        });
        let result = match outcome {
            Ok(response) => decode_response_scrubbed(
                self.endpoint,
                response,
                Scrubber::with_key(self.config.key()),
            ),
            Err(error) => Err(Error::from_transport(error, self.class())),
        };
        self.state = match result {
            Ok(output) => State::Done(Ok(output)),
            Err(error) => match self.retry_delay(&error, jitter) {
                Some(delay) => State::Backoff(delay),
                None => State::Done(Err(error)),
            },
        };
    }

    /// The wait before the next attempt, or `None` when `error` ends the call.
    fn retry_delay(&self, error: &Error, jitter: f64) -> Option<Duration> {
        // The invariant first, whatever the policy says: an outcome that may
        // have changed the server's state is never repeated.
        if error.outcome_unknown() {
            return None;
        }
        let outcome = error.attempt_outcome()?;
        match self
            .policy
            .decide(self.class(), self.attempts, &outcome, jitter)
        {
            RetryDecision::Stop => None,
            RetryDecision::RetryAfter(delay) => Some(delay),
        }
    }
}

impl<E: Endpoint + ?Sized> fmt::Debug for Call<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Ready => "ready",
            State::InFlight => "in flight",
            State::Backoff(_) => "backing off",
            State::Done(_) => "done",
            State::Finished => "finished",
        };
        f.debug_struct("Call")
            .field("method", &self.endpoint.method())
            .field("path", &self.endpoint.path())
            .field("class", &self.class())
            .field("attempts", &self.attempts)
            .field("policy", &self.policy)
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
