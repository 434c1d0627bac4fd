//! `steelsim sweep`: a scenario run at every combination of values of one or more fields, on
//! common random numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::summary::{Summary, build};
use super::{Loader, StudyError, run_world};
use crate::experiment::Plan;
use crate::scenario::Override;
use crate::scenario::params::Values;

/// Most points a sweep may have.
pub const MAX_POINTS: usize = 10_000;

/// Called before each point of a sweep: (point, points, settings).
pub type SweepProgress<'a> = &'a mut dyn FnMut(usize, usize, &[(String, String)]);

/// One point of a sweep: an element of `sweep.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The value of each swept path, in the order of the axes (in the file: an object keyed
    /// by path, in path order).
    #[serde(serialize_with = "settings_out", deserialize_with = "settings_in")]
    pub settings: Vec<(String, String)>,
    /// The run's summary.
    pub summary: Summary,
}

fn settings_out<S: Serializer>(settings: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    settings.iter().map(|(k, v)| (k, v)).collect::<BTreeMap<_, _>>().serialize(s)
}

fn settings_in<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    Ok(BTreeMap::<String, String>::deserialize(d)?.into_iter().collect())
}

/// Every combination of the axes' values, first axis outermost.
fn combinations(axes: &[Values]) -> Vec<Vec<(String, String)>> {
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for axis in axes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                axis.values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((axis.path.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    combos
}

/// Runs every combination of `axes`, `plan.replications` replications each.
pub fn sweep(
    load: Loader<'_>,
    axes: &[Values],
    plan: &Plan,
    progress: SweepProgress<'_>,
) -> Result<Vec<SweepPoint>, StudyError> {
    let combos = combinations(axes);
    if combos.len() > MAX_POINTS {
        return Err(StudyError::Usage(format!("{} points; a sweep may have at most 10,000", combos.len())));
    }
    let mut out = Vec::new();
    for (i, settings) in combos.iter().enumerate() {
        progress(i, combos.len(), settings);
        let overrides: Vec<Override> =
            settings.iter().map(|(p, v)| Override { path: p.clone(), value: v.clone(), option: "--set" }).collect();
        let sc = load(&overrides)?;
        let run = run_world(&sc.world, plan)?;
        out.push(SweepPoint { settings: settings.clone(), summary: build(&sc.world, plan.seed, &run) });
    }
    Ok(out)
}
