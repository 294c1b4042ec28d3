//! `compare` and champion/challenger: every number of a comparison pinned against two plain
//! `evaluate` runs of the same portfolio (the migration matrix from the per-client grades, the
//! totals from the sums of the lines, the changed clients from the decisions that differ), a
//! recession scenario, rejected rows, `--by`, the table, CSV and HTML outputs (the HTML opened
//! in headless Chromium), and the split of `evaluate --challenger`.
//!
//! Everything runs in the context of `examples/context.toml` (as of 2026-11-30, a healthy
//! company), so no result depends on today's date.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::*;

const CLIENTS: &str = "examples/clients.csv";
const CONTEXT: &str = "examples/context.toml";
const CONSERVATIVE: &str = "policies/conservative";
/// The first six clients of the sample; D003's `annual_sales` is `abc`.
const ONE_BAD_ROW: &str = "tests/fixtures/compare/one_bad_row.csv";
/// The grades, best first, as every report lists them.
const GRADES: [&str; 9] = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"];
/// Clients in `examples/clients.csv`.
const SAMPLE_CLIENTS: u64 = 50;

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// `compare --context examples/context.toml <args...>`.
fn compare(args: &[&str]) -> Run {
    run(credit_policy()
        .args(["compare", "--context", CONTEXT])
        .args(args))
}

/// The JSON document of `compare --format json <args...>`, which must exit `code`.
#[track_caller]
fn compare_doc(args: &[&str], code: i32) -> Value {
    let run = compare(&[&["--format", "json"], args].concat()).expect_code(code);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("compare --format json is not JSON ({e}):\n{}", run.stdout))
}

/// `evaluate --context examples/context.toml --policy <policy> <args...>`.
fn evaluate_in_context(policy: &str, args: &[&str]) -> Run {
    run(credit_policy()
        .args(["evaluate", "--context", CONTEXT, "--policy", policy])
        .args(args))
}

/// Every decision of `policy` on `input`, as `evaluate --format json` gives them.
#[track_caller]
fn decisions(policy: &str, extra: &[&str], input: &str) -> Vec<Value> {
    let args = [extra, &["--format", "json", input]].concat();
    let run = evaluate_in_context(policy, &args);
    assert!(
        run.code == EXIT_OK || run.code == EXIT_REJECTS,
        "evaluate failed:\n{}",
        run.stderr
    );
    run.json()
}

/// `compare --a standard --b conservative` on the sample, and the two `evaluate` runs it must
/// agree with: computed once for every test that reads them.
struct Sample {
    /// `--format json` as written.
    report_text: String,
    report: Value,
    standard: Vec<Value>,
    conservative: Vec<Value>,
}

fn sample() -> &'static Sample {
    static SAMPLE: OnceLock<Sample> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let run = compare(&[
            "--a",
            STANDARD,
            "--b",
            CONSERVATIVE,
            "--format",
            "json",
            CLIENTS,
        ])
        .expect_code(EXIT_OK);
        Sample {
            report: serde_json::from_str(&run.stdout).expect("compare --format json is JSON"),
            report_text: run.stdout,
            standard: decisions(STANDARD, &[], CLIENTS),
            conservative: decisions(CONSERVATIVE, &[], CLIENTS),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Reading reports and decisions
// ---------------------------------------------------------------------------------------------

/// A money amount that must leave the program as a decimal string.
#[track_caller]
fn money(v: &Value) -> Decimal {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("money must be a decimal string, got {v}"));
    Decimal::from_str(s).unwrap_or_else(|e| panic!("`{s}` is not a decimal: {e}"))
}

#[track_caller]
fn count(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("a count must be a whole number, got {v}"))
}

#[track_caller]
fn text(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected text, got {v}"))
}

/// 0 for AAA, 8 for C.
#[track_caller]
fn rank(grade: &str) -> usize {
    GRADES
        .iter()
        .position(|g| *g == grade)
        .unwrap_or_else(|| panic!("`{grade}` is not a grade"))
}

/// The report's migration matrix, `[A's grade][B's grade]`; panics unless exactly the nine
/// grades are there on both axes (`Value` sorts keys: [`grade_order`] checks their order).
#[track_caller]
fn migration(report: &Value) -> [[u64; 9]; 9] {
    let rows = report["migration"]
        .as_object()
        .expect("migration is an object");
    let nine: BTreeSet<&str> = GRADES.into_iter().collect();
    assert_eq!(
        rows.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        nine,
        "migration rows"
    );
    let mut m = [[0; 9]; 9];
    for (i, ga) in GRADES.iter().enumerate() {
        let row = rows[*ga].as_object().expect("a migration row is an object");
        assert_eq!(
            row.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            nine,
            "migration columns of row {ga}"
        );
        for (j, gb) in GRADES.iter().enumerate() {
            m[i][j] = count(&row[*gb]);
        }
    }
    m
}

/// The migration matrix in the order the JSON text gives it: `(row grade, column grades)`.
#[track_caller]
fn grade_order(json: &str) -> Vec<(String, Vec<String>)> {
    #[derive(serde::Deserialize)]
    struct Doc {
        migration: IndexMap<String, IndexMap<String, u64>>,
    }
    let doc: Doc = serde_json::from_str(json).expect("a report with a migration matrix");
    doc.migration
        .into_iter()
        .map(|(row, columns)| (row, columns.into_keys().collect()))
        .collect()
}

/// The matrix two runs' per-client grades give, pairing the decisions by id.
#[track_caller]
fn matrix_of(a: &[Value], b: &[Value]) -> [[u64; 9]; 9] {
    assert_eq!(ids(a), ids(b), "both runs decide the same clients in order");
    let mut m = [[0; 9]; 9];
    for (da, db) in a.iter().zip(b) {
        m[rank(text(&da["grade"]))][rank(text(&db["grade"]))] += 1;
    }
    m
}

/// How many clients have each grade, best first.
fn per_grade(decisions: &[Value]) -> [u64; 9] {
    let mut n = [0; 9];
    for d in decisions {
        n[rank(text(&d["grade"]))] += 1;
    }
    n
}

fn sum_limits(decisions: &[Value]) -> Decimal {
    decisions.iter().map(|d| money(&d["limit"])).sum()
}

fn has(d: &Value, action: &str) -> bool {
    actions(d).contains(&action)
}

/// The ids, in input order, of the clients that have `action` under B and not under A.
fn newly(a: &[Value], b: &[Value], action: &str) -> Vec<String> {
    a.iter()
        .zip(b)
        .filter(|(da, db)| !has(da, action) && has(db, action))
        .map(|(d, _)| text(&d["id"]).to_string())
        .collect()
}

/// A list of ids in the report.
#[track_caller]
fn id_list(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a list of ids, got {v}"))
        .iter()
        .map(|x| text(x).to_string())
        .collect()
}

fn changed_ids(report: &Value) -> Vec<String> {
    report["changed"]
        .as_array()
        .expect("changed is a list")
        .iter()
        .map(|c| text(&c["id"]).to_string())
        .collect()
}

