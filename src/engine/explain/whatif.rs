//! What would lift a client's grade, and by how much: the smallest change of one input the
//! client controls that the engine, deciding the changed client again, confirms gives a better
//! grade; when no single change is enough, a pair of changes confirmed the same way.
//!
//! Nothing here is guessed from band edges. The edges only say where to look: every value
//! offered is a changed [`Client`] (its input columns, so the rule scripts see the change too)
//! decided again with [`Evaluator::decide`]. Where to look, for each input (a "lever"):
//!
//! * the edges of the bands of every measure that depends on it (a ratio's edge is turned into
//!   the amount of the input that reaches it, e.g. `collateral_to_sales` 0.10 into
//!   `collateral_value` = 0.10 x annual sales);
//! * the thresholds the rule scripts compare it with: a `[params]` value or a number written in
//!   the script (`broken_promises >= wilful_broken_promises`);
//! * then a bisection between the last value that did not lift the grade and the first that
//!   did, so a threshold no candidate names is still found.
//!
//! The search is bounded: at most [`MAX_DECISIONS`] decisions per client.

use std::collections::BTreeSet;

use rhai::{ASTNode, Dynamic, Expr, Token};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use serde::ser::SerializeStruct;

use super::super::{Decision, EvalError, Evaluator};
use crate::client::{Client, Fact, Kind};
use crate::grade::Grade;
use crate::money::{MONEY_MAX, fmt_grouped, fmt_money, fmt_plain};
use crate::policy::{MeasureSource, Param, Policy};

/// The most decisions one client's search may make, singles and pairs together.
pub const MAX_DECISIONS: u32 = 400;
/// Of those, the most the single changes may use; the rest is kept for pairs.
const SINGLE_DECISIONS: u32 = 250;
/// Candidate values tried per input before giving up on it.
const CANDIDATES_PER_INPUT: usize = 12;
/// Bisection steps per input.
const BISECTION_STEPS: u32 = 24;
/// Inputs whose best candidates are combined into pairs.
const PAIR_INPUTS: usize = 5;
/// Pairs shown at most.
const MAX_PAIRS: usize = 3;

/// Which way an input must move to help the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    fn sign(self) -> Decimal {
        match self {
            Direction::Up => Decimal::ONE,
            Direction::Down => Decimal::NEGATIVE_ONE,
        }
    }
}

/// How a threshold is compared: the side of it a value must be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Relation {
    /// `>=`
    #[serde(rename = ">=")]
    AtLeast,
    /// `>`
    #[serde(rename = ">")]
    Above,
    /// `<=`
    #[serde(rename = "<=")]
    AtMost,
    /// `<`
    #[serde(rename = "<")]
    Below,
}

impl Relation {
    fn holds(self, v: Decimal, t: Decimal) -> bool {
        match self {
            Relation::AtLeast => v >= t,
            Relation::Above => v > t,
            Relation::AtMost => v <= t,
            Relation::Below => v < t,
        }
    }

    const ALL: [Relation; 4] = [
        Relation::AtLeast,
        Relation::Above,
        Relation::AtMost,
        Relation::Below,
    ];
}

/// Where the value of a change was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// An edge of a band of the measure on `fact`, defined at `at` (`file:line`).
    Band {
        #[serde(serialize_with = "fact_name")]
        fact: Fact,
        #[serde(serialize_with = "exact")]
        edge: Decimal,
        relation: Relation,
        at: String,
    },
    /// A threshold a rule script compares `fact` with: a `[params]` value (`param`) or a
    /// number written in the script; `at` is the comparison's `file:line`.
    Script {
        #[serde(serialize_with = "fact_name")]
        fact: Fact,
        #[serde(serialize_with = "exact")]
        value: Decimal,
        relation: Relation,
        param: Option<String>,
        at: String,
    },
    /// Between the candidates, by bisection.
    Bisection,
}

impl Source {
    /// Why this value, in words: `collateral_to_sales at least 0.1, a band edge at
    /// policy.toml:174`, `broken_promises under wilful_broken_promises = 3, a rule at
    /// knockout.rhai:27`.
    pub fn text(&self) -> String {
        match self {
            Source::Band {
                fact,
                edge,
                relation,
                at,
            } => format!(
                "{} {} {}, a band edge at {at}",
                fact.name(),
                relation_text(*relation),
                fmt_plain(*edge)
            ),
            Source::Script {
                fact,
                value,
                relation,
                param,
                at,
            } => {
                let what = match param {
                    Some(p) => format!("{p} = {}", fmt_plain(*value)),
                    None => fmt_plain(*value),
                };
                format!(
                    "{} {} {what}, a rule at {at}",
                    fact.name(),
                    relation_text(*relation)
                )
            }
            Source::Bisection => "found by bisection".into(),
        }
    }
}

