//! One replication: the state of the world while the order is shipped once.
//!
//! The state machine is split by idea: lots moving through their route steps in
//! [`super::flow`], mills and route choice in [`super::production`], calendars, breakdowns
//! and disruptions in [`super::effects`]. This file holds the state, sets it up, runs the
//! engine, and checks the books at the end.

use std::collections::VecDeque;

use crate::engine::random::{Stream, component_key, stream};
use crate::engine::{
    Admitted, Batcher, Boarded, Control, EventKey, Grant, Model, Outcome, Resource, Scheduler, Store, Time,
    TimeWeighted, run,
};

use super::tally::StageTally;
use super::units::Tonnes;
use super::world::{LegId, MillId, PlannedLot, PoolId, RouteId, ServerId, StoreId, World};

/// Who holds or waits for a server: one of the order's lots, or a background job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Job {
    Lot(u32),
    Bg(u32),
}

/// Who holds or waits for carriers of a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Holder {
    Lot(u32),
    Bg(u32),
    /// The oldest waiting group of this leg, for a vehicle of the leg's fleet.
    Fleet(LegId),
}

/// What a disruption or calendar acts on, for events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Actor {
    Server(ServerId),
    Leg(LegId),
    Mill(MillId),
}

/// The events of the steel world.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev {
    /// A mill's line finished the lot it was producing.
    Produced(MillId, u8),
    /// A server finished a job.
    ServiceDone(ServerId, Job),
    /// A lot finished a dwell.
    DwellDone(u32),
    /// A lot's rework delay ended; it queues again at the same server.
    ReworkDone(u32),
    /// A lot arrived at the end of a leg.
    Arrived(u32),
    /// A timetabled departure of a leg.
    Timetable(LegId),
    /// The oldest carrier of a forming group has waited the maximum.
    MaxWait(LegId),
    /// Empty carriers came back to a pool.
    Returned(PoolId, u32),
    /// New carriers joined a pool.
    Supply(PoolId),
    /// A background job arrived.
    Background(u16),
    /// A calendar changed state.
    Calendar(Actor),
    /// A breakdown began (`true`) or was repaired (`false`).
    Breakdown(Actor, bool),
    /// A disruption occurrence started (`true`) or ended (`false`).
    Disruption(u32, bool),
    /// The deadline: snapshot what has arrived.
    Deadline,
    /// The end of a simulated day: snapshot the day's series.
    Day,
}

/// Lifecycle of a lot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LotState {
    Moving,
    Delivered,
    Lost,
}

/// One lot of the order in motion.
#[derive(Clone, Debug)]
pub(crate) struct Lot {
    pub(crate) tonnes: Tonnes,
    pub(crate) mill: MillId,
    pub(crate) route: RouteId,
    pub(crate) step: u16,
    pub(crate) product: u8,
    pub(crate) destination: u8,
    /// Carriers held: the older set first (during a transload both are held).
    pub(crate) carriers: Option<(PoolId, u32)>,
    pub(crate) extra: Option<(PoolId, u32)>,
    pub(crate) store: Option<(StoreId, Time)>,
    /// A server kept busy until the lot gets into the next step (blocking after service).
    pub(crate) hold: Option<ServerId>,
    pub(crate) step_since: Time,
    /// Wait at the current step (set when its service or transit starts).
    pub(crate) wait: f64,
    /// Service or transit time drawn for the current step.
    pub(crate) service: f64,
    pub(crate) state: LotState,
    pub(crate) handover_credited: bool,
    pub(crate) replaces: Option<u32>,
    /// When the lot was produced.
    pub(crate) created: Time,
    /// Stable identity (mill, line, position in the plan, replacement generation): keys the
    /// lot's random draws, so it gets the same draws in any variant of the scenario.
    pub(crate) key: u64,
    /// Times the lot has been sent back to queue again at its current step.
    pub(crate) visit: u32,
}

impl Lot {
    /// Carriers counted by per-carrier services and group sizes: the set it arrived with.
    pub(crate) fn carrier_units(&self) -> u32 {
        self.carriers.map_or(1, |c| c.1)
    }
}

/// A background job at a server.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BgJob {
    pub(crate) flow: u16,
    /// Stable identity (flow, arrival number).
    pub(crate) key: u64,
}

