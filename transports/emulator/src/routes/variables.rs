//! Variable routes (`API.md` section 7): list, create, edit.
//!
//! The body of create and edit is checked as documented: `name` 3–64
//! characters, `description` a string of at most 64 characters or `null`
//! (the key must be present: leaving it out is a 400), `value` at most 16,000
//! characters, `strategy` `auth_required` or `auth_not_required`. Names need
//! not be unique (the docs do not say). `edit-variable`'s success message is
//! undocumented; the emulator answers `Variable updated successfully`.

use serde_json::{Value, json};

use crate::clock::iso8601;
use crate::input::{Body, invalid_format, parse_json};
use crate::reply::{Failure, Success};
use crate::router::Ctx;
use crate::rules;
use crate::state::Variable;

/// The emulator's success message for `edit-variable` (undocumented).
pub(crate) const UPDATED: &str = "Variable updated successfully";

/// `GET get-variables`: every variable, in creation order.
pub(crate) fn get_variables(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let rows: Vec<Value> = ctx.app(id)?.variables.iter().map(row).collect();
    Ok(Success::data(
        "Get variables successfully",
        Value::Array(rows),
    ))
}

fn row(variable: &Variable) -> Value {
    json!({
        "id": variable.id.to_string(),
        "name": variable.name,
        "description": variable.description,
        "value": variable.value,
        "strategy": variable.strategy,
        "updatedAt": iso8601(variable.updated_at),
    })
}

/// The checked body of create and edit.
struct VariableBody {
    name: String,
    description: Option<String>,
    value: String,
    strategy: String,
}

impl VariableBody {
    fn read(bytes: &[u8]) -> Result<Self, Failure> {
        let json = parse_json(bytes)?;
        let body = Body::of(&json)?;
        let name = body.string("name")?;
        rules::chars("name", name, rules::VARIABLE_NAME.0, rules::VARIABLE_NAME.1)?;
        let Some(object) = json.as_object() else {
            return Err(invalid_format("body", "must be a JSON object"));
        };
        let description = match object.get("description") {
            None => {
                return Err(invalid_format(
                    "description",
                    "is required: a string or null",
                ));
            }
            Some(Value::Null) => None,
            Some(Value::String(text)) => {
                rules::chars("description", text, 0, rules::VARIABLE_DESCRIPTION_MAX)?;
                Some(text.clone())
            }
            Some(_) => return Err(invalid_format("description", "must be a string or null")),
        };
        let value = body.string("value")?;
        rules::chars("value", value, 0, rules::VARIABLE_VALUE_MAX)?;
        let strategy = body.string("strategy")?;
        if !rules::VARIABLE_STRATEGIES.contains(&strategy) {
            return Err(invalid_format(
                "strategy",
                "must be \"auth_required\" or \"auth_not_required\"",
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            description,
            value: value.to_owned(),
            strategy: strategy.to_owned(),
        })
    }
}

/// `POST create-variable`.
pub(crate) fn create_variable(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let body = VariableBody::read(ctx.body)?;
    ctx.app(id)?;
    let variable_id = ctx.state.allocate_id();
    let now = ctx.now;
    ctx.app_mut(id)?.variables.push(Variable {
        id: variable_id,
        name: body.name,
        description: body.description,
        value: body.value,
        strategy: body.strategy,
        updated_at: now,
    });
    Ok(Success::message("Variable created successfully"))
}

/// `PATCH edit-variable`: the whole body replaces the variable's fields.
pub(crate) fn edit_variable(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let variable_id = ctx.query.id("variableId")?;
    let body = VariableBody::read(ctx.body)?;
    let now = ctx.now;
    let variable = ctx
        .app_mut(id)?
        .variables
        .iter_mut()
        .find(|v| Some(v.id) == variable_id)
        .ok_or_else(|| Failure::not_found("Variable not found."))?;
    variable.name = body.name;
    variable.description = body.description;
    variable.value = body.value;
    variable.strategy = body.strategy;
    variable.updated_at = now;
    Ok(Success::message(UPDATED))
}