fn relation_text(r: Relation) -> &'static str {
    match r {
        Relation::AtLeast => "at least",
        Relation::Above => "above",
        Relation::AtMost => "at most",
        Relation::Below => "under",
    }
}

/// One input changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The number the policy scores or its rules read, e.g. `collateral_to_sales`; the same as
    /// `input` when that is what the policy reads.
    pub measure: Fact,
    /// Its value now and after the change (`None`: unknown).
    pub from: Option<Decimal>,
    pub to: Option<Decimal>,
    /// The input column the client controls, e.g. `collateral_value`.
    pub input: Fact,
    pub input_from: Option<Decimal>,
    pub input_to: Decimal,
    /// The way the input moves to help.
    pub direction: Direction,
    /// Where the value was found.
    pub source: Source,
}

impl Change {
    /// `input_to - input_from`, when the input was known.
    pub fn by(&self) -> Option<Decimal> {
        self.input_from.map(|f| self.input_to - f)
    }

    /// The measure's move in words: `broken_promises 4 -> 2`, `collateral_to_sales 0.06 ->
    /// 0.10`, `on_time_ratio 93.0% -> 95.0%`.
    pub fn measure_text(&self) -> String {
        let from = self
            .from
            .map_or("unknown".into(), |v| shown(self.measure, v, None));
        let to = self.to.map_or("unknown".into(), |v| {
            shown(self.measure, v, Some(self.to_rounding()))
        });
        format!("{} {from} -> {to}", self.measure.name())
    }

    /// Which way a shown value is rounded: away from where it was, so a value shown never
    /// claims less of a move than it takes.
    fn to_rounding(&self) -> RoundingStrategy {
        let rising = match (self.from, self.to) {
            (Some(f), Some(t)) => t > f,
            _ => self.direction == Direction::Up,
        };
        if rising {
            RoundingStrategy::AwayFromZero
        } else {
            RoundingStrategy::ToZero
        }
    }

    /// What the client does, in money where the measure is a ratio of money:
    /// `pledge 48,000.00 more collateral`; `None` when the measure is the input itself.
    pub fn action_text(&self) -> Option<String> {
        if self.measure == self.input && unit(self.input) != Unit::Money {
            return None;
        }
        let by = self.by().unwrap_or(self.input_to).abs();
        let amount = fmt_grouped(by);
        let known = self.input_from.is_some();
        Some(match (self.input, known) {
            (Fact::CollateralValue, true) => format!("pledge {amount} more collateral"),
            (Fact::CollateralValue, false) => format!("pledge {amount} of collateral"),
            (Fact::TotalLiabilities, _) => format!("reduce total liabilities by {amount}"),
            (Fact::CurrentAssets, _) => format!("raise current assets by {amount}"),
            (Fact::CurrentLiabilities, _) => format!("cut current liabilities by {amount}"),
            (Fact::Inventory, _) => format!("turn {amount} of inventory into cash"),
            (Fact::TotalAssets, _) => {
                format!("add {amount} of equity (total assets up by {amount})")
            }
            (Fact::SellOut, _) => format!("sell on {amount} more to end customers"),
            (Fact::CrossRegionSales, _) => {
                format!("sell {amount} less outside its territory")
            }
            (Fact::ReceivableBalance, _) => format!("pay down {amount} of what it owes"),
            (input, true) => format!(
                "{} {} by {amount}",
                if self.direction == Direction::Up {
                    "raise"
                } else {
                    "reduce"
                },
                input.name().replace('_', " ")
            ),
            (input, false) => format!("{} of {amount}", input.name().replace('_', " ")),
        })
    }

    /// The change in one line: `collateral_to_sales 0.06 -> 0.10: pledge 48,000.00 more
    /// collateral`.
    pub fn text(&self) -> String {
        match self.action_text() {
            Some(a) => format!("{}: {a}", self.measure_text()),
            None => self.measure_text(),
        }
    }
}

impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Change", 10)?;
        st.serialize_field("measure", self.measure.name())?;
        st.serialize_field("from", &self.from.map(|v| exact_text(self.measure, v)))?;
        st.serialize_field("to", &self.to.map(|v| exact_text(self.measure, v)))?;
        st.serialize_field("input", self.input.name())?;
        st.serialize_field(
            "input_from",
            &self.input_from.map(|v| exact_text(self.input, v)),
        )?;
        st.serialize_field("input_to", &exact_text(self.input, self.input_to))?;
        st.serialize_field("by", &self.by().map(|v| exact_text(self.input, v)))?;
        st.serialize_field("direction", &self.direction)?;
        st.serialize_field("text", &self.text())?;
        st.serialize_field("source", &self.source)?;
        st.end()
    }
}

