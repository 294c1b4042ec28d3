//! Real exports and ordinary slips (`tests/fixtures/exports/`, made by its `make.py`): each is
//! read exactly as the UTF-8 file of the same clients, or refused or warned about in words a
//! finance user can act on, never silently regraded.

use std::path::Path;

use crate::support::*;

const GOOD: &str = "tests/fixtures/good/clients.csv";
const EXPORTS: &str = "tests/fixtures/exports";
const KINGDEE: &str = "examples/kingdee-export.csv";
const KINGDEE_MAP: &str = "examples/kingdee-columns.toml";

fn export(name: &str) -> String {
    format!("{EXPORTS}/{name}")
}

/// `evaluate --format jsonl` on the seed policy.
#[track_caller]
fn decide(args: &[&str]) -> Run {
    evaluate(&[&["--format", "jsonl"][..], args].concat())
}

/// The decisions of the good UTF-8 file: what every faithful export must give.
fn good() -> String {
    decide(&[GOOD]).expect_code(EXIT_OK).stdout
}

/// The seed policy with `extra` appended to its policy.toml.
fn policy_with(extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = copy_policy(STANDARD);
    let toml = dir.join("policy.toml");
    let mut text = std::fs::read_to_string(&toml).expect("policy.toml");
    text.push_str(extra);
    std::fs::write(&toml, text).expect("write policy.toml");
    (tmp, dir)
}

#[test]
fn gbk_utf16_bom_and_semicolon_exports_decide_as_the_utf8_file() {
    let want = good();
    for (file, note) in [
        (
            "gbk.csv",
            "note: `tests/fixtures/exports/gbk.csv` is read as gb18030 (guessed from its bytes); if its text looks wrong, name its encoding with --encoding\n",
        ),
        ("utf16.txt", ""),
        ("bom.csv", ""),
        ("semicolon.csv", ""),
    ] {
        let run = decide(&[&export(file)]).expect_code(EXIT_OK);
        assert_eq!(run.stdout, want, "{file}");
        assert_eq!(run.stderr, note, "{file}");
    }
    // Named, the encoding is not guessed and nothing is noted; so is the delimiter.
    for (flag, value, file) in [
        ("--encoding", "gbk", "gbk.csv"),
        ("--encoding", "GB18030", "gbk.csv"),
        ("--delimiter", ";", "semicolon.csv"),
        ("--delimiter", "tab", "utf16.txt"),
    ] {
        let run = decide(&[flag, value, &export(file)]).expect_code(EXIT_OK);
        assert_eq!(
            (run.stdout.as_str(), run.stderr.as_str()),
            (want.as_str(), "")
        );
    }
}

#[test]
fn a_wrong_encoding_or_delimiter_is_said_plainly() {
    let run = decide(&["--encoding", "klingon", GOOD]).expect_code(EXIT_ERROR);
    assert_eq!(
        run.stderr,
        "error: --encoding: `klingon` is not an encoding this program knows; use e.g. utf-8, utf-16le, utf-16be, gb18030, gbk, big5, shift_jis or windows-1252\n"
    );
    let run = decide(&["--delimiter", ",", &export("semicolon.csv")]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr.starts_with(
            "error: `tests/fixtures/exports/semicolon.csv` has no `id` column; the header is one column `id;name;region;"
        ) && run
            .stderr
            .ends_with("`: is the delimiter wrong? Give it with --delimiter\n"),
        "{}",
        run.stderr
    );
    // A GBK file read as UTF-8 on purpose: its Chinese rows are refused, not garbled.
    let run = decide(&["--encoding", "utf-8", &export("gbk.csv")]).expect_code(EXIT_REJECTS);
    assert!(
        run.stderr.contains(
            "rejected: line 2: name: is not UTF-8 text, though the start of the file is; name the file's encoding with --encoding (e.g. gb18030), or save it as UTF-8\n"
        ),
        "{}",
        run.stderr
    );
    let run =
        decide(&["--delimiter", ";", "tests/fixtures/good/clients.json"]).expect_code(EXIT_ERROR);
    assert_eq!(
        run.stderr,
        "error: `tests/fixtures/good/clients.json` is JSON: `--delimiter` is for CSV input; leave it out\n"
    );
}

