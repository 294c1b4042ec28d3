//! A policy is a folder: `policy.toml` for the numbers and the Rhai scripts it names for the
//! logic numbers cannot express. [`Policy::load`] reads the folder, reports every problem at
//! once, and gives the checked, compiled form the engine evaluates.

pub(crate) mod compile;
pub mod diff;
pub mod doc;
pub mod embedded;
mod hash;
mod lint;
pub(crate) mod read;
pub mod script;
pub mod source;
mod units;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_decimal::Decimal;

pub use compile::MAX_POLICY_FILE;
pub use source::{Diagnostic, Severity, SourceFile};

use crate::client::facts::Fact;
use crate::grade::Grade;

/// The five criteria, in the order they are reported.
pub const CRITERIA: [&str; 5] = [
    "character",
    "capacity",
    "capital",
    "collateral",
    "conditions",
];

/// Where a policy's identity is written: in every decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub name: String,
    pub version: String,
    /// `sha256:` and the hex digest of every file in the folder (see [`hash`]).
    pub hash: String,
}

/// The highest growth a policy accepts when it sets no `[inputs] max_growth`: 3, i.e. +300 %.
/// Above it a growth is most often a percent typed as a share (`5` for 5 %).
pub const DEFAULT_MAX_GROWTH: Decimal = Decimal::from_parts(3, 0, 0, false, 0);

/// A checked, compiled policy. Built only by [`Policy::load`]; the numbers in it are known to
/// be consistent (thresholds decreasing, weights adding up, bands without gaps).
#[derive(Debug, Clone)]
pub struct Policy {
    pub identity: Identity,
    pub description: String,
    pub currency: String,
    pub criteria: Vec<Criterion>,
    /// Minimum total score for each grade, best grade first.
    pub thresholds: [Decimal; 9],
    /// Line as percent of annual sales for each grade, best grade first.
    pub limits: [Decimal; 9],
    pub line: LineRules,
    pub overlays: BTreeMap<String, Overlay>,
    pub company: Option<CompanyRules>,
    pub review: ReviewRules,
    /// Orders over the line: the approver and the tolerance per grade (`[orders]`).
    pub orders: OrderRules,
    /// Group (parent) lines (`[groups]`); without the table, groups are not checked.
    pub groups: Option<GroupRules>,
    /// What counts as secured cover (`[security]`); without the table, nothing does.
    pub security: SecurityRules,
    /// What an empty exposure cell means (`[exposure]`).
    pub exposure: ExposureRules,
    pub params: Vec<(String, Param)>,
    pub extra_inputs: Vec<String>,
    /// The highest growth (`sales_growth`, `inventory_growth`, `receivable_growth`, as a
    /// share) an input row may give (`[inputs] max_growth`); a row above it is rejected.
    pub max_growth: Decimal,
    pub scripts: script::Scripts,
    /// The variable names the scripts read: only these are bound for each client.
    pub script_reads: std::collections::BTreeSet<String>,
    /// Every file of the folder, for diagnostics and `diff`.
    pub files: Vec<Arc<SourceFile>>,
    pub dir: PathBuf,
    /// True for the standard policy built into the binary ([`Policy::load_embedded`]), whose
    /// files are shown as those `credit-policy init policies/standard` writes.
    pub built_in: bool,
    /// Warnings found while loading (errors stop the load).
    pub warnings: Vec<Diagnostic>,
}

/// Where a number or rule was written: shown by `explain` and in reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Criterion {
    pub name: &'static str,
    pub description: String,
    /// Percent of the total score.
    pub weight: Decimal,
    pub measures: Vec<Measure>,
}

#[derive(Debug, Clone)]
pub struct Measure {
    pub source: MeasureSource,
    /// Percent of the criterion.
    pub weight: Decimal,
    /// Points when the value is unknown.
    pub missing: Decimal,
    pub bands: Vec<Band>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MeasureSource {
    /// A client number scored with the band table.
    Fact(Fact),
    /// A script function, by its name, that returns points.
    Script(String),
}

impl MeasureSource {
    pub fn name(&self) -> &str {
        match self {
            MeasureSource::Fact(f) => f.name(),
            MeasureSource::Script(s) => s,
        }
    }
}

/// Values in `[from, to)` score `points`; a missing end is open.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub from: Option<Decimal>,
    pub to: Option<Decimal>,
    pub points: Decimal,
}

impl Band {
    pub fn contains(&self, v: Decimal) -> bool {
        self.from.is_none_or(|f| v >= f) && self.to.is_none_or(|t| v < t)
    }
}

#[derive(Debug, Clone)]
pub struct LineRules {
    pub ceiling: Decimal,
    pub top_grade_ceiling: Decimal,
    pub payment_days: u32,
    pub rounding_unit: Decimal,
}

/// A tightening (or loosening) applied to every client: a scenario, or our own weakness.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub name: String,
    pub description: String,
    pub notches: i64,
    pub limit_factor: Decimal,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct CompanyRules {
    pub min_assets_to_debt: Decimal,
    pub min_liquid_to_debt: Decimal,
    pub when_weak: Overlay,
}

#[derive(Debug, Clone)]
pub struct ReviewRules {
    pub months: u32,
    pub key_account_months: u32,
    /// The longest interval for each grade, best grade first (`None`: no limit of its own).
    pub by_grade: [Option<u32>; 9],
    /// A sooner review after a downgrade (`[review.after_downgrade]`).
    pub after_downgrade: Option<AfterDowngrade>,
    /// Days a review may be overdue before new credit is held (`grace_days`); `None`: never.
    pub grace_days: Option<u32>,
}

