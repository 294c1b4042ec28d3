//! The order credit check: one incoming order against the client's current decision. Exposure
//! plus the order against the line gives one of four outcomes:
//!
//! * `release`: it fits within the line;
//! * `release_with_approval`: it goes over the line but stays within the grade's tolerance
//!   (`[orders.tolerance]`, percent of the line), so the policy's approver may release it;
//! * `prepay_only`: the client has no line (its grade gets none, or the line rounds to zero),
//!   or trading with it is being terminated;
//! * `hold`: anything else.
//!
//! A batch ([`check_batch`]) is checked in arrival order: every order released (with approval
//! or not) adds to the client's exposure for the orders after it, so two orders that each fit
//! but together do not are caught. Held and prepay-only orders take no credit.

use std::collections::HashMap;
use std::io::Read;

use rust_decimal::Decimal;

use super::{Decide, Lookup, Portfolio};
use crate::engine::{Action, Decision, EvalError, Reason};
use crate::grade::Grade;
use crate::money::{MONEY_MAX, fmt_money, parse_decimal};
use crate::policy::OrderRules;
use crate::policy::source::did_you_mean;
use crate::report::ReasonJson;

/// What happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Release,
    ReleaseWithApproval,
    PrepayOnly,
    Hold,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Release,
        Outcome::ReleaseWithApproval,
        Outcome::PrepayOnly,
        Outcome::Hold,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Release => "release",
            Outcome::ReleaseWithApproval => "release_with_approval",
            Outcome::PrepayOnly => "prepay_only",
            Outcome::Hold => "hold",
        }
    }

    /// Whether the order goes out on credit, so it uses up the client's headroom.
    pub fn takes_credit(self) -> bool {
        matches!(self, Outcome::Release | Outcome::ReleaseWithApproval)
    }
}

/// One order checked, with every number behind the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderCheck {
    pub client: String,
    pub name: Option<String>,
    pub grade: Grade,
    pub outcome: Outcome,
    /// Who must approve: set only for `release_with_approval`.
    pub approver: Option<String>,
    /// The client's credit line.
    pub line: Decimal,
    /// Exposure before this order: the decision's (receivable balance + open orders) plus the
    /// earlier orders of the batch that took credit.
    pub exposure: Decimal,
    /// `false` when the client's exposure is unknown (an empty cell): never released.
    pub exposure_known: bool,
    /// Of `exposure`, what earlier orders of the same batch took.
    pub earlier_orders: Decimal,
    pub order: Decimal,
    /// `line - exposure` (negative when already over the line).
    pub headroom_before: Decimal,
    /// `line - exposure - order`.
    pub headroom_after: Decimal,
    /// The grade's tolerance, percent of the line.
    pub tolerance: Decimal,
    /// The most exposure may reach with approval: `line x (1 + tolerance / 100)`.
    pub approval_limit: Decimal,
    /// The client's group against the group line, when it has one in a run with groups.
    pub group: Option<GroupHeadroom>,
    /// Why, most important first: the order's own reasons, then the decision's (without its
    /// score line).
    pub reasons: Vec<Reason>,
}

/// Checks one order of `amount` against the client's decision; `earlier` is what earlier
/// orders of the same batch already took of its headroom (zero for a single order).
pub fn check(
    decision: &Decision,
    rules: &OrderRules,
    earlier: Decimal,
    amount: Decimal,
) -> OrderCheck {
    check_in_batch(decision, rules, earlier, Decimal::ZERO, amount)
}

