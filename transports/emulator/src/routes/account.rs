//! `GET get-account-limits` (`API.md` section 10): the plan's name, each
//! limit with its use counted from the state, and each feature. See
//! [`plan`](crate::plan) for what is counted and how the plan is set.

use serde_json::{Map, Value, json};

use crate::plan::{FEATURES, LIMITS};
use crate::reply::{Failure, Success};
use crate::router::Ctx;
use crate::state::State;

/// `GET get-account-limits`.
pub(crate) fn get_limits(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let state = &*ctx.state;
    let plan = &state.plan;
    let mut data = Map::new();
    data.insert("planName".into(), json!(plan.name));
    let names = LIMITS.iter().map(|name| (*name).to_owned()).chain(
        plan.maxima
            .keys()
            .filter(|n| !LIMITS.contains(&n.as_str()))
            .cloned(),
    );
    for name in names {
        let max = plan.maxima.get(&name).copied().unwrap_or(0);
        data.insert(
            name.clone(),
            json!({ "currentValue": current(state, &name), "maxValue": max }),
        );
    }
    let features = FEATURES.iter().map(|name| (*name).to_owned()).chain(
        plan.features
            .keys()
            .filter(|n| !FEATURES.contains(&n.as_str()))
            .cloned(),
    );
    for name in features {
        data.insert(name.clone(), json!({ "currentValue": plan.has(&name) }));
    }
    Ok(Success::data(
        "Successfully fetched limits",
        Value::Object(data),
    ))
}

/// The use of limit `name`, counted from the state (0 for a limit the
/// emulator does not model).
fn current(state: &State, name: &str) -> Value {
    let apps = &state.applications;
    let sum = |f: fn(&crate::state::Application) -> usize| -> usize { apps.iter().map(f).sum() };
    match name {
        "authorizedSessionCount" => json!(sum(|a| a.sessions.len())),
        "storageSizeMib" => {
            let bytes: usize = apps
                .iter()
                .flat_map(|a| &a.files)
                .filter_map(|f| f.bytes.as_ref().map(Vec::len))
                .sum();
            json!(bytes as f64 / (1024.0 * 1024.0))
        }
        "createdApplicationVariableCount" => json!(sum(|a| a.variables.len())),
        "createdApplicationLicenseCount" => json!(sum(|a| a.licenses.len())),
        "createdApplicationUserCount" => json!(sum(|a| a.users.len())),
        "uploadedFilesCount" => json!(sum(|a| a
            .files
            .iter()
            .filter(|f| f.bytes.is_some())
            .count())),
        "createdApplicationsCount" => json!(apps.len()),
        "createdApplicationLicenseLevelsCount" => json!(sum(|a| a.levels.len())),
        "apiKeyCount" => json!(state.keys.iter().filter(|k| !k.revoked).count()),
        _ => json!(0),
    }
}
