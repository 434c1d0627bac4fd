//! Writers: the JSON summary, tidy CSV tables, the human summary, and the output folder.

pub(crate) mod calibration;
pub(crate) mod chart;
pub(crate) mod explain;
pub(crate) mod figures;
pub(crate) mod html;
pub(crate) mod labels;
pub(crate) mod map;
pub(crate) mod output;
pub(crate) mod rundata;
pub(crate) mod studies;
pub(crate) mod study_figures;
pub(crate) mod study_html;
mod study_text;
pub(crate) mod tables;
pub mod text;
pub(crate) mod timeline;
pub(crate) mod workbook;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::summary::Summary;
use crate::experiment::{RunOutput, Shard};
use crate::model::World;

pub use chart::{HEIGHT, WIDTH};
pub use html::headline;
pub use output::OutputError;
use output::Staging;

/// How a run was made: what `merge` checks and what a reader needs to reproduce it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// steelsim version.
    pub steelsim: String,
    /// Scenario name.
    pub scenario: String,
    /// FNV-1a hash of the scenario's text, to recognise the same scenario.
    pub scenario_hash: String,
    /// Master seed.
    pub seed: u64,
    /// Replications of the whole run.
    pub replications: u64,
    /// This part of a sharded run, if it is one.
    pub shard: Option<ShardInfo>,
    /// The command that reproduces it.
    pub command: String,
    /// What the scenario changes from the base it extends (or, with `--set`, from its file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<Variant>,
    /// Where the time went (absent for merged runs). Kept here rather than in
    /// `summary.json`, which must be byte-identical from run to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance: Option<Performance>,
}

/// A variant: its base and the fields it changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// The base: the scenario it extends (its name), or its own file under `--set`.
    pub base: String,
    /// The fields that differ.
    pub changes: Vec<crate::scenario::changes::Change>,
}

/// Wall-clock timings and throughput of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// Worker threads.
    pub threads: usize,
    /// Reading and compiling the scenario, seconds.
    pub load_s: f64,
    /// Running the replications (including per-replication totals), seconds.
    pub simulate_s: f64,
    /// Estimates, intervals and promises from the totals, seconds.
    pub aggregate_s: f64,
    /// Writing files, figures and the report, seconds (all but this file's final write).
    pub write_s: f64,
    /// Events handled.
    pub events: u64,
    /// Events handled per second of `simulate_s`, over all threads.
    pub events_per_second: f64,
    /// The process's peak resident memory up to writing this file, MB (Linux only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_mb: Option<f64>,
}

/// This process's peak resident memory so far, MB: `VmHWM` of `/proc/self/status`, the high
/// mark of this program's own memory since it started. (`getrusage` and `wait4` would also
/// count the memory of the process that started it, under `posix_spawn`, up to the `exec`.)
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

/// `--shard I/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// This shard, from 0.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl From<Shard> for ShardInfo {
    fn from(s: Shard) -> Self {
        ShardInfo { index: s.index, count: s.count }
    }
}

/// Hash of a scenario's text, as a hex string.
pub fn scenario_hash(source: &str) -> String {
    format!("{:016x}", crate::engine::random::name_hash(source))
}

/// Names of the files of a run folder.
pub mod files {
    /// The summary.
    pub const SUMMARY: &str = "summary.json";
    /// One row per replication.
    pub const REPLICATIONS: &str = "replications.csv";
    /// The per-lot trace.
    pub const SHIPMENTS: &str = "shipments.csv";
    /// What happened to the network in the traced replications.
    pub const EVENTS: &str = "events.csv";
    /// Daily series.
    pub const TIMESERIES: &str = "timeseries.csv";
    /// The scenario as run.
    pub const SCENARIO: &str = "scenario.toml";
    /// How the run was made.
    pub const RUN: &str = "run.json";
    /// Exact totals, for merging shards.
    pub const AGGREGATES: &str = "aggregates.json";
    /// The self-contained HTML report.
    pub const REPORT: &str = "report.html";
    /// The shipment status a run started from.
    pub const START_STATUS: &str = "start_status.csv";
    /// The status of one replication at a date.
    pub const STATUS: &str = "status.csv";
    /// The workbook (`--xlsx`).
    pub const WORKBOOK: &str = "results.xlsx";
}

