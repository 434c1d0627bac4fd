//! The order under its sales contract: where each Incoterm delivers (hand-computed times on
//! a scenario with every time fixed), the quantity tolerance, call-offs and liquidated
//! damages, and what the summary reports of them.

use steelsim::experiment::{Plan, run};
use steelsim::model::World;
use steelsim::model::world::Step;
use steelsim::scenario;

/// A world with every time fixed (the timeline of `tests/fixtures/deterministic.toml`, with
/// import customs after unloading at the destination) and the given `[contract]` lines.
///
/// Costs: loading 1 per t, the leg to the border 10 per t, the check 100 per lot, the leg to
/// the destination 4 per t, unloading 2 per t, customs 50 per lot: for the two lots of 24 t,
/// 48 + 480 + 200 + 192 + 96 + 100 = 1,116.
///
/// Lot 0: made at 24, wagons at 24, loading 24-26, to the border 26-36, check 36-38, to the
///        destination 38-42, unloading 42-45 (the wagons are given back once unloaded, and
///        are back at 50), customs 45-47.
/// Lot 1: made at 48, waits for the wagons until 50, loading 50-52, border 52-62, check
///        62-64, destination 64-68, unloading 68-71, customs 71-73.
pub(crate) fn text(contract: &str) -> String {
    format!(
        r#"
name = "contract"
[order]
tonnes = 48
start = 2025-09-15
deadline = 2025-09-20
mix = {{ steel = 1.0 }}
destinations = {{ dest = 1.0 }}
[contract]
{contract}
[pools.wagons]
units = 2
payload_t = 12
empty_return = "5h"
[mills.mill]
supplies = {{ steel = 1.0 }}
rate_t_per_day = 24
lot_t = 24
stages = [{{ name = "loading", capacity = 1, service = "2h", cost_per_t = 1 }}]
[nodes.border]
stages = [{{ name = "check", capacity = 1, service_per_carrier = "1h", cost_per_lot = 100 }}]
[nodes.dest]
stages = [
  {{ name = "unload", capacity = 1, service = "3h", ends_here = true, unloads = true, cost_per_t = 2 }},
  {{ name = "customs", capacity = 1, service = "2h", ends_here = true, clears_import = true, cost_per_lot = 50 }},
]
[legs.to_border]
from = "mill"
to = "border"
mode = "rail"
pool = "wagons"
transit = "10h"
cost_per_t = 10
[legs.to_dest]
from = "border"
to = "dest"
mode = "rail"
pool = "wagons"
transit = "4h"
cost_per_t = 4
[routes.rail]
modes = ["rail"]
"#
    )
}

fn world(contract: &str) -> World {
    scenario::load_str(&text(contract), "contract.toml", "contract").unwrap_or_else(|e| panic!("{}", e.render(false)))
}

/// When each lot was handed over (hours), in lot order.
fn handovers(w: &World) -> Vec<f64> {
    let out = run(w, &Plan { replications: 1, seed: 1, threads: Some(1), trace: Some(0) }, &mut |_| {}).unwrap();
    let trace = out.traces.into_iter().next().unwrap().1;
    let mut times: Vec<(usize, f64)> = trace
        .rows
        .iter()
        .filter(|r| w.routes[trace.lots[r.lot].route].step(r.step) == Step::Handover)
        .map(|r| (steelsim::model::ids::Id::index(r.lot), r.left))
        .collect();
    times.sort_by_key(|t| t.0);
    times.into_iter().map(|t| t.1).collect()
}

#[test]
fn each_incoterm_delivers_where_its_rule_says() {
    for (terms, expected) in [
        ("incoterm = \"EXW\"", [24.0, 48.0]),
        ("incoterm = \"FCA\"", [26.0, 52.0]),
        ("incoterm = \"CPT\"\nplace = \"dest\"", [26.0, 52.0]),
        ("incoterm = \"CIP\"\nplace = \"dest\"", [26.0, 52.0]),
        ("incoterm = \"FCA\"\nplace = \"border\"", [36.0, 62.0]),
        ("incoterm = \"DAP\"\nplace = \"border\"", [36.0, 62.0]),
        ("incoterm = \"DAP\"\nplace = \"dest\"", [42.0, 68.0]),
        // A lot bound for one of the places is delivered there, not at the first it passes.
        ("incoterm = \"DAP\"\nplace = [\"border\", \"dest\"]", [42.0, 68.0]),
        ("incoterm = \"DPU\"\nplace = \"dest\"", [45.0, 71.0]),
        ("incoterm = \"DDP\"\nplace = \"dest\"", [47.0, 73.0]),
    ] {
        assert_eq!(handovers(&world(terms)), expected, "{terms}");
    }
}

