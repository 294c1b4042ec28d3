//! Reading `policy.toml` (and any TOML file of the same kind, such as a context file) part by
//! part, so that one bad key does not hide every other problem: the file is parsed once into a
//! spanned tree, each table is deserialized on its own into its [`doc`](super::doc) type, and
//! a misspelt key is reported, dropped and the table read again, so every misspelt key of a
//! table is reported and the table is still checked. Only a TOML syntax error stops the
//! reading: without a tree there is nothing to read.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::doc::{CriteriaDoc, PolicyDoc};
use super::source::did_you_mean;
use super::{CRITERIA, Diagnostic, SourceFile};

/// The top-level tables of `policy.toml`, in the order the README lists them.
pub(crate) const TABLES: [&str; 15] = [
    "policy", "criteria", "grades", "limits", "line", "overlays", "company", "review", "scripts",
    "params", "inputs", "orders", "groups", "security", "exposure",
];

/// The tables a policy cannot do without.
const REQUIRED: [&str; 6] = ["policy", "criteria", "grades", "limits", "line", "review"];

/// What reading found: the readable parts of the file and every problem met.
pub(crate) struct Read<T> {
    pub doc: T,
    pub problems: Vec<Diagnostic>,
}

/// The key of a table entry, with its span.
type Key<'i> = Spanned<toml::de::DeString<'i>>;

/// Parses `file` into its top-level entries, in the order written; a syntax error is the only
/// diagnostic.
pub(crate) fn entries(
    file: &Arc<SourceFile>,
) -> Result<Vec<(Key<'_>, Spanned<DeValue<'_>>)>, Diagnostic> {
    let root = DeTable::parse(&file.text).map_err(|e| toml_diagnostic(file, &e))?;
    Ok(sorted(root.into_inner()))
}

fn sorted<'i>(table: DeTable<'i>) -> Vec<(Key<'i>, Spanned<DeValue<'i>>)> {
    let mut entries: Vec<_> = table.into_iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

/// Reads `policy.toml` table by table. `Err` only for a TOML syntax error.
pub(crate) fn policy(file: &Arc<SourceFile>) -> Result<Read<PolicyDoc>, Diagnostic> {
    let mut doc = PolicyDoc::default();
    let mut r = Reader::new(file);
    for (key, value) in entries(file)? {
        let name = key.get_ref().as_ref();
        let path = name.to_string();
        match name {
            "policy" => doc.policy = r.part(&path, value),
            "criteria" => doc.criteria = r.criteria(value),
            "grades" => doc.grades = r.part(&path, value),
            "limits" => doc.limits = r.part(&path, value),
            "line" => doc.line = r.part(&path, value),
            "overlays" => doc.overlays = r.part(&path, value).unwrap_or_default(),
            "company" => doc.company = r.part(&path, value),
            "review" => doc.review = r.part(&path, value),
            "scripts" => doc.scripts = r.part(&path, value).unwrap_or_default(),
            "params" => doc.params = r.part(&path, value).unwrap_or_default(),
            "inputs" => doc.inputs = r.part(&path, value).unwrap_or_default(),
            "orders" => doc.orders = r.part(&path, value),
            "groups" => doc.groups = r.part(&path, value),
            "security" => doc.security = r.part(&path, value),
            "exposure" => doc.exposure = r.part(&path, value),
            _ => r.unknown(&key, &path, value.get_ref().is_table(), &TABLES),
        }
    }
    for name in REQUIRED {
        r.required(name);
    }
    Ok(Read {
        doc,
        problems: r.problems,
    })
}

/// Reads a TOML file part by part, collecting every problem.
pub(crate) struct Reader<'f> {
    file: &'f Arc<SourceFile>,
    pub problems: Vec<Diagnostic>,
    /// Paths present in the file, readable or not, and paths a misspelt name was taken for.
    seen: BTreeSet<String>,
}

