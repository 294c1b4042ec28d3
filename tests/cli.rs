//! CLI tests: the real `credit-policy` binary run on the fixture folders of
//! `tests/fixtures/<scenario>/`, always as of 2026-06-30 and with `NO_COLOR=1`.
//!
//! One test binary; the modules live in `tests/cli/`, one per thing the CLI promises.
//! Diagnostics shown to people are text snapshots in `tests/snapshots/`
//! (`INSTA_UPDATE=always cargo test --test cli` to write new ones, then review them).

#[path = "cli/support.rs"]
mod support;

#[path = "cli/actions.rs"]
mod actions;
#[path = "cli/args.rs"]
mod args;
#[path = "cli/audit.rs"]
mod audit;
#[path = "cli/authoring.rs"]
mod authoring;
#[path = "cli/backtest.rs"]
mod backtest;
#[path = "cli/channel.rs"]
mod channel;
#[path = "cli/compare.rs"]
mod compare;
#[path = "cli/context.rs"]
mod context;
#[path = "cli/control.rs"]
mod control;
#[path = "cli/excel.rs"]
mod excel;
#[path = "cli/exit_codes.rs"]
mod exit_codes;
#[path = "cli/formats.rs"]
mod formats;
#[path = "cli/group_hold.rs"]
mod group_hold;
#[path = "cli/groups.rs"]
mod groups;
#[path = "cli/hostile.rs"]
mod hostile;
#[path = "cli/inputs.rs"]
mod inputs;
#[path = "cli/lines.rs"]
mod lines;
#[path = "cli/output.rs"]
mod output;
#[path = "cli/policy.rs"]
mod policy;
#[path = "cli/rows.rs"]
mod rows;
#[path = "cli/safe.rs"]
mod safe;
#[path = "cli/sandbox.rs"]
mod sandbox;
#[path = "cli/slips.rs"]
mod slips;
#[path = "cli/totals.rs"]
mod totals;
