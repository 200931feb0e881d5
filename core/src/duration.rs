//! License durations: [`LicenseDuration`] (its docs hold the rules).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

const SECS_PER_MINUTE: u64 = 60;
const SECS_PER_HOUR: u64 = 60 * SECS_PER_MINUTE;
const SECS_PER_DAY: u64 = 24 * SECS_PER_HOUR;
const SECS_PER_WEEK: u64 = 7 * SECS_PER_DAY;
const SECS_PER_YEAR: u64 = 365 * SECS_PER_DAY;

/// Total seconds of `100y364d23h59m59s`.
const MAX_SECS: u64 =
    100 * SECS_PER_YEAR + 364 * SECS_PER_DAY + 23 * SECS_PER_HOUR + 59 * SECS_PER_MINUTE + 59;

/// Canonical form of [`LicenseDuration::MAX`], used in error messages.
const MAX_CANONICAL: &str = "100y364d23h59m59s";

/// One unit of the duration grammar.
struct Unit {
    symbol: char,
    name: &'static str,
    secs: u64,
    max: u64,
}

/// All units, in the order they must appear in (largest first).
const UNITS: [Unit; 6] = [
    Unit {
        symbol: 'y',
        name: "years",
        secs: SECS_PER_YEAR,
        max: 100,
    },
    Unit {
        symbol: 'w',
        name: "weeks",
        secs: SECS_PER_WEEK,
        max: 52,
    },
    Unit {
        symbol: 'd',
        name: "days",
        secs: SECS_PER_DAY,
        max: 365,
    },
    Unit {
        symbol: 'h',
        name: "hours",
        secs: SECS_PER_HOUR,
        max: 23,
    },
    Unit {
        symbol: 'm',
        name: "minutes",
        secs: SECS_PER_MINUTE,
        max: 59,
    },
    Unit {
        symbol: 's',
        name: "seconds",
        secs: 1,
        max: 59,
    },
];

/// Index into [`UNITS`] of the unit written as `symbol`.
fn unit_index(symbol: char) -> Option<usize> {
    UNITS.iter().position(|unit| unit.symbol == symbol)
}

/// Plural English name of a unit letter, for error messages.
fn unit_name(symbol: char) -> &'static str {
    unit_index(symbol).map_or("unknown unit", |index| UNITS[index].name)
}

/// A validated Blazeauth license duration: a whole number of seconds between
/// [`LicenseDuration::MIN`] (1 second) and [`LicenseDuration::MAX`]
/// (`100y364d23h59m59s`), both inclusive.
///
/// Parse one from the compact unit syntax with [`str::parse`], build one with
/// the checked constructors ([`from_secs`](Self::from_secs),
/// [`from_days`](Self::from_days), ...), or convert a
/// [`std::time::Duration`] with [`TryFrom`]. [`Display`](fmt::Display)
/// prints the canonical form (units `y`, `d`, `h`, `m`, `s`, never weeks);
/// see the [module documentation](crate::LicenseDuration) for the complete rules.
///
/// Ordering and equality compare the total length, so `"1w"` and `"7d"`
/// parse to equal values.
///
/// ```rust
/// use blazeauth_core::LicenseDuration;
///
/// let duration: LicenseDuration = "1y35d".parse()?;
/// assert_eq!(duration, LicenseDuration::from_days(400)?);
/// assert_eq!(duration.to_string(), "1y35d");
/// assert_eq!(format!("{duration:?}"), "LicenseDuration(1y35d)");
/// # Ok::<(), blazeauth_core::DurationError>(())
/// ```
///
/// License durations: the compact unit strings Blazeauth uses, such as `30d`,
/// `1h30m` or `1y`.
///
/// A duration is one or more *parts* written back to back, each part being a
/// number followed by a single unit letter. [`LicenseDuration`] parses,
/// validates, stores (as a whole number of seconds) and prints them.
///
/// # Units
///
/// | unit | meaning | seconds per unit | largest value in one part |
/// |------|---------|------------------|---------------------------|
/// | `s`  | seconds | 1                | 59                        |
/// | `m`  | minutes | 60               | 59                        |
/// | `h`  | hours   | 3 600            | 23                        |
/// | `d`  | days    | 86 400           | 365                       |
/// | `w`  | weeks   | 604 800 (7 days) | 52                        |
/// | `y`  | years   | 31 536 000 (365 days) | 100                  |
///
/// A week is always 7 days and a year always 365 days: there are no leap
/// years, time zones or calendars involved, a duration is a plain number of
/// seconds.
///
/// # Parsing rules
///
/// The Blazeauth documentation only lists the units and their per-part
/// maxima. Everything else is a decision of this SDK, enforced when parsing
/// with [`str::parse`]:
///
/// - **Order.** Parts must appear in strictly descending unit order
///   (`y`, `w`, `d`, `h`, `m`, `s`). `30m1h` is rejected with
///   [`DurationError::OutOfOrder`].
/// - **No repetition.** Each unit appears at most once. `1h1h` is rejected
///   with [`DurationError::RepeatedUnit`].
/// - **Per-part maxima.** Each number must not exceed the maximum of its
///   unit (table above). `60m` and `366d` are rejected with
///   [`DurationError::PartTooLarge`]; write `1h` or `1y1d` instead.
/// - **Characters.** Units are lowercase ASCII letters only (`30D` is an
///   error); numbers are ASCII digits only. Whitespace, signs (`+`, `-`),
///   decimal points and any other character are rejected with
///   [`DurationError::UnknownUnit`]. Leading zeros are accepted (`05m` is
///   five minutes).
/// - **Well-formed parts.** A unit needs a number before it (`d` and `1hm`
///   give [`DurationError::MissingNumber`]) and a number needs a unit after
///   it (`30` and `1h30` give [`DurationError::MissingUnit`]). The empty
///   string gives [`DurationError::Empty`].
/// - **Zero.** A single part may be zero (`1h0m` is one hour) but the total
///   must be positive: `0d` and `0h0m` give [`DurationError::Zero`].
/// - **Range.** The total must be at most [`LicenseDuration::MAX`], that is
///   `100y364d23h59m59s` (3 185 135 999 seconds). Input whose parts are each
///   within their maxima but whose sum is larger, such as `100y365d` or
///   `100y52w2d`, gives [`DurationError::TooLong`]. (`100y52w` itself is
///   accepted: 52 weeks are 364 days, so it equals `100y364d`.)
/// - **No overflow.** A number with any count of digits is handled without
///   panicking: a value too large for `u64` saturates and is reported as
///   [`DurationError::PartTooLarge`].
///
/// Error positions ([`DurationError::MissingNumber`],
/// [`DurationError::UnknownUnit`]) are byte offsets into the input, which
/// equal character offsets for ASCII input.
///
/// # Canonical form
///
/// [`Display`](std::fmt::Display) prints the canonical form: the units `y`,
/// `d`, `h`, `m` and `s` only, largest first, each at most once, zero parts
/// omitted. Weeks are **never** printed, so that a duration of thirty days is
/// sent to the server exactly as `30d`, byte for byte as in the server's
/// documented example.
///
/// | input / constructor                  | canonical form |
/// |--------------------------------------|----------------|
/// | `30d`                                | `30d`          |
/// | `60d`                                | `60d`          |
/// | `365d`                               | `1y`           |
/// | `1w`                                 | `7d`           |
/// | `1h30m`, `01h30m0s`                  | `1h30m`        |
/// | `LicenseDuration::from_secs(5400)`   | `1h30m`        |
/// | `LicenseDuration::from_days(400)`    | `1y35d`        |
///
/// The representable range is 1 second ..= [`LicenseDuration::MAX`], which
/// is exactly the range in which every canonical form respects the per-part
/// maxima. Hence every [`LicenseDuration`], however it was built, prints a
/// string that parses back to the same value.
///
/// # Serde
///
/// A [`LicenseDuration`] serializes as its canonical string. It deserializes
/// leniently from either a duration string (parsed with the rules above) or a
/// non-negative integer number of seconds, because the server reports
/// durations as seconds in some places (`"durationSeconds": 2592000` in
/// license table rows). Zero, negative numbers, floating point numbers and
/// values beyond [`LicenseDuration::MAX`] are rejected. Deserialization uses
/// `deserialize_any`, so it needs a self-describing format such as JSON.
///
/// # Example
///
/// ```rust
/// use blazeauth_core::LicenseDuration;
///
/// let month: LicenseDuration = "30d".parse()?;
/// assert_eq!(month.as_secs(), 30 * 86_400);
/// assert_eq!(month.to_string(), "30d");
///
/// // Weeks are accepted on input but printed as days.
/// let fortnight: LicenseDuration = "2w".parse()?;
/// assert_eq!(fortnight.to_string(), "14d");
///
/// // Values built from seconds are printed canonically.
/// assert_eq!(LicenseDuration::from_secs(5_400)?.to_string(), "1h30m");
///
/// // Invalid input is rejected with a precise error.
/// assert!("90m".parse::<LicenseDuration>().is_err());
/// assert!("30m1h".parse::<LicenseDuration>().is_err());
/// # Ok::<(), blazeauth_core::DurationError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LicenseDuration {
    /// Total length in seconds, always within `1..=MAX_SECS`.
    secs: u64,
}

