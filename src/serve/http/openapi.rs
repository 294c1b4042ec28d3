//! The OpenAPI 3 document of every route, served at `/openapi.json`: each operation says in
//! its description which roles may call it, and which need no token.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem,
    PathsBuilder, Required,
};

/// Who may call a route.
#[derive(Clone, Copy)]
enum Access {
    Open,
    Roles(&'static str),
}

struct Route {
    method: HttpMethod,
    path: &'static str,
    summary: &'static str,
    access: Access,
    /// The request body's content types, none when it takes no body.
    body: &'static [&'static str],
    /// The path parameters.
    params: &'static [&'static str],
    /// The query parameters.
    query: &'static [&'static str],
    /// The success answer's content type.
    answers: &'static str,
    /// The error statuses it may answer, beyond 401/403 for routes with a token.
    errors: &'static [&'static str],
}

const JSON: &[&str] = &["application/json"];

const ROUTES: &[Route] = &[
    Route {
        method: HttpMethod::Post,
        path: "/v1/decide",
        summary: "Decide one client now (nothing kept): the decision as `evaluate --format json` gives it",
        access: Access::Roles("erp, approver, admin"),
        body: JSON,
        params: &[],
        query: &[],
        answers: "application/json",
        errors: &["400", "413", "422"],
    },
    Route {
        method: HttpMethod::Post,
        path: "/v1/orders",
        summary: "Check an order `{order_id, client, amount}` against live exposure; a released order is reserved. A retry with the same `order_id` gets the first answer (`repeated: true`)",
        access: Access::Roles("erp, admin"),
        body: JSON,
        params: &[],
        query: &[],
        answers: "application/json",
        errors: &["400", "404", "409", "413", "422", "503"],
    },
    Route {
        method: HttpMethod::Post,
        path: "/v1/orders/{order_id}/approve",
        summary: "Approve an order waiting for approval (`{note}` optional); the approver recorded is the token's name",
        access: Access::Roles("approver"),
        body: JSON,
        params: &["order_id"],
        query: &[],
        answers: "application/json",
        errors: &["400", "404", "409", "422", "503"],
    },
    Route {
        method: HttpMethod::Post,
        path: "/v1/orders/{order_id}/reject",
        summary: "Reject an order waiting for approval (`{note}` optional); the approver recorded is the token's name",
        access: Access::Roles("approver"),
        body: JSON,
        params: &["order_id"],
        query: &[],
        answers: "application/json",
        errors: &["400", "404", "409", "422", "503"],
    },
    Route {
        method: HttpMethod::Post,
        path: "/v1/ledger",
        summary: "Record a ledger event: released, cancelled, invoiced, paid or credit_note",
        access: Access::Roles("erp, admin"),
        body: JSON,
        params: &[],
        query: &[],
        answers: "application/json",
        errors: &["400", "404", "409", "413", "422", "503"],
    },
    Route {
        method: HttpMethod::Post,
        path: "/v1/imports",
        summary: "Import a portfolio (CSV, JSON, JSON Lines or xlsx by Content-Type; name in `X-Filename`): every row decided and kept, every reject listed",
        access: Access::Roles("admin"),
        body: &[
            "text/csv",
            "application/json",
            "application/x-ndjson",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ],
        params: &[],
        query: &[],
        answers: "application/json",
        errors: &["413", "415", "422", "503"],
    },
    Route {
        method: HttpMethod::Get,
        path: "/v1/clients/{id}",
        summary: "A client: facts as imported, live exposure, decision now, grade history, orders waiting",
        access: Access::Roles("erp, approver, admin (any role)"),
        body: &[],
        params: &["id"],
        query: &[],
        answers: "application/json",
        errors: &["404", "503"],
    },
    Route {
        method: HttpMethod::Get,
        path: "/v1/policy",
        summary: "The policy serving: identity, as-of date, when loaded, the last refused reload",
        access: Access::Roles("erp, approver, admin (any role)"),
        body: &[],
        params: &[],
        query: &[],
        answers: "application/json",
        errors: &[],
    },
    Route {
        method: HttpMethod::Post,
        path: "/v1/policy/reload",
        summary: "Load the policy again: swapped in when it passes every check, else refused (422) and the old version keeps serving",
        access: Access::Roles("admin"),
        body: &[],
        params: &[],
        query: &[],
        answers: "application/json",
        errors: &["422"],
    },
    Route {
        method: HttpMethod::Get,
        path: "/v1/decisions",
        summary: "The decision log as JSON Lines (audit records, hash-chained): records after `after`, at most `limit` (default 1000, at most 10000)",
        access: Access::Roles("admin"),
        body: &[],
        params: &[],
        query: &["after", "limit"],
        answers: "application/x-ndjson",
        errors: &["422", "503"],
    },
    Route {
        method: HttpMethod::Get,
        path: "/health",
        summary: "Status (`ok`, `degraded` after a refused reload, `unavailable` when the database does not answer: 503), policy, as-of date, database",
        access: Access::Open,
        body: &[],
        params: &[],
        query: &[],
        answers: "application/json",
        errors: &["503"],
    },
    Route {
        method: HttpMethod::Get,
        path: "/metrics",
        summary: "Prometheus metrics",
        access: Access::Open,
        body: &[],
        params: &[],
        query: &[],
        answers: "application/openmetrics-text",
        errors: &[],
    },
    Route {
        method: HttpMethod::Get,
        path: "/openapi.json",
        summary: "This document",
        access: Access::Open,
        body: &[],
        params: &[],
        query: &[],
        answers: "application/json",
        errors: &[],
    },
];

