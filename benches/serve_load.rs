//! Load on `credit-policy serve`, over loopback only, bounded in requests and in time:
//!
//! ```sh
//! cargo build --release && cargo bench --bench serve_load                  # SQLite
//! DATABASE_URL=postgres://credit:credit@127.0.0.1:5432/credit_test \
//!   BENCH_PG=1 cargo bench --bench serve_load                             # PostgreSQL
//! cargo bench --bench serve_load -- --concurrency 8 --seconds 5          # options
//! ```
//!
//! It builds nothing: it starts the release binary (`target/release/credit-policy`, or
//! `CREDIT_POLICY_BIN`) as `serve --listen 127.0.0.1:0` on a database of its own (SQLite in a
//! temporary folder; with `--pg`/`BENCH_PG=1` a fresh PostgreSQL database next to
//! `DATABASE_URL`'s, dropped afterwards), imports a generated portfolio, then times
//! 1. stateless decisions, `POST /v1/decide`, one client a request;
//! 2. durable order checks, `POST /v1/orders`, each reserving exposure in the database;
//!
//! each phase from C keep-alive connections until its request count or its time bound is
//! reached, whichever first (a request still in flight at the time bound gets 5 s more, then
//! counts as a timeout). The server is killed when the run ends, however it ends.

#[path = "../tests/serve/pg.rs"]
mod pg;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

const USAGE: &str = "\
cargo bench --bench serve_load [-- OPTIONS]

  --clients N       clients in the imported portfolio        (BENCH_CLIENTS, 1000)
  --concurrency C   keep-alive connections                    (BENCH_CONCURRENCY, 32)
  --decides N       at most N decisions in phase 1            (BENCH_DECIDES, 200000)
  --orders N        at most N order checks in phase 2         (BENCH_ORDERS, 50000)
  --seconds S       at most S seconds a phase                 (BENCH_SECONDS, 20)
  --pg              PostgreSQL: a fresh database next to DATABASE_URL's (BENCH_PG=1)
  --bin PATH        the server binary          (CREDIT_POLICY_BIN, target/release/credit-policy)
  --dump-csv FILE   write the generated portfolio to FILE and stop";

/// What a request may take past its phase's time bound before it counts as a timeout.
const GRACE: Duration = Duration::from_secs(5);
/// How long the server may take to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the import of the portfolio may take.
const IMPORT_TIMEOUT: Duration = Duration::from_secs(300);
/// Failed connections in a phase after which it stops: the server is gone.
const MAX_CONNECT_ERRORS: u64 = 1000;

const AS_OF: &str = "2026-11-30";
const ERP_TOKEN: &str = "bench-erp-0123456789abcdef0123456789abcdef";
const ADMIN_TOKEN: &str = "bench-admin-0123456789abcdef0123456789abcdef";

const HEADER: &str = "id,name,region,key_account,annual_sales,receivable_balance,open_orders,on_time_ratio,max_days_late,broken_promises,years_trading,total_assets,total_liabilities,current_assets,current_liabilities,inventory,intangible_assets,high_risk_share,management_score,sales_growth,collateral_value,sell_in,sell_out,cross_region_sales,last_review,distress_confirmed";

#[derive(Debug)]
struct Config {
    clients: usize,
    concurrency: usize,
    decides: u64,
    orders: u64,
    seconds: f64,
    pg: bool,
    bin: PathBuf,
    dump_csv: Option<PathBuf>,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| format!("{name}=`{v}` is not a number")),
        _ => Ok(default),
    }
}

fn parse_arg<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let v = value.ok_or_else(|| format!("{flag} needs a value"))?;
    v.parse()
        .map_err(|_| format!("{flag} `{v}` is not a number"))
}

