//! The clients' input as every command that reads it takes it: the path and how to read it
//! ([`InputArgs`]), opened and checked before anything is decided, and what the reader found
//! (ignored and missing columns, a guessed encoding, doubtful rows) told once on standard error.

use std::path::PathBuf;
use std::sync::Arc;

use credit_policy::client::columns::listed;
use credit_policy::client::dialect::{self, Detection};
use credit_policy::client::{ColumnMap, InputNotes, ReadOptions, Warning};
use credit_policy::run::{Input, Setup};

use super::{Exit, error, fail};

/// The clients' input and how to read it: flattened into every command that reads clients.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// The sheet of an Excel INPUT to read [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// The encoding of a text INPUT, e.g. `gb18030` (or `gbk`), `utf-16le`, `windows-1252`
    /// [default: told by its byte order mark, else UTF-8 when it is, else guessed]
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// The delimiter of a CSV INPUT: `,`, `;`, `tab` or any one character [default: the most
    /// frequent of `,` `;` and tab in the header line]
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// A column map for exports with their own headers: TOML (`"客户编码" = "id"`) or CSV
    /// (`their header,our column` per row); an empty target drops the column. See
    /// examples/kingdee-columns.toml.
    #[arg(long, value_name = "FILE")]
    pub columns: Option<PathBuf>,
    /// Refuse the input when one of its columns is ignored, or a scored column is missing,
    /// instead of noting it.
    #[arg(long)]
    pub strict: bool,
    /// The clients: CSV (or tab-separated text) with a header row, a JSON array, JSON Lines,
    /// or an Excel workbook (.xlsx); `-` reads standard input.
    #[arg(id = "input", value_name = "INPUT")]
    pub path: String,
}

impl InputArgs {
    /// The files this input reads: INPUT (unless `-`) and the column map.
    pub fn named(&self) -> Vec<super::paths::Named<'_>> {
        vec![
            ("INPUT", Some(std::path::Path::new(&self.path))),
            ("--columns", self.columns.as_deref()),
        ]
    }

    /// How to read the input, as the user said; an error names the flag that is wrong.
    pub fn options(&self) -> Result<ReadOptions, String> {
        let encoding = match &self.encoding {
            Some(e) => {
                Some(dialect::encoding_for_label(e).map_err(|m| format!("--encoding: {m}"))?)
            }
            None => None,
        };
        let delimiter = match &self.delimiter {
            Some(d) => {
                Some(dialect::delimiter_for_name(d).map_err(|m| format!("--delimiter: {m}"))?)
            }
            None => None,
        };
        let columns = match &self.columns {
            Some(p) => Some(Arc::new(
                ColumnMap::load(p).map_err(|m| format!("--columns: {m}"))?,
            )),
            None => None,
        };
        Ok(ReadOptions {
            sheet: self.sheet.clone(),
            encoding,
            delimiter,
            columns,
            strict: self.strict,
            ..ReadOptions::default()
        })
    }

    /// Opens the input for a run of `setups` (one, or the two sides of a comparison), checks
    /// its header as each reads it, and notes once what the first found.
    pub fn open(&self, setups: &[&Setup<'_>]) -> Result<Input, Exit> {
        let options = self.options().map_err(|m| {
            error(&m);
            Exit::Error
        })?;
        // Two setups check the header each: standard input is kept to be opened again.
        let twice = setups.len() > 1 || setups.iter().any(|s| s.reads_twice());
        let input = Input::open(&self.path, options, twice).map_err(fail)?;
        let mut notes = None;
        for setup in setups {
            let n = input.check(setup).map_err(fail)?;
            notes.get_or_insert(n);
        }
        if let Some(n) = notes {
            show_notes(&self.path, &n);
        }
        Ok(input)
    }
}

/// What the reader found about the input as a whole, on standard error, once. Column names
/// and the path come from the input: no control code of them reaches the terminal.
pub fn show_notes(path: &str, notes: &InputNotes) {
    let path = credit_policy::report::printable(path);
    if let Some(s) = notes.encoding
        && s.how == Detection::Guessed
    {
        credit_policy::errln!(
            "note: `{path}` is read as {}; if its text looks wrong, name its encoding with --encoding",
            s.describe()
        );
    }
    let c = &notes.columns;
    if !c.ignored.is_empty() {
        credit_policy::errln!(
            "note: `{path}`: ignored columns (not known, and not in the policy's [inputs] extra): {}",
            credit_policy::report::printable(&listed(&c.ignored))
        );
    }
    if !c.missing.is_empty() {
        credit_policy::errln!(
            "note: `{path}`: scored as missing for every client: {}",
            credit_policy::report::printable(&listed(&c.missing))
        );
    }
}

/// The warnings of the decided rows, one line each, and how many rows had one.
pub fn show_warnings(warnings: &[Warning]) {
    if warnings.is_empty() {
        return;
    }
    let mut rows = 0;
    let mut last = None;
    for w in warnings {
        // The id and the message quote the input: no control code reaches the terminal.
        credit_policy::safety::say(&credit_policy::report::printable(&format!(
            "warning: line {} (id `{}`): {} {}\n",
            w.line, w.id, w.field, w.message
        )));
        if last != Some(w.line) {
            rows += 1;
            last = Some(w.line);
        }
    }
    credit_policy::errln!("{rows} row(s) decided with a warning: check them");
}
