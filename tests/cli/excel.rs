//! Excel in and out. Every workbook is made here with `rust_xlsxwriter` and read back with
//! `calamine`, so no binary file is kept in the repository: a workbook of the sample portfolio
//! decides exactly as its CSV does; bad cells are rejected with their sheet row and field;
//! `--sheet` picks a sheet and a misspelt one is named; `evaluate --output FILE.xlsx` writes
//! typed cells and the policy on a sheet of its own.

use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};
use serde_json::Value;

use crate::support::*;

/// A cell to put in a generated sheet.
#[derive(Clone, Copy)]
enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    Bool(bool),
    Date(u16, u8, u8),
    /// A formula whose cached result is this Excel error, e.g. `#DIV/0!`.
    Error(&'a str),
    Empty,
}

use Cell::*;

/// Writes `rows` (the first the header) into `ws` from A1.
fn fill(ws: &mut Worksheet, rows: &[Vec<Cell>]) {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Text(t) => ws.write_string(r, c, *t).map(|_| ()),
                Number(n) => ws.write_number(r, c, *n).map(|_| ()),
                Bool(b) => ws.write_boolean(r, c, *b).map(|_| ()),
                Date(y, m, d) => ws
                    .write_datetime_with_format(
                        r,
                        c,
                        ExcelDateTime::from_ymd(*y, *m, *d).expect("a real date"),
                        &date,
                    )
                    .map(|_| ()),
                Error(e) => ws
                    .write_formula(r, c, Formula::new("=1/0").set_result(*e))
                    .map(|_| ()),
                Empty => Ok(()),
            }
            .expect("write a cell");
        }
    }
}

/// Saves a workbook with the named sheets, in order, to `path`.
fn workbook(path: &Path, sheets: &[(&str, Vec<Vec<Cell>>)]) {
    let mut wb = Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).expect("a sheet name");
        fill(ws, rows);
    }
    wb.save(path).expect("save the workbook");
}

/// The sample portfolio as a finance user's workbook: amounts and ratios as numbers, `yes`/`no`
/// as TRUE/FALSE, review dates as dates, the rest as text.
fn portfolio_workbook(path: &Path) {
    let mut csv = csv::Reader::from_path(Path::new(ROOT).join("examples/clients.csv"))
        .expect("the sample portfolio");
    let header: Vec<String> = csv
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let records: Vec<Vec<String>> = csv
        .records()
        .map(|r| r.expect("a row").iter().map(String::from).collect())
        .collect();
    let mut rows: Vec<Vec<Cell>> = vec![header.iter().map(|h| Text(h)).collect()];
    for rec in &records {
        let row = header
            .iter()
            .zip(rec)
            .map(|(h, v)| match (h.as_str(), v.as_str()) {
                (_, "") => Empty,
                ("id" | "name" | "region", v) => Text(v),
                ("key_account" | "distress_confirmed", v) => Bool(v == "yes" || v == "true"),
                ("last_review", v) => {
                    let d: Vec<u16> = v.split('-').map(|p| p.parse().expect("date")).collect();
                    Date(d[0], d[1] as u8, d[2] as u8)
                }
                (_, v) => Number(v.parse().expect("a number")),
            })
            .collect();
        rows.push(row);
    }
    workbook(path, &[("Clients", rows)]);
}