#[test]
fn each_incoterm_splits_the_costs_where_its_rule_says() {
    for (terms, seller) in [
        ("incoterm = \"EXW\"", 0.0),                     // the buyer loads
        ("incoterm = \"FCA\"", 48.0),                    // loaded by the seller
        ("incoterm = \"CPT\"\nplace = \"dest\"", 920.0), // carriage paid to the destination
        ("incoterm = \"CIP\"\nplace = \"dest\"", 920.0),
        ("incoterm = \"CPT\"\nplace = \"border\"", 528.0), // ... or only to the border
        ("incoterm = \"FCA\"\nplace = \"border\"", 528.0), // to the border, before its check
        ("incoterm = \"DAP\"\nplace = \"border\"", 528.0),
        ("incoterm = \"DAP\"\nplace = \"dest\"", 920.0), // all but unloading and customs
        ("incoterm = \"DPU\"\nplace = \"dest\"", 1016.0), // and unloading
        ("incoterm = \"DDP\"\nplace = \"dest\"", 1116.0), // everything
    ] {
        let w = world(terms);
        let out = run(&w, &Plan { replications: 1, seed: 1, threads: Some(1), trace: None }, &mut |_| {}).unwrap();
        let (r, k) = (&out.rows.to_vec()[0], out.rows.to_vec()[0].contract.unwrap());
        assert_eq!((r.cost, k.seller_cost, k.buyer_cost), (1116.0, seller, 1116.0 - seller), "{terms}");
    }
}

#[test]
fn a_contract_that_cannot_deliver_is_refused_where_it_is_written() {
    for (terms, says) in [
        ("incoterm = \"FOB\"\nplace = \"border\"", "sea and inland waterway"),
        ("incoterm = \"DAP\"", "DAP needs a named place"),
        ("incoterm = \"EXW\"\nplace = \"border\"", "EXW delivers at the mills"),
        ("incoterm = \"DPU\"\nplace = \"border\"", "no stage of `border` says `unloads = true`"),
        ("incoterm = \"DAP\"\nplace = \"bordr\"", "did you mean"),
        ("incoterm = \"DAP\"\nplace = \"dest\"\ntolerance_pct = 60", "tolerance"),
        (
            "incoterm = \"DAP\"\nplace = \"dest\"\ncalloffs = [{ by = 2025-09-17, tonnes = 24 }, { by = 2025-09-19, tonnes = 12 }]",
            "add up to 36 t, not the 48 t ordered",
        ),
        ("incoterm = \"DAP\"\nplace = \"dest\"\ndamages = { pct_per_week = 1 }", "needs a price"),
    ] {
        let e = scenario::load_str(&text(terms), "c.toml", "c").unwrap_err().render(false);
        assert!(e.contains("c.toml:") && e.contains(says), "{terms}: expected `{says}` in\n{e}");
    }
}

/// DAP at the destination: lot 0 (24 t) arrives at 42 h, lot 1 at 68 h. With a 10 %
/// tolerance, call-off 1 (24 t by the end of 15 Sep, hour 24) has a floor of 21.6 t and is
/// missed; call-off 2 (24 t more by the end of 17 Sep, hour 72) has a floor of 43.2 t in all
/// and is met.
const SCHEDULE: &str = "incoterm = \"DAP\"\nplace = \"dest\"\ntolerance_pct = 10\nprice_per_t = 100\n\
    calloffs = [{ by = 2025-09-15, tonnes = 24 }, { by = 2025-09-17, tonnes = 24 }]\n";

fn summary(w: &World, n: u64) -> steelsim::analysis::summary::Summary {
    let plan = Plan { replications: n, seed: 5, threads: Some(1), trace: None };
    let out = run(w, &plan, &mut |_| {}).unwrap();
    steelsim::analysis::summary::build(w, plan.seed, &out)
}

