//! Writing a policy: `check` (every problem at once, warnings that do not stop it), `test` (the
//! policy's own cases and golden portfolios), `explain` (one decision, and a what-if that is
//! computed), `init` (a starting copy) and `diff` (what changed, in finance terms). Each test
//! copies `policies/standard` into a temp dir and changes what it is about.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::*;

/// The sample portfolio and context the README uses (as of 2026-11-30, a healthy company).
const CLIENTS: &str = "examples/clients.csv";
const CONTEXT: &str = "examples/context.toml";
/// The seed's own case file.
const SEED_CASES: &str = "policies/standard/tests/seed.toml";

/// A path as a command-line argument.
fn arg(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `credit-policy <args...>` from the crate root.
#[track_caller]
fn cli(args: &[&str]) -> Run {
    run(credit_policy().args(args))
}

/// `text` with the policy folder shown as `[POLICY]` and every policy hash hidden, so a
/// snapshot holds neither a temp path nor a hash.
fn shown(text: &str, policy: &Path) -> String {
    without_hashes(&text.replace(arg(policy), "[POLICY]"))
}

/// `text` with every `sha256:<64 hex digits>` shown as `sha256:[HASH]`.
fn without_hashes(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("sha256:") {
        let (head, tail) = rest.split_at(i + "sha256:".len());
        let hex = tail.chars().take_while(char::is_ascii_hexdigit).count();
        assert_eq!(hex, 64, "a policy hash is 64 hex digits: {tail}");
        out.push_str(head);
        out.push_str("[HASH]");
        rest = &tail[hex..];
    }
    out.push_str(rest);
    out
}

/// Panics unless `location:` is a line of its own in `stderr` and `message` follows it.
#[track_caller]
fn reported_at(stderr: &str, location: &str, message: &str) {
    let at = stderr
        .find(&format!("{location}:\n"))
        .unwrap_or_else(|| panic!("`{location}` not on a line of its own in:\n{stderr}"));
    let block = &stderr[at..];
    let block = &block[..block[1..].find("\n\n").map_or(block.len(), |i| i + 1)];
    assert!(
        block.contains(message),
        "`{message}` not reported at `{location}`:\n{block}"
    );
}

/// Every `file:line:col:` line of `stderr`: one per diagnostic.
fn locations(stderr: &str, policy: &Path) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with(arg(policy)) && l.ends_with(':'))
        .map(String::from)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------------------

#[test]
fn check_accepts_the_seed_policy() {
    let run = cli(&["check", STANDARD]).expect_code(EXIT_OK);
    assert_eq!(
        run.stdout,
        "policy `standard` 1.0.0 in `policies/standard`: no errors, 0 warning(s)\n"
    );
    assert_eq!(run.stderr, "", "no warning either");
}

/// A copy of the seed with five problems at once, and where and how each must be reported.
fn policy_with_five_problems() -> (tempfile::TempDir, std::path::PathBuf, Vec<(String, String)>) {
    let (tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    let script = policy.join("rules/channel.rhai");
    // Thresholds must fall: BB above BBB's 60.
    edit_in_table(&toml, "[grades]", "BB = 50", "BB = 65");
    // Lines must not rise as the grade worsens: BB above BBB's 5%.
    edit_in_table(&toml, "[limits]", "\nBB = 0", "\nBB = 6");
    // Criterion weights 30 + 25 + 20 + 10 + 10 = 95.
    edit(
        &toml,
        "[criteria.capital]\nweight = 25",
        "[criteria.capital]\nweight = 20",
    );
    // debt_ratio: nothing holds 0.40 to 0.42.
    edit(
        &toml,
        "{ from = 0.40, to = 0.55, points = 80 }",
        "{ from = 0.42, to = 0.55, points = 80 }",
    );
    // A misspelt script function.
    edit(&script, "watch(\"cross_region\",", "wach(\"cross_region\",");
    let expected = vec![
        (
            location(&toml, "{ from = 0.42", 0),
            "gap in the bands of `debt_ratio`: no band holds values from 0.40 up to 0.42".into(),
        ),
        // The sum has no single culprit; it is reported at the first criterion weight.
        (
            location(&toml, "weight = 30\ndescription = \"keeps", "weight = ".len()),
            "the five criterion weights add up to 95, not 100".into(),
        ),
        (
            location(&toml, "BB = 65", "BB = ".len()),
            "grade thresholds must fall from AAA to C: `BB` needs less than 60 (the `BBB` threshold), not 65".into(),
        ),
        (
            location_in_table(&toml, "[limits]", "BB = 6", "BB = ".len()),
            "lines must not rise as the grade worsens: `BB` has 6% but `BBB` only 5%".into(),
        ),
        (
            location(&script, "wach(", 0),
            "there is no function `wach`; did you mean `watch`?".into(),
        ),
    ];
    (tmp, policy, expected)
}

#[test]
fn check_reports_every_problem_of_a_broken_policy_at_once() {
    let (_tmp, policy, expected) = policy_with_five_problems();
    let run = cli(&["check", arg(&policy)]).expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "", "no summary for a policy that does not load");
    for (at, message) in &expected {
        reported_at(&run.stderr, at, message);
    }
    assert_eq!(
        locations(&run.stderr, &policy).len(),
        expected.len(),
        "one diagnostic per problem, no more:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with(&format!(
            "error: the policy in `{}` has 5 error(s)\n",
            policy.display()
        )),
        "{}",
        run.stderr
    );
    assert_text_snapshot(
        "check_five_problems",
        "stderr of `check` on a copy with BB = 65 in [grades], BB = 6% in [limits], criterion weights adding to 95, a debt_ratio band gap and `wach(...)` in rules/channel.rhai",
        &shown(&run.stderr, &policy),
    );
}

