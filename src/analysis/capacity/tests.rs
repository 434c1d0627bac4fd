//! `explain`'s loads against hand-worked figures and against the simulation.

use super::*;

/// In the tiny fixture the border interchange takes 1 h per 60-t wagon on one place and
/// also serves 40 background wagons up front and a 20-wagon train a day; a strike closes
/// the border with probability 0.2 for 1-3 days (2 on average), starting within the window.
#[test]
fn loads_follow_from_the_figures() {
    let w = crate::scenario::load_str(include_str!("../../../tests/fixtures/tiny.toml"), "tiny.toml", "tiny").unwrap();
    let e = capacity(&w);
    let x = e.stages.iter().find(|s| s.name == "border.interchange").unwrap();
    // 10 wagons per 600-t lot, 1 h each: 1/60 h per tonne.
    assert!((x.hours_per_t - 1.0 / 60.0).abs() < 1e-12, "{x:?}");
    // All 6,000 t pass the border within the window of `e.window_days`.
    assert!((x.order_t_per_day - 6000.0 / e.window_days).abs() < 1e-9);
    // Background: 20 wagons a day (1 job of 20 per day) plus 40 wagons of backlog.
    let bg = 20.0 + 40.0 / e.window_days;
    assert!((x.background_h_per_day - bg).abs() < 1e-9, "{x:?}");
    let available = 1.0 - 0.2 * 2.0 / e.window_days;
    assert!((x.available - available).abs() < 1e-9, "{x:?}");
    assert!((x.max_order_t_per_day - (24.0 * available - bg) * 60.0).abs() < 1e-6);
    assert_eq!(e.stages[0].name, "border.interchange");
}

/// One corridor, every time fixed: a mill makes 6,000 t in 200-t lots, each on 4 wagons
/// of a pool held from the mill to the destination, through a hub (a gate, possibly a yard
/// and a dwell) and an unloading stage, over a 30-day window. Each fixture makes one
/// resource bind at a load near 0.95 and the others well below.
fn corridor(mill_t_per_day: f64, wagons: u32, empty_return_h: f64, hub: &str) -> World {
    let text = format!(
        r#"
name = "corridor"
[order]
tonnes = 6000
start = 2025-09-01
deadline = 2025-09-30
mix = {{ steel = 1.0 }}
destinations = {{ dest = 1.0 }}
handover = ["dest"]
[pools.wagons]
units = {wagons}
payload_t = 50
empty_return = "{empty_return_h}h"
[mills.mill]
supplies = {{ steel = 1.0 }}
rate_t_per_day = {mill_t_per_day}
lot_t = 200
[nodes.hub]
{hub}
[nodes.dest]
stages = [{{ name = "unload", capacity = 4, service = "1h" }}]
[legs.to_hub]
from = "mill"
to = "hub"
mode = "rail"
pool = "wagons"
transit = "2h"
[legs.to_dest]
from = "hub"
to = "dest"
mode = "rail"
pool = "wagons"
transit = "2h"
[routes.rail]
modes = ["rail"]
"#
    );
    crate::scenario::load_str(&text, "corridor.toml", "corridor").unwrap_or_else(|e| panic!("{}", e.render(false)))
}

/// The explanation's bottleneck, and its simulated utilisation over one replication
/// (everything is fixed, so one is the mean): for a mill, the share of the replication
/// it spent making the order (it works without a break from the start to its last lot).
fn binding(w: &World) -> (ResourceLoad, f64) {
    use crate::model::Replication;
    let e = capacity(w);
    let b = e.bottleneck().unwrap().clone();
    let r = Replication::new(w, 0, 1, true).run().unwrap();
    assert_eq!(r.outcome, crate::engine::Outcome::Stopped, "the order completes");
    let end = r.end.value();
    let simulated = match b.kind {
        ResourceKind::Mill => {
            let trace = r.trace.unwrap();
            trace.rows.iter().filter(|row| row.step == 0).map(|row| row.entered).fold(0.0, f64::max) / end
        }
        _ => {
            let row = w.stages.iter_ids().find(|(_, s)| s.name == b.name).unwrap().0;
            r.utilisation[row].unwrap()
        }
    };
    (b, simulated)
}

fn assert_binds(w: &World, kind: ResourceKind, name: &str) {
    let (b, simulated) = binding(w);
    assert_eq!((b.kind, b.name.as_str()), (kind, name), "{b:?}");
    assert!(
        (b.load - simulated).abs() <= 0.10 * simulated,
        "{name}: load {:.3} against simulated utilisation {simulated:.3}",
        b.load
    );
}

const GATE: &str = r#"stages = [{ name = "gate", capacity = 4, service = "1h" }]"#;

/// Gate: 30 lots x 23 h on one place = 690 of 720 h (0.96); the mill 0.5; the pool 0.16.
#[test]
fn a_server_binds() {
    let w = corridor(400.0, 40, 10.0, r#"stages = [{ name = "gate", capacity = 1, service = "23h" }]"#);
    assert_binds(&w, ResourceKind::Server, "hub.gate");
}

/// Wagons: 30 lots x 4 wagons x a 46-h cycle (2 + 1 + 2 + 1 h, 40 h back) on 8 wagons =
/// 5,520 of 5,760 wagon-hours (0.96); the mill 0.5.
#[test]
fn a_carrier_pool_binds() {
    let w = corridor(400.0, 8, 40.0, GATE);
    assert_binds(&w, ResourceKind::Pool, "wagons");
}

/// The mill: 6,000 t at 210 t/day take 28.6 of 30 days (0.95).
#[test]
fn a_mill_binds() {
    let w = corridor(210.0, 40, 10.0, GATE);
    assert_binds(&w, ResourceKind::Mill, "mill");
}

/// The yard: 6,000 t each 45.6 h inside (a 44.6-h dwell and the gate) is 380 t on hand on
/// average over 720 h, in a yard of 400 t (0.95); the mill 0.85.
#[test]
fn a_yard_binds() {
    let hub = r#"yard_t = 400
stages = [{ name = "storage", dwell = "44.6h" }, { name = "gate", capacity = 4, service = "1h" }]"#;
    let w = corridor(235.0, 40, 10.0, hub);
    assert_binds(&w, ResourceKind::Yard, "hub.yard");
}

/// A disruption's factor counts over the share of the window it lasts: the gate at half
/// capacity for half the window has three quarters of its hours.
#[test]
fn disruptions_count_for_the_share_of_the_window_they_last() {
    let hub = r#"stages = [{ name = "gate", capacity = 1, service = "10h" }]
[[disruptions]]
name = "slow"
target = "hub.gate"
at = 2025-09-01
duration = "15d"
factor = 0.5"#;
    let w = corridor(400.0, 40, 10.0, hub);
    let e = capacity(&w);
    let gate = e.resources.iter().find(|r| r.name == "hub.gate").unwrap();
    assert!((gate.available - 0.75).abs() < 1e-9, "{gate:?}");
    assert!((gate.load - 300.0 / (720.0 * 0.75)).abs() < 1e-9, "{gate:?}");
}
