//! `steelsim compare`: every scenario run on the same replication seeds, and the paired
//! differences of each variant from the base.

use serde::Serialize;

use super::{Point, days, on_time};
use crate::experiment::Row;
use crate::model::World;
use crate::stats::paired::{self, Difference};

/// Bootstrap resamples for quantile differences.
const RESAMPLES: usize = 1000;

/// One compared quantity.
#[derive(Clone, Debug, Serialize)]
pub struct Metric {
    /// `destination`, `handover` or `order` (for costs and losses).
    pub point: &'static str,
    /// What is compared.
    pub metric: String,
    /// The numbers.
    #[serde(flatten)]
    pub difference: Difference,
}

/// One variant against the base.
#[derive(Clone, Debug, Serialize)]
pub struct VariantComparison {
    /// Variant scenario name.
    pub scenario: String,
    /// Every metric.
    pub metrics: Vec<Metric>,
}

/// The comparison.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Layout version.
    pub schema_version: u32,
    /// Base scenario name.
    pub base: String,
    /// Master seed shared by every run.
    pub seed: u64,
    /// Replications per scenario.
    pub replications: u64,
    /// Confidence level of the intervals.
    pub interval_level: f64,
    /// Each variant.
    pub variants: Vec<VariantComparison>,
}

/// Compares each variant's rows with the base's (same seeds, same replication indices).
pub fn compare(base: (&World, &[Row]), variants: &[(&World, &[Row])], seed: u64) -> Comparison {
    let level = crate::report::summary::LEVEL;
    let (bw, brows) = base;
    let mut out = Vec::new();
    for (vw, vrows) in variants {
        let mut metrics = Vec::new();
        for point in [Point::Destination, Point::Handover] {
            let p = |w: &World, rows: &[Row]| rows.iter().map(|r| on_time(w, point, r)).collect::<Vec<_>>();
            metrics.push(Metric {
                point: point.as_str(),
                metric: "p_on_time".into(),
                difference: paired::means(&p(bw, brows), &p(vw, vrows), level),
            });
            let (db, dv) = (days(point, brows), days(point, vrows));
            for c in &bw.order.confidence {
                metrics.push(Metric {
                    point: point.as_str(),
                    metric: format!("promise_days_{:.0}", c * 100.0),
                    difference: paired::quantiles(&db, &dv, *c, level, RESAMPLES),
                });
            }
            let t = |rows: &[Row]| rows.iter().map(|r| point.tonnes(r)).collect::<Vec<_>>();
            metrics.push(Metric {
                point: point.as_str(),
                metric: "tonnes_by_deadline_mean".into(),
                difference: paired::means(&t(brows), &t(vrows), level),
            });
        }
        let per_t = |w: &World, rows: &[Row]| rows.iter().map(|r| r.cost / w.order.tonnes.t()).collect::<Vec<_>>();
        metrics.push(Metric {
            point: "order",
            metric: "cost_per_tonne".into(),
            difference: paired::means(&per_t(bw, brows), &per_t(vw, vrows), level),
        });
        let pen = |rows: &[Row]| rows.iter().map(|r| r.penalty).collect::<Vec<_>>();
        metrics.push(Metric {
            point: "order",
            metric: "penalty".into(),
            difference: paired::means(&pen(brows), &pen(vrows), level),
        });
        let lost = |rows: &[Row]| rows.iter().map(|r| r.lost.t()).collect::<Vec<_>>();
        metrics.push(Metric {
            point: "order",
            metric: "lost_tonnes".into(),
            difference: paired::means(&lost(brows), &lost(vrows), level),
        });
        out.push(VariantComparison { scenario: vw.name.clone(), metrics });
    }
    Comparison {
        schema_version: 1,
        base: bw.name.clone(),
        seed,
        replications: brows.len() as u64,
        interval_level: level,
        variants: out,
    }
}

fn cell(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

/// `compare.csv`: one row per variant and metric.
pub fn csv(c: &Comparison) -> Result<Vec<u8>, csv::Error> {
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
                m.point.to_string(),
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
