//! The 26 scopes a management API key can be granted.
//!
//! Every scope has a wire name of the form `resource:action`, such as
//! `licenses:read` or `sessions:disconnect`. [`Scope`] displays, parses and
//! (de)serializes as that wire name.
//!
//! ```
//! use blazeauth_core::Scope;
//!
//! let scope: Scope = "app_users:update".parse()?;
//! assert_eq!(scope, Scope::AppUsersUpdate);
//! assert_eq!(scope.to_string(), "app_users:update");
//! assert_eq!(serde_json::to_string(&scope)?, r#""app_users:update""#);
//! assert_eq!(Scope::ALL.len(), 26);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// A management API key scope: one action on one kind of resource.
///
/// Ordering follows the declaration order (the order of [`Scope::ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scope {
    /// `applications:read`: list applications and read their details.
    ApplicationsRead,
    /// `applications:create`: create applications.
    ApplicationsCreate,
    /// `applications:update`: update applications, including their settings,
    /// license levels and runtime keys.
    ApplicationsUpdate,
    /// `applications:delete`: delete applications.
    ApplicationsDelete,
    /// `licenses:read`: list licenses and read their details.
    LicensesRead,
    /// `licenses:create`: create licenses.
    LicensesCreate,
    /// `licenses:update`: pause, extend, reset, blacklist, reinitialize, link
    /// and edit licenses.
    LicensesUpdate,
    /// `licenses:delete`: delete one license or all licenses.
    LicensesDelete,
    /// `app_users:read`: list application users and read their details.
    AppUsersRead,
    /// `app_users:create`: create application users.
    AppUsersCreate,
    /// `app_users:update`: update application users.
    AppUsersUpdate,
    /// `app_users:delete`: delete application users.
    AppUsersDelete,
    /// `blacklists:read`: list blacklist entries.
    BlacklistsRead,
    /// `blacklists:create`: add blacklist entries.
    BlacklistsCreate,
    /// `blacklists:update`: update blacklist entries.
    BlacklistsUpdate,
    /// `blacklists:delete`: delete blacklist entries.
    BlacklistsDelete,
    /// `variables:read`: list variables and read their values.
    VariablesRead,
    /// `variables:create`: create variables.
    VariablesCreate,
    /// `variables:update`: update variables.
    VariablesUpdate,
    /// `variables:delete`: delete variables.
    VariablesDelete,
    /// `files:read`: list files and read their details.
    FilesRead,
    /// `files:upload`: request upload URLs, check file names and read the
    /// upload status.
    FilesUpload,
    /// `files:delete`: delete and rename files.
    FilesDelete,
    /// `sessions:read`: list live sessions.
    SessionsRead,
    /// `sessions:disconnect`: disconnect live sessions.
    SessionsDisconnect,
    /// `account:read`: read the account that owns the key.
    AccountRead,
}

impl Scope {
    /// Every scope, in declaration order.
    pub const ALL: [Scope; 26] = [
        Scope::ApplicationsRead,
        Scope::ApplicationsCreate,
        Scope::ApplicationsUpdate,
        Scope::ApplicationsDelete,
        Scope::LicensesRead,
        Scope::LicensesCreate,
        Scope::LicensesUpdate,
        Scope::LicensesDelete,
        Scope::AppUsersRead,
        Scope::AppUsersCreate,
        Scope::AppUsersUpdate,
        Scope::AppUsersDelete,
        Scope::BlacklistsRead,
        Scope::BlacklistsCreate,
        Scope::BlacklistsUpdate,
        Scope::BlacklistsDelete,
        Scope::VariablesRead,
        Scope::VariablesCreate,
        Scope::VariablesUpdate,
        Scope::VariablesDelete,
        Scope::FilesRead,
        Scope::FilesUpload,
        Scope::FilesDelete,
        Scope::SessionsRead,
        Scope::SessionsDisconnect,
        Scope::AccountRead,
    ];

