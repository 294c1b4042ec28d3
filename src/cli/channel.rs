//! `credit-policy channel`: the channel screen, real versus fake big clients. The largest
//! clients by annual sales, most doubtful first, each with the signs raised against the
//! policy's thresholds and the figures behind them (see `control::channel`).

use std::fmt::Write as _;

use comfy_table::CellAlignment;
use credit_policy::control::channel::{
    DEFAULT_TOP, Largest, RANKING, Screen, ScreenJson, Sign, pct, shown_growth, shown_ratio,
};
use credit_policy::policy::Policy;
use credit_policy::report::money_grouped;

use super::order::{ControlFormat, house_table};
use super::{Exit, PolicyArgs, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many of the largest clients (by annual sales) to screen.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TOP as u32,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub top: u32,
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

pub fn run(args: Args) -> Exit {
    go(args).unwrap_or_else(|e| e)
}

fn go(args: Args) -> Result<Exit, Exit> {
    let policy = load_policy(args.policy.policy.as_ref())?;
    let setup = super::setup(&args.policy, &policy)?;
    let input = super::open_input(&args.input, args.sheet.as_deref(), &setup)?;
    let book = super::decide(&setup, &input)?;
    let top = args.top as usize;
    let mut largest = Largest::new(top);
    for c in book.portfolio().clients() {
        largest.push(c.clone());
    }
    let mut screen = Screen::new(&policy, setup.context.as_of, top);
    screen.considered = largest.seen();
    for c in largest.into_clients() {
        if let Some(d) = book.decision(&c) {
            screen.add(&c, &d.decision);
        }
    }
    screen.rank();
    Ok(super::portfolio_tail(
        book.rejects(),
        args.format == ControlFormat::Json,
        &ScreenJson::new(&screen, &policy.identity),
        || render(&screen, &policy),
        "they are not screened",
    ))
}

/// The screen for a person: the ranking and thresholds, one row per client, then every sign
/// raised with its figures.
pub fn render(s: &Screen, policy: &Policy) -> String {
    let mut out = String::new();
    let th = &s.thresholds;
    let _ = writeln!(
        out,
        "channel screen as of {}: the {} largest of {} client(s) by annual sales, most doubtful first",
        s.as_of,
        s.items.len(),
        s.considered
    );
    let _ = writeln!(out, "ranked by: {RANKING}");
    let set: Vec<String> = th
        .set()
        .map(|(sign, t)| format!("{} {}", sign.param(), pct(t)))
        .collect();
    let _ = writeln!(
        out,
        "thresholds: {}",
        if set.is_empty() {
            "none".to_string()
        } else {
            set.join(", ")
        }
    );
    if !th.unset.is_empty() {
        let why: Vec<&str> = th.unset.iter().map(|u| u.why.as_str()).collect();
        let _ = writeln!(out, "not screened: {}", why.join("; "));
    }
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
            "cross-region",
            "inventory / sales growth",
            "receivables / sales growth",
            "signs",
            "grade",
            "watch",
        ]);
        for i in &s.items {
            let f = &i.figures;
            let mark = |sign: Sign, text: String| {
                if i.has(sign) {
                    format!("{text} !")
                } else {
                    text
                }
            };
            t.add_row([
                i.rank.to_string(),
                i.id.clone(),
                i.name.clone().unwrap_or_default(),
                money_grouped(f.annual_sales),
                mark(
                    Sign::LowSellThrough,
                    shown_ratio(
                        Sign::LowSellThrough,
                        f.sell_through,
                        th.get(Sign::LowSellThrough),
                    ),
                ),
                mark(
                    Sign::CrossRegion,
                    shown_ratio(
                        Sign::CrossRegion,
                        f.cross_region_share,
                        th.get(Sign::CrossRegion),
                    ),
                ),
                mark(
                    Sign::InventoryOutgrowingSales,
                    format!(
                        "{} / {}",
                        shown_growth(f.inventory_growth),
                        shown_growth(f.sales_growth)
                    ),
                ),
                mark(
                    Sign::ReceivablesOutgrowingSales,
                    format!(
                        "{} / {}",
                        shown_growth(f.receivable_growth),
                        shown_growth(f.sales_growth)
                    ),
                ),
                i.flags.len().to_string(),
                i.grade.to_string(),
                if i.watch { "watch" } else { "" }.to_string(),
            ]);
        }
        for col in [0, 3, 4, 5, 6, 7, 8] {
            if let Some(c) = t.column_mut(col) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        let _ = writeln!(out, "\n{t}");
        let flagged: Vec<_> = s.items.iter().filter(|i| !i.flags.is_empty()).collect();
        if !flagged.is_empty() {
            let _ = writeln!(
                out,
                "\nsigns raised (! above), against the policy's thresholds"
            );
            for i in flagged {
                for f in &i.flags {
                    let _ = writeln!(
                        out,
                        "  {} {}: {} [{}]",
                        i.id,
                        f.sign.code(),
                        f.text,
                        f.sign.param()
                    );
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
