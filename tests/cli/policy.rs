//! Broken policies. Each test copies `policies/standard` into a temp dir and breaks one thing:
//! a policy that does not load exits 2, prints nothing on stdout and points at `file:line:col`
//! on stderr; a rule that fails while running rejects the client with the script position.

use std::path::Path;

use crate::support::*;

const GOOD: &str = "tests/fixtures/good/clients.csv";

/// The body of the seed's one collateral measure, replaced by a `script` measure in some tests.
const COLLATERAL_MEASURE: &str = r#"input = "collateral_to_sales"
weight = 100
missing = 20
bands = [
  { from = 0.15, points = 100 },
  { from = 0.10, to = 0.15, points = 80 },
  { from = 0.05, to = 0.10, points = 60 },
  { from = 0.01, to = 0.05, points = 40 },
  { to = 0.01, points = 20 },
]
"#;

/// Runs the good portfolio on a policy that must not load; checks exit code, silence on stdout,
/// the location and the words on stderr, and snapshots stderr with the temp path hidden.
#[track_caller]
fn refused(policy: &Path, location: &str, words: &[&str], snapshot: &str, about: &str) {
    let run = evaluate_with(policy, &["--format", "jsonl", GOOD]).expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "", "nothing is evaluated");
    assert!(
        run.stderr.lines().any(|l| l == format!("{location}:")),
        "`{location}` not on a line of its own in:\n{}",
        run.stderr
    );
    for w in words {
        assert!(run.stderr.contains(w), "`{w}` not in:\n{}", run.stderr);
    }
    let shown = run
        .stderr
        .replace(&policy.display().to_string(), "[POLICY]");
    assert_text_snapshot(snapshot, about, &shown);
}

#[test]
fn a_toml_syntax_error() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    edit(&toml, "\n[grades]\n", "\n[grades\n");
    refused(
        &policy,
        &location(&toml, "[grades\n", "[grades".len()),
        &["unclosed table, expected `]`"],
        "load_toml_syntax",
        "stderr when policy.toml has `[grades` without its `]`",
    );
}

#[test]
fn an_unknown_key_suggests_the_right_one() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    // Every table of the criterion, so `capital` is simply misspelt.
    let text = std::fs::read_to_string(&toml).expect("policy.toml");
    assert_eq!(text.matches("[criteria.capital").count(), 5);
    std::fs::write(
        &toml,
        text.replace("[criteria.capital", "[criteria.captial"),
    )
    .expect("write policy.toml");
    refused(
        &policy,
        &location(&toml, "captial]", 0),
        &[
            "unknown table `criteria.captial`",
            "did you mean `capital`?",
        ],
        "load_unknown_key",
        "stderr when every `[criteria.capital...]` table is spelt `captial`",
    );
}

#[test]
fn a_misspelt_key_inside_a_table_suggests_the_right_one() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    let text = std::fs::read_to_string(&toml).expect("policy.toml");
    std::fs::write(
        &toml,
        text.replacen("payment_days = 60", "payment_dyas = 60", 1),
    )
    .expect("write policy.toml");
    refused(
        &policy,
        &location(&toml, "payment_dyas", 0),
        &[
            "unknown field `payment_dyas`",
            "did you mean `payment_days`?",
        ],
        "load_misspelt_key",
        "stderr when `payment_days` is spelt `payment_dyas`",
    );
}

#[test]
fn a_string_where_a_number_is_required() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    edit(&toml, "payment_days = 60", "payment_days = \"sixty\"");
    refused(
        &policy,
        &location(&toml, "\"sixty\"", 0),
        &["invalid type: string \"sixty\""],
        "load_wrong_type",
        "stderr when policy.toml has `payment_days = \"sixty\"`",
    );
}

#[test]
fn a_rhai_syntax_error() {
    let (_tmp, policy) = copy_standard();
    let script = policy.join("rules/channel.rhai");
    edit(
        &script,
        "if sell_through < min_sell_through {",
        "if sell_through < < min_sell_through {",
    );
    refused(
        &policy,
        &location(&script, "< < min_sell_through", 2),
        &["Unexpected '<'"],
        "load_rhai_syntax",
        "stderr when rules/channel.rhai has `sell_through < < min_sell_through`",
    );
}

