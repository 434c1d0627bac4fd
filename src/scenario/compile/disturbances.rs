//! What else happens on the network: background traffic that competes for our stages, and
//! the disruption table.

use toml::Spanned;

use crate::model::units::{DAY, Tonnes};
use crate::model::world::{BackgroundSpec, DisruptionSpec, Effect, Occurrence, Target};

use super::routes::StageRef;
use super::{Compiler, Entity};
use crate::scenario::schema::in_file_order;
use crate::scenario::suggest::did_you_mean;
use crate::scenario::values::Kind;

/// The most disruption starts a scenario may expect per replication.
const MAX_EXPECTED_OCCURRENCES: f64 = 100_000.0;

/// The largest capacity or speed factor a disruption may give: beyond it, a percentage
/// written as a factor is the likely mistake.
const MOST_FACTOR: f64 = 10.0;

/// A row's windows in hours since the start, each with the day it opened (which names it when
/// the row has several), and whether they recur every year.
type HourWindows = (Vec<(f64, f64, Option<jiff::civil::Date>)>, bool);

impl Compiler<'_> {
    fn server_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .stage_names
            .iter()
            .filter(|(_, s)| matches!(s, StageRef::Server { .. }))
            .map(|(n, _)| n.clone())
            .collect();
        v.sort();
        v
    }

    pub(super) fn compile_background(&mut self) -> Vec<BackgroundSpec> {
        let mut out = Vec::new();
        for (name, bg) in in_file_order(&self.f.background) {
            let path = format!("background.{}", name.get_ref());
            let b = bg.get_ref();
            let server = match self.stage_names.get(b.stage.get_ref()) {
                Some(StageRef::Server { id, .. }) => Some(*id),
                Some(StageRef::Dwell { .. }) => self.c.err(
                    b.stage.span(),
                    format!("{path}.stage"),
                    format!(
                        "`{}` is a dwell stage; background traffic needs a stage with a capacity",
                        b.stage.get_ref()
                    ),
                ),
                None => {
                    let names = self.server_names();
                    let help = did_you_mean(b.stage.get_ref(), "stage", names.iter().map(String::as_str));
                    self.c.err_help(
                        b.stage.span(),
                        format!("{path}.stage"),
                        format!("unknown stage `{}` (write it as node.stage)", b.stage.get_ref()),
                        help,
                    )
                }
            };
            let backlog = b
                .backlog_units
                .as_ref()
                .and_then(|v| self.c.count(v, &format!("{path}.backlog_units"), 0))
                .unwrap_or(0);
            let units_per_job =
                b.units_per_job.as_ref().map_or(Some(1), |v| self.c.count(v, &format!("{path}.units_per_job"), 1));
            let every = b.every.as_ref().and_then(|e| {
                let d = self.c.dist(e, Kind::Duration, 1.0, &format!("{path}.every"))?;
                if d.mean() <= 0.0 {
                    return self.c.err(
                        e.span(),
                        format!("{path}.every"),
                        "the time between arrivals must have a positive mean",
                    );
                }
                Some(d)
            });
            let tonnes_per_unit = b
                .tonnes_per_unit
                .as_ref()
                .and_then(|t| self.c.mass(t, &format!("{path}.tonnes_per_unit")))
                .unwrap_or(Tonnes::from_kg(60_000));
            let carriers = b.carriers.as_ref().and_then(|c| {
                let cp = format!("{path}.carriers");
                let pool =
                    self.resolve(&c.get_ref().pool, &format!("{cp}.pool"), "pool", |e| matches!(e, Entity::Pool(_)));
                let hold = self.c.dist(&c.get_ref().hold, Kind::Duration, 1.0, &format!("{cp}.hold"));
                match (pool, hold) {
                    (Some(Entity::Pool(p)), Some(h)) => Some((p, h)),
                    _ => None,
                }
            });
            if backlog == 0 && b.every.is_none() {
                self.c.err_help::<()>(
                    name.span(),
                    &path,
                    format!("background `{}` never sends anything", name.get_ref()),
                    "give `backlog_units` (waiting at the start), `every` (arrivals), or both",
                );
            }
            if let (Some(e), Some(spec)) = (&every, &b.every) {
                let expected = self.horizon_h / e.mean();
                if expected > 10_000_000.0 {
                    self.c.err::<()>(
                        spec.span(),
                        format!("{path}.every"),
                        format!("about {expected:.0} arrivals per replication; that is more than 10 million"),
                    );
                }
            }
            let (Some(server), Some(units_per_job)) = (server, units_per_job) else { continue };
            if let Some((p, _)) = &carriers {
                let pool = &self.pools[*p];
                if pool.units < units_per_job && pool.supply.is_none() {
                    let span = b.carriers.as_ref().map(Spanned::span).unwrap_or_default();
                    self.c.err::<()>(
                        span,
                        format!("{path}.carriers"),
                        format!(
                            "each job needs {units_per_job} carriers but pool `{}` has only {} and no supply",
                            pool.name, pool.units
                        ),
                    );
                }
            }
            out.push(BackgroundSpec {
                name: name.get_ref().clone(),
                server,
                units_per_job,
                tonnes_per_unit,
                initial_jobs: backlog.div_ceil(units_per_job),
                every,
                carriers,
            });
        }
        out
    }

    /// Resolves a disruption target: a mill, node (all its servers), `node.stage`,
    /// `node.yard`, leg or pool.
    fn targets(&mut self, target: &crate::scenario::schema::Name, path: &str) -> Option<Vec<Target>> {
        let t = target.get_ref();
        if let Some((node, stage)) = t.split_once('.') {
            if stage == "yard" {
                let store = self.stores.iter_ids().find(|(_, s)| s.name == *t).map(|(x, _)| x);
                return match store {
                    Some(x) => Some(vec![Target::Store(x)]),
                    None => self.c.err(target.span(), path, format!("`{node}` has no yard (give it `yard_t`)")),
                };
            }
            return match self.stage_names.get(t) {
                Some(StageRef::Server { id, .. }) => Some(vec![Target::Server(*id)]),
                Some(StageRef::Dwell { .. }) => self.c.err_help(
                    target.span(),
                    path,
                    format!("`{t}` is a dwell stage, which has no capacity to disrupt"),
                    format!("disrupt the node `{node}` or one of its servers"),
                ),
                None => {
                    let names = self.server_names();
                    let help = did_you_mean(t, "stage", names.iter().map(String::as_str));
                    self.c.err_help(target.span(), path, format!("unknown stage `{t}`"), help)
                }
            };
        }
        let entity = self.resolve(target, path, "mill, node, leg or pool", |_| true)?;
        Some(match entity {
            Entity::Mill(m) => vec![Target::Mill(m)],
            Entity::Leg(l) => vec![Target::Leg(l)],
            Entity::Pool(p) => vec![Target::Pool(p)],
            Entity::Node(n) => {
                let node = &self.graph.nodes[self.mill_names.len() + n];
                let servers: Vec<Target> = node
                    .stages
                    .iter()
                    .filter_map(|s| match s {
                        StageRef::Server { id, .. } => Some(Target::Server(*id)),
                        StageRef::Dwell { .. } => None,
                    })
                    .collect();
                if servers.is_empty() {
                    return self.c.err(
                        target.span(),
                        path,
                        format!("node `{t}` has no stages with a capacity to disrupt"),
                    );
                }
                servers
            }
        })
    }

    /// A factor on capacity or speed: positive on average and at most [`MOST_FACTOR`].
    pub(super) fn factor(
        &mut self,
        f: &Spanned<crate::scenario::values::DistSpec>,
        path: &str,
    ) -> Option<crate::engine::Dist> {
        let x = self.c.dist(f, Kind::Number, 1.0, path)?;
        // A factor multiplies capacity or speed: 1.33 is a third more, but 50 is far likelier
        // a percentage (a cut to 50 %) than fifty times the capacity.
        let most = x.max().unwrap_or(x.mean());
        if most > MOST_FACTOR {
            self.c.err_help(
                f.span(),
                path,
                format!("a factor of {most} would multiply the capacity or speed {most} times"),
                format!("a factor is a multiplier, at most {MOST_FACTOR}: for a cut to 50 %, write 0.5"),
            )
        } else if x.mean() > 0.0 {
            Some(x)
        } else {
            self.c.err(f.span(), path, "a factor must have a positive mean; use `closed = true` to stop everything")
        }
    }

    /// `target`: one target, or a list hit together; none may be hit twice (a node and one
    /// of its stages would take the factor twice).
    pub(super) fn target_list(&mut self, target: &Spanned<toml::Value>, path: &str) -> Option<Vec<Target>> {
        let span = target.span();
        let names: Vec<(String, String)> = match target.get_ref() {
            toml::Value::String(s) => vec![(s.clone(), path.to_string())],
            toml::Value::Array(items) if !items.is_empty() => {
                let mut names = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(s) => names.push((s.to_string(), format!("{path}[{i}]"))),
                        None => {
                            return self.c.err(span, format!("{path}[{i}]"), "a target is a name, written in quotes");
                        }
                    }
                }
                names
            }
            _ => {
                return self.c.err_help(
                    span,
                    path,
                    "a target is a name or a list of names",
                    "e.g. target = \"sarakhs\", or target = [\"khorasan\", \"mobarakeh\"] for one draw hitting both",
                );
            }
        };
        let mut all: Vec<Target> = Vec::new();
        let mut ok = true;
        for (name, p) in names {
            match self.targets(&Spanned::new(span.clone(), name.clone()), &p) {
                Some(ts) => {
                    for t in ts {
                        if all.contains(&t) {
                            ok = false;
                            self.c.err::<()>(
                                span.clone(),
                                &p,
                                format!("`{name}` is hit twice by this disruption (it would take the effect twice)"),
                            );
                            break;
                        }
                        all.push(t);
                    }
                }
                None => ok = false,
            }
        }
        ok.then_some(all)
    }

    pub(super) fn compile_disruptions(&mut self, deadline_h: f64) -> Vec<DisruptionSpec> {
        let mut out = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for (i, row) in self.f.disruptions.iter().enumerate() {
            let d = row.get_ref();
            let path = format!("disruptions[{i}]");
            if names.contains(d.name.get_ref()) {
                self.c.err::<()>(
                    d.name.span(),
                    format!("{path}.name"),
                    format!("another disruption is already called `{}`", d.name.get_ref()),
                );
            }
            names.push(d.name.get_ref().clone());
            let targets = self.target_list(&d.target, &format!("{path}.target"));
            let at = d.at.as_ref().and_then(|a| self.days_at(a, &format!("{path}.at")));
            let occurrence = match (&d.probability, &d.rate_per_day) {
                (Some(p), None) => self.c.probability(p, &format!("{path}.probability"), false).map(Occurrence::Once),
                (None, Some(r)) if d.at.is_some() => self.c.err(
                    r.span(),
                    format!("{path}.rate_per_day"),
                    "a disruption `at` a fixed date happens once; use `probability`, or a `window` with `rate_per_day`",
                ),
                (None, Some(r)) => {
                    self.c.positive(r, &format!("{path}.rate_per_day")).map(|r| Occurrence::Rate(r / DAY))
                }
                (None, None) if d.at.is_some() => Some(Occurrence::Once(1.0)),
                (None, None) => self.c.err_help(
                    row.span(),
                    &path,
                    format!("disruption `{}` needs `probability` or `rate_per_day`", d.name.get_ref()),
                    "or give `at` (a date) for one that certainly happens",
                ),
                (Some(_), Some(r)) => self.c.err(
                    r.span(),
                    format!("{path}.rate_per_day"),
                    "give either `probability` or `rate_per_day`, not both",
                ),
            };
            // Each window is a span of hours and the day it opens (which names it when the
            // row has several: one per holiday, one per season).
            let windows: Option<HourWindows> = match (&d.window, &at) {
                (Some(w), None) if d.at.is_none() => match w.get_ref().as_slice() {
                    [a, b] => self.day_windows(a.get_ref(), b.get_ref(), w.span(), &format!("{path}.window")).map(
                        |(days, recurs)| {
                            let hours =
                                days.iter().map(|&(opens, a, b)| (self.hours(a), self.hours(b) + DAY, Some(opens)));
                            (hours.collect(), recurs)
                        },
                    ),
                    _ => self.c.err(w.span(), format!("{path}.window"), "a window is two dates: [from, to]"),
                },
                (Some(w), _) => {
                    self.c.err(w.span(), format!("{path}.window"), "give either `window` or `at`, not both")
                }
                (None, Some((days, recurs))) => {
                    Some((days.iter().map(|&a| (self.hours(a), self.hours(a), Some(a))).collect(), *recurs))
                }
                (None, None) if d.at.is_some() => None,
                (None, None) => Some((vec![(0.0, deadline_h, None)], false)),
            };
            for &(a, b, _) in windows.iter().flat_map(|w| w.0.iter()) {
                let span =
                    d.window.as_ref().map(Spanned::span).or(d.at.as_ref().map(Spanned::span)).unwrap_or(row.span());
                if let Some(Occurrence::Rate(r)) = &occurrence
                    && r * (b - a) > MAX_EXPECTED_OCCURRENCES
                {
                    self.c.err::<()>(
                        span,
                        format!("{path}.rate_per_day"),
                        format!(
                            "about {:.0} starts expected per replication; the limit is {MAX_EXPECTED_OCCURRENCES}",
                            r * (b - a)
                        ),
                    );
                }
            }
            let duration = self.c.dist(&d.duration, Kind::Duration, 1.0, &format!("{path}.duration"));
            let effects = [d.closed.is_some(), d.factor.is_some(), d.delay.is_some()].iter().filter(|x| **x).count();
            let effect = if effects != 1 {
                self.c.err_help(row.span(), &path, format!("disruption `{}` needs exactly one effect", d.name.get_ref()), "give one of `closed = true`, `factor = 0.5` (capacity or speed times a factor) or `delay = \"12h\"` (extra time per lot)")
            } else if let Some(c) = &d.closed {
                if *c.get_ref() {
                    Some(Effect::Closed)
                } else {
                    self.c.err(
                        c.span(),
                        format!("{path}.closed"),
                        "`closed = false` does nothing; remove the row or give another effect",
                    )
                }
            } else if let Some(f) = &d.factor {
                self.factor(f, &format!("{path}.factor")).map(Effect::Factor)
            } else {
                let delay = d.delay.as_ref().expect("one effect is present");
                self.c.dist(delay, Kind::Duration, 1.0, &format!("{path}.delay")).map(Effect::Delay)
            };
            if let (Some(targets), Some(effect)) = (&targets, &effect) {
                for t in targets {
                    let allowed = match (t, effect) {
                        (Target::Mill(_), Effect::Delay(_)) => {
                            Some("a mill can be closed or slowed by a factor, not delayed")
                        }
                        (Target::Pool(_), Effect::Closed) => Some(
                            "a pool cannot be closed; close the stage where its carriers are taken, or cut its supply with a factor",
                        ),
                        (Target::Store(_), Effect::Delay(_)) => Some(
                            "a yard can be closed or shrunk by a factor, not delayed; delay one of the node's stages",
                        ),
                        _ => None,
                    };
                    if let Some(msg) = allowed {
                        self.c.err::<()>(d.target.span(), format!("{path}.target"), msg);
                        break;
                    }
                }
            }
            if let (Some(targets), Some(occurrence), Some(windows), Some(duration), Some(effect)) =
                (targets, occurrence, windows, duration, effect)
            {
                // A row `at` several dates, or recurring, is one disruption per date or
                // season, each with its own random stream (keyed by its name and date).
                let (windows, recurs) = windows;
                let several = recurs || windows.len() > 1;
                for (a, b, opens) in windows {
                    let name = match opens {
                        Some(day) if several => format!("{}@{day}", d.name.get_ref()),
                        _ => d.name.get_ref().clone(),
                    };
                    let window = (a, b);
                    out.push(DisruptionSpec {
                        name,
                        targets: targets.clone(),
                        occurrence: occurrence.clone(),
                        window,
                        duration: duration.clone(),
                        effect: effect.clone(),
                    });
                }
            }
        }
        out
    }
}
