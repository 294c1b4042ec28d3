//! What keeps a run safe from its surroundings: standard error that is closed or full
//! ([`say`], never a reason to stop or to panic), the temporary files a run makes (registered,
//! removed on every exit, a signal included: [`register_temp`], [`remove_temps`]), and the cap
//! on standard input kept in a temporary file ([`spool_limit`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many writes to standard error failed (closed pipe, full device).
static LOST: AtomicUsize = AtomicUsize::new(0);

/// Writes `text` to standard error as it is (the program's own colours in a diagnostic); text
/// from the input goes through [`crate::report::printable`] first. A failed write (closed pipe, full device) is counted, never
/// an error: see [`stderr_lost`].
pub fn say(text: &str) {
    let mut e = std::io::stderr().lock();
    if e.write_all(text.as_bytes())
        .and_then(|()| e.flush())
        .is_err()
    {
        LOST.fetch_add(1, Ordering::Relaxed);
    }
}

/// How many messages could not be written to standard error.
pub fn stderr_lost() -> usize {
    LOST.load(Ordering::Relaxed)
}

/// A line on standard error through [`say`]: `eprintln!` that never panics nor stops a run.
#[macro_export]
macro_rules! errln {
    () => { $crate::safety::say("\n") };
    ($($arg:tt)*) => { $crate::safety::say(&format!("{}\n", format_args!($($arg)*))) };
}

/// The temporary files of this run, removed by [`remove_temps`] (on a signal) if still there.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Registers a temporary file to remove on a signal.
pub fn register_temp(path: &Path) {
    if let Ok(mut t) = TEMPS.lock() {
        t.push(path.to_path_buf());
    }
}

/// Forgets a temporary file that was moved into place or removed.
pub fn forget_temp(path: &Path) {
    if let Ok(mut t) = TEMPS.lock() {
        t.retain(|p| p != path);
    }
}

/// Removes every registered temporary file still there.
pub fn remove_temps() {
    let temps = match TEMPS.lock() {
        Ok(t) => t.clone(),
        Err(p) => p.into_inner().clone(),
    };
    for p in temps {
        let _ = std::fs::remove_file(p);
    }
}

/// The environment variable that raises the cap on standard input kept in a temporary file.
pub const SPOOL_LIMIT_VAR: &str = "CREDIT_POLICY_STDIN_LIMIT";

/// The most bytes of standard input kept in a temporary file: `$CREDIT_POLICY_STDIN_LIMIT`
/// (bytes, or with a `K`, `M`, `G` or `T` suffix, powers of 1024), else 4 GiB.
pub fn spool_limit() -> Result<u64, String> {
    match std::env::var(SPOOL_LIMIT_VAR) {
        Ok(v) => parse_size(&v).ok_or_else(|| {
            format!("{SPOOL_LIMIT_VAR}=`{v}` is not a size: give bytes, or e.g. `8G`, `500M`")
        }),
        Err(_) => Ok(4 << 30),
    }
}

fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, shift) = match s.chars().last()?.to_ascii_uppercase() {
        'K' => (&s[..s.len() - 1], 10),
        'M' => (&s[..s.len() - 1], 20),
        'G' => (&s[..s.len() - 1], 30),
        'T' => (&s[..s.len() - 1], 40),
        _ => (s, 0),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(1 << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4G"), Some(4 << 30));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("2k"), Some(2048));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size(""), None);
    }
}
