//! Any status and body through every typed route's decoder. The body and what it checks: `blazeauth_fuzz_entry::decode_response`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::decode_response(data));
