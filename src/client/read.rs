//! Reading clients from CSV (with a header row), a JSON array of objects, JSON Lines, or a sheet
//! of an Excel workbook (see [`super::xlsx`]), from a file or standard input (`-`). Rows stream
//! one at a time; each comes out as a client or a reject with its line (or sheet row) number.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use std::sync::{Arc, Mutex};

use encoding_rs::Encoding;

use super::columns::{self, ColumnMap, ColumnNotes, HeaderError, Matcher, Placed};
use super::dialect::{self, Sniffed};
use super::xlsx::{self, SheetRow};
use super::{Checks, Client, Column, Raw, Reject, RowBuilder, SeenIds};
use crate::policy::source::did_you_mean;
use crate::safety::{LineCap, MAX_LINE};

/// How to read an input: what the user said about it (sheet, encoding, delimiter, column map,
/// strictness) and what the run's policy and context add (declared columns, checks).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// The sheet of a workbook [default: its first].
    pub sheet: Option<String>,
    /// The encoding of a text input [default: found from its first bytes].
    pub encoding: Option<&'static Encoding>,
    /// The delimiter of a CSV input [default: found from its header line].
    pub delimiter: Option<u8>,
    /// Their headers -> ours.
    pub columns: Option<Arc<ColumnMap>>,
    /// Ignored and missing columns are errors, not notes.
    pub strict: bool,
    /// The extra columns the policy declares (`[inputs] extra`): read, and not reported.
    pub declared: Vec<String>,
    /// The columns the policy scores (band tables and scripts): those missing are noted.
    /// `None`: every known column but the id, name, region and annual sales.
    pub scored: Option<Vec<String>>,
    /// The plausibility checks of the run.
    pub checks: Checks,
}

/// What the reader found out about an input as a whole, for the caller to tell once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputNotes {
    pub columns: ColumnNotes,
    /// The encoding of a text input, and how it was found.
    pub encoding: Option<Sniffed>,
    /// The delimiter of a CSV input.
    pub delimiter: Option<u8>,
}

/// The input formats, chosen by file extension or, for standard input, by the first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Csv,
    Json,
    Jsonl,
    /// An Excel workbook (`.xlsx`): one of its sheets.
    Xlsx,
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
    /// The header's columns cannot be read as they are (look-alikes, `--strict`, the map).
    #[error("`{path}`: {message}")]
    Columns { path: String, message: String },
    /// An option does not fit this input.
    #[error("`{path}` {message}")]
    Options { path: String, message: String },
    #[error("`{path}` line {line}, column {column}: {message}")]
    Syntax {
        path: String,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("`{path}` has no sheet `{sheet}`{hint}")]
    NoSheet {
        path: String,
        sheet: String,
        hint: String,
    },
    #[error("`{path}` {message}")]
    Workbook { path: String, message: String },
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
        lines: Arc<Mutex<LineIndex>>,
        /// The record read into, reused from row to row by [`ClientReader::next_batch`].
        record: csv::ByteRecord,
        /// The bytes and cells of the last batch, the room the next one is given.
        room: (usize, usize),
    },
    Json {
        values: std::vec::IntoIter<(u64, JsonItem)>,
    },
    Jsonl {
        lines: io::Lines<Box<dyn BufRead + Send>>,
        line: u64,
    },
    Xlsx {
        sheet: Box<xlsx::Sheet>,
        /// The sheet column of each header column, shared by every row.
        at: Arc<[u32]>,
        columns: Arc<[(Column, String)]>,
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
        value: JsonItem,
    },
    /// A row of a sheet of an Excel workbook.
    Sheet(SheetRow),
    /// A row that could not even be read as a row (bad JSON on a JSON Lines line).
    Bad(Reject),
}

/// Rows read together for a worker thread. The cells of a CSV batch sit in one buffer (three
/// allocations a batch instead of three a row, freed at once by the worker).
#[derive(Debug)]
pub enum RawBatch {
    Csv(CsvBatch),
    Rows(Vec<RawRow>),
}

impl RawBatch {
    /// How many rows the batch holds.
    pub fn len(&self) -> usize {
        match self {
            RawBatch::Csv(b) => b.rows.len(),
            RawBatch::Rows(rows) => rows.len(),
        }
    }

