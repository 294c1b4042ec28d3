//! Checks on the scripts beyond compiling them: every function a script calls exists with that
//! number of arguments, no comparison is impossible for the value it tests (`on_time_ratio > 1`
//! can never be true). It also says which names the scripts read, so unused `[params]` can be
//! reported. Run once, when the policy loads; the engine never sees this.

use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use rhai::{ASTNode, Dynamic, Expr, Position, Stmt, Token};
use rust_decimal::Decimal;

use super::script::{Scripts, build_engine, declaration_scope, diagnostic_at};
use super::source::did_you_mean;
use super::units::Unit;
use super::{Diagnostic, SourceFile};
use crate::client::facts::Fact;

/// Functions Rhai handles as keywords, which no package lists.
const KEYWORD_FUNCTIONS: &[(&str, usize)] = &[
    ("type_of", 1),
    ("Fn", 1),
    ("call", 1),
    ("curry", 2),
    ("is_def_var", 1),
    ("is_def_fn", 2),
    ("is_shared", 1),
    ("print", 1),
    ("debug", 1),
];

/// Lints every script; `names` are the variables scripts may read. Returns the problems and
/// the names the scripts read.
pub fn lint(scripts: &Scripts, names: &[&str]) -> (Vec<Diagnostic>, HashSet<String>) {
    let engine = build_engine(&Rc::default());
    let scope = declaration_scope(names);
    let compiled: Vec<(Arc<SourceFile>, rhai::AST)> = scripts
        .files
        .iter()
        .filter_map(|(_, f)| {
            engine
                .compile_with_scope(&scope, &f.text)
                .ok()
                .map(|a| (f.clone(), a))
        })
        .collect();

    let mut known: HashSet<(String, usize)> = engine
        .collect_fn_metadata(
            None,
            |info| Some((info.metadata.name.to_string(), info.metadata.num_params)),
            true,
        )
        .into_iter()
        .collect();
    known.extend(KEYWORD_FUNCTIONS.iter().map(|(n, a)| (n.to_string(), *a)));
    for (_, ast) in &compiled {
        known.extend(
            ast.iter_functions()
                .map(|f| (f.name.to_string(), f.params.len())),
        );
    }
    let known_names: BTreeSet<&str> = known.iter().map(|(n, _)| n.as_str()).collect();

    let mut out = Vec::new();
    let mut read: HashSet<String> = HashSet::new();
    for (file, ast) in &compiled {
        ast.walk(&mut |path: &[ASTNode]| {
            let expr = match path.last() {
                Some(ASTNode::Expr(e)) => *e,
                // A call on its own line is a statement, not an expression.
                Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => {
                    if call.op_token.is_none() {
                        check_call(
                            file,
                            &call.name,
                            call.args.len(),
                            *pos,
                            &known,
                            &known_names,
                            &mut out,
                        );
                    }
                    return true;
                }
                _ => return true,
            };
            match expr {
                Expr::Variable(v, _, _) => {
                    read.insert(v.1.to_string());
                }
                Expr::FnCall(call, pos) if call.op_token.is_none() => {
                    check_call(
                        file,
                        &call.name,
                        call.args.len(),
                        *pos,
                        &known,
                        &known_names,
                        &mut out,
                    );
                }
                Expr::MethodCall(call, pos) => {
                    check_call(
                        file,
                        &call.name,
                        call.args.len() + 1,
                        *pos,
                        &known,
                        &known_names,
                        &mut out,
                    );
                }
                Expr::FnCall(call, pos) => {
                    if let Some(text) = impossible_comparison(call.op_token.as_ref(), &call.args) {
                        out.push(Diagnostic {
                            severity: super::Severity::Warning,
                            ..diagnostic_at(file, *pos, text)
                        });
                    }
                }
                _ => {}
            }
            true
        });
    }
    (out, read)
}

fn check_call(
    file: &Arc<SourceFile>,
    name: &str,
    arity: usize,
    pos: Position,
    known: &HashSet<(String, usize)>,
    known_names: &BTreeSet<&str>,
    out: &mut Vec<Diagnostic>,
) {
    // `f.call(x, y)` and `Fn("f").curry(x, y)` take any number of arguments after the pointer.
    if known.contains(&(name.to_string(), arity))
        || (matches!(name, "call" | "curry") && arity >= 1)
    {
        return;
    }
    let arities: Vec<String> = known
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, a)| a.to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let message = if arities.is_empty() {
        let hint = did_you_mean(name, known_names.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        format!("there is no function `{name}`{hint}")
    } else {
        format!(
            "`{name}` takes {} argument(s), not {arity}",
            arities.join(" or ")
        )
    };
    out.push(diagnostic_at(file, pos, message));
}

