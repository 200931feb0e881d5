//! Client-side validation: the [`InvalidInput`] error and the checks shared by
//! every request builder.
//!
//! Requests are built strictly: every constraint the Blazeauth documentation
//! states is checked before anything is sent, and a failure names the field
//! and says what is allowed.
//!
//! **Lengths count characters** (Unicode scalar values, `str::chars`), which is
//! what the documentation's "6–32 characters" says. For text without emoji or
//! other characters outside the Basic Multilingual Plane this is also what the
//! server's JavaScript `length` counts; for text with them the server may count
//! more (a UTF-16 surrogate pair counts two there) and can still refuse a value
//! the SDK let through, with an API error.

use std::borrow::Cow;
use std::fmt;

/// A request that was refused before it was sent because one of its fields
/// breaks a documented constraint. Fix the input; nothing reached the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {problem}")]
pub struct InvalidInput {
    field: Cow<'static, str>,
    problem: Problem,
}

impl InvalidInput {
    /// An error for `field` (its wire name, e.g. `licensesSettings.levels`).
    pub fn new(field: impl Into<Cow<'static, str>>, problem: Problem) -> Self {
        Self {
            field: field.into(),
            problem,
        }
    }

    /// The wire name of the offending field, e.g. `name` or `licensesSettings.levels[2]`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The text has `actual` characters; `min..=max` are allowed.
    Length {
        /// Fewest characters allowed.
        min: usize,
        /// Most characters allowed.
        max: usize,
        /// Characters given.
        actual: usize,
    },
    /// A list or text that must not be empty is empty.
    Empty,
    /// A list whose values must be unique holds `value` more than once.
    Duplicate {
        /// The repeated value.
        value: String,
    },
    /// A number is outside `min..=max`.
    Range {
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
        /// Given.
        actual: u64,
    },
    /// A value with a format of its own (a duration, an id, a path) does not parse.
    Format {
        /// One line saying what is wrong and what is allowed.
        reason: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Length { min, max, actual } if min == max => {
                write!(f, "must be exactly {min} characters, got {actual}")
            }
            Problem::Length {
                min: 0,
                max,
                actual,
            } => {
                write!(f, "must be at most {max} characters, got {actual}")
            }
            Problem::Length { min, max, actual } => {
                write!(f, "must be {min} to {max} characters, got {actual}")
            }
            Problem::Empty => f.write_str("must not be empty"),
            Problem::Duplicate { value } => {
                write!(f, "holds {value:?} more than once; values must be unique")
            }
            Problem::Range { min, max, actual } => {
                write!(f, "must be between {min} and {max}, got {actual}")
            }
            Problem::Format { reason } => f.write_str(reason),
        }
    }
}

/// Checks that `value` has `min..=max` characters (see the module docs on
/// counting), naming `field` on failure.
pub fn check_chars(
    field: impl Into<Cow<'static, str>>,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), InvalidInput> {
    // Counting stops early once past `max`: a 10 MB string costs no more than max + 1 steps.
    let actual = value.chars().take(max.saturating_add(1)).count();
    if actual < min || actual > max {
        let actual = if actual > max {
            value.chars().count()
        } else {
            actual
        };
        return Err(InvalidInput::new(
            field,
            Problem::Length { min, max, actual },
        ));
    }
    Ok(())
}

/// Checks that `value` lies in `min..=max`, naming `field` on failure.
pub fn check_range(
    field: impl Into<Cow<'static, str>>,
    value: u64,
    min: u64,
    max: u64,
) -> Result<(), InvalidInput> {
    if value < min || value > max {
        return Err(InvalidInput::new(
            field,
            Problem::Range {
                min,
                max,
                actual: value,
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_boundaries_name_the_field() {
        assert!(check_chars("name", "abcdef", 6, 32).is_ok());
        let err = check_chars("name", "abcde", 6, 32).unwrap_err();
        assert_eq!(err.field(), "name");
        assert_eq!(
            err.problem(),
            &Problem::Length {
                min: 6,
                max: 32,
                actual: 5
            }
        );
        assert_eq!(
            err.to_string(),
            "invalid `name`: must be 6 to 32 characters, got 5"
        );
        let long = "x".repeat(33);
        let err = check_chars("name", &long, 6, 32).unwrap_err();
        assert_eq!(
            err.problem(),
            &Problem::Length {
                min: 6,
                max: 32,
                actual: 33
            }
        );
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        // six characters, eighteen bytes
        assert!(check_chars("name", "ééééé€", 6, 6).is_ok());
        assert!(check_chars("comment", &"é".repeat(64), 0, 64).is_ok());
        assert!(check_chars("comment", &"é".repeat(65), 0, 64).is_err());
    }

    #[test]
    fn range_boundaries() {
        assert!(check_range("count", 256, 1, 256).is_ok());
        assert!(check_range("count", 1, 1, 256).is_ok());
        let err = check_range("count", 257, 1, 256).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid `count`: must be between 1 and 256, got 257"
        );
        assert!(check_range("count", 0, 1, 256).is_err());
    }
}
