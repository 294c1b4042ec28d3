//! Reading clients from an Excel workbook (`.xlsx`): one sheet (the first, or the one named
//! with `--sheet`), its first row the header, every other row a client, checked by the same
//! [`RowBuilder`] as a CSV row so the rejects are the same. A row's line is its sheet row number
//! (the header is row 1 when the table starts at A1), so a reject can be found in Excel.
//!
//! How cells are taken:
//!
//! * an empty cell is unknown, as in CSV;
//! * a text cell is taken as written, so `0.40` typed as text is exactly 0.40;
//! * a number cell is the shortest decimal that reads back as the number Excel stored. Excel
//!   keeps every number as a binary float, so a typed `0.4` comes back as `0.4`, but a formula
//!   such as `=0.1+0.2` yields `0.30000000000000004`, as Excel itself stores it (round it in
//!   Excel with `=ROUND(...)` when that matters). In a money column it gets at least two decimal
//!   places (`1539000` reads as `1539000.00`), the same value written as money is everywhere;
//! * `TRUE`/`FALSE` are the yes/no values `true`/`false`;
//! * a cell formatted as a date is that day as `YYYY-MM-DD` (a time of day is dropped);
//! * an error value such as `#DIV/0!` rejects the row, naming the cell.
//!
//! The sheet's cells are read one by one and kept sparse (only the cells that hold something),
//! so a workbook's declared dimension or a lone cell at `XFD1048576` costs nothing; rows are
//! then handed out one at a time like the rows of any other input.

use std::io::Cursor;
use std::sync::Arc;

use calamine::{Data, Reader, SheetType, SheetVisible, Xlsx};

use super::read::InputError;
use super::{Checks, Client, Column, Kind, Raw, Reject, RowBuilder};
use crate::policy::source::did_you_mean;

/// Excel's sheet: 1,048,576 rows and 16,384 columns (`XFD`), counted from 0 here.
const EXCEL_ROWS: u32 = 1_048_576;
const EXCEL_COLUMNS: u32 = 16_384;

/// One sheet of a workbook, its cells read one by one (never as a rectangle: a sheet's declared
/// dimension, or one cell at `XFD1048576`, would otherwise size an allocation of billions of
/// cells), handing out its rows after the header.
pub struct Sheet {
    /// The rows holding a cell that is not blank, in sheet order: (0-based row, its non-blank
    /// cells by ascending 0-based column).
    rows: Vec<(u32, Vec<(u32, Data)>)>,
    /// The index in `rows` of the next row to hand out.
    next: usize,
    /// The absolute (0-based) column of each named column of the header, ascending.
    named: Arc<[u32]>,
}

/// A sheet row as read, not yet checked: the cells under the named header columns, in header
/// order.
#[derive(Debug)]
pub struct SheetRow {
    /// The sheet row number (1-based).
    pub line: u64,
    cells: Vec<Data>,
    /// The absolute column index of each cell, to name a cell in a reject.
    columns: Arc<[u32]>,
    /// The first non-empty cell of the row under a blank header cell, such as `H5`.
    stray: Option<String>,
}

