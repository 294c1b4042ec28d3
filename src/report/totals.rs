//! Totals of a decided portfolio, by grade and by any input column (`evaluate --by`): clients,
//! credit granted, exposure, the amount over the line and the clients on hold. A client whose
//! exposure is unknown is counted apart, never added as a zero, so a total that leaves clients
//! out says how many.
//!
//! Also what the output says about our own health ([`health_note`]): a run without our
//! balance sheet does not tighten lines for it, and the reader must know.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::sheet::{Cell, Sheet};
use crate::context::Context;
use crate::engine::{Action, Decision, Health};
use crate::grade::Grade;
use crate::policy::Policy;

/// The label of the clients with no value in the `--by` column.
pub const NO_VALUE: &str = "(empty)";

/// The totals of one grade, one value of the `--by` column, or the whole portfolio.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub clients: u64,
    /// The credit lines granted, added up.
    pub line: Decimal,
    /// The exposure of the clients whose exposure is known, added up.
    pub exposure: Decimal,
    /// The clients whose exposure is unknown: left out of `exposure` and `over`.
    pub exposure_unknown: u64,
    /// What the known exposures exceed their lines by, added up over the clients over.
    pub over: Decimal,
    /// The clients on `hold`.
    pub on_hold: u64,
}

impl Line {
    fn add(&mut self, d: &Decision) {
        self.clients += 1;
        self.line += d.limit;
        if d.exposure_known {
            self.exposure += d.exposure;
            if d.exposure > d.limit {
                self.over += d.exposure - d.limit;
            }
        } else {
            self.exposure_unknown += 1;
        }
        self.on_hold += u64::from(d.has(Action::Hold));
    }
}

/// The totals of a run, gathered one decision at a time, in any order.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// The `--by` column, when asked for.
    pub by: Option<String>,
    grades: [Line; 9],
    groups: BTreeMap<String, Line>,
    all: Line,
    /// Whether any client had a value in the `--by` column.
    by_seen: bool,
}

impl Totals {
    /// Totals by grade, and by the input column `by` when given.
    pub fn new(by: Option<String>) -> Totals {
        Totals {
            by,
            ..Totals::default()
        }
    }

    /// Adds a decision; `value` is its client's value in the `--by` column (see
    /// [`crate::compare::column_value`]).
    pub fn add(&mut self, d: &Decision, value: Option<String>) {
        self.all.add(d);
        self.grades[d.grade.rank()].add(d);
        if self.by.is_some() {
            self.by_seen |= value.is_some();
            self.groups
                .entry(value.unwrap_or_else(|| NO_VALUE.into()))
                .or_default()
                .add(d);
        }
    }

    /// The grades that have a client, best first.
    pub fn grades(&self) -> impl Iterator<Item = (Grade, &Line)> {
        Grade::ALL
            .iter()
            .zip(&self.grades)
            .filter(|(_, l)| l.clients > 0)
            .map(|(g, l)| (*g, l))
    }

    /// The values of the `--by` column in order, `(empty)` among them for clients without one.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &Line)> {
        self.groups.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The whole portfolio.
    pub fn all(&self) -> &Line {
        &self.all
    }

    /// An error when `--by` names a column no client has a value in and the engine does not
    /// know: most likely a misspelling, which would total everyone under `(empty)`.
    pub fn check_by(&self) -> Result<(), String> {
        match &self.by {
            Some(column) if !self.by_seen && self.all.clients > 0 => {
                crate::compare::check_column(column, &[])
            }
            _ => Ok(()),
        }
    }

    /// The totals as a sheet `summary`: one row per grade, the total, then one row per value
    /// of the `--by` column; exposure and the amount over the line as money, counts as whole
    /// numbers.
    pub fn sheet(&self) -> Sheet {
        let mut s = Sheet::new(
            "summary",
            &[
                "by",
                "value",
                "clients",
                "line",
                "exposure",
                "exposure_unknown",
                "over_line",
                "on_hold",
            ],
        );
        let row = |by: &str, value: &str, l: &Line| {
            vec![
                Cell::from(by),
                Cell::from(value),
                Cell::Int(l.clients as i64),
                Cell::Money(l.line),
                Cell::Money(l.exposure),
                Cell::Int(l.exposure_unknown as i64),
                Cell::Money(l.over),
                Cell::Int(l.on_hold as i64),
            ]
        };
        for (g, l) in self.grades() {
            s.push(row("grade", g.as_str(), l));
        }
        s.push(row("total", "", &self.all));
        if let Some(by) = &self.by {
            for (v, l) in self.groups() {
                s.push(row(by, v, l));
            }
        }
        s
    }
}

/// What the output says about our own health under `context`: whether it was assessed, and
/// when it was not, that lines are not tightened for it.
pub fn health_note(policy: &Policy, context: &Context) -> String {
    let h: Health = crate::engine::health(policy, context);
    match h.healthy {
        None if context.company.is_none() => "our own health not assessed: no [company] figures in the context; lines are not tightened for it".into(),
        None => "our own health not assessed: the policy sets no [company] floors; lines are not tightened for it".into(),
        Some(true) => "our own health assessed: above the policy's floors; lines are not tightened".into(),
        Some(false) => "our own health assessed: below the policy's floors; every line is tightened (see the reason `company_weak`)".into(),
    }
}

/// What a run's summary tells a writer that can show it (see
/// [`super::DecisionWriter::summary`]).
#[derive(Debug, Clone)]
pub struct Summary {
    pub totals: Totals,
    /// See [`health_note`].
    pub health: String,
    /// The rows rejected: with no client decided, the output says every row was rejected.
    pub rejected: u64,
}
