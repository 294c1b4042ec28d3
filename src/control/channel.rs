//! The channel screen: real versus fake big clients. A real big client sells large volumes on
//! to end customers; a fake one looks big because our goods are moved into its own warehouse,
//! or sold outside its territory. The screen takes the largest clients by annual sales and
//! ranks them by how real their volume is, most doubtful first, from four signs:
//!
//! | sign | raised when | threshold (`[params]`) | reason code in `evaluate` |
//! |---|---|---|---|
//! | low sell-through | `sell_out / sell_in < min_sell_through` | `min_sell_through` | `low_sell_through` |
//! | cross-region sales | `cross_region_sales / sell_out > max_cross_region_share` | `max_cross_region_share` | `cross_region` |
//! | inventory outgrowing sales | `inventory_growth - sales_growth > max_inventory_growth_gap` | `max_inventory_growth_gap` | `inventory_outgrowing_sales` |
//! | receivables outgrowing sales | `receivable_growth - sales_growth > max_receivable_growth_gap` | `max_receivable_growth_gap` | `receivables_outgrowing_sales` |
//!
//! The thresholds are read from the policy's `[params]` by name, the same constants the
//! policy's `rules/channel.rhai` compares against when it puts a client on `watch`; so the
//! screen and `evaluate` raise the same signs for the same client (a test decides clients on
//! both sides of every threshold to keep it so). An unknown figure raises no sign, as a
//! comparison with `()` is false in a script. A threshold the policy does not set (or sets to
//! something other than a number) is not screened, and the screen says so.
//!
//! The ranking, most doubtful first ([`RANKING`]): more signs raised first; then lower
//! sell-through first, an unknown sell-through after every known one; then larger annual sales
//! first; then by id.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use jiff::civil::Date;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::client::facts::UNBOUNDED;
use crate::client::{Client, Fact};
use crate::engine::{Action, Decision};
use crate::grade::Grade;
use crate::money::fmt_money;
use crate::policy::{Identity, Param, Policy};
use crate::report::money_grouped;

/// The ranking in words, as the screen's header says it.
pub const RANKING: &str =
    "most signs raised first, then lowest sell-through (unknown last), then largest annual sales";

/// How many of the largest clients the screen takes when not told.
pub const DEFAULT_TOP: usize = 20;

/// A sign that a big client's volume may not be real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sign {
    /// Little of what it buys from us reaches end customers.
    LowSellThrough,
    /// Too much of what it sells is sold outside its territory.
    CrossRegion,
    /// Its inventory grows much faster than its sales.
    InventoryOutgrowingSales,
    /// What it owes us grows much faster than its sales.
    ReceivablesOutgrowingSales,
}

impl Sign {
    /// Every sign, in the order the screen shows them.
    pub const ALL: [Sign; 4] = [
        Sign::LowSellThrough,
        Sign::CrossRegion,
        Sign::InventoryOutgrowingSales,
        Sign::ReceivablesOutgrowingSales,
    ];

    /// The reason code `rules/channel.rhai` gives when it raises `watch` for this sign.
    pub fn code(self) -> &'static str {
        match self {
            Sign::LowSellThrough => "low_sell_through",
            Sign::CrossRegion => "cross_region",
            Sign::InventoryOutgrowingSales => "inventory_outgrowing_sales",
            Sign::ReceivablesOutgrowingSales => "receivables_outgrowing_sales",
        }
    }

    /// The `[params]` entry that holds the threshold.
    pub fn param(self) -> &'static str {
        match self {
            Sign::LowSellThrough => "min_sell_through",
            Sign::CrossRegion => "max_cross_region_share",
            Sign::InventoryOutgrowingSales => "max_inventory_growth_gap",
            Sign::ReceivablesOutgrowingSales => "max_receivable_growth_gap",
        }
    }

    /// Raised below the threshold (`true`) or above it (`false`).
    fn below(self) -> bool {
        self == Sign::LowSellThrough
    }
}

/// A threshold the screen cannot use, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unset {
    pub sign: Sign,
    /// e.g. ``not set in `[params]` ``.
    pub why: String,
}

