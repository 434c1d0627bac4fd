//! The engine on cases whose every event time is worked out by hand.

use steelsim::engine::{Batcher, Control, Discipline, Duration, Model, Outcome, Resource, Scheduler, Time, run};

fn t(v: f64) -> Time {
    Time::new(v).unwrap()
}
fn d(v: f64) -> Duration {
    Duration::new(v).unwrap()
}

/// Two servers in tandem: A (one server, 3 units per job) then B (one server, 2 units).
/// Jobs arrive at 0, 1 and 2. By hand:
///   A: job0 0-3, job1 3-6, job2 6-9
///   B: job0 3-5, job1 6-8, job2 9-11
#[derive(Default)]
struct Tandem {
    a: Option<Resource<u32>>,
    b: Option<Resource<u32>>,
    log: Vec<(f64, &'static str, u32)>,
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    Arrive(u32),
    DoneA(u32),
    DoneB(u32),
}

impl Model for Tandem {
    type Event = Ev;
    fn handle(&mut self, ev: Ev, s: &mut Scheduler<Ev>) -> Control {
        let now = s.now();
        let mut granted = Vec::new();
        match ev {
            Ev::Arrive(j) => {
                self.log.push((now.value(), "arrive", j));
                if self.a.as_mut().unwrap().request(now, j, 1, 0).is_some() {
                    self.log.push((now.value(), "start A", j));
                    s.schedule_in(d(3.0), Ev::DoneA(j));
                }
            }
            Ev::DoneA(j) => {
                self.log.push((now.value(), "done A", j));
                self.a.as_mut().unwrap().release(now, 1, &mut granted);
                for g in granted.drain(..) {
                    self.log.push((now.value(), "start A", g.job));
                    s.schedule_in(d(3.0), Ev::DoneA(g.job));
                }
                if self.b.as_mut().unwrap().request(now, j, 1, 0).is_some() {
                    self.log.push((now.value(), "start B", j));
                    s.schedule_in(d(2.0), Ev::DoneB(j));
                }
            }
            Ev::DoneB(j) => {
                self.log.push((now.value(), "done B", j));
                self.b.as_mut().unwrap().release(now, 1, &mut granted);
                for g in granted.drain(..) {
                    self.log.push((now.value(), "start B", g.job));
                    s.schedule_in(d(2.0), Ev::DoneB(g.job));
                }
            }
        }
        Control::Continue
    }
}

#[test]
fn tandem_queue_matches_the_hand_computed_timeline() {
    let mut m = Tandem {
        a: Some(Resource::new(1, Discipline::Fifo)),
        b: Some(Resource::new(1, Discipline::Fifo)),
        ..Default::default()
    };
    let mut s = Scheduler::new();
    for j in 0..3 {
        s.schedule_at(t(j as f64), Ev::Arrive(j));
    }
    assert_eq!(run(&mut m, &mut s, t(100.0), u64::MAX), Outcome::Exhausted);
    let expected = [
        (0.0, "arrive", 0),
        (0.0, "start A", 0),
        (1.0, "arrive", 1),
        (2.0, "arrive", 2),
        (3.0, "done A", 0),
        (3.0, "start A", 1),
        (3.0, "start B", 0),
        (5.0, "done B", 0),
        (6.0, "done A", 1),
        (6.0, "start A", 2),
        (6.0, "start B", 1),
        (8.0, "done B", 1),
        (9.0, "done A", 2),
        (9.0, "start B", 2),
        (11.0, "done B", 2),
    ];
    assert_eq!(m.log, expected);
    // Busy time of A: 9 units out of 11; queue at A: job1 waits 1-3, job2 waits 2-6.
    let a = m.a.as_ref().unwrap();
    assert_eq!(a.busy_monitor().area(t(11.0)), 9.0);
    assert_eq!(a.queue_monitor().area(t(11.0)), 2.0 + 4.0);
    assert_eq!(s.processed(), 9);
}

#[test]
fn a_batch_leaves_full_or_at_its_deadline() {
    // Size 3; items at 0, 1, 2 fill it at 2; items at 4 and 5 leave partial at max wait.
    let mut b = Batcher::new(3);
    let mut out = Vec::new();
    assert_eq!(b.add(t(0.0), 'a', 1), steelsim::engine::Added::Opened);
    b.add(t(1.0), 'b', 1);
    assert_eq!(b.add(t(2.0), 'c', 1), steelsim::engine::Added::Full);
    b.dispatch(t(2.0), &mut out);
    let waits: Vec<f64> = out.iter().map(|x| x.waited.value()).collect();
    assert_eq!(waits, [2.0, 1.0, 0.0]);
    out.clear();
    b.add(t(4.0), 'd', 1);
    b.add(t(5.0), 'e', 1);
    assert_eq!(b.oldest(), Some(t(4.0)));
    assert_eq!(b.dispatch(t(10.0), &mut out), 2);
    assert_eq!(out.iter().map(|x| x.waited.value()).collect::<Vec<_>>(), [6.0, 5.0]);
}
