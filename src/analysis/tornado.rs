//! Tornado charts: each key parameter moved down and up by a percentage, ranked by how much
//! it moves the on-time probability (on common random numbers).

use serde::{Deserialize, Serialize};

use super::{Loader, Point, StudyError, on_time, run_world};
use crate::experiment::Plan;
use crate::scenario::params::{get, key_parameters, scale};
use crate::scenario::{Override, Scenario};

/// One parameter of a tornado chart.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TornadoBar {
    /// Path of the parameter.
    pub parameter: String,
    /// Its value in the scenario.
    pub base_value: String,
    /// Lowered by the percentage.
    pub low_value: String,
    /// Raised by the percentage.
    pub high_value: String,
    /// P(on time) at the destination with the low and high value.
    pub p_on_time: [f64; 2],
    /// The same at the handover point.
    pub handover_p_on_time: [f64; 2],
    /// High minus low, at the destination.
    pub effect: f64,
    /// High minus low, at the handover point.
    pub handover_effect: f64,
}

impl TornadoBar {
    /// P(on time) with the low and the high value at `point`.
    pub fn p_on_time_at(&self, point: Point) -> [f64; 2] {
        match point {
            Point::Destination => self.p_on_time,
            Point::Handover => self.handover_p_on_time,
        }
    }
}

/// A tornado chart: what `tornado.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tornado {
    /// The percentage each parameter moved.
    pub percent: f64,
    /// P(on time) of the unchanged scenario: destination, handover.
    pub base_p_on_time: [f64; 2],
    /// Parameters, largest effect (at either point) first.
    pub bars: Vec<TornadoBar>,
    /// Parameters skipped because moving them changes nothing (e.g. a capacity of 1 by 20 %).
    pub skipped: Vec<String>,
}

fn p_on_time(sc: &Scenario, plan: &Plan) -> Result<[f64; 2], StudyError> {
    let run = run_world(&sc.world, plan)?;
    let share =
        |point| run.rows.iter().map(|r| on_time(&sc.world, point, &r)).sum::<f64>() / run.rows.len().max(1) as f64;
    Ok([share(Point::Destination), share(Point::Handover)])
}

/// Moves each parameter (by default the scenario's key parameters: every capacity, service
/// and transit time, pool and rate) down and up by `percent` %.
pub fn tornado(
    load: Loader<'_>,
    percent: f64,
    parameters: &[String],
    plan: &Plan,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<Tornado, StudyError> {
    if !(percent > 0.0 && percent < 100.0) {
        return Err(StudyError::Usage(format!("--tornado {percent}: the percentage must lie between 0 and 100")));
    }
    let base = load(&[])?;
    let table: toml::Table = toml::from_str(&base.source).map_err(|e| StudyError::Usage(e.to_string()))?;
    let params = if parameters.is_empty() { key_parameters(&table) } else { parameters.to_vec() };
    let base_p = p_on_time(&base, plan)?;
    let (mut bars, mut skipped) = (Vec::new(), Vec::new());
    for (i, param) in params.iter().enumerate() {
        progress(i, params.len(), param);
        let value =
            get(&table, param).ok_or_else(|| StudyError::Usage(format!("`{param}` does not exist in the scenario")))?;
        let f = percent / 100.0;
        let (Some(low), Some(high)) = (scale(value, 1.0 - f), scale(value, 1.0 + f)) else {
            return Err(StudyError::Usage(format!(
                "`{param}` is not a number, duration or distribution that can be scaled"
            )));
        };
        if low == *value && high == *value {
            skipped.push(param.clone());
            continue;
        }
        let run_at = |v: &toml::Value| -> Result<[f64; 2], StudyError> {
            p_on_time(&load(&[Override { path: param.clone(), value: v.to_string(), option: "--tornado" }])?, plan)
        };
        let (pl, ph) = (run_at(&low)?, run_at(&high)?);
        bars.push(TornadoBar {
            parameter: param.clone(),
            base_value: value.to_string(),
            low_value: low.to_string(),
            high_value: high.to_string(),
            p_on_time: [pl[0], ph[0]],
            handover_p_on_time: [pl[1], ph[1]],
            effect: ph[0] - pl[0],
            handover_effect: ph[1] - pl[1],
        });
    }
    bars.sort_by(|a, b| {
        let size = |x: &TornadoBar| x.effect.abs().max(x.handover_effect.abs());
        size(b).total_cmp(&size(a)).then(a.parameter.cmp(&b.parameter))
    });
    Ok(Tornado { percent, base_p_on_time: base_p, bars, skipped })
}
