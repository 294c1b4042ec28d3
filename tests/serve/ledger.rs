//! `POST /v1/ledger`: events the ledger refuses, each naming its field.

use serde_json::json;

use crate::support::*;

fn paid(event_id: &str, client: &str, amount: &str) -> String {
    json!({"event_id": event_id, "type": "paid", "client": client, "amount": amount}).to_string()
}

#[test]
fn a_negative_amount_is_422_naming_amount() {
    let s = server();
    let (field, _) = s
        .post("/v1/ledger", Some(ERP), &paid("EV-1", "D001", "-10.00"))
        .error(422);
    assert_eq!(field.as_deref(), Some("amount"));
}

#[test]
fn an_unknown_client_is_404_and_a_reused_event_id_is_409() {
    let s = server();
    s.import_csv(CLIENTS);
    let (field, _) = s
        .post("/v1/ledger", Some(ERP), &paid("EV-1", "NOPE", "10.00"))
        .error(404);
    assert_eq!(field.as_deref(), Some("client"));
    s.post("/v1/ledger", Some(ERP), &paid("EV-2", "D001", "10.00"))
        .expect(200);
    let (field, _) = s
        .post("/v1/ledger", Some(ADMIN), &paid("EV-2", "D001", "10.00"))
        .error(409);
    assert_eq!(field.as_deref(), Some("event_id"));
}
