//! Matching an input's header to the columns the engine knows.
//!
//! A header cell is taken as one of our columns when it is its exact name, or when the column
//! map (`--columns FILE`, their header -> ours) says which it is. A cell that is not, but looks
//! like one (the same name in other case or with spaces, a typo, or a common synonym such as
//! `receivables` or `应收账款`), is an error naming both: read as an unknown column it would
//! leave the known one empty and quietly regrade the book. Any other unknown column is kept
//! (passed to scripts in `extra`, and usable by `--by`) and reported as ignored, unless the
//! policy declares it in `[inputs] extra`. Known optional columns the input lacks are reported
//! too: every client is scored as missing them. [`Header`] carries these notes; the caller
//! shows them once.

use std::path::Path;
use std::sync::Arc;

use super::{Column, Fact, TEXT_COLUMNS};

/// The columns an input need not have, but whose absence is not reported: they are not scored.
const UNSCORED: &[&str] = &["id", "annual_sales", "name", "region"];

/// Common names other systems give our columns (normalized: lower case, words joined by `_`),
/// each with ours.
const SYNONYMS: &[(&str, &str)] = &[
    ("customer_id", "id"),
    ("client_id", "id"),
    ("customer_code", "id"),
    ("customer_no", "id"),
    ("customer_number", "id"),
    ("client_code", "id"),
    ("account_no", "id"),
    ("account_number", "id"),
    ("客户编码", "id"),
    ("客户编号", "id"),
    ("客户代码", "id"),
    ("customer_name", "name"),
    ("client_name", "name"),
    ("company_name", "name"),
    ("客户名称", "name"),
    ("客户全称", "name"),
    ("area", "region"),
    ("territory", "region"),
    ("sales_region", "region"),
    ("区域", "region"),
    ("地区", "region"),
    ("大区", "region"),
    ("销售区域", "region"),
    ("key_client", "key_account"),
    ("重点客户", "key_account"),
    ("大客户", "key_account"),
    ("last_review_date", "last_review"),
    ("review_date", "last_review"),
    ("last_reviewed", "last_review"),
    ("上次评审日期", "last_review"),
    ("最近评审日期", "last_review"),
    ("last_grade", "previous_grade"),
    ("prior_grade", "previous_grade"),
    ("credit_grade", "previous_grade"),
    ("信用等级", "previous_grade"),
    ("上次评级", "previous_grade"),
    ("parent", "group"),
    ("parent_company", "group"),
    ("group_name", "group"),
    ("集团", "group"),
    ("所属集团", "group"),
    ("sales", "annual_sales"),
    ("revenue", "annual_sales"),
    ("turnover", "annual_sales"),
    ("annual_revenue", "annual_sales"),
    ("yearly_sales", "annual_sales"),
    ("年销售额", "annual_sales"),
    ("销售额", "annual_sales"),
    ("年度销售额", "annual_sales"),
    ("receivables", "receivable_balance"),
    ("receivable", "receivable_balance"),
    ("accounts_receivable", "receivable_balance"),
    ("ar", "receivable_balance"),
    ("a_r", "receivable_balance"),
    ("ar_balance", "receivable_balance"),
    ("应收账款", "receivable_balance"),
    ("应收账款余额", "receivable_balance"),
    ("应收余额", "receivable_balance"),
    ("backlog", "open_orders"),
    ("order_backlog", "open_orders"),
    ("open_order", "open_orders"),
    ("未发货订单", "open_orders"),
    ("在途订单", "open_orders"),
    ("on_time_rate", "on_time_ratio"),
    ("on_time", "on_time_ratio"),
    ("ontime_ratio", "on_time_ratio"),
    ("on_time_payment", "on_time_ratio"),
    ("按时回款率", "on_time_ratio"),
    ("准时付款率", "on_time_ratio"),
    ("days_late", "max_days_late"),
    ("max_overdue_days", "max_days_late"),
    ("max_days_overdue", "max_days_late"),
    ("最长逾期天数", "max_days_late"),
    ("promises_broken", "broken_promises"),
    ("违约次数", "broken_promises"),
    ("years_as_client", "years_trading"),
    ("合作年限", "years_trading"),
    ("assets", "total_assets"),
    ("资产总计", "total_assets"),
    ("总资产", "total_assets"),
    ("liabilities", "total_liabilities"),
    ("total_debt", "total_liabilities"),
    ("负债合计", "total_liabilities"),
    ("总负债", "total_liabilities"),
    ("流动资产", "current_assets"),
    ("流动资产合计", "current_assets"),
    ("流动负债", "current_liabilities"),
    ("流动负债合计", "current_liabilities"),
    ("stock", "inventory"),
    ("inventories", "inventory"),
    ("存货", "inventory"),
    ("intangibles", "intangible_assets"),
    ("无形资产", "intangible_assets"),
    ("management", "management_score"),
    ("管理评分", "management_score"),
    ("revenue_growth", "sales_growth"),
    ("销售增长率", "sales_growth"),
    ("collateral", "collateral_value"),
    ("抵押物价值", "collateral_value"),
    ("ar_growth", "receivable_growth"),
    ("应收账款增长率", "receivable_growth"),
    ("存货增长率", "inventory_growth"),
    ("库存增长率", "inventory_growth"),
    ("保证金", "deposit"),
    ("bank_guarantee", "guarantee"),
    ("保函", "guarantee"),
    ("insurance_limit", "insured_limit"),
    ("credit_limit", "requested_line"),
    ("credit_line", "requested_line"),
    ("申请额度", "requested_line"),
    ("信用额度", "requested_line"),
    ("temp_line", "temporary_line"),
    ("临时额度", "temporary_line"),
];

