//! The account's plan limits (`API.md` section 10, complete).
//!
//! Management keys cannot manage billing, the password, e-mail, two-factor
//! authentication, the avatar, account deletion or other management keys:
//! those need a dashboard session and are not offered by this SDK.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::route;
use crate::endpoint::{Endpoint, MissingField, RequestParts};
use crate::envelope::Data;
use crate::validate::InvalidInput;

/// `GET /api/v1/panel/get-account-limits`: the plan's name, its limits with
/// their current use, and its features. Needs `account:read`; takes no
/// application.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetAccountLimits;

impl Endpoint for GetAccountLimits {
    type Payload = Data<AccountLimits>;
    type Output = AccountLimits;
    route!(GET, "get-account-limits", AccountRead);

    fn write(&self, _: &mut RequestParts) -> Result<(), InvalidInput> {
        Ok(())
    }

    fn output(
        &self,
        _: Option<String>,
        payload: Self::Payload,
    ) -> Result<AccountLimits, MissingField> {
        payload.data.ok_or(MissingField("data"))
    }
}

/// The limits of the account's plan.
///
/// Every entry of the response other than `planName` is kept, under its wire
/// name, including limits and features Blazeauth adds later: an entry with a
/// numeric `currentValue` is a [`Limit::Quota`], one with a boolean
/// `currentValue` a [`Limit::Feature`], anything else [`Limit::Other`] with its
/// JSON. The accessors name the limits the docs list.
///
/// ```
/// use blazeauth_core::api::{AccountLimits, Limit};
///
/// let limits: AccountLimits = serde_json::from_str(r#"{
///     "planName": "Pro",
///     "createdApplicationsCount": {"currentValue": 2, "maxValue": 10},
///     "liveSessionsOverview": {"currentValue": true},
///     "futureLimit": {"currentValue": 1, "maxValue": 5}
/// }"#)?;
/// assert_eq!(limits.plan_name.as_deref(), Some("Pro"));
/// assert_eq!(limits.created_applications_count().map(|q| q.remaining()), Some(Some(8.0)));
/// assert_eq!(limits.live_sessions_overview(), Some(true));
/// assert!(matches!(limits.get("futureLimit"), Some(Limit::Quota(_))));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct AccountLimits {
    /// The plan's name (`planName`).
    pub plan_name: Option<String>,
    /// Every limit and feature, by wire name, in name order.
    pub entries: BTreeMap<String, Limit>,
}

/// One entry of the account limits.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Limit {
    /// A countable limit: `{currentValue: number, maxValue: number}`.
    Quota(Quota),
    /// A feature of the plan: `{currentValue: bool}`.
    Feature(bool),
    /// An entry of another shape, as sent.
    Other(serde_json::Value),
}

/// A countable limit and its use. Numbers are `f64` because some limits are
/// not counts (`storageSizeMib` may be fractional); numeric strings are
/// accepted too.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Quota {
    /// How much is used (`currentValue`).
    pub current: f64,
    /// The plan's maximum (`maxValue`), when sent.
    pub max: Option<f64>,
}

impl Quota {
    /// How much is left (`max - current`, never below 0), when the maximum is known.
    pub fn remaining(&self) -> Option<f64> {
        self.max.map(|max| (max - self.current).max(0.0))
    }

    /// Whether the limit is reached.
    pub fn is_exhausted(&self) -> bool {
        self.max.is_some_and(|max| self.current >= max)
    }
}

macro_rules! quotas {
    ($($(#[$doc:meta])* $method:ident => $wire:literal),+ $(,)?) => {
        $(
            $(#[$doc])*
            #[doc = concat!("\n\nThe `", $wire, "` quota, when sent as one.")]
            pub fn $method(&self) -> Option<Quota> {
                self.quota($wire)
            }
        )+
    };
}

impl AccountLimits {
    /// The entry named `name` (its wire name), whatever its shape.
    pub fn get(&self, name: &str) -> Option<&Limit> {
        self.entries.get(name)
    }

    /// The quota named `name`, when that entry is a quota.
    pub fn quota(&self, name: &str) -> Option<Quota> {
        match self.entries.get(name) {
            Some(Limit::Quota(quota)) => Some(*quota),
            _ => None,
        }
    }

    /// Whether the plan has feature `name`, when that entry is a feature.
    pub fn feature(&self, name: &str) -> Option<bool> {
        match self.entries.get(name) {
            Some(Limit::Feature(on)) => Some(*on),
            _ => None,
        }
    }

    quotas! {
        /// Live sessions authorized at once.
        authorized_session_count => "authorizedSessionCount",
        /// File storage, in MiB.
        storage_size_mib => "storageSizeMib",
        /// Variables.
        created_application_variable_count => "createdApplicationVariableCount",
        /// Licenses.
        created_application_license_count => "createdApplicationLicenseCount",
        /// App users.
        created_application_user_count => "createdApplicationUserCount",
        /// Uploaded files.
        uploaded_files_count => "uploadedFilesCount",
        /// Blacklist entries.
        created_application_blacklist_count => "createdApplicationBlacklistCount",
        /// Applications.
        created_applications_count => "createdApplicationsCount",
        /// License levels.
        created_application_license_levels_count => "createdApplicationLicenseLevelsCount",
        /// Management keys.
        api_key_count => "apiKeyCount",
    }

    /// Whether the plan has the live sessions overview
    /// ([`GetSessions`](super::GetSessions) needs it).
    pub fn live_sessions_overview(&self) -> Option<bool> {
        self.feature("liveSessionsOverview")
    }

    /// Whether the plan has geo balancing.
    pub fn geo_balancing(&self) -> Option<bool> {
        self.feature("geoBalancing")
    }
}

impl<'de> Deserialize<'de> for AccountLimits {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LimitsVisitor;

        impl<'de> Visitor<'de> for LimitsVisitor {
            type Value = AccountLimits;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of account limits")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AccountLimits, A::Error> {
                let mut limits = AccountLimits::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "planName" {
                        limits.plan_name = map.next_value()?;
                    } else {
                        let value: serde_json::Value = map.next_value()?;
                        limits.entries.insert(key, Limit::from_json(value));
                    }
                }
                Ok(limits)
            }
        }

        deserializer.deserialize_map(LimitsVisitor)
    }
}

impl Limit {
    fn from_json(value: serde_json::Value) -> Limit {
        let number = |v: Option<&serde_json::Value>| match v? {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        };
        if let serde_json::Value::Object(fields) = &value {
            match fields.get("currentValue") {
                Some(serde_json::Value::Bool(on)) => return Limit::Feature(*on),
                current @ Some(_) => {
                    if let Some(current) = number(current) {
                        let max = fields.get("maxValue");
                        let max_number = number(max);
                        // A `maxValue` that is neither absent, null nor a
                        // number is not a quota we understand: keep it whole.
                        if max_number.is_some() || max.is_none_or(serde_json::Value::is_null) {
                            return Limit::Quota(Quota {
                                current,
                                max: max_number,
                            });
                        }
                    }
                }
                None => {}
            }
        }
        Limit::Other(value)
    }
}
