//! A policy's own tests: `DIR/tests/*.toml`, run by `credit-policy test`.
//!
//! A file holds `[[case]]` entries (a client, optionally a context, and the expected outcome)
//! and `[[golden]]` entries (a client file and the decisions expected for it). A `[context]`
//! at the top applies to every entry of the file; an entry's own `context` overrides it field
//! by field.
//!
//! ```toml
//! [context]
//! as_of = 2026-06-30
//!
//! [[case]]
//! name = "AAA gets 20% of annual sales"
//! client = { id = "T1", annual_sales = "1000000", on_time_ratio = 0.99 }
//! context = { economy = "recession" }
//! expect = { grade = "AA", limit = "150000.00", actions = [], absent = ["hold"] }
//!
//! [[golden]]
//! name = "sample portfolio"
//! clients = "golden/clients.csv"      # relative to the tests folder
//! expected = "golden/expected.jsonl"  # rewritten by `credit-policy test --update`
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::client::{Client, ClientReader, Column, Raw, Row, RowBuilder};
use crate::context::{Context, ContextDoc};
use crate::engine::{Action, Decision, Evaluator, decision_score_text, possible_codes};
use crate::money::parse_decimal;
use crate::policy::source::closest;
use crate::policy::{Diagnostic, Policy, SourceFile};
use crate::report::DecisionJson;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    context: ContextDoc,
    #[serde(default)]
    case: Vec<CaseDoc>,
    #[serde(default)]
    golden: Vec<GoldenDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseDoc {
    name: String,
    client: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    context: ContextDoc,
    expect: Expect,
}

/// What a case expects; every field is optional and only those given are checked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    grade: Option<String>,
    base_grade: Option<String>,
    score: Option<String>,
    limit: Option<String>,
    /// The grade's line before security.
    unsecured_line: Option<String>,
    secured_cover: Option<String>,
    payment_days: Option<u32>,
    /// An amount, or `unknown`.
    exposure: Option<String>,
    /// Actions that must be present.
    actions: Option<Vec<Spanned<String>>>,
    /// Actions that must be absent.
    absent: Option<Vec<Spanned<String>>>,
    next_review: Option<Spanned<toml::Value>>,
    /// `positive`, `stable` or `negative`, or `none` when the client has no previous grade.
    outlook: Option<String>,
    /// Notches moved since the previous grade, `+` for up.
    notch_change: Option<i64>,
    /// Reason codes that must be present.
    reasons: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GoldenDoc {
    name: String,
    clients: String,
    expected: String,
    #[serde(default)]
    context: ContextDoc,
}

/// The outcome of one case or golden portfolio.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub file: String,
    pub name: String,
    /// What did not match, one line each; empty when it passed.
    pub failures: Vec<String>,
    /// The rules that fired, shown with a failure.
    pub trace: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every test file in `policy_dir/tests/`. `update` rewrites golden expected files.
/// A test file that cannot be read, or that expects an action or a reason code the policy can
/// never give, is an error with its position; every such problem of every file is reported.
pub fn run(policy: &Policy, update: bool) -> Result<Vec<Outcome>, Vec<Diagnostic>> {
    // The built-in policy's files are named as in `policies/standard/`, but it has no folder:
    // a `tests/` that happens to be there is not its own.
    if policy.built_in {
        return Ok(Vec::new());
    }
    let dir = policy.dir.join("tests");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut outcomes = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        match run_file(policy, &dir, &path, update) {
            Ok(mut o) => outcomes.append(&mut o),
            Err(mut d) => problems.append(&mut d),
        }
    }
    if problems.is_empty() {
        Ok(outcomes)
    } else {
        Err(problems)
    }
}

