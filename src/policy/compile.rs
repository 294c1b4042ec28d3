//! From a folder on disk to a checked [`Policy`]: read the files, parse `policy.toml` into its
//! raw [`doc`](super::doc) form, check every rule a finance reader would expect (thresholds
//! falling, weights adding up, bands without gaps, scripts that compile), and collect every
//! problem before giving up.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use rust_decimal::Decimal;
use toml::Spanned;

use super::doc::{
    BandDoc, CriterionDoc, LineDoc, MeasureDoc, Num, OverlayDoc, ParamDoc, PerGrade, PolicyDoc,
};
use super::script::{self, Role, Runtime, Scripts};
use super::source::did_you_mean;
use super::units::{self, fractions_help};
use super::{
    AfterDowngrade, Band, CRITERIA, CompanyRules, Criterion, Diagnostic, GroupRules, Identity,
    LineRules, LoadError, Measure, MeasureSource, Origin, Overlay, Param, Policy, ReviewRules,
    Severity, SourceFile,
};
use crate::client::facts::Fact;
use crate::grade::Grade;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// The files of a folder as read: `(relative path, bytes)`.
type Files = Vec<(String, Vec<u8>)>;

/// The largest file a policy folder may hold: a policy is a few pages of text.
pub const MAX_POLICY_FILE: u64 = 16 * 1024 * 1024;

/// Reads every regular file of the folder except `tests/` and hidden ones: `(relative path,
/// bytes)`, and a warning for each entry skipped. A FIFO, a device or a socket is skipped
/// unread (reading one could hang or never end), and so is a symbolic link that leads out of
/// the folder (or nowhere); a link that stays inside is read as the file it names. A file over
/// [`MAX_POLICY_FILE`] is an error.
fn read_folder(dir: &Path) -> std::io::Result<(Files, Vec<Diagnostic>)> {
    use std::io::Read;
    struct Walk {
        root: std::path::PathBuf,
        out: Vec<(String, Vec<u8>)>,
        skipped: Vec<Diagnostic>,
    }
    fn walk(w: &mut Walk, dir: &Path, depth: usize) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            let rel = path
                .strip_prefix(dir_root(w))
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let mut kind = entry.file_type()?;
            if kind.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(target) if target.starts_with(&w.root) => {
                        kind = std::fs::metadata(&target)?.file_type();
                    }
                    _ => {
                        w.skipped.push(Diagnostic::warning_plain(format!(
                            "`{}` is a link to a file outside the policy folder (or to nothing): skipped, not read",
                            path.display()
                        )));
                        continue;
                    }
                }
            }
            if kind.is_dir() {
                if rel != "tests" && depth < 32 {
                    walk(w, &path, depth + 1)?;
                }
            } else if kind.is_file() {
                let file = std::fs::File::open(&path)?;
                let mut bytes = Vec::new();
                file.take(MAX_POLICY_FILE + 1).read_to_end(&mut bytes)?;
                if bytes.len() as u64 > MAX_POLICY_FILE {
                    return Err(std::io::Error::other(format!(
                        "`{}` is larger than {} MiB; a policy folder holds text files of a few pages",
                        path.display(),
                        MAX_POLICY_FILE / (1024 * 1024)
                    )));
                }
                w.out.push((rel, bytes));
            } else {
                w.skipped.push(Diagnostic::warning_plain(format!(
                    "`{}` is not a regular file (a pipe, a device or a socket): skipped, not read",
                    path.display()
                )));
            }
        }
        Ok(())
    }
    fn dir_root(w: &Walk) -> &Path {
        &w.root
    }
    let root = std::fs::canonicalize(dir)?;
    let mut w = Walk {
        root: root.clone(),
        out: Vec::new(),
        skipped: Vec::new(),
    };
    walk(&mut w, &root, 0)?;
    w.out.sort();
    Ok((w.out, w.skipped))
}

pub(super) fn load(dir: &Path) -> Result<Policy, LoadError> {
    let dir_name = dir.display().to_string();
    let fail = |diagnostics: Vec<Diagnostic>| LoadError {
        dir: dir_name.clone(),
        diagnostics,
    };
    let toml_path = dir.join("policy.toml");
    if !toml_path.is_file() {
        let d = if dir.is_dir() {
            Diagnostic::plain(format!("`{}` has no `policy.toml`", dir.display()))
                .with_help("a policy folder holds `policy.toml`; `credit-policy init DIR` writes a starting one")
        } else {
            Diagnostic::plain(format!("there is no policy folder at `{}`", dir.display()))
                .with_help("give the folder with `--policy DIR` or set `CREDIT_POLICY`")
        };
        return Err(fail(vec![d]));
    }
    let (raw, skipped) = read_folder(dir).map_err(|e| {
        fail(vec![Diagnostic::plain(format!(
            "cannot read `{}`: {e}",
            dir.display()
        ))])
    })?;
    match load_files(dir, &raw) {
        Ok(mut p) => {
            p.warnings.extend(skipped);
            Ok(p)
        }
        Err(mut e) => {
            e.diagnostics.extend(skipped);
            Err(e)
        }
    }
}

