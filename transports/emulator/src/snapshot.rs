//! Read-only copies of the emulator's state, for tests to check that nothing
//! was lost, duplicated or changed: [`ApplicationSnapshot`],
//! [`LicenseSnapshot`], [`AppUserSnapshot`], [`VariableSnapshot`],
//! [`FileSnapshot`] (with the [`StorageRequestSnapshot`]s the fake storage
//! host recorded), [`SessionSnapshot`] and the whole [`StateSnapshot`].
//!
//! License states are computed at the moment the snapshot is taken, with the
//! emulator's clock.

use std::time::SystemTime;

use blazeauth_core::{AppUserId, ApplicationId, LicenseId, VariableId};

use crate::clock::{Millis, from_millis};
use crate::license::{License, LicenseState};
use crate::state::{
    AppUser, Application, LiveSession, State, StorageRequest, StoredFile, Variable,
};

/// One application, as the emulator holds it. Its `Debug` redacts the
/// runtime keys, as the SDK's own types do.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplicationSnapshot {
    /// Its id.
    pub id: ApplicationId,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_at: SystemTime,
    /// Its license levels, trimmed, in the order saved.
    pub license_levels: Vec<String>,
    /// `applicationLicenseRequiresClientId`.
    pub license_requires_client_id: bool,
    /// `applicationUserRequiresClientId`.
    pub user_requires_client_id: bool,
    /// `applicationUserRequiresLicense`.
    pub user_requires_license: bool,
    /// `version`.
    pub version: String,
    /// `status` is `paused`.
    pub paused: bool,
    /// The runtime WebSocket key.
    pub socket_key: String,
    /// The runtime HTTP key.
    pub http_key: String,
    /// When a runtime key last changed.
    pub runtime_keys_updated_at: SystemTime,
    /// How many licenses it has.
    pub license_count: usize,
    /// Its app users, in creation order.
    pub app_users: Vec<AppUserSnapshot>,
    /// Its variables, in creation order.
    pub variables: Vec<VariableSnapshot>,
    /// Its files (names reserved by an upload URL), in creation order.
    pub files: Vec<FileSnapshot>,
    /// Its live sessions, in connection order.
    pub sessions: Vec<SessionSnapshot>,
}

impl std::fmt::Debug for ApplicationSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationSnapshot")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("created_at", &self.created_at)
            .field("license_levels", &self.license_levels)
            .field(
                "license_requires_client_id",
                &self.license_requires_client_id,
            )
            .field("user_requires_client_id", &self.user_requires_client_id)
            .field("user_requires_license", &self.user_requires_license)
            .field("version", &self.version)
            .field("paused", &self.paused)
            .field("socket_key", &"[redacted]")
            .field("http_key", &"[redacted]")
            .field("runtime_keys_updated_at", &self.runtime_keys_updated_at)
            .field("license_count", &self.license_count)
            .field("app_users", &self.app_users)
            .field("variables", &self.variables)
            .field("files", &self.files)
            .field("sessions", &self.sessions)
            .finish()
    }
}

/// One app user. There is no password: the emulator never keeps one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppUserSnapshot {
    /// Its id.
    pub id: AppUserId,
    /// Its login.
    pub login: String,
    /// Its comment.
    pub comment: Option<String>,
    /// Its client id.
    pub client_id: Option<String>,
    /// Its IP address.
    pub ip_address: Option<String>,
    /// `applicationUserSettings.levels`.
    pub levels: Vec<String>,
    /// `applicationUserSettings.requiresLicense`.
    pub requires_license: bool,
    /// `applicationUserSettings.requiresClientId`.
    pub requires_client_id: bool,
    /// When it was created.
    pub created_at: SystemTime,
}

/// One variable.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VariableSnapshot {
    /// Its id.
    pub id: VariableId,
    /// Its name.
    pub name: String,
    /// Its description (`None` for `null`).
    pub description: Option<String>,
    /// Its value.
    pub value: String,
    /// Its strategy, as sent.
    pub strategy: String,
    /// When it last changed.
    pub updated_at: SystemTime,
}

impl VariableSnapshot {
    pub(crate) fn of(v: &Variable) -> Self {
        Self {
            id: VariableId::from(v.id),
            name: v.name.clone(),
            description: v.description.clone(),
            value: v.value.clone(),
            strategy: v.strategy.clone(),
            updated_at: from_millis(v.updated_at),
        }
    }
}

/// One file: its name was reserved by an upload URL; its bytes are there
/// once the storage endpoint accepted them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileSnapshot {
    /// Its name, trimmed.
    pub name: String,
    /// The declared size (`fileSize`).
    pub size: u64,
    /// The declared media type (`fileType`).
    pub media_type: Option<String>,
    /// The uploaded bytes, `None` until an upload was accepted.
    pub bytes: Option<Vec<u8>>,
    /// Every request the storage endpoint received for this file, in order.
    pub storage_requests: Vec<StorageRequestSnapshot>,
    /// When its upload URL was made.
    pub created_at: SystemTime,
}

/// A request the fake storage host received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StorageRequestSnapshot {
    /// Its path (`/_storage/{token}`).
    pub path: String,
    /// Its method.
    pub method: String,
    /// Its headers (lowercase names), as received.
    pub headers: Vec<(String, String)>,
    /// Whether the storage host accepted it.
    pub accepted: bool,
}

impl StorageRequestSnapshot {
    pub(crate) fn of(r: &StorageRequest) -> Self {
        Self {
            path: r.path.clone(),
            method: r.method.clone(),
            headers: r.headers.clone(),
            accepted: r.accepted,
        }
    }

