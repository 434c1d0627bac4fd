//! What a replication reports, and the end of a replication: the books closed from the lots
//! themselves (every tonne ordered accounted for), where undelivered tonnes sat, utilisation,
//! and the per-lot trace.

use crate::engine::{Outcome, Time};
use crate::model::contract::{ContractOutcome, damages_by_due_day, judge};
use crate::model::ids::{
    CorridorId, DestinationId, DisruptionId, FlowId, IdVec, LotId, MillId, OccurrenceId, ProductId, RouteId, ServerId,
    StageId,
};
use crate::model::tally::StageTally;
use crate::model::units::{Tonnes, days};

use super::Replication;
use super::invariants::Violation;
use super::state::LotState;

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

/// One step of one lot, for the shipment trace.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceRow {
    /// The lot.
    pub lot: LotId,
    /// Step index in its route.
    pub step: u16,
    /// When the lot reached the step (hours).
    pub entered: f64,
    /// When its service or transit began (hours).
    pub started: f64,
    /// When it left (hours).
    pub left: f64,
}

/// What happened to the network in a traced replication: a disruption or a breakdown, from
/// when it began to when it ended (`None`: still on when the replication ended).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceEvent {
    /// What it was.
    pub what: Happening,
    /// When it began (hours).
    pub began: f64,
    /// When it ended (hours).
    pub ended: Option<f64>,
}

/// The kinds of [`TraceEvent`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Happening {
    /// One occurrence of a disruption, with the factor drawn for it (1 unless its effect is a
    /// factor).
    Disruption {
        /// Which disruption.
        spec: DisruptionId,
        /// Which occurrence of this replication.
        occurrence: OccurrenceId,
        /// The factor drawn.
        factor: f64,
    },
    /// A server broke down.
    ServerDown(ServerId),
    /// A mill broke down.
    MillDown(MillId),
}

/// How a lot's journey ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LotFate {
    /// It reached its destination.
    Delivered,
    /// It was lost or damaged (and made again).
    Lost,
    /// It was still on its way when the replication ended.
    InTransit,
}

impl LotFate {
    /// The word the trace uses.
    pub fn as_str(self) -> &'static str {
        match self {
            LotFate::Delivered => "delivered",
            LotFate::Lost => "lost",
            LotFate::InTransit => "in_transit",
        }
    }
}

/// What the trace needs to know about a lot.
#[derive(Clone, Debug, PartialEq)]
pub struct LotInfo {
    /// Its mill.
    pub mill: MillId,
    /// Its product.
    pub product: ProductId,
    /// Its destination.
    pub destination: DestinationId,
    /// Its route.
    pub route: RouteId,
    /// Size.
    pub tonnes: Tonnes,
    /// The lost lot this one replaces.
    pub replaces: Option<LotId>,
    /// How its journey ended.
    pub outcome: LotFate,
}

/// The per-lot trace of a replication.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Lots by number.
    pub lots: IdVec<LotId, LotInfo>,
    /// Steps in the order they completed.
    pub rows: Vec<TraceRow>,
    /// Disruptions and breakdowns, in the order they began.
    pub events: Vec<TraceEvent>,
}

/// What a traced replication records as it runs.
#[derive(Debug, Default)]
pub(super) struct TraceLog {
    pub(super) rows: Vec<TraceRow>,
    pub(super) events: Vec<TraceEvent>,
}

impl TraceLog {
    /// Something began now.
    pub(super) fn began(&mut self, what: Happening, now: f64) {
        self.events.push(TraceEvent { what, began: now, ended: None });
    }

    /// The latest unfinished event that `same` recognises ended now.
    pub(super) fn ended(&mut self, now: f64, same: impl Fn(&Happening) -> bool) {
        if let Some(e) = self.events.iter_mut().rev().find(|e| e.ended.is_none() && same(&e.what)) {
            e.ended = Some(now);
        }
    }
}

/// Where undelivered tonnes sat when a replication ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Location {
    /// Not yet produced at this mill.
    Production(MillId),
    /// At a reported stage (waiting or in service).
    Stage(StageId),
    /// Between stages.
    Elsewhere,
}

/// What the losses of a replication cost, and who bore them, in the contract's currency
/// (all zero without a contract price).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LossCosts {
    /// Insurance premiums the seller paid.
    pub premium: f64,
    /// Claims the insurer paid.
    pub claims: f64,
    /// The value of the goods lost at the seller's risk, less the claims paid on them.
    pub seller: f64,
    /// The same at the buyer's risk (after delivery; under CIP the seller's policy pays
    /// the buyer's claims up to the place carriage is paid to).
    pub buyer: f64,
}

