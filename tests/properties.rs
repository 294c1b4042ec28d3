//! Properties the standard policy must keep for any valid client, checked on random clients:
//! better facts never grade worse, a recession or a weak balance sheet of our own never raises
//! a line, lines stay under their ceilings in whole thousands, and a hold is exactly an
//! exposure over the line or a termination. And `explain` never promises what the engine
//! does not do: every what-if it offers, made to the client, gives the grade it says.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use credit_policy::client::{Client, Fact};
use credit_policy::context::{Company, Context};
use credit_policy::engine::explain::{explain, whatif::MAX_DECISIONS};
use credit_policy::engine::{Action, Decision, Evaluator};
use credit_policy::grade::Grade;
use credit_policy::policy::Policy;
use jiff::ToSpan;
use jiff::civil::Date;
use proptest::prelude::*;
use rust_decimal::Decimal;

const AS_OF: Date = Date::constant(2026, 6, 30);

fn standard() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        Policy::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/policies/standard"
        )))
        .unwrap()
    })
}

fn context(economy: &str, company: Option<Company>) -> Context {
    Context {
        as_of: AS_OF,
        economy: economy.into(),
        company,
    }
}

thread_local! {
    /// One evaluator per economy without company figures: compiling the scripts for every case
    /// would be most of the run time.
    static EVALUATORS: RefCell<HashMap<&'static str, Evaluator<'static>>> = RefCell::default();
}

/// Decides a client in an economy, without company figures.
fn decide(economy: &'static str, client: &Client) -> Decision {
    EVALUATORS.with(|cell| {
        let mut map = cell.borrow_mut();
        let ev = map
            .entry(economy)
            .or_insert_with(|| Evaluator::new(standard(), &context(economy, None)).unwrap());
        ev.decide(client).unwrap()
    })
}

fn decide_in(ctx: &Context, client: &Client) -> Decision {
    Evaluator::new(standard(), ctx)
        .unwrap()
        .decide(client)
        .unwrap()
}

// ---- strategies -----------------------------------------------------------------------------

/// Money from whole cents: small, ordinary and very large amounts (up to 10^15 with cents).
fn money() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        Just(Decimal::ZERO),
        (0..=1_000_000i64).prop_map(|c| Decimal::new(c, 2)),
        (0..=1_000_000_000_000i64).prop_map(|c| Decimal::new(c, 2)),
        (0..=100_000_000_000_000_000i64).prop_map(|c| Decimal::new(c, 2)),
    ]
}

/// A share from 0 to 1 in thousandths, so band edges such as 0.95 come up.
fn fraction() -> impl Strategy<Value = Decimal> {
    (0..=1000i64).prop_map(|n| Decimal::new(n, 3))
}

fn count(max: i64) -> impl Strategy<Value = Decimal> {
    (0..=max).prop_map(Decimal::from)
}

fn years() -> impl Strategy<Value = Decimal> {
    (0..=400i64).prop_map(|n| Decimal::new(n, 1))
}

fn rating() -> impl Strategy<Value = Decimal> {
    (1..=5i64).prop_map(Decimal::from)
}

fn growth() -> impl Strategy<Value = Decimal> {
    (-1000..=1000i64).prop_map(|n| Decimal::new(n, 3))
}

/// Mostly known, sometimes empty.
fn opt<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::weighted(0.85, s)
}

const MONEY_FACTS: [Fact; 12] = [
    Fact::ReceivableBalance,
    Fact::OpenOrders,
    Fact::TotalAssets,
    Fact::TotalLiabilities,
    Fact::CurrentAssets,
    Fact::CurrentLiabilities,
    Fact::Inventory,
    Fact::IntangibleAssets,
    Fact::CollateralValue,
    Fact::SellIn,
    Fact::SellOut,
    Fact::CrossRegionSales,
];

