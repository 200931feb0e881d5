//! Sans-IO pagination of the panel tables (`currentPage` in, `totalPages` out).
//!
//! A [`Pager`] says which page to request next and takes what each page held.
//! It stops:
//! - after the page numbered `totalPages` (as reported by the latest page, so a
//!   table that shrinks while it is read ends early rather than asking for pages
//!   that no longer exist);
//! - at an empty page, whatever `totalPages` says;
//! - with [`PagerError::RepeatedPage`] when a page holds exactly the rows of a
//!   page already seen (a server ignoring `currentPage` would loop forever);
//! - with [`PagerError::TooManyPages`] after [`DEFAULT_MAX_PAGES`] pages (or the
//!   bound set with [`Pager::max_pages`]).
//!
//! It never stops because a page held "fewer rows than expected": the page size
//! is the server's and is not documented.
//!
//! A driver asks [`Pager::next_page`] for a page number, runs the request for
//! it (a [`Call`](crate::Call) of [`PagedEndpoint::with_page`]), and hands the
//! decoded page to [`Pager::record_page`]; [`Client::pages`](crate::Client::pages)
//! is the blocking driver.
//!
//! ```
//! use blazeauth_core::Pager;
//!
//! let mut pager = Pager::new();
//! let mut pages = Vec::new();
//! while let Some(page) = pager.next_page() {
//!     // send the request for `page`, decode it, then:
//!     let rows = [format!("row-{page}")];
//!     pager.record(3, rows.len(), Pager::fingerprint(&rows))?;
//!     pages.push(page);
//! }
//! assert_eq!(pages, [1, 2, 3]);
//! # Ok::<(), blazeauth_core::PagerError>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::client::TableProgress;
use crate::endpoint::Endpoint;
use crate::error::Error;

/// How many pages a pager fetches at most unless told otherwise.
pub const DEFAULT_MAX_PAGES: u32 = 100_000;

/// The state of one walk through a table.
#[derive(Debug, Clone)]
pub struct Pager {
    next: Option<u32>,
    max_pages: u32,
    fetched: u32,
    /// Fingerprints of the pages seen, with their page numbers. A `BTreeMap`:
    /// no OS-seeded hasher in the core.
    seen: BTreeMap<u64, u32>,
}

impl Default for Pager {
    fn default() -> Self {
        Self::new()
    }
}

impl Pager {
    /// A pager starting at page 1.
    pub fn new() -> Self {
        Self::starting_at(1)
    }

    /// A pager starting at `page` (page numbers start at 1; 0 counts as 1).
    pub fn starting_at(page: u32) -> Self {
        Self {
            next: Some(page.max(1)),
            max_pages: DEFAULT_MAX_PAGES,
            fetched: 0,
            seen: BTreeMap::new(),
        }
    }

    /// Fetches at most `max` pages (at least 1) before failing with [`PagerError::TooManyPages`].
    pub fn max_pages(mut self, max: u32) -> Self {
        self.max_pages = max.max(1);
        self
    }

    /// The page bound set with [`max_pages`](Self::max_pages).
    pub fn get_max_pages(&self) -> u32 {
        self.max_pages
    }

    /// This pager with `other`'s page bound.
    pub(crate) fn max_pages_from(self, other: &Pager) -> Self {
        self.max_pages(other.max_pages)
    }

    /// The page to request next, or `None` when the walk is over.
    pub fn next_page(&self) -> Option<u32> {
        self.next
    }

    /// How many pages have been recorded.
    pub fn pages_fetched(&self) -> u32 {
        self.fetched
    }

    /// Ends the walk (after an error the caller does not want to retry).
    pub fn stop(&mut self) {
        self.next = None;
    }

    /// Records the page returned for [`next_page`](Self::next_page): the
    /// `totalPages` it reported, how many rows it held and a fingerprint of its
    /// rows ([`Pager::fingerprint`] of their ids). Calling it after the walk is
    /// over does nothing.
    pub fn record(
        &mut self,
        total_pages: u64,
        rows: usize,
        fingerprint: u64,
    ) -> Result<(), PagerError> {
        let Some(page) = self.next.take() else {
            return Ok(());
        };
        self.fetched = self.fetched.saturating_add(1);
        if rows == 0 {
            return Ok(());
        }
        if let Some(same_as) = self.seen.insert(fingerprint, page) {
            return Err(PagerError::RepeatedPage { page, same_as });
        }
        if u64::from(page) >= total_pages {
            return Ok(());
        }
        if self.fetched >= self.max_pages {
            return Err(PagerError::TooManyPages {
                max: self.max_pages,
            });
        }
        self.next = page.checked_add(1);
        Ok(())
    }

