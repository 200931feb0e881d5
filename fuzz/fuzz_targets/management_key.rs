//! Any text either parses as a key or is refused; neither path panics, and
//! nothing printable shows more than the public id.
#![no_main]

use blazeauth_core::ManagementKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match ManagementKey::parse(text) {
        Ok(key) => {
            let secret = &key.expose_secret()[30..];
            assert!(!format!("{key:?}{key}").contains(secret));
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Ok(key) = ManagementKey::parse_unchecked_format(text) {
        if key.public_id().is_none() {
            assert_eq!(format!("{key:?} {key}"), "ManagementKey([redacted]) [redacted]");
        }
    }
});
