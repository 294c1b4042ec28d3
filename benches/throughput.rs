//! End-to-end throughput on a generated portfolio, all in one run so the figures compare:
//!
//! ```sh
//! cargo run --release --example gen_portfolio -- 1000000 > /tmp/clients-1m.csv
//! cargo bench --bench throughput -- /tmp/clients-1m.csv
//! ```
//!
//! It times, on every core, with output formatted as JSON Lines and thrown away:
//! 1. reading and checking the CSV into client records, nothing else: the stream as `evaluate`
//!    runs it (reader thread, checking workers, results back in input order, duplicate ids
//!    refused), with a worker that decides nothing and writes nothing. This is issue 13's
//!    "reading and checking the CSV, no decision" (goal: 600,000 rows/s on two cores);
//!    1b. the same, each client written back out as the JSON of its fields (the audit log's
//!    `client_fields`), for the cost of the write-back;
//! 2. `evaluate` with the standard policy's scripts taken away (TOML only);
//! 3. `evaluate` with the standard policy, rules in Rhai;
//! 4. `compare` of the standard and conservative policies (two decisions a client).
//!
//! `THROUGHPUT_THREADS=1` runs on one thread instead of one per core; `THROUGHPUT_STEPS=1,1b`
//! runs only the steps named (the ratios at the end need steps 1, 2, 3 and 4).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use credit_policy::audit::client_fields;
use credit_policy::client::ClientReader;
use credit_policy::compare::{Comparison, Pair, SideInfo};
use credit_policy::context::Context;
use credit_policy::engine::Evaluator;
use credit_policy::policy::Policy;
use credit_policy::report::{self, Format};
use credit_policy::stream::{self, Item};

/// The allocator the command uses (`src/main.rs`), so the figures are the command's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn timed(label: &str, path: &str, run: impl FnOnce(ClientReader) -> u64) -> f64 {
    let step = label.split('.').next().unwrap_or_default();
    if let Ok(steps) = std::env::var("THROUGHPUT_STEPS")
        && !steps.split(',').any(|s| s.trim() == step)
    {
        return f64::NAN;
    }
    let reader = ClientReader::open(path).expect("the input opens");
    let start = Instant::now();
    let rows = run(reader);
    let secs = start.elapsed().as_secs_f64();
    let rate = rows as f64 / secs;
    println!("{label:<52} {rows:>9} rows {secs:>8.2} s {rate:>12.0} rows/s");
    rate
}

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "/tmp/clients-1m.csv".into());
    if !Path::new(&path).is_file() {
        eprintln!(
            "no portfolio at `{path}`; make one with `cargo run --release --example gen_portfolio -- 1000000 > {path}`"
        );
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let standard = Policy::load(&dir.join("standard")).expect("standard loads");
    let conservative = Policy::load(&dir.join("conservative")).expect("conservative loads");
    let mut native = standard.clone();
    native.scripts.files.clear();
    native.script_reads.clear();
    let ctx = Context {
        as_of: jiff::civil::Date::constant(2026, 11, 30),
        economy: "normal".into(),
        company: None,
    };
    let threads = stream::threads(
        std::env::var("THROUGHPUT_THREADS")
            .ok()
            .and_then(|t| t.parse().ok()),
    );
    println!("{threads} threads, input {path}");
    let nothing = |_: u64| {};

    let parse = timed("1. read + check (no decision)", &path, |r| {
        let mut n = 0;
        stream::run(
            r,
            threads,
            || Ok(|_: &credit_policy::client::Client| Ok(())),
            |item| {
                n += 1;
                std::hint::black_box(item);
                Ok(())
            },
            &nothing,
        )
        .expect("runs");
        n
    });
    timed("1b. read + check + write back (no decision)", &path, |r| {
        let mut out = std::io::BufWriter::new(std::io::sink());
        let mut n = 0;
        stream::run(
            r,
            threads,
            || {
                Ok(|c: &credit_policy::client::Client| {
                    Ok(serde_json::to_vec(&client_fields(c)).unwrap_or_default())
                })
            },
            |item| {
                n += 1;
                match item {
                    Item::Decided(bytes) => out.write_all(&bytes),
                    Item::Rejected(_) => Ok(()),
                }
            },
            &nothing,
        )
        .expect("runs");
        n
    });
    let evaluate = |policy: &Policy, r: ClientReader| {
        let mut out = std::io::BufWriter::new(std::io::sink());
        let mut n = 0;
        stream::run(
            r,
            threads,
            || {
                let mut ev = Evaluator::new(policy, &ctx).map_err(|e| e.to_string())?;
                Ok(move |c: &credit_policy::client::Client| {
                    let d = ev.decide(c).map_err(|e| credit_policy::client::Reject {
                        line: c.line,
                        id: Some(c.id.clone()),
                        field: "script".into(),
                        reason: e.to_string(),
                    })?;
                    Ok(report::render(Format::Jsonl, &d, &policy.identity, None))
                })
            },
            |item| {
                n += 1;
                match item {
                    Item::Decided(bytes) => out.write_all(&bytes),
                    Item::Rejected(_) => Ok(()),
                }
            },
            &nothing,
        )
        .expect("runs");
        n
    };
    let toml_only = timed("2. evaluate, TOML only (no scripts)", &path, |r| {
        evaluate(&native, r)
    });
    let with_rules = timed("3. evaluate, standard policy (rules in Rhai)", &path, |r| {
        evaluate(&standard, r)
    });
    let compare = timed("4. compare standard vs conservative", &path, |r| {
        let side = |p: &Policy| SideInfo {
            policy: p.identity.clone(),
            as_of: ctx.as_of.to_string(),
            economy: ctx.economy.clone(),
        };
        let mut cmp = Comparison::new(side(&standard), side(&conservative), Some("region".into()));
        let mut n = 0;
        stream::run(
            r,
            threads,
            || {
                let mut a = Evaluator::new(&standard, &ctx).map_err(|e| e.to_string())?;
                let mut b = Evaluator::new(&conservative, &ctx).map_err(|e| e.to_string())?;
                Ok(move |c: &credit_policy::client::Client| {
                    let err = |e: credit_policy::engine::EvalError| credit_policy::client::Reject {
                        line: c.line,
                        id: Some(c.id.clone()),
                        field: "script".into(),
                        reason: e.to_string(),
                    };
                    let (da, db) = (a.decide(c).map_err(err)?, b.decide(c).map_err(err)?);
                    Ok(Pair::new(c, &da, &db, Some("region")))
                })
            },
            |item| {
                n += 1;
                match item {
                    Item::Decided(pair) => {
                        // The changed client handed back goes nowhere: a bench of the totals.
                        let _ = cmp.add_pair(pair);
                    }
                    Item::Rejected(_) => cmp.reject(),
                }
                Ok(())
            },
            &nothing,
        )
        .expect("runs");
        let _ = cmp.finish();
        n
    });
    println!(
        "TOML-only evaluate / read-and-check: {:.2}",
        toml_only / parse
    );
    println!("compare time / evaluate time: {:.2}", with_rules / compare);
}
