//! One run of the engine over a portfolio, as every command makes it: the application layer
//! between the engine and its faces (the CLI, the tests, a service).
//!
//! A run loads its policy and context ([`load_policy`], [`load_context`] into a [`Setup`],
//! with a challenger when one takes a share of the clients), opens the input ([`Input`]),
//! forms the group lines in a first pass when the policy has them ([`groups`]), and decides
//! every client with its group line applied. It hands the decisions out in one of two ways:
//!
//! * streaming, in input order, on every core, byte for byte the same for any number of
//!   threads, with memory for a few batches ([`Run::stream`], [`Run::stream_beside`] for two
//!   sides): `evaluate`, `compare`;
//! * as a [`Book`], the whole portfolio decided, each client looked up by id: `order`,
//!   `explain`, `review`, `exit`, `channel`.
//!
//! Rejected rows and audit records go to the run's [`Sinks`]. A command never decides a client
//! itself, so a client held because its group is over its line is held in every command.

pub mod groups;
mod setup;
mod sinks;

use std::collections::HashMap;
use std::io;
use std::sync::Mutex;

pub use setup::{
    Challenger, Decided, Decider, PolicySource, Setup, SetupError, Side, Sources, built_in_note,
    load_context, load_policy, policy_source, script_reject,
};
pub use sinks::{AuditLog, RejectSink, Sinks, Stamp};

use crate::client::{Client, ClientReader, InputError, InputNotes, ReadOptions, Reject, Warning};
use crate::control::{Decide, Lookup, Portfolio};
use crate::engine::group::GroupLines;
use crate::engine::{Decision, EvalError, Evaluator};
use crate::policy::Policy;
use crate::stream::{self, Item, StreamError};

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error("cannot keep standard input in a temporary file: {0}")]
    Spool(io::Error),
    /// The input cannot be read (the message names it as the user gave it).
    #[error("{0}")]
    Input(String),
    /// An engine could not start on a worker thread.
    #[error("{0}")]
    Engine(String),
    /// Writing the output, the rejects or the log failed (a closed pipe among others).
    #[error("{0}")]
    Output(io::Error),
}

/// The clients' input: a file, or standard input (kept in a temporary file when the run reads
/// it twice), and how to read it.
#[derive(Debug)]
pub struct Input {
    given: String,
    options: ReadOptions,
    spooled: Option<tempfile::NamedTempFile>,
    /// A reader opened by [`Input::check`], handed to the first read under the same options,
    /// so that standard input read once can still be checked first.
    opened: Mutex<Option<(ReadOptions, ClientReader)>>,
}

impl Input {
    /// The input `path` (`-` for standard input), read as `options` say (the sheet of a
    /// workbook, the encoding, ...; the run adds what its policy and context say). `twice`: a
    /// run reads it twice (see [`Setup::reads_twice`]), so standard input is kept in a
    /// temporary file, removed when the `Input` is dropped.
    pub fn open(path: &str, options: ReadOptions, twice: bool) -> Result<Input, RunError> {
        let spooled = if twice && path == "-" {
            let limit = crate::safety::spool_limit().map_err(RunError::Input)?;
            Some(groups::spool_stdin(limit).map_err(RunError::Spool)?)
        } else {
            None
        };
        Ok(Input {
            given: path.to_string(),
            options,
            spooled,
            opened: Mutex::new(None),
        })
    }

    /// How `setup` reads the input: the user's options, the columns its policies declare,
    /// and its plausibility checks.
    fn options_for(&self, setup: &Setup<'_>) -> ReadOptions {
        let (declared, checks) = setup.input_checks();
        ReadOptions {
            declared,
            checks,
            scored: Some(setup.scored_columns()),
            ..self.options.clone()
        }
    }

