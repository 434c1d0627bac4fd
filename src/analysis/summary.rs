//! `summary.json`: the machine-readable answer, and the contract harnesses rely on
//! (described field by field in `docs/summary.schema.json`).
//!
//! Every field is a deterministic function of the scenario, the seed and the replications
//! run: no timings, no machine-dependent paths. Every estimate comes with its interval at
//! [`LEVEL`]: Wilson for proportions, Student t for means, binomial order statistics for
//! quantiles (distribution-free). A bound that lies beyond the horizon, or that the data
//! cannot give (too few replications), is `null`, never invented.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::LEVEL;
pub(crate) use super::estimates::{completion, interval, interval_censored, mean_ci};
use super::estimates::{delivery, guarantee_at, sample};
use crate::experiment::RunOutput;
use crate::model::Location;
use crate::model::World;
use crate::model::units::{date_after, days};
use crate::model::world::Reallocation;
use crate::stats::exact::Moments;
use crate::stats::proportion::wilson;

/// Version of this layout; bumped when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 4;

/// An interval; a `null` bound is unknown (too little data) or beyond the horizon.
pub type Interval = [Option<f64>; 2];

/// The whole summary.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Layout version.
    pub schema_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// What the scenario is about.
    pub description: Option<String>,
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
    /// Confidence level of every interval (`*_ci95`).
    pub interval_level: f64,
    /// Results at the final destinations.
    #[serde(flatten)]
    pub destination: Delivery,
    /// Results at the handover (Incoterm) point.
    pub handover: Handover,
    /// Under the sales contract, when the scenario has one: delivered in full within the
    /// tolerance, the call-offs, liquidated damages, and the guarantee sheet.
    pub contract: Option<super::contract::ContractSummary>,
    /// What can be promised at each confidence level of the scenario.
    pub guarantees: Vec<Guarantee>,
    /// Tonnes lost or damaged per replication (all produced again and re-shipped).
    pub lost_tonnes: Lost,
    /// Tonnes made by another mill than the one planned, per replication (only under
    /// `order.reallocate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reallocated_tonnes: Option<Reallocated>,
    /// Costs and late-delivery penalties per replication.
    pub cost: Cost,
    /// Per stage: waits, service times and utilisation.
    pub stages: Vec<StageSummary>,
    /// Lead times of lots (production to delivery) by corridor.
    pub corridors: Vec<CorridorSummary>,
    /// The resource that binds: the highest mean utilisation among servers, pools, yards.
    pub bottleneck: Option<Bottleneck>,
    /// What the scenario's uncertain figures do to completion (only when it has some).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<super::inputs::InputsSummary>,
    /// Estimates corrected with control variates (only when the scenario has random
    /// disruptions or uncertain figures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_variates: Option<super::controls::ControlVariates>,
    /// Where the order stood at the shipment status the run started from (only for a run
    /// from a status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<super::replan::StatusSummary>,
    /// The run made before (the plan) beside this one (only with `--plan`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replan: Option<super::replan::Replan>,
    /// Events handled in all replications.
    pub events: u64,
    /// Replications that did not deliver everything by the horizon, and where it was stuck.
    pub incomplete: Incomplete,
    /// Things a reader should know before trusting the numbers.
    pub warnings: Vec<String>,
}

/// Delivery results at one delivery point.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Delivery {
    /// Share of replications delivering every tonne by the deadline.
    pub p_on_time: f64,
    /// Its Wilson interval.
    pub p_on_time_ci95: [f64; 2],
    /// Days from the start until the last tonne arrived.
    pub completion_days: Completion,
    /// The date that can be promised at each confidence.
    pub promise: Vec<Promise>,
    /// Tonnes arrived by the deadline.
    pub tonnes_by_deadline: TonnesByDeadline,
}

/// Handover results, with the points they refer to.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Handover {
    /// Handover nodes.
    pub points: Vec<String>,
    /// The results.
    #[serde(flatten)]
    pub delivery: Delivery,
}

/// Completion time statistics; `null` where the value lies beyond the horizon.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Completion {
    /// Mean (`null` if any replication is censored).
    pub mean: Option<f64>,
    /// Its t interval.
    pub mean_ci95: Interval,
    /// Median.
    pub p50: Option<f64>,
    /// Its interval.
    pub p50_ci95: Interval,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// Its interval.
    pub p90_ci95: Interval,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// Its interval.
    pub p95_ci95: Interval,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Its interval.
    pub p99_ci95: Interval,
    /// Replications not complete by the horizon.
    pub censored_replications: u64,
}

