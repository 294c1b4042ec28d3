//! What every CLI test needs: running the real binary with a fixed as-of date and no colour,
//! reading its JSON output, copying and editing a policy in a temp dir, and finding where in a
//! file a diagnostic must point.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_credit-policy");
/// The crate root: every relative path in the tests is relative to it.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Every test decides as of this day, so no test depends on today's date.
pub const AS_OF: &str = "2026-06-30";
/// The seed policy, relative to [`ROOT`].
pub const STANDARD: &str = "policies/standard";
/// The seed policy with a 5% order tolerance for AAA, AA and A, relative to [`ROOT`]: for the
/// tests of `release_with_approval` (the seed's tolerance is 0 for every grade).
pub const APPROVAL: &str = "policies/approval";

/// Exit codes, as documented in `src/cli/mod.rs`.
pub const EXIT_OK: i32 = 0;
pub const EXIT_REJECTS: i32 = 1;
/// Messages to standard error were lost (closed or full); the outputs are complete.
pub const EXIT_MESSAGES_LOST: i32 = 4;
pub const EXIT_ERROR: i32 = 2;

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with both streams when the exit code is not `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Standard output as one JSON array of decisions (`--format json`).
    #[track_caller]
    pub fn json(&self) -> Vec<Value> {
        match serde_json::from_str(&self.stdout) {
            Ok(Value::Array(items)) => items,
            other => panic!("stdout is not a JSON array: {other:?}\n{}", self.stdout),
        }
    }

    /// Standard output as JSON Lines (`--format jsonl`), one decision per line.
    #[track_caller]
    pub fn jsonl(&self) -> Vec<Value> {
        parse_jsonl(&self.stdout)
    }
}

/// Every line of `text` as one JSON value.
#[track_caller]
pub fn parse_jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

/// The binary with `NO_COLOR=1`, run from the crate root, blind to any `CREDIT_POLICY` the
/// person running the tests may have set.
pub fn credit_policy() -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(ROOT)
        .env("NO_COLOR", "1")
        .env_remove("CREDIT_POLICY");
    c
}

/// Runs a prepared command to the end.
#[track_caller]
pub fn run(c: &mut Command) -> Run {
    let out = c.output().expect("the binary runs");
    Run {
        code: out.status.code().expect("the binary exits, not killed"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `evaluate --as-of 2026-06-30 --policy <policy> <args...>`.
#[track_caller]
pub fn evaluate_with(policy: &Path, args: &[&str]) -> Run {
    run(credit_policy()
        .args(["evaluate", "--as-of", AS_OF, "--policy"])
        .arg(policy)
        .args(args))
}

/// `evaluate` on the seed policy.
#[track_caller]
pub fn evaluate(args: &[&str]) -> Run {
    evaluate_with(Path::new(STANDARD), args)
}

/// The decision for `id`.
#[track_caller]
pub fn decision<'a>(decisions: &'a [Value], id: &str) -> &'a Value {
    decisions
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("no decision for `{id}`"))
}

/// The ids of the decisions, in output order.
pub fn ids(decisions: &[Value]) -> Vec<&str> {
    decisions
        .iter()
        .map(|d| d["id"].as_str().expect("id is text"))
        .collect()
}

/// The actions of a decision.
pub fn actions(d: &Value) -> Vec<&str> {
    d["actions"]
        .as_array()
        .expect("actions is a list")
        .iter()
        .map(|a| a.as_str().expect("an action is text"))
        .collect()
}

/// The reason codes of a decision, in order.
pub fn reason_codes(d: &Value) -> Vec<&str> {
    d["reasons"]
        .as_array()
        .expect("reasons is a list")
        .iter()
        .map(|r| r["code"].as_str().expect("a reason code is text"))
        .collect()
}

/// The text of the reason with `code`.
#[track_caller]
pub fn reason_text<'a>(d: &'a Value, code: &str) -> &'a str {
    d["reasons"]
        .as_array()
        .expect("reasons is a list")
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no reason `{code}` in {d}"))["text"]
        .as_str()
        .expect("reason text is text")
}

/// A fresh copy of the seed policy in a temp dir: `(guard, policy folder)`.
pub fn copy_standard() -> (TempDir, PathBuf) {
    copy_policy(STANDARD)
}

/// A fresh copy of the policy folder `policy` (relative to [`ROOT`], e.g. [`APPROVAL`]) in a
/// temp dir, under the folder's own name: `(guard, policy folder)`.
pub fn copy_policy(policy: &str) -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let from = Path::new(ROOT).join(policy);
    let dir = tmp.path().join(from.file_name().expect("a folder name"));
    copy_dir(&from, &dir);
    (tmp, dir)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read policy dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Replaces the one occurrence of `from` in the file; panics unless there is exactly one, so an
/// edit never lands somewhere unintended.
#[track_caller]
pub fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).expect("read file to edit");
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur exactly once in {}",
        file.display()
    );
    std::fs::write(file, text.replacen(from, to, 1)).expect("write edited file");
}

/// Like [`edit`], but only inside the TOML table that starts with the line `header`
/// (e.g. `[limits]`), up to the next table header.
#[track_caller]
pub fn edit_in_table(file: &Path, header: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).expect("read file to edit");
    let start = text
        .find(&format!("\n{header}\n"))
        .unwrap_or_else(|| panic!("no table `{header}` in {}", file.display()))
        + 1;
    let end = text[start + header.len()..]
        .find("\n[")
        .map_or(text.len(), |i| start + header.len() + i);
    let table = &text[start..end];
    assert_eq!(
        table.matches(from).count(),
        1,
        "`{from}` must occur exactly once in `{header}`"
    );
    let edited = format!(
        "{}{}{}",
        &text[..start],
        table.replacen(from, to, 1),
        &text[end..]
    );
    std::fs::write(file, edited).expect("write edited file");
}

/// `path:line:col` of the first occurrence of `needle` in the file, `skip` characters into it,
/// with 1-based line and column counted in characters: where a diagnostic must point.
#[track_caller]
pub fn location(file: &Path, needle: &str, skip: usize) -> String {
    let text = std::fs::read_to_string(file).expect("read file");
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in {}", file.display()));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..at].chars().count() + 1 + skip;
    format!("{}:{line}:{col}", file.display())
}

/// Like [`location`], but of the first `needle` inside the TOML table that starts with the line
/// `header`, for a needle that also occurs in another table (`BB = 6` in `[limits]`, not
/// `BBB = 6` in `[review.by_grade]`).
#[track_caller]
pub fn location_in_table(file: &Path, header: &str, needle: &str, skip: usize) -> String {
    let text = std::fs::read_to_string(file).expect("read file");
    let start = text
        .find(&format!("\n{header}\n"))
        .unwrap_or_else(|| panic!("no table `{header}` in {}", file.display()))
        + 1;
    let end = text[start + header.len()..]
        .find("\n[")
        .map_or(text.len(), |i| start + header.len() + i);
    let found = text[start..end]
        .match_indices(needle)
        .map(|(i, _)| start + i)
        .find(|&i| i == 0 || text[..i].ends_with('\n'))
        .unwrap_or_else(|| panic!("no line starting `{needle}` in `{header}`"));
    let before = &text[..found];
    let line = before.matches('\n').count() + 1;
    let col = 1 + skip;
    format!("{}:{line}:{col}", file.display())
}

/// Checks `text` against the snapshot `cli__<name>` in `tests/snapshots/`; `about` says, in the
/// snapshot file, what the text is the answer to.
#[track_caller]
pub fn assert_text_snapshot(name: &str, about: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(about);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(format!("cli__{name}"), text));
}
