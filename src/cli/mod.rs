//! The command line: argument parsing, the pieces every subcommand shares (finding and loading
//! the policy, the context, showing diagnostics), and the exit codes. One file per subcommand.

mod channel;
mod check;
mod compare;
mod diff;
mod evaluate;
mod exit;
mod explain;
mod init;
mod order;
mod replay;
mod review;
mod test;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use credit_policy::context::Context;
use credit_policy::policy::{Diagnostic, Policy, Severity};

/// Every row decided; for `check`, a clean policy.
pub const EXIT_OK: u8 = 0;
/// Some input rows were rejected (they are listed with line, field and reason); the rest were decided.
pub const EXIT_REJECTS: u8 = 1;
/// Nothing was decided: the policy, the context, the input file or the arguments are wrong.
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "credit-policy",
    version,
    about = "Grade clients, set credit lines and say what credit control must do, from a policy you edit"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decide every client of a portfolio: grade, line, terms, actions and reasons.
    Evaluate(evaluate::Args),
    /// Compare two policies (or two scenarios) on the whole portfolio.
    Compare(compare::Args),
    /// Check a policy folder and report every problem at once.
    Check(check::Args),
    /// Run a policy's own test cases (DIR/tests/*.toml).
    Test(test::Args),
    /// Show the full path of one client's decision, and what would earn the next grade.
    Explain(explain::Args),
    /// Write a copy of the standard policy to start from.
    Init(init::Args),
    /// Show what changed between two policy folders.
    Diff(diff::Args),
    /// Decide the clients of an audit log again and report any decision that would now differ.
    Replay(replay::Args),
    /// Check an incoming order (or a batch) against the client's line.
    ///
    /// The outcome is release, release with approval, prepayment only, or hold. Exit 0 when
    /// every order is released, 3 when one is not, 1 when a row is rejected, 2 on an error.
    Order(order::Args),
    /// List the credit reviews overdue or falling due soon, most urgent first.
    Review(review::Args),
    /// Print the exit steps for every client under `terminate`, with its amounts.
    Exit(exit::Args),
    /// Screen the largest clients for fake volume: sell-through, cross-region sales, inventory
    /// and receivables growing faster than sales, most doubtful first.
    ///
    /// Most doubtful first: most signs raised, then lowest sell-through (unknown last), then
    /// largest annual sales. The thresholds are the policy's `[params]`, the same the policy's
    /// rules compare against when they put a client on `watch`.
    Channel(channel::Args),
}

/// Where to find the policy and what holds for everyone: shared by every command that decides.
#[derive(clap::Args, Debug, Clone)]
pub struct PolicyArgs {
    /// The policy folder [default: $CREDIT_POLICY, else policies/standard]
    #[arg(long, value_name = "DIR")]
    pub policy: Option<PathBuf>,
    /// A context file (TOML): as_of, economy, [company].
    #[arg(long, value_name = "FILE")]
    pub context: Option<PathBuf>,
    /// The as-of date, YYYY-MM-DD (overrides the context file; default today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// The economy: `normal` or an overlay of the policy such as `recession` (overrides the context file).
    #[arg(long, value_name = "NAME")]
    pub economy: Option<String>,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Evaluate(args) => evaluate::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Check(args) => check::run(args),
        Command::Test(args) => test::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Init(args) => init::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Order(args) => order::run(args),
        Command::Review(args) => review::run(args),
        Command::Exit(args) => exit::run(args),
        Command::Channel(args) => channel::run(args),
    };
    ExitCode::from(code)
}

/// The policy folder the user means: `--policy`, else `$CREDIT_POLICY`, else `policies/standard`.
pub fn policy_dir(arg: Option<&PathBuf>) -> Result<PathBuf, String> {
    if let Some(p) = arg {
        return Ok(p.clone());
    }
    if let Some(p) = std::env::var_os("CREDIT_POLICY").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let default = PathBuf::from("policies/standard");
    if default.join("policy.toml").is_file() {
        return Ok(default);
    }
    Err("no policy given and there is no `policies/standard` here; pass `--policy DIR`, set `CREDIT_POLICY=DIR`, or run `credit-policy init policies/standard`".into())
}

