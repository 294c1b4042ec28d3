//! Credit control at work: the checks made where credit control acts on a decision. An order
//! arrives ([`order`]: release it, release it with approval, take prepayment, or hold it);
//! reviews fall due ([`review`]: who to review first and what to look at); a client is cut off
//! ([`exit`]: the steps the seed prescribes, with the client's amounts).
//!
//! Each takes decisions a run made ([`crate::run`], group lines applied) and the policy, and
//! gives plain data the command line prints as a table or JSON. No grading happens here: the
//! engine decides, this acts on it.

pub mod channel;
pub mod exit;
pub mod order;
pub mod review;

use std::collections::HashMap;

use crate::client::{Client, ClientReader, InputError, Reject, Row};
use crate::engine::{Action, Decision, EvalError, Evaluator, Reason};
use crate::policy::Policy;
use crate::policy::source::did_you_mean;

/// Where credit control gets a client's decision: the decisions of a run
/// ([`crate::run::Decisions`], group lines applied), or an [`Evaluator`] deciding on the spot
/// (for tests and library users without groups).
pub trait Decide<'p> {
    /// The policy that decides.
    fn policy(&self) -> &'p Policy;
    /// The client's decision.
    fn decide(&mut self, client: &Client) -> Result<Decision, EvalError>;
}

impl<'p> Decide<'p> for Evaluator<'p> {
    fn policy(&self) -> &'p Policy {
        Evaluator::policy(self)
    }

    fn decide(&mut self, client: &Client) -> Result<Decision, EvalError> {
        Evaluator::decide(self, client)
    }
}

/// The clients of one input, read whole so orders can name them in any order: every checked
/// client and every rejected row.
#[derive(Debug, Default)]
pub struct Portfolio {
    /// How messages name the input, e.g. `` `clients.csv` ``.
    source: String,
    clients: Vec<Client>,
    rejects: Vec<Reject>,
    by_id: HashMap<String, usize>,
}