impl Config {
    fn load() -> Result<Config, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut cfg = Config {
            clients: env_or("BENCH_CLIENTS", 1000)?,
            concurrency: env_or("BENCH_CONCURRENCY", 32)?,
            decides: env_or("BENCH_DECIDES", 200_000)?,
            orders: env_or("BENCH_ORDERS", 50_000)?,
            seconds: env_or("BENCH_SECONDS", 20.0)?,
            pg: matches!(
                std::env::var("BENCH_PG").as_deref().map(str::trim),
                Ok("1" | "true" | "yes")
            ),
            bin: std::env::var_os("CREDIT_POLICY_BIN")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target/release/credit-policy")),
            dump_csv: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            match a.as_str() {
                // What `cargo bench` passes to every bench target.
                "--bench" => {}
                "--clients" => cfg.clients = parse_arg(&a, args.next())?,
                "--concurrency" => cfg.concurrency = parse_arg(&a, args.next())?,
                "--decides" => cfg.decides = parse_arg(&a, args.next())?,
                "--orders" => cfg.orders = parse_arg(&a, args.next())?,
                "--seconds" => cfg.seconds = parse_arg(&a, args.next())?,
                "--pg" => cfg.pg = true,
                "--bin" => cfg.bin = PathBuf::from(args.next().ok_or("--bin needs a path")?),
                "--dump-csv" => {
                    cfg.dump_csv =
                        Some(PathBuf::from(args.next().ok_or("--dump-csv needs a path")?))
                }
                "-h" | "--help" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
            }
        }
        if cfg.clients == 0 || cfg.concurrency == 0 {
            return Err("--clients and --concurrency must be at least 1".into());
        }
        if !(cfg.seconds > 0.0 && cfg.seconds <= 3600.0) {
            return Err("--seconds must be above 0 and at most 3600".into());
        }
        Ok(cfg)
    }
}

// ---------------------------------------------------------------------------------------------
// The portfolio: sound clients with generous lines, so that most orders of 100.00 release.

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `amount * ratio` to the cent, for a ratio written with two decimals.
fn times(amount: u64, ratio: &str) -> u64 {
    let (i, f) = ratio.split_once('.').unwrap_or((ratio, "0"));
    let hundredths: u64 = i.parse::<u64>().unwrap_or(0) * 100 + f.parse::<u64>().unwrap_or(0);
    amount * hundredths / 100
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

/// The CSV rows (no header) of `n` clients, `C00000000` on; the same `n` gives the same rows.
fn portfolio(n: usize) -> Vec<String> {
    const NAMES: &[&str] = &[
        "华东商贸",
        "星河电器",
        "龙腾建材",
        "Pacific Distribution",
        "Northwind Supply",
        "Acme Trading",
        "Summit Hardware",
        "Blue River Foods",
    ];
    const REGIONS: &[&str] = &["east", "north", "south", "west", "central"];
    let mut rng = StdRng::seed_from_u64(2026);
    (0..n)
        .map(|i| {
            // Sales from 1,000,000 to 50,000,000, in whole hundreds.
            let sales = rng.random_range(10_000..=500_000u64) * 10_000;
            let assets = sales * rng.random_range(2..=4);
            let liabilities = times(assets, pick(&mut rng, &["0.30", "0.35", "0.40", "0.45"]));
            let current_liabilities = times(liabilities, "0.60");
            let current_assets = times(
                current_liabilities,
                pick(&mut rng, &["1.50", "1.75", "2.00", "2.60"]),
            );
            let inventory = times(current_assets, pick(&mut rng, &["0.20", "0.35"]));
            let intangible = times(assets, pick(&mut rng, &["0.00", "0.05", "0.10"]));
            let sell_out = times(sales, pick(&mut rng, &["0.90", "0.95", "0.97"]));
            let cross = times(sell_out, pick(&mut rng, &["0.00", "0.02", "0.03"]));
            let receivable = times(sales, pick(&mut rng, &["0.02", "0.04", "0.06"]));
            let open_orders = rng.random_range(0..=sales / 100);
            let cols = [
                format!("C{i:08}"),
                format!("{} {i}", NAMES[i % NAMES.len()]),
                pick(&mut rng, REGIONS).to_string(),
                if rng.random_bool(0.05) { "yes" } else { "no" }.to_string(),
                money(sales),
                money(receivable),
                money(open_orders),
                format!("0.{:02}", rng.random_range(95..=99)),
                rng.random_range(0..=5u32).to_string(),
                "0".to_string(),
                format!(
                    "{}.{}",
                    rng.random_range(5..=20u32),
                    rng.random_range(0..=9u32)
                ),
                money(assets),
                money(liabilities),
                money(current_assets),
                money(current_liabilities),
                money(inventory),
                money(intangible),
                format!("0.{:02}", rng.random_range(0..=5u32)),
                rng.random_range(4..=5u32).to_string(),
                format!("0.{:02}", rng.random_range(5..=15u32)),
                money(times(sales, pick(&mut rng, &["0.03", "0.08", "0.15"]))),
                money(sales),
                money(sell_out),
                money(cross),
                format!(
                    "2026-{:02}-{:02}",
                    rng.random_range(6..=11),
                    rng.random_range(1..=28)
                ),
                "no".to_string(),
            ];
            cols.join(",")
        })
        .collect()
}

/// One client as `POST /v1/decide` takes it: the CSV's field names, values as strings, empty
/// cells left out.
fn decide_body(row: &str) -> Bytes {
    let object: Map<String, Value> = HEADER
        .split(',')
        .zip(row.split(','))
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    Bytes::from(serde_json::to_vec(&Value::Object(object)).expect("a JSON object"))
}

// ---------------------------------------------------------------------------------------------
// The server: started from the release binary, killed with this value.

struct Server {
    child: Child,
    base: String,
    log: PathBuf,
    /// The PostgreSQL database of the run, dropped after the server is gone.
    _db: Option<pg::DropDatabase>,
    /// The tokens, the SQLite database and the server's log; removed last.
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n    ");
        if tail.is_empty() {
            "(nothing on stderr)".into()
        } else {
            format!("    {tail}")
        }
    }
}

fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}-{nanos}", std::process::id())
}

fn start(cfg: &Config) -> Result<Server, String> {
    let build = "build the release binary first: cargo build --release \
                 (or point CREDIT_POLICY_BIN at one)";
    if !cfg.bin.is_file() {
        return Err(format!(
            "no server binary at {}: {build}",
            cfg.bin.display()
        ));
    }
    let dir = tempfile::Builder::new()
        .prefix("serve-load-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let tokens = dir.path().join("tokens.toml");
    std::fs::write(
        &tokens,
        format!(
            "[[token]]\nname = \"bench-erp\"\nrole = \"erp\"\ntoken = \"{ERP_TOKEN}\"\n\n\
             [[token]]\nname = \"bench-admin\"\nrole = \"admin\"\ntoken = \"{ADMIN_TOKEN}\"\n"
        ),
    )
    .map_err(|e| format!("cannot write {}: {e}", tokens.display()))?;

    let (db_url, db) = if cfg.pg {
        let base = pg::database_url().ok_or(
            "--pg (BENCH_PG=1) needs DATABASE_URL, a PostgreSQL whose role may CREATE DATABASE \
             (.ci/postgres sets one up)",
        )?;
        let name = format!("credit_bench_{}", unique_suffix().replace('-', "_"));
        pg::psql(&base, &format!("CREATE DATABASE \"{name}\""))?;
        let url = pg::with_database(&base, &name);
        let guard = pg::DropDatabase::new(&base, &url);
        (url, Some(guard))
    } else {
        let file = dir.path().join("bench.db");
        (format!("sqlite://{}", file.display()), None)
    };

    let log = dir.path().join("server.log");
    let stderr = File::create(&log).map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(&cfg.bin)
        .current_dir(root)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            &db_url,
            "--tokens",
        ])
        .arg(&tokens)
        .args(["--as-of", AS_OF, "--policy"])
        .arg(root.join("policies/standard"))
        .arg("--no-watch")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}; {build}", cfg.bin.display()))?;

    // Read stdout for `listening on http://ADDR`, then keep draining it so the server never
    // blocks on a full pipe.
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(at) = line.find("listening on http://") {
                let addr = line[at + "listening on http://".len()..].trim();
                let addr = addr
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('/');
                if let Some(tx) = tx.take() {
                    let _ = tx.send(addr.to_string());
                }
            }
        }
    });
    let mut server = Server {
        child,
        base: String::new(),
        log,
        _db: db,
        _dir: dir,
    };
    match rx.recv_timeout(START_TIMEOUT) {
        Ok(addr) if !addr.is_empty() => {
            server.base = format!("http://{addr}");
            Ok(server)
        }
        Ok(_) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            let status = match server.child.try_wait() {
                Ok(Some(s)) => format!("it exited with {s}"),
                _ => "it closed its standard output without saying where it listens".into(),
            };
            Err(format!(
                "the server did not start ({}): {status}. What it said:\n{}\n{build}, \
                 with the `serve` command",
                cfg.bin.display(),
                server.log_tail()
            ))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "the server did not print `listening on http://ADDR` within {} s. What it said:\n{}",
            START_TIMEOUT.as_secs(),
            server.log_tail()
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// The load.

type HttpClient = Client<HttpConnector, Full<Bytes>>;

async fn post(
    client: &HttpClient,
    uri: &str,
    token: &str,
    content_type: &str,
    extra: Option<(&str, &str)>,
    body: Bytes,
) -> Result<(StatusCode, Bytes), String> {
    let mut req = Request::post(uri)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(CONTENT_TYPE, content_type);
    if let Some((k, v)) = extra {
        req = req.header(k, v);
    }
    let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
    let resp = client.request(req).await.map_err(|e| {
        // The cause says more than hyper-util's "client error (Connect)".
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            let _ = write!(msg, ": {s}");
            source = s.source();
        }
        msg
    })?;
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("reading the answer: {e}"))?
        .to_bytes();
    Ok((status, bytes))
}

