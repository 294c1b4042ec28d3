//! Decisions as an aligned table for a person at a terminal. Column widths count display
//! width, so Chinese names keep the columns straight.

use std::io::{self, Write};

use comfy_table::{CellAlignment, ContentArrangement, LineStyle, Table, TableStyle};
use rust_decimal::Decimal;

use super::Split;
use super::money_grouped;
use super::totals::{Line, Summary, Totals};
use crate::engine::group::GroupLines;
use crate::engine::{Action, Decision, decision_score_text};
use crate::grade::Grade;
use crate::policy::Identity;

pub struct TableWriter<'a, W: Write> {
    out: W,
    identity: &'a Identity,
    currency: &'a str,
    table: Table,
    count: usize,
    granted: Decimal,
    held: usize,
    per_grade: [usize; 9],
    /// The groups of a run that checks them, printed after the clients.
    groups: Option<String>,
    /// The totals and our own health, printed after the clients.
    summary: Option<Summary>,
}

impl<'a, W: Write> TableWriter<'a, W> {
    pub fn new(out: W, identity: &'a Identity, currency: &'a str, split: bool) -> Self {
        let mut header = vec![
            "id",
            "name",
            "grade",
            "base",
            "outlook",
            "score",
            "line",
            "exposure",
            "available",
            "days",
            "actions",
            "next review",
        ];
        if split {
            header.push("side");
        }
        let mut table = Table::new();
        table
            .load_style(
                TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─')),
            )
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(header);
        for i in [3, 5, 6, 7, 8, 9] {
            if let Some(c) = table.column_mut(i) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        TableWriter {
            out,
            identity,
            currency,
            table,
            count: 0,
            granted: Decimal::ZERO,
            held: 0,
            per_grade: [0; 9],
            groups: None,
            summary: None,
        }
    }
}

/// The notches moved since the previous grade, compactly: `+1`, `=`, `-2`; blank without one.
fn outlook_cell(change: Option<i64>) -> String {
    match change {
        None => String::new(),
        Some(0) => "=".into(),
        Some(n) if n > 0 => format!("+{n}"),
        Some(n) => n.to_string(),
    }
}

/// The groups as a table of their own, with a line that counts them.
fn groups_table(groups: &GroupLines, currency: &str) -> String {
    let mut table = Table::new();
    table
        .load_style(TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─')))
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["group", "members", "line", "exposure", "over", "line is"]);
    for i in [1, 2, 3, 4] {
        if let Some(c) = table.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut over = 0;
    for g in groups.iter() {
        over += usize::from(g.over());
        let t = &g.totals;
        let members = if t.rejected > 0 {
            format!("{} (+{} rejected)", t.members, t.rejected)
        } else {
            t.members.to_string()
        };
        table.add_row([
            g.id.clone(),
            members,
            money_grouped(g.line.amount),
            money_grouped(t.exposure),
            if g.over() {
                money_grouped(t.exposure - g.line.amount)
            } else {
                String::new()
            },
            g.line_text_with(money_grouped),
        ]);
    }
    let over = match over {
        0 => "none over its group line".to_string(),
        n => format!("{n} over the group line, every member on hold"),
    };
    format!(
        "\n{table}\n{} group(s) ({over}); amounts in {currency}\n",
        groups.len()
    )
}

/// The totals by grade, then by the `--by` column, as tables of their own. A client whose
/// exposure is unknown is counted under `exposure unknown`, never added to the exposure.
fn totals_tables(t: &Totals, currency: &str) -> String {
    let header = |first: &str| {
        let mut table = Table::new();
        table
            .load_style(
                TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─')),
            )
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header([
                first,
                "clients",
                "line",
                "exposure",
                "exposure unknown",
                "over the line",
                "on hold",
            ]);
        table
    };
    let row = |name: &str, l: &Line| {
        // With no exposure known at all, the sums say unknown, not 0.00.
        let known = |m: Decimal| {
            if l.exposure_unknown == l.clients {
                "unknown".to_string()
            } else {
                money_grouped(m)
            }
        };
        [
            name.to_string(),
            l.clients.to_string(),
            money_grouped(l.line),
            known(l.exposure),
            l.exposure_unknown.to_string(),
            known(l.over),
            l.on_hold.to_string(),
        ]
    };
    let right = |table: &mut Table| {
        for i in 1..7 {
            if let Some(c) = table.column_mut(i) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
    };
    let mut grades = header("grade");
    for (g, l) in t.grades() {
        grades.add_row(row(g.as_str(), l));
    }
    grades.add_row(row("total", t.all()));
    right(&mut grades);
    let mut s = format!("\ntotals by grade (amounts in {currency})\n{grades}\n");
    if let Some(by) = &t.by {
        let mut table = header(by);
        for (v, l) in t.groups() {
            table.add_row(row(v, l));
        }
        right(&mut table);
        s.push_str(&format!("\ntotals by {by}\n{table}\n"));
    }
    let unknown = t.all().exposure_unknown;
    if unknown > 0 {
        s.push_str(&format!(
            "exposure unknown for {unknown} client(s): left out of exposure and over the line, not counted as 0\n"
        ));
    }
    s
}

impl<W: Write> super::DecisionWriter for TableWriter<'_, W> {
    fn write(&mut self, d: &Decision, split: Option<&Split>) -> io::Result<()> {
        let mut row = vec![
            super::printable(&d.id).into_owned(),
            super::printable(d.name.as_deref().unwrap_or_default()).into_owned(),
            d.grade.to_string(),
            if d.base_grade == d.grade {
                String::new()
            } else {
                d.base_grade.to_string()
            },
            outlook_cell(d.notch_change()),
            decision_score_text(d.score),
            money_grouped(d.limit),
            if d.exposure_known {
                money_grouped(d.exposure)
            } else {
                "unknown".into()
            },
            if d.exposure_known {
                money_grouped(d.available)
            } else {
                "unknown".into()
            },
            d.payment_days.to_string(),
            d.actions
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            d.next_review.to_string(),
        ];
        if let Some(sp) = split {
            row.push(sp.side.to_string());
        }
        self.table.add_row(row);
        self.count += 1;
        self.granted += d.limit;
        self.held += usize::from(d.has(Action::Hold));
        self.per_grade[d.grade.rank()] += 1;
        Ok(())
    }

    fn write_rendered(
        &mut self,
        d: &Decision,
        split: Option<&Split>,
        _rendered: &[u8],
    ) -> io::Result<()> {
        // The table builds its own rows: it needs every width before it prints.
        self.write(d, split)
    }

    fn groups(&mut self, groups: &GroupLines) -> io::Result<()> {
        self.groups = Some(groups_table(groups, self.currency));
        Ok(())
    }

    fn summary(&mut self, summary: &Summary) -> io::Result<()> {
        self.summary = Some(summary.clone());
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.count == 0 {
            // No table of nobody, and no "0 clients ()": say why nothing was decided.
            let rejected = self.summary.as_ref().map_or(0, |s| s.rejected);
            if rejected > 0 {
                writeln!(
                    self.out,
                    "every row was rejected: nothing decided ({rejected} row(s) rejected)"
                )?;
            } else {
                writeln!(self.out, "the input holds no client: nothing decided")?;
            }
            writeln!(
                self.out,
                "policy {} {} ({})",
                self.identity.name, self.identity.version, self.identity.hash
            )?;
            return self.out.flush();
        }
        writeln!(self.out, "{}", self.table)?;
        let mix: Vec<String> = Grade::ALL
            .iter()
            .zip(self.per_grade)
            .filter(|(_, n)| *n > 0)
            .map(|(g, n)| format!("{g} {n}"))
            .collect();
        writeln!(
            self.out,
            "{} clients ({}); credit granted {} {}; {} on hold",
            self.count,
            mix.join(", "),
            money_grouped(self.granted),
            self.currency,
            self.held
        )?;
        if let Some(s) = &self.summary {
            // `--by` values come from the input: no control code reaches the terminal.
            write!(
                self.out,
                "{}",
                super::printable(&totals_tables(&s.totals, self.currency))
            )?;
        }
        if let Some(groups) = &self.groups {
            write!(self.out, "{}", super::printable(groups))?;
        }
        if let Some(s) = &self.summary {
            writeln!(self.out, "\n{}", s.health)?;
        }
        writeln!(
            self.out,
            "policy {} {} ({})",
            self.identity.name, self.identity.version, self.identity.hash
        )?;
        self.out.flush()
    }
}
