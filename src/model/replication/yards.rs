//! Yards: a lot holds space while at a node; a full yard blocks the lot at its gate (and
//! the server upstream that the lot still holds).

use crate::engine::{Admitted, Scheduler, Time};
use crate::model::ids::{LotId, StoreId};
use crate::model::units::days;

use super::Replication;
use super::state::Ev;

impl Replication<'_> {
    pub(super) fn entered_store(&mut self, lot: LotId, x: StoreId, now: Time, sched: &mut Scheduler<Ev>) {
        let l = &mut self.lots[lot];
        l.store = Some((x, now));
        l.wait = now.since(l.step_since).value();
        self.finish_step(lot, None, now);
        self.release_hold(lot, now, sched);
        self.lots[lot].next_step(now);
    }

    pub(super) fn leave_store(&mut self, lot: LotId, x: StoreId, now: Time, sched: &mut Scheduler<Ev>) {
        let l = &mut self.lots[lot];
        let Some((held, since)) = l.store.take() else { return };
        debug_assert_eq!(held, x, "a lot leaves the yard it entered");
        let kg = l.tonnes.kg();
        l.step_since = since;
        let inside = now.since(since).value();
        self.books.charge(self.w.stores[x].storage_per_t_day * l.tonnes.t() * days(inside), l.buyer_pays);
        if self.records {
            self.tally[self.w.stages.store(x)].service(inside);
        }
        self.finish_step(lot, None, now);
        self.take_from_store(x, kg, now, sched);
    }

    pub(super) fn take_from_store(&mut self, x: StoreId, kg: u64, now: Time, sched: &mut Scheduler<Ev>) {
        let mut admitted = std::mem::take(&mut self.admitted);
        self.stores[x].store.take(now, kg, &mut admitted);
        self.admit(x, &mut admitted, now, sched);
        self.admitted = admitted;
    }

    /// Sets yard `x`'s room from its condition and lets in whoever now fits.
    pub(super) fn apply_store(&mut self, x: StoreId, now: Time, sched: &mut Scheduler<Ev>) {
        let cap = self.stores[x].capacity_now(&self.w.stores[x]);
        let mut admitted = std::mem::take(&mut self.admitted);
        self.stores[x].store.set_capacity(now, cap, &mut admitted);
        self.admit(x, &mut admitted, now, sched);
        self.admitted = admitted;
    }

    /// Lots let into yard `x` after waiting at its gate.
    fn admit(&mut self, x: StoreId, admitted: &mut Vec<Admitted<LotId>>, now: Time, sched: &mut Scheduler<Ev>) {
        for a in admitted.drain(..) {
            self.entered_store(a.job, x, now, sched);
            self.ready.push_back(a.job);
        }
    }
}
