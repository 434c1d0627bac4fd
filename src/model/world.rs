//! The compiled world: everything a replication needs, with names resolved to indices.
//!
//! A `World` is built once from a validated scenario (`crate::scenario::compile`) and shared
//! read-only by every replication. Nothing in it is looked up by name while a replication
//! runs; names survive only for reports.

use jiff::civil::Date;

use crate::engine::{Calendar, Discipline, Dist, Time};

pub use super::ids::{
    CalendarId, CorridorId, DestinationId, DisruptionId, DwellId, FlowId, Id, IdVec, LegId, LineId, MillId, PoolId,
    ProductId, RouteId, ServerId, StageId, StoreId,
};
pub use super::mills::{LineSpec, LotTime, MillPriority, MillSpec, PlannedLot};
pub use super::stages::{Stage, StageKind, Stages};
use super::units::Tonnes;

/// The whole model of one scenario.
#[derive(Debug)]
pub struct World {
    /// Scenario name (used for output folders and reports).
    pub name: String,
    /// What the scenario is about, for reports.
    pub description: Option<String>,
    /// Calendar date of simulation time zero (00:00 local time).
    pub start: Date,
    /// The order being shipped.
    pub order: Order,
    /// Deadline: the end of the deadline date, in hours since the start.
    pub deadline: Time,
    /// A replication stops here whether or not everything arrived.
    pub horizon: Time,
    /// Unrolled calendars.
    pub calendars: IdVec<CalendarId, Calendar>,
    /// Capacity-limited stages (customs, interchanges, berths, loading docks).
    pub servers: IdVec<ServerId, ServerSpec>,
    /// Pure waiting stages with no capacity limit (yard dwell).
    pub dwells: IdVec<DwellId, DwellSpec>,
    /// Transport legs.
    pub legs: IdVec<LegId, LegSpec>,
    /// Carrier pools (wagons by gauge, trucks, vessels).
    pub pools: IdVec<PoolId, PoolSpec>,
    /// Finite-capacity yards.
    pub stores: IdVec<StoreId, StoreSpec>,
    /// Mills that produce the order.
    pub mills: IdVec<MillId, MillSpec>,
    /// Compiled routes, one per (mill, destination, corridor).
    pub routes: IdVec<RouteId, Route>,
    /// Corridor names (routes refer to them by index).
    pub corridors: IdVec<CorridorId, String>,
    /// Traffic that is not ours but uses our stages.
    pub background: IdVec<FlowId, BackgroundSpec>,
    /// Possible disruptions.
    pub disruptions: IdVec<DisruptionId, DisruptionSpec>,
    /// Figures known only within a range, drawn once per replication.
    pub uncertain: Vec<UncertainSpec>,
    /// Guard against runaway replications.
    pub max_events: u64,
    /// The sales contract, if the scenario has one: the results are judged under it.
    pub contract: Option<super::contract::Contract>,
    /// The reported stages.
    pub stages: Stages,
    /// The state the replications start from, if not the order's start (see
    /// [`World::start_from`]).
    pub status: Option<super::status::Status>,
}

/// The order and how its results are judged.
#[derive(Debug)]
pub struct Order {
    /// Total tonnes ordered.
    pub tonnes: Tonnes,
    /// Product names.
    pub products: IdVec<ProductId, String>,
    /// Destination node names.
    pub destinations: IdVec<DestinationId, String>,
    /// Where the seller hands the goods over: the contract's named places (or the mills, for
    /// delivery there), or `order.handover`'s nodes.
    pub handover_points: Vec<String>,
    /// Confidence levels for promises, ascending.
    pub confidence: Vec<f64>,
    /// How each lot's route is chosen.
    pub routing: RoutingPolicy,
    /// Whether lots not yet started move between mills of the same product.
    pub reallocation: Reallocation,
    /// Penalty per tonne per day delivered after the deadline.
    pub late_penalty_per_t_day: f64,
    /// Lost or damaged tonnes a replication may have before the guarantee is broken.
    pub lost_tolerance: Tonnes,
    /// Currency of costs and penalties, for reports.
    pub currency: String,
}

