//! Typed resource ids; what they accept is in the [crate docs](crate#ids).

use std::fmt;

/// The most digits an id may have: enough for any `u128`.
const MAX_DIGITS: usize = 39;

/// Why a string is not a valid id for [`new`](ApplicationId::new) or
/// [`FromStr`](std::str::FromStr).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The string is empty.
    #[error("id is empty")]
    Empty,
    /// The string contains something other than ASCII digits (a sign, a
    /// space, a letter...).
    #[error("id must contain only ASCII digits 0-9")]
    NotDigits,
    /// The string has more than 39 digits.
    #[error("id is longer than 39 digits")]
    TooLong,
}

/// Checks the strict form: 1 to 39 ASCII digits. Length is checked first.
fn validate(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        Err(IdError::Empty)
    } else if s.len() > MAX_DIGITS {
        Err(IdError::TooLong)
    } else if !s.bytes().all(|b| b.is_ascii_digit()) {
        Err(IdError::NotDigits)
    } else {
        Ok(())
    }
}

/// How ids order: by numeric value (`"9" < "10" < "0011"`'s 11), then, for
/// ids of equal value written differently (leading zeros), by their text, so
/// that the order agrees with equality. Ids read leniently that are not all
/// digits sort after every numeric id, by their text.
///
/// ```
/// use blazeauth_core::ApplicationId;
///
/// let mut ids: Vec<ApplicationId> = ["10", "9", "100000000002", "100000000001"]
///     .into_iter()
///     .map(|s| ApplicationId::new(s).unwrap())
///     .collect();
/// ids.sort();
/// let sorted: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
/// assert_eq!(sorted, ["9", "10", "100000000001", "100000000002"]);
/// ```
pub fn numeric_order(a: &str, b: &str) -> std::cmp::Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    fn key(s: &str) -> (usize, &str) {
        let value = s.trim_start_matches('0');
        (value.len(), value)
    }
    match (digits(a), digits(b)) {
        (true, true) => key(a).cmp(&key(b)).then_with(|| a.cmp(b)),
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

/// The serde `Visitor` shared by every id type: lenient, see the module docs.
struct IdVisitor(&'static str);

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} as a string of decimal digits or a non-negative integer",
            self.0
        )
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        self.visit_string(v.to_owned())
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
        if v.is_empty() {
            Err(E::custom(format_args!("{}: {}", self.0, IdError::Empty)))
        } else {
            Ok(v)
        }
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
        if v < 0 {
            Err(E::custom(format_args!(
                "{} arrived as a negative number ({v})",
                self.0
            )))
        } else {
            Ok(v.to_string())
        }
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<String, E> {
        if v < 0 {
            Err(E::custom(format_args!(
                "{} arrived as a negative number",
                self.0
            )))
        } else {
            Ok(v.to_string())
        }
    }

    fn visit_f64<E: serde::de::Error>(self, _v: f64) -> Result<String, E> {
        Err(E::custom(format_args!(
            "{} arrived as a non-integer or too-large number and would lose precision; \
             ids must be sent as strings",
            self.0
        )))
    }
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        ///
        /// Holds the id's decimal digits; see the [crate docs](crate#ids)
        /// for what is accepted when building and when reading.
        ///
        /// Ids order numerically (`"9" < "10"`), see [`numeric_order`].
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                numeric_order(&self.0, &other.0)
            }
        }

        impl From<&$name> for $name {
            /// A copy: request constructors take `impl Into<Id>`, so a
            /// reference works where an owned id does, with no `.clone()`.
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl $name {
            #[doc = concat!("Makes ", $what, " from its decimal digits: 1 to 39 ASCII digits, nothing else.")]
            ///
            /// # Errors
            ///
            /// [`IdError::Empty`], [`IdError::TooLong`] or
            /// [`IdError::NotDigits`], checked in that order.
            ///
            /// ```
            #[doc = concat!("use blazeauth_core::{", stringify!($name), ", IdError};")]
            ///
            #[doc = concat!("let id = ", stringify!($name), "::new(\"9223372036854775807\")?;")]
            /// assert_eq!(id.as_str(), "9223372036854775807");
            #[doc = concat!("assert_eq!(", stringify!($name), "::new(\"-1\"), Err(IdError::NotDigits));")]
            /// # Ok::<(), IdError>(())
            /// ```
            pub fn new(id: impl Into<String>) -> Result<Self, IdError> {
                let id = id.into();
                validate(&id)?;
                Ok(Self(id))
            }

            /// The decimal digits (or, for an id read leniently from a
            /// response, the string exactly as the server sent it).
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<u64> for $name {
            fn from(id: u64) -> Self {
                Self(id.to_string())
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;

            /// Strict, as [`new`](Self::new).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(IdVisitor($what)).map(Self)
            }
        }
    };
}

