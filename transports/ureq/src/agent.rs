//! [`UreqTransport`]: the core's [`Transport`] on one shared [`ureq::Agent`],
//! and [`UreqTransportBuilder`] for its settings.
//!
//! One exchange is: take the per-request timeout out of the request's
//! extensions ([`RequestTimeout`]), run the request on the agent, then read the
//! body to its end under the size limit, so the connection goes back to the
//! pool. Errors of the first step go through
//! [`classify::exchange_error`](crate::classify), errors of the second through
//! `classify::body_error` (the server answered: "may have been sent").

use std::fmt;
use std::io::Read;
use std::time::Duration;

use blazeauth_core::http;
use blazeauth_core::{RequestTimeout, Secrets, Transport, TransportError};
use ureq::{AsSendBody, Body};

use crate::classify;
use crate::settings::{Proxy, RootCertificates};

/// The default whole-call timeout: connecting, sending, waiting and reading the body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default timeout for resolving the host name, and again for opening the
/// connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default response body limit: 8 MiB. The largest documented response (a
/// page of the licenses table) is a few tens of KiB.
pub const DEFAULT_BODY_LIMIT: u64 = 8 * 1024 * 1024;

/// The default number of idle connections kept per host: 8, so that a
/// concurrent flow ([`Parallel`](crate::Parallel)) of up to 8 workers reuses
/// its connections. Sequential calls use one; idle connections close after 15 s.
pub const DEFAULT_MAX_IDLE_CONNECTIONS_PER_HOST: usize = 8;

/// The shortest timeout the transport applies; shorter ones (zero) are raised to it.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// The production transport: blocking HTTP/1.1 on a shared, kept-alive
/// [`ureq::Agent`]. Cloning is cheap and the clones share the agent and its
/// connection pool. See the [crate docs](crate) for every setting and why.
#[derive(Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    settings: Settings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Settings {
    timeout: Duration,
    connect_timeout: Duration,
    body_limit: u64,
}

impl UreqTransport {
    /// A transport with the default settings (see [`UreqTransportBuilder`]).
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Starts a transport with custom settings.
    pub fn builder() -> UreqTransportBuilder {
        UreqTransportBuilder::new()
    }

    /// The whole-call timeout applied when the request carries no [`RequestTimeout`].
    pub fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    /// The connect timeout (applied to resolving, then to connecting).
    pub fn connect_timeout(&self) -> Duration {
        self.settings.connect_timeout
    }

    /// The response body limit in bytes.
    pub fn body_limit(&self) -> u64 {
        self.settings.body_limit
    }

    fn run<B: AsSendBody>(
        &self,
        request: http::Request<B>,
        timeout: Option<Duration>,
    ) -> Result<http::Response<Body>, ureq::Error> {
        match timeout {
            None => self.agent.run(request),
            Some(timeout) => {
                let timeout = timeout.max(MIN_TIMEOUT);
                let request = self
                    .agent
                    .configure_request(request)
                    .timeout_global(Some(timeout))
                    .timeout_resolve(Some(self.settings.connect_timeout.min(timeout)))
                    .timeout_connect(Some(self.settings.connect_timeout.min(timeout)))
                    .build();
                self.agent.run(request)
            }
        }
    }

    /// Reads the whole body under the limit. Reading to the end hands the
    /// connection back to the agent's pool; an error drops the connection.
    fn read_body(
        &self,
        response: http::Response<Body>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let limit = self.settings.body_limit;
        let (parts, mut body) = response.into_parts();
        let declared = body.content_length();
        if declared.is_some_and(|length| length > limit) {
            // Refuse before reading a byte: the connection is closed, not drained.
            return Err(classify::body_error(ureq::Error::BodyExceedsLimit(limit)));
        }
        let capacity = declared.map_or(0, |length| usize::try_from(length).unwrap_or(0));
        let mut bytes = Vec::with_capacity(capacity);
        body.with_config()
            .limit(limit)
            .reader()
            .read_to_end(&mut bytes)
            .map_err(|e| classify::body_error(ureq::Error::from(e)))?;
        Ok(http::Response::from_parts(parts, bytes))
    }
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqTransport")
            .field("timeout", &self.settings.timeout)
            .field("connect_timeout", &self.settings.connect_timeout)
            .field("body_limit", &self.settings.body_limit)
            .field("proxy", &self.agent.config().proxy().is_some())
            .finish_non_exhaustive()
    }
}

