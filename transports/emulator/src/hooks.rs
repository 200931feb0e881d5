//! Test hooks for what the management API cannot do: a desktop client
//! activating a license ([`Emulator::activate_license`]) or connecting
//! ([`Emulator::add_session`]), adding an app user by login alone
//! ([`Emulator::add_app_user`]), creating an application and getting its id
//! at once ([`Emulator::create_application`]), and changing the account's
//! plan ([`Emulator::set_plan`]).
//!
//! Activation follows the license model (see [`license`](crate::license)):
//! a blacklisted, paused or expired license, or any license of a paused
//! application, is refused; a client id is needed when the license or the
//! application's `applicationLicenseRequiresClientId` says so; a license bound
//! to a client id accepts only that id, and one with none binds to the first
//! id presented. The first activation starts the license's time; activating an
//! activated license again with the same client id changes nothing.

use blazeauth_core::{AppUserId, ApplicationId};

use crate::clock::Millis;
use crate::emulator::Emulator;
use crate::license::LicenseState;
use crate::snapshot::LicenseSnapshot;
use crate::state::{AppUser, Application, State};

/// Why a test hook refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HookError {
    /// No application with that id.
    #[error("no application with id {0}")]
    UnknownApplication(ApplicationId),
    /// No license with that key in the application.
    #[error("no license {0:?} in this application")]
    UnknownLicense(String),
    /// The application already has an app user with that login.
    #[error("an app user with login {0:?} already exists in this application")]
    DuplicateLogin(String),
    /// A login must not be empty or blank.
    #[error("an app user's login must not be empty")]
    EmptyLogin,
    /// An application name must have 6 to 32 characters.
    #[error("an application name must have 6 to 32 characters, got {0}")]
    NameLength(usize),
    /// The license is blacklisted.
    #[error("the license is blacklisted")]
    Blacklisted,
    /// The license is paused.
    #[error("the license is paused")]
    Paused,
    /// The license has expired.
    #[error("the license has expired")]
    Expired,
    /// The application is paused.
    #[error("the application is paused")]
    ApplicationPaused,
    /// The license (or the application) needs a client id and none was given.
    #[error("this license needs a client id")]
    ClientIdRequired,
    /// The license is bound to another client id.
    #[error("the license is bound to another client id")]
    ClientIdMismatch,
}

/// A desktop client connecting, for [`Emulator::add_session`]. Only the
/// server id is required; the other fields are `null` in the listing when
/// not set.
///
/// ```
/// use blazeauth_emulator::{Emulator, NewSession};
///
/// let emulator = Emulator::new();
/// let app = emulator.create_application("My application")?;
/// emulator.add_session(&app, NewSession::new("eu-1").ip("10.0.0.1").license("PRO-1234"))?;
/// assert_eq!(emulator.applications()[0].sessions.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSession {
    server_id: String,
    ip_address: Option<String>,
    client_id: Option<String>,
    login: Option<String>,
    license: Option<String>,
}

impl NewSession {
    /// A client connected to server `server_id`.
    pub fn new(server_id: impl Into<String>) -> Self {
        Self {
            server_id: server_id.into(),
            ..Self::default()
        }
    }

    /// Its IP address.
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip_address = Some(ip.into());
        self
    }

    /// Its client id.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The app user signed in.
    pub fn login(mut self, login: impl Into<String>) -> Self {
        self.login = Some(login.into());
        self
    }

    /// The license used.
    pub fn license(mut self, license: impl Into<String>) -> Self {
        self.license = Some(license.into());
        self
    }
}

/// An app user for [`Emulator::add_app_user_with`]: a login and, optionally,
/// the other fields of `create-user` (no password: the emulator keeps none).
/// Unset fields are `null`, no levels, and `false`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAppUser {
    login: String,
    comment: Option<String>,
    client_id: Option<String>,
    ip_address: Option<String>,
    levels: Vec<String>,
    requires_license: bool,
    requires_client_id: bool,
}

impl NewAppUser {
    /// A user signing in as `login`.
    pub fn new(login: impl Into<String>) -> Self {
        Self {
            login: login.into(),
            ..Self::default()
        }
    }

    /// Its comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Its client id.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Its IP address.
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip_address = Some(ip.into());
        self
    }

    /// `applicationUserSettings.levels`.
    pub fn levels<I>(mut self, levels: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.levels = levels.into_iter().map(Into::into).collect();
        self
    }

    /// `applicationUserSettings.requiresLicense`.
    pub fn requires_license(mut self, on: bool) -> Self {
        self.requires_license = on;
        self
    }

    /// `applicationUserSettings.requiresClientId`.
    pub fn requires_client_id(mut self, on: bool) -> Self {
        self.requires_client_id = on;
        self
    }
}

impl Emulator {
    /// A desktop client connects to `application`: the session appears in
    /// `get-application-sessions` with the emulator's current time.
    pub fn add_session(
        &self,
        application: &ApplicationId,
        session: NewSession,
    ) -> Result<(), HookError> {
        let now: Millis = self.now_millis();
        let mut state = self.state();
        let app = find_app(&mut state, application)?;
        app.sessions.push(crate::state::LiveSession {
            server_id: session.server_id,
            ip_address: session.ip_address,
            client_id: session.client_id,
            login: session.login,
            license: session.license,
            created_at: now,
        });
        Ok(())
    }

    /// Replaces the account's plan (`get-account-limits`, and the
    /// `liveSessionsOverview` gate of the live sessions).
    pub fn set_plan(&self, plan: crate::Plan) {
        self.state().plan = plan;
    }

    /// The account's plan.
    pub fn plan(&self) -> crate::Plan {
        self.state().plan.clone()
    }

