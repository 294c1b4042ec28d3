//! Every number the engine knows about a client: the numeric input columns and the ratios
//! derived from them. Band tables and scripts refer to these by name.

use jiff::civil::Date;
use rust_decimal::Decimal;

/// How an input column is checked when it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Money, `>= 0`.
    Money,
    /// A share, from 0 to 1.
    Fraction,
    /// Whole number `>= 0`.
    Count,
    /// Whole number from 1 to 5.
    Rating,
    /// Decimal `>= 0`.
    NonNegative,
    /// Any decimal, negative allowed.
    Signed,
    /// Computed by the engine, never read.
    Derived,
}

macro_rules! facts {
    ($( $variant:ident = $name:literal, $kind:ident, $doc:literal; )*) => {
        /// A number about a client, read from its row or derived from other numbers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Fact { $( #[doc = $doc] $variant, )* }

        impl Fact {
            /// Every fact, inputs first, in the order of this table.
            pub const ALL: &'static [Fact] = &[$(Fact::$variant,)*];
            /// How many facts there are.
            pub const COUNT: usize = Fact::ALL.len();

            /// The column or variable name, e.g. `debt_ratio`.
            pub fn name(self) -> &'static str {
                match self { $(Fact::$variant => $name,)* }
            }

            /// How the value is checked when read, or `Derived`.
            pub fn kind(self) -> Kind {
                match self { $(Fact::$variant => Kind::$kind,)* }
            }

            /// One line on what the number means.
            pub fn doc(self) -> &'static str {
                match self { $(Fact::$variant => $doc,)* }
            }
        }
    };
}

facts! {
    AnnualSales = "annual_sales", Money, "our sales to the client over the last 12 months";
    ReceivableBalance = "receivable_balance", Money, "what the client owes us now";
    OpenOrders = "open_orders", Money, "ordered but not yet invoiced";
    OnTimeRatio = "on_time_ratio", Fraction, "share of invoices paid by the due date, last 12 months";
    MaxDaysLate = "max_days_late", Count, "worst payment delay in days, last 12 months";
    BrokenPromises = "broken_promises", Count, "payment promises or contract terms broken, last 12 months";
    YearsTrading = "years_trading", NonNegative, "years as our client";
    TotalAssets = "total_assets", Money, "its total assets";
    TotalLiabilities = "total_liabilities", Money, "its total liabilities";
    CurrentAssets = "current_assets", Money, "its current assets";
    CurrentLiabilities = "current_liabilities", Money, "its current liabilities";
    Inventory = "inventory", Money, "its inventory";
    IntangibleAssets = "intangible_assets", Money, "its intangible assets";
    HighRiskShare = "high_risk_share", Fraction, "share of its assets put into new high-risk projects";
    ManagementScore = "management_score", Rating, "analyst's rating of its management, 1 to 5";
    SalesGrowth = "sales_growth", Signed, "year-on-year growth of its sales, e.g. -0.12";
    CollateralValue = "collateral_value", Money, "appraised value of what it has pledged";
    SellIn = "sell_in", Money, "what it bought from us over the period";
    SellOut = "sell_out", Money, "what it sold on to end customers over the period";
    CrossRegionSales = "cross_region_sales", Money, "its sales found outside its territory";
    InventoryGrowth = "inventory_growth", Signed, "year-on-year growth of its inventory, e.g. 0.35";
    ReceivableGrowth = "receivable_growth", Signed, "year-on-year growth of what it owes us, e.g. 0.25";
    Deposit = "deposit", Money, "cash deposit we hold from the client (保证金)";
    Guarantee = "guarantee", Money, "bank guarantee or standby letter of credit in our favour";
    InsuredLimit = "insured_limit", Money, "what a credit insurer covers on this client";
    RequestedLine = "requested_line", Money, "the line the client asked for; the line is never more";
    TemporaryLine = "temporary_line", Money, "a seasonal increase on top of the line, until temporary_line_until";
    Overdue1To30 = "overdue_1_30", Money, "money past due by 1 to 30 days";
    Overdue31To60 = "overdue_31_60", Money, "money past due by 31 to 60 days";
    Overdue61To90 = "overdue_61_90", Money, "money past due by 61 to 90 days";
    OverdueOver90 = "overdue_over_90", Money, "money past due by more than 90 days";
    OurStock = "our_stock", Money, "our goods in the client's stock, at cost";
    Exposure = "exposure", Derived, "receivable_balance + open_orders (unknown when receivable_balance is)";
    OverdueOver30 = "overdue_over_30", Derived, "overdue_31_60 + overdue_61_90 + overdue_over_90 (unknown when none is given)";
    SecuredCover = "secured_cover", Derived, "deposit, guarantee, insured_limit and collateral_value at the policy's [security] percents";
    DebtRatio = "debt_ratio", Derived, "total_liabilities / total_assets";
    CurrentRatio = "current_ratio", Derived, "current_assets / current_liabilities";
    QuickRatio = "quick_ratio", Derived, "(current_assets - inventory) / current_liabilities";
    NetWorth = "net_worth", Derived, "total_assets - total_liabilities (negative when insolvent)";
    TangibleNetWorth = "tangible_net_worth", Derived, "total_assets - total_liabilities - intangible_assets";
    TnwToSales = "tnw_to_sales", Derived, "tangible_net_worth / annual_sales";
    SellThrough = "sell_through", Derived, "sell_out / sell_in";
    CrossRegionShare = "cross_region_share", Derived, "cross_region_sales / sell_out";
    CollateralToSales = "collateral_to_sales", Derived, "collateral_value / annual_sales";
    CollateralCoverage = "collateral_coverage", Derived, "collateral_value / exposure";
    DaysSinceReview = "days_since_review", Derived, "days from last_review to the as-of date";
}

