//! [`arbitrary::Arbitrary`] for Blazeauth values (feature `arbitrary`), for
//! cargo-fuzz targets: ids, durations, searches, license specs, table rows,
//! and [`ArbitraryEnvelope`], whole answers as bytes. Every value is a valid
//! one (the same shapes as [`crate::strategy`]'s, built by the same code).
//!
//! ```ignore
//! // fuzz/fuzz_targets/my_target.rs, in your project:
//! #![no_main]
//! use blazeauth_core::{ArbitraryEnvelope, api::LicenseSpec};
//!
//! libfuzzer_sys::fuzz_target!(|input: (LicenseSpec, ArbitraryEnvelope)| {
//!     let (spec, answer) = input;
//!     my_crate::handle_answer(&spec, &answer.bytes); // never panics
//! });
//! ```

use arbitrary::{Arbitrary, Result, Unstructured};

use crate::api::{LicenseRow, LicenseSpec, Session, UserRow};
use crate::duration::LicenseDuration;
use crate::id::{AppUserId, ApplicationId, LicenseId, VariableId};
use crate::samples;
use crate::search::{
    LicenseSearchCategory, SearchCategory, SessionSearch, SessionSearchCategory, TableSearch,
    UserSearchCategory,
};
use crate::timestamp::Timestamp;

/// 1 to 39 decimal digits.
fn digits(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(if u.ratio(7u8, 8)? {
        u.arbitrary::<u64>()?.to_string()
    } else {
        u.arbitrary::<u128>()?.to_string()
    })
}

macro_rules! arbitrary_id {
    ($($name:ident),+) => {$(
        impl<'a> Arbitrary<'a> for $name {
            fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
                // `u64` and `u128` print 1 to 39 digits: always a valid id.
                Ok(Self::new(digits(u)?).unwrap_or_else(|_| Self::from(0u64)))
            }
        }
    )+};
}

arbitrary_id!(ApplicationId, LicenseId, AppUserId, VariableId);

impl<'a> Arbitrary<'a> for LicenseDuration {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let secs = u.int_in_range(Self::MIN.as_secs()..=Self::MAX.as_secs())?;
        Ok(Self::from_secs(secs).unwrap_or(Self::MIN))
    }
}

/// Text of `min` to `max` characters from `alphabet`.
fn text_from(
    u: &mut Unstructured<'_>,
    alphabet: &[char],
    min: usize,
    max: usize,
) -> Result<String> {
    let n = u.int_in_range(min..=max)?;
    (0..n).map(|_| u.choose(alphabet).copied()).collect()
}

const MASK: &[char] = &['A', 'B', 'C', 'X', 'Y', 'Z', '0', '1', '9', '*', '*', '-'];
const TEXT: &[char] = &[
    'a', 'b', 'z', 'A', 'Z', '0', '9', '_', '-', ' ', 'é', '中', '*', '#',
];

fn some_text(u: &mut Unstructured<'_>, max: usize) -> Result<String> {
    let text = text_from(u, TEXT, 1, max)?;
    Ok(if text.trim().is_empty() {
        "x".into()
    } else {
        text
    })
}

fn optional(u: &mut Unstructured<'_>, max: usize) -> Result<Option<String>> {
    Ok(if u.arbitrary()? {
        Some(some_text(u, max)?)
    } else {
        None
    })
}

impl<'a> Arbitrary<'a> for LicenseSpec {
    /// A spec that passes [`LicenseSpec::validate`].
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mask = text_from(u, MASK, 6, 64)?;
        let levels = (0..u.int_in_range(1..=4)?)
            .map(|_| some_text(u, 16))
            .collect::<Result<Vec<_>>>()?;
        let mut spec =
            LicenseSpec::new(mask, levels, u.arbitrary()?).requires_client_id(u.arbitrary()?);
        if let Some(comment) = optional(u, 64)? {
            spec = spec.comment(comment);
        }
        if let Some(client_id) = optional(u, 64)? {
            spec = spec.client_id(client_id);
        }
        if u.arbitrary()? {
            let [a, b, c, d]: [u8; 4] = u.arbitrary()?;
            spec = spec.ip_address(format!("{a}.{b}.{c}.{d}"));
        }
        Ok(spec)
    }
}

