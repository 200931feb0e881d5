//! The management key: [`ManagementKey`], a secret that never shows itself.
//!
//! A Blazeauth management key looks like
//! `blz_mgmt_bak_<16 letters or digits>_<48 letters or digits>` (78 characters).
//! The `bak_…` part is its public id, shown in the dashboard; the rest is the
//! secret. [`ManagementKey`]'s `Debug` and `Display` print only the public id,
//! and the secret is reachable only through the explicitly named
//! [`ManagementKey::expose_secret`].
//!
//! [`ManagementKey::parse`] checks the documented format and says what is wrong
//! without echoing the input. Keys of another shape (a future format, a test
//! server's) go through [`ManagementKey::parse_unchecked_format`], which still
//! refuses whitespace and control characters, so a pasted newline never becomes a
//! broken `Authorization` header.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The environment variable holding the management key: the transport crates' `config_from_env` read it,
/// and [`ManagementKey::from_env_value`] parses its value.
pub const KEY_ENV_VAR: &str = "BLAZEAUTH_MANAGEMENT_API_KEY";

const PREFIX: &str = "blz_mgmt_";
const PUBLIC_ID_PREFIX: &str = "bak_";
const PUBLIC_ID_RANDOM_LEN: usize = 16;
const SECRET_LEN: usize = 48;
const PUBLIC_ID_LEN: usize = PUBLIC_ID_PREFIX.len() + PUBLIC_ID_RANDOM_LEN;
/// The length of a key in the documented format.
const KEY_LEN: usize = PREFIX.len() + PUBLIC_ID_LEN + 1 + SECRET_LEN;

/// A Blazeauth management API key.
///
/// ```
/// use blazeauth_core::ManagementKey;
///
/// let key = ManagementKey::parse(
///     "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
/// )?;
/// assert_eq!(key.public_id(), Some("bak_0123456789abcdef"));
/// assert_eq!(format!("{key:?}"), r#"ManagementKey("bak_0123456789abcdef")"#);
/// assert!(!format!("{key} {key:?}").contains("KL"));
/// # Ok::<(), blazeauth_core::KeyError>(())
/// ```
///
/// The key's memory is wiped when it is dropped (`zeroize`), and two keys are
/// compared in constant time (`subtle`). The `Authorization` header built from
/// it (kept by [`Config`](crate::Config) and copied into each request) is an
/// `http::HeaderValue`, which cannot be wiped: drop the config and requests to
/// let it go.
#[derive(Clone)]
pub struct ManagementKey {
    key: Zeroizing<String>,
    documented_format: bool,
}

impl PartialEq for ManagementKey {
    fn eq(&self, other: &Self) -> bool {
        // Lengths are public (the format fixes them); contents are compared
        // without an early exit.
        self.key.as_bytes().ct_eq(other.key.as_bytes()).into()
    }
}

impl Eq for ManagementKey {}

impl ManagementKey {
    /// Checks `key` against the documented format `blz_mgmt_bak_<16 alnum>_<48 alnum>`.
    pub fn parse(key: &str) -> Result<Self, KeyError> {
        check_printable(key)?;
        let Some(rest) = key.strip_prefix(PREFIX) else {
            return Err(KeyError::Format(FormatProblem::Prefix));
        };
        let Some(random) = rest.strip_prefix(PUBLIC_ID_PREFIX) else {
            return Err(KeyError::Format(FormatProblem::Prefix));
        };
        let Some((public_random, secret)) = random.split_once('_') else {
            return Err(KeyError::Format(FormatProblem::PublicId));
        };
        if public_random.len() != PUBLIC_ID_RANDOM_LEN || !is_alnum(public_random) {
            return Err(KeyError::Format(FormatProblem::PublicId));
        }
        if secret.len() != SECRET_LEN || !is_alnum(secret) {
            return Err(KeyError::Format(FormatProblem::Secret {
                length: secret.chars().count(),
            }));
        }
        debug_assert_eq!(key.len(), KEY_LEN);
        Ok(Self {
            key: Zeroizing::new(key.to_owned()),
            documented_format: true,
        })
    }

    /// Accepts a key of another shape than the documented one (a newer format, a
    /// test server's). It must still be non-empty printable ASCII with no
    /// whitespace, because it travels in a header. Its `Debug` and `Display`
    /// show `[redacted]`.
    pub fn parse_unchecked_format(key: &str) -> Result<Self, KeyError> {
        check_printable(key)?;
        let documented_format = Self::parse(key).is_ok();
        Ok(Self {
            key: Zeroizing::new(key.to_owned()),
            documented_format,
        })
    }

