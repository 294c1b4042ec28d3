//! Group (parent) lines: clients tied by the `group` column share a line of their own, and a
//! member within its own line is still held when its group as a whole is over.
//!
//! A group's line needs every member's line first, so a run that checks groups decides each
//! client twice. The first pass adds every member into [`GroupTotals`] (one entry per group,
//! whatever the number of members); [`GroupTotals::lines`] turns the totals into
//! [`GroupLines`] under the policy's [`GroupRules`]; the second pass decides every client
//! again and [`GroupLines::apply`] checks it against its group.
//!
//! The group line is the members' lines added up, held to `max_percent_of_sales` of their
//! combined annual sales (rounded down to the policy's rounding unit, like every line) and,
//! when the policy gives one, to `max_amount`. The group is over when the members' combined
//! exposure is above it.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{Action, Decision, GroupStatus, PRIORITY_HOLD, PRIORITY_WATCH, Reason};
use crate::client::{Client, Fact};
use crate::money::fmt_money;
use crate::policy::GroupRules;

/// What one decided member brings to its group.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The member's whole line, secured cover included.
    pub line: Decimal,
    /// Of `line`, what rests on the member's own security (deposits, guarantees, ...): the
    /// group's caps leave it alone, since it is not credit on the group's name.
    pub secured: Decimal,
    pub exposure: Decimal,
    /// `false` when the member's exposure is unknown, which leaves the group's unknown.
    pub exposure_known: bool,
    pub annual_sales: Decimal,
    /// The member's id when trading with it is being terminated.
    pub terminating: Option<String>,
}

impl Member {
    /// The member as decided.
    pub fn of(client: &Client, d: &Decision) -> Member {
        Member {
            line: d.limit,
            secured: d.secured_cover.min(d.limit),
            exposure: d.exposure,
            exposure_known: d.exposure_known,
            annual_sales: client.facts.get(Fact::AnnualSales).unwrap_or_default(),
            terminating: d.has(Action::Terminate).then(|| d.id.clone()),
        }
    }
}

/// One group's totals so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Members decided.
    pub members: u64,
    /// Rows naming the group that were rejected: they add nothing.
    pub rejected: u64,
    /// The members' own lines added up.
    pub lines: Decimal,
    /// Of `lines`, what rests on the members' own security.
    pub secured: Decimal,
    pub exposure: Decimal,
    /// Members whose exposure is unknown: the group's is then unknown too.
    pub unknown_exposure: u64,
    pub annual_sales: Decimal,
    /// The members being terminated, by id.
    pub terminating: Vec<String>,
}

/// The totals of every group met so far: one entry per group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupTotals(BTreeMap<String, Totals>);

impl GroupTotals {
    fn entry(&mut self, group: &str) -> &mut Totals {
        // Only a group seen for the first time costs an allocation.
        if !self.0.contains_key(group) {
            self.0.insert(group.to_string(), Totals::default());
        }
        self.0.get_mut(group).expect("inserted above")
    }

    /// Adds a decided member.
    pub fn add(&mut self, group: &str, m: Member) {
        let t = self.entry(group);
        t.members += 1;
        t.lines = t.lines.saturating_add(m.line);
        t.secured = t.secured.saturating_add(m.secured);
        t.exposure = t.exposure.saturating_add(m.exposure);
        t.annual_sales = t.annual_sales.saturating_add(m.annual_sales);
        if !m.exposure_known {
            t.unknown_exposure += 1;
        }
        if let Some(id) = m.terminating {
            t.terminating.push(id);
        }
    }

    /// Counts a rejected row that names the group, so a group whose members were all
    /// rejected is still reported, with nothing in it.
    pub fn add_rejected(&mut self, group: &str) {
        self.entry(group).rejected += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, group: &str) -> Option<&Totals> {
        self.0.get(group)
    }

