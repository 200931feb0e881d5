//! Golden tests against the documentation: every curl example of the two seed
//! pages (applications, licenses) is built by the SDK and compared (method,
//! path, decoded query, headers, JSON body as JSON), and every response
//! example decodes to the documented values.
//!
//! The examples are read from the seed pages themselves
//! (`tests/fixtures/seed-*.txt`, copies of the public documentation), not
//! retyped, so a test fails if the SDK drifts from the documented text.

mod common;

use blazeauth_core::api::*;
use blazeauth_core::http::{Method, Response};
use blazeauth_core::parse_query;
use blazeauth_core::{
    ApplicationId, Endpoint, LicenseDuration, LicenseId, LicenseSearchCategory, TableSearch,
    build_request, decode_response,
};

const APPLICATIONS: &str = include_str!("fixtures/seed-applications.txt");
const LICENSES: &str = include_str!("fixtures/seed-licenses.txt");

/// A request as a curl example in the docs writes it.
#[derive(Debug)]
struct CurlExample {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<serde_json::Value>,
}

/// Extracts every `curl "URL" [-X M] [-H "h"]... [-d 'json']` from a page.
fn curl_examples(page: &str) -> Vec<CurlExample> {
    let mut examples = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("curl \"") {
        rest = &rest[start + 6..];
        let end = rest.find('"').unwrap();
        let url = rest[..end].to_owned();
        rest = &rest[end + 1..];
        let mut method = Method::GET;
        let mut headers = Vec::new();
        let mut body = None;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\\');
            if let Some(after) = rest.strip_prefix("-X ") {
                let end = after.find(char::is_whitespace).unwrap();
                method = after[..end].parse().unwrap();
                rest = &after[end..];
            } else if let Some(after) = rest.strip_prefix("-H \"") {
                let end = after.find('"').unwrap();
                let (name, value) = after[..end].split_once(": ").unwrap();
                headers.push((name.to_ascii_lowercase(), value.to_owned()));
                rest = &after[end + 1..];
            } else if let Some(after) = rest.strip_prefix("-d '") {
                let end = after.find('\'').unwrap();
                body = Some(serde_json::from_str(&after[..end]).unwrap());
                rest = &after[end + 1..];
            } else {
                break;
            }
        }
        examples.push(CurlExample {
            method,
            url,
            headers,
            body,
        });
    }
    examples
}