/// Checks and compiles a policy from its files, `(path inside the folder, content)` without
/// `tests/`, shown to the user as if they were in the folder `dir`: a folder read from disk,
/// or the standard policy built into the binary.
pub(super) fn load_files(dir: &Path, raw: &[(String, Vec<u8>)]) -> Result<Policy, LoadError> {
    let dir_name = dir.display().to_string();
    let fail = |diagnostics: Vec<Diagnostic>| LoadError {
        dir: dir_name.clone(),
        diagnostics,
    };
    let toml_path = dir.join("policy.toml");
    let hash = super::hash::policy_hash(raw);
    let shown = |rel: &str| dir.join(rel).display().to_string();
    let files: Vec<Arc<SourceFile>> = raw
        .iter()
        .filter_map(|(rel, bytes)| {
            let text = String::from_utf8(bytes.clone()).ok()?;
            Some(Arc::new(SourceFile {
                lines: Default::default(),
                name: shown(rel),
                text,
            }))
        })
        .collect();
    let policy_file = files
        .iter()
        .find(|f| f.name == shown("policy.toml"))
        .cloned()
        .ok_or_else(|| {
            fail(vec![Diagnostic::plain(format!(
                "`{}` is not UTF-8 text",
                toml_path.display()
            ))])
        })?;

    let read = match super::read::policy(&policy_file) {
        Ok(r) => r,
        Err(syntax) => return Err(fail(vec![syntax])),
    };

    let mut c = Checker {
        file: policy_file.clone(),
        problems: read.problems,
    };
    let policy = c.build(read.doc, dir, &files, hash);
    let (errors, warnings): (Vec<_>, Vec<_>) = c
        .problems
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    match policy {
        Some(mut p) if errors.is_empty() => {
            p.warnings = warnings;
            Ok(p)
        }
        _ => Err(fail(errors.into_iter().chain(warnings).collect())),
    }
}

struct Checker {
    file: Arc<SourceFile>,
    problems: Vec<Diagnostic>,
}

