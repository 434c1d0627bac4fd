//! The theoretical bottleneck of a network, from its own figures (behind `steelsim explain`).
//!
//! Without simulating, every resource the order uses is set against what the order (and
//! other traffic) needs of it over the order's window, from the start to the deadline:
//!
//! - a **server**: hours of work (the lots' mean service, inspection, rework and disruption
//!   delays, weighted by route shares, plus background traffic and its backlog) against
//!   capacity x 24 hours a day;
//! - a **carrier pool**: carrier-hours (each lot's carriers held from taking them to giving
//!   them back, plus the empty return; background jobs likewise) against its carriers, with
//!   its supply arriving over the window;
//! - a **mill**: the tonnes each line still has to make (less stock) against the line's rate
//!   for the order (availability at its mean, the capacity shared by the mill's priority);
//! - a **yard**: tonne-hours inside (Little's law) against its capacity.
//!
//! What each offers is scaled by the share of the window it is open (calendars), up
//! (breakdowns: mean time between failures over the cycle) and not disrupted (each
//! disruption's expected active hours in the window, times its effect). Queues are left
//! out: a load is the ceiling the simulation can only fall short of, and the resource with
//! the highest is the one that binds first.

use crate::engine::Calendar;
use crate::model::World;
use crate::model::units::{DAY, days};
use crate::model::world::{DisruptionSpec, Effect, Failures, IdVec, PoolId, ServerId, Service, Step, StoreId, Target};

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
    /// Share of the server's hours it can work: open, up and not disrupted, over the window.
    pub available: f64,
    /// Tonnes of the order a day the server could pass at full use, after background traffic.
    pub max_order_t_per_day: f64,
    /// Share of the server's available hours the order and the background need.
    pub load: f64,
}

/// Kinds of resource that can bind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    /// A capacity-limited stage.
    Server,
    /// A carrier pool.
    Pool,
    /// A mill.
    Mill,
    /// A yard.
    Yard,
}

impl ResourceKind {
    /// Lower-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Server => "server",
            ResourceKind::Pool => "pool",
            ResourceKind::Mill => "mill",
            ResourceKind::Yard => "yard",
        }
    }
}

/// The load on one resource of any kind.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceLoad {
    /// Its name (`node.stage`, a pool's or a mill's name, `node.yard`).
    pub name: String,
    /// What it is.
    pub kind: ResourceKind,
    /// Tonnes of the order a day that pass it, over the window.
    pub order_t_per_day: f64,
    /// Tonnes of the order a day it could pass at full use, after other traffic.
    pub max_order_t_per_day: f64,
    /// Share of its nominal capacity it has, over the window (calendars, breakdowns,
    /// disruptions).
    pub available: f64,
    /// Share of what it has that the order and other traffic need.
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
    /// Every server, pool, mill and yard the order uses, busiest first.
    pub resources: Vec<ResourceLoad>,
}

impl Explanation {
    /// The theoretical bottleneck: the resource with the highest load.
    pub fn bottleneck(&self) -> Option<&ResourceLoad> {
        self.resources.first()
    }
}

/// Mean hours a lot of `units` carriers and `tonnes` spends in a step, queues left out.
fn step_hours(world: &World, step: Step, units: u32, tonnes: crate::model::Tonnes, window_h: f64) -> f64 {
    match step {
        Step::Serve { server, through } => server_hours(world, server, through, units, tonnes, window_h),
        Step::Dwell(d) => world.dwells[d].time.mean(),
        Step::Leg(l) => {
            let leg = &world.legs[l];
            let mut h = leg.transit.mean_hours() + extra_delay(world, Target::Leg(l), window_h);
            if let Some(dep) = &leg.departures {
                // On average half a timetable's period, or half the longest wait, for a group.
                h += dep.timetable.map(|t| t.0).or(dep.max_wait).unwrap_or(0.0) / 2.0;
            }
            h
        }
        _ => 0.0,
    }
}

/// Mean hours a lot keeps a server: service, inspection, rework and disruption delays.
fn server_hours(
    world: &World,
    server: ServerId,
    through: bool,
    units: u32,
    tonnes: crate::model::Tonnes,
    window_h: f64,
) -> f64 {
    let spec = &world.servers[server];
    let mut h = world.service_at(server, through).mean_hours(units, tonnes);
    if let Some(i) = &spec.inspection {
        h += i.p * i.time.mean();
    }
    if let Some(rw) = &spec.rework {
        // A reworked lot queues again for a full service.
        h *= 1.0 / (1.0 - rw.p.min(0.99));
    }
    h + extra_delay(world, Target::Server(server), window_h)
}

