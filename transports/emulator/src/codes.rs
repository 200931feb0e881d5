//! The error codes the emulator answers with, and its HTTP status convention.
//!
//! Blazeauth documents six codes and no HTTP statuses. The emulator uses the
//! five codes that apply to management keys, plus codes of its own for the
//! cases the documentation leaves open (the real service has such codes, but
//! their names are not published: do not rely on the emulator's names when
//! talking to production).
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | [`VALIDATION_ERROR`] (emulator's own) | malformed JSON, wrong types, a broken limit, a bad query parameter, a mask that cannot yield enough unique keys, a duplicate license key |
//! | 401 | [`API_KEY_INVALID`] | `Authorization` missing, not `Bearer`, malformed, unknown or mismatched key |
//! | 401 | [`API_KEY_EXPIRED`] | the key is past its expiry |
//! | 401 | [`API_KEY_REVOKED`] | the key was revoked (checked before expiry) |
//! | 403 | [`INSUFFICIENT_SCOPE`] | the key lacks the route's scope (message `Insufficient API key scope.`) |
//! | 403 | [`APPLICATION_FORBIDDEN`] | the key is restricted away from the application, or is restricted at all on `create-application` |
//! | 400 | no code | a file name already used in the application (`File name must be unique for your application`, as documented) |
//! | 403 | [`SESSION_REQUIRED`] | an avatar upload URL asked for with a management key |
//! | 403 | [`PLAN_FEATURE_UNAVAILABLE`] (emulator's own) | live sessions on a plan without `liveSessionsOverview` |
//! | 404 | [`NOT_FOUND`] (emulator's own) | unknown route, application, license, variable or file |
//! | 409 | [`CONFLICT`] (emulator's own) | an app user login already used in the application |
//! | 409 | no code (emulator's own) | `check-file-uploaded-status` before the bytes arrived (`File has not been uploaded`) |
//! | 405 | [`METHOD_NOT_ALLOWED`] (emulator's own) | a known route with another method (`Allow` names the right one) |
//! | 408 | [`REQUEST_TIMEOUT`] (emulator's own, served over HTTP only) | a request body that did not arrive in time; the connection is then closed |
//! | 413 | [`PAYLOAD_TOO_LARGE`] (emulator's own) | a body over the limit (1 MiB by default); over HTTP the connection is then closed |
//! | 421 | [`MISDIRECTED_REQUEST`] (emulator's own, served over HTTP only) | a `Host` that is not loopback nor the served address (a DNS-rebinding page); the connection is then closed |
//! | 503 | [`SERVER_BUSY`] (emulator's own, served over HTTP only) | the request bodies in flight are at the server's limit and no room came within the body read time; the connection is then closed |
//! | 429 | [`RATE_LIMITED`] (emulator's own) | a third runtime-key rotation within an hour; `Retry-After` in seconds |
//! | 500, 502, 503, ... | [`INJECTED_FAULT`] (emulator's own) | only from fault injection ([`Fault::Status`](crate::Fault::Status)) |
//!
//! Checks run in this order, the first failure answering: body size (413);
//! route (404) and method (405); key (401); scope (403); query string (400);
//! the application of `applicationId`: well-formed (400), allowed for the key
//! (403), existing (404); then the body (400) and the route's own checks
//! (unknown license, app user, variable or file 404, mask or duration 400,
//! rotation 429, the plan's feature 403, a taken name 400 or 409).
//! Two routes read their body earlier: `license-action` reads its `action`
//! before the scope check, because the scope depends on it, and
//! `delete-application` reads its body before the application checks,
//! because the application id is in it.
//!
//! Over HTTP, `Host` (421) comes first, then a declared `Content-Length` past
//! the limit and its drain (413), then route, method, key and scope from the
//! request's head, before its body is read: a request refused there never
//! has its body read (so a body a little over the limit, which would
//! otherwise be drained and answered 413, gets that refusal instead).

/// 401: key missing, malformed, unknown or mismatched (documented).
pub const API_KEY_INVALID: &str = "api_key_invalid";
/// 401: key past its expiry (documented).
pub const API_KEY_EXPIRED: &str = "api_key_expired";
/// 401: key revoked (documented).
pub const API_KEY_REVOKED: &str = "api_key_revoked";
/// 403: key lacks the route's scope (documented).
pub const INSUFFICIENT_SCOPE: &str = "insufficient_scope";
/// 403: key restricted away from the application (documented).
pub const APPLICATION_FORBIDDEN: &str = "application_forbidden";
/// 400: the request breaks a documented constraint (the emulator's own code).
pub const VALIDATION_ERROR: &str = "validation_error";
/// 404: unknown route, application, license or app user (the emulator's own code).
pub const NOT_FOUND: &str = "not_found";
/// 405: known route, other method (the emulator's own code).
pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
/// 413: body over the limit (the emulator's own code).
pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
/// 408: a request body that did not arrive in time (the emulator's own code).
pub const REQUEST_TIMEOUT: &str = "request_timeout";
/// 429: rate limit reached, see `Retry-After` (the emulator's own code).
pub const RATE_LIMITED: &str = "rate_limited";
/// A status answered by fault injection (the emulator's own code).
pub const INJECTED_FAULT: &str = "injected_fault";
/// A name that must be unique is taken (an app user's login). The emulator's
/// own code: the docs list none for it.
pub const CONFLICT: &str = "conflict";
/// The plan lacks the feature the route needs (`liveSessionsOverview` for the
/// live sessions). The emulator's own code (403): the docs name the plan
/// requirement but not its error.
pub const PLAN_FEATURE_UNAVAILABLE: &str = "plan_feature_unavailable";
/// An avatar upload URL needs a dashboard session (documented).
pub const SESSION_REQUIRED: &str = "session_required";
/// 421: the request's `Host` is not one the served emulator answers to (the
/// emulator's own code).
pub const MISDIRECTED_REQUEST: &str = "misdirected_request";
/// 503: the served emulator holds as many request body bytes as it may; try
/// again (the emulator's own code).
pub const SERVER_BUSY: &str = "server_busy";
