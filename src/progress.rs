//! The progress bar: shown on a terminal, never in CI or when stderr is piped.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar for `len` steps, hidden unless stderr is a terminal and `CI` is unset.
pub fn bar(len: u64, message: &'static str, quiet: bool) -> ProgressBar {
    let visible = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let pb = ProgressBar::with_draw_target(
        Some(len),
        if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template("{msg:>9} [{bar:30}] {pos}/{len} runs") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(message);
    pb
}