impl Fact {
    /// The fact with this name, if any.
    pub fn by_name(name: &str) -> Option<Fact> {
        Fact::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The values this fact can take, as `(lowest, highest)`; `None` is open. Used to warn about
    /// bands and rules no client can reach.
    pub fn range(self) -> (Option<Decimal>, Option<Decimal>) {
        use Fact::*;
        let zero = Some(Decimal::ZERO);
        match self {
            NetWorth | TangibleNetWorth | TnwToSales | SalesGrowth | DaysSinceReview => {
                (None, None)
            }
            _ => match self.kind() {
                Kind::Fraction => (zero, Some(Decimal::ONE)),
                Kind::Rating => (Some(Decimal::ONE), Some(Decimal::from(5))),
                Kind::Signed => (None, None),
                _ => (zero, None),
            },
        }
    }

    /// True when the fact only takes whole numbers.
    pub fn is_whole(self) -> bool {
        matches!(self.kind(), Kind::Count | Kind::Rating) || self == Fact::DaysSinceReview
    }

    /// True for facts read from an input column, false for derived ones.
    pub fn is_input(self) -> bool {
        self.kind() != Kind::Derived
    }
}

/// The value of a ratio whose denominator is zero while its numerator is not: one billion, far
/// beyond any band edge, so the ratio scores as the limit it tends to (no current liabilities
/// scores as the best current ratio; liabilities with no assets as the worst debt ratio).
pub const UNBOUNDED: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// The numbers of one client, indexed by [`Fact`]. `None` means unknown (an empty cell, or a
/// ratio with an unknown part, or zero over zero).
#[derive(Debug, Clone, PartialEq)]
pub struct Facts(pub [Option<Decimal>; Fact::COUNT]);

impl Default for Facts {
    fn default() -> Self {
        Facts([None; Fact::COUNT])
    }
}

impl Facts {
    pub fn get(&self, fact: Fact) -> Option<Decimal> {
        self.0[fact as usize]
    }

    pub fn set(&mut self, fact: Fact, value: Option<Decimal>) {
        self.0[fact as usize] = value;
    }