/// `1234567.5` as people read it: `1,234,567.50`.
fn grouped(amount: Decimal) -> String {
    let s = format!("{amount:.2}");
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |r| ("-", r));
    let (int, frac) = digits.split_once('.').expect("two decimals");
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{frac}")
}

/// The rows of a CSV text, header first.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The JSON document against two evaluate runs
// ---------------------------------------------------------------------------------------------

#[test]
fn the_migration_matrix_has_every_grade_and_adds_up_to_each_sides_grades() {
    let s = sample();
    let r = &s.report;
    assert_eq!(count(&r["clients"]), SAMPLE_CLIENTS);
    assert_eq!(count(&r["rejected"]), 0);
    let m = migration(r);
    assert_eq!(m.iter().flatten().sum::<u64>(), SAMPLE_CLIENTS);
    let best_first: Vec<String> = GRADES.map(String::from).to_vec();
    assert_eq!(
        grade_order(&s.report_text),
        best_first
            .iter()
            .map(|g| (g.clone(), best_first.clone()))
            .collect::<Vec<_>>(),
        "every grade, best first, on both axes"
    );

    let (under_a, under_b) = (per_grade(&s.standard), per_grade(&s.conservative));
    for i in 0..9 {
        let row: u64 = m[i].iter().sum();
        let column: u64 = m.iter().map(|r| r[i]).sum();
        assert_eq!(
            row, under_a[i],
            "row {} = clients graded {0} by A",
            GRADES[i]
        );
        assert_eq!(
            column, under_b[i],
            "column {} = clients graded {0} by B",
            GRADES[i]
        );
    }
}

#[test]
fn the_migration_matrix_is_the_per_client_grades_of_two_evaluate_runs() {
    let s = sample();
    assert_eq!(s.standard.len() as u64, SAMPLE_CLIENTS);
    assert_eq!(
        migration(&s.report),
        matrix_of(&s.standard, &s.conservative)
    );
}

#[test]
fn credit_granted_is_the_sum_of_each_runs_lines_and_the_change_is_exact() {
    let s = sample();
    let total = &s.report["limit_total"];
    let (a, b, delta) = (
        money(&total["a"]),
        money(&total["b"]),
        money(&total["delta"]),
    );
    assert_eq!(a, sum_limits(&s.standard), "limit_total.a");
    assert_eq!(b, sum_limits(&s.conservative), "limit_total.b");
    assert_eq!(delta, b - a, "limit_total.delta = b - a");
    // Pinned, so a change in either policy or in the sample is seen here first. Both policies
    // add the secured cover to the unsecured lines: the standard at 50% of collateral, the
    // conservative at 40% ([security] collateral_value = 40).
    let split = |decisions: &[Value]| {
        let (unsecured, cover) =
            decisions
                .iter()
                .fold((Decimal::ZERO, Decimal::ZERO), |(u, c), d| {
                    (
                        u + money(&d["unsecured_line"]),
                        c + money(&d["secured_cover"]),
                    )
                });
        (unsecured.to_string(), cover.to_string())
    };
    // Standard: 27828000.00 + 15596500.00 = 43424500.00; the cover is 50% of 31193000.00 of
    // collateral.
    assert_eq!(
        split(&s.standard),
        ("27828000.00".to_string(), "15596500.00".to_string())
    );
    // Conservative: the same 31193000.00 of collateral at 40% is 12477200.00. Its unsecured
    // lines are 14512000.00 before its new channel rule, less 20000.00 for D012, whose line now
    // rests on its sell-through (540000 / 1200000 = 0.45): BBB 3% x 1200000 = 36000 x 0.45 =
    // 16200, down to 16000. 14492000.00 + 12477200.00 = 26969200.00.
    assert_eq!(
        split(&s.conservative),
        ("14492000.00".to_string(), "12477200.00".to_string())
    );
    assert_eq!(
        (text(&total["a"]), text(&total["b"]), text(&total["delta"])),
        // 26969200.00 - 43424500.00
        ("43424500.00", "26969200.00", "-16455300.00")
    );
}

#[test]
fn changed_lists_exactly_the_clients_whose_grade_line_or_actions_differ() {
    let s = sample();
    let expected: Vec<&str> = s
        .standard
        .iter()
        .zip(&s.conservative)
        .filter(|(a, b)| {
            a["grade"] != b["grade"]
                || money(&a["limit"]) != money(&b["limit"])
                || actions(a) != actions(b)
        })
        .map(|(a, _)| text(&a["id"]))
        .collect();
    // Every client of the sample differs under the two policies (the standard one adds the
    // secured cover, the conservative one has none); the edited copy below leaves most alone.
    assert!(!expected.is_empty());
    assert_eq!(changed_ids(&s.report), expected);

    for c in s.report["changed"].as_array().expect("changed is a list") {
        let id = text(&c["id"]);
        let (a, b) = (decision(&s.standard, id), decision(&s.conservative, id));
        assert_eq!(c["name"], a["name"], "{id}");
        assert_eq!(c["grade_a"], a["grade"], "{id}");
        assert_eq!(c["grade_b"], b["grade"], "{id}");
        assert_eq!(c["limit_a"], a["limit"], "{id}");
        assert_eq!(c["limit_b"], b["limit"], "{id}");
        assert_eq!(c["actions_a"], a["actions"], "{id}");
        assert_eq!(c["actions_b"], b["actions"], "{id}");
        assert_eq!(
            money(&c["delta"]),
            money(&b["limit"]) - money(&a["limit"]),
            "{id}"
        );
    }
}

#[test]
fn changed_leaves_out_the_clients_that_did_not_move() {
    // The A line from 10% to 9%: only the clients graded A with an unsecured line move.
    let (_tmp, policy) = copy_standard();
    edit_in_table(&policy.join("policy.toml"), "[limits]", "A = 10", "A = 9");
    let b = policy.to_str().expect("a UTF-8 path");
    let report = compare_doc(&["--a", STANDARD, "--b", b, CLIENTS], EXIT_OK);
    let (before, after) = (&sample().standard, decisions(b, &[], CLIENTS));
    let expected: Vec<&str> = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| {
            a["grade"] != b["grade"]
                || money(&a["limit"]) != money(&b["limit"])
                || actions(a) != actions(b)
        })
        .map(|(a, _)| text(&a["id"]))
        .collect();
    assert_eq!(
        expected,
        ["D011", "D013", "D014", "D015", "D017", "D018"],
        "the A clients"
    );
    assert_eq!(changed_ids(&report), expected);
    // 1% of each one's annual sales (5.4m, 5m, 1.8m, 18m, 15m, 15m); the secured cover stays.
    let deltas: Vec<(&str, &str)> = report["changed"]
        .as_array()
        .expect("changed is a list")
        .iter()
        .map(|c| (text(&c["id"]), text(&c["delta"])))
        .collect();
    assert_eq!(
        deltas,
        [
            ("D011", "-54000.00"),
            ("D013", "-50000.00"),
            ("D014", "-18000.00"),
            ("D015", "-180000.00"),
            ("D017", "-150000.00"),
            ("D018", "-150000.00"),
        ]
    );
}

