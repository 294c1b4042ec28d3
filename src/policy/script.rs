//! The script API: what a policy's Rhai scripts see and what they may do.
//!
//! A **rule script** (listed in `[scripts] rules`) runs once per client, top to bottom, after
//! the client has been scored and given its base grade. It sees, as read-only constants:
//!
//! * every client number and derived ratio by its name (`annual_sales`, `debt_ratio`,
//!   `sell_through`, ... see [`Fact`]), a decimal, or `()` when unknown;
//! * `id`, `name`, `region` (text or `()`), `key_account`, `distress_confirmed` (`true`,
//!   `false` or `()`), `last_review` (`"YYYY-MM-DD"` or `()`);
//! * `score` (weighted total), `base_grade` (e.g. `"A"`), `character_score`,
//!   `capacity_score`, `capital_score`, `collateral_score`, `conditions_score`;
//! * the context: `as_of` (`"YYYY-MM-DD"`), `economy` (e.g. `"recession"`), `company_healthy`
//!   (`true`, `false`, or `()` when the context gives no balance sheet), and the policy's
//!   `payment_days`;
//! * every `[params]` entry by its name, every `[inputs] extra` column by its name, and `extra`,
//!   a map of all columns the engine does not know.
//!
//! It acts by calling:
//!
//! | call | effect |
//! |---|---|
//! | `terminate(code, text)` | the `terminate` action (and so `hold`) |
//! | `require_collateral(code, text)` | the `require_collateral` action |
//! | `watch(code, text)` | the `watch` action |
//! | `hold(code, text)` | the `hold` action: no new credit, whatever the headroom |
//! | `no_line(code, text)` | no unsecured line: the line is the secured cover only |
//! | `review_now(code, text)` | the `review_due` action, the review due at the as-of date |
//! | `downgrade(n, code, text)` / `upgrade(n, code, text)` | move the grade `n` notches |
//! | `cap_grade(grade, code, text)` | the final grade is no better than `grade` |
//! | `scale_line(factor, code, text)` | multiply the line by `factor` (ceilings still apply) |
//! | `reason(code, text)` | add a reason that changes nothing |
//!
//! Each of them takes an optional last argument, the figures behind the reason: a map of named
//! numbers, `watch(code, text, #{ sell_through: sell_through, limit: min_sell_through })`. They
//! travel on the reason, exact and in the order written (`channel` shows them); a figure that
//! is `()` (unknown) is left out, one that is not a number fails the rule.
//!
//! It may use `known(x)` (not `()`) and, to write numbers for reading, rounded the same way as
//! every text the program writes ([`crate::money`]): `pct(x)` (a share as a percent, one
//! decimal: `0.456` -> `"45.6%"`, `0.45` -> `"45.0%"`), `ratio(x)` (two decimals: `2.6667` ->
//! `"2.67"`) and `money(x)` (two decimals: `1539000` -> `"1539000.00"`); and `rank(grade)` (0
//! for `AAA` to 8 for `C`). A function named by a `script` measure takes no arguments and
//! returns points from 0 to 100, or `()` for unknown.
//!
//! Scripts are compiled once when the policy loads, with strict variables (a misspelt name is a
//! load error), no `eval`, no modules, no printing, and limits on operations, call depth,
//! expression depth and the size of strings, arrays and maps. Rhai gives scripts no file,
//! process or network access.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::str::FromStr;
use std::sync::Arc;

use rhai::{
    AST, ASTNode, CallFnOptions, Dynamic, Engine, EvalAltResult, Expr, Map, NativeCallContext,
    OptimizationLevel, Position, Scope,
};
use rust_decimal::Decimal;

use super::{Diagnostic, Origin, Param, SourceFile};
use crate::client::facts::Fact;
use crate::grade::Grade;
use crate::money::{fmt_amount, fmt_pct, fmt_ratio};

/// What a script is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Run for every client.
    Rules,
    /// Only defines functions.
    Functions,
}

/// The policy's scripts as text; compiled per thread by [`Runtime::new`].
#[derive(Debug, Clone, Default)]
pub struct Scripts {
    pub files: Vec<(Role, Arc<SourceFile>)>,
}