/// A stage whose capacity or speed responds to calendars, breakdowns and disruptions.
#[derive(Debug)]
pub(crate) struct Condition {
    pub(crate) calendar_open: bool,
    pub(crate) down: bool,
    pub(crate) closed: u16,
    pub(crate) factors: Vec<f64>,
    pub(crate) factor: f64,
    /// Occurrences whose delay applies.
    pub(crate) delays: Vec<u32>,
}

impl Condition {
    pub(crate) fn new() -> Self {
        Condition { calendar_open: true, down: false, closed: 0, factors: Vec::new(), factor: 1.0, delays: Vec::new() }
    }
    pub(crate) fn open(&self) -> bool {
        self.calendar_open && !self.down && self.closed == 0
    }
}

pub(crate) struct ServerState {
    pub(crate) res: Resource<Job>,
    /// Keys the per-lot draws (service, inspection, rework).
    pub(crate) key: u64,
    pub(crate) fail_rng: Stream,
    pub(crate) cond: Condition,
    /// Carriers served so far (the order's and background traffic), for throughput checks.
    pub(crate) served: u64,
}

pub(crate) struct LegState {
    pub(crate) batcher: Option<Batcher<u32>>,
    /// Lots waiting for a closed leg that has no grouped departures.
    pub(crate) waiting: VecDeque<(u32, Time)>,
    pub(crate) max_wait_key: Option<EventKey>,
    /// Groups that left the batcher but wait for a vehicle of the fleet, oldest first.
    pub(crate) fleet_waiting: VecDeque<Vec<u32>>,
    /// Keys the per-group transit and per-lot incident draws.
    pub(crate) key: u64,
    pub(crate) cond: Condition,
}

pub(crate) struct PoolState {
    pub(crate) res: Resource<Holder>,
    /// Draws of the supply process (independent of lots).
    pub(crate) rng: Stream,
    /// Keys the per-lot empty-return draws.
    pub(crate) key: u64,
    pub(crate) cond: Condition,
    /// Carriers in the pool over time (supply adds, non-returning carriers leave).
    pub(crate) capacity: TimeWeighted,
    /// When the next supply arrives. Arrivals are applied lazily, before any event at or
    /// after their time is handled; an `Ev::Supply` is scheduled only while someone waits
    /// for carriers (see `flow.rs`).
    pub(crate) next_supply: Option<Time>,
    /// An `Ev::Supply` for `next_supply` is pending.
    pub(crate) supply_armed: bool,
}

pub(crate) struct StoreState {
    pub(crate) store: Store<u32>,
    pub(crate) cond: Condition,
}

/// A lot a mill must still produce, with its history if it replaces a lost one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    pub(crate) lot: PlannedLot,
    pub(crate) replaces: Option<u32>,
    pub(crate) handover_credited: bool,
    /// The lot's stable identity.
    pub(crate) key: u64,
}

pub(crate) struct Work {
    pub(crate) pending: Pending,
    /// Tonnes still to produce.
    pub(crate) left: f64,
    /// Tonnes per hour at full conditions for this lot (availability drawn).
    pub(crate) base_rate: f64,
    pub(crate) rate: f64,
    pub(crate) since: Time,
    pub(crate) key: Option<EventKey>,
}

/// One production line's progress.
pub(crate) struct LineState {
    /// Next lot of the plan.
    pub(crate) next: usize,
    /// Lost lots to make again, before the plan continues.
    pub(crate) replacements: VecDeque<Pending>,
    /// The lot being made.
    pub(crate) current: Option<Work>,
}

pub(crate) struct MillState {
    pub(crate) lines: Vec<LineState>,
    /// Keys the per-lot availability draws.
    pub(crate) key: u64,
    pub(crate) fail_rng: Stream,
    pub(crate) cond: Condition,
    /// Smooth weighted round-robin state, per destination, per candidate route.
    pub(crate) wrr: Vec<Vec<f64>>,
}

pub(crate) struct BgState {
    /// Draws of the arrival process.
    pub(crate) rng: Stream,
    /// Keys the per-job draws.
    pub(crate) key: u64,
    /// Jobs so far.
    pub(crate) arrivals: u64,
    /// Jobs served so far.
    pub(crate) served: u64,
}

/// A disruption occurrence drawn for this replication.
pub(crate) struct Occ {
    pub(crate) spec: u32,
    pub(crate) factor: f64,
}

