//! The stateless decision: one client from the facts in the request, decided as `evaluate`
//! decides a row of a JSON input, answered as `evaluate --format json` writes it. Nothing is
//! stored: the service keeps only the facts it imports.

use std::cell::RefCell;

use super::api::{ErrorKind, ServiceError};
use super::live::Loaded;
use crate::client::{ReadOptions, Reject, RowParser};
use crate::report::DecisionJson;

/// A decision as answered: the JSON bytes, and the grade (for the metrics).
#[derive(Debug, Clone)]
pub struct Answer {
    pub body: Vec<u8>,
    pub grade: &'static str,
}

thread_local! {
    /// Each thread's parser of request bodies and the policy version it reads for: it learns
    /// where each key goes once, not on every request.
    static PARSER: RefCell<Option<(u64, RowParser)>> = const { RefCell::new(None) };
}

/// Decides the client the JSON object `body` describes under the version `live`. A field
/// this policy does not read (a misspelt fact silently ignored would decide the client on less
/// than the ERP sent), a value that fails the row checks, or rules that fail: 422 naming the
/// field; a body that is not one JSON object: 400.
pub fn decide_one(live: &Loaded, body: &[u8]) -> Result<Answer, ServiceError> {
    let client = PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot
            .as_ref()
            .is_none_or(|(serial, _)| *serial != live.serial())
        {
            let setup = live.setup();
            let (declared, checks) = setup.input_checks();
            let options = ReadOptions {
                declared,
                checks,
                scored: Some(setup.scored_columns()),
                ..ReadOptions::default()
            };
            *slot = Some((live.serial(), RowParser::for_json(&options)));
        }
        match slot.as_mut() {
            Some((_, parser)) => parser.json_object(1, body),
            None => unreachable!("the parser was just made"),
        }
    });
    let client = client.map_err(reject_error)?;
    let decided = live.decide(&client).map_err(reject_error)?;
    let d = &decided.decision;
    let body = serde_json::to_vec(&DecisionJson::new(d, live.identity()))
        .map_err(|e| ServiceError::internal(format!("the decision cannot be written: {e}")))?;
    Ok(Answer {
        body,
        grade: d.grade.as_str(),
    })
}

/// A rejected client as the service's error: a body that is not a JSON object is 400, a bad
/// field 422.
pub fn reject_error(r: Reject) -> ServiceError {
    if r.field.is_empty() {
        let kind = if r.reason.starts_with("is not a JSON object")
            || r.reason.starts_with("is not an object")
        {
            ErrorKind::Malformed
        } else {
            ErrorKind::Invalid
        };
        ServiceError::new(kind, format!("the client {}", r.reason))
    } else {
        ServiceError::invalid(&r.field, r.reason)
    }
}
