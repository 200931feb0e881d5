//! Error mapping: every [`ureq::Error`] becomes a [`TransportError`] that says
//! whether the request may have reached the server.
//!
//! Two entry points, one per phase of an exchange:
//!
//! - [`exchange_error`]: the call failed before the response head was complete
//!   (resolving, connecting, the TLS handshake, writing the request, waiting for
//!   the answer). Only failures that certainly happened *before a byte of the
//!   request was written* are "not sent"; everything else "may have been sent".
//! - [`body_error`]: the response head arrived, so the server has processed the
//!   request; any failure reading the body "may have been sent".
//!
//! An I/O error's kind alone never proves that nothing was written:
//! `EHOSTUNREACH` or `ENETDOWN` can hit an established or pooled connection
//! after the request was written. So the agent's connector is wrapped in
//! [`PhaseTagging`], which marks every I/O error raised while opening a
//! connection (TCP connect, a proxy's `CONNECT`, and the TLS handshake, all
//! done before ureq returns the connection and writes the request) with
//! [`WhileConnecting`]; those, whatever their kind (refused, unreachable, reset
//! or closed mid-handshake), are "not sent". A pooled connection is never
//! opened again, so its errors carry no mark and "may have been sent", whatever
//! their kind.
//!
//! The table in the [crate docs](crate#error-mapping) is the contract; the unit
//! tests below check it row by row. ureq's error is always kept as the source,
//! so `error.source_error().downcast_ref::<ureq::Error>()` finds it.

use std::fmt;
use std::io;

use blazeauth_core::{TransportError, TransportErrorKind as Kind};
use ureq::Timeout;
use ureq::unversioned::transport::{ConnectionDetails, Connector};

/// A connector that marks the I/O errors of opening a connection with
/// [`WhileConnecting`], so [`exchange_error`] can tell them from errors on an
/// established connection. Everything else passes through unchanged.
#[derive(Debug)]
pub(crate) struct PhaseTagging<C>(pub(crate) C);

impl<C: Connector<()>> Connector<()> for PhaseTagging<C> {
    /// Every connection is guarded: the key is swapped in on the wire only
    /// (see `wire`).
    type Out = crate::wire::Guarded<C::Out>;

    fn connect(
        &self,
        details: &ConnectionDetails<'_>,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        self.0
            .connect(details, chained)
            .map(|connection| connection.map(crate::wire::Guarded::new))
            .map_err(|error| match error {
                ureq::Error::Io(e) => ureq::Error::Io(while_connecting(e)),
                other => other,
            })
    }
}

/// Wraps `error`, keeping its kind, as raised while opening a connection.
pub(crate) fn while_connecting(error: io::Error) -> io::Error {
    io::Error::new(error.kind(), WhileConnecting(error))
}

/// The mark on an I/O error raised while a new connection was being opened,
/// before any byte of the request was written.
#[derive(Debug)]
pub(crate) struct WhileConnecting(io::Error);

impl fmt::Display for WhileConnecting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "while connecting: {}", self.0)
    }
}

impl std::error::Error for WhileConnecting {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Maps an error of `Agent::run` (before the response head was complete).
pub(crate) fn exchange_error(error: ureq::Error) -> TransportError {
    match classify_exchange(&error) {
        (Sent::No, kind) => TransportError::not_sent(kind, error),
        (Sent::Maybe, kind) => TransportError::maybe_sent(kind, error),
    }
}

/// Maps an error met while reading the response body: the server answered, so
/// the request was certainly received and probably processed.
pub(crate) fn body_error(error: ureq::Error) -> TransportError {
    let kind = match &error {
        ureq::Error::BodyExceedsLimit(_) => Kind::BodyTooLarge,
        ureq::Error::Timeout(_) => Kind::Timeout,
        ureq::Error::Io(e) if is_timeout(e) => Kind::Timeout,
        _ => Kind::Io,
    };
    TransportError::maybe_sent(kind, error)
}

/// Whether a failed exchange could have put request bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// Certainly not: the failure happened before the request was written.
    No,
    /// Possibly.
    Maybe,
}