#[test]
fn a_script_reading_an_undefined_variable_suggests_the_right_one() {
    let (_tmp, policy) = copy_standard();
    let script = policy.join("rules/channel.rhai");
    edit(
        &script,
        "if sell_through < min_sell_through {",
        "if sell_thru < min_sell_through {",
    );
    refused(
        &policy,
        &location(&script, "sell_thru <", 0),
        &[
            "`sell_thru` is not a client field",
            "did you mean `sell_through`?",
        ],
        "load_undefined_variable",
        "stderr when rules/channel.rhai reads `sell_thru`",
    );
}

#[test]
fn a_script_measure_naming_a_function_no_script_defines() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    edit(
        &toml,
        COLLATERAL_MEASURE,
        "script = \"nope\"\nweight = 100\nmissing = 20\n",
    );
    refused(
        &policy,
        &location(&toml, "\"nope\"", 0),
        &["no script defines a function `nope`"],
        "load_unknown_function",
        "stderr when a measure has `script = \"nope\"` and no script defines `nope`",
    );
}

/// Adds `rules/boom.rhai` with `text` after the seed's two rule scripts.
fn with_rule(policy: &Path, text: &str) {
    std::fs::write(policy.join("rules/boom.rhai"), text).expect("write rule");
    edit(
        &policy.join("policy.toml"),
        "rules = [\"rules/knockout.rhai\", \"rules/channel.rhai\"]",
        "rules = [\"rules/knockout.rhai\", \"rules/channel.rhai\", \"rules/boom.rhai\"]",
    );
}

/// Runs the good portfolio on a policy whose new rule fails for every client: each is rejected
/// with `script <file>:<line>:...`, nothing is decided, exit 1.
#[track_caller]
fn every_client_fails(policy: &Path, line: usize, words: &str) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let rejects_path = tmp.path().join("rejects.jsonl");
    let run = evaluate_with(
        policy,
        &[
            "--format",
            "jsonl",
            "--rejects",
            rejects_path.to_str().expect("utf-8 path"),
            GOOD,
        ],
    )
    .expect_code(EXIT_REJECTS);
    assert_eq!(run.stdout, "", "no client was decided");
    let rejects = parse_jsonl(&std::fs::read_to_string(&rejects_path).expect("rejects file"));
    assert_eq!(
        ids(&rejects),
        ["G001", "G002", "G003", "G004", "G005"],
        "every client, in order"
    );
    let script = policy.join("rules/boom.rhai").display().to_string();
    for (r, line_no) in rejects.iter().zip(2..) {
        assert_eq!(r["line"], line_no, "{r}");
        let field = r["field"].as_str().expect("field");
        assert!(
            field.starts_with(&format!("script {script}:{line}:")),
            "field `{field}`"
        );
        let reason = r["reason"].as_str().expect("reason");
        assert!(reason.contains(words), "`{words}` not in `{reason}`");
    }
}

#[test]
fn a_rule_dividing_by_zero_rejects_each_client_with_the_script_position() {
    let (_tmp, policy) = copy_standard();
    with_rule(
        &policy,
        "// fails for everyone\nlet zero = annual_sales - annual_sales;\nlet share = annual_sales / zero;\n",
    );
    every_client_fails(&policy, 3, "Division by zero");
}

#[test]
fn an_endless_rule_is_stopped_and_rejects_each_client() {
    let (_tmp, policy) = copy_standard();
    with_rule(&policy, "// never ends\nloop {}\n");
    every_client_fails(&policy, 2, "operation limit");
}

/// Lists `rules/helpers.rhai` under `[scripts] functions`, holding `text`.
fn with_functions(policy: &Path, text: &str) {
    std::fs::write(policy.join("rules/helpers.rhai"), text).expect("write functions");
    edit(
        &policy.join("policy.toml"),
        "\n[scripts]\n",
        "\n[scripts]\nfunctions = [\"rules/helpers.rhai\"]\n",
    );
}

