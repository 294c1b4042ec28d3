//! The README's exit code table, run: every row (command, code, situation) has a case here that
//! puts the real binary in that situation and checks the code; a row without a case, or a case
//! without a row, fails. Also what every command does when every row of its input is rejected:
//! exit 1, the rejects listed, `every row was rejected: nothing decided`, never a result for
//! nobody such as "0 clients ()".

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::*;

const GOOD: &str = "tests/fixtures/good/clients.csv";
const ONE_BAD: &str = "tests/fixtures/bad_rows/not_a_number.csv";
const CONTROL: &str = "tests/fixtures/control/clients.csv";
const BAD_CLIENTS: &str = "tests/fixtures/control/bad_clients.csv";
const CONSERVATIVE: &str = "policies/conservative";
/// `backtest`: twelve clients, their outcomes, and broken outcome files.
const BT_SNAPSHOT: &str = "tests/fixtures/backtest/bad/snapshot.csv";
const BT_OUTCOMES: &str = "tests/fixtures/backtest/bad/outcomes.csv";
const BT_BAD_ROWS: &str = "tests/fixtures/backtest/bad/bad_rows.csv";
const BT_MISSPELT: &str = "tests/fixtures/backtest/bad/misspelt.csv";
const BT_OTHER_IDS: &str = "tests/fixtures/backtest/bad/other_ids.csv";

/// The rows of the README's exit code table: `(command, code, when)`.
fn readme_rows() -> Vec<(String, i32, String)> {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README");
    let at = readme
        .find("### Exit codes")
        .expect("an exit codes section");
    readme[at..]
        .lines()
        .skip_while(|l| !l.starts_with("| command |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (
                cells[1].trim_matches('`').to_string(),
                cells[2].parse().expect("a code"),
                cells[3].to_string(),
            )
        })
        .collect()
}

/// A CSV whose every row is rejected, in a temp dir: `(guard, path)`.
pub fn every_row_bad() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("every-row-bad.csv");
    std::fs::write(
        &path,
        "id,name,annual_sales\nX1,Bad One,abc\nX2,Bad Two,-5\n",
    )
    .expect("write");
    (tmp, path)
}

/// One situation of the table: the command's words and its arguments.
struct Case {
    command: &'static str,
    code: i32,
    args: Vec<String>,
}

