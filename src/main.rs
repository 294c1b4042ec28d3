//! The `credit-policy` command: parses arguments and hands each subcommand to `cli/`.

mod cli;

/// mimalloc instead of the system allocator: a decision allocates and frees many small values
/// (reasons, script values), often on another thread than the one that made them; glibc's
/// allocator spent about a quarter of a run there (README, "Performance").
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
