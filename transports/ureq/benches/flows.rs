//! Benchmark: whole flows at the speed of the network. Exporting every
//! license of an application (10,000 at 50 rows a page: 200 pages) and
//! bulk-creating 10,000 licenses (40 batches of at most 256), against the
//! emulator served over HTTP on 127.0.0.1 with 50 ms of latency injected on
//! every request (`Fault::Delay`, answered by the server's async timer, so
//! requests in flight wait together as they would on a real network).
//!
//! Each flow runs sequentially (`Client::pages(..).rows()`,
//! `Client::create_licenses_bulk`), then through `Parallel` with 1, 2, 4 and 8
//! workers. For each run it prints the wall time, the speed-up over the
//! sequential run of the same flow (target: at least 6× with 8 workers), and
//! how far the heap rose above where it started, at its peak (counted by the
//! `peak_alloc` global allocator). The export only counts its rows: they
//! stream, so its peak stays flat whatever the table's size (for scale, the
//! bench also prints what holding every row at once takes); the bulk creation
//! returns its 10,000 keys.
//!
//! The emulator runs in a child process (this same binary, started with
//! `BLAZEAUTH_FLOWS_SERVER=1`), so the memory figures are the client's alone;
//! it exits when this process closes its stdin.
//!
//! `cargo bench -p blazeauth-ureq --bench flows` (about a minute).
//! `FLOWS_LICENSES` (default 10000), `FLOWS_PAGE_ROWS` (default 50) and
//! `FLOWS_LATENCY_MS` (default 50) change the table's size, its pages and the
//! latency.
//!
//! `FLOWS_SLOW_READER_MS=n` runs only a memory scenario instead: an export
//! with 8 workers whose reader spends `n` ms on each page, so the workers
//! run ahead and fill their window. After each page it samples the
//! process's resident memory (`VmRSS`), the live heap, and how many pages
//! are held (answered by the server, not yet read to their end), and prints
//! the start, the peak and the end of each. E.g. large pages:
//! `FLOWS_SLOW_READER_MS=100 FLOWS_LICENSES=200000 FLOWS_PAGE_ROWS=20000 FLOWS_LATENCY_MS=0`.

#![allow(clippy::print_stdout)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use blazeauth_core::api::{CreateLicenseLevels, GetLicensesTable, LicenseSpec};
use blazeauth_core::{
    ApplicationId, Client, Config, LicenseDuration, ManagementKey, Transport, TransportError,
};
use blazeauth_emulator::{Emulator, Fault, FaultRule};
use blazeauth_ureq::{Parallel, UreqTransport};
use peak_alloc::PeakAlloc;

type BoxError = Box<dyn std::error::Error>;

const SERVER_ENV: &str = "BLAZEAUTH_FLOWS_SERVER";
const WORKERS: [usize; 4] = [1, 2, 4, 8];

/// Counts the heap in use and its peak (the bench's own code may not use
/// `unsafe`, which a global allocator needs).
#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// Runs `f`, returning its result, its wall time and how far the heap rose
/// above what it held before, at its peak (bytes).
fn measured<T>(f: impl FnOnce() -> T) -> (T, Duration, usize) {
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let started = Instant::now();
    let value = f();
    let elapsed = started.elapsed();
    (value, elapsed, HEAP.peak_usage().saturating_sub(before))
}

fn env_number(name: &str, default: u64) -> Result<u64, BoxError> {
    Ok(std::env::var(name).map_or(Ok(default), |v| v.parse())?)
}

fn spec() -> Result<LicenseSpec, BoxError> {
    Ok(LicenseSpec::new(
        "FLOW-****-****",
        ["pro"],
        LicenseDuration::from_days(30)?,
    ))
}

