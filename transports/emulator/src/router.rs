//! The pure handler: the route table, the checks every request goes through
//! (body size, route, method, key, scope), and the [`Ctx`] route handlers
//! work with.
//!
//! [`handle`] never panics and always answers a JSON envelope; see
//! [`codes`](crate::codes) for the statuses and the order of the checks.

use std::sync::{Mutex, PoisonError};

use blazeauth_core::Scope;
use http::Method;

use crate::auth::{Caller, authenticate};
use crate::clock::{Clock, Millis, to_millis};
use crate::codes;
use crate::input::Query;
use crate::reply::{Failure, Success, shorten};
use crate::routes::{
    account, applications, files, license_actions, licenses, sessions, users, variables,
};
use crate::state::{Application, State};

/// The panel routes' common prefix.
const PANEL: &str = "/api/v1/panel/";

/// Handler settings fixed when the emulator is built.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) page_size: usize,
    pub(crate) max_body_bytes: usize,
}

/// Which scope a route needs.
#[derive(Debug, Clone, Copy)]
enum RouteScope {
    /// This one, checked before the handler runs.
    Fixed(Scope),
    /// It depends on the body (`license-action`): the handler checks it.
    PerAction,
}

type Handler = fn(&mut Ctx<'_>) -> Result<Success, Failure>;

struct Route {
    method: Method,
    /// Under [`PANEL`], or a whole path when it starts with `/`.
    name: &'static str,
    scope: RouteScope,
    handler: Handler,
}

/// Every route the emulator serves: the documented routes with known paths
/// (and `check-file-uploaded-status`, whose method and body are the
/// emulator's guess).
static ROUTES: [Route; 24] = [
    Route {
        method: Method::GET,
        name: "get-applications",
        scope: RouteScope::Fixed(Scope::ApplicationsRead),
        handler: applications::get_applications,
    },
    Route {
        method: Method::POST,
        name: "create-application",
        scope: RouteScope::Fixed(Scope::ApplicationsCreate),
        handler: applications::create_application,
    },
    Route {
        method: Method::POST,
        name: "create-application-license-levels",
        scope: RouteScope::Fixed(Scope::ApplicationsUpdate),
        handler: applications::create_license_levels,
    },
    Route {
        method: Method::GET,
        name: "get-application-license-levels",
        scope: RouteScope::Fixed(Scope::ApplicationsRead),
        handler: applications::get_license_levels,
    },
    Route {
        method: Method::PATCH,
        name: "update-application-settings",
        scope: RouteScope::Fixed(Scope::ApplicationsUpdate),
        handler: applications::update_settings,
    },
    Route {
        method: Method::PATCH,
        name: "update-api-keys",
        scope: RouteScope::Fixed(Scope::ApplicationsUpdate),
        handler: applications::rotate_runtime_key,
    },
    Route {
        method: Method::GET,
        name: "get-application-settings",
        scope: RouteScope::Fixed(Scope::ApplicationsRead),
        handler: applications::get_settings,
    },
    Route {
        method: Method::DELETE,
        name: "delete-application",
        scope: RouteScope::Fixed(Scope::ApplicationsDelete),
        handler: applications::delete_application,
    },
    Route {
        method: Method::GET,
        name: "get-licenses-metadata",
        scope: RouteScope::Fixed(Scope::LicensesRead),
        handler: licenses::get_metadata,
    },
    Route {
        method: Method::GET,
        name: "get-licenses-table",
        scope: RouteScope::Fixed(Scope::LicensesRead),
        handler: licenses::get_table,
    },
    Route {
        method: Method::POST,
        name: "create-licenses",
        scope: RouteScope::Fixed(Scope::LicensesCreate),
        handler: licenses::create_licenses,
    },
    Route {
        method: Method::PATCH,
        name: "edit-licenses",
        scope: RouteScope::Fixed(Scope::LicensesUpdate),
        handler: licenses::edit_license,
    },
    Route {
        method: Method::POST,
        name: "license-action",
        scope: RouteScope::PerAction,
        handler: license_actions::run,
    },
    Route {
        method: Method::GET,
        name: "get-users-metadata",
        scope: RouteScope::Fixed(Scope::AppUsersRead),
        handler: users::get_metadata,
    },
    Route {
        method: Method::GET,
        name: "get-users-table",
        scope: RouteScope::Fixed(Scope::AppUsersRead),
        handler: users::get_table,
    },
    Route {
        method: Method::POST,
        name: "create-user",
        scope: RouteScope::Fixed(Scope::AppUsersCreate),
        handler: users::create_user,
    },
    Route {
        method: Method::GET,
        name: "get-variables",
        scope: RouteScope::Fixed(Scope::VariablesRead),
        handler: variables::get_variables,
    },
    Route {
        method: Method::POST,
        name: "create-variable",
        scope: RouteScope::Fixed(Scope::VariablesCreate),
        handler: variables::create_variable,
    },
    Route {
        method: Method::PATCH,
        name: "edit-variable",
        scope: RouteScope::Fixed(Scope::VariablesUpdate),
        handler: variables::edit_variable,
    },
    Route {
        method: Method::POST,
        name: "get-presigned-upload-url",
        scope: RouteScope::Fixed(Scope::FilesUpload),
        handler: files::presigned_upload_url,
    },
    Route {
        method: Method::POST,
        name: "check-file-name",
        scope: RouteScope::Fixed(Scope::FilesUpload),
        handler: files::check_file_name,
    },
    Route {
        method: Method::POST,
        name: "check-file-uploaded-status",
        scope: RouteScope::Fixed(Scope::FilesUpload),
        handler: files::check_uploaded_status,
    },
    Route {
        method: Method::GET,
        name: sessions::PATH,
        scope: RouteScope::Fixed(Scope::SessionsRead),
        handler: sessions::get_sessions,
    },
    Route {
        method: Method::GET,
        name: "get-account-limits",
        scope: RouteScope::Fixed(Scope::AccountRead),
        handler: account::get_limits,
    },
];

impl Route {
    /// Whether `path` is this route's path.
    fn serves(&self, path: &str) -> bool {
        if self.name.starts_with('/') {
            path == self.name
        } else {
            path.strip_prefix(PANEL) == Some(self.name)
        }
    }

    fn path(&self) -> String {
        if self.name.starts_with('/') {
            self.name.to_owned()
        } else {
            format!("{PANEL}{}", self.name)
        }
    }
}

/// The paths of every route served, with their methods (for documentation and tests).
pub(crate) fn served_routes() -> impl Iterator<Item = (Method, String)> {
    ROUTES
        .iter()
        .map(|route| (route.method.clone(), route.path()))
}

/// What a route handler works with.
pub(crate) struct Ctx<'a> {
    pub(crate) state: &'a mut State,
    pub(crate) caller: Caller,
    pub(crate) now: Millis,
    pub(crate) query: Query,
    pub(crate) body: &'a [u8],
    pub(crate) page_size: usize,
    pub(crate) max_body_bytes: usize,
    /// `scheme://host[:port]` the request was sent to (for presigned URLs).
    pub(crate) origin: String,
}

