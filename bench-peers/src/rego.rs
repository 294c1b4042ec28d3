//! Rego (`regorus`): the policy of `standard.rego`, evaluated per client on one thread, by
//! regorus' interpreter (`Engine::eval_rule`) and by its bytecode VM (the policy compiled once
//! to an RVM program).
//!
//! regorus holds a JSON number with a fraction as an `f64` and does its arithmetic in `f64`.

use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::RegoVM;
use regorus::{Engine, Value};

use crate::mirror::REGO_RULE;
use crate::outcome::{self, Outcome};
use crate::portfolio::Case;

/// The client as Rego gets it: its JSON object as `input`.
pub fn input(case: &Case) -> anyhow::Result<Value> {
    Value::from_json_str(&case.json)
}

/// The client as Rego with the rules gets it: its larger JSON object as `input`.
pub fn rules_input(case: &Case) -> anyhow::Result<Value> {
    Value::from_json_str(&case.rules_json)
}

fn engine(rego: &str) -> anyhow::Result<Engine> {
    let mut engine = Engine::new();
    engine
        .add_policy("policy.rego".to_string(), rego.to_string())
        .context("the Rego policy does not load")?;
    Ok(engine)
}

/// regorus' interpreter: `set_input` then `eval_rule` for each client.
pub fn run_interpreter(rego: &str, inputs: Vec<Value>) -> anyhow::Result<(Vec<Value>, Duration)> {
    let mut engine = engine(rego)?;
    let mut out = Vec::with_capacity(inputs.len());
    let start = Instant::now();
    for input in inputs {
        engine.set_input(input);
        out.push(
            engine
                .eval_rule(REGO_RULE.to_string())
                .context("Rego failed")?,
        );
    }
    Ok((out, start.elapsed()))
}

/// regorus' bytecode VM: the policy compiled once, then `set_input` and `execute` per client.
pub fn run_vm(rego: &str, inputs: Vec<Value>) -> anyhow::Result<(Vec<Value>, Duration)> {
    let mut engine = engine(rego)?;
    let compiled = engine
        .compile_with_entrypoint(&REGO_RULE.into())
        .context("the Rego policy does not compile")?;
    let program = Compiler::compile_from_policy(&compiled, &[REGO_RULE])
        .map_err(|e| anyhow!("the Rego policy does not compile to RVM bytecode: {e}"))?;
    let mut vm = RegoVM::new();
    vm.load_program(program);
    let mut out = Vec::with_capacity(inputs.len());
    let start = Instant::now();
    for input in inputs {
        vm.set_input(input);
        out.push(vm.execute().context("the RVM failed")?);
    }
    Ok((out, start.elapsed()))
}

fn number_text(v: &Value) -> Option<String> {
    v.as_number().ok().map(|n| n.format_decimal())
}

/// Rego's answer in the common form.
pub fn outcome(result: &Value, measures: &[&str]) -> Outcome {
    let grade = result["grade"].as_string().ok();
    Outcome {
        grade: outcome::grade(grade.map(|g| g.as_ref())),
        line: outcome::number(number_text(&result["line"])),
        score: number_text(&result["score"]).unwrap_or_else(|| "none".into()),
        points: measures
            .iter()
            .map(|m| number_text(&result["points"][*m]).unwrap_or_else(|| "none".into()))
            .collect(),
        actions: names(&result["actions"]),
        codes: names(&result["codes"]),
    }
}

/// An array or set of strings as a set; empty when there is none.
fn names(v: &Value) -> Vec<String> {
    let items: Vec<&Value> = if let Ok(a) = v.as_array() {
        a.iter().collect()
    } else if let Ok(s) = v.as_set() {
        s.iter().collect()
    } else {
        return Vec::new();
    };
    outcome::set(
        items
            .iter()
            .map(|i| {
                i.as_string()
                    .map_or_else(|_| i.to_string(), |s| s.to_string())
            })
            .collect(),
    )
}
