//! The cost of a replication in units of the engine's own event time, measured in one run
//! (this machine's speed drifts from day to day; a ratio measured in the same minutes does not).
//!
//! Three benchmarks, one after the other: the engine's M/M/1 (time per event), the small
//! corridor of `tests/fixtures/corridor.toml` (one mill, 24 lots, a pool of 3 trains, one
//! transshipment server, 2 customs lanes, a final leg: about 240 events), and the baseline.
//! A replication is timed as a run pays for it: 1,000 (corridor) or 100 (baseline) replications
//! on one thread, folded into the run's aggregates, divided by their number. The ratios are
//! printed at the end, from the median of the samples criterion took.
//!
//! Run: `cargo bench --bench ratio`. Targets and figures: docs/performance.md.

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use steelsim::experiment::{Plan, run};
use steelsim::model::World;
use steelsim::scenario;

#[path = "support/mm1.rs"]
mod support;
use support::mm1_events;

const CORRIDOR: &str = include_str!("../tests/fixtures/corridor.toml");
const BASELINE: &str = include_str!("../scenarios/baseline.toml");

/// M/M/1 events per measured iteration.
const MM1_EVENTS: u64 = 100_000;

/// Seconds per unit of work in each of criterion's samples (warm-up included).
type Samples = RefCell<Vec<f64>>;

/// Times `iters` calls of `f` for criterion and records the time per unit (`units` per call).
fn timed(samples: &Samples, units: f64, iters: u64, f: &mut dyn FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    let took = start.elapsed();
    samples.borrow_mut().push(took.as_secs_f64() / (iters as f64 * units));
    took
}

fn median(samples: &Samples) -> f64 {
    let mut v = samples.borrow().clone();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Replications of `world` per run, on one thread, and the events of one run.
fn per_replication(c: &mut Criterion, name: &str, world: &World, n: u64, samples: &Samples) -> u64 {
    let plan = Plan { replications: n, seed: 7, threads: Some(1), trace: None };
    let events = run(world, &plan, &mut |_| {}).unwrap().agg.events;
    c.bench_function(&format!("ratio/{name}_replication"), |b| {
        b.iter_custom(|iters| {
            timed(samples, n as f64, iters, &mut || {
                black_box(run(world, &plan, &mut |_| {}).unwrap());
            })
        });
    });
    events / n
}

fn main() {
    let mut c = Criterion::default().configure_from_args().sample_size(20);
    let (mm1, corridor, baseline) = (Samples::default(), Samples::default(), Samples::default());
    c.bench_function("ratio/mm1_events", |b| {
        b.iter_custom(|iters| timed(&mm1, MM1_EVENTS as f64, iters, &mut || mm1_events(MM1_EVENTS)));
    });
    let world = scenario::load_str(CORRIDOR, "corridor.toml", "corridor").unwrap();
    let corridor_events = per_replication(&mut c, "corridor", &world, 1000, &corridor);
    let world = scenario::load_str(BASELINE, "baseline.toml", "baseline").unwrap();
    let baseline_events = per_replication(&mut c, "baseline", &world, 100, &baseline);
    c.final_summary();
    if mm1.borrow().is_empty() || corridor.borrow().is_empty() || baseline.borrow().is_empty() {
        return; // a filter left some out: no ratio to give
    }
    let event = median(&mm1);
    println!("\nOne engine event (M/M/1): {:.1} ns", event * 1e9);
    for (name, samples, events, target) in
        [("corridor", &corridor, corridor_events, 350.0), ("baseline", &baseline, baseline_events, 30_000.0)]
    {
        let rep = median(samples);
        let ratio = rep / event;
        println!(
            "{name}: {:.1} us per replication, {events} events: {ratio:.0} engine events (target {target:.0}: {}), \
             {:.1} per event",
            rep * 1e6,
            if ratio <= target { "met" } else { "not met" },
            ratio / events as f64
        );
    }
}
