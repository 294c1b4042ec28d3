//! `GET /v1/clients/{id}` (any role): a client's facts, live exposure, decision now, grade
//! history and orders waiting.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::Value;

use super::super::Shared;
use super::segment;
use crate::serve::api::ServiceError;

pub async fn client(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ServiceError> {
    state.auth.check(&headers, super::ANY)?;
    let id = segment(id, "id")?;
    let store = state.store()?;
    Ok(Json(store.client(&state.policy(), &id).await?))
}