    /// Records a decoded page: [`record`](Self::record) with its `totalPages`,
    /// its row count and the fingerprint of its rows' keys. Returns whether the
    /// page holds rows the caller should use: `Ok(false)` for an empty page,
    /// which ends the walk.
    pub fn record_page<P: TablePage>(&mut self, page: &P) -> Result<bool, PagerError> {
        let rows = page.rows();
        let fingerprint = Self::fingerprint(rows.iter().map(TableRow::row_key));
        self.record(page.total_pages(), rows.len(), fingerprint)?;
        Ok(!rows.is_empty())
    }

    /// A deterministic fingerprint of a page's row keys (no random seed: the
    /// same rows always give the same value).
    pub fn fingerprint<K: Hash>(keys: impl IntoIterator<Item = K>) -> u64 {
        let mut hasher = DefaultHasher::new();
        for key in keys {
            key.hash(&mut hasher);
        }
        hasher.finish()
    }
}

/// A walk through a table with several page requests in flight, for drivers
/// that send requests concurrently (the blocking drivers of `blazeauth-ureq`,
/// or tasks of an async runtime).
///
/// It applies the rules of [`Pager`] (the same one, inside) to the pages **in
/// page order**, whatever order their answers arrive in, so a concurrent walk
/// hands out exactly the pages, rows and error that a sequential walk of the
/// same answers would (a property test checks this against [`Pager`] for
/// arbitrary tables, windows and arrival orders):
///
/// - the first request is alone: until a page has told the page count,
///   nothing else is known to exist;
/// - after that, up to `window` pages are outstanding at once: in flight,
///   arrived out of order, or ready and not yet [taken](Self::next_ready).
///   A page is taken before the window moves on, so a slow consumer holds the
///   requests back and memory stays bounded by `window` pages, however long
///   the table;
/// - pages are handed out up to the page count reported by the latest page
///   read in order, and never past the page bound of [`Pager::max_pages`];
/// - a page that ends the walk (the last page, an empty page, a repeated page,
///   the page bound, a failed request) discards every answer after it: a page
///   requested beyond the end is a wasted read, never a row.
///
/// A driver loop, here with the answers of a three-page table arriving in
/// reverse order:
///
/// ```
/// use blazeauth_core::{Page, ParallelPager, TableRow};
///
/// #[derive(Debug, PartialEq)]
/// struct Row(&'static str);
/// impl TableRow for Row {
///     fn row_key(&self) -> impl std::hash::Hash + '_ {
///         self.0
///     }
/// }
///
/// let mut pager = ParallelPager::new(1, 4);
/// let mut order = Vec::new();
/// // The first page, alone:
/// assert_eq!(pager.next_request(), Some(1));
/// assert_eq!(pager.next_request(), None);
/// pager.record(1, Ok(Page::new(vec![Row("a")], 1, 3)));
/// // Now pages 2 and 3 together; their answers come back in any order.
/// let (two, three) = (pager.next_request().unwrap(), pager.next_request().unwrap());
/// pager.record(three, Ok(Page::new(vec![Row("c")], three, 3)));
/// pager.record(two, Ok(Page::new(vec![Row("b")], two, 3)));
/// while let Some(page) = pager.next_ready() {
///     order.extend(page?.rows);
/// }
/// assert_eq!(order, [Row("a"), Row("b"), Row("c")]);
/// assert!(pager.is_finished());
/// # Ok::<(), blazeauth_core::Error>(())
/// ```
#[derive(Debug)]
pub struct ParallelPager<P> {
    /// The sequential rules, fed the pages in page order.
    order: Pager,
    window: u32,
    start: u32,
    /// The next page number to hand out (`None` once past `u32::MAX`).
    next_out: Option<u32>,
    /// The highest page number that may be handed out now.
    limit: u32,
    in_flight: BTreeSet<u32>,
    /// Answers that arrived before the pages in front of them.
    arrived: BTreeMap<u32, Result<P, Error>>,
    /// Pages read in order, waiting to be taken.
    ready: VecDeque<Result<P, Error>>,
    progress: TableProgress,
}

impl<P: TablePage> ParallelPager<P> {
    /// A walk starting at page `start` (0 counts as 1) with at most `window`
    /// pages outstanding (at least 1).
    pub fn new(start: u32, window: u32) -> Self {
        Self::with_pager(Pager::starting_at(start), window)
    }

    /// A walk following `pager`'s start page and page bound.
    pub fn with_pager(pager: Pager, window: u32) -> Self {
        let start = pager.next_page().unwrap_or(1);
        Self {
            next_out: pager.next_page(),
            order: pager,
            window: window.max(1),
            start,
            limit: start,
            in_flight: BTreeSet::new(),
            arrived: BTreeMap::new(),
            ready: VecDeque::new(),
            progress: TableProgress::default(),
        }
    }

