//! Comparing two sides (a policy plus a context each) on the same portfolio in one pass: the
//! grade migration matrix, credit granted, exposure on hold, clients whose actions change,
//! the largest line changes and totals per group. Memory does not grow with the portfolio:
//! every total is bounded by the grades and groups, and of the per-client lists only a bounded
//! number is kept ([`LISTED`]: the largest moves, the first ids of each action list). Every
//! changed client is handed back by [`Comparison::add_pair`], in input order, for a writer that
//! streams them.

pub mod outcomes;

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};

use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::client::{Client, Extra};
use crate::engine::{Action, Decision, LineStep, StepKind};
use crate::grade::Grade;
use crate::money::fmt_money;
use crate::policy::Identity;

/// One side as the report names it.
#[derive(Debug, Clone, Serialize)]
pub struct SideInfo {
    pub policy: Identity,
    pub as_of: String,
    pub economy: String,
}

/// A client whose grade, line or actions differ between the sides.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub id: String,
    pub name: Option<String>,
    pub grade_a: &'static str,
    pub grade_b: &'static str,
    pub limit_a: String,
    pub limit_b: String,
    /// `limit_b - limit_a`.
    pub delta: String,
    pub actions_a: Vec<&'static str>,
    pub actions_b: Vec<&'static str>,
    /// Reasons given on one side only, `code: text`.
    pub reasons_a_only: Vec<String>,
    pub reasons_b_only: Vec<String>,
    /// What moved the line from A to B, from the decisions' line steps; empty when the line
    /// did not move.
    pub line_why: Vec<LineCause>,
    #[serde(skip)]
    pub delta_value: Decimal,
}

/// One thing that moved a client's line between the sides, read from the two decisions' line
/// steps ([`crate::engine::Trace::line_steps`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineCause {
    /// `grade`, `percent`, `factor`, `ceiling`, `rounding`, `sales`, or `step` for a kind of
    /// step this comparison does not name itself.
    pub what: &'static str,
    /// The step under A and under B, in words; `None` when that side has no such step.
    pub a: Option<String>,
    pub b: Option<String>,
    /// In words: `grade AA -> A: 15% -> 10% of annual sales`.
    pub text: String,
}

impl std::fmt::Display for LineCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The amount each step takes in and passes on. A ceiling passes on the lesser of what it took
/// in and itself; every other step (those added later included) passes on its amount.
fn flow(steps: &[LineStep]) -> Vec<(Decimal, Decimal)> {
    let mut before = Decimal::ZERO;
    steps
        .iter()
        .map(|s| {
            let after = match s.kind {
                StepKind::Ceiling(_) => before.min(s.amount),
                _ => s.amount,
            };
            let io = (before, after);
            before = after;
            io
        })
        .collect()
}

