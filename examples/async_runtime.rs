//! Embedding the SDK in another runtime: tokio and reqwest (async) drive the
//! core's sans-IO state machines ([`Call`], [`Pager`], [`BulkCreate`]) against
//! the emulator served over HTTP on loopback.
//!
//! ```sh
//! cargo run --example async_runtime
//! ```
//!
//! It lists applications, creates one, gives it license levels, creates 600
//! licenses in three batches, walks every page of the licenses table, and
//! checks the counts; then creates 2,000 more and reads the table again with
//! four requests in flight ([`BulkCreate::concurrency`], [`ParallelPager`],
//! a `JoinSet`). Two faults are injected so the retries are seen at work:
//! a 429 with `Retry-After: 1` on the first create-licenses batch (a refusal,
//! so even that mutation is retried, after exactly one second of
//! `tokio::time::sleep`) and a 503 on the first table page (a read: retried
//! after a backoff).
//!
//! Everything the blocking `Client` guarantees holds here too, because the
//! rules live in the machines: a mutation whose outcome is unknown is never
//! resent, attempts and waits are bounded, a failed bulk run reports what was
//! created. tokio and reqwest are dependencies of this examples crate only;
//! `blazeauth-core` and `blazeauth-ureq` never pull them in.

use std::error::Error;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

use blazeauth_core::api::{
    BulkCreate, CreateApplication, CreateLicenseLevels, GetApplications, GetLicensesTable,
    LicenseRow, LicenseSpec,
};
use blazeauth_core::http::{self, Request, Response};
use blazeauth_core::{
    Call, Config, Endpoint, LicenseDuration, Page, PagedEndpoint, Pager, ParallelPager,
    RequestTimeout, RetryPolicy, Step, TransportError, TransportErrorKind,
};
use blazeauth_emulator::{Emulator, Fault, FaultRule};
use tokio::task::JoinSet;

// ---- The glue: this section is the whole recipe for another runtime. ----

/// The transport: one exchange through reqwest. "Not sent" only when the
/// connection could not be opened; anything later may have reached the server.
async fn send(
    http: &reqwest::Client,
    request: Request<Vec<u8>>,
) -> Result<Response<Vec<u8>>, TransportError> {
    use TransportErrorKind::{Connect, Io, Timeout};
    let fail = |e: reqwest::Error| match e {
        e if e.is_connect() || e.is_builder() => TransportError::not_sent(Connect, e),
        e => TransportError::maybe_sent(if e.is_timeout() { Timeout } else { Io }, e),
    };
    // The call's timeout, or 30 s: a call must end.
    let timeout = request
        .extensions()
        .get::<RequestTimeout>()
        .map_or(Duration::from_secs(30), |t| t.0);
    let mut request = reqwest::Request::try_from(request).map_err(fail)?;
    *request.timeout_mut() = Some(timeout);
    let answer = http.execute(request).await.map_err(fail)?;
    let mut response = Response::new(Vec::new());
    *response.status_mut() = answer.status();
    *response.headers_mut() = answer.headers().clone();
    *response.body_mut() = answer.bytes().await.map_err(fail)?.to_vec();
    Ok(response)
}

/// One call with its retries: the core decides, tokio waits.
async fn drive<E: Endpoint>(
    http: &reqwest::Client,
    config: &Config,
    endpoint: &E,
) -> Result<E::Output, blazeauth_core::Error> {
    let mut call = Call::new(config, endpoint, RetryPolicy::new());
    loop {
        match call.poll() {
            Step::Send(request) => call.record(send(http, request).await, jitter()),
            Step::Wait(delay) => tokio::time::sleep(delay).await,
            Step::Done(result) => return result,
        }
    }
}

/// A random number in `[0, 1]` for the backoff, from std's random hasher keys.
fn jitter() -> f64 {
    (RandomState::new().hash_one(0u8) >> 11) as f64 / ((1u64 << 53) - 1) as f64
}

