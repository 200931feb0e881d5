//! The documented shapes of rows and envelopes, built from their parts: one
//! source for the proptest strategies ([`crate::strategy`]) and the
//! `arbitrary` implementations, so both generate the same shapes.

use serde_json::{Value, json};

use crate::duration::LicenseDuration;

/// The documented error codes and a few others the API uses.
pub(crate) const ERROR_CODES: &[&str] = &[
    "api_key_invalid",
    "api_key_expired",
    "api_key_revoked",
    "insufficient_scope",
    "application_forbidden",
    "session_required",
    "rate_limited",
    "validation_error",
    "not_found",
];

/// The parts of a licenses-table row.
pub(crate) struct LicenseRowParts {
    pub(crate) id: String,
    pub(crate) license: String,
    pub(crate) client_id: Option<String>,
    pub(crate) paused_at: Option<String>,
    pub(crate) created_at: String,
    pub(crate) expires_at: String,
    pub(crate) application_id: String,
    pub(crate) comment: Option<String>,
    pub(crate) duration: LicenseDuration,
}

/// A licenses-table row as the API sends it.
pub(crate) fn license_row(p: LicenseRowParts) -> Value {
    json!({
        "id": p.id,
        "license": p.license,
        "clientId": p.client_id,
        "ipAddress": null,
        "pausedAt": p.paused_at,
        "createdAt": p.created_at,
        "expiresAt": p.expires_at,
        "applicationId": p.application_id,
        "comment": p.comment,
        "applicationLicenseSettings": {
            "levels": ["pro"],
            "durationSeconds": p.duration.as_secs(),
            "requiresClientId": false
        }
    })
}

/// An app-users-table row as the API sends it.
pub(crate) fn user_row(
    id: String,
    login: String,
    application_id: String,
    comment: Option<String>,
    created_at: String,
) -> Value {
    json!({
        "id": id,
        "login": login,
        "applicationId": application_id,
        "comment": comment,
        "clientId": null,
        "ipAddress": null,
        "createdAt": created_at
    })
}

/// A live session as the API sends it (times in milliseconds).
pub(crate) fn session(
    server_id: Option<String>,
    created_at_millis: i64,
    client_id: Option<String>,
    login: Option<String>,
    license: Option<String>,
) -> Value {
    json!({
        "serverId": server_id,
        "ipAddress": "127.0.0.1",
        "createdAt": created_at_millis,
        "clientId": client_id,
        "login": login,
        "license": license
    })
}

/// A page of a panel table: `data` holds the rows, `totalPages` stands
/// beside it (at least 1 when there are rows).
pub(crate) fn table_envelope(rows: Vec<Value>, total_pages: u64) -> Vec<u8> {
    let total_pages = total_pages.max(u64::from(!rows.is_empty()));
    json!({
        "success": true,
        "message": "Successfully fetched the table",
        "data": rows,
        "totalPages": total_pages
    })
    .to_string()
    .into_bytes()
}

/// The live sessions' answer: every field at the top level, consistent with
/// the page (`page` of `pageSize` rows, this one holding `items`).
pub(crate) fn sessions_envelope(items: Vec<Value>, page: u32, page_size: u64) -> Vec<u8> {
    let page = page.max(1);
    let filtered = items.len() as u64 + u64::from(page - 1) * page_size;
    json!({
        "success": true,
        "message": "Successfully fetched sessions",
        "total": filtered,
        "filteredTotal": filtered,
        "authorizedSessionCount": 0,
        "page": page,
        "pageSize": page_size,
        "items": items
    })
    .to_string()
    .into_bytes()
}

/// `create-licenses`' answer: the keys in `createdLicenses`, at the top level.
pub(crate) fn created_licenses_envelope(keys: Vec<String>) -> Vec<u8> {
    json!({
        "success": true,
        "message": "Successfully created licenses.",
        "createdLicenses": keys
    })
    .to_string()
    .into_bytes()
}

/// An error envelope, with or without a code.
pub(crate) fn error_envelope(code: Option<String>, message: &str) -> Vec<u8> {
    let mut envelope = json!({"success": false, "message": message});
    if let Some(code) = code {
        envelope["code"] = Value::String(code);
    }
    envelope.to_string().into_bytes()
}
