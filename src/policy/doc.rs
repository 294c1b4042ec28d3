//! The raw form of `policy.toml`, exactly as written: serde structs that mirror the file and
//! refuse unknown keys. [`super::read`] fills them table by table (so one bad table hides no
//! other); [`super::compile`] turns them into the checked [`super::Policy`]; the engine never
//! sees these types.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::money::TomlNumber;

pub type Num = Spanned<TomlNumber>;

/// The whole file. The tables every policy needs are `Option` only because a table that cannot
/// be read is left out (its problem already reported) while the others are still checked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDoc {
    pub policy: Option<IdentityDoc>,
    pub criteria: Option<CriteriaDoc>,
    pub grades: Option<PerGrade<Num>>,
    pub limits: Option<PerGrade<Num>>,
    pub line: Option<LineDoc>,
    #[serde(default)]
    pub overlays: BTreeMap<Spanned<String>, OverlayDoc>,
    pub company: Option<CompanyDoc>,
    pub review: Option<ReviewDoc>,
    #[serde(default)]
    pub scripts: ScriptsDoc,
    #[serde(default)]
    pub params: BTreeMap<Spanned<String>, Spanned<ParamDoc>>,
    #[serde(default)]
    pub inputs: InputsDoc,
    /// What an incoming order may do beyond the line: who approves, and how far per grade.
    pub orders: Option<OrdersDoc>,
    /// Group (parent) lines: how the line of clients tied by the `group` column is formed.
    pub groups: Option<GroupsDoc>,
    /// Secured cover: the percent of each kind of security that counts towards the line.
    pub security: Option<SecurityDoc>,
    /// What an empty receivable balance or open-orders cell means.
    pub exposure: Option<ExposureDoc>,
}

/// `[security]`: percent of each kind of security counted as cover (0 to 100); a kind left
/// out counts nothing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityDoc {
    pub deposit: Option<Num>,
    pub guarantee: Option<Num>,
    pub insured_limit: Option<Num>,
    pub collateral_value: Option<Num>,
}

/// `[exposure]`: `"unknown"` (the default: nothing is released on credit until it is known)
/// or `"zero"` for each input that makes up the exposure.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureDoc {
    pub empty_receivable_balance: Option<Spanned<String>>,
    pub empty_open_orders: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityDoc {
    pub name: Spanned<String>,
    pub version: Spanned<String>,
    #[serde(default)]
    pub description: String,
    pub currency: Spanned<String>,
}

/// The five criteria; one that cannot be read (or is missing, an error) is `None`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriteriaDoc {
    pub character: Option<Spanned<CriterionDoc>>,
    pub capacity: Option<Spanned<CriterionDoc>>,
    pub capital: Option<Spanned<CriterionDoc>>,
    pub collateral: Option<Spanned<CriterionDoc>>,
    pub conditions: Option<Spanned<CriterionDoc>>,
}

