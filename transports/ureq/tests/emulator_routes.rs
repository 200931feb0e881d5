//! Every typed route, raw requests, the table iterator and bulk creation,
//! end to end over real HTTP: the SDK on [`UreqTransport`] against the
//! emulator served on 127.0.0.1. Each test checks the answer and the
//! emulator's state, so a request that went out wrong cannot pass.

mod support;

use blazeauth_core::api::{
    self, AppStatusSetting, ApplicationStatus, LicenseAction, LicenseSpec, RuntimeKeyType,
    SettingChange,
};
use blazeauth_core::http::StatusCode;
use blazeauth_core::{ApplicationId, Client, Config, LicenseDuration, RawRequest};
use blazeauth_emulator::{Emulator, LicenseState, Server};
use blazeauth_ureq::UreqTransport;

struct Setup {
    emulator: Emulator,
    server: Server,
    client: Client<UreqTransport>,
}

fn setup(page_size: usize) -> Setup {
    let emulator = Emulator::builder().seed(5).page_size(page_size).build();
    let server = emulator.serve().expect("serve");
    let config = support::served_config(&server);
    let client = blazeauth_ureq::client(config);
    Setup {
        emulator,
        server,
        client,
    }
}

fn days(n: u64) -> LicenseDuration {
    LicenseDuration::from_days(n).expect("duration")
}

/// An application with levels `basic` and `pro`, created over HTTP.
fn application(client: &Client<UreqTransport>, name: &str) -> ApplicationId {
    client
        .send(&api::CreateApplication::new(name))
        .expect("create");
    let id = client
        .send(&api::GetApplications)
        .expect("list")
        .into_iter()
        .find(|app| app.name == name)
        .expect("listed")
        .id;
    client
        .send(&api::CreateLicenseLevels::new(id.clone(), ["basic", "pro"]))
        .expect("levels");
    id
}

#[test]
fn the_eight_application_routes() {
    let Setup {
        emulator,
        server,
        client,
    } = setup(50);
    // get-applications (empty), create-application, create-application-license-levels.
    assert!(client.send(&api::GetApplications).expect("list").is_empty());
    let app = application(&client, "Ureq end to end");
    assert_eq!(emulator.applications().len(), 1);

    // get-application-license-levels.
    let levels = client
        .send(&api::GetLicenseLevels::new(app.clone()))
        .expect("levels");
    assert_eq!(levels, ["basic", "pro"]);

    // update-application-settings, then get-application-settings.
    for change in [
        SettingChange::Version("2.1.0".into()),
        SettingChange::Status(AppStatusSetting::Paused),
        SettingChange::LicenseRequiresClientId(true),
        SettingChange::UserRequiresClientId(true),
        SettingChange::UserRequiresLicense(true),
    ] {
        client
            .send(&api::UpdateApplicationSettings::new(app.clone(), change))
            .expect("update");
    }
    let settings = client
        .send(&api::GetApplicationSettings::new(app.clone()))
        .expect("settings");
    assert_eq!(settings.version.as_deref(), Some("2.1.0"));
    assert_eq!(settings.status, ApplicationStatus::Paused);
    assert!(settings.license_requires_client_id);
    assert!(settings.user_requires_client_id);
    assert!(settings.user_requires_license);

    // update-api-keys.
    let before = emulator.applications()[0].http_key.clone();
    client
        .send(&api::RotateRuntimeKey::new(
            app.clone(),
            RuntimeKeyType::HttpKey,
        ))
        .expect("rotate");
    let after = &emulator.applications()[0];
    assert_ne!(after.http_key, before);
    let listed = client.send(&api::GetApplications).expect("list");
    let keys = listed[0].runtime_keys.as_ref().expect("runtime keys");
    assert_eq!(
        keys.http_key.as_ref().map(|k| k.expose_secret()),
        Some(after.http_key.as_str())
    );

    // delete-application.
    client
        .send(&api::DeleteApplication::new(app.clone()))
        .expect("delete");
    assert!(client.send(&api::GetApplications).expect("list").is_empty());
    assert!(emulator.applications().is_empty());

    // An API error keeps its status and code over HTTP.
    let error = client
        .send(&api::GetApplicationSettings::new(app))
        .unwrap_err();
    assert!(error.api_error().is_some(), "{error:?}");
    assert!(error.status().is_some_and(|s| s.is_client_error()));
    assert_eq!(
        server.connections_accepted(),
        1,
        "one kept-alive connection for every call"
    );
}

