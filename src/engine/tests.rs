//! The engine on the standard policy, with every expected number worked out by hand from the
//! band tables, weights, grade thresholds and line percentages of `policies/standard`. A change
//! to those numbers should fail here, so that it is made on purpose.

use std::path::Path;
use std::str::FromStr;
use std::sync::OnceLock;

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::*;
use crate::client::facts::UNBOUNDED;
use crate::client::{Client, Fact};
use crate::context::{Company, Context};
use crate::grade::Grade;
use crate::policy::Policy;

const AS_OF: Date = Date::constant(2026, 6, 30);
/// The annual sales of most clients here: chosen so that every line has cents to round away.
const SALES: &str = "1234567.89";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn standard() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        Policy::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/policies/standard"
        )))
        .unwrap()
    })
}

/// A copy of the standard policy with `extra` appended to its `policy.toml`.
fn standard_with(extra: &str) -> (tempfile::TempDir, Policy) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("standard");
    copy(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/standard")),
        &root,
    );
    let toml = root.join("policy.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}\n{extra}\n")).unwrap();
    let policy = Policy::load(&root).unwrap();
    (dir, policy)
}

/// A copy of the standard policy with `extra` appended to its `policy.toml` and `rule` to its
/// `rules/channel.rhai`, loaded again.
fn standard_with_rule(extra: &str, rule: &str) -> (tempfile::TempDir, Policy) {
    let (dir, policy) = standard_with(extra);
    let rules = policy.dir.join("rules/channel.rhai");
    let text = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(&rules, format!("{text}\n{rule}\n")).unwrap();
    let policy = Policy::load(&policy.dir).unwrap();
    (dir, policy)
}

fn context(economy: &str) -> Context {
    Context {
        as_of: AS_OF,
        economy: economy.into(),
        company: None,
    }
}

fn with_company(total_assets: &str, total_debt: &str, cash: &str, receivables: &str) -> Context {
    Context {
        company: Some(Company {
            total_assets: d(total_assets),
            total_debt: d(total_debt),
            cash: d(cash),
            receivables: d(receivables),
        }),
        ..context("normal")
    }
}

fn decide_in(policy: &Policy, ctx: &Context, client: &Client) -> Decision {
    Evaluator::new(policy, ctx).unwrap().decide(client).unwrap()
}

fn decide(client: &Client) -> Decision {
    decide_in(standard(), &context("normal"), client)
}

fn set(c: &mut Client, fact: Fact, v: &str) {
    c.facts.set(fact, Some(d(v)));
}

fn codes(decision: &Decision) -> Vec<&str> {
    decision.reasons.iter().map(|r| r.code.as_str()).collect()
}

fn reason<'a>(decision: &'a Decision, code: &str) -> &'a Reason {
    decision
        .reasons
        .iter()
        .find(|r| r.code == code)
        .unwrap_or_else(|| panic!("no reason `{code}` in {:?}", codes(decision)))
}

/// Every measure in its top band: score 100, AAA, reviewed this year, no warning signs.
fn strong() -> Client {
    let mut c = Client::new("K1", d(SALES));
    for (f, v) in [
        (Fact::ReceivableBalance, "0"),
        (Fact::OpenOrders, "0"),
        (Fact::OnTimeRatio, "0.99"),
        (Fact::BrokenPromises, "0"),
        (Fact::YearsTrading, "12"),
        (Fact::MaxDaysLate, "0"),
        (Fact::ManagementScore, "5"),
        (Fact::SellIn, "1000000.00"),
        (Fact::SellOut, "950000.00"),         // sell-through 0.95
        (Fact::CrossRegionSales, "10000.00"), // 1.05% of sell-out
        (Fact::HighRiskShare, "0.02"),
        (Fact::TotalAssets, "5000000.00"),
        (Fact::TotalLiabilities, "1500000.00"), // debt ratio 0.3
        (Fact::CurrentAssets, "2000000.00"),
        (Fact::CurrentLiabilities, "800000.00"), // current 2.5
        (Fact::Inventory, "500000.00"),          // quick 1.875
        (Fact::IntangibleAssets, "100000.00"),   // tnw 3.4m, 2.75x sales
        (Fact::CollateralValue, "200000.00"),    // 0.162x sales
        (Fact::SalesGrowth, "0.12"),
    ] {
        set(&mut c, f, v);
    }
    c.last_review = Some(Date::constant(2026, 1, 15));
    c
}

/// `strong` without collateral: no secured cover, so the line is the grade's share alone.
/// Collateral unknown scores its `missing` 20 points: 92, still AAA.
fn uncovered() -> Client {
    let mut c = strong();
    c.facts.set(Fact::CollateralValue, None);
    c
}

/// The worst band (or close to it) almost everywhere, without tripping a knock-out rule.
fn weakest() -> Client {
    let mut c = Client::new("W1", d(SALES));
    for (f, v) in [
        (Fact::ReceivableBalance, "0"),
        (Fact::OpenOrders, "0"),
        (Fact::OnTimeRatio, "0.50"),  // 0
        (Fact::BrokenPromises, "2"),  // 30: below the wilful cap of 3
        (Fact::YearsTrading, "0.5"),  // 20
        (Fact::MaxDaysLate, "100"),   // 0
        (Fact::ManagementScore, "1"), // 10
        (Fact::SellIn, "1000000.00"),
        (Fact::SellOut, "100000.00"),  // sell-through 0.1: 0
        (Fact::HighRiskShare, "0.50"), // 10
        (Fact::TotalAssets, "1000000.00"),
        (Fact::TotalLiabilities, "2000000.00"), // debt ratio 2: 0; negative equity
        (Fact::CurrentAssets, "100000.00"),
        (Fact::CurrentLiabilities, "400000.00"), // current 0.25: 10
        (Fact::Inventory, "50000.00"),           // quick 0.125: 10
        (Fact::IntangibleAssets, "0"),           // tnw -1m: 0
        (Fact::CollateralValue, "0"),            // 20
        (Fact::SalesGrowth, "-0.5"),             // 10
    ] {
        set(&mut c, f, v);
    }
    c.last_review = Some(Date::constant(2026, 1, 15));
    c
}

/// One client per grade, best first, with its exact total score. Each rung keeps to the
/// standard policy's rules (paying on time, positive net worth, at most one channel sign), so
/// only the score moves the grade.
///
/// From `strong` (100): growth -0.20 costs 9 (10 points, conditions 10%) and management 1 costs
/// 6.75 (capacity: 30% x 90, capacity 25%); no collateral costs 8 (20 points, collateral 10%);
/// liabilities of 4.5m cost 11.5 (debt ratio 0.91: 40% x 100; tnw 0.32x sales: 15% x 40;
/// capital 25%); half a year of trading costs 4.8 (20% x 80 of character) and 60 days late
/// 6.375 (30% x 85 of capacity); half its assets in new ventures costs 4.5 (20% x 90 of
/// capacity).
fn ladder() -> Vec<(Client, Decimal, Grade)> {
    let mut out = vec![(strong(), d("100"), Grade::AAA)];
    let mut c = strong();
    set(&mut c, Fact::SalesGrowth, "-0.20");
    set(&mut c, Fact::ManagementScore, "1");
    out.push((c.clone(), d("84.25"), Grade::AA));
    set(&mut c, Fact::CollateralValue, "0");
    out.push((c.clone(), d("76.25"), Grade::A));
    set(&mut c, Fact::TotalLiabilities, "4500000.00");
    out.push((c.clone(), d("64.75"), Grade::BBB));
    set(&mut c, Fact::YearsTrading, "0.5");
    set(&mut c, Fact::MaxDaysLate, "60");
    out.push((c.clone(), d("53.575"), Grade::BB));
    set(&mut c, Fact::HighRiskShare, "0.50");
    out.push((c, d("49.075"), Grade::B));
    // Nothing known but sales: every measure scores its `missing` points.
    // 0.3 x 41 + 0.25 x 52 + 0.25 x 30 + 0.1 x 20 + 0.1 x 50 = 39.8
    let mut m0 = Client::new("M0", d(SALES));
    set(&mut m0, Fact::ReceivableBalance, "0");
    set(&mut m0, Fact::OpenOrders, "0");
    out.push((m0, d("39.8"), Grade::CCC));
    // weakest: character 13, capacity 5, capital 4.5, collateral 20, conditions 10 = 9.275;
    // full collateral (+8) and growth 0.12 (+9) lift it to 26.275.
    let mut c = weakest();
    set(&mut c, Fact::CollateralValue, "200000.00");
    set(&mut c, Fact::SalesGrowth, "0.12");
    out.push((c, d("26.275"), Grade::CC));
    out.push((weakest(), d("9.275"), Grade::C));
    out
}

