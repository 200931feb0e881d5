//! App user routes (`API.md` section 5, partial): the users metadata, the users
//! table, and creating a user.
//!
//! The other app-user operations (reset a client id, link a license, edit,
//! delete one, delete all) exist but their routes are not documented: send
//! them with a [`RawRequest`](crate::RawRequest).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Done, done, panel_table, route};
use crate::endpoint::{Endpoint, MissingField, RequestParts};
use crate::envelope::{Data, NoPayload};
use crate::id::{AppUserId, ApplicationId};
use crate::pager::TableRow;
use crate::search::UserSearch;
use crate::validate::{InvalidInput, Problem};

/// `GET /api/v1/panel/get-users-metadata`: how many app users an application
/// has, optionally counting only those a search matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetUsersMetadata {
    application_id: ApplicationId,
    search: Option<UserSearch>,
}

impl GetUsersMetadata {
    /// The counters of `application_id`'s users.
    pub fn new(application_id: impl Into<ApplicationId>) -> Self {
        Self {
            application_id: application_id.into(),
            search: None,
        }
    }

    /// Counts only the users `search` matches (sent as `searchParams`).
    pub fn search(mut self, search: UserSearch) -> Self {
        self.search = Some(search);
        self
    }
}

impl Endpoint for GetUsersMetadata {
    type Payload = Data<UsersMetadata>;
    type Output = UsersMetadata;
    route!(GET, "get-users-metadata", AppUsersRead);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        parts.query("applicationId", self.application_id.as_str());
        if let Some(search) = &self.search {
            search.append_to_query(parts.query_string_mut());
        }
        Ok(())
    }

    fn output(
        &self,
        _: Option<String>,
        payload: Self::Payload,
    ) -> Result<UsersMetadata, MissingField> {
        payload.data.ok_or(MissingField("data"))
    }
}

/// App user counters of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UsersMetadata {
    /// Users (matching the search, when one was sent).
    #[serde(deserialize_with = "crate::envelope::count")]
    pub total_users: u64,
}

panel_table! {
    /// `GET /api/v1/panel/get-users-table`: one page of an application's
    /// users, optionally searched (`Login`, `IPv4`, `Client id`). Walk every
    /// page with [`Client::pages`](crate::Client::pages).
    GetUsersTable => UserRow, UserSearch, "get-users-table", AppUsersRead, "app users"
}

/// A row of the users table. Only the id and login are required; everything
/// else the documented example shows is optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserRow {
    /// The user's id.
    pub id: AppUserId,
    /// The user's login.
    pub login: String,
    /// Its application.
    #[serde(default)]
    pub application_id: Option<ApplicationId>,
    /// Its comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// The client id it is bound to.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The IP address it was used from.
    #[serde(default)]
    pub ip_address: Option<String>,
    /// Its settings.
    #[serde(default, rename = "applicationUserSettings")]
    pub settings: Option<UserSettings>,
    /// When it was created .
    #[serde(default)]
    pub created_at: Option<crate::Timestamp>,
}

impl TableRow for UserRow {
    fn row_key(&self) -> impl std::hash::Hash + '_ {
        self.id.as_str()
    }
}

/// The settings of one app user, as the users table shows them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserSettings {
    /// Its levels.
    #[serde(default)]
    pub levels: Vec<String>,
    /// Whether signing in needs a license.
    #[serde(default)]
    pub requires_license: Option<bool>,
    /// How the user signs in (seen: `email_password`; kept as sent).
    #[serde(default)]
    pub credentials_type: Option<String>,
    /// Whether signing in needs a client id.
    #[serde(default)]
    pub requires_client_id: Option<bool>,
}

