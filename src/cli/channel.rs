//! `credit-policy channel`: the channel screen, real versus fake big clients. The largest
//! clients by annual sales, most doubtful first, each with the signs the policy's rules raised
//! and the figures behind them (see `control::channel`).

use std::fmt::Write as _;

use comfy_table::CellAlignment;
use credit_policy::control::channel::{DEFAULT_TOP, Largest, RANKING, Screen, ScreenJson};
use credit_policy::money::{fmt_figure, fmt_pct};
use credit_policy::policy::Policy;
use credit_policy::report::money_grouped;
use credit_policy::report::sheet::{Cell, Sheet};

use super::order::house_table;
use super::output::{self, Format, OutputArgs, View};
use super::{Exit, PolicyArgs, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many of the largest clients (by annual sales) to screen.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TOP as u32,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub top: u32,
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
    let format = args
        .output
        .resolve("channel", output::ROWS, Format::Table)?;
    let policy = load_policy(args.policy.policy.as_ref())?;
    let setup = super::setup(&args.policy, &policy)?;
    let input = super::open_input(&args.input, &setup)?;
    let book = super::decide(&setup, &input)?;
    let top = args.top as usize;
    let mut largest = Largest::new(top);
    for c in book.portfolio().clients() {
        largest.push(c.clone());
    }
    let mut screen = Screen::new(setup.context.as_of, top);
    screen.considered = largest.seen();
    for c in largest.into_clients() {
        if let Some(d) = book.decision(&c) {
            screen.add(&c, &d.decision);
        }
    }
    screen.rank();
    let doc = ScreenJson::new(&screen, &policy.identity);
    let view = View {
        text: render(&screen, &policy),
        records: doc
            .clients
            .iter()
            .map(|c| output::record(c, &policy.identity))
            .collect(),
        sheets: sheets(&screen),
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
        "they are not screened",
    ))
}

/// The screen as rows: one per client, most doubtful first (the CSV), then one per sign with
/// its text and figures (a second sheet of a workbook).
fn sheets(s: &Screen) -> Vec<Sheet> {
    let mut clients = Sheet::new(
        "channel",
        &[
            "rank",
            "id",
            "name",
            "region",
            "annual_sales",
            "sell_through",
            "signs",
            "grade",
            "actions",
            "watch",
            "codes",
        ],
    );
    let mut signs = Sheet::new(
        "signs",
        &["rank", "id", "code", "action", "text", "figures", "at"],
    );
    for i in &s.items {
        let codes: Vec<&str> = i.signs.iter().map(|g| g.code.as_str()).collect();
        let actions: Vec<&str> = i.actions.iter().map(|a| a.as_str()).collect();
        clients.push(vec![
            Cell::Int(i.rank as i64),
            i.id.as_str().into(),
            Cell::text(i.name.as_deref()),
            Cell::text(i.region.as_deref()),
            Cell::Money(i.annual_sales),
            i.sell_through.map_or(Cell::Empty, Cell::Number),
            Cell::Int(i.signs.len() as i64),
            i.grade.as_str().into(),
            actions.join(";").into(),
            Cell::Bool(i.watch()),
            codes.join(";").into(),
        ]);
        for g in &i.signs {
            let figures: Vec<String> = g
                .figures
                .iter()
                .map(|(n, v)| format!("{n} {}", fmt_figure(*v)))
                .collect();
            signs.push(vec![
                Cell::Int(i.rank as i64),
                i.id.as_str().into(),
                g.code.as_str().into(),
                g.action.as_str().into(),
                g.text.as_str().into(),
                figures.join(";").into(),
                Cell::text(g.at.as_deref()),
            ]);
        }
    }
    vec![clients, signs]
}

/// The screen for a person: the ranking, one row per client, then every sign raised with its
/// text and figures.
pub fn render(s: &Screen, policy: &Policy) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "channel screen as of {}: the {} largest of {} client(s) by annual sales, most doubtful first",
        s.as_of,
        s.items.len(),
        s.considered
    );
    let _ = writeln!(out, "ranked by: {RANKING}");
    let _ = writeln!(
        out,
        "signs: the reasons the policy's rules gave that ask for an action (watch, hold, require_collateral, terminate)"
    );
    if s.items.is_empty() {
        let _ = writeln!(out, "\nno client to screen");
    } else {
        let mut t = house_table();
        t.set_header([
            "#",
            "id",
            "name",
            "annual sales",
            "sell-through",
            "signs",
            "grade",
            "actions",
            "codes",
        ]);
        for i in &s.items {
            let codes: Vec<&str> = i.signs.iter().map(|g| g.code.as_str()).collect();
            let actions: Vec<&str> = i.actions.iter().map(|a| a.as_str()).collect();
            t.add_row([
                i.rank.to_string(),
                i.id.clone(),
                i.name.clone().unwrap_or_default(),
                money_grouped(i.annual_sales),
                i.sell_through.map_or("unknown".into(), fmt_pct),
                i.signs.len().to_string(),
                i.grade.to_string(),
                actions.join(" "),
                codes.join(" "),
            ]);
        }
        for col in [0, 3, 4, 5] {
            if let Some(c) = t.column_mut(col) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        let _ = writeln!(out, "\n{t}");
        let flagged: Vec<_> = s.items.iter().filter(|i| !i.signs.is_empty()).collect();
        if !flagged.is_empty() {
            let _ = writeln!(out, "\nsigns raised, as the rules wrote them");
            for i in flagged {
                for g in &i.signs {
                    let _ = writeln!(
                        out,
                        "  {} {} ({}): {}",
                        i.id,
                        g.code,
                        g.action.as_str(),
                        g.text
                    );
                    let figures: Vec<String> = g
                        .figures
                        .iter()
                        .map(|(n, v)| format!("{n} {}", fmt_figure(*v)))
                        .collect();
                    let at = g.at.as_deref().map(|a| format!("at {a}"));
                    let detail: Vec<String> = (!figures.is_empty())
                        .then(|| figures.join(", "))
                        .into_iter()
                        .chain(at)
                        .collect();
                    if !detail.is_empty() {
                        let _ = writeln!(out, "      {}", detail.join("; "));
                    }
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} client(s) screened: {} with a sign, {} on watch",
        s.items.len(),
        s.flagged(),
        s.watched()
    );
    let _ = writeln!(
        out,
        "policy {} {} ({})",
        policy.identity.name, policy.identity.version, policy.identity.hash
    );
    out
}
