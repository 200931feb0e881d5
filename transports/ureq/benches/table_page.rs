//! Benchmark: one page of the licenses table (50 rows) over real HTTP on
//! 127.0.0.1, fetched through the SDK (`client.send(&GetLicensesTable)`) and
//! through hand-written ureq + serde_json (an agent with the transport's
//! settings, the same headers, a local `#[derive(Deserialize)]` mirror of the
//! rows). Rounds alternate between the two sides to spread noise evenly; each
//! section prints both rates and the ratio SDK / hand-written (target ≥ 0.98: within 2%).
//!
//! Two servers, in the same run:
//!
//! 1. **the emulator** (`Emulator::serve`), the real thing end to end;
//! 2. **a replay server**: a minimal std::net server answering every request
//!    with the exact bytes the emulator produced for that page (status,
//!    headers, body) in one write, so the figures measure the client side
//!    (request building, I/O, decoding) rather than the server.
//!
//! `cargo bench -p blazeauth-ureq --bench table_page`. `BENCH_REQUESTS` caps
//! the requests per side and section (default 4000); each section also stops
//! after about 8 s. Besides the overall rates it prints the median of the
//! per-round ratios, which shrugs off a burst of load on the machine.

#![allow(clippy::print_stdout)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use blazeauth_core::api::{
    CreateLicenseLevels, CreateLicenses, GetLicensesTable, LicenseSpec, MAX_LICENSES_PER_REQUEST,
};
use blazeauth_core::{
    ApplicationId, Client, Config, LicenseDuration, Transport, USER_AGENT, build_request,
};
use blazeauth_emulator::Emulator;
use blazeauth_ureq::{DEFAULT_BODY_LIMIT, UreqTransport};
use serde::Deserialize;

type BoxError = Box<dyn std::error::Error>;

const ROWS: usize = 50;
const PER_ROUND: usize = 50;
const SECTION_BUDGET: Duration = Duration::from_secs(8);

/// What a hand-written client would decode: the envelope and the rows.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct TablePage {
    success: bool,
    message: Option<String>,
    data: Vec<Row>,
    total_pages: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Row {
    id: String,
    license: String,
    client_id: Option<String>,
    ip_address: Option<String>,
    paused_at: Option<String>,
    created_at: Option<String>,
    expires_at: Option<String>,
    application_id: Option<String>,
    comment: Option<String>,
    application_license_settings: Option<Settings>,
    application_users: Option<User>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Settings {
    requires_client_id: Option<bool>,
    #[serde(default)]
    levels: Vec<String>,
    duration_seconds: Option<u64>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct User {
    login: Option<String>,
}

fn main() -> Result<(), BoxError> {
    let max_requests: usize = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4000);

    let emulator = Emulator::builder().page_size(ROWS).build();
    let server = emulator.serve()?;
    let config = Config::builder(emulator.admin_key())
        .base_url(server.base_url())
        .build()?;
    let client = blazeauth_ureq::client(config.clone());
    let app = setup(&emulator, &client)?;

    // 1. Against the emulator.
    let measured = measure(&client, &config, &app, max_requests)?;
    report("emulator (Emulator::serve)", &measured);
    println!(
        "  TCP connections accepted by the emulator: {} (one per agent)",
        server.connections_accepted()
    );

    // 2. Against a replay of the emulator's exact answer.
    let page = client
        .transport()
        .send(build_request(&config, &GetLicensesTable::new(app.clone()))?)?;
    let replay = Replay::start(&page)?;
    let replay_config = Config::builder(emulator.admin_key())
        .base_url(replay.base_url())
        .build()?;
    let replay_client = blazeauth_ureq::client(replay_config.clone());
    let measured = measure(&replay_client, &replay_config, &app, max_requests)?;
    report(
        &format!(
            "replay server (the emulator's {}-byte answer, one write)",
            page.body().len()
        ),
        &measured,
    );
    server.shutdown();
    Ok(())
}

/// An application with more than two pages of licenses.
fn setup(emulator: &Emulator, client: &Client<UreqTransport>) -> Result<ApplicationId, BoxError> {
    let app = emulator.create_application("Benchmark app")?;
    client.send(&CreateLicenseLevels::new(app.clone(), ["basic", "pro"]))?;
    let spec = LicenseSpec::new(
        "BENCH-****-****",
        ["basic"],
        LicenseDuration::from_days(30)?,
    )
    .comment("benchmark");
    let count = (2 * ROWS as u32 + 10).min(MAX_LICENSES_PER_REQUEST);
    client.send(&CreateLicenses::new(app.clone(), spec, u64::from(count)))?;
    Ok(app)
}

#[derive(Debug, Clone, Copy, Default)]
struct Rate {
    requests: usize,
    elapsed: Duration,
}

/// Both sides' totals, and the ratio SDK / hand-written of each round.
struct Measured {
    sdk: Rate,
    raw: Rate,
    round_ratios: Vec<f64>,
}

impl Measured {
    fn median_round_ratio(&self) -> f64 {
        let mut ratios = self.round_ratios.clone();
        ratios.sort_by(f64::total_cmp);
        ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN)
    }
}