/// One what-if: one change (or two), and what the engine decided for the client so changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    pub changes: Vec<Change>,
    /// The grade the changed client gets: better than now, perhaps by more than one notch.
    pub gives: Grade,
    /// The changed client's line.
    #[serde(serialize_with = "money")]
    pub limit: Decimal,
    /// The changed client's score.
    #[serde(serialize_with = "score")]
    pub score: Decimal,
}

impl WhatIf {
    /// The client with the changes made to its input columns: what was decided again.
    pub fn apply(&self, client: &Client) -> Client {
        let mut c = client.clone();
        for ch in &self.changes {
            c.facts.set(ch.input, Some(ch.input_to));
        }
        c
    }
}

/// What would lift the grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextGrade {
    /// The next better grade.
    pub grade: Grade,
    /// For each input that alone can lift the grade, the smallest change found; in the order
    /// of the policy's measures.
    pub changes: Vec<WhatIf>,
    /// When no single change is enough: pairs of changes that are.
    pub pairs: Vec<WhatIf>,
    /// Said when nothing found lifts the grade, or when rules hold it down.
    pub note: Option<String>,
    /// How many decisions the search made (at most [`MAX_DECISIONS`]).
    pub decisions: u32,
}

// ---- the search -----------------------------------------------------------------------------

/// An input the client controls, the way it helps, and the numbers the policy reads that
/// depend on it.
#[derive(Debug, Clone)]
struct Lever {
    input: Fact,
    direction: Direction,
    /// The facts the policy scores or its scripts read that move with `input`; the first is
    /// the one the lever was found for.
    watched: Vec<Fact>,
}

/// A value to try for a lever, and where it came from.
#[derive(Debug, Clone)]
struct Candidate {
    value: Decimal,
    source: Source,
}

/// What one lever's search found.
#[derive(Debug, Clone, Default)]
struct Tried {
    /// The values tried that did not lift the grade, nearest first, with the score each gave.
    misses: Vec<(Candidate, Decimal)>,
}

/// A threshold a script compares a fact with.
#[derive(Debug, Clone)]
struct ScriptThreshold {
    fact: Fact,
    value: Decimal,
    param: Option<String>,
    at: String,
}

/// The better direction of an input a client can act on; `None` for the ones it cannot (its
/// sales to us, the line it asked for) or where neither way is better.
fn better(f: Fact) -> Option<Direction> {
    use Fact::*;
    match f {
        OnTimeRatio | YearsTrading | ManagementScore | SalesGrowth | CollateralValue | SellOut
        | CurrentAssets | TotalAssets | Deposit | Guarantee | InsuredLimit => Some(Direction::Up),
        MaxDaysLate | BrokenPromises | HighRiskShare | TotalLiabilities | CurrentLiabilities
        | Inventory | IntangibleAssets | CrossRegionSales | InventoryGrowth | ReceivableGrowth
        | ReceivableBalance | OpenOrders | Overdue1To30 | Overdue31To60 | Overdue61To90
        | OverdueOver90 => Some(Direction::Down),
        _ => None,
    }
}

/// The inputs a derived fact is computed from (see [`crate::client::Facts::derive`]).
fn inputs_of(f: Fact) -> &'static [Fact] {
    use Fact::*;
    match f {
        Exposure => &[ReceivableBalance, OpenOrders],
        OverdueOver30 => &[Overdue31To60, Overdue61To90, OverdueOver90],
        SecuredCover => &[Deposit, Guarantee, InsuredLimit, CollateralValue],
        DebtRatio => &[TotalLiabilities, TotalAssets],
        CurrentRatio => &[CurrentAssets, CurrentLiabilities],
        QuickRatio => &[CurrentAssets, Inventory, CurrentLiabilities],
        NetWorth => &[TotalAssets, TotalLiabilities],
        TangibleNetWorth => &[TotalAssets, TotalLiabilities, IntangibleAssets],
        TnwToSales => &[TotalAssets, TotalLiabilities, IntangibleAssets, AnnualSales],
        SellThrough => &[SellOut, SellIn],
        CrossRegionShare => &[CrossRegionSales, SellOut],
        CollateralToSales => &[CollateralValue, AnnualSales],
        CollateralCoverage => &[CollateralValue, ReceivableBalance, OpenOrders],
        _ => &[],
    }
}