impl Ctx<'_> {
    /// The application of the `applicationId` query parameter: present and
    /// well-formed (400), allowed for the key (403), existing (404).
    pub(crate) fn query_application(&self) -> Result<u64, Failure> {
        let id = self.query.id("applicationId")?;
        self.application(id)
    }

    /// Checks access to, then existence of, application `id` (`None`: an id
    /// too large to exist).
    pub(crate) fn application(&self, id: Option<u64>) -> Result<u64, Failure> {
        match id {
            Some(id) => {
                self.caller.require_application(id)?;
                self.state
                    .application(id)
                    .map(|app| app.id)
                    .ok_or_else(|| Failure::not_found("Application not found."))
            }
            None => {
                self.caller.require_application(u64::MAX)?;
                Err(Failure::not_found("Application not found."))
            }
        }
    }

    /// The required `currentPage` query parameter of the panel tables: a
    /// whole number from 1.
    pub(crate) fn current_page(&self) -> Result<u64, Failure> {
        self.positive_query("currentPage")?
            .ok_or_else(|| crate::input::invalid_format("currentPage", "is required"))
    }

    /// An optional query parameter that must be a whole number from 1.
    pub(crate) fn positive_query(&self, name: &str) -> Result<Option<u64>, Failure> {
        let Some(text) = self.query.get(name) else {
            return Ok(None);
        };
        text.parse()
            .ok()
            .filter(|&p: &u64| p >= 1)
            .map(Some)
            .ok_or_else(|| {
                crate::input::invalid_format(
                    name,
                    format!("must be a whole number from 1, got {:?}", shorten(text, 32)),
                )
            })
    }

    /// The application `id`, checked before by [`application`](Self::application).
    pub(crate) fn app(&self, id: u64) -> Result<&Application, Failure> {
        self.state
            .application(id)
            .ok_or_else(|| Failure::not_found("Application not found."))
    }

    /// The application `id`, mutably.
    pub(crate) fn app_mut(&mut self, id: u64) -> Result<&mut Application, Failure> {
        self.state
            .application_mut(id)
            .ok_or_else(|| Failure::not_found("Application not found."))
    }
}

