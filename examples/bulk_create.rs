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
//! default 10,000) and never injects anything.
//!
//! The bar is drawn on stderr by `indicatif` when stderr is a terminal (it
//! stays hidden in CI logs).

use std::error::Error;
use std::time::Instant;

use blazeauth_core::api::{BulkCreateError, CreateLicenseLevels, LicenseSpec};
use blazeauth_core::{ApplicationId, Client, KEY_ENV_VAR, LicenseDuration, Transport};
use blazeauth_emulator::{Emulator, Fault, FaultRule};
use indicatif::{ProgressBar, ProgressStyle};

fn main() -> Result<(), Box<dyn Error>> {
    let count: u64 = std::env::var("COUNT").map_or(Ok(10_000), |c| c.parse())?;
    if std::env::var_os(KEY_ENV_VAR).is_some() {
        let client = blazeauth_ureq::client_from_env()?;
        let app: ApplicationId = std::env::var("BLAZEAUTH_APPLICATION_ID")?.parse()?;
        return create(&client, &app, count).map(|_| ()).map_err(report);
    }
    println!("{KEY_ENV_VAR} is not set: running against the in-process emulator.");
    let emulator = Emulator::new();
    let client = emulator.client();
    let app = emulator.create_application("Bulk demo app")?;
    client.send(&CreateLicenseLevels::new(&app, ["pro"]))?;
    let keys = create(&client, &app, count).map_err(report)?;
    println!("Created {} licenses, e.g. {}.", keys.len(), keys[0]);

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
    match create(&client, &app, 1_000) {
        Ok(_) => Err("the injected fault should have stopped the run".into()),
        Err(error) => {
            print!("{}", describe(&error));
            Ok(())
        }
    }
}

/// Creates `count` licenses in batches of 256, with a bar.
fn create<T: Transport>(
    client: &Client<T>,
    app: &ApplicationId,
    count: u64,
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
    let result = client.create_licenses_bulk_with_progress(app, spec, count, |progress| {
        bar.set_position(progress.created);
    });
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
    if let Some(unknown) = error.unknown_batch {
        text.push_str(&format!(
            "  unknown: {unknown} (a batch whose outcome is unknown; check the licenses table before creating more)\n"
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
