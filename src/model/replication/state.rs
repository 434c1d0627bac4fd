//! The state a replication keeps: its events, the lots in motion, and one state per stage
//! kind. Each state guards its own rules (a condition combines what closes or slows a stage;
//! a line knows what it still has to make); the mechanisms that move lots between them live
//! in the sibling files.

use std::collections::VecDeque;

use super::legs::GroupId;
use crate::engine::random::{Stream, component_key, stream};
use crate::engine::{Batcher, Discipline, EventKey, Resource, Store, Time, TimeWeighted};
use crate::model::ids::{
    CorridorId, DisruptionId, FlowId, IdVec, JobId, LegId, LineId, LotId, MillId, OccurrenceId, PoolId, ServerId,
    StoreId,
};
use crate::model::units::Tonnes;
use crate::model::world::{
    DestinationId, Effect, LegSpec, MillSpec, PlannedLot, PoolSpec, ProductId, RouteId, ServerSpec, StoreSpec,
};

/// Who holds or waits for a server: one of the order's lots, or a background job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Job {
    Lot(LotId),
    Bg(JobId),
}

/// Who holds or waits for carriers of a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Holder {
    Lot(LotId),
    Bg(JobId),
    /// The oldest waiting group of this leg, for a vehicle of the leg's fleet.
    Fleet(LegId),
}

/// What a calendar or breakdown acts on, for events.
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
    Produced(MillId, LineId),
    /// A server finished a job.
    ServiceDone(ServerId, Job),
    /// A lot finished a dwell.
    DwellDone(LotId),
    /// A lot's rework delay ended; it queues again at the same server.
    ReworkDone(LotId),
    /// A lot arrived at the end of a leg.
    Arrived(LotId),
    /// The lots of a group that left together on one transit time arrived: each is handled
    /// in turn as if it were its own event, as one event per lot used to be.
    GroupArrived(GroupId),
    /// A timetabled departure of a leg.
    Timetable(LegId),
    /// The oldest carrier of a forming group has waited the maximum.
    MaxWait(LegId),
    /// Empty carriers came back to a pool.
    Returned(PoolId, u32),
    /// New carriers joined a pool.
    Supply(PoolId),
    /// A background job arrived.
    Background(FlowId),
    /// A calendar changed state.
    Calendar(Actor),
    /// A breakdown began (`true`) or was repaired (`false`).
    Breakdown(Actor, bool),
    /// A pool's fleet changes (its dated change number `usize`).
    PoolChange(PoolId, usize),
    /// A server's places change (its dated change number `usize`).
    ServerChange(ServerId, usize),
    /// A disruption occurrence started (`true`) or ended (`false`).
    Disruption(OccurrenceId, bool),
    /// The deadline: snapshot what has arrived.
    Deadline,
    /// The moment of the status the run starts from: put every lot where it says.
    Resume,
    /// The moment to write the state down (and stop).
    Capture,
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
    pub(crate) product: ProductId,
    pub(crate) destination: DestinationId,
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
    /// The buyer pays this lot's costs from here on (it passed [`Step::CostsPass`]).
    pub(crate) buyer_pays: bool,
    /// The lot is at the buyer's risk (it passed [`Step::Handover`], its delivery).
    pub(crate) buyer_risk: bool,
    pub(crate) replaces: Option<LotId>,
    /// When the lot was produced.
    pub(crate) created: Time,
    /// Stable identity (mill, line, position in the plan, replacement generation): keys the
    /// lot's random draws, so it gets the same draws in any variant of the scenario.
    pub(crate) key: u64,
    /// Times the lot has been sent back to queue again at its current step.
    pub(crate) visit: u32,
    /// In service, dwelling or travelling at its current step (rather than waiting).
    pub(crate) busy: bool,
}

impl Lot {
    /// A lot just produced at mill `mill` from `p`, starting its route `route` at `now`.
    pub(crate) fn new(mill: MillId, route: RouteId, p: &Pending, now: Time) -> Lot {
        Lot {
            tonnes: p.lot.tonnes,
            mill,
            route,
            step: 0,
            product: p.lot.product,
            destination: p.lot.destination,
            carriers: None,
            extra: None,
            store: None,
            hold: None,
            step_since: now,
            wait: 0.0,
            service: 0.0,
            state: LotState::Moving,
            handover_credited: p.handover_credited,
            buyer_pays: false,
            buyer_risk: false,
            replaces: p.replaces,
            created: now,
            key: p.key,
            visit: 0,
            busy: false,
        }
    }

    /// Carriers counted by per-carrier services and group sizes: the set it arrived with.
    pub(crate) fn carrier_units(&self) -> u32 {
        self.carriers.map_or(1, |c| c.1)
    }