/// Running totals of the order's tonnes.
#[derive(Default, Debug)]
pub(crate) struct Books {
    pub(crate) produced: Tonnes,
    pub(crate) delivered: Tonnes,
    pub(crate) handed_over: Tonnes,
    pub(crate) lost: Tonnes,
    pub(crate) completion: Option<Time>,
    pub(crate) handover_completion: Option<Time>,
    pub(crate) at_deadline: Option<(Tonnes, Tonnes)>,
    /// Carriers served per server and jobs served per background flow, at the deadline.
    pub(crate) served_at_deadline: Option<(Vec<u64>, Vec<u64>)>,
    /// Costs incurred (transport, handling, storage), in the scenario's currency.
    pub(crate) cost: f64,
    /// Late-delivery penalties incurred so far.
    pub(crate) penalty: f64,
}

/// Day-by-day series of one replication, recorded at the end of each simulated day (and
/// for the part of the last day before the replication ended).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Daily {
    /// Tonnes delivered to destinations by the end of each day, in kilograms.
    pub delivered_kg: Vec<u64>,
    /// Tonnes handed over by the end of each day, in kilograms.
    pub handed_over_kg: Vec<u64>,
    /// Per day, per tracked resource (servers then pools): share of capacity in use.
    pub utilisation: Vec<f32>,
    /// Per day, per tracked resource: mean number waiting.
    pub queue: Vec<f32>,
}

/// What the daily snapshot needs to remember between days.
#[derive(Debug, Default)]
pub(crate) struct DayMarks {
    pub(crate) at: f64,
    pub(crate) busy: Vec<f64>,
    pub(crate) queue: Vec<f64>,
    pub(crate) capacity: Vec<f64>,
}

/// One step of one lot, for the shipment trace.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceRow {
    /// Lot number.
    pub lot: u32,
    /// Step index in its route.
    pub step: u16,
    /// When the lot reached the step (hours).
    pub entered: f64,
    /// When its service or transit began (hours).
    pub started: f64,
    /// When it left (hours).
    pub left: f64,
}

/// What the trace needs to know about a lot.
#[derive(Clone, Debug, PartialEq)]
pub struct LotInfo {
    /// Mill index.
    pub mill: MillId,
    /// Product index.
    pub product: u8,
    /// Destination index.
    pub destination: u8,
    /// Route index.
    pub route: RouteId,
    /// Size.
    pub tonnes: Tonnes,
    /// The lost lot this one replaces.
    pub replaces: Option<u32>,
    /// `delivered`, `lost` or `in_transit`.
    pub outcome: &'static str,
}

/// The per-lot trace of a replication.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Lots by number.
    pub lots: Vec<LotInfo>,
    /// Steps in the order they completed.
    pub rows: Vec<TraceRow>,
}

/// Where undelivered tonnes sat when a replication ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Location {
    /// Not yet produced at this mill.
    Production(MillId),
    /// At a reported stage (waiting or in service).
    Stage(usize),
    /// Between stages.
    Elsewhere,
}

/// Everything one replication reports.
#[derive(Clone, Debug)]
pub struct ReplicationResult {
    /// Replication index.
    pub index: u64,
    /// Its seed.
    pub seed: u64,
    /// Hours until every tonne reached its destination, `None` if not by the horizon.
    pub completion: Option<f64>,
    /// Hours until every tonne passed the handover point.
    pub handover_completion: Option<f64>,
    /// Delivered to destinations by the deadline.
    pub delivered_by_deadline: Tonnes,
    /// Handed over by the deadline.
    pub handed_over_by_deadline: Tonnes,
    /// Carriers served by the deadline, per server (the order's and background traffic).
    pub served_by_deadline: Vec<u64>,
    /// Jobs served by the deadline, per background flow.
    pub background_by_deadline: Vec<u64>,
    /// Delivered by the end.
    pub delivered: Tonnes,
    /// Lost or damaged on the way (and produced again).
    pub lost: Tonnes,
    /// Produced and not yet delivered at the end.
    pub in_transit: Tonnes,
    /// Not yet produced at the end (including replacements of lost lots).
    pub unproduced: Tonnes,
    /// Lots created.
    pub lots: u32,
    /// Events handled.
    pub events: u64,
    /// Clock at the end (hours).
    pub end: f64,
    /// Why the replication ended.
    pub outcome: Outcome,
    /// Per reported stage.
    pub stages: Vec<StageTally>,
    /// Per reported stage: time-average share of capacity in use (servers, pools, yards).
    pub utilisation: Vec<Option<f64>>,
    /// Undelivered tonnes by location (empty when complete).
    pub stuck: Vec<(Location, Tonnes)>,
    /// Per-lot trace, when asked for.
    pub trace: Option<Trace>,
    /// Day-by-day series.
    pub daily: Daily,
    /// Lead time (production to delivery, days) of each delivered lot, with its corridor.
    pub lead_times: Vec<(u16, f32)>,
    /// Costs incurred (transport, handling, storage).
    pub cost: f64,
    /// Late-delivery penalties (for undelivered tonnes counted up to the end: a lower bound).
    pub penalty: f64,
}

