//! Legs: the transport links between mills and nodes, their transit times and departures.

use toml::Spanned;

use super::routes::GraphLeg;
use super::{Compiler, Entity, MODES};
use crate::model::world::{Departures, GroupUnit, Id, LegSpec, PartialLoss, Transit};
use crate::scenario::schema::{PartialLossSpec, in_file_order};
use crate::scenario::suggest::did_you_mean;
use crate::scenario::values::Kind;

impl Compiler<'_> {
    pub(super) fn compile_legs(&mut self) {
        let n_mills = self.mill_names.len();
        for (name, leg) in in_file_order(&self.f.legs) {
            let path = format!("legs.{}", name.get_ref());
            let l = leg.get_ref();
            self.register(name, Entity::Leg(self.legs.next_id()), &path);
            self.c.label(l.label.as_ref(), &path);
            let from = self.resolve(&l.from, &format!("{path}.from"), "mill or node", |e| {
                matches!(e, Entity::Mill(_) | Entity::Node(_))
            });
            let to = self.resolve(&l.to, &format!("{path}.to"), "node", |e| matches!(e, Entity::Node(_)));
            let graph_index = |e: Entity| match e {
                Entity::Mill(m) => m.index(),
                Entity::Node(n) => n_mills + n,
                _ => usize::MAX,
            };
            let mode = l.mode.get_ref().clone();
            if !MODES.contains(&mode.as_str()) {
                self.c.err_help::<()>(
                    l.mode.span(),
                    format!("{path}.mode"),
                    format!("unknown mode \"{mode}\""),
                    did_you_mean(&mode, "mode", MODES),
                );
            }
            let pool = l
                .pool
                .as_ref()
                .and_then(|p| self.resolve(p, &format!("{path}.pool"), "pool", |e| matches!(e, Entity::Pool(_))))
                .map(|e| match e {
                    Entity::Pool(p) => p,
                    _ => unreachable!("resolve filtered pools"),
                });
            let transit = match (&l.transit, &l.distance_km, &l.speed_kmh) {
                (Some(t), None, None) => {
                    self.c.dist(t, Kind::Duration, 1.0, &format!("{path}.transit")).map(Transit::Time)
                }
                (None, Some(km), Some(speed)) => {
                    let km = self.c.positive(km, &format!("{path}.distance_km"));
                    let kmh = self.c.dist(speed, Kind::Number, 1.0, &format!("{path}.speed_kmh"));
                    match (km, kmh) {
                        (Some(km), Some(kmh)) if kmh.mean() > 0.0 => Some(Transit::Speed { km, kmh }),
                        (Some(_), Some(_)) => {
                            self.c.err(speed.span(), format!("{path}.speed_kmh"), "a speed must have a positive mean")
                        }
                        _ => None,
                    }
                }
                (None, Some(km), None) => {
                    self.c.err(km.span(), format!("{path}.distance_km"), "a distance needs a `speed_kmh`")
                }
                (None, None, Some(s)) => {
                    self.c.err(s.span(), format!("{path}.speed_kmh"), "a speed needs a `distance_km`")
                }
                (None, None, None) => self.c.err_help(
                    leg.span(),
                    &path,
                    format!("leg `{}` needs a transit time", name.get_ref()),
                    "give `transit` (a duration or distribution), or `distance_km` with `speed_kmh`",
                ),
                (Some(t), _, _) => self.c.err(
                    t.span(),
                    format!("{path}.transit"),
                    "give either `transit` or `distance_km` with `speed_kmh`, not both",
                ),
            };
            let departures = l.departures.as_ref().and_then(|d| {
                let dp = format!("{path}.departures");
                let spec = d.get_ref();
                let fleet = spec.fleet.as_ref().and_then(|f| {
                    match self.resolve(f, &format!("{dp}.fleet"), "pool", |e| matches!(e, Entity::Pool(_))) {
                        Some(Entity::Pool(p)) => Some(p),
                        _ => None,
                    }
                });
                let size = match (&spec.size, &spec.size_t) {
                    (Some(n), None) => self.c.count(n, &format!("{dp}.size"), 1).map(|n| (n, GroupUnit::Carriers)),
                    (None, Some(t)) => self
                        .c
                        .positive(t, &format!("{dp}.size_t"))
                        .map(|t| (t.ceil().min(u32::MAX as f64) as u32, GroupUnit::Tonnes)),
                    (None, None) => match fleet {
                        Some(p) => Some((self.pools[p].payload.t().ceil() as u32, GroupUnit::Tonnes)),
                        None if spec.fleet.is_some() => None,
                        None => self.c.err_help(d.span(), &dp, "how big is a group?", "give `size` (carriers), `size_t` (tonnes), or a `fleet` whose vehicles' payload sets it"),
                    },
                    (Some(_), Some(t)) => self.c.err(t.span(), format!("{dp}.size_t"), "give either `size` (carriers) or `size_t` (tonnes), not both"),
                };
                let every = spec.every.as_ref().and_then(|e| self.c.duration(e, &format!("{dp}.every")));
                let first = spec.first.as_ref().and_then(|e| self.c.duration(e, &format!("{dp}.first"))).unwrap_or(0.0);
                let max_wait = spec.max_wait.as_ref().and_then(|e| self.c.duration(e, &format!("{dp}.max_wait")));
                if let (Some(e), Some(span)) = (every, spec.every.as_ref().map(Spanned::span))
                    && e <= 0.0
                {
                    return self.c.err(span, format!("{dp}.every"), "a timetable period must be longer than zero");
                }
                if spec.every.is_none() && spec.max_wait.is_none() {
                    return self.c.err_help(d.span(), &dp, "a group that never fills would wait for ever", "give `every` (a timetable) or `max_wait` (the longest a partial group waits)");
                }
                if let (Some(e), Some(span)) = (every, spec.every.as_ref().map(Spanned::span))
                    && self.horizon_h / e > 10_000_000.0
                {
                    return self.c.err(span, format!("{dp}.every"), format!("a departure every {e} h makes about {:.0} departures per replication; that is more than 10 million", self.horizon_h / e));
                }
                if spec.first.is_some() && spec.every.is_none() {
                    self.c.err::<()>(spec.first.as_ref().map(Spanned::span).unwrap_or_default(), format!("{dp}.first"), "`first` sets the first timetabled departure; it needs `every`");
                }
                let (size, unit) = size?;
                Some(Departures { size, unit, fleet, timetable: every.map(|e| (e, first)), max_wait })
            });
            let incident_p = l
                .incident_p
                .as_ref()
                .and_then(|p| self.c.probability(p, &format!("{path}.incident_p"), true))
                .unwrap_or(0.0);
            let damage = l.damage.as_ref().and_then(|d| self.partial_loss(d, &format!("{path}.damage")));
            let pilferage = l.pilferage.as_ref().and_then(|d| self.partial_loss(d, &format!("{path}.pilferage")));
            let country = l.country.as_ref().map(|c| c.get_ref().trim().to_string());
            if let Some(c) = &l.country
                && c.get_ref().trim().is_empty()
            {
                self.c.err::<()>(c.span(), format!("{path}.country"), "a country needs a name, e.g. \"IR\"");
            }
            let calendar = self.calendar(&l.calendar, &format!("{path}.calendar"));
            let per_t_km = l.cost_per_t_km.as_ref().and_then(|v| {
                let rate = self.c.non_negative(v, &format!("{path}.cost_per_t_km"))?;
                match l.distance_km.as_ref().map(|d| *d.get_ref()) {
                    Some(km) if km.is_finite() && km > 0.0 => Some(rate * km),
                    Some(_) => None, // the distance's own error says why
                    None => self.c.err_help(
                        v.span(),
                        format!("{path}.cost_per_t_km"),
                        "a tariff per tonne-kilometre needs the leg's `distance_km`",
                        "give `distance_km` (with `speed_kmh`), or the cost per tonne as `cost_per_t`",
                    ),
                }
            });
            let cost_per_t = l
                .cost_per_t
                .as_ref()
                .and_then(|v| self.c.non_negative(v, &format!("{path}.cost_per_t")))
                .unwrap_or(0.0)
                + per_t_km.unwrap_or(0.0);
            let (Some(from), Some(to), Some(transit)) = (from, to, transit) else { continue };
            let cost = transit.mean_hours()
                + departures.as_ref().map_or(0.0, |d| d.timetable.map(|t| t.0).or(d.max_wait).unwrap_or(0.0) / 2.0);
            let id = self.legs.next_id();
            self.graph.legs.push(GraphLeg { id, from: graph_index(from), to: graph_index(to), mode, pool, cost });
            self.legs.push(LegSpec {
                name: name.get_ref().clone(),
                transit,
                departures,
                incident_p,
                damage,
                pilferage,
                country,
                calendar,
                cost_per_t,
            });
        }
    }

    /// `damage` or `pilferage`: a probability and a fraction that stays below a whole lot
    /// (losing all of it is an accident, `incident_p`).
    fn partial_loss(&mut self, spec: &Spanned<PartialLossSpec>, path: &str) -> Option<PartialLoss> {
        let s = spec.get_ref();
        let p = self.c.probability(&s.p, &format!("{path}.p"), false);
        let fraction = self.c.dist(&s.fraction, Kind::Number, 1.0, &format!("{path}.fraction"))?;
        match fraction.max() {
            Some(most) if most < 1.0 => Some(PartialLoss { p: p?, fraction }),
            Some(most) => self.c.err_help(
                s.fraction.span(),
                format!("{path}.fraction"),
                format!("a fraction of the lot can reach {most}, the whole lot"),
                "keep it below 1; a lot lost whole is an accident (`incident_p`)",
            ),
            None => self.c.err_help(
                s.fraction.span(),
                format!("{path}.fraction"),
                "this distribution is not bounded by 1, so it cannot be a fraction of a lot",
                "use a number, or a fixed, uniform, beta or empirical distribution within 0..1",
            ),
        }
    }
}
