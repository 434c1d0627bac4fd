//! `steelsim sweep`: a scenario run at every combination of values of one or more fields,
//! on common random numbers; and tornado charts: each key parameter moved down and up by a
//! percentage, ranked by how much it moves the on-time probability.

use std::path::Path;

use serde::Serialize;

use super::params::{Values, get, key_parameters, scale};
use super::{Point, on_time, run_world};
use crate::experiment::RunError;
use crate::report::Summary;
use crate::report::summary::build;
use crate::scenario::{LoadError, Override, load_with};

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

/// Called before each point of a sweep: (point, points, settings).
pub type SweepProgress<'a> = &'a mut dyn FnMut(usize, usize, &[(String, String)]);

/// One point of a sweep.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    /// The value of each swept path.
    pub settings: Vec<(String, String)>,
    /// The run's summary.
    pub summary: Summary,
}

/// Runs every combination of `axes` (on top of `fixed` overrides), `n` replications each.
pub fn sweep(
    scenario: &Path,
    fixed: &[Override],
    axes: &[Values],
    n: u64,
    seed: u64,
    threads: Option<usize>,
    progress: SweepProgress<'_>,
) -> Result<Vec<SweepPoint>, StudyError> {
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
    if combos.len() > 10_000 {
        return Err(StudyError::Usage(format!("{} points; a sweep may have at most 10,000", combos.len())));
    }
    let mut out = Vec::new();
    for (i, settings) in combos.iter().enumerate() {
        progress(i, combos.len(), settings);
        let mut overrides = fixed.to_vec();
        overrides.extend(settings.iter().map(|(p, v)| Override { path: p.clone(), value: v.clone() }));
        let sc = load_with(scenario, &overrides)?;
        let run = run_world(&sc.world, seed, n, threads)?;
        out.push(SweepPoint { settings: settings.clone(), summary: build(&sc.world, seed, &run) });
    }
    Ok(out)
}

fn cell(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

/// `sweep.csv`: one row per point.
pub fn sweep_csv(points: &[SweepPoint]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let Some(first) = points.first() else { return Ok(Vec::new()) };
    let mut header: Vec<String> = first.settings.iter().map(|(p, _)| p.clone()).collect();
    for h in [
        "replications",
        "p_on_time",
        "p_on_time_low",
        "p_on_time_high",
        "handover_p_on_time",
        "handover_p_on_time_low",
        "handover_p_on_time_high",
        "promise95_days",
        "promise95_days_low",
        "promise95_days_high",
        "handover_promise95_days",
        "tonnes_by_deadline_mean",
        "tonnes_by_deadline_p05",
        "cost_per_tonne",
        "penalty",
    ] {
        header.push(h.to_string());
    }
    w.write_record(&header)?;
    for p in points {
        let s = &p.summary;
        let promise = |d: &crate::report::summary::Delivery| {
            d.promise.iter().find(|x| (x.confidence - 0.95).abs() < 1e-9).cloned()
        };
        let (dp, hp) = (promise(&s.destination), promise(&s.handover.delivery));
        let mut row: Vec<String> = p.settings.iter().map(|(_, v)| v.clone()).collect();
        row.extend([
            s.replications.to_string(),
            format!("{}", s.destination.p_on_time),
            format!("{}", s.destination.p_on_time_ci95[0]),
            format!("{}", s.destination.p_on_time_ci95[1]),
            format!("{}", s.handover.delivery.p_on_time),
            format!("{}", s.handover.delivery.p_on_time_ci95[0]),
            format!("{}", s.handover.delivery.p_on_time_ci95[1]),
            cell(dp.as_ref().and_then(|x| x.days)),
            cell(dp.as_ref().and_then(|x| x.days_ci95[0])),
            cell(dp.as_ref().and_then(|x| x.days_ci95[1])),
            cell(hp.as_ref().and_then(|x| x.days)),
            format!("{}", s.destination.tonnes_by_deadline.mean),
            format!("{}", s.destination.tonnes_by_deadline.p05),
            format!("{}", s.cost.per_tonne),
            format!("{}", s.cost.penalty),
        ]);
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// One parameter of a tornado chart.
#[derive(Clone, Debug, Serialize)]
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

/// A tornado chart.
#[derive(Clone, Debug, Serialize)]
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

fn p_on_time(
    sc: &crate::scenario::Scenario,
    seed: u64,
    n: u64,
    threads: Option<usize>,
) -> Result<[f64; 2], StudyError> {
    let run = run_world(&sc.world, seed, n, threads)?;
    let share =
        |point| run.rows.iter().map(|r| on_time(&sc.world, point, r)).sum::<f64>() / run.rows.len().max(1) as f64;
    Ok([share(Point::Destination), share(Point::Handover)])
}

/// Moves each parameter (by default [`key_parameters`]) down and up by `percent` %.
#[allow(clippy::too_many_arguments)]
pub fn tornado(
    scenario: &Path,
    fixed: &[Override],
    percent: f64,
    parameters: &[String],
    n: u64,
    seed: u64,
    threads: Option<usize>,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<Tornado, StudyError> {
    if !(percent > 0.0 && percent < 100.0) {
        return Err(StudyError::Usage(format!("--tornado {percent}: the percentage must lie between 0 and 100")));
    }
    let base = load_with(scenario, fixed)?;
    let table: toml::Table = toml::from_str(&base.source).map_err(|e| StudyError::Usage(e.to_string()))?;
    let params = if parameters.is_empty() { key_parameters(&table) } else { parameters.to_vec() };
    let base_p = p_on_time(&base, seed, n, threads)?;
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
        let text = |v: &toml::Value| v.to_string();
        let run_at = |v: &toml::Value| -> Result<[f64; 2], StudyError> {
            let mut o = fixed.to_vec();
            o.push(Override { path: param.clone(), value: text(v) });
            p_on_time(&load_with(scenario, &o)?, seed, n, threads)
        };
        let (pl, ph) = (run_at(&low)?, run_at(&high)?);
        bars.push(TornadoBar {
            parameter: param.clone(),
            base_value: text(value),
            low_value: text(&low),
            high_value: text(&high),
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

/// `tornado.csv`: one row per parameter, largest effect first.
pub fn tornado_csv(t: &Tornado) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "parameter",
        "base_value",
        "low_value",
        "high_value",
        "p_on_time_low",
        "p_on_time_high",
        "effect",
        "handover_p_on_time_low",
        "handover_p_on_time_high",
        "handover_effect",
    ])?;
    for b in &t.bars {
        w.write_record([
            b.parameter.clone(),
            b.base_value.clone(),
            b.low_value.clone(),
            b.high_value.clone(),
            format!("{}", b.p_on_time[0]),
            format!("{}", b.p_on_time[1]),
            format!("{}", b.effect),
            format!("{}", b.handover_p_on_time[0]),
            format!("{}", b.handover_p_on_time[1]),
            format!("{}", b.handover_effect),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
