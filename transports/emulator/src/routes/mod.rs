//! Route handlers, one module per resource: each handler reads its query and
//! body, checks everything, then changes the state (never the other way
//! round) and returns the documented success envelope.

pub(crate) mod account;
pub(crate) mod applications;
pub(crate) mod files;
pub(crate) mod license_actions;
pub(crate) mod licenses;
pub(crate) mod sessions;
pub(crate) mod users;
pub(crate) mod variables;
