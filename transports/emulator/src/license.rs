//! The license model: one record per license and the [`LicenseState`] it is in.
//!
//! Blazeauth documents only the status `activated`; the metadata counters
//! (available, active, paused, expired, blacklisted) suggest the rest. The
//! emulator's model, in which every license is in exactly one state so the
//! counters always add up to the total:
//!
//! | state | wire status | when (first match wins) |
//! |---|---|---|
//! | [`Blacklisted`](LicenseState::Blacklisted) | `blacklisted` | blacklisted |
//! | [`Paused`](LicenseState::Paused) | `paused` | paused (`pausedAt` set) |
//! | [`Available`](LicenseState::Available) | `available` | never activated (no `expiresAt`) |
//! | [`Expired`](LicenseState::Expired) | `expired` | activated and `expiresAt` reached |
//! | [`Activated`](LicenseState::Activated) | `activated` | activated and running |
//!
//! The license's time starts at activation (a desktop client's act, simulated
//! by [`Emulator::activate_license`](crate::Emulator::activate_license)):
//! `expiresAt = activation + duration`. Blacklist and pause are independent
//! flags set by the admin; while paused the time stands still (unpausing moves
//! `expiresAt` later by the time spent paused). Extending adds to the duration
//! and, once activated, to `expiresAt`. Resetting the client id clears only
//! the client id. Reinitializing returns the license to unused: no
//! activation, expiry, client id or IP address (pause, blacklist and the linked
//! user stay, being the admin's decisions).

use crate::clock::Millis;

/// The state of a license in the emulator's model (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LicenseState {
    /// Never activated: `available`.
    Available,
    /// Activated and not expired: `activated` (the only documented status).
    Activated,
    /// Paused by the admin: `paused`.
    Paused,
    /// Activated and past its expiry: `expired`.
    Expired,
    /// Blacklisted by the admin: `blacklisted`.
    Blacklisted,
}

impl LicenseState {
    /// Every state, in counter order.
    pub const ALL: [LicenseState; 5] = [
        LicenseState::Available,
        LicenseState::Activated,
        LicenseState::Paused,
        LicenseState::Expired,
        LicenseState::Blacklisted,
    ];

    /// The status string of table rows (`applicationLicenseSettings.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseState::Available => "available",
            LicenseState::Activated => "activated",
            LicenseState::Paused => "paused",
            LicenseState::Expired => "expired",
            LicenseState::Blacklisted => "blacklisted",
        }
    }
}

/// One license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct License {
    pub(crate) id: u64,
    pub(crate) key: String,
    pub(crate) comment: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) ip_address: Option<String>,
    pub(crate) levels: Vec<String>,
    pub(crate) duration_secs: u64,
    pub(crate) requires_client_id: bool,
    pub(crate) created_at: Millis,
    pub(crate) activated_at: Option<Millis>,
    /// Set exactly when `activated_at` is.
    pub(crate) expires_at: Option<Millis>,
    pub(crate) paused_at: Option<Millis>,
    pub(crate) blacklisted: bool,
    pub(crate) user_login: Option<String>,
}

impl License {
    pub(crate) fn state(&self, now: Millis) -> LicenseState {
        if self.blacklisted {
            LicenseState::Blacklisted
        } else if self.paused_at.is_some() {
            LicenseState::Paused
        } else {
            match self.expires_at {
                None => LicenseState::Available,
                Some(expiry) if now >= expiry => LicenseState::Expired,
                Some(_) => LicenseState::Activated,
            }
        }
    }

    /// Pauses (a paused license stays paused since its first pause).
    pub(crate) fn pause(&mut self, now: Millis) {
        if self.paused_at.is_none() {
            self.paused_at = Some(now);
        }
    }

    /// Unpauses, moving the expiry later by the time spent paused.
    pub(crate) fn unpause(&mut self, now: Millis) {
        if let Some(paused_at) = self.paused_at.take() {
            let paused_for = now.saturating_sub(paused_at);
            self.expires_at = self.expires_at.map(|e| e.saturating_add(paused_for));
        }
    }

    /// The duration after adding `secs`, or `None` past the longest duration.
    pub(crate) fn extended_duration(&self, secs: u64) -> Option<u64> {
        self.duration_secs
            .checked_add(secs)
            .filter(|&total| total <= crate::rules::MAX_DURATION_SECS)
    }

    /// Sets the duration to `secs` (checked by the caller), moving an
    /// activated license's expiry by the difference.
    pub(crate) fn set_duration(&mut self, secs: u64) {
        let old = self.duration_secs;
        self.duration_secs = secs;
        self.expires_at = self.expires_at.map(|expiry| {
            if secs >= old {
                expiry.saturating_add((secs - old).saturating_mul(1000))
            } else {
                expiry.saturating_sub((old - secs).saturating_mul(1000))
            }
        });
    }

    /// Back to unused: no activation, expiry, client id or IP address.
    pub(crate) fn reinitialize(&mut self) {
        self.activated_at = None;
        self.expires_at = None;
        self.client_id = None;
        self.ip_address = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn license() -> License {
        License {
            id: 1,
            key: "KEY-000001".into(),
            comment: None,
            client_id: None,
            ip_address: None,
            levels: vec!["basic".into()],
            duration_secs: 100,
            requires_client_id: false,
            created_at: 0,
            activated_at: None,
            expires_at: None,
            paused_at: None,
            blacklisted: false,
            user_login: None,
        }
    }

    #[test]
    fn states_follow_the_precedence() {
        let mut l = license();
        assert_eq!(l.state(0), LicenseState::Available);
        l.activated_at = Some(1_000);
        l.expires_at = Some(101_000);
        assert_eq!(l.state(100_999), LicenseState::Activated);
        assert_eq!(l.state(101_000), LicenseState::Expired);
        l.pause(50_000);
        assert_eq!(l.state(200_000), LicenseState::Paused);
        l.blacklisted = true;
        assert_eq!(l.state(200_000), LicenseState::Blacklisted);
    }

    #[test]
    fn pause_freezes_the_remaining_time() {
        let mut l = license();
        l.activated_at = Some(0);
        l.expires_at = Some(100_000);
        l.pause(40_000);
        l.pause(45_000); // already paused: the first pause counts
        l.unpause(70_000);
        assert_eq!(l.expires_at, Some(130_000));
        l.unpause(80_000); // not paused: nothing moves
        assert_eq!(l.expires_at, Some(130_000));
    }

    #[test]
    fn durations_move_the_expiry_and_stay_in_range() {
        let mut l = license();
        assert_eq!(l.extended_duration(50), Some(150));
        assert_eq!(l.extended_duration(u64::MAX), None);
        l.activated_at = Some(0);
        l.expires_at = Some(100_000);
        l.set_duration(150);
        assert_eq!(l.expires_at, Some(150_000));
        l.set_duration(10);
        assert_eq!(l.expires_at, Some(10_000));
        l.reinitialize();
        assert_eq!(l.state(0), LicenseState::Available);
    }
}
