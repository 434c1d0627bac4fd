//! The files of the study commands (`compare`, `sweep`, `sweep --tornado`, `plan`): each
//! written whole into its folder, with its figures, or not at all.

use std::path::{Path, PathBuf};

use super::output::{OutputError, Staging};
use super::{json_bytes, study_figures, study_html, tables, write_figures};
use crate::analysis::compare::Comparison;
use crate::analysis::plan::PlanResult;
use crate::analysis::summary::Delivery;
use crate::analysis::sweep::SweepPoint;
use crate::analysis::tornado::Tornado;
use crate::experiment::Row;

/// File names of the study folders.
pub(crate) mod files {
    /// The comparison.
    pub(crate) const COMPARE_JSON: &str = "compare.json";
    /// The comparison as a table.
    pub(crate) const COMPARE_CSV: &str = "compare.csv";
    /// Every point of a sweep with its summary.
    pub(crate) const SWEEP_JSON: &str = "sweep.json";
    /// The sweep as a table.
    pub(crate) const SWEEP_CSV: &str = "sweep.csv";
    /// The tornado chart's data.
    pub(crate) const TORNADO_JSON: &str = "tornado.json";
    /// The tornado chart as a table.
    pub(crate) const TORNADO_CSV: &str = "tornado.csv";
    /// The plan search.
    pub(crate) const PLAN_JSON: &str = "plan.json";

    /// The replications of one compared scenario.
    pub(crate) fn replications_of(scenario: &str) -> String {
        format!("{scenario}.replications.csv")
    }
}

fn cell(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

fn io(path: &Path) -> impl Fn(String) -> OutputError + '_ {
    move |reason| OutputError::Render { path: path.to_path_buf(), reason }
}

/// Writes a comparison (with each scenario's replications and the figures) into `dir`.
pub(crate) fn write_compare(
    dir: &Path,
    marker: &str,
    force: bool,
    c: &Comparison,
    runs: &[(&str, &[Row])],
) -> Result<PathBuf, OutputError> {
    let staging = Staging::new(dir, marker, force)?;
    let err = io(dir);
    staging.write(files::COMPARE_JSON, &json_bytes(c).map_err(&err)?)?;
    staging.write(files::COMPARE_CSV, &compare_csv(c).map_err(|e| err(e.to_string()))?)?;
    for (name, rows) in runs {
        let rows = tables::replications_csv(rows).map_err(|e| err(e.to_string()))?;
        staging.write(&files::replications_of(name), &rows)?;
    }
    let figures = study_figures::compare_figures(&staging.path("")).map_err(&err)?;
    write_figures(&staging, &figures)?;
    staging.write(super::files::REPORT, study_html::compare(c, &figures).as_bytes())?;
    staging.commit()
}

/// Writes a sweep (table, every point's summary, and its figure) into `dir`.
pub(crate) fn write_sweep(
    dir: &Path,
    marker: &str,
    force: bool,
    points: &[SweepPoint],
) -> Result<PathBuf, OutputError> {
    let staging = Staging::new(dir, marker, force)?;
    let err = io(dir);
    staging.write(files::SWEEP_CSV, &sweep_csv(points).map_err(|e| err(e.to_string()))?)?;
    // Through a JSON value, whose objects keep their keys sorted: the layout sweep.json has
    // always had (the summaries inside it sort their fields, unlike summary.json).
    let value = serde_json::to_value(points).map_err(|e| err(e.to_string()))?;
    staging.write(files::SWEEP_JSON, &json_bytes(&value).map_err(&err)?)?;
    let figures = study_figures::sweep_figures(&staging.path("")).map_err(&err)?;
    write_figures(&staging, &figures)?;
    staging.write(super::files::REPORT, study_html::sweep(points, &figures).as_bytes())?;
    staging.commit()
}

