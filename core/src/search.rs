//! Search parameters of the Management API's tables.
//!
//! Two families of tables take a search, each in its own shape:
//!
//! - The panel tables (`get-licenses-table`, `get-users-table`,
//!   `get-users-metadata`) take one query parameter, `searchParams`, whose
//!   value is a compact JSON object
//!   `{"searchString":"...","categories":[...]}`, percent-encoded.
//!   [`TableSearch`] builds it; [`LicenseSearch`] and [`UserSearch`] name
//!   its two flavours.
//! - The live-sessions table (`get-application-sessions`) takes flat
//!   parameters: `searchString=...`, then `categories=...` once per
//!   category. [`SessionSearch`] builds them.
//!
//! Each table has its own category type ([`LicenseSearchCategory`],
//! [`UserSearchCategory`], [`SessionSearchCategory`]); they share the
//! [`SearchCategory`] trait, which maps them to and from their wire
//! strings.
//!
//! ```
//! use blazeauth_core::{SessionSearch, SessionSearchCategory, TableSearch, UserSearchCategory};
//!
//! // A panel table: one `searchParams` parameter holding JSON.
//! let mut query = String::new();
//! TableSearch::new("john")
//!     .category(UserSearchCategory::Login)
//!     .append_to_query(&mut query);
//! assert_eq!(
//!     query,
//!     "searchParams=%7B%22searchString%22%3A%22john%22%2C%22categories%22%3A%5B%22Login%22%5D%7D"
//! );
//!
//! // The live-sessions table: flat parameters.
//! let mut query = String::new();
//! SessionSearch::new("abc")
//!     .category(SessionSearchCategory::License)
//!     .category(SessionSearchCategory::Ip)
//!     .append_to_query(&mut query);
//! assert_eq!(query, "searchString=abc&categories=license&categories=ip");
//! ```

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::query::{QueryError, append_pair, parse_query};

/// Name of the query parameter of a panel-table search.
const SEARCH_PARAMS: &str = "searchParams";
/// Name of the flat search-string parameter of the live-sessions table.
const SEARCH_STRING: &str = "searchString";
/// Name of the flat, repeated category parameter of the live-sessions table.
const CATEGORIES: &str = "categories";

/// A category of a search: the column(s) a search string is matched against.
///
/// Implemented by [`LicenseSearchCategory`], [`UserSearchCategory`] and
/// [`SessionSearchCategory`]. Each maps its values to the exact strings
/// the API uses ([`as_wire`](Self::as_wire)) and back
/// ([`from_wire`](Self::from_wire)).
///
/// ```
/// use blazeauth_core::{LicenseSearchCategory, SearchCategory};
///
/// assert_eq!(LicenseSearchCategory::ClientId.as_wire(), "Client id");
/// assert_eq!(LicenseSearchCategory::from_wire("IPv4"), LicenseSearchCategory::Ipv4);
/// ```
pub trait SearchCategory: Clone + PartialEq {
    /// The exact string the API uses for this category.
    fn as_wire(&self) -> &str;

    /// The category for a wire string. Exact, case-sensitive match; a
    /// string that names no known category becomes the type's `Other`
    /// variant, keeping its text. Never fails.
    fn from_wire(value: &str) -> Self;
}

/// Implements [`SearchCategory`], `Display`, `Serialize` and `Deserialize`
/// for a category enum whose named variants map to the given wire strings
/// and whose `Other(String)` variant keeps any other string.
macro_rules! wire_category {
    ($ty:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        impl $ty {
            /// The named variants (every variant but `Other`), in the order
            /// the API documentation lists them.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),+];

            /// [`SearchCategory::from_wire`] for an owned string, reusing
            /// its allocation for `Other`.
            fn from_wire_owned(value: String) -> Self {
                match value.as_str() {
                    $($wire => Self::$variant,)+
                    _ => Self::Other(value),
                }
            }
        }

        impl SearchCategory for $ty {
            fn as_wire(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(value) => value,
                }
            }

            fn from_wire(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)+
                    _ => Self::Other(value.to_owned()),
                }
            }
        }

        /// Shows the wire string.
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_wire())
            }
        }

        /// Serializes as the wire string.
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_wire())
            }
        }

        /// Deserializes from the wire string; an unknown string becomes
        /// `Other`.
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct WireVisitor;

                impl Visitor<'_> for WireVisitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a search category string")
                    }

                    fn visit_str<E: de::Error>(self, value: &str) -> Result<$ty, E> {
                        Ok(<$ty as SearchCategory>::from_wire(value))
                    }

                    fn visit_string<E: de::Error>(self, value: String) -> Result<$ty, E> {
                        Ok(<$ty>::from_wire_owned(value))
                    }
                }

                deserializer.deserialize_str(WireVisitor)
            }
        }
    };
}