    /// The most pages outstanding at once.
    pub fn window(&self) -> u32 {
        self.window
    }

    /// The next page to request, or `None` when none may be requested now
    /// (the window is full, the page count is not known yet, or the walk is
    /// over: see [`is_finished`](Self::is_finished)). Each page number is
    /// handed out once.
    pub fn next_request(&mut self) -> Option<u32> {
        let page = self.next_out?;
        if self.order.next_page().is_none()
            || page > self.limit
            || self.outstanding() >= self.window as usize
        {
            return None;
        }
        self.next_out = page.checked_add(1);
        self.in_flight.insert(page);
        Some(page)
    }

    /// How many pages are outstanding: in flight, arrived out of order, or
    /// ready and not yet taken.
    pub fn outstanding(&self) -> usize {
        self.in_flight.len() + self.arrived.len() + self.ready.len()
    }

    /// The page the walk takes next in page order (`None` once it is over):
    /// a driver that decodes answers itself decodes this one first, so no
    /// decoded page waits for the pages in front of it.
    pub fn next_in_order(&self) -> Option<u32> {
        self.order.next_page()
    }

    /// How many requests were handed out and not yet recorded.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Records the answer for `page` (a number [`next_request`](Self::next_request)
    /// handed out): the decoded page or the call's error. Answers may come in
    /// any order. Recording a page that is not in flight does nothing.
    pub fn record(&mut self, page: u32, result: Result<P, Error>) {
        if !self.in_flight.remove(&page) || self.order.next_page().is_none() {
            return;
        }
        self.arrived.insert(page, result);
        while let Some(next) = self.order.next_page() {
            let Some(result) = self.arrived.remove(&next) else {
                break;
            };
            match result {
                Ok(read) => match self.order.record_page(&read) {
                    Ok(true) => {
                        let bound = u64::from(self.start)
                            .saturating_add(u64::from(self.order.max_pages))
                            .saturating_sub(1);
                        self.limit =
                            u32::try_from(read.total_pages().min(bound)).unwrap_or(u32::MAX);
                        self.ready.push_back(Ok(read));
                    }
                    Ok(false) => {}
                    Err(e) => self.ready.push_back(Err(e.into())),
                },
                Err(e) => {
                    self.order.stop();
                    self.ready.push_back(Err(e));
                }
            }
        }
        if self.order.next_page().is_none() {
            // The walk is over: whatever arrived after its end is not a row.
            self.arrived.clear();
        }
    }

    /// The next page in page order, once it is read: a page with rows, or the
    /// error that ended the walk (after which nothing more comes). `None`
    /// when the next page is not in yet, or the walk is over.
    pub fn next_ready(&mut self) -> Option<Result<P, Error>> {
        let item = self.ready.pop_front()?;
        if let Ok(page) = &item {
            self.progress.pages_read = self.progress.pages_read.saturating_add(1);
            self.progress.total_pages = Some(page.total_pages());
            self.progress.rows += page.rows().len() as u64;
        }
        Some(item)
    }

    /// Whether the walk is over: nothing more will be ready beyond what
    /// [`next_ready`](Self::next_ready) still holds, and answers still in
    /// flight will be discarded.
    pub fn is_finished(&self) -> bool {
        self.order.next_page().is_none()
    }

    /// Whether the walk is over and every page it read was taken.
    pub fn is_drained(&self) -> bool {
        self.is_finished() && self.ready.is_empty()
    }

    /// Ends the walk (the consumer wants no more rows): nothing more is
    /// handed out, and answers still in flight will be discarded.
    pub fn stop(&mut self) {
        self.order.stop();
        self.arrived.clear();
    }

    /// How far the walk is, counting the pages taken with
    /// [`next_ready`](Self::next_ready).
    pub fn progress(&self) -> TableProgress {
        self.progress
    }
}

/// The table's pages did not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PagerError {
    /// More pages than the bound: the server may be ignoring `currentPage`.
    #[error(
        "stopped after {max} pages: the table did not end; raise the bound with max_pages if the table is really that large"
    )]
    TooManyPages {
        /// The bound.
        max: u32,
    },
    /// A page repeated the rows of an earlier one.
    #[error(
        "page {page} returned the same rows as page {same_as}: the server is not paging; stopped to avoid a loop"
    )]
    RepeatedPage {
        /// The page just read.
        page: u32,
        /// The earlier page with the same rows.
        same_as: u32,
    },
}

