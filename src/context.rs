//! What is true for every client at evaluation time: the as-of date, the economy (the name of
//! a policy overlay) and our own company's balance sheet. Read from a small TOML file.

use std::path::Path;
use std::sync::Arc;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use crate::client::parse_date;
use crate::money::TomlNumber;
use crate::policy::read::{self, Reader};
use crate::policy::{Diagnostic, Overlay, Policy, SourceFile};

/// The keys of a context file.
const KEYS: [&str; 3] = ["as_of", "economy", "company"];

/// Our own company's figures, for the health test.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub total_assets: Decimal,
    pub total_debt: Decimal,
    pub cash: Decimal,
    pub receivables: Decimal,
}

impl Company {
    /// Total assets / total debt; `None` when we have no debt (nothing to cover).
    pub fn assets_to_debt(&self) -> Option<Decimal> {
        self.total_assets.checked_div(self.total_debt)
    }

    /// (Cash + receivables) / total debt; `None` when we have no debt.
    pub fn liquid_to_debt(&self) -> Option<Decimal> {
        match self.cash.checked_add(self.receivables) {
            Some(liquid) => liquid.checked_div(self.total_debt),
            // Past the largest decimal: more than any debt there is, many times over.
            None if self.total_debt.is_zero() => None,
            None => Some(Decimal::MAX),
        }
    }
}

/// The evaluation context.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub as_of: Date,
    /// The name of an overlay of the policy; `normal` changes nothing.
    pub economy: String,
    pub company: Option<Company>,
}

impl Context {
    /// Today, a normal economy, no company figures.
    pub fn today() -> Context {
        Context {
            as_of: jiff::ZonedDateTime::now().date(),
            economy: "normal".into(),
            company: None,
        }
    }

