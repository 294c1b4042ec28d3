//! `credit-policy compare`: what a policy change or a scenario does to the whole book.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use comfy_table::{CellAlignment, LineStyle, Table, TableStyle};
use credit_policy::compare::{
    ActionChanges, Changed, Comparison, IdList, LISTED, Pair, Report, SideInfo,
};
use credit_policy::grade::Grade;
use credit_policy::policy::Policy;
use credit_policy::report::sheet::{Cell, Sheet};
use credit_policy::report::{html, money_grouped};
use credit_policy::run::{Run, Setup};
use credit_policy::stream::{self, Item};

use super::output::{self, Format, OutputArgs, View};
use super::spill::Spill;
use super::{Exit, PolicyArgs, error, fail, load_policy};

/// The formats of `compare`: the report, its changed clients as rows, or the page.
const FORMATS: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Jsonl,
    Format::Csv,
    Format::Xlsx,
    Format::Html,
];

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Side A's policy folder (the current one).
    #[arg(long = "a", value_name = "DIR", required_unless_present = "outcomes")]
    pub a: Option<PathBuf>,
    /// Side B's policy folder (the proposal); the same folder with another context is a scenario.
    #[arg(long = "b", value_name = "DIR", required_unless_present = "outcomes")]
    pub b: Option<PathBuf>,
    /// The context of both sides (TOML): as_of, economy, [company].
    #[arg(long, value_name = "FILE")]
    pub context: Option<PathBuf>,
    /// Side B's own context file, instead of --context.
    #[arg(long, value_name = "FILE")]
    pub context_b: Option<PathBuf>,
    /// The as-of date of both sides, YYYY-MM-DD (overrides the context files).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Side B's own as-of date (overrides --as-of and the context files for B).
    #[arg(long, value_name = "DATE")]
    pub as_of_b: Option<String>,
    /// The economy of both sides (overrides the context files).
    #[arg(long, value_name = "NAME")]
    pub economy: Option<String>,
    /// Side B's own economy, e.g. `recession` for a stress test (overrides --economy and the
    /// context files for B).
    #[arg(long, value_name = "NAME")]
    pub economy_b: Option<String>,
    /// Also total by this input column, e.g. `region`.
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also write a self-contained HTML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N", value_parser = super::threads_in_range)]
    pub threads: Option<usize>,
    /// Write rejected rows to FILE as JSON Lines instead of standard error.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// The clients and how to read them; required unless `--outcomes` is given.
    #[command(flatten)]
    pub input: Option<super::InputArgs>,
    /// Instead: set side by side the champion and challenger slices of an `evaluate
    /// --challenger --split` run (its JSON Lines output).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["a", "b", "input", "html", "by"])]
    pub outcomes: Option<PathBuf>,
}

impl Args {
    /// The sources of side A: `--context`, `--as-of`, `--economy`.
    fn side_a(&self) -> PolicyArgs {
        PolicyArgs {
            policy: None,
            context: self.context.clone(),
            as_of: self.as_of.clone(),
            economy: self.economy.clone(),
        }
    }

    /// The sources of side B: each `-b` flag when given, else the flag of both sides. A flag
    /// beats a context file, as in `evaluate`.
    fn side_b(&self) -> PolicyArgs {
        PolicyArgs {
            policy: None,
            context: self.context_b.clone().or(self.context.clone()),
            as_of: self.as_of_b.clone().or(self.as_of.clone()),
            economy: self.economy_b.clone().or(self.economy.clone()),
        }
    }
}

fn side(policy: &Policy, ctx: &credit_policy::context::Context) -> SideInfo {
    SideInfo {
        policy: policy.identity.clone(),
        as_of: ctx.as_of.to_string(),
        economy: ctx.economy.clone(),
    }
}

pub fn run(args: Args) -> Exit {
    if let Some(path) = &args.outcomes {
        return match args.output.resolve(
            "compare --outcomes",
            &[Format::Table, Format::Json],
            Format::Table,
        ) {
            Ok(format) => match args.output.guard(&[("--outcomes", Some(path))], &[]) {
                Ok(()) => run_outcomes(path, format, &args.output),
                Err(e) => e,
            },
            Err(e) => e,
        };
    }
    go(args).unwrap_or_else(|e| e)
}

