//! The audit trail: one JSON Lines record per decision (`evaluate --log FILE`) with when, the
//! engine version, the policy identity, the context, the client's fields and their hash, and
//! the decision; and `replay`, which decides every logged client again and says which would
//! now come out differently, and why. The records form a hash chain ([`chain`]): `replay`
//! verifies it first and names every deleted, duplicated, reordered or edited record.

pub mod chain;

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::client::{Client, Column, Extra, Fact, Raw, RowBuilder};
use crate::context::{Company, Context};
use crate::engine::Decision;
use crate::engine::group::GroupLines;
use crate::policy::{Identity, Policy};
use crate::report::DecisionJson;
use crate::run::groups::GroupPass;
use crate::run::{Decider, Setup};

pub use chain::{Chain, Finding, Integrity, Tamper, verify};

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

/// One audit record, its fields written in this order (the canonical form its `hash` is of
/// is this JSON without `hash`; see [`chain`]). The chain fields are optional so that a log
/// written before tamper evidence still reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub at: String,
    pub engine: String,
    pub policy: Identity,
    pub context: ContextLog,
    /// SHA-256 of the canonical context ([`chain::context_hash`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_hash: Option<String>,
    pub input_hash: String,
    pub client: BTreeMap<String, String>,
    pub decision: serde_json::Value,
    /// Short hashes of `at`, the engine and policy identity, and the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<chain::Parts>,
    /// The record's position in the chain, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// SHA-256 of the exact bytes of the line before, or of [`chain::GENESIS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// SHA-256 of this record's JSON without `hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
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

/// The record of one decision, as one JSON line without its chain fields: [`Chain::seal`] adds
/// them when the line is written, in order.
pub fn record_line(
    at: &str,
    policy: &Identity,
    context: &ContextLog,
    client: &Client,
    d: &Decision,
) -> String {
    let fields = client_fields(client);
    let decision = decision_value(d);
    let r = Record {
        at: at.to_string(),
        engine: ENGINE_VERSION.to_string(),
        policy: policy.clone(),
        context: context.clone(),
        context_hash: Some(chain::context_hash(context)),
        input_hash: fields_hash(&fields),
        client: fields,
        parts: Some(chain::Parts::new(at, ENGINE_VERSION, policy, &decision)),
        decision,
        seq: None,
        prev: None,
        hash: None,
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
    /// match their logged hash; `context edited` and `record edited` when the record no longer
    /// matches its own hashes.
    pub why: Vec<String>,
}

/// The outcome of a replay.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Replay {
    /// The log's hash chain, verified before anything is replayed.
    pub chain: Integrity,
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

/// The engines of a replay, one per logged context.
#[derive(Default)]
struct Engines<'p>(HashMap<String, Decider<'p>>);

impl<'p> Engines<'p> {
    /// The engine for the context `rec` was decided under, made the first time it is met.
    fn of(&mut self, policy: &'p Policy, rec: &Record) -> Result<&mut Decider<'p>, String> {
        let key = serde_json::to_string(&rec.context).unwrap_or_default();
        if !self.0.contains_key(&key) {
            let context = rec.context.to_context()?;
            let decider = Setup::new(policy, context)
                .and_then(|s| s.decider())
                .map_err(|e| e.to_string())?;
            self.0.insert(key.clone(), decider);
        }
        self.0
            .get_mut(&key)
            .ok_or_else(|| "no engine for the logged context".to_string())
    }
}

/// The logged client of a record, checked as an input row is.
fn logged_client(line: u64, rec: &Record) -> Result<Client, crate::client::Reject> {
    let mut b = RowBuilder::new(line);
    for (k, v) in &rec.client {
        b.cell(&Column::for_name(k), k, Raw::Text(v));
    }
    b.finish()
}

/// Decides every client of an audit log again under `policy` and each record's own context,
/// and reports every decision that would now come out differently. `open` opens the log from
/// its start: like a run, a replay reads it twice when the policy has group lines, first to
/// form the group lines of every logged run that tied clients to groups, with the group pass
/// of a run ([`GroupPass`]), then to decide each client and check it against them.
pub fn replay<R: BufRead>(
    open: impl Fn() -> std::io::Result<R>,
    policy: &Policy,
) -> std::io::Result<Replay> {
    let chain = verify(open()?)?;
    let groups = match policy.groups {
        Some(_) => group_lines(open()?, policy),
        None => HashMap::new(),
    };
    Ok(Replay {
        chain,
        ..replay_with_groups(open()?, policy, &groups)
    })
}

/// The first pass of a replay: the group lines of every logged run that tied clients to
/// groups, by the run's `at`, formed under `policy` from the run's logged clients decided
/// again. Lines that cannot be read are left to the second pass to report.
fn group_lines(log: impl BufRead, policy: &Policy) -> HashMap<String, GroupLines> {
    let mut runs: HashMap<String, GroupPass> = HashMap::new();
    let mut engines = Engines::default();
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
        let Ok(engine) = engines.of(policy, &rec) else {
            continue;
        };
        let pass = runs.entry(rec.at.clone()).or_default();
        match logged_client(i as u64 + 1, &rec).and_then(|c| engine.decide(&c).map(|d| (c, d))) {
            Ok((c, d)) => pass.add(&c, &d.decision),
            Err(_) => pass.add_rejected(group.trim()),
        }
    }
    runs.into_iter()
        .filter_map(|(at, pass)| pass.lines(policy).map(|l| (at, l)))
        .collect()
}

/// The second pass of a replay: every logged client decided again and checked against the
/// group lines `groups` holds for its run.
fn replay_with_groups(
    log: impl BufRead,
    policy: &Policy,
    groups: &HashMap<String, GroupLines>,
) -> Replay {
    let mut out = Replay::default();
    let mut engines = Engines::default();
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
        let engine = match engines.of(policy, &rec) {
            Ok(e) => e,
            Err(e) => {
                out.unreadable.push((n, e));
                continue;
            }
        };
        let mut b = RowBuilder::new(n);
        for (k, v) in &rec.client {
            b.cell(&Column::for_name(k), k, Raw::Text(v));
        }
        let client = match logged_client(n, &rec) {
            Ok(c) => c,
            Err(r) => {
                out.unreadable.push((
                    n,
                    format!("the logged client is not valid: {}: {}", r.field, r.reason),
                ));
                continue;
            }
        };
        let now = match engine.decide(&client) {
            Ok(mut d) => {
                if let Some(g) = groups.get(&rec.at) {
                    g.apply(&mut d.decision, client.group.as_deref());
                }
                decision_value(&d.decision)
            }
            Err(r) => {
                out.unreadable
                    .push((n, format!("{}: {}", r.field, r.reason)));
                continue;
            }
        };
        if now == rec.decision {
            out.same += 1;
            continue;
        }
        let mut why = Vec::new();
        let mut edited = Vec::new();
        if chain::context_edited(&rec) {
            edited.push(format!(
                "context edited: the logged context (as of {}, economy {}) does not match its context_hash",
                rec.context.as_of, rec.context.economy
            ));
        }
        if rec
            .hash
            .as_ref()
            .is_some_and(|h| *h != chain::record_hash(&rec))
        {
            let parts = chain::edited_parts(&rec);
            if !parts.is_empty() {
                edited.push(format!("record edited: {}", parts.join(", ")));
            }
        }
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
        why.extend(edited);
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