fn classify_exchange(error: &ureq::Error) -> (Sent, Kind) {
    use ureq::Error as E;
    match error {
        // Name resolution and connection setup: nothing was written.
        E::HostNotFound | E::ConnectionFailed | E::ConnectProxyFailed(_) => {
            (Sent::No, Kind::Connect)
        }
        E::Timeout(Timeout::Resolve | Timeout::Connect) => (Sent::No, Kind::Timeout),
        // Writing the request, waiting for or reading the answer, or a whole-call
        // budget whose phase ureq does not report: the server may have it.
        E::Timeout(_) => (Sent::Maybe, Kind::Timeout),
        E::Io(e) => classify_io(e),
        // The request was refused locally before connecting.
        E::BadUri(_) | E::Http(_) | E::RequireHttpsOnly(_) | E::InvalidProxyUrl => {
            (Sent::No, Kind::Other)
        }
        // TLS setup (part of connecting, before the request is written).
        E::Tls(_) | E::TlsRequired => (Sent::No, Kind::Connect),
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        E::Pem(_) => (Sent::No, Kind::Connect),
        #[cfg(feature = "rustls")]
        E::Rustls(_) => (Sent::No, Kind::Connect),
        #[cfg(feature = "native-tls")]
        E::NativeTls(_) | E::Der(_) => (Sent::No, Kind::Connect),
        // The answer was too big or malformed: the server got the request.
        E::BodyExceedsLimit(_) => (Sent::Maybe, Kind::BodyTooLarge),
        E::Protocol(_) => (Sent::Maybe, Kind::Io),
        // Everything else (LargeResponseHeader, redirect and status errors that
        // the agent's settings rule out, future variants): conservatively maybe.
        _ => (Sent::Maybe, Kind::Other),
    }
}

