//! The exit plan for a client under `terminate`: the steps the seed prescribes, in order, with
//! the client's own amounts.
//!
//! 1. Stop new shipments now, cancelling its open orders.
//! 2. Recover the receivable balance.
//! 3. Clear or buy back our goods from its stock before revoking its dealer status, so it
//!    cannot dump stock on the market and disrupt the channel.
//! 4. Keep title to the goods shipped until everything is paid.
//!
//! A figure the input leaves empty is said to be unknown, never taken as zero. The stock to
//! clear is our goods in the client's stock (`our_stock`) when the input gives them, else its
//! whole inventory, and the step says which.

use rust_decimal::Decimal;

use super::sign_action;
use crate::client::{Client, Fact};
use crate::engine::{Action, Decision};
use crate::grade::Grade;
use crate::money::fmt_money;
use crate::report::money_grouped;

/// One step of an exit plan. The text is for people (money grouped, `12,000.00`); the amount
/// is exact.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 1 to 4, the order to take them in.
    pub number: u8,
    /// `stop_shipments`, `recover_receivable`, `clear_stock` or `keep_title`.
    pub code: &'static str,
    /// What the amount is, e.g. `open orders to cancel`; for `clear_stock`, `our goods in its
    /// stock` or, when those are unknown, `its inventory`.
    pub figure: &'static str,
    /// The amount; `None` when the input does not give it.
    pub amount: Option<Decimal>,
    /// The step in plain words, with the amount.
    pub text: String,
}

/// The exit plan of one client.
#[derive(Debug, Clone, PartialEq)]
pub struct ExitPlan {
    pub id: String,
    pub name: Option<String>,
    pub grade: Grade,
    /// Why trading ends: the reasons that led to `terminate`.
    pub why: Vec<(String, String)>,
    pub steps: Vec<Step>,
}

impl ExitPlan {
    /// The plan for a client, or `None` when it is not under `terminate`.
    pub fn new(client: &Client, d: &Decision) -> Option<ExitPlan> {
        if !d.has(Action::Terminate) {
            return None;
        }
        let get = |f: Fact| client.facts.get(f);
        let (open, owed) = (get(Fact::OpenOrders), get(Fact::ReceivableBalance));
        let exposure = match (open, owed) {
            (None, None) => None,
            (o, r) => Some(o.unwrap_or_default() + r.unwrap_or_default()),
        };
        let some_unknown = open.is_none() || owed.is_none();

        let stop = match open {
            Some(v) if v.is_zero() => "stop new shipments now; it has no open orders".to_string(),
            Some(v) => format!("stop new shipments now and cancel its open orders of {}", money_grouped(v)),
            None => "stop new shipments now; its open orders are unknown: cancel whatever the order book holds".to_string(),
        };
        let recover = match owed {
            Some(v) if v.is_zero() => {
                "nothing is owed now: make sure no new invoice is raised".to_string()
            }
            Some(v) => format!("recover the receivable balance of {}", money_grouped(v)),
            None => "recover the receivable balance; it is unknown here: take it from the ledger"
                .to_string(),
        };
        let clear = |what: String| {
            format!(
                "clear or buy back our goods from its stock ({what}) before revoking its dealer status, so it cannot dump stock on the market"
            )
        };
        let (figure, stock, clear) = match (get(Fact::OurStock), get(Fact::Inventory)) {
            (Some(v), _) => (
                "our goods in its stock",
                Some(v),
                clear(format!("our goods in its stock: {}", money_grouped(v))),
            ),
            (None, Some(v)) => (
                "its inventory",
                Some(v),
                clear(format!(
                    "our goods in it unknown; its whole inventory: {}",
                    money_grouped(v)
                )),
            ),
            (None, None) => (
                "our goods in its stock",
                None,
                clear("unknown here: count it first".to_string()),
            ),
        };
        let title = match exposure {
            Some(v) if some_unknown => format!(
                "keep title to the goods shipped until everything is paid: at least {} ({} unknown)",
                money_grouped(v),
                if owed.is_none() {
                    "the receivable balance is"
                } else {
                    "its open orders are"
                }
            ),
            Some(v) if v.is_zero() => "keep title to any goods shipped until everything is paid (nothing is owed or on order now)".to_string(),
            Some(v) => format!(
                "keep title to the goods shipped until everything is paid: {}",
                money_grouped(v)
            ),
            None => {
                "keep title to the goods shipped until everything is paid (its exposure is unknown)"
                    .to_string()
            }
        };
        let steps = vec![
            Step {
                number: 1,
                code: "stop_shipments",
                figure: "open orders to cancel",
                amount: open,
                text: stop,
            },
            Step {
                number: 2,
                code: "recover_receivable",
                figure: "receivable balance",
                amount: owed,
                text: recover,
            },
            Step {
                number: 3,
                code: "clear_stock",
                figure,
                amount: stock,
                text: clear,
            },
            Step {
                number: 4,
                code: "keep_title",
                figure: "exposure",
                amount: exposure,
                text: title,
            },
        ];
        let why = d
            .reasons
            .iter()
            .filter(|r| sign_action(r) == Some(Action::Terminate))
            .map(|r| (r.code.clone(), r.text.clone()))
            .collect();
        Some(ExitPlan {
            id: d.id.clone(),
            name: d.name.clone(),
            grade: d.grade,
            why,
            steps,
        })
    }