    /// The value of header `name` (any case), when the request carried it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl FileSnapshot {
    pub(crate) fn of(f: &StoredFile) -> Self {
        Self {
            name: f.name.clone(),
            size: f.size,
            media_type: f.media_type.clone(),
            bytes: f.bytes.clone(),
            storage_requests: f
                .storage_requests
                .iter()
                .map(StorageRequestSnapshot::of)
                .collect(),
            created_at: from_millis(f.created_at),
        }
    }
}

/// One live session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionSnapshot {
    /// The server the client is connected to.
    pub server_id: String,
    /// The client's IP address.
    pub ip_address: Option<String>,
    /// The client id.
    pub client_id: Option<String>,
    /// The app user's login.
    pub login: Option<String>,
    /// The license used.
    pub license: Option<String>,
    /// When it connected.
    pub created_at: SystemTime,
}

impl SessionSnapshot {
    pub(crate) fn of(s: &LiveSession) -> Self {
        Self {
            server_id: s.server_id.clone(),
            ip_address: s.ip_address.clone(),
            client_id: s.client_id.clone(),
            login: s.login.clone(),
            license: s.license.clone(),
            created_at: from_millis(s.created_at),
        }
    }
}

/// One license, as the emulator holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LicenseSnapshot {
    /// Its id.
    pub id: LicenseId,
    /// Its application.
    pub application_id: ApplicationId,
    /// The key.
    pub license: String,
    /// Its state now (see [`LicenseState`]).
    pub state: LicenseState,
    /// The client id it is bound to.
    pub client_id: Option<String>,
    /// Its IP address.
    pub ip_address: Option<String>,
    /// Its comment.
    pub comment: Option<String>,
    /// Its levels.
    pub levels: Vec<String>,
    /// Its duration in seconds.
    pub duration_secs: u64,
    /// Whether activation needs a client id.
    pub requires_client_id: bool,
    /// When it was created.
    pub created_at: SystemTime,
    /// When it was activated.
    pub activated_at: Option<SystemTime>,
    /// When it expires (set once activated).
    pub expires_at: Option<SystemTime>,
    /// When it was paused.
    pub paused_at: Option<SystemTime>,
    /// Whether it is blacklisted (whatever else it is).
    pub blacklisted: bool,
    /// The login of the app user it is linked to.
    pub user_login: Option<String>,
}

/// Every application and every license, for comparing the whole state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StateSnapshot {
    /// The applications, in creation order.
    pub applications: Vec<ApplicationSnapshot>,
    /// Every license, application by application, each in creation order.
    pub licenses: Vec<LicenseSnapshot>,
}

impl ApplicationSnapshot {
    pub(crate) fn of(app: &Application) -> Self {
        Self {
            id: ApplicationId::from(app.id),
            name: app.name.clone(),
            created_at: from_millis(app.created_at),
            license_levels: app.levels.clone(),
            license_requires_client_id: app.settings.license_requires_client_id,
            user_requires_client_id: app.settings.user_requires_client_id,
            user_requires_license: app.settings.user_requires_license,
            version: app.settings.version.clone(),
            paused: app.settings.paused,
            socket_key: app.socket_key.clone(),
            http_key: app.http_key.clone(),
            runtime_keys_updated_at: from_millis(app.keys_updated_at),
            license_count: app.licenses.len(),
            app_users: app.users.iter().map(AppUserSnapshot::of).collect(),
            variables: app.variables.iter().map(VariableSnapshot::of).collect(),
            files: app.files.iter().map(FileSnapshot::of).collect(),
            sessions: app.sessions.iter().map(SessionSnapshot::of).collect(),
        }
    }
}

impl AppUserSnapshot {
    pub(crate) fn of(user: &AppUser) -> Self {
        Self {
            id: AppUserId::from(user.id),
            login: user.login.clone(),
            comment: user.comment.clone(),
            client_id: user.client_id.clone(),
            ip_address: user.ip_address.clone(),
            levels: user.levels.clone(),
            requires_license: user.requires_license,
            requires_client_id: user.requires_client_id,
            created_at: from_millis(user.created_at),
        }
    }
}

impl LicenseSnapshot {
    pub(crate) fn of(license: &License, application: u64, now: Millis) -> Self {
        Self {
            id: LicenseId::from(license.id),
            application_id: ApplicationId::from(application),
            license: license.key.clone(),
            state: license.state(now),
            client_id: license.client_id.clone(),
            ip_address: license.ip_address.clone(),
            comment: license.comment.clone(),
            levels: license.levels.clone(),
            duration_secs: license.duration_secs,
            requires_client_id: license.requires_client_id,
            created_at: from_millis(license.created_at),
            activated_at: license.activated_at.map(from_millis),
            expires_at: license.expires_at.map(from_millis),
            paused_at: license.paused_at.map(from_millis),
            blacklisted: license.blacklisted,
            user_login: license.user_login.clone(),
        }
    }
}

impl StateSnapshot {
    pub(crate) fn of(state: &State, now: Millis) -> Self {
        Self {
            applications: state
                .applications
                .iter()
                .map(ApplicationSnapshot::of)
                .collect(),
            licenses: state
                .applications
                .iter()
                .flat_map(|app| {
                    app.licenses
                        .iter()
                        .map(move |l| LicenseSnapshot::of(l, app.id, now))
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn application_debug_redacts_runtime_keys() {
        let emulator = crate::Emulator::new();
        emulator.create_application("Redacted App").unwrap();
        let app = emulator.applications().remove(0);
        let shown = format!("{app:?}");
        assert!(
            !shown.contains(&app.socket_key) && !shown.contains(&app.http_key),
            "{shown}"
        );
        assert!(shown.contains("Redacted App"));
    }
}
