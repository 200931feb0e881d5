//! Dates: [`Timestamp`] (its docs hold the details).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant from the API, to the millisecond, with the text it came as.
///
/// Equality, ordering and hashing use the instant only: `…09:00:00Z` and
/// `…11:00:00+02:00` are equal.
///
/// [`Timestamp`]: the API's dates as one type.
///
/// The panel routes send dates as ISO 8601 text (`2026-05-12T09:00:00.000Z`);
/// the live-session routes send milliseconds since the Unix epoch. Both decode
/// into a [`Timestamp`], which keeps the server's text as it was, orders and
/// compares by the instant, converts to [`SystemTime`] and Unix milliseconds,
/// and, behind the features `jiff`, `time` and `chrono`, to those crates'
/// types. No date crate is in the default dependency tree.
///
/// ## What the text may be
///
/// `YYYY-MM-DD`, then `T` (or a space, or `t`), `hh:mm`, optional `:ss`, an
/// optional fraction of any number of digits (kept to the millisecond,
/// truncated), then `Z`, `z`, `±hh:mm`, `±hhmm` or `±hh`, or nothing (UTC is
/// assumed: the docs show only `Z`). A date without a time is midnight UTC.
/// Anything else, or an impossible date (`2026-02-30`), is a decode error that
/// names the field: a date that is not a date is a broken contract, not a
/// value to guess at.
///
/// ```
/// use blazeauth_core::Timestamp;
///
/// let created: Timestamp = "2026-05-12T09:00:00.000Z".parse()?;
/// let seen = Timestamp::from_unix_millis(1_778_576_400_000);
/// assert_eq!(created, seen); // the same instant, written two ways
/// assert_eq!(created.as_str(), "2026-05-12T09:00:00.000Z"); // the server's text
/// assert_eq!(seen.to_string(), "2026-05-12T09:00:00.000Z"); // formatted when there was none
/// assert!("2026-05-12T10:00:00+02:00".parse::<Timestamp>()? < created);
/// # Ok::<(), blazeauth_core::TimestampError>(())
/// ```
#[derive(Clone)]
pub struct Timestamp {
    millis: i64,
    text: Text,
}

/// The server's text.
#[derive(Clone)]
enum Text {
    /// It came as milliseconds.
    None,
    /// It came in the form the API sends, `YYYY-MM-DDThh:mm:ss.sssZ`, which
    /// formatting the instant gives back exactly: nothing to keep (so
    /// decoding a date allocates nothing).
    Canonical,
    /// Any other form, kept as sent.
    Other(Box<str>),
}

/// Text that is not an ISO 8601 date and time the SDK reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an ISO 8601 date and time ({reason}): {text:?}")]
pub struct TimestampError {
    text: String,
    reason: &'static str,
}

impl TimestampError {
    fn new(text: &str, reason: &'static str) -> Self {
        let mut text = text.to_owned();
        if text.len() > 64 {
            let mut end = 64;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push('…');
        }
        Self { text, reason }
    }
}

impl Timestamp {
    /// The instant `millis` milliseconds after the Unix epoch (before it when negative).
    pub fn from_unix_millis(millis: i64) -> Self {
        Self {
            millis,
            text: Text::None,
        }
    }

    /// Parses ISO 8601 text (see the [module docs](crate::Timestamp) for what is read).
    ///
    /// # Errors
    ///
    /// [`TimestampError`] saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        if let Some(millis) = parse_canonical(text.as_bytes()) {
            return Ok(Self {
                millis,
                text: Text::Canonical,
            });
        }
        let millis = parse_iso8601(text).map_err(|reason| TimestampError::new(text, reason))?;
        Ok(Self {
            millis,
            text: Text::Other(text.into()),
        })
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(&self) -> i64 {
        self.millis
    }

    /// The instant as a [`SystemTime`].
    pub fn to_system_time(&self) -> SystemTime {
        let magnitude = Duration::from_millis(self.millis.unsigned_abs());
        if self.millis >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }

    /// The instant of `time`, to the millisecond (truncated). `None` when it
    /// is out of range (hundreds of millions of years away).
    pub fn from_system_time(time: SystemTime) -> Option<Self> {
        let millis = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).ok()?,
            Err(before) => i64::try_from(before.duration().as_millis())
                .ok()?
                .checked_neg()?,
        };
        Some(Self::from_unix_millis(millis))
    }

    /// The server's text when it sent text, else the instant formatted as
    /// `YYYY-MM-DDThh:mm:ss.sssZ`.
    pub fn as_str(&self) -> Cow<'_, str> {
        match &self.text {
            Text::Other(text) => Cow::Borrowed(text),
            Text::None | Text::Canonical => Cow::Owned(format_iso8601(self.millis)),
        }
    }

    /// The server's text, exactly as sent, when the value came as text
    /// (`None` for milliseconds).
    pub fn original_text(&self) -> Option<Cow<'_, str>> {
        match &self.text {
            Text::None => None,
            _ => Some(self.as_str()),
        }
    }

    /// How long after `earlier` this is (`None` when it is before).
    pub fn duration_since(&self, earlier: &Timestamp) -> Option<Duration> {
        let diff = self.millis.checked_sub(earlier.millis)?;
        u64::try_from(diff).ok().map(Duration::from_millis)
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.millis == other.millis
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.millis.cmp(&other.millis)
    }
}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.millis.hash(state);
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.as_str())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> SystemTime {
        t.to_system_time()
    }
}

