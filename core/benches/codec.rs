//! `cargo bench -p blazeauth-core --bench codec`: the SDK's request building and
//! response decoding against hand-written baselines, in the same run.
//!
//! - decode: a 50-row licenses table page through `decode_response` (envelope,
//!   lenient ids, error classification) against `serde_json::from_slice` into a
//!   plain `#[derive(Deserialize)]` mirror of the same JSON.
//! - build: a `create-licenses` request through `build_request` (validation,
//!   URL, headers, body) against `http::Request::builder` with `format!` and
//!   `serde_json::to_vec` of a `json!` value.
//!
//! Rounds alternate between the two sides; the median round is reported with
//! the ratio SDK / baseline (1.00 = as fast as the baseline; higher is slower).

use std::hint::black_box;
use std::time::Instant;

use blazeauth_core::api::{CreateLicenses, GetLicensesTable, LicenseSpec};
use blazeauth_core::http::{Request, Response};
use blazeauth_core::{
    ApplicationId, Config, LicenseDuration, ManagementKey, build_request, decode_response,
};

const ROUNDS: usize = 9;

/// Nanoseconds per call of `f`, median of `ROUNDS` rounds of `iterations` calls,
/// alternating with `g` so both see the same machine state.
fn compare(name: &str, iterations: u32, mut sdk: impl FnMut(), mut baseline: impl FnMut()) {
    let mut sdk_ns = Vec::with_capacity(ROUNDS);
    let mut base_ns = Vec::with_capacity(ROUNDS);
    for _ in 0..iterations / 10 {
        sdk();
        baseline();
    }
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..iterations {
            sdk();
        }
        sdk_ns.push(start.elapsed().as_nanos() as f64 / f64::from(iterations));
        let start = Instant::now();
        for _ in 0..iterations {
            baseline();
        }
        base_ns.push(start.elapsed().as_nanos() as f64 / f64::from(iterations));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (s, b) = (median(&mut sdk_ns), median(&mut base_ns));
    println!(
        "{name:<28} sdk {s:>10.0} ns/op ({:>9.0}/s)   baseline {b:>10.0} ns/op ({:>9.0}/s)   ratio {:.3}",
        1e9 / s,
        1e9 / b,
        s / b
    );
}

fn table_page(rows: usize) -> Vec<u8> {
    let rows: Vec<_> = (0..rows)
        .map(|i| {
            serde_json::json!({
                "id": format!("{}", 7_000_000_000_000_000_000u64 + i as u64),
                "license": format!("PREMIUM-{i:06}"),
                "clientId": if i % 2 == 0 { serde_json::Value::Null } else { format!("client-{i}").into() },
                "ipAddress": "203.0.113.10",
                "pausedAt": null,
                "createdAt": "2026-05-12T09:00:00.000Z",
                "expiresAt": "2026-06-11T09:00:00.000Z",
                "applicationId": "123456789",
                "comment": "batch import",
                "applicationLicenseSettings": {"requiresClientId": true, "levels": ["pro"], "durationSeconds": 2592000, "status": "activated"},
                "applicationUsers": {"login": "john@example.com"}
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "success": true, "message": "Successfully fetched licenses table", "data": rows, "totalPages": 3
    }))
    .unwrap()
}

mod raw {
    //! The hand-written mirror a user would write without the SDK.
    #![allow(dead_code)]
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Table {
        pub success: bool,
        pub message: Option<String>,
        pub data: Vec<Row>,
        pub total_pages: u64,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Row {
        pub id: String,
        pub license: String,
        pub client_id: Option<String>,
        pub ip_address: Option<String>,
        pub paused_at: Option<String>,
        pub created_at: Option<String>,
        pub expires_at: Option<String>,
        pub application_id: Option<String>,
        pub comment: Option<String>,
        pub application_license_settings: Option<Settings>,
        pub application_users: Option<User>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Settings {
        pub requires_client_id: Option<bool>,
        pub levels: Vec<String>,
        pub duration_seconds: Option<u64>,
        pub status: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct User {
        pub login: Option<String>,
    }
}

fn main() {
    let key = "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";
    let config = Config::new(ManagementKey::parse(key).unwrap());
    let app: ApplicationId = "123456789".parse().unwrap();
    println!("blazeauth-core codec benchmark (median of {ROUNDS} alternating rounds)");

    let body = table_page(50);
    let table = GetLicensesTable::new(app.clone());
    compare(
        "decode table page (50 rows)",
        2_000,
        || {
            let response = Response::new(body.clone());
            black_box(decode_response(&table, black_box(response)).unwrap());
        },
        || {
            let response = Response::new(body.clone());
            let page: raw::Table = serde_json::from_slice(black_box(response.body())).unwrap();
            black_box(page);
        },
    );

    let spec = LicenseSpec::new(
        "PREMIUM-******",
        ["pro"],
        LicenseDuration::from_days(30).unwrap(),
    )
    .comment("batch import")
    .client_id("client-001")
    .ip_address("203.0.113.10")
    .requires_client_id(true);
    let create = CreateLicenses::new(app, spec, 2);
    let authorization = format!("Bearer {key}");
    compare(
        "build create-licenses",
        50_000,
        || {
            black_box(build_request(&config, black_box(&create)).unwrap());
        },
        || {
            let body = serde_json::to_vec(&serde_json::json!({
                "count": 2, "license": "PREMIUM-******", "comment": "batch import", "clientId": "client-001",
                "ipAddress": "203.0.113.10",
                "licensesSettings": {"levels": ["pro"], "durationSeconds": "30d", "requiresClientId": true}
            }))
            .unwrap();
            let request = Request::builder()
                .method("POST")
                .uri(format!(
                    "https://api.blazeauth.net/api/v1/panel/create-licenses?applicationId={}",
                    "123456789"
                ))
                .header("authorization", &authorization)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("user-agent", "blazeauth-rs/0.1.0")
                .body(body)
                .unwrap();
            black_box(request);
        },
    );
}