/// The line for each grade at annual sales of 1,234,567.89, rounded down to 1000.
fn line_for(grade: Grade) -> Decimal {
    match grade {
        Grade::AAA => d("246000"), // 20%: 246,913.578
        Grade::AA => d("185000"),  // 15%: 185,185.1835
        Grade::A => d("123000"),   // 10%: 123,456.789
        Grade::BBB => d("61000"),  // 5%: 61,728.3945
        _ => Decimal::ZERO,
    }
}

#[test]
fn each_grade_gets_its_share_of_annual_sales_rounded_down() {
    for (mut client, score, grade) in ladder() {
        // Reviewed this month, so no weak grade's short review cycle is overdue.
        client.last_review = Some(Date::constant(2026, 6, 15));
        let dec = decide(&client);
        assert_eq!(dec.score, score, "{grade}");
        assert_eq!(dec.base_grade, grade, "score {score}");
        assert_eq!(dec.grade, grade, "score {score}");
        assert_eq!(dec.unsecured_line, line_for(grade), "{grade}");
        let days = if dec.limit.is_zero() { 0 } else { 60 };
        assert_eq!(dec.payment_days, days, "{grade}");
        if grade <= Grade::B {
            assert_eq!(dec.trace.factor, Decimal::ONE);
        }
        assert_eq!(
            dec.reasons.iter().any(|r| r.code == "no_credit"),
            grade >= Grade::BB,
            "{grade}: {:?}",
            codes(&dec)
        );
        assert!(!dec.has(Action::Hold), "{grade}: no exposure, no hold");
    }
}

#[test]
fn grade_thresholds_are_inclusive() {
    let thresholds = ["90", "80", "70", "60", "50", "40", "30", "20", "0"];
    for (i, t) in thresholds.into_iter().enumerate() {
        assert_eq!(standard().grade_for(d(t)), Grade::ALL[i], "{t}");
        if i < 8 {
            let below = d(t) - d("0.0000000001");
            assert_eq!(standard().grade_for(below), Grade::ALL[i + 1], "{below}");
        }
    }
    // Through the engine: 100 - 4.5 (on-time 0.90: 70 points) - 2 (growth 0.05: 80) - 2
    // (collateral exactly 0.10 of sales: 80) - 1.5 (14 days late: 80) = 90 exactly.
    let mut c = strong();
    set(&mut c, Fact::OnTimeRatio, "0.90");
    set(&mut c, Fact::SalesGrowth, "0.05");
    set(&mut c, Fact::CollateralValue, "123456.789");
    set(&mut c, Fact::MaxDaysLate, "14");
    let dec = decide(&c);
    assert_eq!(dec.score, d("90"));
    assert_eq!(dec.grade, Grade::AAA);
    assert_eq!(dec.unsecured_line, d("246000"));
    // 15 days late is the next band (60 points): 1.5 more off, 88.5, AA.
    set(&mut c, Fact::MaxDaysLate, "15");
    let dec = decide(&c);
    assert_eq!(dec.score, d("88.5"));
    assert_eq!(dec.grade, Grade::AA);
    assert_eq!(dec.unsecured_line, d("185000"));
}

#[test]
fn one_client_scored_measure_by_measure() {
    let mut c = Client::new("S1", d("1999999.99"));
    for (f, v) in [
        (Fact::OnTimeRatio, "0.95"),      // [0.95, 0.98): 85
        (Fact::BrokenPromises, "1"),      // [1, 2): 60
        (Fact::YearsTrading, "4"),        // [3, 5): 60
        (Fact::MaxDaysLate, "15"),        // [15, 30): 60
        (Fact::ManagementScore, "4"),     // [4, 5): 80
        (Fact::SellIn, "1000000.00"),     //
        (Fact::SellOut, "800000.00"),     // sell-through 0.8, [0.75, 0.90): 80
        (Fact::CrossRegionSales, "8000"), // 1% of sell-out: no watch
        (Fact::HighRiskShare, "0.10"),    // [0.05, 0.15): 75
        (Fact::TotalAssets, "3000000.00"),
        (Fact::TotalLiabilities, "1500000.00"), // debt ratio 0.5, [0.40, 0.55): 80
        (Fact::CurrentAssets, "1200000.00"),
        (Fact::CurrentLiabilities, "1000000.00"), // current 1.2, [1.2, 1.5): 60
        (Fact::Inventory, "300000.00"),           // quick 0.9, [0.8, 1.0): 60
        (Fact::IntangibleAssets, "500000.00"),    // tnw 1m, 0.5000000025x sales: 80
        (Fact::CollateralValue, "200000.00"),     // 0.1000000005x sales, [0.10, 0.15): 80
        (Fact::SalesGrowth, "0.05"),              // [0.03, 0.10): 80
        (Fact::ReceivableBalance, "150000.00"),
        (Fact::OpenOrders, "48999.99"),
    ] {
        set(&mut c, f, v);
    }
    c.last_review = Some(Date::constant(2026, 1, 15));
    let dec = decide(&c);

    let expected: [(&str, &str, Option<usize>, &str, &str); 13] = [
        ("character", "on_time_ratio", Some(1), "85", "50"),
        ("character", "broken_promises", Some(1), "60", "30"),
        ("character", "years_trading", Some(2), "60", "20"),
        ("capacity", "max_days_late", Some(2), "60", "30"),
        ("capacity", "management_score", Some(1), "80", "30"),
        ("capacity", "sell_through", Some(1), "80", "20"),
        ("capacity", "high_risk_share", Some(1), "75", "20"),
        ("capital", "debt_ratio", Some(1), "80", "40"),
        ("capital", "current_ratio", Some(2), "60", "25"),
        ("capital", "quick_ratio", Some(2), "60", "20"),
        ("capital", "tnw_to_sales", Some(1), "80", "15"),
        ("collateral", "collateral_to_sales", Some(1), "80", "100"),
        ("conditions", "sales_growth", Some(1), "80", "100"),
    ];
    assert_eq!(dec.trace.measures.len(), expected.len());
    for (m, (crit, name, band, points, weight)) in dec.trace.measures.iter().zip(expected) {
        assert_eq!(
            (m.criterion, m.measure.as_ref(), m.band, m.points, m.weight),
            (crit, name, band, d(points), d(weight))
        );
    }
    let values: Vec<Option<Decimal>> = dec.trace.measures.iter().map(|m| m.value).collect();
    assert_eq!(values[5], Some(d("0.8")));
    assert_eq!(values[7], Some(d("0.5")));
    assert_eq!(values[8], Some(d("1.2")));
    assert_eq!(values[9], Some(d("0.9")));

    // character 0.5 x 85 + 0.3 x 60 + 0.2 x 60 = 72.5
    // capacity 0.3 x 60 + 0.3 x 80 + 0.2 x 80 + 0.2 x 75 = 73
    // capital 0.4 x 80 + 0.25 x 60 + 0.2 x 60 + 0.15 x 80 = 71
    assert_eq!(dec.scores, [d("72.5"), d("73"), d("71"), d("80"), d("80")]);
    // 0.3 x 72.5 + 0.25 x 73 + 0.25 x 71 + 0.1 x 80 + 0.1 x 80 = 73.75
    assert_eq!(dec.score, d("73.75"));
    assert_eq!(dec.base_grade, Grade::A);
    assert_eq!(dec.grade, Grade::A);

    // 10% of 1,999,999.99 is 199,999.999: rounded down, not to the nearest thousand.
    let steps: Vec<Decimal> = dec.trace.line_steps.iter().map(|s| s.amount).collect();
    assert_eq!(
        steps,
        [
            d("1999999.99"),
            d("199999.999"),
            d("199999.999"),
            d("299999.9985"),
            d("199000"),
            // Plus the secured cover: collateral 200,000.00 at 50%.
            d("299000"),
        ]
    );
    assert_eq!(dec.unsecured_line, d("199000"));
    assert_eq!(dec.payment_days, 60);
    assert_eq!(dec.exposure, d("198999.99"));
    assert_eq!(dec.limit, d("299000"));
    assert_eq!(dec.available, d("100000.01"));
    assert!(dec.actions.is_empty(), "{:?}", dec.actions);
    assert_eq!(codes(&dec), ["secured_cover", "score"]);
    assert_eq!(
        dec.reasons[0].text,
        "secured cover 100000.00: collateral_value 200000.00 at 50%"
    );
    assert_eq!(dec.reasons[1].text, "score 73.75 gives base grade A");
    assert_eq!(dec.next_review, Date::constant(2027, 1, 15));
}