macro_rules! arbitrary_category {
    ($($name:ident),+) => {$(
        impl<'a> Arbitrary<'a> for $name {
            /// A documented category, or any other text.
            fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
                if u.ratio(3u8, 4)? {
                    u.choose(Self::KNOWN).cloned()
                } else {
                    Ok(Self::from_wire(u.arbitrary::<&str>()?))
                }
            }
        }
    )+};
}

arbitrary_category!(
    LicenseSearchCategory,
    UserSearchCategory,
    SessionSearchCategory
);

impl<'a, C: SearchCategory + Arbitrary<'a>> Arbitrary<'a> for TableSearch<C> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(TableSearch {
            search_string: u.arbitrary()?,
            categories: u.arbitrary()?,
        })
    }
}

impl<'a> Arbitrary<'a> for SessionSearch {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(SessionSearch {
            search_string: u.arbitrary()?,
            categories: u.arbitrary()?,
        })
    }
}

/// A date as the API writes it, between 1970 and 2100.
fn timestamp_text(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(Timestamp::from_unix_millis(u.int_in_range(0i64..=4_102_444_799_999)?).to_string())
}

fn license_row_json(u: &mut Unstructured<'_>) -> Result<serde_json::Value> {
    let key = text_from(u, MASK, 6, 24)?;
    Ok(samples::license_row(samples::LicenseRowParts {
        id: digits(u)?,
        license: key,
        client_id: optional(u, 64)?,
        paused_at: if u.arbitrary()? {
            Some(timestamp_text(u)?)
        } else {
            None
        },
        created_at: timestamp_text(u)?,
        expires_at: timestamp_text(u)?,
        application_id: digits(u)?,
        comment: optional(u, 64)?,
        duration: u.arbitrary()?,
    }))
}

fn user_row_json(u: &mut Unstructured<'_>) -> Result<serde_json::Value> {
    Ok(samples::user_row(
        digits(u)?,
        some_text(u, 16)?,
        digits(u)?,
        optional(u, 64)?,
        timestamp_text(u)?,
    ))
}

fn session_json(u: &mut Unstructured<'_>) -> Result<serde_json::Value> {
    Ok(samples::session(
        optional(u, 24)?,
        u.int_in_range(0i64..=4_102_444_799_999)?,
        optional(u, 32)?,
        optional(u, 16)?,
        optional(u, 32)?,
    ))
}

/// Decodes a row built from the documented shape (which always decodes).
fn decoded<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_json::from_value(value).map_err(|_| arbitrary::Error::IncorrectFormat)
}

impl<'a> Arbitrary<'a> for LicenseRow {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        decoded(license_row_json(u)?)
    }
}

impl<'a> Arbitrary<'a> for UserRow {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        decoded(user_row_json(u)?)
    }
}

impl<'a> Arbitrary<'a> for Session {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        decoded(session_json(u)?)
    }
}

/// A whole answer of the API, as the bytes a server sends: a page of the
/// licenses or users table, the live sessions, `create-licenses`' keys, a
/// success with any JSON `data` or none, or an error envelope with or
/// without a code. Every shape is a documented one; the SDK decodes every
/// success it holds with the route the shape belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArbitraryEnvelope {
    /// The body.
    pub bytes: Vec<u8>,
}

