//! The standard policy *with its rules* restated for the peers: `standard-rules.jdm.json` (a
//! GoRules JDM graph) and `standard-rules.rego`. Each is the bands-only mirror's scoring part
//! (generated, see [`crate::mirror`]) followed by a hand translation of the policy's two rule
//! scripts (`rules/knockout.rhai`, `rules/channel.rhai`) and of what credit-policy's engine does
//! with their effects (`src/engine/mod.rs`): grade caps, the economy overlay and our own
//! health, no_line, require_collateral, hold, watch, review_now, the line factor, the line steps
//! (percent, factor, ceiling, rounding, withheld, temporary line, secured cover, requested
//! line), the review date and the actions.
//!
//! The rule *logic* is hand-translated; every *number* the rules and the effects read (the
//! `[params]`, `payment_days`, the grade percents and ceilings, the rounding unit, the
//! `[security]` percents, the `[review]` months and grace, the overlays and our own health's
//! factor) is taken from the loaded policy when the files are generated, so the run refuses to
//! start when policy.toml moves a number (the files then differ from what it generates). A
//! change to the scripts themselves is caught too: generating refuses when a script's text is
//! no longer the one translated here ([`TRANSLATED`]), or when the scripts read a `[params]`
//! name this translation does not know.

use std::fmt::Write as _;

use anyhow::{Context as _, bail};
use credit_policy::client::Fact;
use credit_policy::grade::Grade;
use credit_policy::policy::{Param, Policy};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::mirror;

/// The rules JDM graph's file name, in `bench-peers/`.
pub const JDM_FILE: &str = "standard-rules.jdm.json";
/// The rules Rego policy's file name, in `bench-peers/`.
pub const REGO_FILE: &str = "standard-rules.rego";

/// The rule scripts this translation was made from: file name and FNV-1a 64 of its text. When a
/// script changes, generating refuses until the translation below is brought in step and this
/// is updated.
pub const TRANSLATED: &[(&str, u64)] = &[
    ("knockout.rhai", 0xcb41_ab74_af36_2324),
    ("channel.rhai", 0xf157_f10f_88ad_fa77),
];

/// The `[params]` the translation reads (every one the scripts read).
pub const PARAMS: &[&str] = &[
    "min_on_time_ratio",
    "max_days_late_over_terms",
    "poor_payment_cap",
    "wilful_broken_promises",
    "wilful_current_ratio",
    "max_overdue_over_30",
    "min_sell_through",
    "max_cross_region_share",
    "max_high_risk_share",
    "one_sign_cap",
    "two_signs_cap",
    "max_inventory_growth_gap",
    "max_receivable_growth_gap",
];

/// Numbers the rules peers are given besides the measured facts and annual sales.
pub const EXTRA_FACTS: &[Fact] = &[
    Fact::NetWorth,
    Fact::TotalAssets,
    Fact::TotalLiabilities,
    Fact::CurrentAssets,
    Fact::CurrentLiabilities,
    Fact::OverdueOver30,
    Fact::CrossRegionShare,
    Fact::InventoryGrowth,
    Fact::ReceivableGrowth,
    Fact::Exposure,
    Fact::TemporaryLine,
    Fact::RequestedLine,
    Fact::Deposit,
    Fact::Guarantee,
    Fact::InsuredLimit,
    Fact::CollateralValue,
];

/// Every rule code the scripts give, in the order the scripts give them.
pub const CODES: &[&str] = &[
    "distress_confirmed",
    "failing_business",
    "poor_payment",
    "wilful_non_payment",
    "negative_net_worth",
    "no_statements",
    "no_sales",
    "no_payment_history",
    "never_reviewed",
    "overdue_over_30",
    "termination_review",
    "low_sell_through",
    "line_on_sell_out",
    "cross_region",
    "inventory_outgrowing_sales",
    "fake_big_client",
    "channel_sign",
    "receivables_outgrowing_sales",
    "high_risk_investment",
    "weak_company_key_account",
];