#[test]
fn a_line_factor_never_lifts_a_line_past_its_ceiling() {
    let (_dir, policy) = standard_with("[overlays.boom]\nlimit_factor = 2");
    let ctx = context("boom");
    let rungs = ladder();
    let cases = [
        // AAA: 40% asked, held to the 20% top-grade ceiling.
        (Grade::AAA, d("246000"), true),
        // AA: 30% asked, held to 15%.
        (Grade::AA, d("185000"), true),
        // A: 20% asked, held to 15%, not to the AAA 20%.
        (Grade::A, d("185000"), true),
        // BBB: 10% asked, under the ceiling: 123,456.789.
        (Grade::BBB, d("123000"), false),
        (Grade::BB, d("0"), false),
    ];
    for (grade, limit, held) in cases {
        let (client, _, g) = rungs.iter().find(|(_, _, g)| *g == grade).unwrap();
        let dec = decide_in(&policy, &ctx, client);
        assert_eq!(dec.grade, *g);
        assert_eq!(dec.trace.factor, d("2"));
        assert_eq!(dec.unsecured_line, limit, "{grade}");
        assert_eq!(
            dec.reasons.iter().any(|r| r.code == "ceiling"),
            held,
            "{grade}: {:?}",
            codes(&dec)
        );
    }
    // The ceiling is what binds, not the doubling: at 1.2 an A gets 12%, 148,148.1468.
    let (_dir, policy) = standard_with("[overlays.mild]\nlimit_factor = 1.2");
    let a = &rungs[2];
    assert_eq!(a.2, Grade::A);
    assert_eq!(
        decide_in(&policy, &context("mild"), &a.0).unsecured_line,
        d("148000")
    );
}

#[test]
fn a_scale_line_rule_is_held_to_the_ceiling_too() {
    let (_dir, policy) = standard_with_rule("", "scale_line(2, \"double\", \"twice the line\");");
    let rungs = ladder();
    let aaa = decide_in(&policy, &context("normal"), &rungs[0].0);
    assert_eq!(aaa.unsecured_line, d("246000"));
    let a = decide_in(&policy, &context("normal"), &rungs[2].0);
    assert_eq!(a.grade, Grade::A);
    assert_eq!(a.unsecured_line, d("185000"));
    assert!(codes(&a).contains(&"ceiling"));
}

#[test]
fn a_recession_lowers_every_grade_one_notch() {
    let recession = context("recession");
    for (client, score, grade) in ladder() {
        let dec = decide_in(standard(), &recession, &client);
        let lowered = Grade::from_rank(grade.rank() as i64 + 1);
        assert_eq!(dec.score, score, "the score does not move");
        assert_eq!(dec.base_grade, grade);
        assert_eq!(dec.grade, lowered, "{grade}");
        assert_eq!(dec.unsecured_line, line_for(lowered), "{grade}");
        let r = reason(&dec, "economy_recession");
        assert!(
            r.text.contains(&format!("({grade} -> {lowered})")),
            "{}",
            r.text
        );
    }
    assert_eq!(Grade::from_rank(9), Grade::C, "C stays C");
}

#[test]
fn a_company_at_both_floors_is_healthy() {
    // 1750 / 1000 = 1.75 and (600 + 400) / 1000 = 1.0 exactly.
    let ctx = with_company("1750", "1000", "600", "400");
    let ev = Evaluator::new(standard(), &ctx).unwrap();
    assert_eq!(ev.health().healthy, Some(true));
    assert_eq!(ev.health().assets_to_debt, Some(d("1.75")));
    assert_eq!(ev.health().liquid_to_debt, Some(d("1")));
    for (client, _, grade) in ladder() {
        let dec = decide_in(standard(), &ctx, &client);
        assert_eq!(dec.grade, grade);
        assert_eq!(dec.unsecured_line, line_for(grade));
        assert!(!codes(&dec).contains(&"company_weak"));
    }
}

#[test]
fn a_company_below_either_floor_cuts_every_line_to_80_percent_before_rounding() {
    let weak = [
        with_company("1749.99", "1000", "600", "400"), // assets / debt 1.74999
        with_company("1750", "1000", "599.99", "400"), // liquid / debt 0.99999
        with_company("1000", "1000", "0", "0"),        // both
    ];
    // x 0.8 on the exact line, then rounded down. Rounding first would give 196,000 for AAA
    // (246,000 x 0.8 = 196,800) and 48,000 for BBB (61,000 x 0.8 = 48,800).
    let expected = [
        (Grade::AAA, d("197000")), // 197,530.8624
        (Grade::AA, d("148000")),  // 148,148.1468
        (Grade::A, d("98000")),    // 98,765.4312
        (Grade::BBB, d("49000")),  // 49,382.7156
        (Grade::BB, d("0")),
    ];
    let rungs = ladder();
    for ctx in &weak {
        assert_eq!(
            Evaluator::new(standard(), ctx).unwrap().health().healthy,
            Some(false),
            "{ctx:?}"
        );
        for ((client, _, grade), (g, limit)) in rungs.iter().zip(expected) {
            assert_eq!(*grade, g);
            let dec = decide_in(standard(), ctx, client);
            assert_eq!(dec.grade, g, "the weak overlay moves no notches");
            assert_eq!(dec.trace.factor, d("0.8"));
            assert_eq!(dec.unsecured_line, limit, "{g} {ctx:?}");
            assert!(codes(&dec).contains(&"company_weak"), "{:?}", codes(&dec));
        }
    }
    // The reason gives both ratios, two decimals cut, against their floors: 1.74999 is 1.74.
    let dec = decide_in(standard(), &weak[0], &rungs[0].0);
    assert_eq!(
        reason(&dec, "company_weak").text,
        "our own balance sheet is weak (assets/debt 1.74, floor 1.75; cash+receivables/debt 1, floor 1): lines x0.8"
    );
}

#[test]
fn no_company_figures_or_no_company_debt_changes_nothing() {
    let zero_debt = with_company("5000", "0", "0", "0");
    let ev = Evaluator::new(standard(), &zero_debt).unwrap();
    assert_eq!(ev.health().healthy, Some(true));
    assert_eq!(ev.health().assets_to_debt, None);
    let none = context("normal");
    assert_eq!(
        Evaluator::new(standard(), &none).unwrap().health().healthy,
        None
    );
    for ctx in [none, zero_debt] {
        for (client, _, grade) in ladder() {
            let dec = decide_in(standard(), &ctx, &client);
            assert_eq!(dec.grade, grade);
            assert_eq!(dec.unsecured_line, line_for(grade));
            // Only the rules' own factors (a line on sell-out), never our health's.
            assert_eq!(dec.trace.factor, decide(&client).trace.factor);
        }
    }
}

#[test]
fn a_recession_and_a_weak_company_add_up() {
    let ctx = Context {
        economy: "recession".into(),
        ..with_company("1000", "1000", "0", "0")
    };
    // AAA -> AA, then 15% x 0.8 of 1,234,567.89 = 148,148.1468.
    let dec = decide_in(standard(), &ctx, &strong());
    assert_eq!(dec.grade, Grade::AA);
    assert_eq!(dec.unsecured_line, d("148000"));
    let c = codes(&dec);
    let pos = |code| c.iter().position(|x| *x == code).unwrap();
    assert!(pos("company_weak") < pos("economy_recession"), "{c:?}");
}

fn reviewed(last: Date, key: Option<bool>) -> Decision {
    let mut c = strong();
    c.last_review = Some(last);
    c.key_account = key;
    decide(&c)
}