/// A client whose every field would pass the input checks.
fn client() -> impl Strategy<Value = Client> {
    let amounts = proptest::collection::vec(opt(money()), MONEY_FACTS.len());
    let behaviour = (
        opt(fraction()), // on_time_ratio
        opt(count(200)), // max_days_late
        opt(count(8)),   // broken_promises
        opt(years()),    // years_trading
        opt(fraction()), // high_risk_share
        opt(rating()),   // management_score
        opt(growth()),   // sales_growth
    );
    let flags = (
        opt(0..=800i64), // days since the last review
        opt(any::<bool>()),
        opt(proptest::bool::weighted(0.1)),
    );
    (money(), amounts, behaviour, flags).prop_map(
        |(sales, amounts, (on_time, late, broken, years, risk, mgmt, growth), flags)| {
            let mut c = Client::new("P1", sales);
            for (f, v) in MONEY_FACTS.iter().zip(amounts) {
                c.facts.set(*f, v);
            }
            c.facts.set(Fact::OnTimeRatio, on_time);
            c.facts.set(Fact::MaxDaysLate, late);
            c.facts.set(Fact::BrokenPromises, broken);
            c.facts.set(Fact::YearsTrading, years);
            c.facts.set(Fact::HighRiskShare, risk);
            c.facts.set(Fact::ManagementScore, mgmt);
            c.facts.set(Fact::SalesGrowth, growth);
            let (review, key, distress) = flags;
            c.last_review = review.map(|days| AS_OF.checked_sub(days.days()).unwrap());
            c.key_account = key;
            c.distress_confirmed = distress;
            c
        },
    )
}

/// A fact and the direction in which it is better for the client.
#[derive(Debug, Clone, Copy)]
enum Better {
    Up(Fact),
    Down(Fact),
}

const BETTER: [Better; 10] = [
    Better::Up(Fact::OnTimeRatio),
    Better::Down(Fact::BrokenPromises),
    Better::Down(Fact::MaxDaysLate),
    Better::Up(Fact::YearsTrading),
    Better::Up(Fact::ManagementScore),
    Better::Down(Fact::HighRiskShare),
    Better::Down(Fact::TotalLiabilities),
    Better::Up(Fact::CurrentAssets),
    Better::Up(Fact::CollateralValue),
    Better::Up(Fact::SalesGrowth),
];

/// Two values the fact can take.
fn values_of(fact: Fact) -> BoxedStrategy<(Decimal, Decimal)> {
    match fact {
        Fact::OnTimeRatio | Fact::HighRiskShare => (fraction(), fraction()).boxed(),
        Fact::BrokenPromises => (count(8), count(8)).boxed(),
        Fact::MaxDaysLate => (count(200), count(200)).boxed(),
        Fact::YearsTrading => (years(), years()).boxed(),
        Fact::ManagementScore => (rating(), rating()).boxed(),
        Fact::SalesGrowth => (growth(), growth()).boxed(),
        _ => (money(), money()).boxed(),
    }
}

/// A client, and the same client with one fact moved in its good direction.
fn worse_and_better() -> impl Strategy<Value = (Client, Client)> {
    (client(), 0..BETTER.len())
        .prop_flat_map(|(c, i)| {
            let fact = match BETTER[i] {
                Better::Up(f) | Better::Down(f) => f,
            };
            (Just(c), Just(BETTER[i]), values_of(fact))
        })
        .prop_map(|(c, better, (a, b))| {
            let (fact, worse_v, better_v) = match better {
                Better::Up(f) => (f, a.min(b), a.max(b)),
                Better::Down(f) => (f, a.max(b), a.min(b)),
            };
            let mut worse = c.clone();
            worse.facts.set(fact, Some(worse_v));
            let mut improved = c;
            improved.facts.set(fact, Some(better_v));
            (worse, improved)
        })
}

/// Our own balance sheet with debt, below at least one of the floors (1.75 and 1.0).
fn weak_company() -> impl Strategy<Value = Company> {
    (
        1..=10_000_000_000i64, // debt in cents
        0..=3000i64,           // assets / debt, thousandths
        0..=2000i64,           // (cash + receivables) / debt, thousandths
        0..=100i64,            // the cash share of that, percent
    )
        .prop_filter("below a floor", |(_, a, l, _)| *a < 1750 || *l < 1000)
        .prop_map(|(debt, a, l, cash_pct)| {
            let debt = Decimal::new(debt, 2);
            let liquid = debt * Decimal::new(l, 3);
            let cash = liquid * Decimal::new(cash_pct, 2);
            Company {
                total_assets: debt * Decimal::new(a, 3),
                total_debt: debt,
                cash,
                receivables: liquid - cash,
            }
        })
}