/// [`check`] within a batch: `earlier` is what earlier orders took of the client's headroom,
/// `earlier_group` what earlier orders of any member took of its group's.
///
/// An order goes out on credit only when the decision allows credit (no `terminate`, no
/// `hold` of the client's own or its group's, a known exposure, a line above zero) and the
/// amount fits the headroom of the client (or, with approval, its tolerance) and of its group.
pub fn check_in_batch(
    decision: &Decision,
    rules: &OrderRules,
    earlier: Decimal,
    earlier_group: Decimal,
    amount: Decimal,
) -> OrderCheck {
    let line = decision.limit;
    let exposure = decision.exposure.saturating_add(earlier);
    let total = exposure.saturating_add(amount);
    let tolerance = rules.tolerance_for(decision.grade);
    let approval_limit = line + line * tolerance / Decimal::ONE_HUNDRED;
    let grade = decision.grade;
    let pct = tolerance.normalize();
    let sum = format!(
        "exposure {} plus this order {} comes to {}",
        fmt_money(exposure),
        fmt_money(amount),
        fmt_money(total)
    );
    let group = decision.group.as_ref().map(|g| GroupHeadroom {
        id: g.id.clone(),
        line: g.line,
        exposure: g.exposure.saturating_add(earlier_group),
        exposure_known: g.exposure_known,
        earlier_orders: earlier_group,
    });

    let mut reasons = Vec::new();
    let mut own = |code: &str, text: String| reasons.push(Reason::new(code, &text, 0));
    let holds: Vec<&Reason> = decision.reasons_for(Action::Hold).collect();
    let outcome = if decision.has(Action::Terminate) {
        own(
            "prepay_terminating",
            "trading with this client is being terminated: nothing more on credit, prepayment only"
                .into(),
        );
        Outcome::PrepayOnly
    } else if line <= Decimal::ZERO {
        let collateral: Vec<&str> = decision
            .reasons_for(Action::RequireCollateral)
            .map(|r| r.code.as_str())
            .collect();
        if collateral.is_empty() {
            own(
                "prepay_no_line",
                format!(
                    "no credit line (grade {grade}, line {}): nothing on credit, prepayment only",
                    fmt_money(line)
                ),
            );
        } else {
            own(
                "prepay_collateral_required",
                format!(
                    "credit only against security ({}): secured cover {} does not reach exposure plus this order, {}; take a deposit, guarantee or collateral of at least that, or prepayment",
                    collateral.join(", "),
                    fmt_money(decision.secured_cover),
                    fmt_money(total)
                ),
            );
        }
        Outcome::PrepayOnly
    } else if !decision.exposure_known {
        own(
            "hold_exposure_unknown",
            "what the client owes us is unknown: nothing is released on credit until it is known"
                .into(),
        );
        Outcome::Hold
    } else if !holds.is_empty() {
        let why: Vec<&str> = holds.iter().map(|r| r.code.as_str()).collect();
        own(
            "client_on_hold",
            format!(
                "the client is on hold ({}): nothing is released on credit until the hold is lifted",
                why.join(", ")
            ),
        );
        Outcome::Hold
    } else if let Some(g) = group.as_ref().filter(|g| !g.exposure_known) {
        own(
            "group_exposure_unknown",
            format!(
                "the exposure of group {} is unknown: nothing is released on credit to its members until it is known",
                g.id
            ),
        );
        Outcome::Hold
    } else if let Some(g) = group
        .as_ref()
        .filter(|g| g.exposure.saturating_add(amount) > g.line)
    {
        own(
            "over_group_line",
            format!(
                "group {}: exposure {} plus this order {} comes to {}, {} over the group line {}: hold the order until the group is paid down",
                g.id,
                fmt_money(g.exposure),
                fmt_money(amount),
                fmt_money(g.exposure.saturating_add(amount)),
                fmt_money(g.exposure.saturating_add(amount) - g.line),
                fmt_money(g.line)
            ),
        );
        Outcome::Hold
    } else if total <= line {
        own(
            "within_line",
            format!(
                "{sum}, within the line {}: {} of headroom left",
                fmt_money(line),
                fmt_money(line - total)
            ),
        );
        Outcome::Release
    } else if total <= approval_limit {
        own(
            "within_tolerance",
            format!(
                "{sum}, {} over the line {} but within grade {grade}'s {pct}% tolerance (up to {}): release only with the approval of the {}",
                fmt_money(total - line),
                fmt_money(line),
                fmt_money(approval_limit),
                rules.approver
            ),
        );
        Outcome::ReleaseWithApproval
    } else {
        let beyond = if tolerance.is_zero() {
            format!("grade {grade} allows nothing over the line")
        } else {
            format!(
                "beyond grade {grade}'s {pct}% tolerance (up to {})",
                fmt_money(approval_limit)
            )
        };
        own(
            "over_line",
            format!(
                "{sum}, {} over the line {}, {beyond}: hold the order until the balance is paid down",
                fmt_money(total - line),
                fmt_money(line)
            ),
        );
        Outcome::Hold
    };
    if !earlier.is_zero() {
        reasons.push(Reason::new(
            "earlier_orders",
            format!(
                "earlier orders of this batch already took {} of the headroom",
                fmt_money(earlier)
            ),
            0,
        ));
    }
    if let Some(g) = group.as_ref().filter(|g| !g.earlier_orders.is_zero()) {
        reasons.push(Reason::new(
            "earlier_group_orders",
            format!(
                "earlier orders of this batch for members of group {} already took {} of the group's headroom",
                g.id,
                fmt_money(g.earlier_orders)
            ),
            0,
        ));
    }
    reasons.extend(
        decision
            .reasons
            .iter()
            .filter(|r| r.code != "score")
            .cloned(),
    );

    OrderCheck {
        client: decision.id.clone(),
        name: decision.name.clone(),
        grade,
        outcome,
        approver: (outcome == Outcome::ReleaseWithApproval).then(|| rules.approver.clone()),
        line,
        exposure,
        exposure_known: decision.exposure_known,
        earlier_orders: earlier,
        order: amount,
        headroom_before: line - exposure,
        headroom_after: line - total,
        tolerance,
        approval_limit,
        group,
        reasons,
    }
}