// ---- The program. ----

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let emulator = Emulator::new();
    let server = emulator.serve()?; // its own threads; answers on 127.0.0.1
    let config = Config::builder(server.admin_key())
        .base_url(server.base_url())
        .build()?;
    let http = reqwest::Client::new();
    println!("Emulator served at {}.", server.base_url());

    let apps = drive(&http, &config, &GetApplications).await?;
    println!("{} applications to start with.", apps.len());
    drive(&http, &config, &CreateApplication::new("Async Demo")).await?;
    let app = drive(&http, &config, &GetApplications)
        .await?
        .into_iter()
        .find(|app| app.name == "Async Demo")
        .ok_or("the new application is not listed")?
        .id;
    println!("Created application {app}.");
    let levels = CreateLicenseLevels::new(&app, ["basic", "pro"]);
    drive(&http, &config, &levels).await?;

    emulator.inject(
        FaultRule::new(Fault::RateLimited {
            retry_after: Duration::from_secs(1),
        })
        .on_path("/api/v1/panel/create-licenses")
        .times(1),
    );
    let started = Instant::now();
    let spec = LicenseSpec::new(
        "ASYNC-****-****",
        ["pro"],
        "30d".parse::<LicenseDuration>()?,
    );
    let mut bulk = BulkCreate::new(&app, spec, 600)?;
    while let Some(batch) = bulk.next_request() {
        bulk.record(drive(&http, &config, &batch).await);
    }
    let keys = bulk.finish()?;
    println!(
        "Created {} licenses in batches, {:.1}s including one 429 with Retry-After: 1.",
        keys.len(),
        started.elapsed().as_secs_f64()
    );

    emulator.inject(
        FaultRule::new(Fault::Status(http::StatusCode::SERVICE_UNAVAILABLE))
            .on_path("/api/v1/panel/get-licenses-table")
            .times(1),
    );
    let table = GetLicensesTable::new(&app);
    let (mut pager, mut rows) = (Pager::new(), 0usize);
    while let Some(number) = pager.next_page() {
        let page = drive(&http, &config, &table.with_page(number)).await?;
        if pager.record_page(&page)? {
            rows += page.rows.len();
        }
    }
    println!(
        "Walked {} pages: {rows} licenses (the first page was retried after a 503).",
        pager.pages_fetched()
    );

    if keys.len() != 600 || rows != 600 {
        return Err(format!(
            "expected 600 keys and 600 rows, got {} and {rows}",
            keys.len()
        )
        .into());
    }
    println!("All counts match.");

    // The same flows with several requests in flight: the same machines,
    // driven from a JoinSet. Batches and pages come back in any order; the
    // machines put them in order and keep every guarantee.
    let spec = LicenseSpec::new("PAR-****-****", ["pro"], "30d".parse::<LicenseDuration>()?);
    let mut bulk = BulkCreate::new(&app, spec, 2_000)?.concurrency(4);
    let mut tasks = JoinSet::new();
    loop {
        while let Some(batch) = bulk.next_batch() {
            let (http, config) = (http.clone(), config.clone());
            tasks.spawn(
                async move { (batch.index(), drive(&http, &config, batch.request()).await) },
            );
        }
        let Some(done) = tasks.join_next().await else {
            break;
        };
        let (index, result) = done?;
        bulk.record_batch(index, result);
    }
    let more = bulk.finish()?;
    let mut pager = ParallelPager::<Page<LicenseRow>>::new(1, 4);
    let mut tasks = JoinSet::new();
    let mut rows = 0;
    while !pager.is_drained() {
        while let Some(number) = pager.next_request() {
            let (http, config, page) = (http.clone(), config.clone(), table.with_page(number));
            tasks.spawn(async move { (number, drive(&http, &config, &page).await) });
        }
        while let Some(page) = pager.next_ready() {
            rows += page?.rows.len(); // in page order
        }
        if let Some(done) = tasks.join_next().await {
            let (number, result) = done?;
            pager.record(number, result);
        }
    }
    println!(
        "With 4 in flight: created {} more, then read {rows} rows.",
        more.len()
    );
    if more.len() != 2_000 || rows != 2_600 {
        return Err(format!(
            "expected 2000 keys and 2600 rows, got {} and {rows}",
            more.len()
        )
        .into());
    }
    Ok(())
}