/// The inputs a client acts on to move a derived fact, in the order they are offered:
/// `debt_ratio` by its liabilities, `current_ratio` by its current assets or liabilities,
/// `tnw_to_sales` by new equity, `sell_through` by its sell-out.
fn levers_of(f: Fact) -> &'static [Fact] {
    use Fact::*;
    match f {
        Exposure => &[ReceivableBalance],
        OverdueOver30 => &[OverdueOver90, Overdue61To90, Overdue31To60],
        SecuredCover => &[CollateralValue, Deposit, Guarantee, InsuredLimit],
        DebtRatio => &[TotalLiabilities],
        CurrentRatio => &[CurrentAssets, CurrentLiabilities],
        QuickRatio => &[CurrentAssets, CurrentLiabilities, Inventory],
        NetWorth | TangibleNetWorth | TnwToSales => &[TotalAssets],
        SellThrough => &[SellOut],
        CrossRegionShare => &[CrossRegionSales],
        CollateralToSales | CollateralCoverage => &[CollateralValue],
        _ => &[],
    }
}

/// The smallest step of an input: a cent, a whole number, a thousandth of a share.
fn resolution(f: Fact) -> Decimal {
    match f.kind() {
        Kind::Money => Decimal::new(1, 2),
        Kind::Count | Kind::Rating => Decimal::ONE,
        Kind::NonNegative => Decimal::new(1, 2),
        Kind::Fraction | Kind::Signed | Kind::Derived => Decimal::new(1, 3),
    }
}

/// Every lever of the policy: the inputs behind its measures first, in their order, then those
/// behind the numbers its scripts read.
fn levers(policy: &Policy) -> Vec<Lever> {
    let mut read: Vec<Fact> = Vec::new();
    for c in &policy.criteria {
        for m in &c.measures {
            if let MeasureSource::Fact(f) = m.source
                && !read.contains(&f)
            {
                read.push(f);
            }
        }
    }
    for f in Fact::ALL {
        if policy.script_reads.contains(f.name()) && !read.contains(f) {
            read.push(*f);
        }
    }
    let mut out: Vec<Lever> = Vec::new();
    for f in &read {
        let inputs: Vec<Fact> = if f.is_input() {
            vec![*f]
        } else {
            levers_of(*f).to_vec()
        };
        for input in inputs {
            let Some(direction) = better(input) else {
                continue;
            };
            if out.iter().any(|l| l.input == input) {
                continue;
            }
            let mut watched = vec![*f];
            watched.extend(
                read.iter()
                    .filter(|g| **g != *f && (**g == input || inputs_of(**g).contains(&input))),
            );
            out.push(Lever {
                input,
                direction,
                watched,
            });
        }
    }
    out
}

/// The comparisons of a fact with a `[params]` value or a number in the rule scripts, found by
/// walking the compiled scripts once.
fn script_thresholds(policy: &Policy) -> Vec<ScriptThreshold> {
    let engine = crate::policy::script::build_engine(&Default::default());
    let names = crate::policy::script::variable_names(&policy.params, &policy.extra_inputs);
    let scope = crate::policy::script::declaration_scope(&names);
    let mut out = Vec::new();
    for (_, file) in &policy.scripts.files {
        let Ok(ast) = engine.compile_with_scope(&scope, &file.text) else {
            continue;
        };
        ast.walk(&mut |path: &[ASTNode]| {
            if let Some(ASTNode::Expr(Expr::FnCall(call, pos))) = path.last()
                && matches!(
                    call.op_token,
                    Some(
                        Token::LessThan
                            | Token::LessThanEqualsTo
                            | Token::GreaterThan
                            | Token::GreaterThanEqualsTo
                    )
                )
                && let [a, b] = call.args.as_slice()
            {
                for (x, y) in [(a, b), (b, a)] {
                    let Expr::Variable(v, ..) = x else { continue };
                    let Some(fact) = Fact::by_name(v.1.as_str()) else {
                        continue;
                    };
                    let at = format!("{}:{}", file.name, pos.line().unwrap_or(0));
                    match y {
                        Expr::Variable(p, ..) => {
                            if let Some((name, Param::Number(value))) =
                                policy.params.iter().find(|(n, _)| n == p.1.as_str())
                            {
                                out.push(ScriptThreshold {
                                    fact,
                                    value: *value,
                                    param: Some(name.clone()),
                                    at,
                                });
                            }
                        }
                        other => {
                            if let Some(value) = other.get_literal_value(None).and_then(decimal) {
                                out.push(ScriptThreshold {
                                    fact,
                                    value,
                                    param: None,
                                    at,
                                });
                            }
                        }
                    }
                }
            }
            true
        });
    }
    out
}

