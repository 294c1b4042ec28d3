//! A client's live facts: its facts as last imported, moved by the ledger since. Pure
//! arithmetic on exact decimals, so it is tested without a database.
//!
//! * `receivable_balance`: as imported, plus invoices, less payments and credit notes. An
//!   empty imported balance stays empty: unknown is not zero, and no ledger makes it known.
//! * `open_orders`: as imported (an empty cell counts as none, as the engine counts it), plus
//!   orders released, less orders cancelled or invoiced.
//! * ageing (`overdue_1_30` ... `overdue_over_90`): the imported buckets, less payments made
//!   to the imported balance, oldest money first; plus each invoice of the ledger still open
//!   past its due date, in the bucket of its days past due on the as-of date.
//! * `max_days_late`: the largest of the imported figure, the days past due of an invoice paid
//!   late, and the days past due of an invoice still open.

use std::collections::BTreeMap;
use std::str::FromStr;

use jiff::civil::Date;
use rust_decimal::Decimal;

/// The ageing buckets, oldest money first.
pub const BUCKETS: [&str; 4] = [
    "overdue_over_90",
    "overdue_61_90",
    "overdue_31_60",
    "overdue_1_30",
];

/// What the ledger moved since a client's last import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moves {
    /// Invoices less payments and credit notes.
    pub receivable: Decimal,
    /// Orders released less orders cancelled or invoiced.
    pub open_orders: Decimal,
    /// Payments and credit notes made to the balance as imported (no invoice named).
    pub paid_to_balance: Decimal,
    /// The most days past due of an invoice of the ledger paid late.
    pub late_days: i64,
}

/// An invoice of the ledger not yet settled in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInvoice {
    pub open: Decimal,
    pub due: Date,
}

/// Days from `due` to `as_of`; zero or less when not yet due.
pub fn days_past_due(due: Date, as_of: Date) -> i64 {
    (as_of - due).get_days() as i64
}

fn bucket_of(days: i64) -> Option<&'static str> {
    match days {
        d if d <= 0 => None,
        1..=30 => Some("overdue_1_30"),
        31..=60 => Some("overdue_31_60"),
        61..=90 => Some("overdue_61_90"),
        _ => Some("overdue_over_90"),
    }
}

fn get(fields: &BTreeMap<String, String>, k: &str) -> Option<Decimal> {
    fields
        .get(k)
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| Decimal::from_str(v.trim()).ok())
}

