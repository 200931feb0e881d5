//! Authentication and authorization through the typed client: every
//! documented error code that applies to management keys, scopes route by
//! route (and action by action), and application restrictions.
//!
//! `session_required` is not tested: it belongs to routes the SDK has no
//! typed request for (avatar upload URLs), which the emulator does not serve.

mod common;

use std::time::Duration;

use blazeauth_core::api::{self, AppStatusSetting, LicenseAction, RuntimeKeyType, SettingChange};
use blazeauth_core::{ApplicationId, Client, Error, LicenseId, ManagementKey, Scope, TableSearch};
use blazeauth_emulator::{Emulator, KeySpec};

use common::{code, days, setup, spec, status_and_code};

type Call = Box<dyn Fn(&Client<Emulator>) -> Result<(), Error>>;

/// One call per typed route and per license action, with the scope it needs.
fn calls(app: &ApplicationId, license: &LicenseId) -> Vec<(Scope, &'static str, Call)> {
    let a = app.clone();
    let l = license.clone();
    let action = move |action: LicenseAction| -> Call {
        let a = a.clone();
        Box::new(move |c| {
            c.send(&api::RunLicenseAction::new(a.clone(), action.clone()))
                .map(drop)
        })
    };
    let a = app.clone();
    macro_rules! call {
        ($scope:ident, $name:literal, $endpoint:expr) => {{
            let a = a.clone();
            let l = l.clone();
            let _ = (&a, &l);
            (
                Scope::$scope,
                $name,
                Box::new(move |c: &Client<Emulator>| {
                    c.send(&$endpoint(a.clone(), l.clone())).map(drop)
                }) as Call,
            )
        }};
    }
    vec![
        call!(ApplicationsRead, "get-applications", |_, _| {
            api::GetApplications
        }),
        call!(ApplicationsCreate, "create-application", |_, _| {
            api::CreateApplication::new("Another app")
        }),
        call!(
            ApplicationsUpdate,
            "create-application-license-levels",
            |a, _| api::CreateLicenseLevels::new(a, ["gold"])
        ),
        call!(
            ApplicationsRead,
            "get-application-license-levels",
            |a, _| api::GetLicenseLevels::new(a)
        ),
        call!(ApplicationsUpdate, "update-application-settings", |a, _| {
            api::UpdateApplicationSettings::new(a, SettingChange::Status(AppStatusSetting::Online))
        }),
        call!(ApplicationsUpdate, "update-api-keys", |a, _| {
            api::RotateRuntimeKey::new(a, RuntimeKeyType::HttpKey)
        }),
        call!(ApplicationsRead, "get-application-settings", |a, _| {
            api::GetApplicationSettings::new(a)
        }),
        call!(LicensesRead, "get-licenses-metadata", |a, _| {
            api::GetLicensesMetadata::new(a)
        }),
        call!(LicensesRead, "get-licenses-table", |a, _| {
            api::GetLicensesTable::new(a).search(TableSearch::new("X"))
        }),
        call!(LicensesCreate, "create-licenses", |a, _| {
            api::CreateLicenses::new(a, spec("SCOPE-******"), 1)
        }),
        call!(LicensesUpdate, "edit-licenses", |a, l| {
            api::EditLicense::new(a, l, spec("EDIT-******"))
        }),
        (
            Scope::LicensesUpdate,
            "add_time_to_every_license",
            action(LicenseAction::AddTimeToEveryLicense { duration: days(1) }),
        ),
        (
            Scope::LicensesUpdate,
            "pause_every_license",
            action(LicenseAction::PauseEveryLicense),
        ),
        (
            Scope::LicensesUpdate,
            "unpause_every_license",
            action(LicenseAction::UnpauseEveryLicense),
        ),
        (
            Scope::LicensesUpdate,
            "extend_duration_license",
            action(LicenseAction::Extend {
                license_id: l.clone(),
                duration: days(1),
            }),
        ),
        (
            Scope::LicensesUpdate,
            "reset_client_id_license",
            action(LicenseAction::ResetClientId {
                license_id: l.clone(),
            }),
        ),
        (
            Scope::LicensesUpdate,
            "pause_license",
            action(LicenseAction::Pause {
                license_id: l.clone(),
            }),
        ),
        (
            Scope::LicensesUpdate,
            "unpause_license",
            action(LicenseAction::Unpause {
                license_id: l.clone(),
            }),
        ),
        (
            Scope::LicensesUpdate,
            "blacklist_license",
            action(LicenseAction::Blacklist {
                license_id: l.clone(),
            }),
        ),
        (
            Scope::LicensesUpdate,
            "unblacklist_license",
            action(LicenseAction::Unblacklist {
                license_id: l.clone(),
            }),
        ),
        (
            Scope::LicensesUpdate,
            "reinitialize_license",
            action(LicenseAction::Reinitialize {
                license_id: l.clone(),
            }),
        ),
        (
            Scope::LicensesUpdate,
            "link_license_to_user",
            action(LicenseAction::LinkToUser {
                license_id: l.clone(),
                user_login: "alice".into(),
            }),
        ),
        // Deleting last: they remove the license the others act on.
        (
            Scope::LicensesDelete,
            "delete_license",
            action(LicenseAction::Delete {
                license_id: l.clone(),
            }),
        ),
        (
            Scope::LicensesDelete,
            "delete_every_license",
            action(LicenseAction::DeleteEveryLicense),
        ),
        call!(ApplicationsDelete, "delete-application", |a, _| {
            api::DeleteApplication::new(a)
        }),
    ]
}

