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
//! - [`Client`]: runs endpoints with a transport, the [`RetryPolicy`], and an
//!   injectable [`Sleeper`]; [`Client::pages`] walks tables through a [`Pager`].
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
//! let levels = client.send(&api::GetLicenseLevels::new("123456789".parse()?))?;
//! assert_eq!(levels, ["basic", "pro"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub use http;

pub mod api;
pub mod api_error;
pub mod call;
pub mod client;
pub mod config;
pub mod decode_error;
pub mod duration;
pub mod endpoint;
pub mod envelope;
pub mod error;
pub mod id;
pub mod key;
pub mod pager;
pub mod query;
pub mod raw;
pub mod retry;
pub mod scope;
pub mod search;
pub mod transport;
pub mod validate;

pub use api_error::{ApiError, ApiErrorCode};
pub use call::{Call, Step};
pub use client::{Client, ClientBuilder, JitterSource, Pages, RequestOptions, Rows, Sleeper};
pub use config::{
    BASE_URL_ENV_VAR, BaseUrl, Config, ConfigBuilder, ConfigError, DEFAULT_BASE_URL, USER_AGENT,
};
pub use decode_error::{DecodeError, DecodeErrorKind};
pub use duration::{DurationError, LicenseDuration};
pub use endpoint::{Endpoint, MissingField, RequestParts, build_request, decode_response};
pub use error::Error;
pub use id::{AppUserId, ApplicationId, IdError, LicenseId, VariableId};
pub use key::{FormatProblem, KEY_ENV_VAR, KeyError, ManagementKey};
pub use pager::{DEFAULT_MAX_PAGES, Page, PagedEndpoint, Pager, PagerError, TableRow};
pub use raw::{RawRequest, RawResponse};
pub use retry::{AttemptOutcome, RetryClass, RetryDecision, RetryPolicy};
pub use scope::{Scope, UnknownScope};
pub use search::{
    LicenseSearch, LicenseSearchCategory, SearchCategory, SearchError, SessionSearch,
    SessionSearchCategory, TableSearch, UserSearch, UserSearchCategory,
};
pub use transport::{
    BoxError, Delivery, RequestTimeout, Transport, TransportError, TransportErrorKind,
};
pub use validate::{InvalidInput, Problem};
