//! `credit-policy order`: check an incoming order (or a batch of them) against the client's
//! current decision: release, release with approval, prepayment only, or hold.

use std::fmt::Write as _;
use std::path::PathBuf;

use comfy_table::{CellAlignment, ContentArrangement, LineStyle, Table, TableStyle};
use credit_policy::context::Context;
use credit_policy::control::order::{
    self, BatchLine, BatchLineJson, Order, OrderCheck, OrderJson, Outcome, Problem,
};
use credit_policy::policy::Policy;
use credit_policy::report::money_grouped;
use credit_policy::report::sheet::{Cell, Sheet};

use super::output::{self, Format, OutputArgs, View};
use super::{Exit, PolicyArgs, error, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The id of the client placing the order.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "orders",
        conflicts_with = "orders",
        requires = "amount"
    )]
    pub client: Option<String>,
    /// The order's amount, an exact decimal such as 150000.00.
    #[arg(
        long,
        value_name = "MONEY",
        allow_hyphen_values = true,
        requires = "client",
        conflicts_with = "orders"
    )]
    pub amount: Option<String>,
    /// A batch of orders, CSV with the columns `client,amount` and optionally `order_id`,
    /// checked in arrival order: each order released uses up headroom for the ones after it.
    #[arg(long, value_name = "FILE")]
    pub orders: Option<PathBuf>,
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
    reads.extend([
        ("--context", args.policy.context.as_deref()),
        ("--orders", args.orders.as_deref()),
    ]);
    args.output.guard(&reads, &[])?;
    let format = args.output.resolve("order", output::ROWS, Format::Table)?;
    // The order is checked before anything is loaded, so a typo costs nothing.
    let single = match (&args.client, &args.amount) {
        (Some(client), Some(amount)) => match order::parse_amount(amount) {
            Ok(amount) => Some(Order {
                line: 0,
                order_id: None,
                client: client.clone(),
                amount,
            }),
            Err(e) => {
                error(&format!("--amount {e}"));
                return Err(Exit::Error);
            }
        },
        _ => None,
    };
    let policy = load_policy(args.policy.policy.as_ref())?;
    let setup = super::setup(&args.policy, &policy)?;
    let orders = match (&single, &args.orders) {
        (Some(o), _) => vec![Ok(o.clone())],
        (None, Some(path)) => read_orders(path, &args.input.path).map_err(|e| {
            error(&e);
            Exit::Error
        })?,
        (None, None) => {
            error("give `--client ID --amount MONEY`, or `--orders FILE`");
            return Err(Exit::Error);
        }
    };
    // Every client decided as `evaluate` decides it, group lines applied, so a member held
    // because its group is over its line has its orders held too.
    let input = super::open_input(&args.input, &setup)?;
    let mut book = super::decide(&setup, &input)?;
    let every_row_rejected = book.decided().next().is_none() && !book.rejects().is_empty();
    let (portfolio, decisions) = book.parts();
    let lines = order::check_batch(decisions, portfolio, orders);
    let out = Out {
        args: &args.output,
        format,
        policy: &policy,
        context: &setup.context,
    };
    let exit = if single.is_some() {
        single_result(&lines, &out)?
    } else {
        batch_result(&lines, &out)?
    };
    if every_row_rejected {
        let mut sink = credit_policy::run::RejectSink::Stderr;
        for r in book.rejects() {
            let _ = sink.write(r);
        }
        credit_policy::errln!("every row was rejected: nothing decided");
        return Ok(Exit::Rejects);
    }
    Ok(exit)
}

/// Where and how an order's result is written, and what decided it.
struct Out<'a> {
    args: &'a OutputArgs,
    format: Format,
    policy: &'a Policy,
    context: &'a Context,
}

/// The columns of the sheet of orders, one row per order.
const ORDER_COLUMNS: &[&str] = &[
    "line",
    "order_id",
    "client",
    "name",
    "grade",
    "outcome",
    "approver",
    "limit",
    "exposure",
    "earlier_orders",
    "order",
    "headroom_before",
    "headroom_after",
    "tolerance",
    "approval_limit",
    "reason_codes",
    "field",
    "reason",
];

