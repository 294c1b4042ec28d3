//! Backtesting policies on known outcomes: each policy (or scenario) decides the clients as
//! they stood at a past as-of date (the snapshot, decided by [`crate::run`] like every other
//! command), and what happened to them afterwards ([`outcomes`]) says how right it was.
//!
//! For each side the report gives clients, bad rate, loss and lines by grade, with a check that
//! the bad rate rises as the grade falls; the power of the score (and of the final grade) to
//! separate good from bad ([`measures`]: AUC, Gini, KS with intervals, the ROC curve); credit
//! granted to clients that went bad against credit refused to clients that stayed good, in
//! money; and the cut-off table (for each lowest grade that would get a line: approved share,
//! bad rate, loss, business turned away). Given an earlier snapshot, it adds the population
//! stability index of the score, the grade and each of the five criterion scores.
//!
//! Money (losses, lines, sales) stays [`Decimal`] to the cent; shares and bad rates are exact
//! decimals rounded to 6 places; the statistics (AUC, KS, PSI and their intervals) are `f64`,
//! as they are not money. Only clients decided under every side and with an outcome are
//! measured; the others are counted and listed, never guessed.

pub mod measures;
pub mod outcomes;

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::engine::Decision;
use crate::grade::Grade;
use crate::money::fmt_money;
use crate::policy::{CRITERIA, Identity};

use measures::Scored;
pub use outcomes::{Outcome, OutcomeFile, OutcomeReject, OutcomeWarning, OutcomesError};

/// How many ids a list of clients (without an outcome, unknown) keeps; the count covers all.
pub const LISTED: usize = 200;
/// The seed of the KS bootstrap: the same interval on every run.
pub const KS_SEED: u64 = 14;
/// How many points of each ROC curve the report keeps (enough to draw it).
pub const ROC_POINTS: usize = 201;
/// A grade with fewer clients than this has a bad rate too uncertain to judge the order of
/// the grades by.
pub const FEW: u64 = 30;

/// What a backtest keeps of one decision: the decision's own score, grade and line, never
/// derived again.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub id: String,
    pub score: Decimal,
    pub scores: [Decimal; 5],
    pub grade: Grade,
    pub limit: Decimal,
}

impl Judged {
    pub fn of(d: &Decision) -> Judged {
        Judged {
            id: d.id.clone(),
            score: d.score,
            scores: d.scores,
            grade: d.grade,
            limit: d.limit,
        }
    }

    /// The policy gives the client a line: its decision's line is above zero (zero under
    /// `terminate`, and for the grades without a line).
    pub fn granted(&self) -> bool {
        self.limit > Decimal::ZERO
    }
}

/// One side as the report names it.
#[derive(Debug, Clone, Serialize)]
pub struct SideInfo {
    /// How the report names the side: the policy's name, with the economy of a scenario.
    pub label: String,
    pub policy: Identity,
    pub as_of: String,
    pub economy: String,
}

/// A side and every client it decided in the snapshot (and in the baseline, when given).
#[derive(Debug, Clone)]
pub struct SideRun {
    pub info: SideInfo,
    pub snapshot: Vec<Judged>,
    pub baseline: Option<Vec<Judged>>,
}

/// Why a backtest cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error(
        "no client of `{snapshot}` has an outcome in `{outcomes}` ({decided} clients decided, {rows} outcome rows): ids of the snapshot look like {snapshot_ids}, ids of the outcomes like {outcome_ids}; both files must name clients by the same id"
    )]
    NoOverlap {
        snapshot: String,
        outcomes: String,
        decided: usize,
        rows: usize,
        snapshot_ids: String,
        outcome_ids: String,
    },
    #[error("no policy to backtest")]
    NoSide,
}

/// A list of ids, bounded: how many in all, and the first [`LISTED`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ids {
    pub count: u64,
    pub first: Vec<String>,
}

