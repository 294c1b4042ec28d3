//! `credit-policy evaluate`: decide every client of a portfolio.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use credit_policy::client::{ClientReader, Reject, Row};
use credit_policy::compare::takes_challenger;
use credit_policy::engine::{EvalError, Evaluator};
use credit_policy::report::{self, Format, Split};

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
    /// The clients: CSV with a header row, a JSON array, or JSON Lines; `-` reads standard input.
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
    let mut evaluator = match Evaluator::new(&policy, &ctx) {
        Ok(e) => e,
        Err(e) => {
            error(&e.to_string());
            return EXIT_ERROR;
        }
    };
    let challenger_policy = match &args.challenger {
        Some(dir) => match load_policy(Some(dir)) {
            Ok(p) => Some(p),
            Err(code) => return code,
        },
        None => None,
    };
    let mut challenger = match (&challenger_policy, &args.split) {
        (Some(p), Some(split)) => {
            let percent = match credit_policy::money::parse_decimal(split.trim_end_matches('%')) {
                Ok(v)
                    if v >= rust_decimal::Decimal::ZERO
                        && v <= rust_decimal::Decimal::ONE_HUNDRED =>
                {
                    v
                }
                _ => {
                    error(&format!("--split `{split}` is not a percent from 0 to 100"));
                    return EXIT_ERROR;
                }
            };
            if let Err(e) = ctx.overlay(p) {
                error(&format!("the challenger: {e}"));
                return EXIT_ERROR;
            }
            match Evaluator::new(p, &ctx) {
                Ok(ev) => Some((ev, &p.identity, percent)),
                Err(e) => {
                    error(&format!("the challenger: {e}"));
                    return EXIT_ERROR;
                }
            }
        }
        _ => None,
    };
    let reader = match ClientReader::open(&args.input) {
        Ok(r) => r,
        Err(e) => {
            error(&e.to_string());
            return EXIT_ERROR;
        }
    };
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, Some(path)) => match Format::from_path(&path.to_string_lossy()) {
            Some(f) => f,
            None => {
                error(&format!(
                    "cannot tell the format of `{}` from its name; add `--format json|jsonl|csv|table`",
                    path.display()
                ));
                return EXIT_ERROR;
            }
        },
        (None, None) if io::stdout().is_terminal() => Format::Table,
        (None, None) => Format::Jsonl,
    };
    let mut rejects = match RejectSink::open(args.rejects.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            error(&e);
            return EXIT_ERROR;
        }
    };

    let (sink, temp): (Box<dyn Write>, Option<tempfile::NamedTempFile>) = match &args.output {
        Some(path) => match super::temp_beside(path) {
            Ok(t) => match t.reopen() {
                Ok(f) => (Box::new(BufWriter::new(f)), Some(t)),
                Err(e) => {
                    error(&format!("cannot write `{}`: {e}", path.display()));
                    return EXIT_ERROR;
                }
            },
            Err(e) => {
                error(&format!("cannot write `{}`: {e}", path.display()));
                return EXIT_ERROR;
            }
        },
        None => (Box::new(BufWriter::new(io::stdout().lock())), None),
    };
    let mut out = report::writer(
        format,
        sink,
        &policy.identity,
        &policy.currency,
        challenger.is_some(),
    );

    let (mut decided, mut rejected) = (0u64, 0u64);
    let result = (|| -> Result<(), String> {
        for row in reader {
            match row.map_err(|e| e.to_string())? {
                Row::Client(c) => {
                    let decided_by = match &mut challenger {
                        Some((ev, identity, percent))
                            if takes_challenger(&c.id, &args.split_salt, *percent) =>
                        {
                            let split = Split {
                                side: "challenger",
                                champion: &policy.identity,
                                challenger: identity,
                            };
                            ev.decide(&c).map(|d| (d, Some(split)))
                        }
                        Some((_, identity, _)) => {
                            let split = Split {
                                side: "champion",
                                champion: &policy.identity,
                                challenger: identity,
                            };
                            evaluator.decide(&c).map(|d| (d, Some(split)))
                        }
                        None => evaluator.decide(&c).map(|d| (d, None)),
                    };
                    match decided_by {
                        Ok((d, split)) => {
                            out.write(&d, split.as_ref()).map_err(io_text)?;
                            decided += 1;
                        }
                        Err(e) => {
                            rejects.write(&script_reject(c.line, e)).map_err(io_text)?;
                            rejected += 1;
                        }
                    }
                }
                Row::Reject(r) => {
                    rejects.write(&r).map_err(io_text)?;
                    rejected += 1;
                }
            }
        }
        out.finish().map_err(io_text)?;
        rejects.flush().map_err(io_text)?;
        Ok(())
    })();
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

const BROKEN_PIPE: &str = "broken pipe";

fn io_text(e: io::Error) -> String {
    if e.kind() == io::ErrorKind::BrokenPipe {
        BROKEN_PIPE.to_string()
    } else {
        e.to_string()
    }
}