    /// Whether the batch holds no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The cells of CSV rows, one after the other in one buffer.
#[derive(Debug, Default)]
pub struct CsvBatch {
    /// Every cell's bytes, with nothing between them.
    bytes: Vec<u8>,
    /// The end of each cell in `bytes`; a cell starts where the one before it ends.
    ends: Vec<usize>,
    /// The line of each row and the index in `ends` of its first cell.
    rows: Vec<(u64, usize)>,
}

impl CsvBatch {
    fn push(&mut self, line: u64, record: &csv::ByteRecord) {
        self.rows.push((line, self.ends.len()));
        for cell in record {
            self.bytes.extend_from_slice(cell);
            self.ends.push(self.bytes.len());
        }
    }

    /// Row `i`: its line and cells.
    fn row(&self, i: usize) -> (u64, BatchCells<'_>) {
        let (line, first) = self.rows[i];
        let last = self.rows.get(i + 1).map_or(self.ends.len(), |r| r.1);
        let start = if first == 0 { 0 } else { self.ends[first - 1] };
        let end = if last > first {
            self.ends[last - 1]
        } else {
            start
        };
        (
            line,
            BatchCells {
                all: &self.bytes[start..end],
                start,
                ends: &self.ends[first..last],
            },
        )
    }
}

/// The cells of one CSV row: all their bytes, and where each lies in them.
trait Cells {
    fn all(&self) -> &[u8];
    fn count(&self) -> usize;
    /// The range of cell `i` in [`Cells::all`].
    fn range(&self, i: usize) -> std::ops::Range<usize>;
}

impl Cells for csv::ByteRecord {
    fn all(&self) -> &[u8] {
        self.as_slice()
    }
    fn count(&self) -> usize {
        self.len()
    }
    fn range(&self, i: usize) -> std::ops::Range<usize> {
        csv::ByteRecord::range(self, i).unwrap_or_default()
    }
}

struct BatchCells<'a> {
    all: &'a [u8],
    /// Where `all` starts in the batch's bytes.
    start: usize,
    ends: &'a [usize],
}

impl Cells for BatchCells<'_> {
    fn all(&self) -> &[u8] {
        self.all
    }
    fn count(&self) -> usize {
        self.ends.len()
    }
    fn range(&self, i: usize) -> std::ops::Range<usize> {
        let from = if i == 0 {
            0
        } else {
            self.ends[i - 1] - self.start
        };
        from..self.ends[i] - self.start
    }
}

impl RawRow {
    /// The input line the row starts on.
    pub fn line(&self) -> u64 {
        match self {
            RawRow::Csv { line, .. } | RawRow::Json { line, .. } => *line,
            RawRow::Sheet(row) => row.line,
            RawRow::Bad(r) => r.line,
        }
    }
}

/// The positions of newlines read but not yet passed, so the line of a byte offset can be told
/// in constant memory: offsets are asked for in increasing order.
#[derive(Debug, Default)]
struct LineIndex {
    /// Byte offsets of newlines at or after the last offset asked for.
    ahead: std::collections::VecDeque<u64>,
    /// Newlines before that.
    passed: u64,
}

impl LineIndex {
    /// The 1-based line of the record the csv reader places at byte `offset`. The reader
    /// places a record after the blank lines before it, so newlines right at the offset are
    /// blank lines and are passed too.
    fn line_at(&mut self, mut offset: u64) -> u64 {
        while let Some(&n) = self.ahead.front() {
            if n < offset {
                self.ahead.pop_front();
                self.passed += 1;
            } else if n == offset {
                self.ahead.pop_front();
                self.passed += 1;
                offset += 1;
            } else {
                break;
            }
        }
        self.passed + 1
    }
}

/// Reads the next row that is not blank (a blank line, or a lone `\r`, is not a row) into
/// `record`; its line, or `None` at the end. `bytes` is told how far the input has been read.
fn next_record(
    reader: &mut csv::Reader<Box<dyn Read + Send>>,
    record: &mut csv::ByteRecord,
    lines: &Mutex<LineIndex>,
    bytes: &mut u64,
) -> Result<Option<u64>, csv::Error> {
    loop {
        if !reader.read_byte_record(record)? {
            return Ok(None);
        }
        let byte = record.position().map_or(0, |p| p.byte());
        *bytes = byte;
        if record.len() == 1 && record[0].trim_ascii().is_empty() {
            continue;
        }
        return Ok(Some(lines.lock().map_or(0, |mut l| l.line_at(byte))));
    }
}

