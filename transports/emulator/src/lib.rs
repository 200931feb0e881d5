//! # blazeauth-emulator
//!
//! An in-memory, stateful Blazeauth Management API, for trying the SDK
//! without touching a production account and for testing transports without a
//! server. It implements the documented contract (`API.md`) for every route
//! whose path is documented: the eight application routes, the five license
//! routes (all 13 license actions), app users (metadata, table, create),
//! variables (list, create, edit), files (upload URL, name check, upload
//! status, and a fake storage host), live sessions and the account limits:
//! 24 routes ([`served_routes`]).
//!
//! It is three things at once:
//!
//! - **A pure handler**: [`Emulator::handle`] takes an
//!   `http::Request<Vec<u8>>` and returns an `http::Response<Vec<u8>>`. It never
//!   panics; every API answer is a JSON envelope (the fake storage host's
//!   are plain text); a refused API request changes nothing.
//! - **A transport**: [`Emulator`] implements [`blazeauth_core::Transport`], so
//!   a [`Client<Emulator>`](blazeauth_core::Client) runs in-process
//!   ([`Emulator::client`]).
//! - **An HTTP/1.1 server** on loopback (feature `server`, on by default:
//!   hyper on a tokio runtime of its own, hardened against stalled, oversized
//!   and abusive clients, see [`ServeOptions`]): [`Emulator::serve`] (or the
//!   `blazeauth-emulator` binary: `cargo run -p blazeauth-emulator -- --port 8787`).
//!
//! ```
//! use blazeauth_core::api::{self, LicenseAction, LicenseSpec};
//! use blazeauth_core::LicenseDuration;
//! use blazeauth_emulator::{Emulator, LicenseState};
//!
//! let emulator = Emulator::new();
//! let client = emulator.client(); // admin key: all scopes, all applications
//! client.send(&api::CreateApplication::new("My application"))?;
//! let app = client.send(&api::GetApplications)?.remove(0).id;
//! let spec = LicenseSpec::new("PRO-****-****", ["pro"], LicenseDuration::from_days(30)?);
//! let keys = client.send(&api::CreateLicenses::new(app.clone(), spec, 3))?;
//! assert_eq!(keys.len(), 3);
//!
//! let licenses = emulator.licenses(&app); // a snapshot, straight from the state
//! let first = licenses[0].id.clone();
//! client.send(&api::RunLicenseAction::new(app.clone(), LicenseAction::Pause { license_id: first }))?;
//! assert_eq!(emulator.licenses(&app)[0].state, LicenseState::Paused);
//! let metadata = client.send(&api::GetLicensesMetadata::new(app))?;
//! assert_eq!((metadata.total_licenses, metadata.paused_licenses), (3, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## What it models
//!
//! - **Keys** ([`KeySpec`], [`Emulator::create_key`], [`Emulator::revoke_key`],
//!   [`Emulator::expire_key`]): scopes, all applications or a list, expiry,
//!   revocation; the errors of [`codes`] in the order given there.
//! - **Applications**: name, license levels, settings, runtime keys (rotation
//!   limited to [`ROTATIONS_PER_HOUR`] per application per hour, on the
//!   emulator's [`Clock`]), deletion with everything the application owns.
//! - **Licenses**: masks expanded from the seeded RNG with no duplicate key in
//!   an application, a state model ([`license`], [`LicenseState`]) that the
//!   table rows, the metadata counters and the actions agree on, a table paged
//!   by [`EmulatorBuilder::page_size`] and searched by `License`, `IPv4` and
//!   `Client id`.
//! - **App users, variables, files**: `create-user` (logins unique per
//!   application, the password never kept), the users table (paged by
//!   [`EmulatorBuilder::page_size`]) and metadata searched by `Login`,
//!   `IPv4`, `Client id`; variables with their documented limits; upload URLs
//!   pointing at a **fake storage host** served by the emulator itself
//!   (`/_storage/{token}`, one `PUT` of exactly the declared size per URL),
//!   which refuses a request carrying `Authorization` and records the
//!   headers of every request it receives ([`FileSnapshot`],
//!   [`Emulator::storage_requests`]); see [`codes`] and the route docs for
//!   the answers the docs leave open. Snapshots per application:
//!   [`Emulator::app_users`], [`Emulator::variables`], [`Emulator::files`],
//!   [`Emulator::sessions`].
//! - **Live sessions and the plan**: sessions added by a test
//!   ([`Emulator::add_session`]) listed by `get-application-sessions`, paged
//!   and searched; the account [`Plan`] behind `get-account-limits` (set with
//!   [`EmulatorBuilder::plan`] or [`Emulator::set_plan`], with room for
//!   limits and features the docs do not list yet), whose
//!   `liveSessionsOverview` feature gates the sessions ([`plan`]).
//! - **What the API cannot do** ([`hooks`]): a client activating a license or
//!   connecting, adding app users ([`NewAppUser`]), creating an application
//!   and learning its id, changing the plan.
//! - **A control surface over HTTP** ([`control`], served only): state,
//!   reset, faults, the clock, license activation, app users, live sessions,
//!   the plan and restricted keys under `/_emulator/`, for test suites in any
//!   language.
//! - **Faults** ([`faults`]): delays, closed connections, 5xx, 429, cut-off
//!   bodies, HTML pages and oversized bodies, per path or for the next N
//!   requests, deterministic.
//!
//! Dates are ISO 8601 UTC with milliseconds (`2026-05-12T09:00:00.000Z`);
//! `durationSeconds` in table rows is a number of seconds; ids are decimal
//! strings. Request bodies over [`DEFAULT_MAX_BODY_BYTES`] (1 MiB, see
//! [`EmulatorBuilder::max_body_bytes`]) are refused with 413.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
mod clock;
pub mod codes;
pub mod control;
mod emulator;
pub mod faults;
pub mod hooks;
mod input;
mod keys;
pub mod license;
mod mask;
pub mod plan;
mod reply;
mod router;
mod routes;
mod rules;
#[cfg(feature = "server")]
mod server;
mod snapshot;
mod state;
mod transport;