impl LicenseDuration {
    /// The longest representable duration, `100y364d23h59m59s`
    /// (3 185 135 999 seconds).
    ///
    /// It is the largest value whose canonical form respects every per-part
    /// maximum.
    ///
    /// ```rust
    /// use blazeauth_core::LicenseDuration;
    ///
    /// assert_eq!(LicenseDuration::MAX.to_string(), "100y364d23h59m59s");
    /// assert_eq!(LicenseDuration::MAX.as_secs(), 3_185_135_999);
    /// ```
    pub const MAX: LicenseDuration = LicenseDuration { secs: MAX_SECS };

    /// The shortest representable duration, one second (`1s`).
    ///
    /// ```rust
    /// use blazeauth_core::LicenseDuration;
    ///
    /// assert_eq!(LicenseDuration::MIN.to_string(), "1s");
    /// assert_eq!(LicenseDuration::MIN.as_secs(), 1);
    /// ```
    pub const MIN: LicenseDuration = LicenseDuration { secs: 1 };

    /// Builds a duration of `secs` seconds.
    ///
    /// # Errors
    ///
    /// [`DurationError::Zero`] if `secs` is 0, [`DurationError::TooLong`] if
    /// it exceeds [`LicenseDuration::MAX`].
    ///
    /// ```rust
    /// use blazeauth_core::{DurationError, LicenseDuration};
    ///
    /// assert_eq!(LicenseDuration::from_secs(5_400)?.to_string(), "1h30m");
    /// assert_eq!(LicenseDuration::from_secs(0), Err(DurationError::Zero));
    /// assert_eq!(LicenseDuration::from_secs(u64::MAX), Err(DurationError::TooLong));
    /// # Ok::<(), DurationError>(())
    /// ```
    pub fn from_secs(secs: u64) -> Result<Self, DurationError> {
        if secs == 0 {
            Err(DurationError::Zero)
        } else if secs > MAX_SECS {
            Err(DurationError::TooLong)
        } else {
            Ok(LicenseDuration { secs })
        }
    }

    /// Builds a duration of `count` units of `unit_secs` seconds each,
    /// without overflowing.
    fn from_units(count: u64, unit_secs: u64) -> Result<Self, DurationError> {
        if count == 0 {
            return Err(DurationError::Zero);
        }
        let secs = count.checked_mul(unit_secs).ok_or(DurationError::TooLong)?;
        Self::from_secs(secs)
    }

    /// Builds a duration of `n` minutes.
    ///
    /// # Errors
    ///
    /// [`DurationError::Zero`] if `n` is 0, [`DurationError::TooLong`] if the
    /// result exceeds [`LicenseDuration::MAX`] (overflow included).
    ///
    /// ```rust
    /// use blazeauth_core::LicenseDuration;
    ///
    /// assert_eq!(LicenseDuration::from_minutes(90)?.to_string(), "1h30m");
    /// assert!(LicenseDuration::from_minutes(u64::MAX).is_err());
    /// # Ok::<(), blazeauth_core::DurationError>(())
    /// ```
    pub fn from_minutes(n: u64) -> Result<Self, DurationError> {
        Self::from_units(n, SECS_PER_MINUTE)
    }