#[test]
fn the_five_license_routes() {
    let Setup {
        emulator,
        client,
        server: _server,
    } = setup(50);
    let app = application(&client, "Ureq licenses app");

    // create-licenses.
    let spec = LicenseSpec::new("URQ-****-****", ["basic"], days(30)).comment("first batch");
    let keys = client
        .send(&api::CreateLicenses::new(app.clone(), spec, 3))
        .expect("create");
    assert_eq!(keys.len(), 3);
    let stored = emulator.licenses(&app);
    assert_eq!(stored.len(), 3);
    for key in &keys {
        assert!(stored.iter().any(|l| &l.license == key));
    }

    // get-licenses-metadata.
    let metadata = client
        .send(&api::GetLicensesMetadata::new(app.clone()))
        .expect("metadata");
    assert_eq!(
        (metadata.total_licenses, metadata.available_licenses),
        (3, 3)
    );

    // get-licenses-table.
    let page = client
        .send(&api::GetLicensesTable::new(app.clone()))
        .expect("table");
    assert_eq!((page.rows.len(), page.total_pages), (3, 1));
    let row = &page.rows[0];
    assert_eq!(row.comment.as_deref(), Some("first batch"));
    assert_eq!(
        row.settings.as_ref().and_then(|s| s.duration()),
        Some(days(30))
    );

    // edit-licenses.
    let edited = LicenseSpec::new("URQ-EDITED-0001", ["pro"], days(60)).comment("edited");
    client
        .send(&api::EditLicense::new(app.clone(), row.id.clone(), edited))
        .expect("edit");
    let now = emulator
        .licenses(&app)
        .into_iter()
        .find(|l| l.id == row.id)
        .expect("still there");
    assert_eq!(now.license, "URQ-EDITED-0001");
    assert_eq!(now.comment.as_deref(), Some("edited"));
    assert_eq!(now.levels, ["pro"]);
    assert_eq!(now.duration_secs, 60 * 86_400);

    // license-action (one here; all 13 below).
    client
        .send(&api::RunLicenseAction::new(
            app.clone(),
            LicenseAction::Pause {
                license_id: row.id.clone(),
            },
        ))
        .expect("pause");
    let metadata = client
        .send(&api::GetLicensesMetadata::new(app))
        .expect("metadata");
    assert_eq!(metadata.paused_licenses, 1);
}

#[test]
fn the_thirteen_license_actions() {
    let Setup {
        emulator,
        client,
        server: _server,
    } = setup(50);
    let app = application(&client, "Ureq actions app");
    let spec = LicenseSpec::new("ACT-****-****", ["basic"], days(30));
    client
        .send(&api::CreateLicenses::new(app.clone(), spec, 2))
        .expect("create");
    let licenses = emulator.licenses(&app);
    let (id, other) = (licenses[0].id.clone(), licenses[1].id.clone());
    let key = licenses[0].license.clone();
    emulator
        .activate_license(&app, &key, Some("machine-1"))
        .expect("activate");
    emulator.add_app_user(&app, "alice").expect("user");

    let state = |id: &blazeauth_core::LicenseId| {
        emulator
            .licenses(&app)
            .into_iter()
            .find(|l| &l.id == id)
            .expect("license")
    };
    let run = |action: LicenseAction| {
        client
            .send(&api::RunLicenseAction::new(app.clone(), action))
            .expect("action")
    };

    run(LicenseAction::AddTimeToEveryLicense { duration: days(1) });
    assert_eq!(state(&id).duration_secs, 31 * 86_400);
    assert_eq!(state(&other).duration_secs, 31 * 86_400);
    run(LicenseAction::Extend {
        license_id: id.clone(),
        duration: days(2),
    });
    assert_eq!(state(&id).duration_secs, 33 * 86_400);
    run(LicenseAction::PauseEveryLicense);
    assert_eq!(state(&other).state, LicenseState::Paused);
    run(LicenseAction::UnpauseEveryLicense);
    assert_eq!(state(&other).state, LicenseState::Available);
    run(LicenseAction::Pause {
        license_id: id.clone(),
    });
    assert_eq!(state(&id).state, LicenseState::Paused);
    run(LicenseAction::Unpause {
        license_id: id.clone(),
    });
    assert_eq!(state(&id).state, LicenseState::Activated);
    run(LicenseAction::ResetClientId {
        license_id: id.clone(),
    });
    assert_eq!(state(&id).client_id, None);
    run(LicenseAction::Blacklist {
        license_id: id.clone(),
    });
    assert!(state(&id).blacklisted);
    run(LicenseAction::Unblacklist {
        license_id: id.clone(),
    });
    assert!(!state(&id).blacklisted);
    run(LicenseAction::LinkToUser {
        license_id: id.clone(),
        user_login: "alice".into(),
    });
    assert_eq!(state(&id).user_login.as_deref(), Some("alice"));
    run(LicenseAction::Reinitialize {
        license_id: id.clone(),
    });
    assert_eq!(state(&id).state, LicenseState::Available);
    run(LicenseAction::Delete {
        license_id: other.clone(),
    });
    assert_eq!(emulator.licenses(&app).len(), 1);
    run(LicenseAction::DeleteEveryLicense);
    assert!(emulator.licenses(&app).is_empty());
}

