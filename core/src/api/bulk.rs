//! Creating any number of licenses in batches of at most 256: [`BulkCreate`],
//! a sans-IO state machine that plans the batches, takes each batch's result
//! and writes the final report. [`Client::create_licenses_bulk`](crate::Client::create_licenses_bulk)
//! is its sequential blocking driver; `blazeauth-ureq`'s `Parallel` drives it
//! with several batches in flight; any runtime can drive it the same way.
//!
//! A failure stops the run: no batch is handed out after it, and it comes back
//! as a [`BulkCreateError`] holding every key created, every batch whose
//! outcome is unknown ([`UnknownBatch`]: it is never resent), and how many
//! licenses were certainly not created. A batch that answers success with
//! fewer keys than it asked for stops the run too: the keys it returned are
//! kept, the missing ones count as unknown. Batches already in flight when a
//! failure is recorded still count: their keys, their unknown outcomes and
//! their refusals all go into the report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::licenses::{CreateLicenses, LicenseSpec, MAX_LICENSES_PER_REQUEST};
use crate::error::Error;
use crate::id::ApplicationId;
use crate::transport::{TransportError, TransportErrorKind};
use crate::validate::{InvalidInput, Problem};

/// The state of a bulk creation.
///
/// Drive it with a loop: take the next batch, send it (a
/// [`Call`](crate::Call), with its retries), record its result, and when no
/// batch is left, [`finish`](Self::finish) gives every key or the report.
///
/// ```
/// use blazeauth_core::api::{BulkCreate, LicenseSpec};
/// use blazeauth_core::LicenseDuration;
///
/// let spec = LicenseSpec::new("PREMIUM-******", ["pro"], "30d".parse::<LicenseDuration>()?);
/// let mut bulk = BulkCreate::new(blazeauth_core::ApplicationId::new("123")?, spec, 600)?;
/// let mut sizes = Vec::new();
/// while let Some(request) = bulk.next_request() {
///     sizes.push(request.count());
///     // send `request`, then hand over its result (the keys, or the error):
///     let batch = sizes.len();
///     let keys = (0..request.count()).map(|i| format!("KEY-{batch}-{i}")).collect();
///     bulk.record(Ok(keys));
/// }
/// assert_eq!(sizes, [256, 256, 88]);
/// assert_eq!(bulk.finish()?.len(), 600);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Several batches in flight
///
/// With [`concurrency(n)`](Self::concurrency), [`next_batch`](Self::next_batch)
/// hands out up to `n` numbered batches before their results are in, and
/// [`record_batch`](Self::record_batch) takes each result by its number, in
/// any order. The keys still come out in batch order, and the guarantees do
/// not change: a batch is handed out once, no batch is handed out after a
/// failure, and `created + unknown + remaining = total` (a property test
/// drives it with arbitrary results, windows and arrival orders).
///
/// ```
/// use blazeauth_core::api::{BulkCreate, LicenseSpec};
/// use blazeauth_core::LicenseDuration;
///
/// let spec = LicenseSpec::new("PREMIUM-******", ["pro"], "30d".parse::<LicenseDuration>()?);
/// let mut bulk = BulkCreate::new(blazeauth_core::ApplicationId::new("123")?, spec, 600)?
///     .concurrency(4);
/// let batches: Vec<_> = std::iter::from_fn(|| bulk.next_batch()).collect();
/// assert_eq!(batches.len(), 3); // all three in flight at once
/// for batch in batches.iter().rev() {
///     let keys = (0..batch.request().count()).map(|i| format!("{}-{i}", batch.index())).collect();
///     bulk.record_batch(batch.index(), Ok(keys));
/// }
/// let keys = bulk.finish()?;
/// assert_eq!((keys.len(), keys[0].as_str(), keys[599].as_str()), (600, "0-0", "2-87"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BulkCreate {
    application_id: ApplicationId,
    spec: LicenseSpec,
    total: u64,
    concurrency: u32,
    /// Licenses not yet handed out in a batch.
    not_requested: u64,
    /// The number of the next batch handed out.
    next_index: u32,
    /// Batches handed out and not yet recorded: number → size.
    in_flight: BTreeMap<u32, u32>,
    /// Keys of the batches recorded so far, by batch number.
    created: BTreeMap<u32, Vec<String>>,
    created_count: u64,
    unknown: Vec<UnknownBatch>,
    /// Licenses of recorded batches that certainly were not created.
    refused: u64,
    /// The first failure: once set, nothing more is handed out.
    error: Option<Error>,
    /// Set by [`stop`](Self::stop): nothing more is handed out.
    stopped: bool,
    /// A hash of every key kept so far, to find a key returned twice
    /// without holding each key twice (a hit is confirmed on the keys).
    seen: BTreeSet<u64>,
}

