//! Raw requests: any route, typed or not, with the SDK's authentication,
//! envelope decoding, errors, retry classes and redaction.
//!
//! For routes the documentation only names (blacklists, deleting variables,
//! files), and for routes Blazeauth adds later. The response's `data` is decoded
//! as a type of the caller's choice (a [`serde_json::Value`] by default); every
//! other top-level field (legacy payloads such as `totalPages`) is kept as JSON.
//!
//! The retry class follows the method (`GET` is a read, anything else a
//! mutation) unless set with [`RawRequest::with_retry_class`].
//!
//! ```
//! use blazeauth_core::{RawRequest, Scope};
//!
//! let request = RawRequest::get("/api/v1/panel/get-variables")
//!     .query("applicationId", "123456789")
//!     .with_scope(Scope::VariablesRead);
//! # let _ = request;
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::decode_error::BodySnippet;
use crate::endpoint::{Endpoint, MissingField, RequestParts};
use crate::envelope::RawPayload;
use crate::redact::redact_value;
use crate::retry::RetryClass;
use crate::scope::Scope;
use crate::validate::{InvalidInput, Problem};

/// A request to any path, decoding `data` as `T`.
pub struct RawRequest<T = serde_json::Value> {
    method: http::Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    class: Option<RetryClass>,
    scope: Option<Scope>,
    output: PhantomData<fn() -> T>,
}

impl RawRequest<serde_json::Value> {
    /// A request with `method` to `path` (under the base URL, starting with `/`).
    pub fn new(method: http::Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            class: None,
            scope: None,
            output: PhantomData,
        }
    }

    /// A `GET` request.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(http::Method::GET, path)
    }

    /// A `POST` request.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(http::Method::POST, path)
    }

    /// A `PATCH` request.
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(http::Method::PATCH, path)
    }

    /// A `DELETE` request.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(http::Method::DELETE, path)
    }
}

impl<T> RawRequest<T> {
    /// Adds a query parameter (repeat the call for a repeated parameter).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self, InvalidInput> {
        let mut parts = RequestParts::default();
        parts.json_body(body)?;
        self.body = parts.into_body();
        Ok(self)
    }

    /// Overrides the retry class (e.g. a `POST` that is really a read).
    pub fn with_retry_class(mut self, class: RetryClass) -> Self {
        self.class = Some(class);
        self
    }

    /// Declares the route's scope, so an `insufficient_scope` error can name it.
    pub fn with_scope(mut self, scope: Scope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Decodes `data` as `U` instead.
    pub fn decode_as<U: DeserializeOwned>(self) -> RawRequest<U> {
        RawRequest {
            method: self.method,
            path: self.path,
            query: self.query,
            body: self.body,
            class: self.class,
            scope: self.scope,
            output: PhantomData,
        }
    }
}

impl<T> fmt::Debug for RawRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &self.body.as_deref().map(BodySnippet))
            .field("retry_class", &self.class)
            .field("scope", &self.scope)
            .finish()
    }
}

/// What a raw request returns.
///
/// Its `Debug` redacts the values of
/// [`SECRET_FIELDS`](crate::SECRET_FIELDS) (`socketKey`, `httpKey`,
/// ...) in `extra`, and in `data` when it is a [`serde_json::Value`]; the
/// fields themselves hold the values as received.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct RawResponse<T> {
    /// The envelope's `message`.
    pub message: Option<String>,
    /// `data`, when present and not null.
    pub data: Option<T>,
    /// Every other top-level field except `success`, `message` and `code`.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl<T: fmt::Debug + 'static> fmt::Debug for RawResponse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra = serde_json::Value::Object(self.extra.clone());
        let mut out = f.debug_struct("RawResponse");
        out.field("message", &self.message);
        match (&self.data as &dyn std::any::Any).downcast_ref::<Option<serde_json::Value>>() {
            Some(Some(json)) => out.field("data", &Some(redact_value(json))),
            _ => out.field("data", &self.data),
        };
        out.field("extra", &redact_value(&extra)).finish()
    }
}

fn check_path(path: &str) -> Result<(), InvalidInput> {
    let bad = |reason: &str| {
        InvalidInput::new(
            "path",
            Problem::Format {
                reason: reason.to_owned(),
            },
        )
    };
    if !path.starts_with('/') {
        return Err(bad("must start with `/`"));
    }
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b);
    if !path.bytes().all(allowed) {
        return Err(bad(
            "may hold only URL path characters (no spaces, `?` or `#`; put query parameters in `query`)",
        ));
    }
    if path.split('/').any(|segment| segment == "..") {
        return Err(bad("must not hold `..` segments"));
    }
    Ok(())
}

impl<T: DeserializeOwned> Endpoint for RawRequest<T> {
    type Payload = RawPayload<T>;
    type Output = RawResponse<T>;

    fn method(&self) -> http::Method {
        self.method.clone()
    }

    fn path(&self) -> &str {
        &self.path
    }

    fn scope(&self) -> Option<Scope> {
        self.scope
    }

    fn retry_class(&self) -> RetryClass {
        self.class.unwrap_or(if self.method == http::Method::GET {
            RetryClass::Read
        } else {
            RetryClass::Mutation
        })
    }

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        check_path(&self.path)?;
        for (name, value) in &self.query {
            parts.query(name, value);
        }
        if let Some(body) = &self.body {
            parts.raw_json_body(body.clone());
        }
        Ok(())
    }

    fn output(
        &self,
        message: Option<String>,
        payload: RawPayload<T>,
    ) -> Result<RawResponse<T>, MissingField> {
        Ok(RawResponse {
            message,
            data: payload.data,
            extra: payload.extra,
        })
    }
}
