//! "Can this network ever finish?" Checks on the compiled world that catch scenarios where
//! some lot could never move: carriers that do not exist, lots too big for a train or a
//! yard, stages closed for the whole horizon. Each is reported where the fix belongs.

use crate::engine::Calendar;
use crate::model::estimate::Driver;
use crate::model::units::DAY;
use crate::model::world::{CalendarId, Effect, GroupUnit, Id, IdVec, Occurrence, Step, Target, World};
use toml::Spanned;

use super::{CalendarParts, Compiler};
use crate::scenario::schema::in_file_order;

impl Compiler<'_> {
    /// Intervals in which `target` is certainly closed: disruptions that happen for sure
    /// (probability 1, a fixed start and a fixed duration) and close it.
    fn certain_closures(&self, world: &World, target: Target) -> Vec<(f64, f64, usize)> {
        let mut out = Vec::new();
        for (i, d) in world.disruptions.iter().enumerate() {
            let certain = matches!(d.occurrence, Occurrence::Once(p) if p >= 1.0) && d.window.0 == d.window.1;
            if certain && matches!(d.effect, Effect::Closed) && d.duration.is_fixed() && d.targets.contains(&target) {
                out.push((d.window.0, d.window.0 + d.duration.mean(), i));
            }
        }
        out
    }

    /// `Some(cause)` if `target` (with this calendar) is never open before the horizon;
    /// the cause is the disruption row responsible, if any.
    fn never_open(&self, world: &World, target: Target, calendar: Option<CalendarId>) -> Option<Option<usize>> {
        let closures = self.certain_closures(world, target);
        let parts = calendar.map(|c| self.calendar_parts[c].clone());
        let (weekly, mut closed) = match &parts {
            Some(CalendarParts { weekly, closed, .. }) => (weekly.clone(), closed.clone()),
            None => (None, Vec::new()),
        };
        closed.extend(closures.iter().map(|c| (c.0, c.1)));
        let cal = Calendar::new(weekly.as_deref(), self.week_hour_at_zero, &closed, self.horizon_h);
        (cal.open_hours(0.0, self.horizon_h) <= 0.0).then(|| closures.first().map(|c| c.2))
    }

    fn report_never_open(
        &mut self,
        what: &str,
        cause: Option<usize>,
        calendar: Option<CalendarId>,
        fallback: std::ops::Range<usize>,
    ) {
        let until =
            self.start.checked_add(jiff::Span::new().hours((self.horizon_h - DAY) as i64)).unwrap_or(self.start);
        let msg = format!(
            "`{what}` is closed for the whole horizon ({} to {until}): no lot can pass it, so the order can never be completed",
            self.start
        );
        let (span, path) = match (cause, calendar) {
            (Some(i), _) => (self.f.disruptions[i].span(), format!("disruptions[{i}]")),
            (None, Some(c)) => {
                let parts = &self.calendar_parts[c];
                (parts.span.clone(), format!("calendars.{}", parts.name))
            }
            (None, None) => (fallback, String::new()),
        };
        self.c.err_help::<()>(span, path, msg, "shorten the closure, open the calendar, or route the order around it");
    }

    /// Runs the whole-network checks.
    /// Refuses, before any replication runs, a scenario whose replications would need more
    /// events than `limits.max_events` (1 kg lots, a background train every second).
    pub(super) fn event_budget(&mut self, world: &World) {
        let estimate = world.estimate_events();
        if estimate.total <= world.max_events as f64 {
            return;
        }
        let Some(top) = estimate.parts.first() else { return };
        let limit_span = self.f.limits.as_ref().and_then(|l| l.get_ref().max_events.as_ref()).map(Spanned::span);
        let (span, path) = match top.driver {
            Driver::Lots(m) => {
                let (name, spec) = in_file_order(&self.f.mills)[m.index()];
                (spec.get_ref().lot_t.span(), format!("mills.{}.lot_t", name.get_ref()))
            }
            Driver::Background(b) => {
                let name = &world.background[b].name;
                let spec = self.f.background.iter().find(|(k, _)| k.get_ref() == name).map(|(_, v)| v);
                let span = spec.map(|s| s.get_ref().every.as_ref().map_or(s.span(), Spanned::span));
                (span.unwrap_or(self.f.order.span()), format!("background.{name}.every"))
            }
            Driver::Clock => (limit_span.clone().unwrap_or(self.f.order.span()), "limits.max_events".to_owned()),
        };
        let share = 100.0 * top.events / estimate.total;
        self.c.err_help::<()>(
            span,
            path,
            format!(
                "a replication would need about {:.0} events to reach the deadline ({share:.0}% from {}); the limit is {}",
                estimate.total.ceil(),
                top.what,
                world.max_events
            ),
            "make the biggest contributor coarser (bigger lots, fewer background jobs), or raise `limits.max_events` if you mean it",
        );
    }

    pub(super) fn feasibility(&mut self, world: &World) {
        let mut pool_reported: IdVec<_, bool> = world.pools.iter().map(|_| false).collect();
        let mut leg_reported: IdVec<_, bool> = world.legs.iter().map(|_| false).collect();
        let mut store_reported: IdVec<_, bool> = world.stores.iter().map(|_| false).collect();
        // Whether a leg or server is ever open does not depend on the route: asked once each
        // (building its calendar over the horizon is most of a scenario's compile time).
        let mut leg_open_checked: IdVec<_, bool> = world.legs.iter().map(|_| false).collect();
        let mut server_checked: IdVec<_, bool> = world.servers.iter().map(|_| false).collect();
        for (m, mill) in world.mills.iter_ids() {
            let Some(biggest) = mill.planned().map(|l| l.tonnes).max() else { continue };
            let (mill_name, mill_spec) = in_file_order(&self.f.mills)[m.index()];
            if let Some(cause) = self.never_open(world, Target::Mill(m), None) {
                self.report_never_open(mill_name.get_ref(), cause, None, mill_spec.span());
            }
            for (route, _) in mill.routes.iter().flatten() {
                let mut units = 1u32;
                for step in &world.routes[*route].steps {
                    match *step {
                        Step::Acquire(p) => {
                            let pool = &world.pools[p];
                            units = biggest.carriers(pool.payload);
                            if pool.units < units && pool.supply.is_none() && !pool_reported[p] {
                                pool_reported[p] = true;
                                self.c.err_help::<()>(self.pool_spans[p].clone(), format!("pools.{}.units", pool.name), format!("a lot of {biggest} from `{}` needs {units} carriers of `{}` ({} each), but the pool has only {} and no supply", mill.name, pool.name, pool.payload, pool.units), "add carriers, give the pool a `supply`, or make lots smaller");
                            }
                        }
                        Step::Leg(l) => {
                            let leg = &world.legs[l];
                            if let Some(d) = &leg.departures {
                                let (need, what, field) = match d.unit {
                                    GroupUnit::Carriers => (units, "carriers", "size"),
                                    GroupUnit::Tonnes => (biggest.t().ceil() as u32, "tonnes", "size_t"),
                                };
                                if need > d.size && !leg_reported[l] {
                                    leg_reported[l] = true;
                                    let file = self.f.legs.iter().find(|(k, _)| *k.get_ref() == leg.name);
                                    let (_, spec) = file.expect("compiled legs come from the file");
                                    let span = spec.get_ref().departures.as_ref().map_or(spec.span(), Spanned::span);
                                    let msg = format!(
                                        "a lot of {biggest} needs {need} {what}, but groups on `{}` hold at most {}",
                                        leg.name, d.size
                                    );
                                    let path = format!("legs.{}.departures.{field}", leg.name);
                                    self.c.err_help::<()>(
                                        span,
                                        path,
                                        msg,
                                        "lots never split: make lots smaller or groups larger",
                                    );
                                }
                                if let Some(f) = d.fleet {
                                    let pool = &world.pools[f];
                                    if pool.units == 0 && pool.supply.is_none() && !pool_reported[f] {
                                        pool_reported[f] = true;
                                        let msg = format!(
                                            "the fleet `{}` of leg `{}` has no vehicles and no supply",
                                            pool.name, leg.name
                                        );
                                        self.c.err::<()>(
                                            self.pool_spans[f].clone(),
                                            format!("pools.{}.units", pool.name),
                                            msg,
                                        );
                                    }
                                }
                            }
                            if !leg_reported[l]
                                && !std::mem::replace(&mut leg_open_checked[l], true)
                                && let Some(cause) = self.never_open(world, Target::Leg(l), leg.calendar)
                            {
                                leg_reported[l] = true;
                                let span = self
                                    .f
                                    .legs
                                    .iter()
                                    .find(|(k, _)| *k.get_ref() == leg.name)
                                    .map(|(_, s)| s.span())
                                    .unwrap_or_default();
                                self.report_never_open(&leg.name, cause, leg.calendar, span);
                            }
                        }
                        Step::EnterStore(x) => {
                            let store = &world.stores[x];
                            if biggest > store.capacity && !store_reported[x] {
                                store_reported[x] = true;
                                let node = store.name.trim_end_matches(".yard");
                                let span = self
                                    .f
                                    .nodes
                                    .iter()
                                    .find(|(k, _)| k.get_ref() == node)
                                    .and_then(|(_, n)| n.get_ref().yard_t.as_ref().map(|y| y.span()))
                                    .unwrap_or_default();
                                self.c.err::<()>(
                                    span,
                                    format!("nodes.{node}.yard_t"),
                                    format!("a lot of {biggest} can never fit in a yard of {}", store.capacity),
                                );
                            }
                        }
                        Step::Serve { server, .. } => {
                            let s = &world.servers[server];
                            if !std::mem::replace(&mut server_checked[server], true)
                                && let Some(cause) = self.never_open(world, Target::Server(server), s.calendar)
                            {
                                self.report_never_open(&s.name, cause, s.calendar, 0..0);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}