impl<'f> Reader<'f> {
    pub fn new(file: &'f Arc<SourceFile>) -> Reader<'f> {
        Reader {
            file,
            problems: Vec::new(),
            seen: BTreeSet::new(),
        }
    }

    /// Deserializes one value into its doc type. A misspelt key is reported (with the name it
    /// likely stands for), dropped, and the value read again, so every misspelt key is
    /// reported and what remains is still checked; the first other error ends the reading of
    /// this value, which then gives `None`.
    pub fn part<T: DeserializeOwned>(
        &mut self,
        path: &str,
        value: Spanned<DeValue<'_>>,
    ) -> Option<T> {
        self.seen.insert(path.to_string());
        let mut value = value;
        let mut suggested: BTreeSet<String> = BTreeSet::new();
        // Each round drops one key, so this ends; the bound is for safety.
        for _ in 0..1000 {
            let e = match T::deserialize(ValueDeserializer::from(value.clone())) {
                Ok(v) => return Some(v),
                Err(e) => e,
            };
            let mut d = toml_diagnostic(self.file, &e);
            let message = e.message().trim();
            if let Some((_, hint)) = unknown_field(message)
                && let Some(span) = e.span()
                && drop_key(value.get_mut(), &span)
            {
                suggested.extend(hint.map(str::to_string));
                self.problems.push(d);
                continue;
            }
            if let Some(field) = missing_field(message) {
                // Already reported as the misspelt key that stands for it.
                if suggested.contains(field) {
                    return None;
                }
                d = d.with_help(format!("`[{path}]` needs `{field}`; add it"));
            }
            self.problems.push(d);
            return None;
        }
        None
    }

    /// An unknown key at `path` (e.g. `criteria.captial`), with the name it likely stands for;
    /// that name then counts as present, so it is not also reported missing.
    pub fn unknown(&mut self, key: &Key<'_>, path: &str, table: bool, allowed: &[&str]) {
        let name = key.get_ref().as_ref();
        let what = if table { "table" } else { "key" };
        let mut d = Diagnostic::error(
            self.file,
            Some(key.span()),
            format!("unknown {what} `{path}`"),
        );
        d.help = Some(match did_you_mean(name, allowed.iter().copied()) {
            Some(s) => {
                let prefix = path.strip_suffix(name).unwrap_or("");
                self.seen.insert(format!("{prefix}{s}"));
                format!("did you mean `{s}`?")
            }
            None => format!("the names allowed here are {}", allowed.join(", ")),
        });
        self.problems.push(d);
    }

    /// Reports the top-level `table` missing unless it was present or a misspelt name stands
    /// for it.
    pub fn required(&mut self, table: &str) {
        if self.seen.contains(table) {
            return;
        }
        self.problems.push(
            Diagnostic::error(
                self.file,
                None,
                format!("`{}` has no `[{table}]` table", short_name(self.file)),
            )
            .with_help(format!(
                "add a `[{table}]` table; see \"The policy folder\" in the README"
            )),
        );
    }

    /// `[criteria]`, criterion by criterion, so one broken criterion hides none of the others.
    fn criteria(&mut self, value: Spanned<DeValue<'_>>) -> Option<CriteriaDoc> {
        self.seen.insert("criteria".into());
        let span = value.span();
        let DeValue::Table(table) = value.into_inner() else {
            self.problems.push(Diagnostic::error(
                self.file,
                Some(span),
                "`criteria` must be a table of the five criteria",
            ));
            return None;
        };
        let mut doc = CriteriaDoc::default();
        for (key, value) in sorted(table) {
            let name = key.get_ref().as_ref();
            let path = format!("criteria.{name}");
            let slot = match name {
                "character" => &mut doc.character,
                "capacity" => &mut doc.capacity,
                "capital" => &mut doc.capital,
                "collateral" => &mut doc.collateral,
                "conditions" => &mut doc.conditions,
                _ => {
                    self.unknown(&key, &path, value.get_ref().is_table(), &CRITERIA);
                    continue;
                }
            };
            *slot = self.part(&path, value);
        }
        for name in CRITERIA {
            let path = format!("criteria.{name}");
            if !self.seen.contains(&path) {
                self.seen.insert(path.clone());
                self.problems.push(
                    Diagnostic::error(self.file, Some(span.clone()), format!("criterion `{name}` is missing"))
                        .with_help(format!("add a `[criteria.{name}]` table with its `weight` and `[[criteria.{name}.measures]]`")),
                );
            }
        }
        Some(doc)
    }
}

fn short_name(file: &SourceFile) -> &str {
    file.name.rsplit(['/', '\\']).next().unwrap_or(&file.name)
}

/// Removes the table key whose name is at `span`, wherever it is in the tree.
fn drop_key(value: &mut DeValue<'_>, span: &Range<usize>) -> bool {
    match value {
        DeValue::Table(t) => {
            if t.keys().any(|k| k.span() == *span) {
                let all = std::mem::take(t);
                *t = all.into_iter().filter(|(k, _)| k.span() != *span).collect();
                return true;
            }
            t.iter_mut().any(|(_, v)| drop_key(v.get_mut(), span))
        }
        DeValue::Array(a) => a.iter_mut().any(|v| drop_key(v.get_mut(), span)),
        _ => false,
    }
}

/// The word of an `unknown field` error and the allowed name closest to it.
fn unknown_field(message: &str) -> Option<(&str, Option<&str>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (word, expected) = rest.split_once('`').unwrap_or((rest, ""));
    let candidates = expected.split('`').skip(1).step_by(2);
    Some((word, did_you_mean(word, candidates)))
}

/// The field of a `missing field` error.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split_once('`')
        .map(|(f, _)| f)
}