/// The four thresholds of a policy; a sign whose threshold is unset is not screened.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    values: [Option<Decimal>; 4],
    /// The thresholds the policy does not set, in [`Sign::ALL`] order.
    pub unset: Vec<Unset>,
}

impl Thresholds {
    /// Reads the thresholds from the policy's `[params]` by name.
    pub fn of(policy: &Policy) -> Thresholds {
        let mut values = [None; 4];
        let mut unset = Vec::new();
        for (i, sign) in Sign::ALL.into_iter().enumerate() {
            let param = policy.params.iter().find(|(n, _)| n == sign.param());
            let name = sign.param();
            let why = match param.map(|(_, p)| p) {
                Some(Param::Number(d)) => {
                    values[i] = Some(*d);
                    continue;
                }
                Some(Param::Bool(b)) => format!("`{name}` is `{b}`, not a number"),
                Some(Param::Text(t)) => format!("`{name}` is the text \"{t}\", not a number"),
                None => format!("`{name}` is not set in `[params]`"),
            };
            unset.push(Unset { sign, why });
        }
        Thresholds { values, unset }
    }

    /// The threshold of `sign`, `None` when the policy does not set it.
    pub fn get(&self, sign: Sign) -> Option<Decimal> {
        // `Sign::ALL` lists the signs in declaration order, so a sign's number is its index.
        self.values[sign as usize]
    }

    /// The signs the policy sets a threshold for, with the threshold.
    pub fn set(&self) -> impl Iterator<Item = (Sign, Decimal)> + '_ {
        Sign::ALL
            .into_iter()
            .filter_map(|s| self.get(s).map(|t| (s, t)))
    }
}

/// The figures the screen looks at for one client; `None` is unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub annual_sales: Decimal,
    pub sell_in: Option<Decimal>,
    pub sell_out: Option<Decimal>,
    pub cross_region_sales: Option<Decimal>,
    /// `sell_out / sell_in`, as the engine derives it.
    pub sell_through: Option<Decimal>,
    /// `cross_region_sales / sell_out`, as the engine derives it.
    pub cross_region_share: Option<Decimal>,
    pub sales_growth: Option<Decimal>,
    pub inventory_growth: Option<Decimal>,
    pub receivable_growth: Option<Decimal>,
}

impl Figures {
    /// The client's figures, the ratios derived exactly as the engine derives them.
    pub fn of(client: &Client, as_of: Date) -> Figures {
        let mut facts = client.facts.clone();
        facts.derive(client.last_review, as_of);
        Figures {
            annual_sales: facts.get(Fact::AnnualSales).unwrap_or_default(),
            sell_in: facts.get(Fact::SellIn),
            sell_out: facts.get(Fact::SellOut),
            cross_region_sales: facts.get(Fact::CrossRegionSales),
            sell_through: facts.get(Fact::SellThrough),
            cross_region_share: facts.get(Fact::CrossRegionShare),
            sales_growth: facts.get(Fact::SalesGrowth),
            inventory_growth: facts.get(Fact::InventoryGrowth),
            receivable_growth: facts.get(Fact::ReceivableGrowth),
        }
    }

    /// `inventory_growth - sales_growth`, when both are known.
    pub fn inventory_gap(&self) -> Option<Decimal> {
        self.inventory_growth?.checked_sub(self.sales_growth?)
    }

    /// `receivable_growth - sales_growth`, when both are known.
    pub fn receivable_gap(&self) -> Option<Decimal> {
        self.receivable_growth?.checked_sub(self.sales_growth?)
    }

    /// The figure a sign compares with its threshold.
    pub fn value(&self, sign: Sign) -> Option<Decimal> {
        match sign {
            Sign::LowSellThrough => self.sell_through,
            Sign::CrossRegion => self.cross_region_share,
            Sign::InventoryOutgrowingSales => self.inventory_gap(),
            Sign::ReceivablesOutgrowingSales => self.receivable_gap(),
        }
    }
}