impl Transport for UreqTransport {
    type Error = TransportError;

    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let timeout = request.extensions().get::<RequestTimeout>().map(|t| t.0);
        let (mut parts, body) = request.into_parts();
        // ureq never sees the key nor a signed upload query: see `wire`.
        let _swaps = hide_secrets(&mut parts);
        // A GET (or DELETE, ...) without a body goes out without `Content-Length: 0`;
        // POST, PUT and PATCH always state their length, even when it is zero.
        let result = if body.is_empty() && !method_states_length(&parts.method) {
            self.run(http::Request::from_parts(parts, ()), timeout)
        } else {
            self.run(http::Request::from_parts(parts, body), timeout)
        };
        let response = result.map_err(classify::exchange_error)?;
        self.read_body(response)
    }

    /// The pool's idle connections per host
    /// ([`UreqTransportBuilder::max_idle_connections_per_host`]): more
    /// workers than this would each open and close a connection per request.
    fn max_parallel_requests(&self) -> Option<usize> {
        Some(self.agent.config().max_idle_connections_per_host())
    }
}

/// Hands the HTTP stack placeholders for the `Authorization` value and, when
/// the request's [`Secrets`] say so (a storage upload), its signed query: only
/// the connection swaps the real bytes back, on the wire. The texts the
/// [`Secrets`] name (the key's secret part; the signed query and its values)
/// are masked in what the server sends. The swaps last as long as the
/// returned value. See `wire`.
fn hide_secrets(parts: &mut http::request::Parts) -> crate::wire::Swaps {
    let swaps = crate::wire::Swaps::new();
    let secrets = parts.extensions.get::<Secrets>();
    for text in secrets.into_iter().flat_map(Secrets::texts) {
        swaps.mask(text.as_bytes());
    }
    if let Some(value) = parts.headers.get(http::header::AUTHORIZATION) {
        if secrets.is_none() {
            // A request the core did not build: mask the credential whole.
            swaps.mask(
                value
                    .as_bytes()
                    .strip_prefix(b"Bearer ")
                    .unwrap_or(value.as_bytes()),
            );
        }
        let placeholder = swaps.swap(value.as_bytes());
        if let Ok(mut value) = http::HeaderValue::from_bytes(&placeholder) {
            value.set_sensitive(true);
            parts.headers.insert(http::header::AUTHORIZATION, value);
        }
    }
    let query = parts.uri.query().filter(|q| !q.is_empty());
    if let (Some(query), true) = (query, secrets.is_some_and(Secrets::query_is_secret)) {
        let placeholder = swaps.swap(query.as_bytes());
        let replaced = std::str::from_utf8(&placeholder).ok().and_then(|p| {
            http::uri::PathAndQuery::try_from(format!("{}?{p}", parts.uri.path())).ok()
        });
        let mut uri = parts.uri.clone().into_parts();
        uri.path_and_query = replaced;
        if let Ok(uri) = http::Uri::from_parts(uri) {
            parts.uri = uri;
        }
    }
    swaps
}

fn method_states_length(method: &http::Method) -> bool {
    matches!(
        *method,
        http::Method::POST | http::Method::PUT | http::Method::PATCH
    )
}

/// Settings of a [`UreqTransport`].
///
/// | setting | default |
/// |---|---|
/// | [`timeout`](Self::timeout) (whole call) | [`DEFAULT_TIMEOUT`] (30 s) |
/// | [`connect_timeout`](Self::connect_timeout) | [`DEFAULT_CONNECT_TIMEOUT`] (10 s) |
/// | [`body_limit`](Self::body_limit) | [`DEFAULT_BODY_LIMIT`] (8 MiB) |
/// | [`proxy`](Self::proxy) | none (environment variables are ignored) |
/// | [`max_idle_connections_per_host`](Self::max_idle_connections_per_host) | [`DEFAULT_MAX_IDLE_CONNECTIONS_PER_HOST`] (8) |
/// | [`root_certificates`](Self::root_certificates) | [`RootCertificates::WebPki`] (rustls, or native-tls with that feature) |
///
/// ```
/// use std::time::Duration;
/// use blazeauth_ureq::UreqTransport;
///
/// let transport = UreqTransport::builder()
///     .timeout(Duration::from_secs(10))
///     .connect_timeout(Duration::from_secs(3))
///     .body_limit(2 * 1024 * 1024)
///     .build();
/// assert_eq!(transport.timeout(), Duration::from_secs(10));
/// ```
#[derive(Clone)]
pub struct UreqTransportBuilder {
    settings: Settings,
    proxy: Option<Proxy>,
    max_idle_connections_per_host: usize,
    root_certificates: RootCertificates,
}

