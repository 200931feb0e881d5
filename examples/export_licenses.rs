//! Exporting every license of an application to CSV.
//!
//! ```sh
//! cargo run --example export_licenses -- licenses.csv
//! ```
//!
//! The table is walked page by page (`client.pages(..).rows()`), each row
//! written as it arrives: memory stays flat whatever the table's size. Dates
//! are written as the server sent them and as Unix milliseconds (for sorting
//! in a spreadsheet).
//!
//! Without `BLAZEAUTH_MANAGEMENT_API_KEY` it runs against the in-process
//! emulator with 1,200 licenses made for the purpose; with a key it exports
//! `BLAZEAUTH_APPLICATION_ID`. The file defaults to `licenses.csv` in the
//! system's temporary directory.

use std::error::Error;
use std::path::PathBuf;

use blazeauth_core::api::{CreateLicenseLevels, GetLicensesTable, LicenseSpec};
use blazeauth_core::{ApplicationId, Client, KEY_ENV_VAR, LicenseDuration, Timestamp, Transport};
use blazeauth_emulator::Emulator;

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(|| std::env::temp_dir().join("licenses.csv"), PathBuf::from);
    let written = if std::env::var_os(KEY_ENV_VAR).is_some() {
        let client = blazeauth_ureq::client_from_env()?;
        let app: ApplicationId = std::env::var("BLAZEAUTH_APPLICATION_ID")?.parse()?;
        export(&client, &app, &path)?
    } else {
        println!("{KEY_ENV_VAR} is not set: exporting from the in-process emulator.");
        let emulator = Emulator::new();
        let client = emulator.client();
        let app = emulator.create_application("Export demo app")?;
        client.send(&CreateLicenseLevels::new(&app, ["basic", "pro"]))?;
        let spec = LicenseSpec::new("EXPORT-******", ["pro"], LicenseDuration::from_days(365)?);
        client.create_licenses_bulk(&app, spec, 1_200)?;
        let written = export(&client, &app, &path)?;
        // Check the file against the table: every license, once.
        let mut reader = csv::Reader::from_path(&path)?;
        let keys: std::collections::BTreeSet<String> = reader
            .records()
            .map(|record| record.map(|r| r[1].to_owned()))
            .collect::<Result<_, _>>()?;
        if keys.len() != 1_200 {
            return Err(format!("the CSV holds {} distinct licenses, not 1200", keys.len()).into());
        }
        written
    };
    println!("Wrote {written} licenses to {}.", path.display());
    Ok(())
}

/// Writes every license of `app` to `path`; returns how many.
fn export<T: Transport>(
    client: &Client<T>,
    app: &ApplicationId,
    path: &std::path::Path,
) -> Result<u64, Box<dyn Error>> {
    let mut csv = csv::Writer::from_path(path)?;
    csv.write_record([
        "id",
        "license",
        "status",
        "levels",
        "duration_seconds",
        "client_id",
        "ip_address",
        "user",
        "comment",
        "created_at",
        "expires_at",
        "expires_at_unix_ms",
        "paused_at",
    ])?;
    let date = |t: &Option<Timestamp>| {
        t.as_ref()
            .map(|t| t.as_str().into_owned())
            .unwrap_or_default()
    };
    let mut rows = client.pages(GetLicensesTable::new(app)).rows();
    for row in rows.by_ref() {
        let row = row?;
        let settings = row.settings.as_ref();
        csv.write_record([
            row.id.to_string(),
            row.license,
            settings
                .and_then(|s| s.status.as_ref())
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            settings.map(|s| s.levels.join(" ")).unwrap_or_default(),
            settings
                .and_then(|s| s.duration_seconds)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            row.client_id.unwrap_or_default(),
            row.ip_address.unwrap_or_default(),
            row.user.and_then(|u| u.login).unwrap_or_default(),
            row.comment.unwrap_or_default(),
            date(&row.created_at),
            date(&row.expires_at),
            row.expires_at
                .as_ref()
                .map(|t| t.unix_millis().to_string())
                .unwrap_or_default(),
            date(&row.paused_at),
        ])?;
    }
    csv.flush()?;
    let progress = rows.progress();
    println!(
        "Read {} pages ({} rows).",
        progress.pages_read, progress.rows
    );
    Ok(progress.rows)
}
