//! Inputs from the fuzz targets in `fuzz/` (see `fuzz/README.md`), kept as plain tests.
//!
//! * `finding_*`: an input that made the library panic (1 to 7, 9) or read a number as another
//!   (8) until commit 3b29190 fixed them. Each says what it did then and checks what happens
//!   now: a load error at the number, or a decision. 1 to 8 were found reading the code while
//!   writing the targets and confirmed by the fuzz binaries; 9 by the `policy_numbers` target.
//!   10 (a workbook panicking inside calamine, fixed in 6830d56) was made by hand for the
//!   `client_xlsx` target and confirmed with its binary.
//! * The others pin down today's answer for inputs of the kinds that reach the deep paths the
//!   targets exercise (odd TOML numbers, huge exponents, deep Rhai nesting, runaway scripts,
//!   CSV quoting, UTF-8 and JSON edges), written small by hand so a change of answer is seen.

use std::path::Path;

use credit_policy::client::{Client, ClientReader, Fact, Row};
use credit_policy::context::{Company, Context};
use credit_policy::engine::{Decision, EvalError, Evaluator};
use credit_policy::policy::{LoadError, Policy};
use jiff::civil::Date;
use rust_decimal::Decimal;
use tempfile::TempDir;

const STANDARD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/standard");

/// The largest `Decimal`, as fuzzed policies write it: a string, since TOML integers stop at
/// 2^63.
const DECIMAL_MAX: &str = "\"79228162514264337593543950335\"";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "tests" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of the standard policy with `file` (a path inside the folder) replaced by `text`.
fn standard_with(file: &str, text: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(STANDARD), dir.path());
    std::fs::write(dir.path().join(file), text).unwrap();
    dir
}