/// A search category of the licenses table (`get-licenses-table`).
///
/// The API documentation lists only the values it has shown, so any other
/// string the API sends or accepts is kept in [`Other`](Self::Other)
/// rather than rejected. `Other(s)` keeps the exact text and sends it back
/// unchanged. A later release may give such a string a named variant, so
/// do not write code that relies on a particular string arriving as
/// `Other` (such as `Other(s) if s == "Email"`); compare
/// [`as_wire`](SearchCategory::as_wire) instead, which gives the same
/// string either way. An `Other` holding a known wire string (such as
/// `Other("IPv4".into())`) sends the same text as the named variant but is
/// not equal to it, and reads back as the named variant: use the named
/// variants or [`from_wire`](SearchCategory::from_wire).
///
/// ```
/// use blazeauth_core::{LicenseSearchCategory, SearchCategory};
///
/// let category = LicenseSearchCategory::from_wire("Note");
/// let label = match &category {
///     LicenseSearchCategory::License => "license key".to_owned(),
///     LicenseSearchCategory::Other(text) => format!("other: {text}"),
///     _ => category.to_string(),
/// };
/// assert_eq!(label, "other: Note");
/// assert_eq!(category.as_wire(), "Note");
/// assert_eq!(LicenseSearchCategory::Ipv4.to_string(), "IPv4");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LicenseSearchCategory {
    /// The license key. Wire: `License`.
    License,
    /// The IPv4 address. Wire: `IPv4`.
    Ipv4,
    /// The client id. Wire: `Client id`.
    ClientId,
    /// Any other category string, kept as it is (see the type's docs).
    Other(String),
}

wire_category!(LicenseSearchCategory {
    License => "License",
    Ipv4 => "IPv4",
    ClientId => "Client id",
});

/// A search category of the users tables (`get-users-table`,
/// `get-users-metadata`).
///
/// The API documentation lists only the values it has shown, so any other
/// string is kept in [`Other`](Self::Other) rather than rejected, with the
/// same caveats as [`LicenseSearchCategory`]: `Other(s)` keeps the text,
/// but do not rely on a particular string arriving as `Other`, since a
/// later release may name it; compare
/// [`as_wire`](SearchCategory::as_wire) instead.
///
/// ```
/// use blazeauth_core::{SearchCategory, UserSearchCategory};
///
/// assert_eq!(UserSearchCategory::from_wire("Login"), UserSearchCategory::Login);
/// assert_eq!(
///     UserSearchCategory::from_wire("login"),
///     UserSearchCategory::Other("login".to_owned())
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserSearchCategory {
    /// The user's login. Wire: `Login`.
    Login,
    /// The IPv4 address. Wire: `IPv4`.
    Ipv4,
    /// The client id. Wire: `Client id`.
    ClientId,
    /// Any other category string, kept as it is (see the type's docs).
    Other(String),
}

wire_category!(UserSearchCategory {
    Login => "Login",
    Ipv4 => "IPv4",
    ClientId => "Client id",
});

/// A search category of the live-sessions table
/// (`get-application-sessions`).
///
/// When a search names no category, the API searches by license; that is
/// also this type's [`Default`].
///
/// The API documentation lists only the values it has shown, so any other
/// string is kept in [`Other`](Self::Other) rather than rejected, with the
/// same caveats as [`LicenseSearchCategory`]: `Other(s)` keeps the text,
/// but do not rely on a particular string arriving as `Other`, since a
/// later release may name it; compare
/// [`as_wire`](SearchCategory::as_wire) instead.
///
/// ```
/// use blazeauth_core::{SearchCategory, SessionSearchCategory};
///
/// assert_eq!(SessionSearchCategory::default(), SessionSearchCategory::License);
/// assert_eq!(SessionSearchCategory::ClientId.as_wire(), "clientId");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SessionSearchCategory {
    /// The license key; the API's default. Wire: `license`.
    #[default]
    License,
    /// The IP address. Wire: `ip`.
    Ip,
    /// The client id. Wire: `clientId`.
    ClientId,
    /// Any other category string, kept as it is (see the type's docs).
    Other(String),
}