/// A sign raised for a client: the figure, the threshold it crossed, and both in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub sign: Sign,
    /// The figure compared: a ratio, or a growth gap.
    pub value: Decimal,
    pub threshold: Decimal,
    /// e.g. `sell-through 45% < 60% (sell-out 450,000.00 of sell-in 1,000,000.00)`.
    pub text: String,
}

/// The sign raised by `figures` against `threshold`, if any: the same comparison the policy's
/// `rules/channel.rhai` makes.
pub fn flag(sign: Sign, figures: &Figures, threshold: Decimal) -> Option<Flag> {
    let value = figures.value(sign)?;
    let raised = if sign.below() {
        value < threshold
    } else {
        value > threshold
    };
    if !raised {
        return None;
    }
    let shown = ratio_pct(sign, value, threshold);
    let limit = pct(threshold);
    let amount = |d: Option<Decimal>| d.map_or("unknown".into(), money_grouped);
    let growth = |d: Option<Decimal>| d.map_or("unknown".into(), signed_pct);
    let text = match sign {
        Sign::LowSellThrough => format!(
            "sell-through {shown} < {limit} (sell-out {} of sell-in {})",
            amount(figures.sell_out),
            amount(figures.sell_in)
        ),
        Sign::CrossRegion => format!(
            "cross-region {shown} > {limit} ({} of sell-out {})",
            amount(figures.cross_region_sales),
            amount(figures.sell_out)
        ),
        Sign::InventoryOutgrowingSales => format!(
            "inventory {} vs sales {}: gap {shown} > {limit}",
            growth(figures.inventory_growth),
            growth(figures.sales_growth)
        ),
        Sign::ReceivablesOutgrowingSales => format!(
            "receivables {} vs sales {}: gap {shown} > {limit}",
            growth(figures.receivable_growth),
            growth(figures.sales_growth)
        ),
    };
    Some(Flag {
        sign,
        value,
        threshold,
        text,
    })
}

/// One client on the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenItem {
    /// 1 for the most doubtful; set by [`Screen::rank`].
    pub rank: usize,
    pub id: String,
    pub name: Option<String>,
    pub region: Option<String>,
    pub figures: Figures,
    /// The signs raised, in [`Sign::ALL`] order.
    pub flags: Vec<Flag>,
    pub grade: Grade,
    /// The decision has the `watch` action (for these signs or any other reason).
    pub watch: bool,
    /// The codes of the decision's reasons that led to `watch`.
    pub watch_reasons: Vec<String>,
}

impl ScreenItem {
    /// The screen's view of a client and its decision.
    pub fn new(client: &Client, d: &Decision, thresholds: &Thresholds, as_of: Date) -> ScreenItem {
        let figures = Figures::of(client, as_of);
        let flags = thresholds
            .set()
            .filter_map(|(s, t)| flag(s, &figures, t))
            .collect();
        ScreenItem {
            rank: 0,
            id: client.id.clone(),
            name: client.name.clone(),
            region: client.region.clone(),
            figures,
            flags,
            grade: d.grade,
            watch: d.has(Action::Watch),
            watch_reasons: d
                .reasons
                .iter()
                .filter(|r| super::sign_action(r) == Some(Action::Watch))
                .map(|r| r.code.clone())
                .collect(),
        }
    }

    /// True when the sign is raised.
    pub fn has(&self, sign: Sign) -> bool {
        self.flags.iter().any(|f| f.sign == sign)
    }

    /// The ranking of [`RANKING`]: `Less` when `self` is more doubtful than `other`.
    pub fn doubt_order(&self, other: &ScreenItem) -> Ordering {
        let sell_through =
            |i: &ScreenItem| (i.figures.sell_through.is_none(), i.figures.sell_through);
        other
            .flags
            .len()
            .cmp(&self.flags.len())
            .then_with(|| sell_through(self).cmp(&sell_through(other)))
            .then_with(|| other.figures.annual_sales.cmp(&self.figures.annual_sales))
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
    pub thresholds: Thresholds,
    pub items: Vec<ScreenItem>,
}

impl Screen {
    /// An empty screen with the policy's thresholds.
    pub fn new(policy: &Policy, as_of: Date, top: usize) -> Screen {
        Screen {
            as_of,
            top,
            considered: 0,
            thresholds: Thresholds::of(policy),
            items: Vec::new(),
        }
    }

