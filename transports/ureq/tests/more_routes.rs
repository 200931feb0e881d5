//! App users, variables, files, live sessions and account limits, end to end
//! over real HTTP: the SDK on [`UreqTransport`] against the emulator served
//! on 127.0.0.1. Each test checks the typed answer and the emulator's state.

mod support;

use blazeauth_core::api::{
    self, CheckFileName, CreateAppUser, CreateVariable, EditVariable, FileName, GetAccountLimits,
    GetSessions, GetUploadUrl, GetUsersMetadata, GetUsersTable, GetVariables, Session, UploadKind,
    UserRow, VariableSpec, VariableStrategy,
};
use blazeauth_core::{
    ApiErrorCode, ApplicationId, Client, Error, RawRequest, Scope, SessionSearch,
    SessionSearchCategory, TableSearch, UserSearchCategory,
};
use blazeauth_emulator::{Emulator, KeySpec, NewSession, Plan, Server};
use blazeauth_ureq::{FileUpload, UploadError, UreqTransport, upload_file};

struct Setup {
    emulator: Emulator,
    server: Server,
    client: Client<UreqTransport>,
    app: ApplicationId,
}

fn setup() -> Setup {
    let emulator = Emulator::builder().seed(11).page_size(4).build();
    let server = emulator.serve().expect("serve");
    let client = blazeauth_ureq::client(support::served_config(&server));
    let app = emulator.create_application("Routes app").expect("app");
    Setup {
        emulator,
        server,
        client,
        app,
    }
}

fn api_code(error: &Error) -> Option<&str> {
    error.api_code().map(ApiErrorCode::as_str)
}

#[test]
fn app_users_are_created_listed_searched_and_counted() {
    let Setup {
        emulator,
        server,
        client,
        app,
    } = setup();
    for i in 0..9 {
        let mut user = CreateAppUser::new(&app, format!("user{i}@example.com"), "pw-Secret-1")
            .levels(["pro"])
            .requires_license(i % 2 == 0)
            .ip_address(format!("10.0.{}.1", i % 3))
            .setting("requiresClientId", serde_json::json!(i == 4));
        if i == 4 {
            user = user.client_id("HWID-4");
        }
        let done = client.send(&user).expect("create user");
        assert_eq!(done.message, "User created successfully");
    }
    // Logins are unique per application in the emulator.
    let again = client
        .send(&CreateAppUser::new(&app, "user1@example.com", "x"))
        .unwrap_err();
    assert_eq!(api_code(&again), Some("conflict"));

    let rows: Vec<UserRow> = client
        .pages(GetUsersTable::new(&app))
        .rows()
        .collect::<Result<_, _>>()
        .expect("every page");
    assert_eq!(rows.len(), 9);
    assert_eq!(rows[4].client_id.as_deref(), Some("HWID-4"));
    let settings = rows[4].settings.as_ref().expect("settings");
    assert_eq!(settings.requires_client_id, Some(true));
    assert_eq!(settings.requires_license, Some(true));
    assert_eq!(settings.credentials_type.as_deref(), Some("email_password"));
    assert!(rows[0].created_at.is_some());
    let snapshot = emulator.applications()[0].app_users.clone();
    assert_eq!(snapshot.len(), 9);
    assert_eq!(rows[8].id, snapshot[8].id);

    let by_ip = TableSearch::new("10.0.1.").category(UserSearchCategory::Ipv4);
    let found: Vec<UserRow> = client
        .pages(GetUsersTable::new(&app).search(by_ip.clone()))
        .rows()
        .collect::<Result<_, _>>()
        .expect("search");
    assert_eq!(found.len(), 3);
    let meta = client.send(&GetUsersMetadata::new(&app)).expect("metadata");
    assert_eq!(meta.total_users, 9);
    let meta = client
        .send(&GetUsersMetadata::new(&app).search(by_ip))
        .expect("metadata");
    assert_eq!(meta.total_users, 3);

    // Scope: a key without app_users:* is refused, naming the scope.
    let key = emulator.create_key(KeySpec::new([Scope::LicensesRead]));
    let config = blazeauth_core::Config::builder(key)
        .base_url(server.base_url())
        .build()
        .unwrap();
    let weak = blazeauth_ureq::client(config);
    let refused = weak.send(&GetUsersTable::new(&app)).unwrap_err();
    assert_eq!(api_code(&refused), Some("insufficient_scope"));
}