/// Whether the order's remaining lots move between mills that make the same product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reallocation {
    /// Each mill makes the lots it was given.
    Never,
    /// A production line with nothing left to make takes over a lot not yet started from
    /// the line that would finish it latest, when it would finish it sooner itself.
    WhenIdle,
}

/// How a lot's route is chosen among those serving its mill and destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoutingPolicy {
    /// Fixed shares, applied deterministically (smooth weighted round-robin).
    Shares,
    /// The route with the shortest expected remaining time given current queues.
    Fastest,
}

/// How long a server takes.
#[derive(Debug)]
pub enum Service {
    /// One draw per lot (hours).
    PerLot(Dist),
    /// One draw per carrier in the lot, summed (hours).
    PerCarrier(Dist),
    /// Tonnes divided by a drawn handling rate (tonnes per hour).
    Rate(Dist),
}

impl Service {
    /// Expected hours for a job of `units` carriers and `tonnes`.
    pub fn mean_hours(&self, units: u32, tonnes: Tonnes) -> f64 {
        match self {
            Service::PerLot(d) => d.mean(),
            Service::PerCarrier(d) => d.mean() * units as f64,
            Service::Rate(d) => tonnes.t() / d.mean().max(f64::MIN_POSITIVE),
        }
    }
}

/// Alternating up and down periods.
#[derive(Debug)]
pub struct Failures {
    /// Time between failures (hours of up time).
    pub between: Dist,
    /// Time to repair (hours).
    pub repair: Dist,
}

/// A random extra time that happens with a probability.
#[derive(Debug)]
pub struct Chance {
    /// Probability per lot.
    pub p: f64,
    /// The extra time (hours).
    pub time: Dist,
}

/// A capacity-limited stage.
#[derive(Debug)]
pub struct ServerSpec {
    /// Qualified name, `node.stage`.
    pub name: String,
    /// Parallel servers (lanes, tracks, berths, gangs).
    pub capacity: u32,
    /// Service time.
    pub service: Service,
    /// Service time for lots that keep their carriers through a transload stage (bogie
    /// exchange); `None` means such lots skip the stage.
    pub through_service: Option<Service>,
    /// `true` if lots that change carriers at this node do it here.
    pub transload: bool,
    /// Open hours.
    pub calendar: Option<CalendarId>,
    /// Breakdowns.
    pub failures: Option<Failures>,
    /// Physical inspection: extra time while holding the server.
    pub inspection: Option<Chance>,
    /// Documents rejected: the lot leaves, waits the rework time, and queues again.
    pub rework: Option<Chance>,
    /// Queue discipline.
    pub discipline: Discipline,
    /// Cost per tonne served.
    pub cost_per_t: f64,
    /// Cost per lot served.
    pub cost_per_lot: f64,
    /// Dated changes of `capacity`: from each time (hours since the start), that many places.
    pub changes: Vec<(f64, u32)>,
}

impl ServerSpec {
    /// Its places at `hours` since the start.
    pub fn capacity_at(&self, hours: f64) -> u32 {
        self.changes.iter().take_while(|c| c.0 <= hours).last().map_or(self.capacity, |c| c.1)
    }

    /// The most places it ever has.
    pub fn max_capacity(&self) -> u32 {
        self.changes.iter().map(|c| c.1).fold(self.capacity, u32::max)
    }

    /// Its places averaged over the first `hours` since the start.
    pub fn mean_capacity(&self, hours: f64) -> f64 {
        if hours <= 0.0 || self.changes.is_empty() {
            return f64::from(self.capacity);
        }
        let (mut area, mut from, mut places) = (0.0, 0.0, f64::from(self.capacity));
        for &(at, next) in self.changes.iter().take_while(|c| c.0 < hours) {
            area += places * (at - from);
            (from, places) = (at, f64::from(next));
        }
        (area + places * (hours - from)) / hours
    }
}

/// A stage that only takes time.
#[derive(Debug)]
pub struct DwellSpec {
    /// Qualified name, `node.stage`.
    pub name: String,
    /// Time spent (hours).
    pub time: Dist,
}

