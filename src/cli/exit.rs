//! `credit-policy exit`: for every client under `terminate`, the ordered steps of the exit the
//! seed prescribes, with the client's amounts.

use std::fmt::Write as _;

use credit_policy::client::Row;
use credit_policy::control::exit::{self, ExitPlan, ExitPlanJson, ExitPlansJson};
use credit_policy::policy::Policy;

use super::evaluate::{RejectSink, script_reject};
use super::order::ControlFormat;
use super::{EXIT_ERROR, EXIT_OK, EXIT_REJECTS, PolicyArgs, error, load_context, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ControlFormat,
    /// The sheet of an Excel INPUT to read [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// The clients: CSV, a JSON array, JSON Lines, or an Excel workbook (.xlsx); `-` reads
    /// standard input.
    #[arg(value_name = "INPUT")]
    pub input: String,
}

pub fn run(args: Args) -> u8 {
    let Ok(policy) = load_policy(args.policy.policy.as_ref()) else {
        return EXIT_ERROR;
    };
    let Ok(ctx) = load_context(&args.policy, &policy) else {
        return EXIT_ERROR;
    };
    let Ok(mut ev) = super::evaluator(&policy, &ctx) else {
        return EXIT_ERROR;
    };
    let Ok(reader) = super::open_input(&args.input, args.sheet.as_deref()) else {
        return EXIT_ERROR;
    };
    let mut rejects = RejectSink::Stderr;
    let mut rejected = 0u64;
    let mut plans = Vec::new();
    for row in reader {
        let reject = match row {
            Err(e) => {
                error(&e.to_string());
                return EXIT_ERROR;
            }
            Ok(Row::Client(c)) => match ev.decide(&c) {
                Ok(d) => {
                    plans.extend(ExitPlan::new(&c, &d));
                    continue;
                }
                Err(e) => script_reject(c.line, e),
            },
            Ok(Row::Reject(r)) => r,
        };
        rejected += 1;
        let _ = rejects.write(&reject);
    }
    exit::sort(&mut plans);
    match args.format {
        ControlFormat::Json => {
            let all = ExitPlansJson {
                as_of: ctx.as_of.to_string(),
                clients: plans.iter().map(ExitPlanJson::new).collect(),
                policy: &policy.identity,
            };
            match serde_json::to_string_pretty(&all) {
                Ok(s) => crate::outln!("{s}"),
                Err(e) => error(&e.to_string()),
            }
        }
        ControlFormat::Table => super::out(&render(&plans, &policy, &ctx.as_of.to_string())),
    }
    if rejected > 0 {
        eprintln!("{rejected} row(s) rejected: a client among them may also need an exit plan");
        EXIT_REJECTS
    } else {
        EXIT_OK
    }
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