#[test]
fn raw_requests() {
    let Setup {
        emulator,
        client,
        server: _server,
    } = setup(50);
    let app = application(&client, "Ureq raw app");
    let apps = client
        .send(&RawRequest::get("/api/v1/panel/get-applications"))
        .expect("raw get");
    let data = apps.data.expect("data");
    assert_eq!(data[0]["id"], app.as_str());

    let created = client
        .send(
            &RawRequest::post("/api/v1/panel/create-licenses")
                .query("applicationId", app.as_str())
                .json(&serde_json::json!({
                    "count": 2,
                    "license": "RAW-****-****",
                    "licensesSettings": {"levels": ["basic"], "durationSeconds": "30d", "requiresClientId": false}
                }))
                .expect("json"),
        )
        .expect("raw post");
    assert_eq!(
        created.extra["createdLicenses"]
            .as_array()
            .map(|keys| keys.len()),
        Some(2),
        "{created:?}"
    );
    assert_eq!(emulator.licenses(&app).len(), 2);

    let table = client
        .send(
            &RawRequest::get("/api/v1/panel/get-licenses-table")
                .query("applicationId", app.as_str())
                .query("currentPage", "1"),
        )
        .expect("raw table");
    assert_eq!(table.extra["totalPages"], 1);

    let error = client
        .send(&RawRequest::get("/api/v1/panel/no-such-route"))
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND), "{error:?}");
}

#[test]
fn bulk_creation_and_the_table_iterator() {
    let Setup {
        emulator,
        server,
        client,
    } = setup(50);
    let app = application(&client, "Ureq bulk app");
    let spec = LicenseSpec::new("BLK-****-****", ["basic"], days(7));
    let keys = client
        .create_licenses_bulk(app.clone(), spec, 600)
        .expect("bulk");
    assert_eq!(keys.len(), 600);
    assert_eq!(emulator.licenses(&app).len(), 600);

    let pages: Vec<_> = client
        .pages(api::GetLicensesTable::new(app.clone()))
        .collect::<Result<_, _>>()
        .expect("pages");
    assert_eq!(pages.len(), 12);
    assert!(pages.iter().all(|p| p.total_pages == 12));
    let mut rows: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.rows)
        .map(|row| row.license)
        .collect();
    rows.sort();
    let mut expected = keys;
    expected.sort();
    assert_eq!(rows, expected, "every license exactly once");

    let count = client
        .pages(api::GetLicensesTable::new(app))
        .rows()
        .filter(|row| row.is_ok())
        .count();
    assert_eq!(count, 600);
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn a_hundred_sequential_requests_open_one_connection() {
    let Setup {
        emulator,
        server,
        client,
    } = setup(50);
    let app = emulator.create_application("Keep-alive app").expect("app");
    let before = emulator.requests_handled();
    for i in 0..100 {
        if i % 2 == 0 {
            client.send(&api::GetApplications).expect("list");
        } else {
            client
                .send(&api::GetLicensesMetadata::new(app.clone()))
                .expect("metadata");
        }
    }
    assert_eq!(emulator.requests_handled() - before, 100);
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn client_from_env_style_config_reaches_the_emulator() {
    let Setup {
        emulator,
        server,
        client: _,
    } = setup(50);
    // What client_from_env builds, with the values passed in directly.
    let config = Config::builder(emulator.admin_key())
        .base_url(format!("{}/", server.base_url()))
        .build()
        .expect("config");
    let client = blazeauth_ureq::client(config);
    assert!(client.send(&api::GetApplications).expect("list").is_empty());
}
