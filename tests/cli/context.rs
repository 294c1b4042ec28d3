//! The context file: every problem of it reported at once, each at its line and column, with
//! what was likely meant.

use crate::support::*;

const FOUR_PROBLEMS: &str = "tests/fixtures/context/four_problems.toml";

#[test]
fn every_problem_of_a_context_file_at_once() {
    let file = std::path::Path::new(ROOT).join(FOUR_PROBLEMS);
    let run = evaluate(&[
        "--context",
        FOUR_PROBLEMS,
        "--format",
        "jsonl",
        "tests/fixtures/good/clients.csv",
    ])
    .expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "", "nothing is decided");
    let rel =
        |needle: &str, skip: usize| location(&file, needle, skip).replace(&format!("{ROOT}/"), "");
    let expected = [
        (rel("\"2026-02-30\"", 0), "`as_of`:"),
        (
            rel("\"recesion\"", 0),
            "the policy has no economy `recesion`; did you mean `recession`?",
        ),
        (rel("[company]", 0), "missing field `cash`"),
        (rel("recievables", 0), "unknown field `recievables`"),
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
        run.stderr.contains("help: did you mean `receivables`?"),
        "{}",
        run.stderr
    );
    assert_text_snapshot(
        "context_four_problems",
        "stderr of `evaluate --context` on a file with as_of 2026-02-30, economy `recesion`, `recievables` misspelt and no `cash` in [company]",
        &run.stderr,
    );
}

#[test]
fn an_economy_flag_overrides_a_wrong_economy_in_the_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let ctx = tmp.path().join("ctx.toml");
    std::fs::write(&ctx, "as_of = 2026-06-30\neconomy = \"recesion\"\n").expect("write");
    let run = evaluate(&[
        "--context",
        ctx.to_str().expect("UTF-8"),
        "--economy",
        "recession",
        "--format",
        "jsonl",
        "tests/fixtures/good/clients.csv",
    ])
    .expect_code(EXIT_OK);
    assert!(!run.jsonl().is_empty());
}