/// Every column name the engine reads: the text columns, then the numeric input columns.
pub fn known_columns() -> impl Iterator<Item = &'static str> {
    TEXT_COLUMNS
        .iter()
        .copied()
        .chain(Fact::ALL.iter().filter(|f| f.is_input()).map(|f| f.name()))
}

/// The input columns behind a client number or script variable `name`: the column itself, or
/// for a derived ratio the columns it is computed from (`debt_ratio` -> `total_liabilities`,
/// `total_assets`). Empty for names that are not client data.
pub fn inputs_of(name: &str) -> Vec<&'static str> {
    use Fact::*;
    if name == DaysSinceReview.name() {
        return vec!["last_review"];
    }
    if let Some(t) = TEXT_COLUMNS.iter().find(|t| **t == name) {
        return vec![*t];
    }
    let Some(f) = Fact::by_name(name) else {
        return Vec::new();
    };
    let facts: &[Fact] = match f {
        Exposure => &[ReceivableBalance, OpenOrders],
        OverdueOver30 => &[Overdue31To60, Overdue61To90, OverdueOver90],
        SecuredCover => &[Deposit, Guarantee, InsuredLimit, CollateralValue],
        DebtRatio | NetWorth => &[TotalLiabilities, TotalAssets],
        CurrentRatio => &[CurrentAssets, CurrentLiabilities],
        QuickRatio => &[CurrentAssets, Inventory, CurrentLiabilities],
        TangibleNetWorth => &[TotalAssets, TotalLiabilities, IntangibleAssets],
        TnwToSales => &[TotalAssets, TotalLiabilities, IntangibleAssets, AnnualSales],
        SellThrough => &[SellOut, SellIn],
        CrossRegionShare => &[CrossRegionSales, SellOut],
        CollateralToSales => &[CollateralValue, AnnualSales],
        CollateralCoverage => &[CollateralValue, ReceivableBalance, OpenOrders],
        _ if f.is_input() => return vec![f.name()],
        _ => &[],
    };
    facts.iter().map(|f| f.name()).collect()
}

