//! Creating any number of licenses in batches of at most 256:
//! [`BulkCreate`] (a sans-IO state machine) and
//! [`Client::create_licenses_bulk`](crate::Client::create_licenses_bulk), which drives it.
//!
//! Batches go one after another. A failure stops the run and comes back as a
//! [`BulkCreateError`] holding every key already created, how many licenses were
//! still to go, and whether the failed batch's outcome is unknown (a timeout
//! after sending: its licenses may exist; it is never resent, and nothing after
//! it is sent).

use std::fmt;

use super::licenses::{CreateLicenses, LicenseSpec, MAX_LICENSES_PER_REQUEST};
use crate::client::Client;
use crate::error::Error;
use crate::id::ApplicationId;
use crate::transport::Transport;
use crate::validate::{InvalidInput, Problem};

/// The state of a bulk creation.
///
/// ```
/// use blazeauth_core::api::{BulkCreate, LicenseSpec};
/// use blazeauth_core::LicenseDuration;
///
/// let spec = LicenseSpec::new("PREMIUM-******", ["pro"], "30d".parse::<LicenseDuration>()?);
/// let mut bulk = BulkCreate::new("123".parse()?, spec, 600)?;
/// let mut sizes = Vec::new();
/// while let Some(request) = bulk.next_request() {
///     sizes.push(request.count());
///     // send `request`, then hand over the keys it returned:
///     let keys = (0..request.count()).map(|i| format!("KEY-{i}")).collect();
///     bulk.record_created(keys);
/// }
/// assert_eq!(sizes, [256, 256, 88]);
/// assert_eq!(bulk.created().len(), 600);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct BulkCreate {
    application_id: ApplicationId,
    spec: LicenseSpec,
    remaining: u64,
    created: Vec<String>,
}

impl BulkCreate {
    /// Plans the creation of `total` licenses (at least 1) from `spec`, which is
    /// validated once here.
    pub fn new(
        application_id: ApplicationId,
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
            application_id,
            spec,
            remaining: total,
            created: Vec::new(),
        })
    }

    /// The next batch to send, or `None` when done.
    pub fn next_request(&self) -> Option<CreateLicenses> {
        let count = self.next_batch_size()?;
        Some(CreateLicenses::new(
            self.application_id.clone(),
            count,
            self.spec.clone(),
        ))
    }

    fn next_batch_size(&self) -> Option<u32> {
        (self.remaining > 0).then(|| {
            u32::try_from(self.remaining.min(u64::from(MAX_LICENSES_PER_REQUEST)))
                .unwrap_or(MAX_LICENSES_PER_REQUEST)
        })
    }

    /// Records the keys the last batch created. The batch counts as done even if
    /// the server returned fewer keys than asked (they are what exists).
    pub fn record_created(&mut self, keys: Vec<String>) {
        let batch = self.next_batch_size().map_or(0, u64::from);
        self.remaining -= batch;
        self.created.extend(keys);
    }

    /// The keys created so far, in order.
    pub fn created(&self) -> &[String] {
        &self.created
    }

    /// Licenses not yet requested.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Gives up the created keys.
    pub fn into_created(self) -> Vec<String> {
        self.created
    }
}

/// A bulk creation that stopped part way.
#[derive(Debug)]
#[non_exhaustive]
pub struct BulkCreateError {
    /// Keys created before the failure, in order. They exist on the server.
    pub created: Vec<String>,
    /// Licenses not created (the failed batch included).
    pub remaining: u64,
    /// Size of the failed batch when its outcome is unknown (it may have
    /// created up to that many licenses, not listed in `created`). `None` when
    /// the failed batch certainly created nothing.
    pub unknown_batch: Option<u32>,
    /// What went wrong.
    pub error: Error,
}

impl fmt::Display for BulkCreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bulk license creation stopped after {} created, {} to go",
            self.created.len(),
            self.remaining
        )?;
        if let Some(batch) = self.unknown_batch {
            write!(
                f,
                " (a batch of {batch} may or may not have been created: check the licenses table before creating more)"
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

impl<T: Transport> Client<T> {
    /// Creates `total` licenses from `spec` in batches of at most 256 and returns
    /// every created key in order. On failure returns what was created; a batch
    /// whose outcome is unknown is never resent (see [`BulkCreateError`]).
    pub fn create_licenses_bulk(
        &self,
        application_id: ApplicationId,
        spec: LicenseSpec,
        total: u64,
    ) -> Result<Vec<String>, Box<BulkCreateError>> {
        let mut bulk = BulkCreate::new(application_id, spec, total).map_err(|e| {
            Box::new(BulkCreateError {
                created: Vec::new(),
                remaining: total,
                unknown_batch: None,
                error: e.into(),
            })
        })?;
        while let Some(request) = bulk.next_request() {
            match self.send(&request) {
                Ok(keys) => bulk.record_created(keys),
                Err(error) => {
                    let unknown_batch = error.outcome_unknown().then(|| request.count());
                    return Err(Box::new(BulkCreateError {
                        remaining: bulk.remaining(),
                        created: bulk.into_created(),
                        unknown_batch,
                        error,
                    }));
                }
            }
        }
        Ok(bulk.into_created())
    }
}