#[test]
fn holds_and_action_changes_are_those_of_each_run() {
    let s = sample();
    let r = &s.report;
    for (key, run) in [("hold_a", &s.standard), ("hold_b", &s.conservative)] {
        let held: Vec<&Value> = run.iter().filter(|d| has(d, "hold")).collect();
        assert_eq!(
            count(&r[key]["clients"]),
            held.len() as u64,
            "{key}.clients"
        );
        assert_eq!(
            money(&r[key]["exposure"]),
            held.iter().map(|d| money(&d["exposure"])).sum::<Decimal>(),
            "{key}.exposure"
        );
    }
    assert!(
        count(&r["hold_b"]["clients"]) > count(&r["hold_a"]["clients"]),
        "the sample has clients held under the conservative policy only"
    );

    let (a, b) = (&s.standard, &s.conservative);
    let acts = &r["actions"];
    let newly_held = newly(a, b, "hold");
    assert!(!newly_held.is_empty());
    assert_eq!(id_list(&acts["newly_held"]), newly_held);
    assert_eq!(id_list(&acts["released"]), newly(b, a, "hold"));
    assert_eq!(id_list(&acts["newly_terminated"]), newly(a, b, "terminate"));
    assert_eq!(id_list(&acts["newly_watched"]), newly(a, b, "watch"));
    assert_eq!(
        id_list(&acts["newly_collateral"]),
        newly(a, b, "require_collateral")
    );
}

// ---------------------------------------------------------------------------------------------
// The conservative policy is stricter
// ---------------------------------------------------------------------------------------------

