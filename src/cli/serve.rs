//! `credit-policy serve`: the HTTP service (see [`credit_policy::serve`]). Parses the flags,
//! loads the tokens, starts the runtime, prints the address bound, and serves until SIGINT or
//! SIGTERM; exit 0 after a clean shutdown, 2 when it cannot start.

use std::path::PathBuf;

use credit_policy::serve::http::auth::{Auth, TOKENS_VAR};
use credit_policy::serve::http::{DEFAULT_MAX_BODY, DEFAULT_MAX_IMPORT, Settings, shutdown_signal};

use super::{Exit, PolicyArgs, error};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The database: sqlite://FILE (created when missing) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(
        long,
        value_name = "URL",
        env = "CREDIT_POLICY_DB",
        default_value = "sqlite://credit.db"
    )]
    pub db: String,
    /// The address to listen on; port 0 picks a free port (the line `listening on` says which).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The bearer tokens (TOML: `[[token]]` with `name`, `role` and `token` or `sha256`); also
    /// read from $CREDIT_POLICY_TOKENS as `name:role:secret,...`.
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Every route open, without a token: only on a loopback address (a try-out on one machine).
    #[arg(long)]
    pub no_auth: bool,
    /// Do not reload the policy when its folder or the context file changes
    /// (`POST /v1/policy/reload` still does).
    #[arg(long)]
    pub no_watch: bool,
    /// The largest JSON request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY)]
    pub max_body: usize,
    /// The largest portfolio import, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_IMPORT)]
    pub max_import: usize,
    /// A column map for imports: an ERP export's headers to ours (TOML; see
    /// examples/kingdee-columns.toml and `evaluate --columns`).
    #[arg(long, value_name = "FILE")]
    pub columns: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> Exit {
    let env_tokens = std::env::var(TOKENS_VAR).ok();
    let auth = if args.no_auth {
        if args.tokens.is_some() || env_tokens.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            error(&format!(
                "--no-auth and tokens (--tokens or {TOKENS_VAR}) together: choose one"
            ));
            return Exit::Error;
        }
        Auth::open()
    } else {
        match Auth::load(args.tokens.as_deref(), env_tokens.as_deref()) {
            Ok(a) => a,
            Err(e) => {
                error(&e);
                return Exit::Error;
            }
        }
    };
    if auth.is_open() {
        credit_policy::errln!(
            "warning: --no-auth: every route is open to anyone who can reach the address"
        );
    } else {
        credit_policy::errln!("{} bearer token(s) known", auth.len());
    }
    let columns = match &args.columns {
        Some(p) => match credit_policy::client::ColumnMap::load(p) {
            Ok(m) => Some(std::sync::Arc::new(m)),
            Err(m) => {
                error(&format!("--columns: {m}"));
                return Exit::Error;
            }
        },
        None => None,
    };
    let settings = Settings {
        columns,
        db: args.db,
        listen: args.listen,
        auth,
        watch: !args.no_watch,
        max_body: args.max_body,
        max_import: args.max_import,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            error(&format!("cannot start the service's threads: {e}"));
            return Exit::Error;
        }
    };
    let sources = args.policy.sources();
    runtime.block_on(async move {
        let server = match credit_policy::serve::start(sources, settings).await {
            Ok(s) => s,
            Err(e) => {
                error(&format!("{e}\nthe service did not start"));
                return Exit::Error;
            }
        };
        let policy = server.policy();
        let id = policy.identity();
        if policy.policy().built_in {
            credit_policy::errln!(
                "note: serving the built-in standard policy (give --policy DIR to serve your own)"
            );
        }
        credit_policy::errln!(
            "serving policy {} {} ({}) as of {}",
            id.name,
            id.version,
            id.hash,
            policy.as_of()
        );
        crate::outln!("listening on http://{}", server.local_addr());
        match server.run(shutdown_signal()).await {
            Ok(()) => {
                credit_policy::errln!("stopped");
                Exit::Ok
            }
            Err(e) => {
                error(&e);
                Exit::Error
            }
        }
    })
}
