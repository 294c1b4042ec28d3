//! The standard policy's grading and line restated for the peers: a GoRules JDM decision graph
//! (`standard.jdm.json`) and a Rego policy (`standard.rego`). Both are generated from the loaded
//! [`Policy`], so every band edge, weight, threshold and percent is the number finance wrote in
//! `policy.toml`; the benchmark regenerates them on every run and refuses to start when the
//! files on disk differ (`--write` brings them back in step).
//!
//! What is mirrored, in the order credit-policy does it: each measure's band table (`from`
//! inclusive, `to` exclusive, `missing` points when the value is unknown), the weighted
//! criterion scores and total, the grade (the best one whose threshold the total reaches), the
//! grade's percent of annual sales held to the ceiling (15 %, the top grade 20 %), rounded down
//! to the rounding unit. Not mirrored: rule scripts, overlays and our own health (the runs use
//! a normal economy and no company figures, where they change nothing), exposure and actions.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use credit_policy::client::Fact;
use credit_policy::grade::Grade;
use credit_policy::policy::{Band, MeasureSource, Policy};
use rust_decimal::Decimal;
use serde_json::json;

/// The JDM graph's file name, in `bench-peers/`.
pub const JDM_FILE: &str = "standard.jdm.json";
/// The Rego policy's file name, in `bench-peers/`.
pub const REGO_FILE: &str = "standard.rego";
/// The rule the Rego policy answers with.
pub const REGO_RULE: &str = "data.credit.decision";

/// One band-table measure of the policy.
pub struct Measure<'p> {
    pub fact: Fact,
    pub criterion: &'static str,
    pub weight: Decimal,
    pub missing: Decimal,
    pub bands: &'p [Band],
}

/// The measures of `policy`, in policy order. Every measure must read a fact: a measure whose
/// points come from a script has no band table to mirror.
pub fn measures(policy: &Policy) -> anyhow::Result<Vec<Measure<'_>>> {
    let mut out = Vec::new();
    for c in &policy.criteria {
        for m in &c.measures {
            let MeasureSource::Fact(fact) = m.source else {
                bail!(
                    "measure `{}` of `{}` is a script; the peers mirror band tables only",
                    m.source.name(),
                    c.name
                );
            };
            out.push(Measure {
                fact,
                criterion: c.name,
                weight: m.weight,
                missing: m.missing,
                bands: &m.bands,
            });
        }
    }
    Ok(out)
}

