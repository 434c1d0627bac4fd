//! Tests of the replication as a whole: books, invariants, lazy supplies.

use super::*;
use crate::model::ids::Id;
use crate::model::units::Tonnes;
use crate::model::world::Step;

fn tiny() -> World {
    crate::scenario::load_str(include_str!("../../../tests/fixtures/tiny.toml"), "tiny.toml", "tiny").unwrap()
}

#[test]
fn the_books_balance_after_a_run() {
    let w = tiny();
    for i in 0..50 {
        let r = Replication::new(&w, i, 1000 + i, false).run().unwrap();
        assert_eq!(r.delivered + r.in_transit + r.unproduced, w.order.tonnes);
    }
}

#[test]
fn a_broken_balance_aborts_and_names_the_replication() {
    let w = tiny();
    let mut rep = Replication::new(&w, 17, 5, false);
    let mut sched = Scheduler::new();
    rep.start(&mut sched);
    run(&mut Driver(&mut rep), &mut sched, w.horizon, w.max_events);
    // Forge one lot's mass: a tonne appears from nowhere.
    rep.lots[LotId::from_index(0)].tonnes += Tonnes::from_t(1.0).unwrap();
    let err = rep.finish(sched.now(), sched.processed(), Outcome::Stopped).unwrap_err();
    assert_eq!(err.index, 17);
    assert!(err.to_string().starts_with("replication 17: tonnes not conserved"), "{err}");
}

#[test]
fn full_checks_hold_on_every_event_of_the_fixtures() {
    for (text, name) in [
        (include_str!("../../../tests/fixtures/tiny.toml"), "tiny.toml"),
        (include_str!("../../../tests/fixtures/sea.toml"), "sea.toml"),
        (include_str!("../../../tests/fixtures/border_closed_random.toml"), "border_closed_random.toml"),
    ] {
        let w = crate::scenario::load_str(text, name, "fixture").unwrap();
        for i in 0..20 {
            let r = Replication::new(&w, i, 77 + i, false).with_checks(Checks::Full).run();
            assert!(r.is_ok(), "{name}: {}", r.unwrap_err());
        }
    }
}

/// Supply arrivals are applied lazily; a lot waiting for carriers must still get them at
/// the exact time of the arrival that completes its set, never later. Here the broad
/// pool starts empty and gets one lot's worth of wagons every 47 h (not a whole number of days,
/// so no daily event happens to coincide with an arrival), and nothing else
/// brings wagons (none return): a lot that waits for them leaves at a multiple of 47 h.
#[test]
fn lots_waiting_for_a_supply_get_carriers_at_its_arrival() {
    let text = include_str!("../../../tests/fixtures/tiny.toml").replace(
        "[pools.broad]\nunits = 40\npayload_t = 60\nempty_return = \"3d\"",
        "[pools.broad]\nunits = 0\npayload_t = 60\nempty_return = \"3d\"\nreturn_share = 0\n\
         supply = { every = \"47h\", units = 10 }",
    );
    assert!(text.contains("every = \"47h\""), "the fixture changed; update this test");
    let w = crate::scenario::load_str(&text, "tiny.toml", "tiny").unwrap();
    let broad = w.pools.iter_ids().find(|(_, p)| p.name == "broad").unwrap().0;
    for i in 0..5 {
        let r = Replication::new(&w, i, 40 + i, true).run().unwrap();
        assert_eq!(r.outcome, Outcome::Stopped, "replication {i} finished");
        let trace = r.trace.unwrap();
        let mut waited = 0;
        for row in &trace.rows {
            let route = &w.routes[trace.lots[row.lot].route];
            if route.step(row.step) == Step::Acquire(broad) && row.left > row.entered {
                waited += 1;
                let k = row.left / 47.0;
                assert!((k - k.round()).abs() < 1e-9, "lot {} got its wagons at {} h", row.lot, row.left);
            }
        }
        assert!(waited > 0, "replication {i}: no lot waited for a supply");
    }
}

