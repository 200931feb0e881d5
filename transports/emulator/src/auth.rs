//! Authentication and authorization of a request: the `Authorization: Bearer`
//! header, the key's state, its scopes and its application access.
//!
//! - No header, another scheme than `Bearer`, a key that is not in the
//!   documented format, an unknown public id or a wrong secret:
//!   `api_key_invalid` (401).
//! - A revoked key: `api_key_revoked` (401); past its expiry:
//!   `api_key_expired` (401). Revocation is checked first.
//! - A missing scope: `insufficient_scope` (403, `Insufficient API key scope.`).
//! - A key restricted away from the application, or restricted at all for
//!   `create-application`: `application_forbidden` (403).

use std::collections::BTreeSet;

use blazeauth_core::{ManagementKey, Scope};
use http::HeaderMap;

use crate::clock::Millis;
use crate::codes;
use crate::keys::Access;
use crate::reply::Failure;
use crate::state::State;

/// The key a request was made with, once authenticated.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    scopes: BTreeSet<Scope>,
    access: Access,
}

impl Caller {
    /// Fails with `insufficient_scope` unless the key has `scope`.
    pub(crate) fn require(&self, scope: Scope) -> Result<(), Failure> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(Failure::forbidden(
                codes::INSUFFICIENT_SCOPE,
                "Insufficient API key scope.",
            ))
        }
    }

    /// Fails with `application_forbidden` unless the key may act on `application`.
    pub(crate) fn require_application(&self, application: u64) -> Result<(), Failure> {
        if self.access.allows(application) {
            Ok(())
        } else {
            Err(Failure::forbidden(
                codes::APPLICATION_FORBIDDEN,
                "This API key is not allowed to access this application.",
            ))
        }
    }

    /// Fails with `application_forbidden` unless the key is for all applications.
    pub(crate) fn require_all_applications(&self) -> Result<(), Failure> {
        match self.access {
            Access::All => Ok(()),
            Access::Only(_) => Err(Failure::forbidden(
                codes::APPLICATION_FORBIDDEN,
                "Creating an application needs an API key for all applications.",
            )),
        }
    }

    /// Whether the key may see `application`.
    pub(crate) fn sees(&self, application: u64) -> bool {
        self.access.allows(application)
    }
}

/// Finds the key of the request's `Authorization` header and checks it is usable at `now`.
pub(crate) fn authenticate(
    state: &State,
    headers: &HeaderMap,
    now: Millis,
) -> Result<Caller, Failure> {
    let invalid = |message| Failure::unauthorized(codes::API_KEY_INVALID, message);
    let header = headers.get(http::header::AUTHORIZATION).ok_or_else(|| {
        invalid("Missing API key: send `Authorization: Bearer <management key>`.")
    })?;
    let header = header.to_str().map_err(|_| invalid("Invalid API key."))?;
    let token = match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => {
            return Err(invalid(
                "The Authorization header must be `Bearer <management key>`.",
            ));
        }
    };
    let key = ManagementKey::parse(token).map_err(|_| invalid("Malformed API key."))?;
    let record = key
        .public_id()
        .and_then(|id| state.keys.iter().find(|k| k.public_id == id))
        .ok_or_else(|| invalid("Invalid API key."))?;
    if record.key != key.expose_secret() {
        return Err(invalid("Invalid API key."));
    }
    if record.revoked {
        return Err(Failure::unauthorized(
            codes::API_KEY_REVOKED,
            "This API key has been revoked.",
        ));
    }
    if record.expires_at.is_some_and(|at| now >= at) {
        return Err(Failure::unauthorized(
            codes::API_KEY_EXPIRED,
            "This API key has expired.",
        ));
    }
    Ok(Caller {
        scopes: record.scopes.clone(),
        access: record.access.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyRecord, KeySpec};

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = value.parse() {
            headers.insert(http::header::AUTHORIZATION, value);
        }
        headers
    }

    fn code(result: Result<Caller, Failure>) -> &'static str {
        result.err().map_or("ok", |f| f.code)
    }

    #[test]
    fn keys_are_checked_in_order() {
        let mut state = State::new(1);
        let mut rng = fastrand::Rng::with_seed(1);
        let record = KeyRecord::generate(&KeySpec::all_scopes(), &mut rng);
        let key = record.key.clone();
        state.keys.push(record);
        let auth = |h: &HeaderMap, state: &State| authenticate(state, h, 10);
        assert_eq!(code(auth(&HeaderMap::new(), &state)), "api_key_invalid");
        assert_eq!(
            code(auth(&headers(&key), &state)),
            "api_key_invalid",
            "no scheme"
        );
        assert_eq!(
            code(auth(&headers(&format!("Basic {key}")), &state)),
            "api_key_invalid"
        );
        assert_eq!(
            code(auth(&headers("Bearer nope"), &state)),
            "api_key_invalid"
        );
        let mut wrong_secret = key.clone();
        let last = wrong_secret.pop();
        wrong_secret.push(if last == Some('A') { 'B' } else { 'A' });
        assert_eq!(
            code(auth(&headers(&format!("Bearer {wrong_secret}")), &state)),
            "api_key_invalid"
        );
        assert_eq!(code(auth(&headers(&format!("bearer {key}")), &state)), "ok");
        state.keys[0].expires_at = Some(10);
        assert_eq!(
            code(auth(&headers(&format!("Bearer {key}")), &state)),
            "api_key_expired"
        );
        state.keys[0].revoked = true;
        assert_eq!(
            code(auth(&headers(&format!("Bearer {key}")), &state)),
            "api_key_revoked"
        );
    }
}