#[test]
fn the_conservative_policy_never_grants_more_than_the_standard_on_the_sample() {
    let s = sample();
    let total = &s.report["limit_total"];
    assert!(money(&total["b"]) < money(&total["a"]), "{total}");
    for (a, b) in s.standard.iter().zip(&s.conservative) {
        let id = text(&a["id"]);
        assert_eq!(id, text(&b["id"]));
        assert!(
            rank(text(&b["grade"])) >= rank(text(&a["grade"])),
            "{id}: conservative grade {} is better than standard {}",
            b["grade"],
            a["grade"]
        );
        assert!(
            money(&b["limit"]) <= money(&a["limit"]),
            "{id}: conservative line {} is above standard {}",
            b["limit"],
            a["limit"]
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A scenario: the same policy in a recession
// ---------------------------------------------------------------------------------------------

#[test]
fn a_recession_scenario_moves_every_grade_above_c_one_notch_down() {
    let r = compare_doc(
        &[
            "--a",
            STANDARD,
            "--b",
            STANDARD,
            "--economy-b",
            "recession",
            CLIENTS,
        ],
        EXIT_OK,
    );
    assert_eq!(count(&r["clients"]), SAMPLE_CLIENTS);
    let m = migration(&r);
    for (i, row) in m.iter().enumerate() {
        for (j, n) in row.iter().enumerate() {
            let allowed = j == i + 1 || (i == 8 && j == 8);
            assert!(
                allowed || *n == 0,
                "{n} client(s) moved {} -> {} in a one-notch recession",
                GRADES[i],
                GRADES[j]
            );
        }
    }
    // Every client graded above C under A is on the superdiagonal, so the rows agree with A.
    let under_a = per_grade(&decisions(STANDARD, &[], CLIENTS));
    for i in 0..8 {
        assert_eq!(
            m[i][i + 1],
            under_a[i],
            "{} -> {}",
            GRADES[i],
            GRADES[i + 1]
        );
    }
    assert_eq!(m[8][8], under_a[8], "C stays C");
    assert!(under_a[..8].iter().sum::<u64>() > 0);

    assert_eq!(
        r["a"]["policy"], r["b"]["policy"],
        "the same policy on both sides"
    );
    assert!(text(&r["b"]["policy"]["hash"]).starts_with("sha256:"));
    assert_eq!(r["a"]["economy"], "normal");
    assert_eq!(r["b"]["economy"], "recession");
    assert_eq!(r["a"]["as_of"], "2026-11-30");
    assert_eq!(r["b"]["as_of"], "2026-11-30");

    // B is what `evaluate --economy recession` grants.
    let recession = decisions(STANDARD, &["--economy", "recession"], CLIENTS);
    assert_eq!(money(&r["limit_total"]["b"]), sum_limits(&recession));
}

// ---------------------------------------------------------------------------------------------
// A rejected row
// ---------------------------------------------------------------------------------------------

#[test]
fn a_rejected_row_is_reported_once_and_not_compared() {
    let rows =
        csv_rows(&std::fs::read_to_string(Path::new(ROOT).join(ONE_BAD_ROW)).expect("fixture"));
    let input_rows = (rows.len() - 1) as u64;

    let run = compare(&[
        "--a",
        STANDARD,
        "--b",
        CONSERVATIVE,
        "--format",
        "json",
        ONE_BAD_ROW,
    ])
    .expect_code(EXIT_REJECTS);
    let rejected: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("rejected:"))
        .collect();
    assert_eq!(rejected.len(), 1, "one reject line:\n{}", run.stderr);
    for words in ["line 4", "`D003`", "annual_sales", "`abc`"] {
        assert!(
            rejected[0].contains(words),
            "`{words}` not in {}",
            rejected[0]
        );
    }

    let r: Value = serde_json::from_str(&run.stdout).expect("the report is still written");
    assert_eq!(count(&r["rejected"]), 1);
    assert_eq!(count(&r["clients"]), input_rows - 1);
    assert_eq!(migration(&r).iter().flatten().sum::<u64>(), input_rows - 1);
    // D003 would change (its line falls under the conservative policy), so it would show here.
    assert_eq!(changed_ids(&r), ["D001", "D002", "D004", "D005", "D006"]);
    for list in [
        "newly_held",
        "released",
        "newly_terminated",
        "newly_watched",
        "newly_collateral",
    ] {
        assert!(
            !id_list(&r["actions"][list]).contains(&"D003".to_string()),
            "{list}"
        );
    }
    let standard = decisions(STANDARD, &[], ONE_BAD_ROW);
    assert_eq!(ids(&standard), ["D001", "D002", "D004", "D005", "D006"]);
    assert_eq!(money(&r["limit_total"]["a"]), sum_limits(&standard));

    // With --rejects, the one reject is in the file and not on stderr.
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("rejects.jsonl");
    let run = compare(&[
        "--a",
        STANDARD,
        "--b",
        CONSERVATIVE,
        "--format",
        "json",
        "--rejects",
        file.to_str().expect("UTF-8 path"),
        ONE_BAD_ROW,
    ])
    .expect_code(EXIT_REJECTS);
    assert!(!run.stderr.contains("rejected:"), "{}", run.stderr);
    let lines = parse_jsonl(&std::fs::read_to_string(&file).expect("rejects file"));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["line"], 4);
    assert_eq!(lines[0]["id"], "D003");
    assert_eq!(lines[0]["field"], "annual_sales");
}

// ---------------------------------------------------------------------------------------------
// --by
// ---------------------------------------------------------------------------------------------

#[test]
fn by_region_covers_every_region_once_and_adds_up_to_the_totals() {
    let r = compare_doc(
        &[
            "--a",
            STANDARD,
            "--b",
            CONSERVATIVE,
            "--by",
            "region",
            CLIENTS,
        ],
        EXIT_OK,
    );
    let rows = csv_rows(&std::fs::read_to_string(Path::new(ROOT).join(CLIENTS)).expect("sample"));
    let column = rows[0]
        .iter()
        .position(|h| h == "region")
        .expect("a region column");
    let mut input: BTreeMap<&str, u64> = BTreeMap::new();
    for row in &rows[1..] {
        *input.entry(row[column].as_str()).or_default() += 1;
    }
    assert!(input.len() > 1);

    assert_eq!(r["by"]["column"], "region");
    let groups = r["by"]["groups"].as_array().expect("groups is a list");
    let seen: BTreeMap<&str, u64> = groups
        .iter()
        .map(|g| (text(&g["value"]), count(&g["clients"])))
        .collect();
    assert_eq!(seen.len(), groups.len(), "each region once: {groups:?}");
    assert_eq!(seen, input, "clients per region");

    let clients: u64 = groups.iter().map(|g| count(&g["clients"])).sum();
    let limit_a: Decimal = groups.iter().map(|g| money(&g["limit_a"])).sum();
    let limit_b: Decimal = groups.iter().map(|g| money(&g["limit_b"])).sum();
    let held_a: u64 = groups.iter().map(|g| count(&g["held_a"])).sum();
    let held_b: u64 = groups.iter().map(|g| count(&g["held_b"])).sum();
    assert_eq!(clients, count(&r["clients"]));
    assert_eq!(limit_a, money(&r["limit_total"]["a"]));
    assert_eq!(limit_b, money(&r["limit_total"]["b"]));
    assert_eq!(held_a, count(&r["hold_a"]["clients"]));
    assert_eq!(held_b, count(&r["hold_b"]["clients"]));
    for g in groups {
        assert_eq!(
            money(&g["delta"]),
            money(&g["limit_b"]) - money(&g["limit_a"]),
            "{g}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// CSV and table
// ---------------------------------------------------------------------------------------------

#[test]
fn csv_lists_exactly_the_changed_clients_under_a_header() {
    let s = sample();
    let run = compare(&[
        "--a",
        STANDARD,
        "--b",
        CONSERVATIVE,
        "--format",
        "csv",
        CLIENTS,
    ])
    .expect_code(EXIT_OK);
    let rows = csv_rows(&run.stdout);
    assert_eq!(
        rows[0],
        [
            "id",
            "name",
            "grade_a",
            "grade_b",
            "limit_a",
            "limit_b",
            "delta",
            "actions_a",
            "actions_b",
            "reasons_a_only",
            "reasons_b_only",
            "line_why"
        ]
    );
    let changed = s.report["changed"].as_array().expect("changed is a list");
    assert_eq!(rows.len() - 1, changed.len());
    for (row, c) in rows[1..].iter().zip(changed) {
        assert_eq!(row[0], text(&c["id"]));
        assert_eq!(row[2], text(&c["grade_a"]), "{row:?}");
        assert_eq!(row[3], text(&c["grade_b"]), "{row:?}");
        assert_eq!(row[4], text(&c["limit_a"]), "{row:?}");
        assert_eq!(row[5], text(&c["limit_b"]), "{row:?}");
        assert_eq!(row[6], text(&c["delta"]), "{row:?}");
    }
}

#[test]
fn the_default_output_is_tables_with_the_migration_credit_and_totals() {
    let s = sample();
    let run = compare(&["--a", STANDARD, "--b", CONSERVATIVE, CLIENTS]).expect_code(EXIT_OK);
    let out = &run.stdout;
    for words in [
        "grade migration",
        "credit granted",
        "50 clients compared, 0 rows rejected",
    ] {
        assert!(out.contains(words), "`{words}` not in\n{out}");
    }
    let total = &s.report["limit_total"];
    let expected = [
        "total".to_string(),
        "50".to_string(),
        grouped(money(&total["a"])),
        "50".to_string(),
        grouped(money(&total["b"])),
        grouped(money(&total["delta"])),
    ];
    assert_eq!(expected[2], "43,424,500.00");
    let totals: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.first() == Some(&"total"))
        .collect();
    assert_eq!(
        totals,
        [expected.iter().map(String::as_str).collect::<Vec<_>>()],
        "{out}"
    );
    for (side, r) in [("A:", &s.report["a"]), ("B:", &s.report["b"])] {
        let hash = text(&r["policy"]["hash"]);
        assert!(
            out.lines().any(|l| l.starts_with(side) && l.contains(hash)),
            "{side} {hash} not in\n{out}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The HTML report
// ---------------------------------------------------------------------------------------------

/// Writes the HTML report of `compare <args...>` into a temp dir: `(guard, page, JSON report)`.
fn html_report(args: &[&str]) -> (tempfile::TempDir, PathBuf, Value) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let page = tmp.path().join("report.html");
    let page_arg = page.to_str().expect("UTF-8 path").to_string();
    let r = compare_doc(&[args, &["--html", &page_arg, CLIENTS]].concat(), EXIT_OK);
    assert!(page.is_file(), "--html wrote no file");
    (tmp, page, r)
}

/// The start tags `<name ...>` in `html`.
pub fn start_tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&open) {
        let tail = &rest[at..];
        let end = tail.find('>').expect("a tag ends");
        let next = tail.as_bytes()[open.len()];
        if next == b' ' || next == b'>' {
            tags.push(&tail[..=end]);
        }
        rest = &tail[end..];
    }
    tags
}

/// The value of attribute `name` in a start tag.
pub fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    tag[at..].find('"').map(|end| &tag[at..at + end])
}

/// The markup from the start tag carrying `id="<id>"` to the first `end` after it.
#[track_caller]
pub fn element<'a>(html: &'a str, id: &str, end: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no `#{id}` in the page"));
    let start = html[..at].rfind('<').expect("the tag opens");
    let stop = html[at..]
        .find(end)
        .unwrap_or_else(|| panic!("`#{id}` does not end with `{end}`"));
    &html[start..at + stop + end.len()]
}

/// The text of an element: tags dropped, entities decoded.
pub fn text_content(markup: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// What the page must show, whether read as written or as a browser built it.
#[track_caller]
fn assert_page_matches_report(html: &str, r: &Value) {
    let cells = start_tags(element(html, "migration", "</table>"), "td");
    assert_eq!(cells.len(), 81, "a 9x9 matrix");
    let m = migration(r);
    for cell in cells {
        let (a, b) = (
            attr(cell, "data-a").expect("data-a"),
            attr(cell, "data-b").expect("data-b"),
        );
        let n: u64 = attr(cell, "data-count")
            .expect("data-count")
            .parse()
            .expect("data-count is a count");
        assert_eq!(n, m[rank(a)][rank(b)], "migration {a} -> {b}: {cell}");
    }

    for (id, key) in [("total-a", "a"), ("total-b", "b"), ("total-delta", "delta")] {
        let tag = start_tags(element(html, id, ">"), "b")[0];
        assert_eq!(
            attr(tag, "data-amount"),
            Some(text(&r["limit_total"][key])),
            "#{id}"
        );
    }

    let changed = element(html, "changed", "</table>");
    let rows: Vec<&str> = start_tags(changed, "tr")
        .into_iter()
        .filter_map(|t| attr(t, "data-id"))
        .collect();
    assert_eq!(rows, changed_ids(r), "one #changed row per changed client");

    for (side, key) in [("side-A", "a"), ("side-B", "b")] {
        let hash = text(&r[key]["policy"]["hash"]);
        assert!(
            text_content(element(html, side, "</tr>")).contains(hash),
            "#{side} does not show {hash}"
        );
    }
}

#[test]
fn the_html_report_is_self_contained_and_shows_the_policy_diff() {
    let (_tmp, page, r) = html_report(&["--a", STANDARD, "--b", CONSERVATIVE]);
    let html = std::fs::read_to_string(&page).expect("read the page");
    assert!(html.starts_with("<!doctype html>"), "{}", &html[..40]);

    let without_svg_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for banned in ["http://", "https://", "<link", "src=", "@import", "url("] {
        assert!(
            !without_svg_ns.contains(banned),
            "the page refers outside itself: `{banned}`"
        );
    }
    assert_page_matches_report(&html, &r);

    let diff = text_content(element(&html, "diff", "</pre>"));
    for line in [
        "limits.AAA: 20% -> 15%",
        "grades.AAA: 90 -> 93",
        "line.payment_days: 60 days -> 45 days",
    ] {
        assert!(diff.lines().any(|l| l == line), "`{line}` not in\n{diff}");
    }
}

#[test]
fn the_html_report_of_a_scenario_says_only_the_context_differs() {
    let (_tmp, page, r) =
        html_report(&["--a", STANDARD, "--b", STANDARD, "--economy-b", "recession"]);
    let html = std::fs::read_to_string(&page).expect("read the page");
    let diff = text_content(element(&html, "diff", "</p>"));
    assert!(diff.contains("only the context differs"), "{diff}");
    assert!(
        !html.contains("limits.AAA"),
        "no policy diff for the same policy"
    );
    assert_page_matches_report(&html, &r);
    assert!(
        text_content(element(&html, "side-B", "</tr>")).contains("recession"),
        "side B shows its economy"
    );
}

/// `chromium` on the PATH, as `which chromium` finds it.
pub fn chromium() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

/// The DOM headless Chromium builds from `page` once its scripts have run; panics if the
/// browser fails or takes more than a minute.
#[track_caller]
pub fn dump_dom(chromium: &Path, page: &Path) -> String {
    let tmp = tempfile::tempdir().expect("temp dir");
    let profile = tmp.path().join("profile");
    std::fs::create_dir(&profile).expect("profile dir");
    let (dom, log) = (tmp.path().join("dom.html"), tmp.path().join("chromium.log"));
    let mut child = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&dom).expect("dom file"))
        .stderr(File::create(&log).expect("log file"))
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        match child.try_wait().expect("wait for chromium") {
            Some(status) => break status,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within 60 s");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}):\n{log}");
    let dom = std::fs::read_to_string(&dom).expect("read the DOM");
    assert!(dom.contains("</html>"), "no DOM dumped:\n{log}");
    dom
}

