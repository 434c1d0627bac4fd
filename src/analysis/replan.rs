//! Re-planning an order in flight: a run that starts from a shipment status, set beside the
//! run made before (the plan), so that a planner sees what the promise is now, what it was,
//! and where the order stands.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::summary::{Delivery, Summary};
use crate::model::World;
use crate::model::status::{Place, Status};
use crate::model::units::Tonnes;

/// Where the order stood at the status date.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct StatusSummary {
    /// The status date (and time).
    pub as_of: String,
    /// Tonnes delivered by then.
    pub delivered_t: f64,
    /// Tonnes on their way (queued, in service, in yards, travelling).
    pub on_the_way_t: f64,
    /// Tonnes still to produce (the lots in production included).
    pub to_produce_t: f64,
}

impl StatusSummary {
    /// Sums `status` up; `as_of` is its date as the status file writes it.
    pub fn of(status: &Status, as_of: String) -> StatusSummary {
        let sum = |keep: fn(&Place) -> bool| -> f64 {
            status.lots.iter().filter(|l| keep(&l.place)).map(|l| l.lot.tonnes).sum::<Tonnes>().t()
        };
        StatusSummary {
            as_of,
            delivered_t: sum(|p| matches!(p, Place::Delivered { .. })),
            on_the_way_t: sum(|p| matches!(p, Place::OnRoute { .. })),
            to_produce_t: sum(|p| matches!(p, Place::ToProduce { .. })),
        }
    }
}

/// The plan beside the run from the status.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Replan {
    /// The plan's results folder, as given.
    pub plan: String,
    /// The plan's scenario name.
    pub plan_scenario: String,
    /// Whether the plan ran the same scenario text (same hash); if not, part of the change
    /// is the scenario's, not the shipments'.
    pub same_scenario: bool,
    /// At each delivery point: the plan's answer and the answer now.
    pub points: Vec<ReplanPoint>,
}

/// One delivery point, then and now.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ReplanPoint {
    /// `destination` or `handover`.
    pub point: String,
    /// P(all on time): the plan's, and now.
    pub p_on_time: [f64; 2],
    /// The promise at each confidence level.
    pub promises: Vec<ReplanPromise>,
}

/// A promise, then and now.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ReplanPromise {
    /// Confidence level.
    pub confidence: f64,
    /// The plan's date (`null` beyond its horizon).
    pub plan: Option<String>,
    /// The date now (`null` beyond the horizon).
    pub now: Option<String>,
    /// Days later now than planned (negative: earlier); `null` if either is unknown.
    pub later_days: Option<f64>,
}

/// Sets the run `now` (from a status) beside `plan`, read from the folder `plan_dir`.
pub fn compare(plan_dir: &str, plan: &Summary, same_scenario: bool, now: &Summary) -> Replan {
    let point = |name: &str, p: &Delivery, n: &Delivery| ReplanPoint {
        point: name.to_string(),
        p_on_time: [p.p_on_time, n.p_on_time],
        promises: n
            .promise
            .iter()
            .map(|np| {
                let pp = p.promise.iter().find(|x| (x.confidence - np.confidence).abs() < 1e-12);
                let plan_days = pp.and_then(|x| x.days);
                ReplanPromise {
                    confidence: np.confidence,
                    plan: pp.and_then(|x| x.date.clone()),
                    now: np.date.clone(),
                    later_days: plan_days.zip(np.days).map(|(a, b)| b - a),
                }
            })
            .collect(),
    };
    Replan {
        plan: plan_dir.to_string(),
        plan_scenario: plan.scenario.clone(),
        same_scenario,
        points: vec![
            point("destination", &plan.destination, &now.destination),
            point("handover", &plan.handover.delivery, &now.handover.delivery),
        ],
    }
}

/// Checks that a plan can be compared with a run of `world`: the same order and start.
pub fn check_plan(world: &World, plan: &Summary) -> Result<(), String> {
    if (plan.order_tonnes - world.order.tonnes.t()).abs() > 1e-6 {
        return Err(format!(
            "the plan is for an order of {} t, this scenario's is {}",
            plan.order_tonnes, world.order.tonnes
        ));
    }
    if plan.start != world.start.to_string() {
        return Err(format!("the plan's order starts on {}, this scenario's on {}", plan.start, world.start));
    }
    Ok(())
}
