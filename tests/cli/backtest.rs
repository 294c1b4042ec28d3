//! `backtest`: every number of the report checked against plain `evaluate` runs of the same
//! snapshot paired with the outcomes file by this test (bad rate, loss and lines by grade, the
//! approval money, the cut-offs, AUC and KS counted pair by pair); bad input (outcomes for
//! unknown clients, no shared id, a misspelt or missing column, bad rows, a rejected snapshot
//! row) with the message each prints and its exit code; the PSI from a baseline; scenarios;
//! the table; and the HTML page opened in headless Chromium.
//!
//! The fixtures: `tests/fixtures/backtest/history/` is `gen_history 400 11`;
//! `tests/fixtures/backtest/bad/` holds its first 12 clients and broken outcome files.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::compare::{attr, chromium, dump_dom, element, start_tags, text_content};
use crate::support::*;

const CONTEXT: &str = "examples/context.toml";
/// The snapshot's as-of date (the generator's).
const SNAPSHOT_AS_OF: &str = "2025-06-30";
const CONSERVATIVE: &str = "policies/conservative";
const HISTORY: &str = "tests/fixtures/backtest/history";
const BAD: &str = "tests/fixtures/backtest/bad";
const GRADES: [&str; 9] = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"];

/// `backtest --context examples/context.toml --as-of 2025-06-30 <args...>`.
fn backtest(args: &[&str]) -> Run {
    run(credit_policy()
        .args(["backtest", "--context", CONTEXT, "--as-of", SNAPSHOT_AS_OF])
        .args(args))
}

/// The JSON report of `backtest --format json <args...>`, which must exit `code`.
#[track_caller]
fn report(args: &[&str], code: i32) -> (Value, Run) {
    let run = backtest(&[&["--format", "json"], args].concat()).expect_code(code);
    let v = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
    (v, run)
}

fn history(name: &str) -> String {
    format!("{HISTORY}/{name}")
}

fn bad(name: &str) -> String {
    format!("{BAD}/{name}")
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(
        v.as_str()
            .unwrap_or_else(|| panic!("not a decimal string: {v}")),
    )
    .expect("a decimal")
}

fn num(v: &Value) -> f64 {
    v.to_string()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {v}"))
}

/// One outcome as this test reads the file: `(bad, loss, sales)`.
fn outcomes(path: &str) -> HashMap<String, (bool, Decimal, Decimal)> {
    let text = std::fs::read_to_string(std::path::Path::new(ROOT).join(path)).expect("outcomes");
    text.lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                c[0].to_string(),
                (
                    c[1] == "yes",
                    Decimal::from_str(c[2]).unwrap(),
                    Decimal::from_str(c[3]).unwrap(),
                ),
            )
        })
        .collect()
}

/// `(id, score, grade, limit)` of every client `evaluate` decides under `policy`.
fn decisions(policy: &str, input: &str) -> Vec<(String, Decimal, String, Decimal)> {
    let r = run(credit_policy().args([
        "evaluate",
        "--context",
        CONTEXT,
        "--as-of",
        SNAPSHOT_AS_OF,
        "--policy",
        policy,
        "--format",
        "jsonl",
        input,
    ]))
    .expect_code(EXIT_OK);
    r.jsonl()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                dec(&d["score"]),
                d["grade"].as_str().unwrap().to_string(),
                dec(&d["limit"]),
            )
        })
        .collect()
}

