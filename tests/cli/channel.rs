//! `channel`, the screen of real versus fake big clients, on `tests/fixtures/channel/`. The
//! screen shows the signs the policy's rules raised, from each client's decision; it has no
//! channel rule of its own, so a sign added to a copy of the policy shows with no change to the
//! program.
//!
//! `edges.csv` is the seed's strong client (AAA, sales growing 12%, sell-in 1,000,000.00,
//! sell-out 950,000.00) with one figure moved to each side of each threshold of the seed policy:
//!
//! | id  | annual sales | changed                                   | signs                      |
//! |-----|--------------|-------------------------------------------|----------------------------|
//! | E01 | 1,100,000.00 | sell-out 599,999.99: 59.999999%           | low_sell_through           |
//! | E02 | 1,090,000.00 | sell-out 600,000.00: exactly 60%          |                            |
//! | E03 | 1,080,000.00 | cross-region 95,000.01 of 950,000.00      | cross_region               |
//! | E04 | 1,070,000.00 | cross-region 95,000.00: exactly 10%       |                            |
//! | E05 | 1,060,000.00 | inventory +32.01%: gap 20.01 points       | inventory_outgrowing_sales |
//! | E06 | 1,050,000.00 | inventory +32%: gap exactly 20 points     |                            |
//! | E07 | 1,040,000.00 | receivables +32.01%: gap 20.01 points     | receivables_outgrowing_sales |
//! | E08 | 1,030,000.00 | receivables +32%: gap exactly 20 points   |                            |
//! | E09 | 1,020,000.00 | all four past their thresholds            | all four                   |
//! | E10 | 1,010,000.00 | sell-in and sales growth unknown          | none (unknown raises none) |
//! | E11 | 1,005,000.00 | sell-through 55%, inventory +50%          | two                        |
//! | E12 |   500,000.00 | sell-through 10%: the smallest            | low_sell_through           |
//!
//! `clients.csv` is `examples/clients.csv` with `inventory_growth` and `receivable_growth`
//! given for D002, D007, D015 and D050 (the README's example).

use std::path::Path;

use serde_json::Value;

use crate::support::*;

const EDGES: &str = "tests/fixtures/channel/edges.csv";
const SAMPLE: &str = "tests/fixtures/channel/clients.csv";

/// Every edge client, most doubtful first, under the seed policy.
const RANKED: [&str; 12] = [
    "E09", "E11", "E12", "E01", "E03", "E05", "E07", "E02", "E04", "E06", "E08", "E10",
];

/// `channel --as-of 2026-06-30 <args...>`.
#[track_caller]
fn channel(args: &[&str]) -> Run {
    run(credit_policy()
        .args(["channel", "--as-of", AS_OF])
        .args(args))
}

/// `channel --format json <args...>` on a clean input: the whole screen.
#[track_caller]
fn screen(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let r = channel(&all).expect_code(EXIT_OK);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

fn clients(s: &Value) -> &[Value] {
    s["clients"].as_array().expect("clients is a list")
}

fn client<'a>(s: &'a Value, id: &str) -> &'a Value {
    clients(s)
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("`{id}` is not on the screen"))
}

fn screened_ids(s: &Value) -> Vec<&str> {
    clients(s)
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect()
}

fn signs(c: &Value) -> &[Value] {
    c["signs"].as_array().expect("signs is a list")
}

fn sign_codes(c: &Value) -> Vec<&str> {
    signs(c)
        .iter()
        .map(|f| f["code"].as_str().expect("code"))
        .collect()
}

