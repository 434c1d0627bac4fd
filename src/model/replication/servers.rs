//! Servers: lots and background jobs queue, are served (with inspections, rework and
//! blocking after service), and free their place; and the background traffic that competes
//! with the order for them.

use crate::engine::dist::unit;
use crate::engine::random::{keyed, mix64};
use crate::engine::{Duration, Scheduler, Stream, Time};
use crate::model::ids::{FlowId, LotId, OccurrenceId, ServerId};
use crate::model::world::{Effect, Service, Step, World};

use super::state::{BgJob, Ev, Holder, Job, Occ};
use super::{Replication, site};
use crate::model::ids::IdVec;

/// Extra time from active delay effects, drawn from the stage's own stream.
pub(super) fn delay_effects(
    w: &World,
    occurrences: &IdVec<OccurrenceId, Occ>,
    delays: &[OccurrenceId],
    rng: &mut Stream,
) -> f64 {
    let mut h = 0.0;
    for &o in delays {
        if let Effect::Delay(d) = &w.disruptions[occurrences[o].spec].effect {
            h += d.sample(rng);
        }
    }
    h
}

fn draw_service(svc: &Service, units: u32, tonnes_t: f64, rng: &mut Stream) -> f64 {
    match svc {
        Service::PerLot(d) => d.sample(rng),
        Service::PerCarrier(d) => (0..units).map(|_| d.sample(rng)).sum(),
        // A drawn rate of (nearly) zero would mean an endless service; floor it at 1 % of
        // the mean rate, a slowdown no real handling crew stays below for a whole lot.
        Service::Rate(d) => tonnes_t / d.sample(rng).max(d.mean() * 0.01),
    }
}

