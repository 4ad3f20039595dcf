//! The `testpress` binary: parse the command line, run it, map errors to exit statuses.

use std::process::ExitCode;

use clap::Parser;

// Rendering makes many short-lived strings and page-sized buffers; mimalloc serves them with
// less time in malloc and in the kernel than glibc's allocator (measured on the 70,000-outcome
// run: see the commit that added it).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = testpress::cli::Cli::parse();
    match testpress::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
