//! Reading what happened to each client over the period after the snapshot (`--outcomes`):
//! a CSV with a header row, one client a row. Nothing is guessed: a row that cannot be read
//! exactly is rejected with its line, field and what to do, and listed; a column that is
//! missing stops the read, naming a column of the file that looks like it.
//!
//! | column | required | what it holds |
//! |---|---|---|
//! | `id` | yes | the client's id, as in the snapshot |
//! | `bad` | yes | `yes`/`no` (also `true`/`false`, `1`/`0`): 90+ days past due, default or write-off in the period |
//! | `loss` | yes | money lost on the client in the period (0 when none), exact decimal, not negative |
//! | `sales` | yes | what was sold to the client in the period, exact decimal, not negative |
//! | `max_days_past_due` | no | the most days past due in the period, a whole number |

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::parse_decimal;

/// The columns an outcomes file must have.
pub const REQUIRED: [&str; 4] = ["id", "bad", "loss", "sales"];
/// The columns it may have.
pub const OPTIONAL: [&str; 1] = ["max_days_past_due"];

/// What happened to one client.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The line of the outcomes file.
    pub line: u64,
    pub bad: bool,
    pub loss: Decimal,
    pub sales: Decimal,
    pub max_days_past_due: Option<u32>,
}

/// A row of the outcomes file that was not taken, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeReject {
    pub line: u64,
    pub id: Option<String>,
    pub field: String,
    pub reason: String,
}

/// A row taken, but doubtful: said once, not rejected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeWarning {
    pub line: u64,
    pub id: String,
    pub message: String,
}

/// The outcomes file read.
#[derive(Debug, Clone, Default)]
pub struct OutcomeFile {
    /// The outcome of each client id.
    pub by_id: HashMap<String, Outcome>,
    /// The ids in file order.
    pub order: Vec<String>,
    pub rejects: Vec<OutcomeReject>,
    pub warnings: Vec<OutcomeWarning>,
    /// Columns of the file that are not read.
    pub ignored: Vec<String>,
    /// Data rows in the file.
    pub rows: u64,
    /// How the file's encoding was found (guessed when it is not UTF-8 and was not named).
    pub encoding: Option<crate::client::dialect::Sniffed>,
}

/// Why the outcomes file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum OutcomesError {
    #[error("cannot read `{path}`: {message}")]
    Read { path: String, message: String },
    #[error("`{path}` has no header row; the first line must name the columns {}", listed(&REQUIRED))]
    NoHeader { path: String },
    #[error("`{path}` has no column {}{hint}; an outcomes file has the columns {} (and may have `max_days_past_due`)", listed(missing), listed(&REQUIRED))]
    Missing {
        path: String,
        missing: Vec<String>,
        hint: String,
    },
    #[error("`{path}` names the column `{column}` twice (columns {first} and {second}); keep one")]
    Twice {
        path: String,
        column: String,
        first: usize,
        second: usize,
    },
}

fn listed<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `yes`/`no`, `true`/`false`, `1`/`0`, `y`/`n` in any case, and `是`/`否` as Chinese exports
/// write them (the same words the client input takes for a yes/no column).
fn parse_bad(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "y" | "是" => Some(true),
        "no" | "false" | "0" | "n" | "否" => Some(false),
        _ => None,
    }
}

/// Reads the outcomes at `path`, in `encoding` when given (else found from its bytes).
pub fn read(
    path: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<OutcomeFile, OutcomesError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| OutcomesError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let capped = crate::safety::LineCap::new(file, crate::safety::MAX_LINE);
    read_from(capped, &shown, encoding)
}

