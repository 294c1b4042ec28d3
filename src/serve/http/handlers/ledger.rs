//! `POST /v1/ledger` (roles erp, admin): one exposure ledger event recorded.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::Value;

use super::super::Shared;
use super::super::auth::Role;
use super::json_body;
use crate::serve::api::{LedgerEvent, ServiceError};

pub async fn post_event(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ServiceError> {
    state.auth.check(&headers, &[Role::Erp, Role::Admin])?;
    let event = LedgerEvent::parse(&json_body(&headers, body, state.max_body).await?)?;
    let store = state.store()?;
    Ok(Json(store.post_event(&state.policy(), event).await?))
}
