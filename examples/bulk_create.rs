//! Creating 10,000 licenses with a progress bar, and what a run that fails
//! part way reports.
//!
//! ```sh
//! cargo run --example bulk_create
//! ```
//!
//! Without `BLAZEAUTH_MANAGEMENT_API_KEY` it runs against the in-process
//! emulator, then runs a second, smaller batch with a `502` injected on its
//! third request to show the partial-failure report. With a key it creates
//! the licenses in `BLAZEAUTH_APPLICATION_ID` (`COUNT` sets how many,
//! default 10,000; `WORKERS` how many batches are in flight at once, default
//! 1) and never injects anything.
//!
//! Against the emulator it also creates them again with 4 batches in flight
//! (`blazeauth_ureq::Parallel`); against the real API that is opt-in, because
//! its rate limits are not published and 429s slow a concurrent run down.
//!
//! The bar is drawn on stderr by `indicatif` when stderr is a terminal (it
//! stays hidden in CI logs).

use std::error::Error;
use std::time::Instant;

use blazeauth_core::api::{BulkCreateError, BulkProgress, CreateLicenseLevels, LicenseSpec};
use blazeauth_core::{ApplicationId, Client, KEY_ENV_VAR, LicenseDuration, Transport};
use blazeauth_emulator::{Emulator, Fault, FaultRule};
use blazeauth_ureq::Parallel;
use indicatif::{ProgressBar, ProgressStyle};

fn main() -> Result<(), Box<dyn Error>> {
    let count: u64 = std::env::var("COUNT").map_or(Ok(10_000), |c| c.parse())?;
    if std::env::var_os(KEY_ENV_VAR).is_some() {
        let workers: usize = std::env::var("WORKERS").map_or(Ok(1), |w| w.parse())?;
        let client = blazeauth_ureq::client_from_env()?;
        let app: ApplicationId = std::env::var("BLAZEAUTH_APPLICATION_ID")?.parse()?;
        return create(&client, &app, count, workers)
            .map(|_| ())
            .map_err(report);
    }
    println!("{KEY_ENV_VAR} is not set: running against the in-process emulator.");
    let emulator = Emulator::new();
    let client = emulator.client();
    let app = emulator.create_application("Bulk demo app")?;
    client.send(&CreateLicenseLevels::new(&app, ["pro"]))?;
    let keys = create(&client, &app, count, 1).map_err(report)?;
    println!("Created {} licenses, e.g. {}.", keys.len(), keys[0]);
    let keys = create(&client, &app, count, 4).map_err(report)?;
    println!("Created {} more with 4 batches in flight.", keys.len());

    // The same run with the third batch answered by a gateway's 502: the
    // batch's outcome is unknown, so it is not resent, and the report says
    // exactly what exists.
    emulator.inject(
        FaultRule::new(Fault::Status(blazeauth_core::http::StatusCode::BAD_GATEWAY))
            .on_path("/api/v1/panel/create-licenses")
            .after(2)
            .times(1),
    );
    println!("\nAgain with a 502 injected on the third batch:");
    match create(&client, &app, 1_000, 1) {
        Ok(_) => Err("the injected fault should have stopped the run".into()),
        Err(error) => {
            print!("{}", describe(&error));
            Ok(())
        }
    }
}

/// Creates `count` licenses in batches of 256, with a bar.
fn create<T: Transport + Send + Sync>(
    client: &Client<T>,
    app: &ApplicationId,
    count: u64,
    workers: usize,
) -> Result<Vec<String>, Box<BulkCreateError>> {
    let bar = ProgressBar::new(count).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} licenses, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let spec = LicenseSpec::new(
        "BULK-****-****",
        ["pro"],
        LicenseDuration::from_days(30).expect("30 days is a valid duration"),
    )
    .comment("bulk_create example");
    let started = Instant::now();
    let on_progress = |progress: &BulkProgress| bar.set_position(progress.created);
    let result = if workers == 1 {
        client.create_licenses_bulk_with_progress(app, spec, count, on_progress)
    } else {
        let parallel = Parallel::new(client, workers)
            .map_err(|e| Box::new(BulkCreateError::not_started(count, e)))?;
        parallel.create_licenses_bulk_with_progress(app, spec, count, on_progress)
    };
    bar.finish_and_clear();
    if let Ok(keys) = &result {
        println!(
            "{} licenses in {:.1} s.",
            keys.len(),
            started.elapsed().as_secs_f64()
        );
    }
    result
}

/// What a failed run leaves behind, in words a person can act on.
fn describe(error: &BulkCreateError) -> String {
    let mut text = format!(
        "  created: {} (their keys are in the report, e.g. {:?})\n",
        error.created.len(),
        error.created.first()
    );
    for batch in &error.unknown {
        text.push_str(&format!(
            "  unknown: {} in batch {} (its outcome is unknown; check the licenses table before creating more)\n",
            batch.count, batch.index
        ));
    }
    text.push_str(&format!(
        "  not created: {} (safe to ask for again once the unknown ones are reconciled)\n  cause: {}\n",
        error.remaining, error.error
    ));
    text
}

fn report(error: Box<BulkCreateError>) -> Box<dyn Error> {
    eprint!("{}", describe(&error));
    error
}
