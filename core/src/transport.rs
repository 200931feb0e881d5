//! The one seam between the protocol core and the outside world.
//!
//! A [`Transport`] takes an [`http::Request<Vec<u8>>`] and returns an
//! [`http::Response<Vec<u8>>`], or a [`TransportError`] saying whether the request
//! could have reached the server. Everything that executes requests plugs in
//! here: the ureq transport, the emulator, a closure in a test, a custom runtime.
//!
//! Any `Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, E>` is a transport when
//! `E` converts into a [`TransportError`], so a test can assert on the outgoing
//! request without a mock server:
//!
//! ```
//! use blazeauth_core::http::{Request, Response};
//! use blazeauth_core::{Client, Config, ManagementKey, TransportError};
//!
//! let key = ManagementKey::parse(
//!     "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
//! )?;
//! let transport = |request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
//!     assert_eq!(request.uri().path(), "/api/v1/panel/get-applications");
//!     Ok(Response::new(br#"{"success":true,"message":"ok","data":[]}"#.to_vec()))
//! };
//! let client = Client::new(Config::new(key), transport);
//! let apps = client.send(&blazeauth_core::api::GetApplications)?;
//! assert!(apps.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::Duration;

/// A boxed error that can cross threads, used as the source of transport errors.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Executes one HTTP exchange. Implemented for closures.
///
/// A transport must not follow redirects, must not retry on its own (the
/// [`Call`](crate::Call) decides retries from the endpoint's class), and
/// must report failures with [`TransportError::not_sent`] only when it is
/// certain that no byte of the request reached the server.
pub trait Transport {
    /// The transport's failure; classified through [`TransportError`].
    type Error: Into<TransportError>;

    /// Sends `request` and returns the whole response, body read to its end.
    fn send(&self, request: http::Request<Vec<u8>>)
    -> Result<http::Response<Vec<u8>>, Self::Error>;

    /// How many requests this transport keeps connections for at once, when
    /// it has such a limit (a connection pool's size per host). Concurrent
    /// flows refuse to run more workers than this: the extra ones would open
    /// and close a connection for every request. `None` (the default): no
    /// limit known.
    fn max_parallel_requests(&self) -> Option<usize> {
        None
    }
}

impl<F, E> Transport for F
where
    F: Fn(http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, E>,
    E: Into<TransportError>,
{
    type Error = E;

    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Self::Error> {
        self(request)
    }
}

/// Whether a failed request may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Certainly not sent (DNS, connection refused, TLS handshake): safe to retry anything.
    NotSent,
    /// May have been sent (timeout or connection lost after writing): a
    /// mutation's outcome is unknown and must be reconciled, never resent blindly.
    MaybeSent,
}

/// What went wrong on the wire, as far as the transport can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The host name did not resolve or the connection could not be opened.
    Connect,
    /// A timeout ran out.
    Timeout,
    /// The connection broke or the response could not be read.
    Io,
    /// The response body exceeded the transport's size limit.
    BodyTooLarge,
    /// The transport (or the code driving it on that thread) panicked while
    /// the request was in flight: it may have been sent. Only the flows that
    /// contain panics report it ([`Client::send_catching_panics`](crate::Client::send_catching_panics)).
    Panicked,
    /// Anything else the transport reports.
    Other,
}

/// A failure to complete the HTTP exchange, with whether the request may have been sent.
pub struct TransportError {
    delivery: Delivery,
    kind: TransportErrorKind,
    source: BoxError,
}

impl TransportError {
    /// The request certainly did not reach the server.
    pub fn not_sent(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            delivery: Delivery::NotSent,
            kind,
            source: source.into(),
        }
    }

    /// The request may have reached the server; its outcome is unknown.
    pub fn maybe_sent(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            delivery: Delivery::MaybeSent,
            kind,
            source: source.into(),
        }
    }

    /// A transport that panicked while the request was in flight: "may have
    /// been sent", kind [`TransportErrorKind::Panicked`]. The panic's message
    /// is not kept (it went to the panic hook, and could quote the request).
    pub fn panicked() -> Self {
        Self::maybe_sent(
            TransportErrorKind::Panicked,
            "while this request was in flight (its message went to the panic hook)",
        )
    }

    /// Whether the request may have reached the server.
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }

    /// What went wrong.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The transport's own error.
    pub fn source_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.source
    }

    /// Takes the transport's own error.
    pub fn into_source(self) -> BoxError {
        self.source
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("delivery", &self.delivery)
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Io => "connection failed",
            TransportErrorKind::BodyTooLarge => "response body over the size limit",
            TransportErrorKind::Panicked => "transport panicked",
            TransportErrorKind::Other => "transport failed",
        };
        write!(f, "{what}: {}", self.source)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// An I/O error from a transport that does not say in which phase it failed:
/// "may have been sent", whatever its kind. A refused or unreachable error can
/// also arrive on an established or pooled connection after the request was
/// written, so the kind alone never proves that nothing was sent. A transport
/// that knows the failure happened before a byte of the request was written
/// (while connecting) says so with [`TransportError::not_sent`].
///
/// The kind is still kept: `Timeout` for timeouts, `Connect` for refused and
/// unreachable, `Io` for the rest.
impl From<std::io::Error> for TransportError {
    fn from(error: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        let kind = match error.kind() {
            K::ConnectionRefused
            | K::NotFound
            | K::AddrNotAvailable
            | K::HostUnreachable
            | K::NetworkUnreachable
            | K::NetworkDown => TransportErrorKind::Connect,
            K::TimedOut | K::WouldBlock => TransportErrorKind::Timeout,
            _ => TransportErrorKind::Io,
        };
        Self::maybe_sent(kind, error)
    }
}

impl From<std::convert::Infallible> for TransportError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// A per-request timeout, placed in the request's extensions by
/// [`Call::timeout`](crate::Call::timeout) (and so by
/// [`Client::send_with`](crate::Client::send_with)); transports that support
/// timeouts apply it to the whole exchange in place of their default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTimeout(pub Duration);

/// What a transport must keep out of everything it logs, placed in a
/// request's extensions by the core (as [`RequestTimeout`] is), so that no
/// transport has to work out what is secret in a request:
///
/// - on every API request ([`build_request`](crate::build_request)), the
///   management key's secret part (the whole key when it has another shape);
///   the key itself travels in `Authorization`;
/// - on a storage upload ([`UploadUrl::put_request`](crate::api::UploadUrl::put_request)),
///   the presigned URL's signed query, and each of its values of 16
///   characters or more, as sent and percent-decoded (a storage host may echo
///   a signature or credential in its error body); the query itself is
///   secret ([`query_is_secret`](Self::query_is_secret)).
///
/// A transport whose HTTP stack logs what it writes or reads (at a trace
/// level, say) keeps these out of its log: `blazeauth-ureq` hands its stack
/// placeholders and masks the texts in what the server sends. Cloning is
/// cheap (shared); `Debug` shows only how many texts it holds.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    texts: std::sync::Arc<[Box<str>]>,
    query: bool,
}

impl Secrets {
    /// The texts to keep out of logs and mask in answers (none empty).
    pub(crate) fn new(texts: impl IntoIterator<Item = String>, query: bool) -> Self {
        let texts: Vec<Box<str>> = texts
            .into_iter()
            .filter(|t| !t.is_empty())
            .map(String::into_boxed_str)
            .collect();
        Self {
            texts: texts.into(),
            query,
        }
    }

    /// The texts: to keep out of logs, and to mask where the server echoes them.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.texts.iter().map(|t| &**t)
    }

    /// Whether the request's query string is itself secret (a presigned URL's signature).
    pub fn query_is_secret(&self) -> bool {
        self.query
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Secrets([{} redacted], query_is_secret: {})",
            self.texts.len(),
            self.query
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let secrets = Secrets::new(["S3cretS3cretS3cret".to_owned(), String::new()], true);
        assert_eq!(secrets.texts().count(), 1);
        let shown = format!("{secrets:?}");
        assert!(!shown.contains("S3cret"), "{shown}");
        assert!(shown.contains("1 redacted"), "{shown}");
    }

    #[test]
    fn io_errors_without_a_phase_may_have_been_sent_whatever_their_kind() {
        use std::io::ErrorKind as K;
        for (io_kind, kind) in [
            (K::ConnectionRefused, TransportErrorKind::Connect),
            (K::HostUnreachable, TransportErrorKind::Connect),
            (K::NetworkDown, TransportErrorKind::Connect),
            (K::NetworkUnreachable, TransportErrorKind::Connect),
            (K::TimedOut, TransportErrorKind::Timeout),
            (K::ConnectionReset, TransportErrorKind::Io),
            (K::BrokenPipe, TransportErrorKind::Io),
        ] {
            let error = TransportError::from(std::io::Error::from(io_kind));
            assert_eq!(error.delivery(), Delivery::MaybeSent, "{io_kind:?}");
            assert_eq!(error.kind(), kind, "{io_kind:?}");
        }
    }
}
