//! # blazeauth-core
//!
//! The sans-IO protocol core of the Blazeauth Management API SDK. It builds
//! [`http::Request`] values and decodes [`http::Response`] values; it never opens
//! a socket, reads a file, looks at the clock or draws a random number. A
//! transport (`blazeauth-ureq` in production, `blazeauth-emulator` offline, or
//! any closure) executes the requests.
//!
//! Data flows one way, each step a plain value:
//!
//! ```text
//! typed request (e.g. api::CreateLicenses) --Endpoint::write (validates)--> http::Request<Vec<u8>>
//!     --Transport::send--> http::Response<Vec<u8>>
//!     --decode_response (envelope + payload)--> Result<output, Error>
//! ```
//!
//! - [`Transport`]: the one seam to the outside, implemented for closures.
//! - [`Endpoint`]: a route as a value (method, path, [`Scope`], [`RetryClass`],
//!   request writer, response decoder); the typed routes live in [`api`], any
//!   other route is reachable through [`RawRequest`].
//! - [`Call`]: one call with its retries as a sans-IO state machine; the
//!   [`Pager`] and [`api::BulkCreate`] are the machines of table walks and
//!   bulk creation. Every safety rule (a mutation whose outcome is unknown is
//!   never resent; attempts and waits are bounded) lives in them.
//! - [`Client`]: the blocking driver of those machines, with a transport, the
//!   [`RetryPolicy`] and an injectable [`Sleeper`]; [`Client::pages`] walks
//!   tables, [`Client::create_licenses_bulk`] creates licenses in batches.
//! - [`ManagementKey`] and [`Config`]: the secret key (never shown by `Debug`
//!   or `Display`) and where requests go.
//! - [`Error`]: what went wrong, in terms of what the caller must do next.
//! - Value types: ids ([`ApplicationId`], [`LicenseId`], ...),
//!   [`LicenseDuration`], search parameters ([`TableSearch`], [`SessionSearch`]).
//!
//! ```
//! use blazeauth_core::http::{Request, Response};
//! use blazeauth_core::{api, Client, Config, ManagementKey, TransportError};
//!
//! let key = ManagementKey::parse(
//!     "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
//! )?;
//! // Any closure is a transport: here one that answers like the server would.
//! let transport = |request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
//!     assert_eq!(request.uri().query(), Some("applicationId=123456789"));
//!     let body = br#"{"success":true,"message":"Successfully fetched application license levels","data":["basic","pro"]}"#;
//!     Ok(Response::new(body.to_vec()))
//! };
//! let client = Client::new(Config::new(key), transport);
//! let levels = client.send(&api::GetLicenseLevels::new(blazeauth_core::ApplicationId::new("123456789")?))?;
//! assert_eq!(levels, ["basic", "pro"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The public surface
//!
//! Every module is private but [`api`] (one type per route); what follows is
//! re-exported at the root, by what it is for. A change to this list is a
//! change to the SDK's promise (`core/tests/public_api.rs` records it).
//!
//! - **Routes:** [`api`]; any route as [`RawRequest`] / [`RawResponse`]; your
//!   own with [`Endpoint`], [`RequestParts`], [`MissingField`] and a payload
//!   ([`Payload`]: [`Data`], [`NoPayload`], [`TablePayload`],
//!   [`CreatedLicensesPayload`], [`RawPayload`]); the two halves of a call,
//!   [`build_request`] and [`decode_response`].
//! - **State machines:** [`Call`] / [`Step`]; [`Pager`], [`PagerError`],
//!   [`Page`], [`PagedEndpoint`], [`TablePage`], [`TableRow`], [`RowOf`],
//!   [`DEFAULT_MAX_PAGES`]; [`ParallelPager`] (several pages in flight),
//!   [`Deferred`] / [`DeferredAnswer`] (answers checked now, decoded later);
//!   [`api::BulkCreate`] (with [`api::Batch`], [`api::UnknownBatch`]); retries as decisions:
//!   [`RetryPolicy`], [`RetryDecision`], [`RetryClass`], [`AttemptOutcome`].
//! - **Driving:** [`Client`], [`ClientBuilder`], [`RequestOptions`],
//!   [`Pages`], [`Rows`], [`TableProgress`], [`Sleeper`], [`JitterSource`],
//!   [`SharedBackoff`] (one 429 pause for a concurrent flow);
//!   the seam: [`Transport`], [`TransportError`], [`TransportErrorKind`],
//!   [`Delivery`], [`RequestTimeout`], [`Secrets`], [`BoxError`].
//! - **Configuration:** [`Config`], [`ConfigBuilder`], [`ConfigError`],
//!   [`BaseUrl`], [`DEFAULT_BASE_URL`], [`USER_AGENT`], [`BASE_URL_ENV_VAR`];
//!   [`ManagementKey`], [`KeyError`], [`FormatProblem`], [`KEY_ENV_VAR`];
//!   [`Scope`], [`UnknownScope`].
//! - **Errors:** [`Error`], [`ApiError`], [`ApiErrorCode`], [`DecodeError`],
//!   [`DecodeErrorKind`], [`InvalidInput`], [`Problem`]; redaction:
//!   [`MAX_SERVER_TEXT`], [`SECRET_FIELDS`].
//! - **Values:** ids ([`ApplicationId`], [`LicenseId`], [`AppUserId`],
//!   [`VariableId`], [`IdError`], [`numeric_order`]); [`LicenseDuration`],
//!   [`DurationError`]; [`Timestamp`], [`TimestampError`]; searches
//!   ([`TableSearch`], [`LicenseSearch`], [`UserSearch`], [`SessionSearch`],
//!   [`SearchCategory`], [`LicenseSearchCategory`], [`UserSearchCategory`],
//!   [`SessionSearchCategory`], [`SearchError`], [`QueryError`]).
//! - [`http`], re-exported: the request and response types of every
//!   signature above.
//!
//! ## Optional features
//!
//! | feature | gives |
//! |---|---|
//! | `proptest` | the `strategy` module: proptest strategies for ids, durations, searches, license specs, table rows, and whole success and error envelopes as bytes, for your property tests |
//! | `arbitrary` | `arbitrary::Arbitrary` for the same values and `ArbitraryEnvelope` (whole answers as bytes), for your cargo-fuzz targets |
//! | `jiff`, `time`, `chrono` | conversions between [`Timestamp`] and that crate's instant |
//!
//! None of them is on by default, and none of those crates is in the
//! default dependency tree. The SDK's own property tests use the `proptest`
//! strategies, and its fuzz targets check the values they generate.
//!
//! ## Ids
//!
//! Typed resource ids.
//!
//! Blazeauth ids are large integers that the API sends and receives as JSON
//! strings (`"123456789"`). They may not fit in an `f64` (whose integers are
//! exact only up to 2^53), so they are kept as their decimal digits and never
//! converted through a float.
//!
//! Each kind of resource has its own type ([`ApplicationId`], [`LicenseId`],
//! [`AppUserId`], [`VariableId`]), so one kind of id cannot be passed where
//! another is expected.
//!
//! # Strict building, lenient reading
//!
//! - [`new`](ApplicationId::new) and [`FromStr`](std::str::FromStr) are strict, because requests
//!   are built from them: 1 to 39 ASCII digits (enough for any `u128`),
//!   nothing else. Leading zeros are kept as given.
//! - `From<u64>` always succeeds.
//! - Serialization always writes a JSON string.
//! - Deserialization is lenient, so that a server-side change of format does
//!   not break reads: any non-empty string is accepted as it is (it is not
//!   checked for digits); a non-negative integer is accepted and turned into
//!   its decimal digits. An empty string, a negative integer, and any
//!   floating-point number are rejected. `serde_json` reads an unquoted
//!   integer beyond `u64` as a float, so a float is where a precision loss
//!   would show up; it is refused rather than rounded.
//!
//! ```
//! use blazeauth_core::{ApplicationId, IdError};
//!
//! let id = ApplicationId::new("18446744073709551615")?;
//! assert_eq!(serde_json::to_string(&id)?, r#""18446744073709551615""#);
//! assert_eq!(serde_json::from_str::<ApplicationId>("18446744073709551615")?, id);
//! assert_eq!(ApplicationId::from(42u64).as_str(), "42");
//! assert_eq!(ApplicationId::new("12a"), Err(IdError::NotDigits));
//!
//! // Too large for u64: serde_json would have rounded it through f64.
//! let err = serde_json::from_str::<ApplicationId>("123456789012345678901234567890").unwrap_err();
//! assert!(err.to_string().contains("precision"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Secrets
//!
//! Keeping secrets out of what the SDK stores and prints from server answers.
//!
//! A server, a proxy or an attacker in between can echo the request's
//! `Authorization` header back in an error message, an HTML page or a
//! response header, and a legitimate answer can carry runtime keys
//! (`socketKey`, `httpKey`) or passwords. Before server text is stored in an
//! error, the SDK:
//!
//! - replaces the management key, whole or its secret part alone, with
//!   `[redacted]` in the message, the JSON parser's detail and path, the raw
//!   body bytes and the header values it keeps (when the call knew the key:
//!   every call driven by [`Call`] or the [`Client`]);
//! - bounds the text it shows from the server (the message, the parser's
//!   detail) to [`MAX_SERVER_TEXT`] bytes, then a marker saying how much was cut;
//! - redacts the values of [`SECRET_FIELDS`] in body snippets and in the
//!   `Debug` of raw JSON responses.
//!
//! The raw body stays available through the errors' `body()` accessors (the
//! key removed), so nothing a caller needs to reconcile is lost. The key is
//! matched as it appears; a body that spells it with JSON `\u` escapes keeps
//! that spelling in its raw bytes, while the decoded message is scrubbed.

