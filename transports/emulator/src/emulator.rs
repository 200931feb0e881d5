//! [`Emulator`], its [`EmulatorBuilder`], and what tests do with it: make and
//! revoke keys, inject faults, read snapshots, and answer requests.

use std::fmt;
#[cfg(feature = "server")]
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use blazeauth_core::{ApplicationId, Client, Config, ManagementKey, RetryPolicy};

use crate::clock::{Clock, Millis, SystemClock, to_millis};
use crate::faults::{self, Fault, FaultRule, Faults};
use crate::keys::{KeyRecord, KeySpec};
use crate::router::{self, Settings};
#[cfg(feature = "server")]
use crate::server::Server;
use crate::snapshot::{
    AppUserSnapshot, ApplicationSnapshot, FileSnapshot, LicenseSnapshot, SessionSnapshot,
    StateSnapshot, StorageRequestSnapshot, VariableSnapshot,
};
use crate::state::State;

/// Rows per page of the licenses and users tables unless [`EmulatorBuilder::page_size`] says otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 10;

/// The largest request body accepted unless [`EmulatorBuilder::max_body_bytes`]
/// says otherwise: 1 MiB. A larger body is answered 413 `payload_too_large`.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The base URL of [`Emulator::client`]'s in-process client. Nothing is ever
/// sent there: the emulator is the transport.
pub const IN_PROCESS_BASE_URL: &str = "http://emulator.invalid";

/// Mixed into the seed of the fault RNG, so fault draws never shift the
/// state's random values.
const FAULT_SEED_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

/// An in-memory Blazeauth. Cheap to clone: clones share one state.
///
/// See the [crate docs](crate) for what it implements and how.
#[derive(Clone)]
pub struct Emulator {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    faults: Mutex<Faults>,
    clock: Box<dyn Clock>,
    settings: Settings,
    requests: AtomicU64,
    admin_key: ManagementKey,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("admin_key", &self.shared.admin_key)
            .field("page_size", &self.shared.settings.page_size)
            .field("max_body_bytes", &self.shared.settings.max_body_bytes)
            .field("requests_handled", &self.requests_handled())
            .finish_non_exhaustive()
    }
}

/// Builds an [`Emulator`].
///
/// ```
/// use blazeauth_emulator::{Emulator, ManualClock};
///
/// let clock = ManualClock::new();
/// let emulator = Emulator::builder().seed(42).clock(clock.clone()).page_size(25).build();
/// assert_eq!(emulator.page_size(), 25);
/// ```
pub struct EmulatorBuilder {
    plan: crate::Plan,
    seed: u64,
    clock: Box<dyn Clock>,
    page_size: usize,
    max_body_bytes: usize,
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("seed", &self.seed)
            .field("page_size", &self.page_size)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            plan: crate::Plan::default(),
            seed: 0,
            clock: Box::new(SystemClock),
            page_size: DEFAULT_PAGE_SIZE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl EmulatorBuilder {
    /// The seed of every random value: keys, runtime keys, license masks and
    /// probabilistic faults (default 0). Same seed and same requests, same state.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The clock (default [`SystemClock`]); pass a [`ManualClock`](crate::ManualClock)
    /// clone to move time from a test.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Rows per page of the licenses and users tables (default
    /// [`DEFAULT_PAGE_SIZE`]; 0 counts as 1). The live sessions take their
    /// page size from the request (`pageSize`) instead.
    pub fn page_size(mut self, rows: usize) -> Self {
        self.page_size = rows.max(1);
        self
    }

    /// The largest request body accepted (default [`DEFAULT_MAX_BODY_BYTES`]).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// The account's plan (default [`Plan::default`](crate::Plan::default)).
    pub fn plan(mut self, plan: crate::Plan) -> Self {
        self.plan = plan;
        self
    }

    /// The emulator, with one admin key (all scopes, all applications).
    pub fn build(self) -> Emulator {
        let mut state = State::new(self.seed);
        state.plan = self.plan;
        let admin = KeyRecord::generate(&KeySpec::all_scopes(), &mut state.rng);
        let admin_key = management_key(&admin);
        state.keys.push(admin);
        Emulator {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                faults: Mutex::new(Faults::new(self.seed ^ FAULT_SEED_SALT)),
                clock: self.clock,
                settings: Settings {
                    page_size: self.page_size,
                    max_body_bytes: self.max_body_bytes,
                },
                requests: AtomicU64::new(0),
                admin_key,
            }),
        }
    }
}

