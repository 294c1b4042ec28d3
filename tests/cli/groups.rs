//! Group (parent) lines and the outlook, on `tests/fixtures/groups/`, as of 2026-06-30.
//!
//! `clients.csv` uses two profiles of `tests/fixtures/grades/`: grade A (score 75.50, a line
//! of 10% of annual sales) and AAA (score 100, 20%), every client last reviewed 2026-01-15:
//! * G1: two A members with sales of 1,000,000 (lines 100,000 each): exposure 90,000 (within
//!   its own line) and 150,000 (over it). Group line 200,000, exposure 240,000: over by 40,000.
//! * G2: two A members, lines 100,000 and 50,000, exposure 70,000: within its line of 150,000.
//! * G3: two AAA members with sales of 1,000,000 (unsecured lines 200,000 each, 400,000
//!   together; each also has a secured cover of 200,000), held to 15% of their 2,000,000 of
//!   sales: a group line of 300,000 against exposure 330,000.
//!
//! Nothing is on order (`open_orders` 0: an empty cell would be an unknown exposure).
//! * N1: no group.
//!
//! `outlook.csv` has six A clients with a previous grade; `rejected.csv` a group whose rows are
//! all rejected and one with one member left.

use std::io::Write;
use std::process::Stdio;

use serde_json::{Value, json};

use crate::support::*;

const CLIENTS: &str = "tests/fixtures/groups/clients.csv";
const REJECTED: &str = "tests/fixtures/groups/rejected.csv";
const OUTLOOK: &str = "tests/fixtures/groups/outlook.csv";
const BAD_PREVIOUS: &str = "tests/fixtures/groups/bad_previous_grade.csv";

fn json_of(run: Run) -> Vec<Value> {
    run.expect_code(EXIT_OK).json()
}

/// The decisions without their `group` objects, to compare with a run that checks no groups.
fn without_group(decisions: &[Value]) -> Vec<Value> {
    decisions
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.as_object_mut().expect("an object").remove("group");
            d
        })
        .collect()
}

/// A copy of the seed policy without its `[groups]` table (every key of it, up to the next
/// table or the end of the file).
fn standard_without_groups() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    let text = std::fs::read_to_string(&toml).expect("policy.toml");
    let start = text.find("\n[groups]\n").expect("the seed has [groups]") + 1;
    let end = text[start + 1..]
        .find("\n[")
        .map_or(text.len(), |i| start + 1 + i + 1);
    let table = &text[start..end];
    assert!(table.contains("max_percent_of_sales = 15"), "{table}");
    std::fs::write(&toml, format!("{}{}", &text[..start], &text[end..])).expect("write");
    (tmp, policy)
}

#[test]
fn a_member_within_its_own_line_is_held_when_its_group_is_over() {
    let decisions = json_of(evaluate(&["--format", "json", CLIENTS]));
    let within = decision(&decisions, "G1-A");
    assert_eq!(within["limit"], "100000.00");
    assert_eq!(within["available"], "10000.00", "within its own line");
    assert_eq!(actions(within), ["hold"]);
    assert_eq!(
        within["group"],
        json!({"id": "G1", "line": "200000.00", "exposure": "240000.00", "over": true})
    );
    assert_eq!(reason_codes(within), ["group_over_limit", "score"]);
    assert_eq!(
        reason_text(within, "group_over_limit"),
        "group G1: exposure 240000.00 exceeds the group line 200000.00 (the members' lines added up) by 40000.00: stop shipping to every member until the group is paid down"
    );
    // The member over its own line is held for both.
    let over = decision(&decisions, "G1-B");
    assert_eq!(actions(over), ["hold"]);
    assert_eq!(
        reason_codes(over),
        ["over_limit", "group_over_limit", "score"]
    );
    // A client without a group has no group object and is not checked.
    let alone = decision(&decisions, "N1");
    assert!(alone.get("group").is_none(), "{alone}");
    assert_eq!(actions(alone), Vec::<&str>::new());
}