    /// Adds a client with its decision.
    pub fn add(&mut self, client: &Client, d: &Decision) {
        self.items
            .push(ScreenItem::new(client, d, &self.thresholds, self.as_of));
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
        self.items.iter().filter(|i| !i.flags.is_empty()).count()
    }

    /// How many clients are on `watch`.
    pub fn watched(&self) -> usize {
        self.items.iter().filter(|i| i.watch).count()
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

/// The figure a sign compares, as a percent written so its comparison with the threshold reads
/// true. A growth gap is the difference of two inputs, so it is shown exactly. A ratio is a
/// quotient with up to 28 places: one below its threshold is cut down, one above it rounded up,
/// to as many places as the threshold needs (at least one), so `59.9999%` never shows as `60%`.
fn ratio_pct(sign: Sign, value: Decimal, threshold: Decimal) -> String {
    if matches!(
        sign,
        Sign::InventoryOutgrowingSales | Sign::ReceivablesOutgrowingSales
    ) {
        return pct(value);
    }
    if value.abs() >= UNBOUNDED {
        return "unbounded".into();
    }
    let places = (threshold * Decimal::ONE_HUNDRED)
        .normalize()
        .scale()
        .max(1);
    let strategy = if sign.below() {
        RoundingStrategy::ToNegativeInfinity
    } else {
        RoundingStrategy::ToPositiveInfinity
    };
    let v = (value * Decimal::ONE_HUNDRED).round_dp_with_strategy(places, strategy);
    format!("{}%", v.normalize())
}

/// A figure shown in the screen's columns: a ratio rounded to one place toward its threshold's
/// side (see [`ratio_pct`]), or `unknown`.
pub fn shown_ratio(sign: Sign, value: Option<Decimal>, threshold: Option<Decimal>) -> String {
    value.map_or("unknown".into(), |v| {
        ratio_pct(sign, v, threshold.unwrap_or(Decimal::ONE))
    })
}

/// `0.456` -> `45.6%`, exact.
pub fn pct(v: Decimal) -> String {
    format!("{}%", (v * Decimal::ONE_HUNDRED).normalize())
}

/// A growth with its sign: `0.35` -> `+35%`, `-0.12` -> `-12%`, `0` -> `0%`.
pub fn signed_pct(v: Decimal) -> String {
    if v > Decimal::ZERO {
        format!("+{}", pct(v))
    } else {
        pct(v)
    }
}

/// A growth as shown in a column: signed, or `unknown`.
pub fn shown_growth(v: Option<Decimal>) -> String {
    v.map_or("unknown".into(), signed_pct)
}

/// One sign raised, as written out.
#[derive(Debug, serde::Serialize)]
pub struct FlagJson {
    /// The reason code `evaluate` gives for the same sign.
    pub code: &'static str,
    pub param: &'static str,
    pub value: String,
    pub threshold: String,
    pub text: String,
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
    pub sell_in: Option<String>,
    pub sell_out: Option<String>,
    pub cross_region_sales: Option<String>,
    pub sell_through: Option<String>,
    pub cross_region_share: Option<String>,
    pub sales_growth: Option<String>,
    pub inventory_growth: Option<String>,
    pub receivable_growth: Option<String>,
    /// `inventory_growth - sales_growth`.
    pub inventory_gap: Option<String>,
    /// `receivable_growth - sales_growth`.
    pub receivable_gap: Option<String>,
    pub flags: Vec<FlagJson>,
    pub grade: &'static str,
    pub watch: bool,
    pub watch_reasons: &'a [String],
}

fn plain(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.normalize().to_string())
}

impl<'a> ScreenItemJson<'a> {
    pub fn new(i: &'a ScreenItem) -> ScreenItemJson<'a> {
        let f = &i.figures;
        ScreenItemJson {
            rank: i.rank,
            id: &i.id,
            name: i.name.as_deref(),
            region: i.region.as_deref(),
            annual_sales: fmt_money(f.annual_sales),
            sell_in: f.sell_in.map(fmt_money),
            sell_out: f.sell_out.map(fmt_money),
            cross_region_sales: f.cross_region_sales.map(fmt_money),
            sell_through: plain(f.sell_through),
            cross_region_share: plain(f.cross_region_share),
            sales_growth: plain(f.sales_growth),
            inventory_growth: plain(f.inventory_growth),
            receivable_growth: plain(f.receivable_growth),
            inventory_gap: plain(f.inventory_gap()),
            receivable_gap: plain(f.receivable_gap()),
            flags: i
                .flags
                .iter()
                .map(|g| FlagJson {
                    code: g.sign.code(),
                    param: g.sign.param(),
                    value: g.value.normalize().to_string(),
                    threshold: g.threshold.normalize().to_string(),
                    text: g.text.clone(),
                })
                .collect(),
            grade: i.grade.as_str(),
            watch: i.watch,
            watch_reasons: &i.watch_reasons,
        }
    }
}

/// A threshold as written out.
#[derive(Debug, serde::Serialize)]
pub struct ThresholdJson {
    pub param: &'static str,
    /// The reason code of the sign it screens.
    pub code: &'static str,
    pub value: String,
}

/// A threshold the policy does not set, as written out.
#[derive(Debug, serde::Serialize)]
pub struct UnsetJson<'a> {
    pub param: &'static str,
    pub code: &'static str,
    pub why: &'a str,
}

/// The whole screen as written out.
#[derive(Debug, serde::Serialize)]
pub struct ScreenJson<'a> {
    pub as_of: String,
    pub top: usize,
    pub considered: usize,
    pub ranking: &'static str,
    pub thresholds: Vec<ThresholdJson>,
    /// Signs not screened because the policy sets no threshold for them.
    pub not_set: Vec<UnsetJson<'a>>,
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
            thresholds: s
                .thresholds
                .set()
                .map(|(sign, t)| ThresholdJson {
                    param: sign.param(),
                    code: sign.code(),
                    value: t.normalize().to_string(),
                })
                .collect(),
            not_set: s
                .thresholds
                .unset
                .iter()
                .map(|u| UnsetJson {
                    param: u.sign.param(),
                    code: u.sign.code(),
                    why: &u.why,
                })
                .collect(),
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

