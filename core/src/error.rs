//! The SDK's error, [`Error`], modelled on what the caller must do next.
//!
//! | variant | sent? | what to do |
//! |---|---|---|
//! | [`Error::InvalidInput`] | no | fix the input |
//! | [`Error::Config`] | no | fix the key or base URL |
//! | [`Error::NotSent`] | no | retry anything |
//! | [`Error::MaybeSent`] | maybe | reads: retry; mutations: reconcile first |
//! | [`Error::Api`] | yes, refused | act on the code and message |
//! | [`Error::Decode`] | yes, answer not understood | inspect status and raw body |
//! | [`Error::Pagination`] | yes | the server's paging is inconsistent |
//! | [`Error::UnexpectedKeyCount`] | yes | a batch created another number of licenses than asked: reconcile |
//! | [`Error::RepeatedKeys`] | yes | a batch returned keys already returned: reconcile |
//! | [`Error::BulkCreate`] | partly | a bulk creation stopped part way: its report says what exists |
//!
//! [`Error::outcome_unknown`] says whether a failed mutation may have taken
//! effect; the retry decision of [`Call`](crate::Call) never resends such a
//! mutation (the two are computed from the same facts, and a property test
//! drives the call machine with arbitrary answers to prove they agree).

use std::time::Duration;

use crate::api_error::{ApiError, ApiErrorCode};
use crate::config::ConfigError;
use crate::decode_error::DecodeError;
use crate::pager::PagerError;
use crate::retry::{AttemptOutcome, RetryClass};
use crate::transport::TransportError;
use crate::validate::InvalidInput;

/// Everything that can go wrong with a call. Its `Display` is one line saying
/// what happened and what to do; it never contains the management key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field breaks a documented constraint; nothing was sent.
    #[error("request not sent: {0}")]
    InvalidInput(#[from] InvalidInput),
    /// The key or base URL is unusable; nothing was sent.
    #[error("request not sent: {0}")]
    Config(#[from] ConfigError),
    /// The request certainly did not reach the server; safe to retry.
    #[error("request not sent ({0}); it is safe to try again")]
    NotSent(#[source] TransportError),
    /// The request may have reached the server and its outcome is unknown.
    #[error("{} ({source}): {}", match class { RetryClass::Read => "request may have been sent", RetryClass::Mutation => "change may or may not have been applied" }, match class { RetryClass::Read => "a read is safe to try again", RetryClass::Mutation => "the outcome is unknown, check the current state before repeating it" })]
    MaybeSent {
        /// What the transport reported.
        #[source]
        source: TransportError,
        /// Whether the request was a read or a mutation.
        class: RetryClass,
    },
    /// The server answered `"success": false`.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The server's answer could not be decoded.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// A table's pages were inconsistent (a page repeated, or too many pages).
    #[error(transparent)]
    Pagination(#[from] PagerError),
    /// A create-licenses batch answered success with another number of keys
    /// than it asked for. The keys it returned exist; when it returned fewer,
    /// the others may or may not exist.
    #[error(
        "the server returned {returned} license keys for a batch of {requested}; {}",
        if *returned < *requested as usize {
            "the missing licenses may or may not exist: check the licenses table before creating more"
        } else {
            "check the licenses table before creating more"
        }
    )]
    UnexpectedKeyCount {
        /// How many licenses the batch asked for.
        requested: u32,
        /// How many keys the server returned.
        returned: usize,
    },
    /// A create-licenses answer repeated keys: within the batch, or keys an
    /// earlier batch of the same bulk creation returned. A repeated key stands
    /// for no new license; the licenses the batch should have created beyond
    /// its distinct new keys may or may not exist.
    #[error(
        "the server returned {returned} license keys for a batch of {requested}, {repeated} of them repeated; the licenses they should stand for may or may not exist: check the licenses table before creating more"
    )]
    RepeatedKeys {
        /// How many licenses the batch asked for.
        requested: u32,
        /// How many keys the server returned.
        returned: usize,
        /// How many of them repeat a key already returned.
        repeated: usize,
    },
    /// A bulk creation stopped part way; the report keeps every created key,
    /// what may or may not exist and what was not created
    /// ([`Client::create_licenses_bulk`](crate::Client::create_licenses_bulk)
    /// returns it as a [`BulkCreateError`](crate::api::BulkCreateError); `?`
    /// turns it into this variant).
    #[error(transparent)]
    BulkCreate(Box<crate::api::BulkCreateError>),
}

impl From<crate::api::BulkCreateError> for Error {
    fn from(error: crate::api::BulkCreateError) -> Self {
        Error::BulkCreate(Box::new(error))
    }
}

impl From<Box<crate::api::BulkCreateError>> for Error {
    fn from(error: Box<crate::api::BulkCreateError>) -> Self {
        Error::BulkCreate(error)
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}

impl From<DecodeError> for Error {
    fn from(error: DecodeError) -> Self {
        Error::Decode(Box::new(error))
    }
}

impl Error {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<http::StatusCode> {
        match self {
            Error::Api(e) => Some(e.status()),
            Error::Decode(e) => Some(e.status()),
            _ => None,
        }
    }