#[test]
fn evaluate_refuses_a_policy_with_errors_and_decides_nothing() {
    let (_tmp, policy, expected) = policy_with_five_problems();
    let run = evaluate_with(
        &policy,
        &["--format", "jsonl", "tests/fixtures/good/clients.csv"],
    )
    .expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "", "nothing is decided");
    for (at, message) in &expected {
        reported_at(&run.stderr, at, message);
    }
    assert!(
        run.stderr.ends_with(&format!(
            "error: the policy in `{}` has 5 error(s); nothing was done\n",
            policy.display()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn check_shows_warnings_and_accepts_the_policy() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    let script = policy.join("rules/channel.rhai");
    // A top band for on_time_ratio, a share that never exceeds 1.
    edit(
        &toml,
        "  { from = 0.98, points = 100 },\n",
        "  { from = 1.5, points = 100 },\n  { from = 0.98, to = 1.5, points = 100 },\n",
    );
    // A param no script reads, first in [params].
    edit(&toml, "\n[params]\n", "\n[params]\nunused_knob = 7\n");
    // A comparison that can never be true.
    let mut rules = std::fs::read_to_string(&script).expect("channel.rhai");
    rules.push_str("\nif on_time_ratio > 1.5 {\n    reason(\"never\", \"cannot happen\");\n}\n");
    std::fs::write(&script, rules).expect("write channel.rhai");

    let run = cli(&["check", arg(&policy)]).expect_code(EXIT_OK);
    assert_eq!(
        run.stdout,
        format!(
            "policy `standard` 1.0.0 in `{}`: no errors, 3 warning(s)\n",
            policy.display()
        )
    );
    reported_at(
        &run.stderr,
        &location(&toml, "{ from = 1.5", 0),
        "⚠ no client can fall in this band: `on_time_ratio` is always from 0 to 1",
    );
    reported_at(
        &run.stderr,
        &location(&script, "> 1.5", 0),
        "⚠ this comparison can never be true: `on_time_ratio` is always from 0 to 1",
    );
    reported_at(
        &run.stderr,
        &location(&toml, "unused_knob", 0),
        "⚠ param `unused_knob` is not read by any script",
    );
    assert_eq!(locations(&run.stderr, &policy).len(), 3, "{}", run.stderr);
    assert!(!run.stderr.contains('×'), "no error: {}", run.stderr);
    assert_text_snapshot(
        "check_warnings",
        "stderr of `check` with an on_time_ratio band from 1.5, `if on_time_ratio > 1.5` and a param no script reads",
        &shown(&run.stderr, &policy),
    );
}

// ---------------------------------------------------------------------------------------------
// test
// ---------------------------------------------------------------------------------------------

/// `credit-policy test DIR [--update]`.
#[track_caller]
fn test_policy(policy: &Path, update: bool) -> Run {
    let mut args = vec!["test", arg(policy)];
    if update {
        args.push("--update");
    }
    cli(&args)
}

/// The last line `test` prints for the seed's cases when `failed` of them fail.
fn seed_summary(failed: usize) -> String {
    let all = entry_names(Path::new(ROOT).join(SEED_CASES).as_path()).len();
    format!("{} passed, {failed} failed", all - failed)
}

/// The names of the `[[case]]` then `[[golden]]` entries of a case file, in the order `test`
/// runs them.
fn entry_names(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("case file");
    let doc: toml::Table = toml::from_str(&text).expect("case file is TOML");
    ["case", "golden"]
        .iter()
        .flat_map(|k| {
            doc.get(*k)
                .and_then(toml::Value::as_array)
                .expect("a list of entries")
                .iter()
                .map(|e| e["name"].as_str().expect("a name").to_string())
        })
        .collect()
}

#[test]
fn test_passes_every_case_of_the_seed_policy() {
    let names = entry_names(Path::new(ROOT).join(SEED_CASES).as_path());
    // Counted from the file, so adding a case does not break this test.
    assert!(
        names.len() >= 30,
        "at least 29 [[case]] and 1 [[golden]] in {SEED_CASES}"
    );
    let run = test_policy(Path::new(STANDARD), false).expect_code(EXIT_OK);
    let mut expected: Vec<String> = names
        .iter()
        .map(|n| format!("ok     {SEED_CASES}: {n}"))
        .collect();
    expected.push(format!("{} passed, 0 failed", names.len()));
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected);
    assert_eq!(run.stderr, "");
}

#[test]
fn test_names_a_case_expecting_the_wrong_grade_and_shows_its_trace() {
    let (_tmp, policy) = copy_standard();
    let cases = policy.join("tests/seed.toml");
    // L2 is the "good" profile, score 83.55: AA, not A.
    edit(
        &cases,
        "[case.expect]\ngrade = \"AA\"\nscore = \"83.55\"",
        "[case.expect]\ngrade = \"A\"\nscore = \"83.55\"",
    );
    let run = test_policy(&policy, false).expect_code(EXIT_REJECTS);
    let failed = format!("FAILED {}: L2: AA gets 15%", cases.display());
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == failed)
        .unwrap_or_else(|| panic!("`{failed}` not in:\n{}", run.stdout));
    assert_eq!(
        lines[at + 1..at + 5],
        [
            "         grade: expected A, got AA",
            "       trace:",
            "         score 83.55 -> base grade AA; final grade AA",
            "         line: annual sales = 1000000.00",
        ]
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("FAILED ")).count(),
        1,
        "only L2 fails"
    );
    assert_eq!(lines.last().copied(), Some(seed_summary(1).as_str()));
    let block: Vec<&str> = lines[at..]
        .iter()
        .take_while(|l| !l.starts_with("ok "))
        .copied()
        .collect();
    assert_text_snapshot(
        "test_wrong_grade",
        "what `test` prints for case L2 when it expects grade A (the client is AA)",
        &shown(&block.join("\n"), &policy),
    );
}

/// The decisions of a golden expected file by client id.
fn golden(path: &Path) -> BTreeMap<String, Value> {
    parse_jsonl(&std::fs::read_to_string(path).expect("expected file"))
        .into_iter()
        .map(|d| (d["id"].as_str().expect("id").to_string(), d))
        .collect()
}

/// `annual_sales` of every client of a golden client file.
fn annual_sales(path: &Path) -> BTreeMap<String, Decimal> {
    let mut r = csv::Reader::from_path(path).expect("golden clients");
    let header = r.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (id, sales) = (col("id"), col("annual_sales"));
    r.records()
        .map(|rec| {
            let rec = rec.expect("a row");
            (
                rec[id].to_string(),
                Decimal::from_str(&rec[sales]).expect("sales is a number"),
            )
        })
        .collect()
}