    /// Parses the value of `BLAZEAUTH_MANAGEMENT_API_KEY` as read by the caller
    /// (`None` when the variable is unset); the core reads no environment itself.
    ///
    /// Surrounding whitespace is **not** trimmed: a key with a trailing newline
    /// is refused with [`KeyError::Whitespace`], so the mistake is seen where it is
    /// made.
    pub fn from_env_value(value: Option<std::ffi::OsString>) -> Result<Self, KeyError> {
        let value = value.ok_or(KeyError::Missing { var: KEY_ENV_VAR })?;
        let value = value
            .into_string()
            .map_err(|_| KeyError::NotUnicode { var: KEY_ENV_VAR })?;
        Self::parse(&value)
    }

    /// The public id (`bak_` and 16 characters), when the key has the documented format.
    pub fn public_id(&self) -> Option<&str> {
        if self.documented_format {
            self.key.get(PREFIX.len()..PREFIX.len() + PUBLIC_ID_LEN)
        } else {
            None
        }
    }

    /// The secret part (the 48 characters after the public id), when the key
    /// has the documented format.
    pub(crate) fn secret_part(&self) -> Option<&str> {
        if self.documented_format {
            self.key.get(PREFIX.len() + PUBLIC_ID_LEN + 1..)
        } else {
            None
        }
    }

    /// The whole key, secret included. Named so that every use is visible in review.
    pub fn expose_secret(&self) -> &str {
        &self.key
    }

    /// The `Authorization` header value, marked sensitive so `http`'s own
    /// `Debug` prints `Sensitive` in its place.
    pub(crate) fn authorization_header(&self) -> http::HeaderValue {
        let mut bearer = Zeroizing::new(String::with_capacity(7 + self.key.len()));
        bearer.push_str("Bearer ");
        bearer.push_str(&self.key);
        // check_printable guarantees visible ASCII, which is always a valid header value.
        let mut value = http::HeaderValue::from_str(&bearer)
            .unwrap_or_else(|_| http::HeaderValue::from_static("Bearer"));
        value.set_sensitive(true);
        value
    }
}

impl fmt::Debug for ManagementKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.public_id() {
            Some(id) => f.debug_tuple("ManagementKey").field(&id).finish(),
            None => f.write_str("ManagementKey([redacted])"),
        }
    }
}

impl fmt::Display for ManagementKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.public_id().unwrap_or("[redacted]"))
    }
}

fn is_alnum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn check_printable(key: &str) -> Result<(), KeyError> {
    if key.is_empty() {
        return Err(KeyError::Empty);
    }
    for (position, c) in key.chars().enumerate() {
        if c.is_whitespace() {
            return Err(KeyError::Whitespace { position });
        }
        if c.is_control() {
            return Err(KeyError::Control { position });
        }
        if !c.is_ascii_graphic() {
            return Err(KeyError::NotAscii { position });
        }
    }
    Ok(())
}

/// Why a management key was refused. No variant holds any part of the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The environment variable is not set.
    #[error("{var} is not set: put your Blazeauth management key in it")]
    Missing {
        /// The variable's name.
        var: &'static str,
    },
    /// The environment variable is not valid Unicode.
    #[error("{var} is not valid Unicode: it must hold the management key as plain text")]
    NotUnicode {
        /// The variable's name.
        var: &'static str,
    },
    /// The key is empty.
    #[error("the management key is empty")]
    Empty,
    /// The key holds whitespace (a pasted newline or space?).
    #[error(
        "the management key has whitespace at character {position} (a pasted newline or space?); remove it"
    )]
    Whitespace {
        /// 0-based character position.
        position: usize,
    },
    /// The key holds a control character.
    #[error("the management key has a control character at character {position}; remove it")]
    Control {
        /// 0-based character position.
        position: usize,
    },
    /// The key holds a character outside printable ASCII.
    #[error(
        "the management key has a non-ASCII character at character {position}; keys are ASCII letters, digits and underscores"
    )]
    NotAscii {
        /// 0-based character position.
        position: usize,
    },
    /// The key does not have the documented format.
    #[error("the management key is malformed: {0}")]
    Format(FormatProblem),
}

/// Which part of the documented key format `blz_mgmt_bak_<16>_<48>` is off.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatProblem {
    /// It does not start with `blz_mgmt_bak_`.
    Prefix,
    /// The public id is not `bak_` followed by 16 letters or digits and `_`.
    PublicId,
    /// The secret is not 48 letters or digits.
    Secret {
        /// Characters found where the secret should be.
        length: usize,
    },
}

