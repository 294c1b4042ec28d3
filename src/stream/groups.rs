//! The first pass of a run that checks group (parent) lines.
//!
//! A group's line is formed from every member's line, so before any member can be checked the
//! whole input is decided once and added up per group ([`group_lines`]); the caller then
//! streams the input a second time and checks each decision with
//! [`GroupLines::apply`](crate::engine::group::GroupLines::apply). Memory holds one total per
//! group, whatever the number of clients. Standard input cannot be read twice, so it is kept
//! in a temporary file first ([`spool_stdin`]).

use std::collections::HashSet;
use std::io;

use super::{Item, StreamError};
use crate::client::{Client, ClientReader, InputError, Reject};
use crate::engine::Decision;
use crate::engine::group::{GroupLines, GroupTotals, Member};
use crate::policy::Policy;

/// The input column that ties clients to a group.
pub const GROUP_COLUMN: &str = "group";

/// Copies standard input into a temporary file, so it can be read twice. The file is removed
/// when the handle is dropped.
pub fn spool_stdin() -> io::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new().prefix("stdin-").tempfile()?;
    io::copy(&mut io::stdin().lock(), &mut file)?;
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

/// The first pass: decides every client of the input with a worker made by `make_decide`
/// (one per thread; it must decide as the second pass will) and forms every group's line
/// under the policy's `[groups]`. Rows rejected here are rejected again in the second pass,
/// which reports them; here they only count towards their group, when their `group` cell can
/// still be read, so a group whose members were all rejected is still reported.
///
/// `None` when the policy has no `[groups]`.
pub fn group_lines<O, M, W>(
    open: O,
    policy: &Policy,
    threads: usize,
    make_decide: M,
) -> Result<Option<GroupLines>, StreamError>
where
    O: Fn() -> Result<ClientReader, InputError>,
    M: Fn() -> Result<W, String> + Sync,
    W: FnMut(&Client) -> Result<Decision, Reject>,
{
    let Some(rules) = &policy.groups else {
        return Ok(None);
    };
    let mut totals = GroupTotals::default();
    let mut rejected: HashSet<u64> = HashSet::new();
    let make_worker = || {
        let mut decide = make_decide()?;
        Ok(move |c: &Client| {
            let d = decide(c)?;
            Ok(c.group.clone().map(|g| (g, Member::of(c, &d))))
        })
    };
    super::run(
        open()?,
        threads,
        make_worker,
        |item| {
            match item {
                Item::Decided(Some((group, member))) => totals.add(&group, member),
                Item::Decided(None) => {}
                Item::Rejected(r) => {
                    rejected.insert(r.line);
                }
            }
            Ok(())
        },
        &|_| {},
    )?;
    if !rejected.is_empty() {
        // The groups the rejected rows name, read from their cells as written.
        let mut reader = open()?;
        let parser = reader.parser();
        while let Some(raw) = reader.next_raw() {
            let raw = raw?;
            if rejected.remove(&raw.line())
                && let Some(group) = parser.raw_text(&raw, GROUP_COLUMN)
                && !group.is_empty()
            {
                totals.add_rejected(&group);
            }
            if rejected.is_empty() {
                break;
            }
        }
    }
    Ok(Some(totals.lines(rules, policy.line.rounding_unit)))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use rust_decimal::Decimal;

    use super::*;
    use crate::context::Context;
    use crate::engine::Evaluator;

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
        let ctx = Context::today();
        let lines = group_lines(
            || ClientReader::open(&path),
            &policy,
            2,
            || {
                let mut ev = Evaluator::new(&policy, &ctx).map_err(|e| e.to_string())?;
                Ok(move |c: &Client| {
                    ev.decide(c).map_err(|e| Reject {
                        line: c.line,
                        id: Some(c.id.clone()),
                        field: String::new(),
                        reason: e.to_string(),
                    })
                })
            },
        )
        .unwrap()
        .unwrap();
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