impl Checker {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        self.problems
            .push(Diagnostic::error(&self.file, Some(span), message));
        self.problems.last_mut().expect("just pushed")
    }

    fn warn(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.problems
            .push(Diagnostic::warning(&self.file, Some(span), message));
    }

    /// The exact value of a number; an error (and 0) when it does not fit a decimal.
    fn num(&mut self, n: &Num) -> Decimal {
        match self.file.decimal(n) {
            Ok(v) => v,
            Err(d) => {
                self.problems.push(d);
                Decimal::ZERO
            }
        }
    }

    fn origin(&self, span: &Range<usize>) -> Origin {
        Origin {
            file: self.file.name.clone(),
            line: self.file.line_col(span.start).0,
        }
    }

    /// A number that must lie in `lo..=hi`.
    fn ranged(&mut self, n: &Num, what: &str, lo: Decimal, hi: Option<Decimal>) -> Decimal {
        let v = self.num(n);
        let bad = v < lo || hi.is_some_and(|h| v > h);
        if bad {
            let range = match hi {
                Some(h) => format!("from {lo} to {h}"),
                None => format!("{lo} or more"),
            };
            self.error(n.span(), format!("{what} is {v}; it must be {range}"));
        }
        v
    }

    /// A number as the author wrote it in the file.
    fn written(&self, n: &Num) -> String {
        self.file
            .text
            .get(n.span())
            .unwrap_or("")
            .trim()
            .to_string()
    }

    /// Warns about a percent written as a fraction (`limits.AAA = 0.2`: 0.2 %, not 20 %).
    /// `key` names the number, `of` what it is a percent of.
    fn percent_slip(&mut self, n: &Num, v: Decimal, key: &str, of: &str) {
        if let Some(meant) = units::as_percent(v) {
            let written = self.written(n);
            let d = Diagnostic::warning(
                &self.file,
                Some(n.span()),
                format!("`{key} = {written}` means {v} %; did you mean {meant}?"),
            )
            .with_help(format!(
                "`{key}` is a percent of {of}: write {meant} for {meant} %, not the fraction {written}"
            ));
            self.problems.push(d);
        }
    }

    /// Warns about a ratio floor written as a percent (`min_assets_to_debt = 175` for 1.75).
    fn ratio_slip(&mut self, n: &Num, v: Decimal, key: &str) {
        if v > Decimal::TEN {
            let meant = (v / HUNDRED).normalize();
            let written = self.written(n);
            let d = Diagnostic::warning(
                &self.file,
                Some(n.span()),
                format!("`{key} = {written}` asks for {v} times our debt; did you mean {meant}?"),
            )
            .with_help(format!(
                "`{key}` is a ratio, not a percent: write {meant} for {v} %"
            ));
            self.problems.push(d);
        }
    }

    fn build(
        &mut self,
        doc: PolicyDoc,
        dir: &Path,
        files: &[Arc<SourceFile>],
        hash: String,
    ) -> Option<Policy> {
        if let Some(p) = &doc.policy {
            for (field, value) in [
                ("name", &p.name),
                ("version", &p.version),
                ("currency", &p.currency),
            ] {
                if value.get_ref().trim().is_empty() {
                    self.error(
                        value.span(),
                        format!("`policy.{field}` is empty; give the policy a {field}"),
                    );
                }
            }
        }

        let crit_docs = doc.criteria.as_ref().map_or([None; 5], |c| c.in_order());
        let mut criteria = Vec::new();
        let mut script_measures = Vec::new();
        for (name, cd) in CRITERIA.into_iter().zip(crit_docs) {
            if let Some(cd) = cd {
                criteria.push(self.criterion(name, cd, &mut script_measures));
            }
        }
        // A weight out of range is already an error; the sum is only checked when it fits and
        // every criterion could be read.
        let total = checked_sum(criteria.iter().map(|c: &Criterion| c.weight));
        if let Some(total) = total.filter(|t| criteria.len() == 5 && *t != HUNDRED)
            && let Some(first) = crit_docs.iter().flatten().next()
        {
            let span = first.get_ref().weight.span();
            let help =
                fractions_help(criteria.iter().map(|c| c.weight), total).unwrap_or_else(|| {
                    "weights are percent of the total score; change them so they add up to 100"
                        .into()
                });
            self.error(
                span,
                format!("the five criterion weights add up to {total}, not 100"),
            )
            .help = Some(help);
        }

        let thresholds = doc.grades.as_ref().map(|g| self.thresholds(g));
        // Which grades a score can reach is only worth saying once the weights add up.
        let weights_add_up = total == Some(HUNDRED);
        if let (Some(t), Some(g), 5, true) =
            (&thresholds, &doc.grades, criteria.len(), weights_add_up)
        {
            self.unreachable_grades(&criteria, t, g);
        }
        let line = doc.line.as_ref().map(|l| self.line_rules(l));
        let limits = doc.limits.as_ref().map(|l| self.limits(l, line.as_ref()));

        let mut overlays = BTreeMap::new();
        for (name, od) in &doc.overlays {
            let o = self.overlay(name.get_ref(), name.span(), od);
            overlays.insert(name.get_ref().clone(), o);
        }
        overlays
            .entry("normal".to_string())
            .or_insert_with(|| Overlay {
                name: "normal".into(),
                description: "no scenario: nothing changes".into(),
                notches: 0,
                limit_factor: Decimal::ONE,
                origin: Origin {
                    file: self.file.name.clone(),
                    line: 0,
                },
            });

        let company = doc.company.as_ref().map(|cd| {
            let a = self.ranged(
                &cd.min_assets_to_debt,
                "`company.min_assets_to_debt`",
                Decimal::ZERO,
                None,
            );
            let l = self.ranged(
                &cd.min_liquid_to_debt,
                "`company.min_liquid_to_debt`",
                Decimal::ZERO,
                None,
            );
            for (n, v, key) in [
                (&cd.min_assets_to_debt, a, "min_assets_to_debt"),
                (&cd.min_liquid_to_debt, l, "min_liquid_to_debt"),
            ] {
                self.ratio_slip(n, v, &format!("company.{key}"));
            }
            let span = cd.min_assets_to_debt.span();
            CompanyRules {
                min_assets_to_debt: a,
                min_liquid_to_debt: l,
                when_weak: self.overlay("company.when_weak", span, &cd.when_weak),
            }
        });

        let review = doc.review.as_ref().map(|r| self.review(r));
        let security = doc
            .security
            .as_ref()
            .map(|sd| self.security(sd))
            .unwrap_or_default();
        let exposure = self.exposure(doc.exposure.as_ref());
        let orders = self.orders(doc.orders.as_ref());
        let groups = doc.groups.as_ref().map(|g| self.groups(g, line.as_ref()));

        let known: BTreeSet<&str> = Fact::ALL
            .iter()
            .map(|f| f.name())
            .chain(script::CONTEXT_VARIABLES.iter().copied())
            .chain(crate::client::TEXT_COLUMNS.iter().copied())
            .collect();
        let mut params = Vec::new();
        for (name, value) in &doc.params {
            let n = name.get_ref();
            if !is_identifier(n) {
                self.error(
                    name.span(),
                    format!("param `{n}` is not a usable name; use letters, digits and `_`"),
                );
            } else if known.contains(n.as_str()) {
                self.error(
                    name.span(),
                    format!(
                        "param `{n}` has the name of a client field or context value; rename it"
                    ),
                );
            }
            let p = match value.get_ref() {
                ParamDoc::Bool(b) => Param::Bool(*b),
                ParamDoc::Text(t) => Param::Text(t.clone()),
                ParamDoc::Number(x) => {
                    match x.exact(self.file.text.get(value.span()).unwrap_or("").trim()) {
                        Ok(v) => Param::Number(v),
                        Err(e) => {
                            self.error(value.span(), e);
                            Param::Number(Decimal::ZERO)
                        }
                    }
                }
            };
            params.push((n.clone(), p));
        }
        let param_names: std::collections::HashSet<&str> =
            doc.params.keys().map(|k| k.get_ref().as_str()).collect();
        let mut extra_inputs = Vec::new();
        for e in &doc.inputs.extra {
            let n = e.get_ref();
            if !is_identifier(n) {
                self.error(
                    e.span(),
                    format!("extra column `{n}` is not a usable name; use letters, digits and `_`"),
                );
            } else if known.contains(n.as_str()) || param_names.contains(n.as_str()) {
                self.error(
                    e.span(),
                    format!("`{n}` is already a known column or param; list only new columns here"),
                );
            } else {
                extra_inputs.push(n.clone());
            }
        }

        let max_growth = match &doc.inputs.max_growth {
            Some(n) => self.ranged(n, "inputs.max_growth", Decimal::ZERO, None),
            None => super::DEFAULT_MAX_GROWTH,
        };

        let scripts = self.scripts(&doc, dir, files);
        let names = script::variable_names(&params, &extra_inputs);
        let mut scripts_compile = true;
        match Runtime::new(&scripts, &names) {
            Ok(rt) => {
                let functions = rt.functions();
                for (fname, span) in &script_measures {
                    match functions.iter().find(|(n, _)| n == fname) {
                        Some((_, 0)) => {}
                        Some((_, n)) => {
                            self.error(span.clone(), format!("function `{fname}` takes {n} argument(s); a measure function takes none"));
                        }
                        None => {
                            let hint =
                                did_you_mean(fname, functions.iter().map(|(n, _)| n.as_str()));
                            let d = self.error(
                                span.clone(),
                                format!("no script defines a function `{fname}`"),
                            );
                            d.help = Some(match hint {
                                Some(h) => format!("did you mean `{h}`?"),
                                None => "define it in a script listed under `[scripts]`".into(),
                            });
                        }
                    }
                }
            }
            Err(diags) => {
                scripts_compile = false;
                self.problems.extend(diags);
            }
        }
        let (lints, read) = super::lint::lint(&scripts, &names);
        self.problems.extend(lints);
        if scripts_compile {
            self.unit_comparisons(&scripts, &names, &params, &doc);
        }
        // Which params are read is only known when every script compiled.
        for name in doc.params.keys().filter(|_| scripts_compile) {
            if !read.contains(name.get_ref()) {
                self.warn(
                    name.span(),
                    format!("param `{}` is not read by any script", name.get_ref()),
                );
            }
        }

        // A table that could not be read is already an error: nothing to build.
        let (Some(p), Some(thresholds), Some(limits), Some(line), Some(review), 5) = (
            &doc.policy,
            thresholds,
            limits,
            line,
            review,
            criteria.len(),
        ) else {
            return None;
        };
        Some(Policy {
            identity: Identity {
                name: p.name.get_ref().clone(),
                version: p.version.get_ref().clone(),
                hash,
            },
            description: p.description.clone(),
            currency: p.currency.get_ref().clone(),
            criteria,
            thresholds,
            limits,
            line,
            overlays,
            company,
            review,
            orders,
            groups,
            security,
            exposure,
            params,
            extra_inputs,
            max_growth,
            script_reads: read.into_iter().collect(),
            scripts,
            files: files.to_vec(),
            dir: dir.to_path_buf(),
            built_in: false,
            warnings: Vec::new(),
        })
    }

    /// Warns about a share or growth that a script compares with a number in percent:
    /// `min_sell_through = 60` against `sell_through` (at most 1 for every client, so every
    /// client is below it), or `sell_through < 60` in the script.
    fn unit_comparisons(
        &mut self,
        scripts: &Scripts,
        names: &[&str],
        params: &[(String, Param)],
        doc: &PolicyDoc,
    ) {
        let numbers: Vec<&str> = params
            .iter()
            .filter(|(_, p)| matches!(p, Param::Number(_)))
            .map(|(n, _)| n.as_str())
            .collect();
        let mut warned: BTreeSet<String> = BTreeSet::new();
        for c in super::lint::unit_comparisons(scripts, names, &numbers) {
            let did_you_mean = |v: Decimal| {
                units::as_fraction(v)
                    .map(|m| format!("; did you mean {m}?"))
                    .unwrap_or_default()
            };
            match (&c.param, c.literal) {
                (Some(name), _) => {
                    let value = params.iter().find_map(|(n, p)| match p {
                        Param::Number(v) if n == name => Some(*v),
                        _ => None,
                    });
                    let entry = doc.params.iter().find(|(k, _)| k.get_ref() == name);
                    let (Some(v), Some((_, spanned))) = (value, entry) else {
                        continue;
                    };
                    if !c.unit.looks_like_percent(v) || !warned.insert(name.clone()) {
                        continue;
                    }
                    let written = self
                        .file
                        .text
                        .get(spanned.span())
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    let d = Diagnostic::warning(
                        &self.file,
                        Some(spanned.span()),
                        format!(
                            "`{name} = {written}` is compared with `{}`, {}{}",
                            c.measure,
                            c.unit.describe(),
                            did_you_mean(v)
                        ),
                    )
                    .with_help(format!(
                        "compared at {}; `{}` is never near {v}, so the comparison gives the same answer for every client",
                        c.at(),
                        c.measure
                    ));
                    self.problems.push(d);
                }
                (None, Some(v)) if c.unit.looks_like_percent(v) => {
                    let d = script::diagnostic_at(
                        &c.file,
                        c.pos,
                        format!(
                            "`{}` is compared with {v}, but it is {}{}",
                            c.measure,
                            c.unit.describe(),
                            did_you_mean(v)
                        ),
                    );
                    self.problems.push(Diagnostic {
                        severity: Severity::Warning,
                        ..d
                    });
                }
                _ => {}
            }
        }
    }

    /// `[review]`: intervals of 1 to 120 months, grades by name, a grace of at most ten years.
    fn review(&mut self, r: &super::doc::ReviewDoc) -> ReviewRules {
        let mut by_grade = [None; 9];
        for (g, m) in &r.by_grade {
            match g.get_ref().parse::<Grade>() {
                Ok(grade) => by_grade[grade.rank()] = Some(*m.get_ref()),
                Err(e) => {
                    self.error(g.span(), e);
                }
            }
        }
        let after_downgrade = r
            .after_downgrade
            .as_ref()
            .map(|a| self.after_downgrade(a, r));
        let review = ReviewRules {
            months: *r.months.get_ref(),
            key_account_months: *r.key_account_months.get_ref(),
            by_grade,
            after_downgrade,
            grace_days: r.grace_days.as_ref().map(|g| *g.get_ref()),
        };
        if let Some(g) = &r.grace_days
            && *g.get_ref() > 3660
        {
            self.error(
                g.span(),
                format!("`review.grace_days` is {}; use 0 to 3660 days", g.get_ref()),
            );
        }
        for m in [&r.months, &r.key_account_months]
            .into_iter()
            .chain(r.by_grade.values())
        {
            if *m.get_ref() == 0 || *m.get_ref() > 120 {
                self.error(
                    m.span(),
                    format!(
                        "a review interval of {} months is not usable; use 1 to 120",
                        m.get_ref()
                    ),
                );
            }
        }
        review
    }

    fn criterion(
        &mut self,
        name: &'static str,
        cd: &Spanned<CriterionDoc>,
        script_measures: &mut Vec<(String, Range<usize>)>,
    ) -> Criterion {
        let c = cd.get_ref();
        let weight = self.ranged(
            &c.weight,
            &format!("the weight of `{name}`"),
            Decimal::ZERO,
            Some(HUNDRED),
        );
        if c.measures.is_empty() {
            self.error(cd.span(), format!("criterion `{name}` has no measures; give it at least one `[[criteria.{name}.measures]]`"));
        }
        let measures: Vec<Measure> = c
            .measures
            .iter()
            .filter_map(|m| self.measure(name, m, script_measures))
            .collect();
        let total = checked_sum(measures.iter().map(|m| m.weight));
        if let Some(total) = total.filter(|t| !measures.is_empty() && *t != HUNDRED) {
            self.error(
                c.weight.span(),
                format!("the measure weights of `{name}` add up to {total}, not 100"),
            )
            .help = Some(
                fractions_help(measures.iter().map(|m| m.weight), total)
                    .unwrap_or_else(|| "a measure's weight is its percent of the criterion".into()),
            );
        }
        Criterion {
            name,
            description: c.description.clone(),
            weight,
            measures,
        }
    }

    fn measure(
        &mut self,
        criterion: &str,
        m: &Spanned<MeasureDoc>,
        script_measures: &mut Vec<(String, Range<usize>)>,
    ) -> Option<Measure> {
        let md = m.get_ref();
        let weight = self.ranged(&md.weight, "a measure weight", Decimal::ZERO, Some(HUNDRED));
        let missing = self.ranged(
            &md.missing,
            "`missing` points",
            Decimal::ZERO,
            Some(HUNDRED),
        );
        let origin = self.origin(&m.span());
        let source = match (&md.input, &md.script) {
            (Some(input), None) => {
                let name = input.get_ref();
                match Fact::by_name(name) {
                    Some(f) => MeasureSource::Fact(f),
                    None => {
                        let hint = did_you_mean(name, Fact::ALL.iter().map(|f| f.name()));
                        let d = self.error(
                            input.span(),
                            format!("`{name}` is not a client number or derived ratio"),
                        );
                        d.help = Some(match hint {
                            Some(h) => format!("did you mean `{h}`?"),
                            None => "see the input columns and derived ratios in the README".into(),
                        });
                        return None;
                    }
                }
            }
            (None, Some(f)) => {
                script_measures.push((f.get_ref().clone(), f.span()));
                if !md.bands.is_empty() {
                    self.error(
                        m.span(),
                        "a `script` measure returns its points itself; remove its `bands`",
                    );
                }
                MeasureSource::Script(f.get_ref().clone())
            }
            _ => {
                self.error(m.span(), format!("each measure of `{criterion}` needs exactly one of `input` (a client number) or `script` (a function)"));
                return None;
            }
        };
        let bands = match &source {
            MeasureSource::Fact(f) => {
                let bands = self.bands(f.name(), m.span(), &md.bands);
                self.points_slip(f.name(), m.span(), &bands);
                // Edges written in the wrong unit would also make every band unreachable:
                // one warning that says why, not one per band.
                if !self.edge_slip(*f, m.span(), &bands) {
                    self.unreachable_bands(*f, &bands, &md.bands);
                }
                bands
            }
            MeasureSource::Script(_) => Vec::new(),
        };
        Some(Measure {
            source,
            weight,
            missing,
            bands,
            origin,
        })
    }

    /// Bands listed in either direction, covering every value once: no gap, no overlap.
    fn bands(&mut self, measure: &str, span: Range<usize>, docs: &[Spanned<BandDoc>]) -> Vec<Band> {
        if docs.is_empty() {
            self.error(span, format!("measure `{measure}` has no bands; add `bands = [{{ to = ..., points = ... }}, ...]`"));
            return Vec::new();
        }
        let mut bands: Vec<(Band, Range<usize>)> = Vec::new();
        for b in docs {
            let bd = b.get_ref();
            let from = bd.from.as_ref().map(|n| self.num(n));
            let to = bd.to.as_ref().map(|n| self.num(n));
            let points = self.ranged(&bd.points, "band points", Decimal::ZERO, Some(HUNDRED));
            if let (Some(f), Some(t)) = (from, to)
                && f >= t
            {
                self.error(
                    b.span(),
                    format!("band `from = {f}` to `to = {t}` is empty; `from` must be below `to`"),
                );
            }
            bands.push((Band { from, to, points }, b.span()));
        }
        let key = |b: &Band| b.from;
        let ascending = bands.windows(2).all(|w| key(&w[0].0) <= key(&w[1].0));
        let descending = bands.windows(2).all(|w| key(&w[0].0) >= key(&w[1].0));
        if !ascending && !descending {
            self.error(span.clone(), format!("the bands of `{measure}` are out of order; list them from the lowest values up, or from the highest down"));
            return bands.into_iter().map(|(b, _)| b).collect();
        }
        let mut sorted = bands.clone();
        sorted.sort_by_key(|(b, _)| key(b));
        if let Some((first, s)) = sorted.first()
            && first.from.is_some()
        {
            self.error(s.clone(), format!("the lowest band of `{measure}` starts at {}; leave out its `from` so every value gets points", first.from.unwrap_or_default()));
        }
        if let Some((last, s)) = sorted.last()
            && last.to.is_some()
        {
            self.error(s.clone(), format!("the highest band of `{measure}` ends at {}; leave out its `to` so every value gets points", last.to.unwrap_or_default()));
        }
        for w in sorted.windows(2) {
            let (a, b) = (&w[0].0, &w[1].0);
            match (a.to, b.from) {
                (Some(t), Some(f)) if t < f => {
                    self.error(w[1].1.clone(), format!("gap in the bands of `{measure}`: no band holds values from {t} up to {f}"));
                }
                (Some(t), Some(f)) if t > f => {
                    self.error(w[1].1.clone(), format!("overlap in the bands of `{measure}`: values from {f} up to {t} are in two bands"));
                }
                (None, _) | (_, None) => {
                    self.error(w[1].1.clone(), format!("the bands of `{measure}` overlap: only the lowest band may leave out `from`, only the highest `to`"));
                }
                _ => {}
            }
        }
        bands.into_iter().map(|(b, _)| b).collect()
    }

    /// Warns about band points written as fractions (`points = 0.8` for 80): every point of
    /// the measure at most 1, some above 0.
    fn points_slip(&mut self, measure: &str, span: Range<usize>, bands: &[Band]) {
        let points: Vec<Decimal> = bands.iter().map(|b| b.points).collect();
        let fractions = points
            .iter()
            .all(|p| *p >= Decimal::ZERO && *p <= Decimal::ONE);
        if fractions && points.iter().any(|p| *p > Decimal::ZERO) {
            let meant: Vec<Decimal> = points.iter().map(|p| p * HUNDRED).collect();
            self.problems.push(
                Diagnostic::warning(
                    &self.file,
                    Some(span),
                    format!(
                        "the band points of `{measure}` are at most 1 ({}); did you mean {}?",
                        units::list(&points),
                        units::list(&meant)
                    ),
                )
                .with_help("band points run from 0 to 100"),
            );
        }
    }

    /// Warns about the band edges of a share or a growth written as percents (`from = 90` for
    /// sell-through 0.9): every edge but 0 beyond what the unit allows. True when it warned.
    fn edge_slip(&mut self, fact: Fact, span: Range<usize>, bands: &[Band]) -> bool {
        let Some(unit) = units::Unit::of(fact) else {
            return false;
        };
        let mut edges: Vec<Decimal> = bands
            .iter()
            .flat_map(|b| [b.from, b.to])
            .flatten()
            .filter(|e| !e.is_zero())
            .collect();
        edges.sort();
        edges.dedup();
        if edges.is_empty() || !edges.iter().all(|e| unit.looks_like_percent(*e)) {
            return false;
        }
        edges.reverse();
        let meant: Option<Vec<Decimal>> = edges.iter().map(|e| units::as_fraction(*e)).collect();
        let mut message = format!(
            "the band edges of `{}` ({}) look like percents, but `{}` is {}",
            fact.name(),
            units::list(&edges),
            fact.name(),
            unit.describe()
        );
        if let Some(meant) = meant {
            message.push_str(&format!("; did you mean {}?", units::list(&meant)));
        }
        self.warn(span, message);
        true
    }

    /// Warns about bands no value of the fact can fall in (a share above 1, a rating of 7, a
    /// band of whole numbers with no whole number in it).
    fn unreachable_bands(&mut self, fact: Fact, bands: &[Band], docs: &[Spanned<BandDoc>]) {
        let (lo, hi) = fact.range();
        for (b, d) in bands.iter().zip(docs) {
            let below = b.to.is_some_and(|t| lo.is_some_and(|l| t <= l));
            let above = b.from.is_some_and(|f| hi.is_some_and(|h| f > h));
            let no_whole = fact.is_whole()
                && match (b.from, b.to) {
                    (Some(f), Some(t)) => f.ceil() >= t,
                    _ => false,
                };
            if below || above || no_whole {
                let what = if no_whole && !below && !above {
                    format!("`{}` is a whole number", fact.name())
                } else {
                    format!(
                        "`{}` is always {}",
                        fact.name(),
                        super::lint::describe_range(lo, hi)
                    )
                };
                self.warn(d.span(), format!("no client can fall in this band: {what}"));
            }
        }
    }

    /// Warns about grades no score can reach, given the best and worst points every measure can give.
    fn unreachable_grades(
        &mut self,
        criteria: &[Criterion],
        thresholds: &[Decimal; 9],
        grades: &PerGrade<Num>,
    ) {
        // Only meaningful once every weight and point is within 0 to 100 (else already an error).
        let in_range = |d: Decimal| d >= Decimal::ZERO && d <= HUNDRED;
        let sane = criteria.iter().all(|c| {
            in_range(c.weight)
                && c.measures.iter().all(|m| {
                    in_range(m.weight)
                        && in_range(m.missing)
                        && m.bands.iter().all(|b| in_range(b.points))
                })
        });
        if !sane {
            return;
        }
        let mut best = Decimal::ZERO;
        let mut worst = Decimal::ZERO;
        for c in criteria {
            let (mut b, mut w) = (Decimal::ZERO, Decimal::ZERO);
            for m in &c.measures {
                let points = m.bands.iter().map(|x| x.points).chain([m.missing]);
                let (hi, lo) = match &m.source {
                    MeasureSource::Fact(_) => (
                        points.clone().max().unwrap_or_default(),
                        points.min().unwrap_or_default(),
                    ),
                    MeasureSource::Script(_) => (HUNDRED, Decimal::ZERO),
                };
                b += hi * m.weight / HUNDRED;
                w += lo * m.weight / HUNDRED;
            }
            best += b * c.weight / HUNDRED;
            worst += w * c.weight / HUNDRED;
        }
        let nums = grades.in_order();
        for (i, t) in thresholds.iter().enumerate() {
            if *t > best {
                self.warn(
                    nums[i].span(),
                    format!(
                        "no score can reach `{}`: the best possible score is {}",
                        Grade::ALL[i],
                        best.normalize()
                    ),
                );
            }
        }
        // Grades below the one the worst possible score earns are reached only by rules.
        if let Some(i) = thresholds.iter().position(|t| worst >= *t)
            && i < 8
        {
            self.warn(nums[i + 1].span(), format!(
                "no score falls below `{}`: the worst possible score is {}, so grades under it come only from rules and overlays",
                Grade::ALL[i], worst.normalize()
            ));
        }
    }

    fn thresholds(&mut self, grades: &PerGrade<Num>) -> [Decimal; 9] {
        let nums = grades.in_order();
        let mut out = [Decimal::ZERO; 9];
        for (i, n) in nums.iter().enumerate() {
            out[i] = self.ranged(
                n,
                &format!("the threshold of `{}`", Grade::ALL[i]),
                Decimal::ZERO,
                Some(HUNDRED),
            );
        }
        for i in 1..9 {
            if out[i] >= out[i - 1] {
                self.error(nums[i].span(), format!(
                    "grade thresholds must fall from AAA to C: `{}` needs less than {} (the `{}` threshold), not {}",
                    Grade::ALL[i], out[i - 1], Grade::ALL[i - 1], out[i]
                ));
            }
        }
        out
    }

    fn line_rules(&mut self, l: &LineDoc) -> LineRules {
        let ceiling = self.ranged(&l.ceiling, "`line.ceiling`", Decimal::ZERO, Some(HUNDRED));
        let top = self.ranged(
            &l.top_grade_ceiling,
            "`line.top_grade_ceiling`",
            Decimal::ZERO,
            Some(HUNDRED),
        );
        self.percent_slip(&l.ceiling, ceiling, "line.ceiling", "annual sales");
        self.percent_slip(
            &l.top_grade_ceiling,
            top,
            "line.top_grade_ceiling",
            "annual sales",
        );
        if top < ceiling {
            self.error(l.top_grade_ceiling.span(), format!("`top_grade_ceiling` ({top}%) is below `ceiling` ({ceiling}%); the top grade may only go higher"));
        }
        let rounding_unit = self.num(&l.rounding_unit);
        if rounding_unit < Decimal::new(1, 2) {
            self.error(l.rounding_unit.span(), format!("`rounding_unit` is {rounding_unit}; use an amount of 0.01 (cents) or more, such as 1000"));
        }
        if *l.payment_days.get_ref() == 0 {
            self.error(
                l.payment_days.span(),
                "`payment_days` is 0; give the days allowed to pay, e.g. 60",
            );
        }
        LineRules {
            ceiling,
            top_grade_ceiling: top,
            payment_days: *l.payment_days.get_ref(),
            rounding_unit,
        }
    }

    /// The line per grade. Without a readable `[line]`, the ceilings are taken as 100.
    fn limits(&mut self, limits: &PerGrade<Num>, line: Option<&LineRules>) -> [Decimal; 9] {
        let nums = limits.in_order();
        let mut out = [Decimal::ZERO; 9];
        for (i, n) in nums.iter().enumerate() {
            let g = Grade::ALL[i];
            let cap = match line {
                Some(l) if i == 0 => l.top_grade_ceiling,
                Some(l) => l.ceiling,
                None => HUNDRED,
            };
            let v = self.num(n);
            self.percent_slip(n, v, &format!("limits.{g}"), "annual sales");
            if v < Decimal::ZERO {
                self.error(
                    n.span(),
                    format!("the line for `{g}` is {v}%; it cannot be negative"),
                );
            } else if v > cap {
                let which = if i == 0 {
                    "top_grade_ceiling"
                } else {
                    "ceiling"
                };
                self.error(
                    n.span(),
                    format!("the line for `{g}` is {v}%, above the {cap}% `{which}`"),
                );
            }
            out[i] = v;
        }
        for i in 1..9 {
            if out[i] > out[i - 1] {
                self.error(
                    nums[i].span(),
                    format!(
                        "lines must not rise as the grade worsens: `{}` has {}% but `{}` only {}%",
                        Grade::ALL[i],
                        out[i],
                        Grade::ALL[i - 1],
                        out[i - 1]
                    ),
                );
            }
        }
        out
    }

    fn overlay(&mut self, name: &str, span: Range<usize>, od: &OverlayDoc) -> Overlay {
        let notches = od.notches.as_ref().map_or(0, |n| {
            if !(-8..=8).contains(n.get_ref()) {
                self.error(
                    n.span(),
                    format!(
                        "`{name}` moves {} notches; the scale has 9 grades, use -8 to 8",
                        n.get_ref()
                    ),
                );
            }
            *n.get_ref()
        });
        let limit_factor = od.limit_factor.as_ref().map_or(Decimal::ONE, |f| {
            let before = self.problems.len();
            let v = self.ranged(
                f,
                &format!("the `limit_factor` of `{name}`"),
                Decimal::ZERO,
                Some(Decimal::TEN),
            );
            if self.problems.len() > before
                && let Some(meant) = units::as_fraction(v).filter(|_| v > Decimal::ONE)
                && let Some(d) = self.problems.last_mut()
            {
                d.help = Some(format!(
                    "a factor, not a percent: did you mean {meant} (lines x{meant})?"
                ));
            }
            v
        });
        if od.notches.is_none() && od.limit_factor.is_none() {
            self.warn(
                span.clone(),
                format!(
                    "`{name}` sets neither `notches` nor `limit_factor`, so it changes nothing"
                ),
            );
        }
        Overlay {
            name: name.to_string(),
            description: od.description.clone(),
            notches,
            limit_factor,
            origin: self.origin(&span),
        }
    }

    fn scripts(&mut self, doc: &PolicyDoc, dir: &Path, files: &[Arc<SourceFile>]) -> Scripts {
        let mut out = Scripts::default();
        let listed = doc
            .scripts
            .rules
            .iter()
            .map(|s| (Role::Rules, s))
            .chain(doc.scripts.functions.iter().map(|s| (Role::Functions, s)));
        for (role, rel) in listed {
            // `./rules/x.rhai` is `rules/x.rhai`; `..`, a root or a drive leads out.
            let parts: Vec<_> = Path::new(rel.get_ref())
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect();
            let escapes = parts.is_empty()
                || parts
                    .iter()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)));
            let normal: std::path::PathBuf = parts.iter().collect();
            let shown = dir.join(&normal).display().to_string();
            match files.iter().find(|f| f.name == shown) {
                Some(f) if !escapes => {
                    // Rhai counts lines and columns in 16 bits: past them, every position
                    // after would be reported at line 65535.
                    let lines = f.text.lines().count();
                    let widest = f.text.lines().map(str::len).max().unwrap_or(0);
                    if lines > usize::from(u16::MAX) || widest > usize::from(u16::MAX) {
                        self.error(
                            rel.span(),
                            format!(
                                "script `{}` has {lines} lines, the longest {widest} bytes; a script holds at most 65,535 lines of at most 65,535 characters (split it)",
                                rel.get_ref()
                            ),
                        );
                    } else {
                        out.files.push((role, f.clone()));
                    }
                }
                _ => {
                    let on_disk: Vec<&str> = files
                        .iter()
                        .filter_map(|f| f.name.strip_prefix(&format!("{}/", dir.display())))
                        .filter(|n| n.ends_with(".rhai"))
                        .collect();
                    let d = self.error(
                        rel.span(),
                        format!("script `{}` is not in the policy folder", rel.get_ref()),
                    );
                    d.help = Some(match did_you_mean(rel.get_ref(), on_disk.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "paths are relative to the folder holding `policy.toml`".into(),
                    });
                }
            }
        }
        out
    }

    /// `[orders]`: a named approver and a tolerance of 0 to 100 percent per known grade.
    fn orders(&mut self, doc: Option<&super::doc::OrdersDoc>) -> super::OrderRules {
        let mut rules = super::OrderRules::default();
        let Some(od) = doc else {
            return rules;
        };
        let approver = od.approver.get_ref().trim();
        if approver.is_empty() {
            self.error(
                od.approver.span(),
                "`orders.approver` is empty; name the role that approves orders over the line, e.g. \"credit manager\"",
            );
        }
        rules.approver = approver.to_string();
        // In the order of the file, so the problems are listed as they are met.
        let mut entries: Vec<_> = od.tolerance.iter().collect();
        entries.sort_by_key(|(g, _)| g.span().start);
        for (g, n) in entries {
            let name = g.get_ref();
            let v = self.ranged(
                n,
                &format!("the tolerance of `{name}`"),
                Decimal::ZERO,
                Some(HUNDRED),
            );
            self.percent_slip(n, v, &format!("orders.tolerance.{name}"), "the line");
            match name.parse::<Grade>() {
                Ok(grade) => rules.tolerance[grade.rank()] = v,
                Err(_) => {
                    let upper = name.to_ascii_uppercase();
                    let hint = Grade::ALL
                        .iter()
                        .map(|g| g.as_str())
                        .find(|g| *g == upper)
                        .or_else(|| did_you_mean(name, Grade::ALL.iter().map(|g| g.as_str())));
                    let d = self.error(
                        g.span(),
                        format!("`orders.tolerance.{name}` is not a grade"),
                    );
                    d.help = Some(match hint {
                        Some(h) => format!("did you mean `{h}`?"),
                        None => "the grades are AAA, AA, A, BBB, BB, B, CCC, CC, C".into(),
                    });
                }
            }
        }
        rules
    }
}