/// Every top-level JSON object in a page that starts with a `"success"` key.
fn response_examples(page: &str) -> Vec<serde_json::Value> {
    let mut examples = Vec::new();
    let bytes = page.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{' && page[i + 1..].trim_start().starts_with("\"success\"") {
            let mut depth = 0;
            let mut end = i;
            for (j, b) in bytes.iter().enumerate().skip(i) {
                match b {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            examples.push(serde_json::from_str(&page[i..=end]).unwrap());
            i = end + 1;
        } else {
            i += 1;
        }
    }
    examples
}

fn app() -> ApplicationId {
    "123456789".parse().unwrap()
}

fn days(n: u64) -> LicenseDuration {
    LicenseDuration::from_days(n).unwrap()
}

fn assert_same<E: Endpoint>(endpoint: &E, example: &CurlExample) {
    let request = build_request(&common::config(), endpoint).unwrap();
    let expected_uri: blazeauth_core::http::Uri = example.url.parse().unwrap();
    assert_eq!(request.method(), example.method, "{}", example.url);
    assert_eq!(request.uri().scheme_str(), expected_uri.scheme_str());
    assert_eq!(request.uri().host(), expected_uri.host());
    assert_eq!(request.uri().path(), expected_uri.path());
    let query = |q: Option<&str>| {
        let mut pairs = parse_query(q.unwrap_or("")).unwrap();
        pairs.sort();
        pairs
    };
    assert_eq!(
        query(request.uri().query()),
        query(expected_uri.query()),
        "{}",
        example.url
    );
    for (name, value) in &example.headers {
        let value = value.replace("$BLAZEAUTH_MANAGEMENT_API_KEY", common::KEY);
        assert_eq!(
            request.headers()[name.as_str()],
            value.as_str(),
            "header {name}"
        );
    }
    match &example.body {
        Some(body) => {
            let sent: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
            assert_eq!(&sent, body, "{}", example.url);
            assert_eq!(request.headers()["content-type"], "application/json");
        }
        None => {
            assert!(request.body().is_empty());
            assert!(request.headers().get("content-type").is_none());
        }
    }
}

#[test]
fn every_curl_example_is_built_identically() {
    let examples: Vec<_> = curl_examples(APPLICATIONS)
        .into_iter()
        .chain(curl_examples(LICENSES))
        .collect();
    assert_eq!(
        examples.len(),
        13,
        "the two seed pages hold 13 curl examples"
    );
    let spec = |mask: &str, comment: &str, d: u64| {
        LicenseSpec::new(mask, ["pro"], days(d))
            .comment(comment)
            .client_id("client-001")
            .ip_address("203.0.113.10")
            .requires_client_id(true)
    };
    // One row per example, in page order.
    type Check = Box<dyn Fn(&CurlExample)>;
    let checks: Vec<Check> = vec![
        Box::new(|e| assert_same(&GetApplications, e)),
        Box::new(|e| assert_same(&CreateApplication::new("Desktop Client"), e)),
        Box::new(|e| assert_same(&CreateLicenseLevels::new(app(), ["basic", "pro"]), e)),
        Box::new(|e| assert_same(&GetLicenseLevels::new(app()), e)),
        Box::new(|e| {
            let change = SettingChange::Status(AppStatusSetting::Paused);
            assert_same(&UpdateApplicationSettings::new(app(), change), e)
        }),
        Box::new(|e| assert_same(&RotateRuntimeKey::new(app(), RuntimeKeyType::SocketKey), e)),
        Box::new(|e| assert_same(&GetApplicationSettings::new(app()), e)),
        Box::new(|e| assert_same(&DeleteApplication::new(app()), e)),
        Box::new(|e| assert_same(&GetLicensesMetadata::new(app()), e)),
        Box::new(|e| assert_same(&GetLicensesTable::new(app()), e)),
        Box::new(move |e| {
            assert_same(
                &CreateLicenses::new(app(), spec("PREMIUM-******", "batch import", 30), 2),
                e,
            )
        }),
        Box::new(move |e| {
            let license: LicenseId = "7001".parse().unwrap();
            assert_same(
                &EditLicense::new(app(), license, spec("ABCDEF-123456", "renewed seat", 60)),
                e,
            )
        }),
        Box::new(|e| {
            let action = LicenseAction::Extend {
                license_id: "7001".parse().unwrap(),
                duration: days(30),
            };
            assert_same(&RunLicenseAction::new(app(), action), e)
        }),
    ];
    assert_eq!(checks.len(), examples.len());
    for (check, example) in checks.iter().zip(&examples) {
        check(example);
    }
}

#[test]
fn the_documented_license_search_is_sent_as_search_params() {
    // seed-licenses.txt: searchParams {"searchString": "ABCDEF", "categories": ["License", "IPv4", "Client id"]}
    let documented: serde_json::Value = {
        let start = LICENSES.find("{\n  \"searchString\"").unwrap();
        let end = start + LICENSES[start..].find('}').unwrap();
        serde_json::from_str(&LICENSES[start..=end]).unwrap()
    };
    let search = TableSearch::new("ABCDEF")
        .category(LicenseSearchCategory::License)
        .category(LicenseSearchCategory::Ipv4)
        .category(LicenseSearchCategory::ClientId);
    let request = build_request(
        &common::config(),
        &GetLicensesTable::new(app()).search(search),
    )
    .unwrap();
    let pairs = parse_query(request.uri().query().unwrap()).unwrap();
    let sent = &pairs
        .iter()
        .find(|(name, _)| name == "searchParams")
        .unwrap()
        .1;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(sent).unwrap(),
        documented
    );
}

fn decode<E: Endpoint>(endpoint: &E, example: &serde_json::Value) -> E::Output {
    let response = Response::new(serde_json::to_vec(example).unwrap());
    match decode_response(endpoint, response) {
        Ok(output) => output,
        Err(e) => panic!("{example} does not decode: {e}"),
    }
}

