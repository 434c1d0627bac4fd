//! Engine benchmarks: the future-event list in the classic hold model, against a bare
//! `BinaryHeap` loop as the floor, and an M/M/1 queue driven through the engine.
//!
//! Run: `cargo bench --bench engine`. Figures are recorded in docs/performance.md.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use steelsim::engine::dist::unit;
use steelsim::engine::random::stream;
use steelsim::engine::{Duration, EventQueue, Stream, Time};

#[path = "support/mm1.rs"]
mod support;
use support::mm1_events;

/// Operations (one pop and one push) per measured iteration.
const OPS: u64 = 10_000;

fn exp1(rng: &mut Stream) -> f64 {
    -(1.0 - unit(rng)).ln()
}

/// Hold model: N events pending; pop the earliest, push one at now + Exp(1).
fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine_hold");
    group.throughput(Throughput::Elements(OPS));
    for n in [100usize, 10_000, 1_000_000] {
        if n >= 1_000_000 {
            group.sample_size(20);
        }
        group.bench_with_input(BenchmarkId::new("event_queue", n), &n, |b, &n| {
            let mut rng = stream(1, "hold");
            let mut q: EventQueue<u32> = EventQueue::with_capacity(n + 1);
            for i in 0..n {
                q.push(Time::new(exp1(&mut rng) * n as f64).unwrap(), i as u32);
            }
            b.iter(|| {
                for _ in 0..OPS {
                    let (t, e) = q.pop().unwrap();
                    q.push(t + Duration::new(exp1(&mut rng)).unwrap(), black_box(e));
                }
            });
        });
        group.bench_with_input(BenchmarkId::new("binary_heap_floor", n), &n, |b, &n| {
            let mut rng = stream(1, "hold");
            let mut heap: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::with_capacity(n + 1);
            let mut seq = 0u64;
            for i in 0..n {
                heap.push(Reverse(((exp1(&mut rng) * n as f64).to_bits(), seq, i as u32)));
                seq += 1;
            }
            b.iter(|| {
                for _ in 0..OPS {
                    let Reverse((bits, _, e)) = heap.pop().unwrap();
                    let t = f64::from_bits(bits) + exp1(&mut rng);
                    heap.push(Reverse((t.to_bits(), seq, black_box(e))));
                    seq += 1;
                }
            });
        });
    }
    group.finish();
}

fn mm1(c: &mut Criterion) {
    const EVENTS: u64 = 1_000_000;
    let mut group = c.benchmark_group("mm1");
    group.throughput(Throughput::Elements(EVENTS));
    group.sample_size(20);
    group.bench_function("rho_0.8", |b| b.iter(|| mm1_events(EVENTS)));
    group.finish();
}

criterion_group!(benches, hold, mm1);
criterion_main!(benches);