/// The client's group against its line, as an order sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupHeadroom {
    pub id: String,
    /// The group line.
    pub line: Decimal,
    /// The members' combined exposure plus what earlier orders of the batch took.
    pub exposure: Decimal,
    /// `false` when some member's exposure is unknown.
    pub exposure_known: bool,
    /// Of `exposure`, what earlier orders of the batch for any member took.
    pub earlier_orders: Decimal,
}

/// An order amount: a plain decimal above zero and at most 10^18.
pub fn parse_amount(text: &str) -> Result<Decimal, String> {
    let shown = text.trim();
    let v = parse_decimal(text).map_err(|e| {
        if e == "empty" {
            "is missing".to_string()
        } else {
            e
        }
    })?;
    if v <= Decimal::ZERO {
        return Err(format!(
            "`{shown}` is not above zero; an order is a positive amount"
        ));
    }
    if v > MONEY_MAX {
        return Err(format!("`{shown}` is too large (the most is 10^18)"));
    }
    Ok(v)
}

/// One order as read from an orders file.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Line of the orders file (the header is line 1); 0 for an order given on the command line.
    pub line: u64,
    pub order_id: Option<String>,
    pub client: String,
    pub amount: Decimal,
}

/// Why an order could not be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The order row itself is wrong: a missing client, a bad amount, the wrong number of cells.
    BadOrder,
    /// No client has the id the order names.
    UnknownClient,
    /// The client's row in the clients file was rejected.
    ClientRejected,
    /// The policy's rules failed for the client.
    RulesFailed,
}

/// An order that could not be checked: where it was, and what to fix.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderReject {
    pub line: u64,
    pub order_id: Option<String>,
    pub client: Option<String>,
    pub problem: Problem,
    /// The column at fault, when one is.
    pub field: String,
    pub reason: String,
}

/// One line of a batch's result, in the order the orders arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchLine {
    Checked {
        line: u64,
        order_id: Option<String>,
        check: Box<OrderCheck>,
    },
    Rejected(OrderReject),
}

/// A problem with an orders file as a whole: nothing can be read from it.
#[derive(Debug, thiserror::Error)]
pub enum OrdersError {
    #[error("cannot read `{path}`: {message}")]
    Read { path: String, message: String },
    #[error("`{path}` has no `{column}` column{hint}")]
    MissingColumn {
        path: String,
        column: &'static str,
        hint: String,
    },
    #[error("`{path}` has the column `{column}` twice in its header")]
    DuplicateColumn { path: String, column: String },
}

