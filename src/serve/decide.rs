//! The stateless decide: one client, decided now, nothing kept.
//!
//! Stub for the HTTP layer to compile against; the real implementation replaces this file.

use serde_json::Value;

use super::api::ServiceError;
use super::live::Loaded;

/// Decides the client of `body` (a JSON object) with `live`.
pub fn decide_one(live: &Loaded, body: &[u8]) -> Result<Value, ServiceError> {
    let _ = (live, body);
    todo!("decide")
}
