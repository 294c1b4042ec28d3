//! The channel screen: real versus fake big clients. A real big client sells large volumes on
//! to end customers; a fake one looks big because our goods are moved into its own warehouse,
//! or sold outside its territory. The screen takes the largest clients by annual sales and
//! shows, for each, the signs the policy's rules raised for it, most doubtful first.
//!
//! A sign is a reason of the client's decision that asks credit control to act (`watch`,
//! `hold`, `require_collateral`, `terminate`; see [`super::sign_action`]), with its code, its
//! text and the figures the rule attached (`watch(code, text, #{ sell_through: sell_through,
//! limit: min_sell_through })`). The screen has no channel rule of its own: what finance
//! writes in `rules/channel.rhai` is what it shows, so a new sign, or a new threshold in
//! `[params]`, appears here and in `evaluate` alike, with no change to the program.
//!
//! The ranking, most doubtful first ([`RANKING`]): more signs raised first; then lower
//! sell-through first, an unknown sell-through after every known one; then larger annual sales
//! first; then by id.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::sign_action;
use crate::client::{Client, Fact};
use crate::engine::{Action, Decision};
use crate::grade::Grade;
use crate::money::{fmt_money, fmt_plain};
use crate::policy::Identity;
pub use crate::report::FiguresJson;

/// The ranking in words, as the screen's header says it.
pub const RANKING: &str =
    "most signs raised first, then lowest sell-through (unknown last), then largest annual sales";

/// How many of the largest clients the screen takes when not told.
pub const DEFAULT_TOP: usize = 20;

/// A sign a rule raised for a client: one reason of its decision that asks for an action.
#[derive(Debug, Clone, PartialEq)]
pub struct Sign {
    /// The reason code, e.g. `low_sell_through`.
    pub code: String,
    /// What it asks credit control to do.
    pub action: Action,
    /// The reason as the rule wrote it.
    pub text: String,
    /// The figures the rule attached, exact, in the order written.
    pub figures: Vec<(String, Decimal)>,
    /// `file:line` of the rule, when a script gave it.
    pub at: Option<String>,
}

/// One client on the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenItem {
    /// 1 for the most doubtful; set by [`Screen::rank`].
    pub rank: usize,
    pub id: String,
    pub name: Option<String>,
    pub region: Option<String>,
    pub annual_sales: Decimal,
    /// `sell_out / sell_in`, derived as the engine derives it; `None` when unknown.
    pub sell_through: Option<Decimal>,
    pub grade: Grade,
    pub actions: Vec<Action>,
    /// The signs raised, most important first (the decision's order).
    pub signs: Vec<Sign>,
}

impl ScreenItem {
    /// The screen's view of a client and its decision.
    pub fn new(client: &Client, d: &Decision, as_of: Date) -> ScreenItem {
        let mut facts = client.facts.clone();
        facts.derive(client.last_review, as_of);
        ScreenItem {
            rank: 0,
            id: d.id.clone(),
            name: d.name.clone(),
            region: d.region.clone(),
            annual_sales: facts.get(Fact::AnnualSales).unwrap_or_default(),
            sell_through: facts.get(Fact::SellThrough),
            grade: d.grade,
            actions: d.actions.clone(),
            signs: d
                .reasons
                .iter()
                .filter_map(|r| {
                    sign_action(r).map(|action| Sign {
                        code: r.code.clone(),
                        action,
                        text: r.text.clone(),
                        figures: r.figures.clone(),
                        at: r.at.clone(),
                    })
                })
                .collect(),
        }
    }

    /// True when the decision has the `watch` action.
    pub fn watch(&self) -> bool {
        self.actions.contains(&Action::Watch)
    }

    /// The sign with this code, if raised.
    pub fn sign(&self, code: &str) -> Option<&Sign> {
        self.signs.iter().find(|s| s.code == code)
    }

