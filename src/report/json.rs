//! Decisions as JSON: the documented field set, money and scores as decimal strings.

use std::io::{self, Write};

use serde::Serialize;

use super::Split;
use crate::engine::{Day, Decision, Score};
use crate::money::Money;
use crate::policy::Identity;

#[derive(Debug, Serialize)]
pub struct ReasonJson<'a> {
    pub code: &'a str,
    pub text: &'a str,
    /// The action this reason asks for, when it asks for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<&'static str>,
    /// The figures the rule attached, exact, in the order written; absent when none.
    #[serde(skip_serializing_if = "FiguresJson::is_empty")]
    pub figures: FiguresJson<'a>,
}

/// A rule's figures as written out: a JSON object of exact decimal strings, in the order the
/// rule wrote them.
#[derive(Debug)]
pub struct FiguresJson<'a>(pub &'a [(String, rust_decimal::Decimal)]);

impl FiguresJson<'_> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for FiguresJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            m.serialize_entry(name, &crate::money::fmt_plain(*value))?;
        }
        m.end()
    }
}

impl<'a> ReasonJson<'a> {
    /// A reason as every command writes it: code, text, the action it asks for, its figures.
    pub fn of(r: &'a crate::engine::Reason) -> ReasonJson<'a> {
        ReasonJson {
            code: &r.code,
            text: &r.text,
            action: r.action.map(|a| a.as_str()),
            figures: FiguresJson(&r.figures),
        }
    }
}

/// A temporary line counted in the decision's line.
#[derive(Debug, Serialize)]
pub struct TemporaryJson {
    pub amount: Money,
    pub until: Day,
}

/// The five criterion scores, in the order of [`crate::policy::CRITERIA`].
#[derive(Debug, Serialize)]
pub struct ScoresJson {
    pub character: Score,
    pub capacity: Score,
    pub capital: Score,
    pub collateral: Score,
    pub conditions: Score,
}

impl ScoresJson {
    /// The scores in [`crate::policy::CRITERIA`] order.
    pub fn in_order(&self) -> [Score; 5] {
        [
            self.character,
            self.capacity,
            self.capital,
            self.collateral,
            self.conditions,
        ]
    }
}

/// A member's group: the group line, the members' combined exposure, and whether it is over.
#[derive(Debug, Serialize)]
pub struct GroupJson<'a> {
    pub id: &'a str,
    pub line: Money,
    /// `null` when a member's exposure is unknown.
    pub exposure: Option<Money>,
    pub over: bool,
}

/// One decision as it is written out. Field order is fixed, so output is byte-stable.
#[derive(Debug, Serialize)]
pub struct DecisionJson<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub region: Option<&'a str>,
    pub grade: &'static str,
    pub base_grade: &'static str,
    pub score: Score,
    pub scores: ScoresJson,
    pub limit: Money,
    /// The grade's line before security; zero when a rule or a call for collateral took it.
    pub unsecured_line: Money,
    /// A running temporary line counted in `limit`; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_line: Option<TemporaryJson>,
    /// Security counted in `limit` at the policy's percents.
    pub secured_cover: Money,
    pub payment_days: u32,
    /// `null` when unknown (an empty receivable balance or open orders cell).
    pub exposure: Option<Money>,
    /// `null` when the exposure is unknown.
    pub available: Option<Money>,
    pub actions: Vec<&'static str>,
    pub next_review: Day,
    /// `positive`, `stable` or `negative` against the previous grade; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outlook: Option<&'static str>,
    /// Notches moved since the previous grade, `+` for up; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notch_change: Option<i64>,
    /// The client's group against the group line, in a run that checks groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupJson<'a>>,
    pub reasons: Vec<ReasonJson<'a>>,
    /// The policy that decided.
    pub policy: &'a Identity,
    /// In a champion/challenger run: `champion` or `challenger`, and both identities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub champion: Option<&'a Identity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenger: Option<&'a Identity>,
}

impl<'a> DecisionJson<'a> {
    pub fn new(d: &'a Decision, identity: &'a Identity) -> Self {
        let [character, capacity, capital, collateral, conditions] = d.scores.map(Score);
        let scores = ScoresJson {
            character,
            capacity,
            capital,
            collateral,
            conditions,
        };
        DecisionJson {
            id: &d.id,
            name: d.name.as_deref(),
            region: d.region.as_deref(),
            grade: d.grade.as_str(),
            base_grade: d.base_grade.as_str(),
            score: Score(d.score),
            scores,
            limit: Money(d.limit),
            unsecured_line: Money(d.unsecured_line),
            temporary_line: d.temporary_line.map(|t| TemporaryJson {
                amount: Money(t.amount),
                until: Day(t.until),
            }),
            secured_cover: Money(d.secured_cover),
            payment_days: d.payment_days,
            exposure: d.exposure_known.then_some(Money(d.exposure)),
            available: d.exposure_known.then_some(Money(d.available)),
            actions: d.actions.iter().map(|a| a.as_str()).collect(),
            next_review: Day(d.next_review),
            outlook: d.outlook().map(|o| o.as_str()),
            notch_change: d.notch_change(),
            group: d.group.as_ref().map(|g| GroupJson {
                id: &g.id,
                line: Money(g.line),
                exposure: g.exposure_known.then_some(Money(g.exposure)),
                over: g.over,
            }),
            reasons: d.reasons.iter().map(ReasonJson::of).collect(),
            policy: identity,
            side: None,
            champion: None,
            challenger: None,
        }
    }

    /// The decision stamped with the side that decided it, in a champion/challenger run.
    pub fn with_split(mut self, split: Option<&Split<'a>>) -> Self {
        if let Some(s) = split {
            self.policy = s.policy();
            self.side = Some(s.side);
            self.champion = Some(s.champion);
            self.challenger = Some(s.challenger);
        }
        self
    }
}

pub struct JsonWriter<'a, W: Write> {
    out: W,
    identity: &'a Identity,
    lines: bool,
    count: usize,
}

impl<'a, W: Write> JsonWriter<'a, W> {
    pub fn new(out: W, identity: &'a Identity, lines: bool) -> Self {
        JsonWriter {
            out,
            identity,
            lines,
            count: 0,
        }
    }
}

impl<W: Write> super::DecisionWriter for JsonWriter<'_, W> {
    fn write(&mut self, d: &Decision, split: Option<&Split>) -> io::Result<()> {
        let bytes = serde_json::to_vec(&DecisionJson::new(d, self.identity).with_split(split))?;
        self.write_rendered(d, split, &bytes)
    }

    fn write_rendered(
        &mut self,
        _d: &Decision,
        _split: Option<&Split>,
        rendered: &[u8],
    ) -> io::Result<()> {
        if !self.lines {
            self.out
                .write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
        }
        self.out.write_all(rendered)?;
        if self.lines {
            self.out.write_all(b"\n")?;
        }
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.lines {
            self.out
                .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}