    /// Fills in every derived fact from the inputs. A ratio with an unknown part, or zero over
    /// zero, stays unknown, so a band table scores it with its `missing` points. A non-zero
    /// balance-sheet amount over zero is [`UNBOUNDED`] (negative when the amount is): no
    /// current liabilities at all is the best liquidity there is. A ratio over a zero flow
    /// (annual sales, sell-in, sell-out) stays unknown: no sales says nothing good about a
    /// client, and must never land in the best band by accident ([`Facts::zero_denominators`]
    /// names them for the decision's reasons).
    ///
    /// The exposure is unknown when the receivable balance or the open orders are (an empty
    /// cell is not zero; a policy that says otherwise fills the cell in first).
    pub fn derive(&mut self, last_review: Option<Date>, as_of: Date) {
        use Fact::*;
        let g = |f: Fact| self.get(f);
        let ratio = |n: Option<Decimal>, d: Option<Decimal>| match (n, d) {
            (Some(n), Some(d)) if !d.is_zero() => n.checked_div(d),
            // Nothing over nothing says nothing; something over nothing is as large as a
            // ratio gets (no current liabilities at all is the best liquidity there is).
            (Some(n), Some(_)) if n.is_zero() => None,
            (Some(n), Some(_)) if n.is_sign_negative() => Some(-UNBOUNDED),
            (Some(_), Some(_)) => Some(UNBOUNDED),
            _ => None,
        };
        let flow_ratio = |n: Option<Decimal>, d: Option<Decimal>| match d {
            Some(d) if d.is_zero() => None,
            _ => ratio(n, d),
        };
        let sub = |a: Option<Decimal>, b: Option<Decimal>| a?.checked_sub(b?);

        let exposure = g(ReceivableBalance).and_then(|r| r.checked_add(g(OpenOrders)?));
        let net_worth = sub(g(TotalAssets), g(TotalLiabilities));
        let tnw = sub(net_worth, g(IntangibleAssets));
        let quick = sub(g(CurrentAssets), g(Inventory));
        let days = last_review.map(|d| i64::from((as_of - d).get_days()));
        let aged = [g(Overdue31To60), g(Overdue61To90), g(OverdueOver90)];
        let over_30 = if aged.iter().all(Option::is_none) {
            None
        } else {
            aged.iter().try_fold(Decimal::ZERO, |sum, v| {
                sum.checked_add(v.unwrap_or_default())
            })
        };

        let derived = [
            (Exposure, exposure),
            (OverdueOver30, over_30),
            (DebtRatio, ratio(g(TotalLiabilities), g(TotalAssets))),
            (CurrentRatio, ratio(g(CurrentAssets), g(CurrentLiabilities))),
            (QuickRatio, ratio(quick, g(CurrentLiabilities))),
            (NetWorth, net_worth),
            (TangibleNetWorth, tnw),
            (TnwToSales, flow_ratio(tnw, g(AnnualSales))),
            (SellThrough, flow_ratio(g(SellOut), g(SellIn))),
            (
                CrossRegionShare,
                flow_ratio(g(CrossRegionSales), g(SellOut)),
            ),
            (
                CollateralToSales,
                flow_ratio(g(CollateralValue), g(AnnualSales)),
            ),
            (CollateralCoverage, ratio(g(CollateralValue), exposure)),
            (DaysSinceReview, days.map(Decimal::from)),
        ];
        for (fact, value) in derived {
            self.set(fact, value);
        }
    }

    /// The ratios left unknown, or made unbounded, because their denominator is zero: each
    /// ratio with the input that is zero. For the decision's reasons.
    pub fn zero_denominators(&self) -> Vec<(Fact, Fact)> {
        use Fact::*;
        [
            (DebtRatio, TotalAssets, TotalLiabilities),
            (CurrentRatio, CurrentLiabilities, CurrentAssets),
            (QuickRatio, CurrentLiabilities, CurrentAssets),
            (TnwToSales, AnnualSales, TangibleNetWorth),
            (SellThrough, SellIn, SellOut),
            (CrossRegionShare, SellOut, CrossRegionSales),
            (CollateralToSales, AnnualSales, CollateralValue),
        ]
        .into_iter()
        .filter(|(_, d, n)| {
            self.get(*d).is_some_and(|d| d.is_zero()) && self.get(*n).is_some_and(|n| !n.is_zero())
        })
        .map(|(r, d, _)| (r, d))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn ratios_are_exact_and_unbounded_when_only_the_denominator_is_zero() {
        let mut f = Facts::default();
        f.set(Fact::TotalAssets, Some(d("1000.00")));
        f.set(Fact::TotalLiabilities, Some(d("400.00")));
        f.set(Fact::CurrentAssets, Some(d("300")));
        f.set(Fact::CurrentLiabilities, Some(d("0")));
        f.set(Fact::ReceivableBalance, Some(d("10.50")));
        f.set(Fact::OpenOrders, Some(d("0")));
        let as_of = Date::constant(2026, 6, 30);
        f.derive(Some(Date::constant(2026, 6, 1)), as_of);
        assert_eq!(f.get(Fact::DebtRatio), Some(d("0.4")));
        assert_eq!(f.get(Fact::CurrentRatio), Some(UNBOUNDED));
        assert_eq!(f.get(Fact::Exposure), Some(d("10.50")));
        assert_eq!(f.get(Fact::NetWorth), Some(d("600.00")));
        assert_eq!(f.get(Fact::TangibleNetWorth), None, "intangibles unknown");
        assert_eq!(f.get(Fact::DaysSinceReview), Some(d("29")));
    }

    #[test]
    fn names_are_unique_and_found_again() {
        for f in Fact::ALL {
            assert_eq!(Fact::by_name(f.name()), Some(*f));
        }
    }
}
