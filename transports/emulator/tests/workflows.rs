//! Whole workflows through the typed client over the in-process emulator:
//! every application route, every license route, all 13 license actions and
//! their effects on the state, the table's paging and search, and the
//! metadata counters agreeing with the table at every step.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use blazeauth_core::api::{
    self, AppStatusSetting, ApplicationStatus, LicenseAction, LicenseRow, RuntimeKeyType,
    SettingChange,
};
use blazeauth_core::{LicenseSearchCategory, TableSearch};
use blazeauth_emulator::{Emulator, HookError, LicenseState, ManualClock};

use common::{Setup, code, days, setup, spec};

const DAY: Duration = Duration::from_secs(86_400);

fn status(row: &LicenseRow) -> String {
    row.settings
        .as_ref()
        .and_then(|s| s.status.as_ref())
        .map_or_else(String::new, |s| s.as_str().to_owned())
}

/// The metadata counters equal the counts of the table's statuses.
fn assert_metadata_matches_table(setup: &Setup) {
    let rows = setup.rows();
    let metadata = setup.metadata();
    let count = |wanted: &str| rows.iter().filter(|r| status(r) == wanted).count() as u64;
    assert_eq!(metadata.total_licenses, rows.len() as u64);
    assert_eq!(metadata.available_licenses, count("available"));
    assert_eq!(metadata.active_licenses, count("activated"));
    assert_eq!(metadata.paused_licenses, count("paused"));
    assert_eq!(metadata.expired_licenses, count("expired"));
    assert_eq!(metadata.blacklisted_licenses, count("blacklisted"));
    assert_eq!(
        metadata.available_licenses
            + metadata.active_licenses
            + metadata.paused_licenses
            + metadata.expired_licenses
            + metadata.blacklisted_licenses,
        metadata.total_licenses,
        "every license is in exactly one state"
    );
    // The snapshot agrees too.
    let snapshot = setup.emulator.licenses(&setup.app);
    let states: Vec<&str> = snapshot.iter().map(|l| l.state.as_str()).collect();
    let table: Vec<String> = rows.iter().map(status).collect();
    assert_eq!(states, table);
}

