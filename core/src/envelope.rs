//! Decoding Blazeauth's response envelope in one pass from bytes.
//!
//! Success is `{"success": true, "message": "...", "data": ...}`, sometimes with
//! no `data`, sometimes with legacy fields beside or instead of it
//! (`totalPages`, `createdLicenses`, `presignedUrl`, the live-sessions payload).
//! Errors are `{"success": false, "code": "...", "message": "..."}`, `code`
//! optional.
//!
//! [`Envelope<P>`] reads `success`, `message` and `code` itself and offers every
//! other top-level field to its [`Payload`] `P`, which picks the ones its route
//! returns and lets the rest be skipped. There is no `serde_json::Value` detour.
//!
//! `decode_keeping` turns an `http::Response<Vec<u8>>` into an envelope or an
//! [`Error`]:
//! 1. an empty body, a non-JSON body (HTML from a proxy), truncated JSON, JSON
//!    of the wrong shape: [`DecodeError`] of the matching kind, keeping status,
//!    headers, raw bytes, and for the wrong shape the JSON path;
//! 2. `"success": false`: [`ApiError`], whatever the HTTP status (a 2xx with an
//!    error envelope is an error too), even when the error's other fields do not
//!    match the route's payload;
//! 3. `"success": true` with a non-2xx status: [`DecodeErrorKind::SuccessWithErrorStatus`];
//! 4. otherwise the envelope.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::api_error::{self, ApiError, ApiErrorCode};
use crate::decode_error::{DecodeError, DecodeErrorKind};
use crate::error::Error;
use crate::redact::Scrubber;

/// The fields of a route's successful response, other than `success`,
/// `message` and `code`: [`NoPayload`], [`Data`], [`TablePayload`],
/// [`CreatedLicensesPayload`], [`RawPayload`] and the payloads of the legacy
/// routes in [`api`](crate::api). Sealed: how a payload reads its fields
/// (serde's `MapAccess`) is not part of the SDK's API, so it can change
/// without breaking anyone; an endpoint of your own picks one of these.
pub trait Payload: sealed::VisitField + Default {}

impl<T: sealed::VisitField + Default> Payload for T {}

pub(crate) mod sealed {
    use serde::de::MapAccess;

    /// How a payload takes the fields offered by the envelope.
    #[allow(unnameable_types)] // sealed on purpose
    pub trait VisitField {
        /// Called for each top-level field other than `success`, `message`
        /// and `code`. Reads the value with `map.next_value()` and returns
        /// `Ok(true)` when the field belongs to the payload; returns
        /// `Ok(false)` without reading to have it skipped.
        fn visit_field<'de, A: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut A,
        ) -> Result<bool, A::Error>;
    }
}

/// A decoded envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope<P> {
    /// The `success` flag.
    pub success: bool,
    /// The `message`, if any.
    pub message: Option<String>,
    /// The error `code`, if any.
    pub code: Option<ApiErrorCode>,
    /// The route's payload fields.
    pub payload: P,
}

impl<'de, P: Payload> Deserialize<'de> for Envelope<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvelopeVisitor<P>(PhantomData<P>);

        impl<'de, P: Payload> Visitor<'de> for EnvelopeVisitor<P> {
            type Value = Envelope<P>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Blazeauth envelope object with a `success` field")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<P>, A::Error> {
                let mut success = None;
                let mut message = None;
                let mut code = None;
                let mut payload = P::default();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    match key.as_str() {
                        // A second `success` could flip the verdict of the
                        // first (`{"success":false,"success":true}`): refuse
                        // the envelope rather than pick one.
                        "success" if success.is_some() => {
                            return Err(de::Error::duplicate_field("success"));
                        }
                        "success" => success = Some(map.next_value::<bool>()?),
                        "message" => message = map.next_value::<Option<String>>()?,
                        "code" => code = map.next_value::<Option<ApiErrorCode>>()?,
                        other => {
                            if !payload.visit_field(other, &mut map)? {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                }
                let success = success.ok_or_else(|| de::Error::missing_field("success"))?;
                Ok(Envelope {
                    success,
                    message,
                    code,
                    payload,
                })
            }
        }

        deserializer.deserialize_map(EnvelopeVisitor(PhantomData))
    }
}