#[test]
fn a_decimal_comma_is_named_with_its_cell_and_the_fix() {
    let run = decide(&[&export("decimal_comma.csv")]).expect_code(EXIT_REJECTS);
    assert_eq!(
        run.stderr,
        "rejected: line 2 (id `G001`): receivable_balance: `12.345,67` has a decimal comma; write numbers with a decimal point (`12345.67`): in Excel, set the decimal separator to `.` (File > Options > Advanced) before saving as CSV\n\
         rejected: line 3 (id `G002`): on_time_ratio: `0,99` has a decimal comma; write numbers with a decimal point (`0.99`): in Excel, set the decimal separator to `.` (File > Options > Advanced) before saving as CSV\n\
         3 client(s) decided, 2 row(s) rejected\n"
    );
}

#[test]
fn a_column_that_looks_like_a_known_one_is_refused_naming_both() {
    for (file, words) in [
        (
            "receivables.csv",
            "column `receivables` looks like `receivable_balance`; rename it, or map it with --columns FILE (see the README: Reading exports)",
        ),
        (
            "excel_headers.csv",
            "column `On Time Ratio` looks like `on_time_ratio`; column `Total Liabilities` looks like `total_liabilities`; rename them, or map them with --columns FILE (see the README: Reading exports)",
        ),
        (
            "typo.csv",
            "column `sales_growht` looks like `sales_growth`; rename it, or map it with --columns FILE (see the README: Reading exports)",
        ),
    ] {
        let run = decide(&[&export(file)]).expect_code(EXIT_ERROR);
        assert_eq!(run.stdout, "", "nothing is decided");
        assert_eq!(
            run.stderr,
            format!("error: `tests/fixtures/exports/{file}`: {words}\n")
        );
    }
    // Mapped, the export decides as the good file: the exposure is not lost.
    let run = decide(&[
        "--columns",
        &export("receivables_map.csv"),
        &export("receivables.csv"),
    ])
    .expect_code(EXIT_OK);
    assert_eq!((run.stdout, run.stderr), (good(), String::new()));
    // JSON keys are checked as a header is.
    let tmp = tempfile::tempdir().expect("temp dir");
    let json = tmp.path().join("c.json");
    std::fs::write(&json, r#"[{"id": "K1", "annual_sales": 10, "AR": 5}]"#).expect("write");
    let run = decide(&[json.to_str().expect("utf-8")]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr
            .ends_with("c.json`: column `AR` looks like `receivable_balance`; rename it, or map it with --columns FILE (see the README: Reading exports)\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_column_map_names_only_our_columns() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let map = tmp.path().join("map.toml");
    std::fs::write(&map, "receivables = \"receivable_balanse\"\n").expect("write");
    let run = decide(&[
        "--columns",
        map.to_str().expect("utf-8"),
        &export("receivables.csv"),
    ])
    .expect_code(EXIT_ERROR);
    assert_eq!(
        run.stderr,
        "error: `tests/fixtures/exports/receivables.csv`: `receivables` maps to `receivable_balanse`, which is not a column; did you mean `receivable_balance`?\n"
    );
    let run = decide(&["--columns", "no/such/map.toml", GOOD]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr
            .starts_with("error: --columns: cannot read the column map `no/such/map.toml`: "),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_columns_are_noted_as_ignored_unless_the_policy_declares_them() {
    let file = export("extra_columns.csv");
    let run = decide(&[&file]).expect_code(EXIT_OK);
    assert_eq!(run.stdout, good(), "extra columns change nothing");
    assert_eq!(
        run.stderr,
        "note: `tests/fixtures/exports/extra_columns.csv`: ignored columns (not known, and not in the policy's [inputs] extra): `salesperson`, `notes`\n"
    );
    let run = decide(&["--strict", &file]).expect_code(EXIT_ERROR);
    assert_eq!(
        run.stderr,
        "error: `tests/fixtures/exports/extra_columns.csv`: --strict: ignored columns `salesperson`, `notes`; add them, declare extra columns in the policy's [inputs] extra, or map them with --columns\n"
    );
    // Declared, a column is the policy's: no note for it.
    let (_tmp, dir) = policy_with("\n[inputs]\nextra = [\"salesperson\"]\n");
    let run = evaluate_with(&dir, &["--format", "jsonl", &file]).expect_code(EXIT_OK);
    assert!(
        run.stderr.ends_with(
            "note: `tests/fixtures/exports/extra_columns.csv`: ignored columns (not known, and not in the policy's [inputs] extra): `notes`\n"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn scored_columns_missing_from_the_input_are_noted_once() {
    let file = export("few_columns.csv");
    let run = decide(&[&file]).expect_code(EXIT_OK);
    assert_eq!(run.jsonl().len(), 2);
    assert_eq!(
        run.stderr,
        "note: `tests/fixtures/exports/few_columns.csv`: scored as missing for every client: `max_days_late`, `broken_promises`, `years_trading`, `total_assets`, `total_liabilities`, `current_assets`, `current_liabilities`, `inventory`, `intangible_assets`, `high_risk_share`, `management_score`, `sales_growth`, `collateral_value`, `sell_in`, `sell_out`\n"
    );
    let run = decide(&["--strict", &file]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr.starts_with(
            "error: `tests/fixtures/exports/few_columns.csv`: --strict: columns scored as missing for every client: `max_days_late`,"
        ),
        "{}",
        run.stderr
    );
    // Once per run, though the seed policy's group lines make it read an input naming groups
    // twice; and from standard input too.
    let tmp = tempfile::tempdir().expect("temp dir");
    let grouped = tmp.path().join("grouped.csv");
    std::fs::write(
        &grouped,
        "id,annual_sales,group\nK1,1000000,G1\nK2,500000,G1\n",
    )
    .expect("write");
    let run = decide(&[grouped.to_str().expect("utf-8")]).expect_code(EXIT_OK);
    assert_eq!(
        run.stderr.matches("scored as missing").count(),
        1,
        "{}",
        run.stderr
    );
    let mut child = credit_policy()
        .args(["evaluate", "--as-of", AS_OF, "--format", "jsonl", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    std::io::Write::write_all(
        &mut child.stdin.take().expect("stdin"),
        &std::fs::read(&grouped).expect("read"),
    )
    .expect("write stdin");
    let out = child.wait_with_output().expect("the binary ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_OK), "{stderr}");
    assert_eq!(
        stderr.matches("note: `-`: scored as missing").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn totals_rows_are_refused() {
    let run = decide(&[&export("totals.csv")]).expect_code(EXIT_REJECTS);
    assert_eq!(run.jsonl().len(), 5);
    assert_eq!(
        run.stderr,
        "rejected: line 7 (id `Total`): id: `Total` is the label of a totals row, not a client; remove totals and subtotals from the export\n\
         rejected: line 8: id: is missing, and the name `合计` is the label of a totals row; remove totals and subtotals from the export\n\
         5 client(s) decided, 2 row(s) rejected\n"
    );
}

#[test]
fn implausible_rows_are_rejected_with_field_and_reason() {
    for (file, reject) in [
        (
            "subcent.csv",
            "line 2 (id `G001`): receivable_balance: `12.345` has more decimals than the currency has (2); round it to cents before exporting",
        ),
        (
            "cross_region.csv",
            "line 2 (id `G001`): cross_region_sales: `960000` is more than sell_out `950000`; sales outside its territory are part of all it sells on",
        ),
        (
            "future_review.csv",
            "line 3 (id `G002`): last_review: `2026-09-01` is after the as-of date 2026-06-30; a review cannot be in the future (check the date, or the run's --as-of)",
        ),
    ] {
        let run = decide(&[&export(file)]).expect_code(EXIT_REJECTS);
        assert_eq!(
            run.stderr,
            format!("rejected: {reject}\n4 client(s) decided, 1 row(s) rejected\n"),
            "{file}"
        );
    }
}

#[test]
fn a_growth_typed_as_a_percent_is_refused_and_the_bound_is_the_policys() {
    let file = export("growth.csv");
    let run = decide(&[&file]).expect_code(EXIT_REJECTS);
    assert_eq!(
        run.stderr,
        "rejected: line 2 (id `G001`): sales_growth: `-8` is a fall of 800%, but nothing falls by more than 100%; write growth as a share, e.g. -0.08 for -8%\n\
         rejected: line 3 (id `G002`): sales_growth: `5` is a growth of 500%, above the most the policy accepts (300%, `[inputs] max_growth`); write growth as a share, e.g. 0.05 for 5%\n\
         3 client(s) decided, 2 row(s) rejected\n"
    );
    // A policy that expects fast growers raises the bound; -8 is still impossible.
    let (_tmp, dir) = policy_with("\n[inputs]\nmax_growth = 6\n");
    let run = evaluate_with(&dir, &["--format", "jsonl", &file]).expect_code(EXIT_REJECTS);
    assert_eq!(run.jsonl().len(), 4);
    assert!(run.stderr.contains("(id `G001`): sales_growth: `-8`"));
    assert!(!run.stderr.contains("G002"), "{}", run.stderr);
    let (_tmp, bad) = policy_with("\n[inputs]\nmax_growth = -1\n");
    let run = evaluate_with(&bad, &[GOOD]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr
            .contains("inputs.max_growth is -1; it must be 0 or more"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_sell_through_far_above_1_is_warned_about_once_and_the_row_decided() {
    let run = decide(&[&export("sell_through.csv")]).expect_code(EXIT_OK);
    assert_eq!(run.jsonl().len(), 5);
    assert_eq!(
        run.stderr,
        "warning: line 4 (id `G003`): sell_through is 2.1 (sell_out `2100000` over sell_in `1000000`), far above 1: it sold on much more than it bought from us; check both figures\n\
         1 row(s) decided with a warning: check them\n"
    );
    // The commands that decide the whole book warn too, once.
    let run = run_cmd(&["review", &export("sell_through.csv")]);
    assert_eq!(
        run.stderr.matches("warning: line 4").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn a_kingdee_export_reads_with_its_column_map() {
    let run = decide(&["--columns", KINGDEE_MAP, KINGDEE]).expect_code(EXIT_OK);
    assert_eq!(run.stdout, good(), "the same clients as the good file");
    assert_eq!(
        run.stderr,
        "note: `examples/kingdee-export.csv` is read as gb18030 (guessed from its bytes); if its text looks wrong, name its encoding with --encoding\n"
    );
    let run = decide(&[KINGDEE]).expect_code(EXIT_ERROR);
    assert!(
        run.stderr
            .contains("column `客户编码` looks like `id`; column `客户名称` looks like `name`;")
            && run
                .stderr
                .contains("column `应收账款余额` looks like `receivable_balance`;"),
        "{}",
        run.stderr
    );
}

/// The real binary with the seed policy, as of the tests' date.
#[track_caller]
fn run_cmd(args: &[&str]) -> Run {
    let (cmd, rest) = args.split_first().expect("a command");
    run(credit_policy()
        .arg(cmd)
        .args(["--as-of", AS_OF, "--policy", STANDARD])
        .args(rest))
}

#[test]
fn every_command_that_reads_clients_takes_the_input_flags() {
    let map = ["--columns", KINGDEE_MAP, "--encoding", "gb18030", KINGDEE];
    for cmd in ["review", "exit", "channel"] {
        let run = run_cmd(&[&[cmd][..], &map[..]].concat());
        assert_eq!(run.code, EXIT_OK, "{cmd}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{cmd}");
    }
    let run = run_cmd(&[&["explain", "--client", "G002"][..], &map[..]].concat());
    assert_eq!(run.code, EXIT_OK, "{}", run.stderr);
    assert!(run.stdout.contains("G002"));
    let run = run_cmd(
        &[
            &["order", "--client", "G002", "--amount", "1000.00"][..],
            &map[..],
        ]
        .concat(),
    );
    assert!(
        [EXIT_OK, 3].contains(&run.code) && run.stderr.is_empty(),
        "{}",
        run.stderr
    );
    let compared = crate::support::run(
        credit_policy()
            .args([
                "compare", "--as-of", AS_OF, "--a", STANDARD, "--b", STANDARD,
            ])
            .args(map),
    );
    assert_eq!(compared.code, EXIT_OK, "{}", compared.stderr);
    // A wrong header stops every command before anything is decided.
    let run = run_cmd(&["review", &export("receivables.csv")]).expect_code(EXIT_ERROR);
    assert!(run.stderr.contains("looks like `receivable_balance`"));
    let compared = crate::support::run(
        credit_policy()
            .args([
                "compare", "--as-of", AS_OF, "--a", STANDARD, "--b", STANDARD,
            ])
            .arg(export("receivables.csv")),
    );
    assert_eq!(compared.code, EXIT_ERROR, "{}", compared.stderr);
}

#[test]
fn the_fixtures_are_what_make_py_says() {
    // The binary fixtures start as their encodings do.
    let bytes = |f: &str| std::fs::read(Path::new(ROOT).join(EXPORTS).join(f)).expect("fixture");
    assert!(bytes("utf16.txt").starts_with(b"\xFF\xFEi\0d\0\t\0"));
    assert!(bytes("bom.csv").starts_with(b"\xEF\xBB\xBFid,"));
    assert!(
        std::str::from_utf8(&bytes("gbk.csv")).is_err(),
        "GBK is not UTF-8"
    );
}

/// A JSON object that gives a field twice, or gives one column under two keys (its own name
/// and a name the column map sends to it), says two things: the row is rejected naming the
/// field, never decided on whichever value came last. The other rows are decided, and
/// non-objects in the array are rejected one by one.
#[test]
fn a_json_row_giving_a_field_twice_is_rejected_naming_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let json = tmp.path().join("twice.json");
    std::fs::write(
        &json,
        "[{\"id\":\"A1\",\"annual_sales\":\"1000\",\"annual_sales\":\"9000000\"},\n 5, [1, 2],\n{\"id\":\"A2\",\"annual_sales\":\"1000\"}]\n",
    )
    .expect("write");
    let r = decide(&[json.to_str().expect("utf-8")]).expect_code(EXIT_REJECTS);
    assert!(
        r.stderr
            .contains("rejected: line 1 (id `A1`): annual_sales: is given twice in this object"),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.matches("is not an object").count(),
        2,
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout.lines().count(), 1);
    assert!(r.stdout.contains("\"id\":\"A2\""));

    let jsonl = tmp.path().join("twice.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\":\"B1\",\"annual_sales\":1,\"annual_sales\":2}\n{\"id\":\"B2\",\"annual_sales\":\"1000\",\"sales\":\"9000000\"}\n",
    )
    .expect("write");
    let map = tmp.path().join("map.toml");
    std::fs::write(&map, "\"sales\" = \"annual_sales\"\n").expect("write");
    let r = decide(&[
        jsonl.to_str().expect("utf-8"),
        "--columns",
        map.to_str().expect("utf-8"),
    ])
    .expect_code(EXIT_REJECTS);
    assert!(
        r.stderr
            .contains("line 1 (id `B1`): annual_sales: is given twice"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "line 2 (id `B2`): annual_sales: given twice in this object, as `annual_sales` and as `sales`"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
}