/// `name` in lower case with its words joined by single `_`: `On Time Ratio`, `onTimeRatio`
/// and `on-time-ratio` all give `on_time_ratio`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut prev_lower = false;
    for ch in name.trim().chars() {
        if ch.is_alphanumeric() {
            if ch.is_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
            out.extend(ch.to_lowercase());
        } else {
            prev_lower = false;
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The known (or declared) column `name` looks like without being it, if any: the same
/// normalized name, a common synonym, or a typo (one edit in a name of 5 to 8 characters, two
/// in a longer one).
pub fn look_alike(name: &str, declared: &[String]) -> Option<String> {
    let norm = normalize(name);
    if norm.is_empty() {
        return None;
    }
    let mut candidates: Vec<&str> = known_columns().collect();
    candidates.extend(declared.iter().map(String::as_str));
    if let Some(c) = candidates.iter().find(|c| **c == norm) {
        return Some(c.to_string());
    }
    if let Some((_, ours)) = SYNONYMS.iter().find(|(s, _)| *s == norm) {
        return Some((*ours).to_string());
    }
    let allowed = match norm.chars().count() {
        0..=4 => return None,
        5..=8 => 1,
        _ => 2,
    };
    let len = norm.chars().count();
    candidates
        .iter()
        // Names whose lengths differ by more than the edits allowed cannot be that close.
        .filter(|c| c.chars().count().abs_diff(len) <= allowed)
        .map(|c| (strsim::osa_distance(&norm, c), c))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

/// A map from an export's own headers to ours (`--columns FILE`). An empty target (or `-`)
/// drops the column without a note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// Their header, our column.
    entries: Vec<(String, String)>,
    /// Where it was read from, for messages.
    pub source: String,
}

impl ColumnMap {
    /// Reads a column map: TOML (`"客户编码" = "id"`, at the top or under `[columns]`) when
    /// the file ends in `.toml`, else CSV (`theirs,ours` per row, after an optional header row).
    /// CSV in another encoding than UTF-8 is decoded as an input would be.
    pub fn load(path: &Path) -> Result<ColumnMap, String> {
        let shown = path.display().to_string();
        let bytes = std::fs::File::open(path)
            .and_then(|f| crate::safety::read_capped(f, crate::safety::MAX_SIDE_FILE))
            .map_err(|e| format!("cannot read the column map `{shown}`: {e}"))?;
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let mut map = if is_toml {
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("the column map `{shown}` is not UTF-8 text"))?;
            ColumnMap::from_toml(&text)
        } else {
            let sniffed = super::dialect::sniff_encoding(&bytes, None);
            let (text, _, _) = sniffed.encoding.decode(&bytes);
            ColumnMap::from_csv(&text)
        }
        .map_err(|e| format!("the column map `{shown}`: {e}"))?;
        map.source = shown;
        Ok(map)
    }

    /// A map written in TOML: `"their header" = "our_column"`, at the top or in `[columns]`.
    pub fn from_toml(text: &str) -> Result<ColumnMap, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let table = match table.get("columns") {
            Some(toml::Value::Table(t)) if table.len() == 1 => t.clone(),
            _ => table,
        };
        let mut entries = Vec::new();
        for (theirs, ours) in table {
            match ours {
                toml::Value::String(s) => entries.push((theirs.trim().to_string(), s)),
                other => {
                    return Err(format!(
                        "`{theirs}` maps to `{other}`; give our column's name in quotes, e.g. \"annual_sales\""
                    ));
                }
            }
        }
        ColumnMap::checked(entries)
    }

    /// A map written as CSV: `their header,our column` per row. A first row whose second cell
    /// is not a column of ours (such as `theirs,ours`) is a header and is skipped.
    pub fn from_csv(text: &str) -> Result<ColumnMap, String> {
        let delimiter = super::dialect::sniff_delimiter(text.as_bytes());
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let mut entries = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| e.to_string())?;
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let (Some(theirs), Some(ours)) = (rec.get(0), rec.get(1)) else {
                return Err(format!(
                    "row {} has one cell; each row is `their header,our column`",
                    i + 1
                ));
            };
            let ours = ours.trim();
            let target = ours.is_empty() || ours == "-" || known_columns().any(|k| k == ours);
            if i == 0 && !target {
                continue;
            }
            entries.push((theirs.trim().to_string(), ours.to_string()));
        }
        ColumnMap::checked(entries)
    }

    fn checked(entries: Vec<(String, String)>) -> Result<ColumnMap, String> {
        for (i, (theirs, _)) in entries.iter().enumerate() {
            if entries[..i].iter().any(|(t, _)| t == theirs) {
                return Err(format!("`{theirs}` is mapped twice"));
            }
        }
        Ok(ColumnMap {
            entries: entries
                .into_iter()
                .map(|(t, o)| {
                    (
                        t,
                        if o.trim() == "-" {
                            String::new()
                        } else {
                            o.trim().to_string()
                        },
                    )
                })
                .collect(),
            source: String::new(),
        })
    }

    /// Our column for their header `name` (exact, else ignoring case and spaces around);
    /// `Some("")` when the map drops it.
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = name.trim();
        self.entries
            .iter()
            .find(|(t, _)| t == name)
            .or_else(|| {
                self.entries
                    .iter()
                    .find(|(t, _)| t.to_lowercase() == name.to_lowercase())
            })
            .map(|(_, o)| o.as_str())
    }

    /// Each target that is neither a column of ours nor one `declared` by the policy, with
    /// the closest that is: the map is wrong, whatever the input.
    fn check_targets(&self, declared: &[String]) -> Result<(), String> {
        let mut bad = Vec::new();
        for (theirs, ours) in &self.entries {
            if ours.is_empty()
                || known_columns().any(|k| k == ours)
                || declared.iter().any(|d| d == ours)
            {
                continue;
            }
            let hint = match look_alike(ours, declared).or_else(|| {
                crate::policy::source::did_you_mean(ours, known_columns()).map(String::from)
            }) {
                Some(s) => format!("; did you mean `{s}`?"),
                None => String::new(),
            };
            bad.push(format!(
                "`{theirs}` maps to `{ours}`, which is not a column{hint}"
            ));
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(bad.join("; "))
        }
    }
}