#[test]
fn application_routes_follow_the_documented_workflow() {
    let clock = ManualClock::new();
    let emulator = Emulator::builder().clock(clock.clone()).build();
    let client = emulator.client();
    assert!(client.send(&api::GetApplications).expect("list").is_empty());

    let done = client
        .send(&api::CreateApplication::new("First app"))
        .expect("create");
    assert_eq!(done.message, "Successfully create application");
    clock.advance(Duration::from_secs(60));
    client
        .send(&api::CreateApplication::new("Second app"))
        .expect("create");
    let apps = client.send(&api::GetApplications).expect("list");
    let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["First app", "Second app"], "creation order");
    let app = apps[0].id.clone();
    let keys = apps[0].runtime_keys.clone().expect("runtime keys");
    let socket = keys.socket_key.expect("socket key");
    let http_key = keys.http_key.expect("http key");
    assert_eq!(
        keys.updated_at
            .as_ref()
            .and_then(blazeauth_core::Timestamp::original_text)
            .as_deref(),
        Some("2026-05-12T09:00:00.000Z")
    );
    assert_eq!(
        emulator.applications()[0].socket_key,
        socket.expose_secret()
    );

    // License levels: saved trimmed, replaced as a whole.
    let done = client
        .send(&api::CreateLicenseLevels::new(
            app.clone(),
            [" basic ", "pro"],
        ))
        .expect("levels");
    assert_eq!(done.message, "License levels save successfully");
    assert_eq!(
        client
            .send(&api::GetLicenseLevels::new(app.clone()))
            .expect("levels"),
        ["basic", "pro"]
    );
    client
        .send(&api::CreateLicenseLevels::new(app.clone(), ["gold"]))
        .expect("levels");
    assert_eq!(
        client
            .send(&api::GetLicenseLevels::new(app.clone()))
            .expect("levels"),
        ["gold"]
    );

    // Settings: defaults, then each field.
    let settings = client
        .send(&api::GetApplicationSettings::new(app.clone()))
        .expect("settings");
    assert!(!settings.license_requires_client_id);
    assert!(!settings.user_requires_client_id);
    assert!(!settings.user_requires_license);
    assert_eq!(settings.version.as_deref(), Some("1.0.0"));
    assert_eq!(settings.status, ApplicationStatus::Online);
    for change in [
        SettingChange::LicenseRequiresClientId(true),
        SettingChange::UserRequiresClientId(true),
        SettingChange::UserRequiresLicense(true),
        SettingChange::Version("2.1.0".into()),
        SettingChange::Status(AppStatusSetting::Paused),
    ] {
        let done = client
            .send(&api::UpdateApplicationSettings::new(app.clone(), change))
            .expect("update");
        assert_eq!(done.message, "Successfully update application settings");
    }
    let settings = client
        .send(&api::GetApplicationSettings::new(app.clone()))
        .expect("settings");
    assert!(settings.license_requires_client_id);
    assert!(settings.user_requires_client_id);
    assert!(settings.user_requires_license);
    assert_eq!(settings.version.as_deref(), Some("2.1.0"));
    assert_eq!(settings.status, ApplicationStatus::Paused);
    client
        .send(&api::UpdateApplicationSettings::new(
            app.clone(),
            SettingChange::Status(AppStatusSetting::Online),
        ))
        .expect("update");
    assert!(!emulator.applications()[0].paused);

    // Rotating one runtime key leaves the other and moves updatedAt.
    clock.advance(Duration::from_secs(3600));
    let done = client
        .send(&api::RotateRuntimeKey::new(
            app.clone(),
            RuntimeKeyType::SocketKey,
        ))
        .expect("rotate");
    assert_eq!(done.message, "Successfully update api key");
    let keys = client.send(&api::GetApplications).expect("list")[0]
        .runtime_keys
        .clone()
        .expect("keys");
    assert_ne!(keys.socket_key.as_ref(), Some(&socket));
    assert_eq!(keys.http_key.as_ref(), Some(&http_key));
    assert_eq!(
        keys.updated_at
            .as_ref()
            .and_then(blazeauth_core::Timestamp::original_text)
            .as_deref(),
        Some("2026-05-12T10:01:00.000Z")
    );
    client
        .send(&api::RotateRuntimeKey::new(
            app.clone(),
            RuntimeKeyType::HttpKey,
        ))
        .expect("rotate");
    assert_ne!(
        emulator.applications()[0].http_key,
        http_key.expose_secret()
    );

    // Deleting removes the application and everything it owns.
    client
        .send(&api::CreateLicenses::new(app.clone(), spec("DEL-****"), 3))
        .expect("licenses");
    let done = client
        .send(&api::DeleteApplication::new(app.clone()))
        .expect("delete");
    assert_eq!(done.message, "Application deleted successfully");
    assert!(emulator.licenses(&app).is_empty());
    let names: Vec<String> = emulator
        .applications()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["Second app"]);
    assert_eq!(
        code(client.send(&api::GetLicenseLevels::new(app.clone()))),
        "not_found"
    );
    assert_eq!(
        code(client.send(&api::DeleteApplication::new(app))),
        "not_found"
    );
}

#[test]
fn created_licenses_follow_the_mask_and_are_unique() {
    let s = setup();
    let keys = s.create("PRO-****-****", 256);
    assert_eq!(keys.len(), 256);
    let unique: HashSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), 256);
    for key in &keys {
        assert_eq!(key.len(), 13, "{key}");
        assert!(
            key.starts_with("PRO-") && key.as_bytes()[8] == b'-',
            "{key}"
        );
        assert!(
            key.chars()
                .all(|c| c == '-' || c.is_ascii_uppercase() || c.is_ascii_digit()),
            "{key}"
        );
    }
    let rows = s.rows();
    let table_keys: Vec<&String> = rows.iter().map(|r| &r.license).collect();
    assert_eq!(
        table_keys,
        keys.iter().collect::<Vec<_>>(),
        "creation order"
    );
    let row = &rows[0];
    assert_eq!(row.application_id.as_ref(), Some(&s.app));
    assert_eq!(
        row.created_at
            .as_ref()
            .and_then(blazeauth_core::Timestamp::original_text)
            .as_deref(),
        Some("2026-05-12T09:00:00.000Z")
    );
    assert_eq!(row.expires_at, None, "time starts at activation");
    assert_eq!(row.paused_at, None);
    let settings = row.settings.as_ref().expect("settings");
    assert_eq!(settings.duration_seconds, Some(2_592_000));
    assert_eq!(settings.duration(), Some(days(30)));
    assert_eq!(settings.levels, ["basic"]);
    assert_eq!(settings.requires_client_id, Some(false));
    assert_eq!(status(row), "available");
    assert_eq!(row.user, None);
    assert_metadata_matches_table(&s);
}

