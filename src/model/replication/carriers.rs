//! Carrier pools: lots take sets of wagons or trucks, give them back empty (a share never
//! returns), and wait when none are free; supplies add carriers over time; a leg's fleet
//! lends one vehicle per group.

use crate::engine::dist::unit;
use crate::engine::random::keyed;
use crate::engine::{Duration, Grant, Scheduler, Time};
use crate::model::ids::{LotId, PoolId};

use super::servers::delay_effects;
use super::state::{Ev, Holder};
use super::{Replication, site};

impl Replication<'_> {
    pub(super) fn got_carriers(&mut self, lot: LotId, pool: PoolId, units: u32, now: Time) {
        let l = &mut self.lots[lot];
        l.take_carriers(pool, units);
        l.wait = now.since(l.step_since).value();
        self.finish_step(lot, Some(0.0), now);
        self.lots[lot].next_step(now);
    }

    pub(super) fn release_carriers(&mut self, lot: LotId, pool: PoolId, now: Time, sched: &mut Scheduler<Ev>) {
        if let Some((p, units)) = self.lots[lot].give_back(pool) {
            self.send_back(p, units, lot, now, sched);
        }
    }

    /// `lot`'s empty carriers head back to their pool; a share of them never returns.
    pub(super) fn send_back(&mut self, pool: PoolId, units: u32, lot: LotId, now: Time, sched: &mut Scheduler<Ev>) {
        let spec = &self.w.pools[pool];
        let l = &self.lots[lot];
        let st = &mut self.pools[pool];
        let mut rng = keyed(st.key, l.key, site::at(site::RETURN, self.w.routes[l.route].draw(l.step), 0));
        let returning = if spec.return_share >= 1.0 {
            units
        } else {
            (0..units).map(|_| u32::from(unit(&mut rng) < spec.return_share)).sum()
        };
        if returning < units {
            st.retire(now, units - returning);
        }
        if returning > 0 {
            let mut h = spec.empty_return.sample(&mut rng);
            h += delay_effects(self.w, &self.occurrences, &st.cond.delays, &mut rng);
            sched.schedule_in(Duration::saturating(h), Ev::Returned(pool, returning));
        }
    }

    pub(super) fn carriers_returned(&mut self, pool: PoolId, units: u32, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let st = &mut self.pools[pool];
        // Carriers a dated change took out while they were away leave as they come back.
        let leaving = st.owed.min(units);
        if leaving > 0 {
            st.owed -= leaving;
            st.retire(now, leaving);
        }
        let units = units - leaving;
        let mut grants = std::mem::take(&mut self.pool_grants);
        self.pools[pool].res.release(now, units, &mut grants);
        self.hand_out_carriers(pool, &mut grants, now, sched);
        self.pool_grants = grants;
    }

    // Supply arrivals (e.g. an empty wagon every 48 minutes) were a quarter of all events
    // of the baseline, almost all of them into a pool nobody was waiting for. They are now
    // applied in order, at their own times and with the same draws, just before the next
    // event is handled; an event is scheduled only while someone waits, so that an arrival
    // still unblocks them at its exact time. Results are the same as with one event per
    // arrival (bar exact ties), and a replication with nothing left to do but receive
    // carriers nobody needs now ends as stalled instead of running on to the horizon.

    /// A pool's dated change `i`: carriers join it, or leave it (the free ones at once, the
    /// others as they come back).
    pub(super) fn pool_change(&mut self, pool: PoolId, i: usize, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let delta = self.w.pools[pool].changes[i].1;
        let st = &mut self.pools[pool];
        let mut grants = std::mem::take(&mut self.pool_grants);
        if delta >= 0 {
            st.res.add_units(now, u32::try_from(delta).unwrap_or(u32::MAX), &mut grants);
        } else {
            let leaving = u32::try_from(delta.unsigned_abs()).unwrap_or(u32::MAX);
            let now_free = leaving.min(st.res.free());
            let cap = st.res.capacity() - now_free;
            st.res.set_capacity(now, cap, &mut grants);
            st.owed = st.owed.saturating_add(leaving - now_free);
        }
        st.capacity.set(now, st.res.capacity() as f64);
        self.hand_out_carriers(pool, &mut grants, now, sched);
        self.pool_grants = grants;
    }

    /// Draws every pool's first supply arrival and schedules its dated changes.
    pub(super) fn start_supplies(&mut self, now: Time, sched: &mut Scheduler<Ev>) {
        for (p, spec) in self.w.pools.iter_ids() {
            for (i, &(at, _)) in spec.changes.iter().enumerate() {
                sched.schedule_at(Time::new(at).unwrap_or(Time::ZERO), Ev::PoolChange(p, i));
            }
            let st = &mut self.pools[p];
            st.capacity.set(now, spec.units as f64);
            if let Some(supply) = &spec.supply {
                let h = supply.every.sample(&mut st.rng);
                st.next_supply = Some(now + Duration::saturating(h));
            }
            self.supply_due = self.pools.iter().filter_map(|st| st.next_supply).min();
        }
    }

    /// Applies every supply arrival due by now, then hands out the carriers they unblock.
    #[inline]
    pub(super) fn catch_up_supplies(&mut self, sched: &mut Scheduler<Ev>) {
        if self.supply_due.is_some_and(|t| t <= sched.now()) {
            self.apply_due_supplies(sched);
        }
    }

    #[cold]
    fn apply_due_supplies(&mut self, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        for p in self.pools.ids() {
            if self.pools[p].next_supply.is_some_and(|t| t <= now) {
                self.apply_supplies(p, now, sched);
            }
        }
        self.supply_due = self.pools.iter().filter_map(|st| st.next_supply).min();
    }

    fn apply_supplies(&mut self, pool: PoolId, now: Time, sched: &mut Scheduler<Ev>) {
        let Some(supply) = &self.w.pools[pool].supply else { return };
        let mut grants = std::mem::take(&mut self.pool_grants);
        let st = &mut self.pools[pool];
        while let Some(t) = st.next_supply.filter(|t| *t <= now) {
            st.res.add_units(t, supply.units, &mut grants);
            st.capacity.set(t, st.res.capacity() as f64);
            let gap = supply.every.sample(&mut st.rng) / st.cond.factor;
            st.next_supply = Some(t + Duration::saturating(gap));
        }
        self.hand_out_carriers(pool, &mut grants, now, sched);
        self.pool_grants = grants;
    }

    /// Schedules the next supply arrival of every pool someone waits for.
    pub(super) fn arm_supplies(&mut self, sched: &mut Scheduler<Ev>) {
        if self.supply_due.is_none() {
            return;
        }
        for (p, st) in self.pools.ids().zip(self.pools.iter_mut()) {
            if !st.supply_armed
                && st.res.waiting() > 0
                && let Some(t) = st.next_supply
            {
                sched.schedule_at(t, Ev::Supply(p));
                st.supply_armed = true;
            }
        }
    }

    fn hand_out_carriers(
        &mut self,
        pool: PoolId,
        grants: &mut Vec<Grant<Holder>>,
        now: Time,
        sched: &mut Scheduler<Ev>,
    ) {
        for g in grants.drain(..) {
            match g.job {
                Holder::Lot(lot) => {
                    self.got_carriers(lot, pool, g.units, now);
                    self.ready.push_back(lot);
                }
                Holder::Bg(j) => self.background_to_server(j, now, sched),
                Holder::Fleet(leg) => {
                    let group = self.legs[leg].fleet_waiting.pop_front().expect("a granted group waits");
                    self.launch(leg, &group, now, sched);
                }
            }
        }
    }
}
