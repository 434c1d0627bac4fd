//! Mills produce the order lot by lot, and each new lot is given a route.
//!
//! A mill has one production line for all its products, or one per product, working in
//! parallel. Production is preemptive-resume: a line works on one lot at a time at a rate
//! that breakdowns, closures and disruption factors change while the lot is in progress, and
//! the completion event is re-timed (cancelled and rescheduled) at every change. That is
//! the one place the model needs cancellable events.

use crate::engine::random::{keyed, mix64};
use crate::engine::{Duration, Scheduler, Time};
use crate::model::ids::{DestinationId, Id, LineId, MillId, RouteId};
use crate::model::units::Tonnes;
use crate::model::world::{PlannedLot, Reallocation, RoutingPolicy, Service, Step};

use super::state::{Ev, Lot, Pending, Work};
use super::{Replication, site};

/// The stable identity of the lot at position `index` of line `line` of mill `m`.
fn lot_key(m: MillId, line: LineId, index: usize) -> u64 {
    mix64(((m.index() as u64) << 48) ^ ((line.index() as u64) << 40) ^ index as u64 ^ 0x6c07_8965_2f1b_1d2b)
}

impl Replication<'_> {
    /// Puts the mills' opening stock on the move and starts production on every line.
    pub(super) fn start_production(&mut self, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        for m in self.w.mills.ids() {
            for line in self.w.mills[m].lines.ids() {
                let spec = &self.w.mills[m].lines[line];
                let mut stock = spec.stock;
                while let Some(p) = spec.plan.get(self.mills[m].lines[line].next) {
                    if p.tonnes > stock {
                        break;
                    }
                    stock -= p.tonnes;
                    let key = lot_key(m, line, self.mills[m].lines[line].next);
                    self.mills[m].lines[line].next += 1;
                    let pending = Pending { lot: *p, replaces: None, handover_credited: false, key };
                    self.create_lot(m, pending, now);
                }
                self.start_next(m, line, now, sched);
            }
        }
    }

    /// Starts a line's next lot: replacements of lost lots first, then the plan, then lots
    /// taken over from other mills, and last (when the order allows it) a lot taken over now.
    pub(super) fn start_next(&mut self, m: MillId, line: LineId, now: Time, sched: &mut Scheduler<Ev>) {
        let spec = &self.w.mills[m];
        let state = &mut self.mills[m].lines[line];
        let plan = &spec.lines[line].plan;
        let pending = state
            .replacements
            .pop_front()
            .or_else(|| {
                let (i, p) = state.to_start(plan).next()?;
                state.next = i + 1;
                Some(Pending { lot: *p, replaces: None, handover_credited: false, key: lot_key(m, line, i) })
            })
            .or_else(|| state.taken.pop_front());
        let pending = match pending {
            Some(p) => p,
            None if self.w.order.reallocation == Reallocation::WhenIdle => match self.take_over(m, line, now) {
                Some(p) => p,
                None => return,
            },
            None => return,
        };
        let spec = &self.w.mills[m];
        let st = &mut self.mills[m];
        // Availability is drawn per lot; floored so a freak draw cannot stall a mill for ever.
        let mut rng = keyed(st.key, pending.key, site::AVAILABILITY);
        let availability = spec.availability.as_ref().map_or(1.0, |d| d.sample(&mut rng).max(0.01));
        let lot_rate = spec.production_time.as_ref().map(|t| {
            let mut rng = keyed(st.key, pending.key, site::PRODUCTION);
            // A millisecond at least: a zero draw would finish a lot in no time at all.
            let hours = t.time.sample(&mut rng).max(1e-6 / 3.6);
            let tonnes = if t.full_for_short { pending.lot.tonnes } else { t.lot };
            tonnes.t() / hours
        });
        st.lines[line].current = Some(Work {
            pending,
            left: pending.lot.tonnes.t(),
            availability,
            lot_rate,
            rate: 0.0,
            since: now,
            key: None,
        });
        self.retime_line(m, line, now, sched);
    }

    /// A lot not yet started that line `line` of mill `m` can make (its product, bound for a
    /// destination the mill serves), taken from the line of another mill that would finish
    /// it latest at its present pace, if this line would finish it sooner.
    fn take_over(&mut self, m: MillId, line: LineId, now: Time) -> Option<Pending> {
        let w = self.w;
        let spec = &w.mills[m];
        let ours = self.pace(m, line);
        if ours <= 0.0 {
            return None;
        }
        let fits = |p: &PlannedLot| spec.line_of(p.product) == line && !spec.routes[p.destination].is_empty();
        let mut best: Option<(f64, MillId, LineId, usize)> = None;
        for (other, other_spec) in w.mills.iter_ids().filter(|&(o, _)| o != m) {
            for (l, l_spec) in other_spec.lines.iter_ids() {
                let st = &self.mills[other].lines[l];
                let Some((i, lot)) = st.to_start(&l_spec.plan).rev().find(|(_, p)| fits(p)) else { continue };
                // What that line makes before it would finish lot `i`: the lot in hand, lost
                // lots to replace, and its plan up to `i`.
                let ahead = st.current.as_ref().map_or(0.0, |work| work.left_at(now))
                    + st.replacements.iter().map(|p| p.lot.tonnes.t()).sum::<f64>()
                    + st.to_start(&l_spec.plan).take_while(|&(k, _)| k <= i).map(|(_, p)| p.tonnes.t()).sum::<f64>();
                let pace = self.pace(other, l);
                let theirs = if pace > 0.0 { ahead / pace } else { f64::INFINITY };
                if theirs > lot.tonnes.t() / ours && best.is_none_or(|b| theirs > b.0) {
                    best = Some((theirs, other, l, i));
                }
            }
        }
        let (_, other, l, i) = best?;
        let st = &mut self.mills[other].lines[l];
        if i + 1 == st.end {
            st.end = i;
            // Lots given away just before the end shorten it too.
            while let Some(k) = st.given.iter().position(|&g| g + 1 == st.end) {
                st.given.swap_remove(k);
                st.end -= 1;
            }
        } else {
            st.given.push(i);
        }
        let lot = w.mills[other].lines[l].plan[i];
        self.books.reallocated += lot.tonnes;
        Some(Pending { lot, replaces: None, handover_credited: false, key: lot_key(other, l, i) })
    }

    /// A line's expected production for the order now, tonnes an hour: its rate at mean
    /// availability and the factors in force. Closures and breakdowns are left out: they
    /// pass, while a factor (a gas cut) is what makes a mill fall behind.
    fn pace(&self, m: MillId, line: LineId) -> f64 {
        let spec = &self.w.mills[m];
        let st = &self.mills[m];
        let availability = spec.availability.as_ref().map_or(1.0, |d| d.mean());
        match &spec.production_time {
            Some(t) => t.lot.t() / t.time.mean().max(1e-9) * availability * st.cond.factor * st.allocation,
            None => spec.lines[line].order_rate(spec.priority, availability, st.cond.factor, st.allocation),
        }
    }

    /// Under [`Reallocation::WhenIdle`], gives every idle line the chance to take over a lot
    /// (a mill's pace has just changed).
    pub(super) fn wake_idle_lines(&mut self, now: Time, sched: &mut Scheduler<Ev>) {
        if self.w.order.reallocation != Reallocation::WhenIdle {
            return;
        }
        for m in self.w.mills.ids() {
            for line in self.w.mills[m].lines.ids() {
                if self.mills[m].lines[line].current.is_none() {
                    self.start_next(m, line, now, sched);
                }
            }
        }
    }

    /// Brings every line of a mill up to date with its condition.
    pub(super) fn retime_mill(&mut self, m: MillId, now: Time, sched: &mut Scheduler<Ev>) {
        for line in self.mills[m].lines.ids() {
            self.retime_line(m, line, now, sched);
        }
    }

    /// Brings the lot in progress on a line up to date and reschedules its completion at the
    /// rate the mill's current condition allows (none while it is down or closed).
    pub(super) fn retime_line(&mut self, m: MillId, line: LineId, now: Time, sched: &mut Scheduler<Ev>) {
        let spec = &self.w.mills[m];
        let st = &mut self.mills[m];
        let open = st.cond.open();
        let (factor, allocation) = (st.cond.factor, st.allocation);
        let Some(work) = &mut st.lines[line].current else { return };
        work.left = work.left_at(now);
        work.since = now;
        work.rate = match work.lot_rate {
            _ if !open => 0.0,
            Some(r) => r * work.availability * factor * allocation,
            None => spec.lines[line].order_rate(spec.priority, work.availability, factor, allocation),
        };
        if work.rate > 0.0 {
            let at = now + Duration::saturating(work.left / work.rate);
            work.key = Some(sched.reschedule(work.key.take(), at, Ev::Produced(m, line)));
        } else if let Some(k) = work.key.take() {
            sched.cancel(k); // stopped: completes only once the rate is back
        }
    }

    pub(super) fn produced(&mut self, m: MillId, line: LineId, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let Some(work) = self.mills[m].lines[line].current.take() else { return };
        self.create_lot(m, work.pending, now);
        self.start_next(m, line, now, sched);
    }

    fn create_lot(&mut self, m: MillId, p: Pending, now: Time) {
        let route = self.choose_route(m, p.lot.destination, p.lot.tonnes, now);
        self.books.produced += p.lot.tonnes;
        // Each lot shipped is declared to the policy, and pays its premium, as it starts.
        let rate = self.w.routes[route].premium_rate;
        if let Some(c) = &self.w.contract
            && let (Some(ins), Some(price)) = (&c.insurance, c.price_of(p.lot.product))
            && rate > 0.0
        {
            self.books.loss_costs.premium += rate * ins.insured_share * price * p.lot.tonnes.t();
        }
        let id = self.lots.push(Lot::new(m, route, &p, now));
        self.ready.push_back(id);
    }

    /// The route of a lot leaving mill `m` now, among those open (validation sees to it that
    /// one is).
    fn choose_route(&mut self, m: MillId, destination: DestinationId, tonnes: Tonnes, now: Time) -> RouteId {
        let w = self.w;
        let candidates = &w.mills[m].routes[destination];
        if candidates.len() == 1 {
            return candidates[0].0;
        }
        let open = |r: RouteId| w.routes[r].open_at(now.value());
        let first_open = candidates.iter().position(|c| open(c.0)).unwrap_or(0);
        match w.order.routing {
            RoutingPolicy::Shares => {
                // Smooth weighted round-robin (as in nginx) over the routes open now:
                // deterministic, and after any number of lots each route's count is within
                // one of its exact share.
                let state = &mut self.mills[m].wrr[destination];
                let total: f64 = candidates.iter().filter(|c| open(c.0)).map(|c| c.1).sum();
                let mut best = first_open;
                for (i, (r, weight)) in candidates.iter().enumerate() {
                    if !open(*r) {
                        continue;
                    }
                    state[i] += weight;
                    if state[i] > state[best] {
                        best = i;
                    }
                }
                state[best] -= total;
                candidates[best].0
            }
            RoutingPolicy::Fastest => {
                let mut best = (f64::INFINITY, candidates[first_open].0);
                for &(r, _) in candidates.iter().filter(|c| open(c.0)) {
                    let t = self.expected_hours(r, tonnes);
                    if t < best.0 {
                        best = (t, r);
                    }
                }
                best.1
            }
        }
    }

    /// A quick estimate of a new lot's time along a route given current queues: the
    /// work queued ahead at each server spread over its capacity, plus mean service and
    /// transit times, half a departure interval per grouped leg, and a mean empty-return
    /// time wherever the pool cannot serve the lot now.
    fn expected_hours(&self, r: RouteId, tonnes: Tonnes) -> f64 {
        let w = self.w;
        let mut units = 1u32;
        let mut total = 0.0;
        for step in &w.routes[r].steps {
            match *step {
                Step::Serve { server, through } => {
                    let svc = w.service_at(server, through);
                    let own = svc.mean_hours(units, tonnes);
                    let res = &self.servers[server].res;
                    let queued = match svc {
                        Service::PerCarrier(d) => res.waiting_units() as f64 * d.mean(),
                        _ => res.waiting() as f64 * own,
                    };
                    total += queued / self.servers[server].places.max(1) as f64 + own;
                }
                Step::Dwell(d) => total += w.dwells[d].time.mean(),
                Step::Leg(l) => {
                    let leg = &w.legs[l];
                    total += leg.transit.mean_hours();
                    if let Some(dep) = &leg.departures {
                        total += dep.timetable.map(|t| t.0).or(dep.max_wait).unwrap_or(0.0) / 2.0;
                    }
                }
                Step::Acquire(p) => {
                    let pool = &w.pools[p];
                    units = tonnes.carriers(pool.payload);
                    let res = &self.pools[p].res;
                    if res.waiting() > 0 || res.free() < units {
                        total += pool.empty_return.mean();
                    }
                }
                Step::Release(_)
                | Step::EnterStore(_)
                | Step::LeaveStore(_)
                | Step::Handover
                | Step::CostsPass
                | Step::Deliver => {}
            }
        }
        total
    }
}
