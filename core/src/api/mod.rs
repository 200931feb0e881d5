//! The typed routes: one type per documented route, each an [`Endpoint`](crate::Endpoint).
//!
//! | route | type | scope |
//! |---|---|---|
//! | `GET get-applications` | [`GetApplications`] | `applications:read` |
//! | `POST create-application` | [`CreateApplication`] | `applications:create` |
//! | `POST create-application-license-levels` | [`CreateLicenseLevels`] | `applications:update` |
//! | `GET get-application-license-levels` | [`GetLicenseLevels`] | `applications:read` |
//! | `PATCH update-application-settings` | [`UpdateApplicationSettings`] | `applications:update` |
//! | `PATCH update-api-keys` | [`RotateRuntimeKey`] | `applications:update` |
//! | `GET get-application-settings` | [`GetApplicationSettings`] | `applications:read` |
//! | `DELETE delete-application` | [`DeleteApplication`] | `applications:delete` |
//! | `GET get-licenses-metadata` | [`GetLicensesMetadata`] | `licenses:read` |
//! | `GET get-licenses-table` | [`GetLicensesTable`] | `licenses:read` |
//! | `POST create-licenses` | [`CreateLicenses`] | `licenses:create` |
//! | `PATCH edit-licenses` | [`EditLicense`] | `licenses:update` |
//! | `POST license-action` | [`RunLicenseAction`] | per [`LicenseAction`] |
//! | `GET get-users-metadata` | [`GetUsersMetadata`] | `app_users:read` |
//! | `GET get-users-table` | [`GetUsersTable`] | `app_users:read` |
//! | `POST create-user` (partly documented) | [`CreateAppUser`] | `app_users:create` |
//! | `GET get-variables` | [`GetVariables`] | `variables:read` |
//! | `POST create-variable` | [`CreateVariable`] | `variables:create` |
//! | `PATCH edit-variable` | [`EditVariable`] | `variables:update` |
//! | `POST get-presigned-upload-url` | [`GetUploadUrl`] | `files:upload` |
//! | `POST check-file-name` (response undocumented) | [`CheckFileName`] | `files:upload` |
//! | `GET /api/v1/wss/get-application-sessions` | [`GetSessions`] | `sessions:read` |
//! | `GET get-account-limits` | [`GetAccountLimits`] | `account:read` |
//!
//! Routes the docs only name (blacklists, the rest of app users and files,
//! deleting variables, disconnecting sessions) go through
//! [`RawRequest`](crate::RawRequest).
//!
//! Creating more than 256 licenses goes through [`BulkCreate`] (a state
//! machine) or [`Client::create_licenses_bulk`](crate::Client::create_licenses_bulk).
//!
//! ## The leniency rule
//!
//! Requests are strict: every constraint the docs state is checked before
//! sending, and no other (where a check exists for another reason, a comment
//! beside it says why). Responses are lenient, by one rule applied to every
//! route:
//! - **unknown fields** are ignored, and unknown enum values arrive in an
//!   `Other` variant with their text (error codes, statuses, strategies);
//! - **numbers** (counts, totals, page counts, durations in seconds,
//!   millisecond times) are read from a JSON number or a numeric string
//!   (`3` or `"3"`); ids from a string or a non-negative integer
//!   ([ids](crate#ids));
//! - **every field the docs do not show as always present** is an `Option`
//!   and may be absent or `null`; the fields a route cannot be used without
//!   (ids, names, license keys, the settings booleans and status, the page
//!   totals) are required, and their absence is a decode error naming the
//!   field;
//! - **dates** (ISO 8601 text, or milliseconds for live sessions) decode into
//!   [`Timestamp`](crate::Timestamp), which keeps the server's text.

mod account;
mod app_users;
mod applications;
mod bulk;
mod files;
mod license_action;
mod licenses;
mod sessions;
mod variables;

pub use account::*;
pub use app_users::*;
pub use applications::*;
pub use bulk::*;
pub use files::*;
pub use license_action::*;
pub use licenses::*;
pub use sessions::*;
pub use variables::*;

/// The documented limits the typed routes check before sending (lengths in
/// characters, see [`validate`](crate::validate)). Private: the emulator keeps
/// its own copy, written from the documentation, so that the two can be
/// checked against each other; [`MAX_LICENSES_PER_REQUEST`] is re-exported
/// for callers that plan batches.
pub(crate) mod limits {
    /// Application name: 6 to 32 characters.
    pub const APPLICATION_NAME_CHARS: (usize, usize) = (6, 32);
    /// One application license level, after trimming: 1 to 16 characters.
    pub const LEVEL_CHARS: (usize, usize) = (1, 16);
    /// License key or mask: 6 to 64 characters.
    pub const LICENSE_MASK_CHARS: (usize, usize) = (6, 64);
    /// A license's comment, client id and IP address: at most 64 characters.
    pub const LICENSE_TEXT_MAX_CHARS: usize = 64;
    /// Licenses created by one `create-licenses` request: at most 256.
    pub const MAX_LICENSES_PER_REQUEST: u32 = 256;
    /// Variable name: 3 to 64 characters.
    pub const VARIABLE_NAME_CHARS: (usize, usize) = (3, 64);
    /// Variable description: at most 64 characters.
    pub const VARIABLE_DESCRIPTION_MAX_CHARS: usize = 64;
    /// Variable value: at most 16,000 characters.
    pub const VARIABLE_VALUE_MAX_CHARS: usize = 16_000;
    /// File name, after trimming: 4 to 16 characters.
    pub const FILE_NAME_CHARS: (usize, usize) = (4, 16);
}