//!
//! ## Embedding in another runtime
//!
//! The blocking [`Client`] is one driver of the core's state machines; an
//! async runtime drives the same machines with its own HTTP client and timer,
//! and gets the same retries, the same "did it happen?" decisions and the same
//! bulk report. The whole glue is a transport function and this loop
//! (`examples/async_runtime.rs` runs it on tokio with reqwest against the
//! emulator served over HTTP):
//!
//! ```
//! use std::future::Future;
//! use std::time::Duration;
//! use blazeauth_core::http::{Request, Response};
//! use blazeauth_core::{Call, Config, Endpoint, Error, RetryPolicy, Step, TransportError};
//!
//! /// Runs one call: `send` is your HTTP client (say "not sent" only when no byte
//! /// of the request was written), `sleep` your runtime's timer.
//! async fn drive<E: Endpoint, F: Future<Output = Result<Response<Vec<u8>>, TransportError>>, W: Future<Output = ()>>(
//!     config: &Config,
//!     endpoint: &E,
//!     send: impl Fn(Request<Vec<u8>>) -> F,
//!     sleep: impl Fn(Duration) -> W,
//! ) -> Result<E::Output, Error> {
//!     let mut call = Call::new(config, endpoint, RetryPolicy::new());
//!     loop {
//!         match call.poll() {
//!             Step::Send(request) => {
//!                 let outcome = send(request).await;
//!                 call.record(outcome, 0.5 /* your random number in [0, 1] */);
//!             }
//!             Step::Wait(delay) => sleep(delay).await,
//!             Step::Done(result) => return result,
//!         }
//!     }
//! }
//!
//! // Table walks and bulk creation reuse `drive`:
//! async fn every_license<F: Future<Output = Result<Response<Vec<u8>>, TransportError>>, W: Future<Output = ()>>(
//!     config: &Config,
//!     app: blazeauth_core::ApplicationId,
//!     send: impl Fn(Request<Vec<u8>>) -> F,
//!     sleep: impl Fn(Duration) -> W,
//! ) -> Result<Vec<blazeauth_core::api::LicenseRow>, Error> {
//!     use blazeauth_core::{PagedEndpoint, Pager, api::GetLicensesTable};
//!     let first = GetLicensesTable::new(app);
//!     let (mut pager, mut rows) = (Pager::new(), Vec::new());
//!     while let Some(number) = pager.next_page() {
//!         let page = drive(config, &first.with_page(number), &send, &sleep).await?;
//!         if pager.record_page(&page)? {
//!             rows.extend(page.rows);
//!         }
//!     }
//!     Ok(rows)
//! }
//! # // Run the futures to completion: the closure transport is always ready.
//! # fn block_on<T>(future: impl Future<Output = T>) -> T {
//! #     let mut future = std::pin::pin!(future);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     loop { if let std::task::Poll::Ready(v) = future.as_mut().poll(&mut cx) { return v; } }
//! # }
//! # let key = blazeauth_core::ManagementKey::parse(
//! #     "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
//! # )?;
//! # let config = Config::new(key);
//! # let send = |_: Request<Vec<u8>>| async {
//! #     Ok::<_, TransportError>(Response::new(br#"{"success":true,"message":"ok","totalPages":1,"data":[{"id":"7","license":"K-1","levels":["pro"],"durationSeconds":60,"createdAt":"2026-01-01T00:00:00.000Z"}]}"#.to_vec()))
//! # };
//! # let sleep = |_: Duration| async {};
//! # let rows = block_on(every_license(&config, "1".parse()?, send, sleep))?;
//! # assert_eq!(rows.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Bulk creation is the same shape: `while let Some(batch) = bulk.next_request()
//! { bulk.record(drive(config, &batch, &send, &sleep).await) }`, then
//! [`bulk.finish()`](api::BulkCreate::finish) gives every key or the report.