pub use clock::{Clock, ManualClock, OffsetClock, SystemClock};
pub use emulator::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_PAGE_SIZE, Emulator, EmulatorBuilder, IN_PROCESS_BASE_URL,
};
pub use faults::{Fault, FaultRule};
pub use hooks::{HookError, NewAppUser, NewSession};
pub use keys::{ApplicationAccess, KeySpec};
pub use license::LicenseState;
pub use plan::Plan;
pub use routes::applications::ROTATIONS_PER_HOUR;
pub use routes::files::STORAGE_PREFIX;
#[cfg(feature = "server")]
pub use server::{
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_BODY_BYTES_IN_FLIGHT,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HEADER_BYTES, ServeOptions, Server,
};
pub use snapshot::{
    AppUserSnapshot, ApplicationSnapshot, FileSnapshot, LicenseSnapshot, SessionSnapshot,
    StateSnapshot, StorageRequestSnapshot, VariableSnapshot,
};

/// Every route the emulator serves, as `(method, path)`.
///
/// ```
/// let routes = blazeauth_emulator::served_routes();
/// assert_eq!(routes.len(), 24);
/// assert!(routes.contains(&(http::Method::POST, "/api/v1/panel/license-action".to_owned())));
/// ```
pub fn served_routes() -> Vec<(http::Method, String)> {
    router::served_routes().collect()
}

#[cfg(test)]
mod tests {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    fn sendable<T: Send + Sync>() {}

    #[test]
    fn the_emulator_is_shared_across_threads() {
        shareable::<crate::Emulator>();
        #[cfg(feature = "server")]
        sendable::<crate::Server>();
        sendable::<crate::HookError>();
        sendable::<crate::FaultRule>();
    }
}