#[test]
fn the_html_report_opens_in_headless_chromium_and_shows_the_json_numbers() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not on the PATH; .ci/run installs it"
        );
        eprintln!("note: chromium is not installed, the HTML report was not opened in a browser");
        return;
    };
    let (_tmp, page, r) = html_report(&["--a", STANDARD, "--b", CONSERVATIVE]);
    let html = std::fs::read_to_string(&page).expect("read the page");
    let body = start_tags(&html, "body")[0];
    assert_eq!(
        attr(body, "data-ready"),
        Some("0"),
        "as written, before the script"
    );

    let dom = dump_dom(&chromium, &page);
    let body = start_tags(&dom, "body")[0];
    assert_eq!(
        attr(body, "data-ready"),
        Some("1"),
        "the page's script did not run to the end"
    );
    assert_page_matches_report(&dom, &r);
    let diff = text_content(element(&dom, "diff", "</pre>"));
    assert!(
        diff.lines().any(|l| l == "limits.AAA: 20% -> 15%"),
        "{diff}"
    );
}

// ---------------------------------------------------------------------------------------------
// Champion/challenger
// ---------------------------------------------------------------------------------------------

/// `evaluate --challenger conservative --split=<split> <extra...> --format jsonl <input>`
/// (with `=`, so `-5` is a value and not a flag).
fn split_run(split: &str, extra: &[&str], input: &str) -> Run {
    let split = format!("--split={split}");
    let args = [
        &["--challenger", CONSERVATIVE, &split],
        extra,
        &["--format", "jsonl", input],
    ]
    .concat();
    evaluate_in_context(STANDARD, &args)
}

/// `(id, side)` of every decision of a split run that must succeed.
#[track_caller]
fn sides(split: &str, extra: &[&str], input: &str) -> Vec<(String, String)> {
    split_run(split, extra, input)
        .expect_code(EXIT_OK)
        .jsonl()
        .iter()
        .map(|d| (text(&d["id"]).to_string(), text(&d["side"]).to_string()))
        .collect()
}

fn challengers(sides: &[(String, String)]) -> usize {
    sides.iter().filter(|(_, s)| s == "challenger").count()
}

#[test]
fn each_side_decides_its_clients_exactly_as_its_own_policy_would() {
    let s = sample();
    let split = split_run("30", &[], CLIENTS).expect_code(EXIT_OK).jsonl();
    assert_eq!(ids(&split), ids(&s.standard));
    let champion = &s.standard[0]["policy"];
    let challenger = &s.conservative[0]["policy"];
    assert_ne!(champion, challenger);

    let mut seen = BTreeSet::new();
    for d in &split {
        let id = text(&d["id"]);
        let side = text(&d["side"]);
        seen.insert(side.to_string());
        assert_eq!(&d["champion"], champion, "{id}");
        assert_eq!(&d["challenger"], challenger, "{id}");
        let (own, identity) = match side {
            "champion" => (decision(&s.standard, id), champion),
            "challenger" => (decision(&s.conservative, id), challenger),
            other => panic!("{id}: side `{other}`"),
        };
        assert_eq!(
            &d["policy"], identity,
            "{id}: policy is the deciding side's"
        );
        for field in ["grade", "limit", "actions"] {
            assert_eq!(d[field], own[field], "{id}: {field} under the {side}");
        }
        // And the rest of the decision too: only the split's stamps are extra.
        let mut stamped = d.clone();
        for key in ["side", "champion", "challenger"] {
            stamped
                .as_object_mut()
                .expect("a decision is an object")
                .remove(key);
        }
        assert_eq!(&stamped, own, "{id}: the whole decision under the {side}");
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["challenger", "champion"],
        "30% of 50 clients gives both sides some"
    );
}