/// One line of a batch (or the one order) as a row: an unknown exposure left empty, the
/// tolerance in percent, a rejected order with the field and reason.
fn order_row(l: &BatchLine) -> Vec<Cell> {
    match l {
        BatchLine::Checked {
            line,
            order_id,
            check: c,
        } => vec![
            if *line == 0 {
                Cell::Empty
            } else {
                Cell::Int(*line as i64)
            },
            Cell::text(order_id.as_deref()),
            c.client.as_str().into(),
            Cell::text(c.name.as_deref()),
            c.grade.as_str().into(),
            c.outcome.as_str().into(),
            Cell::text(c.approver.as_deref()),
            Cell::Money(c.line),
            Cell::money(c.exposure_known.then_some(c.exposure)),
            Cell::Money(c.earlier_orders),
            Cell::Money(c.order),
            Cell::Money(c.headroom_before),
            Cell::Money(c.headroom_after),
            Cell::Number(c.tolerance.normalize()),
            Cell::Money(c.approval_limit),
            c.reasons
                .iter()
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>()
                .join(";")
                .into(),
            Cell::Empty,
            Cell::Empty,
        ],
        BatchLine::Rejected(r) => vec![
            Cell::Int(r.line as i64),
            Cell::text(r.order_id.as_deref()),
            Cell::text(r.client.as_deref()),
            Cell::Empty,
            Cell::Empty,
            "rejected".into(),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            r.field.as_str().into(),
            r.reason.as_str().into(),
        ],
    }
}

fn sheet(lines: &[BatchLine]) -> Sheet {
    let mut s = Sheet::new("orders", ORDER_COLUMNS);
    for l in lines {
        s.push(order_row(l));
    }
    s
}

fn read_orders(
    path: &std::path::Path,
    input: &str,
) -> Result<Vec<Result<Order, order::OrderReject>>, String> {
    let shown = path.display().to_string();
    let reader: Box<dyn std::io::Read> = if shown == "-" {
        if input == "-" {
            return Err(
                "the clients and the orders cannot both come from standard input; give one as a file"
                    .into(),
            );
        }
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?)
    };
    order::read_orders(&shown, reader).map_err(|e| e.to_string())
}

fn single_result(lines: &[BatchLine], out: &Out<'_>) -> Result<Exit, Exit> {
    let policy = out.policy;
    Ok(match lines.first() {
        Some(BatchLine::Checked { check, .. }) => {
            let doc = OrderJson::new(check, &policy.identity);
            let view = View {
                text: render(check, policy),
                records: vec![output::line(&doc)],
                sheets: vec![sheet(&lines[..1])],
                about: output::about(policy, out.context),
                doc: &doc,
                html: None,
            };
            out.args.emit(out.format, view)?;
            if check.outcome == Outcome::Release {
                Exit::Ok
            } else {
                Exit::NotReleased
            }
        }
        Some(BatchLine::Rejected(r)) => {
            let what = match &r.client {
                Some(c) => format!("the order for `{c}`: "),
                None => String::new(),
            };
            error(&format!("{what}{}", r.reason));
            match r.problem {
                Problem::ClientRejected | Problem::RulesFailed => Exit::Rejects,
                Problem::UnknownClient | Problem::BadOrder => Exit::Error,
            }
        }
        None => Exit::Error,
    })
}

/// One order, checked, for a person.
pub fn render(c: &OrderCheck, policy: &Policy) -> String {
    let mut s = String::new();
    let name = c.name.as_deref().map_or(String::new(), |n| format!(" {n}"));
    let _ = writeln!(
        s,
        "order of {} {} for {}{name} (grade {}): {}",
        money_grouped(c.order),
        policy.currency,
        c.client,
        c.grade,
        c.outcome.as_str()
    );
    if let Some(a) = &c.approver {
        let _ = writeln!(s, "needs the approval of the {a}");
    }
    let mut t = house_table();
    let tolerance = format!(
        "{}% (up to {})",
        c.tolerance.normalize(),
        money_grouped(c.approval_limit)
    );
    let mut rows = vec![
        ("line", money_grouped(c.line)),
        ("exposure", money_grouped(c.exposure)),
    ];
    if !c.earlier_orders.is_zero() {
        rows.push(("  of which earlier orders", money_grouped(c.earlier_orders)));
    }
    rows.extend([
        ("order", money_grouped(c.order)),
        ("headroom before", money_grouped(c.headroom_before)),
        ("headroom after", money_grouped(c.headroom_after)),
        ("tolerance", tolerance),
    ]);
    for (k, v) in rows {
        t.add_row([k.to_string(), v]);
    }
    if let Some(col) = t.column_mut(1) {
        col.set_cell_alignment(CellAlignment::Right);
    }
    let _ = writeln!(s, "{t}");
    let _ = writeln!(s, "reasons, most important first");
    for r in &c.reasons {
        let _ = writeln!(s, "  {}: {}", r.code, r.text);
    }
    let _ = writeln!(
        s,
        "policy {} {} ({})",
        policy.identity.name, policy.identity.version, policy.identity.hash
    );
    s
}

