//! The M/M/1 queue driven through the engine's loop and a `Resource`: the unit of the
//! benchmarks' ratios (its time per event is "one engine event").

use std::hint::black_box;

use rand::Rng;
use steelsim::engine::random::stream;
use steelsim::engine::{Control, Discipline, Dist, Duration, Model, Resource, Scheduler, Stream, Time, run};

/// M/M/1 at utilisation 0.8 through the engine's loop and a `Resource`.
struct Mm1 {
    server: Resource<u32>,
    arrivals: Dist,
    service: Dist,
    rng: Stream,
    next_job: u32,
    granted: Vec<steelsim::engine::Grant<u32>>,
}

#[derive(Clone, Copy)]
enum Ev {
    Arrival,
    Departure,
}

impl Model for Mm1 {
    type Event = Ev;
    fn handle(&mut self, ev: Ev, s: &mut Scheduler<Ev>) -> Control {
        let now = s.now();
        match ev {
            Ev::Arrival => {
                let job = self.next_job;
                self.next_job = self.next_job.wrapping_add(1);
                if self.server.request(now, job, 1, 0).is_some() {
                    s.schedule_in(Duration::saturating(self.service.sample(&mut self.rng)), Ev::Departure);
                }
                s.schedule_in(Duration::saturating(self.arrivals.sample(&mut self.rng)), Ev::Arrival);
            }
            Ev::Departure => {
                self.server.release(now, 1, &mut self.granted);
                for _ in self.granted.drain(..) {
                    s.schedule_in(Duration::saturating(self.service.sample(&mut self.rng)), Ev::Departure);
                }
            }
        }
        Control::Continue
    }
}

/// Runs `events` events of M/M/1 at utilisation 0.8 from an empty queue.
pub fn mm1_events(events: u64) {
    let mut m = Mm1 {
        server: Resource::new(1, Discipline::Fifo),
        arrivals: Dist::exponential(1.0).unwrap(),
        service: Dist::exponential(0.8).unwrap(),
        rng: stream(7, "mm1"),
        next_job: 0,
        granted: Vec::new(),
    };
    let mut s = Scheduler::new();
    s.schedule_at(Time::ZERO, Ev::Arrival);
    run(&mut m, &mut s, Time::new(f64::MAX).unwrap(), events);
    black_box(m.server.busy_monitor().area(s.now()));
    black_box(m.rng.next_u64());
}
