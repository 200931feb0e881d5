//! The emulator's in-memory state: keys, applications with their settings,
//! runtime keys, license levels, licenses and app users, the id counter and the
//! seeded RNG.
//!
//! Everything lives behind one mutex (see [`Emulator`](crate::Emulator)); a
//! request holds it from authentication to its answer, so requests are
//! serializable. Route handlers check everything before they change anything,
//! and draw random values from a copy of the RNG that is kept only on success:
//! a refused request leaves the state, RNG included, as it was.

use crate::clock::Millis;
use crate::keys::{KeyRecord, alphanumerics};
use crate::license::License;

/// The first id handed out; ids are shared by every kind of resource.
const FIRST_ID: u64 = 100_000_000_001;

/// Length of generated runtime keys (their format is not documented).
const RUNTIME_KEY_LEN: usize = 32;

/// Everything the emulator knows.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub(crate) rng: fastrand::Rng,
    next_id: u64,
    pub(crate) keys: Vec<KeyRecord>,
    /// In creation order.
    pub(crate) applications: Vec<Application>,
    /// The account's plan (`get-account-limits`, and the live-sessions gate).
    pub(crate) plan: crate::plan::Plan,
    /// Every request the fake storage host received, matched to a file or
    /// not, oldest first (at most [`STORAGE_LOG_MAX`]: the oldest go first).
    pub(crate) storage_log: Vec<StorageRequest>,
}

/// The most storage requests [`State::storage_log`] keeps: the log of a
/// served emulator must not grow without bound under a client that keeps
/// calling the storage host.
pub(crate) const STORAGE_LOG_MAX: usize = 10_000;

/// One application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Application {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) created_at: Millis,
    pub(crate) levels: Vec<String>,
    pub(crate) settings: AppSettings,
    pub(crate) socket_key: String,
    pub(crate) http_key: String,
    pub(crate) keys_updated_at: Millis,
    /// When the runtime keys were rotated (only the last hour matters).
    pub(crate) rotations: Vec<Millis>,
    /// In creation order.
    pub(crate) licenses: Vec<License>,
    /// In creation order.
    pub(crate) users: Vec<AppUser>,
    /// In creation order.
    pub(crate) variables: Vec<Variable>,
    /// In creation order (a presigned URL reserves the name).
    pub(crate) files: Vec<StoredFile>,
    /// Connected clients, in connection order (added by tests: the API
    /// cannot create them).
    pub(crate) sessions: Vec<LiveSession>,
}

/// An application's settings (`get-application-settings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AppSettings {
    pub(crate) license_requires_client_id: bool,
    pub(crate) user_requires_client_id: bool,
    pub(crate) user_requires_license: bool,
    pub(crate) version: String,
    pub(crate) paused: bool,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            license_requires_client_id: false,
            user_requires_client_id: false,
            user_requires_license: false,
            version: "1.0.0".to_owned(),
            paused: false,
        }
    }
}

/// An app user (`create-user`, or a test hook). The password is never kept:
/// nothing the emulator answers could show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AppUser {
    pub(crate) id: u64,
    pub(crate) login: String,
    pub(crate) comment: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) ip_address: Option<String>,
    pub(crate) levels: Vec<String>,
    pub(crate) requires_license: bool,
    pub(crate) requires_client_id: bool,
    pub(crate) created_at: Millis,
}

/// A variable (`create-variable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Variable {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) value: String,
    pub(crate) strategy: String,
    pub(crate) updated_at: Millis,
}

/// A file: its name is reserved by `get-presigned-upload-url`, its bytes
/// arrive at the fake storage endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredFile {
    pub(crate) name: String,
    pub(crate) size: u64,
    pub(crate) media_type: Option<String>,
    /// The presigned URL's token (its path segment under `/_storage/`).
    pub(crate) token: String,
    /// The bytes, once uploaded.
    pub(crate) bytes: Option<Vec<u8>>,
    /// Every request the storage endpoint received for this file: its
    /// method and headers (names and values), as received.
    pub(crate) storage_requests: Vec<StorageRequest>,
    pub(crate) created_at: Millis,
}

/// A request seen by the fake storage endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StorageRequest {
    /// The request's path (`/_storage/{token}`), as received.
    pub(crate) path: String,
    pub(crate) method: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) accepted: bool,
}

/// A connected desktop client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveSession {
    pub(crate) server_id: String,
    pub(crate) ip_address: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) login: Option<String>,
    pub(crate) license: Option<String>,
    pub(crate) created_at: Millis,
}

impl State {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
            next_id: FIRST_ID,
            keys: Vec::new(),
            applications: Vec::new(),
            plan: crate::plan::Plan::default(),
            storage_log: Vec::new(),
        }
    }

    /// Adds `request` to the storage log, dropping the oldest entry when full.
    pub(crate) fn log_storage_request(&mut self, request: StorageRequest) {
        if self.storage_log.len() >= STORAGE_LOG_MAX {
            self.storage_log.remove(0);
        }
        self.storage_log.push(request);
    }

    /// A fresh id.
    pub(crate) fn allocate_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    /// A fresh runtime key.
    pub(crate) fn runtime_key(&mut self) -> String {
        alphanumerics(&mut self.rng, RUNTIME_KEY_LEN)
    }

    pub(crate) fn application(&self, id: u64) -> Option<&Application> {
        self.applications.iter().find(|app| app.id == id)
    }

    pub(crate) fn application_mut(&mut self, id: u64) -> Option<&mut Application> {
        self.applications.iter_mut().find(|app| app.id == id)
    }

    /// Creates an application named `name` and returns its id.
    pub(crate) fn create_application(&mut self, name: String, now: Millis) -> u64 {
        let id = self.allocate_id();
        let socket_key = self.runtime_key();
        let http_key = self.runtime_key();
        self.applications.push(Application {
            id,
            name,
            created_at: now,
            levels: Vec::new(),
            settings: AppSettings::default(),
            socket_key,
            http_key,
            keys_updated_at: now,
            rotations: Vec::new(),
            licenses: Vec::new(),
            users: Vec::new(),
            variables: Vec::new(),
            files: Vec::new(),
            sessions: Vec::new(),
        });
        id
    }
}

impl Application {
    pub(crate) fn license(&self, id: u64) -> Option<&License> {
        self.licenses.iter().find(|l| l.id == id)
    }

    pub(crate) fn license_mut(&mut self, id: u64) -> Option<&mut License> {
        self.licenses.iter_mut().find(|l| l.id == id)
    }
}