/// The body of request number `k` of a phase, from a worker's random numbers.
type MakeBody = Arc<dyn Fn(u64, &mut StdRng) -> Bytes + Send + Sync>;

struct Phase {
    name: &'static str,
    path: &'static str,
    max: u64,
    seconds: f64,
    /// The body of request number `k`.
    body: MakeBody,
    /// Tally the answers' `outcome`.
    outcomes: bool,
}

struct Tally {
    requests: u64,
    ok: u64,
    errors: BTreeMap<String, u64>,
    outcomes: BTreeMap<String, u64>,
    hist: Histogram<u64>,
    sample_error: Option<String>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            requests: 0,
            ok: 0,
            errors: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            hist: Histogram::new_with_bounds(1, 120_000_000, 3).expect("histogram bounds"),
            sample_error: None,
        }
    }

    fn merge(&mut self, other: Tally) {
        self.requests += other.requests;
        self.ok += other.ok;
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        for (k, v) in other.outcomes {
            *self.outcomes.entry(k).or_default() += v;
        }
        self.hist.add(&other.hist).expect("same bounds");
        if self.sample_error.is_none() {
            self.sample_error = other.sample_error;
        }
    }
}

struct PhaseResult {
    name: &'static str,
    tally: Tally,
    wall: f64,
}