#[test]
fn a_forged_lot_is_caught_at_the_next_event() {
    let w = tiny();
    let mut rep = Replication::new(&w, 3, 5, false).with_checks(Checks::Full);
    let mut sched = Scheduler::new();
    rep.start(&mut sched);
    run(&mut Driver(&mut rep), &mut sched, w.horizon, 500);
    assert!(rep.violation.is_none(), "{:?}", rep.violation);
    assert!(!rep.lots.is_empty());
    rep.lots[LotId::from_index(0)].tonnes += Tonnes::from_t(1.0).unwrap();
    let what = rep.check_invariants(sched.now(), sched.processed()).unwrap_err().to_string();
    assert!(what.contains("not conserved") || what.contains("yard"), "{what}");
}

// ----- one mechanism at a time -------------------------------------------------------------
//
// Small worlds with every time fixed: a mill (1 t/h, 24-t lots, three lots), a wagon pool (one
// wagon per lot, back 5 h after release), a leg of 10 h and a destination whose stages each
// test chooses. Times are worked out by hand in each test.

/// The world with `stock_t` in the mill's stock and `wagons` wagons; `mill`, `leg` and `dest`
/// are extra lines for the mill, the leg and the destination node.
fn world(stock_t: u32, wagons: u32, mill: &str, leg: &str, dest: &str) -> World {
    let text = world_text(stock_t, wagons, mill, leg, dest);
    crate::scenario::load_str(&text, "unit.toml", "unit").unwrap_or_else(|e| panic!("{}", e.render(false)))
}

/// The text of [`world`].
fn world_text(stock_t: u32, wagons: u32, mill: &str, leg: &str, dest: &str) -> String {
    corridor(
        "tonnes = 72\ndeadline = 2025-09-30",
        &format!("units = {wagons}\npayload_t = 24\nempty_return = \"5h\""),
        &format!("rate_t_per_day = 24\nlot_t = 24\nstock_t = {stock_t}\n{mill}"),
        dest,
        &format!("transit = \"10h\"\n{leg}"),
    )
}

/// One mill making steel for one destination over one rail leg, with one wagon pool: each
/// argument holds the lines of its table (`[order]` beyond its product and destination,
/// `[pools.wagons]`, `[mills.mill]` beyond what it supplies, `[nodes.dest]`, `[legs.to_dest]`
/// beyond its ends).
fn corridor(order: &str, pool: &str, mill: &str, dest: &str, leg: &str) -> String {
    format!(
        r#"
name = "unit"
[order]
start = 2025-09-15
mix = {{ steel = 1.0 }}
destinations = {{ dest = 1.0 }}
handover = ["dest"]
{order}
[pools.wagons]
{pool}
[mills.mill]
supplies = {{ steel = 1.0 }}
{mill}
[nodes.dest]
{dest}
[legs.to_dest]
from = "mill"
to = "dest"
mode = "rail"
pool = "wagons"
{leg}
[routes.rail]
modes = ["rail"]
"#
    )
}

const UNLOAD: &str = r#"stages = [{ name = "unload", capacity = 3, service = "1h" }]"#;

/// Each lot's trace rows at the steps `at` picks, in lot order: (lot, entered, started, left).
fn rows(w: &World, at: impl Fn(Step) -> bool) -> Vec<(usize, f64, f64, f64)> {
    let r = Replication::new(w, 0, 1, true).with_checks(Checks::Full).run().unwrap();
    assert_eq!(r.outcome, Outcome::Stopped, "the order completes");
    let trace = r.trace.unwrap();
    let mut out: Vec<_> = trace
        .rows
        .iter()
        .filter(|row| at(w.routes[trace.lots[row.lot].route].step(row.step)))
        .map(|row| (row.lot.index(), row.entered, row.started, row.left))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.3.total_cmp(&b.3)));
    out
}

/// An inspection is extra time at the server: the next lot waits for it too.
#[test]
fn an_inspection_holds_the_server() {
    let dest =
        r#"stages = [{ name = "customs", capacity = 1, service = "2h", inspection = { p = 1.0, time = "3h" } }]"#;
    let w = world(72, 3, "", "", dest);
    // All three lots are in stock, leave at 0 and arrive at 10; each takes 2 + 3 h in turn.
    let customs = |s| matches!(s, Step::Serve { .. });
    assert_eq!(rows(&w, customs), [(0, 10.0, 10.0, 15.0), (1, 10.0, 15.0, 20.0), (2, 10.0, 20.0, 25.0)]);
}