#[test]
fn the_split_is_stable_and_the_salt_draws_another_slice() {
    let first = sides("30", &[], CLIENTS);
    assert_eq!(first.len() as u64, SAMPLE_CLIENTS);
    assert_eq!(sides("30", &[], CLIENTS), first, "the same run twice");
    assert_eq!(
        sides("30", &["--split-salt", "credit-policy"], CLIENTS),
        first,
        "`credit-policy` is the default salt"
    );
    let salted = sides("30", &["--split-salt", "another slice"], CLIENTS);
    assert_eq!(salted.len(), first.len());
    assert_ne!(salted, first, "a new salt moves at least one client");
}

#[test]
fn split_0_is_all_champion_and_split_100_all_challenger() {
    let none = sides("0", &[], CLIENTS);
    assert_eq!(none.len() as u64, SAMPLE_CLIENTS);
    assert_eq!(challengers(&none), 0);
    let all = sides("100", &[], CLIENTS);
    assert_eq!(all.len() as u64, SAMPLE_CLIENTS);
    assert_eq!(challengers(&all), all.len());
}

#[test]
fn the_challenger_takes_about_its_share_of_a_large_portfolio() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let input = tmp.path().join("clients.csv");
    let mut csv = String::from("id,annual_sales\n");
    for i in 0..2_000 {
        let _ = writeln!(csv, "S{i:05},{}", 100_000 + i * 1_000);
    }
    std::fs::write(&input, csv).expect("write clients");
    let sides = sides("30", &[], input.to_str().expect("UTF-8 path"));
    assert_eq!(sides.len(), 2_000);
    let share = challengers(&sides) as f64 / sides.len() as f64;
    assert!(
        (0.25..=0.35).contains(&share),
        "the challenger took {share:.3} of the clients with --split 30"
    );
}

#[test]
fn a_split_that_is_not_a_percent_exits_2() {
    for split in ["130", "abc", "-5"] {
        let run = split_run(split, &[], CLIENTS).expect_code(EXIT_ERROR);
        assert_eq!(run.stdout, "", "--split {split}: nothing decided");
        assert!(
            run.stderr.contains(&format!("--split `{split}`")),
            "--split {split}: {}",
            run.stderr
        );
    }
}