impl Sheet {
    /// Reads the workbook in `bytes` and picks the sheet named `wanted` (Excel's names are
    /// matched without regard to case), else the first visible worksheet. Returns the sheet and
    /// its header names, in column order.
    pub fn open(
        path: &str,
        bytes: Vec<u8>,
        wanted: Option<&str>,
    ) -> Result<(Sheet, Vec<String>), InputError> {
        let fail = |message: String| InputError::Workbook {
            path: path.to_string(),
            message,
        };
        // The workbook parser is a dependency reading untrusted bytes: a panic inside it (its
        // integer arithmetic on cell references such as `r="AAAAAAAAA2"`, a row number past
        // 2^32 or a dimension `B2:A1` overflows in a build with overflow checks) is a workbook
        // that cannot be read, not a crash of the run. What it leaves behind is dropped.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Sheet::read(path, bytes, wanted)
        }));
        match read {
            Ok(result) => result,
            Err(panic) => {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "the reader failed".into());
                Err(fail(format!(
                    "is not a readable Excel workbook (the workbook reader gave up: {why}); save it from Excel as .xlsx"
                )))
            }
        }
    }

    /// [`Sheet::open`] without the guard against a panic of the workbook parser.
    fn read(
        path: &str,
        bytes: Vec<u8>,
        wanted: Option<&str>,
    ) -> Result<(Sheet, Vec<String>), InputError> {
        let fail = |message: String| InputError::Workbook {
            path: path.to_string(),
            message,
        };
        let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
            fail(format!(
                "is not a readable Excel workbook ({e}); save it from Excel as .xlsx"
            ))
        })?;
        let sheets = book.sheets_metadata().to_vec();
        let worksheets: Vec<&calamine::Sheet> = sheets
            .iter()
            .filter(|s| s.typ == SheetType::WorkSheet)
            .collect();
        let name = match wanted {
            Some(w) => match sheets.iter().find(|s| s.name == w).or_else(|| {
                let w = w.to_lowercase();
                sheets.iter().find(|s| s.name.to_lowercase() == w)
            }) {
                Some(s) => s.name.clone(),
                None => {
                    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
                    let listed = names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let hint = match did_you_mean(w, names.iter().copied()) {
                        Some(s) => format!("; did you mean `{s}`? The sheets are {listed}"),
                        None => format!("; the sheets are {listed}"),
                    };
                    return Err(InputError::NoSheet {
                        path: path.to_string(),
                        sheet: w.to_string(),
                        hint,
                    });
                }
            },
            None => match worksheets
                .iter()
                .find(|s| s.visible == SheetVisible::Visible)
                .or(worksheets.first())
            {
                Some(s) => s.name.clone(),
                None => return Err(fail("has no worksheet".into())),
            },
        };
        let mut cells: Vec<(u32, u32, Data)> = Vec::new();
        {
            let mut reader = book
                .worksheet_cells_reader(&name)
                .map_err(|e| fail(format!("cannot read sheet `{name}`: {e}")))?;
            loop {
                match reader.next_cell() {
                    Ok(Some(cell)) => {
                        let (r, c) = cell.get_position();
                        // Past Excel's last cell (XFD1048576) a reference is not Excel's: a
                        // nine-letter column or a ten-digit row, whose position the reader may
                        // have wrapped around 2^32, so the value would land in the wrong cell.
                        if r >= EXCEL_ROWS || c >= EXCEL_COLUMNS {
                            return Err(fail(format!(
                                "sheet `{name}` has a cell outside Excel's sheet (past XFD1048576, near row {} column {}): it was not written by Excel; save it from Excel as .xlsx",
                                u64::from(r) + 1,
                                u64::from(c) + 1
                            )));
                        }
                        let value: Data = cell.get_value().clone().into();
                        if !is_blank(&value) {
                            cells.push((r, c, value));
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let at = cells
                            .last()
                            .map(|(r, c, _)| {
                                format!(" after cell {}{}", column_name(*c), u64::from(*r) + 1)
                            })
                            .unwrap_or_default();
                        return Err(fail(format!("cannot read sheet `{name}`{at}: {e}")));
                    }
                }
            }
        }
        // Cells are written row by row, but nothing makes a file keep that order.
        cells.sort_by_key(|&(r, c, _)| (r, c));
        // One cell given twice says two things: which is meant is not known.
        if let Some(w) = cells
            .windows(2)
            .find(|w| (w[0].0, w[0].1) == (w[1].0, w[1].1))
        {
            let (r, c) = (w[0].0, w[0].1);
            return Err(fail(format!(
                "sheet `{name}` gives cell {}{} twice: it was not written by Excel; save it from Excel as .xlsx",
                column_name(c),
                u64::from(r) + 1
            )));
        }
        let mut rows: Vec<(u32, Vec<(u32, Data)>)> = Vec::new();
        for (r, c, v) in cells {
            match rows.last_mut() {
                Some((last, row)) if *last == r => row.push((c, v)),
                _ => rows.push((r, vec![(c, v)])),
            }
        }
        let Some((_, header)) = rows.first() else {
            return Err(fail(format!(
                "sheet `{name}` is empty; its first row must be the header (id, annual_sales, ...)"
            )));
        };
        let mut names = Vec::new();
        let mut named = Vec::new();
        for (c, cell) in header {
            let text = header_text(cell);
            if !text.is_empty() {
                names.push(text);
                named.push(*c);
            }
        }
        let sheet = Sheet {
            rows,
            next: 1,
            named: named.into(),
        };
        Ok((sheet, names))
    }

    /// The absolute column index of each named column.
    pub fn columns(&self) -> Arc<[u32]> {
        self.named.clone()
    }

    /// How far through the sheet the rows handed out so far are, from 0 to 1.
    pub fn done(&self) -> f64 {
        let height = self.rows.len().max(1);
        self.next.min(height) as f64 / height as f64
    }

    /// The next row that is not blank; `None` at the end. Blank rows are skipped, as blank
    /// lines are in CSV.
    pub fn next_row(&mut self, columns: &Arc<[u32]>) -> Option<SheetRow> {
        let (r, row) = self.rows.get(self.next)?;
        self.next += 1;
        let line = u64::from(*r) + 1;
        let at = |c: u32| match row.binary_search_by_key(&c, |(col, _)| *col) {
            Ok(i) => row[i].1.clone(),
            Err(_) => Data::Empty,
        };
        let cells = self.named.iter().map(|&c| at(c)).collect();
        let stray = row
            .iter()
            .find(|(c, _)| self.named.binary_search(c).is_err())
            .map(|(c, _)| format!("{}{line}", column_name(*c)));
        Some(SheetRow {
            line,
            cells,
            columns: columns.clone(),
            stray,
        })
    }
}