/// `Some(explanation)` when a comparison between a client number and a constant can never be
/// true, given the values that number can take.
fn impossible_comparison(op: Option<&Token>, args: &[Expr]) -> Option<String> {
    let [a, b] = args else { return None };
    let (name, constant, flipped) = match (a, b) {
        (Expr::Variable(v, ..), c) => (v.1.to_string(), c.get_literal_value(None)?, false),
        (c, Expr::Variable(v, ..)) => (v.1.to_string(), c.get_literal_value(None)?, true),
        _ => return None,
    };
    let fact = Fact::by_name(&name)?;
    let c = as_decimal(&constant)?;
    let (lo, hi) = fact.range();
    // Normalise to `fact OP c`.
    let op = match (op?, flipped) {
        (Token::LessThan, true) => Token::GreaterThan,
        (Token::GreaterThan, true) => Token::LessThan,
        (Token::LessThanEqualsTo, true) => Token::GreaterThanEqualsTo,
        (Token::GreaterThanEqualsTo, true) => Token::LessThanEqualsTo,
        (t, _) => t.clone(),
    };
    let never = match op {
        Token::LessThan => lo.is_some_and(|l| l >= c),
        Token::LessThanEqualsTo => lo.is_some_and(|l| l > c),
        Token::GreaterThan => hi.is_some_and(|h| h <= c),
        Token::GreaterThanEqualsTo => hi.is_some_and(|h| h < c),
        Token::EqualsTo => lo.is_some_and(|l| c < l) || hi.is_some_and(|h| c > h),
        _ => false,
    };
    never.then(|| {
        format!(
            "this comparison can never be true: `{name}` is always {}",
            describe_range(lo, hi)
        )
    })
}

fn as_decimal(v: &Dynamic) -> Option<Decimal> {
    v.as_decimal()
        .ok()
        .or_else(|| v.as_int().ok().map(Decimal::from))
}

/// `from 0 to 1`, `0 or more`, ...
pub fn describe_range(lo: Option<Decimal>, hi: Option<Decimal>) -> String {
    match (lo, hi) {
        (Some(l), Some(h)) => format!("from {l} to {h}"),
        (Some(l), None) => format!("{l} or more"),
        (None, Some(h)) => format!("{h} or less"),
        (None, None) => "any number".into(),
    }
}

/// A script comparing a share or a growth with a number: a `[params]` value (checked against
/// its value when the policy loads) or a number written in the script.
#[derive(Debug, Clone)]
pub struct UnitComparison {
    /// What is compared: a fact, or a `let` built from facts (`inventory_growth - sales_growth`).
    pub measure: String,
    pub unit: Unit,
    /// The param it is compared with, when it is one (directly or through a `let`).
    pub param: Option<String>,
    /// The number written in the script, when it is one.
    pub literal: Option<Decimal>,
    pub file: Arc<SourceFile>,
    pub pos: Position,
}

impl UnitComparison {
    /// `rules/channel.rhai:8`.
    pub fn at(&self) -> String {
        format!("{}:{}", self.file.name, self.pos.line().unwrap_or(0))
    }
}

/// What a name stands for in a script, as far as units go.
#[derive(Debug, Clone)]
enum Meaning {
    /// A share or growth: the text that says what it is.
    Measure(Unit, String),
    /// A `[params]` number, by its name.
    Param(String),
}