/// Everything one replication reports.
#[derive(Clone, Debug)]
pub struct ReplicationResult {
    /// Replication index.
    pub index: u64,
    /// Its seed.
    pub seed: u64,
    /// When every tonne had reached its destination, `None` if not by the horizon.
    pub completion: Option<Time>,
    /// When every tonne had passed the handover point.
    pub handover_completion: Option<Time>,
    /// Delivered to destinations by the deadline.
    pub delivered_by_deadline: Tonnes,
    /// Handed over by the deadline.
    pub handed_over_by_deadline: Tonnes,
    /// Carriers served by the deadline, per server (the order's and background traffic).
    pub served_by_deadline: IdVec<ServerId, u64>,
    /// Jobs served by the deadline, per background flow.
    pub background_by_deadline: IdVec<FlowId, u64>,
    /// Delivered by the end.
    pub delivered: Tonnes,
    /// Lost or damaged on the way (and produced again).
    pub lost: Tonnes,
    /// Made by another mill than the one planned (`order.reallocate`).
    pub reallocated: Tonnes,
    /// Produced and not yet delivered at the end.
    pub in_transit: Tonnes,
    /// Not yet produced at the end (including replacements of lost lots).
    pub unproduced: Tonnes,
    /// Lots created.
    pub lots: u32,
    /// Events handled.
    pub events: u64,
    /// The clock at the end.
    pub end: Time,
    /// Why the replication ended.
    pub outcome: Outcome,
    /// Per reported stage (every tally empty when run with [`Replication::outcome_only`]).
    pub stages: IdVec<StageId, StageTally>,
    /// Per reported stage: time-average share of capacity in use (servers, pools, yards).
    pub utilisation: IdVec<StageId, Option<f64>>,
    /// Undelivered tonnes by location (empty when complete).
    pub stuck: Vec<(Location, Tonnes)>,
    /// Per-lot trace, when asked for.
    pub trace: Option<Trace>,
    /// Day-by-day series.
    pub daily: Daily,
    /// Lead time (production to delivery, days) of each delivered lot, with its corridor.
    pub lead_times: Vec<(CorridorId, f32)>,
    /// The uncertain figures' factors drawn for this replication, in the world's order.
    pub inputs: Vec<f64>,
    /// Costs incurred (transport, handling, storage).
    pub cost: f64,
    /// The part of `cost` the seller pays under the contract (all of it without one).
    pub cost_seller: f64,
    /// The part the buyer pays (after the costs pass under the contract's Incoterm).
    pub cost_buyer: f64,
    /// Late-delivery penalties (for undelivered tonnes counted up to the end: a lower bound).
    pub penalty: f64,
    /// What losses and their insurance cost (zero without a contract price).
    pub loss_costs: LossCosts,
    /// The deliveries judged under the contract, if the scenario has one.
    pub contract: Option<ContractOutcome>,
    /// With a contract's damages: what they would be, were the whole floor due at the end
    /// of each day from the start to the horizon (one value per day).
    pub damages_by_due_day: Vec<f64>,
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
        what: Violation,
    },
    /// Stopped on request before its end.
    #[error("replication {index}: stopped on request")]
    Cancelled {
        /// Replication index.
        index: u64,
    },
}

/// The books at the end, recomputed from the lots themselves rather than from running
/// totals.
struct Ledger {
    delivered: Tonnes,
    in_transit: Tonnes,
    unproduced: Tonnes,
    lost: Tonnes,
    stuck: Vec<(Location, Tonnes)>,
}