wire_category!(SessionSearchCategory {
    License => "license",
    Ip => "ip",
    ClientId => "clientId",
});

/// Search of a panel table: the `searchParams` query parameter.
///
/// Used by `get-licenses-table` ([`LicenseSearch`]) and by
/// `get-users-table` and `get-users-metadata` ([`UserSearch`]). Its wire
/// form is a compact JSON object, keys in this order:
/// `{"searchString":"...","categories":[...]}`, percent-encoded as the
/// value of `searchParams`.
///
/// The search string is sent as it is: the API documents no length limit
/// and none is applied here.
///
/// ```
/// use blazeauth_core::{LicenseSearchCategory, TableSearch};
///
/// let search = TableSearch::new("ABCDEF")
///     .category(LicenseSearchCategory::License)
///     .category(LicenseSearchCategory::Ipv4);
/// assert_eq!(
///     search.to_json(),
///     r#"{"searchString":"ABCDEF","categories":["License","IPv4"]}"#
/// );
///
/// let mut query = String::from("page=1");
/// search.append_to_query(&mut query);
/// assert!(query.starts_with("page=1&searchParams=%7B%22searchString%22"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSearch<C: SearchCategory> {
    /// The text searched for.
    pub search_string: String,
    /// The categories searched in, in order. [`category`](Self::category)
    /// keeps them free of duplicates; a list set directly is sent as it is.
    pub categories: Vec<C>,
}

/// Search of the licenses table (`get-licenses-table`).
pub type LicenseSearch = TableSearch<LicenseSearchCategory>;

/// Search of the users tables (`get-users-table`, `get-users-metadata`).
pub type UserSearch = TableSearch<UserSearchCategory>;

impl<C: SearchCategory> Default for TableSearch<C> {
    /// An empty search string and no categories.
    fn default() -> Self {
        Self {
            search_string: String::new(),
            categories: Vec::new(),
        }
    }
}

impl<C: SearchCategory> TableSearch<C> {
    /// A search for `search_string`, with no categories.
    pub fn new(search_string: impl Into<String>) -> Self {
        Self {
            search_string: search_string.into(),
            categories: Vec::new(),
        }
    }

    /// Adds a category at the end of the list; a category already in the
    /// list is not added again.
    ///
    /// ```
    /// use blazeauth_core::{TableSearch, UserSearchCategory};
    ///
    /// let search = TableSearch::new("john")
    ///     .category(UserSearchCategory::Login)
    ///     .category(UserSearchCategory::Login);
    /// assert_eq!(search.categories, [UserSearchCategory::Login]);
    /// ```
    #[must_use]
    pub fn category(mut self, category: C) -> Self {
        if !self.categories.contains(&category) {
            self.categories.push(category);
        }
        self
    }

