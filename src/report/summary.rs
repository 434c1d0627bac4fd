//! `summary.json`: the machine-readable answer, and the contract harnesses rely on.
//!
//! Every field here is a deterministic function of the scenario, the seed and the number
//! of replications: no timings, no paths that vary between machines. Two runs with the
//! same inputs write the same bytes whatever the thread count.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::experiment::{Plan, Row, RunOutput};
use crate::model::World;
use crate::model::replication::Location;
use crate::stats::proportion::wilson;
use crate::stats::quantile::{Censored, quantile, quantile_censored, sort_censored};

/// Version of this layout; bumped when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;
/// Confidence level of the reported intervals.
pub const INTERVAL_LEVEL: f64 = 0.95;

/// The whole summary.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Layout version.
    pub schema_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u64,
    /// Tonnes ordered.
    pub order_tonnes: f64,
    /// First day (time zero is 00:00 of it).
    pub start: String,
    /// Last on-time day.
    pub deadline: String,
    /// End of the deadline day, in days since the start.
    pub deadline_days: f64,
    /// Last simulated day.
    pub horizon: String,
    /// Results at the final destinations.
    #[serde(flatten)]
    pub destination: Delivery,
    /// Results at the handover (Incoterm) point.
    pub handover: Handover,
    /// Tonnes lost or damaged per replication (all produced again and re-shipped).
    pub lost_tonnes: Lost,
    /// Per stage: waits, service times and utilisation.
    pub stages: Vec<StageSummary>,
    /// The resource that binds: the highest mean utilisation among servers, pools, yards.
    pub bottleneck: Option<Bottleneck>,
    /// Events handled in all replications.
    pub events: u64,
    /// Replications that did not deliver everything by the horizon, and where it was stuck.
    pub incomplete: Incomplete,
    /// Things a reader should know before trusting the numbers.
    pub warnings: Vec<String>,
}

/// Delivery results at one delivery point.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    /// Share of replications delivering every tonne by the deadline.
    pub p_on_time: f64,
    /// Its Wilson 95 % interval.
    pub p_on_time_ci95: [f64; 2],
    /// Days from the start until the last tonne arrived.
    pub completion_days: Completion,
    /// The date that can be promised at each confidence.
    pub promise: Vec<Promise>,
    /// Tonnes arrived by the deadline.
    pub tonnes_by_deadline: TonnesByDeadline,
}

/// Handover results, with the points they refer to.
#[derive(Clone, Debug, Serialize)]
pub struct Handover {
    /// Handover nodes.
    pub points: Vec<String>,
    /// The results.
    #[serde(flatten)]
    pub delivery: Delivery,
}

/// Completion time statistics; `null` where the value lies beyond the horizon.
#[derive(Clone, Debug, Serialize)]
pub struct Completion {
    /// Mean (`null` if any replication is censored).
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Replications not complete by the horizon.
    pub censored_replications: u64,
}

/// A promise: with this confidence, everything arrives within `days` (on `date`).
#[derive(Clone, Debug, Serialize)]
pub struct Promise {
    /// Confidence level.
    pub confidence: f64,
    /// Days from the start (`null` if beyond the horizon).
    pub days: Option<f64>,
    /// Calendar date (`null` if beyond the horizon).
    pub date: Option<String>,
}

/// Tonnes by the deadline.
#[derive(Clone, Debug, Serialize)]
pub struct TonnesByDeadline {
    /// Mean.
    pub mean: f64,
    /// Exceeded in 95 % of replications.
    pub p05: f64,
    /// Median.
    pub p50: f64,
}

/// Lost or damaged tonnes per replication.
#[derive(Clone, Debug, Serialize)]
pub struct Lost {
    /// Mean.
    pub mean: f64,
    /// Largest.
    pub max: f64,
}

/// One stage's statistics over all replications.
#[derive(Clone, Debug, Serialize)]
pub struct StageSummary {
    /// Stage name.
    pub name: String,
    /// `server`, `dwell`, `leg`, `pool` or `yard`.
    pub kind: &'static str,
    /// Mean lots per replication.
    pub lots: f64,
    /// Mean wait per lot, hours.
    pub mean_wait_hours: f64,
    /// 90th percentile of waits, hours (within 2.3 %).
    pub p90_wait_hours: f64,
    /// Mean service (transit, time in yard) per lot, hours.
    pub mean_service_hours: f64,
    /// 90th percentile of service times, hours (within 2.3 %).
    pub p90_service_hours: f64,
    /// Mean share of capacity in use (servers, pools, yards), up to the end of each
    /// replication.
    pub utilisation: Option<f64>,
}

/// The busiest resource.
#[derive(Clone, Debug, Serialize)]
pub struct Bottleneck {
    /// Stage name.
    pub stage: String,
    /// Its kind.
    pub kind: &'static str,
    /// Its mean utilisation.
    pub utilisation: f64,
    /// Mean wait there, hours.
    pub mean_wait_hours: f64,
}

/// Incomplete replications.
#[derive(Clone, Debug, Serialize)]
pub struct Incomplete {
    /// How many.
    pub replications: u64,
    /// Where undelivered tonnes were, most frequent first.
    pub stuck: Vec<StuckAt>,
}

/// A place where undelivered tonnes were at the horizon.
#[derive(Clone, Debug, Serialize)]
pub struct StuckAt {
    /// Stage name, or `production at MILL`.
    pub location: String,
    /// Replications with tonnes there.
    pub replications: u64,
    /// Mean tonnes there in those replications.
    pub mean_tonnes: f64,
}

/// The calendar date `days` after `start` (the day in which that instant falls).
pub fn date_after(start: Date, days: f64) -> String {
    let whole = days.floor().clamp(0.0, 1e6) as i64;
    start.checked_add(whole.days()).map_or_else(|_| "beyond 9999".into(), |d| d.to_string())
}

