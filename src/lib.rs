//! `credit-policy`: a rules-driven credit policy engine.
//!
//! A [`policy::Policy`] (a folder of TOML and Rhai, loaded at run time) decides, for every
//! [`client::Client`], a credit grade from the five Cs of credit, a credit line as a share of
//! its annual sales, payment terms and the actions credit control must take. Money is
//! [`rust_decimal::Decimal`] throughout.
//!
//! ```no_run
//! use credit_policy::{client::{ClientReader, Row}, context::Context, engine::Evaluator, policy::Policy};
//!
//! let policy = Policy::load("policies/standard".as_ref()).expect("policy loads");
//! let mut evaluator = Evaluator::new(&policy, &Context::today()).expect("context fits the policy");
//! for row in ClientReader::open("examples/clients.csv").expect("input opens") {
//!     if let Ok(Row::Client(c)) = row {
//!         let d = evaluator.decide(&c).expect("rules run");
//!         println!("{} {} {}", d.id, d.grade, d.limit);
//!     }
//! }
//! ```

pub mod audit;
pub mod backtest;
pub mod cases;
pub mod client;
pub mod compare;
pub mod context;
pub mod control;
pub mod engine;
pub mod grade;
pub mod money;
pub mod policy;
pub mod report;
pub mod run;
pub mod safety;
pub mod serve;
pub mod stream;
