//! License routes (`API.md` section 4): metadata, the paged and searchable
//! table, creating and editing licenses.
//!
//! The table lists licenses in creation order, [`page size`](crate::EmulatorBuilder::page_size)
//! rows a page, with `totalPages` = ⌈matching rows ÷ page size⌉ (0 for none).
//! A search (`searchParams`) keeps the rows whose searched columns contain the
//! search string, ignoring case: `License` (the key), `IPv4` (the IP address),
//! `Client id`; no category means `License`; an empty search string keeps
//! every row; another category is refused (400).

use std::collections::HashSet;

use blazeauth_core::Problem;
use serde_json::{Value, json};

use super::RowFilter;
use crate::clock::{Millis, iso8601};
use crate::input::{Body, invalid, parse_json};
use crate::license::{License, LicenseState};
use crate::mask;
use crate::reply::{Failure, Success};
use crate::router::Ctx;
use crate::rules;

/// `GET get-licenses-metadata`: one counter per [`LicenseState`], and the total.
pub(crate) fn get_metadata(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let app = ctx.app(id)?;
    let count = |state: LicenseState| {
        app.licenses
            .iter()
            .filter(|l| l.state(ctx.now) == state)
            .count()
    };
    Ok(Success::data(
        "Successfully fetched licenses metadata",
        json!({
            "totalLicenses": app.licenses.len(),
            "availableLicenses": count(LicenseState::Available),
            "pausedLicenses": count(LicenseState::Paused),
            "activeLicenses": count(LicenseState::Activated),
            "expiredLicenses": count(LicenseState::Expired),
            "blacklistedLicenses": count(LicenseState::Blacklisted),
        }),
    ))
}

/// `GET get-licenses-table`: page `currentPage` (required, from 1), optionally searched.
pub(crate) fn get_table(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let page = ctx.current_page()?;
    let filter = RowFilter::from_search_params(ctx.query.get("searchParams"), &COLUMNS)?;
    let app = ctx.app(id)?;
    let matching: Vec<&License> = app
        .licenses
        .iter()
        .filter(|l| filter.as_ref().is_none_or(|f| f.keeps(l)))
        .collect();
    let size = ctx.page_size;
    let total_pages = matching.len().div_ceil(size);
    let rows: Vec<Value> = super::page_of(&matching, page, size)
        .iter()
        .map(|license| row(license, app.id, ctx.now))
        .collect();
    Ok(
        Success::data("Successfully fetched licenses table", Value::Array(rows))
            .field("totalPages", json!(total_pages)),
    )
}

/// The columns the licenses table searches: `License` (the default), `IPv4`, `Client id`.
const COLUMNS: [super::Column<License>; 3] = [
    ("License", |l| Some(l.key.as_str())),
    ("IPv4", |l| l.ip_address.as_deref()),
    ("Client id", |l| l.client_id.as_deref()),
];

/// A table row, as documented.
pub(crate) fn row(license: &License, application: u64, now: Millis) -> Value {
    json!({
        "id": license.id.to_string(),
        "license": license.key,
        "clientId": license.client_id,
        "ipAddress": license.ip_address,
        "pausedAt": license.paused_at.map(iso8601),
        "createdAt": iso8601(license.created_at),
        "expiresAt": license.expires_at.map(iso8601),
        "applicationId": application.to_string(),
        "comment": license.comment,
        "applicationLicenseSettings": {
            "requiresClientId": license.requires_client_id,
            "levels": license.levels,
            "durationSeconds": license.duration_secs,
            "status": license.state(now).as_str(),
        },
        "applicationUsers": license.user_login.as_ref().map(|login| json!({ "login": login })),
    })
}

/// The license body shared by create and edit, checked with the SDK's limits.
struct LicenseBody {
    mask: String,
    comment: Option<String>,
    client_id: Option<String>,
    ip_address: Option<String>,
    levels: Vec<String>,
    duration_secs: u64,
    requires_client_id: bool,
}