#[test]
fn every_response_example_decodes() {
    let examples: Vec<_> = response_examples(APPLICATIONS)
        .into_iter()
        .chain(response_examples(LICENSES))
        .collect();
    assert_eq!(
        examples.len(),
        13,
        "the two seed pages hold 13 response examples"
    );
    let mut decoded = 0;
    for example in &examples {
        let message = example["message"].as_str().unwrap();
        match message {
            "Successfully fetched applications" => {
                let apps = decode(&GetApplications, example);
                assert_eq!(apps.len(), 1);
                assert_eq!(apps[0].id.as_str(), "123456789");
                assert_eq!(apps[0].name, "Desktop Client");
                let keys = apps[0].runtime_keys.as_ref().unwrap();
                assert_eq!(
                    keys.socket_key.as_ref().unwrap().expose_secret(),
                    "sock_example_key"
                );
                assert_eq!(
                    keys.http_key.as_ref().unwrap().expose_secret(),
                    "http_example_key"
                );
                assert_eq!(
                    keys.updated_at
                        .as_ref()
                        .and_then(blazeauth_core::Timestamp::original_text)
                        .as_deref(),
                    Some("2026-05-12T09:00:00.000Z")
                );
                assert!(
                    !format!("{apps:?}").contains("sock_example_key"),
                    "runtime keys redacted in Debug"
                );
            }
            "Successfully create application" => {
                assert_eq!(
                    decode(&CreateApplication::new("Desktop Client"), example).message,
                    message
                )
            }
            "License levels save successfully" => {
                assert_eq!(
                    decode(&CreateLicenseLevels::new(app(), ["a"]), example).message,
                    message
                )
            }
            "Successfully fetched application license levels" => {
                assert_eq!(
                    decode(&GetLicenseLevels::new(app()), example),
                    ["basic", "pro"]
                )
            }
            "Successfully update application settings" => {
                let change = SettingChange::Version("1.2.0".into());
                assert_eq!(
                    decode(&UpdateApplicationSettings::new(app(), change), example).message,
                    message
                )
            }
            "Successfully update api key" => {
                let rotate = RotateRuntimeKey::new(app(), RuntimeKeyType::HttpKey);
                assert_eq!(decode(&rotate, example).message, message)
            }
            "Successfully fetched application settings" => {
                let settings = decode(&GetApplicationSettings::new(app()), example);
                assert!(settings.license_requires_client_id);
                assert!(!settings.user_requires_client_id);
                assert!(settings.user_requires_license);
                assert_eq!(settings.version.as_deref(), Some("1.2.0"));
                assert_eq!(settings.status, ApplicationStatus::Online);
            }
            "Application deleted successfully" => {
                assert_eq!(
                    decode(&DeleteApplication::new(app()), example).message,
                    message
                )
            }
            "Successfully fetched licenses metadata" => {
                let m = decode(&GetLicensesMetadata::new(app()), example);
                assert_eq!(
                    (
                        m.total_licenses,
                        m.available_licenses,
                        m.paused_licenses,
                        m.active_licenses,
                        m.expired_licenses,
                        m.blacklisted_licenses
                    ),
                    (120, 30, 5, 80, 3, 2)
                );
            }
            "Successfully fetched licenses table" => {
                let page = decode(&GetLicensesTable::new(app()), example);
                assert_eq!(page.total_pages, 3);
                let row = &page.rows[0];
                assert_eq!(row.id.as_str(), "7001");
                assert_eq!(row.license, "ABCDEF-123456");
                assert_eq!(row.client_id.as_deref(), Some("client-001"));
                assert_eq!(row.ip_address.as_deref(), Some("203.0.113.10"));
                assert_eq!(row.paused_at, None);
                assert_eq!(
                    row.created_at
                        .as_ref()
                        .and_then(blazeauth_core::Timestamp::original_text)
                        .as_deref(),
                    Some("2026-05-12T09:00:00.000Z")
                );
                assert_eq!(
                    row.expires_at
                        .as_ref()
                        .and_then(blazeauth_core::Timestamp::original_text)
                        .as_deref(),
                    Some("2026-06-11T09:00:00.000Z")
                );
                assert_eq!(
                    row.application_id.as_ref().map(ApplicationId::as_str),
                    Some("123456789")
                );
                assert_eq!(row.comment.as_deref(), Some("main seat"));
                let settings = row.settings.as_ref().unwrap();
                assert_eq!(settings.requires_client_id, Some(true));
                assert_eq!(settings.levels, ["pro"]);
                assert_eq!(settings.duration_seconds, Some(2_592_000));
                assert_eq!(settings.duration(), Some(days(30)));
                assert_eq!(settings.status, Some(LicenseStatus::Activated));
                assert_eq!(
                    row.user.as_ref().unwrap().login.as_deref(),
                    Some("john@example.com")
                );
            }
            "Successfully created licenses." => {
                let spec = LicenseSpec::new("PREMIUM-******", ["pro"], days(30));
                assert_eq!(
                    decode(&CreateLicenses::new(app(), spec, 2), example),
                    ["PREMIUM-A1B2C3", "PREMIUM-D4E5F6"]
                );
            }
            "Successfully updated license." => {
                let spec = LicenseSpec::new("ABCDEF-123456", ["pro"], days(60));
                let edit =
                    EditLicense::new(app(), blazeauth_core::LicenseId::new("7001").unwrap(), spec);
                assert_eq!(decode(&edit, example).message, message);
            }
            "Action completed successfully." => {
                let action = RunLicenseAction::new(app(), LicenseAction::PauseEveryLicense);
                assert_eq!(decode(&action, example).message, message);
            }
            other => panic!("no decoder for the example with message {other:?}"),
        }
        decoded += 1;
    }
    assert_eq!(decoded, 13);
}

#[test]
fn the_overview_error_example_decodes_as_an_api_error() {
    let overview = include_str!("fixtures/seed-overview.txt");
    let example = response_examples(overview)
        .into_iter()
        .find(|e| e["success"] == false)
        .unwrap();
    let response = Response::builder()
        .status(403)
        .body(serde_json::to_vec(&example).unwrap())
        .unwrap();
    let err = decode_response(&GetApplications, response).unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(
        api.code(),
        Some(&blazeauth_core::ApiErrorCode::InsufficientScope)
    );
    assert_eq!(api.message(), "Insufficient API key scope.");
    assert_eq!(
        api.required_scope(),
        Some(blazeauth_core::Scope::ApplicationsRead)
    );
    assert!(err.to_string().contains("applications:read"), "{err}");
}