#[test]
fn reviews_fall_due_twelve_months_after_the_last_one() {
    for key in [None, Some(false)] {
        let due = reviewed(Date::constant(2025, 6, 30), key);
        assert_eq!(due.next_review, Date::constant(2026, 6, 30));
        assert!(due.has(Action::ReviewDue), "due on the day");
        let r = reason(&due, "review_due");
        assert!(r.text.contains("last review 2025-06-30"), "{}", r.text);
        assert!(r.text.contains("every 12 months"), "{}", r.text);

        let not_yet = reviewed(Date::constant(2025, 7, 1), key);
        assert_eq!(not_yet.next_review, Date::constant(2026, 7, 1));
        assert!(!not_yet.has(Action::ReviewDue));
        assert!(!codes(&not_yet).contains(&"review_due"));

        let long_ago = reviewed(Date::constant(2020, 1, 1), key);
        assert_eq!(long_ago.next_review, Date::constant(2021, 1, 1));
        assert!(long_ago.has(Action::ReviewDue));
    }
}

#[test]
fn key_accounts_are_reviewed_every_six_months() {
    let due = reviewed(Date::constant(2025, 12, 30), Some(true));
    assert!(due.key_account);
    assert_eq!(due.next_review, Date::constant(2026, 6, 30));
    assert!(due.has(Action::ReviewDue));
    assert!(
        reason(&due, "review_due")
            .text
            .contains("key accounts are reviewed every 6 months")
    );
    let not_yet = reviewed(Date::constant(2026, 1, 1), Some(true));
    assert_eq!(not_yet.next_review, Date::constant(2026, 7, 1));
    assert!(!not_yet.has(Action::ReviewDue));
    // The same review date is not due for a client that is not a key account.
    let plain = reviewed(Date::constant(2025, 12, 30), Some(false));
    assert_eq!(plain.next_review, Date::constant(2026, 12, 30));
    assert!(!plain.has(Action::ReviewDue));
}

#[test]
fn a_client_never_reviewed_is_due_now_and_must_give_collateral() {
    let mut c = strong();
    c.last_review = None;
    let dec = decide(&c);
    assert_eq!(dec.next_review, AS_OF);
    assert!(dec.has(Action::ReviewDue));
    assert!(dec.has(Action::RequireCollateral));
    assert_eq!(
        reason(&dec, "review_due").text,
        "no credit review on record: review now"
    );
    reason(&dec, "never_reviewed");
    assert_eq!(
        dec.grade,
        Grade::AAA,
        "collateral is asked, the grade stays"
    );
    // The unsecured line waits for the review; the client buys against its cover.
    assert_eq!(dec.unsecured_line, Decimal::ZERO);
    assert!(
        dec.trace
            .line_steps
            .iter()
            .any(|s| matches!(&s.kind, StepKind::Withheld { code } if code == "never_reviewed"))
    );
    assert_eq!(dec.limit, dec.secured_cover);
}

#[test]
fn no_payment_history_requires_collateral() {
    let mut c = strong();
    c.facts.set(Fact::OnTimeRatio, None);
    let dec = decide(&c);
    assert!(dec.has(Action::RequireCollateral));
    reason(&dec, "no_payment_history");
    // 40 missing points instead of 100: -0.5 x 60 x 0.3 = -9.
    assert_eq!(dec.score, d("91"));
    // Only one collateral reason, even when also never reviewed.
    c.last_review = None;
    let dec = decide(&c);
    let collateral: Vec<&str> = codes(&dec)
        .into_iter()
        .filter(|c| *c == "no_payment_history" || *c == "never_reviewed")
        .collect();
    assert_eq!(collateral, ["no_payment_history"]);
    // A known on-time ratio of zero is a history, not a lack of one.
    let mut c = strong();
    set(&mut c, Fact::OnTimeRatio, "0");
    assert!(!decide(&c).has(Action::RequireCollateral));
}

fn with_exposure(mut c: Client, receivable: Option<&str>, open: Option<&str>) -> Client {
    c.facts.set(Fact::ReceivableBalance, receivable.map(d));
    c.facts.set(Fact::OpenOrders, open.map(d));
    c
}

#[test]
fn exposure_above_the_line_holds_exposure_at_the_line_does_not() {
    // AAA, line 246,000.
    let at = decide(&with_exposure(
        uncovered(),
        Some("200000.00"),
        Some("46000.00"),
    ));
    assert_eq!(at.exposure, d("246000"));
    assert_eq!(at.available, Decimal::ZERO);
    assert!(!at.has(Action::Hold));
    assert!(!codes(&at).contains(&"over_limit"));

    let over = decide(&with_exposure(
        uncovered(),
        Some("200000.00"),
        Some("46000.01"),
    ));
    assert_eq!(over.exposure, d("246000.01"));
    assert_eq!(over.available, d("-0.01"));
    assert_eq!(over.actions, [Action::Hold]);
    assert_eq!(
        reason(&over, "over_limit").text,
        "exposure 246000.01 exceeds the line 246000.00 by 0.01: stop shipping until it is paid down"
    );

    // An empty cell is not zero: the exposure is unknown and the client is held, saying why.
    for (r, o, empty) in [
        (None, Some("0"), "receivable_balance"),
        (Some("0"), None, "open_orders"),
    ] {
        let unknown = decide(&with_exposure(uncovered(), r, o));
        assert!(!unknown.exposure_known);
        assert_eq!(unknown.actions, [Action::Hold]);
        let why = reason(&unknown, "exposure_unknown");
        assert_eq!(why.action, Some(Action::Hold));
        assert!(why.text.contains(empty), "{}", why.text);
    }

    // No line: any exposure at all is a hold, none is not.
    let mut bb = ladder().swap_remove(4);
    // Reviewed this month: BB's three-month review cycle is not overdue.
    bb.0.last_review = Some(Date::constant(2026, 6, 15));
    assert_eq!(bb.2, Grade::BB);
    assert!(!decide(&with_exposure(bb.0.clone(), Some("0"), Some("0"))).has(Action::Hold));
    let owes = decide(&with_exposure(bb.0, Some("0.01"), Some("0")));
    assert!(owes.has(Action::Hold));
    assert_eq!(owes.available, d("-0.01"));
}

