//! The seed corpora, built from the documentation's own examples: the three
//! original pages (`core/tests/fixtures/seed-*.txt`) and the contract
//! (`core/tests/fixtures/API.md`). Every request and response example, every
//! envelope, date, duration, key, URL and search encoding they show becomes a
//! seed of the target that reads it.
//!
//! The files live in `fuzz/seeds/<target>/`; the replay test checks that
//! they are exactly what [`seeds`] builds (`UPDATE_SEEDS=1 cargo test -p
//! blazeauth-fuzz-entry` rewrites them). Targets whose input is driven
//! through `arbitrary::Unstructured` (the state machines) get byte patterns
//! instead: there is no documented example of an answer sequence.

const APPLICATIONS: &str = include_str!("../../core/tests/fixtures/seed-applications.txt");
const LICENSES: &str = include_str!("../../core/tests/fixtures/seed-licenses.txt");
const OVERVIEW: &str = include_str!("../../core/tests/fixtures/seed-overview.txt");
const API: &str = include_str!("../../core/tests/fixtures/API.md");

/// One seed file: its target, its file name, its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// The target (a folder of `fuzz/seeds/`).
    pub target: &'static str,
    /// The file's name.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

fn pages() -> [(&'static str, &'static str); 3] {
    [
        ("applications", APPLICATIONS),
        ("licenses", LICENSES),
        ("overview", OVERVIEW),
    ]
}

/// Every seed of every target.
pub fn seeds() -> Vec<Seed> {
    let mut out = Vec::new();
    let mut add = |target: &'static str, name: String, bytes: Vec<u8>| {
        out.push(Seed {
            target,
            name,
            bytes,
        });
    };

    // Responses: every `{"success": ...}` object of the pages, and every
    // envelope quoted in API.md, with the status its `success` implies.
    for (page, text) in pages() {
        for (i, json) in json_objects(text).into_iter().enumerate() {
            add(
                "decode_response",
                format!("{page}-{i:02}"),
                with_status(&json),
            );
        }
    }
    for (i, quoted) in backticked(API)
        .into_iter()
        .filter(|q| q.starts_with("{\"success\""))
        .enumerate()
    {
        add(
            "decode_response",
            format!("api-md-{i:02}"),
            with_status(quoted),
        );
    }
    // Legacy and partial shapes the contract describes in words.
    for (name, body) in [
        (
            "table-total-pages",
            r#"{"success":true,"message":"ok","data":[],"totalPages":0}"#,
        ),
        (
            "created-licenses",
            r#"{"success":true,"message":"ok","createdLicenses":["K-1"]}"#,
        ),
        (
            "presigned-url",
            r#"{"success":true,"message":"Get presigned url successfully","presignedUrl":"https://storage.invalid/u?sig=1"}"#,
        ),
        (
            "sessions",
            r#"{"success":true,"message":"ok","total":1,"filteredTotal":1,"page":1,"pageSize":10,"authorizedSessionCount":0,"items":[]}"#,
        ),
        ("no-data", r#"{"success":true,"message":"Done"}"#),
        (
            "rate-limited",
            r#"{"success":false,"code":"rate_limited","message":"Too many requests"}"#,
        ),
    ] {
        add(
            "decode_response",
            format!("shape-{name}"),
            with_status(body),
        );
    }

    // Durations written in API.md and the pages.
    let mut durations: Vec<String> = backticked(API)
        .into_iter()
        .filter(|t| is_duration(t))
        .map(str::to_owned)
        .collect();
    for (_, text) in pages() {
        durations.extend(
            quoted_values(text, "duration")
                .into_iter()
                .filter(|t| is_duration(t)),
        );
    }
    durations.sort();
    durations.dedup();
    for d in durations {
        add("license_duration", d.clone(), d.into_bytes());
    }

    // Search: the documented `searchParams` encoding, its JSON, and the
    // sessions' flat parameters.
    for quoted in backticked(API)
        .into_iter()
        .filter(|q| q.starts_with("searchParams="))
    {
        add(
            "query_and_search",
            "search-params".into(),
            quoted.as_bytes().to_vec(),
        );
    }
    add(
        "query_and_search",
        "search-json".into(),
        br#"{"searchString":"john","categories":["Login"]}"#.to_vec(),
    );
    add(
        "query_and_search",
        "sessions-flat".into(),
        b"searchString=john&categories=license&categories=ip&page=1&pageSize=10".to_vec(),
    );

    // Keys: the documented example and the format's boundaries.
    let mut keys: Vec<&str> = backticked(API)
        .into_iter()
        .filter(|k| k.starts_with("blz_mgmt_bak_"))
        .collect();
    keys.dedup();
    for (i, key) in keys.iter().enumerate() {
        add(
            "management_key",
            format!("documented-{i}"),
            key.as_bytes().to_vec(),
        );
        let short = &key[..key.len() - 1];
        add(
            "management_key",
            format!("documented-{i}-short"),
            short.as_bytes().to_vec(),
        );
    }

    // Base URLs: the production host, and the emulator's.
    for (i, url) in backticked(API)
        .into_iter()
        .filter(|u| u.starts_with("http"))
        .enumerate()
    {
        add("base_url", format!("api-md-{i}"), url.as_bytes().to_vec());
    }
    for (name, url) in [
        ("loopback", "http://127.0.0.1:8787"),
        ("localhost-prefix", "http://localhost:8787/prefix/"),
        ("ipv6-loopback", "http://[::1]:8787"),
        ("remote-http", "http://api.blazeauth.net"),
    ] {
        add("base_url", name.into(), url.as_bytes().to_vec());
    }

    // Dates: every ISO 8601 date of the pages and API.md, and milliseconds.
    let mut dates = Vec::new();
    for text in [APPLICATIONS, LICENSES, OVERVIEW, API] {
        dates.extend(iso_dates(text));
    }
    dates.sort();
    dates.dedup();
    for date in dates {
        add("timestamp", date.replace(':', "-"), date.into_bytes());
    }
    add(
        "timestamp",
        "millis-2026".into(),
        1_778_576_400_000i64.to_le_bytes().to_vec(),
    );

    // File names: the rule's boundaries.
    for name in [
        "my-app v2",
        "Setup",
        "abc",
        "sixteen-chars-ok",
        "a  b c",
        "app.exe",
        " pad ",
    ] {
        add(
            "file_name",
            name.trim().replace(' ', "_").replace('.', "-"),
            name.as_bytes().to_vec(),
        );
    }

    // The emulator: every curl example of the pages as a request.
    for (page, text) in pages() {
        for (i, request) in curl_requests(text).into_iter().enumerate() {
            add(
                "emulator_handler",
                format!("{page}-{i:02}"),
                request.into_bytes(),
            );
        }
    }
    let all: Vec<String> = curl_requests(APPLICATIONS)
        .into_iter()
        .chain(curl_requests(LICENSES))
        .collect();
    add(
        "emulator_handler",
        "all-in-one".into(),
        all.join("\n--\n").into_bytes(),
    );

    // The machines: byte patterns.
    for target in ["call_machine", "bulk", "pager"] {
        for (name, bytes) in patterns() {
            add(target, name.into(), bytes);
        }
    }
    out
}

