//! What the fuzz targets share: a scratch policy folder per process, a few fixed clients that
//! reach different paths of the engine (strong, over the line, wilful non-payment, failing,
//! unknown history, amounts at the edges), and the contexts they are decided under.
//!
//! Everything here is set up once per process and reused for every input, so an input's run
//! costs only what the target itself does (write a file, load, decide).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use credit_policy::client::{Client, ClientReader, Fact, Row, TEXT_COLUMNS};
use credit_policy::context::{Company, Context};
use credit_policy::engine::Evaluator;
use credit_policy::policy::Policy;
use credit_policy::policy::embedded::STANDARD;
use jiff::civil::Date;

/// The as-of date of every context (the bundled example context's).
pub const AS_OF: Date = Date::constant(2026, 11, 30);

/// A folder of this process under the system temp dir, made on first use.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("credit-policy-fuzz")
        .join(format!("{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// A fresh copy of `policies/standard` (without its `tests/`) in a scratch folder named `name`.
/// The fuzz targets overwrite one file of it for each input.
pub fn standard_copy(name: &str) -> PathBuf {
    let dir = scratch(name);
    for (rel, text) in STANDARD.iter().filter(|(r, _)| !r.starts_with("tests/")) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("policy subfolder");
        std::fs::write(&path, text).expect("policy file");
    }
    dir
}

/// The standard policy, loaded once.
pub fn standard() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let dir = standard_copy("standard");
        Policy::load(&dir).unwrap_or_else(|e| panic!("the standard policy loads: {e}"))
    })
}

/// Normal economy; a recession; our own balance sheet weak, in a normal economy and in a
/// recession (both overlays at once).
pub fn contexts() -> [Context; 4] {
    let weak = Company {
        total_assets: 100.into(),
        total_debt: 100.into(),
        cash: 0.into(),
        receivables: 10.into(),
    };
    [
        Context {
            as_of: AS_OF,
            economy: "normal".into(),
            company: None,
        },
        Context {
            as_of: AS_OF,
            economy: "recession".into(),
            company: None,
        },
        Context {
            as_of: AS_OF,
            economy: "normal".into(),
            company: Some(weak.clone()),
        },
        Context {
            as_of: AS_OF,
            economy: "recession".into(),
            company: Some(weak),
        },
    ]
}

/// Five rows of `examples/clients.csv` (AAA, BBB on watch, capped at CCC, never reviewed, failing).
const EXAMPLE_ROWS: &str = "\
id,name,region,key_account,annual_sales,receivable_balance,open_orders,on_time_ratio,max_days_late,broken_promises,years_trading,total_assets,total_liabilities,current_assets,current_liabilities,inventory,intangible_assets,high_risk_share,management_score,sales_growth,collateral_value,sell_in,sell_out,cross_region_sales,last_review,distress_confirmed
D001,华东商贸有限公司,east,no,5000000.00,300000.00,100000.00,0.99,0,0,12,10000000.00,3000000.00,3960000.00,1800000.00,1620000.00,1000000.00,0.02,5,0.12,1000000.00,5000000.00,4750000.00,142500.00,2026-02-27,no
D012,Orion Retail Partners,north,no,1200000.00,108000.00,12000.00,0.93,20,1,5,3600000.00,1800000.00,1728000.00,1080000.00,648000.00,1320000.00,0.1,4,0.04,72000.00,1200000.00,540000.00,28800.00,2026-03-25,no
D016,Blue River Foods,east,yes,18000000.00,540000.00,180000.00,0.92,20,4,5,54000000.00,27000000.00,25920000.00,16200000.00,9720000.00,19800000.00,0.1,4,0.06,1080000.00,18000000.00,14400000.00,432000.00,2026-07-24,no
D027,天津渤海机电,north,no,8000000.00,160000.00,0.00,,,,0.3,12000000.00,7200000.00,5616000.00,4320000.00,1728000.00,2400000.00,0.1,3,0.01,480000.00,8000000.00,5600000.00,168000.00,,no
D048,Sterling Agencies,south,no,1800000.00,0.00,0.00,0.5,120,5,1,5400000.00,5130000.00,2462400.00,3078000.00,1539000.00,450000.00,0.25,2,-0.3,0.00,1800000.00,1098000.00,32940.00,2026-07-28,yes
";

