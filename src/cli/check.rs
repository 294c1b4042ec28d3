//! `credit-policy check`: validate a policy folder and report every problem at once.

use std::path::PathBuf;

use credit_policy::policy::{Diagnostic, Policy, Severity};
use credit_policy::run::{PolicySource, built_in_note, policy_source};

use super::{Exit, show_diagnostics};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The policy folder [default: $CREDIT_POLICY, else policies/standard, else the built-in standard policy]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Treat every warning as an error (a unit slip, a band no client can reach, a param no
    /// script reads): exit 2 unless the policy is clean.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(args: Args) -> Exit {
    let loaded = match policy_source(args.dir.as_deref()) {
        PolicySource::Folder(dir) => Policy::load(&dir),
        PolicySource::BuiltIn => Policy::load_embedded(),
    };
    if let Ok(p) = &loaded
        && p.built_in
    {
        credit_policy::errln!("note: {}", built_in_note(p));
    }
    let dir = match &loaded {
        Ok(p) if p.built_in => "the built-in standard policy".to_string(),
        Ok(p) => format!("`{}`", p.dir.display()),
        Err(e) => format!("`{}`", e.dir),
    };
    match loaded {
        Ok(p) if args.strict && !p.warnings.is_empty() => {
            let as_errors: Vec<Diagnostic> = p
                .warnings
                .iter()
                .map(|d| Diagnostic {
                    severity: Severity::Error,
                    ..d.clone()
                })
                .collect();
            show_diagnostics(&as_errors);
            super::error(&format!(
                "the policy in {dir} has {} warning(s), errors under --strict",
                as_errors.len()
            ));
            Exit::Error
        }
        Ok(p) => {
            show_diagnostics(&p.warnings);
            crate::outln!(
                "policy `{}` {} in {dir}: no errors, {} warning(s)",
                p.identity.name,
                p.identity.version,
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
