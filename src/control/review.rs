//! The review agenda: the clients whose credit review is overdue or falls due within a window,
//! most urgent first, each with what to look at: its two weakest criteria and the warning signs
//! its decision raised.
//!
//! A review is overdue when its next review date (last review + the policy's interval) is before
//! the as-of date; a client never reviewed is overdue too (the engine dates its review the as-of
//! day). Order: overdue key accounts first, then by exposure, largest first; ties by the most
//! days overdue, then by id.

use std::cmp::Reverse;

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::sign_action;
use crate::client::Client;
use crate::engine::{Action, Decision};
use crate::grade::Grade;
use crate::policy::CRITERIA;

/// Where a client's review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The next review date has passed.
    Overdue,
    /// No review on record.
    NeverReviewed,
    /// Due today or within the window.
    Due,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Overdue => "overdue",
            Status::NeverReviewed => "never_reviewed",
            Status::Due => "due",
        }
    }

    /// Overdue or never reviewed: late already.
    pub fn is_late(self) -> bool {
        self != Status::Due
    }
}

/// A warning sign the decision raised: a reason that led to `terminate`, `hold`,
/// `require_collateral` or `watch`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sign {
    pub action: Action,
    pub code: String,
    pub text: String,
}

/// One client on the agenda.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewItem {
    pub id: String,
    pub name: Option<String>,
    pub key_account: bool,
    pub last_review: Option<Date>,
    pub next_review: Date,
    pub status: Status,
    /// Days past the next review date (`Overdue`); `None` otherwise.
    pub days_overdue: Option<i64>,
    /// Days until the next review date, 0 for today (`Due`); `None` otherwise.
    pub days_left: Option<i64>,
    pub grade: Grade,
    pub line: Decimal,
    /// `None` when the exposure is unknown (an empty cell).
    pub exposure: Option<Decimal>,
    /// The two criteria that scored lowest, lowest first (a tie goes to the one listed first).
    pub lowest: Vec<(&'static str, Decimal)>,
    pub signs: Vec<Sign>,
}

impl ReviewItem {
    /// A client's place on the agenda, or `None` when its review is not due by `until`.
    pub fn new(client: &Client, d: &Decision, as_of: Date, until: Date) -> Option<ReviewItem> {
        if d.next_review > until {
            return None;
        }
        let days = |from: Date, to: Date| {
            from.until(to)
                .map(|s| i64::from(s.get_days()))
                .unwrap_or_default()
        };
        let status = if client.last_review.is_none() {
            Status::NeverReviewed
        } else if d.next_review < as_of {
            Status::Overdue
        } else {
            Status::Due
        };
        let mut criteria: Vec<(&'static str, Decimal)> =
            CRITERIA.iter().copied().zip(d.scores).collect();
        // A stable sort: equal scores keep the order of the criteria.
        criteria.sort_by_key(|(_, s)| *s);
        criteria.truncate(2);
        let signs = d
            .reasons
            .iter()
            .filter_map(|r| {
                sign_action(r).map(|action| Sign {
                    action,
                    code: r.code.clone(),
                    text: r.text.clone(),
                })
            })
            .collect();
        Some(ReviewItem {
            id: d.id.clone(),
            name: d.name.clone(),
            key_account: d.key_account,
            last_review: client.last_review,
            next_review: d.next_review,
            status,
            days_overdue: (status == Status::Overdue).then(|| days(d.next_review, as_of)),
            days_left: (status == Status::Due).then(|| days(as_of, d.next_review)),
            grade: d.grade,
            line: d.limit,
            exposure: d.exposure_known.then_some(d.exposure),
            lowest: criteria,
            signs,
        })
    }

    /// Overdue (or never reviewed) and a key account: at the top of the agenda.
    pub fn urgent(&self) -> bool {
        self.key_account && self.status.is_late()
    }
}

/// The agenda as of one day, for a window of days after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Agenda {
    pub as_of: Date,
    /// The last day of the window.
    pub until: Date,
    pub within_days: u32,
    pub items: Vec<ReviewItem>,
}

