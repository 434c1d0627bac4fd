//! One replication: the state of the world while the order is shipped once.
//!
//! The state machine is split by mechanism: a lot's journey through its route steps in
//! `steps.rs`, servers and background traffic in `servers.rs`, legs and grouped departures
//! in `legs.rs`, carrier pools in `carriers.rs`, yards in `yards.rs`, mills and route choice
//! in `production.rs`, calendars, breakdowns and disruptions in `effects.rs`, the daily
//! series in `daily.rs`, and the books closed at the end in [`result`]. Each stage kind's
//! state, with the rules it guards, is in `state.rs`. This file holds the replication, sets
//! it up, and runs the engine.

mod carriers;
mod daily;
pub(crate) mod effects;
pub mod invariants;
mod legs;
mod production;
pub mod result;
mod servers;
mod state;
mod status;
mod steps;
#[cfg(test)]
mod tests;
mod yards;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::random::component_key;
use crate::engine::{Admitted, Boarded, Control, Duration, Grant, Model, Outcome, Scheduler, Time, run};

use super::ids::{FlowId, IdVec, LotId, OccurrenceId, PoolId, ServerId, StageId, StoreId};
use super::tally::StageTally;
use super::world::{DwellId, LegId, MillId, World};
use daily::DayMarks;
use invariants::{Checks, Violation};
use legs::{GroupId, Groups};
use result::{Daily, ReplicationError, ReplicationResult, TraceLog};
use state::{
    BgJob, BgState, Books, Ev, Holder, Job, LegState, Lot, MillState, Occ, PoolState, ServerState, StoreState,
};

/// What a keyed draw is for. With the step and the visit it names one draw site of a lot,
/// so each gets its own stream (see [`crate::engine::random::keyed`]).
mod site {
    pub(super) const SERVICE: u64 = 1;
    pub(super) const REWORK: u64 = 2;
    pub(super) const DWELL: u64 = 3;
    pub(super) const TRANSIT: u64 = 4;
    pub(super) const INCIDENT: u64 = 5;
    pub(super) const RETURN: u64 = 6;
    pub(super) const AVAILABILITY: u64 = 7;
    pub(super) const HOLD: u64 = 8;
    pub(super) const DAMAGE: u64 = 9;
    pub(super) const PILFERAGE: u64 = 10;
    pub(super) const PRODUCTION: u64 = 11;

    /// The site of a draw of `kind` at route step `step` on the `visit`-th pass.
    pub(super) fn at(kind: u64, step: u16, visit: u32) -> u64 {
        kind | u64::from(step) << 8 | u64::from(visit) << 24
    }
}

/// The state of one replication.
pub struct Replication<'w> {
    w: &'w World,
    index: u64,
    seed: u64,
    /// Seeds the draws of the uncertain figures (the replication's own seed unless
    /// replications share input draws).
    input_seed: u64,
    /// The uncertain figures' factors drawn for this replication, in the world's order.
    inputs: Vec<f64>,
    lots: IdVec<LotId, Lot>,
    bg_jobs: IdVec<crate::model::ids::JobId, BgJob>,
    servers: IdVec<ServerId, ServerState>,
    legs: IdVec<LegId, LegState>,
    pools: IdVec<PoolId, PoolState>,
    /// The earliest `next_supply` of any pool: one comparison per event decides whether
    /// any arrival is due.
    supply_due: Option<Time>,
    stores: IdVec<StoreId, StoreState>,
    mills: IdVec<MillId, MillState>,
    bg: IdVec<FlowId, BgState>,
    dwell_key: IdVec<DwellId, u64>,
    occurrences: IdVec<OccurrenceId, Occ>,
    /// Lots made ready by the last hand-off, moved on in order (see [`Replication::drain`]).
    ready: VecDeque<LotId>,
    /// Groups of lots in transit together.
    groups: Groups,
    /// Reusable buffers for what a resource hands out.
    grants: Vec<Grant<Job>>,
    pool_grants: Vec<Grant<Holder>>,
    admitted: Vec<Admitted<LotId>>,
    boarded: Vec<Boarded<LotId>>,
    books: Books,
    tally: IdVec<StageId, StageTally>,
    trace: Option<TraceLog>,
    daily: Daily,
    marks: DayMarks,
    checks: Checks,
    last_event: Time,
    last_steps: Vec<u16>,
    /// The first invariant found broken.
    violation: Option<Violation>,
    /// Polled every [`CANCEL_EVERY`] events: set, the replication stops where it is.
    cancel: Option<&'w AtomicBool>,
    cancelled: bool,
    /// When to write the state down and stop (see [`Replication::status_at`]).
    capture_at: Option<Time>,
    captured: Option<crate::model::status::Status>,
    /// The status the world starts from has been put in place.
    resumed: bool,
    /// Ends the replication here if it runs that long (see [`Replication::until`]).
    until: Option<Time>,
    /// Whether the day-by-day series and the per-stage tallies are recorded (see
    /// [`Replication::outcome_only`]).
    records: bool,
}

