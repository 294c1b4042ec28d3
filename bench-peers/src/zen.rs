//! GoRules ZEN (`zen-engine`): the JDM graph of `standard.jdm.json`, precompiled once,
//! evaluated per client on one thread.
//!
//! ZEN computes in `rust_decimal::Decimal`, but a JSON number reaches it as an `f64` first (its
//! serde path without its `arbitrary_precision` feature, which is what `cargo add zen-engine`
//! gives): `Variable::from(serde_json::Value)` reads the number with `as_f64` and
//! `Decimal::from_f64`. That is what this benchmark does too; serde_json's
//! `arbitrary_precision`, switched on here by credit-policy, does not change that path.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use zen_engine::model::DecisionContent;
use zen_engine::{Decision, Variable};

use crate::outcome::{self, Outcome};
use crate::portfolio::Case;

/// The graph, ready to evaluate.
pub struct Zen {
    decision: Decision,
}

impl Zen {
    pub fn new(jdm: &str) -> anyhow::Result<Zen> {
        let content: DecisionContent =
            serde_json::from_str(jdm).context("the JDM graph does not parse")?;
        let graph = match content {
            DecisionContent::Graph(g) => g,
            DecisionContent::Policy(_) => return Err(anyhow!("the JDM file is not a graph")),
        };
        let mut decision = Decision::from(Arc::clone(&graph));
        decision.compile();
        decision
            .validate()
            .map_err(|e| anyhow!("the JDM graph is not valid: {e}"))?;
        Ok(Zen { decision })
    }

    /// The client as ZEN gets it: its JSON object.
    pub fn input(case: &Case) -> anyhow::Result<Variable> {
        let value: serde_json::Value = serde_json::from_str(&case.json)?;
        Ok(Variable::from(value))
    }

    /// The client as ZEN with the rules gets it: its larger JSON object.
    pub fn rules_input(case: &Case) -> anyhow::Result<Variable> {
        let value: serde_json::Value = serde_json::from_str(&case.rules_json)?;
        Ok(Variable::from(value))
    }

    /// Evaluates every input in turn; the time covers evaluation only.
    pub fn run(&self, inputs: Vec<Variable>) -> anyhow::Result<(Vec<Variable>, Duration)> {
        let mut out = Vec::with_capacity(inputs.len());
        let start = Instant::now();
        futures::executor::block_on(async {
            for input in inputs {
                let response = self
                    .decision
                    .evaluate(input)
                    .await
                    .map_err(|e| anyhow!("ZEN failed: {e}"))?;
                out.push(response.result);
            }
            Ok::<(), anyhow::Error>(())
        })?;
        Ok((out, start.elapsed()))
    }
}

/// ZEN's answer in the common form.
pub fn outcome(result: &Variable, measures: &[&str]) -> Outcome {
    let text = |v: Option<Variable>| v.map(|v| v.to_string());
    Outcome {
        grade: outcome::grade(result.dot("grade").as_ref().and_then(|g| g.as_str())),
        line: outcome::number(
            result
                .dot("line")
                .filter(|v| v.as_number().is_some())
                .map(|v| v.to_string()),
        ),
        score: text(result.dot("score")).unwrap_or_else(|| "none".into()),
        points: measures
            .iter()
            .map(|m| text(result.dot(&format!("points.{m}"))).unwrap_or_else(|| "none".into()))
            .collect(),
        actions: names(result.dot("actions")),
        codes: names(result.dot("codes")),
    }
}

/// An array of strings as a set; empty when there is none.
fn names(v: Option<Variable>) -> Vec<String> {
    let Some(array) = v.as_ref().and_then(|v| v.as_array()) else {
        return Vec::new();
    };
    let items = array.borrow();
    outcome::set(
        items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect(),
    )
}