#[test]
fn test_reports_what_moved_in_a_stale_golden_file_and_update_rewrites_it() {
    let (_tmp, policy) = copy_standard();
    edit_in_table(&policy.join("policy.toml"), "[limits]", "A = 10", "A = 9");
    // Case L3 pins the 10% line; cases are edited by hand, only golden files by `--update`.
    edit(
        &policy.join("tests/seed.toml"),
        "unsecured_line = \"100000.00\"",
        "unsecured_line = \"90000.00\"",
    );
    let expected_file = policy.join("tests/golden/expected.jsonl");
    let before = golden(&expected_file);
    let sales = annual_sales(&policy.join("tests/golden/clients.csv"));

    // Every client graded A moves, and only those: its unsecured line is now 9% of annual
    // sales, rounded down to a thousand, and its credit line moves with it (the secured cover
    // stays): `(old unsecured, new unsecured, old limit, new limit)`.
    let money = |d: &Value, field: &str| {
        Decimal::from_str(
            d[field]
                .as_str()
                .unwrap_or_else(|| panic!("{field} in {d}")),
        )
        .expect("money")
    };
    let moved: BTreeMap<&str, [String; 4]> = before
        .iter()
        .filter(|(_, d)| d["grade"] == "A")
        .map(|(id, d)| {
            assert_eq!(d["temporary_line"], Value::Null, "{id}: no temporary line");
            let new = (sales[id] * Decimal::new(9, 2) / Decimal::from(1000)).floor()
                * Decimal::from(1000);
            let new_limit = new + money(d, "secured_cover");
            (
                id.as_str(),
                [
                    format!("{:.2}", money(d, "unsecured_line")),
                    format!("{new:.2}"),
                    format!("{:.2}", money(d, "limit")),
                    format!("{new_limit:.2}"),
                ],
            )
        })
        .collect();
    assert!(
        moved.len() >= 3,
        "the sample has several A clients: {moved:?}"
    );

    let run = test_policy(&policy, false).expect_code(EXIT_REJECTS);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines.contains(
            &format!(
                "FAILED {}: sample portfolio",
                policy.join("tests/seed.toml").display()
            )
            .as_str()
        ),
        "{}",
        run.stdout
    );
    let reported: BTreeMap<&str, &str> = lines
        .iter()
        .filter_map(|l| l.trim().strip_prefix("client `"))
        .map(|l| l.split_once("` moved: ").expect("`client `X` moved: ...`"))
        .collect();
    assert_eq!(
        reported.keys().collect::<Vec<_>>(),
        moved.keys().collect::<Vec<_>>(),
        "every A client and nothing else:\n{}",
        run.stdout
    );
    for (id, [old, new, old_limit, new_limit]) in &moved {
        let what = reported[id];
        for change in [
            format!("unsecured_line {old} -> {new}"),
            format!(" limit {old_limit} -> {new_limit}"),
        ] {
            assert!(what.contains(&change), "`{id}`: `{change}` not in `{what}`");
        }
    }
    assert_eq!(lines.last().copied(), Some(seed_summary(1).as_str()));

    let run = test_policy(&policy, true).expect_code(EXIT_OK);
    assert!(
        run.stdout.contains(
            "golden files rewritten; review the change with `git diff` before committing"
        ),
        "{}",
        run.stdout
    );
    let after = golden(&expected_file);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (id, d) in &after {
        match moved.get(id.as_str()) {
            Some([_, new, _, new_limit]) => assert_eq!(
                (&d["unsecured_line"], &d["limit"]),
                (&Value::from(new.as_str()), &Value::from(new_limit.as_str())),
                "{id}"
            ),
            None => assert_eq!(d, &before[id], "{id} did not move"),
        }
    }

    let run = test_policy(&policy, false).expect_code(EXIT_OK);
    assert_eq!(run.stdout.lines().last(), Some(seed_summary(0).as_str()));
}

#[test]
fn test_refuses_a_case_file_with_an_unknown_key() {
    let (_tmp, policy) = copy_standard();
    let file = policy.join("tests/typo.toml");
    std::fs::write(
        &file,
        "[[case]]\nname = \"typo\"\nclient = { id = \"T1\", annual_sales = \"1000000\" }\nexpect = { grdae = \"A\" }\n",
    )
    .expect("write case file");
    let run = test_policy(&policy, false).expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "", "no test was run");
    reported_at(
        &run.stderr,
        &location(&file, "grdae", 0),
        "unknown field `grdae`, expected one of `grade`",
    );
    assert!(
        run.stderr
            .ends_with("error: a test file has errors; no test was run\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn test_refuses_a_case_naming_an_action_or_a_code_the_policy_never_gives() {
    let (_tmp, policy) = copy_standard();
    let file = policy.join("tests/impossible.toml");
    std::fs::write(
        &file,
        "[[case]]\nname = \"never held\"\nclient = { id = \"T1\", annual_sales = \"1000000\" }\nexpect = { absent = [\"on_hold\"], reasons = [\"low_sell_thru\", \"low_sell_through\", \"economy_recession\", \"over_limit\"] }\n",
    )
    .expect("write case file");
    let run = test_policy(&policy, false).expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "", "no test was run");
    reported_at(
        &run.stderr,
        &location(&file, "\"on_hold\"", 0),
        "`on_hold` is not an action, so no decision has it",
    );
    reported_at(
        &run.stderr,
        &location(&file, "\"on_hold\"", 0),
        "help: did you mean `hold`? the actions are terminate, hold, require_collateral, review_due, watch",
    );
    reported_at(
        &run.stderr,
        &location(&file, "\"low_sell_thru\"", 0),
        "no decision under policy `standard` can have the reason `low_sell_thru`",
    );
    reported_at(
        &run.stderr,
        &location(&file, "\"low_sell_thru\"", 0),
        "did you mean `low_sell_through`?",
    );
    // A script's code, an economy's and the engine's own are all possible: two errors only.
    assert_eq!(locations(&run.stderr, &policy).len(), 2, "{}", run.stderr);
    assert!(
        run.stderr
            .ends_with("error: a test file has errors; no test was run\n"),
        "{}",
        run.stderr
    );
    assert_text_snapshot(
        "test_impossible_names",
        "stderr of `test` on a case expecting `absent = [\"on_hold\"]` and the reason `low_sell_thru`",
        &shown(&run.stderr, &policy),
    );
}

// ---------------------------------------------------------------------------------------------
// explain
// ---------------------------------------------------------------------------------------------

/// `explain --client ID --policy policies/standard --context examples/context.toml [args] INPUT`.
#[track_caller]
fn explain(id: &str, args: &[&str], input: &str) -> Run {
    run(credit_policy()
        .args(["explain", "--client", id, "--policy", STANDARD])
        .args(["--context", CONTEXT])
        .args(args)
        .arg(input))
}

#[track_caller]
fn explain_json(id: &str) -> Value {
    let run = explain(id, &["--format", "json"], CLIENTS).expect_code(EXIT_OK);
    serde_json::from_str(&run.stdout).expect("explain --format json is one JSON object")
}