#[test]
fn variables_are_created_listed_and_edited_with_null_descriptions_kept() {
    let Setup {
        emulator,
        client,
        app,
        server: _server,
    } = setup();
    let created = client
        .send(&CreateVariable::new(
            &app,
            VariableSpec::new(
                "api_url",
                "https://example.com",
                VariableStrategy::AuthRequired,
            ),
        ))
        .expect("create");
    assert_eq!(created.message, "Variable created successfully");
    client
        .send(&CreateVariable::new(
            &app,
            VariableSpec::new("motd", "hello", VariableStrategy::AuthNotRequired)
                .description("message of the day"),
        ))
        .expect("create");
    let list = client.send(&GetVariables::new(&app)).expect("list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].description, None);
    assert_eq!(list[1].description.as_deref(), Some("message of the day"));
    assert_eq!(list[1].strategy, Some(VariableStrategy::AuthNotRequired));

    let edited = client
        .send(&EditVariable::new(
            &app,
            &list[1].id,
            VariableSpec::new("motd", "v".repeat(16_000), VariableStrategy::AuthRequired),
        ))
        .expect("edit");
    assert_eq!(edited.message, "Variable updated successfully");
    let state = &emulator.applications()[0].variables;
    assert_eq!(state[1].value.len(), 16_000);
    assert_eq!(state[1].description, None, "the edit sent an explicit null");
    assert_eq!(state[1].strategy, "auth_required");

    let missing = client
        .send(&EditVariable::new(
            &app,
            blazeauth_core::VariableId::from(1u64),
            VariableSpec::new("abc", "", VariableStrategy::AuthRequired),
        ))
        .unwrap_err();
    assert_eq!(missing.status().map(|s| s.as_u16()), Some(404));
    // Refused before sending: nothing reaches the server.
    let handled = emulator.requests_handled();
    let too_long = client.send(&CreateVariable::new(
        &app,
        VariableSpec::new("ab", "", VariableStrategy::AuthRequired),
    ));
    assert!(matches!(too_long, Err(Error::InvalidInput(_))));
    assert_eq!(emulator.requests_handled(), handled);
}

#[test]
fn an_upload_reaches_storage_without_the_key_and_names_stay_unique() {
    let Setup {
        emulator,
        server,
        client,
        app,
    } = setup();
    let name = FileName::new(" installer v2 ").unwrap();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let free = client
        .send(&CheckFileName::new(&app, name.clone()))
        .expect("check");
    assert_eq!(free.message, "File name is available");
    upload_file(
        &client,
        &app,
        FileUpload {
            media_type: Some("application/octet-stream"),
            ..FileUpload::new(&name, &bytes)
        },
    )
    .expect("upload");

    let files = emulator.applications()[0].files.clone();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "installer v2");
    assert_eq!(files[0].bytes.as_deref(), Some(bytes.as_slice()));
    assert_eq!(
        files[0].media_type.as_deref(),
        Some("application/octet-stream")
    );
    // The storage host saw one PUT, and neither the key nor its secret part
    // in any header, name or value.
    let key = server.admin_key();
    // `blz_mgmt_bak_<16>_<48-character secret>`: the part after the last `_`.
    let secret = key.expose_secret().rsplit('_').next().unwrap().to_owned();
    assert_eq!(secret.len(), 48);
    let seen = &files[0].storage_requests;
    assert_eq!(seen.len(), 1);
    assert!(seen[0].accepted);
    assert_eq!(seen[0].method, "PUT");
    for (header, value) in &seen[0].headers {
        assert_ne!(header, "authorization");
        assert!(!value.contains(&secret), "{header}: {value}");
        assert!(!value.contains(key.expose_secret()), "{header}");
    }

    // The name is taken now: the documented code-less failure, from both routes.
    for error in [
        client
            .send(&CheckFileName::new(&app, name.clone()))
            .unwrap_err(),
        client
            .send(&GetUploadUrl::new(&app, name.clone(), 3))
            .unwrap_err(),
    ] {
        let api = error.api_error().expect("API error");
        assert_eq!(api.code(), None);
        assert_eq!(
            api.message(),
            "File name must be unique for your application"
        );
    }
    let taken = upload_file(&client, &app, FileUpload::new(&name, b"abc")).unwrap_err();
    assert!(
        matches!(taken, UploadError::UploadUrl(Error::Api(_))),
        "{taken:?}"
    );

    // The upload status, a route the docs only name, through a raw request.
    let status = client
        .send(
            &RawRequest::post("/api/v1/panel/check-file-uploaded-status")
                .query("applicationId", app.as_str())
                .json(&serde_json::json!({"fileName": "installer v2"}))
                .unwrap()
                .with_scope(Scope::FilesUpload),
        )
        .expect("status");
    assert_eq!(
        status.message.as_deref(),
        Some("File uploaded successfully")
    );

    // Avatar URLs are refused before sending.
    let handled = emulator.requests_handled();
    let avatar = client
        .send(&GetUploadUrl::new(&app, FileName::new("face").unwrap(), 1).kind(UploadKind::Avatar));
    assert!(matches!(avatar, Err(Error::InvalidInput(_))));
    assert_eq!(emulator.requests_handled(), handled);
}

