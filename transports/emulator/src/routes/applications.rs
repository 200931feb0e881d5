//! Application routes (`API.md` section 3): listing and creating
//! applications, license levels, settings, runtime-key rotation (at most
//! [`ROTATIONS_PER_HOUR`] per application per hour) and deletion.

use crate::rules;
use blazeauth_core::Problem;
use serde_json::{Value, json};

use crate::clock::{Millis, iso8601};
use crate::input::{Body, invalid, invalid_format, parse_json};
use crate::reply::{Failure, Success, shorten};
use crate::router::Ctx;

/// Runtime-key rotations allowed per application within any hour (documented).
pub const ROTATIONS_PER_HOUR: usize = 2;

const HOUR_MS: Millis = 3_600_000;

/// `GET get-applications`: the applications the key may see, in creation order.
pub(crate) fn get_applications(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let apps: Vec<Value> = ctx
        .state
        .applications
        .iter()
        .filter(|app| ctx.caller.sees(app.id))
        .map(|app| {
            json!({
                "id": app.id.to_string(),
                "name": app.name,
                "applicationApiKeys": {
                    "socketKey": app.socket_key,
                    "httpKey": app.http_key,
                    "updatedAt": iso8601(app.keys_updated_at),
                },
            })
        })
        .collect();
    Ok(Success::data(
        "Successfully fetched applications",
        Value::Array(apps),
    ))
}

/// `POST create-application`: `{name}` of 6–32 characters; needs all-application access.
pub(crate) fn create_application(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    ctx.caller.require_all_applications()?;
    let json = parse_json(ctx.body)?;
    let body = Body::of(&json)?;
    let name = body.string("name")?;
    let (min, max) = rules::APPLICATION_NAME;
    rules::chars("name", name, min, max)?;
    ctx.state.create_application(name.to_owned(), ctx.now);
    Ok(Success::message("Successfully create application"))
}

/// `POST create-application-license-levels`: replaces the application's
/// levels with `{levels}` (at least one; each 1–16 characters after trimming;
/// unique after trimming), stored trimmed.
pub(crate) fn create_license_levels(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let json = parse_json(ctx.body)?;
    let body = Body::of(&json)?;
    let levels = body.strings("levels")?;
    let trimmed = rules::levels("levels", &levels)?;
    ctx.app_mut(id)?.levels = trimmed;
    Ok(Success::message("License levels save successfully"))
}

/// `GET get-application-license-levels`.
pub(crate) fn get_license_levels(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let levels = ctx.app(id)?.levels.clone();
    Ok(Success::data(
        "Successfully fetched application license levels",
        json!(levels),
    ))
}

/// One validated settings change.
enum Change {
    LicenseRequiresClientId(bool),
    UserRequiresClientId(bool),
    UserRequiresLicense(bool),
    Version(String),
    Paused(bool),
}

/// `PATCH update-application-settings`: `{field, value}` with a value of the
/// field's type.
pub(crate) fn update_settings(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let json = parse_json(ctx.body)?;
    let body = Body::of(&json)?;
    let change = match body.string("field")? {
        "applicationLicenseRequiresClientId" => {
            Change::LicenseRequiresClientId(body.boolean("value")?)
        }
        "applicationUserRequiresClientId" => Change::UserRequiresClientId(body.boolean("value")?),
        "applicationUserRequiresLicense" => Change::UserRequiresLicense(body.boolean("value")?),
        "version" => {
            let version = body.string("value")?;
            if version.trim().is_empty() {
                return Err(invalid("value", Problem::Empty));
            }
            Change::Version(version.to_owned())
        }
        "status" => match body.string("value")? {
            "online" => Change::Paused(false),
            "paused" => Change::Paused(true),
            other => {
                return Err(invalid_format(
                    "value",
                    format!(
                        "must be \"online\" or \"paused\" for `status`, got {:?}",
                        shorten(other, 32)
                    ),
                ));
            }
        },
        other => {
            return Err(invalid_format(
                "field",
                format!(
                    "unknown setting {:?}; expected applicationLicenseRequiresClientId, applicationUserRequiresClientId, applicationUserRequiresLicense, version or status",
                    shorten(other, 64)
                ),
            ));
        }
    };
    let settings = &mut ctx.app_mut(id)?.settings;
    match change {
        Change::LicenseRequiresClientId(b) => settings.license_requires_client_id = b,
        Change::UserRequiresClientId(b) => settings.user_requires_client_id = b,
        Change::UserRequiresLicense(b) => settings.user_requires_license = b,
        Change::Version(v) => settings.version = v,
        Change::Paused(p) => settings.paused = p,
    }
    Ok(Success::message("Successfully update application settings"))
}

/// `PATCH update-api-keys`: rotates `{type}` (`socketKey` or `httpKey`), at
/// most [`ROTATIONS_PER_HOUR`] times per application in any hour; over it, 429
/// with `Retry-After` until the oldest rotation of the hour leaves the window.
pub(crate) fn rotate_runtime_key(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let json = parse_json(ctx.body)?;
    let body = Body::of(&json)?;
    let socket = match body.string("type")? {
        "socketKey" => true,
        "httpKey" => false,
        other => {
            return Err(invalid_format(
                "type",
                format!(
                    "must be \"socketKey\" or \"httpKey\", got {:?}",
                    shorten(other, 32)
                ),
            ));
        }
    };
    let now = ctx.now;
    let in_window = |t: &Millis| now.saturating_sub(*t) < HOUR_MS;
    let app = ctx.app(id)?;
    let recent: Vec<Millis> = app.rotations.iter().copied().filter(in_window).collect();
    if recent.len() >= ROTATIONS_PER_HOUR {
        let oldest = recent.iter().copied().min().unwrap_or(now);
        let wait_ms = oldest.saturating_add(HOUR_MS).saturating_sub(now);
        let retry_after = wait_ms.div_ceil(1000).max(1);
        return Err(Failure::rate_limited(
            format!(
                "Runtime keys can be rotated at most {ROTATIONS_PER_HOUR} times per hour; try again in {retry_after} seconds."
            ),
            retry_after,
        ));
    }
    let key = ctx.state.runtime_key();
    let app = ctx.app_mut(id)?;
    if socket {
        app.socket_key = key;
    } else {
        app.http_key = key;
    }
    app.keys_updated_at = now;
    app.rotations.retain(in_window);
    app.rotations.push(now);
    Ok(Success::message("Successfully update api key"))
}

/// `GET get-application-settings`.
pub(crate) fn get_settings(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let settings = &ctx.app(id)?.settings;
    Ok(Success::data(
        "Successfully fetched application settings",
        json!({
            "applicationLicenseRequiresClientId": settings.license_requires_client_id,
            "applicationUserRequiresClientId": settings.user_requires_client_id,
            "applicationUserRequiresLicense": settings.user_requires_license,
            "version": settings.version,
            "status": if settings.paused { "paused" } else { "online" },
        }),
    ))
}

/// `DELETE delete-application`: `{applicationId, code}` (`code` required, a
/// string, ignored for management keys). Removes the application with its
/// licenses and app users.
pub(crate) fn delete_application(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let json = parse_json(ctx.body)?;
    let body = Body::of(&json)?;
    let requested = body.id("applicationId")?;
    body.string("code")?;
    let id = ctx.application(requested)?;
    ctx.state.applications.retain(|app| app.id != id);
    Ok(Success::message("Application deleted successfully"))
}