fn delivery(
    rows: &[Row],
    world: &World,
    completion: impl Fn(&Row) -> Option<f64>,
    by_deadline: impl Fn(&Row) -> f64,
) -> Delivery {
    let n = rows.len() as u64;
    let deadline = world.deadline.value();
    let on_time = rows.iter().filter(|r| completion(r).is_some_and(|c| c <= deadline)).count() as u64;
    let (lo, hi) = wilson(on_time, n, INTERVAL_LEVEL);
    let mut days: Vec<Censored> = rows.iter().map(|r| completion(r).map(|h| h / 24.0)).collect();
    sort_censored(&mut days);
    let censored = days.iter().filter(|d| d.is_none()).count() as u64;
    let q = |p: f64| quantile_censored(&days, p).flatten();
    let mean = (censored == 0 && n > 0).then(|| days.iter().flatten().sum::<f64>() / n as f64);
    let promise = world
        .order
        .confidence
        .iter()
        .map(|&c| {
            let d = q(c);
            Promise { confidence: c, days: d, date: d.map(|d| date_after(world.start, d)) }
        })
        .collect();
    let mut tonnes: Vec<f64> = rows.iter().map(&by_deadline).collect();
    tonnes.sort_by(f64::total_cmp);
    Delivery {
        p_on_time: if n == 0 { 0.0 } else { on_time as f64 / n as f64 },
        p_on_time_ci95: [lo, hi],
        completion_days: Completion {
            mean,
            p50: q(0.5),
            p90: q(0.9),
            p95: q(0.95),
            p99: q(0.99),
            censored_replications: censored,
        },
        promise,
        tonnes_by_deadline: TonnesByDeadline {
            mean: if n == 0 { 0.0 } else { tonnes.iter().sum::<f64>() / n as f64 },
            p05: quantile(&tonnes, 0.05).unwrap_or(0.0),
            p50: quantile(&tonnes, 0.5).unwrap_or(0.0),
        },
    }
}

/// Name of a place where tonnes can be stuck.
pub fn location_name(world: &World, loc: Location) -> String {
    match loc {
        Location::Production(m) => format!("production at {}", world.mills[m as usize].name),
        Location::Stage(s) => world.stage(s).1.to_string(),
        Location::Elsewhere => "between stages".into(),
    }
}

/// Builds the summary of a run.
pub fn build(world: &World, plan: &Plan, out: &RunOutput) -> Summary {
    let rows = &out.rows;
    let n = rows.len() as u64;
    let destination = delivery(rows, world, |r| r.completion, |r| r.delivered_by_deadline.t());
    let handover = delivery(rows, world, |r| r.handover_completion, |r| r.handed_over_by_deadline.t());
    let stages: Vec<StageSummary> = (0..world.stage_count())
        .map(|i| {
            let (kind, name) = world.stage(i);
            let t = &out.stages[i];
            let per = |sum: f64| if t.lots == 0 { 0.0 } else { sum / t.lots as f64 };
            StageSummary {
                name: name.to_string(),
                kind: kind.as_str(),
                lots: if n == 0 { 0.0 } else { t.lots as f64 / n as f64 },
                mean_wait_hours: per(t.wait_sum),
                p90_wait_hours: t.wait_hist.quantile(0.9).unwrap_or(0.0),
                mean_service_hours: per(t.service_sum),
                p90_service_hours: t.service_hist.quantile(0.9).unwrap_or(0.0),
                utilisation: out.utilisation[i],
            }
        })
        .collect();
    let bottleneck =
        stages.iter().filter_map(|s| s.utilisation.map(|u| (u, s))).max_by(|a, b| a.0.total_cmp(&b.0)).map(|(u, s)| {
            Bottleneck { stage: s.name.clone(), kind: s.kind, utilisation: u, mean_wait_hours: s.mean_wait_hours }
        });
    let lost: Vec<f64> = rows.iter().map(|r| r.lost.t()).collect();
    let incomplete = rows.iter().filter(|r| r.completion.is_none()).count() as u64;
    let mut warnings = Vec::new();
    if incomplete > 0 {
        warnings.push(format!(
            "{incomplete} of {n} replications did not deliver the whole order by the horizon ({}); statistics beyond it are reported as censored (null)",
            date_after(world.start, world.horizon.value() / 24.0 - 1.0)
        ));
    }
    if n < 100 {
        warnings
            .push(format!("only {n} replications: intervals are wide; run at least 1000 for a promise you would sign"));
    }
    Summary {
        schema_version: SCHEMA_VERSION,
        scenario: world.name.clone(),
        seed: plan.seed,
        replications: n,
        order_tonnes: world.order.tonnes.t(),
        start: world.start.to_string(),
        deadline: date_after(world.start, world.deadline.value() / 24.0 - 1.0),
        deadline_days: world.deadline.value() / 24.0,
        horizon: date_after(world.start, world.horizon.value() / 24.0 - 1.0),
        destination,
        handover: Handover { points: world.order.handover_points.clone(), delivery: handover },
        lost_tonnes: Lost {
            mean: if n == 0 { 0.0 } else { lost.iter().sum::<f64>() / n as f64 },
            max: lost.iter().copied().fold(0.0, f64::max),
        },
        stages,
        bottleneck,
        events: out.events,
        incomplete: Incomplete {
            replications: incomplete,
            stuck: out
                .stuck
                .iter()
                .map(|s| StuckAt {
                    location: location_name(world, s.location),
                    replications: s.replications,
                    mean_tonnes: s.mean_tonnes,
                })
                .collect(),
        },
        warnings,
    }
}
