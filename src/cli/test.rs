//! `credit-policy test`: run a policy's own test cases, `DIR/tests/*.toml`.

use std::path::PathBuf;

use credit_policy::cases;

use super::{Exit, load_policy, show_diagnostics};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The policy folder [default: $CREDIT_POLICY, else policies/standard, else the built-in standard policy]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Rewrite the expected files of golden portfolios after a reviewed change.
    #[arg(long)]
    pub update: bool,
}

/// Exit 0 when every case passes, 1 when any fails, 2 when the policy or a test file is broken.
pub fn run(args: Args) -> Exit {
    let policy = match load_policy(args.dir.as_ref()) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let outcomes = match cases::run(&policy, args.update) {
        Ok(o) => o,
        Err(diags) => {
            show_diagnostics(&diags);
            super::error("a test file has errors; no test was run");
            return Exit::Error;
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for o in &outcomes {
        if o.passed() {
            passed += 1;
            crate::outln!("ok     {}: {}", o.file, o.name);
        } else {
            failed += 1;
            crate::outln!("FAILED {}: {}", o.file, o.name);
            for f in &o.failures {
                crate::outln!("         {f}");
            }
            if !o.trace.is_empty() {
                crate::outln!("       trace:");
                for t in &o.trace {
                    crate::outln!("         {t}");
                }
            }
        }
    }
    if args.update {
        crate::outln!(
            "golden files rewritten; review the change with `git diff` before committing"
        );
    }
    crate::outln!("{passed} passed, {failed} failed");
    if failed > 0 { Exit::Rejects } else { Exit::Ok }
}
