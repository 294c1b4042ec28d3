//! `GET /v1/policy` (any role): the version serving; `POST /v1/policy/reload` (role admin):
//! the policy loaded again, swapped in when it passes, refused (422) when not.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::super::auth::Role;
use super::super::{Shared, reload_policy};
use crate::serve::api::{ErrorKind, ServiceError};
use crate::serve::live::Loaded;

/// What is served: identity, as-of date, when it was loaded, and the last refused version.
pub fn describe(loaded: &Loaded) -> Value {
    json!({
        "policy": loaded.identity(),
        "as_of": loaded.as_of().to_string(),
        "loaded_at": loaded.loaded_at,
    })
}

pub async fn policy(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Value>, ServiceError> {
    state.auth.check(&headers, super::ANY)?;
    let mut v = describe(&state.policy());
    v["reload_failure"] = json!(state.live.failure());
    Ok(Json(v))
}

pub async fn reload(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Value>, ServiceError> {
    state.auth.check(&headers, &[Role::Admin])?;
    let s = state.clone();
    // Loading compiles every script: off the request threads.
    let result = tokio::task::spawn_blocking(move || reload_policy(&s.live, &s.metrics))
        .await
        .map_err(|e| ServiceError::internal(format!("the reload stopped: {e}")))?;
    match result {
        Ok(now) => Ok(Json(describe(&now))),
        Err(f) => {
            let serving = state.policy();
            let id = serving.identity();
            Err(ServiceError::new(
                ErrorKind::Invalid,
                format!(
                    "the policy was refused, still serving {} {} ({}):\n{}",
                    id.name, id.version, id.hash, f.message
                ),
            ))
        }
    }
}
