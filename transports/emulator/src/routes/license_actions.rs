//! `POST license-action`: the 13 license actions and their effects on the
//! license model (see [`license`](crate::license) for the states).
//!
//! The body's `action` is read first, because the scope depends on it
//! (`delete_*` need `licenses:delete`, the rest `licenses:update`); then the
//! application, then the action's own fields (`licenseId`, `durationSeconds`,
//! `userLogin`); an unknown license or app user is a 404. Pausing what is
//! paused, blacklisting what is blacklisted and so on succeed and change
//! nothing. Adding time fails (400) for every license if one of them would go
//! past the longest duration, `100y364d23h59m59s`.

use blazeauth_core::{Problem, Scope};

use crate::input::{Body, invalid, invalid_format, parse_json};
use crate::license::License;
use crate::reply::{Failure, Success, shorten};
use crate::router::Ctx;

/// The actions, by wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    AddTimeToEvery,
    PauseEvery,
    UnpauseEvery,
    DeleteEvery,
    Extend,
    ResetClientId,
    Pause,
    Unpause,
    Delete,
    Blacklist,
    Unblacklist,
    Reinitialize,
    LinkToUser,
}

const ACTIONS: [(&str, Action); 13] = [
    ("add_time_to_every_license", Action::AddTimeToEvery),
    ("pause_every_license", Action::PauseEvery),
    ("unpause_every_license", Action::UnpauseEvery),
    ("delete_every_license", Action::DeleteEvery),
    ("extend_duration_license", Action::Extend),
    ("reset_client_id_license", Action::ResetClientId),
    ("pause_license", Action::Pause),
    ("unpause_license", Action::Unpause),
    ("delete_license", Action::Delete),
    ("blacklist_license", Action::Blacklist),
    ("unblacklist_license", Action::Unblacklist),
    ("reinitialize_license", Action::Reinitialize),
    ("link_license_to_user", Action::LinkToUser),
];

impl Action {
    fn scope(self) -> Scope {
        match self {
            Action::DeleteEvery | Action::Delete => Scope::LicensesDelete,
            _ => Scope::LicensesUpdate,
        }
    }

    fn on_one_license(self) -> bool {
        !matches!(
            self,
            Action::AddTimeToEvery
                | Action::PauseEvery
                | Action::UnpauseEvery
                | Action::DeleteEvery
        )
    }
}

/// Runs the body's action.
pub(crate) fn run(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let json = parse_json(ctx.body)?;
    let body = Body::of(&json)?;
    let name = body.string("action")?;
    let action = ACTIONS
        .iter()
        .find(|(wire, _)| *wire == name)
        .map(|(_, action)| *action)
        .ok_or_else(|| {
            invalid_format(
                "action",
                format!(
                    "unknown action {:?}; expected one of {}",
                    shorten(name, 40),
                    ACTIONS.map(|(wire, _)| wire).join(", ")
                ),
            )
        })?;
    ctx.caller.require(action.scope())?;
    let app_id = ctx.query_application()?;
    let now = ctx.now;

    if !action.on_one_license() {
        let app = ctx.app_mut(app_id)?;
        match action {
            Action::AddTimeToEvery => {
                let secs = body.duration("durationSeconds")?;
                let extended: Vec<u64> = app
                    .licenses
                    .iter()
                    .map(|l| l.extended_duration(secs).ok_or_else(|| too_long(&l.key)))
                    .collect::<Result<_, _>>()?;
                for (license, total) in app.licenses.iter_mut().zip(extended) {
                    license.set_duration(total);
                }
            }
            Action::PauseEvery => app.licenses.iter_mut().for_each(|l| l.pause(now)),
            Action::UnpauseEvery => app.licenses.iter_mut().for_each(|l| l.unpause(now)),
            _ => app.licenses.clear(),
        }
        return Ok(done());
    }

    let license_id = body.id("licenseId")?;
    let duration = match action {
        Action::Extend => Some(body.duration("durationSeconds")?),
        _ => None,
    };
    let login = match action {
        Action::LinkToUser => {
            let login = body.string("userLogin")?;
            if login.trim().is_empty() {
                return Err(invalid("userLogin", Problem::Empty));
            }
            Some(login.to_owned())
        }
        _ => None,
    };
    let app = ctx.app_mut(app_id)?;
    let Some(index) = license_id.and_then(|id| app.licenses.iter().position(|l| l.id == id)) else {
        return Err(Failure::not_found("License not found."));
    };
    if let Some(login) = &login {
        if !app.users.iter().any(|u| &u.login == login) {
            return Err(Failure::not_found(format!(
                "No app user with login {:?} in this application.",
                shorten(login, 64)
            )));
        }
    }
    if action == Action::Delete {
        app.licenses.remove(index);
        return Ok(done());
    }
    let Some(license) = app.licenses.get_mut(index) else {
        return Err(Failure::not_found("License not found."));
    };
    apply(license, action, duration, login, now)?;
    Ok(done())
}

/// Applies a single-license action other than delete.
fn apply(
    license: &mut License,
    action: Action,
    duration: Option<u64>,
    login: Option<String>,
    now: u64,
) -> Result<(), Failure> {
    match action {
        Action::Extend => {
            let secs = duration.unwrap_or_default();
            let total = license
                .extended_duration(secs)
                .ok_or_else(|| too_long(&license.key))?;
            license.set_duration(total);
        }
        Action::ResetClientId => license.client_id = None,
        Action::Pause => license.pause(now),
        Action::Unpause => license.unpause(now),
        Action::Blacklist => license.blacklisted = true,
        Action::Unblacklist => license.blacklisted = false,
        Action::Reinitialize => license.reinitialize(),
        Action::LinkToUser => license.user_login = login,
        _ => {}
    }
    Ok(())
}

fn too_long(key: &str) -> Failure {
    invalid_format(
        "durationSeconds",
        format!(
            "would take license {:?} past the longest duration, 100y364d23h59m59s",
            shorten(key, 64)
        ),
    )
}

fn done() -> Success {
    Success::message("Action completed successfully.")
}
