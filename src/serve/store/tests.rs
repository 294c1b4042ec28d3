//! The store on SQLite in a temporary folder: imports, order checks, the ledger, approvals and
//! the decision log read back by replay. (The same over HTTP, and on PostgreSQL, in
//! `tests/serve/`.)

use serde_json::json;

use super::*;
use crate::run::Sources;
use crate::serve::live::LivePolicy;

fn live(policy: &str) -> LivePolicy {
    LivePolicy::start(Sources {
        policy: Some(policy.into()),
        context: None,
        as_of: Some("2026-11-30".into()),
        economy: None,
    })
    .unwrap()
}

/// A fresh, empty database: SQLite in a temporary folder, or a new PostgreSQL database made
/// beside the one `DATABASE_URL` names (dropped when the test ends well).
struct Db {
    store: Store,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Db {
    async fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}/credit.db", dir.path().display()))
            .await
            .unwrap();
        Db {
            store,
            _dir: Some(dir),
            pg: None,
        }
    }

    async fn postgres() -> Option<Db> {
        let Ok(base) = std::env::var("DATABASE_URL") else {
            eprintln!("DATABASE_URL is not set: the PostgreSQL run of this test is skipped");
            return None;
        };
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let name = format!(
            "credit_unit_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
        );
        sqlx::any::install_default_drivers();
        let admin = AnyPool::connect(&base).await.unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let url = match base.rfind('/') {
            Some(i) => format!("{}/{name}", &base[..i]),
            None => panic!("DATABASE_URL `{base}` names no database"),
        };
        let store = Store::open(&url).await.unwrap();
        Some(Db {
            store,
            _dir: None,
            pg: Some((base, name)),
        })
    }

    async fn finish(self) {
        let Db { store, pg, .. } = self;
        store.pool.close().await;
        if let Some((base, name)) = pg {
            let admin = AnyPool::connect(&base).await.unwrap();
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE {name} WITH (FORCE)"
                )))
                .await;
        }
    }
}

/// Runs each test on SQLite, and on PostgreSQL when `DATABASE_URL` is set.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::Db::sqlite().await;
                    super::$name(&db.store).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = super::Db::postgres().await {
                        super::$name(&db.store).await;
                        db.finish().await;
                    }
                }
            )*
        }
    };
}

on_both!(
    orders_reserve_headroom_and_a_retry_gets_the_first_answer,
    concurrent_orders_never_take_a_client_past_its_line,
    the_ledger_moves_exposure_and_ageing_and_refuses_what_it_cannot_take,
    the_decision_log_replays_the_same_and_its_chain_is_intact,
    concurrent_orders_of_two_members_never_take_their_group_past_its_line,
    an_approver_releases_within_the_tolerance_once,
);

fn clients_csv() -> Upload {
    Upload {
        name: "clients.csv".into(),
        format: UploadFormat::Csv,
        body: std::fs::read("examples/clients.csv").unwrap(),
        columns: None,
    }
}

fn order(id: &str, client: &str, amount: &str) -> OrderRequest {
    OrderRequest::parse(&json!({"order_id": id, "client": client, "amount": amount})).unwrap()
}

fn event(v: Value) -> LedgerEvent {
    LedgerEvent::parse(&v).unwrap()
}

async fn orders_reserve_headroom_and_a_retry_gets_the_first_answer(store: &Store) {
    let live = live("policies/standard");
    let v = live.current();
    let summary = store.import(&v, clients_csv()).await.unwrap();
    assert_eq!(summary["decided"], 50, "{summary}");
    // D001: line 1,500,000.00, exposure 400,000.00.
    let first = store
        .check_order(&v, order("SO-1", "D001", "1000000.00"))
        .await
        .unwrap();
    assert_eq!(first.outcome, Outcome::Release, "{}", first.body);
    assert_eq!(first.body["headroom_after"], "100000.00");
    let again = store
        .check_order(&v, order("SO-1", "D001", "1000000.00"))
        .await
        .unwrap();
    assert!(again.repeated);
    assert_eq!(again.body["headroom_after"], "100000.00");
    let e = store
        .check_order(&v, order("SO-1", "D001", "5.00"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Conflict, Some("amount"))
    );
    // The first order took the headroom: the next one over what is left is held.
    let second = store
        .check_order(&v, order("SO-2", "D001", "200000.00"))
        .await
        .unwrap();
    assert_eq!(second.outcome, Outcome::Hold, "{}", second.body);
    assert_eq!(second.body["exposure"], "1400000.00");
    let e = store
        .check_order(&v, order("SO-3", "D999", "1.00"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::NotFound, Some("client"))
    );
    assert!(!e.message.contains("did you mean"), "{}", e.message);
    let e = store
        .check_order(&v, order("SO-3", "d001", "1.00"))
        .await
        .unwrap_err();
    assert!(e.message.contains("did you mean `D001`?"), "{}", e.message);
}

