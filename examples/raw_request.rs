//! Reaching a route the SDK does not type, with a raw request.
//!
//! The docs name `check-file-uploaded-status` ("called after the upload to
//! confirm processing", scope `files:upload`) but give neither its method nor
//! its fields. This example uploads a file with the typed flow
//! (`blazeauth_ureq::upload_file`), then confirms it with a `RawRequest`:
//! same key, envelope decoding, errors, retry class and redaction as a typed
//! route, the payload kept as JSON. The method (`POST`) and the body
//! (`{"fileName"}`) are **guesses**: check them against the real API before
//! relying on them (the emulator serves this guess).
//!
//! Runs against a served emulator unless `BLAZEAUTH_MANAGEMENT_API_KEY` is set
//! (then it needs `BLAZEAUTH_APPLICATION_ID`, and uploads a small file there):
//!
//! ```sh
//! cargo run --example raw_request
//! ```

use std::error::Error;

use blazeauth_core::api::FileName;
use blazeauth_core::{ApplicationId, KEY_ENV_VAR, RawRequest, RetryClass, Scope};
use blazeauth_ureq::{FileUpload, upload_file};

fn main() -> Result<(), Box<dyn Error>> {
    // A served emulator (not the in-process one): the upload's PUT goes over
    // HTTP to the storage URL, as it would against the real service.
    let emulator = blazeauth_emulator::Emulator::new();
    let (client, app, _server) = if std::env::var_os(KEY_ENV_VAR).is_some() {
        let app: ApplicationId = std::env::var("BLAZEAUTH_APPLICATION_ID")?.parse()?;
        (blazeauth_ureq::client_from_env()?, app, None)
    } else {
        println!("{KEY_ENV_VAR} is not set: running against an emulator on 127.0.0.1.");
        let server = emulator.serve()?;
        let config = blazeauth_core::Config::builder(server.admin_key())
            .base_url(server.base_url())
            .build()?;
        let app = emulator.create_application("Raw request demo")?;
        (blazeauth_ureq::client(config), app, Some(server))
    };

    let name = FileName::new("raw-demo")?;
    upload_file(&client, &app, FileUpload::new(&name, b"hello, storage"))?;
    println!("Uploaded {name:?} (14 bytes) through a presigned URL.");

    let status = RawRequest::post("/api/v1/panel/check-file-uploaded-status")
        .query("applicationId", app.as_str())
        .json(&serde_json::json!({ "fileName": name.as_str() }))?
        // Reading a status is safe to repeat, though it is sent as a POST.
        .with_retry_class(RetryClass::Read)
        .with_scope(Scope::FilesUpload);
    let answer = client.send(&status)?;
    println!(
        "check-file-uploaded-status answered: {:?} (data: {:?}, other fields: {:?})",
        answer.message, answer.data, answer.extra
    );
    Ok(())
}
