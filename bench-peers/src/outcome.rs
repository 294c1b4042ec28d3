//! What an engine answered for one client, in one form for every engine, and the check that
//! two answers agree: the same grade and the same line, to the cent. Nothing is rounded before
//! it is compared: a peer's `245999.99999999997` is not our `246000`.

use std::str::FromStr;

use credit_policy::grade::Grade;
use rust_decimal::Decimal;

/// One engine's answer for one client.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// `Err` holds what the engine gave when it is not a grade.
    pub grade: Result<Grade, String>,
    /// `Err` holds what the engine gave when it is not a number.
    pub line: Result<Decimal, String>,
    /// The total score as the engine wrote it.
    pub score: String,
    /// Points per measure, in policy order, as the engine wrote them.
    pub points: Vec<String>,
    /// The actions (`hold`, `terminate`, `require_collateral`, `review_due`, `watch`), sorted;
    /// empty for a bands-only answer.
    pub actions: Vec<String>,
    /// The rule codes given, sorted, each once; empty for a bands-only answer.
    pub codes: Vec<String>,
}

impl Outcome {
    /// True when grade, line, actions and rule codes are the same.
    pub fn agrees(&self, other: &Outcome) -> bool {
        self.grade == other.grade
            && self.line == other.line
            && self.actions == other.actions
            && self.codes == other.codes
    }
}

/// A list of names as a set: sorted, each once.
pub fn set(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names.dedup();
    names
}

/// A grade as an engine wrote it.
pub fn grade(text: Option<&str>) -> Result<Grade, String> {
    match text {
        Some(t) => Grade::from_str(t).map_err(|_| format!("`{t}`")),
        None => Err("no grade".into()),
    }
}

/// A number as an engine printed it (`245999.99999999997`, `1e-7`), exactly.
pub fn number(text: Option<String>) -> Result<Decimal, String> {
    match text {
        Some(t) => Decimal::from_str_exact(&t)
            .or_else(|_| Decimal::from_scientific(&t))
            .map_err(|_| format!("`{t}`")),
        None => Err("no line".into()),
    }
}

/// One client on which a peer and our engine disagree, with what most likely made the
/// difference: the first measure scored differently, else the total, else the line itself.
pub struct Disagreement {
    pub id: String,
    pub cause: String,
    pub ours: String,
    pub theirs: String,
}

impl Disagreement {
    pub fn new(
        id: &str,
        measures: &[(&str, Option<Decimal>)],
        annual_sales: Option<Decimal>,
        ours: &Outcome,
        theirs: &Outcome,
        rules: bool,
    ) -> Disagreement {
        let shown = |o: &Outcome| {
            let g = match &o.grade {
                Ok(g) => g.to_string(),
                Err(e) => e.clone(),
            };
            let l = match &o.line {
                Ok(l) => credit_policy::money::fmt_money(*l),
                Err(e) => e.clone(),
            };
            (g, l)
        };
        let (og, ol) = shown(ours);
        let (tg, tl) = shown(theirs);
        let differs = measures
            .iter()
            .zip(ours.points.iter().zip(&theirs.points))
            .find(|(_, (a, b))| number(Some((*a).clone())) != number(Some((*b).clone())));
        let listed = |o: &Outcome| {
            format!(
                "{}, line {}, actions [{}], codes [{}]",
                shown(o).0,
                shown(o).1,
                o.actions.join(" "),
                o.codes.join(" ")
            )
        };
        let (cause, ours_text, theirs_text) = match differs {
            _ if rules && differs.is_none() => (
                if ours.grade != theirs.grade {
                    format!("grade (score {} and {})", ours.score, theirs.score)
                } else if ours.line != theirs.line {
                    "line".to_string()
                } else if ours.actions != theirs.actions {
                    "actions".to_string()
                } else {
                    "rule codes".to_string()
                },
                listed(ours),
                listed(theirs),
            ),
            Some(((name, value), (a, b))) => (
                format!(
                    "{name} = {}",
                    value.map_or("unknown".to_string(), |v| v.normalize().to_string())
                ),
                format!("{og} ({a} points)"),
                format!("{tg} ({b} points)"),
            ),
            None if ours.grade != theirs.grade => (
                "total score".to_string(),
                format!("{og} (score {})", ours.score),
                format!("{tg} (score {})", theirs.score),
            ),
            None => (
                format!(
                    "annual_sales = {}",
                    annual_sales.map_or("unknown".to_string(), |v| v.normalize().to_string())
                ),
                format!("{og}, line {ol}"),
                format!("{tg}, line {tl}"),
            ),
        };
        Disagreement {
            id: id.to_string(),
            cause,
            ours: ours_text,
            theirs: theirs_text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_float_line_is_not_rounded_to_agree() {
        let ours = Outcome {
            grade: Ok(Grade::A),
            line: Ok(Decimal::new(246_000, 0)),
            score: "70".into(),
            points: vec![],
            actions: vec![],
            codes: vec![],
        };
        let theirs = Outcome {
            line: number(Some("245999.99999999997".into())),
            ..ours.clone()
        };
        assert!(!ours.agrees(&theirs));
        let same = Outcome {
            line: number(Some("246000".into())),
            ..ours.clone()
        };
        assert!(ours.agrees(&same));
    }
}
