//! Creating any number of licenses in batches of at most 256: [`BulkCreate`],
//! a sans-IO state machine that plans the batches, takes each batch's result
//! and writes the final report. [`Client::create_licenses_bulk`](crate::Client::create_licenses_bulk)
//! is its blocking driver; any runtime can drive it the same way.
//!
//! Batches go one after another. A failure stops the run and comes back as a
//! [`BulkCreateError`] holding every key already created, how many licenses
//! may or may not exist (a batch whose outcome is unknown: it is never resent,
//! and nothing after it is sent), and how many were certainly not created.
//! A batch that answers success with fewer keys than it asked for stops the
//! run too: the keys it returned are kept, the missing ones count as unknown.

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
///     let keys = (0..request.count()).map(|i| format!("KEY-{i}")).collect();
///     bulk.record(Ok(keys));
/// }
/// assert_eq!(sizes, [256, 256, 88]);
/// assert_eq!(bulk.finish()?.len(), 600);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BulkCreate {
    application_id: ApplicationId,
    spec: LicenseSpec,
    total: u64,
    /// Licenses not yet handed out in a batch.
    not_requested: u64,
    /// The size of the batch handed out and not yet recorded.
    in_flight: Option<u32>,
    created: Vec<String>,
    failure: Option<Failure>,
}

#[derive(Debug)]
struct Failure {
    error: Error,
    unknown: Option<u32>,
}

impl BulkCreate {
    /// Plans the creation of `total` licenses (at least 1) from `spec`, which is
    /// validated once here.
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
            not_requested: total,
            in_flight: None,
            created: Vec::new(),
            failure: None,
        })
    }

    /// The next batch to send, or `None` when every batch was sent, the run
    /// failed, or a batch is in flight (its result not yet
    /// [recorded](Self::record)): a batch is handed out once.
    pub fn next_request(&mut self) -> Option<CreateLicenses> {
        if self.failure.is_some() || self.in_flight.is_some() || self.not_requested == 0 {
            return None;
        }
        let count = u32::try_from(self.not_requested.min(u64::from(MAX_LICENSES_PER_REQUEST)))
            .unwrap_or(MAX_LICENSES_PER_REQUEST);
        self.not_requested -= u64::from(count);
        self.in_flight = Some(count);
        Some(CreateLicenses::new(
            self.application_id.clone(),
            self.spec.clone(),
            u64::from(count),
        ))
    }

    /// Records the result of the batch in flight: the keys it created, or the
    /// error of its call. An error, or a success with another number of keys
    /// than asked ([`Error::UnexpectedKeyCount`]), stops the run. Does nothing
    /// when no batch is in flight.
    pub fn record(&mut self, result: Result<Vec<String>, Error>) {
        let Some(requested) = self.in_flight.take() else {
            return;
        };
        match result {
            Ok(keys) if keys.len() == requested as usize => self.created.extend(keys),
            Ok(keys) => {
                let returned = keys.len();
                self.created.extend(keys);
                let error = Error::UnexpectedKeyCount {
                    requested,
                    returned,
                };
                let missing = u32::try_from(returned).map_or(0, |r| requested.saturating_sub(r));
                self.fail(error, (missing > 0).then_some(missing));
            }
            Err(error) => {
                let unknown = error.outcome_unknown().then_some(requested);
                self.fail(error, unknown);
            }
        }
    }

    fn fail(&mut self, error: Error, unknown: Option<u32>) {
        self.failure = Some(Failure { error, unknown });
    }

    /// The keys created so far, in order.
    pub fn created(&self) -> &[String] {
        &self.created
    }

    /// Licenses not yet handed out in a batch.
    pub fn remaining(&self) -> u64 {
        self.not_requested
    }

    /// How far the run is, for a progress bar: keys created so far, licenses
    /// in the batch in flight, and the total asked for.
    pub fn progress(&self) -> BulkProgress {
        BulkProgress {
            created: self.created.len() as u64,
            in_flight: self.in_flight.map_or(0, u64::from),
            total: self.total,
        }
    }

    /// Whether nothing more will be handed out: every batch was recorded, or
    /// the run failed.
    pub fn is_finished(&self) -> bool {
        self.in_flight.is_none() && (self.failure.is_some() || self.not_requested == 0)
    }

    /// Every created key, in order, or the report of a run that stopped part
    /// way. Finishing early is reported too: a batch still in flight counts as
    /// unknown ([`Error::MaybeSent`]: its outcome was never recorded), and
    /// batches never handed out as not created.
    pub fn finish(self) -> Result<Vec<String>, BulkCreateError> {
        let failure = match (self.failure, self.in_flight) {
            (Some(failure), _) => Some(failure),
            (None, Some(batch)) => Some(Failure {
                error: Error::MaybeSent {
                    source: TransportError::maybe_sent(
                        TransportErrorKind::Other,
                        "the bulk creation was finished with a batch in flight whose result was never recorded",
                    ),
                    class: crate::RetryClass::Mutation,
                },
                unknown: Some(batch),
            }),
            (None, None) if self.not_requested > 0 => Some(Failure {
                error: Error::NotSent(TransportError::not_sent(
                    TransportErrorKind::Other,
                    "the bulk creation was finished before every batch was sent",
                )),
                unknown: None,
            }),
            (None, None) => None,
        };
        match failure {
            None => Ok(self.created),
            Some(Failure { error, unknown }) => {
                let accounted =
                    (self.created.len() as u64).saturating_add(unknown.map_or(0, u64::from));
                Err(BulkCreateError {
                    remaining: self.total.saturating_sub(accounted),
                    created: self.created,
                    unknown_batch: unknown,
                    error,
                })
            }
        }
    }
}

/// How far a bulk creation is ([`BulkCreate::progress`]; the callback of
/// [`Client::create_licenses_bulk_with_progress`](crate::Client::create_licenses_bulk_with_progress)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkProgress {
    /// Licenses created so far (their keys are in hand).
    pub created: u64,
    /// Licenses of the batch in flight.
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

/// A bulk creation that stopped part way. `created.len() + unknown_batch +
/// remaining` is the total asked for (unless the server returned more keys
/// than asked).
#[derive(Debug)]
#[non_exhaustive]
pub struct BulkCreateError {
    /// Keys created before the failure, in order. They exist on the server.
    pub created: Vec<String>,
    /// Licenses certainly not created: ask for these again to reach the total,
    /// once the unknown ones are reconciled.
    pub remaining: u64,
    /// How many licenses of the failed batch may or may not exist without being
    /// listed in `created`: the whole batch when its outcome is unknown (a
    /// timeout after sending, an unreadable answer, a 5xx), the missing ones
    /// when it returned fewer keys than asked. `None` when the failed batch
    /// certainly created nothing beyond `created`.
    pub unknown_batch: Option<u32>,
    /// What went wrong.
    pub error: Error,
}

impl BulkCreateError {
    /// The report of a run that never started: nothing created, all of
    /// `total` remaining (e.g. a spec refused by [`BulkCreate::new`]).
    pub fn not_started(total: u64, error: impl Into<Error>) -> Self {
        Self {
            created: Vec::new(),
            remaining: total,
            unknown_batch: None,
            error: error.into(),
        }
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
        if let Some(batch) = self.unknown_batch {
            write!(
                f,
                " and {batch} that may or may not exist (check the licenses table before creating more)"
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
