//! One decision behind every command, on `tests/fixtures/group_over/`: a client held because
//! its group is over the group line, although it is within its own line, is held the same way
//! in `evaluate`, `order` (one order and a batch), `review`, `explain`, `compare`, `channel`
//! and `exit`, since they all take their decisions from one run (`credit_policy::run`).
//!
//! The clients, as of 2026-06-30 under the seed policy:
//!
//! | id  | group | line       | exposure   | notes                                               |
//! |-----|-------|------------|------------|-----------------------------------------------------|
//! | H-A | H1    | 100,000.00 | 90,000.00  | within its own line; held: H1 is over; review due soon |
//! | H-B | H1    | 100,000.00 | 150,000.00 | over its own line too                               |
//! | H-C | H1    | 0.00       | 5,000.00   | distress confirmed: terminate                       |
//! | K-A | K1    | 100,000.00 | 50,000.00  | K1 within its line of 150,000.00                    |
//! | K-B | K1    | 50,000.00  | 20,000.00  |                                                     |
//! | N1  |       | 100,000.00 | 90,000.00  | no group: the same figures as H-A, not held         |
//!
//! H1's line is its members' lines added up, 200,000.00; their exposure 245,000.00.

use std::io::Write as _;
use std::process::Stdio;

use serde_json::Value;

use crate::support::*;

const CLIENTS: &str = "tests/fixtures/group_over/clients.csv";
const ORDERS: &str = "tests/fixtures/group_over/orders.csv";
const EXIT_NOT_RELEASED: i32 = 3;

/// `<command> --as-of 2026-06-30 --policy policies/standard <args...>`.
#[track_caller]
fn cli(command: &str, args: &[&str]) -> Run {
    run(credit_policy()
        .arg(command)
        .args(["--as-of", AS_OF, "--policy", STANDARD])
        .args(args))
}

#[track_caller]
fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// `evaluate`'s decisions, the reference every other command must agree with.
fn evaluated() -> Vec<Value> {
    evaluate(&["--format", "json", CLIENTS])
        .expect_code(EXIT_OK)
        .json()
}

fn codes(reasons: &Value) -> Vec<&str> {
    reasons
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect()
}

/// A copy of the seed policy without `[groups]`.
fn standard_without_groups() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    edit(&toml, "[groups]\nmax_percent_of_sales = 15", "# no groups");
    edit(&toml, "watch_when_member_terminates = true", "");
    (tmp, policy)
}

#[test]
fn evaluate_holds_the_member_within_its_own_line() {
    let decisions = evaluated();
    let a = decision(&decisions, "H-A");
    assert_eq!(a["available"], "10000.00", "within its own line");
    // Held for its group, and watched because H-C, of the same owner, is being terminated.
    assert_eq!(actions(a), ["hold", "watch"]);
    assert_eq!(reason_codes(a)[0], "group_over_limit");
    assert!(reason_codes(a).contains(&"group_member_terminating"));
    assert_eq!(a["group"]["over"], true);
    let n = decision(&decisions, "N1");
    assert!(
        actions(n).is_empty(),
        "the same figures without a group: {:?}",
        actions(n)
    );
}

#[test]
fn an_order_of_the_member_is_checked_against_its_group_held_decision() {
    let o = json(&cli(
        "order",
        &[
            "--client", "H-A", "--amount", "1000", "--format", "json", CLIENTS,
        ],
    ));
    // The order's own reason first, then the decision's as `evaluate` gives them.
    let decisions = evaluated();
    let mut expected = vec![codes(&o["reasons"])[0]];
    expected.extend(
        reason_codes(decision(&decisions, "H-A"))
            .into_iter()
            .filter(|c| *c != "score"),
    );
    assert_eq!(codes(&o["reasons"]), expected);
    assert!(codes(&o["reasons"]).contains(&"group_over_limit"), "{o}");
    // Without the group the same figures carry no group reason.
    let n = json(&cli(
        "order",
        &[
            "--client", "N1", "--amount", "1000", "--format", "json", CLIENTS,
        ],
    ));
    assert!(!codes(&n["reasons"]).contains(&"group_over_limit"), "{n}");
}

/// The order rules (`control::order::check`) release an order that fits the client's own
/// line whatever the decision's `hold`; the rewrite of the order rules (issue 9) checks the
/// group's headroom too. The decision handed to them already carries the group hold (see
/// the test above).
#[test]

fn an_order_of_a_member_of_a_group_over_its_line_is_not_released() {
    let r = cli(
        "order",
        &[
            "--client", "H-A", "--amount", "1000", "--format", "json", CLIENTS,
        ],
    )
    .expect_code(EXIT_NOT_RELEASED);
    assert_ne!(json(&r)["outcome"], "release");
}

