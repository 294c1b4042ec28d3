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

pub mod ledger;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OwnedMutexGuard;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row};

use self::ledger::{Moves, OpenInvoice, days_past_due, live_fields};
use super::api::{ErrorKind, EventKind, LedgerEvent, OrderRequest, ServiceError, Verdict};
use super::live::Loaded;
use crate::audit::{Chain, ContextLog, client_fields, record_line};
use crate::client::{Client, Column, ColumnMap, Raw, ReadOptions, Reject, RowBuilder};
use crate::control::order::{self, OrderJson, Outcome};
use crate::money::fmt_money;
use crate::report::DecisionJson;
use crate::run::groups::GroupPass;
use crate::run::{Decided, Input, Run};

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
        let base = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
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

    pub fn as_str(self) -> &'static str {
        match self {
            UploadFormat::Csv => "csv",
            UploadFormat::Json => "json",
            UploadFormat::JsonLines => "jsonl",
            UploadFormat::Xlsx => "xlsx",
        }
    }

    /// The file extension the reader knows the format by.
    pub fn extension(self) -> &'static str {
        match self {
            UploadFormat::Csv => ".csv",
            UploadFormat::Json => ".json",
            UploadFormat::JsonLines => ".jsonl",
            UploadFormat::Xlsx => ".xlsx",
        }
    }

    pub const CONTENT_TYPES: &'static str = "text/csv, application/json, application/x-ndjson, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

pub struct Upload {
    /// How answers and the import record name it (the `X-Filename` header, else `upload`).
    pub name: String,
    pub format: UploadFormat,
    pub body: Vec<u8>,
    /// The column map (`serve --columns FILE`): an ERP export's headers to ours.
    pub columns: Option<Arc<ColumnMap>>,
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

/// The database: cheap to clone (the clones share one pool of connections).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: the one writer of this process. Writers queue here, not in SQLite's busy
    /// handler, which sleeps (up to 100 ms a try) instead of waking the next one in line.
    writer: Arc<tokio::sync::Mutex<()>>,
}

type Tx = sqlx::Transaction<'static, Any>;

fn db_error(e: sqlx::Error) -> ServiceError {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            ServiceError::new(
                ErrorKind::Unavailable,
                format!("the database cannot be reached: {e}; try again"),
            )
        }
        other => ServiceError::internal(format!("the database refused the request: {other}")),
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

fn dec(text: &str, what: &str) -> Result<Decimal, ServiceError> {
    Decimal::from_str(text).map_err(|e| {
        ServiceError::internal(format!("the stored {what} `{text}` is not a number: {e}"))
    })
}

/// A client's row: its facts as imported and the ledger's moves since.
struct ClientRow {
    id: String,
    group: Option<String>,
    fields: BTreeMap<String, String>,
    moves: Moves,
    last_grade: Option<String>,
}

impl ClientRow {
    fn of(row: &AnyRow) -> Result<ClientRow, ServiceError> {
        let fields: String = row.try_get("fields").map_err(db_error)?;
        Ok(ClientRow {
            id: row.try_get("id").map_err(db_error)?,
            group: row.try_get("grp").map_err(db_error)?,
            fields: serde_json::from_str(&fields)
                .map_err(|e| ServiceError::internal(format!("stored facts unreadable: {e}")))?,
            moves: Moves {
                receivable: dec(
                    &row.try_get::<String, _>("receivable_delta")
                        .map_err(db_error)?,
                    "receivable",
                )?,
                open_orders: dec(
                    &row.try_get::<String, _>("open_delta").map_err(db_error)?,
                    "open orders",
                )?,
                paid_to_balance: dec(
                    &row.try_get::<String, _>("paid_to_balance")
                        .map_err(db_error)?,
                    "payments",
                )?,
                late_days: row.try_get("late_days").map_err(db_error)?,
            },
            last_grade: row.try_get("last_grade").map_err(db_error)?,
        })
    }
}

/// A client decided on its live facts, with what went into the decision.
struct LiveDecision {
    client: Client,
    decided: Decided,
    /// The client's last recorded grade, when read with its row (`None`: not read).
    last_grade: Option<Option<String>>,
    /// The ledger's moves, when read with its row.
    moves: Option<Moves>,
}