/// The client's fields as the engine should see them on `as_of`: `imported` moved by `moves`
/// and the open invoices of the ledger.
pub fn live_fields(
    imported: &BTreeMap<String, String>,
    moves: &Moves,
    invoices: &[OpenInvoice],
    as_of: Date,
) -> BTreeMap<String, String> {
    let mut f = imported.clone();
    if let Some(r) = get(imported, "receivable_balance") {
        f.insert(
            "receivable_balance".into(),
            r.saturating_add(moves.receivable).to_string(),
        );
    }
    let open = get(imported, "open_orders");
    if open.is_some() || !moves.open_orders.is_zero() {
        f.insert(
            "open_orders".into(),
            open.unwrap_or_default()
                .saturating_add(moves.open_orders)
                .to_string(),
        );
    }
    // Payments to the imported balance settle its oldest overdue money first.
    let mut paid = moves.paid_to_balance;
    let mut buckets: BTreeMap<&str, Option<Decimal>> = BTreeMap::new();
    for b in BUCKETS {
        let v = get(imported, b).map(|v| {
            let take = v.min(paid).max(Decimal::ZERO);
            paid -= take;
            v - take
        });
        buckets.insert(b, v);
    }
    let mut late = get(imported, "max_days_late")
        .map(|d| d.trunc().try_into().unwrap_or(i64::MAX))
        .unwrap_or(0)
        .max(moves.late_days);
    let mut late_known = imported.contains_key("max_days_late") || moves.late_days > 0;
    for inv in invoices.iter().filter(|i| i.open > Decimal::ZERO) {
        let days = days_past_due(inv.due, as_of);
        if let Some(b) = bucket_of(days) {
            let slot = buckets.entry(b).or_insert(None);
            *slot = Some(slot.unwrap_or_default().saturating_add(inv.open));
            late = late.max(days);
            late_known = true;
        }
    }
    for (b, v) in buckets {
        if let Some(v) = v {
            f.insert(b.to_string(), v.to_string());
        }
    }
    if late_known {
        f.insert("max_days_late".into(), late.to_string());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn an_unknown_balance_stays_unknown_whatever_the_ledger_says() {
        let imported = fields(&[("id", "D1"), ("open_orders", "100.00")]);
        let moves = Moves {
            receivable: d("500.00"),
            open_orders: d("50.00"),
            ..Moves::default()
        };
        let live = live_fields(&imported, &moves, &[], date("2026-11-30"));
        assert_eq!(live.get("receivable_balance"), None);
        assert_eq!(live["open_orders"], "150.00");
    }

    #[test]
    fn released_and_invoiced_orders_move_the_balances() {
        let imported = fields(&[("receivable_balance", "1000.00")]);
        let moves = Moves {
            receivable: d("300.00"),
            open_orders: d("200.00"),
            ..Moves::default()
        };
        let live = live_fields(&imported, &moves, &[], date("2026-11-30"));
        assert_eq!(live["receivable_balance"], "1300.00");
        assert_eq!(
            live["open_orders"], "200.00",
            "an empty open-orders cell counts as none"
        );
    }

    #[test]
    fn payments_to_the_balance_settle_the_oldest_overdue_money_first() {
        let imported = fields(&[
            ("receivable_balance", "1000.00"),
            ("overdue_over_90", "100.00"),
            ("overdue_31_60", "200.00"),
            ("overdue_1_30", "300.00"),
        ]);
        let moves = Moves {
            receivable: d("-250.00"),
            paid_to_balance: d("250.00"),
            ..Moves::default()
        };
        let live = live_fields(&imported, &moves, &[], date("2026-11-30"));
        assert_eq!(live["overdue_over_90"], "0.00");
        assert_eq!(live["overdue_31_60"], "50.00");
        assert_eq!(live["overdue_1_30"], "300.00");
        assert_eq!(
            live.get("overdue_61_90"),
            None,
            "a bucket never given stays unknown"
        );
    }

    #[test]
    fn open_invoices_past_due_age_into_their_bucket_and_the_days_late() {
        let imported = fields(&[("receivable_balance", "0"), ("max_days_late", "10")]);
        let invoices = [
            OpenInvoice {
                open: d("40.00"),
                due: date("2026-10-31"), // 30 days past due
            },
            OpenInvoice {
                open: d("60.00"),
                due: date("2026-10-30"), // 31
            },
            OpenInvoice {
                open: d("70.00"),
                due: date("2026-12-15"), // not yet due
            },
            OpenInvoice {
                open: d("80.00"),
                due: date("2026-08-01"), // 121
            },
        ];
        let live = live_fields(&imported, &Moves::default(), &invoices, date("2026-11-30"));
        assert_eq!(live["overdue_1_30"], "40.00");
        assert_eq!(live["overdue_31_60"], "60.00");
        assert_eq!(live["overdue_over_90"], "80.00");
        assert_eq!(live.get("overdue_61_90"), None);
        assert_eq!(live["max_days_late"], "121");
    }

    #[test]
    fn an_invoice_paid_late_counts_its_delay() {
        let imported = fields(&[("receivable_balance", "0"), ("max_days_late", "10")]);
        let moves = Moves {
            late_days: 45,
            ..Moves::default()
        };
        let live = live_fields(&imported, &moves, &[], date("2026-11-30"));
        assert_eq!(live["max_days_late"], "45");
        assert_eq!(days_past_due(date("2026-11-30"), date("2026-11-30")), 0);
    }
}
