//! How a lot moves: one route step after another until it waits or takes time, and what
//! happens when it is lost on the way.
//!
//! Every hand-off between lots (a server freed, carriers returned, yard space released)
//! pushes the lots it unblocks onto the replication's ready queue instead of moving them
//! at once, so nothing here recurses and the order of moves is the order of hand-offs.

use crate::engine::random::{keyed, mix64};
use crate::engine::{Duration, Scheduler, Time};
use crate::model::contract::{Incoterm, LossCause};
use crate::model::ids::LotId;
use crate::model::units::{Tonnes, days};
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
                    self.lots[lot].busy = true;
                    sched.schedule_in(Duration::saturating(h), Ev::DwellDone(lot));
                    return;
                }
                Step::Leg(leg) => {
                    self.release_hold(lot, now, sched);
                    self.join_leg(leg, lot, now, now, sched);
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
                    self.lots[lot].buyer_risk = true;
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
    pub(super) fn hand_over(&mut self, lot: LotId, now: Time) {
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
        if let Some(stage) = self.w.routes[l.route].stage(l.step).filter(|_| self.records) {
            let t = &mut self.tally[stage];
            t.wait(l.wait);
            if let Some(service) = service {
                t.service(service);
            }
        }
        if let Some(log) = &mut self.trace {
            let entered = l.step_since.value();
            log.rows.push(TraceRow { lot, step: l.step, entered, started: entered + l.wait, left: now.value() });
        }
    }

    /// The lot is lost whole (by `cause`): write it off, free what it held, and have its
    /// mill produce it again.
    pub(super) fn lose(&mut self, lot: LotId, cause: LossCause, now: Time, sched: &mut Scheduler<Ev>) {
        self.account_loss(lot, self.lots[lot].tonnes, cause);
        let l = &mut self.lots[lot];
        l.state = LotState::Lost;
        let tonnes = l.tonnes;
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
        self.make_again(lot, now, sched);
    }

    /// A `fraction` of the lot is lost (damaged or stolen): the rest carries on, and the
    /// lost part is split off as a lot of its own, written off and made again.
    pub(super) fn lose_part(
        &mut self,
        lot: LotId,
        fraction: f64,
        cause: LossCause,
        now: Time,
        sched: &mut Scheduler<Ev>,
    ) {
        let whole = self.lots[lot].tonnes;
        // Whole kilograms, so that the books stay exact; rounded down, so that a part is
        // always less than the lot and a chain of parts made again and lost again ends.
        let part = Tonnes::from_kg((whole.kg() as f64 * fraction).floor() as u64);
        if part == Tonnes::ZERO {
            return;
        }
        if part >= whole {
            self.lose(lot, cause, now, sched);
            return;
        }
        self.account_loss(lot, part, cause);
        let l = &mut self.lots[lot];
        l.tonnes = whole - part;
        let mut split = l.clone();
        split.tonnes = part;
        split.state = LotState::Lost;
        (split.carriers, split.extra, split.store, split.hold) = (None, None, None, None);
        // Its own identity, so that what is made again draws its own numbers.
        split.key = mix64(l.key ^ 0x5bd1_e995_7f4a_7c15 ^ (u64::from(l.step) << 8) ^ cause as u64);
        if let Some((x, _)) = l.store {
            self.take_from_store(x, part.kg(), now, sched);
        }
        self.books.lost += part;
        let split = self.lots.push(split);
        self.make_again(split, now, sched);
    }

    /// Has the mill of lost lot `lot` make its tonnes again.
    fn make_again(&mut self, lot: LotId, now: Time, sched: &mut Scheduler<Ev>) {
        let l = &self.lots[lot];
        let (mill, product) = (l.mill, l.product);
        let pending = Pending {
            lot: PlannedLot { product, destination: l.destination, tonnes: l.tonnes },
            replaces: Some(lot),
            handover_credited: l.handover_credited,
            key: mix64(l.key ^ 0xd1b5_4a32_d192_ed03),
        };
        let line = self.w.mills[mill].line_of(product);
        let state = &mut self.mills[mill].lines[line];
        state.replacements.push_back(pending);
        if state.current.is_none() {
            self.start_next(mill, line, now, sched);
        }
    }

    /// Values a loss of `tonnes` of `lot` and books it: a claim if the lot is insured now
    /// and the cover pays for `cause`, the rest borne by the seller before delivery and by
    /// the buyer after.
    fn account_loss(&mut self, lot: LotId, tonnes: Tonnes, cause: LossCause) {
        let Some(contract) = &self.w.contract else { return };
        let l = &self.lots[lot];
        let Some(price) = contract.price_of(l.product) else { return };
        let value = price * tonnes.t();
        // Insured up to delivery; under CIP up to the place carriage is paid to.
        let insured = if contract.incoterm == Incoterm::Cip { !l.buyer_pays } else { !l.buyer_risk };
        let claim = match &contract.insurance {
            Some(ins) if insured && ins.cover.covers(cause) => ins.claim(value),
            _ => 0.0,
        };
        let books = &mut self.books.loss_costs;
        books.claims += claim;
        let borne = (value - claim).max(0.0);
        if l.buyer_risk {
            books.buyer += borne;
        } else {
            books.seller += borne;
        }
    }
}
