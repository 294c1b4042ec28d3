//! The group pass: the first pass of a run that checks group (parent) lines.
//!
//! A group's line is formed from every member's line, so before any member can be checked the
//! whole input is decided once and added up per group ([`GroupPass`]); the run then decides
//! the input a second time and checks each decision with
//! [`GroupLines::apply`](crate::engine::group::GroupLines::apply). Memory holds one total per
//! group, whatever the number of clients. Standard input cannot be read twice, so it is kept
//! in a temporary file first ([`spool_stdin`]). `replay` forms the group lines of a logged run
//! with the same [`GroupPass`].

use std::collections::HashSet;
use std::io;

use super::{Input, RunError, Setup};
use crate::client::{Client, ClientReader, InputError};
use crate::engine::Decision;
use crate::engine::group::{GroupLines, GroupTotals, Member};
use crate::policy::Policy;
use crate::stream::{self, Item};

/// The input column that ties clients to a group.
pub const GROUP_COLUMN: &str = "group";

/// Copies standard input into a temporary file, so it can be read twice. The file is removed
/// when the handle is dropped, or on a signal; it holds at most `limit` bytes (see
/// [`crate::safety::spool_limit`]): more is an error, and the file is removed.
pub fn spool_stdin(limit: u64) -> io::Result<tempfile::NamedTempFile> {
    use io::Read as _;
    let mut file = tempfile::Builder::new()
        .prefix(".credit-policy-stdin-")
        .suffix(".tmp")
        .tempfile()?;
    crate::safety::register_temp(file.path());
    let copied = io::copy(
        &mut io::stdin().lock().take(limit.saturating_add(1)),
        &mut file,
    )?;
    if copied > limit {
        return Err(io::Error::other(format!(
            "standard input is larger than {limit} bytes; raise the cap with {}=SIZE (e.g. 16G) or give the input as a file",
            crate::safety::SPOOL_LIMIT_VAR
        )));
    }
    Ok(file)
}