/// A copy of the standard policy whose `policy.toml` has each `(from, to)` replaced once.
fn standard_toml(edits: &[(&str, &str)]) -> TempDir {
    let mut text = std::fs::read_to_string(Path::new(STANDARD).join("policy.toml")).unwrap();
    for (from, to) in edits {
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` is not in the standard policy.toml exactly once"
        );
        text = text.replacen(from, to, 1);
    }
    standard_with("policy.toml", &text)
}

/// A copy of the standard policy whose rule script `rules/channel.rhai` is `script`.
fn standard_rule(script: &str) -> TempDir {
    standard_with("rules/channel.rhai", script)
}

fn load(dir: &TempDir) -> Result<Policy, LoadError> {
    Policy::load(dir.path())
}

fn messages(e: &LoadError) -> String {
    e.diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

const AS_OF: Date = Date::constant(2026, 11, 30);

/// The contexts the fuzz targets decide under: normal, recession, our balance sheet weak, and
/// both at once.
fn contexts() -> Vec<Context> {
    let weak = Company {
        total_assets: 100.into(),
        total_debt: 100.into(),
        cash: 0.into(),
        receivables: 10.into(),
    };
    [("normal", None), ("recession", None)]
        .into_iter()
        .chain([("normal", Some(weak.clone())), ("recession", Some(weak))])
        .map(|(economy, company)| Context {
            as_of: AS_OF,
            economy: economy.into(),
            company,
        })
        .collect()
}

/// A strong client (AAA under the standard policy) and one with only an id and sales.
fn clients() -> Vec<Client> {
    let d = |s: &str| Some(s.parse::<Decimal>().unwrap());
    let mut strong = Client::new("D001", 5_000_000.into());
    for (fact, v) in [
        (Fact::ReceivableBalance, "300000"),
        (Fact::OpenOrders, "100000"),
        (Fact::OnTimeRatio, "0.99"),
        (Fact::MaxDaysLate, "0"),
        (Fact::BrokenPromises, "0"),
        (Fact::YearsTrading, "12"),
        (Fact::TotalAssets, "10000000"),
        (Fact::TotalLiabilities, "3000000"),
        (Fact::CurrentAssets, "3960000"),
        (Fact::CurrentLiabilities, "1800000"),
        (Fact::Inventory, "1620000"),
        (Fact::IntangibleAssets, "1000000"),
        (Fact::HighRiskShare, "0.02"),
        (Fact::ManagementScore, "5"),
        (Fact::SalesGrowth, "0.12"),
        (Fact::CollateralValue, "1000000"),
        (Fact::SellIn, "5000000"),
        (Fact::SellOut, "4750000"),
        (Fact::CrossRegionSales, "142500"),
    ] {
        strong.facts.set(fact, d(v));
    }
    strong.last_review = Some(Date::constant(2026, 2, 27));
    strong.key_account = Some(false);
    strong.distress_confirmed = Some(false);
    vec![strong, Client::new("E1", 1000.into())]
}

/// Every client under every context the policy knows (a fuzzed policy may lack an economy).
fn decide_all(policy: &Policy) -> Vec<Result<Decision, EvalError>> {
    let mut out = Vec::new();
    for ctx in contexts() {
        let Ok(mut ev) = Evaluator::new(policy, &ctx) else {
            continue;
        };
        for c in clients() {
            out.push(ev.decide(&c));
        }
    }
    out
}

/// A line is never negative, and its unsecured part never above the top-grade ceiling of
/// annual sales (the secured cover comes on top).
fn assert_sane(policy: &Policy, d: &Decision, sales: Decimal) {
    assert!(
        d.limit >= Decimal::ZERO,
        "{}: negative line {}",
        d.id,
        d.limit
    );
    let top = sales * policy.line.top_grade_ceiling / Decimal::ONE_HUNDRED;
    assert!(
        d.unsecured_line <= top,
        "{}: unsecured line {} above {top}",
        d.id,
        d.unsecured_line
    );
    assert_eq!(d.limit, d.unsecured_line + d.secured_cover, "{}", d.id);
}

// ---------------------------------------------------------------------------------------------
// Findings: each panicked (8: misread a number) before 3b29190.
// ---------------------------------------------------------------------------------------------

/// policy_toml: two measure weights of 79228162514264337593543950335 (`Decimal::MAX`) were each
/// reported as out of range, then summed for the "add up to 100" check, which overflowed
/// (`Addition overflowed` in `Checker::criterion`).
#[test]
fn finding_1_huge_measure_weights_are_an_error_not_a_panic() {
    let dir = standard_toml(&[
        (
            "input = \"on_time_ratio\"\nweight = 50",
            &format!("input = \"on_time_ratio\"\nweight = {DECIMAL_MAX}"),
        ),
        (
            "input = \"broken_promises\"\nweight = 30",
            &format!("input = \"broken_promises\"\nweight = {DECIMAL_MAX}"),
        ),
    ]);
    let e = load(&dir).expect_err("weights above 100 are refused");
    assert!(
        messages(&e).contains("a measure weight is"),
        "{}",
        messages(&e)
    );
}

/// policy_toml: the same for two criterion weights: the five were summed past `Decimal::MAX`
/// (`Addition overflowed` in `Checker::build`).
#[test]
fn finding_2_huge_criterion_weights_are_an_error_not_a_panic() {
    let dir = standard_toml(&[
        (
            "[criteria.character]\nweight = 30",
            &format!("[criteria.character]\nweight = {DECIMAL_MAX}"),
        ),
        (
            "[criteria.capacity]\nweight = 25",
            &format!("[criteria.capacity]\nweight = {DECIMAL_MAX}"),
        ),
    ]);
    let e = load(&dir).expect_err("weights above 100 are refused");
    assert!(
        messages(&e).contains("the weight of `character` is"),
        "{}",
        messages(&e)
    );
}

/// policy_toml: `rounding_unit` of 10^-28 loaded (it is positive), and the line divided by it
/// overflowed when a client was decided (`Division overflowed` in `Evaluator::decide`). Now a
/// unit under a cent is refused.
#[test]
fn finding_3_a_tiny_rounding_unit_is_refused() {
    let dir = standard_toml(&[(
        "rounding_unit = 1000",
        "rounding_unit = 0.0000000000000000000000000001",
    )]);
    let e = load(&dir).expect_err("a unit under a cent is refused");
    let m = messages(&e);
    assert!(
        m.contains("policy.toml:242:17: error: `rounding_unit` is 0.0000000000000000000000000001"),
        "{m}"
    );
}

/// policy_toml: `limit_factor` had no upper bound; a huge one in the recession overlay and in
/// `[company.when_weak]` were multiplied together in a weak recession and overflowed
/// (`Multiplication overflowed` in `Evaluator::decide`). Now a factor above 10 is refused, and
/// 10 in both decides.
#[test]
fn finding_4_huge_limit_factors_are_refused() {
    let dir = standard_toml(&[
        (
            "notches = 1\n",
            &format!("notches = 1\nlimit_factor = {DECIMAL_MAX}\n"),
        ),
        (
            "limit_factor = 0.8",
            &format!("limit_factor = {DECIMAL_MAX}"),
        ),
    ]);
    let e = load(&dir).expect_err("a factor above 10 is refused");
    let m = messages(&e);
    assert!(m.contains("the `limit_factor` of `recession` is"), "{m}");
    assert!(
        m.contains("the `limit_factor` of `company.when_weak` is"),
        "{m}"
    );

    let dir = standard_toml(&[
        ("notches = 1\n", "notches = 1\nlimit_factor = 10\n"),
        ("limit_factor = 0.8", "limit_factor = 10"),
    ]);
    let policy = load(&dir).unwrap_or_else(|e| panic!("{}", messages(&e)));
    for (d, c) in decide_all(&policy).iter().zip(clients().iter().cycle()) {
        let d = d.as_ref().expect("the standard rules run");
        assert_sane(&policy, d, c.facts.get(Fact::AnnualSales).unwrap());
    }
}

/// policy_rhai: `scale_line` takes any factor of 0 or more, and the engine multiplied the
/// factors of every call with `*=`: two calls with `i64::MAX` overflowed `Decimal`
/// (`Multiplication overflowed` in `Evaluator::decide`). Now the factor saturates and the
/// ceiling holds the line.
#[test]
fn finding_5_huge_scale_line_factors_are_held_to_the_ceiling() {
    let dir = standard_rule(
        "scale_line(9223372036854775807, \"big\", \"x\");\nscale_line(9223372036854775807, \"big\", \"x\");\n",
    );
    let policy = load(&dir).expect("the script compiles");
    let results = decide_all(&policy);
    assert_eq!(results.len(), 8);
    for (d, c) in results.iter().zip(clients().iter().cycle()) {
        let d = d.as_ref().expect("a huge factor still decides");
        assert_sane(&policy, d, c.facts.get(Fact::AnnualSales).unwrap());
    }
}

/// policy_rhai: `pct` of an integer multiplied by 100 in `i64`: a panic where overflow checks
/// are on (`attempt to multiply with overflow` in tests and fuzzing), a wrapped, wrong text
/// (`-100%`) in a release build. Then a script error; now `pct` rounds on the decimal's digits
/// (`crate::money::fmt_pct`), so every value has its right text.
#[test]
fn finding_6_pct_of_a_huge_integer_is_its_exact_percent() {
    let dir = standard_rule("reason(\"p\", pct(9223372036854775807));\n");
    let policy = load(&dir).expect("the script compiles");
    let results = decide_all(&policy);
    assert_eq!(results.len(), 8);
    for d in results {
        let d = d.expect("the percent is written, not an error");
        let r = d
            .reasons
            .iter()
            .find(|r| r.code == "p")
            .expect("the reason");
        assert_eq!(r.text, "922337203685477580700.0%");
    }
}

/// policy_rhai: `pct` of a decimal multiplied by 100 with `*`, which panicked past
/// `Decimal::MAX` (`Multiplication overflowed`). Then a script error; now its right text.
#[test]
fn finding_7_pct_of_a_huge_decimal_is_its_exact_percent() {
    let dir = standard_rule("reason(\"p\", pct(79228162514264337593543950335.0));\n");
    let policy = load(&dir).expect("the script compiles");
    let results = decide_all(&policy);
    assert_eq!(results.len(), 8);
    for d in results {
        let d = d.expect("the percent is written, not an error");
        let r = d
            .reasons
            .iter()
            .find(|r| r.code == "p")
            .expect("the reason");
        assert_eq!(r.text, "7922816251426433759354395033500.0%");
    }
}

// ---------------------------------------------------------------------------------------------
// Edge inputs of the kinds the targets exercise: today's answers, pinned.
// ---------------------------------------------------------------------------------------------

/// Numbers written as hex, with exponents, underscores and in quotes all mean exactly what
/// they say.
#[test]
fn odd_toml_numbers_are_read_exactly() {
    let dir = standard_toml(&[
        ("rounding_unit = 1000", "rounding_unit = 1e3"),
        ("payment_days = 60", "payment_days = 0x3c"),
        ("ceiling = 15 ", "ceiling = \"15.00\" "),
        ("top_grade_ceiling = 20", "top_grade_ceiling = 2_0"),
        (
            "[criteria.character]\nweight = 30",
            "[criteria.character]\nweight = 3.0E1",
        ),
    ]);
    let p = load(&dir).unwrap_or_else(|e| panic!("{}", messages(&e)));
    assert_eq!(p.line.rounding_unit, Decimal::from(1000));
    assert_eq!(p.line.payment_days, 60);
    assert_eq!(p.line.ceiling.to_string(), "15.00");
    assert_eq!(p.line.top_grade_ceiling, Decimal::from(20));
    assert_eq!(p.criteria[0].weight, Decimal::from(30));
    for d in decide_all(&p) {
        d.expect("the standard rules run");
    }
}

/// policy_toml: a TOML float too large for a decimal (`1e40`) was read as 0 (a number that
/// did not fit fell back to `Decimal::from_str` of the float, then to the default), so a band
/// written as 1e40 points loaded as 0 points with no error. Now an error at the number.
#[test]
fn finding_8_a_float_too_large_for_a_decimal_is_an_error_not_zero() {
    let dir = standard_toml(&[(
        "{ from = 0.98, points = 100 }",
        "{ from = 0.98, points = 1e40 }",
    )]);
    let e = load(&dir).expect_err("1e40 points is refused");
    let m = messages(&e);
    assert!(
        m.contains("policy.toml:36:27: error: `1e40` is too large"),
        "{m}"
    );
}

/// policy_numbers: band points of -10^28 (and a band edge of -10^28) are out of range, an
/// error, but were still multiplied by the measure weight to find the best and worst possible
/// scores (`Multiplication overflowed` in `Checker::unreachable_grades`). Found by the fuzzer
/// within a minute.
#[test]
fn finding_9_huge_negative_band_points_are_an_error_not_a_panic() {
    let dir = standard_toml(&[
        (
            "{ from = 4, points = 0 }",
            "{ from = 4, points = \"-10000000000000000000000000000\" }",
        ),
        (
            "{ from = 30, to = 60, points = 35 }",
            "{ from = \"-10000000000000000000000000000\", to = 60, points = 35 }",
        ),
    ]);
    let e = load(&dir).expect_err("points below 0 are refused");
    let m = messages(&e);
    assert!(
        m.contains("band points is -10000000000000000000000000000; it must be from 0 to 100"),
        "{m}"
    );
}

/// A TOML float past `f64` is a TOML error pointing at the number.
#[test]
fn a_toml_float_past_f64_is_an_error_at_its_position() {
    let dir = standard_toml(&[(
        "{ from = 0.98, points = 100 }",
        "{ from = 0.98, points = 1e400 }",
    )]);
    let e = load(&dir).expect_err("1e400 does not load");
    let m = messages(&e);
    assert!(m.contains("policy.toml:36:27: error:"), "{m}");
    assert!(m.contains("overflowed"), "{m}");
}

/// Deep nesting (300 parentheses, 100 nested `if`s) is refused when the policy loads, with the
/// script's position, instead of overflowing the stack.
#[test]
fn deep_rhai_nesting_is_refused_at_load() {
    for script in [
        format!("let x = {}1{};\n", "(".repeat(300), ")".repeat(300)),
        format!("{}{}\n", "if true { ".repeat(100), "}".repeat(100)),
    ] {
        let e = load(&standard_rule(&script)).expect_err("too deep to compile");
        let m = messages(&e);
        assert!(m.contains("rules/channel.rhai:1:"), "{m}");
        assert!(m.contains("maximum complexity"), "{m}");
    }
}

/// Endless recursion, strings and arrays that double without end, and integer overflow are
/// each an error for the client, naming the script and the reason, never a hang or a panic.
#[test]
fn runaway_scripts_are_errors_for_the_client() {
    for (script, words) in [
        ("fn f(x) { f(x + 1) } f(0);", "calls functions without end"),
        (
            "let s = \"x\"; loop { s += s; }",
            "Length of string too large",
        ),
        ("let a = []; loop { a.push(1); }", "Size of array"),
        ("loop { }", "operation limit"),
        ("let x = 9223372036854775807 + 1;", "Addition overflow"),
        ("let x = -9223372036854775808 / -1;", "Division overflow"),
        (
            "let x = 79228162514264337593543950335.0 * 2.0;",
            "Multiplication overflow",
        ),
        ("let x = 2 ** 63;", "Exponential overflow"),
    ] {
        let policy = load(&standard_rule(script)).expect("the script compiles");
        let results = decide_all(&policy);
        assert_eq!(results.len(), 8, "{script}");
        for r in results {
            let e = r.expect_err(script).to_string();
            assert!(
                e.contains("rules/channel.rhai` failed at line 1"),
                "{script}: {e}"
            );
            assert!(e.contains(words), "{script}: {e}");
        }
    }
}

