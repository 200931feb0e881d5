//! Bulk creation with several batches in flight, each a real call, under any answers. The body and what it checks: `blazeauth_fuzz_entry::bulk`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::bulk(data));