id_type!(
    /// The id of an application.
    ApplicationId,
    "an application id"
);
id_type!(
    /// The id of a license.
    LicenseId,
    "a license id"
);
id_type!(
    /// The id of an application user.
    AppUserId,
    "an app user id"
);
id_type!(
    /// The id of a variable.
    VariableId,
    "a variable id"
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(digits: &str) {
        let id = ApplicationId::new(digits).expect("valid");
        assert_eq!(id.as_str(), digits);
        assert_eq!(id.to_string(), digits);
        let json = serde_json::to_string(&id).expect("serialize");
        assert_eq!(json, format!("\"{digits}\""));
        // From the JSON string.
        assert_eq!(
            serde_json::from_str::<ApplicationId>(&json).expect("string"),
            id
        );
        // From the JSON number.
        assert_eq!(
            serde_json::from_str::<ApplicationId>(digits).expect("number"),
            id
        );
        // Inside a document, through serde_json::Value too.
        let value: serde_json::Value =
            serde_json::from_str(&format!("{{\"id\":{digits}}}")).expect("value");
        let back: ApplicationId =
            serde_json::from_value(value.get("id").cloned().unwrap_or_default())
                .expect("from value");
        assert_eq!(back, id);
    }

    #[test]
    fn large_ids_round_trip_without_loss() {
        round_trip("9223372036854775807");
        round_trip("18446744073709551615");
        round_trip("0");
        round_trip("123456789");
    }

    #[test]
    fn number_beyond_u64_is_a_precision_error() {
        for json in [
            "123456789012345678901234567890",
            "18446744073709551616",
            "1.5",
            "1e3",
            "-1.0",
        ] {
            let err = serde_json::from_str::<LicenseId>(json).expect_err(json);
            let msg = err.to_string();
            assert!(msg.contains("precision"), "{json}: {msg}");
            assert!(msg.contains("a license id"), "{json}: {msg}");
        }
    }

    #[test]
    fn lenient_deserialize() {
        // Any non-empty string is accepted as it is.
        for s in [
            "abc",
            "00042",
            "-7",
            " 1 ",
            "1234567890123456789012345678901234567890123",
        ] {
            let json = serde_json::to_string(s).expect("serialize");
            let id: AppUserId = serde_json::from_str(&json).expect(s);
            assert_eq!(id.as_str(), s);
            assert_eq!(serde_json::to_string(&id).expect("serialize"), json);
        }
        // Empty strings, negative integers and other types are not.
        let empty = serde_json::from_str::<AppUserId>(r#""""#).expect_err("empty");
        assert!(empty.to_string().contains("empty"), "{empty}");
        let negative = serde_json::from_str::<AppUserId>("-5").expect_err("negative");
        assert!(negative.to_string().contains("negative"), "{negative}");
        for json in ["null", "true", "[]", "{}", r#"["1"]"#] {
            assert!(serde_json::from_str::<AppUserId>(json).is_err(), "{json}");
        }
        // i64 and u128 visitors.
        let v = serde_json::Value::from(5i64);
        assert_eq!(
            serde_json::from_value::<VariableId>(v).expect("i64"),
            VariableId::from(5)
        );
        let id: VariableId = serde::Deserialize::deserialize(serde::de::value::U128Deserializer::<
            serde::de::value::Error,
        >::new(u128::MAX))
        .expect("u128");
        assert_eq!(id.as_str(), u128::MAX.to_string());
        assert_eq!(id.as_str().len(), MAX_DIGITS);
        assert!(VariableId::new(id.as_str()).is_ok());
        let neg: Result<VariableId, _> =
            serde::Deserialize::deserialize(serde::de::value::I128Deserializer::<
                serde::de::value::Error,
            >::new(-1));
        assert!(neg.is_err());
        let pos: VariableId = serde::Deserialize::deserialize(serde::de::value::I64Deserializer::<
            serde::de::value::Error,
        >::new(i64::MAX))
        .expect("i64 max");
        assert_eq!(pos.as_str(), "9223372036854775807");
    }

    #[test]
    fn strict_new_rejects() {
        assert_eq!(ApplicationId::new(""), Err(IdError::Empty));
        for bad in [
            "12a", "-1", "+1", " 1", "1 ", "1.0", "1e3", "١٢٣", "0x10", "1_000",
        ] {
            assert_eq!(ApplicationId::new(bad), Err(IdError::NotDigits), "{bad}");
            assert_eq!(bad.parse::<LicenseId>(), Err(IdError::NotDigits), "{bad}");
        }
        let max = "9".repeat(39);
        assert!(ApplicationId::new(max.as_str()).is_ok());
        assert_eq!(ApplicationId::new("9".repeat(40)), Err(IdError::TooLong));
        assert_eq!(
            "1".repeat(1000).parse::<VariableId>(),
            Err(IdError::TooLong)
        );
        assert_eq!(
            ApplicationId::new("007").map(|id| id.to_string()),
            Ok("007".to_owned())
        );
        // Messages are one line and do not echo the input.
        for e in [IdError::Empty, IdError::NotDigits, IdError::TooLong] {
            let msg = e.to_string();
            assert!(!msg.contains('\n') && msg.len() < 80, "{msg}");
        }
    }

    #[test]
    fn debug_display_as_ref_and_types() {
        let id = ApplicationId::from(123);
        assert_eq!(format!("{id:?}"), r#"ApplicationId("123")"#);
        assert_eq!(format!("{:?}", LicenseId::from(1)), r#"LicenseId("1")"#);
        assert_eq!(format!("{:?}", AppUserId::from(2)), r#"AppUserId("2")"#);
        assert_eq!(format!("{:?}", VariableId::from(3)), r#"VariableId("3")"#);
        assert_eq!(format!("{id}"), "123");
        assert_eq!(AsRef::<str>::as_ref(&id), "123");
        assert_eq!("123".parse::<ApplicationId>(), Ok(id));
        assert_eq!(LicenseId::from(u64::MAX).as_str(), "18446744073709551615");
    }

    proptest! {
        #[test]
        fn any_u64_round_trips(n in any::<u64>()) {
            let id = LicenseId::from(n);
            prop_assert_eq!(id.as_str(), n.to_string());
            let json = serde_json::to_string(&id).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&json, &format!("\"{n}\""));
            let back: LicenseId = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&back, &id);
            let from_number: LicenseId = serde_json::from_str(&n.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&from_number, &id);
            prop_assert_eq!(LicenseId::new(n.to_string()), Ok(id));
        }

        #[test]
        fn strict_new_accepts_exactly_digit_strings(s in "\\PC{0,45}") {
            let ok = !s.is_empty() && s.len() <= 39 && s.bytes().all(|b| b.is_ascii_digit());
            prop_assert_eq!(ApplicationId::new(s.as_str()).is_ok(), ok);
        }

        #[test]
        fn strict_new_accepts_digit_strings(s in crate::strategy::id_digits()) {
            let id = ApplicationId::new(s.as_str());
            prop_assert_eq!(id.map(|id| id.to_string()), Ok(s));
        }
    }
}