/// An object key, borrowed from the input when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// No payload: the route answers with a message only. Any other field is ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoPayload;

impl sealed::VisitField for NoPayload {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        _: &str,
        _: &mut A,
    ) -> Result<bool, A::Error> {
        Ok(false)
    }
}

/// The usual payload: the `data` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Data<T> {
    /// `data`, when present and not null.
    pub data: Option<T>,
}

impl<T> Default for Data<T> {
    fn default() -> Self {
        Self { data: None }
    }
}

impl<T: DeserializeOwned> sealed::VisitField for Data<T> {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        if key == "data" {
            self.data = map.next_value::<Option<T>>()?;
            return Ok(true);
        }
        Ok(false)
    }
}

/// A panel table page: `data` rows and the legacy top-level `totalPages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TablePayload<T> {
    /// The rows (`data`).
    pub data: Option<Vec<T>>,
    /// `totalPages`.
    pub total_pages: Option<u64>,
}

impl<T> Default for TablePayload<T> {
    fn default() -> Self {
        Self {
            data: None,
            total_pages: None,
        }
    }
}

impl<T: DeserializeOwned> sealed::VisitField for TablePayload<T> {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "data" => self.data = map.next_value::<Option<Vec<T>>>()?,
            "totalPages" => {
                self.total_pages = map
                    .next_value::<Option<crate::envelope::Count>>()?
                    .map(|c| c.0)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The legacy top-level `createdLicenses` of create and edit licenses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatedLicensesPayload {
    /// `createdLicenses`.
    pub created_licenses: Option<Vec<String>>,
}

impl sealed::VisitField for CreatedLicensesPayload {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        if key == "createdLicenses" {
            self.created_licenses = map.next_value()?;
            return Ok(true);
        }
        Ok(false)
    }
}

/// A raw request's payload: `data` as `T`, every other field as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct RawPayload<T> {
    /// `data`, when present and not null.
    pub data: Option<T>,
    /// Every other top-level field (legacy payload fields such as `totalPages`).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl<T> Default for RawPayload<T> {
    fn default() -> Self {
        Self {
            data: None,
            extra: serde_json::Map::new(),
        }
    }
}

impl<T: DeserializeOwned> sealed::VisitField for RawPayload<T> {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        if key == "data" {
            self.data = map.next_value::<Option<T>>()?;
        } else {
            let value = map.next_value::<serde_json::Value>()?;
            self.extra.insert(key.to_owned(), value);
        }
        Ok(true)
    }
}

/// A non-negative count that may arrive as a number or a numeric string (lenient).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count(pub(crate) u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;
        impl Visitor<'_> for CountVisitor {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                u64::try_from(v)
                    .map(Count)
                    .map_err(|_| E::custom("a negative count"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                if v >= 0.0 && v.fract() == 0.0 && v < 9.0e15 {
                    Ok(Count(v as u64))
                } else {
                    Err(E::custom("a count that is not a whole number"))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
                v.trim()
                    .parse()
                    .map(Count)
                    .map_err(|_| E::custom("a count string that is not a number"))
            }
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

/// `deserialize_with` for a count field: a number or a numeric string.
pub(crate) fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Count::deserialize(deserializer).map(|c| c.0)
}

/// `deserialize_with` for an optional count field: `null`, a number or a
/// numeric string.
pub(crate) fn opt_count<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    Option::<Count>::deserialize(deserializer).map(|c| c.map(|c| c.0))
}

/// Decodes `response` into an envelope, or the matching [`Error`] (the
/// unit tests' entry point; the SDK goes through [`decode_keeping`]).
///
/// Success comes back only with `"success": true` and a 2xx status. The body is
/// moved into the error on failure, never copied.
#[cfg(test)]
pub(crate) fn decode<P: Payload>(response: http::Response<Vec<u8>>) -> Result<Envelope<P>, Error> {
    decode_keeping(response, Scrubber::default()).map(|(envelope, _, _)| envelope)
}