#[test]
fn optional_fields_show_in_rows_and_edit_replaces_them() {
    let s = setup();
    let full = spec("FULL-****")
        .comment("for QA")
        .client_id("machine-7")
        .ip_address("10.0.0.7")
        .requires_client_id(true);
    let keys = s
        .client
        .send(&api::CreateLicenses::new(s.app.clone(), full, 1))
        .expect("create");
    let row = &s.rows()[0];
    assert_eq!(row.license, keys[0]);
    assert_eq!(row.comment.as_deref(), Some("for QA"));
    assert_eq!(row.client_id.as_deref(), Some("machine-7"));
    assert_eq!(row.ip_address.as_deref(), Some("10.0.0.7"));
    assert_eq!(
        row.settings.as_ref().and_then(|s| s.requires_client_id),
        Some(true)
    );

    // Edit: a new key (a mask too), new settings, absent fields cleared.
    let edited = api::LicenseSpec::new("EDITED-KEY-1", ["pro", "basic"], days(7)).comment("edited");
    let done = s
        .client
        .send(&api::EditLicense::new(
            s.app.clone(),
            row.id.clone(),
            edited,
        ))
        .expect("edit");
    assert_eq!(done.message, "Successfully updated license.");
    let row = &s.rows()[0];
    assert_eq!(row.license, "EDITED-KEY-1");
    assert_eq!(row.comment.as_deref(), Some("edited"));
    assert_eq!(row.client_id, None);
    assert_eq!(row.ip_address, None);
    let settings = row.settings.as_ref().expect("settings");
    assert_eq!(settings.levels, ["pro", "basic"]);
    assert_eq!(settings.duration_seconds, Some(7 * 86_400));
    assert_eq!(settings.requires_client_id, Some(false));

    // Editing to the key another license has is refused; to its own key, fine.
    let other = s.create("OTHER-KEY-1", 1);
    let clash = api::LicenseSpec::new(other[0].clone(), ["basic"], days(1));
    assert_eq!(
        code(
            s.client
                .send(&api::EditLicense::new(s.app.clone(), row.id.clone(), clash))
        ),
        "validation_error"
    );
    let same = api::LicenseSpec::new("EDITED-KEY-1", ["basic"], days(1));
    s.client
        .send(&api::EditLicense::new(s.app.clone(), row.id.clone(), same))
        .expect("same key");
    let unknown = api::LicenseSpec::new("NEW-KEY-9", ["basic"], days(1));
    assert_eq!(
        code(s.client.send(&api::EditLicense::new(
            s.app.clone(),
            blazeauth_core::LicenseId::from(999u64),
            unknown
        ))),
        "not_found"
    );
}

#[test]
fn a_mask_that_cannot_make_enough_keys_is_refused_whole() {
    let s = setup();
    assert_eq!(s.create("SMALL-*", 30).len(), 30);
    let before = s.emulator.snapshot();
    let err = s
        .client
        .send(&api::CreateLicenses::new(s.app.clone(), spec("SMALL-*"), 7));
    let message = match &err {
        Err(blazeauth_core::Error::Api(api)) => api.message().to_owned(),
        other => format!("{other:?}"),
    };
    assert_eq!(code(err), "validation_error");
    assert!(
        message.contains("cannot make 7 more unique licenses"),
        "{message}"
    );
    assert_eq!(s.emulator.snapshot(), before, "nothing created");
    // Exactly the 6 keys left can still be made.
    assert_eq!(s.create("SMALL-*", 6).len(), 6);
    assert_eq!(s.emulator.licenses(&s.app).len(), 36);
    // A mask without `*` makes one key, once.
    s.create("FIXED-KEY", 1);
    assert_eq!(
        code(s.client.send(&api::CreateLicenses::new(
            s.app.clone(),
            spec("FIXED-KEY"),
            1
        ))),
        "validation_error"
    );
}

