//! Reading a request's query and JSON body, server-side, with the emulator's
//! own rules ([`rules`](crate::rules), written from the documentation).
//!
//! Every reader fails with a 400 `validation_error` whose message names the
//! field in the form of core's [`InvalidInput`] (``invalid `name`: must be 6
//! to 32 characters, got 5``): the SDK's error type formats the message, the
//! checks are the emulator's. Lengths count characters.

use blazeauth_core::{InvalidInput, Problem};
use serde_json::{Map, Value};

use crate::reply::{Failure, shorten};
use crate::rules;

/// A 400 for `field` with `problem`.
pub(crate) fn invalid(field: impl Into<String>, problem: Problem) -> Failure {
    Failure::invalid(InvalidInput::new(field.into(), problem))
}

/// A 400 for `field` with a free-form reason.
pub(crate) fn invalid_format(field: impl Into<String>, reason: impl Into<String>) -> Failure {
    invalid(
        field,
        Problem::Format {
            reason: reason.into(),
        },
    )
}

pub(crate) use crate::rules::id as parse_id;

/// The decoded query parameters of a request.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Result<Self, Failure> {
        let raw = raw.unwrap_or_default();
        let pairs = rules::query_pairs(raw).map_err(|e| invalid_format("query", e))?;
        Ok(Self { pairs })
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The id in parameter `name`, which must be present.
    /// Every value of a repeated parameter, in order.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn id(&self, name: &str) -> Result<Option<u64>, Failure> {
        let text = self
            .get(name)
            .ok_or_else(|| invalid_format(name, "is required"))?;
        parse_id(name, text)
    }
}

/// A JSON object body (or an object inside one), with the path of its fields.
#[derive(Debug)]
pub(crate) struct Body<'a> {
    prefix: String,
    map: &'a Map<String, Value>,
}

/// Parses `bytes` as JSON; the caller then takes the object with [`Body::of`].
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, Failure> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid_format(
            "body",
            "is empty: this route needs a JSON object",
        ));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| invalid_format("body", format!("is not valid JSON ({e})")))
}

impl<'a> Body<'a> {
    /// The top-level object of `value`.
    pub(crate) fn of(value: &'a Value) -> Result<Self, Failure> {
        match value {
            Value::Object(map) => Ok(Self {
                prefix: String::new(),
                map,
            }),
            _ => Err(invalid_format("body", "must be a JSON object")),
        }
    }

    /// The wire path of `name` in this object.
    pub(crate) fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn present(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn required(&self, name: &str) -> Result<&'a Value, Failure> {
        self.present(name)
            .ok_or_else(|| invalid_format(self.path(name), "is required"))
    }

    fn wrong_type(&self, name: &str, expected: &str) -> Failure {
        invalid_format(self.path(name), format!("must be {expected}"))
    }