/// A promise: with this confidence, everything arrives within `days` (on `date`).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Promise {
    /// Confidence level.
    pub confidence: f64,
    /// Days from the start (`null` if beyond the horizon).
    pub days: Option<f64>,
    /// Interval on `days`.
    pub days_ci95: Interval,
    /// Calendar date (`null` if beyond the horizon).
    pub date: Option<String>,
    /// Interval on the date.
    pub date_ci95: [Option<String>; 2],
}

/// Tonnes by the deadline.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct TonnesByDeadline {
    /// Mean.
    pub mean: f64,
    /// Its t interval.
    pub mean_ci95: Interval,
    /// Exceeded in 95 % of replications.
    pub p05: f64,
    /// Its interval.
    pub p05_ci95: Interval,
    /// Median.
    pub p50: f64,
    /// Its interval.
    pub p50_ci95: Interval,
}

/// One confidence level's guarantee at both delivery points.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Guarantee {
    /// Confidence level.
    pub confidence: f64,
    /// At the final destinations.
    pub destination: GuaranteeAt,
    /// At the handover point.
    pub handover: GuaranteeAt,
    /// Share of replications whose lost or damaged tonnes exceed the tolerance.
    pub p_lost_exceeds_tolerance: f64,
    /// Its Wilson interval.
    pub p_lost_exceeds_tolerance_ci95: [f64; 2],
    /// `true` if losses stay within the tolerance with at least this confidence (the upper
    /// bound of the interval is at most 1 - confidence).
    pub lost_within_tolerance: bool,
}

/// A guarantee at one delivery point.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct GuaranteeAt {
    /// Everything arrives by this date with the given confidence (`null`: beyond the horizon).
    pub promise_date: Option<String>,
    /// The same in days since the start.
    pub promise_days: Option<f64>,
    /// Interval on the promise, days.
    pub promise_days_ci95: Interval,
    /// At least this many tonnes arrive by the deadline with the given confidence.
    pub tonnes_by_deadline: f64,
    /// Its interval.
    pub tonnes_by_deadline_ci95: Interval,
}

/// Lost or damaged tonnes per replication.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Lost {
    /// Mean.
    pub mean: f64,
    /// Its t interval.
    pub mean_ci95: Interval,
    /// Largest.
    pub max: f64,
    /// The scenario's tolerance.
    pub tolerance: f64,
}

/// Tonnes moved between mills per replication.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Reallocated {
    /// Mean.
    pub mean: f64,
    /// Its t interval.
    pub mean_ci95: Interval,
    /// Largest.
    pub max: f64,
}

/// Costs per replication, in the scenario's currency.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Cost {
    /// Currency.
    pub currency: String,
    /// Transport, handling and storage cost per tonne ordered (lost lots included).
    pub per_tonne: f64,
    /// Its t interval.
    pub per_tonne_ci95: Interval,
    /// Late-delivery penalty per replication.
    pub penalty: f64,
    /// Its t interval.
    pub penalty_ci95: Interval,
    /// Replications whose penalty is a lower bound (tonnes still undelivered at the horizon).
    pub penalty_censored_replications: u64,
}

/// One stage's statistics over all replications.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct StageSummary {
    /// Stage name.
    pub name: String,
    /// `server`, `dwell`, `leg`, `pool` or `yard`.
    pub kind: String,
    /// Mean lots per replication.
    pub lots: f64,
    /// Mean wait per lot, hours (over all lots of all replications).
    pub mean_wait_hours: f64,
    /// Interval on the mean wait, from the spread of replication means.
    pub mean_wait_hours_ci95: Interval,
    /// 90th percentile of waits over all lots, hours (to within 2.3 %).
    pub p90_wait_hours: f64,
    /// Mean service (transit, time in yard) per lot, hours.
    pub mean_service_hours: f64,
    /// 90th percentile of service times, hours (to within 2.3 %).
    pub p90_service_hours: f64,
    /// Mean share of capacity in use up to the end of each replication (servers, pools, yards).
    pub utilisation: Option<f64>,
    /// Its t interval.
    pub utilisation_ci95: Interval,
}

/// Lead times of one corridor.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct CorridorSummary {
    /// Corridor name.
    pub name: String,
    /// Mean lots per replication delivered along it.
    pub lots: f64,
    /// Mean lead time, days.
    pub mean_days: Option<f64>,
    /// Its t interval (lots are not independent: read it as descriptive).
    pub mean_days_ci95: Interval,
    /// Percentiles of lead time, days (to within 2.3 %): p05, p25, p50, p75, p95.
    pub quantiles_days: [Option<f64>; 5],
}

