//! What decides: the policy and the context a run is given (loaded from what the user named),
//! an optional challenger, and the engines each thread decides with.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::client::{Checks, Client, Reject, currency_decimals};
use crate::context::Context;
use crate::engine::{self, Decision, EvalError, Evaluator};
use crate::policy::{Diagnostic, Identity, LoadError, Policy};
use crate::report::Split;

/// Where the policy and the context come from, as the user named them.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The policy folder; `None` for `$CREDIT_POLICY`, else `policies/standard`, else the
    /// standard policy built into the binary.
    pub policy: Option<PathBuf>,
    /// A context file (TOML).
    pub context: Option<PathBuf>,
    /// The as-of date, `YYYY-MM-DD`, over the context file's.
    pub as_of: Option<String>,
    /// The economy, over the context file's.
    pub economy: Option<String>,
}

/// Why a run could not be set up: nothing was decided.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The policy folder has errors; each is one of its diagnostics.
    #[error("{0}")]
    Policy(#[from] LoadError),
    /// The context file cannot be read or is wrong: every problem of it, each a diagnostic.
    #[error("the context file has {} error(s)", .0.len())]
    Context(Vec<Diagnostic>),
    /// The as-of date is not a date.
    #[error("{0}")]
    AsOf(String),
    /// The economy is not one of the policy's.
    #[error("{0}")]
    Economy(String),
    /// The engine cannot start under this policy and context.
    #[error("{0}")]
    Engine(#[from] engine::SetupError),
    /// The challenger's engine cannot start.
    #[error("the challenger: {0}")]
    Challenger(engine::SetupError),
    /// The challenger's share is not a percent.
    #[error("--split `{0}` is not a percent from 0 to 100")]
    Split(String),
}

/// Where the policy comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// A policy folder on disk.
    Folder(PathBuf),
    /// The standard policy built into the binary ([`Policy::load_embedded`]).
    BuiltIn,
}

/// The policy the user means: the folder `policy`, else `$CREDIT_POLICY`, else
/// `policies/standard` when there is one here, else the standard policy built into the binary.
pub fn policy_source(policy: Option<&Path>) -> PolicySource {
    if let Some(p) = policy {
        return PolicySource::Folder(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("CREDIT_POLICY").filter(|p| !p.is_empty()) {
        return PolicySource::Folder(PathBuf::from(p));
    }
    let default = PathBuf::from(crate::policy::embedded::STANDARD_DIR);
    if default.join("policy.toml").is_file() {
        return PolicySource::Folder(default);
    }
    PolicySource::BuiltIn
}

/// Loads the policy the user means (see [`policy_source`]); [`Policy::built_in`] says when it
/// is the built-in one. Its warnings are in [`Policy::warnings`]; its errors in
/// [`SetupError::Policy`].
pub fn load_policy(policy: Option<&Path>) -> Result<Policy, SetupError> {
    Ok(match policy_source(policy) {
        PolicySource::Folder(dir) => Policy::load(&dir)?,
        PolicySource::BuiltIn => Policy::load_embedded()?,
    })
}

/// The note a face shows when the built-in policy decides, naming it and its hash.
pub fn built_in_note(policy: &Policy) -> String {
    format!(
        "using the built-in standard policy {} ({}); pass --policy DIR to use your own",
        policy.identity.version, policy.identity.hash
    )
}

/// The context from the context file, the as-of date and the economy (each over the file's),
/// checked against `policy`; today under a normal economy when nothing is given.
pub fn load_context(sources: &Sources, policy: &Policy) -> Result<Context, SetupError> {
    // The file's economy is checked with the file's other problems, unless `--economy`
    // overrides it.
    let check_economy = sources.economy.is_none().then_some(policy);
    let mut ctx = match &sources.context {
        Some(path) => Context::load(path, check_economy).map_err(SetupError::Context)?,
        None => Context::today(),
    };
    if let Some(d) = &sources.as_of {
        ctx.as_of = crate::client::parse_date(d).map_err(SetupError::AsOf)?;
    }
    if let Some(e) = &sources.economy {
        ctx.economy = e.clone();
    }
    ctx.overlay(policy).map_err(SetupError::Economy)?;
    Ok(ctx)
}

/// A second policy that decides a stable share of the clients (champion/challenger).
#[derive(Debug, Clone)]
pub struct Challenger<'p> {
    pub policy: &'p Policy,
    /// The percent of clients it decides.
    pub percent: Decimal,
    /// The salt of the hash of the client id that picks them.
    pub salt: String,
}

/// Which policy decided a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Champion,
    Challenger,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Champion => "champion",
            Side::Challenger => "challenger",
        }
    }
}

/// One client's decision as every command sees it: its group line applied, and the side that
/// made it.
#[derive(Debug, Clone)]
pub struct Decided {
    pub decision: Decision,
    pub side: Side,
}

/// What decides every client of a run: the policy and context, and the challenger if any.
#[derive(Debug)]
pub struct Setup<'p> {
    pub policy: &'p Policy,
    pub context: Context,
    pub challenger: Option<Challenger<'p>>,
}