/// The percent of each kind of security that counts as secured cover (`[security]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecurityRules {
    pub deposit: Decimal,
    pub guarantee: Decimal,
    pub insured_limit: Decimal,
    pub collateral_value: Decimal,
}

impl SecurityRules {
    /// Each kind of security with its percent, in the order they are reported.
    pub fn kinds(&self) -> [(Fact, Decimal); 4] {
        [
            (Fact::Deposit, self.deposit),
            (Fact::Guarantee, self.guarantee),
            (Fact::InsuredLimit, self.insured_limit),
            (Fact::CollateralValue, self.collateral_value),
        ]
    }
}

/// What an empty cell of the exposure's parts means (`[exposure]`): `true` when the policy
/// says, explicitly, that it counts as zero; otherwise the exposure is unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExposureRules {
    pub empty_receivable_is_zero: bool,
    pub empty_open_orders_is_zero: bool,
}

/// A client that fell at least `notches` below its previous grade is reviewed no later than
/// `months` after the as-of date.
#[derive(Debug, Clone, PartialEq)]
pub struct AfterDowngrade {
    pub notches: u32,
    pub months: u32,
    pub origin: Origin,
}

/// How a group's line is formed (`[groups]`): the sum of its members' lines, held to a share
/// of their combined annual sales and, when given, to an amount.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRules {
    /// Percent of the members' combined annual sales.
    pub max_percent_of_sales: Decimal,
    pub max_amount: Option<Decimal>,
    /// A member under `terminate` puts the other members on `watch`.
    pub watch_when_member_terminates: bool,
    pub origin: Origin,
}

impl ReviewRules {
    /// Months between reviews for a client of this grade: the ordinary or key-account
    /// interval, shortened for grades that have their own.
    pub fn months_for(&self, grade: Grade, key_account: bool) -> u32 {
        let base = if key_account {
            self.key_account_months
        } else {
            self.months
        };
        self.by_grade[grade.rank()].map_or(base, |m| m.min(base))
    }
}

/// How far over its line an order may go with approval (`[orders]`); without the table no
/// order goes over any line.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRules {
    /// The role that approves an order over the line but within the tolerance.
    pub approver: String,
    /// Percent above the line an order may reach with that approval, best grade first.
    pub tolerance: [Decimal; 9],
}

impl Default for OrderRules {
    fn default() -> OrderRules {
        OrderRules {
            approver: "credit manager".into(),
            tolerance: [Decimal::ZERO; 9],
        }
    }
}

impl OrderRules {
    /// The tolerance of a grade, in percent.
    pub fn tolerance_for(&self, grade: Grade) -> Decimal {
        self.tolerance[grade.rank()]
    }
}

/// A constant from `[params]`, visible to every script by its name.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Bool(bool),
    Number(Decimal),
    Text(String),
}

/// Why a policy could not be loaded: every problem found, each pointing into its file.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the policy in `{dir}` has {} error(s)", .diagnostics.iter().filter(|d| d.severity == Severity::Error).count())]
pub struct LoadError {
    pub dir: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Policy {
    /// Reads, checks and compiles the policy folder `dir`.
    pub fn load(dir: &Path) -> Result<Policy, LoadError> {
        compile::load(dir)
    }

    /// The standard policy built into the binary ([`embedded::STANDARD`]), for when no policy
    /// folder is given or found. Its files are named as in `policies/standard/`, the folder
    /// `credit-policy init policies/standard` writes, and its identity (hash included) is that
    /// of loading that folder from disk.
    pub fn load_embedded() -> Result<Policy, LoadError> {
        let raw: Vec<(String, Vec<u8>)> = embedded::STANDARD
            .iter()
            .filter(|(path, _)| !path.starts_with("tests/"))
            .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
            .collect();
        let mut p = compile::load_files(Path::new(embedded::STANDARD_DIR), &raw)?;
        p.built_in = true;
        Ok(p)
    }

    /// The overlay for an economy name; `normal` always exists and changes nothing.
    pub fn overlay(&self, name: &str) -> Option<&Overlay> {
        self.overlays.get(name)
    }

    /// The grade a total score earns: the best grade whose threshold it reaches.
    pub fn grade_for(&self, score: Decimal) -> Grade {
        Grade::ALL
            .into_iter()
            .zip(self.thresholds)
            .find(|(_, min)| score >= *min)
            .map_or(Grade::C, |(g, _)| g)
    }

    /// The reason codes the rule scripts write (the code argument of every `watch`,
    /// `terminate`, `cap_grade`, ... call), and whether every such call writes its code as a
    /// literal (when one computes it, the codes are not all known).
    pub fn script_codes(&self) -> (std::collections::BTreeSet<String>, bool) {
        let names = script::variable_names(&self.params, &self.extra_inputs);
        lint::reason_codes(&self.scripts, &names)
    }

    /// The names of the economies a context may name.
    pub fn economies(&self) -> impl Iterator<Item = &str> {
        self.overlays.keys().map(String::as_str)
    }
}

/// A band table in words: `under 0.40 = 100, 0.40 to under 0.55 = 80, ...`.
pub fn explain_band_list(bands: &[Band]) -> String {
    bands
        .iter()
        .map(|b| {
            format!(
                "{} = {}",
                crate::engine::explain::band_text(b),
                b.points.normalize()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
