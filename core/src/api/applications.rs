//! Application routes (`API.md` section 3, complete): listing and creating
//! applications, license levels, settings, runtime keys, deletion.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Done, app_read_route, done, limits, route};
use crate::endpoint::{Endpoint, MissingField, RequestParts};
use crate::envelope::{Data, NoPayload};
use crate::id::ApplicationId;
use crate::validate::{InvalidInput, Problem, check_chars};

/// `GET /api/v1/panel/get-applications`: every application the key may see (a
/// key restricted to some applications sees only those).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetApplications;

impl Endpoint for GetApplications {
    type Payload = Data<Vec<Application>>;
    type Output = Vec<Application>;
    route!(GET, "get-applications", ApplicationsRead);

    fn write(&self, _: &mut RequestParts) -> Result<(), InvalidInput> {
        Ok(())
    }

    fn output(
        &self,
        _: Option<String>,
        payload: Self::Payload,
    ) -> Result<Self::Output, MissingField> {
        payload.data.ok_or(MissingField("data"))
    }
}

/// An application.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Application {
    /// Its id.
    pub id: ApplicationId,
    /// Its name.
    pub name: String,
    /// Its runtime keys (shown in the docs' example).
    #[serde(default, rename = "applicationApiKeys")]
    pub runtime_keys: Option<RuntimeKeys>,
}

/// An application's runtime keys: the keys its desktop clients use. Secrets:
/// `Debug` redacts them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RuntimeKeys {
    /// The WebSocket key.
    #[serde(default)]
    pub socket_key: Option<RuntimeKey>,
    /// The HTTP key.
    #[serde(default)]
    pub http_key: Option<RuntimeKey>,
    /// When they last changed .
    #[serde(default)]
    pub updated_at: Option<crate::Timestamp>,
}

/// One runtime key; shown only through [`RuntimeKey::expose_secret`].
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct RuntimeKey(String);

impl RuntimeKey {
    /// The key itself.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RuntimeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RuntimeKey([redacted])")
    }
}

/// `POST /api/v1/panel/create-application`: creates an application named
/// `name` (6–32 characters). Needs `applications:create` and a key for all
/// applications. The response holds no id: list applications to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateApplication {
    name: String,
}

impl CreateApplication {
    /// A request to create an application called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }
}

impl Endpoint for CreateApplication {
    type Payload = NoPayload;
    type Output = Done;
    route!(POST, "create-application", ApplicationsCreate);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        let (min, max) = limits::APPLICATION_NAME_CHARS;
        check_chars("name", &self.name, min, max)?;
        #[derive(Serialize)]
        struct Body<'a> {
            name: &'a str,
        }
        parts.json_body(&Body { name: &self.name })?;
        Ok(())
    }

    fn output(&self, message: Option<String>, _: NoPayload) -> Result<Done, MissingField> {
        Ok(done(message))
    }
}

/// `POST /api/v1/panel/create-application-license-levels`: saves the
/// application's license levels. At least one level; each 1–16 characters after
/// trimming; unique (compared after trimming). Levels are sent as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateLicenseLevels {
    application_id: ApplicationId,
    levels: Vec<String>,
}

impl CreateLicenseLevels {
    /// A request to save `levels` for the application.
    pub fn new<S: Into<String>>(
        application_id: impl Into<ApplicationId>,
        levels: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            application_id: application_id.into(),
            levels: levels.into_iter().map(Into::into).collect(),
        }
    }
}

/// Checks application license levels as documented: at least one, each 1 to
/// 16 characters after trimming, unique after trimming. Errors name the
/// level, e.g. `levels[2]`.
pub(crate) fn check_levels<S: AsRef<str>>(levels: &[S]) -> Result<(), InvalidInput> {
    if levels.is_empty() {
        return Err(InvalidInput::new("levels", Problem::Empty));
    }
    let (min, max) = limits::LEVEL_CHARS;
    for (i, level) in levels.iter().enumerate() {
        let trimmed = level.as_ref().trim();
        check_chars(format!("levels[{i}]"), trimmed, min, max)?;
        if levels
            .iter()
            .take(i)
            .any(|earlier| earlier.as_ref().trim() == trimmed)
        {
            return Err(InvalidInput::new(
                format!("levels[{i}]"),
                Problem::Duplicate {
                    value: trimmed.to_owned(),
                },
            ));
        }
    }
    Ok(())
}

impl Endpoint for CreateLicenseLevels {
    type Payload = NoPayload;
    type Output = Done;
    route!(
        POST,
        "create-application-license-levels",
        ApplicationsUpdate
    );

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        check_levels(&self.levels)?;
        #[derive(Serialize)]
        struct Body<'a> {
            levels: &'a [String],
        }
        parts.query("applicationId", self.application_id.as_str());
        parts.json_body(&Body {
            levels: &self.levels,
        })?;
        Ok(())
    }

    fn output(&self, message: Option<String>, _: NoPayload) -> Result<Done, MissingField> {
        Ok(done(message))
    }
}

app_read_route! {
    /// `GET /api/v1/panel/get-application-license-levels`: the application's license levels.
    GetLicenseLevels => Vec<String>, "get-application-license-levels", ApplicationsRead
}

/// An application's live status.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApplicationStatus {
    /// `online`: clients may connect.
    Online,
    /// `paused`: clients are told the application is paused.
    Paused,
    /// A status this version of the SDK does not know, kept as sent.
    Other(String),
}

impl ApplicationStatus {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            ApplicationStatus::Online => "online",
            ApplicationStatus::Paused => "paused",
            ApplicationStatus::Other(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for ApplicationStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(match s.as_str() {
            "online" => ApplicationStatus::Online,
            "paused" => ApplicationStatus::Paused,
            _ => ApplicationStatus::Other(s),
        })
    }
}

