//! `POST /api/v1/panel/license-action`: the 13 license actions, each
//! expressible only with the fields it needs and carrying its own scope
//! (`delete_*` need `licenses:delete`, the rest `licenses:update`).

use serde::Serialize;

use super::{Done, done, route};
use crate::duration::LicenseDuration;
use crate::endpoint::{Endpoint, MissingField, RequestParts};
use crate::envelope::NoPayload;
use crate::id::{ApplicationId, LicenseId};
use crate::scope::Scope;
use crate::validate::InvalidInput;

/// One license action with exactly the fields it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LicenseAction {
    /// `add_time_to_every_license`.
    AddTimeToEveryLicense {
        /// Time to add.
        duration: LicenseDuration,
    },
    /// `pause_every_license`.
    PauseEveryLicense,
    /// `unpause_every_license`.
    UnpauseEveryLicense,
    /// `delete_every_license` (`licenses:delete`).
    DeleteEveryLicense,
    /// `extend_duration_license`.
    Extend {
        /// The license.
        license_id: LicenseId,
        /// Time to add.
        duration: LicenseDuration,
    },
    /// `reset_client_id_license`.
    ResetClientId {
        /// The license.
        license_id: LicenseId,
    },
    /// `pause_license`.
    Pause {
        /// The license.
        license_id: LicenseId,
    },
    /// `unpause_license`.
    Unpause {
        /// The license.
        license_id: LicenseId,
    },
    /// `delete_license` (`licenses:delete`).
    Delete {
        /// The license.
        license_id: LicenseId,
    },
    /// `blacklist_license`.
    Blacklist {
        /// The license.
        license_id: LicenseId,
    },
    /// `unblacklist_license`.
    Unblacklist {
        /// The license.
        license_id: LicenseId,
    },
    /// `reinitialize_license`.
    Reinitialize {
        /// The license.
        license_id: LicenseId,
    },
    /// `link_license_to_user`.
    LinkToUser {
        /// The license.
        license_id: LicenseId,
        /// The app user's login.
        user_login: String,
    },
}

impl LicenseAction {
    /// `add_time_to_every_license`: adds `duration` to every license.
    pub fn add_time_to_every_license(duration: LicenseDuration) -> Self {
        LicenseAction::AddTimeToEveryLicense { duration }
    }

    /// `pause_every_license`.
    pub fn pause_every_license() -> Self {
        LicenseAction::PauseEveryLicense
    }

    /// `unpause_every_license`.
    pub fn unpause_every_license() -> Self {
        LicenseAction::UnpauseEveryLicense
    }

    /// `delete_every_license` (`licenses:delete`).
    pub fn delete_every_license() -> Self {
        LicenseAction::DeleteEveryLicense
    }

    /// `extend_duration_license`: adds `duration` to one license.
    pub fn extend(license_id: impl Into<LicenseId>, duration: LicenseDuration) -> Self {
        LicenseAction::Extend {
            license_id: license_id.into(),
            duration,
        }
    }

    /// `reset_client_id_license`.
    pub fn reset_client_id(license_id: impl Into<LicenseId>) -> Self {
        LicenseAction::ResetClientId {
            license_id: license_id.into(),
        }
    }

    /// `pause_license`.
    pub fn pause(license_id: impl Into<LicenseId>) -> Self {
        LicenseAction::Pause {
            license_id: license_id.into(),
        }
    }

    /// `unpause_license`.
    pub fn unpause(license_id: impl Into<LicenseId>) -> Self {
        LicenseAction::Unpause {
            license_id: license_id.into(),
        }
    }

    /// `delete_license` (`licenses:delete`).
    pub fn delete(license_id: impl Into<LicenseId>) -> Self {
        LicenseAction::Delete {
            license_id: license_id.into(),
        }
    }

    /// `blacklist_license`.
    pub fn blacklist(license_id: impl Into<LicenseId>) -> Self {
        LicenseAction::Blacklist {
            license_id: license_id.into(),
        }
    }

    /// `unblacklist_license`.
    pub fn unblacklist(license_id: impl Into<LicenseId>) -> Self {
        LicenseAction::Unblacklist {
            license_id: license_id.into(),
        }
    }

    /// `reinitialize_license`.
    pub fn reinitialize(license_id: impl Into<LicenseId>) -> Self {
        LicenseAction::Reinitialize {
            license_id: license_id.into(),
        }
    }

    /// `link_license_to_user`: links the license to the app user `user_login`.
    pub fn link_to_user(license_id: impl Into<LicenseId>, user_login: impl Into<String>) -> Self {
        LicenseAction::LinkToUser {
            license_id: license_id.into(),
            user_login: user_login.into(),
        }
    }

