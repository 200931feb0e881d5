//! Keeping the management key (and a presigned URL's signed query) out of
//! what the HTTP stack logs.
//!
//! At `TRACE`, ureq-proto hex-dumps every byte it writes and reads (16 a
//! line, target `ureq_proto::util`), and ureq logs each request's path and
//! query. The secrets are therefore never handed to ureq at all:
//!
//! 1. [`UreqTransport::send`](crate::UreqTransport) replaces the
//!    `Authorization` value with a random placeholder of the same length (and,
//!    when the request's [`Secrets`](blazeauth_core::Secrets) say its query is
//!    secret, the storage upload, its query likewise), and registers the swap
//!    for the current thread ([`Swaps`]). ureq builds, logs and writes the
//!    request with the placeholders.
//! 2. Every connection is a [`Guarded`] transport: just before the output
//!    buffer goes to the socket (TLS encrypts it there), the placeholders are
//!    replaced with the real bytes, so only the wire ever holds them.
//! 3. On the way in, every text the request's `Secrets` name (the key's
//!    secret part; the signed query and its long values) has each occurrence
//!    a server echoes masked with `*`
//!    (same length, so the framing holds) before ureq parses or logs a byte. An
//!    occurrence split across two reads is masked too: a read ending in the
//!    first 8 or more bytes of a secret is held back until the rest arrives;
//!    a shorter prefix goes on (at most 7 characters of the secret, never
//!    enough to use it), and the rest is masked when it comes.
//!
//! A ureq call runs on the calling thread from start to end, so a
//! thread-local ties a connection's bytes to the request being sent.

use std::cell::RefCell;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use memchr::memmem::Finder;

use ureq::unversioned::transport::{Buffers, NextTimeout, Transport};

/// A read that ends in at least this many bytes of a secret is held back.
const MIN_HELD_PREFIX: usize = 8;

/// How many bytes handed out are kept to find the rest of a secret whose
/// start went out with them (longer than any secret masked).
const TAIL: usize = 256;

/// The most unconsumed input a [`Guarded`] connection keeps (ureq's own
/// response-head limit is 64 KiB; bodies are consumed as they arrive).
const MAX_BUFFERED_INPUT: usize = 256 * 1024;

/// One secret of the request on this thread: what ureq sees, what the wire
/// carries.
struct Swap {
    placeholder: Vec<u8>,
    real: Vec<u8>,
}

impl Drop for Swap {
    fn drop(&mut self) {
        // Best effort: overwrite the copy of the secret before freeing it.
        self.real.iter_mut().for_each(|b| *b = 0);
    }
}

thread_local! {
    static SWAPS: RefCell<Vec<Swap>> = const { RefCell::new(Vec::new()) };
    static MASKED: RefCell<Vec<Finder<'static>>> = const { RefCell::new(Vec::new()) };
    /// This thread's placeholder bytes (made once; see [`placeholder`]).
    static PAD: Vec<u8> = fresh_placeholder(PAD_LEN);
}

/// The swaps and masks of the request being sent on this thread, while
/// alive; dropping it clears them.
pub(crate) struct Swaps(());

impl Swaps {
    /// Registers nothing yet.
    pub(crate) fn new() -> Self {
        SWAPS.with(|s| s.borrow_mut().clear());
        MASKED.with(|m| m.borrow_mut().clear());
        Swaps(())
    }

    /// A placeholder for `real` (same length, letters and digits), swapped
    /// back on the wire.
    pub(crate) fn swap(&self, real: &[u8]) -> Vec<u8> {
        let placeholder = placeholder(real.len());
        SWAPS.with(|s| {
            s.borrow_mut().push(Swap {
                placeholder: placeholder.clone(),
                real: real.to_vec(),
            })
        });
        placeholder
    }

    /// Masks `secret` in what the server sends (the core chose it: see
    /// [`Secrets`](blazeauth_core::Secrets)).
    pub(crate) fn mask(&self, secret: &[u8]) {
        if !secret.is_empty() {
            MASKED.with(|m| m.borrow_mut().push(Finder::new(secret).into_owned()));
        }
    }
}

impl Drop for Swaps {
    fn drop(&mut self) {
        SWAPS.with(|s| s.borrow_mut().clear());
        MASKED.with(|m| m.borrow_mut().clear());
    }
}

/// The placeholders of one thread are cut from one random pad of this length.
const PAD_LEN: usize = 512;