async fn concurrent_orders_never_take_a_client_past_its_line(store: &Store) {
    let live = live("policies/standard");
    let v = live.current();
    store.import(&v, clients_csv()).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (store, v) = (store.clone(), v.clone());
        tasks.push(tokio::spawn(async move {
            store
                .check_order(&v, order(&format!("C-{i}"), "D001", "10000.00"))
                .await
        }));
    }
    let mut released = 0;
    for t in tasks {
        if t.await.unwrap().unwrap().outcome == Outcome::Release {
            released += 1;
        }
    }
    // Headroom 1,100,000.00: exactly 110 orders of 10,000.00 fit.
    assert_eq!(released, 110);
    let c = store.client(&v, "D001").await.unwrap();
    assert_eq!(c["live"]["exposure"], "1500000.00", "{c}");
}

async fn the_ledger_moves_exposure_and_ageing_and_refuses_what_it_cannot_take(store: &Store) {
    let live = live("policies/standard");
    let v = live.current();
    store.import(&v, clients_csv()).await.unwrap();
    store
        .check_order(&v, order("SO-1", "D001", "1000000.00"))
        .await
        .unwrap();
    store
        .post_event(&v, event(json!({"event_id": "E1", "type": "invoiced", "client": "D001",
            "order_id": "SO-1", "invoice_id": "INV-1", "amount": "1000000.00", "due_date": "2026-10-01"})))
        .await
        .unwrap();
    let c = store.client(&v, "D001").await.unwrap();
    let facts = &c["live"]["facts"];
    assert_eq!(facts["receivable_balance"], "1300000.00", "{c}");
    assert_eq!(facts["open_orders"], "100000.00");
    assert_eq!(facts["overdue_31_60"], "1000000.00");
    assert_eq!(facts["max_days_late"], "60");
    // 60 days overdue holds new credit.
    let held = store
        .check_order(&v, order("SO-2", "D001", "1.00"))
        .await
        .unwrap();
    assert_eq!(held.outcome, Outcome::Hold, "{}", held.body);
    let e = store
        .post_event(
            &v,
            event(json!({"event_id": "E1", "type": "paid", "client": "D001", "amount": "1.00"})),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Conflict, Some("event_id"))
    );
    let e = store
        .post_event(
            &v,
            event(json!({"event_id": "E2", "type": "paid", "client": "D001",
            "invoice_id": "INV-1", "amount": "1000000.01"})),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Invalid, Some("amount"))
    );
    let e = store
        .post_event(
            &v,
            event(json!({"event_id": "E2", "type": "paid", "client": "NOPE", "amount": "1"})),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::NotFound, Some("client"))
    );
    let e = store
        .post_event(
            &v,
            event(json!({"event_id": "E2", "type": "paid", "client": "D001",
            "invoice_id": "INV-9", "amount": "1"})),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::NotFound, Some("invoice_id"))
    );
    let e = store
        .post_event(
            &v,
            event(json!({"event_id": "E2", "type": "paid", "client": "D002",
            "invoice_id": "INV-1", "amount": "1"})),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Invalid, Some("client"))
    );
    assert!(
        e.message.contains("belongs to client `D001`"),
        "{}",
        e.message
    );
    store
        .post_event(
            &v,
            event(json!({"event_id": "E2", "type": "paid", "client": "D001",
            "invoice_id": "INV-1", "amount": "1000000.00"})),
        )
        .await
        .unwrap();
    let c = store.client(&v, "D001").await.unwrap();
    let facts = &c["live"]["facts"];
    assert_eq!(facts["receivable_balance"], "300000.00", "{c}");
    assert_eq!(facts.get("overdue_31_60"), None);
    assert_eq!(facts["max_days_late"], "60", "paid 60 days late");
    assert!(!c["grade_history"].as_array().unwrap().is_empty());
}