    /// Reads a context file, reporting every problem of it at once. With a `policy`, the
    /// economy the file names must be one of its overlays (leave it out when `--economy`
    /// overrides the file's).
    pub fn load(path: &Path, policy: Option<&Policy>) -> Result<Context, Vec<Diagnostic>> {
        let cannot = |e: std::io::Error| {
            vec![Diagnostic::plain(format!(
                "cannot read the context file `{}`: {e}",
                path.display()
            ))]
        };
        let bytes = std::fs::File::open(path)
            .and_then(|f| crate::safety::read_capped(f, crate::safety::MAX_SIDE_FILE))
            .map_err(cannot)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            cannot(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ))
        })?;
        let file = Arc::new(SourceFile {
            lines: Default::default(),
            name: path.display().to_string(),
            text,
        });
        Context::parse(&file, policy)
    }

    /// Reads a context from TOML text; what it leaves out is today, `normal`, no company.
    /// Every problem is reported at once: a misspelt key or a missing field of `[company]`
    /// hides neither a wrong date nor an unknown economy.
    pub fn parse(
        file: &Arc<SourceFile>,
        policy: Option<&Policy>,
    ) -> Result<Context, Vec<Diagnostic>> {
        let mut r = Reader::new(file);
        let mut doc = ContextDoc::default();
        let entries = read::entries(file).map_err(|d| vec![d])?;
        for (key, value) in entries {
            let name = key.get_ref().as_ref();
            match name {
                "as_of" => doc.as_of = r.part(name, value),
                "economy" => doc.economy = r.part(name, value),
                "company" => doc.company = r.part(name, value),
                _ => r.unknown(&key, name, value.get_ref().is_table(), &KEYS),
            }
        }
        let mut problems = r.problems;
        let ctx = Context::today().apply(&doc, file, policy);
        match ctx {
            Ok(ctx) if problems.is_empty() => return Ok(ctx),
            Ok(_) => {}
            Err(mut more) => problems.append(&mut more),
        }
        // One small file: its problems read best top to bottom.
        problems.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
        Err(problems)
    }

    /// This context with what `doc` (read from `file`) sets changed, field by field; every
    /// problem at once. With a `policy`, an economy it has no overlay for is one of them.
    pub fn apply(
        mut self,
        doc: &ContextDoc,
        file: &Arc<SourceFile>,
        policy: Option<&Policy>,
    ) -> Result<Context, Vec<Diagnostic>> {
        let mut problems = Vec::new();
        if let Some(v) = &doc.as_of {
            let bad = |msg: String| Diagnostic::error(file, Some(v.span()), msg);
            let date = match v.get_ref() {
                toml::Value::Datetime(dt) => match dt.date {
                    Some(d) => Date::new(d.year as i16, d.month as i8, d.day as i8)
                        .map_err(|e| bad(format!("`as_of` is not a real date: {e}"))),
                    None => Err(bad("`as_of` needs a date, e.g. 2026-06-30".into())),
                },
                toml::Value::String(s) => parse_date(s).map_err(|e| bad(format!("`as_of`: {e}"))),
                _ => Err(bad("`as_of` must be a date such as 2026-06-30".into())),
            };
            match date {
                Ok(d) => self.as_of = d,
                Err(d) => problems.push(d),
            }
        }
        if let Some(e) = &doc.economy {
            self.economy = e.get_ref().clone();
            if let Some(p) = policy
                && let Err(message) = self.overlay(p)
            {
                problems.push(Diagnostic::error(file, Some(e.span()), message));
            }
        }
        if let Some(c) = &doc.company {
            let mut money = |n: &Spanned<TomlNumber>, field: &str| match file.decimal(n) {
                Ok(v) if v.is_sign_negative() && !v.is_zero() => {
                    problems.push(Diagnostic::error(
                        file,
                        Some(n.span()),
                        format!("`company.{field}` is {v}; it cannot be negative"),
                    ));
                    v
                }
                Ok(v) => v,
                Err(d) => {
                    problems.push(d);
                    Decimal::ZERO
                }
            };
            self.company = Some(Company {
                total_assets: money(&c.total_assets, "total_assets"),
                total_debt: money(&c.total_debt, "total_debt"),
                cash: money(&c.cash, "cash"),
                receivables: money(&c.receivables, "receivables"),
            });
            if let Some(co) = &self.company
                && co.cash.checked_add(co.receivables).is_none()
            {
                problems.push(Diagnostic::error(
                    file,
                    Some(c.receivables.span()),
                    format!(
                        "`company.cash` + `company.receivables` ({} + {}) is past the largest amount this program holds ({})",
                        co.cash,
                        co.receivables,
                        Decimal::MAX
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(problems)
        }
    }

    /// The overlay the economy names, or an error listing the ones the policy has.
    pub fn overlay<'p>(&self, policy: &'p Policy) -> Result<&'p Overlay, String> {
        policy.overlay(&self.economy).ok_or_else(|| {
            let names: Vec<&str> = policy.economies().collect();
            let hint = crate::policy::source::did_you_mean(&self.economy, names.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            format!(
                "the policy has no economy `{}`; {hint}the policy `{}` knows: {}",
                self.economy,
                policy.identity.name,
                names.join(", ")
            )
        })
    }
}

/// A context as written in TOML: a context file, or the `context` of a policy test case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextDoc {
    pub as_of: Option<Spanned<toml::Value>>,
    pub economy: Option<Spanned<String>>,
    pub company: Option<CompanyDoc>,
}

/// Our own balance sheet as written in TOML.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyDoc {
    pub total_assets: Spanned<TomlNumber>,
    pub total_debt: Spanned<TomlNumber>,
    pub cash: Spanned<TomlNumber>,
    pub receivables: Spanned<TomlNumber>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Context, Diagnostic> {
        Context::parse(
            &Arc::new(SourceFile {
                lines: Default::default(),
                name: "ctx.toml".into(),
                text: text.into(),
            }),
            None,
        )
        .map_err(|mut ds| ds.remove(0))
    }

    #[test]
    fn reads_dates_both_ways_and_money_exactly() {
        let c = parse("as_of = 2026-06-30\neconomy = \"recession\"\n[company]\ntotal_assets = \"120000000.50\"\ntotal_debt = 80000000\ncash = 0.1\nreceivables = 5_000\n").unwrap();
        assert_eq!(c.as_of, Date::constant(2026, 6, 30));
        assert_eq!(c.economy, "recession");
        let co = c.company.unwrap();
        assert_eq!(co.total_assets.to_string(), "120000000.50");
        assert_eq!(co.cash.to_string(), "0.1");
        assert_eq!(co.receivables, Decimal::from(5000));
        assert_eq!(
            parse("as_of = \"2026-01-02\"").unwrap().as_of,
            Date::constant(2026, 1, 2)
        );
    }

    #[test]
    fn bad_contexts_say_where() {
        let e = parse("as_of = \"2026-02-30\"").unwrap_err();
        assert!(e.to_string().contains("ctx.toml:1:9"), "{e}");
        assert!(
            parse("economy = \"x\"\nfoo = 1")
                .unwrap_err()
                .to_string()
                .contains("foo")
        );
    }

    #[test]
    fn every_problem_of_a_context_at_once() {
        let file = Arc::new(SourceFile {
            lines: Default::default(),
            name: "ctx.toml".into(),
            text: "as_of = \"2026-02-30\"\neconmy = \"recession\"\n[company]\ntotal_assets = 1\ntotal_debt = -1\nreceivables = 2\n".into(),
        });
        let problems = Context::parse(&file, None).unwrap_err();
        let messages: Vec<&str> = problems.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("`as_of`"), "{messages:?}");
        assert_eq!(messages[1], "unknown key `econmy`");
        assert_eq!(problems[1].help.as_deref(), Some("did you mean `economy`?"));
        assert_eq!(messages[2], "missing field `cash`");
    }
}
