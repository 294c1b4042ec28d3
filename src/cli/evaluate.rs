//! `credit-policy evaluate`: decide every client of a portfolio.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use credit_policy::audit;
use credit_policy::client::{Client, ClientReader, InputError, Reject};
use credit_policy::compare::takes_challenger;
use credit_policy::context::Context;
use credit_policy::engine::group::GroupLines;
use credit_policy::engine::{EvalError, Evaluator};
use credit_policy::policy::Policy;
use credit_policy::report::{self, Format, Split};
use credit_policy::stream::{self, Item, StreamError, groups};
use rust_decimal::Decimal;

use super::{EXIT_ERROR, EXIT_OK, EXIT_REJECTS, PolicyArgs, error, load_context, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format [default: table on a terminal, else jsonl; with --output, from its extension]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write decisions to FILE (written whole, then moved into place) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write rejected rows to FILE as JSON Lines {line, id, field, reason} instead of standard error.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Champion/challenger: a second policy that decides a stable share of clients.
    #[arg(long, value_name = "DIR", requires = "split")]
    pub challenger: Option<PathBuf>,
    /// The percent of clients the challenger decides, chosen by a hash of the client id.
    #[arg(long, value_name = "PERCENT", requires = "challenger")]
    pub split: Option<String>,
    /// The salt of that hash: change it to draw a new slice of clients.
    #[arg(long, value_name = "SALT", default_value = "credit-policy")]
    pub split_salt: String,
    /// Append one audit record per decision to FILE (JSON Lines): when, the engine and policy,
    /// the context, the client's fields and their hash, the decision. See `replay`.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Worker threads [default: one per core]; the output is the same for any number.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// The sheet of an Excel INPUT to read [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// The clients: CSV with a header row, a JSON array, JSON Lines, or an Excel workbook
    /// (.xlsx); `-` reads standard input.
    #[arg(value_name = "INPUT")]
    pub input: String,
}

/// Where rejects go: a JSON Lines file, or standard error in plain words.
pub enum RejectSink {
    File(BufWriter<File>),
    Stderr,
}

impl RejectSink {
    /// The rejects file given with `--rejects`, or standard error.
    pub fn open(path: Option<&Path>) -> Result<RejectSink, String> {
        match path {
            Some(p) => File::create(p)
                .map(|f| RejectSink::File(BufWriter::new(f)))
                .map_err(|e| format!("cannot write the rejects file `{}`: {e}", p.display())),
            None => Ok(RejectSink::Stderr),
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            RejectSink::File(f) => f.flush(),
            RejectSink::Stderr => Ok(()),
        }
    }

    pub fn write(&mut self, r: &Reject) -> io::Result<()> {
        match self {
            RejectSink::File(f) => {
                serde_json::to_writer(&mut *f, r)?;
                f.write_all(b"\n")
            }
            RejectSink::Stderr => {
                let id =
                    r.id.as_deref()
                        .map_or(String::new(), |i| format!(" (id `{i}`)"));
                let field = if r.field.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", r.field)
                };
                writeln!(
                    io::stderr(),
                    "rejected: line {}{id}: {field}{}",
                    r.line,
                    r.reason
                )
            }
        }
    }
}

/// A client whose rules failed is rejected with the script's position.
pub fn script_reject(line: u64, e: EvalError) -> Reject {
    let EvalError::Script { client, failure } = e;
    Reject {
        line,
        id: Some(client),
        field: format!(
            "script {}:{}:{}",
            failure.file, failure.line, failure.column
        ),
        reason: format!(
            "a policy rule failed: {}; fix the script, this client was not decided",
            failure.message
        ),
    }
}

