//! What credit control must do, on `tests/fixtures/actions/`: every client there is the AAA
//! client of the grades fixture (line 469000) with one thing changed, each threshold tried on
//! both sides.

use serde_json::Value;

use crate::support::*;

const ACTIONS: &str = "tests/fixtures/actions/clients.csv";

fn decisions() -> Vec<Value> {
    let d = evaluate(&["--format", "json", ACTIONS])
        .expect_code(EXIT_OK)
        .json();
    assert_eq!(d.len(), 17, "one decision per row");
    d
}

#[test]
fn hold_exactly_when_exposure_is_over_the_line() {
    let all = decisions();
    let at = decision(&all, "H-EQ");
    assert_eq!(
        (
            at["limit"].as_str(),
            at["exposure"].as_str(),
            at["available"].as_str()
        ),
        (Some("469000.00"), Some("469000.00"), Some("0.00"))
    );
    assert_eq!(
        actions(at),
        Vec::<&str>::new(),
        "exposure equal to the line is fine"
    );

    let over = decision(&all, "H-OVER");
    assert_eq!(over["exposure"], "469000.01");
    assert_eq!(over["available"], "-0.01");
    assert_eq!(actions(over), ["hold"]);
    assert_eq!(
        reason_text(over, "over_limit"),
        "exposure 469000.01 exceeds the line 469000.00 by 0.01: stop shipping until it is paid down"
    );
    // Nobody else is on hold but the distressed.
    for d in &all {
        let id = d["id"].as_str().expect("id");
        let expected = matches!(id, "H-OVER" | "T-DIST" | "T-OWES");
        assert_eq!(actions(d).contains(&"hold"), expected, "{id}");
    }
}

#[test]
fn confirmed_distress_terminates_with_the_exit_steps() {
    let all = decisions();
    for id in ["T-DIST", "T-OWES"] {
        let d = decision(&all, id);
        assert_eq!(actions(d), ["terminate", "hold"], "{id}");
        assert_eq!(d["grade"], "C", "{id}: a failing business is graded C");
        assert_eq!(d["base_grade"], "AAA", "{id}");
        assert_eq!(
            (d["limit"].as_str(), &d["payment_days"]),
            (Some("0.00"), &0.into())
        );
        assert_eq!(
            reason_codes(d)[0],
            "distress_confirmed",
            "{id}: most important first"
        );
        let text = reason_text(d, "distress_confirmed");
        for words in [
            "stop shipping",
            "recover the receivable balance",
            "clear or buy back our goods from its stock",
        ] {
            assert!(text.contains(words), "{id}: `{words}` not in: {text}");
        }
    }
    // T-DIST owes nothing: on hold because trading ends, not because of exposure.
    let quiet = decision(&all, "T-DIST");
    assert_eq!(
        (quiet["exposure"].as_str(), quiet["available"].as_str()),
        (Some("0.00"), Some("0.00"))
    );
    assert!(reason_codes(quiet).contains(&"terminating"));
    assert!(!reason_codes(quiet).contains(&"over_limit"));
    let owes = reason_text(decision(&all, "T-OWES"), "distress_confirmed");
    assert!(owes.contains("88000") && owes.contains("650000"), "{owes}");
    // Nobody else is terminated.
    let terminated: Vec<&str> = all
        .iter()
        .filter(|d| actions(d).contains(&"terminate"))
        .map(|d| d["id"].as_str().expect("id"))
        .collect();
    assert_eq!(terminated, ["T-DIST", "T-OWES"]);
}

#[test]
fn unknown_payment_history_or_review_requires_collateral() {
    let all = decisions();
    let no_pay = decision(&all, "C-NOPAY");
    assert_eq!(actions(no_pay), ["require_collateral"]);
    assert_eq!(reason_codes(no_pay)[0], "no_payment_history");

    let no_review = decision(&all, "C-NOREV");
    assert_eq!(actions(no_review), ["require_collateral", "review_due"]);
    assert_eq!(reason_codes(no_review)[0], "never_reviewed");
    assert_eq!(
        no_review["next_review"], AS_OF,
        "never reviewed: review now"
    );

    let required: Vec<&str> = all
        .iter()
        .filter(|d| actions(d).contains(&"require_collateral"))
        .map(|d| d["id"].as_str().expect("id"))
        .collect();
    assert_eq!(required, ["C-NOPAY", "C-NOREV"]);
}

#[test]
fn channel_warning_signs_put_a_client_on_watch_at_the_thresholds() {
    let all = decisions();
    let cases = [
        ("W-ST-LOW", Some("low_sell_through")), // 599000 / 1000000 < 0.60
        ("W-ST-EDGE", None),                    // exactly 0.60
        ("W-CR-OVER", Some("cross_region")),    // 95001 / 950000 > 0.10
        ("W-CR-EDGE", None),                    // exactly 0.10
        ("W-HR-EDGE", Some("high_risk_investment")), // exactly 0.30
        ("W-HR-LOW", None),                     // 0.29
    ];
    for (id, code) in cases {
        let d = decision(&all, id);
        match code {
            Some(code) => {
                assert_eq!(actions(d), ["watch"], "{id}");
                assert_eq!(reason_codes(d)[0], code, "{id}");
            }
            None => assert_eq!(actions(d), Vec::<&str>::new(), "{id}"),
        }
    }
    let watched: Vec<&str> = all
        .iter()
        .filter(|d| actions(d).contains(&"watch"))
        .map(|d| d["id"].as_str().expect("id"))
        .collect();
    assert_eq!(watched, ["W-ST-LOW", "W-CR-OVER", "W-HR-EDGE"]);
}

#[test]
fn a_review_is_due_twelve_months_after_the_last_or_six_for_key_accounts() {
    let all = decisions();
    // (id, key account, last review, next review, due on 2026-06-30)
    let cases = [
        ("R-DUE", "2025-06-30", "2026-06-30", true),
        ("R-NOT", "2025-07-01", "2026-07-01", false),
        ("K-DUE", "2025-12-30", "2026-06-30", true),
        ("K-NOT", "2026-01-01", "2026-07-01", false),
        ("N-KEY", "2025-12-30", "2026-12-30", false),
        ("H-EQ", "2026-01-15", "2027-01-15", false),
    ];
    for (id, last, next, due) in cases {
        let d = decision(&all, id);
        assert_eq!(d["next_review"], next, "{id}: last review {last}");
        assert_eq!(actions(d).contains(&"review_due"), due, "{id}");
        assert_eq!(actions(d).len(), usize::from(due), "{id}: nothing else");
    }
    assert_eq!(
        reason_text(decision(&all, "K-DUE"), "review_due"),
        "review due since 2026-06-30: last review 2025-12-30, key accounts are reviewed every 6 months"
    );
    assert_eq!(
        reason_text(decision(&all, "R-DUE"), "review_due"),
        "review due since 2026-06-30: last review 2025-06-30, clients are reviewed every 12 months"
    );
}