/// `POST /api/v1/panel/create-user`: creates an app user.
///
/// **Partly documented.** The docs show one example body,
/// `{login, password, comment, clientId, ipAddress, applicationUserSettings:
/// {levels, requiresLicense, ...}}`, and neither the field limits nor the
/// response. So:
/// - the fields of the example are typed; `comment`, `clientId` and
///   `ipAddress` are sent only when set;
/// - further `applicationUserSettings` fields (the `...` of the example) go
///   through [`setting`](Self::setting) as JSON, unchecked;
/// - no length or format is checked (none is documented): the server's
///   refusal comes back as an [`ApiError`](crate::ApiError);
/// - the output is the server's message ([`Done`]); the response may hold
///   more, which is ignored (use a [`RawRequest`](crate::RawRequest) to see
///   it).
///
/// A mutation: never resent when its outcome is unknown. `Debug` hides the
/// password.
#[derive(Clone, PartialEq)]
pub struct CreateAppUser {
    application_id: ApplicationId,
    login: String,
    password: String,
    comment: Option<String>,
    client_id: Option<String>,
    ip_address: Option<String>,
    levels: Vec<String>,
    requires_license: bool,
    extra_settings: serde_json::Map<String, serde_json::Value>,
}

impl CreateAppUser {
    /// A user signing in with `login` and `password`, with no levels and no
    /// license required.
    pub fn new(
        application_id: impl Into<ApplicationId>,
        login: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            application_id: application_id.into(),
            login: login.into(),
            password: password.into(),
            comment: None,
            client_id: None,
            ip_address: None,
            levels: Vec::new(),
            requires_license: false,
            extra_settings: serde_json::Map::new(),
        }
    }

    /// Its levels (`applicationUserSettings.levels`).
    pub fn levels<S: Into<String>>(mut self, levels: impl IntoIterator<Item = S>) -> Self {
        self.levels = levels.into_iter().map(Into::into).collect();
        self
    }

    /// Whether signing in needs a license (`applicationUserSettings.requiresLicense`).
    pub fn requires_license(mut self, requires: bool) -> Self {
        self.requires_license = requires;
        self
    }

    /// A comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// A client id to bind.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// An IP address.
    pub fn ip_address(mut self, ip: impl Into<String>) -> Self {
        self.ip_address = Some(ip.into());
        self
    }

    /// A further `applicationUserSettings` field the docs do not list (for
    /// example `requiresClientId`, which the users table shows), sent as it
    /// is. `levels` and `requiresLicense` are refused here when sending: set
    /// them with their own methods.
    pub fn setting(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra_settings.insert(name.into(), value);
        self
    }

    /// The login.
    pub fn login(&self) -> &str {
        &self.login
    }
}

impl fmt::Debug for CreateAppUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateAppUser")
            .field("application_id", &self.application_id)
            .field("login", &self.login)
            .field("password", &"[redacted]")
            .field("comment", &self.comment)
            .field("client_id", &self.client_id)
            .field("ip_address", &self.ip_address)
            .field("levels", &self.levels)
            .field("requires_license", &self.requires_license)
            .field("extra_settings", &self.extra_settings)
            .finish()
    }
}

impl Endpoint for CreateAppUser {
    type Payload = NoPayload;
    type Output = Done;
    route!(POST, "create-user", AppUsersCreate);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Settings<'a> {
            levels: &'a [String],
            requires_license: bool,
            #[serde(flatten)]
            extra: &'a serde_json::Map<String, serde_json::Value>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            login: &'a str,
            password: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            comment: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            client_id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            ip_address: Option<&'a str>,
            application_user_settings: Settings<'a>,
        }
        for typed in ["levels", "requiresLicense"] {
            if self.extra_settings.contains_key(typed) {
                return Err(InvalidInput::new(
                    format!("applicationUserSettings.{typed}"),
                    Problem::Format {
                        reason: format!(
                            "is set by its own method; do not pass it through `setting(\"{typed}\", ..)`"
                        ),
                    },
                ));
            }
        }
        parts.query("applicationId", self.application_id.as_str());
        parts.json_body(&Body {
            login: &self.login,
            password: &self.password,
            comment: self.comment.as_deref(),
            client_id: self.client_id.as_deref(),
            ip_address: self.ip_address.as_deref(),
            application_user_settings: Settings {
                levels: &self.levels,
                requires_license: self.requires_license,
                extra: &self.extra_settings,
            },
        })?;
        Ok(())
    }

    fn output(&self, message: Option<String>, _: NoPayload) -> Result<Done, MissingField> {
        Ok(done(message))
    }
}
