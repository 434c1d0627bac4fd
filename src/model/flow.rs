//! How a lot moves: one route step after another until it waits or takes time.
//!
//! Every hand-off between lots (a server freed, carriers returned, yard space released)
//! pushes the lots it unblocks onto the replication's ready queue instead of moving them
//! at once, so nothing here recurses and the order of moves is the order of hand-offs.

use crate::engine::dist::unit;
use crate::engine::random::keyed;
use crate::engine::{Added, Duration, Scheduler, Time};

use super::replication::{Ev, Holder, Job, LotState, Replication};
use super::world::{Effect, GroupUnit, LegId, PoolId, ServerId, Service, Step, StoreId, Transit};

/// Extra time from active delay effects, drawn from the stage's own stream.
fn delay_effects(
    w: &super::world::World,
    occurrences: &[super::replication::Occ],
    delays: &[u32],
    rng: &mut crate::engine::Stream,
) -> f64 {
    let mut h = 0.0;
    for &o in delays {
        if let Effect::Delay(d) = &w.disruptions[occurrences[o as usize].spec as usize].effect {
            h += d.sample(rng);
        }
    }
    h
}

/// What a keyed draw is for. With the step and the visit it names one draw site of a lot,
/// so each gets its own stream (see [`crate::engine::random::keyed`]).
pub(crate) mod site {
    pub(crate) const SERVICE: u64 = 1;
    pub(crate) const REWORK: u64 = 2;
    pub(crate) const DWELL: u64 = 3;
    pub(crate) const TRANSIT: u64 = 4;
    pub(crate) const INCIDENT: u64 = 5;
    pub(crate) const RETURN: u64 = 6;
    pub(crate) const AVAILABILITY: u64 = 7;
    pub(crate) const HOLD: u64 = 8;

    /// The site of a draw of `kind` at route step `step` on the `visit`-th pass.
    pub(crate) fn at(kind: u64, step: u16, visit: u32) -> u64 {
        kind | (step as u64) << 8 | (visit as u64) << 24
    }
}

fn draw_service(svc: &Service, units: u32, tonnes_t: f64, rng: &mut crate::engine::Stream) -> f64 {
    match svc {
        Service::PerLot(d) => d.sample(rng),
        Service::PerCarrier(d) => (0..units).map(|_| d.sample(rng)).sum(),
        // A drawn rate of (nearly) zero would mean an endless service; floor it at 1 % of
        // the mean rate, a slowdown no real handling crew stays below for a whole lot.
        Service::Rate(d) => tonnes_t / d.sample(rng).max(d.mean() * 0.01),
    }
}