/// I/O errors: "not sent" only when raised while opening the connection
/// ([`WhileConnecting`]) or when the TLS handshake refused the server (which
/// happens before application data); any other error may come after the
/// request was written (or read by the server from the kernel's buffers),
/// whatever its kind.
fn classify_io(error: &io::Error) -> (Sent, Kind) {
    let connecting = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<WhileConnecting>());
    if let Some(WhileConnecting(inner)) = connecting {
        let kind = if is_timeout(inner) {
            Kind::Timeout
        } else {
            Kind::Connect
        };
        return (Sent::No, kind);
    }
    if is_handshake_certificate_error(error) {
        return (Sent::No, Kind::Connect);
    }
    if is_timeout(error) {
        (Sent::Maybe, Kind::Timeout)
    } else {
        (Sent::Maybe, Kind::Io)
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// rustls reports handshake failures as an `io::Error` wrapping a
/// `rustls::Error`. Only failures that can arise solely while the handshake is
/// under way, before any application data (the request) is written, count as
/// "not sent": the server's certificate refused by our verifier, and the
/// alerts a server sends in answer to the ClientHello. Other rustls errors (a
/// bad record mid-stream, alerts that TLS 1.3 may send after the client's
/// Finished) are left to the generic I/O rule.
#[cfg(feature = "rustls")]
fn is_handshake_certificate_error(error: &io::Error) -> bool {
    use rustls::AlertDescription as Alert;
    let Some(inner) = error.get_ref() else {
        return false;
    };
    matches!(
        inner.downcast_ref::<rustls::Error>(),
        Some(
            rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::UnsupportedNameType
                | rustls::Error::PeerIncompatible(_)
                | rustls::Error::InvalidCertRevocationList(_)
                | rustls::Error::AlertReceived(
                    Alert::HandshakeFailure
                        | Alert::ProtocolVersion
                        | Alert::InsufficientSecurity
                        | Alert::UnrecognisedName
                        | Alert::NoApplicationProtocol
                )
        )
    )
}

#[cfg(not(feature = "rustls"))]
fn is_handshake_certificate_error(_: &io::Error) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use blazeauth_core::Delivery;

    use super::*;

    fn check(error: ureq::Error, delivery: Delivery, kind: Kind) {
        let text = error.to_string();
        let mapped = exchange_error(error);
        assert_eq!(
            (mapped.delivery(), mapped.kind()),
            (delivery, kind),
            "{text}"
        );
        assert!(
            mapped
                .source_error()
                .downcast_ref::<ureq::Error>()
                .is_some(),
            "ureq's error is kept as the source"
        );
    }

    /// The kinds a socket reports when a connection cannot be opened, and
    /// also when an established one breaks.
    const CONNECT_KINDS: [io::ErrorKind; 5] = [
        io::ErrorKind::ConnectionRefused,
        io::ErrorKind::HostUnreachable,
        io::ErrorKind::NetworkUnreachable,
        io::ErrorKind::NetworkDown,
        io::ErrorKind::AddrNotAvailable,
    ];

    #[test]
    fn unreachable_on_an_established_or_pooled_connection_may_have_been_sent() {
        for kind in CONNECT_KINDS {
            check(
                ureq::Error::Io(io::Error::from(kind)),
                Delivery::MaybeSent,
                Kind::Io,
            );
        }
    }

    #[test]
    fn resolve_and_connect_failures_are_not_sent() {
        check(ureq::Error::HostNotFound, Delivery::NotSent, Kind::Connect);
        check(
            ureq::Error::ConnectionFailed,
            Delivery::NotSent,
            Kind::Connect,
        );
        check(
            ureq::Error::ConnectProxyFailed("407".into()),
            Delivery::NotSent,
            Kind::Connect,
        );
        for kind in CONNECT_KINDS {
            check(
                ureq::Error::Io(while_connecting(io::Error::from(kind))),
                Delivery::NotSent,
                Kind::Connect,
            );
        }
        // Whatever the kind, an error raised while connecting was not sent.
        check(
            ureq::Error::Io(while_connecting(io::Error::from(
                io::ErrorKind::ConnectionReset,
            ))),
            Delivery::NotSent,
            Kind::Connect,
        );
        check(
            ureq::Error::Io(while_connecting(io::Error::from(io::ErrorKind::TimedOut))),
            Delivery::NotSent,
            Kind::Timeout,
        );
        check(
            ureq::Error::Tls("bad dns name"),
            Delivery::NotSent,
            Kind::Connect,
        );
        check(ureq::Error::TlsRequired, Delivery::NotSent, Kind::Connect);
    }

    #[test]
    fn resolve_and_connect_timeouts_are_not_sent() {
        for phase in [Timeout::Resolve, Timeout::Connect] {
            check(
                ureq::Error::Timeout(phase),
                Delivery::NotSent,
                Kind::Timeout,
            );
        }
    }

    #[test]
    fn later_timeouts_may_have_been_sent() {
        for phase in [
            Timeout::SendRequest,
            Timeout::SendBody,
            Timeout::RecvResponse,
            Timeout::RecvBody,
            Timeout::Global,
            Timeout::PerCall,
            Timeout::PerRead,
            Timeout::PerWrite,
        ] {
            check(
                ureq::Error::Timeout(phase),
                Delivery::MaybeSent,
                Kind::Timeout,
            );
        }
        check(
            ureq::Error::Io(io::ErrorKind::TimedOut.into()),
            Delivery::MaybeSent,
            Kind::Timeout,
        );
    }

    #[test]
    fn resets_and_early_eof_may_have_been_sent() {
        for kind in [
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::ConnectionAborted,
            io::ErrorKind::BrokenPipe,
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::Other,
        ] {
            check(
                ureq::Error::Io(io::Error::from(kind)),
                Delivery::MaybeSent,
                Kind::Io,
            );
        }
    }

    #[test]
    fn local_refusals_are_not_sent() {
        check(
            ureq::Error::BadUri("x".into()),
            Delivery::NotSent,
            Kind::Other,
        );
        check(
            ureq::Error::RequireHttpsOnly("http://x".into()),
            Delivery::NotSent,
            Kind::Other,
        );
        check(ureq::Error::InvalidProxyUrl, Delivery::NotSent, Kind::Other);
    }

    #[test]
    fn answers_the_sdk_cannot_take_may_have_been_sent() {
        check(
            ureq::Error::BodyExceedsLimit(10),
            Delivery::MaybeSent,
            Kind::BodyTooLarge,
        );
        check(
            ureq::Error::LargeResponseHeader(70_000, 65_536),
            Delivery::MaybeSent,
            Kind::Other,
        );
        check(
            ureq::Error::TooManyRedirects,
            Delivery::MaybeSent,
            Kind::Other,
        );
        check(
            ureq::Error::StatusCode(500),
            Delivery::MaybeSent,
            Kind::Other,
        );
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn certificate_errors_of_the_handshake_are_not_sent() {
        let bad_cert = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        check(
            ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, bad_cert)),
            Delivery::NotSent,
            Kind::Connect,
        );
        let refused_hello = rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion);
        check(
            ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, refused_hello)),
            Delivery::NotSent,
            Kind::Connect,
        );
        let mid_stream = rustls::Error::DecryptError;
        check(
            ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, mid_stream)),
            Delivery::MaybeSent,
            Kind::Io,
        );
    }

    #[test]
    fn body_errors_always_may_have_been_sent() {
        let cases = [
            (ureq::Error::BodyExceedsLimit(5), Kind::BodyTooLarge),
            (ureq::Error::Timeout(Timeout::RecvBody), Kind::Timeout),
            (ureq::Error::Timeout(Timeout::Global), Kind::Timeout),
            (
                ureq::Error::Io(io::ErrorKind::UnexpectedEof.into()),
                Kind::Io,
            ),
            (
                ureq::Error::Io(io::ErrorKind::ConnectionRefused.into()),
                Kind::Io,
            ),
        ];
        for (error, kind) in cases {
            let mapped = body_error(error);
            assert_eq!(mapped.delivery(), Delivery::MaybeSent);
            assert_eq!(mapped.kind(), kind);
        }
    }
}
