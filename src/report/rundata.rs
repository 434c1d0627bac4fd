//! A run folder read back from its files: everything the figures and the HTML report need.
//!
//! Figures are always drawn from the files of a run folder, never from the in-memory run,
//! so that `steelsim plot DIR` redraws exactly what `steelsim run` drew.

use std::collections::BTreeMap;
use std::path::Path;

use super::chart::ecdf;
use super::{RunInfo, files};
use crate::analysis::summary::Summary;

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
    /// From `replications.csv`: the empirical distribution of the completion day at the
    /// destinations and at the handover, as the points of a curve.
    pub curves: [Vec<(f64, f64)>; 2],
    /// `timeseries.csv`.
    pub series: Series,
    /// `run.json`.
    pub info: RunInfo,
    /// `scenario.toml`, if it parses (for the report's key parameters).
    pub scenario: Option<toml::Table>,
    /// Plain-language names from the scenario.
    pub labels: super::labels::Labels,
    /// `shipments.csv`, when the run traced replications (for the timeline).
    pub shipments: Option<Vec<u8>>,
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

/// Replications up to which a completion curve steps through every replication; beyond,
/// it joins the exact empirical distribution at this many evenly spaced times (a curve of
/// ten million steps would not be seen, only weigh megabytes).
pub(crate) const CURVE_POINTS: usize = 4096;

/// One completion curve, built as the rows are read.
enum Curve {
    /// Every completion day (none: not complete by the horizon).
    Exact(Vec<Option<f64>>),
    /// Counts of completion days in `CURVE_POINTS` bins of `width` days after 0, of those at
    /// or before 0 (a run from a status whose lots were all delivered), and of all.
    Binned { counts: Vec<u64>, width: f64, at_start: u64, n: u64 },
}

impl Curve {
    fn new(replications: u64, horizon_days: f64) -> Curve {
        if replications as usize <= CURVE_POINTS {
            Curve::Exact(Vec::with_capacity(replications as usize))
        } else {
            Curve::Binned {
                counts: vec![0; CURVE_POINTS],
                width: horizon_days.max(1.0).ceil() / CURVE_POINTS as f64,
                at_start: 0,
                n: 0,
            }
        }
    }

    fn add(&mut self, day: Option<f64>) {
        match self {
            Curve::Exact(v) => v.push(day),
            Curve::Binned { counts, width, at_start, n } => {
                *n += 1;
                if day.is_some_and(|d| d <= 0.0) {
                    *at_start += 1;
                } else if let Some(d) = day {
                    // Bin b holds the days in (b w, (b + 1) w]: the count up to a bin's end is
                    // the empirical distribution at that time, exactly.
                    let b = ((d / *width).ceil() as usize).saturating_sub(1).min(CURVE_POINTS - 1);
                    counts[b] += 1;
                }
            }
        }
    }

    fn points(self) -> Vec<(f64, f64)> {
        match self {
            Curve::Exact(v) => ecdf(&v),
            Curve::Binned { counts, width, at_start, n } => {
                let (Some(first), Some(last)) =
                    (counts.iter().position(|&c| c > 0), counts.iter().rposition(|&c| c > 0))
                else {
                    return if at_start > 0 { vec![(0.0, at_start as f64 / n as f64)] } else { Vec::new() };
                };
                // The bins before the first are empty: up to its start, only those at or before 0.
                let mut done = at_start;
                let mut pts = vec![(first as f64 * width, done as f64 / n as f64)];
                for (b, c) in counts.iter().enumerate().take(last + 1).skip(first) {
                    done += c;
                    pts.push(((b + 1) as f64 * width, done as f64 / n as f64));
                }
                pts
            }
        }
    }
}

/// Days from `start` to the end of the day `horizon` (both ISO dates), if both parse.
fn horizon_days(start: &str, horizon: &str) -> Option<f64> {
    let (s, h): (jiff::civil::Date, jiff::civil::Date) = (start.parse().ok()?, horizon.parse().ok()?);
    Some(s.until(h).ok()?.get_days() as f64 + 1.0)
}

