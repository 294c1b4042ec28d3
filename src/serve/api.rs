//! What the service's requests carry, checked field by field, and its one error type.
//!
//! Every request body that is not a portfolio is a JSON object; a field that is missing, of
//! the wrong kind, or not one the request knows (a misspelling is never ignored) is an error
//! naming the field, and nothing is written.

use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::control::order::parse_amount;
use crate::policy::source::did_you_mean;

/// The kinds of failure, each one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400: the body is not JSON, or not an object.
    Malformed,
    /// 401: no bearer token, or one the service does not know.
    Unauthenticated,
    /// 403: a token whose role may not do this.
    Forbidden,
    /// 404: an unknown client, order or invoice.
    NotFound,
    /// 409: a retry that does not match the first request, a duplicate event id, an order no
    /// longer waiting.
    Conflict,
    /// 413: a body over the limit.
    TooLarge,
    /// 415: a portfolio in a format the service does not read.
    UnsupportedMedia,
    /// 422: a field that is missing, malformed or out of range.
    Invalid,
    /// 503: the database cannot be reached, or the service is shutting down.
    Unavailable,
    /// 500: anything else; the message says what.
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::Malformed => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::TooLarge => 413,
            ErrorKind::UnsupportedMedia => 415,
            ErrorKind::Invalid => 422,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }
}

/// A request the service refused or could not serve: the kind (its status), the field at fault
/// when one is, and what to do, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub kind: ErrorKind,
    pub field: Option<String>,
    pub message: String,
}

impl ServiceError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ServiceError {
        ServiceError {
            kind,
            field: None,
            message: message.into(),
        }
    }

    pub fn field(kind: ErrorKind, field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError {
            kind,
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError::field(ErrorKind::Invalid, field, message)
    }

    pub fn internal(message: impl Into<String>) -> ServiceError {
        ServiceError::new(ErrorKind::Internal, message)
    }

    /// The JSON body of the answer: `{"error": {"status", "field", "message"}}`.
    pub fn body(&self) -> Value {
        serde_json::json!({
            "error": {
                "status": self.kind.status(),
                "field": self.field,
                "message": self.message,
            }
        })
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ServiceError {}

/// The longest id (client, order, invoice, event) the service keeps.
pub const MAX_ID: usize = 200;

/// An order to check: `{"order_id", "client", "amount"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    pub order_id: String,
    pub client: String,
    pub amount: Decimal,
}

impl OrderRequest {
    pub fn parse(body: &Value) -> Result<OrderRequest, ServiceError> {
        let o = Fields::of(body, &["order_id", "client", "amount"])?;
        Ok(OrderRequest {
            order_id: o.id("order_id")?,
            client: o.id("client")?,
            amount: o.amount("amount")?,
        })
    }
}

/// An approver's word on a waiting order: `{"note"}` (optional).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    pub note: Option<String>,
}

impl Verdict {
    pub fn parse(body: &Value) -> Result<Verdict, ServiceError> {
        if body.is_null() {
            return Ok(Verdict::default());
        }
        let o = Fields::of(body, &["note"])?;
        Ok(Verdict {
            note: o.text("note", 2000)?,
        })
    }
}

/// What a ledger event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// An order released on credit outside the service (open orders up).
    Released,
    /// A released order cancelled, in whole or part (open orders down).
    Cancelled,
    /// An invoice raised, with its due date (open orders down by what it bills of the order,
    /// receivable up).
    Invoiced,
    /// A payment received (receivable down).
    Paid,
    /// A credit note issued (receivable down).
    CreditNote,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::Released,
        EventKind::Cancelled,
        EventKind::Invoiced,
        EventKind::Paid,
        EventKind::CreditNote,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Released => "released",
            EventKind::Cancelled => "cancelled",
            EventKind::Invoiced => "invoiced",
            EventKind::Paid => "paid",
            EventKind::CreditNote => "credit_note",
        }
    }

    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// One ledger event: `{"event_id", "type", "client", "amount", "order_id"?, "invoice_id"?,