    /// The compact JSON of the search, before percent-encoding:
    /// `{"searchString":"...","categories":[...]}`, with `serde_json`'s
    /// string escaping and no spaces.
    ///
    /// ```
    /// use blazeauth_core::{TableSearch, UserSearchCategory};
    ///
    /// let search = TableSearch::new("say \"hi\"").category(UserSearchCategory::Login);
    /// assert_eq!(
    ///     search.to_json(),
    ///     r#"{"searchString":"say \"hi\"","categories":["Login"]}"#
    /// );
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        let wire = WireOut {
            search_string: &self.search_string,
            categories: WireCategories(&self.categories),
        };
        let estimate = 40
            + self.search_string.len()
            + self
                .categories
                .iter()
                .map(|category| category.as_wire().len() + 3)
                .sum::<usize>();
        let mut buffer = Vec::with_capacity(estimate);
        // serde_json fails only when the writer fails (a `Vec` never does)
        // or when a `Serialize` impl reports an error (strings and
        // sequences of strings never do), so the `Err` arm is unreachable.
        // Should it ever be reached, the text written so far is returned:
        // truncated JSON that the server rejects, rather than a panic or
        // a silently different search.
        let _unreachable_error = serde_json::to_writer(&mut buffer, &wire).err();
        // serde_json writes only valid UTF-8; the lossy conversion is a
        // no-panic fallback that never changes its output.
        String::from_utf8(buffer)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }

    /// Appends the `searchParams=...` parameter to `query` (with
    /// [`append_pair`], so preceded by `&` when `query` is not empty).
    pub fn append_to_query(&self, query: &mut String) {
        append_pair(query, SEARCH_PARAMS, &self.to_json());
    }

    /// Reads a search from its JSON, after percent-decoding (the inverse of
    /// [`to_json`](Self::to_json)).
    ///
    /// Lenient: a missing or `null` `searchString` reads as `""`, missing
    /// or `null` `categories` as no categories, unknown keys are ignored,
    /// and unknown category strings become the `Other` variant. The
    /// categories are kept in order, duplicates included.
    ///
    /// # Errors
    ///
    /// [`SearchError::Json`] when `json` is not such an object.
    ///
    /// ```
    /// use blazeauth_core::{TableSearch, UserSearchCategory};
    ///
    /// let search = TableSearch::<UserSearchCategory>::from_json(r#"{"categories":["IPv4"]}"#)?;
    /// assert_eq!(search.search_string, "");
    /// assert_eq!(search.categories, [UserSearchCategory::Ipv4]);
    /// # Ok::<(), blazeauth_core::SearchError>(())
    /// ```
    // Hidden: the server side's reading of the wire form, not part of the
    // SDK's API (the emulator has its own). Public only for the fuzz targets
    // and the round-trip tests that check the SDK's encoding reads back.
    #[doc(hidden)]
    pub fn from_json(json: &str) -> Result<Self, SearchError> {
        let wire: WireIn = serde_json::from_str(json).map_err(|error| SearchError::Json {
            message: error.to_string(),
        })?;
        Ok(Self {
            search_string: wire.search_string.unwrap_or_default(),
            categories: wire
                .categories
                .unwrap_or_default()
                .into_iter()
                .map(|category| C::from_wire(&category))
                .collect(),
        })
    }

    /// Reads the search out of a whole query string (as
    /// [`parse_query`] takes it): the first `searchParams` parameter,
    /// percent-decoded and read with [`from_json`](Self::from_json).
    /// `Ok(None)` when there is no `searchParams` parameter.
    ///
    /// # Errors
    ///
    /// [`SearchError::Query`] when the query string cannot be decoded,
    /// [`SearchError::Json`] when the parameter is not valid search JSON.
    ///
    /// ```
    /// use blazeauth_core::{TableSearch, UserSearchCategory};
    ///
    /// let search = TableSearch::new("john").category(UserSearchCategory::Login);
    /// let mut query = String::from("page=2");
    /// search.append_to_query(&mut query);
    /// assert_eq!(TableSearch::from_query(&query)?, Some(search));
    /// assert_eq!(TableSearch::<UserSearchCategory>::from_query("page=2")?, None);
    /// # Ok::<(), blazeauth_core::SearchError>(())
    /// ```
    // Hidden: the server side's reading of the wire form, not part of the
    // SDK's API (the emulator has its own). Public only for the fuzz targets
    // and the round-trip tests that check the SDK's encoding reads back.
    #[doc(hidden)]
    pub fn from_query(query: &str) -> Result<Option<Self>, SearchError> {
        parse_query(query)?
            .iter()
            .find(|(name, _)| name == SEARCH_PARAMS)
            .map(|(_, value)| Self::from_json(value))
            .transpose()
    }
}

/// The JSON written by [`TableSearch::to_json`]; field order is wire order.
#[derive(Serialize)]
#[serde(bound = "")]
struct WireOut<'a, C: SearchCategory> {
    #[serde(rename = "searchString")]
    search_string: &'a str,
    categories: WireCategories<'a, C>,
}

/// Categories serialized as their wire strings, without a temporary list.
struct WireCategories<'a, C>(&'a [C]);