impl Agenda {
    /// An empty agenda for the window of `within_days` after `as_of`; `None` when the window
    /// ends past the calendar.
    pub fn new(as_of: Date, within_days: u32) -> Option<Agenda> {
        let days = jiff::Span::new().try_days(i64::from(within_days)).ok()?;
        let until = as_of.checked_add(days).ok()?;
        Some(Agenda {
            as_of,
            until,
            within_days,
            items: Vec::new(),
        })
    }

    /// Adds the client when its review falls due by the end of the window.
    pub fn consider(&mut self, client: &Client, d: &Decision) {
        if let Some(item) = ReviewItem::new(client, d, self.as_of, self.until) {
            self.items.push(item);
        }
    }

    /// Puts the agenda in order, most urgent first.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            // An unknown exposure could be any amount: it comes first among its peers.
            let exposure = |i: &ReviewItem| Reverse(i.exposure.unwrap_or(Decimal::MAX));
            (!a.urgent(), exposure(a), a.next_review, &a.id).cmp(&(
                !b.urgent(),
                exposure(b),
                b.next_review,
                &b.id,
            ))
        });
    }

    /// How many items are overdue or never reviewed.
    pub fn late(&self) -> usize {
        self.items.iter().filter(|i| i.status.is_late()).count()
    }
}

/// One agenda item as written out: money as exact decimal strings, scores cut to two places.
#[derive(Debug, serde::Serialize)]
pub struct ReviewItemJson<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub key_account: bool,
    pub last_review: Option<String>,
    pub next_review: String,
    pub status: &'static str,
    pub days_overdue: Option<i64>,
    pub days_left: Option<i64>,
    pub grade: &'static str,
    pub limit: String,
    /// `null` when unknown.
    pub exposure: Option<String>,
    /// The two weakest criteria, lowest first.
    pub lowest_criteria: Vec<CriterionJson>,
    pub signs: Vec<SignJson<'a>>,
}

#[derive(Debug, serde::Serialize)]
pub struct CriterionJson {
    pub criterion: &'static str,
    pub score: String,
}

#[derive(Debug, serde::Serialize)]
pub struct SignJson<'a> {
    pub action: &'static str,
    pub code: &'a str,
    pub text: &'a str,
}

impl<'a> ReviewItemJson<'a> {
    pub fn new(i: &'a ReviewItem) -> ReviewItemJson<'a> {
        ReviewItemJson {
            id: &i.id,
            name: i.name.as_deref(),
            key_account: i.key_account,
            last_review: i.last_review.map(|d| d.to_string()),
            next_review: i.next_review.to_string(),
            status: i.status.as_str(),
            days_overdue: i.days_overdue,
            days_left: i.days_left,
            grade: i.grade.as_str(),
            limit: crate::money::fmt_money(i.line),
            exposure: i.exposure.map(crate::money::fmt_money),
            lowest_criteria: i
                .lowest
                .iter()
                .map(|(c, s)| CriterionJson {
                    criterion: c,
                    score: crate::engine::decision_score_text(*s),
                })
                .collect(),
            signs: i
                .signs
                .iter()
                .map(|s| SignJson {
                    action: s.action.as_str(),
                    code: &s.code,
                    text: &s.text,
                })
                .collect(),
        }
    }
}

/// The whole agenda as written out.
#[derive(Debug, serde::Serialize)]
pub struct AgendaJson<'a> {
    pub as_of: String,
    pub until: String,
    pub within_days: u32,
    pub clients: Vec<ReviewItemJson<'a>>,
    pub policy: &'a crate::policy::Identity,
}

