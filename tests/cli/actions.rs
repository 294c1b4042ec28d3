//! What credit control must do, on `tests/fixtures/actions/`: every client there is the AAA
//! client of the grades fixture with one thing changed, each threshold tried on both sides. That
//! client's credit line is 669000: the unsecured line 469000 (20% of 2345678, rounded down) plus
//! the secured cover 200000 (its collateral of 400000 at 50%). It owes nothing (receivable
//! balance and open orders 0: an empty cell would be an unknown exposure, which holds).

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
        (Some("669000.00"), Some("669000.00"), Some("0.00"))
    );
    assert_eq!(
        (at["unsecured_line"].as_str(), at["secured_cover"].as_str()),
        (Some("469000.00"), Some("200000.00"))
    );
    assert_eq!(
        actions(at),
        Vec::<&str>::new(),
        "exposure equal to the line is fine"
    );

    let over = decision(&all, "H-OVER");
    assert_eq!(over["exposure"], "669000.01");
    assert_eq!(over["available"], "-0.01");
    assert_eq!(actions(over), ["hold"]);
    assert_eq!(
        reason_text(over, "over_limit"),
        "exposure 669000.01 exceeds the line 669000.00 by 0.01: stop shipping until it is paid down"
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
        // Grade C is reviewed every month: the review of 2026-01-15 was due on 2026-02-15.
        assert_eq!(actions(d), ["terminate", "hold", "review_due"], "{id}");
        assert_eq!(d["next_review"], "2026-02-15", "{id}");
        assert_eq!(d["grade"], "C", "{id}: a failing business is graded C");
        assert_eq!(d["base_grade"], "AAA", "{id}");
        assert_eq!(
            (
                d["limit"].as_str(),
                d["secured_cover"].as_str(),
                &d["payment_days"]
            ),
            (Some("0.00"), Some("0.00"), &0.into()),
            "{id}: nothing on credit under terminate, not even against collateral"
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
    // Until then, no unsecured line: the client buys against its secured cover only
    // (collateral 400000 at 50%).
    for d in [no_pay, no_review] {
        assert_eq!(
            (
                d["unsecured_line"].as_str(),
                d["secured_cover"].as_str(),
                d["limit"].as_str()
            ),
            (Some("0.00"), Some("200000.00"), Some("200000.00")),
            "{d}"
        );
    }
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
    // The leading reason codes of each client on watch: a sign of a fake big client (low
    // sell-through, cross-region sales) also caps the grade at AA, which comes first; a high-risk
    // investment is not such a sign.
    let cases: [(&str, &[&str]); 6] = [
        ("W-ST-LOW", &["channel_sign", "low_sell_through"]), // 599000 / 1000000 < 0.60
        ("W-ST-EDGE", &[]),                                  // exactly 0.60
        ("W-CR-OVER", &["channel_sign", "cross_region"]),    // 95001 / 950000 > 0.10
        ("W-CR-EDGE", &[]),                                  // exactly 0.10
        ("W-HR-EDGE", &["high_risk_investment"]),            // exactly 0.30
        ("W-HR-LOW", &[]),                                   // 0.29
    ];
    for (id, codes) in cases {
        let d = decision(&all, id);
        if codes.is_empty() {
            assert_eq!(actions(d), Vec::<&str>::new(), "{id}");
            assert_eq!(d["grade"], "AAA", "{id}");
        } else {
            assert_eq!(actions(d), ["watch"], "{id}");
            assert_eq!(reason_codes(d)[..codes.len()], *codes, "{id}");
            let capped = codes[0] == "channel_sign";
            assert_eq!(d["grade"], if capped { "AA" } else { "AAA" }, "{id}");
        }
    }
    // Low sell-through also puts the line on what it sells on: AA's 15% of 2345678 is
    // 351851.70, x 0.599 = 210759.17, rounded down to 210000; plus the secured cover 200000.
    let low = decision(&all, "W-ST-LOW");
    assert!(reason_codes(low).contains(&"line_on_sell_out"), "{low}");
    assert_eq!(
        (low["unsecured_line"].as_str(), low["limit"].as_str()),
        (Some("210000.00"), Some("410000.00"))
    );
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
