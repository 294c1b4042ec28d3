//! Finding the policy and reading the arguments: no policy, `CREDIT_POLICY`, a misspelt
//! economy, a bad as-of date.

use std::path::Path;

use crate::support::*;

const GRADES: &str = "tests/fixtures/grades/clients.csv";

fn grades_abs() -> String {
    Path::new(ROOT).join(GRADES).display().to_string()
}

#[test]
fn without_a_policy_folder_the_built_in_standard_policy_decides_and_says_so() {
    let empty = tempfile::tempdir().expect("temp dir");
    let built_in = run(credit_policy().current_dir(empty.path()).args([
        "evaluate",
        "--as-of",
        AS_OF,
        "--format",
        "jsonl",
        &grades_abs(),
    ]))
    .expect_code(EXIT_OK);
    let on_disk = evaluate(&["--format", "jsonl", GRADES]).expect_code(EXIT_OK);
    // The same decisions, to the policy hash and the rule positions in every reason.
    assert_eq!(built_in.stdout, on_disk.stdout);
    let hash = on_disk.jsonl()[0]["policy"]["hash"]
        .as_str()
        .expect("a hash")
        .to_string();
    assert!(hash.starts_with("sha256:"), "{hash}");
    assert_eq!(
        built_in.stderr,
        format!(
            "note: using the built-in standard policy 1.0.0 ({hash}); pass --policy DIR to use your own\n"
        )
    );
    assert_eq!(on_disk.stderr, "", "no note when the folder decides");

    // `check` says which policy it checked.
    let check = run(credit_policy().current_dir(empty.path()).arg("check")).expect_code(EXIT_OK);
    assert_eq!(
        check.stdout,
        "policy `standard` 1.0.0 in the built-in standard policy: no errors, 0 warning(s)\n"
    );
    assert!(check.stderr.contains(&hash), "{}", check.stderr);
}

#[test]
fn a_policy_folder_that_does_not_exist_exits_2() {
    let empty = tempfile::tempdir().expect("temp dir");
    let missing = empty.path().join("nowhere");
    let run = evaluate_with(&missing, &["--format", "jsonl", GRADES]).expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("there is no policy folder"),
        "{}",
        run.stderr
    );
}

#[test]
fn credit_policy_env_var_is_honoured_and_policy_flag_wins() {
    let (_tmp, policy) = copy_standard();
    edit_in_table(
        &policy.join("policy.toml"),
        "[limits]",
        "AAA = 20",
        "AAA = 18",
    );
    let empty = tempfile::tempdir().expect("temp dir");

    let from_env = run(credit_policy()
        .current_dir(empty.path())
        .env("CREDIT_POLICY", &policy)
        .args([
            "evaluate",
            "--as-of",
            AS_OF,
            "--format",
            "jsonl",
            &grades_abs(),
        ]))
    .expect_code(EXIT_OK)
    .jsonl();
    assert_eq!(
        decision(&from_env, "GR-AAA")["unsecured_line"],
        "422000.00",
        "18% of 2345678"
    );
    let direct = evaluate_with(&policy, &["--format", "jsonl", GRADES])
        .expect_code(EXIT_OK)
        .jsonl();
    assert_eq!(from_env, direct);

    let flag = run(credit_policy().env("CREDIT_POLICY", &policy).args([
        "evaluate", "--as-of", AS_OF, "--format", "jsonl", "--policy", STANDARD, GRADES,
    ]))
    .expect_code(EXIT_OK)
    .jsonl();
    assert_eq!(
        decision(&flag, "GR-AAA")["unsecured_line"],
        "469000.00",
        "--policy beats the env var"
    );
}

#[test]
fn a_misspelt_economy_exits_2_and_suggests_the_right_one() {
    let run =
        evaluate(&["--format", "jsonl", "--economy", "recesion", GRADES]).expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("did you mean `recession`?"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("normal, recession"), "{}", run.stderr);
    assert_text_snapshot(
        "unknown_economy",
        "stderr of `evaluate --economy recesion`",
        &run.stderr,
    );
}

#[test]
fn an_impossible_as_of_date_exits_2() {
    let run = run(credit_policy().args([
        "evaluate",
        "--as-of",
        "2026-02-30",
        "--format",
        "jsonl",
        GRADES,
    ]))
    .expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("--as-of: `2026-02-30` is not a real date"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_as_of_flag_overrides_the_context_file() {
    // The context says 2026-06-30; on 2026-07-01 the AAA client reviewed 2025-07-01 is due.
    let due = run(credit_policy().args([
        "evaluate",
        "--as-of",
        "2026-07-01",
        "--context",
        "tests/fixtures/context/healthy_edge.toml",
        "--format",
        "jsonl",
        "tests/fixtures/actions/clients.csv",
    ]))
    .expect_code(EXIT_OK)
    .jsonl();
    assert_eq!(actions(decision(&due, "R-NOT")), ["review_due"]);
    // Without --as-of, the context file's as_of (2026-06-30) holds.
    let not_due = run(credit_policy().args([
        "evaluate",
        "--context",
        "tests/fixtures/context/healthy_edge.toml",
        "--format",
        "jsonl",
        "tests/fixtures/actions/clients.csv",
    ]))
    .expect_code(EXIT_OK)
    .jsonl();
    assert_eq!(actions(decision(&not_due, "R-NOT")), Vec::<&str>::new());
}
