//! Decisions a credit manager can sign off: every case an experienced credit manager found
//! unsafe in the first round (issue 9), one row each in `tests/fixtures/safe/clients.csv`, with
//! the safe outcome and the reason code that says why. Decided as of 2026-11-30 under the
//! standard policy.
//!
//! Every row starts from S00: annual sales 5,000,000.00, exposure 400,000.00, every measure in
//! its best band but collateral (none), score 92, AAA, line 1,000,000.00 (20%), reviewed
//! 2026-09-01. Each row changes only what its name says.

use serde_json::Value;

use crate::support::*;

const CLIENTS: &str = "tests/fixtures/safe/clients.csv";
const ORDERS: &str = "tests/fixtures/safe/orders.csv";
const SAFE_AS_OF: &str = "2026-11-30";
const EXIT_NOT_RELEASED: i32 = 3;

fn decisions() -> Vec<Value> {
    run(credit_policy()
        .args(["evaluate", "--as-of", SAFE_AS_OF, "--policy", STANDARD])
        .args(["--format", "json", CLIENTS]))
    .expect_code(EXIT_OK)
    .json()
}

/// The outcome of one order for `id` and its first reason code.
fn order(id: &str, amount: &str) -> (String, String, Value) {
    let r = run(credit_policy()
        .args(["order", "--as-of", SAFE_AS_OF, "--policy", STANDARD])
        .args([
            "--client", id, "--amount", amount, "--format", "json", CLIENTS,
        ]));
    let j: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    let expected = if j["outcome"] == "release" {
        EXIT_OK
    } else {
        EXIT_NOT_RELEASED
    };
    assert_eq!(r.code, expected, "{r:?}");
    (
        j["outcome"].as_str().unwrap().to_string(),
        j["reasons"][0]["code"].as_str().unwrap().to_string(),
        j,
    )
}

fn money(d: &Value, field: &str) -> String {
    d[field].as_str().unwrap_or("null").to_string()
}

#[test]
fn the_base_client_is_aaa_with_a_fifth_of_its_sales_and_its_orders_go_out() {
    let all = decisions();
    let d = decision(&all, "S00");
    assert_eq!(d["grade"], "AAA");
    assert_eq!(money(d, "limit"), "1000000.00");
    assert!(actions(d).is_empty());
    assert_eq!(order("S00", "600000.00").0, "release");
}

#[test]
fn a_member_within_its_line_is_held_when_its_group_is_over_and_its_order_too() {
    let all = decisions();
    let d = decision(&all, "S01");
    assert_eq!(money(d, "available"), "900000.00", "within its own line");
    assert_eq!(actions(d), ["hold"]);
    assert_eq!(reason_codes(d)[0], "group_over_limit");
    let (outcome, code, j) = order("S01", "1000.00");
    assert_eq!(
        (outcome.as_str(), code.as_str()),
        ("hold", "client_on_hold")
    );
    assert!(
        j["reasons"][0]["text"]
            .as_str()
            .unwrap()
            .contains("group_over_limit")
    );
}

#[test]
fn a_batch_uses_up_the_group_headroom_in_arrival_order() {
    // G2: two AAA members, each 600,000.00 under its own line; the group line is 15% of their
    // combined sales, 1,500,000.00, against 800,000.00 owed: 700,000.00 for the two together.
    let r = run(credit_policy()
        .args(["order", "--as-of", SAFE_AS_OF, "--policy", STANDARD])
        .arg("--orders")
        .arg(ORDERS)
        .args(["--format", "json", CLIENTS]))
    .expect_code(EXIT_NOT_RELEASED);
    let lines: Vec<Value> = serde_json::from_str::<Value>(&r.stdout)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_else(|| parse_jsonl(&r.stdout));
    let got: Vec<(&str, &str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["order_id"].as_str().unwrap(),
                l["outcome"].as_str().unwrap(),
                l["reasons"][0]["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // 500,000.00 fits S03 (600,000.00) and the group (700,000.00).
            ("G2-1", "release", "within_line"),
            // 300,000.00 fits S04 alone, but only 200,000.00 of the group's is left.
            ("G2-2", "hold", "over_group_line"),
            // Exactly what is left of the group's: released.
            ("G2-3", "release", "within_line"),
        ]
    );
}