    /// What is at stake: the exposure when known, else zero (for ordering plans).
    pub fn at_stake(&self) -> Decimal {
        self.steps
            .iter()
            .find(|s| s.code == "keep_title")
            .and_then(|s| s.amount)
            .unwrap_or_default()
    }
}

/// Puts plans in order: the most at stake first, then by id.
pub fn sort(plans: &mut [ExitPlan]) {
    plans.sort_by(|a, b| {
        b.at_stake()
            .cmp(&a.at_stake())
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// One exit plan as written out: amounts as exact decimal strings, `null` when unknown.
#[derive(Debug, serde::Serialize)]
pub struct ExitPlanJson<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub grade: &'static str,
    pub why: Vec<WhyJson<'a>>,
    pub steps: Vec<StepJson<'a>>,
}

#[derive(Debug, serde::Serialize)]
pub struct WhyJson<'a> {
    pub code: &'a str,
    pub text: &'a str,
}

#[derive(Debug, serde::Serialize)]
pub struct StepJson<'a> {
    pub step: u8,
    pub code: &'static str,
    pub figure: &'static str,
    pub amount: Option<String>,
    pub text: &'a str,
}

impl<'a> ExitPlanJson<'a> {
    pub fn new(p: &'a ExitPlan) -> ExitPlanJson<'a> {
        ExitPlanJson {
            id: &p.id,
            name: p.name.as_deref(),
            grade: p.grade.as_str(),
            why: p
                .why
                .iter()
                .map(|(code, text)| WhyJson { code, text })
                .collect(),
            steps: p
                .steps
                .iter()
                .map(|s| StepJson {
                    step: s.number,
                    code: s.code,
                    figure: s.figure,
                    amount: s.amount.map(fmt_money),
                    text: &s.text,
                })
                .collect(),
        }
    }
}

/// Every exit plan as written out.
#[derive(Debug, serde::Serialize)]
pub struct ExitPlansJson<'a> {
    pub as_of: String,
    pub clients: Vec<ExitPlanJson<'a>>,
    pub policy: &'a crate::policy::Identity,
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::engine::Evaluator;

    fn failing(receivable: Option<&str>, open: Option<&str>, inventory: Option<&str>) -> Client {
        failing_with_stock(receivable, open, inventory, None)
    }

    fn failing_with_stock(
        receivable: Option<&str>,
        open: Option<&str>,
        inventory: Option<&str>,
        ours: Option<&str>,
    ) -> Client {
        let mut c = strong("F", "1000000", "0", "0");
        c.distress_confirmed = Some(true);
        c.facts.set(Fact::ReceivableBalance, receivable.map(d));
        c.facts.set(Fact::OpenOrders, open.map(d));
        c.facts.set(Fact::Inventory, inventory.map(d));
        c.facts.set(Fact::OurStock, ours.map(d));
        c
    }

    fn plan(c: &Client) -> Option<ExitPlan> {
        let policy = standard();
        let mut ev = Evaluator::new(&policy, &as_of("2026-06-30")).unwrap();
        let dec = ev.decide(c).unwrap();
        ExitPlan::new(c, &dec)
    }