/// "due_date"?}`. Which of the optional fields a type needs:
///
/// * `released`, `cancelled`: `order_id`;
/// * `invoiced`: `invoice_id` and `due_date`; `order_id` when it bills a released order;
/// * `paid`, `credit_note`: `invoice_id` when it settles one invoice, none when it goes to the
///   balance as imported (its oldest overdue money first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEvent {
    pub event_id: String,
    pub kind: EventKind,
    pub client: String,
    pub amount: Decimal,
    pub order_id: Option<String>,
    pub invoice_id: Option<String>,
    pub due_date: Option<Date>,
}

impl LedgerEvent {
    pub fn parse(body: &Value) -> Result<LedgerEvent, ServiceError> {
        let o = Fields::of(
            body,
            &[
                "event_id",
                "type",
                "client",
                "amount",
                "order_id",
                "invoice_id",
                "due_date",
            ],
        )?;
        let kind_name = o.id("type")?;
        let kind = EventKind::from_name(&kind_name).ok_or_else(|| {
            let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
            ServiceError::invalid(
                "type",
                format!(
                    "`{kind_name}` is not an event type; use one of {}",
                    names.join(", ")
                ),
            )
        })?;
        let ev = LedgerEvent {
            event_id: o.id("event_id")?,
            kind,
            client: o.id("client")?,
            amount: o.amount("amount")?,
            order_id: o.optional_id("order_id")?,
            invoice_id: o.optional_id("invoice_id")?,
            due_date: match o.text("due_date", 40)? {
                Some(t) => Some(crate::client::parse_date(&t).map_err(|e| {
                    ServiceError::invalid("due_date", format!("`{t}` is not a date: {e}"))
                })?),
                None => None,
            },
        };
        let need = |field: &str, present: bool, why: &str| {
            if present {
                Ok(())
            } else {
                Err(ServiceError::invalid(
                    field,
                    format!("is missing: a `{}` event {why}", kind.as_str()),
                ))
            }
        };
        let refuse = |field: &str, present: bool, why: &str| {
            if present {
                Err(ServiceError::invalid(
                    field,
                    format!("is not taken by a `{}` event: {why}", kind.as_str()),
                ))
            } else {
                Ok(())
            }
        };
        match kind {
            EventKind::Released | EventKind::Cancelled => {
                need("order_id", ev.order_id.is_some(), "names its order")?;
                refuse("invoice_id", ev.invoice_id.is_some(), "it bills nothing")?;
                refuse("due_date", ev.due_date.is_some(), "it bills nothing")?;
            }
            EventKind::Invoiced => {
                need("invoice_id", ev.invoice_id.is_some(), "names its invoice")?;
                need(
                    "due_date",
                    ev.due_date.is_some(),
                    "carries the due date, so the service knows when it is overdue",
                )?;
            }
            EventKind::Paid | EventKind::CreditNote => {
                refuse(
                    "order_id",
                    ev.order_id.is_some(),
                    "it settles an invoice (`invoice_id`) or the balance",
                )?;
                refuse("due_date", ev.due_date.is_some(), "it is not an invoice")?;
            }
        }
        Ok(ev)
    }
}

