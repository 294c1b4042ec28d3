//! `credit-policy explain`: the full path of one client's decision, and what would change it.

use std::fmt::Write as _;

use credit_policy::control::Lookup;
use credit_policy::engine::explain::{Change, Explanation, WhatIf, explain_decision};
use credit_policy::report::money_grouped;

use super::output::{self, Format, OutputArgs, View};
use super::{Exit, PolicyArgs, error, load_policy};

/// One client's explanation is a document, not rows: no CSV or workbook.
const FORMATS: &[Format] = &[Format::Table, Format::Json, Format::Jsonl];

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The id of the client to explain.
    #[arg(long, value_name = "ID")]
    pub client: String,
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
    let format = args.output.resolve("explain", FORMATS, Format::Table)?;
    let policy = load_policy(args.policy.policy.as_ref())?;
    let setup = super::setup(&args.policy, &policy)?;
    let input = super::open_input(&args.input, &setup)?;
    // The decision as `evaluate` makes it, group line applied; the what-ifs decide again.
    let mut book = super::decide(&setup, &input)?;
    let (portfolio, decisions) = book.parts();
    let client = match portfolio.lookup(&args.client) {
        Lookup::Found(c) => c,
        Lookup::Rejected(r) => {
            error(&format!(
                "the row of `{}` on line {} is rejected: {}: {}; fix it to see its decision",
                args.client, r.line, r.field, r.reason
            ));
            if portfolio.clients().is_empty() {
                let mut sink = credit_policy::run::RejectSink::Stderr;
                for r in portfolio.rejects() {
                    let _ = sink.write(r);
                }
                credit_policy::errln!("every row was rejected: nothing decided");
            }
            return Err(Exit::Rejects);
        }
        Lookup::Unknown(_) if portfolio.clients().is_empty() && !portfolio.rejects().is_empty() => {
            // No row could be read, so the client's row may be among them, its id unread.
            let mut sink = credit_policy::run::RejectSink::Stderr;
            for r in portfolio.rejects() {
                let _ = sink.write(r);
            }
            error(&format!(
                "there is no client `{}` in `{}`: every row was rejected: nothing decided",
                args.client, args.input.path
            ));
            return Err(Exit::Rejects);
        }
        Lookup::Unknown(hint) => {
            let hint = hint
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            error(&format!(
                "there is no client `{}` in `{}`{hint}",
                args.client, args.input.path
            ));
            return Err(Exit::Error);
        }
    };
    let Some(d) = decisions.get(client).map(|d| d.decision.clone()) else {
        return Err(Exit::Error);
    };
    match explain_decision(decisions.evaluator(), client, d) {
        Ok(x) => {
            let view = View {
                text: render(&x),
                records: vec![output::line(&x)],
                sheets: Vec::new(),
                about: output::about(&policy, &setup.context),
                doc: &x,
                html: None,
            };
            args.output.emit(format, view)?;
            Ok(Exit::Ok)
        }
        Err(e) => {
            error(&e.to_string());
            Err(Exit::Rejects)
        }
    }
}

/// The explanation as text, section by section.
pub fn render(x: &Explanation) -> String {
    let mut s = String::new();
    let name = x.name.as_deref().map_or(String::new(), |n| format!(" {n}"));
    let _ = writeln!(
        s,
        "client {}{name}: grade {}, line {}, {} days",
        x.id, x.grade, x.limit, x.payment_days
    );
    let _ = writeln!(
        s,
        "policy {} {} ({}), as of {}, economy {}",
        x.policy.name, x.policy.version, x.policy.hash, x.as_of, x.economy
    );
    let _ = writeln!(s, "\nmeasures");
    let mut t = comfy_table::Table::new();
    t.load_style(
        comfy_table::TableStyle::new()
            .header_separator(comfy_table::LineStyle::none().fill('─').junction('─')),
    )
    .set_header([
        "criterion",
        "measure",
        "value",
        "band",
        "points",
        "weight %",
        "defined at",
    ]);
    for m in &x.measures {
        t.add_row([
            m.criterion.to_string(),
            m.measure.clone(),
            m.value.clone().unwrap_or_else(|| "unknown".into()),
            m.band.clone(),
            m.points.clone(),
            m.weight.clone(),
            m.at.clone(),
        ]);
    }
    let _ = writeln!(s, "{t}");
    let _ = writeln!(s, "\ncriteria");
    for c in &x.criteria {
        let _ = writeln!(
            s,
            "  {:<11} {:>6} x {:>3}% = {}",
            c.criterion, c.score, c.weight, c.contribution
        );
    }
    let threshold = x
        .thresholds
        .iter()
        .find(|(g, _)| *g == x.base_grade)
        .map_or("?", |(_, t)| t.as_str());
    let _ = writeln!(
        s,
        "  total {} -> base grade {} (needs {} or more)",
        x.score, x.base_grade, threshold
    );
    let _ = writeln!(s, "\ngrade");
    if x.grade_steps.is_empty() {
        let _ = writeln!(s, "  no rule, scenario or tightening moved it: {}", x.grade);
    }
    for g in &x.grade_steps {
        let _ = writeln!(s, "  {g}");
    }
    let _ = writeln!(s, "  final grade {}", x.grade);
    let _ = writeln!(s, "\nline");
    for step in &x.line_steps {
        let _ = writeln!(s, "  {:<45} {:>22}", step.step, step.amount);
    }
    let _ = writeln!(s, "  exposure {} -> available {}", x.exposure, x.available);
    let _ = writeln!(
        s,
        "\nactions: {}",
        if x.actions.is_empty() {
            "none".to_string()
        } else {
            x.actions.join(", ")
        }
    );
    let _ = writeln!(s, "next review: {}", x.next_review);
    let _ = writeln!(s, "\nreasons, most important first");
    for r in &x.reasons {
        let at = r.at.as_deref().map_or(String::new(), |a| format!(" [{a}]"));
        let _ = writeln!(s, "  {}: {}{at}", r.code, r.text);
    }
    match &x.next_grade {
        None => {
            let _ = writeln!(s, "\n{} is the top grade", x.grade);
        }
        Some(n) => {
            let _ = writeln!(
                s,
                "\nwhat would lift the grade from {} (each what-if decided again by the engine; {} decisions)",
                x.grade, n.decisions
            );
            for w in n.changes.iter().chain(&n.pairs) {
                let _ = writeln!(s, "  {}", what_if_text(w));
            }
            if let Some(note) = &n.note {
                let _ = writeln!(s, "  {note}");
            }
        }
    }
    s
}

/// One what-if in a line: the changes, the grade and line they give, and why those values.
fn what_if_text(w: &WhatIf) -> String {
    let changes: Vec<String> = w.changes.iter().map(Change::text).collect();
    let why: Vec<String> = w.changes.iter().map(|c| c.source.text()).collect();
    format!(
        "{}: gives {}, line {} ({})",
        changes.join(" and "),
        w.gives,
        money_grouped(w.limit),
        why.join("; ")
    )
}