impl RunData {
    /// Reads a run folder.
    pub(crate) fn read(dir: &Path) -> Result<RunData, String> {
        let info: RunInfo = serde_json::from_slice(&read(dir, files::RUN)?)
            .map_err(|e| format!("{}: {e}", dir.join(files::RUN).display()))?;
        let scenario = std::fs::read_to_string(dir.join(files::SCENARIO)).unwrap_or_default();
        let path = dir.join(files::REPLICATIONS);
        let replications = std::fs::File::open(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let shipments = match dir.join(files::SHIPMENTS).exists() {
            true => Some(read(dir, files::SHIPMENTS)?),
            false => None,
        };
        Self::from_parts(
            &read(dir, files::SUMMARY)?,
            std::io::BufReader::new(replications),
            &read(dir, files::TIMESERIES)?,
            info,
            &scenario,
            shipments,
        )
    }

    /// Parses the contents of a run folder's files (`replications.csv` read as a stream).
    pub(crate) fn from_parts(
        summary: &[u8],
        replications: impl std::io::Read,
        timeseries: &[u8],
        info: RunInfo,
        scenario: &str,
        shipments: Option<Vec<u8>>,
    ) -> Result<RunData, String> {
        let summary: Summary = serde_json::from_slice(summary).map_err(|e| format!("{}: {e}", files::SUMMARY))?;
        let horizon = horizon_days(&summary.start, &summary.horizon).unwrap_or(summary.deadline_days * 2.0);
        let [mut dest, mut hand] = [0, 1].map(|_| Curve::new(summary.replications, horizon));
        super::tables::read_replications(replications, |r| {
            dest.add(r.completion_days);
            hand.add(r.handover_completion_days);
            Ok(())
        })
        .map_err(|e| format!("{}: {e}", files::REPLICATIONS))?;
        let series = read_series(timeseries)?;
        let scenario: Option<toml::Table> = toml::from_str(scenario).ok();
        let labels = super::labels::Labels::from_scenario(scenario.as_ref());
        Ok(RunData { summary, curves: [dest.points(), hand.points()], series, info, scenario, labels, shipments })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_curve_of_many_replications_is_the_exact_distribution_at_its_points() {
        // 10,000 replications over a 100-day horizon, 4,096 bins of 100/4096 days: replication
        // i completes on day (i % 97) + 0.3, and one in ten never does.
        let days = |i: u64| (!i.is_multiple_of(10)).then_some((i % 97) as f64 + 0.3);
        let mut curve = Curve::new(10_000, 100.0);
        (0..10_000).for_each(|i| curve.add(days(i)));
        let points = curve.points();
        let width = 100.0 / CURVE_POINTS as f64;
        assert!(points.len() > 2 && points.len() <= CURVE_POINTS + 1);
        for &(x, share) in &points {
            let at_or_before = (0..10_000).filter(|&i| days(i).is_some_and(|d| d <= x)).count();
            assert_eq!(share, at_or_before as f64 / 10_000.0, "at {x}");
        }
        // From the last bin before the first completion to the bin of the last one.
        assert!(points[0].0 <= 0.3 && points[0].0 > 0.3 - width && points[0].1 == 0.0);
        assert!(points.last().unwrap().0 >= 96.3 && points.last().unwrap().0 < 96.3 + width);
        assert_eq!(points.last().unwrap().1, 0.9);
    }

    #[test]
    fn a_curve_counts_the_replications_complete_at_the_start() {
        // A run from a status in which some replications had everything delivered already.
        let mut curve = Curve::new(5000, 10.0);
        (0..5000).for_each(|i| curve.add(Some(if i < 1000 { 0.0 } else { 5.0 })));
        let points = curve.points();
        assert!(points.iter().all(|&(x, share)| share == if x < 5.0 { 0.2 } else { 1.0 }), "{points:?}");
        let mut none = Curve::new(5000, 10.0);
        (0..5000).for_each(|_| none.add(Some(0.0)));
        assert_eq!(none.points(), [(0.0, 1.0)]);
    }

    #[test]
    fn a_curve_of_few_replications_steps_through_each() {
        let mut curve = Curve::new(3, 100.0);
        [Some(2.0), None, Some(1.0)].into_iter().for_each(|d| curve.add(d));
        assert_eq!(curve.points(), ecdf(&[Some(2.0), None, Some(1.0)]));
        assert_eq!(horizon_days("2025-09-01", "2025-09-30"), Some(30.0));
    }
}