/// Loads the policy, showing every problem; warnings are shown and do not stop the load.
pub fn load_policy(arg: Option<&PathBuf>) -> Result<Policy, u8> {
    let dir = policy_dir(arg).map_err(|e| {
        error(&e);
        EXIT_ERROR
    })?;
    match Policy::load(&dir) {
        Ok(p) => {
            show_diagnostics(&p.warnings);
            Ok(p)
        }
        Err(e) => {
            show_diagnostics(&e.diagnostics);
            error(&format!("{e}; nothing was done"));
            Err(EXIT_ERROR)
        }
    }
}

/// The context from `--context`, `--as-of` and `--economy`, checked against the policy.
pub fn load_context(args: &PolicyArgs, policy: &Policy) -> Result<Context, u8> {
    let mut ctx = match &args.context {
        Some(path) => Context::load(path).map_err(|d| {
            show_diagnostics(&[d]);
            EXIT_ERROR
        })?,
        None => Context::today(),
    };
    if let Some(d) = &args.as_of {
        ctx.as_of = credit_policy::client::parse_date(d).map_err(|e| {
            error(&format!("--as-of: {e}"));
            EXIT_ERROR
        })?;
    }
    if let Some(e) = &args.economy {
        ctx.economy = e.clone();
    }
    ctx.overlay(policy).map_err(|e| {
        error(&e);
        EXIT_ERROR
    })?;
    Ok(ctx)
}

/// Prints to standard output; a closed pipe (`| head`) ends the program quietly with exit 0,
/// as it is not an error.
#[macro_export]
macro_rules! outln {
    () => { $crate::cli::out("\n") };
    ($($arg:tt)*) => { $crate::cli::out(&format!("{}\n", format_args!($($arg)*))) };
}

/// Writes `text` to standard output; see [`outln!`].
pub fn out(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(i32::from(EXIT_OK));
        }
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(i32::from(EXIT_ERROR));
    }
}

/// A compiled evaluator, or the error shown and the exit code.
pub fn evaluator<'p>(
    policy: &'p Policy,
    ctx: &Context,
) -> Result<credit_policy::engine::Evaluator<'p>, u8> {
    credit_policy::engine::Evaluator::new(policy, ctx).map_err(|e| {
        error(&e.to_string());
        EXIT_ERROR
    })
}

/// The clients of INPUT (the sheet of a workbook when given), or the error shown.
pub fn open_input(
    input: &str,
    sheet: Option<&str>,
) -> Result<credit_policy::client::ClientReader, u8> {
    credit_policy::client::ClientReader::open_with(input, sheet).map_err(|e| {
        error(&e.to_string());
        EXIT_ERROR
    })
}

/// A plain error line on standard error.
pub fn error(message: &str) {
    eprintln!("error: {message}");
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Shows diagnostics on standard error, each with its file, line and column and the source line
/// with the spot marked.
pub fn show_diagnostics(diags: &[Diagnostic]) {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = if color() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    for d in diags {
        let mut out = String::new();
        let rendered = Rendered::new(d);
        if handler.render_report(&mut out, &rendered).is_err() {
            out = d.to_string();
        }
        eprintln!(
            "{}",
            d.location().map_or(String::new(), |l| format!("{l}:"))
        );
        eprintln!("{out}");
    }
}

/// A diagnostic in the form `miette` draws.
#[derive(Debug)]
struct Rendered {
    message: String,
    help: Option<String>,
    severity: Severity,
    source: Option<miette::NamedSource<String>>,
    span: Option<miette::SourceSpan>,
}

impl Rendered {
    fn new(d: &Diagnostic) -> Rendered {
        Rendered {
            message: d.message.clone(),
            help: d.help.clone(),
            severity: d.severity,
            source: d
                .file
                .as_ref()
                .map(|f| miette::NamedSource::new(&f.name, f.text.clone()).with_language("toml")),
            span: d
                .span
                .as_ref()
                .map(|s| (s.start, s.end.saturating_sub(s.start)).into()),
        }
    }
}

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.span
            .and(self.source.as_ref().map(|s| s as &dyn miette::SourceCode))
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some("here".into()), span),
        )))
    }
}

/// A temporary file in the same folder as `path`, so the final rename stays on one disk.
pub fn temp_beside(path: &std::path::Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut b = tempfile::Builder::new();
    b.prefix(".credit-policy-").suffix(".tmp");
    // An output file is an ordinary file (the umask still applies), not a private temporary.
    #[cfg(unix)]
    b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    b.tempfile_in(dir)
}

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it, then a rename.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut t = temp_beside(path)?;
    t.write_all(bytes)?;
    t.flush()?;
    t.persist(path).map_err(|e| e.error)?;
    Ok(())
}