#[test]
fn bulk_creation_goes_in_batches_without_duplicates() {
    let s = setup();
    let keys = s
        .client
        .create_licenses_bulk(s.app.clone(), spec("BULK-*****"), 600)
        .expect("bulk");
    assert_eq!(keys.len(), 600);
    assert_eq!(keys.iter().collect::<HashSet<_>>().len(), 600);
    assert_eq!(s.metadata().total_licenses, 600);
    let rows = s.rows();
    assert_eq!(rows.len(), 600);
    assert_eq!(
        rows.iter().map(|r| &r.license).collect::<Vec<_>>(),
        keys.iter().collect::<Vec<_>>()
    );
}

#[test]
fn the_table_pages_by_the_configured_size() {
    let s = setup();
    s.create("PAGE-****", 25);
    let first = s
        .client
        .send(&api::GetLicensesTable::new(s.app.clone()))
        .expect("page 1");
    assert_eq!((first.rows.len(), first.total_pages), (10, 3));
    let third = s
        .client
        .send(&api::GetLicensesTable::new(s.app.clone()).page(3))
        .expect("page 3");
    assert_eq!((third.rows.len(), third.total_pages), (5, 3));
    let beyond = s
        .client
        .send(&api::GetLicensesTable::new(s.app.clone()).page(9))
        .expect("page 9");
    assert_eq!((beyond.rows.len(), beyond.total_pages), (0, 3));
    let pages: Vec<usize> = s
        .client
        .pages(api::GetLicensesTable::new(s.app.clone()))
        .map(|page| page.expect("page").rows.len())
        .collect();
    assert_eq!(pages, [10, 10, 5]);
    let ids: Vec<_> = s.rows().into_iter().map(|r| r.id).collect();
    let snapshot: Vec<_> = s
        .emulator
        .licenses(&s.app)
        .into_iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(ids, snapshot, "creation order, no row lost or repeated");

    // Another page size; an empty table has no pages.
    let emulator = Emulator::builder().page_size(4).build();
    let app = emulator.create_application("Paged app").expect("app");
    let client = emulator.client();
    let empty = client
        .send(&api::GetLicensesTable::new(app.clone()))
        .expect("empty");
    assert_eq!((empty.rows.len(), empty.total_pages), (0, 0));
    client
        .send(&api::CreateLicenses::new(app.clone(), spec("FOUR-****"), 9))
        .expect("create");
    let sizes: Vec<usize> = client
        .pages(api::GetLicensesTable::new(app))
        .map(|page| page.expect("page").rows.len())
        .collect();
    assert_eq!(sizes, [4, 4, 1]);
}

#[test]
fn the_table_searches_by_category() {
    let s = setup();
    let make = |mask: &str, ip: &str, client_id: &str| {
        let spec = spec(mask).ip_address(ip).client_id(client_id);
        s.client
            .send(&api::CreateLicenses::new(s.app.clone(), spec, 1))
            .expect("create")
            .remove(0)
    };
    let alpha = make("ALPHA-0001", "10.0.0.1", "desk-a");
    let beta = make("BETA-0002", "10.0.0.2", "laptop-b");
    let gamma = make("GAMMA-0003", "192.168.1.3", "desk-c");
    s.create("NOISE-****", 12);

    let search = |search: TableSearch<LicenseSearchCategory>| -> Vec<String> {
        s.client
            .pages(api::GetLicensesTable::new(s.app.clone()).search(search))
            .rows()
            .map(|row| row.expect("row").license)
            .collect()
    };
    use LicenseSearchCategory::{ClientId, Ipv4, License};
    assert_eq!(
        search(TableSearch::new("alpha").category(License)),
        [alpha.as_str()]
    );
    assert_eq!(
        search(TableSearch::new("beta")),
        [beta.as_str()],
        "no category: License"
    );
    assert_eq!(
        search(TableSearch::new("10.0.0").category(Ipv4)),
        [alpha.clone(), beta.clone()]
    );
    assert_eq!(
        search(TableSearch::new("DESK").category(ClientId)),
        [alpha.clone(), gamma.clone()],
        "case does not matter"
    );
    assert_eq!(
        search(TableSearch::new("192.168").category(Ipv4).category(License)),
        [gamma.as_str()]
    );
    assert_eq!(
        search(TableSearch::new("")).len(),
        15,
        "empty search keeps all"
    );
    assert!(search(TableSearch::new("nothing-like-this")).is_empty());
    // Search results page too.
    let noise = s
        .client
        .send(&api::GetLicensesTable::new(s.app.clone()).search(TableSearch::new("NOISE")))
        .expect("page");
    assert_eq!((noise.rows.len(), noise.total_pages), (10, 2));
    // An unknown category is refused.
    let other = TableSearch::new("x").category(LicenseSearchCategory::Other("Comment".into()));
    assert_eq!(
        code(
            s.client
                .send(&api::GetLicensesTable::new(s.app.clone()).search(other))
        ),
        "validation_error"
    );
}

