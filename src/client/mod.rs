//! Clients as read from the input: one row becomes one checked [`Client`], or one [`Reject`]
//! that says which line, which field and why. Nothing is dropped.

pub mod columns;
pub mod dialect;
pub mod facts;
pub mod read;
pub mod xlsx;

use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::Date;
use rust_decimal::Decimal;

pub use columns::{ColumnMap, ColumnNotes};
pub use facts::{Fact, Facts, Kind};
pub use read::{
    ClientReader, InputError, InputFormat, InputNotes, RawBatch, RawRow, ReadOptions, Row,
    RowParser,
};

use crate::grade::Grade;
use crate::money::{MONEY_MAX, parse_decimal};

/// The input columns that are not numbers.
pub const TEXT_COLUMNS: &[&str] = &[
    "id",
    "name",
    "region",
    "key_account",
    "last_review",
    "distress_confirmed",
    "previous_grade",
    "group",
    "temporary_line_until",
];

/// One client, its fields checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    /// Line of the input the client was read from (the header is line 1), or its sheet row.
    pub line: u64,
    pub id: String,
    pub name: Option<String>,
    pub region: Option<String>,
    pub key_account: Option<bool>,
    pub distress_confirmed: Option<bool>,
    pub last_review: Option<Date>,
    /// The grade it had before (at its last review), for the outlook.
    pub previous_grade: Option<Grade>,
    /// The group (parent) it belongs to, whose members share a group line.
    pub group: Option<String>,
    /// The last day (inclusive) of its temporary line.
    pub temporary_line_until: Option<Date>,
    /// The numeric input columns; derived ratios are filled in by the engine.
    pub facts: Facts,
    /// Columns the engine does not know, passed to scripts as they are.
    pub extra: Vec<(Arc<str>, Extra)>,
    /// What looked doubtful in the row without making it unusable, for the user to check.
    pub warnings: Vec<Warning>,
}

/// A doubtful value in a row that was still decided: shown once, counted in a summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    pub line: u64,
    pub id: String,
    pub field: String,
    pub message: String,
}

/// A sell-through above this (sold on more than half again what it bought from us) is warned
/// about: possible with stock bought elsewhere or carried over, but more often a wrong figure.
pub const SELL_THROUGH_WARN: Decimal = Decimal::from_parts(15, 0, 0, false, 1);

/// The plausibility checks a row passes after its cells are read, beyond each cell's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checks {
    /// The as-of date: a `last_review` after it is refused. `None` checks nothing.
    pub as_of: Option<Date>,
    /// The highest growth (`sales_growth`, `inventory_growth`, `receivable_growth`) accepted,
    /// as a share: a larger one is most often a percent typed as a share.
    pub max_growth: Decimal,
    /// The decimals of the currency: money with more is refused.
    pub money_decimals: u32,
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            as_of: None,
            max_growth: crate::policy::DEFAULT_MAX_GROWTH,
            money_decimals: 2,
        }
    }
}

/// The decimals of an ISO 4217 currency (two unless it is one of the few with none or three).
pub fn currency_decimals(code: &str) -> u32 {
    match code.trim().to_ascii_uppercase().as_str() {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "PYG" | "UGX" | "XAF" | "XOF" | "XPF" | "RWF"
        | "GNF" | "KMF" | "DJF" | "VUV" | "BIF" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
        _ => 2,
    }
}

/// Whether an id (or a name) is the label of a totals row, such as `Total` or `合计`.
pub fn is_totals_label(text: &str) -> bool {
    // Most ids and names cannot be a label from their first character on: say so without
    // lowercasing the text into a new string.
    let first = trim(text)
        .chars()
        .next()
        .and_then(|c| c.to_lowercase().next());
    if !matches!(
        first,
        Some('t' | 'g' | 's' | '合' | '总' | '小' | '共' | '汇' | '總')
    ) {
        return false;
    }
    let t = text
        .trim()
        .trim_end_matches([':', '：'])
        .trim()
        .to_lowercase();
    const LABELS: &[&str] = &[
        "total",
        "totals",
        "grand total",
        "grandtotal",
        "subtotal",
        "sub-total",
        "sub total",
        "sum",
        "合计",
        "总计",
        "小计",
        "总合计",
        "共计",
        "汇总",
        "合計",
        "總計",
        "小計",
    ];
    LABELS.contains(&t.as_str())
        || ["total ", "subtotal ", "grand total", "合计", "总计", "小计"]
            .iter()
            .any(|p| t.starts_with(p))
}