/// How many events pass between two looks at the cancel flag: a replication of millions of
/// events still stops within milliseconds, and the look costs nothing next to the events.
const CANCEL_EVERY: u64 = 1 << 14;

impl std::fmt::Debug for Replication<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replication").field("index", &self.index).field("lots", &self.lots.len()).finish()
    }
}

impl<'w> Replication<'w> {
    /// Sets up replication `index` with seed `seed`; `trace` keeps a per-lot trace.
    pub fn new(w: &'w World, index: u64, seed: u64, trace: bool) -> Self {
        Replication {
            w,
            index,
            seed,
            input_seed: seed,
            inputs: Vec::with_capacity(w.uncertain.len()),
            lots: IdVec::with_capacity(w.mills.iter().map(|m| m.planned().count()).sum::<usize>() + 16),
            bg_jobs: IdVec::new(),
            servers: w.servers.iter().map(|s| ServerState::new(s, seed)).collect(),
            legs: w.legs.iter().map(|l| LegState::new(l, seed)).collect(),
            pools: w.pools.iter().map(|p| PoolState::new(p, seed)).collect(),
            supply_due: None,
            stores: w.stores.iter().map(StoreState::new).collect(),
            mills: w.mills.iter().map(|m| MillState::new(m, seed)).collect(),
            bg: w
                .background
                .iter()
                .map(|b| BgState {
                    rng: crate::engine::random::stream(seed, &b.name),
                    key: component_key(seed, &format!("{}#jobs", b.name)),
                    arrivals: 0,
                    served: 0,
                })
                .collect(),
            dwell_key: w.dwells.iter().map(|d| component_key(seed, &d.name)).collect(),
            occurrences: IdVec::new(),
            ready: VecDeque::new(),
            groups: Groups::default(),
            grants: Vec::new(),
            pool_grants: Vec::new(),
            admitted: Vec::new(),
            boarded: Vec::new(),
            books: Books::default(),
            tally: (0..w.stages.len()).map(|_| StageTally::default()).collect(),
            trace: trace.then(TraceLog::default),
            daily: Daily::default(),
            marks: DayMarks::new(w.tracked_resources()),
            checks: Checks::for_build(),
            last_event: Time::ZERO,
            last_steps: Vec::new(),
            violation: None,
            cancel: None,
            cancelled: false,
            capture_at: None,
            captured: None,
            resumed: false,
            until: None,
            records: true,
        }
    }

