//! Side by side with peers, in one run: the standard policy's grading and line decided by
//! credit-policy, by GoRules ZEN (a JDM decision graph) and by Rego (regorus), on the same
//! clients, one thread each. It checks that every engine gives every client the same grade and
//! line as credit-policy, lists where they do not, and prints decisions per second.
//!
//! `cargo run --release -- CLIENTS.csv [--limit N]`; `cargo run --release -- --write`
//! regenerates `standard.jdm.json` and `standard.rego` from `policies/standard/policy.toml`.

mod edges;
mod mirror;
mod outcome;
mod portfolio;
mod rego;
mod rules;
mod zen;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Parser;
use credit_policy::context::Context;
use credit_policy::engine::Evaluator;
use credit_policy::grade::Grade;
use credit_policy::policy::Policy;
use jiff::civil::Date;
use rust_decimal::Decimal;

use credit_policy::engine::Action;
use outcome::{Disagreement, Outcome};
use portfolio::{Case, RunContext};

/// Benchmark credit-policy against GoRules ZEN and Rego (regorus) on the same clients.
#[derive(Parser)]
#[command(name = "bench-peers")]
struct Args {
    /// Clients as CSV (or JSON, JSON Lines), e.g. from `cargo run --release --example
    /// gen_portfolio -- 100000 > /tmp/clients-100k.csv` in the main crate.
    #[arg(required_unless_present = "write")]
    clients: Option<String>,
    /// Decide only the first N clients.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Regenerate standard.jdm.json and standard.rego from the standard policy, then stop.
    #[arg(long)]
    write: bool,
    /// Print what every engine answers for the client with this id (its JSON input, grade,
    /// line, score and points per measure), then stop.
    #[arg(long, value_name = "ID")]
    show: Option<String>,
}

