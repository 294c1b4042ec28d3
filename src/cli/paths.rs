//! The files a command reads and writes, checked before anything is opened for writing: no two
//! of them the same file (compared by identity: device and inode, symbolic links followed, never
//! by name), and every output an ordinary file, or not there yet ([`guard`]). An output is
//! written beside its target and moved into place ([`Target`]), keeping the permissions of the
//! file it replaces.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::{Exit, error};

/// What identifies a file: its device and inode when it is there, else its folder resolved and
/// its name.
#[derive(PartialEq, Eq)]
enum Id {
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
}

fn identity(p: &Path) -> Option<Id> {
    // `metadata` follows symbolic links and opens nothing (a FIFO would block an open).
    if let Ok(m) = fs::metadata(p) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            return Some(Id::Inode(m.dev(), m.ino()));
        }
        #[cfg(not(unix))]
        {
            let _ = m;
            return fs::canonicalize(p).ok().map(Id::Path);
        }
    }
    let parent = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = fs::canonicalize(parent).ok()?;
    Some(Id::Path(dir.join(p.file_name()?)))
}

/// A file a command names: its flag and its path.
pub type Named<'a> = (&'a str, Option<&'a Path>);

/// Refuses (exit 2, naming both flags) any file written that is also read or written under
/// another flag, and any output that is not an ordinary file (a symbolic link, a FIFO, a
/// device, a folder) or is read-only, unless `force` (`--force-output`) lets a link, a FIFO or
/// a device be written through. Call it before anything is opened for writing.
pub fn guard(reads: &[Named<'_>], writes: &[Named<'_>], force: bool) -> Result<(), Exit> {
    let reads: Vec<(&str, &Path)> = reads
        .iter()
        .filter_map(|(f, p)| p.filter(|p| p.as_os_str() != "-").map(|p| (*f, p)))
        .collect();
    let writes: Vec<(&str, &Path)> = writes
        .iter()
        .filter_map(|(f, p)| p.map(|p| (*f, p)))
        .collect();
    for (flag, path) in &writes {
        check_target(flag, path, force).map_err(|m| {
            error(&m);
            Exit::Error
        })?;
    }
    let ids: Vec<(&str, &Path, Option<Id>)> = writes
        .iter()
        .chain(&reads)
        .map(|(f, p)| (*f, *p, identity(p)))
        .collect();
    for (i, (fa, pa, a)) in ids.iter().enumerate().take(writes.len()) {
        for (fb, pb, b) in &ids[i + 1..] {
            if a.is_some() && a == b {
                error(&format!(
                    "{fa} `{}` and {fb} `{}` are the same file: writing one would destroy the other; name another file; nothing was done",
                    pa.display(),
                    pb.display()
                ));
                return Err(Exit::Error);
            }
        }
    }
    Ok(())
}

/// Why `path` cannot be written as the output of `flag`, if it cannot.
fn check_target(flag: &str, path: &Path, force: bool) -> Result<(), String> {
    let Ok(link) = fs::symlink_metadata(path) else {
        return Ok(());
    };
    let shown = path.display();
    let t = link.file_type();
    if t.is_symlink() && !force {
        return Err(format!(
            "{flag} `{shown}` is a symbolic link: name the file itself, or add --force-output to write through the link; nothing was done"
        ));
    }
    let Ok(m) = fs::metadata(path) else {
        return Err(format!(
            "{flag} `{shown}` is a symbolic link to nothing: name a file; nothing was done"
        ));
    };
    if m.is_dir() {
        return Err(format!(
            "{flag} `{shown}` is a folder: name a file; nothing was done"
        ));
    }
    if !m.is_file() && !force {
        return Err(format!(
            "{flag} `{shown}` is not an ordinary file (a FIFO, a device or a socket): name a file, or add --force-output to write into it; nothing was done"
        ));
    }
    if m.is_file() && m.permissions().readonly() {
        return Err(format!(
            "{flag} `{shown}` is read-only: it is not replaced; make it writable or name another file; nothing was done"
        ));
    }
    Ok(())
}

/// Where rejected rows go: `--rejects FILE`, written beside it and moved into place by
/// committing the [`Target`], or standard error.
pub fn rejects(
    path: Option<&Path>,
) -> Result<(credit_policy::run::RejectSink, Option<Target>), Exit> {
    use credit_policy::run::RejectSink;
    let Some(path) = path else {
        return Ok((RejectSink::Stderr, None));
    };
    match Target::create(path).and_then(|t| t.file().map(|f| (t, f))) {
        Ok((t, f)) => Ok((RejectSink::File(io::BufWriter::new(f)), Some(t))),
        Err(e) => {
            error(&format!(
                "cannot write the rejects file `{}`: {e}",
                path.display()
            ));
            Err(Exit::Error)
        }
    }
}

/// Moves a finished `--rejects` file into place.
pub fn commit_rejects(target: Option<Target>, path: Option<&Path>) -> Result<(), Exit> {
    match (target, path) {
        (Some(t), Some(p)) => t.commit().map_err(|e| {
            error(&format!(
                "cannot move the rejects into `{}`: {e}",
                p.display()
            ));
            Exit::Error
        }),
        _ => Ok(()),
    }
}

/// An output being written: a temporary file beside the target, moved into place by
/// [`Target::commit`] and removed otherwise (on a signal too); or, for a FIFO or a device
/// allowed by `--force-output`, the target itself.
pub enum Target {
    Temp(tempfile::NamedTempFile, PathBuf),
    Direct(File),
}

impl Target {
    /// Starts writing `path` (checked by [`guard`]). A symbolic link allowed by
    /// `--force-output` is followed: the file it points to is replaced, the link kept.
    pub fn create(path: &Path) -> io::Result<Target> {
        let meta = fs::metadata(path).ok();
        if meta.as_ref().is_some_and(|m| !m.is_file()) {
            return fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map(Target::Direct);
        }
        let real = if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            fs::canonicalize(path)?
        } else {
            path.to_path_buf()
        };
        let t = super::temp_beside(&real)?;
        credit_policy::safety::register_temp(t.path());
        if let Some(m) = meta {
            fs::set_permissions(t.path(), m.permissions())?;
        }
        Ok(Target::Temp(t, real))
    }

    /// A handle to write the output through.
    pub fn file(&self) -> io::Result<File> {
        match self {
            Target::Temp(t, _) => t.reopen(),
            Target::Direct(f) => f.try_clone(),
        }
    }

    /// Moves the finished output into place.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Target::Temp(t, real) => {
                let temp = t.path().to_path_buf();
                let r = t.persist(&real).map(drop).map_err(|e| e.error);
                credit_policy::safety::forget_temp(&temp);
                r
            }
            Target::Direct(f) => f.sync_all().or(Ok(())),
        }
    }
}
