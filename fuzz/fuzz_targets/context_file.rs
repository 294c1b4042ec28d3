//! The input bytes as a context file (`--context`), read with `Context::load`, with and without
//! the standard policy (which checks the economy); a context that loads is then used to decide
//! the fixed clients. Never a panic: a sum past the largest decimal (cash + receivables), a date
//! out of range or a number too small or too large is an error at its line.

#![no_main]

use credit_policy::context::Context;
use credit_policy::engine::Evaluator;
use credit_policy_fuzz::{clients, scratch, standard};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = scratch("context_file").join("context.toml");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let policy = standard();
    let _ = Context::load(&path, None);
    if let Ok(ctx) = Context::load(&path, Some(policy))
        && let Ok(mut ev) = Evaluator::new(policy, &ctx)
    {
        for c in clients() {
            let _ = ev.decide(c);
        }
    }
});
