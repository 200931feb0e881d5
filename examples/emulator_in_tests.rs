//! Testing your own code against the emulator, in-process and over HTTP.
//!
//! `provision_customer` stands for your code: it issues a license for a new
//! customer and returns the key. Write it generic over the transport
//! (`Client<T: Transport>`), then test it:
//!
//! - **in-process** (`Emulator::client()`): no socket, fast, deterministic
//!   (seeded RNG, a `ManualClock` to move time);
//! - **over HTTP** (`Emulator::serve()` and the production `blazeauth-ureq`
//!   client): the same code path as production, faults included;
//! - and check the emulator's state directly (`emulator.licenses(..)`), not
//!   only what your code returned.
//!
//! ```sh
//! cargo test --example emulator_in_tests   # the tests below (cargo test --workspace runs them too)
//! cargo run --example emulator_in_tests    # the same scenario, printed
//! ```

use std::error::Error;

use blazeauth_core::api::{CreateLicenses, LicenseAction};
use blazeauth_core::api::{GetLicensesTable, LicenseSpec, RunLicenseAction};
use blazeauth_core::{ApplicationId, Client, LicenseDuration, Transport};

/// Your code: a 30-day `pro` license for `email`, noted in its comment, and
/// paused until the customer pays. Returns the license key.
pub fn provision_customer<T: Transport>(
    client: &Client<T>,
    app: &ApplicationId,
    email: &str,
) -> Result<String, Box<dyn Error>> {
    let spec =
        LicenseSpec::new("CUST-****-****", ["pro"], LicenseDuration::from_days(30)?).comment(email);
    let key = client
        .send(&CreateLicenses::new(app, spec, 1))?
        .pop()
        .ok_or("no key returned")?;
    // Find the new license's id by its key, then pause it.
    let row = client
        .pages(GetLicensesTable::new(app))
        .rows()
        .find(|row| row.as_ref().map_or(true, |row| row.license == key))
        .ok_or("the new license is not listed")??;
    client.send(&RunLicenseAction::new(app, LicenseAction::pause(&row.id)))?;
    Ok(key)
}

fn main() -> Result<(), Box<dyn Error>> {
    let emulator = blazeauth_emulator::Emulator::new();
    let app = emulator.create_application("Customer portal")?;
    let key = provision_customer(&emulator.client(), &app, "ada@example.com")?;
    let state = &emulator.licenses(&app)[0];
    println!(
        "In-process: issued {key}, now {:?} with comment {:?}.",
        state.state, state.comment
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use blazeauth_core::api::CreateLicenseLevels;
    use blazeauth_core::http::StatusCode;
    use blazeauth_emulator::{Emulator, Fault, FaultRule, LicenseState};

    use super::*;

    fn emulator_with_app() -> (Emulator, ApplicationId) {
        let emulator = Emulator::builder().seed(7).build();
        let app = emulator.create_application("Customer portal").unwrap();
        emulator
            .client()
            .send(&CreateLicenseLevels::new(&app, ["pro"]))
            .unwrap();
        (emulator, app)
    }

    #[test]
    fn in_process_the_license_is_issued_paused_and_noted() {
        let (emulator, app) = emulator_with_app();
        let key = provision_customer(&emulator.client(), &app, "ada@example.com").unwrap();
        let licenses = emulator.licenses(&app);
        assert_eq!(licenses.len(), 1);
        assert_eq!(licenses[0].license, key);
        assert_eq!(licenses[0].state, LicenseState::Paused);
        assert_eq!(licenses[0].comment.as_deref(), Some("ada@example.com"));
    }

    #[test]
    fn over_http_with_the_production_client_and_a_flaky_read() {
        let (emulator, app) = emulator_with_app();
        let server = emulator.serve().unwrap();
        let config = blazeauth_core::Config::builder(server.admin_key())
            .base_url(server.base_url())
            .build()
            .unwrap();
        let client = blazeauth_ureq::client(config);
        // The table answers 503 once: the client retries the read by itself.
        emulator.inject(
            FaultRule::new(Fault::Status(StatusCode::SERVICE_UNAVAILABLE))
                .on_path("/api/v1/panel/get-licenses-table")
                .times(1),
        );
        let key = provision_customer(&client, &app, "grace@example.com").unwrap();
        assert_eq!(emulator.licenses(&app)[0].license, key);
        assert_eq!(emulator.licenses(&app)[0].state, LicenseState::Paused);
    }

    #[test]
    fn a_create_with_an_unknown_outcome_is_reported_as_such() {
        let (emulator, app) = emulator_with_app();
        // A create answered by a 502: the outcome is unknown; your code must
        // not create a second license blindly.
        emulator.inject(
            FaultRule::new(Fault::Status(StatusCode::BAD_GATEWAY))
                .on_path("/api/v1/panel/create-licenses")
                .times(1),
        );
        let error = provision_customer(&emulator.client(), &app, "y@example.com").unwrap_err();
        let error = error.downcast_ref::<blazeauth_core::Error>().unwrap();
        assert!(error.outcome_unknown());
        assert!(emulator.licenses(&app).is_empty());
    }
}