    /// Simulates a desktop client activating license `key` of `application`
    /// with `client_id` (see the [module docs](crate::hooks) for the rules).
    /// Returns the license as it is afterwards.
    ///
    /// ```
    /// use blazeauth_emulator::{Emulator, LicenseState};
    ///
    /// let emulator = Emulator::new();
    /// let app = emulator.create_application("My application")?;
    /// # use blazeauth_core::{api, LicenseDuration};
    /// # let spec = api::LicenseSpec::new("KEY-****", ["basic"], LicenseDuration::from_days(30)?);
    /// # let keys = emulator.client().send(&api::CreateLicenses::new(app.clone(), spec, 1))?;
    /// let license = emulator.activate_license(&app, &keys[0], Some("machine-1"))?;
    /// assert_eq!(license.state, LicenseState::Activated);
    /// assert_eq!(license.client_id.as_deref(), Some("machine-1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn activate_license(
        &self,
        application: &ApplicationId,
        key: &str,
        client_id: Option<&str>,
    ) -> Result<LicenseSnapshot, HookError> {
        self.activate_license_from(application, key, client_id, None)
    }

    /// [`activate_license`](Self::activate_license) from the IP address
    /// `ip_address`, which the license then shows (as the table's `ipAddress`).
    pub fn activate_license_from(
        &self,
        application: &ApplicationId,
        key: &str,
        client_id: Option<&str>,
        ip_address: Option<&str>,
    ) -> Result<LicenseSnapshot, HookError> {
        let now = self.now_millis();
        let mut state = self.state();
        let app = find_app(&mut state, application)?;
        let app_paused = app.settings.paused;
        let app_requires = app.settings.license_requires_client_id;
        let app_id = app.id;
        let license = app
            .licenses
            .iter_mut()
            .find(|l| l.key == key)
            .ok_or_else(|| HookError::UnknownLicense(key.to_owned()))?;
        match license.state(now) {
            LicenseState::Blacklisted => return Err(HookError::Blacklisted),
            LicenseState::Paused => return Err(HookError::Paused),
            LicenseState::Expired => return Err(HookError::Expired),
            LicenseState::Available | LicenseState::Activated => {}
        }
        if app_paused {
            return Err(HookError::ApplicationPaused);
        }
        match (&license.client_id, client_id) {
            (Some(bound), Some(given)) if bound != given => {
                return Err(HookError::ClientIdMismatch);
            }
            (_, None) if license.requires_client_id || app_requires => {
                return Err(HookError::ClientIdRequired);
            }
            (None, Some(given)) => license.client_id = Some(given.to_owned()),
            _ => {}
        }
        if let Some(ip) = ip_address {
            license.ip_address = Some(ip.to_owned());
        }
        if license.activated_at.is_none() {
            license.activated_at = Some(now);
            license.expires_at =
                Some(now.saturating_add(license.duration_secs.saturating_mul(1000)));
        }
        Ok(LicenseSnapshot::of(license, app_id, now))
    }

    /// Adds an app user with `login` to `application` (needed by the
    /// `link_license_to_user` action). Logins are unique per application.
    pub fn add_app_user(
        &self,
        application: &ApplicationId,
        login: &str,
    ) -> Result<AppUserId, HookError> {
        self.add_app_user_with(application, NewAppUser::new(login))
    }

    /// Adds the app user `user` to `application`, with the fields
    /// `create-user` would store (but no password, which the emulator never
    /// keeps). Logins are unique per application and must not be blank.
    ///
    /// ```
    /// use blazeauth_emulator::{Emulator, NewAppUser};
    ///
    /// let emulator = Emulator::new();
    /// let app = emulator.create_application("My application")?;
    /// let user = NewAppUser::new("alice").ip("10.0.0.1").levels(["pro"]).requires_license(true);
    /// emulator.add_app_user_with(&app, user)?;
    /// assert_eq!(emulator.app_users(&app)[0].ip_address.as_deref(), Some("10.0.0.1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_app_user_with(
        &self,
        application: &ApplicationId,
        user: NewAppUser,
    ) -> Result<AppUserId, HookError> {
        if user.login.trim().is_empty() {
            return Err(HookError::EmptyLogin);
        }
        let now: Millis = self.now_millis();
        let mut state = self.state();
        let app = find_app(&mut state, application)?;
        if app.users.iter().any(|u| u.login == user.login) {
            return Err(HookError::DuplicateLogin(user.login));
        }
        let app_id = app.id;
        let id = state.allocate_id();
        if let Some(app) = state.application_mut(app_id) {
            app.users.push(AppUser {
                id,
                login: user.login,
                comment: user.comment,
                client_id: user.client_id,
                ip_address: user.ip_address,
                levels: user.levels,
                requires_license: user.requires_license,
                requires_client_id: user.requires_client_id,
                created_at: now,
            });
        }
        Ok(AppUserId::from(id))
    }

    /// Creates an application named `name` (6–32 characters), as
    /// `create-application` does, and returns its id (which the route does not).
    pub fn create_application(&self, name: &str) -> Result<ApplicationId, HookError> {
        let (min, max) = crate::rules::APPLICATION_NAME;
        let length = name.chars().count();
        if !(min..=max).contains(&length) {
            return Err(HookError::NameLength(length));
        }
        let now = self.now_millis();
        let id = self.state().create_application(name.to_owned(), now);
        Ok(ApplicationId::from(id))
    }
}

fn find_app<'a>(
    state: &'a mut State,
    application: &ApplicationId,
) -> Result<&'a mut Application, HookError> {
    application
        .as_str()
        .parse()
        .ok()
        .and_then(|id| state.application_mut(id))
        .ok_or_else(|| HookError::UnknownApplication(application.clone()))
}