impl UreqTransportBuilder {
    fn new() -> Self {
        Self {
            settings: Settings {
                timeout: DEFAULT_TIMEOUT,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                body_limit: DEFAULT_BODY_LIMIT,
            },
            proxy: None,
            max_idle_connections_per_host: DEFAULT_MAX_IDLE_CONNECTIONS_PER_HOST,
            root_certificates: RootCertificates::WebPki,
        }
    }

    /// The whole-call timeout: from the start of the call to the last byte of
    /// the body. A request carrying a [`RequestTimeout`] (set by
    /// [`Client::send_with`](crate::Client::send_with)) uses that one
    /// instead. Timeouts cannot be turned off (a call must end); zero is raised
    /// to 1 ms.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout.max(MIN_TIMEOUT);
        self
    }

    /// The timeout for resolving the host name, and the same again for opening
    /// the connection (TCP and TLS handshake). A timeout here is reported as
    /// "not sent". Zero is raised to 1 ms.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout.max(MIN_TIMEOUT);
        self
    }

    /// The largest response body accepted, in bytes (after decompression with
    /// the `gzip` feature). A larger body fails with
    /// [`TransportErrorKind::BodyTooLarge`](crate::TransportErrorKind::BodyTooLarge) ("may have been sent": the server
    /// processed the request); with a `Content-Length` above the limit, before a
    /// byte of the body is read.
    pub fn body_limit(mut self, bytes: u64) -> Self {
        self.settings.body_limit = bytes;
        self
    }

    /// Sends requests through a proxy, e.g. [`Proxy::from_env()`] to honour
    /// `HTTPS_PROXY`/`ALL_PROXY`/`NO_PROXY`. Off by default: a proxy picked up
    /// silently from the environment could see the key of an `http://` request.
    pub fn proxy(mut self, proxy: Option<Proxy>) -> Self {
        self.proxy = proxy;
        self
    }

    /// How many idle connections per host the pool keeps (default
    /// [`DEFAULT_MAX_IDLE_CONNECTIONS_PER_HOST`], 8; at least 1 is needed for
    /// keep-alive). It is also the most workers a concurrent flow
    /// ([`Parallel`](crate::Parallel)) may run on this transport.
    pub fn max_idle_connections_per_host(mut self, n: usize) -> Self {
        self.max_idle_connections_per_host = n;
        self
    }

    /// The certificates servers are verified against (default
    /// [`RootCertificates::WebPki`]); e.g. a private CA with
    /// [`RootCertificates::from_pem`]. Verification itself cannot be turned off.
    pub fn root_certificates(mut self, roots: RootCertificates) -> Self {
        self.root_certificates = roots;
        self
    }

    /// The transport, with a new agent.
    pub fn build(self) -> UreqTransport {
        let Settings {
            timeout,
            connect_timeout,
            ..
        } = self.settings;
        let builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .https_only(false)
            .proxy(self.proxy.map(|p| p.0))
            .timeout_global(Some(timeout))
            .timeout_resolve(Some(connect_timeout.min(timeout)))
            .timeout_connect(Some(connect_timeout.min(timeout)))
            .max_idle_connections(self.max_idle_connections_per_host.max(10))
            .max_idle_connections_per_host(self.max_idle_connections_per_host);
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let builder = builder.tls_config(tls_config(&self.root_certificates));
        let config = builder.build();
        UreqTransport {
            // The default connector, with its connect-phase I/O errors marked
            // so that only they count as "not sent" (see `classify`).
            agent: ureq::Agent::with_parts(
                config,
                classify::PhaseTagging(ureq::unversioned::transport::DefaultConnector::new()),
                ureq::unversioned::resolver::DefaultResolver::default(),
            ),
            settings: self.settings,
        }
    }
}

impl Default for UreqTransportBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for UreqTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqTransportBuilder")
            .field("timeout", &self.settings.timeout)
            .field("connect_timeout", &self.settings.connect_timeout)
            .field("body_limit", &self.settings.body_limit)
            .field("proxy", &self.proxy.is_some())
            .field(
                "max_idle_connections_per_host",
                &self.max_idle_connections_per_host,
            )
            .field("root_certificates", &self.root_certificates)
            .finish_non_exhaustive()
    }
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn tls_config(roots: &RootCertificates) -> ureq::tls::TlsConfig {
    let provider = if cfg!(feature = "native-tls") {
        ureq::tls::TlsProvider::NativeTls
    } else {
        ureq::tls::TlsProvider::Rustls
    };
    ureq::tls::TlsConfig::builder()
        .provider(provider)
        .root_certs(roots.to_ureq())
        .build()
}