impl Serialize for Timestamp {
    /// As text: the server's, or the formatted instant.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_str())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    /// From ISO 8601 text or a number of milliseconds (also as a numeric string).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;

        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 8601 date and time, or milliseconds since the Unix epoch")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp::from_unix_millis(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v)
                    .map(Timestamp::from_unix_millis)
                    .map_err(|_| E::custom("milliseconds out of range"))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
                if v.is_finite() && v.abs() < 9.0e15 {
                    Ok(Timestamp::from_unix_millis(v.trunc() as i64))
                } else {
                    Err(E::custom("milliseconds out of range"))
                }
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                let trimmed = v.trim();
                if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
                    return trimmed
                        .parse::<i64>()
                        .map(Timestamp::from_unix_millis)
                        .map_err(|_| E::custom("milliseconds out of range"));
                }
                Timestamp::parse(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(TimestampVisitor)
    }
}

#[cfg(feature = "jiff")]
mod jiff_impls {
    use super::Timestamp;

    impl Timestamp {
        /// The instant as a [`jiff::Timestamp`] (feature `jiff`).
        pub fn to_jiff(&self) -> jiff::Timestamp {
            // In range: i64 milliseconds of API dates are far inside jiff's years -9999..=9999
            // for any real date; out-of-range values saturate to jiff's bounds.
            jiff::Timestamp::from_millisecond(self.millis).unwrap_or(if self.millis < 0 {
                jiff::Timestamp::MIN
            } else {
                jiff::Timestamp::MAX
            })
        }
    }

    impl From<Timestamp> for jiff::Timestamp {
        fn from(t: Timestamp) -> jiff::Timestamp {
            t.to_jiff()
        }
    }

    impl From<jiff::Timestamp> for Timestamp {
        /// To the millisecond (truncated toward the past).
        fn from(t: jiff::Timestamp) -> Timestamp {
            Timestamp::from_unix_millis(t.as_millisecond())
        }
    }
}

#[cfg(feature = "time")]
mod time_impls {
    use super::Timestamp;

    impl Timestamp {
        /// The instant as a UTC [`time::OffsetDateTime`] (feature `time`);
        /// `None` outside the years that crate represents.
        pub fn to_offset_date_time(&self) -> Option<time::OffsetDateTime> {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.millis) * 1_000_000)
                .ok()
        }
    }

    impl From<time::OffsetDateTime> for Timestamp {
        /// To the millisecond (truncated toward the past).
        fn from(t: time::OffsetDateTime) -> Timestamp {
            let millis = t.unix_timestamp_nanos().div_euclid(1_000_000);
            Timestamp::from_unix_millis(i64::try_from(millis).unwrap_or(if millis < 0 {
                i64::MIN
            } else {
                i64::MAX
            }))
        }
    }
}

#[cfg(feature = "chrono")]
mod chrono_impls {
    use super::Timestamp;

    impl Timestamp {
        /// The instant as a [`chrono::DateTime<Utc>`](chrono::DateTime) (feature
        /// `chrono`); `None` outside the years that crate represents.
        pub fn to_chrono(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            chrono::DateTime::from_timestamp_millis(self.millis)
        }
    }