/// Reads an orders file: CSV with a header row holding `client` and `amount`, and optionally
/// `order_id` (other columns are ignored). Every row comes back as an order or a reject with
/// its line; blank lines are skipped.
pub fn read_orders(
    path: &str,
    input: Box<dyn Read + '_>,
) -> Result<Vec<Result<Order, OrderReject>>, OrdersError> {
    let read_err = |e: csv::Error| OrdersError::Read {
        path: path.to_string(),
        message: e.to_string(),
    };
    let bytes = crate::safety::read_capped(input, crate::safety::MAX_ORDERS_FILE).map_err(|e| {
        OrdersError::Read {
            path: path.to_string(),
            message: e.to_string(),
        }
    })?;
    // A row's line is counted from its first byte: the csv crate's own line count goes wrong
    // after a blank line and with CRLF (rust-csv#395), and the line is how a row is found again.
    let newlines: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let line_at = |pos: Option<&csv::Position>| {
        pos.map_or(0, |p| {
            // A row's position may point at blank lines skipped before it.
            let mut byte = usize::try_from(p.byte()).unwrap_or(usize::MAX);
            while matches!(bytes.get(byte), Some(b'\n' | b'\r')) {
                byte += 1;
            }
            newlines.partition_point(|&n| n < byte) as u64 + 1
        })
    };
    // Rows end at `\n`; a `\r` before it is trimmed with the cell.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .map_err(read_err)?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut names = std::collections::HashSet::new();
    for h in &header {
        if !h.is_empty() && !names.insert(h.as_str()) {
            return Err(OrdersError::DuplicateColumn {
                path: path.to_string(),
                column: h.clone(),
            });
        }
    }
    let column = |name: &'static str| -> Result<usize, OrdersError> {
        header.iter().position(|h| h == name).ok_or_else(|| {
            let hint = match did_you_mean(name, header.iter().map(String::as_str)) {
                Some(s) => format!("; is `{s}` meant to be `{name}`? Column names are exact"),
                None => format!(
                    "; an orders file has the columns `client,amount` and optionally `order_id` (found: {})",
                    header.join(", ")
                ),
            };
            OrdersError::MissingColumn {
                path: path.to_string(),
                column: name,
                hint,
            }
        })
    };
    let (client_col, amount_col) = (column("client")?, column("amount")?);
    let id_col = header.iter().position(|h| h == "order_id");

    let mut out = Vec::new();
    // The line each order id was first given on: a second order with the same id is a copy
    // (a repeated export, a retry) and is not checked again, so it never takes headroom twice.
    let mut first_line: std::collections::HashMap<String, u64> = Default::default();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = line_at(e.position());
                out.push(Err(OrderReject {
                    line,
                    order_id: None,
                    client: None,
                    problem: Problem::BadOrder,
                    field: String::new(),
                    reason: format!("cannot be read: {e}"),
                }));
                continue;
            }
        }
        let line = line_at(record.position());
        let cell = |i: usize| record.get(i).map(str::trim).unwrap_or("");
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let order_id = id_col.map(cell).filter(|s| !s.is_empty()).map(String::from);
        let client = Some(cell(client_col))
            .filter(|s| !s.is_empty())
            .map(String::from);
        let reject = |field: &str, reason: String| OrderReject {
            line,
            order_id: order_id.clone(),
            client: client.clone(),
            problem: Problem::BadOrder,
            field: field.to_string(),
            reason,
        };
        if record.len() > header.len() {
            out.push(Err(reject(
                "",
                format!(
                    "has {} cells but the header has {}",
                    record.len(),
                    header.len()
                ),
            )));
            continue;
        }
        if let Some(id) = &order_id {
            let first = *first_line.entry(id.clone()).or_insert(line);
            if first != line {
                out.push(Err(reject(
                    "order_id",
                    format!(
                        "`{id}` is already the order on line {first}: an order is checked once; remove the copy or give each order its own id"
                    ),
                )));
                continue;
            }
        }
        let Some(c) = client.clone() else {
            out.push(Err(reject(
                "client",
                "is missing; every order names its client's id".into(),
            )));
            continue;
        };
        match parse_amount(cell(amount_col)) {
            Ok(amount) => out.push(Ok(Order {
                line,
                order_id,
                client: c,
                amount,
            })),
            Err(e) => out.push(Err(reject("amount", e))),
        }
    }
    Ok(out)
}

