//! The command line: argument parsing, the pieces every subcommand shares (loading the policy
//! and the context through [`credit_policy::run`] and showing what went wrong, the tail of the
//! commands that act on a whole portfolio), and the exit codes ([`Exit`]). One file per
//! subcommand: its arguments and how it renders; every decision comes from a run.

mod backtest;
mod channel;
mod check;
mod compare;
mod diff;
mod evaluate;
mod exit;
mod explain;
mod init;
mod input;
mod order;
mod output;
mod paths;
mod replay;
mod review;
mod serve;
mod spill;
mod test;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use credit_policy::context::Context;
use credit_policy::policy::{Diagnostic, Policy, Severity};
use credit_policy::run::{self, Book, Input, RejectSink, RunError, Setup, SetupError, Sources};

/// How the program ends: the exit codes documented in the README ("Exit codes"), where a table
/// lists every code of every command (checked by `tests/cli/exit_codes.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: every row was decided (an input with no row at all too). For `order`, every order is
    /// released; for `check`, the policy has no error; for `test`, every case passes; for
    /// `diff`, the policies are identical; for `replay`, every logged decision comes out the
    /// same; for `init`, the policy was written. A closed output pipe is not an error either.
    Ok = 0,
    /// 1: some input rows were rejected (listed with line, field and reason); every other row
    /// was decided. Also when every row was rejected: the command says `every row was
    /// rejected: nothing decided`, never a result for nobody. For `order` and `explain`, the
    /// row of the client asked about is rejected; for `test`, a case fails; for `diff`, the
    /// policies differ; for `replay`, the log's hash chain is broken, a decision moved or a log
    /// line could not be replayed.
    Rejects = 1,
    /// 2: nothing was done: the policy, the context, the input file, the arguments or the
    /// output file are wrong (the message says where and how to fix it).
    Error = 2,
    /// 3: `order` only: an order (or some order of a batch) is not released: it needs
    /// approval, prepayment, or is held.
    NotReleased = 3,
    /// 4: the run finished and its outputs are complete, but messages to standard error were
    /// lost (a closed pipe, a full disk): warnings or the list of rejected rows may be missing.
    /// Replaces 0 and 1 (whose explanation was on standard error); 2 and 3 are kept, as they
    /// say more. Rerun with standard error to a file, or with `--rejects FILE`.
    MessagesLost = 4,
}

impl Exit {
    /// The code to end with once the command is done: [`Exit::MessagesLost`] when standard
    /// error lost `lost` messages and the code would otherwise be 0 or 1.
    pub fn with_lost_messages(self, lost: usize) -> Exit {
        match self {
            Exit::Ok | Exit::Rejects if lost > 0 => Exit::MessagesLost,
            other => other,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

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
    /// Backtest policies on known outcomes: bad rate and loss by grade, AUC, Gini and KS,
    /// credit granted to clients that went bad against business turned away, cut-offs, PSI.
    ///
    /// Exit 0 when every row of both files was used, 1 when rows were rejected or outcomes
    /// name unknown clients (each listed), 2 on an error.
    Backtest(backtest::Args),
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
    /// Serve credit control over HTTP for the ERP: decide, check orders, keep the exposure
    /// ledger, approvals and the decision log in a database.
    ///
    /// Prints `listening on http://ADDR` once ready; stops cleanly on SIGINT or SIGTERM (exit
    /// 0). Exit 2 when it cannot start: the policy, the database, the tokens or the address.
    Serve(serve::Args),
}

/// Where to find the policy and what holds for everyone: shared by every command that decides.
#[derive(clap::Args, Debug, Clone)]
pub struct PolicyArgs {
    /// The policy folder [default: $CREDIT_POLICY, else policies/standard, else the built-in standard policy]
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

impl PolicyArgs {
    /// What the run loads, as the user named it.
    pub fn sources(&self) -> Sources {
        Sources {
            policy: self.policy.clone(),
            context: self.context.clone(),
            as_of: self.as_of.clone(),
            economy: self.economy.clone(),
        }
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    // SIGINT and SIGTERM: the temporary files of the run are removed, nothing is moved into
    // place, and the program ends with 130.
    // `serve` handles both itself, to finish the requests in flight and end with 0.
    if !matches!(cli.command, Command::Serve(_)) {
        let _ = ctrlc::set_handler(|| {
            credit_policy::safety::remove_temps();
            std::process::exit(130);
        });
    }
    let code = match cli.command {
        Command::Evaluate(args) => evaluate::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Backtest(args) => backtest::run(args),
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
        Command::Serve(args) => serve::run(args),
    };
    code.with_lost_messages(credit_policy::safety::stderr_lost())
        .into()
}

/// Shows why a run could not start or stopped, and gives the exit code: nothing was decided.
pub fn fail(e: impl Into<RunError>) -> Exit {
    match e.into() {
        RunError::Setup(SetupError::Policy(e)) => {
            show_diagnostics(&e.diagnostics);
            error(&format!("{e}; nothing was done"));
        }
        RunError::Setup(SetupError::Context(ds)) => show_diagnostics(&ds),
        RunError::Setup(SetupError::AsOf(e)) => error(&format!("--as-of: {e}")),
        other => error(&other.to_string()),
    }
    Exit::Error
}

/// Loads the policy, showing every problem; warnings are shown and do not stop the load. The
/// built-in standard policy, when no folder is given or found, is named on standard error.
pub fn load_policy(dir: Option<&PathBuf>) -> Result<Policy, Exit> {
    let p = run::load_policy(dir.map(PathBuf::as_path)).map_err(fail)?;
    show_diagnostics(&p.warnings);
    if p.built_in {
        credit_policy::errln!("note: {}", run::built_in_note(&p));
    }
    Ok(p)
}

/// The context from `--context`, `--as-of` and `--economy`, checked against the policy.
pub fn load_context(args: &PolicyArgs, policy: &Policy) -> Result<Context, Exit> {
    run::load_context(&args.sources(), policy).map_err(fail)
}

/// The policy and context of `args`, checked to start: what decides every client of a run.
pub fn setup<'p>(args: &PolicyArgs, policy: &'p Policy) -> Result<Setup<'p>, Exit> {
    let ctx = load_context(args, policy)?;
    Setup::new(policy, ctx).map_err(fail)
}

pub use input::InputArgs;

/// The clients of INPUT as `setup` will read them, checked; notes on its columns shown.
pub fn open_input(input: &InputArgs, setup: &Setup<'_>) -> Result<Input, Exit> {
    input.open(&[setup])
}

/// Every client of `input` decided under `setup` with its group line applied, on every core:
/// the portfolio the credit-control commands, `explain` and `order` act on. The rows decided
/// with a warning are shown.
pub fn decide<'a>(setup: &'a Setup<'a>, input: &'a Input) -> Result<Book<'a>, Exit> {
    let book = run::Run::start(setup, input, credit_policy::stream::threads(None))
        .and_then(run::Run::book)
        .map_err(fail)?;
    input::show_warnings(book.warnings());
    Ok(book)
}