    /// A required string.
    pub(crate) fn string(&self, name: &str) -> Result<&'a str, Failure> {
        self.required(name)?
            .as_str()
            .ok_or_else(|| self.wrong_type(name, "a string"))
    }

    /// An optional string (absent or `null`: `None`).
    pub(crate) fn optional_string(&self, name: &str) -> Result<Option<&'a str>, Failure> {
        self.present(name)
            .map(|v| v.as_str().ok_or_else(|| self.wrong_type(name, "a string")))
            .transpose()
    }

    /// A required boolean.
    pub(crate) fn boolean(&self, name: &str) -> Result<bool, Failure> {
        self.required(name)?
            .as_bool()
            .ok_or_else(|| self.wrong_type(name, "true or false"))
    }

    /// A required whole number within `min..=max`.
    pub(crate) fn optional_boolean(&self, name: &str) -> Result<Option<bool>, Failure> {
        self.present(name)
            .map(|v| {
                v.as_bool()
                    .ok_or_else(|| self.wrong_type(name, "true or false"))
            })
            .transpose()
    }

    pub(crate) fn integer(&self, name: &str, min: u64, max: u64) -> Result<u64, Failure> {
        let value = self.required(name)?;
        let number = value.as_u64().ok_or_else(|| {
            self.wrong_type(name, &format!("a whole number between {min} and {max}"))
        })?;
        if number < min || number > max {
            return Err(invalid(
                self.path(name),
                Problem::Range {
                    min,
                    max,
                    actual: number,
                },
            ));
        }
        Ok(number)
    }

    /// A required list of strings.
    pub(crate) fn strings(&self, name: &str) -> Result<Vec<&'a str>, Failure> {
        let list = self
            .required(name)?
            .as_array()
            .ok_or_else(|| self.wrong_type(name, "a list of strings"))?;
        list.iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .ok_or_else(|| self.wrong_type(&format!("{name}[{i}]"), "a string"))
            })
            .collect()
    }

    /// A required nested object.
    pub(crate) fn object(&self, name: &str) -> Result<Body<'a>, Failure> {
        match self.required(name)? {
            Value::Object(map) => Ok(Body {
                prefix: format!("{}.", self.path(name)),
                map,
            }),
            _ => Err(self.wrong_type(name, "an object")),
        }
    }

    /// A required id: a string of digits or a non-negative integer.
    pub(crate) fn id(&self, name: &str) -> Result<Option<u64>, Failure> {
        match self.required(name)? {
            Value::String(text) => parse_id(&self.path(name), text),
            Value::Number(n) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.wrong_type(name, "an id (a string of digits)")),
            _ => Err(self.wrong_type(name, "an id (a string of digits)")),
        }
    }

    /// A required duration, in seconds: a duration string such as `30d`
    /// ([`rules::duration_secs`]); durations are strings only, never numbers.
    pub(crate) fn duration(&self, name: &str) -> Result<u64, Failure> {
        let text = self
            .required(name)?
            .as_str()
            .ok_or_else(|| self.wrong_type(name, "a duration string such as \"30d\""))?;
        rules::duration_secs(text).map_err(|reason| {
            invalid_format(
                self.path(name),
                format!(
                    "is not a valid duration: {} ({})",
                    shorten(text, 64),
                    reason
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<impl std::fmt::Debug, Failure>) -> String {
        result.err().map(|f| f.message).unwrap_or_default()
    }

    #[test]
    fn readers_name_the_field_and_the_problem() {
        let value: Value = serde_json::json!({
            "name": "abc", "count": 0, "flag": "yes", "list": ["a", 1],
            "settings": {"durationSeconds": "90m"}, "id": "12a", "none": null
        });
        let body = Body::of(&value).map_err(|f| f.message);
        let Ok(body) = body else {
            panic!("object expected");
        };
        assert_eq!(body.string("name").ok(), Some("abc"));
        assert_eq!(
            message(body.string("missing")),
            "invalid `missing`: is required"
        );
        assert_eq!(
            message(body.string("count")),
            "invalid `count`: must be a string"
        );
        assert_eq!(
            message(body.integer("count", 1, 256)),
            "invalid `count`: must be between 1 and 256, got 0"
        );
        assert_eq!(
            message(body.boolean("flag")),
            "invalid `flag`: must be true or false"
        );
        assert_eq!(
            message(body.strings("list")),
            "invalid `list[1]`: must be a string"
        );
        assert_eq!(body.optional_string("none").ok(), Some(None));
        let settings = body.object("settings");
        assert!(
            message(settings.and_then(|s| s.duration("durationSeconds")))
                .starts_with("invalid `settings.durationSeconds`: is not a valid duration")
        );
        assert_eq!(
            message(body.id("id")),
            "invalid `id`: must be an id: 1 to 39 ASCII digits"
        );
        assert_eq!(
            message(rules::chars("name", "abc", 6, 32)),
            "invalid `name`: must be 6 to 32 characters, got 3"
        );
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(message(parse_json(b"")).contains("is empty"));
        assert!(message(parse_json(b"{")).contains("not valid JSON"));
        let list = serde_json::json!([1]);
        assert_eq!(
            message(Body::of(&list)),
            "invalid `body`: must be a JSON object"
        );
    }

    #[test]
    fn query_ids_are_digits() {
        let query = Query::parse(Some("applicationId=42&x=%zz"));
        assert!(query.is_err());
        let query = Query::parse(Some("applicationId=42&big=99999999999999999999")).ok();
        let query = query.unwrap_or_default();
        assert_eq!(query.id("applicationId").ok(), Some(Some(42)));
        assert_eq!(query.id("big").ok(), Some(None));
        assert!(query.id("missing").is_err());
    }
}
