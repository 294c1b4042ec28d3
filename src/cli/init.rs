//! `credit-policy init`: write a copy of the standard policy to start editing from.

use std::path::PathBuf;

use credit_policy::policy::embedded;

use super::Exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder to create; it must not exist or be empty.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

pub fn run(args: Args) -> Exit {
    match embedded::write_standard(&args.dir) {
        Ok(()) => {
            crate::outln!(
                "wrote the standard policy to `{0}`; edit `{0}/policy.toml`, then run `credit-policy check {0}`",
                args.dir.display()
            );
            Exit::Ok
        }
        Err(e) => {
            super::error(&e);
            Exit::Error
        }
    }
}
