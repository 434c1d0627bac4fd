//! How a lot moves: one route step after another until it waits or takes time, and what
//! happens when it is lost on the way.
//!
//! Every hand-off between lots (a server freed, carriers returned, yard space released)
//! pushes the lots it unblocks onto the replication's ready queue instead of moving them
//! at once, so nothing here recurses and the order of moves is the order of hand-offs.

use crate::engine::random::{keyed, mix64};
use crate::engine::{Duration, Scheduler, Time};
use crate::model::ids::LotId;
use crate::model::units::days;
use crate::model::world::{PlannedLot, Step};

use super::result::TraceRow;
use super::state::{Ev, Holder, Job, LotState, Pending};
use super::{Replication, site};

impl Replication<'_> {
    /// The step `lot` is at.
    pub(super) fn step_of(&self, lot: LotId) -> Step {
        let l = &self.lots[lot];
        self.w.routes[l.route].step(l.step)
    }

    /// Moves `lot` forward until it waits or takes time.
    pub(super) fn advance(&mut self, lot: LotId, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        loop {
            if self.lots[lot].state != LotState::Moving {
                return;
            }
            match self.step_of(lot) {
                Step::Serve { server, .. } => {
                    self.release_hold(lot, now, sched);
                    let prio = self.lots[lot].priority();
                    if self.servers[server].res.request(now, Job::Lot(lot), 1, prio).is_some() {
                        self.start_service(server, Job::Lot(lot), now, sched);
                    }
                    return;
                }
                Step::Dwell(d) => {
                    self.release_hold(lot, now, sched);
                    let l = &self.lots[lot];
                    let mut rng =
                        keyed(self.dwell_key[d], l.key, site::at(site::DWELL, self.w.routes[l.route].draw(l.step), 0));
                    let h = self.w.dwells[d].time.sample(&mut rng);
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
                    let units = self.lots[lot].tonnes.carriers(self.w.pools[pool].payload);
                    let prio = self.lots[lot].priority();
                    if self.pools[pool].res.request(now, Holder::Lot(lot), units, prio).is_none() {
                        return;
                    }
                    self.got_carriers(lot, pool, units, now);
                }
                Step::Release(pool) => {
                    self.release_carriers(lot, pool, now, sched);
                    self.finish_step(lot, None, now);
                    self.lots[lot].next_step(now);
                }
                Step::EnterStore(x) => {
                    let kg = self.lots[lot].tonnes.kg();
                    if !self.stores[x].store.put(now, lot, kg) {
                        return; // blocked: keeps holding the server upstream, if any
                    }
                    self.entered_store(lot, x, now, sched);
                }
                Step::LeaveStore(x) => {
                    self.leave_store(lot, x, now, sched);
                    self.lots[lot].next_step(now);
                }
                Step::Handover => {
                    self.hand_over(lot, now);
                    self.finish_step(lot, None, now);
                    self.lots[lot].next_step(now);
                }
                Step::CostsPass => {
                    // Not traced: a change of payer, not a place the lot passes.
                    self.lots[lot].buyer_pays = true;
                    self.lots[lot].next_step(now);
                }
                Step::Deliver => {
                    self.release_hold(lot, now, sched);
                    self.finish_step(lot, None, now);
                    self.deliver(lot, now);
                    return;
                }
            }
        }
    }

    /// Credits the lot's tonnes at the handover point (once, even if it is lost and made
    /// again afterwards).
    fn hand_over(&mut self, lot: LotId, now: Time) {
        let l = &mut self.lots[lot];
        if !l.handover_credited {
            l.handover_credited = true;
            self.books.handed_over += l.tonnes;
            self.books.handover_log.push((now, l.tonnes));
            if self.books.handed_over == self.w.order.tonnes {
                self.books.handover_completion = Some(now);
            }
        }
    }

    /// The lot reached its destination.
    fn deliver(&mut self, lot: LotId, now: Time) {
        let w = self.w;
        let l = &mut self.lots[lot];
        l.state = LotState::Delivered;
        self.books.delivered += l.tonnes;
        let late_days = days((now.value() - w.deadline.value()).max(0.0));
        self.books.penalty += l.tonnes.t() * late_days * w.order.late_penalty_per_t_day;
        let lead = days(now.since(l.created).value());
        self.books.lead_times.push((w.routes[l.route].corridor, lead as f32));
        if self.books.delivered == w.order.tonnes {
            self.books.completion = Some(now);
        }
    }

    /// Records that `lot` leaves its current step after waiting `self.lots[lot].wait` and
    /// being served for `service` hours (`None`: the service is tallied elsewhere).
    pub(super) fn finish_step(&mut self, lot: LotId, service: Option<f64>, now: Time) {
        let l = &self.lots[lot];
        if let Some(stage) = self.w.routes[l.route].stage(l.step) {
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

    /// The lot is lost or damaged: write it off, free what it held, and have its mill
    /// produce it again.
    pub(super) fn lose(&mut self, lot: LotId, now: Time, sched: &mut Scheduler<Ev>) {
        let l = &mut self.lots[lot];
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
        let pending = Pending {
            lot: PlannedLot { product, destination, tonnes },
            replaces: Some(lot),
            handover_credited: credited,
            key: mix64(self.lots[lot].key ^ 0xd1b5_4a32_d192_ed03),
        };
        let line = self.w.mills[mill].line_of(product);
        let state = &mut self.mills[mill].lines[line];
        state.replacements.push_back(pending);
        if state.current.is_none() {
            self.start_next(mill, line, now, sched);
        }
    }
}