impl Ids {
    fn add(&mut self, id: &str) {
        self.count += 1;
        if self.first.len() < LISTED {
            self.first.push(id.to_string());
        }
    }
}

/// An outcome for a client the snapshot does not have.
#[derive(Debug, Clone, Serialize)]
pub struct Unknown {
    pub line: u64,
    pub id: String,
}

/// Who was measured, and who was not and why.
#[derive(Debug, Clone, Serialize)]
pub struct Population {
    /// Clients of the snapshot decided under every side.
    pub decided: u64,
    /// Snapshot rows rejected (by any side): listed on standard error, not measured.
    pub rejected_rows: u64,
    /// Rows of the outcomes file, and how many were rejected (listed).
    pub outcome_rows: u64,
    pub outcome_rejected: u64,
    /// Clients decided and with an outcome: the ones measured.
    pub measured: u64,
    pub bad: u64,
    pub good: u64,
    pub bad_rate: Option<Decimal>,
    /// Money lost and sold over the period, on the clients measured.
    pub loss: String,
    pub sales: String,
    /// Clients decided without an outcome: not measured, never taken as good.
    pub without_outcome: Ids,
    /// Outcomes whose id is not a client of the snapshot (nor a rejected row of it), every
    /// one with its line in the outcomes file.
    pub unknown: Vec<Unknown>,
}

/// One grade of one side.
#[derive(Debug, Clone, Serialize)]
pub struct GradeRow {
    pub grade: &'static str,
    pub clients: u64,
    pub bad: u64,
    /// `bad / clients`; `None` for an empty grade.
    pub bad_rate: Option<Decimal>,
    /// Lines given to the grade's clients, and to those of them that went bad.
    pub lines: String,
    pub lines_to_bad: String,
    /// Money lost on the grade's clients over the period.
    pub loss: String,
    /// Fewer than [`FEW`] clients: the bad rate is uncertain.
    pub few: bool,
}

/// The power of one ranking (the score, or the final grade) to separate good from bad; see
/// [`measures`]. Absent when no client went bad, or none stayed good.
#[derive(Debug, Clone, Serialize)]
pub struct Power {
    pub auc: f64,
    /// 95 %, DeLong.
    pub auc_ci: (f64, f64),
    pub auc_std_error: f64,
    pub gini: f64,
    pub gini_ci: (f64, f64),
    pub ks: f64,
    /// 95 %, stratified bootstrap percentile interval ([`measures::BOOTSTRAP_RESAMPLES`]
    /// resamples, seed [`KS_SEED`]).
    pub ks_ci: (f64, f64),
    /// Where the KS gap is widest: clients at or below this score (or grade) predicted bad.
    pub ks_at: String,
}

/// Credit granted to clients that went bad against credit refused to clients that stayed good.
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    /// Clients given a line (a line above zero).
    pub approved: u64,
    pub approved_share: Option<Decimal>,
    pub approved_bad: u64,
    pub approved_bad_rate: Option<Decimal>,
    /// Lines given to clients that went bad: the loss exposure.
    pub lines_to_bad: String,
    /// Money lost on the clients given a line.
    pub loss_on_approved: String,
    /// Bad clients refused a line, and the money lost on the clients refused: what refusing
    /// them would have spared.
    pub refused_bad: u64,
    pub loss_avoided: String,
    /// Good clients refused a line, and what was sold to them in the period: the business
    /// turned away.
    pub refused_good: u64,
    pub turned_away_sales: String,
}

/// The trade-off of one cut-off: only the grades down to `lowest_grade` get a line.
#[derive(Debug, Clone, Serialize)]
pub struct Cutoff {
    pub lowest_grade: &'static str,
    pub approved: u64,
    pub approved_share: Option<Decimal>,
    pub bad_rate: Option<Decimal>,
    /// Money lost on the clients approved.
    pub loss: String,
    /// What was sold to the good clients refused.
    pub turned_away_sales: String,
}