/// A TOML error with a "did you mean" for misspelt keys.
pub(crate) fn toml_diagnostic(file: &Arc<SourceFile>, e: &toml::de::Error) -> Diagnostic {
    let message = e.message().trim().to_string();
    let d = Diagnostic::error(file, e.span(), message.clone());
    match unknown_field(&message) {
        Some((_, Some(s))) => d.with_help(format!("did you mean `{s}`?")),
        Some((_, None)) => match message.split_once(", expected ") {
            Some((_, allowed)) => d.with_help(format!("the keys allowed here are {allowed}")),
            None => d,
        },
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            lines: Default::default(),
            name: "p/policy.toml".into(),
            text: text.into(),
        })
    }

    #[test]
    fn every_misspelt_key_of_a_table_is_reported_and_the_rest_still_read() {
        let f = file(
            "[line]\nceilng = 15\ntop_grade_ceiling = 20\npayment_dyas = 60\nrounding_unit = 1000\n",
        );
        let r = policy(&f).unwrap();
        let messages: Vec<&str> = r.problems.iter().map(|d| d.message.as_str()).collect();
        assert!(
            messages[0].starts_with("unknown field `ceilng`"),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("unknown field `payment_dyas`"),
            "{messages:?}"
        );
        assert_eq!(
            r.problems[1].help.as_deref(),
            Some("did you mean `payment_days`?")
        );
        // The missing fields are the misspelt ones: not reported twice. The other required
        // tables are missing.
        assert!(
            !messages.iter().any(|m| m.contains("missing field")),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"`policy.toml` has no `[grades]` table"),
            "{messages:?}"
        );
        assert!(r.doc.line.is_none());
    }

    #[test]
    fn a_missing_field_names_its_table_and_other_tables_are_read() {
        let f = file(
            "[line]\nceiling = 15\ntop_grade_ceiling = 20\nrounding_unit = 1000\n[grades]\nAAA = 90\n",
        );
        let r = policy(&f).unwrap();
        let d = r
            .problems
            .iter()
            .find(|d| d.message == "missing field `payment_days`")
            .expect("missing field reported");
        assert_eq!(
            d.help.as_deref(),
            Some("`[line]` needs `payment_days`; add it")
        );
        assert!(r.problems.iter().any(|d| d.message == "missing field `AA`"));
    }

    #[test]
    fn a_misspelt_criterion_is_not_also_missing() {
        let f = file("[criteria.captial]\nweight = 25\nmeasures = []\n");
        let r = policy(&f).unwrap();
        let messages: Vec<&str> = r.problems.iter().map(|d| d.message.as_str()).collect();
        assert!(
            messages.contains(&"unknown table `criteria.captial`"),
            "{messages:?}"
        );
        assert!(
            !messages.contains(&"criterion `capital` is missing"),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"criterion `character` is missing"),
            "{messages:?}"
        );
    }
}