fn first_license(emulator: &Emulator, app: &ApplicationId) -> LicenseId {
    emulator.licenses(app)[0].id.clone()
}

#[test]
fn every_route_needs_its_scope_and_only_its_scope() {
    let s = setup();
    s.create("LIC-******", 2);
    s.emulator.add_app_user(&s.app, "alice").expect("user");
    let license = first_license(&s.emulator, &s.app);
    let calls = calls(&s.app, &license);
    assert_eq!(
        calls.len(),
        13 + 12,
        "13 routes (license-action once per action)"
    );
    for (scope, name, call) in &calls {
        // Every scope but this one: refused, the state unchanged.
        let others = Scope::ALL.into_iter().filter(|s| s != scope);
        let without = s
            .emulator
            .client_with_key(s.emulator.create_key(KeySpec::new(others)));
        let before = s.emulator.snapshot();
        let result = call(&without);
        assert_eq!(
            status_and_code(result),
            (403, "insufficient_scope".into()),
            "{name}"
        );
        assert_eq!(s.emulator.snapshot(), before, "{name}");
        if let Err(Error::Api(api)) = call(&without) {
            assert_eq!(api.message(), "Insufficient API key scope.");
            assert_eq!(api.required_scope(), Some(*scope), "{name}");
        }
        // Only this scope: enough.
        let only = s
            .emulator
            .client_with_key(s.emulator.create_key(KeySpec::new([*scope])));
        call(&only).unwrap_or_else(|e| panic!("{name} with only {scope}: {e}"));
    }
}

