//! `credit-policy exit`: for every client under `terminate`, the ordered steps of the exit the
//! seed prescribes, with the client's amounts.

use std::fmt::Write as _;

use credit_policy::control::exit::{self, ExitPlan, ExitPlanJson, ExitPlansJson};
use credit_policy::policy::Policy;
use credit_policy::report::sheet::{Cell, Sheet};

use super::output::{self, Format, OutputArgs, View};
use super::{Exit, PolicyArgs, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub input: super::InputArgs,
}

pub fn run(args: Args) -> Exit {
    go(args).unwrap_or_else(|e| e)
}

fn go(args: Args) -> Result<Exit, Exit> {
    let mut reads = args.input.named();
    reads.push(("--context", args.policy.context.as_deref()));
    args.output.guard(&reads, &[])?;
    let format = args.output.resolve("exit", output::ROWS, Format::Table)?;
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
    let view = View {
        text: render(&plans, &policy, &as_of),
        records: all
            .clients
            .iter()
            .map(|c| output::record(c, &policy.identity))
            .collect(),
        sheets: vec![sheet(&plans)],
        about: output::about(&policy, &setup.context),
        doc: &all,
        html: None,
    };
    Ok(super::portfolio_tail(
        &book,
        &policy.identity,
        &args.output,
        format,
        view,
        "a client among them may also need an exit plan",
    ))
}

/// The plans as rows: one per step, each with its client, the exact amount (empty when the
/// input does not give it) and the step in words.
fn sheet(plans: &[ExitPlan]) -> Sheet {
    let mut s = Sheet::new(
        "exit",
        &[
            "id", "name", "grade", "why", "step", "code", "figure", "amount", "text",
        ],
    );
    for p in plans {
        let why: Vec<&str> = p.why.iter().map(|(c, _)| c.as_str()).collect();
        for step in &p.steps {
            s.push(vec![
                p.id.as_str().into(),
                Cell::text(p.name.as_deref()),
                p.grade.as_str().into(),
                why.join(";").into(),
                Cell::Int(i64::from(step.number)),
                step.code.into(),
                step.figure.into(),
                Cell::money(step.amount),
                step.text.as_str().into(),
            ]);
        }
    }
    s
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
