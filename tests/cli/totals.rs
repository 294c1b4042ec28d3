//! `evaluate`'s totals: by grade and by any input column (`--by`), in the table after the
//! clients and on the sheet `summary` of a workbook, each figure the exact sum of the decisions
//! `--format json` gives; a client whose exposure is unknown counted apart, never as 0; and the
//! footer on our own health, with and without `[company]` figures.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::*;

const GOOD: &str = "tests/fixtures/good/clients.csv";
const EXAMPLES: &str = "examples/clients.csv";

/// `evaluate` on the seed policy, as of the tests' day, or for the bundled examples as of their
/// own day (2026-11-30, `examples/context.toml`): their last reviews run to 2026-10-27, and a
/// review after the as-of date is refused.
fn evaluate(args: &[&str]) -> Run {
    let as_of = if args.contains(&EXAMPLES) {
        "2026-11-30"
    } else {
        AS_OF
    };
    run(credit_policy()
        .args(["evaluate", "--as-of", as_of, "--policy", STANDARD])
        .args(args))
}
const CONTEXT: &str = "examples/context.toml";
const WEAK: &str = "examples/context-weak.toml";

/// The totals of one row, as the test works them out from the JSON decisions.
#[derive(Debug, Default, Clone, PartialEq)]
struct Sums {
    clients: u64,
    line: Decimal,
    exposure: Decimal,
    unknown: u64,
    over: Decimal,
    on_hold: u64,
}

fn money(v: &Value) -> Decimal {
    v.as_str()
        .expect("money is a string")
        .parse()
        .expect("a decimal")
}

fn add(s: &mut Sums, d: &Value) {
    s.clients += 1;
    let limit = money(&d["limit"]);
    s.line += limit;
    if d["exposure"].is_null() {
        s.unknown += 1;
    } else {
        let e = money(&d["exposure"]);
        s.exposure += e;
        if e > limit {
            s.over += e - limit;
        }
    }
    s.on_hold += u64::from(actions(d).contains(&"hold"));
}

/// Sums by grade (best first, as `AAA`..`C`) and by the value of `key` (`region`).
fn expected(decisions: &[Value], key: &str) -> (Vec<(String, Sums)>, Sums, BTreeMap<String, Sums>) {
    const GRADES: [&str; 9] = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"];
    let mut by_grade: BTreeMap<usize, Sums> = BTreeMap::new();
    let mut by_key: BTreeMap<String, Sums> = BTreeMap::new();
    let mut all = Sums::default();
    for d in decisions {
        let g = GRADES
            .iter()
            .position(|g| d["grade"] == *g)
            .expect("a grade");
        add(by_grade.entry(g).or_default(), d);
        add(
            by_key
                .entry(d[key].as_str().unwrap_or("(empty)").to_string())
                .or_default(),
            d,
        );
        add(&mut all, d);
    }
    let grades = by_grade
        .into_iter()
        .map(|(g, s)| (GRADES[g].to_string(), s))
        .collect();
    (grades, all, by_key)
}

/// The rows of the table under the line `title`, up to the next blank line: `name -> sums`;
/// `unknown` in a money column is `None`.
fn table_rows(stdout: &str, title: &str) -> Vec<(String, Sums, bool)> {
    let at = stdout
        .find(&format!("\n{title}"))
        .unwrap_or_else(|| panic!("no `{title}` in:\n{stdout}"));
    let parse = |s: &str| -> Decimal { s.replace(',', "").parse().expect("an amount") };
    stdout[at + 1..]
        .lines()
        .skip(3)
        .take_while(|l| l.starts_with(' '))
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            let unknown = cells[3] == "unknown";
            let sums = Sums {
                clients: cells[1].parse().expect("clients"),
                line: parse(cells[2]),
                exposure: if unknown {
                    Decimal::ZERO
                } else {
                    parse(cells[3])
                },
                unknown: cells[4].parse().expect("unknown"),
                over: if unknown {
                    Decimal::ZERO
                } else {
                    parse(cells[5])
                },
                on_hold: cells[6].parse().expect("on hold"),
            };
            (cells[0].to_string(), sums, unknown)
        })
        .collect()
}

#[test]
fn the_table_totals_by_grade_and_by_region_are_the_exact_sums_of_the_decisions() {
    let json = evaluate(&["--context", CONTEXT, "--format", "json", EXAMPLES]).expect_code(EXIT_OK);
    let (grades, all, regions) = expected(&json.json(), "region");
    let table = evaluate(&[
        "--context",
        CONTEXT,
        "--format",
        "table",
        "--by",
        "region",
        EXAMPLES,
    ])
    .expect_code(EXIT_OK);
    let rows = table_rows(&table.stdout, "totals by grade (amounts in CNY)");
    let mut want: Vec<(String, Sums, bool)> =
        grades.into_iter().map(|(g, s)| (g, s, false)).collect();
    want.push(("total".into(), all.clone(), false));
    assert_eq!(rows, want);
    let rows = table_rows(&table.stdout, "totals by region");
    let want: Vec<(String, Sums, bool)> = regions.into_iter().map(|(r, s)| (r, s, false)).collect();
    assert_eq!(rows, want);
    assert_eq!(rows.len(), 5, "five regions of ten clients");
    // The figures of the sample portfolio, written out once so a change is seen.
    assert_eq!(all.clients, 50);
    assert_eq!(
        all.line,
        rows.iter().map(|(_, s, _)| s.line).sum::<Decimal>(),
        "the regions add up to the total"
    );
    // The totals come after the clients, the footer last.
    let out = &table.stdout;
    let clients = out.find("50 clients (").expect("the clients' line");
    assert!(clients < out.find("totals by grade").expect("totals"));
    assert!(out.find("totals by region").expect("by") < out.find("our own health").expect("h"));
}

