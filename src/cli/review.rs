//! `credit-policy review`: the review agenda, the clients whose credit review is overdue or
//! falls due within a window, most urgent first, with what to look at for each.

use std::fmt::Write as _;

use comfy_table::CellAlignment;
use credit_policy::control::review::{Agenda, AgendaJson};
use credit_policy::engine::decision_score_text;
use credit_policy::policy::Policy;
use credit_policy::report::money_grouped;
use credit_policy::report::sheet::{Cell, Sheet};

use super::order::house_table;
use super::output::{self, Format, OutputArgs, View};
use super::{Exit, PolicyArgs, error, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The window: reviews falling due within this many days after the as-of date.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub within: u32,
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
    let format = args.output.resolve("review", output::ROWS, Format::Table)?;
    let policy = load_policy(args.policy.policy.as_ref())?;
    let setup = super::setup(&args.policy, &policy)?;
    let Some(mut agenda) = Agenda::new(setup.context.as_of, args.within) else {
        error(&format!(
            "--within {} days from {} runs past the calendar; give fewer days",
            args.within, setup.context.as_of
        ));
        return Err(Exit::Error);
    };
    let input = super::open_input(&args.input, &setup)?;
    let book = super::decide(&setup, &input)?;
    for (c, d) in book.decided() {
        agenda.consider(c, &d.decision);
    }
    agenda.sort();
    let doc = AgendaJson::new(&agenda, &policy.identity);
    let view = View {
        text: render(&agenda, &policy),
        records: doc
            .clients
            .iter()
            .map(|c| output::record(c, &policy.identity))
            .collect(),
        sheets: vec![sheet(&agenda)],
        about: output::about(&policy, &setup.context),
        doc: &doc,
        html: None,
    };
    Ok(super::portfolio_tail(
        &book,
        &policy.identity,
        &args.output,
        format,
        view,
        "they are not on the agenda",
    ))
}

/// The agenda as rows: one per client, the weakest criteria and the signs' codes joined
/// with `;`, an unknown exposure left empty.
fn sheet(a: &Agenda) -> Sheet {
    let mut s = Sheet::new(
        "review",
        &[
            "id",
            "name",
            "key_account",
            "last_review",
            "next_review",
            "status",
            "days_overdue",
            "days_left",
            "grade",
            "limit",
            "exposure",
            "lowest_criteria",
            "signs",
        ],
    );
    for i in &a.items {
        s.push(vec![
            i.id.as_str().into(),
            Cell::text(i.name.as_deref()),
            Cell::Bool(i.key_account),
            i.last_review.map_or(Cell::Empty, Cell::Date),
            Cell::Date(i.next_review),
            i.status.as_str().into(),
            i.days_overdue.map_or(Cell::Empty, Cell::Int),
            i.days_left.map_or(Cell::Empty, Cell::Int),
            i.grade.as_str().into(),
            Cell::Money(i.line),
            Cell::money(i.exposure),
            i.lowest
                .iter()
                .map(|(c, v)| format!("{c} {}", decision_score_text(*v)))
                .collect::<Vec<_>>()
                .join(";")
                .into(),
            i.signs
                .iter()
                .map(|g| g.code.as_str())
                .collect::<Vec<_>>()
                .join(";")
                .into(),
        ]);
    }
    s
}

/// The agenda for a person: one row per client, then what to look at for each.
pub fn render(a: &Agenda, policy: &Policy) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "reviews overdue or due by {} ({} days after {})",
        a.until, a.within_days, a.as_of
    );
    if a.items.is_empty() {
        let _ = writeln!(s, "no review is overdue or due in the window");
    } else {
        let mut t = house_table();
        t.set_header([
            "id",
            "name",
            "key",
            "last review",
            "next review",
            "overdue / due",
            "grade",
            "exposure",
            "weakest criteria",
            "signs",
        ]);
        for i in &a.items {
            let when = match (i.days_overdue, i.days_left) {
                (Some(d), _) => format!("{d} days"),
                (None, Some(0)) => "due today".to_string(),
                (None, Some(d)) => format!("in {d} days"),
                (None, None) => "never reviewed".to_string(),
            };
            t.add_row([
                i.id.clone(),
                i.name.clone().unwrap_or_default(),
                if i.key_account { "key" } else { "" }.to_string(),
                i.last_review.map_or("never".to_string(), |d| d.to_string()),
                i.next_review.to_string(),
                when,
                i.grade.to_string(),
                i.exposure.map_or("unknown".to_string(), money_grouped),
                i.lowest
                    .iter()
                    .map(|(c, v)| format!("{c} {}", decision_score_text(*v)))
                    .collect::<Vec<_>>()
                    .join(", "),
                i.signs
                    .iter()
                    .map(|g| g.code.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ]);
        }
        for col in [5, 7] {
            if let Some(c) = t.column_mut(col) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        let _ = writeln!(s, "{t}");
        let signs: Vec<_> = a.items.iter().filter(|i| !i.signs.is_empty()).collect();
        if !signs.is_empty() {
            let _ = writeln!(s, "\nsigns to look at");
            for i in signs {
                for g in &i.signs {
                    let _ = writeln!(
                        s,
                        "  {} {} ({}): {}",
                        i.id,
                        g.code,
                        g.action.as_str(),
                        g.text
                    );
                }
            }
        }
    }
    let keys = a.items.iter().filter(|i| i.urgent()).count();
    let exposure: rust_decimal::Decimal = a.items.iter().filter_map(|i| i.exposure).sum();
    let unknown = a.items.iter().filter(|i| i.exposure.is_none()).count();
    let unknown = if unknown > 0 {
        format!(" (and {unknown} client(s) whose exposure is unknown)")
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "\n{} client(s) to review: {} overdue or never reviewed ({keys} key account(s)), {} due; exposure {} {}{unknown}",
        a.items.len(),
        a.late(),
        a.items.len() - a.late(),
        money_grouped(exposure),
        policy.currency
    );
    let _ = writeln!(
        s,
        "policy {} {} ({})",
        policy.identity.name, policy.identity.version, policy.identity.hash
    );
    s
}