/// Checks one sheet row against the header's columns. Duplicate ids are found later, as for
/// every input.
pub fn parse(
    columns: &[(Column, String)],
    row: SheetRow,
    checks: &Checks,
) -> Result<Client, Reject> {
    let mut b = RowBuilder::new(row.line);
    for (((column, name), cell), &col) in columns.iter().zip(&row.cells).zip(row.columns.iter()) {
        let at = || format!("{}{}", column_name(col), row.line);
        match cell {
            Data::Empty => b.cell(column, name, Raw::Empty),
            Data::String(s) => b.cell(column, name, Raw::Text(s)),
            Data::Bool(v) => b.cell(column, name, Raw::Bool(*v)),
            Data::Int(i) => number_cell(&mut b, column, name, &i.to_string(), &at),
            Data::Float(f) => number_cell(&mut b, column, name, &number_text(*f), &at),
            Data::DateTime(d) if d.is_duration() => b.refuse(
                name,
                format!("cell {} holds a duration, not a date or a number", at()),
            ),
            Data::DateTime(d) => match excel_day(d) {
                Some(day) => b.cell(column, name, Raw::Text(&day)),
                None => b.refuse(
                    name,
                    format!(
                        "cell {} holds a date outside the years 1900 to 9999 (serial {}); Excel's dates start in 1900",
                        at(),
                        d.as_f64()
                    ),
                ),
            },
            Data::DateTimeIso(s) => {
                let day = s.split('T').next().unwrap_or(s);
                match day.split('-').next().and_then(|y| y.parse::<i32>().ok()) {
                    Some(1900..=9999) | None => b.cell(column, name, Raw::Text(day)),
                    Some(_) => b.refuse(
                        name,
                        format!(
                            "cell {} holds the date `{day}`, outside the years 1900 to 9999",
                            at()
                        ),
                    ),
                }
            }
            Data::DurationIso(_) => b.refuse(
                name,
                format!("cell {} holds a duration, not a date or a number", at()),
            ),
            Data::Error(e) => b.refuse(
                name,
                format!(
                    "cell {} holds the error `{e}`; fix the formula or clear the cell",
                    at()
                ),
            ),
        }
    }
    if let Some(cell) = row.stray {
        b.refuse(
            "",
            format!("cell {cell} has a value but its column has no name in the header row"),
        );
    }
    b.finish_checked(checks)
}

