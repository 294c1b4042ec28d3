//! Where a run puts what is not a decision: the rejected rows, and the audit log.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::audit::{self, Chain, ContextLog};
use crate::client::{Client, Reject};
use crate::context::Context;
use crate::engine::Decision;
use crate::policy::Identity;

/// Where rejects go: a JSON Lines file of `{line, id, field, reason}`, or standard error in
/// plain words.
pub enum RejectSink {
    File(BufWriter<File>),
    Stderr,
}

impl RejectSink {
    pub fn write(&mut self, r: &Reject) -> io::Result<()> {
        match self {
            RejectSink::File(f) => {
                serde_json::to_writer(&mut *f, r)?;
                f.write_all(b"\n")
            }
            RejectSink::Stderr => {
                let id =
                    r.id.as_deref()
                        .map_or(String::new(), |i| format!(" (id `{i}`)"));
                let field = if r.field.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", r.field)
                };
                // A closed or full standard error is never a reason to stop deciding.
                // The id and the reason quote the input: no control code reaches the terminal.
                crate::safety::say(&crate::report::printable(&format!(
                    "rejected: line {}{id}: {field}{}\n",
                    r.line, r.reason
                )));
                Ok(())
            }
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            RejectSink::File(f) => f.flush(),
            RejectSink::Stderr => Ok(()),
        }
    }
}

/// What every record of one run shares: when it ran, and its context.
pub struct Stamp {
    at: String,
    context: ContextLog,
}

impl Stamp {
    /// The record of one decision, as one JSON line.
    pub fn record(&self, policy: &Identity, client: &Client, d: &Decision) -> String {
        audit::record_line(&self.at, policy, &self.context, client, d)
    }
}

/// The audit log (`evaluate --log`): one record per decision, appended, continuing the log's
/// hash chain. The records of a run are kept aside (in an unnamed temporary file, gone with the
/// process however it ends) and appended to the log by [`AuditLog::commit`], once the decisions
/// were delivered: the log never records a decision whose output was not written.
pub struct AuditLog {
    pub(super) stamp: Stamp,
    pub(super) file: BufWriter<File>,
    pub(super) chain: Chain,
    log: File,
}

impl AuditLog {
    /// Opens `path` to append the records of a run under `context`, stamped with the time now.
    pub fn open(path: &Path, context: &Context) -> Result<AuditLog, String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the audit log `{}`: {e}", path.display()))?;
        let chain = Chain::resume(path)
            .map_err(|e| format!("cannot read the audit log `{}`: {e}", path.display()))?;
        let pending = tempfile::tempfile().map_err(|e| {
            format!(
                "cannot keep the audit records of `{}` aside: {e}",
                path.display()
            )
        })?;
        Ok(AuditLog {
            stamp: Stamp {
                at: jiff::Timestamp::now().to_string(),
                context: ContextLog::new(context),
            },
            file: BufWriter::new(pending),
            chain,
            log,
        })
    }

    /// Appends the records of the run to the log: call it once the output is delivered.
    pub fn commit(self) -> io::Result<()> {
        use std::io::Seek as _;
        let mut pending = self.file.into_inner().map_err(|e| e.into_error())?;
        pending.seek(io::SeekFrom::Start(0))?;
        let mut log = self.log;
        io::copy(&mut pending, &mut log)?;
        log.sync_data()
    }
}

/// Where a streaming run puts its rejects and, when asked, its audit records.
pub struct Sinks {
    pub rejects: RejectSink,
    pub log: Option<AuditLog>,
}

impl Sinks {
    /// Rejects to standard error, no audit log.
    pub fn stderr() -> Sinks {
        Sinks {
            rejects: RejectSink::Stderr,
            log: None,
        }
    }

    /// Flushes the rejects file and the log.
    pub fn flush(&mut self) -> io::Result<()> {
        self.rejects.flush()?;
        match &mut self.log {
            Some(l) => l.file.flush(),
            None => Ok(()),
        }
    }
}
