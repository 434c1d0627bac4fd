//! Invariants checked while a replication runs (with `--check`, and in debug builds).
//!
//! They catch model bugs at the event where they happen rather than in a wrong figure at the
//! end. Cheap ones (clock, server, pool and yard capacities; a yard's level cannot go
//! negative, being unsigned and checked on every take) run after every event; the ones that walk every lot
//! (tonnes conserved, yards holding exactly their lots, route order) run after every event
//! with `--check` and every 64th event in debug builds.

use crate::engine::Time;

use super::replication::{LotState, Replication};
use super::units::Tonnes;

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

impl Replication<'_> {
    /// Checks the invariants after an event at `now`; `Err` names the first one broken.
    pub(crate) fn check_invariants(&mut self, now: Time, events: u64) -> Result<(), String> {
        if now < self.last_event {
            return Err(format!("the clock went back from {} h to {} h", self.last_event.value(), now.value()));
        }
        self.last_event = now;
        let w = self.w;
        for (s, st) in self.servers.iter().enumerate() {
            if st.res.in_use() > w.servers[s].capacity {
                return Err(format!(
                    "server {} holds {} jobs but has capacity {}",
                    w.servers[s].name,
                    st.res.in_use(),
                    w.servers[s].capacity
                ));
            }
        }
        for (p, st) in self.pools.iter().enumerate() {
            if st.res.in_use() > st.res.capacity() {
                return Err(format!(
                    "pool {} lends {} carriers but owns {}",
                    w.pools[p].name,
                    st.res.in_use(),
                    st.res.capacity()
                ));
            }
        }
        for (x, st) in self.stores.iter().enumerate() {
            // Above capacity only when a disruption shrank the yard under what it held.
            let (level, capacity) = (st.store.level(), st.store.capacity());
            if level > capacity && capacity >= w.stores[x].capacity.kg() {
                return Err(format!("yard {} holds {level} kg but has room for {capacity} kg", w.stores[x].name));
            }
        }
        let full = match self.checks {
            Checks::Off => false,
            Checks::Sampled => events.is_multiple_of(64),
            Checks::Full => true,
        };
        if !full {
            return Ok(());
        }
        // Yards hold exactly the lots inside them.
        let mut held = vec![Tonnes::ZERO; self.stores.len()];
        let mut in_transit = Tonnes::ZERO;
        let mut delivered = Tonnes::ZERO;
        if self.last_steps.len() < self.lots.len() {
            self.last_steps.resize(self.lots.len(), 0);
        }
        for (i, l) in self.lots.iter().enumerate() {
            if let Some((x, _)) = l.store {
                held[x as usize] += l.tonnes;
            }
            match l.state {
                LotState::Moving => in_transit += l.tonnes,
                LotState::Delivered => delivered += l.tonnes,
                LotState::Lost => {}
            }
            let steps = w.routes[l.route as usize].steps.len();
            if l.step as usize >= steps {
                return Err(format!("lot {i} is at step {} of a route of {steps} steps", l.step));
            }
            if l.step < self.last_steps[i] {
                return Err(format!("lot {i} went back from step {} to step {}", self.last_steps[i], l.step));
            }
            self.last_steps[i] = l.step;
        }
        for (x, st) in self.stores.iter().enumerate() {
            if st.store.level() != held[x].kg() {
                return Err(format!(
                    "yard {} holds {} kg but the lots inside weigh {} kg",
                    w.stores[x].name,
                    st.store.level(),
                    held[x].kg()
                ));
            }
        }
        let mut unproduced = Tonnes::ZERO;
        for (mill, spec) in self.mills.iter().zip(&w.mills) {
            for (line, ls) in mill.lines.iter().zip(&spec.lines) {
                unproduced += ls.plan[line.next.min(ls.plan.len())..].iter().map(|p| p.tonnes).sum::<Tonnes>();
                unproduced += line.replacements.iter().map(|p| p.lot.tonnes).sum::<Tonnes>();
                if let Some(work) = &line.current {
                    unproduced += work.pending.lot.tonnes;
                }
            }
        }
        if delivered + in_transit + unproduced != w.order.tonnes {
            return Err(format!(
                "tonnes not conserved: delivered {delivered} + in transit {in_transit} + not yet produced {unproduced} != ordered {}",
                w.order.tonnes
            ));
        }
        Ok(())
    }
}