/// `scheme://authority` of the request: from its absolute URI (in-process
/// requests), else `http://` and its `Host` header (served requests), else a
/// placeholder that resolves nowhere.
fn origin(request: &http::Request<Vec<u8>>) -> String {
    let uri = request.uri();
    if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
        return format!("{scheme}://{authority}");
    }
    request
        .headers()
        .get(http::header::HOST)
        .and_then(|host| host.to_str().ok())
        .and_then(|host| host.parse::<http::uri::Authority>().ok())
        .map_or_else(
            || crate::IN_PROCESS_BASE_URL.to_owned(),
            |host| format!("http://{host}"),
        )
}

/// Answers `request` from `state`. Never panics.
pub(crate) fn handle(
    state: &Mutex<State>,
    clock: &dyn Clock,
    settings: Settings,
    request: &http::Request<Vec<u8>>,
) -> http::Response<Vec<u8>> {
    if request.uri().path().starts_with(files::STORAGE_PREFIX) {
        return files::storage(state, request);
    }
    match route(state, clock, settings, request) {
        Ok(success) => success.into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// The checks that need only the request's head, in the documented order:
/// route (404), method (405), key (401), the route's fixed scope (403).
fn check_head(
    state: &State,
    now: Millis,
    method: &Method,
    uri: &http::Uri,
    headers: &http::HeaderMap,
) -> Result<(&'static Route, Caller), Failure> {
    let path = uri.path();
    let mut same_path = ROUTES.iter().filter(|route| route.serves(path)).peekable();
    let Some(first) = same_path.peek().map(|route| route.method.clone()) else {
        return Err(Failure::not_found(format!(
            "Unknown route {} {}: the emulator serves the documented routes only.",
            shorten(method.as_str(), 16),
            shorten(path, 120)
        )));
    };
    let Some(route) = same_path.find(|route| route.method == method) else {
        return Err(Failure::new(
            http::StatusCode::METHOD_NOT_ALLOWED,
            codes::METHOD_NOT_ALLOWED,
            format!("{path} expects {first}."),
        )
        .header(http::header::ALLOW, first.to_string()));
    };
    let caller = authenticate(state, headers, now)?;
    if let RouteScope::Fixed(scope) = route.scope {
        caller.require(scope)?;
    }
    Ok((route, caller))
}

/// The answer a request gets from its head alone, before its body is read:
/// `Some` when the head already fails ([`check_head`]); `None` for a head
/// that passes and for the fake storage host (its own rules need the body).
#[cfg(feature = "server")]
pub(crate) fn refuse_head(
    state: &Mutex<State>,
    clock: &dyn Clock,
    head: &http::request::Parts,
) -> Option<http::Response<Vec<u8>>> {
    if head.uri.path().starts_with(files::STORAGE_PREFIX) {
        return None;
    }
    let state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let now = to_millis(clock.now());
    check_head(&state, now, &head.method, &head.uri, &head.headers)
        .err()
        .map(Failure::into_response)
}

fn route(
    state: &Mutex<State>,
    clock: &dyn Clock,
    settings: Settings,
    request: &http::Request<Vec<u8>>,
) -> Result<Success, Failure> {
    let body = request.body();
    if body.len() > settings.max_body_bytes {
        return Err(Failure::new(
            http::StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            format!(
                "The request body is over the emulator's limit of {} bytes.",
                settings.max_body_bytes
            ),
        ));
    }
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let now = to_millis(clock.now());
    let (route, caller) = check_head(
        &state,
        now,
        request.method(),
        request.uri(),
        request.headers(),
    )?;
    let query = Query::parse(request.uri().query())?;
    let mut ctx = Ctx {
        state: &mut state,
        caller,
        now,
        query,
        body,
        page_size: settings.page_size.max(1),
        max_body_bytes: settings.max_body_bytes,
        origin: origin(request),
    };
    (route.handler)(&mut ctx)
}