/// Expected hours of a disruption's occurrences that fall within `[0, window_h]`.
fn active_hours(d: &DisruptionSpec, window_h: f64) -> f64 {
    let (a, b) = d.window;
    let mean = d.duration.mean().max(0.0);
    // An occurrence that began before the start counts from the start.
    let overlap = |s: f64| ((s + mean).min(window_h) - s.max(0.0)).clamp(0.0, mean);
    // The mean overlap of a start uniform in [a, b] (midpoint rule, exact for `at` dates).
    const N: usize = 64;
    let average = if b > a {
        (0..N).map(|k| overlap(a + (k as f64 + 0.5) / N as f64 * (b - a))).sum::<f64>() / N as f64
    } else {
        overlap(a)
    };
    d.expected_occurrences() * average
}

/// Extra hours per lot from disruptions that delay `target`, averaged over the window.
fn extra_delay(world: &World, target: Target, window_h: f64) -> f64 {
    world
        .disruptions
        .iter()
        .filter(|d| d.targets.contains(&target))
        .map(|d| match &d.effect {
            Effect::Delay(x) => active_hours(d, window_h) / window_h * x.mean(),
            _ => 0.0,
        })
        .sum()
}

/// The share of `target`'s nominal capacity it has over the window: open (calendar), up
/// (breakdowns) and not closed or slowed by disruptions. A disruption's factor is applied
/// through `effect` (a mill's factor acts through its priority instead).
fn available(
    world: &World,
    target: Target,
    calendar: Option<&Calendar>,
    failures: Option<&Failures>,
    window_h: f64,
) -> f64 {
    let open = calendar.map_or(1.0, |c| c.open_hours(0.0, window_h) / window_h);
    let up = failures.map_or(1.0, |f| {
        let (between, repair) = (f.between.mean(), f.repair.mean());
        if between + repair > 0.0 { between / (between + repair) } else { 1.0 }
    });
    let lost: f64 = world
        .disruptions
        .iter()
        .filter(|d| d.targets.contains(&target))
        .map(|d| {
            let share = active_hours(d, window_h) / window_h;
            match &d.effect {
                Effect::Closed => share,
                Effect::Factor(f) if !matches!(target, Target::Mill(_)) => share * (1.0 - f.mean().max(0.01)),
                _ => 0.0,
            }
        })
        .sum();
    (open * up * (1.0 - lost)).max(0.0)
}

/// A mill's disruption factors, as (share of the window, mean factor) pairs.
fn mill_factors(world: &World, target: Target, window_h: f64) -> Vec<(f64, f64)> {
    world
        .disruptions
        .iter()
        .filter(|d| d.targets.contains(&target))
        .filter_map(|d| match &d.effect {
            Effect::Factor(f) => Some((active_hours(d, window_h) / window_h, f.mean().max(0.01))),
            _ => None,
        })
        .collect()
}

/// Sums over the window.
struct Tally {
    /// Per server: tonnes of the order and hours of work.
    tonnes: IdVec<ServerId, f64>,
    hours: IdVec<ServerId, f64>,
    /// Per pool: tonnes of the order and carrier-hours.
    pool_t: IdVec<PoolId, f64>,
    pool_h: IdVec<PoolId, f64>,
    /// Per yard: tonnes of the order and tonne-hours inside.
    yard_t: IdVec<StoreId, f64>,
    yard_th: IdVec<StoreId, f64>,
}