#[test]
fn an_unknown_exposure_is_counted_apart_and_never_added_as_zero() {
    let json = evaluate(&["--format", "json", GOOD]).expect_code(EXIT_OK);
    let (grades, all, _) = expected(&json.json(), "region");
    assert_eq!(
        all.unknown, 1,
        "G003 has no receivable balance or open orders"
    );
    let table = evaluate(&["--format", "table", GOOD]).expect_code(EXIT_OK);
    let rows = table_rows(&table.stdout, "totals by grade (amounts in CNY)");
    for ((g, s), (name, got, unknown)) in grades.iter().zip(&rows) {
        assert_eq!(g, name);
        assert_eq!(s, got, "{g}");
        // A row where no exposure is known says so, instead of 0.00.
        assert_eq!(*unknown, s.unknown == s.clients, "{g}");
    }
    assert_eq!(rows.last().expect("total").1, all);
    assert!(
        table.stdout.contains(
            "exposure unknown for 1 client(s): left out of exposure and over the line, not counted as 0"
        ),
        "{}",
        table.stdout
    );
}

#[test]
fn the_workbook_has_the_totals_as_typed_cells_on_its_summary_sheet() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("book.xlsx");
    evaluate(&[
        "--context",
        CONTEXT,
        "--by",
        "region",
        "--output",
        file.to_str().expect("utf-8"),
        EXAMPLES,
    ])
    .expect_code(EXIT_OK);
    let json = evaluate(&["--context", CONTEXT, "--format", "json", EXAMPLES]).expect_code(EXIT_OK);
    let (grades, all, regions) = expected(&json.json(), "region");
    let mut book = Xlsx::new(Cursor::new(std::fs::read(&file).expect("file"))).expect("xlsx");
    assert_eq!(book.sheet_names(), ["decisions", "summary", "policy"]);
    let sheet = book.worksheet_range("summary").expect("summary");
    let mut rows = sheet.rows();
    let header: Vec<String> = rows
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header,
        [
            "by",
            "value",
            "clients",
            "line",
            "exposure",
            "exposure_unknown",
            "over_line",
            "on_hold"
        ]
    );
    let f = |d: Decimal| Data::Float(d.to_string().parse().expect("float"));
    let n = |k: u64| Data::Float(k as f64);
    let mut want: Vec<Vec<Data>> = Vec::new();
    let mut push = |by: &str, value: &str, s: &Sums| {
        want.push(vec![
            Data::String(by.into()),
            if value.is_empty() {
                Data::Empty
            } else {
                Data::String(value.into())
            },
            n(s.clients),
            f(s.line),
            f(s.exposure),
            n(s.unknown),
            f(s.over),
            n(s.on_hold),
        ]);
    };
    for (g, s) in &grades {
        push("grade", g, s);
    }
    push("total", "", &all);
    for (r, s) in &regions {
        push("region", r, s);
    }
    let got: Vec<Vec<Data>> = rows.map(|r| r.to_vec()).collect();
    assert_eq!(got, want);
    let policy = book.worksheet_range("policy").expect("policy");
    let health = policy
        .rows()
        .find(|r| r[0] == Data::String("company_health".into()))
        .map(|r| r[1].clone());
    assert_eq!(
        health,
        Some(Data::String(
            "our own health assessed: above the policy's floors; lines are not tightened".into()
        ))
    );
}

#[test]
fn the_footer_says_whether_our_own_health_was_assessed() {
    for (context, words) in [
        (
            None,
            "our own health not assessed: no [company] figures in the context; lines are not tightened for it",
        ),
        (
            Some(CONTEXT),
            "our own health assessed: above the policy's floors; lines are not tightened",
        ),
        (
            Some(WEAK),
            "our own health assessed: below the policy's floors; every line is tightened (see the reason `company_weak`)",
        ),
    ] {
        let mut args = vec!["--format", "table"];
        if let Some(c) = context {
            args.extend(["--context", c]);
        }
        args.push(EXAMPLES);
        let r = evaluate(&args).expect_code(EXIT_OK);
        let lines: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(lines[lines.len() - 2], words, "{context:?}");
        assert!(lines[lines.len() - 1].starts_with("policy standard "));
    }
}

#[test]
fn by_needs_a_column_some_client_has_and_a_format_with_totals() {
    let r = evaluate(&["--format", "table", "--by", "regoin", EXAMPLES]).expect_code(EXIT_ERROR);
    assert!(
        r.stderr
            .contains("no client has a column `regoin` to total by; did you mean `region`?"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "", "nothing is written");
    let r = evaluate(&["--format", "jsonl", "--by", "region", EXAMPLES]).expect_code(EXIT_ERROR);
    assert!(
        r.stderr.contains("`--by` totals show in the table"),
        "{}",
        r.stderr
    );
    // Any input column: key_account, with the clients without a value under `(empty)`.
    let r = evaluate(&["--format", "table", "--by", "key_account", GOOD]).expect_code(EXIT_OK);
    let rows = table_rows(&r.stdout, "totals by key_account");
    let names: Vec<&str> = rows.iter().map(|(n, _, _)| n.as_str()).collect();
    assert!(
        names
            .iter()
            .all(|n| ["true", "false", "(empty)"].contains(n)),
        "{names:?}"
    );
    assert_eq!(rows.iter().map(|(_, s, _)| s.clients).sum::<u64>(), 5);
}
