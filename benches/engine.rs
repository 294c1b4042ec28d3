//! The engine alone, no I/O: one client decided under the standard policy (band tables, weights,
//! the line in native decimals, the knock-out and channel rules in Rhai) and under the same
//! policy without scripts. `cargo bench --bench engine`.

use std::path::Path;

use credit_policy::client::{Client, Fact};
use credit_policy::context::Context;
use credit_policy::engine::Evaluator;
use credit_policy::policy::Policy;
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

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
}

criterion_group!(benches, bench);
criterion_main!(benches);