/// Names a script may read besides the facts: fixed by the engine.
pub const CONTEXT_VARIABLES: &[&str] = &[
    "id",
    "name",
    "region",
    "key_account",
    "distress_confirmed",
    "last_review",
    "score",
    "base_grade",
    "character_score",
    "capacity_score",
    "capital_score",
    "collateral_score",
    "conditions_score",
    "as_of",
    "economy",
    "company_healthy",
    "payment_days",
    "extra",
];

/// What a script asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum EffectKind {
    Terminate,
    RequireCollateral,
    Watch,
    Hold,
    NoLine,
    ReviewNow,
    Notches(i64),
    CapGrade(Grade),
    LineFactor(Decimal),
    Info,
}

/// One call a script made for a client, with where it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub kind: EffectKind,
    pub code: String,
    pub text: String,
    /// The figures the call passed (its optional map of named numbers), exact, in the order
    /// written; empty without one.
    pub figures: Vec<(String, Decimal)>,
    pub origin: Origin,
}

/// The calls that add a reason, and so take figures as an optional last argument.
const EFFECT_FUNCTIONS: &[&str] = &[
    "terminate",
    "require_collateral",
    "watch",
    "hold",
    "no_line",
    "review_now",
    "reason",
    "downgrade",
    "upgrade",
    "cap_grade",
    "scale_line",
];

/// Every call that gives a reason, with the position of its code argument: the first
/// argument, or the second after a number of notches, a grade or a factor.
const CODE_ARGUMENTS: &[(&str, usize)] = &[
    ("terminate", 0),
    ("require_collateral", 0),
    ("watch", 0),
    ("hold", 0),
    ("no_line", 0),
    ("review_now", 0),
    ("reason", 0),
    ("downgrade", 1),
    ("upgrade", 1),
    ("cap_grade", 1),
    ("scale_line", 1),
];

/// The position of the reason code among the arguments of `function`, when it gives a reason.
pub fn code_argument(function: &str) -> Option<usize> {
    CODE_ARGUMENTS
        .iter()
        .find(|(f, _)| *f == function)
        .map(|(_, at)| *at)
}

/// A script that failed for a client: which script, where, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("script `{file}` failed at line {line}, column {column}: {message}")]
pub struct ScriptFailure {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The keys of each figures map written as a literal, in the order written, by the line and
/// column of its call.
type FigureOrders = HashMap<(usize, usize), Vec<Vec<String>>>;

/// Where the registered functions put what scripts ask for, shared with the [`Runtime`].
#[derive(Debug, Default)]
pub(crate) struct SinkState {
    effects: RefCell<Vec<Effect>>,
    /// The characters of the codes, texts and figure names of `effects`, to hold them to
    /// [`MAX_EFFECT_TEXT`].
    text: std::cell::Cell<usize>,
    /// The keys of each figures map written as a literal in a script, in the order written,
    /// by the line and column of the call: a Rhai map keeps its keys sorted, so the order is
    /// read from the source. More than one when calls in several files share a position.
    orders: RefCell<FigureOrders>,
}

pub(crate) type Sink = Rc<SinkState>;

/// Compiled scripts and the engine that runs them. One per thread: Rhai engines are not shared.
pub struct Runtime {
    engine: Engine,
    rules: Vec<RuleScript>,
    lib: AST,
    /// The file that defines each script function, to name it when the function fails.
    defined_in: HashMap<String, String>,
    sink: Sink,
}

/// One rule script, compiled, with the function-resolution cache of its runs: which native
/// function each call in it resolves to is found once per thread, not once per client.
struct RuleScript {
    name: String,
    ast: AST,
    source: Option<rhai::ImmutableString>,
    caches: RefCell<rhai::Caches>,
}

/// The names every script may read for this policy, in the order they are bound.
pub fn variable_names<'a>(params: &'a [(String, Param)], extra: &'a [String]) -> Vec<&'a str> {
    Fact::ALL
        .iter()
        .map(|f| f.name())
        .chain(CONTEXT_VARIABLES.iter().copied())
        .chain(params.iter().map(|(n, _)| n.as_str()))
        .chain(extra.iter().map(String::as_str))
        .collect()
}

fn origin(ctx: &NativeCallContext) -> Origin {
    Origin {
        file: ctx.call_source().unwrap_or("script").to_string(),
        line: ctx.call_position().line().unwrap_or(0),
    }
}

/// The figures of a call: every known number of the map, in the order the script wrote them
/// (the map's own order, by name, when it was not written as a literal).
fn figures_of(
    sink: &SinkState,
    ctx: &NativeCallContext,
    map: Map,
) -> Result<Vec<(String, Decimal)>, Box<EvalAltResult>> {
    let pos = ctx.call_position();
    let key = (pos.line().unwrap_or(0), pos.position().unwrap_or(0));
    let orders = sink.orders.borrow();
    let written = orders.get(&key).and_then(|candidates| {
        candidates.iter().find(|keys| {
            keys.len() == map.len() && keys.iter().all(|k| map.contains_key(k.as_str()))
        })
    });
    let names: Vec<String> = match written {
        Some(keys) => keys.clone(),
        None => map.keys().map(|k| k.to_string()).collect(),
    };
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let Some(v) = map.get(name.as_str()) else {
            continue;
        };
        let value = if v.is_unit() {
            continue;
        } else if let Ok(d) = v.as_decimal() {
            d
        } else if let Ok(i) = v.as_int() {
            Decimal::from(i)
        } else {
            return Err(runtime_error(format!(
                "figure `{name}` of `{}` is a {}, not a number",
                ctx.fn_name(),
                v.type_name()
            )));
        };
        out.push((name, value));
    }
    Ok(out)
}