#[test]
fn a_confirmed_failing_business_is_terminated_held_and_graded_c() {
    let mut c = with_exposure(strong(), Some("123456.78"), Some("1000"));
    set(&mut c, Fact::Inventory, "500000.00");
    c.distress_confirmed = Some(true);
    let dec = decide(&c);
    assert_eq!(dec.base_grade, Grade::AAA, "the score is still AAA");
    assert_eq!(dec.grade, Grade::C);
    assert_eq!(dec.unsecured_line, Decimal::ZERO);
    assert_eq!(dec.payment_days, 0);
    // Grade C is reviewed monthly, and its last review was in January.
    assert_eq!(
        dec.actions,
        [Action::Terminate, Action::Hold, Action::ReviewDue]
    );
    assert_eq!(
        dec.limit,
        Decimal::ZERO,
        "terminate blocks the secured line too"
    );
    // Terminated with nothing owed and nothing on order: held all the same.
    let mut clean = with_exposure(strong(), Some("0"), Some("0"));
    clean.distress_confirmed = Some(true);
    clean.last_review = Some(Date::constant(2026, 6, 15));
    let nothing_owed = decide(&clean);
    assert_eq!(
        (nothing_owed.exposure, nothing_owed.limit),
        (Decimal::ZERO, Decimal::ZERO)
    );
    assert!(nothing_owed.exposure_known);
    assert_eq!(nothing_owed.actions, [Action::Terminate, Action::Hold]);
    let r = reason(&dec, "distress_confirmed");
    assert!(
        r.text
            .contains("recover the receivable balance of 123456.78"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("its whole inventory: 500000.00"),
        "{}",
        r.text
    );
    assert!(
        r.at.as_deref()
            .is_some_and(|a| a.contains("knockout.rhai:")),
        "{:?}",
        r.at
    );
    reason(&dec, "terminating");
    assert!(!codes(&dec).contains(&"over_limit"), "one hold reason");

    // Held even with nothing owed; the text says the balance is unknown when it is.
    let mut c = with_exposure(strong(), None, None);
    c.distress_confirmed = Some(true);
    let dec = decide(&c);
    assert_eq!(dec.exposure, Decimal::ZERO);
    assert_eq!(
        dec.actions,
        [Action::Terminate, Action::Hold, Action::ReviewDue]
    );
    assert!(
        reason(&dec, "distress_confirmed")
            .text
            .contains("receivable balance (unknown here")
    );

    for flag in [None, Some(false)] {
        let mut c = strong();
        c.distress_confirmed = flag;
        let dec = decide(&c);
        assert!(dec.actions.is_empty(), "{flag:?}: {:?}", dec.actions);
        assert_eq!(dec.grade, Grade::AAA);
    }
}

#[test]
fn channel_warning_signs_put_the_client_on_watch() {
    let watched = |edit: &dyn Fn(&mut Client)| {
        let mut c = strong();
        edit(&mut c);
        let dec = decide(&c);
        (
            dec.has(Action::Watch),
            codes(&dec)
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>(),
        )
    };
    // Sell-through below 0.60 (590k of 1m), not at it.
    let (w, c) = watched(&|c| set(c, Fact::SellOut, "599999.99"));
    assert!(w && c.contains(&"low_sell_through".to_string()), "{c:?}");
    let (w, _) = watched(&|c| {
        set(c, Fact::SellOut, "600000.00");
        set(c, Fact::CrossRegionSales, "0");
    });
    assert!(!w);
    // Cross-region share above 0.10 of sell-out (950k), not at it.
    let (w, c) = watched(&|c| set(c, Fact::CrossRegionSales, "95000.01"));
    assert!(w && c.contains(&"cross_region".to_string()), "{c:?}");
    let (w, _) = watched(&|c| set(c, Fact::CrossRegionSales, "95000.00"));
    assert!(!w);
    // High-risk share from 0.30.
    let (w, c) = watched(&|c| set(c, Fact::HighRiskShare, "0.30"));
    assert!(
        w && c.contains(&"high_risk_investment".to_string()),
        "{c:?}"
    );
    let (w, _) = watched(&|c| set(c, Fact::HighRiskShare, "0.299"));
    assert!(!w);
    // Unknown figures are no sign at all.
    let (w, _) = watched(&|c| {
        for f in [
            Fact::SellIn,
            Fact::SellOut,
            Fact::CrossRegionSales,
            Fact::HighRiskShare,
        ] {
            c.facts.set(f, None);
        }
    });
    assert!(!w);
    // Watching changes neither grade nor line.
    let mut c = strong();
    set(&mut c, Fact::HighRiskShare, "0.30"); // 10 points: -0.2 x 90 x 0.25 = -4.5
    let dec = decide(&c);
    assert_eq!(
        (dec.score, dec.grade, dec.unsecured_line),
        (d("95.5"), Grade::AAA, d("246000"))
    );
}

#[test]
fn three_broken_promises_cap_the_grade_at_ccc() {
    let mut c = strong();
    set(&mut c, Fact::BrokenPromises, "2"); // 30 points: -0.3 x 70 x 0.3 = -6.3
    let two = decide(&c);
    assert_eq!(two.score, d("93.7"));
    assert_eq!(two.grade, Grade::AAA);
    set(&mut c, Fact::BrokenPromises, "3"); // same band, same score
    let three = decide(&c);
    assert_eq!(three.score, d("93.7"));
    assert_eq!(three.base_grade, Grade::AAA);
    assert_eq!(three.grade, Grade::CCC);
    assert_eq!(three.unsecured_line, Decimal::ZERO);
    // What is left is the secured cover, on the usual terms.
    assert_eq!(three.limit, three.secured_cover);
    let r = reason(&three, "wilful_non_payment");
    assert!(r.text.contains("broke 3 payment promises"), "{}", r.text);
    assert!(
        r.text.contains("it can pay but will not"),
        "current ratio 2.5: {}",
        r.text
    );
    // A cap, not a downgrade: a client already below CCC stays where it is.
    let mut w = weakest();
    set(&mut w, Fact::BrokenPromises, "7");
    assert_eq!(decide(&w).grade, Grade::C);
}

fn assert_sane(dec: &Decision) {
    assert!(dec.unsecured_line >= Decimal::ZERO);
    assert!(
        (dec.unsecured_line % d("1000")).is_zero(),
        "{}",
        dec.unsecured_line
    );
    assert_eq!(dec.available, dec.limit - dec.exposure);
    assert_eq!(dec.reasons.last().map(|r| r.code.as_str()), Some("score"));
}

#[test]
fn amounts_of_a_thousand_trillion_with_cents_are_exact() {
    let mut c = Client::new("BIG", d("1000000000000000.99"));
    for (f, v) in [
        (Fact::OnTimeRatio, "0.99"),
        (Fact::BrokenPromises, "0"),
        (Fact::YearsTrading, "12"),
        (Fact::MaxDaysLate, "0"),
        (Fact::ManagementScore, "5"),
        (Fact::SellIn, "999999999999999.99"),
        (Fact::SellOut, "999999999999999.98"),
        (Fact::CrossRegionSales, "0.01"),
        (Fact::HighRiskShare, "0"),
        (Fact::TotalAssets, "5000000000000000.01"),
        (Fact::TotalLiabilities, "1000000000000000.01"),
        (Fact::CurrentAssets, "3000000000000000.03"),
        (Fact::CurrentLiabilities, "1000000000000000.01"),
        (Fact::Inventory, "0.01"),
        (Fact::IntangibleAssets, "0.01"),
        (Fact::CollateralValue, "999999999999999.99"),
        (Fact::SalesGrowth, "0.5"),
        (Fact::ReceivableBalance, "200000000000000.00"),
        (Fact::OpenOrders, "0.01"),
    ] {
        set(&mut c, f, v);
    }
    c.last_review = Some(Date::constant(2026, 1, 15));
    let dec = decide(&c);
    assert_sane(&dec);
    assert_eq!(dec.score, d("100"));
    assert_eq!(dec.grade, Grade::AAA);
    // 20% of 1,000,000,000,000,000.99 = 200,000,000,000,000.198
    assert_eq!(dec.trace.line_steps[1].amount, d("200000000000000.198"));
    assert_eq!(dec.unsecured_line, d("200000000000000"));
    assert_eq!(dec.exposure, d("200000000000000.01"));
    // Plus collateral of 999,999,999,999,999.99 at 50%.
    assert_eq!(dec.secured_cover, d("499999999999999.995"));
    assert_eq!(dec.limit, d("699999999999999.995"));
    assert_eq!(dec.available, d("499999999999999.985"));
    assert!(!dec.has(Action::Hold));

    // Recession and a weak company on top keep it exact: AA, 15% x 0.8 = 12%.
    let ctx = Context {
        economy: "recession".into(),
        ..with_company("1", "1", "0", "0")
    };
    let dec = decide_in(standard(), &ctx, &c);
    assert_sane(&dec);
    assert_eq!(dec.grade, Grade::AA);
    assert_eq!(dec.unsecured_line, d("120000000000000"));

    // The largest amount the reader accepts, 10^18, everywhere.
    let big = "1000000000000000000";
    let mut c = Client::new("MAX", d(big));
    for f in Fact::ALL
        .iter()
        .filter(|f| f.kind() == crate::client::Kind::Money)
    {
        set(&mut c, *f, big);
    }
    let dec = decide_in(standard(), &ctx, &c);
    assert_sane(&dec);
    assert_eq!(dec.exposure, d("2000000000000000000"));
}

#[test]
fn zero_liabilities_score_as_no_debt() {
    let mut c = strong();
    set(&mut c, Fact::TotalLiabilities, "0");
    let dec = decide(&c);
    assert_sane(&dec);
    let debt = &dec.trace.measures[7];
    assert_eq!(debt.measure, "debt_ratio");
    assert_eq!(
        (debt.value, debt.band, debt.points),
        (Some(Decimal::ZERO), Some(0), d("100"))
    );
    assert_eq!(dec.score, d("100"));
}

#[test]
fn zero_current_liabilities_score_as_the_best_liquidity() {
    let mut c = strong();
    set(&mut c, Fact::CurrentLiabilities, "0");
    let dec = decide(&c);
    assert_sane(&dec);
    for m in &dec.trace.measures[8..10] {
        assert!(matches!(
            m.measure.as_ref(),
            "current_ratio" | "quick_ratio"
        ));
        assert_eq!(
            (m.value, m.band, m.points),
            (Some(UNBOUNDED), Some(0), d("100")),
            "{}",
            m.measure
        );
    }
    assert_eq!(dec.scores[2], d("100"));
    // A cent of current liabilities is never better than none.
    let mut cent = c.clone();
    set(&mut cent, Fact::CurrentLiabilities, "0.01");
    assert!(decide(&cent).score <= dec.score);
    // The wilful rule reads the unbounded current ratio as "can pay".
    set(&mut c, Fact::BrokenPromises, "3");
    let dec = decide(&c);
    assert_eq!(dec.grade, Grade::CCC);
    assert!(reason(&dec, "wilful_non_payment").text.contains("can pay"));
}

#[test]
fn negative_equity_scores_the_bottom_bands() {
    let dec = decide(&weakest());
    assert_sane(&dec);
    let by_name = |n: &str| dec.trace.measures.iter().find(|m| m.measure == n).unwrap();
    assert_eq!(by_name("debt_ratio").value, Some(d("2")));
    assert_eq!(by_name("debt_ratio").points, Decimal::ZERO);
    assert!(by_name("tnw_to_sales").value.unwrap() < Decimal::ZERO);
    assert_eq!(by_name("tnw_to_sales").band, Some(4));
    assert_eq!(by_name("tnw_to_sales").points, Decimal::ZERO);
    assert_eq!(dec.scores, [d("13"), d("5"), d("4.5"), d("20"), d("10")]);
    assert_eq!(dec.grade, Grade::C);
    assert!(dec.has(Action::Watch), "sell-through 0.1 and high-risk 0.5");
}

#[test]
fn a_missing_or_empty_balance_sheet_scores_missing_points() {
    let mut c = strong();
    for f in [
        Fact::TotalAssets,
        Fact::TotalLiabilities,
        Fact::CurrentAssets,
        Fact::CurrentLiabilities,
        Fact::Inventory,
        Fact::IntangibleAssets,
    ] {
        c.facts.set(f, None);
    }
    let dec = decide(&c);
    assert_sane(&dec);
    assert_eq!(dec.scores[2], d("30"));
    // 100 - 0.25 x 70
    assert_eq!(dec.score, d("82.5"));
    assert_eq!(dec.grade, Grade::AA);

    // All zero: no ratio can be taken; net worth 0 is the [0, 0.25) band of tnw_to_sales.
    for f in [
        Fact::TotalAssets,
        Fact::TotalLiabilities,
        Fact::CurrentAssets,
        Fact::CurrentLiabilities,
        Fact::Inventory,
        Fact::IntangibleAssets,
    ] {
        set(&mut c, f, "0");
    }
    let dec = decide(&c);
    assert_sane(&dec);
    // 0.4 x 30 + 0.25 x 30 + 0.2 x 30 + 0.15 x 35 = 30.75
    assert_eq!(dec.scores[2], d("30.75"));

    // Liabilities without assets: the debt ratio is as bad as it gets, not unknown.
    set(&mut c, Fact::TotalLiabilities, "100.00");
    let dec = decide(&c);
    assert_sane(&dec);
    assert_eq!(dec.trace.measures[7].value, Some(UNBOUNDED));
    assert_eq!(dec.trace.measures[7].points, Decimal::ZERO);

    // No annual sales: no unsecured line, and amounts over sales are unknown, never the best
    // band by accident; the reasons say so. The client can still buy against its cover.
    let mut c = strong();
    set(&mut c, Fact::AnnualSales, "0");
    let dec = decide(&c);
    assert_sane(&dec);
    assert_eq!(dec.unsecured_line, Decimal::ZERO);
    assert_eq!(dec.limit, dec.secured_cover);
    assert_eq!(dec.trace.measures[10].value, None);
    assert_eq!(dec.trace.measures[11].value, None);
    reason(&dec, "no_sales");
    assert!(
        dec.reasons
            .iter()
            .any(|r| r.code == "zero_denominator" && r.text.starts_with("tnw_to_sales")),
        "{:?}",
        codes(&dec)
    );
}

#[test]
fn reasons_come_most_important_first_and_the_score_last() {
    // Terminate, collateral, a grade cap, no credit, watch, review due, score.
    let mut c = strong();
    c.distress_confirmed = Some(true);
    c.last_review = None;
    set(&mut c, Fact::SellOut, "100000.00");
    let dec = decide_in(standard(), &context("recession"), &c);
    assert!(dec.reasons.is_sorted_by_key(|r| r.priority));
    assert_eq!(
        codes(&dec),
        [
            "distress_confirmed",
            "terminating",
            "never_reviewed",
            "failing_business",
            "channel_sign",
            "economy_recession",
            "no_credit",
            "low_sell_through",
            "review_due",
            "line_on_sell_out",
            "score",
        ]
    );

    // Over the line, watched, review due: hold before watch before review before score.
    let mut c = with_exposure(uncovered(), Some("300000"), Some("0"));
    set(&mut c, Fact::HighRiskShare, "0.5");
    set(&mut c, Fact::CrossRegionSales, "500000");
    c.last_review = Some(Date::constant(2025, 1, 1));
    let dec = decide(&c);
    assert_eq!(
        codes(&dec),
        [
            "over_limit",
            "review_overdue",
            "channel_sign",
            "cross_region",
            "high_risk_investment",
            "review_due",
            "score"
        ]
    );
    assert_eq!(
        dec.actions,
        [Action::Hold, Action::ReviewDue, Action::Watch]
    );
    assert!(dec.reasons.is_sorted_by_key(|r| r.priority));
}

#[test]
fn the_outlook_compares_the_final_grade_with_the_previous_one() {
    let mut c = strong();
    let dec = decide(&c);
    assert_eq!(
        (dec.previous_grade, dec.notch_change(), dec.outlook()),
        (None, None, None)
    );
    assert!(!codes(&dec).contains(&"outlook"));
    for (previous, change, outlook) in [
        (Grade::AAA, 0, Outlook::Stable),
        (Grade::A, 2, Outlook::Positive),
    ] {
        c.previous_grade = Some(previous);
        let dec = decide(&c);
        assert_eq!(dec.notch_change(), Some(change), "{previous}");
        assert_eq!(dec.outlook(), Some(outlook), "{previous}");
    }
    // The final grade counts: a recession takes AAA to AA, one notch below a previous AAA.
    c.previous_grade = Some(Grade::AAA);
    let dec = decide_in(standard(), &context("recession"), &c);
    assert_eq!(dec.notch_change(), Some(-1));
    assert_eq!(dec.outlook(), Some(Outlook::Negative));
    assert_eq!(
        reason(&dec, "outlook").text,
        "down 1 notch(es) from the previous grade (AAA -> AA): outlook negative"
    );
}

#[test]
fn a_fall_of_two_notches_brings_the_next_review_within_three_months() {
    // The A client of the ladder, last reviewed 2026-01-15: next review 2027-01-15.
    let (mut c, _, grade) = ladder().swap_remove(2);
    assert_eq!(grade, Grade::A);
    c.previous_grade = Some(Grade::AA);
    let one = decide(&c);
    assert_eq!(one.next_review, Date::constant(2027, 1, 15));
    assert!(!codes(&one).contains(&"review_after_downgrade"));
    c.previous_grade = Some(Grade::AAA);
    let two = decide(&c);
    assert_eq!(
        two.next_review,
        Date::constant(2026, 9, 30),
        "as of + 3 months"
    );
    assert_eq!(
        reason(&two, "review_after_downgrade").text,
        "down 2 notch(es) from the previous grade (AAA -> A): review by 2026-09-30 instead of 2027-01-15; a fall of 2 or more notches is reviewed within 3 months"
    );
    assert!(!two.has(Action::ReviewDue));
    // A usual date that comes sooner stays: a key account is due on 2026-07-15.
    c.key_account = Some(true);
    let key = decide(&c);
    assert_eq!(key.next_review, Date::constant(2026, 7, 15));
    assert!(!codes(&key).contains(&"review_after_downgrade"));
    // Without the rule, a fall changes no date.
    let mut policy = standard().clone();
    policy.review.after_downgrade = None;
    c.key_account = None;
    let without = decide_in(&policy, &context("normal"), &c);
    assert_eq!(without.next_review, Date::constant(2027, 1, 15));
}

#[test]
fn a_temporary_line_counts_up_to_the_ceiling_until_its_last_day_and_never_on_no_line() {
    // Rung A: 10% of 1,234,567.89 = 123,000.00; the ceiling is 15%, 185,000.00 rounded down.
    let mut a = ladder().swap_remove(2).0;
    a.last_review = Some(Date::constant(2026, 6, 15));
    set(&mut a, Fact::TemporaryLine, "100000.00");
    a.temporary_line_until = Some(AS_OF);
    let dec = decide(&a);
    assert_eq!(dec.grade, Grade::A);
    assert_eq!(dec.unsecured_line, d("123000"));
    // 62,000.00 of room under the ceiling: the request is held to it.
    assert_eq!(dec.limit, d("185000"));
    assert_eq!(dec.temporary_line.map(|t| t.amount), Some(d("62000")));
    assert!(
        reason(&dec, "temporary_line")
            .text
            .contains("held to the 15% ceiling")
    );
    // The day after its last day it no longer counts.
    a.temporary_line_until = Some(Date::constant(2026, 6, 29));
    let ended = decide(&a);
    assert_eq!(ended.limit, d("123000"));
    assert_eq!(ended.temporary_line, None);
    reason(&ended, "temporary_line_expired");
    // AAA is already at its ceiling; BB has no line to increase.
    let mut top = uncovered();
    set(&mut top, Fact::TemporaryLine, "100000.00");
    top.temporary_line_until = Some(AS_OF);
    let at_ceiling = decide(&top);
    assert_eq!(at_ceiling.limit, at_ceiling.unsecured_line);
    assert_eq!(at_ceiling.temporary_line, None);
    reason(&at_ceiling, "temporary_line_ignored");
    let mut bb = ladder().swap_remove(4).0;
    set(&mut bb, Fact::TemporaryLine, "100000.00");
    bb.temporary_line_until = Some(AS_OF);
    let none = decide(&bb);
    assert_eq!(none.unsecured_line, Decimal::ZERO);
    assert_eq!(none.temporary_line, None);
    assert!(
        reason(&none, "temporary_line_ignored")
            .text
            .contains("no unsecured line")
    );
}

/// Every reason code seen when deciding the fixture portfolios under every policy of the
/// repository, in a normal economy, a recession and with our company weak, is one of
/// [`ENGINE_CODES`], an economy's, or a code a rule script writes.
#[test]
fn every_code_the_engine_gives_is_listed() {
    use crate::run::{Input, Run, Setup};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut portfolios: Vec<std::path::PathBuf> = vec![
        root.join("examples/clients.csv"),
        root.join("policies/standard/tests/golden/clients.csv"),
    ];
    for entry in std::fs::read_dir(root.join("tests/fixtures")).unwrap() {
        let csv = entry.unwrap().path().join("clients.csv");
        if csv.is_file() {
            portfolios.push(csv);
        }
    }
    let weak = with_company("100", "100", "1", "1");
    let mut seen: std::collections::BTreeSet<String> = Default::default();
    for name in ["standard", "conservative", "approval"] {
        let policy = Policy::load(&root.join("policies").join(name)).unwrap();
        let (scripted, complete) = policy.script_codes();
        assert!(complete, "every code of `{name}` is a literal");
        for ctx in [context("normal"), context("recession"), weak.clone()] {
            let setup = Setup::new(&policy, ctx).unwrap();
            for path in &portfolios {
                let input = Input::open(
                    &path.to_string_lossy(),
                    Default::default(),
                    setup.reads_twice(),
                )
                .unwrap();
                let book = Run::start(&setup, &input, 1).and_then(Run::book).unwrap();
                for (_, d) in book.decided() {
                    for r in &d.decision.reasons {
                        let code = r.code.as_str();
                        let known = ENGINE_CODES.contains(&code)
                            || scripted.contains(code)
                            || code
                                .strip_prefix(ECONOMY_CODE_PREFIX)
                                .is_some_and(|e| policy.overlay(e).is_some());
                        assert!(
                            known,
                            "`{code}` (policy `{name}`, {}) is not in ENGINE_CODES",
                            path.display()
                        );
                        seen.insert(code.to_string());
                    }
                }
            }
        }
    }
    // The portfolios are wide enough to be worth the test.
    assert!(seen.len() > 20, "{seen:?}");
}

/// Every code literal the engine's source passes to `Reason::new` (or writes as a `code:`) is
/// listed, even one no fixture reaches.
#[test]
fn every_code_in_the_engine_source_is_listed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    for file in ["mod.rs", "group.rs"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap();
        for marker in ["Reason::new(", "code: "] {
            for (i, _) in text.match_indices(marker) {
                let rest = text[i + marker.len()..].trim_start();
                if let Some(lit) = rest.strip_prefix('"') {
                    let code = &lit[..lit.find('"').unwrap()];
                    assert!(
                        ENGINE_CODES.contains(&code),
                        "`{code}` in src/engine/{file} is not in ENGINE_CODES"
                    );
                }
            }
        }
    }
}