/// One batch of a [`BulkCreate`]: its number (from 0, in the order batches
/// are handed out) and its request.
#[derive(Debug, Clone)]
pub struct Batch {
    index: u32,
    request: CreateLicenses,
}

impl Batch {
    /// The batch's number, to hand back to [`BulkCreate::record_batch`].
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The request to send.
    pub fn request(&self) -> &CreateLicenses {
        &self.request
    }

    /// The request, taken out.
    pub fn into_request(self) -> CreateLicenses {
        self.request
    }
}

/// A batch whose outcome is unknown: the licenses may or may not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownBatch {
    /// The batch's number (from 0, in the order batches were handed out).
    pub index: u32,
    /// How many licenses of it may or may not exist: the whole batch when its
    /// outcome is unknown (a timeout after sending, an unreadable answer, a
    /// 5xx), the missing ones when it returned fewer keys than asked.
    pub count: u32,
}

impl UnknownBatch {
    /// Batch `index` with `count` licenses of unknown outcome (for tests that
    /// compare reports).
    pub fn new(index: u32, count: u32) -> Self {
        Self { index, count }
    }
}

impl BulkCreate {
    /// Plans the creation of `total` licenses (at least 1) from `spec`, which is
    /// validated once here. One batch at a time unless
    /// [`concurrency`](Self::concurrency) says otherwise.
    pub fn new(
        application_id: impl Into<ApplicationId>,
        spec: LicenseSpec,
        total: u64,
    ) -> Result<Self, InvalidInput> {
        if total == 0 {
            return Err(InvalidInput::new(
                "count",
                Problem::Range {
                    min: 1,
                    max: u64::MAX,
                    actual: 0,
                },
            ));
        }
        spec.validate()?;
        Ok(Self {
            application_id: application_id.into(),
            spec,
            total,
            concurrency: 1,
            not_requested: total,
            next_index: 0,
            in_flight: BTreeMap::new(),
            created: BTreeMap::new(),
            created_count: 0,
            unknown: Vec::new(),
            refused: 0,
            error: None,
            stopped: false,
            seen: BTreeSet::new(),
        })
    }

    /// Lets [`next_batch`](Self::next_batch) hand out up to `batches` batches
    /// (at least 1) before their results are recorded.
    #[must_use]
    pub fn concurrency(mut self, batches: u32) -> Self {
        self.concurrency = batches.max(1);
        self
    }

    /// The next batch to send, or `None` when every batch was handed out, the
    /// run failed, or [`concurrency`](Self::concurrency) batches are in flight.
    /// A batch is handed out once.
    pub fn next_batch(&mut self) -> Option<Batch> {
        if self.error.is_some()
            || self.stopped
            || self.not_requested == 0
            || self.in_flight.len() >= self.concurrency as usize
        {
            return None;
        }
        let count = u32::try_from(self.not_requested.min(u64::from(MAX_LICENSES_PER_REQUEST)))
            .unwrap_or(MAX_LICENSES_PER_REQUEST);
        let index = self.next_index;
        self.next_index = self.next_index.checked_add(1)?;
        self.not_requested -= u64::from(count);
        self.in_flight.insert(index, count);
        Some(Batch {
            index,
            request: CreateLicenses::new(
                self.application_id.clone(),
                self.spec.clone(),
                u64::from(count),
            ),
        })
    }

    /// One batch at a time: the next batch's request, or `None` while a batch
    /// is in flight (its result not yet [recorded](Self::record)), after a
    /// failure, or when every batch was handed out.
    pub fn next_request(&mut self) -> Option<CreateLicenses> {
        if !self.in_flight.is_empty() {
            return None;
        }
        self.next_batch().map(Batch::into_request)
    }