/// Works out the loads of `world`.
pub fn capacity(world: &World) -> Explanation {
    let window_h = world.deadline.value().max(f64::MIN_POSITIVE);
    let window_days = days(window_h);
    let mut t = Tally {
        tonnes: world.servers.iter().map(|_| 0.0).collect(),
        hours: world.servers.iter().map(|_| 0.0).collect(),
        pool_t: world.pools.iter().map(|_| 0.0).collect(),
        pool_h: world.pools.iter().map(|_| 0.0).collect(),
        yard_t: world.stores.iter().map(|_| 0.0).collect(),
        yard_th: world.stores.iter().map(|_| 0.0).collect(),
    };
    for mill in &world.mills {
        for lot in mill.planned() {
            let Some(routes) = mill.routes.get(lot.destination) else { continue };
            let total: f64 = routes.iter().map(|(_, w)| w).sum();
            for &(r, w) in routes {
                let share = if total > 0.0 { w / total } else { 1.0 / routes.len() as f64 };
                route_loads(world, &world.routes[r].steps, lot.tonnes, share, window_h, &mut t);
            }
        }
    }
    let (background, pool_background) = background(world, window_days, window_h);
    let mut stages: Vec<StageLoad> = world
        .servers
        .iter_ids()
        .filter(|&(s, _)| t.tonnes[s] > 0.0)
        .map(|(s, spec)| {
            let avail = available(
                world,
                Target::Server(s),
                spec.calendar.map(|c| &world.calendars[c]),
                spec.failures.as_ref(),
                window_h,
            );
            let hours_available = spec.mean_capacity(window_h) * DAY * avail;
            let hours_per_t = t.hours[s] / t.tonnes[s];
            let order_t_per_day = t.tonnes[s] / window_days;
            StageLoad {
                name: spec.name.clone(),
                capacity: spec.capacity,
                order_t_per_day,
                hours_per_t,
                background_h_per_day: background[s],
                available: avail,
                max_order_t_per_day: ((hours_available - background[s]).max(0.0) / hours_per_t.max(f64::MIN_POSITIVE))
                    .min(f64::MAX),
                load: ratio(order_t_per_day * hours_per_t + background[s], hours_available),
            }
        })
        .collect();
    stages.sort_by(|a, b| b.load.total_cmp(&a.load).then_with(|| a.name.cmp(&b.name)));
    let mut resources: Vec<ResourceLoad> = stages
        .iter()
        .map(|s| ResourceLoad {
            name: s.name.clone(),
            kind: ResourceKind::Server,
            order_t_per_day: s.order_t_per_day,
            max_order_t_per_day: s.max_order_t_per_day,
            available: s.available,
            load: s.load,
        })
        .collect();
    resources.extend(pool_loads(world, &t, &pool_background, window_h));
    resources.extend(mill_loads(world, window_h));
    resources.extend(yard_loads(world, &t, window_h));
    resources.sort_by(|a, b| b.load.total_cmp(&a.load).then_with(|| a.name.cmp(&b.name)));
    Explanation { window_days, needed_t_per_day: world.order.tonnes.t() / window_days, stages, resources }
}

