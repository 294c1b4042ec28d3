//! Decisions as an aligned table for a person at a terminal. Column widths count display
//! width, so Chinese names keep the columns straight.

use std::io::{self, Write};

use comfy_table::{CellAlignment, ContentArrangement, LineStyle, Table, TableStyle};
use rust_decimal::Decimal;

use super::Split;
use super::money_grouped;
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

impl<W: Write> super::DecisionWriter for TableWriter<'_, W> {
    fn write(&mut self, d: &Decision, split: Option<&Split>) -> io::Result<()> {
        let mut row = vec![
            d.id.clone(),
            d.name.clone().unwrap_or_default(),
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

    fn finish(&mut self) -> io::Result<()> {
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
        if let Some(groups) = &self.groups {
            write!(self.out, "{groups}")?;
        }
        writeln!(
            self.out,
            "policy {} {} ({})",
            self.identity.name, self.identity.version, self.identity.hash
        )?;
        self.out.flush()
    }
}
