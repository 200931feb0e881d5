//! Management keys: [`KeySpec`] (what a test asks for), [`ApplicationAccess`],
//! and the emulator's record of each key.
//!
//! Keys have the documented format `blz_mgmt_bak_<16 alphanumerics>_<48
//! alphanumerics>`, drawn from the emulator's seeded RNG, so the same seed
//! gives the same keys. A key holds a set of scopes and either all
//! applications (current and future) or a list of application ids; it may
//! expire at a given time and may be revoked.

use std::collections::BTreeSet;
use std::time::SystemTime;

use blazeauth_core::{ApplicationId, Scope};

use crate::clock::{Millis, to_millis};

/// Which applications a key may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicationAccess {
    /// Every application, current and future.
    All,
    /// Only these applications.
    Only(Vec<ApplicationId>),
}

/// What a management key created with
/// [`Emulator::create_key`](crate::Emulator::create_key) may do.
///
/// ```
/// use blazeauth_core::Scope;
/// use blazeauth_emulator::{ApplicationAccess, KeySpec};
///
/// let reader = KeySpec::new([Scope::LicensesRead]).only_applications(["42".parse()?]);
/// assert_eq!(reader.scopes().len(), 1);
/// assert_eq!(reader.applications(), &ApplicationAccess::Only(vec!["42".parse()?]));
/// assert_eq!(KeySpec::all_scopes().scopes().len(), 26);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    scopes: BTreeSet<Scope>,
    applications: ApplicationAccess,
    expires_at: Option<SystemTime>,
}

impl KeySpec {
    /// A key with `scopes`, for all applications, never expiring.
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Self {
        Self {
            scopes: scopes.into_iter().collect(),
            applications: ApplicationAccess::All,
            expires_at: None,
        }
    }

    /// A key with all 26 scopes, for all applications, never expiring.
    pub fn all_scopes() -> Self {
        Self::new(Scope::ALL)
    }

    /// Restricts the key to these applications.
    pub fn only_applications(mut self, ids: impl IntoIterator<Item = ApplicationId>) -> Self {
        self.applications = ApplicationAccess::Only(ids.into_iter().collect());
        self
    }

    /// Lets the key act on every application (the default).
    pub fn all_applications(mut self) -> Self {
        self.applications = ApplicationAccess::All;
        self
    }

    /// Makes the key expire at `at` (by the emulator's clock): from then on it
    /// is refused with `api_key_expired`.
    pub fn expires_at(mut self, at: SystemTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// The scopes.
    pub fn scopes(&self) -> &BTreeSet<Scope> {
        &self.scopes
    }

    /// The applications.
    pub fn applications(&self) -> &ApplicationAccess {
        &self.applications
    }
}

/// The emulator's record of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyRecord {
    /// `bak_` and 16 characters.
    pub(crate) public_id: String,
    /// The whole key (the emulator is no vault: it compares the key itself).
    pub(crate) key: String,
    pub(crate) scopes: BTreeSet<Scope>,
    pub(crate) access: Access,
    pub(crate) expires_at: Option<Millis>,
    pub(crate) revoked: bool,
}

/// [`ApplicationAccess`] with ids as numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Access {
    All,
    Only(BTreeSet<u64>),
}

impl Access {
    pub(crate) fn from_spec(access: &ApplicationAccess) -> Self {
        match access {
            ApplicationAccess::All => Access::All,
            // An id too large for u64 names no application the emulator has.
            ApplicationAccess::Only(ids) => Access::Only(
                ids.iter()
                    .filter_map(|id| id.as_str().parse().ok())
                    .collect(),
            ),
        }
    }

    pub(crate) fn allows(&self, application: u64) -> bool {
        match self {
            Access::All => true,
            Access::Only(ids) => ids.contains(&application),
        }
    }
}

impl KeyRecord {
    /// A record for a new key from `spec`, with random parts from `rng`.
    pub(crate) fn generate(spec: &KeySpec, rng: &mut fastrand::Rng) -> Self {
        let public_id = format!("bak_{}", alphanumerics(rng, 16));
        let key = format!("blz_mgmt_{public_id}_{}", alphanumerics(rng, 48));
        Self {
            public_id,
            key,
            scopes: spec.scopes.clone(),
            access: Access::from_spec(&spec.applications),
            expires_at: spec.expires_at.map(to_millis),
            revoked: false,
        }
    }
}

/// `len` random ASCII letters and digits.
pub(crate) fn alphanumerics(rng: &mut fastrand::Rng, len: usize) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..len)
        .map(|_| char::from(CHARS[rng.usize(..CHARS.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use blazeauth_core::ManagementKey;

    #[test]
    fn generated_keys_have_the_documented_format_and_follow_the_seed() {
        let mut rng = fastrand::Rng::with_seed(7);
        let record = KeyRecord::generate(&KeySpec::all_scopes(), &mut rng);
        let key = ManagementKey::parse(&record.key).map_err(|e| e.to_string());
        assert_eq!(
            key.as_ref().map(|k| k.public_id().map(str::to_owned)),
            Ok(Some(record.public_id.clone()))
        );
        assert_eq!(record.key.len(), 78);
        let again = KeyRecord::generate(&KeySpec::all_scopes(), &mut fastrand::Rng::with_seed(7));
        assert_eq!(again, record);
    }

    #[test]
    fn access_lists_match_by_number() {
        let spec =
            KeySpec::new([]).only_applications([ApplicationId::from(5), ApplicationId::from(9)]);
        let access = Access::from_spec(spec.applications());
        assert!(access.allows(5) && access.allows(9) && !access.allows(6));
        assert!(Access::All.allows(6));
    }
}
