//! `credit-policy exit`: for every client under `terminate`, the ordered steps of the exit the
//! seed prescribes, with the client's amounts.

use std::fmt::Write as _;

use credit_policy::control::exit::{self, ExitPlan, ExitPlanJson, ExitPlansJson};
use credit_policy::policy::Policy;

use super::order::ControlFormat;
use super::{Exit, PolicyArgs, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ControlFormat,
    #[command(flatten)]
    pub input: super::InputArgs,
}

pub fn run(args: Args) -> Exit {
    go(args).unwrap_or_else(|e| e)
}

fn go(args: Args) -> Result<Exit, Exit> {
    let policy = load_policy(args.policy.policy.as_ref())?;
    let setup = super::setup(&args.policy, &policy)?;
    let input = super::open_input(&args.input, &setup)?;
    let book = super::decide(&setup, &input)?;
    let mut plans: Vec<ExitPlan> = book
        .decided()
        .filter_map(|(c, d)| ExitPlan::new(c, &d.decision))
        .collect();
    exit::sort(&mut plans);
    let as_of = setup.context.as_of.to_string();
    let all = ExitPlansJson {
        as_of: as_of.clone(),
        clients: plans.iter().map(ExitPlanJson::new).collect(),
        policy: &policy.identity,
    };
    Ok(super::portfolio_tail(
        book.rejects(),
        args.format == ControlFormat::Json,
        &all,
        || render(&plans, &policy, &as_of),
        "a client among them may also need an exit plan",
    ))
}

/// The plans for a person, one block per client.
pub fn render(plans: &[ExitPlan], policy: &Policy, as_of: &str) -> String {
    let mut s = String::new();
    if plans.is_empty() {
        let _ = writeln!(
            s,
            "no client is under `terminate` as of {as_of}: there is no exit to plan"
        );
    }
    for p in plans {
        let name = p.name.as_deref().map_or(String::new(), |n| format!(" {n}"));
        let why: Vec<&str> = p.why.iter().map(|(c, _)| c.as_str()).collect();
        let why = if why.is_empty() {
            String::new()
        } else {
            format!(", because of {}", why.join(", "))
        };
        let _ = writeln!(s, "{}{name} (grade {}): terminate{why}", p.id, p.grade);
        for step in &p.steps {
            let _ = writeln!(s, "  {}. {}", step.number, step.text);
        }
        let _ = writeln!(s);
    }
    if !plans.is_empty() {
        let _ = writeln!(
            s,
            "{} client(s) to exit as of {as_of}; amounts in {}",
            plans.len(),
            policy.currency
        );
    }
    let _ = writeln!(
        s,
        "policy {} {} ({})",
        policy.identity.name, policy.identity.version, policy.identity.hash
    );
    s
}