/// The child: the emulator with the table to export, served with latency.
fn serve(licenses: u64, page_rows: usize, latency: Duration) -> Result<(), BoxError> {
    let emulator = Emulator::builder().seed(5).page_size(page_rows).build();
    let export = emulator.create_application("Export")?;
    let create = emulator.create_application("Create")?;
    let local = emulator.client();
    for app in [&export, &create] {
        local.send(&CreateLicenseLevels::new(app, ["pro"]))?;
    }
    local
        .create_licenses_bulk(&export, spec()?, licenses)
        .map_err(|e| e.to_string())?;
    let server = emulator.serve()?;
    emulator.inject(FaultRule::new(Fault::Delay(latency)));
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} {} {} {}",
        server.base_url(),
        server.admin_key().expose_secret(),
        export,
        create
    )?;
    out.flush()?;
    drop(out);
    // Serve until the parent closes our stdin (or dies).
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    server.shutdown();
    Ok(())
}

struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn row(label: &str, elapsed: Duration, baseline: Duration, peak: usize) {
    println!(
        "  {label:<12} {:>8.2} s   {:>5.2}× sequential   peak heap +{:.0} KiB",
        elapsed.as_secs_f64(),
        baseline.as_secs_f64() / elapsed.as_secs_f64(),
        peak as f64 / 1024.0
    );
}

fn main() -> Result<(), BoxError> {
    let licenses = env_number("FLOWS_LICENSES", 10_000)?;
    let page_rows = usize::try_from(env_number("FLOWS_PAGE_ROWS", 50)?)?;
    let latency = Duration::from_millis(env_number("FLOWS_LATENCY_MS", 50)?);
    if std::env::var_os(SERVER_ENV).is_some() {
        return serve(licenses, page_rows, latency);
    }
    let mut child = Command::new(std::env::current_exe()?)
        .env(SERVER_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let _server = ServerProcess(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(base_url), Some(key), Some(export), Some(create)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("the emulator process did not start: {line:?}").into());
    };
    let config = Config::builder(ManagementKey::parse(key)?)
        .base_url(base_url)
        .build()?;
    let export: ApplicationId = export.parse()?;
    let create: ApplicationId = create.parse()?;
    if let Ok(ms) = std::env::var("FLOWS_SLOW_READER_MS") {
        let per_page = Duration::from_millis(ms.parse()?);
        return slow_reader(config, &export, licenses, page_rows, per_page);
    }
    let client: Client<UreqTransport> = blazeauth_ureq::client(config);
    let pages = licenses.div_ceil(page_rows as u64);
    let batches = licenses.div_ceil(256);
    println!(
        "flows: {licenses} licenses, {page_rows} rows a page ({pages} pages), batches of 256 ({batches}), {} ms latency per request",
        latency.as_millis()
    );

    // One request first, so the first measured run does not pay for the
    // connection and the client's first-use allocations.
    client.send(&GetLicensesTable::new(&export))?;
    println!("export (rows streamed and counted, in page order)");
    let (count, sequential, peak) = measured(|| {
        client
            .pages(GetLicensesTable::new(&export))
            .rows()
            .try_fold(0u64, |n, row| row.map(|_| n + 1))
    });
    if count? != licenses {
        return Err("the sequential export missed rows".into());
    }
    row("sequential", sequential, sequential, peak);
    let (rows, _, held) = measured(|| {
        client
            .pages(GetLicensesTable::new(&export))
            .rows()
            .collect::<Result<Vec<_>, _>>()
    });
    drop(rows?);
    println!(
        "  (every row held at once instead: peak heap +{:.0} KiB)",
        held as f64 / 1024.0
    );
    for workers in WORKERS {
        let parallel = Parallel::new(&client, workers)?;
        let (count, elapsed, peak) = measured(|| {
            parallel.rows(GetLicensesTable::new(&export), |rows| {
                rows.try_fold(0u64, |n, row| row.map(|_| n + 1))
            })
        });
        if count? != licenses {
            return Err(format!("the export with {workers} workers missed rows").into());
        }
        row(&format!("{workers} workers"), elapsed, sequential, peak);
    }

    println!("bulk creation (every key returned)");
    let (keys, sequential, peak) =
        measured(|| client.create_licenses_bulk(&create, spec().expect("spec"), licenses));
    if keys.map_err(|e| e.to_string())?.len() as u64 != licenses {
        return Err("the sequential bulk creation missed keys".into());
    }
    row("sequential", sequential, sequential, peak);
    for workers in WORKERS {
        let parallel = Parallel::new(&client, workers)?;
        let spec = spec()?;
        let (keys, elapsed, peak) =
            measured(|| parallel.create_licenses_bulk(&create, spec, licenses));
        if keys.map_err(|e| e.to_string())?.len() as u64 != licenses {
            return Err(format!("the bulk creation with {workers} workers missed keys").into());
        }
        row(&format!("{workers} workers"), elapsed, sequential, peak);
    }
    Ok(())
}

