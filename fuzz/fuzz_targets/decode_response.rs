//! Decoding any status and body through every typed route's decoder never
//! panics, and a failure always keeps the raw bytes.
#![no_main]

use blazeauth_core::api::*;
use blazeauth_core::http::Response;
use blazeauth_core::{ApplicationId, Endpoint, Error, RawRequest, decode_response};
use libfuzzer_sys::fuzz_target;

fn check<E: Endpoint>(endpoint: &E, status: u16, body: &[u8]) {
    let Ok(response) = Response::builder().status(status).body(body.to_vec()) else {
        return;
    };
    if let Err(Error::Decode(e)) = decode_response(endpoint, response) {
        // A decode error keeps the body; a route's missing field is reported
        // after a successful parse and keeps it too.
        assert_eq!(e.body(), body);
        let _ = e.to_string();
    }
}

fuzz_target!(|input: (u16, &[u8])| {
    let (status, body) = input;
    let status = 100 + status % 500;
    let app: ApplicationId = 1u64.into();
    check(&GetApplications, status, body);
    check(&GetApplicationSettings::new(app.clone()), status, body);
    check(&GetLicensesTable::new(app.clone()), status, body);
    check(&GetLicensesMetadata::new(app.clone()), status, body);
    check(&CreateLicenses::new(app.clone(), LicenseSpec::new("ABCDEF", ["p"], blazeauth_core::LicenseDuration::MIN), 1), status, body);
    check(&RawRequest::get("/x"), status, body);
});
