//! The policy being served: loaded and checked exactly as the command line loads it, with its
//! context, and swapped whole when a new version passes. A version that fails to load is
//! refused: the one serving keeps serving, and [`LivePolicy::failure`] says why until a good
//! version replaces it.
//!
//! A loaded version keeps a small pool of engines ([`Decider`]s; a compiled Rhai engine is not
//! shared between threads), so a request borrows one instead of compiling the rules again.
//! A version is never freed once loaded (each costs its compiled rules, well under a megabyte):
//! requests still deciding with the old version finish with it after a swap.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use jiff::civil::Date;

use crate::client::{Client, Reject};
use crate::policy::{Identity, Policy};
use crate::run::{self, Decided, Decider, Setup, SetupError, Sources};

/// One loaded policy version with its context and engines.
pub struct Loaded {
    setup: Setup<'static>,
    deciders: Mutex<Vec<Decider<'static>>>,
    /// When it was loaded, RFC 3339 UTC.
    pub loaded_at: String,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("identity", self.identity())
            .field("as_of", &self.as_of())
            .finish()
    }
}

impl Loaded {
    /// Loads and checks the policy and context of `sources`; the error is every problem in
    /// plain words, one per line, each naming its file and line.
    pub fn load(sources: &Sources) -> Result<Loaded, String> {
        let policy = run::load_policy(sources.policy.as_deref()).map_err(|e| setup_text(&e))?;
        // Leaked on purpose: engines borrow the policy, and requests may still hold an old
        // version's engine after a swap (see the module note).
        let policy: &'static Policy = Box::leak(Box::new(policy));
        let context = run::load_context(sources, policy).map_err(|e| setup_text(&e))?;
        let setup = Setup::new(policy, context).map_err(|e| setup_text(&e))?;
        let first = setup.decider().map_err(|e| setup_text(&e))?;
        Ok(Loaded {
            setup,
            deciders: Mutex::new(vec![first]),
            loaded_at: jiff::Timestamp::now().to_string(),
        })
    }

    pub fn identity(&self) -> &Identity {
        &self.setup.policy.identity
    }

    pub fn policy(&self) -> &'static Policy {
        self.setup.policy
    }

    pub fn setup(&self) -> &Setup<'static> {
        &self.setup
    }

    /// The date decisions are made as of.
    pub fn as_of(&self) -> Date {
        self.setup.context.as_of
    }

    /// Decides `client` without its group line, with an engine from the pool.
    pub fn decide(&self, client: &Client) -> Result<Decided, Reject> {
        let mut engine = match self.deciders.lock().ok().and_then(|mut p| p.pop()) {
            Some(d) => d,
            None => self.setup.decider().map_err(|e| Reject {
                line: client.line,
                id: Some(client.id.clone()),
                field: "policy".into(),
                reason: format!("the policy's engine cannot start: {e}"),
            })?,
        };
        let out = engine.decide(client);
        if let Ok(mut pool) = self.deciders.lock()
            && pool.len() < 64
        {
            pool.push(engine);
        }
        out
    }
}

/// Every problem of a policy or context that cannot be served, one per line.
fn setup_text(e: &SetupError) -> String {
    let lines: Vec<String> = match e {
        SetupError::Policy(le) => le.diagnostics.iter().map(diagnostic_line).collect(),
        SetupError::Context(ds) => ds.iter().map(diagnostic_line).collect(),
        other => vec![other.to_string()],
    };
    if lines.is_empty() {
        e.to_string()
    } else {
        lines.join("\n")
    }
}

fn diagnostic_line(d: &crate::policy::source::Diagnostic) -> String {
    let at = d.location().map(|l| format!("{l}: ")).unwrap_or_default();
    let help = d
        .help
        .as_deref()
        .map(|h| format!(" ({h})"))
        .unwrap_or_default();
    format!("{at}{}{help}", d.message)
}

/// A version that was refused: when, and every problem it had.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    pub at: String,
    pub message: String,
}