    /// Every group's line under `rules`; `rounding_unit` is the policy's, so a line held to a
    /// share of sales is a whole multiple of it like every client's line.
    pub fn lines(self, rules: &GroupRules, rounding_unit: Decimal) -> GroupLines {
        GroupLines {
            watch_when_member_terminates: rules.watch_when_member_terminates,
            groups: self
                .0
                .into_iter()
                .map(|(id, t)| {
                    let line = group_line(&t, rules, rounding_unit);
                    (
                        id.clone(),
                        GroupLine {
                            id,
                            totals: t,
                            line,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// What holds a group's line where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The members' lines added up.
    MemberLines,
    /// The share of the members' combined annual sales.
    PercentOfSales,
    /// The policy's `max_amount`.
    Amount,
}

/// A group line and why it is that amount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub amount: Decimal,
    pub bound: Bound,
    /// The percent of sales of the rules, for the words.
    pub percent: Decimal,
}

/// The caps hold the members' unsecured lines; their secured cover comes on top.
fn group_line(t: &Totals, rules: &GroupRules, unit: Decimal) -> Line {
    let mut line = Line {
        amount: t.lines - t.secured,
        bound: Bound::MemberLines,
        percent: rules.max_percent_of_sales,
    };
    let share = t.annual_sales * rules.max_percent_of_sales / Decimal::ONE_HUNDRED;
    let share = if unit > Decimal::ZERO {
        (share / unit).floor() * unit
    } else {
        share
    };
    if share < line.amount {
        line.amount = share;
        line.bound = Bound::PercentOfSales;
    }
    if let Some(max) = rules.max_amount
        && max < line.amount
    {
        line.amount = max;
        line.bound = Bound::Amount;
    }
    line.amount = line.amount.saturating_add(t.secured);
    line
}

/// One group as reported: its totals and its line.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupLine {
    pub id: String,
    pub totals: Totals,
    pub line: Line,
}

impl GroupLine {
    /// `true` when the members' combined exposure is above the group line.
    pub fn over(&self) -> bool {
        self.totals.exposure > self.line.amount
    }

    /// `true` when every member's exposure is known.
    pub fn exposure_known(&self) -> bool {
        self.totals.unknown_exposure == 0
    }

    /// Why the line is what it is, in words, amounts as in reasons (`2000000.00`).
    pub fn line_text(&self) -> String {
        self.line_text_with(fmt_money)
    }

    /// Why the line is what it is, in words, amounts written by `money` (grouped for a table).
    pub fn line_text_with(&self, money: impl Fn(Decimal) -> String) -> String {
        let bound = match self.line.bound {
            Bound::MemberLines => "the members' lines added up".to_string(),
            Bound::PercentOfSales => format!(
                "{}% of the members' combined annual sales of {}",
                self.line.percent.normalize(),
                money(self.totals.annual_sales)
            ),
            Bound::Amount => "the most any group may have".to_string(),
        };
        if self.totals.secured.is_zero() || self.line.bound == Bound::MemberLines {
            bound
        } else {
            format!(
                "{bound}, plus the members' secured cover of {}",
                money(self.totals.secured)
            )
        }
    }
}

/// Every group's line, by group id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupLines {
    groups: BTreeMap<String, GroupLine>,
    /// The policy's `[groups] watch_when_member_terminates`.
    watch_when_member_terminates: bool,
}

impl GroupLines {
    pub fn get(&self, group: &str) -> Option<&GroupLine> {
        self.groups.get(group)
    }

    /// The groups in the order of their ids.
    pub fn iter(&self) -> impl Iterator<Item = &GroupLine> {
        self.groups.values()
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Checks a member against its group: the decision gets its group's standing and, when
    /// the group is over its line, `hold` and a reason naming the group, even when the member
    /// is within its own line. A client without a group, or of a group not met in the first
    /// pass, is left as it is.
    pub fn apply(&self, d: &mut Decision, group: Option<&str>) {
        let Some(g) = group.and_then(|id| self.groups.get(id)) else {
            return;
        };
        let over = g.over();
        let known = g.exposure_known();
        d.group = Some(GroupStatus {
            id: g.id.clone(),
            line: g.line.amount,
            exposure: g.totals.exposure,
            exposure_known: known,
            over,
        });
        let others: Vec<&str> = g
            .totals
            .terminating
            .iter()
            .map(String::as_str)
            .filter(|id| *id != d.id)
            .collect();
        if self.watch_when_member_terminates && !others.is_empty() {
            d.reasons.push(
                Reason::new(
                    "group_member_terminating",
                    format!(
                        "group {}: trading with {} is being terminated; a related company's failure is a warning for this one",
                        g.id,
                        others.join(", ")
                    ),
                    PRIORITY_WATCH,
                )
                .acting(Action::Watch),
            );
            add_action(d, Action::Watch);
        }
        if !known {
            d.reasons.push(
                Reason::new(
                    "group_exposure_unknown",
                    format!(
                        "group {}: the exposure of {} member(s) is unknown, so the group's is too: nothing is released on credit to any member until it is known",
                        g.id, g.totals.unknown_exposure
                    ),
                    PRIORITY_HOLD,
                )
                .acting(Action::Hold),
            );
            add_action(d, Action::Hold);
        } else if over {
            d.reasons.push(
                Reason::new(
                    "group_over_limit",
                    format!(
                        "group {}: exposure {} exceeds the group line {} ({}) by {}: stop shipping to every member until the group is paid down",
                        g.id,
                        fmt_money(g.totals.exposure),
                        fmt_money(g.line.amount),
                        g.line_text(),
                        fmt_money(g.totals.exposure - g.line.amount)
                    ),
                    PRIORITY_HOLD,
                )
                .acting(Action::Hold),
            );
            add_action(d, Action::Hold);
        }
        d.reasons.sort_by_key(|r| r.priority);
    }
}

fn add_action(d: &mut Decision, a: Action) {
    if !d.has(a) {
        d.actions.push(a);
        d.actions.sort();
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use jiff::civil::Date;

    use super::*;
    use crate::context::Context;
    use crate::engine::Evaluator;
    use crate::policy::{Origin, Policy};

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn rules(percent: &str, max: Option<&str>) -> GroupRules {
        GroupRules {
            max_percent_of_sales: d(percent),
            max_amount: max.map(d),
            watch_when_member_terminates: true,
            origin: Origin {
                file: "policy.toml".into(),
                line: 1,
            },
        }
    }

    fn member(line: &str, exposure: &str, sales: &str) -> Member {
        Member {
            line: d(line),
            secured: Decimal::ZERO,
            exposure: d(exposure),
            exposure_known: true,
            annual_sales: d(sales),
            terminating: None,
        }
    }

    /// A decision of the standard policy with its line and exposure set by hand.
    fn decision(limit: &str, exposure: &str) -> Decision {
        let policy = Policy::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/policies/standard"
        )))
        .unwrap();
        let ctx = Context {
            as_of: Date::constant(2026, 6, 30),
            economy: "normal".into(),
            company: None,
        };
        let mut ev = Evaluator::new(&policy, &ctx).unwrap();
        let mut dec = ev.decide(&Client::new("M1", d("1000000"))).unwrap();
        dec.limit = d(limit);
        dec.exposure = d(exposure);
        dec.exposure_known = true;
        dec.available = dec.limit - dec.exposure;
        dec.actions.retain(|a| *a != Action::Hold);
        dec.reasons.retain(|r| r.action != Some(Action::Hold));
        dec
    }

    #[test]
    fn the_group_line_is_the_members_lines_added_up_when_no_cap_binds() {
        let mut t = GroupTotals::default();
        t.add("G1", member("100000", "80000", "1000000"));
        t.add("G1", member("50000", "60000", "1000000"));
        let lines = t.lines(&rules("15", None), d("1000"));
        let g = lines.get("G1").unwrap();
        assert_eq!(g.totals.members, 2);
        assert_eq!(g.line.amount, d("150000"));
        assert_eq!(g.line.bound, Bound::MemberLines);
        assert_eq!(g.totals.exposure, d("140000"));
        assert!(!g.over());
    }

    #[test]
    fn the_group_line_is_held_to_a_share_of_combined_sales_rounded_down() {
        let mut t = GroupTotals::default();
        // Lines of 20% each (AAA), sales 1,234,567 in all: 15% is 185,185.05 -> 185,000.
        t.add("G1", member("200000", "0", "1000000"));
        t.add("G1", member("46000", "0", "234567"));
        let lines = t.lines(&rules("15", None), d("1000"));
        let g = lines.get("G1").unwrap();
        assert_eq!(g.line.amount, d("185000"));
        assert_eq!(g.line.bound, Bound::PercentOfSales);
        assert_eq!(
            g.line_text(),
            "15% of the members' combined annual sales of 1234567.00"
        );
    }

    #[test]
    fn the_group_line_is_held_to_the_maximum_amount() {
        let mut t = GroupTotals::default();
        t.add("G1", member("150000", "0", "1000000"));
        t.add("G1", member("150000", "0", "1000000"));
        let lines = t.lines(&rules("15", Some("250000")), d("1000"));
        let g = lines.get("G1").unwrap();
        assert_eq!(g.line.amount, d("250000"));
        assert_eq!(g.line.bound, Bound::Amount);
    }

    #[test]
    fn groups_are_kept_apart_and_a_group_of_rejected_rows_has_nothing() {
        let mut t = GroupTotals::default();
        t.add("G1", member("100", "10", "1000"));
        t.add("G2", member("200", "20", "2000"));
        t.add_rejected("G3");
        t.add_rejected("G3");
        let lines = t.lines(&rules("15", None), d("1"));
        let ids: Vec<&str> = lines.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["G1", "G2", "G3"]);
        let g3 = lines.get("G3").unwrap();
        assert_eq!((g3.totals.members, g3.totals.rejected), (0, 2));
        assert_eq!((g3.line.amount, g3.totals.exposure), (d("0"), d("0")));
        assert!(!g3.over());
    }

    #[test]
    fn a_member_of_unknown_exposure_holds_the_whole_group_and_is_counted() {
        let mut t = GroupTotals::default();
        assert!(t.is_empty());
        t.add("G1", member("100000", "10000", "1000000"));
        for _ in 0..2 {
            t.add(
                "G1",
                Member {
                    exposure_known: false,
                    ..member("100000", "0", "1000000")
                },
            );
        }
        t.add("G2", member("100000", "10000", "1000000"));
        assert!(!t.is_empty());
        let g1 = t.get("G1").unwrap();
        assert_eq!((g1.members, g1.unknown_exposure), (3, 2));
        assert!(t.get("G3").is_none());
        let lines = t.lines(&rules("15", None), d("1000"));
        let mut dec = decision("100000", "10000");
        lines.apply(&mut dec, Some("G1"));
        assert!(dec.has(Action::Hold));
        let reason = dec
            .reasons
            .iter()
            .find(|r| r.code == "group_exposure_unknown")
            .unwrap();
        assert!(
            reason
                .text
                .starts_with("group G1: the exposure of 2 member(s) is unknown"),
            "{}",
            reason.text
        );
        let mut other = decision("100000", "10000");
        lines.apply(&mut other, Some("G2"));
        assert!(!other.has(Action::Hold));
    }

    #[test]
    fn a_member_within_its_own_line_is_held_when_its_group_is_over() {
        let mut t = GroupTotals::default();
        t.add("G1", member("100000", "90000", "1000000"));
        t.add("G1", member("100000", "150000", "1000000"));
        let lines = t.lines(&rules("15", None), d("1000"));
        let mut dec = decision("100000", "90000");
        assert!(!dec.has(Action::Hold));
        lines.apply(&mut dec, Some("G1"));
        assert!(dec.has(Action::Hold));
        let status = dec.group.as_ref().unwrap();
        assert_eq!(
            (
                status.id.as_str(),
                status.line,
                status.exposure,
                status.over
            ),
            ("G1", d("200000"), d("240000"), true)
        );
        let reason = dec
            .reasons
            .iter()
            .find(|r| r.code == "group_over_limit")
            .unwrap();
        assert!(
            reason
                .text
                .starts_with("group G1: exposure 240000.00 exceeds the group line 200000.00"),
            "{}",
            reason.text
        );
        // Most important first: a hold comes before everything but a termination.
        assert_eq!(dec.reasons[0].code, "group_over_limit");
        // Actions stay in their fixed order.
        let mut sorted = dec.actions.clone();
        sorted.sort();
        assert_eq!(dec.actions, sorted);
    }

    #[test]
    fn the_group_caps_hold_the_unsecured_lines_and_the_members_security_comes_on_top() {
        let mut t = GroupTotals::default();
        let mut secured = member("300000", "0", "1000000");
        secured.secured = d("200000");
        t.add("G1", secured);
        t.add("G1", member("100000", "0", "1000000"));
        // Unsecured 100,000 + 100,000 under 15% of 2,000,000 (300,000): not capped; the
        // 200,000 of security on top.
        let lines = t.lines(&rules("15", None), d("1000"));
        assert_eq!(lines.get("G1").unwrap().line.amount, d("400000"));
        // A cap of 50,000 holds the unsecured part only.
        let mut t = GroupTotals::default();
        let mut secured = member("300000", "0", "1000000");
        secured.secured = d("200000");
        t.add("G1", secured);
        t.add("G1", member("100000", "0", "1000000"));
        let lines = t.lines(&rules("15", Some("50000")), d("1000"));
        let g = lines.get("G1").unwrap();
        assert_eq!(g.line.amount, d("250000"));
        assert_eq!(g.line.bound, Bound::Amount);
        assert!(
            g.line_text()
                .ends_with("plus the members' secured cover of 200000.00")
        );
    }

    #[test]
    fn a_group_within_its_line_changes_nothing_but_the_group_standing() {
        let mut t = GroupTotals::default();
        t.add("G1", member("100000", "90000", "1000000"));
        let lines = t.lines(&rules("15", None), d("1000"));
        let before = decision("100000", "90000");
        let mut dec = before.clone();
        lines.apply(&mut dec, Some("G1"));
        assert_eq!(dec.actions, before.actions);
        assert_eq!(dec.reasons, before.reasons);
        assert_eq!(dec.group.as_ref().map(|g| g.over), Some(false));
        // No group, or a group the first pass never met: nothing at all.
        let mut none = before.clone();
        lines.apply(&mut none, None);
        lines.apply(&mut none, Some("G9"));
        assert_eq!(none, before);
    }

    #[test]
    fn a_member_already_held_is_not_held_twice() {
        let mut t = GroupTotals::default();
        t.add("G1", member("100000", "300000", "1000000"));
        let lines = t.lines(&rules("15", None), d("1000"));
        let mut dec = decision("100000", "300000");
        dec.actions.insert(0, Action::Hold);
        lines.apply(&mut dec, Some("G1"));
        assert_eq!(
            dec.actions.iter().filter(|a| **a == Action::Hold).count(),
            1
        );
        assert!(dec.reasons.iter().any(|r| r.code == "group_over_limit"));
    }
}