fn decimal(v: Dynamic) -> Option<Decimal> {
    v.as_decimal()
        .ok()
        .or_else(|| v.as_int().ok().map(Decimal::from))
}

struct Search<'a, 'p> {
    ev: &'a mut Evaluator<'p>,
    client: &'a Client,
    now: &'a Decision,
    calls: u32,
}

impl Search<'_, '_> {
    /// Decides the client with `changes` made; `None` when the budget is spent or a script
    /// fails for the changed client (such a value is not offered).
    fn decide(&mut self, changes: &[(Fact, Decimal)], budget: u32) -> Option<Decision> {
        if self.calls >= budget {
            return None;
        }
        self.calls += 1;
        let mut c = self.client.clone();
        for (f, v) in changes {
            c.facts.set(*f, Some(*v));
        }
        self.ev.decide(&c).ok()
    }

    fn lifts(&self, d: &Decision) -> bool {
        d.grade < self.now.grade
    }

    /// The client's facts, derived, with `input` set to `value`.
    fn derived(&self, input: Fact, value: Option<Decimal>) -> crate::client::Facts {
        let mut facts = self.client.facts.clone();
        facts.set(input, value);
        facts.derive(self.client.last_review, self.ev.context().as_of);
        facts
    }
}

/// Where a lever's input starts: its value, or for an unknown amount that helps by rising,
/// nothing (zero); `None` when there is nowhere to start from.
fn start_of(client: &Client, lever: &Lever) -> Option<Decimal> {
    match (client.facts.get(lever.input), lever.direction) {
        (Some(v), _) => Some(v),
        (None, Direction::Up) if lever.input.kind() == Kind::Money => Some(Decimal::ZERO),
        _ => None,
    }
}

/// A threshold of a watched fact, and the sides of it worth trying, each with its source.
type Threshold = (Fact, Decimal, Vec<(Relation, Source)>);

/// Candidate values for one lever, nearest first.
fn candidates(
    s: &Search<'_, '_>,
    policy: &Policy,
    scripted: &[ScriptThreshold],
    lever: &Lever,
) -> Vec<Candidate> {
    let input = lever.input;
    let current = s.client.facts.get(input);
    let start = start_of(s.client, lever);
    let sign = lever.direction.sign();
    let r = resolution(input);
    let (lo, hi) = input.range();
    let hi = if input.kind() == Kind::Money {
        Some(hi.map_or(MONEY_MAX, |h| h.min(MONEY_MAX)))
    } else {
        hi
    };
    let in_range = |v: Decimal| lo.is_none_or(|l| v >= l) && hi.is_none_or(|h| v <= h);
    let whole = input.is_whole();
    // Every threshold of every watched fact, with where it came from.
    let mut thresholds: Vec<Threshold> = Vec::new();
    for f in &lever.watched {
        for c in &policy.criteria {
            for m in &c.measures {
                if m.source != MeasureSource::Fact(*f) {
                    continue;
                }
                let at = format!("{}:{}", m.origin.file, m.origin.line);
                for b in &m.bands {
                    for edge in [b.from, b.to].into_iter().flatten() {
                        let sources = [Relation::AtLeast, Relation::Below]
                            .into_iter()
                            .map(|relation| {
                                (
                                    relation,
                                    Source::Band {
                                        fact: *f,
                                        edge,
                                        relation,
                                        at: at.clone(),
                                    },
                                )
                            })
                            .collect();
                        thresholds.push((*f, edge, sources));
                    }
                }
            }
        }
        for t in scripted.iter().filter(|t| t.fact == *f) {
            let sources = Relation::ALL
                .into_iter()
                .map(|relation| {
                    (
                        relation,
                        Source::Script {
                            fact: *f,
                            value: t.value,
                            relation,
                            param: t.param.clone(),
                            at: t.at.clone(),
                        },
                    )
                })
                .collect();
            thresholds.push((*f, t.value, sources));
        }
    }
    let mut out: Vec<Candidate> = Vec::new();
    let mut seen: BTreeSet<Decimal> = BTreeSet::new();
    let mut push = |value: Decimal, source: Source, out: &mut Vec<Candidate>| {
        let value = value.normalize();
        let ahead = match current {
            Some(c) => (value - c) * sign > Decimal::ZERO,
            None => true,
        };
        if ahead && in_range(value) && seen.insert(value) {
            out.push(Candidate { value, source });
        }
    };
    for (f, t, sources) in thresholds {
        for (relation, source) in sources {
            if f == input {
                // The input itself: the threshold, or the nearest value on its other side.
                let v = match relation {
                    Relation::AtLeast | Relation::AtMost => t,
                    Relation::Above => t + r,
                    Relation::Below => t - r,
                };
                let v = if whole {
                    match relation {
                        Relation::AtLeast | Relation::Above => v.ceil(),
                        Relation::AtMost | Relation::Below => v.floor(),
                    }
                } else {
                    v
                };
                // Only a threshold the move crosses explains it.
                let crossed = current.is_none_or(|c| !relation.holds(c, t));
                if crossed && relation.holds(v, t) {
                    push(v, source, &mut out);
                }
            } else if let Some(start) = start {
                // A number derived from the input: the nearest amount that puts it past the
                // threshold, found on the derived facts alone (no decision needed).
                let now = s.derived(input, current).get(f);
                if now.is_some_and(|v| relation.holds(v, t)) {
                    continue;
                }
                let limit = match lever.direction {
                    Direction::Up => hi.unwrap_or(MONEY_MAX),
                    Direction::Down => lo.unwrap_or(Decimal::ZERO),
                };
                let ok = |v: Decimal| {
                    s.derived(input, Some(v))
                        .get(f)
                        .is_some_and(|x| relation.holds(x, t))
                };
                if let Some(v) = nearest(start, limit, r, ok) {
                    push(v, source, &mut out);
                }
            }
        }
    }
    // Nearest first; an unknown input from the least demanding value.
    out.sort_by_key(|c| c.value * sign);
    out
}

