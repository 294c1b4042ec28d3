//! The seed policy's numbers, pinned through the CLI on `tests/fixtures/grades/`: one client per
//! grade AAA to BB, all with annual sales of 2345678, so the unsecured line is that times
//! 20/15/10/5/0%, rounded down to a whole thousand. Then the recession overlay, our own weak
//! balance sheet, the healthy boundary, an edited policy, and an empty cell meaning unknown.
//!
//! Every client owes nothing (receivable balance and open orders 0, so the exposure is known) and
//! was reviewed on 2026-05-15, so no review is due for any grade. GR-AAA's collateral of 400000
//! also gives it a secured cover of 200000 (50%), added on top of its unsecured line in `limit`.
//!
//! The scores, by hand from `policies/standard/policy.toml` (weights 30/25/25/10/10):
//! * GR-AAA: every measure in its top band: 100.
//! * GR-AA: no collateral (20 points) and sales growth -20% (10): 100 - 8 - 9 = 83.
//! * GR-A: also on-time ratio 0.85 (50): character 75, so 83 - 7.5 = 75.5.
//! * GR-BBB: also management 2 (35) and 20 days late (60): capacity 68.5, so 67.625.
//! * GR-BB: also debt ratio 0.9 (0) and tangible net worth / sales 0.43 (60): capital 54, so 56.125.

use serde_json::{Value, json};

use crate::support::*;

const GRADES: &str = "tests/fixtures/grades/clients.csv";
const IDS: [&str; 5] = ["GR-AAA", "GR-AA", "GR-A", "GR-BBB", "GR-BB"];

/// `(id, grade, unsecured_line, payment_days)` of each decision, in order: the grade's share
/// of sales, without the secured cover (see [`limits`]).
fn lines(decisions: &[Value]) -> Vec<(String, String, String, u64)> {
    decisions
        .iter()
        .map(|d| {
            (
                d["id"].as_str().expect("id").to_string(),
                d["grade"].as_str().expect("grade").to_string(),
                d["unsecured_line"]
                    .as_str()
                    .expect("unsecured_line")
                    .to_string(),
                d["payment_days"].as_u64().expect("payment_days"),
            )
        })
        .collect()
}

/// `(id, secured_cover, limit)` of each decision, in order.
fn limits(decisions: &[Value]) -> Vec<(&str, &str, &str)> {
    decisions
        .iter()
        .map(|d| {
            (
                d["id"].as_str().expect("id"),
                d["secured_cover"].as_str().expect("secured_cover"),
                d["limit"].as_str().expect("limit"),
            )
        })
        .collect()
}

fn expect(rows: [(&str, &str, &str, u64); 5]) -> Vec<(String, String, String, u64)> {
    rows.iter()
        .map(|(i, g, l, p)| (i.to_string(), g.to_string(), l.to_string(), *p))
        .collect()
}

#[test]
fn each_grade_gets_its_share_of_sales_rounded_down_to_a_thousand() {
    let decisions = evaluate(&["--format", "json", GRADES])
        .expect_code(EXIT_OK)
        .json();
    assert_eq!(ids(&decisions), IDS);
    let scores: Vec<&Value> = decisions.iter().map(|d| &d["score"]).collect();
    assert_eq!(
        scores,
        [
            &json!("100.00"),
            &json!("83.00"),
            &json!("75.50"),
            &json!("67.62"),
            &json!("56.12")
        ]
    );
    for d in &decisions {
        assert_eq!(d["grade"], d["base_grade"], "no rule moves these grades");
        assert_eq!(actions(d), Vec::<&str>::new(), "{d}");
    }
    assert_eq!(
        lines(&decisions),
        expect([
            ("GR-AAA", "AAA", "469000.00", 60), // 469135.60
            ("GR-AA", "AA", "351000.00", 60),   // 351851.70
            ("GR-A", "A", "234000.00", 60),     // 234567.80
            ("GR-BBB", "BBB", "117000.00", 60), // 117283.90
            ("GR-BB", "BB", "0.00", 0),
        ])
    );
    // The credit line is the unsecured line plus the secured cover: GR-AAA's collateral of
    // 400000 at 50% adds 200000.
    assert_eq!(
        limits(&decisions),
        [
            ("GR-AAA", "200000.00", "669000.00"),
            ("GR-AA", "0.00", "351000.00"),
            ("GR-A", "0.00", "234000.00"),
            ("GR-BBB", "0.00", "117000.00"),
            ("GR-BB", "0.00", "0.00"),
        ]
    );
    assert_eq!(
        reason_text(&decisions[4], "no_credit"),
        "grade BB gets no unsecured line: cash, prepayment or secured terms only"
    );
}

