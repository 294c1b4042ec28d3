//! Unit slips a finance user makes, which used to load clean and decide every client wrongly:
//! a percent written as a fraction (`limits.AAA = 0.20`), a share written as a percent
//! (`min_sell_through = 60`), band edges and points in the wrong unit. Each is a warning with
//! the number likely meant; `check --strict` refuses it; `evaluate` still decides, showing it.

use std::path::Path;

use crate::support::*;

const GOOD: &str = "tests/fixtures/good/clients.csv";

fn arg(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `check DIR`, which must accept the policy, and `check --strict DIR`, which must refuse it;
/// both must report every `(location, message)` of `expected`, as a warning and as an error.
#[track_caller]
fn warned_then_refused(policy: &Path, expected: &[(String, String)]) -> (Run, Run) {
    let lenient = run(credit_policy().args(["check", arg(policy)])).expect_code(EXIT_OK);
    assert!(
        lenient
            .stdout
            .contains(&format!("{} warning(s)", expected.len())),
        "{}\n{}",
        lenient.stdout,
        lenient.stderr
    );
    let strict =
        run(credit_policy().args(["check", "--strict", arg(policy)])).expect_code(EXIT_ERROR);
    assert_eq!(strict.stdout, "", "no summary for a refused policy");
    assert!(
        strict.stderr.ends_with(&format!(
            "error: the policy in `{}` has {} warning(s), errors under --strict\n",
            policy.display(),
            expected.len()
        )),
        "{}",
        strict.stderr
    );
    for (at, message) in expected {
        shown_at(&lenient.stderr, at, &format!("⚠ {message}"));
        shown_at(&strict.stderr, at, &format!("× {message}"));
    }
    (lenient, strict)
}

/// Panics unless `location:` is a line of its own in `stderr`, followed by `message`.
#[track_caller]
fn shown_at(stderr: &str, location: &str, message: &str) {
    let at = stderr
        .find(&format!("{location}:\n"))
        .unwrap_or_else(|| panic!("`{location}` not on a line of its own in:\n{stderr}"));
    let block = &stderr[at..];
    let block = &block[..block[1..].find("\n\n").map_or(block.len(), |i| i + 1)];
    assert!(
        block.contains(message),
        "`{message}` not at `{location}`:\n{block}"
    );
}

#[test]
fn limits_and_ceilings_written_as_fractions() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    for (from, to) in [
        ("AAA = 20  #", "AAA = 0.20  #"),
        ("AA = 15   #", "AA = 0.15   #"),
        ("A = 10    #", "A = 0.10    #"),
        ("BBB = 5   #", "BBB = 0.05   #"),
    ] {
        edit_in_table(&toml, "[limits]", from, to);
    }
    edit(&toml, "ceiling = 15  ", "ceiling = 0.15  ");
    edit(&toml, "top_grade_ceiling = 20", "top_grade_ceiling = 0.20");
    let expected = vec![
        (
            location_in_table(&toml, "[limits]", "AAA = 0.20", "AAA = ".len()),
            "`limits.AAA = 0.20` means 0.20 %; did you mean 20?".to_string(),
        ),
        (
            location_in_table(&toml, "[limits]", "AA = 0.15", "AA = ".len()),
            "`limits.AA = 0.15` means 0.15 %; did you mean 15?".into(),
        ),
        (
            location_in_table(&toml, "[limits]", "A = 0.10", "A = ".len()),
            "`limits.A = 0.10` means 0.10 %; did you mean 10?".into(),
        ),
        (
            location_in_table(&toml, "[limits]", "BBB = 0.05", "BBB = ".len()),
            "`limits.BBB = 0.05` means 0.05 %; did you mean 5?".into(),
        ),
        (
            location(&toml, "ceiling = 0.15", "ceiling = ".len()),
            "`line.ceiling = 0.15` means 0.15 %; did you mean 15?".into(),
        ),
        (
            location(
                &toml,
                "top_grade_ceiling = 0.20",
                "top_grade_ceiling = ".len(),
            ),
            "`line.top_grade_ceiling = 0.20` means 0.20 %; did you mean 20?".into(),
        ),
    ];
    // The group cap of 15 % is now above every line; that warning is not a unit slip.
    edit(
        &toml,
        "max_percent_of_sales = 15 ",
        "max_percent_of_sales = 0.15 ",
    );
    let mut expected = expected;
    expected.push((
        location(
            &toml,
            "max_percent_of_sales = 0.15",
            "max_percent_of_sales = ".len(),
        ),
        "`groups.max_percent_of_sales = 0.15` means 0.15 %; did you mean 15?".into(),
    ));
    let (lenient, _) = warned_then_refused(&policy, &expected);
    assert!(
        lenient.stderr.contains("help: `limits.AAA` is a percent of annual sales: write 20 for 20 %, not the fraction 0.20"),
        "{}",
        lenient.stderr
    );

    // `evaluate` still decides, and shows the warnings first.
    let run = evaluate_with(&policy, &["--format", "jsonl", GOOD]).expect_code(EXIT_OK);
    assert!(!run.jsonl().is_empty());
    assert!(
        run.stderr
            .contains("⚠ `limits.AAA = 0.20` means 0.20 %; did you mean 20?"),
        "{}",
        run.stderr
    );
}