    fn conservative() -> Policy {
        Policy::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/conservative"),
        )
        .unwrap()
    }

    fn screen_of(policy: &Policy, clients: &[Client]) -> Screen {
        let ctx = as_of("2026-06-30");
        let mut ev = Evaluator::new(policy, &ctx).unwrap();
        let mut s = Screen::new(policy, ctx.as_of, clients.len());
        for c in clients {
            s.add(c, &ev.decide(c).unwrap());
        }
        s.rank();
        s
    }

    fn signs(i: &ScreenItem) -> Vec<Sign> {
        i.flags.iter().map(|f| f.sign).collect()
    }

    #[test]
    fn each_sign_is_raised_past_its_threshold_and_not_at_it() {
        use Fact::*;
        let policy = standard();
        // Sell-in 1000: sell-through 0.6 is the minimum, 0.599 below it. Sell-out 950:
        // cross-region 95 is exactly 10%. Sales grow 12%: inventory or receivables at 32% is a
        // gap of exactly 20 points.
        let cases: Vec<(Client, Vec<Sign>)> = vec![
            (
                with(client("ST1", "1"), &[(SellOut, "599")]),
                vec![Sign::LowSellThrough],
            ),
            (with(client("ST2", "1"), &[(SellOut, "600")]), vec![]),
            (
                with(client("CR1", "1"), &[(CrossRegionSales, "95.01")]),
                vec![Sign::CrossRegion],
            ),
            (
                with(client("CR2", "1"), &[(CrossRegionSales, "95")]),
                vec![],
            ),
            (
                with(client("IG1", "1"), &[(InventoryGrowth, "0.3201")]),
                vec![Sign::InventoryOutgrowingSales],
            ),
            (
                with(client("IG2", "1"), &[(InventoryGrowth, "0.32")]),
                vec![],
            ),
            (
                with(client("RG1", "1"), &[(ReceivableGrowth, "0.3201")]),
                vec![Sign::ReceivablesOutgrowingSales],
            ),
            (
                with(client("RG2", "1"), &[(ReceivableGrowth, "0.32")]),
                vec![],
            ),
        ];
        let clients: Vec<Client> = cases.iter().map(|(c, _)| c.clone()).collect();
        let s = screen_of(&policy, &clients);
        for (c, want) in &cases {
            let item = s.items.iter().find(|i| i.id == c.id).unwrap();
            assert_eq!(&signs(item), want, "{}", c.id);
            assert_eq!(item.watch, !want.is_empty(), "{}", c.id);
        }
    }

