//! Errors the Blazeauth server reports itself: an envelope with `"success": false`.

use std::fmt;
use std::time::Duration;

use crate::retry::RetryClass;
use crate::scope::Scope;

/// The `code` of an error envelope.
///
/// The six documented codes have variants. The error page is not published in
/// full (validation, not-found, plan-limit and rate-limit codes exist), so any
/// other string is kept in [`ApiErrorCode::Other`]. Match on `Other` by its text
/// only as a fallback: a code that gains its own variant in a later version of
/// this crate stops arriving as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorCode {
    /// `api_key_invalid`: the key is missing, malformed, unknown or mismatched.
    ApiKeyInvalid,
    /// `api_key_expired`: the key is past its expiration.
    ApiKeyExpired,
    /// `api_key_revoked`: the key was revoked.
    ApiKeyRevoked,
    /// `insufficient_scope`: the key lacks the route's scope.
    InsufficientScope,
    /// `application_forbidden`: the key is restricted away from the application.
    ApplicationForbidden,
    /// `session_required`: the route needs a dashboard session, not a management key.
    SessionRequired,
    /// Any other code, kept as sent.
    Other(String),
}

impl ApiErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ApiErrorCode::ApiKeyInvalid => "api_key_invalid",
            ApiErrorCode::ApiKeyExpired => "api_key_expired",
            ApiErrorCode::ApiKeyRevoked => "api_key_revoked",
            ApiErrorCode::InsufficientScope => "insufficient_scope",
            ApiErrorCode::ApplicationForbidden => "application_forbidden",
            ApiErrorCode::SessionRequired => "session_required",
            ApiErrorCode::Other(code) => code,
        }
    }

    /// The code for a wire string; unknown strings become [`ApiErrorCode::Other`].
    pub fn from_wire(code: &str) -> Self {
        match code {
            "api_key_invalid" => ApiErrorCode::ApiKeyInvalid,
            "api_key_expired" => ApiErrorCode::ApiKeyExpired,
            "api_key_revoked" => ApiErrorCode::ApiKeyRevoked,
            "insufficient_scope" => ApiErrorCode::InsufficientScope,
            "application_forbidden" => ApiErrorCode::ApplicationForbidden,
            "session_required" => ApiErrorCode::SessionRequired,
            other => ApiErrorCode::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ApiErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ApiErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;
        impl serde::de::Visitor<'_> for CodeVisitor {
            type Value = ApiErrorCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error code string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ApiErrorCode, E> {
                Ok(ApiErrorCode::from_wire(v))
            }
            // Lenient: a numeric code is kept as its decimal text.
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ApiErrorCode, E> {
                Ok(ApiErrorCode::Other(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ApiErrorCode, E> {
                Ok(ApiErrorCode::Other(v.to_string()))
            }
        }
        deserializer.deserialize_any(CodeVisitor)
    }
}

/// The server answered `"success": false`.
///
/// Keeps the code (if the envelope had one; not every error does), the message,
/// the HTTP status, `Retry-After` (delta-seconds form) and the raw response.
#[derive(Clone)]
pub struct ApiError {
    pub(crate) code: Option<ApiErrorCode>,
    pub(crate) message: String,
    pub(crate) status: http::StatusCode,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) required_scope: Option<Scope>,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
    /// The request's class; mutation unless the route said otherwise.
    pub(crate) class: RetryClass,
}

impl ApiError {
    /// The envelope's `code`, if it had one.
    pub fn code(&self) -> Option<&ApiErrorCode> {
        self.code.as_ref()
    }

    /// The envelope's `message` (empty when it had none).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status the error came with.
    pub fn status(&self) -> http::StatusCode {
        self.status
    }

    /// How long the server asked to wait (`Retry-After` in seconds), if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The scope of the route that was called, when the route declares one.
    pub fn required_scope(&self) -> Option<Scope> {
        self.required_scope
    }

    /// The response headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The raw response body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether the request was a read or a mutation (as its route declares;
    /// [`RetryClass::Mutation`] when decoded without a route).
    pub fn request_class(&self) -> RetryClass {
        self.class
    }

    /// Whether a mutation may have taken effect although the server answered
    /// with an error: a 5xx may come from a gateway that gave up after the
    /// API processed the request. Any other error envelope is a refusal.
    pub fn outcome_unknown(&self) -> bool {
        self.class == RetryClass::Mutation && self.status.is_server_error()
    }

    fn hint(&self) -> String {
        match &self.code {
            Some(ApiErrorCode::ApiKeyInvalid) => "check that the management key is the one shown at creation".into(),
            Some(ApiErrorCode::ApiKeyExpired) => "the key has expired: create a new management key in the dashboard".into(),
            Some(ApiErrorCode::ApiKeyRevoked) => "the key was revoked: create a new management key in the dashboard".into(),
            Some(ApiErrorCode::InsufficientScope) => match self.required_scope {
                Some(scope) => format!("give the key the `{scope}` scope"),
                None => "give the key the scope this route needs".into(),
            },
            Some(ApiErrorCode::ApplicationForbidden) => {
                "the key is restricted to other applications: add this application to the key or use another key".into()
            }
            Some(ApiErrorCode::SessionRequired) => {
                "this route needs a dashboard session; management keys cannot call it".into()
            }
            _ if self.status == http::StatusCode::TOO_MANY_REQUESTS => match self.retry_after {
                Some(wait) => format!("rate limited: wait {}s before trying again", wait.as_secs()),
                None => "rate limited: wait before trying again".into(),
            },
            _ if self.outcome_unknown() => {
                "the server failed and the change may or may not have been applied: check the current state before repeating it".into()
            }
            _ if self.status.is_server_error() => "the server failed: try again later".into(),
            _ => "fix the request as the message says".into(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Blazeauth refused the request (HTTP {}",
            self.status.as_u16()
        )?;
        if let Some(code) = &self.code {
            write!(f, ", {code}")?;
        }
        write!(f, "): {:?}; {}", self.message, self.hint())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("retry_after", &self.retry_after)
            .field("required_scope", &self.required_scope)
            .field("body", &crate::decode_error::BodySnippet(&self.body))
            .finish_non_exhaustive()
    }
}

impl std::error::Error for ApiError {}

/// Reads `Retry-After` in its delta-seconds form. The HTTP-date form needs the
/// current time, which the core does not read: it is left to the caller, who
/// has the header in [`ApiError::headers`].
pub(crate) fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_kept() {
        for code in [
            "api_key_invalid",
            "api_key_expired",
            "api_key_revoked",
            "insufficient_scope",
            "application_forbidden",
            "session_required",
        ] {
            let parsed = ApiErrorCode::from_wire(code);
            assert!(!matches!(parsed, ApiErrorCode::Other(_)), "{code}");
            assert_eq!(parsed.as_str(), code);
        }
        assert_eq!(
            ApiErrorCode::from_wire("plan_limit_reached"),
            ApiErrorCode::Other("plan_limit_reached".into())
        );
        let code: ApiErrorCode = serde_json::from_str("\"validation_error\"").unwrap();
        assert_eq!(code.as_str(), "validation_error");
    }

    #[test]
    fn retry_after_reads_seconds_only() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("120"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        headers.insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
