//! The audit trail: one JSON Lines record per decision (`evaluate --log FILE`) with when, the
//! engine version, the policy identity, the context, the client's fields and their hash, and
//! the decision; and `replay`, which decides every logged client again and says which would
//! now come out differently, and why.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::client::{Client, Column, Extra, Fact, Raw, RowBuilder};
use crate::context::{Company, Context};
use crate::engine::group::{GroupLines, GroupTotals, Member};
use crate::engine::{Decision, Evaluator};
use crate::policy::{Identity, Policy};
use crate::report::DecisionJson;

/// This build of the engine, as logged.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The context as logged.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContextLog {
    pub as_of: String,
    pub economy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<BTreeMap<String, String>>,
}

impl ContextLog {
    pub fn new(c: &Context) -> ContextLog {
        ContextLog {
            as_of: c.as_of.to_string(),
            economy: c.economy.clone(),
            company: c.company.as_ref().map(|co| {
                [
                    ("total_assets", co.total_assets),
                    ("total_debt", co.total_debt),
                    ("cash", co.cash),
                    ("receivables", co.receivables),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
            }),
        }
    }

    fn to_context(&self) -> Result<Context, String> {
        let money = |m: &BTreeMap<String, String>, k: &str| -> Result<Decimal, String> {
            let v = m
                .get(k)
                .ok_or_else(|| format!("the logged company has no `{k}`"))?;
            Decimal::from_str(v).map_err(|e| format!("the logged `{k}` is not a number: {e}"))
        };
        Ok(Context {
            as_of: crate::client::parse_date(&self.as_of)?,
            economy: self.economy.clone(),
            company: match &self.company {
                Some(m) => Some(Company {
                    total_assets: money(m, "total_assets")?,
                    total_debt: money(m, "total_debt")?,
                    cash: money(m, "cash")?,
                    receivables: money(m, "receivables")?,
                }),
                None => None,
            },
        })
    }
}

/// A client's fields as logged: every known value as text (numbers as exact decimals).
pub fn client_fields(c: &Client) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert("id".into(), c.id.clone());
    let mut text = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    text("name", c.name.clone());
    text("region", c.region.clone());
    text("key_account", c.key_account.map(|b| b.to_string()));
    text(
        "distress_confirmed",
        c.distress_confirmed.map(|b| b.to_string()),
    );
    text("last_review", c.last_review.map(|d| d.to_string()));
    text("previous_grade", c.previous_grade.map(|g| g.to_string()));
    text("group", c.group.clone());
    text(
        "temporary_line_until",
        c.temporary_line_until.map(|d| d.to_string()),
    );
    for f in Fact::ALL.iter().filter(|f| f.is_input()) {
        text(f.name(), c.facts.get(*f).map(|d| d.to_string()));
    }
    for (k, v) in &c.extra {
        let v = match v {
            Extra::Number(d) => d.to_string(),
            Extra::Text(t) => t.clone(),
        };
        m.insert(k.to_string(), v);
    }
    m
}

/// `sha256:` of the fields, in name order, `name=value` lines.
pub fn fields_hash(fields: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (k, v) in fields {
        h.update(k.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
        h.update(b"\n");
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// One audit record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub at: String,
    pub engine: String,
    pub policy: Identity,
    pub context: ContextLog,
    pub input_hash: String,
    pub client: BTreeMap<String, String>,
    pub decision: serde_json::Value,
}

/// A decision as kept in the log and compared on replay: the JSON without the identity.
fn decision_value(d: &Decision) -> serde_json::Value {
    static NONE: Identity = Identity {
        name: String::new(),
        version: String::new(),
        hash: String::new(),
    };
    let mut v = serde_json::to_value(DecisionJson::new(d, &NONE)).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.remove("policy");
    }
    v
}

/// The record of one decision, as one JSON line.
pub fn record_line(
    at: &str,
    policy: &Identity,
    context: &ContextLog,
    client: &Client,
    d: &Decision,
) -> String {
    let fields = client_fields(client);
    let r = Record {
        at: at.to_string(),
        engine: ENGINE_VERSION.to_string(),
        policy: policy.clone(),
        context: context.clone(),
        input_hash: fields_hash(&fields),
        client: fields,
        decision: decision_value(d),
    };
    serde_json::to_string(&r).unwrap_or_default()
}

/// A logged decision that would now come out differently.
#[derive(Debug, Clone, Serialize)]
pub struct Moved {
    /// The line of the log.
    pub line: u64,
    pub id: String,
    /// `grade A -> BBB`, `limit ...`.
    pub changes: Vec<String>,
    /// `policy changed`, `engine changed`, or both; `input changed` when the fields no longer
    /// match their logged hash.
    pub why: Vec<String>,
}

/// The outcome of a replay.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Replay {
    pub records: u64,
    pub same: u64,
    pub moved: Vec<Moved>,
    /// Log lines that could not be replayed, with the reason.
    pub unreadable: Vec<(u64, String)>,
}

fn changes(old: &serde_json::Value, new: &serde_json::Value) -> Vec<String> {
    let (Some(o), Some(n)) = (old.as_object(), new.as_object()) else {
        return vec!["the decision changed".into()];
    };
    let show = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "none".into(),
    };
    n.keys()
        .chain(o.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|k| o.get(*k) != n.get(*k))
        .map(|k| {
            if k == "reasons" {
                "reasons changed".to_string()
            } else {
                format!("{k} {} -> {}", show(o.get(k)), show(n.get(k)))
            }
        })
        .collect()
}