/// The PSI of one measure from the baseline snapshot to the snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Psi {
    pub measure: String,
    pub psi: Option<f64>,
    pub verdict: Option<&'static str>,
    /// Each bin: its label and the clients of each snapshot in it.
    pub bins: Vec<(String, u64, u64)>,
}

/// Everything measured for one side.
#[derive(Debug, Clone, Serialize)]
pub struct SideReport {
    #[serde(flatten)]
    pub info: SideInfo,
    pub grades: Vec<GradeRow>,
    /// Where the bad rate does not rise as the grade falls, in words; empty when it does.
    pub order_breaks: Vec<String>,
    pub score: Option<Power>,
    pub grade_power: Option<Power>,
    pub approval: Approval,
    pub cutoffs: Vec<Cutoff>,
    /// The ROC curve of the score as `(false positive rate, true positive rate)`, at most
    /// [`ROC_POINTS`] points.
    pub roc: Vec<(f64, f64)>,
    /// The PSI of the score, the grade and each criterion score, when a baseline is given.
    pub stability: Vec<Psi>,
}

/// The backtest report; `--format json` writes it as it is.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub snapshot: String,
    pub outcomes: String,
    pub baseline: Option<String>,
    pub population: Population,
    pub sides: Vec<SideReport>,
}

/// `n / of` to 6 decimals; `None` when `of` is zero.
pub fn share(n: u64, of: u64) -> Option<Decimal> {
    (of > 0).then(|| (Decimal::from(n) / Decimal::from(of)).round_dp(6))
}

/// A few ids of `ids` in backticks, to show what they look like.
fn sample_ids<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = ids.take(3).map(|i| format!("`{i}`")).collect();
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(", ")
    }
}

fn f64_of(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// The measures of one ranking; `at` names a threshold of it for people.
fn power(sample: &[Scored], at: impl Fn(f64) -> String) -> Option<Power> {
    let a = measures::auc(sample)?;
    let k = measures::ks(sample)?;
    let ks_ci = measures::ks_ci(sample, KS_SEED)?;
    Some(Power {
        auc: a.auc,
        auc_ci: a.ci(),
        auc_std_error: a.std_error,
        gini: a.gini(),
        gini_ci: a.gini_ci(),
        ks: k.ks,
        ks_ci,
        ks_at: at(k.threshold),
    })
}

/// The PSI of `measure` from `baseline` to `snapshot` values, binned by the deciles of the
/// baseline.
fn psi_of(measure: &str, baseline: &[f64], snapshot: &[f64]) -> Psi {
    let edges = measures::decile_edges(baseline);
    let (e, a) = (
        measures::bin_counts(baseline, &edges),
        measures::bin_counts(snapshot, &edges),
    );
    let label = |i: usize| match (i.checked_sub(1).map(|j| edges[j]), edges.get(i)) {
        (None, Some(hi)) => format!("<= {hi}"),
        (Some(lo), Some(hi)) => format!("{lo} < x <= {hi}"),
        (Some(lo), None) => format!("> {lo}"),
        (None, None) => "all".to_string(),
    };
    let psi = measures::psi(&e, &a);
    Psi {
        measure: measure.to_string(),
        psi,
        verdict: psi.map(measures::psi_verdict),
        bins: (0..e.len()).map(|i| (label(i), e[i], a[i])).collect(),
    }
}

/// The PSI of the grade mix, one bin per grade.
fn grade_psi(baseline: &[Judged], snapshot: &[Judged]) -> Psi {
    let count = |v: &[Judged]| {
        let mut c = [0u64; 9];
        for j in v {
            c[j.grade.rank()] += 1;
        }
        c
    };
    let (e, a) = (count(baseline), count(snapshot));
    let psi = measures::psi(&e, &a);
    Psi {
        measure: "grade".into(),
        psi,
        verdict: psi.map(measures::psi_verdict),
        bins: Grade::ALL
            .iter()
            .map(|g| (g.as_str().to_string(), e[g.rank()], a[g.rank()]))
            .collect(),
    }
}

fn stability(baseline: &[Judged], snapshot: &[Judged]) -> Vec<Psi> {
    let values = |v: &[Judged], f: &dyn Fn(&Judged) -> Decimal| -> Vec<f64> {
        v.iter().map(|j| f64_of(f(j))).collect()
    };
    let mut out = vec![
        psi_of(
            "score",
            &values(baseline, &|j| j.score),
            &values(snapshot, &|j| j.score),
        ),
        grade_psi(baseline, snapshot),
    ];
    for (i, name) in CRITERIA.iter().enumerate() {
        out.push(psi_of(
            name,
            &values(baseline, &|j| j.scores[i]),
            &values(snapshot, &|j| j.scores[i]),
        ));
    }
    out
}

fn pct(d: Option<Decimal>) -> String {
    d.map_or("-".into(), |d| {
        format!("{}%", (d * Decimal::ONE_HUNDRED).round_dp(1).normalize())
    })
}

/// Where the bad rate does not rise as the grade falls: each grade with clients whose bad
/// rate is below that of a better grade with clients just above it.
fn order_breaks(rows: &[GradeRow]) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<&GradeRow> = None;
    for r in rows.iter().filter(|r| r.clients > 0) {
        if let Some(p) = prev
            && r.bad_rate < p.bad_rate
        {
            let few = if r.few || p.few {
                format!(" (fewer than {FEW} clients: may be chance)")
            } else {
                String::new()
            };
            out.push(format!(
                "{} has a lower bad rate ({}, {} of {}) than the better grade {} ({}, {} of {}){few}",
                r.grade,
                pct(r.bad_rate),
                r.bad,
                r.clients,
                p.grade,
                pct(p.bad_rate),
                p.bad,
                p.clients
            ));
        }
        prev = Some(r);
    }
    out
}