/// A rule's notches move the grade the way they say (down is down, up is up, they add up), its
/// `scale_line` multiplies the line, and a script sees every variable of the client and of its
/// score: id, name, region, score, base grade, each criterion's score, a declared extra column
/// by name and every unknown column in `extra`.
#[test]
fn a_rule_sees_every_variable_and_its_notches_and_factor_move_the_way_they_say() {
    let (_dir, policy) = standard_with_rule(
        "[inputs]\nextra = [\"channel_code\"]",
        "\
             if id == \"VAR-1\" {\n\
               reason(\"seen\", `id ${id} name ${name} region ${region} score ${score} base ${base_grade} character ${character_score} code ${channel_code} note ${extra.note}`);\n\
               downgrade(2, \"down_two\", \"two down\");\n\
               upgrade(1, \"up_one\", \"one up\");\n\
               scale_line(0.5, \"half\", \"half the line\");\n\
             }\n\
             if id == \"VAR-2\" { upgrade(1, \"up_one\", \"one up\"); }\n\
             if id == \"VAR-3\" { cap_grade(\"BB\", \"capped\", \"capped\"); no_line(\"no_unsecured\", \"none\"); }\n",
    );
    let ctx = context("normal");
    // The rung graded A on its score: 76.25.
    let (base, score, grade) = ladder().swap_remove(2);
    assert_eq!(grade, Grade::A);
    let plain = decide_in(&policy, &ctx, &base);
    assert_eq!(plain.grade, Grade::A);
    assert_eq!(plain.trace.factor, Decimal::ONE);

    let mut c = base.clone();
    c.id = "VAR-1".into();
    c.name = Some("Variable Trading".into());
    c.region = Some("East".into());
    c.extra = vec![
        ("channel_code".into(), Extra::Text("DX".into())),
        ("note".into(), Extra::Number(d("7.5"))),
    ];
    let dec = decide_in(&policy, &ctx, &c);
    let seen = reason(&dec, "seen");
    assert!(
        seen.text.starts_with(&format!(
            "id VAR-1 name Variable Trading region East score {score} base A character "
        )),
        "{}",
        seen.text
    );
    assert!(seen.text.ends_with(" code DX note 7.5"), "{}", seen.text);
    // Two down and one up: one notch down from A, each reason saying which way it moved.
    assert_eq!(dec.grade, Grade::BBB, "{:?}", codes(&dec));
    assert_eq!(reason(&dec, "down_two").text, "two down (2 notch(es) down)");
    assert_eq!(reason(&dec, "up_one").text, "one up (1 notch(es) up)");
    assert_eq!(reason(&dec, "half").text, "half the line (line x0.5)");
    assert_eq!(dec.trace.factor, d("0.5"));
    // BBB is 5% of sales, halved: 30,864.09..., rounded down to 30,000.
    assert_eq!(dec.unsecured_line, d("30000"));

    // One up alone: AA.
    let mut up = base.clone();
    up.id = "VAR-2".into();
    assert_eq!(decide_in(&policy, &ctx, &up).grade, Grade::AA);
    // A cap and no unsecured line, each saying so.
    let mut capped = base;
    capped.id = "VAR-3".into();
    let dec = decide_in(&policy, &ctx, &capped);
    assert_eq!(dec.grade, Grade::BB);
    assert_eq!(dec.unsecured_line, Decimal::ZERO);
    assert_eq!(
        reason(&dec, "capped").text,
        "capped (grade no better than BB)"
    );
    assert_eq!(
        reason(&dec, "no_unsecured").text,
        "none (no unsecured line)"
    );
}

