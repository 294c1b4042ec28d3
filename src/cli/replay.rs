//! `credit-policy replay`: decide every client of an audit log again and say which decisions
//! would now come out differently, and why.

use std::fmt::Write as _;
use std::io::BufReader;
use std::path::PathBuf;

use credit_policy::audit::{Replay, replay};
use credit_policy::policy::Policy;
use credit_policy::report::sheet::{Cell, Sheet};

use super::output::{self, Format, OutputArgs, View};
use super::{Exit, error, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The audit log written by `evaluate --log`.
    #[arg(
        value_name = "LOG",
        required_unless_present = "db",
        conflicts_with = "db"
    )]
    pub log: Option<PathBuf>,
    /// Replay the decision log `credit-policy serve` keeps in this database instead
    /// (`sqlite://FILE` or `postgres://...`).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// The policy to decide with now [default: $CREDIT_POLICY, else policies/standard, else the built-in standard policy]
    #[arg(long, value_name = "DIR")]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The same as `--format json` (kept for scripts written before `--format`).
    #[arg(long, hide = true, conflicts_with = "format")]
    pub json: bool,
}

/// Exit 0 when the log's chain is intact (or it predates tamper evidence) and every logged
/// decision comes out the same, 1 when the chain is broken, a decision moved or a line could
/// not be replayed, 2 when the log or the policy cannot be read.
pub fn run(args: Args) -> Exit {
    go(args).unwrap_or_else(|e| e)
}

fn go(mut args: Args) -> Result<Exit, Exit> {
    args.output.guard(&[("LOG", args.log.as_deref())], &[])?;
    // The service's log is copied out of the database into a temporary file, then replayed
    // exactly as a file is.
    let copied = match &args.db {
        Some(url) => Some(copy_db_log(url)?),
        None => None,
    };
    let log: PathBuf = match (&copied, &args.log) {
        (Some(f), _) => f.path().to_path_buf(),
        (None, Some(p)) => p.clone(),
        (None, None) => {
            error("give the audit log LOG, or --db URL");
            return Err(Exit::Error);
        }
    };
    let shown = match &args.db {
        Some(url) => format!(
            "the decision log of {}",
            credit_policy::serve::store::shown_url(url)
        ),
        None => format!("`{}`", log.display()),
    };
    if args.json {
        args.output.format = Some(Format::Json);
    }
    let format = args.output.resolve("replay", output::ROWS, Format::Table)?;
    let policy = load_policy(args.policy.as_ref())?;
    // Like a run, the log is read twice when the policy has group lines: the group pass first.
    let open = || {
        std::fs::File::open(&log).map(|f| {
            BufReader::new(credit_policy::safety::LineCap::new(
                f,
                credit_policy::safety::MAX_LINE,
            ))
        })
    };
    let r = replay(open, &policy).map_err(|e| {
        error(&format!("cannot read the audit log {shown}: {e}"));
        Exit::Error
    })?;
    let mut records: Vec<String> = r
        .moved
        .iter()
        .map(|m| output::record(m, &policy.identity))
        .collect();
    records.extend(r.chain.findings.iter().map(|f| {
        output::record(
            &serde_json::json!({"line": f.line, "tamper": f.tamper, "detail": f.detail}),
            &policy.identity,
        )
    }));
    records.extend(r.unreadable.iter().map(|(line, why)| {
        output::record(
            &serde_json::json!({"line": line, "unreadable": why}),
            &policy.identity,
        )
    }));
    let id = &policy.identity;
    let about = vec![
        ("policy_name".to_string(), id.name.clone()),
        ("policy_version".to_string(), id.version.clone()),
        ("policy_hash".to_string(), id.hash.clone()),
        (
            "log".to_string(),
            match &args.db {
                Some(url) => credit_policy::serve::store::shown_url(url),
                None => log.display().to_string(),
            },
        ),
    ];
    let view = View {
        text: render(&r, &policy),
        records,
        sheets: vec![sheet(&r)],
        about: (about, jiff::civil::date(2000, 1, 1)),
        doc: &r,
        html: None,
    };
    args.output.emit(format, view)?;
    if r.same == 0 && r.moved.is_empty() && !r.unreadable.is_empty() {
        credit_policy::errln!("every logged decision was unreadable: nothing replayed");
    }
    Ok(
        if r.chain.intact() && r.moved.is_empty() && r.unreadable.is_empty() {
            Exit::Ok
        } else {
            Exit::Rejects
        },
    )
}

