//! Decisions as CSV: one row each, the JSON fields flattened, lists joined with `;`.

use std::io::{self, Write};

use super::Split;
use super::json::DecisionJson;
use crate::engine::Decision;
use crate::policy::{CRITERIA, Identity};

/// One CSV record as bytes, quoted as needed.
fn record<I: IntoIterator<Item = S>, S: AsRef<[u8]>>(fields: I) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(512)
        .from_writer(Vec::with_capacity(512));
    // Writing to a Vec cannot fail.
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

/// The columns of a decision, in order, up to the policy identity: shared by the CSV output
/// and the `decisions` sheet of a workbook.
pub fn decision_columns() -> Vec<String> {
    let mut columns: Vec<String> = ["id", "name", "region", "grade", "base_grade", "score"]
        .map(String::from)
        .to_vec();
    columns.extend(CRITERIA.iter().map(|c| format!("score_{c}")));
    columns.extend(
        [
            "limit",
            "unsecured_line",
            "temporary_line",
            "temporary_line_until",
            "secured_cover",
            "payment_days",
            "exposure",
            "available",
            "actions",
            "next_review",
            "outlook",
            "notch_change",
            "group",
            "group_line",
            "group_exposure",
            "group_over",
            "reason_codes",
            "reasons",
        ]
        .map(String::from),
    );
    columns
}

/// The header row.
pub fn header(split: bool) -> Vec<u8> {
    let mut header = decision_columns();
    header.extend(["policy_name", "policy_version", "policy_hash"].map(String::from));
    if split {
        header.extend(["side", "champion_hash", "challenger_hash"].map(String::from));
    }
    record(header)
}

/// One decision as a CSV row.
pub fn row(d: &Decision, identity: &Identity, split: Option<&Split>) -> Vec<u8> {
    let j = DecisionJson::new(d, identity).with_split(split);
    let mut row: Vec<String> = vec![
        super::csv_safe(j.id).into(),
        super::csv_safe(j.name.unwrap_or("")).into(),
        super::csv_safe(j.region.unwrap_or("")).into(),
        j.grade.into(),
        j.base_grade.into(),
        j.score.to_string(),
    ];
    row.extend(j.scores.in_order().map(|s| s.to_string()));
    row.extend([
        j.limit.to_string(),
        j.unsecured_line.to_string(),
        j.temporary_line
            .as_ref()
            .map_or(String::new(), |t| t.amount.to_string()),
        j.temporary_line
            .as_ref()
            .map_or(String::new(), |t| t.until.to_string()),
        j.secured_cover.to_string(),
        j.payment_days.to_string(),
        j.exposure.map_or(String::new(), |m| m.to_string()),
        j.available.map_or(String::new(), |m| m.to_string()),
        j.actions.join(";"),
        j.next_review.to_string(),
        j.outlook.unwrap_or("").into(),
        j.notch_change.map_or(String::new(), |n| n.to_string()),
        j.group
            .as_ref()
            .map_or(String::new(), |g| super::csv_safe(g.id).into_owned()),
        j.group
            .as_ref()
            .map_or(String::new(), |g| g.line.to_string()),
        j.group
            .as_ref()
            .and_then(|g| g.exposure.as_ref())
            .map_or(String::new(), |m| m.to_string()),
        j.group
            .as_ref()
            .map_or(String::new(), |g| g.over.to_string()),
        j.reasons
            .iter()
            .map(|r| r.code)
            .collect::<Vec<_>>()
            .join(";"),
        // A `;` inside a reason would split it in two; it becomes `,`.
        super::csv_safe(
            &j.reasons
                .iter()
                .map(|r| r.text.replace(';', ","))
                .collect::<Vec<_>>()
                .join(";"),
        )
        .into_owned(),
        super::csv_safe(&j.policy.name).into_owned(),
        super::csv_safe(&j.policy.version).into_owned(),
        j.policy.hash.clone(),
    ]);
    if let Some(sp) = split {
        row.extend([
            sp.side.to_string(),
            sp.champion.hash.clone(),
            sp.challenger.hash.clone(),
        ]);
    }
    record(row)
}

pub struct CsvWriter<'a, W: Write> {
    out: W,
    identity: &'a Identity,
    split: bool,
    header_done: bool,
}

impl<'a, W: Write> CsvWriter<'a, W> {
    pub fn new(out: W, identity: &'a Identity, split: bool) -> Self {
        CsvWriter {
            out,
            identity,
            split,
            header_done: false,
        }
    }

    /// The header row, written once, even when no client is decided.
    fn header(&mut self) -> io::Result<()> {
        if !self.header_done {
            self.out.write_all(&header(self.split))?;
            self.header_done = true;
        }
        Ok(())
    }
}

impl<W: Write> super::DecisionWriter for CsvWriter<'_, W> {
    fn write(&mut self, d: &Decision, split: Option<&Split>) -> io::Result<()> {
        let bytes = row(d, self.identity, split);
        self.write_rendered(d, split, &bytes)
    }

    fn write_rendered(
        &mut self,
        _d: &Decision,
        _split: Option<&Split>,
        rendered: &[u8],
    ) -> io::Result<()> {
        self.header()?;
        self.out.write_all(rendered)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.header()?;
        self.out.flush()
    }
}