/// What moved the line from A's steps to B's: each step whose rule differs between the sides
/// and that acted (a ceiling that held the line back on either side, a percent or factor that
/// differs), and each step found on one side only that changed the amount. Steps are matched
/// by their kind, in order; a kind not named here is said with [`LineStep::text`].
pub fn line_causes(a: &[LineStep], b: &[LineStep]) -> Vec<LineCause> {
    let (fa, fb) = (flow(a), flow(b));
    let acted = |io: (Decimal, Decimal)| io.0 != io.1;
    let mut used = vec![false; b.len()];
    let mut out = Vec::new();
    for (i, sa) in a.iter().enumerate() {
        let j = (0..b.len()).find(|&j| {
            !used[j] && std::mem::discriminant(&b[j].kind) == std::mem::discriminant(&sa.kind)
        });
        let Some(j) = j else {
            if acted(fa[i]) {
                out.push(LineCause {
                    what: "step",
                    a: Some(sa.text()),
                    b: None,
                    text: format!("only under A: {}", sa.text()),
                });
            }
            continue;
        };
        used[j] = true;
        let sb = &b[j];
        let both = |what, text| LineCause {
            what,
            a: Some(sa.text()),
            b: Some(sb.text()),
            text,
        };
        let cause = match (&sa.kind, &sb.kind) {
            (StepKind::Sales, StepKind::Sales) => (sa.amount != sb.amount).then(|| {
                both(
                    "sales",
                    format!(
                        "annual sales {} -> {}",
                        fmt_money(sa.amount),
                        fmt_money(sb.amount)
                    ),
                )
            }),
            (
                StepKind::Percent {
                    percent: pa,
                    grade: ga,
                },
                StepKind::Percent {
                    percent: pb,
                    grade: gb,
                },
            ) => (pa != pb).then(|| {
                if ga == gb {
                    both(
                        "percent",
                        format!(
                            "grade {ga} gets {}% -> {}% of annual sales",
                            pa.normalize(),
                            pb.normalize()
                        ),
                    )
                } else {
                    both(
                        "grade",
                        format!(
                            "grade {ga} -> {gb}: {}% -> {}% of annual sales",
                            pa.normalize(),
                            pb.normalize()
                        ),
                    )
                }
            }),
            (StepKind::Factor(x), StepKind::Factor(y)) => (x != y).then(|| {
                both(
                    "factor",
                    format!("line factor {} -> {}", x.normalize(), y.normalize()),
                )
            }),
            (StepKind::Ceiling(x), StepKind::Ceiling(y)) => {
                let (held_a, held_b) = (acted(fa[i]), acted(fb[j]));
                (x != y && (held_a || held_b)).then(|| {
                    let held = match (held_a, held_b) {
                        (true, true) => "holds the line on both sides",
                        (true, false) => "holds the line under A",
                        _ => "holds the line under B",
                    };
                    both(
                        "ceiling",
                        format!(
                            "ceiling {}% -> {}% of annual sales ({held})",
                            x.normalize(),
                            y.normalize()
                        ),
                    )
                })
            }
            (StepKind::Rounded(x), StepKind::Rounded(y)) => (x != y).then(|| {
                both(
                    "rounding",
                    format!(
                        "rounded down to a multiple of {} -> {}",
                        x.normalize(),
                        y.normalize()
                    ),
                )
            }),
            // A kind of step not named above: it moved the line when it differs and acted on
            // either side, or acted on one side only.
            (x, y) => {
                let (on_a, on_b) = (acted(fa[i]), acted(fb[j]));
                ((x != y && (on_a || on_b)) || on_a != on_b)
                    .then(|| both("step", format!("{} -> {}", sa.text(), sb.text())))
            }
        };
        out.extend(cause);
    }
    for (j, sb) in b.iter().enumerate() {
        if !used[j] && acted(fb[j]) {
            out.push(LineCause {
                what: "step",
                a: None,
                b: Some(sb.text()),
                text: format!("only under B: {}", sb.text()),
            });
        }
    }
    out
}

/// Money and client counts of one side.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Held {
    pub clients: u64,
    pub exposure: String,
}

/// Totals of one group (`--by`) or one grade.
#[derive(Debug, Clone, Default)]
struct Tally {
    clients_a: u64,
    clients_b: u64,
    limit_a: Decimal,
    limit_b: Decimal,
    held_a: u64,
    held_b: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    pub value: String,
    pub clients: u64,
    pub limit_a: String,
    pub limit_b: String,
    pub delta: String,
    pub held_a: u64,
    pub held_b: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct GradeRow {
    pub grade: &'static str,
    pub clients_a: u64,
    pub clients_b: u64,
    pub limit_a: String,
    pub limit_b: String,
    pub delta: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub a: String,
    pub b: String,
    pub delta: String,
}

/// How many clients of each per-client list the report keeps: the largest moves listed on the
/// page, and the first ids of each list of action changes. The counts cover every client.
pub const LISTED: usize = 200;

/// The clients of one list of action changes: how many in all, and the first [`LISTED`] ids
/// in input order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IdList {
    pub count: u64,
    pub first: Vec<String>,
}

impl IdList {
    fn add(&mut self, id: &str) {
        self.count += 1;
        if self.first.len() < LISTED {
            self.first.push(id.to_string());
        }
    }