/// The facts the rules peers read: the bands peers' and [`EXTRA_FACTS`].
pub fn input_facts(measures: &[mirror::Measure<'_>]) -> Vec<Fact> {
    let mut facts = mirror::input_facts(measures);
    for f in EXTRA_FACTS {
        if !facts.contains(f) {
            facts.push(*f);
        }
    }
    facts
}

fn fnv(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

/// What the translation takes from the policy, checked.
struct Numbers {
    min_on_time_ratio: String,
    late_limit: String,
    poor_payment_cap: usize,
    wilful_broken_promises: String,
    max_overdue_over_30: String,
    min_sell_through: String,
    max_cross_region_share: String,
    max_high_risk_share: String,
    one_sign_cap: usize,
    two_signs_cap: usize,
    max_inventory_growth_gap: String,
    max_receivable_growth_gap: String,
    /// `(name, notches, factor)` of every economy.
    overlays: Vec<(String, i64, String)>,
    /// Our own health when weak: `(notches, factor)`; `None` when the policy has no floors.
    when_weak: Option<(i64, String)>,
    limits: Vec<String>,
    ceiling: String,
    top_ceiling: String,
    unit: String,
    security: Vec<(&'static str, String)>,
    months: u32,
    key_months: u32,
    by_grade: [Option<u32>; 9],
    grace: Option<u32>,
    after_downgrade: Option<(u32, u32)>,
}

fn numbers(policy: &Policy) -> anyhow::Result<Numbers> {
    // The scripts must be the ones translated.
    let mut seen = Vec::new();
    for (_, file) in &policy.scripts.files {
        let short = file.name.rsplit('/').next().unwrap_or(&file.name);
        let Some((_, want)) = TRANSLATED.iter().find(|(n, _)| *n == short) else {
            bail!(
                "the policy runs `{}`, which src/rules.rs does not translate for the peers",
                file.name
            );
        };
        if fnv(&file.text) != *want {
            bail!(
                "`{}` changed since it was translated for the peers (FNV-1a {:#x}, translated {want:#x}): bring src/rules.rs in step, then update TRANSLATED",
                file.name,
                fnv(&file.text)
            );
        }
        seen.push(short.to_string());
    }
    for (n, _) in TRANSLATED {
        if !seen.iter().any(|s| s == n) {
            bail!("the policy no longer runs `{n}`, which src/rules.rs translates");
        }
    }
    for (name, _) in &policy.params {
        if policy.script_reads.contains(name) && !PARAMS.contains(&name.as_str()) {
            bail!("the scripts read `[params] {name}`, which src/rules.rs does not translate");
        }
    }
    let param = |name: &str| -> anyhow::Result<&Param> {
        policy
            .params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p)
            .with_context(|| format!("the policy has no `[params] {name}`"))
    };
    let number = |name: &str| -> anyhow::Result<String> {
        match param(name)? {
            Param::Number(d) => Ok(num(*d)),
            _ => bail!("`[params] {name}` is not a number"),
        }
    };
    let grade = |name: &str| -> anyhow::Result<usize> {
        match param(name)? {
            Param::Text(t) => Ok(t
                .parse::<Grade>()
                .map_err(|e| anyhow::anyhow!("`[params] {name}`: {e}"))?
                .rank()),
            _ => bail!("`[params] {name}` is not a grade"),
        }
    };
    let late = match param("max_days_late_over_terms")? {
        Param::Number(d) => Decimal::from(policy.line.payment_days) + d,
        _ => bail!("`[params] max_days_late_over_terms` is not a number"),
    };
    if policy.exposure.empty_receivable_is_zero || policy.exposure.empty_open_orders_is_zero {
        bail!("the peers take an empty exposure cell as unknown, as the standard policy does");
    }
    let l = &policy.line;
    Ok(Numbers {
        min_on_time_ratio: number("min_on_time_ratio")?,
        late_limit: num(late),
        poor_payment_cap: grade("poor_payment_cap")?,
        wilful_broken_promises: number("wilful_broken_promises")?,
        max_overdue_over_30: number("max_overdue_over_30")?,
        min_sell_through: number("min_sell_through")?,
        max_cross_region_share: number("max_cross_region_share")?,
        max_high_risk_share: number("max_high_risk_share")?,
        one_sign_cap: grade("one_sign_cap")?,
        two_signs_cap: grade("two_signs_cap")?,
        max_inventory_growth_gap: number("max_inventory_growth_gap")?,
        max_receivable_growth_gap: number("max_receivable_growth_gap")?,
        overlays: policy
            .overlays
            .iter()
            .map(|(n, o)| (n.clone(), o.notches, num(o.limit_factor)))
            .collect(),
        when_weak: policy
            .company
            .as_ref()
            .map(|c| (c.when_weak.notches, num(c.when_weak.limit_factor))),
        limits: policy.limits.iter().map(|p| num(*p)).collect(),
        ceiling: num(l.ceiling),
        top_ceiling: num(l.top_grade_ceiling),
        unit: num(l.rounding_unit),
        security: policy
            .security
            .kinds()
            .iter()
            .map(|(f, p)| (f.name(), num(*p)))
            .collect(),
        months: policy.review.months,
        key_months: policy.review.key_account_months,
        by_grade: policy.review.by_grade,
        grace: policy.review.grace_days,
        after_downgrade: policy
            .review
            .after_downgrade
            .as_ref()
            .map(|a| (a.notches, a.months)),
    })
}

const RANKS: [&str; 9] = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"];

fn rank_of(g: &str) -> usize {
    RANKS.iter().position(|r| *r == g).unwrap_or(8)
}

fn header(policy: &Policy, comment: &str) -> String {
    let id = &policy.identity;
    [
        format!(
            "Policy `{}` {} with its rules, for the peers. The scoring part and every number below",
            id.name, id.version
        ),
        format!(
            "are generated from policies/{}/policy.toml; the rules (rules/knockout.rhai, rules/channel.rhai)",
            id.name
        ),
        "and what the engine does with their effects are translated by hand (bench-peers/src/rules.rs)."
            .to_string(),
        "Regenerate with `cargo run --release -- --write` in bench-peers/; the benchmark refuses to run"
            .to_string(),
        "when this file differs from what the policy generates.".to_string(),
    ]
    .iter()
    .map(|l| format!("{comment}{l}\n"))
    .collect()
}

/// The Rego policy with the rules.
pub fn rego(policy: &Policy) -> anyhow::Result<String> {
    let n = numbers(policy)?;
    let measures = mirror::measures(policy)?;
    let measured: Vec<&str> = measures.iter().map(|m| m.fact.name()).collect();
    let mut s = header(policy, "# ");
    s.push_str(&mirror::rego_scores(policy)?);

    s.push_str("# ---- With the rules ----\n\n");
    let _ = writeln!(
        s,
        "grades := [{}]\n",
        RANKS.map(|g| format!("\"{g}\"")).join(", ")
    );
    s.push_str(
        "# The base grade's rank (AAA 0 ... C 8): the best whose minimum score is reached.\n",
    );
    for (i, min) in policy.thresholds[..8].iter().enumerate() {
        let lead = if i == 0 { "base_rank :=" } else { "else :=" };
        let _ = writeln!(s, "{lead} {i} if score >= {}", num(*min));
    }
    s.push_str("else := 8\n\n");

    s.push_str("# What the rules read besides the measured facts (null when unknown).\n");
    let mut names: Vec<&str> = vec!["annual_sales"];
    names.extend(
        EXTRA_FACTS
            .iter()
            .map(|f| f.name())
            .filter(|n| !measured.contains(n)),
    );
    names.extend([
        "distress_confirmed",
        "key_account",
        "last_review",
        "previous_grade",
        "temporary_line_until",
        "company_healthy",
    ]);
    for name in names {
        let _ = writeln!(s, "{name} := object.get(input, \"{name}\", null)");
    }
    s.push_str("as_of := input.as_of\n");
    s.push_str("economy := input.economy\n");

    let _ = write!(
        s,
        r#"
# ---- rules/knockout.rhai ----

# 1. Business confirmed to be failing: terminate, grade C.
default terminate := false
terminate if distress_confirmed == true

# 2. Pays late (on-time ratio under {min_otr}) or delays past the terms plus the margin ({late}
#    days): no better than {ppc}.
default poor_payment := false
poor_payment if {{ is_number(on_time_ratio); on_time_ratio < {min_otr} }}
poor_payment if {{ is_number(max_days_late); max_days_late > {late} }}

# 3. Repeated broken promises: no better than CCC.
default wilful_non_payment := false
wilful_non_payment if {{ is_number(broken_promises); broken_promises >= {wbp} }}

# 4. Negative net worth: no better than BB, no unsecured line.
default negative_net_worth := false
negative_net_worth if {{ is_number(net_worth); net_worth <= 0 }}

# 5. No balance sheet at all: require collateral.
default no_statements := false
no_statements if {{
	total_assets == null
	total_liabilities == null
	current_assets == null
	current_liabilities == null
}}

# 6. No sales: no better than BB, no unsecured line.
default no_sales := false
no_sales if annual_sales == 0

# 7. Credit standing unknown: require collateral.
default no_payment_history := false
no_payment_history if on_time_ratio == null

default never_reviewed := false
never_reviewed if {{ on_time_ratio != null; last_review == null }}

# 8. Money more than 30 days overdue beyond the tolerance: hold.
default overdue_over_30_hold := false
overdue_over_30_hold if {{ is_number(overdue_over_30); overdue_over_30 > {mo30} }}

# 9. Score gives C, business not confirmed failing: review now.
default termination_review := false
termination_review if {{ base_rank == 8; distress_confirmed != true }}

# ---- rules/channel.rhai ----

default low_sell_through := false
low_sell_through if {{ is_number(sell_through); sell_through < {mst} }}

default cross_region := false
cross_region if {{ is_number(cross_region_share); cross_region_share > {mcr} }}

default inventory_outgrowing_sales := false
inventory_outgrowing_sales if {{
	is_number(inventory_growth)
	is_number(sales_growth)
	inventory_growth - sales_growth > {mig}
}}

signs := count([1 | some on in [low_sell_through, cross_region, inventory_outgrowing_sales]; on])

default receivables_outgrowing_sales := false
receivables_outgrowing_sales if {{
	is_number(receivable_growth)
	is_number(sales_growth)
	receivable_growth - sales_growth > {mrg}
}}

default high_risk_investment := false
high_risk_investment if {{ is_number(high_risk_share); high_risk_share >= {mhr} }}

default weak_company_key_account := false
weak_company_key_account if {{
	company_healthy == false
	key_account == true
	negative_sign
}}

negative_sign if {{ is_number(on_time_ratio); on_time_ratio < 0.95 }}
negative_sign if {{ is_number(sales_growth); sales_growth < 0 }}
negative_sign if {{ is_number(max_days_late); max_days_late > 30 }}

# ---- the effects, as the engine applies them ----

# Grade caps, as ranks (the worst cap wins).
caps contains 8 if terminate
caps contains {ppc_rank} if poor_payment
caps contains 6 if wilful_non_payment
caps contains 4 if negative_net_worth
caps contains 4 if no_sales
caps contains {two_rank} if signs >= 2
caps contains {one_rank} if signs == 1

rule_rank := max(caps | {{base_rank}})

clamp(r) := min([max([r, 0]), 8])

# Economy: [notches, line factor].
overlays := {{{overlays}}}

overlay := overlays[economy]

economy_rank := clamp(rule_rank + overlay[0])

"#,
        min_otr = n.min_on_time_ratio,
        late = n.late_limit,
        ppc = RANKS[n.poor_payment_cap],
        ppc_rank = n.poor_payment_cap,
        wbp = n.wilful_broken_promises,
        mo30 = n.max_overdue_over_30,
        mst = n.min_sell_through,
        mcr = n.max_cross_region_share,
        mig = n.max_inventory_growth_gap,
        mrg = n.max_receivable_growth_gap,
        mhr = n.max_high_risk_share,
        two_rank = n.two_signs_cap,
        one_rank = n.one_sign_cap,
        overlays = n
            .overlays
            .iter()
            .map(|(name, notches, f)| format!("\"{name}\": [{notches}, {f}]"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    match &n.when_weak {
        Some((notches, f)) => {
            let _ = write!(
                s,
                "# Our own balance sheet weak: {notches} notch(es), lines x{f}.\n\
                 default company_weak := false\n\
                 company_weak if company_healthy == false\n\n\
                 final_rank := clamp(economy_rank + {notches}) if company_weak\n\
                 else := economy_rank\n\n\
                 company_factor := [{f}] if company_weak\n\
                 else := []\n\n"
            );
        }
        None => s.push_str("final_rank := economy_rank\n\ncompany_factor := []\n\n"),
    }
    let by_grade: Vec<String> = n
        .by_grade
        .iter()
        .map(|m| m.map_or("null".into(), |m| m.to_string()))
        .collect();
    let security: Vec<String> = n
        .security
        .iter()
        .map(|(f, p)| format!("[{f}, {p}]"))
        .collect();
    let _ = write!(
        s,
        r#"grade := grades[final_rank]

sell_factor := [sell_through] if low_sell_through
else := []

# The line factor: the rules' scale_line, then the economy, then our own health.
factor := product(array.concat(array.concat(sell_factor, [overlay[1]]), company_factor))

default withheld := false
withheld if negative_net_worth
withheld if no_sales
withheld if require_collateral

default require_collateral := false
require_collateral if no_statements
require_collateral if no_payment_history
require_collateral if never_reviewed

default watch := false
watch if low_sell_through
watch if cross_region
watch if inventory_outgrowing_sales
watch if receivables_outgrowing_sales
watch if high_risk_investment
watch if weak_company_key_account

# ---- the line ----
# Amounts are summed in ten-thousandths of a unit (cents times percent), whole numbers, so that
# the secured cover added to the unsecured line is exact in floating point.

sales := annual_sales if is_number(annual_sales)
else := 0

percents := [{limits}]

ceiling_percent := {top} if final_rank == 0
else := {ceiling}

rounded(v) := max([floor(v / {unit}) * {unit}, 0])

ceiling_amount := (sales * ceiling_percent) / 100

unsecured_full := rounded(min([((sales * percents[final_rank]) / 100) * factor, ceiling_amount]))

unsecured := 0 if withheld
else := unsecured_full

# A temporary line, on an unsecured line only, while it runs, never past the ceiling.
temporary := rounded(min([temporary_line, room])) if {{
	is_number(temporary_line)
	temporary_line != 0
	temporary_line_until != null
	temporary_line_until >= as_of
	unsecured > 0
	room := max([rounded(ceiling_amount) - unsecured, 0])
}}
else := 0

units(v) := round(v * 100) * 100

security := [{security}]

cover_units := sum([(round(v * 100) * p) | some pair in security; v := pair[0]; is_number(v); p := pair[1]])

line_units := 0 if terminate
else := units(requested_line) if {{
	is_number(requested_line)
	units(requested_line) < units(unsecured + temporary) + cover_units
}}
else := units(unsecured + temporary) + cover_units

limit := line_units / 10000

# ---- review and actions ----

# "2026-03-07" as [2026, 3, 7] ("1" put before "03" so that no number is read with a leading 0).
ymd(s) := [to_number(substring(s, 0, 4)), to_number(concat("", ["1", substring(s, 5, 2)])) - 100, to_number(concat("", ["1", substring(s, 8, 2)])) - 100]

leap(y) if {{ y % 4 == 0; y % 100 != 0 }}
leap(y) if y % 400 == 0

month_days(y, m) := 29 if {{ m == 2; leap(y) }}
else := [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]

# A date plus n months, the day held to the month's last (2024-01-31 + 1 month = 2024-02-29).
add_months(d, n) := [y, m, min([d[2], month_days(y, m)])] if {{
	t := ((d[0] * 12) + d[1] - 1) + n
	y := floor(t / 12)
	m := (t - (y * 12)) + 1
}}

before_march(m) := 1 if m <= 2
else := 0

# Days since 1970-01-01 (days_from_civil).
day_number(d) := ((era * 146097) + doe) - 719468 if {{
	y := d[0] - before_march(d[1])
	era := floor(y / 400)
	yoe := y - (era * 400)
	doy := (floor(((153 * ((d[1] + 9) % 12)) + 2) / 5) + d[2]) - 1
	doe := (((yoe * 365) + floor(yoe / 4)) - floor(yoe / 100)) + doy
}}

by_grade := [{by_grade}]

base_months := {key_months} if key_account == true
else := {months}

months := base_months if by_grade[final_rank] == null
else := min([by_grade[final_rank], base_months])

today := day_number(ymd(as_of))

usual_review := day_number(add_months(ymd(last_review), months)) if last_review != null
else := today

"#,
        limits = n.limits.join(", "),
        top = n.top_ceiling,
        ceiling = n.ceiling,
        unit = n.unit,
        security = security.join(", "),
        by_grade = by_grade.join(", "),
        key_months = n.key_months,
        months = n.months,
    );
    match n.after_downgrade {
        Some((notches, months)) => {
            let _ = write!(
                s,
                "# Down {notches} notches or more from the previous grade: reviewed within {months} months.\n\
                 next_review := by if {{\n\
                 \tprevious_grade != null\n\
                 \tsome previous_rank, g in grades\n\
                 \tg == previous_grade\n\
                 \tfinal_rank - previous_rank >= {notches}\n\
                 \tby := day_number(add_months(ymd(as_of), {months}))\n\
                 \tby < usual_review\n\
                 }}\n\
                 else := usual_review\n\n"
            );
        }
        None => s.push_str("next_review := usual_review\n\n"),
    }
    match n.grace {
        Some(grace) => {
            let _ = write!(
                s,
                "# Overdue past the grace: hold.\n\
                 default review_overdue := false\n\
                 review_overdue if {{ last_review != null; today - next_review > {grace} }}\n\n"
            );
        }
        None => s.push_str("default review_overdue := false\n\n"),
    }
    s.push_str(
        r#"default review_due := false
review_due if next_review <= today
review_due if termination_review

default hold := false
hold if terminate
hold if overdue_over_30_hold
hold if not is_number(exposure)
hold if { is_number(exposure); units(exposure) > line_units }
hold if review_overdue

actions := [a | some pair in [
	[terminate, "terminate"],
	[hold, "hold"],
	[require_collateral, "require_collateral"],
	[review_due, "review_due"],
	[watch, "watch"],
]; pair[0]; a := pair[1]]

"#,
    );
    s.push_str("# The rule codes given, as the scripts name them.\n");
    let code_rules = [
        ("distress_confirmed", "terminate"),
        ("failing_business", "terminate"),
        ("poor_payment", "poor_payment"),
        ("wilful_non_payment", "wilful_non_payment"),
        ("negative_net_worth", "negative_net_worth"),
        ("no_statements", "no_statements"),
        ("no_sales", "no_sales"),
        ("no_payment_history", "no_payment_history"),
        ("never_reviewed", "never_reviewed"),
        ("overdue_over_30", "overdue_over_30_hold"),
        ("termination_review", "termination_review"),
        ("low_sell_through", "low_sell_through"),
        ("line_on_sell_out", "low_sell_through"),
        ("cross_region", "cross_region"),
        ("inventory_outgrowing_sales", "inventory_outgrowing_sales"),
        ("fake_big_client", "signs >= 2"),
        ("channel_sign", "signs == 1"),
        (
            "receivables_outgrowing_sales",
            "receivables_outgrowing_sales",
        ),
        ("high_risk_investment", "high_risk_investment"),
        ("weak_company_key_account", "weak_company_key_account"),
    ];
    debug_assert_eq!(code_rules.len(), CODES.len());
    for (code, when) in code_rules {
        let _ = writeln!(s, "codes contains \"{code}\" if {when}");
    }
    s.push_str(
        "\ndecision := {\"grade\": grade, \"line\": limit, \"score\": score, \"points\": points, \"actions\": actions, \"codes\": codes}\n",
    );
    Ok(s)
}

/// An expression node of the JDM graph.
fn expression_node(id: &str, name: &str, x: i64, exprs: &[(&str, String)]) -> Value {
    let expressions: Vec<Value> = exprs
        .iter()
        .map(|(k, v)| json!({ "id": k, "key": k, "value": v }))
        .collect();
    json!({
        "id": id,
        "name": name,
        "type": "expressionNode",
        "position": { "x": x, "y": 0 },
        "content": { "expressions": expressions, "passThrough": true, "inputField": null, "outputPath": null, "executionMode": "single" }
    })
}

/// `cond(0) ? v(0) : cond(1) ? v(1) : ... : last`.
fn chain(items: &[(String, String)], last: &str) -> String {
    let mut s = String::new();
    for (c, v) in items {
        let _ = write!(s, "{c} ? {v} : ");
    }
    s.push_str(last);
    s
}

/// `name != null and name < x`: Rhai's comparison of an unknown value, which is false.
fn known(name: &str, test: &str) -> String {
    format!("({name} != null and {name} {test})")
}

/// The JDM graph with the rules: the bands-only graph's input, band tables and score node,
/// then a node for the channel signs, a decision table of every rule (hit policy `collect`:
/// one row per effect a script asks for), a node folding the effects into the grade, one for
/// the line and one for the review and the actions.
pub fn jdm(policy: &Policy) -> anyhow::Result<String> {
    let n = numbers(policy)?;
    let bands: Value = serde_json::from_str(&mirror::jdm(policy)?)?;
    let mut nodes: Vec<Value> = bands["nodes"]
        .as_array()
        .context("nodes")?
        .iter()
        .filter(|n| n["id"] != "line" && n["id"] != "decision")
        .cloned()
        .collect();
    let mut edges: Vec<Value> = bands["edges"]
        .as_array()
        .context("edges")?
        .iter()
        .filter(|e| e["sourceId"] != "line")
        .filter(|e| e["targetId"] != "line")
        .cloned()
        .collect();
    let mut edge = |from: &str, to: &str| {
        edges.push(json!({
            "id": format!("{from}->{to}"),
            "sourceId": from,
            "targetId": to,
            "type": "edge"
        }));
    };

    // The base grade's rank and the channel signs.
    let base_rank = chain(
        &RANKS[..8]
            .iter()
            .enumerate()
            .map(|(i, g)| (format!("grade == '{g}'"), i.to_string()))
            .collect::<Vec<_>>(),
        "8",
    );
    nodes.push(expression_node(
        "signs",
        "base rank and channel signs",
        1200,
        &[
            ("base_grade", "grade".to_string()),
            ("base_rank", base_rank),
            (
                "low_sell_through",
                known("sell_through", &format!("< {}", n.min_sell_through)),
            ),
            (
                "cross_region",
                known("cross_region_share", &format!("> {}", n.max_cross_region_share)),
            ),
            (
                "inventory_outgrowing_sales",
                format!(
                    "(inventory_growth != null and sales_growth != null and inventory_growth - sales_growth > {})",
                    n.max_inventory_growth_gap
                ),
            ),
            (
                "signs",
                "($.low_sell_through ? 1 : 0) + ($.cross_region ? 1 : 0) + ($.inventory_outgrowing_sales ? 1 : 0)"
                    .to_string(),
            ),
        ],
    ));
    edge("score", "signs");

    // The rules: one row per effect.
    let outputs = [
        "code",
        "cap",
        "terminate",
        "hold",
        "collateral",
        "no_line",
        "watch",
        "review",
    ];
    let row = |code: &str, when: String, cap: Option<usize>, flags: &[&str]| -> Value {
        let mut r = serde_json::Map::new();
        r.insert("_id".into(), json!(format!("{code}_{}", flags.join("_"))));
        r.insert("when".into(), json!(when));
        r.insert("code".into(), json!(format!("'{code}'")));
        r.insert(
            "cap".into(),
            json!(cap.map_or("0".into(), |c| c.to_string())),
        );
        for f in &outputs[2..] {
            r.insert(
                (*f).into(),
                json!(if flags.contains(f) { "true" } else { "false" }),
            );
        }
        Value::Object(r)
    };
    let poor_payment = format!(
        "{} or {}",
        known("on_time_ratio", &format!("< {}", n.min_on_time_ratio)),
        known("max_days_late", &format!("> {}", n.late_limit))
    );
    let net_worth = known("net_worth", "<= 0");
    let no_statements = "total_assets == null and total_liabilities == null and current_assets == null and current_liabilities == null".to_string();
    let rules = vec![
        // The score: always, its grade the floor every cap is taken against.
        {
            let mut r = row("score", "true".into(), None, &[]);
            r["code"] = json!("null");
            r["cap"] = json!("base_rank");
            r
        },
        row(
            "distress_confirmed",
            "distress_confirmed == true".into(),
            None,
            &["terminate"],
        ),
        row(
            "failing_business",
            "distress_confirmed == true".into(),
            Some(8),
            &[],
        ),
        row("poor_payment", poor_payment, Some(n.poor_payment_cap), &[]),
        row(
            "wilful_non_payment",
            known(
                "broken_promises",
                &format!(">= {}", n.wilful_broken_promises),
            ),
            Some(rank_of("CCC")),
            &[],
        ),
        row(
            "negative_net_worth",
            net_worth.clone(),
            Some(rank_of("BB")),
            &[],
        ),
        row("negative_net_worth", net_worth, None, &["no_line"]),
        row("no_statements", no_statements, None, &["collateral"]),
        row(
            "no_sales",
            "annual_sales == 0".into(),
            Some(rank_of("BB")),
            &[],
        ),
        row("no_sales", "annual_sales == 0".into(), None, &["no_line"]),
        row(
            "no_payment_history",
            "on_time_ratio == null".into(),
            None,
            &["collateral"],
        ),
        row(
            "never_reviewed",
            "on_time_ratio != null and last_review == null".into(),
            None,
            &["collateral"],
        ),
        row(
            "overdue_over_30",
            known("overdue_over_30", &format!("> {}", n.max_overdue_over_30)),
            None,
            &["hold"],
        ),
        row(
            "termination_review",
            "base_rank == 8 and distress_confirmed != true".into(),
            None,
            &["review"],
        ),
        row(
            "low_sell_through",
            "low_sell_through".into(),
            None,
            &["watch"],
        ),
        row("line_on_sell_out", "low_sell_through".into(), None, &[]),
        row("cross_region", "cross_region".into(), None, &["watch"]),
        row(
            "inventory_outgrowing_sales",
            "inventory_outgrowing_sales".into(),
            None,
            &["watch"],
        ),
        row(
            "fake_big_client",
            "signs >= 2".into(),
            Some(n.two_signs_cap),
            &[],
        ),
        row(
            "channel_sign",
            "signs == 1".into(),
            Some(n.one_sign_cap),
            &[],
        ),
        row(
            "receivables_outgrowing_sales",
            format!(
                "receivable_growth != null and sales_growth != null and receivable_growth - sales_growth > {}",
                n.max_receivable_growth_gap
            ),
            None,
            &["watch"],
        ),
        row(
            "high_risk_investment",
            known("high_risk_share", &format!(">= {}", n.max_high_risk_share)),
            None,
            &["watch"],
        ),
        row(
            "weak_company_key_account",
            format!(
                "company_healthy == false and key_account == true and ({} or {} or {})",
                known("on_time_ratio", "< 0.95"),
                known("sales_growth", "< 0"),
                known("max_days_late", "> 30")
            ),
            None,
            &["watch"],
        ),
    ];
    let table_outputs: Vec<Value> = outputs
        .iter()
        .map(|o| json!({ "id": o, "name": o, "field": o }))
        .collect();
    nodes.push(json!({
        "id": "rules",
        "name": "knock-out and channel rules",
        "type": "decisionTableNode",
        "position": { "x": 1500, "y": 0 },
        "content": {
            "hitPolicy": "collect",
            "inputs": [{ "id": "when", "name": "when", "field": null }],
            "outputs": table_outputs,
            "rules": rules,
            "passThrough": true,
            "inputField": null,
            "outputPath": "effects",
            "executionMode": "single"
        }
    }));
    edge("signs", "rules");

    // The effects folded into the grade, flags, factor and codes.
    let clamp = |e: &str| format!("min([max([{e}, 0]), 8])");
    let overlay_notches = chain(
        &n.overlays
            .iter()
            .map(|(name, notches, _)| (format!("economy == '{name}'"), notches.to_string()))
            .collect::<Vec<_>>(),
        "0",
    );
    let overlay_factor = chain(
        &n.overlays
            .iter()
            .map(|(name, _, f)| (format!("economy == '{name}'"), f.clone()))
            .collect::<Vec<_>>(),
        "1",
    );
    let (weak_notches, weak_factor) = n
        .when_weak
        .clone()
        .map_or(("0".to_string(), "1".to_string()), |(a, b)| {
            (a.to_string(), b)
        });
    let grade = chain(
        &RANKS[..8]
            .iter()
            .enumerate()
            .map(|(i, g)| (format!("$.rank == {i}"), format!("'{g}'")))
            .collect::<Vec<_>>(),
        "'C'",
    );
    nodes.push(expression_node(
        "effects",
        "effects",
        1800,
        &[
            ("rule_rank", "max(map(effects, #.cap))".to_string()),
            (
                "economy_rank",
                clamp(&format!("$.rule_rank + ({overlay_notches})")),
            ),
            (
                "company_weak",
                format!("{} and company_healthy == false", n.when_weak.is_some()),
            ),
            (
                "rank",
                format!(
                    "$.company_weak ? {} : $.economy_rank",
                    clamp(&format!("$.economy_rank + {weak_notches}"))
                ),
            ),
            ("grade", grade),
            ("terminate", "some(effects, #.terminate)".to_string()),
            ("rule_hold", "some(effects, #.hold)".to_string()),
            ("require_collateral", "some(effects, #.collateral)".to_string()),
            (
                "withheld",
                "some(effects, #.no_line or #.collateral)".to_string(),
            ),
            ("watch", "some(effects, #.watch)".to_string()),
            ("review_now", "some(effects, #.review)".to_string()),
            (
                "factor",
                format!(
                    "(some(effects, #.code == 'line_on_sell_out') ? sell_through : 1) * ({overlay_factor}) * ($.company_weak ? {weak_factor} : 1)"
                ),
            ),
            (
                "codes",
                "map(filter(effects, #.code != null), #.code)".to_string(),
            ),
        ],
    ));
    edge("rules", "effects");

    // The line.
    let percent = chain(
        &n.limits[..8]
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("rank == {i}"), p.clone()))
            .collect::<Vec<_>>(),
        &n.limits[8],
    );
    let unit = &n.unit;
    let round = |e: &str| format!("max([floor(({e}) / {unit}) * {unit}, 0])");
    let cover: Vec<String> = n
        .security
        .iter()
        .map(|(f, p)| format!("({f} != null ? {f} * {p} / 100 : 0)"))
        .collect();
    nodes.push(expression_node(
        "line",
        "credit line",
        2100,
        &[
            ("sales", "annual_sales != null ? annual_sales : 0".to_string()),
            ("percent", percent),
            (
                "ceiling_percent",
                format!("rank == 0 ? {} : {}", n.top_ceiling, n.ceiling),
            ),
            ("ceiling_amount", "$.sales * $.ceiling_percent / 100".to_string()),
            (
                "unsecured_full",
                round("min([$.sales * $.percent / 100 * factor, $.ceiling_amount])"),
            ),
            ("unsecured", "withheld ? 0 : $.unsecured_full".to_string()),
            (
                "temporary",
                format!(
                    "temporary_line != null and temporary_line != 0 and temporary_line_until != null and $.unsecured > 0 and d(temporary_line_until).isSameOrAfter(d(as_of)) ? {} : 0",
                    round(&format!(
                        "min([temporary_line, max([{} - $.unsecured, 0])])",
                        round("$.ceiling_amount")
                    ))
                ),
            ),
            ("cover", cover.join(" + ")),
            ("amount", "$.unsecured + $.temporary + $.cover".to_string()),
            (
                "line",
                "terminate ? 0 : (requested_line != null and requested_line < $.amount ? requested_line : $.amount)"
                    .to_string(),
            ),
        ],
    ));
    edge("effects", "line");

    // Review and actions.
    let months = chain(
        &n.by_grade
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                m.map(|m| (format!("rank == {i}"), format!("min([{m}, $.base_months])")))
            })
            .collect::<Vec<_>>(),
        "$.base_months",
    );
    let day = "86400000";
    let next_review = match n.after_downgrade {
        Some((notches, m)) => {
            let previous = chain(
                &RANKS[..8]
                    .iter()
                    .enumerate()
                    .map(|(i, g)| (format!("previous_grade == '{g}'"), i.to_string()))
                    .collect::<Vec<_>>(),
                "8",
            );
            format!(
                "previous_grade != null and rank - ({previous}) >= {notches} and d(as_of).add({m}, 'M').timestamp() / {day} < $.usual_review ? d(as_of).add({m}, 'M').timestamp() / {day} : $.usual_review"
            )
        }
        None => "$.usual_review".to_string(),
    };
    let overdue = match n.grace {
        Some(g) => format!("last_review != null and $.today - $.next_review > {g}"),
        None => "false".to_string(),
    };
    nodes.push(expression_node(
        "actions",
        "review and actions",
        2400,
        &[
            (
                "base_months",
                format!("key_account == true ? {} : {}", n.key_months, n.months),
            ),
            ("months", months),
            ("today", format!("d(as_of).timestamp() / {day}")),
            (
                "usual_review",
                format!(
                    "last_review != null ? d(last_review).add($.months, 'M').timestamp() / {day} : $.today"
                ),
            ),
            ("next_review", next_review),
            ("review_overdue", overdue),
            (
                "review_due",
                "$.next_review <= $.today or review_now".to_string(),
            ),
            (
                "hold",
                "terminate or rule_hold or exposure == null or (exposure != null and exposure > line) or $.review_overdue"
                    .to_string(),
            ),
            (
                "actions",
                "filter([terminate ? 'terminate' : null, $.hold ? 'hold' : null, require_collateral ? 'require_collateral' : null, $.review_due ? 'review_due' : null, watch ? 'watch' : null], # != null)"
                    .to_string(),
            ),
        ],
    ));
    edge("line", "actions");
    nodes.push(json!({
        "id": "decision",
        "name": "decision",
        "type": "outputNode",
        "position": { "x": 2700, "y": 0 },
        "content": {}
    }));
    edge("actions", "decision");

    let note: Vec<String> = header(policy, "").lines().map(str::to_string).collect();
    let doc = json!({
        "_note": note,
        "contentType": "application/vnd.gorules.decision",
        "nodes": nodes,
        "edges": edges,
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}