/// Checks orders in arrival order against the clients' decisions, each order released taking
/// its amount out of the client's headroom for the orders after it. Every order comes back,
/// checked or rejected, in the order given.
///
/// `evaluator` gives a client's decision as every other command has it (group lines applied);
/// each client is decided once.
pub fn check_batch<'p>(
    evaluator: &mut impl Decide<'p>,
    portfolio: &Portfolio,
    orders: Vec<Result<Order, OrderReject>>,
) -> Vec<BatchLine> {
    let rules = &evaluator.policy().orders;
    let mut decisions: HashMap<String, Result<Decision, EvalError>> = HashMap::new();
    let mut taken: HashMap<String, Decimal> = HashMap::new();
    let mut taken_by_group: HashMap<String, Decimal> = HashMap::new();
    let mut out = Vec::with_capacity(orders.len());
    for o in orders {
        let o = match o {
            Ok(o) => o,
            Err(r) => {
                out.push(BatchLine::Rejected(r));
                continue;
            }
        };
        let reject = |problem, field: &str, reason: String| {
            BatchLine::Rejected(OrderReject {
                line: o.line,
                order_id: o.order_id.clone(),
                client: Some(o.client.clone()),
                problem,
                field: field.to_string(),
                reason,
            })
        };
        let client = match portfolio.lookup(&o.client) {
            Lookup::Found(c) => c,
            Lookup::Rejected(r) => {
                let field = if r.field.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", r.field)
                };
                out.push(reject(
                    Problem::ClientRejected,
                    "client",
                    format!(
                        "the row of client `{}` (line {} of {}) is rejected: {field}{}; fix it to check its orders",
                        o.client,
                        r.line,
                        portfolio.source(),
                        r.reason
                    ),
                ));
                continue;
            }
            Lookup::Unknown(hint) => {
                let hint = hint
                    .map(|h| format!("; did you mean `{h}`?"))
                    .unwrap_or_default();
                out.push(reject(
                    Problem::UnknownClient,
                    "client",
                    format!(
                        "there is no client `{}` in {}{hint}",
                        o.client,
                        portfolio.source()
                    ),
                ));
                continue;
            }
        };
        let decided = decisions
            .entry(o.client.clone())
            .or_insert_with(|| evaluator.decide(client));
        let decision = match decided {
            Ok(d) => d,
            Err(e) => {
                out.push(reject(
                    Problem::RulesFailed,
                    "",
                    format!("a policy rule failed: {e}; fix the script to check its orders"),
                ));
                continue;
            }
        };
        let earlier = taken.get(&o.client).copied().unwrap_or_default();
        let group = decision.group.as_ref().map(|g| g.id.clone());
        let earlier_group = group
            .as_ref()
            .and_then(|g| taken_by_group.get(g))
            .copied()
            .unwrap_or_default();
        let c = check_in_batch(decision, rules, earlier, earlier_group, o.amount);
        if c.outcome.takes_credit() {
            *taken.entry(o.client.clone()).or_default() += o.amount;
            if let Some(g) = group {
                *taken_by_group.entry(g).or_default() += o.amount;
            }
        }
        out.push(BatchLine::Checked {
            line: o.line,
            order_id: o.order_id,
            check: Box::new(c),
        });
    }
    out
}

fn reasons_json(reasons: &[Reason]) -> Vec<ReasonJson<'_>> {
    reasons.iter().map(ReasonJson::of).collect()
}

/// One checked order as written out: money as exact decimal strings, the tolerance in percent.
#[derive(Debug, serde::Serialize)]
pub struct OrderJson<'a> {
    /// The line of the orders file (batches only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<&'a str>,
    pub client: &'a str,
    pub name: Option<&'a str>,
    pub grade: &'static str,
    pub outcome: &'static str,
    pub approver: Option<&'a str>,
    pub limit: String,
    pub exposure: String,
    pub earlier_orders: String,
    pub order: String,
    pub headroom_before: String,
    pub headroom_after: String,
    pub tolerance: String,
    pub approval_limit: String,
    pub reasons: Vec<ReasonJson<'a>>,
    pub policy: &'a crate::policy::Identity,
}