/// Reads `bytes` as a file named `name` and describes each row.
fn read_rows(name: &str, bytes: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let policy = Policy::load(Path::new(STANDARD)).unwrap();
    let mut evaluators: Vec<_> = contexts()
        .iter()
        .map(|c| Evaluator::new(&policy, c).unwrap())
        .collect();
    match ClientReader::open(&path.to_string_lossy()) {
        Err(e) => vec![format!(
            "error: {}",
            e.to_string().replace(&*dir.path().to_string_lossy(), "DIR")
        )],
        Ok(r) => r
            .map(|row| match row {
                Ok(Row::Client(c)) => {
                    for ev in &mut evaluators {
                        ev.decide(&c)
                            .expect("the standard policy decides every client");
                    }
                    format!(
                        "line {} {} {:?} {}",
                        c.line,
                        c.id,
                        c.name.as_deref().unwrap_or(""),
                        c.facts.get(Fact::AnnualSales).unwrap()
                    )
                }
                Ok(Row::Reject(r)) => format!("reject line {} `{}`: {}", r.line, r.field, r.reason),
                Err(e) => format!(
                    "error: {}",
                    e.to_string().replace(&*dir.path().to_string_lossy(), "DIR")
                ),
            })
            .collect(),
    }
}

/// Quoted cells keep their commas, doubled quotes and line breaks; the next row's line number
/// counts the break.
#[test]
fn csv_quoting_and_line_numbers() {
    let rows = read_rows(
        "q.csv",
        b"id,name,annual_sales\n\"D1\",\"Acme, \"\"Ltd\"\"\nsecond line\",\"1000.50\"\nD2,B,7\n",
    );
    assert_eq!(
        rows,
        [
            "line 2 D1 \"Acme, \\\"Ltd\\\"\\nsecond line\" 1000.50",
            "line 4 D2 \"B\" 7"
        ]
    );
    // A quote left open swallows the rest of the file into one cell: one short row, rejected.
    let rows = read_rows(
        "open.csv",
        b"id,name,annual_sales\nD1,\"open,1000\nD2,B,5\n",
    );
    assert_eq!(rows, ["reject line 2 ``: has 2 cells but the header has 3"]);
}

