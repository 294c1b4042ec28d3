//! The audit trail: `evaluate --log` appends one record per decision, and `replay` decides
//! every logged client again and says what would now come out differently, and why.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

const CLIENTS: &str = "tests/fixtures/good/clients.csv";

/// Runs `evaluate --log LOG` on the fixture clients and returns the log's records.
fn logged(policy: &Path, log: &Path) -> Vec<Value> {
    evaluate_with(
        policy,
        &[
            "--log",
            log.to_str().expect("utf-8"),
            "--format",
            "jsonl",
            CLIENTS,
        ],
    )
    .expect_code(EXIT_OK);
    parse_jsonl(&std::fs::read_to_string(log).expect("the log"))
}

fn replay(policy: &Path, log: &Path) -> Run {
    run(credit_policy()
        .arg("replay")
        .arg(log)
        .arg("--policy")
        .arg(policy))
}

#[test]
fn every_decision_is_logged_with_its_policy_context_fields_and_hash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("audit.jsonl");
    let records = logged(Path::new(STANDARD), &log);
    let decisions = parse_jsonl(
        &evaluate(&["--format", "jsonl", CLIENTS])
            .expect_code(EXIT_OK)
            .stdout,
    );
    assert_eq!(records.len(), decisions.len());
    for (r, d) in records.iter().zip(&decisions) {
        for field in [
            "at",
            "engine",
            "policy",
            "context",
            "input_hash",
            "client",
            "decision",
        ] {
            assert!(r.get(field).is_some(), "record without `{field}`: {r}");
        }
        assert_eq!(r["client"]["id"], d["id"]);
        assert_eq!(r["decision"]["grade"], d["grade"]);
        assert_eq!(r["decision"]["limit"], d["limit"]);
        assert_eq!(r["policy"], d["policy"]);
        assert_eq!(r["context"]["as_of"], AS_OF);
        assert!(
            r["input_hash"]
                .as_str()
                .expect("a hash")
                .starts_with("sha256:")
        );
    }
    // Appends: a second run doubles the log.
    let again = logged(Path::new(STANDARD), &log);
    assert_eq!(again.len(), 2 * decisions.len());
}

#[test]
fn replay_under_the_same_policy_finds_nothing_moved() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("audit.jsonl");
    let n = logged(Path::new(STANDARD), &log).len();
    let run = replay(Path::new(STANDARD), &log).expect_code(EXIT_OK);
    assert!(
        run.stdout
            .contains(&format!("{n} logged decisions replayed")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{n} the same, 0 moved")),
        "{}",
        run.stdout
    );
}

#[test]
fn replay_after_a_policy_edit_names_what_moved_and_that_the_policy_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("audit.jsonl");
    let records = logged(Path::new(STANDARD), &log);
    let (_tmp, policy) = copy_standard();
    // The fixture's A client (G003) was never reviewed, so it has no unsecured line to move:
    // change the AAA line, which G001 has.
    edit_in_table(
        &policy.join("policy.toml"),
        "[limits]",
        "AAA = 20",
        "AAA = 18",
    );
    let run = replay(&policy, &log).expect_code(EXIT_REJECTS);
    let graded_aaa: Vec<&str> = records
        .iter()
        .filter(|r| r["decision"]["grade"] == "AAA" && r["decision"]["unsecured_line"] != "0.00")
        .map(|r| r["client"]["id"].as_str().expect("an id"))
        .collect();
    assert!(
        !graded_aaa.is_empty(),
        "the fixture has a client graded AAA"
    );
    for id in &graded_aaa {
        assert!(
            run.stdout.contains(&format!("client `{id}`: ")),
            "{id} not reported:\n{}",
            run.stdout
        );
    }
    // 18% of 2345678 = 422222.04, down to 422000; the secured cover 200000 stays.
    assert!(
        run.stdout
            .contains("limit 669000.00 -> 622000.00, unsecured_line 469000.00 -> 422000.00"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(": 4 the same, 1 moved") && graded_aaa == ["G001"],
        "only G001 moves:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("why: policy changed: standard"),
        "{}",
        run.stdout
    );
}

#[test]
fn replay_says_when_the_logged_fields_no_longer_match_their_hash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("audit.jsonl");
    let records = logged(Path::new(STANDARD), &log);
    // Change one client's sales in the log, as a careless hand might.
    let mut first = records[0].clone();
    let id = first["client"]["id"].as_str().expect("an id").to_string();
    first["client"]["annual_sales"] = Value::String("1.00".into());
    let mut text: Vec<String> = records.iter().skip(1).map(|r| r.to_string()).collect();
    text.insert(0, first.to_string());
    std::fs::write(&log, text.join("\n") + "\n").expect("write log");
    let run = replay(Path::new(STANDARD), &log).expect_code(EXIT_REJECTS);
    assert!(
        run.stdout.contains(&format!("client `{id}`")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("why: input changed"), "{}", run.stdout);
}

#[test]
fn replay_of_a_file_that_is_not_a_log_says_so() {
    let run = replay(Path::new(STANDARD), Path::new(CLIENTS)).expect_code(EXIT_REJECTS);
    assert!(run.stdout.contains("not an audit record"), "{}", run.stdout);
}