async fn the_decision_log_replays_the_same_and_its_chain_is_intact(store: &Store) {
    let live = live("policies/standard");
    let v = live.current();
    store.import(&v, clients_csv()).await.unwrap();
    store
        .check_order(&v, order("SO-1", "D001", "1000.00"))
        .await
        .unwrap();
    let lines = store.decision_log(0, 10_000).await.unwrap();
    assert_eq!(lines.len(), 51);
    let text = lines.join("\n") + "\n";
    let r = crate::audit::replay(|| Ok(std::io::Cursor::new(text.clone())), v.policy()).unwrap();
    assert!(r.chain.intact(), "{:?}", r.chain);
    assert_eq!((r.records, r.same), (51, 51), "{:?}", r.moved);
}

/// Two clients like D001 of the sample (line 1,500,000.00, exposure 400,000.00 each), in one
/// group whose line is 2,500,000.00: the group has 1,700,000.00 of headroom, less than the
/// 2,200,000.00 its members have between them.
fn group_csv() -> Upload {
    let text = std::fs::read_to_string("examples/clients.csv").unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let d001 = lines.find(|l| l.starts_with("D001,")).unwrap();
    let body = format!(
        "{header},group\n{},G1\n{},G1\n",
        d001.replacen("D001", "GA", 1),
        d001.replacen("D001", "GB", 1)
    );
    Upload {
        name: "group.csv".into(),
        format: UploadFormat::Csv,
        body: body.into_bytes(),
        columns: None,
    }
}

async fn concurrent_orders_of_two_members_never_take_their_group_past_its_line(store: &Store) {
    let live = live("policies/standard");
    let v = live.current();
    let s = store.import(&v, group_csv()).await.unwrap();
    assert_eq!(s["decided"], 2, "{s}");
    let before = store.client(&v, "GA").await.unwrap();
    assert_eq!(
        before["decision"]["group"]["line"], "2500000.00",
        "{before}"
    );
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (store, v) = (store.clone(), v.clone());
        let client = if i % 2 == 0 { "GA" } else { "GB" };
        tasks.push(tokio::spawn(async move {
            store
                .check_order(&v, order(&format!("G-{i}"), client, "10000.00"))
                .await
        }));
    }
    let mut released = 0;
    for t in tasks {
        if t.await.unwrap().unwrap().outcome == Outcome::Release {
            released += 1;
        }
    }
    assert_eq!(
        released, 170,
        "the group's 1,700,000.00 of headroom fits 170 orders"
    );
    let after = store.client(&v, "GB").await.unwrap();
    assert_eq!(
        after["decision"]["group"]["exposure"], "2500000.00",
        "{after}"
    );
}

async fn an_approver_releases_within_the_tolerance_once(store: &Store) {
    let live = live("policies/approval");
    let v = live.current();
    store.import(&v, clients_csv()).await.unwrap();
    // D001: headroom 1,100,000.00; 1,150,000.00 goes over the line but within AAA's tolerance.
    let waiting = store
        .check_order(&v, order("SO-1", "D001", "1150000.00"))
        .await
        .unwrap();
    assert_eq!(
        waiting.outcome,
        Outcome::ReleaseWithApproval,
        "{}",
        waiting.body
    );
    assert_eq!(waiting.body["status"], "waiting_approval");
    let c = store.client(&v, "D001").await.unwrap();
    assert_eq!(c["waiting_approval"][0]["order_id"], "SO-1", "{c}");
    assert_eq!(
        c["live"]["exposure"], "400000.00",
        "a waiting order takes no credit yet"
    );
    let ok = store
        .verdict(
            &v,
            "SO-1",
            "alice",
            true,
            Verdict {
                note: Some("seasonal".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(ok["status"], "released", "{ok}");
    let e = store
        .verdict(&v, "SO-1", "bob", true, Verdict::default())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Conflict, Some("order_id"))
    );
    let c = store.client(&v, "D001").await.unwrap();
    assert_eq!(c["live"]["exposure"], "1550000.00", "{c}");
    // The retry of the first check still answers what was first answered, now released.
    let again = store
        .check_order(&v, order("SO-1", "D001", "1150000.00"))
        .await
        .unwrap();
    assert_eq!(again.body["status"], "released");
    let e = store
        .verdict(&v, "SO-9", "alice", true, Verdict::default())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::NotFound, Some("order_id"))
    );
}