/// Passes bytes through, noting where each newline is.
struct LineCounter<R> {
    inner: R,
    offset: u64,
    lines: Arc<Mutex<LineIndex>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut l) = self.lines.lock() {
            // Eight bytes at a time: most words hold no newline.
            let mut at = 0;
            for word in buf[..n].chunks_exact(8) {
                let w = u64::from_ne_bytes(word.try_into().unwrap_or_default());
                let x = w ^ 0x0a0a_0a0a_0a0a_0a0a;
                if x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080 != 0 {
                    for (i, b) in word.iter().enumerate() {
                        if *b == b'\n' {
                            l.ahead.push_back(self.offset + (at + i) as u64);
                        }
                    }
                }
                at += 8;
            }
            for (i, b) in buf[at..n].iter().enumerate() {
                if *b == b'\n' {
                    l.ahead.push_back(self.offset + (at + i) as u64);
                }
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// The largest input read whole (a JSON array, an Excel workbook); JSON Lines and CSV stream.
const MAX_WHOLE_INPUT: u64 = 2 * 1024 * 1024 * 1024;

/// Turns raw rows into checked clients. Cheap to clone: one per worker thread.
#[derive(Debug, Clone)]
pub struct RowParser {
    columns: Arc<[(Column, String)]>,
    /// Where each JSON key goes, learnt as keys are met: the column (under our name), or the
    /// known column it looks like.
    json_columns: HashMap<String, Result<(Column, String), String>>,
    matcher: Arc<Matcher>,
    checks: Arc<Checks>,
    /// A JSON key no column takes and the policy does not declare rejects the row (a
    /// service request), instead of being kept as an extra (a file, whose unknown columns
    /// are told once as a note).
    refuse_unknown: bool,
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
    notes: InputNotes,
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
    /// its first character suggests, with the default [`ReadOptions`].
    pub fn open(path: &str) -> Result<ClientReader, InputError> {
        ClientReader::open_with(path, &ReadOptions::default())
    }

    /// Like [`ClientReader::open`], read as `options` say: an Excel workbook from the sheet
    /// they name (naming a sheet of an input that is not a workbook is an error), a text input
    /// in their encoding and delimiter (else found from its first bytes), its header through
    /// their column map.
    pub fn open_with(path: &str, options: &ReadOptions) -> Result<ClientReader, InputError> {
        let mut input = open(path)?;
        let io_err = |source| InputError::Io {
            path: path.to_string(),
            source,
        };
        let ext = Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let by_ext = match ext.as_deref() {
            Some("csv" | "tsv" | "txt") => Some(InputFormat::Csv),
            Some("json") => Some(InputFormat::Json),
            Some("jsonl") | Some("ndjson") => Some(InputFormat::Jsonl),
            Some("xlsx") | Some("xlsm") => Some(InputFormat::Xlsx),
            Some(other @ ("xls" | "xlsb" | "ods" | "numbers")) => {
                return Err(InputError::Workbook {
                    path: path.to_string(),
                    message: format!(
                        "is a `.{other}` workbook, which is not read; save it as an Excel workbook (.xlsx) or as CSV"
                    ),
                });
            }
            _ => None,
        };
        let zipped =
            by_ext.is_none() && input.fill_buf().map_err(io_err)?.starts_with(b"PK\x03\x04");
        let mut notes = InputNotes::default();
        let matcher = Arc::new(Matcher {
            map: options.columns.clone(),
            declared: options.declared.clone(),
        });
        let fail_options = |message: String| InputError::Options {
            path: path.to_string(),
            message,
        };
        if let Some(name) = &options.sheet
            && !(by_ext == Some(InputFormat::Xlsx) || zipped)
        {
            return Err(fail_options(format!(
                "is not an Excel workbook (.xlsx), so it has no sheet `{name}` to read; leave out `--sheet`"
            )));
        }
        let inner = if by_ext == Some(InputFormat::Xlsx) || zipped {
            if options.encoding.is_some() || options.delimiter.is_some() {
                return Err(fail_options(
                    "is an Excel workbook: `--encoding` and `--delimiter` are for text (CSV) input; leave them out".into(),
                ));
            }
            let bytes = crate::safety::read_capped(input, MAX_WHOLE_INPUT).map_err(io_err)?;
            let (sheet, names) = xlsx::Sheet::open(path, bytes, options.sheet.as_deref())?;
            let header = header(path, &names, &matcher, options)?;
            notes.columns = header.notes;
            let at = sheet.columns();
            Inner::Xlsx {
                sheet: Box::new(sheet),
                at,
                columns: header.columns.into(),
            }
        } else {
            let decoded = dialect::decode(input, options.encoding).map_err(io_err)?;
            notes.encoding = Some(decoded.sniffed);
            let format = by_ext.unwrap_or_else(|| {
                match decoded.head.iter().find(|b| !b.is_ascii_whitespace()) {
                    Some(b'[') => InputFormat::Json,
                    Some(b'{') => InputFormat::Jsonl,
                    _ => InputFormat::Csv,
                }
            });
            if options.delimiter.is_some() && format != InputFormat::Csv {
                return Err(fail_options(
                    "is JSON: `--delimiter` is for CSV input; leave it out".into(),
                ));
            }
            match format {
                InputFormat::Csv => {
                    // Rows end at `\n`: a file whose lines end with a lone `\r` (classic Mac
                    // OS) would read as one long header row.
                    let head: &[u8] = decoded.head.as_ref();
                    if head.contains(&b'\r') && !head.contains(&b'\n') {
                        return Err(fail_options(
                            "ends its lines with a carriage return alone (`\\r`, as classic Mac OS did); save it with Windows (CRLF) or Unix (LF) line endings".into(),
                        ));
                    }
                    let delimiter = options
                        .delimiter
                        .unwrap_or_else(|| dialect::sniff_delimiter(&decoded.head));
                    notes.delimiter = Some(delimiter);
                    // Rows end at `\n`; a `\r` before it is trimmed with the cell. Line numbers
                    // are counted here from the bytes, as the csv crate's own count goes wrong
                    // after a blank line or with `\r\n` (rust-csv#395), and they are how a
                    // reject is found.
                    let lines = Arc::new(Mutex::new(LineIndex::default()));
                    let counted = LineCounter {
                        inner: LineCap::new(decoded.reader, MAX_LINE),
                        offset: 0,
                        lines: lines.clone(),
                    };
                    let mut reader = csv::ReaderBuilder::new()
                        .buffer_capacity(1 << 16)
                        .flexible(true)
                        .delimiter(delimiter)
                        .terminator(csv::Terminator::Any(b'\n'))
                        .from_reader(Box::new(counted) as Box<dyn Read + Send>);
                    let names: Vec<String> = reader
                        .byte_headers()
                        .map_err(|e| csv_error(path, &e))?
                        .iter()
                        .map(|h| String::from_utf8_lossy(h).trim().to_string())
                        .collect();
                    let header = header(path, &names, &matcher, options)?;
                    notes.columns = header.notes;
                    Inner::Csv {
                        reader,
                        columns: header.columns.into(),
                        lines,
                        record: csv::ByteRecord::new(),
                        room: (0, 0),
                    }
                }
                InputFormat::Json => {
                    let text = crate::safety::read_capped(decoded.reader, MAX_WHOLE_INPUT)
                        .map_err(io_err)?;
                    let values = json_array(path, &text)?;
                    // Every key of every object, in order of first use, as the header.
                    let mut names: Vec<String> = Vec::new();
                    let mut seen: std::collections::HashSet<String> = Default::default();
                    for (_, item) in &values {
                        if let serde_json::Value::Object(m) = &item.value {
                            for k in m.keys() {
                                if seen.insert(k.trim().to_string()) {
                                    names.push(k.trim().to_string());
                                }
                            }
                        }
                    }
                    notes.columns = json_header(path, &names, &matcher, options)?;
                    Inner::Json {
                        values: values.into_iter(),
                    }
                }
                InputFormat::Jsonl | InputFormat::Xlsx => {
                    // The keys of the first object stand for the header.
                    let first = decoded
                        .head
                        .split(|&b| b == b'\n')
                        .find(|l| !l.trim_ascii().is_empty())
                        .and_then(|l| serde_json::from_slice::<serde_json::Value>(l).ok());
                    if let Some(serde_json::Value::Object(m)) = first {
                        let names: Vec<String> = m.keys().map(|k| k.trim().to_string()).collect();
                        notes.columns = json_header(path, &names, &matcher, options)?;
                    }
                    Inner::Jsonl {
                        lines: (Box::new(BufReader::with_capacity(
                            1 << 16,
                            LineCap::new(decoded.reader, MAX_LINE),
                        )) as Box<dyn BufRead + Send>)
                            .lines(),
                        line: 0,
                    }
                }
            }
        };
        let columns = match &inner {
            Inner::Csv { columns, .. } | Inner::Xlsx { columns, .. } => columns.clone(),
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
                matcher,
                checks: Arc::new(options.checks.clone()),
                refuse_unknown: false,
            },
            seen: SeenIds::default(),
            bytes: 0,
            size,
            notes,
        })
    }

    /// What the reader found out about the input as a whole: ignored and missing columns, its
    /// encoding and delimiter.
    pub fn notes(&self) -> &InputNotes {
        &self.notes
    }

    /// The input as named.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A parser for the rows of this input, to use on another thread.
    pub fn parser(&self) -> RowParser {
        self.parser.clone()
    }

    /// Bytes read so far (CSV and JSON Lines; for a workbook, its share of rows handed out), for
    /// a progress bar.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Up to `rows` rows as read, unchecked, and fewer than `bytes` bytes of CSV cells (past
    /// one row): an empty batch at the end. An error stops the input; the rows before it
    /// come with it.
    pub fn next_batch(&mut self, rows: usize, bytes: usize) -> (RawBatch, Option<InputError>) {
        let Inner::Csv {
            reader,
            lines,
            record,
            room,
            ..
        } = &mut self.inner
        else {
            let mut batch = Vec::with_capacity(rows);
            while batch.len() < rows {
                match self.next_raw() {
                    None => break,
                    Some(Ok(raw)) => batch.push(raw),
                    Some(Err(e)) => return (RawBatch::Rows(batch), Some(e)),
                }
            }
            return (RawBatch::Rows(batch), None);
        };
        // As much room as the last batch took (no growing on the way), but not the room of
        // one giant row again.
        let mut batch = CsvBatch {
            bytes: Vec::with_capacity(room.0.min(2 * bytes)),
            ends: Vec::with_capacity(room.1.min(2 * rows * self.parser.columns.len().max(1))),
            rows: Vec::with_capacity(rows),
        };
        *room = (0, 0);
        while batch.rows.len() < rows && batch.bytes.len() < bytes {
            match next_record(reader, record, lines, &mut self.bytes) {
                Ok(None) => break,
                Err(e) => return (RawBatch::Csv(batch), Some(csv_error(&self.path, &e))),
                Ok(Some(line)) => batch.push(line, record),
            }
        }
        *room = (batch.bytes.len(), batch.ends.len());
        (RawBatch::Csv(batch), None)
    }

    /// The next row as read, unchecked; `None` at the end.
    pub fn next_raw(&mut self) -> Option<Result<RawRow, InputError>> {
        match &mut self.inner {
            Inner::Csv { reader, lines, .. } => {
                let mut record = csv::ByteRecord::new();
                match next_record(reader, &mut record, lines, &mut self.bytes) {
                    Ok(None) => None,
                    Err(e) => Some(Err(csv_error(&self.path, &e))),
                    Ok(Some(line)) => Some(Ok(RawRow::Csv { line, record })),
                }
            }
            Inner::Json { values } => {
                let (line, value) = values.next()?;
                Some(Ok(RawRow::Json { line, value }))
            }
            Inner::Xlsx { sheet, at, .. } => {
                let row = sheet.next_row(at);
                // The workbook is in memory; progress is the share of its rows handed out.
                self.bytes = (self.size.unwrap_or(0) as f64 * sheet.done()) as u64;
                Some(Ok(RawRow::Sheet(row?)))
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
                return Some(Ok(match serde_json::from_str::<JsonItem>(&l) {
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
    /// A parser of single JSON objects read as the rows of a JSON input are (a service
    /// request's client), under `options`' column map, declared columns and checks; a key no
    /// column takes is refused, naming it. Keep it for the next object: it learns each key
    /// once.
    pub fn for_json(options: &ReadOptions) -> RowParser {
        RowParser {
            refuse_unknown: true,
            columns: Arc::from(Vec::new()),
            json_columns: HashMap::new(),
            matcher: Arc::new(Matcher {
                map: options.columns.clone(),
                declared: options.declared.clone(),
            }),
            checks: Arc::new(options.checks.clone()),
        }
    }

    /// One client from the bytes of one JSON object, checked as a row of a JSON input (row
    /// `line`): `Err` with the field at fault, or the JSON error's line and column.
    pub fn json_object(&mut self, line: u64, bytes: &[u8]) -> Result<Client, Reject> {
        let item: JsonItem = serde_json::from_slice(bytes).map_err(|e| Reject {
            line,
            id: None,
            field: String::new(),
            reason: format!(
                "is not a JSON object: {} (line {}, column {})",
                e,
                e.line(),
                e.column()
            ),
        })?;
        self.object(line, item)
    }

    /// Checks one raw row. Duplicate ids are not seen here: see [`SeenIds`].
    pub fn parse(&mut self, raw: RawRow) -> Result<Client, Reject> {
        match raw {
            RawRow::Bad(r) => Err(r),
            RawRow::Json { line, value } => self.object(line, value),
            RawRow::Sheet(row) => xlsx::parse(&self.columns, row, &self.checks),
            RawRow::Csv { line, record } => self.csv(line, &record),
        }
    }

    /// Checks the rows of a batch, in order; see [`RowParser::parse`].
    pub fn parse_batch(&mut self, batch: RawBatch) -> impl Iterator<Item = Result<Client, Reject>> {
        let (csv, rows) = match batch {
            RawBatch::Csv(b) => (Some(b), Vec::new()),
            RawBatch::Rows(rows) => (None, rows),
        };
        let n = csv.as_ref().map_or(0, |b| b.rows.len());
        let mut rows = rows.into_iter();
        let mut i = 0;
        std::iter::from_fn(move || match &csv {
            Some(b) if i < n => {
                let (line, cells) = b.row(i);
                i += 1;
                Some(self.csv(line, &cells))
            }
            Some(_) => None,
            None => rows.next().map(|raw| self.parse(raw)),
        })
    }

    /// Checks the cells of a CSV row. The text is checked to be UTF-8 once for the row.
    fn csv(&mut self, line: u64, record: &impl Cells) -> Result<Client, Reject> {
        let columns = &self.columns;
        if record.count() != columns.len() {
            // Keep the id, if the row has one, so the reject can be found.
            let id = columns
                .iter()
                .position(|(c, _)| *c == Column::Id)
                .filter(|i| *i < record.count())
                .and_then(|i| record.all().get(record.range(i)))
                .and_then(|v| std::str::from_utf8(v).ok())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            return Err(Reject {
                line,
                id,
                field: String::new(),
                reason: format!(
                    "has {} cells but the header has {}",
                    record.count(),
                    columns.len()
                ),
            });
        }
        let Ok(all) = std::str::from_utf8(record.all()) else {
            // Name the first cell that is not UTF-8.
            let bad = (0..record.count())
                .find(|i| std::str::from_utf8(&record.all()[record.range(*i)]).is_err())
                .unwrap_or_default();
            return Err(Reject {
                line,
                id: None,
                field: columns[bad].1.clone(),
                reason: "is not UTF-8 text, though the start of the file is; name the file's encoding with --encoding (e.g. gb18030), or save it as UTF-8".into(),
            });
        };
        let mut b = RowBuilder::new(line);
        for (i, (column, name)) in columns.iter().enumerate() {
            // Cells end at an ASCII delimiter, so each is UTF-8 as the whole is.
            let cell = all.get(record.range(i)).unwrap_or_default();
            b.cell(column, name, Raw::Text(cell));
        }
        b.finish_checked(&self.checks)
    }

    /// The names of the header row's columns, in order; none for JSON input, whose rows name
    /// their own fields.
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|(_, n)| n.as_str())
    }

    /// The text of the cell `name` of a raw row, trimmed and unchecked: what a row says even
    /// when it is rejected (the group it names, say). `None` when the row has no such cell, has
    /// the wrong number of cells, or is a sheet row or a row that could not be read.
    pub fn raw_text(&self, raw: &RawRow, name: &str) -> Option<String> {
        let text = match raw {
            // A row with the wrong number of cells says nothing for sure.
            RawRow::Csv { record, .. } if record.len() == self.columns.len() => {
                let i = self.columns.iter().position(|(_, n)| n == name)?;
                std::str::from_utf8(record.get(i)?).ok()?.to_string()
            }
            RawRow::Json { value, .. } => match value.value.get(name)? {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => return None,
            },
            _ => return None,
        };
        Some(text.trim().to_string())
    }

    fn object(&mut self, line: u64, item: JsonItem) -> Result<Client, Reject> {
        if let Some(key) = item.twice {
            return Err(Reject {
                line,
                id: json_id(item.value.get("id")),
                field: key,
                reason:
                    "is given twice in this object: which one is meant is not known; give it once"
                        .into(),
            });
        }
        let serde_json::Value::Object(map) = item.value else {
            return Err(Reject {
                line,
                id: None,
                field: String::new(),
                reason: "is not an object; each client is `{\"id\": ..., \"annual_sales\": ...}`"
                    .into(),
            });
        };
        let mut b = RowBuilder::new(line);
        // Our column of each key so far: two keys for one column (`sales` mapped to
        // `annual_sales` beside `annual_sales`) say two things, as a header naming it twice.
        let mut given: HashMap<String, &str> = HashMap::new();
        for (key, v) in &map {
            let matcher = &self.matcher;
            let placed =
                self.json_columns
                    .entry(key.clone())
                    .or_insert_with(|| match matcher.place(key) {
                        Placed::Known(c, ours) => Ok((c, ours)),
                        Placed::Dropped => Ok((Column::Skip, key.clone())),
                        Placed::Unknown => Ok((Column::Extra(Arc::from(key.trim())), key.clone())),
                        Placed::LooksLike(like) => Err(like),
                    });
            if self.refuse_unknown
                && let Ok((Column::Extra(name), _)) = placed
                && !self.matcher.declared.iter().any(|d| **d == **name)
            {
                return Err(Reject {
                    line,
                    id: json_id(map.get("id")),
                    field: key.clone(),
                    reason: "is not a fact this policy reads; leave it out, or declare it in the policy's `[inputs] extra`".into(),
                });
            }
            let (column, name) = match placed {
                Ok((c, n)) => (&*c, n.as_str()),
                Err(like) => {
                    let like = like.clone();
                    b.refuse(
                        key,
                        format!("looks like `{like}`; rename it, or map it with --columns FILE"),
                    );
                    continue;
                }
            };
            if *column != Column::Skip
                && let Some(first) = given.insert(name.to_string(), key)
            {
                return Err(Reject {
                    line,
                    id: json_id(map.get("id")),
                    field: name.to_string(),
                    reason: format!(
                        "given twice in this object, as `{first}` and as `{key}`: which one is meant is not known; give it once"
                    ),
                });
            }
            let raw = match v {
                serde_json::Value::Null => Raw::Empty,
                serde_json::Value::String(s) => Raw::Text(s),
                serde_json::Value::Number(n) => Raw::Number(n.as_str()),
                serde_json::Value::Bool(b) => Raw::Bool(*b),
                _ => Raw::Nested,
            };
            b.cell(column, name, raw);
        }
        b.finish_checked(&self.checks)
    }
}

/// Places a header's columns (see [`columns::resolve`]) and checks the required ones are there.
fn header(
    path: &str,
    names: &[String],
    matcher: &Matcher,
    options: &ReadOptions,
) -> Result<columns::Header, InputError> {
    let header = columns::resolve(names, matcher, options.scored.as_deref(), options.strict)
        .map_err(|e| match e {
            HeaderError::Duplicate(column) => InputError::DuplicateColumn {
                path: path.to_string(),
                column,
            },
            other => InputError::Columns {
                path: path.to_string(),
                message: other.to_string(),
            },
        })?;
    let ours: Vec<&str> = header.columns.iter().map(|(_, n)| n.as_str()).collect();
    for column in ["id", "annual_sales"] {
        if !ours.contains(&column) {
            let hint = match did_you_mean(column, names.iter().map(String::as_str)) {
                Some(s) => {
                    format!("; is `{s}` meant to be `{column}`? Column names are exact snake_case")
                }
                None if names.len() == 1 && names[0].contains([';', '\t', ',', '|']) => format!(
                    "; the header is one column `{}`: is the delimiter wrong? Give it with --delimiter",
                    names[0]
                ),
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
    Ok(header)
}

/// The notes of a JSON input's keys: look-alikes and `--strict` are errors as for a header,
/// and the required columns are checked on each row instead.
fn json_header(
    path: &str,
    names: &[String],
    matcher: &Matcher,
    options: &ReadOptions,
) -> Result<ColumnNotes, InputError> {
    match columns::resolve(names, matcher, options.scored.as_deref(), options.strict) {
        Ok(h) => Ok(h.notes),
        Err(HeaderError::Duplicate(_)) => Ok(ColumnNotes::default()),
        Err(e) => Err(InputError::Columns {
            path: path.to_string(),
            message: e.to_string(),
        }),
    }
}

fn csv_error(path: &str, e: &csv::Error) -> InputError {
    if let csv::ErrorKind::Io(io) = e.kind() {
        return InputError::Io {
            path: path.to_string(),
            source: io::Error::new(io.kind(), io.to_string()),
        };
    }
    let line = e.position().map_or(0, |p| p.line());
    InputError::Syntax {
        path: path.to_string(),
        line,
        column: 0,
        message: e.to_string(),
    }
}

/// One client of a JSON input as read: its value, and the first key the object gives twice, if
/// any (`serde_json::Value` keeps the last silently; a row that says two things is rejected).
#[derive(Debug)]
pub struct JsonItem {
    value: serde_json::Value,
    twice: Option<String>,
}

impl<'de> serde::Deserialize<'de> for JsonItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items;
        impl<'de> serde::de::Visitor<'de> for Items {
            type Value = JsonItem;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a client object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<JsonItem, A::Error> {
                let mut map = serde_json::Map::new();
                let mut twice = None;
                while let Some(key) = m.next_key::<String>()? {
                    let v: serde_json::Value = m.next_value()?;
                    // A number at the top level (arbitrary precision reads it as this map).
                    if key == "$serde_json::private::Number" {
                        return Ok(JsonItem::other());
                    }
                    if map.insert(key.clone(), v).is_some() && twice.is_none() {
                        twice = Some(key);
                    }
                }
                Ok(JsonItem {
                    value: serde_json::Value::Object(map),
                    twice,
                })
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<JsonItem, A::Error> {
                while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(JsonItem::other())
            }
            fn visit_bool<E>(self, _: bool) -> Result<JsonItem, E> {
                Ok(JsonItem::other())
            }
            fn visit_i64<E>(self, _: i64) -> Result<JsonItem, E> {
                Ok(JsonItem::other())
            }
            fn visit_u64<E>(self, _: u64) -> Result<JsonItem, E> {
                Ok(JsonItem::other())
            }
            fn visit_f64<E>(self, _: f64) -> Result<JsonItem, E> {
                Ok(JsonItem::other())
            }
            fn visit_str<E>(self, _: &str) -> Result<JsonItem, E> {
                Ok(JsonItem::other())
            }
            fn visit_unit<E>(self) -> Result<JsonItem, E> {
                Ok(JsonItem::other())
            }
        }
        d.deserialize_any(Items)
    }
}

impl JsonItem {
    /// Anything but an object: rejected as such.
    fn other() -> JsonItem {
        JsonItem {
            value: serde_json::Value::Null,
            twice: None,
        }
    }
}

/// The `id` an object gives, if any, for a reject that must name its row.
fn json_id(value: Option<&serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::String(s) => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The elements of a JSON array with the line each starts on.
fn json_array(path: &str, text: &[u8]) -> Result<Vec<(u64, JsonItem)>, InputError> {
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
        let mut stream = serde_json::Deserializer::from_slice(&text[i..]).into_iter::<JsonItem>();
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

impl std::fmt::Debug for ClientReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientReader")
            .field("path", &self.path)
            .field("notes", &self.notes)
            .finish_non_exhaustive()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_never_ends_is_an_error_at_the_cap_and_lines_that_end_pass() {
        let mut endless = LineCap::new(io::repeat(b'x'), 1024 * 1024);
        let e = io::copy(&mut endless, &mut io::sink()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().starts_with("a line runs past 1 MiB"), "{e}");
        // Ten megabytes of short lines pass a one-megabyte cap.
        let mut lines = LineCap::new(io::repeat(b'\n').take(10 << 20), 1024 * 1024);
        assert_eq!(io::copy(&mut lines, &mut io::sink()).unwrap(), 10 << 20);
    }

    fn lines_of(text: &str) -> Vec<(u64, String)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(&path, text).unwrap();
        let mut r = ClientReader::open(path.to_str().unwrap()).unwrap();
        let mut out = Vec::new();
        while let Some(raw) = r.next_raw() {
            let raw = raw.unwrap();
            let id = match &raw {
                RawRow::Csv { record, .. } => {
                    String::from_utf8_lossy(&record[0]).trim().to_string()
                }
                _ => String::new(),
            };
            out.push((raw.line(), id));
        }
        out
    }

    #[test]
    fn line_numbers_count_blank_lines_quoted_newlines_and_crlf() {
        let want = vec![
            (2, "A".to_string()),
            (4, "B".into()),
            (7, "C\nD".into()),
            (9, "E".into()),
        ];
        assert_eq!(
            lines_of("id,annual_sales\nA,1\n\nB,2\n\n\n\"C\nD\",3\nE,4\n"),
            want
        );
        assert_eq!(
            lines_of("id,annual_sales\r\nA,1\r\n\r\nB,2\r\n\r\n\r\n\"C\nD\",3\r\nE,4\r\n"),
            want
        );
        assert_eq!(lines_of("id,annual_sales\nA,1"), vec![(2, "A".to_string())]);
    }
}