    /// The wire name of the action.
    pub fn name(&self) -> &'static str {
        match self {
            LicenseAction::AddTimeToEveryLicense { .. } => "add_time_to_every_license",
            LicenseAction::PauseEveryLicense => "pause_every_license",
            LicenseAction::UnpauseEveryLicense => "unpause_every_license",
            LicenseAction::DeleteEveryLicense => "delete_every_license",
            LicenseAction::Extend { .. } => "extend_duration_license",
            LicenseAction::ResetClientId { .. } => "reset_client_id_license",
            LicenseAction::Pause { .. } => "pause_license",
            LicenseAction::Unpause { .. } => "unpause_license",
            LicenseAction::Delete { .. } => "delete_license",
            LicenseAction::Blacklist { .. } => "blacklist_license",
            LicenseAction::Unblacklist { .. } => "unblacklist_license",
            LicenseAction::Reinitialize { .. } => "reinitialize_license",
            LicenseAction::LinkToUser { .. } => "link_license_to_user",
        }
    }

    /// The scope the action needs.
    pub fn scope(&self) -> Scope {
        match self {
            LicenseAction::DeleteEveryLicense | LicenseAction::Delete { .. } => {
                Scope::LicensesDelete
            }
            _ => Scope::LicensesUpdate,
        }
    }

    /// The license it acts on, for single-license actions.
    pub fn license_id(&self) -> Option<&LicenseId> {
        match self {
            LicenseAction::Extend { license_id, .. }
            | LicenseAction::ResetClientId { license_id }
            | LicenseAction::Pause { license_id }
            | LicenseAction::Unpause { license_id }
            | LicenseAction::Delete { license_id }
            | LicenseAction::Blacklist { license_id }
            | LicenseAction::Unblacklist { license_id }
            | LicenseAction::Reinitialize { license_id }
            | LicenseAction::LinkToUser { license_id, .. } => Some(license_id),
            _ => None,
        }
    }

    fn duration(&self) -> Option<LicenseDuration> {
        match self {
            LicenseAction::AddTimeToEveryLicense { duration }
            | LicenseAction::Extend { duration, .. } => Some(*duration),
            _ => None,
        }
    }
}

/// Runs a [`LicenseAction`] on the application's licenses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLicenseAction {
    application_id: ApplicationId,
    action: LicenseAction,
}

impl RunLicenseAction {
    /// A request to run `action`.
    pub fn new(application_id: impl Into<ApplicationId>, action: LicenseAction) -> Self {
        Self {
            application_id: application_id.into(),
            action,
        }
    }

    /// The action.
    pub fn action(&self) -> &LicenseAction {
        &self.action
    }
}

impl Endpoint for RunLicenseAction {
    type Payload = NoPayload;
    type Output = Done;

    // The scope depends on the action.
    route!(POST, "license-action", |this| this.action.scope());

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            action: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            license_id: Option<&'a LicenseId>,
            #[serde(skip_serializing_if = "Option::is_none")]
            duration_seconds: Option<LicenseDuration>,
            #[serde(skip_serializing_if = "Option::is_none")]
            user_login: Option<&'a str>,
        }
        let user_login = match &self.action {
            // Sent as given: the docs state no constraint on the login.
            LicenseAction::LinkToUser { user_login, .. } => Some(user_login.as_str()),
            _ => None,
        };
        parts.query("applicationId", self.application_id.as_str());
        parts.json_body(&Body {
            action: self.action.name(),
            license_id: self.action.license_id(),
            duration_seconds: self.action.duration(),
            user_login,
        })?;
        Ok(())
    }

    fn output(&self, message: Option<String>, _: NoPayload) -> Result<Done, MissingField> {
        Ok(done(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_take_ids_by_reference_or_value_and_name_their_action() {
        let id = LicenseId::new("7").unwrap();
        let days = LicenseDuration::from_days(1).unwrap();
        let cases = [
            (
                LicenseAction::add_time_to_every_license(days),
                "add_time_to_every_license",
            ),
            (LicenseAction::pause_every_license(), "pause_every_license"),
            (
                LicenseAction::unpause_every_license(),
                "unpause_every_license",
            ),
            (
                LicenseAction::delete_every_license(),
                "delete_every_license",
            ),
            (LicenseAction::extend(&id, days), "extend_duration_license"),
            (
                LicenseAction::reset_client_id(&id),
                "reset_client_id_license",
            ),
            (LicenseAction::pause(&id), "pause_license"),
            (LicenseAction::unpause(&id), "unpause_license"),
            (LicenseAction::delete(&id), "delete_license"),
            (LicenseAction::blacklist(&id), "blacklist_license"),
            (LicenseAction::unblacklist(&id), "unblacklist_license"),
            (LicenseAction::reinitialize(&id), "reinitialize_license"),
            (
                LicenseAction::link_to_user(&id, "john"),
                "link_license_to_user",
            ),
        ];
        for (action, name) in &cases {
            assert_eq!(action.name(), *name);
            if !name.contains("every") {
                assert_eq!(action.license_id(), Some(&id), "{name}");
            }
        }
        assert_eq!(
            LicenseAction::pause(id.clone()),
            LicenseAction::Pause { license_id: id }
        );
    }
}