#[test]
fn tolerance_and_security_percents_written_as_fractions() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    edit_in_table(&toml, "[orders.tolerance]", "AAA = 0", "AAA = 0.05");
    edit(&toml, "insured_limit = 90 ", "insured_limit = 0.9 ");
    warned_then_refused(
        &policy,
        &[
            (
                location_in_table(&toml, "[orders.tolerance]", "AAA = 0.05", "AAA = ".len()),
                "`orders.tolerance.AAA = 0.05` means 0.05 %; did you mean 5?".into(),
            ),
            (
                location(&toml, "insured_limit = 0.9", "insured_limit = ".len()),
                "`security.insured_limit = 0.9` means 0.9 %; did you mean 90?".into(),
            ),
        ],
    );
}

#[test]
fn params_compared_with_shares_written_as_percents() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    let channel = policy.join("rules/channel.rhai");
    // `fact < param`: every client is below 60, so every client would be on watch.
    edit(&toml, "min_sell_through = 0.60 ", "min_sell_through = 60 ");
    // `param < fact`, the other way round.
    edit(
        &toml,
        "max_cross_region_share = 0.10 ",
        "max_cross_region_share = 10 ",
    );
    edit(
        &channel,
        "if cross_region_share > max_cross_region_share {",
        "if max_cross_region_share < cross_region_share {",
    );
    // Through a `let`: `let gap = inventory_growth - sales_growth; if gap > max_...`.
    edit(
        &toml,
        "max_inventory_growth_gap = 0.20 ",
        "max_inventory_growth_gap = 20 ",
    );
    // A share in a `&&` of a `let` (knockout.rhai: `on_time_ratio < min_on_time_ratio`).
    edit(
        &toml,
        "min_on_time_ratio = 0.80 ",
        "min_on_time_ratio = 80 ",
    );
    let knockout = policy.join("rules/knockout.rhai");
    let at = |script: &Path, needle: &str| {
        let l = location(script, needle, 0);
        l[..l.rfind(':').expect("line:col")].to_string()
    };
    let (lenient, _) = warned_then_refused(
        &policy,
        &[
            (
                location(&toml, "min_sell_through = 60", "min_sell_through = ".len()),
                "`min_sell_through = 60` is compared with `sell_through`, a share from 0 to 1 (0.6 is 60 %); did you mean 0.6?".to_string(),
            ),
            (
                location(&toml, "max_cross_region_share = 10", "max_cross_region_share = ".len()),
                "`max_cross_region_share = 10` is compared with `cross_region_share`, a share from 0 to 1 (0.6 is 60 %); did you mean 0.1?".to_string(),
            ),
            (
                location(&toml, "max_inventory_growth_gap = 20", "max_inventory_growth_gap = ".len()),
                "`max_inventory_growth_gap = 20` is compared with `inventory_growth - sales_growth`, a growth written as a decimal (0.35 is +35 %); did you mean 0.2?".to_string(),
            ),
            (
                location(&toml, "min_on_time_ratio = 80", "min_on_time_ratio = ".len()),
                "`min_on_time_ratio = 80` is compared with `on_time_ratio`, a share from 0 to 1 (0.6 is 60 %); did you mean 0.8?".to_string(),
            ),
        ],
    );
    // Each says where the script compares it.
    for (script, needle) in [
        (&channel, "if sell_through < min_sell_through"),
        (&channel, "if max_cross_region_share <"),
        (&channel, "if gap > max_inventory_growth_gap"),
        (&knockout, "let pays_late"),
    ] {
        let at = at(script, needle);
        assert!(
            lenient.stderr.contains(&format!("help: compared at {at};")),
            "{at} in:\n{}",
            lenient.stderr
        );
    }
}

#[test]
fn a_share_compared_with_a_percent_in_the_script() {
    let (_tmp, policy) = copy_standard();
    let channel = policy.join("rules/channel.rhai");
    edit(
        &channel,
        "if sell_through < min_sell_through {",
        "if sell_through < 60 {",
    );
    warned_then_refused(
        &policy,
        &[(
            location(&channel, "< 60", 0),
            "`sell_through` is compared with 60, but it is a share from 0 to 1 (0.6 is 60 %); did you mean 0.6?".into(),
        )],
    );
}

