//! Bearer tokens and roles: who may call what.

use crate::support::*;

#[test]
fn without_a_known_token_the_answer_is_401_with_the_bearer_challenge() {
    let s = server();
    let a = s.get("/v1/policy", None);
    let (_, message) = a.error(401);
    assert!(message.contains("Bearer"), "{message}");
    assert!(
        a.header("WWW-Authenticate")
            .is_some_and(|h| h.starts_with("Bearer")),
        "{:?}",
        a.headers
    );
    s.get("/v1/policy", Some("not-a-token-anyone-knows"))
        .error(401);
    // Every role reads the policy.
    for t in [ERP, APPROVER, ADMIN] {
        s.get("/v1/policy", Some(t)).expect(200);
    }
}

#[test]
fn an_approver_posting_an_order_is_403_naming_the_roles_needed() {
    let s = server();
    let body = r#"{"order_id": "SO-1", "client": "D001", "amount": "100.00"}"#;
    let (_, message) = s.post("/v1/orders", Some(APPROVER), body).error(403);
    assert!(
        message.contains("`erp`") && message.contains("`admin`"),
        "{message}"
    );
    assert!(message.contains("`approver`"), "{message}");
    // The ERP may not approve: that is the approver's alone.
    let (_, message) = s.post("/v1/orders/SO-1/approve", Some(ERP), "").error(403);
    assert!(message.contains("`approver`"), "{message}");
}

#[test]
fn the_erp_importing_or_reloading_is_403() {
    let s = server();
    let (_, message) = s
        .post_with(
            "/v1/imports",
            Some(ERP),
            b"id\n",
            &[("Content-Type", "text/csv")],
        )
        .error(403);
    assert!(message.contains("`admin`"), "{message}");
    s.post("/v1/policy/reload", Some(ERP), "").error(403);
    s.get("/v1/decisions", Some(APPROVER)).error(403);
}

#[test]
fn an_admin_reloads_the_policy() {
    let s = server();
    let v = s
        .post("/v1/policy/reload", Some(ADMIN), "")
        .expect(200)
        .json();
    assert_eq!(v["policy"]["name"], "standard", "{v}");
    assert!(
        v["policy"]["hash"].as_str().unwrap().starts_with("sha256:"),
        "{v}"
    );
    assert!(
        s.stderr().contains("policy reloaded: standard"),
        "{}",
        s.stderr()
    );
}

#[test]
fn health_metrics_and_the_document_need_no_token() {
    let s = server();
    for path in ["/health", "/metrics", "/openapi.json"] {
        let a = s.get(path, None);
        assert_ne!(a.status, 401, "{path}: {}", a.text);
        assert_ne!(a.status, 403, "{path}: {}", a.text);
    }
}