/// The field of the first reject when the good portfolio runs on `policy`; every client must fail.
fn first_reject_field(policy: &Path) -> String {
    let tmp = tempfile::tempdir().expect("temp dir");
    let rejects_path = tmp.path().join("rejects.jsonl");
    evaluate_with(
        policy,
        &[
            "--format",
            "jsonl",
            "--rejects",
            rejects_path.to_str().expect("utf-8 path"),
            GOOD,
        ],
    )
    .expect_code(EXIT_REJECTS);
    let rejects = parse_jsonl(&std::fs::read_to_string(&rejects_path).expect("rejects file"));
    assert_eq!(rejects.len(), 5);
    rejects[0]["field"].as_str().expect("field").to_string()
}

/// A helper function failing when a rule calls it: the position is in the helper's file, so the
/// reject must name that file. Fails today: it names the calling rule script with the helper's
/// line and column (see the report).
#[test]
fn a_failure_inside_a_helper_function_names_the_file_that_defines_it() {
    let (_tmp, policy) = copy_standard();
    with_functions(&policy, "// helpers\nfn ratio(a, b) {\n    a / b\n}\n");
    with_rule(
        &policy,
        "// rule\nlet r = ratio(annual_sales, annual_sales - annual_sales);\n",
    );
    let field = first_reject_field(&policy);
    let helpers = policy.join("rules/helpers.rhai").display().to_string();
    assert!(
        field.starts_with(&format!("script {helpers}:3:")),
        "field `{field}`"
    );
}

/// A `script` measure failing at run time: the reject must name the script file, not only the
/// function. Fails today: the field is `script collateral_points:3:18` (see the report).
#[test]
fn a_failing_measure_function_names_its_script_file() {
    let (_tmp, policy) = copy_standard();
    with_functions(
        &policy,
        "// measures\nfn collateral_points() {\n    annual_sales / (annual_sales - annual_sales)\n}\n",
    );
    edit(
        &policy.join("policy.toml"),
        COLLATERAL_MEASURE,
        "script = \"collateral_points\"\nweight = 100\nmissing = 20\n",
    );
    let field = first_reject_field(&policy);
    let helpers = policy.join("rules/helpers.rhai").display().to_string();
    assert!(
        field.starts_with(&format!("script {helpers}:3:")),
        "field `{field}`"
    );
}

#[test]
fn a_misspelt_key_and_a_missing_field_hide_no_other_problem() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    edit(&toml, "payment_days = 60 ", "payment_dyas = 60 ");
    edit(
        &toml,
        "key_account_months = 6  # SOURCE: key accounts every six months\n",
        "",
    );
    edit_in_table(&toml, "[grades]", "BB = 50", "BB = 65");
    edit(
        &toml,
        "[criteria.capital]\nweight = 25",
        "[criteria.capital]\nweight = 20",
    );
    let run = run(credit_policy().args(["check"]).arg(&policy)).expect_code(EXIT_ERROR);
    let expected = [
        (
            location(&toml, "payment_dyas", 0),
            "unknown field `payment_dyas`",
        ),
        (
            location(&toml, "[review]", 0),
            "missing field `key_account_months`",
        ),
        (
            location(&toml, "BB = 65", "BB = ".len()),
            "grade thresholds must fall from AAA to C",
        ),
        (
            location(
                &toml,
                "weight = 30\ndescription = \"keeps",
                "weight = ".len(),
            ),
            "the five criterion weights add up to 95, not 100",
        ),
    ];
    for (at, message) in &expected {
        let block = run
            .stderr
            .split("\n\n")
            .find(|b| b.starts_with(&format!("{at}:\n")))
            .unwrap_or_else(|| panic!("nothing reported at `{at}`:\n{}", run.stderr));
        assert!(block.contains(message), "`{message}` not in:\n{block}");
    }
    assert!(
        run.stderr.ends_with(&format!(
            "error: the policy in `{}` has 4 error(s)\n",
            policy.display()
        )),
        "{}",
        run.stderr
    );
    let shown = run
        .stderr
        .replace(&policy.display().to_string(), "[POLICY]");
    assert_text_snapshot(
        "load_four_problems_at_once",
        "stderr of `check` with `payment_dyas` in [line], no `key_account_months` in [review], BB = 65 in [grades] and criterion weights adding to 95",
        &shown,
    );
}