/// Carriers come back a fixed time after release; a lot with none free waits for them.
#[test]
fn carriers_return_empty_after_their_return_time() {
    let w = world(72, 1, "", "", UNLOAD);
    // One wagon: lot 0 takes it at 0, unloads 10-11 and releases it, back at 16. Lot 1 takes
    // it at 16 and releases it at 27, back at 32 for lot 2.
    let acquire = |s| matches!(s, Step::Acquire(_));
    assert_eq!(rows(&w, acquire), [(0, 0.0, 0.0, 0.0), (1, 0.0, 16.0, 16.0), (2, 0.0, 32.0, 32.0)]);
}

/// A train leaves when full, or when its first wagon has waited the maximum.
#[test]
fn grouped_departures_leave_full_or_after_the_maximum_wait() {
    let departures = |w: &World| -> Vec<(usize, f64)> {
        rows(w, |s| matches!(s, Step::Leg(_))).iter().map(|r| (r.0, r.2)).collect()
    };
    // No stock: lots are made at 24, 48 and 72 h. Trains of two: lots 0 and 1 leave when the
    // second joins, at 48; lot 2 waits alone for 30 h and leaves at 102.
    let w = world(0, 3, "", r#"departures = { size = 2, max_wait = "30h" }"#, UNLOAD);
    assert_eq!(departures(&w), [(0, 48.0), (1, 48.0), (2, 102.0)]);
    // Trains of three: lot 0's 30 h run out at 54 and lots 0 and 1 leave; lot 2 at 102.
    let w = world(0, 3, "", r#"departures = { size = 3, max_wait = "30h" }"#, UNLOAD);
    assert_eq!(departures(&w), [(0, 54.0), (1, 54.0), (2, 102.0)]);
}

/// A full yard keeps the next lot at its gate until a lot inside leaves.
#[test]
fn a_full_yard_keeps_lots_at_its_gate() {
    let dest = "yard_t = 48\nstages = [{ name = \"unload\", capacity = 3, service = \"5h\" }]";
    let w = world(72, 3, "", "", dest);
    // Room for two lots: lots 0 and 1 enter at 10, unload 10-15 and leave; lot 2 waits at the
    // gate from 10 to 15, then unloads 15-20.
    let enter = |s| matches!(s, Step::EnterStore(_));
    assert_eq!(rows(&w, enter), [(0, 10.0, 10.0, 10.0), (1, 10.0, 10.0, 10.0), (2, 10.0, 15.0, 15.0)]);
    let unload = |s| matches!(s, Step::Serve { .. });
    assert_eq!(rows(&w, unload), [(0, 10.0, 10.0, 15.0), (1, 10.0, 10.0, 15.0), (2, 15.0, 15.0, 20.0)]);
}

/// A mill's breakdown stops the lot in production, which resumes where it stopped.
#[test]
fn a_breakdown_pauses_production_which_resumes_where_it_stopped() {
    let made = |w: &World| -> Vec<f64> { rows(w, |s| matches!(s, Step::Acquire(_))).iter().map(|r| r.1).collect() };
    assert_eq!(made(&world(0, 3, "", "", UNLOAD)), [24.0, 48.0, 72.0], "without breakdowns: a lot a day");
    let w = world(0, 3, r#"failures = { between = "10h", repair = "6h" }"#, "", UNLOAD);
    // Up 0-10 (10 t), down 10-16, up 16-26 (20 t), down 26-32, up 32-36: lot 0 at 36.
    // Up 36-42 (6 t), down 42-48, up 48-58 (16 t), down 58-64, up 64-72: lot 1 at 72.
    // Up 72-74 (2 t), down 74-80, up 80-90 (12 t), down 90-96, up 96-106 (22 t), down
    // 106-112, up 112-114: lot 2 at 114.
    assert_eq!(made(&w), [36.0, 72.0, 114.0]);
}

/// Mills with a capacity: a disruption halves the output (40 t/day to 20) for the whole run;
/// the order's 24 t/day allocation fares by the mill's priority.
#[test]
fn the_order_s_allocation_follows_the_mill_s_priority() {
    let halved =
        "[[disruptions]]\nname = \"cut\"\ntarget = \"mill\"\nat = 2025-09-15\nduration = \"60d\"\nfactor = 0.5";
    let first_lot = |mill: &str| -> f64 {
        let w = world(0, 3, mill, halved, UNLOAD);
        rows(&w, |s| matches!(s, Step::Acquire(_)))[0].1
    };
    // Without a capacity the allocation takes the factor: 12 t/day, a lot in 48 h.
    assert_eq!(first_lot(""), 48.0);
    // In proportion: the same.
    assert_eq!(first_lot("capacity_t_per_day = 40\npriority = \"share\""), 48.0);
    // First: all 20 t/day of the output, a lot in 28.8 h.
    assert!((first_lot("capacity_t_per_day = 40\npriority = \"first\"") - 28.8).abs() < 1e-9);
    // Last: what the other customers' 16 t/day leave, 4 t/day, a lot in 144 h.
    assert!((first_lot("capacity_t_per_day = 40\npriority = \"last\"") - 144.0).abs() < 1e-9);
    // With the order first and output to spare, the cut does not reach the order.
    assert_eq!(first_lot("capacity_t_per_day = 100\npriority = \"first\""), 24.0);
}

/// A mill that draws an exponential production time per lot (mean m) and has preemptive-resume
/// breakdowns, Poisson in up time, finishes its n lots at E[T] = n m (1 + E[repair] / MTBF):
/// the work is n m on average and each hour of it brings 1 / MTBF failures. Here n = 30,
/// m = 10 h, MTBF = 40 h, repairs exponential with mean 10 h: E[T] = 375 h. Var[T] =
/// 1.25^2 n m^2 + n m E[R^2] / MTBF = 6,187.5 h^2 (sd 79 h), so 2,000 replications give a 99 %
/// interval of about +/- 4.5 h; the check is that 375 h lies inside it (fixed seeds).
#[test]
fn a_mill_with_breakdowns_finishes_when_the_theory_says() {
    let text = corridor(
        "tonnes = 720\ndeadline = 2026-09-30",
        "units = 30\npayload_t = 24\nempty_return = \"5h\"",
        "production_time = { dist = \"exponential\", mean = \"10h\" }\nlot_t = 24\n\
         failures = { between = { dist = \"exponential\", mean = \"40h\" }, repair = { dist = \"exponential\", mean = \"10h\" } }",
        r#"stages = [{ name = "unload", capacity = 30, service = "1h" }]"#,
        "transit = \"10h\"",
    );
    let w = crate::scenario::load_str(&text, "mill.toml", "mill").unwrap_or_else(|e| panic!("{}", e.render(false)));
    let mut m = crate::stats::exact::Moments::default();
    for i in 0..2000 {
        let r = Replication::new(&w, i, 9000 + i, true).run().unwrap();
        let trace = r.trace.unwrap();
        let last = trace
            .rows
            .iter()
            .filter(|row| matches!(w.routes[trace.lots[row.lot].route].step(row.step), Step::Acquire(_)))
            .map(|row| row.entered)
            .fold(0.0, f64::max);
        m.add(last);
    }
    let (lo, hi) = m.mean_ci(0.99).unwrap();
    assert!(lo <= 375.0 && 375.0 <= hi, "E[last lot] = 375 h outside the 99 % interval [{lo:.1}, {hi:.1}]");
    assert!(hi - lo < 12.0, "the interval [{lo:.1}, {hi:.1}] is too wide to test anything");
}

/// A carrier pool alone passes units / E[cycle] lots per hour in steady state (a renewal
/// process per carrier). Here 5 wagons, one per lot, each cycle an exponential 10-h run, a 1-h
/// unloading and an exponential 13-h return: E[cycle] = 24 h, so 5/24 lots an hour, 416.7 in
/// the 2,000 h from 500 h to 2,500 h (1,000 lots wait at the mill from the start, so the
/// wagons never idle). The count's variance is about U t Var(cycle) / E[cycle]^3 = 195, so
/// 200 replications give a 99 % interval of about +/- 2.6 around the mean; the check is that
/// 416.7 lies inside it (fixed seeds).
#[test]
fn a_carrier_pool_passes_its_units_over_its_mean_cycle() {
    let text = corridor(
        "tonnes = 24000\ndeadline = 2026-06-30",
        "units = 5\npayload_t = 24\nempty_return = { dist = \"exponential\", mean = \"13h\" }",
        "rate_t_per_day = 24\nlot_t = 24\nstock_t = 24000",
        r#"stages = [{ name = "unload", capacity = 100, service = "1h" }]"#,
        r#"transit = { dist = "exponential", mean = "10h" }"#,
    );
    let w = crate::scenario::load_str(&text, "pool.toml", "pool").unwrap_or_else(|e| panic!("{}", e.render(false)));
    let mut m = crate::stats::exact::Moments::default();
    for i in 0..200 {
        let r = Replication::new(&w, i, 7000 + i, true).run().unwrap();
        let trace = r.trace.unwrap();
        let delivered = trace
            .rows
            .iter()
            .filter(|row| w.routes[trace.lots[row.lot].route].step(row.step) == Step::Deliver)
            .filter(|row| (500.0..2500.0).contains(&row.entered))
            .count();
        m.add(delivered as f64);
    }
    let theory = 5.0 / 24.0 * 2000.0;
    let (lo, hi) = m.mean_ci(0.99).unwrap();
    assert!(lo <= theory && theory <= hi, "{theory:.1} lots outside the 99 % interval [{lo:.1}, {hi:.1}]");
    assert!(hi - lo < 8.0, "the interval [{lo:.1}, {hi:.1}] is too wide to test anything");
}

/// Two mills making the same steel, one four times as fast: the fast one has two 24-t lots
/// (12 h each), the slow one eight (48 h each). `extra` goes into `[order]`.
fn two_mills(fast_share: f64, fast_rate: u32, extra: &str) -> World {
    let text = format!(
        r#"
name = "two_mills"
[order]
tonnes = 240
start = 2025-09-15
deadline = 2025-10-30
mix = {{ steel = 1.0 }}
destinations = {{ dest = 1.0 }}
handover = ["dest"]
{extra}
[pools.wagons]
units = 10
payload_t = 24
empty_return = "5h"
[mills.fast]
supplies = {{ steel = {fast_share} }}
rate_t_per_day = {fast_rate}
lot_t = 24
[mills.slow]
supplies = {{ steel = {} }}
rate_t_per_day = 12
lot_t = 24
[nodes.dest]
{UNLOAD}
[legs.fast_to_dest]
from = "fast"
to = "dest"
mode = "rail"
pool = "wagons"
transit = "10h"
[legs.slow_to_dest]
from = "slow"
to = "dest"
mode = "rail"
pool = "wagons"
transit = "10h"
[routes.rail]
modes = ["rail"]
"#,
        1.0 - fast_share
    );
    crate::scenario::load_str(&text, "two.toml", "two").unwrap_or_else(|e| panic!("{}", e.render(false)))
}

/// When each lot was made, in time order, and the tonnes moved between mills.
fn made(w: &World) -> (Vec<f64>, f64) {
    let r = Replication::new(w, 0, 1, true).with_checks(Checks::Full).run().unwrap();
    let trace = r.trace.unwrap();
    let mut at: Vec<f64> = trace
        .rows
        .iter()
        .filter(|row| matches!(w.routes[trace.lots[row.lot].route].step(row.step), Step::Acquire(_)))
        .map(|row| row.entered)
        .collect();
    at.sort_by(f64::total_cmp);
    (at, r.reallocated.t())
}

/// A mill with nothing left takes over the slow mill's last lots one at a time, as long as it
/// would finish a lot (12 h) before the slow mill would reach it.
#[test]
fn an_idle_mill_takes_over_the_lots_another_would_finish_later() {
    let (at, moved) = made(&two_mills(0.2, 48, ""));
    assert_eq!(at, [12.0, 24.0, 48.0, 96.0, 144.0, 192.0, 240.0, 288.0, 336.0, 384.0], "each mill its own lots");
    assert_eq!(moved, 0.0);
    // From 24 h the fast mill takes the slow mill's lots from the end of its plan: at 24, 36,
    // 48, 60 and 72 h one with hundreds of hours of slow work ahead of it; at 84 h the last
    // lot not started, with 6 t left of the slow mill's lot in hand: 60 h ahead against 12.
    // The slow mill makes its first two lots (48 and 96 h), the fast mill the other six.
    let (at, moved) = made(&two_mills(0.2, 48, "reallocate = \"when_idle\""));
    assert_eq!(at, [12.0, 24.0, 36.0, 48.0, 48.0, 60.0, 72.0, 84.0, 96.0, 96.0]);
    assert_eq!(moved, 6.0 * 24.0);
}

/// Nothing moves when the idle mill would finish the lot later than its own mill would.
#[test]
fn a_lot_stays_where_it_would_be_made_sooner() {
    // The slow mill (12 t/day) makes its one lot by 48 h; the fast one (96 t/day, 6 h a lot)
    // then has at most its last lot to start, 6 h away, against the slow mill's 48 h.
    let (at, moved) = made(&two_mills(0.9, 96, "reallocate = \"when_idle\""));
    assert_eq!(moved, 0.0);
    assert_eq!(at.last(), Some(&54.0));
}

/// An allocation known only within a range scales the order's rate, not the mill's output:
/// half of a 24 t/day allocation is 12 t/day even with the order first at a 40 t/day mill,
/// where half the capacity would have left the order 20 t/day.
#[test]
fn an_uncertain_allocation_scales_the_order_s_share_not_the_mill() {
    let first_lot = |scales: &str| -> f64 {
        let row = format!("[[uncertain]]\nname = \"u\"\ntarget = \"mill\"\n{scales}\nfactor = 0.5");
        let w = world(0, 3, "capacity_t_per_day = 40\npriority = \"first\"", &row, UNLOAD);
        rows(&w, |s| matches!(s, Step::Acquire(_)))[0].1
    };
    assert_eq!(first_lot("scales = \"allocation\""), 48.0);
    assert!((first_lot("") - 28.8).abs() < 1e-9);
}

/// A pool that changes on a date has that many carriers from then: when it grows, the new
/// ones serve the lots waiting; when it shrinks, free carriers leave at once and the others as
/// they come back.
#[test]
fn a_pool_has_its_dated_number_of_carriers_from_that_day() {
    let acquired = |text: &str| -> Vec<f64> {
        let w = crate::scenario::load_str(text, "pool.toml", "pool").unwrap_or_else(|e| panic!("{}", e.render(false)));
        rows(&w, |s| matches!(s, Step::Acquire(_))).iter().map(|r| r.2).collect()
    };
    let grows = world_text(72, 1, "", "", UNLOAD)
        .replace("empty_return = \"5h\"", "empty_return = \"5h\"\nchanges = [{ at = 2025-09-16, units = 3 }]");
    // One wagon: lot 0 takes it at 0, lot 1 when it is back at 16; lot 2 gets one of the two
    // that join at 24 h.
    assert_eq!(acquired(&grows), [0.0, 16.0, 24.0]);
    // Three wagons, nine lots in stock, 16 h a round trip: lots leave three at a time at 0,
    // 16 and 32 h. Down to one wagon from 24 h (all three away): two leave as they come back
    // at 32 h, and the one left carries lots 6, 7 and 8 at 32, 48 and 64 h.
    let shrinks = world_text(216, 3, "", "", UNLOAD).replace("tonnes = 72", "tonnes = 216");
    assert_eq!(acquired(&shrinks), [0.0, 0.0, 0.0, 16.0, 16.0, 16.0, 32.0, 32.0, 32.0]);
    let shrinks =
        shrinks.replace("empty_return = \"5h\"", "empty_return = \"5h\"\nchanges = [{ at = \"start+1d\", units = 1 }]");
    assert_eq!(acquired(&shrinks), [0.0, 0.0, 0.0, 16.0, 16.0, 16.0, 32.0, 48.0, 64.0]);
}

/// A stage whose places change on a date has that many from then: more places serve the
/// lots waiting at once; fewer are not taken from lots in service, only not handed out again.
#[test]
fn a_stage_has_its_dated_number_of_places_from_that_day() {
    let starts = |dest: &str| -> Vec<f64> {
        let text = world_text(216, 9, "", "", dest).replace("tonnes = 72", "tonnes = 216");
        let w =
            crate::scenario::load_str(&text, "stage.toml", "stage").unwrap_or_else(|e| panic!("{}", e.render(false)));
        rows(&w, |s| matches!(s, Step::Serve { .. })).iter().map(|r| r.2).collect()
    };
    let unload = |capacity: u32, changes: &str| {
        format!("stages = [{{ name = \"unload\", capacity = {capacity}, service = \"8h\"{changes} }}]")
    };
    // Nine lots arrive at 10 h. One place until 24 h, three from then: lots 0 and 1 at 10 and
    // 18; lots 2 and 3 take the two new places at 24; lot 4 when lot 1 is done at 26; then
    // 5 and 6 at 32, 7 at 34, 8 at 40.
    let grows = unload(1, ", changes = [{ at = \"start+1d\", capacity = 3 }]");
    assert_eq!(starts(&grows), [10.0, 18.0, 24.0, 24.0, 26.0, 32.0, 32.0, 34.0, 40.0]);
    // Three places until 24 h, one from then: lots 3, 4, 5 (started at 18) keep theirs to 26;
    // then one at a time.
    assert_eq!(starts(&unload(3, "")), [10.0, 10.0, 10.0, 18.0, 18.0, 18.0, 26.0, 26.0, 26.0]);
    let shrinks = unload(3, ", changes = [{ at = \"start+1d\", capacity = 1 }]");
    assert_eq!(starts(&shrinks), [10.0, 10.0, 10.0, 18.0, 18.0, 18.0, 26.0, 34.0, 42.0]);
    // What the analyses read of it: the places on a date, and averaged over a window.
    let w = crate::scenario::load_str(&world_text(216, 9, "", "", &grows), "s.toml", "s").unwrap();
    let spec = &w.servers[crate::model::ids::ServerId::from_index(0)];
    assert_eq!((spec.capacity_at(23.9), spec.capacity_at(24.0), spec.max_capacity()), (1, 3, 3));
    assert_eq!(spec.mean_capacity(48.0), 2.0);
}

/// A route taken only from the day it opens, or until the day it closes: lots are made at
/// 24, 48 and 72 h and dealt to the routes open when they leave the mill.
#[test]
fn lots_take_only_the_routes_open_when_they_leave() {
    let corridors = |w: &World| -> Vec<String> {
        let r = Replication::new(w, 0, 1, true).with_checks(Checks::Full).run().unwrap();
        let trace = r.trace.unwrap();
        trace.lots.iter().map(|l| w.corridors[w.routes[l.route].corridor].clone()).collect()
    };
    let two = |rail: &str, late: &str| -> String {
        world_text(0, 3, "", "", UNLOAD).replace(
            "[routes.rail]\nmodes = [\"rail\"]",
            &format!("[routes.rail]\nmodes = [\"rail\"]\nshare = 0.5\n{rail}\n[routes.late]\nmodes = [\"rail\"]\nshare = 0.5\n{late}"),
        )
    };
    let load = |text: &str| crate::scenario::load_str(text, "r.toml", "r");
    let w = load(&two("", "opens = \"start+2d\"")).unwrap();
    // Only `rail` is open for the first lot; from 48 h the two share the lots, ties to the first.
    assert_eq!(corridors(&w), ["rail", "rail", "late"]);
    let w = load(&two("closes = \"start+2d\"", "")).unwrap();
    assert_eq!(corridors(&w), ["rail", "late", "late"]);
    // A day on which neither is open is refused: a lot made then would have nowhere to go.
    let e = load(&two("closes = \"start+2d\"", "opens = \"start+3d\"")).unwrap_err();
    let said = e.diagnostics().iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("\n");
    assert!(said.contains("from 2025-09-17 until 2025-09-18 no route is open from `mill` to `dest`"), "{said}");
    let e = load(&two("opens = \"start+3d\"\ncloses = \"start+2d\"", "")).unwrap_err();
    assert!(e.diagnostics().iter().any(|d| d.path == "routes.rail.closes"), "{:?}", e.diagnostics());
}

/// A replication asked to stop stops at its next look at the flag (the first event here), with
/// an error rather than a result; without the request it runs to its end.
#[test]
fn a_replication_stops_when_asked() {
    let w = world(0, 3, "", "", UNLOAD);
    let flag = std::sync::atomic::AtomicBool::new(false);
    assert!(Replication::new(&w, 0, 1, false).with_cancel(&flag).run().is_ok());
    flag.store(true, std::sync::atomic::Ordering::SeqCst);
    let stopped = Replication::new(&w, 0, 1, false).with_cancel(&flag).run();
    assert!(matches!(stopped, Err(crate::model::ReplicationError::Cancelled { index: 0 })), "{stopped:?}");
}
