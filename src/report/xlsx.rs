//! Decisions as an Excel workbook: a sheet `decisions` with one row per client and typed cells
//! (money and scores as numbers, the next review as a date, lists joined with `;`) under a bold,
//! frozen header, a sheet `summary` with the totals by grade (and by the `--by` column) when
//! the run gives them, and a sheet `policy` with what decided them (the policy's identity, the
//! context, our own health, the engine version).
//!
//! Excel keeps every number as a binary float, so a money cell holds the float nearest the
//! exact decimal (exact for every amount below about 10^13 with two places, since Excel shows
//! 15 significant digits). That is the trade-off of a spreadsheet; CSV and JSON keep the exact
//! decimals. Rows are added on the writer's side, in input order, to a sheet in
//! `rust_xlsxwriter`'s constant-memory mode (each finished row goes to a temporary file, so
//! memory does not grow with the portfolio); [`DecisionWriter::finish`] puts the workbook
//! together and writes it out whole.

use std::io::{self, Write};

use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::json::DecisionJson;
use super::sheet::{cell_text, excel_date};
use super::{DecisionWriter, Split};
use crate::context::Context;
use crate::engine::Decision;
use crate::money::Money;
use crate::policy::Identity;

/// Rows a sheet holds after its header row.
const MAX_ROWS: u32 = 1_048_575;

/// The cell formats, made once.
struct Formats {
    header: Format,
    money: Format,
    score: Format,
    days: Format,
    date: Format,
}

/// Writes decisions into a workbook, then the workbook to `out`.
pub struct XlsxWriter<'a, W: Write> {
    out: W,
    identity: &'a Identity,
    currency: &'a str,
    context: Option<&'a Context>,
    split: bool,
    /// Both policies of a champion/challenger run, from the first decision that names them.
    sides: Option<(Identity, Identity)>,
    /// The workbook, made with its `decisions` sheet and header on the first row written.
    book: Option<Workbook>,
    formats: Formats,
    /// The next row to write (row 0 is the header).
    row: u32,
    finished: bool,
    /// The totals and our own health, for the sheets `summary` and `policy`.
    summary: Option<super::totals::Summary>,
}

/// The headers of the `decisions` sheet: those of the CSV output, less the policy columns
/// (the `policy` sheet holds them), plus the deciding side in a champion/challenger run.
fn headers(split: bool) -> Vec<String> {
    let mut h = super::csv_out::decision_columns();
    if split {
        h.extend(["side", "policy_hash"].map(String::from));
    }
    h
}

/// The width of a column of the `decisions` sheet, in characters: the sheet is written row by
/// row, so widths are set ahead rather than fitted to the contents.
fn width(header: &str) -> f64 {
    let w = match header {
        "id" | "region" => 10,
        "name" => 30,
        "limit" | "unsecured_line" | "temporary_line" | "secured_cover" | "exposure"
        | "available" | "group_line" | "group_exposure" => 16,
        "actions" | "reason_codes" => 30,
        "reasons" => 80,
        "next_review" => 12,
        "policy_hash" => 24,
        _ => 0,
    };
    // Room for the header and its filter button.
    w.max(header.len() + 3).max(8) as f64
}

/// The `decisions` sheet, made with its bold, frozen header when first asked for.
fn decisions<'b>(
    book: &'b mut Option<Workbook>,
    split: bool,
    f: &Formats,
) -> Result<&'b mut Worksheet, XlsxError> {
    if book.is_none() {
        let mut b = Workbook::new();
        let ws = b.add_worksheet_with_constant_memory()?;
        ws.set_name("decisions")?;
        for (i, h) in headers(split).iter().enumerate() {
            let i = i as u16;
            ws.write_string_with_format(0, i, h, &f.header)?;
            ws.set_column_width(i, width(h))?;
        }
        ws.set_freeze_panes(1, 0)?;
        *book = Some(b);
    }
    match book {
        Some(b) => b.worksheet_from_index(0),
        None => Err(XlsxError::UnknownWorksheetNameOrIndex("decisions".into())),
    }
}

fn xlsx_err(e: XlsxError) -> io::Error {
    match e {
        XlsxError::RowColumnLimitError => io::Error::other(format!(
            "an Excel sheet holds at most {MAX_ROWS} decisions; write CSV or JSON Lines for a portfolio this large"
        )),
        other => io::Error::other(format!("cannot build the workbook: {other}")),
    }
}

/// The float nearest the exact decimal: parsed from its text, which rounds correctly.
fn number(d: Decimal) -> f64 {
    Money(d).to_string().parse().unwrap_or(f64::NAN)
}

