//! `credit-policy check`: validate a policy folder and report every problem at once.

use std::path::PathBuf;

use credit_policy::policy::Policy;

use super::{Exit, show_diagnostics};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The policy folder [default: $CREDIT_POLICY, else policies/standard]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Exit {
    let dir = match credit_policy::run::policy_dir(args.dir.as_deref()) {
        Ok(d) => d,
        Err(e) => return super::fail(e),
    };
    match Policy::load(&dir) {
        Ok(p) => {
            show_diagnostics(&p.warnings);
            crate::outln!(
                "policy `{}` {} in `{}`: no errors, {} warning(s)",
                p.identity.name,
                p.identity.version,
                dir.display(),
                p.warnings.len()
            );
            Exit::Ok
        }
        Err(e) => {
            show_diagnostics(&e.diagnostics);
            super::error(&e.to_string());
            Exit::Error
        }
    }
}
