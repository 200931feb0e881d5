//! [proptest](https://docs.rs/proptest) strategies for Blazeauth values
//! (feature `proptest`), so that your property tests can generate what the
//! API sends and what the SDK takes: ids, durations (valid ones, and text
//! that may not be one), searches, license specs, table rows, and whole
//! success and error envelopes as the bytes a server would answer.
//!
//! Every value is one the documentation allows: ids are 1–39 digits, specs
//! pass [`LicenseSpec::validate`], rows and envelopes have the documented
//! shapes (table pages carry `totalPages` beside `data`, live sessions their
//! top-level fields, timestamps the API's ISO 8601 form or milliseconds), and
//! the SDK decodes every success envelope these strategies make. The SDK's
//! own property tests use these same strategies.
//!
//! A property test of your own code, here a function that bills licenses by
//! their duration:
//!
//! ```
//! use blazeauth_core::strategy;
//! use proptest::prelude::*;
//!
//! fn billable_days(duration: blazeauth_core::LicenseDuration) -> u64 {
//!     duration.as_secs().div_ceil(86_400)
//! }
//!
//! proptest!(|(spec in strategy::license_spec())| {
//!     let days = billable_days(spec.duration());
//!     // The longest duration is 100y 365d 23h 59m 59s.
//!     prop_assert!(days >= 1 && days <= 101 * 365 + 1);
//! });
//!
//! // Whole answers, for code that reads raw responses:
//! proptest!(|(body in strategy::licenses_table_envelope())| {
//!     let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
//!     prop_assert_eq!(&value["success"], &serde_json::Value::Bool(true));
//! });
//! ```
//!
//! For cargo-fuzz targets, feature `arbitrary` implements
//! [`arbitrary::Arbitrary`] for the same values (see
//! [`ArbitraryEnvelope`](crate::ArbitraryEnvelope)).

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::api::{LicenseRow, LicenseSpec, Session, UserRow};
use crate::duration::LicenseDuration;
use crate::id::{AppUserId, ApplicationId, LicenseId, VariableId};
use crate::samples;
use crate::search::{
    LicenseSearch, LicenseSearchCategory, SearchCategory, SessionSearch, SessionSearchCategory,
    TableSearch, UserSearch, UserSearchCategory,
};
use crate::timestamp::Timestamp;

/// The decimal digits of an id: 1 to 39 of them.
pub fn id_digits() -> impl Strategy<Value = String> {
    "[0-9]{1,39}"
}

/// An [`ApplicationId`].
pub fn application_id() -> impl Strategy<Value = ApplicationId> {
    id_digits().prop_filter_map("1 to 39 digits", |d| ApplicationId::new(d).ok())
}

/// A [`LicenseId`].
pub fn license_id() -> impl Strategy<Value = LicenseId> {
    id_digits().prop_filter_map("1 to 39 digits", |d| LicenseId::new(d).ok())
}

/// An [`AppUserId`].
pub fn app_user_id() -> impl Strategy<Value = AppUserId> {
    id_digits().prop_filter_map("1 to 39 digits", |d| AppUserId::new(d).ok())
}

/// A [`VariableId`].
pub fn variable_id() -> impl Strategy<Value = VariableId> {
    id_digits().prop_filter_map("1 to 39 digits", |d| VariableId::new(d).ok())
}

/// A valid [`LicenseDuration`], from one second to the longest (100 years and
/// every smaller unit at its maximum), biased towards both ends.
pub fn license_duration() -> impl Strategy<Value = LicenseDuration> {
    let max = LicenseDuration::MAX.as_secs();
    prop_oneof![
        1..=max,
        1u64..=100_000,
        (max - 100_000)..=max,
        (1u64..=100).prop_map(|d| d * 86_400),
    ]
    .prop_filter_map("within MIN..=MAX", |secs| {
        LicenseDuration::from_secs(secs).ok()
    })
}

/// Text that may or may not be a duration: canonical forms, parts out of
/// order, repeated, zero-padded, over their maximum, with spaces, signs or
/// capitals, and arbitrary Unicode. For parser tests.
pub fn duration_text() -> impl Strategy<Value = String> {
    prop_oneof![
        license_duration().prop_map(|d| d.to_string()),
        "([0-9]{1,4}[smhdwy]){1,7}",
        "[0-9smhdwyDH .+-]{0,48}",
        "\\PC{0,24}",
    ]
}