    /// Opens the input as `setup` will read it, to check its header before anything is
    /// decided: what it leaves out or adds, or why it cannot be read. The reader is kept for
    /// the run's first read.
    pub fn check(&self, setup: &Setup<'_>) -> Result<InputNotes, RunError> {
        let options = self.options_for(setup);
        let reader = ClientReader::open_with(&self.path(), &options).map_err(|e| self.error(e))?;
        let notes = reader.notes().clone();
        if let Ok(mut slot) = self.opened.lock() {
            *slot = Some((options, reader));
        }
        Ok(notes)
    }

    /// The input as the user named it.
    pub fn name(&self) -> &str {
        &self.given
    }

    /// The path read: the temporary copy of standard input, or the path given.
    fn path(&self) -> String {
        self.spooled.as_ref().map_or_else(
            || self.given.clone(),
            |f| f.path().to_string_lossy().into_owned(),
        )
    }

    /// The size of the input file, when it is a file (for a progress bar).
    pub fn size(&self) -> Option<u64> {
        let path = self.path();
        (path != "-")
            .then(|| std::fs::metadata(&path).ok().map(|m| m.len()))
            .flatten()
    }

    /// The rows, from the start, as `setup` reads them.
    pub fn reader(&self, setup: &Setup<'_>) -> Result<ClientReader, RunError> {
        let options = self.options_for(setup);
        if let Ok(mut slot) = self.opened.lock()
            && slot.as_ref().is_some_and(|(o, _)| *o == options)
            && let Some((_, reader)) = slot.take()
        {
            return Ok(reader);
        }
        ClientReader::open_with(&self.path(), &options).map_err(|e| self.error(e))
    }

    /// A message names standard input as the user gave it, not its temporary file.
    fn shown(&self, message: String) -> String {
        match &self.spooled {
            Some(_) => message.replace(&self.path(), "-"),
            None => message,
        }
    }

    fn error(&self, e: InputError) -> RunError {
        RunError::Input(self.shown(e.to_string()))
    }

    fn stream_error(&self, e: StreamError) -> RunError {
        match e {
            StreamError::Output(e) => RunError::Output(e),
            StreamError::Setup(e) => RunError::Engine(self.shown(e)),
            StreamError::Input(e) => self.error(e),
        }
    }
}

/// How many rows a streaming run decided and rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub decided: u64,
    pub rejected: u64,
}

/// A run under way: its setup, its input, and the group lines of its first pass.
pub struct Run<'a> {
    setup: &'a Setup<'a>,
    input: &'a Input,
    threads: usize,
    groups: Option<GroupLines>,
    /// The warnings of the rows decided so far, in input order.
    warnings: Mutex<Vec<Warning>>,
}

/// What a worker hands back for one client: its decision, the caller's value, the audit record.
type Worked<T> = (Decided, T, Option<String>);

