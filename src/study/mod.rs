//! Studies made of several runs on common random numbers: paired comparisons of scenarios,
//! sweeps of a parameter, tornado charts of many, and the search for the smallest resource
//! that makes a promise safe.
//!
//! Every run of a study uses the same master seed, so replication `r` of every scenario
//! draws the same random numbers wherever the scenarios agree (component streams are keyed
//! by name). Differences between runs are then due to the change, not to luck.

pub mod calibrate;
pub mod compare;
pub mod params;
pub mod plan;
pub mod sweep;

use crate::experiment::{Row, RunError, RunOutput, Runner, indices};
use crate::model::World;
use crate::stats::quantile::Censored;

/// Runs `n` replications of `world` (with no trace).
pub fn run_world(world: &World, seed: u64, n: u64, threads: Option<usize>) -> Result<RunOutput, RunError> {
    Runner::new(world, seed, threads, None)?.run(&indices(n, None), &mut |_| {})
}

/// A delivery point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
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
    let deadline = world.deadline.value() / 24.0;
    if point.days(r).is_some_and(|d| d <= deadline) { 1.0 } else { 0.0 }
}

/// Completion days at `point`, replication by replication.
pub fn days(point: Point, rows: &[Row]) -> Vec<Censored> {
    rows.iter().map(|r| point.days(r)).collect()
}