impl<C: SearchCategory> Serialize for WireCategories<'_, C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(SearchCategory::as_wire))
    }
}

/// The JSON read by [`TableSearch::from_json`]; every field optional.
#[derive(Deserialize)]
struct WireIn {
    #[serde(rename = "searchString", default)]
    search_string: Option<String>,
    #[serde(default)]
    categories: Option<Vec<String>>,
}

/// Search of the live-sessions table (`get-application-sessions`): flat
/// query parameters `searchString=...` and `categories=...`, the latter
/// once per category.
///
/// `searchString` is always sent, empty or not. With no categories the
/// API searches by license ([`SessionSearchCategory::License`]). The
/// search string is sent as it is: the API documents no length limit and
/// none is applied here.
///
/// ```
/// use blazeauth_core::{SessionSearch, SessionSearchCategory};
///
/// let search = SessionSearch::new("10.0.0.1").category(SessionSearchCategory::Ip);
/// let mut query = String::new();
/// search.append_to_query(&mut query);
/// assert_eq!(query, "searchString=10.0.0.1&categories=ip");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionSearch {
    /// The text searched for.
    pub search_string: String,
    /// The categories searched in, in order.
    /// [`category`](Self::category) keeps them free of duplicates; a list
    /// set directly is sent as it is.
    pub categories: Vec<SessionSearchCategory>,
}

impl SessionSearch {
    /// A search for `search_string`, with no categories.
    pub fn new(search_string: impl Into<String>) -> Self {
        Self {
            search_string: search_string.into(),
            categories: Vec::new(),
        }
    }

    /// Adds a category at the end of the list; a category already in the
    /// list is not added again.
    #[must_use]
    pub fn category(mut self, category: SessionSearchCategory) -> Self {
        if !self.categories.contains(&category) {
            self.categories.push(category);
        }
        self
    }

    /// Appends `searchString=...`, then `categories=...` for each category
    /// in order, to `query` (with [`append_pair`], so preceded by `&` when
    /// `query` is not empty).
    pub fn append_to_query(&self, query: &mut String) {
        append_pair(query, SEARCH_STRING, &self.search_string);
        for category in &self.categories {
            append_pair(query, CATEGORIES, category.as_wire());
        }
    }

    /// Reads a search from decoded `(name, value)` pairs: the first
    /// `searchString` (or `""` when there is none) and every `categories`,
    /// in order, duplicates included. Other names are ignored.
    ///
    /// ```
    /// use blazeauth_core::{SessionSearch, SessionSearchCategory};
    ///
    /// let search = SessionSearch::from_pairs([
    ///     ("page", "1"),
    ///     ("searchString", "abc"),
    ///     ("categories", "license"),
    ///     ("categories", "ip"),
    /// ]);
    /// assert_eq!(
    ///     search,
    ///     SessionSearch::new("abc")
    ///         .category(SessionSearchCategory::License)
    ///         .category(SessionSearchCategory::Ip)
    /// );
    /// ```
    // Hidden: the server side's reading of the wire form, not part of the
    // SDK's API (the emulator has its own). Public only for the fuzz targets
    // and the round-trip tests that check the SDK's encoding reads back.
    #[doc(hidden)]
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut search_string = None;
        let mut categories = Vec::new();
        for (name, value) in pairs {
            if name == SEARCH_STRING {
                search_string.get_or_insert(value);
            } else if name == CATEGORIES {
                categories.push(SessionSearchCategory::from_wire(value));
            }
        }
        Self {
            search_string: search_string.unwrap_or_default().to_owned(),
            categories,
        }
    }

    /// Reads a search out of a whole query string: [`parse_query`], then
    /// [`from_pairs`](Self::from_pairs).
    ///
    /// # Errors
    ///
    /// [`SearchError::Query`] when the query string cannot be decoded.
    ///
    /// ```
    /// use blazeauth_core::{SessionSearch, SessionSearchCategory};
    ///
    /// let search = SessionSearch::from_query("?searchString=a%20b&categories=clientId")?;
    /// assert_eq!(search.search_string, "a b");
    /// assert_eq!(search.categories, [SessionSearchCategory::ClientId]);
    /// # Ok::<(), blazeauth_core::SearchError>(())
    /// ```
    // Hidden: the server side's reading of the wire form, not part of the
    // SDK's API (the emulator has its own). Public only for the fuzz targets
    // and the round-trip tests that check the SDK's encoding reads back.
    #[doc(hidden)]
    pub fn from_query(query: &str) -> Result<Self, SearchError> {
        let pairs = parse_query(query)?;
        Ok(Self::from_pairs(
            pairs
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        ))
    }
}

