//! The good portfolio (`tests/fixtures/good/`) through every input and output format: the
//! documented fields, money as exact decimal strings, input order kept, the three input formats
//! agreeing, byte-stable output, `--output` files and Chinese text left alone.

use serde_json::{Value, json};

use crate::support::*;

const GOOD_CSV: &str = "tests/fixtures/good/clients.csv";
const GOOD_JSON: &str = "tests/fixtures/good/clients.json";
const GOOD_JSONL: &str = "tests/fixtures/good/clients.jsonl";
const GOOD_IDS: [&str; 5] = ["G001", "G002", "G003", "G004", "G005"];

/// The seed policy's hash, as the default policy reports it.
fn standard_hash() -> String {
    let d = evaluate(&["--format", "jsonl", GOOD_CSV]).expect_code(EXIT_OK);
    d.jsonl()[0]["policy"]["hash"]
        .as_str()
        .expect("hash is text")
        .to_string()
}

#[test]
fn a_good_portfolio_gives_one_full_decision_per_row_in_input_order() {
    let run = evaluate(&["--format", "json", GOOD_CSV]).expect_code(EXIT_OK);
    assert_eq!(run.stderr, "", "a clean run says nothing on stderr");
    let decisions = run.json();
    assert_eq!(ids(&decisions), GOOD_IDS);

    let hash = decisions[0]["policy"]["hash"].as_str().expect("hash");
    assert!(
        hash.len() == 71
            && hash.starts_with("sha256:")
            && hash[7..].chars().all(|c| c.is_ascii_hexdigit()),
        "{hash}"
    );
    for d in &decisions {
        let fields: Vec<&str> = d
            .as_object()
            .expect("a decision is an object")
            .keys()
            .map(String::as_str)
            .collect();
        for f in [
            "id",
            "grade",
            "base_grade",
            "score",
            "scores",
            "limit",
            "payment_days",
            "exposure",
            "available",
            "actions",
            "next_review",
            "reasons",
            "policy",
        ] {
            assert!(fields.contains(&f), "`{f}` missing from {d}");
        }
        let scores = d["scores"].as_object().expect("scores is an object");
        let mut names: Vec<&str> = scores.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "capacity",
                "capital",
                "character",
                "collateral",
                "conditions"
            ]
        );
        // Money and scores leave as decimal strings, never as JSON numbers. An unknown
        // exposure (an empty receivable or open-orders cell) is null, never a made-up zero.
        let unknown = reason_codes(d).contains(&"exposure_unknown");
        for money in ["exposure", "available"] {
            assert_eq!(d[money].is_null(), unknown, "{money} in {d}");
        }
        for money in [
            "limit",
            "unsecured_line",
            "secured_cover",
            "exposure",
            "available",
        ] {
            if unknown && d[money].is_null() {
                continue;
            }
            let s = d[money]
                .as_str()
                .unwrap_or_else(|| panic!("{money} in {d}"));
            let (int, frac) = s.trim_start_matches('-').split_once('.').expect("a point");
            assert!(
                !int.is_empty() && int.chars().all(|c| c.is_ascii_digit()),
                "{money} {s}"
            );
            assert!(
                frac.len() >= 2 && frac.chars().all(|c| c.is_ascii_digit()),
                "{money} {s}"
            );
        }
        assert!(d["score"].is_string() && d["payment_days"].is_u64(), "{d}");
        // Each reason: a code and a text, the action it asks for when it asks for one, and the
        // rule's figures when it names any (a non-empty object of exact decimal strings; an
        // unknown figure is left out); nothing else. Every action of the decision is asked for
        // by a reason.
        let mut asked: Vec<&str> = Vec::new();
        for r in d["reasons"].as_array().expect("reasons") {
            let fields = r.as_object().expect("reason object");
            assert!(r["code"].is_string() && r["text"].is_string(), "{r}");
            let mut expected_fields = 2;
            if let Some(a) = fields.get("action") {
                expected_fields += 1;
                let a = a.as_str().expect("an action is text");
                assert!(actions(d).contains(&a), "{a} not an action of {d}");
                asked.push(a);
            }
            if let Some(f) = fields.get("figures") {
                expected_fields += 1;
                let f = f.as_object().expect("figures is an object");
                assert!(!f.is_empty(), "empty figures are left out: {r}");
                for (name, v) in f {
                    let v = v.as_str().unwrap_or_else(|| panic!("figure {name} in {r}"));
                    let digits = v.strip_prefix('-').unwrap_or(v);
                    assert!(
                        !digits.is_empty()
                            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
                            && digits.matches('.').count() <= 1
                            && !digits.starts_with('.')
                            && !digits.ends_with('.'),
                        "figure {name} = {v} in {r}"
                    );
                }
            }
            assert_eq!(fields.len(), expected_fields, "{r}");
        }
        for a in actions(d) {
            assert!(asked.contains(&a), "no reason asks for `{a}`: {d}");
        }
        assert_eq!(
            d["policy"],
            json!({"name": "standard", "version": "1.0.0", "hash": hash})
        );
    }

    // The numbers of the good portfolio, worked out by hand from policies/standard.
    let g1 = decision(&decisions, "G001");
    assert_eq!(
        (&g1["grade"], &g1["base_grade"], &g1["score"]),
        (&json!("AAA"), &json!("AAA"), &json!("100.00"))
    );
    assert_eq!(
        g1["scores"],
        json!({"character": "100.00", "capacity": "100.00", "capital": "100.00",
               "collateral": "100.00", "conditions": "100.00"})
    );
    assert_eq!(
        g1["unsecured_line"], "469000.00",
        "2345678 x 20% = 469135.60, down to 469000"
    );
    assert_eq!(g1["secured_cover"], "200000.00", "collateral 400000 at 50%");
    assert_eq!(g1["limit"], "669000.00", "469000 + 200000");
    assert_eq!(g1["payment_days"], 60);
    assert_eq!(g1["exposure"], "12345.67");
    assert_eq!(g1["available"], "656654.33");
    assert_eq!(g1["next_review"], "2027-01-15");
    assert_eq!(actions(g1), Vec::<&str>::new());
    assert_eq!(reason_codes(g1), ["secured_cover", "score"]);

    let g2 = decision(&decisions, "G002");
    assert_eq!(
        (&g2["grade"], &g2["score"]),
        (&json!("AA"), &json!("83.00"))
    );
    assert_eq!(g2["limit"], "351000.00");
    assert_eq!(g2["exposure"], "360000.00");
    assert_eq!(g2["available"], "-9000.00");
    assert_eq!(actions(g2), ["hold"]);
    assert_eq!(reason_codes(g2)[0], "over_limit");
    assert_eq!(g2["next_review"], "2026-09-01", "key account: 6 months");

    // G003 was never reviewed and its receivable balance and open orders are empty: no
    // unsecured line until it is reviewed (A's would be 234000), and an unknown exposure holds.
    let g3 = decision(&decisions, "G003");
    assert_eq!((&g3["grade"], &g3["score"]), (&json!("A"), &json!("75.50")));
    assert_eq!(
        (&g3["limit"], &g3["unsecured_line"], &g3["payment_days"]),
        (&json!("0.00"), &json!("0.00"), &json!(0))
    );
    assert_eq!(
        (&g3["exposure"], &g3["available"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(actions(g3), ["hold", "require_collateral", "review_due"]);
    assert_eq!(
        reason_codes(g3)[..3],
        ["exposure_unknown", "never_reviewed", "review_due"]
    );
    assert_eq!(g3["next_review"], AS_OF);

    let g4 = decision(&decisions, "G004");
    assert_eq!(
        (&g4["grade"], &g4["base_grade"], &g4["score"]),
        (&json!("C"), &json!("BBB"), &json!("67.62"))
    );
    assert_eq!(
        (&g4["limit"], &g4["payment_days"]),
        (&json!("0.00"), &json!(0))
    );
    assert_eq!(actions(g4), ["terminate", "hold", "review_due"]);

    let g5 = decision(&decisions, "G005");
    assert_eq!(
        (&g5["grade"], &g5["score"]),
        (&json!("BB"), &json!("54.62"))
    );
    assert_eq!(
        (&g5["limit"], &g5["payment_days"]),
        (&json!("0.00"), &json!(0))
    );
    assert_eq!(
        g5["name"], "Smith & Sons, Ltd.",
        "a quoted CSV cell with a comma"
    );
    // No payment history: collateral first. BB is reviewed every 3 months: due 2026-04-15,
    // 76 days ago, past the 30 days of grace, so new credit is held too.
    assert_eq!(actions(g5), ["hold", "require_collateral", "review_due"]);
    assert_eq!(
        reason_codes(g5)[..2],
        ["review_overdue", "no_payment_history"]
    );
    assert_eq!(g5["next_review"], "2026-04-15");
}

#[test]
fn csv_json_and_jsonl_inputs_give_identical_decisions() {
    let from_csv = evaluate(&["--format", "json", GOOD_CSV]).expect_code(EXIT_OK);
    let from_json = evaluate(&["--format", "json", GOOD_JSON]).expect_code(EXIT_OK);
    let from_jsonl = evaluate(&["--format", "json", GOOD_JSONL]).expect_code(EXIT_OK);
    assert_eq!(from_csv.json().len(), 5);
    assert_eq!(
        from_csv.stdout, from_json.stdout,
        "CSV and JSON array differ"
    );
    assert_eq!(
        from_csv.stdout, from_jsonl.stdout,
        "CSV and JSON Lines differ"
    );
}

#[test]
fn standard_input_is_read_with_a_dash_and_sniffed() {
    let file = evaluate(&["--format", "jsonl", GOOD_JSONL]).expect_code(EXIT_OK);
    for fixture in [GOOD_CSV, GOOD_JSON, GOOD_JSONL] {
        let input = std::fs::File::open(std::path::Path::new(ROOT).join(fixture)).expect("fixture");
        let piped = run(credit_policy()
            .args(["evaluate", "--as-of", AS_OF, "--format", "jsonl", "-"])
            .stdin(input))
        .expect_code(EXIT_OK);
        assert_eq!(piped.stdout, file.stdout, "{fixture} on stdin");
    }
}

#[test]
fn jsonl_output_is_the_json_array_one_object_per_line() {
    let array = evaluate(&["--format", "json", GOOD_CSV])
        .expect_code(EXIT_OK)
        .json();
    let lines = evaluate(&["--format", "jsonl", GOOD_CSV]).expect_code(EXIT_OK);
    assert_eq!(lines.stdout.lines().count(), 5);
    assert_eq!(lines.jsonl(), array);
}

#[test]
fn jsonl_is_the_default_when_stdout_is_not_a_terminal() {
    let default = evaluate(&[GOOD_CSV]).expect_code(EXIT_OK);
    let jsonl = evaluate(&["--format", "jsonl", GOOD_CSV]).expect_code(EXIT_OK);
    assert_eq!(default.stdout, jsonl.stdout);
}

#[test]
fn csv_output_has_a_header_and_one_row_per_client() {
    let run = evaluate(&["--format", "csv", GOOD_CSV]).expect_code(EXIT_OK);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        header,
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
            "policy_name",
            "policy_version",
            "policy_hash",
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    assert_eq!(rows.len(), 5);
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let cell = |row: usize, name: &str| rows[row][col(name)].to_string();
    assert_eq!(
        rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(),
        GOOD_IDS
    );
    assert_eq!(cell(0, "name"), "华南贸易有限公司");
    assert_eq!(cell(0, "grade"), "AAA");
    assert_eq!(cell(0, "limit"), "669000.00");
    assert_eq!(cell(0, "unsecured_line"), "469000.00");
    assert_eq!(cell(0, "secured_cover"), "200000.00");
    assert_eq!(cell(0, "available"), "656654.33");
    assert_eq!(cell(1, "actions"), "hold");
    assert_eq!(cell(2, "actions"), "hold;require_collateral;review_due");
    // An unknown exposure is an empty cell, not 0.00.
    assert_eq!(
        (cell(2, "exposure"), cell(2, "available")),
        (String::new(), String::new())
    );
    assert_eq!(cell(3, "grade"), "C");
    assert_eq!(cell(3, "payment_days"), "0");
    assert_eq!(cell(4, "name"), "Smith & Sons, Ltd.");
    assert_eq!(cell(4, "score_capital"), "54.00");
    assert_eq!(cell(0, "policy_hash"), standard_hash());
}

#[test]
fn the_same_run_twice_gives_byte_identical_output() {
    for format in ["json", "jsonl", "csv"] {
        let args = [
            "--format",
            format,
            "--context",
            "tests/fixtures/context/weak_assets.toml",
            GOOD_CSV,
        ];
        let first = evaluate(&args).expect_code(EXIT_OK);
        let second = evaluate(&args).expect_code(EXIT_OK);
        assert!(!first.stdout.is_empty());
        assert_eq!(
            first.stdout.as_bytes(),
            second.stdout.as_bytes(),
            "{format}"
        );
    }
}

#[test]
fn the_default_policy_is_policies_standard() {
    let run =
        run(credit_policy().args(["evaluate", "--as-of", AS_OF, "--format", "jsonl", GOOD_CSV]))
            .expect_code(EXIT_OK);
    assert_eq!(
        run.stdout,
        evaluate(&["--format", "jsonl", GOOD_CSV])
            .expect_code(EXIT_OK)
            .stdout
    );
}

#[test]
fn output_file_takes_its_format_from_the_extension_and_stdout_stays_empty() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let expected_json = evaluate(&["--format", "json", GOOD_CSV]).expect_code(EXIT_OK);
    let expected_csv = evaluate(&["--format", "csv", GOOD_CSV]).expect_code(EXIT_OK);
    for (name, expected) in [("out.json", &expected_json), ("out.csv", &expected_csv)] {
        let path = tmp.path().join(name);
        let run = evaluate(&["--output", path.to_str().expect("utf-8 path"), GOOD_CSV])
            .expect_code(EXIT_OK);
        assert_eq!(run.stdout, "", "{name}: nothing on stdout");
        let written = std::fs::read_to_string(&path).expect("output written");
        assert_eq!(written, expected.stdout, "{name}");
    }
    assert_eq!(expected_json.json().len(), 5);
    // Written whole then moved into place: no temp file is left beside the output.
    let mut left: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("read temp dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    left.sort();
    assert_eq!(left, ["out.csv", "out.json"]);
}

#[test]
fn output_file_with_an_unknown_extension_and_no_format_exits_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("out.xyz");
    let run = evaluate(&["--output", path.to_str().expect("utf-8 path"), GOOD_CSV])
        .expect_code(EXIT_ERROR);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("out.xyz"), "{}", run.stderr);
    assert!(run.stderr.contains("--format"), "{}", run.stderr);
    assert!(!path.exists(), "no output file");
    // With --format the same name is fine.
    evaluate(&[
        "--format",
        "json",
        "--output",
        path.to_str().expect("utf-8 path"),
        GOOD_CSV,
    ])
    .expect_code(EXIT_OK);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("JSON");
    assert_eq!(written.as_array().map(Vec::len), Some(5));
}

#[test]
fn chinese_names_survive_into_json_unchanged() {
    for format in ["json", "jsonl"] {
        let run = evaluate(&["--format", format, GOOD_CSV]).expect_code(EXIT_OK);
        // Written as UTF-8 text, not as \u escapes.
        assert!(
            run.stdout
                .contains(r#""name":"华南贸易有限公司","region":"华南""#),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains(r#""name":"北京恒信商贸""#));
        assert!(run.stdout.contains(r#""name":"西部五金""#));
        assert!(!run.stdout.contains("\\u"), "no escapes: {}", run.stdout);
    }
    let from_json = evaluate(&["--format", "jsonl", GOOD_JSON])
        .expect_code(EXIT_OK)
        .jsonl();
    assert_eq!(decision(&from_json, "G001")["name"], "华南贸易有限公司");
    assert_eq!(decision(&from_json, "G004")["region"], "西南");
}