/// The fields of a JSON object body, each read once and checked.
struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The object, refused when it is not one or has a field not in `known`.
    fn of(body: &'a Value, known: &[&str]) -> Result<Fields<'a>, ServiceError> {
        let Some(map) = body.as_object() else {
            return Err(ServiceError::new(
                ErrorKind::Malformed,
                format!(
                    "the body must be a JSON object with the fields {}",
                    known.join(", ")
                ),
            ));
        };
        for k in map.keys() {
            if !known.contains(&k.as_str()) {
                let hint = did_you_mean(k, known.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(ServiceError::invalid(
                    k,
                    format!(
                        "is not a field of this request{hint}; the fields are {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(Fields(map))
    }

    /// A text field, absent or null as `None`, at most `max` characters, no control characters.
    fn text(&self, name: &str, max: usize) -> Result<Option<String>, ServiceError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                if s.chars().count() > max {
                    Err(ServiceError::invalid(
                        name,
                        format!("is longer than {max} characters"),
                    ))
                } else if s.chars().any(char::is_control) {
                    Err(ServiceError::invalid(
                        name,
                        "holds a control character (a line break, tab or NUL)",
                    ))
                } else {
                    Ok(Some(s.clone()))
                }
            }
            Some(other) => Err(ServiceError::invalid(
                name,
                format!("must be a string, not {}", kind_of(other)),
            )),
        }
    }

    fn optional_id(&self, name: &str) -> Result<Option<String>, ServiceError> {
        match self.text(name, MAX_ID)? {
            Some(t) if t.trim().is_empty() => Err(ServiceError::invalid(
                name,
                "is empty; give an id or leave it out",
            )),
            Some(t) if t.trim() != t => Err(ServiceError::invalid(
                name,
                "starts or ends with spaces; send the id exactly",
            )),
            other => Ok(other),
        }
    }

    fn id(&self, name: &str) -> Result<String, ServiceError> {
        self.optional_id(name)?
            .ok_or_else(|| ServiceError::invalid(name, "is missing"))
    }

    /// A money amount above zero: a JSON string (`"1500.00"`, exact) or number.
    fn amount(&self, name: &str) -> Result<Decimal, ServiceError> {
        let text = match self.0.get(name) {
            None | Some(Value::Null) => return Err(ServiceError::invalid(name, "is missing")),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                return Err(ServiceError::invalid(
                    name,
                    format!(
                        "must be an amount such as \"1500.00\", not {}",
                        kind_of(other)
                    ),
                ));
            }
        };
        parse_amount(&text).map_err(|e| ServiceError::invalid(name, e))
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_order_names_the_field_at_fault() {
        let ok = OrderRequest::parse(
            &json!({"order_id": "SO-1", "client": "D001", "amount": "150000.00"}),
        )
        .unwrap();
        assert_eq!(ok.amount, Decimal::new(15000000, 2));
        let e = OrderRequest::parse(&json!({"order_id": "SO-1", "client": "D001", "amount": "-5"}))
            .unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_deref()),
            (ErrorKind::Invalid, Some("amount"))
        );
        let e = OrderRequest::parse(&json!({"order_id": "SO-1", "clinet": "D001", "amount": "5"}))
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("clinet"));
        assert!(e.message.contains("`client`"), "{}", e.message);
        let e = OrderRequest::parse(&json!({"client": "D001", "amount": 5})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("order_id"));
        let e = OrderRequest::parse(&json!([1])).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        let e = OrderRequest::parse(&json!({"order_id": " SO-1", "client": "D001", "amount": 5}))
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("order_id"));
    }

    #[test]
    fn an_event_takes_the_fields_its_type_needs() {
        let inv = LedgerEvent::parse(
            &json!({"event_id": "E1", "type": "invoiced", "client": "D001",
            "amount": "100", "invoice_id": "INV-1", "due_date": "2026-12-31"}),
        )
        .unwrap();
        assert_eq!(inv.kind, EventKind::Invoiced);
        let e = LedgerEvent::parse(
            &json!({"event_id": "E1", "type": "invoiced", "client": "D001",
            "amount": "100", "invoice_id": "INV-1"}),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("due_date"));
        let e = LedgerEvent::parse(
            &json!({"event_id": "E1", "type": "refund", "client": "D001",
            "amount": "100"}),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("type"));
        let e = LedgerEvent::parse(&json!({"event_id": "E1", "type": "paid", "client": "D001",
            "amount": "100", "order_id": "SO-1"}))
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("order_id"));
        let e = LedgerEvent::parse(&json!({"event_id": "E1", "type": "paid", "client": "D001",
            "amount": "1e400"}))
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("amount"));
        let e = LedgerEvent::parse(
            &json!({"event_id": "E1", "type": "released", "client": "D001",
            "amount": "10"}),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("order_id"));
    }
}