#[test]
fn no_payment_history_or_no_review_means_no_unsecured_line_and_no_order_on_credit() {
    let all = decisions();
    for (id, code) in [("S05", "no_payment_history"), ("S06", "never_reviewed")] {
        let d = decision(&all, id);
        assert!(actions(d).contains(&"require_collateral"), "{id}");
        assert!(reason_codes(d).contains(&code), "{id}");
        assert_eq!(
            money(d, "unsecured_line"),
            "0.00",
            "{id}: no A line for a new dealer"
        );
        let (outcome, why, _) = order(id, "1000.00");
        assert_eq!(
            (outcome.as_str(), why.as_str()),
            ("prepay_only", "prepay_collateral_required"),
            "{id}"
        );
    }
}

#[test]
fn negative_net_worth_gets_no_unsecured_line() {
    let all = decisions();
    let d = decision(&all, "S07");
    assert_eq!(d["grade"], "BB");
    assert_eq!(money(d, "unsecured_line"), "0.00");
    assert!(reason_codes(d).contains(&"negative_net_worth"));
    assert!(
        actions(d).contains(&"hold"),
        "400,000.00 owed against no line"
    );
}

#[test]
fn a_fake_big_client_loses_its_privileges_and_its_line_rests_on_what_it_sells_on() {
    let all = decisions();
    // Sell-through 40%, inventory +80% against sales +35%: two signs.
    let d = decision(&all, "S08");
    assert_eq!(d["base_grade"], "AA");
    assert_eq!(d["grade"], "A");
    let codes = reason_codes(d);
    for code in [
        "fake_big_client",
        "low_sell_through",
        "inventory_outgrowing_sales",
        "line_on_sell_out",
    ] {
        assert!(codes.contains(&code), "{code}: {codes:?}");
    }
    // A's 10% of 5,000,000.00, on the 40% that sells through: 200,000.00, not 12M.
    assert_eq!(money(d, "limit"), "200000.00");
    // Selling 40% outside its territory: no top-grade privilege, 15% instead of 20%.
    let d = decision(&all, "S09");
    assert_eq!(
        (d["base_grade"].as_str(), d["grade"].as_str()),
        (Some("AAA"), Some("AA"))
    );
    assert!(reason_codes(d).contains(&"channel_sign"));
    assert_eq!(money(d, "limit"), "750000.00");
}

#[test]
fn an_empty_receivable_balance_is_unknown_held_and_never_released() {
    let all = decisions();
    let d = decision(&all, "S10");
    assert_eq!(d["exposure"], Value::Null);
    assert_eq!(d["available"], Value::Null);
    assert_eq!(actions(d), ["hold"]);
    assert_eq!(reason_codes(d)[0], "exposure_unknown");
    let (outcome, code, _) = order("S10", "1000.00");
    assert_eq!(
        (outcome.as_str(), code.as_str()),
        ("hold", "hold_exposure_unknown")
    );
}

#[test]
fn character_comes_first_late_payers_get_no_line_whatever_their_balance_sheet() {
    let all = decisions();
    let d = decision(&all, "S11");
    assert_eq!(d["base_grade"], "A");
    assert_eq!(d["grade"], "BB");
    assert!(reason_codes(d).contains(&"poor_payment"));
    assert_eq!(money(d, "unsecured_line"), "0.00");
}

#[test]
fn no_statements_or_no_sales_get_no_line() {
    let all = decisions();
    let d = decision(&all, "S12");
    assert!(actions(d).contains(&"require_collateral"));
    assert!(reason_codes(d).contains(&"no_statements"));
    assert_eq!(money(d, "unsecured_line"), "0.00");
    let d = decision(&all, "S13");
    assert_eq!(
        d["grade"], "BB",
        "no sales says nothing good about capacity"
    );
    assert!(reason_codes(d).contains(&"no_sales"));
    assert!(reason_codes(d).contains(&"zero_denominator"));
    assert_eq!(money(d, "limit"), "0.00");
    assert!(actions(d).contains(&"hold"), "money owed against no line");
}

#[test]
fn a_score_of_c_is_put_up_for_termination_review() {
    let all = decisions();
    let d = decision(&all, "S14");
    assert_eq!(d["base_grade"], "C");
    assert!(actions(d).contains(&"review_due"));
    assert!(
        !actions(d).contains(&"terminate"),
        "a review, not a decision"
    );
    assert!(reason_codes(d).contains(&"termination_review"));
    // Due now at the latest (grade C's monthly review already fell due on 2026-10-01).
    assert!(d["next_review"].as_str().unwrap() <= SAFE_AS_OF);
}