    /// Moves the lot into its next step at `now`.
    pub(crate) fn next_step(&mut self, now: Time) {
        self.step += 1;
        self.step_since = now;
        self.wait = 0.0;
        self.visit = 0;
        self.busy = false;
    }

    /// Sent back to queue again at the same step (documents returned).
    pub(crate) fn requeue(&mut self, now: Time) {
        self.step_since = now;
        self.wait = 0.0;
        self.visit += 1;
        self.busy = false;
    }

    /// Takes a set of carriers: the first set it holds, or a second one during a transload.
    pub(crate) fn take_carriers(&mut self, pool: PoolId, units: u32) {
        if self.carriers.is_none() {
            self.carriers = Some((pool, units));
        } else {
            self.extra = Some((pool, units));
        }
    }

    /// Gives back its set of carriers from `pool`, if it holds one.
    pub(crate) fn give_back(&mut self, pool: PoolId) -> Option<(PoolId, u32)> {
        if self.carriers.is_some_and(|c| c.0 == pool) {
            let c = self.carriers.take();
            self.carriers = self.extra.take();
            c
        } else if self.extra.is_some_and(|c| c.0 == pool) {
            self.extra.take()
        } else {
            None
        }
    }

    /// Queue priority: replacements of lost lots go first.
    pub(crate) fn priority(&self) -> i64 {
        if self.replaces.is_some() { 2 } else { 1 }
    }
}

/// A background job at a server.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BgJob {
    pub(crate) flow: FlowId,
    /// Stable identity (flow, arrival number).
    pub(crate) key: u64,
}

/// What closes or slows a stage now: its calendar, a breakdown, and the disruptions under
/// way (closures counted, so overlapping ones nest; factors multiplied; delays listed).
#[derive(Debug)]
pub(crate) struct Condition {
    pub(crate) calendar_open: bool,
    pub(crate) down: bool,
    closed: u16,
    factors: Vec<f64>,
    pub(crate) factor: f64,
    /// Occurrences whose delay applies.
    pub(crate) delays: Vec<OccurrenceId>,
}

impl Condition {
    pub(crate) fn new() -> Self {
        Condition { calendar_open: true, down: false, closed: 0, factors: Vec::new(), factor: 1.0, delays: Vec::new() }
    }

    pub(crate) fn open(&self) -> bool {
        self.calendar_open && !self.down && self.closed == 0
    }

    /// Scales capacity or speed by `factor` for good (an uncertain figure's draw).
    pub(crate) fn scale(&mut self, factor: f64) {
        self.factors.push(factor);
        self.multiply_out();
    }

    /// The factor in force: every factor applied, floored so nothing stops altogether.
    fn multiply_out(&mut self) {
        self.factor = self.factors.iter().product::<f64>().max(1e-6);
    }

    /// Applies (or, with `start == false`, undoes) occurrence `occ` of an effect drawn
    /// with `factor`.
    pub(crate) fn change(&mut self, effect: &Effect, occ: OccurrenceId, factor: f64, start: bool) {
        match effect {
            Effect::Closed if start => self.closed += 1,
            Effect::Closed => self.closed = self.closed.saturating_sub(1),
            Effect::Factor(_) => {
                if start {
                    self.factors.push(factor);
                } else if let Some(i) = self.factors.iter().position(|&f| f == factor) {
                    self.factors.remove(i);
                }
                self.multiply_out();
            }
            Effect::Delay(_) => {
                if start {
                    self.delays.push(occ);
                } else if let Some(i) = self.delays.iter().position(|&o| o == occ) {
                    self.delays.remove(i);
                }
            }
        }
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
    /// Its places now (its capacity, or the last dated change's).
    pub(crate) places: u32,
    /// Its places over time, kept only where they change on dates.
    pub(crate) places_over_time: Option<TimeWeighted>,
}

impl ServerState {
    pub(crate) fn new(spec: &ServerSpec, seed: u64) -> Self {
        ServerState {
            res: Resource::new(spec.capacity, spec.discipline),
            key: component_key(seed, &spec.name),
            fail_rng: stream(seed, &format!("{}#failures", spec.name)),
            cond: Condition::new(),
            served: 0,
            places: spec.capacity,
            places_over_time: (!spec.changes.is_empty()).then(|| {
                let mut t = TimeWeighted::new();
                t.set(Time::ZERO, f64::from(spec.capacity));
                t
            }),
        }
    }

    /// The places it has now: its capacity while open, none while closed.
    pub(crate) fn capacity_now(&self) -> u32 {
        if self.cond.open() { self.places } else { 0 }
    }

