//! The full path of one decision, for a person: every measure's value, band and points, the
//! criterion scores, every rule and overlay that moved the grade, the line arithmetic, the
//! actions and why, and what would lift the grade ([`whatif`]): only changes the engine
//! confirms by deciding the changed client again, never a guess from band edges.

use rust_decimal::Decimal;
use serde::Serialize;

pub mod whatif;

pub use whatif::{Change, Direction, NextGrade, Relation, Source, WhatIf};

use super::{Decision, EvalError, Evaluator};
use crate::client::Client;
use crate::grade::Grade;
use crate::money::{fmt_money, fmt_plain};
use crate::policy::{Band, Identity, MeasureSource};

#[derive(Debug, Clone, Serialize)]
pub struct MeasureLine {
    pub criterion: &'static str,
    pub measure: String,
    /// The value scored, `None` when unknown.
    pub value: Option<String>,
    /// The band it fell in, in words (`0.95 to under 0.98`), or why none applied.
    pub band: String,
    pub points: String,
    /// Percent of the criterion.
    pub weight: String,
    /// Where the measure is defined, `file:line`.
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CriterionLine {
    pub criterion: &'static str,
    pub score: String,
    /// Percent of the total.
    pub weight: String,
    /// What it adds to the total: score x weight / 100.
    pub contribution: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub step: String,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasonLine {
    pub code: String,
    pub text: String,
    /// The action the reason asks for, as in `evaluate`'s JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<&'static str>,
    /// The figures the rule attached, exact, in the order written.
    #[serde(skip_serializing_if = "indexmap::IndexMap::is_empty")]
    pub figures: indexmap::IndexMap<String, String>,
    /// `file:line` of the rule, when a script gave it.
    pub at: Option<String>,
}

/// Everything `explain` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub id: String,
    pub name: Option<String>,
    pub policy: Identity,
    pub as_of: String,
    pub economy: String,
    pub measures: Vec<MeasureLine>,
    pub criteria: Vec<CriterionLine>,
    pub score: String,
    pub base_grade: &'static str,
    /// The thresholds, best grade first, as `(grade, minimum score)`.
    pub thresholds: Vec<(&'static str, String)>,
    pub grade_steps: Vec<String>,
    pub grade: &'static str,
    pub line_steps: Vec<Step>,
    pub limit: String,
    pub payment_days: u32,
    pub exposure: String,
    pub available: String,
    pub actions: Vec<&'static str>,
    pub reasons: Vec<ReasonLine>,
    pub next_review: String,
    pub next_grade: Option<NextGrade>,
}

/// A band in words.
pub fn band_text(b: &Band) -> String {
    match (b.from, b.to) {
        (Some(f), Some(t)) => format!("{} to under {}", fmt_plain(f), fmt_plain(t)),
        (Some(f), None) => format!("{} or more", fmt_plain(f)),
        (None, Some(t)) => format!("under {}", fmt_plain(t)),
        (None, None) => "any value".into(),
    }
}

/// Explains the decision for `client`.
pub fn explain(ev: &mut Evaluator<'_>, client: &Client) -> Result<Explanation, EvalError> {
    let d = ev.decide(client)?;
    explain_decision(ev, client, d)
}

/// Explains `d`, the decision a run made for `client` (its group line applied); `ev` decides
/// the what-ifs.
pub fn explain_decision(
    ev: &mut Evaluator<'_>,
    client: &Client,
    d: Decision,
) -> Result<Explanation, EvalError> {
    let policy = ev.policy();
    let mut measures = Vec::new();
    let mut i = 0;
    for c in &policy.criteria {
        for m in &c.measures {
            let t = &d.trace.measures[i];
            i += 1;
            let band = match (&m.source, t.value, t.band) {
                (_, None, _) => format!("unknown: `missing` gives {}", fmt_plain(m.missing)),
                (MeasureSource::Script(f), Some(_), _) => {
                    format!("points from script function `{f}`")
                }
                (MeasureSource::Fact(_), Some(_), Some(b)) => band_text(&m.bands[b]),
                (MeasureSource::Fact(_), Some(_), None) => "no band".into(),
            };
            measures.push(MeasureLine {
                criterion: c.name,
                measure: m.source.name().to_string(),
                value: t.value.map(fmt_plain),
                band,
                points: fmt_plain(t.points),
                weight: fmt_plain(m.weight),
                at: format!("{}:{}", m.origin.file, m.origin.line),
            });
        }
    }
    let criteria = policy
        .criteria
        .iter()
        .zip(d.scores)
        .map(|(c, s)| CriterionLine {
            criterion: c.name,
            score: super::decision_score_text(s),
            weight: fmt_plain(c.weight),
            contribution: fmt_plain(s * c.weight / Decimal::ONE_HUNDRED),
        })
        .collect();
    let next_grade = whatif::next_grade(ev, client, &d)?;
    Ok(Explanation {
        id: d.id.clone(),
        name: d.name.clone(),
        policy: policy.identity.clone(),
        as_of: ev.context().as_of.to_string(),
        economy: ev.context().economy.clone(),
        measures,
        criteria,
        score: super::decision_score_text(d.score),
        base_grade: d.base_grade.as_str(),
        thresholds: Grade::ALL
            .iter()
            .zip(policy.thresholds)
            .map(|(g, t)| (g.as_str(), fmt_plain(t)))
            .collect(),
        grade_steps: d.trace.grade_steps.clone(),
        grade: d.grade.as_str(),
        line_steps: d
            .trace
            .line_steps
            .iter()
            .map(|s| Step {
                step: s.text(),
                amount: fmt_money(s.amount),
            })
            .collect(),
        limit: fmt_money(d.limit),
        payment_days: d.payment_days,
        exposure: fmt_money(d.exposure),
        available: fmt_money(d.available),
        actions: d.actions.iter().map(|a| a.as_str()).collect(),
        reasons: d
            .reasons
            .iter()
            .map(|r| ReasonLine {
                code: r.code.clone(),
                text: r.text.clone(),
                action: r.action.map(|a| a.as_str()),
                figures: r
                    .figures
                    .iter()
                    .map(|(n, v)| (n.clone(), fmt_plain(*v)))
                    .collect(),
                at: r.at.clone(),
            })
            .collect(),
        next_review: d.next_review.to_string(),
        next_grade,
    })
}
