//! Why a command failed, and the one place that maps a failure to an exit code.

use crate::analysis::StudyError;
use crate::experiment::RunError;
use crate::report::{OutputError, PlotError};
use crate::scenario::LoadError;

/// Exit code for bad input (scenario, options, output folder).
pub(crate) const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a simulation that failed.
pub(crate) const EXIT_SIMULATION: u8 = 1;
/// Exit code after Ctrl-C (128 + SIGINT, as shells expect).
pub(crate) const EXIT_INTERRUPTED: u8 = 130;
/// Exit code: `steelsim calibrate` found a check outside its band.
pub(crate) const EXIT_CALIBRATION: u8 = 3;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The scenario is invalid or unreadable.
    #[error("{0}")]
    Scenario(#[from] LoadError),
    /// The output folder cannot be used.
    #[error("{0}")]
    Output(#[from] OutputError),
    /// A results folder cannot be redrawn.
    #[error("{0}")]
    Plot(#[from] PlotError),
    /// The simulation failed.
    #[error("{0}")]
    Run(#[from] RunError),
    /// Some scenarios failed validation: (bad, total).
    #[error("{0} of {1} scenario files {verb}", verb = if *.0 == 1 { "has problems" } else { "have problems" })]
    Invalid(usize, usize),
    /// Options or inputs that do not fit together.
    #[error("{0}")]
    Usage(String),
    /// Calibration checks fell outside their bands: (outside, total).
    #[error("{0} of {1} calibration checks are outside their bands")]
    Calibration(usize, usize),
}

impl From<StudyError> for CliError {
    fn from(e: StudyError) -> Self {
        match e {
            StudyError::Scenario(e) => CliError::Scenario(e),
            StudyError::Run(e) => CliError::Run(e),
            StudyError::Usage(m) => CliError::Usage(m),
        }
    }
}

/// An unusable output folder is bad input; a failure while writing into it is not.
fn output_code(e: &OutputError) -> u8 {
    match e {
        OutputError::Interrupted(_) => EXIT_INTERRUPTED,
        OutputError::Io { .. } | OutputError::Render { .. } => EXIT_SIMULATION,
        OutputError::NotOurs(_)
        | OutputError::OtherScenario { .. }
        | OutputError::NotAFolder { .. }
        | OutputError::Unwritable { .. }
        | OutputError::Busy { .. } => EXIT_BAD_INPUT,
    }
}

impl CliError {
    /// The process exit code for this error.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Run(RunError::Interrupted { .. }) => EXIT_INTERRUPTED,
            CliError::Scenario(_) | CliError::Invalid(..) | CliError::Usage(_) => EXIT_BAD_INPUT,
            CliError::Run(_) => EXIT_SIMULATION,
            CliError::Output(e) | CliError::Plot(PlotError::Output(e)) => output_code(e),
            CliError::Plot(_) => EXIT_BAD_INPUT,
            CliError::Calibration(..) => EXIT_CALIBRATION,
        }
    }

    /// The message, with terminal colours if `color`.
    pub(crate) fn render(&self, color: bool) -> String {
        match self {
            CliError::Scenario(e) => e.render(color),
            other => format!("error: {}", crate::scenario::printable(&other.to_string())),
        }
    }
}
