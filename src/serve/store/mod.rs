//! The service's database: SQLite (one file, the default) or PostgreSQL (several replicas on
//! one database). The same tables and the same answers on either; what differs is how a check
//! takes its lock (see [`lock`]).
//!
//! * imports: every portfolio imported is kept, row by row, with its rejects;
//! * clients: each client's facts as last imported, and its ledger since;
//! * orders, invoices, ledger: the exposure ledger;
//! * approvals, grade_history, decision_log: who released what, how grades moved, and the
//!   audit record of every decision (a hash chain, read by `replay --db`).
//!
//! Money is stored as exact decimal text, never as a floating-point column.

use serde_json::Value;

use super::api::{LedgerEvent, OrderRequest, ServiceError, Verdict};
use super::live::Loaded;
use crate::control::order::Outcome;

/// Which database holds the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A portfolio as posted: its format (from the request's content type) and its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFormat {
    Csv,
    Json,
    JsonLines,
    Xlsx,
}

impl UploadFormat {
    /// The format of a content type (`text/csv`, `application/json`,
    /// `application/x-ndjson`, the xlsx type), parameters such as `charset` ignored.
    pub fn from_content_type(ct: &str) -> Option<UploadFormat> {
        let base = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match base.as_str() {
            "text/csv" | "application/csv" => Some(UploadFormat::Csv),
            "application/json" => Some(UploadFormat::Json),
            "application/x-ndjson" | "application/jsonl" | "application/jsonlines" => {
                Some(UploadFormat::JsonLines)
            }
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
                Some(UploadFormat::Xlsx)
            }
            _ => None,
        }
    }

    pub const CONTENT_TYPES: &'static str = "text/csv, application/json, application/x-ndjson, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

pub struct Upload {
    /// How answers and the import record name it (the `X-Filename` header, else `upload`).
    pub name: String,
    pub format: UploadFormat,
    pub body: Vec<u8>,
}

/// The answer to an order check.
#[derive(Debug, Clone)]
pub struct OrderAnswer {
    /// The JSON answered (`credit-policy order --format json`'s object, with `order_id`,
    /// `status` and `repeated`).
    pub body: Value,
    pub outcome: Outcome,
    /// `true` when this is a retry of an order already checked: the first answer, unchanged.
    pub repeated: bool,
}

/// The database.
pub struct Store {
    backend: Backend,
}

impl Store {
    /// Connects to `url` (`sqlite://FILE`, created when missing, or `postgres://...`) and
    /// brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store, ServiceError> {
        let _ = url;
        todo!("store")
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), ServiceError> {
        todo!("store")
    }

    /// Reads, checks and decides a portfolio as `evaluate` does (same rows rejected, group
    /// lines applied) and keeps it: the answer counts what was decided and lists every reject.
    pub async fn import(&self, live: &Loaded, upload: Upload) -> Result<Value, ServiceError> {
        let _ = (live, upload);
        todo!("store")
    }

    /// A client: facts as imported, live exposure, its decision now, grade history, orders
    /// waiting for approval. 404 when unknown.
    pub async fn client(&self, live: &Loaded, id: &str) -> Result<Value, ServiceError> {
        let _ = (live, id);
        todo!("store")
    }

    /// Checks an order against live exposure, reserving a released order in the same
    /// transaction; a retry returns the first answer.
    pub async fn check_order(
        &self,
        live: &Loaded,
        req: OrderRequest,
    ) -> Result<OrderAnswer, ServiceError> {
        let _ = (live, req);
        todo!("store")
    }

    /// An approver's verdict on an order waiting for approval: approved, it is released when
    /// live exposure plus the order is still within the grade's tolerance (409 when not);
    /// rejected, it is closed. Either way the verdict is recorded.
    pub async fn verdict(
        &self,
        live: &Loaded,
        order_id: &str,
        approver: &str,
        approve: bool,
        verdict: Verdict,
    ) -> Result<Value, ServiceError> {
        let _ = (live, order_id, approver, approve, verdict);
        todo!("store")
    }

    /// Records one ledger event; 404 for an unknown client, order or invoice, 409 for an
    /// event id already used, 422 for an amount the ledger cannot take.
    pub async fn post_event(&self, live: &Loaded, ev: LedgerEvent) -> Result<Value, ServiceError> {
        let _ = (live, ev);
        todo!("store")
    }

    /// The decision log from record `after` + 1, at most `limit` records: each an audit
    /// record line as `evaluate --log` writes it.
    pub async fn decision_log(&self, after: i64, limit: i64) -> Result<Vec<String>, ServiceError> {
        let _ = (after, limit);
        todo!("store")
    }
}
