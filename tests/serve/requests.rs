//! What the service does with requests it cannot take: too large, not JSON, unknown routes,
//! wrong content types, out-of-range parameters. Each is the service's JSON error.

use crate::support::*;

#[test]
fn a_body_over_the_limit_is_413_as_json() {
    let s = Start::new(std::path::Path::new(STANDARD))
        .args(&["--max-body", "1024"])
        .run();
    let big = format!(
        r#"{{"order_id": "SO-1", "client": "D001", "amount": "1", "pad": "{}"}}"#,
        "x".repeat(4000)
    );
    let (_, message) = s.post("/v1/orders", Some(ERP), &big).error(413);
    assert!(message.contains("1024"), "{message}");
    assert!(
        s.post("/v1/decide", Some(ERP), &big)
            .error(413)
            .1
            .contains("--max-body")
    );
}

#[test]
fn a_body_that_is_not_json_is_400_with_line_and_column() {
    let s = server();
    let (_, message) = s
        .post(
            "/v1/orders",
            Some(ERP),
            "{\n  \"order_id\": \"SO-1\",\n  oops\n}",
        )
        .error(400);
    assert!(
        message.contains("line 3") && message.contains("column"),
        "{message}"
    );
}

#[test]
fn a_field_the_request_does_not_know_is_422_naming_it() {
    let s = server();
    let body = r#"{"order_id": "SO-1", "client": "D001", "amonut": "100"}"#;
    let (field, message) = s.post("/v1/orders", Some(ERP), body).error(422);
    assert_eq!(field.as_deref(), Some("amonut"));
    assert!(message.contains("`amount`"), "{message}");
}

#[test]
fn an_unknown_route_is_404_as_json() {
    let s = server();
    let (_, message) = s.get("/v1/nothing-here", Some(ADMIN)).error(404);
    assert!(message.contains("/v1/nothing-here"), "{message}");
    s.get("/", None).error(404);
}

#[test]
fn an_import_in_an_unknown_format_is_415_listing_the_formats() {
    let s = server();
    let (_, message) = s
        .post_with(
            "/v1/imports",
            Some(ADMIN),
            b"<clients/>",
            &[("Content-Type", "application/xml")],
        )
        .error(415);
    assert!(
        message.contains("text/csv") && message.contains("application/x-ndjson"),
        "{message}"
    );
}

#[test]
fn a_decision_log_page_over_the_maximum_is_422() {
    let s = server();
    let (field, message) = s.get("/v1/decisions?limit=10001", Some(ADMIN)).error(422);
    assert_eq!(field.as_deref(), Some("limit"));
    assert!(message.contains("10000"), "{message}");
}