/// Arbitrary Unicode, and strings dense in the characters that matter to
/// query strings and JSON (`%`, `&`, `+`, `=`, `#`, quotes, backslashes,
/// controls, line separators, non-ASCII): for search strings and other
/// free text sent to the API.
pub fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        r##"[%&+=#? "/\\\x00\x01\x1f\x7f\n\r\t\u{2028}😀é中a-zA-Z0-9~._-]{0,40}"##,
    ]
}

/// A search category: the documented ones (`known`) and any other text.
pub(crate) fn category<C: SearchCategory + std::fmt::Debug + 'static>(
    known: &'static [C],
) -> BoxedStrategy<C> {
    prop_oneof![
        proptest::sample::select(known),
        tricky_string().prop_map(|text| C::from_wire(&text)),
        "[A-Za-z ]{0,10}".prop_map(|text| C::from_wire(&text)),
    ]
    .boxed()
}

/// A table search over the categories `known` and any other text.
pub(crate) fn table_search<C: SearchCategory + std::fmt::Debug + 'static>(
    known: &'static [C],
) -> impl Strategy<Value = TableSearch<C>> {
    (
        tricky_string(),
        proptest::collection::vec(category(known), 0..6),
    )
        .prop_map(|(search_string, categories)| TableSearch {
            search_string,
            categories,
        })
}

/// A search of the licenses table (`searchParams`), any text, documented
/// and other categories.
pub fn license_search() -> impl Strategy<Value = LicenseSearch> {
    table_search(LicenseSearchCategory::KNOWN)
}

/// A search of the app users table (`searchParams`).
pub fn user_search() -> impl Strategy<Value = UserSearch> {
    table_search(UserSearchCategory::KNOWN)
}

/// A search of the live sessions (the flat `searchString` and `categories`).
pub fn session_search() -> impl Strategy<Value = SessionSearch> {
    (
        tricky_string(),
        proptest::collection::vec(category(SessionSearchCategory::KNOWN), 0..6),
    )
        .prop_map(|(search_string, categories)| SessionSearch {
            search_string,
            categories,
        })
}

const TEXT: &[char] = &[
    'a', 'b', 'z', 'A', 'Z', '0', '9', '_', '-', ' ', 'é', '中', '*', '#',
];

/// Text of 1 to `max` characters (never blank), letters, digits and a few
/// symbols, some of them non-ASCII.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TEXT), 1..=max)
        .prop_map(|chars| chars.into_iter().collect::<String>())
        .prop_filter("not blank", |s| !s.trim().is_empty())
}

/// A [`LicenseSpec`] that passes [`LicenseSpec::validate`]: a mask of 6–64
/// characters, 1–4 levels, a valid duration, and optional comment, client id
/// and IP address of at most 64 characters.
pub fn license_spec() -> impl Strategy<Value = LicenseSpec> {
    (
        "[A-Z0-9*-]{6,64}",
        proptest::collection::vec(text(16), 1..=4),
        license_duration(),
        any::<bool>(),
        proptest::option::of(text(64)),
        proptest::option::of(text(64)),
        proptest::option::of(
            "(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}",
        ),
    )
        .prop_map(|(mask, levels, duration, client, comment, client_id, ip)| {
            let mut spec = LicenseSpec::new(mask, levels, duration).requires_client_id(client);
            if let Some(comment) = comment {
                spec = spec.comment(comment);
            }
            if let Some(client_id) = client_id {
                spec = spec.client_id(client_id);
            }
            if let Some(ip) = ip {
                spec = spec.ip_address(ip);
            }
            spec
        })
}

/// A date as the API writes it (`2026-05-12T09:00:00.000Z`), between 1970
/// and 2100.
pub fn timestamp_text() -> impl Strategy<Value = String> {
    (0i64..4_102_444_800_000).prop_map(|millis| Timestamp::from_unix_millis(millis).to_string())
}

/// One row of the licenses table as JSON, as the API sends it (the id as a
/// string, dates as ISO 8601 text or `null`).
pub fn license_row_json() -> impl Strategy<Value = Value> {
    (
        id_digits(),
        "[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}",
        proptest::option::of(text(64)),
        proptest::option::of(timestamp_text()),
        timestamp_text(),
        timestamp_text(),
        id_digits(),
        proptest::option::of(text(64)),
        license_duration(),
    )
        .prop_map(
            |(id, license, client_id, paused_at, created_at, expires_at, app, comment, d)| {
                samples::license_row(samples::LicenseRowParts {
                    id,
                    license,
                    client_id,
                    paused_at,
                    created_at,
                    expires_at,
                    application_id: app,
                    comment,
                    duration: d,
                })
            },
        )
}

