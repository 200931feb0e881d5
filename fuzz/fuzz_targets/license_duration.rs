//! Parsing any text as a license duration never panics, and whatever parses
//! prints a canonical form that parses back to the same value.
#![no_main]

use blazeauth_core::LicenseDuration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(duration) = text.parse::<LicenseDuration>() {
        let canonical = duration.to_string();
        assert_eq!(canonical.parse::<LicenseDuration>(), Ok(duration));
        assert_eq!(LicenseDuration::from_secs(duration.as_secs()), Ok(duration));
    }
    let _ = serde_json::from_str::<LicenseDuration>(text);
});
