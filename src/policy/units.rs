//! Unit slips: numbers a finance user writes in the wrong unit, which load without error and
//! decide every client wrongly. A percent written as a fraction (`limits.AAA = 0.20`: 0.2 % of
//! annual sales, not 20 %), a share written as a percent (`min_sell_through = 60`: no
//! sell-through is ever that high, so every client is on watch), band points written as
//! fractions. Each is a warning with the number that was likely meant; `check --strict` makes
//! them errors. These helpers only judge numbers; [`super::compile`] and [`super::lint`] say
//! where.

use rust_decimal::Decimal;

use crate::client::facts::{Fact, Kind};

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// How a number of a fact is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A share from 0 to 1: `0.6` is 60 %.
    Share,
    /// A year-on-year growth as a decimal: `0.35` is +35 %.
    Growth,
}

impl Unit {
    /// The unit a fact is written in, for the facts a threshold above 1 (a share) or far above
    /// 1 (a growth) cannot sensibly be compared with. Ratios that may well exceed 1 (the debt
    /// ratio of an insolvent client, collateral over sales) are not here.
    pub fn of(fact: Fact) -> Option<Unit> {
        match fact {
            Fact::SellThrough | Fact::CrossRegionShare => Some(Unit::Share),
            Fact::SalesGrowth | Fact::InventoryGrowth | Fact::ReceivableGrowth => {
                Some(Unit::Growth)
            }
            f if f.kind() == Kind::Fraction => Some(Unit::Share),
            _ => None,
        }
    }

    /// A threshold of this unit that is likely a percent: above 1 for a share, above 2 (a
    /// growth of 200 %) either way for a growth.
    pub fn looks_like_percent(self, v: Decimal) -> bool {
        match self {
            Unit::Share => v > Decimal::ONE,
            Unit::Growth => v.abs() > Decimal::TWO,
        }
    }

    /// `a share (0.6 is 60 %)`, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Unit::Share => "a share from 0 to 1 (0.6 is 60 %)",
            Unit::Growth => "a growth written as a decimal (0.35 is +35 %)",
        }
    }
}

/// The fraction a percent-looking number stands for (`60` -> `0.6`), when it is at most 100.
pub fn as_fraction(v: Decimal) -> Option<Decimal> {
    (v.abs() <= HUNDRED).then(|| (v / HUNDRED).normalize())
}

/// The percent a fraction-looking number stands for (`0.2` -> `20`): for a number above 0 and
/// below 1, where a percent is expected.
pub fn as_percent(v: Decimal) -> Option<Decimal> {
    (v > Decimal::ZERO && v < Decimal::ONE).then(|| (v * HUNDRED).normalize())
}

/// `did you mean 30, 25, 25, 10, 10?` for weights written as fractions that add up to 1.
pub fn fractions_help(
    values: impl Iterator<Item = Decimal> + Clone,
    total: Decimal,
) -> Option<String> {
    let all_fractions = values
        .clone()
        .all(|v| v >= Decimal::ZERO && v <= Decimal::ONE);
    (total == Decimal::ONE && all_fractions).then(|| {
        let meant: Vec<String> = values
            .map(|v| (v * HUNDRED).normalize().to_string())
            .collect();
        format!(
            "weights are percent, not fractions: did you mean {}?",
            meant.join(", ")
        )
    })
}

/// A list of numbers as they would read in a "did you mean".
pub fn list(values: &[Decimal]) -> String {
    values
        .iter()
        .map(|v| v.normalize().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn percents_and_fractions_are_told_apart() {
        assert_eq!(as_percent(d("0.20")), Some(d("20")));
        assert_eq!(as_percent(d("0")), None);
        assert_eq!(as_percent(d("1")), None);
        assert_eq!(as_fraction(d("60")), Some(d("0.6")));
        assert_eq!(as_fraction(d("250")), None);
        assert!(Unit::Share.looks_like_percent(d("60")));
        assert!(!Unit::Share.looks_like_percent(d("1")));
        assert!(!Unit::Growth.looks_like_percent(d("1.5")));
        assert!(Unit::Growth.looks_like_percent(d("-20")));
        assert_eq!(Unit::of(Fact::OnTimeRatio), Some(Unit::Share));
        assert_eq!(Unit::of(Fact::DebtRatio), None);
    }

    #[test]
    fn fraction_weights_get_their_percents() {
        let w = [d("0.3"), d("0.25"), d("0.25"), d("0.1"), d("0.1")];
        assert_eq!(
            fractions_help(w.iter().copied(), d("1")).as_deref(),
            Some("weights are percent, not fractions: did you mean 30, 25, 25, 10, 10?")
        );
        assert_eq!(fractions_help(w.iter().copied(), d("0.95")), None);
    }
}