/// The [`ManagementKey`] of a generated record, which always has the documented format.
fn management_key(record: &KeyRecord) -> ManagementKey {
    #[allow(clippy::expect_used)]
    ManagementKey::parse(&record.key).expect("generated keys have the documented format")
}

/// What one request gets once faults are applied.
pub(crate) enum Exchange {
    /// This answer, now.
    Answer(http::Response<Vec<u8>>),
    /// This answer, after `delay` (the request was processed already).
    Delayed {
        response: http::Response<Vec<u8>>,
        delay: std::time::Duration,
    },
    /// No answer: close the connection (the request was processed).
    Close,
}

impl Default for Emulator {
    fn default() -> Self {
        Self::new()
    }
}

impl Emulator {
    /// An emulator with seed 0, the system clock, 10 rows a page, a 1 MiB body
    /// limit and one admin key.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Starts an emulator with other settings.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The admin key: all 26 scopes, all applications, never expires.
    pub fn admin_key(&self) -> ManagementKey {
        self.shared.admin_key.clone()
    }

    /// Creates a management key as `spec` says.
    pub fn create_key(&self, spec: KeySpec) -> ManagementKey {
        let mut state = self.state();
        let mut record = KeyRecord::generate(&spec, &mut state.rng);
        while state.keys.iter().any(|k| k.public_id == record.public_id) {
            record = KeyRecord::generate(&spec, &mut state.rng);
        }
        let key = management_key(&record);
        state.keys.push(record);
        key
    }

    /// Revokes `key`: from now on it is refused with `api_key_revoked`.
    /// Unknown keys are ignored.
    pub fn revoke_key(&self, key: &ManagementKey) {
        if let Some(record) = self
            .state()
            .keys
            .iter_mut()
            .find(|k| k.key == key.expose_secret())
        {
            record.revoked = true;
        }
    }

    /// Makes `key` expire now (by the emulator's clock): from now on it is
    /// refused with `api_key_expired`. Unknown keys are ignored.
    pub fn expire_key(&self, key: &ManagementKey) {
        let now = self.now_millis();
        if let Some(record) = self
            .state()
            .keys
            .iter_mut()
            .find(|k| k.key == key.expose_secret())
        {
            record.expires_at = Some(now);
        }
    }

    /// Answers `request` over the state: the pure handler, without faults.
    /// Never panics; every API answer is a JSON envelope (see
    /// [`codes`](crate::codes)); the fake storage host under
    /// [`STORAGE_PREFIX`](crate::STORAGE_PREFIX) answers plain text.
    pub fn handle(&self, request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        self.shared.requests.fetch_add(1, Ordering::Relaxed);
        self.handle_uncounted(&request)
    }

    fn handle_uncounted(&self, request: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        router::handle(
            &self.shared.state,
            &*self.shared.clock,
            self.shared.settings,
            request,
        )
    }

    /// The answer the request of `head` gets before its body is read, when
    /// its head already fails (route, method, key, scope); counted.
    #[cfg(feature = "server")]
    pub(crate) fn refuse_head(
        &self,
        head: &http::request::Parts,
    ) -> Option<http::Response<Vec<u8>>> {
        let refused = router::refuse_head(&self.shared.state, &*self.shared.clock, head);
        if refused.is_some() {
            self.shared.requests.fetch_add(1, Ordering::Relaxed);
        }
        refused
    }

    /// Answers a request to the [control surface](crate::control) under
    /// `/_emulator/` as the served emulator does when its admin token is
    /// `token`, without a socket: for fuzzing and tests of the control
    /// routes. Not counted in [`requests_handled`](Self::requests_handled)
    /// (nor is it when served). Never panics.
    #[doc(hidden)]
    pub fn handle_control(
        &self,
        token: &str,
        request: &http::Request<Vec<u8>>,
    ) -> http::Response<Vec<u8>> {
        crate::control::handle(self, token, request)
    }