#![forbid(unsafe_code)]
#![warn(unnameable_types)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub use http;

pub mod api;
mod api_error;
#[cfg(feature = "arbitrary")]
pub use arbitrary_impls::ArbitraryEnvelope;
#[cfg(feature = "arbitrary")]
mod arbitrary_impls;
mod call;
mod client;
mod config;
mod decode_error;
mod duration;
mod endpoint;
mod envelope;
mod error;
mod id;
mod key;
mod pager;
mod query;
mod raw;
mod redact;
mod retry;
#[cfg(any(test, feature = "proptest", feature = "arbitrary"))]
mod samples;
mod scope;
mod search;
#[cfg(any(test, feature = "proptest"))]
pub mod strategy;
mod timestamp;
mod transport;
mod validate;

pub use api_error::{ApiError, ApiErrorCode};
pub use call::{Call, Step};
pub use client::{
    Client, ClientBuilder, JitterSource, Pages, RequestOptions, Rows, SharedBackoff, Sleeper,
    TableProgress,
};
pub use config::{
    BASE_URL_ENV_VAR, BaseUrl, Config, ConfigBuilder, ConfigError, DEFAULT_BASE_URL, USER_AGENT,
};
pub use decode_error::{DecodeError, DecodeErrorKind};
pub use duration::{DurationError, LicenseDuration};
pub use endpoint::{
    Deferred, DeferredAnswer, Endpoint, MissingField, RequestParts, build_request, decode_response,
};
pub use envelope::{CreatedLicensesPayload, Data, NoPayload, Payload, RawPayload, TablePayload};
pub use error::Error;
pub use id::{AppUserId, ApplicationId, IdError, LicenseId, VariableId, numeric_order};
pub use key::{FormatProblem, KEY_ENV_VAR, KeyError, ManagementKey};
pub use pager::{
    DEFAULT_MAX_PAGES, Page, PagedEndpoint, Pager, PagerError, ParallelPager, RowOf, TablePage,
    TableRow,
};
pub use query::QueryError;
pub use raw::{RawRequest, RawResponse};
pub use redact::{MAX_SERVER_TEXT, SECRET_FIELDS};
// Hidden: the query-string codec, public for the emulator's and the fuzz
// targets' round-trip checks, not part of the API.
#[doc(hidden)]
pub use query::{append_pair, decode_component, encode_component, parse_query};
pub use retry::{AttemptOutcome, RetryClass, RetryDecision, RetryPolicy};
pub use scope::{Scope, UnknownScope};
pub use search::{
    LicenseSearch, LicenseSearchCategory, SearchCategory, SearchError, SessionSearch,
    SessionSearchCategory, TableSearch, UserSearch, UserSearchCategory,
};
pub use timestamp::{Timestamp, TimestampError};
pub use transport::{
    BoxError, Delivery, RequestTimeout, Secrets, Transport, TransportError, TransportErrorKind,
};
pub use validate::{InvalidInput, Problem};