/// Counts the pages the server answered, around the real transport.
#[derive(Clone)]
struct Counting {
    inner: UreqTransport,
    answered: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Transport for Counting {
    type Error = TransportError;

    fn send(
        &self,
        request: blazeauth_core::http::Request<Vec<u8>>,
    ) -> Result<blazeauth_core::http::Response<Vec<u8>>, TransportError> {
        let response = self.inner.send(request);
        self.answered
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        response
    }

    fn max_parallel_requests(&self) -> Option<usize> {
        self.inner.max_parallel_requests()
    }
}

/// The process's resident memory in bytes (`VmRSS`; 0 where there is no /proc).
fn resident() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        })
        .unwrap_or(0)
}

/// The memory scenario: see the module docs.
fn slow_reader(
    config: Config,
    export: &ApplicationId,
    licenses: u64,
    page_rows: usize,
    per_page: Duration,
) -> Result<(), BoxError> {
    const WORKERS: usize = 8;
    let counting = Counting {
        inner: UreqTransport::new(),
        answered: std::sync::Arc::default(),
    };
    let client = Client::new(config, counting.clone());
    let pages = licenses.div_ceil(page_rows as u64);
    client.send(&GetLicensesTable::new(export))?;
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    let (rss_start, heap_start) = (resident(), HEAP.current_usage() as u64);
    counting
        .answered
        .store(0, std::sync::atomic::Ordering::SeqCst);
    HEAP.reset_peak_usage();
    println!(
        "slow reader: {licenses} licenses, {page_rows} rows a page ({pages} pages), {WORKERS} workers, {} ms a page",
        per_page.as_millis()
    );
    let parallel = Parallel::new(&client, WORKERS)?;
    let (mut rss_peak, mut held_peak) = (rss_start, 0u64);
    let started = Instant::now();
    let rows = parallel.rows(GetLicensesTable::new(export), |rows| {
        let mut n = 0u64;
        for row in rows {
            row?;
            n += 1;
            if n % page_rows as u64 == 1 {
                // The first row of page `n / page_rows + 1`: the pages
                // before it were read to their end.
                let read = n / page_rows as u64;
                let answered = counting.answered.load(std::sync::atomic::Ordering::SeqCst);
                held_peak = held_peak.max(answered.saturating_sub(read));
                rss_peak = rss_peak.max(resident());
                std::thread::sleep(per_page);
            }
        }
        Ok::<_, blazeauth_core::Error>(n)
    })?;
    if rows != licenses {
        return Err("the export missed rows".into());
    }
    println!(
        "  {:.2} s; pages held at most {held_peak} (workers + 1 = {})",
        started.elapsed().as_secs_f64(),
        WORKERS + 1
    );
    println!(
        "  resident: {:.0} MiB at the start, {:.0} MiB at the peak, {:.0} MiB at the end",
        mib(rss_start),
        mib(rss_peak),
        mib(resident())
    );
    println!(
        "  live heap: {:.0} MiB at the start, {:.0} MiB at the peak, {:.0} MiB at the end",
        mib(heap_start),
        mib(HEAP.peak_usage() as u64),
        mib(HEAP.current_usage() as u64)
    );
    Ok(())
}
