//! Writes a realistic generated portfolio of N clients as CSV to standard output, for the
//! benchmarks: `cargo run --release --example gen_portfolio -- 1000000 > clients.csv`.
//!
//! Figures are to the cent, and many ratios land exactly on the standard policy's band edges
//! (a debt ratio of 0.40, a current ratio of 1.50, a sell-through of 0.60), where an engine that
//! computes in binary floating point mis-grades. The same N and seed give the same file.

use std::io::{self, BufWriter, Write};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const NAMES: &[&str] = &[
    "华东商贸",
    "星河电器",
    "龙腾建材",
    "金源贸易",
    "鹏程电子",
    "蜀汉商行",
    "西湖日用",
    "珠江家电",
    "Pacific Distribution",
    "Northwind Supply",
    "Acme Trading",
    "Golden Gate Wholesale",
    "Lakeside Dealers",
    "Orion Retail",
    "Summit Hardware",
    "Blue River Foods",
];
const REGIONS: &[&str] = &["east", "north", "south", "west", "central"];

/// Ratios that sit exactly on band edges of the standard policy, mixed with ordinary ones.
const DEBT: &[&str] = &[
    "0.30", "0.40", "0.45", "0.55", "0.62", "0.70", "0.78", "0.85", "0.95",
];
const CURRENT: &[&str] = &[
    "0.80", "1.00", "1.10", "1.20", "1.35", "1.50", "1.75", "2.00", "2.60",
];

fn cents(rng: &mut StdRng, lo: u64, hi: u64) -> u64 {
    rng.random_range(lo..=hi)
}

fn money(c: u64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// `amount * ratio` to the cent, exactly, for a ratio written with two decimals.
fn times(amount: u64, ratio: &str) -> u64 {
    let (i, f) = ratio.split_once('.').unwrap_or((ratio, "0"));
    let hundredths: u64 = i.parse::<u64>().unwrap_or(0) * 100 + f.parse::<u64>().unwrap_or(0);
    amount * hundredths / 100
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(42);
    let mut rng = StdRng::seed_from_u64(seed);
    let out = io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, out.lock());
    writeln!(
        w,
        "id,name,region,key_account,annual_sales,receivable_balance,open_orders,on_time_ratio,max_days_late,broken_promises,years_trading,total_assets,total_liabilities,current_assets,current_liabilities,inventory,intangible_assets,high_risk_share,management_score,sales_growth,collateral_value,sell_in,sell_out,cross_region_sales,last_review,distress_confirmed"
    )?;
    for i in 0..n {
        // Sales from 100,000 to 50,000,000, in whole hundreds so band-edge ratios stay exact.
        let sales = cents(&mut rng, 1_000, 500_000) * 10_000;
        let assets = sales * rng.random_range(1..=4);
        let liabilities = times(assets, DEBT[rng.random_range(0..DEBT.len())]);
        let current_liabilities = times(liabilities, "0.60");
        let current_assets = times(
            current_liabilities,
            CURRENT[rng.random_range(0..CURRENT.len())],
        );
        let inventory = times(
            current_assets,
            ["0.20", "0.35", "0.50"][rng.random_range(0..3)],
        );
        let intangible = times(assets, ["0.00", "0.05", "0.10"][rng.random_range(0..3)]);
        let sell_out = times(
            sales,
            ["0.45", "0.60", "0.75", "0.90", "0.97"][rng.random_range(0..5)],
        );
        let cross = times(
            sell_out,
            ["0.00", "0.02", "0.10", "0.15"][rng.random_range(0..4)],
        );
        let receivable = times(
            sales,
            ["0.02", "0.05", "0.08", "0.12", "0.20"][rng.random_range(0..5)],
        );
        let open_orders = cents(&mut rng, 0, sales / 50);
        let new_client = rng.random_bool(0.04);
        let on_time = if new_client {
            String::new()
        } else {
            format!("0.{:02}", rng.random_range(55..=99))
        };
        let unknown = |rng: &mut StdRng, v: String| {
            if rng.random_bool(0.03) {
                String::new()
            } else {
                v
            }
        };
        let last_review = if rng.random_bool(0.03) {
            String::new()
        } else {
            format!(
                "{}-{:02}-{:02}",
                rng.random_range(2024..=2026),
                rng.random_range(1..=12),
                rng.random_range(1..=28)
            )
        };
        let name = format!("{} {}", NAMES[(i % NAMES.len() as u64) as usize], i);
        let days_late = rng.random_range(0..=120u32).to_string();
        let days_late = unknown(&mut rng, days_late);
        let promises = rng.random_range(0..=5u32).to_string();
        let promises = unknown(&mut rng, promises);
        let assets_text = unknown(&mut rng, money(assets));
        let liabilities_text = unknown(&mut rng, money(liabilities));
        let management = rng.random_range(1..=5u32).to_string();
        let management = unknown(&mut rng, management);
        let cols = [
            format!("C{i:08}"),
            name,
            REGIONS[rng.random_range(0..REGIONS.len())].to_string(),
            if rng.random_bool(0.05) { "yes" } else { "no" }.to_string(),
            money(sales),
            money(receivable),
            money(open_orders),
            on_time,
            days_late,
            promises,
            format!(
                "{}.{}",
                rng.random_range(0..=20u32),
                rng.random_range(0..=9u32)
            ),
            assets_text,
            liabilities_text,
            money(current_assets),
            money(current_liabilities),
            money(inventory),
            money(intangible),
            format!("0.{:02}", rng.random_range(0..=45u32)),
            management,
            format!(
                "{}0.{:02}",
                if rng.random_bool(0.3) { "-" } else { "" },
                rng.random_range(0..=25u32)
            ),
            money(times(
                sales,
                ["0.00", "0.03", "0.08", "0.15"][rng.random_range(0..4)],
            )),
            money(sales),
            money(sell_out),
            money(cross),
            last_review,
            if rng.random_bool(0.005) { "yes" } else { "no" }.to_string(),
        ];
        writeln!(w, "{}", cols.join(","))?;
    }
    w.flush()
}
