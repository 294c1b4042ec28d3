//! Policy files as text, and the diagnostics that point into them.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use rust_decimal::Decimal;
use toml::Spanned;

use crate::money::TomlNumber;

/// One file of a policy folder, kept whole so every problem can be shown in its source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as the user should see it, e.g. `policies/standard/policy.toml`.
    pub name: String,
    pub text: String,
    /// The byte offset of the start of every line, found once when first asked for.
    pub lines: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        // Found once per file: thousands of diagnostics in one file (a warning per param)
        // each find their line by a binary search, not by a pass over everything before them.
        let offset = offset.min(self.text.len());
        let offset = (0..=offset)
            .rev()
            .find(|&i| self.text.is_char_boundary(i))
            .unwrap_or(0);
        let starts = self.lines.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let i = starts.partition_point(|&s| s <= offset);
        let line_start = (i, starts[i - 1]);
        let (line, start) = line_start;
        let col = self.text[start..offset].chars().count() + 1;
        (line, col)
    }

    /// Byte offset of a 1-based line and column (as Rhai reports them).
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let mut start = 0;
        for _ in 1..line {
            match self.text[start..].find('\n') {
                Some(i) => start += i + 1,
                None => return self.text.len(),
            }
        }
        let rest = &self.text[start..];
        let end = rest.find('\n').unwrap_or(rest.len());
        rest[..end]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(start + end, |(i, _)| start + i)
    }

    /// The exact decimal a TOML number stands for, read from the literal text in the file; a
    /// diagnostic at the number when it does not fit.
    pub fn decimal(self: &Arc<Self>, n: &Spanned<TomlNumber>) -> Result<Decimal, Diagnostic> {
        let literal = self.text.get(n.span()).unwrap_or("");
        n.get_ref()
            .exact(literal.trim())
            .map_err(|e| Diagnostic::error(self, Some(n.span()), e))
    }
}

/// How serious a problem is: errors stop the policy from loading, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a policy, pointing at the spot in the file when it can.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: Option<Arc<SourceFile>>,
    pub span: Option<Range<usize>>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(
        file: &Arc<SourceFile>,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: Some(file.clone()),
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(
        file: &Arc<SourceFile>,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, span, message)
        }
    }

    /// A problem that belongs to no file (a missing folder, say).
    pub fn plain(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: None,
            span: None,
            message: message.into(),
            help: None,
        }
    }

    /// A warning that belongs to no file (a file of the folder skipped, say).
    pub fn warning_plain(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::plain(message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `file:line:col`, or just the file name, or nothing.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_ref()?;
        Some(match &self.span {
            Some(span) => {
                let (line, col) = file.line_col(span.start);
                format!("{}:{line}:{col}", file.name)
            }
            None => file.name.clone(),
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.location() {
            Some(loc) => write!(f, "{loc}: {level}: {}", self.message)?,
            None => write!(f, "{level}: {}", self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// The closest of `candidates` to a misspelt `word`, when one is close enough to suggest.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The closest of `candidates` to `word`, looked for harder than [`did_you_mean`]: also a
/// candidate the word contains or is contained in (`on_hold` for `hold`), or one at most half
/// its letters away. For names that must be one of a short closed list.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'a str> {
    did_you_mean(word, candidates.clone())
        .or_else(|| {
            candidates
                .clone()
                .into_iter()
                .filter(|c| word.contains(c) || c.contains(word))
                .max_by_key(|c| c.len())
        })
        .or_else(|| {
            candidates
                .into_iter()
                .map(|c| (strsim::normalized_damerau_levenshtein(word, c), c))
                .filter(|(score, _)| *score >= 0.5)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, c)| c)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_line_columns_agree() {
        let f = SourceFile {
            lines: Default::default(),
            name: "p.toml".into(),
            text: "a = 1\n名字 = 2\nc = 3".into(),
        };
        let off = f.offset(2, 6);
        assert_eq!(&f.text[off..off + 1], "2");
        assert_eq!(f.line_col(off), (2, 6));
        assert_eq!(f.line_col(0), (1, 1));
    }

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(
            did_you_mean("captial", ["character", "capital", "capacity"]),
            Some("capital")
        );
        assert_eq!(did_you_mean("zzz", ["character", "capital"]), None);
        assert_eq!(
            closest("on_hold", ["terminate", "hold", "watch"]),
            Some("hold")
        );
        assert_eq!(closest("zzz", ["terminate", "hold", "watch"]), None);
    }
}
