//! One CLI: every command that prints rows with each of its formats, to standard output and
//! with `--output FILE`, the format chosen from the file's extension, workbooks read back with
//! calamine, and the formats a command does not write refused with exit 2.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use crate::support::*;

const GOOD: &str = "tests/fixtures/good/clients.csv";
const EXAMPLES: &str = "examples/clients.csv";
const CONTEXT: &str = "examples/context.toml";
const CONTROL: &str = "tests/fixtures/control/clients.csv";
const ORDERS: &str = "tests/fixtures/control/orders.csv";
const ORDERS_PAIR: &str = "tests/fixtures/control/orders_pair.csv";
const CONSERVATIVE: &str = "policies/conservative";

/// A command that prints rows, as the tests run it.
struct Command {
    name: &'static str,
    args: Vec<String>,
    /// Its exit code on these arguments.
    code: i32,
    /// The formats it writes, besides `table`.
    formats: &'static [&'static str],
    /// The sheets of its workbook, `policy` last.
    sheets: &'static [&'static str],
    /// Whether `jsonl` has one record per CSV row (the exit plans: one per plan, a row per
    /// step).
    jsonl_is_csv: bool,
}

const ROWS: &[&str] = &["json", "jsonl", "csv", "xlsx"];

fn commands(log: &str) -> Vec<Command> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        Command {
            name: "evaluate",
            args: s(&["--context", CONTEXT, EXAMPLES]),
            code: EXIT_OK,
            formats: ROWS,
            sheets: &["decisions", "summary", "policy"],
            jsonl_is_csv: true,
        },
        Command {
            name: "compare",
            args: s(&[
                "--context",
                CONTEXT,
                "--a",
                STANDARD,
                "--b",
                CONSERVATIVE,
                "--by",
                "region",
                EXAMPLES,
            ]),
            code: EXIT_OK,
            formats: &["json", "jsonl", "csv", "xlsx", "html"],
            sheets: &["changed", "credit_granted", "migration", "by", "policy"],
            jsonl_is_csv: true,
        },
        Command {
            name: "order",
            args: s(&[
                "--as-of", AS_OF, "--client", "K02", "--amount", "200000", CONTROL,
            ]),
            code: EXIT_OK,
            formats: ROWS,
            sheets: &["orders", "policy"],
            jsonl_is_csv: true,
        },
        Command {
            name: "order",
            args: s(&["--as-of", AS_OF, "--orders", ORDERS_PAIR, CONTROL]),
            code: 3,
            formats: ROWS,
            sheets: &["orders", "policy"],
            jsonl_is_csv: true,
        },
        Command {
            name: "order",
            args: s(&["--as-of", AS_OF, "--orders", ORDERS, CONTROL]),
            code: EXIT_REJECTS,
            formats: ROWS,
            sheets: &["orders", "policy"],
            jsonl_is_csv: true,
        },
        Command {
            name: "review",
            args: s(&["--context", CONTEXT, EXAMPLES]),
            code: EXIT_OK,
            formats: ROWS,
            sheets: &["review", "policy"],
            jsonl_is_csv: true,
        },
        Command {
            name: "exit",
            args: s(&["--context", CONTEXT, EXAMPLES]),
            code: EXIT_OK,
            formats: ROWS,
            sheets: &["exit", "policy"],
            jsonl_is_csv: false,
        },
        Command {
            name: "channel",
            args: s(&["--context", CONTEXT, "--top", "5", EXAMPLES]),
            code: EXIT_OK,
            formats: ROWS,
            sheets: &["channel", "signs", "policy"],
            jsonl_is_csv: true,
        },
        Command {
            name: "explain",
            args: s(&["--as-of", AS_OF, "--client", "G002", GOOD]),
            code: EXIT_OK,
            formats: &["json", "jsonl"],
            sheets: &[],
            jsonl_is_csv: false,
        },
        Command {
            name: "replay",
            args: s(&[log, "--policy", CONSERVATIVE]),
            code: EXIT_REJECTS,
            formats: ROWS,
            sheets: &["replay", "policy"],
            jsonl_is_csv: true,
        },
    ]
}

fn extension(format: &str) -> &str {
    match format {
        "table" => "txt",
        other => other,
    }
}

#[track_caller]
fn cmd(c: &Command, extra: &[&str]) -> Run {
    let r = run(credit_policy().arg(c.name).args(extra).args(&c.args));
    assert_eq!(
        r.code,
        c.code,
        "`{} {} {}`\n--- stdout\n{}\n--- stderr\n{}",
        c.name,
        extra.join(" "),
        c.args.join(" "),
        r.stdout,
        r.stderr
    );
    r
}

fn csv_data_rows(text: &str) -> usize {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .inspect(|r| assert!(r.is_ok(), "a CSV record: {r:?}"))
        .count()
}

