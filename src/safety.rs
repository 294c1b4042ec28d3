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

/// Passes a text stream through, failing (`InvalidData`) once a line runs past its cap: a
/// file that never ends a line (`/dev/zero`, a binary file) never fills memory.
pub struct LineCap<R> {
    inner: R,
    cap: u64,
    offset: u64,
    since_newline: u64,
}

impl<R> LineCap<R> {
    /// `inner`, failing once a line runs past `cap` bytes.
    pub fn new(inner: R, cap: u64) -> Self {
        LineCap {
            inner,
            cap,
            offset: 0,
            since_newline: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        match buf[..n].iter().rposition(|b| *b == b'\n') {
            Some(i) => self.since_newline = (n - i - 1) as u64,
            None => self.since_newline += n as u64,
        }
        self.offset += n as u64;
        if self.since_newline > self.cap {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a line runs past {} MiB without ending (near byte {}): the file is not text of one record a line",
                    self.cap / (1024 * 1024),
                    self.offset
                ),
            ));
        }
        Ok(n)
    }
}

/// The longest line a text input (clients, an audit log, outcomes) may have: far past any
/// row of a client (a 50 MB name reads), short of filling memory with a file that never ends a
/// line (`/dev/zero`, a binary file).
pub const MAX_LINE: u64 = 256 * 1024 * 1024;

/// The largest side file a run reads whole (a context, a column map): a page of settings.
pub const MAX_SIDE_FILE: u64 = 16 * 1024 * 1024;
/// The largest orders file: a batch of a few million orders.
pub const MAX_ORDERS_FILE: u64 = 1024 * 1024 * 1024;

/// Reads `from` whole, but never more than `cap` bytes: past it (`/dev/zero`, a wrong file) an
/// error of kind `InvalidData` saying the cap, instead of filling memory.
pub fn read_capped(from: impl std::io::Read, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    from.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is over {} MiB, more than such a file ever holds: is it the right file?",
                cap / (1024 * 1024)
            ),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_file_is_read_up_to_its_cap() {
        let e = read_capped(std::io::repeat(0), 1024 * 1024).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("over 1 MiB"), "{e}");
        assert_eq!(read_capped(&b"abc"[..], 3).unwrap(), b"abc");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4G"), Some(4 << 30));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("2k"), Some(2048));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size(""), None);
    }
}
