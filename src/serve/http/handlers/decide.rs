//! `POST /v1/decide`: one client decided now, nothing kept (roles erp, approver, admin).

use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::super::Shared;
use super::read_body;
use crate::serve::api::ServiceError;
use crate::serve::decide::decide_one;

pub async fn decide(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ServiceError> {
    state.auth.check(&headers, super::ANY)?;
    let bytes = read_body(&headers, body, state.max_body, "--max-body").await?;
    let policy = state.policy();
    let answer = decide_one(&policy, &bytes)?;
    state.metrics.decision(answer.grade);
    Ok((
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        answer.body,
    )
        .into_response())
}
