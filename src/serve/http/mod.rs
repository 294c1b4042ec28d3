//! The service's HTTP face: the router and its shared state, the error answer, request size
//! limits, the metrics layer, and starting and stopping the server.
//!
//! * [`auth`]: bearer tokens and roles;
//! * [`handlers`]: one file per resource, each a thin call into [`crate::serve::store`] or the
//!   live policy;
//! * [`metrics`]: Prometheus counters and histograms;
//! * [`openapi`]: the OpenAPI document of every route;
//! * [`watch`]: the policy folder watched, reloaded on an edit.
//!
//! Every error leaves as [`ServiceError::body`] with the status of its kind, including a
//! route that does not exist, a method a route does not take, and a body over the limit.

pub mod auth;
pub mod handlers;
pub mod metrics;
pub mod openapi;
pub mod watch;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;

use self::auth::Auth;
use self::metrics::Metrics;
use super::api::{ErrorKind, ServiceError};
use super::live::{Failure, LivePolicy, Loaded};
use super::store::Store;
use crate::run::Sources;

/// The largest JSON body by default (`--max-body`): 64 KiB.
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;
/// The largest portfolio by default (`--max-import`): 256 MiB.
pub const DEFAULT_MAX_IMPORT: usize = 256 * 1024 * 1024;

/// How the service runs, beyond the policy it serves.
#[derive(Debug)]
pub struct Settings {
    /// `sqlite://FILE` or `postgres://...`.
    pub db: String,
    /// The address to listen on, `HOST:PORT` (port 0: any free port).
    pub listen: String,
    /// The tokens known, or [`Auth::open`] under `--no-auth`.
    pub auth: Auth,
    /// Whether to watch the policy folder and context file and reload on an edit.
    pub watch: bool,
    /// The column map imports are read with (`--columns FILE`).
    pub columns: Option<Arc<crate::client::ColumnMap>>,
    /// The largest JSON body, in bytes.
    pub max_body: usize,
    /// The largest portfolio import, in bytes.
    pub max_import: usize,
}

/// What every handler shares.
pub struct AppState {
    pub live: Arc<LivePolicy>,
    pub db: Store,
    pub auth: Auth,
    pub metrics: Arc<Metrics>,
    pub max_body: usize,
    pub max_import: usize,
    /// The column map imports are read with.
    pub columns: Option<Arc<crate::client::ColumnMap>>,
    /// The OpenAPI document, rendered once.
    pub openapi: String,
}

pub type Shared = Arc<AppState>;

impl AppState {
    /// The database.
    pub fn store(&self) -> Result<&Store, ServiceError> {
        Ok(&self.db)
    }

    /// The policy version serving now.
    pub fn policy(&self) -> Arc<Loaded> {
        self.live.current()
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(self.body())).into_response();
        if self.kind == ErrorKind::Unauthenticated {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"credit-policy\""),
            );
        }
        resp
    }
}

