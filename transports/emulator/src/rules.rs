//! The documented rules the emulator enforces, written from `API.md` and the
//! seed pages, never from the SDK: its own limits, duration parser, query
//! decoder and search reader. Were the emulator to borrow the SDK's
//! validators, a validation bug in the SDK could never show up as a refused
//! request in a test; written apart, a drift in either shows up (a property
//! test generates requests on both sides of every limit and checks that the
//! SDK's validation and the emulator's agree).
//!
//! | rule | source |
//! |---|---|
//! | application name: 6–32 characters | API.md §3 |
//! | license levels: at least one; each 1–16 characters after trimming; unique | API.md §3 |
//! | license key or mask: 6–64 characters | API.md §4 |
//! | comment, client id, IP address: at most 64 characters | API.md §4 |
//! | `count`: required on create and edit; at most 256 (create), at least 1 | API.md §4 |
//! | durations: strings of parts `<number><unit>`, units `s m h d w y` with per-part maxima 59, 59, 23, 365, 52, 100 | API.md §1.6 |
//! | ids: strings of ASCII digits (numbers tolerated in bodies) | API.md §1.4 |
//!
//! Where the documentation is silent, the emulator takes the strict reading
//! recorded with the project's decisions (API.md §1.6): units lowercase, each
//! at most once, largest first (`1h30m`, not `30m1h`), a total above zero.
//! Lengths count characters (Unicode scalar values).

use crate::input::invalid_format;
use crate::reply::Failure;

/// Application name length in characters.
pub(crate) const APPLICATION_NAME: (usize, usize) = (6, 32);
/// One license level, after trimming, in characters.
pub(crate) const LEVEL: (usize, usize) = (1, 16);
/// A license key or mask, in characters.
pub(crate) const LICENSE_MASK: (usize, usize) = (6, 64);
/// A license's comment, client id and IP address: at most this many characters.
pub(crate) const LICENSE_TEXT_MAX: usize = 64;
/// Licenses one `create-licenses` request may create.
pub(crate) const COUNT: (u64, u64) = (1, 256);
/// Variable name: 3–64 characters (`API.md` 7).
pub(crate) const VARIABLE_NAME: (usize, usize) = (3, 64);
/// Variable description: at most 64 characters, or null (`API.md` 7).
pub(crate) const VARIABLE_DESCRIPTION_MAX: usize = 64;
/// Variable value: at most 16,000 characters (`API.md` 7).
pub(crate) const VARIABLE_VALUE_MAX: usize = 16_000;
/// Variable strategies (`API.md` 7).
pub(crate) const VARIABLE_STRATEGIES: [&str; 2] = ["auth_required", "auth_not_required"];
/// File name, trimmed: 4–16 characters (`API.md` 8).
pub(crate) const FILE_NAME: (usize, usize) = (4, 16);
/// Live sessions page size: 1–50, default 10 (`API.md` 9).
pub(crate) const SESSIONS_PAGE_SIZE: (u64, u64) = (1, 50);
/// Live sessions page size when none is given.
pub(crate) const SESSIONS_DEFAULT_PAGE_SIZE: u64 = 10;
/// The longest license duration: the largest total whose largest-first form
/// keeps every part within its documented maximum, `100y364d23h59m59s`
/// (365 days make a year, so the day part stops at 364).
pub(crate) const MAX_DURATION_SECS: u64 = 100 * YEAR + 364 * DAY + 23 * 3600 + 59 * 60 + 59;
/// The longest id accepted, in digits.
const MAX_ID_DIGITS: usize = 39;

const DAY: u64 = 86_400;
const YEAR: u64 = 365 * DAY;

/// The duration units, largest first: letter, seconds, largest value in one part.
const UNITS: [(u8, u64, u64); 6] = [
    (b'y', YEAR, 100),
    (b'w', 7 * DAY, 52),
    (b'd', DAY, 365),
    (b'h', 3600, 23),
    (b'm', 60, 59),
    (b's', 1, 59),
];

