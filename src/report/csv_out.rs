//! Decisions as CSV: one row each, the JSON fields flattened, lists joined with `;`.

use std::io::{self, Write};

use super::json::DecisionJson;
use crate::engine::Decision;
use crate::policy::{CRITERIA, Identity};

pub struct CsvWriter<'a, W: Write> {
    out: csv::Writer<W>,
    identity: &'a Identity,
    header_done: bool,
}

impl<'a, W: Write> CsvWriter<'a, W> {
    pub fn new(out: W, identity: &'a Identity) -> Self {
        CsvWriter {
            out: csv::Writer::from_writer(out),
            identity,
            header_done: false,
        }
    }
}

impl<W: Write> CsvWriter<'_, W> {
    /// The header row, written once, even when no client is decided.
    fn header(&mut self) -> io::Result<()> {
        if self.header_done {
            return Ok(());
        }
        let mut header = vec!["id", "name", "region", "grade", "base_grade", "score"];
        let crit: Vec<String> = CRITERIA.iter().map(|c| format!("score_{c}")).collect();
        header.extend(crit.iter().map(String::as_str));
        header.extend([
            "limit",
            "payment_days",
            "exposure",
            "available",
            "actions",
            "next_review",
            "reason_codes",
            "reasons",
            "policy_name",
            "policy_version",
            "policy_hash",
        ]);
        self.out.write_record(&header)?;
        self.header_done = true;
        Ok(())
    }
}

impl<W: Write> super::DecisionWriter for CsvWriter<'_, W> {
    fn write(&mut self, d: &Decision) -> io::Result<()> {
        self.header()?;
        let j = DecisionJson::new(d, self.identity);
        let mut row: Vec<String> = vec![
            j.id.into(),
            j.name.unwrap_or("").into(),
            j.region.unwrap_or("").into(),
            j.grade.into(),
            j.base_grade.into(),
            j.score.clone(),
        ];
        row.extend(j.scores.in_order().map(str::to_string));
        row.extend([
            j.limit.clone(),
            j.payment_days.to_string(),
            j.exposure.clone(),
            j.available.clone(),
            j.actions.join(";"),
            j.next_review.clone(),
            j.reasons
                .iter()
                .map(|r| r.code)
                .collect::<Vec<_>>()
                .join(";"),
            // A `;` inside a reason would split it in two; it becomes `,`.
            j.reasons
                .iter()
                .map(|r| r.text.replace(';', ","))
                .collect::<Vec<_>>()
                .join(";"),
            self.identity.name.clone(),
            self.identity.version.clone(),
            self.identity.hash.clone(),
        ]);
        self.out.write_record(&row)?;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.header()?;
        self.out.flush()
    }
}
