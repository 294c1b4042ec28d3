//! Reading clients from CSV (with a header row), a JSON array of objects, or JSON Lines, from a
//! file or standard input (`-`). Rows stream one at a time; each comes out as a client or a
//! reject with its line number.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use std::sync::Arc;

use super::{Client, Column, Raw, Reject, RowBuilder, SeenIds};
use crate::policy::source::did_you_mean;

/// The input formats, chosen by file extension or, for standard input, by the first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Csv,
    Json,
    Jsonl,
}

/// A problem with the input as a whole: nothing more can be read from it.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read `{path}`: {source}")]
    Io { path: String, source: io::Error },
    #[error("`{path}` has no `{column}` column{hint}")]
    MissingColumn {
        path: String,
        column: &'static str,
        hint: String,
    },
    #[error("`{path}` has the column `{column}` twice in its header")]
    DuplicateColumn { path: String, column: String },
    #[error("`{path}` line {line}, column {column}: {message}")]
    Syntax {
        path: String,
        line: u64,
        column: u64,
        message: String,
    },
}

/// One input row's outcome.
#[derive(Debug)]
pub enum Row {
    Client(Box<Client>),
    Reject(Reject),
}

enum Inner {
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        columns: Arc<[(Column, String)]>,
    },
    Json {
        values: std::vec::IntoIter<(u64, serde_json::Value)>,
    },
    Jsonl {
        lines: io::Lines<Box<dyn BufRead + Send>>,
        line: u64,
    },
}

/// A row as read from the input, not yet checked, so that checking can run on any thread.
#[derive(Debug)]
pub enum RawRow {
    Csv {
        line: u64,
        record: csv::ByteRecord,
    },
    Json {
        line: u64,
        value: serde_json::Value,
    },
    /// A row that could not even be read as a row (bad JSON on a JSON Lines line).
    Bad(Reject),
}

impl RawRow {
    /// The input line the row starts on.
    pub fn line(&self) -> u64 {
        match self {
            RawRow::Csv { line, .. } | RawRow::Json { line, .. } => *line,
            RawRow::Bad(r) => r.line,
        }
    }
}

/// Turns raw rows into checked clients. Cheap to clone: one per worker thread.
#[derive(Debug, Clone)]
pub struct RowParser {
    columns: Arc<[(Column, String)]>,
    json_columns: HashMap<String, Column>,
}

/// Streams the rows of one input.
pub struct ClientReader {
    path: String,
    inner: Inner,
    parser: RowParser,
    seen: SeenIds,
    /// Bytes read so far, for a progress bar.
    bytes: u64,
    /// The size of the input file, when it is a file.
    pub size: Option<u64>,
}

fn open(path: &str) -> Result<Box<dyn BufRead + Send>, InputError> {
    if path == "-" {
        return Ok(Box::new(BufReader::new(io::stdin())));
    }
    let file = File::open(path).map_err(|source| InputError::Io {
        path: path.to_string(),
        source,
    })?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
}

impl ClientReader {
    /// Opens `path` (`-` for standard input) in the format its extension names, else the one
    /// its first character suggests.
    pub fn open(path: &str) -> Result<ClientReader, InputError> {
        let mut input = open(path)?;
        let io_err = |source| InputError::Io {
            path: path.to_string(),
            source,
        };
        let ext = Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let format = match ext.as_deref() {
            Some("csv") => InputFormat::Csv,
            Some("json") => InputFormat::Json,
            Some("jsonl") | Some("ndjson") => InputFormat::Jsonl,
            _ => {
                let buf = input.fill_buf().map_err(io_err)?;
                match buf.iter().find(|b| !b.is_ascii_whitespace()) {
                    Some(b'[') => InputFormat::Json,
                    Some(b'{') => InputFormat::Jsonl,
                    _ => InputFormat::Csv,
                }
            }
        };
        let inner = match format {
            InputFormat::Csv => {
                // Rows end at `\n`; a `\r` before it is trimmed with the cell. The csv crate's
                // own CRLF handling miscounts lines (rust-csv#395), and line numbers are how
                // a reject is found again.
                let mut reader = csv::ReaderBuilder::new()
                    .flexible(true)
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_reader(input as Box<dyn Read + Send>);
                let header = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
                let names: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
                check_header(path, &names)?;
                let columns: Arc<[(Column, String)]> = names
                    .iter()
                    .map(|n| (Column::for_name(n), n.clone()))
                    .collect();
                Inner::Csv { reader, columns }
            }
            InputFormat::Json => {
                let mut text = Vec::new();
                input.read_to_end(&mut text).map_err(io_err)?;
                Inner::Json {
                    values: json_array(path, &text)?.into_iter(),
                }
            }
            InputFormat::Jsonl => Inner::Jsonl {
                lines: input.lines(),
                line: 0,
            },
        };
        let columns = match &inner {
            Inner::Csv { columns, .. } => columns.clone(),
            _ => Arc::from(Vec::new()),
        };
        let size = if path == "-" {
            None
        } else {
            std::fs::metadata(path).ok().map(|m| m.len())
        };
        Ok(ClientReader {
            path: path.to_string(),
            inner,
            parser: RowParser {
                columns,
                json_columns: HashMap::new(),
            },
            seen: SeenIds::default(),
            bytes: 0,
            size,
        })
    }