impl<'a> Run<'a> {
    /// Starts a run of `setup` over `input` on `threads` threads (see [`stream::threads`]):
    /// the group pass when the policy has group lines and the input names groups.
    pub fn start(
        setup: &'a Setup<'a>,
        input: &'a Input,
        threads: usize,
    ) -> Result<Run<'a>, RunError> {
        if setup.reads_twice() && input.given == "-" && input.spooled.is_none() {
            return Err(RunError::Input(
                "standard input can be read only once; open it with `twice`".into(),
            ));
        }
        let groups = groups::first_pass(input, setup, threads)?;
        Ok(Run {
            setup,
            input,
            threads,
            groups,
            warnings: Mutex::new(Vec::new()),
        })
    }

    /// The warnings of the rows decided so far (a sell-through far above 1, ...), in input
    /// order, taken out of the run: for the caller to show once.
    pub fn take_warnings(&self) -> Vec<Warning> {
        self.warnings
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }

    /// Keeps the warnings of a decided row.
    fn warned(&self, w: Vec<Warning>) {
        if !w.is_empty()
            && let Ok(mut all) = self.warnings.lock()
        {
            all.extend(w);
        }
    }

    pub fn setup(&self) -> &'a Setup<'a> {
        self.setup
    }

    pub fn input(&self) -> &'a Input {
        self.input
    }

    /// The group lines of the run; `None` when it checks none.
    pub fn groups(&self) -> Option<&GroupLines> {
        self.groups.as_ref()
    }

    /// Decides every row on every core, and gives `sink` each decision (with what `map` made
    /// of it on the worker thread) or rejected row, in input order.
    fn each<T, F, S>(
        &self,
        stamp: Option<&Stamp>,
        map: F,
        mut sink: S,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(), RunError>
    where
        T: Send,
        F: Fn(&Client, &Decided) -> T + Sync,
        S: FnMut(Item<Worked<T>>) -> io::Result<()>,
    {
        let (setup, groups, map) = (self.setup, self.groups.as_ref(), &map);
        let make_worker = || -> Result<_, String> {
            let mut decider = setup.decider().map_err(|e| e.to_string())?;
            Ok(move |c: &Client| {
                let mut d = decider.decide(c)?;
                if let Some(g) = groups {
                    g.apply(&mut d.decision, c.group.as_deref());
                }
                let t = map(c, &d);
                let record = stamp.map(|s| s.record(setup.identity(d.side), c, &d.decision));
                Ok(((d, t, record), c.warnings.clone()))
            })
        };
        stream::run(
            self.input.reader(self.setup)?,
            self.threads,
            make_worker,
            |item| match item {
                Item::Decided((worked, warnings)) => {
                    self.warned(warnings);
                    sink(Item::Decided(worked))
                }
                Item::Rejected(r) => sink(Item::Rejected(r)),
            },
            progress,
        )
        .map_err(|e| self.input.stream_error(e))
    }

    /// Streams every decision, group line applied, in input order: `map` runs on the worker
    /// threads (render there what can be rendered), `sink` on the calling thread gets each
    /// decided row with what `map` made of it, and each rejected row after it went to
    /// `sinks.rejects`. Each decision's audit record goes to `sinks.log`. The sinks are
    /// flushed by [`Sinks::flush`], when the caller's own output is finished.
    pub fn stream<T, F, S>(
        &self,
        sinks: &mut Sinks,
        map: F,
        mut sink: S,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Tally, RunError>
    where
        T: Send,
        F: Fn(&Client, &Decided) -> T + Sync,
        S: FnMut(Item<(Decided, T)>) -> io::Result<()>,
    {
        let Sinks { rejects, log } = sinks;
        let (stamp, mut file) = match log {
            Some(AuditLog {
                stamp, file, chain, ..
            }) => (Some(&*stamp), Some((file, chain))),
            None => (None, None),
        };
        let mut tally = Tally::default();
        self.each(
            stamp,
            map,
            |item| match item {
                Item::Decided((d, t, record)) => {
                    sink(Item::Decided((d, t)))?;
                    if let (Some((f, chain)), Some(r)) = (&mut file, record) {
                        chain.write(f, &r)?;
                    }
                    tally.decided += 1;
                    Ok(())
                }
                Item::Rejected(r) => {
                    rejects.write(&r)?;
                    tally.rejected += 1;
                    sink(Item::Rejected(r))
                }
            },
            progress,
        )?;
        Ok(tally)
    }

    /// Streams every client decided by this run and by `other` (another setup over the same
    /// input, each with its own group lines): `map` runs on the worker threads with both
    /// decisions, `sink` gets what it made, in input order. A row either side rejects is
    /// rejected once, to `rejects`, and given to `sink`.
    pub fn stream_beside<T, F, S>(
        &self,
        other: &Run<'_>,
        rejects: &mut RejectSink,
        map: F,
        mut sink: S,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Tally, RunError>
    where
        T: Send,
        F: Fn(&Client, &Decided, &Decided) -> T + Sync,
        S: FnMut(Item<T>) -> io::Result<()>,
    {
        if !std::ptr::eq(self.input, other.input) {
            return Err(RunError::Input(
                "the two sides of a comparison must read the same input".into(),
            ));
        }
        let map = &map;
        let sides = [
            (self.setup, self.groups.as_ref()),
            (other.setup, other.groups.as_ref()),
        ];
        let make_worker = || -> Result<_, String> {
            let mut deciders = [
                sides[0].0.decider().map_err(|e| e.to_string())?,
                sides[1].0.decider().map_err(|e| e.to_string())?,
            ];
            Ok(move |c: &Client| {
                let mut decide = |i: usize| -> Result<Decided, Reject> {
                    let mut d = deciders[i].decide(c)?;
                    if let Some(g) = sides[i].1 {
                        g.apply(&mut d.decision, c.group.as_deref());
                    }
                    Ok(d)
                };
                let a = decide(0)?;
                let b = decide(1)?;
                Ok((map(c, &a, &b), c.warnings.clone()))
            })
        };
        let mut tally = Tally::default();
        stream::run(
            self.input.reader(self.setup)?,
            self.threads,
            make_worker,
            |item| match item {
                Item::Decided((t, warnings)) => {
                    tally.decided += 1;
                    self.warned(warnings);
                    sink(Item::Decided(t))
                }
                Item::Rejected(r) => {
                    rejects.write(&r)?;
                    tally.rejected += 1;
                    sink(Item::Rejected(r))
                }
            },
            progress,
        )
        .map_err(|e| self.input.stream_error(e))?;
        Ok(tally)
    }

    /// The whole portfolio decided, group lines applied, each client looked up by id. Memory
    /// holds every client and its decision.
    pub fn book(self) -> Result<Book<'a>, RunError> {
        let (mut clients, mut made, mut rejects) = (Vec::new(), HashMap::new(), Vec::new());
        self.each(
            None,
            |c, _| c.clone(),
            |item| {
                match item {
                    Item::Decided((d, c, _)) => {
                        made.insert(c.id.clone(), d);
                        clients.push(c);
                    }
                    Item::Rejected(r) => rejects.push(r),
                }
                Ok(())
            },
            &|_| {},
        )?;
        let warnings = self.take_warnings();
        Ok(Book {
            warnings,
            portfolio: Portfolio::new(clients, rejects).named(self.input.name()),
            decisions: Decisions {
                made,
                evaluator: self.setup.evaluator()?,
            },
            groups: self.groups,
        })
    }
}

/// A whole portfolio decided by one run: every client with its decision (group line
/// applied), every rejected row, looked up by client id.
pub struct Book<'a> {
    portfolio: Portfolio,
    decisions: Decisions<'a>,
    groups: Option<GroupLines>,
    warnings: Vec<Warning>,
}