    /// How many clients the list has beyond the ids kept.
    pub fn more(&self) -> u64 {
        self.count - self.first.len() as u64
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ActionChanges {
    pub newly_held: IdList,
    pub released: IdList,
    pub newly_terminated: IdList,
    pub newly_watched: IdList,
    pub newly_collateral: IdList,
}

impl ActionChanges {
    /// The names of the lists, in the order of [`Changed::action_moves`].
    pub const NAMES: [&'static str; 5] = [
        "newly_held",
        "released",
        "newly_terminated",
        "newly_watched",
        "newly_collateral",
    ];

    fn lists_mut(&mut self) -> [&mut IdList; 5] {
        [
            &mut self.newly_held,
            &mut self.released,
            &mut self.newly_terminated,
            &mut self.newly_watched,
            &mut self.newly_collateral,
        ]
    }
}

/// Which lists of action changes a client with actions `a` under A and `b` under B is on, in
/// the order of [`ActionChanges::NAMES`].
fn moves<T: PartialEq + Copy>(a: &[T], b: &[T], of: impl Fn(Action) -> T) -> [bool; 5] {
    let newly = |act: Action| !a.contains(&of(act)) && b.contains(&of(act));
    [
        newly(Action::Hold),
        a.contains(&of(Action::Hold)) && !b.contains(&of(Action::Hold)),
        newly(Action::Terminate),
        newly(Action::Watch),
        newly(Action::RequireCollateral),
    ]
}

impl Changed {
    /// Which lists of action changes this client is on, in the order of
    /// [`ActionChanges::NAMES`]: newly held, released, newly terminated, newly on watch, newly
    /// asked for collateral.
    pub fn action_moves(&self) -> [bool; 5] {
        moves(&self.actions_a, &self.actions_b, Action::as_str)
    }
}

/// One changed client kept for a bounded list, with its place in the input.
#[derive(Debug, Clone)]
struct Kept {
    key: Decimal,
    seq: u64,
    changed: Changed,
}

/// Greater is more worth keeping: a larger key, then the smaller id (as the sorted lists
/// break ties), then the earlier client.
fn rank(key: Decimal, id: &str, seq: u64, other: &Kept) -> Ordering {
    key.cmp(&other.key)
        .then_with(|| other.changed.id.as_str().cmp(id))
        .then_with(|| other.seq.cmp(&seq))
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Kept {}

impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        rank(self.key, &self.changed.id, self.seq, other)
    }
}

/// The `cap` changed clients with the largest keys (ties: the smaller id), held in
/// a min-heap so that memory stays at `cap` clients whatever the portfolio.
#[derive(Debug, Clone)]
struct Largest {
    cap: usize,
    heap: BinaryHeap<Reverse<Kept>>,
}

impl Largest {
    fn new(cap: usize) -> Largest {
        Largest {
            cap,
            heap: BinaryHeap::with_capacity(cap + 1),
        }
    }

    /// Keeps `c` when it is among the largest so far; clones it only then.
    fn offer(&mut self, key: Decimal, seq: u64, c: &Changed) {
        if self.cap == 0 {
            return;
        }
        if self.heap.len() == self.cap {
            let Some(Reverse(least)) = self.heap.peek() else {
                return;
            };
            if rank(key, &c.id, seq, least) != Ordering::Greater {
                return;
            }
            self.heap.pop();
        }
        self.heap.push(Reverse(Kept {
            key,
            seq,
            changed: c.clone(),
        }));
    }

    /// The clients kept, in no particular order.
    fn into_kept(self) -> Vec<Kept> {
        self.heap.into_iter().map(|Reverse(k)| k).collect()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ByColumn {
    pub column: String,
    pub groups: Vec<GroupRow>,
}

/// The comparison report; `--format json` writes it as it is.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub a: SideInfo,
    pub b: SideInfo,
    /// Clients decided on both sides.
    pub clients: u64,
    /// Input rows rejected (once, not compared).
    pub rejected: u64,
    /// `migration[grade under A][grade under B]` = clients; every grade present, best first.
    pub migration: IndexMap<&'static str, IndexMap<&'static str, u64>>,
    pub limit_total: Totals,
    pub per_grade: Vec<GradeRow>,
    pub hold_a: Held,
    pub hold_b: Held,
    pub actions: ActionChanges,
    /// How many clients changed in all.
    pub changed_count: u64,
    /// The changed clients listed: every one when there are at most [`LISTED`], else the
    /// [`LISTED`] largest line moves (either way; ties: the earliest), in input order.
    pub changed: Vec<Changed>,
    /// The largest line increases and the largest cuts, up to [`LISTED`] each, in input order.
    #[serde(skip)]
    pub increases: Vec<Changed>,
    #[serde(skip)]
    pub cuts: Vec<Changed>,
    pub by: Option<ByColumn>,
}

impl Report {
    /// True when [`Report::changed`] lists only some of the changed clients.
    pub fn changed_cut(&self) -> bool {
        self.changed_count > self.changed.len() as u64
    }