    /// Area under its places up to `end` (place-hours).
    pub(crate) fn place_hours(&self, end: Time) -> f64 {
        match &self.places_over_time {
            Some(t) => t.area(end),
            None => f64::from(self.places) * end.value(),
        }
    }
}

pub(crate) struct LegState {
    pub(crate) batcher: Option<Batcher<LotId>>,
    /// Lots waiting for a closed leg that has no grouped departures.
    pub(crate) waiting: VecDeque<(LotId, Time)>,
    pub(crate) max_wait_key: Option<EventKey>,
    /// Groups that left the batcher but wait for a vehicle of the fleet, oldest first.
    pub(crate) fleet_waiting: VecDeque<Vec<LotId>>,
    /// Keys the per-group transit and per-lot incident draws.
    pub(crate) key: u64,
    pub(crate) cond: Condition,
}

impl LegState {
    pub(crate) fn new(spec: &LegSpec, seed: u64) -> Self {
        LegState {
            batcher: spec.departures.as_ref().map(|d| Batcher::new(d.size)),
            waiting: VecDeque::new(),
            max_wait_key: None,
            fleet_waiting: VecDeque::new(),
            key: component_key(seed, &spec.name),
            cond: Condition::new(),
        }
    }
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
    /// for carriers (see `carriers.rs`).
    pub(crate) next_supply: Option<Time>,
    /// An `Ev::Supply` for `next_supply` is pending.
    pub(crate) supply_armed: bool,
    /// Carriers a dated change took out of the pool while they were away: each leaves as it
    /// comes back.
    pub(crate) owed: u32,
}

impl PoolState {
    pub(crate) fn new(spec: &PoolSpec, seed: u64) -> Self {
        PoolState {
            res: Resource::new(spec.units, Discipline::Fifo),
            rng: stream(seed, &spec.name),
            key: component_key(seed, &format!("{}#returns", spec.name)),
            cond: Condition::new(),
            capacity: TimeWeighted::new(),
            next_supply: None,
            supply_armed: false,
            owed: 0,
        }
    }

    /// Carriers that leave the pool for good.
    pub(crate) fn retire(&mut self, now: Time, units: u32) {
        self.res.retire(now, units);
        self.capacity.set(now, self.res.capacity() as f64);
    }
}

pub(crate) struct StoreState {
    pub(crate) store: Store<LotId>,
    pub(crate) cond: Condition,
}

impl StoreState {
    pub(crate) fn new(spec: &StoreSpec) -> Self {
        StoreState { store: Store::new(spec.capacity.kg()), cond: Condition::new() }
    }

    /// The room it has now: its capacity times any factor while open, none while closed.
    pub(crate) fn capacity_now(&self, spec: &StoreSpec) -> u64 {
        let nominal = spec.capacity.kg() as f64;
        if self.cond.open() { (nominal * self.cond.factor).floor() as u64 } else { 0 }
    }
}

/// A lot a mill must still produce, with its history if it replaces a lost one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    pub(crate) lot: PlannedLot,
    pub(crate) replaces: Option<LotId>,
    pub(crate) handover_credited: bool,
    /// The lot's stable identity.
    pub(crate) key: u64,
}

pub(crate) struct Work {
    pub(crate) pending: Pending,
    /// Tonnes still to produce.
    pub(crate) left: f64,
    /// The mill's availability while it makes this lot (drawn per lot).
    pub(crate) availability: f64,
    /// Where the mill draws a production time per lot: this lot's rate (tonnes per hour)
    /// at full availability.
    pub(crate) lot_rate: Option<f64>,
    pub(crate) rate: f64,
    pub(crate) since: Time,
    pub(crate) key: Option<EventKey>,
}

impl Work {
    /// Tonnes still to produce at `now`, at the rate in force since `since`.
    pub(crate) fn left_at(&self, now: Time) -> f64 {
        (self.left - self.rate * now.since(self.since).value()).max(0.0)
    }
}

/// One production line's progress.
pub(crate) struct LineState {
    /// Next lot of the plan.
    pub(crate) next: usize,
    /// End of the plan still this line's: lots past it were taken over by other mills.
    pub(crate) end: usize,
    /// Lots before `end` taken over by other mills.
    pub(crate) given: Vec<usize>,
    /// Lost lots to make again, before the plan continues.
    pub(crate) replacements: VecDeque<Pending>,
    /// Lots taken over from other mills, made when the plan is done.
    pub(crate) taken: VecDeque<Pending>,
    /// The lot being made.
    pub(crate) current: Option<Work>,
}