/// CRLF line ends, a UTF-8 byte order mark, Chinese text, a bad UTF-8 cell (a reject naming
/// the field, the next row still read) and a NUL byte inside an id.
#[test]
fn csv_line_ends_and_utf8_edges() {
    assert_eq!(
        read_rows(
            "crlf.csv",
            b"id,name,annual_sales\r\nD1,A,1000\r\nD2,B,2e3\r\n"
        ),
        ["line 2 D1 \"A\" 1000", "line 3 D2 \"B\" 2000"]
    );
    assert_eq!(
        read_rows("bom.csv", b"\xEF\xBB\xBFid,name,annual_sales\nD1,A,1000\n"),
        ["line 2 D1 \"A\" 1000"]
    );
    assert_eq!(
        read_rows(
            "utf8.csv",
            b"id,name,annual_sales\nD1,\xFF\xFE,1000\nD2,\xE5\x8D\x8E,5\n"
        ),
        [
            "reject line 2 `name`: is not UTF-8 text, though the start of the file is; name the file's encoding with --encoding (e.g. gb18030), or save it as UTF-8",
            "line 3 D2 \"\u{534e}\" 5"
        ]
    );
    assert_eq!(
        read_rows("nul.csv", b"id,name,annual_sales\nD\x001,A,1000\n"),
        ["line 2 D\u{0}1 \"A\" 1000"]
    );
}