#[test]
fn call_offs_tolerance_and_damages_on_known_arrivals() {
    // 1 per tonne per day: the 21.6 t of call-off 1 arrive 18 h late: 21.6 x 0.75 = 16.2.
    let w = world(&format!("{SCHEDULE}damages = {{ per_t_day = 1 }}"));
    let s = summary(&w, 3);
    let c = s.contract.expect("a contract section");
    assert_eq!((c.incoterm.as_str(), c.places.as_slice(), c.floor_tonnes), ("DAP", &["dest".to_string()][..], 43.2));
    assert_eq!(c.calloffs.iter().map(|k| k.p_met).collect::<Vec<_>>(), [0.0, 1.0]);
    assert!((c.calloffs[0].shortfall_mean - 21.6).abs() < 1e-9, "{:?}", c.calloffs[0]);
    assert_eq!((c.p_all_calloffs_met, c.p_in_full), (0.0, 1.0), "in full (43.2 t) by 17 Sep");
    assert_eq!(c.completion_days.p50, Some(68.0 / 24.0), "43.2 t reached with lot 1 at 68 h");
    let d = c.damages.expect("damages");
    assert!((d.mean - 16.2).abs() < 1e-9 && d.p_at_cap == 0.0, "{d:?}");
    // Signing 15 Sep (due hour 24) for the whole floor: lot 0 (24 t) 0.75 d late, 19.2 t of
    // lot 1 1.833 d late. The 90 % date is 17 Sep (day 2.83): nothing late.
    let g = &c.guarantees[0];
    assert_eq!((g.date.as_deref(), g.expected_damages), (Some("2025-09-17"), Some(0.0)));
}

#[test]
fn damages_stop_at_the_cap() {
    // The contract is worth 48 t x 100 = 4,800; a cap of 0.1 % is 4.8, below the 16.2 owed.
    let w = world(&format!("{SCHEDULE}damages = {{ per_t_day = 1, cap_pct = 0.1 }}"));
    let d = summary(&w, 2).contract.unwrap().damages.unwrap();
    assert_eq!((d.mean, d.p_at_cap, d.cap), (4.8, 1.0, Some(4.8)));
}

#[test]
fn expected_damages_are_the_mean_of_the_column_runs_write() {
    use crate::common::{ok, steelsim};
    let tmp = tempfile::tempdir().unwrap();
    let tiny = include_str!("../fixtures/tiny.toml");
    assert!(tiny.contains("handover = [\"border\"]\n"), "the fixture changed");
    // A tight date, so that most replications owe something.
    let text = tiny.replace("handover = [\"border\"]\n", "").replace(
        "[pools.narrow]",
        "[contract]\nincoterm = \"DAP\"\nplace = \"dest\"\ncalloffs = [{ by = 2025-09-25, tonnes = 6000 }]\n\
         damages = { per_t_day = 1.5, grace_days = 1 }\n\n[pools.narrow]",
    );
    std::fs::write(tmp.path().join("c.toml"), text).unwrap();
    ok(&steelsim(&["run", "c.toml", "-n", "200", "--seed", "3", "--out", "out", "-q"], tmp.path()));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out/summary.json")).unwrap()).unwrap();
    let mean = summary["contract"]["damages"]["mean"].as_f64().unwrap();
    let mut csv = csv::Reader::from_path(tmp.path().join("out/replications.csv")).unwrap();
    let column = csv.headers().unwrap().iter().position(|h| h == "damages").unwrap();
    let owed: Vec<f64> = csv.records().map(|r| r.unwrap()[column].parse::<f64>().unwrap()).collect();
    assert_eq!(owed.len(), 200);
    assert!(owed.iter().filter(|d| **d > 0.0).count() > 20, "a test of damages needs some: {owed:?}");
    assert_eq!(mean, owed.iter().sum::<f64>() / owed.len() as f64, "the mean of the column, exactly");
}

