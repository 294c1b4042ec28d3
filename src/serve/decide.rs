//! The stateless decision: one client from the facts in the request, decided as `evaluate`
//! decides a row of a JSON input, answered as `evaluate --format json` writes it. Nothing is
//! stored: the service keeps only the facts it imports.

use serde_json::Value;

use super::api::{ErrorKind, ServiceError};
use super::live::Loaded;
use crate::client::columns::{self, Matcher};
use crate::client::{ReadOptions, Reject, RowParser};
use crate::report::DecisionJson;

/// Decides the client the JSON object `body` describes under the version `live`. A field
/// this policy does not read, a value that fails the row checks, or rules that fail: 422
/// naming the field.
pub fn decide_one(live: &Loaded, body: &[u8]) -> Result<Value, ServiceError> {
    let setup = live.setup();
    let (declared, checks) = setup.input_checks();
    let options = ReadOptions {
        declared,
        checks,
        scored: Some(setup.scored_columns()),
        ..ReadOptions::default()
    };
    // A field no column takes is refused: in a request, a misspelt fact silently ignored
    // would decide the client on less than the ERP sent.
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        let names: Vec<String> = map.keys().map(|k| k.trim().to_string()).collect();
        let matcher = Matcher {
            map: None,
            declared: options.declared.clone(),
        };
        if let Ok(h) = columns::resolve(&names, &matcher, options.scored.as_deref(), false)
            && let Some(name) = h.notes.ignored.first()
        {
            return Err(ServiceError::invalid(
                name,
                "is not a fact this policy reads; leave it out, or declare it in the policy's `[inputs] extra`",
            ));
        }
    } else if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        return Err(ServiceError::new(
            ErrorKind::Malformed,
            "the body must be one client as a JSON object, e.g. {\"id\": \"D001\", \"annual_sales\": \"5000000.00\", ...}",
        ));
    }
    let client = RowParser::for_json(&options)
        .json_object(1, body)
        .map_err(reject_error)?;
    let decided = live.decide(&client).map_err(reject_error)?;
    serde_json::to_value(DecisionJson::new(&decided.decision, live.identity()))
        .map_err(|e| ServiceError::internal(format!("the decision cannot be written: {e}")))
}

/// A rejected client as the service's error: malformed JSON is 400, a bad field 422.
pub fn reject_error(r: Reject) -> ServiceError {
    if r.field.is_empty() {
        let kind = if r.reason.starts_with("is not a JSON object") {
            ErrorKind::Malformed
        } else {
            ErrorKind::Invalid
        };
        ServiceError::new(kind, format!("the client {}", r.reason))
    } else {
        ServiceError::invalid(&r.field, r.reason)
    }
}
