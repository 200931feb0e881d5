//! Ready clients: [`client`], [`client_builder`] and [`client_from_env`], with
//! the real [`ThreadSleeper`] and the [`RandomJitter`] source that make the
//! core's retry policy run.
//!
//! The core [`Client`] retries only when it has a sleeper; these constructors
//! always install one (`std::thread::sleep`) with the default
//! [`RetryPolicy`] and a jitter source seeded from std's `RandomState`, so
//! calls follow the policy
//! (reads retried after connection failures, timeouts, 429 and 502/503/504;
//! mutations never resent when their outcome is unknown; `Retry-After` honoured).

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use blazeauth_core::{
    BASE_URL_ENV_VAR, Client, ClientBuilder, Config, ConfigError, JitterSource, KEY_ENV_VAR,
    RetryPolicy, Sleeper,
};

use crate::agent::UreqTransport;

/// A client on a default [`UreqTransport`] with the default retry policy, the
/// real sleeper and random jitter.
///
/// ```no_run
/// use blazeauth_core::{api, Config, ManagementKey};
///
/// let key = ManagementKey::parse(&std::fs::read_to_string("/run/secrets/blazeauth")?)?;
/// let client = blazeauth_ureq::client(Config::new(key));
/// for app in client.send(&api::GetApplications)? {
///     println!("{} {}", app.id, app.name);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn client(config: Config) -> Client<UreqTransport> {
    client_builder(config, UreqTransport::new()).build()
}

/// The core's [`ClientBuilder`] for `transport`, retrying with the default
/// [`RetryPolicy`] and [`ThreadSleeper`], and [`RandomJitter`]. Replace the
/// policy and sleeper with [`ClientBuilder::retries`] (a test's recording
/// sleeper) before [`build`](ClientBuilder::build):
///
/// ```
/// use std::time::Duration;
/// use blazeauth_core::{Config, ManagementKey, RetryPolicy};
/// use blazeauth_ureq::UreqTransport;
///
/// let key = ManagementKey::parse(
///     "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
/// )?;
/// let transport = UreqTransport::builder().timeout(Duration::from_secs(5)).build();
/// let client = blazeauth_ureq::client_builder(Config::new(key), transport)
///     .retries(RetryPolicy::new().max_attempts(5), blazeauth_ureq::ThreadSleeper)
///     .build();
/// # let _ = client;
/// # Ok::<(), blazeauth_core::KeyError>(())
/// ```
pub fn client_builder(config: Config, transport: UreqTransport) -> ClientBuilder<UreqTransport> {
    Client::builder(config, transport)
        .retries(RetryPolicy::default(), ThreadSleeper)
        .jitter(RandomJitter::new())
}

/// A client configured from the environment:
///
/// - `BLAZEAUTH_MANAGEMENT_API_KEY` ([`KEY_ENV_VAR`](crate::KEY_ENV_VAR)):
///   the management key, required, taken exactly as set (a trailing newline is
///   refused, not trimmed);
/// - `BLAZEAUTH_BASE_URL` ([`BASE_URL_ENV_VAR`](crate::BASE_URL_ENV_VAR)): optional; unset or empty means
///   production. `http://` is accepted only for a loopback host (the emulator).
///
/// A missing or malformed key is a [`ConfigError::Key`] whose message names the
/// variable; a refused base URL is a [`ConfigError::BaseUrl`] naming
/// `BLAZEAUTH_BASE_URL`. This is [`config_from_env`] handed to [`client`].
///
/// ```no_run
/// // BLAZEAUTH_MANAGEMENT_API_KEY=blz_mgmt_... BLAZEAUTH_BASE_URL=http://127.0.0.1:8787
/// let client = blazeauth_ureq::client_from_env()?;
/// # let _ = client;
/// # Ok::<(), blazeauth_core::ConfigError>(())
/// ```
pub fn client_from_env() -> Result<Client<UreqTransport>, ConfigError> {
    config_from_env().map(client)
}

/// Reads `BLAZEAUTH_MANAGEMENT_API_KEY` (required) and `BLAZEAUTH_BASE_URL`
/// (optional; unset or empty means production) into a [`Config`], through
/// [`Config::from_env_values`]. The core never reads the environment; this
/// crate does it for you.
///
/// ```no_run
/// let config = blazeauth_ureq::config_from_env()?;
/// println!("calling {} with key {}", config.base_url(), config.key());
/// # Ok::<(), blazeauth_core::ConfigError>(())
/// ```
pub fn config_from_env() -> Result<Config, ConfigError> {
    Config::from_env_values(
        std::env::var_os(KEY_ENV_VAR),
        std::env::var_os(BASE_URL_ENV_VAR),
    )
}

/// The real sleeper: [`std::thread::sleep`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Jitter in `[0, 1]` from a SplitMix64 sequence seeded by std's `RandomState`
/// (no RNG dependency). Thread-safe and lock-free; not for cryptography.
#[derive(Debug)]
pub struct RandomJitter {
    state: AtomicU64,
}

impl RandomJitter {
    /// A source with a random seed.
    pub fn new() -> Self {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0x9e37_79b9_7f4a_7c15);
        Self::with_seed(hasher.finish())
    }

    /// A source with a fixed seed (reproducible delays).
    pub fn with_seed(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }

    fn next_u64(&self) -> u64 {
        const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut z = self
            .state
            .fetch_add(GAMMA, Ordering::Relaxed)
            .wrapping_add(GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Default for RandomJitter {
    fn default() -> Self {
        Self::new()
    }
}

impl JitterSource for RandomJitter {
    fn jitter(&self) -> f64 {
        // 53 random bits over 2^53 - 1: uniform in [0, 1], both ends included.
        const MAX: u64 = (1 << 53) - 1;
        (self.next_u64() >> 11) as f64 / MAX as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_range_and_varies() {
        let jitter = RandomJitter::with_seed(7);
        let draws: Vec<f64> = (0..1000).map(|_| jitter.jitter()).collect();
        assert!(draws.iter().all(|j| (0.0..=1.0).contains(j)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((0.4..0.6).contains(&mean), "{mean}");
        assert_ne!(
            RandomJitter::new().next_u64(),
            RandomJitter::new().next_u64()
        );
    }
}
