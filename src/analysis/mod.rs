//! Every statistic over replication results: the summary's estimates, intervals and
//! guarantees, paired comparisons, sweeps, tornado charts, the search behind `plan`, the
//! calibration checks, and the capacity analysis behind `explain`. Nothing here reads or
//! writes a file: [`crate::report`] renders and writes what this layer computes, and studies
//! that need variants of a scenario get them from a [`Loader`] the caller provides.
//!
//! Every run of a study uses the same master seed, so replication `r` of every scenario
//! draws the same random numbers wherever the scenarios agree (component streams are keyed
//! by name). Differences between runs are then due to the change, not to luck.

pub mod best;
pub mod calibrate;
pub mod capacity;
pub mod compare;
pub mod contract;
pub mod controls;
mod estimates;
pub mod inputs;
pub mod plan;
pub mod replan;
pub mod summary;
pub mod sweep;
pub mod tornado;

use serde::{Deserialize, Serialize};

use crate::engine::Time;
use crate::experiment::batch::{Job, map_jobs};
use crate::experiment::{Plan, Row, RunError, RunOutput, Runner, by_deadline, indices};
use crate::model::World;
use crate::model::units::DAY;
use crate::scenario::{LoadError, Override, Scenario};
use crate::stats::quantile::Censored;

/// Confidence level of every reported interval.
pub const LEVEL: f64 = 0.95;

/// Builds the study's scenario with extra `--set` overrides (the caller decides where the
/// scenario comes from: a file for the command line, a text in tests). `Sync`, so that a study
/// can compile its variants in parallel.
pub type Loader<'a> = &'a (dyn Fn(&[Override]) -> Result<Scenario, LoadError> + Sync);

/// Why a study stopped.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// A scenario (with its overrides) is invalid.
    #[error("{0}")]
    Scenario(#[from] LoadError),
    /// A run failed.
    #[error("{0}")]
    Run(#[from] RunError),
    /// The study itself is ill-posed.
    #[error("{0}")]
    Usage(String),
}

/// Runs `world` on to `n` replications, keeping `f` of each replication's row in `out`, whose
/// length is the number already run (replication `r` is the same whatever the batch). Only the
/// outcomes: the run's totals, which the studies' extra replications never read, are not
/// folded. With `until`, each replication ends then ([`Runner::until`]): `f` must read only
/// what is settled by that time.
pub(crate) fn outcomes_to<T: Send>(
    world: &World,
    plan: &Plan,
    until: Option<Time>,
    out: &mut Vec<T>,
    n: u64,
    f: impl Fn(&Row) -> T + Sync,
) -> Result<(), RunError> {
    outcomes_batch(plan, &mut [Onward { world, until, out, n }], |_, r| f(r))
}

/// One world's share of a batch: run on to `n` replications, `f` of each kept in `out`
/// (as [`outcomes_to`] does).
pub(crate) struct Onward<'a, T> {
    pub(crate) world: &'a World,
    pub(crate) until: Option<Time>,
    pub(crate) out: &'a mut Vec<T>,
    pub(crate) n: u64,
}

/// [`outcomes_to`] for several worlds at once, as one parallel batch: the cores stay busy to
/// the end of the batch, not to the end of each world's share. `f` gets the world too.
pub(crate) fn outcomes_batch<T: Send>(
    plan: &Plan,
    parts: &mut [Onward<'_, T>],
    f: impl Fn(&World, &Row) -> T + Sync,
) -> Result<(), RunError> {
    let mut jobs = Vec::new();
    for (k, p) in parts.iter().enumerate() {
        jobs.extend((p.out.len() as u64..p.n).map(|index| (k, Job { world: p.world, index, until: p.until })));
    }
    if jobs.is_empty() {
        return Ok(());
    }
    let (owners, jobs): (Vec<usize>, Vec<Job<'_>>) = jobs.into_iter().unzip();
    let results = map_jobs(&jobs, plan.seed, plan.threads, |k, r| f(jobs[k].world, &Row::of(r)))?;
    // Jobs were listed part by part, in ascending index: each part's results come in order.
    for (owner, t) in owners.into_iter().zip(results) {
        parts[owner].out.push(t);
    }
    Ok(())
}

/// Runs `plan.replications` replications of `world` (with no trace).
pub(crate) fn run_world(world: &World, plan: &Plan) -> Result<RunOutput, RunError> {
    Runner::for_plan(world, plan)?.run(indices(plan.replications, None), &mut |_| {})
}

/// A delivery point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Point {
    /// The final destinations.
    Destination,
    /// The handover (Incoterm) point.
    Handover,
}

impl Point {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Point::Destination => "destination",
            Point::Handover => "handover",
        }
    }

    /// Completion days of a row at this point.
    pub fn days(self, r: &Row) -> Option<f64> {
        match self {
            Point::Destination => r.completion_days,
            Point::Handover => r.handover_completion_days,
        }
    }

    /// Tonnes by the deadline of a row at this point.
    pub fn tonnes(self, r: &Row) -> f64 {
        match self {
            Point::Destination => r.delivered_by_deadline.t(),
            Point::Handover => r.handed_over_by_deadline.t(),
        }
    }
}