/// The busiest resource.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Bottleneck {
    /// Stage name.
    pub stage: String,
    /// Its kind.
    pub kind: String,
    /// Its mean utilisation.
    pub utilisation: f64,
    /// Mean wait there, hours.
    pub mean_wait_hours: f64,
}

/// Incomplete replications.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Incomplete {
    /// How many.
    pub replications: u64,
    /// Where undelivered tonnes were, most frequent first.
    pub stuck: Vec<StuckAt>,
}

/// A place where undelivered tonnes were at the horizon.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct StuckAt {
    /// Stage name, or `production at MILL`.
    pub location: String,
    /// Replications with tonnes there.
    pub replications: u64,
    /// Mean tonnes there in those replications.
    pub mean_tonnes: f64,
}

/// The JSON Schema (draft 2020-12) of `summary.json`, generated from the types above so it
/// cannot drift from what is written; `docs/summary.schema.json` is a copy of it (a test
/// keeps the two equal).
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Summary)).unwrap_or_default();
    if let Some(top) = schema.as_object_mut() {
        top.insert("$id".into(), "https://steelsim.example/schemas/summary.schema.json".into());
        top.insert(
            "description".into(),
            format!(
                "summary.json written by `steelsim run` (and `merge`), layout version {SCHEMA_VERSION}. Every \
                 estimate has its interval at the level given in `interval_level`; a null bound is unknown (too \
                 little data) or beyond the horizon."
            )
            .into(),
        );
        if let Some(v) = top.get_mut("properties").and_then(|p| p.get_mut("schema_version")) {
            v["const"] = SCHEMA_VERSION.into();
        }
    }
    schema
}

/// Name of a place where tonnes can be stuck.
pub fn location_name(world: &World, loc: Location) -> String {
    match loc {
        Location::Production(m) => format!("production at {}", world.mills[m].name),
        Location::Stage(s) => world.stages[s].name.clone(),
        Location::Elsewhere => "between stages".into(),
    }
}