/// The AUC by its definition: every (good, bad) pair, a higher score for the good one wins,
/// ties one half.
fn auc_by_pairs(s: &[(Decimal, bool)]) -> f64 {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for (g, _) in s.iter().filter(|x| !x.1) {
        for (b, _) in s.iter().filter(|x| x.1) {
            pairs += 1.0;
            wins += if g > b {
                1.0
            } else if g == b {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / pairs
}

/// KS by its definition: at every score, the share of bads at or below it minus that of goods.
fn ks_by_thresholds(s: &[(Decimal, bool)]) -> f64 {
    let bads = s.iter().filter(|x| x.1).count() as f64;
    let goods = s.len() as f64 - bads;
    s.iter()
        .map(|(t, _)| {
            let b = s.iter().filter(|(x, bad)| *bad && x <= t).count() as f64;
            let g = s.iter().filter(|(x, bad)| !*bad && x <= t).count() as f64;
            (b / bads - g / goods).abs()
        })
        .fold(0.0, f64::max)
}

#[track_caller]
fn check_side(side: &Value, policy: &str) {
    let o = outcomes(&history("outcomes.csv"));
    let d = decisions(policy, &history("snapshot.csv"));
    let measured: Vec<_> = d
        .iter()
        .filter_map(|(id, score, grade, limit)| o.get(id).map(|x| (score, grade, limit, x)))
        .collect();
    // By grade.
    for (i, g) in GRADES.iter().enumerate() {
        let row = &side["grades"][i];
        assert_eq!(row["grade"], *g);
        let of: Vec<_> = measured.iter().filter(|m| m.1 == g).collect();
        let bads = of.iter().filter(|m| m.3.0).count();
        assert_eq!(row["clients"], of.len(), "{policy} {g}");
        assert_eq!(row["bad"], bads, "{policy} {g}");
        let loss: Decimal = of.iter().map(|m| m.3.1).sum();
        assert_eq!(dec(&row["loss"]), loss, "{policy} {g}");
        let lines: Decimal = of.iter().map(|m| *m.2).sum();
        assert_eq!(dec(&row["lines"]), lines, "{policy} {g}");
        if !of.is_empty() {
            let rate = (Decimal::from(bads) / Decimal::from(of.len())).round_dp(6);
            assert_eq!(dec(&row["bad_rate"]), rate, "{policy} {g}");
        }
    }
    // Granted to bad, refused to good.
    let a = &side["approval"];
    let granted: Vec<_> = measured.iter().filter(|m| *m.2 > Decimal::ZERO).collect();
    assert_eq!(a["approved"], granted.len());
    let to_bad: Decimal = granted.iter().filter(|m| m.3.0).map(|m| *m.2).sum();
    assert_eq!(dec(&a["lines_to_bad"]), to_bad);
    let loss: Decimal = granted.iter().map(|m| m.3.1).sum();
    assert_eq!(dec(&a["loss_on_approved"]), loss);
    let turned: Decimal = measured
        .iter()
        .filter(|m| *m.2 == Decimal::ZERO && !m.3.0)
        .map(|m| m.3.2)
        .sum();
    assert_eq!(dec(&a["turned_away_sales"]), turned);
    // Cut-offs: down to each grade approved.
    for (i, g) in GRADES.iter().enumerate() {
        let c = &side["cutoffs"][i];
        let approved: Vec<_> = measured
            .iter()
            .filter(|m| GRADES.iter().position(|x| x == m.1).unwrap() <= i)
            .collect();
        assert_eq!(c["lowest_grade"], *g);
        assert_eq!(c["approved"], approved.len());
        let loss: Decimal = approved.iter().map(|m| m.3.1).sum();
        assert_eq!(dec(&c["loss"]), loss);
    }
    // The score's power, counted pair by pair.
    let s: Vec<(Decimal, bool)> = measured.iter().map(|m| (*m.0, m.3.0)).collect();
    let auc = num(&side["score"]["auc"]);
    assert!((auc - auc_by_pairs(&s)).abs() < 1e-9, "{auc}");
    assert!((num(&side["score"]["gini"]) - (2.0 * auc - 1.0)).abs() < 1e-12);
    let ks = num(&side["score"]["ks"]);
    assert!((ks - ks_by_thresholds(&s)).abs() < 1e-9, "{ks}");
    let lo = num(&side["score"]["auc_ci"][0]);
    let hi = num(&side["score"]["auc_ci"][1]);
    assert!(lo < auc && auc < hi, "{lo} {auc} {hi}");
    let (klo, khi) = (
        num(&side["score"]["ks_ci"][0]),
        num(&side["score"]["ks_ci"][1]),
    );
    assert!(klo <= ks && ks <= khi, "{klo} {ks} {khi}");
}

#[test]
fn every_number_agrees_with_evaluate_and_the_outcomes() {
    let (r, run) = report(
        &[
            "--policy",
            STANDARD,
            "--policy",
            CONSERVATIVE,
            "--outcomes",
            &history("outcomes.csv"),
            &history("snapshot.csv"),
        ],
        EXIT_OK,
    );
    let p = &r["population"];
    assert_eq!(p["decided"], 400);
    assert_eq!(p["measured"], 398);
    assert_eq!(
        p["without_outcome"]["count"], 2,
        "the generator leaves 2 without"
    );
    assert!(run.stderr.contains("2 client(s)"), "{}", run.stderr);
    let o = outcomes(&history("outcomes.csv"));
    assert_eq!(p["bad"], o.values().filter(|x| x.0).count());
    assert_eq!(r["sides"][0]["label"], "standard");
    assert_eq!(r["sides"][1]["label"], "conservative");
    check_side(&r["sides"][0], STANDARD);
    check_side(&r["sides"][1], CONSERVATIVE);
    // The generator's relation makes worse payers go bad more often: the score separates.
    assert!(num(&r["sides"][0]["score"]["auc"]) > 0.8);
}

#[test]
fn outcomes_for_unknown_clients_are_listed_with_their_lines_and_exit_1() {
    let (r, run) = report(
        &[
            "--policy",
            STANDARD,
            "--outcomes",
            &bad("unknown.csv"),
            &bad("snapshot.csv"),
        ],
        EXIT_REJECTS,
    );
    let unknown: Vec<(u64, &str)> = r["population"]["unknown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["line"].as_u64().unwrap(), u["id"].as_str().unwrap()))
        .collect();
    assert_eq!(unknown, [(12, "H999998"), (13, "X-17")]);
    assert!(
        run.stderr
            .contains("unknown.csv` line 13 (id `X-17`): not a client of"),
        "{}",
        run.stderr
    );
    assert_eq!(r["population"]["measured"], 10);
    assert_eq!(
        r["population"]["without_outcome"]["first"],
        serde_json::json!(["H000010", "H000011"])
    );
}

#[test]
fn outcomes_that_share_no_id_with_the_snapshot_are_an_error_showing_both_kinds() {
    let run = backtest(&[
        "--policy",
        STANDARD,
        "--outcomes",
        &bad("other_ids.csv"),
        &bad("snapshot.csv"),
    ])
    .expect_code(EXIT_ERROR);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("ids of the snapshot look like `H000000`")
            && run.stderr.contains("ids of the outcomes like `D000`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_misspelt_column_is_named_with_what_it_looks_like() {
    let run = backtest(&[
        "--policy",
        STANDARD,
        "--outcomes",
        &bad("misspelt.csv"),
        &bad("snapshot.csv"),
    ])
    .expect_code(EXIT_ERROR);
    assert!(
        run.stderr
            .contains("misspelt.csv` has no column `loss` (did you mean `los` for `loss`?)"),
        "{}",
        run.stderr
    );
    let run = backtest(&[
        "--policy",
        STANDARD,
        "--outcomes",
        &bad("missing.csv"),
        &bad("snapshot.csv"),
    ])
    .expect_code(EXIT_ERROR);
    assert!(
        run.stderr.contains("missing.csv` has no column `loss`;"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_bad_outcome_row_is_listed_with_file_line_and_field() {
    let (r, run) = report(
        &[
            "--policy",
            STANDARD,
            "--outcomes",
            &bad("bad_rows.csv"),
            &bad("snapshot.csv"),
        ],
        EXIT_REJECTS,
    );
    let listed: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("rejected: "))
        .collect();
    let expect = [
        "line 3 (id `H000001`): bad: `maybe` is not yes/no",
        "line 4 (id `H000002`): loss: `-5.00` is negative",
        "line 6 (id `H000004`): sales: empty",
        "line 8 (id `H000006`): max_days_past_due: `abc` is not a whole number",
        "line 10 (id `H000008`): id: `H000008` has more than one outcome",
        "line 14 (id `H000008`): id: `H000008` has an outcome on line 10 too",
    ];
    assert_eq!(listed.len(), expect.len(), "{}", run.stderr);
    for (l, e) in listed.iter().zip(expect) {
        assert!(
            l.contains("bad_rows.csv` ") && l.contains(e),
            "{l}\nexpected {e}"
        );
    }
    // The clients whose rows were rejected are not measured, nor taken as good.
    assert_eq!(r["population"]["outcome_rejected"], 6);
    assert_eq!(r["population"]["measured"], 7);
    assert_eq!(r["population"]["without_outcome"]["count"], 5);
}

#[test]
fn a_rejected_snapshot_row_is_listed_and_not_measured() {
    let (r, run) = report(
        &[
            "--policy",
            STANDARD,
            "--outcomes",
            &bad("outcomes.csv"),
            &bad("snapshot_bad.csv"),
        ],
        EXIT_REJECTS,
    );
    assert!(
        run.stderr
            .contains("line 4 (id `H000002`): annual_sales: `lots` is not a number"),
        "{}",
        run.stderr
    );
    assert_eq!(r["population"]["rejected_rows"], 1);
    assert_eq!(r["population"]["measured"], 11);
    assert_eq!(
        r["population"]["unknown"].as_array().unwrap().len(),
        0,
        "the outcome of a rejected row is not an unknown client"
    );
}

#[test]
fn a_baseline_gives_the_psi_of_the_score_the_grade_and_each_criterion() {
    let (r, _) = report(
        &[
            "--policy",
            STANDARD,
            "--baseline",
            &history("baseline.csv"),
            "--outcomes",
            &history("outcomes.csv"),
            &history("snapshot.csv"),
        ],
        EXIT_OK,
    );
    let st = r["sides"][0]["stability"].as_array().unwrap();
    let names: Vec<&str> = st.iter().map(|p| p["measure"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "score",
            "grade",
            "character",
            "capacity",
            "capital",
            "collateral",
            "conditions"
        ]
    );
    for p in st {
        let bins = p["bins"].as_array().unwrap();
        let (e, a): (u64, u64) = bins.iter().fold((0, 0), |acc, b| {
            (
                acc.0 + b[1].as_u64().unwrap(),
                acc.1 + b[2].as_u64().unwrap(),
            )
        });
        assert_eq!((e, a), (400, 400), "{}", p["measure"]);
        assert!(num(&p["psi"]) >= 0.0);
    }
    // The grade bins are the grades.
    assert_eq!(st[1]["bins"].as_array().unwrap().len(), 9);
}

#[test]
fn a_scenario_adds_a_side_under_its_economy() {
    let (r, _) = report(
        &[
            "--policy",
            STANDARD,
            "--scenario",
            "recession",
            "--outcomes",
            &history("outcomes.csv"),
            &history("snapshot.csv"),
        ],
        EXIT_OK,
    );
    let sides = r["sides"].as_array().unwrap();
    assert_eq!(sides.len(), 2);
    assert_eq!(sides[1]["label"], "standard (recession)");
    assert_eq!(sides[1]["economy"], "recession");
    // A recession grades every client lower: no more approved than in a normal economy.
    assert!(sides[1]["approval"]["approved"].as_u64() <= sides[0]["approval"]["approved"].as_u64());
}

#[test]
fn the_table_names_each_side_and_aligns_its_columns_chinese_names_included() {
    // The challenger named in Chinese: its column is twice as wide per character.
    let (_tmp, chinese) = copy_policy(CONSERVATIVE);
    edit(
        &chinese.join("policy.toml"),
        "name = \"conservative\"",
        "name = \"保守方案\"",
    );
    let run = backtest(&[
        "--policy",
        STANDARD,
        "--policy",
        chinese.to_str().unwrap(),
        "--outcomes",
        &history("outcomes.csv"),
        &history("snapshot.csv"),
    ])
    .expect_code(EXIT_OK);
    let t = &run.stdout;
    assert!(t.contains("398 clients measured"), "{t}");
    for section in [
        "power to separate",
        "credit granted to clients that went bad",
        "cut-off trade-off: 保守方案",
    ] {
        let lines: Vec<&str> = t
            .lines()
            .skip_while(|l| !l.starts_with(section))
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect();
        assert!(lines.len() > 3, "{section}\n{t}");
        let first = width(lines[0]);
        for l in &lines {
            assert_eq!(width(l), first, "aligned: {l}");
        }
    }
    let header = t
        .lines()
        .skip_while(|l| !l.starts_with("power to separate"))
        .nth(1)
        .unwrap();
    assert!(
        header.contains("standard") && header.contains("保守方案"),
        "{header}"
    );
}

/// Columns a line takes on a terminal (a Chinese character takes two).
fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

#[test]
fn the_page_opens_in_headless_chromium_and_shows_the_json_numbers() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let page = tmp.path().join("backtest.html");
    let (r, _) = report(
        &[
            "--policy",
            STANDARD,
            "--policy",
            CONSERVATIVE,
            "--baseline",
            &history("baseline.csv"),
            "--html",
            page.to_str().unwrap(),
            "--outcomes",
            &history("outcomes.csv"),
            &history("snapshot.csv"),
        ],
        EXIT_OK,
    );
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(
        !html.contains("http://") || !html.contains("<script src"),
        "no network"
    );
    assert!(!html.contains("<link"), "self-contained");
    let check = |html: &str| {
        assert_eq!(
            text_content(element(html, "measured", "</b>")),
            r["population"]["measured"].to_string()
        );
        let curves = start_tags(element(html, "roc", "</svg>"), "polyline");
        assert_eq!(curves.len(), 2, "one ROC curve a side");
        for (c, side) in curves.iter().zip(r["sides"].as_array().unwrap()) {
            assert_eq!(attr(c, "data-side"), side["label"].as_str());
            let auc: f64 = attr(c, "data-auc").unwrap().parse().unwrap();
            assert_eq!(auc, num(&side["score"]["auc"]));
        }
        let bars = start_tags(element(html, "bad-rate", "</svg>"), "rect");
        assert!(!bars.is_empty());
        for b in bars {
            let side = r["sides"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["label"].as_str() == attr(b, "data-side"))
                .unwrap();
            let g = GRADES
                .iter()
                .position(|g| Some(*g) == attr(b, "data-grade"))
                .unwrap();
            let rate = side["grades"][g]["bad_rate"].as_str().unwrap_or("");
            assert_eq!(attr(b, "data-rate"), Some(rate));
        }
        assert_eq!(
            start_tags(element(html, "tradeoff", "</svg>"), "polyline").len(),
            2
        );
        assert_eq!(
            start_tags(element(html, "stability", "</table>"), "tr").len(),
            8,
            "a header and seven measures"
        );
    };
    check(&html);
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not on the PATH; .ci/run installs it"
        );
        eprintln!("note: chromium is not installed, the backtest page was not opened in a browser");
        return;
    };
    let dom = dump_dom(&chromium, &page);
    let body = start_tags(&dom, "body")[0];
    assert_eq!(attr(body, "data-ready"), Some("1"), "the script ran");
    check(&dom);
}

#[test]
fn every_snapshot_row_rejected_says_nothing_was_decided() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let all_bad = tmp.path().join("all-bad.csv");
    std::fs::write(
        &all_bad,
        "id,name,annual_sales\nH000000,Bad,abc\nH000001,Bad,-5\n",
    )
    .expect("write");
    let run = backtest(&[
        "--policy",
        STANDARD,
        "--outcomes",
        &bad("outcomes.csv"),
        all_bad.to_str().unwrap(),
    ])
    .expect_code(EXIT_REJECTS);
    assert!(
        run.stdout
            .starts_with("every row was rejected: nothing decided (2 row(s) rejected)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("all-bad.csv` line 2 (id `H000000`): annual_sales: `abc` is not a number"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_rejected_baseline_row_is_listed_with_its_file() {
    let run = backtest(&[
        "--policy",
        STANDARD,
        "--baseline",
        &bad("snapshot_bad.csv"),
        "--outcomes",
        &bad("outcomes.csv"),
        &bad("snapshot.csv"),
    ])
    .expect_code(EXIT_REJECTS);
    assert!(
        run.stderr.contains(
            "rejected: `tests/fixtures/backtest/bad/snapshot_bad.csv` line 4 (id `H000002`): annual_sales: `lots` is not a number"
        ),
        "{}",
        run.stderr
    );
}

/// An ERP export as a finance user has it: GB18030, Windows line ends, a blank line,
/// semicolons, `是`/`否`. The same outcomes as `bad/outcomes.csv` measure the same; a bad row
/// is named on its own line of the file; `--outcomes-encoding` names the encoding.
#[test]
fn an_erp_export_of_the_outcomes_in_gb18030_with_crlf_reads_as_the_utf8_file() {
    let plain = std::fs::read_to_string(bad("outcomes.csv")).unwrap();
    let mut lines: Vec<String> = plain
        .lines()
        .map(|l| {
            l.replace(',', ";")
                .replace(";yes;", ";是;")
                .replace(";no;", ";否;")
        })
        .collect();
    lines.insert(3, String::new());
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, lines: &[String]| {
        let text = lines.join("\r\n") + "\r\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        path.to_str().unwrap().to_string()
    };
    let erp = write("erp.csv", &lines);
    let snapshot = bad("snapshot.csv");
    let (want, _) = report(
        &[
            "--policy",
            STANDARD,
            "--outcomes",
            &bad("outcomes.csv"),
            &snapshot,
        ],
        EXIT_OK,
    );
    let with = |file: &str| {
        [
            "--policy",
            STANDARD,
            "--outcomes",
            file,
            "--outcomes-encoding",
            "gb18030",
            &snapshot,
        ]
        .map(String::from)
    };
    let args = with(&erp);
    let (got, run) = report(&args.each_ref().map(String::as_str), EXIT_OK);
    assert_eq!(got["sides"], want["sides"], "{}", run.stderr);

    let last = lines.len();
    let id = lines[last - 1].split(';').next().unwrap().to_string();
    let row = lines[last - 1]
        .replace(";否;", ";也许;")
        .replace(";是;", ";也许;");
    lines[last - 1] = row;
    let broken = write("broken.csv", &lines);
    let args = with(&broken);
    let (_, run) = report(&args.each_ref().map(String::as_str), EXIT_REJECTS);
    assert!(
        run.stderr
            .contains(&format!("broken.csv` line {last} (id `{id}`): bad: `也许`")),
        "{}",
        run.stderr
    );
}

/// The same policy given twice is a slip, refused before anything is decided.
#[test]
fn the_same_policy_twice_is_refused() {
    let run = backtest(&[
        "--policy",
        STANDARD,
        "--policy",
        "policies/standard/",
        "--outcomes",
        &bad("outcomes.csv"),
        &bad("snapshot.csv"),
    ])
    .expect_code(EXIT_ERROR);
    assert!(
        run.stderr
            .contains("is the same policy as --policy `policies/standard`"),
        "{}",
        run.stderr
    );
}