/// The policy being served, and the last version refused since.
pub struct LivePolicy {
    sources: Sources,
    follows_today: bool,
    current: ArcSwap<Loaded>,
    failure: Mutex<Option<Failure>>,
    /// Reloads one at a time, so two at once cannot swap in an older version.
    reloading: Mutex<()>,
}

impl LivePolicy {
    /// Loads the first version; an error here stops the service from starting.
    pub fn start(sources: Sources) -> Result<LivePolicy, String> {
        let follows_today = sources.as_of.is_none() && !context_sets_date(&sources);
        let first = Loaded::load(&sources)?;
        Ok(LivePolicy {
            sources,
            follows_today,
            current: ArcSwap::from_pointee(first),
            failure: Mutex::new(None),
            reloading: Mutex::new(()),
        })
    }

    /// The folder served, when the policy comes from one (what to watch).
    pub fn folder(&self) -> Option<PathBuf> {
        match run::policy_source(self.sources.policy.as_deref()) {
            run::PolicySource::Folder(p) => Some(p),
            run::PolicySource::BuiltIn => None,
        }
    }

    /// The context file, when there is one (also watched).
    pub fn context_file(&self) -> Option<PathBuf> {
        self.sources.context.clone()
    }

    /// The version serving now. When the as-of date follows the calendar and the day has
    /// turned, the same policy is loaded again for the new day first.
    pub fn current(&self) -> Arc<Loaded> {
        let now = self.current.load_full();
        if self.follows_today && now.as_of() != jiff::ZonedDateTime::now().date() {
            let _ = self.reload();
            return self.current.load_full();
        }
        now
    }

    /// Loads the policy again: a version that passes every check is swapped in whole and the
    /// last failure cleared; one that fails is refused, the old version keeps serving, and the
    /// failure is kept for health to show. The answer is the version serving afterwards.
    pub fn reload(&self) -> Result<Arc<Loaded>, Failure> {
        let _one = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        match Loaded::load(&self.sources) {
            Ok(next) => {
                self.current.store(Arc::new(next));
                *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = None;
                Ok(self.current.load_full())
            }
            Err(message) => {
                let f = Failure {
                    at: jiff::Timestamp::now().to_string(),
                    message,
                };
                *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(f.clone());
                Err(f)
            }
        }
    }

    /// The last version refused, while no good version has replaced it.
    pub fn failure(&self) -> Option<Failure> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Whether the context file pins the as-of date (then the date does not follow the calendar).
fn context_sets_date(sources: &Sources) -> bool {
    let Some(path) = &sources.context else {
        return false;
    };
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("as_of"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(dir: &std::path::Path) -> Sources {
        Sources {
            policy: Some(dir.to_path_buf()),
            context: None,
            as_of: Some("2026-11-30".into()),
            economy: None,
        }
    }

    fn copy_standard(to: &std::path::Path) {
        for e in std::fs::read_dir("policies/standard").unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }

    #[test]
    fn a_broken_edit_is_refused_and_the_old_version_keeps_serving() {
        let dir = tempfile::tempdir().unwrap();
        copy_standard(dir.path());
        let live = LivePolicy::start(sources(dir.path())).unwrap();
        let first = live.current().identity().clone();
        let toml = dir.path().join("policy.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        std::fs::write(&toml, text.replacen("[", "[[[", 1)).unwrap();
        let f = live.reload().unwrap_err();
        assert!(f.message.contains("policy.toml"), "{}", f.message);
        assert_eq!(live.current().identity(), &first);
        assert_eq!(live.failure().as_ref(), Some(&f));
        std::fs::write(&toml, text.replace("version = \"1.0.0\"", "version = \"1.0.1\"")).unwrap();
        let next = live.reload().unwrap();
        assert_ne!(next.identity().hash, first.hash);
        assert_eq!(next.identity().version, "1.0.1");
        assert_eq!(live.failure(), None);
    }
}
