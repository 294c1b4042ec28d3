//! Service tests: the real `credit-policy serve` binary started on a free port with its own
//! SQLite file and tokens in a temp dir, as of 2026-11-30, and spoken to over HTTP.
//!
//! One test binary; the modules live in `tests/serve/`, one per thing the service promises.
//! Each test starts its own server (they run in parallel, each on its own port and database).

#[path = "serve/support.rs"]
mod support;

#[path = "serve/auth.rs"]
mod auth;
#[path = "serve/decide.rs"]
mod decide;
#[path = "serve/docs.rs"]
mod docs;
#[path = "serve/imports.rs"]
mod imports;
#[path = "serve/ledger.rs"]
mod ledger;
#[path = "serve/orders.rs"]
mod orders;
#[path = "serve/pg.rs"]
mod pg;
#[path = "serve/postgres.rs"]
mod postgres;
#[path = "serve/reload.rs"]
mod reload;
#[path = "serve/requests.rs"]
mod requests;
#[path = "serve/start.rs"]
mod start;
