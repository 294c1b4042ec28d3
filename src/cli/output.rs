//! The output flags every command that prints rows shares: `--format` and `--output`
//! ([`OutputArgs`], flattened into each command's arguments), the format chosen from the
//! file's extension, and the one way a whole output reaches its destination: standard output,
//! or a file written whole and moved into place ([`super::write_atomically`]).
//!
//! A command renders what it found as a [`View`]: its text for people, one JSON document, one
//! JSON record per row, its rows as typed [`Sheet`]s (the first is the CSV; all of them are the
//! sheets of a workbook), and an HTML page where it has one. [`OutputArgs::emit`] writes the
//! one the user chose. `evaluate` streams its decisions instead, through the same flags.

use std::path::PathBuf;

use credit_policy::context::Context;
use credit_policy::policy::{Identity, Policy};
use credit_policy::report::sheet::{self, About, Sheet};
use serde::Serialize;

use super::{Exit, error};

/// What a command writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns and text for people.
    #[value(alias = "text")]
    Table,
    /// One JSON document.
    Json,
    /// One JSON record per line: a decision, a client, an order, a step.
    Jsonl,
    /// One row per record, money as exact decimals, lists joined with `;`.
    Csv,
    /// An Excel workbook (needs --output FILE.xlsx): typed cells, a sheet for the policy.
    Xlsx,
    /// One self-contained page (compare).
    Html,
}

impl Format {
    /// The name of the format, as `--format` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Html => "html",
        }
    }

    /// The format a file name's extension asks for.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "html" | "htm" => Some(Format::Html),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }

    /// The same format for the decision writers of `evaluate`.
    pub fn decisions(self) -> Option<credit_policy::report::Format> {
        use credit_policy::report::Format as F;
        Some(match self {
            Format::Table => F::Table,
            Format::Json => F::Json,
            Format::Jsonl => F::Jsonl,
            Format::Csv => F::Csv,
            Format::Xlsx => F::Xlsx,
            Format::Html => return None,
        })
    }
}

/// The formats of a command that prints rows: every one but HTML.
pub const ROWS: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Jsonl,
    Format::Csv,
    Format::Xlsx,
];

/// `--format` and `--output`, the same in every command that prints rows.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Output format [default: table (evaluate: jsonl when standard output is not a terminal);
    /// with --output, from the file's extension: .txt .json .jsonl .csv .xlsx .html]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Write the output to FILE (written whole, then moved into place) instead of standard
    /// output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write through an output (--output, --rejects, --log, --html) that is a symbolic link,
    /// a FIFO or a device, instead of refusing it.
    #[arg(long)]
    pub force_output: bool,
}

impl OutputArgs {
    /// The format to write: `--format`, else the extension of `--output`, else `default`;
    /// refused (exit 2) when `command` does not write it, or when a workbook has no file.
    pub fn resolve(
        &self,
        command: &str,
        offers: &[Format],
        default: Format,
    ) -> Result<Format, Exit> {
        let format = match (self.format, &self.output) {
            (Some(f), _) => f,
            (None, Some(path)) => Format::from_path(path).ok_or_else(|| {
                let names: Vec<&str> = offers.iter().map(|f| f.name()).collect();
                error(&format!(
                    "cannot tell the format of `{}` from its name; add `--format {}`",
                    path.display(),
                    names.join("|")
                ));
                Exit::Error
            })?,
            (None, None) => default,
        };
        if !offers.contains(&format) {
            let names: Vec<&str> = offers.iter().map(|f| f.name()).collect();
            error(&format!(
                "`{command}` does not write {}; it writes {}",
                format.name(),
                names.join(", ")
            ));
            return Err(Exit::Error);
        }
        if format == Format::Xlsx && self.output.is_none() {
            error(
                "`--format xlsx` writes a workbook, which needs a file: add `--output FILE.xlsx`",
            );
            return Err(Exit::Error);
        }
        Ok(format)
    }

    /// Refuses, before anything is written (exit 2), `--output` and the files of `writes` when
    /// one is not an ordinary file, is read-only, or is the same file as another written or one
    /// of `reads` (see [`super::paths::guard`]).
    pub fn guard(
        &self,
        reads: &[super::paths::Named<'_>],
        writes: &[super::paths::Named<'_>],
    ) -> Result<(), Exit> {
        let mut all = vec![("--output", self.output.as_deref())];
        all.extend_from_slice(writes);
        super::paths::guard(reads, &all, self.force_output)
    }

    /// Writes a whole output: to `--output` (whole or not at all), else to standard output.
    pub fn write(&self, bytes: &[u8]) -> Result<(), Exit> {
        match &self.output {
            Some(path) => super::write_atomically(path, bytes).map_err(|e| {
                error(&format!("cannot write `{}`: {e}", path.display()));
                Exit::Error
            }),
            None => {
                super::out(&String::from_utf8_lossy(bytes));
                Ok(())
            }
        }
    }

    /// Writes an output made by `write` as it goes: to `--output` (whole or not at all), else
    /// to standard output (a closed pipe ends the program quietly, as in [`super::out`]).
    pub fn write_with(
        &self,
        write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), Exit> {
        use std::io::Write as _;
        match &self.output {
            Some(path) => {
                let written = super::paths::Target::create(path).and_then(|t| {
                    let mut w = std::io::BufWriter::with_capacity(1 << 16, t.file()?);
                    write(&mut w)?;
                    w.flush()?;
                    drop(w);
                    t.commit()
                });
                written.map_err(|e| {
                    error(&format!("cannot write `{}`: {e}", path.display()));
                    Exit::Error
                })
            }
            None => {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
                match write(&mut w).and_then(|()| w.flush()) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                        credit_policy::safety::remove_temps();
                        std::process::exit(Exit::Ok as i32)
                    }
                    Err(e) => {
                        error(&format!("cannot write the output: {e}"));
                        credit_policy::safety::remove_temps();
                        std::process::exit(Exit::Error as i32)
                    }
                }
            }
        }
    }

