//! The PostgreSQL helper of the service's tests (`tests/serve/pg.rs`): URLs rewritten right,
//! and, when `DATABASE_URL` is set, a fresh database made, usable and dropped.

#[path = "serve/pg.rs"]
mod pg;

use std::process::Command;

#[test]
fn a_url_gets_another_database_and_keeps_the_rest() {
    assert_eq!(
        pg::with_database("postgres://credit:credit@127.0.0.1:5432/credit_test", "x1"),
        "postgres://credit:credit@127.0.0.1:5432/x1"
    );
    assert_eq!(
        pg::with_database("postgres://u:p@h/db?sslmode=disable", "x1"),
        "postgres://u:p@h/x1?sslmode=disable"
    );
    assert_eq!(
        pg::with_database("postgres://u@h:5433", "x1"),
        "postgres://u@h:5433/x1"
    );
    assert_eq!(
        pg::with_database("postgres://u@h?application_name=t", "x1"),
        "postgres://u@h/x1?application_name=t"
    );
    assert_eq!(
        pg::database_of("postgres://u:p@h:1/db?a=b").as_deref(),
        Some("db")
    );
    assert_eq!(pg::database_of("postgres://u:p@h:1"), None);
    assert_eq!(
        pg::redacted("postgres://credit:secret@127.0.0.1:5432/credit_test"),
        "postgres://credit:***@127.0.0.1:5432/credit_test"
    );
    assert_eq!(pg::redacted("postgres://u@h/db"), "postgres://u@h/db");
}

#[test]
fn names_are_unique_and_valid_identifiers() {
    let (a, b) = (pg::unique_name(), pg::unique_name());
    assert_ne!(a, b);
    for n in [a, b] {
        assert!(n.len() < 63, "{n}");
        assert!(n.starts_with("credit_t_"), "{n}");
        assert!(
            n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        );
    }
}

fn exists(base: &str, name: &str) -> bool {
    let out = Command::new("psql")
        .args(["-X", "-At", "-d", base, "-c"])
        .arg(format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
        ))
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim() == "1"
}

#[test]
fn a_fresh_database_is_made_and_dropped() {
    let Some(base) = pg::database_url() else {
        eprintln!("DATABASE_URL not set: skipped");
        return;
    };
    let name;
    {
        let db = pg::TestDatabase::new(&base);
        name = pg::database_of(&db.url).expect("a database name");
        assert!(exists(&base, &name));
        // Usable through its URL, and a connection left open does not keep it from the drop.
        pg::psql(&db.url, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)").expect("usable");
    }
    assert!(!exists(&base, &name), "{name} still there");
    let url = pg::fresh_database(&base);
    drop(pg::DropDatabase::new(&base, &url));
    assert!(!exists(&base, &pg::database_of(&url).unwrap()));
}