/// A number cell: its text, except that a number where a date belongs is refused with a hint,
/// since it is most likely a date whose cell lost its date format.
fn number_cell(
    b: &mut RowBuilder,
    column: &Column,
    name: &str,
    text: &str,
    at: &dyn Fn() -> String,
) {
    if matches!(column, Column::LastReview | Column::TemporaryLineUntil) {
        b.refuse(
            name,
            format!(
                "cell {} holds the number `{text}`, not a date; format the cell as a date or write YYYY-MM-DD",
                at()
            ),
        );
    } else if let Column::Fact(f) = column
        && f.kind() == Kind::Money
    {
        b.cell(column, name, Raw::Number(&money_text(text)));
    } else {
        b.cell(column, name, Raw::Number(text));
    }
}

/// A number in a money column with at least two decimal places (`1539000` -> `1539000.00`),
/// as money is written everywhere else: a number cell has no decimal places of its own, and
/// a script that shows the amount should show it as it would from CSV.
fn money_text(text: &str) -> String {
    match text.split_once('.') {
        None => format!("{text}.00"),
        Some((_, frac)) if frac.len() < 2 => format!("{text}0"),
        Some(_) => text.to_string(),
    }
}

/// The shortest decimal text that reads back as `f` (Rust prints floats that way, never with
/// an exponent): `0.4` for the float nearest 0.4, `1001` for 1001.0.
pub fn number_text(f: f64) -> String {
    if f.is_finite() {
        format!("{f}")
    } else {
        // Excel cannot store these; say what it is and let the number check refuse it.
        "NaN".into()
    }
}

/// The day of a date cell, `YYYY-MM-DD`, when it falls in 1900 to 9999 (a serial below 1, or
/// a year past 9999, is no date Excel shows); a time of day is dropped.
fn excel_day(d: &calamine::ExcelDateTime) -> Option<String> {
    let serial = d.as_f64();
    if !serial.is_finite() || serial < 1.0 {
        return None;
    }
    let (y, ..) = d.to_ymd_hms_milli();
    (1900..=9999).contains(&y).then(|| day_text(d))
}

/// The day of a date cell, `YYYY-MM-DD`; a time of day is dropped.
fn day_text(d: &calamine::ExcelDateTime) -> String {
    let (y, m, day, ..) = d.to_ymd_hms_milli();
    format!("{y:04}-{m:02}-{day:02}")
}