fn io(path: PathBuf) -> impl FnOnce(String) -> OutputError {
    move |reason| OutputError::Render { path, reason }
}

/// Writes figures as `figures/<name>.svg` and `.png`.
pub(crate) fn write_figures(staging: &Staging, figures: &[chart::Figure]) -> Result<(), OutputError> {
    let dir = staging.path("figures");
    std::fs::create_dir_all(&dir).map_err(|e| OutputError::Io { path: dir.clone(), source: e })?;
    for f in figures {
        staging.write(&format!("figures/{}.svg", f.name), f.svg.as_bytes())?;
        staging.write(&format!("figures/{}.png", f.name), &f.png)?;
    }
    Ok(())
}

/// Pretty JSON with a final newline.
pub fn json_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    let mut v = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    v.push(b'\n');
    Ok(v)
}

/// Everything a run folder is written from.
#[derive(Debug)]
pub struct RunFiles<'a> {
    /// The world that was run.
    pub world: &'a World,
    /// The scenario as run (its text).
    pub source: &'a str,
    /// How the run was made (`performance.write_s` is measured here).
    pub info: &'a RunInfo,
    /// The replications' rows and totals.
    pub out: &'a RunOutput,
    /// The summary of `out`.
    pub summary: &'a Summary,
    /// The trace as CSV, when the run traced a replication.
    pub shipments: Option<&'a [u8]>,
    /// The traced replications' disruptions and breakdowns as CSV.
    pub events: Option<&'a [u8]>,
    /// The shipment status the run started from, as read.
    pub start_status: Option<&'a [u8]>,
    /// The status of one replication at a date (`--status-at`), as CSV.
    pub status: Option<&'a [u8]>,
    /// Also write `results.xlsx`.
    pub xlsx: bool,
}

/// Writes every result file of a run into `dir` (all or nothing); returns the folder and
/// the run information as written to `run.json` (with the time the writing took).
pub fn write_run(dir: &Path, force: bool, run: &RunFiles<'_>) -> Result<(PathBuf, RunInfo), OutputError> {
    let began = std::time::Instant::now();
    let staging = Staging::new(dir, &run.world.name, force)?;
    let at = |name: &str| staging.path(name);
    let summary = json_bytes(run.summary).map_err(io(at(files::SUMMARY)))?;
    staging.write(files::SUMMARY, &summary)?;
    // Streamed: a run's rows may be many more than memory holds.
    staging.write_stream(files::REPLICATIONS, |w| {
        tables::write_replications(run.out.rows.iter(), w)?;
        Ok(())
    })?;
    if let Some(ships) = run.shipments {
        staging.write(files::SHIPMENTS, ships)?;
    }
    if let Some(events) = run.events {
        staging.write(files::EVENTS, events)?;
    }
    if let Some(s) = run.start_status {
        staging.write(files::START_STATUS, s)?;
    }
    if let Some(s) = run.status {
        staging.write(files::STATUS, s)?;
    }
    if run.xlsx {
        let path = at(files::WORKBOOK);
        workbook::write(&path, run.summary, &run.out.rows).map_err(|e| io(path.clone())(e.to_string()))?;
    }
    let series =
        tables::timeseries_csv(run.world, &run.out.agg).map_err(|e| io(at(files::TIMESERIES))(e.to_string()))?;
    staging.write(files::TIMESERIES, &series)?;
    staging.write(files::SCENARIO, run.source.as_bytes())?;
    if run.info.shard.is_none() {
        // Drawn from the files' contents, exactly as `steelsim plot` will redraw them.
        let reps = std::fs::File::open(at(files::REPLICATIONS))
            .map_err(|e| OutputError::Io { path: at(files::REPLICATIONS), source: e })?;
        let data = rundata::RunData::from_parts(
            &summary,
            std::io::BufReader::new(reps),
            &series,
            run.info.clone(),
            run.source,
            run.shipments.map(<[u8]>::to_vec),
        )
        .map_err(io(at(files::SUMMARY)))?;
        let figures = figures::run_figures(&data).map_err(io(at("figures")))?;
        write_figures(&staging, &figures)?;
        staging.write(files::REPORT, html::report(&data, &figures).as_bytes())?;
    } else {
        // Machine-only and large: compact JSON.
        let agg = serde_json::to_vec(&run.out.agg).map_err(|e| io(at(files::AGGREGATES))(e.to_string()))?;
        staging.write(files::AGGREGATES, &agg)?;
    }
    let mut info = run.info.clone();
    if let Some(perf) = &mut info.performance {
        perf.write_s = began.elapsed().as_secs_f64();
        perf.peak_memory_mb = peak_memory_mb();
    }
    staging.write(files::RUN, &json_bytes(&info).map_err(io(at(files::RUN)))?)?;
    Ok((staging.commit()?, info))
}