impl<'a> Book<'a> {
    /// The clients and rejected rows, looked up by id.
    pub fn portfolio(&self) -> &Portfolio {
        &self.portfolio
    }

    /// What a client id finds.
    pub fn lookup(&self, id: &str) -> Lookup<'_> {
        self.portfolio.lookup(id)
    }

    /// The decision of a client of the portfolio.
    pub fn decision(&self, client: &Client) -> Option<&Decided> {
        self.decisions.get(client)
    }

    /// Every client with its decision, in input order.
    pub fn decided(&self) -> impl Iterator<Item = (&Client, &Decided)> {
        self.portfolio
            .clients()
            .iter()
            .filter_map(|c| self.decisions.get(c).map(|d| (c, d)))
    }

    /// The rejected rows, in input order.
    pub fn rejects(&self) -> &[Reject] {
        self.portfolio.rejects()
    }

    /// The warnings of the decided rows (a sell-through far above 1, ...), in input order.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The group lines of the run; `None` when it checks none.
    pub fn groups(&self) -> Option<&GroupLines> {
        self.groups.as_ref()
    }

    /// The portfolio and its decisions apart, to look clients up while handing decisions out
    /// (an order batch, an explanation's what-ifs).
    pub fn parts(&mut self) -> (&Portfolio, &mut Decisions<'a>) {
        (&self.portfolio, &mut self.decisions)
    }
}

/// The decisions of a [`Book`], by client id, and an engine of its policy for what-ifs.
pub struct Decisions<'a> {
    made: HashMap<String, Decided>,
    evaluator: Evaluator<'a>,
}

