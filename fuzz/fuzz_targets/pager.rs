//! The concurrent pager against the sequential one, under any table and arrival order. The body and what it checks: `blazeauth_fuzz_entry::pager`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::pager(data));