/// The trace files of a replication, as CSV.
#[derive(Clone, Copy, Debug)]
pub struct TraceFiles<'a> {
    /// `shipments.csv`.
    pub shipments: &'a [u8],
    /// `events.csv`.
    pub events: &'a [u8],
}

/// Writes the trace of replication `replication` of `world` (`steelsim trace`) into `dir`
/// (all or nothing): its `shipments.csv` and `events.csv`, its timeline drawn from them, and
/// the shipment status its run started from, if any.
pub fn write_trace(
    dir: &Path,
    world: &World,
    replication: u64,
    force: bool,
    trace: TraceFiles<'_>,
    start_status: Option<&str>,
) -> Result<PathBuf, OutputError> {
    let staging = Staging::new(dir, &world.name, force)?;
    let shipments = trace.shipments;
    staging.write(files::SHIPMENTS, shipments)?;
    staging.write(files::EVENTS, trace.events)?;
    let deadline_days = crate::model::units::days(world.deadline.value());
    let figure = timeline::timeline(shipments, replication, world.start, deadline_days)
        .map_err(io(staging.path("timeline.svg")))?;
    staging.write("timeline.svg", figure.svg.as_bytes())?;
    staging.write("timeline.png", &figure.png)?;
    if let Some(s) = start_status {
        staging.write(files::START_STATUS, s.as_bytes())?;
    }
    staging.commit()
}

/// Why `steelsim plot` cannot redraw a folder's figures.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The folder holds no results steelsim knows how to draw.
    #[error(
        "{} holds no steelsim results to plot (no summary.json, compare.json, sweep.json or tornado.json)",
        .0.display()
    )]
    NotResults(PathBuf),
    /// A data file is missing, unreadable or malformed, or a figure cannot be drawn from it.
    #[error("{}: {reason}", dir.display())]
    Read {
        /// The folder.
        dir: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The new figures cannot be put in place.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// Redraws every figure (and, for a run, `report.html`) of a results folder from its data
/// files, replacing the previous ones only once all are drawn; returns the figures' names.
pub fn redraw(dir: &Path) -> Result<Vec<String>, PlotError> {
    use studies::files as study;
    let has = |f: &str| dir.join(f).exists();
    let fail = |reason: String| PlotError::Read { dir: dir.to_path_buf(), reason };
    let (figs, page) = if has(files::SUMMARY) && has(files::REPLICATIONS) && has(files::TIMESERIES) && has(files::RUN) {
        let data = rundata::RunData::read(dir).map_err(fail)?;
        let figs = figures::run_figures(&data).map_err(fail)?;
        let page = html::report(&data, &figs);
        (figs, Some(page))
    } else if has(study::COMPARE_JSON) {
        let figs = study_figures::compare_figures(dir).map_err(fail)?;
        let page = study_html::compare(&study_figures::read_json(dir, study::COMPARE_JSON).map_err(fail)?, &figs);
        (figs, Some(page))
    } else if has(study::SWEEP_JSON) {
        let figs = study_figures::sweep_figures(dir).map_err(fail)?;
        let points: Vec<crate::analysis::sweep::SweepPoint> =
            study_figures::read_json(dir, study::SWEEP_JSON).map_err(fail)?;
        let page = study_html::sweep(&points, &figs);
        (figs, Some(page))
    } else if has(study::TORNADO_JSON) {
        let figs = study_figures::tornado_figures(dir).map_err(fail)?;
        let page = study_html::tornado(&study_figures::read_json(dir, study::TORNADO_JSON).map_err(fail)?, &figs);
        (figs, Some(page))
    } else {
        return Err(PlotError::NotResults(dir.to_path_buf()));
    };
    output::replace_figures(dir, &figs, page.as_deref())?;
    Ok(figs.into_iter().map(|f| f.name).collect())
}