fn patterns() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("zeros", vec![0; 256]),
        ("ones", vec![1; 256]),
        ("high", vec![0xff; 256]),
        ("ascending", (0..=255).collect()),
        (
            "alternating",
            (0..256)
                .map(|i| if i % 2 == 0 { 0x10 } else { 0xc0 })
                .collect(),
        ),
    ]
}

/// A decode_response input: a status (200 for `"success": true`, 400
/// otherwise) and the body.
fn with_status(body: &str) -> Vec<u8> {
    let ok = body.contains("\"success\": true") || body.contains("\"success\":true");
    let status: u16 = if ok { 200 } else { 400 };
    // The entry reads `100 + n % 500`.
    let mut bytes = (status - 100).to_le_bytes().to_vec();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// Every top-level JSON object of `page` that starts with `"success"`.
fn json_objects(page: &str) -> Vec<String> {
    let bytes = page.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{' && page[i + 1..].trim_start().starts_with("\"success\"") {
            let mut depth = 0;
            let mut in_string = false;
            let mut escaped = false;
            for (j, &b) in bytes.iter().enumerate().skip(i) {
                match (in_string, escaped, b) {
                    (true, true, _) => escaped = false,
                    (true, false, b'\\') => escaped = true,
                    (true, false, b'"') => in_string = false,
                    (true, false, _) => {}
                    (false, _, b'"') => in_string = true,
                    (false, _, b'{') => depth += 1,
                    (false, _, b'}') => {
                        depth -= 1;
                        if depth == 0 {
                            out.push(page[i..=j].to_owned());
                            i = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        i += 1;
    }
    out
}

/// The texts between single backticks.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The string values of `"field": "..."` in `text`.
fn quoted_values(text: &str, field: &str) -> Vec<String> {
    let needle = format!("\"{field}\"");
    text.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = text[at + needle.len()..]
                .trim_start()
                .strip_prefix(':')?
                .trim_start();
            let rest = rest.strip_prefix('"')?;
            Some(rest[..rest.find('"')?].to_owned())
        })
        .collect()
}

fn is_duration(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "smhdwy".contains(c))
        && text.starts_with(|c: char| c.is_ascii_digit())
        && text.ends_with(|c: char| "smhdwy".contains(c))
}

/// `YYYY-MM-DDTHH:MM:SS(.fff)Z` dates in `text`.
fn iso_dates(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (i, w) in bytes.windows(20).enumerate() {
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        if digits(0..4)
            && w[4] == b'-'
            && digits(5..7)
            && w[7] == b'-'
            && digits(8..10)
            && w[10] == b'T'
        {
            let end = text[i..].find('Z').map(|z| i + z + 1);
            if let Some(end) = end.filter(|e| e - i <= 30) {
                out.push(text[i..end].to_owned());
            }
        }
    }
    out
}

/// Every `curl "URL" [-X M] [-H "h"]... [-d 'json']` of a page, as an
/// emulator_handler request: the method and target (the documented
/// application id replaced by `{app}`), the admin key, the body.
fn curl_requests(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("curl \"") {
        rest = &rest[start + 6..];
        let Some(end) = rest.find('"') else { break };
        let url = &rest[..end];
        rest = &rest[end + 1..];
        let mut method = "GET";
        let mut body = "";
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\\');
            if let Some(after) = rest.strip_prefix("-X ") {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                method = &after[..end];
                rest = &after[end..];
            } else if let Some(after) = rest.strip_prefix("-H \"") {
                rest = after.find('"').map_or("", |e| &after[e + 1..]);
            } else if let Some(after) = rest.strip_prefix("-d '") {
                let end = after.find('\'').unwrap_or(after.len());
                body = &after[..end];
                rest = after.get(end + 1..).unwrap_or("");
            } else {
                break;
            }
        }
        let target = url
            .trim_start_matches("https://api.blazeauth.net")
            .replace("123456789", "{app}");
        let body = body.replace("\"123456789\"", "\"{app}\"");
        out.push(format!("{method} {target}\nadmin\n{body}"));
    }
    out
}
