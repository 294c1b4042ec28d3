//! The clients every engine decides: read once with credit-policy's own reader, their ratios
//! derived once with [`Facts::derive`], and written as the JSON object a rules engine would
//! receive in practice (every number a JSON number, an unknown value `null`).

use std::fmt::Write as _;

use anyhow::{Context as _, bail};
use credit_policy::client::{Client, ClientReader, Fact, Facts, Row};
use jiff::civil::Date;

/// One client, ready for every engine.
pub struct Case {
    /// As read, for our engine (which derives its ratios itself, as it does in production).
    pub client: Client,
    /// Inputs and derived ratios, for the diagnostics of a disagreement.
    pub facts: Facts,
    /// `{"annual_sales": 1234500.00, "debt_ratio": 0.4, ...}`: the facts the peers read.
    pub json: String,
    /// The same and what the rules read besides: more facts, the client's flags and dates, and
    /// the context (as-of date, economy, our own health), for the peers that run the rules.
    pub rules_json: String,
}

/// What the rules peers are told about the run, the same for every client.
pub struct RunContext<'a> {
    pub as_of: Date,
    pub economy: &'a str,
    pub company_healthy: Option<bool>,
}

/// What was read: the clients, and how many rows were rejected (none for a generated file).
pub struct Portfolio {
    pub cases: Vec<Case>,
    pub rejected: usize,
}

/// Reads at most `limit` clients of `path` and prepares them; `facts` are the numbers the peers
/// are given, by name.
pub fn load(
    path: &str,
    limit: Option<usize>,
    as_of: Date,
    facts: &[Fact],
    rule_facts: &[Fact],
    run: &RunContext<'_>,
) -> anyhow::Result<Portfolio> {
    let reader = ClientReader::open(path).with_context(|| format!("cannot read `{path}`"))?;
    let mut cases = Vec::new();
    let mut rejected = 0;
    for row in reader {
        if limit.is_some_and(|l| cases.len() >= l) {
            break;
        }
        match row.with_context(|| format!("cannot read `{path}`"))? {
            Row::Client(client) => {
                let mut derived = client.facts.clone();
                derived.derive(client.last_review, as_of);
                let json = json_object(&derived, facts);
                let rules_json = rules_object(&client, &derived, rule_facts, run);
                cases.push(Case {
                    client: *client,
                    facts: derived,
                    json,
                    rules_json,
                });
            }
            Row::Reject(_) => rejected += 1,
        }
    }
    if cases.is_empty() {
        bail!("`{path}` holds no client that could be read");
    }
    Ok(Portfolio { cases, rejected })
}

/// The facts as one JSON object. A `Decimal` prints as plain decimal notation (never with an
/// exponent), so each number is written exactly as credit-policy holds it; what the receiving
/// engine makes of `0.4` is up to it.
fn json_object(values: &Facts, facts: &[Fact]) -> String {
    let mut out = String::with_capacity(40 * facts.len());
    out.push('{');
    for (i, f) in facts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Writing to a `String` cannot fail.
        let _ = match values.get(*f) {
            Some(v) => write!(out, "\"{}\":{v}", f.name()),
            None => write!(out, "\"{}\":null", f.name()),
        };
    }
    out.push('}');
    out
}

/// The rules peers' input: every fact of `facts`, then the client's flags and dates (`null`
/// when unknown), then the run's context.
fn rules_object(client: &Client, values: &Facts, facts: &[Fact], run: &RunContext<'_>) -> String {
    let mut out = json_object(values, facts);
    out.pop();
    let flag = |b: Option<bool>| b.map_or("null".to_string(), |b| b.to_string());
    let text = |t: Option<String>| t.map_or("null".to_string(), |t| format!("\"{t}\""));
    let _ = write!(
        out,
        ",\"distress_confirmed\":{},\"key_account\":{},\"last_review\":{},\"previous_grade\":{},\"temporary_line_until\":{},\"as_of\":\"{}\",\"economy\":\"{}\",\"company_healthy\":{}}}",
        flag(client.distress_confirmed),
        flag(client.key_account),
        text(client.last_review.map(|d| d.to_string())),
        text(client.previous_grade.map(|g| g.to_string())),
        text(client.temporary_line_until.map(|d| d.to_string())),
        run.as_of,
        run.economy,
        flag(run.company_healthy),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn unknown_is_null_and_numbers_are_written_as_held() {
        let mut f = Facts::default();
        f.set(Fact::AnnualSales, Some(Decimal::new(123_450_000, 2)));
        f.set(Fact::SalesGrowth, Some(Decimal::new(-12, 2)));
        let json = json_object(&f, &[Fact::AnnualSales, Fact::SalesGrowth, Fact::DebtRatio]);
        assert_eq!(
            json,
            r#"{"annual_sales":1234500.00,"sales_growth":-0.12,"debt_ratio":null}"#
        );
    }
}
