//! `POST /v1/imports` and `GET /v1/clients/{id}`: a portfolio decided and kept.

use crate::support::*;

#[test]
fn the_sample_portfolio_is_imported_whole() {
    let s = server();
    let v = s.import_csv(CLIENTS);
    assert_eq!(v["decided"], 50, "{v}");
    assert_eq!(v["rejects"].as_array().map(Vec::len), Some(0), "{v}");
}

#[test]
fn a_bad_row_is_listed_with_its_line_and_field() {
    let s = server();
    let text = std::fs::read_to_string(std::path::Path::new(ROOT).join(CLIENTS)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 3 of the file (the second client): its annual sales are not a number.
    let cells: Vec<&str> = lines[2].split(',').collect();
    let broken: Vec<String> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i == 4 {
                "lots".to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    lines[2] = broken.join(",");
    let body = lines.join("\n") + "\n";
    let v = s
        .post_with(
            "/v1/imports",
            Some(ADMIN),
            body.as_bytes(),
            &[("Content-Type", "text/csv"), ("X-Filename", "broken.csv")],
        )
        .expect(200)
        .json();
    assert_eq!(v["decided"], 49, "{v}");
    let rejects = v["rejects"].as_array().expect("rejects listed");
    assert_eq!(rejects.len(), 1, "{v}");
    assert_eq!(rejects[0]["line"], 3, "{v}");
    assert_eq!(rejects[0]["field"], "annual_sales", "{v}");
}

#[test]
fn a_client_is_read_after_the_import() {
    let s = server();
    s.import_csv(CLIENTS);
    let expected = evaluate(STANDARD)
        .into_iter()
        .find(|d| d["id"] == "D002")
        .expect("D002 decided");
    let v = s.get("/v1/clients/D002", Some(APPROVER)).expect(200).json();
    assert_eq!(v["id"], "D002", "{v}");
    let decision = v.get("decision").unwrap_or(&v);
    assert_eq!(decision["grade"], expected["grade"], "{v}");
    assert_eq!(decision["limit"], expected["limit"], "{v}");
    let (field, _) = s.get("/v1/clients/NOPE", Some(ERP)).error(404);
    assert_eq!(field.as_deref(), Some("client"));
}

#[test]
fn a_json_array_and_an_erp_export_with_its_column_map_are_imported_too() {
    let s = Start::new(std::path::Path::new(STANDARD))
        .args(&[
            "--columns",
            &format!("{ROOT}/examples/kingdee-columns.toml"),
        ])
        .run();
    // Every client of a JSON array sits on one line: each is still kept as its own row.
    let rows: Vec<serde_json::Value> = ["D001", "D002", "D003"].map(client_row).into();
    let v = s
        .post_with(
            "/v1/imports",
            Some(ADMIN),
            serde_json::to_string(&rows).unwrap().as_bytes(),
            &[("Content-Type", "application/json")],
        )
        .expect(200)
        .json();
    assert_eq!(v["decided"], 3, "{v}");
    // A Kingdee export in GB18030 with Chinese headers, read through the map.
    let export =
        std::fs::read(std::path::Path::new(ROOT).join("examples/kingdee-export.csv")).unwrap();
    let v = s
        .post_with(
            "/v1/imports",
            Some(ADMIN),
            &export,
            &[
                ("Content-Type", "text/csv"),
                ("X-Filename", "kingdee-export.csv"),
            ],
        )
        .expect(200)
        .json();
    assert!(v["decided"].as_u64().unwrap_or(0) > 0, "{v}");
    let (_, message) = s
        .post_with(
            "/v1/imports",
            Some(ADMIN),
            b"",
            &[("Content-Type", "text/csv")],
        )
        .error(422);
    assert!(message.contains("empty"), "{message}");
}

#[test]
fn an_erp_export_without_a_column_map_names_the_flag_that_maps_it() {
    let s = server();
    let export =
        std::fs::read(std::path::Path::new(ROOT).join("examples/kingdee-export.csv")).unwrap();
    let (_, message) = s
        .post_with(
            "/v1/imports",
            Some(ADMIN),
            &export,
            &[
                ("Content-Type", "text/csv"),
                ("X-Filename", "kingdee-export.csv"),
            ],
        )
        .error(422);
    assert!(message.contains("serve --columns FILE"), "{message}");
    assert!(message.contains("kingdee-export.csv"), "{message}");
}