fn side_report(run: &SideRun, measured: &[(&Judged, &Outcome)]) -> SideReport {
    #[derive(Default, Clone)]
    struct Tally {
        clients: u64,
        bad: u64,
        lines: Decimal,
        lines_to_bad: Decimal,
        loss: Decimal,
        good_sales: Decimal,
    }
    let mut by_grade = vec![Tally::default(); 9];
    let mut approval = (0u64, 0u64, Decimal::ZERO, Decimal::ZERO); // approved, bad, lines to bad, loss
    let mut refused = (0u64, Decimal::ZERO, 0u64, Decimal::ZERO); // bad, loss, good, sales
    for (j, o) in measured {
        let t = &mut by_grade[j.grade.rank()];
        t.clients += 1;
        t.lines += j.limit;
        t.loss += o.loss;
        if o.bad {
            t.bad += 1;
            t.lines_to_bad += j.limit;
        } else {
            t.good_sales += o.sales;
        }
        if j.granted() {
            approval.0 += 1;
            approval.3 += o.loss;
            if o.bad {
                approval.1 += 1;
                approval.2 += j.limit;
            }
        } else {
            refused.1 += o.loss;
            if o.bad {
                refused.0 += 1;
            } else {
                refused.2 += 1;
                refused.3 += o.sales;
            }
        }
    }
    let n = measured.len() as u64;
    let grades: Vec<GradeRow> = Grade::ALL
        .iter()
        .zip(&by_grade)
        .map(|(g, t)| GradeRow {
            grade: g.as_str(),
            clients: t.clients,
            bad: t.bad,
            bad_rate: share(t.bad, t.clients),
            lines: fmt_money(t.lines),
            lines_to_bad: fmt_money(t.lines_to_bad),
            loss: fmt_money(t.loss),
            few: t.clients > 0 && t.clients < FEW,
        })
        .collect();
    // Cut-offs: the grades down to g approved, those below refused.
    let mut cutoffs = Vec::new();
    let (mut clients, mut bad, mut loss) = (0u64, 0u64, Decimal::ZERO);
    let total_good_sales: Decimal = by_grade.iter().map(|t| t.good_sales).sum();
    let mut good_sales_approved = Decimal::ZERO;
    for (g, t) in Grade::ALL.iter().zip(&by_grade) {
        clients += t.clients;
        bad += t.bad;
        loss += t.loss;
        good_sales_approved += t.good_sales;
        cutoffs.push(Cutoff {
            lowest_grade: g.as_str(),
            approved: clients,
            approved_share: share(clients, n),
            bad_rate: share(bad, clients),
            loss: fmt_money(loss),
            turned_away_sales: fmt_money(total_good_sales - good_sales_approved),
        });
    }
    let by_score: Vec<Scored> = measured
        .iter()
        .map(|(j, o)| Scored {
            score: f64_of(j.score),
            bad: o.bad,
        })
        .collect();
    // The final grade as a ranking: a better grade is a higher "score".
    let by_grade_rank: Vec<Scored> = measured
        .iter()
        .map(|(j, o)| Scored {
            score: -(j.grade.rank() as f64),
            bad: o.bad,
        })
        .collect();
    let roc = measures::thinned(&measures::roc(&by_score), ROC_POINTS)
        .into_iter()
        .map(|p| (p.fpr, p.tpr))
        .collect();
    let stability = match &run.baseline {
        Some(b) => stability(b, &run.snapshot),
        None => Vec::new(),
    };
    SideReport {
        info: run.info.clone(),
        order_breaks: order_breaks(&grades),
        grades,
        score: power(&by_score, |t| format!("{t}")),
        grade_power: power(&by_grade_rank, |t| {
            Grade::from_rank((-t).round() as i64).as_str().to_string()
        }),
        approval: Approval {
            approved: approval.0,
            approved_share: share(approval.0, n),
            approved_bad: approval.1,
            approved_bad_rate: share(approval.1, approval.0),
            lines_to_bad: fmt_money(approval.2),
            loss_on_approved: fmt_money(approval.3),
            refused_bad: refused.0,
            loss_avoided: fmt_money(refused.1),
            refused_good: refused.2,
            turned_away_sales: fmt_money(refused.3),
        },
        cutoffs,
        roc,
        stability,
    }
}

