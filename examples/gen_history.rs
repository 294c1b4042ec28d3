//! Writes a realistic synthetic credit history for `credit-policy backtest`:
//! `cargo run --example gen_history -- N SEED DIR` writes, in DIR,
//!
//! * `snapshot.csv`: N clients' facts as they stood on 2025-06-30 (the columns of
//!   `examples/clients.csv`);
//! * `outcomes.csv`: what happened to each over the following 12 months: `bad`, `loss`,
//!   `sales`, `max_days_past_due`; about 1 client in 200 has none (it left, or merged);
//! * `baseline.csv`: the same clients a year earlier (2024-06-30), paying a little better, for
//!   the population stability index.
//!
//! The known relation: each client goes bad with the probability
//!
//! ```text
//! logit P(bad) = -6.9 + 9 x (0.95 - on_time_ratio) + 0.025 x max_days_late
//!                + 0.4 x broken_promises + 3 x (debt_ratio - 0.55)
//!                - 0.08 x years_trading + 0.3 x (3 - management_score)
//! ```
//!
//! (`debt_ratio` = total_liabilities / total_assets), so worse payers and weaker balance
//! sheets go bad more often, as a policy's grades should expect. A bad client's loss is what it
//! owed (receivables plus a share of its open orders) times a loss given default from 30 % to
//! 80 %; its sales stop part way through the year. Money is written to the cent from whole
//! cents; the same N and SEED give the same files.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const NAMES: &[&str] = &[
    "华东商贸",
    "星河电器",
    "龙腾建材",
    "金源贸易",
    "Pacific Distribution",
    "Northwind Supply",
    "Acme Trading",
    "Lakeside Dealers",
];
const REGIONS: &[&str] = &["east", "north", "south", "west", "central"];
const HEADER: &str = "id,name,region,key_account,annual_sales,receivable_balance,open_orders,on_time_ratio,max_days_late,broken_promises,years_trading,total_assets,total_liabilities,current_assets,current_liabilities,inventory,intangible_assets,high_risk_share,management_score,sales_growth,collateral_value,sell_in,sell_out,cross_region_sales,last_review,distress_confirmed";

