//! A counted resource: `capacity` interchangeable units, requests that take some units and
//! give them back later, and a waiting line for requests that cannot be served yet.
//!
//! One mechanism serves two purposes (as in SimPy): a *server* is a resource whose requests
//! each take one unit for a service time (lanes, desks, tracks), and a *pool* is a resource
//! whose requests take several units for a long while (vehicles lent for a round trip).
//!
//! The waiting line is strict: the request at its head is served first, and nothing behind
//! it overtakes it even if it would fit. That keeps the order deterministic and fair, and it
//! is how a first-come, first-served line of vehicles behaves. With [`Discipline::Priority`], the head is the
//! request with the highest priority (earliest arrival among equals), and priorities can be
//! changed while requests wait; this is where the `priority-queue` crate earns its keep.

use std::cmp::Reverse;
use std::collections::VecDeque;
use std::hash::Hash;

use priority_queue::PriorityQueue;

use super::monitor::TimeWeighted;
use super::time::{Duration, Time};

/// The order in which waiting requests are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discipline {
    /// First come, first served.
    Fifo,
    /// Highest priority first; first come, first served among equal priorities.
    Priority,
}

/// A request that was granted its units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grant<J> {
    /// The requester.
    pub job: J,
    /// How many units it holds.
    pub units: u32,
    /// How long it waited in line.
    pub waited: Duration,
}

#[derive(Clone, Copy, Debug)]
struct Waiting<J> {
    job: J,
    units: u32,
    since: Time,
}

/// Priority key: higher priority first, then lower sequence (earlier arrival).
type PriorityKey = (i64, Reverse<u64>);

enum Line<J: Hash + Eq> {
    Fifo(VecDeque<Waiting<J>>),
    Priority {
        order: PriorityQueue<J, PriorityKey>,
        /// Units and arrival time of each waiting job, by sequence number.
        info: std::collections::HashMap<J, (u32, Time, u64)>,
        seq: u64,
    },
}

/// A resource with a fixed (but changeable) number of units.
pub struct Resource<J: Hash + Eq> {
    capacity: u32,
    in_use: u32,
    waiting_units: u64,
    line: Line<J>,
    busy: TimeWeighted,
    queue: TimeWeighted,
}

impl<J: Copy + Hash + Eq> std::fmt::Debug for Resource<J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resource")
            .field("capacity", &self.capacity)
            .field("in_use", &self.in_use)
            .field("waiting", &self.waiting())
            .finish()
    }
}

impl<J: Copy + Hash + Eq> Resource<J> {
    /// A resource with `capacity` free units and an empty waiting line.
    pub fn new(capacity: u32, discipline: Discipline) -> Self {
        let line = match discipline {
            Discipline::Fifo => Line::Fifo(VecDeque::new()),
            Discipline::Priority => Line::Priority { order: PriorityQueue::new(), info: Default::default(), seq: 0 },
        };
        Resource { capacity, in_use: 0, waiting_units: 0, line, busy: TimeWeighted::new(), queue: TimeWeighted::new() }
    }

    /// Units that exist now (free or in use).
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Units currently held by requests.
    pub fn in_use(&self) -> u32 {
        self.in_use
    }

    /// Units free now (zero when capacity was cut below the units in use).
    pub fn free(&self) -> u32 {
        self.capacity.saturating_sub(self.in_use)
    }

    /// Number of waiting requests.
    pub fn waiting(&self) -> usize {
        match &self.line {
            Line::Fifo(q) => q.len(),
            Line::Priority { order, .. } => order.len(),
        }
    }

    /// Units asked for by all waiting requests.
    pub fn waiting_units(&self) -> u64 {
        self.waiting_units
    }

    /// Time-weighted units in use.
    pub fn busy_monitor(&self) -> &TimeWeighted {
        &self.busy
    }

    /// Time-weighted number of waiting requests.
    pub fn queue_monitor(&self) -> &TimeWeighted {
        &self.queue
    }

    /// Asks for `units` units for `job`. Returns the grant at once if the line is empty and
    /// enough units are free; otherwise the request waits and is returned later by
    /// [`release`](Self::release) or [`set_capacity`](Self::set_capacity).
    /// `priority` matters only under [`Discipline::Priority`].
    pub fn request(&mut self, now: Time, job: J, units: u32, priority: i64) -> Option<Grant<J>> {
        if self.waiting() == 0 && self.free() >= units {
            self.take(now, units);
            return Some(Grant { job, units, waited: Duration::ZERO });
        }
        self.waiting_units += units as u64;
        match &mut self.line {
            Line::Fifo(q) => q.push_back(Waiting { job, units, since: now }),
            Line::Priority { order, info, seq } => {
                *seq += 1;
                info.insert(job, (units, now, *seq));
                order.push(job, (priority, Reverse(*seq)));
            }
        }
        self.queue.set(now, self.waiting() as f64);
        None
    }

    /// Takes `units` at once, whatever the capacity and the line: units found in use when a
    /// model starts from a recorded state (held above a capacity cut meanwhile, as
    /// [`set_capacity`](Self::set_capacity) allows).
    pub fn occupy(&mut self, now: Time, units: u32) {
        self.take(now, units);
    }

    /// Changes the priority of a waiting job; `false` if it is not waiting (or the line is
    /// FIFO, where priorities do not apply).
    pub fn change_priority(&mut self, job: &J, priority: i64) -> bool {
        match &mut self.line {
            Line::Fifo(_) => false,
            Line::Priority { order, info, .. } => match info.get(job) {
                Some(&(_, _, seq)) => order.change_priority(job, (priority, Reverse(seq))).is_some(),
                None => false,
            },
        }
    }

