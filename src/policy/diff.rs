//! What changed between two policies, in finance terms: every number that moved
//! (`limits.AAA: 20% -> 25%`), every measure, overlay, param and rule script added or removed,
//! and a unified diff of each changed script.

use std::collections::BTreeMap;
use std::fmt::Display;

use rust_decimal::Decimal;

use super::explain_band_list;
use super::{Criterion, Measure, Overlay, Param, Policy};
use crate::grade::Grade;

/// The differences between two policies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyDiff {
    /// One line per change, in the order of `policy.toml`.
    pub changes: Vec<String>,
    /// `(file, unified diff)` for each script or other file whose text changed.
    pub texts: Vec<(String, String)>,
}

impl PolicyDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.texts.is_empty()
    }
}

fn n(d: Decimal) -> String {
    d.normalize().to_string()
}

struct Lines(Vec<String>);

impl Lines {
    fn moved<T: PartialEq + Display>(&mut self, what: &str, old: T, new: T, unit: &str) {
        if old != new {
            self.0.push(format!("{what}: {old}{unit} -> {new}{unit}"));
        }
    }
}

fn param_text(p: &Param) -> String {
    match p {
        Param::Bool(b) => b.to_string(),
        Param::Number(d) => n(*d),
        Param::Text(t) => format!("\"{t}\""),
    }
}

fn overlay_text(o: &Overlay) -> String {
    format!("notches {}, limit_factor {}", o.notches, n(o.limit_factor))
}

/// `overlay recession: notches 1 -> 2`.
fn overlay(l: &mut Lines, what: &str, old: &Overlay, new: &Overlay) {
    if old.description != new.description {
        l.0.push(format!(
            "{what}: description \"{}\" -> \"{}\"",
            old.description, new.description
        ));
    }
    if old.notches != new.notches {
        l.0.push(format!(
            "{what}: notches {} -> {}",
            old.notches, new.notches
        ));
    }
    if old.limit_factor != new.limit_factor {
        l.0.push(format!(
            "{what}: limit_factor {} -> {}",
            n(old.limit_factor),
            n(new.limit_factor)
        ));
    }
}

fn measures(l: &mut Lines, c: &str, old: &[Measure], new: &[Measure]) {
    let key = |m: &Measure| m.source.name().to_string();
    let o: BTreeMap<String, &Measure> = old.iter().map(|m| (key(m), m)).collect();
    let nw: BTreeMap<String, &Measure> = new.iter().map(|m| (key(m), m)).collect();
    for (name, m) in &o {
        match nw.get(name) {
            None => l.0.push(format!(
                "criteria.{c}: measure `{name}` removed (was weight {}%)",
                n(m.weight)
            )),
            Some(x) => {
                let what = format!("criteria.{c}.{name}");
                l.moved(&format!("{what}.weight"), n(m.weight), n(x.weight), "%");
                l.moved(
                    &format!("{what}.missing"),
                    n(m.missing),
                    n(x.missing),
                    " points",
                );
                let (ob, nb) = (explain_band_list(&m.bands), explain_band_list(&x.bands));
                if ob != nb {
                    l.0.push(format!("{what}.bands: {ob}  ->  {nb}"));
                }
            }
        }
    }
    for (name, m) in &nw {
        if !o.contains_key(name) {
            l.0.push(format!(
                "criteria.{c}: measure `{name}` added (weight {}%, bands {})",
                n(m.weight),
                explain_band_list(&m.bands)
            ));
        }
    }
}

fn criteria(l: &mut Lines, old: &[Criterion], new: &[Criterion]) {
    for (o, x) in old.iter().zip(new) {
        if o.description != x.description {
            l.0.push(format!(
                "criteria.{}.description: \"{}\" -> \"{}\"",
                o.name, o.description, x.description
            ));
        }
        l.moved(
            &format!("criteria.{}.weight", o.name),
            n(o.weight),
            n(x.weight),
            "%",
        );
        measures(l, o.name, &o.measures, &x.measures);
    }
}

/// The path of a file inside its policy folder.
fn relative(p: &Policy, name: &str) -> String {
    let prefix = format!("{}/", p.dir.display());
    name.strip_prefix(&prefix).unwrap_or(name).to_string()
}

