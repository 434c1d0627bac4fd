//! Legs: lots wait for their departure (alone, or in a group that leaves full, on a
//! timetable, or after a maximum wait), for a vehicle of the leg's fleet if it has one,
//! then travel; a lot may be lost on the way.

use crate::engine::dist::unit;
use crate::engine::random::keyed;
use crate::engine::{Added, Duration, Scheduler, Time};
use crate::model::contract::LossCause;
use crate::model::ids::{LegId, LotId};
use crate::model::world::{GroupUnit, Step, Transit};

use super::servers::delay_effects;
use super::state::{Ev, Holder, LotState};
use super::{Replication, site};

impl Replication<'_> {
    /// `lot` joins leg `leg` at `now`, having waited for it since `joined` (earlier than
    /// `now` only for a lot a run resumes with).
    pub(super) fn join_leg(&mut self, leg: LegId, lot: LotId, joined: Time, now: Time, sched: &mut Scheduler<Ev>) {
        let l = &self.lots[lot];
        let units = match self.w.legs[leg].departures.as_ref().map(|d| d.unit) {
            Some(GroupUnit::Tonnes) => l.tonnes.t().ceil() as u32,
            _ => l.carrier_units(),
        };
        let st = &mut self.legs[leg];
        let open = st.cond.open();
        match &mut st.batcher {
            None if open => self.depart(leg, &[lot], now, sched),
            None => st.waiting.push_back((lot, joined)),
            Some(b) => match b.add(joined, lot, units) {
                Added::Opened => self.arm_max_wait(leg, sched),
                Added::Waiting => {}
                Added::Full | Added::Overflow if open => self.dispatch(leg, false, now, sched),
                Added::Full | Added::Overflow => {}
            },
        }
    }

    /// Sends the forming group, then any further full groups (or, with `all`, everything).
    fn dispatch(&mut self, leg: LegId, all: bool, now: Time, sched: &mut Scheduler<Ev>) {
        let mut boarded = std::mem::take(&mut self.boarded);
        let mut lots = Vec::new();
        while let Some(b) = self.legs[leg].batcher.as_mut() {
            if b.is_empty() {
                break;
            }
            boarded.clear();
            b.dispatch(now, &mut boarded);
            lots.clear();
            lots.extend(boarded.iter().map(|x| x.job));
            self.depart(leg, &lots, now, sched);
            let full = self.legs[leg].batcher.as_ref().is_some_and(|b| b.is_full());
            if !(all || full) {
                break;
            }
        }
        self.boarded = boarded;
        if let Some(k) = self.legs[leg].max_wait_key.take() {
            sched.cancel(k);
        }
        self.arm_max_wait(leg, sched);
    }

    fn arm_max_wait(&mut self, leg: LegId, sched: &mut Scheduler<Ev>) {
        let Some(max_wait) = self.w.legs[leg].departures.as_ref().and_then(|d| d.max_wait) else {
            return;
        };
        let st = &mut self.legs[leg];
        let Some(oldest) = st.batcher.as_ref().and_then(|b| b.oldest()) else { return };
        if let Some(k) = st.max_wait_key.take() {
            sched.cancel(k);
        }
        st.max_wait_key = Some(sched.schedule_cancellable(oldest + Duration::saturating(max_wait), Ev::MaxWait(leg)));
    }

    pub(super) fn max_wait(&mut self, leg: LegId, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        self.legs[leg].max_wait_key = None;
        if self.legs[leg].cond.open() {
            self.dispatch(leg, false, now, sched);
        }
    }

    pub(super) fn timetable(&mut self, leg: LegId, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        if self.legs[leg].cond.open() {
            self.dispatch(leg, false, now, sched);
        }
        if let Some((period, _)) = self.w.legs[leg].departures.as_ref().and_then(|d| d.timetable) {
            sched.schedule_in(Duration::saturating(period), Ev::Timetable(leg));
        }
    }

    /// A closed leg opened again: everything waiting leaves.
    pub(super) fn reopen_leg(&mut self, leg: LegId, now: Time, sched: &mut Scheduler<Ev>) {
        if self.legs[leg].batcher.is_some() {
            self.dispatch(leg, true, now, sched);
        } else {
            while let Some((lot, _)) = self.legs[leg].waiting.pop_front() {
                self.depart(leg, &[lot], now, sched);
            }
        }
    }

    /// Sends a group of lots down a leg, once a vehicle of the leg's fleet (if it has one)
    /// is free; otherwise the group waits for one.
    fn depart(&mut self, leg: LegId, lots: &[LotId], now: Time, sched: &mut Scheduler<Ev>) {
        if let Some(fleet) = self.w.legs[leg].departures.as_ref().and_then(|d| d.fleet)
            && self.pools[fleet].res.request(now, Holder::Fleet(leg), 1, 0).is_none()
        {
            self.legs[leg].fleet_waiting.push_back(lots.to_vec());
            return;
        }
        self.launch(leg, lots, now, sched);
    }

    /// The group leaves: one transit time for all of its lots.
    pub(super) fn launch(&mut self, leg: LegId, lots: &[LotId], now: Time, sched: &mut Scheduler<Ev>) {
        let w = self.w;
        let spec = &w.legs[leg];
        let st = &self.legs[leg];
        // One draw for the whole group, keyed by its first lot.
        let first = &self.lots[lots[0]];
        let (group, step) = (first.key, w.routes[first.route].draw(first.step));
        let mut rng = keyed(st.key, group, site::at(site::TRANSIT, step, 0));
        let h = self.transit_hours(leg, &mut rng);
        for &lot in lots {
            let l = &mut self.lots[lot];
            l.wait = now.since(l.step_since).value();
            l.service = h;
            l.busy = true;
            self.books.charge(spec.cost_per_t * l.tonnes.t(), l.buyer_pays);
        }
        // One event for the group: a train of forty wagons was forty events.
        let arrival = match lots {
            [lot] => Ev::Arrived(*lot),
            _ => Ev::GroupArrived(self.groups.add(lots)),
        };
        sched.schedule_in(Duration::saturating(h), arrival);
        if let Some(fleet) = spec.departures.as_ref().and_then(|d| d.fleet) {
            // The vehicle delivers the group, then comes back empty.
            let pool = &w.pools[fleet];
            let st = &self.pools[fleet];
            let mut rng = keyed(st.key, group, site::at(site::RETURN, step, 0));
            let back =
                h + pool.empty_return.sample(&mut rng) + delay_effects(w, &self.occurrences, &st.cond.delays, &mut rng);
            sched.schedule_in(Duration::saturating(back), Ev::Returned(fleet, 1));
        }
    }

    /// A transit time of leg `leg` as things stand (factors and delays in force included),
    /// drawn from `rng`.
    pub(super) fn transit_hours(&self, leg: LegId, rng: &mut crate::engine::Stream) -> f64 {
        let (spec, st) = (&self.w.legs[leg], &self.legs[leg]);
        let h = match &spec.transit {
            Transit::Time(d) => d.sample(rng),
            Transit::Speed { km, kmh } => km / kmh.sample(rng).max(kmh.mean() * 0.01),
        };
        h / st.cond.factor + delay_effects(self.w, &self.occurrences, &st.cond.delays, rng)
    }

    pub(super) fn arrived(&mut self, lot: LotId, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let Step::Leg(leg) = self.step_of(lot) else {
            unreachable!("a lot arrives only from a leg step");
        };
        let l = &self.lots[lot];
        let service = l.service;
        let mut rng =
            keyed(self.legs[leg].key, l.key, site::at(site::INCIDENT, self.w.routes[l.route].draw(l.step), 0));
        self.finish_step(lot, Some(service), now);
        let spec = &self.w.legs[leg];
        let p = spec.incident_p;
        if p > 0.0 && unit(&mut rng) < p {
            self.lose(lot, LossCause::Accident, now, sched);
            return;
        }
        // Partial losses draw from their own sites: adding them moves no other draw.
        let l = &self.lots[lot];
        let (key, draw) = (l.key, self.w.routes[l.route].draw(l.step));
        for (loss, kind, cause) in
            [(&spec.damage, site::DAMAGE, LossCause::Damage), (&spec.pilferage, site::PILFERAGE, LossCause::Pilferage)]
        {
            let Some(loss) = loss else { continue };
            let mut rng = keyed(self.legs[leg].key, key, site::at(kind, draw, 0));
            if unit(&mut rng) < loss.p {
                let fraction = loss.fraction.sample(&mut rng);
                self.lose_part(lot, fraction, cause, now, sched);
                if self.lots[lot].state != LotState::Moving {
                    return; // nothing left of it
                }
            }
        }
        self.lots[lot].next_step(now);
        self.ready.push_back(lot);
    }
}

/// A group of lots travelling together, in [`Groups`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GroupId(u32);

/// The groups of lots in transit together, each arriving as one event; slots are reused.
#[derive(Debug, Default)]
pub(crate) struct Groups {
    lots: Vec<Vec<LotId>>,
    free: Vec<GroupId>,
}

impl Groups {
    /// Holds `lots` until [`Groups::take`].
    pub(crate) fn add(&mut self, lots: &[LotId]) -> GroupId {
        let id = self.free.pop().unwrap_or_else(|| {
            self.lots.push(Vec::new());
            GroupId(u32::try_from(self.lots.len() - 1).expect("fewer than 2^32 groups in transit"))
        });
        self.lots[id.0 as usize].extend_from_slice(lots);
        id
    }

    /// The lots of group `id`, in the order they were added; give the vector back with
    /// [`Groups::free`].
    pub(crate) fn take(&mut self, id: GroupId) -> Vec<LotId> {
        std::mem::take(&mut self.lots[id.0 as usize])
    }

    /// Frees slot `id`, keeping the vector's room for the next group.
    pub(crate) fn free(&mut self, id: GroupId, mut lots: Vec<LotId>) {
        lots.clear();
        self.lots[id.0 as usize] = lots;
        self.free.push(id);
    }
}