/// Clients at the edges: only an id and sales; amounts of 10^15 with cents and nothing owed;
/// deep negative equity with everything at its worst; every amount at the 10^18 maximum; no sales.
/// Growth stays within what the reader accepts (above -100%, at most the default `[inputs]
/// max_growth` of 300%) and money within the currency's two decimals, or the row is a reject.
const EDGE_ROWS: &str = r#"{"id": "E1", "annual_sales": "1000"}
{"id": "E2", "key_account": true, "last_review": "2026-11-30", "annual_sales": "999999999999999.99", "receivable_balance": "999999999999999.99", "open_orders": "999999999999999.99", "on_time_ratio": 1, "total_assets": "999999999999999.99", "total_liabilities": 0, "current_assets": "999999999999999.99", "current_liabilities": 0, "inventory": 0, "sales_growth": "0.5", "inventory_growth": "3", "receivable_growth": "-0.9999999999999999999999999999", "sell_in": 0, "sell_out": "999999999999999.99", "cross_region_sales": "999999999999999.99", "collateral_value": "999999999999999.99"}
{"id": "E3", "key_account": true, "distress_confirmed": true, "last_review": "1900-01-01", "annual_sales": "0.01", "on_time_ratio": 0, "broken_promises": 1000, "max_days_late": 100000, "total_assets": 100, "total_liabilities": "1000000000000000000", "intangible_assets": "1000000000000000000", "current_assets": 0, "current_liabilities": "1000000000000000000", "management_score": 1, "high_risk_share": 1, "sales_growth": "-0.9999999999999999999999999999", "inventory_growth": "3", "receivable_growth": "3"}
{"id": "E4", "annual_sales": "1000000000000000000", "receivable_balance": "1000000000000000000", "open_orders": "1000000000000000000", "collateral_value": "1000000000000000000", "total_assets": "1000000000000000000", "total_liabilities": "0.01"}
{"id": "E5", "annual_sales": 0, "receivable_balance": "0.01"}
"#;

fn read_clients(path: &Path, text: &str) -> Vec<Client> {
    std::fs::write(path, text).expect("fixed clients file");
    let reader = ClientReader::open(&path.to_string_lossy()).expect("fixed clients open");
    reader
        .map(|row| match row.expect("fixed clients read") {
            Row::Client(c) => *c,
            Row::Reject(r) => panic!("fixed client rejected: {r:?}"),
        })
        .collect()
}

/// The fixed clients every loaded policy decides.
pub fn clients() -> &'static [Client] {
    static CLIENTS: OnceLock<Vec<Client>> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        let dir = scratch("clients");
        let mut all = read_clients(&dir.join("examples.csv"), EXAMPLE_ROWS);
        all.extend(read_clients(&dir.join("edges.jsonl"), EDGE_ROWS));
        all
    })
}

/// Decides every fixed client under every context the policy knows. Script errors are fine
/// (an error for that client); a panic is what the fuzzer looks for.
pub fn decide_fixed(policy: &Policy) {
    for ctx in contexts() {
        // A fuzzed policy may have no `recession` overlay: that is an error, not a panic.
        let Ok(mut ev) = Evaluator::new(policy, &ctx) else {
            continue;
        };
        for c in clients() {
            let _ = ev.decide(c);
        }
    }
}

/// A header naming every column the engine reads: the text columns, then every input fact.
pub fn full_header() -> String {
    TEXT_COLUMNS
        .iter()
        .copied()
        .chain(Fact::ALL.iter().filter(|f| f.is_input()).map(|f| f.name()))
        .collect::<Vec<_>>()
        .join(",")
}