impl<'a> AgendaJson<'a> {
    pub fn new(a: &'a Agenda, identity: &'a crate::policy::Identity) -> AgendaJson<'a> {
        AgendaJson {
            as_of: a.as_of.to_string(),
            until: a.until.to_string(),
            within_days: a.within_days,
            clients: a.items.iter().map(ReviewItemJson::new).collect(),
            policy: identity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::engine::Evaluator;

    #[test]
    fn the_agenda_puts_overdue_key_accounts_first_then_exposure() {
        let policy = standard();
        let mut ev = Evaluator::new(&policy, &as_of("2026-06-30")).unwrap();
        let mut agenda = Agenda::new("2026-06-30".parse().unwrap(), 30).unwrap();
        let mut clients = Vec::new();
        // Reviewed 2025-06-01: due 2026-06-01, 29 days overdue; the biggest exposure.
        let mut big = strong("BIG", "1000000", "900000", "0");
        big.last_review = Some("2025-06-01".parse().unwrap());
        clients.push(big);
        // A key account reviewed 2025-12-20: due 2026-06-20 (6 months), 10 days overdue.
        let mut key = strong("KEY", "1000000", "1000", "0");
        key.key_account = Some(true);
        key.last_review = Some("2025-12-20".parse().unwrap());
        clients.push(key);
        // Due 2026-07-30 exactly at the window's end: 30 days left.
        let mut soon = strong("SOON", "1000000", "50000", "0");
        soon.last_review = Some("2025-07-30".parse().unwrap());
        clients.push(soon);
        // Due 2026-07-31, one day past the window: not on the agenda.
        let mut later = strong("LATER", "1000000", "990000", "0");
        later.last_review = Some("2025-07-31".parse().unwrap());
        clients.push(later);
        // Due today.
        let mut today = strong("TODAY", "1000000", "20000", "0");
        today.last_review = Some("2025-06-30".parse().unwrap());
        clients.push(today);
        for c in &clients {
            let d = ev.decide(c).unwrap();
            agenda.consider(c, &d);
        }
        agenda.sort();
        let got: Vec<(&str, Status, Option<i64>, Option<i64>)> = agenda
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.status, i.days_overdue, i.days_left))
            .collect();
        assert_eq!(
            got,
            vec![
                ("KEY", Status::Overdue, Some(10), None),
                ("BIG", Status::Overdue, Some(29), None),
                ("SOON", Status::Due, None, Some(30)),
                ("TODAY", Status::Due, None, Some(0)),
            ]
        );
        assert_eq!(agenda.late(), 2);
    }

    #[test]
    fn a_window_past_the_calendar_is_refused_not_a_panic() {
        let day: Date = "2026-06-30".parse().unwrap();
        assert!(Agenda::new(day, u32::MAX).is_none());
        assert!(Agenda::new(day, 3_000_000).is_none());
        assert_eq!(Agenda::new(day, 1).unwrap().until.to_string(), "2026-07-01");
    }

    #[test]
    fn each_item_names_its_two_weakest_criteria_and_its_signs() {
        let policy = standard();
        let mut ev = Evaluator::new(&policy, &as_of("2026-06-30")).unwrap();
        let mut c = strong("W", "1000000", "500000", "0");
        c.last_review = None;
        c.facts.set(crate::client::Fact::SellOut, Some(d("300")));
        c.facts.set(crate::client::Fact::CollateralValue, None);
        let dec = ev.decide(&c).unwrap();
        let item = ReviewItem::new(
            &c,
            &dec,
            "2026-06-30".parse().unwrap(),
            "2026-07-30".parse().unwrap(),
        )
        .unwrap();
        assert_eq!(item.status, Status::NeverReviewed);
        assert_eq!((item.days_overdue, item.days_left), (None, None));
        // Collateral unknown scores 20; capacity loses sell-through (0 of its 20%): 80.
        assert_eq!(
            item.lowest,
            vec![("collateral", d("20")), ("capacity", d("80"))]
        );
        let signs: Vec<(Action, &str)> = item
            .signs
            .iter()
            .map(|s| (s.action, s.code.as_str()))
            .collect();
        assert_eq!(
            signs,
            vec![
                (Action::Hold, "over_limit"),
                (Action::RequireCollateral, "never_reviewed"),
                (Action::Watch, "low_sell_through"),
            ]
        );
    }
}