    /// The wire name, such as `"licenses:read"`.
    ///
    /// ```
    /// use blazeauth_core::Scope;
    ///
    /// assert_eq!(Scope::SessionsDisconnect.as_str(), "sessions:disconnect");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::ApplicationsRead => "applications:read",
            Scope::ApplicationsCreate => "applications:create",
            Scope::ApplicationsUpdate => "applications:update",
            Scope::ApplicationsDelete => "applications:delete",
            Scope::LicensesRead => "licenses:read",
            Scope::LicensesCreate => "licenses:create",
            Scope::LicensesUpdate => "licenses:update",
            Scope::LicensesDelete => "licenses:delete",
            Scope::AppUsersRead => "app_users:read",
            Scope::AppUsersCreate => "app_users:create",
            Scope::AppUsersUpdate => "app_users:update",
            Scope::AppUsersDelete => "app_users:delete",
            Scope::BlacklistsRead => "blacklists:read",
            Scope::BlacklistsCreate => "blacklists:create",
            Scope::BlacklistsUpdate => "blacklists:update",
            Scope::BlacklistsDelete => "blacklists:delete",
            Scope::VariablesRead => "variables:read",
            Scope::VariablesCreate => "variables:create",
            Scope::VariablesUpdate => "variables:update",
            Scope::VariablesDelete => "variables:delete",
            Scope::FilesRead => "files:read",
            Scope::FilesUpload => "files:upload",
            Scope::FilesDelete => "files:delete",
            Scope::SessionsRead => "sessions:read",
            Scope::SessionsDisconnect => "sessions:disconnect",
            Scope::AccountRead => "account:read",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a string that is not the exact wire name of a
/// [`Scope`]. Keeps the string that was given.
///
/// ```
/// use blazeauth_core::{Scope, UnknownScope};
///
/// let err: UnknownScope = "licenses:write".parse::<Scope>().unwrap_err();
/// assert_eq!(err.as_str(), "licenses:write");
/// assert!(err.to_string().contains("resource:action"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown scope {:?}: expected a scope of the form `resource:action`, such as `licenses:read`",
    shorten(.0)
)]
pub struct UnknownScope(String);

impl UnknownScope {
    /// The string that was not recognised.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The string that was not recognised, by value.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

/// At most the first 64 characters, so an error message never echoes a huge input.
fn shorten(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((end, _)) => s.get(..end).unwrap_or(s),
        None => s,
    }
}

impl FromStr for Scope {
    type Err = UnknownScope;

    /// Parses the exact wire name (case-sensitive, no surrounding spaces).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| UnknownScope(s.to_owned()))
    }
}

impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScopeVisitor;

        impl serde::de::Visitor<'_> for ScopeVisitor {
            type Value = Scope;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scope name of the form `resource:action`")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scope, E> {
                v.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(ScopeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn all_has_26_distinct_entries() {
        let scopes: BTreeSet<Scope> = Scope::ALL.into_iter().collect();
        assert_eq!(scopes.len(), 26);
        let names: BTreeSet<&str> = Scope::ALL.into_iter().map(Scope::as_str).collect();
        assert_eq!(names.len(), 26);
        // ALL is in declaration order, which is also the Ord order.
        assert!(Scope::ALL.windows(2).all(|w| w[0] < w[1]));
        for name in names {
            let (resource, action) = name.split_once(':').unwrap_or(("", ""));
            assert!(!resource.is_empty() && !action.is_empty(), "{name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b':'),
                "{name}"
            );
        }
    }

    #[test]
    fn display_from_str_round_trip() {
        for scope in Scope::ALL {
            let text = scope.to_string();
            assert_eq!(text, scope.as_str());
            assert_eq!(text.parse::<Scope>(), Ok(scope));
        }
        assert_eq!("app_users:read".parse(), Ok(Scope::AppUsersRead));
        assert_eq!("files:upload".parse(), Ok(Scope::FilesUpload));
        assert_eq!("account:read".parse(), Ok(Scope::AccountRead));
    }

    #[test]
    fn unknown_is_an_error() {
        for bad in [
            "",
            "licenses",
            "licenses:write",
            "Licenses:read",
            " licenses:read",
            "licenses:read ",
            "appusers:read",
            "app-users:read",
            "*",
        ] {
            let err = bad.parse::<Scope>().expect_err(bad);
            assert_eq!(err.as_str(), bad);
            assert!(err.to_string().contains("resource:action"), "{err}");
        }
        let err = "x:y".parse::<Scope>().expect_err("unknown");
        assert_eq!(err.clone().into_string(), "x:y");
        assert!(err.to_string().contains(r#""x:y""#), "{err}");

        let huge = "é".repeat(10_000);
        let msg = huge.parse::<Scope>().expect_err("huge").to_string();
        assert!(msg.len() < 300, "{msg}");
    }

    #[test]
    fn serde_round_trip() {
        for scope in Scope::ALL {
            let json = serde_json::to_string(&scope).expect("serialize");
            assert_eq!(json, format!("\"{}\"", scope.as_str()));
            assert_eq!(
                serde_json::from_str::<Scope>(&json).expect("deserialize"),
                scope
            );
        }
        let all: Vec<Scope> = Scope::ALL.to_vec();
        let json = serde_json::to_string(&all).expect("serialize");
        assert_eq!(
            serde_json::from_str::<Vec<Scope>>(&json).expect("deserialize"),
            all
        );
    }

    #[test]
    fn serde_rejects_unknown_and_non_strings() {
        let err = serde_json::from_str::<Scope>(r#""licenses:write""#).expect_err("unknown");
        assert!(err.to_string().contains("licenses:write"), "{err}");
        assert!(serde_json::from_str::<Scope>("3").is_err());
        assert!(serde_json::from_str::<Scope>("null").is_err());
        // Owned strings (with escapes) go through the same path.
        assert_eq!(
            serde_json::from_str::<Scope>(r#""files\u003aread""#).expect("escaped"),
            Scope::FilesRead
        );
    }
}