/// The value nearest `start`, towards `limit`, in steps of `r`, at which `ok` holds, given
/// that once it holds it keeps holding further on.
fn nearest(
    start: Decimal,
    limit: Decimal,
    r: Decimal,
    ok: impl Fn(Decimal) -> bool,
) -> Option<Decimal> {
    let sign = if limit >= start {
        Decimal::ONE
    } else {
        Decimal::NEGATIVE_ONE
    };
    let span = ((limit - start).abs() / r).floor();
    if span.is_zero() || !ok(limit) {
        return None;
    }
    let at = |n: Decimal| start + sign * n * r;
    // Grow the step until it holds, then halve the gap.
    let mut hi = Decimal::ONE;
    let mut lo = Decimal::ZERO;
    while hi < span && !ok(at(hi)) {
        lo = hi;
        hi = (hi * Decimal::TWO).min(span);
    }
    if hi >= span {
        hi = span;
    }
    while hi - lo > Decimal::ONE {
        let mid = ((lo + hi) / Decimal::TWO).floor();
        if ok(at(mid)) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(at(hi))
}

/// A value between `a` and `b`, to the resolution `r`; `None` when none is left between them.
fn between(a: Decimal, b: Decimal, r: Decimal) -> Option<Decimal> {
    let steps = ((b - a).abs() / r).floor();
    if steps <= Decimal::ONE {
        return None;
    }
    let half = (steps / Decimal::TWO).floor();
    let sign = if b > a {
        Decimal::ONE
    } else {
        Decimal::NEGATIVE_ONE
    };
    Some(a + sign * half * r)
}

/// The change of one lever to `value`, with the measure it is shown on.
fn change(s: &Search<'_, '_>, lever: &Lever, value: Decimal, source: Source) -> Change {
    let input_from = s.client.facts.get(lever.input);
    let measure = match &source {
        Source::Band { fact, .. } | Source::Script { fact, .. } => *fact,
        Source::Bisection => lever.watched[0],
    };
    let before = s.derived(lever.input, input_from);
    let after = s.derived(lever.input, Some(value));
    Change {
        measure,
        from: before.get(measure),
        to: after.get(measure),
        input: lever.input,
        input_from,
        input_to: value,
        direction: lever.direction,
        source,
    }
}

/// The smallest change of one lever the engine confirms lifts the grade; what it tried either
/// way, for the pairs.
fn single(
    s: &mut Search<'_, '_>,
    policy: &Policy,
    scripted: &[ScriptThreshold],
    lever: &Lever,
) -> (Option<WhatIf>, Tried) {
    let mut tried = Tried::default();
    let list = candidates(s, policy, scripted, lever);
    let r = resolution(lever.input);
    let mut last_miss: Option<Decimal> = s.client.facts.get(lever.input);
    for cand in list.into_iter().take(CANDIDATES_PER_INPUT) {
        let Some(d) = s.decide(&[(lever.input, cand.value)], SINGLE_DECISIONS) else {
            if s.calls >= SINGLE_DECISIONS {
                break;
            }
            continue;
        };
        if !s.lifts(&d) {
            last_miss = Some(cand.value);
            tried.misses.push((cand, d.score));
            continue;
        }
        // Lifted. Is anything nearer enough? Bisect towards the last value that was not.
        let (mut best, mut best_d, mut source) = (cand.value, d, cand.source);
        if let Some(miss) = last_miss {
            let mut miss = miss;
            let mut steps = 0;
            // First the value one step nearer: when it does not lift, the candidate is exact.
            let mut probe = Some(best - lever.direction.sign() * r)
                .filter(|p| (*p - miss) * lever.direction.sign() > Decimal::ZERO);
            while let Some(p) = probe {
                if steps >= BISECTION_STEPS {
                    break;
                }
                steps += 1;
                match s.decide(&[(lever.input, p)], SINGLE_DECISIONS) {
                    Some(dp) if s.lifts(&dp) => {
                        best = p;
                        best_d = dp;
                        source = Source::Bisection;
                    }
                    Some(_) => miss = p,
                    None => break,
                }
                probe = between(miss, best, r);
            }
        }
        let what = WhatIf {
            changes: vec![change(s, lever, best, source)],
            gives: best_d.grade,
            limit: best_d.limit,
            score: best_d.score,
        };
        return (Some(what), tried);
    }
    (None, tried)
}

/// Pairs of changes for when no single one is enough: the levers that raised the score most
/// on their own, two at a time, each at its farthest value tried, then each brought back as
/// near as the pair still lifts the grade.
fn pairs(s: &mut Search<'_, '_>, levers: &[Lever], tried: &[Tried]) -> Vec<WhatIf> {
    let mut ranked: Vec<(usize, Decimal)> = tried
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.misses.iter().map(|m| m.1).max().map(|m| (i, m)))
        .filter(|(_, m)| *m > s.now.score || s.now.grade != s.now.base_grade)
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(PAIR_INPUTS);
    let mut out = Vec::new();
    for (x, &(i, _)) in ranked.iter().enumerate() {
        for &(j, _) in &ranked[x + 1..] {
            if out.len() >= MAX_PAIRS || s.calls >= MAX_DECISIONS {
                return out;
            }
            let (a, b) = (&levers[i], &levers[j]);
            let (Some(a_far), Some(_)) = (tried[i].misses.last(), tried[j].misses.last()) else {
                continue;
            };
            let a_far = a_far.0.clone();
            // The nearest value of `b` that, with `a` at its farthest, lifts the grade.
            let mut found = None;
            for (cb, _) in &tried[j].misses {
                match s.decide(
                    &[(a.input, a_far.value), (b.input, cb.value)],
                    MAX_DECISIONS,
                ) {
                    Some(d) if s.lifts(&d) => {
                        found = Some((cb.clone(), d));
                        break;
                    }
                    Some(_) => {}
                    None if s.calls >= MAX_DECISIONS => return out,
                    None => {}
                }
            }
            let Some((cb, mut d)) = found else { continue };
            // Then the nearest value of `a` that still does.
            let mut ca = a_far.clone();
            for (cand, _) in &tried[i].misses {
                if cand.value == a_far.value {
                    break;
                }
                match s.decide(&[(a.input, cand.value), (b.input, cb.value)], MAX_DECISIONS) {
                    Some(dd) if s.lifts(&dd) => {
                        ca = cand.clone();
                        d = dd;
                        break;
                    }
                    _ => {}
                }
            }
            out.push(WhatIf {
                changes: vec![
                    change(s, a, ca.value, ca.source),
                    change(s, b, cb.value, cb.source),
                ],
                gives: d.grade,
                limit: d.limit,
                score: d.score,
            });
        }
    }
    out
}