#[test]
fn a_group_within_its_line_changes_nothing() {
    let with = json_of(evaluate(&["--format", "json", CLIENTS]));
    let (_tmp, policy) = standard_without_groups();
    let without = json_of(evaluate_with(&policy, &["--format", "json", CLIENTS]));
    // Without `[groups]` no group is checked: the members within their own lines ship.
    for id in ["G1-A", "G3-A", "G3-B"] {
        assert_eq!(actions(decision(&with, id)), ["hold"], "{id}");
        let d = decision(&without, id);
        assert_eq!(actions(d), Vec::<&str>::new(), "{id}");
        assert!(d.get("group").is_none(), "{id}");
    }
    for id in ["G2-A", "G2-B"] {
        let d = decision(&with, id);
        assert_eq!(d["group"]["over"], false);
        assert_eq!(d["group"]["line"], "150000.00");
        assert_eq!(d["group"]["exposure"], "70000.00");
    }
    // Apart from the group object, G2 and N1 are decided exactly as without groups.
    let pick = |ds: &[Value]| -> Vec<Value> {
        without_group(ds)
            .into_iter()
            .filter(|d| ["G2-A", "G2-B", "N1"].contains(&d["id"].as_str().expect("id")))
            .map(|mut d| {
                d.as_object_mut().expect("object").remove("policy");
                d
            })
            .collect()
    };
    assert_eq!(pick(&with), pick(&without));
}

#[test]
fn the_group_line_is_held_to_a_share_of_the_members_sales() {
    let decisions = json_of(evaluate(&["--format", "json", CLIENTS]));
    for id in ["G3-A", "G3-B"] {
        let d = decision(&decisions, id);
        // 20% of 1,000,000, unsecured: no security to add (the group caps hold unsecured
        // lines; a member's own security would come on top).
        assert_eq!(
            (&d["unsecured_line"], &d["secured_cover"], &d["limit"]),
            (&json!("200000.00"), &json!("0.00"), &json!("200000.00"))
        );
        assert!(
            !d["available"].as_str().expect("available").starts_with('-'),
            "{id} is within its own line"
        );
        assert_eq!(actions(d), ["hold"], "{id}");
        assert_eq!(
            d["group"],
            json!({"id": "G3", "line": "300000.00", "exposure": "330000.00", "over": true})
        );
        assert_eq!(
            reason_text(d, "group_over_limit"),
            "group G3: exposure 330000.00 exceeds the group line 300000.00 (15% of the members' combined annual sales of 2000000.00) by 30000.00: stop shipping to every member until the group is paid down"
        );
    }
}

#[test]
fn the_group_line_is_held_to_the_maximum_amount() {
    let (_tmp, policy) = copy_standard();
    edit(
        &policy.join("policy.toml"),
        "# max_amount = 5000000 ",
        "max_amount = 60000     ",
    );
    let decisions = json_of(evaluate_with(&policy, &["--format", "json", CLIENTS]));
    for id in ["G2-A", "G2-B"] {
        let d = decision(&decisions, id);
        assert_eq!(actions(d), ["hold"], "{id}");
        assert_eq!(
            d["group"],
            json!({"id": "G2", "line": "60000.00", "exposure": "70000.00", "over": true})
        );
        assert_eq!(
            reason_text(d, "group_over_limit"),
            "group G2: exposure 70000.00 exceeds the group line 60000.00 (the most any group may have) by 10000.00: stop shipping to every member until the group is paid down"
        );
    }
    assert_eq!(decision(&decisions, "G3-A")["group"]["line"], "60000.00");
}

