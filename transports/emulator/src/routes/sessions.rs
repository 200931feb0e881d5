//! Live sessions (`API.md` section 9): `GET /api/v1/wss/get-application-sessions`.
//!
//! Query: `applicationId`; `page` (from 1, default 1); `pageSize` (1–50,
//! default 10); `searchString` (default empty: every session); `categories`,
//! repeated, each `license`, `ip` or `clientId` (default `license`; another
//! value is a 400). A session matches when a chosen field contains the
//! search string, ignoring case. Sessions are listed in connection order.
//!
//! The answer is all top level, no `data`: `{success, message: "OK", total,
//! filteredTotal, authorizedSessionCount, lastConnectionTime, items, page,
//! pageSize}`; `createdAt` and `lastConnectionTime` are milliseconds since
//! the Unix epoch (`lastConnectionTime` is `null` with no session). The
//! emulator reports `authorizedSessionCount` as the sessions with a login
//! (its reading of an undocumented counter).
//!
//! Sessions come from [`Emulator::add_session`](crate::Emulator::add_session)
//! or the control surface; the API cannot create them. A plan without the
//! `liveSessionsOverview` feature answers 403
//! [`PLAN_FEATURE_UNAVAILABLE`](crate::codes::PLAN_FEATURE_UNAVAILABLE).

use serde_json::{Value, json};

use super::RowFilter;
use crate::codes;
use crate::input::invalid_format;
use crate::plan::LIVE_SESSIONS_OVERVIEW;
use crate::reply::{Failure, Success, shorten};
use crate::router::Ctx;
use crate::rules;
use crate::state::LiveSession;

/// The route's path (not under the panel prefix).
pub(crate) const PATH: &str = "/api/v1/wss/get-application-sessions";

/// The columns a search looks in: `license` (the default), `ip`, `clientId`.
const COLUMNS: [super::Column<LiveSession>; 3] = [
    ("license", |s| s.license.as_deref()),
    ("ip", |s| s.ip_address.as_deref()),
    ("clientId", |s| s.client_id.as_deref()),
];

/// `GET get-application-sessions`.
pub(crate) fn get_sessions(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    if !ctx.state.plan.has(LIVE_SESSIONS_OVERVIEW) {
        return Err(Failure::forbidden(
            codes::PLAN_FEATURE_UNAVAILABLE,
            "Your plan does not include the live sessions overview.",
        ));
    }
    let page = ctx.positive_query("page")?.unwrap_or(1);
    let (min, max) = rules::SESSIONS_PAGE_SIZE;
    let page_size = match ctx.query.get("pageSize") {
        None => rules::SESSIONS_DEFAULT_PAGE_SIZE,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|size| (min..=max).contains(size))
            .ok_or_else(|| {
                invalid_format(
                    "pageSize",
                    format!(
                        "must be a whole number from {min} to {max}, got {:?}",
                        shorten(text, 32)
                    ),
                )
            })?,
    };
    let needle = ctx.query.get("searchString").unwrap_or_default();
    let filter = RowFilter::new("categories", needle, ctx.query.all("categories"), &COLUMNS)?;
    let app = ctx.app(id)?;
    let matching: Vec<&LiveSession> = app
        .sessions
        .iter()
        .filter(|session| filter.keeps(session))
        .collect();
    let size = usize::try_from(page_size).unwrap_or(usize::MAX);
    let items: Vec<Value> = super::page_of(&matching, page, size)
        .iter()
        .map(|s| row(s))
        .collect();
    Ok(Success::message("OK")
        .field("total", json!(app.sessions.len()))
        .field("filteredTotal", json!(matching.len()))
        .field(
            "authorizedSessionCount",
            json!(app.sessions.iter().filter(|s| s.login.is_some()).count()),
        )
        .field(
            "lastConnectionTime",
            json!(app.sessions.iter().map(|s| s.created_at).max()),
        )
        .field("items", Value::Array(items))
        .field("page", json!(page))
        .field("pageSize", json!(page_size)))
}

fn row(session: &LiveSession) -> Value {
    json!({
        "serverId": session.server_id,
        "ipAddress": session.ip_address,
        "createdAt": session.created_at,
        "clientId": session.client_id,
        "login": session.login,
        "license": session.license,
    })
}
