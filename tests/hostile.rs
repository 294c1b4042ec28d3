//! Every command on hostile inputs (issue 11): a policy folder whose test file points outside it,
//! whose rule script is a link out, that holds a FIFO, whose scripts give endless reasons or
//! out-of-range points; a workbook with a cell at XFD1048576; dates before 1900; a context
//! whose cash + receivables pass the largest decimal; CR-only line endings. No command may
//! panic (exit 101) or abort (134), and each says what is wrong.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_credit-policy");

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/hostile_input/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn standard() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/standard")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Runs the binary; asserts it neither panicked nor aborted, and that a failure says something.
fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .env("NO_COLOR", "1")
        .env_remove("CREDIT_POLICY")
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        code != 101 && code != 134 && code != -1 && !text.contains("panicked"),
        "{args:?} crashed with {code}: {text}"
    );
    if code != 0 {
        assert!(!text.trim().is_empty(), "{args:?} failed silently");
    }
    (code, text)
}

/// The eleven commands on one input, one policy and one context.
fn every_command(input: &str, policy: &str, context: Option<&str>) -> Vec<(i32, String)> {
    let with = |cmd: &[&str]| {
        let mut a: Vec<&str> = cmd.to_vec();
        if !matches!(cmd[0], "check" | "test" | "diff" | "replay") {
            a.extend(["--policy", policy]);
            if let Some(c) = context {
                a.extend(["--context", c]);
            }
        }
        run(&a)
    };
    let mut out = vec![
        with(&["evaluate", input]),
        with(&["explain", "--client", "C1", input]),
        with(&["order", "--client", "C1", "--amount", "1000", input]),
        with(&["review", input]),
        with(&["exit", input]),
        with(&["channel", input]),
        with(&["check", policy]),
        with(&["test", policy]),
        with(&["diff", policy, policy]),
        with(&["replay", input]),
    ];
    let mut a = vec!["compare", "--a", policy, "--b", policy, input];
    if let Some(c) = context {
        a.extend(["--context", c]);
    }
    out.push(run(&a));
    out
}

#[test]
fn hostile_inputs_never_crash_a_command() {
    let policy = standard();
    let policy = policy.to_str().unwrap();
    let csv = format!("{}/examples/clients.csv", env!("CARGO_MANIFEST_DIR"));
    for input in [
        fixture("far_corner.xlsx"),
        fixture("lone_far_cell.xlsx"),
        fixture("date_1850.xlsx"),
        fixture("cr_only.csv"),
    ] {
        every_command(&input, policy, None);
    }
    let overflow = fixture("context_overflow.toml");
    for (code, text) in every_command(&csv, policy, Some(&overflow)) {
        if text.contains("context_overflow") {
            assert_ne!(code, 0);
            assert!(
                text.contains("`company.cash` + `company.receivables`"),
                "{text}"
            );
        }
    }
    let (code, text) = run(&["evaluate", &fixture("date_1850.xlsx")]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("cell C3 holds a date outside the years 1900 to 9999"),
        "{text}"
    );
    assert!(
        text.contains("cell C4 holds the date `1850-01-01`"),
        "{text}"
    );
    let (_, text) = run(&["evaluate", &fixture("cr_only.csv")]);
    assert!(text.contains("carriage return alone"), "{text}");
    let (_, text) = run(&["evaluate", &fixture("far_corner.xlsx")]);
    assert!(
        text.contains("1 client(s) decided, 1 row(s) rejected"),
        "{text}"
    );
}

/// `replay` of a real audit log whose recorded context was edited so that cash + receivables
/// pass the largest decimal: no panic; the edit is named and the run fails.
#[test]
fn replay_of_a_log_with_an_overflowing_context_names_the_edit() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("audit.jsonl");
    let log = log.to_str().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let (code, text) = run(&[
        "evaluate",
        "--policy",
        &format!("{root}/policies/standard"),
        "--context",
        &format!("{root}/examples/context.toml"),
        "--log",
        log,
        "--format",
        "json",
        &format!("{root}/examples/clients.csv"),
    ]);
    assert_eq!(code, 0, "{text}");
    let written = std::fs::read_to_string(log).unwrap();
    assert!(written.contains("\"cash\":\"60000000.00\""));
    let max = "79228162514264337593543950335";
    let edited = written
        .replace("\"cash\":\"60000000.00\"", &format!("\"cash\":\"{max}\""))
        .replace(
            "\"receivables\":\"210000000.00\"",
            &format!("\"receivables\":\"{max}\""),
        );
    std::fs::write(log, edited).unwrap();
    let (code, text) = run(&[
        "replay",
        log,
        "--policy",
        &format!("{root}/policies/standard"),
    ]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("line 1: context edited: seq 1:"), "{text}");
}

