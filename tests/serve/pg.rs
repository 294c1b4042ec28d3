//! PostgreSQL for the service's tests and the load benchmark: a fresh, empty database each,
//! made and dropped with `psql` (the client only; nothing but std here).
//!
//! `DATABASE_URL` names a database the role may connect to and whose role has CREATEDB
//! (`.ci/postgres` sets up `postgres://credit:credit@127.0.0.1:5432/credit_test`):
//!
//! ```ignore
//! let Some(base) = pg::database_url() else { return }; // no PostgreSQL: the test is skipped
//! let db = pg::TestDatabase::new(&base); // CREATE DATABASE credit_t_<pid>_<n>_<nanos>
//! start_service(&db.url);
//! // dropped at the end of the scope, even on a panic: DROP DATABASE ... WITH (FORCE)
//! ```
#![allow(dead_code)]

use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The URL of the PostgreSQL the tests may use (`DATABASE_URL`), `None` when not set or empty.
pub fn database_url() -> Option<String> {
    std::env::var("DATABASE_URL")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A database name no other test, process or earlier run uses:
/// `credit_t_<pid>_<counter>_<nanoseconds>`, lower case, well under PostgreSQL's 63 bytes.
pub fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("credit_t_{}_{n}_{nanos}", std::process::id())
}

/// `url` with its database (the path) replaced by `name`; user, password, host, port and
/// query parameters kept.
pub fn with_database(url: &str, name: &str) -> String {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[after_scheme..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (head, tail) = url.split_at(after_scheme + authority_end);
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{head}/{name}{query}")
}

/// The database a URL names (its path), `None` when it names none.
pub fn database_of(url: &str) -> Option<String> {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[after_scheme..];
    let path = &rest[rest.find('/')? + 1..];
    let name = path.split('?').next().unwrap_or("");
    (!name.is_empty()).then(|| name.to_string())
}

/// A double-quoted SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Runs one SQL command with `psql` on `url`; the error says what psql said.
pub fn psql(url: &str, sql: &str) -> Result<(), String> {
    let out: Output = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .map_err(|e| {
            format!(
                "cannot run `psql` ({e}): install the PostgreSQL client (Debian: postgresql-client)"
            )
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "psql `{sql}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Creates a new, empty database next to `base_url`'s (the role of `base_url` needs CREATEDB)
/// and returns its URL. Panics, saying why, when it cannot.
pub fn fresh_database(base_url: &str) -> String {
    let name = unique_name();
    if let Err(e) = psql(base_url, &format!("CREATE DATABASE {}", quoted(&name))) {
        panic!(
            "cannot create a test database on {}: {e}",
            redacted(base_url)
        );
    }
    with_database(base_url, &name)
}

/// Drops the database `url` names, connected through `base_url`, closing its connections
/// (`WITH (FORCE)`, PostgreSQL 13 and later).
pub fn drop_database(base_url: &str, url: &str) -> Result<(), String> {
    let name = database_of(url).ok_or_else(|| format!("`{}` names no database", redacted(url)))?;
    psql(
        base_url,
        &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quoted(&name)),
    )
}

/// `url` with its password hidden, for messages.
pub fn redacted(url: &str) -> String {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[after_scheme..];
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => match authority[..at].find(':') {
            Some(colon) => format!(
                "{}{}:***{}",
                &url[..after_scheme],
                &authority[..colon],
                &url[after_scheme + at..]
            ),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Drops a database when it goes out of scope (best effort: a failure is printed, never a
/// panic, so it cannot hide the test's own).
#[derive(Debug)]
pub struct DropDatabase {
    base_url: String,
    url: String,
}

impl DropDatabase {
    /// Guards the database `url` names, to be dropped through `base_url`.
    pub fn new(base_url: &str, url: &str) -> DropDatabase {
        DropDatabase {
            base_url: base_url.to_string(),
            url: url.to_string(),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        if let Err(e) = drop_database(&self.base_url, &self.url) {
            eprintln!("warning: test database not dropped: {e}");
        }
    }
}

/// A fresh database, dropped with this value.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    _guard: DropDatabase,
}

impl TestDatabase {
    pub fn new(base_url: &str) -> TestDatabase {
        let url = fresh_database(base_url);
        TestDatabase {
            _guard: DropDatabase::new(base_url, &url),
            url,
        }
    }
}