/// Writes a tornado chart's data and figures into `dir`.
pub(crate) fn write_tornado(dir: &Path, marker: &str, force: bool, t: &Tornado) -> Result<PathBuf, OutputError> {
    let staging = Staging::new(dir, marker, force)?;
    let err = io(dir);
    staging.write(files::TORNADO_CSV, &tornado_csv(t).map_err(|e| err(e.to_string()))?)?;
    staging.write(files::TORNADO_JSON, &json_bytes(t).map_err(&err)?)?;
    let figures = study_figures::tornado_figures(&staging.path("")).map_err(&err)?;
    write_figures(&staging, &figures)?;
    staging.write(super::files::REPORT, study_html::tornado(t, &figures).as_bytes())?;
    staging.commit()
}

/// Writes a plan search into `dir`.
pub(crate) fn write_plan(dir: &Path, marker: &str, force: bool, p: &PlanResult) -> Result<PathBuf, OutputError> {
    let staging = Staging::new(dir, marker, force)?;
    staging.write(files::PLAN_JSON, &json_bytes(p).map_err(io(dir))?)?;
    staging.write(super::files::REPORT, study_html::plan(p).as_bytes())?;
    staging.commit()
}

/// `compare.csv`: one row per variant and metric.
pub(crate) fn compare_csv(c: &Comparison) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "variant",
        "point",
        "metric",
        "base",
        "variant_value",
        "difference",
        "ci_low",
        "ci_high",
        "unpaired_ci_low",
        "unpaired_ci_high",
        "variance_reduction",
    ])?;
    for v in &c.variants {
        for m in &v.metrics {
            let d = &m.difference;
            w.write_record([
                v.scenario.clone(),
                m.point.as_str().to_string(),
                m.metric.clone(),
                cell(d.base),
                cell(d.variant),
                cell(d.difference),
                cell(d.ci95[0]),
                cell(d.ci95[1]),
                cell(d.unpaired_ci95[0]),
                cell(d.unpaired_ci95[1]),
                cell(d.variance_reduction),
            ])?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// `sweep.csv`: one row per point.
pub(crate) fn sweep_csv(points: &[SweepPoint]) -> Result<Vec<u8>, csv::Error> {
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
        "p_in_full",
        "p_in_full_low",
        "p_in_full_high",
        "p_all_calloffs_met",
        "p_all_calloffs_met_low",
        "p_all_calloffs_met_high",
        "sign95_days",
        "damages_mean",
    ] {
        header.push(h.to_string());
    }
    w.write_record(&header)?;
    for p in points {
        let s = &p.summary;
        let promise = |d: &Delivery| d.promise.iter().find(|x| (x.confidence - 0.95).abs() < 1e-9).cloned();
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
        // The contract's measures, empty without a contract.
        let c = s.contract.as_ref();
        let sign = c.and_then(|c| c.guarantees.iter().find(|g| (g.confidence - 0.95).abs() < 1e-9));
        row.extend([
            cell(c.map(|c| c.p_in_full)),
            cell(c.map(|c| c.p_in_full_ci95[0])),
            cell(c.map(|c| c.p_in_full_ci95[1])),
            cell(c.map(|c| c.p_all_calloffs_met)),
            cell(c.map(|c| c.p_all_calloffs_met_ci95[0])),
            cell(c.map(|c| c.p_all_calloffs_met_ci95[1])),
            cell(sign.and_then(|g| g.days)),
            cell(c.and_then(|c| c.damages.as_ref()).map(|d| d.mean)),
        ]);
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// `tornado.csv`: one row per parameter, largest effect first.
pub(crate) fn tornado_csv(t: &Tornado) -> Result<Vec<u8>, csv::Error> {
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
        "replications",
        "effect_ci_low",
        "effect_ci_high",
        "handover_effect_ci_low",
        "handover_effect_ci_high",
        "screened",
        "precise",
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
            b.replications.to_string(),
            format!("{}", b.effect_ci95[0]),
            format!("{}", b.effect_ci95[1]),
            format!("{}", b.handover_effect_ci95[0]),
            format!("{}", b.handover_effect_ci95[1]),
            b.screened.to_string(),
            b.precise.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
