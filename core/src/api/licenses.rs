//! License routes (`API.md` section 4, complete): metadata, the table, creating
//! and editing licenses. Actions live in [`license_action`](super::RunLicenseAction).

use serde::{Deserialize, Serialize};

use super::{app_read_route, limits, panel_table, route};
use crate::duration::LicenseDuration;
use crate::endpoint::{Endpoint, MissingField, RequestParts};
use crate::envelope::CreatedLicensesPayload;
use crate::id::{ApplicationId, LicenseId};
use crate::pager::TableRow;
use crate::search::LicenseSearch;
use crate::validate::{InvalidInput, Problem, check_chars, check_range};

pub use super::limits::MAX_LICENSES_PER_REQUEST;

app_read_route! {
    /// `GET /api/v1/panel/get-licenses-metadata`: license counters.
    GetLicensesMetadata => LicensesMetadata, "get-licenses-metadata", LicensesRead
}

/// License counters of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LicensesMetadata {
    /// All licenses.
    #[serde(deserialize_with = "crate::envelope::count")]
    pub total_licenses: u64,
    /// Not yet activated.
    #[serde(deserialize_with = "crate::envelope::count")]
    pub available_licenses: u64,
    /// Paused.
    #[serde(deserialize_with = "crate::envelope::count")]
    pub paused_licenses: u64,
    /// Activated and running.
    #[serde(deserialize_with = "crate::envelope::count")]
    pub active_licenses: u64,
    /// Past their expiry.
    #[serde(deserialize_with = "crate::envelope::count")]
    pub expired_licenses: u64,
    /// Blacklisted.
    #[serde(deserialize_with = "crate::envelope::count")]
    pub blacklisted_licenses: u64,
}

panel_table! {
    /// `GET /api/v1/panel/get-licenses-table`: one page of licenses, optionally
    /// searched (`License`, `IPv4`, `Client id`). Walk every page with
    /// [`Client::pages`](crate::Client::pages).
    GetLicensesTable => LicenseRow, LicenseSearch, "get-licenses-table", LicensesRead, "licenses"
}

/// A row of the licenses table. Everything but the id and key may be null for
/// an unused license.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LicenseRow {
    /// The row id (for edits and actions).
    pub id: LicenseId,
    /// The license key.
    pub license: String,
    /// The client id it is bound to.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The IP address it was used from.
    #[serde(default)]
    pub ip_address: Option<String>,
    /// When it was paused , `None` when not paused.
    #[serde(default)]
    pub paused_at: Option<crate::Timestamp>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<crate::Timestamp>,
    /// When it expires.
    #[serde(default)]
    pub expires_at: Option<crate::Timestamp>,
    /// Its application.
    #[serde(default)]
    pub application_id: Option<ApplicationId>,
    /// Its comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Its settings.
    #[serde(default, rename = "applicationLicenseSettings")]
    pub settings: Option<LicenseSettings>,
    /// The app user it is linked to.
    #[serde(default, rename = "applicationUsers")]
    pub user: Option<LinkedUser>,
}

impl TableRow for LicenseRow {
    fn row_key(&self) -> impl std::hash::Hash + '_ {
        self.id.as_str()
    }
}

/// The settings of one license.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LicenseSettings {
    /// Whether activation needs a client id.
    #[serde(default)]
    pub requires_client_id: Option<bool>,
    /// Its levels.
    #[serde(default)]
    pub levels: Vec<String>,
    /// Its duration in seconds (`durationSeconds`, a number here).
    #[serde(
        default,
        rename = "durationSeconds",
        deserialize_with = "crate::envelope::opt_count"
    )]
    pub duration_seconds: Option<u64>,
    /// Its status.
    #[serde(default)]
    pub status: Option<LicenseStatus>,
}

impl LicenseSettings {
    /// The duration as a [`LicenseDuration`], when it is one (positive, in range).
    pub fn duration(&self) -> Option<LicenseDuration> {
        self.duration_seconds
            .and_then(|s| LicenseDuration::from_secs(s).ok())
    }
}

/// A license's status. The docs show only `activated`; the full set is not
/// published, so every other value arrives as [`LicenseStatus::Other`] with its
/// text (match it as a fallback only).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LicenseStatus {
    /// `activated`.
    Activated,
    /// Any other status, as sent.
    Other(String),
}

impl LicenseStatus {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            LicenseStatus::Activated => "activated",
            LicenseStatus::Other(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for LicenseStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(if s == "activated" {
            LicenseStatus::Activated
        } else {
            LicenseStatus::Other(s)
        })
    }
}

/// The app user a license is linked to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct LinkedUser {
    /// The user's login.
    #[serde(default)]
    pub login: Option<String>,
}

/// What a license is: the fields shared by create and edit.
///
/// `license` is a mask of 6–64 characters in which each `*` becomes a random
/// character (`PREMIUM-******`); `comment`, `client_id` and `ip_address` hold
/// at most 64 characters; at least one level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseSpec {
    license: String,
    levels: Vec<String>,
    duration: LicenseDuration,
    requires_client_id: bool,
    comment: Option<String>,
    client_id: Option<String>,
    ip_address: Option<String>,
}

