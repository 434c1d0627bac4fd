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