impl LicenseBody {
    fn read(body: &Body<'_>) -> Result<Self, Failure> {
        let mask = body.string("license")?;
        let (min, max) = rules::LICENSE_MASK;
        rules::chars("license", mask, min, max)?;
        let optional = |name: &str| -> Result<Option<String>, Failure> {
            let value = body.optional_string(name)?;
            if let Some(value) = value {
                rules::chars(name, value, 0, rules::LICENSE_TEXT_MAX)?;
            }
            Ok(value.map(str::to_owned))
        };
        let comment = optional("comment")?;
        let client_id = optional("clientId")?;
        let ip_address = optional("ipAddress")?;
        let settings = body.object("licensesSettings")?;
        let levels = settings.strings("levels")?;
        if levels.is_empty() {
            return Err(invalid(settings.path("levels"), Problem::Empty));
        }
        let duration = settings.duration("durationSeconds")?;
        let requires_client_id = settings.boolean("requiresClientId")?;
        Ok(Self {
            mask: mask.to_owned(),
            comment,
            client_id,
            ip_address,
            levels: levels.into_iter().map(str::to_owned).collect(),
            duration_secs: duration,
            requires_client_id,
        })
    }
}

/// `POST create-licenses`: `count` (1–256) licenses from the body's mask; the
/// keys come back in the legacy top-level `createdLicenses`.
pub(crate) fn create_licenses(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let json = parse_json(ctx.body)?;
    let body = Body::of(&json)?;
    let count = body.integer("count", rules::COUNT.0, rules::COUNT.1)?;
    let spec = LicenseBody::read(&body)?;
    let mut rng = ctx.state.rng.clone();
    let keys = {
        let app = ctx.app(id)?;
        let taken: HashSet<&str> = app.licenses.iter().map(|l| l.key.as_str()).collect();
        mask::expand(
            &spec.mask,
            usize::try_from(count).unwrap_or(usize::MAX),
            &taken,
            &mut rng,
        )?
    };
    // Every check passed: from here on the request changes the state.
    ctx.state.rng = rng;
    let now = ctx.now;
    let mut licenses = Vec::with_capacity(keys.len());
    for key in &keys {
        licenses.push(License {
            id: ctx.state.allocate_id(),
            key: key.clone(),
            comment: spec.comment.clone(),
            client_id: spec.client_id.clone(),
            ip_address: spec.ip_address.clone(),
            levels: spec.levels.clone(),
            duration_secs: spec.duration_secs,
            requires_client_id: spec.requires_client_id,
            created_at: now,
            activated_at: None,
            expires_at: None,
            paused_at: None,
            blacklisted: false,
            user_login: None,
        });
    }
    ctx.app_mut(id)?.licenses.extend(licenses);
    Ok(Success::message("Successfully created licenses.").field("createdLicenses", json!(keys)))
}

/// `PATCH edit-licenses`: replaces license `licenseId`'s key (a mask, like
/// create), details and settings; absent optional fields are cleared; `count`
/// is required (the documented schema has it) and ignored. A changed duration moves an activated license's expiry by the
/// difference. Answers the legacy `createdLicenses: []`.
pub(crate) fn edit_license(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let license_id = ctx.query.id("licenseId")?;
    let json = parse_json(ctx.body)?;
    let body = Body::of(&json)?;
    // Required by the documented schema, and ignored.
    body.integer("count", 0, u64::MAX)?;
    let spec = LicenseBody::read(&body)?;
    let mut rng = ctx.state.rng.clone();
    let key = {
        let app = ctx.app(id)?;
        let license = license_id
            .and_then(|l| app.license(l))
            .ok_or_else(|| Failure::not_found("License not found."))?;
        let taken: HashSet<&str> = app
            .licenses
            .iter()
            .filter(|l| l.id != license.id)
            .map(|l| l.key.as_str())
            .collect();
        let mut keys = mask::expand(&spec.mask, 1, &taken, &mut rng)?;
        keys.pop().unwrap_or_default()
    };
    ctx.state.rng = rng;
    let app = ctx.app_mut(id)?;
    let license = license_id
        .and_then(|l| app.license_mut(l))
        .ok_or_else(|| Failure::not_found("License not found."))?;
    license.key = key;
    license.comment = spec.comment;
    license.client_id = spec.client_id;
    license.ip_address = spec.ip_address;
    license.levels = spec.levels;
    license.requires_client_id = spec.requires_client_id;
    license.set_duration(spec.duration_secs);
    Ok(Success::message("Successfully updated license.").field("createdLicenses", json!([])))
}