/// Builds the summary of a run with master seed `seed`.
pub fn build(world: &World, seed: u64, out: &RunOutput) -> Summary {
    let rows = &out.rows;
    let agg = &out.agg;
    let n = rows.len();
    let dest = sample(world, rows, |r| r.completion_days, |r| r.delivered_by_deadline.t());
    let hand = sample(world, rows, |r| r.handover_completion_days, |r| r.handed_over_by_deadline.t());
    let tolerance = world.order.lost_tolerance.t();
    // The whole order's measures, in one pass over the rows (which may be on disk).
    let [mut lost, mut moved, mut per_tonne, mut penalty] = [Moments::default(); 4];
    let (mut exceed, mut lost_max, mut moved_max) = (0u64, 0.0f64, 0.0f64);
    for r in rows.iter() {
        let (t, m) = (r.lost.t(), r.reallocated.t());
        exceed += u64::from(t > tolerance);
        lost.add(t);
        lost_max = lost_max.max(t);
        moved.add(m);
        moved_max = moved_max.max(m);
        per_tonne.add(r.cost / world.order.tonnes.t());
        penalty.add(r.penalty);
    }
    let (elo, ehi) = wilson(exceed, n, LEVEL);
    let p_exceed = if n == 0 { 0.0 } else { exceed as f64 / n as f64 };
    let guarantees = world
        .order
        .confidence
        .iter()
        .map(|&c| Guarantee {
            confidence: c,
            destination: guarantee_at(&dest, world, c),
            handover: guarantee_at(&hand, world, c),
            p_lost_exceeds_tolerance: p_exceed,
            p_lost_exceeds_tolerance_ci95: [elo, ehi],
            lost_within_tolerance: ehi <= 1.0 - c,
        })
        .collect();
    let stages: Vec<StageSummary> = world
        .stages
        .iter_ids()
        .map(|(i, stage)| {
            let (kind, name) = (stage.kind, &stage.name);
            let a = &agg.stages[i];
            let per = |sum: f64| if a.lots == 0 { 0.0 } else { sum / a.lots as f64 };
            StageSummary {
                name: name.to_string(),
                kind: kind.as_str().to_string(),
                lots: if n == 0 { 0.0 } else { a.lots as f64 / n as f64 },
                mean_wait_hours: per(a.wait.value()),
                mean_wait_hours_ci95: mean_ci(&a.replication_mean_wait),
                p90_wait_hours: a.wait_hist.quantile(0.9).unwrap_or(0.0),
                mean_service_hours: per(a.service.value()),
                p90_service_hours: a.service_hist.quantile(0.9).unwrap_or(0.0),
                utilisation: a.utilisation.mean(),
                utilisation_ci95: mean_ci(&a.utilisation),
            }
        })
        .collect();
    let corridors = world
        .corridors
        .iter()
        .zip(&agg.corridors)
        .map(|(name, c)| CorridorSummary {
            name: name.clone(),
            lots: if n == 0 { 0.0 } else { c.moments.n as f64 / n as f64 },
            mean_days: c.moments.mean(),
            mean_days_ci95: mean_ci(&c.moments),
            quantiles_days: [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| c.hist.quantile(p)),
        })
        .collect();
    let bottleneck =
        stages.iter().filter_map(|s| s.utilisation.map(|u| (u, s))).max_by(|a, b| a.0.total_cmp(&b.0)).map(|(u, s)| {
            Bottleneck {
                stage: s.name.clone(),
                kind: s.kind.clone(),
                utilisation: u,
                mean_wait_hours: s.mean_wait_hours,
            }
        });
    let incomplete = dest.days.censored;
    let mut stuck: Vec<StuckAt> = agg
        .stuck
        .iter()
        .map(|s| StuckAt {
            location: location_name(world, s.location),
            replications: s.replications,
            mean_tonnes: s.kg as f64 / 1000.0 / s.replications.max(1) as f64,
        })
        .collect();
    stuck.sort_by(|a, b| b.replications.cmp(&a.replications).then(b.mean_tonnes.total_cmp(&a.mean_tonnes)));
    let horizon = date_after(world.start, days(world.horizon.value()) - 1.0);
    let mut warnings = Vec::new();
    if incomplete > 0 {
        warnings.push(format!(
            "{incomplete} of {n} replications did not deliver the whole order by the horizon ({horizon}); \
             statistics beyond it are reported as censored (null)"
        ));
    }
    if n < 100 {
        warnings
            .push(format!("only {n} replications: intervals are wide; run at least 1000 for a promise you would sign"));
    }
    for c in &world.order.confidence {
        if n > 0 && (n as f64) * (1.0 - c) < 10.0 {
            warnings.push(format!(
                "the {:.0} % promise rests on fewer than 10 replications beyond it; run more for a firm figure",
                c * 100.0
            ));
            break;
        }
    }
    Summary {
        schema_version: SCHEMA_VERSION,
        scenario: world.name.clone(),
        description: world.description.clone(),
        seed,
        replications: n,
        order_tonnes: world.order.tonnes.t(),
        start: world.start.to_string(),
        deadline: date_after(world.start, days(world.deadline.value()) - 1.0),
        deadline_days: days(world.deadline.value()),
        horizon,
        interval_level: LEVEL,
        destination: delivery(&dest, world),
        handover: Handover { points: world.order.handover_points.clone(), delivery: delivery(&hand, world) },
        contract: super::contract::build(world, rows, agg),
        guarantees,
        lost_tonnes: Lost { mean: lost.mean().unwrap_or(0.0), mean_ci95: mean_ci(&lost), max: lost_max, tolerance },
        reallocated_tonnes: (world.order.reallocation == Reallocation::WhenIdle).then(|| Reallocated {
            mean: moved.mean().unwrap_or(0.0),
            mean_ci95: mean_ci(&moved),
            max: moved_max,
        }),
        cost: Cost {
            currency: world.order.currency.clone(),
            per_tonne: per_tonne.mean().unwrap_or(0.0),
            per_tonne_ci95: mean_ci(&per_tonne),
            penalty: penalty.mean().unwrap_or(0.0),
            penalty_ci95: mean_ci(&penalty),
            penalty_censored_replications: incomplete,
        },
        stages,
        corridors,
        bottleneck,
        inputs: agg.inputs.as_ref().and_then(|i| super::inputs::summarise(world, i)),
        control_variates: super::controls::build(world, out),
        status: world.status.as_ref().map(|s| {
            let as_of = crate::scenario::status::datetime(world, s.at).to_string();
            super::replan::StatusSummary::of(s, as_of)
        }),
        replan: None,
        events: agg.events,
        incomplete: Incomplete { replications: incomplete, stuck },
        warnings,
    }
}