impl Checker {
    /// `[review.after_downgrade]`: 1 to 8 notches, 1 to 120 months; a warning when the months
    /// are so many that no review would ever come sooner.
    fn after_downgrade(
        &mut self,
        a: &super::doc::AfterDowngradeDoc,
        review: &super::doc::ReviewDoc,
    ) -> AfterDowngrade {
        let notches = *a.notches.get_ref();
        if !(1..=8).contains(&notches) {
            self.error(
                a.notches.span(),
                format!(
                    "`review.after_downgrade.notches` is {notches}; a fall of 1 to 8 notches is possible on the nine-grade scale"
                ),
            );
        }
        let months = *a.months.get_ref();
        if !(1..=120).contains(&months) {
            self.error(
                a.months.span(),
                format!("`review.after_downgrade.months` is {months}; use 1 to 120"),
            );
        }
        let longest = (*review.months.get_ref()).max(*review.key_account_months.get_ref());
        if (1..=120).contains(&months) && months >= i64::from(longest) {
            self.warn(
                a.months.span(),
                format!(
                    "a review within {months} months after a downgrade never comes sooner than the usual {longest}-month interval; use fewer months"
                ),
            );
        }
        AfterDowngrade {
            notches: notches.clamp(1, 8) as u32,
            months: months.clamp(1, 120) as u32,
            origin: self.origin(&a.notches.span()),
        }
    }

