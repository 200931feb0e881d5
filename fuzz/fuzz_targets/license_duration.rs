//! Any text as a license duration. The body and what it checks: `blazeauth_fuzz_entry::license_duration`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::license_duration(data));
