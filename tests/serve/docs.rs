//! `/health`, `/metrics` and `/openapi.json`: their shapes.

use serde_json::Value;

use crate::support::*;

#[test]
fn metrics_label_requests_by_route_template_and_name_the_policy() {
    let s = server();
    s.get("/v1/clients/D001", Some(ERP));
    s.get("/v1/policy", Some(ERP)).expect(200);
    let a = s.get("/metrics", None).expect(200);
    let m = &a.text;
    assert!(
        m.contains(
            r#"credit_policy_http_requests_total{route="/v1/policy",method="GET",status="200"} 1"#
        ),
        "{m}"
    );
    assert!(m.contains(r#"route="/v1/clients/{id}""#), "{m}");
    assert!(!m.contains("D001"), "a client id in a label:\n{m}");
    assert!(
        m.contains("credit_policy_http_request_duration_seconds_bucket"),
        "{m}"
    );
    let policy = s.get("/v1/policy", Some(ERP)).json();
    let hash = policy["policy"]["hash"].as_str().unwrap();
    assert!(
        m.lines().any(|l| l.starts_with("credit_policy_policy_info")
            && l.contains(hash)
            && l.ends_with(" 1")),
        "{m}"
    );
}

#[test]
fn the_document_lists_every_route_with_its_roles() {
    let s = server();
    let doc: Value = s.get("/openapi.json", None).expect(200).json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (path, method, roles) in [
        ("/v1/decide", "post", "erp, approver, admin"),
        ("/v1/orders", "post", "erp, admin"),
        ("/v1/orders/{order_id}/approve", "post", "approver"),
        ("/v1/orders/{order_id}/reject", "post", "approver"),
        ("/v1/ledger", "post", "erp, admin"),
        ("/v1/imports", "post", "admin"),
        ("/v1/clients/{id}", "get", "erp, approver, admin"),
        ("/v1/policy", "get", "erp, approver, admin"),
        ("/v1/policy/reload", "post", "admin"),
        ("/v1/decisions", "get", "admin"),
    ] {
        let op = &doc["paths"][path][method];
        let text = op["description"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: {op}"));
        assert!(text.contains(&format!("Roles: {roles}")), "{path}: {text}");
        assert_eq!(op["security"][0]["bearer"], serde_json::json!([]), "{path}");
    }
    for path in ["/health", "/metrics", "/openapi.json"] {
        let op = &doc["paths"][path]["get"];
        assert!(
            op["description"].as_str().unwrap().contains("No token"),
            "{path}"
        );
        assert!(op.get("security").is_none(), "{path}");
    }
}

#[test]
fn health_names_the_policy_the_date_and_the_database() {
    let s = server();
    let v = s.get("/health", None).expect(200).json();
    assert_eq!(v["status"], "ok", "{v}");
    assert_eq!(v["policy"]["name"], "standard");
    assert_eq!(v["policy"]["version"], "1.0.0");
    assert!(v["policy"]["hash"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(v["as_of"], AS_OF);
    assert!(v["loaded_at"].is_string());
    assert_eq!(v["reload_failure"], Value::Null);
    assert_eq!(v["database"], "sqlite");
}