/// `len` random letters and digits, the same on a thread for the same
/// length (made once per thread: a request pays no RNG): unpredictable, so no
/// body holds them by chance.
fn placeholder(len: usize) -> Vec<u8> {
    if len <= PAD_LEN {
        PAD.with(|pad| pad[..len].to_vec())
    } else {
        fresh_placeholder(len)
    }
}

/// `len` new random letters and digits.
fn fresh_placeholder(len: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = RandomState::new();
    let mut out = Vec::with_capacity(len);
    let mut word = 0u64;
    for i in 0..len {
        if i % 8 == 0 {
            let mut hasher = state.build_hasher();
            hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
            word = hasher.finish();
        }
        out.push(ALPHABET[(word % ALPHABET.len() as u64) as usize]);
        word /= ALPHABET.len() as u64;
    }
    out
}

/// Replaces every `from` in `bytes` with `to` (same length).
fn replace_in_place(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    debug_assert_eq!(from.len(), to.len());
    if from.is_empty() || bytes.len() < from.len() {
        return;
    }
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], from) {
        let start = at + found;
        bytes[start..start + from.len()].copy_from_slice(to);
        at = start + from.len();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// A connection of the agent: the real transport (TCP, TLS, proxy), with the
/// swaps applied to what goes out and the masks to what comes in.
pub(crate) struct Guarded<T> {
    inner: T,
    /// Input ureq may read: `input[consumed..]`.
    input: Vec<u8>,
    consumed: usize,
    /// Read from the connection, not yet handed to ureq: the start of a
    /// secret whose rest has not arrived.
    held: Vec<u8>,
    /// The last [`TAIL`] bytes handed to ureq before `input`'s.
    tail: Vec<u8>,
    progress: bool,
}

impl<T> Guarded<T> {
    pub(crate) fn new(inner: T) -> Self {
        Self {
            inner,
            input: Vec::new(),
            consumed: 0,
            held: Vec::new(),
            tail: Vec::new(),
            progress: false,
        }
    }
}

impl<T> fmt::Debug for Guarded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guarded").finish_non_exhaustive()
    }
}

impl<T: Transport> Guarded<T> {
    /// Moves what the inner transport read into the input ureq reads, masks
    /// every secret in it, and holds back a trailing start of a secret.
    fn take_input(&mut self, eof: bool) {
        // The last bytes handed out, to find a secret whose start went with them.
        let mut handed_out = std::mem::take(&mut self.tail);
        handed_out.extend_from_slice(&self.input[self.input.len().saturating_sub(TAIL)..]);
        let cut = handed_out.len().saturating_sub(TAIL);
        handed_out.drain(..cut);
        if self.consumed > 0
            && (self.consumed == self.input.len() || self.consumed > MAX_BUFFERED_INPUT)
        {
            self.input.drain(..self.consumed);
            self.consumed = 0;
        }
        let room = MAX_BUFFERED_INPUT.saturating_sub(self.input.len() - self.consumed);
        let region = self.input.len();
        self.input.append(&mut self.held);
        let inner = self.inner.buffers();
        let take = inner.input().len().min(room);
        self.input.extend_from_slice(&inner.input()[..take]);
        inner.input_consume(take);
        MASKED.with(|masks| {
            let masks = masks.borrow();
            let mut keep = 0;
            for finder in masks.iter() {
                let secret = finder.needle();
                // Occurrences from the first byte ureq has not consumed: one
                // whose start was handed out but not yet read is masked too.
                mask_in_place(&mut self.input[self.consumed..], finder);
                // The rest of a secret whose start (under 8 bytes, or it
                // would have been held back) was handed out before.
                let fresh = &mut self.input[region..];
                for started in (1..secret.len().min(handed_out.len() + 1)).rev() {
                    let (head, rest) = secret.split_at(started);
                    if handed_out.ends_with(head) && fresh.starts_with(rest) {
                        fresh[..rest.len()].fill(b'*');
                        break;
                    }
                }
                if !eof {
                    keep = keep.max(started_secret(&self.input[region..], secret));
                }
            }
            let end = self.input.len() - keep;
            self.held.extend_from_slice(&self.input[end..]);
            self.input.truncate(end);
        });
        self.tail = handed_out;
    }
}

/// Overwrites every whole `secret` in `bytes` with `*`.
fn mask_in_place(bytes: &mut [u8], secret: &Finder<'_>) {
    let len = secret.needle().len();
    let mut at = 0;
    while let Some(found) = secret.find(&bytes[at..]) {
        let start = at + found;
        bytes[start..start + len].fill(b'*');
        at = start + len;
    }
}