/// The rows of a streaming run decided with a warning, shown once at its end.
pub fn show_warnings(run: &run::Run<'_>) {
    input::show_warnings(&run.take_warnings());
}

/// What a command says, on standard output, when every row of its input was rejected: never
/// a table of nobody, nor a result (no review due, no exit to plan) that nobody was looked at
/// for.
pub fn nothing_decided(rejected: usize, identity: &credit_policy::policy::Identity) -> String {
    format!(
        "every row was rejected: nothing decided ({rejected} row(s) rejected)\npolicy {} {} ({})\n",
        identity.name, identity.version, identity.hash
    )
}

/// The tail of the commands that act on a whole decided portfolio (`review`, `exit`,
/// `channel`): every rejected row listed on standard error, the result written (see
/// [`output::OutputArgs::emit`]), and exit 1 when a row was rejected, saying what that means
/// for the result (`left_out`), or that nothing was decided when every row was rejected.
pub fn portfolio_tail<D: serde::Serialize>(
    book: &Book<'_>,
    identity: &credit_policy::policy::Identity,
    out: &output::OutputArgs,
    format: output::Format,
    mut view: output::View<'_, D>,
    left_out: &str,
) -> Exit {
    let rejects = book.rejects();
    let none_decided = book.decided().next().is_none() && !rejects.is_empty();
    if none_decided {
        view.text = nothing_decided(rejects.len(), identity);
    }
    let mut sink = RejectSink::Stderr;
    for r in rejects {
        let _ = sink.write(r);
    }
    if let Err(e) = out.emit(format, view) {
        return e;
    }
    if rejects.is_empty() {
        Exit::Ok
    } else {
        if none_decided {
            credit_policy::errln!("every row was rejected: nothing decided");
        } else {
            credit_policy::errln!("{} row(s) rejected: {left_out}", rejects.len());
        }
        Exit::Rejects
    }
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
            let code = Exit::Ok.with_lost_messages(credit_policy::safety::stderr_lost());
            std::process::exit(code as i32);
        }
        error(&format!("cannot write the output: {e}"));
        credit_policy::safety::remove_temps();
        std::process::exit(Exit::Error as i32);
    }
}

/// The most worker threads `--threads` takes.
pub const MAX_THREADS: usize = 256;

/// `--threads`: a whole number from 1 to [`MAX_THREADS`].
pub fn threads_in_range(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "give a whole number of threads from 1 to {MAX_THREADS} (default: one per core)"
        )),
    }
}

/// A plain error line on standard error. The message may quote the input (a client id, a
/// column name, a path): no control code of it reaches the terminal.
pub fn error(message: &str) {
    credit_policy::errln!("error: {}", credit_policy::report::printable(message));
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
    // Drawing one with its source excerpt costs a pass over the file: past the first
    // `DRAWN`, each is one line, so thousands of warnings (a param each) print in linear time.
    const DRAWN: usize = 100;
    for (i, d) in diags.iter().enumerate() {
        if i >= DRAWN {
            let kind = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let at = d.location().map_or(String::new(), |l| format!("{l}: "));
            credit_policy::errln!("{at}{kind}: {}", d.message);
            continue;
        }
        let mut out = String::new();
        let rendered = Rendered::new(d);
        if handler.render_report(&mut out, &rendered).is_err() {
            out = d.to_string();
        }
        credit_policy::errln!(
            "{}",
            d.location().map_or(String::new(), |l| format!("{l}:"))
        );
        credit_policy::errln!("{out}");
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

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it, then a rename
/// (see [`paths::Target`]; `path` is checked first by [`paths::guard`]).
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let t = paths::Target::create(path)?;
    let mut f = t.file()?;
    f.write_all(bytes)?;
    f.flush()?;
    drop(f);
    t.commit()
}
