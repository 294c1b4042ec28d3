//! What the engine decides for one client, and the trace of how it got there.

use jiff::civil::Date;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::grade::Grade;

/// What credit control must do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// End trading: the client's business is confirmed to be failing.
    Terminate,
    /// Stop shipping: exposure is over the line (or trading is ending).
    Hold,
    /// Ask for collateral: credit standing unknown.
    RequireCollateral,
    /// The credit review is due.
    ReviewDue,
    /// Watch closely: warning signs.
    Watch,
}

impl Action {
    /// Every action, in the order of the enum.
    pub const ALL: [Action; 5] = [
        Action::Terminate,
        Action::Hold,
        Action::RequireCollateral,
        Action::ReviewDue,
        Action::Watch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Terminate => "terminate",
            Action::Hold => "hold",
            Action::RequireCollateral => "require_collateral",
            Action::ReviewDue => "review_due",
            Action::Watch => "watch",
        }
    }
}

/// One reason for a decision, most important first in [`Decision::reasons`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: String,
    pub text: String,
    /// Lower is more important.
    pub priority: u8,
    /// What credit control must do because of this reason, when it asks for an action
    /// (`hold`, `terminate`, ...); `None` for reasons that explain (grade moves, line steps).
    pub action: Option<Action>,
    /// `file:line` of the rule that gave it, when a script did.
    pub at: Option<String>,
    /// The figures behind it, exact, as the script named them, in the order written (e.g.
    /// `sell_through`, `limit`); empty when the rule gave none.
    pub figures: Vec<(String, Decimal)>,
}

impl Reason {
    pub fn new(code: impl Into<String>, text: impl Into<String>, priority: u8) -> Reason {
        Reason {
            code: code.into(),
            text: text.into(),
            priority,
            action: None,
            at: None,
            figures: Vec::new(),
        }
    }

    /// The reason asks credit control for `action`.
    pub fn acting(mut self, action: Action) -> Reason {
        self.action = Some(action);
        self
    }

    pub fn at(mut self, at: &str) -> Reason {
        self.at = Some(at.to_string());
        self
    }
}

/// How one measure scored.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureScore {
    pub criterion: &'static str,
    /// The fact's name, or the script function's (a fact's name costs no allocation).
    pub measure: std::borrow::Cow<'static, str>,
    /// The value scored, `None` when unknown.
    pub value: Option<Decimal>,
    /// Index of the band it fell in, in the policy's order.
    pub band: Option<usize>,
    pub points: Decimal,
    /// Percent of the criterion.
    pub weight: Decimal,
}

/// What a step of the line arithmetic did.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// The annual sales the line is a share of.
    Sales,
    /// Times the grade's percent.
    Percent { percent: Decimal, grade: Grade },
    /// Times every factor (economy, our health, rules).
    Factor(Decimal),
    /// The ceiling, percent of annual sales.
    Ceiling(Decimal),
    /// Rounded down to a multiple of this unit.
    Rounded(Decimal),
    /// The unsecured line taken away by a rule, a call for collateral or the end of trading,
    /// named by its reason code.
    Withheld { code: String },
    /// Plus a temporary (seasonal) line running until `until` (inclusive).
    Temporary { until: Date },
    /// Plus the secured cover (deposits, guarantees, insurance, collateral).
    Secured,
    /// Held to the line the client asked for.
    Requested,
}

/// One step of the line arithmetic. Kept as numbers; [`LineStep::text`] says it in words when
/// someone asks (`explain`), so deciding a million clients formats none of it.
#[derive(Debug, Clone, PartialEq)]
pub struct LineStep {
    pub kind: StepKind,
    pub amount: Decimal,
}

impl LineStep {
    pub fn text(&self) -> String {
        match &self.kind {
            StepKind::Sales => "annual sales".into(),
            StepKind::Percent { percent, grade } => {
                format!("x {}% for grade {grade}", percent.normalize())
            }
            StepKind::Factor(f) => format!("x factor {}", f.normalize()),
            StepKind::Ceiling(c) => format!("ceiling {}% of annual sales", c.normalize()),
            StepKind::Rounded(u) => format!("rounded down to a multiple of {}", u.normalize()),
            StepKind::Withheld { code } => format!("no unsecured line: {code}"),
            StepKind::Temporary { until } => format!("plus the temporary line until {until}"),
            StepKind::Secured => "plus the secured cover".into(),
            StepKind::Requested => "held to the line the client asked for".into(),
        }
    }
}

/// How the decision was reached, step by step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    pub measures: Vec<MeasureScore>,
    pub grade_steps: Vec<String>,
    pub line_steps: Vec<LineStep>,
    /// The product of every line factor applied.
    pub factor: Decimal,
}