/// `need / have`, infinite when there is need and nothing to meet it.
fn ratio(need: f64, have: f64) -> f64 {
    if have > 0.0 {
        need / have
    } else if need > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

/// Adds one lot's share of a route to the tallies: server hours, carrier-hours held from
/// taking carriers to giving them back (and their empty return), tonne-hours in yards.
fn route_loads(world: &World, steps: &[Step], tonnes: crate::model::Tonnes, share: f64, window_h: f64, t: &mut Tally) {
    let mut units = 1u32;
    // Hours since each pool's carriers were taken, and since entering each yard.
    let mut held: Vec<(PoolId, u32, f64)> = Vec::new();
    let mut inside: Vec<(StoreId, f64)> = Vec::new();
    for &step in steps {
        let h = step_hours(world, step, units, tonnes, window_h);
        for x in held.iter_mut() {
            x.2 += h;
        }
        for x in inside.iter_mut() {
            x.1 += h;
        }
        match step {
            Step::Acquire(p) => {
                units = tonnes.carriers(world.pools[p].payload);
                held.push((p, units, 0.0));
                t.pool_t[p] += tonnes.t() * share;
            }
            Step::Release(p) => {
                if let Some(i) = held.iter().position(|x| x.0 == p) {
                    let (_, n, hours) = held.remove(i);
                    t.pool_h[p] += n as f64 * (hours + pool_return_hours(world, p, window_h)) * share;
                }
            }
            Step::Serve { server, .. } => {
                t.tonnes[server] += tonnes.t() * share;
                t.hours[server] += h * share;
            }
            Step::EnterStore(x) => {
                inside.push((x, 0.0));
                t.yard_t[x] += tonnes.t() * share;
            }
            Step::LeaveStore(x) => {
                if let Some(i) = inside.iter().position(|y| y.0 == x) {
                    let (_, hours) = inside.remove(i);
                    t.yard_th[x] += tonnes.t() * hours * share;
                }
            }
            _ => {}
        }
    }
}

/// Hours a released carrier is away before it can be used again: its empty return, and for
/// carriers that never come back (`1 - return_share`), the rest of the window (half of it on
/// average).
fn pool_return_hours(world: &World, p: PoolId, window_h: f64) -> f64 {
    let pool = &world.pools[p];
    let q = pool.return_share.clamp(0.0, 1.0);
    q * pool.empty_return.mean() + (1.0 - q) * window_h / 2.0
}

/// Background traffic: server hours a day, and carrier-hours a day per pool.
fn background(world: &World, window_days: f64, window_h: f64) -> (IdVec<ServerId, f64>, IdVec<PoolId, f64>) {
    let mut servers: IdVec<ServerId, f64> = world.servers.iter().map(|_| 0.0).collect();
    let mut pools: IdVec<PoolId, f64> = world.pools.iter().map(|_| 0.0).collect();
    for b in &world.background {
        let spec = &world.servers[b.server];
        let job_t = crate::model::Tonnes::from_t(b.tonnes_per_unit.t() * b.units_per_job as f64).unwrap_or_default();
        let per_job = match &spec.service {
            Service::PerCarrier(d) => d.mean() * b.units_per_job as f64,
            other => other.mean_hours(b.units_per_job, job_t),
        } + extra_delay(world, Target::Server(b.server), window_h);
        let mut jobs_per_day = b.initial_jobs as f64 / window_days;
        if let Some(every) = &b.every {
            jobs_per_day += DAY / every.mean().max(f64::MIN_POSITIVE);
        }
        servers[b.server] += jobs_per_day * per_job;
        if let Some((p, hold)) = &b.carriers {
            pools[*p] += jobs_per_day * b.units_per_job as f64 * (per_job + hold.mean());
        }
    }
    (servers, pools)
}

/// Carrier pools: carrier-hours a day needed against carriers a day on hand (the fleet, plus
/// the supply arriving over the window: on average half of what arrives in it).
fn pool_loads(world: &World, t: &Tally, background: &IdVec<PoolId, f64>, window_h: f64) -> Vec<ResourceLoad> {
    let window_days = days(window_h);
    world
        .pools
        .iter_ids()
        .filter(|&(p, _)| t.pool_t[p] > 0.0)
        .map(|(p, spec)| {
            let avail = available(world, Target::Pool(p), None, None, window_h);
            let supplied = spec
                .supply
                .as_ref()
                .map_or(0.0, |s| s.units as f64 / s.every.mean().max(f64::MIN_POSITIVE) * window_h / 2.0);
            let have = (spec.units as f64 + supplied * avail) * DAY;
            // Carrier-hours per tonne of the order.
            let hours_per_t = t.pool_h[p] / t.pool_t[p];
            let order_t_per_day = t.pool_t[p] / window_days;
            ResourceLoad {
                name: spec.name.clone(),
                kind: ResourceKind::Pool,
                order_t_per_day,
                max_order_t_per_day: (have - background[p]).max(0.0) / hours_per_t.max(f64::MIN_POSITIVE),
                available: avail,
                load: ratio(t.pool_h[p] / window_days + background[p], have),
            }
        })
        .collect()
}

/// Mills: the tonnes each line still has to make against its rate for the order over the
/// window; the mill's load is its busiest line's.
fn mill_loads(world: &World, window_h: f64) -> Vec<ResourceLoad> {
    let window_days = days(window_h);
    world
        .mills
        .iter_ids()
        .map(|(m, spec)| {
            let target = Target::Mill(m);
            let avail = available(world, target, None, spec.failures.as_ref(), window_h);
            let availability = spec.availability.as_ref().map_or(1.0, |d| d.mean());
            let factors = mill_factors(world, target, window_h);
            let undisturbed = (1.0 - factors.iter().map(|f| f.0).sum::<f64>()).max(0.0);
            let mut load: f64 = 0.0;
            let (mut tonnes, mut most) = (0.0, 0.0);
            for line in &spec.lines {
                let rate = |factor: f64| line.order_rate(spec.priority, availability, factor, 1.0);
                let per_h = undisturbed * rate(1.0) + factors.iter().map(|&(s, f)| s * rate(f)).sum::<f64>();
                let per_day = per_h * DAY * avail;
                let planned: f64 = line.plan.iter().map(|l| l.tonnes.t()).sum();
                let to_make = (planned - line.stock.t()).max(0.0);
                load = load.max(ratio(to_make / window_days, per_day));
                tonnes += planned;
                most += per_day.min(f64::MAX);
            }
            let nominal: f64 = spec.lines.iter().map(|l| l.rate_t_per_h * DAY).sum();
            ResourceLoad {
                name: spec.name.clone(),
                kind: ResourceKind::Mill,
                order_t_per_day: tonnes / window_days,
                max_order_t_per_day: most,
                available: ratio(most, nominal).min(f64::MAX),
                load,
            }
        })
        .filter(|r| r.order_t_per_day > 0.0)
        .collect()
}

/// Yards: tonnes on hand on average (Little's law: tonnes a day times days inside) against
/// the capacity.
fn yard_loads(world: &World, t: &Tally, window_h: f64) -> Vec<ResourceLoad> {
    let window_days = days(window_h);
    world
        .stores
        .iter_ids()
        .filter(|&(x, _)| t.yard_t[x] > 0.0)
        .map(|(x, spec)| {
            let avail = available(world, Target::Store(x), None, None, window_h);
            let have = spec.capacity.t() * avail;
            let on_hand = t.yard_th[x] / window_h;
            let hours_per_t = t.yard_th[x] / t.yard_t[x];
            ResourceLoad {
                name: spec.name.clone(),
                kind: ResourceKind::Yard,
                order_t_per_day: t.yard_t[x] / window_days,
                max_order_t_per_day: have / hours_per_t.max(f64::MIN_POSITIVE) * DAY,
                available: avail,
                load: ratio(on_hand, have),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