/// The row of `measure` in the text's measures table, with runs of spaces shown as one.
fn measure_row(text: &str, measure: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|l| l.split(' ').nth(1) == Some(measure))
        .unwrap_or_else(|| panic!("no row for `{measure}` in:\n{text}"))
}

/// `policies/standard/policy.toml:<line>` of the measure's `[[criteria.X.measures]]` header.
fn measure_at(criterion: &str, measure: &str) -> String {
    let toml = Path::new(STANDARD).join("policy.toml");
    let text = std::fs::read_to_string(Path::new(ROOT).join(&toml)).expect("policy.toml");
    let needle = format!("[[criteria.{criterion}.measures]]\ninput = \"{measure}\"");
    let at = text.find(&needle).expect("the measure");
    format!(
        "{}:{}",
        toml.display(),
        text[..at].matches('\n').count() + 1
    )
}

/// `policies/standard/rules/<file>:<line>` of the first line of the script holding `needle`.
fn rule_at(file: &str, needle: &str) -> String {
    let script = Path::new(STANDARD).join("rules").join(file);
    let text = std::fs::read_to_string(Path::new(ROOT).join(&script)).expect("rule script");
    let at = text.find(needle).expect("the rule");
    format!(
        "{}:{}",
        script.display(),
        text[..at].matches('\n').count() + 1
    )
}

#[test]
fn explain_shows_every_step_of_a_decision_and_what_earns_the_next_grade() {
    let run = explain("D012", &[], CLIENTS).expect_code(EXIT_OK);
    let text = &run.stdout;
    assert!(
        text.starts_with("client D012 Orion Retail Partners: grade BBB, line 63000.00, 60 days\n"),
        "{text}"
    );
    // Values from D012's row of examples/clients.csv; bands and points from policy.toml.
    for (criterion, measure, rest) in [
        ("character", "on_time_ratio", "0.93 0.9 to under 0.95 70 50"),
        ("character", "broken_promises", "1 1 to under 2 60 30"),
        ("character", "years_trading", "5 5 to under 10 80 20"),
        ("capacity", "max_days_late", "20 15 to under 30 60 30"),
        ("capacity", "management_score", "4 4 to under 5 80 30"),
        // sell_out 540000 / sell_in 1200000
        ("capacity", "sell_through", "0.45 0.4 to under 0.6 25 20"),
        (
            "capacity",
            "high_risk_share",
            "0.1 0.05 to under 0.15 75 20",
        ),
        // liabilities 1800000 / assets 3600000
        ("capital", "debt_ratio", "0.5 0.4 to under 0.55 80 40"),
        // current assets 1728000 / current liabilities 1080000
        ("capital", "current_ratio", "1.6 1.5 to under 2 80 25"),
        // (1728000 - inventory 648000) / 1080000
        ("capital", "quick_ratio", "1 1 to under 1.2 80 20"),
        // (3600000 - 1800000 - intangibles 1320000) / sales 1200000
        ("capital", "tnw_to_sales", "0.4 0.25 to under 0.5 60 15"),
        // 72000 / 1200000
        (
            "collateral",
            "collateral_to_sales",
            "0.06 0.05 to under 0.1 60 100",
        ),
        (
            "conditions",
            "sales_growth",
            "0.04 0.03 to under 0.1 80 100",
        ),
    ] {
        assert_eq!(
            measure_row(text, measure),
            format!(
                "{criterion} {measure} {rest} {}",
                measure_at(criterion, measure)
            )
        );
    }
    let channel_sign_at = rule_at("channel.rhai", "cap_grade(one_sign_cap, \"channel_sign\"");
    for line in [
        // 70 x 50% + 60 x 30% + 80 x 20% = 69
        "  character    69.00 x  30% = 20.7",
        // 60 x 30% + 80 x 30% + 25 x 20% + 75 x 20% = 62
        "  capacity     62.00 x  25% = 15.5",
        "  capital      77.00 x  25% = 19.25",
        "  collateral   60.00 x  10% = 6",
        "  conditions   80.00 x  10% = 8",
        "  total 69.45 -> base grade BBB (needs 60 or more)",
        // Sell-through 45% is a sign of a fake big client: a cap at AA, which BBB is already under.
        &format!("  {}: no better than AA: channel_sign", channel_sign_at),
        "  final grade BBB",
        // 63000 - 120000
        "  exposure 120000.00 -> available -57000.00",
        // Over the line, and the review (every 6 months for BBB, due 2026-09-25) is overdue by
        // 66 days, past the 30 days of grace.
        "actions: hold, review_due, watch",
        "next review: 2026-09-25",
        "what would lift the grade from BBB (each what-if decided again by the engine; 26 decisions)",
        // Each what-if's line is the engine's line for the changed row: A's 10% x 1200000 =
        // 120000, still x0.45 on its sell-through = 54000, plus the secured cover of 72000 at
        // 50% = 36000: 90000.
        &format!(
            "  on_time_ratio 93.0% -> 95.0%: gives A, line 90,000.00 (on_time_ratio at least 0.95, a band edge at {})",
            measure_at("character", "on_time_ratio")
        ),
        &format!(
            "  management_score 4 -> 5: gives A, line 90,000.00 (management_score at least 5, a band edge at {})",
            measure_at("capacity", "management_score")
        ),
        &format!(
            "  max_days_late 20 -> 14: gives A, line 90,000.00 (max_days_late under 15, a band edge at {})",
            measure_at("capacity", "max_days_late")
        ),
        &format!(
            "  high_risk_share 10.0% -> 4.9%: gives A, line 90,000.00 (high_risk_share under 0.05, a band edge at {})",
            measure_at("capacity", "high_risk_share")
        ),
        // Selling on to 60% of what it buys clears the sign and the scaling: 120000 + 36000.
        &format!(
            "  sell_through 45.0% -> 60.0%: sell on 180,000.00 more to end customers: gives A, line 156,000.00 (sell_through at least 0.6, a band edge at {})",
            measure_at("capacity", "sell_through")
        ),
        // A ratio is said in money on the input the client controls. 72000 + 48000 = 120000
        // of collateral at 50% = 60000 of cover: 54000 + 60000.
        &format!(
            "  collateral_to_sales 0.06 -> 0.10: pledge 48,000.00 more collateral: gives A, line 114,000.00 (collateral_to_sales at least 0.1, a band edge at {})",
            measure_at("collateral", "collateral_to_sales")
        ),
        // More current assets lift the quick ratio to its next band before the current ratio.
        &format!(
            "  quick_ratio 1.00 -> 1.20: raise current assets by 216,000.00: gives A, line 90,000.00 (quick_ratio at least 1.2, a band edge at {})",
            measure_at("capital", "quick_ratio")
        ),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "`{line}` not a line of:\n{text}"
        );
    }
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for step in [
        "annual sales 1200000.00",
        "x 5% for grade BBB 60000.00",
        // The line rests on what it sells on: x sell-through 0.45.
        "x factor 0.45 27000.00",
        "ceiling 15% of annual sales 180000.00",
        "rounded down to a multiple of 1000 27000.00",
        // Collateral 72000 at 50%: 27000 + 36000.
        "plus the secured cover 63000.00",
    ] {
        assert!(lines.iter().any(|l| l == step), "`{step}` not in:\n{text}");
    }
    let low_sell_through_at = rule_at("channel.rhai", "watch(\"low_sell_through\"");
    assert!(
        text.contains("  over_limit: exposure 120000.00 exceeds the line 63000.00 by 57000.00")
            && text.contains("  review_overdue: review overdue by 66 days (due 2026-09-25)")
            && text.contains("  low_sell_through: sell-through 45.0% is below 60.0%")
            && text.contains(&format!("[{low_sell_through_at}]")),
        "reasons with where the rule is:\n{text}"
    );
    assert_text_snapshot(
        "explain_d012",
        "`explain --client D012 --context examples/context.toml examples/clients.csv`",
        &without_hashes(text),
    );
}