    /// Answers `request` as the served emulator does, faults applied, but
    /// without waiting out a delay: the answer (`None` when the connection
    /// would be closed) and whether a fault rule applied. For fuzzing.
    #[doc(hidden)]
    pub fn handle_with_faults(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> (Option<http::Response<Vec<u8>>>, bool) {
        self.shared.requests.fetch_add(1, Ordering::Relaxed);
        let fault = self.take_fault(&request);
        let faulted = fault.is_some();
        match self.apply(fault, request) {
            Exchange::Answer(response) | Exchange::Delayed { response, .. } => {
                (Some(response), faulted)
            }
            Exchange::Close => (None, faulted),
        }
    }

    /// The fault the first matching rule gives `request`, counted against it.
    fn take_fault(&self, request: &http::Request<Vec<u8>>) -> Option<Fault> {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(request.method(), request.uri().path())
    }

    /// Counts `request`, applies the first matching fault rule, and answers.
    pub(crate) fn exchange(&self, request: http::Request<Vec<u8>>) -> Exchange {
        self.shared.requests.fetch_add(1, Ordering::Relaxed);
        let fault = self.take_fault(&request);
        self.apply(fault, request)
    }

    /// Answers `request` under `fault`.
    fn apply(&self, fault: Option<Fault>, request: http::Request<Vec<u8>>) -> Exchange {
        match fault {
            None => Exchange::Answer(self.handle_uncounted(&request)),
            Some(Fault::Delay(delay)) => Exchange::Delayed {
                response: self.handle_uncounted(&request),
                delay,
            },
            Some(Fault::CloseConnection) => {
                self.handle_uncounted(&request);
                Exchange::Close
            }
            Some(Fault::TruncateBody) => {
                Exchange::Answer(faults::truncate(self.handle_uncounted(&request)))
            }
            Some(Fault::Status(status)) => Exchange::Answer(faults::status_answer(status)),
            Some(Fault::RateLimited { retry_after }) => {
                Exchange::Answer(faults::rate_limited_answer(retry_after))
            }
            Some(Fault::Html(status)) => Exchange::Answer(faults::html_answer(status)),
            Some(Fault::OversizedBody(size)) => Exchange::Answer(faults::oversized_answer(size)),
        }
    }

    /// An in-process typed client with the admin key; it retries as the
    /// default retry policy allows, waiting between attempts on the
    /// emulator's clock: for real with the system clock, and by moving a
    /// [`ManualClock`](crate::ManualClock) forward (no real wait) otherwise.
    pub fn client(&self) -> Client<Emulator> {
        self.client_with_key(self.admin_key())
    }

    /// An in-process typed client with `key`.
    pub fn client_with_key(&self, key: ManagementKey) -> Client<Emulator> {
        let config = Config::builder(key.clone())
            .base_url(IN_PROCESS_BASE_URL)
            .allow_insecure_http(true)
            .build()
            .unwrap_or_else(|_| Config::new(key));
        let clock = self.clone();
        Client::builder(config, self.clone())
            .retries(RetryPolicy::default(), move |delay| {
                clock.shared.clock.sleep(delay)
            })
            .build()
    }

    /// Adds a fault rule after the ones already injected.
    pub fn inject(&self, rule: FaultRule) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(rule);
    }

