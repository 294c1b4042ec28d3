//! The hash chain that makes the audit log tamper-evident.
//!
//! Every record carries `seq` (its position in the chain, from 1), `prev` (the SHA-256 of the
//! exact bytes of the line before it, without its line end; for the first record of a log,
//! the SHA-256 of the text [`GENESIS`]) and `hash`: the SHA-256 of the record's canonical form,
//! its JSON without `hash`, fields in the fixed order of [`Record`] (maps in name order). Each
//! record also carries `context_hash` (the SHA-256 of its context's canonical JSON), the
//! existing `input_hash` (its client fields) and `parts`, short SHA-256 prefixes of its
//! timestamp, policy identity and decision, so that an edited record can be told by what was
//! edited. [`verify`] reads a log and says what is wrong with its chain, line by line.
//!
//! A chain shows a deletion, a duplicate, a reordering or an edit; it does not stop someone who
//! rewrites every hash from the edit to the end, nor shows records cut from the end: keep the
//! last `hash` (printed by `replay`) somewhere else to check against.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ContextLog, Record, fields_hash};
use crate::policy::Identity;

/// What the `prev` of the first record of a log is the SHA-256 of.
pub const GENESIS: &str = "credit-policy audit log";

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `sha256:` and the hex digest of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// The first 16 hex digits of the SHA-256 of `bytes`: enough to tell which part of a record
/// was edited, the record's own `hash` covering the whole.
fn short(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes)[..8])
}

/// The `prev` of the first record of a log.
pub fn genesis() -> String {
    sha256(GENESIS.as_bytes())
}

/// The SHA-256 of the canonical context: its JSON, `as_of`, `economy`, then `company` with its
/// figures in name order.
pub fn context_hash(c: &ContextLog) -> String {
    sha256(serde_json::to_string(c).unwrap_or_default().as_bytes())
}

/// Short hashes of the parts of a record its other hashes do not cover on their own.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Parts {
    /// Of `at`.
    pub at: String,
    /// Of `engine` and `policy`.
    pub policy: String,
    /// Of `decision`.
    pub decision: String,
}

impl Parts {
    pub fn new(at: &str, engine: &str, policy: &Identity, decision: &serde_json::Value) -> Parts {
        Parts {
            at: short(at.as_bytes()),
            policy: short(policy_text(engine, policy).as_bytes()),
            decision: short(
                serde_json::to_string(decision)
                    .unwrap_or_default()
                    .as_bytes(),
            ),
        }
    }
}

fn policy_text(engine: &str, policy: &Identity) -> String {
    format!(
        "{engine}\n{}",
        serde_json::to_string(policy).unwrap_or_default()
    )
}

/// The hash a record should carry: of its JSON without `hash`.
pub fn record_hash(rec: &Record) -> String {
    let mut r = rec.clone();
    r.hash = None;
    sha256(serde_json::to_string(&r).unwrap_or_default().as_bytes())
}

/// What of a record no longer matches its hashes, by field group (the context aside: see
/// [`Tamper::ContextEdited`]).
pub fn edited_parts(rec: &Record) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Some(p) = &rec.parts {
        if p.at != short(rec.at.as_bytes()) {
            out.push("timestamp");
        }
        if p.policy != short(policy_text(&rec.engine, &rec.policy).as_bytes()) {
            out.push("policy identity");
        }
    }
    if fields_hash(&rec.client) != rec.input_hash {
        out.push("client");
    }
    if let Some(p) = &rec.parts
        && p.decision
            != short(
                serde_json::to_string(&rec.decision)
                    .unwrap_or_default()
                    .as_bytes(),
            )
    {
        out.push("decision");
    }
    out
}

/// Whether the record's context no longer matches its `context_hash` (`false` for a record
/// without one).
pub fn context_edited(rec: &Record) -> bool {
    rec.context_hash
        .as_ref()
        .is_some_and(|h| *h != context_hash(&rec.context))
}

/// Where the next record of a log goes in its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The `seq` of the next record.
    pub seq: u64,
    /// The `prev` of the next record.
    pub prev: String,
    /// The log does not end with a line end: the next record starts a new line.
    newline_first: bool,
}

impl Default for Chain {
    fn default() -> Chain {
        Chain {
            seq: 1,
            prev: genesis(),
            newline_first: false,
        }
    }
}

