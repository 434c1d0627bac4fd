//! Model benchmarks on the baseline scenario: loading it, one replication, 1,000
//! replications on one thread and on every core (parallel efficiency), and 10,000 on every
//! core.
//!
//! Run: `cargo bench --bench model`. Figures are recorded in docs/performance.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use steelsim::experiment::{Plan, replicate, run};
use steelsim::scenario;

const BASELINE: &str = include_str!("../scenarios/baseline.toml");

fn load(c: &mut Criterion) {
    c.bench_function("load_scenario", |b| {
        b.iter(|| black_box(scenario::load_str(BASELINE, "baseline.toml", "baseline").unwrap()));
    });
}

fn one_replication(c: &mut Criterion) {
    let world = scenario::load_str(BASELINE, "baseline.toml", "baseline").unwrap();
    let mut i = 0u64;
    c.bench_function("baseline_replication", |b| {
        b.iter(|| {
            i += 1;
            black_box(replicate(&world, 7, i, false).unwrap())
        });
    });
}

fn thousand(c: &mut Criterion) {
    let world = scenario::load_str(BASELINE, "baseline.toml", "baseline").unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("baseline_1000");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1000));
    for (label, threads) in [("1_thread", 1), ("all_cores", cores)] {
        group.bench_function(label, |b| {
            b.iter(|| {
                let plan = Plan { replications: 1000, seed: 7, threads: Some(threads), trace: None };
                black_box(run(&world, &plan, &mut |_| {}).unwrap())
            });
        });
    }
    group.finish();
}

/// The planner's loop: 10,000 replications on every core (target: under 10 s on 2 cores).
fn ten_thousand(c: &mut Criterion) {
    let world = scenario::load_str(BASELINE, "baseline.toml", "baseline").unwrap();
    let mut group = c.benchmark_group("baseline_10000");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(90));
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("all_cores", |b| {
        b.iter(|| {
            let plan = Plan { replications: 10_000, seed: 7, threads: None, trace: None };
            black_box(run(&world, &plan, &mut |_| {}).unwrap())
        });
    });
    group.finish();
}

criterion_group!(benches, load, one_replication, thousand, ten_thousand);
criterion_main!(benches);
