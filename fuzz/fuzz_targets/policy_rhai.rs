//! The input bytes replace `rules/channel.rhai` of a copy of the standard policy (its
//! `policy.toml` unchanged). `Policy::load` must compile or refuse the script without a panic;
//! when it loads, the fixed clients are decided under the four contexts of `contexts()`
//! (normal, recession, weak company, both). Script errors are fine; Rhai's operation, depth and
//! size limits bound every run.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use credit_policy::policy::Policy;
use credit_policy_fuzz::{decide_fixed, standard_copy};
use libfuzzer_sys::fuzz_target;

fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| standard_copy("policy_rhai"))
}

fuzz_target!(|data: &[u8]| {
    let dir = folder();
    std::fs::write(dir.join("rules/channel.rhai"), data).expect("write channel.rhai");
    match Policy::load(dir) {
        Ok(policy) => decide_fixed(&policy),
        Err(e) => {
            for d in &e.diagnostics {
                let _ = d.to_string();
            }
        }
    }
});