impl<'a> OrderJson<'a> {
    pub fn new(c: &'a OrderCheck, identity: &'a crate::policy::Identity) -> OrderJson<'a> {
        OrderJson {
            line: None,
            order_id: None,
            client: &c.client,
            name: c.name.as_deref(),
            grade: c.grade.as_str(),
            outcome: c.outcome.as_str(),
            approver: c.approver.as_deref(),
            limit: fmt_money(c.line),
            exposure: fmt_money(c.exposure),
            earlier_orders: fmt_money(c.earlier_orders),
            order: fmt_money(c.order),
            headroom_before: fmt_money(c.headroom_before),
            headroom_after: fmt_money(c.headroom_after),
            tolerance: c.tolerance.normalize().to_string(),
            approval_limit: fmt_money(c.approval_limit),
            reasons: reasons_json(&c.reasons),
            policy: identity,
        }
    }
}

/// An order that could not be checked, as written out: `outcome` is `rejected`.
#[derive(Debug, serde::Serialize)]
pub struct RejectedOrderJson<'a> {
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<&'a str>,
    pub client: Option<&'a str>,
    pub outcome: &'static str,
    pub field: &'a str,
    pub reason: &'a str,
}

/// One line of a batch as written out.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum BatchLineJson<'a> {
    Checked(Box<OrderJson<'a>>),
    Rejected(RejectedOrderJson<'a>),
}

impl<'a> BatchLineJson<'a> {
    pub fn new(l: &'a BatchLine, identity: &'a crate::policy::Identity) -> BatchLineJson<'a> {
        match l {
            BatchLine::Checked {
                line,
                order_id,
                check,
            } => {
                let mut j = OrderJson::new(check, identity);
                j.line = Some(*line);
                j.order_id = order_id.as_deref();
                BatchLineJson::Checked(Box::new(j))
            }
            BatchLine::Rejected(r) => BatchLineJson::Rejected(RejectedOrderJson {
                line: r.line,
                order_id: r.order_id.as_deref(),
                client: r.client.as_deref(),
                outcome: "rejected",
                field: &r.field,
                reason: &r.reason,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::engine::Evaluator;
    use crate::policy::Policy;

    /// The standard policy's decision for a strong client: grade AAA, line 200000.00 (20% of
    /// sales of 1,000,000), exposure `receivable`.
    fn aaa(receivable: &str) -> Decision {
        let policy = standard();
        let mut ev = Evaluator::new(&policy, &as_of("2026-06-30")).unwrap();
        let dec = ev
            .decide(&strong("K1", "1000000", receivable, "0"))
            .unwrap();
        assert_eq!((dec.grade, dec.limit), (Grade::AAA, d("200000")));
        dec
    }

    fn rules(pct: &str) -> OrderRules {
        OrderRules {
            approver: "credit manager".into(),
            tolerance: [d(pct); 9],
        }
    }

    #[test]
    fn exactly_at_the_line_is_released() {
        let c = check(&aaa("150000"), &rules("5"), Decimal::ZERO, d("50000"));
        assert_eq!(c.outcome, Outcome::Release);
        assert_eq!(c.headroom_before, d("50000"));
        assert_eq!(c.headroom_after, Decimal::ZERO);
        assert_eq!(c.approver, None);
        assert_eq!(c.reasons[0].code, "within_line");
    }

    #[test]
    fn the_line_plus_the_tolerance_exactly_needs_approval_and_a_cent_more_is_held() {
        // 5% of 200000.00 is 10000.00: exposure may reach 210000.00 with approval.
        let at = check(&aaa("150000"), &rules("5"), Decimal::ZERO, d("60000.00"));
        assert_eq!(at.outcome, Outcome::ReleaseWithApproval);
        assert_eq!(at.approval_limit, d("210000"));
        assert_eq!(at.headroom_after, d("-10000"));
        assert_eq!(at.approver.as_deref(), Some("credit manager"));
        assert!(
            at.reasons[0].text.contains("credit manager"),
            "{:?}",
            at.reasons
        );

        let over = check(&aaa("150000"), &rules("5"), Decimal::ZERO, d("60000.01"));
        assert_eq!(over.outcome, Outcome::Hold);
        assert_eq!(over.headroom_after, d("-10000.01"));
        assert_eq!(over.approver, None);
        assert_eq!(over.reasons[0].code, "over_line");
    }

    #[test]
    fn without_a_tolerance_a_cent_over_the_line_is_held() {
        let c = check(&aaa("150000"), &rules("0"), Decimal::ZERO, d("50000.01"));
        assert_eq!(c.outcome, Outcome::Hold);
        assert!(c.reasons[0].text.contains("allows nothing over the line"));
        // The default rules (no `[orders]` table) allow nothing over any line.
        let c = check(
            &aaa("150000"),
            &OrderRules::default(),
            Decimal::ZERO,
            d("50000.01"),
        );
        assert_eq!(c.outcome, Outcome::Hold);
    }

    #[test]
    fn no_line_means_prepayment_only() {
        let mut dec = aaa("0");
        dec.grade = Grade::BB;
        dec.limit = Decimal::ZERO;
        let c = check(&dec, &rules("5"), Decimal::ZERO, d("1"));
        assert_eq!(c.outcome, Outcome::PrepayOnly);
        assert_eq!(c.reasons[0].code, "prepay_no_line");
    }

    #[test]
    fn a_client_being_terminated_is_prepayment_only_whatever_its_line() {
        let policy = standard();
        let mut ev = Evaluator::new(&policy, &as_of("2026-06-30")).unwrap();
        let mut failing = strong("F", "1000000", "0", "0");
        failing.distress_confirmed = Some(true);
        let dec = ev.decide(&failing).unwrap();
        let c = check(&dec, &rules("5"), Decimal::ZERO, d("1"));
        assert_eq!(c.outcome, Outcome::PrepayOnly);
        let codes: Vec<&str> = c.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes[0], "prepay_terminating");
        assert!(codes.contains(&"distress_confirmed"), "{codes:?}");
        assert!(!codes.contains(&"score"), "{codes:?}");

        // Even with a line, a terminated client is prepayment only.
        let mut with_line = aaa("0");
        with_line.actions.push(Action::Terminate);
        let c = check(&with_line, &rules("5"), Decimal::ZERO, d("1"));
        assert_eq!(c.outcome, Outcome::PrepayOnly);
    }

    #[test]
    fn amounts_must_be_positive_exact_decimals() {
        assert_eq!(parse_amount(" 100.50 "), Ok(d("100.50")));
        assert!(parse_amount("0").unwrap_err().contains("not above zero"));
        assert!(parse_amount("-5").unwrap_err().contains("not above zero"));
        assert!(parse_amount("1,000").unwrap_err().contains("thousands"));
        assert!(parse_amount("abc").unwrap_err().contains("not a number"));
        assert!(parse_amount("1e19").unwrap_err().contains("too large"));
        assert!(parse_amount("").unwrap_err().contains("missing"));
    }

    fn orders(text: &str) -> Vec<Result<Order, OrderReject>> {
        read_orders(
            "orders.csv",
            Box::new(std::io::Cursor::new(text.to_string())),
        )
        .unwrap()
    }

    #[test]
    fn a_batch_consumes_headroom_in_arrival_order() {
        // The approval policy: the standard's rules with a 5% tolerance for AAA to A.
        let policy = Policy::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/approval"),
        )
        .unwrap();
        let mut ev = Evaluator::new(&policy, &as_of("2026-06-30")).unwrap();
        // Line 200000.00, exposure 100000.00: 100000.00 of headroom, 10000.00 more with approval.
        let p = Portfolio::from_clients(vec![
            strong("K1", "1000000", "100000", "0"),
            strong("K2", "1000000", "0", "0"),
        ]);
        let batch = orders(
            "order_id,client,amount\n\
             O1,K1,60000\n\
             O2,K1,45000\n\
             O3,K1,10000\n\
             O4,K2,150000\n\
             O5,K1,5000\n\
             O6,K1,5000.01\n",
        );
        let lines = check_batch(&mut ev, &p, batch);
        let got: Vec<(u64, &str, Outcome, Decimal)> = lines
            .iter()
            .map(|l| match l {
                BatchLine::Checked {
                    line,
                    order_id,
                    check,
                } => (
                    *line,
                    order_id.as_deref().unwrap(),
                    check.outcome,
                    check.exposure,
                ),
                BatchLine::Rejected(r) => panic!("{r:?}"),
            })
            .collect();
        assert_eq!(
            got,
            vec![
                // Each of O1 and O2 fits alone; together they go 5000.00 over: approval.
                (2, "O1", Outcome::Release, d("100000")),
                (3, "O2", Outcome::ReleaseWithApproval, d("160000")),
                // 205000 + 10000 = 215000 > 210000: held, and takes nothing.
                (4, "O3", Outcome::Hold, d("205000")),
                // Another client's headroom is its own.
                (5, "O4", Outcome::Release, d("0")),
                // Exactly up to the approval limit, then one cent beyond it.
                (6, "O5", Outcome::ReleaseWithApproval, d("205000")),
                (7, "O6", Outcome::Hold, d("210000")),
            ]
        );
        let BatchLine::Checked { check, .. } = &lines[2] else {
            unreachable!()
        };
        assert_eq!(check.earlier_orders, d("105000"));
        assert_eq!(check.reasons[1].code, "earlier_orders");
    }

    #[test]
    fn bad_order_rows_are_kept_with_their_line() {
        let policy = standard();
        let mut ev = Evaluator::new(&policy, &as_of("2026-06-30")).unwrap();
        let p = Portfolio::from_clients(vec![strong("K1", "1000000", "0", "0")]);
        let batch = orders("client,amount\nK1,abc\n\nK2,10\n,5\nK1,5,extra\nK1,10\n");
        let lines = check_batch(&mut ev, &p, batch);
        let summary: Vec<(u64, String)> = lines
            .iter()
            .map(|l| match l {
                BatchLine::Checked { line, check, .. } => (*line, check.outcome.as_str().into()),
                BatchLine::Rejected(r) => (r.line, format!("{:?} {}", r.problem, r.field)),
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (2, "BadOrder amount".to_string()),
                (4, "UnknownClient client".to_string()),
                (5, "BadOrder client".to_string()),
                (6, "BadOrder ".to_string()),
                (7, "release".to_string()),
            ]
        );
    }

    #[test]
    fn lines_are_counted_right_after_blank_lines_and_with_crlf() {
        let lines = |text: &str| -> Vec<u64> {
            orders(text)
                .iter()
                .map(|o| match o {
                    Ok(o) => o.line,
                    Err(r) => r.line,
                })
                .collect()
        };
        assert_eq!(lines("client,amount\nK1,1\n\n\nK1,x\nK1,2\n"), [2, 5, 6]);
        assert_eq!(
            lines("client,amount\r\nK1,1\r\n\r\nK1,x\r\nK1,2"),
            [2, 4, 5]
        );
        assert_eq!(
            lines("client,amount\n\"K1\",\"1\"\nK1,\"2\nx\"\nK1,3\n"),
            [2, 3, 5]
        );
    }

    #[test]
    fn an_order_id_given_twice_is_checked_once() {
        let got = orders("order_id,client,amount\nO-1,K1,10\nO-2,K1,5\nO-1,K1,10\n,K1,1\n,K1,1\n");
        assert!(got[0].is_ok() && got[1].is_ok() && got[3].is_ok() && got[4].is_ok());
        let r = got[2].as_ref().unwrap_err();
        assert_eq!((r.line, r.field.as_str()), (4, "order_id"));
        assert!(
            r.reason.starts_with("`O-1` is already the order on line 2"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn an_orders_file_needs_client_and_amount() {
        let e = read_orders(
            "o.csv",
            Box::new(std::io::Cursor::new("clinet,amount\n".to_string())),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("is `clinet` meant to be `client`?"),
            "{e}"
        );
    }
}