impl<'a, W: Write> XlsxWriter<'a, W> {
    /// A writer stamping the workbook with `identity`; `context` (when given) goes on the
    /// `policy` sheet. `split` says the run is champion/challenger.
    pub fn new(
        out: W,
        identity: &'a Identity,
        currency: &'a str,
        context: Option<&'a Context>,
        split: bool,
    ) -> Self {
        let formats = Formats {
            header: Format::new().set_bold(),
            money: Format::new().set_num_format("#,##0.00"),
            score: Format::new().set_num_format("0.00"),
            days: Format::new().set_num_format("0"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        };
        XlsxWriter {
            out,
            identity,
            currency,
            context,
            split,
            sides: None,
            book: None,
            formats,
            row: 1,
            finished: false,
            summary: None,
        }
    }

    fn add(&mut self, d: &Decision, split: Option<&Split>) -> Result<(), XlsxError> {
        if self.row > MAX_ROWS {
            return Err(XlsxError::RowColumnLimitError);
        }
        if let (Some(s), None) = (split, &self.sides) {
            self.sides = Some((s.champion.clone(), s.challenger.clone()));
        }
        let j = DecisionJson::new(d, self.identity).with_split(split);
        let r = self.row;
        let f = &self.formats;
        let ws = decisions(&mut self.book, self.split, f)?;
        let mut col: u16 = 0;
        let mut next = || {
            col += 1;
            col - 1
        };
        ws.write_string(r, next(), cell_text(j.id))?;
        ws.write_string(r, next(), cell_text(j.name.unwrap_or("")))?;
        ws.write_string(r, next(), cell_text(j.region.unwrap_or("")))?;
        ws.write_string(r, next(), j.grade)?;
        ws.write_string(r, next(), j.base_grade)?;
        // Scores as shown everywhere else: cut to two places.
        let score = |s: crate::engine::Score| s.to_string().parse::<f64>().unwrap_or(f64::NAN);
        ws.write_number_with_format(r, next(), score(j.score), &f.score)?;
        for s in j.scores.in_order() {
            ws.write_number_with_format(r, next(), score(s), &f.score)?;
        }
        ws.write_number_with_format(r, next(), number(d.limit), &f.money)?;
        ws.write_number_with_format(r, next(), number(d.unsecured_line), &f.money)?;
        let (c_temp, c_until) = (next(), next());
        if let Some(t) = d.temporary_line {
            ws.write_number_with_format(r, c_temp, number(t.amount), &f.money)?;
            ws.write_datetime_with_format(r, c_until, excel_date(t.until)?, &f.date)?;
        }
        ws.write_number_with_format(r, next(), number(d.secured_cover), &f.money)?;
        ws.write_number_with_format(r, next(), f64::from(d.payment_days), &f.days)?;
        // An unknown exposure stays an empty cell, never a zero.
        let (c_exposure, c_available) = (next(), next());
        if d.exposure_known {
            ws.write_number_with_format(r, c_exposure, number(d.exposure), &f.money)?;
            ws.write_number_with_format(r, c_available, number(d.available), &f.money)?;
        }
        ws.write_string(r, next(), j.actions.join(";"))?;
        ws.write_datetime_with_format(r, next(), excel_date(d.next_review)?, &f.date)?;
        // Without a previous grade or a group these cells stay empty, as in CSV.
        let c = next();
        if let Some(o) = j.outlook {
            ws.write_string(r, c, o)?;
        }
        let c = next();
        if let Some(n) = j.notch_change {
            ws.write_number_with_format(r, c, n as f64, &f.days)?;
        }
        let (c_id, c_line, c_exposure, c_over) = (next(), next(), next(), next());
        if let Some(g) = &j.group {
            ws.write_string(r, c_id, cell_text(g.id))?;
            ws.write_number_with_format(r, c_line, number(g.line.0), &f.money)?;
            if let Some(e) = &g.exposure {
                ws.write_number_with_format(r, c_exposure, number(e.0), &f.money)?;
            }
            ws.write_boolean(r, c_over, g.over)?;
        }
        let codes: Vec<&str> = j.reasons.iter().map(|x| x.code).collect();
        ws.write_string(r, next(), cell_text(&codes.join(";")))?;
        // A `;` inside a reason would split it in two; it becomes `,`, as in CSV.
        let texts: Vec<String> = j.reasons.iter().map(|x| x.text.replace(';', ",")).collect();
        ws.write_string(r, next(), cell_text(&texts.join(";")))?;
        if let Some(s) = split {
            ws.write_string(r, next(), s.side)?;
            ws.write_string(r, next(), &s.policy().hash)?;
        }
        self.row += 1;
        Ok(())
    }

    /// The whole workbook as bytes.
    fn build(&mut self) -> Result<Vec<u8>, XlsxError> {
        let last_col = headers(self.split).len() as u16 - 1;
        let ws = decisions(&mut self.book, self.split, &self.formats)?;
        ws.autofilter(0, 0, self.row - 1, last_col)?;
        let mut book = self.book.take().unwrap_or_default();

        let mut info = Worksheet::new();
        info.set_name("policy")?;
        let h = &self.formats.header;
        info.write_string_with_format(0, 0, "item", h)?;
        info.write_string_with_format(0, 1, "value", h)?;
        info.set_freeze_panes(1, 0)?;
        let mut rows: Vec<(&str, String)> = vec![
            ("policy_name", self.identity.name.clone()),
            ("policy_version", self.identity.version.clone()),
            ("policy_hash", self.identity.hash.clone()),
        ];
        // In a champion/challenger run the policy above is the champion.
        if let Some((_, challenger)) = &self.sides {
            rows.extend([
                ("challenger_name", challenger.name.clone()),
                ("challenger_version", challenger.version.clone()),
                ("challenger_hash", challenger.hash.clone()),
            ]);
        }
        rows.push(("currency", self.currency.to_string()));
        let mut r = 1;
        for (k, v) in rows {
            info.write_string(r, 0, k)?;
            info.write_string(r, 1, v)?;
            r += 1;
        }
        if let Some(ctx) = self.context {
            info.write_string(r, 0, "as_of")?;
            info.write_datetime_with_format(r, 1, excel_date(ctx.as_of)?, &self.formats.date)?;
            info.write_string(r + 1, 0, "economy")?;
            info.write_string(r + 1, 1, &ctx.economy)?;
            r += 2;
            if let Some(co) = &ctx.company {
                for (k, v) in [
                    ("company_total_assets", co.total_assets),
                    ("company_total_debt", co.total_debt),
                    ("company_cash", co.cash),
                    ("company_receivables", co.receivables),
                ] {
                    info.write_string(r, 0, k)?;
                    info.write_number_with_format(r, 1, number(v), &self.formats.money)?;
                    r += 1;
                }
            }
        }
        if let Some(s) = &self.summary {
            info.write_string(r, 0, "company_health")?;
            info.write_string(r, 1, &s.health)?;
            r += 1;
        }
        info.write_string(r, 0, "engine_version")?;
        info.write_string(r, 1, crate::audit::ENGINE_VERSION)?;
        info.write_string(r + 1, 0, "decisions")?;
        info.write_number_with_format(r + 1, 1, f64::from(self.row - 1), &self.formats.days)?;
        info.autofit();

        // A fixed creation time (the as-of date), so the same run gives the same bytes.
        let created = match self.context {
            Some(ctx) => excel_date(ctx.as_of)?,
            None => ExcelDateTime::from_ymd(2000, 1, 1)?,
        };
        book.set_properties(
            &DocProperties::new()
                .set_title("credit decisions")
                .set_creation_datetime(&created),
        );
        if let Some(s) = &self.summary {
            let mut ws = Worksheet::new();
            super::sheet::fill(&mut ws, &s.totals.sheet(), &super::sheet::Formats::new())?;
            book.push_worksheet(ws);
        }
        book.push_worksheet(info);
        book.save_to_buffer()
    }
}

impl<W: Write> DecisionWriter for XlsxWriter<'_, W> {
    fn write(&mut self, d: &Decision, split: Option<&Split>) -> io::Result<()> {
        self.add(d, split).map_err(xlsx_err)
    }

