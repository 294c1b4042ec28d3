//! The handlers, one file per resource. Each checks the caller's role first, then reads its
//! body (never more than the limit), then makes one call into the live policy or the store;
//! errors are [`ServiceError`]s, answered by [`super`] in one place.

pub mod clients;
pub mod decide;
pub mod decisions;
pub mod health;
pub mod imports;
pub mod ledger;
pub mod orders;
pub mod policy;

use axum::body::{Body, Bytes};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use serde_json::Value;

use super::auth::Role;
use crate::serve::api::{ErrorKind, ServiceError};

/// Every role: the routes any token may call.
pub const ANY: &[Role] = &Role::ALL;

/// The body, at most `limit` bytes: over it, 413 (told by `Content-Length` before reading
/// when the client sends one).
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    flag: &str,
) -> Result<Bytes, ServiceError> {
    let too_large = || {
        ServiceError::new(
            ErrorKind::TooLarge,
            format!("the body is over the limit of {limit} bytes (the service's {flag})"),
        )
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => Ok(b),
        Err(e) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(s) = source {
                if s.is::<http_body_util::LengthLimitError>() {
                    return Err(too_large());
                }
                source = s.source();
            }
            Err(ServiceError::new(
                ErrorKind::Malformed,
                format!("the body could not be read: {e}"),
            ))
        }
    }
}

/// The body as JSON; an empty body is `null` (a request whose fields are all optional).
pub fn parse_json(bytes: &[u8]) -> Result<Value, ServiceError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ServiceError::new(ErrorKind::Malformed, format!("the body is not JSON: {e}")))
}

/// A JSON object body: read within the limit, parsed, `null` refused.
pub async fn json_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Value, ServiceError> {
    let bytes = read_body(headers, body, limit, "--max-body").await?;
    let v = parse_json(&bytes)?;
    if v.is_null() {
        return Err(ServiceError::new(
            ErrorKind::Malformed,
            "the body is empty: send a JSON object",
        ));
    }
    Ok(v)
}

/// A path segment, or 400 when it is not UTF-8 once decoded.
pub fn segment(
    p: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
    name: &str,
) -> Result<String, ServiceError> {
    p.map(|axum::extract::Path(s)| s).map_err(|e| {
        ServiceError::field(ErrorKind::Malformed, name, format!("cannot be read: {e}"))
    })
}