    #[test]
    fn the_four_steps_carry_the_clients_amounts_in_order() {
        let p = plan(&failing(Some("48000"), Some("12000.50"), Some("300000"))).unwrap();
        let steps: Vec<(u8, &str, Option<Decimal>)> = p
            .steps
            .iter()
            .map(|s| (s.number, s.code, s.amount))
            .collect();
        assert_eq!(
            steps,
            vec![
                (1, "stop_shipments", Some(d("12000.50"))),
                (2, "recover_receivable", Some(d("48000"))),
                (3, "clear_stock", Some(d("300000"))),
                (4, "keep_title", Some(d("60000.50"))),
            ]
        );
        assert!(p.steps[0].text.contains("12,000.50"), "{}", p.steps[0].text);
        assert!(
            p.steps[2]
                .text
                .contains("before revoking its dealer status")
        );
        assert_eq!(p.grade, Grade::C);
        assert_eq!(p.why[0].0, "distress_confirmed");
    }

    #[test]
    fn unknown_figures_are_said_to_be_unknown() {
        let p = plan(&failing(Some("48000"), None, None)).unwrap();
        assert_eq!(p.steps[0].amount, None);
        assert!(p.steps[0].text.contains("unknown"), "{}", p.steps[0].text);
        assert!(p.steps[2].text.contains("unknown"), "{}", p.steps[2].text);
        assert!(
            p.steps[3].text.contains("at least 48,000.00"),
            "{}",
            p.steps[3].text
        );
        let p = plan(&failing(None, None, Some("0"))).unwrap();
        assert_eq!(p.steps[3].amount, None);
        assert!(p.steps[3].text.contains("exposure is unknown"));
    }

    #[test]
    fn the_stock_to_clear_is_our_goods_when_known_and_says_so() {
        let p = plan(&failing_with_stock(
            Some("1"),
            Some("0"),
            Some("300000"),
            Some("80000"),
        ))
        .unwrap();
        let s = &p.steps[2];
        assert_eq!(
            (s.figure, s.amount),
            ("our goods in its stock", Some(d("80000")))
        );
        assert!(
            s.text.contains("(our goods in its stock: 80,000.00)"),
            "{}",
            s.text
        );

        let p = plan(&failing(Some("1"), Some("0"), Some("300000"))).unwrap();
        let s = &p.steps[2];
        assert_eq!((s.figure, s.amount), ("its inventory", Some(d("300000"))));
        assert!(
            s.text
                .contains("(our goods in it unknown; its whole inventory: 300,000.00)"),
            "{}",
            s.text
        );
    }

    #[test]
    fn an_unknown_balance_is_said_to_be_unknown_never_as_an_amount() {
        let p = plan(&failing_with_stock(
            None,
            Some("12000"),
            Some("5"),
            Some("3"),
        ))
        .unwrap();
        assert_eq!(p.steps[1].amount, None);
        assert!(p.steps[1].text.contains("unknown"), "{}", p.steps[1].text);
        assert!(
            p.steps[3]
                .text
                .ends_with("at least 12,000.00 (the receivable balance is unknown)"),
            "{}",
            p.steps[3].text
        );
        // The reason the policy's rule gave says it the same way, and the figures it attached
        // leave the unknown balance out.
        let policy = standard();
        let mut ev = Evaluator::new(&policy, &as_of("2026-06-30")).unwrap();
        let dec = ev
            .decide(&failing_with_stock(
                None,
                Some("12000"),
                Some("5"),
                Some("3"),
            ))
            .unwrap();
        let r = dec
            .reasons
            .iter()
            .find(|r| r.code == "distress_confirmed")
            .unwrap();
        assert!(!r.text.contains("the balance of the balance"), "{}", r.text);
        assert!(
            r.text
                .contains("recover the receivable balance (unknown here: take it from the ledger)"),
            "{}",
            r.text
        );
        assert!(
            r.text.contains("(our goods in its stock: 3.00)"),
            "{}",
            r.text
        );
        assert_eq!(
            r.figures,
            [("our_stock".into(), d("3")), ("inventory".into(), d("5"))]
        );
    }

    #[test]
    fn a_client_not_under_terminate_has_no_plan() {
        assert_eq!(plan(&strong("OK", "1000000", "0", "0")), None);
    }

    #[test]
    fn plans_are_sorted_by_what_is_at_stake() {
        let mut a = plan(&failing(Some("10"), Some("0"), None)).unwrap();
        a.id = "A".into();
        let mut b = plan(&failing(Some("20"), Some("0"), None)).unwrap();
        b.id = "B".into();
        let mut plans = vec![a, b];
        sort(&mut plans);
        assert_eq!(plans[0].id, "B");
    }
}