/// Decodes `response` into an envelope, giving back the response head and
/// body on success so a later check can still build an error that keeps them.
/// Server text kept in an error is bounded (see the [crate docs](crate#secrets)).
/// Errors are built through `scrub`.
pub(crate) fn decode_keeping<P: Payload>(
    response: http::Response<Vec<u8>>,
    scrub: Scrubber<'_>,
) -> Result<(Envelope<P>, http::response::Parts, Vec<u8>), Error> {
    let (parts, body) = response.into_parts();
    let status = parts.status;
    match serde_json::from_slice::<Envelope<P>>(&body) {
        Ok(envelope) if !envelope.success => Err(api_error(
            status,
            parts.headers,
            body,
            envelope.code,
            envelope.message,
            scrub,
        )),
        Ok(_) if !status.is_success() => Err(decode_error(
            DecodeErrorKind::SuccessWithErrorStatus,
            status,
            parts.headers,
            body,
            None,
            None,
            scrub,
        )),
        Ok(envelope) => Ok((envelope, parts, body)),
        Err(first) => {
            // The route's payload may not match an error envelope's extra fields:
            // look at the envelope alone before calling it a decode error.
            if let Ok(head) = serde_json::from_slice::<Envelope<NoPayload>>(&body) {
                if !head.success {
                    return Err(api_error(
                        status,
                        parts.headers,
                        body,
                        head.code,
                        head.message,
                        scrub,
                    ));
                }
            }
            Err(classify::<P>(first, status, parts.headers, body, scrub))
        }
    }
}

/// Builds the [`DecodeError`] for a body that failed to decode.
fn classify<P: Payload>(
    error: serde_json::Error,
    status: http::StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
    scrub: Scrubber<'_>,
) -> Error {
    use serde_json::error::Category;
    let is_blank = body.iter().all(u8::is_ascii_whitespace);
    // Whether the body is JSON at all, independent of the shape the route expects.
    let syntax = serde_json::from_slice::<IgnoredAny>(&body)
        .err()
        .map(|e| e.classify());
    let (kind, path) = match syntax {
        _ if is_blank => (DecodeErrorKind::EmptyBody, None),
        Some(Category::Eof) => (DecodeErrorKind::Truncated, None),
        Some(_) => (DecodeErrorKind::NotJson, None),
        None => {
            // Valid JSON of the wrong shape. Slow path, only on failure: decode
            // again tracking the path.
            let mut deserializer = serde_json::Deserializer::from_slice(&body);
            let path = match serde_path_to_error::deserialize::<_, Envelope<P>>(&mut deserializer) {
                Err(e) => e.path().to_string(),
                Ok(_) => ".".to_owned(),
            };
            (DecodeErrorKind::UnexpectedShape, Some(path))
        }
    };
    let detail = (kind != DecodeErrorKind::EmptyBody).then(|| error.to_string());
    decode_error(kind, status, headers, body, path, detail, scrub)
}

/// A [`DecodeError`], its server text passed through `scrub` before it is stored.
pub(crate) fn decode_error(
    kind: DecodeErrorKind,
    status: http::StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
    path: Option<String>,
    detail: Option<String>,
    scrub: Scrubber<'_>,
) -> Error {
    Error::Decode(Box::new(DecodeError {
        kind,
        status,
        headers: scrub.headers(headers),
        body: scrub.bytes(body),
        path: path.map(|p| scrub.text(p)),
        detail: detail.map(|d| scrub.text(d)),
        class: crate::retry::RetryClass::Mutation,
    }))
}

/// An [`ApiError`], its server text passed through `scrub` before it is stored.
fn api_error(
    status: http::StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
    code: Option<ApiErrorCode>,
    message: Option<String>,
    scrub: Scrubber<'_>,
) -> Error {
    let code = code.map(|code| match code {
        ApiErrorCode::Other(text) => ApiErrorCode::Other(scrub.text(text)),
        known => known,
    });
    Error::Api(Box::new(ApiError {
        code,
        message: scrub.text(message.unwrap_or_default()),
        status,
        retry_after: api_error::retry_after(&headers),
        required_scope: None,
        headers: scrub.headers(headers),
        body: scrub.bytes(body),
        class: crate::retry::RetryClass::Mutation,
    }))
}

#[cfg(test)]
mod tests;