/// 1 if the row completed by the deadline at `point`, else 0.
pub fn on_time(world: &World, point: Point, r: &Row) -> f64 {
    if by_deadline(world, point.days(r)) { 1.0 } else { 0.0 }
}

/// What a replication must achieve for a study (`plan --at`): arrive on time at a delivery
/// point, or meet the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Success {
    /// Every tonne at the final destinations by the deadline.
    Destination,
    /// Every tonne at the handover point by the deadline.
    Handover,
    /// The contract's floor (the order less its tolerance) delivered by its last call-off.
    Contract,
    /// Every call-off of the contract met.
    Calloffs,
}

impl Success {
    /// Lower-case name, as `--at` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Success::Destination => "destination",
            Success::Handover => "handover",
            Success::Contract => "contract",
            Success::Calloffs => "calloffs",
        }
    }

    /// What is estimated, for reports: "P(...)".
    pub fn label(self) -> &'static str {
        match self {
            Success::Destination => "on time at destination",
            Success::Handover => "on time at handover",
            Success::Contract => "in full under the contract",
            Success::Calloffs => "every call-off met",
        }
    }

    /// Whether `world` can be judged so (the contract's criteria need a contract).
    pub fn check(self, world: &World) -> Result<(), StudyError> {
        match (self, &world.contract) {
            (Success::Contract | Success::Calloffs, None) => Err(StudyError::Usage(format!(
                "--at {}: scenario `{}` has no [contract] to judge it by (docs/contract.md)",
                self.as_str(),
                world.name
            ))),
            _ => Ok(()),
        }
    }

    /// When the outcome of a replication is settled: a replication ended then (see
    /// [`Runner::until`]) succeeds exactly when the whole one does. `None`: only at its end.
    pub fn decided_by(self, world: &World) -> Option<Time> {
        match self {
            Success::Destination | Success::Handover => Some(world.deadline),
            Success::Contract | Success::Calloffs => None,
        }
    }

    /// Whether replication `r` of `world` succeeded (false for a contract criterion on a world
    /// without one: [`Success::check`] refuses that first).
    pub fn met(self, world: &World, r: &Row) -> bool {
        match self {
            Success::Destination => on_time(world, Point::Destination, r) == 1.0,
            Success::Handover => on_time(world, Point::Handover, r) == 1.0,
            Success::Contract => in_full(world, r),
            Success::Calloffs => all_calloffs(world, r),
        }
    }
}

/// The contract's floor delivered by its last call-off's due time.
pub fn in_full(world: &World, r: &Row) -> bool {
    let Some(due) = world.contract.as_ref().and_then(|c| c.calloffs.last()).map(|c| c.due.value() / DAY) else {
        return false;
    };
    r.contract.and_then(|k| k.completion_days).is_some_and(|d| d <= due)
}

/// Every call-off of the contract met.
pub fn all_calloffs(world: &World, r: &Row) -> bool {
    let n = world.contract.as_ref().map_or(0, |c| c.calloffs.len());
    n > 0 && r.contract.is_some_and(|k| k.calloffs_met as usize == n)
}

/// Completion days at `point`, replication by replication.
pub fn days(point: Point, rows: &[Row]) -> Vec<Censored> {
    rows.iter().map(|r| point.days(r)).collect()
}