/// What would lift the grade of `client`, whose decision now is `now`; `None` at the top grade.
pub fn next_grade(
    ev: &mut Evaluator<'_>,
    client: &Client,
    now: &Decision,
) -> Result<Option<NextGrade>, EvalError> {
    if now.grade == Grade::AAA {
        return Ok(None);
    }
    let policy = ev.policy();
    let target = now.grade.lowered(-1);
    let levers = levers(policy);
    let scripted = script_thresholds(policy);
    let mut s = Search {
        ev,
        client,
        now,
        calls: 0,
    };
    let mut changes = Vec::new();
    let mut tried = Vec::new();
    for lever in &levers {
        let (what, t) = single(&mut s, policy, &scripted, lever);
        changes.extend(what);
        tried.push(t);
    }
    let pairs = if changes.is_empty() {
        pairs(&mut s, &levers, &tried)
    } else {
        Vec::new()
    };
    let held = if now.trace.grade_steps.is_empty() {
        String::new()
    } else {
        format!(
            " (the grade is also moved by: {})",
            now.trace.grade_steps.join("; ")
        )
    };
    let note = match (changes.is_empty(), pairs.is_empty()) {
        (false, _) => None,
        (true, false) => Some(format!(
            "no change to a single input earns {target}; these pairs do{held}"
        )),
        (true, true) => Some(format!(
            "no change to one input, nor to two, found in {} decisions earns {target}{held}",
            s.calls
        )),
    };
    Ok(Some(NextGrade {
        grade: target,
        changes,
        pairs,
        note,
        decisions: s.calls,
    }))
}