// ---- properties -----------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn better_facts_never_grade_worse((worse, better) in worse_and_better()) {
        let w = decide("normal", &worse);
        let b = decide("normal", &better);
        prop_assert!(
            b.grade <= w.grade,
            "better facts graded {} (score {}), worse ones {} (score {})",
            b.grade, b.score, w.grade, w.score
        );
        prop_assert!(b.score >= w.score, "score {} < {}", b.score, w.score);
        prop_assert!(b.limit >= w.limit, "line {} < {}", b.limit, w.limit);
    }

    #[test]
    fn a_recession_never_raises_a_grade_or_a_line(c in client()) {
        let normal = decide("normal", &c);
        let recession = decide("recession", &c);
        prop_assert!(recession.grade >= normal.grade, "{} -> {}", normal.grade, recession.grade);
        prop_assert!(recession.limit <= normal.limit, "{} -> {}", normal.limit, recession.limit);
    }

    #[test]
    fn a_weak_company_never_raises_a_line(
        c in client(),
        company in weak_company(),
        recession in any::<bool>(),
    ) {
        let economy = if recession { "recession" } else { "normal" };
        let ctx = context(economy, Some(company));
        let ev = Evaluator::new(standard(), &ctx).unwrap();
        prop_assert_eq!(ev.health().healthy, Some(false));
        let weak = decide_in(&ctx, &c);
        let alone = decide(economy, &c);
        prop_assert!(weak.limit <= alone.limit, "{} -> {}", alone.limit, weak.limit);
        prop_assert!(weak.grade >= alone.grade);
    }

    #[test]
    fn lines_stay_under_their_ceiling_in_whole_thousands(
        c in client(),
        recession in any::<bool>(),
    ) {
        let dec = decide(if recession { "recession" } else { "normal" }, &c);
        let sales = c.facts.get(Fact::AnnualSales).unwrap();
        let pct = if dec.grade == Grade::AAA { 20 } else { 15 };
        prop_assert!(dec.limit >= Decimal::ZERO);
        prop_assert!(dec.limit <= sales * Decimal::from(pct) / Decimal::ONE_HUNDRED,
            "{} line {} on sales {}", dec.grade, dec.limit, sales);
        prop_assert!((dec.limit % Decimal::from(1000)).is_zero(), "{}", dec.limit);
        prop_assert_eq!(dec.payment_days, if dec.limit.is_zero() { 0 } else { 60 });
        if dec.grade >= Grade::BB {
            prop_assert_eq!(dec.limit, Decimal::ZERO);
        }
    }

    #[test]
    fn a_hold_is_exactly_an_exposure_over_the_line_or_a_termination(c in client()) {
        let dec = decide("normal", &c);
        let terminate = dec.has(Action::Terminate);
        prop_assert_eq!(terminate, c.distress_confirmed == Some(true));
        let exposure = c.facts.get(Fact::ReceivableBalance).unwrap_or_default()
            + c.facts.get(Fact::OpenOrders).unwrap_or_default();
        prop_assert_eq!(dec.exposure, exposure);
        prop_assert_eq!(dec.has(Action::Hold), exposure > dec.limit || terminate);
        prop_assert_eq!(dec.available, dec.limit - dec.exposure);
        prop_assert!(dec.reasons.is_sorted_by_key(|r| r.priority));
        prop_assert_eq!(dec.reasons.last().map(|r| r.code.as_str()), Some("score"));
    }
}

proptest! {
    // Each case decides the client up to a few hundred times.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_what_if_explain_offers_gives_the_grade_it_promises(c in client()) {
        EVALUATORS.with(|cell| {
            let mut map = cell.borrow_mut();
            let ev = map
                .entry("normal")
                .or_insert_with(|| Evaluator::new(standard(), &context("normal", None)).unwrap());
            let x = explain(ev, &c).unwrap();
            let now = ev.decide(&c).unwrap();
            let Some(next) = x.next_grade else {
                prop_assert_eq!(now.grade, Grade::AAA);
                return Ok(());
            };
            prop_assert!(next.decisions <= MAX_DECISIONS, "{} decisions", next.decisions);
            prop_assert!(next.pairs.is_empty() || next.changes.is_empty());
            for w in next.changes.iter().chain(&next.pairs) {
                let again = ev.decide(&w.apply(&c)).unwrap();
                prop_assert_eq!(again.grade, w.gives, "{:?}", w);
                prop_assert!(w.gives < now.grade, "{} is not better than {}", w.gives, now.grade);
                prop_assert_eq!(again.limit, w.limit);
                for ch in &w.changes {
                    prop_assert_eq!(ch.input_from, c.facts.get(ch.input));
                    let (lo, hi) = ch.input.range();
                    prop_assert!(lo.is_none_or(|l| ch.input_to >= l), "{:?}", ch);
                    prop_assert!(hi.is_none_or(|h| ch.input_to <= h), "{:?}", ch);
                }
            }
            Ok(())
        })?;
    }
}