#[test]
fn a_review_overdue_past_the_grace_holds_new_credit() {
    let all = decisions();
    // A key account reviewed on 2025-01-01: due 2025-07-01, 517 days overdue.
    let d = decision(&all, "S15");
    assert_eq!(actions(d), ["hold", "review_due"]);
    assert_eq!(reason_codes(d)[0], "review_overdue");
    assert_eq!(
        money(d, "limit"),
        "1000000.00",
        "the line stays; new credit waits"
    );
    assert_eq!(order("S15", "1000.00").0, "hold");
}

#[test]
fn the_standard_policy_stops_at_the_line_and_the_approval_policy_allows_five_percent() {
    // Exposure 400,000.00 and an order of 630,000.00: 3% over the line of 1,000,000.00.
    let (outcome, code, _) = order("S16", "630000.00");
    assert_eq!((outcome.as_str(), code.as_str()), ("hold", "over_line"));
    let r = run(credit_policy()
        .args([
            "order",
            "--as-of",
            SAFE_AS_OF,
            "--policy",
            "policies/approval",
        ])
        .args([
            "--client",
            "S16",
            "--amount",
            "630000.00",
            "--format",
            "json",
            CLIENTS,
        ]))
    .expect_code(EXIT_NOT_RELEASED);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["outcome"], "release_with_approval");
    assert_eq!(j["approver"], "credit manager");
}

#[test]
fn security_supports_a_line_where_the_grade_gives_none() {
    let all = decisions();
    // BB (pays late) with collateral of 1,000,000.00 at 50%: 500,000.00 to buy against.
    let d = decision(&all, "S17");
    assert_eq!(d["grade"], "BB");
    assert_eq!(
        (
            money(d, "unsecured_line"),
            money(d, "secured_cover"),
            money(d, "limit")
        ),
        ("0.00".into(), "500000.00".into(), "500000.00".into())
    );
    assert!(!actions(d).contains(&"hold"));
    assert_eq!(order("S17", "350000.00").0, "release");
    assert_eq!(order("S17", "350000.01").0, "hold");
    // A cash deposit counts in full.
    let d = decision(&all, "S24");
    assert_eq!(money(d, "secured_cover"), "200000.00");
    assert_eq!(order("S24", "50000.00").0, "release");
    assert_eq!(order("S24", "50000.01").0, "hold");
}

#[test]
fn the_line_is_never_more_than_asked_and_a_seasonal_line_counts_only_while_it_runs() {
    let all = decisions();
    let d = decision(&all, "S18");
    assert_eq!(money(d, "limit"), "300000.00");
    assert_eq!(money(d, "unsecured_line"), "1000000.00");
    assert!(reason_codes(d).contains(&"requested_line"));
    // A: 500,000.00, plus 200,000.00 until 2027-01-31 (the ceiling is 750,000.00).
    let d = decision(&all, "S19");
    assert_eq!(money(d, "limit"), "700000.00");
    assert_eq!(d["temporary_line"]["amount"], "200000.00");
    assert_eq!(d["temporary_line"]["until"], "2027-01-31");
    let d = decision(&all, "S20");
    assert_eq!(money(d, "limit"), "500000.00");
    assert!(reason_codes(d).contains(&"temporary_line_expired"));
}

#[test]
fn a_failing_member_puts_the_rest_of_its_group_on_watch() {
    let all = decisions();
    assert!(actions(decision(&all, "S21")).contains(&"terminate"));
    let d = decision(&all, "S22");
    assert_eq!(actions(d), ["watch"]);
    assert_eq!(reason_codes(d)[0], "group_member_terminating");
    assert_eq!(order("S21", "1000.00").0, "prepay_only");
}

#[test]
fn money_more_than_30_days_overdue_holds_new_credit() {
    let all = decisions();
    let d = decision(&all, "S23");
    assert_eq!(actions(d), ["hold"]);
    assert_eq!(reason_codes(d)[0], "overdue_over_30");
    assert_eq!(order("S23", "1000.00").0, "hold");
}

#[test]
fn diff_names_the_safety_settings_that_moved() {
    // Exit 1: the policies differ, as with `diff`.
    let r = run(credit_policy().args(["diff", STANDARD, "policies/conservative"]))
        .expect_code(EXIT_REJECTS);
    for line in [
        "  security.insured_limit: 90% -> 80%",
        "  security.collateral_value: 50% -> 40%",
        "  review.grace_days: 30 days -> 15 days",
        "  params.min_on_time_ratio: 0.8 -> 0.85",
    ] {
        assert!(
            r.stdout.lines().any(|l| l == line),
            "`{line}` not in:\n{}",
            r.stdout
        );
    }
}
