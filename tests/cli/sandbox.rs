//! The script sandbox, proven on the real binary: a rule that never ends, recurses forever,
//! grows a string or an array without bound, or divides by zero is stopped, and rejects each
//! client with the script position; a call to anything outside the script API (files,
//! processes, network, modules, `eval`) is refused when the policy loads; `print` goes nowhere.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;

const GOOD: &str = "tests/fixtures/good/clients.csv";
const GOOD_IDS: [&str; 5] = ["G001", "G002", "G003", "G004", "G005"];

/// Longer than any bounded run could take, even in a debug build on a busy machine; a run
/// still going then is a hang, and the test fails instead of hanging.
const DEADLINE: Duration = Duration::from_secs(60);

/// Appends `code` to `rules/channel.rhai` of the policy copy; returns the script and the
/// 1-based line `code` starts on.
fn append_rule(policy: &Path, code: &str) -> (PathBuf, usize) {
    let script = policy.join("rules/channel.rhai");
    let mut text = std::fs::read_to_string(&script).expect("channel.rhai");
    text.push_str("\n// added by the sandbox test\n");
    let line = text.matches('\n').count() + 1;
    text.push_str(code);
    text.push('\n');
    std::fs::write(&script, text).expect("write channel.rhai");
    (script, line)
}

/// `evaluate` of the good portfolio with rejects to a file, killed (and failed) after
/// [`DEADLINE`]. Returns the run and the rejects.
fn evaluate_bounded(policy: &Path) -> (Run, Vec<serde_json::Value>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let rejects = tmp.path().join("rejects.jsonl");
    let (out_path, err_path) = (tmp.path().join("stdout"), tmp.path().join("stderr"));
    let mut child = credit_policy()
        .args([
            "evaluate", "--as-of", AS_OF, "--format", "jsonl", "--policy",
        ])
        .arg(policy)
        .arg("--rejects")
        .arg(&rejects)
        .arg(GOOD)
        .stdout(Stdio::from(
            std::fs::File::create(&out_path).expect("stdout file"),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(&err_path).expect("stderr file"),
        ))
        .spawn()
        .expect("the binary starts");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > DEADLINE {
            child.kill().expect("kill the hung run");
            child.wait().expect("reap");
            panic!("evaluate still running after {DEADLINE:?}: the script was not stopped");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let run = Run {
        code: status.code().expect("exits, not killed"),
        stdout: std::fs::read_to_string(&out_path).expect("stdout"),
        stderr: std::fs::read_to_string(&err_path).expect("stderr"),
    };
    let rejected = std::fs::read_to_string(&rejects)
        .map(|t| parse_jsonl(&t))
        .unwrap_or_default();
    (run, rejected)
}

/// Appends `code` as a rule, runs the good portfolio, and checks that every client is rejected
/// with `script <channel.rhai>:<line>:<col>` and a reason holding `words`. `col_of`, when given,
/// is text on that line the column must point at.
#[track_caller]
fn every_client_rejected(code: &str, col_of: Option<&str>, words: &str) {
    let (_tmp, policy) = copy_standard();
    let (script, line) = append_rule(&policy, code);
    let (run, rejects) = evaluate_bounded(&policy);
    let run = run.expect_code(EXIT_REJECTS);
    assert_eq!(run.stdout, "", "no client was decided");
    assert_eq!(ids(&rejects), GOOD_IDS, "every client, in input order");
    let prefix = format!("script {}:{line}:", script.display());
    for r in &rejects {
        let field = r["field"].as_str().expect("field");
        let col = field
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("`{field}` does not start with `{prefix}`"));
        let col: usize = col.parse().expect("a column number");
        match col_of {
            Some(needle) => assert_eq!(
                format!("script {}", location(&script, needle, 0)),
                field,
                "points at `{needle}`"
            ),
            None => assert!(
                (1..=code.chars().count()).contains(&col),
                "column {col} is on the line"
            ),
        }
        let reason = r["reason"].as_str().expect("reason");
        assert!(
            reason.starts_with("a policy rule failed: ")
                && reason.contains(words)
                && reason.ends_with("; fix the script, this client was not decided"),
            "`{words}` not in `{reason}`"
        );
    }
    assert!(
        run.stderr
            .starts_with("every row was rejected: nothing decided; 5 row(s) rejected (listed in `"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_endless_loop_is_stopped() {
    every_client_rejected(
        "loop {}",
        None,
        "the script ran past its operation limit (an endless loop?)",
    );
}

#[test]
fn endless_recursion_is_stopped() {
    every_client_rejected(
        "fn f(n) { f(n + 1) } f(1);",
        None,
        "the script calls functions without end",
    );
}

#[test]
fn a_string_growing_without_bound_is_stopped() {
    every_client_rejected(
        "let s = \"x\"; loop { s += s; }",
        Some("+= s"),
        "Length of string too large",
    );
}

#[test]
fn an_array_growing_without_bound_is_stopped() {
    every_client_rejected(
        "let a = []; loop { a.push(1); }",
        Some("push(1)"),
        "Size of array/BLOB too large",
    );
}

#[test]
fn dividing_by_zero_rejects_each_client() {
    every_client_rejected("let x = annual_sales / 0;", Some("/ 0"), "Division by zero");
}

/// Appends `code` as a rule; the policy must not load: exit 2, nothing on stdout, the position
/// and `message` on stderr.
#[track_caller]
fn refused_at_load(code: &str, at: &str, message: &str) {
    let (_tmp, policy) = copy_standard();
    let (script, _) = append_rule(&policy, code);
    let run = evaluate_with(&policy, &["--format", "jsonl", GOOD]).expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "", "nothing is evaluated");
    let location = location(&script, at, 0);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let i = lines
        .iter()
        .position(|l| *l == format!("{location}:"))
        .unwrap_or_else(|| panic!("`{location}` not on a line of its own in:\n{}", run.stderr));
    assert_eq!(lines[i + 1], format!("  × {message}"), "{}", run.stderr);
    assert_eq!(
        lines.last(),
        Some(
            &format!(
                "error: the policy in `{}` has 1 error(s); nothing was done",
                policy.display()
            )
            .as_str()
        )
    );
}

#[test]
fn there_is_no_function_to_read_a_file() {
    refused_at_load(
        "let t = read_file(\"x\");",
        "read_file",
        "there is no function `read_file`",
    );
    refused_at_load(
        "let f = open(\"x\");",
        "open",
        "there is no function `open`",
    );
}

#[test]
fn there_is_no_function_to_start_a_process() {
    refused_at_load("system(\"ls\");", "system", "there is no function `system`");
}

#[test]
fn there_is_no_function_to_reach_the_network() {
    refused_at_load(
        "let r = http_get(\"x\");",
        "http_get",
        "there is no function `http_get`",
    );
}

#[test]
fn modules_and_eval_are_refused_at_load() {
    refused_at_load(
        "import \"x\" as y;",
        "import",
        "'import' is a reserved keyword",
    );
    refused_at_load(
        "let v = eval(\"1\");",
        "eval",
        "reserved keyword 'eval' is disabled",
    );
}

#[test]
fn print_and_debug_write_nothing() {
    let marker = "sandbox-print-marker";
    let (_tmp, policy) = copy_standard();
    append_rule(
        &policy,
        &format!("print(\"{marker}\");\ndebug(\"{marker}\");"),
    );
    let printed = evaluate_with(&policy, &["--format", "jsonl", GOOD]).expect_code(EXIT_OK);
    assert!(!printed.stdout.contains(marker), "{}", printed.stdout);
    assert!(!printed.stderr.contains(marker), "{}", printed.stderr);
    // Decisions as without the calls (all but the policy hash).
    let plain = evaluate(&["--format", "jsonl", GOOD]).expect_code(EXIT_OK);
    let strip = |run: &Run| {
        run.jsonl()
            .into_iter()
            .map(|mut d| {
                d.as_object_mut().expect("an object").remove("policy");
                d
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&printed), strip(&plain));
}