/// Every route, its handler, the metrics layer and the JSON fallbacks.
pub fn router(state: Shared) -> Router {
    use handlers::*;
    Router::new()
        .route("/health", get(health::health))
        .route("/metrics", get(health::metrics))
        .route("/openapi.json", get(health::openapi))
        .route("/v1/decide", post(decide::decide))
        .route("/v1/orders", post(orders::check))
        .route("/v1/orders/{order_id}/approve", post(orders::approve))
        .route("/v1/orders/{order_id}/reject", post(orders::reject))
        .route("/v1/ledger", post(ledger::post_event))
        .route("/v1/imports", post(imports::import))
        .route("/v1/clients/{id}", get(clients::client))
        .route("/v1/policy", get(policy::policy))
        .route("/v1/policy/reload", post(policy::reload))
        .route("/v1/decisions", get(decisions::decisions))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(CatchPanicLayer::custom(panic_answer))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

async fn not_found(method: Method, uri: axum::http::Uri) -> ServiceError {
    ServiceError::new(
        ErrorKind::NotFound,
        format!(
            "no route `{method} {}`; the routes are listed at /openapi.json",
            uri.path()
        ),
    )
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    let body = serde_json::json!({
        "error": {
            "status": 405,
            "field": null,
            "message": format!("`{}` does not take `{method}`; see /openapi.json", uri.path()),
        }
    });
    (StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}

/// A handler that panicked: a JSON 500 (the panic itself is on standard error), and the
/// connection kept.
fn panic_answer(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ServiceError::internal("the service failed on this request; the cause is on its standard error")
        .into_response()
}

/// Counts and times every request under its route template.
async fn track(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = match *req.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let start = Instant::now();
    let resp = next.run(req).await;
    state.metrics.request(
        &route,
        method,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

/// Loads the policy again (an edit, or `POST /v1/policy/reload`): logged, counted, and the
/// policy info metric moved to the version serving afterwards.
pub fn reload_policy(live: &LivePolicy, metrics: &Metrics) -> Result<Arc<Loaded>, Failure> {
    let result = live.reload();
    match &result {
        Ok(now) => {
            metrics.reload(true);
            let id = now.identity();
            metrics.policy(id);
            crate::errln!("policy reloaded: {} {} {}", id.name, id.version, id.hash);
        }
        Err(f) => {
            metrics.reload(false);
            let now = live.current();
            let id = now.identity();
            crate::errln!(
                "policy edit refused, still serving {} {}: {}",
                id.name,
                id.version,
                f.message
            );
        }
    }
    result
}

/// A server bound to its address, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    state: Shared,
    watch: bool,
}

impl Server {
    /// Loads the policy, binds the address and opens the database. The error says what could
    /// not start and how to fix it.
    pub async fn bind(sources: Sources, settings: Settings) -> Result<Server, String> {
        let live =
            LivePolicy::start(sources).map_err(|e| format!("the policy cannot be served:\n{e}"))?;
        let live = Arc::new(live);
        let listener = tokio::net::TcpListener::bind(&settings.listen)
            .await
            .map_err(|e| {
                format!(
                    "--listen: cannot listen on `{}`: {e} (give a free HOST:PORT, e.g. 127.0.0.1:8080)",
                    settings.listen
                )
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("--listen: cannot read the bound address: {e}"))?;
        if settings.auth.is_open() && !addr.ip().is_loopback() {
            return Err(format!(
                "--no-auth is only allowed on a loopback address (127.0.0.1, ::1), not `{}`: set tokens with --tokens or {}",
                addr.ip(),
                auth::TOKENS_VAR
            ));
        }
        let db = open_db(&settings.db).await?;
        let metrics = Arc::new(Metrics::new());
        metrics.policy(live.current().identity());
        let openapi = openapi::document()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".into());
        let state = Arc::new(AppState {
            live,
            db,
            auth: settings.auth,
            metrics,
            max_body: settings.max_body,
            max_import: settings.max_import,
            columns: settings.columns,
            openapi,
        });
        Ok(Server {
            listener,
            addr,
            state,
            watch: settings.watch,
        })
    }

    /// The address actually bound (the port chosen when `--listen` asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The policy version the server starts with.
    pub fn policy(&self) -> Arc<Loaded> {
        self.state.live.current()
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        if self.watch {
            watch::start(self.state.live.clone(), self.state.metrics.clone());
        }
        let app = router(self.state.clone());
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| format!("the server stopped: {e}"))
    }
}

/// Opens the database; an error stops the start, a panic (no database layer in this build)
/// leaves the service up without one.
async fn open_db(url: &str) -> Result<Store, String> {
    Store::open(url).await.map_err(|e| {
        format!(
            "--db: cannot open `{}`: {} (give sqlite://FILE or postgres://USER@HOST/DB, or set CREDIT_POLICY_DB)",
            redact(url),
            e.message
        )
    })
}

/// `url` without its password, for messages and logs.
pub use crate::serve::store::shown_url as redact;

/// Resolves when the process is asked to stop: SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            redact("postgres://credit:s3cret@db:5432/credit"),
            "postgres://credit:***@db:5432/credit"
        );
        assert_eq!(redact("sqlite://credit.db"), "sqlite://credit.db");
    }
}