/// A table in the house style (see `report/table.rs`): no borders, a rule under the header.
pub fn house_table() -> Table {
    let mut t = Table::new();
    t.load_style(TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─')))
        .set_content_arrangement(ContentArrangement::Disabled);
    t
}

fn batch_result(lines: &[BatchLine], out: &Out<'_>) -> Result<Exit, Exit> {
    let policy = out.policy;
    let mut counts = [0usize; 4];
    let (mut rejected, mut released) = (0usize, rust_decimal::Decimal::ZERO);
    for l in lines {
        match l {
            BatchLine::Checked { check, .. } => {
                counts[Outcome::ALL
                    .iter()
                    .position(|o| *o == check.outcome)
                    .unwrap_or(0)] += 1;
                if check.outcome.takes_credit() {
                    released += check.order;
                }
            }
            BatchLine::Rejected(r) => {
                rejected += 1;
                let id = r
                    .order_id
                    .as_deref()
                    .map_or(String::new(), |i| format!(" (order `{i}`)"));
                let field = if r.field.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", r.field)
                };
                credit_policy::safety::say(&credit_policy::report::printable(&format!(
                    "rejected: line {}{id}: {field}{}\n",
                    r.line, r.reason
                )));
            }
        }
    }
    let rows: Vec<BatchLineJson> = lines
        .iter()
        .map(|l| BatchLineJson::new(l, &policy.identity))
        .collect();
    let view = View {
        text: batch_table(lines, policy, (&counts, rejected, released)),
        records: rows.iter().map(output::line).collect(),
        sheets: vec![sheet(lines)],
        about: output::about(policy, out.context),
        doc: &rows,
        html: None,
    };
    out.args.emit(out.format, view)?;
    Ok(if rejected > 0 {
        Exit::Rejects
    } else if counts[0] == lines.len() {
        Exit::Ok
    } else {
        Exit::NotReleased
    })
}

/// A batch for a person: one row per order, the mix of outcomes, why each order not released
/// was not.
fn batch_table(
    lines: &[BatchLine],
    policy: &Policy,
    (counts, rejected, released): (&[usize; 4], usize, rust_decimal::Decimal),
) -> String {
    let mut t = house_table();
    t.set_header([
        "line",
        "order",
        "client",
        "grade",
        "amount",
        "outcome",
        "credit line",
        "exposure",
        "headroom after",
        "tolerance",
    ]);
    let mut notes = String::new();
    for l in lines {
        match l {
            BatchLine::Checked {
                line,
                order_id,
                check: c,
            } => {
                t.add_row([
                    line.to_string(),
                    order_id.clone().unwrap_or_default(),
                    c.client.clone(),
                    c.grade.to_string(),
                    money_grouped(c.order),
                    c.outcome.as_str().to_string(),
                    money_grouped(c.line),
                    money_grouped(c.exposure),
                    money_grouped(c.headroom_after),
                    format!("{}%", c.tolerance.normalize()),
                ]);
                if c.outcome != Outcome::Release
                    && let Some(r) = c.reasons.first()
                {
                    let _ = writeln!(notes, "  line {line} {}: {}", c.client, r.text);
                }
            }
            BatchLine::Rejected(r) => {
                t.add_row([
                    r.line.to_string(),
                    r.order_id.clone().unwrap_or_default(),
                    r.client.clone().unwrap_or_default(),
                    String::new(),
                    String::new(),
                    "rejected".to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
                let field = if r.field.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", r.field)
                };
                let _ = writeln!(notes, "  line {}: {field}{}", r.line, r.reason);
            }
        }
    }
    for i in [4, 6, 7, 8, 9] {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut s = format!("{t}\n");
    let mix: Vec<String> = Outcome::ALL
        .iter()
        .zip(counts)
        .map(|(o, n)| format!("{} {n}", o.as_str()))
        .collect();
    let _ = writeln!(
        s,
        "{} order(s): {}, rejected {rejected}; released on credit {} {}",
        lines.len(),
        mix.join(", "),
        money_grouped(released),
        policy.currency
    );
    if !notes.is_empty() {
        let _ = write!(s, "not released:\n{notes}");
    }
    let _ = writeln!(
        s,
        "policy {} {} ({})",
        policy.identity.name, policy.identity.version, policy.identity.hash
    );
    s
}