    /// Records the result of the batch in flight handed out by
    /// [`next_request`](Self::next_request) (with several in flight, the
    /// oldest: use [`record_batch`](Self::record_batch) for those).
    pub fn record(&mut self, result: Result<Vec<String>, Error>) {
        if let Some(&index) = self.in_flight.keys().next() {
            self.record_batch(index, result);
        }
    }

    /// Records the result of batch `index`: the keys it created, or the error
    /// of its call. An error stops the run: nothing more is handed out, and
    /// batches still in flight are recorded as they come. So does a success
    /// that contradicts the request, like a shortfall:
    /// - another number of keys than asked ([`Error::UnexpectedKeyCount`]);
    /// - a key repeated within the batch or returned by an earlier batch of
    ///   this run ([`Error::RepeatedKeys`]): a repeated key stands for no new
    ///   license, so it is kept once, and the licenses it should have stood
    ///   for count as unknown.
    ///
    /// Does nothing when batch `index` is not in flight.
    pub fn record_batch(&mut self, index: u32, result: Result<Vec<String>, Error>) {
        let Some(requested) = self.in_flight.remove(&index) else {
            return;
        };
        let keys = match result {
            Ok(keys) => keys,
            Err(error) => {
                if error.outcome_unknown() {
                    self.unknown.push(UnknownBatch {
                        index,
                        count: requested,
                    });
                } else {
                    self.refused += u64::from(requested);
                }
                self.fail(error);
                return;
            }
        };
        let returned = keys.len();
        let mut distinct: Vec<String> = Vec::with_capacity(returned);
        for key in keys {
            let hash = key_hash(&key);
            // A new hash is a new key; a known one is confirmed on the keys
            // themselves (two keys may share a hash).
            let repeat = !self.seen.insert(hash)
                && (distinct.contains(&key) || self.created().any(|kept| kept == key));
            if !repeat {
                distinct.push(key);
            }
        }
        let repeated = returned - distinct.len();
        let missing = u32::try_from(distinct.len()).map_or(0, |d| requested.saturating_sub(d));
        self.keep(index, distinct);
        if missing > 0 {
            self.unknown.push(UnknownBatch {
                index,
                count: missing,
            });
        }
        if repeated > 0 {
            self.fail(Error::RepeatedKeys {
                requested,
                returned,
                repeated,
            });
        } else if returned != requested as usize {
            self.fail(Error::UnexpectedKeyCount {
                requested,
                returned,
            });
        }
    }

    fn keep(&mut self, index: u32, keys: Vec<String>) {
        self.created_count = self.created_count.saturating_add(keys.len() as u64);
        self.created.insert(index, keys);
    }

    /// Hands out no more batches (e.g. the driver's caller panicked or gave
    /// up). Batches in flight are still recorded; [`finish`](Self::finish)
    /// reports the licenses never handed out as not created.
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Keeps the first failure; later ones are counted in the report.
    fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// The keys created so far, in batch order.
    pub fn created(&self) -> impl Iterator<Item = &str> {
        self.created.values().flatten().map(String::as_str)
    }

    /// How many keys were created so far.
    pub fn created_count(&self) -> u64 {
        self.created_count
    }

    /// Licenses not yet handed out in a batch.
    pub fn remaining(&self) -> u64 {
        self.not_requested
    }

    /// How many batches are in flight.
    pub fn batches_in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// How far the run is, for a progress bar: keys created so far, licenses
    /// in the batches in flight, and the total asked for.
    pub fn progress(&self) -> BulkProgress {
        BulkProgress {
            created: self.created_count,
            in_flight: self.in_flight.values().map(|&n| u64::from(n)).sum(),
            total: self.total,
        }
    }

    /// Whether nothing more will be handed out and nothing is in flight: every
    /// batch was recorded, or the run failed and its batches in flight were
    /// recorded.
    pub fn is_finished(&self) -> bool {
        self.in_flight.is_empty()
            && (self.error.is_some() || self.stopped || self.not_requested == 0)
    }

