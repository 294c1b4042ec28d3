//! The engine alone, no I/O: one client decided under the standard policy (band tables, weights,
//! the line in native decimals, the knock-out and channel rules in Rhai) and under the same
//! policy without scripts; then the first 10,000 clients of a generated portfolio, a real mix of
//! strong and weak clients whose rules fire and write reasons, decided one after another.
//!
//! ```sh
//! cargo run --release --example gen_portfolio -- 50000 > /tmp/clients-50k.csv
//! cargo bench --bench engine                 # the mix read from $BENCH_MIX, else /tmp/clients-50k.csv
//! ```

use std::path::Path;

use credit_policy::client::{Client, ClientReader, Fact, Row};
use credit_policy::context::Context;
use credit_policy::engine::Evaluator;
use credit_policy::policy::Policy;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;

/// The allocator the command uses (`src/main.rs`), so the figures are the command's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn client() -> Client {
    let mut c = Client::new("C1", Decimal::new(123_456_789, 2));
    let d = |s: &str| Some(s.parse::<Decimal>().expect("a decimal"));
    for (f, v) in [
        (Fact::ReceivableBalance, "150000.00"),
        (Fact::OpenOrders, "20000.00"),
        (Fact::OnTimeRatio, "0.93"),
        (Fact::MaxDaysLate, "12"),
        (Fact::BrokenPromises, "1"),
        (Fact::YearsTrading, "6"),
        (Fact::TotalAssets, "2500000.00"),
        (Fact::TotalLiabilities, "1000000.00"),
        (Fact::CurrentAssets, "900000.00"),
        (Fact::CurrentLiabilities, "600000.00"),
        (Fact::Inventory, "300000.00"),
        (Fact::IntangibleAssets, "50000.00"),
        (Fact::HighRiskShare, "0.08"),
        (Fact::ManagementScore, "4"),
        (Fact::SalesGrowth, "0.04"),
        (Fact::CollateralValue, "80000.00"),
        (Fact::SellIn, "1234567.89"),
        (Fact::SellOut, "1000000.00"),
        (Fact::CrossRegionSales, "20000.00"),
    ] {
        c.facts.set(f, d(v));
    }
    c.key_account = Some(false);
    c.last_review = Some(jiff::civil::Date::constant(2026, 3, 1));
    c
}

/// The same policy with its scripts taken away: bands, weights, overlays and the line only.
fn without_scripts(dir: &Path) -> Policy {
    let mut p = Policy::load(dir).expect("standard loads");
    p.scripts.files.clear();
    p.script_reads.clear();
    p
}

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/standard");
    let standard = Policy::load(&dir).expect("standard loads");
    let native = without_scripts(&dir);
    let ctx = Context {
        as_of: jiff::civil::Date::constant(2026, 11, 30),
        economy: "normal".into(),
        company: None,
    };
    let client = client();
    let mut ev = Evaluator::new(&standard, &ctx).expect("evaluator");
    c.bench_function("decide/standard (bands native, rules in Rhai)", |b| {
        b.iter(|| ev.decide(std::hint::black_box(&client)).expect("decides"))
    });
    let mut ev = Evaluator::new(&native, &ctx).expect("evaluator");
    c.bench_function("decide/standard without scripts (TOML only)", |b| {
        b.iter(|| ev.decide(std::hint::black_box(&client)).expect("decides"))
    });

    let path = std::env::var("BENCH_MIX").unwrap_or_else(|_| "/tmp/clients-50k.csv".into());
    let Ok(reader) = ClientReader::open(&path) else {
        eprintln!(
            "no portfolio at `{path}` for the mix; make one with `cargo run --release --example gen_portfolio -- 50000 > {path}`"
        );
        return;
    };
    let mix: Vec<Client> = reader
        .filter_map(|row| match row {
            Ok(Row::Client(c)) => Some(*c),
            _ => None,
        })
        .take(10_000)
        .collect();
    let mut group = c.benchmark_group("mix");
    group.throughput(Throughput::Elements(mix.len() as u64));
    for (label, policy) in [("standard", &standard), ("without scripts", &native)] {
        let mut ev = Evaluator::new(policy, &ctx).expect("evaluator");
        group.bench_function(format!("decide/{label}, 10,000 generated clients"), |b| {
            b.iter(|| {
                for client in &mix {
                    std::hint::black_box(ev.decide(client).expect("decides"));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
