//! The theoretical bottleneck of a network, from its own figures (behind `steelsim explain`).
//!
//! The bottleneck is found from the scenario's own figures, without simulating: for each
//! server, the hours of work the order brings (its lots' tonnes over every route through the
//! server, weighted by the route shares, times the mean service per tonne) and the hours that
//! background traffic takes (its arrival rate, plus any backlog spread over the order's
//! window), against the hours the server has (capacity x 24 a day). Calendars, breakdowns,
//! disruptions and queues are left out: this is the ceiling the simulation can only fall
//! short of, and the stage that reaches it first.

use crate::model::World;
use crate::model::units::{DAY, days};
use crate::model::world::{IdVec, ServerId, Service, Step};

/// The load of the order and of other traffic on one server.
#[derive(Clone, Debug, PartialEq)]
pub struct StageLoad {
    /// `node.stage`.
    pub name: String,
    /// Parallel places.
    pub capacity: u32,
    /// Tonnes of the order that pass, per day of the order window.
    pub order_t_per_day: f64,
    /// Server hours per tonne of the order (mean over the routes through it).
    pub hours_per_t: f64,
    /// Server hours a day taken by background traffic (and its backlog, spread over the window).
    pub background_h_per_day: f64,
    /// Tonnes of the order a day the server could pass at full use, after background traffic.
    pub max_order_t_per_day: f64,
    /// Share of the server's hours the order and the background need.
    pub load: f64,
}

/// What `explain` reports.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// Days from the start to the end of the deadline day.
    pub window_days: f64,
    /// Tonnes a day the order needs on average to arrive by the deadline.
    pub needed_t_per_day: f64,
    /// Every server that order lots pass, busiest first.
    pub stages: Vec<StageLoad>,
}

impl Explanation {
    /// The theoretical bottleneck: the server with the highest load.
    pub fn bottleneck(&self) -> Option<&StageLoad> {
        self.stages.first()
    }
}

/// Works out the loads of `world`.
pub fn capacity(world: &World) -> Explanation {
    let window_days = days(world.deadline.value()).max(f64::MIN_POSITIVE);
    let zeros = || -> IdVec<ServerId, f64> { world.servers.iter().map(|_| 0.0).collect() };
    let (mut tonnes, mut hours) = (zeros(), zeros());
    for mill in &world.mills {
        for lot in mill.planned() {
            let d = lot.destination;
            let Some(routes) = mill.routes.get(d) else { continue };
            let total: f64 = routes.iter().map(|(_, w)| w).sum();
            for &(r, w) in routes {
                let share = if total > 0.0 { w / total } else { 1.0 / routes.len() as f64 };
                let t = lot.tonnes.t() * share;
                let mut payload = None;
                for step in &world.routes[r].steps {
                    match *step {
                        Step::Acquire(p) => payload = Some(world.pools[p].payload),
                        Step::Serve { server, through } => {
                            let spec = &world.servers[server];
                            let svc = world.service_at(server, through);
                            let units = payload.map_or(1, |p| lot.tonnes.carriers(p));
                            let mut h = svc.mean_hours(units, lot.tonnes);
                            if let Some(i) = &spec.inspection {
                                h += i.p * i.time.mean();
                            }
                            if let Some(rw) = &spec.rework {
                                // A reworked lot queues again for a full service.
                                h *= 1.0 / (1.0 - rw.p.min(0.99));
                            }
                            tonnes[server] += t;
                            hours[server] += h * share;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    let mut background = zeros();
    for b in &world.background {
        let spec = &world.servers[b.server];
        let job_t = crate::model::Tonnes::from_t(b.tonnes_per_unit.t() * b.units_per_job as f64).unwrap_or_default();
        let per_job = match &spec.service {
            Service::PerCarrier(d) => d.mean() * b.units_per_job as f64,
            other => other.mean_hours(b.units_per_job, job_t),
        };
        let mut jobs_per_day = b.initial_jobs as f64 / window_days;
        if let Some(every) = &b.every {
            jobs_per_day += DAY / every.mean().max(f64::MIN_POSITIVE);
        }
        background[b.server] += jobs_per_day * per_job;
    }
    let mut stages: Vec<StageLoad> = world
        .servers
        .iter_ids()
        .filter(|&(s, _)| tonnes[s] > 0.0)
        .map(|(s, spec)| {
            let available = spec.capacity as f64 * DAY;
            let hours_per_t = hours[s] / tonnes[s];
            let order_t_per_day = tonnes[s] / window_days;
            StageLoad {
                name: spec.name.clone(),
                capacity: spec.capacity,
                order_t_per_day,
                hours_per_t,
                background_h_per_day: background[s],
                max_order_t_per_day: ((available - background[s]).max(0.0) / hours_per_t.max(f64::MIN_POSITIVE))
                    .min(f64::MAX),
                load: (order_t_per_day * hours_per_t + background[s]) / available.max(f64::MIN_POSITIVE),
            }
        })
        .collect();
    stages.sort_by(|a, b| b.load.total_cmp(&a.load).then_with(|| a.name.cmp(&b.name)));
    Explanation { window_days, needed_t_per_day: world.order.tonnes.t() / window_days, stages }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In the tiny fixture the border interchange takes 1 h per 60-t wagon on one place and
    /// also serves 40 background wagons up front and a 20-wagon train a day.
    #[test]
    fn loads_follow_from_the_figures() {
        let w = crate::scenario::load_str(include_str!("../../tests/fixtures/tiny.toml"), "tiny.toml", "tiny").unwrap();
        let e = capacity(&w);
        let x = e.stages.iter().find(|s| s.name == "border.interchange").unwrap();
        // 10 wagons per 600-t lot, 1 h each: 1/60 h per tonne.
        assert!((x.hours_per_t - 1.0 / 60.0).abs() < 1e-12, "{x:?}");
        // All 6,000 t pass the border within the window of `e.window_days`.
        assert!((x.order_t_per_day - 6000.0 / e.window_days).abs() < 1e-9);
        // Background: 20 wagons a day (1 job of 20 per day) plus 40 wagons of backlog.
        let bg = 20.0 + 40.0 / e.window_days;
        assert!((x.background_h_per_day - bg).abs() < 1e-9, "{x:?}");
        assert!((x.max_order_t_per_day - (24.0 - bg) * 60.0).abs() < 1e-6);
        assert_eq!(e.bottleneck().map(|b| b.name.as_str()), Some("border.interchange"));
    }
}
