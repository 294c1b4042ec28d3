//! The audit trail: `evaluate --log` appends one record per decision, and `replay` decides
//! every logged client again and says what would now come out differently, and why. The log is
//! a hash chain: replay verifies it first and names each tampering, by line.

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
        for field in ["context_hash", "parts", "seq", "prev", "hash"] {
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

/// The names replay gives what can be wrong with a chain.
const TAMPERINGS: [&str; 7] = [
    "deleted record",
    "duplicated record",
    "reordered records",
    "edited record",
    "context edited",
    "broken link",
    "not in the chain",
];

/// The tamperings replay reports, as `(line, name)`, from its text.
fn tamperings(stdout: &str) -> Vec<(u64, String)> {
    stdout
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("line ")?;
            let (n, rest) = rest.split_once(": ")?;
            let name = TAMPERINGS
                .iter()
                .find(|t| rest.starts_with(&format!("{t}: ")))?;
            Some((n.parse().ok()?, name.to_string()))
        })
        .collect()
}

/// The log's lines, for a hand to change.
fn lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .expect("the log")
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(log: &Path, lines: &[String]) {
    std::fs::write(log, lines.join("\n") + "\n").expect("write log");
}

/// `line` with the first `"key":"old"` made `"key":"new"`, as a hand would.
fn edit(line: &str, key: &str, new: &str) -> String {
    let v: Value = serde_json::from_str(line).expect("a record");
    let find = |v: &Value| -> Option<String> {
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            if let Some(m) = v.as_object() {
                if let Some(Value::String(s)) = m.get(key) {
                    return Some(s.clone());
                }
                stack.extend(m.values());
            }
        }
        None
    };
    let old = find(&v).unwrap_or_else(|| panic!("no `{key}` in {line}"));
    assert_ne!(old, new);
    let from = format!("\"{key}\":\"{old}\"");
    assert!(line.contains(&from), "{from} not in {line}");
    line.replacen(&from, &format!("\"{key}\":\"{new}\""), 1)
}

#[test]
fn an_untouched_log_verifies_clean() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("audit.jsonl");
    let records = logged(Path::new(STANDARD), &log);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["seq"], i as u64 + 1);
    }
    let run = replay(Path::new(STANDARD), &log).expect_code(EXIT_OK);
    let last = records.last().expect("a record")["hash"]
        .as_str()
        .expect("a hash")
        .to_string();
    assert!(
        run.stdout.contains(&format!(
            "chain: intact: {n} records, last seq {n} hash {last}",
            n = records.len()
        )),
        "{}",
        run.stdout
    );
    assert_eq!(tamperings(&run.stdout), []);
}

#[test]
fn a_second_run_appended_continues_the_chain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("audit.jsonl");
    let n = logged(Path::new(STANDARD), &log).len();
    let both = logged(Path::new(STANDARD), &log);
    assert_eq!(both.len(), 2 * n);
    for (i, r) in both.iter().enumerate() {
        assert_eq!(r["seq"], i as u64 + 1, "{r}");
    }
    let text = lines(&log);
    // The first record of the second run links to the last of the first.
    assert_eq!(
        both[n]["prev"],
        credit_policy::audit::chain::sha256(text[n - 1].as_bytes())
    );
    let run = replay(Path::new(STANDARD), &log).expect_code(EXIT_OK);
    assert!(
        run.stdout
            .contains(&format!("chain: intact: {} records", 2 * n)),
        "{}",
        run.stdout
    );
}

