//! The `credit-policy` command: parses arguments and hands each subcommand to `cli/`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
