//! How hard the portfolio tests the band edges: how many measured values sit exactly on an edge
//! (`0.40`, `1.50`, ...), and how many clients an engine that derived the ratios itself in
//! binary floating point, from the figures to the cent, would score in a different band. The
//! peers are not asked to do that here (they get the ratios credit-policy derived, as JSON
//! numbers); this says what it would cost them.

use credit_policy::client::{Fact, Facts};
use credit_policy::policy::Band;
use rust_decimal::Decimal;

use crate::mirror::Measure;
use crate::portfolio::Case;

/// What [`survey`] found.
pub struct Survey {
    /// Clients with at least one fractional measured value (a ratio or share, not a count)
    /// exactly on a band edge.
    pub clients_on_edge: usize,
    /// Fractional measured values exactly on a band edge, over all clients.
    pub values_on_edge: usize,
    /// Clients whose ratios, derived in `f64`, fall in another band of at least one measure.
    pub float_misbanded: usize,
    /// Up to three of them: id, ratio, exact value, `f64` value.
    pub examples: Vec<(String, &'static str, Decimal, f64)>,
}

fn on_edge(bands: &[Band], v: Decimal) -> bool {
    bands.iter().any(|b| b.from == Some(v) || b.to == Some(v))
}

/// The band a value falls in, by comparing it in `f64` with each edge read from its decimal
/// text, as a floating-point engine does.
fn band_f64(bands: &[Band], v: f64) -> Option<usize> {
    let f = |d: Decimal| d.to_string().parse::<f64>().ok();
    bands.iter().position(|b| {
        b.from.and_then(f).is_none_or(|from| v >= from) && b.to.and_then(f).is_none_or(|to| v < to)
    })
}

/// A derived ratio as an `f64` engine would compute it from the inputs, each read as the
/// nearest `f64` to its decimal text; `None` where a part is unknown or the denominator zero.
fn ratio_f64(facts: &Facts, fact: Fact) -> Option<f64> {
    use Fact::*;
    let g = |f: Fact| facts.get(f).and_then(|d| d.to_string().parse::<f64>().ok());
    let (n, d) = match fact {
        DebtRatio => (g(TotalLiabilities)?, g(TotalAssets)?),
        CurrentRatio => (g(CurrentAssets)?, g(CurrentLiabilities)?),
        QuickRatio => (g(CurrentAssets)? - g(Inventory)?, g(CurrentLiabilities)?),
        TnwToSales => (
            g(TotalAssets)? - g(TotalLiabilities)? - g(IntangibleAssets)?,
            g(AnnualSales)?,
        ),
        SellThrough => (g(SellOut)?, g(SellIn)?),
        CollateralToSales => (g(CollateralValue)?, g(AnnualSales)?),
        _ => return None,
    };
    (d != 0.0).then(|| n / d)
}

pub fn survey(cases: &[Case], measures: &[Measure<'_>]) -> Survey {
    let mut s = Survey {
        clients_on_edge: 0,
        values_on_edge: 0,
        float_misbanded: 0,
        examples: Vec::new(),
    };
    for case in cases {
        let mut on = 0;
        let mut misbanded = None;
        for m in measures {
            let Some(v) = case.facts.get(m.fact) else {
                continue;
            };
            if !m.fact.is_whole() && on_edge(m.bands, v) {
                on += 1;
            }
            if let Some(f) = ratio_f64(&case.facts, m.fact) {
                let exact = m.bands.iter().position(|b| b.contains(v));
                if misbanded.is_none() && band_f64(m.bands, f) != exact {
                    misbanded = Some((m.fact.name(), v, f));
                }
            }
        }
        if on > 0 {
            s.clients_on_edge += 1;
            s.values_on_edge += on;
        }
        if let Some((name, v, f)) = misbanded {
            s.float_misbanded += 1;
            if s.examples.len() < 3 {
                s.examples.push((case.client.id.clone(), name, v, f));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_ratio_on_an_edge_can_fall_below_it_in_f64() {
        let d = |s: &str| Some(s.parse::<Decimal>().expect("a decimal"));
        let mut f = Facts::default();
        // Client C00000149 of the generated 100,000: (1832360.40 - 366472.08) / 1221573.60 is
        // exactly 1.2, the edge of the top quick-ratio band; in f64 it is 1.1999999999999997.
        f.set(Fact::CurrentAssets, d("1832360.40"));
        f.set(Fact::Inventory, d("366472.08"));
        f.set(Fact::CurrentLiabilities, d("1221573.60"));
        let q = ratio_f64(&f, Fact::QuickRatio).expect("known");
        assert!(q < 1.2, "binary floating point falls below the edge: {q}");
    }
}
