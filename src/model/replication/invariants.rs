//! Invariants checked while a replication runs (with `--check`, and in debug builds).
//!
//! They catch model bugs at the event where they happen rather than in a wrong figure at the
//! end. Cheap ones (clock, server, pool and yard capacities; a yard's level cannot go
//! negative, being unsigned and checked on every take) run after every event; the ones that walk every lot
//! (tonnes conserved, yards holding exactly their lots, route order) run after every event
//! with `--check` and every 64th event in debug builds.

use crate::engine::Time;
use crate::model::ids::{IdVec, LotId, StoreId};
use crate::model::units::Tonnes;
use crate::model::world::Step;

use super::Replication;
use super::state::LotState;

/// How thoroughly a replication checks itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Checks {
    /// No checks (release builds without `--check`).
    #[default]
    Off,
    /// Cheap checks on every event, full checks every 64th (debug builds).
    Sampled,
    /// Every check on every event (`--check`).
    Full,
}

impl Checks {
    /// The default for this build: sampled in debug builds, off in release.
    pub fn for_build() -> Checks {
        if cfg!(debug_assertions) { Checks::Sampled } else { Checks::Off }
    }
}

/// An invariant found broken: always a bug in the model, never the user's fault.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Violation {
    /// Time went backwards.
    #[error("the clock went back from {from} h to {to} h")]
    ClockBack {
        /// The last event's time, hours.
        from: f64,
        /// This event's time, hours.
        to: f64,
    },
    /// A server holds more jobs than it has places.
    #[error("server {name} holds {jobs} jobs but has capacity {capacity}")]
    ServerOverfull {
        /// The server.
        name: String,
        /// Jobs held.
        jobs: u32,
        /// Places.
        capacity: u32,
    },
    /// A pool lends more carriers than it owns.
    #[error("pool {name} lends {lent} carriers but owns {owned}")]
    PoolOverlent {
        /// The pool.
        name: String,
        /// Carriers lent.
        lent: u32,
        /// Carriers owned.
        owned: u32,
    },
    /// A yard holds more than its room.
    #[error("yard {name} holds {level} kg but has room for {capacity} kg")]
    YardOverfull {
        /// The yard.
        name: String,
        /// Kilograms held.
        level: u64,
        /// Room, kilograms.
        capacity: u64,
    },
    /// A lot is beyond the end of its route.
    #[error("lot {lot} is at step {step} of a route of {steps} steps")]
    PastRoute {
        /// The lot.
        lot: LotId,
        /// Its step.
        step: u16,
        /// Steps of its route.
        steps: usize,
    },
    /// A lot went back along its route.
    #[error("lot {lot} went back from step {from} to step {to}")]
    StepBack {
        /// The lot.
        lot: LotId,
        /// The step it was at.
        from: u16,
        /// The step it is at now.
        to: u16,
    },
    /// A yard's level differs from the lots inside it.
    #[error("yard {name} holds {level} kg but the lots inside weigh {lots} kg")]
    YardBooks {
        /// The yard.
        name: String,
        /// Kilograms by the yard's level.
        level: u64,
        /// Kilograms of the lots inside.
        lots: u64,
    },
    /// The costs split by payer do not add up to the total.
    #[error("costs by payer, seller {seller} + buyer {buyer}, differ from the total {total}")]
    CostBooks {
        /// The seller's.
        seller: f64,
        /// The buyer's.
        buyer: f64,
        /// The total.
        total: f64,
    },
    /// A lot's payer disagrees with its place on the route.
    #[error("lot {lot} at step {step}: the buyer pays is {buyer_pays}, but it has passed the costs' point: {passed}")]
    Payer {
        /// The lot.
        lot: LotId,
        /// Its step.
        step: u16,
        /// Whether the buyer pays its costs.
        buyer_pays: bool,
        /// Whether its route's steps before this one pass the costs to the buyer.
        passed: bool,
    },
    /// Tonnes were created or destroyed.
    #[error(
        "tonnes not conserved: delivered {delivered} + in transit {in_transit} + not yet produced {unproduced} != ordered {ordered}"
    )]
    Tonnes {
        /// Delivered.
        delivered: Tonnes,
        /// In transit.
        in_transit: Tonnes,
        /// Not yet produced.
        unproduced: Tonnes,
        /// Ordered.
        ordered: Tonnes,
    },
}

