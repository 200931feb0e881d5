//! Route handlers, one module per resource: each handler reads its query and
//! body, checks everything, then changes the state (never the other way
//! round) and returns the documented success envelope.

pub(crate) mod account;
pub(crate) mod applications;
pub(crate) mod files;
pub(crate) mod license_actions;
pub(crate) mod licenses;
pub(crate) mod sessions;
pub(crate) mod users;
pub(crate) mod variables;

use crate::input::invalid_format;
use crate::reply::{Failure, shorten};

/// A column a search can look in: its category name and how to read it.
pub(crate) type Column<T> = (&'static str, fn(&T) -> Option<&str>);

/// A search over rows of `T`: rows whose chosen columns contain the search
/// string, ignoring case (an empty string keeps every row).
pub(crate) struct RowFilter<T> {
    needle: String,
    columns: Vec<fn(&T) -> Option<&str>>,
}

/// The rows of page `page` (from 1) at `size` rows a page; empty past the end.
pub(crate) fn page_of<T>(rows: &[T], page: u64, size: usize) -> &[T] {
    let start = usize::try_from(page.saturating_sub(1))
        .unwrap_or(usize::MAX)
        .saturating_mul(size)
        .min(rows.len());
    &rows[start..rows.len().min(start.saturating_add(size))]
}

impl<T> RowFilter<T> {
    /// The filter of a panel table's `searchParams` (JSON in the query), or
    /// `None` when the request has none.
    pub(crate) fn from_search_params(
        search_params: Option<&str>,
        known: &[Column<T>],
    ) -> Result<Option<Self>, Failure> {
        let Some(json) = search_params else {
            return Ok(None);
        };
        let search = crate::rules::search(json).map_err(|e| invalid_format("searchParams", e))?;
        Self::new(
            "searchParams.categories",
            &search.search_string,
            search.categories.iter().map(String::as_str),
            known,
        )
        .map(Some)
    }

    /// The filter for `search_string` in `categories`, each one of `known`
    /// (by name); no category means the first of `known`. `field` names the
    /// parameter in errors.
    pub(crate) fn new<'a>(
        field: &str,
        search_string: &str,
        categories: impl IntoIterator<Item = &'a str>,
        known: &[Column<T>],
    ) -> Result<Self, Failure> {
        let mut columns = Vec::new();
        for category in categories {
            let Some((_, column)) = known.iter().find(|(name, _)| *name == category) else {
                let names: Vec<String> =
                    known.iter().map(|(name, _)| format!("{name:?}")).collect();
                return Err(invalid_format(
                    field,
                    format!(
                        "unknown category {:?}; the emulator knows {}",
                        shorten(category, 32),
                        names.join(", ")
                    ),
                ));
            };
            columns.push(*column);
        }
        if columns.is_empty() {
            columns.extend(known.first().map(|(_, column)| *column));
        }
        Ok(Self {
            needle: search_string.to_lowercase(),
            columns,
        })
    }

    /// Whether `row` matches.
    pub(crate) fn keeps(&self, row: &T) -> bool {
        self.needle.is_empty()
            || self.columns.iter().any(|column| {
                column(row).is_some_and(|text| text.to_lowercase().contains(&self.needle))
            })
    }
}