fn sign<'a>(c: &'a Value, code: &str) -> &'a Value {
    signs(c)
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("no sign `{code}` in {c}"))
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `file:line` of the first line of `file` that holds `needle`, as a sign's `at` gives it: a
/// rule's position is read from its script, so a script that gains lines above it does not
/// move the test.
#[track_caller]
fn rule_at(file: &Path, needle: &str) -> String {
    // A relative path is the repository's; `join` keeps an absolute one as it is.
    let text = std::fs::read_to_string(Path::new(ROOT).join(file)).expect("rule script");
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("no `{needle}` in {}", file.display()));
    assert_eq!(
        text.matches(needle).count(),
        1,
        "one `{needle}` in {}",
        file.display()
    );
    format!(
        "{}:{}",
        file.display(),
        text[..at].matches('\n').count() + 1
    )
}

/// Replaces the one line of `file` that starts with `start` by `with`.
fn edit_line(file: &Path, start: &str, with: &str) {
    let text = std::fs::read_to_string(file).expect("read");
    let lines: Vec<&str> = text
        .lines()
        .map(|l| if l.starts_with(start) { with } else { l })
        .collect();
    assert_eq!(
        text.lines().filter(|l| l.starts_with(start)).count(),
        1,
        "one line starts with `{start}`"
    );
    std::fs::write(file, lines.join("\n") + "\n").expect("write");
}

/// A copy of the seed policy with a new sign, written by finance the way every channel sign
/// is: a threshold in `[params]` and a rule in `rules/channel.rhai` that puts a big client paying
/// more than `days` days late on `watch`, with its figures.
fn policy_with_a_new_sign(days: u32) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = copy_standard();
    edit_line(
        &dir.join("policy.toml"),
        "[params]",
        &format!(
            "[params]\nmax_days_late_big_client = {days}  # a big client paying later than this is watched"
        ),
    );
    let rules = dir.join("rules/channel.rhai");
    let mut text = std::fs::read_to_string(&rules).expect("read channel.rhai");
    text.push_str(
        "\n// A big client that pays late may be financing its own stock with our money.\n\
         if annual_sales >= 10000000 && max_days_late > max_days_late_big_client {\n\
         \x20   watch(\"slow_big_client\",\n\
         \x20       `paid up to ${max_days_late} days late (limit ${max_days_late_big_client} days)`,\n\
         \x20       #{ max_days_late: max_days_late, limit: max_days_late_big_client, on_time: on_time_ratio });\n\
         }\n",
    );
    std::fs::write(&rules, text).expect("write channel.rhai");
    (tmp, dir)
}

#[test]
fn the_most_doubtful_come_first() {
    let s = screen(&[EDGES]);
    assert_eq!(screened_ids(&s), RANKED);
    let ranks: Vec<u64> = clients(&s)
        .iter()
        .map(|c| c["rank"].as_u64().expect("rank"))
        .collect();
    assert_eq!(ranks, (1..=12).collect::<Vec<u64>>());
    assert_eq!(
        s["ranking"],
        "most signs raised first, then lowest sell-through (unknown last), then largest annual sales"
    );
}

#[test]
fn each_sign_is_raised_past_its_threshold_and_never_at_it() {
    let s = screen(&[EDGES]);
    for (id, want) in [
        ("E01", vec!["low_sell_through"]),
        ("E02", vec![]),
        ("E03", vec!["cross_region"]),
        ("E04", vec![]),
        ("E05", vec!["inventory_outgrowing_sales"]),
        ("E06", vec![]),
        ("E07", vec!["receivables_outgrowing_sales"]),
        ("E08", vec![]),
        (
            "E09",
            vec![
                "low_sell_through",
                "cross_region",
                "inventory_outgrowing_sales",
                "receivables_outgrowing_sales",
            ],
        ),
        ("E10", vec![]),
        (
            "E11",
            vec!["low_sell_through", "inventory_outgrowing_sales"],
        ),
        ("E12", vec!["low_sell_through"]),
    ] {
        let c = client(&s, id);
        assert_eq!(sign_codes(c), want, "{id}");
        assert_eq!(c["watch"], !want.is_empty(), "{id}");
    }
}