    /// The ranking of [`RANKING`]: `Less` when `self` is more doubtful than `other`.
    pub fn doubt_order(&self, other: &ScreenItem) -> Ordering {
        let sell_through = |i: &ScreenItem| (i.sell_through.is_none(), i.sell_through);
        other
            .signs
            .len()
            .cmp(&self.signs.len())
            .then_with(|| sell_through(self).cmp(&sell_through(other)))
            .then_with(|| other.annual_sales.cmp(&self.annual_sales))
            .then_with(|| self.id.cmp(&other.id))
    }
}

/// The screen of the largest clients, as of one day, under one policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Screen {
    pub as_of: Date,
    /// How many of the largest clients were asked for.
    pub top: usize,
    /// How many clients were read, rejected rows not counted (the screen takes the `top`
    /// largest of them).
    pub considered: usize,
    pub items: Vec<ScreenItem>,
}

impl Screen {
    /// An empty screen.
    pub fn new(as_of: Date, top: usize) -> Screen {
        Screen {
            as_of,
            top,
            considered: 0,
            items: Vec::new(),
        }
    }

    /// Adds a client with its decision.
    pub fn add(&mut self, client: &Client, d: &Decision) {
        self.items.push(ScreenItem::new(client, d, self.as_of));
    }

    /// Puts the clients in order, most doubtful first, and numbers them from 1.
    pub fn rank(&mut self) {
        self.items.sort_by(ScreenItem::doubt_order);
        for (i, item) in self.items.iter_mut().enumerate() {
            item.rank = i + 1;
        }
    }

    /// How many clients raise at least one sign.
    pub fn flagged(&self) -> usize {
        self.items.iter().filter(|i| !i.signs.is_empty()).count()
    }

    /// How many clients are on `watch`.
    pub fn watched(&self) -> usize {
        self.items.iter().filter(|i| i.watch()).count()
    }
}

/// The `n` largest clients by annual sales, kept while a portfolio streams past so only `n`
/// are ever held. Equal sales go to the smaller id.
#[derive(Debug)]
pub struct Largest {
    n: usize,
    seen: usize,
    heap: BinaryHeap<Reverse<BySales>>,
}

/// A client ordered by annual sales, then by id in reverse (so the smaller id is "larger").
#[derive(Debug)]
struct BySales(Client);

impl BySales {
    fn key(&self) -> (Decimal, Reverse<&str>) {
        (
            self.0.facts.get(Fact::AnnualSales).unwrap_or_default(),
            Reverse(self.0.id.as_str()),
        )
    }
}

impl PartialEq for BySales {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for BySales {}

impl PartialOrd for BySales {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BySales {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl Largest {
    pub fn new(n: usize) -> Largest {
        Largest {
            n,
            seen: 0,
            heap: BinaryHeap::with_capacity(n.saturating_add(1).min(1 << 16)),
        }
    }

    /// Considers one client.
    pub fn push(&mut self, client: Client) {
        self.seen += 1;
        if self.n == 0 {
            return;
        }
        let c = BySales(client);
        if self.heap.len() < self.n {
            self.heap.push(Reverse(c));
        } else if self.heap.peek().is_some_and(|Reverse(least)| c > *least) {
            self.heap.pop();
            self.heap.push(Reverse(c));
        }
    }

    /// How many clients were considered.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The clients kept, largest first.
    pub fn into_clients(self) -> Vec<Client> {
        // Ascending `Reverse` is descending sales.
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse(c)| c.0)
            .collect()
    }
}

/// One sign as written out.
#[derive(Debug, serde::Serialize)]
pub struct SignJson<'a> {
    pub code: &'a str,
    pub action: &'static str,
    pub text: &'a str,
    pub figures: FiguresJson<'a>,
    pub at: Option<&'a str>,
}

/// One client as written out: money as exact decimal strings, ratios as plain decimals
/// (`"0.45"`), unknown as `null`.
#[derive(Debug, serde::Serialize)]
pub struct ScreenItemJson<'a> {
    pub rank: usize,
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub region: Option<&'a str>,
    pub annual_sales: String,
    pub sell_through: Option<String>,
    pub grade: &'static str,
    pub actions: Vec<&'static str>,
    pub watch: bool,
    pub signs: Vec<SignJson<'a>>,
}