/// One row of the licenses table.
pub fn license_row() -> impl Strategy<Value = LicenseRow> {
    license_row_json().prop_filter_map("a documented row decodes", |row| {
        serde_json::from_value(row).ok()
    })
}

/// One row of the app users table as JSON.
pub fn user_row_json() -> impl Strategy<Value = Value> {
    (
        id_digits(),
        "[a-z][a-z0-9_]{2,15}",
        id_digits(),
        proptest::option::of(text(64)),
        timestamp_text(),
    )
        .prop_map(|(id, login, app, comment, created_at)| {
            samples::user_row(id, login, app, comment, created_at)
        })
}

/// One row of the app users table.
pub fn user_row() -> impl Strategy<Value = UserRow> {
    user_row_json().prop_filter_map("a documented row decodes", |row| {
        serde_json::from_value(row).ok()
    })
}

/// One live session as JSON (times in milliseconds, as that route sends them).
pub fn session_json() -> impl Strategy<Value = Value> {
    (
        proptest::option::of(text(24)),
        0i64..4_102_444_800_000,
        proptest::option::of(text(32)),
        proptest::option::of(text(16)),
        proptest::option::of(text(32)),
    )
        .prop_map(|(server, created, client, login, license)| {
            samples::session(server, created, client, login, license)
        })
}

/// One live session.
pub fn session() -> impl Strategy<Value = Session> {
    session_json().prop_filter_map("a documented session decodes", |row| {
        serde_json::from_value(row).ok()
    })
}

/// A page of a panel table as the API answers it: `data` holds the rows,
/// `totalPages` stands beside it.
fn table_envelope(rows: impl Strategy<Value = Value>) -> impl Strategy<Value = Vec<u8>> {
    (proptest::collection::vec(rows, 0..8), 0u64..1_000)
        .prop_map(|(rows, total_pages)| samples::table_envelope(rows, total_pages))
}

/// A success envelope of `get-licenses-table`, as bytes.
pub fn licenses_table_envelope() -> impl Strategy<Value = Vec<u8>> {
    table_envelope(license_row_json())
}

/// A success envelope of `get-users-table`, as bytes.
pub fn users_table_envelope() -> impl Strategy<Value = Vec<u8>> {
    table_envelope(user_row_json())
}

/// A success answer of `get-sessions`, as bytes: the legacy shape with every
/// field at the top level.
pub fn sessions_envelope() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(session_json(), 0..8),
        1u32..20,
        1u64..=50,
    )
        .prop_map(|(items, page, page_size)| samples::sessions_envelope(items, page, page_size))
}

/// A success envelope of `create-licenses` with `count` keys: the
/// `createdLicenses` list at the top level.
pub fn created_licenses_envelope(count: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec("[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", count)
        .prop_map(samples::created_licenses_envelope)
}

/// A success envelope of any documented shape, as bytes: the usual
/// `{"success": true, "message", "data"}` with any JSON payload, one without
/// `data`, and the legacy shapes (a table page, `createdLicenses`,
/// `presignedUrl`, the live sessions).
pub fn success_envelope() -> impl Strategy<Value = Vec<u8>> {
    let any_json = any::<i64>()
        .prop_map(Value::from)
        .prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
                tricky_string().prop_map(Value::String),
            ]
        });
    prop_oneof![
        (tricky_string(), any_json).prop_map(|(message, data)| {
            json!({"success": true, "message": message, "data": data})
                .to_string()
                .into_bytes()
        }),
        tricky_string().prop_map(|message| {
            json!({"success": true, "message": message}).to_string().into_bytes()
        }),
        licenses_table_envelope(),
        (0usize..8).prop_flat_map(created_licenses_envelope),
        "https://[a-z]{3,10}\\.example/[a-z0-9]{1,12}\\?sig=[a-z0-9]{8}".prop_map(|url| {
            json!({"success": true, "message": "Get presigned url successfully", "presignedUrl": url})
                .to_string()
                .into_bytes()
        }),
        sessions_envelope(),
    ]
}

