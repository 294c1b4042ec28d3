//! `credit-policy check`: validate a policy folder and report every problem at once.

use std::path::PathBuf;

use credit_policy::policy::Policy;

use super::{EXIT_ERROR, EXIT_OK, policy_dir, show_diagnostics};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The policy folder [default: $CREDIT_POLICY, else policies/standard]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let dir = match policy_dir(args.dir.as_ref()) {
        Ok(d) => d,
        Err(e) => {
            super::error(&e);
            return EXIT_ERROR;
        }
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
            EXIT_OK
        }
        Err(e) => {
            show_diagnostics(&e.diagnostics);
            super::error(&e.to_string());
            EXIT_ERROR
        }
    }
}
