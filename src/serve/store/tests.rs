//! The store on SQLite in a temporary folder: imports, order checks, the ledger, approvals and
//! the decision log read back by replay. (The same over HTTP, and on PostgreSQL, in
//! `tests/serve/`.)

use std::sync::Arc;

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

async fn store(dir: &tempfile::TempDir) -> Store {
    Store::open(&format!("sqlite://{}/credit.db", dir.path().display()))
        .await
        .unwrap()
}

fn clients_csv() -> Upload {
    Upload {
        name: "clients.csv".into(),
        format: UploadFormat::Csv,
        body: std::fs::read("examples/clients.csv").unwrap(),
    }
}

fn order(id: &str, client: &str, amount: &str) -> OrderRequest {
    OrderRequest::parse(&json!({"order_id": id, "client": client, "amount": amount})).unwrap()
}

fn event(v: Value) -> LedgerEvent {
    LedgerEvent::parse(&v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_reserve_headroom_and_a_retry_gets_the_first_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (live, store) = (live("policies/standard"), store(&dir).await);
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_orders_never_take_a_client_past_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (live, store) = (live("policies/standard"), Arc::new(store(&dir).await));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_moves_exposure_and_ageing_and_refuses_what_it_cannot_take() {
    let dir = tempfile::tempdir().unwrap();
    let (live, store) = (live("policies/standard"), store(&dir).await);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_decision_log_replays_the_same_and_its_chain_is_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (live, store) = (live("policies/standard"), store(&dir).await);
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
