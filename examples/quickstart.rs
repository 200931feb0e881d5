//! Quickstart: create an application, give it license levels, mint licenses,
//! list them page by page, pause one and extend another, then clean up.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With `BLAZEAUTH_MANAGEMENT_API_KEY` set it talks to Blazeauth over HTTPS
//! (or to `BLAZEAUTH_BASE_URL`, e.g. `http://127.0.0.1:8787` for
//! `cargo run -p blazeauth-emulator -- --port 8787`). Without it, it runs
//! against the in-process emulator and touches no account.
//!
//! The key needs the scopes `applications:create|read|update|delete` and
//! `licenses:create|read|update`, with access to all applications. The
//! application it creates is deleted at the end.

use std::error::Error;
use std::process::ExitCode;

use blazeauth_core::api::{
    CreateApplication, CreateLicenseLevels, DeleteApplication, GetApplications,
    GetLicensesMetadata, GetLicensesTable, LicenseAction, LicenseSpec, RunLicenseAction,
};
use blazeauth_core::{ApplicationId, Client, KEY_ENV_VAR, LicenseDuration, Transport};

const APP_NAME: &str = "Quickstart Demo";
const LICENSES: u64 = 25;

fn main() -> ExitCode {
    match quickstart() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn quickstart() -> Result<(), Box<dyn Error>> {
    if std::env::var_os(KEY_ENV_VAR).is_some() {
        let client = blazeauth_ureq::client_from_env()?;
        println!(
            "Running against {} (key {}).",
            client.config().base_url(),
            client.config().key()
        );
        run(&client)
    } else {
        println!(
            "{KEY_ENV_VAR} is not set: running against the in-process emulator (no account touched)."
        );
        let emulator = blazeauth_emulator::Emulator::new();
        run(&emulator.client())
    }
}

fn run<T: Transport>(client: &Client<T>) -> Result<(), Box<dyn Error>> {
    client.send(&CreateApplication::new(APP_NAME))?;
    // create-application answers with a message only: find the new id by name.
    let app = client
        .send(&GetApplications)?
        .into_iter()
        .filter(|app| app.name == APP_NAME)
        .map(|app| app.id)
        .max() // ids order numerically: the newest is the largest
        .ok_or("the new application is not listed")?;
    println!("Created application {APP_NAME:?} with id {app}.");

    let result = manage_licenses(client, &app);
    client.send(&DeleteApplication::new(&app))?;
    println!("Deleted application {app} and everything it owned.");
    result
}

fn manage_licenses<T: Transport>(
    client: &Client<T>,
    app: &ApplicationId,
) -> Result<(), Box<dyn Error>> {
    client.send(&CreateLicenseLevels::new(app, ["basic", "pro"]))?;
    println!("Set license levels: basic, pro.");

    let month: LicenseDuration = "30d".parse()?;
    let spec = LicenseSpec::new("DEMO-****-****", ["pro"], month).comment("quickstart");
    let keys = client.create_licenses_bulk(app, spec, LICENSES)?;
    if let [first, .., last] = keys.as_slice() {
        println!("Created {} licenses, e.g. {first} and {last}.", keys.len());
    }

    let mut rows = Vec::new();
    for page in client.pages(GetLicensesTable::new(app)) {
        let page = page?;
        println!(
            "  page {}/{}: {} licenses",
            page.page,
            page.total_pages,
            page.rows.len()
        );
        rows.extend(page.rows);
    }
    println!("Listed {} licenses.", rows.len());

    let [first, second, ..] = rows.as_slice() else {
        return Err("the table should list the licenses just created".into());
    };
    client.send(&RunLicenseAction::new(app, LicenseAction::pause(&first.id)))?;
    println!("Paused {}.", first.license);
    let extend = LicenseAction::extend(&second.id, "1w".parse()?);
    client.send(&RunLicenseAction::new(app, extend))?;
    println!("Extended {} by a week.", second.license);

    let counts = client.send(&GetLicensesMetadata::new(app))?;
    println!(
        "Now: {} licenses, {} available, {} paused, {} active, {} expired, {} blacklisted.",
        counts.total_licenses,
        counts.available_licenses,
        counts.paused_licenses,
        counts.active_licenses,
        counts.expired_licenses,
        counts.blacklisted_licenses
    );
    Ok(())
}
