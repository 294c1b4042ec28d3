//! `credit-policy replay`: decide every client of an audit log again and say which decisions
//! would now come out differently, and why.

use std::io::BufReader;
use std::path::PathBuf;

use credit_policy::audit::replay;

use super::{Exit, error, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The audit log written by `evaluate --log`.
    #[arg(value_name = "LOG")]
    pub log: PathBuf,
    /// The policy to decide with now [default: $CREDIT_POLICY, else policies/standard, else the built-in standard policy]
    #[arg(long, value_name = "DIR")]
    pub policy: Option<PathBuf>,
    /// `json` for the report as data.
    #[arg(long)]
    pub json: bool,
}

/// Exit 0 when every logged decision comes out the same, 1 when any moved or a line could not
/// be replayed, 2 when the log or the policy cannot be read.
pub fn run(args: Args) -> Exit {
    let policy = match load_policy(args.policy.as_ref()) {
        Ok(p) => p,
        Err(e) => return e,
    };
    // Like a run, the log is read twice when the policy has group lines: the group pass first.
    let open = || std::fs::File::open(&args.log).map(BufReader::new);
    let r = match replay(open, &policy) {
        Ok(r) => r,
        Err(e) => {
            error(&format!(
                "cannot read the audit log `{}`: {e}",
                args.log.display()
            ));
            return Exit::Error;
        }
    };
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
    } else {
        crate::outln!(
            "{} logged decisions replayed under {} {} ({}): {} the same, {} moved, {} unreadable",
            r.records,
            policy.identity.name,
            policy.identity.version,
            policy.identity.hash,
            r.same,
            r.moved.len(),
            r.unreadable.len()
        );
        for m in &r.moved {
            crate::outln!(
                "line {}: client `{}`: {}",
                m.line,
                m.id,
                m.changes.join(", ")
            );
            for w in &m.why {
                crate::outln!("    why: {w}");
            }
        }
        for (line, why) in &r.unreadable {
            crate::outln!("line {line}: not replayed: {why}");
        }
    }
    if r.moved.is_empty() && r.unreadable.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejects
    }
}