/// Whether the input ties any client to a group: a header row with a `group` column (CSV, a
/// sheet), or for JSON, whose rows name their own fields, some row that names a group. Reads
/// no further than it must.
pub fn names_groups(mut reader: ClientReader) -> Result<bool, InputError> {
    let parser = reader.parser();
    if parser.column_names().next().is_some() {
        return Ok(parser.column_names().any(|n| n == GROUP_COLUMN));
    }
    while let Some(raw) = reader.next_raw() {
        if parser
            .raw_text(&raw?, GROUP_COLUMN)
            .is_some_and(|t| !t.is_empty())
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The totals of every group met so far in a first pass: each member as decided, and the rows
/// naming a group that were rejected.
#[derive(Debug, Default)]
pub struct GroupPass {
    totals: GroupTotals,
}

impl GroupPass {
    /// Adds a decided client to its group, when it has one.
    pub fn add(&mut self, client: &Client, d: &Decision) {
        if let Some(g) = &client.group {
            self.totals.add(g, Member::of(client, d));
        }
    }

    /// Adds a decided member of `group`.
    pub fn add_member(&mut self, group: &str, member: Member) {
        self.totals.add(group, member);
    }

    /// Counts a rejected row naming `group`, so a group whose members were all rejected is
    /// still reported, with nothing in it.
    pub fn add_rejected(&mut self, group: &str) {
        self.totals.add_rejected(group);
    }

    /// Every group's line under the policy's `[groups]`; `None` when it has none.
    pub fn lines(self, policy: &Policy) -> Option<GroupLines> {
        let rules = policy.groups.as_ref()?;
        Some(self.totals.lines(rules, policy.line.rounding_unit))
    }
}

/// The first pass over `input`: decides every client as the second pass will (by the
/// champion, or for its share by the challenger) and forms every group's line. Rows rejected
/// here are rejected again in the second pass, which reports them; here they only count
/// towards their group, when their `group` cell can still be read.
///
/// `None` when the policy has no `[groups]` or the input names no group.
pub fn first_pass(
    input: &Input,
    setup: &Setup<'_>,
    threads: usize,
) -> Result<Option<GroupLines>, RunError> {
    if setup.policy.groups.is_none()
        || !names_groups(input.reader(setup)?).map_err(|e| input.error(e))?
    {
        return Ok(None);
    }
    let mut pass = GroupPass::default();
    let mut rejected: HashSet<u64> = HashSet::new();
    let make_worker = || {
        let mut decider = setup.decider().map_err(|e| e.to_string())?;
        Ok(move |c: &Client| {
            let d = decider.decide(c)?;
            Ok(c.group.clone().map(|g| (g, Member::of(c, &d.decision))))
        })
    };
    stream::run(
        input.reader(setup)?,
        threads,
        make_worker,
        |item| {
            match item {
                Item::Decided(Some((group, member))) => pass.add_member(&group, member),
                Item::Decided(None) => {}
                Item::Rejected(r) => {
                    rejected.insert(r.line);
                }
            }
            Ok(())
        },
        &|_| {},
    )
    .map_err(|e| input.stream_error(e))?;
    if !rejected.is_empty() {
        // The groups the rejected rows name, read from their cells as written.
        let mut reader = input.reader(setup)?;
        let parser = reader.parser();
        while let Some(raw) = reader.next_raw() {
            let raw = raw.map_err(|e| input.error(e))?;
            if rejected.remove(&raw.line())
                && let Some(group) = parser.raw_text(&raw, GROUP_COLUMN)
                && !group.is_empty()
            {
                pass.add_rejected(&group);
            }
            if rejected.is_empty() {
                break;
            }
        }
    }
    Ok(pass.lines(setup.policy))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use rust_decimal::Decimal;

    use super::*;
    use crate::context::Context;

    fn input(ext: &str, text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn open(f: &tempfile::NamedTempFile) -> ClientReader {
        ClientReader::open(&f.path().to_string_lossy()).unwrap()
    }

    #[test]
    fn a_group_column_is_found_in_a_header_or_in_a_row() {
        let with = input(".csv", "id,annual_sales,group\nK1,10,\n");
        let without = input(".csv", "id,annual_sales\nK1,10\n");
        let jsonl = input(
            ".jsonl",
            "{\"id\":\"K1\",\"annual_sales\":10}\n{\"id\":\"K2\",\"annual_sales\":10,\"group\":\"G\"}\n",
        );
        let jsonl_none = input(
            ".jsonl",
            "{\"id\":\"K1\",\"annual_sales\":10,\"group\":null}\n",
        );
        assert!(names_groups(open(&with)).unwrap());
        assert!(!names_groups(open(&without)).unwrap());
        assert!(names_groups(open(&jsonl)).unwrap());
        assert!(!names_groups(open(&jsonl_none)).unwrap());
    }

    #[test]
    fn the_first_pass_adds_up_each_group_and_names_the_groups_of_rejected_rows() {
        let mut policy = Policy::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/policies/standard"
        )))
        .unwrap();
        policy.groups = Some(crate::policy::GroupRules {
            max_percent_of_sales: Decimal::from(15),
            max_amount: None,
            watch_when_member_terminates: true,
            origin: crate::policy::Origin {
                file: "policy.toml".into(),
                line: 1,
            },
        });
        let f = input(
            ".csv",
            "id,annual_sales,receivable_balance,open_orders,group\n\
             K1,1000,100,0,G1\n\
             K2,2000,50,0,G1\n\
             K3,abc,0,0,G2\n\
             K4,500,0,0,\n\
             K1,1000,999,0,G1\n",
        );
        let path = f.path().to_string_lossy().into_owned();
        let setup = Setup::new(&policy, Context::today()).unwrap();
        let input = Input::open(&path, Default::default(), true).unwrap();
        let lines = first_pass(&input, &setup, 2).unwrap().unwrap();
        let g1 = lines.get("G1").unwrap();
        // The duplicate K1 on line 6 is rejected and adds nothing but a count.
        assert_eq!((g1.totals.members, g1.totals.rejected), (2, 1));
        assert_eq!(g1.totals.exposure, Decimal::from(150));
        assert_eq!(g1.totals.annual_sales, Decimal::from(3000));
        let g2 = lines.get("G2").unwrap();
        assert_eq!((g2.totals.members, g2.totals.rejected), (0, 1));
        assert_eq!(g2.line.amount, Decimal::ZERO);
        assert_eq!(lines.len(), 2, "a client without a group is in none");
    }
}