pub fn run(args: Args) -> u8 {
    let Ok(policy) = load_policy(args.policy.policy.as_ref()) else {
        return EXIT_ERROR;
    };
    let Ok(ctx) = load_context(&args.policy, &policy) else {
        return EXIT_ERROR;
    };
    if let Err(e) = Evaluator::new(&policy, &ctx) {
        error(&e.to_string());
        return EXIT_ERROR;
    }
    let challenger = match (&args.challenger, &args.split) {
        (Some(dir), Some(split)) => {
            let Ok(p) = load_policy(Some(dir)) else {
                return EXIT_ERROR;
            };
            let percent = match credit_policy::money::parse_decimal(split.trim_end_matches('%')) {
                Ok(v) if v >= Decimal::ZERO && v <= Decimal::ONE_HUNDRED => v,
                _ => {
                    error(&format!("--split `{split}` is not a percent from 0 to 100"));
                    return EXIT_ERROR;
                }
            };
            if let Err(e) = Evaluator::new(&p, &ctx) {
                error(&format!("the challenger: {e}"));
                return EXIT_ERROR;
            }
            Some((p, percent))
        }
        _ => None,
    };
    // Group lines need every member's line first: a run that checks groups reads the input
    // twice, standard input kept in a temporary file (see `stream::groups`).
    let spooled = match (&policy.groups, args.input.as_str()) {
        (Some(_), "-") => match groups::spool_stdin() {
            Ok(f) => Some(f),
            Err(e) => {
                error(&format!(
                    "cannot keep standard input in a temporary file: {e}"
                ));
                return EXIT_ERROR;
            }
        },
        _ => None,
    };
    let input = spooled.as_ref().map_or_else(
        || args.input.clone(),
        |f| f.path().to_string_lossy().into_owned(),
    );
    let open = || ClientReader::open_with(&input, args.sheet.as_deref());
    // Messages name standard input as the user gave it, not its temporary file.
    let shown = |message: String| match &spooled {
        Some(_) => message.replace(&input, "-"),
        None => message,
    };
    let threads = stream::threads(args.threads);
    let group_lines = match group_pass(
        &open,
        (&policy, &ctx),
        challenger.as_ref(),
        &args.split_salt,
        threads,
    ) {
        Ok(g) => g,
        Err(e) => {
            error(&shown(e));
            return EXIT_ERROR;
        }
    };
    let reader = match open() {
        Ok(r) => r,
        Err(e) => {
            error(&shown(e.to_string()));
            return EXIT_ERROR;
        }
    };
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, Some(path)) => match Format::from_path(&path.to_string_lossy()) {
            Some(f) => f,
            None => {
                error(&format!(
                    "cannot tell the format of `{}` from its name; add `--format json|jsonl|csv|xlsx|table`",
                    path.display()
                ));
                return EXIT_ERROR;
            }
        },
        (None, None) if io::stdout().is_terminal() => Format::Table,
        (None, None) => Format::Jsonl,
    };
    if format == Format::Xlsx && args.output.is_none() {
        error("`--format xlsx` writes a workbook, which needs a file: add `--output FILE.xlsx`");
        return EXIT_ERROR;
    }
    let mut rejects = match RejectSink::open(args.rejects.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            error(&e);
            return EXIT_ERROR;
        }
    };

    let (sink, temp): (Box<dyn Write>, Option<tempfile::NamedTempFile>) = match &args.output {
        Some(path) => match super::temp_beside(path).and_then(|t| t.reopen().map(|f| (t, f))) {
            Ok((t, f)) => (Box::new(BufWriter::with_capacity(1 << 16, f)), Some(t)),
            Err(e) => {
                error(&format!("cannot write `{}`: {e}", path.display()));
                return EXIT_ERROR;
            }
        },
        None => (
            Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
            None,
        ),
    };
    let mut out = report::writer_in(
        format,
        sink,
        &policy.identity,
        &policy.currency,
        challenger.is_some(),
        &ctx,
    );

    let mut log = match &args.log {
        Some(path) => match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(f) => Some(BufWriter::new(f)),
            Err(e) => {
                error(&format!(
                    "cannot open the audit log `{}`: {e}",
                    path.display()
                ));
                return EXIT_ERROR;
            }
        },
        None => None,
    };
    let logging = log.is_some();
    let at = jiff::Timestamp::now().to_string();
    let context_log = audit::ContextLog::new(&ctx);
    let (at, context_log) = (&at, &context_log);

    // One engine per thread: the champion, and the challenger when there is one.
    let salt = args.split_salt.as_str();
    let make_worker = || -> Result<_, String> {
        let mut champion = Evaluator::new(&policy, &ctx).map_err(|e| e.to_string())?;
        let mut second = match &challenger {
            Some((p, percent)) => Some((
                Evaluator::new(p, &ctx).map_err(|e| e.to_string())?,
                &p.identity,
                *percent,
            )),
            None => None,
        };
        let champion_id = &policy.identity;
        let group_lines = group_lines.as_ref();
        Ok(move |c: &Client| {
            let (decided, split) = match &mut second {
                Some((ev, identity, percent)) => {
                    let takes = takes_challenger(&c.id, salt, *percent);
                    let split = Split {
                        side: if takes { "challenger" } else { "champion" },
                        champion: champion_id,
                        challenger: identity,
                    };
                    let d = if takes {
                        ev.decide(c)
                    } else {
                        champion.decide(c)
                    };
                    (d, Some(split))
                }
                None => (champion.decide(c), None),
            };
            let mut d = decided.map_err(|e| script_reject(c.line, e))?;
            if let Some(g) = group_lines {
                g.apply(&mut d, c.group.as_deref());
            }
            let bytes = report::render(format, &d, champion_id, split.as_ref());
            let deciding = split.as_ref().map_or(champion_id, |s| s.policy());
            let record = logging.then(|| audit::record_line(at, deciding, context_log, c, &d));
            Ok((d, split, bytes, record))
        })
    };

    let bar = progress_bar(reader.size);
    let (mut decided, mut rejected) = (0u64, 0u64);
    let result = stream::run(
        reader,
        stream::threads(args.threads),
        make_worker,
        |item| {
            match item {
                Item::Decided((d, split, bytes, record)) => {
                    out.write_rendered(&d, split.as_ref(), &bytes)?;
                    if let (Some(log), Some(record)) = (&mut log, record) {
                        log.write_all(record.as_bytes())?;
                        log.write_all(b"\n")?;
                    }
                    decided += 1;
                }
                Item::Rejected(r) => {
                    rejects.write(&r)?;
                    rejected += 1;
                }
            }
            if let Some(b) = &bar
                && (decided + rejected) % 4096 == 0
            {
                b.set_message(format!("{} rows", decided + rejected));
            }
            Ok(())
        },
        &|bytes| {
            if let Some(b) = &bar {
                b.set_position(bytes);
            }
        },
    )
    .map_err(|e| match e {
        StreamError::Output(e) => io_text(e),
        other => shown(other.to_string()),
    })
    .and_then(|()| {
        group_lines
            .as_ref()
            .map_or(Ok(()), |g| out.groups(g))
            .map_err(io_text)
    })
    .and_then(|()| out.finish().map_err(io_text))
    .and_then(|()| rejects.flush().map_err(io_text))
    .and_then(|()| log.as_mut().map_or(Ok(()), |l| l.flush()).map_err(io_text));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    drop(out);
    if let Err(e) = result {
        if e == BROKEN_PIPE {
            return EXIT_OK;
        }
        error(&format!("{e}; the output is incomplete"));
        return EXIT_ERROR;
    }
    if let (Some(t), Some(path)) = (temp, &args.output)
        && let Err(e) = t.persist(path)
    {
        error(&format!(
            "cannot move the output into `{}`: {}",
            path.display(),
            e.error
        ));
        return EXIT_ERROR;
    }
    if rejected > 0 || io::stderr().is_terminal() {
        let whither = match &args.rejects {
            Some(p) => format!(" (listed in `{}`)", p.display()),
            None => String::new(),
        };
        eprintln!("{decided} client(s) decided, {rejected} row(s) rejected{whither}");
    }
    if rejected > 0 { EXIT_REJECTS } else { EXIT_OK }
}