/// A search that cannot be read back from its wire form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// The value is not valid `searchParams` JSON.
    #[error("invalid searchParams JSON: {message}")]
    Json {
        /// What `serde_json` found wrong, with line and column.
        message: String,
    },
    /// The query string holding the search cannot be decoded.
    #[error("invalid query string: {0}")]
    Query(#[from] QueryError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DOCS_EXAMPLE: &str =
        "searchParams=%7B%22searchString%22%3A%22john%22%2C%22categories%22%3A%5B%22Login%22%5D%7D";

    // One source of generators: the public strategies.
    use crate::strategy::{license_search, session_search, tricky_string, user_search};

    /// Appends `search` after another parameter, then reads it back through
    /// `parse_query` and `from_json`.
    fn table_round_trip<C: SearchCategory + fmt::Debug>(
        search: &TableSearch<C>,
    ) -> Result<TableSearch<C>, TestCaseError> {
        let mut query = String::from("page=1");
        search.append_to_query(&mut query);
        let pairs = parse_query(&query).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(pairs.len(), 2);
        prop_assert_eq!(&pairs[1].0, SEARCH_PARAMS);
        prop_assert_eq!(&pairs[1].1, &search.to_json());
        TableSearch::from_json(&pairs[1].1).map_err(|e| TestCaseError::fail(e.to_string()))
    }

    #[test]
    fn docs_example_byte_for_byte() {
        let search = UserSearch::new("john").category(UserSearchCategory::Login);
        let mut query = String::new();
        search.append_to_query(&mut query);
        assert_eq!(query, DOCS_EXAMPLE);
        assert_eq!(UserSearch::from_query(DOCS_EXAMPLE), Ok(Some(search)));
    }

    #[test]
    fn license_search_all_categories() {
        let search = LicenseSearch::new("ABCDEF")
            .category(LicenseSearchCategory::License)
            .category(LicenseSearchCategory::Ipv4)
            .category(LicenseSearchCategory::ClientId);
        assert_eq!(
            search.to_json(),
            r#"{"searchString":"ABCDEF","categories":["License","IPv4","Client id"]}"#
        );
    }

    #[test]
    fn empty_search_json() {
        assert_eq!(
            LicenseSearch::default().to_json(),
            r#"{"searchString":"","categories":[]}"#
        );
        assert_eq!(LicenseSearch::new(""), LicenseSearch::default());
    }

    #[test]
    fn json_escaping_is_serde_json() {
        let text = "q\"\\/\u{0}\u{1f}\u{7f}\n\té😀\u{2028}";
        let search = UserSearch::new(text).category(UserSearchCategory::Other(text.to_owned()));
        let expected = format!(
            r#"{{"searchString":{0},"categories":[{0}]}}"#,
            serde_json::to_string(text).unwrap()
        );
        assert_eq!(search.to_json(), expected);
    }

    #[test]
    fn category_builder_dedupes() {
        let search = LicenseSearch::new("x")
            .category(LicenseSearchCategory::Ipv4)
            .category(LicenseSearchCategory::License)
            .category(LicenseSearchCategory::Ipv4)
            .category(LicenseSearchCategory::Other("Note".into()))
            .category(LicenseSearchCategory::Other("Note".into()));
        assert_eq!(
            search.categories,
            [
                LicenseSearchCategory::Ipv4,
                LicenseSearchCategory::License,
                LicenseSearchCategory::Other("Note".into()),
            ]
        );
        let session = SessionSearch::new("x")
            .category(SessionSearchCategory::Ip)
            .category(SessionSearchCategory::Ip);
        assert_eq!(session.categories, [SessionSearchCategory::Ip]);
    }

    #[test]
    fn from_json_is_lenient() {
        let empty = UserSearch::default();
        assert_eq!(UserSearch::from_json("{}"), Ok(empty.clone()));
        assert_eq!(
            UserSearch::from_json(r#"{"searchString":null,"categories":null}"#),
            Ok(empty)
        );
        assert_eq!(
            UserSearch::from_json(r#" { "searchString" : "a" , "extra" : [1, {}] } "#),
            Ok(UserSearch::new("a"))
        );
        assert_eq!(
            UserSearch::from_json(r#"{"categories":["Login","Email","Login"]}"#),
            Ok(UserSearch {
                search_string: String::new(),
                categories: vec![
                    UserSearchCategory::Login,
                    UserSearchCategory::Other("Email".into()),
                    UserSearchCategory::Login,
                ],
            })
        );
    }

    #[test]
    fn from_json_errors() {
        for bad in [
            "",
            "not json",
            r#"{"searchString":1}"#,
            r#"{"categories":"Login"}"#,
            r#"{"categories":[1]}"#,
            r#"{"searchString":"a""#,
            r#"{"searchString":"a","searchString":"b"}"#,
        ] {
            let error = UserSearch::from_json(bad).unwrap_err();
            assert!(
                matches!(&error, SearchError::Json { message } if !message.is_empty()),
                "{bad}: {error:?}"
            );
            assert!(error.to_string().starts_with("invalid searchParams JSON: "));
        }
    }

    #[test]
    fn from_query_errors_and_absence() {
        assert_eq!(
            UserSearch::from_query("searchParams=%zz"),
            Err(SearchError::Query(QueryError::BadEscape { position: 13 }))
        );
        assert!(matches!(
            UserSearch::from_query("searchParams=nope"),
            Err(SearchError::Json { .. })
        ));
        assert_eq!(UserSearch::from_query(""), Ok(None));
        assert_eq!(
            SessionSearch::from_query("searchString=%"),
            Err(SearchError::Query(QueryError::BadEscape { position: 13 }))
        );
        assert_eq!(
            SearchError::Query(QueryError::NotUtf8).to_string(),
            "invalid query string: percent-decoded query component is not valid UTF-8"
        );
    }

    #[test]
    fn session_search_example() {
        let search = SessionSearch::new("abc")
            .category(SessionSearchCategory::License)
            .category(SessionSearchCategory::Ip);
        let mut query = String::new();
        search.append_to_query(&mut query);
        assert_eq!(query, "searchString=abc&categories=license&categories=ip");

        let mut query = String::from("limit=10");
        SessionSearch::default().append_to_query(&mut query);
        assert_eq!(query, "limit=10&searchString=");

        let mut query = String::new();
        SessionSearch::new("a b")
            .category(SessionSearchCategory::Other("x&y".into()))
            .append_to_query(&mut query);
        assert_eq!(query, "searchString=a%20b&categories=x%26y");
    }

    #[test]
    fn session_from_pairs() {
        assert_eq!(SessionSearch::from_pairs([]), SessionSearch::default());
        assert_eq!(
            SessionSearch::from_pairs([
                ("categories", "clientId"),
                ("searchString", "first"),
                ("other", "x"),
                ("searchString", "second"),
                ("categories", "nickname"),
                ("categories", "clientId"),
            ]),
            SessionSearch {
                search_string: "first".into(),
                categories: vec![
                    SessionSearchCategory::ClientId,
                    SessionSearchCategory::Other("nickname".into()),
                    SessionSearchCategory::ClientId,
                ],
            }
        );
    }

    #[test]
    fn wire_names() {
        fn check<C: SearchCategory + fmt::Debug + fmt::Display>(known: &[C], wires: &[&str]) {
            assert_eq!(known.len(), wires.len());
            for (category, wire) in known.iter().zip(wires) {
                assert_eq!(category.as_wire(), *wire);
                assert_eq!(category.to_string(), *wire);
                assert_eq!(&C::from_wire(category.as_wire()), category);
            }
        }
        check(
            LicenseSearchCategory::KNOWN,
            &["License", "IPv4", "Client id"],
        );
        check(UserSearchCategory::KNOWN, &["Login", "IPv4", "Client id"]);
        check(SessionSearchCategory::KNOWN, &["license", "ip", "clientId"]);
    }

    #[test]
    fn unknown_categories_keep_their_text() {
        for text in [
            "",
            "Email",
            "license",
            "IPV4",
            "client id",
            " Login",
            "é😀\"",
        ] {
            let license = LicenseSearchCategory::from_wire(text);
            let user = UserSearchCategory::from_wire(text);
            let session = SessionSearchCategory::from_wire(text);
            if !["License", "IPv4", "Client id"].contains(&text) {
                assert_eq!(license, LicenseSearchCategory::Other(text.to_owned()));
            }
            if !["Login", "IPv4", "Client id"].contains(&text) {
                assert_eq!(user, UserSearchCategory::Other(text.to_owned()));
            }
            if !["license", "ip", "clientId"].contains(&text) {
                assert_eq!(session, SessionSearchCategory::Other(text.to_owned()));
            }
            assert_eq!(license.as_wire(), text);
            assert_eq!(user.as_wire(), text);
            assert_eq!(session.as_wire(), text);
        }
        assert_eq!(
            SessionSearchCategory::from_wire("license"),
            SessionSearchCategory::License
        );
        assert_eq!(
            LicenseSearchCategory::from_wire("license"),
            LicenseSearchCategory::Other("license".into())
        );
    }

    #[test]
    fn serde_uses_wire_strings() {
        assert_eq!(
            serde_json::to_string(&LicenseSearchCategory::ClientId).unwrap(),
            r#""Client id""#
        );
        assert_eq!(
            serde_json::to_string(&SessionSearchCategory::Other("a\"b".into())).unwrap(),
            r#""a\"b""#
        );
        // Borrowed and owned (escaped) strings both go through the visitor.
        let parsed: Vec<UserSearchCategory> =
            serde_json::from_str(r#"["Login","IPv4","Client id","Em\u0061il","x\"y"]"#).unwrap();
        assert_eq!(
            parsed,
            [
                UserSearchCategory::Login,
                UserSearchCategory::Ipv4,
                UserSearchCategory::ClientId,
                UserSearchCategory::Other("Email".into()),
                UserSearchCategory::Other("x\"y".into()),
            ]
        );
        let escaped_known: SessionSearchCategory = serde_json::from_str(r#""\u0069p""#).unwrap();
        assert_eq!(escaped_known, SessionSearchCategory::Ip);
        let error = serde_json::from_str::<SessionSearchCategory>("3").unwrap_err();
        assert!(error.to_string().contains("a search category string"));
    }

    proptest! {
        #[test]
        fn license_search_round_trips(search in license_search()) {
            prop_assert_eq!(table_round_trip(&search)?, search);
        }

        #[test]
        fn user_search_round_trips(search in user_search()) {
            prop_assert_eq!(table_round_trip(&search)?, search.clone());
            let mut query = String::new();
            search.append_to_query(&mut query);
            prop_assert_eq!(UserSearch::from_query(&query), Ok(Some(search)));
        }

        #[test]
        fn session_search_round_trips(search in session_search()) {
            let mut query = String::from("page=1");
            search.append_to_query(&mut query);
            let pairs = parse_query(&query).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(pairs.len(), 2 + search.categories.len());
            let read = SessionSearch::from_pairs(
                pairs.iter().map(|(name, value)| (name.as_str(), value.as_str())),
            );
            prop_assert_eq!(&read, &search);
            prop_assert_eq!(SessionSearch::from_query(&query), Ok(search));
        }

        #[test]
        fn categories_keep_any_text(text in tricky_string()) {
            prop_assert_eq!(LicenseSearchCategory::from_wire(&text).to_string(), text.as_str());
            prop_assert_eq!(UserSearchCategory::from_wire(&text).to_string(), text.as_str());
            prop_assert_eq!(SessionSearchCategory::from_wire(&text).to_string(), text.as_str());
            let json = serde_json::to_string(&text).unwrap();
            let parsed: UserSearchCategory = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(parsed, UserSearchCategory::from_wire(&text));
        }

        #[test]
        fn from_json_never_panics(json in prop_oneof![
            any::<String>(),
            r#"[{}\[\]":,a-zA-Z0-9 \\n]{0,40}"#,
        ]) {
            let _ = UserSearch::from_json(&json);
        }
    }
}
