//! Properties the standard policy must keep for any valid client, checked on random clients:
//! better facts never grade worse, a recession or a weak balance sheet of our own never raises
//! a line, unsecured lines stay under their ceilings in whole thousands, every hold says why,
//! and an order goes out on credit only when the client's decision allows credit and the
//! amount fits the headroom of the client and of its group. And `explain` never promises what
//! the engine does not do: every what-if it offers, made to the client, gives the grade it says.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use credit_policy::client::{Client, Fact};
use credit_policy::context::{Company, Context};
use credit_policy::control::order::{self, BatchLine, Order};
use credit_policy::control::{Decide, Portfolio};
use credit_policy::engine::explain::{explain, whatif::MAX_DECISIONS};
use credit_policy::engine::group::{GroupTotals, Member};
use credit_policy::engine::{Action, Decision, EvalError, Evaluator};
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

/// Decisions made beforehand, handed to the order check as every command hands them.
struct Decided<'a>(&'a HashMap<String, Decision>);

impl Decide<'static> for Decided<'_> {
    fn policy(&self) -> &'static Policy {
        standard()
    }

    fn decide(&mut self, client: &Client) -> Result<Decision, EvalError> {
        Ok(self.0[&client.id].clone())
    }
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

const MONEY_FACTS: [Fact; 18] = [
    Fact::Deposit,
    Fact::Guarantee,
    Fact::InsuredLimit,
    Fact::RequestedLine,
    Fact::Overdue31To60,
    Fact::OverdueOver90,
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
        let unsecured = dec.unsecured_line;
        prop_assert!(unsecured >= Decimal::ZERO);
        prop_assert!(unsecured <= sales * Decimal::from(pct) / Decimal::ONE_HUNDRED,
            "{} line {} on sales {}", dec.grade, unsecured, sales);
        prop_assert!((unsecured % Decimal::from(1000)).is_zero(), "{}", unsecured);
        prop_assert_eq!(dec.payment_days, if dec.limit.is_zero() { 0 } else { 60 });
        if dec.grade >= Grade::BB || dec.has(Action::RequireCollateral) || sales.is_zero() {
            prop_assert_eq!(unsecured, Decimal::ZERO);
        }
        // The line is the unsecured line plus the cover, never more than the client asked.
        let full = unsecured + dec.secured_cover;
        match c.facts.get(Fact::RequestedLine) {
            Some(asked) if !dec.has(Action::Terminate) => {
                prop_assert_eq!(dec.limit, full.min(asked));
            }
            _ if dec.has(Action::Terminate) => prop_assert_eq!(dec.limit, Decimal::ZERO),
            _ => prop_assert_eq!(dec.limit, full),
        }
    }

    #[test]
    fn every_hold_says_why_and_unknown_or_over_is_always_held(c in client()) {
        let dec = decide("normal", &c);
        let terminate = dec.has(Action::Terminate);
        prop_assert_eq!(terminate, c.distress_confirmed == Some(true));
        let known = match (
            c.facts.get(Fact::ReceivableBalance),
            c.facts.get(Fact::OpenOrders),
        ) {
            (Some(r), Some(o)) => Some(r + o),
            _ => None,
        };
        prop_assert_eq!(dec.exposure_known, known.is_some());
        prop_assert_eq!(dec.exposure, known.unwrap_or_default());
        // Unknown is not zero: an empty cell holds; so does any exposure over the line.
        if known.is_none_or(|e| e > dec.limit) || terminate {
            prop_assert!(dec.has(Action::Hold), "{:?}", dec.reasons);
        }
        // Every hold names its reason, and every reason asking for a hold is obeyed.
        prop_assert_eq!(
            dec.has(Action::Hold),
            dec.reasons.iter().any(|r| r.action == Some(Action::Hold))
        );
        prop_assert_eq!(dec.available, dec.limit - dec.exposure);
        prop_assert!(dec.reasons.is_sorted_by_key(|r| r.priority));
        prop_assert_eq!(dec.reasons.last().map(|r| r.code.as_str()), Some("score"));
    }

    #[test]
    fn an_order_goes_out_on_credit_only_within_an_allowed_decision_and_every_headroom(
        members in proptest::collection::vec((client(), any::<bool>()), 1..5),
        orders in proptest::collection::vec((0..5usize, money()), 1..8),
    ) {
        // Up to four clients, some in group G, decided as every command decides them: once,
        // then checked against the group line formed from all of them.
        let clients: Vec<Client> = members
            .into_iter()
            .enumerate()
            .map(|(i, (mut c, grouped))| {
                c.id = format!("C{i}");
                c.group = grouped.then(|| "G".to_string());
                c
            })
            .collect();
        let policy = standard();
        let mut ev = Evaluator::new(policy, &context("normal", None)).unwrap();
        let mut totals = GroupTotals::default();
        for c in &clients {
            let d = ev.decide(c).unwrap();
            if let Some(g) = &c.group {
                totals.add(g, Member::of(c, &d));
            }
        }
        let lines = totals.lines(policy.groups.as_ref().unwrap(), policy.line.rounding_unit);
        let mut decided = HashMap::new();
        for c in &clients {
            let mut d = ev.decide(c).unwrap();
            lines.apply(&mut d, c.group.as_deref());
            decided.insert(c.id.clone(), d);
        }
        let batch: Vec<_> = orders
            .iter()
            .enumerate()
            .map(|(i, (who, amount))| {
                Ok(Order {
                    line: i as u64 + 2,
                    order_id: None,
                    client: format!("C{}", who % clients.len()),
                    amount: amount.max(&Decimal::new(1, 2)).to_owned(),
                })
            })
            .collect();
        let portfolio = Portfolio::from_clients(clients.clone());
        let mut book = Decided(&decided);
        let checked = order::check_batch(&mut book, &portfolio, batch);

        let mut taken: HashMap<String, Decimal> = HashMap::new();
        let mut group_taken = Decimal::ZERO;
        for line in &checked {
            let BatchLine::Checked { check, .. } = line else {
                return Err(TestCaseError::fail(format!("rejected: {line:?}")));
            };
            if !check.outcome.takes_credit() {
                continue;
            }
            let d = &decided[&check.client];
            prop_assert!(d.allows_credit(), "released for {:?}", d.actions);
            prop_assert!(d.exposure_known);
            let used = taken.entry(check.client.clone()).or_default();
            *used += check.order;
            // The standard policy allows nothing over the line.
            prop_assert!(d.exposure + *used <= d.limit, "{} + {} > {}", d.exposure, used, d.limit);
            if let Some(g) = &d.group {
                group_taken += check.order;
                prop_assert!(g.exposure_known && !g.over);
                prop_assert!(g.exposure + group_taken <= g.line,
                    "group {} + {} > {}", g.exposure, group_taken, g.line);
            }
        }
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