/// Transit time of a leg.
#[derive(Debug)]
pub enum Transit {
    /// A drawn time (hours).
    Time(Dist),
    /// Distance over a drawn speed.
    Speed {
        /// Distance in km.
        km: f64,
        /// Speed in km/h.
        kmh: Dist,
    },
}

impl Transit {
    /// Expected transit time in hours (for speeds, distance over mean speed: a lower bound
    /// of the true mean by Jensen's inequality, good enough for route ranking).
    pub fn mean_hours(&self) -> f64 {
        match self {
            Transit::Time(d) => d.mean(),
            Transit::Speed { km, kmh } => km / kmh.mean().max(f64::MIN_POSITIVE),
        }
    }
}

/// What a group's size counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupUnit {
    /// Carriers (wagons, trucks).
    Carriers,
    /// Whole tonnes (a vessel's capacity).
    Tonnes,
}

/// When grouped departures (trains, convoys, sailings) leave.
#[derive(Debug)]
pub struct Departures {
    /// Largest group: it leaves as soon as it is full.
    pub size: u32,
    /// What `size` counts.
    pub unit: GroupUnit,
    /// Each group needs one vehicle of this pool (a locomotive, a vessel); it comes back
    /// after the transit plus the pool's return time.
    pub fleet: Option<PoolId>,
    /// A timetable: every `period` hours starting at `first` hours; whatever waits leaves.
    pub timetable: Option<(f64, f64)>,
    /// A partial group leaves once its first carrier has waited this long (hours).
    pub max_wait: Option<f64>,
}

/// A transport leg between two nodes.
#[derive(Debug)]
pub struct LegSpec {
    /// Name.
    pub name: String,
    /// Transit time.
    pub transit: Transit,
    /// Grouped departures, or `None` for each lot leaving on its own.
    pub departures: Option<Departures>,
    /// Probability that a lot is lost in an accident on the leg.
    pub incident_p: f64,
    /// Partial damage in transit, if any.
    pub damage: Option<PartialLoss>,
    /// Pilferage (theft of part of a lot), if any.
    pub pilferage: Option<PartialLoss>,
    /// The country the leg runs through (for war-risk insurance).
    pub country: Option<String>,
    /// When departures may leave.
    pub calendar: Option<CalendarId>,
    /// Cost per tonne carried.
    pub cost_per_t: f64,
}

/// A loss of part of a lot: with probability `p` per lot and leg, a fraction drawn from
/// `fraction` (within 0..1) is lost and made again.
#[derive(Debug)]
pub struct PartialLoss {
    /// Probability per lot and pass.
    pub p: f64,
    /// The fraction of the lot lost.
    pub fraction: Dist,
}

/// A carrier pool.
#[derive(Debug)]
pub struct PoolSpec {
    /// Name.
    pub name: String,
    /// Carriers available at the start.
    pub units: u32,
    /// Tonnes one carrier holds.
    pub payload: Tonnes,
    /// Time for an empty carrier to come back (hours).
    pub empty_return: Dist,
    /// Share of released carriers that come back (the rest leave the pool for good).
    pub return_share: f64,
    /// Extra carriers arriving over time.
    pub supply: Option<Supply>,
    /// Dated changes of the fleet, in time order: at each (hours since the start), carriers
    /// join (positive) or leave (negative) the pool.
    pub changes: Vec<(f64, i64)>,
}

/// Carriers that join a pool over time (e.g. empties from backhaul traffic).
#[derive(Debug)]
pub struct Supply {
    /// Time between arrivals (hours).
    pub every: Dist,
    /// Carriers per arrival.
    pub units: u32,
}

/// A finite yard.
#[derive(Debug)]
pub struct StoreSpec {
    /// Name (`node.yard`).
    pub name: String,
    /// Capacity.
    pub capacity: Tonnes,
    /// Storage cost per tonne per day inside.
    pub storage_per_t_day: f64,
}