impl<'p> Setup<'p> {
    /// A run of `policy` under `context`, checked to start.
    pub fn new(policy: &'p Policy, context: Context) -> Result<Setup<'p>, SetupError> {
        Evaluator::new(policy, &context)?;
        Ok(Setup {
            policy,
            context,
            challenger: None,
        })
    }

    /// Adds a challenger deciding `split` percent (`10` or `10%`) of the clients, picked by a
    /// hash of the client id salted with `salt`.
    pub fn with_challenger(
        mut self,
        policy: &'p Policy,
        split: &str,
        salt: &str,
    ) -> Result<Setup<'p>, SetupError> {
        let percent = match crate::money::parse_decimal(split.trim_end_matches('%')) {
            Ok(v) if v >= Decimal::ZERO && v <= Decimal::ONE_HUNDRED => v,
            _ => return Err(SetupError::Split(split.to_string())),
        };
        Evaluator::new(policy, &self.context).map_err(SetupError::Challenger)?;
        self.challenger = Some(Challenger {
            policy,
            percent,
            salt: salt.to_string(),
        });
        Ok(self)
    }

    /// How the input is read under this setup: the extra columns its policies declare
    /// (`[inputs] extra`), and the checks of each row (the as-of date, the champion's
    /// `[inputs] max_growth`, the decimals of its currency).
    pub fn input_checks(&self) -> (Vec<String>, Checks) {
        let mut declared = self.policy.extra_inputs.clone();
        for e in self.challenger.iter().flat_map(|c| &c.policy.extra_inputs) {
            if !declared.contains(e) {
                declared.push(e.clone());
            }
        }
        let checks = Checks {
            as_of: Some(self.context.as_of),
            max_growth: self.policy.max_growth,
            money_decimals: currency_decimals(&self.policy.currency),
        };
        (declared, checks)
    }

    /// The input columns its policies score: the inputs of their band tables' measures, each
    /// ratio traced to the columns it is made from. A client without one gets the measure's
    /// `missing` points. (Rules that read a column see it as unknown, which they handle.)
    pub fn scored_columns(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let policies = std::iter::once(self.policy).chain(self.challenger.iter().map(|c| c.policy));
        for p in policies {
            let measures = p.criteria.iter().flat_map(|c| &c.measures);
            let names = measures.filter_map(|m| match &m.source {
                crate::policy::MeasureSource::Fact(f) => Some(f.name()),
                crate::policy::MeasureSource::Script(_) => None,
            });
            for column in names.flat_map(crate::client::columns::inputs_of) {
                if !out.iter().any(|c| c == column) {
                    out.push(column.to_string());
                }
            }
        }
        out
    }

    /// Whether the run reads its input twice: the first time to form the group lines.
    pub fn reads_twice(&self) -> bool {
        self.policy.groups.is_some()
    }

    /// An engine of the champion policy alone (for what-ifs).
    pub fn evaluator(&self) -> Result<Evaluator<'p>, SetupError> {
        Ok(Evaluator::new(self.policy, &self.context)?)
    }

    /// The engines of one thread: the champion, and the challenger when there is one.
    pub fn decider(&self) -> Result<Decider<'p>, SetupError> {
        let challenger = match &self.challenger {
            Some(c) => Some((
                Evaluator::new(c.policy, &self.context).map_err(SetupError::Challenger)?,
                c.percent,
                c.salt.clone(),
            )),
            None => None,
        };
        Ok(Decider {
            champion: self.evaluator()?,
            challenger,
        })
    }

    /// How the output names the side that decided, in a champion/challenger run.
    pub fn split(&self, side: Side) -> Option<Split<'p>> {
        self.challenger.as_ref().map(|c| Split {
            side: side.as_str(),
            champion: &self.policy.identity,
            challenger: &c.policy.identity,
        })
    }

    /// The identity of the policy that decided on `side`.
    pub fn identity(&self, side: Side) -> &'p Identity {
        match (&self.challenger, side) {
            (Some(c), Side::Challenger) => &c.policy.identity,
            _ => &self.policy.identity,
        }
    }
}

/// The engines of one thread (a compiled engine is not shared between threads).
pub struct Decider<'p> {
    champion: Evaluator<'p>,
    challenger: Option<(Evaluator<'p>, Decimal, String)>,
}

impl Decider<'_> {
    /// Decides `client` by the champion, or for its share by the challenger, without its
    /// group line. A client whose rules fail is rejected with the script's position.
    pub fn decide(&mut self, client: &Client) -> Result<Decided, Reject> {
        let (decided, side) = match &mut self.challenger {
            Some((ev, percent, salt))
                if crate::compare::takes_challenger(&client.id, salt, *percent) =>
            {
                (ev.decide(client), Side::Challenger)
            }
            _ => (self.champion.decide(client), Side::Champion),
        };
        decided
            .map(|decision| Decided { decision, side })
            .map_err(|e| script_reject(client.line, e))
    }
}

/// A client whose rules failed, as a rejected row naming the script's position.
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
