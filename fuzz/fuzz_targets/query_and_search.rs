//! Query and search parsing never panics, and encoding then decoding any text
//! gives it back.
#![no_main]

use blazeauth_core::{append_pair, decode_component, parse_query};
use blazeauth_core::{LicenseSearch, SessionSearch, UserSearch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = parse_query(text);
    let _ = decode_component(text);
    let _ = LicenseSearch::from_json(text);
    let _ = UserSearch::from_query(text);
    let _ = SessionSearch::from_query(text);

    let mut query = String::new();
    append_pair(&mut query, "k", text);
    let pairs = parse_query(&query).unwrap();
    assert_eq!(pairs, [("k".to_owned(), text.to_owned())]);

    let search = LicenseSearch::new(text);
    let mut query = String::new();
    search.append_to_query(&mut query);
    assert_eq!(LicenseSearch::from_query(&query).unwrap(), Some(search));
});
