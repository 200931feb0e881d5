//! Time as an input: the [`Clock`] trait, the [`SystemClock`], the
//! [`ManualClock`] tests advance by hand, and the ISO 8601 formatting of
//! response dates.
//!
//! The emulator reads the time only through its clock: license expiry, pause
//! durations, key expiry and the runtime-key rotation limit all follow it, so a
//! test with a [`ManualClock`] can cross an hour or a year without sleeping.
//!
//! Dates are formatted by hand (`2026-05-12T09:00:00.000Z`, always UTC,
//! milliseconds) with Howard Hinnant's days-to-civil conversion: one small,
//! well-known function instead of a date crate for a single fixed format.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// Lets `duration` pass on this clock: the system clock sleeps for real
    /// (the default), a [`ManualClock`] moves forward at once. The emulator's
    /// in-process client waits between retries this way.
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }

    /// Moves the clock forward by `by` when it can (a [`ManualClock`], an
    /// [`OffsetClock`]), returning whether it did. The system clock cannot,
    /// and no clock moves past what the platform's time type holds.
    fn advance(&self, by: Duration) -> bool {
        let _ = by;
        false
    }
}

/// The system clock plus an offset that [`Clock::advance`] moves forward: real
/// time that a test can still fast-forward (the served binary's clock).
#[derive(Debug, Clone, Default)]
pub struct OffsetClock {
    offset: Arc<Mutex<Duration>>,
}

impl OffsetClock {
    /// The system clock, with no offset yet.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> SystemTime {
        let offset = *self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        SystemTime::now()
            .checked_add(offset)
            .unwrap_or_else(SystemTime::now)
    }

    /// Moves the offset forward by `by`, unless the time would then overflow
    /// the platform's time type (then nothing moves and it returns `false`).
    fn advance(&self, by: Duration) -> bool {
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        match offset.checked_add(by) {
            Some(later) if SystemTime::now().checked_add(later).is_some() => {
                *offset = later;
                true
            }
            _ => false,
        }
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to. Clones share the same time, so a test
/// keeps one clone and hands another to the emulator.
///
/// ```
/// use std::time::Duration;
/// use blazeauth_emulator::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let emulator_side = clock.clone();
/// let before = emulator_side.now();
/// clock.advance(Duration::from_secs(3600));
/// assert_eq!(emulator_side.now().duration_since(before)?, Duration::from_secs(3600));
/// # Ok::<(), std::time::SystemTimeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<SystemTime>>,
}

impl ManualClock {
    /// The time a new manual clock shows: `2026-05-12T09:00:00.000Z`, the date of
    /// the API documentation's examples.
    pub const DEFAULT_START: Duration = Duration::from_secs(1_778_576_400);

    /// A clock showing `2026-05-12T09:00:00.000Z` ([`DEFAULT_START`](Self::DEFAULT_START)).
    pub fn new() -> Self {
        Self::starting_at(UNIX_EPOCH + Self::DEFAULT_START)
    }

    /// A clock showing `start`.
    pub fn starting_at(start: SystemTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock forward by `by` (it stays put if that would overflow
    /// the platform's time type).
    pub fn advance(&self, by: Duration) {
        self.try_advance(by);
    }

    /// Moves the clock forward by `by` and returns `true`, or stays put and
    /// returns `false` when that would overflow the platform's time type.
    fn try_advance(&self, by: Duration) -> bool {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        match now.checked_add(by) {
            Some(later) => {
                *now = later;
                true
            }
            None => false,
        }
    }

    /// Sets the clock to `time` (backwards too).
    pub fn set(&self, time: SystemTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = time;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the clock forward instead of sleeping.
    fn sleep(&self, duration: Duration) {
        ManualClock::advance(self, duration);
    }

    fn advance(&self, by: Duration) -> bool {
        self.try_advance(by)
    }
}

/// Milliseconds since the Unix epoch: the emulator's internal time unit.
/// Times before the epoch count as the epoch itself.
pub(crate) type Millis = u64;

/// `time` in milliseconds since the epoch (saturating).
pub(crate) fn to_millis(time: SystemTime) -> Millis {
    time.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The `SystemTime` of `millis` (saturating at the platform's limit).
pub(crate) fn from_millis(millis: Millis) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(millis))
        .unwrap_or(UNIX_EPOCH)
}

/// ISO 8601 in UTC with milliseconds: `2026-05-12T09:00:00.000Z`.
pub(crate) fn iso8601(millis: Millis) -> String {
    let secs = millis / 1000;
    let ms = millis % 1000;
    let days = secs / 86_400;
    let rest = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date of `days` days after 1970-01-01
/// (Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms").
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01, so leap days fall at the end of a year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso8601(1_778_576_400_000),
            "2026-05-12T09:00:00.000Z",
            "the docs' example date"
        );
        assert_eq!(iso8601(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
        assert_eq!(iso8601(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
        assert_eq!(iso8601(1_709_251_199_000), "2024-02-29T23:59:59.000Z");
        // Never panics, whatever the input.
        assert!(iso8601(u64::MAX).ends_with('Z'));
    }

    #[test]
    fn formatting_agrees_with_day_counting_over_400_years() {
        // Walk day by day from 1970 and check the calendar advances correctly.
        let mut expected = (1970, 1, 1);
        let month_len = |y: u64, m: u64| match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        for days in 0..146_097 {
            assert_eq!(civil_from_days(days), expected, "day {days}");
            let (y, m, d) = expected;
            expected = if d < month_len(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new();
        let other = clock.clone();
        assert_eq!(iso8601(to_millis(other.now())), "2026-05-12T09:00:00.000Z");
        clock.advance(Duration::from_millis(1500));
        assert_eq!(iso8601(to_millis(other.now())), "2026-05-12T09:00:01.500Z");
        clock.set(UNIX_EPOCH);
        assert_eq!(to_millis(other.now()), 0);
        clock.set(UNIX_EPOCH - Duration::from_secs(10));
        assert_eq!(
            to_millis(other.now()),
            0,
            "before the epoch counts as the epoch"
        );
        assert_eq!(from_millis(1000), UNIX_EPOCH + Duration::from_secs(1));
    }
}