/// The first pass of a run that checks group lines (`[groups]` in the policy, a `group` column
/// in the input): every group's line, from every member decided as the second pass will decide
/// it (by the champion, or for its share by the challenger). `None` when there is nothing to
/// check.
fn group_pass(
    open: &dyn Fn() -> Result<ClientReader, InputError>,
    (policy, ctx): (&Policy, &Context),
    challenger: Option<&(Policy, Decimal)>,
    salt: &str,
    threads: usize,
) -> Result<Option<GroupLines>, String> {
    if policy.groups.is_none() {
        return Ok(None);
    }
    let reader = open().map_err(|e| e.to_string())?;
    if !groups::names_groups(reader).map_err(|e| e.to_string())? {
        return Ok(None);
    }
    let make_decide = || -> Result<_, String> {
        let mut champion = Evaluator::new(policy, ctx).map_err(|e| e.to_string())?;
        let mut second = match challenger {
            Some((p, percent)) => {
                Some((Evaluator::new(p, ctx).map_err(|e| e.to_string())?, *percent))
            }
            None => None,
        };
        Ok(move |c: &Client| {
            let decided = match &mut second {
                Some((ev, percent)) if takes_challenger(&c.id, salt, *percent) => ev.decide(c),
                _ => champion.decide(c),
            };
            decided.map_err(|e| script_reject(c.line, e))
        })
    };
    groups::group_lines(open, policy, threads, make_decide).map_err(|e| e.to_string())
}

/// A progress bar on standard error for a long run on a terminal; none otherwise.
pub fn progress_bar(size: Option<u64>) -> Option<indicatif::ProgressBar> {
    let size = size.filter(|s| *s > 4 << 20)?;
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(size);
    let style = indicatif::ProgressStyle::with_template(
        "{bar:40} {percent:>3}% {msg} ({binary_bytes_per_sec}, {eta} left)",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

const BROKEN_PIPE: &str = "broken pipe";

fn io_text(e: io::Error) -> String {
    if e.kind() == io::ErrorKind::BrokenPipe {
        BROKEN_PIPE.to_string()
    } else {
        e.to_string()
    }
}
