//! The policy being served: loaded and checked exactly as the command line loads it, with its
//! context, and swapped whole when a new version passes. A version that fails to load is
//! refused: the one serving keeps serving, and [`LivePolicy::failure`] says why until a good
//! version replaces it.
//!
//! Each thread keeps one engine ([`Decider`]; a compiled Rhai engine is not shared between
//! threads) for the version it last decided under, so a request does not compile the rules.
//! A version is never freed once loaded (each costs its compiled rules, well under a megabyte):
//! requests still deciding with the old version finish with it after a swap.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use jiff::civil::Date;

use crate::client::{Client, Reject};
use crate::policy::{Identity, Policy};
use crate::run::{self, Decided, Decider, Setup, SetupError, Sources};

/// One loaded policy version with its context and engines.
pub struct Loaded {
    /// Tells versions apart in each thread's engine (see [`Loaded::decide`]).
    serial: u64,
    setup: Setup<'static>,
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
        setup.decider().map_err(|e| setup_text(&e))?;
        static SERIAL: AtomicU64 = AtomicU64::new(1);
        Ok(Loaded {
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            setup,
            loaded_at: jiff::Timestamp::now().to_string(),
        })
    }

    /// A number no other version loaded by this process has.
    pub fn serial(&self) -> u64 {
        self.serial
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

    /// Decides `client` without its group line, with this thread's engine for this version
    /// (made the first time the thread decides under it).
    pub fn decide(&self, client: &Client) -> Result<Decided, Reject> {
        ENGINE.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot
                .as_ref()
                .is_none_or(|(serial, _)| *serial != self.serial)
            {
                let d = self.setup.decider().map_err(|e| Reject {
                    line: client.line,
                    id: Some(client.id.clone()),
                    field: "policy".into(),
                    reason: format!("the policy's engine cannot start: {e}"),
                })?;
                *slot = Some((self.serial, d));
            }
            match slot.as_mut() {
                Some((_, engine)) => engine.decide(client),
                None => unreachable!("the engine was just made"),
            }
        })
    }
}

thread_local! {
    /// Each thread's engine and the version it was made for.
    static ENGINE: std::cell::RefCell<Option<(u64, Decider<'static>)>> =
        const { std::cell::RefCell::new(None) };
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
        fn copy(from: &std::path::Path, to: &std::path::Path) {
            std::fs::create_dir_all(to).unwrap();
            for e in std::fs::read_dir(from).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    copy(&e.path(), &to.join(e.file_name()));
                } else {
                    std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
                }
            }
        }
        copy("policies/standard".as_ref(), to);
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
        std::fs::write(
            &toml,
            text.replace("version = \"1.0.0\"", "version = \"1.0.1\""),
        )
        .unwrap();
        let next = live.reload().unwrap();
        assert_ne!(next.identity().hash, first.hash);
        assert_eq!(next.identity().version, "1.0.1");
        assert_eq!(live.failure(), None);
    }
}