impl Chain {
    /// The chain of the log at `path`, continued from its last line: after a record of the
    /// chain, the next `seq` and the hash of that line; after a line that is not (a record
    /// written before tamper evidence), `seq` 1 and the hash of that line; a new log starts
    /// from the genesis value.
    pub fn resume(path: &Path) -> io::Result<Chain> {
        let mut f = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Chain::default()),
            Err(e) => return Err(e),
        };
        let len = f.metadata()?.len();
        if len == 0 {
            return Ok(Chain::default());
        }
        let mut chunk = 8192u64;
        let mut tail = Vec::new();
        let last = loop {
            let start = len.saturating_sub(chunk);
            f.seek(SeekFrom::Start(start))?;
            tail.clear();
            (&mut f).take(len - start).read_to_end(&mut tail)?;
            let end = tail
                .iter()
                .rposition(|&b| b != b'\n' && b != b'\r')
                .map_or(0, |i| i + 1);
            let body = &tail[..end];
            if let Some(i) = body.iter().rposition(|&b| b == b'\n') {
                break body[i + 1..].to_vec();
            }
            if start == 0 {
                break body.to_vec();
            }
            chunk *= 4;
        };
        let newline_first = tail.last() != Some(&b'\n');
        if last.is_empty() {
            return Ok(Chain {
                newline_first,
                ..Chain::default()
            });
        }
        let seq = serde_json::from_slice::<Record>(&last)
            .ok()
            .and_then(|r| r.seq)
            .map_or(1, |s| s + 1);
        Ok(Chain {
            seq,
            prev: sha256(&last),
            newline_first,
        })
    }

    /// The chain continued after `last`, the last line of a log kept elsewhere (a database):
    /// the next `seq` and the hash of that line; a new chain from the genesis value.
    pub fn after(last: Option<&str>) -> Chain {
        let Some(last) = last.filter(|l| !l.is_empty()) else {
            return Chain::default();
        };
        let seq = serde_json::from_str::<Record>(last)
            .ok()
            .and_then(|r| r.seq)
            .map_or(1, |s| s + 1);
        Chain {
            seq,
            prev: sha256(last.as_bytes()),
            newline_first: false,
        }
    }

    /// The line of the record `body` (a record's JSON without `seq`, `prev` and `hash`, as
    /// [`super::record_line`] makes it) in the chain: `seq`, `prev` and its `hash` added, as
    /// serde would write them, the chain moved on.
    pub fn seal(&mut self, body: &str) -> String {
        let Some(open) = body.strip_suffix('}') else {
            return body.to_string();
        };
        let mut line = String::with_capacity(body.len() + 200);
        line.push_str(open);
        let _ = write!(line, ",\"seq\":{},\"prev\":\"{}\"}}", self.seq, self.prev);
        let hash = sha256(line.as_bytes());
        line.pop();
        let _ = write!(line, ",\"hash\":\"{hash}\"}}");
        self.prev = sha256(line.as_bytes());
        self.seq += 1;
        line
    }

    /// Writes the record `body` to `out` as the next line of the chain.
    pub fn write(&mut self, out: &mut impl Write, body: &str) -> io::Result<()> {
        if std::mem::take(&mut self.newline_first) {
            out.write_all(b"\n")?;
        }
        out.write_all(self.seal(body).as_bytes())?;
        out.write_all(b"\n")
    }
}

/// What can be wrong with a chain; written by its [`Tamper::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// A `seq` missing from the chain.
    Deleted,
    /// A line that repeats an earlier one.
    Duplicated,
    /// A record after one with a higher `seq`.
    Reordered,
    /// A record whose `hash` does not match its content.
    Edited,
    /// A record whose context does not match its `context_hash`.
    ContextEdited,
    /// A record whose `prev` is not the hash of the record before it, though in order.
    BrokenLink,
    /// A line that is not a record of the chain, after the chain began.
    NotChained,
}

impl Tamper {
    pub fn name(self) -> &'static str {
        match self {
            Tamper::Deleted => "deleted record",
            Tamper::Duplicated => "duplicated record",
            Tamper::Reordered => "reordered records",
            Tamper::Edited => "edited record",
            Tamper::ContextEdited => "context edited",
            Tamper::BrokenLink => "broken link",
            Tamper::NotChained => "not in the chain",
        }
    }
}

impl Serialize for Tamper {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One thing wrong with a chain, at a line of the log.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub line: u64,
    pub tamper: Tamper,
    pub detail: String,
}

