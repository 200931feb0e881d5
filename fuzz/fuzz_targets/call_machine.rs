//! One call with its retries under any answers: nothing resent after an unknown outcome. The body and what it checks: `blazeauth_fuzz_entry::call_machine`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blazeauth_fuzz_entry::call_machine(data));