/// Where `rel`, the value of `key` in a test file of `tests` (a folder of the policy folder
/// `root`), leads: a path inside the policy folder, symbolic links followed. An absolute path,
/// or one that leads out (by `..` or by a link), is an error naming the key, so neither
/// `credit-policy test` reads nor `test --update` writes anything outside the folder.
pub fn inside(root: &Path, tests: &Path, rel: &str, key: &str) -> Result<PathBuf, String> {
    let path = Path::new(rel);
    if path.has_root()
        || path
            .components()
            .any(|c| matches!(c, std::path::Component::Prefix(_)))
    {
        return Err(format!(
            "`{key} = \"{rel}\"` is an absolute path; paths in a test file are relative to the tests folder and stay inside the policy folder"
        ));
    }
    let outside = || {
        format!(
            "`{key} = \"{rel}\"` leads outside the policy folder; paths in a test file stay inside it"
        )
    };
    let root = std::fs::canonicalize(root)
        .map_err(|e| format!("cannot read the policy folder `{}`: {e}", root.display()))?;
    let joined = tests.join(path);
    let resolved = match std::fs::canonicalize(&joined) {
        Ok(p) => p,
        // Not there (yet): its folder must be, inside, and the name a plain one.
        Err(_) => {
            let (Some(parent), Some(std::path::Component::Normal(name))) =
                (joined.parent(), path.components().next_back())
            else {
                return Err(outside());
            };
            if std::fs::symlink_metadata(&joined).is_ok() {
                // A link to nowhere: where it would write is not for us to follow.
                return Err(outside());
            }
            match std::fs::canonicalize(parent) {
                Ok(p) => p.join(name),
                Err(e) => {
                    return Err(format!(
                        "`{key} = \"{rel}\"`: cannot read its folder `{}`: {e}",
                        parent.display()
                    ));
                }
            }
        }
    };
    if resolved.starts_with(&root) {
        Ok(resolved)
    } else {
        Err(outside())
    }
}