impl<'a> ScreenItemJson<'a> {
    pub fn new(i: &'a ScreenItem) -> ScreenItemJson<'a> {
        ScreenItemJson {
            rank: i.rank,
            id: &i.id,
            name: i.name.as_deref(),
            region: i.region.as_deref(),
            annual_sales: fmt_money(i.annual_sales),
            sell_through: i.sell_through.map(fmt_plain),
            grade: i.grade.as_str(),
            actions: i.actions.iter().map(|a| a.as_str()).collect(),
            watch: i.watch(),
            signs: i
                .signs
                .iter()
                .map(|g| SignJson {
                    code: &g.code,
                    action: g.action.as_str(),
                    text: &g.text,
                    figures: FiguresJson(&g.figures),
                    at: g.at.as_deref(),
                })
                .collect(),
        }
    }
}

/// The whole screen as written out.
#[derive(Debug, serde::Serialize)]
pub struct ScreenJson<'a> {
    pub as_of: String,
    pub top: usize,
    pub considered: usize,
    pub ranking: &'static str,
    pub clients: Vec<ScreenItemJson<'a>>,
    pub policy: &'a Identity,
}

impl<'a> ScreenJson<'a> {
    pub fn new(s: &'a Screen, identity: &'a Identity) -> ScreenJson<'a> {
        ScreenJson {
            as_of: s.as_of.to_string(),
            top: s.top,
            considered: s.considered,
            ranking: RANKING,
            clients: s.items.iter().map(ScreenItemJson::new).collect(),
            policy: identity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::engine::Evaluator;
    use crate::policy::{Param, Policy};

    /// The seed's strong client (AAA, no sign) with sales growing 12%.
    fn client(id: &str, sales: &str) -> Client {
        strong(id, sales, "0", "0")
    }

    fn with(mut c: Client, changes: &[(Fact, &str)]) -> Client {
        for (f, v) in changes {
            c.facts.set(*f, Some(d(v)));
        }
        c
    }

    fn screen_of(policy: &Policy, clients: &[Client]) -> Screen {
        let ctx = as_of("2026-06-30");
        let mut ev = Evaluator::new(policy, &ctx).unwrap();
        let mut s = Screen::new(ctx.as_of, clients.len());
        for c in clients {
            s.add(c, &ev.decide(c).unwrap());
        }
        s.rank();
        s
    }

    fn codes(i: &ScreenItem) -> Vec<&str> {
        i.signs.iter().map(|s| s.code.as_str()).collect()
    }

    fn item<'a>(s: &'a Screen, id: &str) -> &'a ScreenItem {
        s.items.iter().find(|i| i.id == id).unwrap()
    }

    #[test]
    fn the_signs_are_the_ones_the_rules_raised_with_their_figures() {
        use Fact::*;
        // Sell-through 0.5, cross-region 0.2 of sell-out, inventory +50% against sales +12%.
        let c = with(
            client("C", "1"),
            &[
                (SellOut, "500"),
                (CrossRegionSales, "100"),
                (InventoryGrowth, "0.5"),
            ],
        );
        let s = screen_of(&standard(), &[c]);
        let i = item(&s, "C");
        assert_eq!(
            codes(i),
            [
                "low_sell_through",
                "cross_region",
                "inventory_outgrowing_sales"
            ]
        );
        let low = i.sign("low_sell_through").unwrap();
        assert_eq!(low.action, Action::Watch);
        assert_eq!(
            low.text,
            "sell-through 50.0% is below 60.0%: our goods may be piling up in its warehouse"
        );
        // In the order the rule wrote them, not by name.
        assert_eq!(
            low.figures,
            [
                ("sell_through".into(), d("0.5")),
                ("limit".into(), d("0.60"))
            ]
        );
        assert!(
            low.at
                .as_deref()
                .is_some_and(|a| a.ends_with("rules/channel.rhai:10")),
            "{:?}",
            low.at
        );
        let inv = i.sign("inventory_outgrowing_sales").unwrap();
        let names: Vec<&str> = inv.figures.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["inventory_growth", "sales_growth", "gap", "limit"]);
        assert_eq!(inv.figures[2].1, d("0.38"));
        assert!(i.watch());
    }

    #[test]
    fn a_threshold_is_read_by_the_rule_not_by_the_screen() {
        // Raise the policy's own threshold: the sign goes, with no change here.
        let mut policy = standard();
        for (n, p) in policy.params.iter_mut() {
            if n == "min_sell_through" {
                *p = Param::Number(d("0.40"));
            }
        }
        let c = with(client("C", "1"), &[(Fact::SellOut, "500")]);
        let s = screen_of(&policy, std::slice::from_ref(&c));
        assert!(item(&s, "C").signs.is_empty());
        let s = screen_of(&standard(), &[c]);
        assert_eq!(codes(item(&s, "C")), ["low_sell_through"]);
    }

    #[test]
    fn every_action_is_a_sign_but_the_review_date() {
        // Over its line (hold), unknown payment history (require_collateral), review overdue.
        let mut c = strong("H", "1000000", "900000", "0");
        c.facts.set(Fact::OnTimeRatio, None);
        c.last_review = Some("2024-01-01".parse().unwrap());
        let s = screen_of(&standard(), &[c]);
        let i = item(&s, "H");
        let signs: Vec<(&str, Action)> = i
            .signs
            .iter()
            .map(|s| (s.code.as_str(), s.action))
            .collect();
        assert!(signs.contains(&("over_limit", Action::Hold)), "{signs:?}");
        assert!(
            signs.contains(&("no_payment_history", Action::RequireCollateral)),
            "{signs:?}"
        );
        assert!(i.actions.contains(&Action::ReviewDue));
        assert!(signs.iter().all(|(_, a)| *a != Action::ReviewDue));
        assert!(!i.watch());
    }

    #[test]
    fn the_most_doubtful_come_first() {
        use Fact::*;
        let two = with(
            client("TWO", "100"),
            &[(SellOut, "500"), (InventoryGrowth, "0.5")],
        );
        let one_low = with(client("ONE_LOW", "100"), &[(SellOut, "300")]);
        let one_high = with(client("ONE_HIGH", "100"), &[(SellOut, "590")]);
        let mut one_unknown = with(client("ONE_UNKNOWN", "100"), &[(ReceivableGrowth, "0.5")]);
        one_unknown.facts.set(SellOut, None);
        let none_big = client("NONE_BIG", "900");
        let none_small = client("NONE_SMALL", "100");
        let none_small_b = client("NONE_SMALL_B", "100");
        let s = screen_of(
            &standard(),
            &[
                none_small_b,
                none_small,
                none_big,
                one_unknown,
                one_high,
                one_low,
                two,
            ],
        );
        let order: Vec<(usize, &str)> = s.items.iter().map(|i| (i.rank, i.id.as_str())).collect();
        assert_eq!(
            order,
            vec![
                (1, "TWO"),
                (2, "ONE_LOW"),
                (3, "ONE_HIGH"),
                (4, "ONE_UNKNOWN"),
                (5, "NONE_BIG"),
                (6, "NONE_SMALL"),
                (7, "NONE_SMALL_B"),
            ]
        );
        assert_eq!((s.flagged(), s.watched()), (4, 4));
    }

    #[test]
    fn figures_are_written_as_an_object_in_the_rules_order() {
        let f = vec![("b".to_string(), d("0.50")), ("a".to_string(), d("2"))];
        let json = serde_json::to_string(&FiguresJson(&f)).unwrap();
        assert_eq!(json, r#"{"b":"0.5","a":"2"}"#);
    }

    #[test]
    fn the_largest_are_kept_largest_first_ties_to_the_smaller_id() {
        let mut l = Largest::new(3);
        for (id, sales) in [
            ("A", "5"),
            ("B", "9"),
            ("C", "1"),
            ("D", "9"),
            ("E", "7"),
            ("F", "5"),
        ] {
            l.push(client(id, sales));
        }
        assert_eq!(l.seen(), 6);
        let ids: Vec<String> = l.into_clients().into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["B", "D", "E"]);

        let mut none = Largest::new(0);
        none.push(client("A", "1"));
        assert!(none.into_clients().is_empty());
    }
}