/// JSON numbers past 10^18 or past any decimal, a lone surrogate, and a line that is not
/// UTF-8: a reject for that line, and the lines after it still read.
#[test]
fn json_numbers_and_text_at_the_edges() {
    assert_eq!(
        read_rows(
            "rows.jsonl",
            b"{\"id\": \"J1\", \"annual_sales\": 1e400}\n{\"id\": \"J3\", \"annual_sales\": 1000, \"name\": \"\\ud800\"}\n\xFF\xFE\n{\"id\": \"J4\", \"annual_sales\": -0}\n"
        ),
        [
            "reject line 1 `annual_sales`: `1e+400` is too large",
            "reject line 2 ``: is not valid JSON: unexpected end of hex escape at line 1 column 51",
            // Not UTF-8, and nothing else in the file is either: read as Windows-1252, the
            // line is not JSON.
            "reject line 3 ``: is not valid JSON: expected value at line 1 column 1",
            "line 4 J4 \"\" 0"
        ]
    );
    assert_eq!(
        read_rows(
            "rows.json",
            b"[{\"id\": \"A1\", \"annual_sales\": \"5\"},\n {\"id\": 7, \"annual_sales\": 99999999999999999999}]"
        ),
        [
            "line 1 A1 \"\" 5",
            "reject line 2 `annual_sales`: `99999999999999999999` is too large (the most is 10^18)"
        ]
    );
}

