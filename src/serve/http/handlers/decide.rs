//! `POST /v1/decide`: one client decided now, nothing kept (roles erp, approver, admin).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::Value;

use super::super::Shared;
use super::read_body;
use crate::serve::api::ServiceError;
use crate::serve::decide::decide_one;

pub async fn decide(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ServiceError> {
    state.auth.check(&headers, super::ANY)?;
    let bytes = read_body(&headers, body, state.max_body, "--max-body").await?;
    let policy = state.policy();
    let answer = decide_one(&policy, &bytes)?;
    let grade = answer
        .get("grade")
        .or_else(|| answer.get("decision").and_then(|d| d.get("grade")))
        .and_then(Value::as_str)
        .unwrap_or("none");
    state.metrics.decision(grade);
    Ok(Json(answer))
}