/// What to do with each header name: the column map and the policy's declared columns.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    pub map: Option<Arc<ColumnMap>>,
    /// The extra columns the policy declares (`[inputs] extra`).
    pub declared: Vec<String>,
}

/// One header name, placed.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    /// A column the engine reads, or one the policy declares, under our name.
    Known(Column, String),
    /// Dropped by the column map.
    Dropped,
    /// Not ours, and looks like the named one of ours.
    LooksLike(String),
    /// Not ours: kept as an extra, reported as ignored.
    Unknown,
}

impl Matcher {
    /// Where header name `name` goes.
    pub fn place(&self, name: &str) -> Placed {
        let name = name.trim();
        let ours = match self.map.as_ref().and_then(|m| m.get(name)) {
            Some("") => return Placed::Dropped,
            Some(o) => o,
            None => name,
        };
        if ours.is_empty() {
            return Placed::Dropped;
        }
        match Column::for_name(ours) {
            Column::Extra(_) if self.declared.iter().any(|d| d == ours) => {
                Placed::Known(Column::for_name(ours), ours.to_string())
            }
            Column::Extra(_) => match look_alike(ours, &self.declared) {
                Some(like) => Placed::LooksLike(like),
                None => Placed::Unknown,
            },
            known => Placed::Known(known, ours.to_string()),
        }
    }

    /// Checks that the column map names only our columns.
    pub fn check_map(&self) -> Result<(), String> {
        match &self.map {
            Some(m) => m.check_targets(&self.declared),
            None => Ok(()),
        }
    }
}

/// What a header's columns leave out or add, to be told once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnNotes {
    /// Columns neither known nor declared by the policy, as written: kept as extras, not read
    /// by the policy's rules.
    pub ignored: Vec<String>,
    /// Known columns that are scored and absent: unknown for every client.
    pub missing: Vec<&'static str>,
    /// Columns renamed by the column map: (theirs, ours).
    pub mapped: Vec<(String, String)>,
}

/// A header's columns, each placed, and its notes.
#[derive(Debug, Clone)]
pub struct Header {
    /// Each header cell's column and the name it is reported under (ours).
    pub columns: Vec<(Column, String)>,
    pub notes: ColumnNotes,
}

/// Why a header cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// Columns that look like ours: (theirs, ours).
    LookAlikes(Vec<(String, String)>),
    /// The column map names a column that is not ours.
    Map(String),
    /// Two header cells are (or map to) the same column.
    Duplicate(String),
    /// `--strict`, and a column is ignored or missing.
    Strict(ColumnNotes),
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderError::LookAlikes(pairs) => {
                let each: Vec<String> = pairs
                    .iter()
                    .map(|(t, o)| format!("column `{t}` looks like `{o}`"))
                    .collect();
                let it = if pairs.len() == 1 { "it" } else { "them" };
                write!(
                    f,
                    "{}; rename {it}, or map {it} with --columns FILE (see the README: Reading exports)",
                    each.join("; ")
                )
            }
            HeaderError::Map(m) => write!(f, "{m}"),
            HeaderError::Duplicate(c) => write!(f, "has the column `{c}` twice in its header"),
            HeaderError::Strict(n) => {
                let mut parts = Vec::new();
                if !n.ignored.is_empty() {
                    parts.push(format!("ignored columns {}", listed(&n.ignored)));
                }
                if !n.missing.is_empty() {
                    parts.push(format!(
                        "columns scored as missing for every client: {}",
                        listed(&n.missing)
                    ));
                }
                write!(
                    f,
                    "--strict: {}; add them, declare extra columns in the policy's [inputs] extra, or map them with --columns",
                    parts.join("; ")
                )
            }
        }
    }
}

