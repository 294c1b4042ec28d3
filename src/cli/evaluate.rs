//! `credit-policy evaluate`: decide every client of a portfolio.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use credit_policy::report::totals::{self, Summary, Totals};
use credit_policy::report::{self, Format};
use credit_policy::run::{AuditLog, Run, RunError, Sinks};
use credit_policy::stream::{self, Item};

use super::output::{self, OutputArgs};
use super::{Exit, PolicyArgs, error, fail, load_policy};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also total by this input column (region, group, key_account or any other), after the
    /// totals by grade: in the table, and on the sheet `summary` of a workbook.
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
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
    #[arg(long, value_name = "N", value_parser = super::threads_in_range)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub input: super::InputArgs,
}

pub fn run(args: Args) -> Exit {
    go(args).unwrap_or_else(|e| e)
}

fn go(args: Args) -> Result<Exit, Exit> {
    let mut reads = args.input.named();
    reads.push(("--context", args.policy.context.as_deref()));
    args.output.guard(
        &reads,
        &[
            ("--rejects", args.rejects.as_deref()),
            ("--log", args.log.as_deref()),
        ],
    )?;
    let default = if io::stdout().is_terminal() {
        output::Format::Table
    } else {
        output::Format::Jsonl
    };
    let format = args
        .output
        .resolve("evaluate", output::ROWS, default)?
        .decisions()
        .ok_or(Exit::Error)?;
    if args.by.is_some() && !matches!(format, Format::Table | Format::Xlsx) {
        error(
            "`--by` totals show in the table and on the sheet `summary` of a workbook; add `--format table` or `--output FILE.xlsx`",
        );
        return Err(Exit::Error);
    }
    let policy = load_policy(args.policy.policy.as_ref())?;
    let mut setup = super::setup(&args.policy, &policy)?;
    let challenger = match (&args.challenger, &args.split) {
        (Some(dir), Some(split)) => Some((load_policy(Some(dir))?, split)),
        _ => None,
    };
    if let Some((p, split)) = &challenger {
        setup = setup
            .with_challenger(p, split, &args.split_salt)
            .map_err(fail)?;
    }
    let input = super::open_input(&args.input, &setup)?;
    let run = Run::start(&setup, &input, stream::threads(args.threads)).map_err(fail)?;
    let (rejects, rejects_target) = super::paths::rejects(args.rejects.as_deref())?;

    let (sink, temp): (Box<dyn Write>, Option<super::paths::Target>) = match &args.output.output {
        Some(path) => {
            match super::paths::Target::create(path).and_then(|t| t.file().map(|f| (t, f))) {
                Ok((t, f)) => (Box::new(BufWriter::with_capacity(1 << 16, f)), Some(t)),
                Err(e) => {
                    error(&format!("cannot write `{}`: {e}", path.display()));
                    return Err(Exit::Error);
                }
            }
        }
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
        setup.challenger.is_some(),
        &setup.context,
    );
    let log = match &args.log {
        Some(path) => Some(AuditLog::open(path, &setup.context).map_err(|e| {
            error(&e);
            Exit::Error
        })?),
        None => None,
    };
    let mut sinks = Sinks { rejects, log };

    let bar = progress_bar(input.size());
    let mut rows = 0u64;
    let mut totals = Totals::new(args.by.clone());
    let by = args.by.as_deref();
    // A `--by` column no client has: nothing is written.
    let mut by_error = None;
    let result = run
        .stream(
            &mut sinks,
            // On the worker threads: each decision rendered as the format writes it.
            // The client's value in the `--by` column goes along.
            |c, d| {
                let bytes = report::render(
                    format,
                    &d.decision,
                    &policy.identity,
                    setup.split(d.side).as_ref(),
                );
                (
                    bytes,
                    by.and_then(|col| credit_policy::compare::column_value(c, col)),
                )
            },
            |item| {
                if let Item::Decided((d, (bytes, value))) = item {
                    out.write_rendered(&d.decision, setup.split(d.side).as_ref(), &bytes)?;
                    totals.add(&d.decision, value);
                }
                rows += 1;
                if let Some(b) = &bar
                    && rows.is_multiple_of(4096)
                {
                    b.set_message(format!("{rows} rows"));
                }
                Ok(())
            },
            &|bytes| {
                if let Some(b) = &bar {
                    b.set_position(bytes);
                }
            },
        )
        .and_then(|tally| {
            if let Err(e) = totals.check_by() {
                by_error = Some(e);
                return Ok(tally);
            }
            let summary = Summary {
                totals,
                health: totals::health_note(&policy, &setup.context),
                rejected: tally.rejected,
            };
            run.groups()
                .map_or(Ok(()), |g| out.groups(g))
                .and_then(|()| out.summary(&summary))
                .and_then(|()| out.finish())
                .and_then(|()| sinks.flush())
                .map(|()| tally)
                .map_err(RunError::Output)
        });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    super::show_warnings(&run);
    drop(out);
    let tally = match result {
        Ok(t) => t,
        Err(RunError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(Exit::Ok),
        Err(e) => {
            error(&format!("{e}; the output is incomplete"));
            return Err(Exit::Error);
        }
    };
    if let Some(e) = by_error {
        error(&e);
        return Err(Exit::Error);
    }
    if let (Some(t), Some(path)) = (temp, &args.output.output)
        && let Err(e) = t.commit()
    {
        error(&format!(
            "cannot move the output into `{}`: {e}",
            path.display(),
        ));
        return Err(Exit::Error);
    }
    super::paths::commit_rejects(rejects_target, args.rejects.as_deref())?;
    // The output is delivered: only now are its decisions recorded in the audit log.
    if let (Some(log), Some(path)) = (sinks.log.take(), &args.log)
        && let Err(e) = log.commit()
    {
        error(&format!(
            "cannot append to the audit log `{}`: {e}; the output was written",
            path.display()
        ));
        return Err(Exit::Error);
    }
    if tally.rejected > 0 || io::stderr().is_terminal() {
        let whither = match &args.rejects {
            Some(p) => format!(" (listed in `{}`)", p.display()),
            None => String::new(),
        };
        if tally.decided == 0 && tally.rejected > 0 {
            credit_policy::errln!(
                "every row was rejected: nothing decided; {} row(s) rejected{whither}",
                tally.rejected
            );
        } else {
            credit_policy::errln!(
                "{} client(s) decided, {} row(s) rejected{whither}",
                tally.decided,
                tally.rejected
            );
        }
    }
    Ok(if tally.rejected > 0 {
        Exit::Rejects
    } else {
        Exit::Ok
    })
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