#[test]
fn a_recession_moves_every_grade_one_notch_down() {
    let decisions = evaluate(&["--format", "json", "--economy", "recession", GRADES])
        .expect_code(EXIT_OK)
        .json();
    let base: Vec<&Value> = decisions.iter().map(|d| &d["base_grade"]).collect();
    assert_eq!(
        base,
        [
            &json!("AAA"),
            &json!("AA"),
            &json!("A"),
            &json!("BBB"),
            &json!("BB")
        ]
    );
    assert_eq!(
        lines(&decisions),
        expect([
            ("GR-AAA", "AA", "351000.00", 60),
            ("GR-AA", "A", "234000.00", 60),
            ("GR-A", "BBB", "117000.00", 60),
            ("GR-BBB", "BB", "0.00", 0),
            ("GR-BB", "B", "0.00", 0),
        ])
    );
    // The recession lowers the grade, not the security: GR-AAA keeps its secured cover.
    assert_eq!(limits(&decisions)[0], ("GR-AAA", "200000.00", "551000.00"));
    assert!(
        reason_text(&decisions[0], "economy_recession").contains("AAA -> AA"),
        "{}",
        decisions[0]
    );
}

#[test]
fn the_economy_can_come_from_the_context_file() {
    let flag =
        evaluate(&["--format", "json", "--economy", "recession", GRADES]).expect_code(EXIT_OK);
    let file = evaluate(&[
        "--format",
        "json",
        "--context",
        "tests/fixtures/context/recession.toml",
        GRADES,
    ])
    .expect_code(EXIT_OK);
    assert_eq!(file.stdout, flag.stdout);
    // --economy overrides the context file.
    let normal = evaluate(&[
        "--format",
        "json",
        "--context",
        "tests/fixtures/context/recession.toml",
        "--economy",
        "normal",
        GRADES,
    ])
    .expect_code(EXIT_OK);
    assert_eq!(decision(&normal.json(), "GR-AAA")["grade"], "AAA");
}

#[test]
fn a_weak_company_multiplies_lines_by_0_8_before_rounding_down() {
    // Either floor breached is enough: assets/debt 1.74 (liquid exactly 1.0), or
    // liquid/debt 0.99 (assets/debt 2.0).
    for context in ["weak_assets", "weak_liquid"] {
        let decisions = evaluate(&[
            "--format",
            "json",
            "--context",
            &format!("tests/fixtures/context/{context}.toml"),
            GRADES,
        ])
        .expect_code(EXIT_OK)
        .json();
        // 0.8 x the unrounded line, then down to a thousand: 351851.70 x 0.8 = 281481.36 gives
        // 281000 (0.8 x the rounded 351000 would give 280800).
        assert_eq!(
            lines(&decisions),
            expect([
                ("GR-AAA", "AAA", "375000.00", 60),
                ("GR-AA", "AA", "281000.00", 60),
                ("GR-A", "A", "187000.00", 60),
                ("GR-BBB", "BBB", "93000.00", 60),
                ("GR-BB", "BB", "0.00", 0),
            ]),
            "{context}"
        );
        // The factor tightens the unsecured line only: 375000 + the secured cover 200000.
        assert_eq!(
            limits(&decisions)[0],
            ("GR-AAA", "200000.00", "575000.00"),
            "{context}"
        );
        for d in &decisions {
            assert!(reason_codes(d).contains(&"company_weak"), "{context}: {d}");
        }
    }
}

