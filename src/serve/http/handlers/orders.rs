//! `POST /v1/orders` (roles erp, admin): an order checked against live exposure, reserved
//! when released; `POST /v1/orders/{order_id}/approve` and `/reject` (role approver): the
//! verdict on an order waiting for approval, recorded under the token's name.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::Value;

use super::super::Shared;
use super::super::auth::Role;
use super::{json_body, parse_json, read_body, segment};
use crate::serve::api::{OrderRequest, ServiceError, Verdict};

pub async fn check(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ServiceError> {
    state.auth.check(&headers, &[Role::Erp, Role::Admin])?;
    let req = OrderRequest::parse(&json_body(&headers, body, state.max_body).await?)?;
    let store = state.store()?;
    let answer = store.check_order(&state.policy(), req).await?;
    state
        .metrics
        .order_check(answer.outcome.as_str(), answer.repeated);
    Ok(Json(answer.body))
}

pub async fn approve(
    state: State<Shared>,
    headers: HeaderMap,
    order_id: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<Json<Value>, ServiceError> {
    verdict(state, headers, order_id, body, true).await
}

pub async fn reject(
    state: State<Shared>,
    headers: HeaderMap,
    order_id: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<Json<Value>, ServiceError> {
    verdict(state, headers, order_id, body, false).await
}

async fn verdict(
    State(state): State<Shared>,
    headers: HeaderMap,
    order_id: Result<Path<String>, PathRejection>,
    body: Body,
    approve: bool,
) -> Result<Json<Value>, ServiceError> {
    let caller = state.auth.check(&headers, &[Role::Approver])?;
    let order_id = segment(order_id, "order_id")?;
    let bytes = read_body(&headers, body, state.max_body, "--max-body").await?;
    let verdict = Verdict::parse(&parse_json(&bytes)?)?;
    let store = state.store()?;
    let answer = store
        .verdict(&state.policy(), &order_id, &caller.name, approve, verdict)
        .await?;
    Ok(Json(answer))
}