    /// Nothing is rendered on the workers for a workbook: the row is added here.
    fn write_rendered(
        &mut self,
        d: &Decision,
        split: Option<&Split>,
        _rendered: &[u8],
    ) -> io::Result<()> {
        self.add(d, split).map_err(xlsx_err)
    }

    fn summary(&mut self, summary: &super::totals::Summary) -> io::Result<()> {
        self.summary = Some(summary.clone());
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        let bytes = self.build().map_err(xlsx_err)?;
        self.out.write_all(&bytes)?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    #[test]
    fn an_empty_run_still_writes_both_sheets_with_their_headers() {
        let identity = Identity {
            name: "p".into(),
            version: "1".into(),
            hash: "sha256:ab".into(),
        };
        let mut ctx = Context::today();
        ctx.as_of = jiff::civil::date(2026, 6, 30);
        let mut bytes = Vec::new();
        let mut w = XlsxWriter::new(&mut bytes, &identity, "CNY", Some(&ctx), false);
        w.finish().unwrap();
        drop(w);
        let mut book = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(book.sheet_names(), ["decisions", "policy"]);
        let decisions = book.worksheet_range("decisions").unwrap();
        let header: Vec<String> = decisions
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header, headers(false));
        let policy = book.worksheet_range("policy").unwrap();
        let find = |k: &str| {
            policy
                .rows()
                .find(|r| r[0] == Data::String(k.into()))
                .map(|r| r[1].clone())
        };
        assert_eq!(find("policy_hash"), Some(Data::String("sha256:ab".into())));
        assert!(matches!(find("as_of"), Some(Data::DateTime(_))));

        // The same run writes the same bytes.
        let mut again = Vec::new();
        let mut w = XlsxWriter::new(&mut again, &identity, "CNY", Some(&ctx), false);
        w.finish().unwrap();
        drop(w);
        assert_eq!(bytes, again);
    }

    #[test]
    fn money_becomes_the_nearest_float_and_long_text_is_cut() {
        assert_eq!(number(Decimal::new(123456789, 2)), 1234567.89);
        assert_eq!(number(Decimal::new(-40000000, 2)), -400000.0);
        let long = "x".repeat(40_000);
        let cut = cell_text(&long);
        assert!(cut.chars().count() <= 32_767);
        assert!(cut.ends_with("more characters; Excel holds 32767 in a cell]"));
        assert!(cut.starts_with(&"x".repeat(32_000)));
    }
}