#[test]
fn every_license_action_changes_the_state_as_documented() {
    let s = setup();
    let keys = s.create("ACT-****", 3);
    let ids: Vec<_> = s
        .emulator
        .licenses(&s.app)
        .into_iter()
        .map(|l| l.id)
        .collect();
    let (a, b, c) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    let snapshot = |id: &blazeauth_core::LicenseId| {
        s.emulator
            .licenses(&s.app)
            .into_iter()
            .find(|l| &l.id == id)
            .expect("license")
    };
    let row =
        |id: &blazeauth_core::LicenseId| s.rows().into_iter().find(|r| &r.id == id).expect("row");

    // A desktop client activates A: its 30 days start now.
    let activated = s
        .emulator
        .activate_license(&s.app, &keys[0], Some("machine-1"))
        .expect("activate");
    assert_eq!(activated.state, LicenseState::Activated);
    assert_eq!(status(&row(&a)), "activated");
    assert_eq!(
        row(&a)
            .expires_at
            .as_ref()
            .and_then(blazeauth_core::Timestamp::original_text)
            .as_deref(),
        Some("2026-06-11T09:00:00.000Z")
    );
    assert_eq!(row(&a).client_id.as_deref(), Some("machine-1"));
    assert_metadata_matches_table(&s);

    // pause_license: time stands still while paused.
    let done = s
        .action(LicenseAction::Pause {
            license_id: a.clone(),
        })
        .expect("pause");
    assert_eq!(done.message, "Action completed successfully.");
    assert_eq!(snapshot(&a).state, LicenseState::Paused);
    assert_eq!(
        row(&a)
            .paused_at
            .as_ref()
            .and_then(blazeauth_core::Timestamp::original_text)
            .as_deref(),
        Some("2026-05-12T09:00:00.000Z")
    );
    s.advance(10 * DAY);
    assert_metadata_matches_table(&s);
    // unpause_license: the expiry moves by the 10 days spent paused.
    s.action(LicenseAction::Unpause {
        license_id: a.clone(),
    })
    .expect("unpause");
    assert_eq!(snapshot(&a).state, LicenseState::Activated);
    assert_eq!(row(&a).paused_at, None);
    assert_eq!(
        row(&a)
            .expires_at
            .as_ref()
            .and_then(blazeauth_core::Timestamp::original_text)
            .as_deref(),
        Some("2026-06-21T09:00:00.000Z")
    );

    // extend_duration_license: 5 more days, on the duration and the expiry.
    s.action(LicenseAction::Extend {
        license_id: a.clone(),
        duration: days(5),
    })
    .expect("extend");
    assert_eq!(snapshot(&a).duration_secs, 35 * 86_400);
    assert_eq!(
        row(&a)
            .expires_at
            .as_ref()
            .and_then(blazeauth_core::Timestamp::original_text)
            .as_deref(),
        Some("2026-06-26T09:00:00.000Z")
    );

    // reset_client_id_license: another machine may now take the license.
    assert_eq!(
        s.emulator
            .activate_license(&s.app, &keys[0], Some("machine-2")),
        Err(HookError::ClientIdMismatch)
    );
    s.action(LicenseAction::ResetClientId {
        license_id: a.clone(),
    })
    .expect("reset");
    assert_eq!(row(&a).client_id, None);
    assert_eq!(snapshot(&a).state, LicenseState::Activated, "still running");
    s.emulator
        .activate_license(&s.app, &keys[0], Some("machine-2"))
        .expect("reactivate");
    assert_eq!(row(&a).client_id.as_deref(), Some("machine-2"));

    // blacklist_license / unblacklist_license.
    s.action(LicenseAction::Blacklist {
        license_id: b.clone(),
    })
    .expect("blacklist");
    assert_eq!(status(&row(&b)), "blacklisted");
    assert_eq!(
        s.emulator.activate_license(&s.app, &keys[1], None),
        Err(HookError::Blacklisted)
    );
    assert_metadata_matches_table(&s);
    s.action(LicenseAction::Unblacklist {
        license_id: b.clone(),
    })
    .expect("unblacklist");
    assert_eq!(status(&row(&b)), "available");

    // reinitialize_license: back to unused.
    s.action(LicenseAction::Reinitialize {
        license_id: a.clone(),
    })
    .expect("reinitialize");
    let fresh = row(&a);
    assert_eq!(status(&fresh), "available");
    assert_eq!((fresh.expires_at, fresh.client_id), (None, None));

    // link_license_to_user: the app user must exist.
    let link = |login: &str| LicenseAction::LinkToUser {
        license_id: a.clone(),
        user_login: login.into(),
    };
    assert_eq!(code(s.action(link("alice"))), "not_found");
    s.emulator.add_app_user(&s.app, "alice").expect("user");
    s.action(link("alice")).expect("link");
    assert_eq!(row(&a).user.and_then(|u| u.login).as_deref(), Some("alice"));
    assert_eq!(snapshot(&a).user_login.as_deref(), Some("alice"));

    // delete_license.
    s.action(LicenseAction::Delete {
        license_id: c.clone(),
    })
    .expect("delete");
    assert!(s.rows().iter().all(|r| r.id != c));
    assert_eq!(
        code(s.action(LicenseAction::Delete { license_id: c })),
        "not_found"
    );
    assert_metadata_matches_table(&s);

    // pause_every_license / unpause_every_license.
    s.action(LicenseAction::PauseEveryLicense)
        .expect("pause all");
    assert!(s.rows().iter().all(|r| status(r) == "paused"));
    assert_metadata_matches_table(&s);
    s.action(LicenseAction::UnpauseEveryLicense)
        .expect("unpause all");
    assert!(s.rows().iter().all(|r| status(r) == "available"));

    // add_time_to_every_license.
    let before: Vec<u64> = s
        .emulator
        .licenses(&s.app)
        .iter()
        .map(|l| l.duration_secs)
        .collect();
    s.action(LicenseAction::AddTimeToEveryLicense { duration: days(1) })
        .expect("add time");
    let after: Vec<u64> = s
        .emulator
        .licenses(&s.app)
        .iter()
        .map(|l| l.duration_secs)
        .collect();
    assert_eq!(after, before.iter().map(|d| d + 86_400).collect::<Vec<_>>());

    // Expiry: B runs out after its 31 days.
    s.emulator
        .activate_license(&s.app, &keys[1], None)
        .expect("activate B");
    s.advance(31 * DAY);
    assert_eq!(snapshot(&b).state, LicenseState::Expired);
    assert_eq!(s.metadata().expired_licenses, 1);
    assert_eq!(
        s.emulator.activate_license(&s.app, &keys[1], None),
        Err(HookError::Expired)
    );
    assert_metadata_matches_table(&s);

    // delete_every_license.
    s.action(LicenseAction::DeleteEveryLicense)
        .expect("delete all");
    assert!(s.rows().is_empty());
    assert_eq!(s.metadata().total_licenses, 0);
}