    /// Builds a duration of `n` hours.
    ///
    /// # Errors
    ///
    /// [`DurationError::Zero`] if `n` is 0, [`DurationError::TooLong`] if the
    /// result exceeds [`LicenseDuration::MAX`] (overflow included).
    ///
    /// ```rust
    /// use blazeauth_core::LicenseDuration;
    ///
    /// assert_eq!(LicenseDuration::from_hours(48)?.to_string(), "2d");
    /// # Ok::<(), blazeauth_core::DurationError>(())
    /// ```
    pub fn from_hours(n: u64) -> Result<Self, DurationError> {
        Self::from_units(n, SECS_PER_HOUR)
    }

    /// Builds a duration of `n` days.
    ///
    /// # Errors
    ///
    /// [`DurationError::Zero`] if `n` is 0, [`DurationError::TooLong`] if the
    /// result exceeds [`LicenseDuration::MAX`] (overflow included).
    ///
    /// ```rust
    /// use blazeauth_core::LicenseDuration;
    ///
    /// assert_eq!(LicenseDuration::from_days(30)?.to_string(), "30d");
    /// assert_eq!(LicenseDuration::from_days(400)?.to_string(), "1y35d");
    /// # Ok::<(), blazeauth_core::DurationError>(())
    /// ```
    pub fn from_days(n: u64) -> Result<Self, DurationError> {
        Self::from_units(n, SECS_PER_DAY)
    }

    /// Builds a duration of `n` weeks of 7 days each.
    ///
    /// # Errors
    ///
    /// [`DurationError::Zero`] if `n` is 0, [`DurationError::TooLong`] if the
    /// result exceeds [`LicenseDuration::MAX`] (overflow included).
    ///
    /// ```rust
    /// use blazeauth_core::LicenseDuration;
    ///
    /// // Weeks are printed as days.
    /// assert_eq!(LicenseDuration::from_weeks(2)?.to_string(), "14d");
    /// # Ok::<(), blazeauth_core::DurationError>(())
    /// ```
    pub fn from_weeks(n: u64) -> Result<Self, DurationError> {
        Self::from_units(n, SECS_PER_WEEK)
    }

    /// Builds a duration of `n` years of 365 days each.
    ///
    /// # Errors
    ///
    /// [`DurationError::Zero`] if `n` is 0, [`DurationError::TooLong`] if the
    /// result exceeds [`LicenseDuration::MAX`] (overflow included), that is
    /// for `n` above 100.
    ///
    /// ```rust
    /// use blazeauth_core::{DurationError, LicenseDuration};
    ///
    /// assert_eq!(LicenseDuration::from_years(1)?.as_secs(), 31_536_000);
    /// assert_eq!(LicenseDuration::from_years(101), Err(DurationError::TooLong));
    /// # Ok::<(), DurationError>(())
    /// ```
    pub fn from_years(n: u64) -> Result<Self, DurationError> {
        Self::from_units(n, SECS_PER_YEAR)
    }

    /// Total length in seconds, in `1..=3_185_135_999`.
    ///
    /// ```rust
    /// use blazeauth_core::LicenseDuration;
    ///
    /// let duration: LicenseDuration = "30d".parse()?;
    /// assert_eq!(duration.as_secs(), 2_592_000);
    /// # Ok::<(), blazeauth_core::DurationError>(())
    /// ```
    #[must_use]
    pub const fn as_secs(&self) -> u64 {
        self.secs
    }

    /// The same length as a [`std::time::Duration`].
    ///
    /// ```rust
    /// use blazeauth_core::LicenseDuration;
    /// use std::time::Duration;
    ///
    /// let duration: LicenseDuration = "1h".parse()?;
    /// assert_eq!(duration.to_std(), Duration::from_secs(3_600));
    /// # Ok::<(), blazeauth_core::DurationError>(())
    /// ```
    #[must_use]
    pub const fn to_std(&self) -> Duration {
        Duration::from_secs(self.secs)
    }

    /// Adds two durations, returning `None` if the sum exceeds
    /// [`LicenseDuration::MAX`].
    ///
    /// ```rust
    /// use blazeauth_core::LicenseDuration;
    ///
    /// let day: LicenseDuration = "1d".parse()?;
    /// let hour: LicenseDuration = "1h".parse()?;
    /// assert_eq!(day.checked_add(hour).map(|d| d.to_string()), Some("1d1h".to_owned()));
    /// assert_eq!(LicenseDuration::MAX.checked_add(LicenseDuration::MIN), None);
    /// # Ok::<(), blazeauth_core::DurationError>(())
    /// ```
    #[must_use]
    pub fn checked_add(self, other: Self) -> Option<Self> {
        let secs = self.secs.checked_add(other.secs)?;
        (secs <= MAX_SECS).then_some(LicenseDuration { secs })
    }
}

/// Parses the compact unit syntax (`30d`, `1h30m`, `1y`, ...) following the
/// rules in the [module documentation](crate::LicenseDuration).
///
/// ```rust
/// use blazeauth_core::{DurationError, LicenseDuration};
///
/// assert_eq!("1h30m".parse::<LicenseDuration>()?.as_secs(), 5_400);
/// assert_eq!(
///     "30m1h".parse::<LicenseDuration>(),
///     Err(DurationError::OutOfOrder { unit: 'h', after: 'm' }),
/// );
/// # Ok::<(), DurationError>(())
/// ```
impl FromStr for LicenseDuration {
    type Err = DurationError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if input.is_empty() {
            return Err(DurationError::Empty);
        }

        let mut total: u64 = 0;
        // Bit `i` is set once `UNITS[i]` has been seen.
        let mut seen: u8 = 0;
        // Index into `UNITS` of the previous part's unit.
        let mut previous: Option<usize> = None;
        // Value of the number being read (saturating) and the byte offset of
        // its first digit, if a number is being read.
        let mut value: u64 = 0;
        let mut number_start: Option<usize> = None;