    /// Every created key, in batch order, or the report of a run that stopped
    /// part way. Finishing early is reported too: a batch still in flight
    /// counts as unknown ([`Error::MaybeSent`]: its outcome was never
    /// recorded), and batches never handed out as not created.
    pub fn finish(mut self) -> Result<Vec<String>, BulkCreateError> {
        if !self.in_flight.is_empty() {
            for (&index, &count) in &self.in_flight {
                self.unknown.push(UnknownBatch { index, count });
            }
            self.error.get_or_insert(Error::MaybeSent {
                source: TransportError::maybe_sent(
                    TransportErrorKind::Other,
                    "the bulk creation was finished with a batch in flight whose result was never recorded",
                ),
                class: crate::RetryClass::Mutation,
            });
        }
        if self.error.is_none() && self.not_requested > 0 {
            self.error = Some(Error::NotSent(TransportError::not_sent(
                TransportErrorKind::Other,
                "the bulk creation was finished before every batch was sent",
            )));
        }
        let created: Vec<String> = self.created.into_values().flatten().collect();
        match self.error {
            None => Ok(created),
            Some(error) => {
                let mut unknown = self.unknown;
                unknown.sort_by_key(|batch| batch.index);
                // Counted, not derived from the total: a batch that returned
                // more keys than asked must not make the others' count shrink.
                Err(BulkCreateError {
                    remaining: self.not_requested.saturating_add(self.refused),
                    created,
                    unknown,
                    error,
                })
            }
        }
    }
}

/// A hash of `key` with fixed keys (`DefaultHasher::new`, as the pager's
/// page fingerprints: no per-process seed, the core stays deterministic).
fn key_hash(key: &str) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// How far a bulk creation is ([`BulkCreate::progress`]; the callback of
/// [`Client::create_licenses_bulk_with_progress`](crate::Client::create_licenses_bulk_with_progress)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkProgress {
    /// Licenses created so far (their keys are in hand).
    pub created: u64,
    /// Licenses of the batches in flight.
    pub in_flight: u64,
    /// Licenses asked for in all.
    pub total: u64,
}

impl BulkProgress {
    /// `created / total`, from 0.0 to 1.0.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.created as f64 / self.total as f64
        }
    }
}

/// A bulk creation that stopped part way. `created.len()` + the counts of
/// `unknown` + `remaining` is the total asked for, plus any keys a batch
/// returned beyond what it asked for (they exist, so they are in `created`).
#[derive(Debug)]
#[non_exhaustive]
pub struct BulkCreateError {
    /// Keys created, in batch order. They exist on the server.
    pub created: Vec<String>,
    /// Licenses certainly not created: ask for these again to reach the total,
    /// once the unknown ones are reconciled.
    pub remaining: u64,
    /// Every batch whose licenses may or may not exist without being listed
    /// in `created`, by batch number; empty when every failed batch certainly
    /// created nothing beyond `created`. None of them was resent.
    pub unknown: Vec<UnknownBatch>,
    /// What went wrong first. Batches that failed after it are counted in
    /// `unknown` and `remaining`.
    pub error: Error,
}

impl BulkCreateError {
    /// The report of a run that never started: nothing created, all of
    /// `total` remaining (e.g. a spec refused by [`BulkCreate::new`]).
    pub fn not_started(total: u64, error: impl Into<Error>) -> Self {
        Self {
            created: Vec::new(),
            remaining: total,
            unknown: Vec::new(),
            error: error.into(),
        }
    }

    /// How many licenses may or may not exist: the sum of `unknown`'s counts.
    pub fn unknown_count(&self) -> u64 {
        self.unknown.iter().map(|b| u64::from(b.count)).sum()
    }
}

impl fmt::Display for BulkCreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bulk license creation stopped after {} created, {} not created",
            self.created.len(),
            self.remaining
        )?;
        if !self.unknown.is_empty() {
            let batches = self.unknown.len();
            write!(
                f,
                " and {} in {batches} batch{} that may or may not exist (check the licenses table before creating more)",
                self.unknown_count(),
                if batches == 1 { "" } else { "es" }
            )?;
        }
        write!(f, ": {}", self.error)
    }
}

impl std::error::Error for BulkCreateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}