/// The as-of date of every run: fixed, so two runs decide the same thing.
const AS_OF: Date = Date::constant(2026, 11, 30);
/// The economy of every run.
const ECONOMY: &str = "normal";
/// Clients decided by each engine, untimed, before its timed run.
const WARM_UP: usize = 1_000;

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!(
                "error: some engine disagrees with credit-policy on some client (listed above)"
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The answers kept from our engine's timed run; turned into [`Outcome`]s after the clock stops.
struct Ours {
    grade: Grade,
    limit: Decimal,
    score: Decimal,
    points: Vec<Decimal>,
    actions: Vec<Action>,
    /// The rule codes of the decision's reasons (those a script gave).
    codes: Vec<String>,
}

/// Bands only, or with the rules: which reference a row is checked against.
#[derive(Clone, Copy, PartialEq)]
enum Work {
    Bands,
    Rules,
}

/// One row of the table.
struct Row {
    engine: String,
    work: Work,
    elapsed: Duration,
    /// Untimed: turning every client's JSON object into the engine's input value.
    prepare: Option<Duration>,
    /// Against credit-policy doing the same work; `None` for our own rows.
    check: Option<Check>,
}

struct Check {
    agree: usize,
    disagreements: Vec<Disagreement>,
}

fn run(args: Args) -> anyhow::Result<bool> {
    // Read before any work of ours: how busy the machine is with other work.
    let machine = machine();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/standard");
    let standard = Policy::load(&dir).map_err(|e| {
        let detail: Vec<String> = e.diagnostics.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("{e}:\n{}", detail.join("\n"))
    })?;
    if args.write {
        mirror::write(&standard)?;
        return Ok(true);
    }
    let Some(path) = args.clients else {
        bail!("name the clients file");
    };
    // The same policy without its scripts: bands, score, grade and line, the work the
    // bands-only peers do.
    let mut bands_only = standard.clone();
    bands_only.scripts.files.clear();
    bands_only.script_reads.clear();
    // And without secured cover: the bands-only line is the grade's share of sales.
    bands_only.security = Default::default();

    let mirrors = mirror::read_in_step(&standard)?;
    let measures = mirror::measures(&standard)?;
    let names: Vec<&str> = measures.iter().map(|m| m.fact.name()).collect();
    let facts = mirror::input_facts(&measures);
    let rule_facts = rules::input_facts(&measures);
    let context = Context {
        as_of: AS_OF,
        economy: ECONOMY.into(),
        company: None,
    };
    let run_context = RunContext {
        as_of: AS_OF,
        economy: ECONOMY,
        company_healthy: credit_policy::engine::health(&standard, &context).healthy,
    };

    let portfolio = portfolio::load(&path, args.limit, AS_OF, &facts, &rule_facts, &run_context)?;
    if let Some(id) = &args.show {
        let Some(case) = portfolio.cases.iter().find(|c| &c.client.id == id) else {
            bail!("no client `{id}` in `{path}`");
        };
        show(case, &bands_only, &standard, &context, &mirrors, &names)?;
        return Ok(true);
    }
    let cases = &portfolio.cases;
    let n = cases.len();
    let warm = &cases[..n.min(WARM_UP)];
    eprintln!("{n} clients read from {path}; deciding them with each engine in turn ...");

    let mut rows = Vec::new();

    // credit-policy, bands only: the reference of the bands-only peers.
    run_ours(&bands_only, &context, warm)?;
    let (reference, elapsed) = run_ours(&bands_only, &context, cases)?;
    let reference: Vec<Outcome> = reference.iter().map(|o| ours_outcome(o, false)).collect();
    rows.push(Row {
        engine: "credit-policy, bands only (no scripts)".into(),
        work: Work::Bands,
        elapsed,
        prepare: None,
        check: None,
    });

    // credit-policy with the standard rules: the reference of the peers with the rules.
    run_ours(&standard, &context, warm)?;
    let (with_rules, elapsed) = run_ours(&standard, &context, cases)?;
    let with_rules: Vec<Outcome> = with_rules.iter().map(|o| ours_outcome(o, true)).collect();
    rows.push(Row {
        engine: "credit-policy, standard with Rhai rules".into(),
        work: Work::Rules,
        elapsed,
        prepare: None,
        check: None,
    });

    let compare = |answers: Vec<Outcome>, work: Work| -> Check {
        let reference = match work {
            Work::Bands => &reference,
            Work::Rules => &with_rules,
        };
        let mut check = Check {
            agree: 0,
            disagreements: Vec::new(),
        };
        for ((case, ours), theirs) in cases.iter().zip(reference).zip(&answers) {
            if ours.agrees(theirs) {
                check.agree += 1;
            } else {
                check.disagreements.push(disagreement(
                    case,
                    &measures,
                    ours,
                    theirs,
                    work == Work::Rules,
                ));
            }
        }
        check
    };

    type Input<T> = fn(&Case) -> anyhow::Result<T>;
    for (work, jdm, input, label) in [
        (
            Work::Bands,
            &mirrors.jdm,
            zen::Zen::input as Input<_>,
            "JDM graph",
        ),
        (
            Work::Rules,
            &mirrors.rules_jdm,
            zen::Zen::rules_input as Input<_>,
            "JDM graph with rules",
        ),
    ] {
        let z = zen::Zen::new(jdm)?;
        z.run(prepare(warm, input)?.0)?;
        let (inputs, prepared) = prepare(cases, input)?;
        let (results, elapsed) = z.run(inputs)?;
        let answers = results.iter().map(|r| zen::outcome(r, &names)).collect();
        drop(results);
        rows.push(Row {
            engine: format!("GoRules ZEN {}, {label}", version("zen-engine")),
            work,
            elapsed,
            prepare: Some(prepared),
            check: Some(compare(answers, work)),
        });
    }

    // Rego, interpreter and bytecode VM.
    type RegoRun = fn(&str, Vec<regorus::Value>) -> anyhow::Result<(Vec<regorus::Value>, Duration)>;
    let runs: [(&str, RegoRun); 2] = [
        ("interpreter", rego::run_interpreter),
        ("RVM bytecode", rego::run_vm),
    ];
    for (work, text, input, with) in [
        (Work::Bands, &mirrors.rego, rego::input as Input<_>, ""),
        (
            Work::Rules,
            &mirrors.rules_rego,
            rego::rules_input as Input<_>,
            " with rules",
        ),
    ] {
        for (how, run) in runs {
            run(text, prepare(warm, input)?.0)?;
            let (inputs, prepared) = prepare(cases, input)?;
            let (results, elapsed) = run(text, inputs)?;
            let answers = results.iter().map(|r| rego::outcome(r, &names)).collect();
            drop(results);
            rows.push(Row {
                engine: format!("Rego, regorus {} {how}{with}", version("regorus")),
                work,
                elapsed,
                prepare: Some(prepared),
                check: Some(compare(answers, work)),
            });
        }
    }

    let survey = edges::survey(cases, &measures);
    print_report(&standard, &path, &portfolio, &rows, &machine, &survey);
    Ok(rows
        .iter()
        .filter_map(|r| r.check.as_ref())
        .all(|c| c.disagreements.is_empty()))
}

/// Decides every case with a fresh evaluator; the time covers the decisions only.
fn run_ours(
    policy: &Policy,
    context: &Context,
    cases: &[Case],
) -> anyhow::Result<(Vec<Ours>, Duration)> {
    let mut evaluator = Evaluator::new(policy, context)?;
    let mut out = Vec::with_capacity(cases.len());
    let start = std::time::Instant::now();
    for case in cases {
        let d = evaluator.decide(&case.client)?;
        out.push(Ours {
            grade: d.grade,
            limit: d.limit,
            score: d.score,
            points: d.trace.measures.iter().map(|m| m.points).collect(),
            actions: d.actions,
            codes: d
                .reasons
                .into_iter()
                .filter(|r| r.at.is_some())
                .map(|r| r.code)
                .collect(),
        });
    }
    Ok((out, start.elapsed()))
}

/// Our answer in the common form; `rules` keeps the actions and rule codes (a bands-only
/// peer gives neither).
fn ours_outcome(o: &Ours, rules: bool) -> Outcome {
    Outcome {
        grade: Ok(o.grade),
        line: Ok(o.limit),
        score: o.score.normalize().to_string(),
        points: o.points.iter().map(|p| p.normalize().to_string()).collect(),
        actions: if rules {
            outcome::set(o.actions.iter().map(|a| a.as_str().to_string()).collect())
        } else {
            Vec::new()
        },
        codes: if rules {
            outcome::set(o.codes.clone())
        } else {
            Vec::new()
        },
    }
}

/// Each case's JSON object turned into an engine's input value, before its clock starts;
/// how long that took is reported apart.
fn prepare<T>(
    cases: &[Case],
    f: fn(&Case) -> anyhow::Result<T>,
) -> anyhow::Result<(Vec<T>, Duration)> {
    let start = std::time::Instant::now();
    let inputs = cases
        .iter()
        .map(|c| f(c).with_context(|| format!("client `{}`", c.client.id)))
        .collect::<anyhow::Result<Vec<T>>>()?;
    Ok((inputs, start.elapsed()))
}

/// `--show ID`: every engine's answer for one client.
fn show(
    case: &Case,
    bands_only: &Policy,
    standard: &Policy,
    context: &Context,
    mirrors: &mirror::Mirrors,
    names: &[&str],
) -> anyhow::Result<()> {
    let one = std::slice::from_ref(case);
    println!(
        "{} as the peers get it:\n  bands only: {}\n  with rules: {}\n",
        case.client.id, case.json, case.rules_json
    );
    let print = |engine: &str, o: &Outcome| {
        let grade = o
            .grade
            .as_ref()
            .map_or_else(Clone::clone, ToString::to_string);
        let line = o.line.as_ref().map_or_else(Clone::clone, |l| l.to_string());
        println!("{engine}\n  grade {grade}, line {line}, score {}", o.score);
        let points: Vec<String> = names
            .iter()
            .zip(&o.points)
            .map(|(n, p)| format!("{n} {p}"))
            .collect();
        println!("  points: {}", points.join(", "));
        if !o.actions.is_empty() || !o.codes.is_empty() {
            println!(
                "  actions: [{}], rule codes: [{}]",
                o.actions.join(" "),
                o.codes.join(" ")
            );
        }
    };
    print(
        "credit-policy, bands only",
        &ours_outcome(&run_ours(bands_only, context, one)?.0[0], false),
    );
    let (r, _) = zen::Zen::new(&mirrors.jdm)?.run(prepare(one, zen::Zen::input)?.0)?;
    print("GoRules ZEN", &zen::outcome(&r[0], names));
    let (r, _) = rego::run_interpreter(&mirrors.rego, prepare(one, rego::input)?.0)?;
    print("Rego, interpreter", &rego::outcome(&r[0], names));
    let (r, _) = rego::run_vm(&mirrors.rego, prepare(one, rego::input)?.0)?;
    print("Rego, RVM bytecode", &rego::outcome(&r[0], names));
    println!();
    print(
        "credit-policy, standard with Rhai rules",
        &ours_outcome(&run_ours(standard, context, one)?.0[0], true),
    );
    let (r, _) = zen::Zen::new(&mirrors.rules_jdm)?.run(prepare(one, zen::Zen::rules_input)?.0)?;
    print("GoRules ZEN with rules", &zen::outcome(&r[0], names));
    let (r, _) = rego::run_interpreter(&mirrors.rules_rego, prepare(one, rego::rules_input)?.0)?;
    print("Rego, interpreter with rules", &rego::outcome(&r[0], names));
    let (r, _) = rego::run_vm(&mirrors.rules_rego, prepare(one, rego::rules_input)?.0)?;
    print(
        "Rego, RVM bytecode with rules",
        &rego::outcome(&r[0], names),
    );
    Ok(())
}

fn disagreement(
    case: &Case,
    measures: &[mirror::Measure<'_>],
    ours: &Outcome,
    theirs: &Outcome,
    rules: bool,
) -> Disagreement {
    let values: Vec<(&str, Option<Decimal>)> = measures
        .iter()
        .map(|m| (m.fact.name(), case.facts.get(m.fact)))
        .collect();
    Disagreement::new(
        &case.client.id,
        &values,
        case.facts.get(credit_policy::client::Fact::AnnualSales),
        ours,
        theirs,
        rules,
    )
}

/// The version of a dependency, as locked.
fn version(krate: &str) -> String {
    let lock = include_str!("../Cargo.lock");
    let needle = format!("name = \"{krate}\"\nversion = \"");
    lock.find(&needle)
        .and_then(|i| lock[i + needle.len()..].split('"').next())
        .unwrap_or("?")
        .to_string()
}

fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    // Other work on the machine slows every engine; the load says how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| {
            t.split_whitespace()
                .next()
                .map(|l| format!(", load average {l}"))
        })
        .unwrap_or_default();
    format!(
        "{cpu}, {cores} cores, {} {}{load}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

fn print_report(
    policy: &Policy,
    path: &str,
    portfolio: &portfolio::Portfolio,
    rows: &[Row],
    machine: &str,
    survey: &edges::Survey,
) {
    let n = portfolio.cases.len();
    let rate = |r: &Row| n as f64 / r.elapsed.as_secs_f64();
    // Our row doing the same work as a row: bands only, or with the rules.
    let ours = |work: Work| rows.iter().find(|r| r.check.is_none() && r.work == work);
    let headers = [
        "engine",
        "decisions/s",
        "µs/decision",
        "ours faster by",
        "agree with credit-policy",
    ];
    // Rows grouped: bands only first, then with the rules.
    let ordered: Vec<&Row> = [Work::Bands, Work::Rules]
        .iter()
        .flat_map(|w| rows.iter().filter(move |r| r.work == *w))
        .collect();
    let cells: Vec<[String; 5]> = ordered
        .iter()
        .map(|r| {
            let reference = ours(r.work).map_or(f64::NAN, rate);
            [
                r.engine.clone(),
                grouped(rate(r).round() as u64),
                format!("{:.2}", 1e6 / rate(r)),
                format!("{:.1}x", reference / rate(r)),
                match &r.check {
                    None => "(reference)".to_string(),
                    Some(c) => format!(
                        "{} of {}{}",
                        grouped(c.agree as u64),
                        grouped(n as u64),
                        match r.work {
                            Work::Bands => " (grade, line)",
                            Work::Rules => " (grade, line, actions, rule codes)",
                        }
                    ),
                },
            ]
        })
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([headers[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..5).map(width).collect();
    let line = |c: &[String]| {
        let mut s = format!(" {:<w$}", c[0], w = widths[0]);
        for i in 1..4 {
            s.push_str(&format!("   {:>w$}", c[i], w = widths[i]));
        }
        s.push_str(&format!("   {}", c[4]));
        s
    };

    println!(
        "{} clients from {path}{}; policy {} {}, as of {AS_OF}, {ECONOMY} economy",
        grouped(n as u64),
        if portfolio.rejected > 0 {
            format!(" ({} rows rejected)", portfolio.rejected)
        } else {
            String::new()
        },
        policy.identity.name,
        policy.identity.version,
    );
    println!("one thread per engine, one after another, in one process; {machine}");
    println!();
    println!("{}", line(&headers.map(String::from)));
    let rule = " ".to_string()
        + "─"
            .repeat(widths.iter().sum::<usize>() + 3 * (widths.len() - 1))
            .as_str();
    println!("{rule}");
    for (r, c) in ordered.iter().zip(&cells) {
        if r.work == Work::Rules && r.check.is_none() {
            println!("{rule}");
        }
        println!("{}", line(c));
    }
    println!();

    println!("goal: credit-policy at least 10x the fastest peer doing the same work:");
    for (work, what) in [(Work::Bands, "bands only"), (Work::Rules, "with the rules")] {
        let fastest = rows
            .iter()
            .filter(|r| r.check.is_some() && r.work == work)
            .max_by(|a, b| rate(a).total_cmp(&rate(b)));
        if let (Some(us), Some(peer)) = (ours(work), fastest) {
            let x = rate(us) / rate(peer);
            println!(
                "  {what}: {} is {x:.1}x {}, {}",
                us.engine,
                peer.engine,
                if x >= 10.0 { "met" } else { "NOT met" }
            );
        }
    }
    println!();
    println!(
        "timed: the decisions only. credit-policy's time includes deriving the ratios from the row and\n\
         building the whole decision (reasons and their texts, trace, actions, next review); a bands-only\n\
         peer's covers points, score, grade and line from the ratios derived before; a peer with the\n\
         rules also the rules, grade caps, line steps, review date, actions and rule codes. Not timed:\n\
         turning each client's JSON object into the peer's input value, µs a client:"
    );
    for r in rows {
        if let Some(p) = r.prepare {
            println!("  {}: {:.2}", r.engine, p.as_secs_f64() * 1e6 / n as f64);
        }
    }
    println!();

    println!(
        "disagreements with credit-policy doing the same work (bands only: grade or line; with the\n\
         rules: grade, line, actions or rule codes):"
    );
    for r in rows {
        let Some(c) = &r.check else { continue };
        println!("  {}: {}", r.engine, grouped(c.disagreements.len() as u64));
        for d in c.disagreements.iter().take(5) {
            println!(
                "    {}  {}: ours {}, theirs {}",
                d.id, d.cause, d.ours, d.theirs
            );
        }
    }
    println!();
    println!(
        "band edges: {} of {} clients have a ratio or share exactly on a band edge ({} values in all);",
        grouped(survey.clients_on_edge as u64),
        grouped(n as u64),
        grouped(survey.values_on_edge as u64),
    );
    println!(
        "  a ratio on an edge reaches a peer as the same decimal text as the edge (0.4 and 0.4), so both\n\
         \x20 are read as the same number (the same double in Rego, the same Decimal in ZEN) and graded alike.\n\
         \x20 An engine deriving the ratios itself in f64 from the figures to the cent (as Rego would; ZEN\n\
         \x20 computes in Decimal) would put a ratio of {} clients in another band{}",
        grouped(survey.float_misbanded as u64),
        if survey.examples.is_empty() {
            "."
        } else {
            ", e.g."
        }
    );
    for (id, name, exact, float) in &survey.examples {
        println!(
            "    {id}  {name} = {} exactly, {float:?} in f64",
            exact.normalize()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/standard");
        Policy::load(&dir).expect("the standard policy loads")
    }

    #[test]
    fn the_mirror_files_are_in_step_with_the_policy() {
        mirror::read_in_step(&policy()).expect("run `cargo run --release -- --write`");
    }

    /// The bundled sample portfolio: every peer gives every client our grade and line, and
    /// every peer with the rules our grade, line, actions and rule codes.
    #[test]
    fn every_engine_agrees_on_the_sample_portfolio() {
        let standard = policy();
        let mut bands_only = standard.clone();
        bands_only.scripts.files.clear();
        bands_only.script_reads.clear();
        // And without secured cover: the bands-only line is the grade's share of sales.
        bands_only.security = Default::default();
        let mirrors = mirror::read_in_step(&standard).expect("in step");
        let measures = mirror::measures(&standard).expect("band tables");
        let names: Vec<&str> = measures.iter().map(|m| m.fact.name()).collect();
        let context = Context {
            as_of: AS_OF,
            economy: ECONOMY.into(),
            company: None,
        };
        let run_context = RunContext {
            as_of: AS_OF,
            economy: ECONOMY,
            company_healthy: None,
        };
        let clients = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/clients.csv");
        let portfolio = portfolio::load(
            clients,
            None,
            AS_OF,
            &mirror::input_facts(&measures),
            &rules::input_facts(&measures),
            &run_context,
        )
        .expect("read");
        let cases = &portfolio.cases;
        for (policy, rules, jdm, rego_text) in [
            (&bands_only, false, &mirrors.jdm, &mirrors.rego),
            (&standard, true, &mirrors.rules_jdm, &mirrors.rules_rego),
        ] {
            let ours: Vec<Outcome> = run_ours(policy, &context, cases)
                .expect("decides")
                .0
                .iter()
                .map(|o| ours_outcome(o, rules))
                .collect();
            assert!(
                ours.iter().any(|o| o.line != Ok(Decimal::ZERO)),
                "some lines"
            );
            let (zen_input, rego_input): (
                fn(&Case) -> anyhow::Result<zen_engine::Variable>,
                fn(&Case) -> anyhow::Result<regorus::Value>,
            ) = if rules {
                (zen::Zen::rules_input, rego::rules_input)
            } else {
                (zen::Zen::input, rego::input)
            };
            let zen = zen::Zen::new(jdm).expect("graph");
            let (r, _) = zen
                .run(prepare(cases, zen_input).expect("inputs").0)
                .expect("zen");
            let interp =
                rego::run_interpreter(rego_text, prepare(cases, rego_input).expect("inputs").0)
                    .expect("rego");
            let vm = rego::run_vm(rego_text, prepare(cases, rego_input).expect("inputs").0)
                .expect("rvm");
            for (i, o) in ours.iter().enumerate() {
                let id = &cases[i].client.id;
                for (engine, theirs) in [
                    ("ZEN", zen::outcome(&r[i], &names)),
                    ("Rego", rego::outcome(&interp.0[i], &names)),
                    ("RVM", rego::outcome(&vm.0[i], &names)),
                ] {
                    assert!(
                        o.agrees(&theirs),
                        "{engine} (rules: {rules}), {id}: ours {o:?}, theirs {theirs:?}"
                    );
                }
            }
        }
    }
}
