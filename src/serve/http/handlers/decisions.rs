//! `GET /v1/decisions?after=N&limit=M` (role admin): the decision log as JSON Lines, one
//! audit record a line, as `evaluate --log` writes them.

use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::super::Shared;
use super::super::auth::Role;
use crate::serve::api::ServiceError;

/// Records a page holds unless `limit` says otherwise.
pub const DEFAULT_LIMIT: i64 = 1000;
/// The most records a page holds.
pub const MAX_LIMIT: i64 = 10_000;

pub async fn decisions(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ServiceError> {
    state.auth.check(&headers, &[Role::Admin])?;
    let (after, limit) = page(query.as_deref().unwrap_or(""))?;
    let store = state.store()?;
    let lines = store.decision_log(after, limit).await?;
    let mut body = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for l in lines {
        body.push_str(l.trim_end_matches('\n'));
        body.push('\n');
    }
    let mut resp = body.into_response();
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(resp)
}

/// `after` (default 0) and `limit` (default [`DEFAULT_LIMIT`], 1 to [`MAX_LIMIT`]).
fn page(query: &str) -> Result<(i64, i64), ServiceError> {
    let mut after = 0;
    let mut limit = DEFAULT_LIMIT;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number = |field: &str, min: i64, max: i64| {
            value
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    ServiceError::invalid(
                        field,
                        format!("`{value}` is not a whole number from {min} to {max}"),
                    )
                })
        };
        match key {
            "after" => after = number("after", 0, i64::MAX)?,
            "limit" => limit = number("limit", 1, MAX_LIMIT)?,
            other => {
                return Err(ServiceError::invalid(
                    other,
                    "is not a parameter of this route; use `after` and `limit`",
                ));
            }
        }
    }
    Ok((after, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_checked() {
        assert_eq!(page("").unwrap(), (0, DEFAULT_LIMIT));
        assert_eq!(page("after=5&limit=20").unwrap(), (5, 20));
        assert_eq!(
            page("limit=10001").unwrap_err().field.as_deref(),
            Some("limit")
        );
        assert_eq!(page("afetr=1").unwrap_err().field.as_deref(), Some("afetr"));
    }
}