// ---- how values are shown -------------------------------------------------------------------

/// How a number is shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Two decimals and thousands separators.
    Money,
    /// A percent with one decimal: `45.0%`.
    Share,
    /// Two decimals: `2.67`.
    Ratio,
    /// As it is: `4`, `5.5`.
    Plain,
}

fn unit(f: Fact) -> Unit {
    use Fact::*;
    match f {
        SellThrough | CrossRegionShare => Unit::Share,
        DebtRatio | CurrentRatio | QuickRatio | TnwToSales | CollateralToSales
        | CollateralCoverage => Unit::Ratio,
        Exposure | OverdueOver30 | SecuredCover | NetWorth | TangibleNetWorth => Unit::Money,
        DaysSinceReview => Unit::Plain,
        _ => match f.kind() {
            Kind::Money => Unit::Money,
            Kind::Fraction | Kind::Signed => Unit::Share,
            _ => Unit::Plain,
        },
    }
}

/// A value as people read it: money `120,000.00`, a share `45.0%`, a ratio `2.67`; `rounding`
/// for a value that is the result of a move (see [`Change::measure_text`]).
pub fn shown(f: Fact, v: Decimal, rounding: Option<RoundingStrategy>) -> String {
    let rounding = rounding.unwrap_or(RoundingStrategy::MidpointAwayFromZero);
    match unit(f) {
        Unit::Money => fmt_grouped(v),
        Unit::Share => {
            let mut p = (v * Decimal::ONE_HUNDRED).round_dp_with_strategy(1, rounding);
            p.rescale(1);
            format!("{p}%")
        }
        Unit::Ratio => {
            let mut p = v.round_dp_with_strategy(2, rounding);
            p.rescale(2);
            p.to_string()
        }
        Unit::Plain => fmt_plain(v),
    }
}

/// A value in JSON: exact, money with at least two places.
fn exact_text(f: Fact, v: Decimal) -> String {
    if unit(f) == Unit::Money {
        fmt_money(v)
    } else {
        fmt_plain(v)
    }
}

fn fact_name<S: serde::Serializer>(f: &Fact, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(f.name())
}

fn exact<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&d.normalize())
}

fn money<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&crate::money::Money(*d))
}

fn score<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&super::super::decision_score_text(*d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_the_first_value_that_holds() {
        let r = Decimal::new(1, 2);
        let v = nearest(Decimal::from(72_000), Decimal::from(1_000_000), r, |v| {
            v >= Decimal::from(120_000)
        });
        assert_eq!(v, Some(Decimal::from(120_000)));
        let v = nearest(Decimal::from(1_800_000), Decimal::ZERO, r, |v| {
            v < Decimal::from(1_440_000)
        });
        assert_eq!(v, Some(Decimal::new(143_999_999, 2)));
        assert_eq!(nearest(Decimal::ONE, Decimal::ZERO, r, |_| false), None);
    }

    #[test]
    fn values_are_shown_in_their_unit() {
        assert_eq!(
            shown(Fact::CollateralValue, Decimal::from(48_000), None),
            "48,000.00"
        );
        assert_eq!(shown(Fact::OnTimeRatio, Decimal::new(45, 2), None), "45.0%");
        assert_eq!(
            shown(Fact::CurrentRatio, Decimal::new(2666, 3), None),
            "2.67"
        );
        assert_eq!(
            shown(
                Fact::DebtRatio,
                Decimal::new(3_999_999, 7),
                Some(RoundingStrategy::ToZero)
            ),
            "0.39"
        );
        assert_eq!(shown(Fact::BrokenPromises, Decimal::from(2), None), "2");
    }

    #[test]
    fn between_halves_the_gap_in_whole_steps() {
        let r = Decimal::ONE;
        assert_eq!(between(Decimal::from(3), Decimal::from(2), r), None);
        assert_eq!(
            between(Decimal::from(4), Decimal::from(2), r),
            Some(Decimal::from(3))
        );
        assert_eq!(
            between(Decimal::from(10), Decimal::from(2), r),
            Some(Decimal::from(6))
        );
    }
}