#[test]
fn each_tampering_is_reported_by_name_and_line() {
    type Tamper = fn(&mut Vec<String>);
    let cases: [(&str, Tamper, u64, &str, &str); 8] = [
        (
            "delete a line",
            |l| drop(l.remove(2)),
            3,
            "deleted record",
            "seq 3 is missing",
        ),
        (
            "duplicate a line",
            |l| l.insert(2, l[1].clone()),
            3,
            "duplicated record",
            "repeats line 2",
        ),
        (
            "swap two lines",
            |l| l.swap(1, 2),
            3,
            "reordered records",
            "seq 2 comes after seq 3",
        ),
        (
            "edit the timestamp",
            |l| l[1] = edit(&l[1], "at", "2020-01-01T00:00:00Z"),
            2,
            "edited record",
            ": timestamp",
        ),
        (
            "edit the policy hash",
            |l| {
                let v: Value = serde_json::from_str(&l[1]).expect("a record");
                let hash = v["policy"]["hash"].as_str().expect("a hash").to_string();
                let other = if hash.ends_with('0') { "1" } else { "0" };
                let edited = format!("{}{other}", &hash[..hash.len() - 1]);
                l[1] = l[1].replacen(&hash, &edited, 1);
            },
            2,
            "edited record",
            ": policy identity",
        ),
        (
            "edit the as-of date",
            |l| l[1] = edit(&l[1], "as_of", "2026-05-31"),
            2,
            "context edited",
            "as of 2026-05-31",
        ),
        (
            "edit a client field",
            |l| l[1] = edit(&l[1], "annual_sales", "1"),
            2,
            "edited record",
            ": client",
        ),
        (
            "edit the decision",
            |l| l[1] = edit(&l[1], "limit", "1.00"),
            2,
            "edited record",
            ": decision",
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let clean = dir.path().join("clean.jsonl");
    logged(Path::new(STANDARD), &clean);
    for (what, tamper, line, name, detail) in cases {
        let log = dir.path().join("tampered.jsonl");
        let mut text = lines(&clean);
        tamper(&mut text);
        write_lines(&log, &text);
        let run = replay(Path::new(STANDARD), &log);
        assert_eq!(run.code, EXIT_REJECTS, "{what}: {run:?}");
        assert_eq!(
            tamperings(&run.stdout),
            [(line, name.to_string())],
            "{what}:\n{}",
            run.stdout
        );
        let reported = format!("line {line}: {name}: ");
        let at = run.stdout.find(&reported).expect("reported");
        let rest = run.stdout[at..].lines().next().expect("a line");
        assert!(rest.contains(detail), "{what}: {rest}");
        assert!(
            run.stdout.contains("chain: NOT INTACT: 1 problem(s)"),
            "{what}:\n{}",
            run.stdout
        );
        // Nothing tampered with is put down to the engine.
        assert!(
            !run.stdout.contains("engine changed"),
            "{what}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn an_edited_decision_or_context_that_moves_says_so_not_engine_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("audit.jsonl");
    logged(Path::new(STANDARD), &log);
    let mut text = lines(&log);
    text[0] = edit(&text[0], "limit", "1.00");
    write_lines(&log, &text);
    let run = replay(Path::new(STANDARD), &log).expect_code(EXIT_REJECTS);
    assert!(
        run.stdout.contains("why: record edited: decision"),
        "{}",
        run.stdout
    );
    // Two years on, G001 is overdue for review: it moves, and the edit is why.
    let log = dir.path().join("context.jsonl");
    logged(Path::new(STANDARD), &log);
    let mut text = lines(&log);
    text[0] = edit(&text[0], "as_of", "2028-06-30");
    write_lines(&log, &text);
    let run = replay(Path::new(STANDARD), &log).expect_code(EXIT_REJECTS);
    assert!(
        run.stdout.contains("client `G001`")
            && run.stdout.contains(
                "why: context edited: the logged context (as of 2028-06-30, economy normal)"
            )
            && !run.stdout.contains("engine changed"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_log_from_before_tamper_evidence_says_so_and_still_replays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("audit.jsonl");
    let records = logged(Path::new(STANDARD), &log);
    let old: Vec<String> = records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let m = r.as_object_mut().expect("an object");
            for k in ["context_hash", "parts", "seq", "prev", "hash"] {
                m.remove(k);
            }
            r.to_string()
        })
        .collect();
    write_lines(&log, &old);
    let run = replay(Path::new(STANDARD), &log).expect_code(EXIT_OK);
    assert!(
        run.stdout.contains(&format!(
            "chain: this log predates tamper evidence: its {} records have no seq, prev or hash, so it cannot be verified",
            records.len()
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("{} the same, 0 moved", records.len())),
        "{}",
        run.stdout
    );
    // A run appended to it starts the chain after the old records.
    logged(Path::new(STANDARD), &log);
    let run = replay(Path::new(STANDARD), &log).expect_code(EXIT_OK);
    assert!(
        run.stdout.contains(&format!(
            "the first {} records of this log predate tamper evidence",
            records.len()
        )) && run
            .stdout
            .contains(&format!("chain: intact: {} records", records.len())),
        "{}",
        run.stdout
    );
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

#[test]
fn replay_as_json_lines_gives_each_tampering_as_a_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("audit.jsonl");
    logged(Path::new(STANDARD), &log);
    let mut text = lines(&log);
    text.remove(1);
    write_lines(&log, &text);
    let run = run(credit_policy()
        .arg("replay")
        .arg(&log)
        .args(["--policy", STANDARD, "--format", "jsonl"]))
    .expect_code(EXIT_REJECTS);
    let records = parse_jsonl(&run.stdout);
    assert_eq!(records.len(), 1, "{}", run.stdout);
    assert_eq!(records[0]["line"], 2);
    assert_eq!(records[0]["tamper"], "deleted record");
    assert_eq!(records[0]["detail"], "seq 2 is missing, before seq 3");
}
