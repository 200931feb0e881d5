//! App user routes (`API.md` section 5): the metadata, the paged and
//! searchable table, and `create-user`.
//!
//! The table and the metadata take the same optional `searchParams` as the
//! licenses table, with the categories `Login`, `IPv4` and `Client id` (no
//! category means `Login`; another is refused with 400). Rows are in creation
//! order, [`page size`](crate::EmulatorBuilder::page_size) a page.
//!
//! `create-user` is partly documented: its field limits and its response are
//! not. The emulator requires `login` and `password` as non-empty strings,
//! a login not yet used in the application, and `applicationUserSettings`
//! with `levels` (strings) and `requiresLicense` (a boolean); it reads
//! `requiresClientId` when given and ignores other settings. It answers
//! `{"success":true,"message":"User created successfully"}`: that message is
//! the emulator's own choice. The password is never kept.

use serde_json::{Value, json};

use super::RowFilter;
use crate::clock::iso8601;
use crate::input::{Body, invalid_format, parse_json};
use crate::reply::{Failure, Success};
use crate::router::Ctx;
use crate::state::{AppUser, Application};

/// The emulator's success message for `create-user` (undocumented).
pub(crate) const CREATED: &str = "User created successfully";

/// `GET get-users-metadata`: `{totalUsers}`, counting only matches when searched.
pub(crate) fn get_metadata(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let filter = RowFilter::from_search_params(ctx.query.get("searchParams"), &COLUMNS)?;
    let app = ctx.app(id)?;
    let total = matching(app, filter.as_ref()).count();
    Ok(Success::data(
        "Successfully fetched users metadata",
        json!({ "totalUsers": total }),
    ))
}

/// `GET get-users-table`: page `currentPage` (required, from 1), optionally searched.
pub(crate) fn get_table(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let page = ctx.current_page()?;
    let filter = RowFilter::from_search_params(ctx.query.get("searchParams"), &COLUMNS)?;
    let app = ctx.app(id)?;
    let users: Vec<&AppUser> = matching(app, filter.as_ref()).collect();
    let size = ctx.page_size;
    let rows: Vec<Value> = super::page_of(&users, page, size)
        .iter()
        .map(|user| row(user, app.id))
        .collect();
    Ok(
        Success::data("Successfully fetched users table", Value::Array(rows))
            .field("totalPages", json!(users.len().div_ceil(size))),
    )
}

fn matching<'a>(
    app: &'a Application,
    filter: Option<&'a RowFilter<AppUser>>,
) -> impl Iterator<Item = &'a AppUser> {
    app.users
        .iter()
        .filter(move |user| filter.is_none_or(|f| f.keeps(user)))
}

/// A users row, as documented.
fn row(user: &AppUser, application: u64) -> Value {
    json!({
        "id": user.id.to_string(),
        "applicationId": application.to_string(),
        "login": user.login,
        "comment": user.comment,
        "clientId": user.client_id,
        "ipAddress": user.ip_address,
        "applicationUserSettings": {
            "levels": user.levels,
            "requiresLicense": user.requires_license,
            "credentialsType": "email_password",
            "requiresClientId": user.requires_client_id,
        },
        "createdAt": iso8601(user.created_at),
    })
}

/// The columns the users table searches: `Login` (the default), `IPv4`, `Client id`.
const COLUMNS: [super::Column<AppUser>; 3] = [
    ("Login", |u| Some(u.login.as_str())),
    ("IPv4", |u| u.ip_address.as_deref()),
    ("Client id", |u| u.client_id.as_deref()),
];

/// `POST create-user`: see the module docs for what is checked.
pub(crate) fn create_user(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let json = parse_json(ctx.body)?;
    let body = Body::of(&json)?;
    let login = body.string("login")?;
    let password = body.string("password")?;
    for (field, value) in [("login", login), ("password", password)] {
        if value.trim().is_empty() {
            return Err(invalid_format(field, "must not be empty"));
        }
    }
    let comment = body.optional_string("comment")?.map(str::to_owned);
    let client_id = body.optional_string("clientId")?.map(str::to_owned);
    let ip_address = body.optional_string("ipAddress")?.map(str::to_owned);
    let settings = body.object("applicationUserSettings")?;
    let levels: Vec<String> = settings
        .strings("levels")?
        .into_iter()
        .map(str::to_owned)
        .collect();
    let requires_license = settings.boolean("requiresLicense")?;
    let requires_client_id = settings
        .optional_boolean("requiresClientId")?
        .unwrap_or(false);
    if ctx.app(id)?.users.iter().any(|u| u.login == login) {
        return Err(Failure::new(
            http::StatusCode::CONFLICT,
            crate::codes::CONFLICT,
            "A user with this login already exists in this application.",
        ));
    }
    let user_id = ctx.state.allocate_id();
    let now = ctx.now;
    ctx.app_mut(id)?.users.push(AppUser {
        id: user_id,
        login: login.to_owned(),
        comment,
        client_id,
        ip_address,
        levels,
        requires_license,
        requires_client_id,
        created_at: now,
    });
    Ok(Success::message(CREATED))
}