#[test]
fn the_screen_shows_what_evaluate_decided() {
    for policy in ["policies/standard", "policies/conservative"] {
        let s = screen(&["--policy", policy, EDGES]);
        let decisions = evaluate_with(Path::new(policy), &["--format", "json", EDGES])
            .expect_code(EXIT_OK)
            .json();
        assert_eq!(clients(&s).len(), decisions.len());
        for d in &decisions {
            let id = d["id"].as_str().expect("id");
            let c = client(&s, id);
            // Each sign is one of the decision's reasons, word for word and in its order.
            let shown: Vec<(&Value, &Value)> =
                signs(c).iter().map(|g| (&g["code"], &g["text"])).collect();
            let codes = sign_codes(c);
            let reasons: Vec<(&Value, &Value)> = d["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .filter(|r| codes.contains(&r["code"].as_str().expect("code")))
                .map(|r| (&r["code"], &r["text"]))
                .collect();
            assert_eq!(shown, reasons, "{id} under {policy}");
            assert_eq!(c["grade"], d["grade"], "{id}");
            assert_eq!(c["actions"], d["actions"], "{id}");
            assert_eq!(
                c["watch"].as_bool(),
                Some(actions(d).contains(&"watch")),
                "{id}"
            );
        }
    }
}

#[test]
fn the_thresholds_are_the_policys_through_its_rules() {
    // The conservative policy: sell-through 70%, cross-region 5%, gaps of 10 points.
    let s = screen(&["--policy", "policies/conservative", EDGES]);
    // Exactly 20 points is no sign under the seed's 20 but one under 10.
    let e06 = client(&s, "E06");
    assert_eq!(sign_codes(e06), ["inventory_outgrowing_sales"]);
    assert_eq!(
        sign(e06, "inventory_outgrowing_sales")["figures"],
        serde_json::json!({
            "inventory_growth": "0.32",
            "sales_growth": "0.12",
            "gap": "0.2",
            "limit": "0.1"
        })
    );
    let e02 = client(&s, "E02");
    assert_eq!(sign_codes(e02), ["low_sell_through"], "60% < 70%");
    assert_eq!(
        sign(e02, "low_sell_through")["text"],
        "sell-through 60.0% is below 70.0%: our goods may be piling up in its warehouse"
    );
}

#[test]
fn a_new_sign_in_the_policy_shows_in_channel_and_evaluate_alike() {
    let (_tmp, dir) = policy_with_a_new_sign(22);
    let s = screen(&["--policy", arg(&dir), "--top", "10", SAMPLE]);
    let slow: Vec<&str> = clients(&s)
        .iter()
        .filter(|c| sign_codes(c).contains(&"slow_big_client"))
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    // Of the ten largest, those paying more than 22 days late: 25, 25 and 120 days.
    assert_eq!(slow, ["D050", "D029", "D026"]);
    let g = sign(client(&s, "D026"), "slow_big_client");
    assert_eq!(g["action"], "watch");
    assert_eq!(g["text"], "paid up to 25 days late (limit 22 days)");
    assert_eq!(
        g["figures"],
        serde_json::json!({ "max_days_late": "25", "limit": "22", "on_time": "0.93" })
    );
    // The rule's `watch(` line in the copy's channel.rhai, wherever the appended rule falls.
    let slow_at = rule_at(&dir.join("rules/channel.rhai"), "watch(\"slow_big_client\"");
    let slow_line = slow_at.rsplit_once(':').expect("file:line").1;
    assert!(
        g["at"]
            .as_str()
            .is_some_and(|a| a.ends_with(&format!("rules/channel.rhai:{slow_line}"))),
        "{g} (expected line {slow_line})"
    );
    // D026 had no sign before: now it has one and is on watch.
    assert_eq!(client(&s, "D026")["watch"], true);

    let decisions = evaluate_with(&dir, &["--format", "json", SAMPLE])
        .expect_code(EXIT_OK)
        .json();
    for id in ["D050", "D029", "D026"] {
        let d = decision(&decisions, id);
        let r = d["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .find(|r| r["code"] == "slow_big_client")
            .unwrap_or_else(|| panic!("{id}: no slow_big_client reason in evaluate"));
        assert_eq!(
            r["text"],
            sign(client(&s, id), "slow_big_client")["text"],
            "{id}"
        );
        assert!(actions(d).contains(&"watch"), "{id}");
    }

    // The same table, read by a person.
    let r = channel(&["--policy", arg(&dir), "--top", "10", SAMPLE]).expect_code(EXIT_OK);
    assert!(
        r.stdout
            .contains("  D026 slow_big_client (watch): paid up to 25 days late (limit 22 days)\n      max_days_late 25, limit 22, on_time 0.93; at "),
        "{}",
        r.stdout
    );

    // Finance moves the threshold: the sign follows, again with no change to the program.
    let (_tmp, dir) = policy_with_a_new_sign(200);
    let s = screen(&["--policy", arg(&dir), "--top", "10", SAMPLE]);
    assert!(
        clients(&s)
            .iter()
            .all(|c| !sign_codes(c).contains(&"slow_big_client"))
    );
}

#[test]
fn a_rule_finance_removes_is_gone_from_the_screen() {
    // The seed policy from before the growth signs: the rules that read the growth gaps
    // removed from a copy.
    let (_tmp, dir) = copy_standard();
    let rules = dir.join("rules/channel.rhai");
    let text = std::fs::read_to_string(&rules).expect("read channel.rhai");
    let from = text
        .find("// Inventory growing much faster")
        .expect("the inventory rule");
    let to = text
        .find("// A good payer")
        .expect("the rule after the growth rules");
    std::fs::write(&rules, format!("{}{}", &text[..from], &text[to..])).expect("write rules");

    let s = screen(&["--policy", arg(&dir), EDGES]);
    assert_eq!(
        sign_codes(client(&s, "E09")),
        ["low_sell_through", "cross_region"]
    );
    assert!(sign_codes(client(&s, "E05")).is_empty());
    // E11 keeps one sign of two, so E12's lower sell-through goes first; E05 and E07 fall
    // among the signless clients, by sell-through then sales.
    assert_eq!(
        screened_ids(&s),
        [
            "E09", "E12", "E11", "E01", "E03", "E02", "E04", "E05", "E06", "E07", "E08", "E10"
        ]
    );
}

#[test]
fn top_takes_the_largest_by_annual_sales() {
    // E12 is the most doubtful by its figures but the smallest: --top 11 leaves it out.
    let s = screen(&["--top", "11", EDGES]);
    let want: Vec<&str> = RANKED.iter().copied().filter(|id| *id != "E12").collect();
    assert_eq!(screened_ids(&s), want);
    assert_eq!(
        (s["top"].as_u64(), s["considered"].as_u64()),
        (Some(11), Some(12))
    );

    // The three largest are E01, E02 and E03, ranked among themselves.
    let s = screen(&["--top", "3", EDGES]);
    assert_eq!(screened_ids(&s), ["E01", "E03", "E02"]);

    // The default is 20: every client of a smaller portfolio.
    let s = screen(&[EDGES]);
    assert_eq!((s["top"].as_u64(), clients(&s).len()), (Some(20), 12));

    let r = channel(&["--top", "0", EDGES]).expect_code(EXIT_ERROR);
    assert!(r.stderr.contains("--top"), "{}", r.stderr);
}

#[test]
fn json_gives_every_sign_with_its_figures_as_exact_decimals() {
    let r = channel(&["--format", "json", EDGES]).expect_code(EXIT_OK);
    let s: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(s["as_of"], AS_OF);
    assert_eq!(s["policy"]["name"], "standard");
    let c = client(&s, "E09");
    for (k, v) in [
        ("annual_sales", "1020000.00"),
        ("sell_through", "0.5"),
        // Three signs of a fake big client (low sell-through, cross-region, inventory; the
        // receivable gap is not one) cap the strong client's grade at A.
        ("grade", "A"),
    ] {
        assert_eq!(c[k], v, "{k}");
    }
    // Two signs cap at A, one at AA; a receivable gap alone only watches.
    for (id, grade) in [("E11", "A"), ("E01", "AA"), ("E07", "AAA"), ("E02", "AAA")] {
        assert_eq!(client(&s, id)["grade"], grade, "{id}");
    }
    assert_eq!(c["rank"], 1);
    assert_eq!(c["watch"], true);
    assert_eq!(c["actions"], serde_json::json!(["watch"]));
    let first = &signs(c)[0];
    assert_eq!(first["code"], "low_sell_through");
    assert_eq!(first["action"], "watch");
    assert_eq!(
        first["text"],
        "sell-through 50.0% is below 60.0%: our goods may be piling up in its warehouse"
    );
    assert_eq!(
        first["figures"],
        serde_json::json!({ "sell_through": "0.5", "limit": "0.6" })
    );
    let low_sell_through_at = rule_at(
        Path::new("policies/standard/rules/channel.rhai"),
        "watch(\"low_sell_through\"",
    );
    assert!(
        first["at"]
            .as_str()
            .is_some_and(|a| a.ends_with(&low_sell_through_at)),
        "{first} (expected {low_sell_through_at})"
    );
    // The figures come out in the order the rule wrote them, not by name.
    let at = r.stdout.find("\"id\": \"E09\"").expect("E09");
    let rest = &r.stdout[at..];
    let (st, limit) = (
        rest.find("\"sell_through\": \"0.5\"")
            .expect("sell_through"),
        rest.find("\"limit\": \"0.6\"").expect("limit"),
    );
    assert!(st < limit, "{rest}");
    // A ratio just under its threshold is exact in the figures, whatever the text rounds to.
    let e01 = sign(client(&s, "E01"), "low_sell_through");
    assert_eq!(e01["figures"]["sell_through"], "0.59999999");
    assert_eq!(
        client(&s, "E03")["signs"][0]["figures"]["cross_region_share"]
            .as_str()
            .map(|v| v.starts_with("0.1000000105263157894736842")),
        Some(true)
    );
    // Unknown is null.
    let u = client(&s, "E10");
    assert_eq!(u["sell_through"], Value::Null);
    assert_eq!(u["signs"], serde_json::json!([]));
    assert_eq!(u["watch"], false);
}

#[test]
fn the_table_shows_each_sign_with_its_text_and_figures() {
    let r = channel(&[EDGES]).expect_code(EXIT_OK);
    let out = &r.stdout;
    for line in [
        "channel screen as of 2026-06-30: the 12 largest of 12 client(s) by annual sales, most doubtful first",
        "ranked by: most signs raised first, then lowest sell-through (unknown last), then largest annual sales",
        "  E09 low_sell_through (watch): sell-through 50.0% is below 60.0%: our goods may be piling up in its warehouse",
        "  E05 inventory_outgrowing_sales (watch): inventory growth 32.0% against sales growth 12.0%: inventory outgrows sales by 20.0% (limit 20.0%); stock may be piling up in its warehouse",
        "12 client(s) screened: 7 with a sign, 7 on watch",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing line `{line}` in\n{out}"
        );
    }
    // The figures under each sign: exact up to eight places, `~` when rounded.
    for start in [
        "      sell_through 0.5, limit 0.6; at ",
        "      sell_through 0.59999999, limit 0.6; at ",
        "      cross_region_share ~0.10000001, limit 0.1; at ",
        "      inventory_growth 0.3201, sales_growth 0.12, gap 0.2001, limit 0.2; at ",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(start)),
            "missing line `{start}...` in\n{out}"
        );
    }
    // The first row is the most doubtful, with its sell-through to one place and its signs.
    let first = out
        .lines()
        .find(|l| l.trim_start().starts_with("1 "))
        .expect("a first row");
    assert!(
        first.contains("E09")
            && first.contains("50.0%")
            && first.contains("low_sell_through cross_region"),
        "{first}"
    );
}

