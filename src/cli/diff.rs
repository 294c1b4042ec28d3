//! `credit-policy diff`: what changed between two policy folders, in finance terms.

use std::path::PathBuf;

use credit_policy::policy::diff::diff;

use super::{Exit, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The policy as it was.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The policy as it is now.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
}

/// Exit 0 when identical, 1 when they differ, 2 when either does not load.
pub fn run(args: Args) -> Exit {
    let (Ok(old), Ok(new)) = (load_policy(Some(&args.old)), load_policy(Some(&args.new))) else {
        return Exit::Error;
    };
    if old.identity.hash == new.identity.hash {
        crate::outln!("the policies are identical ({})", old.identity.hash);
        return Exit::Ok;
    }
    let d = diff(&old, &new);
    crate::outln!(
        "{} {} ({}) -> {} {} ({})",
        old.identity.name,
        old.identity.version,
        old.identity.hash,
        new.identity.name,
        new.identity.version,
        new.identity.hash
    );
    for c in &d.changes {
        crate::outln!("  {c}");
    }
    for (_, text) in &d.texts {
        crate::outln!();
        crate::cli::out(text);
    }
    Exit::Rejects
}