/// Tonnes were created or destroyed: a bug in the model, never the user's fault.
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
#[error(
    "replication {index}: tonnes not conserved: ordered {ordered}, delivered {delivered}, in transit {in_transit}, \
     not yet produced {unproduced}; produced {produced}, lost {lost}, pending replacements {pending_replacements}"
)]
pub struct ConservationError {
    /// Replication index.
    pub index: u64,
    /// Ordered.
    pub ordered: Tonnes,
    /// Delivered.
    pub delivered: Tonnes,
    /// In transit.
    pub in_transit: Tonnes,
    /// Not yet produced.
    pub unproduced: Tonnes,
    /// Produced (all lots created).
    pub produced: Tonnes,
    /// Lost.
    pub lost: Tonnes,
    /// Tonnes of replacement lots created or pending.
    pub pending_replacements: Tonnes,
}

/// Why a replication's results cannot be trusted: a model bug, never the user's fault.
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
pub enum ReplicationError {
    /// Tonnes were created or destroyed.
    #[error(transparent)]
    Conservation(#[from] ConservationError),
    /// An invariant checked while running was broken.
    #[error("replication {index}: invariant broken at hour {hour:.2}: {what}")]
    Invariant {
        /// Replication index.
        index: u64,
        /// Simulation time, hours.
        hour: f64,
        /// Which invariant, and how.
        what: String,
    },
}

/// The state of one replication.
pub struct Replication<'w> {
    pub(crate) w: &'w World,
    pub(crate) index: u64,
    pub(crate) seed: u64,
    pub(crate) lots: Vec<Lot>,
    pub(crate) bg_jobs: Vec<BgJob>,
    pub(crate) servers: Vec<ServerState>,
    pub(crate) legs: Vec<LegState>,
    pub(crate) pools: Vec<PoolState>,
    /// The earliest `next_supply` of any pool: one comparison per event decides whether
    /// any arrival is due.
    pub(crate) supply_due: Option<Time>,
    pub(crate) stores: Vec<StoreState>,
    pub(crate) mills: Vec<MillState>,
    pub(crate) bg: Vec<BgState>,
    pub(crate) dwell_key: Vec<u64>,
    pub(crate) occurrences: Vec<Occ>,
    pub(crate) ready: VecDeque<u32>,
    pub(crate) grants: Vec<Grant<Job>>,
    pub(crate) pool_grants: Vec<Grant<Holder>>,
    pub(crate) admitted: Vec<Admitted<u32>>,
    pub(crate) boarded: Vec<Boarded<u32>>,
    pub(crate) books: Books,
    pub(crate) tally: Vec<StageTally>,
    pub(crate) trace: Option<Vec<TraceRow>>,
    pub(crate) daily: Daily,
    pub(crate) marks: DayMarks,
    pub(crate) lead_times: Vec<(u16, f32)>,
    pub(crate) checks: super::invariants::Checks,
    pub(crate) last_event: Time,
    pub(crate) last_steps: Vec<u16>,
    /// The first invariant found broken.
    pub(crate) violation: Option<String>,
}

impl std::fmt::Debug for Replication<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replication").field("index", &self.index).field("lots", &self.lots.len()).finish()
    }
}

