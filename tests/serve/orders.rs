//! `POST /v1/orders` and the approvals: checked as `order` checks, retried safely, kept across
//! a restart.

use std::path::Path;

use serde_json::json;

use crate::support::*;

fn order(id: &str, client: &str, amount: &str) -> String {
    json!({"order_id": id, "client": client, "amount": amount}).to_string()
}

#[test]
fn an_order_is_released_or_held_as_the_command_line_says() {
    let s = server();
    s.import_csv(CLIENTS);
    // Each the first order of its client, so the service's live exposure is the imported one:
    // released (D001; D027, which buys against its secured cover), held (D012, over its line
    // and its review overdue; D002, far over its line), prepayment only (D048, terminated).
    let cases = [
        ("SO-1", "D001", "100.00"),
        ("SO-2", "D012", "100.00"),
        ("SO-3", "D048", "100.00"),
        ("SO-4", "D027", "5000.00"),
        ("SO-5", "D002", "900000000.00"),
    ];
    for (id, client, amount) in cases {
        let expected = order_cli(STANDARD, client, amount);
        let v = s
            .post("/v1/orders", Some(ERP), &order(id, client, amount))
            .expect(200)
            .json();
        assert_eq!(v["order_id"], id, "{v}");
        assert_eq!(v["repeated"], false, "{v}");
        // Every field the command line answers, the service answers the same.
        for (key, want) in expected.as_object().expect("an object") {
            assert_eq!(
                &v[key], want,
                "{id} {client}: `{key}` differs\nservice {v}\ncli {expected}"
            );
        }
    }
    let m = s.get("/metrics", None).text;
    assert!(
        m.contains(r#"credit_policy_order_checks_total{outcome="release",repeated="false"} 2"#),
        "{m}"
    );
}

#[test]
fn a_retry_gets_the_first_answer_and_a_changed_retry_is_409() {
    let s = server();
    s.import_csv(CLIENTS);
    let first = s
        .post("/v1/orders", Some(ERP), &order("SO-9", "D001", "1000.00"))
        .expect(200)
        .json();
    let mut again = s
        .post("/v1/orders", Some(ERP), &order("SO-9", "D001", "1000.00"))
        .expect(200)
        .json();
    assert_eq!(again["repeated"], true, "{again}");
    again["repeated"] = json!(false);
    assert_eq!(again, first);
    let (field, message) = s
        .post("/v1/orders", Some(ERP), &order("SO-9", "D001", "2000.00"))
        .error(409);
    assert_eq!(field.as_deref(), Some("amount"), "{message}");
}

#[test]
fn an_approver_approves_an_order_over_the_line_within_tolerance() {
    let s = Start::new(Path::new(APPROVAL)).run();
    s.import_csv(CLIENTS);
    // 50 000 over D001's headroom: within its 5% tolerance, so it waits for approval.
    let cli = order_cli(APPROVAL, "D001", "100.00");
    let headroom: rust_decimal::Decimal = cli["headroom_before"].as_str().unwrap().parse().unwrap();
    let amount = (headroom + rust_decimal::Decimal::from(50_000)).to_string();
    assert_eq!(
        order_cli(APPROVAL, "D001", &amount)["outcome"],
        "release_with_approval"
    );
    let v = s
        .post("/v1/orders", Some(ERP), &order("SO-A", "D001", &amount))
        .expect(200)
        .json();
    assert_eq!(v["outcome"], "release_with_approval", "{v}");
    let v = s
        .post(
            "/v1/orders/SO-A/approve",
            Some(APPROVER),
            r#"{"note": "known client"}"#,
        )
        .expect(200)
        .json();
    assert!(
        v.to_string().contains(APPROVER_NAME),
        "the approver is not recorded: {v}"
    );
}

#[test]
fn an_order_survives_a_restart() {
    let s = server();
    s.import_csv(CLIENTS);
    let first = s
        .post("/v1/orders", Some(ERP), &order("SO-R", "D001", "1000.00"))
        .expect(200)
        .json();
    let dir = s.stop();
    let s = Start::new(Path::new(STANDARD)).in_dir(dir).run();
    let mut again = s
        .post("/v1/orders", Some(ERP), &order("SO-R", "D001", "1000.00"))
        .expect(200)
        .json();
    assert_eq!(again["repeated"], true, "{again}");
    again["repeated"] = json!(false);
    assert_eq!(again, first);
}
