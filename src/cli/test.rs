//! `credit-policy test`: run a policy's own test cases, `DIR/tests/*.toml`.

use std::path::PathBuf;

use credit_policy::cases;

use super::{EXIT_ERROR, EXIT_OK, EXIT_REJECTS, load_policy, show_diagnostics};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The policy folder [default: $CREDIT_POLICY, else policies/standard]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Rewrite the expected files of golden portfolios after a reviewed change.
    #[arg(long)]
    pub update: bool,
}

/// Exit 0 when every case passes, 1 when any fails, 2 when the policy or a test file is broken.
pub fn run(args: Args) -> u8 {
    let Ok(policy) = load_policy(args.dir.as_ref()) else {
        return EXIT_ERROR;
    };
    let outcomes = match cases::run(&policy, args.update) {
        Ok(o) => o,
        Err(diags) => {
            show_diagnostics(&diags);
            super::error("a test file could not be read; no test was run");
            return EXIT_ERROR;
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
    if failed > 0 { EXIT_REJECTS } else { EXIT_OK }
}