/// The most effects (reasons, actions, caps) the scripts may give one client.
pub const MAX_EFFECTS: usize = 1_000;
/// The most text (codes, texts and figure names, in bytes) the scripts may give one client.
pub const MAX_EFFECT_TEXT: usize = 1024 * 1024;

/// Records one effect, within [`MAX_EFFECTS`] and [`MAX_EFFECT_TEXT`] per client: past either,
/// the call is a script error, so the client is not decided and the error names the script.
fn push(
    sink: &SinkState,
    ctx: &NativeCallContext,
    kind: EffectKind,
    code: &str,
    text: &str,
    figures: Option<Map>,
) -> Result<(), Box<EvalAltResult>> {
    let figures = match figures {
        Some(m) => figures_of(sink, ctx, m)?,
        None => Vec::new(),
    };
    if sink.effects.borrow().len() >= MAX_EFFECTS {
        return Err(runtime_error(format!(
            "`{}`: more than {MAX_EFFECTS} reasons and actions for one client; a script gives a client a few",
            ctx.fn_name()
        )));
    }
    let size = code.len() + text.len() + figures.iter().map(|(n, _)| n.len() + 32).sum::<usize>();
    let total = sink.text.get().saturating_add(size);
    if total > MAX_EFFECT_TEXT {
        return Err(runtime_error(format!(
            "`{}`: the reasons given to one client pass {} KiB of text; a script gives a client a few lines",
            ctx.fn_name(),
            MAX_EFFECT_TEXT / 1024
        )));
    }
    sink.text.set(total);
    sink.effects.borrow_mut().push(Effect {
        kind,
        code: code.to_string(),
        text: text.to_string(),
        figures,
        origin: origin(ctx),
    });
    Ok(())
}

/// Registers `name(code, text)` and `name(code, text, figures)`.
fn register_effect(engine: &mut Engine, sink: &Sink, name: &str, kind: EffectKind) {
    let (s, k) = (sink.clone(), kind.clone());
    engine.register_fn(
        name,
        move |ctx: NativeCallContext, code: &str, text: &str| {
            push(&s, &ctx, k.clone(), code, text, None)
        },
    );
    let s = sink.clone();
    engine.register_fn(
        name,
        move |ctx: NativeCallContext, code: &str, text: &str, figures: Map| {
            push(&s, &ctx, kind.clone(), code, text, Some(figures))
        },
    );
}