impl Replication<'_> {
    /// Checks the invariants after an event at `now`; `Err` names the first one broken.
    pub(super) fn check_invariants(&mut self, now: Time, events: u64) -> Result<(), Violation> {
        if now < self.last_event {
            return Err(Violation::ClockBack { from: self.last_event.value(), to: now.value() });
        }
        self.last_event = now;
        self.check_capacities()?;
        let full = match self.checks {
            Checks::Off => false,
            Checks::Sampled => events.is_multiple_of(64),
            Checks::Full => true,
        };
        if full { self.check_lots() } else { Ok(()) }
    }

    /// Servers, pools and yards within their capacities.
    fn check_capacities(&self) -> Result<(), Violation> {
        let w = self.w;
        for (s, st) in self.servers.iter_ids() {
            // Places that go are kept by whoever holds them until done: at most the most
            // places it ever has are in use.
            if st.res.in_use() > w.servers[s].max_capacity() {
                return Err(Violation::ServerOverfull {
                    name: w.servers[s].name.clone(),
                    jobs: st.res.in_use(),
                    capacity: w.servers[s].max_capacity(),
                });
            }
        }
        for (p, st) in self.pools.iter_ids() {
            if st.res.in_use() > st.res.capacity() {
                return Err(Violation::PoolOverlent {
                    name: w.pools[p].name.clone(),
                    lent: st.res.in_use(),
                    owned: st.res.capacity(),
                });
            }
        }
        for (x, st) in self.stores.iter_ids() {
            // Above capacity only when a disruption shrank the yard under what it held.
            let (level, capacity) = (st.store.level(), st.store.capacity());
            if level > capacity && capacity >= w.stores[x].capacity.kg() {
                return Err(Violation::YardOverfull { name: w.stores[x].name.clone(), level, capacity });
            }
        }
        Ok(())
    }

    /// Every lot on its route and moving forward, yards holding exactly their lots, and
    /// every tonne ordered delivered, in transit or not yet produced.
    fn check_lots(&mut self) -> Result<(), Violation> {
        let w = self.w;
        let mut held: IdVec<StoreId, Tonnes> = self.stores.iter().map(|_| Tonnes::ZERO).collect();
        let mut in_transit = Tonnes::ZERO;
        let mut delivered = Tonnes::ZERO;
        if self.last_steps.len() < self.lots.len() {
            self.last_steps.resize(self.lots.len(), 0);
        }
        for ((lot, l), last) in self.lots.iter_ids().zip(self.last_steps.iter_mut()) {
            if let Some((x, _)) = l.store {
                held[x] += l.tonnes;
            }
            match l.state {
                LotState::Moving => in_transit += l.tonnes,
                LotState::Delivered => delivered += l.tonnes,
                LotState::Lost => {}
            }
            let steps = w.routes[l.route].steps.len();
            if usize::from(l.step) >= steps {
                return Err(Violation::PastRoute { lot, step: l.step, steps });
            }
            if l.step < *last {
                return Err(Violation::StepBack { lot, from: *last, to: l.step });
            }
            let route = &w.routes[l.route].steps;
            let passed = route[..usize::from(l.step)].contains(&Step::CostsPass);
            if l.buyer_pays != passed && l.state == LotState::Moving {
                return Err(Violation::Payer { lot, step: l.step, buyer_pays: l.buyer_pays, passed });
            }
            *last = l.step;
        }
        let b = &self.books;
        if (b.cost_seller + b.cost_buyer - b.cost).abs() > 1e-9 * b.cost.abs().max(1.0) {
            return Err(Violation::CostBooks { seller: b.cost_seller, buyer: b.cost_buyer, total: b.cost });
        }
        for (x, st) in self.stores.iter_ids() {
            if st.store.level() != held[x].kg() {
                return Err(Violation::YardBooks {
                    name: w.stores[x].name.clone(),
                    level: st.store.level(),
                    lots: held[x].kg(),
                });
            }
        }
        let unproduced: Tonnes = self
            .mills
            .iter()
            .zip(w.mills.iter())
            .flat_map(|(mill, spec)| mill.lines.iter().zip(spec.lines.iter()).map(|(l, s)| l.unproduced(&s.plan).0))
            .sum();
        let in_status = self.status_tonnes_to_place();
        if delivered + in_transit + unproduced + in_status != w.order.tonnes {
            return Err(Violation::Tonnes { delivered, in_transit, unproduced, ordered: w.order.tonnes });
        }
        Ok(())
    }
}