/// The state of the log's chain, then what moved, for a person.
fn render(r: &Replay, policy: &Policy) -> String {
    let mut s = String::new();
    let c = &r.chain;
    if c.unchained > 0 && c.chained == 0 {
        let _ = writeln!(
            s,
            "chain: this log predates tamper evidence: its {} records have no seq, prev or hash, so it cannot be verified",
            c.unchained
        );
    } else if c.unchained > 0 {
        let _ = writeln!(
            s,
            "chain: the first {} records of this log predate tamper evidence (no seq, prev or hash) and cannot be verified",
            c.unchained
        );
    }
    if c.chained > 0 {
        if c.intact() {
            let last = c.last.as_ref().map_or(String::new(), |l| {
                format!(", last seq {} hash {}", l.seq, l.hash)
            });
            let _ = writeln!(s, "chain: intact: {} records{last}", c.chained);
        } else {
            let _ = writeln!(
                s,
                "chain: NOT INTACT: {} problem(s) in {} records",
                c.findings.len(),
                c.chained
            );
        }
    }
    for f in &c.findings {
        let _ = writeln!(s, "line {}: {}: {}", f.line, f.tamper.name(), f.detail);
    }
    let _ = writeln!(
        s,
        "{} logged decisions replayed under {} {} ({}): {} the same, {} moved, {} unreadable",
        r.records,
        policy.identity.name,
        policy.identity.version,
        policy.identity.hash,
        r.same,
        r.moved.len(),
        r.unreadable.len()
    );
    for m in &r.moved {
        let _ = writeln!(
            s,
            "line {}: client `{}`: {}",
            m.line,
            m.id,
            m.changes.join(", ")
        );
        for w in &m.why {
            let _ = writeln!(s, "    why: {w}");
        }
    }
    for (line, why) in &r.unreadable {
        let _ = writeln!(s, "line {line}: not replayed: {why}");
    }
    s
}

/// One row per decision that moved, then one per problem of the chain, then one per log line
/// not replayed.
fn sheet(r: &Replay) -> Sheet {
    let mut s = Sheet::new("replay", &["line", "id", "outcome", "changes", "why"]);
    for m in &r.moved {
        s.push(vec![
            Cell::Int(m.line as i64),
            m.id.as_str().into(),
            "moved".into(),
            m.changes.join(";").into(),
            m.why.join(";").into(),
        ]);
    }
    for f in &r.chain.findings {
        s.push(vec![
            Cell::Int(f.line as i64),
            Cell::Empty,
            f.tamper.name().into(),
            Cell::Empty,
            f.detail.as_str().into(),
        ]);
    }
    for (line, why) in &r.unreadable {
        s.push(vec![
            Cell::Int(*line as i64),
            Cell::Empty,
            "unreadable".into(),
            Cell::Empty,
            why.as_str().into(),
        ]);
    }
    s
}

/// Copies the decision log of the service's database at `url` into a temporary file, page by
/// page, in chain order.
fn copy_db_log(url: &str) -> Result<tempfile::NamedTempFile, Exit> {
    use std::io::Write as _;
    let fail = |e: String| {
        error(&format!(
            "cannot read the decision log of {}: {e}",
            credit_policy::serve::store::shown_url(url)
        ));
        Exit::Error
    };
    let mut file = tempfile::Builder::new()
        .prefix(".credit-policy-replay-")
        .suffix(".jsonl")
        .tempfile()
        .map_err(|e| fail(e.to_string()))?;
    credit_policy::safety::register_temp(file.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    rt.block_on(async {
        let store = credit_policy::serve::store::Store::open_existing(url)
            .await
            .map_err(|e| e.message)?;
        let mut after = 0i64;
        loop {
            let page = store
                .decision_log(after, 10_000)
                .await
                .map_err(|e| e.message)?;
            if page.is_empty() {
                return Ok(());
            }
            after += page.len() as i64;
            for line in page {
                writeln!(file, "{line}").map_err(|e| e.to_string())?;
            }
        }
    })
    .map_err(fail)?;
    Ok(file)
}