#[test]
fn exactly_on_the_company_floors_counts_as_healthy() {
    // 175/100 and (60+40)/100; then 2.275/1.3 and (0.12+1.18)/1.3, which f64 gets wrong.
    for context in ["healthy_edge", "healthy_edge_decimals"] {
        let decisions = evaluate(&[
            "--format",
            "json",
            "--context",
            &format!("tests/fixtures/context/{context}.toml"),
            GRADES,
        ])
        .expect_code(EXIT_OK)
        .json();
        assert_eq!(
            lines(&decisions),
            expect([
                ("GR-AAA", "AAA", "469000.00", 60),
                ("GR-AA", "AA", "351000.00", 60),
                ("GR-A", "A", "234000.00", 60),
                ("GR-BBB", "BBB", "117000.00", 60),
                ("GR-BB", "BB", "0.00", 0),
            ]),
            "{context}"
        );
        for d in &decisions {
            assert!(!reason_codes(d).contains(&"company_weak"), "{context}: {d}");
        }
    }
}

#[test]
fn an_edited_policy_takes_effect_without_a_rebuild_and_changes_the_hash() {
    let seed = evaluate(&["--format", "json", GRADES])
        .expect_code(EXIT_OK)
        .json();
    let (_tmp, policy) = copy_standard();
    let copy = evaluate_with(&policy, &["--format", "json", GRADES])
        .expect_code(EXIT_OK)
        .json();
    assert_eq!(
        copy, seed,
        "a copy of the folder is the same policy, same hash"
    );

    // `[grades]` has `AAA = 90`; only the `[limits]` line changes.
    edit_in_table(
        &policy.join("policy.toml"),
        "[limits]",
        "AAA = 20",
        "AAA = 18",
    );
    let edited = evaluate_with(&policy, &["--format", "json", GRADES])
        .expect_code(EXIT_OK)
        .json();
    let aaa = decision(&edited, "GR-AAA");
    assert_eq!(aaa["grade"], "AAA");
    assert_eq!(
        aaa["unsecured_line"], "422000.00",
        "2345678 x 18% = 422222.04"
    );
    assert_eq!(
        aaa["limit"], "622000.00",
        "422000 + the secured cover 200000"
    );
    assert_eq!(
        decision(&edited, "GR-AA")["limit"],
        "351000.00",
        "AA unchanged"
    );
    let (before, after) = (&seed[0]["policy"]["hash"], &aaa["policy"]["hash"]);
    assert_ne!(before, after, "the hash follows the content");
    assert!(after.as_str().is_some_and(|h| h.starts_with("sha256:")));
    assert_eq!(aaa["policy"]["name"], "standard");
}

#[test]
fn an_empty_cell_means_unknown_not_zero() {
    // U-EMPTY has no total_liabilities: debt_ratio is unknown and scores its `missing` 30.
    // U-ZERO has 0: debt ratio 0 scores 100. Every other capital measure is unknown (30), so
    // capital is 0.4 x 30 + 0.6 x 30 = 30 against 0.4 x 100 + 0.6 x 30 = 58.
    for input in [
        "tests/fixtures/unknown/clients.csv",
        "tests/fixtures/unknown/clients.json",
    ] {
        let decisions = evaluate(&["--format", "json", input])
            .expect_code(EXIT_OK)
            .json();
        let empty = decision(&decisions, "U-EMPTY");
        let zero = decision(&decisions, "U-ZERO");
        assert_eq!(empty["scores"]["capital"], "30.00", "{input}");
        assert_eq!(zero["scores"]["capital"], "58.00", "{input}");
        assert_eq!(empty["scores"]["character"], zero["scores"]["character"]);
        assert_eq!(
            (&empty["grade"], &zero["grade"]),
            (&json!("CCC"), &json!("B"))
        );
        // Empty receivable and open-orders cells are unknown too, not zero: the exposure is
        // unknown, and nothing is released on credit until it is known.
        for d in [empty, zero] {
            assert_eq!(
                (&d["exposure"], &d["available"]),
                (&Value::Null, &Value::Null),
                "{input}: {d}"
            );
            assert!(actions(d).contains(&"hold"), "{input}: {d}");
            assert!(
                reason_codes(d).contains(&"exposure_unknown"),
                "{input}: {d}"
            );
        }
    }
}
