//! `credit-policy serve`: credit control online, for the ERP.
//!
//! An HTTP JSON service that decides clients with the same library layer as the command line
//! and keeps what the command line forgets in a database: every import of the portfolio, an
//! exposure ledger (orders released, cancelled, invoiced, paid, credit notes), the decision log
//! (the audit records of [`crate::audit`], hash-chained, so `replay --db` reads them), approvals
//! and each client's grade history.
//!
//! * [`live`]: the policy being served, checked and swapped whole on reload;
//! * [`store`]: the database (SQLite by default, PostgreSQL for replicas): imports, the
//!   ledger, order checks reserving in the same transaction, approvals, the decision log;
//! * [`api`]: what the requests and answers carry, and the service's error (status, field,
//!   message);
//! * [`decide`]: one client decided now, nothing kept (`POST /v1/decide`);
//! * [`http`]: routes, bearer tokens and roles, limits, health, metrics, the OpenAPI document.

pub mod api;
pub mod decide;
pub mod http;
pub mod live;
pub mod store;

pub use http::{Server, Settings};

/// Loads the policy, binds `settings.listen` and opens the database: a server ready to run
/// (see [`Server::run`]). The error says what cannot start and how to fix it.
pub async fn start(sources: crate::run::Sources, settings: Settings) -> Result<Server, String> {
    Server::bind(sources, settings).await
}