impl<'a> Decisions<'a> {
    /// The decision of a client of the portfolio.
    pub fn get(&self, client: &Client) -> Option<&Decided> {
        self.made.get(&client.id)
    }

    /// An engine of the run's policy and context, to decide what-ifs (without group lines).
    pub fn evaluator(&mut self) -> &mut Evaluator<'a> {
        &mut self.evaluator
    }
}

impl<'a> Decide<'a> for Decisions<'a> {
    fn policy(&self) -> &'a Policy {
        self.evaluator.policy()
    }

    /// The decision the run made, group line applied; a client from elsewhere is decided on
    /// its own.
    fn decide(&mut self, client: &Client) -> Result<Decision, EvalError> {
        match self.made.get(&client.id) {
            Some(d) => Ok(d.decision.clone()),
            None => self.evaluator.decide(client),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::context::Context;

    const CLIENTS: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/group_over/clients.csv"
    );

    fn standard() -> Policy {
        Policy::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/standard")).unwrap()
    }

    fn as_of() -> Context {
        let mut c = Context::today();
        c.as_of = "2026-06-30".parse().unwrap();
        c
    }

    /// Every decision of a streaming run, as `(id, actions, reason codes)`.
    fn streamed(run: &Run<'_>) -> Vec<(String, Vec<&'static str>, Vec<String>)> {
        let mut out = Vec::new();
        let mut sinks = Sinks::stderr();
        run.stream(
            &mut sinks,
            |_, _| (),
            |item| {
                if let Item::Decided((d, ())) = item {
                    out.push(seen(&d.decision));
                }
                Ok(())
            },
            &|_| {},
        )
        .unwrap();
        out
    }

    fn seen(d: &Decision) -> (String, Vec<&'static str>, Vec<String>) {
        (
            d.id.clone(),
            d.actions.iter().map(|a| a.as_str()).collect(),
            d.reasons.iter().map(|r| r.code.clone()).collect(),
        )
    }

    #[test]
    fn the_stream_and_the_book_hand_out_the_same_group_held_decisions() {
        let policy = standard();
        let setup = Setup::new(&policy, as_of()).unwrap();
        let input = Input::open(CLIENTS, ReadOptions::default(), setup.reads_twice()).unwrap();
        let one = Run::start(&setup, &input, 1).unwrap();
        let two = Run::start(&setup, &input, 2).unwrap();
        let streamed_one = streamed(&one);
        assert_eq!(
            streamed_one,
            streamed(&two),
            "the same on any number of threads"
        );
        let book = two.book().unwrap();
        let booked: Vec<_> = book.decided().map(|(_, d)| seen(&d.decision)).collect();
        assert_eq!(streamed_one, booked);
        let (_, actions, codes) = &booked[0];
        assert_eq!(booked[0].0, "H-A");
        assert_eq!(actions, &["hold", "watch"]);
        assert_eq!(codes[0], "group_over_limit");
        assert!(book.groups().unwrap().get("H1").unwrap().over());
        // An order batch gets the decision the run made, not one decided again.
        let mut book = book;
        let (portfolio, decisions) = book.parts();
        let Lookup::Found(c) = portfolio.lookup("H-A") else {
            panic!("H-A is in the portfolio")
        };
        assert!(
            Decide::decide(decisions, c)
                .unwrap()
                .has(crate::engine::Action::Hold)
        );
    }

    #[test]
    fn a_challenger_takes_its_share_in_both_passes() {
        let policy = standard();
        let setup = Setup::new(&policy, as_of())
            .unwrap()
            .with_challenger(&policy, "100%", "salt")
            .unwrap();
        let input = Input::open(CLIENTS, ReadOptions::default(), true).unwrap();
        let run = Run::start(&setup, &input, 2).unwrap();
        let book = run.book().unwrap();
        assert!(book.decided().all(|(_, d)| d.side == Side::Challenger));
        assert!(matches!(
            Setup::new(&policy, as_of())
                .unwrap()
                .with_challenger(&policy, "101", "s"),
            Err(SetupError::Split(_))
        ));
    }
}
