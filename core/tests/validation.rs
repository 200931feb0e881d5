//! Every documented constraint of the typed routes, tested at its boundary;
//! each error names the field, and nothing invalid reaches the transport.

mod common;

use blazeauth_core::api::*;
use blazeauth_core::{ApplicationId, Endpoint, Error, LicenseDuration, Problem, build_request};

fn app() -> ApplicationId {
    "1".parse().unwrap()
}

/// Builds `endpoint` and returns the invalid field's name, or `None` when valid.
fn invalid_field<E: Endpoint>(endpoint: &E) -> Option<String> {
    match build_request(&common::config(), endpoint) {
        Ok(_) => None,
        Err(Error::InvalidInput(e)) => Some(e.field().to_owned()),
        Err(other) => panic!("unexpected {other}"),
    }
}

fn spec(mask: &str) -> LicenseSpec {
    LicenseSpec::new(mask, ["pro"], LicenseDuration::from_days(30).unwrap())
}

#[test]
fn application_name_is_6_to_32_characters() {
    assert_eq!(
        invalid_field(&CreateApplication::new("x".repeat(5))).as_deref(),
        Some("name")
    );
    assert_eq!(invalid_field(&CreateApplication::new("x".repeat(6))), None);
    assert_eq!(invalid_field(&CreateApplication::new("x".repeat(32))), None);
    assert_eq!(
        invalid_field(&CreateApplication::new("x".repeat(33))).as_deref(),
        Some("name")
    );
    // Characters, not bytes: six two-byte characters are six.
    assert_eq!(invalid_field(&CreateApplication::new("éééééé")), None);
}