/// Each ratio over a zero says how it was scored: unbounded at the best band (a positive
/// amount over no current liabilities), unbounded at the worst (a negative one), or unknown.
#[test]
fn a_ratio_over_zero_says_how_it_was_scored() {
    let mut c = strong();
    set(&mut c, Fact::CurrentLiabilities, "0");
    set(&mut c, Fact::Inventory, "99999999");
    set(&mut c, Fact::SellIn, "0");
    let dec = decide(&c);
    let texts: Vec<&str> = dec
        .reasons
        .iter()
        .filter(|r| r.code == "zero_denominator")
        .map(|r| r.text.as_str())
        .collect();
    let says = |ratio: &str, how: &str| {
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with(&format!("{ratio} not computed:")) && t.ends_with(how)),
            "{ratio}: {texts:?}"
        );
    };
    says(
        "current_ratio",
        "scored as unbounded (the best band for a liquidity ratio)",
    );
    says("quick_ratio", "scored as unbounded (the worst band)");
    says("sell_through", "left unknown and scored as missing");
}

/// A `script` measure: the function a script defines gives the points, `()` is unknown (the
/// measure's `missing` points); a function that takes arguments, or none of that name, is a
/// load error naming it.
#[test]
fn a_script_measure_scores_with_the_function_it_names() {
    let (_dir, policy) = standard_with("");
    let toml = policy.dir.join("policy.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let measure = "input = \"collateral_to_sales\"\nweight = 100\nmissing = 20\nbands = [\n  { from = 0.15, points = 100 },\n  { from = 0.10, to = 0.15, points = 80 },\n  { from = 0.05, to = 0.10, points = 60 },\n  { from = 0.01, to = 0.05, points = 40 },\n  { to = 0.01, points = 20 },\n]\n";
    assert!(text.contains(measure));
    let write = |function: &str, script: &str| {
        let edited = text
            .replace(
                measure,
                &format!("script = \"{function}\"\nweight = 100\nmissing = 20\n"),
            )
            .replace(
                "rules = [\"rules/knockout.rhai\", \"rules/channel.rhai\"]",
                "rules = [\"rules/knockout.rhai\", \"rules/channel.rhai\"]\nfunctions = [\"rules/measures.rhai\"]",
            );
        std::fs::write(&toml, edited).unwrap();
        std::fs::write(policy.dir.join("rules/measures.rhai"), script).unwrap();
        Policy::load(&policy.dir)
    };
    let scored = write(
        "pledged",
        "fn pledged() { if known(collateral_to_sales) { 70 } else { () } }\nfn other(x) { x }\n",
    )
    .unwrap();
    let dec = decide_in(&scored, &context("normal"), &strong());
    assert_eq!(dec.scores[3], d("70"), "{:?}", dec.scores);
    let mut unknown = strong();
    unknown.facts.set(Fact::CollateralValue, None);
    assert_eq!(
        decide_in(&scored, &context("normal"), &unknown).scores[3],
        d("20")
    );

    // The edges of 0..100: 100 and 0 are points, 100.5 and -1 are errors naming the function.
    for (points, ok) in [("100", true), ("0", true), ("100.5", false), ("-1", false)] {
        let p = write("edge", &format!("fn edge() {{ {points} }}\n"));
        let dec = p.map(|p| {
            Evaluator::new(&p, &context("normal"))
                .unwrap()
                .decide(&strong())
        });
        match (ok, dec) {
            (true, Ok(Ok(dec))) => assert_eq!(dec.scores[3], d(points)),
            (false, Ok(Err(e))) => assert!(
                e.to_string()
                    .contains(&format!("function `edge` returned {points} points")),
                "{e}"
            ),
            (ok, other) => panic!("{points}: expected ok={ok}, got {other:?}"),
        }
    }
    let e = write("other", "fn other(x) { x }\n").unwrap_err();
    assert!(
        e.diagnostics
            .iter()
            .any(|d| d.message
                == "function `other` takes 1 argument(s); a measure function takes none"),
        "{e:?}"
    );
    let e = write("nope", "fn other(x) { x }\n").unwrap_err();
    assert!(
        e.diagnostics
            .iter()
            .any(|d| d.message == "no script defines a function `nope`"),
        "{e:?}"
    );
}

/// The edges of the review cycle: a review overdue by exactly the grace holds nothing, one day
/// more holds new credit on its own (exposure within the line); a fall whose early review date
/// is the usual date anyway says nothing more; a rule's `review_now` brings a later date to
/// the as-of date.
#[test]
fn review_edges_grace_early_review_and_review_now() {
    // AAA, reviewed every 12 months: due 2026-05-31 is 30 days before the as-of date.
    let at_grace = reviewed(Date::constant(2025, 5, 31), None);
    assert_eq!(at_grace.next_review, Date::constant(2026, 5, 31));
    assert!(at_grace.has(Action::ReviewDue));
    assert!(!at_grace.has(Action::Hold), "{:?}", codes(&at_grace));
    let past_grace = reviewed(Date::constant(2025, 5, 30), None);
    assert!(past_grace.has(Action::Hold), "{:?}", codes(&past_grace));
    assert!(past_grace.exposure <= past_grace.limit);
    assert!(
        reason(&past_grace, "review_overdue")
            .text
            .starts_with("review overdue by 31 days (due 2026-05-30)")
    );

    // The A rung fallen two notches, usually due 2026-09-30: the early date is the same day.
    let (mut c, _, grade) = ladder().swap_remove(2);
    assert_eq!(grade, Grade::A);
    c.previous_grade = Some(Grade::AAA);
    c.last_review = Some(Date::constant(2025, 9, 30));
    let same = decide(&c);
    assert_eq!(same.next_review, Date::constant(2026, 9, 30));
    assert!(
        !codes(&same).contains(&"review_after_downgrade"),
        "{:?}",
        codes(&same)
    );

    let (_dir, policy) = standard_with_rule(
        "",
        "if id == \"RN\" { review_now(\"look_now\", \"look now\"); }",
    );
    let mut c = strong();
    c.id = "RN".into();
    c.last_review = Some(Date::constant(2026, 3, 1));
    let now = decide_in(&policy, &context("normal"), &c);
    assert_eq!(now.next_review, AS_OF);
    assert!(now.has(Action::ReviewDue));
}

/// The line steps at their edges: a temporary line that fits under the ceiling says nothing of
/// a ceiling; secured cover names only the kinds that count; a requested line holds the line
/// only when it is below it.
#[test]
fn temporary_secured_and_requested_lines_at_their_edges() {
    // Rung A: 123,000.00, ceiling 185,000.00: 62,000.00 of room, asked exactly.
    let mut a = ladder().swap_remove(2).0;
    a.last_review = Some(Date::constant(2026, 6, 15));
    set(&mut a, Fact::TemporaryLine, "62000.00");
    a.temporary_line_until = Some(AS_OF);
    let dec = decide(&a);
    assert_eq!(dec.temporary_line.map(|t| t.amount), Some(d("62000")));
    let text = &reason(&dec, "temporary_line").text;
    assert!(!text.contains("held"), "{text}");

    let mut s = ladder().swap_remove(2).0;
    s.last_review = Some(Date::constant(2026, 6, 15));
    set(&mut s, Fact::Deposit, "10000.00");
    set(&mut s, Fact::Guarantee, "0");
    let dec = decide(&s);
    assert_eq!(dec.limit, d("133000"));
    let text = &reason(&dec, "secured_cover").text;
    assert!(text.contains("deposit 10000.00 at 100%"), "{text}");
    assert!(!text.contains("guarantee"), "{text}");

    for (asked, limit, held) in [
        ("100000.00", "100000", true),
        ("123000.00", "123000", false),
        ("200000.00", "123000", false),
    ] {
        let mut r = ladder().swap_remove(2).0;
        r.last_review = Some(Date::constant(2026, 6, 15));
        set(&mut r, Fact::RequestedLine, asked);
        let dec = decide(&r);
        assert_eq!(dec.limit, d(limit), "{asked}");
        assert_eq!(codes(&dec).contains(&"requested_line"), held, "{asked}");
    }
}