    /// A parser for the rows of this input, to use on another thread.
    pub fn parser(&self) -> RowParser {
        self.parser.clone()
    }

    /// Bytes read so far (CSV and JSON Lines), for a progress bar.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next row as read, unchecked; `None` at the end.
    pub fn next_raw(&mut self) -> Option<Result<RawRow, InputError>> {
        match &mut self.inner {
            Inner::Csv { reader, .. } => {
                let mut record = csv::ByteRecord::new();
                match reader.read_byte_record(&mut record) {
                    Ok(false) => None,
                    Err(e) => Some(Err(csv_error(&self.path, &e))),
                    Ok(true) => {
                        let pos = record.position().map_or((0, 0), |p| (p.line(), p.byte()));
                        self.bytes = pos.1;
                        Some(Ok(RawRow::Csv {
                            line: pos.0,
                            record,
                        }))
                    }
                }
            }
            Inner::Json { values } => {
                let (line, value) = values.next()?;
                Some(Ok(RawRow::Json { line, value }))
            }
            Inner::Jsonl { lines, line } => loop {
                *line += 1;
                let l = match lines.next()? {
                    Ok(l) => l,
                    Err(e) => {
                        return Some(Err(InputError::Io {
                            path: self.path.clone(),
                            source: e,
                        }));
                    }
                };
                self.bytes += l.len() as u64 + 1;
                if l.trim().is_empty() {
                    continue;
                }
                let n = *line;
                return Some(Ok(match serde_json::from_str::<serde_json::Value>(&l) {
                    Ok(value) => RawRow::Json { line: n, value },
                    Err(e) => RawRow::Bad(Reject {
                        line: n,
                        id: None,
                        field: String::new(),
                        reason: format!("is not valid JSON: {e}"),
                    }),
                }));
            },
        }
    }
}

impl RowParser {
    /// Checks one raw row. Duplicate ids are not seen here: see [`SeenIds`].
    pub fn parse(&mut self, raw: RawRow) -> Result<Client, Reject> {
        match raw {
            RawRow::Bad(r) => Err(r),
            RawRow::Json { line, value } => self.object(line, value),
            RawRow::Csv { line, record } => {
                let columns = &self.columns;
                if record.len() != columns.len() {
                    // Keep the id, if the row has one, so the reject can be found.
                    let id = columns
                        .iter()
                        .position(|(c, _)| *c == Column::Id)
                        .and_then(|i| record.get(i))
                        .and_then(|v| std::str::from_utf8(v).ok())
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty());
                    return Err(Reject {
                        line,
                        id,
                        field: String::new(),
                        reason: format!(
                            "has {} cells but the header has {}",
                            record.len(),
                            columns.len()
                        ),
                    });
                }
                let mut b = RowBuilder::new(line);
                for ((column, name), cell) in columns.iter().zip(record.iter()) {
                    match std::str::from_utf8(cell) {
                        Ok(t) => b.cell(column, name, Raw::Text(t)),
                        Err(_) => {
                            return Err(Reject {
                                line,
                                id: None,
                                field: name.clone(),
                                reason: "is not UTF-8 text; save the file as UTF-8".into(),
                            });
                        }
                    }
                }
                b.finish()
            }
        }
    }

    fn object(&mut self, line: u64, value: serde_json::Value) -> Result<Client, Reject> {
        let serde_json::Value::Object(map) = value else {
            return Err(Reject {
                line,
                id: None,
                field: String::new(),
                reason: "is not an object; each client is `{\"id\": ..., \"annual_sales\": ...}`"
                    .into(),
            });
        };
        let mut b = RowBuilder::new(line);
        for (key, v) in &map {
            let column = self
                .json_columns
                .entry(key.clone())
                .or_insert_with(|| Column::for_name(key.trim()));
            let raw = match v {
                serde_json::Value::Null => Raw::Empty,
                serde_json::Value::String(s) => Raw::Text(s),
                serde_json::Value::Number(n) => Raw::Number(n.as_str()),
                serde_json::Value::Bool(b) => Raw::Bool(*b),
                _ => Raw::Nested,
            };
            b.cell(column, key, raw);
        }
        b.finish()
    }
}