/// Checks that `value` has `min..=max` characters.
pub(crate) fn chars(field: &str, value: &str, min: usize, max: usize) -> Result<(), Failure> {
    let count = value.chars().count();
    if (min..=max).contains(&count) {
        return Ok(());
    }
    let allowed = if min == 0 {
        format!("at most {max} characters")
    } else {
        format!("{min} to {max} characters")
    };
    Err(invalid_format(
        field,
        format!("must be {allowed}, got {count}"),
    ))
}

/// The license levels of an application, trimmed: at least one, each 1–16
/// characters after trimming, no two the same after trimming.
pub(crate) fn levels(field: &str, given: &[&str]) -> Result<Vec<String>, Failure> {
    if given.is_empty() {
        return Err(invalid_format(field, "must hold at least one level"));
    }
    let mut kept: Vec<String> = Vec::with_capacity(given.len());
    for (i, level) in given.iter().enumerate() {
        let trimmed = level.trim();
        let name = format!("{field}[{i}]");
        chars(&name, trimmed, LEVEL.0, LEVEL.1)?;
        if kept.iter().any(|k| k == trimmed) {
            return Err(invalid_format(
                name,
                format!("repeats the level {trimmed:?}"),
            ));
        }
        kept.push(trimmed.to_owned());
    }
    Ok(kept)
}

/// Parses a duration string into seconds (see the [module docs](self)).
pub(crate) fn duration_secs(text: &str) -> Result<u64, String> {
    if text.is_empty() {
        return Err("is empty".into());
    }
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut next_unit = 0; // index into UNITS of the smallest allowed next unit
    let mut total: u64 = 0;
    while at < bytes.len() {
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
        }
        if at == start {
            return Err(format!("needs a number before {:?}", char::from(bytes[at])));
        }
        let Some(&letter) = bytes.get(at) else {
            return Err("ends with a number without a unit".into());
        };
        at += 1;
        let Some(index) = UNITS.iter().position(|(u, _, _)| *u == letter) else {
            return Err(format!(
                "has {:?} where a unit (s, m, h, d, w, y) belongs",
                char::from(letter)
            ));
        };
        if index < next_unit {
            return Err("has its units out of order or repeated (largest first, each once)".into());
        }
        next_unit = index + 1;
        let (unit, seconds, max) = UNITS[index];
        // Digits only, so the slice is ASCII; a huge number saturates.
        let value = text[start..at - 1].parse::<u64>().unwrap_or(u64::MAX);
        if value > max {
            return Err(format!(
                "has {value}{} but a part in {} is at most {max}",
                char::from(unit),
                char::from(unit)
            ));
        }
        total = total.saturating_add(value * seconds);
    }
    if total == 0 {
        return Err("is zero".into());
    }
    Ok(total)
}

/// Reads an id: 1 to 39 ASCII digits. `Ok(None)` for a well-formed id too
/// large for any resource the emulator has.
pub(crate) fn id(field: &str, text: &str) -> Result<Option<u64>, Failure> {
    if text.is_empty() || text.len() > MAX_ID_DIGITS || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid_format(
            field,
            format!("must be an id: 1 to {MAX_ID_DIGITS} ASCII digits"),
        ));
    }
    Ok(text.parse().ok())
}

/// Decodes a query string into its pairs: `&`-separated, `name=value`,
/// `+` as a space, `%XX` escapes that must make UTF-8.
pub(crate) fn query_pairs(raw: &str) -> Result<Vec<(String, String)>, String> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((percent_decode(name)?, percent_decode(value)?))
        })
        .collect()
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("has a bad %-escape at byte {i}"))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "%-escapes that do not make UTF-8".to_owned())
}

/// A panel table's `searchParams`: the search string and the categories.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Search {
    pub(crate) search_string: String,
    pub(crate) categories: Vec<String>,
}