    /// The clients with the largest line changes: up to `n` increases, then up to `n` cuts
    /// (`n` at most [`LISTED`]).
    pub fn largest_moves(&self, n: usize) -> (Vec<&Changed>, Vec<&Changed>) {
        let mut up: Vec<&Changed> = self.increases.iter().collect();
        let mut down: Vec<&Changed> = self.cuts.iter().collect();
        up.sort_by(|a, b| {
            b.delta_value
                .cmp(&a.delta_value)
                .then_with(|| a.id.cmp(&b.id))
        });
        down.sort_by(|a, b| {
            a.delta_value
                .cmp(&b.delta_value)
                .then_with(|| a.id.cmp(&b.id))
        });
        up.truncate(n);
        down.truncate(n);
        (up, down)
    }

    /// The migration matrix as counts, `[A's grade][B's grade]`, best grade first.
    pub fn matrix(&self) -> [[u64; 9]; 9] {
        let mut m = [[0; 9]; 9];
        for (i, ga) in Grade::ALL.iter().enumerate() {
            for (j, gb) in Grade::ALL.iter().enumerate() {
                m[i][j] = self.migration[ga.as_str()][gb.as_str()];
            }
        }
        m
    }
}

/// What the comparison needs of one client's two decisions, made where the decisions are
/// (a worker thread) so that gathering stays cheap.
#[derive(Debug, Clone)]
pub struct Pair {
    pub id: String,
    pub grade_a: Grade,
    pub grade_b: Grade,
    pub limit_a: Decimal,
    pub limit_b: Decimal,
    pub exposure: Decimal,
    pub actions_a: Vec<Action>,
    pub actions_b: Vec<Action>,
    /// The `--by` column's value, when asked for and present.
    pub group: Option<String>,
    /// Set when the grade, line or actions differ.
    pub changed: Option<Changed>,
}

impl Pair {
    pub fn new(client: &Client, a: &Decision, b: &Decision, by: Option<&str>) -> Pair {
        let changed =
            (a.grade != b.grade || a.limit != b.limit || a.actions != b.actions).then(|| {
                let delta = b.limit - a.limit;
                Changed {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    grade_a: a.grade.as_str(),
                    grade_b: b.grade.as_str(),
                    limit_a: fmt_money(a.limit),
                    limit_b: fmt_money(b.limit),
                    delta: fmt_money(delta),
                    actions_a: a.actions.iter().map(|x| x.as_str()).collect(),
                    actions_b: b.actions.iter().map(|x| x.as_str()).collect(),
                    reasons_a_only: reasons_only(a, b),
                    reasons_b_only: reasons_only(b, a),
                    line_why: if a.limit == b.limit {
                        Vec::new()
                    } else {
                        line_causes(&a.trace.line_steps, &b.trace.line_steps)
                    },
                    delta_value: delta,
                }
            });
        Pair {
            id: a.id.clone(),
            grade_a: a.grade,
            grade_b: b.grade,
            limit_a: a.limit,
            limit_b: b.limit,
            exposure: a.exposure,
            actions_a: a.actions.clone(),
            actions_b: b.actions.clone(),
            group: by.and_then(|column| column_value(client, column)),
            changed,
        }
    }

    fn has_a(&self, act: Action) -> bool {
        self.actions_a.contains(&act)
    }