impl<'w> Replication<'w> {
    /// Sets up replication `index` with seed `seed`; `trace` keeps a per-lot trace.
    pub fn new(w: &'w World, index: u64, seed: u64, trace: bool) -> Self {
        let cond = Condition::new;
        let servers = w
            .servers
            .iter()
            .map(|s| ServerState {
                res: Resource::new(s.capacity, s.discipline),
                key: component_key(seed, &s.name),
                fail_rng: stream(seed, &format!("{}#failures", s.name)),
                cond: cond(),
                served: 0,
            })
            .collect();
        let legs = w
            .legs
            .iter()
            .map(|l| LegState {
                batcher: l.departures.as_ref().map(|d| Batcher::new(d.size)),
                waiting: VecDeque::new(),
                max_wait_key: None,
                fleet_waiting: VecDeque::new(),
                key: component_key(seed, &l.name),
                cond: cond(),
            })
            .collect();
        let pools = w
            .pools
            .iter()
            .map(|p| PoolState {
                res: Resource::new(p.units, crate::engine::Discipline::Fifo),
                rng: stream(seed, &p.name),
                key: component_key(seed, &format!("{}#returns", p.name)),
                cond: cond(),
                capacity: TimeWeighted::new(),
                next_supply: None,
                supply_armed: false,
            })
            .collect();
        let stores = w.stores.iter().map(|s| StoreState { store: Store::new(s.capacity.kg()), cond: cond() }).collect();
        let mills = w
            .mills
            .iter()
            .map(|m| MillState {
                lines: m
                    .lines
                    .iter()
                    .map(|_| LineState { next: 0, replacements: VecDeque::new(), current: None })
                    .collect(),
                key: component_key(seed, &m.name),
                fail_rng: stream(seed, &format!("{}#failures", m.name)),
                cond: cond(),
                wrr: m.routes.iter().map(|r| vec![0.0; r.len()]).collect(),
            })
            .collect();
        Replication {
            w,
            index,
            seed,
            lots: Vec::with_capacity(w.mills.iter().map(|m| m.planned().count()).sum::<usize>() + 16),
            bg_jobs: Vec::new(),
            servers,
            legs,
            pools,
            supply_due: None,
            stores,
            mills,
            bg: w
                .background
                .iter()
                .map(|b| BgState {
                    rng: stream(seed, &b.name),
                    key: component_key(seed, &format!("{}#jobs", b.name)),
                    arrivals: 0,
                    served: 0,
                })
                .collect(),
            dwell_key: w.dwells.iter().map(|d| component_key(seed, &d.name)).collect(),
            occurrences: Vec::new(),
            ready: VecDeque::new(),
            grants: Vec::new(),
            pool_grants: Vec::new(),
            admitted: Vec::new(),
            boarded: Vec::new(),
            books: Books::default(),
            tally: vec![StageTally::default(); w.stage_count()],
            trace: trace.then(Vec::new),
            daily: Daily::default(),
            marks: DayMarks {
                at: 0.0,
                busy: vec![0.0; w.tracked_resources()],
                queue: vec![0.0; w.tracked_resources()],
                capacity: vec![0.0; w.tracked_resources()],
            },
            lead_times: Vec::new(),
            checks: super::invariants::Checks::for_build(),
            last_event: Time::ZERO,
            last_steps: Vec::new(),
            violation: None,
        }
    }