        for (position, ch) in input.char_indices() {
            // `to_digit` accepts ASCII digits only, never other Unicode digits.
            if let Some(digit) = ch.to_digit(10) {
                value = value.saturating_mul(10).saturating_add(u64::from(digit));
                number_start.get_or_insert(position);
                continue;
            }

            let Some(index) = unit_index(ch) else {
                return Err(DurationError::UnknownUnit { unit: ch, position });
            };
            if number_start.is_none() {
                return Err(DurationError::MissingNumber { position });
            }
            let unit = &UNITS[index];
            if seen & (1 << index) != 0 {
                return Err(DurationError::RepeatedUnit { unit: unit.symbol });
            }
            if let Some(previous) = previous.filter(|&previous| index < previous) {
                return Err(DurationError::OutOfOrder {
                    unit: unit.symbol,
                    after: UNITS[previous].symbol,
                });
            }
            if value > unit.max {
                return Err(DurationError::PartTooLarge {
                    unit: unit.symbol,
                    value,
                    max: unit.max,
                });
            }

            // Cannot overflow: every part is within its maximum, so the sum
            // stays far below `u64::MAX`; checked anyway.
            total = value
                .checked_mul(unit.secs)
                .and_then(|secs| total.checked_add(secs))
                .ok_or(DurationError::TooLong)?;
            seen |= 1 << index;
            previous = Some(index);
            value = 0;
            number_start = None;
        }

        if let Some(start) = number_start {
            return Err(DurationError::MissingUnit {
                number: input[start..].to_owned(),
            });
        }
        Self::from_secs(total)
    }
}

/// Prints the canonical form: units `y`, `d`, `h`, `m`, `s`, largest first,
/// zero parts omitted, never weeks. Width, fill and alignment flags apply to
/// the whole string.
///
/// ```rust
/// use blazeauth_core::LicenseDuration;
///
/// assert_eq!("1w".parse::<LicenseDuration>()?.to_string(), "7d");
/// assert_eq!("365d".parse::<LicenseDuration>()?.to_string(), "1y");
/// assert_eq!("1h0m05s".parse::<LicenseDuration>()?.to_string(), "1h5s");
/// # Ok::<(), blazeauth_core::DurationError>(())
/// ```
impl fmt::Display for LicenseDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;

        let mut canonical = String::with_capacity(MAX_CANONICAL.len());
        let mut rest = self.secs;
        for unit in UNITS.iter().filter(|unit| unit.symbol != 'w') {
            let count = rest / unit.secs;
            rest %= unit.secs;
            if count != 0 {
                write!(canonical, "{count}{}", unit.symbol)?;
            }
        }
        f.pad(&canonical)
    }
}

/// Prints `LicenseDuration(<canonical form>)`, for example
/// `LicenseDuration(30d)`.
impl fmt::Debug for LicenseDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LicenseDuration({self})")
    }
}

/// Converts a [`std::time::Duration`] of whole seconds.
///
/// # Errors
///
/// [`DurationError::SubSecond`] if the duration has a non-zero fractional
/// second (checked first), [`DurationError::Zero`] if it is zero,
/// [`DurationError::TooLong`] if it exceeds [`LicenseDuration::MAX`].
///
/// ```rust
/// use blazeauth_core::{DurationError, LicenseDuration};
/// use std::time::Duration;
///
/// let duration = LicenseDuration::try_from(Duration::from_secs(86_400))?;
/// assert_eq!(duration.to_string(), "1d");
/// assert_eq!(
///     LicenseDuration::try_from(Duration::from_millis(1_500)),
///     Err(DurationError::SubSecond),
/// );
/// # Ok::<(), DurationError>(())
/// ```
impl TryFrom<Duration> for LicenseDuration {
    type Error = DurationError;

    fn try_from(duration: Duration) -> Result<Self, Self::Error> {
        if duration.subsec_nanos() != 0 {
            return Err(DurationError::SubSecond);
        }
        Self::from_secs(duration.as_secs())
    }
}

/// Converts to a [`std::time::Duration`] of the same length; never fails.
///
/// ```rust
/// use blazeauth_core::LicenseDuration;
/// use std::time::Duration;
///
/// let duration: Duration = "1m".parse::<LicenseDuration>()?.into();
/// assert_eq!(duration, Duration::from_secs(60));
/// # Ok::<(), blazeauth_core::DurationError>(())
/// ```
impl From<LicenseDuration> for Duration {
    fn from(duration: LicenseDuration) -> Self {
        duration.to_std()
    }
}

/// Serializes as the canonical string, for example `"30d"`.
///
/// ```rust
/// use blazeauth_core::LicenseDuration;
///
/// let duration = LicenseDuration::from_days(30)?;
/// assert_eq!(serde_json::to_string(&duration).unwrap(), r#""30d""#);
/// # Ok::<(), blazeauth_core::DurationError>(())
/// ```
impl serde::Serialize for LicenseDuration {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        serializer.collect_str(self)
    }
}

/// Deserializes from a duration string (`"30d"`) or from a non-negative
/// integer number of seconds (`2592000`). Requires a self-describing format.
///
/// ```rust
/// use blazeauth_core::LicenseDuration;
///
/// let from_string: LicenseDuration = serde_json::from_str(r#""30d""#).unwrap();
/// let from_seconds: LicenseDuration = serde_json::from_str("2592000").unwrap();
/// assert_eq!(from_string, from_seconds);
/// assert!(serde_json::from_str::<LicenseDuration>("-1").is_err());
/// assert!(serde_json::from_str::<LicenseDuration>("1.5").is_err());
/// ```
impl<'de> serde::Deserialize<'de> for LicenseDuration {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        deserializer.deserialize_any(LicenseDurationVisitor)
    }
}

/// Accepts a duration string or a whole number of seconds.
struct LicenseDurationVisitor;