/// One page of a panel table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<R> {
    /// The rows.
    pub rows: Vec<R>,
    /// The page number (from 1).
    pub page: u32,
    /// `totalPages` as the server reported it with this page.
    pub total_pages: u64,
}

impl<R> Page<R> {
    /// A page: its rows, its number, and the page count it reported.
    pub fn new(rows: Vec<R>, page: u32, total_pages: u64) -> Self {
        Self {
            rows,
            page,
            total_pages,
        }
    }
}

/// A row with a key that identifies it within its table (its id, or for
/// rows without one the fields that tell it apart).
pub trait TableRow {
    /// The row's identity, hashed into a page's fingerprint.
    fn row_key(&self) -> impl Hash + '_;
}

/// A decoded page of any paged route: its rows and how many pages the table
/// has (as that page reported it).
pub trait TablePage {
    /// The row type.
    type Row: TableRow;

    /// The rows.
    fn rows(&self) -> &[Self::Row];

    /// The rows, taken out.
    fn into_rows(self) -> Vec<Self::Row>;

    /// How many pages the table has, as this page reported it.
    fn total_pages(&self) -> u64;
}

impl<R: TableRow> TablePage for Page<R> {
    type Row = R;

    fn rows(&self) -> &[R] {
        &self.rows
    }

    fn into_rows(self) -> Vec<R> {
        self.rows
    }

    fn total_pages(&self) -> u64 {
        self.total_pages
    }
}

/// The row type of a paged route.
pub type RowOf<E> = <<E as Endpoint>::Output as TablePage>::Row;

/// A route that can be asked for any page of a table: the panel tables
/// ([`Page`]) and the live sessions ([`SessionsPage`](crate::api::SessionsPage)).
pub trait PagedEndpoint: Endpoint<Output: TablePage> + Sized {
    /// The page this request asks for.
    fn page_number(&self) -> u32;

    /// The same request for another page.
    fn with_page(&self, page: u32) -> Self;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(pager: &mut Pager, pages: &[(u64, Vec<&str>)]) -> (Vec<u32>, Option<PagerError>) {
        let mut requested = Vec::new();
        for (total, rows) in pages {
            let Some(page) = pager.next_page() else { break };
            requested.push(page);
            if let Err(e) = pager.record(*total, rows.len(), Pager::fingerprint(rows)) {
                return (requested, Some(e));
            }
        }
        (requested, None)
    }

    #[test]
    fn zero_one_and_many_pages() {
        let (pages, err) = walk(&mut Pager::new(), &[(0, vec![])]);
        assert_eq!((pages, err), (vec![1], None));
        let mut pager = Pager::new();
        let (pages, err) = walk(&mut pager, &[(1, vec!["a"]), (1, vec!["x"])]);
        assert_eq!((pages, err), (vec![1], None));
        assert_eq!(pager.next_page(), None);
        let many: Vec<_> = (0..5)
            .map(|i| (5, vec![["a", "b", "c", "d", "e"][i]]))
            .collect();
        assert_eq!(walk(&mut Pager::new(), &many), (vec![1, 2, 3, 4, 5], None));
    }

    #[test]
    fn shrinking_total_pages_ends_early_and_empty_page_stops() {
        let pages = [(5, vec!["a"]), (2, vec!["b"]), (2, vec!["c"])];
        assert_eq!(walk(&mut Pager::new(), &pages), (vec![1, 2], None));
        let pages = [(9, vec!["a"]), (9, vec![]), (9, vec!["c"])];
        assert_eq!(walk(&mut Pager::new(), &pages), (vec![1, 2], None));
    }

    #[test]
    fn repeated_page_is_an_error() {
        let pages = [(10, vec!["a", "b"]), (10, vec!["a", "b"])];
        let (requested, err) = walk(&mut Pager::new(), &pages);
        assert_eq!(requested, vec![1, 2]);
        assert_eq!(
            err,
            Some(PagerError::RepeatedPage {
                page: 2,
                same_as: 1
            })
        );
    }

    #[test]
    fn bound_stops_a_table_that_never_ends() {
        let mut pager = Pager::new().max_pages(3);
        let pages: Vec<_> = ["a", "b", "c", "d"]
            .iter()
            .map(|r| (u64::MAX, vec![*r]))
            .collect();
        let (requested, err) = walk(&mut pager, &pages);
        assert_eq!(requested, vec![1, 2, 3]);
        assert_eq!(err, Some(PagerError::TooManyPages { max: 3 }));
        assert_eq!(pager.next_page(), None);
    }

    #[test]
    fn page_numbers_never_overflow() {
        let mut pager = Pager::starting_at(u32::MAX);
        assert_eq!(pager.record(u64::MAX, 1, 1), Ok(()));
        assert_eq!(pager.next_page(), None);
    }
}