/// Names in backticks, joined with `, `.
pub fn listed<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Places every header name; refuses look-alikes, a wrong map, duplicates, and under `strict`
/// ignored or missing columns. A blank header cell (a trailing delimiter) is dropped. The
/// missing columns noted are those of `scored` (the columns the policy scores) the header
/// lacks; with no `scored`, every known column but `id`, `name`, `region` and `annual_sales`.
pub fn resolve(
    names: &[String],
    matcher: &Matcher,
    scored: Option<&[String]>,
    strict: bool,
) -> Result<Header, HeaderError> {
    matcher.check_map().map_err(HeaderError::Map)?;
    let mut columns = Vec::with_capacity(names.len());
    // The names placed so far: a header of thousands of columns is checked in linear time.
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut notes = ColumnNotes::default();
    let mut alikes = Vec::new();
    for name in names {
        let name = name.trim();
        match matcher.place(name) {
            Placed::Known(c, ours) => {
                if !seen.insert(ours.clone()) {
                    return Err(HeaderError::Duplicate(ours));
                }
                if ours != name {
                    notes.mapped.push((name.to_string(), ours.clone()));
                }
                columns.push((c, ours));
            }
            Placed::Dropped => {
                seen.insert(name.to_string());
                columns.push((Column::Skip, name.to_string()));
            }
            Placed::LooksLike(like) => alikes.push((name.to_string(), like)),
            Placed::Unknown if name.is_empty() => columns.push((Column::Skip, String::new())),
            Placed::Unknown => {
                if !seen.insert(name.to_string()) {
                    return Err(HeaderError::Duplicate(name.to_string()));
                }
                notes.ignored.push(name.to_string());
                columns.push((Column::Extra(Arc::from(name)), name.to_string()));
            }
        }
    }
    if !alikes.is_empty() {
        return Err(HeaderError::LookAlikes(alikes));
    }
    notes.missing = known_columns()
        .filter(|k| match scored {
            Some(s) => s.iter().any(|c| c == k),
            None => !UNSCORED.contains(k),
        })
        .filter(|k| !seen.contains(*k))
        .collect();
    if strict && (!notes.ignored.is_empty() || !notes.missing.is_empty()) {
        return Err(HeaderError::Strict(notes));
    }
    Ok(Header { columns, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_inputs_behind_a_ratio_are_its_columns() {
        assert_eq!(
            inputs_of("debt_ratio"),
            vec!["total_liabilities", "total_assets"]
        );
        assert_eq!(inputs_of("on_time_ratio"), vec!["on_time_ratio"]);
        assert_eq!(inputs_of("days_since_review"), vec!["last_review"]);
        assert_eq!(inputs_of("key_account"), vec!["key_account"]);
        assert!(inputs_of("score").is_empty());
    }

    #[test]
    fn names_are_normalized_across_case_spaces_and_separators() {
        assert_eq!(normalize("On Time Ratio"), "on_time_ratio");
        assert_eq!(normalize("onTimeRatio"), "on_time_ratio");
        assert_eq!(normalize(" total-liabilities "), "total_liabilities");
        assert_eq!(normalize("A/R (balance)"), "a_r_balance");
        assert_eq!(normalize("应收账款"), "应收账款");
    }

    #[test]
    fn look_alikes_are_found_and_other_names_are_not() {
        let none: &[String] = &[];
        for (name, like) in [
            ("receivables", "receivable_balance"),
            ("ar_balance", "receivable_balance"),
            ("AR", "receivable_balance"),
            ("credit_limit", "requested_line"),
            ("Total Liabilities", "total_liabilities"),
            ("On Time Ratio", "on_time_ratio"),
            ("应收账款", "receivable_balance"),
            ("annual_sale", "annual_sales"),
            ("sales_growht", "sales_growth"),
            ("ID", "id"),
        ] {
            assert_eq!(look_alike(name, none).as_deref(), Some(like), "{name}");
        }
        for name in ["notes", "salesperson", "email", "phone", "tier"] {
            assert_eq!(look_alike(name, none), None, "{name}");
        }
        assert_eq!(
            look_alike("Credit Score", &["credit_score".into()]).as_deref(),
            Some("credit_score")
        );
    }

    #[test]
    fn a_header_with_look_alikes_is_refused_naming_each() {
        let e = resolve(
            &names(&["id", "annual_sales", "receivables", "On Time Ratio"]),
            &Matcher::default(),
            None,
            false,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "column `receivables` looks like `receivable_balance`; column `On Time Ratio` looks like `on_time_ratio`; rename them, or map them with --columns FILE (see the README: Reading exports)"
        );
    }

    #[test]
    fn a_header_of_many_columns_is_placed_and_a_late_duplicate_named() {
        // Thousands of columns: placed in linear time (it was quadratic: 20,000 took two
        // minutes; README, "Reading exports").
        let mut header: Vec<String> = vec!["id".into(), "annual_sales".into()];
        header.extend((0..3_000).map(|i| format!("f{i}")));
        let h = resolve(&header, &Matcher::default(), None, false).unwrap();
        assert_eq!(h.columns.len(), 3_002);
        assert_eq!(h.notes.ignored.len(), 3_000);
        header.push("f17".into());
        let e = resolve(&header, &Matcher::default(), None, false).unwrap_err();
        assert!(
            matches!(e, HeaderError::Duplicate(ref n) if n == "f17"),
            "{e}"
        );
        header.pop();
        header.push("annual_sales".into());
        let e = resolve(&header, &Matcher::default(), None, false).unwrap_err();
        assert!(
            matches!(e, HeaderError::Duplicate(ref n) if n == "annual_sales"),
            "{e}"
        );
    }

    #[test]
    fn unknown_columns_are_ignored_unless_declared_and_missing_ones_noted() {
        let m = Matcher {
            map: None,
            declared: vec!["credit_score".into()],
        };
        let h = resolve(
            &names(&["id", "annual_sales", "notes", "credit_score", ""]),
            &m,
            None,
            false,
        )
        .unwrap();
        assert_eq!(h.notes.ignored, vec!["notes"]);
        assert!(h.notes.missing.contains(&"receivable_balance"));
        assert!(!h.notes.missing.contains(&"name"));
        assert_eq!(h.columns[3].0, Column::Extra("credit_score".into()));
        assert_eq!(h.columns[4].0, Column::Skip);
        let strict = resolve(&names(&["id", "annual_sales", "notes"]), &m, None, true).unwrap_err();
        assert!(
            strict
                .to_string()
                .starts_with("--strict: ignored columns `notes`; columns scored as missing")
        );
    }

    #[test]
    fn a_column_map_renames_drops_and_is_checked() {
        let map = ColumnMap::from_toml(
            "\"客户编码\" = \"id\"\n\"年销售额\" = \"annual_sales\"\n\"业务员\" = \"\"\n",
        )
        .unwrap();
        let m = Matcher {
            map: Some(Arc::new(map)),
            declared: vec![],
        };
        let h = resolve(&names(&["客户编码", "年销售额", "业务员"]), &m, None, false).unwrap();
        let scored = ["sales_growth".to_string()];
        let only = resolve(&names(&["客户编码", "年销售额"]), &m, Some(&scored), false).unwrap();
        assert_eq!(only.notes.missing, vec!["sales_growth"]);
        assert_eq!(h.columns[0], (Column::Id, "id".to_string()));
        assert_eq!(h.columns[2].0, Column::Skip);
        assert_eq!(h.notes.mapped.len(), 2);
        assert!(h.notes.ignored.is_empty());

        let csv = ColumnMap::from_csv("theirs,ours\n客户编码,id\nSales,annual_sales\n").unwrap();
        assert_eq!(csv.get("sales"), Some("annual_sales"));
        let table = ColumnMap::from_toml("[columns]\nSales = \"annual_sale\"\n").unwrap();
        let bad = Matcher {
            map: Some(Arc::new(table)),
            declared: vec![],
        };
        let e = resolve(&names(&["Sales"]), &bad, None, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`Sales` maps to `annual_sale`, which is not a column; did you mean `annual_sales`?"
        );
        let twice = resolve(
            &names(&["id", "Sales"]),
            &Matcher {
                map: Some(Arc::new(ColumnMap::from_csv("Sales,id\n").unwrap())),
                declared: vec![],
            },
            None,
            false,
        )
        .unwrap_err();
        assert_eq!(twice, HeaderError::Duplicate("id".into()));
    }
}
