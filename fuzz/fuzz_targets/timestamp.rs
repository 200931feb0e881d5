//! Any text, or any milliseconds, as a date. The body and what it checks: `blazeauth_fuzz_entry::timestamp`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::timestamp(data));