/// A JSON array that is not closed, has a trailing comma or text after it: an error with the
/// line and column.
#[test]
fn json_array_syntax_errors_say_where() {
    assert_eq!(
        read_rows("a.json", b"[{\"id\": \"A1\", \"annual_sales\": 5},]"),
        [
            "error: `DIR/a.json` line 1, column 34: not valid JSON: expected value at line 1 column 1"
        ]
    );
    assert_eq!(
        read_rows("b.json", b"[\n\n{\"id\": \"A1\", \"annual_sales\": 5}] x"),
        ["error: `DIR/b.json` line 3, column 34: text after the closing `]`"]
    );
    assert_eq!(
        read_rows("c.json", b"["),
        ["error: `DIR/c.json` line 1, column 2: the array is not closed with `]`"]
    );
}

/// Issue 11: a context whose cash + receivables pass the largest decimal is an error naming
/// the fields, and a company built with them anyway (as replay reads one from an audit log)
/// never panics computing its ratio.
#[test]
fn a_context_past_the_largest_decimal_is_an_error() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hostile_input/context_overflow.toml"
    );
    let problems = credit_policy::context::Context::load(std::path::Path::new(path), None)
        .expect_err("overflowing context");
    assert!(
        problems
            .iter()
            .any(|d| d.message.contains("`company.cash` + `company.receivables`")),
        "{problems:?}"
    );
    let company = credit_policy::context::Company {
        total_assets: rust_decimal::Decimal::ONE,
        total_debt: rust_decimal::Decimal::ONE,
        cash: rust_decimal::Decimal::MAX,
        receivables: rust_decimal::Decimal::MAX,
    };
    assert_eq!(company.liquid_to_debt(), Some(rust_decimal::Decimal::MAX));
}

/// Issue 11: a workbook declaring `A1:XFD1048576` with a cell at its far corner is read from
/// the cells it holds: one client, and the far cell's row rejected with its line.
#[test]
fn a_workbook_cell_at_the_far_corner_allocates_nothing() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hostile_input/far_corner.xlsx"
    );
    let rows: Vec<_> = credit_policy::client::ClientReader::open(path)
        .unwrap()
        .collect();
    assert_eq!(rows.len(), 2);
    match &rows[1] {
        Ok(credit_policy::client::Row::Reject(r)) => assert_eq!(r.line, 1_048_576),
        other => panic!("{other:?}"),
    }
}

/// Finding 10 (issue 11, confirmed by the `client_xlsx` binary): cell references that overflow
/// the workbook reader's 32-bit arithmetic (calamine 0.38) panicked inside it in a build with
/// overflow checks (`attempt to multiply with overflow` for a nine-letter column or a row past
/// 2^32, `attempt to subtract with overflow` for the dimension `B2:A1`). Now each is a workbook
/// error naming the file. A release build wraps the numbers instead, so there it read on.
#[test]
fn finding_10_workbook_references_past_32_bits_are_a_workbook_error() {
    for name in [
        "long_column_ref.xlsx",
        "row_past_u32.xlsx",
        "dimension_backwards.xlsx",
    ] {
        let path = format!(
            "{}/tests/fixtures/hostile_input/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let rows: Result<Vec<_>, _> =
            credit_policy::client::ClientReader::open(&path).map(|r| r.collect::<Vec<_>>());
        if cfg!(debug_assertions) {
            let Err(e) = rows else {
                panic!("{name}: read as a workbook in a build with overflow checks");
            };
            let text = e.to_string();
            assert!(
                text.contains(name) && text.contains("is not a readable Excel workbook"),
                "{name}: {text}"
            );
        }
    }
}