#[test]
fn every_action_a_rule_asks_for_is_a_sign() {
    let s = screen(&["--top", "10", SAMPLE]);
    // Signs, then sell-through, then sales: D050 four; D015 (80%) and D007 (85%) two each;
    // D029 (70%) and D016 (80%) one hold each; the rest none. D002 (AAA, exposure 3,800,000 +
    // 600,000 = 4,400,000) was over its unsecured line of 20% x 20,000,000 = 4,000,000, but its
    // secured cover (collateral 4,000,000 at 50% = 2,000,000) makes the line 6,000,000: no
    // sign, so it falls last, after D004 on the same 95% sell-through and larger sales.
    assert_eq!(
        screened_ids(&s),
        [
            "D050", "D015", "D007", "D029", "D016", "D026", "D017", "D010", "D004", "D002"
        ]
    );
    // Terminate and its hold count with the growth signs.
    let d050 = client(&s, "D050");
    let signs: Vec<(&str, &str)> = signs(d050)
        .iter()
        .map(|g| (g["code"].as_str().unwrap(), g["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        signs,
        [
            ("distress_confirmed", "terminate"),
            ("terminating", "hold"),
            ("inventory_outgrowing_sales", "watch"),
            ("receivables_outgrowing_sales", "watch"),
        ]
    );
    assert_eq!(
        sign(d050, "inventory_outgrowing_sales")["text"],
        "inventory growth 10.0% against sales growth -30.0%: inventory outgrows sales by 40.0% (limit 20.0%); stock may be piling up in its warehouse"
    );
    // Over its line: a hold sign. D016 (CCC, no unsecured line) owes 540,000 + 180,000 =
    // 720,000 against its secured cover alone, collateral 1,080,000 at 50% = 540,000.
    let d016 = client(&s, "D016");
    assert_eq!(sign_codes(d016), ["over_limit"]);
    assert_eq!(d016["actions"], serde_json::json!(["hold"]));
    // A review overdue past its grace holds, and that hold is a sign; the review date is not a
    // sign, though it is an action. D029 (BB, reviewed 2026-02-28 every 3 months: due
    // 2026-05-28, +30 days' grace = 2026-06-27 < 2026-06-30); its exposure of 400,000 is within
    // its secured cover of 1,200,000 at 50% = 600,000, so it is not over its line.
    let d029 = client(&s, "D029");
    assert_eq!(sign_codes(d029), ["review_overdue"]);
    assert_eq!(d029["actions"], serde_json::json!(["hold", "review_due"]));
    // D007, a key account reviewed 2025-03-15 (due 2025-09-15 every 6 months, long past the
    // grace): the overdue review's hold and its growth sign, and the review date besides.
    let d007 = client(&s, "D007");
    assert_eq!(
        sign_codes(d007),
        ["review_overdue", "inventory_outgrowing_sales"]
    );
    assert_eq!(
        d007["actions"],
        serde_json::json!(["hold", "review_due", "watch"])
    );
    assert!(sign_codes(client(&s, "D004")).is_empty());
}

#[test]
fn rejected_rows_are_listed_and_the_rest_screened() {
    let csv = std::fs::read_to_string(Path::new(ROOT).join(EDGES)).expect("read edges");
    let bad = csv.replacen(",0.3201,0.10,", ",lots,0.10,", 1);
    assert_ne!(bad, csv);
    let mut c = credit_policy();
    c.args(["channel", "--as-of", AS_OF, "--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("the binary runs");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(bad.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("the binary ends");
    assert_eq!(out.status.code(), Some(EXIT_REJECTS));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("E05") && stderr.contains("inventory_growth"),
        "{stderr}"
    );
    let s: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(clients(&s).len(), 11);
    assert!(!screened_ids(&s).contains(&"E05"));
}