    fn has_b(&self, act: Action) -> bool {
        self.actions_b.contains(&act)
    }
}

/// Gathers the comparison one client at a time.
pub struct Comparison {
    a: SideInfo,
    b: SideInfo,
    by: Option<String>,
    clients: u64,
    rejected: u64,
    migration: [[u64; 9]; 9],
    per_grade: [Tally; 9],
    groups: BTreeMap<String, Tally>,
    total_a: Decimal,
    total_b: Decimal,
    held_a: (u64, Decimal),
    held_b: (u64, Decimal),
    actions: ActionChanges,
    changed_count: u64,
    /// The changed clients for the page, by the size of their move.
    listed: Largest,
    increases: Largest,
    cuts: Largest,
    /// Whether any client had a value in the `--by` column.
    by_seen: bool,
}

/// The value of a client's column, for `--by` (of `compare` and `evaluate`): its text as read,
/// numbers in their shortest form; `None` when the cell is empty or the column is absent.
pub fn column_value(c: &Client, column: &str) -> Option<String> {
    match column {
        "id" => Some(c.id.clone()),
        "name" => c.name.clone(),
        "region" => c.region.clone(),
        "key_account" => c.key_account.map(|b| b.to_string()),
        "distress_confirmed" => c.distress_confirmed.map(|b| b.to_string()),
        "last_review" => c.last_review.map(|d| d.to_string()),
        "temporary_line_until" => c.temporary_line_until.map(|d| d.to_string()),
        "group" => c.group.clone(),
        other => match crate::client::Fact::by_name(other) {
            Some(f) => c.facts.get(f).map(|d| d.normalize().to_string()),
            None => c
                .extra
                .iter()
                .find(|(k, _)| k.as_ref() == other)
                .map(|(_, v)| match v {
                    Extra::Number(d) => d.normalize().to_string(),
                    Extra::Text(t) => t.clone(),
                }),
        },
    }
}

/// True when `column` is a column the engine knows, so an empty value is a value.
fn known_column(column: &str) -> bool {
    crate::client::TEXT_COLUMNS.contains(&column)
        || crate::client::Fact::by_name(column).is_some_and(crate::client::Fact::is_input)
}

/// An error when `column` is not a column the engine knows (nor one of `columns_seen`), with
/// the nearest name as a hint: for a `--by` column no client has a value in.
pub fn check_column(column: &str, columns_seen: &[String]) -> Result<(), String> {
    if known_column(column) || columns_seen.iter().any(|c| c == column) {
        return Ok(());
    }
    let names = crate::client::TEXT_COLUMNS
        .iter()
        .copied()
        .chain(
            crate::client::Fact::ALL
                .iter()
                .filter(|f| f.is_input())
                .map(|f| f.name()),
        )
        .chain(columns_seen.iter().map(String::as_str));
    let hint = crate::policy::source::did_you_mean(column, names)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    Err(format!(
        "no client has a column `{column}` to total by{hint}"
    ))
}

fn reasons_only(x: &Decision, y: &Decision) -> Vec<String> {
    x.reasons
        .iter()
        .filter(|r| {
            !y.reasons
                .iter()
                .any(|o| o.code == r.code && o.text == r.text)
        })
        .map(|r| format!("{}: {}", r.code, r.text))
        .collect()
}

impl Comparison {
    pub fn new(a: SideInfo, b: SideInfo, by: Option<String>) -> Comparison {
        Comparison {
            a,
            b,
            by,
            clients: 0,
            rejected: 0,
            migration: [[0; 9]; 9],
            per_grade: Default::default(),
            groups: BTreeMap::new(),
            total_a: Decimal::ZERO,
            total_b: Decimal::ZERO,
            held_a: (0, Decimal::ZERO),
            held_b: (0, Decimal::ZERO),
            actions: ActionChanges::default(),
            changed_count: 0,
            listed: Largest::new(LISTED),
            increases: Largest::new(LISTED),
            cuts: Largest::new(LISTED),
            by_seen: false,
        }
    }

    /// An error when `--by` names a column no client has and the engine does not know: most
    /// likely a misspelling, which would otherwise total everyone in one "(empty)" group.
    pub fn check_by(&self, columns_seen: &[String]) -> Result<(), String> {
        let Some(column) = &self.by else {
            return Ok(());
        };
        if self.by_seen || self.clients == 0 {
            return Ok(());
        }
        check_column(column, columns_seen)
    }

    pub fn reject(&mut self) {
        self.rejected += 1;
    }

    /// Adds one client decided under both sides; see [`Comparison::add_pair`].
    pub fn add(&mut self, client: &Client, a: &Decision, b: &Decision) -> Option<Changed> {
        let pair = Pair::new(client, a, b, self.by.as_deref());
        self.add_pair(pair)
    }