    /// Stops the replication (with [`ReplicationError::Cancelled`]) soon after `flag` is
    /// set, rather than at its end (a user's Ctrl-C during a long replication).
    pub fn with_cancel(mut self, flag: &'w AtomicBool) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// Draws the uncertain figures from `seed` instead of the replication's own seed:
    /// replications given the same input seed share their input draws (and only those).
    /// Control variates (`model::controls`) recompute the uncertain figures from a row's own
    /// seed: rows of replications run with another input seed must not be given to them.
    pub fn with_input_seed(mut self, seed: u64) -> Self {
        self.input_seed = seed;
        self
    }

    /// Ends the replication at `at` (or its horizon, if sooner), as if that were its horizon.
    /// Everything up to `at` happens exactly as in the whole replication, so whether the
    /// order arrived by `at` is the same; what comes later (its completion, the contract's
    /// later call-offs) is not simulated. For studies that only ask about a deadline.
    pub fn until(mut self, at: Option<Time>) -> Self {
        self.until = at;
        self
    }

    /// Records neither the day-by-day series (and schedules no end-of-day events) nor the
    /// per-stage waits and service times (the result's `stages` stay empty): for studies that
    /// read only the outcome. Every other event happens exactly as with them, in the same
    /// order (the end of a day changed nothing but the series, and the tallies change
    /// nothing), so the outcome is the same; only the number of events handled is smaller.
    pub fn outcome_only(mut self) -> Self {
        self.records = false;
        self
    }

    /// Sets how thoroughly the replication checks itself while it runs.
    pub fn with_checks(mut self, checks: Checks) -> Self {
        self.checks = checks;
        self
    }

    /// Runs the replication to completion (or the horizon) and checks that every tonne
    /// ordered is accounted for.
    pub fn run(mut self) -> Result<ReplicationResult, ReplicationError> {
        let mut sched = Scheduler::new();
        self.start(&mut sched);
        let outcome = if self.books.completion.is_some() {
            Outcome::Stopped
        } else {
            let horizon = self.until.map_or(self.w.horizon, |t| t.min(self.w.horizon));
            let max_events = self.w.max_events;
            run(&mut Driver(&mut self), &mut sched, horizon, max_events)
        };
        if self.cancelled {
            return Err(ReplicationError::Cancelled { index: self.index });
        }
        // Arrivals up to the end count in the pools' capacity, as if each had been an event.
        self.catch_up_supplies(&mut sched);
        if let Some(what) = self.violation.take() {
            return Err(ReplicationError::Invariant { index: self.index, hour: sched.now().value(), what });
        }
        Ok(self.finish(sched.now(), sched.processed(), outcome)?)
    }

    /// Runs the replication up to `at` (or its end, if that comes first) and returns where
    /// every tonne of the order is then.
    pub fn status_at(mut self, at: Time) -> Result<crate::model::status::Status, ReplicationError> {
        self.capture_at = Some(at);
        let mut sched = Scheduler::new();
        self.start(&mut sched);
        if self.books.completion.is_none() {
            let (horizon, max_events) = (self.w.horizon, self.w.max_events);
            run(&mut Driver(&mut self), &mut sched, horizon, max_events);
        }
        if self.cancelled {
            return Err(ReplicationError::Cancelled { index: self.index });
        }
        if let Some(what) = self.violation.take() {
            return Err(ReplicationError::Invariant { index: self.index, hour: sched.now().value(), what });
        }
        self.catch_up_supplies(&mut sched);
        Ok(match self.captured.take() {
            Some(s) => s,
            None => self.capture(&sched),
        })
    }

    fn start(&mut self, sched: &mut Scheduler<Ev>) {
        // Scheduled first, so that they come before anything else due at the same moment.
        if let Some(status) = &self.w.status {
            sched.schedule_at(status.at, Ev::Resume);
        }
        if let Some(at) = self.capture_at {
            sched.schedule_at(at, Ev::Capture);
        }
        sched.schedule_at(self.w.deadline, Ev::Deadline);
        if self.records {
            sched.schedule_at(Time::new(crate::model::units::DAY).unwrap_or(Time::ZERO), Ev::Day);
        }
        self.start_effects(sched);
        if self.w.status.is_none() {
            self.start_background(None, sched);
            self.start_production(sched);
        }
        self.drain(sched);
        self.arm_supplies(sched);
    }

    /// Runs the lots made ready by the last event until each waits or takes time.
    fn drain(&mut self, sched: &mut Scheduler<Ev>) {
        while let Some(lot) = self.ready.pop_front() {
            self.advance(lot, sched);
        }
    }

    fn handle(&mut self, ev: Ev, sched: &mut Scheduler<Ev>) -> Control {
        self.catch_up_supplies(sched);
        match ev {
            Ev::Produced(m, line) => self.produced(m, line, sched),
            Ev::ServiceDone(s, job) => self.service_done(s, job, sched),
            Ev::DwellDone(lot) => self.dwell_done(lot, sched),
            Ev::ReworkDone(lot) => self.ready.push_back(lot),
            Ev::Arrived(lot) => self.arrived(lot, sched),
            Ev::GroupArrived(group) => return self.group_arrived(group, sched),
            Ev::Timetable(leg) => self.timetable(leg, sched),
            Ev::MaxWait(leg) => self.max_wait(leg, sched),
            Ev::Returned(pool, units) => self.carriers_returned(pool, units, sched),
            // The arrival itself was applied by `catch_up_supplies` above.
            Ev::Supply(pool) => self.pools[pool].supply_armed = false,
            Ev::PoolChange(pool, i) => self.pool_change(pool, i, sched),
            Ev::ServerChange(s, i) => self.server_change(s, i, sched),
            Ev::Background(flow) => self.background_flow(flow, sched),
            Ev::Calendar(actor) => self.calendar_changed(actor, sched),
            Ev::Breakdown(actor, down) => self.breakdown(actor, down, sched),
            Ev::Disruption(occ, start) => self.disruption(occ, start, sched),
            Ev::Resume => self.resume(sched),
            Ev::Capture => {
                self.captured = Some(self.capture(sched));
                return Control::Stop;
            }
            Ev::Deadline => {
                self.books.at_deadline = Some((self.books.delivered, self.books.handed_over));
                self.books.served_at_deadline = Some(self.served_counts());
            }
            Ev::Day => {
                self.snapshot_day(sched.now());
                sched.schedule_in(Duration::new(crate::model::units::DAY).unwrap_or_default(), Ev::Day);
            }
        }
        self.settle(sched)
    }

    /// What follows every event: the lots it made ready move on, supplies are armed for whoever
    /// waits for carriers, the invariants are checked, and the replication stops once complete.
    fn settle(&mut self, sched: &mut Scheduler<Ev>) -> Control {
        self.drain(sched);
        self.arm_supplies(sched);
        if self.checks != Checks::Off
            && let Err(what) = self.check_invariants(sched.now(), sched.processed())
        {
            self.violation = Some(what);
            return Control::Stop;
        }
        if self.books.completion.is_some() { Control::Stop } else { Control::Continue }
    }

    /// The lots of a group arrive, each handled as its own event would be: at one time, in
    /// the order they left, with nothing else in between (their events used to follow each
    /// other in the queue), so the results are those of one event per lot.
    fn group_arrived(&mut self, group: GroupId, sched: &mut Scheduler<Ev>) -> Control {
        let lots = self.groups.take(group);
        let mut control = Control::Continue;
        for &lot in &lots {
            self.catch_up_supplies(sched);
            self.arrived(lot, sched);
            control = self.settle(sched);
            if control == Control::Stop {
                break;
            }
        }
        self.groups.free(group, lots);
        control
    }
}

/// Keeps the event type private: the engine drives a replication through this wrapper.
struct Driver<'r, 'w>(&'r mut Replication<'w>);

impl Model for Driver<'_, '_> {
    type Event = Ev;

    fn handle(&mut self, ev: Ev, sched: &mut Scheduler<Ev>) -> Control {
        if sched.processed() % CANCEL_EVERY == 1
            && let Some(flag) = self.0.cancel
            && flag.load(Ordering::Relaxed)
        {
            self.0.cancelled = true;
            return Control::Stop;
        }
        self.0.handle(ev, sched)
    }
}