#[test]
fn restricted_keys_see_and_touch_only_their_applications() {
    let s = setup();
    let other = s
        .emulator
        .create_application("Other application")
        .expect("app");
    s.create("MINE-******", 2);
    s.client
        .send(&api::CreateLicenses::new(
            other.clone(),
            spec("THEIRS-******"),
            2,
        ))
        .expect("licenses");
    let key = s
        .emulator
        .create_key(KeySpec::all_scopes().only_applications([s.app.clone()]));
    let restricted = s.emulator.client_with_key(key);

    // get-applications is filtered, not refused.
    let visible: Vec<ApplicationId> = restricted
        .send(&api::GetApplications)
        .expect("list")
        .into_iter()
        .map(|app| app.id)
        .collect();
    assert_eq!(visible, std::slice::from_ref(&s.app));

    // create-application needs all-application access, whatever the scopes.
    assert_eq!(
        status_and_code(restricted.send(&api::CreateApplication::new("Not allowed"))),
        (403, "application_forbidden".into())
    );

    // Every route on the other application is refused; on its own, allowed.
    let theirs = first_license(&s.emulator, &other);
    for (_, name, call) in calls(&other, &theirs) {
        if name == "get-applications" || name == "create-application" {
            continue;
        }
        let before = s.emulator.snapshot();
        assert_eq!(
            status_and_code(call(&restricted)),
            (403, "application_forbidden".into()),
            "{name}"
        );
        assert_eq!(s.emulator.snapshot(), before, "{name}");
    }
    s.emulator.add_app_user(&s.app, "alice").expect("user");
    let mine = first_license(&s.emulator, &s.app);
    for (_, name, call) in calls(&s.app, &mine) {
        if name == "create-application" {
            continue;
        }
        call(&restricted).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // An application of its list that does not exist (deleted above): 404.
    assert_eq!(
        code(restricted.send(&api::GetLicenseLevels::new(s.app.clone()))),
        "not_found"
    );
    // An application outside its list that does not exist: still 403.
    assert_eq!(
        code(restricted.send(&api::GetLicenseLevels::new(
            blazeauth_core::ApplicationId::from(123u64)
        ))),
        "application_forbidden"
    );
}

#[test]
fn unknown_and_malformed_keys_are_invalid() {
    let s = setup();
    let unknown = ManagementKey::parse(
        "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
    )
    .expect("well-formed");
    let malformed =
        ManagementKey::parse_unchecked_format("sk_live_not_a_blazeauth_key").expect("printable");
    // Right public id, wrong secret.
    let admin = s.emulator.admin_key();
    let mut mismatched = admin.expose_secret().to_owned();
    let last = mismatched.pop();
    mismatched.push(if last == Some('A') { 'B' } else { 'A' });
    let mismatched = ManagementKey::parse(&mismatched).expect("well-formed");
    for key in [unknown, malformed, mismatched] {
        let client = s.emulator.client_with_key(key);
        assert_eq!(
            status_and_code(client.send(&api::GetApplications)),
            (401, "api_key_invalid".into())
        );
    }
    // No header, another scheme: through the raw handler.
    for auth in [
        None,
        Some("Basic dXNlcjpwYXNz"),
        Some("Bearer"),
        Some("Bearer "),
    ] {
        let mut request = common::http_request("GET", "/api/v1/panel/get-applications", None, b"");
        if let Some(auth) = auth {
            request
                .headers_mut()
                .insert("authorization", auth.parse().expect("header"));
        }
        let response = s.emulator.handle(request);
        assert_eq!(response.status(), 401, "{auth:?}");
        assert_eq!(
            common::json(&response)["code"],
            "api_key_invalid",
            "{auth:?}"
        );
    }
}

#[test]
fn revoked_and_expired_keys_are_refused() {
    let s = setup();
    let revoked = s.emulator.create_key(KeySpec::all_scopes());
    let client = s.emulator.client_with_key(revoked.clone());
    client.send(&api::GetApplications).expect("usable before");
    s.emulator.revoke_key(&revoked);
    assert_eq!(
        status_and_code(client.send(&api::GetApplications)),
        (401, "api_key_revoked".into())
    );

    let expired = s.emulator.create_key(KeySpec::all_scopes());
    let client = s.emulator.client_with_key(expired.clone());
    client.send(&api::GetApplications).expect("usable before");
    s.emulator.expire_key(&expired);
    assert_eq!(
        status_and_code(client.send(&api::GetApplications)),
        (401, "api_key_expired".into())
    );

    // A key with an expiry date, on the manual clock.
    let in_an_hour = s.emulator.now() + Duration::from_secs(3600);
    let dated = s
        .emulator
        .create_key(KeySpec::all_scopes().expires_at(in_an_hour));
    let client = s.emulator.client_with_key(dated);
    s.advance(Duration::from_secs(3599));
    client.send(&api::GetApplications).expect("one second left");
    s.advance(Duration::from_secs(1));
    assert_eq!(code(client.send(&api::GetApplications)), "api_key_expired");

    // Revocation wins over expiry; a revoked key refuses every route.
    s.emulator.revoke_key(&expired);
    let client = s.emulator.client_with_key(expired);
    assert_eq!(
        code(client.send(&api::GetLicensesMetadata::new(s.app.clone()))),
        "api_key_revoked"
    );
    // The admin key is untouched.
    s.client.send(&api::GetApplications).expect("admin");
}

#[test]
fn key_errors_come_before_scope_and_validation_errors() {
    let s = setup();
    let no_scopes = s.emulator.create_key(KeySpec::new([]));
    s.emulator.revoke_key(&no_scopes);
    let client = s.emulator.client_with_key(no_scopes);
    let bad_body = common::raw(
        &client,
        http::Method::POST,
        "create-application",
        &[],
        Some(serde_json::json!({"name": 1})),
    );
    assert_eq!(code(bad_body), "api_key_revoked");
    let scoped_out = s
        .emulator
        .client_with_key(s.emulator.create_key(KeySpec::new([])));
    let bad_body = common::raw(
        &scoped_out,
        http::Method::POST,
        "create-application",
        &[],
        Some(serde_json::json!({"name": 1})),
    );
    assert_eq!(code(bad_body), "insufficient_scope");
}