    /// `[groups]`: a percent of sales above 0 and at most 100, a positive amount.
    fn groups(&mut self, g: &super::doc::GroupsDoc, line: Option<&LineRules>) -> GroupRules {
        let pct = self.num(&g.max_percent_of_sales);
        self.percent_slip(
            &g.max_percent_of_sales,
            pct,
            "groups.max_percent_of_sales",
            "the members' combined annual sales",
        );
        if pct <= Decimal::ZERO || pct > HUNDRED {
            self.error(
                g.max_percent_of_sales.span(),
                format!(
                    "`groups.max_percent_of_sales` is {pct}; it must be more than 0 and at most 100"
                ),
            );
        } else if let Some(line) = line
            && pct >= line.top_grade_ceiling
        {
            self.warn(
                g.max_percent_of_sales.span(),
                format!(
                    "`groups.max_percent_of_sales` ({pct}%) never caps a group: no member's line is above the {}% `top_grade_ceiling`, so neither is their sum",
                    line.top_grade_ceiling
                ),
            );
        }
        let max_amount = g.max_amount.as_ref().map(|n| {
            let v = self.num(n);
            if v <= Decimal::ZERO || v > crate::money::MONEY_MAX {
                self.error(
                    n.span(),
                    format!("`groups.max_amount` is {v}; give a positive amount of at most 10^18"),
                );
            }
            v
        });
        GroupRules {
            max_percent_of_sales: pct,
            max_amount,
            watch_when_member_terminates: g.watch_when_member_terminates,
            origin: self.origin(&g.max_percent_of_sales.span()),
        }
    }
}