/// The smallest step of an input column: whole numbers step by 1, money by a cent, shares and
/// growths by a thousandth (`resolution` in `src/engine/explain/whatif.rs`).
fn step_of(input: &str) -> Decimal {
    match input {
        "max_days_late" | "broken_promises" | "management_score" => Decimal::ONE,
        "on_time_ratio" | "high_risk_share" | "sales_growth" | "inventory_growth"
        | "receivable_growth" => Decimal::new(1, 3),
        _ => Decimal::new(1, 2),
    }
}

/// Every what-if of `explain --format json` for `id` in `input` under `policy`, proved by
/// evaluating: each what-if's changes, made to the client's row, give the grade it promises,
/// and for a single change the nearest value short of it (one step back) does not lift the
/// grade. Returns the what-ifs checked.
#[track_caller]
fn what_ifs_agree_with_evaluate(policy: &str, id: &str, input: &str) -> Vec<Value> {
    let explained = run(credit_policy()
        .args(["explain", "--client", id, "--policy", policy])
        .args(["--context", CONTEXT, "--format", "json", input]))
    .expect_code(EXIT_OK);
    let x: Value = serde_json::from_str(&explained.stdout).expect("one JSON object");
    let grade = x["grade"].as_str().expect("grade").to_string();
    let csv_text = std::fs::read_to_string(Path::new(ROOT).join(input)).expect("clients");
    let header: Vec<&str> = csv_text
        .lines()
        .next()
        .expect("header")
        .split(',')
        .collect();
    let row: Vec<String> = csv_text
        .lines()
        .find(|l| l.starts_with(&format!("{id},")))
        .expect("the client's row")
        .split(',')
        .map(String::from)
        .collect();
    assert_eq!(row.len(), header.len(), "no quoted commas in the row");
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column `{name}`"))
    };
    let next = &x["next_grade"];
    let all: Vec<Value> = next["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .chain(next["pairs"].as_array().expect("pairs"))
        .cloned()
        .collect();
    let mut portfolio = format!("{}\n", header.join(","));
    let mut expect = Vec::new();
    for (n, w) in all.iter().enumerate() {
        let changes = w["changes"].as_array().expect("changes");
        let mut at = row.clone();
        at[0] = format!("AT{n}");
        for c in changes {
            let input = c["input"].as_str().expect("input");
            let i = col(input);
            let from = c["input_from"].as_str().unwrap_or("");
            assert_eq!(
                row[i].trim_end_matches(".00"),
                from.trim_end_matches(".00"),
                "{c}"
            );
            at[i] = c["input_to"].as_str().expect("input_to").to_string();
        }
        portfolio.push_str(&format!("{}\n", at.join(",")));
        expect.push((
            format!("AT{n}"),
            w["gives"].as_str().expect("gives").to_string(),
        ));
        if let [c] = changes.as_slice() {
            let input = c["input"].as_str().expect("input");
            let to = Decimal::from_str(c["input_to"].as_str().expect("to")).expect("a number");
            let step = step_of(input);
            let short = if c["direction"] == "up" {
                to - step
            } else {
                to + step
            };
            let mut r = row.clone();
            r[0] = format!("SHORT{n}");
            r[col(input)] = short.normalize().to_string();
            portfolio.push_str(&format!("{}\n", r.join(",")));
            expect.push((format!("SHORT{n}"), grade.clone()));
        }
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("what_if.csv");
    std::fs::write(&path, portfolio).expect("write portfolio");
    let decisions = run(credit_policy()
        .args(["evaluate", "--policy", policy, "--context", CONTEXT])
        .args(["--format", "json"])
        .arg(&path))
    .expect_code(EXIT_OK)
    .json();
    for (id, gives) in &expect {
        assert_eq!(decision(&decisions, id)["grade"], gives.as_str(), "{id}");
    }
    all
}

/// `explain`'s what-ifs for D012 (BBB), proved by `evaluate`.
#[test]
fn explain_what_if_changes_are_computed_and_evaluate_agrees() {
    let x = explain_json("D012");
    assert_eq!(
        (x["grade"].as_str(), x["next_grade"]["grade"].as_str()),
        (Some("BBB"), Some("A"))
    );
    let all = what_ifs_agree_with_evaluate(STANDARD, "D012", CLIENTS);
    let inputs: Vec<&str> = all
        .iter()
        .map(|w| w["changes"][0]["input"].as_str().expect("input"))
        .collect();
    for m in [
        "on_time_ratio",
        "management_score",
        "max_days_late",
        "high_risk_share",
        "collateral_value",
        "total_liabilities",
        "current_assets",
        "sell_out",
    ] {
        assert!(
            inputs.contains(&m),
            "`{m}` is among the what-ifs: {inputs:?}"
        );
    }
}

/// D016 broke four promises: the rule `broken_promises >= wilful_broken_promises` (3) caps it
/// at CCC. Two broken promises already lift it to BBB (the band of 2 to 4 scores 30 points);
/// the old guess from band edges said `4 -> 1 would give A`.
#[test]
fn explain_finds_the_rule_threshold_not_only_band_edges() {
    let run = explain("D016", &[], CLIENTS).expect_code(EXIT_OK);
    let text = &run.stdout;
    // BBB's 5% x 18,000,000 = 900,000, plus the secured cover of 1,080,000 at 50% = 540,000.
    let rule = rule_at(
        "knockout.rhai",
        "if broken_promises >= wilful_broken_promises",
    );
    assert!(
        text.contains(&format!(
            "\n  broken_promises 4 -> 2: gives BBB, line 1,440,000.00 (broken_promises under wilful_broken_promises = 3, a rule at {rule})\n"
        )),
        "{text}"
    );
    assert!(!text.contains("-> 1"), "{text}");
    let all = what_ifs_agree_with_evaluate(STANDARD, "D016", CLIENTS);
    assert_eq!(all.len(), 1, "only the broken promises lift a capped grade");
    let c = &all[0]["changes"][0];
    assert_eq!(
        (
            &c["input_from"],
            &c["input_to"],
            &c["source"]["param"],
            &all[0]["limit"]
        ),
        (
            &"4".into(),
            &"2".into(),
            &"wilful_broken_promises".into(),
            &"1440000.00".into()
        )
    );
}

/// A copy of the standard policy whose rules cap the grade at BB above a debt ratio of 0.45
/// (a `[params]` value) and at CCC from a high-risk share of 0.30.
fn policy_with_more_caps() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, policy) = copy_standard();
    edit(
        &policy.join("policy.toml"),
        "\n[params]\n",
        "\n[params]\nmax_debt_ratio = 0.45\n",
    );
    let knockout = policy.join("rules/knockout.rhai");
    let mut rules = std::fs::read_to_string(&knockout).expect("knockout.rhai");
    rules.push_str(
        "\nif debt_ratio > max_debt_ratio {\n    cap_grade(\"BB\", \"too_much_debt\", \"debt ratio above the maximum\");\n}\n\
         if high_risk_share >= max_high_risk_share {\n    cap_grade(\"CCC\", \"risky_ventures\", \"too much in high-risk projects\");\n}\n",
    );
    std::fs::write(&knockout, rules).expect("write knockout.rhai");
    (tmp, policy)
}

