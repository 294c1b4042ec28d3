//! Several servers on one PostgreSQL: run when `DATABASE_URL` names one (`.ci/run` starts
//! Debian's and sets it); skipped, saying so, when it does not. Each test has its own fresh
//! database.

use std::path::Path;

use serde_json::{Value, json};

use crate::pg;
use crate::support::*;

fn order(id: &str, client: &str, amount: &str) -> String {
    json!({"order_id": id, "client": client, "amount": amount}).to_string()
}

/// A fresh database, or `None` (and a note) without PostgreSQL.
fn database() -> Option<pg::TestDatabase> {
    match pg::database_url() {
        Some(base) => Some(pg::TestDatabase::new(&base)),
        None => {
            eprintln!("DATABASE_URL is not set: this PostgreSQL test is skipped");
            None
        }
    }
}

/// Two clients like D001 (line 1,500,000.00, exposure 400,000.00 each) in group G1, whose
/// line is 2,500,000.00: 1,700,000.00 of group headroom.
fn group_csv() -> Vec<u8> {
    let text = std::fs::read_to_string(Path::new(ROOT).join(CLIENTS)).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let d001 = lines.find(|l| l.starts_with("D001,")).unwrap();
    format!(
        "{header},group\n{},G1\n{},G1\n",
        d001.replacen("D001", "GA", 1),
        d001.replacen("D001", "GB", 1)
    )
    .into_bytes()
}

/// An order to send: its id, client and amount.
type Order<'a> = (String, &'a str, &'a str);

/// Sends `orders` (id, client, amount) from 16 threads, spread over `servers` in turn;
/// answers the outcome of each.
fn fire(servers: &[&Server], orders: &[Order<'_>]) -> Vec<Value> {
    let chunks: Vec<Vec<(usize, &Order<'_>)>> = (0..16)
        .map(|t| orders.iter().enumerate().skip(t).step_by(16).collect())
        .collect();
    let mut out = vec![Value::Null; orders.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(i, (id, client, amount))| {
                            let s = servers[i % servers.len()];
                            let v = s
                                .post("/v1/orders", Some(ERP), &order(id, client, amount))
                                .expect(200)
                                .json();
                            (*i, v)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, v) in h.join().expect("a sender thread") {
                out[i] = v;
            }
        }
    });
    out
}

fn released(answers: &[Value]) -> usize {
    answers.iter().filter(|v| v["outcome"] == "release").count()
}

#[test]
fn two_servers_on_one_database_never_take_a_client_or_a_group_past_its_line() {
    let Some(db) = database() else { return };
    let a = Start::new(Path::new(STANDARD)).db(&db.url).run();
    let b = Start::new(Path::new(STANDARD)).db(&db.url).run();
    a.import_csv(CLIENTS);
    a.post_with(
        "/v1/imports",
        Some(ADMIN),
        &group_csv(),
        &[("Content-Type", "text/csv"), ("X-Filename", "group.csv")],
    )
    .expect(200);
    // D001: 1,100,000.00 of headroom, 300 orders of 10,000.00 at once over two servers.
    let one: Vec<Order<'_>> = (0..300)
        .map(|i| (format!("C-{i}"), "D001", "10000.00"))
        .collect();
    assert_eq!(released(&fire(&[&a, &b], &one)), 110);
    let d001 = b.get("/v1/clients/D001", Some(ERP)).expect(200).json();
    assert_eq!(d001["live"]["exposure"], "1500000.00", "{d001}");
    // G1: 200 orders over both members and both servers; the group line binds first.
    let group: Vec<Order<'_>> = (0..200)
        .map(|i| {
            (
                format!("G-{i}"),
                if i % 3 == 0 { "GA" } else { "GB" },
                "10000.00",
            )
        })
        .collect();
    assert_eq!(released(&fire(&[&a, &b], &group)), 170);
    let ga = a.get("/v1/clients/GA", Some(ERP)).expect(200).json();
    assert_eq!(ga["decision"]["group"]["exposure"], "2500000.00", "{ga}");
}

#[test]
fn a_retry_sent_many_times_at_once_reserves_once() {
    let Some(db) = database() else { return };
    let a = Start::new(Path::new(STANDARD)).db(&db.url).run();
    let b = Start::new(Path::new(STANDARD)).db(&db.url).run();
    a.import_csv(CLIENTS);
    let same: Vec<Order<'_>> = (0..40)
        .map(|_| ("SO-RETRY".to_string(), "D001", "250000.00"))
        .collect();
    let answers = fire(&[&a, &b], &same);
    let first: Vec<&Value> = answers.iter().filter(|v| v["repeated"] == false).collect();
    assert_eq!(first.len(), 1, "exactly one check made the reservation");
    for v in &answers {
        assert_eq!(v["headroom_after"], "850000.00", "{v}");
    }
    let d001 = a.get("/v1/clients/D001", Some(ERP)).expect(200).json();
    assert_eq!(d001["live"]["exposure"], "650000.00", "{d001}");
}