/// The decision for one client.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub id: String,
    /// The input line the client came from.
    pub line: u64,
    pub name: Option<String>,
    pub region: Option<String>,
    pub key_account: bool,
    /// The weighted total, exact.
    pub score: Decimal,
    /// The five criterion scores, in [`crate::policy::CRITERIA`] order.
    pub scores: [Decimal; 5],
    pub base_grade: Grade,
    pub grade: Grade,
    /// The credit line: the unsecured line, plus a running temporary line, plus the secured
    /// cover, held to what the client asked for. Zero under `terminate`.
    pub limit: Decimal,
    /// The grade's share of annual sales after every factor and ceiling; zero when a rule or
    /// a call for collateral takes it away.
    pub unsecured_line: Decimal,
    /// The temporary line counted in `limit`, while it runs.
    pub temporary_line: Option<TemporaryLine>,
    /// Deposits, guarantees, insured limits and collateral at the policy's percents.
    pub secured_cover: Decimal,
    pub payment_days: u32,
    /// What the client owes us plus open orders; zero when unknown (see `exposure_known`).
    pub exposure: Decimal,
    /// `false` when an empty cell leaves the exposure unknown: the client is on hold.
    pub exposure_known: bool,
    /// `limit - exposure`, negative when over the line.
    pub available: Decimal,
    pub actions: Vec<Action>,
    pub next_review: Date,
    /// The grade the client had before (the `previous_grade` column), for the outlook.
    pub previous_grade: Option<Grade>,
    /// The client's group and how the group stands against its line; set by the group check
    /// ([`super::group`]) in a run that checks groups.
    pub group: Option<GroupStatus>,
    pub reasons: Vec<Reason>,
    pub trace: Trace,
}

impl Decision {
    pub fn has(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }

    /// Whether anything may go out on credit at all: no `terminate`, no `hold` (the client's
    /// own or its group's: over the line, unknown exposure, a review overdue past grace, a
    /// rule), and a line above zero. Headroom is the caller's to check.
    pub fn allows_credit(&self) -> bool {
        !self.has(Action::Terminate) && !self.has(Action::Hold) && self.limit > Decimal::ZERO
    }

    /// The reasons that ask for `action`, most important first.
    pub fn reasons_for(&self, action: Action) -> impl Iterator<Item = &Reason> {
        self.reasons
            .iter()
            .filter(move |r| r.action == Some(action))
    }

    /// Notches moved since the previous grade: positive when the grade got better, negative
    /// when it fell; `None` without a previous grade.
    pub fn notch_change(&self) -> Option<i64> {
        self.previous_grade
            .map(|p| p.rank() as i64 - self.grade.rank() as i64)
    }

    /// Better, the same, or worse than the previous grade; `None` without one.
    pub fn outlook(&self) -> Option<Outlook> {
        self.notch_change().map(|n| match n.signum() {
            1 => Outlook::Positive,
            0 => Outlook::Stable,
            _ => Outlook::Negative,
        })
    }
}

/// Where the grade is heading, against the previous grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outlook {
    /// The final grade is better than the previous one.
    Positive,
    Stable,
    /// The final grade is worse than the previous one.
    Negative,
}

impl Outlook {
    pub fn as_str(self) -> &'static str {
        match self {
            Outlook::Positive => "positive",
            Outlook::Stable => "stable",
            Outlook::Negative => "negative",
        }
    }
}

/// A temporary (seasonal) line counted in a decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemporaryLine {
    /// What was granted: the request, held to the ceiling.
    pub amount: Decimal,
    /// The last day it counts.
    pub until: Date,
}

/// A member's group against the group line.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStatus {
    /// The group, as the `group` column names it.
    pub id: String,
    /// The group line: the members' lines added up, capped (see [`super::group`]).
    pub line: Decimal,
    /// The combined exposure of every member (of those whose exposure is known).
    pub exposure: Decimal,
    /// `false` when a member's exposure is unknown: nothing goes out on credit to the group.
    pub exposure_known: bool,
    /// `true` when the combined exposure is above the group line.
    pub over: bool,
}

/// A score as shown: cut (not rounded) to two places, so a shown score never reaches a
/// threshold the exact one does not. Serialises as a JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score(pub Decimal);

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = self.0.round_dp_with_strategy(2, RoundingStrategy::ToZero);
        s.rescale(2);
        std::fmt::Display::fmt(&s, f)
    }
}

impl serde::Serialize for Score {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A score as shown; see [`Score`].
pub fn score_text(score: Decimal) -> String {
    Score(score).to_string()
}

/// A date written `YYYY-MM-DD`; serialises as a JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub Date);

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn scores_are_cut_not_rounded() {
        assert_eq!(score_text(Decimal::from_str("69.999").unwrap()), "69.99");
        assert_eq!(score_text(Decimal::from(70)), "70.00");
    }
}