/// The key order of every figures map written as a literal in `text`, by the position of its
/// call. Parsed without optimising, which would fold a map of constants into a sorted value.
fn figure_orders(text: &str, out: &mut FigureOrders) {
    let mut engine = Engine::new_raw();
    engine
        .set_optimization_level(OptimizationLevel::None)
        .set_max_expr_depths(64, 32);
    let Ok(ast) = engine.compile(text) else {
        return;
    };
    ast.walk(&mut |path: &[ASTNode]| {
        // A call written as a statement is visited as its expression too: one arm sees all.
        let Some(ASTNode::Expr(Expr::FnCall(call, pos))) = path.last() else {
            return true;
        };
        if EFFECT_FUNCTIONS.contains(&call.name.as_str())
            && let Some(Expr::Map(map, _)) = call.args.last()
        {
            let keys = map.0.iter().map(|(k, _)| k.name.to_string()).collect();
            out.entry((pos.line().unwrap_or(0), pos.position().unwrap_or(0)))
                .or_default()
                .push(keys);
        }
        true
    });
}

fn runtime_error(message: String) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(message.into(), Position::NONE))
}

/// A Rhai engine with the script API registered and every limit on.
pub(crate) fn build_engine(sink: &Sink) -> Engine {
    let mut engine = Engine::new();
    engine
        .set_strict_variables(true)
        .set_max_operations(200_000)
        .set_max_call_levels(32)
        .set_max_expr_depths(64, 32)
        .set_max_string_size(10_000)
        .set_max_array_size(10_000)
        .set_max_map_size(1_000)
        .set_max_variables(1_000)
        .set_max_functions(1_000)
        .disable_symbol("eval")
        .on_print(|_| {})
        .on_debug(|_, _, _| {});

    register_effect(&mut engine, sink, "terminate", EffectKind::Terminate);
    register_effect(
        &mut engine,
        sink,
        "require_collateral",
        EffectKind::RequireCollateral,
    );
    register_effect(&mut engine, sink, "watch", EffectKind::Watch);
    register_effect(&mut engine, sink, "hold", EffectKind::Hold);
    register_effect(&mut engine, sink, "no_line", EffectKind::NoLine);
    register_effect(&mut engine, sink, "review_now", EffectKind::ReviewNow);
    register_effect(&mut engine, sink, "reason", EffectKind::Info);

    for (name, sign) in [("downgrade", 1), ("upgrade", -1)] {
        let notches = move |ctx: NativeCallContext,
                            n: i64,
                            code: &str,
                            text: &str,
                            figures: Option<Map>,
                            sink: &SinkState|
              -> Result<(), Box<EvalAltResult>> {
            if !(0..=8).contains(&n) {
                return Err(runtime_error(format!(
                    "`{name}` takes 0 to 8 notches, not {n}"
                )));
            }
            push(
                sink,
                &ctx,
                EffectKind::Notches(sign * n),
                code,
                text,
                figures,
            )
        };
        let s = sink.clone();
        engine.register_fn(
            name,
            move |ctx: NativeCallContext, n: i64, code: &str, text: &str| {
                notches(ctx, n, code, text, None, &s)
            },
        );
        let s = sink.clone();
        engine.register_fn(
            name,
            move |ctx: NativeCallContext, n: i64, code: &str, text: &str, figures: Map| {
                notches(ctx, n, code, text, Some(figures), &s)
            },
        );
    }
    let cap = |ctx: NativeCallContext,
               g: &str,
               code: &str,
               text: &str,
               figures: Option<Map>,
               sink: &SinkState|
     -> Result<(), Box<EvalAltResult>> {
        let grade = Grade::from_str(g).map_err(runtime_error)?;
        push(sink, &ctx, EffectKind::CapGrade(grade), code, text, figures)
    };
    let s = sink.clone();
    engine.register_fn(
        "cap_grade",
        move |ctx: NativeCallContext, g: &str, code: &str, text: &str| {
            cap(ctx, g, code, text, None, &s)
        },
    );
    let s = sink.clone();
    engine.register_fn(
        "cap_grade",
        move |ctx: NativeCallContext, g: &str, code: &str, text: &str, figures: Map| {
            cap(ctx, g, code, text, Some(figures), &s)
        },
    );
    let scale = |ctx: NativeCallContext,
                 f: Decimal,
                 code: &str,
                 text: &str,
                 figures: Option<Map>,
                 sink: &SinkState|
     -> Result<(), Box<EvalAltResult>> {
        if f.is_sign_negative() {
            return Err(runtime_error(format!(
                "`scale_line` needs a factor of 0 or more, not {f}"
            )));
        }
        push(sink, &ctx, EffectKind::LineFactor(f), code, text, figures)
    };
    let s = sink.clone();
    engine.register_fn(
        "scale_line",
        move |ctx: NativeCallContext, f: Decimal, code: &str, text: &str| {
            scale(ctx, f, code, text, None, &s)
        },
    );
    let s = sink.clone();
    engine.register_fn(
        "scale_line",
        move |ctx: NativeCallContext, f: Decimal, code: &str, text: &str, figures: Map| {
            scale(ctx, f, code, text, Some(figures), &s)
        },
    );
    let s = sink.clone();
    engine.register_fn(
        "scale_line",
        move |ctx: NativeCallContext, f: i64, code: &str, text: &str| {
            scale(ctx, Decimal::from(f), code, text, None, &s)
        },
    );
    let s = sink.clone();
    engine.register_fn(
        "scale_line",
        move |ctx: NativeCallContext, f: i64, code: &str, text: &str, figures: Map| {
            scale(ctx, Decimal::from(f), code, text, Some(figures), &s)
        },
    );

    engine.register_fn("known", |v: Dynamic| !v.is_unit());
    // Numbers in a reason read the same in every command and however many decimals the input
    // cell or the division had: one place for a percent, two for a ratio or money.
    engine.register_fn("pct", fmt_pct);
    engine.register_fn("pct", |v: i64| fmt_pct(Decimal::from(v)));
    engine.register_fn("ratio", fmt_ratio);
    engine.register_fn("ratio", |v: i64| fmt_ratio(Decimal::from(v)));
    engine.register_fn("money", fmt_amount);
    engine.register_fn("money", |v: i64| fmt_amount(Decimal::from(v)));
    engine.register_fn("rank", |g: &str| -> Result<i64, Box<EvalAltResult>> {
        Ok(Grade::from_str(g).map_err(runtime_error)?.rank() as i64)
    });
    engine
}

