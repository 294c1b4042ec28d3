//! `/health`, `/metrics` and `/openapi.json`: no token needed.

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::Shared;

/// 200 `ok` or `degraded` (a reload refused since the last good load), 503 `unavailable`
/// when the database does not answer.
pub async fn health(State(state): State<Shared>) -> Response {
    let loaded = state.policy();
    let failure = state.live.failure();
    let database = json!(state.db.backend().as_str());
    let reachable = state.db.ping().await.map_err(|e| e.message);
    let (code, status) = match (&reachable, &failure) {
        (Err(_), _) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        (Ok(()), Some(_)) => (StatusCode::OK, "degraded"),
        (Ok(()), None) => (StatusCode::OK, "ok"),
    };
    let mut body = json!({
        "status": status,
        "policy": loaded.identity(),
        "as_of": loaded.as_of().to_string(),
        "loaded_at": loaded.loaded_at,
        "reload_failure": failure,
        "database": database,
    });
    if let Err(why) = reachable {
        body["database_error"] = json!(why);
    }
    (code, Json(body)).into_response()
}

pub async fn metrics(State(state): State<Shared>) -> Response {
    // The version serving may have changed without a reload (a new day).
    state.metrics.policy(state.policy().identity());
    let mut resp = state.metrics.encode().into_response();
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    resp
}

pub async fn openapi(State(state): State<Shared>) -> Response {
    let mut resp = state.openapi.clone().into_response();
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}
