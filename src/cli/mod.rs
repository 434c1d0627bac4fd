//! The `steelsim` command line: options declared once (`args.rs`), one function per command
//! (`run.rs`, `study.rs`, `tools.rs`), and the one place where a failure becomes an exit code
//! (`error.rs`). `main.rs` only calls [`main`].
//!
//! Exit codes: 0 ok, 1 simulation failure, 2 bad input, 3 calibration outside its bands,
//! 130 interrupted.

mod args;
mod error;
mod run;
mod serve;
mod study;
mod tools;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
pub(crate) use error::CliError;

pub use tools::STARTER;

/// Parses the command line, runs the command, and returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal();
    if let Err(e) = crate::experiment::interrupt::install_handler() {
        // Not fatal: without it Ctrl-C still stops the process and leaves earlier results
        // intact, only less tidily.
        stderrln!("warning: cannot catch Ctrl-C: {e}");
    }
    let result = match cli.command {
        Command::Run(a) => run::run(&a),
        Command::Merge(a) => run::merge(&a),
        Command::Trace(a) => run::trace(&a),
        Command::Serve(a) => serve::serve(serve::ServeOptions {
            scenario: a.scenario,
            bind: a.bind,
            port: a.port,
            max_replications: a.max_replications,
            threads: a.threads.get(),
            open: a.open,
        }),
        Command::Compare(a) => study::compare(&a),
        Command::Sweep(a) => study::sweep(a),
        Command::Plan(a) => study::plan(&a),
        Command::Plot { dir } => tools::plot(&dir),
        Command::Explain { scenario, set, results } => tools::explain(&scenario, &set.overrides, results.as_deref()),
        Command::Calibrate(a) => tools::calibrate(&a),
        Command::Schema { which } => tools::schema(which),
        Command::Init { path, force } => tools::init(&path, force),
        Command::Validate { scenarios, set } => tools::validate(&scenarios, &set.overrides, color),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            stderrln!("{}", e.render(color));
            ExitCode::from(e.exit_code())
        }
    }
}

/// A progress bar on stderr, or nothing when hidden or stderr is not a terminal.
fn progress_bar(total: u64, hidden: bool) -> indicatif::ProgressBar {
    if hidden || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style =
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} replications [{bar:40}] {elapsed} (eta {eta})")
            .map(|s| s.progress_chars("=> "));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

/// Reads a whole file, as bad input if it cannot be read.
fn read(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))
}