    #[test]
    fn a_gap_needs_both_growths_and_takes_sales_falling_into_account() {
        use Fact::*;
        let policy = standard();
        let mut unknown_sales = with(
            client("U", "1"),
            &[(InventoryGrowth, "0.9"), (ReceivableGrowth, "0.9")],
        );
        unknown_sales.facts.set(SalesGrowth, None);
        // Sales falling 15% while inventory grows 10%: a gap of 25 points.
        let falling = with(
            client("F", "1"),
            &[(SalesGrowth, "-0.15"), (InventoryGrowth, "0.10")],
        );
        let s = screen_of(&policy, &[unknown_sales, falling]);
        let f = s.items.iter().find(|i| i.id == "F").unwrap();
        assert_eq!(signs(f), vec![Sign::InventoryOutgrowingSales]);
        assert_eq!(f.flags[0].value, d("0.25"));
        assert_eq!(
            f.flags[0].text,
            "inventory +10% vs sales -15%: gap 25% > 20%"
        );
        let u = s.items.iter().find(|i| i.id == "U").unwrap();
        assert!(u.flags.is_empty());
        assert_eq!(u.figures.inventory_gap(), None);
    }

    #[test]
    fn the_most_doubtful_come_first() {
        use Fact::*;
        let policy = standard();
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
            &policy,
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
    fn the_screen_and_evaluate_raise_the_same_signs() {
        use Fact::*;
        // Clients on both sides of every threshold of both policies, alone and together.
        let mut clients = Vec::new();
        let variations: &[&[(Fact, &str)]] = &[
            &[],
            &[(SellOut, "699")],
            &[(SellOut, "650")],
            &[(SellOut, "599")],
            &[(CrossRegionSales, "47.51")],
            &[(CrossRegionSales, "95.01")],
            &[(CrossRegionSales, "47.5")],
            &[(InventoryGrowth, "0.22")],
            &[(InventoryGrowth, "0.2201")],
            &[(InventoryGrowth, "0.33")],
            &[(ReceivableGrowth, "0.22")],
            &[(ReceivableGrowth, "0.2201")],
            &[(ReceivableGrowth, "0.33")],
            &[(SalesGrowth, "-0.3"), (InventoryGrowth, "-0.1")],
            &[
                (SellOut, "100"),
                (CrossRegionSales, "90"),
                (InventoryGrowth, "2"),
                (ReceivableGrowth, "2"),
            ],
        ];
        for (i, v) in variations.iter().enumerate() {
            clients.push(with(client(&format!("C{i}"), "1000"), v));
        }
        let mut unknown = with(client("UNKNOWN", "1000"), &[(InventoryGrowth, "5")]);
        unknown.facts.set(SellIn, None);
        unknown.facts.set(SalesGrowth, None);
        clients.push(unknown);

        for (policy, want) in [(standard(), 8), (conservative(), 14)] {
            let ctx = as_of("2026-06-30");
            let mut ev = Evaluator::new(&policy, &ctx).unwrap();
            let th = Thresholds::of(&policy);
            assert!(th.unset.is_empty(), "{}", policy.identity.name);
            let mut raised = 0;
            for c in &clients {
                let dec = ev.decide(c).unwrap();
                let item = ScreenItem::new(c, &dec, &th, ctx.as_of);
                let screen: Vec<&str> = item.flags.iter().map(|f| f.sign.code()).collect();
                let codes: Vec<&str> = Sign::ALL.iter().map(|s| s.code()).collect();
                let mut engine: Vec<&str> = dec
                    .reasons
                    .iter()
                    .map(|r| r.code.as_str())
                    .filter(|c| codes.contains(c))
                    .collect();
                engine.sort_by_key(|c| codes.iter().position(|x| x == c));
                assert_eq!(screen, engine, "{} under {}", c.id, policy.identity.name);
                assert_eq!(item.watch, !screen.is_empty(), "{}", c.id);
                raised += screen.len();
            }
            // Not vacuous: the clients reach the thresholds of both policies.
            assert_eq!(raised, want, "signs raised under {}", policy.identity.name);
        }
    }

    #[test]
    fn a_threshold_the_policy_does_not_set_is_not_screened() {
        let mut policy = standard();
        policy
            .params
            .retain(|(n, _)| n != "max_inventory_growth_gap");
        for (n, p) in policy.params.iter_mut() {
            if n == "max_receivable_growth_gap" {
                *p = Param::Text("high".into());
            }
        }
        let th = Thresholds::of(&policy);
        assert_eq!(th.get(Sign::LowSellThrough), Some(d("0.60")));
        assert_eq!(th.get(Sign::InventoryOutgrowingSales), None);
        let why: Vec<(Sign, &str)> = th.unset.iter().map(|u| (u.sign, u.why.as_str())).collect();
        assert_eq!(
            why,
            vec![
                (
                    Sign::InventoryOutgrowingSales,
                    "`max_inventory_growth_gap` is not set in `[params]`"
                ),
                (
                    Sign::ReceivablesOutgrowingSales,
                    "`max_receivable_growth_gap` is the text \"high\", not a number"
                ),
            ]
        );
        let c = with(
            client("X", "1"),
            &[(Fact::InventoryGrowth, "3"), (Fact::SellOut, "10")],
        );
        let figures = Figures::of(&c, "2026-06-30".parse().unwrap());
        let flags: Vec<Sign> = th
            .set()
            .filter_map(|(s, t)| flag(s, &figures, t))
            .map(|f| f.sign)
            .collect();
        assert_eq!(flags, vec![Sign::LowSellThrough]);
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

    #[test]
    fn figures_are_written_so_the_comparison_reads_true() {
        // 0.59999 is below 60%: cut down, never rounded up to 60%.
        assert_eq!(
            ratio_pct(Sign::LowSellThrough, d("0.59999"), d("0.6")),
            "59.9%"
        );
        assert_eq!(ratio_pct(Sign::LowSellThrough, d("0.6"), d("0.6")), "60%");
        // 0.10001 is above 10%: rounded up, never down to 10%.
        assert_eq!(
            ratio_pct(Sign::CrossRegion, d("0.10001"), d("0.10")),
            "10.1%"
        );
        // A threshold with more places gives the figure as many.
        assert_eq!(
            ratio_pct(Sign::CrossRegion, d("0.123401"), d("0.1234")),
            "12.35%"
        );
        assert_eq!(
            ratio_pct(Sign::LowSellThrough, UNBOUNDED, d("0.6")),
            "unbounded"
        );
        // A gap is exact: 0.2001 is 20.01%, not rounded up to 20.1%.
        assert_eq!(
            ratio_pct(Sign::InventoryOutgrowingSales, d("0.2001"), d("0.2")),
            "20.01%"
        );
        assert_eq!(signed_pct(d("0.35")), "+35%");
        assert_eq!(signed_pct(d("-0.12")), "-12%");
        assert_eq!(signed_pct(d("0")), "0%");
    }
}