/// One step of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Queue for and be served by a server; `through` if the lot keeps its carriers at a
    /// transload stage (bogie exchange).
    Serve {
        /// The server.
        server: ServerId,
        /// Whether the through-service applies.
        through: bool,
    },
    /// Spend a dwell time.
    Dwell(DwellId),
    /// Travel a leg.
    Leg(LegId),
    /// Take carriers from a pool (waits until enough are free).
    Acquire(PoolId),
    /// Give carriers back (they return empty after the pool's return time).
    Release(PoolId),
    /// Enter a yard (waits while it is full, blocking the stage upstream).
    EnterStore(StoreId),
    /// Leave a yard.
    LeaveStore(StoreId),
    /// Pass the handover (Incoterm) point.
    Handover,
    /// From here on the buyer pays the costs (with the delivery, or for CPT and CIP on
    /// arrival at the place carriage is paid to).
    CostsPass,
    /// Arrive at the final destination.
    Deliver,
}

/// A compiled route from one mill to one destination.
#[derive(Debug)]
pub struct Route {
    /// Name: `corridor:mill->destination`.
    pub name: String,
    /// The corridor (scenario route) this was compiled from.
    pub corridor: CorridorId,
    /// Steps in order; the last is [`Step::Deliver`].
    pub steps: Vec<Step>,
    /// The reported stage of each step (where its waiting and time are tallied), looked up
    /// once here rather than at every step of every lot.
    pub stages: Vec<Option<StageId>>,
    /// For each step, the position that keys its random draws: its place among the steps
    /// that are not bookkeeping ([`Step::is_bookkeeping`]). Where a contract hands over
    /// moves the handover step, and must not move any draw: variants of the contract stay on
    /// common random numbers.
    pub draws: Vec<u16>,
    /// Node names along the way (for reports).
    pub nodes: Vec<String>,
    /// The insurance premium of a lot on this route, a fraction of its insured value (the
    /// base rate and the war risk of each country it crosses insured; 0 uninsured).
    pub premium_rate: f64,
    /// Hours since the start from which a lot may take it, and from which it may not.
    pub open: (f64, f64),
}

impl Route {
    /// Whether a lot leaving its mill at `hours` may take it.
    pub fn open_at(&self, hours: f64) -> bool {
        self.open.0 <= hours && hours < self.open.1
    }
}

/// Traffic that competes for a server but is not part of the order.
#[derive(Debug)]
pub struct BackgroundSpec {
    /// Name.
    pub name: String,
    /// The server it uses.
    pub server: ServerId,
    /// Carriers per job.
    pub units_per_job: u32,
    /// Tonnes per carrier (for rate-based servers).
    pub tonnes_per_unit: Tonnes,
    /// Jobs waiting at the start.
    pub initial_jobs: u32,
    /// Time between arrivals (hours), if the flow continues.
    pub every: Option<Dist>,
    /// Carriers it takes from a pool (and holds for the given time after service).
    pub carriers: Option<(PoolId, Dist)>,
}

/// What a disruption does while it lasts.
#[derive(Clone, Debug)]
pub enum Effect {
    /// Nothing passes.
    Closed,
    /// Capacity or speed multiplied by a drawn factor.
    Factor(Dist),
    /// Every lot served or carried meanwhile takes this much longer (hours).
    Delay(Dist),
}

/// What a disruption hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A server.
    Server(ServerId),
    /// A leg.
    Leg(LegId),
    /// A mill.
    Mill(MillId),
    /// A pool (its supply and returns).
    Pool(PoolId),
    /// A yard.
    Store(StoreId),
}

/// When a disruption may start.
#[derive(Clone, Debug)]
pub enum Occurrence {
    /// At most once, with this probability, at a uniform time in the window.
    Once(f64),
    /// Starts form a Poisson process with this rate per hour within the window.
    Rate(f64),
}

/// A possible disruption: a row of the scenario's disruption table.
#[derive(Debug)]
pub struct DisruptionSpec {
    /// Name.
    pub name: String,
    /// What it hits (a node-level target expands to several).
    pub targets: Vec<Target>,
    /// How often.
    pub occurrence: Occurrence,
    /// Window in which it may start (hours).
    pub window: (f64, f64),
    /// How long it lasts (hours).
    pub duration: Dist,
    /// What it does.
    pub effect: Effect,
}

