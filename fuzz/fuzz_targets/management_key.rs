//! Any text as a management key: nothing printable shows the secret. The body and what it checks: `blazeauth_fuzz_entry::management_key`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::management_key(data));