impl Store {
    /// Connects to `url` (`sqlite://FILE`, created when missing, or `postgres://...`) and
    /// brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store, ServiceError> {
        Store::connect(url, true).await
    }

    /// Connects to the database of a service at `url`, which must exist and be up to date
    /// (nothing is created or changed: for reading, as `replay --db` does).
    pub async fn open_existing(url: &str) -> Result<Store, ServiceError> {
        if let Some(path) = url.strip_prefix("sqlite://")
            && !std::path::Path::new(path.split('?').next().unwrap_or(path)).is_file()
        {
            return Err(ServiceError::new(
                ErrorKind::NotFound,
                format!("there is no database file `{path}`"),
            ));
        }
        Store::connect(url, false).await
    }

    async fn connect(url: &str, create: bool) -> Result<Store, ServiceError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(ServiceError::new(
                ErrorKind::Invalid,
                format!(
                    "--db `{}` is not a database this service keeps its state in; give sqlite://FILE or postgres://USER:PASSWORD@HOST/DATABASE",
                    shown_url(url)
                ),
            ));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains('?') && create => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let options = match backend {
            // One writer at a time (BEGIN IMMEDIATE); WAL lets reads go on beside it. Every
            // commit is synced to disk: an order answered `release` survives a power cut.
            Backend::Sqlite => options.max_connections(4).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options.max_connections(16),
        };
        let pool = options.connect(&url).await.map_err(|e| {
            ServiceError::new(
                ErrorKind::Unavailable,
                format!("cannot open the database `{}`: {e}", shown_url(&url)),
            )
        })?;
        if !create {
            return Ok(Store {
                pool,
                backend,
                writer: Arc::default(),
            });
        }
        let migrated = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&pool).await,
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await,
        };
        migrated.map_err(|e| {
            ServiceError::new(
                ErrorKind::Unavailable,
                format!(
                    "cannot bring the database `{}` up to date: {e}",
                    shown_url(&url)
                ),
            )
        })?;
        Ok(Store {
            pool,
            backend,
            writer: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), ServiceError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(db_error)
    }

    /// A write transaction. On SQLite writers queue in this process for their turn, then take
    /// the write lock at once (`BEGIN IMMEDIATE`: no two transactions that both read, then both
    /// want to write); the turn is held until the transaction ends. On PostgreSQL each check
    /// locks what it reads (see [`Store::lock`]).
    async fn begin(&self) -> Result<(Tx, Option<OwnedMutexGuard<()>>), ServiceError> {
        match self.backend {
            Backend::Sqlite => {
                let turn = self.writer.clone().lock_owned().await;
                let tx = self
                    .pool
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(db_error)?;
                Ok((tx, Some(turn)))
            }
            Backend::Postgres => Ok((self.pool.begin().await.map_err(db_error)?, None)),
        }
    }

    /// Locks `key` (a client, a group, the imports, the decision log) until the transaction
    /// ends, across every server on the database. SQLite has one writer at a time already.
    async fn lock(&self, tx: &mut Tx, key: &str, shared: bool) -> Result<(), ServiceError> {
        if self.backend == Backend::Postgres {
            let sql = if shared {
                "SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))::text"
            } else {
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text"
            };
            sqlx::query(sql)
                .bind(key)
                .execute(&mut **tx)
                .await
                .map_err(db_error)?;
        }
        Ok(())
    }

    async fn client_row(&self, tx: &mut Tx, id: &str) -> Result<Option<ClientRow>, ServiceError> {
        let row = sqlx::query(
            "SELECT id, grp, fields, receivable_delta, open_delta, paid_to_balance, late_days, last_grade FROM clients WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_error)?;
        row.as_ref().map(ClientRow::of).transpose()
    }

    async fn unknown_client(&self, tx: &mut Tx, id: &str) -> ServiceError {
        let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM clients")
            .fetch_one(&mut **tx)
            .await
            .ok()
            .and_then(|r| r.try_get("n").ok())
            .unwrap_or(0);
        let hint = if count == 0 {
            "; nothing has been imported yet: POST the portfolio to /v1/imports first".to_string()
        } else {
            // The same id in other letter case or with stray spaces: the likeliest typo.
            let near: Option<String> =
                sqlx::query("SELECT id FROM clients WHERE lower(id) = lower($1) LIMIT 1")
                    .bind(id.trim())
                    .fetch_optional(&mut **tx)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|r| r.try_get("id").ok());
            near.map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default()
        };
        ServiceError::field(
            ErrorKind::NotFound,
            "client",
            format!("no client `{id}` has been imported{hint}"),
        )
    }

    /// The open invoices of `clients`, by client.
    async fn open_invoices(
        &self,
        tx: &mut Tx,
        client: &str,
    ) -> Result<Vec<OpenInvoice>, ServiceError> {
        let rows = sqlx::query(
            "SELECT open_amount, due_date FROM invoices WHERE client = $1 AND open_amount <> '0' AND open_amount <> '0.00'",
        )
        .bind(client)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                let open: String = r.try_get("open_amount").map_err(db_error)?;
                let due: String = r.try_get("due_date").map_err(db_error)?;
                Ok(OpenInvoice {
                    open: dec(&open, "invoice amount")?,
                    due: due.parse().map_err(|e| {
                        ServiceError::internal(format!("stored due date `{due}` unreadable: {e}"))
                    })?,
                })
            })
            .filter(|r: &Result<OpenInvoice, ServiceError>| {
                r.as_ref().map_or(true, |i| i.open > Decimal::ZERO)
            })
            .collect()
    }

    /// The client `id` and, when it belongs to a group, every member, each decided on its live
    /// facts; the client's decision with its group line applied. `None` when unknown.
    async fn decide_live(
        &self,
        tx: &mut Tx,
        live: &Loaded,
        id: &str,
    ) -> Result<Option<(LiveDecision, Vec<LiveDecision>)>, ServiceError> {
        let Some(row) = self.client_row(tx, id).await? else {
            return Ok(None);
        };
        let mut rows = vec![];
        if let Some(g) = row.group.clone().filter(|_| live.policy().groups.is_some()) {
            let members = sqlx::query(
                "SELECT id, grp, fields, receivable_delta, open_delta, paid_to_balance, late_days, last_grade FROM clients WHERE grp = $1 ORDER BY id",
            )
            .bind(g)
            .fetch_all(&mut **tx)
            .await
            .map_err(db_error)?;
            for m in &members {
                rows.push(ClientRow::of(m)?);
            }
        } else {
            rows.push(row);
        }
        let (_, checks) = live.setup().input_checks();
        let mut pass = GroupPass::default();
        let mut decided = Vec::new();
        for r in rows {
            let invoices = self.open_invoices(tx, &r.id).await?;
            let fields = live_fields(&r.fields, &r.moves, &invoices, live.as_of());
            let mut b = RowBuilder::new(1);
            for (k, v) in &fields {
                b.cell(&Column::for_name(k), k, Raw::Text(v));
            }
            let client = match b.finish_checked(&checks) {
                Ok(c) => c,
                Err(reject) if r.id == id => return Err(live_reject(reject)),
                Err(_) => {
                    if let Some(g) = &r.group {
                        pass.add_rejected(g);
                    }
                    continue;
                }
            };
            match live.decide(&client) {
                Ok(d) => {
                    pass.add(&client, &d.decision);
                    decided.push(LiveDecision {
                        client,
                        decided: d,
                        last_grade: Some(r.last_grade.clone()),
                        moves: Some(r.moves.clone()),
                    });
                }
                Err(reject) if r.id == id => return Err(live_reject(reject)),
                Err(_) => {
                    if let Some(g) = &r.group {
                        pass.add_rejected(g);
                    }
                }
            }
        }
        if let Some(lines) = pass.lines(live.policy()) {
            for d in decided.iter_mut() {
                lines.apply(&mut d.decided.decision, d.client.group.as_deref());
            }
        }
        let pos = decided
            .iter()
            .position(|d| d.client.id == id)
            .ok_or_else(|| ServiceError::internal(format!("client `{id}` was not decided")))?;
        let me = decided.remove(pos);
        Ok(Some((me, decided)))
    }

    /// Appends the audit records of `decisions` (one `at`, so replay forms their group lines
    /// together) to the decision log, and a grade-history row for each client whose grade
    /// moved; `cause` says what decided them.
    async fn log_decisions(
        &self,
        tx: &mut Tx,
        live: &Loaded,
        at: &str,
        decisions: &[&LiveDecision],
        cause: &str,
    ) -> Result<(), ServiceError> {
        let context = ContextLog::new(&live.setup().context);
        let identity = live.identity();
        for d in decisions {
            let decision = &d.decided.decision;
            let grade = decision.grade.as_str();
            let last: Option<String> = match &d.last_grade {
                Some(known) => known.clone(),
                None => sqlx::query("SELECT last_grade FROM clients WHERE id = $1")
                    .bind(&d.client.id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db_error)?
                    .and_then(|r| r.try_get::<Option<String>, _>("last_grade").ok().flatten()),
            };
            if last.as_deref() != Some(grade) {
                sqlx::query(
                    "INSERT INTO grade_history (client, at, grade, base_grade, credit_line, policy_version, policy_hash, cause) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&d.client.id)
                .bind(at)
                .bind(grade)
                .bind(decision.base_grade.as_str())
                .bind(decision.limit.to_string())
                .bind(&identity.version)
                .bind(&identity.hash)
                .bind(cause)
                .execute(&mut **tx)
                .await
                .map_err(db_error)?;
                sqlx::query("UPDATE clients SET last_grade = $1 WHERE id = $2")
                    .bind(grade)
                    .bind(&d.client.id)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_error)?;
            }
        }
        // The chain is one line after another across every server: its end is locked last,
        // so the lock is held only for the appends and the commit.
        self.lock(tx, "decision_log", false).await?;
        let last: Option<String> =
            sqlx::query("SELECT line FROM decision_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_error)?
                .and_then(|r| r.try_get("line").ok());
        let mut chain = Chain::after(last.as_deref());
        for d in decisions {
            let body = record_line(at, identity, &context, &d.client, &d.decided.decision);
            let seq = chain.seq as i64;
            let line = chain.seal(&body);
            sqlx::query("INSERT INTO decision_log (seq, client, at, line) VALUES ($1, $2, $3, $4)")
                .bind(seq)
                .bind(&d.client.id)
                .bind(at)
                .bind(line)
                .execute(&mut **tx)
                .await
                .map_err(db_error)?;
        }
        Ok(())
    }
}

