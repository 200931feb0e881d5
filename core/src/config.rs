//! Client configuration: the base URL, the management key and the headers every
//! request carries.
//!
//! - The base URL defaults to [`DEFAULT_BASE_URL`]. It may carry a path prefix
//!   (`https://proxy.example/blazeauth`), never a query, fragment or user info.
//! - `https://` is required. `http://` is accepted only for a loopback host
//!   (`localhost`, `127.0.0.0/8`, `::1`: the emulator, a local proxy) or after
//!   [`ConfigBuilder::allow_insecure_http`], because the key travels in a header.
//! - Every request carries `Authorization: Bearer <key>` (marked sensitive),
//!   `User-Agent: blazeauth-rs/<version>` and `Accept: application/json`;
//!   `Content-Type: application/json` only when it has a body.

use std::fmt;
use std::net::IpAddr;

use crate::key::{KeyError, ManagementKey};

/// The production API host.
pub const DEFAULT_BASE_URL: &str = "https://api.blazeauth.net";

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("blazeauth-rs/", env!("CARGO_PKG_VERSION"));

/// The environment variable a transport's `from_env` constructor reads for the base URL.
pub const BASE_URL_ENV_VAR: &str = "BLAZEAUTH_BASE_URL";

/// Everything a request needs besides the endpoint. Cheap to clone; its `Debug`
/// shows the key's public id only.
#[derive(Clone)]
pub struct Config {
    base: BaseUrl,
    key: ManagementKey,
    authorization: http::HeaderValue,
    /// What transports keep out of their logs ([`Secrets`](crate::Secrets)), built once.
    secrets: crate::Secrets,
    user_agent: http::HeaderValue,
}

impl Config {
    /// A configuration for production with `key`.
    pub fn new(key: ManagementKey) -> Self {
        Self::with_base(key, BaseUrl::production())
    }

    /// A configuration from the values of `BLAZEAUTH_MANAGEMENT_API_KEY`
    /// (required) and `BLAZEAUTH_BASE_URL` (optional; unset or empty means
    /// production), as read by the caller (`None` when unset). The core reads no
    /// environment itself: the transport crates' `config_from_env` read the two
    /// variables and call this. Errors name the variable at fault.
    pub fn from_env_values(
        key: Option<std::ffi::OsString>,
        base_url: Option<std::ffi::OsString>,
    ) -> Result<Self, ConfigError> {
        let key = ManagementKey::from_env_value(key)?;
        let Some(url) = base_url.filter(|url| !url.is_empty()) else {
            return Ok(Self::new(key));
        };
        let from_env = |reason| ConfigError::BaseUrl {
            origin: BASE_URL_ENV_VAR,
            reason,
        };
        let url = url
            .into_string()
            .map_err(|_| from_env("it is not valid Unicode"))?;
        let base = BaseUrl::parse(&url, false).map_err(|e| match e {
            ConfigError::BaseUrl { reason, .. } => from_env(reason),
            other => other,
        })?;
        Ok(Self::with_base(key, base))
    }

    /// Starts a configuration with a different base URL or user agent.
    pub fn builder(key: ManagementKey) -> ConfigBuilder {
        ConfigBuilder {
            key,
            base_url: None,
            allow_insecure_http: false,
            user_agent_suffix: None,
        }
    }