    /// Returns `units` units; waiting requests that now fit are granted, in line order,
    /// and appended to `granted`.
    pub fn release(&mut self, now: Time, units: u32, granted: &mut Vec<Grant<J>>) {
        debug_assert!(units <= self.in_use, "released {units} units but only {} in use", self.in_use);
        self.in_use = self.in_use.saturating_sub(units);
        self.busy.set(now, self.in_use as f64);
        self.serve_line(now, granted);
    }

    /// Returns `units` units that leave the resource for good (capacity shrinks with them).
    pub fn retire(&mut self, now: Time, units: u32) {
        self.in_use = self.in_use.saturating_sub(units);
        self.capacity = self.capacity.saturating_sub(units);
        self.busy.set(now, self.in_use as f64);
    }

    /// Sets the number of units. Units in use above a reduced capacity are not taken back;
    /// they simply are not handed out again until the level drops below capacity.
    pub fn set_capacity(&mut self, now: Time, capacity: u32, granted: &mut Vec<Grant<J>>) {
        self.capacity = capacity;
        self.serve_line(now, granted);
    }

    /// Adds `units` new units (for example, vehicles arriving from elsewhere).
    pub fn add_units(&mut self, now: Time, units: u32, granted: &mut Vec<Grant<J>>) {
        self.capacity = self.capacity.saturating_add(units);
        self.serve_line(now, granted);
    }

    fn take(&mut self, now: Time, units: u32) {
        self.in_use += units;
        self.busy.set(now, self.in_use as f64);
    }

    fn serve_line(&mut self, now: Time, granted: &mut Vec<Grant<J>>) {
        let before = self.waiting();
        loop {
            let head = match &self.line {
                Line::Fifo(q) => q.front().map(|w| w.units),
                Line::Priority { order, info, .. } => order.peek().map(|(j, _)| info[j].0),
            };
            let Some(units) = head else { break };
            if self.free() < units {
                break;
            }
            let (job, since) = match &mut self.line {
                Line::Fifo(q) => {
                    let w = q.pop_front().expect("head exists");
                    (w.job, w.since)
                }
                Line::Priority { order, info, .. } => {
                    let (job, _) = order.pop().expect("head exists");
                    let (_, since, _) = info.remove(&job).expect("waiting job has info");
                    (job, since)
                }
            };
            self.waiting_units -= units as u64;
            self.take(now, units);
            granted.push(Grant { job, units, waited: now.since(since) });
        }
        if self.waiting() != before {
            self.queue.set(now, self.waiting() as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: f64) -> Time {
        Time::new(v).unwrap()
    }

    #[test]
    fn grants_immediately_while_units_are_free() {
        let mut r = Resource::new(2, Discipline::Fifo);
        assert!(r.request(t(0.0), 1u32, 1, 0).is_some());
        assert!(r.request(t(0.0), 2, 1, 0).is_some());
        assert!(r.request(t(0.0), 3, 1, 0).is_none());
        assert_eq!((r.in_use(), r.waiting()), (2, 1));
        let mut g = vec![];
        r.release(t(2.5), 1, &mut g);
        assert_eq!(g, [Grant { job: 3, units: 1, waited: Duration::new(2.5).unwrap() }]);
    }

    #[test]
    fn the_head_of_the_line_is_never_overtaken() {
        let mut r = Resource::new(10, Discipline::Fifo);
        r.request(t(0.0), 1u32, 8, 0).unwrap();
        assert!(r.request(t(1.0), 2, 5, 0).is_none(), "needs 5, only 2 free");
        assert!(r.request(t(2.0), 3, 1, 0).is_none(), "would fit but must not overtake");
        let mut g = vec![];
        r.release(t(3.0), 8, &mut g);
        let jobs: Vec<_> = g.iter().map(|g| g.job).collect();
        assert_eq!(jobs, [2, 3]);
        assert_eq!(r.waiting_units(), 0);
    }

    #[test]
    fn priority_line_serves_highest_priority_then_fifo_and_can_reprioritise() {
        let mut r = Resource::new(1, Discipline::Priority);
        r.request(t(0.0), 0u32, 1, 0).unwrap();
        for (job, prio) in [(1, 0), (2, 5), (3, 0), (4, 5)] {
            assert!(r.request(t(job as f64), job, 1, prio).is_none());
        }
        assert!(r.change_priority(&3, 9));
        let mut order = vec![];
        for k in 0..4 {
            let mut g = vec![];
            r.release(t(10.0 + k as f64), 1, &mut g);
            order.push(g[0].job);
        }
        assert_eq!(order, [3, 2, 4, 1]);
    }

    #[test]
    fn capacity_cuts_hold_back_new_grants_and_restores_release_them() {
        let mut r = Resource::new(2, Discipline::Fifo);
        let mut g = vec![];
        r.set_capacity(t(0.0), 0, &mut g);
        assert!(r.request(t(1.0), 7u32, 1, 0).is_none());
        r.set_capacity(t(4.0), 2, &mut g);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].waited.value(), 3.0);
    }

    #[test]
    fn monitors_integrate_busy_units_and_queue_length() {
        let mut r = Resource::new(1, Discipline::Fifo);
        let mut g = vec![];
        r.request(t(0.0), 1u32, 1, 0).unwrap();
        r.request(t(1.0), 2, 1, 0);
        r.release(t(2.0), 1, &mut g);
        r.release(t(4.0), 1, &mut g);
        assert_eq!(r.busy_monitor().area(t(4.0)), 4.0);
        assert_eq!(r.queue_monitor().area(t(4.0)), 1.0);
    }
}