impl serde::de::Visitor<'_> for LicenseDurationVisitor {
    type Value = LicenseDuration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a license duration string such as \"30d\" or \"1h30m\", \
             or a positive whole number of seconds",
        )
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E>
    where
        E: serde::de::Error,
    {
        value.parse().map_err(E::custom)
    }

    fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E>
    where
        E: serde::de::Error,
    {
        LicenseDuration::from_secs(value).map_err(E::custom)
    }

    fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E>
    where
        E: serde::de::Error,
    {
        match u64::try_from(value) {
            Ok(secs) => self.visit_u64(secs),
            Err(_) => Err(E::invalid_value(
                serde::de::Unexpected::Signed(value),
                &self,
            )),
        }
    }
}

/// Why a [`LicenseDuration`] could not be parsed or built.
///
/// Every message is a single line starting in lowercase that says what is
/// wrong and what is allowed.
///
/// ```rust
/// use blazeauth_core::{DurationError, LicenseDuration};
///
/// let err = "60m".parse::<LicenseDuration>().unwrap_err();
/// assert_eq!(err, DurationError::PartTooLarge { unit: 'm', value: 60, max: 59 });
/// assert_eq!(
///     err.to_string(),
///     r#"duration part "60m" is over its maximum: m (minutes) allows at most 59"#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The input string is empty.
    #[error("duration is empty: expected parts such as 30d or 1h30m")]
    Empty,

    /// A unit letter has no digits before it, as in `d` or `1hm`.
    #[error(
        "duration unit at position {position} has no number before it: \
         write a number then a unit, such as 30d"
    )]
    MissingNumber {
        /// Byte offset of the unit letter in the input.
        position: usize,
    },

    /// The input ends with a number that has no unit, as in `30` or `1h30`.
    #[error(
        "duration number \"{number}\" has no unit: \
         append one of the units y, w, d, h, m, s"
    )]
    MissingUnit {
        /// The trailing digits, exactly as written.
        number: String,
    },

    /// A character that is neither an ASCII digit nor a unit letter, such as
    /// `D`, `x`, a space, `.` or `-`.
    #[error(
        "unknown duration unit {unit:?} at position {position}: \
         units are lowercase s, m, h, d, w, y and numbers are ASCII digits"
    )]
    UnknownUnit {
        /// The offending character.
        unit: char,
        /// Byte offset of the character in the input.
        position: usize,
    },

    /// A part's number exceeds its unit's maximum, as in `60m` or `366d`.
    #[error(
        "duration part \"{value}{unit}\" is over its maximum: \
         {unit} ({name}) allows at most {max}",
        name = unit_name(*.unit)
    )]
    PartTooLarge {
        /// The unit letter of the part.
        unit: char,
        /// The value written; saturates at `u64::MAX` for huge numbers.
        value: u64,
        /// The largest value allowed for this unit.
        max: u64,
    },

    /// A unit appears more than once, as in `1h1h`.
    #[error("duration unit '{unit}' appears more than once: each unit may be used at most once")]
    RepeatedUnit {
        /// The repeated unit letter.
        unit: char,
    },

    /// A unit follows a smaller one, as in `30m1h`.
    #[error(
        "duration unit '{unit}' comes after '{after}': \
         units must appear in descending order y, w, d, h, m, s"
    )]
    OutOfOrder {
        /// The unit letter that is out of place.
        unit: char,
        /// The smaller unit letter that came before it.
        after: char,
    },

    /// The total is zero, as in `0d`; the minimum is `1s`.
    #[error("duration is zero: it must be at least 1s")]
    Zero,

    /// The total exceeds [`LicenseDuration::MAX`] (`100y364d23h59m59s`).
    #[error("duration exceeds the maximum of {max}", max = MAX_CANONICAL)]
    TooLong,

    /// A [`std::time::Duration`] has a fractional second.
    #[error("duration has a fraction of a second: only whole seconds are allowed")]
    SubSecond,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(input: &str) -> Result<LicenseDuration, DurationError> {
        input.parse()
    }

    fn secs(input: &str) -> u64 {
        parse(input)
            .unwrap_or_else(|err| panic!("{input:?} should parse: {err}"))
            .as_secs()
    }

    // ---- constants -------------------------------------------------------

    #[test]
    fn max_constant_is_consistent() {
        assert_eq!(MAX_SECS, 3_185_135_999);
        assert_eq!(LicenseDuration::MAX.as_secs(), MAX_SECS);
        assert_eq!(LicenseDuration::MAX.to_string(), MAX_CANONICAL);
        assert_eq!(parse(MAX_CANONICAL), Ok(LicenseDuration::MAX));
        assert_eq!(LicenseDuration::MIN.as_secs(), 1);
        assert_eq!(LicenseDuration::MIN.to_string(), "1s");
        assert!(LicenseDuration::MIN < LicenseDuration::MAX);
    }

    // ---- examples --------------------------------------------------------

    #[test]
    fn documented_examples() {
        assert_eq!(secs("30d"), 2_592_000);
        assert_eq!(secs("1h30m"), 5_400);
        assert_eq!(secs("1y"), 31_536_000);
        assert_eq!(secs("1w"), 604_800);
        assert_eq!(secs("2w3d"), 17 * 86_400);
        assert_eq!(secs("1s"), 1);
        assert_eq!(
            secs("1y2w3d4h5m6s"),
            31_536_000 + 14 * 86_400 + 3 * 86_400 + 4 * 3_600 + 5 * 60 + 6
        );
    }

    #[test]
    fn canonical_display() {
        let cases = [
            ("30d", "30d"),
            ("60d", "60d"),
            ("365d", "1y"),
            ("1w", "7d"),
            ("2w3d", "17d"),
            ("52w", "364d"),
            ("52w1d", "1y"),
            ("1h30m", "1h30m"),
            ("01h30m00s", "1h30m"),
            ("1h0m", "1h"),
            ("1y0w0d0h0m1s", "1y1s"),
            ("59s", "59s"),
        ];
        for (input, canonical) in cases {
            assert_eq!(
                parse(input).map(|d| d.to_string()),
                Ok(canonical.to_owned()),
                "{input}"
            );
        }
        assert_eq!(
            LicenseDuration::from_secs(5_400).unwrap().to_string(),
            "1h30m"
        );
        assert_eq!(
            LicenseDuration::from_secs(400 * 86_400)
                .unwrap()
                .to_string(),
            "1y35d"
        );
        assert_eq!(
            LicenseDuration::from_days(400).unwrap().to_string(),
            "1y35d"
        );
    }

    #[test]
    fn debug_and_padding() {
        let duration = parse("30d").unwrap();
        assert_eq!(format!("{duration:?}"), "LicenseDuration(30d)");
        assert_eq!(format!("{duration:>5}"), "  30d");
        assert_eq!(format!("{duration:<5}|"), "30d  |");
    }

    #[test]
    fn leading_zeros_are_accepted() {
        assert_eq!(secs("05m"), 300);
        assert_eq!(secs("0000000000000000000000000000000000000001s"), 1);
        assert_eq!(secs("00100y"), 100 * SECS_PER_YEAR);
    }

    #[test]
    fn zero_parts_are_accepted() {
        assert_eq!(secs("1h0m"), 3_600);
        assert_eq!(secs("0y1s"), 1);
        assert_eq!(secs("0y0w0d0h0m1s"), 1);
    }

    #[test]
    fn maxima_accepted_at_boundary() {
        assert_eq!(secs("59s"), 59);
        assert_eq!(secs("59m"), 59 * 60);
        assert_eq!(secs("23h"), 23 * 3_600);
        assert_eq!(secs("365d"), 365 * 86_400);
        assert_eq!(secs("52w"), 52 * 604_800);
        assert_eq!(secs("100y"), 100 * 31_536_000);
    }

    #[test]
    fn maxima_rejected_one_above() {
        let cases = [
            ("60s", 's', 60, 59),
            ("60m", 'm', 60, 59),
            ("24h", 'h', 24, 23),
            ("366d", 'd', 366, 365),
            ("53w", 'w', 53, 52),
            ("101y", 'y', 101, 100),
        ];
        for (input, unit, value, max) in cases {
            assert_eq!(
                parse(input),
                Err(DurationError::PartTooLarge { unit, value, max }),
                "{input}"
            );
        }
    }

    #[test]
    fn part_too_large_inside_a_sequence() {
        assert_eq!(
            parse("1h90m"),
            Err(DurationError::PartTooLarge {
                unit: 'm',
                value: 90,
                max: 59
            })
        );
    }

    // ---- one test per error variant --------------------------------------

    #[test]
    fn error_empty() {
        assert_eq!(parse(""), Err(DurationError::Empty));
    }

    #[test]
    fn error_missing_number() {
        assert_eq!(
            parse("d"),
            Err(DurationError::MissingNumber { position: 0 })
        );
        assert_eq!(
            parse("1hm"),
            Err(DurationError::MissingNumber { position: 2 })
        );
        assert_eq!(
            parse("1h30mm"),
            Err(DurationError::MissingNumber { position: 5 })
        );
    }

    #[test]
    fn error_missing_unit() {
        assert_eq!(
            parse("30"),
            Err(DurationError::MissingUnit {
                number: "30".to_owned()
            })
        );
        assert_eq!(
            parse("1h30"),
            Err(DurationError::MissingUnit {
                number: "30".to_owned()
            })
        );
        assert_eq!(
            parse("0"),
            Err(DurationError::MissingUnit {
                number: "0".to_owned()
            })
        );
    }

    #[test]
    fn error_unknown_unit() {
        let cases = [
            ("30D", 'D', 2),
            ("1x", 'x', 1),
            (" 30d", ' ', 0),
            ("30d ", ' ', 3),
            ("1h 30m", ' ', 2),
            ("1.5h", '.', 1),
            ("-1d", '-', 0),
            ("+1d", '+', 0),
            ("1H", 'H', 1),
            ("30d\n", '\n', 3),
            ("\u{0663}d", '\u{0663}', 0), // ARABIC-INDIC DIGIT THREE
            ("1\u{ff44}", '\u{ff44}', 1), // FULLWIDTH LATIN SMALL LETTER D
            ("é1d", 'é', 0),
            ("1dé", 'é', 2),
        ];
        for (input, unit, position) in cases {
            assert_eq!(
                parse(input),
                Err(DurationError::UnknownUnit { unit, position }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn error_part_too_large_saturates_on_overflow() {
        let forty_digits = "9".repeat(40);
        assert_eq!(
            parse(&format!("{forty_digits}s")),
            Err(DurationError::PartTooLarge {
                unit: 's',
                value: u64::MAX,
                max: 59
            })
        );
        assert_eq!(
            parse("18446744073709551616d"),
            Err(DurationError::PartTooLarge {
                unit: 'd',
                value: u64::MAX,
                max: 365
            })
        );
        // Overflowing digits with no unit are still a missing unit.
        assert_eq!(
            parse(&forty_digits),
            Err(DurationError::MissingUnit {
                number: forty_digits.clone()
            })
        );
    }

    #[test]
    fn error_repeated_unit() {
        assert_eq!(
            parse("1h1h"),
            Err(DurationError::RepeatedUnit { unit: 'h' })
        );
        assert_eq!(
            parse("0s0s"),
            Err(DurationError::RepeatedUnit { unit: 's' })
        );
        assert_eq!(
            parse("1h2m1h"),
            Err(DurationError::RepeatedUnit { unit: 'h' })
        );
    }

    #[test]
    fn error_out_of_order() {
        assert_eq!(
            parse("30m1h"),
            Err(DurationError::OutOfOrder {
                unit: 'h',
                after: 'm'
            })
        );
        assert_eq!(
            parse("1d1w"),
            Err(DurationError::OutOfOrder {
                unit: 'w',
                after: 'd'
            })
        );
        assert_eq!(
            parse("1s1y"),
            Err(DurationError::OutOfOrder {
                unit: 'y',
                after: 's'
            })
        );
    }

    #[test]
    fn error_zero() {
        assert_eq!(parse("0d"), Err(DurationError::Zero));
        assert_eq!(parse("0h0m"), Err(DurationError::Zero));
        assert_eq!(parse("000s"), Err(DurationError::Zero));
        assert_eq!(LicenseDuration::from_secs(0), Err(DurationError::Zero));
        assert_eq!(LicenseDuration::from_days(0), Err(DurationError::Zero));
        assert_eq!(
            LicenseDuration::try_from(Duration::ZERO),
            Err(DurationError::Zero)
        );
    }

    #[test]
    fn error_too_long() {
        // 52 weeks are 364 days, so `100y52w` is still in range.
        assert_eq!(
            parse("100y52w").map(|d| d.to_string()),
            Ok("100y364d".to_owned())
        );
        assert_eq!(parse("100y52w2d"), Err(DurationError::TooLong));
        assert_eq!(parse("100y52w1d"), Err(DurationError::TooLong));
        assert_eq!(parse("100y52w23h59m59s"), Ok(LicenseDuration::MAX));
        assert_eq!(
            parse("100y0w0d24h"),
            Err(DurationError::PartTooLarge {
                unit: 'h',
                value: 24,
                max: 23
            })
        );
        assert_eq!(parse("100y365d"), Err(DurationError::TooLong));
        assert_eq!(parse("100y52w365d23h59m59s"), Err(DurationError::TooLong));
        assert_eq!(parse("100y364d23h59m59s"), Ok(LicenseDuration::MAX));
        assert_eq!(
            LicenseDuration::from_secs(MAX_SECS + 1),
            Err(DurationError::TooLong)
        );
        assert_eq!(
            LicenseDuration::from_secs(u64::MAX),
            Err(DurationError::TooLong)
        );
        assert!(
            DurationError::TooLong
                .to_string()
                .contains("100y364d23h59m59s")
        );
    }

    #[test]
    fn error_sub_second() {
        assert_eq!(
            LicenseDuration::try_from(Duration::new(30, 1)),
            Err(DurationError::SubSecond)
        );
        assert_eq!(
            LicenseDuration::try_from(Duration::from_millis(500)),
            Err(DurationError::SubSecond)
        );
        assert_eq!(
            LicenseDuration::try_from(Duration::MAX),
            Err(DurationError::SubSecond)
        );
    }

    #[test]
    fn error_messages_are_single_lowercase_lines() {
        let errors = [
            DurationError::Empty,
            DurationError::MissingNumber { position: 0 },
            DurationError::MissingUnit {
                number: "30".to_owned(),
            },
            DurationError::UnknownUnit {
                unit: '\n',
                position: 3,
            },
            DurationError::PartTooLarge {
                unit: 'm',
                value: 60,
                max: 59,
            },
            DurationError::RepeatedUnit { unit: 'h' },
            DurationError::OutOfOrder {
                unit: 'h',
                after: 'm',
            },
            DurationError::Zero,
            DurationError::TooLong,
            DurationError::SubSecond,
        ];
        for error in errors {
            let message = error.to_string();
            assert!(!message.contains('\n'), "{message:?}");
            assert!(
                message.starts_with(|c: char| c.is_ascii_lowercase()),
                "{message:?}"
            );
        }
    }

    #[test]
    fn error_message_texts() {
        assert_eq!(
            parse("60m").unwrap_err().to_string(),
            r#"duration part "60m" is over its maximum: m (minutes) allows at most 59"#
        );
        assert_eq!(
            parse("366d").unwrap_err().to_string(),
            r#"duration part "366d" is over its maximum: d (days) allows at most 365"#
        );
        assert_eq!(
            parse("100y365d").unwrap_err().to_string(),
            "duration exceeds the maximum of 100y364d23h59m59s"
        );
        let unknown = parse("30D").unwrap_err().to_string();
        assert!(
            unknown.contains("'D'") && unknown.contains("lowercase"),
            "{unknown}"
        );
        let order = parse("30m1h").unwrap_err().to_string();
        assert!(order.contains("descending"), "{order}");
    }

    // ---- constructors and conversions -----------------------------------

    #[test]
    fn unit_constructors() {
        assert_eq!(LicenseDuration::from_minutes(90).unwrap().as_secs(), 5_400);
        assert_eq!(LicenseDuration::from_hours(24).unwrap().to_string(), "1d");
        assert_eq!(LicenseDuration::from_days(30).unwrap().to_string(), "30d");
        assert_eq!(LicenseDuration::from_weeks(1).unwrap().to_string(), "7d");
        assert_eq!(
            LicenseDuration::from_years(100).unwrap().to_string(),
            "100y"
        );
        assert_eq!(
            LicenseDuration::from_years(101),
            Err(DurationError::TooLong)
        );
        for constructor in [
            LicenseDuration::from_minutes,
            LicenseDuration::from_hours,
            LicenseDuration::from_days,
            LicenseDuration::from_weeks,
            LicenseDuration::from_years,
        ] {
            assert_eq!(constructor(u64::MAX), Err(DurationError::TooLong));
            assert_eq!(constructor(u64::MAX / 2), Err(DurationError::TooLong));
            assert_eq!(constructor(0), Err(DurationError::Zero));
        }
    }

    #[test]
    fn checked_add_bounds() {
        let day = parse("1d").unwrap();
        assert_eq!(day.checked_add(day), Some(parse("2d").unwrap()));
        assert_eq!(LicenseDuration::MAX.checked_add(LicenseDuration::MIN), None);
        assert_eq!(LicenseDuration::MAX.checked_add(LicenseDuration::MAX), None);
        let almost = LicenseDuration::from_secs(MAX_SECS - 1).unwrap();
        assert_eq!(
            almost.checked_add(LicenseDuration::MIN),
            Some(LicenseDuration::MAX)
        );
    }

    #[test]
    fn std_conversions() {
        let duration = parse("1h30m").unwrap();
        assert_eq!(duration.to_std(), Duration::from_secs(5_400));
        assert_eq!(Duration::from(duration), Duration::from_secs(5_400));
        assert_eq!(
            LicenseDuration::try_from(Duration::from_secs(5_400)),
            Ok(duration)
        );
        assert_eq!(
            LicenseDuration::try_from(Duration::from_secs(MAX_SECS + 1)),
            Err(DurationError::TooLong)
        );
    }

    #[test]
    fn equality_and_order_follow_length() {
        assert_eq!(parse("1w"), parse("7d"));
        assert_eq!(parse("365d"), parse("1y"));
        assert!(parse("1h").unwrap() < parse("1d").unwrap());
    }

    // ---- serde -----------------------------------------------------------

    #[test]
    fn serde_serialize_canonical_string() {
        let duration = parse("30d").unwrap();
        assert_eq!(serde_json::to_string(&duration).unwrap(), r#""30d""#);
        let week = parse("1w").unwrap();
        assert_eq!(serde_json::to_string(&week).unwrap(), r#""7d""#);
    }

    #[test]
    fn serde_deserialize_string_and_seconds() {
        #[derive(serde::Deserialize)]
        struct Row {
            #[serde(rename = "durationSeconds")]
            duration_seconds: LicenseDuration,
        }
        let expected = parse("30d").unwrap();
        assert_eq!(
            serde_json::from_str::<LicenseDuration>(r#""30d""#).unwrap(),
            expected
        );
        assert_eq!(
            serde_json::from_str::<LicenseDuration>("2592000").unwrap(),
            expected
        );

        let row: Row = serde_json::from_str(r#"{"durationSeconds": 2592000}"#).unwrap();
        assert_eq!(row.duration_seconds, expected);
    }

    #[test]
    fn serde_deserialize_rejects_invalid() {
        for input in [
            "-1",
            "1.5",
            "2592000.0",
            r#""abc""#,
            r#""""#,
            r#""0d""#,
            r#""60m""#,
            "0",
            "3185136000",
            "18446744073709551616",
            "null",
            "true",
            "[]",
            "{}",
        ] {
            assert!(
                serde_json::from_str::<LicenseDuration>(input).is_err(),
                "{input} should be rejected"
            );
        }
        assert_eq!(
            serde_json::from_str::<LicenseDuration>("3185135999").unwrap(),
            LicenseDuration::MAX
        );
        let message = serde_json::from_str::<LicenseDuration>(r#""60m""#)
            .unwrap_err()
            .to_string();
        assert!(message.contains("at most 59"), "{message}");
    }

    // ---- properties ------------------------------------------------------

    /// Formats parts `(unit index, value)` with optional leading zeros.
    fn render(parts: &[(usize, u64, usize)]) -> String {
        parts
            .iter()
            .map(|&(index, value, zeros)| {
                format!("{}{value}{}", "0".repeat(zeros), UNITS[index].symbol)
            })
            .collect()
    }

    /// A sequence of parts in descending unit order, each within its
    /// maximum: `(unit index, value, leading zeros)`.
    fn parts_strategy() -> impl Strategy<Value = Vec<(usize, u64, usize)>> {
        let per_unit: Vec<_> = UNITS
            .iter()
            .enumerate()
            .map(|(index, unit)| {
                proptest::option::of((0..=unit.max, 0..3usize))
                    .prop_map(move |part| part.map(|(value, zeros)| (index, value, zeros)))
            })
            .collect();
        per_unit.prop_map(|parts| parts.into_iter().flatten().collect())
    }

    proptest! {
        #[test]
        fn prop_from_secs_round_trips(secs in 1..=MAX_SECS) {
            let duration = LicenseDuration::from_secs(secs).unwrap();
            prop_assert_eq!(duration.as_secs(), secs);
            let text = duration.to_string();
            prop_assert!(!text.contains('w'), "{}", text);
            prop_assert_eq!(parse(&text), Ok(duration));
        }

        #[test]
        fn prop_boundary_secs_round_trip(offset in 0u64..100_000) {
            for secs in [1 + offset, MAX_SECS - offset] {
                let duration = LicenseDuration::from_secs(secs).unwrap();
                prop_assert_eq!(parse(&duration.to_string()), Ok(duration));
            }
        }

        #[test]
        fn prop_any_text_never_panics(input in crate::strategy::duration_text()) {
            if let Ok(duration) = parse(&input) {
                prop_assert_eq!(parse(&duration.to_string()), Ok(duration));
            }
        }

        #[test]
        fn prop_unit_alphabet_never_panics(input in "[0-9smhdwyDH .+-]{0,48}") {
            if let Ok(duration) = parse(&input) {
                prop_assert_eq!(parse(&duration.to_string()), Ok(duration));
            }
        }

        #[test]
        fn prop_valid_parts_parse_to_their_sum(parts in parts_strategy()) {
            let input = render(&parts);
            let total: u64 = parts.iter().map(|&(index, value, _)| value * UNITS[index].secs).sum();
            let expected = if input.is_empty() {
                Err(DurationError::Empty)
            } else if total == 0 {
                Err(DurationError::Zero)
            } else if total > MAX_SECS {
                Err(DurationError::TooLong)
            } else {
                Ok(LicenseDuration::from_secs(total).unwrap())
            };
            prop_assert_eq!(parse(&input), expected.clone());
            if let Ok(duration) = expected {
                prop_assert_eq!(parse(&duration.to_string()), Ok(duration));
            }
        }

        #[test]
        fn prop_std_duration_round_trips(secs in 1..=MAX_SECS, nanos in 1u32..1_000_000_000) {
            let std = Duration::from_secs(secs);
            let duration = LicenseDuration::try_from(std).unwrap();
            prop_assert_eq!(duration.as_secs(), secs);
            prop_assert_eq!(Duration::from(duration), std);
            prop_assert_eq!(duration.to_std(), std);
            prop_assert_eq!(
                LicenseDuration::try_from(Duration::new(secs, nanos)),
                Err(DurationError::SubSecond)
            );
        }

        #[test]
        fn prop_serde_round_trips(secs in 1..=MAX_SECS) {
            let duration = LicenseDuration::from_secs(secs).unwrap();
            let json = serde_json::to_string(&duration).unwrap();
            prop_assert_eq!(serde_json::from_str::<LicenseDuration>(&json).unwrap(), duration);
            prop_assert_eq!(serde_json::from_str::<LicenseDuration>(&secs.to_string()).unwrap(), duration);
        }

        #[test]
        fn prop_checked_add_matches_secs(a in 1..=MAX_SECS, b in 1..=MAX_SECS) {
            let sum = LicenseDuration::from_secs(a).unwrap().checked_add(LicenseDuration::from_secs(b).unwrap());
            prop_assert_eq!(sum, LicenseDuration::from_secs(a + b).ok());
        }
    }
}
