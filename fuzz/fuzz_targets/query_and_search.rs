//! Search parameters in both forms, and the query codec. The body and what it checks: `blazeauth_fuzz_entry::query_and_search`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::query_and_search(data));