    /// Adds one client's pair of outcomes, made by [`Pair::new`] (on any thread), in input
    /// order. Hands the client back when it changed, for a writer of every changed client: the
    /// report keeps only the largest moves.
    pub fn add_pair(&mut self, p: Pair) -> Option<Changed> {
        let seq = self.clients;
        self.clients += 1;
        let (ra, rb) = (p.grade_a.rank(), p.grade_b.rank());
        self.migration[ra][rb] += 1;
        self.total_a += p.limit_a;
        self.total_b += p.limit_b;
        let (ha, hb) = (p.has_a(Action::Hold), p.has_b(Action::Hold));
        if ha {
            self.held_a.0 += 1;
            self.held_a.1 += p.exposure;
        }
        if hb {
            self.held_b.0 += 1;
            self.held_b.1 += p.exposure;
        }
        self.per_grade[ra].clients_a += 1;
        self.per_grade[ra].limit_a += p.limit_a;
        self.per_grade[rb].clients_b += 1;
        self.per_grade[rb].limit_b += p.limit_b;
        if self.by.is_some() {
            self.by_seen |= p.group.is_some();
            let g = self
                .groups
                .entry(p.group.clone().unwrap_or_else(|| "(empty)".into()))
                .or_default();
            g.clients_a += 1;
            g.clients_b += 1;
            g.limit_a += p.limit_a;
            g.limit_b += p.limit_b;
            g.held_a += u64::from(ha);
            g.held_b += u64::from(hb);
        }
        let moved = moves(&p.actions_a, &p.actions_b, |a| a);
        for (list, on) in self.actions.lists_mut().into_iter().zip(moved) {
            if on {
                list.add(&p.id);
            }
        }
        if let Some(c) = &p.changed {
            self.changed_count += 1;
            let d = c.delta_value;
            self.listed.offer(d.abs(), seq, c);
            if d > Decimal::ZERO {
                self.increases.offer(d, seq, c);
            } else if d < Decimal::ZERO {
                self.cuts.offer(-d, seq, c);
            }
        }
        p.changed
    }

    pub fn finish(self) -> Report {
        let migration = Grade::ALL
            .iter()
            .enumerate()
            .map(|(i, ga)| {
                let row = Grade::ALL
                    .iter()
                    .enumerate()
                    .map(|(j, gb)| (gb.as_str(), self.migration[i][j]))
                    .collect();
                (ga.as_str(), row)
            })
            .collect();
        let per_grade = Grade::ALL
            .iter()
            .zip(&self.per_grade)
            .map(|(g, t)| GradeRow {
                grade: g.as_str(),
                clients_a: t.clients_a,
                clients_b: t.clients_b,
                limit_a: fmt_money(t.limit_a),
                limit_b: fmt_money(t.limit_b),
                delta: fmt_money(t.limit_b - t.limit_a),
            })
            .collect();
        let by = self.by.map(|column| ByColumn {
            column,
            groups: self
                .groups
                .into_iter()
                .map(|(value, t)| GroupRow {
                    value,
                    clients: t.clients_a,
                    limit_a: fmt_money(t.limit_a),
                    limit_b: fmt_money(t.limit_b),
                    delta: fmt_money(t.limit_b - t.limit_a),
                    held_a: t.held_a,
                    held_b: t.held_b,
                })
                .collect(),
        });
        Report {
            a: self.a,
            b: self.b,
            clients: self.clients,
            rejected: self.rejected,
            migration,
            limit_total: Totals {
                a: fmt_money(self.total_a),
                b: fmt_money(self.total_b),
                delta: fmt_money(self.total_b - self.total_a),
            },
            per_grade,
            hold_a: Held {
                clients: self.held_a.0,
                exposure: fmt_money(self.held_a.1),
            },
            hold_b: Held {
                clients: self.held_b.0,
                exposure: fmt_money(self.held_b.1),
            },
            actions: self.actions,
            changed_count: self.changed_count,
            changed: in_input_order(self.listed),
            increases: in_input_order(self.increases),
            cuts: in_input_order(self.cuts),
            by,
        }
    }
}

/// The clients kept by `l`, in input order.
fn in_input_order(l: Largest) -> Vec<Changed> {
    let mut kept = l.into_kept();
    kept.sort_by_key(|k| k.seq);
    kept.into_iter().map(|k| k.changed).collect()
}

/// Champion/challenger: the client's stable bucket, 0 to 9999, from a SHA-256 of the salt and
/// the id. The same id and salt give the same bucket on every machine, month after month.
pub fn bucket(id: &str, salt: &str) -> u32 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update([0])
        .chain_update(id.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % 10_000) as u32
}

/// True when the challenger decides this client: its bucket falls in the first `percent` of
/// the 10,000 (so `percent` may have two decimals, e.g. 12.5).
pub fn takes_challenger(id: &str, salt: &str, percent: Decimal) -> bool {
    Decimal::from(bucket(id, salt)) < percent * Decimal::ONE_HUNDRED
}

#[cfg(test)]
mod tests {
    use crate::engine::{LineStep, StepKind};
    use crate::grade::Grade;