/// Compares two loaded policies.
pub fn diff(old: &Policy, new: &Policy) -> PolicyDiff {
    let mut l = Lines(Vec::new());
    l.moved("policy.name", &old.identity.name, &new.identity.name, "");
    l.moved(
        "policy.version",
        &old.identity.version,
        &new.identity.version,
        "",
    );
    l.moved("policy.currency", &old.currency, &new.currency, "");
    if old.description != new.description {
        l.0.push(format!(
            "policy.description: \"{}\" -> \"{}\"",
            old.description, new.description
        ));
    }
    criteria(&mut l, &old.criteria, &new.criteria);
    for (i, g) in Grade::ALL.iter().enumerate() {
        l.moved(
            &format!("grades.{g}"),
            n(old.thresholds[i]),
            n(new.thresholds[i]),
            "",
        );
    }
    for (i, g) in Grade::ALL.iter().enumerate() {
        l.moved(
            &format!("limits.{g}"),
            n(old.limits[i]),
            n(new.limits[i]),
            "%",
        );
    }
    l.moved(
        "line.ceiling",
        n(old.line.ceiling),
        n(new.line.ceiling),
        "%",
    );
    l.moved(
        "line.top_grade_ceiling",
        n(old.line.top_grade_ceiling),
        n(new.line.top_grade_ceiling),
        "%",
    );
    l.moved(
        "line.payment_days",
        old.line.payment_days,
        new.line.payment_days,
        " days",
    );
    l.moved(
        "line.rounding_unit",
        n(old.line.rounding_unit),
        n(new.line.rounding_unit),
        "",
    );
    for (name, o) in &old.overlays {
        match new.overlays.get(name) {
            Some(x) => overlay(&mut l, &format!("overlay {name}"), o, x),
            None => {
                l.0.push(format!("overlay {name} removed (was {})", overlay_text(o)))
            }
        }
    }
    for (name, x) in &new.overlays {
        if !old.overlays.contains_key(name) {
            l.0.push(format!("overlay {name} added ({})", overlay_text(x)));
        }
    }
    match (&old.company, &new.company) {
        (Some(o), Some(x)) => {
            l.moved(
                "company.min_assets_to_debt",
                n(o.min_assets_to_debt),
                n(x.min_assets_to_debt),
                "",
            );
            l.moved(
                "company.min_liquid_to_debt",
                n(o.min_liquid_to_debt),
                n(x.min_liquid_to_debt),
                "",
            );
            overlay(&mut l, "company.when_weak", &o.when_weak, &x.when_weak);
        }
        (Some(_), None) => l.0.push("company health rules removed".into()),
        (None, Some(x)) => l.0.push(format!(
            "company health rules added (floors {} and {}, when weak {})",
            n(x.min_assets_to_debt),
            n(x.min_liquid_to_debt),
            overlay_text(&x.when_weak)
        )),
        (None, None) => {}
    }
    l.moved(
        "review.months",
        old.review.months,
        new.review.months,
        " months",
    );
    l.moved(
        "review.key_account_months",
        old.review.key_account_months,
        new.review.key_account_months,
        " months",
    );
    for (i, g) in Grade::ALL.iter().enumerate() {
        let show = |m: Option<u32>| m.map_or("none".to_string(), |m| format!("{m} months"));
        let (o, x) = (old.review.by_grade[i], new.review.by_grade[i]);
        if o != x {
            l.0.push(format!("review.by_grade.{g}: {} -> {}", show(o), show(x)));
        }
    }
    let grace = |g: Option<u32>| g.map_or("none".to_string(), |g| format!("{g} days"));
    l.moved(
        "review.grace_days",
        grace(old.review.grace_days),
        grace(new.review.grace_days),
        "",
    );
    match (&old.review.after_downgrade, &new.review.after_downgrade) {
        (Some(o), Some(x)) => {
            l.moved(
                "review.after_downgrade.notches",
                o.notches,
                x.notches,
                " notch(es)",
            );
            l.moved(
                "review.after_downgrade.months",
                o.months,
                x.months,
                " months",
            );
        }
        (Some(o), None) => l.0.push(format!(
            "review.after_downgrade removed (was: {} notch(es) down, review within {} months)",
            o.notches, o.months
        )),
        (None, Some(x)) => l.0.push(format!(
            "review.after_downgrade added ({} notch(es) down, review within {} months)",
            x.notches, x.months
        )),
        (None, None) => {}
    }
    let cap = |a: Option<Decimal>| a.map_or("none".to_string(), n);
    match (&old.groups, &new.groups) {
        (Some(o), Some(x)) => {
            l.moved(
                "groups.max_percent_of_sales",
                n(o.max_percent_of_sales),
                n(x.max_percent_of_sales),
                "%",
            );
            l.moved(
                "groups.max_amount",
                cap(o.max_amount),
                cap(x.max_amount),
                "",
            );
            l.moved(
                "groups.watch_when_member_terminates",
                o.watch_when_member_terminates,
                x.watch_when_member_terminates,
                "",
            );
        }
        (Some(o), None) => l.0.push(format!(
            "group lines removed (were at most {}% of the members' sales, max amount {})",
            n(o.max_percent_of_sales),
            cap(o.max_amount)
        )),
        (None, Some(x)) => l.0.push(format!(
            "group lines added (at most {}% of the members' sales, max amount {})",
            n(x.max_percent_of_sales),
            cap(x.max_amount)
        )),
        (None, None) => {}
    }
    for ((fact, o), (_, x)) in old.security.kinds().into_iter().zip(new.security.kinds()) {
        l.moved(&format!("security.{}", fact.name()), n(o), n(x), "%");
    }
    let empty = |zero: bool| if zero { "\"zero\"" } else { "\"unknown\"" };
    l.moved(
        "exposure.empty_receivable_balance",
        empty(old.exposure.empty_receivable_is_zero),
        empty(new.exposure.empty_receivable_is_zero),
        "",
    );
    l.moved(
        "exposure.empty_open_orders",
        empty(old.exposure.empty_open_orders_is_zero),
        empty(new.exposure.empty_open_orders_is_zero),
        "",
    );
    l.moved(
        "inputs.max_growth",
        n(old.max_growth),
        n(new.max_growth),
        "",
    );
    l.moved(
        "orders.approver",
        format!("\"{}\"", old.orders.approver),
        format!("\"{}\"", new.orders.approver),
        "",
    );
    for (i, g) in Grade::ALL.iter().enumerate() {
        l.moved(
            &format!("orders.tolerance.{g}"),
            n(old.orders.tolerance[i]),
            n(new.orders.tolerance[i]),
            "%",
        );
    }
    let op: BTreeMap<&str, &Param> = old.params.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let np: BTreeMap<&str, &Param> = new.params.iter().map(|(k, v)| (k.as_str(), v)).collect();
    for (k, v) in &op {
        match np.get(k) {
            Some(x) => l.moved(&format!("params.{k}"), param_text(v), param_text(x), ""),
            None => {
                l.0.push(format!("params.{k} removed (was {})", param_text(v)))
            }
        }
    }
    for (k, v) in &np {
        if !op.contains_key(k) {
            l.0.push(format!("params.{k} added ({})", param_text(v)));
        }
    }
    for e in &old.extra_inputs {
        if !new.extra_inputs.contains(e) {
            l.0.push(format!("inputs.extra: column `{e}` removed"));
        }
    }
    for e in &new.extra_inputs {
        if !old.extra_inputs.contains(e) {
            l.0.push(format!("inputs.extra: column `{e}` added"));
        }
    }
    let rules = |p: &Policy| -> Vec<String> {
        p.scripts
            .files
            .iter()
            .map(|(_, f)| relative(p, &f.name))
            .collect()
    };
    let (or, nr) = (rules(old), rules(new));
    for s in &or {
        if !nr.contains(s) {
            l.0.push(format!("script {s} removed"));
        }
    }
    for s in &nr {
        if !or.contains(s) {
            l.0.push(format!("script {s} added"));
        }
    }
    if or != nr && or.iter().all(|s| nr.contains(s)) && nr.iter().all(|s| or.contains(s)) {
        l.0.push(format!("scripts run in a new order: {}", nr.join(", ")));
    }
    let mut texts = Vec::new();
    let files = |p: &Policy| -> BTreeMap<String, String> {
        p.files
            .iter()
            .map(|f| (relative(p, &f.name), f.text.clone()))
            .collect()
    };
    let (of, nf) = (files(old), files(new));
    let unified = |path: &str, o: &str, text: &str| {
        similar::TextDiff::from_lines(o, text)
            .unified_diff()
            .context_radius(2)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_string()
    };
    for (path, text) in &nf {
        if path == "policy.toml" {
            continue;
        }
        if let Some(o) = of.get(path)
            && o != text
        {
            texts.push((path.clone(), unified(path, o, text)));
        } else if !of.contains_key(path) && !nr.contains(path) {
            l.0.push(format!("file {path} added"));
        }
    }
    for path in of.keys() {
        if !nf.contains_key(path) && !or.contains(path) {
            l.0.push(format!("file {path} removed"));
        }
    }
    if let (Some(o), Some(x)) = (of.get("policy.toml"), nf.get("policy.toml"))
        && o != x
        && l.0.is_empty()
    {
        l.0.push("policy.toml: no number moved; only comments or layout changed".into());
        texts.insert(0, ("policy.toml".into(), unified("policy.toml", o, x)));
    }
    PolicyDiff {
        changes: l.0,
        texts,
    }
}
