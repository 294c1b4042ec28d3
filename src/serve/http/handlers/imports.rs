//! `POST /v1/imports` (role admin): a portfolio decided and kept; its format from the
//! `Content-Type`, its name from `X-Filename` (default `upload`).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde_json::Value;

use super::super::Shared;
use super::super::auth::Role;
use super::read_body;
use crate::serve::api::{ErrorKind, MAX_ID, ServiceError};
use crate::serve::store::{Upload, UploadFormat};

/// The header naming the file imported.
pub const FILENAME_HEADER: &str = "x-filename";

pub async fn import(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ServiceError> {
    state.auth.check(&headers, &[Role::Admin])?;
    let ct = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = UploadFormat::from_content_type(ct).ok_or_else(|| {
        let sent = if ct.is_empty() {
            "no Content-Type".to_string()
        } else {
            format!("`{ct}`")
        };
        ServiceError::field(
            ErrorKind::UnsupportedMedia,
            "Content-Type",
            format!(
                "{sent} is not a portfolio format the service reads; send one of {}",
                UploadFormat::CONTENT_TYPES
            ),
        )
    })?;
    let name = match headers.get(FILENAME_HEADER) {
        None => "upload".to_string(),
        Some(v) => {
            let text = v.to_str().ok().map(str::trim).filter(|t| {
                !t.is_empty() && t.chars().count() <= MAX_ID && !t.chars().any(char::is_control)
            });
            text.map(str::to_string).ok_or_else(|| {
                ServiceError::invalid(
                    "X-Filename",
                    format!("must be a printable name of 1 to {MAX_ID} characters"),
                )
            })?
        }
    };
    let bytes = read_body(&headers, body, state.max_import, "--max-import").await?;
    let store = state.store()?;
    let upload = Upload {
        name,
        format,
        body: bytes.to_vec(),
        columns: state.columns.clone(),
    };
    Ok(Json(store.import(&state.policy(), upload).await?))
}