#[test]
fn license_levels_rules() {
    let levels = |l: &[&str]| invalid_field(&CreateLicenseLevels::new(app(), l.iter().copied()));
    assert_eq!(levels(&[]).as_deref(), Some("levels"));
    assert_eq!(levels(&["a"]), None);
    assert_eq!(levels(&["x".repeat(16).as_str()]), None);
    assert_eq!(
        levels(&["ok", "x".repeat(17).as_str()]).as_deref(),
        Some("levels[1]")
    );
    assert_eq!(
        levels(&["  "]).as_deref(),
        Some("levels[0]"),
        "empty after trimming"
    );
    // 16 characters after trimming is fine even with surrounding spaces.
    assert_eq!(levels(&[format!("  {}  ", "x".repeat(16)).as_str()]), None);
    assert_eq!(
        levels(&["pro", "basic", "pro"]).as_deref(),
        Some("levels[2]")
    );
    assert_eq!(
        levels(&["pro", " pro "]).as_deref(),
        Some("levels[1]"),
        "duplicates compared after trimming"
    );
    let err = build_request(
        &common::config(),
        &CreateLicenseLevels::new(app(), ["pro", "pro"]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("\"pro\" more than once"), "{err}");
}

#[test]
fn license_mask_is_6_to_64_characters() {
    let create = |mask: &str| invalid_field(&CreateLicenses::new(app(), spec(mask), 1));
    assert_eq!(create("ABCDE").as_deref(), Some("license"));
    assert_eq!(create("ABCDEF"), None);
    assert_eq!(create(&"A".repeat(64)), None);
    assert_eq!(create(&"A".repeat(65)).as_deref(), Some("license"));
    let edit = EditLicense::new(
        app(),
        blazeauth_core::LicenseId::new("7").unwrap(),
        spec("ABCDE"),
    );
    assert_eq!(invalid_field(&edit).as_deref(), Some("license"));
}

#[test]
fn count_is_1_to_256() {
    let create = |count| invalid_field(&CreateLicenses::new(app(), spec("ABCDEF"), count));
    assert_eq!(create(0).as_deref(), Some("count"));
    assert_eq!(create(1), None);
    assert_eq!(create(256), None);
    assert_eq!(create(257).as_deref(), Some("count"));
    let err = build_request(
        &common::config(),
        &CreateLicenses::new(app(), spec("ABCDEF"), 257),
    )
    .unwrap_err();
    let Error::InvalidInput(e) = err else {
        panic!()
    };
    assert_eq!(
        e.problem(),
        &Problem::Range {
            min: 1,
            max: 256,
            actual: 257
        }
    );
}

#[test]
fn optional_texts_are_at_most_64_characters() {
    let with = |f: fn(LicenseSpec, String) -> LicenseSpec, len: usize| {
        invalid_field(&CreateLicenses::new(
            app(),
            f(spec("ABCDEF"), "c".repeat(len)),
            1,
        ))
    };
    assert_eq!(with(LicenseSpec::comment, 64), None);
    assert_eq!(with(LicenseSpec::comment, 65).as_deref(), Some("comment"));
    assert_eq!(with(LicenseSpec::client_id, 64), None);
    assert_eq!(
        with(LicenseSpec::client_id, 65).as_deref(),
        Some("clientId")
    );
    assert_eq!(with(LicenseSpec::ip_address, 64), None);
    assert_eq!(
        with(LicenseSpec::ip_address, 65).as_deref(),
        Some("ipAddress")
    );
}

#[test]
fn license_levels_must_not_be_empty() {
    let empty: [&str; 0] = [];
    let spec = LicenseSpec::new("ABCDEF", empty, LicenseDuration::from_days(1).unwrap());
    assert_eq!(
        invalid_field(&CreateLicenses::new(app(), spec, 1)).as_deref(),
        Some("licensesSettings.levels")
    );
}

#[test]
fn settings_take_only_their_documented_values() {
    let update = |change| {
        let request = build_request(
            &common::config(),
            &UpdateApplicationSettings::new(app(), change),
        )
        .unwrap();
        serde_json::from_slice::<serde_json::Value>(request.body()).unwrap()
    };
    assert_eq!(
        update(SettingChange::LicenseRequiresClientId(true)),
        serde_json::json!({"field": "applicationLicenseRequiresClientId", "value": true})
    );
    assert_eq!(
        update(SettingChange::UserRequiresClientId(false)),
        serde_json::json!({"field": "applicationUserRequiresClientId", "value": false})
    );
    assert_eq!(
        update(SettingChange::UserRequiresLicense(true)),
        serde_json::json!({"field": "applicationUserRequiresLicense", "value": true})
    );
    assert_eq!(
        update(SettingChange::Version("2.0.1".into())),
        serde_json::json!({"field": "version", "value": "2.0.1"})
    );
    assert_eq!(
        update(SettingChange::Status(AppStatusSetting::Online)),
        serde_json::json!({"field": "status", "value": "online"})
    );
    // The docs state no constraint on the version text: an empty one is sent.
    assert_eq!(
        update(SettingChange::Version(String::new())),
        serde_json::json!({"field": "version", "value": ""})
    );
}

#[test]
fn runtime_key_types() {
    for (key_type, wire) in [
        (RuntimeKeyType::SocketKey, "socketKey"),
        (RuntimeKeyType::HttpKey, "httpKey"),
    ] {
        let request =
            build_request(&common::config(), &RotateRuntimeKey::new(app(), key_type)).unwrap();
        assert_eq!(
            common::body_json(&request),
            serde_json::json!({"type": wire})
        );
    }
}

#[test]
fn table_page_must_be_positive() {
    assert_eq!(
        invalid_field(&GetLicensesTable::new(app()).page(0)).as_deref(),
        Some("currentPage")
    );
    assert_eq!(invalid_field(&GetLicensesTable::new(app()).page(1)), None);
}

#[test]
fn link_to_user_sends_the_login_as_given() {
    // The docs state no constraint on `userLogin`: it is sent as given and
    // the server decides.
    let action = LicenseAction::link_to_user(blazeauth_core::LicenseId::new("7").unwrap(), " ");
    let request = build_request(&common::config(), &RunLicenseAction::new(app(), action)).unwrap();
    assert_eq!(
        common::body_json(&request),
        serde_json::json!({"action": "link_license_to_user", "licenseId": "7", "userLogin": " "})
    );
}

#[test]
fn each_license_action_sends_exactly_its_fields_and_carries_its_scope() {
    use blazeauth_core::Scope::{LicensesDelete, LicensesUpdate};
    let id = || "7001".parse::<blazeauth_core::LicenseId>().unwrap();
    let d = LicenseDuration::from_days(30).unwrap();
    let cases = [
        (
            LicenseAction::AddTimeToEveryLicense { duration: d },
            serde_json::json!({"action": "add_time_to_every_license", "durationSeconds": "30d"}),
            LicensesUpdate,
        ),
        (
            LicenseAction::PauseEveryLicense,
            serde_json::json!({"action": "pause_every_license"}),
            LicensesUpdate,
        ),
        (
            LicenseAction::UnpauseEveryLicense,
            serde_json::json!({"action": "unpause_every_license"}),
            LicensesUpdate,
        ),
        (
            LicenseAction::DeleteEveryLicense,
            serde_json::json!({"action": "delete_every_license"}),
            LicensesDelete,
        ),
        (
            LicenseAction::Extend {
                license_id: id(),
                duration: d,
            },
            serde_json::json!({"action": "extend_duration_license", "licenseId": "7001", "durationSeconds": "30d"}),
            LicensesUpdate,
        ),
        (
            LicenseAction::ResetClientId { license_id: id() },
            serde_json::json!({"action": "reset_client_id_license", "licenseId": "7001"}),
            LicensesUpdate,
        ),
        (
            LicenseAction::Pause { license_id: id() },
            serde_json::json!({"action": "pause_license", "licenseId": "7001"}),
            LicensesUpdate,
        ),
        (
            LicenseAction::Unpause { license_id: id() },
            serde_json::json!({"action": "unpause_license", "licenseId": "7001"}),
            LicensesUpdate,
        ),
        (
            LicenseAction::Delete { license_id: id() },
            serde_json::json!({"action": "delete_license", "licenseId": "7001"}),
            LicensesDelete,
        ),
        (
            LicenseAction::Blacklist { license_id: id() },
            serde_json::json!({"action": "blacklist_license", "licenseId": "7001"}),
            LicensesUpdate,
        ),
        (
            LicenseAction::Unblacklist { license_id: id() },
            serde_json::json!({"action": "unblacklist_license", "licenseId": "7001"}),
            LicensesUpdate,
        ),
        (
            LicenseAction::Reinitialize { license_id: id() },
            serde_json::json!({"action": "reinitialize_license", "licenseId": "7001"}),
            LicensesUpdate,
        ),
        (
            LicenseAction::LinkToUser {
                license_id: id(),
                user_login: "john@example.com".into(),
            },
            serde_json::json!({"action": "link_license_to_user", "licenseId": "7001", "userLogin": "john@example.com"}),
            LicensesUpdate,
        ),
    ];
    assert_eq!(cases.len(), 13);
    for (action, body, scope) in cases {
        let endpoint = RunLicenseAction::new(app(), action);
        assert_eq!(endpoint.scope(), Some(scope), "{body}");
        let request = build_request(&common::config(), &endpoint).unwrap();
        assert_eq!(common::body_json(&request), body);
        assert_eq!(request.uri().query(), Some("applicationId=1"));
    }
}

#[test]
fn invalid_requests_never_reach_the_transport() {
    let script = common::Script::new();
    let client = script.client();
    let err = client.send(&CreateApplication::new("short")).unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    assert!(
        err.to_string()
            .starts_with("request not sent: invalid `name`"),
        "{err}"
    );
    assert_eq!(script.sent(), 0);
}