#[test]
fn challenger_and_split_need_each_other() {
    let run = evaluate_in_context(
        STANDARD,
        &["--challenger", CONSERVATIVE, "--format", "jsonl", CLIENTS],
    )
    .expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("--split"), "{}", run.stderr);

    let run = evaluate_in_context(STANDARD, &["--split", "30", "--format", "jsonl", CLIENTS])
        .expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("--challenger"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Found while writing these tests
// ---------------------------------------------------------------------------------------------

/// `--by` with a column no row has silently totals the whole book under `(empty)`; a misspelt
/// column should be an error that names it, as a misspelt economy is.
#[test]
fn by_an_unknown_column_exits_2_and_names_it() {
    let run = compare(&[
        "--a",
        STANDARD,
        "--b",
        CONSERVATIVE,
        "--by",
        "regoin",
        "--format",
        "json",
        CLIENTS,
    ]);
    assert_eq!(run.code, EXIT_ERROR, "stdout:\n{}", run.stdout);
    assert!(run.stderr.contains("`regoin`"), "{}", run.stderr);
}

/// The output of `compare` and `evaluate` (every format, with and without a challenger) into
/// a pipe whose reader is gone: that is not an error (README, exit codes).
#[test]
fn a_closed_pipe_is_not_an_error_for_compare_or_evaluate() {
    let mut commands: Vec<Vec<&str>> = Vec::new();
    for format in ["table", "json", "csv"] {
        commands.push(vec![
            "compare",
            "--context",
            CONTEXT,
            "--a",
            STANDARD,
            "--b",
            CONSERVATIVE,
            "--format",
            format,
            CLIENTS,
        ]);
    }
    for format in ["table", "json", "jsonl", "csv"] {
        commands.push(vec![
            "evaluate",
            "--context",
            CONTEXT,
            "--format",
            format,
            CLIENTS,
        ]);
        commands.push(vec![
            "evaluate",
            "--context",
            CONTEXT,
            "--challenger",
            CONSERVATIVE,
            "--split",
            "30",
            "--format",
            format,
            CLIENTS,
        ]);
    }
    for args in commands {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = credit_policy()
            .args(&args)
            .stdout(writer)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(EXIT_OK), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

/// `compare --outcomes` sets the slices of a champion/challenger run side by side, with the
/// counts and money of the decisions each side made.
#[test]
fn outcomes_of_a_split_run_are_totalled_per_side() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("split.jsonl");
    let out_arg = out.to_str().expect("utf-8 path");
    evaluate_in_context(
        STANDARD,
        &[
            "--challenger",
            CONSERVATIVE,
            "--split",
            "40",
            "--output",
            out_arg,
            CLIENTS,
        ],
    )
    .expect_code(EXIT_OK);
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .expect("the split output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON decision"))
        .collect();
    let doc: Value = serde_json::from_str(
        &run(credit_policy().args(["compare", "--outcomes", out_arg, "--format", "json"]))
            .expect_code(EXIT_OK)
            .stdout,
    )
    .expect("JSON");
    for side in ["champion", "challenger"] {
        let mine: Vec<&Value> = lines.iter().filter(|d| text(&d["side"]) == side).collect();
        assert_eq!(count(&doc[side]["clients"]), mine.len() as u64, "{side}");
        let limits: Decimal = mine.iter().map(|d| money(&d["limit"])).sum();
        assert_eq!(money(&doc[side]["limit_total"]), limits, "{side}");
        let held = mine.iter().filter(|d| has(d, "hold")).count() as u64;
        assert_eq!(count(&doc[side]["held"]), held, "{side}");
    }
    // Decisions of a run without a challenger are not outcomes of a split.
    let plain = dir.path().join("plain.jsonl");
    evaluate_in_context(
        STANDARD,
        &["--output", plain.to_str().expect("utf-8"), CLIENTS],
    )
    .expect_code(EXIT_OK);
    let run = run(credit_policy().args(["compare", "--outcomes", plain.to_str().expect("utf-8")]))
        .expect_code(EXIT_ERROR);
    assert!(run.stderr.contains("--challenger"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Why a line moved
// ---------------------------------------------------------------------------------------------

/// The `changed` entry of `id` in a comparison document.
#[track_caller]
fn changed_entry<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["changed"]
        .as_array()
        .expect("changed is a list")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("`{id}` is not among the changed clients"))
}

/// The table row of `id`, with runs of spaces shown as one.
#[track_caller]
fn table_row(text: &str, id: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|l| l.starts_with(&format!("{id} ")))
        .unwrap_or_else(|| panic!("no row for `{id}` in:\n{text}"))
}

/// A copy of the standard policy whose rules double every line, with the general ceiling at
/// `ceiling` percent of annual sales.
fn doubled_lines(ceiling: &str) -> (tempfile::TempDir, PathBuf) {
    let (tmp, policy) = copy_standard();
    edit_in_table(
        &policy.join("policy.toml"),
        "[line]",
        "ceiling = 15 ",
        &format!("ceiling = {ceiling} "),
    );
    let channel = policy.join("rules/channel.rhai");
    let mut rules = std::fs::read_to_string(&channel).expect("channel.rhai");
    rules.push_str("\nscale_line(2, \"doubled\", \"every line doubled\");\n");
    std::fs::write(&channel, rules).expect("write channel.rhai");
    (tmp, policy)
}

/// Lines doubled on both sides, the ceiling 20% of annual sales under A and 15% under B: an A
/// client (10% x 2) keeps its grade and its factor, and B's ceiling cuts its line. The "why"
/// names the ceiling, not the grade or a reason.
#[test]
fn why_names_the_ceiling_when_the_ceiling_moved_the_line() {
    let (_ta, pa) = doubled_lines("20");
    let (_tb, pb) = doubled_lines("15");
    let (a, b) = (
        pa.to_str().expect("a UTF-8 path"),
        pb.to_str().expect("a UTF-8 path"),
    );
    let report = compare_doc(&["--a", a, "--b", b, CLIENTS], EXIT_OK);
    // D015: grade A on annual sales of 18,000,000.00: 10% x 2 is 3,600,000.00, exactly A's
    // ceiling; B's 15% is 2,700,000.00. Both lines add the same secured cover, collateral
    // 1,080,000.00 at 50% = 540,000.00 (neither doubled nor ceilinged): 4,140,000.00 and
    // 3,240,000.00, so the whole -900,000.00 is the ceiling's.
    let c = changed_entry(&report, "D015");
    assert_eq!((&c["grade_a"], &c["grade_b"]), (&"A".into(), &"A".into()));
    assert_eq!(
        (&c["limit_a"], &c["limit_b"], &c["delta"]),
        (
            &"4140000.00".into(),
            &"3240000.00".into(),
            &"-900000.00".into()
        )
    );
    assert_eq!(
        c["line_why"],
        serde_json::json!([{
            "what": "ceiling",
            "a": "ceiling 20% of annual sales",
            "b": "ceiling 15% of annual sales",
            "text": "ceiling 20% -> 15% of annual sales (holds the line under B)",
        }])
    );
    // D007, AA (15% x 2): held back by the ceiling on both sides.
    assert_eq!(
        changed_entry(&report, "D007")["line_why"][0]["text"],
        "ceiling 20% -> 15% of annual sales (holds the line on both sides)"
    );
    let run = compare(&["--a", a, "--b", b, CLIENTS]).expect_code(EXIT_OK);
    assert_eq!(
        table_row(&run.stdout, "D015"),
        "D015 广州珠江家电 A -> A 4,140,000.00 3,240,000.00 -900,000.00 ceiling 20% -> 15% of annual sales (holds the line under B)"
    );
}

/// Our own balance sheet weak under B: every line x0.8 at the same grade. The "why" names the
/// factor; the first reason B gives alone (`over_limit`, `company_weak`) is not what moved it.
#[test]
fn why_names_the_factor_when_a_factor_moved_the_line() {
    let args = [
        "--a",
        STANDARD,
        "--b",
        STANDARD,
        "--context-b",
        "examples/context-weak.toml",
        CLIENTS,
    ];
    let report = compare_doc(&args, EXIT_OK);
    let c = changed_entry(&report, "D004");
    assert_eq!(
        (&c["grade_a"], &c["grade_b"]),
        (&"AAA".into(), &"AAA".into())
    );
    assert_eq!(
        c["line_why"],
        serde_json::json!([{
            "what": "factor",
            "a": "x factor 1",
            "b": "x factor 0.8",
            "text": "line factor 1 -> 0.8",
        }])
    );
    // D004: AAA on 25,000,000.00 of sales: 20% = 5,000,000.00, x0.8 = 4,000,000.00; the factor
    // tightens the unsecured line only, and both sides add the same secured cover, collateral
    // 5,000,000.00 at 50% = 2,500,000.00: 7,500,000.00 -> 6,500,000.00.
    assert_eq!(
        (&c["limit_a"], &c["limit_b"], &c["delta"]),
        (
            &"7500000.00".into(),
            &"6500000.00".into(),
            &"-1000000.00".into()
        )
    );
    let run = compare(&args).expect_code(EXIT_OK);
    assert_eq!(
        table_row(&run.stdout, "D004"),
        "D004 Northwind Supply Co. AAA -> AAA 7,500,000.00 6,500,000.00 -1,000,000.00 line factor 1 -> 0.8"
    );
    // A grade move is named as one, with both percents.
    let report = compare_doc(&["--a", STANDARD, "--b", CONSERVATIVE, CLIENTS], EXIT_OK);
    assert_eq!(
        changed_entry(&report, "D007")["line_why"][0]["text"],
        "grade AA -> A: 15% -> 8% of annual sales"
    );
}

// ---------------------------------------------------------------------------------------------
// Scenario flags on both sides
// ---------------------------------------------------------------------------------------------

/// `compare --a standard --b standard <args...> examples/clients.csv --format json`, without the
/// shared context of [`compare`], so each test names its own.
#[track_caller]
fn scenario(args: &[&str]) -> Value {
    let run = run(credit_policy()
        .args([
            "compare", "--a", STANDARD, "--b", STANDARD, "--format", "json",
        ])
        .args(args)
        .arg(CLIENTS))
    .expect_code(EXIT_OK);
    serde_json::from_str(&run.stdout).expect("one JSON document")
}

/// The credit granted by `evaluate <args...>` on the sample.
#[track_caller]
fn granted(args: &[&str]) -> Decimal {
    let run = run(credit_policy()
        .args(["evaluate", "--format", "json"])
        .args(args)
        .arg(CLIENTS))
    .expect_code(EXIT_OK);
    sum_limits(&run.json())
}

#[test]
fn economy_and_as_of_apply_to_both_sides_unless_a_b_flag_says_otherwise() {
    // The shared flags set both sides: nothing changes between them.
    let r = scenario(&["--as-of", "2026-11-30", "--economy", "recession"]);
    for side in ["a", "b"] {
        assert_eq!(r[side]["economy"], "recession", "{side}");
        assert_eq!(r[side]["as_of"], "2026-11-30", "{side}");
    }
    assert_eq!(r["changed"].as_array().map(Vec::len), Some(0));
    let recession = granted(&["--as-of", "2026-11-30", "--economy", "recession"]);
    assert_eq!(money(&r["limit_total"]["a"]), recession);
    assert_eq!(money(&r["limit_total"]["b"]), recession);

    // A -b flag wins for B, and for B alone.
    let r = scenario(&[
        "--as-of",
        "2026-11-30",
        "--economy",
        "recession",
        "--economy-b",
        "normal",
        "--as-of-b",
        "2026-12-31",
    ]);
    assert_eq!(r["a"]["economy"], "recession");
    assert_eq!(r["a"]["as_of"], "2026-11-30");
    assert_eq!(r["b"]["economy"], "normal");
    assert_eq!(r["b"]["as_of"], "2026-12-31");
    assert_eq!(money(&r["limit_total"]["a"]), recession);
    assert_eq!(
        money(&r["limit_total"]["b"]),
        granted(&["--as-of", "2026-12-31", "--economy", "normal"])
    );
}

#[test]
fn context_applies_to_both_sides_and_context_b_to_b_alone_and_a_flag_beats_a_file() {
    // --context on both sides: our weak balance sheet tightens both.
    let weak = "examples/context-weak.toml";
    let r = scenario(&["--context", weak]);
    let tightened = granted(&["--context", weak]);
    assert_eq!(money(&r["limit_total"]["a"]), tightened);
    assert_eq!(money(&r["limit_total"]["b"]), tightened);
    assert!(tightened < granted(&["--context", CONTEXT]));

    // --context-b replaces it for B only.
    let r = scenario(&["--context", CONTEXT, "--context-b", weak]);
    assert_eq!(
        money(&r["limit_total"]["a"]),
        granted(&["--context", CONTEXT])
    );
    assert_eq!(money(&r["limit_total"]["b"]), tightened);

    // The economy of B's context file gives way to --economy, as in `evaluate`.
    let recession_file = "tests/fixtures/context/recession.toml";
    let r = scenario(&["--context", CONTEXT, "--context-b", recession_file]);
    assert_eq!(r["b"]["economy"], "recession");
    assert_eq!(
        r["b"]["as_of"], "2026-06-30",
        "B's as-of date from its own file"
    );
    assert_eq!(r["a"]["as_of"], "2026-11-30");
    let r = scenario(&[
        "--context",
        CONTEXT,
        "--context-b",
        recession_file,
        "--economy",
        "normal",
    ]);
    assert_eq!(r["a"]["economy"], "normal");
    assert_eq!(r["b"]["economy"], "normal", "a flag beats a context file");
}

// ---------------------------------------------------------------------------------------------
// A portfolio larger than the lists the text and the page show
// ---------------------------------------------------------------------------------------------

/// The changed clients the page and the table list at most (`credit_policy::compare::LISTED`).
const LISTED: usize = 200;

/// The sample sixty times over (3,000 clients, ids `D001-07`), in a temp dir.
fn large_portfolio() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("clients.csv");
    let sample = std::fs::read_to_string(Path::new(ROOT).join(CLIENTS)).expect("read sample");
    let mut lines = sample.lines();
    let mut csv = format!("{}\n", lines.next().expect("header"));
    let rows: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    for copy in 0..60 {
        for row in &rows {
            let (id, rest) = row.split_once(',').expect("an id");
            let _ = writeln!(csv, "{id}-{copy:02},{rest}");
        }
    }
    std::fs::write(&path, csv).expect("write clients");
    (tmp, path)
}

