//! What changes a stage's capacity or speed: calendars, breakdowns and disruptions.
//!
//! All three act through a stage's [`Condition`](super::state::Condition): a calendar
//! and a breakdown each switch a flag, a disruption closes (counted, so overlaps nest),
//! multiplies by a factor, or adds a delay. After any change the stage re-applies its
//! condition: servers change capacity, mills re-time their lot, legs release waiting lots,
//! yards change capacity.

use crate::engine::dist::unit;
use crate::engine::{Duration, Scheduler, Time};

use crate::model::ids::{CalendarId, OccurrenceId};
use crate::model::world::{DisruptionSpec, Effect, Occurrence, Scales, Target, UncertainSpec};

use super::Replication;
use super::result::Happening;
use super::state::{Actor, Ev, Occ};

impl Replication<'_> {
    /// Schedules the first change of every calendar, breakdown, timetable, supply and
    /// disruption.
    pub(super) fn start_effects(&mut self, sched: &mut Scheduler<Ev>) {
        let w = self.w;
        let now = sched.now();
        self.draw_inputs(now, sched);
        for (s, spec) in w.servers.iter_ids() {
            if let Some(c) = spec.calendar {
                self.servers[s].cond.calendar_open = self.follow_calendar(c, Actor::Server(s), now, sched);
                self.apply_server(s, now, sched);
            }
            if let Some(f) = &spec.failures {
                let h = f.between.sample(&mut self.servers[s].fail_rng);
                sched.schedule_in(Duration::saturating(h), Ev::Breakdown(Actor::Server(s), true));
            }
            for (i, &(at, _)) in spec.changes.iter().enumerate() {
                sched.schedule_at(Time::new(at).unwrap_or(Time::ZERO), Ev::ServerChange(s, i));
            }
        }
        for (l, spec) in w.legs.iter_ids() {
            if let Some(c) = spec.calendar {
                self.legs[l].cond.calendar_open = self.follow_calendar(c, Actor::Leg(l), now, sched);
            }
            if let Some((_, first)) = spec.departures.as_ref().and_then(|d| d.timetable) {
                sched.schedule_at(Time::new(first).unwrap_or(Time::ZERO), Ev::Timetable(l));
            }
        }
        for (m, spec) in w.mills.iter_ids() {
            if let Some(f) = &spec.failures {
                let h = f.between.sample(&mut self.mills[m].fail_rng);
                sched.schedule_in(Duration::saturating(h), Ev::Breakdown(Actor::Mill(m), true));
            }
        }
        self.start_supplies(now, sched);
        self.draw_disruptions(sched);
    }

    /// Draws each uncertain figure once, from its own stream of the input seed, and scales
    /// its targets for the whole replication. A factor of exactly 1 (a figure taken as
    /// certain) changes nothing at all.
    fn draw_inputs(&mut self, now: Time, sched: &mut Scheduler<Ev>) {
        for u in &self.w.uncertain {
            // Floored as a disruption's factor is, so a factor stays a slowdown.
            let f = uncertain_draw(u, self.input_seed).max(0.01);
            self.inputs.push(f);
            if f == 1.0 {
                continue;
            }
            for &target in &u.targets {
                match target {
                    Target::Mill(m) if u.scales == Scales::Allocation => self.mills[m].allocation *= f,
                    Target::Server(s) => self.servers[s].cond.scale(f),
                    Target::Leg(l) => self.legs[l].cond.scale(f),
                    Target::Mill(m) => self.mills[m].cond.scale(f),
                    Target::Pool(p) => self.pools[p].cond.scale(f),
                    Target::Store(x) => {
                        self.stores[x].cond.scale(f);
                        self.apply_store(x, now, sched);
                    }
                }
            }
        }
    }

    /// Reads a calendar's state now and schedules its next change for `actor`.
    fn follow_calendar(&self, c: CalendarId, actor: Actor, now: Time, sched: &mut Scheduler<Ev>) -> bool {
        let cal = &self.w.calendars[c];
        if let Some(t) = cal.next_change(now) {
            sched.schedule_at(t, Ev::Calendar(actor));
        }
        cal.is_open(now)
    }

    /// Draws this replication's disruption occurrences and schedules their starts and ends.
    fn draw_disruptions(&mut self, sched: &mut Scheduler<Ev>) {
        for (i, spec) in self.w.disruptions.iter_ids() {
            for Drawn { start, duration, factor } in disruption_draws(spec, self.seed) {
                // A factor of zero is a closure; floor draws so a factor stays a slowdown.
                let factor = factor.map_or(1.0, |f| f.max(0.01));
                // One that began before the order's start counts for what is left of it.
                let (t0, rest) = if start >= 0.0 { (start, duration) } else { (0.0, start + duration) };
                if rest <= 0.0 && start < 0.0 {
                    continue;
                }
                let occ = self.occurrences.push(Occ { spec: i, factor });
                let t0 = Time::new(t0).unwrap_or(Time::ZERO);
                sched.schedule_at(t0, Ev::Disruption(occ, true));
                sched.schedule_at(t0 + Duration::saturating(rest), Ev::Disruption(occ, false));
            }
        }
    }

    pub(super) fn calendar_changed(&mut self, actor: Actor, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        match actor {
            Actor::Server(s) => {
                let c = self.w.servers[s].calendar.expect("server with a calendar event has a calendar");
                self.servers[s].cond.calendar_open = self.follow_calendar(c, actor, now, sched);
            }
            Actor::Leg(l) => {
                let c = self.w.legs[l].calendar.expect("leg with a calendar event has a calendar");
                self.legs[l].cond.calendar_open = self.follow_calendar(c, actor, now, sched);
            }
            Actor::Mill(_) => {}
        }
        self.apply(actor, now, sched);
    }

    pub(super) fn breakdown(&mut self, actor: Actor, down: bool, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let (failures, cond, rng) = match actor {
            Actor::Server(s) => {
                let st = &mut self.servers[s];
                (self.w.servers[s].failures.as_ref(), &mut st.cond, &mut st.fail_rng)
            }
            Actor::Mill(m) => {
                let st = &mut self.mills[m];
                (self.w.mills[m].failures.as_ref(), &mut st.cond, &mut st.fail_rng)
            }
            Actor::Leg(_) => return,
        };
        let Some(f) = failures else { return };
        cond.down = down;
        let what = match actor {
            Actor::Server(s) => Some(Happening::ServerDown(s)),
            Actor::Mill(m) => Some(Happening::MillDown(m)),
            Actor::Leg(_) => None,
        };
        if let (Some(log), Some(what)) = (&mut self.trace, what) {
            if down {
                log.began(what, now.value());
            } else {
                log.ended(now.value(), |w| *w == what);
            }
        }
        let next = if down { f.repair.sample(rng) } else { f.between.sample(rng) };
        sched.schedule_in(Duration::saturating(next), Ev::Breakdown(actor, !down));
        self.apply(actor, now, sched);
    }

    pub(super) fn disruption(&mut self, occ: OccurrenceId, start: bool, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let spec = &self.w.disruptions[self.occurrences[occ].spec];
        let factor = self.occurrences[occ].factor;
        if let Some(log) = &mut self.trace {
            if start {
                let what = Happening::Disruption { spec: self.occurrences[occ].spec, occurrence: occ, factor };
                log.began(what, now.value());
            } else {
                log.ended(now.value(), |w| matches!(w, Happening::Disruption { occurrence, .. } if *occurrence == occ));
            }
        }
        for &target in &spec.targets {
            let cond = match target {
                Target::Server(s) => &mut self.servers[s].cond,
                Target::Leg(l) => &mut self.legs[l].cond,
                Target::Mill(m) => &mut self.mills[m].cond,
                Target::Pool(p) => &mut self.pools[p].cond,
                Target::Store(x) => &mut self.stores[x].cond,
            };
            cond.change(&spec.effect, occ, factor, start);
            match target {
                Target::Server(s) => self.apply(Actor::Server(s), now, sched),
                Target::Leg(l) => self.apply(Actor::Leg(l), now, sched),
                Target::Mill(m) => self.apply(Actor::Mill(m), now, sched),
                Target::Pool(_) => {} // read when carriers are supplied or sent back
                Target::Store(x) => self.apply_store(x, now, sched),
            }
        }
    }

    fn apply(&mut self, actor: Actor, now: Time, sched: &mut Scheduler<Ev>) {
        match actor {
            Actor::Server(s) => self.apply_server(s, now, sched),
            Actor::Leg(l) => {
                if self.legs[l].cond.open() {
                    self.reopen_leg(l, now, sched);
                }
            }
            Actor::Mill(m) => {
                self.retime_mill(m, now, sched);
                self.wake_idle_lines(now, sched);
            }
        }
    }
}

