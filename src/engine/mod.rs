//! The engine: one client and the active policy in, one [`Decision`] out.
//!
//! The steps, in order: derive the ratios; score every measure on its band table; weight the
//! measures into the five criterion scores and those into the total; map the total to the base
//! grade; run the rule scripts; move the grade for the rules, the economy and our own health;
//! set the line from the final grade; decide the actions. Every step leaves a line in the
//! decision's [`Trace`], and the reasons are drawn from it.

mod decision;
pub mod explain;
pub mod group;

use jiff::ToSpan;
use rhai::{Dynamic, Map, Scope};
use rust_decimal::Decimal;

pub use decision::{
    Action, Day, Decision, GroupStatus, LineStep, MeasureScore, Outlook, Reason, Score, StepKind,
    TemporaryLine, Trace, score_text as decision_score_text,
};

use crate::client::facts::UNBOUNDED;
use crate::client::{Client, Extra, Fact, Facts};
use crate::context::Context;
use crate::grade::Grade;
use crate::policy::script::{self, EffectKind, Runtime, ScriptFailure};
use crate::policy::{Overlay, Policy};

/// Every reason code the engine gives of its own, made in this module and in [`group`]; the
/// rule scripts give theirs, and the economy's overlay gives `economy_<name>`
/// ([`ECONOMY_CODE_PREFIX`]). A test decides whole portfolios and checks that every code it
/// sees is listed here or comes from a script.
pub const ENGINE_CODES: &[&str] = &[
    "zero_denominator",
    "company_weak",
    "terminating",
    "exposure_unknown",
    "over_limit",
    "outlook",
    "review_after_downgrade",
    "review_due",
    "review_overdue",
    "score",
    "ceiling",
    "no_credit",
    "temporary_line",
    "temporary_line_ignored",
    "temporary_line_expired",
    "secured_cover",
    "requested_line",
    "group_member_terminating",
    "group_exposure_unknown",
    "group_over_limit",
];

/// The reason code of an economy's overlay is this and the overlay's name (`economy_recession`).
pub const ECONOMY_CODE_PREFIX: &str = "economy_";

/// Every reason code a decision under `policy` can carry: the engine's own, one per overlay of
/// the policy, and each code its rule scripts write. The flag is `false` when some script
/// computes a code rather than writing it, so the list may be incomplete.
pub fn possible_codes(policy: &Policy) -> (std::collections::BTreeSet<String>, bool) {
    let (mut codes, complete) = policy.script_codes();
    codes.extend(ENGINE_CODES.iter().map(|c| c.to_string()));
    codes.extend(
        policy
            .economies()
            .map(|e| format!("{ECONOMY_CODE_PREFIX}{e}")),
    );
    (codes, complete)
}

/// Why a client could not be decided.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error("client `{client}`: {failure}")]
    Script {
        client: String,
        failure: ScriptFailure,
    },
}

/// Why an evaluation could not start.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    Economy(String),
    #[error("the policy's scripts do not compile: {0}")]
    Scripts(String),
}

/// Our own company's health, worked out once per run.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    /// `None` when the context gives no balance sheet or the policy sets no floors.
    pub healthy: Option<bool>,
    pub assets_to_debt: Option<Decimal>,
    pub liquid_to_debt: Option<Decimal>,
}

/// Decides clients against one policy and one context. Holds the compiled scripts, so make one
/// per thread and reuse it for every client.
pub struct Evaluator<'p> {
    policy: &'p Policy,
    context: Context,
    overlay: &'p Overlay,
    health: Health,
    runtime: Runtime,
    scope: Scope<'static>,
    /// Length of the scope holding what is fixed for the run.
    static_len: usize,
    plan: Plan,
}

const PRIORITY_TERMINATE: u8 = 0;
const PRIORITY_HOLD: u8 = 1;
const PRIORITY_COLLATERAL: u8 = 2;
const PRIORITY_GRADE: u8 = 3;
const PRIORITY_COMPANY: u8 = 4;
const PRIORITY_ECONOMY: u8 = 5;
const PRIORITY_NO_CREDIT: u8 = 6;
const PRIORITY_WATCH: u8 = 7;
const PRIORITY_REVIEW: u8 = 8;
const PRIORITY_LINE: u8 = 9;
const PRIORITY_INFO: u8 = 10;