#[test]
fn call_offs_as_shares_follow_the_order_exactly() {
    // Halves of 48 t are the schedule above, to the kilogram.
    let halves = "incoterm = \"DAP\"\nplace = \"dest\"\ntolerance_pct = 10\n\
        calloffs = [{ by = 2025-09-15, share = 0.5 }, { by = 2025-09-17, share = 0.5 }]";
    let by_tonnes = "incoterm = \"DAP\"\nplace = \"dest\"\ntolerance_pct = 10\n\
        calloffs = [{ by = 2025-09-15, tonnes = 24 }, { by = 2025-09-17, tonnes = 24 }]";
    let (a, b) = (world(halves), world(by_tonnes));
    let (a, b) = (a.contract.unwrap(), b.contract.unwrap());
    let split = |c: &steelsim::model::contract::Contract| {
        c.calloffs.iter().map(|k| (k.tonnes, k.floor, k.due.value())).collect::<Vec<_>>()
    };
    assert_eq!(split(&a), split(&b));
    // Thirds that add up to 1 within the decimals written: 16 t each (largest remainder).
    let thirds = "incoterm = \"DAP\"\nplace = \"dest\"\ncalloffs = [{ by = 2025-09-15, share = 0.3333333333 }, \
        { by = 2025-09-16, share = 0.3333333333 }, { by = 2025-09-17, share = 0.3333333334 }]";
    let c = world(thirds).contract.unwrap();
    let t = |x: f64| steelsim::model::Tonnes::from_t(x).unwrap();
    assert_eq!(c.calloffs.iter().map(|k| k.tonnes).collect::<Vec<_>>(), [t(16.0); 3]);
    assert_eq!(c.calloffs.iter().map(|k| k.floor).collect::<Vec<_>>(), [t(16.0), t(32.0), t(48.0)]);
}

#[test]
fn call_offs_and_damages_that_cannot_mean_what_they_say_are_refused() {
    let dap = "incoterm = \"DAP\"\nplace = \"dest\"\nprice_per_t = 100\n";
    for (terms, says) in [
        (
            "calloffs = [{ by = 2025-09-15, share = 0.5 }, { by = 2025-09-17, share = 0.4 }]",
            "shares add up to 0.9, not 1",
        ),
        ("calloffs = [{ by = 2025-09-15, share = 0.5 }, { by = 2025-09-17, tonnes = 24 }]", "mix `tonnes` and `share`"),
        ("calloffs = [{ by = 2025-09-15, share = 0.5, tonnes = 24 }]", "either `tonnes` or `share`"),
        ("calloffs = [{ by = 2025-09-15 }]", "how much is due"),
        ("calloffs = [{ by = 2025-09-15, share = 1.5 }]", "at most 1"),
        ("damages = { per_t_day = 1, cap_pct = 5, cap_of = \"goods\" }", "unknown cap basis `goods`"),
        ("damages = { per_t_day = 1, cap_of = \"late_goods\" }", "give `cap_pct` too"),
    ] {
        let e = scenario::load_str(&text(&format!("{dap}{terms}")), "c.toml", "c").unwrap_err().render(false);
        assert!(e.contains("c.toml:") && e.contains(says), "{terms}: expected `{says}` in\n{e}");
    }
}

#[test]
fn a_cap_on_the_late_goods_limits_each_late_tonne() {
    // 1 per tonne per day; the 21.6 t of call-off 1 are 0.75 days late (0.75 per tonne),
    // but at most 0.5 % of the 100 price, 0.5 per tonne: 10.8 in all.
    let w = world(&format!("{SCHEDULE}damages = {{ per_t_day = 1, cap_pct = 0.5, cap_of = \"late_goods\" }}"));
    let d = summary(&w, 2).contract.unwrap().damages.unwrap();
    assert_eq!((d.cap, d.cap_per_t, d.p_at_cap), (None, Some(0.5), 0.0));
    assert!((d.mean - 10.8).abs() < 1e-9, "{d:?}");
}

#[test]
fn a_delivery_stage_some_routes_skip_is_refused() {
    // The border's check, marked as the unloading stage, is a transload: lots that keep their
    // wagons through the border never go through it, so DPU there would never deliver them.
    let (plain, transload) = (
        "stages = [{ name = \"check\", capacity = 1, service_per_carrier = \"1h\", cost_per_lot = 100 }]",
        "stages = [{ name = \"check\", capacity = 1, service_per_carrier = \"1h\", transload = true, unloads = true }]",
    );
    let t = text("incoterm = \"DPU\"\nplace = \"border\"");
    assert!(t.contains(plain), "the fixture's check stage moved");
    let t = t.replace(plain, transload);
    let e = scenario::load_str(&t, "c.toml", "c").unwrap_err().render(false);
    assert!(e.contains("passes `border` without going through the stage where the contract delivers"), "{e}");
}