/// The facts the peers read: annual sales and every measured fact.
pub fn input_facts(measures: &[Measure<'_>]) -> Vec<Fact> {
    let mut facts = vec![Fact::AnnualSales];
    facts.extend(measures.iter().map(|m| m.fact));
    facts
}

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn header(policy: &Policy, comment: &str) -> Vec<String> {
    let id = &policy.identity;
    [
        format!(
            "Mirrors policies/{}/policy.toml (policy `{}` {}): its band tables, weights,",
            id.name, id.name, id.version
        ),
        "grade thresholds, percent per grade, ceilings and rounding; not its rule scripts,"
            .to_string(),
        "overlays or company health. Generated from the loaded policy by `cargo run --release"
            .to_string(),
        "-- --write` in bench-peers/; keep it in step with policy.toml (the benchmark refuses to"
            .to_string(),
        "run when this file differs from what the policy generates).".to_string(),
    ]
    .into_iter()
    .map(|l| format!("{comment}{l}"))
    .collect()
}

/// A band as a JDM unary test on the cell's value: `[0.40..0.55)`, `>= 0.85`, `< 0.40`.
fn unary(b: &Band) -> String {
    match (b.from, b.to) {
        (Some(f), Some(t)) => format!("[{}..{})", num(f), num(t)),
        (Some(f), None) => format!(">= {}", num(f)),
        (None, Some(t)) => format!("< {}", num(t)),
        (None, None) => String::new(),
    }
}

/// `a >= 90 ? 'AAA' : a >= 80 ? 'AA' : ... : 'C'`.
fn grade_chain(policy: &Policy, score: &str) -> String {
    let mut s = String::new();
    let [rest @ .., last] = Grade::ALL;
    for (g, min) in rest.iter().zip(policy.thresholds) {
        let _ = write!(s, "{score} >= {} ? '{g}' : ", num(min));
    }
    let _ = write!(s, "'{last}'");
    s
}

/// `grade == 'AAA' ? 20 : grade == 'AA' ? 15 : ... : 0`.
fn percent_chain(policy: &Policy, grade: &str) -> String {
    let mut s = String::new();
    let [rest @ .., last] = policy.limits;
    for (g, pct) in Grade::ALL.iter().zip(rest) {
        let _ = write!(s, "{grade} == '{g}' ? {} : ", num(pct));
    }
    let _ = write!(s, "{}", num(last));
    s
}

/// The JDM decision graph: input, one decision table per measure (first hit; the first row
/// takes an unknown value), an expression node for the criterion scores, total and grade, and
/// one for the line.
pub fn jdm(policy: &Policy) -> anyhow::Result<String> {
    let measures = measures(policy)?;
    let mut nodes = vec![json!({
        "id": "client",
        "name": "client",
        "type": "inputNode",
        "position": { "x": 0, "y": 0 },
        "content": {}
    })];
    let mut edges = Vec::new();
    let mut edge = |from: &str, to: &str| {
        edges.push(json!({
            "id": format!("{from}->{to}"),
            "sourceId": from,
            "targetId": to,
            "type": "edge"
        }));
    };
    for (i, m) in measures.iter().enumerate() {
        let name = m.fact.name();
        let id = format!("bands_{name}");
        let mut rules = vec![json!({
            "_id": format!("{name}_missing"),
            "_description": "unknown value",
            format!("{name}_in"): "== null",
            format!("{name}_out"): num(m.missing),
        })];
        for (j, b) in m.bands.iter().enumerate() {
            rules.push(json!({
                "_id": format!("{name}_{j}"),
                format!("{name}_in"): unary(b),
                format!("{name}_out"): num(b.points),
            }));
        }
        nodes.push(json!({
            "id": id,
            "name": format!("{name} bands"),
            "type": "decisionTableNode",
            "position": { "x": 300, "y": 100 * i },
            "content": {
                "hitPolicy": "first",
                "inputs": [{ "id": format!("{name}_in"), "name": name, "field": name }],
                "outputs": [{ "id": format!("{name}_out"), "name": "points", "field": format!("points.{name}") }],
                "rules": rules,
                "passThrough": false,
                "inputField": null,
                "outputPath": null,
                "executionMode": "single"
            }
        }));
        edge("client", &id);
        edge(&id, "score");
    }
    edge("client", "score");

    // The score node: criterion scores, total, grade, as credit-policy sums them.
    let mut exprs = Vec::new();
    let mut expr = |key: &str, value: String| {
        exprs.push(json!({ "id": key, "key": key, "value": value }));
    };
    for c in &policy.criteria {
        let terms: Vec<String> = measures
            .iter()
            .filter(|m| m.criterion == c.name)
            .map(|m| format!("points.{} * {} / 100", m.fact.name(), num(m.weight)))
            .collect();
        expr(c.name, terms.join(" + "));
    }
    let total: Vec<String> = policy
        .criteria
        .iter()
        .map(|c| format!("$.{} * {} / 100", c.name, num(c.weight)))
        .collect();
    expr("score", total.join(" + "));
    expr("grade", grade_chain(policy, "$.score"));
    nodes.push(json!({
        "id": "score",
        "name": "score and grade",
        "type": "expressionNode",
        "position": { "x": 600, "y": 0 },
        "content": { "expressions": exprs, "passThrough": true, "inputField": null, "outputPath": null, "executionMode": "single" }
    }));

    // The line node.
    let line = &policy.line;
    let top = Grade::ALL[0];
    let lines = vec![
        json!({ "id": "percent", "key": "percent", "value": percent_chain(policy, "grade") }),
        json!({ "id": "ceiling_percent", "key": "ceiling_percent",
                "value": format!("grade == '{top}' ? {} : {}", num(line.top_grade_ceiling), num(line.ceiling)) }),
        json!({ "id": "line", "key": "line",
                "value": format!(
                    "max([floor(min([annual_sales * $.percent / 100, annual_sales * $.ceiling_percent / 100]) / {unit}) * {unit}, 0])",
                    unit = num(line.rounding_unit)) }),
    ];
    nodes.push(json!({
        "id": "line",
        "name": "credit line",
        "type": "expressionNode",
        "position": { "x": 900, "y": 0 },
        "content": { "expressions": lines, "passThrough": true, "inputField": null, "outputPath": null, "executionMode": "single" }
    }));
    nodes.push(json!({
        "id": "decision",
        "name": "decision",
        "type": "outputNode",
        "position": { "x": 1200, "y": 0 },
        "content": {}
    }));
    edge("score", "line");
    edge("line", "decision");

    let doc = json!({
        "_note": header(policy, ""),
        "contentType": "application/vnd.gorules.decision",
        "nodes": nodes,
        "edges": edges,
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

/// The Rego policy, written the way Rego evaluates fastest: one rule per measure whose `else`
/// chain is the band table (an unknown value first: in Rego `null < 0.4` is true), then plain
/// rules for the criterion scores, total, grade and line. `decision` is the answer.
pub fn rego(policy: &Policy) -> anyhow::Result<String> {
    let mut s = header(policy, "# ").join("\n");
    s.push_str(&rego_scores(policy)?);

    s.push_str("# The best grade whose minimum total score is reached.\n");
    let [rest @ .., last] = Grade::ALL;
    for (i, (g, min)) in rest.iter().zip(policy.thresholds).enumerate() {
        let lead = if i == 0 { "grade :=" } else { "else :=" };
        let _ = writeln!(s, "{lead} \"{g}\" if score >= {}", num(min));
    }
    let _ = writeln!(s, "else := \"{last}\"\n");

    s.push_str("# Credit line as percent of annual sales.\n");
    let [rest @ .., last] = policy.limits;
    for (i, (g, pct)) in Grade::ALL.iter().zip(rest).enumerate() {
        let lead = if i == 0 { "percent :=" } else { "else :=" };
        let _ = writeln!(s, "{lead} {} if grade == \"{g}\"", num(pct));
    }
    let _ = writeln!(s, "else := {}\n", num(last));

    let line = &policy.line;
    let _ = write!(
        s,
        "# No grade but the top one above the general ceiling.\n\
         ceiling := {} if grade == \"{}\"\n\
         else := {}\n\n\
         sales := input.annual_sales\n\n\
         # Rounded down to the rounding unit.\n\
         line := max([floor(min([(sales * percent) / 100, (sales * ceiling) / 100]) / {unit}) * {unit}, 0])\n\n\
         decision := {{\"grade\": grade, \"line\": line, \"score\": score, \"points\": points}}\n",
        num(line.top_grade_ceiling),
        Grade::ALL[0],
        num(line.ceiling),
        unit = num(line.rounding_unit)
    );
    Ok(s)
}

/// The package line and the scoring part of the Rego policy: the band-table rules, the points,
/// the criterion scores and the total `score`. Shared by both Rego policies.
pub fn rego_scores(policy: &Policy) -> anyhow::Result<String> {
    let measures = measures(policy)?;
    let mut s = String::from("\npackage credit\n\nimport rego.v1\n");
    s.push_str(
        "\n# Band tables: `from` inclusive, `to` exclusive; an unknown value (null or absent) scores\n\
         # the measure's `missing` points.\n",
    );
    for m in &measures {
        let name = m.fact.name();
        let _ = write!(
            s,
            "\n# {name}: {}, weight {} of the criterion\n\
             {name} := object.get(input, \"{name}\", null)\n\n\
             points_{name} := {} if {name} == null\n",
            m.criterion,
            num(m.weight),
            num(m.missing)
        );
        for b in m.bands {
            let test = match (b.from, b.to) {
                (Some(f), Some(t)) => format!("{{ {name} >= {}; {name} < {} }}", num(f), num(t)),
                (Some(f), None) => format!("{name} >= {}", num(f)),
                (None, Some(t)) => format!("{name} < {}", num(t)),
                (None, None) => "true".to_string(),
            };
            let _ = writeln!(s, "else := {} if {test}", num(b.points));
        }
    }
    s.push_str("\npoints := {\n");
    for m in &measures {
        let _ = writeln!(s, "\t\"{0}\": points_{0},", m.fact.name());
    }
    s.push_str("}\n\n# Criterion scores (weights in percent of the criterion), then the total.\n");
    for c in &policy.criteria {
        let terms: Vec<String> = measures
            .iter()
            .filter(|m| m.criterion == c.name)
            .map(|m| format!("((points_{} * {}) / 100)", m.fact.name(), num(m.weight)))
            .collect();
        let _ = writeln!(s, "{} := {}\n", c.name, terms.join(" + "));
    }
    let total: Vec<String> = policy
        .criteria
        .iter()
        .map(|c| format!("(({} * {}) / 100)", c.name, num(c.weight)))
        .collect();
    let _ = writeln!(s, "score := {}\n", total.join(" + "));
    Ok(s)
}

/// Where the mirror files live: `bench-peers/`.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The mirror files and what the policy generates for each: bands only, then with the rules.
pub fn generated(policy: &Policy) -> anyhow::Result<[(PathBuf, String); 4]> {
    Ok([
        (dir().join(JDM_FILE), jdm(policy)?),
        (dir().join(REGO_FILE), rego(policy)?),
        (
            dir().join(crate::rules::JDM_FILE),
            crate::rules::jdm(policy)?,
        ),
        (
            dir().join(crate::rules::REGO_FILE),
            crate::rules::rego(policy)?,
        ),
    ])
}

/// Writes every file from `policy`.
pub fn write(policy: &Policy) -> anyhow::Result<()> {
    for (path, text) in generated(policy)? {
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The texts of the four mirror files.
pub struct Mirrors {
    pub jdm: String,
    pub rego: String,
    pub rules_jdm: String,
    pub rules_rego: String,
}

/// The text of every file, refused when one is not what `policy` generates.
pub fn read_in_step(policy: &Policy) -> anyhow::Result<Mirrors> {
    let [jdm, rego, rules_jdm, rules_rego] = generated(policy)?;
    let check = |(path, want): (PathBuf, String)| -> anyhow::Result<String> {
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            bail!(
                "`{}` is not in step with policies/{}/policy.toml; run `cargo run --release -- --write` in bench-peers/ to regenerate it",
                shown(&path),
                policy.identity.name
            );
        }
        Ok(have)
    };
    Ok(Mirrors {
        jdm: check(jdm)?,
        rego: check(rego)?,
        rules_jdm: check(rules_jdm)?,
        rules_rego: check(rules_rego)?,
    })
}

fn shown(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