#[test]
fn band_edges_of_a_share_and_band_points_in_the_wrong_unit() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    let sell_through = "  { from = 0.90, points = 100 },\n  { from = 0.75, to = 0.90, points = 80 },\n  { from = 0.60, to = 0.75, points = 55 },\n  { from = 0.40, to = 0.60, points = 25 },\n  { to = 0.40, points = 0 },\n";
    edit(
        &toml,
        sell_through,
        "  { from = 90, points = 100 },\n  { from = 75, to = 90, points = 80 },\n  { from = 60, to = 75, points = 55 },\n  { from = 40, to = 60, points = 25 },\n  { to = 40, points = 0 },\n",
    );
    edit(
        &toml,
        "  { to = 0.05, points = 100 },\n  { from = 0.05, to = 0.15, points = 75 },\n  { from = 0.15, to = 0.30, points = 45 },\n  { from = 0.30, points = 10 },\n",
        "  { to = 0.05, points = 1 },\n  { from = 0.05, to = 0.15, points = 0.75 },\n  { from = 0.15, to = 0.30, points = 0.45 },\n  { from = 0.30, points = 0.1 },\n",
    );
    warned_then_refused(
        &policy,
        &[
            (
                location(&toml, "[[criteria.capacity.measures]]\ninput = \"sell_through\"", 0),
                "the band edges of `sell_through` (90, 75, 60, 40) look like percents, but `sell_through` is a share from 0 to 1 (0.6 is 60 %); did you mean 0.9, 0.75, 0.6, 0.4?".into(),
            ),
            (
                location(&toml, "[[criteria.capacity.measures]]\ninput = \"high_risk_share\"", 0),
                "the band points of `high_risk_share` are at most 1 (1, 0.75, 0.45, 0.1); did you mean 100, 75, 45, 10?".into(),
            ),
        ],
    );
}

#[test]
fn a_ratio_floor_written_as_a_percent() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    edit(
        &toml,
        "min_assets_to_debt = 1.75",
        "min_assets_to_debt = 175",
    );
    warned_then_refused(
        &policy,
        &[(
            location(
                &toml,
                "min_assets_to_debt = 175",
                "min_assets_to_debt = ".len(),
            ),
            "`company.min_assets_to_debt = 175` asks for 175 times our debt; did you mean 1.75?"
                .into(),
        )],
    );
}

#[test]
fn weights_and_factors_in_the_wrong_unit_are_errors_that_say_what_was_meant() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    for (table, weight, fraction) in [
        ("character", "30", "0.30"),
        ("capacity", "25", "0.25"),
        ("capital", "25", "0.25"),
        ("collateral", "10", "0.10"),
        ("conditions", "10", "0.10"),
    ] {
        edit(
            &toml,
            &format!("[criteria.{table}]\nweight = {weight}\n"),
            &format!("[criteria.{table}]\nweight = {fraction}\n"),
        );
    }
    edit(&toml, "limit_factor = 0.8 ", "limit_factor = 80 ");
    let run = run(credit_policy().args(["check", arg(&policy)])).expect_code(EXIT_ERROR);
    shown_at(
        &run.stderr,
        &location(&toml, "weight = 0.30", "weight = ".len()),
        "help: weights are percent, not fractions: did you mean 30, 25, 25, 10, 10?",
    );
    shown_at(
        &run.stderr,
        &location(&toml, "limit_factor = 80", "limit_factor = ".len()),
        "help: a factor, not a percent: did you mean 0.8 (lines x0.8)?",
    );
    let shown = run.stderr.replace(arg(&policy), "[POLICY]");
    assert_text_snapshot(
        "check_weights_and_factor_slips",
        "stderr of `check` with the criterion weights written 0.30, 0.25, 0.25, 0.10, 0.10 and `limit_factor = 80` in [company.when_weak]",
        &shown,
    );
}

#[test]
fn the_slips_as_a_finance_user_sees_them() {
    let (_tmp, policy) = copy_standard();
    let toml = policy.join("policy.toml");
    edit_in_table(&toml, "[limits]", "AAA = 20  #", "AAA = 0.20  #");
    edit_in_table(&toml, "[limits]", "AA = 15   #", "AA = 0.15   #");
    edit_in_table(&toml, "[limits]", "A = 10    #", "A = 0.10    #");
    edit_in_table(&toml, "[limits]", "BBB = 5   #", "BBB = 0.05   #");
    edit(&toml, "min_sell_through = 0.60 ", "min_sell_through = 60 ");
    let run =
        run(credit_policy().args(["check", "--strict", arg(&policy)])).expect_code(EXIT_ERROR);
    let shown = run.stderr.replace(arg(&policy), "[POLICY]");
    assert_text_snapshot(
        "check_strict_slips",
        "stderr of `check --strict` with [limits] written as fractions (AAA = 0.20 ...) and `min_sell_through = 60`",
        &shown,
    );
}