/// Decides every client of an audit log again under `policy` and each record's own context.
pub fn replay(log: impl BufRead, policy: &Policy) -> Replay {
    replay_with_groups(log, policy, &HashMap::new())
}

/// The group lines of every logged run that tied clients to groups, by the run's `at`, formed
/// under `policy` from the run's logged clients decided again: the first pass of a replay, as
/// of the first pass of `evaluate` (see [`crate::stream::groups`]). Empty when the policy has
/// no `[groups]`. Lines that cannot be read are left to [`replay_with_groups`] to report.
pub fn group_lines(log: impl BufRead, policy: &Policy) -> HashMap<String, GroupLines> {
    let Some(rules) = &policy.groups else {
        return HashMap::new();
    };
    let mut runs: HashMap<String, GroupTotals> = HashMap::new();
    let mut evaluators: HashMap<String, Evaluator<'_>> = HashMap::new();
    for (i, line) in log.lines().enumerate() {
        let Ok(text) = line else {
            break;
        };
        let Ok(rec) = serde_json::from_str::<Record>(&text) else {
            continue;
        };
        let Some(group) = rec.client.get("group").filter(|g| !g.trim().is_empty()) else {
            continue;
        };
        let key = serde_json::to_string(&rec.context).unwrap_or_default();
        if !evaluators.contains_key(&key) {
            let Ok(ev) = rec
                .context
                .to_context()
                .and_then(|c| Evaluator::new(policy, &c).map_err(|e| e.to_string()))
            else {
                continue;
            };
            evaluators.insert(key.clone(), ev);
        }
        let Some(ev) = evaluators.get_mut(&key) else {
            continue;
        };
        let mut b = RowBuilder::new(i as u64 + 1);
        for (k, v) in &rec.client {
            b.cell(&Column::for_name(k), k, Raw::Text(v));
        }
        let totals = runs.entry(rec.at.clone()).or_default();
        match b
            .finish()
            .map(|c| ev.decide(&c).map(|d| Member::of(&c, &d)))
        {
            Ok(Ok(member)) => totals.add(group.trim(), member),
            _ => totals.add_rejected(group.trim()),
        }
    }
    runs.into_iter()
        .map(|(at, t)| (at, t.lines(rules, policy.line.rounding_unit)))
        .collect()
}

/// [`replay`], checking the clients of a run that tied clients to groups against the group
/// lines `groups` holds for it (see [`group_lines`]).
pub fn replay_with_groups(
    log: impl BufRead,
    policy: &Policy,
    groups: &HashMap<String, GroupLines>,
) -> Replay {
    let mut out = Replay::default();
    let mut evaluators: HashMap<String, Evaluator<'_>> = HashMap::new();
    for (i, line) in log.lines().enumerate() {
        let n = i as u64 + 1;
        let text = match line {
            Ok(t) if t.trim().is_empty() => continue,
            Ok(t) => t,
            Err(e) => {
                out.unreadable.push((n, e.to_string()));
                break;
            }
        };
        let rec: Record = match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                out.unreadable
                    .push((n, format!("not an audit record: {e}")));
                continue;
            }
        };
        out.records += 1;
        let key = serde_json::to_string(&rec.context).unwrap_or_default();
        if !evaluators.contains_key(&key) {
            let made = rec
                .context
                .to_context()
                .and_then(|c| Evaluator::new(policy, &c).map_err(|e| e.to_string()));
            match made {
                Ok(ev) => {
                    evaluators.insert(key.clone(), ev);
                }
                Err(e) => {
                    out.unreadable.push((n, e));
                    continue;
                }
            }
        }
        let Some(ev) = evaluators.get_mut(&key) else {
            continue;
        };
        let mut b = RowBuilder::new(n);
        for (k, v) in &rec.client {
            b.cell(&Column::for_name(k), k, Raw::Text(v));
        }
        let client = match b.finish() {
            Ok(c) => c,
            Err(r) => {
                out.unreadable.push((
                    n,
                    format!("the logged client is not valid: {}: {}", r.field, r.reason),
                ));
                continue;
            }
        };
        let now = match ev.decide(&client) {
            Ok(mut d) => {
                if let Some(g) = groups.get(&rec.at) {
                    g.apply(&mut d, client.group.as_deref());
                }
                decision_value(&d)
            }
            Err(e) => {
                out.unreadable.push((n, e.to_string()));
                continue;
            }
        };
        if now == rec.decision {
            out.same += 1;
            continue;
        }
        let mut why = Vec::new();
        if rec.policy.hash != policy.identity.hash {
            why.push(format!(
                "policy changed: {} {} ({}) -> {} {} ({})",
                rec.policy.name,
                rec.policy.version,
                rec.policy.hash,
                policy.identity.name,
                policy.identity.version,
                policy.identity.hash
            ));
        }
        if rec.engine != ENGINE_VERSION {
            why.push(format!(
                "engine changed: {} -> {ENGINE_VERSION}",
                rec.engine
            ));
        }
        if fields_hash(&rec.client) != rec.input_hash {
            why.push("input changed: the logged fields do not match their hash".into());
        }
        if why.is_empty() {
            why.push(format!(
                "engine changed: same version {ENGINE_VERSION}, same policy, different result"
            ));
        }
        out.moved.push(Moved {
            line: n,
            id: client.id.clone(),
            changes: changes(&rec.decision, &now),
            why,
        });
    }
    out
}