/// A scope with every variable name bound to `()`, so strict-variable compilation knows them.
/// They are declared as variables, not constants, so that the optimiser does not fold the
/// placeholder `()` into the compiled script.
pub(crate) fn declaration_scope(names: &[&str]) -> Scope<'static> {
    let mut scope = Scope::new();
    for name in names {
        scope.push_dynamic(name.to_string(), Dynamic::UNIT);
    }
    scope
}

/// Turns a Rhai position in `file` into a diagnostic.
pub(crate) fn diagnostic_at(file: &Arc<SourceFile>, pos: Position, message: String) -> Diagnostic {
    let span = pos.line().map(|line| {
        let start = file.offset(line, pos.position().unwrap_or(1));
        start..start
    });
    Diagnostic::error(file, span, message)
}

impl Runtime {
    /// Compiles every script of a policy. Errors come back as diagnostics with file, line and
    /// column; a misspelt variable is one of them.
    pub fn new(scripts: &Scripts, names: &[&str]) -> Result<Runtime, Vec<Diagnostic>> {
        let sink: Sink = Rc::default();
        let engine = build_engine(&sink);
        let scope = declaration_scope(names);
        let mut problems = Vec::new();
        let mut rules = Vec::new();
        let mut lib = AST::empty();
        let mut defined_in = HashMap::new();
        let mut orders = HashMap::new();
        for (role, file) in &scripts.files {
            match engine.compile_with_scope(&scope, &file.text) {
                Ok(mut ast) => {
                    figure_orders(&file.text, &mut orders);
                    ast.set_source(file.name.as_str());
                    lib = lib.merge(&ast.clone_functions_only());
                    for f in ast.iter_functions() {
                        defined_in.insert(f.name.to_string(), file.name.clone());
                    }
                    if *role == Role::Rules {
                        rules.push((file.name.clone(), ast));
                    }
                }
                Err(e) => {
                    let pos = e.position();
                    let message = match e.err_type() {
                        rhai::ParseErrorType::VariableUndefined(v) => {
                            let hint = super::source::did_you_mean(v, names.iter().copied())
                                .map(|s| format!("; did you mean `{s}`?"))
                                .unwrap_or_default();
                            format!(
                                "`{v}` is not a client field, derived ratio, context value or param{hint}"
                            )
                        }
                        other => other.to_string(),
                    };
                    problems.push(diagnostic_at(file, pos, message));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        *sink.orders.borrow_mut() = orders;
        // Rule scripts may call functions defined in any script.
        let rules = rules
            .into_iter()
            .map(|(name, ast)| {
                let ast = lib.merge(&ast);
                RuleScript {
                    name,
                    source: ast.source().map(Into::into),
                    ast,
                    caches: RefCell::default(),
                }
            })
            .collect();
        Ok(Runtime {
            engine,
            rules,
            lib,
            defined_in,
            sink,
        })
    }

    /// Functions every script defines: name and number of parameters.
    pub fn functions(&self) -> Vec<(String, usize)> {
        self.lib
            .iter_functions()
            .map(|f| (f.name.to_string(), f.params.len()))
            .collect()
    }

    /// Calls a measure function and returns its points, `None` when it returns `()`.
    pub fn measure(
        &self,
        scope: &mut Scope,
        function: &str,
    ) -> Result<Option<Decimal>, ScriptFailure> {
        let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
        let value: Dynamic = self
            .engine
            .call_fn_with_options(options, scope, &self.lib, function, ())
            .map_err(|e| self.failure(&e, function))?;
        if value.is_unit() {
            return Ok(None);
        }
        let file = || {
            self.defined_in
                .get(function)
                .cloned()
                .unwrap_or_else(|| function.to_string())
        };
        let points = match value.as_int() {
            Ok(i) => Decimal::from(i),
            Err(_) => value.as_decimal().map_err(|t| ScriptFailure {
                file: file(),
                line: 0,
                column: 0,
                message: format!(
                    "function `{function}` returned a {t}, not points (a number or `()`)"
                ),
            })?,
        };
        if points < Decimal::ZERO || points > Decimal::ONE_HUNDRED {
            return Err(ScriptFailure {
                file: file(),
                line: 0,
                column: 0,
                message: format!(
                    "function `{function}` returned {points} points; a measure scores 0 to 100"
                ),
            });
        }
        Ok(Some(points))
    }

    /// Folds the values fixed for a whole run (the `[params]`, the as-of date, the economy, our
    /// own health), bound as constants in `constants`, into the rule scripts, as if written
    /// there: a script no longer looks them up for every client. What a script does is the
    /// same; the limits still count its operations.
    pub fn fold_constants(&mut self, constants: &Scope) {
        for rule in &mut self.rules {
            let ast = std::mem::take(&mut rule.ast);
            rule.ast = self
                .engine
                .optimize_ast(constants, ast, OptimizationLevel::Simple);
            if let Some(source) = &rule.source {
                rule.ast.set_source(source.clone());
            }
        }
    }

    /// Runs every rule script for the client bound in `scope`; returns what they asked for.
    pub fn run_rules(&self, scope: &mut Scope) -> Result<Vec<Effect>, ScriptFailure> {
        self.sink.effects.borrow_mut().clear();
        self.sink.text.set(0);
        let bound = scope.len();
        for rule in &self.rules {
            // A fresh state (operation count, call depth) for every run, as `run_ast` makes
            // one; the function-resolution cache is kept.
            let mut global = self.engine.new_global_runtime_state();
            global.source.clone_from(&rule.source);
            global.lib.push(rule.ast.shared_lib().clone());
            let mut caches = rule.caches.borrow_mut();
            #[allow(deprecated)] // the `internals` way to run an AST with caches kept
            let result = self.engine.eval_statements_raw(
                &mut global,
                &mut caches,
                scope,
                rule.ast.statements(),
            );
            // A script's own variables go; the client's constants stay for the next script.
            scope.rewind(bound);
            if let Err(e) = result {
                // A run cut short may leave the cache's stack deeper than it found it.
                *caches = rhai::Caches::new();
                return Err(self.failure(&e, &rule.name));
            }
        }
        self.sink.text.set(0);
        Ok(std::mem::take(&mut *self.sink.effects.borrow_mut()))
    }
}

impl Runtime {
    /// The innermost script position of a runtime error, named by the file that holds it.
    /// `start` is the rule script, or the measure function, that was running.
    fn failure(&self, err: &EvalAltResult, start: &str) -> ScriptFailure {
        let mut err = err;
        let mut file = self
            .defined_in
            .get(start)
            .cloned()
            .unwrap_or_else(|| start.to_string());
        let mut pos = err.position();
        while let EvalAltResult::ErrorInFunctionCall(name, src, inner, p) = err {
            if let Some(f) = self.defined_in.get(name) {
                file = f.clone();
            } else if !src.is_empty() {
                file = src.clone();
            }
            pos = if inner.position().is_none() {
                *p
            } else {
                inner.position()
            };
            err = inner;
        }
        let mut message = err.to_string();
        if let Some(i) = message.rfind(" (line ") {
            message.truncate(i);
        }
        if matches!(err, EvalAltResult::ErrorStackOverflow(_)) {
            message = "the script calls functions without end (more than 32 levels deep)".into();
        }
        if matches!(err, EvalAltResult::ErrorTooManyOperations(_)) {
            message = "the script ran past its operation limit (an endless loop?)".into();
        }
        ScriptFailure {
            file,
            line: pos.line().unwrap_or(0),
            column: pos.position().unwrap_or(0),
            message,
        }
    }
}

/// Puts a decimal, or `()` when unknown, in a script value.
pub fn opt_decimal(v: Option<Decimal>) -> Dynamic {
    v.map_or(Dynamic::UNIT, Dynamic::from_decimal)
}

/// Puts text, or `()` when unknown, in a script value.
pub fn opt_text(v: Option<&str>) -> Dynamic {
    v.map_or(Dynamic::UNIT, |s| Dynamic::from(s.to_string()))
}

/// Puts a flag, or `()` when unknown, in a script value.
pub fn opt_bool(v: Option<bool>) -> Dynamic {
    v.map_or(Dynamic::UNIT, Dynamic::from_bool)
}

/// A `[params]` value as a script value.
pub fn param_value(p: &Param) -> Dynamic {
    match p {
        Param::Bool(b) => Dynamic::from_bool(*b),
        Param::Number(d) => Dynamic::from_decimal(*d),
        Param::Text(t) => Dynamic::from(t.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// Runs `text` as the only rule script, with `x` bound to `0.123456` and `none` unknown.
    fn run(text: &str) -> Result<Vec<Effect>, ScriptFailure> {
        let scripts = Scripts {
            files: vec![(
                Role::Rules,
                Arc::new(SourceFile {
                    lines: Default::default(),
                    name: "rules.rhai".into(),
                    text: text.into(),
                }),
            )],
        };
        let rt = Runtime::new(&scripts, &["x", "none"]).expect("compiles");
        let mut scope = Scope::new();
        scope.push_constant("x", d("0.123456"));
        scope.push_constant("none", ());
        rt.run_rules(&mut scope)
    }

    fn figures(e: &Effect) -> Vec<(&str, Decimal)> {
        e.figures.iter().map(|(n, v)| (n.as_str(), *v)).collect()
    }

    #[test]
    fn figures_travel_exact_in_the_order_written() {
        let effects = run(r#"
            watch("w", "text", #{ zeta: x, alpha: 2, mid: x * 2 });
            watch("plain", "no figures");
            let m = #{ b: 1, a: 2 };
            reason("built", "a map built before the call", m);
            cap_grade("BB", "cap", "capped", #{ y: 1, x: x });
            scale_line(0.5, "half", "halved", #{ factor: 0.5 });
            downgrade(1, "down", "down one", #{ n: 1 });
        "#)
        .unwrap();
        assert_eq!(
            figures(&effects[0]),
            [
                ("zeta", d("0.123456")),
                ("alpha", d("2")),
                ("mid", d("0.246912"))
            ]
        );
        assert!(effects[1].figures.is_empty());
        // Not written at the call: the map's own order, by name.
        assert_eq!(figures(&effects[2]), [("a", d("2")), ("b", d("1"))]);
        assert_eq!(figures(&effects[3]), [("y", d("1")), ("x", d("0.123456"))]);
        assert_eq!(effects[3].kind, EffectKind::CapGrade(Grade::BB));
        assert_eq!(figures(&effects[4]), [("factor", d("0.5"))]);
        assert_eq!(effects[5].kind, EffectKind::Notches(1));
        assert_eq!(figures(&effects[5]), [("n", d("1"))]);
    }

    #[test]
    fn two_scripts_with_a_call_at_the_same_place_keep_their_own_figures() {
        let file = |name: &str, text: &str| {
            (
                Role::Rules,
                Arc::new(SourceFile {
                    lines: Default::default(),
                    name: name.into(),
                    text: text.into(),
                }),
            )
        };
        let scripts = Scripts {
            files: vec![
                file("one.rhai", r#"watch("w", "t", #{ a: 1 });"#),
                file("two.rhai", r#"watch("w", "t", #{ b: 2 });"#),
            ],
        };
        let rt = Runtime::new(&scripts, &[]).expect("compiles");
        let effects = rt.run_rules(&mut Scope::new()).unwrap();
        assert_eq!(figures(&effects[0]), [("a", d("1"))]);
        assert_eq!(figures(&effects[1]), [("b", d("2"))]);
    }

    #[test]
    fn of_two_maps_written_at_one_call_the_one_given_names_the_figures() {
        // Both literals are one key long: the one the call got is found by its keys.
        for (pick, want) in [("true", ("a", d("1"))), ("false", ("b", d("2")))] {
            let effects = run(&format!(
                "watch(\"w\", \"t\", if {pick} {{ #{{ a: 1 }} }} else {{ #{{ b: 2 }} }});"
            ))
            .unwrap();
            assert_eq!(figures(&effects[0]), [want], "{pick}");
        }
    }

    #[test]
    fn reason_text_is_capped_at_a_mebibyte_per_client() {
        // A string is at most 10,000 bytes: 100 reasons of 9,000 (879 KiB) are within the
        // cap; 120 (1,055 KiB) are not.
        let ok =
            run(r#"let t = ""; t.pad(9000, "x"); for i in 0..100 { reason("long", t); }"#).unwrap();
        assert_eq!(ok.len(), 100);
        let err = run(r#"let t = ""; t.pad(9000, "x"); for i in 0..120 { reason("long", t); }"#)
            .unwrap_err();
        assert!(err.message.contains("KiB"), "{}", err.message);
        // Exactly a mebibyte passes, a byte more does not: 116 reasons of 1 + 9,000 bytes,
        // then one of 1 + 4,425 bytes and a figure `ab` (its name and 32 for the number).
        let exact = |last: usize| {
            run(&format!(
                r#"let t = ""; t.pad(9000, "x"); for i in 0..116 {{ reason("c", t); }}
                   let u = ""; u.pad({last}, "x"); reason("c", u, #{{ ab: 1 }});"#
            ))
        };
        assert_eq!(exact(4425).unwrap().len(), 117);
        assert!(exact(4426).is_err());
    }

    #[test]
    fn an_unknown_figure_is_left_out_and_text_is_refused() {
        let effects = run(r#"watch("w", "t", #{ known: x, unknown: none });"#).unwrap();
        assert_eq!(figures(&effects[0]), [("known", d("0.123456"))]);
        let err = run(r#"watch("w", "t", #{ label: "high" });"#).unwrap_err();
        assert!(
            err.message
                .contains("figure `label` of `watch` is a string, not a number"),
            "{}",
            err.message
        );
        assert_eq!(err.line, 1);
    }

    #[test]
    fn numbers_in_texts_are_rounded_for_reading() {
        let effects = run(r#"
            reason("a", `${pct(x)} ${pct(1)} ${ratio(8.0 / 3.0)} ${ratio(2)} ${money(1539000)} ${money(1.005)}`);
        "#)
        .unwrap();
        assert_eq!(effects[0].text, "12.3% 100.0% 2.67 2.00 1539000.00 1.01");
    }
}