impl<'a> Arbitrary<'a> for ArbitraryEnvelope {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let rows =
            |u: &mut Unstructured<'a>,
             row: fn(&mut Unstructured<'_>) -> Result<serde_json::Value>| {
                (0..u.int_in_range(0..=8)?)
                    .map(|_| row(u))
                    .collect::<Result<Vec<_>>>()
            };
        let bytes = match u.int_in_range(0u8..=6)? {
            0 => {
                let rows = rows(u, license_row_json)?;
                samples::table_envelope(rows, u.int_in_range(0..=1_000)?)
            }
            1 => {
                let rows = rows(u, user_row_json)?;
                samples::table_envelope(rows, u.int_in_range(0..=1_000)?)
            }
            2 => {
                let items = rows(u, session_json)?;
                samples::sessions_envelope(items, u.int_in_range(1..=20)?, u.int_in_range(1..=50)?)
            }
            3 => {
                let keys = (0..u.int_in_range(0..=256)?)
                    .map(|_| text_from(u, MASK, 6, 24))
                    .collect::<Result<Vec<_>>>()?;
                samples::created_licenses_envelope(keys)
            }
            4 => serde_json::json!({"success": true, "message": u.arbitrary::<String>()?})
                .to_string()
                .into_bytes(),
            5 => {
                let data: Vec<String> = u.arbitrary()?;
                serde_json::json!({"success": true, "message": "ok", "data": data})
                    .to_string()
                    .into_bytes()
            }
            _ => {
                let code = if u.arbitrary()? {
                    Some(if u.ratio(3u8, 4)? {
                        (*u.choose(samples::ERROR_CODES)?).to_owned()
                    } else {
                        u.arbitrary::<String>()?
                    })
                } else {
                    None
                };
                samples::error_envelope(code, u.arbitrary::<&str>()?)
            }
        };
        Ok(Self { bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{CreateLicenses, GetLicensesTable, GetSessions, GetUsersTable};
    use crate::endpoint::decode_response;

    /// Values from many byte strings: every one valid.
    fn each<T: for<'a> Arbitrary<'a>>(mut check: impl FnMut(T)) {
        for seed in 0u32..400 {
            let bytes: Vec<u8> = (0..512u32)
                .map(|i| {
                    (i.wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(40_503)).to_le_bytes()[1]
                })
                .collect();
            if let Ok(value) = T::arbitrary(&mut Unstructured::new(&bytes)) {
                check(value);
            }
        }
    }

    #[test]
    fn ids_durations_and_specs_are_valid() {
        each(|id: ApplicationId| assert!(ApplicationId::new(id.as_str()).is_ok()));
        each(|id: LicenseId| assert!(LicenseId::new(id.as_str()).is_ok()));
        each(|d: LicenseDuration| assert_eq!(d.to_string().parse(), Ok(d)));
        let mut specs = 0;
        each(|spec: LicenseSpec| {
            assert_eq!(spec.validate(), Ok(()), "{spec:?}");
            specs += 1;
        });
        assert!(specs > 300, "only {specs} specs built");
    }

    #[test]
    fn searches_round_trip() {
        each(|search: TableSearch<UserSearchCategory>| {
            let mut query = String::new();
            search.append_to_query(&mut query);
            assert_eq!(TableSearch::from_query(&query), Ok(Some(search)));
        });
        each(|search: SessionSearch| {
            let mut query = String::new();
            search.append_to_query(&mut query);
            assert_eq!(SessionSearch::from_query(&query), Ok(search));
        });
    }

    #[test]
    fn rows_build_and_envelopes_decode_with_their_route() {
        let mut rows = 0;
        each(|_: LicenseRow| rows += 1);
        each(|_: UserRow| rows += 1);
        each(|_: Session| rows += 1);
        assert!(rows > 900, "only {rows} rows built");
        let app = ApplicationId::from(1u64);
        let mut decoded = 0;
        each(|envelope: ArbitraryEnvelope| {
            let value: serde_json::Value = serde_json::from_slice(&envelope.bytes).unwrap();
            let response = || http::Response::new(envelope.bytes.clone());
            let ok = if value.get("createdLicenses").is_some() {
                let n = value["createdLicenses"].as_array().unwrap().len().max(1);
                let spec = LicenseSpec::new("ABCDEF", ["p"], LicenseDuration::MIN);
                decode_response(&CreateLicenses::new(&app, spec, n as u64), response()).is_ok()
            } else if value.get("items").is_some() {
                decode_response(&GetSessions::new(&app), response()).is_ok()
            } else if value.get("totalPages").is_some() {
                decode_response(&GetLicensesTable::new(&app), response()).is_ok()
                    || decode_response(&GetUsersTable::new(&app), response()).is_ok()
            } else {
                true
            };
            assert!(ok, "{value}");
            decoded += 1;
        });
        assert!(decoded > 300);
    }
}
