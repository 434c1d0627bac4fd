//! The control-variate block of `summary.json`: P(on time) at both points and the mean
//! completion, corrected by how far each run's disruptions and uncertain figures fell from
//! their expectations (`experiment::controls`, method in `docs/statistics.md`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::LEVEL;
use crate::experiment::controls::estimates;
use crate::experiment::{RunOutput, controls::Estimates};
use crate::model::World;
use crate::stats::control::ControlEstimate;

/// Estimates with control variates (only for a scenario with random disruptions or
/// uncertain figures).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ControlVariates {
    /// The controls: what each replication drew, with its exact expectation.
    pub controls: Vec<ControlMean>,
    /// P(on time) at the destinations (`null`: fewer than 10 x (controls + 1) replications,
    /// fewer than ten on time or ten late, no control that varied, or controls that explain
    /// the outcome entirely).
    pub p_on_time: Option<Controlled>,
    /// P(on time) at the handover point (same conditions).
    pub handover_p_on_time: Option<Controlled>,
    /// Mean completion at the destinations, days (`null` also when a replication is censored).
    pub mean_completion_days: Option<Controlled>,
}

/// A control and its expectation.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ControlMean {
    /// `uncertain:NAME` (the factor drawn) or `disruption:NAME` (hours of its occurrences).
    pub name: String,
    /// Its exact expectation.
    pub expectation: f64,
}

/// One estimate with control variates.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Controlled {
    /// The estimate.
    pub estimate: f64,
    /// Its interval (regression t interval; a probability's is cut to [0, 1]).
    pub ci95: [f64; 2],
    /// The share of the plain estimate's variance the controls removed.
    pub variance_reduction: f64,
    /// Controls used (those that varied and were not a combination of others).
    pub controls_used: usize,
}

fn controlled(e: ControlEstimate, probability: bool) -> Controlled {
    let cut = |x: f64| if probability { x.clamp(0.0, 1.0) } else { x };
    Controlled {
        estimate: cut(e.estimate),
        ci95: [cut(e.interval.0), cut(e.interval.1)],
        variance_reduction: e.variance_reduction(),
        controls_used: e.used,
    }
}

/// The block for a run of `world` (`None`: the scenario offers no control).
pub fn build(world: &World, out: &RunOutput) -> Option<ControlVariates> {
    let Estimates { controls, p_on_time, mean_completion } = estimates(world, &out.rows, LEVEL)?;
    Some(ControlVariates {
        controls: controls.into_iter().map(|c| ControlMean { name: c.name, expectation: c.mean }).collect(),
        p_on_time: p_on_time[0].map(|e| controlled(e, true)),
        handover_p_on_time: p_on_time[1].map(|e| controlled(e, true)),
        mean_completion_days: mean_completion.map(|e| controlled(e, false)),
    })
}