impl LineState {
    fn new(plan: &[PlannedLot]) -> Self {
        LineState {
            next: 0,
            end: plan.len(),
            given: Vec::new(),
            replacements: VecDeque::new(),
            taken: VecDeque::new(),
            current: None,
        }
    }

    /// The plan's lots this line has still to start, with their positions.
    pub(crate) fn to_start<'p>(
        &self,
        plan: &'p [PlannedLot],
    ) -> impl DoubleEndedIterator<Item = (usize, &'p PlannedLot)> {
        let given = &self.given;
        let (a, b) = (self.next.min(self.end), self.end.min(plan.len()));
        plan[a..b].iter().enumerate().map(move |(i, p)| (a + i, p)).filter(move |(i, _)| !given.contains(i))
    }

    /// Tonnes this line has still to make of `plan`, and how many of them replace lost lots.
    pub(crate) fn unproduced(&self, plan: &[PlannedLot]) -> (Tonnes, Tonnes) {
        let planned: Tonnes = self.to_start(plan).map(|(_, p)| p.tonnes).sum();
        let taken: Tonnes = self.taken.iter().map(|p| p.lot.tonnes).sum();
        let queued: Tonnes = self.replacements.iter().map(|p| p.lot.tonnes).sum();
        let (current, current_replacement) = match &self.current {
            Some(w) if w.pending.replaces.is_some() => (w.pending.lot.tonnes, w.pending.lot.tonnes),
            Some(w) => (w.pending.lot.tonnes, Tonnes::ZERO),
            None => (Tonnes::ZERO, Tonnes::ZERO),
        };
        (planned + taken + queued + current, queued + current_replacement)
    }
}

pub(crate) struct MillState {
    pub(crate) lines: IdVec<LineId, LineState>,
    /// Keys the per-lot availability draws.
    pub(crate) key: u64,
    pub(crate) fail_rng: Stream,
    pub(crate) cond: Condition,
    /// The order's true allocation over the one written (an uncertain figure's draw).
    pub(crate) allocation: f64,
    /// Smooth weighted round-robin state, per destination, per candidate route.
    pub(crate) wrr: IdVec<DestinationId, Vec<f64>>,
}

impl MillState {
    pub(crate) fn new(spec: &MillSpec, seed: u64) -> Self {
        MillState {
            lines: spec.lines.iter().map(|l| LineState::new(&l.plan)).collect(),
            key: component_key(seed, &spec.name),
            fail_rng: stream(seed, &format!("{}#failures", spec.name)),
            cond: Condition::new(),
            allocation: 1.0,
            wrr: spec.routes.iter().map(|r| vec![0.0; r.len()]).collect(),
        }
    }
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
    pub(crate) spec: DisruptionId,
    pub(crate) factor: f64,
}

/// Running totals of the order's tonnes.
#[derive(Default, Debug)]
pub(crate) struct Books {
    pub(crate) produced: Tonnes,
    /// Tonnes taken over by another mill than the one planned.
    pub(crate) reallocated: Tonnes,
    pub(crate) delivered: Tonnes,
    pub(crate) handed_over: Tonnes,
    pub(crate) lost: Tonnes,
    pub(crate) completion: Option<Time>,
    pub(crate) handover_completion: Option<Time>,
    pub(crate) at_deadline: Option<(Tonnes, Tonnes)>,
    /// Carriers served per server and jobs served per background flow, at the deadline.
    pub(crate) served_at_deadline: Option<(IdVec<ServerId, u64>, IdVec<FlowId, u64>)>,
    /// Costs incurred (transport, handling, storage), in the scenario's currency.
    pub(crate) cost: f64,
    /// The part of `cost` the seller pays, and the buyer's (under the contract's Incoterm;
    /// all the seller's without a contract), each summed on its own.
    pub(crate) cost_seller: f64,
    pub(crate) cost_buyer: f64,
    /// Late-delivery penalties incurred so far.
    pub(crate) penalty: f64,
    /// Premiums, claims and the value of the goods lost, by who bore the loss.
    pub(crate) loss_costs: super::result::LossCosts,
    /// Lead time (production to delivery, days) of each delivered lot, with its corridor.
    pub(crate) lead_times: Vec<(CorridorId, f32)>,
    /// When each lot was handed over, and its tonnes, in time order: what the contract
    /// judges.
    pub(crate) handover_log: Vec<(Time, Tonnes)>,
}

impl Books {
    /// Adds a cost to the total and to whoever pays it.
    pub(crate) fn charge(&mut self, amount: f64, buyer_pays: bool) {
        self.cost += amount;
        if buyer_pays {
            self.cost_buyer += amount;
        } else {
            self.cost_seller += amount;
        }
    }
}