    /// Sets how thoroughly the replication checks itself while it runs.
    pub fn with_checks(mut self, checks: super::invariants::Checks) -> Self {
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
            let (horizon, max_events) = (self.w.horizon, self.w.max_events);
            run(&mut Driver(&mut self), &mut sched, horizon, max_events)
        };
        // Arrivals up to the end count in the pools' capacity, as if each had been an event.
        self.catch_up_supplies(&mut sched);
        if let Some(what) = self.violation.take() {
            return Err(ReplicationError::Invariant { index: self.index, hour: sched.now().value(), what });
        }
        Ok(self.finish(sched.now(), sched.processed(), outcome)?)
    }

    fn start(&mut self, sched: &mut Scheduler<Ev>) {
        sched.schedule_at(self.w.deadline, Ev::Deadline);
        sched.schedule_at(Time::new(24.0).unwrap_or(Time::ZERO), Ev::Day);
        self.start_effects(sched);
        self.start_background(sched);
        self.start_production(sched);
        self.drain(sched);
        self.arm_supplies(sched);
    }

    fn start_background(&mut self, sched: &mut Scheduler<Ev>) {
        for (f, spec) in self.w.background.iter().enumerate() {
            for _ in 0..spec.initial_jobs {
                self.background_arrives(f as u16, sched);
            }
            if let Some(every) = &spec.every {
                let gap = every.sample(&mut self.bg[f].rng);
                sched.schedule_in(crate::engine::Duration::saturating(gap), Ev::Background(f as u16));
            }
        }
    }

    fn finish(mut self, end: Time, events: u64, outcome: Outcome) -> Result<ReplicationResult, ConservationError> {
        let w = self.w;
        if end.value() > self.marks.at {
            self.snapshot_day(end);
        }
        let (delivered_by_deadline, handed_over_by_deadline) =
            self.books.at_deadline.unwrap_or((self.books.delivered, self.books.handed_over));
        let (served_by_deadline, background_by_deadline) =
            self.books.served_at_deadline.take().unwrap_or_else(|| self.served_counts());

        // The books, recomputed from the lots themselves rather than from running totals.
        let mut in_transit = Tonnes::ZERO;
        let mut stuck: Vec<(Location, Tonnes)> = Vec::new();
        let mut add_stuck = |loc: Location, t: Tonnes| match stuck.iter_mut().find(|s| s.0 == loc) {
            Some(s) => s.1 += t,
            None => stuck.push((loc, t)),
        };
        for lot in self.lots.iter().filter(|l| l.state == LotState::Moving) {
            in_transit += lot.tonnes;
            let step = w.routes[lot.route as usize].steps[lot.step as usize];
            add_stuck(w.stage_of(step).map_or(Location::Elsewhere, Location::Stage), lot.tonnes);
        }
        let mut unproduced = Tonnes::ZERO;
        let mut pending_replacements = Tonnes::ZERO;
        for (m, (mill, spec)) in self.mills.iter().zip(&w.mills).enumerate() {
            let mut here = Tonnes::ZERO;
            for (line, line_spec) in mill.lines.iter().zip(&spec.lines) {
                let plan = &line_spec.plan;
                here += plan[line.next.min(plan.len())..].iter().map(|p| p.tonnes).sum::<Tonnes>();
                let queued: Tonnes = line.replacements.iter().map(|p| p.lot.tonnes).sum();
                here += queued;
                pending_replacements += queued;
                if let Some(work) = &line.current {
                    here += work.pending.lot.tonnes;
                    if work.pending.replaces.is_some() {
                        pending_replacements += work.pending.lot.tonnes;
                    }
                }
            }
            if here > Tonnes::ZERO {
                add_stuck(Location::Production(m as MillId), here);
            }
            unproduced += here;
        }
        let produced: Tonnes = self.lots.iter().map(|l| l.tonnes).sum();
        let replacements_made: Tonnes = self.lots.iter().filter(|l| l.replaces.is_some()).map(|l| l.tonnes).sum();
        let delivered: Tonnes = self.lots.iter().filter(|l| l.state == LotState::Delivered).map(|l| l.tonnes).sum();
        let lost: Tonnes = self.lots.iter().filter(|l| l.state == LotState::Lost).map(|l| l.tonnes).sum();
        let ordered = w.order.tonnes;
        let balanced = delivered + in_transit + unproduced == ordered
            && produced == delivered + in_transit + lost
            && lost == replacements_made + pending_replacements
            && delivered == self.books.delivered
            && lost == self.books.lost
            && produced == self.books.produced;
        if !balanced {
            return Err(ConservationError {
                index: self.index,
                ordered,
                delivered,
                in_transit,
                unproduced,
                produced,
                lost,
                pending_replacements: replacements_made + pending_replacements,
            });
        }
        if delivered == ordered {
            stuck.clear();
        }
        // Tonnes not delivered by the end are late at least until the end.
        let late_days = (end.value() - w.deadline.value()).max(0.0) / 24.0;
        self.books.penalty += (in_transit + unproduced).t() * late_days * w.order.late_penalty_per_t_day;
        stuck.sort();

        let horizon_end = end.value().max(f64::MIN_POSITIVE);
        let n_servers = w.servers.len();
        let mut utilisation = vec![None; w.stage_count()];
        for (i, s) in self.servers.iter().enumerate() {
            let nominal = w.servers[i].capacity as f64;
            utilisation[i] = Some(s.res.busy_monitor().area(end) / (nominal * horizon_end));
        }
        let pool_base = n_servers + w.dwells.len() + w.legs.len();
        for (i, p) in self.pools.iter().enumerate() {
            let capacity_area = p.capacity.area(end).max(f64::MIN_POSITIVE);
            utilisation[pool_base + i] = Some(p.res.busy_monitor().area(end) / capacity_area);
        }
        for (i, s) in self.stores.iter().enumerate() {
            let cap = w.stores[i].capacity.kg().max(1) as f64;
            utilisation[w.store_stage(i as StoreId)] = Some(s.store.level_monitor().area(end) / (cap * horizon_end));
        }

        let trace = self.trace.take().map(|rows| Trace {
            lots: self
                .lots
                .iter()
                .map(|l| LotInfo {
                    mill: l.mill,
                    product: l.product,
                    destination: l.destination,
                    route: l.route,
                    tonnes: l.tonnes,
                    replaces: l.replaces,
                    outcome: match l.state {
                        LotState::Delivered => "delivered",
                        LotState::Lost => "lost",
                        LotState::Moving => "in_transit",
                    },
                })
                .collect(),
            rows,
        });

        Ok(ReplicationResult {
            index: self.index,
            seed: self.seed,
            completion: self.books.completion.map(Time::value),
            handover_completion: self.books.handover_completion.map(Time::value),
            delivered_by_deadline,
            handed_over_by_deadline,
            served_by_deadline,
            background_by_deadline,
            delivered,
            lost,
            in_transit,
            unproduced,
            lots: self.lots.len() as u32,
            events,
            end: end.value(),
            outcome,
            stages: self.tally,
            utilisation,
            stuck,
            trace,
            daily: std::mem::take(&mut self.daily),
            lead_times: std::mem::take(&mut self.lead_times),
            cost: self.books.cost,
            penalty: self.books.penalty,
        })
    }

    fn served_counts(&self) -> (Vec<u64>, Vec<u64>) {
        (self.servers.iter().map(|s| s.served).collect(), self.bg.iter().map(|b| b.served).collect())
    }

    /// Records the day (or part of a day) since the last snapshot.
    fn snapshot_day(&mut self, now: Time) {
        let dt = now.value() - self.marks.at;
        if dt <= 0.0 {
            return;
        }
        self.daily.delivered_kg.push(self.books.delivered.kg());
        self.daily.handed_over_kg.push(self.books.handed_over.kg());
        let n_servers = self.servers.len();
        for i in 0..self.w.tracked_resources() {
            let (busy, queue, capacity) = if i < n_servers {
                let r = &self.servers[i].res;
                let nominal = self.w.servers[i].capacity as f64;
                (r.busy_monitor().area(now), r.queue_monitor().area(now), nominal * now.value())
            } else {
                let p = &self.pools[i - n_servers];
                (p.res.busy_monitor().area(now), p.res.queue_monitor().area(now), p.capacity.area(now))
            };
            let cap = capacity - self.marks.capacity[i];
            let used = busy - self.marks.busy[i];
            self.daily.utilisation.push(if cap > 0.0 { (used / cap) as f32 } else { 0.0 });
            self.daily.queue.push(((queue - self.marks.queue[i]) / dt) as f32);
            self.marks.busy[i] = busy;
            self.marks.queue[i] = queue;
            self.marks.capacity[i] = capacity;
        }
        self.marks.at = now.value();
    }

    /// Records that `lot` leaves its current step after waiting `self.lots[lot].wait` and
    /// being served for `service` hours (`None`: the service is tallied elsewhere).
    pub(crate) fn finish_step(&mut self, lot: u32, service: Option<f64>, now: Time) {
        let l = &self.lots[lot as usize];
        let step = self.w.routes[l.route as usize].steps[l.step as usize];
        if let Some(stage) = self.w.stage_of(step) {
            let t = &mut self.tally[stage];
            t.wait(l.wait);
            if let Some(service) = service {
                t.service(service);
            }
        }
        if let Some(rows) = &mut self.trace {
            let entered = l.step_since.value();
            rows.push(TraceRow { lot, step: l.step, entered, started: entered + l.wait, left: now.value() });
        }
    }

    /// Runs the lots made ready by the last event until each waits or takes time.
    pub(crate) fn drain(&mut self, sched: &mut Scheduler<Ev>) {
        while let Some(lot) = self.ready.pop_front() {
            self.advance(lot, sched);
        }
    }
}