fn run_file(
    policy: &Policy,
    dir: &Path,
    path: &Path,
    update: bool,
) -> Result<Vec<Outcome>, Vec<Diagnostic>> {
    let root = std::fs::canonicalize(&policy.dir).unwrap_or_else(|_| policy.dir.clone());
    match std::fs::canonicalize(path) {
        Ok(p) if p.starts_with(&root) && p.is_file() => {
            let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            if size > crate::policy::MAX_POLICY_FILE {
                return Err(vec![Diagnostic::plain(format!(
                    "`{}` is larger than {} MiB; a test file is a few pages of text",
                    path.display(),
                    crate::policy::MAX_POLICY_FILE / (1024 * 1024)
                ))]);
            }
        }
        _ => {
            return Err(vec![Diagnostic::plain(format!(
                "`{}` is not a regular file inside the policy folder (a link leading out, a pipe or a device); it is not read",
                path.display()
            ))]);
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic::plain(format!(
            "cannot read `{}`: {e}",
            path.display()
        ))]
    })?;
    let file = Arc::new(SourceFile {
        lines: Default::default(),
        name: path.display().to_string(),
        text,
    });
    let doc: CaseFile = toml::from_str(&file.text)
        .map_err(|e| vec![crate::policy::read::toml_diagnostic(&file, &e)])?;
    let mut problems = impossible(policy, &file, &doc);
    let base = Context::today()
        .apply(&doc.context, &file, Some(policy))
        .unwrap_or_else(|mut p| {
            problems.append(&mut p);
            Context::today()
        });
    let mut contexts = Vec::new();
    for context in doc
        .case
        .iter()
        .map(|c| &c.context)
        .chain(doc.golden.iter().map(|g| &g.context))
    {
        match base.clone().apply(context, &file, Some(policy)) {
            Ok(ctx) => contexts.push(ctx),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut contexts = contexts.into_iter();
    let mut out = Vec::new();
    for (case, ctx) in doc.case.iter().zip(contexts.by_ref()) {
        out.push(run_case(policy, &ctx, &file, case));
    }
    for (g, ctx) in doc.golden.iter().zip(contexts) {
        out.push(run_golden(policy, &ctx, &file, dir, g, update));
    }
    Ok(out)
}

/// Every action or reason code a case expects that the policy can never give: an error each,
/// with the closest name that exists. A case that names one would pass, or fail, for nothing
/// (`absent = ["on_hold"]` holds for every client).
fn impossible(policy: &Policy, file: &Arc<SourceFile>, doc: &CaseFile) -> Vec<Diagnostic> {
    let actions: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    let (codes, complete) = possible_codes(policy);
    let mut out = Vec::new();
    for case in &doc.case {
        let e = &case.expect;
        for a in e.actions.iter().chain(&e.absent).flatten() {
            if !actions.contains(&a.get_ref().as_str()) {
                let hint = closest(a.get_ref(), actions.iter().copied())
                    .map_or(String::new(), |s| format!("did you mean `{s}`? "));
                out.push(
                    Diagnostic::error(
                        file,
                        Some(a.span()),
                        format!("`{}` is not an action, so no decision has it", a.get_ref()),
                    )
                    .with_help(format!("{hint}the actions are {}", actions.join(", "))),
                );
            }
        }
        // A script that computes a code may give any: then no code can be ruled out.
        if !complete {
            continue;
        }
        for r in e.reasons.iter().flatten() {
            if !codes.contains(r.get_ref()) {
                let hint = closest(r.get_ref(), codes.iter().map(String::as_str))
                    .map_or(String::new(), |s| format!("did you mean `{s}`? "));
                out.push(
                    Diagnostic::error(
                        file,
                        Some(r.span()),
                        format!(
                            "no decision under policy `{}` can have the reason `{}`",
                            policy.identity.name,
                            r.get_ref()
                        ),
                    )
                    .with_help(format!(
                        "{hint}the codes are the engine's and those the policy's scripts write"
                    )),
                );
            }
        }
    }
    out
}

fn outcome(file: &SourceFile, name: &str, failures: Vec<String>) -> Outcome {
    Outcome {
        file: file.name.clone(),
        name: name.to_string(),
        failures,
        trace: Vec::new(),
    }
}

/// Builds the case's client with the same checks as an input row.
fn case_client(
    file: &SourceFile,
    fields: &BTreeMap<String, Spanned<toml::Value>>,
) -> Result<Client, String> {
    let mut b = RowBuilder::new(0);
    for (name, value) in fields {
        let literal;
        let raw = match value.get_ref() {
            toml::Value::String(s) => Raw::Text(s),
            toml::Value::Integer(_) | toml::Value::Float(_) => {
                literal = file.text.get(value.span()).unwrap_or("").replace('_', "");
                Raw::Number(&literal)
            }
            toml::Value::Boolean(x) => Raw::Bool(*x),
            toml::Value::Datetime(d) => {
                literal = d.to_string();
                Raw::Text(&literal)
            }
            _ => Raw::Nested,
        };
        b.cell(&Column::for_name(name), name, raw);
    }
    b.finish()
        .map_err(|r| format!("the client is not valid: {}: {}", r.field, r.reason))
}

fn run_case(policy: &Policy, ctx: &Context, file: &SourceFile, case: &CaseDoc) -> Outcome {
    let fail = |msg: String| outcome(file, &case.name, vec![msg]);
    let client = match case_client(file, &case.client) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let mut ev = match Evaluator::new(policy, ctx) {
        Ok(ev) => ev,
        Err(e) => return fail(e.to_string()),
    };
    let d = match ev.decide(&client) {
        Ok(d) => d,
        Err(e) => return fail(e.to_string()),
    };
    let mut o = outcome(file, &case.name, compare(&case.expect, &d));
    if !o.passed() {
        o.trace = trace(&d);
    }
    o
}

/// The rules and steps behind a decision, for a failing case.
fn trace(d: &Decision) -> Vec<String> {
    let mut t = vec![format!(
        "score {} -> base grade {}; final grade {}",
        decision_score_text(d.score),
        d.base_grade,
        d.grade
    )];
    t.extend(d.trace.grade_steps.iter().cloned());
    t.extend(
        d.trace
            .line_steps
            .iter()
            .map(|s| format!("line: {} = {}", s.text(), crate::money::fmt_money(s.amount))),
    );
    t.extend(d.reasons.iter().map(|r| match &r.at {
        Some(at) => format!("reason {} ({at}): {}", r.code, r.text),
        None => format!("reason {}: {}", r.code, r.text),
    }));
    t
}

fn same_decimal(expected: &str, actual: &str) -> bool {
    match (parse_decimal(expected), parse_decimal(actual)) {
        (Ok(a), Ok(b)) => a == b,
        _ => expected == actual,
    }
}

fn compare(e: &Expect, d: &Decision) -> Vec<String> {
    let mut f = Vec::new();
    let j = DecisionJson::new(d, &DUMMY_IDENTITY);
    let mut check = |what: &str, expected: &Option<String>, actual: &str, numeric: bool| {
        if let Some(x) = expected {
            let ok = if numeric {
                same_decimal(x, actual)
            } else {
                x == actual
            };
            if !ok {
                f.push(format!("{what}: expected {x}, got {actual}"));
            }
        }
    };
    check("grade", &e.grade, j.grade, false);
    check("base_grade", &e.base_grade, j.base_grade, false);
    check("score", &e.score, &j.score.to_string(), true);
    check("limit", &e.limit, &j.limit.to_string(), true);
    check(
        "unsecured_line",
        &e.unsecured_line,
        &j.unsecured_line.to_string(),
        true,
    );
    check(
        "secured_cover",
        &e.secured_cover,
        &j.secured_cover.to_string(),
        true,
    );
    let exposure = j.exposure.map_or("unknown".to_string(), |m| m.to_string());
    check("exposure", &e.exposure, &exposure, true);
    if let Some(days) = e.payment_days
        && days != d.payment_days
    {
        f.push(format!(
            "payment_days: expected {days}, got {}",
            d.payment_days
        ));
    }
    if let Some(nr) = &e.next_review {
        let expected = match nr.get_ref() {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if expected != j.next_review.to_string() {
            f.push(format!(
                "next_review: expected {expected}, got {}",
                j.next_review
            ));
        }
    }
    if let Some(x) = &e.outlook {
        let actual = j.outlook.unwrap_or("none");
        if x != actual {
            f.push(format!("outlook: expected {x}, got {actual}"));
        }
    }
    if let Some(x) = e.notch_change
        && Some(x) != j.notch_change
    {
        f.push(format!(
            "notch_change: expected {x}, got {}",
            j.notch_change.map_or("none".into(), |n| n.to_string())
        ));
    }
    for a in e.actions.iter().flatten().map(|a| a.get_ref()) {
        if !j.actions.contains(&a.as_str()) {
            f.push(format!(
                "action `{a}` expected, got [{}]",
                j.actions.join(", ")
            ));
        }
    }
    for a in e.absent.iter().flatten().map(|a| a.get_ref()) {
        if j.actions.contains(&a.as_str()) {
            f.push(format!(
                "action `{a}` must be absent, got [{}]",
                j.actions.join(", ")
            ));
        }
    }
    for r in e.reasons.iter().flatten().map(|r| r.get_ref()) {
        if !d.reasons.iter().any(|x| &x.code == r) {
            let codes: Vec<&str> = d.reasons.iter().map(|x| x.code.as_str()).collect();
            f.push(format!("reason `{r}` expected, got [{}]", codes.join(", ")));
        }
    }
    f
}

static DUMMY_IDENTITY: crate::policy::Identity = crate::policy::Identity {
    name: String::new(),
    version: String::new(),
    hash: String::new(),
};

/// A decision as golden files keep it: the JSON without the policy identity, so a policy edit
/// that changes no decision moves nothing.
fn golden_value(d: &Decision) -> serde_json::Value {
    let mut v = serde_json::to_value(DecisionJson::new(d, &DUMMY_IDENTITY)).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.remove("policy");
    }
    v
}

fn run_golden(
    policy: &Policy,
    ctx: &Context,
    file: &SourceFile,
    dir: &Path,
    g: &GoldenDoc,
    update: bool,
) -> Outcome {
    let fail = |msg: String| outcome(file, &g.name, vec![msg]);
    let root = &policy.dir;
    let clients = match inside(root, dir, &g.clients, "clients") {
        Ok(p) => p,
        Err(e) => return fail(format!("{}: {e}", file.name)),
    };
    let expected_path = match inside(root, dir, &g.expected, "expected") {
        Ok(p) => p,
        Err(e) => return fail(format!("{}: {e}", file.name)),
    };
    if clients.exists() && !clients.is_file() {
        return fail(format!(
            "{}: `clients = \"{}\"` is not a regular file",
            file.name, g.clients
        ));
    }
    let reader = match ClientReader::open(&clients.to_string_lossy()) {
        Ok(r) => r,
        Err(e) => return fail(e.to_string()),
    };
    let mut ev = match Evaluator::new(policy, ctx) {
        Ok(ev) => ev,
        Err(e) => return fail(e.to_string()),
    };
    let mut actual: Vec<(String, serde_json::Value)> = Vec::new();
    let mut failures = Vec::new();
    for row in reader {
        match row {
            Ok(Row::Client(c)) => match ev.decide(&c) {
                Ok(d) => actual.push((d.id.clone(), golden_value(&d))),
                Err(e) => failures.push(e.to_string()),
            },
            Ok(Row::Reject(r)) => failures.push(format!(
                "line {} is rejected: {}: {}",
                r.line, r.field, r.reason
            )),
            Err(e) => return fail(e.to_string()),
        }
    }
    if update {
        let text: String = actual.iter().map(|(_, v)| format!("{v}\n")).collect();
        if let Err(e) = std::fs::write(&expected_path, text) {
            failures.push(format!("cannot write `{}`: {e}", expected_path.display()));
        }
        return outcome(file, &g.name, failures);
    }
    if expected_path.exists() && !expected_path.is_file() {
        return fail(format!(
            "{}: `expected = \"{}\"` is not a regular file",
            file.name, g.expected
        ));
    }
    let expected_text = match std::fs::read_to_string(&expected_path) {
        Ok(t) => t,
        Err(e) => {
            return fail(format!(
                "cannot read `{}`: {e}; run `credit-policy test --update` to write it",
                expected_path.display()
            ));
        }
    };
    let mut expected: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for (i, line) in expected_text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) => {
                let id = v
                    .get("id")
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
                    .to_string();
                expected.insert(id, v);
            }
            Err(e) => failures.push(format!(
                "{}:{}: not valid JSON: {e}",
                expected_path.display(),
                i + 1
            )),
        }
    }
    for (id, v) in &actual {
        match expected.remove(id) {
            None => failures.push(format!(
                "client `{id}` is new: it is not in the expected file"
            )),
            Some(x) if &x != v => {
                failures.push(format!("client `{id}` moved: {}", moved_fields(&x, v)))
            }
            Some(_) => {}
        }
    }
    for id in expected.keys() {
        failures.push(format!("client `{id}` is expected but was not decided"));
    }
    outcome(file, &g.name, failures)
}

/// `grade A -> BBB, limit 1000.00 -> 0.00`.
fn moved_fields(old: &serde_json::Value, new: &serde_json::Value) -> String {
    let (Some(o), Some(n)) = (old.as_object(), new.as_object()) else {
        return "the decision changed".into();
    };
    let mut parts = Vec::new();
    for (k, nv) in n {
        let ov = o.get(k).unwrap_or(&serde_json::Value::Null);
        if ov != nv {
            let show = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if k == "reasons" {
                parts.push("reasons changed".to_string());
            } else {
                parts.push(format!("{k} {} -> {}", show(ov), show(nv)));
            }
        }
    }
    parts.join(", ")
}
