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
    /// `file:line` of the rule that gave it, when a script did.
    pub at: Option<String>,
}

impl Reason {
    pub fn new(code: &str, text: &str, priority: u8) -> Reason {
        Reason {
            code: code.to_string(),
            text: text.to_string(),
            priority,
            at: None,
        }
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
    pub measure: String,
    /// The value scored, `None` when unknown.
    pub value: Option<Decimal>,
    /// Index of the band it fell in, in the policy's order.
    pub band: Option<usize>,
    pub points: Decimal,
    /// Percent of the criterion.
    pub weight: Decimal,
}

/// One step of the line arithmetic.
#[derive(Debug, Clone, PartialEq)]
pub struct LineStep {
    pub step: String,
    pub amount: Decimal,
}

impl LineStep {
    pub fn new(step: &str, amount: Decimal) -> LineStep {
        LineStep {
            step: step.to_string(),
            amount,
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
    pub limit: Decimal,
    pub payment_days: u32,
    pub exposure: Decimal,
    /// `limit - exposure`, negative when over the line.
    pub available: Decimal,
    pub actions: Vec<Action>,
    pub next_review: Date,
    pub reasons: Vec<Reason>,
    pub trace: Trace,
}

impl Decision {
    pub fn has(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }
}

/// A score as shown: cut (not rounded) to two places, so a shown score never reaches a
/// threshold the exact one does not.
pub fn score_text(score: Decimal) -> String {
    let mut s = score.round_dp_with_strategy(2, RoundingStrategy::ToZero);
    s.rescale(2);
    s.to_string()
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