/// A header cell as a column name.
fn header_text(cell: &Data) -> String {
    match cell {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Float(f) => number_text(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => day_text(d),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

/// True when the cell holds nothing but blanks.
fn is_blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Excel's name of the column with 0-based index `i`: `A`, ..., `Z`, `AA`, ...
pub fn column_name(i: u32) -> String {
    let mut n = i + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        out.push(b'A' + r);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Fact;
    use rust_decimal::Decimal;
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
    use std::str::FromStr;

    /// A workbook with one sheet `Clients` whose header starts at `B3`, so sheet row numbers
    /// and column letters are not the relative ones.
    fn book() -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Clients").unwrap();
        let header = [
            "id",
            "annual_sales",
            "on_time_ratio",
            "key_account",
            "last_review",
            "",
            "note",
        ];
        for (i, h) in header.iter().enumerate() {
            if !h.is_empty() {
                ws.write_string(2, 1 + i as u16, *h).unwrap();
            }
        }
        let date = Format::new().set_num_format("yyyy-mm-dd");
        // Row 4: a good client, typed numbers and a real date.
        ws.write_number(3, 1, 1001).unwrap();
        ws.write_number(3, 2, 1234567.5).unwrap();
        ws.write_number(3, 3, 0.4).unwrap();
        ws.write_boolean(3, 4, true).unwrap();
        ws.write_datetime_with_format(3, 5, ExcelDateTime::from_ymd(2025, 6, 1).unwrap(), &date)
            .unwrap();
        ws.write_number(3, 7, 7).unwrap();
        // Row 5 is blank and skipped. Row 6: an error cell and text where a number belongs.
        ws.write_string(5, 1, "K2").unwrap();
        ws.write_string(5, 2, "lots").unwrap();
        ws.write_formula(5, 3, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
        // Row 7: a value under the blank header cell (column G).
        ws.write_string(6, 1, "K3").unwrap();
        ws.write_number(6, 2, 5).unwrap();
        ws.write_string(6, 6, "stray").unwrap();
        // Row 8: a date serial without a date format in last_review.
        ws.write_string(7, 1, "K4").unwrap();
        ws.write_string(7, 2, "0.40").unwrap();
        ws.write_number(7, 5, 45000).unwrap();
        wb.add_worksheet().set_name("Other").unwrap();
        wb.save_to_buffer().unwrap()
    }

    fn rows(wanted: Option<&str>) -> Vec<Result<Client, Reject>> {
        let (mut sheet, names) = Sheet::open("t.xlsx", book(), wanted).unwrap();
        assert_eq!(
            names,
            [
                "id",
                "annual_sales",
                "on_time_ratio",
                "key_account",
                "last_review",
                "note"
            ]
        );
        let columns: Vec<(Column, String)> = names
            .iter()
            .map(|n| (Column::for_name(n), n.clone()))
            .collect();
        let at = sheet.columns();
        let mut out = Vec::new();
        while let Some(row) = sheet.next_row(&at) {
            out.push(parse(&columns, row, &Checks::default()));
        }
        out
    }

    #[test]
    fn cells_become_the_values_a_csv_row_would_hold() {
        let rows = rows(None);
        assert_eq!(rows.len(), 4, "the blank row is skipped");
        let c = rows[0].as_ref().unwrap();
        assert_eq!(c.line, 4);
        assert_eq!(c.id, "1001");
        assert_eq!(
            c.facts.get(Fact::AnnualSales),
            Some(Decimal::from_str("1234567.5").unwrap())
        );
        assert_eq!(
            c.facts.get(Fact::OnTimeRatio),
            Some(Decimal::from_str("0.4").unwrap())
        );
        assert_eq!(c.key_account, Some(true));
        assert_eq!(
            c.last_review.map(|d| d.to_string()).as_deref(),
            Some("2025-06-01")
        );
        assert_eq!(c.extra.len(), 1);
    }

    #[test]
    fn bad_cells_are_rejected_with_the_sheet_row_and_the_cell() {
        let rows = rows(Some("clients"));
        let r = rows[1].as_ref().unwrap_err();
        assert_eq!((r.line, r.id.as_deref()), (6, Some("K2")));
        assert_eq!(r.field, "annual_sales");
        assert!(r.reason.contains("`lots` is not a number"), "{}", r.reason);
        assert!(
            r.reason.contains("also wrong: on_time_ratio"),
            "{}",
            r.reason
        );
        let r = rows[2].as_ref().unwrap_err();
        assert_eq!(r.line, 7);
        assert!(r.reason.contains("cell G7"), "{}", r.reason);
        let r = rows[3].as_ref().unwrap_err();
        assert_eq!(r.field, "last_review");
        assert!(
            r.reason.contains("cell F8 holds the number `45000`"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn an_error_cell_is_named() {
        let columns = vec![
            (Column::Id, "id".to_string()),
            (Column::for_name("annual_sales"), "annual_sales".to_string()),
        ];
        let row = SheetRow {
            line: 9,
            cells: vec![
                Data::String("K".into()),
                Data::Error(calamine::CellErrorType::Div0),
            ],
            columns: Arc::from(vec![0, 3]),
            stray: None,
        };
        let r = parse(&columns, row, &Checks::default()).unwrap_err();
        assert_eq!(r.field, "annual_sales");
        assert!(
            r.reason.contains("cell D9 holds the error `#DIV/0!`"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn a_missing_sheet_lists_the_sheets() {
        let Err(e) = Sheet::open("t.xlsx", book(), Some("Client")) else {
            panic!("opened a sheet that is not there");
        };
        let text = e.to_string();
        assert!(text.contains("did you mean `Clients`"), "{text}");
        assert!(text.contains("`Clients`, `Other`"), "{text}");
    }

    #[test]
    fn numbers_keep_their_shortest_decimal() {
        assert_eq!(number_text(0.4), "0.4");
        assert_eq!(number_text(1001.0), "1001");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number_text(1e21), "1000000000000000000000");
        assert_eq!(money_text("1539000"), "1539000.00");
        assert_eq!(money_text("0.5"), "0.50");
        assert_eq!(money_text("1234.567"), "1234.567");
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16383), "XFD");
    }
}