/// A threshold in a script, on a ratio: D012 (debt ratio 0.50) is capped at BB by
/// `debt_ratio > max_debt_ratio` (0.45); cutting its liabilities of 1,800,000.00 to
/// 1,620,000.00 (0.45 of its assets) lifts it two notches, to A: less debt also raises its
/// tangible net worth into the next band.
#[test]
fn explain_says_a_script_threshold_on_a_ratio_in_money() {
    let (_tmp, policy) = policy_with_more_caps();
    let explained = run(credit_policy()
        .args(["explain", "--client", "D012", "--policy", arg(&policy)])
        .args(["--context", CONTEXT, CLIENTS]))
    .expect_code(EXIT_OK);
    let text = explained.stdout.replace(arg(&policy), "[POLICY]");
    assert!(
        text.starts_with("client D012 Orion Retail Partners: grade BB,"),
        "{text}"
    );
    // A's 10% x 1,200,000 = 120,000, x0.45 on its sell-through = 54,000, plus the secured
    // cover of 72,000 at 50% = 36,000: 90,000. The rule is the appended `if debt_ratio > ...`.
    let knockout = std::fs::read_to_string(policy.join("rules/knockout.rhai")).expect("knockout");
    let rule_line = knockout[..knockout
        .find("if debt_ratio > max_debt_ratio")
        .expect("the appended rule")]
        .matches('\n')
        .count()
        + 1;
    assert!(
        text.contains(&format!(
            "\n  debt_ratio 0.50 -> 0.45: reduce total liabilities by 180,000.00: gives A, line 90,000.00 (debt_ratio at most max_debt_ratio = 0.45, a rule at [POLICY]/rules/knockout.rhai:{rule_line})\n"
        )),
        "{text}"
    );
    what_ifs_agree_with_evaluate(arg(&policy), "D012", CLIENTS);
}

/// No single change is enough when two rules cap the grade: a pair is offered, and proved.
#[test]
fn explain_offers_a_pair_when_no_single_change_is_enough() {
    let (tmp, policy) = policy_with_more_caps();
    // D016 (four broken promises) with 35% of its assets in high-risk projects.
    let text = std::fs::read_to_string(Path::new(ROOT).join(CLIENTS)).expect("clients");
    let header = text.lines().next().expect("header");
    let row = text
        .lines()
        .find(|l| l.starts_with("D016,"))
        .expect("D016")
        .replace(",0.1,4,0.06,", ",0.35,4,0.06,");
    assert!(row.contains(",0.35,"), "{row}");
    let input = tmp.path().join("pair.csv");
    std::fs::write(&input, format!("{header}\n{row}\n")).expect("write input");
    let explained = run(credit_policy()
        .args(["explain", "--client", "D016", "--policy", arg(&policy)])
        .args(["--context", CONTEXT, arg(&input)]))
    .expect_code(EXIT_OK);
    let text = explained.stdout.replace(arg(&policy), "[POLICY]");
    assert!(
        text.contains("\n  broken_promises 4 -> 2 and high_risk_share 35.0% -> 29.9%: gives "),
        "{text}"
    );
    assert!(
        text.contains("\n  no change to a single input earns B; these pairs do"),
        "{text}"
    );
    let all = what_ifs_agree_with_evaluate(arg(&policy), "D016", arg(&input));
    assert!(
        all.iter()
            .all(|w| w["changes"].as_array().map(Vec::len) == Some(2))
    );
}

/// Panics unless the object `v` has exactly the fields `expected`.
#[track_caller]
fn has_fields(v: &Value, expected: &[&str]) {
    let got: BTreeSet<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    let want: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(got, want, "{v}");
}