#[test]
fn a_batch_for_two_members_of_one_group_carries_the_group_hold_for_both() {
    let r = cli("order", &["--orders", ORDERS, "--format", "json", CLIENTS])
        .expect_code(EXIT_NOT_RELEASED);
    let lines = json(&r);
    let line = |id: &str| -> &Value {
        lines
            .as_array()
            .expect("a list")
            .iter()
            .find(|l| l["client"] == id)
            .unwrap_or_else(|| panic!("no order for {id}"))
    };
    for id in ["H-A", "H-B"] {
        assert!(
            codes(&line(id)["reasons"]).contains(&"group_over_limit"),
            "{id}: {}",
            line(id)
        );
    }
    assert_eq!(line("H-B")["outcome"], "hold", "over its own line");
    assert!(!codes(&line("N1")["reasons"]).contains(&"group_over_limit"));
    // The table says the same.
    let table = cli("order", &["--orders", ORDERS, CLIENTS]).expect_code(EXIT_NOT_RELEASED);
    assert!(table.stdout.contains("line 3 H-B: "), "{}", table.stdout);
}

#[test]
fn standard_input_is_kept_for_the_group_pass_of_an_order() {
    let mut child = credit_policy()
        .args(["order", "--as-of", AS_OF, "--policy", STANDARD])
        .args([
            "--client", "H-A", "--amount", "1000", "--format", "json", "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let text = std::fs::read(std::path::Path::new(ROOT).join(CLIENTS)).expect("fixture");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&text)
        .expect("write stdin");
    let out = child.wait_with_output().expect("the binary ends");
    let o: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(codes(&o["reasons"]).contains(&"group_over_limit"), "{o}");
}

#[test]
fn review_shows_the_group_hold_as_a_sign() {
    let agenda = json(&cli("review", &["--format", "json", CLIENTS]).expect_code(EXIT_OK));
    let item = |id: &str| -> &Value {
        agenda["clients"]
            .as_array()
            .expect("clients")
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} not on the agenda"))
    };
    let signs = &item("H-A")["signs"];
    assert_eq!(
        codes(signs),
        ["group_over_limit", "group_member_terminating"]
    );
    assert_eq!(signs[0]["action"], "hold");
    assert_eq!(
        signs[0]["text"],
        reason_text(decision(&evaluated(), "H-A"), "group_over_limit")
    );
    assert!(codes(&item("N1")["signs"]).is_empty());
    let table = cli("review", &[CLIENTS]).expect_code(EXIT_OK);
    assert!(
        table
            .stdout
            .contains("  H-A group_over_limit (hold): group H1: exposure 245000.00"),
        "{}",
        table.stdout
    );
}

#[test]
fn explain_shows_the_decision_evaluate_makes() {
    let x = json(
        &cli("explain", &["--client", "H-A", "--format", "json", CLIENTS]).expect_code(EXIT_OK),
    );
    let decisions = evaluated();
    let d = decision(&decisions, "H-A");
    assert_eq!(x["actions"], d["actions"]);
    assert_eq!(codes(&x["reasons"]), reason_codes(d));
    let text = cli("explain", &["--client", "H-A", CLIENTS]).expect_code(EXIT_OK);
    assert!(
        text.stdout.contains("actions: hold, watch"),
        "{}",
        text.stdout
    );
}

#[test]
fn compare_applies_each_sides_group_lines() {
    // The same policy on both sides: the group hold is on both.
    let same = json(
        &run(credit_policy()
            .args([
                "compare", "--as-of", AS_OF, "--a", STANDARD, "--b", STANDARD,
            ])
            .args(["--format", "json", CLIENTS]))
        .expect_code(EXIT_OK),
    );
    let held = evaluated()
        .iter()
        .filter(|d| actions(d).contains(&"hold"))
        .count();
    assert_eq!(same["hold_a"]["clients"], held as u64);
    assert_eq!(same["hold_b"]["clients"], held as u64);
    // B without group lines releases the member held only for its group (H-B is over its
    // own line, H-C is being terminated).
    let (_tmp, none) = standard_without_groups();
    let r = run(credit_policy()
        .args(["compare", "--as-of", AS_OF, "--a", STANDARD, "--b"])
        .arg(&none)
        .args(["--format", "json", CLIENTS]))
    .expect_code(EXIT_OK);
    let report = json(&r);
    assert_eq!(report["actions"]["released"], serde_json::json!(["H-A"]));
    let changed = report["changed"]
        .as_array()
        .expect("changed")
        .iter()
        .find(|c| c["id"] == "H-A")
        .expect("H-A changed");
    assert_eq!(changed["actions_a"], serde_json::json!(["hold", "watch"]));
    assert_eq!(changed["actions_b"], serde_json::json!([]));
}

#[test]
fn channel_and_exit_act_on_the_decisions_evaluate_makes() {
    let decisions = evaluated();
    let screen = json(&cli("channel", &["--format", "json", CLIENTS]).expect_code(EXIT_OK));
    let screened = screen["clients"].as_array().expect("clients");
    assert_eq!(screened.len(), decisions.len());
    for c in screened {
        let d = decision(&decisions, c["id"].as_str().expect("id"));
        assert_eq!(c["grade"], d["grade"], "{}", c["id"]);
        assert_eq!(c["watch"], actions(d).contains(&"watch"), "{}", c["id"]);
    }
    let plans = json(&cli("exit", &["--format", "json", CLIENTS]).expect_code(EXIT_OK));
    let planned: Vec<&str> = plans["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    let terminated: Vec<&str> = decisions
        .iter()
        .filter(|d| actions(d).contains(&"terminate"))
        .map(|d| d["id"].as_str().expect("id"))
        .collect();
    assert_eq!(planned, terminated);
    assert_eq!(planned, ["H-C"]);
}
