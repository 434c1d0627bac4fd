//! Tidy CSV tables: one row per replication, and the per-lot trace.

use crate::experiment::Row;
use crate::model::World;
use crate::model::replication::Trace;
use crate::model::world::Step;

fn num(v: f64) -> String {
    // Rust prints the shortest text that reads back as the same float: deterministic and
    // lossless.
    format!("{v}")
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// `replications.csv`: one row per replication. Times are in days since the start;
/// an empty completion means "not complete by the horizon".
pub fn replications_csv(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "replication",
        "seed",
        "complete",
        "completion_days",
        "handover_completion_days",
        "tonnes_by_deadline",
        "handover_tonnes_by_deadline",
        "delivered_tonnes",
        "lost_tonnes",
        "lots",
        "events",
        "end_days",
        "outcome",
    ])?;
    for r in rows {
        w.write_record([
            r.index.to_string(),
            r.seed.to_string(),
            r.completion.is_some().to_string(),
            opt(r.completion.map(|h| h / 24.0)),
            opt(r.handover_completion.map(|h| h / 24.0)),
            num(r.delivered_by_deadline.t()),
            num(r.handed_over_by_deadline.t()),
            num(r.delivered.t()),
            num(r.lost.t()),
            r.lots.to_string(),
            r.events.to_string(),
            num(r.end / 24.0),
            r.outcome.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// What a step is called in the trace: its kind and the stage it uses.
fn step_name(world: &World, step: Step, destination: &str) -> (&'static str, String) {
    match step {
        Step::Serve { server, through } => {
            (if through { "serve_through" } else { "serve" }, world.servers[server as usize].name.clone())
        }
        Step::Dwell(d) => ("dwell", world.dwells[d as usize].name.clone()),
        Step::Leg(l) => ("leg", world.legs[l as usize].name.clone()),
        Step::Acquire(p) => ("acquire", world.pools[p as usize].name.clone()),
        Step::Release(p) => ("release", world.pools[p as usize].name.clone()),
        Step::EnterStore(x) => ("enter_yard", world.stores[x as usize].name.clone()),
        Step::LeaveStore(x) => ("leave_yard", world.stores[x as usize].name.clone()),
        Step::Handover => ("handover", world.order.handover_points.join("|")),
        Step::Deliver => ("deliver", destination.to_string()),
    }
}

/// `shipments.csv`: for each lot of the traced replication, one row per step it completed,
/// in the order steps completed. Times are hours since the start.
pub fn shipments_csv(world: &World, replication: u64, trace: &Trace) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "replication",
        "lot",
        "mill",
        "product",
        "tonnes",
        "destination",
        "route",
        "replaces_lot",
        "outcome",
        "step",
        "kind",
        "stage",
        "entered_hours",
        "started_hours",
        "left_hours",
        "wait_hours",
        "service_hours",
    ])?;
    for row in &trace.rows {
        let lot = &trace.lots[row.lot as usize];
        let route = &world.routes[lot.route as usize];
        let destination = &world.order.destinations[lot.destination as usize];
        let (kind, stage) = step_name(world, route.steps[row.step as usize], destination);
        w.write_record([
            replication.to_string(),
            row.lot.to_string(),
            world.mills[lot.mill as usize].name.clone(),
            world.order.products[lot.product as usize].clone(),
            num(lot.tonnes.t()),
            destination.clone(),
            route.name.clone(),
            lot.replaces.map(|r| r.to_string()).unwrap_or_default(),
            lot.outcome.to_string(),
            row.step.to_string(),
            kind.to_string(),
            stage,
            num(row.entered),
            num(row.started),
            num(row.left),
            num(row.started - row.entered),
            num(row.left - row.started),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
