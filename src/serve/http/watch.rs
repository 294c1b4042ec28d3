//! The policy folder (recursively) and the context file watched: an edit is reloaded after
//! the files have been quiet for [`DEBOUNCE`], so an editor's several writes make one reload.
//! A refused edit leaves the old version serving (see [`crate::serve::live`]).
//!
//! The context file is watched through its folder, since editors often save by writing a new
//! file and renaming it over the old one; the policy folder's parent is watched too (not
//! recursively), so a deployment that moves a new folder into place is seen, and the folder's
//! own watch is set again before every reload. A folder that disappears is only logged (the
//! reload is refused, the version loaded keeps serving) and a reload is tried on the next event.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::metrics::Metrics;
use super::reload_policy;
use crate::serve::live::LivePolicy;

/// How long the files must be quiet before a reload.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Starts watching on a thread of its own, for as long as the process runs; `false` (with a
/// warning) when the watch cannot start, or there is nothing to watch (the built-in policy).
pub fn start(live: Arc<LivePolicy>, metrics: Arc<Metrics>) -> bool {
    let folder = live.folder();
    let context = live.context_file();
    if folder.is_none() && context.is_none() {
        return false;
    }
    let (tx, rx) = mpsc::channel::<()>();
    let folder_abs = folder.as_deref().map(absolute);
    let context_abs = context.as_deref().map(absolute);
    let (f, c) = (folder_abs.clone(), context_abs.clone());
    let handler = move |res: notify::Result<notify::Event>| match res {
        Ok(ev) if is_edit(&ev.kind) && concerns(&ev.paths, f.as_deref(), c.as_deref()) => {
            let _ = tx.send(());
        }
        Ok(_) => {}
        Err(e) => crate::errln!("warning: watching the policy: {e}"),
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(w) => w,
        Err(e) => {
            crate::errln!(
                "warning: the policy cannot be watched ({e}); reload with POST /v1/policy/reload"
            );
            return false;
        }
    };
    if let Some(dir) = &folder_abs {
        if let Err(e) = watcher.watch(dir, RecursiveMode::Recursive) {
            crate::errln!(
                "warning: cannot watch `{}` ({e}); reload with POST /v1/policy/reload",
                dir.display()
            );
        }
        if let Some(parent) = dir.parent() {
            // Only to see the folder itself replaced; its failure changes nothing else.
            let _ = watcher.watch(parent, RecursiveMode::NonRecursive);
        }
    }
    if let Some(file) = &context_abs {
        let dir = file.parent().unwrap_or(Path::new("."));
        if let Err(e) = watcher.watch(dir, RecursiveMode::NonRecursive) {
            crate::errln!(
                "warning: cannot watch `{}` ({e}); reload with POST /v1/policy/reload",
                file.display()
            );
        }
    }
    let spawned = std::thread::Builder::new()
        .name("policy-watch".into())
        .spawn(move || debounce(watcher, rx, folder_abs, &live, &metrics));
    if let Err(e) = spawned {
        crate::errln!("warning: the policy watch cannot start: {e}");
        return false;
    }
    true
}

/// One reload per burst of events; ends when the watcher's events end.
fn debounce(
    mut watcher: RecommendedWatcher,
    rx: mpsc::Receiver<()>,
    folder: Option<PathBuf>,
    live: &LivePolicy,
    metrics: &Metrics,
) {
    while rx.recv().is_ok() {
        loop {
            match rx.recv_timeout(DEBOUNCE) {
                Ok(()) => continue,
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        if let Some(dir) = &folder {
            // The folder may have been replaced (a new one moved into place): watch what is
            // there now. Gone, the reload below says so and the old version keeps serving.
            let _ = watcher.unwatch(dir);
            let _ = watcher.watch(dir, RecursiveMode::Recursive);
        }
        let _ = reload_policy(live, metrics);
    }
}

/// A change to a file's content or presence; reading a file (the reload itself) is not.
fn is_edit(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode};
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Modify(_)
            | EventKind::Remove(_)
            | EventKind::Any
            | EventKind::Access(AccessKind::Close(AccessMode::Write))
    )
}

/// Whether an event touches the policy folder or the context file (the context's folder is
/// watched whole, and may hold other files).
fn concerns(paths: &[PathBuf], folder: Option<&Path>, context: Option<&Path>) -> bool {
    paths.is_empty()
        || paths
            .iter()
            .any(|p| folder.is_some_and(|f| p.starts_with(f)) || context.is_some_and(|c| p == c))
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}