#[test]
fn every_command_writes_each_of_its_formats_to_stdout_and_to_a_file_chosen_by_its_extension() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let log = tmp.path().join("audit.jsonl");
    run(credit_policy()
        .args(["evaluate", "--as-of", AS_OF, "--format", "jsonl", "--log"])
        .arg(&log)
        .arg(GOOD))
    .expect_code(EXIT_OK);
    for c in commands(log.to_str().expect("utf-8")) {
        let what = format!("{} {}", c.name, c.args.join(" "));
        let mut csv_rows = None;
        for format in std::iter::once(&"table").chain(c.formats) {
            let file = tmp.path().join(format!("out.{}", extension(format)));
            let file_arg = file.to_str().expect("utf-8");
            // By --format and --output, then by the extension alone: the same bytes.
            let r = cmd(&c, &["--format", format, "--output", file_arg]);
            assert_eq!(r.stdout, "", "{what} --format {format}: nothing on stdout");
            let written = std::fs::read(&file).expect("the output file");
            std::fs::remove_file(&file).expect("remove");
            cmd(&c, &["--output", file_arg]);
            let by_extension = std::fs::read(&file).expect("the output file");
            assert_eq!(
                written, by_extension,
                "{what}: `.{format}` chooses {format}"
            );
            if *format == "xlsx" {
                let mut book = Xlsx::new(Cursor::new(written)).expect("a workbook");
                assert_eq!(book.sheet_names(), c.sheets, "{what}");
                let first = book.worksheet_range(c.sheets[0]).expect("the first sheet");
                let rows = first.rows().count() - 1;
                if let Some(n) = csv_rows {
                    assert_eq!(rows, n, "{what}: the workbook has the CSV's rows");
                }
                let policy = book.worksheet_range("policy").expect("the policy sheet");
                assert!(
                    policy
                        .rows()
                        .any(|r| r[0] == Data::String("policy_hash".into())),
                    "{what}: the policy sheet names the policy"
                );
                continue;
            }
            // The same bytes on standard output.
            let out = cmd(&c, &["--format", format]);
            let text = String::from_utf8(written).expect("UTF-8");
            assert_eq!(out.stdout, text, "{what} --format {format}");
            match *format {
                "json" => {
                    serde_json::from_str::<serde_json::Value>(&text).expect("one JSON document");
                }
                "jsonl" => {
                    let records = parse_jsonl(&text);
                    for r in &records {
                        assert!(
                            r["policy"]["hash"].is_string()
                                || r["outcome"] == "rejected"
                                || c.name == "compare",
                            "{what}: {r}"
                        );
                    }
                    if c.jsonl_is_csv {
                        let csv = cmd(&c, &["--format", "csv"]);
                        assert_eq!(records.len(), csv_data_rows(&csv.stdout), "{what}");
                    }
                }
                "csv" => csv_rows = Some(csv_data_rows(&text)),
                "html" => assert!(text.starts_with("<!doctype html>"), "{what}"),
                _ => {}
            }
        }
    }
}

#[test]
fn a_format_a_command_does_not_write_is_refused_with_exit_2() {
    for (args, words) in [
        (
            vec!["review", "--format", "html", GOOD],
            "`review` does not write html; it writes table, json, jsonl, csv, xlsx",
        ),
        (
            vec!["explain", "--client", "G001", "--format", "csv", GOOD],
            "`explain` does not write csv; it writes table, json, jsonl",
        ),
        (
            vec!["channel", "--format", "xlsx", GOOD],
            "`--format xlsx` writes a workbook, which needs a file: add `--output FILE.xlsx`",
        ),
        (
            vec!["exit", "--output", "plans.pdf", GOOD],
            "cannot tell the format of `plans.pdf` from its name; add `--format table|json|jsonl|csv|xlsx`",
        ),
        (
            vec!["evaluate", "--format", "html", GOOD],
            "`evaluate` does not write html",
        ),
    ] {
        let r = run(credit_policy().args(&args)).expect_code(EXIT_ERROR);
        assert!(r.stderr.contains(words), "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{args:?}");
    }
    assert!(!Path::new(ROOT).join("plans.pdf").exists());
}

#[test]
fn a_review_workbook_has_typed_cells_and_unknown_exposure_left_empty() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("agenda.xlsx");
    run(credit_policy()
        .args(["review", "--as-of", AS_OF, "--output"])
        .arg(&file)
        .arg(GOOD))
    .expect_code(EXIT_OK);
    let json = run(credit_policy().args(["review", "--as-of", AS_OF, "--format", "json", GOOD]))
        .expect_code(EXIT_OK);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    let clients = doc["clients"].as_array().expect("clients");
    let mut book = Xlsx::new(Cursor::new(std::fs::read(&file).expect("file"))).expect("xlsx");
    let sheet = book.worksheet_range("review").expect("review sheet");
    let mut rows = sheet.rows();
    let header: Vec<String> = rows
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<_> = rows.collect();
    assert_eq!(rows.len(), clients.len());
    for (row, c) in rows.iter().zip(clients) {
        assert_eq!(
            row[col("id")],
            Data::String(c["id"].as_str().expect("id").into())
        );
        assert!(
            matches!(row[col("next_review")], Data::DateTime(_)),
            "{row:?}"
        );
        assert!(matches!(row[col("key_account")], Data::Bool(_)), "{row:?}");
        match c["exposure"].as_str() {
            Some(e) => assert_eq!(row[col("exposure")], Data::Float(e.parse().expect("money"))),
            None => assert_eq!(row[col("exposure")], Data::Empty, "unknown is empty, not 0"),
        }
    }
}

#[test]
fn replay_keeps_json_as_a_hidden_alias_of_format_json() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let log = tmp.path().join("audit.jsonl");
    run(credit_policy()
        .args(["evaluate", "--as-of", AS_OF, "--format", "jsonl", "--log"])
        .arg(&log)
        .arg(GOOD))
    .expect_code(EXIT_OK);
    let old = run(credit_policy().arg("replay").arg(&log).arg("--json")).expect_code(EXIT_OK);
    let new = run(credit_policy()
        .arg("replay")
        .arg(&log)
        .args(["--format", "json"]))
    .expect_code(EXIT_OK);
    assert_eq!(old.stdout, new.stdout);
    let help = run(credit_policy().args(["replay", "--help"])).expect_code(EXIT_OK);
    assert!(!help.stdout.contains("--json"), "{}", help.stdout);
    assert!(help.stdout.contains("--format"), "{}", help.stdout);
}