#[test]
fn explain_json_has_the_documented_fields() {
    let x = explain_json("D012");
    has_fields(
        &x,
        &[
            "id",
            "name",
            "policy",
            "as_of",
            "economy",
            "measures",
            "criteria",
            "score",
            "base_grade",
            "thresholds",
            "grade_steps",
            "grade",
            "line_steps",
            "limit",
            "payment_days",
            "exposure",
            "available",
            "actions",
            "reasons",
            "next_review",
            "next_grade",
        ],
    );
    has_fields(&x["policy"], &["name", "version", "hash"]);
    has_fields(
        &x["measures"][0],
        &[
            "criterion",
            "measure",
            "value",
            "band",
            "points",
            "weight",
            "at",
        ],
    );
    assert_eq!(x["measures"].as_array().expect("measures").len(), 13);
    assert_eq!(
        x["measures"][0],
        serde_json::json!({
            "criterion": "character", "measure": "on_time_ratio", "value": "0.93",
            "band": "0.9 to under 0.95", "points": "70", "weight": "50",
            "at": measure_at("character", "on_time_ratio"),
        })
    );
    has_fields(
        &x["criteria"][0],
        &["criterion", "score", "weight", "contribution"],
    );
    has_fields(&x["line_steps"][0], &["step", "amount"]);
    // A reason: its code, text and where its rule is (null for the engine's own), the action it
    // asks for when it asks for one, and the rule's named figures when it gave any.
    has_fields(&x["reasons"][0], &["code", "text", "action", "at"]);
    assert_eq!(
        (
            &x["reasons"][0]["code"],
            &x["reasons"][0]["action"],
            &x["reasons"][0]["at"]
        ),
        (&"over_limit".into(), &"hold".into(), &Value::Null)
    );
    let low_sell_through = x["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .find(|r| r["code"] == "low_sell_through")
        .expect("a low_sell_through reason");
    has_fields(
        low_sell_through,
        &["code", "text", "action", "figures", "at"],
    );
    assert_eq!(
        (
            &low_sell_through["action"],
            &low_sell_through["figures"],
            &low_sell_through["at"]
        ),
        (
            &"watch".into(),
            // sell_out 540000 / sell_in 1200000; min_sell_through
            &serde_json::json!({ "sell_through": "0.45", "limit": "0.6" }),
            &rule_at("channel.rhai", "watch(\"low_sell_through\"").into()
        )
    );
    // A rule that asks for nothing and names no figure gives neither field.
    let channel_sign = x["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .find(|r| r["code"] == "channel_sign")
        .expect("a channel_sign reason");
    has_fields(channel_sign, &["code", "text", "at"]);
    has_fields(
        &x["next_grade"],
        &["grade", "changes", "pairs", "note", "decisions"],
    );
    assert_eq!(
        x["next_grade"]["changes"][0],
        serde_json::json!({
            "changes": [{
                "measure": "on_time_ratio", "from": "0.93", "to": "0.95",
                "input": "on_time_ratio", "input_from": "0.93", "input_to": "0.95", "by": "0.02",
                "direction": "up", "text": "on_time_ratio 93.0% -> 95.0%",
                "source": {
                    "kind": "band", "fact": "on_time_ratio", "edge": "0.95", "relation": ">=",
                    "at": measure_at("character", "on_time_ratio"),
                },
            }],
            // The engine's line for the changed row: A's 10% x 1200000 = 120000, x0.45 on its
            // sell-through = 54000, plus the secured cover of 72000 at 50% = 36000.
            "gives": "A", "limit": "90000.00", "score": "71.70",
        })
    );
    // A ratio's what-if carries the money on the input, exact.
    let collateral = x["next_grade"]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|w| w["changes"][0]["measure"] == "collateral_to_sales")
        .expect("a collateral what-if");
    assert_eq!(
        (
            &collateral["changes"][0]["input"],
            &collateral["changes"][0]["input_from"],
            &collateral["changes"][0]["input_to"],
            &collateral["changes"][0]["by"],
            &collateral["changes"][0]["to"],
        ),
        (
            &"collateral_value".into(),
            &"72000.00".into(),
            &"120000.00".into(),
            &"48000.00".into(),
            &"0.1".into()
        )
    );
    assert_eq!(
        (
            &x["as_of"],
            &x["economy"],
            &x["score"],
            &x["base_grade"],
            &x["limit"],
            &x["payment_days"]
        ),
        (
            &"2026-11-30".into(),
            &"normal".into(),
            &"69.45".into(),
            &"BBB".into(),
            &"63000.00".into(),
            &60.into()
        )
    );
    assert_eq!(x["thresholds"][3], serde_json::json!(["BBB", "60"]));

    // The top grade has nothing to reach.
    let top = explain_json("D001");
    assert_eq!(top["grade"], "AAA");
    assert_eq!(top["next_grade"], Value::Null);
}

#[test]
fn explain_an_unknown_id_suggests_a_close_one() {
    let run = explain("D0012", &[], CLIENTS).expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "");
    // D001 and D012 are both one edit away; the suggestion favours the longer common prefix.
    assert_eq!(
        run.stderr,
        "error: there is no client `D0012` in `examples/clients.csv`; did you mean `D001`?\n"
    );
    let run = explain("ZZ99", &[], CLIENTS).expect_code(EXIT_ERROR);
    assert_eq!(
        run.stderr, "error: there is no client `ZZ99` in `examples/clients.csv`\n",
        "no suggestion when nothing is close"
    );
}

#[test]
fn explain_a_rejected_row_names_the_reason() {
    let text = std::fs::read_to_string(Path::new(ROOT).join(CLIENTS)).expect("clients");
    let broken = text.replacen(
        "D012,Orion Retail Partners,north,no,1200000.00,108000.00,12000.00,0.93,",
        "D012,Orion Retail Partners,north,no,1200000.00,108000.00,12000.00,1.3,",
        1,
    );
    assert_ne!(broken, text, "D012's on_time_ratio was changed");
    let line = 1
        + text[..text.find("\nD012,").expect("D012")]
            .matches('\n')
            .count()
        + 1;
    let tmp = tempfile::tempdir().expect("temp dir");
    let input = tmp.path().join("clients.csv");
    std::fs::write(&input, broken).expect("write clients");
    let run = explain("D012", &[], arg(&input)).expect_code(EXIT_REJECTS);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "error: the row of `D012` on line {line} is rejected: on_time_ratio: `1.3` is outside 0 to 1; fix it to see its decision\n"
        )
    );
}

