//! The SDK's validation and the emulator's, written apart, agree: requests are
//! generated on both sides of every documented limit (names, levels, masks,
//! texts, counts, durations, searches). What the SDK accepts, the emulator
//! accepts (the SDK never sends what the docs refuse); what the SDK refuses,
//! sent raw, the emulator refuses with a validation error (the SDK refuses
//! nothing the docs allow). A drift in either side fails here.
//!
//! Legitimate differences, left out of the generators and named here:
//! - durations whose total is over `100y364d23h59m59s` although each part is
//!   within its maximum (`100y365d`): the SDK refuses them because their
//!   largest-first form would break a per-part maximum; the emulator takes the
//!   documented per-part maxima at their word and accepts them;
//! - search categories other than the three documented: the SDK lets them
//!   through (forward compatibility), the emulator refuses what it cannot search;
//! - URLs over the HTTP length limit: the SDK refuses them, the in-process
//!   emulator has no URL limit (its HTTP server does).

use blazeauth_core::api::{
    CreateApplication, CreateLicenseLevels, CreateLicenses, GetLicensesTable, LicenseSpec,
};
use blazeauth_core::{
    ApplicationId, Config, Endpoint, LicenseDuration, LicenseSearch, LicenseSearchCategory,
    build_request,
};
use blazeauth_emulator::{Emulator, IN_PROCESS_BASE_URL};
use proptest::prelude::*;
use serde_json::{Value, json};

struct Setup {
    emulator: Emulator,
    config: Config,
    app: ApplicationId,
}

fn setup() -> Setup {
    let emulator = Emulator::builder().seed(5).build();
    let app = emulator.create_application("Agreement app").expect("app");
    let config = Config::builder(emulator.admin_key())
        .base_url(IN_PROCESS_BASE_URL)
        .allow_insecure_http(true)
        .build()
        .expect("config");
    Setup {
        emulator,
        config,
        app,
    }
}

/// The emulator's verdict on a request: `Ok` for success, `Err(code)` otherwise.
fn verdict(emulator: &Emulator, request: http::Request<Vec<u8>>) -> Result<(), String> {
    let answer = emulator.handle(request);
    if answer.status().is_success() {
        return Ok(());
    }
    let body: Value = serde_json::from_slice(answer.body()).unwrap_or(Value::Null);
    Err(format!(
        "{} {}: {}",
        answer.status(),
        body["code"],
        body["message"]
    ))
}

/// A raw POST with `body`, authorized like the SDK's requests.
fn raw(s: &Setup, path: &str, body: &Value) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method("POST")
        .uri(format!(
            "{IN_PROCESS_BASE_URL}/api/v1/panel/{path}?applicationId={}",
            s.app.as_str()
        ))
        .header(
            "authorization",
            format!("Bearer {}", s.emulator.admin_key().expose_secret()),
        )
        .body(body.to_string().into_bytes())
        .expect("request")
}

/// Checks one case: `endpoint` as the SDK builds it, or `fallback` sent raw
/// when the SDK refuses it.
fn agree(
    s: &Setup,
    endpoint: &impl Endpoint,
    path: &str,
    fallback: &Value,
) -> Result<(), TestCaseError> {
    match build_request(&s.config, endpoint) {
        Ok(request) => {
            let verdict = verdict(&s.emulator, request);
            prop_assert!(
                verdict.is_ok(),
                "the SDK sent {path} {fallback} and the emulator refused it: {verdict:?}"
            );
        }
        Err(sdk) => {
            let verdict = verdict(&s.emulator, raw(s, path, fallback));
            let refused = verdict
                .as_ref()
                .err()
                .is_some_and(|e| e.starts_with("400") && e.contains("validation_error"));
            prop_assert!(
                refused,
                "the SDK refused {path} {fallback} ({sdk}) but the emulator answered {verdict:?}"
            );
        }
    }
    Ok(())
}

/// Text of `0..=max` characters, ASCII or not, sometimes padded with spaces.
fn text(max: usize) -> impl Strategy<Value = String> {
    (0..=max, prop::bool::ANY, 0..3usize).prop_map(|(n, ascii, pad)| {
        let body: String = (0..n)
            .map(|i| match (ascii, i % 3) {
                (true, _) => char::from(b'a' + (i % 26) as u8),
                (false, 0) => 'é',
                (false, 1) => '字',
                (false, _) => 'x',
            })
            .collect();
        let pad = " ".repeat(pad);
        format!("{pad}{body}{pad}")
    })
}