impl CriteriaDoc {
    /// The five in the order of [`super::CRITERIA`].
    pub fn in_order(&self) -> [Option<&Spanned<CriterionDoc>>; 5] {
        [
            self.character.as_ref(),
            self.capacity.as_ref(),
            self.capital.as_ref(),
            self.collateral.as_ref(),
            self.conditions.as_ref(),
        ]
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionDoc {
    /// Share of the total score, in percent; the five add up to 100.
    pub weight: Num,
    #[serde(default)]
    pub description: String,
    pub measures: Vec<Spanned<MeasureDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureDoc {
    /// A client column or derived ratio, scored with `bands`.
    pub input: Option<Spanned<String>>,
    /// Or: a script function that returns the points itself (0 to 100, or `()` when unknown).
    pub script: Option<Spanned<String>>,
    /// Share of the criterion, in percent; a criterion's measures add up to 100.
    pub weight: Num,
    /// Points when the value is unknown.
    pub missing: Num,
    #[serde(default)]
    pub bands: Vec<Spanned<BandDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandDoc {
    /// Lowest value in the band (inclusive); left out on the lowest band.
    pub from: Option<Num>,
    /// First value above the band (exclusive); left out on the highest band.
    pub to: Option<Num>,
    pub points: Num,
}

/// One value per grade, keyed by the grade's name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct PerGrade<T> {
    pub AAA: T,
    pub AA: T,
    pub A: T,
    pub BBB: T,
    pub BB: T,
    pub B: T,
    pub CCC: T,
    pub CC: T,
    pub C: T,
}

impl<T> PerGrade<T> {
    /// The values best grade first.
    pub fn in_order(&self) -> [&T; 9] {
        [
            &self.AAA, &self.AA, &self.A, &self.BBB, &self.BB, &self.B, &self.CCC, &self.CC,
            &self.C,
        ]
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineDoc {
    /// Highest line for any grade but the top one, percent of annual sales.
    pub ceiling: Num,
    /// Highest line for the top grade (AAA), percent of annual sales.
    pub top_grade_ceiling: Num,
    pub payment_days: Spanned<u32>,
    /// Lines are rounded down to a whole multiple of this amount.
    pub rounding_unit: Num,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayDoc {
    #[serde(default)]
    pub description: String,
    /// Notches every client is moved down (negative moves up).
    pub notches: Option<Spanned<i64>>,
    /// Factor applied to every line, e.g. 0.8.
    pub limit_factor: Option<Num>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyDoc {
    /// Our total assets / total debt must be at least this to count as healthy.
    pub min_assets_to_debt: Num,
    /// Our (cash + receivables) / total debt must be at least this.
    pub min_liquid_to_debt: Num,
    /// What happens to every client when either floor is breached.
    pub when_weak: OverlayDoc,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewDoc {
    pub months: Spanned<u32>,
    pub key_account_months: Spanned<u32>,
    /// Shorter intervals for some grades, e.g. `CCC = 3`: months at most.
    #[serde(default)]
    pub by_grade: BTreeMap<Spanned<String>, Spanned<u32>>,
    /// A sooner review after a downgrade against the client's `previous_grade`.
    pub after_downgrade: Option<AfterDowngradeDoc>,
    /// Days a review may be overdue before new credit is held; without it, never.
    pub grace_days: Option<Spanned<u32>>,
}

/// `[review.after_downgrade]`: a client that fell at least `notches` below its previous grade
/// is reviewed no later than `months` after the as-of date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfterDowngradeDoc {
    pub notches: Spanned<i64>,
    pub months: Spanned<i64>,
}

/// `[groups]`: the line of a group is the sum of its members' lines, capped.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupsDoc {
    /// The group line is at most this percent of the members' combined annual sales.
    pub max_percent_of_sales: Num,
    /// And at most this amount, when given.
    pub max_amount: Option<Num>,
    /// A member under `terminate` puts the other members of its group on `watch`.
    #[serde(default)]
    pub watch_when_member_terminates: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptsDoc {
    /// Rule scripts run for every client, in this order.
    #[serde(default)]
    pub rules: Vec<Spanned<String>>,
    /// Scripts that only define functions (for `script` measures).
    #[serde(default)]
    pub functions: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsDoc {
    /// Extra input columns the scripts read by name (unknown when a file lacks them).
    #[serde(default)]
    pub extra: Vec<Spanned<String>>,
    /// The highest growth (as a share) an input row may give; above it the row is refused.
    #[serde(default)]
    pub max_growth: Option<Num>,
}

/// `[orders]`: orders over the line that may still be released with approval.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdersDoc {
    /// The role that approves an order over the line but within the tolerance.
    pub approver: Spanned<String>,
    /// Percent above the line an order may reach with that approval, keyed by grade; a grade
    /// left out gets 0 (no order over its line).
    #[serde(default)]
    pub tolerance: BTreeMap<Spanned<String>, Num>,
}

/// A named constant handed to every script.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ParamDoc {
    Bool(bool),
    Number(TomlNumber),
    Text(String),
}