fn money(c: u64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// `amount x per_mille / 1000`, in whole cents.
fn part(amount: u64, per_mille: u64) -> u64 {
    amount * per_mille / 1000
}

/// One client's facts at one date: the drawn quantities the relation uses, and the CSV row.
struct Facts {
    on_time: u64, // hundredths
    days_late: u64,
    promises: u64,
    debt_per_mille: u64,
    years: u64,
    management: u64,
    sales: u64, // cents
    receivable: u64,
    open_orders: u64,
    growth: i64, // hundredths
    row: String,
}

/// The facts of client `i` of quality `q` (0 weak .. 1 strong), `drift` hundredths better
/// paying (a year earlier), reviewed in the year before `year`-06-30.
fn facts(rng: &mut StdRng, i: u64, q: f64, drift: u64, year: i32) -> Facts {
    let noisy =
        |rng: &mut StdRng, spread: f64| (q + rng.random_range(-spread..spread)).clamp(0.0, 1.0);
    let on_time = ((55.0 + 44.0 * noisy(rng, 0.25)).round() as u64 + drift).min(100);
    let days_late = ((1.0 - noisy(rng, 0.3)) * 100.0 * rng.random_range(0.2..1.2)).round() as u64;
    let promises = ((1.0 - noisy(rng, 0.3)) * 4.0).round() as u64;
    let debt_per_mille = (250.0 + 650.0 * (1.0 - noisy(rng, 0.3))).round() as u64;
    let years = rng.random_range(1..=20u64);
    let management = (1.0 + 4.0 * noisy(rng, 0.35)).round() as u64;
    let sales = rng.random_range(1_000..=200_000u64) * 10_000;
    let assets = sales * rng.random_range(1..=3u64);
    let liabilities = part(assets, debt_per_mille);
    let current_liabilities = part(liabilities, 600);
    let current_assets = part(current_liabilities, rng.random_range(800..=2_600));
    let inventory = part(current_assets, 350);
    let receivable = part(sales, rng.random_range(20..=200));
    let open_orders = part(sales, rng.random_range(0..=20));
    let sell_out = part(sales, (450.0 + 500.0 * noisy(rng, 0.3)).round() as u64);
    let growth = rng.random_range(-20..=25i64);
    let review = format!(
        "{}-{:02}-{:02}",
        year - 1,
        rng.random_range(7..=12),
        rng.random_range(1..=28)
    );
    let row = [
        format!("H{i:06}"),
        format!("{} {i}", NAMES[(i as usize) % NAMES.len()]),
        REGIONS[rng.random_range(0..REGIONS.len())].to_string(),
        if rng.random_bool(0.05) { "yes" } else { "no" }.to_string(),
        money(sales),
        money(receivable),
        money(open_orders),
        format!("{}.{:02}", on_time / 100, on_time % 100),
        days_late.to_string(),
        promises.to_string(),
        years.to_string(),
        money(assets),
        money(liabilities),
        money(current_assets),
        money(current_liabilities),
        money(inventory),
        money(part(assets, 50)),
        format!("0.{:02}", rng.random_range(0..=30u32)),
        management.to_string(),
        format!("{}0.{:02}", if growth < 0 { "-" } else { "" }, growth.abs()),
        money(part(sales, [0, 30, 80][rng.random_range(0..3)])),
        money(sales),
        money(sell_out),
        money(part(sell_out, [0, 20, 100][rng.random_range(0..3)])),
        review,
        "no".to_string(),
    ]
    .join(",");
    Facts {
        on_time,
        days_late,
        promises,
        debt_per_mille,
        years,
        management,
        sales,
        receivable,
        open_orders,
        growth,
        row,
    }
}

/// The known relation: the probability that a client with these facts goes bad.
fn p_bad(f: &Facts) -> f64 {
    let logit = -6.9
        + 9.0 * (0.95 - f.on_time as f64 / 100.0)
        + 0.025 * f.days_late as f64
        + 0.4 * f.promises as f64
        + 3.0 * (f.debt_per_mille as f64 / 1000.0 - 0.55)
        - 0.08 * f.years as f64
        + 0.3 * (3.0 - f.management as f64);
    1.0 / (1.0 + (-logit).exp())
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(42);
    let dir = args.next().unwrap_or_else(|| ".".into());
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    let create = |name: &str| -> io::Result<BufWriter<std::fs::File>> {
        Ok(BufWriter::new(std::fs::File::create(dir.join(name))?))
    };
    let (mut snapshot, mut outcomes, mut baseline) = (
        create("snapshot.csv")?,
        create("outcomes.csv")?,
        create("baseline.csv")?,
    );
    writeln!(snapshot, "{HEADER}")?;
    writeln!(baseline, "{HEADER}")?;
    writeln!(outcomes, "id,bad,loss,sales,max_days_past_due")?;
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..n {
        let q: f64 = rng.random_range(0.0..1.0);
        // A year earlier the same client paid a little better.
        let before = facts(&mut rng, i, q, 6, 2024);
        writeln!(baseline, "{}", before.row)?;
        let now = facts(&mut rng, i, q, 0, 2025);
        writeln!(snapshot, "{}", now.row)?;
        if rng.random_bool(0.005) {
            continue; // left or merged: no outcome
        }
        let bad = rng.random_bool(p_bad(&now));
        let year_sales = (now.sales as i64 * (100 + now.growth) / 100).max(0) as u64;
        let (loss, sales, dpd) = if bad {
            let owed = now.receivable + part(now.open_orders, rng.random_range(300..=1000));
            let lgd = rng.random_range(300..=800);
            (
                part(owed, lgd),
                part(year_sales, rng.random_range(200..=700)),
                rng.random_range(90..=360u32),
            )
        } else {
            (
                0,
                year_sales,
                rng.random_range(0..=60u32) * rng.random_range(0..=1u32),
            )
        };
        writeln!(
            outcomes,
            "H{i:06},{},{},{},{dpd}",
            if bad { "yes" } else { "no" },
            money(loss),
            money(sales)
        )?;
    }
    snapshot.flush()?;
    baseline.flush()?;
    outcomes.flush()
}
