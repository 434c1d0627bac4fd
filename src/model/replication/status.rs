//! Starting from a status, and writing one down.
//!
//! A run from a status replays the world's own processes (calendars, disruptions,
//! breakdowns, supplies) from the order's start, and at the status's moment puts every lot
//! where the status says: what it holds follows from its place on its route (the carriers
//! taken and not yet given back, the yard it is in), a lot found in service, dwelling or
//! travelling finishes after a time drawn given how long it has been at it, and the waiting
//! lots queue in the order they arrived.

use crate::engine::random::{Stream, component_key, keyed};
use crate::engine::{Duration, Scheduler, Time};
use crate::model::ids::{Id, LotId};
use crate::model::mills::PlannedLot;
use crate::model::status::{CarriersAway, Place, Status, StatusLot};
use crate::model::world::Step;

use super::state::{Ev, Job, Lot, LotState, Pending};
use super::{Replication, site};

/// At most this many draws look for a time longer than the time already spent.
const RESIDUAL_TRIES: usize = 64;

/// When something that started at `since` and has run until `now` ends: a time drawn by
/// `draw` given that it is at least the time spent so far. One that has run longer than
/// nearly every draw (none of [`RESIDUAL_TRIES`] is as long) is overdue, and takes a whole
/// fresh draw from now: nothing in the distribution says more about it.
fn ends_at(since: Time, now: Time, mut draw: impl FnMut() -> f64) -> Time {
    let spent = now.since(since).value();
    let mut h = 0.0;
    for _ in 0..RESIDUAL_TRIES {
        h = draw();
        if h >= spent {
            return since + Duration::saturating(h);
        }
    }
    now + Duration::saturating(h)
}

/// The stable identity of a lot named `id` by a status.
fn status_key(id: &str) -> u64 {
    component_key(0, &format!("status lot {id}"))
}