impl Checker {
    /// `[security]`: each percent from 0 to 100.
    fn security(&mut self, sd: &super::doc::SecurityDoc) -> super::SecurityRules {
        let mut pct = |n: &Option<Num>, key: &str| {
            n.as_ref().map_or(Decimal::ZERO, |n| {
                let v = self.ranged(
                    n,
                    &format!("`security.{key}`"),
                    Decimal::ZERO,
                    Some(HUNDRED),
                );
                self.percent_slip(n, v, &format!("security.{key}"), "its value");
                v
            })
        };
        super::SecurityRules {
            deposit: pct(&sd.deposit, "deposit"),
            guarantee: pct(&sd.guarantee, "guarantee"),
            insured_limit: pct(&sd.insured_limit, "insured_limit"),
            collateral_value: pct(&sd.collateral_value, "collateral_value"),
        }
    }

    /// `[exposure]`: `"unknown"` or `"zero"` for each part; without the table, unknown.
    fn exposure(&mut self, ed: Option<&super::doc::ExposureDoc>) -> super::ExposureRules {
        let mut zero = |v: Option<&Spanned<String>>, key: &str| match v {
            None => false,
            Some(v) => match v.get_ref().as_str() {
                "unknown" => false,
                "zero" => true,
                other => {
                    self.error(
                        v.span(),
                        format!("`exposure.{key}` is `{other}`; use \"unknown\" (nothing is released on credit until it is known) or \"zero\""),
                    );
                    false
                }
            },
        };
        super::ExposureRules {
            empty_receivable_is_zero: zero(
                ed.and_then(|e| e.empty_receivable_balance.as_ref()),
                "empty_receivable_balance",
            ),
            empty_open_orders_is_zero: zero(
                ed.and_then(|e| e.empty_open_orders.as_ref()),
                "empty_open_orders",
            ),
        }
    }
}

/// The sum, or `None` when it does not fit a decimal.
fn checked_sum(mut values: impl Iterator<Item = Decimal>) -> Option<Decimal> {
    values.try_fold(Decimal::ZERO, |a, b| a.checked_add(b))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
