//! Writing decisions: an aligned table for people, JSON, JSON Lines and CSV for programs, an
//! Excel workbook for finance. Money leaves as an exact decimal string, except in a workbook,
//! whose cells are Excel numbers (see [`xlsx`]).

pub mod backtest_page;
mod csv_out;
pub mod html;
mod json;
pub mod sheet;
mod table;
pub mod totals;
pub mod xlsx;

use std::io::{self, Write};

pub use json::{DecisionJson, FiguresJson, GroupJson, ReasonJson};

use crate::engine::Decision;
use crate::policy::Identity;

/// The output formats of `evaluate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON array of decisions.
    Json,
    /// One JSON decision per line.
    Jsonl,
    /// One row per decision; lists joined with `;`.
    Csv,
    /// An Excel workbook (needs `--output FILE.xlsx`): typed cells, a sheet for the policy.
    Xlsx,
}

impl Format {
    /// The format a file name's extension asks for.
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = std::path::Path::new(path)
            .extension()?
            .to_str()?
            .to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
}

/// Champion/challenger: which side decided a client, and both sides' policies.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    /// `champion` or `challenger`.
    pub side: &'static str,
    pub champion: &'a Identity,
    pub challenger: &'a Identity,
}

impl<'a> Split<'a> {
    /// The identity of the policy that decided.
    pub fn policy(&self) -> &'a Identity {
        if self.side == "challenger" {
            self.challenger
        } else {
            self.champion
        }
    }
}

/// Writes decisions one at a time, in the order given.
pub trait DecisionWriter {
    /// Writes one decision; `split` names the deciding side in a champion/challenger run.
    fn write(&mut self, d: &Decision, split: Option<&Split>) -> io::Result<()>;
    /// Writes one decision already rendered by [`render`] (on a worker thread).
    fn write_rendered(
        &mut self,
        d: &Decision,
        split: Option<&Split>,
        rendered: &[u8],
    ) -> io::Result<()>;
    /// Ends the output (closes the JSON array, prints the table).
    fn finish(&mut self) -> io::Result<()>;
    /// Reports the groups of a run that checks them, before [`DecisionWriter::finish`]. The
    /// table prints them after the clients; formats of one record per decision carry each
    /// member's group in its decision instead, so by default this writes nothing.
    fn groups(&mut self, _groups: &crate::engine::group::GroupLines) -> io::Result<()> {
        Ok(())
    }
    /// Reports the totals and our own health, before [`DecisionWriter::finish`]: the table
    /// prints them after the clients, a workbook puts the totals on a sheet `summary`. Formats
    /// of one record per decision carry no totals, so by default this writes nothing.
    fn summary(&mut self, _summary: &totals::Summary) -> io::Result<()> {
        Ok(())
    }
}

/// A writer for `format` over `out`, stamping every decision with the policy identity.
/// `split` says the run is champion/challenger, so the side gets a column of its own.
pub fn writer<'a, W: Write + 'a>(
    format: Format,
    out: W,
    identity: &'a Identity,
    currency: &'a str,
    split: bool,
) -> Box<dyn DecisionWriter + 'a> {
    match format {
        Format::Table => Box::new(table::TableWriter::new(out, identity, currency, split)),
        Format::Json => Box::new(json::JsonWriter::new(out, identity, false)),
        Format::Jsonl => Box::new(json::JsonWriter::new(out, identity, true)),
        Format::Csv => Box::new(csv_out::CsvWriter::new(out, identity, split)),
        Format::Xlsx => Box::new(xlsx::XlsxWriter::new(out, identity, currency, None, split)),
    }
}

/// Like [`writer`], with the context written into what the output says about the run (the
/// `policy` sheet of a workbook; the other formats carry no such part).
pub fn writer_in<'a, W: Write + 'a>(
    format: Format,
    out: W,
    identity: &'a Identity,
    currency: &'a str,
    split: bool,
    context: &'a crate::context::Context,
) -> Box<dyn DecisionWriter + 'a> {
    match format {
        Format::Xlsx => Box::new(xlsx::XlsxWriter::new(
            out,
            identity,
            currency,
            Some(context),
            split,
        )),
        other => writer(other, out, identity, currency, split),
    }
}

/// One decision in the bytes `format` writes for it (the table builds its rows itself, so it
/// gets none). Run on worker threads; the writer only puts the pieces in order.
pub fn render(format: Format, d: &Decision, identity: &Identity, split: Option<&Split>) -> Vec<u8> {
    match format {
        Format::Json | Format::Jsonl => {
            serde_json::to_vec(&DecisionJson::new(d, identity).with_split(split))
                .unwrap_or_default()
        }
        Format::Csv => csv_out::row(d, identity, split),
        // The table and the workbook build their rows on the writer's side.
        Format::Table | Format::Xlsx => Vec::new(),
    }
}

/// Money for people: `1234567.5` -> `1,234,567.50`.
pub fn money_grouped(d: rust_decimal::Decimal) -> String {
    crate::money::fmt_grouped(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn groups_thousands() {
        assert_eq!(money_grouped(Decimal::new(12345675, 1)), "1,234,567.50");
        assert_eq!(money_grouped(Decimal::new(-1000, 0)), "-1,000.00");
        assert_eq!(money_grouped(Decimal::ZERO), "0.00");
    }
}

/// A text cell as a spreadsheet may safely open it (OWASP's rule against CSV injection): text
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so Excel
/// shows it rather than running it as a formula. Only text cells go through it: amounts and
/// figures (a negative amount such as `-400000.00`) stay plain numbers.
pub fn csv_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Text for a terminal: every control character (ANSI escapes, `\r`, the other C0 and C1
/// codes) removed but the line break and the tab, so a name cannot move the cursor, recolour
/// or rewrite the screen.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(is_stripped) {
        s.chars()
            .filter(|c| !is_stripped(*c))
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

fn is_stripped(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod safe_tests {
    use super::*;

    #[test]
    fn formula_like_text_is_neutralised() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("-1"), "'-1");
        assert_eq!(csv_safe("\tx"), "'\tx");
        assert_eq!(csv_safe("Acme"), "Acme");
    }

    #[test]
    fn controls_are_stripped() {
        assert_eq!(printable("a\u{1b}[31mb\rc\u{9b}d\n"), "a[31mbcd\n");
        assert_eq!(printable("plain"), "plain");
    }
}