fn go(args: Args) -> Result<Exit, Exit> {
    let (Some(a), Some(b), Some(input)) = (&args.a, &args.b, &args.input) else {
        error("give `--a DIR --b DIR INPUT`, or `--outcomes FILE`");
        return Err(Exit::Error);
    };
    let mut reads = input.named();
    reads.extend([
        ("--context", args.context.as_deref()),
        ("--context-b", args.context_b.as_deref()),
    ]);
    args.output.guard(
        &reads,
        &[
            ("--rejects", args.rejects.as_deref()),
            ("--html", args.html.as_deref()),
        ],
    )?;
    let format = args.output.resolve("compare", FORMATS, Format::Table)?;
    let (pa, pb) = (load_policy(Some(a)), load_policy(Some(b)));
    let (pa, pb) = (pa?, pb?);
    let ca = super::load_context(&args.side_a(), &pa)?;
    let cb = super::load_context(&args.side_b(), &pb)?;
    let sa = Setup::new(&pa, ca).map_err(fail)?;
    let sb = Setup::new(&pb, cb).map_err(fail)?;
    let input = input.open(&[&sa, &sb])?;
    let (mut rejects, rejects_target) = super::paths::rejects(args.rejects.as_deref())?;
    let threads = stream::threads(args.threads);
    // Each side forms its own group lines, as `evaluate` under that side would.
    let run_a = Run::start(&sa, &input, threads).map_err(fail)?;
    let run_b = Run::start(&sb, &input, threads).map_err(fail)?;
    let mut cmp = Comparison::new(
        side(&pa, &sa.context),
        side(&pb, &sb.context),
        args.by.clone(),
    );
    let by = args.by.as_deref();
    let mut records = Records::new(format, args.output.output.as_deref()).map_err(|e| {
        error(&format!(
            "cannot make a temporary file for the changed clients: {e}"
        ));
        Exit::Error
    })?;
    let bar = super::evaluate::progress_bar(input.size());
    // Each worker decides both sides and keeps only what the comparison needs.
    let streamed = run_a.stream_beside(
        &run_b,
        &mut rejects,
        |c, a, b| Pair::new(c, &a.decision, &b.decision, by),
        |item| {
            match item {
                Item::Decided(pair) => {
                    if let Some(c) = cmp.add_pair(pair) {
                        records.add(&c)?;
                    }
                }
                Item::Rejected(_) => cmp.reject(),
            }
            Ok(())
        },
        &|bytes| {
            if let Some(b) = &bar {
                b.set_position(bytes);
            }
        },
    );
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    super::show_warnings(&run_a);
    if let Err(e) = streamed {
        error(&format!("{e}; nothing was compared"));
        return Err(Exit::Error);
    }
    if let Err(e) = rejects.flush() {
        error(&e.to_string());
        return Err(Exit::Error);
    }
    drop(rejects);
    super::paths::commit_rejects(rejects_target, args.rejects.as_deref())?;
    let extra_columns: Vec<String> = Vec::new();
    if let Err(e) = cmp.check_by(&extra_columns) {
        error(&e);
        return Err(Exit::Error);
    }
    let report = cmp.finish();
    let diff = credit_policy::policy::diff::diff(&pa, &pb);
    let page = || html::compare_page(&report, &diff);
    if let Some(path) = &args.html
        && let Err(e) = super::write_atomically(path, page().as_bytes())
    {
        error(&format!("cannot write `{}`: {e}", path.display()));
        return Err(Exit::Error);
    }
    let every_row_rejected = report.clients == 0 && report.rejected > 0;
    let mut about = output::about(&pa, &sa.context);
    about.0.extend([
        ("policy_b_name".to_string(), pb.identity.name.clone()),
        ("policy_b_version".to_string(), pb.identity.version.clone()),
        ("policy_b_hash".to_string(), pb.identity.hash.clone()),
        ("as_of_b".to_string(), sb.context.as_of.to_string()),
        ("economy_b".to_string(), sb.context.economy.clone()),
    ]);
    match records {
        Records::Page => {
            let view = View {
                text: if every_row_rejected {
                    format!(
                        "every row was rejected: nothing decided ({} row(s) rejected)\n",
                        report.rejected
                    )
                } else {
                    render(&report)
                },
                records: Vec::new(),
                sheets: Vec::new(),
                about,
                doc: &report,
                html: (format == Format::Html).then(page),
            };
            args.output.emit(format, view)?;
        }
        Records::Sheet(changed) => {
            let view = View {
                text: String::new(),
                records: Vec::new(),
                sheets: sheets(&report, changed),
                about,
                doc: &report,
                html: None,
            };
            args.output.emit(format, view)?;
        }
        streamed => args.output.write_with(|w| streamed.finish(&report, w))?,
    }
    if every_row_rejected {
        credit_policy::errln!("every row was rejected: nothing decided");
    }
    Ok(if report.rejected > 0 {
        Exit::Rejects
    } else {
        Exit::Ok
    })
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_style(TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─')));
    t
}

fn right(t: &mut Table, from: usize) {
    let n = t.column_count();
    for i in from..n {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn ids(list: &IdList) -> String {
    const SHOWN: usize = 8;
    if list.count == 0 {
        return "none".into();
    }
    let mut s = list
        .first
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let shown = list.first.len().min(SHOWN) as u64;
    if list.count > shown {
        let _ = write!(s, " and {} more", list.count - shown);
    }
    format!("{} ({s})", list.count)
}

/// The report as tables for a person.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    for (name, side) in [("A", &r.a), ("B", &r.b)] {
        let _ = writeln!(
            s,
            "{name}: {} {} ({}), as of {}, economy {}",
            side.policy.name, side.policy.version, side.policy.hash, side.as_of, side.economy
        );
    }
    let _ = writeln!(
        s,
        "{} clients compared, {} rows rejected\n",
        r.clients, r.rejected
    );

    let _ = writeln!(
        s,
        "grade migration (rows: grade under A, columns: grade under B)"
    );
    let mut t = table();
    let mut header = vec!["A \\ B".to_string()];
    header.extend(Grade::ALL.iter().map(|g| g.to_string()));
    t.set_header(header);
    for (i, row) in r.matrix().iter().enumerate() {
        let mut cells = vec![Grade::ALL[i].to_string()];
        cells.extend(row.iter().enumerate().map(|(j, n)| match (n, i == j) {
            (0, _) => ".".to_string(),
            (n, true) => format!("[{n}]"),
            (n, false) => n.to_string(),
        }));
        t.add_row(cells);
    }
    right(&mut t, 1);
    let _ = writeln!(s, "{t}\n");

    let _ = writeln!(s, "credit granted");
    let mut t = table();
    t.set_header([
        "grade",
        "clients A",
        "line A",
        "clients B",
        "line B",
        "change",
    ]);
    for g in &r.per_grade {
        t.add_row([
            g.grade.to_string(),
            g.clients_a.to_string(),
            money_grouped(dec(&g.limit_a)),
            g.clients_b.to_string(),
            money_grouped(dec(&g.limit_b)),
            money_grouped(dec(&g.delta)),
        ]);
    }
    t.add_row([
        "total".to_string(),
        r.clients.to_string(),
        money_grouped(dec(&r.limit_total.a)),
        r.clients.to_string(),
        money_grouped(dec(&r.limit_total.b)),
        money_grouped(dec(&r.limit_total.delta)),
    ]);
    right(&mut t, 1);
    let _ = writeln!(s, "{t}\n");

    let _ = writeln!(
        s,
        "on hold: A {} clients, exposure {}; B {} clients, exposure {}",
        r.hold_a.clients,
        money_grouped(dec(&r.hold_a.exposure)),
        r.hold_b.clients,
        money_grouped(dec(&r.hold_b.exposure))
    );
    let a = &r.actions;
    let _ = writeln!(s, "newly held: {}", ids(&a.newly_held));
    let _ = writeln!(s, "released from hold: {}", ids(&a.released));
    let _ = writeln!(s, "newly terminated: {}", ids(&a.newly_terminated));
    let _ = writeln!(s, "newly on watch: {}", ids(&a.newly_watched));
    let _ = writeln!(
        s,
        "newly asked for collateral: {}",
        ids(&a.newly_collateral)
    );

    let (up, down) = r.largest_moves(10);
    for (title, list) in [("largest line cuts", down), ("largest line increases", up)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{title}");
        let mut t = table();
        t.set_header([
            "id", "name", "grade", "line A", "line B", "change", "why (B)",
        ]);
        for c in list {
            t.add_row([
                c.id.clone(),
                c.name.clone().unwrap_or_default(),
                format!("{} -> {}", c.grade_a, c.grade_b),
                money_grouped(dec(&c.limit_a)),
                money_grouped(dec(&c.limit_b)),
                money_grouped(dec(&c.delta)),
                why(c),
            ]);
        }
        for i in 3..6 {
            if let Some(c) = t.column_mut(i) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        let _ = writeln!(s, "{t}");
    }
    if r.changed_count > LISTED as u64 {
        let _ = writeln!(
            s,
            "\n{} clients changed; the 10 largest cuts and increases are listed; `--format csv --output FILE` lists every one",
            html::group_count(r.changed_count)
        );
    }
    if let Some(by) = &r.by {
        let _ = writeln!(s, "\nby {}", by.column);
        let mut t = table();
        t.set_header([
            by.column.as_str(),
            "clients",
            "line A",
            "line B",
            "change",
            "held A",
            "held B",
        ]);
        for g in &by.groups {
            t.add_row([
                g.value.clone(),
                g.clients.to_string(),
                money_grouped(dec(&g.limit_a)),
                money_grouped(dec(&g.limit_b)),
                money_grouped(dec(&g.delta)),
                g.held_a.to_string(),
                g.held_b.to_string(),
            ]);
        }
        right(&mut t, 1);
        let _ = writeln!(s, "{t}");
    }
    s
}

/// Why a client's line moved: what the line steps say, else the first reason only B gives.
fn why(c: &credit_policy::compare::Changed) -> String {
    if c.line_why.is_empty() {
        c.reasons_b_only.first().cloned().unwrap_or_default()
    } else {
        c.line_why
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn dec(s: &str) -> rust_decimal::Decimal {
    credit_policy::money::parse_decimal(s).unwrap_or_default()
}

/// The columns of a changed client as a row (the CSV, the workbook's sheet `changed`).
const CHANGED_COLUMNS: &[&str] = &[
    "id",
    "name",
    "grade_a",
    "grade_b",
    "limit_a",
    "limit_b",
    "delta",
    "actions_a",
    "actions_b",
    "reasons_a_only",
    "reasons_b_only",
    "line_why",
];

/// A changed client as a row of [`CHANGED_COLUMNS`].
fn changed_row(c: &Changed) -> Vec<Cell> {
    let joined = |list: &mut dyn Iterator<Item = &str>| {
        Cell::from(
            list.map(|x| x.replace(';', ","))
                .collect::<Vec<_>>()
                .join(";"),
        )
    };
    vec![
        c.id.as_str().into(),
        Cell::text(c.name.as_deref()),
        c.grade_a.into(),
        c.grade_b.into(),
        Cell::Money(dec(&c.limit_a)),
        Cell::Money(dec(&c.limit_b)),
        Cell::Money(dec(&c.delta)),
        c.actions_a.join(";").into(),
        c.actions_b.join(";").into(),
        joined(&mut c.reasons_a_only.iter().map(String::as_str)),
        joined(&mut c.reasons_b_only.iter().map(String::as_str)),
        joined(&mut c.line_why.iter().map(|w| w.text.as_str())),
    ]
}

/// Where every changed client goes as it is decided, in input order, for the formats that list
/// them all; the text and the page show only the report's bounded lists.
enum Records {
    /// Table and page: nothing beyond the report.
    Page,
    /// The workbook's sheet `changed`, kept for the workbook (which holds at most 1,048,575
    /// rows a sheet).
    Sheet(Sheet),
    /// The CSV, header first.
    Csv(Box<csv::Writer<Spill>>),
    /// One JSON line a client.
    Jsonl(Spill),
    /// The elements of the JSON document's list `changed`, and of its five lists of action
    /// changes (in the order of [`ActionChanges::NAMES`]), as they will be written.
    Json { changed: Spill, ids: Vec<Spill> },
}

/// `text` (pretty JSON) as it reads nested under `indent`: every line but the first indented.
fn nest(text: &str, indent: &str) -> String {
    text.replace('\n', &format!("\n{indent}"))
}

fn pretty<T: serde::Serialize>(v: &T, indent: &str) -> io::Result<String> {
    Ok(nest(&serde_json::to_string_pretty(v)?, indent))
}

/// A JSON list whose elements are in `spill`, as pretty JSON nested under `indent`.
fn spilled_list(spill: &mut Spill, indent: &str, w: &mut dyn io::Write) -> io::Result<()> {
    if spill.count == 0 {
        return w.write_all(b"[]");
    }
    w.write_all(b"[\n")?;
    spill.copy_to(w)?;
    write!(w, "\n{indent}]")
}

impl Records {
    fn new(format: Format, output: Option<&Path>) -> io::Result<Records> {
        Ok(match format {
            Format::Table | Format::Html => Records::Page,
            Format::Xlsx => Records::Sheet(Sheet::new("changed", CHANGED_COLUMNS)),
            Format::Csv => {
                let mut w = csv::Writer::from_writer(Spill::new(output)?);
                w.write_record(CHANGED_COLUMNS)?;
                Records::Csv(Box::new(w))
            }
            Format::Jsonl => Records::Jsonl(Spill::new(output)?),
            Format::Json => Records::Json {
                changed: Spill::new(output)?,
                ids: (0..ActionChanges::NAMES.len())
                    .map(|_| Spill::new(output))
                    .collect::<io::Result<_>>()?,
            },
        })
    }

    fn add(&mut self, c: &Changed) -> io::Result<()> {
        match self {
            Records::Page => {}
            Records::Sheet(sheet) => sheet.push(changed_row(c)),
            Records::Csv(w) => w.write_record(changed_row(c).iter().map(Cell::csv_text))?,
            Records::Jsonl(spill) => {
                spill.write_all(output::line(c).as_bytes())?;
                spill.write_all(b"\n")?;
            }
            Records::Json { changed, ids } => {
                changed.item(&format!("    {}", pretty(c, "    ")?), ",\n")?;
                for (on, list) in c.action_moves().into_iter().zip(ids.iter_mut()) {
                    if on {
                        list.item(&format!("      {}", serde_json::to_string(&c.id)?), ",\n")?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the output of a format that lists every changed client: the CSV or JSON Lines
    /// as spilled, or the JSON document `report` with its lists of clients in full.
    fn finish(self, r: &Report, w: &mut dyn io::Write) -> io::Result<()> {
        match self {
            Records::Page | Records::Sheet(_) => Ok(()),
            Records::Csv(csv) => csv.into_inner().map_err(|e| e.into_error())?.copy_to(w),
            Records::Jsonl(mut spill) => spill.copy_to(w),
            Records::Json {
                mut changed,
                mut ids,
            } => {
                // The fields of `Report` in their order, as `serde_json::to_string_pretty`
                // writes them, the lists of clients copied from their spills.
                let mut head = String::from("{\n");
                let mut field = |key: &str, value: String| {
                    let _ = writeln!(head, "  \"{key}\": {value},");
                };
                field("a", pretty(&r.a, "  ")?);
                field("b", pretty(&r.b, "  ")?);
                field("clients", r.clients.to_string());
                field("rejected", r.rejected.to_string());
                field("migration", pretty(&r.migration, "  ")?);
                field("limit_total", pretty(&r.limit_total, "  ")?);
                field("per_grade", pretty(&r.per_grade, "  ")?);
                field("hold_a", pretty(&r.hold_a, "  ")?);
                field("hold_b", pretty(&r.hold_b, "  ")?);
                head.push_str("  \"actions\": {\n");
                w.write_all(head.as_bytes())?;
                for (i, (name, list)) in ActionChanges::NAMES.iter().zip(ids.iter_mut()).enumerate()
                {
                    write!(w, "    \"{name}\": ")?;
                    spilled_list(list, "    ", w)?;
                    w.write_all(if i + 1 < ActionChanges::NAMES.len() {
                        b",\n"
                    } else {
                        b"\n"
                    })?;
                }
                w.write_all(b"  },\n  \"changed\": ")?;
                spilled_list(&mut changed, "  ", w)?;
                write!(w, ",\n  \"by\": {}\n}}\n", pretty(&r.by, "  ")?)
            }
        }
    }
}

/// The report as rows: the changed clients first (the CSV), then credit granted per grade,
/// the migration matrix, and the totals by the `--by` column (the other sheets of a workbook).
fn sheets(r: &Report, changed: Sheet) -> Vec<Sheet> {
    let mut grades = Sheet::new(
        "credit_granted",
        &[
            "grade",
            "clients_a",
            "line_a",
            "clients_b",
            "line_b",
            "change",
        ],
    );
    for g in &r.per_grade {
        grades.push(vec![
            g.grade.into(),
            Cell::Int(g.clients_a as i64),
            Cell::Money(dec(&g.limit_a)),
            Cell::Int(g.clients_b as i64),
            Cell::Money(dec(&g.limit_b)),
            Cell::Money(dec(&g.delta)),
        ]);
    }
    grades.push(vec![
        "total".into(),
        Cell::Int(r.clients as i64),
        Cell::Money(dec(&r.limit_total.a)),
        Cell::Int(r.clients as i64),
        Cell::Money(dec(&r.limit_total.b)),
        Cell::Money(dec(&r.limit_total.delta)),
    ]);
    let mut columns = vec!["grade_a"];
    columns.extend(Grade::ALL.iter().map(|g| g.as_str()));
    let mut migration = Sheet::new("migration", &columns);
    for (i, row) in r.matrix().iter().enumerate() {
        let mut cells = vec![Cell::from(Grade::ALL[i].as_str())];
        cells.extend(row.iter().map(|n| Cell::Int(*n as i64)));
        migration.push(cells);
    }
    let mut sheets = vec![changed, grades, migration];
    if let Some(by) = &r.by {
        let mut s = Sheet::new(
            "by",
            &[
                by.column.as_str(),
                "clients",
                "line_a",
                "line_b",
                "change",
                "held_a",
                "held_b",
            ],
        );
        for g in &by.groups {
            s.push(vec![
                g.value.as_str().into(),
                Cell::Int(g.clients as i64),
                Cell::Money(dec(&g.limit_a)),
                Cell::Money(dec(&g.limit_b)),
                Cell::Money(dec(&g.delta)),
                Cell::Int(g.held_a as i64),
                Cell::Int(g.held_b as i64),
            ]);
        }
        sheets.push(s);
    }
    sheets
}

/// `compare --outcomes FILE`: the two slices of a champion/challenger run side by side.
fn run_outcomes(path: &std::path::Path, format: Format, out: &OutputArgs) -> Exit {
    use credit_policy::compare::outcomes::{self, Outcomes};
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            error(&format!("cannot read `{}`: {e}", path.display()));
            return Exit::Error;
        }
    };
    let o = outcomes::read(std::io::BufReader::new(
        credit_policy::safety::LineCap::new(file, credit_policy::safety::MAX_LINE),
    ));
    if o.champion.clients + o.challenger.clients == 0 {
        error(&format!(
            "`{}` holds no decision of a champion/challenger run; make one with `evaluate --challenger DIR --split PERCENT --format jsonl`",
            path.display()
        ));
        return Exit::Error;
    }
    let written = if format == Format::Json {
        out.write((serde_json::to_string_pretty(&o).unwrap_or_default() + "\n").as_bytes())
    } else {
        let mut s = String::new();
        let _ = writeln!(s, "champion:   {}", o.champion.policy);
        let _ = writeln!(s, "challenger: {}\n", o.challenger.policy);
        let mut t = table();
        t.set_header(["", "champion", "challenger"]);
        let (a, b) = (&o.champion, &o.challenger);
        let share = |n: u64, of: u64| {
            if of == 0 {
                "-".to_string()
            } else {
                let pct = rust_decimal::Decimal::from(n * 100) / rust_decimal::Decimal::from(of);
                format!("{}% ({n})", pct.round_dp(1))
            }
        };
        t.add_row([
            "clients".to_string(),
            a.clients.to_string(),
            b.clients.to_string(),
        ]);
        for ((g, na), (_, nb)) in Outcomes::grades(a).into_iter().zip(Outcomes::grades(b)) {
            t.add_row([
                format!("grade {g}"),
                share(na, a.clients),
                share(nb, b.clients),
            ]);
        }
        t.add_row([
            "credit granted".to_string(),
            money_grouped(a.limit_total.0),
            money_grouped(b.limit_total.0),
        ]);
        t.add_row([
            "exposure".to_string(),
            money_grouped(a.exposure_total.0),
            money_grouped(b.exposure_total.0),
        ]);
        t.add_row([
            "on hold".to_string(),
            share(a.held, a.clients),
            share(b.held, b.clients),
        ]);
        t.add_row([
            "exposure on hold".to_string(),
            money_grouped(a.held_exposure.0),
            money_grouped(b.held_exposure.0),
        ]);
        t.add_row([
            "terminate".to_string(),
            a.terminated.to_string(),
            b.terminated.to_string(),
        ]);
        t.add_row([
            "watch".to_string(),
            a.watched.to_string(),
            b.watched.to_string(),
        ]);
        t.add_row([
            "require collateral".to_string(),
            a.collateral.to_string(),
            b.collateral.to_string(),
        ]);
        right(&mut t, 1);
        let _ = writeln!(s, "{t}");
        for (line, why) in &o.skipped {
            let _ = writeln!(s, "line {line} skipped: {why}");
        }
        out.write(s.as_bytes())
    };
    if let Err(e) = written {
        return e;
    }
    if o.skipped.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejects
    }
}