/// An uncertain figure's factor as drawn for the replication whose inputs are seeded
/// `input_seed` (before the floor the replication applies): the same number whenever asked,
/// so that what a replication drew can be known without running it (control variates).
pub(crate) fn uncertain_draw(u: &UncertainSpec, input_seed: u64) -> f64 {
    let mut rng = crate::engine::random::stream(input_seed, &format!("uncertain:{}", u.name));
    u.factor.sample(&mut rng)
}

/// One occurrence of a disruption as drawn: its start (hours, may precede the order's
/// start), its duration (hours) and, for a factor effect, the factor before the floor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Drawn {
    pub(crate) start: f64,
    pub(crate) duration: f64,
    pub(crate) factor: Option<f64>,
}

/// The occurrences of disruption `spec` in the replication seeded `seed`, all drawn up
/// front from the disruption's own stream, in the order the replication draws them.
pub(crate) fn disruption_draws(spec: &DisruptionSpec, seed: u64) -> Vec<Drawn> {
    let mut rng = crate::engine::random::stream(seed, &format!("disruption:{}", spec.name));
    let (a, b) = spec.window;
    let mut starts = Vec::new();
    match spec.occurrence {
        Occurrence::Once(p) => {
            if unit(&mut rng) < p {
                starts.push(a + unit(&mut rng) * (b - a));
            }
        }
        Occurrence::Rate(per_hour) => {
            let mut t = a;
            loop {
                t += -(1.0 - unit(&mut rng)).ln() / per_hour;
                if t >= b {
                    break;
                }
                starts.push(t);
            }
        }
    }
    starts
        .into_iter()
        .map(|start| {
            let duration = spec.duration.sample(&mut rng);
            let factor = match &spec.effect {
                Effect::Factor(d) => Some(d.sample(&mut rng)),
                _ => None,
            };
            Drawn { start, duration, factor }
        })
        .collect()
}