async fn run_phase(
    client: &HttpClient,
    base: &str,
    concurrency: usize,
    phase: &Phase,
) -> PhaseResult {
    let uri: Arc<str> = format!("{base}{}", phase.path).into();
    let issued = Arc::new(AtomicU64::new(0));
    let connect_errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = tokio::time::Instant::from_std(start + Duration::from_secs_f64(phase.seconds));
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let (client, uri, issued, connect_errors) = (
            client.clone(),
            uri.clone(),
            issued.clone(),
            connect_errors.clone(),
        );
        let (body, max, outcomes) = (phase.body.clone(), phase.max, phase.outcomes);
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(worker as u64);
            let mut t = Tally::new();
            loop {
                if tokio::time::Instant::now() >= deadline
                    || connect_errors.load(Ordering::Relaxed) >= MAX_CONNECT_ERRORS
                {
                    break;
                }
                let k = issued.fetch_add(1, Ordering::Relaxed);
                if k >= max {
                    break;
                }
                let b = body(k, &mut rng);
                let t0 = Instant::now();
                let answer = tokio::time::timeout_at(
                    deadline + GRACE,
                    post(&client, &uri, ERP_TOKEN, "application/json", None, b),
                )
                .await;
                let us = t0.elapsed().as_micros().max(1) as u64;
                t.requests += 1;
                t.hist.saturating_record(us);
                let error = match answer {
                    Err(_) => Some(("timeout".to_string(), "no answer in time".to_string())),
                    Ok(Err(e)) => {
                        connect_errors.fetch_add(1, Ordering::Relaxed);
                        Some(("connection".to_string(), e))
                    }
                    Ok(Ok((status, bytes))) if status.is_success() => {
                        t.ok += 1;
                        if outcomes {
                            let outcome = serde_json::from_slice::<Value>(&bytes)
                                .ok()
                                .and_then(|v| {
                                    v.get("outcome").map(|o| match o {
                                        Value::String(s) => s.clone(),
                                        other => other.to_string(),
                                    })
                                })
                                .unwrap_or_else(|| "(no outcome)".into());
                            *t.outcomes.entry(outcome).or_default() += 1;
                        }
                        None
                    }
                    Ok(Ok((status, bytes))) => Some((
                        status.as_u16().to_string(),
                        format!("{status}: {}", String::from_utf8_lossy(&bytes)),
                    )),
                };
                if let Some((key, message)) = error {
                    *t.errors.entry(key).or_default() += 1;
                    if t.sample_error.is_none() {
                        t.sample_error = Some(message);
                    }
                }
            }
            t
        }));
    }
    let mut tally = Tally::new();
    for task in tasks {
        match task.await {
            Ok(t) => tally.merge(t),
            Err(e) => {
                *tally.errors.entry("panic".into()).or_default() += 1;
                tally.sample_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    PhaseResult {
        name: phase.name,
        tally,
        wall: start.elapsed().as_secs_f64(),
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn report(r: &PhaseResult, phase: &Phase, concurrency: usize) {
    let t = &r.tally;
    let rate = t.requests as f64 / r.wall;
    let errors: u64 = t.errors.values().sum();
    println!(
        "\n{} (POST {}): {} connections, bound {} requests / {} s",
        r.name, phase.path, concurrency, phase.max, phase.seconds
    );
    println!("  requests   {:>10}", t.requests);
    let by_status = t
        .errors
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    if errors == 0 {
        println!("  errors     {:>10}", 0);
    } else {
        println!("  errors     {errors:>10}  ({by_status})");
    }
    println!("  wall       {:>10.2} s", r.wall);
    println!("  throughput {rate:>10.0} requests/s");
    if t.requests > 0 {
        println!(
            "  latency    p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(t.hist.value_at_quantile(0.50)),
            ms(t.hist.value_at_quantile(0.90)),
            ms(t.hist.value_at_quantile(0.99)),
            ms(t.hist.max()),
        );
    }
    if !t.outcomes.is_empty() {
        let o = t
            .outcomes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        println!("  outcomes   {o}");
    }
    if let Some(e) = &t.sample_error {
        let e: String = e.chars().take(400).collect();
        println!("  first error: {e}");
    }
}

fn table_row(backend: &str, r: &PhaseResult, concurrency: usize) -> String {
    let t = &r.tally;
    let errors: u64 = t.errors.values().sum();
    format!(
        "| {backend} | {} | {concurrency} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {errors} |",
        r.name,
        t.requests,
        t.requests as f64 / r.wall,
        ms(t.hist.value_at_quantile(0.50)),
        ms(t.hist.value_at_quantile(0.90)),
        ms(t.hist.value_at_quantile(0.99)),
        ms(t.hist.max()),
    )
}

async fn run(cfg: &Config, server: &Server, rows: &[String]) -> Result<bool, String> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.enforce_http(true);
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(cfg.concurrency)
        .pool_idle_timeout(Duration::from_secs(60))
        .build(connector);
    let backend = if cfg.pg { "PostgreSQL" } else { "SQLite" };

    // Setup: the portfolio, imported (and decided) once.
    let csv = format!("{HEADER}\n{}\n", rows.join("\n"));
    let t0 = Instant::now();
    let (status, body) = tokio::time::timeout(
        IMPORT_TIMEOUT,
        post(
            &client,
            &format!("{}/v1/imports", server.base),
            ADMIN_TOKEN,
            "text/csv",
            Some(("X-Filename", "bench.csv")),
            Bytes::from(csv),
        ),
    )
    .await
    .map_err(|_| format!("the import took over {} s", IMPORT_TIMEOUT.as_secs()))?
    .map_err(|e| format!("POST /v1/imports: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "POST /v1/imports answered {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    let decided = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("decided").cloned())
        .map(|v| v.to_string())
        .unwrap_or_else(|| "?".into());
    println!(
        "import: {} clients posted, {decided} decided, {:.2} s",
        rows.len(),
        t0.elapsed().as_secs_f64()
    );

    let decide_bodies: Arc<Vec<Bytes>> = Arc::new(rows.iter().map(|r| decide_body(r)).collect());
    let ids: Arc<Vec<String>> = Arc::new(
        rows.iter()
            .map(|r| r.split(',').next().unwrap_or("").to_string())
            .collect(),
    );
    let run_id = unique_suffix();
    let phases = [
        Phase {
            name: "decide",
            path: "/v1/decide",
            max: cfg.decides,
            seconds: cfg.seconds,
            body: {
                let bodies = decide_bodies.clone();
                Arc::new(move |k: u64, _: &mut StdRng| {
                    bodies[(k % bodies.len() as u64) as usize].clone()
                })
            },
            outcomes: false,
        },
        Phase {
            name: "order",
            path: "/v1/orders",
            max: cfg.orders,
            seconds: cfg.seconds,
            body: {
                let ids = ids.clone();
                Arc::new(move |k: u64, rng: &mut StdRng| {
                    let client = &ids[rng.random_range(0..ids.len())];
                    Bytes::from(
                        serde_json::to_vec(&serde_json::json!({
                            "order_id": format!("bench-{run_id}-{k}"),
                            "client": client,
                            "amount": "100.00",
                        }))
                        .expect("JSON"),
                    )
                })
            },
            outcomes: true,
        },
    ];
    let mut rows_out = Vec::new();
    let mut all_served = true;
    for (i, phase) in phases.iter().enumerate() {
        let r = run_phase(&client, &server.base, cfg.concurrency, phase).await;
        print!("\nphase {}:", i + 1);
        report(&r, phase, cfg.concurrency);
        all_served &= r.tally.ok > 0;
        rows_out.push(table_row(backend, &r, cfg.concurrency));
    }
    println!(
        "\n| database | phase | connections | requests | per second | p50 ms | p90 ms | p99 ms | max ms | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for row in rows_out {
        println!("{row}");
    }
    Ok(all_served)
}

fn main() -> ExitCode {
    let cfg = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("serve_load: {e}");
            return ExitCode::from(2);
        }
    };
    let rows = portfolio(cfg.clients);
    if let Some(path) = &cfg.dump_csv {
        let csv = format!("{HEADER}\n{}\n", rows.join("\n"));
        return match std::fs::write(path, csv) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("serve_load: cannot write {}: {e}", path.display());
                ExitCode::FAILURE
            }
        };
    }
    let server = match start(&cfg) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("serve_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "serve_load: {} on {} ({}), {} clients, {} connections, as of {AS_OF}",
        cfg.bin.display(),
        server.base,
        if cfg.pg { "PostgreSQL" } else { "SQLite" },
        cfg.clients,
        cfg.concurrency
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("serve_load: cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(&cfg, &server, &rows));
    // The connections' tasks go before the server, which goes before its database.
    drop(runtime);
    let code = match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!(
                "serve_load: a phase had no successful request. What the server said:\n{}",
                server.log_tail()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!(
                "serve_load: {e}\nWhat the server said:\n{}",
                server.log_tail()
            );
            ExitCode::FAILURE
        }
    };
    drop(server);
    code
}
