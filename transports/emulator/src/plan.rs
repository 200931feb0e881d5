//! The account's plan: what `get-account-limits` reports, and the feature
//! that gates the live-sessions listing.
//!
//! `get-account-limits` answers `{planName, <limit>: {currentValue, maxValue},
//! ..., <feature>: {currentValue: bool}}` (`API.md` section 10). The emulator
//! counts each limit's `currentValue` from its state:
//!
//! | limit | counted |
//! |---|---|
//! | `authorizedSessionCount` | live sessions of every application |
//! | `storageSizeMib` | uploaded bytes of every application, in MiB (fractional) |
//! | `createdApplicationVariableCount` | variables |
//! | `createdApplicationLicenseCount` | licenses |
//! | `createdApplicationUserCount` | app users |
//! | `uploadedFilesCount` | files whose bytes arrived |
//! | `createdApplicationBlacklistCount` | 0 (blacklists are not modelled) |
//! | `createdApplicationsCount` | applications |
//! | `createdApplicationLicenseLevelsCount` | license levels of every application |
//! | `apiKeyCount` | management keys the emulator knows, revoked ones excluded |
//!
//! The maxima are the plan's ([`Plan::max`]); they are reported, not
//! enforced (the docs do not say what the API answers at a limit). A limit
//! or feature name the docs do not list can be added to a plan, so that a
//! client's handling of future limits can be tested.

use std::collections::BTreeMap;

/// The limits the docs list, in the order the emulator reports them.
pub const LIMITS: [&str; 10] = [
    "authorizedSessionCount",
    "storageSizeMib",
    "createdApplicationVariableCount",
    "createdApplicationLicenseCount",
    "createdApplicationUserCount",
    "uploadedFilesCount",
    "createdApplicationBlacklistCount",
    "createdApplicationsCount",
    "createdApplicationLicenseLevelsCount",
    "apiKeyCount",
];

/// The features the docs list.
pub const FEATURES: [&str; 2] = ["liveSessionsOverview", "geoBalancing"];

/// The feature `get-application-sessions` needs.
pub const LIVE_SESSIONS_OVERVIEW: &str = "liveSessionsOverview";

/// An account plan.
///
/// ```
/// use blazeauth_emulator::{Emulator, Plan};
///
/// let emulator = Emulator::builder()
///     .plan(Plan::default().feature("liveSessionsOverview", false).max("createdApplicationsCount", 3))
///     .build();
/// # let _ = emulator;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `planName`.
    pub name: String,
    /// `maxValue` of each limit, by wire name; a limit missing here reports 0.
    pub maxima: BTreeMap<String, u64>,
    /// Each feature, by wire name.
    pub features: BTreeMap<String, bool>,
}

impl Default for Plan {
    /// The emulator's plan, "Emulator": generous maxima, live sessions
    /// overview on, geo balancing off.
    fn default() -> Self {
        let maxima = [
            ("authorizedSessionCount", 1_000),
            ("storageSizeMib", 1_024),
            ("createdApplicationVariableCount", 1_000),
            ("createdApplicationLicenseCount", 1_000_000),
            ("createdApplicationUserCount", 1_000_000),
            ("uploadedFilesCount", 1_000),
            ("createdApplicationBlacklistCount", 10_000),
            ("createdApplicationsCount", 100),
            ("createdApplicationLicenseLevelsCount", 1_000),
            ("apiKeyCount", 100),
        ];
        Self {
            name: "Emulator".to_owned(),
            maxima: maxima
                .into_iter()
                .map(|(name, max)| (name.to_owned(), max))
                .collect(),
            features: [(LIVE_SESSIONS_OVERVIEW, true), ("geoBalancing", false)]
                .into_iter()
                .map(|(name, on)| (name.to_owned(), on))
                .collect(),
        }
    }
}

impl Plan {
    /// Sets the plan's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the maximum of limit `name` (any name: unknown ones are reported too).
    pub fn max(mut self, name: impl Into<String>, max: u64) -> Self {
        self.maxima.insert(name.into(), max);
        self
    }

    /// Turns feature `name` on or off (any name: unknown ones are reported too).
    pub fn feature(mut self, name: impl Into<String>, on: bool) -> Self {
        self.features.insert(name.into(), on);
        self
    }

    /// Whether the plan has feature `name`.
    pub fn has(&self, name: &str) -> bool {
        self.features.get(name).copied().unwrap_or(false)
    }
}
