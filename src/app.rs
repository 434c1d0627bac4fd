//! What each command does, for the thin binary in `main.rs` (and for tests, which call the
//! same functions). Errors carry the exit code they map to: 1 for a simulation that could
//! not produce trustworthy results, 2 for bad input.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::experiment::{self, Plan, RunError};
use crate::report::{self, OutputError, Summary};
use crate::scenario::{self, LoadError};

/// Exit code for bad input (scenario, options, output folder).
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for a simulation that failed.
pub const EXIT_SIMULATION: i32 = 1;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The scenario is invalid or unreadable.
    #[error("{0}")]
    Scenario(#[from] LoadError),
    /// The output folder cannot be used.
    #[error("{0}")]
    Output(#[from] OutputError),
    /// The simulation failed.
    #[error("{0}")]
    Run(#[from] RunError),
    /// Some scenarios failed validation: (bad, total).
    #[error("{0} of {1} scenario files {verb}", verb = if *.0 == 1 { "has problems" } else { "have problems" })]
    Invalid(usize, usize),
}

impl AppError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Scenario(_) | AppError::Invalid(..) => EXIT_BAD_INPUT,
            AppError::Output(OutputError::Io { .. }) | AppError::Run(_) => EXIT_SIMULATION,
            AppError::Output(_) => EXIT_BAD_INPUT,
        }
    }

    /// The message, with terminal colours if `color`.
    pub fn render(&self, color: bool) -> String {
        match self {
            AppError::Scenario(e) => e.render(color),
            other => format!("error: {other}"),
        }
    }
}

/// Options of `steelsim run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Replications.
    pub replications: u64,
    /// Master seed.
    pub seed: u64,
    /// Output folder (default `output/<scenario name>`).
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// No progress bar and no human summary.
    pub quiet: bool,
    /// Replace another scenario's results in the output folder.
    pub force: bool,
    /// Print `summary.json` to stdout and nothing else.
    pub json: bool,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunReport {
    /// The summary written to `summary.json`.
    pub summary: Summary,
    /// Where the results are.
    pub out: PathBuf,
    /// Seconds spent simulating.
    pub seconds: f64,
}

/// `steelsim run`.
pub fn run(opts: &RunOptions) -> Result<RunReport, AppError> {
    let sc = scenario::load(&opts.scenario)?;
    let world = &sc.world;
    let out = opts.out.clone().unwrap_or_else(|| Path::new("output").join(&world.name));
    // Refuse a folder we may not write before spending time simulating.
    report::output::check_destination(&out, &world.name, opts.force)?;
    let plan = Plan { replications: opts.replications, seed: opts.seed, threads: opts.threads, trace: Some(0) };
    let bar = progress_bar(opts.replications, opts.quiet || opts.json);
    let output = experiment::run(world, &plan, &mut |done| bar.set_position(done))?;
    bar.finish_and_clear();
    let summary = report::summary::build(world, &plan, &output);
    let dir = report::write_run(&out, world, &plan, &output, &summary, opts.force)?;
    Ok(RunReport { summary, out: dir, seconds: output.elapsed.as_secs_f64() })
}

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

/// `steelsim validate`: checks each file; returns how many were valid, printing each
/// problem to stderr.
pub fn validate(paths: &[PathBuf], color: bool) -> Result<usize, AppError> {
    let mut bad = 0;
    for p in paths {
        match scenario::load(p) {
            Ok(sc) => {
                let w = &sc.world;
                println!(
                    "{}: ok ({} mills, {} stages, {} legs, {} routes, {} lots per replication)",
                    p.display(),
                    w.mills.len(),
                    w.servers.len() + w.dwells.len(),
                    w.legs.len(),
                    w.routes.len(),
                    w.mills.iter().map(|m| m.planned().count()).sum::<usize>()
                );
            }
            Err(e) => {
                bad += 1;
                eprintln!("{}\n", e.render(color));
            }
        }
    }
    if bad > 0 { Err(AppError::Invalid(bad, paths.len())) } else { Ok(paths.len()) }
}
