//! `POST /v1/decide`: one client decided as the command line decides it.

use serde_json::Value;

use crate::support::*;

#[test]
fn a_client_is_decided_as_evaluate_decides_it() {
    let s = server();
    let expected = evaluate(STANDARD)
        .into_iter()
        .find(|d| d["id"] == "D001")
        .expect("D001 decided");
    let row = client_row("D001");
    let answer = s
        .post("/v1/decide", Some(ERP), &row.to_string())
        .expect(200)
        .json();
    let decision: &Value = answer.get("decision").unwrap_or(&answer);
    assert_eq!(decision, &expected);
    let m = s.get("/metrics", None).text;
    let grade = expected["grade"].as_str().unwrap();
    assert!(
        m.contains(&format!(
            r#"credit_policy_decisions_total{{grade="{grade}"}} 1"#
        )),
        "{m}"
    );
}