    /// The API error, when the server answered `"success": false`.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(&**e),
            _ => None,
        }
    }

    /// The API error code, when the server sent one.
    pub fn api_code(&self) -> Option<&ApiErrorCode> {
        self.api_error().and_then(ApiError::code)
    }

    /// `Retry-After`, when the server sent one with an error.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after(),
            Error::Decode(e) => crate::api_error::retry_after(e.headers()),
            _ => None,
        }
    }

    /// Whether a mutation may have taken effect on the server although the
    /// call failed, so it must be reconciled, never resent blindly:
    /// - a mutation that may have been sent (timeout, connection lost);
    /// - any answer to a mutation that could not be decoded: a success envelope
    ///   with an error status, a cut-off or unreadable body, or a gateway's HTML
    ///   page, whatever the status;
    /// - an error envelope with a 5xx status (a gateway can answer 502–504, even
    ///   as JSON, after the API processed the request);
    /// - a batch that returned fewer license keys than it asked for, or keys
    ///   it or an earlier batch already returned.
    ///
    /// Any other API error envelope (`"success": false`) is the server saying
    /// the change was refused, so its outcome is known. Reads always answer
    /// `false`. [`Call`](crate::Call) never retries an error for which this is
    /// `true`.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::MaybeSent { class, .. } => *class == RetryClass::Mutation,
            Error::Decode(e) => e.request_class() == RetryClass::Mutation,
            Error::Api(e) => e.outcome_unknown(),
            Error::UnexpectedKeyCount {
                requested,
                returned,
            } => *returned < *requested as usize,
            Error::RepeatedKeys { .. } => true,
            Error::BulkCreate(report) => !report.unknown.is_empty(),
            _ => false,
        }
    }

    /// What the retry policy sees of this error; `None` for errors no retry can help.
    pub fn attempt_outcome(&self) -> Option<AttemptOutcome<'_>> {
        match self {
            Error::NotSent(_) => Some(AttemptOutcome::NotSent),
            Error::MaybeSent { .. } => Some(AttemptOutcome::MaybeSent),
            Error::Api(e) => Some(AttemptOutcome::Answered {
                status: e.status(),
                code: e.code().map(ApiErrorCode::as_str),
                retry_after: e.retry_after(),
            }),
            Error::Decode(e) => Some(AttemptOutcome::Undecodable {
                status: e.status(),
                retry_after: crate::api_error::retry_after(e.headers()),
            }),
            Error::InvalidInput(_)
            | Error::Config(_)
            | Error::Pagination(_)
            | Error::UnexpectedKeyCount { .. }
            | Error::RepeatedKeys { .. }
            | Error::BulkCreate(_) => None,
        }
    }

    /// The error for a failed exchange of a request of `class`: "not sent" or
    /// "may have been sent", as the transport reported. For drivers that run
    /// requests themselves; [`Call::record`](crate::Call::record) uses it.
    pub fn from_transport(error: TransportError, class: RetryClass) -> Self {
        match error.delivery() {
            crate::Delivery::NotSent => Error::NotSent(error),
            crate::Delivery::MaybeSent => Error::MaybeSent {
                source: error,
                class,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_static<T: Send + Sync + 'static>() {}

    #[test]
    fn error_is_send_sync_static() {
        assert_send_sync_static::<Error>();
    }

    #[test]
    fn a_bulk_report_converts_into_error_and_keeps_its_verdict() {
        fn run() -> Result<(), Error> {
            let mut report = crate::api::BulkCreateError::not_started(
                10,
                Error::NotSent(TransportError::not_sent(
                    crate::TransportErrorKind::Connect,
                    "refused",
                )),
            );
            report
                .unknown
                .push(crate::api::UnknownBatch { index: 2, count: 3 });
            Err(Box::new(report))?
        }
        let error = run().unwrap_err();
        assert!(matches!(&error, Error::BulkCreate(r) if r.remaining == 10));
        assert!(error.outcome_unknown());
        assert!(
            error
                .to_string()
                .contains("3 in 1 batch that may or may not exist")
        );
        assert!(error.attempt_outcome().is_none());
    }

    #[test]
    fn maybe_sent_mutation_says_outcome_unknown() {
        let source =
            TransportError::maybe_sent(crate::TransportErrorKind::Timeout, "timed out after 30s");
        let err = Error::from_transport(source, RetryClass::Mutation);
        assert!(err.outcome_unknown());
        let text = err.to_string();
        assert!(text.contains("outcome is unknown"), "{text}");
        assert!(!text.contains('\n'));
        let source = TransportError::not_sent(crate::TransportErrorKind::Connect, "refused");
        let err = Error::from_transport(source, RetryClass::Mutation);
        assert!(!err.outcome_unknown());
        assert!(err.to_string().contains("safe to try again"));
    }
}