/// One setting to change, with a value of the type that setting takes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingChange {
    /// `applicationLicenseRequiresClientId`.
    LicenseRequiresClientId(bool),
    /// `applicationUserRequiresClientId`.
    UserRequiresClientId(bool),
    /// `applicationUserRequiresLicense`.
    UserRequiresLicense(bool),
    /// `version`: connected clients are told of the update.
    Version(String),
    /// `status`: pausing notifies connected clients.
    Status(AppStatusSetting),
}

/// The two statuses an application can be set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppStatusSetting {
    /// `online`.
    Online,
    /// `paused`.
    Paused,
}

/// `PATCH /api/v1/panel/update-application-settings`: changes one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateApplicationSettings {
    application_id: ApplicationId,
    change: SettingChange,
}

impl UpdateApplicationSettings {
    /// A request to apply `change`.
    pub fn new(application_id: impl Into<ApplicationId>, change: SettingChange) -> Self {
        Self {
            application_id: application_id.into(),
            change,
        }
    }
}

impl Endpoint for UpdateApplicationSettings {
    type Payload = NoPayload;
    type Output = Done;
    route!(PATCH, "update-application-settings", ApplicationsUpdate);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Value<'a> {
            Bool(bool),
            Text(&'a str),
        }
        #[derive(Serialize)]
        struct Body<'a> {
            field: &'static str,
            value: Value<'a>,
        }
        let (field, value) = match &self.change {
            SettingChange::LicenseRequiresClientId(b) => {
                ("applicationLicenseRequiresClientId", Value::Bool(*b))
            }
            SettingChange::UserRequiresClientId(b) => {
                ("applicationUserRequiresClientId", Value::Bool(*b))
            }
            SettingChange::UserRequiresLicense(b) => {
                ("applicationUserRequiresLicense", Value::Bool(*b))
            }
            // Any text, empty included: the docs state no constraint on it.
            SettingChange::Version(v) => ("version", Value::Text(v)),
            SettingChange::Status(AppStatusSetting::Online) => ("status", Value::Text("online")),
            SettingChange::Status(AppStatusSetting::Paused) => ("status", Value::Text("paused")),
        };
        parts.query("applicationId", self.application_id.as_str());
        parts.json_body(&Body { field, value })?;
        Ok(())
    }

    fn output(&self, message: Option<String>, _: NoPayload) -> Result<Done, MissingField> {
        Ok(done(message))
    }
}

/// Which runtime key to rotate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuntimeKeyType {
    /// `socketKey`.
    SocketKey,
    /// `httpKey`.
    HttpKey,
}

impl RuntimeKeyType {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            RuntimeKeyType::SocketKey => "socketKey",
            RuntimeKeyType::HttpKey => "httpKey",
        }
    }
}

/// `PATCH /api/v1/panel/update-api-keys`: rotates one of the application's
/// **runtime** keys (not management keys). Rate limited to 2 rotations per hour;
/// over the limit the server answers an error (the emulator: 429 with `Retry-After`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotateRuntimeKey {
    application_id: ApplicationId,
    key_type: RuntimeKeyType,
}

impl RotateRuntimeKey {
    /// A request to rotate `key_type`.
    pub fn new(application_id: impl Into<ApplicationId>, key_type: RuntimeKeyType) -> Self {
        Self {
            application_id: application_id.into(),
            key_type,
        }
    }
}

impl Endpoint for RotateRuntimeKey {
    type Payload = NoPayload;
    type Output = Done;
    route!(PATCH, "update-api-keys", ApplicationsUpdate);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        #[derive(Serialize)]
        struct Body {
            #[serde(rename = "type")]
            key_type: &'static str,
        }
        parts.query("applicationId", self.application_id.as_str());
        parts.json_body(&Body {
            key_type: self.key_type.as_str(),
        })?;
        Ok(())
    }

    fn output(&self, message: Option<String>, _: NoPayload) -> Result<Done, MissingField> {
        Ok(done(message))
    }
}

app_read_route! {
    /// `GET /api/v1/panel/get-application-settings`.
    GetApplicationSettings => ApplicationSettings, "get-application-settings", ApplicationsRead
}

/// An application's settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ApplicationSettings {
    /// `applicationLicenseRequiresClientId`.
    #[serde(rename = "applicationLicenseRequiresClientId")]
    pub license_requires_client_id: bool,
    /// `applicationUserRequiresClientId`.
    #[serde(rename = "applicationUserRequiresClientId")]
    pub user_requires_client_id: bool,
    /// `applicationUserRequiresLicense`.
    #[serde(rename = "applicationUserRequiresLicense")]
    pub user_requires_license: bool,
    /// The application's version string (`None` when the server sends `null`
    /// or leaves it out).
    #[serde(default)]
    pub version: Option<String>,
    /// Online or paused.
    pub status: ApplicationStatus,
}

/// `DELETE /api/v1/panel/delete-application`: deletes the application and
/// everything it owns, and notifies its connected clients. Sends the documented
/// `"code": ""` (ignored for management keys) in a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteApplication {
    application_id: ApplicationId,
}

impl DeleteApplication {
    /// A request to delete the application.
    pub fn new(application_id: impl Into<ApplicationId>) -> Self {
        Self {
            application_id: application_id.into(),
        }
    }
}

impl Endpoint for DeleteApplication {
    type Payload = NoPayload;
    type Output = Done;
    route!(DELETE, "delete-application", ApplicationsDelete);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            application_id: &'a ApplicationId,
            code: &'static str,
        }
        parts.json_body(&Body {
            application_id: &self.application_id,
            code: "",
        })?;
        Ok(())
    }

    fn output(&self, message: Option<String>, _: NoPayload) -> Result<Done, MissingField> {
        Ok(done(message))
    }
}