impl Replication<'_> {
    fn priority(&self, lot: u32) -> i64 {
        if self.lots[lot as usize].replaces.is_some() { 2 } else { 1 }
    }

    /// Moves the lot into its next step.
    pub(crate) fn next_step(&mut self, lot: u32, now: Time) {
        let l = &mut self.lots[lot as usize];
        l.step += 1;
        l.step_since = now;
        l.wait = 0.0;
        l.visit = 0;
    }

    /// Moves `lot` forward until it waits or takes time.
    pub(crate) fn advance(&mut self, lot: u32, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        loop {
            let l = &self.lots[lot as usize];
            if l.state != LotState::Moving {
                return;
            }
            let step = self.w.routes[l.route as usize].steps[l.step as usize];
            match step {
                Step::Serve { server, .. } => {
                    self.release_hold(lot, now, sched);
                    let prio = self.priority(lot);
                    let s = server as usize;
                    if self.servers[s].res.request(now, Job::Lot(lot), 1, prio).is_some() {
                        self.start_service(server, Job::Lot(lot), now, sched);
                    }
                    return;
                }
                Step::Dwell(d) => {
                    self.release_hold(lot, now, sched);
                    let l = &self.lots[lot as usize];
                    let mut rng = keyed(self.dwell_key[d as usize], l.key, site::at(site::DWELL, l.step, 0));
                    let h = self.w.dwells[d as usize].time.sample(&mut rng);
                    sched.schedule_in(Duration::saturating(h), Ev::DwellDone(lot));
                    return;
                }
                Step::Leg(leg) => {
                    self.release_hold(lot, now, sched);
                    self.join_leg(leg, lot, now, sched);
                    return;
                }
                Step::Acquire(pool) => {
                    self.release_hold(lot, now, sched);
                    let units = self.lots[lot as usize].tonnes.carriers(self.w.pools[pool as usize].payload);
                    let prio = self.priority(lot);
                    if self.pools[pool as usize].res.request(now, Holder::Lot(lot), units, prio).is_none() {
                        return;
                    }
                    self.got_carriers(lot, pool, units, now);
                }
                Step::Release(pool) => {
                    self.release_carriers(lot, pool, now, sched);
                    self.finish_step(lot, None, now);
                    self.next_step(lot, now);
                }
                Step::EnterStore(x) => {
                    let kg = self.lots[lot as usize].tonnes.kg();
                    if !self.stores[x as usize].store.put(now, lot, kg) {
                        return; // blocked: keeps holding the server upstream, if any
                    }
                    self.entered_store(lot, x, now, sched);
                }
                Step::LeaveStore(x) => {
                    self.leave_store(lot, x, now, sched);
                    self.next_step(lot, now);
                }
                Step::Handover => {
                    let l = &mut self.lots[lot as usize];
                    if !l.handover_credited {
                        l.handover_credited = true;
                        self.books.handed_over += l.tonnes;
                        if self.books.handed_over == self.w.order.tonnes {
                            self.books.handover_completion = Some(now);
                        }
                    }
                    self.finish_step(lot, None, now);
                    self.next_step(lot, now);
                }
                Step::Deliver => {
                    self.release_hold(lot, now, sched);
                    self.finish_step(lot, None, now);
                    let w = self.w;
                    let l = &mut self.lots[lot as usize];
                    l.state = LotState::Delivered;
                    self.books.delivered += l.tonnes;
                    let late_days = (now.value() - w.deadline.value()).max(0.0) / 24.0;
                    self.books.penalty += l.tonnes.t() * late_days * w.order.late_penalty_per_t_day;
                    let lead = now.since(l.created).value() / 24.0;
                    self.lead_times.push((w.routes[l.route as usize].corridor, lead as f32));
                    if self.books.delivered == self.w.order.tonnes {
                        self.books.completion = Some(now);
                    }
                    return;
                }
            }
        }
    }

    // ----- servers -----------------------------------------------------------------------

    /// Starts serving `job`, which was just granted a place at server `s`.
    pub(crate) fn start_service(&mut self, s: ServerId, job: Job, now: Time, sched: &mut Scheduler<Ev>) {
        let w = self.w;
        let spec = &w.servers[s as usize];
        let st = &self.servers[s as usize];
        let (units, tonnes_t, through, mut rng) = match job {
            Job::Lot(i) => {
                let l = &mut self.lots[i as usize];
                l.wait = now.since(l.step_since).value();
                let through =
                    matches!(w.routes[l.route as usize].steps[l.step as usize], Step::Serve { through: true, .. });
                let rng = keyed(st.key, l.key, site::at(site::SERVICE, l.step, l.visit));
                (l.carrier_units(), l.tonnes.t(), through, rng)
            }
            Job::Bg(j) => {
                let b = self.bg_jobs[j as usize];
                let f = &w.background[b.flow as usize];
                let rng = keyed(st.key, b.key, site::SERVICE);
                (f.units_per_job, f.tonnes_per_unit.t() * f.units_per_job as f64, false, rng)
            }
        };
        let svc = if through { spec.through_service.as_ref().unwrap_or(&spec.service) } else { &spec.service };
        let mut h = draw_service(svc, units, tonnes_t, &mut rng);
        if let (Job::Lot(_), Some(insp)) = (job, &spec.inspection)
            && unit(&mut rng) < insp.p
        {
            h += insp.time.sample(&mut rng);
        }
        h /= st.cond.factor;
        h += delay_effects(w, &self.occurrences, &st.cond.delays, &mut rng);
        if let Job::Lot(i) = job {
            self.lots[i as usize].service = h;
        }
        sched.schedule_in(Duration::saturating(h), Ev::ServiceDone(s, job));
    }

    /// Frees one place at server `s` and starts whoever is next.
    pub(crate) fn release_server(&mut self, s: ServerId, now: Time, sched: &mut Scheduler<Ev>) {
        let mut grants = std::mem::take(&mut self.grants);
        self.servers[s as usize].res.release(now, 1, &mut grants);
        for g in grants.drain(..) {
            self.start_service(s, g.job, now, sched);
        }
        self.grants = grants;
    }

    /// Sets server `s`'s capacity from its condition and starts whoever now fits.
    pub(crate) fn apply_server(&mut self, s: ServerId, now: Time, sched: &mut Scheduler<Ev>) {
        let cap = if self.servers[s as usize].cond.open() { self.w.servers[s as usize].capacity } else { 0 };
        let mut grants = std::mem::take(&mut self.grants);
        self.servers[s as usize].res.set_capacity(now, cap, &mut grants);
        for g in grants.drain(..) {
            self.start_service(s, g.job, now, sched);
        }
        self.grants = grants;
    }

    fn release_hold(&mut self, lot: u32, now: Time, sched: &mut Scheduler<Ev>) {
        if let Some(s) = self.lots[lot as usize].hold.take() {
            self.release_server(s, now, sched);
        }
    }

    pub(crate) fn service_done(&mut self, s: ServerId, job: Job, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        match job {
            Job::Lot(lot) => {
                self.servers[s as usize].served += u64::from(self.lots[lot as usize].carrier_units());
                let service = self.lots[lot as usize].service;
                let spec = &self.w.servers[s as usize];
                self.books.cost += spec.cost_per_lot + spec.cost_per_t * self.lots[lot as usize].tonnes.t();
                self.finish_step(lot, Some(service), now);
                let l = &self.lots[lot as usize];
                let mut rng = keyed(self.servers[s as usize].key, l.key, site::at(site::REWORK, l.step, l.visit));
                if let Some(rw) = &spec.rework
                    && unit(&mut rng) < rw.p
                {
                    // Sent back: leave the server, fix the papers, queue again.
                    let delay = rw.time.sample(&mut rng);
                    self.release_server(s, now, sched);
                    let l = &mut self.lots[lot as usize];
                    l.step_since = now;
                    l.wait = 0.0;
                    l.visit += 1;
                    sched.schedule_in(Duration::saturating(delay), Ev::ReworkDone(lot));
                    return;
                }
                self.lots[lot as usize].hold = Some(s);
                self.next_step(lot, now);
                self.ready.push_back(lot);
            }
            Job::Bg(j) => {
                self.release_server(s, now, sched);
                let b = self.bg_jobs[j as usize];
                let flow = &self.w.background[b.flow as usize];
                self.servers[s as usize].served += u64::from(flow.units_per_job);
                self.bg[b.flow as usize].served += 1;
                if let Some((pool, hold)) = &flow.carriers {
                    let h = hold.sample(&mut keyed(self.bg[b.flow as usize].key, b.key, site::HOLD));
                    sched.schedule_in(Duration::saturating(h), Ev::Returned(*pool, flow.units_per_job));
                }
            }
        }
    }

    pub(crate) fn dwell_done(&mut self, lot: u32, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let service = now.since(self.lots[lot as usize].step_since).value();
        self.finish_step(lot, Some(service), now);
        self.next_step(lot, now);
        self.ready.push_back(lot);
    }

    // ----- background traffic ------------------------------------------------------------

    pub(crate) fn background_arrives(&mut self, flow: u16, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let j = self.bg_jobs.len() as u32;
        let state = &mut self.bg[flow as usize];
        let key = crate::engine::random::mix64(state.key ^ state.arrivals);
        state.arrivals += 1;
        self.bg_jobs.push(super::replication::BgJob { flow, key });
        let spec = &self.w.background[flow as usize];
        if let Some((pool, _)) = spec.carriers
            && self.pools[pool as usize].res.request(now, Holder::Bg(j), spec.units_per_job, 0).is_none()
        {
            return; // waits for carriers
        }
        self.background_to_server(j, now, sched);
    }

    fn background_to_server(&mut self, j: u32, now: Time, sched: &mut Scheduler<Ev>) {
        let s = self.w.background[self.bg_jobs[j as usize].flow as usize].server;
        if self.servers[s as usize].res.request(now, Job::Bg(j), 1, 0).is_some() {
            self.start_service(s, Job::Bg(j), now, sched);
        }
    }

    // ----- legs --------------------------------------------------------------------------

    fn join_leg(&mut self, leg: LegId, lot: u32, now: Time, sched: &mut Scheduler<Ev>) {
        let l = &self.lots[lot as usize];
        let units = match self.w.legs[leg as usize].departures.as_ref().map(|d| d.unit) {
            Some(GroupUnit::Tonnes) => l.tonnes.t().ceil() as u32,
            _ => l.carrier_units(),
        };
        let st = &mut self.legs[leg as usize];
        let open = st.cond.open();
        match &mut st.batcher {
            None if open => self.depart(leg, &[lot], now, sched),
            None => st.waiting.push_back((lot, now)),
            Some(b) => match b.add(now, lot, units) {
                Added::Opened => self.arm_max_wait(leg, sched),
                Added::Waiting => {}
                Added::Full | Added::Overflow if open => self.dispatch(leg, false, now, sched),
                Added::Full | Added::Overflow => {}
            },
        }
    }

    /// Sends the forming group, then any further full groups (or, with `all`, everything).
    pub(crate) fn dispatch(&mut self, leg: LegId, all: bool, now: Time, sched: &mut Scheduler<Ev>) {
        let mut boarded = std::mem::take(&mut self.boarded);
        let mut lots = Vec::new();
        while let Some(b) = self.legs[leg as usize].batcher.as_mut() {
            if b.is_empty() {
                break;
            }
            boarded.clear();
            b.dispatch(now, &mut boarded);
            lots.clear();
            lots.extend(boarded.iter().map(|x| x.job));
            self.depart(leg, &lots, now, sched);
            let b = self.legs[leg as usize].batcher.as_ref().expect("batcher exists");
            if !(all || b.is_full()) {
                break;
            }
        }
        self.boarded = boarded;
        if let Some(k) = self.legs[leg as usize].max_wait_key.take() {
            sched.cancel(k);
        }
        self.arm_max_wait(leg, sched);
    }

    fn arm_max_wait(&mut self, leg: LegId, sched: &mut Scheduler<Ev>) {
        let Some(max_wait) = self.w.legs[leg as usize].departures.as_ref().and_then(|d| d.max_wait) else {
            return;
        };
        let st = &mut self.legs[leg as usize];
        let Some(oldest) = st.batcher.as_ref().and_then(|b| b.oldest()) else { return };
        if let Some(k) = st.max_wait_key.take() {
            sched.cancel(k);
        }
        st.max_wait_key = Some(sched.schedule_cancellable(oldest + Duration::saturating(max_wait), Ev::MaxWait(leg)));
    }

    pub(crate) fn max_wait(&mut self, leg: LegId, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        self.legs[leg as usize].max_wait_key = None;
        if self.legs[leg as usize].cond.open() {
            self.dispatch(leg, false, now, sched);
        }
    }

    pub(crate) fn timetable(&mut self, leg: LegId, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        if self.legs[leg as usize].cond.open() {
            self.dispatch(leg, false, now, sched);
        }
        if let Some((period, _)) = self.w.legs[leg as usize].departures.as_ref().and_then(|d| d.timetable) {
            sched.schedule_in(Duration::saturating(period), Ev::Timetable(leg));
        }
    }

    /// A closed leg opened again: everything waiting leaves.
    pub(crate) fn reopen_leg(&mut self, leg: LegId, now: Time, sched: &mut Scheduler<Ev>) {
        if self.legs[leg as usize].batcher.is_some() {
            self.dispatch(leg, true, now, sched);
        } else {
            while let Some((lot, _)) = self.legs[leg as usize].waiting.pop_front() {
                self.depart(leg, &[lot], now, sched);
            }
        }
    }

    /// Sends a group of lots down a leg, once a vehicle of the leg's fleet (if it has one)
    /// is free; otherwise the group waits for one.
    fn depart(&mut self, leg: LegId, lots: &[u32], now: Time, sched: &mut Scheduler<Ev>) {
        if let Some(fleet) = self.w.legs[leg as usize].departures.as_ref().and_then(|d| d.fleet)
            && self.pools[fleet as usize].res.request(now, Holder::Fleet(leg), 1, 0).is_none()
        {
            self.legs[leg as usize].fleet_waiting.push_back(lots.to_vec());
            return;
        }
        self.launch(leg, lots, now, sched);
    }

    /// The group leaves: one transit time for all of its lots.
    fn launch(&mut self, leg: LegId, lots: &[u32], now: Time, sched: &mut Scheduler<Ev>) {
        let w = self.w;
        let spec = &w.legs[leg as usize];
        let st = &self.legs[leg as usize];
        // One draw for the whole group, keyed by its first lot.
        let first = &self.lots[lots[0] as usize];
        let (group, step) = (first.key, first.step);
        let mut rng = keyed(st.key, group, site::at(site::TRANSIT, step, 0));
        let mut h = match &spec.transit {
            Transit::Time(d) => d.sample(&mut rng),
            Transit::Speed { km, kmh } => km / kmh.sample(&mut rng).max(kmh.mean() * 0.01),
        };
        h /= st.cond.factor;
        h += delay_effects(w, &self.occurrences, &st.cond.delays, &mut rng);
        for &lot in lots {
            let l = &mut self.lots[lot as usize];
            l.wait = now.since(l.step_since).value();
            l.service = h;
            self.books.cost += spec.cost_per_t * l.tonnes.t();
            sched.schedule_in(Duration::saturating(h), Ev::Arrived(lot));
        }
        if let Some(fleet) = spec.departures.as_ref().and_then(|d| d.fleet) {
            // The vehicle delivers the group, then comes back empty.
            let pool = &w.pools[fleet as usize];
            let st = &self.pools[fleet as usize];
            let mut rng = keyed(st.key, group, site::at(site::RETURN, step, 0));
            let back =
                h + pool.empty_return.sample(&mut rng) + delay_effects(w, &self.occurrences, &st.cond.delays, &mut rng);
            sched.schedule_in(Duration::saturating(back), Ev::Returned(fleet, 1));
        }
    }

    pub(crate) fn arrived(&mut self, lot: u32, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let l = &self.lots[lot as usize];
        let Step::Leg(leg) = self.w.routes[l.route as usize].steps[l.step as usize] else {
            unreachable!("a lot arrives only from a leg step");
        };
        let service = l.service;
        let mut rng = keyed(self.legs[leg as usize].key, l.key, site::at(site::INCIDENT, l.step, 0));
        self.finish_step(lot, Some(service), now);
        let p = self.w.legs[leg as usize].incident_p;
        if p > 0.0 && unit(&mut rng) < p {
            self.lose(lot, now, sched);
            return;
        }
        self.next_step(lot, now);
        self.ready.push_back(lot);
    }

    // ----- carriers ----------------------------------------------------------------------

    fn got_carriers(&mut self, lot: u32, pool: PoolId, units: u32, now: Time) {
        let l = &mut self.lots[lot as usize];
        if l.carriers.is_none() {
            l.carriers = Some((pool, units));
        } else {
            l.extra = Some((pool, units));
        }
        l.wait = now.since(l.step_since).value();
        self.finish_step(lot, Some(0.0), now);
        self.next_step(lot, now);
    }

    fn release_carriers(&mut self, lot: u32, pool: PoolId, now: Time, sched: &mut Scheduler<Ev>) {
        let l = &mut self.lots[lot as usize];
        let set = if l.carriers.is_some_and(|c| c.0 == pool) {
            let c = l.carriers.take();
            l.carriers = l.extra.take();
            c
        } else if l.extra.is_some_and(|c| c.0 == pool) {
            l.extra.take()
        } else {
            None
        };
        if let Some((p, units)) = set {
            self.send_back(p, units, lot, now, sched);
        }
    }

    /// `lot`'s empty carriers head back to their pool; a share of them never returns.
    fn send_back(&mut self, pool: PoolId, units: u32, lot: u32, now: Time, sched: &mut Scheduler<Ev>) {
        let spec = &self.w.pools[pool as usize];
        let l = &self.lots[lot as usize];
        let st = &mut self.pools[pool as usize];
        let mut rng = keyed(st.key, l.key, site::at(site::RETURN, l.step, 0));
        let returning = if spec.return_share >= 1.0 {
            units
        } else {
            (0..units).filter(|_| unit(&mut rng) < spec.return_share).count() as u32
        };
        if returning < units {
            st.res.retire(now, units - returning);
            st.capacity.set(now, st.res.capacity() as f64);
        }
        if returning > 0 {
            let mut h = spec.empty_return.sample(&mut rng);
            h += delay_effects(self.w, &self.occurrences, &st.cond.delays, &mut rng);
            sched.schedule_in(Duration::saturating(h), Ev::Returned(pool, returning));
        }
    }

    pub(crate) fn carriers_returned(&mut self, pool: PoolId, units: u32, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let mut grants = std::mem::take(&mut self.pool_grants);
        self.pools[pool as usize].res.release(now, units, &mut grants);
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

    /// Applies every supply arrival due by now, then hands out the carriers they unblock.
    #[inline]
    pub(crate) fn catch_up_supplies(&mut self, sched: &mut Scheduler<Ev>) {
        if self.supply_due.is_some_and(|t| t <= sched.now()) {
            self.apply_due_supplies(sched);
        }
    }

    #[cold]
    fn apply_due_supplies(&mut self, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        for p in 0..self.pools.len() {
            if self.pools[p].next_supply.is_some_and(|t| t <= now) {
                self.apply_supplies(p as PoolId, now, sched);
            }
        }
        self.supply_due = self.pools.iter().filter_map(|st| st.next_supply).min();
    }

    fn apply_supplies(&mut self, pool: PoolId, now: Time, sched: &mut Scheduler<Ev>) {
        let Some(supply) = &self.w.pools[pool as usize].supply else { return };
        let mut grants = std::mem::take(&mut self.pool_grants);
        let st = &mut self.pools[pool as usize];
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
    pub(crate) fn arm_supplies(&mut self, sched: &mut Scheduler<Ev>) {
        if self.supply_due.is_none() {
            return;
        }
        for (p, st) in self.pools.iter_mut().enumerate() {
            if !st.supply_armed
                && st.res.waiting() > 0
                && let Some(t) = st.next_supply
            {
                sched.schedule_at(t, Ev::Supply(p as PoolId));
                st.supply_armed = true;
            }
        }
    }

    fn hand_out_carriers(
        &mut self,
        pool: PoolId,
        grants: &mut Vec<crate::engine::Grant<Holder>>,
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
                    let group = self.legs[leg as usize].fleet_waiting.pop_front().expect("a granted group waits");
                    self.launch(leg, &group, now, sched);
                }
            }
        }
    }

    // ----- yards -------------------------------------------------------------------------

    fn entered_store(&mut self, lot: u32, x: StoreId, now: Time, sched: &mut Scheduler<Ev>) {
        let l = &mut self.lots[lot as usize];
        l.store = Some((x, now));
        l.wait = now.since(l.step_since).value();
        self.finish_step(lot, None, now);
        self.release_hold(lot, now, sched);
        self.next_step(lot, now);
    }

    fn leave_store(&mut self, lot: u32, x: StoreId, now: Time, sched: &mut Scheduler<Ev>) {
        let l = &mut self.lots[lot as usize];
        let Some((held, since)) = l.store.take() else { return };
        debug_assert_eq!(held, x, "a lot leaves the yard it entered");
        let kg = l.tonnes.kg();
        l.step_since = since;
        let days = now.since(since).value() / 24.0;
        self.books.cost += self.w.stores[x as usize].storage_per_t_day * l.tonnes.t() * days;
        self.tally[self.w.store_stage(x)].service(now.since(since).value());
        self.finish_step(lot, None, now);
        self.take_from_store(x, kg, now, sched);
    }

    pub(crate) fn take_from_store(&mut self, x: StoreId, kg: u64, now: Time, sched: &mut Scheduler<Ev>) {
        let mut admitted = std::mem::take(&mut self.admitted);
        self.stores[x as usize].store.take(now, kg, &mut admitted);
        self.admit(x, &mut admitted, now, sched);
        self.admitted = admitted;
    }

    /// Lots let into yard `x` after waiting at its gate.
    pub(crate) fn admit(
        &mut self,
        x: StoreId,
        admitted: &mut Vec<crate::engine::Admitted<u32>>,
        now: Time,
        sched: &mut Scheduler<Ev>,
    ) {
        for a in admitted.drain(..) {
            self.entered_store(a.job, x, now, sched);
            self.ready.push_back(a.job);
        }
    }

    // ----- losses ------------------------------------------------------------------------

    /// The lot is lost or damaged: write it off, free what it held, and have its mill
    /// produce it again.
    fn lose(&mut self, lot: u32, now: Time, sched: &mut Scheduler<Ev>) {
        let l = &mut self.lots[lot as usize];
        l.state = LotState::Lost;
        let (tonnes, mill, credited) = (l.tonnes, l.mill, l.handover_credited);
        let (product, destination) = (l.product, l.destination);
        let sets = [l.carriers.take(), l.extra.take()];
        let store = l.store.take();
        self.books.lost += tonnes;
        for (pool, units) in sets.into_iter().flatten() {
            self.send_back(pool, units, lot, now, sched);
        }
        if let Some((x, _)) = store {
            self.take_from_store(x, tonnes.kg(), now, sched);
        }
        self.release_hold(lot, now, sched);
        let pending = super::replication::Pending {
            lot: super::world::PlannedLot { product, destination, tonnes },
            replaces: Some(lot),
            handover_credited: credited,
            key: crate::engine::random::mix64(self.lots[lot as usize].key ^ 0xd1b5_4a32_d192_ed03),
        };
        let line = self.w.mills[mill as usize].line_of(product);
        let state = &mut self.mills[mill as usize].lines[line];
        state.replacements.push_back(pending);
        if state.current.is_none() {
            self.start_next(mill, line, now, sched);
        }
    }
}