    fn steps(percent: i64, factors: &[Decimal], ceiling: i64) -> Vec<LineStep> {
        let sales = Decimal::from(1_000_000);
        let mut amount = sales * Decimal::from(percent) / Decimal::ONE_HUNDRED;
        let mut out = vec![
            LineStep {
                kind: StepKind::Sales,
                amount: sales,
            },
            LineStep {
                kind: StepKind::Percent {
                    percent: Decimal::from(percent),
                    grade: Grade::A,
                },
                amount,
            },
        ];
        for f in factors {
            amount *= f;
            out.push(LineStep {
                kind: StepKind::Factor(*f),
                amount,
            });
        }
        let cap = sales * Decimal::from(ceiling) / Decimal::ONE_HUNDRED;
        out.push(LineStep {
            kind: StepKind::Ceiling(Decimal::from(ceiling)),
            amount: cap,
        });
        out.push(LineStep {
            kind: StepKind::Rounded(Decimal::from(1000)),
            amount: amount.min(cap),
        });
        out
    }

    #[test]
    fn a_step_found_on_one_side_only_is_named_by_its_text() {
        let a = steps(10, &[Decimal::ONE], 15);
        let b = steps(10, &[Decimal::ONE, Decimal::new(5, 1)], 15);
        let why = super::line_causes(&a, &b);
        assert_eq!(why.len(), 1, "{why:?}");
        assert_eq!(
            (why[0].what, why[0].text.as_str()),
            ("step", "only under B: x factor 0.5")
        );
    }

    #[test]
    fn a_ceiling_that_holds_neither_side_back_is_not_a_cause() {
        let a = steps(10, &[Decimal::ONE], 15);
        let b = steps(5, &[Decimal::ONE], 20);
        let why = super::line_causes(&a, &b);
        assert_eq!(why.len(), 1, "{why:?}");
        assert_eq!(why[0].what, "percent");
        assert_eq!(why[0].text, "grade A gets 10% -> 5% of annual sales");
    }

    use super::*;

    fn changed(id: &str, delta: i64) -> Changed {
        Changed {
            id: id.into(),
            name: None,
            grade_a: "A",
            grade_b: "A",
            limit_a: String::new(),
            limit_b: String::new(),
            delta: String::new(),
            actions_a: Vec::new(),
            actions_b: Vec::new(),
            reasons_a_only: Vec::new(),
            reasons_b_only: Vec::new(),
            line_why: Vec::new(),
            delta_value: Decimal::from(delta),
        }
    }

    #[test]
    fn the_largest_keeps_the_biggest_keys_and_breaks_ties_by_the_smaller_id() {
        let mut l = Largest::new(3);
        for (seq, (id, key)) in [("e", 5), ("d", 1), ("c", 9), ("b", 5), ("a", 2), ("f", 5)]
            .into_iter()
            .enumerate()
        {
            l.offer(Decimal::from(key), seq as u64, &changed(id, key));
        }
        let ids: Vec<String> = in_input_order(l).into_iter().map(|c| c.id).collect();
        // 9, then the two smallest ids among the fives; in input order.
        assert_eq!(ids, ["e", "c", "b"]);
    }

    #[test]
    fn buckets_are_stable_and_spread() {
        // Pinned: a change here moves clients between champion and challenger.
        assert_eq!(
            bucket("D001", "credit-policy"),
            bucket("D001", "credit-policy")
        );
        assert_ne!(
            bucket("D001", "credit-policy"),
            bucket("D001", "another salt")
        );
        let n = 20_000;
        let taken = (0..n)
            .filter(|i| takes_challenger(&format!("C{i}"), "s", Decimal::from(10)))
            .count();
        assert!(
            (1_800..2_200).contains(&taken),
            "10% of {n} should be about 2000, got {taken}"
        );
        assert!(!takes_challenger("x", "s", Decimal::ZERO));
        assert!(takes_challenger("x", "s", Decimal::ONE_HUNDRED));
    }
}