#[test]
fn the_table_reports_the_groups_after_the_clients() {
    let run = evaluate(&["--format", "table", CLIENTS]).expect_code(EXIT_OK);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let summary = lines
        .iter()
        .position(|l| l.starts_with("7 clients"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    let header = lines
        .iter()
        .position(|l| l.trim_start().starts_with("group "))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(header > summary, "groups come after the clients");
    let cells = |id: &str| -> Vec<String> {
        let row = lines[header..]
            .iter()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("no row for {id} in\n{}", run.stdout));
        row.split("   ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(
        lines[header].split_whitespace().take(5).collect::<Vec<_>>(),
        ["group", "members", "line", "exposure", "over"]
    );
    assert_eq!(
        cells("G1")[..5],
        ["G1", "2", "200,000.00", "240,000.00", "40,000.00"]
    );
    assert_eq!(cells("G2")[..4], ["G2", "2", "150,000.00", "70,000.00"]);
    assert_eq!(cells("G2")[4], "the members' lines added up", "not over");
    assert!(
        run.stdout
            .contains("3 group(s) (2 over the group line, every member on hold); amounts in CNY"),
        "{}",
        run.stdout
    );
    assert!(
        lines
            .last()
            .expect("a last line")
            .starts_with("policy standard")
    );
}

#[test]
fn a_group_whose_members_are_all_rejected_is_still_reported_with_nothing() {
    let run = evaluate(&["--format", "table", REJECTED]).expect_code(EXIT_REJECTS);
    let row = |id: &str| -> String {
        run.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("no row for {id} in\n{}", run.stdout))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        row("G4").starts_with("G4 0 (+2 rejected) 0.00 0.00 the members' lines added up"),
        "{}",
        row("G4")
    );
    assert!(
        row("G5").starts_with("G5 1 (+1 rejected) 100,000.00 50,000.00 the members'"),
        "{}",
        row("G5")
    );
    assert!(
        run.stderr
            .contains("rejected: line 2 (id `G4-A`): annual_sales")
    );
    assert!(
        run.stderr
            .contains("1 client(s) decided, 3 row(s) rejected")
    );
    // In JSON the one member left carries its group; the rejects are listed once.
    let run = evaluate(&["--format", "json", REJECTED]).expect_code(EXIT_REJECTS);
    assert_eq!(
        run.json()[0]["group"],
        json!({"id": "G5", "line": "100000.00", "exposure": "50000.00", "over": false})
    );
    assert_eq!(run.stderr.matches("rejected: line").count(), 3);
}

#[test]
fn standard_input_is_kept_to_be_read_twice() {
    let from_file = evaluate(&["--format", "jsonl", CLIENTS]).expect_code(EXIT_OK);
    let mut child = credit_policy()
        .args(["evaluate", "--as-of", AS_OF, "--policy", STANDARD])
        .args(["--format", "jsonl", "-"])
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
    assert_eq!(out.status.code(), Some(EXIT_OK));
    assert_eq!(
        String::from_utf8(out.stdout).expect("UTF-8"),
        from_file.stdout
    );
    assert!(from_file.stdout.contains("\"group_over_limit\""));
}

#[test]
fn the_csv_has_the_outlook_and_the_group() {
    let run = evaluate(&["--format", "csv", CLIENTS]).expect_code(EXIT_OK);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no `{name}` in {header:?}"))
    };
    assert_eq!(at("outlook"), at("next_review") + 1);
    assert_eq!(at("notch_change"), at("outlook") + 1);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    let g1a = &rows[0];
    assert_eq!(
        [
            at("group"),
            at("group_line"),
            at("group_exposure"),
            at("group_over")
        ]
        .map(|i| &g1a[i]),
        ["G1", "200000.00", "240000.00", "true"]
    );
    assert_eq!([&g1a[at("outlook")], &g1a[at("notch_change")]], ["", ""]);
    let n1 = &rows[6];
    assert_eq!(&n1[at("group")], "");
}