impl LicenseSpec {
    /// A license `mask` with `levels` lasting `duration`; no client id required.
    pub fn new<S: Into<String>>(
        mask: impl Into<String>,
        levels: impl IntoIterator<Item = S>,
        duration: LicenseDuration,
    ) -> Self {
        Self {
            license: mask.into(),
            levels: levels.into_iter().map(Into::into).collect(),
            duration,
            requires_client_id: false,
            comment: None,
            client_id: None,
            ip_address: None,
        }
    }

    /// Whether activation needs a client id.
    pub fn requires_client_id(mut self, requires: bool) -> Self {
        self.requires_client_id = requires;
        self
    }

    /// A comment (at most 64 characters).
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// A client id to bind (at most 64 characters).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// An IP address (at most 64 characters).
    pub fn ip_address(mut self, ip: impl Into<String>) -> Self {
        self.ip_address = Some(ip.into());
        self
    }

    /// The license mask or key.
    pub fn license(&self) -> &str {
        &self.license
    }

    /// The duration.
    pub fn duration(&self) -> LicenseDuration {
        self.duration
    }

    /// Checks every documented constraint.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        let (min, max) = limits::LICENSE_MASK_CHARS;
        check_chars("license", &self.license, min, max)?;
        for (field, value) in [
            ("comment", &self.comment),
            ("clientId", &self.client_id),
            ("ipAddress", &self.ip_address),
        ] {
            if let Some(value) = value {
                check_chars(field, value, 0, limits::LICENSE_TEXT_MAX_CHARS)?;
            }
        }
        if self.levels.is_empty() {
            return Err(InvalidInput::new("licensesSettings.levels", Problem::Empty));
        }
        Ok(())
    }

    fn write(&self, count: u64, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Settings<'a> {
            levels: &'a [String],
            duration_seconds: LicenseDuration,
            requires_client_id: bool,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            count: u64,
            license: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            comment: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            client_id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            ip_address: Option<&'a str>,
            licenses_settings: Settings<'a>,
        }
        self.validate()?;
        parts.json_body(&Body {
            count,
            license: &self.license,
            comment: self.comment.as_deref(),
            client_id: self.client_id.as_deref(),
            ip_address: self.ip_address.as_deref(),
            licenses_settings: Settings {
                levels: &self.levels,
                duration_seconds: self.duration,
                requires_client_id: self.requires_client_id,
            },
        })?;
        Ok(())
    }
}

/// `POST /api/v1/panel/create-licenses`: creates 1–256 licenses from a spec;
/// returns the created keys. For more, use [`BulkCreate`](super::BulkCreate).
/// A mutation: never resent when its outcome is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateLicenses {
    application_id: ApplicationId,
    spec: LicenseSpec,
    count: u64,
}

impl CreateLicenses {
    /// A request to create `count` licenses (1–256) from `spec`. The
    /// arguments are in the order of
    /// [`Client::create_licenses_bulk`](crate::Client::create_licenses_bulk),
    /// which takes any count.
    pub fn new(application_id: impl Into<ApplicationId>, spec: LicenseSpec, count: u64) -> Self {
        Self {
            application_id: application_id.into(),
            spec,
            count,
        }
    }

    /// How many licenses it creates.
    pub fn count(&self) -> u64 {
        self.count
    }
}

impl Endpoint for CreateLicenses {
    type Payload = CreatedLicensesPayload;
    type Output = Vec<String>;
    route!(POST, "create-licenses", LicensesCreate);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        check_range("count", self.count, 1, u64::from(MAX_LICENSES_PER_REQUEST))?;
        parts.query("applicationId", self.application_id.as_str());
        self.spec.write(self.count, parts)
    }

    fn output(
        &self,
        _: Option<String>,
        payload: CreatedLicensesPayload,
    ) -> Result<Vec<String>, MissingField> {
        payload
            .created_licenses
            .ok_or(MissingField("createdLicenses"))
    }
}

/// `PATCH /api/v1/panel/edit-licenses`: replaces one license's key, settings
/// and details. Sends `count: 1`, which the server ignores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditLicense {
    application_id: ApplicationId,
    license_id: LicenseId,
    spec: LicenseSpec,
}

impl EditLicense {
    /// A request to set license `license_id` to `spec` (its `license` is the new key).
    pub fn new(
        application_id: impl Into<ApplicationId>,
        license_id: impl Into<LicenseId>,
        spec: LicenseSpec,
    ) -> Self {
        Self {
            application_id: application_id.into(),
            license_id: license_id.into(),
            spec,
        }
    }
}

impl Endpoint for EditLicense {
    type Payload = CreatedLicensesPayload;
    type Output = super::Done;
    route!(PATCH, "edit-licenses", LicensesUpdate);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        parts.query("applicationId", self.application_id.as_str());
        parts.query("licenseId", self.license_id.as_str());
        self.spec.write(1, parts)
    }

    fn output(
        &self,
        message: Option<String>,
        _: CreatedLicensesPayload,
    ) -> Result<super::Done, MissingField> {
        Ok(super::done(message))
    }
}
