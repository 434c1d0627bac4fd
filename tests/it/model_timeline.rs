//! A scenario with every time fixed, run through the whole stack, against a timeline
//! worked out by hand.
//!
//! One mill makes 1 t/h; lots are 24 t, so lot 0 is ready at 24 h and lot 1 at 48 h. A lot
//! needs two 12-t wagons and the pool has two, returning 5 h after release.
//!
//! Lot 0: wagons at 24, loading 24-26, to the border 26-36, check 36-38 (2 wagons x 1 h),
//!        handover 38, to the destination 38-42, unload 42-45, wagons released at 45.
//! Lot 1: ready at 48 but the wagons are back only at 45 + 5 = 50; loading 50-52, border
//!        52-62, check 62-64, handover 64, destination 64-68, unload 68-71.
//! So the order completes at 71 h (handover at 64 h), well before the deadline (144 h).

use steelsim::experiment::{Plan, run};
use steelsim::model::ids::{Id, LotId};
use steelsim::scenario;

fn world() -> steelsim::model::World {
    let text = include_str!("../fixtures/deterministic.toml");
    scenario::load_str(text, "deterministic.toml", "deterministic").unwrap()
}

#[test]
fn every_lot_follows_the_hand_computed_timeline() {
    let w = world();
    let out = run(&w, &Plan { replications: 1, seed: 1, threads: Some(1), trace: Some(0) }, &mut |_| {}).unwrap();
    let trace = &out.traces.first().unwrap().1;
    let route = &w.routes[trace.lots[LotId::from_index(0)].route];
    let mut timeline: Vec<(usize, String, f64, f64, f64)> = trace
        .rows
        .iter()
        .map(|r| {
            let kind = format!("{:?}", route.step(r.step));
            let kind = kind.split(['(', ' ', '{']).next().unwrap().to_string();
            (r.lot.index(), kind, r.entered, r.started, r.left)
        })
        .collect();
    timeline.sort_by(|a, b| a.0.cmp(&b.0).then(a.4.total_cmp(&b.4)));
    let expected: Vec<(usize, &str, f64, f64, f64)> = vec![
        (0, "Acquire", 24.0, 24.0, 24.0),
        (0, "Serve", 24.0, 24.0, 26.0),
        (0, "Leg", 26.0, 26.0, 36.0),
        (0, "Serve", 36.0, 36.0, 38.0),
        (0, "Handover", 38.0, 38.0, 38.0),
        (0, "Leg", 38.0, 38.0, 42.0),
        (0, "Serve", 42.0, 42.0, 45.0),
        (0, "Release", 45.0, 45.0, 45.0),
        (0, "Deliver", 45.0, 45.0, 45.0),
        (1, "Acquire", 48.0, 50.0, 50.0),
        (1, "Serve", 50.0, 50.0, 52.0),
        (1, "Leg", 52.0, 52.0, 62.0),
        (1, "Serve", 62.0, 62.0, 64.0),
        (1, "Handover", 64.0, 64.0, 64.0),
        (1, "Leg", 64.0, 64.0, 68.0),
        (1, "Serve", 68.0, 68.0, 71.0),
        (1, "Release", 71.0, 71.0, 71.0),
        (1, "Deliver", 71.0, 71.0, 71.0),
    ];
    let got: Vec<(usize, &str, f64, f64, f64)> =
        timeline.iter().map(|(l, k, a, b, c)| (*l, k.as_str(), *a, *b, *c)).collect();
    assert_eq!(got, expected);
    let row = &out.rows.to_vec()[0];
    assert_eq!(row.completion_days, Some(71.0 / 24.0));
    assert_eq!(row.handover_completion_days, Some(64.0 / 24.0));
    assert_eq!(row.delivered.t(), 48.0);
    // Events, counted by hand: 2 productions; per lot 3 service ends (loading, check,
    // unload) and 2 arrivals; 1 wagon return (lot 0's, at 50 h); 2 end-of-day snapshots (24 h,
    // 48 h). Lot 1's wagons would be back at 76 h and the deadline is at 144 h, but the run
    // stops when the order completes at 71 h.
    assert_eq!(row.events, 2 + 2 * (3 + 2) + 1 + 2);
    // The daily series: nothing by the end of day 1 (24 h), lot 0 (delivered at 45 h) by
    // the end of day 2, both when the run ends at 71 h (the partial third day).
    let daily = &out.agg.daily.delivered;
    let means: Vec<Option<f64>> = daily.days.iter().map(|c| c.moments.mean()).collect();
    assert_eq!(means, [Some(0.0), Some(24.0), Some(48.0)]);
}

#[test]
fn the_summary_reports_on_time_at_both_points() {
    let w = world();
    let plan = Plan { replications: 3, seed: 9, threads: Some(1), trace: None };
    let out = run(&w, &plan, &mut |_| {}).unwrap();
    let s = steelsim::analysis::summary::build(&w, plan.seed, &out);
    assert_eq!(s.destination.p_on_time, 1.0);
    assert_eq!(s.handover.delivery.p_on_time, 1.0);
    assert_eq!(s.destination.completion_days.p50, Some(71.0 / 24.0));
    assert_eq!(s.handover.delivery.completion_days.p99, Some(64.0 / 24.0));
    assert_eq!(s.destination.promise[0].date.as_deref(), Some("2025-09-17"));
}

/// Line `b` (2 t/h) makes lots at 12 h and 24 h, line `a` (1 t/h) at 24 h and 48 h; each
/// reaches the port 2 h later. The vessel takes 48 t (two lots):
/// - b0 (port at 14) and a0 (26) fill it at 26: sail 26-36. The vessel is back at
///   26 + 10 + 30 = 66.
/// - b1 (26) and a1 (50) fill the next group at 50, which waits for the vessel until 66:
///   sail 66-76.
///
/// Handover at the port completes at 50 h, delivery at 76 h.
#[test]
fn parallel_lines_and_a_vessel_follow_the_hand_computed_timeline() {
    let w = scenario::load_str(include_str!("../fixtures/sea.toml"), "sea.toml", "sea").unwrap();
    let out = run(&w, &Plan { replications: 1, seed: 1, threads: Some(1), trace: Some(0) }, &mut |_| {}).unwrap();
    let trace = &out.traces.first().unwrap().1;
    let product = |lot: LotId| w.order.products[trace.lots[lot].product].clone();
    let mut sea: Vec<(String, f64, f64, f64)> = trace
        .rows
        .iter()
        .filter(|r| r.step == 2) // mill -> port leg is step 0, the port's handover 1, the sea leg 2
        .map(|r| (product(r.lot), r.entered, r.started, r.left))
        .collect();
    sea.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.3.total_cmp(&y.3)).then(x.0.cmp(&y.0)));
    assert_eq!(
        sea,
        [
            ("b".to_string(), 14.0, 26.0, 36.0),
            ("a".to_string(), 26.0, 26.0, 36.0),
            ("b".to_string(), 26.0, 66.0, 76.0),
            ("a".to_string(), 50.0, 66.0, 76.0),
        ]
    );
    assert_eq!(out.rows.to_vec()[0].handover_completion_days, Some(50.0 / 24.0));
    assert_eq!(out.rows.to_vec()[0].completion_days, Some(76.0 / 24.0));
}