    fn with_base(key: ManagementKey, base: BaseUrl) -> Self {
        Self {
            base,
            authorization: key.authorization_header(),
            secrets: crate::Secrets::new(
                [key.secret_part().unwrap_or(key.expose_secret()).to_owned()],
                false,
            ),
            key,
            user_agent: http::HeaderValue::from_static(USER_AGENT),
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// The management key.
    pub fn key(&self) -> &ManagementKey {
        &self.key
    }

    /// What a transport keeps out of its logs on this configuration's
    /// requests: the key's secret part.
    pub(crate) fn secrets(&self) -> &crate::Secrets {
        &self.secrets
    }

    pub(crate) fn authorization(&self) -> &http::HeaderValue {
        &self.authorization
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &http::HeaderValue {
        &self.user_agent
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base.as_str())
            .field("key", &self.key)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// Builds a [`Config`].
#[derive(Debug)]
pub struct ConfigBuilder {
    key: ManagementKey,
    base_url: Option<String>,
    allow_insecure_http: bool,
    user_agent_suffix: Option<String>,
}

impl ConfigBuilder {
    /// Sends requests to `url` instead of production (checked in [`build`](Self::build)).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Allows `http://` to a non-loopback host. The key then crosses the network
    /// in clear text: only for a trusted network segment.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Appends `suffix` to the user agent (`blazeauth-rs/0.1.0 my-tool/2.3`).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Checks the settings.
    pub fn build(self) -> Result<Config, ConfigError> {
        let base = match &self.base_url {
            Some(url) => BaseUrl::parse(url, self.allow_insecure_http)?,
            None => BaseUrl::production(),
        };
        let mut config = Config::with_base(self.key, base);
        if let Some(suffix) = self.user_agent_suffix {
            let agent = format!("{USER_AGENT} {suffix}");
            config.user_agent = http::HeaderValue::from_str(&agent)
                .ok()
                .filter(|_| agent.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
                .ok_or(ConfigError::UserAgent)?;
        }
        Ok(config)
    }
}

/// A base URL: scheme, host, port and an optional path prefix without a trailing `/`.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `scheme://authority/prefix`, no trailing slash.
    url: String,
}

impl BaseUrl {
    fn production() -> Self {
        Self {
            url: DEFAULT_BASE_URL.to_owned(),
        }
    }

    /// Parses and checks a base URL; `allow_insecure_http` permits `http://` to a
    /// non-loopback host.
    pub fn parse(url: &str, allow_insecure_http: bool) -> Result<Self, ConfigError> {
        let bad = |reason: &'static str| ConfigError::BaseUrl {
            origin: "the base URL",
            reason,
        };
        let uri: http::Uri = url.parse().map_err(|_| bad("it is not a valid URL"))?;
        let scheme = uri.scheme_str().ok_or(bad(
            "it must start with https:// (or http:// for a loopback host)",
        ))?;
        let authority = uri.authority().ok_or(bad("it has no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("it must not hold user info (user:password@)"));
        }
        check_port(authority.as_str()).map_err(bad)?;
        if uri.query().is_some() || url.contains('#') {
            return Err(bad("it must not hold a query or a fragment"));
        }
        match scheme {
            "https" => {}
            "http" if allow_insecure_http || is_loopback(authority.host()) => {}
            "http" => {
                return Err(bad(
                    "http:// sends the key in clear text: use https://, a loopback host, or allow_insecure_http(true)",
                ));
            }
            _ => return Err(bad("its scheme must be https or http")),
        }
        let prefix = uri.path().trim_end_matches('/');
        Ok(Self {
            url: format!(
                "{scheme}://{}{prefix}",
                authority.as_str().to_ascii_lowercase()
            ),
        })
    }

    /// `scheme://host[:port][/prefix]`, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// Whether requests go over plain `http://`.
    pub fn is_insecure(&self) -> bool {
        self.url.starts_with("http://")
    }

    /// Whether plain `http://` to a non-loopback host was allowed: only a base
    /// URL built with `allow_insecure_http(true)` can be one.
    pub(crate) fn allows_insecure_remote_http(&self) -> bool {
        self.is_insecure()
            && self
                .url
                .parse::<http::Uri>()
                .ok()
                .and_then(|uri| uri.host().map(|host| !is_loopback(host)))
                .unwrap_or(false)
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BaseUrl").field(&self.url).finish()
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// A port, when the authority has one, must be 1–65535: a transport handed
/// `:99999` or a bare `:` may fall back to the scheme's default port and send
/// the key there.
fn check_port(authority: &str) -> Result<(), &'static str> {
    let after_host = match authority.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or("", |(_, after)| after),
        None => authority.find(':').map_or("", |at| &authority[at..]),
    };
    let Some(port) = after_host.strip_prefix(':') else {
        return if after_host.is_empty() {
            Ok(())
        } else {
            Err("it has text after the host that is not a port")
        };
    };
    if port.is_empty() {
        return Err("its port is empty (remove the `:` or give a port from 1 to 65535)");
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err("its port is not a number");
    }
    match port.parse::<u32>() {
        Ok(1..=65535) => Ok(()),
        _ => Err("its port is out of range (it must be from 1 to 65535)"),
    }
}

pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A configuration the SDK refuses: the client could not be built, nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The management key is missing or malformed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The base URL is unusable.
    #[error("{origin} is refused: {reason}")]
    BaseUrl {
        /// Where it came from: `the base URL`, or the environment variable's name.
        origin: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// The user agent suffix is not printable ASCII.
    #[error("the user agent suffix must be printable ASCII")]
    UserAgent,
    /// A retry policy of more than one attempt was given to a client that has
    /// no sleeper to wait between attempts, so its retries could never run.
    #[error(
        "a retry policy was given but the client has no sleeper to wait between attempts: build the client with ClientBuilder::retries(policy, sleeper)"
    )]
    RetriesWithoutSleeper,
    /// A concurrent flow was asked for no workers, or for more than its
    /// transport keeps connections for ([`Transport::max_parallel_requests`](crate::Transport::max_parallel_requests)).
    #[error(
        "{workers} workers are refused: a concurrent flow runs from 1 to {limit} workers on this transport (its connection pool keeps {limit} connections per host; build the transport with a larger pool for more)"
    )]
    Workers {
        /// The workers asked for.
        workers: usize,
        /// The most this transport allows.
        limit: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ManagementKey {
        ManagementKey::parse(
            "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
        )
        .unwrap()
    }

    #[test]
    fn ports_must_be_1_to_65535_and_never_empty() {
        for (url, problem) in [
            ("http://127.0.0.1:99999", "out of range"),
            ("http://localhost:65536", "out of range"),
            ("http://127.0.0.1:0", "out of range"),
            ("http://127.0.0.1:", "port is empty"),
            ("https://api.example:", "port is empty"),
            ("http://[::1]:", "port is empty"),
            ("http://[::1]:70000", "out of range"),
            (
                "http://127.0.0.1:00000000000000000000080000",
                "out of range",
            ),
        ] {
            let err = BaseUrl::parse(url, false).unwrap_err();
            assert!(err.to_string().contains(problem), "{url}: {err}");
        }
        for url in [
            "http://127.0.0.1:1",
            "http://localhost:65535",
            "http://[::1]:8787",
            "http://[::1]",
            "https://api.example:443/prefix",
            "https://api.example",
        ] {
            assert!(BaseUrl::parse(url, false).is_ok(), "{url}");
        }
    }

    #[test]
    fn default_is_production() {
        let config = Config::new(key());
        assert_eq!(config.base_url().as_str(), "https://api.blazeauth.net");
        assert_eq!(
            config.user_agent().to_str().unwrap(),
            concat!("blazeauth-rs/", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn http_only_for_loopback_or_opt_in() {
        for ok in [
            "http://127.0.0.1:8787",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.3.2.1",
        ] {
            assert!(BaseUrl::parse(ok, false).is_ok(), "{ok}");
        }
        let err = BaseUrl::parse("http://api.blazeauth.net", false).unwrap_err();
        assert!(err.to_string().contains("clear text"));
        assert!(BaseUrl::parse("http://10.0.0.5:8080", true).is_ok());
        assert!(BaseUrl::parse("ftp://x", true).is_err());
    }

    #[test]
    fn prefix_kept_trailing_slash_dropped_query_refused() {
        let url = BaseUrl::parse("https://Proxy.Example/blazeauth/", false).unwrap();
        assert_eq!(url.as_str(), "https://proxy.example/blazeauth");
        assert!(BaseUrl::parse("https://x.example/?a=b", false).is_err());
        assert!(BaseUrl::parse("https://x.example/#f", false).is_err());
        assert!(BaseUrl::parse("https://user:pw@x.example", false).is_err());
        assert!(BaseUrl::parse("api.blazeauth.net", false).is_err());
        assert!(BaseUrl::parse("not a url", false).is_err());
    }

    const KEY: &str =
        "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";

    #[test]
    fn from_env_values_key_required_base_url_optional() {
        let err = Config::from_env_values(None, None).unwrap_err();
        assert!(
            err.to_string().contains("BLAZEAUTH_MANAGEMENT_API_KEY"),
            "{err}"
        );
        for base in [None, Some(std::ffi::OsString::new())] {
            let config = Config::from_env_values(Some(KEY.into()), base).unwrap();
            assert_eq!(config.base_url().as_str(), DEFAULT_BASE_URL);
        }
        let config =
            Config::from_env_values(Some(KEY.into()), Some("http://127.0.0.1:8787".into()))
                .unwrap();
        assert_eq!(config.base_url().as_str(), "http://127.0.0.1:8787");
    }

    #[test]
    fn from_env_values_errors_name_the_variable_and_never_echo_the_key() {
        let err = Config::from_env_values(Some(format!("{KEY}\n").into()), None).unwrap_err();
        assert!(matches!(err, ConfigError::Key(KeyError::Whitespace { .. })));
        assert!(!err.to_string().contains("0123456789abcdefghij"));
        let err = Config::from_env_values(Some(KEY.into()), Some("http://example.com".into()))
            .unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::BaseUrl {
                    origin: BASE_URL_ENV_VAR,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("BLAZEAUTH_BASE_URL is refused: http://"),
            "{err}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let not_unicode = std::ffi::OsString::from_vec(vec![0xff]);
            let err = Config::from_env_values(Some(KEY.into()), Some(not_unicode)).unwrap_err();
            assert_eq!(
                err.to_string(),
                "BLAZEAUTH_BASE_URL is refused: it is not valid Unicode"
            );
        }
    }

    #[test]
    fn user_agent_suffix() {
        let config = Config::builder(key())
            .user_agent_suffix("deploy-bot/2")
            .build()
            .unwrap();
        assert!(
            config
                .user_agent()
                .to_str()
                .unwrap()
                .ends_with(" deploy-bot/2")
        );
        assert_eq!(
            Config::builder(key())
                .user_agent_suffix("bad\nagent")
                .build()
                .unwrap_err(),
            ConfigError::UserAgent
        );
    }
}