/// Keeps the event type private: the engine drives a replication through this wrapper.
struct Driver<'r, 'w>(&'r mut Replication<'w>);

impl Model for Driver<'_, '_> {
    type Event = Ev;

    fn handle(&mut self, ev: Ev, sched: &mut Scheduler<Ev>) -> Control {
        self.0.handle(ev, sched)
    }
}

impl Replication<'_> {
    fn handle(&mut self, ev: Ev, sched: &mut Scheduler<Ev>) -> Control {
        self.catch_up_supplies(sched);
        match ev {
            Ev::Produced(m, line) => self.produced(m, line, sched),
            Ev::ServiceDone(s, job) => self.service_done(s, job, sched),
            Ev::DwellDone(lot) => self.dwell_done(lot, sched),
            Ev::ReworkDone(lot) => self.ready.push_back(lot),
            Ev::Arrived(lot) => self.arrived(lot, sched),
            Ev::Timetable(leg) => self.timetable(leg, sched),
            Ev::MaxWait(leg) => self.max_wait(leg, sched),
            Ev::Returned(pool, units) => self.carriers_returned(pool, units, sched),
            // The arrival itself was applied by `catch_up_supplies` above.
            Ev::Supply(pool) => self.pools[pool as usize].supply_armed = false,
            Ev::Background(flow) => {
                self.background_arrives(flow, sched);
                if let Some(every) = &self.w.background[flow as usize].every {
                    let gap = every.sample(&mut self.bg[flow as usize].rng);
                    sched.schedule_in(crate::engine::Duration::saturating(gap), Ev::Background(flow));
                }
            }
            Ev::Calendar(actor) => self.calendar_changed(actor, sched),
            Ev::Breakdown(actor, down) => self.breakdown(actor, down, sched),
            Ev::Disruption(occ, start) => self.disruption(occ, start, sched),
            Ev::Deadline => {
                self.books.at_deadline = Some((self.books.delivered, self.books.handed_over));
                self.books.served_at_deadline = Some(self.served_counts());
            }
            Ev::Day => {
                self.snapshot_day(sched.now());
                sched.schedule_in(crate::engine::Duration::new(24.0).unwrap_or_default(), Ev::Day);
            }
        }
        self.drain(sched);
        self.arm_supplies(sched);
        if self.checks != super::invariants::Checks::Off
            && let Err(what) = self.check_invariants(sched.now(), sched.processed())
        {
            self.violation = Some(what);
            return Control::Stop;
        }
        if self.books.completion.is_some() { Control::Stop } else { Control::Continue }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::world::Step;

    fn tiny() -> World {
        crate::scenario::load_str(include_str!("../../tests/fixtures/tiny.toml"), "tiny.toml", "tiny").unwrap()
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
        rep.lots[0].tonnes += Tonnes::from_t(1.0).unwrap();
        let err = rep.finish(sched.now(), sched.processed(), Outcome::Stopped).unwrap_err();
        assert_eq!(err.index, 17);
        assert!(err.to_string().starts_with("replication 17: tonnes not conserved"), "{err}");
    }

    #[test]
    fn full_checks_hold_on_every_event_of_the_fixtures() {
        for (text, name) in [
            (include_str!("../../tests/fixtures/tiny.toml"), "tiny.toml"),
            (include_str!("../../tests/fixtures/sea.toml"), "sea.toml"),
            (include_str!("../../tests/fixtures/border_closed_random.toml"), "border_closed_random.toml"),
        ] {
            let w = crate::scenario::load_str(text, name, "fixture").unwrap();
            for i in 0..20 {
                let r =
                    Replication::new(&w, i, 77 + i, false).with_checks(super::super::invariants::Checks::Full).run();
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
        let text = include_str!("../../tests/fixtures/tiny.toml").replace(
            "[pools.broad]\nunits = 40\npayload_t = 60\nempty_return = \"3d\"",
            "[pools.broad]\nunits = 0\npayload_t = 60\nempty_return = \"3d\"\nreturn_share = 0\n\
             supply = { every = \"47h\", units = 10 }",
        );
        assert!(text.contains("every = \"47h\""), "the fixture changed; update this test");
        let w = crate::scenario::load_str(&text, "tiny.toml", "tiny").unwrap();
        let broad = w.pools.iter().position(|p| p.name == "broad").unwrap() as PoolId;
        for i in 0..5 {
            let r = Replication::new(&w, i, 40 + i, true).run().unwrap();
            assert_eq!(r.outcome, Outcome::Stopped, "replication {i} finished");
            let trace = r.trace.unwrap();
            let mut waited = 0;
            for row in &trace.rows {
                let route = &w.routes[trace.lots[row.lot as usize].route as usize];
                if route.steps[row.step as usize] == Step::Acquire(broad) && row.left > row.entered {
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
        let mut rep = Replication::new(&w, 3, 5, false).with_checks(super::super::invariants::Checks::Full);
        let mut sched = Scheduler::new();
        rep.start(&mut sched);
        run(&mut Driver(&mut rep), &mut sched, w.horizon, 500);
        assert!(rep.violation.is_none(), "{:?}", rep.violation);
        assert!(!rep.lots.is_empty());
        rep.lots[0].tonnes += Tonnes::from_t(1.0).unwrap();
        let what = rep.check_invariants(sched.now(), sched.processed()).unwrap_err();
        assert!(what.contains("not conserved") || what.contains("yard"), "{what}");
    }
}
