//! `credit-policy backtest`: which policy would have lost less, for how much business turned
//! away, on the clients of a past snapshot and what happened to them afterwards.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use comfy_table::{CellAlignment, LineStyle, Table, TableStyle};
use credit_policy::backtest::{
    self, BacktestError, Judged, OutcomeFile, Power, Report, SideInfo, SideRun,
};
use credit_policy::client::Reject;
use credit_policy::policy::Policy;
use credit_policy::report::{backtest_page, money_grouped};
use credit_policy::run::Setup;
use rust_decimal::Decimal;

use super::output::{Format, OutputArgs};
use super::{Exit, PolicyArgs, error, fail, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A policy folder to backtest; give it again for each policy to set side by side (the
    /// champion first).
    #[arg(long = "policy", value_name = "DIR", required = true)]
    pub policies: Vec<PathBuf>,
    /// Also backtest each policy under this economy (an overlay of the policy, e.g.
    /// `recession`); may be given again.
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// The context of the snapshot (TOML): its as_of date, economy, [company].
    #[arg(long, value_name = "FILE")]
    pub context: Option<PathBuf>,
    /// The as-of date of the snapshot, YYYY-MM-DD (overrides the context file).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// The economy of every side but the scenarios (overrides the context file).
    #[arg(long, value_name = "NAME")]
    pub economy: Option<String>,
    /// What happened to each client after the snapshot (CSV): id, bad (yes/no), loss, sales,
    /// and optionally max_days_past_due.
    #[arg(long, value_name = "FILE")]
    pub outcomes: PathBuf,
    /// The encoding of the outcomes file, e.g. `gb18030` (default: found from its bytes, as
    /// for INPUT; a guess is told on standard error).
    #[arg(long, value_name = "LABEL")]
    pub outcomes_encoding: Option<String>,
    /// An earlier snapshot of the same clients' facts, read like INPUT: the population
    /// stability index from it to INPUT of the score, the grade and each criterion.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Also write the self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The clients as they stood at the as-of date (the snapshot).
    #[command(flatten)]
    pub input: super::InputArgs,
}

const FORMATS: &[Format] = &[Format::Table, Format::Json, Format::Html];

pub fn run(args: Args) -> Exit {
    go(args).unwrap_or_else(|e| e)
}

/// How each side is named: the policy's name, or its folder when two policies share a name;
/// a scenario adds its economy.
fn labels(policies: &[Policy], dirs: &[PathBuf]) -> Vec<String> {
    policies
        .iter()
        .zip(dirs)
        .map(|(p, d)| {
            let shared = policies
                .iter()
                .filter(|q| q.identity.name == p.identity.name)
                .count()
                > 1;
            if shared {
                d.display().to_string()
            } else {
                p.identity.name.clone()
            }
        })
        .collect()
}

fn go(args: Args) -> Result<Exit, Exit> {
    let mut reads = args.input.named();
    reads.extend([
        ("--context", args.context.as_deref()),
        ("--outcomes", Some(args.outcomes.as_path())),
        ("--baseline", args.baseline.as_deref()),
    ]);
    args.output
        .guard(&reads, &[("--html", args.html.as_deref())])?;
    let format = args.output.resolve("backtest", FORMATS, Format::Table)?;
    let mut policies: Vec<Policy> = Vec::new();
    for dir in &args.policies {
        let policy = load_policy(Some(dir))?;
        // The same policy twice would only repeat a side: a slip, not a comparison.
        if let Some(j) = policies
            .iter()
            .position(|p| p.identity.hash == policy.identity.hash)
        {
            error(&format!(
                "--policy `{}` is the same policy as --policy `{}` ({} {}, {}): give each policy once; to see it under another economy use --scenario",
                dir.display(),
                args.policies[j].display(),
                policy.identity.name,
                policy.identity.version,
                policy.identity.hash
            ));
            return Err(Exit::Error);
        }
        policies.push(policy);
    }
    let names = labels(&policies, &args.policies);
    // Each policy as the context says, then under each scenario.
    let mut economies: Vec<Option<&String>> = vec![args.economy.as_ref()];
    economies.extend(args.scenarios.iter().map(Some));
    let mut setups: Vec<(SideInfo, Setup<'_>)> = Vec::new();
    for (policy, name) in policies.iter().zip(&names) {
        for (i, economy) in economies.iter().enumerate() {
            let sources = PolicyArgs {
                policy: None,
                context: args.context.clone(),
                as_of: args.as_of.clone(),
                economy: economy.cloned(),
            };
            let ctx = super::load_context(&sources, policy)?;
            let label = if i == 0 {
                name.clone()
            } else {
                format!("{name} ({})", ctx.economy)
            };
            let info = SideInfo {
                label,
                policy: policy.identity.clone(),
                as_of: ctx.as_of.to_string(),
                economy: ctx.economy.clone(),
            };
            setups.push((info, Setup::new(policy, ctx).map_err(fail)?));
        }
    }
    let outcomes_name = args.outcomes.display().to_string();
    let encoding = match &args.outcomes_encoding {
        Some(label) => Some(
            credit_policy::client::dialect::encoding_for_label(label).map_err(|m| {
                error(&format!("--outcomes-encoding: {m}"));
                Exit::Error
            })?,
        ),
        None => None,
    };
    let outcomes = backtest::outcomes::read(&args.outcomes, encoding).map_err(|e| {
        error(&e.to_string());
        Exit::Error
    })?;
    if let Some(s) = outcomes.encoding
        && s.how == credit_policy::client::dialect::Detection::Guessed
    {
        credit_policy::errln!(
            "note: `{}` is read as {}; if its text looks wrong, name its encoding with --outcomes-encoding",
            credit_policy::report::printable(&outcomes_name),
            s.describe()
        );
    }
    if outcomes.rows == 0 {
        error(&format!(
            "`{outcomes_name}` holds no outcome: one row a client, with the columns `id`, `bad`, `loss`, `sales`"
        ));
        return Err(Exit::Error);
    }
    let refs: Vec<&Setup<'_>> = setups.iter().map(|(_, s)| s).collect();
    let input = args.input.open(&refs)?;
    let baseline_input = match &args.baseline {
        Some(path) => {
            let mut b = args.input.clone();
            b.path = path.display().to_string();
            Some(b.open(&refs)?)
        }
        None => None,
    };
    // Every side decides the snapshot (and the baseline) through the run, as `evaluate` would.
    // A row any side rejects is listed once.
    let mut sides = Vec::new();
    let mut rejected: BTreeMap<u64, Reject> = BTreeMap::new();
    let mut rejected_baseline: BTreeMap<u64, Reject> = BTreeMap::new();
    for (info, setup) in &setups {
        let book = super::decide(setup, &input)?;
        for r in book.rejects() {
            rejected.entry(r.line).or_insert_with(|| r.clone());
        }
        let snapshot: Vec<Judged> = book
            .decided()
            .map(|(_, d)| Judged::of(&d.decision))
            .collect();
        let baseline = match &baseline_input {
            Some(b) => {
                let book = super::decide(setup, b)?;
                for r in book.rejects() {
                    rejected_baseline.entry(r.line).or_insert_with(|| r.clone());
                }
                Some(
                    book.decided()
                        .map(|(_, d)| Judged::of(&d.decision))
                        .collect(),
                )
            }
            None => None,
        };
        sides.push(SideRun {
            info: info.clone(),
            snapshot,
            baseline,
        });
    }
    show_rejects(&args.input.path, rejected.values());
    if let Some(b) = &args.baseline {
        show_rejects(&b.display().to_string(), rejected_baseline.values());
    }
    show_outcome_rows(&outcomes_name, &outcomes);
    let every_row_rejected = sides.iter().all(|s| s.snapshot.is_empty()) && !rejected.is_empty();
    if every_row_rejected {
        if format == Format::Table {
            args.output
                .write(super::nothing_decided(rejected.len(), &policies[0].identity).as_bytes())?;
        }
        credit_policy::errln!("every row was rejected: nothing decided, nothing measured");
        return Ok(Exit::Rejects);
    }
    if outcomes.by_id.is_empty() {
        credit_policy::errln!(
            "every row of `{outcomes_name}` was rejected: nothing measured; correct the rows listed above"
        );
        return Ok(Exit::Rejects);
    }
    let rejected_ids: Vec<(u64, Option<String>)> =
        rejected.values().map(|r| (r.line, r.id.clone())).collect();
    let baseline_name = args.baseline.as_ref().map(|p| p.display().to_string());
    let report = backtest::backtest(
        &args.input.path,
        &outcomes_name,
        baseline_name.as_deref(),
        &sides,
        &outcomes,
        &rejected_ids,
    )
    .map_err(|e| {
        error(&e.to_string());
        if matches!(e, BacktestError::NoOverlap { .. }) {
            credit_policy::errln!(
                "hint: the outcomes must be those of the clients of INPUT, by the same `id`"
            );
        }
        Exit::Error
    })?;
    for u in &report.population.unknown {
        credit_policy::safety::say(&credit_policy::report::printable(&format!(
            "rejected: `{outcomes_name}` line {} (id `{}`): not a client of `{}`: check the id, or that the outcomes are for this snapshot\n",
            u.line, u.id, args.input.path
        )));
    }
    let w = &report.population.without_outcome;
    if w.count > 0 {
        credit_policy::errln!(
            "note: {} client(s) of `{}` have no outcome in `{outcomes_name}`: not measured, not taken as good (first: {})",
            w.count,
            credit_policy::report::printable(&args.input.path),
            credit_policy::report::printable(
                &w.first
                    .iter()
                    .take(5)
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
    }
    let page = || backtest_page::page(&report);
    if let Some(path) = &args.html
        && let Err(e) = super::write_atomically(path, page().as_bytes())
    {
        error(&format!("cannot write `{}`: {e}", path.display()));
        return Err(Exit::Error);
    }
    let bytes = match format {
        Format::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        Format::Html => page(),
        _ => render(&report, &policies[0].currency),
    };
    args.output.write(bytes.as_bytes())?;
    let n = rejected.len()
        + rejected_baseline.len()
        + outcomes.rejects.len()
        + report.population.unknown.len();
    if n > 0 {
        credit_policy::errln!(
            "{n} row(s) rejected: the measures leave them out; correct them and run again"
        );
        Ok(Exit::Rejects)
    } else {
        Ok(Exit::Ok)
    }
}

/// The rejected rows of a snapshot, each with its file, line, field and reason.
fn show_rejects<'a>(name: &str, rejects: impl Iterator<Item = &'a Reject>) {
    for r in rejects {
        say_rejected(name, r.line, r.id.as_deref(), &r.field, &r.reason);
    }
}

/// `rejected: `FILE` line N (id `ID`): FIELD: REASON` on standard error; the id and the reason
/// quote the input, so no control code of theirs reaches the terminal.
fn say_rejected(name: &str, line: u64, id: Option<&str>, field: &str, reason: &str) {
    let id = id.map_or(String::new(), |i| format!(" (id `{i}`)"));
    let field = if field.is_empty() {
        String::new()
    } else {
        format!("{field}: ")
    };
    credit_policy::safety::say(&credit_policy::report::printable(&format!(
        "rejected: `{name}` line {line}{id}: {field}{reason}\n"
    )));
}

/// The rejected and doubtful rows of the outcomes file, on standard error, each with its
/// file, line, field and what to do.
fn show_outcome_rows(name: &str, o: &OutcomeFile) {
    for r in &o.rejects {
        say_rejected(name, r.line, r.id.as_deref(), &r.field, &r.reason);
    }
    for w in &o.warnings {
        credit_policy::safety::say(&credit_policy::report::printable(&format!(
            "warning: `{name}` line {} (id `{}`): {}\n",
            w.line, w.id, w.message
        )));
    }
    if !o.ignored.is_empty() {
        credit_policy::errln!(
            "note: `{}`: ignored columns: {}",
            credit_policy::report::printable(name),
            credit_policy::report::printable(
                &o.ignored
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
    }
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_style(TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─')));
    t
}

fn right(t: &mut Table, from: usize) {
    for i in from..t.column_count() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn money(s: &str) -> String {
    credit_policy::money::parse_decimal(s).map_or_else(|_| s.to_string(), money_grouped)
}

/// A share as a percent with one decimal.
pub fn pct(d: Option<Decimal>) -> String {
    d.map_or("-".into(), |d| {
        format!("{:.1}%", (d * Decimal::ONE_HUNDRED).round_dp(1))
    })
}

fn count_share(n: u64, share: Option<Decimal>) -> String {
    format!("{} ({})", n, pct(share))
}

fn stat(v: f64, ci: (f64, f64)) -> String {
    format!("{v:.3} ({:.3}-{:.3})", ci.0, ci.1)
}

/// The report for people.
pub fn render(r: &Report, currency: &str) -> String {
    let mut s = String::new();
    let p = &r.population;
    let _ = writeln!(
        s,
        "backtest of `{}` on the outcomes in `{}`",
        r.snapshot, r.outcomes
    );
    for side in &r.sides {
        let _ = writeln!(
            s,
            "  {}: policy {} {} ({}), as of {}, economy {}",
            side.info.label,
            side.info.policy.name,
            side.info.policy.version,
            side.info.policy.hash,
            side.info.as_of,
            side.info.economy
        );
    }
    let _ = writeln!(
        s,
        "\n{} clients measured ({} bad, {}; {} good) of {} decided; {} without an outcome (not measured); {} snapshot row(s) and {} outcome row(s) rejected; {} outcome(s) for unknown clients",
        p.measured,
        p.bad,
        pct(p.bad_rate),
        p.good,
        p.decided,
        p.without_outcome.count,
        p.rejected_rows,
        p.outcome_rejected,
        p.unknown.len()
    );
    let _ = writeln!(
        s,
        "over the period: loss {}, sales {} (amounts in {currency})",
        money(&p.loss),
        money(&p.sales)
    );

    let mut header = vec![String::new()];
    header.extend(r.sides.iter().map(|x| x.info.label.clone()));
    let row = |name: &str, f: &dyn Fn(&backtest::SideReport) -> String| {
        let mut v = vec![name.to_string()];
        v.extend(r.sides.iter().map(f));
        v
    };
    let power_rows =
        |t: &mut Table, what: &str, get: &dyn Fn(&backtest::SideReport) -> Option<&Power>| {
            t.add_row(row(&format!("{what} AUC (95% DeLong)"), &|x| {
                get(x).map_or("-".into(), |p| stat(p.auc, p.auc_ci))
            }));
            t.add_row(row(&format!("{what} Gini"), &|x| {
                get(x).map_or("-".into(), |p| stat(p.gini, p.gini_ci))
            }));
            t.add_row(row(&format!("{what} KS (95% bootstrap)"), &|x| {
                get(x).map_or("-".into(), |p| stat(p.ks, p.ks_ci))
            }));
            t.add_row(row(&format!("{what} KS widest at"), &|x| {
                get(x).map_or("-".into(), |p| p.ks_at.clone())
            }));
        };
    let _ = writeln!(
        s,
        "\npower to separate good from bad (a higher score is a better client)"
    );
    let mut t = table();
    t.set_header(header.clone());
    power_rows(&mut t, "score", &|x| x.score.as_ref());
    power_rows(&mut t, "grade", &|x| x.grade_power.as_ref());
    right(&mut t, 1);
    let _ = writeln!(s, "{t}");
    if r.sides.iter().any(|x| x.score.is_none()) {
        let _ = writeln!(
            s,
            "(no AUC or KS: they need clients that went bad and clients that stayed good)"
        );
    }

    let _ = writeln!(
        s,
        "\ncredit granted to clients that went bad, against credit refused to clients that stayed good"
    );
    let mut t = table();
    t.set_header(header.clone());
    t.add_row(row("given a line", &|x| {
        count_share(x.approval.approved, x.approval.approved_share)
    }));
    t.add_row(row("bad among them", &|x| {
        count_share(x.approval.approved_bad, x.approval.approved_bad_rate)
    }));
    t.add_row(row("lines to clients that went bad", &|x| {
        money(&x.approval.lines_to_bad)
    }));
    t.add_row(row("loss on clients given a line", &|x| {
        money(&x.approval.loss_on_approved)
    }));
    t.add_row(row("bad clients refused", &|x| {
        x.approval.refused_bad.to_string()
    }));
    t.add_row(row("loss on clients refused", &|x| {
        money(&x.approval.loss_avoided)
    }));
    t.add_row(row("good clients refused", &|x| {
        x.approval.refused_good.to_string()
    }));
    t.add_row(row("business turned away (their sales)", &|x| {
        money(&x.approval.turned_away_sales)
    }));
    right(&mut t, 1);
    let _ = writeln!(s, "{t}");

    for side in &r.sides {
        let _ = writeln!(s, "\nbad rate by grade: {}", side.info.label);
        let mut t = table();
        t.set_header([
            "grade",
            "clients",
            "bad",
            "bad rate",
            "lines",
            "lines to bad",
            "loss",
        ]);
        for g in side.grades.iter().filter(|g| g.clients > 0) {
            t.add_row([
                g.grade.to_string(),
                g.clients.to_string(),
                g.bad.to_string(),
                format!("{}{}", pct(g.bad_rate), if g.few { " *" } else { "" }),
                money(&g.lines),
                money(&g.lines_to_bad),
                money(&g.loss),
            ]);
        }
        right(&mut t, 1);
        let _ = writeln!(s, "{t}");
        if side.grades.iter().any(|g| g.few) {
            let _ = writeln!(
                s,
                "* fewer than {} clients: the bad rate is uncertain",
                backtest::FEW
            );
        }
        if side.order_breaks.is_empty() {
            let _ = writeln!(s, "the bad rate rises as the grade falls");
        } else {
            for b in &side.order_breaks {
                let _ = writeln!(s, "the bad rate does not rise as the grade falls: {b}");
            }
        }
        let _ = writeln!(
            s,
            "\ncut-off trade-off: {} (only the grades down to the lowest get a line)",
            side.info.label
        );
        let mut t = table();
        t.set_header([
            "lowest grade with a line",
            "approved",
            "share",
            "bad rate",
            "loss",
            "business turned away",
        ]);
        for c in &side.cutoffs {
            t.add_row([
                c.lowest_grade.to_string(),
                c.approved.to_string(),
                pct(c.approved_share),
                pct(c.bad_rate),
                money(&c.loss),
                money(&c.turned_away_sales),
            ]);
        }
        right(&mut t, 1);
        let _ = writeln!(s, "{t}");
    }

    if let Some(b) = &r.baseline {
        let _ = writeln!(
            s,
            "\nstability from `{b}` to `{}` (PSI; below 0.1 stable, 0.1-0.25 some shift, above 0.25 major shift)",
            r.snapshot
        );
        let mut t = table();
        t.set_header(header.clone());
        let measures: Vec<String> = r
            .sides
            .first()
            .map(|x| x.stability.iter().map(|p| p.measure.clone()).collect())
            .unwrap_or_default();
        for (i, m) in measures.iter().enumerate() {
            t.add_row(row(m, &|x| {
                x.stability
                    .get(i)
                    .and_then(|p| p.psi.zip(p.verdict))
                    .map_or("-".into(), |(v, verdict)| format!("{v:.4} {verdict}"))
            }));
        }
        right(&mut t, 1);
        let _ = writeln!(s, "{t}");
    }
    s
}
