//! The study commands' options: `compare`, `sweep` and `plan`.

use std::path::PathBuf;

use clap::Args;

use super::{SetArgs, ThreadArgs};
use crate::analysis::Success;
use crate::analysis::best::Criterion;
use crate::scenario::params::{Values, parse_values};

/// Options shared by the study commands.
#[derive(Args, Clone, Debug)]
pub(crate) struct StudyArgs {
    /// Replications per run (for `plan`: to start with).
    #[arg(short = 'n', long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub(crate) replications: u64,
    /// Master seed shared by every run.
    #[arg(short, long, default_value_t = 1)]
    pub(crate) seed: u64,
    #[command(flatten)]
    pub(crate) threads: ThreadArgs,
    /// Output folder [default: output/<name>-compare|-sweep|-tornado|-plan].
    #[arg(short, long)]
    pub(crate) out: Option<PathBuf>,
    /// Replace results of a different study in the output folder.
    #[arg(long)]
    pub(crate) force: bool,
    /// No progress lines.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// `steelsim compare`.
#[derive(Args, Debug)]
pub(crate) struct CompareArgs {
    /// The base scenario.
    pub(crate) base: PathBuf,
    /// Variants to compare with it.
    #[arg(required = true)]
    pub(crate) variants: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) study: StudyArgs,
    #[command(flatten)]
    pub(crate) set: SetArgs,
    /// Also select the best scenario by this criterion, right with probability at least 95 %
    /// when it beats every other by --indifference or more (the KN procedure, continuing from
    /// the -n replications on the same random numbers; docs/statistics.md).
    #[arg(long, value_enum, value_name = "CRITERION")]
    pub(crate) select: Option<SelectBy>,
    /// With --select: the smallest difference worth telling apart, a probability (default 0.01)
    /// or days for `completion` (default 1).
    #[arg(long, value_name = "D", requires = "select")]
    pub(crate) indifference: Option<f64>,
    /// With --select: most replications per scenario.
    #[arg(long, value_name = "N", default_value_t = 64_000, requires = "select",
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub(crate) max_replications: u64,
    /// Print compare.json to stdout and nothing else.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `steelsim sweep`.
#[derive(Args, Debug)]
pub(crate) struct SweepArgs {
    /// The scenario.
    pub(crate) scenario: PathBuf,
    /// A field and the values to try: PATH=V1,V2,... or PATH=LO..HI:STEP (repeatable; several form a grid).
    #[arg(long = "set", value_name = "PATH=VALUES", value_parser = parse_values)]
    pub(crate) axes: Vec<Values>,
    /// Instead of a sweep: move each key parameter down and up by this percentage and rank the effects.
    #[arg(long, value_name = "PCT")]
    pub(crate) tornado: Option<f64>,
    /// With --tornado: the parameters to move (default: every capacity, service and transit time, pool and rate).
    #[arg(long = "param", value_name = "PATH", requires = "tornado")]
    pub(crate) params: Vec<String>,
    #[command(flatten)]
    pub(crate) study: StudyArgs,
}

/// `steelsim plan`.
#[derive(Args, Debug)]
pub(crate) struct PlanArgs {
    /// The scenario.
    pub(crate) scenario: PathBuf,
    /// Target probability of success (see --at), e.g. 0.95.
    #[arg(long)]
    pub(crate) target: f64,
    /// The field and its candidate values: PATH=LO..HI (every integer), PATH=LO..HI:STEP or
    /// V1,V2,... ascending; dates step by days (order.start=2025-07-01..2025-09-15:7d) and the
    /// answer is then the latest.
    #[arg(long, value_name = "PATH=LO..HI[:STEP]", value_parser = parse_values)]
    pub(crate) vary: Values,
    /// What each replication must achieve: on time at a delivery point, or the contract met.
    #[arg(long, value_enum, default_value_t = At::Destination)]
    pub(crate) at: At,
    /// Most replications per value (the sequential test's last look).
    #[arg(long, value_name = "N", default_value_t = 64_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub(crate) max_replications: u64,
    #[command(flatten)]
    pub(crate) study: StudyArgs,
    #[command(flatten)]
    pub(crate) set: SetArgs,
}

/// What a replication must achieve.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum At {
    /// Every tonne at the final destinations by the deadline.
    Destination,
    /// Every tonne at the handover (Incoterm) point by the deadline.
    Handover,
    /// The contract's floor (the order less its tolerance) delivered by its last call-off.
    Contract,
    /// Every call-off of the contract met.
    Calloffs,
}

impl From<At> for Success {
    fn from(at: At) -> Success {
        match at {
            At::Destination => Success::Destination,
            At::Handover => Success::Handover,
            At::Contract => Success::Contract,
            At::Calloffs => Success::Calloffs,
        }
    }
}

/// What `compare --select` calls best.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum SelectBy {
    /// The highest P(every tonne at the final destinations by the deadline).
    Destination,
    /// The highest P(every tonne at the handover point by the deadline).
    Handover,
    /// The highest P(the contract's floor delivered by its last call-off).
    Contract,
    /// The highest P(every call-off met).
    Calloffs,
    /// The earliest mean completion at the destinations.
    Completion,
}

impl From<SelectBy> for Criterion {
    fn from(s: SelectBy) -> Criterion {
        match s {
            SelectBy::Destination => Criterion::Success(Success::Destination),
            SelectBy::Handover => Criterion::Success(Success::Handover),
            SelectBy::Contract => Criterion::Success(Success::Contract),
            SelectBy::Calloffs => Criterion::Success(Success::Calloffs),
            SelectBy::Completion => Criterion::Completion,
        }
    }
}