/// A workbook Excel did not write: a cell past XFD1048576 (a release build of the reader wraps
/// references past 2^32, so such a cell could land in a wrong column) or one cell given twice
/// with two values. Each is refused naming the sheet and the cell, never read as some value.
#[test]
fn a_workbook_with_a_cell_outside_excel_or_given_twice_is_refused() {
    let (code, text) = run(&["evaluate", &fixture("past_excel_rows.xlsx")]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(
            "has a cell outside Excel's sheet (past XFD1048576, near row 2000000 column 1)"
        ),
        "{text}"
    );
    let (code, text) = run(&["evaluate", &fixture("cell_twice.xlsx")]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("gives cell B2 twice"), "{text}");
}

#[test]
fn a_policy_folder_stays_inside() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    let secret = tmp.path().join("secret.rhai");
    std::fs::write(&secret, "let secret_first_line = 1;\n").unwrap();
    let dir = tmp.path().join("a/b/policy");
    copy_dir(&standard(), &dir);
    let tests = dir.join("tests");
    std::fs::create_dir_all(&tests).unwrap();
    std::fs::write(
        tests.join("escape.toml"),
        format!(
            "[[golden]]\nname = \"out\"\nclients = \"../../../../../../../../etc/passwd\"\nexpected = \"../../../../victim.txt\"\n\n[[golden]]\nname = \"abs\"\nclients = \"/etc/passwd\"\nexpected = \"{}\"\n",
            victim.display()
        ),
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let (code, text) = run(&["test", "--update", d]);
    assert_ne!(code, 0, "{text}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(
        text.contains("`expected = \"../../../../victim.txt\"` leads outside the policy folder")
            || text.contains("`clients = \"../../../../../../../../etc/passwd\"` leads outside"),
        "{text}"
    );
    assert!(
        text.contains("`clients = \"/etc/passwd\"` is an absolute path"),
        "{text}"
    );
    assert!(!text.contains("root:"), "{text}");

    // A rule script that is a link out of the folder is not read.
    #[cfg(unix)]
    {
        std::fs::remove_dir_all(&tests).unwrap();
        let rule = dir.join("rules/channel.rhai");
        std::fs::remove_file(&rule).unwrap();
        std::os::unix::fs::symlink(&secret, &rule).unwrap();
        let (code, text) = run(&["check", d]);
        assert_eq!(code, 2, "{text}");
        assert!(
            text.contains("link to a file outside the policy folder"),
            "{text}"
        );
        assert!(!text.contains("secret_first_line"), "{text}");
        std::fs::remove_file(&rule).unwrap();
        std::fs::copy(standard().join("rules/channel.rhai"), &rule).unwrap();

        // A FIFO is skipped, not read (reading it would hang).
        let fifo = dir.join("rules/pipe.rhai");
        let ok = Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            let (code, text) = run(&["check", d]);
            assert_eq!(code, 0, "{text}");
            assert!(text.contains("is not a regular file"), "{text}");
            std::fs::remove_file(&fifo).unwrap();
        }
    }
    // `./rules/x.rhai` is `rules/x.rhai`.
    let toml = std::fs::read_to_string(dir.join("policy.toml")).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        toml.replace("\"rules/channel.rhai\"", "\"./rules/channel.rhai\""),
    )
    .unwrap();
    let (code, text) = run(&["check", d]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn scripts_cannot_flood_or_overscore() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("policy");
    copy_dir(&standard(), &dir);
    let _ = std::fs::remove_dir_all(dir.join("tests"));
    let rule = dir.join("rules/channel.rhai");
    let text = std::fs::read_to_string(&rule).unwrap();
    std::fs::write(
        &rule,
        format!("{text}\nfor i in 0..100000 {{ reason(\"flood\", \"a reason of some length, again and again\"); }}\n"),
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let csv = format!("{}/examples/clients.csv", env!("CARGO_MANIFEST_DIR"));
    let (code, out) = run(&["evaluate", "--policy", d, &csv]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("more than 1000 reasons and actions for one client"),
        "{}",
        &out[..out.len().min(2000)]
    );
    assert!(
        out.contains("channel.rhai"),
        "{}",
        &out[..out.len().min(2000)]
    );
    assert!(out.len() < 2_000_000, "{} bytes of output", out.len());
}

#[test]
fn f_call_is_valid_rhai() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("policy");
    copy_dir(&standard(), &dir);
    let _ = std::fs::remove_dir_all(dir.join("tests"));
    let rule = dir.join("rules/channel.rhai");
    let text = std::fs::read_to_string(&rule).unwrap();
    std::fs::write(
        &rule,
        format!("{text}\nfn twice(x) {{ x * 2 }}\nlet f = Fn(\"twice\");\nif f.call(1) != 2 {{ reason(\"odd\", \"never\"); }}\n"),
    )
    .unwrap();
    let (code, text) = run(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
}