/// The last record of a chain: what to keep elsewhere to check the log against later.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Last {
    pub seq: u64,
    pub hash: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Integrity {
    /// Records with the chain fields.
    pub chained: u64,
    /// Records without, before the chain began: written before tamper evidence, they cannot
    /// be verified.
    pub unchained: u64,
    pub last: Option<Last>,
    pub findings: Vec<Finding>,
}

impl Integrity {
    /// Nothing wrong with the chain (true too of a log with no chain at all).
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }
}

struct Entry {
    line: u64,
    seq: u64,
    prev: String,
    /// The hash of the line before it, or the genesis value.
    expected_prev: String,
    sound: bool,
}

/// Reads a log and checks its chain: every record's content against its hashes, every `seq`
/// once and in order, every `prev` against the line before.
pub fn verify(log: impl BufRead) -> io::Result<Integrity> {
    let mut out = Integrity::default();
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen: HashMap<String, (u64, u64)> = HashMap::new();
    let mut before: Option<String> = None;
    for (i, line) in log.lines().enumerate() {
        let n = i as u64 + 1;
        let started = !entries.is_empty();
        let text = match line {
            Ok(t) => t,
            Err(e) => {
                // The replay reports the line as unreadable too; here, the chain stops.
                if started {
                    out.findings.push(Finding {
                        line: n,
                        tamper: Tamper::NotChained,
                        detail: format!("the log cannot be read from here: {e}"),
                    });
                }
                break;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        let own = sha256(text.as_bytes());
        let rec = serde_json::from_str::<Record>(&text).ok();
        let chained = rec
            .as_ref()
            .and_then(|r| Some((r.seq?, r.prev.clone()?, r.hash.clone()?)));
        let (Some(rec), Some((seq, prev, hash))) = (rec.as_ref(), chained) else {
            // A record with a context hash or parts was written with a chain: its chain
            // fields were taken out.
            let stripped = rec
                .as_ref()
                .is_some_and(|r| r.context_hash.is_some() || r.parts.is_some());
            if stripped {
                out.findings.push(Finding {
                    line: n,
                    tamper: Tamper::NotChained,
                    detail: "a record written with a chain, its `seq`, `prev` or `hash` removed"
                        .into(),
                });
            } else if started {
                out.findings.push(Finding {
                    line: n,
                    tamper: Tamper::NotChained,
                    detail: match &rec {
                        Some(_) => {
                            "a record without `seq`, `prev` and `hash` after the chain began".into()
                        }
                        None => "not an audit record, after the chain began".into(),
                    },
                });
            } else if rec.is_some() {
                out.unchained += 1;
            }
            before = Some(own);
            continue;
        };
        out.chained += 1;
        if let Some((at, s)) = seen.get(&own) {
            out.findings.push(Finding {
                line: n,
                tamper: Tamper::Duplicated,
                detail: format!("it repeats line {at} (seq {s})"),
            });
            before = Some(own);
            continue;
        }
        seen.insert(own.clone(), (n, seq));
        let context = context_edited(rec);
        if context {
            out.findings.push(Finding {
                line: n,
                tamper: Tamper::ContextEdited,
                detail: format!(
                    "seq {seq}: the context (as of {}, economy {}) does not match its context_hash",
                    rec.context.as_of, rec.context.economy
                ),
            });
        }
        let content = record_hash(rec) == hash;
        if !content {
            let parts = edited_parts(rec);
            if !parts.is_empty() || !context {
                let what = if parts.is_empty() {
                    "its chain fields or a field a record does not have".to_string()
                } else {
                    parts.join(", ")
                };
                out.findings.push(Finding {
                    line: n,
                    tamper: Tamper::Edited,
                    detail: format!("seq {seq}: its hash does not match its content: {what}"),
                });
            }
        }
        entries.push(Entry {
            line: n,
            seq,
            prev,
            expected_prev: before.take().unwrap_or_else(genesis),
            sound: content && !context,
        });
        out.last = Some(Last { seq, hash });
        before = Some(own);
    }
    // Order and links, in file order.
    let mut top: Option<(u64, u64)> = None; // (seq, line) of the highest seq so far
    let mut previous: Option<&Entry> = None;
    for e in &entries {
        if let Some((s, l)) = top
            && e.seq <= s
        {
            out.findings.push(Finding {
                line: e.line,
                tamper: Tamper::Reordered,
                detail: format!("seq {} comes after seq {s} (line {l})", e.seq),
            });
            previous = Some(e);
            continue;
        }
        let linked = match previous {
            Some(p) => p.seq + 1 == e.seq && p.sound,
            None => e.seq == 1,
        };
        if linked && e.prev != e.expected_prev {
            out.findings.push(Finding {
                line: e.line,
                tamper: Tamper::BrokenLink,
                detail: match previous {
                    Some(p) => format!(
                        "seq {}: its prev is not the hash of line {} (seq {}): that record was edited and hashed again, or a line was put in between",
                        e.seq, p.line, p.seq
                    ),
                    None => format!(
                        "seq {}: its prev is neither the genesis value nor the hash of the line before: what came before it was replaced",
                        e.seq
                    ),
                },
            });
        }
        top = Some((e.seq, e.line));
        previous = Some(e);
    }
    // Deletions: every seq from 1 to the highest that no record has.
    let present: BTreeMap<u64, u64> = entries.iter().map(|e| (e.seq, e.line)).collect();
    let mut expect = 1u64;
    for (&seq, &line) in &present {
        if seq > expect {
            let missing = if seq - expect == 1 {
                format!("seq {expect} is missing")
            } else {
                format!("seq {expect} to {} are missing", seq - 1)
            };
            out.findings.push(Finding {
                line,
                tamper: Tamper::Deleted,
                detail: format!("{missing}, before seq {seq}"),
            });
        }
        expect = seq + 1;
    }
    out.findings.sort_by_key(|f| f.line);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(n: u32) -> String {
        let context = ContextLog {
            as_of: "2026-01-31".into(),
            economy: "normal".into(),
            company: None,
        };
        let policy = Identity {
            name: "standard".into(),
            version: "1".into(),
            hash: "sha256:00".into(),
        };
        let client: BTreeMap<String, String> = [("id".to_string(), format!("C{n}"))].into();
        let decision = serde_json::json!({"grade": "A", "limit": n});
        let r = Record {
            at: "2026-01-31T10:00:00Z".into(),
            engine: "0.1.0".into(),
            policy: policy.clone(),
            context_hash: Some(context_hash(&context)),
            context,
            input_hash: fields_hash(&client),
            client,
            parts: Some(Parts::new(
                "2026-01-31T10:00:00Z",
                "0.1.0",
                &policy,
                &decision,
            )),
            decision,
            seq: None,
            prev: None,
            hash: None,
        };
        serde_json::to_string(&r).expect("json")
    }

    /// A record as written before tamper evidence.
    fn old(n: u32) -> String {
        let mut rec: Record = serde_json::from_str(&body(n)).expect("record");
        (rec.context_hash, rec.parts) = (None, None);
        serde_json::to_string(&rec).expect("json")
    }

    fn log(n: u32) -> Vec<String> {
        let mut c = Chain::default();
        (1..=n).map(|i| c.seal(&body(i))).collect()
    }

    fn check(lines: &[String]) -> Integrity {
        verify(io::Cursor::new(lines.join("\n") + "\n")).expect("read")
    }

    fn kinds(i: &Integrity) -> Vec<(u64, Tamper)> {
        i.findings.iter().map(|f| (f.line, f.tamper)).collect()
    }

    #[test]
    fn a_sealed_line_is_what_serde_writes_of_the_record() {
        let line = &log(1)[0];
        let rec: Record = serde_json::from_str(line).expect("a record");
        assert_eq!(serde_json::to_string(&rec).expect("json"), *line);
        assert_eq!(rec.seq, Some(1));
        assert_eq!(rec.prev, Some(genesis()));
        assert_eq!(rec.hash, Some(record_hash(&rec)));
    }

    #[test]
    fn each_prev_is_the_hash_of_the_line_before() {
        let lines = log(3);
        let recs: Vec<Record> = lines
            .iter()
            .map(|l| serde_json::from_str(l).expect("record"))
            .collect();
        assert_eq!(recs[1].prev, Some(sha256(lines[0].as_bytes())));
        assert_eq!(recs[2].prev, Some(sha256(lines[1].as_bytes())));
        assert_eq!(recs[2].seq, Some(3));
    }

    #[test]
    fn an_untouched_chain_is_intact() {
        let i = check(&log(4));
        assert!(i.intact(), "{:?}", i.findings);
        assert_eq!(i.chained, 4);
        assert_eq!(i.last.expect("a last").seq, 4);
    }

    #[test]
    fn each_tampering_is_found_by_name() {
        let mut l = log(5);
        l.remove(2);
        assert_eq!(kinds(&check(&l)), [(3, Tamper::Deleted)]);

        let mut l = log(5);
        l.insert(3, l[2].clone());
        assert_eq!(kinds(&check(&l)), [(4, Tamper::Duplicated)]);

        let mut l = log(5);
        l.swap(1, 2);
        assert_eq!(kinds(&check(&l)), [(3, Tamper::Reordered)]);

        let mut l = log(5);
        l[1] = l[1].replace("\"grade\":\"A\"", "\"grade\":\"B\"");
        let i = check(&l);
        assert_eq!(kinds(&i), [(2, Tamper::Edited)]);
        assert!(
            i.findings[0].detail.ends_with(": decision"),
            "{:?}",
            i.findings
        );

        let mut l = log(5);
        l[1] = l[1].replace("2026-01-31T10", "2026-01-30T10");
        let i = check(&l);
        assert_eq!(kinds(&i), [(2, Tamper::Edited)]);
        assert!(
            i.findings[0].detail.ends_with(": timestamp"),
            "{:?}",
            i.findings
        );

        let mut l = log(5);
        l[1] = l[1].replace("\"as_of\":\"2026-01-31\"", "\"as_of\":\"2025-01-31\"");
        assert_eq!(kinds(&check(&l)), [(2, Tamper::ContextEdited)]);
    }

    #[test]
    fn an_edit_hashed_again_breaks_the_next_link() {
        let mut l = log(3);
        let mut rec: Record = serde_json::from_str(&l[1]).expect("record");
        rec.decision = serde_json::json!({"grade": "B", "limit": 2});
        rec.parts = Some(Parts::new(&rec.at, &rec.engine, &rec.policy, &rec.decision));
        rec.hash = None;
        rec.hash = Some(record_hash(&rec));
        l[1] = serde_json::to_string(&rec).expect("json");
        assert_eq!(kinds(&check(&l)), [(3, Tamper::BrokenLink)]);
    }

    #[test]
    fn a_log_without_the_chain_fields_is_unchained_not_broken() {
        let l: Vec<String> = (1..=2).map(old).collect();
        let i = check(&l);
        assert!(i.intact());
        assert_eq!((i.chained, i.unchained), (0, 2));
    }

    #[test]
    fn a_record_stripped_of_its_chain_fields_is_not_taken_for_an_old_one() {
        let mut l = log(3);
        let mut rec: Record = serde_json::from_str(&l[0]).expect("record");
        (rec.seq, rec.prev, rec.hash) = (None, None, None);
        l[0] = serde_json::to_string(&rec).expect("json");
        let i = check(&l);
        assert_eq!(kinds(&i), [(1, Tamper::NotChained), (2, Tamper::Deleted)]);
        let mut l = log(3);
        l[2] = body(3);
        assert_eq!(kinds(&check(&l)), [(3, Tamper::NotChained)]);
    }

    #[test]
    fn a_line_that_is_not_text_stops_the_chain_with_a_finding() {
        let mut bytes = log(2).join("\n").into_bytes();
        bytes.extend_from_slice(b"\n\xff\xfe\n");
        let i = verify(io::Cursor::new(bytes)).expect("read");
        assert_eq!(kinds(&i), [(3, Tamper::NotChained)]);
        assert_eq!(i.chained, 2);
    }

    #[test]
    fn resume_continues_the_chain_of_a_log_on_disk() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("log.jsonl");
        assert_eq!(Chain::resume(&path).expect("resume"), Chain::default());
        let mut c = Chain::default();
        let mut file = std::fs::File::create(&path).expect("create");
        for i in 1..=2 {
            c.write(&mut file, &body(i)).expect("write");
        }
        let mut again = Chain::resume(&path).expect("resume");
        assert_eq!(again, c);
        again.write(&mut file, &body(3)).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        let i = verify(io::Cursor::new(text)).expect("verify");
        assert!(i.intact(), "{:?}", i.findings);
        assert_eq!(i.chained, 3);
    }

    #[test]
    fn resume_after_an_old_record_starts_at_one_linked_to_it() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("log.jsonl");
        let old = old(1);
        std::fs::write(&path, &old).expect("write");
        let mut c = Chain::resume(&path).expect("resume");
        assert_eq!((c.seq, c.prev.clone()), (1, sha256(old.as_bytes())));
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        c.write(&mut file, &body(2)).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 2, "a new line for the new record");
        let i = verify(io::Cursor::new(text)).expect("verify");
        assert!(i.intact(), "{:?}", i.findings);
        assert_eq!((i.chained, i.unchained), (1, 1));
    }
}
