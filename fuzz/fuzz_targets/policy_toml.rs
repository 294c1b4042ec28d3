//! The input bytes are `policy.toml` of a folder that also holds the standard policy's rule
//! scripts and `rules/measures.rhai` (from `fuzz/seeds/`), whose functions a `script` measure
//! may name. `Policy::load` must answer every input with a policy or diagnostics, never a panic;
//! when it loads, the fixed clients are decided under the four contexts of `contexts()`
//! (normal, recession, weak company, both), so odd numbers (huge weights, tiny rounding units,
//! large factors) reach the engine.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use credit_policy::policy::Policy;
use credit_policy_fuzz::{decide_fixed, standard_copy};
use libfuzzer_sys::fuzz_target;

/// Measure functions a fuzzed `policy.toml` can list under `[scripts] functions`.
const MEASURES: &str = include_str!("../seeds/measures.rhai");

fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = standard_copy("policy_toml");
        std::fs::write(dir.join("rules/measures.rhai"), MEASURES).expect("write measures.rhai");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = folder();
    std::fs::write(dir.join("policy.toml"), data).expect("write policy.toml");
    match Policy::load(dir) {
        Ok(policy) => {
            for w in &policy.warnings {
                let _ = w.to_string();
            }
            decide_fixed(&policy);
        }
        Err(e) => {
            // Every diagnostic renders with its file, line and column.
            for d in &e.diagnostics {
                let _ = d.to_string();
            }
            let _ = e.to_string();
        }
    }
});
