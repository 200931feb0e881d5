//! # blazeauth-ureq
//!
//! The production transport of the Blazeauth Management API SDK: blocking
//! HTTP/1.1 on [ureq 3](ureq) with rustls, plugged into
//! [`blazeauth_core`]'s one seam, [`Transport`], and a
//! ready [`Client`] built on it.
//!
//! ```no_run
//! use blazeauth_core::api;
//!
//! // BLAZEAUTH_MANAGEMENT_API_KEY (required), BLAZEAUTH_BASE_URL (optional).
//! let client = blazeauth_ureq::client_from_env()?;
//! let apps = client.send(&api::GetApplications)?;
//! println!("{} applications", apps.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`UreqTransport`] (built with [`UreqTransportBuilder`]): the transport.
//! - [`client()`], [`client_builder`], [`client_from_env`]: clients with a real
//!   sleeper ([`ThreadSleeper`]) and jitter ([`RandomJitter`]), so the core's
//!   retry policy runs.
//! - [`Parallel`]: whole flows (an export, a bulk creation) with several
//!   requests in flight, opt-in per flow, on `std::thread::scope`.
//!
//! ureq's defaults suit a general HTTP client, not an API SDK, so every setting
//! below is a deliberate choice.
//!
//! ## One shared agent, kept-alive connections
//!
//! A [`UreqTransport`] owns one [`ureq::Agent`]; clones of the transport (and of
//! the client) share it and its connection pool. Sequential calls reuse one
//! kept-alive connection: the agent keeps up to 8 idle connections per host
//! ([`UreqTransportBuilder::max_idle_connections_per_host`]) for 15 s, probing
//! each before reuse. Every response body is read to its end, which is what
//! hands the connection back to the pool; a failed read drops the connection
//! instead.
//!
//! ## Status codes are answers, not errors
//!
//! `http_status_as_error(false)`: a 4xx or 5xx comes back as a response, and the
//! core decodes its Blazeauth envelope into an
//! [`Error::Api`] (code, message, status,
//! `Retry-After`) or, for a body that is not an envelope (an HTML 502 from a
//! proxy), an [`Error::Decode`] that keeps the
//! status, headers and raw body.
//!
//! ## Timeouts
//!
//! On by default and impossible to turn off (a call must end):
//!
//! | timeout | default | covers |
//! |---|---|---|
//! | whole call ([`UreqTransportBuilder::timeout`]) | 30 s ([`DEFAULT_TIMEOUT`]) | from the start of the call to the last byte of the body |
//! | connect ([`UreqTransportBuilder::connect_timeout`]) | 10 s ([`DEFAULT_CONNECT_TIMEOUT`]) | resolving the host name, and again opening the connection (TCP + TLS) |
//!
//! A per-call timeout, [`RequestOptions::timeout`](blazeauth_core::RequestOptions)
//! (carried to the transport as [`RequestTimeout`]
//! in the request's extensions), replaces the whole-call timeout for each
//! attempt of that call; the connect timeout is then capped by it. The timeout
//! applies per attempt: retries start a fresh budget.
//!
//! Note: with a whole-call timeout set, ureq resolves the host name on a helper
//! thread for every request (so that resolution can time out), even when it then
//! reuses a pooled connection.
//!
//! ## Response body limit
//!
//! Bodies are limited to 8 MiB by default ([`DEFAULT_BODY_LIMIT`],
//! [`UreqTransportBuilder::body_limit`]); the largest documented response, a page
//! of the licenses table, is a few tens of KiB. A `Content-Length` above the limit
//! fails before a byte of the body is read; a chunked or close-delimited body
//! fails as soon as it passes the limit. Either way the error is
//! [`TransportErrorKind::BodyTooLarge`],
//! "may have been sent" (the server processed the request), never a hang or an
//! out-of-memory.
//!
//! ## The key and the HTTP stack's own log
//!
//! At `TRACE`, ureq-proto hex-dumps every byte it writes and reads (target
//! `ureq_proto::util`) and ureq logs each request's path and query. ureq is
//! never handed the management key: the `Authorization` value goes to it as a
//! random placeholder of the same length, and the connection swaps the real
//! value in just before the bytes reach the socket (TLS encrypts them there).
//! A presigned upload URL's signed query is swapped the same way. On the way
//! in, a server that echoes the key (or the signed query, or a long value of
//! it) has every occurrence masked with `*` before ureq parses or logs it,
//! also when it is split across reads. So the key is in no log record at any
//! level, whole, split across the dump's lines or hex-encoded (a test captures
//! every record at `TRACE` against hostile servers).
//!
//! What `TRACE` still shows: every response body, which holds license keys,
//! runtime keys, app users' data and the presigned URL in the API's answer.
//! Don't ship the HTTP stack's `TRACE` log anywhere you would not ship those.
//!
//! ## No redirects
//!
//! `max_redirects(0)`: the API never redirects, and following a redirect could
//! carry the key to another host. A 3xx comes back as a response, which the core
//! reports as a decode error with the 3xx status (the `Location` is in its
//! headers); nothing is sent to the redirect target.
//!
//! ## TLS and plain HTTP
//!
//! TLS through rustls (ring) with the webpki root certificates (feature
//! `rustls`, on by default); the `native-tls` feature uses the platform's TLS
//! library instead (it takes precedence when both are on);
//! [`UreqTransportBuilder::root_certificates`] sets other roots (a private CA).
//! Which URLs may use plain `http://` is decided by the core's
//! [`Config`] (loopback hosts, or an explicit
//! `allow_insecure_http`); the transport neither weakens nor second-guesses that
//! check (ureq's `https_only` stays off so `http://127.0.0.1` works for the
//! emulator). Proxies are off unless set with [`UreqTransportBuilder::proxy`]:
//! `HTTP_PROXY` and friends are not read silently.
//!
//! ## Error mapping
//!
//! Every ureq failure becomes a [`TransportError`]
//! saying whether the request may have reached the server; ureq's error is
//! kept as its source, for messages and logs (its type is ureq's, not part of
//! this crate's API: no ureq type appears in a signature here). The core turns "not
//! sent" into [`Error::NotSent`] (safe to retry
//! anything) and "may have been sent" into
//! [`Error::MaybeSent`] (a mutation's outcome is
//! unknown: reconcile, never resend blindly).
//!
//! | ureq error | when | delivery | kind |
//! |---|---|---|---|
//! | `HostNotFound` | DNS found nothing | not sent | `Connect` |
//! | any `Io` raised while opening a new connection (TCP connect, TLS handshake): the connector marks these | opening the connection | not sent | `Connect` (`Timeout` for a timeout) |
//! | `ConnectionFailed`, `ConnectProxyFailed` | opening the connection | not sent | `Connect` |
//! | `Timeout(Resolve)`, `Timeout(Connect)` | resolving, connecting, TLS handshake | not sent | `Timeout` |
//! | `Tls`, `TlsRequired`, `Pem`, `Rustls`, `NativeTls`, `Der`; `Io` wrapping a rustls certificate error or a server's refusal of the ClientHello (`handshake_failure`, `protocol_version`, `insufficient_security`, `unrecognised_name`, `no_application_protocol`) | TLS setup | not sent | `Connect` |
//! | `BadUri`, `Http`, `RequireHttpsOnly`, `InvalidProxyUrl` | refused locally before connecting | not sent | `Other` |
//! | `Timeout(SendRequest \| SendBody \| RecvResponse \| RecvBody)` | writing the request or waiting for the answer | may have been sent | `Timeout` |
//! | `Timeout(Global \| PerCall)` | the whole-call budget ran out; ureq does not say in which phase, so it counts as sent | may have been sent | `Timeout` |
//! | `Io` with `TimedOut`/`WouldBlock` on an open connection | a socket timeout | may have been sent | `Timeout` |
//! | any other `Io` on an open or pooled connection, whatever its kind (reset, broken pipe, early EOF, and also `HostUnreachable`/`NetworkDown`, which can arrive after the request was written) | after connecting | may have been sent | `Io` |
//! | `Protocol` | a malformed answer (or, rarely, a request ureq refused to write) | may have been sent | `Io` |
//! | `BodyExceedsLimit`, or a `Content-Length` above the limit | reading the body | may have been sent | `BodyTooLarge` |
//! | anything while reading the body | the server answered | may have been sent | `Timeout`, `BodyTooLarge` or `Io` |
//! | anything else (`LargeResponseHeader`, future variants) | | may have been sent | `Other` |
//!
//! The phase of an I/O error is known, not guessed from its kind: the agent's
//! connector marks every I/O error raised while a new connection is opened
//! (before anything is written); a pooled connection is never opened again, so
//! an error on it counts as "may have been sent". (This uses ureq's
//! `unversioned` connector API, so the ureq dependency is pinned to 3.5.x.)
//!
//! With the default timeouts (connect 10 s < whole call 30 s) a host that does
//! not answer the connection attempt fails with `Timeout(Connect)`, "not sent".
//! A per-call timeout shorter than the connect timeout can run out while
//! connecting and is then reported conservatively as "may have been sent".
//! A connection closed or reset by the server in the middle of the TLS
//! handshake fails while it is being opened (the handshake completes before
//! ureq returns the connection), so it is "not sent" like a refused connection;
//! a handshake that stalls is a `Timeout(Connect)`, "not sent".
//!
//! The management key travels only in the `Authorization` header, which the
//! core marks sensitive; no error built here contains a header, and ureq's
//! debug logging prints only an allow-list of non-sensitive headers.
//!
//! ## Retries
//!
//! The transport never retries by itself. The clients built by [`client()`],
//! [`client_builder`] and [`client_from_env`] install [`ThreadSleeper`] and
//! [`RandomJitter`], so the core's
//! [`RetryPolicy`] decides: reads are retried after
//! "not sent", "may have been sent", 429 and 502/503/504 (waiting exactly
//! `Retry-After` when given); a mutation is retried only when it certainly was
//! not sent or the server said 429 with `Retry-After`, and is never resent when
//! its outcome is unknown.
//!
//! ## Features
//!
//! | feature | default | |
//! |---|---|---|
//! | `rustls` | yes | TLS through rustls with webpki roots |
//! | `native-tls` | no | TLS through the platform library (with webpki roots) |
//! | `gzip` | no | accept gzip responses; the body limit applies after decompression |

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod agent;
mod classify;
mod clients;
mod parallel;
mod settings;
mod upload;
mod wire;

pub use agent::{
    DEFAULT_BODY_LIMIT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IDLE_CONNECTIONS_PER_HOST,
    DEFAULT_TIMEOUT, UreqTransport, UreqTransportBuilder,
};
pub use clients::{
    RandomJitter, ThreadSleeper, client, client_builder, client_from_env, config_from_env,
};
pub use parallel::{MAX_WORKERS, Parallel, ParallelRows};
pub use upload::{FileUpload, UploadError, upload_file};

pub use settings::{CertificateError, Proxy, ProxyError, RootCertificates};

/// Everything of [`blazeauth_core`] (routes in [`api`], [`Client`],
/// [`Config`], [`Error`], ...), so that this is the one crate an application
/// adds: `blazeauth_ureq::api::GetApplications`, `blazeauth_ureq::Client`.
pub use blazeauth_core::*;