    /// How many fault rules are injected now.
    pub(crate) fn fault_rule_count(&self) -> usize {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// How many management keys exist (the admin key, revoked and expired ones included).
    pub(crate) fn key_count(&self) -> usize {
        self.state().keys.len()
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Serves the emulator over HTTP/1.1 on `127.0.0.1`, on a free port, with
    /// the default limits (see [`ServeOptions`](crate::ServeOptions)).
    #[cfg(feature = "server")]
    pub fn serve(&self) -> std::io::Result<Server> {
        self.serve_with(crate::ServeOptions::new())
    }

    /// Serves the emulator over HTTP/1.1 on `addr`, with the default limits.
    #[cfg(feature = "server")]
    pub fn serve_on(&self, addr: SocketAddr) -> std::io::Result<Server> {
        self.serve_with(crate::ServeOptions::new().addr(addr))
    }

    /// Serves the emulator over HTTP/1.1 as `options` say.
    #[cfg(feature = "server")]
    pub fn serve_with(&self, options: crate::ServeOptions) -> std::io::Result<Server> {
        Server::start(self.clone(), options)
    }

    /// Every application, in creation order.
    pub fn applications(&self) -> Vec<ApplicationSnapshot> {
        self.state()
            .applications
            .iter()
            .map(ApplicationSnapshot::of)
            .collect()
    }

    /// The licenses of `application`, in creation order (empty for an unknown application).
    pub fn licenses(&self, application: &ApplicationId) -> Vec<LicenseSnapshot> {
        let now = self.now_millis();
        let state = self.state();
        application
            .as_str()
            .parse()
            .ok()
            .and_then(|id| state.application(id))
            .map(|app| {
                app.licenses
                    .iter()
                    .map(|l| LicenseSnapshot::of(l, app.id, now))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The app users of `application`, in creation order (empty for an
    /// unknown application). No password is kept, so none is shown.
    pub fn app_users(&self, application: &ApplicationId) -> Vec<AppUserSnapshot> {
        self.of_application(application, |app| {
            app.users.iter().map(AppUserSnapshot::of).collect()
        })
    }

    /// The variables of `application`, in creation order (empty for an
    /// unknown application).
    pub fn variables(&self, application: &ApplicationId) -> Vec<VariableSnapshot> {
        self.of_application(application, |app| {
            app.variables.iter().map(VariableSnapshot::of).collect()
        })
    }

    /// The files of `application` (names reserved by an upload URL), in
    /// creation order, each with the requests the fake storage host received
    /// for it (empty for an unknown application).
    pub fn files(&self, application: &ApplicationId) -> Vec<FileSnapshot> {
        self.of_application(application, |app| {
            app.files.iter().map(FileSnapshot::of).collect()
        })
    }

    /// The live sessions of `application`, in connection order (empty for an
    /// unknown application).
    pub fn sessions(&self, application: &ApplicationId) -> Vec<SessionSnapshot> {
        self.of_application(application, |app| {
            app.sessions.iter().map(SessionSnapshot::of).collect()
        })
    }

    /// Every request the fake storage host received, oldest first, whether
    /// its token matched a file or not (the latest 10,000; cleared by
    /// [`reset`](Self::reset)). A test proves with it that no request to
    /// storage carried the management key.
    pub fn storage_requests(&self) -> Vec<StorageRequestSnapshot> {
        self.state()
            .storage_log
            .iter()
            .map(StorageRequestSnapshot::of)
            .collect()
    }

    fn of_application<T: Default>(
        &self,
        application: &ApplicationId,
        read: impl FnOnce(&crate::state::Application) -> T,
    ) -> T {
        let state = self.state();
        application
            .as_str()
            .parse()
            .ok()
            .and_then(|id| state.application(id))
            .map(read)
            .unwrap_or_default()
    }

    /// Every application and license at once.
    pub fn snapshot(&self) -> StateSnapshot {
        let now = self.now_millis();
        StateSnapshot::of(&self.state(), now)
    }

    /// How many requests reached the emulator: through [`handle`](Self::handle),
    /// the transport or the server, fault-answered ones included. (Over HTTP,
    /// a request hyper cannot parse, whose head or body is over a limit or
    /// too slow, is answered or dropped before it reaches the emulator and is
    /// not counted.)
    pub fn requests_handled(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Removes every application (with its licenses, settings, app users,
    /// variables, files and live sessions), the storage log and every fault
    /// rule. Management keys and the plan stay, ids keep counting up.
    pub fn reset(&self) {
        {
            let mut state = self.state();
            state.applications.clear();
            state.storage_log.clear();
        }
        self.clear_faults();
    }

    /// Moves the emulator's clock forward by `by`, when its clock can move (a
    /// [`ManualClock`](crate::ManualClock) or an [`OffsetClock`](crate::OffsetClock));
    /// returns whether it did.
    pub fn advance_clock(&self, by: std::time::Duration) -> bool {
        self.shared.clock.advance(by)
    }

    /// The emulator's current time.
    pub fn now(&self) -> SystemTime {
        self.shared.clock.now()
    }

    /// Rows per page of the licenses and users tables.
    pub fn page_size(&self) -> usize {
        self.shared.settings.page_size
    }

    /// The largest request body accepted.
    pub fn max_body_bytes(&self) -> usize {
        self.shared.settings.max_body_bytes
    }

    pub(crate) fn now_millis(&self) -> Millis {
        to_millis(self.shared.clock.now())
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
