//! Responses the SDK could not understand: [`DecodeError`].
//!
//! A decode error keeps everything the server sent (status, headers, raw body)
//! and, for JSON of the wrong shape, the path inside the document where decoding
//! failed, so a caller can log it, reconcile, or report a changed API.

use std::fmt;

/// Why a response could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body is empty.
    EmptyBody,
    /// The body is not JSON at all (an HTML page from a proxy, plain text).
    NotJson,
    /// The body is JSON cut off before its end.
    Truncated,
    /// The body is JSON, but not the shape this route returns (or not an envelope).
    UnexpectedShape,
    /// The envelope says `"success": true` but the HTTP status is not 2xx.
    SuccessWithErrorStatus,
}

/// The server answered something the SDK could not decode.
#[derive(Clone)]
pub struct DecodeError {
    pub(crate) kind: DecodeErrorKind,
    pub(crate) status: http::StatusCode,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) path: Option<String>,
    pub(crate) detail: Option<String>,
    /// The request's class; mutation unless the route said otherwise.
    pub(crate) class: crate::retry::RetryClass,
}

impl DecodeError {
    /// Why decoding failed.
    pub fn kind(&self) -> DecodeErrorKind {
        self.kind
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> http::StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The raw response body, exactly as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Where in the JSON decoding failed, e.g. `data[3].id` (for
    /// [`DecodeErrorKind::UnexpectedShape`]).
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// Whether the request was a read or a mutation (as its route declares;
    /// [`RetryClass::Mutation`](crate::RetryClass::Mutation) when decoded without a route).
    pub fn request_class(&self) -> crate::retry::RetryClass {
        self.class
    }

    /// The JSON parser's own message, if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.status.as_u16();
        let detail = self.detail.as_deref().unwrap_or("");
        match self.kind {
            DecodeErrorKind::EmptyBody => write!(
                f,
                "HTTP {status} with an empty body instead of a Blazeauth envelope; the server or a proxy failed, retry later"
            ),
            DecodeErrorKind::NotJson => {
                let content_type = self
                    .headers
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("no content type");
                write!(
                    f,
                    "HTTP {status} with a body that is not JSON ({content_type}, starts {}); something other than the Blazeauth API answered (a proxy or gateway?)",
                    BodySnippet(&self.body)
                )
            }
            DecodeErrorKind::Truncated => write!(
                f,
                "HTTP {status} with JSON cut off after {} bytes; the response was incomplete, retry reads and check whether a change took effect",
                self.body.len()
            ),
            DecodeErrorKind::UnexpectedShape => write!(
                f,
                "HTTP {status} with JSON of an unexpected shape at `{}`: {detail}; the API may have changed: update the SDK or use a raw request",
                self.path.as_deref().unwrap_or(".")
            ),
            DecodeErrorKind::SuccessWithErrorStatus => write!(
                f,
                "HTTP {status} but the envelope says success; the change probably took effect: verify before repeating it"
            ),
        }
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("path", &self.path)
            .field("detail", &self.detail)
            .field("body", &BodySnippet(&self.body))
            .finish_non_exhaustive()
    }
}

impl std::error::Error for DecodeError {}

/// The start of a body, quoted, control characters escaped, at most 80
/// characters, with the values of [`SECRET_FIELDS`](crate::SECRET_FIELDS)
/// redacted.
pub(crate) struct BodySnippet<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for BodySnippet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for BodySnippet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 80;
        // Room for 80 characters of up to 4 bytes, and for a secret field's
        // name that starts within them to be seen whole.
        const LOOK: usize = MAX * 4 + 64;
        let text = String::from_utf8_lossy(self.0.get(..LOOK).unwrap_or(self.0));
        let text = crate::redact::redact_secret_fields(&text);
        let snippet: String = text.chars().take(MAX).collect();
        write!(f, "{snippet:?}")?;
        if text.chars().count() > MAX || self.0.len() > LOOK {
            write!(f, "… ({} bytes)", self.0.len())?;
        }
        Ok(())
    }
}
