//! Any sequence of requests (any method, a known or arbitrary path, any query,
//! key and body) through the emulator's handler never panics, always answers a
//! JSON envelope, and keeps the license counters consistent with the table.
#![no_main]

use blazeauth_core::api::GetLicensesMetadata;
use blazeauth_emulator::Emulator;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

const METHODS: [&str; 6] = ["GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS"];

fn request(
    u: &mut Unstructured<'_>,
    emulator: &Emulator,
    app: &str,
) -> Result<http::Request<Vec<u8>>> {
    let routes = blazeauth_emulator::served_routes();
    let method = *u.choose(&METHODS)?;
    let path = if u.ratio(7, 8)? {
        u.choose(&routes)?.1.clone()
    } else {
        format!("/{}", u.arbitrary::<&str>()?)
    };
    let query = if u.ratio(3, 4)? {
        format!("applicationId={app}&{}", u.arbitrary::<&str>()?)
    } else {
        u.arbitrary::<String>()?
    };
    let authorization = match u.int_in_range(0..=2)? {
        0 => format!("Bearer {}", emulator.admin_key().expose_secret()),
        1 => format!("Bearer {}", u.arbitrary::<&str>()?),
        _ => String::new(),
    };
    let body: Vec<u8> = u.arbitrary()?;
    let mut builder = http::Request::builder().method(method);
    if let Ok(uri) = format!("http://emulator.invalid{path}?{query}").parse::<http::Uri>() {
        builder = builder.uri(uri);
    }
    if let Ok(value) = http::HeaderValue::from_str(&authorization) {
        builder = builder.header("authorization", value);
    }
    Ok(builder.body(body).unwrap_or_default())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let emulator = Emulator::new();
    let app = emulator.create_application("Fuzzed Application").unwrap();
    for _ in 0..8 {
        let Ok(request) = request(&mut u, &emulator, app.as_str()) else { break };
        let response = emulator.handle(request);
        let envelope: serde_json::Value = serde_json::from_slice(response.body()).expect("a JSON answer");
        assert!(envelope["success"].is_boolean(), "{envelope}");
        assert_eq!(envelope["success"] == true, response.status().is_success());
    }
    if let Ok(counts) = emulator.client().send(&GetLicensesMetadata::new(app.clone())) {
        let listed = emulator.licenses(&app).len() as u64;
        assert_eq!(counts.total_licenses, listed);
        assert_eq!(
            counts.available_licenses + counts.paused_licenses + counts.active_licenses
                + counts.expired_licenses + counts.blacklisted_licenses,
            counts.total_licenses
        );
    }
});
