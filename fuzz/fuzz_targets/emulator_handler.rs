//! Any sequence of requests through the emulator's in-process handler. The body and what it checks: `blazeauth_fuzz_entry::emulator_handler`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::emulator_handler(data));