/// Checks a file name as `API.md` 8 states it: trimmed, 4–16 characters,
/// letters, digits, dashes and single spaces. Returns the trimmed name. The
/// emulator reads "letters" as Unicode letters (`char::is_alphabetic`): the
/// docs do not say ASCII, and being the wider reading it lets the SDK's
/// stricter check be seen to refuse first.
pub(crate) fn file_name(field: &str, given: &str) -> Result<String, Failure> {
    let name = given.trim();
    chars(field, name, FILE_NAME.0, FILE_NAME.1)?;
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_alphabetic() || c.is_ascii_digit() || *c == '-' || *c == ' '))
    {
        return Err(invalid_format(
            field,
            format!("may hold only letters, digits, dashes and single spaces, not {c:?}"),
        ));
    }
    if name.contains("  ") {
        return Err(invalid_format(field, "may not hold two spaces in a row"));
    }
    Ok(name.to_owned())
}

/// Reads `searchParams` (already percent-decoded): a JSON object with an
/// optional `searchString` (string) and optional `categories` (strings).
pub(crate) fn search(json: &str) -> Result<Search, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|_| "is not a JSON object".to_owned())?;
    let object = value.as_object().ok_or("is not a JSON object")?;
    let search_string = match object.get("searchString") {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(_) => return Err("has a `searchString` that is not a string".into()),
    };
    let categories = match object.get("categories") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(list)) => list
            .iter()
            .map(|c| c.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or("has `categories` that are not all strings")?,
        Some(_) => return Err("has `categories` that is not a list".into()),
    };
    Ok(Search {
        search_string,
        categories,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_the_documented_units_and_maxima() {
        assert_eq!(duration_secs("30d"), Ok(30 * DAY));
        assert_eq!(duration_secs("1h30m"), Ok(5400));
        assert_eq!(duration_secs("1y"), Ok(YEAR));
        assert_eq!(duration_secs("2w"), Ok(14 * DAY));
        assert_eq!(duration_secs("05m"), Ok(300));
        assert_eq!(
            duration_secs("100y365d23h59m59s"),
            Ok(100 * YEAR + 365 * DAY + 86_399)
        );
        for bad in [
            "", "30", "d", "30D", "60m", "366d", "24h", "101y", "53w", "30m1h", "1h1h", "0d",
            "0h0m", "1.5h", "-1d", "1 d", "1ms",
        ] {
            assert!(duration_secs(bad).is_err(), "{bad:?}");
        }
        assert!(
            duration_secs(&"9".repeat(60)).is_err(),
            "huge numbers do not overflow"
        );
    }

    #[test]
    fn levels_are_trimmed_bounded_and_unique() {
        assert_eq!(
            levels("levels", &[" pro ", "basic"]).ok(),
            Some(vec!["pro".into(), "basic".into()])
        );
        assert!(levels("levels", &[]).is_err());
        assert!(levels("levels", &["   "]).is_err());
        assert!(levels("levels", &["pro", " pro"]).is_err());
        assert!(levels("levels", &["a234567890123456"]).is_ok());
        assert!(levels("levels", &["a2345678901234567"]).is_err());
    }

    #[test]
    fn queries_and_searches_decode() {
        assert_eq!(
            query_pairs("a=1&searchParams=%7B%22searchString%22%3A%22john%22%7D&b=x+y"),
            Ok(vec![
                ("a".into(), "1".into()),
                ("searchParams".into(), r#"{"searchString":"john"}"#.into()),
                ("b".into(), "x y".into()),
            ])
        );
        assert!(query_pairs("a=%zz").is_err());
        assert!(query_pairs("a=%ff").is_err());
        assert_eq!(
            search(r#"{"searchString":"x","categories":["IPv4"]}"#),
            Ok(Search {
                search_string: "x".into(),
                categories: vec!["IPv4".into()]
            })
        );
        assert_eq!(search("{}"), Ok(Search::default()));
        assert!(search("[]").is_err());
        assert!(search(r#"{"categories":[1]}"#).is_err());
    }

    #[test]
    fn ids_are_digits() {
        assert_eq!(id("applicationId", "42").ok(), Some(Some(42)));
        assert_eq!(id("applicationId", &"9".repeat(30)).ok(), Some(None));
        assert!(id("applicationId", "").is_err());
        assert!(id("applicationId", "4a").is_err());
        assert!(id("applicationId", &"9".repeat(40)).is_err());
    }
}