#[test]
fn a_restart_loses_nothing_and_replay_reads_the_log_back() {
    let Some(db) = database() else { return };
    let a = Start::new(Path::new(STANDARD)).db(&db.url).run();
    a.import_csv(CLIENTS);
    let first = a
        .post("/v1/orders", Some(ERP), &order("SO-1", "D001", "1000.00"))
        .expect(200)
        .json();
    a.post(
        "/v1/ledger",
        Some(ERP),
        &json!({"event_id": "E-1", "type": "invoiced", "client": "D001", "order_id": "SO-1",
            "invoice_id": "INV-1", "amount": "1000.00", "due_date": "2026-12-31"})
        .to_string(),
    )
    .expect(200);
    drop(a.stop());
    let b = Start::new(Path::new(STANDARD)).db(&db.url).run();
    let again = b
        .post("/v1/orders", Some(ERP), &order("SO-1", "D001", "1000.00"))
        .expect(200)
        .json();
    assert_eq!(again["repeated"], true);
    assert_eq!(again["checked_at"], first["checked_at"]);
    let d001 = b.get("/v1/clients/D001", Some(ERP)).expect(200).json();
    assert_eq!(
        d001["live"]["facts"]["receivable_balance"], "301000.00",
        "{d001}"
    );
    let (_, message) = b
        .post(
            "/v1/ledger",
            Some(ERP),
            &json!({"event_id": "E-1", "type": "paid", "client": "D001", "amount": "1.00"})
                .to_string(),
        )
        .error(409);
    assert!(message.contains("E-1"), "{message}");
    let out = credit_policy()
        .args(["replay", "--policy", STANDARD, "--db", &db.url])
        .output()
        .expect("replay runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("chain: intact: 51 records"), "{text}");
}

#[test]
fn a_reload_under_load_swaps_versions_whole_and_a_broken_one_is_refused() {
    let Some(db) = database() else { return };
    let (_keep, dir) = copy_policy(STANDARD);
    let s = Start::new(&dir).db(&db.url).args(&["--no-watch"]).run();
    s.import_csv(CLIENTS);
    let old = s.get("/v1/policy", Some(ERP)).expect(200).json()["policy"]["hash"].clone();
    let toml = dir.join("policy.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let mut hashes = std::collections::BTreeSet::new();
    std::thread::scope(|scope| {
        let load = scope.spawn(|| {
            let mut seen = Vec::new();
            for i in 0..150 {
                let v = s
                    .post(
                        "/v1/orders",
                        Some(ERP),
                        &order(&format!("L-{i}"), "D003", "100.00"),
                    )
                    .expect(200)
                    .json();
                seen.push(v["policy"]["hash"].as_str().unwrap_or_default().to_string());
                let d = s
                    .post("/v1/decide", Some(ERP), &client_row("D002").to_string())
                    .expect(200)
                    .json();
                seen.push(d["policy"]["hash"].as_str().unwrap_or_default().to_string());
            }
            seen
        });
        std::fs::write(&toml, text.replacen("[", "[[[", 1)).unwrap();
        let (_, message) = s.post("/v1/policy/reload", Some(ADMIN), "").error(422);
        assert!(message.contains("policy.toml"), "{message}");
        let h = s.get("/health", None).expect(200).json();
        assert_eq!(h["status"], "degraded", "{h}");
        std::fs::write(
            &toml,
            text.replace("version = \"1.0.0\"", "version = \"1.0.1\""),
        )
        .unwrap();
        s.post("/v1/policy/reload", Some(ADMIN), "").expect(200);
        hashes.extend(load.join().expect("the load thread"));
    });
    let new = s.get("/v1/policy", Some(ERP)).expect(200).json()["policy"]["hash"].clone();
    assert_ne!(new, old);
    let allowed = [
        old.as_str().unwrap().to_string(),
        new.as_str().unwrap().to_string(),
    ];
    for h in &hashes {
        assert!(
            allowed.contains(h),
            "a decision named `{h}`, neither version"
        );
    }
    assert_eq!(s.get("/health", None).expect(200).json()["status"], "ok");
}