fn check_header(path: &str, names: &[String]) -> Result<(), InputError> {
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(InputError::DuplicateColumn {
                path: path.to_string(),
                column: n.clone(),
            });
        }
    }
    for column in ["id", "annual_sales"] {
        if !names.iter().any(|n| n == column) {
            let hint = match did_you_mean(column, names.iter().map(String::as_str)) {
                Some(s) => {
                    format!("; is `{s}` meant to be `{column}`? Column names are exact snake_case")
                }
                None => format!(
                    "; the header row must name it (found: {})",
                    names.join(", ")
                ),
            };
            return Err(InputError::MissingColumn {
                path: path.to_string(),
                column,
                hint,
            });
        }
    }
    Ok(())
}

fn csv_error(path: &str, e: &csv::Error) -> InputError {
    let line = e.position().map_or(0, |p| p.line());
    InputError::Syntax {
        path: path.to_string(),
        line,
        column: 0,
        message: e.to_string(),
    }
}

/// The elements of a JSON array with the line each starts on.
fn json_array(path: &str, text: &[u8]) -> Result<Vec<(u64, serde_json::Value)>, InputError> {
    let syntax = |pos: usize, message: String| {
        let before = &text[..pos.min(text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() as u64 + 1;
        InputError::Syntax {
            path: path.to_string(),
            line,
            column: col,
            message,
        }
    };
    let skip = |mut i: usize| {
        while i < text.len() && text[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut i = skip(0);
    if text.get(i) != Some(&b'[') {
        return Err(syntax(
            i,
            "expected `[`: a JSON input is an array of client objects".into(),
        ));
    }
    i = skip(i + 1);
    let mut out = Vec::new();
    let (mut line, mut counted) = (1u64, 0usize);
    if text.get(i) == Some(&b']') {
        return Ok(out);
    }
    loop {
        line += text[counted..i].iter().filter(|&&b| b == b'\n').count() as u64;
        counted = i;
        let mut stream =
            serde_json::Deserializer::from_slice(&text[i..]).into_iter::<serde_json::Value>();
        match stream.next() {
            Some(Ok(v)) => out.push((line, v)),
            Some(Err(e)) => {
                let pos = i + stream.byte_offset();
                return Err(syntax(pos, format!("not valid JSON: {e}")));
            }
            None => return Err(syntax(i, "the array is not closed with `]`".into())),
        }
        i = skip(i + stream.byte_offset());
        match text.get(i) {
            Some(b',') => i = skip(i + 1),
            Some(b']') => break,
            _ => return Err(syntax(i, "expected `,` or `]` after a client".into())),
        }
    }
    if skip(i + 1) < text.len() {
        return Err(syntax(skip(i + 1), "text after the closing `]`".into()));
    }
    Ok(out)
}

impl Iterator for ClientReader {
    type Item = Result<Row, InputError>;

    /// The next row, checked, duplicate ids refused: for commands that read one row at a time.
    fn next(&mut self) -> Option<Self::Item> {
        let raw = match self.next_raw()? {
            Ok(raw) => raw,
            Err(e) => return Some(Err(e)),
        };
        Some(Ok(match self.parser.parse(raw) {
            Ok(c) => match self.seen.check(&c.id, c.line) {
                Ok(()) => Row::Client(Box::new(c)),
                Err(r) => Row::Reject(r),
            },
            Err(r) => Row::Reject(r),
        }))
    }
}
