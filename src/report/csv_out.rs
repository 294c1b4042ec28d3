//! Decisions as CSV: one row each, the JSON fields flattened, lists joined with `;`.

use std::io::{self, Write};

use super::Split;
use super::json::DecisionJson;
use crate::engine::Decision;
use crate::policy::{CRITERIA, Identity};

pub struct CsvWriter<'a, W: Write> {
    out: csv::Writer<W>,
    identity: &'a Identity,
    split: bool,
    header_done: bool,
}

impl<'a, W: Write> CsvWriter<'a, W> {
    pub fn new(out: W, identity: &'a Identity, split: bool) -> Self {
        CsvWriter {
            out: csv::Writer::from_writer(out),
            identity,
            split,
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
        if self.split {
            header.extend(["side", "champion_hash", "challenger_hash"]);
        }
        self.out.write_record(&header)?;
        self.header_done = true;
        Ok(())
    }
}

impl<W: Write> super::DecisionWriter for CsvWriter<'_, W> {
    fn write(&mut self, d: &Decision, split: Option<&Split>) -> io::Result<()> {
        self.header()?;
        let j = DecisionJson::new(d, self.identity).with_split(split);
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
            j.policy.name.clone(),
            j.policy.version.clone(),
            j.policy.hash.clone(),
        ]);
        if let Some(sp) = split {
            row.extend([
                sp.side.to_string(),
                sp.champion.hash.clone(),
                sp.challenger.hash.clone(),
            ]);
        }
        self.out.write_record(&row)?;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.header()?;
        self.out.flush()
    }
}