impl Replication<'_> {
    /// Closes the books and reports.
    pub(super) fn finish(
        mut self,
        end: Time,
        events: u64,
        outcome: Outcome,
    ) -> Result<ReplicationResult, ConservationError> {
        if self.records && end.value() > self.marks.at {
            self.snapshot_day(end);
        }
        let (delivered_by_deadline, handed_over_by_deadline) =
            self.books.at_deadline.unwrap_or((self.books.delivered, self.books.handed_over));
        let (served_by_deadline, background_by_deadline) =
            self.books.served_at_deadline.take().unwrap_or_else(|| self.served_counts());
        let ledger = self.ledger()?;
        // Tonnes not delivered by the end are late at least until the end.
        let late_days = days((end.value() - self.w.deadline.value()).max(0.0));
        self.books.penalty +=
            (ledger.in_transit + ledger.unproduced).t() * late_days * self.w.order.late_penalty_per_t_day;
        let utilisation = self.utilisation(end);
        let trace = self.take_trace();
        let log = &self.books.handover_log;
        let contract = self.w.contract.as_ref().map(|c| judge(c, log, end));
        let damages_by_due_day = match self.w.contract.as_ref().and_then(|c| c.damages.as_ref().map(|d| (c, d))) {
            Some((c, d)) => damages_by_due_day(d, c.floor(), log, end, self.w.horizon_days()),
            None => Vec::new(),
        };
        Ok(ReplicationResult {
            index: self.index,
            seed: self.seed,
            completion: self.books.completion,
            handover_completion: self.books.handover_completion,
            delivered_by_deadline,
            handed_over_by_deadline,
            served_by_deadline,
            background_by_deadline,
            delivered: ledger.delivered,
            lost: ledger.lost,
            reallocated: self.books.reallocated,
            in_transit: ledger.in_transit,
            unproduced: ledger.unproduced,
            lots: u32::try_from(self.lots.len()).unwrap_or(u32::MAX),
            events,
            end,
            outcome,
            stages: self.tally,
            utilisation,
            stuck: ledger.stuck,
            trace,
            daily: std::mem::take(&mut self.daily),
            lead_times: std::mem::take(&mut self.books.lead_times),
            inputs: std::mem::take(&mut self.inputs),
            cost: self.books.cost,
            cost_seller: self.books.cost_seller,
            cost_buyer: self.books.cost_buyer,
            loss_costs: self.books.loss_costs,
            penalty: self.books.penalty,
            contract,
            damages_by_due_day,
        })
    }

    /// Carriers served per server and jobs per background flow, so far.
    pub(super) fn served_counts(&self) -> (IdVec<ServerId, u64>, IdVec<FlowId, u64>) {
        (self.servers.iter().map(|s| s.served).collect(), self.bg.iter().map(|b| b.served).collect())
    }

    /// Every tonne ordered is delivered, in transit or not yet produced; every tonne
    /// produced is delivered, in transit or lost; every lost tonne was made again or is
    /// waiting to be; and the running totals agree with the lots.
    fn ledger(&self) -> Result<Ledger, ConservationError> {
        let w = self.w;
        let mut in_transit = Tonnes::ZERO;
        let mut stuck: Vec<(Location, Tonnes)> = Vec::new();
        let mut add_stuck = |loc: Location, t: Tonnes| match stuck.iter_mut().find(|s| s.0 == loc) {
            Some(s) => s.1 += t,
            None => stuck.push((loc, t)),
        };
        for lot in self.lots.iter().filter(|l| l.state == LotState::Moving) {
            in_transit += lot.tonnes;
            let stage = w.routes[lot.route].stage(lot.step);
            add_stuck(stage.map_or(Location::Elsewhere, Location::Stage), lot.tonnes);
        }
        let mut unproduced = Tonnes::ZERO;
        let mut pending_replacements = Tonnes::ZERO;
        for ((m, mill), spec) in self.mills.iter_ids().zip(w.mills.iter()) {
            let mut here = Tonnes::ZERO;
            for (line, line_spec) in mill.lines.iter().zip(spec.lines.iter()) {
                let (left, replacing) = line.unproduced(&line_spec.plan);
                here += left;
                pending_replacements += replacing;
            }
            if here > Tonnes::ZERO {
                add_stuck(Location::Production(m), here);
            }
            unproduced += here;
        }
        let sum = |keep: fn(&super::state::Lot) -> bool| self.lots.iter().filter(|l| keep(l)).map(|l| l.tonnes).sum();
        let produced: Tonnes = sum(|_| true);
        let replacements_made: Tonnes = sum(|l| l.replaces.is_some());
        let delivered: Tonnes = sum(|l| l.state == LotState::Delivered);
        let lost: Tonnes = sum(|l| l.state == LotState::Lost);
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
        stuck.sort();
        Ok(Ledger { delivered, in_transit, unproduced, lost, stuck })
    }

    /// Each server's, pool's and yard's time-average share of capacity in use up to `end`.
    fn utilisation(&self, end: Time) -> IdVec<StageId, Option<f64>> {
        let w = self.w;
        let horizon_end = end.value().max(f64::MIN_POSITIVE);
        let mut utilisation: IdVec<StageId, Option<f64>> = (0..w.stages.len()).map(|_| None).collect();
        for (s, st) in self.servers.iter_ids() {
            // Nothing is busy before any time has passed: the floor only keeps 0 / 0 away.
            let place_hours = st.place_hours(end).max(f64::MIN_POSITIVE);
            utilisation[w.stages.server(s)] = Some(st.res.busy_monitor().area(end) / place_hours);
        }
        for (p, st) in self.pools.iter_ids() {
            let capacity_area = st.capacity.area(end).max(f64::MIN_POSITIVE);
            utilisation[w.stages.pool(p)] = Some(st.res.busy_monitor().area(end) / capacity_area);
        }
        for (x, st) in self.stores.iter_ids() {
            let cap = w.stores[x].capacity.kg().max(1) as f64;
            utilisation[w.stages.store(x)] = Some(st.store.level_monitor().area(end) / (cap * horizon_end));
        }
        utilisation
    }

    fn take_trace(&mut self) -> Option<Trace> {
        let TraceLog { rows, events } = self.trace.take()?;
        let lots = self
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
                    LotState::Delivered => LotFate::Delivered,
                    LotState::Lost => LotFate::Lost,
                    LotState::Moving => LotFate::InTransit,
                },
            })
            .collect();
        Some(Trace { lots, rows, events })
    }
}
