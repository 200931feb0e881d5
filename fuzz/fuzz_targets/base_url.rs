//! Any text as the base URL: plain http only to loopback or when opted in. The body and what it checks: `blazeauth_fuzz_entry::base_url`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::base_url(data));