/// `evaluate` on the seed policy as of the date of `--context` (the example clients' reviews
/// run up to it, so an earlier as-of date would refuse them as reviews in the future).
#[track_caller]
fn evaluate_in_context(args: &[&str]) -> Run {
    run(credit_policy()
        .args(["evaluate", "--policy", STANDARD])
        .args(args))
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A temp dir and a path in it.
fn temp(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let p = tmp.path().join(name);
    (tmp, p)
}

#[test]
fn a_workbook_decides_exactly_as_the_same_clients_in_csv() {
    let (_tmp, book) = temp("clients.xlsx");
    portfolio_workbook(&book);
    let ctx = ["--context", "examples/context.toml", "--format", "json"];
    let from_csv =
        evaluate_in_context(&[&ctx[..], &["examples/clients.csv"]].concat()).expect_code(EXIT_OK);
    let from_xlsx =
        evaluate_in_context(&[&ctx[..], &[path_str(&book)]].concat()).expect_code(EXIT_OK);
    let (want, got) = (from_csv.json(), from_xlsx.json());
    assert_eq!(want.len(), 50);
    assert_eq!(got.len(), want.len());
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(g.to_string(), w.to_string(), "{}", w["id"]);
    }

    // The same workbook on standard input, known by its first bytes.
    let mut child = credit_policy()
        .args(["evaluate", "--policy", STANDARD, "--format", "json"])
        .args(["--context", "examples/context.toml", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&std::fs::read(&book).expect("the workbook"))
        .expect("write stdin");
    let out = child.wait_with_output().expect("the binary ends");
    assert_eq!(out.status.code(), Some(EXIT_OK));
    assert_eq!(out.stdout, from_csv.stdout.as_bytes());
}

#[test]
fn bad_cells_are_rejected_with_the_sheet_row_and_the_field() {
    let (tmp, book) = temp("bad.xlsx");
    let header = || {
        ["id", "annual_sales", "on_time_ratio", "last_review"]
            .map(Text)
            .to_vec()
    };
    workbook(
        &book,
        &[(
            "Clients",
            vec![
                header(),
                vec![
                    Text("G1"),
                    Number(1000000.0),
                    Number(0.4),
                    Date(2026, 1, 15),
                ],
                vec![Text("B1"), Text("lots"), Number(0.9), Empty],
                vec![Text("B2"), Number(5000.0), Number(1.5), Empty],
                vec![Text("B3"), Number(5000.0), Empty, Text("2026-02-30")],
                vec![Text("B4"), Error("#DIV/0!"), Empty, Empty],
                vec![Text("G2"), Text("250000.10"), Empty, Text("2026-03-01")],
            ],
        )],
    );
    let rejects_path = tmp.path().join("rejects.jsonl");
    let run = evaluate(&[
        "--format",
        "json",
        "--rejects",
        path_str(&rejects_path),
        path_str(&book),
    ])
    .expect_code(EXIT_REJECTS);
    assert_eq!(ids(&run.json()), ["G1", "G2"]);
    let rejects = parse_jsonl(&std::fs::read_to_string(&rejects_path).expect("rejects file"));
    let got: Vec<(u64, &str, &str, &str)> = rejects
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().expect("line"),
                r["id"].as_str().expect("id"),
                r["field"].as_str().expect("field"),
                r["reason"].as_str().expect("reason"),
            )
        })
        .collect();
    let expected = [
        (3, "B1", "annual_sales", "`lots` is not a number"),
        (4, "B2", "on_time_ratio", "`1.5` is outside 0 to 1"),
        (5, "B3", "last_review", "`2026-02-30` is not a real date"),
        (
            6,
            "B4",
            "annual_sales",
            "cell B6 holds the error `#DIV/0!`; fix the formula or clear the cell",
        ),
    ];
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for ((line, id, field, reason), want) in got.iter().zip(expected) {
        assert_eq!((*line, *id, *field), (want.0, want.1, want.2));
        assert!(reason.contains(want.3), "row {line}: {reason}");
    }

    // Without --rejects they go to standard error, with the same sheet row numbers.
    let run = evaluate(&["--format", "json", path_str(&book)]).expect_code(EXIT_REJECTS);
    assert!(
        run.stderr.contains(
            "rejected: line 6 (id `B4`): annual_sales: cell B6 holds the error `#DIV/0!`"
        ),
        "{}",
        run.stderr
    );
}

/// A workbook whose first sheet is notes and whose clients are on the sheet `Clients`.
fn two_sheets(path: &Path) {
    workbook(
        path,
        &[
            (
                "Notes",
                vec![vec![Text("portfolio as sent by sales, June")]],
            ),
            (
                "Clients",
                vec![
                    vec![
                        Text("id"),
                        Text("annual_sales"),
                        Text("receivable_balance"),
                        Text("open_orders"),
                    ],
                    vec![
                        Text("S1"),
                        Number(2000000.0),
                        Number(150000.25),
                        Number(0.0),
                    ],
                    vec![Text("S2"), Number(800000.0), Empty, Empty],
                ],
            ),
        ],
    );
}

#[test]
fn sheet_picks_a_named_sheet_and_the_first_is_the_default() {
    let (_tmp, book) = temp("two.xlsx");
    two_sheets(&book);
    let run = evaluate(&["--format", "json", path_str(&book)]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr.contains("has no `id` column"),
        "the first sheet is read: {}",
        run.stderr
    );
    let run =
        evaluate(&["--format", "json", "--sheet", "Clients", path_str(&book)]).expect_code(EXIT_OK);
    let decisions = run.json();
    assert_eq!(ids(&decisions), ["S1", "S2"]);
    assert_eq!(decision(&decisions, "S1")["exposure"], "150000.25");
    // An empty cell is unknown, in a workbook as in a CSV file.
    assert_eq!(decision(&decisions, "S2")["exposure"], Value::Null);

    // The other commands that read clients take it too.
    let run = run_cmd(&[
        "explain",
        "--client",
        "S2",
        "--sheet",
        "clients",
        path_str(&book),
    ])
    .expect_code(EXIT_OK);
    assert!(run.stdout.contains("S2"), "{}", run.stdout);
}

fn run_cmd(args: &[&str]) -> Run {
    let (cmd, rest) = args.split_first().expect("a command");
    run(credit_policy()
        .arg(cmd)
        .args(["--as-of", AS_OF, "--policy", STANDARD])
        .args(rest))
}

#[test]
fn a_misspelt_sheet_is_an_error_naming_the_sheets() {
    let (_tmp, book) = temp("two.xlsx");
    two_sheets(&book);
    let run = evaluate(&["--sheet", "Client", path_str(&book)]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr.contains(
            "has no sheet `Client`; did you mean `Clients`? The sheets are `Notes`, `Clients`"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());

    // A sheet of a CSV file is a mistake too.
    let run = evaluate(&["--sheet", "Clients", "examples/clients.csv"]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr.contains("is not an Excel workbook"),
        "{}",
        run.stderr
    );
}

/// The cell under `column` in `row` of a sheet read back.
fn cell<'a>(header: &[Data], row: &'a [Data], column: &str) -> &'a Data {
    let i = header
        .iter()
        .position(|h| *h == Data::String(column.into()))
        .unwrap_or_else(|| panic!("no column `{column}`"));
    &row[i]
}

