//! The transport's own types for its proxy and its trusted root
//! certificates, so that no ureq type is part of this crate's API (a ureq
//! major release then changes nothing for users).

use std::fmt;

/// An HTTP or SOCKS proxy for [`UreqTransportBuilder::proxy`](crate::UreqTransportBuilder::proxy).
///
/// `Debug` shows neither the URL's credentials nor its host: a proxy URL can
/// hold a password.
///
/// ```
/// use blazeauth_ureq::Proxy;
///
/// let proxy = Proxy::new("http://user:pass@proxy.internal:3128")?;
/// assert!(!format!("{proxy:?}").contains("pass"));
/// assert!(Proxy::new("not a proxy url").is_err());
/// # Ok::<(), blazeauth_ureq::ProxyError>(())
/// ```
#[derive(Clone)]
pub struct Proxy(pub(crate) ureq::Proxy);

impl Proxy {
    /// A proxy from its URL: `http://`, `https://`, `socks4://`, `socks4a://`
    /// or `socks5://`, with optional `user:password@` and port.
    ///
    /// # Errors
    ///
    /// [`ProxyError`] when the URL is not a proxy URL (the message does not
    /// repeat the URL, which may hold a password).
    pub fn new(url: &str) -> Result<Self, ProxyError> {
        ureq::Proxy::new(url).map(Proxy).map_err(|_| ProxyError)
    }

    /// The proxy named by `ALL_PROXY`, `HTTPS_PROXY` or `HTTP_PROXY` (and
    /// their lowercase forms), honouring `NO_PROXY`; `None` when none is set.
    /// The transport never reads these by itself.
    pub fn from_env() -> Option<Self> {
        ureq::Proxy::try_from_env().map(Proxy)
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Proxy([redacted])")
    }
}

/// A proxy URL that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a proxy URL (expected http://, https://, socks4://, socks4a:// or socks5://, with an optional user:password@ and port)"
)]
pub struct ProxyError;

/// The certificates that TLS server certificates are checked against.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RootCertificates {
    /// The Mozilla root program, as bundled by `webpki-roots` (the default).
    #[default]
    WebPki,
    /// Only these certificates, DER-encoded (a private CA, or a test server).
    Only(Vec<Vec<u8>>),
}

impl RootCertificates {
    /// Only the certificates of a PEM file (every `CERTIFICATE` block).
    /// (With a TLS feature: `rustls`, the default, or `native-tls`.)
    ///
    /// # Errors
    ///
    /// [`CertificateError`] when the text holds no certificate or a block
    /// does not parse.
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    pub fn from_pem(pem: &[u8]) -> Result<Self, CertificateError> {
        let mut certificates = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            match item.map_err(|_| CertificateError("a PEM block does not parse"))? {
                ureq::tls::PemItem::Certificate(certificate) => {
                    certificates.push(certificate.der().to_vec());
                }
                _ => continue,
            }
        }
        if certificates.is_empty() {
            return Err(CertificateError("the PEM text holds no CERTIFICATE block"));
        }
        Ok(RootCertificates::Only(certificates))
    }

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    pub(crate) fn to_ureq(&self) -> ureq::tls::RootCerts {
        match self {
            RootCertificates::WebPki => ureq::tls::RootCerts::WebPki,
            RootCertificates::Only(der) => {
                let certificates: Vec<_> = der
                    .iter()
                    .map(|d| ureq::tls::Certificate::from_der(d).to_owned())
                    .collect();
                ureq::tls::RootCerts::new_with_certs(&certificates)
            }
        }
    }
}

impl fmt::Debug for RootCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootCertificates::WebPki => f.write_str("WebPki"),
            RootCertificates::Only(der) => write!(f, "Only({} certificates)", der.len()),
        }
    }
}

/// Root certificates that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid root certificates: {0}")]
pub struct CertificateError(&'static str);

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn pem_roots_keep_every_certificate_and_refuse_text_without_one() {
        let a = rcgen::generate_simple_self_signed(vec!["a.test".to_owned()]).unwrap();
        let b = rcgen::generate_simple_self_signed(vec!["b.test".to_owned()]).unwrap();
        let pem = format!("{}{}", a.cert.pem(), b.cert.pem());
        let RootCertificates::Only(der) = RootCertificates::from_pem(pem.as_bytes()).unwrap()
        else {
            panic!("expected the PEM's certificates");
        };
        assert_eq!(der, [a.cert.der().to_vec(), b.cert.der().to_vec()]);
        assert!(RootCertificates::from_pem(b"no certificate here").is_err());
        assert_eq!(
            format!("{:?}", RootCertificates::Only(der)),
            "Only(2 certificates)"
        );
    }

    #[test]
    fn proxies_parse_and_never_show_their_credentials() {
        let proxy = Proxy::new("socks5://user:hunter2@10.0.0.1:1080").unwrap();
        assert_eq!(format!("{proxy:?}"), "Proxy([redacted])");
        let error = Proxy::new("ftp://user:hunter2@host")
            .map(|_| ())
            .unwrap_err();
        assert!(!error.to_string().contains("hunter2"));
    }
}