/// Every comparison (`<`, `<=`, `>`, `>=`, `==`, `!=`) in the scripts between a share or a
/// growth (a fact, or a simple `let` of one, or of the sum or difference of two of the same
/// unit) and a param or a number, either way round. `params` are the names of `[params]`
/// numbers; a comparison already reported as impossible is left out.
pub fn unit_comparisons(scripts: &Scripts, names: &[&str], params: &[&str]) -> Vec<UnitComparison> {
    let engine = build_engine(&Rc::default());
    let scope = declaration_scope(names);
    let mut out = Vec::new();
    for (_, file) in &scripts.files {
        let Ok(ast) = engine.compile_with_scope(&scope, &file.text) else {
            continue;
        };
        // The walk meets every `let` before what follows it, so a name means what its latest
        // `let` made it (a later one may build on an earlier one, or reuse its name).
        let mut lets: std::collections::HashMap<String, Meaning> = Default::default();
        ast.walk(&mut |path: &[ASTNode]| {
            if let Some(ASTNode::Stmt(Stmt::Var(v, ..))) = path.last() {
                let (ident, init, _) = v.as_ref();
                match meaning(init, &lets, params) {
                    Some(m) => lets.insert(ident.name.to_string(), m),
                    None => lets.remove(ident.name.as_str()),
                };
                return true;
            }
            let Some(ASTNode::Expr(Expr::FnCall(call, pos))) = path.last() else {
                return true;
            };
            let comparison = matches!(
                call.op_token,
                Some(
                    Token::LessThan
                        | Token::LessThanEqualsTo
                        | Token::GreaterThan
                        | Token::GreaterThanEqualsTo
                        | Token::EqualsTo
                        | Token::NotEqualsTo
                )
            );
            let [a, b] = call.args.as_slice() else {
                return true;
            };
            if !comparison {
                return true;
            }
            for (x, y) in [(a, b), (b, a)] {
                let Some(Meaning::Measure(unit, measure)) = meaning(x, &lets, params) else {
                    continue;
                };
                let (param, literal) = match meaning(y, &lets, params) {
                    Some(Meaning::Param(p)) => (Some(p), None),
                    Some(Meaning::Measure(..)) => continue,
                    None => match y.get_literal_value(None).and_then(|v| as_decimal(&v)) {
                        Some(v)
                            if impossible_comparison(call.op_token.as_ref(), &call.args)
                                .is_none() =>
                        {
                            (None, Some(v))
                        }
                        _ => continue,
                    },
                };
                out.push(UnitComparison {
                    measure,
                    unit,
                    param,
                    literal,
                    file: file.clone(),
                    pos: *pos,
                });
            }
            true
        });
    }
    out
}

/// What an expression stands for, as far as units go.
fn meaning(
    e: &Expr,
    lets: &std::collections::HashMap<String, Meaning>,
    params: &[&str],
) -> Option<Meaning> {
    match e {
        Expr::Variable(v, ..) => {
            let name = v.1.as_str();
            if let Some(m) = lets.get(name) {
                return Some(m.clone());
            }
            if params.contains(&name) {
                return Some(Meaning::Param(name.to_string()));
            }
            let fact = Fact::by_name(name)?;
            Some(Meaning::Measure(Unit::of(fact)?, name.to_string()))
        }
        Expr::FnCall(call, _)
            if matches!(call.op_token, Some(Token::Plus | Token::Minus))
                && call.args.len() == 2 =>
        {
            let (Some(Meaning::Measure(ua, a)), Some(Meaning::Measure(ub, b))) = (
                meaning(&call.args[0], lets, params),
                meaning(&call.args[1], lets, params),
            ) else {
                return None;
            };
            let op = if call.op_token == Some(Token::Plus) {
                "+"
            } else {
                "-"
            };
            (ua == ub).then(|| Meaning::Measure(ua, format!("{a} {op} {b}")))
        }
        _ => None,
    }
}
/// A script code literal: the code argument of every call that makes a reason, and whether
/// every such call writes its code as a literal (when one does not, the codes a policy can
/// give are not all known).
pub fn reason_codes(scripts: &Scripts, names: &[&str]) -> (BTreeSet<String>, bool) {
    let engine = build_engine(&Rc::default());
    let scope = declaration_scope(names);
    let mut codes = BTreeSet::new();
    let mut all_literal = true;
    for (_, file) in &scripts.files {
        let Ok(ast) = engine.compile_with_scope(&scope, &file.text) else {
            continue;
        };
        ast.walk(&mut |path: &[ASTNode]| {
            let call = match path.last() {
                Some(ASTNode::Stmt(Stmt::FnCall(call, _))) => call,
                Some(ASTNode::Expr(Expr::FnCall(call, _))) => call,
                _ => return true,
            };
            let Some(at) = super::script::code_argument(&call.name) else {
                return true;
            };
            match call.args.get(at) {
                Some(Expr::StringConstant(s, _)) => {
                    codes.insert(s.to_string());
                }
                _ => all_literal = false,
            }
            true
        });
    }
    (codes, all_literal)
}
