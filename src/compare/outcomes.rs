//! Reading the outcomes of a champion/challenger run (`evaluate --challenger --split`, JSON
//! Lines) back and setting the two slices side by side: how many clients each side decided, its
//! grade mix, credit granted, holds and actions. The slices are drawn by hash, so they are
//! comparable samples of the same book.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde::Serialize;

use crate::grade::Grade;
use crate::money::{Money, parse_decimal};

/// One side's totals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SideTotals {
    /// The policy that decided this side, `name version (hash)`.
    pub policy: String,
    pub clients: u64,
    /// Clients per final grade, every grade present, best first.
    pub grades: BTreeMap<usize, u64>,
    pub limit_total: Money,
    pub exposure_total: Money,
    pub held: u64,
    pub held_exposure: Money,
    pub terminated: u64,
    pub watched: u64,
    pub collateral: u64,
}

/// The champion and challenger slices of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcomes {
    pub champion: SideTotals,
    pub challenger: SideTotals,
    /// Lines that are not a decision of a champion/challenger run, with why.
    pub skipped: Vec<(u64, String)>,
}

impl Outcomes {
    /// The grade mix of a side as `(grade, clients)`, best grade first.
    pub fn grades(side: &SideTotals) -> Vec<(&'static str, u64)> {
        Grade::ALL
            .iter()
            .map(|g| (g.as_str(), side.grades.get(&g.rank()).copied().unwrap_or(0)))
            .collect()
    }
}

/// Reads decisions written by `evaluate --challenger DIR --split PERCENT --format jsonl`.
pub fn read(input: impl BufRead) -> Outcomes {
    let mut o = Outcomes::default();
    for (i, line) in input.lines().enumerate() {
        let n = i as u64 + 1;
        let Ok(line) = line else {
            o.skipped.push((n, "cannot be read".into()));
            break;
        };
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                o.skipped.push((n, format!("not JSON: {e}")));
                continue;
            }
        };
        let side = match v.get("side").and_then(|s| s.as_str()) {
            Some("champion") => &mut o.champion,
            Some("challenger") => &mut o.challenger,
            _ => {
                o.skipped.push((
                    n,
                    "no `side`: not from a run with --challenger and --split".into(),
                ));
                continue;
            }
        };
        let money = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .and_then(|x| parse_decimal(x).ok())
                .unwrap_or_default()
        };
        let Some(grade) = v
            .get("grade")
            .and_then(|g| g.as_str())
            .and_then(|g| g.parse::<Grade>().ok())
        else {
            o.skipped.push((n, "no valid `grade`".into()));
            continue;
        };
        if side.policy.is_empty()
            && let Some(p) = v.get("policy")
        {
            let s = |k: &str| p.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            side.policy = format!("{} {} ({})", s("name"), s("version"), s("hash"));
        }
        let actions: Vec<&str> = v
            .get("actions")
            .and_then(|a| a.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        side.clients += 1;
        *side.grades.entry(grade.rank()).or_default() += 1;
        side.limit_total.0 += money("limit");
        side.exposure_total.0 += money("exposure");
        if actions.contains(&"hold") {
            side.held += 1;
            side.held_exposure.0 += money("exposure");
        }
        side.terminated += u64::from(actions.contains(&"terminate"));
        side.watched += u64::from(actions.contains(&"watch"));
        side.collateral += u64::from(actions.contains(&"require_collateral"));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_each_side_and_skips_what_is_not_a_split_decision() {
        let text = r#"{"id":"a","grade":"AA","limit":"100.00","exposure":"150.00","actions":["hold"],"side":"champion","policy":{"name":"s","version":"1","hash":"h"}}
{"id":"b","grade":"A","limit":"50.00","exposure":"10.00","actions":["watch"],"side":"challenger","policy":{"name":"c","version":"1","hash":"k"}}
{"id":"c","grade":"A","limit":"70.50","exposure":"0.00","actions":[],"side":"champion"}
{"id":"d","grade":"A","limit":"1.00"}
"#;
        let o = read(text.as_bytes());
        assert_eq!(o.champion.clients, 2);
        assert_eq!(o.champion.limit_total.to_string(), "170.50");
        assert_eq!(o.champion.held, 1);
        assert_eq!(o.champion.held_exposure.to_string(), "150.00");
        assert_eq!(o.challenger.watched, 1);
        assert_eq!(o.champion.policy, "s 1 (h)");
        assert_eq!(o.skipped.len(), 1);
        assert_eq!(o.skipped[0].0, 4);
        assert_eq!(Outcomes::grades(&o.champion)[1], ("AA", 1));
    }
}