impl Client {
    /// A client with only an id and annual sales, every other field unknown.
    pub fn new(id: impl Into<String>, annual_sales: Decimal) -> Client {
        let mut client = Client::empty(0);
        client.id = id.into();
        client.facts.set(Fact::AnnualSales, Some(annual_sales));
        client
    }

    /// A client of input line `line` with no id and every fact unknown.
    pub fn empty(line: u64) -> Client {
        Client {
            line,
            id: String::new(),
            name: None,
            region: None,
            key_account: None,
            distress_confirmed: None,
            last_review: None,
            previous_grade: None,
            group: None,
            temporary_line_until: None,
            facts: Facts::default(),
            extra: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// The ids met so far, to refuse a second use of one. Kept as a 64-bit hash of the id and the
/// line of its first use, 12 bytes a client, in 64 tables chosen by the hash, so that the
/// memory grows a sixty-fourth at a time instead of doubling the whole table at once: ten
/// million ids take about 210 MiB here (319 MiB the whole run, README "Performance"), and
/// nothing else grows with the input. Two different ids with the same 64-bit hash (about one
/// chance in a million for ten million ids) would be reported as a duplicate, naming the first
/// line, where a person sees at once that the ids differ.
#[derive(Debug)]
pub struct SeenIds {
    shards: Vec<hashbrown::HashTable<Seen>>,
    /// First lines past `u32::MAX` (a file of more than four billion lines), by hash.
    far: HashMap<u64, u64>,
}

/// One id met: its hash (as two halves, so the entry packs into 12 bytes) and the line of its
/// first use, or `u32::MAX` when that line is in [`SeenIds::far`].
#[derive(Debug, Clone, Copy)]
struct Seen {
    hash: [u32; 2],
    line: u32,
}

const SHARDS: usize = 64;

impl Seen {
    fn hash(&self) -> u64 {
        (u64::from(self.hash[0]) << 32) | u64::from(self.hash[1])
    }
}

/// Spreads a hash over the table's buckets: the shard took the top bits, so use the rest.
fn spread(hash: u64) -> u64 {
    hash.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(6)
}

impl Default for SeenIds {
    fn default() -> SeenIds {
        SeenIds {
            shards: (0..SHARDS).map(|_| hashbrown::HashTable::new()).collect(),
            far: HashMap::new(),
        }
    }
}

impl SeenIds {
    /// Records the client's id; a reject when the id was used before.
    pub fn check(&mut self, id: &str, line: u64) -> Result<(), Reject> {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        id.hash(&mut h);
        let hash = h.finish();
        let shard = &mut self.shards[(hash >> 58) as usize];
        match shard.entry(spread(hash), |s| s.hash() == hash, |s| spread(s.hash())) {
            hashbrown::hash_table::Entry::Occupied(first) => {
                let first = match first.get().line {
                    u32::MAX => self.far.get(&hash).copied().unwrap_or(u64::from(u32::MAX)),
                    l => u64::from(l),
                };
                Err(Reject {
                    line,
                    id: Some(id.to_string()),
                    field: "id".into(),
                    reason: format!("`{id}` is a duplicate; it was first used on line {first}"),
                })
            }
            hashbrown::hash_table::Entry::Vacant(v) => {
                let short = u32::try_from(line).unwrap_or(u32::MAX);
                if short == u32::MAX {
                    self.far.insert(hash, line);
                }
                v.insert(Seen {
                    hash: [(hash >> 32) as u32, hash as u32],
                    line: short,
                });
                Ok(())
            }
        }
    }
}

/// A value of a column the engine does not know: a decimal when it reads as one, else text.
#[derive(Debug, Clone, PartialEq)]
pub enum Extra {
    Number(Decimal),
    Text(String),
}

/// A row that could not be used: where it was, which field, and what to fix.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reject {
    pub line: u64,
    pub id: Option<String>,
    pub field: String,
    pub reason: String,
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Id,
    Name,
    Region,
    KeyAccount,
    Distress,
    LastReview,
    PreviousGrade,
    Group,
    TemporaryLineUntil,
    Fact(Fact),
    Extra(Arc<str>),
    /// A column dropped by the column map (or with a blank header): its cells are not read.
    Skip,
}

impl Column {
    pub fn for_name(name: &str) -> Column {
        match name {
            "id" => Column::Id,
            "name" => Column::Name,
            "region" => Column::Region,
            "key_account" => Column::KeyAccount,
            "distress_confirmed" => Column::Distress,
            "last_review" => Column::LastReview,
            "previous_grade" => Column::PreviousGrade,
            "group" => Column::Group,
            "temporary_line_until" => Column::TemporaryLineUntil,
            other => match Fact::by_name(other) {
                Some(f) if f.is_input() => Column::Fact(f),
                _ => Column::Extra(Arc::from(other)),
            },
        }
    }
}

/// A cell as it came from the file.
#[derive(Debug, Clone, Copy)]
pub enum Raw<'a> {
    /// Nothing: an empty CSV cell or a JSON `null`. Unknown, not zero.
    Empty,
    Text(&'a str),
    /// A JSON number, as written.
    Number(&'a str),
    Bool(bool),
    /// A JSON array or object, which no column takes.
    Nested,
}

/// Builds a client from its cells, checking each one.
#[derive(Default)]
pub struct RowBuilder {
    id: Option<String>,
    client: Option<Client>,
    problems: Vec<(String, String)>,
}

impl RowBuilder {
    pub fn new(line: u64) -> Self {
        RowBuilder {
            id: None,
            client: Some(Client::empty(line)),
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, field: &str, reason: impl Into<String>) {
        self.problems.push((field.to_string(), reason.into()));
    }

    /// Refuses a cell that cannot be taken at all (an Excel error value, say), naming `field`;
    /// the row is rejected like one with any other bad cell.
    pub fn refuse(&mut self, field: &str, reason: impl Into<String>) {
        self.problem(field, reason);
    }

    /// Takes one cell.
    pub fn cell(&mut self, column: &Column, name: &str, raw: Raw<'_>) {
        let raw = match raw {
            Raw::Text(t) if trim(t).is_empty() => Raw::Empty,
            Raw::Nested => {
                self.problem(name, "is a list or object; give a single value");
                return;
            }
            other => other,
        };
        let Some(c) = self.client.as_mut() else {
            return;
        };
        if let Raw::Text(t) = raw
            && matches!(column, Column::Fact(_))
            && t.as_bytes().contains(&b',')
            && let Some(problem) = dialect::comma_problem(t)
        {
            self.problem(name, problem);
            return;
        }
        match column {
            Column::Skip => {}
            Column::Id => match raw {
                Raw::Text(t) | Raw::Number(t) => self.id = Some(trim(t).to_string()),
                Raw::Bool(b) => self.id = Some(b.to_string()),
                _ => {}
            },
            Column::Name => c.name = text(raw),
            Column::Region => c.region = text(raw),
            Column::KeyAccount => match boolean(raw) {
                Ok(v) => c.key_account = v,
                Err(e) => self.problem(name, e),
            },
            Column::Distress => match boolean(raw) {
                Ok(v) => c.distress_confirmed = v,
                Err(e) => self.problem(name, e),
            },
            Column::LastReview => match date(raw) {
                Ok(v) => c.last_review = v,
                Err(e) => self.problem(name, e),
            },
            Column::TemporaryLineUntil => match date(raw) {
                Ok(v) => c.temporary_line_until = v,
                Err(e) => self.problem(name, e),
            },
            Column::PreviousGrade => match grade(raw) {
                Ok(v) => c.previous_grade = v,
                Err(e) => self.problem(name, e),
            },
            Column::Group => c.group = text(raw),
            Column::Fact(f) => match number(*f, raw) {
                Ok(v) => c.facts.set(*f, v),
                Err(e) => self.problem(name, e),
            },
            Column::Extra(col) => {
                let v = match raw {
                    Raw::Empty => None,
                    Raw::Bool(b) => Some(Extra::Text(b.to_string())),
                    Raw::Text(t) | Raw::Number(t) => Some(match decimal(t) {
                        Ok(d) => Extra::Number(d),
                        Err(_) => Extra::Text(trim(t).to_string()),
                    }),
                    Raw::Nested => None,
                };
                if let Some(v) = v {
                    c.extra.push((col.clone(), v));
                }
            }
        }
    }

    /// The client, or the reject naming the first problem (and counting the others), with
    /// the default [`Checks`] (no as-of date). Duplicate ids are found afterwards, in input
    /// order, by [`SeenIds`].
    pub fn finish(self) -> Result<Client, Reject> {
        self.finish_checked(&Checks::default())
    }

    /// Like [`RowBuilder::finish`], with the plausibility `checks` of the run.
    pub fn finish_checked(mut self, checks: &Checks) -> Result<Client, Reject> {
        let line = self.client.as_ref().map_or(0, |c| c.line);
        let id = self.id.take().filter(|s| !s.is_empty());
        let totals_name = self
            .client
            .as_ref()
            .and_then(|c| c.name.as_deref())
            .filter(|n| is_totals_label(n))
            .map(str::to_string);
        match (&id, totals_name) {
            (Some(i), _) if is_totals_label(i) => self.problems.insert(
                0,
                (
                    "id".into(),
                    format!(
                        "`{i}` is the label of a totals row, not a client; remove totals and subtotals from the export"
                    ),
                ),
            ),
            (None, Some(n)) => self.problems.insert(
                0,
                (
                    "id".into(),
                    format!(
                        "is missing, and the name `{n}` is the label of a totals row; remove totals and subtotals from the export"
                    ),
                ),
            ),
            (None, None) => self.problems.insert(
                0,
                ("id".into(), "is missing; every client needs an id".into()),
            ),
            _ => {}
        }
        if let Some(c) = self.client.as_ref() {
            let found = plausibility(c, checks);
            self.problems.extend(found);
        }
        let sales_known = self
            .client
            .as_ref()
            .is_some_and(|c| c.facts.get(Fact::AnnualSales).is_some());
        if !sales_known && !self.problems.iter().any(|(f, _)| f == "annual_sales") {
            self.problems.push((
                "annual_sales".into(),
                "is missing; the line is a share of annual sales, so it is required".into(),
            ));
        }
        if let Some((field, reason)) = self.problems.first().cloned() {
            let more = self.problems.len() - 1;
            let reason = if more > 0 {
                let others: Vec<&str> =
                    self.problems[1..].iter().map(|(f, _)| f.as_str()).collect();
                format!("{reason} (also wrong: {})", others.join(", "))
            } else {
                reason
            };
            return Err(Reject {
                line,
                id,
                field,
                reason,
            });
        }
        let mut client = self.client.take().expect("built once");
        client.id = id.expect("checked above");
        sell_through_warning(&mut client);
        Ok(client)
    }
}

/// The problems of a row whose cells are each fine but which cannot be right as a whole.
fn plausibility(c: &Client, checks: &Checks) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let pct = |v: Decimal| format!("{}%", (v * Decimal::ONE_HUNDRED).normalize());
    for f in [
        Fact::SalesGrowth,
        Fact::InventoryGrowth,
        Fact::ReceivableGrowth,
    ] {
        let Some(v) = c.facts.get(f) else { continue };
        let shown = v.normalize();
        if v <= -Decimal::ONE {
            out.push((
                f.name().to_string(),
                format!(
                    "`{shown}` is a fall of {}, but nothing falls by more than 100%; write growth as a share, e.g. -0.08 for -8%",
                    pct(-v)
                ),
            ));
        } else if v > checks.max_growth {
            out.push((
                f.name().to_string(),
                format!(
                    "`{shown}` is a growth of {}, above the most the policy accepts ({}, `[inputs] max_growth`); write growth as a share, e.g. 0.05 for 5%",
                    pct(v),
                    pct(checks.max_growth)
                ),
            ));
        }
    }
    if let (Some(cross), Some(out_)) = (
        c.facts.get(Fact::CrossRegionSales),
        c.facts.get(Fact::SellOut),
    ) && cross > out_
    {
        out.push((
            "cross_region_sales".into(),
            format!(
                "`{}` is more than sell_out `{}`; sales outside its territory are part of all it sells on",
                cross.normalize(),
                out_.normalize()
            ),
        ));
    }
    if let (Some(review), Some(as_of)) = (c.last_review, checks.as_of)
        && review > as_of
    {
        out.push((
            "last_review".into(),
            format!(
                "`{review}` is after the as-of date {as_of}; a review cannot be in the future (check the date, or the run's --as-of)"
            ),
        ));
    }
    for f in Fact::ALL.iter().filter(|f| f.kind() == Kind::Money) {
        // `normalize` only lowers the scale: a value within it needs no look.
        if let Some(v) = c.facts.get(*f)
            && v.scale() > checks.money_decimals
            && v.normalize().scale() > checks.money_decimals
        {
            out.push((
                f.name().to_string(),
                format!(
                    "`{v}` has more decimals than the currency has ({}); round it to {} before exporting",
                    checks.money_decimals,
                    match checks.money_decimals {
                        0 => "whole units".to_string(),
                        2 => "cents".to_string(),
                        n => format!("{n} decimals"),
                    }
                ),
            ));
        }
    }
    out
}

/// Warns about a sell-through far above 1: the row is decided, the figures are doubtful.
fn sell_through_warning(c: &mut Client) {
    let (Some(sell_in), Some(sell_out)) = (c.facts.get(Fact::SellIn), c.facts.get(Fact::SellOut))
    else {
        return;
    };
    if sell_in.is_zero() {
        return;
    }
    if let Some(ratio) = sell_out.checked_div(sell_in)
        && ratio > SELL_THROUGH_WARN
    {
        c.warnings.push(Warning {
            line: c.line,
            id: c.id.clone(),
            field: "sell_through".into(),
            message: format!(
                "is {} (sell_out `{}` over sell_in `{}`), far above 1: it sold on much more than it bought from us; check both figures",
                ratio.round_dp(2).normalize(),
                sell_out.normalize(),
                sell_in.normalize()
            ),
        });
    }
}

/// `text.trim()`, without looking further when the text starts and ends with a visible ASCII
/// character (most cells).
fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// A decimal written as plain digits with an optional `-` and point, as almost every cell
/// is, read straight from its bytes; `None` for anything else (spaces, a `+`, an exponent,
/// more than 18 digits, `-0`), which [`parse_decimal`] reads and explains. The same value and
/// scale as `Decimal::from_str_exact`.
fn plain_decimal(text: &str) -> Option<Decimal> {
    plain_digits(text).map(|(mantissa, scale)| Decimal::new(mantissa, scale))
}

/// The mantissa and scale of a plain decimal (see [`plain_decimal`]): `-12.50` is `(-1250, 2)`.
fn plain_digits(text: &str) -> Option<(i64, u32)> {
    let bytes = text.as_bytes();
    let (negative, body) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    // At most 18 digits and a point: the mantissa fits an `i64`, the value is below 10^18.
    if body.is_empty() || body.len() > 19 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut point = None;
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'0'..=b'9' => mantissa = mantissa * 10 + i64::from(b - b'0'),
            b'.' if point.is_none() && i > 0 && i + 1 < body.len() => point = Some(i),
            _ => return None,
        }
    }
    let scale = point.map_or(0, |at| body.len() - at - 1) as u32;
    if (point.is_none() && body.len() > 18) || (negative && mantissa == 0) {
        return None;
    }
    Some((if negative { -mantissa } else { mantissa }, scale))
}

/// A decimal cell: the plain fast way, else [`parse_decimal`] with its reasons.
fn decimal(text: &str) -> Result<Decimal, String> {
    match plain_decimal(text) {
        Some(d) => Ok(d),
        None => parse_decimal(text),
    }
}

fn text(raw: Raw<'_>) -> Option<String> {
    match raw {
        Raw::Text(t) | Raw::Number(t) => Some(trim(t).to_string()),
        Raw::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn boolean(raw: Raw<'_>) -> Result<Option<bool>, String> {
    match raw {
        Raw::Empty => Ok(None),
        Raw::Bool(b) => Ok(Some(b)),
        Raw::Text(t) | Raw::Number(t) => match trim(t) {
            // 是 / 否: yes / no, as Chinese exports write them. Compared without a lowercase
            // copy of each cell.
            v if ["true", "yes", "1", "是"]
                .iter()
                .any(|w| v.eq_ignore_ascii_case(w)) =>
            {
                Ok(Some(true))
            }
            v if ["false", "no", "0", "否"]
                .iter()
                .any(|w| v.eq_ignore_ascii_case(w)) =>
            {
                Ok(Some(false))
            }
            _ => Err(format!(
                "`{t}` is not a yes/no value; use true/false, yes/no, 1/0 or 是/否"
            )),
        },
        Raw::Nested => Err("is not a yes/no value".into()),
    }
}

fn grade(raw: Raw<'_>) -> Result<Option<Grade>, String> {
    match raw {
        Raw::Empty => Ok(None),
        Raw::Text(t) => {
            let t = t.trim();
            t.parse::<Grade>().map(Some).map_err(|e| {
                match t.to_ascii_uppercase().parse::<Grade>() {
                    Ok(g) => format!("`{t}` is not a grade; grades are written in capitals: `{g}`"),
                    Err(_) => e,
                }
            })
        }
        _ => Err("is not a grade; use one of AAA, AA, A, BBB, BB, B, CCC, CC, C".into()),
    }
}

fn date(raw: Raw<'_>) -> Result<Option<Date>, String> {
    match raw {
        Raw::Empty => Ok(None),
        Raw::Text(t) => parse_date(t).map(Some),
        _ => Err("is not a date; write it as YYYY-MM-DD".into()),
    }
}

/// A date written `YYYY-MM-DD`, refusing impossible ones such as `2025-02-30`.
pub fn parse_date(t: &str) -> Result<Date, String> {
    let t = t.trim();
    let shape_ok = t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-';
    if !shape_ok {
        return Err(format!("`{t}` is not a date; write it as YYYY-MM-DD"));
    }
    t.parse::<Date>()
        .map_err(|_| format!("`{t}` is not a real date"))
}

fn number(fact: Fact, raw: Raw<'_>) -> Result<Option<Decimal>, String> {
    let t = match raw {
        Raw::Empty => return Ok(None),
        Raw::Text(t) | Raw::Number(t) => t,
        Raw::Bool(_) | Raw::Nested => return Err("is not a number".into()),
    };
    if let Some((mantissa, scale)) = plain_digits(t) {
        // The checks below on the digits themselves, without comparing decimals: a value
        // that passes them is taken here, one that fails is looked at again below to say why.
        // 10^scale, at most 10^18: five of it still fits an `i64`.
        let (m, unit) = (mantissa, 10i64.pow(scale));
        let ok = match fact.kind() {
            Kind::Money | Kind::NonNegative => m >= 0,
            Kind::Fraction => m >= 0 && m <= unit,
            Kind::Count => m >= 0 && (scale == 0 || m % unit == 0),
            Kind::Rating => m >= unit && m <= 5 * unit && (scale == 0 || m % unit == 0),
            Kind::Signed | Kind::Derived => true,
        };
        if ok {
            return Ok(Some(Decimal::new(mantissa, scale)));
        }
    }
    let v = decimal(t)?;
    let shown = trim(t);
    let check = |ok: bool, msg: &str| {
        if ok {
            Ok(Some(v))
        } else {
            Err(format!("`{shown}` {msg}"))
        }
    };
    if v.abs() > MONEY_MAX {
        return Err(format!("`{shown}` is too large (the most is 10^18)"));
    }
    match fact.kind() {
        Kind::Money | Kind::NonNegative => check(
            !v.is_sign_negative() || v.is_zero(),
            "is negative; it must be 0 or more",
        ),
        Kind::Fraction if v >= Decimal::TWO && v <= Decimal::ONE_HUNDRED => Err(format!(
            "`{shown}` is above 1; write a share as a fraction, e.g. 0.85 for 85%"
        )),
        Kind::Fraction => check(v >= Decimal::ZERO && v <= Decimal::ONE, "is outside 0 to 1"),
        Kind::Count => check(
            v.fract().is_zero() && v >= Decimal::ZERO,
            "is not a whole number of 0 or more",
        ),
        Kind::Rating => check(
            v.fract().is_zero() && v >= Decimal::ONE && v <= Decimal::from(5),
            "is not a whole number from 1 to 5",
        ),
        Kind::Signed | Kind::Derived => Ok(Some(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[(&str, &str)]) -> Result<Client, Reject> {
        let mut b = RowBuilder::new(2);
        for (name, v) in cells {
            b.cell(&Column::for_name(name), name, Raw::Text(v));
        }
        b.finish()
    }

    #[test]
    fn a_good_row_becomes_a_client_and_empty_means_unknown() {
        let c = row(&[
            ("id", "K1"),
            ("annual_sales", "1000.50"),
            ("on_time_ratio", ""),
            ("key_account", "Yes"),
        ])
        .unwrap();
        assert_eq!(
            c.facts.get(Fact::AnnualSales),
            Some(Decimal::new(100050, 2))
        );
        assert_eq!(c.facts.get(Fact::OnTimeRatio), None);
        assert_eq!(c.key_account, Some(true));
    }

    #[test]
    fn previous_grade_and_group_are_read_and_empty_means_none() {
        let c = row(&[
            ("id", "K1"),
            ("annual_sales", "10"),
            ("previous_grade", " BBB "),
            ("group", " G1 "),
        ])
        .unwrap();
        assert_eq!(c.previous_grade, Some(Grade::BBB));
        assert_eq!(c.group.as_deref(), Some("G1"));
        assert!(
            c.extra.is_empty(),
            "neither is passed on as an extra column"
        );
        let c = row(&[
            ("id", "K1"),
            ("annual_sales", "10"),
            ("previous_grade", ""),
            ("group", ""),
        ])
        .unwrap();
        assert_eq!((c.previous_grade, c.group), (None, None));
    }

    #[test]
    fn each_bad_cell_is_named_with_its_reason() {
        let cases = [
            (
                vec![("id", "K"), ("annual_sales", "abc")],
                "annual_sales",
                "not a number",
            ),
            (
                vec![("id", "K"), ("annual_sales", "-5")],
                "annual_sales",
                "negative",
            ),
            (
                vec![("id", "K"), ("annual_sales", "5"), ("on_time_ratio", "1.2")],
                "on_time_ratio",
                "outside 0 to 1",
            ),
            (
                vec![("id", "K"), ("annual_sales", "5"), ("on_time_ratio", "85")],
                "on_time_ratio",
                "0.85 for 85%",
            ),
            (vec![("annual_sales", "5")], "id", "missing"),
            (
                vec![
                    ("id", "K"),
                    ("annual_sales", "5"),
                    ("last_review", "2025-02-30"),
                ],
                "last_review",
                "not a real date",
            ),
            (
                vec![("id", "K"), ("annual_sales", "NaN")],
                "annual_sales",
                "not a number",
            ),
            (
                vec![("id", "K"), ("annual_sales", "inf")],
                "annual_sales",
                "not a number",
            ),
            (
                vec![("id", "K"), ("annual_sales", "1e19")],
                "annual_sales",
                "too large",
            ),
            (
                vec![("id", "K"), ("annual_sales", "5"), ("key_account", "maybe")],
                "key_account",
                "yes/no",
            ),
            (
                vec![
                    ("id", "K"),
                    ("annual_sales", "5"),
                    ("management_score", "6"),
                ],
                "management_score",
                "1 to 5",
            ),
            (vec![("id", "K")], "annual_sales", "required"),
            (
                vec![
                    ("id", "K"),
                    ("annual_sales", "5"),
                    ("previous_grade", "AAB"),
                ],
                "previous_grade",
                "not a grade",
            ),
            (
                vec![
                    ("id", "K"),
                    ("annual_sales", "5"),
                    ("previous_grade", "bbb"),
                ],
                "previous_grade",
                "capitals: `BBB`",
            ),
        ];
        for (cells, field, words) in cases {
            let r = row(&cells).unwrap_err();
            assert_eq!(r.field, field, "{cells:?}");
            assert!(r.reason.contains(words), "{cells:?}: {}", r.reason);
        }
    }

    #[test]
    fn plain_decimals_read_from_bytes_match_the_decimal_parser() {
        let cases = [
            "0",
            "7",
            "007",
            "0.00",
            "26375200.00",
            "-5",
            "-0.5",
            "1.50",
            "-12.000",
            "999999999999999999",
            "1000000000000000000",
            "0.000000000000000001",
            "-0",
            "-0.00",
            ".5",
            "5.",
            "-",
            "",
            " 1",
            "1 ",
            "+1",
            "1e3",
            "1.2.3",
            "--1",
            "1-2",
            "١٢",
            "１２",
        ];
        for t in cases {
            match plain_decimal(t) {
                Some(d) => {
                    let want = Decimal::from_str_exact(t).unwrap();
                    assert_eq!(d, want, "{t}");
                    assert_eq!(d.scale(), want.scale(), "{t}");
                    assert_eq!(d.to_string(), want.to_string(), "{t}");
                    assert_eq!(d.is_sign_negative(), want.is_sign_negative(), "{t}");
                }
                None => assert!(
                    !t.bytes().all(|b| b.is_ascii_digit()) || t.is_empty() || t.len() > 18,
                    "{t}: plain digits left to the slow way"
                ),
            }
            assert_eq!(decimal(t), parse_decimal(t), "{t}");
        }
    }

    #[test]
    fn numbers_checked_on_their_digits_are_checked_as_decimals_are() {
        let cells = [
            "0",
            "1",
            "0.5",
            "1.0",
            "1.00001",
            "-0.5",
            "-3",
            "3",
            "5",
            "5.0",
            "5.5",
            "6",
            "2",
            "100",
            "85",
            "0.999",
            "12.000",
            "999999999999999999",
            "0.000000000000000001",
        ];
        for fact in Fact::ALL.iter().filter(|f| f.is_input()) {
            for t in cells {
                let fast = number(*fact, Raw::Text(t));
                // The same cell the slow way: a space before it keeps it off the digits.
                let slow = number(*fact, Raw::Text(&format!(" {t}")))
                    .map_err(|e| e.replacen(&format!("` {t}`"), &format!("`{t}`"), 1));
                assert_eq!(fast, slow, "{} {t}", fact.name());
                if let Ok(Some(v)) = fast {
                    assert_eq!(v.to_string(), t, "{} {t}", fact.name());
                }
            }
        }
    }

    #[test]
    fn the_quick_trim_and_label_check_agree_with_the_plain_ones() {
        for t in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{3000}a",
            "a\u{3000}",
            "Total",
            " TOTAL: ",
            "合计",
            "Sub total",
            "C0001",
            "华东商贸 0",
            "sum",
            "ſum",
            "\u{212a}",
            "Grand Total：",
        ] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
            let slow = {
                let t = t.trim().trim_end_matches([':', '：']).trim().to_lowercase();
                ["total", "sum", "合计", "grand total", "sub total"].contains(&t.as_str())
                    || ["total ", "subtotal ", "grand total", "合计"]
                        .iter()
                        .any(|p| t.starts_with(p))
            };
            if slow {
                assert!(is_totals_label(t), "{t:?}");
            }
        }
        for (t, want) in [
            ("YES", Some(true)),
            (" no ", Some(false)),
            ("是", Some(true)),
        ] {
            assert_eq!(boolean(Raw::Text(t)), Ok(want), "{t}");
        }
        assert!(boolean(Raw::Text("ja")).is_err());
    }

    #[test]
    fn a_second_use_of_an_id_is_rejected_with_the_first_line() {
        let mk = |line| {
            let mut b = RowBuilder::new(line);
            b.cell(&Column::Id, "id", Raw::Text("K1"));
            b.cell(
                &Column::Fact(Fact::AnnualSales),
                "annual_sales",
                Raw::Text("1"),
            );
            b
        };
        let mut seen = SeenIds::default();
        let first = mk(2).finish().unwrap();
        assert!(seen.check(&first.id, first.line).is_ok());
        let again = mk(5).finish().unwrap();
        let r = seen.check(&again.id, again.line).unwrap_err();
        assert!(r.reason.contains("line 2"), "{}", r.reason);
    }

    #[test]
    fn every_id_of_a_large_book_is_kept_with_its_first_line_even_past_four_billion_lines() {
        let mut seen = SeenIds::default();
        let far = u64::from(u32::MAX) + 7;
        for i in 0..100_000u64 {
            assert!(seen.check(&format!("C{i}"), i + 2).is_ok(), "C{i}");
        }
        assert!(seen.check("LAST", far).is_ok());
        for i in (0..100_000u64).step_by(997) {
            let r = seen.check(&format!("C{i}"), 1).unwrap_err();
            assert!(
                r.reason.ends_with(&format!("first used on line {}", i + 2)),
                "{}",
                r.reason
            );
        }
        let r = seen.check("LAST", far + 1).unwrap_err();
        assert!(r.reason.ends_with(&format!("line {far}")), "{}", r.reason);
        assert!(
            seen.check("C100000", 3).is_ok(),
            "a new id after the checks"
        );
    }
}