/// Every closed-pipe write must end quietly, as `evaluate` does (README: "A closed output pipe
/// is not an error"); the authoring commands panic with exit 101 instead.
#[test]
fn a_closed_pipe_is_not_an_error_for_the_authoring_commands() {
    let init_dir = tempfile::tempdir().expect("temp dir");
    let target = init_dir.path().join("mine");
    for args in [
        vec!["explain", "--client", "D012", "--context", CONTEXT, CLIENTS],
        vec!["check", STANDARD],
        vec!["test", STANDARD],
        vec!["diff", STANDARD, arg(&target)],
        vec!["init", arg(&target)],
    ] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = credit_policy()
            .args(&args)
            .stdout(writer)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{args:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------------------------

/// Every file under `dir`, by path inside it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("inside").display().to_string();
                out.insert(rel, std::fs::read(&p).expect("read file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn init_writes_the_standard_policy_which_check_test_and_diff_accept() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("mine");
    let run = cli(&["init", arg(&dir)]).expect_code(EXIT_OK);
    assert_eq!(
        run.stdout,
        format!(
            "wrote the standard policy to `{0}`; edit `{0}/policy.toml`, then run `credit-policy check {0}`\n",
            dir.display()
        )
    );
    assert_eq!(
        files(&dir),
        files(&Path::new(ROOT).join(STANDARD)),
        "a byte-for-byte copy of policies/standard"
    );
    cli(&["check", arg(&dir)]).expect_code(EXIT_OK);
    let tested = test_policy(&dir, false).expect_code(EXIT_OK);
    assert_eq!(tested.stdout.lines().last(), Some(seed_summary(0).as_str()));
    let same = cli(&["diff", STANDARD, arg(&dir)]).expect_code(EXIT_OK);
    assert!(
        same.stdout
            .starts_with("the policies are identical (sha256:"),
        "{}",
        same.stdout
    );
}

#[test]
fn init_refuses_a_folder_that_is_not_empty_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("mine");
    cli(&["init", arg(&dir)]).expect_code(EXIT_OK);
    // Work in progress that a second init must not undo.
    edit(
        &dir.join("policy.toml"),
        "name = \"standard\"",
        "name = \"mine\"",
    );
    std::fs::remove_file(dir.join("rules/channel.rhai")).expect("remove a script");
    let before = files(&dir);
    let run = cli(&["init", arg(&dir)]).expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "error: `{}` already exists and is not empty; nothing was written. Choose a new folder\n",
            dir.display()
        )
    );
    assert_eq!(files(&dir), before, "nothing written, nothing restored");
}

// ---------------------------------------------------------------------------------------------
// diff
// ---------------------------------------------------------------------------------------------

#[test]
fn diff_of_identical_folders_exits_0() {
    let (_tmp, copy) = copy_standard();
    let run = cli(&["diff", STANDARD, arg(&copy)]).expect_code(EXIT_OK);
    let hash = run
        .stdout
        .strip_prefix("the policies are identical (")
        .and_then(|s| s.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(hash.starts_with("sha256:") && hash.len() == 71, "{hash}");
}

#[test]
fn diff_names_every_number_that_moved_and_shows_changed_scripts() {
    let (_tmp, new) = copy_standard();
    let toml = new.join("policy.toml");
    edit_in_table(&toml, "[limits]", "AAA = 20", "AAA = 25");
    // 25% is above the 20% top-grade ceiling, which must rise with it for the policy to load.
    edit_in_table(
        &toml,
        "[line]",
        "top_grade_ceiling = 20",
        "top_grade_ceiling = 25",
    );
    edit_in_table(&toml, "[overlays.recession]", "notches = 1", "notches = 2");
    edit(
        &new.join("rules/channel.rhai"),
        "if cross_region_share > max_cross_region_share {",
        "if cross_region_share >= max_cross_region_share {",
    );
    let run = cli(&["diff", STANDARD, arg(&new)]).expect_code(EXIT_REJECTS);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let changes: Vec<&str> = lines[1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .copied()
        .collect();
    assert_eq!(
        changes,
        [
            "  limits.AAA: 20% -> 25%",
            "  line.top_grade_ceiling: 20% -> 25%",
            "  overlay recession: notches 1 -> 2",
        ]
    );
    for line in [
        "--- a/rules/channel.rhai",
        "+++ b/rules/channel.rhai",
        "-if cross_region_share > max_cross_region_share {",
        "+if cross_region_share >= max_cross_region_share {",
    ] {
        assert!(lines.contains(&line), "`{line}` not in:\n{}", run.stdout);
    }
    assert!(
        !run.stdout.contains("a/policy.toml"),
        "numbers are named, not diffed as text"
    );
    assert_text_snapshot(
        "diff_limits_overlay_script",
        "`diff policies/standard NEW` where NEW has AAA = 25% (ceiling 25%), recession notches 2 and `>=` in rules/channel.rhai",
        &shown(&run.stdout, &new),
    );
}

#[test]
fn diff_of_a_comment_only_change_says_no_number_moved() {
    let (_tmp, new) = copy_standard();
    edit(
        &new.join("policy.toml"),
        "# Nine grades: the minimum total score for each.",
        "# Nine grades: the lowest total score for each.",
    );
    let run = cli(&["diff", STANDARD, arg(&new)]).expect_code(EXIT_REJECTS);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[1],
        "  policy.toml: no number moved; only comments or layout changed"
    );
    for line in [
        "--- a/policy.toml",
        "-# Nine grades: the minimum total score for each.",
        "+# Nine grades: the lowest total score for each.",
    ] {
        assert!(lines.contains(&line), "`{line}` not in:\n{}", run.stdout);
    }
}

/// `[inputs] extra` changes which columns scripts read; it is not a comment or layout.
#[test]
fn diff_names_a_new_extra_input_column() {
    let (_tmp, new) = copy_standard();
    let toml = new.join("policy.toml");
    let mut text = std::fs::read_to_string(&toml).expect("policy.toml");
    text.push_str("\n[inputs]\nextra = [\"segment\"]\n");
    std::fs::write(&toml, text).expect("write policy.toml");
    let run = cli(&["diff", STANDARD, arg(&new)]).expect_code(EXIT_REJECTS);
    let changes: Vec<&str> = run
        .stdout
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(
        changes.iter().any(|l| l.contains("segment")),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("only comments or layout"),
        "{}",
        run.stdout
    );
}

/// A changed overlay description goes unmentioned when a number moved too.
#[test]
fn diff_shows_a_changed_description_next_to_a_moved_number() {
    let (_tmp, new) = copy_standard();
    let toml = new.join("policy.toml");
    edit(
        &toml,
        "description = \"in a recession every client is rated more conservatively: one notch lower\"",
        "description = \"in a recession every client is rated two notches lower\"",
    );
    edit_in_table(&toml, "[overlays.recession]", "notches = 1", "notches = 2");
    let run = cli(&["diff", STANDARD, arg(&new)]).expect_code(EXIT_REJECTS);
    assert!(
        run.stdout.contains("overlay recession: notches 1 -> 2"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("two notches lower"), "{}", run.stdout);
}
