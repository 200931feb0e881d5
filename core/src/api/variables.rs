//! Variable routes (`API.md` section 7, partial): listing, creating and
//! editing an application's variables. Deleting a variable exists (scope
//! `variables:delete`) but its route is not documented: use a
//! [`RawRequest`](crate::RawRequest).

use serde::{Deserialize, Serialize};

use super::{Done, app_read_route, done, limits, route};
use crate::endpoint::{Endpoint, MissingField, RequestParts};
use crate::envelope::NoPayload;
use crate::id::{ApplicationId, VariableId};
use crate::validate::{InvalidInput, check_chars};

app_read_route! {
    /// `GET /api/v1/panel/get-variables`: every variable of an application.
    GetVariables => Vec<Variable>, "get-variables", VariablesRead
}

/// A variable of an application.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Variable {
    /// Its id (for edits).
    pub id: VariableId,
    /// Its name.
    pub name: String,
    /// Its description (`None` when the server sends `null`).
    #[serde(default)]
    pub description: Option<String>,
    /// Its value.
    #[serde(default)]
    pub value: Option<String>,
    /// Who may read it.
    #[serde(default)]
    pub strategy: Option<VariableStrategy>,
    /// When it last changed .
    #[serde(default)]
    pub updated_at: Option<crate::Timestamp>,
}

/// Who may read a variable: `auth_required` or `auth_not_required`. Any other
/// value the server sends arrives as [`VariableStrategy::Other`] with its text;
/// sending `Other` sends that text as it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VariableStrategy {
    /// `auth_required`: only signed-in clients read it.
    AuthRequired,
    /// `auth_not_required`: any client reads it.
    AuthNotRequired,
    /// Another value, as sent.
    Other(String),
}

impl VariableStrategy {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            VariableStrategy::AuthRequired => "auth_required",
            VariableStrategy::AuthNotRequired => "auth_not_required",
            VariableStrategy::Other(s) => s,
        }
    }

    fn from_wire(s: String) -> Self {
        match s.as_str() {
            "auth_required" => VariableStrategy::AuthRequired,
            "auth_not_required" => VariableStrategy::AuthNotRequired,
            _ => VariableStrategy::Other(s),
        }
    }
}

impl Serialize for VariableStrategy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for VariableStrategy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from_wire)
    }
}

/// What a variable is: the body shared by create and edit.
///
/// `name` holds 3–64 characters, `value` at most 16,000, `description` at
/// most 64 or none. The API requires the `description` key to be present:
/// without a description it is sent as an explicit `null`, always.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableSpec {
    name: String,
    description: Option<String>,
    value: String,
    strategy: VariableStrategy,
}

impl VariableSpec {
    /// A variable `name` holding `value`, read under `strategy`, with no
    /// description.
    pub fn new(
        name: impl Into<String>,
        value: impl Into<String>,
        strategy: VariableStrategy,
    ) -> Self {
        Self {
            name: name.into(),
            description: None,
            value: value.into(),
            strategy,
        }
    }

    /// A description (at most 64 characters).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks every documented constraint.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        let (min, max) = limits::VARIABLE_NAME_CHARS;
        check_chars("name", &self.name, min, max)?;
        if let Some(description) = &self.description {
            check_chars(
                "description",
                description,
                0,
                limits::VARIABLE_DESCRIPTION_MAX_CHARS,
            )?;
        }
        check_chars("value", &self.value, 0, limits::VARIABLE_VALUE_MAX_CHARS)
    }

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        #[derive(Serialize)]
        struct Body<'a> {
            name: &'a str,
            // Always present: `null` when there is none.
            description: Option<&'a str>,
            value: &'a str,
            strategy: &'a VariableStrategy,
        }
        self.validate()?;
        parts.json_body(&Body {
            name: &self.name,
            description: self.description.as_deref(),
            value: &self.value,
            strategy: &self.strategy,
        })?;
        Ok(())
    }
}

/// `POST /api/v1/panel/create-variable`: creates a variable. The response
/// holds no id: list the variables to find it. A mutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateVariable {
    application_id: ApplicationId,
    spec: VariableSpec,
}

impl CreateVariable {
    /// A request to create `spec` in `application_id`.
    pub fn new(application_id: impl Into<ApplicationId>, spec: VariableSpec) -> Self {
        Self {
            application_id: application_id.into(),
            spec,
        }
    }
}

impl Endpoint for CreateVariable {
    type Payload = NoPayload;
    type Output = Done;
    route!(POST, "create-variable", VariablesCreate);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        parts.query("applicationId", self.application_id.as_str());
        self.spec.write(parts)
    }

    fn output(&self, message: Option<String>, _: NoPayload) -> Result<Done, MissingField> {
        Ok(done(message))
    }
}

/// `PATCH /api/v1/panel/edit-variable`: replaces a variable's name,
/// description, value and strategy (the whole body, as in create). The
/// success message is not documented; it is returned as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditVariable {
    application_id: ApplicationId,
    variable_id: VariableId,
    spec: VariableSpec,
}

impl EditVariable {
    /// A request to set variable `variable_id` to `spec`.
    pub fn new(
        application_id: impl Into<ApplicationId>,
        variable_id: impl Into<VariableId>,
        spec: VariableSpec,
    ) -> Self {
        Self {
            application_id: application_id.into(),
            variable_id: variable_id.into(),
            spec,
        }
    }
}

impl Endpoint for EditVariable {
    type Payload = NoPayload;
    type Output = Done;
    route!(PATCH, "edit-variable", VariablesUpdate);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        parts.query("applicationId", self.application_id.as_str());
        parts.query("variableId", self.variable_id.as_str());
        self.spec.write(parts)
    }

    fn output(&self, message: Option<String>, _: NoPayload) -> Result<Done, MissingField> {
        Ok(done(message))
    }
}