#[test]
fn repeated_actions_change_nothing_more() {
    let s = setup();
    let keys = s.create("REP-****", 1);
    let id = s.emulator.licenses(&s.app)[0].id.clone();
    s.emulator
        .activate_license(&s.app, &keys[0], None)
        .expect("activate");
    s.action(LicenseAction::Pause {
        license_id: id.clone(),
    })
    .expect("pause");
    s.advance(DAY);
    let paused = s.emulator.snapshot();
    s.action(LicenseAction::Pause {
        license_id: id.clone(),
    })
    .expect("pause again");
    s.action(LicenseAction::Blacklist {
        license_id: id.clone(),
    })
    .expect("blacklist");
    s.action(LicenseAction::Blacklist {
        license_id: id.clone(),
    })
    .expect("blacklist again");
    s.action(LicenseAction::Unblacklist {
        license_id: id.clone(),
    })
    .expect("unblacklist");
    assert_eq!(
        s.emulator.snapshot(),
        paused,
        "the first pause still counts"
    );
    s.action(LicenseAction::Unpause {
        license_id: id.clone(),
    })
    .expect("unpause");
    let unpaused = s.emulator.snapshot();
    s.action(LicenseAction::Unpause { license_id: id })
        .expect("unpause again");
    assert_eq!(s.emulator.snapshot(), unpaused);
    // Adding time past the longest duration is refused for all, applied to none.
    let before = s.emulator.snapshot();
    let huge = blazeauth_core::LicenseDuration::MAX;
    assert_eq!(
        code(s.action(LicenseAction::AddTimeToEveryLicense { duration: huge })),
        "validation_error"
    );
    assert_eq!(s.emulator.snapshot(), before);
}