/// An error envelope, as bytes: `{"success": false, "code", "message"}` with
/// a documented or other code, or without a code (as one documented failure
/// is).
pub fn error_envelope() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::option::of(prop_oneof![
            proptest::sample::select(samples::ERROR_CODES).prop_map(str::to_owned),
            "[a-z_]{1,24}",
        ]),
        tricky_string(),
    )
        .prop_map(|(code, message)| samples::error_envelope(code, &message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{CreateLicenses, GetLicensesTable, GetSessions, GetUsersTable};
    use crate::endpoint::decode_response;
    use crate::error::Error;
    use crate::pager::TablePage;

    fn response(body: Vec<u8>, status: u16) -> http::Response<Vec<u8>> {
        http::Response::builder().status(status).body(body).unwrap()
    }

    proptest! {
        #[test]
        fn ids_are_valid(app in application_id(), license in license_id(), user in app_user_id(), variable in variable_id()) {
            for digits in [app.as_str(), license.as_str(), user.as_str(), variable.as_str()] {
                prop_assert_eq!(ApplicationId::new(digits).map(|id| id.as_str().to_owned()), Ok(digits.to_owned()));
            }
        }

        #[test]
        fn durations_are_valid_and_round_trip(d in license_duration()) {
            prop_assert_eq!(d.to_string().parse::<LicenseDuration>(), Ok(d));
        }

        #[test]
        fn specs_pass_validation(spec in license_spec()) {
            prop_assert_eq!(spec.validate(), Ok(()));
        }

        #[test]
        fn searches_round_trip_through_their_query_forms(
            licenses in license_search(), users in user_search(), sessions in session_search(),
        ) {
            let mut query = String::new();
            licenses.append_to_query(&mut query);
            prop_assert_eq!(LicenseSearch::from_query(&query), Ok(Some(licenses)));
            let mut query = String::new();
            users.append_to_query(&mut query);
            prop_assert_eq!(UserSearch::from_query(&query), Ok(Some(users)));
            let mut query = String::new();
            sessions.append_to_query(&mut query);
            prop_assert_eq!(SessionSearch::from_query(&query), Ok(sessions));
        }

        #[test]
        fn every_row_decodes(license in license_row_json(), user in user_row_json(), session in session_json()) {
            // The typed strategies filter on this: it must never filter.
            prop_assert!(serde_json::from_value::<LicenseRow>(license).is_ok());
            prop_assert!(serde_json::from_value::<UserRow>(user).is_ok());
            prop_assert!(serde_json::from_value::<Session>(session).is_ok());
        }

        #[test]
        fn table_envelopes_decode(licenses in licenses_table_envelope(), users in users_table_envelope(), sessions in sessions_envelope()) {
            let app = ApplicationId::from(1u64);
            let page = decode_response(&GetLicensesTable::new(&app), response(licenses.clone(), 200)).unwrap();
            let value: Value = serde_json::from_slice(&licenses).unwrap();
            prop_assert_eq!(page.rows().len(), value["data"].as_array().unwrap().len());
            decode_response(&GetUsersTable::new(&app), response(users, 200)).unwrap();
            let sessions_page = decode_response(&GetSessions::new(&app), response(sessions.clone(), 200)).unwrap();
            let value: Value = serde_json::from_slice(&sessions).unwrap();
            prop_assert_eq!(sessions_page.rows().len(), value["items"].as_array().unwrap().len());
        }

        #[test]
        fn created_licenses_decode_to_their_keys(count in 0usize..8, body in (0usize..8).prop_flat_map(created_licenses_envelope)) {
            let _ = count;
            let value: Value = serde_json::from_slice(&body).unwrap();
            let n = value["createdLicenses"].as_array().unwrap().len();
            let spec = LicenseSpec::new("ABCDEF", ["p"], LicenseDuration::MIN);
            let keys = decode_response(&CreateLicenses::new(1u64, spec, n.max(1) as u64), response(body, 200)).unwrap();
            prop_assert_eq!(keys.len(), n);
        }

        #[test]
        fn success_envelopes_say_success(body in success_envelope()) {
            let value: Value = serde_json::from_slice(&body).unwrap();
            prop_assert_eq!(&value["success"], &Value::Bool(true));
        }

        #[test]
        fn error_envelopes_decode_as_api_errors(body in error_envelope(), status in 400u16..600) {
            let result = decode_response(&GetLicensesTable::new(1u64), response(body, status));
            prop_assert!(matches!(result, Err(Error::Api(_))), "{:?}", result);
        }
    }
}