impl<'p> Evaluator<'p> {
    pub fn new(policy: &'p Policy, context: &Context) -> Result<Evaluator<'p>, SetupError> {
        let overlay = context.overlay(policy).map_err(SetupError::Economy)?;
        let names = script::variable_names(&policy.params, &policy.extra_inputs);
        let mut runtime = Runtime::new(&policy.scripts, &names).map_err(|d| {
            SetupError::Scripts(
                d.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let health = health(policy, context);
        // What holds for the whole run is bound once, at the bottom of the scope.
        let mut scope = Scope::new();
        let reads = &policy.script_reads;
        if reads.contains("as_of") {
            scope.push_constant("as_of", context.as_of.to_string());
        }
        if reads.contains("economy") {
            scope.push_constant("economy", context.economy.clone());
        }
        if reads.contains("payment_days") {
            scope.push_constant("payment_days", Decimal::from(policy.line.payment_days));
        }
        if reads.contains("company_healthy") {
            scope.push_constant_dynamic("company_healthy", script::opt_bool(health.healthy));
        }
        for (name, p) in policy.params.iter().filter(|(n, _)| reads.contains(n)) {
            scope.push_constant_dynamic(name.as_str(), script::param_value(p));
        }
        runtime.fold_constants(&scope);
        Ok(Evaluator {
            policy,
            context: context.clone(),
            overlay,
            health,
            runtime,
            static_len: scope.len(),
            scope,
            plan: Plan::new(policy),
        })
    }

    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    pub fn context(&self) -> &Context {
        &self.context
    }

    pub fn health(&self) -> &Health {
        &self.health
    }

    /// Decides one client.
    pub fn decide(&mut self, client: &Client) -> Result<Decision, EvalError> {
        self.decide_with(client, &[])
    }

    /// Decides one client as if some of its numbers (inputs or derived ratios) were different:
    /// the "what would it take" of `explain`. Overrides apply after the ratios are derived.
    pub fn decide_with(
        &mut self,
        client: &Client,
        overrides: &[(Fact, Option<Decimal>)],
    ) -> Result<Decision, EvalError> {
        let policy = self.policy;
        let as_of = self.context.as_of;
        let mut facts = client.facts.clone();
        // What the policy says, explicitly, an empty exposure cell means.
        for (fact, zero) in [
            (
                Fact::ReceivableBalance,
                policy.exposure.empty_receivable_is_zero,
            ),
            (Fact::OpenOrders, policy.exposure.empty_open_orders_is_zero),
        ] {
            if zero && facts.get(fact).is_none() {
                facts.set(fact, Some(Decimal::ZERO));
            }
        }
        facts.derive(client.last_review, as_of);
        facts.set(Fact::SecuredCover, secured_cover(policy, &facts));
        for (fact, value) in overrides {
            facts.set(*fact, *value);
        }
        let script_err = |failure| EvalError::Script {
            client: client.id.clone(),
            failure,
        };

        if self.plan.any {
            self.bind_client(client, &facts);
        }

        // Measures, criteria, total.
        let mut measures = Vec::new();
        let mut scores = [Decimal::ZERO; 5];
        let mut total = Decimal::ZERO;
        for (ci, criterion) in policy.criteria.iter().enumerate() {
            let mut crit = Decimal::ZERO;
            for m in &criterion.measures {
                let value = match &m.source {
                    crate::policy::MeasureSource::Fact(f) => facts.get(*f),
                    crate::policy::MeasureSource::Script(name) => self
                        .runtime
                        .measure(&mut self.scope, name)
                        .map_err(script_err)?,
                };
                let (points, band) = match (&m.source, value) {
                    (_, None) => (m.missing, None),
                    (crate::policy::MeasureSource::Script(_), Some(p)) => (p, None),
                    (crate::policy::MeasureSource::Fact(_), Some(v)) => {
                        let i = m.bands.iter().position(|b| b.contains(v));
                        (i.map_or(m.missing, |i| m.bands[i].points), i)
                    }
                };
                crit += points * m.weight / Decimal::ONE_HUNDRED;
                measures.push(MeasureScore {
                    criterion: criterion.name,
                    measure: match &m.source {
                        crate::policy::MeasureSource::Fact(f) => f.name().into(),
                        crate::policy::MeasureSource::Script(name) => name.clone().into(),
                    },
                    value,
                    band,
                    points,
                    weight: m.weight,
                });
            }
            scores[ci] = crit;
            total += crit * criterion.weight / Decimal::ONE_HUNDRED;
        }
        let base_grade = policy.grade_for(total);

        // Rules.
        self.bind_scores(total, &scores, base_grade);
        let effects = self
            .runtime
            .run_rules(&mut self.scope)
            .map_err(script_err)?;

        let mut trace = Trace {
            measures,
            ..Trace::default()
        };
        let mut reasons: Vec<Reason> = Vec::new();
        for (ratio, zero) in facts.zero_denominators() {
            let what = if facts.get(ratio) == Some(UNBOUNDED) {
                "scored as unbounded (the best band for a liquidity ratio)".to_string()
            } else if facts.get(ratio) == Some(-UNBOUNDED) {
                "scored as unbounded (the worst band)".to_string()
            } else {
                "left unknown and scored as missing".to_string()
            };
            reasons.push(Reason::new(
                "zero_denominator",
                format!(
                    "{} not computed: {} is 0; {what}",
                    ratio.name(),
                    zero.name()
                ),
                PRIORITY_INFO,
            ));
        }
        let mut notches = 0i64;
        let mut cap = Grade::AAA;
        let mut factor = Decimal::ONE;
        let (mut terminate, mut collateral, mut watch) = (false, false, false);
        let (mut held, mut review_now) = (false, false);
        // The first rule that takes the unsecured line away, by its code.
        let mut withheld: Option<String> = None;
        for e in effects {
            let at = format!("{}:{}", e.origin.file, e.origin.line);
            let (priority, action) = match &e.kind {
                EffectKind::Terminate => {
                    terminate = true;
                    (PRIORITY_TERMINATE, Some(Action::Terminate))
                }
                EffectKind::Hold => {
                    held = true;
                    (PRIORITY_HOLD, Some(Action::Hold))
                }
                EffectKind::RequireCollateral => {
                    collateral = true;
                    withheld.get_or_insert_with(|| e.code.clone());
                    (PRIORITY_COLLATERAL, Some(Action::RequireCollateral))
                }
                EffectKind::Watch => {
                    watch = true;
                    (PRIORITY_WATCH, Some(Action::Watch))
                }
                EffectKind::ReviewNow => {
                    review_now = true;
                    (PRIORITY_REVIEW, Some(Action::ReviewDue))
                }
                EffectKind::NoLine => {
                    withheld.get_or_insert_with(|| e.code.clone());
                    (PRIORITY_NO_CREDIT, None)
                }
                EffectKind::Notches(n) => {
                    notches += n;
                    trace.grade_steps.push(format!(
                        "{at}: {} {} notch(es): {}",
                        if *n >= 0 { "down" } else { "up" },
                        n.abs(),
                        e.code
                    ));
                    (PRIORITY_GRADE, None)
                }
                EffectKind::CapGrade(g) => {
                    cap = cap.max(*g);
                    trace
                        .grade_steps
                        .push(format!("{at}: no better than {g}: {}", e.code));
                    (PRIORITY_GRADE, None)
                }
                EffectKind::LineFactor(f) => {
                    factor = factor.checked_mul(*f).unwrap_or(Decimal::MAX);
                    (PRIORITY_LINE, None)
                }
                EffectKind::Info => (PRIORITY_INFO, None),
            };
            let effect = match &e.kind {
                EffectKind::Notches(n) => format!(
                    " ({} notch(es) {})",
                    n.abs(),
                    if *n >= 0 { "down" } else { "up" }
                ),
                EffectKind::CapGrade(g) => format!(" (grade no better than {g})"),
                EffectKind::LineFactor(f) => format!(" (line x{})", f.normalize()),
                EffectKind::NoLine => " (no unsecured line)".to_string(),
                _ => String::new(),
            };
            let mut text = e.text;
            text.push_str(&effect);
            let mut reason = Reason::new(e.code, text, priority);
            reason.at = Some(at);
            reason.action = action;
            reason.figures = e.figures;
            reasons.push(reason);
        }

        // Economy and our own health.
        let overlay = self.overlay;
        // Rules first (their notches, then their caps), then the economy and our own health,
        // so a recession lowers every client, capped ones included.
        let mut moved = base_grade.lowered(notches).max(cap);
        if overlay.notches != 0 || overlay.limit_factor != Decimal::ONE {
            let before = moved;
            moved = moved.lowered(overlay.notches);
            factor = factor
                .checked_mul(overlay.limit_factor)
                .unwrap_or(Decimal::MAX);
            let text = overlay_text(
                &format!("economy `{}`", overlay.name),
                overlay,
                before,
                moved,
            );
            trace.grade_steps.push(format!(
                "{}:{}: {text}",
                overlay.origin.file, overlay.origin.line
            ));
            reasons.push(Reason::new(
                format!("{ECONOMY_CODE_PREFIX}{}", overlay.name),
                text,
                PRIORITY_ECONOMY,
            ));
        }
        if self.health.healthy == Some(false)
            && let Some(rules) = &policy.company
        {
            let before = moved;
            moved = moved.lowered(rules.when_weak.notches);
            factor = factor
                .checked_mul(rules.when_weak.limit_factor)
                .unwrap_or(Decimal::MAX);
            let why = format!(
                "our own balance sheet is weak (assets/debt {}, floor {}; cash+receivables/debt {}, floor {})",
                ratio_text(self.health.assets_to_debt),
                rules.min_assets_to_debt.normalize(),
                ratio_text(self.health.liquid_to_debt),
                rules.min_liquid_to_debt.normalize()
            );
            let text = overlay_text(&why, &rules.when_weak, before, moved);
            trace.grade_steps.push(format!(
                "{}:{}: {text}",
                rules.when_weak.origin.file, rules.when_weak.origin.line
            ));
            reasons.push(Reason::new("company_weak", text, PRIORITY_COMPANY));
        }
        let grade = moved;

        // The line: the grade's share of annual sales (the unsecured line), taken away by a
        // rule or an unmet call for collateral, plus a temporary line while it runs, plus the
        // secured cover, held to what the client asked for. Trading being terminated blocks
        // everything.
        let line = self.line(
            client,
            &facts,
            grade,
            factor,
            withheld.as_deref(),
            terminate,
            &mut reasons,
        );
        trace.line_steps = line.steps;
        let limit = line.limit;

        // Exposure and actions.
        let exposure_known = facts.get(Fact::Exposure).is_some();
        let exposure = facts.get(Fact::Exposure).unwrap_or_default();
        let available = limit - exposure;
        if terminate {
            reasons.push(
                Reason::new(
                    "terminating",
                    "trading is being terminated: ship nothing more",
                    PRIORITY_HOLD,
                )
                .acting(Action::Hold),
            );
        } else if !exposure_known {
            let empty: Vec<&str> = [Fact::ReceivableBalance, Fact::OpenOrders]
                .into_iter()
                .filter(|f| facts.get(*f).is_none())
                .map(Fact::name)
                .collect();
            reasons.push(
                Reason::new(
                    "exposure_unknown",
                    format!(
                        "exposure unknown: {} is empty, and an empty cell is not zero; nothing is released on credit until it is known",
                        empty.join(" and ")
                    ),
                    PRIORITY_HOLD,
                )
                .acting(Action::Hold),
            );
        } else if exposure > limit {
            reasons.push(
                Reason::new(
                    "over_limit",
                    format!(
                        "exposure {} exceeds the line {} by {}: stop shipping until it is paid down",
                        crate::money::fmt_money(exposure),
                        crate::money::fmt_money(limit),
                        crate::money::fmt_money(-available)
                    ),
                    PRIORITY_HOLD,
                )
                .acting(Action::Hold),
            );
        }
        let key = client.key_account == Some(true);
        let months = policy.review.months_for(grade, key);
        let mut next_review = client
            .last_review
            .and_then(|d| d.checked_add((months as i64).months()).ok())
            .unwrap_or(as_of);
        if let Some(previous) = client.previous_grade {
            let change = previous.rank() as i64 - grade.rank() as i64;
            if change != 0 {
                reasons.push(Reason::new(
                    "outlook",
                    format!(
                        "{} {} notch(es) from the previous grade ({previous} -> {grade}): outlook {}",
                        if change > 0 { "up" } else { "down" },
                        change.abs(),
                        if change > 0 { "positive" } else { "negative" }
                    ),
                    PRIORITY_INFO,
                ));
            }
            // A client that fell far is looked at again soon, whatever its usual interval.
            if let Some(rule) = &policy.review.after_downgrade
                && -change >= i64::from(rule.notches)
                && let Ok(by) = as_of.checked_add(i64::from(rule.months).months())
                && by < next_review
            {
                reasons.push(Reason::new(
                    "review_after_downgrade",
                    format!(
                        "down {} notch(es) from the previous grade ({previous} -> {grade}): review by {by} instead of {next_review}; a fall of {} or more notches is reviewed within {} months",
                        -change, rule.notches, rule.months
                    ),
                    PRIORITY_REVIEW,
                ));
                next_review = by;
            }
        }
        let overdue_days = i64::from((as_of - next_review).get_days());
        let review_due = next_review <= as_of || review_now;
        if next_review <= as_of {
            let text = match client.last_review {
                Some(last) => format!(
                    "review due since {next_review}: last review {last}, {} reviewed every {}",
                    if policy.review.by_grade[grade.rank()].is_some_and(|m| m == months) {
                        format!("grade {grade} is")
                    } else if key {
                        "key accounts are".to_string()
                    } else {
                        "clients are".to_string()
                    },
                    if months == 1 {
                        "month".to_string()
                    } else {
                        format!("{months} months")
                    }
                ),
                None => "no credit review on record: review now".to_string(),
            };
            reasons
                .push(Reason::new("review_due", text, PRIORITY_REVIEW).acting(Action::ReviewDue));
        }
        if review_now && next_review > as_of {
            next_review = as_of;
        }
        // A review overdue past the policy's grace holds new credit: the review cycle has a
        // consequence. A client never reviewed has no due date to be late against; the
        // policy's rules ask for collateral instead.
        let review_overdue = client.last_review.is_some()
            && policy
                .review
                .grace_days
                .is_some_and(|grace| overdue_days > i64::from(grace));
        if review_overdue && !terminate {
            reasons.push(
                Reason::new(
                    "review_overdue",
                    format!(
                        "review overdue by {overdue_days} days (due {next_review}), past the policy's grace of {} days: no new credit until the client is reviewed",
                        policy.review.grace_days.unwrap_or_default()
                    ),
                    PRIORITY_HOLD,
                )
                .acting(Action::Hold),
            );
        }
        reasons.push(Reason::new(
            "score",
            format!(
                "score {} gives base grade {base_grade}",
                decision::score_text(total)
            ),
            PRIORITY_INFO + 1,
        ));
        reasons.sort_by_key(|r| r.priority);

        let hold = terminate || held || !exposure_known || exposure > limit || review_overdue;
        let mut actions = Vec::new();
        for (on, a) in [
            (terminate, Action::Terminate),
            (hold, Action::Hold),
            (collateral, Action::RequireCollateral),
            (review_due, Action::ReviewDue),
            (watch, Action::Watch),
        ] {
            if on {
                actions.push(a);
            }
        }
        trace.factor = factor;
        Ok(Decision {
            id: client.id.clone(),
            line: client.line,
            name: client.name.clone(),
            region: client.region.clone(),
            key_account: key,
            score: total,
            scores,
            base_grade,
            grade,
            limit,
            unsecured_line: line.unsecured,
            temporary_line: line.temporary,
            secured_cover: line.cover,
            payment_days: if limit.is_zero() {
                0
            } else {
                policy.line.payment_days
            },
            exposure,
            exposure_known,
            available,
            actions,
            next_review,
            previous_grade: client.previous_grade,
            group: None,
            reasons,
            trace,
        })
    }

    /// The line of a client of `grade`, step by step; see [`Decision::limit`].
    #[allow(clippy::too_many_arguments)]
    fn line(
        &self,
        client: &Client,
        facts: &Facts,
        grade: Grade,
        factor: Decimal,
        withheld: Option<&str>,
        terminate: bool,
        reasons: &mut Vec<Reason>,
    ) -> Line {
        let policy = self.policy;
        let money = crate::money::fmt_money;
        let sales = facts.get(Fact::AnnualSales).unwrap_or_default();
        let pct = policy.limits[grade.rank()];
        let ceiling_pct = if grade == Grade::AAA {
            policy.line.top_grade_ceiling
        } else {
            policy.line.ceiling
        };
        let unit = policy.line.rounding_unit;
        // The unit is at least a cent, so this fits; were it not, the amount stays unrounded.
        let round = |v: Decimal| {
            v.checked_div(unit)
                .and_then(|q| q.floor().checked_mul(unit))
                .unwrap_or(v)
                .max(Decimal::ZERO)
        };
        let raw = sales * pct / Decimal::ONE_HUNDRED;
        let scaled = raw.checked_mul(factor);
        let ceiling = sales * ceiling_pct / Decimal::ONE_HUNDRED;
        let capped = scaled.map_or(ceiling, |s| s.min(ceiling));
        let mut unsecured = round(capped);
        let step = |kind, amount| LineStep { kind, amount };
        let mut steps = vec![
            step(StepKind::Sales, sales),
            step(
                StepKind::Percent {
                    percent: pct,
                    grade,
                },
                raw,
            ),
            step(StepKind::Factor(factor), scaled.unwrap_or(ceiling)),
            step(StepKind::Ceiling(ceiling_pct), ceiling),
            step(StepKind::Rounded(unit), unsecured),
        ];
        if scaled.is_some_and(|s| s > ceiling) {
            reasons.push(Reason::new(
                "ceiling",
                format!(
                    "line held to the {}% ceiling of annual sales",
                    ceiling_pct.normalize()
                ),
                PRIORITY_LINE,
            ));
        }
        if pct.is_zero() {
            reasons.push(Reason::new(
                "no_credit",
                format!(
                    "grade {grade} gets no unsecured line: cash, prepayment or secured terms only"
                ),
                PRIORITY_NO_CREDIT,
            ));
        }
        if terminate {
            steps.push(step(
                StepKind::Withheld {
                    code: "terminating".into(),
                },
                Decimal::ZERO,
            ));
            return Line {
                steps,
                limit: Decimal::ZERO,
                unsecured: Decimal::ZERO,
                temporary: None,
                cover: Decimal::ZERO,
            };
        }
        if let Some(code) = withheld
            && !unsecured.is_zero()
        {
            unsecured = Decimal::ZERO;
            steps.push(step(
                StepKind::Withheld {
                    code: code.to_string(),
                },
                unsecured,
            ));
        }

        // A temporary (seasonal) line, on top of an unsecured line only, while it runs, and
        // never past the ceiling.
        let mut line = unsecured;
        let mut temporary = None;
        if let Some(asked) = facts.get(Fact::TemporaryLine).filter(|t| !t.is_zero()) {
            let as_of = self.context.as_of;
            match client.temporary_line_until {
                None => reasons.push(Reason::new(
                    "temporary_line_ignored",
                    format!(
                        "temporary line of {} ignored: it has no end date; give temporary_line_until",
                        money(asked)
                    ),
                    PRIORITY_LINE,
                )),
                Some(until) if until < as_of => reasons.push(Reason::new(
                    "temporary_line_expired",
                    format!(
                        "temporary line of {} ended on {until}: not counted",
                        money(asked)
                    ),
                    PRIORITY_LINE,
                )),
                Some(until) if unsecured.is_zero() => reasons.push(Reason::new(
                    "temporary_line_ignored",
                    format!(
                        "temporary line of {} until {until} not granted: there is no unsecured line to increase",
                        money(asked)
                    ),
                    PRIORITY_LINE,
                )),
                Some(until) => {
                    let room = round(ceiling).saturating_sub(unsecured).max(Decimal::ZERO);
                    let granted = round(asked.min(room));
                    if granted.is_zero() {
                        reasons.push(Reason::new(
                            "temporary_line_ignored",
                            format!(
                                "temporary line of {} until {until} not granted: the line is already at the {}% ceiling of annual sales",
                                money(asked),
                                ceiling_pct.normalize()
                            ),
                            PRIORITY_LINE,
                        ));
                    } else {
                        line = unsecured + granted;
                        temporary = Some(TemporaryLine {
                            amount: granted,
                            until,
                        });
                        steps.push(step(StepKind::Temporary { until }, line));
                        let held = if granted < asked {
                            format!(
                                " ({} asked, held to the {}% ceiling)",
                                money(asked),
                                ceiling_pct.normalize()
                            )
                        } else {
                            String::new()
                        };
                        reasons.push(Reason::new(
                            "temporary_line",
                            format!(
                                "temporary line of {} until {until}{held}",
                                money(granted)
                            ),
                            PRIORITY_LINE,
                        ));
                    }
                }
            }
        }

        // Secured cover: what the client can buy against, whatever its grade.
        let cover = facts.get(Fact::SecuredCover).unwrap_or_default();
        if !cover.is_zero() {
            line = line.saturating_add(cover);
            steps.push(step(StepKind::Secured, line));
            let parts: Vec<String> = policy
                .security
                .kinds()
                .into_iter()
                .filter_map(|(f, p)| {
                    let v = facts.get(f).filter(|v| !v.is_zero() && !p.is_zero())?;
                    Some(format!("{} {} at {}%", f.name(), money(v), p.normalize()))
                })
                .collect();
            reasons.push(Reason::new(
                "secured_cover",
                format!("secured cover {}: {}", money(cover), parts.join(", ")),
                PRIORITY_LINE,
            ));
        }

        // Never more than the client asked for.
        if let Some(asked) = facts.get(Fact::RequestedLine)
            && asked < line
        {
            reasons.push(Reason::new(
                "requested_line",
                format!(
                    "line held to the {} the client asked for (the policy allows up to {})",
                    money(asked),
                    money(line)
                ),
                PRIORITY_LINE,
            ));
            line = asked;
            steps.push(step(StepKind::Requested, line));
        }
        Line {
            steps,
            limit: line,
            unsecured,
            temporary,
            cover,
        }
    }

    fn bind_client(&mut self, client: &Client, facts: &Facts) {
        let s = &mut self.scope;
        s.rewind(self.static_len);
        for b in &self.plan.client {
            let value = match b {
                Binding::Fact(f) => script::opt_decimal(facts.get(*f)),
                Binding::Id => Dynamic::from(client.id.clone()),
                Binding::Name => script::opt_text(client.name.as_deref()),
                Binding::Region => script::opt_text(client.region.as_deref()),
                Binding::KeyAccount => script::opt_bool(client.key_account),
                Binding::Distress => script::opt_bool(client.distress_confirmed),
                Binding::LastReview => {
                    script::opt_text(client.last_review.map(|d| d.to_string()).as_deref())
                }
                Binding::ExtraInput(name) => client
                    .extra
                    .iter()
                    .find(|(k, _)| k.as_ref() == name.as_str())
                    .map_or(Dynamic::UNIT, |(_, v)| extra_value(v)),
                Binding::ExtraMap => {
                    let map: Map = client
                        .extra
                        .iter()
                        .map(|(k, v)| (k.as_ref().into(), extra_value(v)))
                        .collect();
                    Dynamic::from_map(map)
                }
                _ => continue,
            };
            s.push_constant_dynamic(b.name(), value);
        }
    }

    fn bind_scores(&mut self, total: Decimal, scores: &[Decimal; 5], base: Grade) {
        let s = &mut self.scope;
        for b in &self.plan.scores {
            let value = match b {
                Binding::Score => Dynamic::from_decimal(total),
                Binding::BaseGrade => Dynamic::from(base.as_str().to_string()),
                Binding::CriterionScore(i) => Dynamic::from_decimal(scores[*i]),
                _ => continue,
            };
            s.push_constant_dynamic(b.name(), value);
        }
    }
}

fn extra_value(v: &Extra) -> Dynamic {
    match v {
        Extra::Number(d) => Dynamic::from_decimal(*d),
        Extra::Text(t) => Dynamic::from(t.clone()),
    }
}

/// One variable a script reads, and where its value comes from.
#[derive(Debug, Clone)]
enum Binding {
    Fact(Fact),
    Id,
    Name,
    Region,
    KeyAccount,
    Distress,
    LastReview,
    ExtraInput(String),
    ExtraMap,
    Score,
    BaseGrade,
    CriterionScore(usize),
}

impl Binding {
    fn name(&self) -> &str {
        match self {
            Binding::Fact(f) => f.name(),
            Binding::Id => "id",
            Binding::Name => "name",
            Binding::Region => "region",
            Binding::KeyAccount => "key_account",
            Binding::Distress => "distress_confirmed",
            Binding::LastReview => "last_review",
            Binding::ExtraInput(n) => n,
            Binding::ExtraMap => "extra",
            Binding::Score => "score",
            Binding::BaseGrade => "base_grade",
            Binding::CriterionScore(i) => CRITERION_SCORES[*i],
        }
    }
}

const CRITERION_SCORES: [&str; 5] = [
    "character_score",
    "capacity_score",
    "capital_score",
    "collateral_score",
    "conditions_score",
];

/// The variables bound for each client: only those some script reads, so a policy without
/// scripts binds nothing and one with short rules binds a handful.
#[derive(Debug, Default)]
struct Plan {
    client: Vec<Binding>,
    scores: Vec<Binding>,
    /// `true` when there is any script to run.
    any: bool,
}

impl Plan {
    fn new(policy: &Policy) -> Plan {
        let reads = &policy.script_reads;
        let wanted = |n: &str| reads.contains(n);
        let mut client: Vec<Binding> = Fact::ALL
            .iter()
            .filter(|f| wanted(f.name()))
            .map(|f| Binding::Fact(*f))
            .collect();
        for b in [
            Binding::Id,
            Binding::Name,
            Binding::Region,
            Binding::KeyAccount,
            Binding::Distress,
            Binding::LastReview,
            Binding::ExtraMap,
        ] {
            if wanted(b.name()) {
                client.push(b);
            }
        }
        client.extend(
            policy
                .extra_inputs
                .iter()
                .filter(|n| wanted(n))
                .map(|n| Binding::ExtraInput(n.clone())),
        );
        let mut scores = Vec::new();
        for b in [Binding::Score, Binding::BaseGrade]
            .into_iter()
            .chain((0..5).map(Binding::CriterionScore))
        {
            if wanted(b.name()) {
                scores.push(b);
            }
        }
        Plan {
            client,
            scores,
            any: !policy.scripts.files.is_empty(),
        }
    }
}

/// A ratio of our own balance sheet, two decimals cut (not rounded): 1.74999 against a floor
/// of 1.75 reads 1.74, never "1.75, floor 1.75".
fn ratio_text(r: Option<Decimal>) -> String {
    r.map_or("n/a (no debt)".into(), |r| {
        r.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero)
            .normalize()
            .to_string()
    })
}

fn overlay_text(why: &str, o: &Overlay, before: Grade, after: Grade) -> String {
    let mut parts = Vec::new();
    if o.notches != 0 {
        parts.push(format!(
            "{} notch(es) {} ({before} -> {after})",
            o.notches.abs(),
            if o.notches > 0 { "down" } else { "up" }
        ));
    }
    if o.limit_factor != Decimal::ONE {
        parts.push(format!("lines x{}", o.limit_factor.normalize()));
    }
    format!("{why}: {}", parts.join(", "))
}

/// A client's line as worked out, before the actions.
struct Line {
    steps: Vec<LineStep>,
    limit: Decimal,
    unsecured: Decimal,
    temporary: Option<TemporaryLine>,
    cover: Decimal,
}

/// The secured cover of a client: each kind of security at the policy's percent. `None` when
/// the client gives no security figure at all.
fn secured_cover(policy: &Policy, facts: &Facts) -> Option<Decimal> {
    let mut any = false;
    let mut cover = Decimal::ZERO;
    for (fact, pct) in policy.security.kinds() {
        if let Some(v) = facts.get(fact) {
            any = true;
            cover = cover.saturating_add(v * pct / Decimal::ONE_HUNDRED);
        }
    }
    any.then_some(cover)
}

/// Works out our own health from the context against the policy's floors.
pub fn health(policy: &Policy, context: &Context) -> Health {
    let Some(company) = &context.company else {
        return Health {
            healthy: None,
            assets_to_debt: None,
            liquid_to_debt: None,
        };
    };
    let a = company.assets_to_debt();
    let l = company.liquid_to_debt();
    let healthy = policy.company.as_ref().map(|rules| {
        // No debt at all passes both tests.
        a.is_none_or(|a| a >= rules.min_assets_to_debt)
            && l.is_none_or(|l| l >= rules.min_liquid_to_debt)
    });
    Health {
        healthy,
        assets_to_debt: a,
        liquid_to_debt: l,
    }
}

#[cfg(test)]
mod tests;
