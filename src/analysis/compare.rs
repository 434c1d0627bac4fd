//! `steelsim compare`: every scenario run on the same replication seeds, and the paired
//! differences of each variant from the base.

use serde::{Deserialize, Serialize};

use super::{LEVEL, Point, all_calloffs, days, in_full};
use crate::experiment::{ContractRow, Row, by_deadline};
use crate::model::World;
use crate::stats::paired::{self, Difference};

/// Layout version of `compare.json`.
pub const COMPARISON_VERSION: u32 = 2;

/// Bootstrap resamples for quantile differences.
const RESAMPLES: usize = 1000;

/// What a compared quantity refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The final destinations.
    Destination,
    /// The handover point.
    Handover,
    /// The whole order (costs and losses).
    Order,
    /// The order judged under its contract (when base and variant both have one).
    Contract,
}

impl Scope {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Destination => "destination",
            Scope::Handover => "handover",
            Scope::Order => "order",
            Scope::Contract => "contract",
        }
    }
}

impl From<Point> for Scope {
    fn from(p: Point) -> Scope {
        match p {
            Point::Destination => Scope::Destination,
            Point::Handover => Scope::Handover,
        }
    }
}

/// One compared quantity.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Metric {
    /// The delivery point, or the order for costs and losses.
    pub point: Scope,
    /// What is compared.
    pub metric: String,
    /// The numbers.
    #[serde(flatten)]
    pub difference: Difference,
}

/// One variant against the base.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VariantComparison {
    /// Variant scenario name.
    pub scenario: String,
    /// Every metric.
    pub metrics: Vec<Metric>,
}

/// The comparison: what `compare.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
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
    /// The base's order start: the completion figure counts its dates from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The base's deadline, days from its start (the end of the deadline's day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_days: Option<f64>,
    /// The best scenario and the evidence, with `--select`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<super::best::Selection>,
}

/// Compares each variant's rows with the base's (same seeds, same replication indices).
pub fn compare(base: (&World, &[Row]), variants: &[(&World, &[Row])], seed: u64) -> Comparison {
    compare_with(base, variants, seed, true)
}

/// As [`compare`], without the differences of promise and sign dates: their intervals are
/// bootstrapped, which costs more than a run of a thousand replications (`steelsim serve`
/// answers a what-if without them).
pub fn compare_means(base: (&World, &[Row]), variants: &[(&World, &[Row])], seed: u64) -> Comparison {
    compare_with(base, variants, seed, false)
}

fn compare_with(base: (&World, &[Row]), variants: &[(&World, &[Row])], seed: u64, dates: bool) -> Comparison {
    let level = LEVEL;
    let (bw, brows) = base;
    let mut out = Vec::new();
    for (vw, vrows) in variants {
        let mut metrics = Vec::new();
        for point in [Point::Destination, Point::Handover] {
            let p = |w: &World, rows: &[Row]| rows.iter().map(|r| by_deadline(w, point.days(r))).collect::<Vec<_>>();
            metrics.push(Metric {
                point: point.into(),
                metric: "p_on_time".into(),
                difference: paired::proportions(&p(bw, brows), &p(vw, vrows), level),
            });
            let (db, dv) = (days(point, brows), days(point, vrows));
            for c in bw.order.confidence.iter().filter(|_| dates) {
                metrics.push(Metric {
                    point: point.into(),
                    metric: format!("promise_days_{:.0}", c * 100.0),
                    difference: paired::quantiles(&db, &dv, *c, level, RESAMPLES),
                });
            }
            let t = |rows: &[Row]| rows.iter().map(|r| point.tonnes(r)).collect::<Vec<_>>();
            metrics.push(Metric {
                point: point.into(),
                metric: "tonnes_by_deadline_mean".into(),
                difference: paired::means(&t(brows), &t(vrows), level),
            });
        }
        if bw.contract.is_some() && vw.contract.is_some() {
            contract_metrics(&mut metrics, (bw, brows), (vw, vrows), dates);
        }
        let per_t = |w: &World, rows: &[Row]| rows.iter().map(|r| r.cost / w.order.tonnes.t()).collect::<Vec<_>>();
        metrics.push(Metric {
            point: Scope::Order,
            metric: "cost_per_tonne".into(),
            difference: paired::means(&per_t(bw, brows), &per_t(vw, vrows), level),
        });
        let pen = |rows: &[Row]| rows.iter().map(|r| r.penalty).collect::<Vec<_>>();
        metrics.push(Metric {
            point: Scope::Order,
            metric: "penalty".into(),
            difference: paired::means(&pen(brows), &pen(vrows), level),
        });
        let lost = |rows: &[Row]| rows.iter().map(|r| r.lost.t()).collect::<Vec<_>>();
        metrics.push(Metric {
            point: Scope::Order,
            metric: "lost_tonnes".into(),
            difference: paired::means(&lost(brows), &lost(vrows), level),
        });
        out.push(VariantComparison { scenario: vw.name.clone(), metrics });
    }
    Comparison {
        schema_version: COMPARISON_VERSION,
        base: bw.name.clone(),
        seed,
        replications: brows.len() as u64,
        interval_level: level,
        variants: out,
        start: Some(bw.start.to_string()),
        deadline_days: Some(crate::model::units::days(bw.deadline.value())),
        selection: None,
    }
}

/// The contract's measures, each judged by its own scenario's contract: in full, every
/// call-off, the date to sign at each confidence, and the damages.
fn contract_metrics(metrics: &mut Vec<Metric>, base: (&World, &[Row]), variant: (&World, &[Row]), dates: bool) {
    let level = LEVEL;
    let mut push = |metric: String, difference| metrics.push(Metric { point: Scope::Contract, metric, difference });
    let share = |judge: fn(&World, &Row) -> bool, (w, rows): (&World, &[Row])| {
        rows.iter().map(|r| judge(w, r)).collect::<Vec<_>>()
    };
    push("p_in_full".into(), paired::proportions(&share(in_full, base), &share(in_full, variant), level));
    push(
        "p_all_calloffs_met".into(),
        paired::proportions(&share(all_calloffs, base), &share(all_calloffs, variant), level),
    );
    let done = |rows: &[Row]| rows.iter().map(|r| r.contract.and_then(|k| k.completion_days)).collect::<Vec<_>>();
    let (db, dv) = (done(base.1), done(variant.1));
    for c in base.0.order.confidence.iter().filter(|_| dates) {
        push(format!("sign_days_{:.0}", c * 100.0), paired::quantiles(&db, &dv, *c, level, RESAMPLES));
    }
    let owed = |rows: &[Row]| rows.iter().map(|r| r.contract.map_or(0.0, |k| k.damages)).collect::<Vec<_>>();
    push("damages_mean".into(), paired::means(&owed(base.1), &owed(variant.1), level));
    // What each party pays, and what carrying the risk costs the seller, per tonne ordered.
    let per_t = |f: fn(&ContractRow) -> f64, (w, rows): (&World, &[Row])| {
        rows.iter().map(|r| r.contract.map_or(0.0, |k| f(&k)) / w.order.tonnes.t()).collect::<Vec<f64>>()
    };
    for (metric, f) in [
        ("seller_cost_per_t", (|k: &ContractRow| k.seller_cost) as fn(&ContractRow) -> f64),
        ("buyer_cost_per_t", |k: &ContractRow| k.buyer_cost),
        ("seller_risk_per_t", |k: &ContractRow| k.premium + k.seller_loss),
    ] {
        push(metric.into(), paired::means(&per_t(f, base), &per_t(f, variant), level));
    }
}