#[test]
fn a_large_portfolio_lists_the_largest_moves_on_the_page_and_every_change_in_the_records() {
    let (tmp, input) = large_portfolio();
    let input = input.to_str().expect("UTF-8 path");
    let ab = ["--a", STANDARD, "--b", CONSERVATIVE];

    // The JSON document lists every changed client, in input order, and every action change.
    let doc = compare_doc(&[&ab[..], &[input]].concat(), EXIT_OK);
    assert_eq!(doc["clients"], 3_000);
    let changed = doc["changed"].as_array().expect("changed");
    let n = changed.len();
    assert!(n > LISTED, "only {n} clients changed; the test needs more");
    let json_ids: Vec<&str> = changed
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    let sample_changed = compare_doc(&[&ab[..], &[CLIENTS]].concat(), EXIT_OK);
    let per_copy = sample_changed["changed"].as_array().expect("changed").len();
    assert_eq!(n, per_copy * 60, "each copy changes as the sample does");
    let held = doc["actions"]["newly_held"].as_array().expect("newly held");
    let sample_held = sample_changed["actions"]["newly_held"]
        .as_array()
        .expect("held");
    assert_eq!(held.len(), sample_held.len() * 60);

    // The CSV and the JSON Lines list the same clients in the same order.
    let csv = compare(&[&ab[..], &["--format", "csv", input]].concat()).expect_code(EXIT_OK);
    let csv_ids: Vec<&str> = csv
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().expect("id"))
        .collect();
    assert_eq!(csv_ids, json_ids);
    let out = tmp.path().join("changed.jsonl");
    compare(&[&ab[..], &["--output", out.to_str().expect("UTF-8"), input]].concat())
        .expect_code(EXIT_OK);
    let lines = parse_jsonl(&std::fs::read_to_string(&out).expect("read jsonl"));
    let jsonl_ids: Vec<&str> = lines
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(jsonl_ids, json_ids);

    // The page says how many changed and lists the 200 largest moves (ties: the smaller id),
    // in input order; with one thread or two, byte for byte the same.
    let mut pages = Vec::new();
    for threads in ["1", "2"] {
        let page = tmp.path().join(format!("page-{threads}.html"));
        let table = compare(
            &[
                &ab[..],
                &[
                    "--threads",
                    threads,
                    "--html",
                    page.to_str().expect("UTF-8"),
                    input,
                ],
            ]
            .concat(),
        )
        .expect_code(EXIT_OK);
        assert!(
            table.stdout.contains(&format!(
                "{} clients changed; the 10 largest cuts and increases are listed; `--format csv --output FILE` lists every one",
                count_grouped(n)
            )),
            "{}",
            table.stdout
        );
        pages.push(std::fs::read_to_string(&page).expect("read the page"));
    }
    assert_eq!(pages[0], pages[1], "the page depends on --threads");
    let html = &pages[0];
    assert!(
        html.contains(&format!(r#"<span id="changed-count">{n}</span>"#)),
        "the heading counts every changed client"
    );
    let cut = text_content(element(html, "changed-cut", "</p>"));
    assert!(
        cut.starts_with(&format!(
            "{} clients changed; the {LISTED} largest moves are listed; --format csv --output FILE lists every one",
            count_grouped(n)
        )),
        "{cut}"
    );
    let listed: Vec<&str> = html
        .split(r#"<tr data-id=""#)
        .skip(1)
        .map(|s| s.split('"').next().expect("id"))
        .collect();
    let mut by_move: Vec<(Decimal, &str, usize)> = changed
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let delta = Decimal::from_str(c["delta"].as_str().expect("delta")).expect("decimal");
            (delta.abs(), c["id"].as_str().expect("id"), i)
        })
        .collect();
    by_move.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut largest: Vec<(usize, &str)> = by_move[..LISTED]
        .iter()
        .map(|(_, id, i)| (*i, *id))
        .collect();
    largest.sort();
    let largest: Vec<&str> = largest.into_iter().map(|(_, id)| id).collect();
    assert_eq!(listed, largest);

    // The held list on the page names the first 200 and counts the rest.
    assert!(
        html.contains(&format!("newly held: <b>{}</b> ", held.len())),
        "the page counts every newly held client"
    );
    if held.len() > LISTED {
        assert!(html.contains(&format!(" and {} more</li>", held.len() - LISTED)));
    }
}

/// `n` with thousands separators.
fn count_grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