/// The prefix of every panel route.
pub const PANEL: &str = "/api/v1/panel";

/// Implements the parts of [`Endpoint`](crate::Endpoint) every typed route
/// writes the same way: method, path (a name under [`PANEL`], or a whole
/// path after `path`) and scope. The README's API coverage test reads these
/// invocations to know which routes are typed.
macro_rules! route {
    ($method:ident, path $path:literal, $scope:ident) => {
        fn method(&self) -> http::Method {
            http::Method::$method
        }
        fn path(&self) -> &str {
            $path
        }
        fn scope(&self) -> Option<crate::Scope> {
            Some(crate::Scope::$scope)
        }
    };
    ($method:ident, $path:literal, |$this:ident| $scope:expr) => {
        fn method(&self) -> http::Method {
            http::Method::$method
        }
        fn path(&self) -> &str {
            concat!("/api/v1/panel/", $path)
        }
        fn scope(&self) -> Option<crate::Scope> {
            let $this = self;
            Some($scope)
        }
    };
    ($method:ident, $path:literal, $scope:ident) => {
        fn method(&self) -> http::Method {
            http::Method::$method
        }
        fn path(&self) -> &str {
            concat!("/api/v1/panel/", $path)
        }
        fn scope(&self) -> Option<crate::Scope> {
            Some(crate::Scope::$scope)
        }
    };
}
pub(crate) use route;

/// Defines an application-scoped read route: a type holding the application id
/// that sends it as `applicationId` and returns the envelope's `data`.
macro_rules! app_read_route {
    ($(#[$doc:meta])* $name:ident => $output:ty, $path:literal, $scope:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            application_id: crate::id::ApplicationId,
        }

        impl $name {
            /// The request for `application_id`.
            pub fn new(application_id: impl Into<crate::id::ApplicationId>) -> Self {
                Self { application_id: application_id.into() }
            }
        }

        impl crate::endpoint::Endpoint for $name {
            type Payload = crate::envelope::Data<$output>;
            type Output = $output;
            crate::api::route!(GET, $path, $scope);

            fn write(&self, parts: &mut crate::endpoint::RequestParts) -> Result<(), crate::validate::InvalidInput> {
                parts.query("applicationId", self.application_id.as_str());
                Ok(())
            }

            fn output(
                &self,
                _: Option<String>,
                payload: Self::Payload,
            ) -> Result<$output, crate::endpoint::MissingField> {
                payload.data.ok_or(crate::endpoint::MissingField("data"))
            }
        }
    };
}
pub(crate) use app_read_route;

/// Defines a panel table route (`currentPage` in, `data` rows and the
/// top-level `totalPages` out, optional `searchParams`): the request type,
/// its `Endpoint` and its `PagedEndpoint`.
macro_rules! panel_table {
    ($(#[$doc:meta])* $name:ident => $row:ty, $search:ty, $path:literal, $scope:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            application_id: crate::id::ApplicationId,
            page: u32,
            search: Option<$search>,
        }

        impl $name {
            #[doc = concat!("Page 1 of the application's ", $what, ".")]
            pub fn new(application_id: impl Into<crate::id::ApplicationId>) -> Self {
                Self {
                    application_id: application_id.into(),
                    page: 1,
                    search: None,
                }
            }

            /// Asks for page `page` (from 1).
            pub fn page(mut self, page: u32) -> Self {
                self.page = page;
                self
            }

            /// Filters by a search string in the given categories (sent as `searchParams`).
            pub fn search(mut self, search: $search) -> Self {
                self.search = Some(search);
                self
            }
        }

        impl crate::endpoint::Endpoint for $name {
            type Payload = crate::envelope::TablePayload<$row>;
            type Output = crate::pager::Page<$row>;
            crate::api::route!(GET, $path, $scope);

            fn write(
                &self,
                parts: &mut crate::endpoint::RequestParts,
            ) -> Result<(), crate::validate::InvalidInput> {
                crate::validate::check_range(
                    "currentPage",
                    u64::from(self.page),
                    1,
                    u64::from(u32::MAX),
                )?;
                parts.query("applicationId", self.application_id.as_str());
                parts.query("currentPage", &self.page.to_string());
                if let Some(search) = &self.search {
                    search.append_to_query(parts.query_string_mut());
                }
                Ok(())
            }

            fn output(
                &self,
                _: Option<String>,
                payload: Self::Payload,
            ) -> Result<crate::pager::Page<$row>, crate::endpoint::MissingField> {
                Ok(crate::pager::Page {
                    rows: payload.data.ok_or(crate::endpoint::MissingField("data"))?,
                    page: self.page,
                    total_pages: payload
                        .total_pages
                        .ok_or(crate::endpoint::MissingField("totalPages"))?,
                })
            }
        }

        impl crate::pager::PagedEndpoint for $name {
            fn page_number(&self) -> u32 {
                self.page
            }

            fn with_page(&self, page: u32) -> Self {
                Self {
                    page,
                    ..self.clone()
                }
            }
        }
    };
}
pub(crate) use panel_table;

/// Message-only routes return this: the server's confirmation message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// The server's `message` (e.g. `Successfully create application`), empty when it sent none.
    pub message: String,
}

pub(crate) fn done(message: Option<String>) -> Done {
    Done {
        message: message.unwrap_or_default(),
    }
}
