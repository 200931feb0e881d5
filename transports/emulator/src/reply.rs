//! What the handler answers: success envelopes ([`Success`]) and error
//! envelopes ([`Failure`]), with the emulator's status-code convention.
//!
//! Success: `{"success":true,"message":"...",<fields>}` where the fields are
//! `data` or the legacy top-level ones (`totalPages`, `createdLicenses`), in
//! the order given. Error: `{"success":false,"code":"...","message":"..."}`.
//! Every answer is `application/json; charset=utf-8` and its `Content-Length`
//! is the body's.

use blazeauth_core::InvalidInput;
use http::StatusCode;
use http::header::{self, HeaderName, HeaderValue};
use serde_json::Value;

use crate::codes;

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Success {
    message: &'static str,
    fields: Vec<(&'static str, Value)>,
}

impl Success {
    /// `{"success":true,"message":message}`.
    pub(crate) fn message(message: &'static str) -> Self {
        Self {
            message,
            fields: Vec::new(),
        }
    }

    /// `{"success":true,"message":message,"data":data}`.
    pub(crate) fn data(message: &'static str, data: Value) -> Self {
        Self::message(message).field("data", data)
    }

    /// Adds a top-level field after the ones already there.
    pub(crate) fn field(mut self, name: &'static str, value: Value) -> Self {
        self.fields.push((name, value));
        self
    }

    pub(crate) fn into_response(self) -> http::Response<Vec<u8>> {
        let mut body = String::from(r#"{"success":true,"message":"#);
        body.push_str(&Value::from(self.message).to_string());
        for (name, value) in &self.fields {
            body.push(',');
            body.push_str(&Value::from(*name).to_string());
            body.push(':');
            body.push_str(&value.to_string());
        }
        body.push('}');
        json_response(StatusCode::OK, body.into_bytes())
    }
}

/// A refused request: status, code, message and extra headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl Failure {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// 400 `validation_error` with the message of core's [`InvalidInput`]
    /// (`invalid `name`: must be 6 to 32 characters, got 5`).
    /// An error envelope with no `code` (documented for a taken file name).
    pub(crate) fn without_code(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(status, "", message)
    }

    pub(crate) fn invalid(input: InvalidInput) -> Self {
        Self::validation(input.to_string())
    }

    /// 400 `validation_error`.
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::VALIDATION_ERROR, message)
    }

    /// 404 `not_found`.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }

    /// 401 with one of the key codes.
    pub(crate) fn unauthorized(code: &'static str, message: &'static str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403 with `insufficient_scope` or `application_forbidden`.
    pub(crate) fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 429 `rate_limited` with `Retry-After: seconds`.
    pub(crate) fn rate_limited(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, codes::RATE_LIMITED, message)
            .header(header::RETRY_AFTER, retry_after_secs.to_string())
    }

    /// Adds a header (ignored if `value` is not a valid header value).
    pub(crate) fn header(mut self, name: HeaderName, value: String) -> Self {
        if let Ok(value) = HeaderValue::from_str(&value) {
            self.headers.push((name, value));
        }
        self
    }

    pub(crate) fn into_response(self) -> http::Response<Vec<u8>> {
        let body = if self.code.is_empty() {
            serde_json::json!({ "success": false, "message": self.message })
        } else {
            serde_json::json!({
                "success": false,
                "code": self.code,
                "message": self.message,
            })
        };
        let mut response = json_response(self.status, body.to_string().into_bytes());
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        response
    }
}

/// A response with a JSON body and its length.
pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    let length = response.body().len().to_string();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(length) = HeaderValue::from_str(&length) {
        headers.insert(header::CONTENT_LENGTH, length);
    }
    response
}

/// At most the first `max` characters of `text`, with `…` when cut: error
/// messages never echo a huge input.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_are_json_with_their_length() {
        let ok = Success::data("Done", serde_json::json!([1, 2]))
            .field("totalPages", Value::from(3))
            .into_response();
        assert_eq!(
            ok.body(),
            br#"{"success":true,"message":"Done","data":[1,2],"totalPages":3}"#
        );
        assert_eq!(ok.headers()[header::CONTENT_LENGTH], "61");
        let err = Failure::rate_limited("slow down", 42).into_response();
        assert_eq!(err.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(err.headers()[header::RETRY_AFTER], "42");
        let value: Value = serde_json::from_slice(err.body()).unwrap_or_default();
        assert_eq!(value["success"], false);
        assert_eq!(value["code"], "rate_limited");
        assert_eq!(value["message"], "slow down");
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("ééééé", 2), "éé…");
    }
}