#[test]
fn a_previous_grade_gives_the_outlook_and_the_notch_change() {
    let decisions = json_of(evaluate(&["--format", "json", OUTLOOK]));
    let seen: Vec<(&str, &Value, &Value)> = decisions
        .iter()
        .map(|d| {
            (
                d["id"].as_str().expect("id"),
                &d["outlook"],
                &d["notch_change"],
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("O-DOWN2", &json!("negative"), &json!(-2)),
            ("O-DOWN1", &json!("negative"), &json!(-1)),
            ("O-STABLE", &json!("stable"), &json!(0)),
            ("O-UP", &json!("positive"), &json!(1)),
            ("O-NONE", &Value::Null, &Value::Null),
            ("O-KEY", &json!("negative"), &json!(-2)),
        ]
    );
    let none = decision(&decisions, "O-NONE");
    assert!(none.get("outlook").is_none() && none.get("notch_change").is_none());
    // The outlook comes right after the next review, as written.
    let written = evaluate(&["--format", "jsonl", OUTLOOK]).expect_code(EXIT_OK);
    let up = written
        .stdout
        .lines()
        .find(|l| l.contains("\"O-UP\""))
        .expect("O-UP");
    assert!(
        up.contains(
            r#""next_review":"2027-01-15","outlook":"positive","notch_change":1,"reasons""#
        ),
        "{up}"
    );
    assert_eq!(
        reason_text(decision(&decisions, "O-UP"), "outlook"),
        "up 1 notch(es) from the previous grade (BBB -> A): outlook positive"
    );
    // The table shows it compactly.
    let table = evaluate(&["--format", "table", OUTLOOK]).expect_code(EXIT_OK);
    let row = |id: &str| -> Vec<&str> {
        table
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("no {id}"))
            .split_whitespace()
            .collect()
    };
    assert!(row("O-DOWN2").contains(&"-2"));
    assert!(row("O-STABLE").contains(&"="));
    assert!(row("O-UP").contains(&"+1"));
    assert!(
        !row("O-NONE")
            .iter()
            .any(|c| ["=", "+1", "-1", "-2"].contains(c))
    );
}

#[test]
fn a_fall_of_two_notches_brings_the_next_review_within_three_months() {
    let decisions = json_of(evaluate(&["--format", "json", OUTLOOK]));
    let down2 = decision(&decisions, "O-DOWN2");
    assert_eq!(down2["next_review"], "2026-09-30", "as of + 3 months");
    assert_eq!(
        reason_text(down2, "review_after_downgrade"),
        "down 2 notch(es) from the previous grade (AAA -> A): review by 2026-09-30 instead of 2027-01-15; a fall of 2 or more notches is reviewed within 3 months"
    );
    assert!(!actions(down2).contains(&"review_due"));
    for (id, next) in [
        ("O-DOWN1", "2027-01-15"),
        ("O-STABLE", "2027-01-15"),
        ("O-UP", "2027-01-15"),
        ("O-NONE", "2027-01-15"),
        // A key account's usual date, 2026-07-15, comes first and stays.
        ("O-KEY", "2026-07-15"),
    ] {
        let d = decision(&decisions, id);
        assert_eq!(d["next_review"], next, "{id}");
        assert!(!reason_codes(d).contains(&"review_after_downgrade"), "{id}");
    }
    // The conservative policy brings it forward after one notch.
    let conservative = json_of(evaluate_with(
        std::path::Path::new("policies/conservative"),
        &["--format", "json", OUTLOOK],
    ));
    let d = decision(&conservative, "O-DOWN1");
    assert_eq!(d["notch_change"], -1);
    assert_eq!(d["next_review"], "2026-09-30");
    assert_eq!(decision(&conservative, "O-UP")["next_review"], "2027-01-15");
}

#[test]
fn a_bad_previous_grade_is_a_reject_naming_the_field() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let rejects = tmp.path().join("rejects.jsonl");
    let run = evaluate(&[
        "--format",
        "jsonl",
        "--rejects",
        rejects.to_str().expect("UTF-8 path"),
        BAD_PREVIOUS,
    ])
    .expect_code(EXIT_REJECTS);
    assert_eq!(ids(&run.jsonl()), ["P-OK"]);
    let listed = parse_jsonl(&std::fs::read_to_string(&rejects).expect("rejects file"));
    assert_eq!(
        listed,
        [
            json!({"line": 3, "id": "P-BAD", "field": "previous_grade",
                   "reason": "`AAB` is not a grade; use one of AAA, AA, A, BBB, BB, B, CCC, CC, C"}),
            json!({"line": 4, "id": "P-LOWER", "field": "previous_grade",
                   "reason": "`bbb` is not a grade; grades are written in capitals: `BBB`"}),
        ]
    );
}