/// The name of the bearer security scheme.
pub const BEARER: &str = "bearer";

/// The document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for r in ROUTES {
        let access = match r.access {
            Access::Open => "No token needed.".to_string(),
            Access::Roles(roles) => format!("Roles: {roles}."),
        };
        let mut op = OperationBuilder::new()
            .summary(Some(r.summary))
            .description(Some(format!("{}\n\n{access}", r.summary)))
            .operation_id(Some(operation_id(r)))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("the answer")
                    .content(r.answers, ContentBuilder::new().build())
                    .build(),
            );
        for p in r.params {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(*p)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        for q in r.query {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(*q)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Integer))),
            );
        }
        if !r.body.is_empty() {
            let mut body = RequestBodyBuilder::new();
            for ct in r.body {
                body = body.content(*ct, ContentBuilder::new().build());
            }
            op = op.request_body(Some(body.build()));
        }
        let mut errors: Vec<&str> = r.errors.to_vec();
        if let Access::Roles(_) = r.access {
            op = op.security(SecurityRequirement::new(BEARER, Vec::<String>::new()));
            errors.extend(["401", "403"]);
        }
        for e in errors {
            op = op.response(
                e,
                ResponseBuilder::new()
                    .description("an error: `{\"error\": {\"status\", \"field\", \"message\"}}`")
                    .content("application/json", ContentBuilder::new().build())
                    .build(),
            );
        }
        paths = paths.path(r.path, PathItem::new(r.method.clone(), op.build()));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("credit-policy")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Credit control online: decisions, order checks, the exposure ledger, approvals and the decision log. Money is sent and answered as decimal strings.",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(
            ComponentsBuilder::new()
                .security_scheme(
                    BEARER,
                    SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
                )
                .build(),
        ))
        .build()
}

fn operation_id(r: &Route) -> String {
    let method = match r.method {
        HttpMethod::Get => "get",
        HttpMethod::Post => "post",
        _ => "call",
    };
    let path: String = r
        .path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{method}{}", path.trim_end_matches('_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_of_the_router_is_documented() {
        let doc: serde_json::Value = serde_json::from_str(&document().to_json().unwrap()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for r in ROUTES {
            assert!(doc["paths"][r.path].is_object(), "{}", r.path);
        }
        assert_eq!(
            doc["paths"]["/v1/imports"]["post"]["security"][0]["bearer"],
            serde_json::json!([])
        );
    }
}