/// A figure known only within a range: a factor on what the scenario writes for its
/// targets, drawn once per replication (from the replication's input stream, so that
/// replications can share input draws) and applied for the whole replication, as a
/// disruption's factor would be.
#[derive(Debug)]
pub struct UncertainSpec {
    /// Name.
    pub name: String,
    /// What it scales.
    pub targets: Vec<Target>,
    /// Which figure of its targets it scales.
    pub scales: Scales,
    /// The true figure over the written one.
    pub factor: Dist,
}

/// Which figure an uncertain factor scales.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scales {
    /// What a disruption's factor scales: a mill's output, a stage's or leg's speed, a pool's
    /// supply, a yard's capacity.
    Capacity,
    /// A mill's allocation to the order (the output for every customer is unchanged).
    Allocation,
}

/// A resource whose utilisation and queue are followed day by day: the servers, then the
/// pools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tracked {
    /// A server.
    Server(ServerId),
    /// A carrier pool.
    Pool(PoolId),
}

impl Step {
    /// Steps that only mark a point of the contract: they take no time and draw nothing.
    pub fn is_bookkeeping(&self) -> bool {
        matches!(self, Step::Handover | Step::CostsPass)
    }
}

impl Route {
    /// What a lot at step `step` holds from the steps behind it: the pools whose carriers it
    /// took and has not given back (in the order taken), and the yard it is in.
    pub fn held_at(&self, step: u16) -> (Vec<PoolId>, Option<StoreId>) {
        let (mut pools, mut yard) = (Vec::new(), None);
        for s in &self.steps[..usize::from(step)] {
            match *s {
                Step::Acquire(p) => pools.push(p),
                Step::Release(p) => pools.retain(|&q| q != p),
                Step::EnterStore(x) => yard = Some(x),
                Step::LeaveStore(_) => yard = None,
                _ => {}
            }
        }
        (pools, yard)
    }

    /// Step `i` of the route.
    pub fn step(&self, i: u16) -> Step {
        self.steps[usize::from(i)]
    }

    /// The reported stage of step `i`, if it has one.
    pub fn stage(&self, i: u16) -> Option<StageId> {
        self.stages[usize::from(i)]
    }

    /// What keys the random draws of step `i` (see [`Route::draws`]).
    pub fn draw(&self, i: u16) -> u16 {
        self.draws[usize::from(i)]
    }

    /// The draw keys of `steps`.
    pub fn draw_keys(steps: &[Step]) -> Vec<u16> {
        let mut next = 0u16;
        steps
            .iter()
            .map(|s| {
                let k = next;
                if !s.is_bookkeeping() {
                    next = next.saturating_add(1);
                }
                k
            })
            .collect()
    }
}

impl World {
    /// The resources followed day by day, in the order of the daily series.
    pub fn tracked(&self) -> impl Iterator<Item = Tracked> + '_ {
        self.servers.ids().map(Tracked::Server).chain(self.pools.ids().map(Tracked::Pool))
    }

    /// Number of resources followed day by day.
    pub fn tracked_resources(&self) -> usize {
        self.servers.len() + self.pools.len()
    }

    /// Name of a followed resource.
    pub fn tracked_name(&self, t: Tracked) -> &str {
        match t {
            Tracked::Server(s) => &self.servers[s].name,
            Tracked::Pool(p) => &self.pools[p].name,
        }
    }

    /// Days from the start to the horizon (whole days: the horizon is the end of a day).
    pub fn horizon_days(&self) -> usize {
        (self.horizon.value() / super::units::DAY).round().max(0.0) as usize
    }

    /// The service (or through-service) a server gives a lot at `through` steps.
    pub fn service_at(&self, server: ServerId, through: bool) -> &Service {
        let spec = &self.servers[server];
        if through { spec.through_service.as_ref().unwrap_or(&spec.service) } else { &spec.service }
    }
}