/// The backtest of `sides` on `outcomes`. `snapshot` and `outcomes_name` name the files;
/// `rejected` are the snapshot rows rejected by any side (their ids, when read), which are not
/// counted as unknown when the outcomes name them.
pub fn backtest(
    snapshot: &str,
    outcomes_name: &str,
    baseline: Option<&str>,
    sides: &[SideRun],
    outcomes: &OutcomeFile,
    rejected: &[(u64, Option<String>)],
) -> Result<Report, BacktestError> {
    let first = sides.first().ok_or(BacktestError::NoSide)?;
    // The clients decided under every side, in input order.
    let everywhere: Vec<HashSet<&str>> = sides[1..]
        .iter()
        .map(|s| s.snapshot.iter().map(|j| j.id.as_str()).collect())
        .collect();
    let decided: Vec<&str> = first
        .snapshot
        .iter()
        .map(|j| j.id.as_str())
        .filter(|id| everywhere.iter().all(|s| s.contains(id)))
        .collect();
    let decided_set: HashSet<&str> = decided.iter().copied().collect();
    let rejected_ids: HashSet<&str> = rejected.iter().filter_map(|(_, i)| i.as_deref()).collect();
    let mut without = Ids::default();
    let (mut bad, mut good, mut loss, mut sales) = (0u64, 0u64, Decimal::ZERO, Decimal::ZERO);
    for id in &decided {
        match outcomes.by_id.get(*id) {
            Some(o) => {
                if o.bad {
                    bad += 1;
                } else {
                    good += 1;
                }
                loss += o.loss;
                sales += o.sales;
            }
            None => without.add(id),
        }
    }
    let unknown: Vec<Unknown> = outcomes
        .order
        .iter()
        .filter(|id| !decided_set.contains(id.as_str()) && !rejected_ids.contains(id.as_str()))
        .map(|id| Unknown {
            line: outcomes.by_id.get(id).map_or(0, |o| o.line),
            id: id.clone(),
        })
        .collect();
    let measured_n = bad + good;
    if measured_n == 0 && !decided.is_empty() && !outcomes.by_id.is_empty() {
        return Err(BacktestError::NoOverlap {
            snapshot: snapshot.to_string(),
            outcomes: outcomes_name.to_string(),
            decided: decided.len(),
            rows: outcomes.by_id.len(),
            snapshot_ids: sample_ids(decided.iter().copied()),
            outcome_ids: sample_ids(outcomes.order.iter().map(String::as_str)),
        });
    }
    let reports = sides
        .iter()
        .map(|s| {
            let by_id: HashMap<&str, &Judged> =
                s.snapshot.iter().map(|j| (j.id.as_str(), j)).collect();
            let measured: Vec<(&Judged, &Outcome)> = decided
                .iter()
                .filter_map(|id| Some((*by_id.get(id)?, outcomes.by_id.get(*id)?)))
                .collect();
            side_report(s, &measured)
        })
        .collect();
    Ok(Report {
        snapshot: snapshot.to_string(),
        outcomes: outcomes_name.to_string(),
        baseline: baseline.map(str::to_string),
        population: Population {
            decided: decided.len() as u64,
            rejected_rows: rejected.len() as u64,
            outcome_rows: outcomes.rows,
            outcome_rejected: outcomes.rejects.len() as u64,
            measured: measured_n,
            bad,
            good,
            bad_rate: share(bad, measured_n),
            loss: fmt_money(loss),
            sales: fmt_money(sales),
            without_outcome: without,
            unknown,
        },
        sides: reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(id: &str, score: i64, grade: Grade, limit: i64) -> Judged {
        Judged {
            id: id.into(),
            score: Decimal::from(score),
            scores: [Decimal::from(score); 5],
            grade,
            limit: Decimal::from(limit),
        }
    }

    fn outcome(bad: bool, loss: i64, sales: i64) -> Outcome {
        Outcome {
            line: 0,
            bad,
            loss: Decimal::from(loss),
            sales: Decimal::from(sales),
            max_days_past_due: None,
        }
    }

    fn side(snapshot: Vec<Judged>) -> SideRun {
        SideRun {
            info: SideInfo {
                label: "s".into(),
                policy: Identity {
                    name: "s".into(),
                    version: "1".into(),
                    hash: "h".into(),
                },
                as_of: "2025-06-30".into(),
                economy: "normal".into(),
            },
            snapshot,
            baseline: None,
        }
    }

    fn file(rows: &[(&str, Outcome)]) -> OutcomeFile {
        OutcomeFile {
            by_id: rows
                .iter()
                .map(|(i, o)| (i.to_string(), o.clone()))
                .collect(),
            order: rows.iter().map(|(i, _)| i.to_string()).collect(),
            rows: rows.len() as u64,
            ..OutcomeFile::default()
        }
    }

    #[test]
    fn money_by_grade_approval_and_cutoffs() {
        let s = side(vec![
            judged("a", 90, Grade::AA, 1000),
            judged("b", 80, Grade::A, 500),
            judged("c", 70, Grade::A, 400),
            judged("d", 40, Grade::BB, 0),
            judged("e", 30, Grade::BB, 0),
            judged("x", 50, Grade::BBB, 100),
        ]);
        let o = file(&[
            ("a", outcome(false, 0, 10_000)),
            ("b", outcome(true, 300, 2_000)),
            ("c", outcome(false, 0, 4_000)),
            ("d", outcome(false, 0, 7_000)),
            ("e", outcome(true, 900, 1_000)),
            ("zz", outcome(true, 1, 1)),
        ]);
        let r = backtest("s.csv", "o.csv", None, &[s], &o, &[]).unwrap();
        let p = &r.population;
        assert_eq!((p.decided, p.measured, p.bad, p.good), (6, 5, 2, 3));
        assert_eq!(p.without_outcome.first, ["x"]);
        assert_eq!(p.unknown.len(), 1);
        assert_eq!(p.unknown[0].id, "zz");
        let side = &r.sides[0];
        let a = &side.approval;
        assert_eq!((a.approved, a.approved_bad), (3, 1));
        assert_eq!(a.lines_to_bad, "500.00");
        assert_eq!(a.loss_on_approved, "300.00");
        assert_eq!((a.refused_bad, a.loss_avoided.as_str()), (1, "900.00"));
        assert_eq!(
            (a.refused_good, a.turned_away_sales.as_str()),
            (1, "7000.00")
        );
        let grade_a = &side.grades[Grade::A.rank()];
        assert_eq!((grade_a.clients, grade_a.bad), (2, 1));
        assert_eq!(grade_a.bad_rate, Some(Decimal::new(5, 1)));
        // BB (1 of 2) is not worse than A (1 of 2): no break; cut at A: 3 approved.
        let cut_a = &side.cutoffs[Grade::A.rank()];
        assert_eq!(cut_a.approved, 3);
        assert_eq!(cut_a.turned_away_sales, "7000.00");
        let cut_c = side.cutoffs.last().unwrap();
        assert_eq!((cut_c.approved, cut_c.loss.as_str()), (5, "1200.00"));
        assert_eq!(cut_c.turned_away_sales, "0.00");
        // Goods 90, 70, 40; bads 80, 30: pairs won 2 + 1 + 1 = 4 of 6.
        let score = side.score.as_ref().unwrap();
        assert!((score.auc - 4.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn a_grade_with_fewer_bads_than_a_better_one_is_named() {
        let mut clients = Vec::new();
        let mut rows = Vec::new();
        for i in 0..40 {
            let id = format!("a{i}");
            clients.push(judged(&id, 90, Grade::A, 10));
            rows.push((id, outcome(i < 8, 0, 1)));
            let id = format!("b{i}");
            clients.push(judged(&id, 50, Grade::BBB, 10));
            rows.push((id, outcome(i < 2, 0, 1)));
        }
        let rows: Vec<(&str, Outcome)> =
            rows.iter().map(|(i, o)| (i.as_str(), o.clone())).collect();
        let r = backtest("s", "o", None, &[side(clients)], &file(&rows), &[]).unwrap();
        let breaks = &r.sides[0].order_breaks;
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert!(
            breaks[0].starts_with(
                "BBB has a lower bad rate (5%, 2 of 40) than the better grade A (20%, 8 of 40)"
            ),
            "{}",
            breaks[0]
        );
    }

    #[test]
    fn no_shared_id_is_an_error_that_shows_both_kinds_of_id() {
        let s = side(vec![judged("C001", 1, Grade::A, 1)]);
        let o = file(&[("D-1", outcome(false, 0, 0))]);
        let e = backtest("s.csv", "o.csv", None, &[s], &o, &[]).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("`C001`") && m.contains("`D-1`"), "{m}");
    }

    #[test]
    fn psi_on_the_grade_mix_and_the_score() {
        let base: Vec<Judged> = (0..100)
            .map(|i| judged(&i.to_string(), i, Grade::A, 1))
            .collect();
        let now: Vec<Judged> = (0..100)
            .map(|i| {
                judged(
                    &i.to_string(),
                    i / 2,
                    if i < 50 { Grade::A } else { Grade::B },
                    1,
                )
            })
            .collect();
        let st = stability(&base, &now);
        assert_eq!(st[0].measure, "score");
        assert_eq!(st[0].bins.len(), 10);
        assert!(st[0].psi.unwrap() > 0.25, "{:?}", st[0]);
        assert_eq!(st[1].measure, "grade");
        let same = stability(&base, &base);
        assert_eq!(same[0].psi, Some(0.0));
    }
}