/// Reads outcomes from `input`, named `path` in messages. The encoding is `encoding` when given,
/// else found as for the client input (a byte order mark, UTF-8, else a guess such as GB18030
/// for an ERP export), and so is the
/// delimiter (`,`, `;` or tab); line numbers count the file's own lines, CRLF ends included.
pub fn read_from(
    input: impl Read + Send + 'static,
    path: &str,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<OutcomeFile, OutcomesError> {
    let io_error = |e: std::io::Error| OutcomesError::Read {
        path: path.to_string(),
        message: e.to_string(),
    };
    let mut decoded =
        crate::client::dialect::decode(Box::new(input), encoding).map_err(io_error)?;
    let mut text = Vec::new();
    decoded.reader.read_to_end(&mut text).map_err(io_error)?;
    let read_error = |e: csv::Error| OutcomesError::Read {
        path: path.to_string(),
        message: match e.kind() {
            csv::ErrorKind::Utf8 { pos, .. } => format!(
                "line {}: not text in {}; save it as CSV (UTF-8), or name its encoding with --outcomes-encoding",
                pos.as_ref().map_or(0, |p| p.line()),
                decoded.sniffed.encoding.name()
            ),
            _ => e.to_string(),
        },
    };
    // The line a record starts on. The csv reader places a record at the end of the line
    // before it, blank lines skipped, so its first byte is past the line ends that follow;
    // its line is one more than the newlines before that byte.
    // Records come in order, so the newlines are counted once, from the last record on.
    let (mut counted_to, mut newlines) = (0usize, 0u64);
    let mut line_of = |byte: u64| {
        let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
        while at < text.len() && matches!(text[at], b'\r' | b'\n') {
            at += 1;
        }
        let from = counted_to.min(at);
        newlines += text[from..at].iter().filter(|&&b| b == b'\n').count() as u64;
        counted_to = counted_to.max(at);
        1 + newlines
    };
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .delimiter(crate::client::dialect::sniff_delimiter(&text))
        .from_reader(text.as_slice());
    let header: Vec<String> = r
        .headers()
        .map_err(read_error)?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            };
            h.trim().to_ascii_lowercase()
        })
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(OutcomesError::NoHeader {
            path: path.to_string(),
        });
    }
    let known: Vec<&str> = REQUIRED.iter().chain(&OPTIONAL).copied().collect();
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, h) in header.iter().enumerate() {
        match known.iter().find(|k| **k == h) {
            Some(k) => {
                if let Some(first) = at.insert(k, i) {
                    return Err(OutcomesError::Twice {
                        path: path.to_string(),
                        column: h.clone(),
                        first: first + 1,
                        second: i + 1,
                    });
                }
            }
            None => ignored.push(h.clone()),
        }
    }
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|c| !at.contains_key(*c))
        .map(|c| c.to_string())
        .collect();
    if !missing.is_empty() {
        let hints: Vec<String> = missing
            .iter()
            .filter_map(|m| {
                crate::policy::source::closest(m, ignored.iter().map(String::as_str))
                    .map(|c| format!("`{c}` for `{m}`"))
            })
            .collect();
        let hint = if hints.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", hints.join(", "))
        };
        return Err(OutcomesError::Missing {
            path: path.to_string(),
            missing,
            hint,
        });
    }
    let col = |name: &str| at.get(name).copied();
    let (id_at, bad_at, loss_at, sales_at) = (
        col("id").unwrap_or(0),
        col("bad").unwrap_or(0),
        col("loss").unwrap_or(0),
        col("sales").unwrap_or(0),
    );
    let dpd_at = col("max_days_past_due");
    let mut out = OutcomeFile {
        ignored,
        encoding: Some(decoded.sniffed),
        ..OutcomeFile::default()
    };
    // The line each id was first seen on; a duplicate rejects every row of the id.
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut duplicated: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match r.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(read_error(e));
            }
        }
        let line = record.position().map_or(0, |p| line_of(p.byte()));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        out.rows += 1;
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        let id = cell(id_at).to_string();
        let reject = |field: &str, reason: String| OutcomeReject {
            line,
            id: (!id.is_empty()).then(|| id.clone()),
            field: field.to_string(),
            reason,
        };
        if record.len() != header.len() {
            out.rejects.push(reject(
                "",
                format!(
                    "{} cells where the header has {}: check the delimiter and quotes of this row",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        if id.is_empty() {
            out.rejects
                .push(reject("id", "empty: every outcome names its client".into()));
            continue;
        }
        if let Some(first) = seen.get(&id) {
            out.rejects.push(reject(
                "id",
                format!(
                    "`{id}` has an outcome on line {first} too: neither is used; keep the one that is right"
                ),
            ));
            duplicated.entry(id.clone()).or_insert(*first);
            continue;
        }
        seen.insert(id.clone(), line);
        let Some(bad) = parse_bad(cell(bad_at)) else {
            let given = cell(bad_at);
            out.rejects.push(reject(
                "bad",
                if given.is_empty() {
                    "empty: write `yes` when the client went bad (90+ days past due, default or write-off), else `no`".into()
                } else {
                    format!("`{given}` is not yes/no (also true/false, 1/0, y/n, 是/否): write `yes` when the client went bad, else `no`")
                },
            ));
            continue;
        };
        let money = |i: usize, name: &str| -> Result<Decimal, String> {
            let text = cell(i);
            if text.is_empty() {
                return Err(format!("empty: write 0 when there is no {name}"));
            }
            let d = parse_decimal(text).map_err(|e| format!("`{text}`: {e}"))?;
            if d.is_sign_negative() && !d.is_zero() {
                return Err(format!(
                    "`{text}` is negative: give the {name} as a positive amount (a recovery lowers the loss, never below 0)"
                ));
            }
            Ok(d)
        };
        let loss = match money(loss_at, "loss") {
            Ok(d) => d,
            Err(m) => {
                out.rejects.push(reject("loss", m));
                continue;
            }
        };
        let sales = match money(sales_at, "sales") {
            Ok(d) => d,
            Err(m) => {
                out.rejects.push(reject("sales", m));
                continue;
            }
        };
        let max_days_past_due = match dpd_at.map(cell) {
            None | Some("") => None,
            Some(text) => match text.parse::<u32>() {
                Ok(d) => Some(d),
                Err(_) => {
                    out.rejects.push(reject(
                        "max_days_past_due",
                        format!("`{text}` is not a whole number of days (0 or more); leave it empty when unknown"),
                    ));
                    continue;
                }
            },
        };
        if !bad && max_days_past_due.is_some_and(|d| d >= 90) {
            out.warnings.push(OutcomeWarning {
                line,
                id: id.clone(),
                message: format!(
                    "`bad` is no but `max_days_past_due` is {}: 90+ days past due is bad by definition; check the row",
                    max_days_past_due.unwrap_or(0)
                ),
            });
        }
        if !bad && loss > Decimal::ZERO {
            out.warnings.push(OutcomeWarning {
                line,
                id: id.clone(),
                message: format!(
                    "`bad` is no but `loss` is {loss}: a client with a loss has usually been written off; check the row"
                ),
            });
        }
        out.order.push(id.clone());
        out.by_id.insert(
            id,
            Outcome {
                line,
                bad,
                loss,
                sales,
                max_days_past_due,
            },
        );
    }
    // The first row of a duplicated id is rejected too: which one is right is not known.
    for (id, first) in duplicated {
        if out.by_id.remove(&id).is_some() {
            out.order.retain(|x| *x != id);
        }
        out.rejects.push(OutcomeReject {
            line: first,
            id: Some(id.clone()),
            field: "id".into(),
            reason: "`{id}` has more than one outcome: neither is used; keep the one that is right"
                .replace("{id}", &id),
        });
    }
    out.rejects.sort_by_key(|r| r.line);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<OutcomeFile, OutcomesError> {
        read_from(
            std::io::Cursor::new(text.as_bytes().to_vec()),
            "outcomes.csv",
            None,
        )
    }

    #[test]
    fn reads_every_spelling_of_bad_and_exact_money() {
        let o = read_text(
            "id,bad,loss,sales,max_days_past_due\nA,yes,100.10,5000,120\nB,No,0,0.30,\nC,TRUE,0,1,95\nD,0,0,1,3\n",
        )
        .unwrap();
        assert!(o.rejects.is_empty(), "{:?}", o.rejects);
        assert!(o.by_id["A"].bad && !o.by_id["B"].bad && o.by_id["C"].bad && !o.by_id["D"].bad);
        assert_eq!(o.by_id["A"].loss.to_string(), "100.10");
        assert_eq!(o.by_id["B"].sales.to_string(), "0.30");
        assert_eq!(o.by_id["A"].max_days_past_due, Some(120));
        assert_eq!(o.by_id["B"].max_days_past_due, None);
        assert_eq!(o.order, ["A", "B", "C", "D"]);
    }

    #[test]
    fn a_missing_column_names_the_one_that_looks_like_it() {
        let e = read_text("id,bad,los,sales\nA,yes,1,1\n").unwrap_err();
        let m = e.to_string();
        assert!(m.contains("no column `loss`"), "{m}");
        assert!(m.contains("did you mean `los` for `loss`?"), "{m}");
    }

    #[test]
    fn an_erp_export_in_gb18030_with_crlf_semicolons_and_chinese_yes_no_reads_with_its_lines() {
        let text = "id;bad;loss;sales\r\n\u{534e}\u{4e1c}01;\u{662f};10.00;5\r\n\u{534e}\u{4e1c}02;\u{5426};0;7\r\n\r\nX;maybe;0;1\r\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        let o = read_from(
            std::io::Cursor::new(bytes.into_owned()),
            "erp.csv",
            Some(encoding_rs::GB18030),
        )
        .unwrap();
        assert_eq!(o.by_id.len(), 2, "{:?}", o.rejects);
        assert!(o.by_id["\u{534e}\u{4e1c}01"].bad);
        assert!(!o.by_id["\u{534e}\u{4e1c}02"].bad);
        let r: Vec<(u64, &str)> = o
            .rejects
            .iter()
            .map(|r| (r.line, r.field.as_str()))
            .collect();
        assert_eq!(r, [(5, "bad")], "the blank line 4 counts");
    }

    #[test]
    fn bad_rows_are_rejected_with_line_field_and_what_to_do() {
        let o = read_text(
            "id,bad,loss,sales\nA,maybe,0,1\nB,no,-5,1\nC,no,0,\nD,no,0,1\nD,yes,9,1\n,no,0,1\nE,no,0\n",
        )
        .unwrap();
        let r: Vec<(u64, &str)> = o
            .rejects
            .iter()
            .map(|r| (r.line, r.field.as_str()))
            .collect();
        assert_eq!(
            r,
            [
                (2, "bad"),
                (3, "loss"),
                (4, "sales"),
                (5, "id"),
                (6, "id"),
                (7, "id"),
                (8, "")
            ]
        );
        assert!(o.rejects[0].reason.contains("`maybe` is not yes/no"));
        assert!(o.rejects[1].reason.contains("negative"));
        assert!(o.by_id.is_empty(), "{:?}", o.by_id);
        assert_eq!(o.rows, 7);
    }

    #[test]
    fn doubtful_rows_are_taken_with_a_warning() {
        let o = read_text("id,bad,loss,sales,max_days_past_due\nA,no,10,1,91\n").unwrap();
        assert_eq!(o.warnings.len(), 2);
        assert!(o.by_id.contains_key("A"));
    }
}