fn case(command: &'static str, code: i32, args: &[&str]) -> Case {
    Case {
        command,
        code,
        args: args.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn every_row_of_the_readme_exit_code_table_is_what_the_binary_does() {
    let (_bad, all_bad) = every_row_bad();
    let all_bad = all_bad.to_str().expect("utf-8 path");
    let tmp = tempfile::tempdir().expect("temp dir");
    let log = tmp.path().join("audit.jsonl");
    let log = log.to_str().expect("utf-8 path");
    run(credit_policy().args([
        "evaluate", "--as-of", AS_OF, "--log", log, "--format", "jsonl", GOOD,
    ]))
    .expect_code(EXIT_OK);
    let fresh = tmp.path().join("new-policy");
    let full = tmp.path().join("full");
    std::fs::create_dir(&full).expect("dir");
    std::fs::write(full.join("keep.txt"), "mine").expect("file");
    let (_p1, broken) = copy_standard();
    let toml = broken.join("policy.toml");
    let text = std::fs::read_to_string(&toml).expect("policy.toml");
    std::fs::write(&toml, format!("{text}\n[no_such_table]\nx = 1\n")).expect("write");
    let (_p2, failing) = copy_standard();
    edit(
        &failing.join("tests/seed.toml"),
        "[case.expect]\ngrade = \"AA\"\nscore = \"83.55\"",
        "[case.expect]\ngrade = \"A\"\nscore = \"83.55\"",
    );
    let p = |p: &Path| p.to_str().expect("utf-8 path").to_string();
    let (fresh, full, broken, failing) = (p(&fresh), p(&full), p(&broken), p(&failing));

    let on = |cmd: &'static str, code: i32, input: &str, extra: &[&str]| {
        let mut args = vec!["--as-of", AS_OF];
        args.extend(extra);
        args.push(input);
        case(cmd, code, &args)
    };
    let mut cases = vec![
        on("evaluate", 0, GOOD, &["--format", "json"]),
        on("evaluate", 1, ONE_BAD, &["--format", "json"]),
        on("evaluate", 1, all_bad, &["--format", "json"]),
        on("evaluate", 2, GOOD, &["--policy", "no/such/policy"]),
        on("evaluate", 2, GOOD, &["--output", "out.pdf"]),
        on("compare", 0, GOOD, &["--a", STANDARD, "--b", CONSERVATIVE]),
        on(
            "compare",
            1,
            ONE_BAD,
            &["--a", STANDARD, "--b", CONSERVATIVE],
        ),
        on(
            "compare",
            1,
            all_bad,
            &["--a", STANDARD, "--b", CONSERVATIVE],
        ),
        on(
            "compare",
            2,
            GOOD,
            &["--a", "no/such/policy", "--b", STANDARD],
        ),
        on(
            "order",
            0,
            CONTROL,
            &["--client", "K02", "--amount", "200000"],
        ),
        on(
            "order",
            1,
            BAD_CLIENTS,
            &["--client", "K10", "--amount", "5"],
        ),
        on("order", 1, all_bad, &["--client", "X1", "--amount", "5"]),
        on("order", 2, CONTROL, &["--client", "K011", "--amount", "5"]),
        on("order", 2, CONTROL, &["--client", "K01", "--amount", "-5"]),
        on(
            "order",
            3,
            CONTROL,
            &["--client", "K01", "--amount", "1175000.00"],
        ),
        on("explain", 0, GOOD, &["--client", "G001"]),
        on("explain", 1, ONE_BAD, &["--client", "B1"]),
        on("explain", 1, all_bad, &["--client", "X1"]),
        on("explain", 2, GOOD, &["--client", "NOPE"]),
        on(
            "backtest",
            0,
            BT_SNAPSHOT,
            &["--policy", STANDARD, "--outcomes", BT_OUTCOMES],
        ),
        on(
            "backtest",
            1,
            BT_SNAPSHOT,
            &["--policy", STANDARD, "--outcomes", BT_BAD_ROWS],
        ),
        on(
            "backtest",
            1,
            all_bad,
            &["--policy", STANDARD, "--outcomes", BT_OUTCOMES],
        ),
        on(
            "backtest",
            2,
            BT_SNAPSHOT,
            &["--policy", STANDARD, "--outcomes", BT_MISSPELT],
        ),
        on(
            "backtest",
            2,
            BT_SNAPSHOT,
            &["--policy", STANDARD, "--outcomes", BT_OTHER_IDS],
        ),
        case("replay", 0, &[log, "--policy", STANDARD]),
        case("replay", 1, &[log, "--policy", CONSERVATIVE]),
        case("replay", 2, &["no/such/log.jsonl"]),
        case("check", 0, &[STANDARD]),
        case("check", 2, &[&broken]),
        case("test", 0, &[STANDARD]),
        case("test", 1, &[&failing]),
        case("test", 2, &["no/such/policy"]),
        case("diff", 0, &[STANDARD, STANDARD]),
        case("diff", 1, &[STANDARD, CONSERVATIVE]),
        case("diff", 2, &["no/such/policy", STANDARD]),
        case("init", 0, &[&fresh]),
        case("init", 2, &[&full]),
    ];
    for cmd in ["review", "exit", "channel"] {
        cases.extend([
            on(cmd, 0, GOOD, &[]),
            on(cmd, 1, ONE_BAD, &[]),
            on(cmd, 1, all_bad, &[]),
            on(cmd, 2, "no/such/clients.csv", &[]),
            on(cmd, 2, GOOD, &["--format", "html"]),
        ]);
    }

    // `any` 4: every command that would end with 0 or 1 after writing to standard error ends
    // with 4 when standard error is full; one that ends with 2 or 3 keeps its code.
    let lost: Vec<Case> = vec![
        on("evaluate", 4, ONE_BAD, &["--format", "json"]),
        on(
            "compare",
            4,
            ONE_BAD,
            &["--a", STANDARD, "--b", CONSERVATIVE],
        ),
        on("review", 4, ONE_BAD, &[]),
        on(
            "backtest",
            4,
            BT_SNAPSHOT,
            &["--policy", STANDARD, "--outcomes", BT_BAD_ROWS],
        ),
        on("exit", 4, ONE_BAD, &[]),
        on("channel", 4, ONE_BAD, &[]),
        on("explain", 4, ONE_BAD, &["--client", "B1"]),
        on(
            "order",
            4,
            BAD_CLIENTS,
            &["--client", "K10", "--amount", "5"],
        ),
        on("evaluate", 2, GOOD, &["--policy", "no/such/policy"]),
        on(
            "order",
            3,
            CONTROL,
            &["--client", "K01", "--amount", "1175000.00"],
        ),
    ];
    cases.push(case("any", 4, &[]));
    // `serve` refuses to start on tokens it cannot read (2); its clean shutdown (0) needs a
    // running server and a signal, so `tests/serve/start.rs` (`sigterm_stops_it_cleanly`) runs it.
    cases.push(case(
        "serve",
        2,
        &["--tokens", "no/such/tokens.toml", "--listen", "127.0.0.1:0"],
    ));
    cases.push(case("serve", 0, &[]));

    let documented: BTreeSet<(String, i32)> = readme_rows()
        .into_iter()
        .map(|(c, code, _)| (c, code))
        .collect();
    let tested: BTreeSet<(String, i32)> = cases
        .iter()
        .map(|c| (c.command.to_string(), c.code))
        .collect();
    assert_eq!(
        documented, tested,
        "the README's exit code table and the cases here list the same (command, code) pairs"
    );
    for c in cases
        .iter()
        .filter(|c| c.command != "any" && !(c.command == "serve" && c.code == 0))
    {
        let r = run(credit_policy().arg(c.command).args(&c.args));
        assert_eq!(
            r.code,
            c.code,
            "`{} {}`\n--- stdout\n{}\n--- stderr\n{}",
            c.command,
            c.args.join(" "),
            r.stdout,
            r.stderr
        );
    }
    for c in &lost {
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let r = run(credit_policy().arg(c.command).args(&c.args).stderr(full));
        assert_eq!(
            r.code,
            c.code,
            "`{} {}` with standard error full\n--- stdout\n{}",
            c.command,
            c.args.join(" "),
            r.stdout
        );
    }
}

/// What each command that reads clients says when every row is rejected, in each format.
#[test]
fn every_row_rejected_exits_1_lists_the_rejects_and_says_nothing_was_decided() {
    let (_bad, all_bad) = every_row_bad();
    let all_bad = all_bad.to_str().expect("utf-8 path");
    let commands: Vec<(&str, Vec<&str>)> = vec![
        ("evaluate", vec![]),
        ("compare", vec!["--a", STANDARD, "--b", CONSERVATIVE]),
        ("review", vec![]),
        ("exit", vec![]),
        ("channel", vec![]),
        ("order", vec!["--client", "X1", "--amount", "5"]),
        ("explain", vec!["--client", "X1"]),
    ];
    for (cmd, extra) in commands {
        for format in ["table", "json"] {
            let r = run(credit_policy()
                .args([cmd, "--as-of", AS_OF, "--format", format])
                .args(&extra)
                .arg(all_bad))
            .expect_code(EXIT_REJECTS);
            let what = format!("`{cmd} --format {format}`");
            for line in [
                "rejected: line 2 (id `X1`): annual_sales: `abc` is not a number",
                "rejected: line 3 (id `X2`): annual_sales: `-5` is negative",
            ] {
                assert!(r.stderr.contains(line), "{what}: {line}\n{}", r.stderr);
            }
            assert!(
                r.stderr.contains("every row was rejected: nothing decided"),
                "{what}: {}",
                r.stderr
            );
            assert!(!r.stdout.contains("0 clients ()"), "{what}: {}", r.stdout);
            if format == "table" && !matches!(cmd, "order" | "explain") {
                assert!(
                    r.stdout
                        .starts_with("every row was rejected: nothing decided (2 row(s) rejected)"),
                    "{what}: {}",
                    r.stdout
                );
            }
        }
    }
    // The data formats of `evaluate` are empty, not missing: a program reading them sees no
    // decision, and exit 1 says why.
    let json = evaluate(&["--format", "json", all_bad]).expect_code(EXIT_REJECTS);
    assert_eq!(json.stdout, "[]\n");
    let csv = evaluate(&["--format", "csv", all_bad]).expect_code(EXIT_REJECTS);
    assert_eq!(csv.stdout.lines().count(), 1, "only the header");
    assert!(
        json.stderr
            .ends_with("every row was rejected: nothing decided; 2 row(s) rejected\n"),
        "{}",
        json.stderr
    );
}

#[test]
fn an_input_with_no_row_is_not_an_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let empty = tmp.path().join("empty.csv");
    std::fs::write(&empty, "id,annual_sales\n").expect("write");
    let r = evaluate(&["--format", "table", empty.to_str().expect("utf-8")]).expect_code(EXIT_OK);
    assert!(
        r.stdout
            .starts_with("the input holds no client: nothing decided\n"),
        "{}",
        r.stdout
    );
}