#[test]
fn the_storage_host_refuses_a_request_that_carries_a_key() {
    let Setup {
        emulator,
        server,
        client,
        app,
    } = setup();
    let name = FileName::new("leaky").unwrap();
    let url = client.send(&GetUploadUrl::new(&app, name, 3)).expect("url");
    // A careless client that sends its key along: the storage host says no,
    // and records what it saw (which is how the test above can prove absence).
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let key = server.admin_key();
    let response = agent
        .put(url.expose_secret())
        .header("Authorization", &format!("Bearer {}", key.expose_secret()))
        .send(&b"abc"[..])
        .expect("answered");
    assert_eq!(response.status().as_u16(), 400);
    let file = &emulator.applications()[0].files[0];
    assert_eq!(file.bytes, None);
    assert!(!file.storage_requests[0].accepted);
    assert!(
        file.storage_requests[0]
            .headers
            .iter()
            .any(|(name, _)| name == "authorization")
    );
}

#[test]
fn live_sessions_are_paged_searched_and_gated_by_the_plan() {
    let Setup {
        emulator,
        client,
        app,
        server: _server,
    } = setup();
    for i in 0..7 {
        let mut session = NewSession::new("eu-1")
            .ip(format!("10.1.0.{i}"))
            .license(format!("KEY-{i}"));
        if i % 2 == 0 {
            session = session
                .login(format!("user{i}"))
                .client_id(format!("HWID-{i}"));
        }
        emulator.add_session(&app, session).unwrap();
    }
    let first = client
        .send(&GetSessions::new(&app).page_size(3))
        .expect("page 1");
    assert_eq!((first.total, first.filtered_total), (7, 7));
    assert_eq!(first.authorized_session_count, Some(4));
    assert!(first.last_connection_time.is_some());
    assert_eq!(first.sessions.len(), 3);
    let all: Vec<Session> = client
        .pages(GetSessions::new(&app).page_size(3))
        .rows()
        .collect::<Result<_, _>>()
        .expect("every page");
    assert_eq!(all.len(), 7);
    let licenses: Vec<_> = all.iter().map(|s| s.license.clone().unwrap()).collect();
    assert_eq!(
        licenses,
        (0..7).map(|i| format!("KEY-{i}")).collect::<Vec<_>>()
    );
    assert_eq!(all[0].created_at, first.sessions[0].created_at);

    let search = SessionSearch::new("hwid-").category(SessionSearchCategory::ClientId);
    let found: Vec<Session> = client
        .pages(GetSessions::new(&app).page_size(2).search(search))
        .rows()
        .collect::<Result<_, _>>()
        .expect("search");
    assert_eq!(found.len(), 4);
    // The default category is the license.
    let by_license = client
        .send(&GetSessions::new(&app).search(SessionSearch::new("key-6")))
        .expect("search");
    assert_eq!(by_license.filtered_total, 1);

    emulator.set_plan(Plan::default().feature("liveSessionsOverview", false));
    let gated = client.send(&GetSessions::new(&app)).unwrap_err();
    assert_eq!(gated.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(api_code(&gated), Some("plan_feature_unavailable"));
}

#[test]
fn account_limits_count_the_state_and_keep_future_limits() {
    let Setup {
        emulator,
        client,
        app,
        server: _server,
    } = setup();
    client
        .send(&api::CreateLicenseLevels::new(&app, ["basic", "pro"]))
        .unwrap();
    client
        .send(&CreateVariable::new(
            &app,
            VariableSpec::new("api_url", "x", VariableStrategy::AuthRequired),
        ))
        .unwrap();
    emulator.add_session(&app, NewSession::new("eu-1")).unwrap();
    emulator.set_plan(
        Plan::default()
            .name("Pro")
            .max("createdApplicationsCount", 5)
            .max("futureWidgetsCount", 7)
            .feature("futureFeature", true),
    );
    let limits = client.send(&GetAccountLimits).expect("limits");
    assert_eq!(limits.plan_name.as_deref(), Some("Pro"));
    let apps = limits.created_applications_count().unwrap();
    assert_eq!((apps.current, apps.max), (1.0, Some(5.0)));
    assert_eq!(
        limits
            .created_application_license_levels_count()
            .unwrap()
            .current,
        2.0
    );
    assert_eq!(
        limits.created_application_variable_count().unwrap().current,
        1.0
    );
    assert_eq!(limits.authorized_session_count().unwrap().current, 1.0);
    assert_eq!(limits.api_key_count().unwrap().current, 1.0);
    assert_eq!(limits.live_sessions_overview(), Some(true));
    assert_eq!(limits.geo_balancing(), Some(false));
    assert_eq!(limits.quota("futureWidgetsCount").unwrap().max, Some(7.0));
    assert_eq!(limits.feature("futureFeature"), Some(true));
    assert_eq!(limits.entries.len(), 14);
}