/// A JSON decimal string as the float Excel holds for it.
fn float(v: &Value) -> f64 {
    v.as_str()
        .expect("a decimal string")
        .parse()
        .expect("a number")
}

#[test]
fn output_xlsx_writes_typed_cells_and_the_policy_sheet() {
    let (tmp, out) = temp("decisions.xlsx");
    let base = ["--context", "examples/context.toml", "examples/clients.csv"];
    let json =
        evaluate_in_context(&[&["--format", "json"][..], &base[..]].concat()).expect_code(EXIT_OK);
    let decisions = json.json();
    let run = evaluate_in_context(&[&["--output", path_str(&out)][..], &base[..]].concat())
        .expect_code(EXIT_OK);
    assert!(run.stdout.is_empty());

    let bytes = std::fs::read(&out).expect("the workbook");
    let mut book = Xlsx::new(Cursor::new(bytes.clone())).expect("a workbook");
    assert_eq!(book.sheet_names(), ["decisions", "summary", "policy"]);
    let sheet = book.worksheet_range("decisions").expect("decisions sheet");
    let mut rows = sheet.rows();
    let header = rows.next().expect("a header row").to_vec();
    let names: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    assert_eq!(
        names,
        [
            "id",
            "name",
            "region",
            "grade",
            "base_grade",
            "score",
            "score_character",
            "score_capacity",
            "score_capital",
            "score_collateral",
            "score_conditions",
            "limit",
            "unsecured_line",
            "temporary_line",
            "temporary_line_until",
            "secured_cover",
            "payment_days",
            "exposure",
            "available",
            "actions",
            "next_review",
            "outlook",
            "notch_change",
            "group",
            "group_line",
            "group_exposure",
            "group_over",
            "reason_codes",
            "reasons",
        ]
    );
    let rows: Vec<&[Data]> = rows.collect();
    assert_eq!(rows.len(), decisions.len());
    for (row, d) in rows.iter().zip(&decisions) {
        let id = d["id"].as_str().expect("id");
        assert_eq!(*cell(&header, row, "id"), Data::String(id.into()));
        assert_eq!(
            *cell(&header, row, "grade"),
            Data::String(d["grade"].as_str().expect("grade").into())
        );
        for money in [
            "limit",
            "unsecured_line",
            "secured_cover",
            "exposure",
            "available",
            "score",
        ] {
            assert_eq!(
                *cell(&header, row, money),
                Data::Float(float(&d[money])),
                "{id} {money}"
            );
        }
        assert_eq!(
            *cell(&header, row, "score_capital"),
            Data::Float(float(&d["scores"]["capital"]))
        );
        assert_eq!(
            *cell(&header, row, "payment_days"),
            Data::Float(d["payment_days"].as_f64().expect("days"))
        );
        let Data::DateTime(when) = cell(&header, row, "next_review") else {
            panic!("{id}: next_review is not a date");
        };
        let (y, m, day, ..) = when.to_ymd_hms_milli();
        assert_eq!(format!("{y:04}-{m:02}-{day:02}"), d["next_review"]);
        let actions: Vec<&str> = actions(d);
        let want = if actions.is_empty() {
            Data::Empty
        } else {
            Data::String(actions.join(";"))
        };
        assert_eq!(*cell(&header, row, "actions"), want, "{id}");
    }

    let policy = book.worksheet_range("policy").expect("policy sheet");
    let item = |k: &str| {
        policy
            .rows()
            .find(|r| r[0] == Data::String(k.into()))
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("no `{k}` on the policy sheet"))
    };
    let identity = &decisions[0]["policy"];
    for k in ["name", "version", "hash"] {
        assert_eq!(
            item(&format!("policy_{k}")),
            Data::String(identity[k].as_str().expect("identity").into())
        );
    }
    assert_eq!(item("economy"), Data::String("normal".into()));
    assert!(matches!(item("as_of"), Data::DateTime(_)));
    assert_eq!(
        item("engine_version"),
        Data::String(env!("CARGO_PKG_VERSION").into())
    );

    // The same run writes the same bytes.
    let again = tmp.path().join("again.xlsx");
    evaluate_in_context(&[&["--output", path_str(&again)][..], &base[..]].concat())
        .expect_code(EXIT_OK);
    assert_eq!(std::fs::read(&again).expect("the second workbook"), bytes);

    // And it reads back in as clients would: the workbook is not a client list, so it fails
    // on its header, naming what is missing, not on its bytes.
    let run = evaluate(&[path_str(&out)]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr.contains("no `annual_sales` column"),
        "{}",
        run.stderr
    );
}

#[test]
fn format_xlsx_needs_an_output_file() {
    let run = evaluate(&["--format", "xlsx", "examples/clients.csv"]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr
            .contains("`--format xlsx` writes a workbook, which needs a file"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}