#[test]
fn the_policy_checks_and_diffs_the_new_tables() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    edit_in_table(
        &toml,
        "[review.after_downgrade]",
        "notches = 2 ",
        "notches = 0 ",
    );
    edit_in_table(
        &toml,
        "[review.after_downgrade]",
        "months = 3  ",
        "months = 121",
    );
    edit_in_table(
        &toml,
        "[groups]",
        "max_percent_of_sales = 15",
        "max_percent_of_sales = 0 ",
    );
    let checked = run(credit_policy().arg("check").arg(&policy)).expect_code(EXIT_ERROR);
    for (needle, skip, words) in [
        (
            "notches = 0 ",
            "notches = ".len(),
            "`review.after_downgrade.notches` is 0; a fall of 1 to 8 notches is possible on the nine-grade scale",
        ),
        (
            "months = 121",
            "months = ".len(),
            "`review.after_downgrade.months` is 121; use 1 to 120",
        ),
        (
            "max_percent_of_sales = 0 ",
            "max_percent_of_sales = ".len(),
            "`groups.max_percent_of_sales` is 0; it must be more than 0 and at most 100",
        ),
    ] {
        let at = location(&toml, needle, skip);
        assert!(
            checked.stderr.lines().any(|l| l == format!("{at}:")),
            "`{at}` not in:\n{}",
            checked.stderr
        );
        assert!(
            checked.stderr.contains(words),
            "`{words}` not in:\n{}",
            checked.stderr
        );
    }

    let (_tmp2, new) = copy_standard();
    let toml = new.join("policy.toml");
    edit_in_table(
        &toml,
        "[review.after_downgrade]",
        "notches = 2 ",
        "notches = 1 ",
    );
    edit(&toml, "# max_amount = 5000000 ", "max_amount = 5000000   ");
    let diff = run(credit_policy().args(["diff", STANDARD]).arg(&new));
    assert!(
        diff.stdout
            .contains("review.after_downgrade.notches: 2 notch(es) -> 1 notch(es)"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout.contains("groups.max_amount: none -> 5000000"),
        "{}",
        diff.stdout
    );
    let (_tmp3, none) = standard_without_groups();
    let diff = run(credit_policy().args(["diff", STANDARD]).arg(&none));
    assert!(
        diff.stdout.contains(
            "group lines removed (were at most 15% of the members' sales, max amount none)"
        ),
        "{}",
        diff.stdout
    );
}

#[test]
fn replay_forms_the_group_lines_again_before_it_checks_a_member() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let log = tmp.path().join("audit.jsonl");
    let log_arg = log.to_str().expect("UTF-8 path");
    evaluate(&["--format", "jsonl", "--log", log_arg, CLIENTS]).expect_code(EXIT_OK);
    let same =
        run(credit_policy().args(["replay", "--policy", STANDARD, log_arg])).expect_code(EXIT_OK);
    assert!(
        same.stdout.contains(": 7 the same, 0 moved, 0 unreadable"),
        "{}",
        same.stdout
    );
    // A group maximum of 60,000 puts G2 over its line: both members move, nobody else.
    let (_tmp, policy) = copy_standard();
    edit(
        &policy.join("policy.toml"),
        "# max_amount = 5000000 ",
        "max_amount = 60000     ",
    );
    let moved = run(credit_policy()
        .args(["replay", "--json", "--policy"])
        .arg(&policy)
        .arg(&log))
    .expect_code(EXIT_REJECTS);
    let report: Value = serde_json::from_str(&moved.stdout).expect("JSON");
    let ids: Vec<&str> = report["moved"]
        .as_array()
        .expect("moved")
        .iter()
        .map(|m| m["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["G1-A", "G1-B", "G2-A", "G2-B", "G3-A", "G3-B"]);
    let g2a = &report["moved"][2]["changes"];
    assert!(
        g2a.as_array()
            .expect("changes")
            .iter()
            .any(|c| c == "actions [] -> [\"hold\"]"),
        "{g2a}"
    );
}