impl fmt::Display for FormatProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatProblem::Prefix => f.write_str(
                "it must start with `blz_mgmt_bak_` (is this an application runtime key? use a management key)",
            ),
            FormatProblem::PublicId => f.write_str(
                "after `blz_mgmt_` must come the public id, `bak_` and 16 letters or digits, then `_`",
            ),
            FormatProblem::Secret { length } => write!(
                f,
                "the secret after the public id must be 48 letters or digits, found {length} characters"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_by_content() {
        let a = ManagementKey::parse(KEY).unwrap();
        assert_eq!(a, a.clone());
        let other = KEY.replace("ABCDEFGHIJKL", "ABCDEFGHIJKM");
        assert_ne!(a, ManagementKey::parse(&other).unwrap());
        assert_ne!(
            a,
            ManagementKey::parse_unchecked_format("short_key").unwrap()
        );
        assert_eq!(a.secret_part(), KEY.get(30..));
        assert_eq!(
            ManagementKey::parse_unchecked_format("short_key")
                .unwrap()
                .secret_part(),
            None
        );
    }

    const KEY: &str =
        "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";
    const SECRET: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";

    #[test]
    fn documented_example_parses() {
        assert_eq!(KEY.len(), KEY_LEN);
        let key = ManagementKey::parse(KEY).unwrap();
        assert_eq!(key.public_id(), Some("bak_0123456789abcdef"));
        assert_eq!(key.expose_secret(), KEY);
    }

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let key = ManagementKey::parse(KEY).unwrap();
        for shown in [format!("{key:?}"), format!("{key}"), format!("{key:#?}")] {
            assert!(!shown.contains(SECRET), "{shown}");
            assert!(shown.contains("bak_0123456789abcdef"));
        }
        let custom = ManagementKey::parse_unchecked_format("test-key-123").unwrap();
        assert_eq!(format!("{custom:?}"), "ManagementKey([redacted])");
        assert_eq!(custom.to_string(), "[redacted]");
        let header = key.authorization_header();
        assert!(header.is_sensitive());
        assert_eq!(format!("{header:?}"), "Sensitive");
    }

    #[test]
    fn whitespace_and_control_characters_are_refused() {
        assert_eq!(
            ManagementKey::parse(&format!("{KEY}\n")),
            Err(KeyError::Whitespace { position: 78 })
        );
        assert_eq!(
            ManagementKey::parse(&format!(" {KEY}")),
            Err(KeyError::Whitespace { position: 0 })
        );
        assert_eq!(
            ManagementKey::parse_unchecked_format("abc\u{7f}"),
            Err(KeyError::Control { position: 3 })
        );
        assert_eq!(
            ManagementKey::parse_unchecked_format("abc\tdef"),
            Err(KeyError::Whitespace { position: 3 })
        );
        assert_eq!(
            ManagementKey::parse_unchecked_format("clé"),
            Err(KeyError::NotAscii { position: 2 })
        );
        assert_eq!(ManagementKey::parse(""), Err(KeyError::Empty));
    }

    #[test]
    fn format_errors_say_which_part_and_never_echo_the_key() {
        let wrong_prefix = KEY.replace("blz_mgmt_", "blz_app_");
        assert_eq!(
            ManagementKey::parse(&wrong_prefix),
            Err(KeyError::Format(FormatProblem::Prefix))
        );
        let short_public = KEY.replace("bak_0123456789abcdef", "bak_0123456789abcde");
        assert_eq!(
            ManagementKey::parse(&short_public),
            Err(KeyError::Format(FormatProblem::PublicId))
        );
        let short_secret = &KEY[..KEY.len() - 1];
        let err = ManagementKey::parse(short_secret).unwrap_err();
        assert_eq!(err, KeyError::Format(FormatProblem::Secret { length: 47 }));
        let bad_char = KEY.replace("KL", "K-");
        let err = ManagementKey::parse(&bad_char).unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains("0123456789abcdefghij"), "{shown}");
        }
    }

    #[test]
    fn env_value_missing_or_not_unicode_names_the_variable() {
        let err = ManagementKey::from_env_value(None).unwrap_err();
        assert!(err.to_string().contains(KEY_ENV_VAR));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let err = ManagementKey::from_env_value(Some(std::ffi::OsString::from_vec(vec![0xff])))
                .unwrap_err();
            assert_eq!(err, KeyError::NotUnicode { var: KEY_ENV_VAR });
        }
        assert!(ManagementKey::from_env_value(Some(KEY.into())).is_ok());
    }

    #[test]
    fn unchecked_format_keeps_the_public_id_when_the_format_is_documented() {
        let key = ManagementKey::parse_unchecked_format(KEY).unwrap();
        assert_eq!(key.public_id(), Some("bak_0123456789abcdef"));
    }
}
