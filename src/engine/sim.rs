//! The simulation loop: a clock, the future-event list, and a model that handles events.
//!
//! This is event scheduling in its plainest form. A [`Model`] owns all state; the loop pops
//! the earliest event, advances the clock to it, and hands it to the model, which may
//! schedule more. Nothing here knows what the events mean.

use super::queue::{EventKey, EventQueue};
use super::time::{Duration, Time};

/// What a model's handler asks the loop to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Keep running.
    Continue,
    /// The model is done (for example, every order delivered): stop now.
    Stop,
}

/// Why [`run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The model returned [`Control::Stop`].
    Stopped,
    /// No event is left: nothing can ever happen again.
    Exhausted,
    /// The next event lies after the horizon; the clock was advanced to the horizon.
    Horizon,
    /// The event budget was spent (a guard against runaway models).
    EventLimit,
}

/// A clock and a future-event list, handed to the model so it can schedule events.
#[derive(Debug)]
pub struct Scheduler<E> {
    now: Time,
    queue: EventQueue<E>,
    processed: u64,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Scheduler<E> {
    /// A scheduler at time zero with no events.
    pub fn new() -> Self {
        Scheduler { now: Time::ZERO, queue: EventQueue::with_capacity(1024), processed: 0 }
    }

    /// The current simulation time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// Number of events handled so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Number of live pending events.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The live pending events with their times, in no particular order.
    pub fn pending_events(&self) -> impl Iterator<Item = (Time, &E)> {
        self.queue.iter()
    }

    /// Schedules `event` after `delay`.
    pub fn schedule_in(&mut self, delay: Duration, event: E) {
        self.queue.push(self.now + delay, event);
    }

    /// Schedules `event` at `at`; a time in the past is moved to now, so the clock never
    /// goes back.
    pub fn schedule_at(&mut self, at: Time, event: E) {
        self.queue.push(at.max(self.now), event);
    }

    /// Schedules `event` at `at` (or now, if `at` has passed) and returns a key that can
    /// cancel it.
    pub fn schedule_cancellable(&mut self, at: Time, event: E) -> EventKey {
        self.queue.push_cancellable(at.max(self.now), event)
    }

    /// Cancels a pending event; `false` if it already fired or was cancelled.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        self.queue.cancel(key)
    }

    /// Moves a pending event to `at`: cancels the old one (if `previous` is still pending)
    /// and schedules `event` anew. Returns the new key.
    pub fn reschedule(&mut self, previous: Option<EventKey>, at: Time, event: E) -> EventKey {
        if let Some(k) = previous {
            self.queue.cancel(k);
        }
        self.schedule_cancellable(at, event)
    }
}

/// A simulation model: state plus a handler for its events.
pub trait Model {
    /// The model's event type; keep it small and `Copy`-like, it lives in the heap.
    type Event;

    /// Handles one event at `sched.now()`.
    fn handle(&mut self, event: Self::Event, sched: &mut Scheduler<Self::Event>) -> Control;
}

/// Runs `model` until it stops, no event is left, the next event lies after `horizon`, or
/// `max_events` events have been handled.
pub fn run<M: Model>(model: &mut M, sched: &mut Scheduler<M::Event>, horizon: Time, max_events: u64) -> Outcome {
    loop {
        if sched.processed >= max_events {
            return Outcome::EventLimit;
        }
        let (t, event) = match sched.queue.pop_until(horizon) {
            Ok(next) => next,
            Err(None) => return Outcome::Exhausted,
            Err(Some(_)) => {
                sched.now = horizon.max(sched.now);
                return Outcome::Horizon;
            }
        };
        debug_assert!(t >= sched.now, "the clock went back from {:?} to {t:?}", sched.now);
        sched.now = t;
        sched.processed += 1;
        if model.handle(event, sched) == Control::Stop {
            return Outcome::Stopped;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each event reschedules itself `step` later, recording the times it saw.
    struct Ticker {
        seen: Vec<f64>,
        step: f64,
        stop_after: usize,
    }

    impl Model for Ticker {
        type Event = ();
        fn handle(&mut self, _: (), s: &mut Scheduler<()>) -> Control {
            self.seen.push(s.now().value());
            if self.seen.len() >= self.stop_after {
                return Control::Stop;
            }
            s.schedule_in(Duration::new(self.step).unwrap(), ());
            Control::Continue
        }
    }

    fn ticker(stop_after: usize) -> (Ticker, Scheduler<()>) {
        let mut s = Scheduler::new();
        s.schedule_at(Time::ZERO, ());
        (Ticker { seen: vec![], step: 1.5, stop_after }, s)
    }

    #[test]
    fn stops_when_the_model_says_so() {
        let (mut m, mut s) = ticker(3);
        assert_eq!(run(&mut m, &mut s, Time::new(100.0).unwrap(), u64::MAX), Outcome::Stopped);
        assert_eq!(m.seen, [0.0, 1.5, 3.0]);
        assert_eq!(s.processed(), 3);
    }

    #[test]
    fn stops_at_the_horizon_without_handling_later_events() {
        let (mut m, mut s) = ticker(usize::MAX);
        assert_eq!(run(&mut m, &mut s, Time::new(4.0).unwrap(), u64::MAX), Outcome::Horizon);
        assert_eq!(m.seen, [0.0, 1.5, 3.0]);
        assert_eq!(s.now().value(), 4.0);
        assert_eq!(s.pending(), 1, "the event past the horizon stays pending");
    }

    #[test]
    fn stops_at_the_event_limit() {
        let (mut m, mut s) = ticker(usize::MAX);
        assert_eq!(run(&mut m, &mut s, Time::new(1e9).unwrap(), 10), Outcome::EventLimit);
        assert_eq!(m.seen.len(), 10);
    }

    #[test]
    fn reports_exhaustion() {
        let mut s: Scheduler<()> = Scheduler::new();
        let mut m = Ticker { seen: vec![], step: 1.0, stop_after: 1 };
        assert_eq!(run(&mut m, &mut s, Time::new(1.0).unwrap(), 10), Outcome::Exhausted);
    }

    #[test]
    fn rescheduling_moves_an_event() {
        let mut s: Scheduler<u8> = Scheduler::new();
        let k = s.schedule_cancellable(Time::new(5.0).unwrap(), 1);
        s.schedule_at(Time::new(3.0).unwrap(), 2);
        s.reschedule(Some(k), Time::new(1.0).unwrap(), 1);
        let order: Vec<(f64, u8)> = std::iter::from_fn(|| s.queue.pop()).map(|(t, e)| (t.value(), e)).collect();
        assert_eq!(order, [(1.0, 1), (3.0, 2)]);
    }

    #[test]
    fn past_times_are_clamped_to_now() {
        let mut s: Scheduler<u8> = Scheduler::new();
        s.now = Time::new(5.0).unwrap();
        s.schedule_at(Time::new(1.0).unwrap(), 1);
        assert_eq!(s.queue.pop().map(|(t, _)| t.value()), Some(5.0));
    }
}
