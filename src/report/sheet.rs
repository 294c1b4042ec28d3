//! Rows of any command as one typed grid, written as CSV or as an Excel workbook.
//!
//! A command that prints rows (a review agenda, a batch of orders, the channel screen, ...)
//! builds one or more [`Sheet`]s of typed [`Cell`]s; [`csv`] writes the first as CSV (money as
//! exact decimal strings) and [`workbook`] writes them all as sheets of a workbook (money as
//! Excel numbers under `#,##0.00`, dates as real dates, under a bold, frozen header with
//! filters), followed by a sheet `policy` of what decided them. The decisions of `evaluate`
//! stream through their own writers (`csv_out`, [`super::xlsx`]); its `summary` sheet is a
//! [`Sheet`] too.

use std::io;

use jiff::civil::Date;
use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::money::Money;

/// One typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing known: an empty cell, never a zero.
    Empty,
    Text(String),
    /// An amount: two places in CSV, `#,##0.00` in a workbook.
    Money(Decimal),
    /// A score, ratio or other figure, as exact as it is.
    Number(Decimal),
    /// A count or a number of days.
    Int(i64),
    Date(Date),
    Bool(bool),
}

impl Cell {
    /// Text, or an empty cell for `None`.
    pub fn text(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::Empty, |s| Cell::Text(s.into()))
    }

    /// An amount, or an empty cell when it is unknown.
    pub fn money(m: Option<Decimal>) -> Cell {
        m.map_or(Cell::Empty, Cell::Money)
    }

    /// The cell as CSV writes it.
    pub fn csv_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => super::csv_safe(s).into_owned(),
            Cell::Money(d) => Money(*d).to_string(),
            Cell::Number(d) => crate::money::fmt_plain(*d),
            Cell::Int(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => b.to_string(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// A named grid: a header and rows of typed cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The sheet's name in a workbook (at most 31 characters).
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(name: &str, columns: &[&str]) -> Sheet {
        Sheet {
            name: name.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; a short row is padded with empty cells.
    pub fn push(&mut self, mut row: Vec<Cell>) {
        row.resize(self.columns.len().max(row.len()), Cell::Empty);
        self.rows.push(row);
    }
}

/// The sheet as CSV: the header, then one record per row.
pub fn csv(sheet: &Sheet) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(
        sheet
            .columns
            .iter()
            .map(|c| super::csv_safe(c).into_owned()),
    );
    for row in &sheet.rows {
        let _ = w.write_record(row.iter().map(Cell::csv_text));
    }
    w.into_inner().unwrap_or_default()
}

/// The cell formats of a workbook, made once.
pub(crate) struct Formats {
    pub header: Format,
    pub money: Format,
    pub int: Format,
    pub date: Format,
}

impl Formats {
    pub fn new() -> Formats {
        Formats {
            header: Format::new().set_bold(),
            money: Format::new().set_num_format("#,##0.00"),
            int: Format::new().set_num_format("0"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

/// The float nearest the exact decimal: parsed from its text, which rounds correctly.
pub(crate) fn float(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}

pub(crate) fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or(1900),
        d.month().unsigned_abs(),
        d.day().unsigned_abs(),
    )
}

/// The most characters Excel keeps in one cell.
const MAX_CELL: usize = 32_767;

/// Text cut to what a cell holds, never silently: a cut cell says how much it could not hold.
pub(crate) fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    let total = s.chars().count();
    if total <= MAX_CELL {
        return std::borrow::Cow::Borrowed(s);
    }
    // Never cut silently: the cell says how much of the text it could not hold.
    let mark = format!(
        " [cut: {} more characters; Excel holds {MAX_CELL} in a cell]",
        total
    );
    let keep = MAX_CELL - mark.chars().count();
    let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
    let cut = total - keep;
    std::borrow::Cow::Owned(format!(
        "{} [cut: {cut} more characters; Excel holds {MAX_CELL} in a cell]",
        &s[..end]
    ))
}

/// Writes `sheet` into `ws`: a bold, frozen header with filters, typed cells, columns fitted.
pub(crate) fn fill(ws: &mut Worksheet, sheet: &Sheet, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(&sheet.name)?;
    for (c, h) in sheet.columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &f.header)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    ws.write_string(r, c, cell_text(s))?;
                }
                Cell::Money(d) => {
                    ws.write_number_with_format(r, c, float(*d), &f.money)?;
                }
                // A figure in Excel's general format: shown as exact as the float allows.
                Cell::Number(d) => {
                    ws.write_number(r, c, float(*d))?;
                }
                Cell::Int(n) => {
                    ws.write_number_with_format(r, c, *n as f64, &f.int)?;
                }
                Cell::Date(d) => {
                    ws.write_datetime_with_format(r, c, excel_date(*d)?, &f.date)?;
                }
                Cell::Bool(b) => {
                    ws.write_boolean(r, c, *b)?;
                }
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    if !sheet.columns.is_empty() {
        ws.autofilter(
            0,
            0,
            sheet.rows.len() as u32,
            sheet.columns.len() as u16 - 1,
        )?;
    }
    ws.autofit();
    Ok(())
}

/// What a workbook says about the run that made it, on its sheet `policy`: `(item, value)`.
pub type About = Vec<(String, String)>;

/// `sheets` as a workbook, then a sheet `policy` holding `about`. `created` is the workbook's
/// creation date (the as-of date), so the same run gives the same bytes.
pub fn workbook(sheets: &[Sheet], about: &About, created: Date) -> io::Result<Vec<u8>> {
    build(sheets, about, created)
        .map_err(|e| io::Error::other(format!("cannot build the workbook: {e}")))
}

fn build(sheets: &[Sheet], about: &About, created: Date) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut book = Workbook::new();
    for s in sheets {
        if s.rows.len() > 1_048_575 {
            return Err(XlsxError::RowColumnLimitError);
        }
        let mut ws = Worksheet::new();
        fill(&mut ws, s, &f)?;
        book.push_worksheet(ws);
    }
    let mut info = Sheet::new("policy", &["item", "value"]);
    for (k, v) in about {
        info.push(vec![Cell::from(k.as_str()), Cell::from(v.as_str())]);
    }
    let mut ws = Worksheet::new();
    fill(&mut ws, &info, &f)?;
    book.push_worksheet(ws);
    book.set_properties(
        &DocProperties::new()
            .set_title("credit-policy")
            .set_creation_datetime(&excel_date(created)?),
    );
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn sample() -> Sheet {
        let mut s = Sheet::new("agenda", &["id", "exposure", "days", "due", "key"]);
        s.push(vec![
            "D1".into(),
            Cell::Money(Decimal::new(123456, 2)),
            Cell::Int(12),
            Cell::Date(jiff::civil::date(2026, 7, 1)),
            Cell::Bool(true),
        ]);
        s.push(vec!["D2".into(), Cell::money(None)]);
        s
    }

    #[test]
    fn csv_keeps_exact_money_and_leaves_unknown_empty() {
        let text = String::from_utf8(csv(&sample())).unwrap();
        assert_eq!(
            text,
            "id,exposure,days,due,key\nD1,1234.56,12,2026-07-01,true\nD2,,,,\n"
        );
    }

    #[test]
    fn a_workbook_has_typed_cells_and_the_policy_sheet() {
        let about = vec![("policy_name".to_string(), "standard".to_string())];
        let bytes = workbook(&[sample()], &about, jiff::civil::date(2026, 6, 30)).unwrap();
        let mut book = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(book.sheet_names(), ["agenda", "policy"]);
        let r = book.worksheet_range("agenda").unwrap();
        let rows: Vec<_> = r.rows().collect();
        assert_eq!(rows[1][1], Data::Float(1234.56));
        assert_eq!(rows[1][2], Data::Float(12.0));
        assert!(matches!(rows[1][3], Data::DateTime(_)));
        assert_eq!(rows[1][4], Data::Bool(true));
        assert_eq!(rows[2][1], Data::Empty);
        let again = workbook(&[sample()], &about, jiff::civil::date(2026, 6, 30)).unwrap();
        assert_eq!(bytes, again, "the same rows give the same bytes");
    }
}