    impl From<chrono::DateTime<chrono::Utc>> for Timestamp {
        fn from(t: chrono::DateTime<chrono::Utc>) -> Timestamp {
            Timestamp::from_unix_millis(t.timestamp_millis())
        }
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian),
/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01 (`civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// A cursor over ASCII text.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Result<u32, &'static str> {
        let end = self.at + n;
        let part = self.bytes.get(self.at..end).ok_or("too short")?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err("a digit was expected");
        }
        self.at = end;
        Ok(part.iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0')))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), &'static str> {
        if self.eat(byte) { Ok(()) } else { Err(reason) }
    }
}

/// The form the API sends, `YYYY-MM-DDThh:mm:ss.sssZ`, read without the
/// general parser; `None` for anything else (which then goes through
/// [`parse_iso8601`]). A text it accepts is exactly what [`format_iso8601`]
/// gives for the instant (tested), so it need not be kept.
fn parse_canonical(b: &[u8]) -> Option<i64> {
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    const DIGITS: [usize; 17] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
    if DIGITS.iter().any(|&i| b[i].wrapping_sub(b'0') > 9) {
        return None;
    }
    let d = |i: usize| u32::from(b[i] - b'0');
    let two = |i: usize| d(i) * 10 + d(i + 1);
    let year = d(0) * 1000 + d(1) * 100 + two(2);
    let (month, day, hour, minute, second) = (two(5), two(8), two(11), two(14), two(17));
    let millis = d(20) * 100 + two(21);
    let year = i64::from(year);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(seconds * 1000 + i64::from(millis))
}

fn parse_iso8601(text: &str) -> Result<i64, &'static str> {
    let mut c = Cursor {
        bytes: text.trim().as_bytes(),
        at: 0,
    };
    let year = i64::from(c.digits(4)?);
    c.expect(b'-', "a '-' after the year was expected")?;
    let month = c.digits(2)?;
    c.expect(b'-', "a '-' after the month was expected")?;
    let day = c.digits(2)?;
    if !(1..=12).contains(&month) {
        return Err("the month is out of range");
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err("the day is out of range");
    }
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
    let mut offset_minutes: i64 = 0;
    if c.peek().is_some() {
        if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
            return Err("a 'T' between the date and the time was expected");
        }
        hour = c.digits(2)?;
        c.expect(b':', "a ':' after the hour was expected")?;
        minute = c.digits(2)?;
        if c.eat(b':') {
            second = c.digits(2)?;
            if c.eat(b'.') || c.eat(b',') {
                let start = c.at;
                let mut scale = 100;
                while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
                    millis += u32::from(b - b'0') * scale;
                    scale /= 10;
                    c.at += 1;
                }
                if c.at == start {
                    return Err("a fraction without digits");
                }
            }
        }
        if hour > 23 || minute > 59 || second > 60 {
            return Err("the time is out of range");
        }
        // A leap second reads as the last millisecond of its minute.
        if second == 60 {
            second = 59;
            millis = 999;
        }
        match c.peek() {
            None => {}
            Some(b'Z' | b'z') => c.at += 1,
            Some(sign @ (b'+' | b'-')) => {
                c.at += 1;
                let hours = c.digits(2)?;
                let minutes = if c.eat(b':') || c.peek().is_some() {
                    c.digits(2)?
                } else {
                    0
                };
                if hours > 23 || minutes > 59 {
                    return Err("the offset is out of range");
                }
                offset_minutes = i64::from(hours * 60 + minutes);
                if sign == b'-' {
                    offset_minutes = -offset_minutes;
                }
            }
            Some(_) => return Err("an offset (Z or ±hh:mm) was expected"),
        }
    }
    if c.peek().is_some() {
        return Err("text follows the date");
    }
    let days = days_from_civil(year, month, day);
    let seconds =
        days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_minutes * 60;
    Ok(seconds * 1000 + i64::from(millis))
}

fn format_iso8601(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let in_day = millis.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (hour, rest) = (in_day / 3_600_000, in_day % 3_600_000);
    let (minute, rest) = (rest / 60_000, rest % 60_000);
    let (second, ms) = (rest / 1000, rest % 1000);
    if (0..=9999).contains(&year) {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{ms:03}Z")
    } else {
        format!("{year:+07}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{ms:03}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_example_and_forms() {
        let t = Timestamp::parse("2026-05-12T09:00:00.000Z").unwrap();
        assert_eq!(t.unix_millis(), 1_778_576_400_000);
        for same in [
            "2026-05-12T09:00:00Z",
            "2026-05-12T09:00Z",
            "2026-05-12 09:00:00.000",
            "2026-05-12t09:00:00.000000z",
            "2026-05-12T11:00:00+02:00",
            "2026-05-12T11:00:00+0200",
            "2026-05-12T11:00:00+02",
            "2026-05-12T08:00:00.0-01:00",
        ] {
            assert_eq!(Timestamp::parse(same).unwrap(), t, "{same}");
        }
        assert_eq!(
            Timestamp::parse("2026-05-12").unwrap().unix_millis(),
            1_778_544_000_000
        );
        assert_eq!(
            Timestamp::parse("2026-05-12T09:00:00.1239Z")
                .unwrap()
                .unix_millis()
                % 1000,
            123
        );
        assert_eq!(
            Timestamp::parse("1969-12-31T23:59:59.999Z")
                .unwrap()
                .unix_millis(),
            -1
        );
        assert_eq!(
            Timestamp::parse("2024-02-29T00:00:00Z")
                .unwrap()
                .to_string(),
            "2024-02-29T00:00:00Z"
        );
    }

    #[test]
    fn refused_text_says_why() {
        for bad in [
            "",
            "yesterday",
            "2026-02-30T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-05-12T24:00:00Z",
            "2026-05-12T09:00:00.Z",
            "2026-05-12T09:00:00Q",
            "2026-05-12T09:00:00Z trailing",
            "2026-05-12T09:00:00+25:00",
            "２０２６-05-12",
        ] {
            let error = Timestamp::parse(bad).unwrap_err();
            assert!(error.to_string().contains("ISO 8601"), "{bad}: {error}");
        }
    }

    #[test]
    fn decodes_text_and_milliseconds() {
        let from_text: Timestamp = serde_json::from_str("\"2026-05-12T09:00:00.000Z\"").unwrap();
        let from_number: Timestamp = serde_json::from_str("1778576400000").unwrap();
        let from_numeric_text: Timestamp = serde_json::from_str("\"1778576400000\"").unwrap();
        assert_eq!(from_text, from_number);
        assert_eq!(from_text, from_numeric_text);
        assert_eq!(
            from_text.original_text().as_deref(),
            Some("2026-05-12T09:00:00.000Z")
        );
        let odd = Timestamp::parse("2026-05-12 11:00:00+02:00").unwrap();
        assert_eq!(
            odd.original_text().as_deref(),
            Some("2026-05-12 11:00:00+02:00")
        );
        assert_eq!(from_number.original_text(), None);
        assert_eq!(
            serde_json::to_string(&from_number).unwrap(),
            "\"2026-05-12T09:00:00.000Z\""
        );
        assert!(serde_json::from_str::<Timestamp>("\"soon\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("true").is_err());
        assert_eq!(
            from_text.to_system_time(),
            UNIX_EPOCH + Duration::from_millis(1_778_576_400_000)
        );
        assert_eq!(
            Timestamp::from_system_time(from_text.to_system_time()),
            Some(from_text)
        );
    }

    #[cfg(feature = "jiff")]
    #[test]
    fn jiff_conversions() {
        let t = Timestamp::parse("2026-05-12T09:00:00.123Z").unwrap();
        let j = t.to_jiff();
        assert_eq!(j.to_string(), "2026-05-12T09:00:00.123Z");
        assert_eq!(Timestamp::from(j), t);
    }

    #[cfg(feature = "time")]
    #[test]
    fn time_conversions() {
        let t = Timestamp::parse("1969-12-31T23:59:59.999Z").unwrap();
        let odt = t.to_offset_date_time().unwrap();
        assert_eq!((odt.year(), odt.millisecond()), (1969, 999));
        assert_eq!(Timestamp::from(odt), t);
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_conversions() {
        let t = Timestamp::parse("2026-05-12T11:00:00+02:00").unwrap();
        let c = t.to_chrono().unwrap();
        assert_eq!(c.to_rfc3339(), "2026-05-12T09:00:00+00:00");
        assert_eq!(Timestamp::from(c), t);
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_the_general_parser(millis in -62_135_596_800_000_i64..253_402_300_799_999, junk in "[0-9TZ:.-]{24}") {
            let text = format_iso8601(millis);
            prop_assert_eq!(parse_canonical(text.as_bytes()), Some(millis));
            prop_assert_eq!(parse_iso8601(&text), Ok(millis));
            if let Some(fast) = parse_canonical(junk.as_bytes()) {
                prop_assert_eq!(parse_iso8601(&junk), Ok(fast));
                // What the fast path accepts, formatting gives back exactly.
                prop_assert_eq!(format_iso8601(fast), junk);
            }
        }

        #[test]
        fn formatting_round_trips_and_orders(a in -62_135_596_800_000_i64..253_402_300_799_999, b in -62_135_596_800_000_i64..253_402_300_799_999) {
            let ta = Timestamp::from_unix_millis(a);
            let parsed = Timestamp::parse(&ta.to_string()).unwrap();
            prop_assert_eq!(parsed.unix_millis(), a);
            let tb = Timestamp::from_unix_millis(b);
            prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
            prop_assert_eq!(ta.to_string().cmp(&tb.to_string()), a.cmp(&b), "text order is instant order for years 0001-9999");
        }
    }
}