/// Duration strings: valid parts in order, and every way of being invalid.
fn duration() -> impl Strategy<Value = String> {
    let unit = prop::sample::select(vec!['y', 'w', 'd', 'h', 'm', 's', 'D', 'x']);
    let part = (0u64..400, unit).prop_map(|(n, u)| format!("{n}{u}"));
    prop_oneof![
        4 => (0u64..=100, 0u64..=52, 0u64..=365, 0u64..=23, 0u64..=59, 0u64..=59, any::<u8>())
            .prop_map(|(y, w, d, h, m, s, mask)| {
                let mut out = String::new();
                for (i, (n, u)) in [(y, 'y'), (w, 'w'), (d, 'd'), (h, 'h'), (m, 'm'), (s, 's')].into_iter().enumerate() {
                    if mask & (1 << i) != 0 {
                        out.push_str(&format!("{n}{u}"));
                    }
                }
                out
            }),
        2 => prop::collection::vec(part, 0..4).prop_map(|parts| parts.concat()),
        1 => prop::sample::select(vec!["30".to_owned(), "1h30".to_owned(), "d".to_owned(), "1.5h".to_owned(), " 1d".to_owned(), "-1d".to_owned()]),
    ]
    // The one legitimate difference (see the module docs).
    .prop_filter("totals past the SDK's maximum", |text| {
        !matches!(
            text.parse::<LicenseDuration>(),
            Err(blazeauth_core::DurationError::TooLong)
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn application_names(name in text(36)) {
        let s = setup();
        agree(&s, &CreateApplication::new(name.clone()), "create-application", &json!({"name": name}))?;
    }

    #[test]
    fn license_levels(levels in prop::collection::vec(
        prop_oneof![text(18), Just("pro".to_owned()), Just(" pro ".to_owned())], 0..4)
    ) {
        let s = setup();
        let endpoint = CreateLicenseLevels::new(s.app.clone(), levels.clone());
        agree(&s, &endpoint, "create-application-license-levels", &json!({"levels": levels}))?;
    }

    #[test]
    fn license_bodies(
        prefix in text(62),
        stars in 0usize..8,
        comment in proptest::option::of(text(66)),
        client_id in proptest::option::of(text(66)),
        count in prop_oneof![0u32..=3, 250u32..=260],
        levels in prop::collection::vec(prop_oneof![Just("pro".to_owned()), text(5)], 0..3),
        duration in duration(),
    ) {
        let s = setup();
        // Enough stars for the keys to be unique whenever the mask is long enough.
        let mask = format!("{prefix}{}", "*".repeat(stars.max(if prefix.chars().count() + stars >= 6 { 5 } else { 0 })));
        let fallback = json!({
            "count": count,
            "license": mask,
            "comment": comment,
            "clientId": client_id,
            "licensesSettings": {"levels": levels, "durationSeconds": duration, "requiresClientId": false},
        });
        match duration.parse::<LicenseDuration>() {
            Ok(parsed) => {
                let mut spec = LicenseSpec::new(mask.clone(), levels.clone(), parsed);
                if let Some(comment) = &comment {
                    spec = spec.comment(comment.clone());
                }
                if let Some(client_id) = &client_id {
                    spec = spec.client_id(client_id.clone());
                }
                agree(&s, &CreateLicenses::new(s.app.clone(), spec, u64::from(count)), "create-licenses", &fallback)?;
            }
            Err(_) => {
                // The SDK cannot even build the request: the emulator must refuse it raw.
                let verdict = verdict(&s.emulator, raw(&s, "create-licenses", &fallback));
                prop_assert!(
                    verdict.as_ref().err().is_some_and(|e| e.starts_with("400")),
                    "duration {duration:?} refused by the SDK, answered {verdict:?}"
                );
            }
        }
    }

    #[test]
    fn table_searches(
        search in text(80),
        categories in prop::collection::vec(prop::sample::select(vec![
            LicenseSearchCategory::License, LicenseSearchCategory::Ipv4, LicenseSearchCategory::ClientId,
        ]), 0..3),
    ) {
        let s = setup();
        let mut query = LicenseSearch::new(search);
        for category in categories {
            query = query.category(category);
        }
        let endpoint = GetLicensesTable::new(s.app.clone()).search(query);
        let request = build_request(&s.config, &endpoint).expect("searches this short are valid");
        let verdict = verdict(&s.emulator, request);
        prop_assert!(verdict.is_ok(), "{verdict:?}");
    }
}