    /// Writes `view` in `format` (see [`OutputArgs::resolve`]).
    pub fn emit<D: Serialize>(&self, format: Format, view: View<'_, D>) -> Result<(), Exit> {
        let bytes = view.render(format).map_err(|e| {
            error(&e);
            Exit::Error
        })?;
        self.write(&bytes)
    }
}

/// What a command found, in every form it can be written.
pub struct View<'a, D: Serialize> {
    /// For people (`table`).
    pub text: String,
    /// The whole result (`json`).
    pub doc: &'a D,
    /// One record per row (`jsonl`), each a line of JSON carrying the policy that decided
    /// (see [`record`]).
    pub records: Vec<String>,
    /// The rows: the first sheet is the CSV, every sheet goes into a workbook.
    pub sheets: Vec<Sheet>,
    /// The sheet `policy` of a workbook, and its creation date.
    pub about: (About, jiff::civil::Date),
    /// A page, for the commands that have one.
    pub html: Option<String>,
}

impl<D: Serialize> View<'_, D> {
    fn render(self, format: Format) -> Result<Vec<u8>, String> {
        Ok(match format {
            // Names from the input cannot reach the terminal as control codes.
            Format::Table => credit_policy::report::printable(&self.text)
                .into_owned()
                .into_bytes(),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(self.doc).map_err(|e| e.to_string())?;
                s.push('\n');
                s.into_bytes()
            }
            Format::Jsonl => {
                let mut s = String::new();
                for r in &self.records {
                    s.push_str(r);
                    s.push('\n');
                }
                s.into_bytes()
            }
            Format::Csv => self.sheets.first().map(sheet::csv).unwrap_or_default(),
            Format::Xlsx => sheet::workbook(&self.sheets, &self.about.0, self.about.1)
                .map_err(|e| e.to_string())?,
            Format::Html => self.html.map(String::into_bytes).unwrap_or_default(),
        })
    }
}

/// A row's JSON record with the policy that decided, after the row's own fields.
#[derive(Serialize)]
struct Record<'a, T: Serialize> {
    #[serde(flatten)]
    item: &'a T,
    policy: &'a Identity,
}

/// One JSON line of a row: `item`'s fields in their order, then the policy that decided, so
/// each line stands alone.
pub fn record(item: &impl Serialize, policy: &Identity) -> String {
    serde_json::to_string(&Record { item, policy }).unwrap_or_default()
}

/// One JSON line of a row that names its policy itself.
pub fn line(item: &impl Serialize) -> String {
    serde_json::to_string(item).unwrap_or_default()
}

/// The sheet `policy` of a workbook: the policy's identity, the currency, the as-of date and
/// the economy; and the workbook's creation date (the as-of date, so output is byte-stable).
pub fn about(policy: &Policy, context: &Context) -> (About, jiff::civil::Date) {
    let id = &policy.identity;
    let rows = [
        ("policy_name", id.name.clone()),
        ("policy_version", id.version.clone()),
        ("policy_hash", id.hash.clone()),
        ("currency", policy.currency.clone()),
        ("as_of", context.as_of.to_string()),
        ("economy", context.economy.clone()),
        (
            "engine_version",
            credit_policy::audit::ENGINE_VERSION.to_string(),
        ),
    ];
    (
        rows.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        context.as_of,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_extension_chooses_the_format() {
        for (name, f) in [
            ("a.json", Format::Json),
            ("a.JSONL", Format::Jsonl),
            ("a.csv", Format::Csv),
            ("a.xlsx", Format::Xlsx),
            ("a.html", Format::Html),
            ("a.txt", Format::Table),
        ] {
            assert_eq!(Format::from_path(Path::new(name)), Some(f), "{name}");
        }
        assert_eq!(Format::from_path(Path::new("a.pdf")), None);
    }

    #[test]
    fn a_format_the_command_does_not_write_is_refused() {
        let args = OutputArgs {
            format: Some(Format::Html),
            output: None,
            force_output: false,
        };
        assert_eq!(
            args.resolve("review", ROWS, Format::Table),
            Err(Exit::Error)
        );
        let args = OutputArgs {
            format: None,
            output: Some("out.csv".into()),
            force_output: false,
        };
        assert_eq!(args.resolve("review", ROWS, Format::Table), Ok(Format::Csv));
        let args = OutputArgs {
            format: Some(Format::Xlsx),
            output: None,
            force_output: false,
        };
        assert_eq!(
            args.resolve("review", ROWS, Format::Table),
            Err(Exit::Error)
        );
    }
}