/// What a client id finds in a [`Portfolio`].
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    Found(&'a Client),
    /// The client's row is there but was rejected.
    Rejected(&'a Reject),
    /// No row has that id; the closest id, when one is close.
    Unknown(Option<&'a str>),
}

impl Portfolio {
    /// Reads every row of the input.
    pub fn read(reader: ClientReader) -> Result<Portfolio, InputError> {
        let mut p = Portfolio {
            source: "the clients".into(),
            ..Portfolio::default()
        };
        for row in reader {
            match row? {
                Row::Client(c) => {
                    p.by_id.insert(c.id.clone(), p.clients.len());
                    p.clients.push(*c);
                }
                Row::Reject(r) => p.rejects.push(r),
            }
        }
        Ok(p)
    }

    /// A portfolio of clients already in hand (for tests and library users).
    pub fn from_clients(clients: Vec<Client>) -> Portfolio {
        Portfolio::new(clients, Vec::new())
    }

    /// A portfolio of checked clients and rejected rows, each in input order.
    pub fn new(clients: Vec<Client>, rejects: Vec<Reject>) -> Portfolio {
        let by_id = clients
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        Portfolio {
            source: "the clients".into(),
            clients,
            rejects,
            by_id,
        }
    }

    /// Names the input in messages: the clients file's path.
    pub fn named(mut self, path: &str) -> Portfolio {
        self.source = format!("`{path}`");
        self
    }

    /// How messages name the input.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The client with this id. A checked row wins over a rejected one with the same id (a
    /// duplicate id is rejected on its second use, the first row still stands).
    pub fn lookup(&self, id: &str) -> Lookup<'_> {
        if let Some(&i) = self.by_id.get(id) {
            return Lookup::Found(&self.clients[i]);
        }
        if let Some(r) = self.rejects.iter().find(|r| r.id.as_deref() == Some(id)) {
            return Lookup::Rejected(r);
        }
        let ids = self
            .clients
            .iter()
            .map(|c| c.id.as_str())
            .chain(self.rejects.iter().filter_map(|r| r.id.as_deref()));
        Lookup::Unknown(did_you_mean(id, ids))
    }

    pub fn clients(&self) -> &[Client] {
        &self.clients
    }

    pub fn rejects(&self) -> &[Reject] {
        &self.rejects
    }
}

/// The action a reason of a decision stands for, when it is a warning sign credit control acts
/// on: `terminate`, `hold`, `require_collateral` or `watch`; `None` for the others (grade moves,
/// the economy, the line arithmetic, the review date, the score). The engine attaches the
/// action to each reason; this only leaves out the review date, which is not a sign.
pub fn sign_action(r: &Reason) -> Option<Action> {
    r.action.filter(|a| *a != Action::ReviewDue)
}

#[cfg(test)]
pub(crate) mod testing {
    //! What the unit tests of `control` share: the seed policy and clients built by hand.

    use std::path::Path;
    use std::str::FromStr;

    use jiff::civil::Date;
    use rust_decimal::Decimal;

    use crate::client::{Client, Fact};
    use crate::context::Context;
    use crate::policy::Policy;

    pub fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    pub fn standard() -> Policy {
        Policy::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/standard")).unwrap()
    }

    pub fn as_of(s: &str) -> Context {
        let mut c = Context::today();
        c.as_of = s.parse::<Date>().unwrap();
        c
    }

    /// A client that scores 92 on the seed policy (grade AAA): every measure in its best band
    /// but collateral, which it has none of, so its line is the grade's share alone.
    pub fn strong(id: &str, sales: &str, receivable: &str, open: &str) -> Client {
        let mut c = Client::new(id, d(sales));
        for (f, v) in [
            (Fact::ReceivableBalance, receivable),
            (Fact::OpenOrders, open),
            (Fact::OnTimeRatio, "0.99"),
            (Fact::MaxDaysLate, "0"),
            (Fact::BrokenPromises, "0"),
            (Fact::YearsTrading, "12"),
            (Fact::TotalAssets, "10000000"),
            (Fact::TotalLiabilities, "3000000"),
            (Fact::CurrentAssets, "4000000"),
            (Fact::CurrentLiabilities, "1800000"),
            (Fact::Inventory, "1000000"),
            (Fact::IntangibleAssets, "0"),
            (Fact::HighRiskShare, "0.02"),
            (Fact::ManagementScore, "5"),
            (Fact::SalesGrowth, "0.12"),
            (Fact::SellIn, "1000"),
            (Fact::SellOut, "950"),
            (Fact::CrossRegionSales, "0"),
        ] {
            c.facts.set(f, Some(d(v)));
        }
        c.last_review = Some("2026-03-01".parse().unwrap());
        c
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::client::Fact;
    use crate::engine::Evaluator;

    #[test]
    fn signs_are_read_back_from_real_decisions() {
        let policy = standard();
        let mut ev = Evaluator::new(&policy, &as_of("2026-06-30")).unwrap();

        let mut failing = strong("F", "1000000", "50000", "0");
        failing.distress_confirmed = Some(true);
        let dec = ev.decide(&failing).unwrap();
        let action = |dec: &crate::engine::Decision, code: &str| {
            sign_action(dec.reasons.iter().find(|r| r.code == code).unwrap())
        };
        assert_eq!(action(&dec, "distress_confirmed"), Some(Action::Terminate));
        assert_eq!(action(&dec, "terminating"), Some(Action::Hold));
        assert_eq!(action(&dec, "failing_business"), None);

        let over = strong("O", "1000000", "300000", "0");
        let dec = ev.decide(&over).unwrap();
        assert_eq!(action(&dec, "over_limit"), Some(Action::Hold));
        assert_eq!(action(&dec, "score"), None);

        let mut piling = strong("P", "1000000", "0", "0");
        piling.facts.set(Fact::SellOut, Some(d("300")));
        piling.facts.set(Fact::OnTimeRatio, None);
        let dec = ev.decide(&piling).unwrap();
        assert_eq!(action(&dec, "low_sell_through"), Some(Action::Watch));
        assert_eq!(
            action(&dec, "no_payment_history"),
            Some(Action::RequireCollateral)
        );
    }

    #[test]
    fn a_portfolio_finds_clients_rejects_and_near_misses() {
        let p = Portfolio::from_clients(vec![strong("D001", "1", "0", "0")]);
        assert!(matches!(p.lookup("D001"), Lookup::Found(c) if c.id == "D001"));
        assert!(matches!(p.lookup("D0001"), Lookup::Unknown(Some("D001"))));
        assert!(matches!(p.lookup("zzz"), Lookup::Unknown(None)));
    }
}