/// A stored client whose live facts fail the row checks, or whose rules fail.
fn live_reject(r: Reject) -> ServiceError {
    ServiceError::field(
        ErrorKind::Conflict,
        &r.field,
        format!(
            "the client's live facts cannot be decided: {} {}; import its facts again",
            r.field, r.reason
        ),
    )
}

/// The URL without its password, for messages and logs (`postgres://user:***@host/db`).
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((auth, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

impl Store {
    /// Reads, checks and decides a portfolio as `evaluate` does (same rows rejected, group
    /// lines applied) and keeps it: the answer counts what was decided and lists every reject.
    /// Each client imported takes its facts from this import, and its ledger starts again
    /// from the balances it carries.
    pub async fn import(&self, live: &Arc<Loaded>, upload: Upload) -> Result<Value, ServiceError> {
        let at = now();
        let digest = crate::audit::chain::sha256(&upload.body);
        // Reading and deciding a large portfolio takes a while: on a thread of its own, so the
        // service's threads go on answering orders meanwhile.
        let (upload, read) = {
            let live = live.clone();
            tokio::task::spawn_blocking(move || {
                let read = read_upload(&live, &upload);
                (upload, read)
            })
            .await
            .map_err(|e| ServiceError::internal(format!("the import stopped: {e}")))?
        };
        let (decided, rejects, notes) = read?;
        if decided.is_empty() && rejects.is_empty() {
            return Err(ServiceError::new(
                ErrorKind::Invalid,
                format!("`{}` holds no client rows", upload.name),
            ));
        }
        let (mut tx, _writer) = self.begin().await?;
        self.lock(&mut tx, "imports", false).await?;
        let identity = serde_json::to_string(live.identity()).unwrap_or_default();
        let id: i64 = sqlx::query(
            "INSERT INTO imports (at, source, format, body_sha256, decided, rejected, policy, notes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&at)
        .bind(&upload.name)
        .bind(upload.format.as_str())
        .bind(&digest)
        .bind(decided.len() as i64)
        .bind(rejects.len() as i64)
        .bind(&identity)
        .bind(notes.to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?
        .try_get("id")
        .map_err(db_error)?;
        let mut row_number = 0i64;
        for d in &decided {
            let fields = client_fields(&d.client);
            let text = serde_json::to_string(&fields).unwrap_or_default();
            row_number += 1;
            sqlx::query(
                "INSERT INTO import_rows (import_id, row_number, line, client, fields) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(row_number)
            .bind(d.client.line as i64)
            .bind(&d.client.id)
            .bind(&text)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            sqlx::query(
                "INSERT INTO clients (id, import_id, grp, fields, receivable_delta, open_delta, paid_to_balance, late_days) VALUES ($1, $2, $3, $4, '0', '0', '0', 0) \
                 ON CONFLICT (id) DO UPDATE SET import_id = excluded.import_id, grp = excluded.grp, fields = excluded.fields, \
                 receivable_delta = '0', open_delta = '0', paid_to_balance = '0', late_days = 0",
            )
            .bind(&d.client.id)
            .bind(id)
            .bind(d.client.group.as_deref())
            .bind(&text)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        for r in &rejects {
            row_number += 1;
            sqlx::query("INSERT INTO import_rows (import_id, row_number, line, client, field, reason) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(row_number)
                .bind(r.line as i64)
                .bind(r.id.as_deref())
                .bind(&r.field)
                .bind(&r.reason)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        let refs: Vec<&LiveDecision> = decided.iter().collect();
        self.log_decisions(&mut tx, live, &at, &refs, &format!("import {id}"))
            .await?;
        tx.commit().await.map_err(db_error)?;
        let mut grades: BTreeMap<&str, u64> = BTreeMap::new();
        for d in &decided {
            *grades.entry(d.decided.decision.grade.as_str()).or_default() += 1;
        }
        Ok(json!({
            "import_id": id,
            "at": at,
            "source": upload.name,
            "body_sha256": digest,
            "decided": decided.len(),
            "rejected": rejects.len(),
            "grades": grades,
            "rejects": rejects.iter().map(|r| json!({
                "line": r.line, "id": r.id, "field": r.field, "reason": r.reason,
            })).collect::<Vec<_>>(),
            "notes": notes,
            "policy": live.identity(),
        }))
    }

    /// A client: facts as imported, live exposure, its decision now, grade history, orders
    /// waiting for approval. 404 when unknown.
    pub async fn client(&self, live: &Loaded, id: &str) -> Result<Value, ServiceError> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let Some(row) = self.client_row(&mut tx, id).await? else {
            return Err(self.unknown_client(&mut tx, id).await);
        };
        let import_id: i64 = sqlx::query("SELECT import_id FROM clients WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?
            .try_get("import_id")
            .map_err(db_error)?;
        let Some((me, _)) = self.decide_live(&mut tx, live, id).await? else {
            return Err(self.unknown_client(&mut tx, id).await);
        };
        let history = sqlx::query(
            "SELECT at, grade, base_grade, credit_line, policy_version, policy_hash, cause FROM grade_history WHERE client = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let history: Vec<Value> = history
            .iter()
            .map(|r| {
                let s = |k: &str| r.try_get::<String, _>(k).unwrap_or_default();
                json!({"at": s("at"), "grade": s("grade"), "base_grade": s("base_grade"),
                    "limit": s("credit_line"), "policy_version": s("policy_version"),
                    "policy_hash": s("policy_hash"), "cause": s("cause")})
            })
            .collect();
        let waiting = sqlx::query(
            "SELECT order_id, amount, at FROM orders WHERE client = $1 AND status = 'waiting_approval' ORDER BY at",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let waiting: Vec<Value> = waiting
            .iter()
            .map(|r| {
                let s = |k: &str| r.try_get::<String, _>(k).unwrap_or_default();
                json!({"order_id": s("order_id"), "amount": s("amount"), "at": s("at")})
            })
            .collect();
        let invoices = self.open_invoices(&mut tx, id).await?;
        tx.rollback().await.map_err(db_error)?;
        let live_facts = live_fields(&row.fields, &row.moves, &invoices, live.as_of());
        let d = &me.decided.decision;
        Ok(json!({
            "id": id,
            "import_id": import_id,
            "facts": row.fields,
            "live": {
                "as_of": live.as_of().to_string(),
                "facts": live_facts,
                "exposure": d.exposure_known.then(|| fmt_money(d.exposure)),
                "open_invoices": invoices.len(),
            },
            "decision": DecisionJson::new(d, live.identity()),
            "grade_history": history,
            "waiting_approval": waiting,
        }))
    }

    /// Checks an order against live exposure, reserving a released order in the same
    /// transaction; a retry returns the first answer.
    pub async fn check_order(
        &self,
        live: &Loaded,
        req: OrderRequest,
    ) -> Result<OrderAnswer, ServiceError> {
        let (mut tx, _writer) = self.begin().await?;
        self.lock(&mut tx, "imports", true).await?;
        // The client's group is read first, then locked: every check that can move the
        // group's exposure waits for this one.
        let group: Option<String> = sqlx::query("SELECT grp FROM clients WHERE id = $1")
            .bind(&req.client)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .and_then(|r| r.try_get::<Option<String>, _>("grp").ok().flatten());
        let key = match &group {
            Some(g) => format!("group:{g}"),
            None => format!("client:{}", req.client),
        };
        self.lock(&mut tx, &key, false).await?;
        self.lock(&mut tx, &format!("order:{}", req.order_id), false)
            .await?;
        if let Some(first) = self.first_answer(&mut tx, &req).await? {
            tx.rollback().await.map_err(db_error)?;
            return Ok(first);
        }
        let Some((me, others)) = self.decide_live(&mut tx, live, &req.client).await? else {
            return Err(self.unknown_client(&mut tx, &req.client).await);
        };
        let check = order::check(
            &me.decided.decision,
            &live.policy().orders,
            Decimal::ZERO,
            req.amount,
        );
        let status = status_of(check.outcome);
        let at = now();
        let mut body = serde_json::to_value(OrderJson::new(&check, live.identity()))
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        if let Some(m) = body.as_object_mut() {
            m.insert("order_id".into(), json!(req.order_id));
            m.insert("status".into(), json!(status));
            m.insert("as_of".into(), json!(live.as_of().to_string()));
            m.insert("checked_at".into(), json!(at));
            m.insert("repeated".into(), json!(false));
        }
        let open = if check.outcome == Outcome::Release {
            req.amount
        } else {
            Decimal::ZERO
        };
        sqlx::query(
            "INSERT INTO orders (order_id, client, amount, open_amount, status, source, at, answer) VALUES ($1, $2, $3, $4, $5, 'check', $6, $7)",
        )
        .bind(&req.order_id)
        .bind(&req.client)
        .bind(req.amount.to_string())
        .bind(open.to_string())
        .bind(status)
        .bind(&at)
        .bind(body.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if check.outcome == Outcome::Release {
            match &me.moves {
                Some(m) => {
                    let mut m = m.clone();
                    m.open_orders = m.open_orders.saturating_add(req.amount);
                    self.write_moves(&mut tx, &me.client.id, &m).await?;
                }
                None => self.add_open(&mut tx, &me.client.id, req.amount).await?,
            }
            self.ledger_row(
                &mut tx,
                &format!("order:{}", req.order_id),
                EventKind::Released,
                &req.client,
                req.amount,
                Some(&req.order_id),
                None,
                None,
                &at,
                "order check",
            )
            .await?;
        }
        let mut logged: Vec<&LiveDecision> = vec![&me];
        logged.extend(others.iter());
        self.log_decisions(
            &mut tx,
            live,
            &at,
            &logged,
            &format!("order {}", req.order_id),
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(OrderAnswer {
            body,
            outcome: check.outcome,
            repeated: false,
        })
    }

    /// The first answer to an order already checked, when `req` repeats it; 409 when the
    /// same order id came with another client or amount.
    async fn first_answer(
        &self,
        tx: &mut Tx,
        req: &OrderRequest,
    ) -> Result<Option<OrderAnswer>, ServiceError> {
        let Some(row) = sqlx::query(
            "SELECT client, amount, status, answer, source FROM orders WHERE order_id = $1",
        )
        .bind(&req.order_id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_error)?
        else {
            return Ok(None);
        };
        let client: String = row.try_get("client").map_err(db_error)?;
        let amount: String = row.try_get("amount").map_err(db_error)?;
        let source: String = row.try_get("source").map_err(db_error)?;
        if source != "check" {
            return Err(ServiceError::field(
                ErrorKind::Conflict,
                "order_id",
                format!(
                    "order `{}` was posted to the ledger as released, not checked here; give the new order its own id",
                    req.order_id
                ),
            ));
        }
        if client != req.client {
            return Err(ServiceError::field(
                ErrorKind::Conflict,
                "client",
                format!(
                    "order `{}` was checked for client `{client}`, not `{}`; a retry must repeat the order exactly, a new order needs a new id",
                    req.order_id, req.client
                ),
            ));
        }
        if dec(&amount, "order amount")? != req.amount {
            return Err(ServiceError::field(
                ErrorKind::Conflict,
                "amount",
                format!(
                    "order `{}` was checked for {amount}, not {}; a retry must repeat the order exactly, a new order needs a new id",
                    req.order_id, req.amount
                ),
            ));
        }
        let answer: Option<String> = row.try_get("answer").map_err(db_error)?;
        let mut body: Value = serde_json::from_str(answer.as_deref().unwrap_or("null"))
            .map_err(|e| ServiceError::internal(format!("stored answer unreadable: {e}")))?;
        let status: String = row.try_get("status").map_err(db_error)?;
        if let Some(m) = body.as_object_mut() {
            m.insert("repeated".into(), json!(true));
            m.insert("status".into(), json!(status));
        }
        let outcome = body
            .get("outcome")
            .and_then(Value::as_str)
            .and_then(|o| Outcome::ALL.into_iter().find(|x| x.as_str() == o))
            .unwrap_or(Outcome::Hold);
        Ok(Some(OrderAnswer {
            body,
            outcome,
            repeated: true,
        }))
    }

    async fn add_open(
        &self,
        tx: &mut Tx,
        client: &str,
        amount: Decimal,
    ) -> Result<(), ServiceError> {
        self.move_balances(tx, client, |m| {
            m.open_orders = m.open_orders.saturating_add(amount)
        })
        .await
    }

    /// Reads the client's moves, changes them with `f`, writes them back (under the lock the
    /// caller holds).
    async fn move_balances(
        &self,
        tx: &mut Tx,
        client: &str,
        f: impl FnOnce(&mut Moves),
    ) -> Result<(), ServiceError> {
        let Some(row) = self.client_row(tx, client).await? else {
            return Err(self.unknown_client(tx, client).await);
        };
        let mut m = row.moves;
        f(&mut m);
        self.write_moves(tx, client, &m).await
    }

    async fn write_moves(&self, tx: &mut Tx, client: &str, m: &Moves) -> Result<(), ServiceError> {
        sqlx::query(
            "UPDATE clients SET receivable_delta = $1, open_delta = $2, paid_to_balance = $3, late_days = $4 WHERE id = $5",
        )
        .bind(m.receivable.to_string())
        .bind(m.open_orders.to_string())
        .bind(m.paid_to_balance.to_string())
        .bind(m.late_days)
        .bind(client)
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn ledger_row(
        &self,
        tx: &mut Tx,
        event_id: &str,
        kind: EventKind,
        client: &str,
        amount: Decimal,
        order_id: Option<&str>,
        invoice_id: Option<&str>,
        due: Option<String>,
        at: &str,
        by: &str,
    ) -> Result<i64, ServiceError> {
        sqlx::query(
            "INSERT INTO ledger (event_id, kind, client, amount, order_id, invoice_id, due_date, at, by_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq",
        )
        .bind(event_id)
        .bind(kind.as_str())
        .bind(client)
        .bind(amount.to_string())
        .bind(order_id)
        .bind(invoice_id)
        .bind(due)
        .bind(at)
        .bind(by)
        .fetch_one(&mut **tx)
        .await
        .map_err(db_error)?
        .try_get("seq")
        .map_err(db_error)
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
        let (mut tx, _writer) = self.begin().await?;
        self.lock(&mut tx, "imports", true).await?;
        let row = sqlx::query("SELECT client, amount, status FROM orders WHERE order_id = $1")
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .ok_or_else(|| {
                ServiceError::field(
                    ErrorKind::NotFound,
                    "order_id",
                    format!("no order `{order_id}` has been checked"),
                )
            })?;
        let client: String = row.try_get("client").map_err(db_error)?;
        let group: Option<String> = sqlx::query("SELECT grp FROM clients WHERE id = $1")
            .bind(&client)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .and_then(|r| r.try_get::<Option<String>, _>("grp").ok().flatten());
        let key = match &group {
            Some(g) => format!("group:{g}"),
            None => format!("client:{client}"),
        };
        self.lock(&mut tx, &key, false).await?;
        // Read again under the lock: another approver may have been first.
        let status: String = sqlx::query("SELECT status FROM orders WHERE order_id = $1")
            .bind(order_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?
            .try_get("status")
            .map_err(db_error)?;
        if status != "waiting_approval" {
            return Err(ServiceError::field(
                ErrorKind::Conflict,
                "order_id",
                format!("order `{order_id}` is not waiting for approval: it is `{status}`"),
            ));
        }
        let amount = dec(
            &row.try_get::<String, _>("amount").map_err(db_error)?,
            "order amount",
        )?;
        let at = now();
        let note = verdict.note.clone();
        let (new_status, outcome, check_body, logged) = if approve {
            let Some((me, others)) = self.decide_live(&mut tx, live, &client).await? else {
                return Err(self.unknown_client(&mut tx, &client).await);
            };
            let check = order::check(
                &me.decided.decision,
                &live.policy().orders,
                Decimal::ZERO,
                amount,
            );
            let body = serde_json::to_value(OrderJson::new(&check, live.identity()))
                .map_err(|e| ServiceError::internal(e.to_string()))?;
            if !check.outcome.takes_credit() {
                sqlx::query("INSERT INTO approvals (order_id, verdict, approver, at, note, outcome) VALUES ($1, 'approve', $2, $3, $4, 'refused')")
                    .bind(order_id).bind(approver).bind(&at).bind(note.as_deref())
                    .execute(&mut *tx).await.map_err(db_error)?;
                tx.commit().await.map_err(db_error)?;
                return Err(ServiceError::field(
                    ErrorKind::Conflict,
                    "order_id",
                    format!(
                        "order `{order_id}` can no longer be released, even with approval: {}",
                        check
                            .reasons
                            .first()
                            .map(|r| r.text.as_str())
                            .unwrap_or("the client's exposure moved")
                    ),
                ));
            }
            let mut logged = vec![me];
            logged.extend(others);
            ("released", "released", Some(body), logged)
        } else {
            ("rejected", "rejected", None, vec![])
        };
        sqlx::query("UPDATE orders SET status = $1, open_amount = $2 WHERE order_id = $3")
            .bind(new_status)
            .bind(if approve {
                amount.to_string()
            } else {
                "0".to_string()
            })
            .bind(order_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        sqlx::query("INSERT INTO approvals (order_id, verdict, approver, at, note, outcome) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(order_id)
            .bind(if approve { "approve" } else { "reject" })
            .bind(approver)
            .bind(&at)
            .bind(note.as_deref())
            .bind(outcome)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        if approve {
            self.add_open(&mut tx, &client, amount).await?;
            self.ledger_row(
                &mut tx,
                &format!("order:{order_id}"),
                EventKind::Released,
                &client,
                amount,
                Some(order_id),
                None,
                None,
                &at,
                approver,
            )
            .await?;
            let refs: Vec<&LiveDecision> = logged.iter().collect();
            self.log_decisions(
                &mut tx,
                live,
                &at,
                &refs,
                &format!("approval of order {order_id} by {approver}"),
            )
            .await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(json!({
            "order_id": order_id,
            "client": client,
            "amount": amount.to_string(),
            "status": new_status,
            "approver": approver,
            "note": note,
            "at": at,
            "check": check_body,
        }))
    }

    /// Records one ledger event; 404 for an unknown client, order or invoice, 409 for an
    /// event id already used, 422 for an amount the ledger cannot take.
    pub async fn post_event(&self, live: &Loaded, ev: LedgerEvent) -> Result<Value, ServiceError> {
        let (mut tx, _writer) = self.begin().await?;
        self.lock(&mut tx, "imports", true).await?;
        let Some(row) = self.client_row(&mut tx, &ev.client).await? else {
            return Err(self.unknown_client(&mut tx, &ev.client).await);
        };
        let key = match &row.group {
            Some(g) => format!("group:{g}"),
            None => format!("client:{}", ev.client),
        };
        self.lock(&mut tx, &key, false).await?;
        self.lock(&mut tx, &format!("event:{}", ev.event_id), false)
            .await?;
        let used = sqlx::query("SELECT kind FROM ledger WHERE event_id = $1")
            .bind(&ev.event_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
        if used.is_some() {
            return Err(ServiceError::field(
                ErrorKind::Conflict,
                "event_id",
                format!(
                    "event `{}` is already in the ledger; nothing was written",
                    ev.event_id
                ),
            ));
        }
        let at = now();
        let amount = ev.amount;
        // What the order or invoice named holds now.
        let order_open = |open: Option<String>| -> Result<Decimal, ServiceError> {
            dec(open.as_deref().unwrap_or("0"), "order amount")
        };
        match ev.kind {
            EventKind::Released => {
                let order_id = ev.order_id.as_deref().unwrap_or_default();
                let exists = sqlx::query("SELECT client FROM orders WHERE order_id = $1")
                    .bind(order_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?;
                if exists.is_some() {
                    return Err(ServiceError::field(
                        ErrorKind::Conflict,
                        "order_id",
                        format!("order `{order_id}` is already known; a release is recorded once"),
                    ));
                }
                sqlx::query("INSERT INTO orders (order_id, client, amount, open_amount, status, source, at) VALUES ($1, $2, $3, $3, 'released', 'ledger', $4)")
                    .bind(order_id)
                    .bind(&ev.client)
                    .bind(amount.to_string())
                    .bind(&at)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                self.add_open(&mut tx, &ev.client, amount).await?;
            }
            EventKind::Cancelled | EventKind::Invoiced if ev.order_id.is_some() => {
                let order_id = ev.order_id.as_deref().unwrap_or_default();
                let o = sqlx::query("SELECT client, open_amount, status FROM orders WHERE order_id = $1")
                    .bind(order_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?
                    .ok_or_else(|| ServiceError::field(ErrorKind::NotFound, "order_id", format!("no order `{order_id}` is known: it was neither checked here nor posted as released")))?;
                belongs(&o, "order", order_id, &ev.client)?;
                let open = order_open(o.try_get("open_amount").ok())?;
                let status: String = o.try_get("status").map_err(db_error)?;
                if ev.kind == EventKind::Cancelled {
                    if status != "released" || amount > open {
                        return Err(ServiceError::invalid(
                            "amount",
                            format!(
                                "cancels {amount} of order `{order_id}`, which has {open} open (status `{status}`); nothing was written"
                            ),
                        ));
                    }
                    self.set_order_open(&mut tx, order_id, open - amount)
                        .await?;
                    self.move_balances(&mut tx, &ev.client, |m| m.open_orders -= amount)
                        .await?;
                } else {
                    // An invoice bills the order's open amount first; any more (freight, say)
                    // is receivable all the same.
                    let billed = amount.min(open);
                    self.set_order_open(&mut tx, order_id, open - billed)
                        .await?;
                    self.insert_invoice(&mut tx, &ev, &at).await?;
                    self.move_balances(&mut tx, &ev.client, |m| {
                        m.open_orders -= billed;
                        m.receivable = m.receivable.saturating_add(amount);
                    })
                    .await?;
                }
            }
            EventKind::Cancelled => {
                return Err(ServiceError::invalid(
                    "order_id",
                    "is missing: a `cancelled` event names its order",
                ));
            }
            EventKind::Invoiced => {
                self.insert_invoice(&mut tx, &ev, &at).await?;
                self.move_balances(&mut tx, &ev.client, |m| {
                    m.receivable = m.receivable.saturating_add(amount)
                })
                .await?;
            }
            EventKind::Paid | EventKind::CreditNote => {
                if let Some(inv) = &ev.invoice_id {
                    let r = sqlx::query("SELECT client, open_amount, due_date FROM invoices WHERE invoice_id = $1")
                        .bind(inv)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_error)?
                        .ok_or_else(|| ServiceError::field(ErrorKind::NotFound, "invoice_id", format!("no invoice `{inv}` is in the ledger; post it as `invoiced` first, or leave `invoice_id` out to settle the balance as imported")))?;
                    belongs(&r, "invoice", inv, &ev.client)?;
                    let open = dec(
                        &r.try_get::<String, _>("open_amount").map_err(db_error)?,
                        "invoice amount",
                    )?;
                    if amount > open {
                        return Err(ServiceError::invalid(
                            "amount",
                            format!(
                                "settles {amount} of invoice `{inv}`, which has {open} open; nothing was written"
                            ),
                        ));
                    }
                    let due: String = r.try_get("due_date").map_err(db_error)?;
                    let late = due
                        .parse::<jiff::civil::Date>()
                        .map(|d| days_past_due(d, live.as_of()))
                        .unwrap_or(0);
                    sqlx::query("UPDATE invoices SET open_amount = $1 WHERE invoice_id = $2")
                        .bind((open - amount).to_string())
                        .bind(inv)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_error)?;
                    let counts_late = ev.kind == EventKind::Paid && late > 0;
                    self.move_balances(&mut tx, &ev.client, |m| {
                        m.receivable -= amount;
                        if counts_late {
                            m.late_days = m.late_days.max(late);
                        }
                    })
                    .await?;
                } else {
                    let owed = live_fields(&row.fields, &row.moves, &[], live.as_of())
                        .get("receivable_balance")
                        .and_then(|v| Decimal::from_str(v).ok());
                    let in_invoices: Decimal = self
                        .open_invoices(&mut tx, &ev.client)
                        .await?
                        .iter()
                        .map(|i| i.open)
                        .sum();
                    match owed {
                        None => {
                            return Err(ServiceError::invalid(
                                "amount",
                                format!(
                                    "client `{}` has no receivable balance on record (its imported balance is empty), so a payment to the balance cannot be applied; name the invoice with `invoice_id`, or import the client's balance",
                                    ev.client
                                ),
                            ));
                        }
                        Some(owed) if amount > owed - in_invoices => {
                            return Err(ServiceError::invalid(
                                "amount",
                                format!(
                                    "settles {amount} of the balance as imported, which has {} left (invoices of the ledger are settled by naming `invoice_id`); nothing was written",
                                    owed - in_invoices
                                ),
                            ));
                        }
                        Some(_) => {}
                    }
                    self.move_balances(&mut tx, &ev.client, |m| {
                        m.receivable -= amount;
                        m.paid_to_balance = m.paid_to_balance.saturating_add(amount);
                    })
                    .await?;
                }
            }
        }
        let seq = self
            .ledger_row(
                &mut tx,
                &ev.event_id,
                ev.kind,
                &ev.client,
                amount,
                ev.order_id.as_deref(),
                ev.invoice_id.as_deref(),
                ev.due_date.map(|d| d.to_string()),
                &at,
                "ledger",
            )
            .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(json!({
            "event_id": ev.event_id,
            "seq": seq,
            "type": ev.kind.as_str(),
            "client": ev.client,
            "amount": amount.to_string(),
            "order_id": ev.order_id,
            "invoice_id": ev.invoice_id,
            "due_date": ev.due_date.map(|d| d.to_string()),
            "at": at,
        }))
    }

    async fn set_order_open(
        &self,
        tx: &mut Tx,
        order_id: &str,
        open: Decimal,
    ) -> Result<(), ServiceError> {
        let status = if open.is_zero() { "closed" } else { "released" };
        sqlx::query("UPDATE orders SET open_amount = $1, status = $2 WHERE order_id = $3")
            .bind(open.to_string())
            .bind(status)
            .bind(order_id)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn insert_invoice(
        &self,
        tx: &mut Tx,
        ev: &LedgerEvent,
        at: &str,
    ) -> Result<(), ServiceError> {
        let inv = ev.invoice_id.as_deref().unwrap_or_default();
        let exists = sqlx::query("SELECT client FROM invoices WHERE invoice_id = $1")
            .bind(inv)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db_error)?;
        if exists.is_some() {
            return Err(ServiceError::field(
                ErrorKind::Conflict,
                "invoice_id",
                format!("invoice `{inv}` is already in the ledger; nothing was written"),
            ));
        }
        sqlx::query("INSERT INTO invoices (invoice_id, client, order_id, amount, open_amount, due_date, at) VALUES ($1, $2, $3, $4, $4, $5, $6)")
            .bind(inv)
            .bind(&ev.client)
            .bind(ev.order_id.as_deref())
            .bind(ev.amount.to_string())
            .bind(ev.due_date.map(|d| d.to_string()).unwrap_or_default())
            .bind(at)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// The decision log from record `after` + 1, at most `limit` records: each an audit
    /// record line as `evaluate --log` writes it.
    pub async fn decision_log(&self, after: i64, limit: i64) -> Result<Vec<String>, ServiceError> {
        let rows =
            sqlx::query("SELECT line FROM decision_log WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("line").map_err(db_error))
            .collect()
    }
}

/// Refuses an event naming the order or invoice `id` of another client than its own.
fn belongs(row: &AnyRow, what: &str, id: &str, client: &str) -> Result<(), ServiceError> {
    let owner: String = row.try_get("client").map_err(db_error)?;
    if owner == client {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "client",
            format!("{what} `{id}` belongs to client `{owner}`, not `{client}`"),
        ))
    }
}

/// What happened to an order, as stored.
fn status_of(o: Outcome) -> &'static str {
    match o {
        Outcome::Release => "released",
        Outcome::ReleaseWithApproval => "waiting_approval",
        Outcome::PrepayOnly => "prepay_only",
        Outcome::Hold => "held",
    }
}

/// The clients of a posted portfolio, read and decided as `evaluate` reads and decides a file
/// (group lines applied), every reject, and the notes on its columns.
fn read_upload(
    live: &Loaded,
    upload: &Upload,
) -> Result<(Vec<LiveDecision>, Vec<Reject>, Value), ServiceError> {
    if upload.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ServiceError::new(
            ErrorKind::Invalid,
            format!(
                "`{}` is empty: post the portfolio itself as the body",
                upload.name
            ),
        ));
    }
    let mut file = tempfile::Builder::new()
        .prefix(".credit-policy-import-")
        .suffix(upload.format.extension())
        .tempfile()
        .map_err(|e| ServiceError::internal(format!("cannot keep the upload: {e}")))?;
    std::io::Write::write_all(&mut file, &upload.body)
        .map_err(|e| ServiceError::internal(format!("cannot keep the upload: {e}")))?;
    let path = file.path().to_string_lossy().into_owned();
    // Messages name the upload, and the service's flag where the command line's is meant.
    let shown = |m: String| {
        m.replace(&path, &upload.name)
            .replace("with --columns FILE", "with `serve --columns FILE`")
    };
    let setup = live.setup();
    let options = ReadOptions {
        columns: upload.columns.clone(),
        ..ReadOptions::default()
    };
    let input = Input::open(&path, options, setup.reads_twice())
        .map_err(|e| ServiceError::new(ErrorKind::Invalid, shown(e.to_string())))?;
    let notes = input
        .check(setup)
        .map_err(|e| ServiceError::new(ErrorKind::Invalid, shown(e.to_string())))?;
    let book = Run::start(setup, &input, 1)
        .and_then(Run::book)
        .map_err(|e| ServiceError::new(ErrorKind::Invalid, shown(e.to_string())))?;
    let decided = book
        .decided()
        .map(|(c, d)| LiveDecision {
            client: c.clone(),
            decided: d.clone(),
            last_grade: None,
            moves: None,
        })
        .collect();
    let rejects = book.rejects().to_vec();
    let notes = json!({
        "ignored_columns": notes.columns.ignored,
        "missing_columns": notes.columns.missing,
    });
    Ok((decided, rejects, notes))
}

#[cfg(test)]
mod tests;