#[test]
fn activation_rules_follow_client_ids_and_the_application() {
    let s = setup();
    let strict = spec("STRICT-****").requires_client_id(true);
    let keys = s
        .client
        .send(&api::CreateLicenses::new(s.app.clone(), strict, 2))
        .expect("create");
    assert_eq!(
        s.emulator.activate_license(&s.app, &keys[0], None),
        Err(HookError::ClientIdRequired)
    );
    s.emulator
        .activate_license(&s.app, &keys[0], Some("pc-1"))
        .expect("activate");
    // Activating again with the same client changes nothing.
    let before = s.emulator.snapshot();
    s.advance(DAY);
    s.emulator
        .activate_license(&s.app, &keys[0], Some("pc-1"))
        .expect("again");
    assert_eq!(
        s.emulator.licenses(&s.app)[0].expires_at,
        before.licenses[0].expires_at
    );
    // A paused application refuses activations.
    s.client
        .send(&api::UpdateApplicationSettings::new(
            s.app.clone(),
            SettingChange::Status(AppStatusSetting::Paused),
        ))
        .expect("pause app");
    assert_eq!(
        s.emulator.activate_license(&s.app, &keys[1], Some("pc-2")),
        Err(HookError::ApplicationPaused)
    );
    assert_eq!(
        s.emulator.activate_license(&s.app, "NO-SUCH-KEY", None),
        Err(HookError::UnknownLicense("NO-SUCH-KEY".into()))
    );
    assert!(matches!(
        s.emulator.activate_license(&7u64.into(), &keys[1], None),
        Err(HookError::UnknownApplication(_))
    ));
    assert_eq!(s.emulator.add_app_user(&s.app, "bob").map(|_| ()), Ok(()));
    assert_eq!(
        s.emulator.add_app_user(&s.app, "bob"),
        Err(HookError::DuplicateLogin("bob".into()))
    );
    assert_eq!(
        s.emulator.add_app_user(&s.app, " "),
        Err(HookError::EmptyLogin)
    );
    assert_eq!(
        s.emulator.create_application("short"),
        Err(HookError::NameLength(5))
    );
}

#[test]
fn the_same_seed_gives_the_same_keys() {
    let make = || {
        let emulator = Emulator::builder()
            .seed(99)
            .clock(ManualClock::new())
            .build();
        let app = emulator.create_application("Seeded app").expect("app");
        let keys = emulator
            .client()
            .send(&api::CreateLicenses::new(app, spec("SEED-******"), 5))
            .expect("create");
        (emulator.admin_key().expose_secret().to_owned(), keys)
    };
    assert_eq!(make(), make());
    let other = Emulator::builder().seed(100).build();
    assert_ne!(other.admin_key().expose_secret(), make().0);
}