impl Replication<'_> {
    /// The status's moment has come: every lot goes where it says.
    pub(super) fn resume(&mut self, sched: &mut Scheduler<Ev>) {
        let w = self.w;
        let Some(status) = &w.status else { return };
        let now = sched.now();
        self.resumed = true;
        for sl in &status.lots {
            if let Place::Delivered { at } = sl.place {
                self.resume_delivered(sl, at);
            }
        }
        // Lots found busy take their places first; waiting ones queue in arrival order.
        let mut on_route: Vec<(&StatusLot, bool, Time)> = status
            .lots
            .iter()
            .filter_map(|sl| match sl.place {
                Place::OnRoute { busy, since, .. } => Some((sl, busy, since)),
                _ => None,
            })
            .collect();
        on_route.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        for (sl, _, _) in on_route {
            self.resume_on_route(sl, now, sched);
        }
        self.books.handover_log.sort_by_key(|a| a.0);
        for away in &status.carriers_away {
            self.pools[away.pool].res.occupy(now, away.units);
            sched.schedule_at(away.back, Ev::Returned(away.pool, away.units));
        }
        self.start_background(Some(&status.background), sched);
        self.start_production(sched);
        for (m, line, made) in status.in_production(w) {
            if let Some(work) = &mut self.mills[m].lines[line].current {
                work.left = (work.left - made).max(0.0);
            }
            self.retime_line(m, line, now, sched);
        }
    }

    /// Tonnes a status puts on routes or delivered that have not been put there yet (before
    /// the status's moment).
    pub(super) fn status_tonnes_to_place(&self) -> crate::model::units::Tonnes {
        match &self.w.status {
            Some(s) if !self.resumed => {
                s.lots.iter().filter(|l| !matches!(l.place, Place::ToProduce { .. })).map(|l| l.lot.tonnes).sum()
            }
            _ => crate::model::units::Tonnes::ZERO,
        }
    }

    /// A lot the status says was delivered.
    fn resume_delivered(&mut self, sl: &StatusLot, at: Time) {
        let w = self.w;
        // A delivered lot's route is not kept: any of its mill's to its destination will do.
        let route = w.mills[sl.mill].routes[sl.lot.destination][0].0;
        let pending = Pending { lot: sl.lot, replaces: None, handover_credited: true, key: status_key(&sl.id) };
        let mut lot = Lot::new(sl.mill, route, &pending, at);
        lot.state = LotState::Delivered;
        lot.step = (w.routes[route].steps.len() - 1) as u16;
        self.lots.push(lot);
        let t = sl.lot.tonnes;
        self.books.produced += t;
        self.books.delivered += t;
        self.books.handed_over += t;
        self.books.handover_log.push((at, t));
        let latest = |c: Option<Time>| Some(c.map_or(at, |c| c.max(at)));
        if self.books.delivered == w.order.tonnes {
            self.books.completion = latest(self.books.completion);
        }
        if self.books.handed_over == w.order.tonnes {
            self.books.handover_completion = latest(self.books.handover_completion);
        }
    }

    /// A lot the status finds on its route: it takes what it holds, and its place.
    fn resume_on_route(&mut self, sl: &StatusLot, now: Time, sched: &mut Scheduler<Ev>) {
        let w = self.w;
        let Place::OnRoute { route, step, busy, since } = sl.place else { return };
        let pending = Pending { lot: sl.lot, replaces: None, handover_credited: false, key: status_key(&sl.id) };
        let id = self.lots.push(Lot::new(sl.mill, route, &pending, since));
        self.books.produced += sl.lot.tonnes;
        let behind = &w.routes[route].steps[..usize::from(step)];
        if behind.contains(&Step::Handover) {
            // Handed over by the time it reached the place it is at.
            self.lots[id].buyer_risk = true;
            self.hand_over(id, since);
        }
        self.lots[id].buyer_pays = behind.contains(&Step::CostsPass);
        let (pools, store) = w.routes[route].held_at(step);
        for p in pools {
            let units = sl.lot.tonnes.carriers(w.pools[p].payload);
            self.pools[p].res.occupy(now, units);
            self.lots[id].take_carriers(p, units);
        }
        if let Some(x) = store {
            self.stores[x].store.occupy(now, sl.lot.tonnes.kg());
            self.lots[id].store = Some((x, now));
        }
        let l = &mut self.lots[id];
        (l.step, l.step_since, l.busy) = (step, since, busy);
        match w.routes[route].step(step) {
            Step::Serve { server, .. } if busy => {
                self.servers[server].res.occupy(now, 1);
                let mut rng = self.service_stream(server, Job::Lot(id));
                let end = ends_at(since, now, || self.service_hours(server, Job::Lot(id), &mut rng));
                self.lots[id].service = end.since(since).value();
                sched.schedule_at(end, Ev::ServiceDone(server, Job::Lot(id)));
            }
            Step::Dwell(d) => {
                let l = &self.lots[id];
                let mut rng = keyed(self.dwell_key[d], l.key, site::at(site::DWELL, w.routes[route].draw(step), 0));
                let end = ends_at(since, now, || w.dwells[d].time.sample(&mut rng));
                self.lots[id].busy = true;
                sched.schedule_at(end, Ev::DwellDone(id));
            }
            Step::Leg(leg) if busy => {
                let l = &self.lots[id];
                let mut rng: Stream =
                    keyed(self.legs[leg].key, l.key, site::at(site::TRANSIT, w.routes[route].draw(step), 0));
                let end = ends_at(since, now, || self.transit_hours(leg, &mut rng));
                self.lots[id].service = end.since(since).value();
                sched.schedule_at(end, Ev::Arrived(id));
            }
            Step::Leg(leg) => self.join_leg(leg, id, since, now, sched),
            _ => self.ready.push_back(id),
        }
    }

    /// Writes down where every tonne of the order is now.
    pub(super) fn capture(&self, sched: &Scheduler<Ev>) -> Status {
        let (w, now) = (self.w, sched.now());
        let mut lots = Vec::new();
        for (id, l) in self.lots.iter_ids() {
            let place = match l.state {
                // What replaces it is still to be made, or is a lot of its own.
                LotState::Lost => continue,
                LotState::Delivered => Place::Delivered { at: l.step_since },
                LotState::Moving => {
                    let since = if l.busy { l.step_since + Duration::saturating(l.wait) } else { l.step_since };
                    Place::OnRoute { route: l.route, step: l.step, busy: l.busy, since }
                }
            };
            let lot = PlannedLot { product: l.product, destination: l.destination, tonnes: l.tonnes };
            lots.push(StatusLot { id: lot_name(id), mill: l.mill, lot, place });
        }
        for (m, spec) in w.mills.iter_ids() {
            for (line, line_spec) in spec.lines.iter_ids() {
                let st = &self.mills[m].lines[line];
                let mut k = 0;
                let mut push = |lot: PlannedLot, made: f64| {
                    let id = format!("{}:{}:{k}", spec.name, line.index());
                    lots.push(StatusLot { id, mill: m, lot, place: Place::ToProduce { made } });
                    k += 1;
                };
                if let Some(work) = &st.current {
                    push(work.pending.lot, (work.pending.lot.tonnes.t() - work.left_at(now)).max(0.0));
                }
                st.replacements.iter().for_each(|p| push(p.lot, 0.0));
                st.to_start(&line_spec.plan).for_each(|(_, p)| push(*p, 0.0));
                st.taken.iter().for_each(|p| push(p.lot, 0.0));
            }
        }
        let mut carriers_away: Vec<CarriersAway> = sched
            .pending_events()
            .filter_map(|(back, ev)| match *ev {
                Ev::Returned(pool, units) => Some(CarriersAway { pool, units, back }),
                _ => None,
            })
            .collect();
        carriers_away.sort_by(|a, b| a.back.cmp(&b.back).then(a.pool.cmp(&b.pool)));
        let background = self
            .bg
            .iter_ids()
            .filter_map(|(f, b)| {
                let n = u32::try_from(b.arrivals - b.served).unwrap_or(u32::MAX);
                (n > 0).then_some((f, n))
            })
            .collect();
        Status { at: now, lots, carriers_away, background }
    }
}

/// The name a written status gives a lot in motion or delivered.
fn lot_name(id: LotId) -> String {
    format!("lot{}", id.index())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: f64) -> Time {
        Time::new(h).unwrap()
    }

    #[test]
    fn a_time_under_way_ends_no_sooner_than_now() {
        // Draws 1, 2, 3, ...: started at 10, now 12.5 (2.5 spent): the first draw of at
        // least 2.5 is 3, so it ends at 13.
        let mut k = 0.0;
        let end = ends_at(t(10.0), t(12.5), || {
            k += 1.0;
            k
        });
        assert_eq!(end, t(13.0));
        // Exactly at its end: it ends now.
        assert_eq!(ends_at(t(10.0), t(14.0), || 4.0), t(14.0));
        // Overdue (no draw is that long): a whole fresh draw from now.
        assert_eq!(ends_at(t(0.0), t(100.0), || 4.0), t(104.0));
    }
}