/// How many trailing bytes of `bytes` are the start of `secret`, when at
/// least [`MIN_HELD_PREFIX`] (0 otherwise).
fn started_secret(bytes: &[u8], secret: &[u8]) -> usize {
    let longest = secret.len().saturating_sub(1).min(bytes.len());
    (MIN_HELD_PREFIX..=longest)
        .rev()
        .find(|&n| bytes[bytes.len() - n..] == secret[..n])
        .unwrap_or(0)
}

impl<T: Transport> Buffers for Guarded<T> {
    fn output(&mut self) -> &mut [u8] {
        self.inner.buffers().output()
    }

    fn input(&self) -> &[u8] {
        &self.input[self.consumed..]
    }

    fn input_append_buf(&mut self) -> &mut [u8] {
        // ureq fills input only through `await_input`; this is for other
        // transports layered on top (none here).
        self.inner.buffers().input_append_buf()
    }

    fn input_appended(&mut self, amount: usize) {
        self.inner.buffers().input_appended(amount);
        self.take_input(false);
    }

    fn input_consume(&mut self, amount: usize) {
        self.progress = amount > 0;
        self.consumed = (self.consumed + amount).min(self.input.len());
    }

    fn tmp_and_output(&mut self) -> (&mut [u8], &mut [u8]) {
        self.inner.buffers().tmp_and_output()
    }

    fn can_use_input(&self) -> bool {
        self.consumed < self.input.len() && self.progress
    }
}

impl<T: Transport> Transport for Guarded<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        SWAPS.with(|swaps| {
            let swaps = swaps.borrow();
            if !swaps.is_empty() {
                let output = &mut self.inner.buffers().output()[..amount];
                for swap in swaps.iter() {
                    replace_in_place(output, &swap.placeholder, &swap.real);
                }
            }
        });
        let result = self.inner.transmit_output(amount, timeout);
        // The real bytes stay in the output buffer only until the next write;
        // wipe them now that they are on the wire.
        SWAPS.with(|swaps| {
            let swaps = swaps.borrow();
            if !swaps.is_empty() {
                let output = &mut self.inner.buffers().output()[..amount];
                for swap in swaps.iter() {
                    replace_in_place(output, &swap.real, &swap.placeholder);
                }
            }
        });
        result
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let before = self.input.len() - self.consumed;
        loop {
            if self.input.len() - self.consumed + self.held.len() >= MAX_BUFFERED_INPUT {
                break;
            }
            let read = self.inner.await_input(timeout)?;
            self.take_input(!read);
            if !read || self.input.len() - self.consumed > before {
                break;
            }
            // Everything read was held back (the start of a secret): read on.
        }
        Ok(self.input.len() - self.consumed > before)
    }

    fn is_open(&mut self) -> bool {
        // Bytes the server sent that no response took make the connection
        // unusable, as for ureq's own transports.
        self.held.is_empty() && self.consumed == self.input.len() && self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_have_the_length_and_are_random() {
        let a = fresh_placeholder(48);
        let b = fresh_placeholder(48);
        assert_eq!(a.len(), 48);
        assert_ne!(a, b);
        assert!(a.iter().all(u8::is_ascii_alphanumeric));
        assert_eq!(placeholder(88).len(), 88);
        assert_eq!(placeholder(600).len(), 600);
        assert!(placeholder(600).iter().all(u8::is_ascii_alphanumeric));
    }

    #[test]
    fn a_started_secret_is_found_from_eight_bytes() {
        let secret = b"S3cretS3cretS3cretS3cret";
        assert_eq!(started_secret(b"xxS3cretS3", secret), 8);
        assert_eq!(started_secret(b"xxS3cretS", secret), 0, "7 bytes go on");
        assert_eq!(started_secret(b"S3cretS3cretS3cretS3cre", secret), 23);
        assert_eq!(started_secret(b"}", secret), 0);
    }

    #[test]
    fn replacing_keeps_the_length_and_finds_every_occurrence() {
        let mut bytes = b"aXYZbXYZ".to_vec();
        replace_in_place(&mut bytes, b"XYZ", b"123");
        assert_eq!(bytes, b"a123b123");
        mask_in_place(&mut bytes, &Finder::new(b"123"));
        assert_eq!(bytes, b"a***b***");
    }
}
