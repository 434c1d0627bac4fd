//! A run folder read back from its files: everything the figures and the HTML report need.
//!
//! Figures are always drawn from the files of a run folder, never from the in-memory run,
//! so that `steelsim plot DIR` redraws exactly what `steelsim run` drew.

use std::collections::BTreeMap;
use std::path::Path;

use super::{RunInfo, files};
use crate::analysis::summary::Summary;
use crate::experiment::Row;

/// Quantile bands of a daily series.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Band {
    /// Days since the start (end of the day).
    pub day: f64,
    /// Replications the statistics are over (utilisation and queues: those still running).
    pub n: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// 5th percentile.
    pub p05: Option<f64>,
    /// 25th percentile.
    pub p25: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 75th percentile.
    pub p75: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
}

/// The daily series of `timeseries.csv`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Series {
    /// Tonnes delivered to destinations.
    pub delivered: Vec<Band>,
    /// Tonnes handed over.
    pub handed_over: Vec<Band>,
    /// Utilisation by resource.
    pub utilisation: BTreeMap<String, Vec<Band>>,
    /// Queue length by resource.
    pub queue: BTreeMap<String, Vec<Band>>,
}

/// A run folder, read back.
#[derive(Clone, Debug)]
pub(crate) struct RunData {
    /// `summary.json`.
    pub summary: Summary,
    /// `replications.csv`.
    pub rows: Vec<Row>,
    /// `timeseries.csv`.
    pub series: Series,
    /// `run.json`.
    pub info: RunInfo,
    /// `scenario.toml`, if it parses (for the report's key parameters).
    pub scenario: Option<toml::Table>,
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    std::fs::read(dir.join(name)).map_err(|e| format!("cannot read {}: {e}", dir.join(name).display()))
}

/// Parses `timeseries.csv`.
pub(crate) fn read_series(bytes: &[u8]) -> Result<Series, String> {
    let mut series = Series::default();
    let mut r = csv::Reader::from_reader(bytes);
    for (line, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| e.to_string())?;
        let bad = || format!("timeseries.csv row {}: malformed", line + 2);
        let day: f64 = rec.get(0).and_then(|d| d.parse().ok()).ok_or_else(bad)?;
        let (quantity, resource, statistic) =
            (rec.get(2).ok_or_else(bad)?, rec.get(3).ok_or_else(bad)?, rec.get(4).ok_or_else(bad)?);
        let value: Option<f64> = rec.get(5).and_then(|v| v.parse().ok());
        let list = match quantity {
            "delivered_tonnes" => &mut series.delivered,
            "handed_over_tonnes" => &mut series.handed_over,
            "utilisation" => series.utilisation.entry(resource.to_string()).or_default(),
            "queue" => series.queue.entry(resource.to_string()).or_default(),
            _ => continue,
        };
        if list.last().is_none_or(|b| b.day != day) {
            list.push(Band { day, ..Band::default() });
        }
        let band = list.last_mut().expect("just pushed");
        match statistic {
            "n" => band.n = value,
            "mean" => band.mean = value,
            "p05" => band.p05 = value,
            "p25" => band.p25 = value,
            "p50" => band.p50 = value,
            "p75" => band.p75 = value,
            "p95" => band.p95 = value,
            _ => {}
        }
    }
    Ok(series)
}

impl RunData {
    /// Reads a run folder.
    pub(crate) fn read(dir: &Path) -> Result<RunData, String> {
        let info: RunInfo = serde_json::from_slice(&read(dir, files::RUN)?)
            .map_err(|e| format!("{}: {e}", dir.join(files::RUN).display()))?;
        let scenario = std::fs::read_to_string(dir.join(files::SCENARIO)).unwrap_or_default();
        Self::from_bytes(
            &read(dir, files::SUMMARY)?,
            &read(dir, files::REPLICATIONS)?,
            &read(dir, files::TIMESERIES)?,
            info,
            &scenario,
        )
    }

    /// Parses the contents of a run folder's files.
    pub(crate) fn from_bytes(
        summary: &[u8],
        replications: &[u8],
        timeseries: &[u8],
        info: RunInfo,
        scenario: &str,
    ) -> Result<RunData, String> {
        let summary: Summary = serde_json::from_slice(summary).map_err(|e| format!("{}: {e}", files::SUMMARY))?;
        let rows =
            super::tables::read_replications_csv(replications).map_err(|e| format!("{}: {e}", files::REPLICATIONS))?;
        let series = read_series(timeseries)?;
        Ok(RunData { summary, rows, series, info, scenario: toml::from_str(scenario).ok() })
    }
}