impl Rate {
    fn per_second(self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// Alternating rounds of the SDK and the hand-written client against the
/// server `config` points at, until `max_requests` per side or the time budget.
fn measure(
    client: &Client<UreqTransport>,
    config: &Config,
    app: &ApplicationId,
    max_requests: usize,
) -> Result<Measured, BoxError> {
    let endpoint = GetLicensesTable::new(app.clone()).page(1);
    let sdk = || -> Result<usize, BoxError> { Ok(client.send(&endpoint)?.rows.len()) };

    // The hand-written side: its own agent, set up as the transport's is
    // (statuses as answers, no redirects, the same timeouts).
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(blazeauth_ureq::DEFAULT_TIMEOUT))
        .timeout_connect(Some(blazeauth_ureq::DEFAULT_CONNECT_TIMEOUT))
        .max_idle_connections_per_host(3)
        .build()
        .into();
    let url = format!(
        "{}/api/v1/panel/get-licenses-table?applicationId={}&currentPage=1",
        config.base_url(),
        app.as_str()
    );
    let authorization = format!("Bearer {}", config.key().expose_secret());
    let raw = || -> Result<usize, BoxError> {
        let mut response = agent
            .get(&url)
            .header("authorization", &authorization)
            .header("user-agent", USER_AGENT)
            .header("accept", "application/json")
            .call()?;
        let mut bytes = Vec::new();
        response
            .body_mut()
            .with_config()
            .limit(DEFAULT_BODY_LIMIT)
            .reader()
            .read_to_end(&mut bytes)?;
        let page: TablePage = serde_json::from_slice(&bytes)?;
        assert!(page.success && page.total_pages >= 1);
        Ok(page.data.len())
    };

    // Warm-up: connections opened, caches and allocator warm.
    for _ in 0..20 {
        assert_eq!(sdk()?, ROWS);
        assert_eq!(raw()?, ROWS);
    }

    let mut measured = Measured {
        sdk: Rate::default(),
        raw: Rate::default(),
        round_ratios: Vec::new(),
    };
    let start = Instant::now();
    let mut round = 0;
    while measured.sdk.requests < max_requests && start.elapsed() < SECTION_BUDGET {
        let n = PER_ROUND.min(max_requests - measured.sdk.requests);
        let mut times = [Duration::ZERO; 2];
        for side in [round % 2, 1 - round % 2] {
            let call: &dyn Fn() -> Result<usize, BoxError> = if side == 0 { &sdk } else { &raw };
            let began = Instant::now();
            for _ in 0..n {
                assert_eq!(call()?, ROWS);
            }
            times[side] = began.elapsed();
        }
        measured.sdk.elapsed += times[0];
        measured.raw.elapsed += times[1];
        measured.sdk.requests += n;
        measured.raw.requests += n;
        // Rate ratio of this round: raw time / SDK time.
        measured
            .round_ratios
            .push(times[1].as_secs_f64() / times[0].as_secs_f64());
        round += 1;
    }
    Ok(measured)
}

fn report(section: &str, measured: &Measured) {
    let (sdk, raw) = (measured.sdk, measured.raw);
    println!(
        "licenses table page ({ROWS} rows) from the {section}: {} requests per side in {} rounds",
        sdk.requests,
        measured.round_ratios.len()
    );
    println!("  SDK (client.send):       {:>9.0} req/s", sdk.per_second());
    println!("  hand-written ureq+serde: {:>9.0} req/s", raw.per_second());
    println!(
        "  ratio SDK/hand-written:  {:>9.3} overall, {:.3} median of rounds (target >= 0.98)",
        sdk.per_second() / raw.per_second(),
        measured.median_round_ratio()
    );
}

/// Answers every request on a connection with the same bytes, kept alive.
struct Replay {
    port: u16,
}

impl Replay {
    fn start(response: &blazeauth_core::http::Response<Vec<u8>>) -> Result<Self, BoxError> {
        let mut bytes = format!("HTTP/1.1 {}\r\n", response.status()).into_bytes();
        for (name, value) in response.headers() {
            bytes.extend_from_slice(name.as_str().as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(response.body());
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let bytes = bytes.clone();
                thread::spawn(move || answer(stream, &bytes));
            }
        });
        Ok(Self { port })
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Reads request heads (GETs: no body) and writes `bytes` for each.
fn answer(stream: TcpStream, bytes: &[u8]) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => {
                if writer.write_all(bytes).is_err() {
                    return;
                }
            }
            Ok(_) => {}
        }
    }
}
