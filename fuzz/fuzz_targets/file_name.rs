//! Any text as a file name, against an oracle from the docs. The body and what it checks: `blazeauth_fuzz_entry::file_name`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::file_name(data));