impl Replication<'_> {
    /// Starts serving `job`, which was just granted a place at server `s`.
    pub(super) fn start_service(&mut self, s: ServerId, job: Job, now: Time, sched: &mut Scheduler<Ev>) {
        if let Job::Lot(i) = job {
            let l = &mut self.lots[i];
            l.wait = now.since(l.step_since).value();
            l.busy = true;
        }
        let mut rng = self.service_stream(s, job);
        let h = self.service_hours(s, job, &mut rng);
        if let Job::Lot(i) = job {
            self.lots[i].service = h;
        }
        sched.schedule_in(Duration::saturating(h), Ev::ServiceDone(s, job));
    }

    /// The stream a job's service time at server `s` is drawn from.
    pub(super) fn service_stream(&self, s: ServerId, job: Job) -> Stream {
        let (w, st) = (self.w, &self.servers[s]);
        match job {
            Job::Lot(i) => {
                let l = &self.lots[i];
                keyed(st.key, l.key, site::at(site::SERVICE, w.routes[l.route].draw(l.step), l.visit))
            }
            Job::Bg(j) => keyed(st.key, self.bg_jobs[j].key, site::SERVICE),
        }
    }

    /// A service time of `job` at server `s` as things stand (inspection, factors and
    /// delays in force included), drawn from `rng`.
    pub(super) fn service_hours(&self, s: ServerId, job: Job, rng: &mut Stream) -> f64 {
        let w = self.w;
        let spec = &w.servers[s];
        let st = &self.servers[s];
        let (units, tonnes_t, through) = match job {
            Job::Lot(i) => {
                let l = &self.lots[i];
                let through = matches!(w.routes[l.route].step(l.step), Step::Serve { through: true, .. });
                (l.carrier_units(), l.tonnes.t(), through)
            }
            Job::Bg(j) => {
                let f = &w.background[self.bg_jobs[j].flow];
                (f.units_per_job, f.tonnes_per_unit.t() * f.units_per_job as f64, false)
            }
        };
        let mut h = draw_service(w.service_at(s, through), units, tonnes_t, rng);
        if let (Job::Lot(_), Some(insp)) = (job, &spec.inspection)
            && unit(rng) < insp.p
        {
            h += insp.time.sample(rng);
        }
        h /= st.cond.factor;
        h + delay_effects(w, &self.occurrences, &st.cond.delays, rng)
    }

    /// Frees one place at server `s` and starts whoever is next.
    pub(super) fn release_server(&mut self, s: ServerId, now: Time, sched: &mut Scheduler<Ev>) {
        let mut grants = std::mem::take(&mut self.grants);
        self.servers[s].res.release(now, 1, &mut grants);
        for g in grants.drain(..) {
            self.start_service(s, g.job, now, sched);
        }
        self.grants = grants;
    }

    /// Sets server `s`'s capacity from its condition and starts whoever now fits.
    pub(super) fn apply_server(&mut self, s: ServerId, now: Time, sched: &mut Scheduler<Ev>) {
        let cap = self.servers[s].capacity_now();
        let mut grants = std::mem::take(&mut self.grants);
        self.servers[s].res.set_capacity(now, cap, &mut grants);
        for g in grants.drain(..) {
            self.start_service(s, g.job, now, sched);
        }
        self.grants = grants;
    }

    /// Server `s`'s dated change `i`: its places from now.
    pub(super) fn server_change(&mut self, s: ServerId, i: usize, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let st = &mut self.servers[s];
        st.places = self.w.servers[s].changes[i].1;
        if let Some(t) = &mut st.places_over_time {
            t.set(now, f64::from(st.places));
        }
        self.apply_server(s, now, sched);
    }

    /// Frees the server a lot kept busy after its service (blocking), if any.
    pub(super) fn release_hold(&mut self, lot: LotId, now: Time, sched: &mut Scheduler<Ev>) {
        if let Some(s) = self.lots[lot].hold.take() {
            self.release_server(s, now, sched);
        }
    }

    pub(super) fn service_done(&mut self, s: ServerId, job: Job, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        match job {
            Job::Lot(lot) => self.lot_served(s, lot, now, sched),
            Job::Bg(j) => {
                self.release_server(s, now, sched);
                let b = self.bg_jobs[j];
                let flow = &self.w.background[b.flow];
                self.servers[s].served += u64::from(flow.units_per_job);
                self.bg[b.flow].served += 1;
                if let Some((pool, hold)) = &flow.carriers {
                    let h = hold.sample(&mut keyed(self.bg[b.flow].key, b.key, site::HOLD));
                    sched.schedule_in(Duration::saturating(h), Ev::Returned(*pool, flow.units_per_job));
                }
            }
        }
    }

    /// A lot's service ended: its documents may be sent back (it leaves, waits, and queues
    /// again); otherwise it moves on, keeping the server until it gets into its next step.
    fn lot_served(&mut self, s: ServerId, lot: LotId, now: Time, sched: &mut Scheduler<Ev>) {
        let spec = &self.w.servers[s];
        self.servers[s].served += u64::from(self.lots[lot].carrier_units());
        let service = self.lots[lot].service;
        let l = &self.lots[lot];
        self.books.charge(spec.cost_per_lot + spec.cost_per_t * l.tonnes.t(), l.buyer_pays);
        self.finish_step(lot, Some(service), now);
        let l = &self.lots[lot];
        let mut rng =
            keyed(self.servers[s].key, l.key, site::at(site::REWORK, self.w.routes[l.route].draw(l.step), l.visit));
        if let Some(rw) = &spec.rework
            && unit(&mut rng) < rw.p
        {
            let delay = rw.time.sample(&mut rng);
            self.release_server(s, now, sched);
            self.lots[lot].requeue(now);
            sched.schedule_in(Duration::saturating(delay), Ev::ReworkDone(lot));
            return;
        }
        let l = &mut self.lots[lot];
        l.hold = Some(s);
        l.next_step(now);
        self.ready.push_back(lot);
    }

    pub(super) fn dwell_done(&mut self, lot: LotId, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let service = now.since(self.lots[lot].step_since).value();
        self.finish_step(lot, Some(service), now);
        self.lots[lot].next_step(now);
        self.ready.push_back(lot);
    }

    // ----- background traffic ------------------------------------------------------------

    /// Puts the backlog of every background flow in its queue (the scenario's, or the
    /// `backlog` of a status) and schedules each flow's first arrival.
    pub(super) fn start_background(&mut self, backlog: Option<&[(FlowId, u32)]>, sched: &mut Scheduler<Ev>) {
        for (f, spec) in self.w.background.iter_ids() {
            let jobs = match backlog {
                Some(b) => b.iter().filter(|(flow, _)| *flow == f).map(|(_, n)| n).sum(),
                None => spec.initial_jobs,
            };
            for _ in 0..jobs {
                self.background_arrives(f, sched);
            }
            if let Some(every) = &spec.every {
                let gap = every.sample(&mut self.bg[f].rng);
                sched.schedule_in(Duration::saturating(gap), Ev::Background(f));
            }
        }
    }

    /// A job of `flow` arrives, and the flow's next one is scheduled.
    pub(super) fn background_flow(&mut self, flow: FlowId, sched: &mut Scheduler<Ev>) {
        self.background_arrives(flow, sched);
        if let Some(every) = &self.w.background[flow].every {
            let gap = every.sample(&mut self.bg[flow].rng);
            sched.schedule_in(Duration::saturating(gap), Ev::Background(flow));
        }
    }

    fn background_arrives(&mut self, flow: FlowId, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let state = &mut self.bg[flow];
        let key = mix64(state.key ^ state.arrivals);
        state.arrivals += 1;
        let j = self.bg_jobs.push(BgJob { flow, key });
        let spec = &self.w.background[flow];
        if let Some((pool, _)) = spec.carriers
            && self.pools[pool].res.request(now, Holder::Bg(j), spec.units_per_job, 0).is_none()
        {
            return; // waits for carriers
        }
        self.background_to_server(j, now, sched);
    }

    pub(super) fn background_to_server(&mut self, j: crate::model::ids::JobId, now: Time, sched: &mut Scheduler<Ev>) {
        let s = self.w.background[self.bg_jobs[j].flow].server;
        if self.servers[s].res.request(now, Job::Bg(j), 1, 0).is_some() {
            self.start_service(s, Job::Bg(j), now, sched);
        }
    }
}
