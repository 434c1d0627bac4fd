//! Scenario to world: resolves names to indices, converts units, checks every field, and
//! compiles corridors into routes. Every problem is collected with its place in the file.

use std::collections::HashMap;

use jiff::ToSpan;
use jiff::civil::Date;
use toml::Spanned;

use crate::engine::{Calendar, Discipline};
use crate::model::units::{DAY, Tonnes};
use crate::model::world::*;

use super::ctx::{Ctx, hours_between};
use super::diag::Diagnostic;
use super::plan;
use super::routes::{Graph, GraphLeg, GraphNode, StageRef};
use super::schema::*;
use super::suggest::did_you_mean;
use super::values::{self, Kind};

/// Default confidence levels for promises.
pub const DEFAULT_CONFIDENCE: [f64; 3] = [0.90, 0.95, 0.99];
/// Default limit on lots per replication.
pub const DEFAULT_MAX_LOTS: u32 = 200_000;
/// Default limit on events per replication.
pub const DEFAULT_MAX_EVENTS: u64 = 50_000_000;
const MODES: [&str; 3] = ["rail", "road", "sea"];
const NODE_KINDS: [&str; 5] = ["yard", "port", "junction", "border", "destination"];

/// What a global name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Entity {
    Mill(MillId),
    Node(usize),
    Leg(LegId),
    Pool(PoolId),
}

impl Entity {
    fn noun(self) -> &'static str {
        match self {
            Entity::Mill(_) => "mill",
            Entity::Node(_) => "node",
            Entity::Leg(_) => "leg",
            Entity::Pool(_) => "pool",
        }
    }
}

/// Raw calendar parts kept for the "is it ever open?" check.
#[derive(Debug, Clone)]
pub(super) struct CalendarParts {
    pub(super) name: String,
    pub(super) weekly: Option<Vec<(f64, f64)>>,
    pub(super) closed: Vec<(f64, f64)>,
    pub(super) span: std::ops::Range<usize>,
}

/// State shared by the compile steps.
pub(super) struct Compiler<'f> {
    pub(super) f: &'f ScenarioFile,
    pub(super) sources: &'f super::Sources,
    pub(super) c: Ctx,
    pub(super) start: Date,
    pub(super) horizon_h: f64,
    pub(super) week_hour_at_zero: f64,
    pub(super) names: HashMap<String, (Entity, std::ops::Range<usize>)>,
    pub(super) calendar_ids: HashMap<String, CalendarId>,
    pub(super) calendar_parts: Vec<CalendarParts>,
    pub(super) calendars: Vec<Calendar>,
    pub(super) pools: Vec<PoolSpec>,
    pub(super) pool_spans: Vec<std::ops::Range<usize>>,
    pub(super) servers: Vec<ServerSpec>,
    pub(super) dwells: Vec<DwellSpec>,
    pub(super) stores: Vec<StoreSpec>,
    pub(super) legs: Vec<LegSpec>,
    /// `node.stage` (and `mill.stage`) to the stage, for background traffic and disruptions.
    pub(super) stage_names: HashMap<String, StageRef>,
    pub(super) graph: Graph,
    /// Node names in declaration order (graph indices after the mills).
    pub(super) node_names: Vec<String>,
    pub(super) mill_names: Vec<String>,
}

impl<'f> Compiler<'f> {
    fn ctx_only(f: &'f ScenarioFile, sources: &'f super::Sources, c: Ctx) -> Self {
        Compiler {
            f,
            sources,
            c,
            start: Date::constant(2000, 1, 1),
            horizon_h: 0.0,
            week_hour_at_zero: 0.0,
            names: HashMap::new(),
            calendar_ids: HashMap::new(),
            calendar_parts: Vec::new(),
            calendars: Vec::new(),
            pools: Vec::new(),
            pool_spans: Vec::new(),
            servers: Vec::new(),
            dwells: Vec::new(),
            stores: Vec::new(),
            legs: Vec::new(),
            stage_names: HashMap::new(),
            graph: Graph::default(),
            node_names: Vec::new(),
            mill_names: Vec::new(),
        }
    }

    /// Hours since the start at 00:00 of `d`.
    pub(super) fn hours(&self, d: Date) -> f64 {
        hours_between(self.start, d)
    }

    fn register(&mut self, name: &Name, entity: Entity, path: &str) {
        let n = name.get_ref();
        if n.is_empty() || n.contains('.') || n.contains(char::is_whitespace) {
            self.c.err_help::<()>(
                name.span(),
                path,
                format!("`{n}` is not a usable name"),
                "names must be non-empty and contain no dots or spaces (dots separate a node from its stage)",
            );
        }
        if let Some((other, span)) = self.names.get(n) {
            let at = self.sources.position(span.start);
            self.c.err::<()>(name.span(), path, format!("`{n}` is already the name of a {} ({at})", other.noun()));
            return;
        }
        self.names.insert(n.clone(), (entity, name.span()));
    }

    /// Resolves a name that must be an entity accepted by `want`.
    pub(super) fn resolve(
        &mut self,
        name: &Name,
        path: &str,
        what: &str,
        want: impl Fn(Entity) -> bool,
    ) -> Option<Entity> {
        if let Some((e, _)) = self.names.get(name.get_ref())
            && want(*e)
        {
            return Some(*e);
        }
        let candidates: Vec<String> =
            self.names.iter().filter(|(_, (e, _))| want(*e)).map(|(n, _)| n.clone()).collect::<Vec<_>>();
        let mut sorted = candidates;
        sorted.sort();
        let help = did_you_mean(name.get_ref(), what, sorted.iter().map(String::as_str));
        let found = match self.names.get(name.get_ref()) {
            Some((e, _)) => format!("`{}` is a {}, not a {what}", name.get_ref(), e.noun()),
            None => format!("unknown {what} `{}`", name.get_ref()),
        };
        self.c.err_help(name.span(), path, found, help)
    }
}

/// Compiles a parsed scenario (read from `source`) into a world, or returns every problem
/// found.
pub fn compile(f: &ScenarioFile, sources: &super::Sources, default_name: &str) -> Result<World, Vec<Diagnostic>> {
    let mut c = Ctx::default();
    let o = f.order.get_ref();
    let name = f.name.as_ref().map_or_else(|| default_name.to_string(), |n| n.get_ref().clone());
    if let Some(n) = &f.name
        && (n.get_ref().is_empty() || n.get_ref().contains(['/', '\\']) || n.get_ref().starts_with('.'))
    {
        c.err::<()>(
            n.span(),
            "name",
            "a scenario name becomes a folder name: it must be non-empty, without slashes, and not start with a dot",
        );
    }

    // Dates come first: every time in the file is counted from the start.
    let tonnes = c.positive(&o.tonnes, "order.tonnes").and_then(|t| match Tonnes::from_t(t) {
        Some(t) if t > Tonnes::ZERO => Some(t),
        _ => c.err(o.tonnes.span(), "order.tonnes", "must be between 0.001 t and 10^12 t"),
    });
    let start = c.date(&o.start, "order.start");
    let deadline = c.date(&o.deadline, "order.deadline");
    let horizon = o.horizon.as_ref().and_then(|h| c.date(h, "order.horizon"));
    let (Some(start), Some(deadline)) = (start, deadline) else {
        return Err(c.diags);
    };
    if deadline < start {
        c.err::<()>(
            o.deadline.span(),
            "order.deadline",
            format!("the deadline {deadline} is before the start {start}"),
        );
    }
    let horizon = horizon.unwrap_or_else(|| deadline.checked_add(365.days()).unwrap_or(deadline));
    if horizon < deadline {
        let span = o.horizon.as_ref().map_or(o.deadline.span(), Spanned::span);
        c.err::<()>(span, "order.horizon", format!("the horizon {horizon} is before the deadline {deadline}"));
    }
    let mut k = Compiler::ctx_only(f, sources, c);
    k.start = start;
    k.horizon_h = k.hours(horizon) + DAY;
    k.week_hour_at_zero = start.weekday().to_monday_zero_offset() as f64 * DAY;
    let deadline_h = k.hours(deadline) + DAY;

    let confidence = match &o.confidence {
        None => DEFAULT_CONFIDENCE.to_vec(),
        Some(list) => {
            let mut v = Vec::new();
            for (i, p) in list.get_ref().iter().enumerate() {
                let x = *p.get_ref();
                if x.is_finite() && x > 0.0 && x < 1.0 {
                    v.push(x);
                } else {
                    k.c.err::<()>(
                        p.span(),
                        format!("order.confidence[{i}]"),
                        format!("a confidence level lies strictly between 0 and 1 (got {x})"),
                    );
                }
            }
            if list.get_ref().is_empty() {
                k.c.err::<()>(
                    list.span(),
                    "order.confidence",
                    "give at least one confidence level, e.g. [0.9, 0.95, 0.99]",
                );
            }
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        }
    };
    let routing = match o.routing.as_ref().map(|r| (r.get_ref().as_str(), r.span())) {
        None | Some(("shares", _)) => RoutingPolicy::Shares,
        Some(("fastest", _)) => RoutingPolicy::Fastest,
        Some((other, span)) => {
            k.c.err_help::<()>(
                span,
                "order.routing",
                format!("unknown routing policy \"{other}\""),
                "use \"shares\" (fixed route shares) or \"fastest\" (shortest expected time given current queues)",
            );
            RoutingPolicy::Shares
        }
    };

    let late_penalty_per_t_day = o
        .late_penalty_per_t_day
        .as_ref()
        .and_then(|v| k.c.non_negative(v, "order.late_penalty_per_t_day"))
        .unwrap_or(0.0);
    let lost_tolerance = o
        .lost_tolerance_t
        .as_ref()
        .and_then(|v| k.c.non_negative(v, "order.lost_tolerance_t"))
        .and_then(Tonnes::from_t)
        .unwrap_or(Tonnes::ZERO);
    k.compile_calendars();
    k.compile_pools();
    let (mut mills, lot_sizes) = k.compile_mills();
    k.compile_nodes();
    k.compile_legs();

    // The order's products and destinations.
    let mix = in_order(o.mix.get_ref());
    let products: Vec<String> = mix.iter().map(|(n, _)| n.get_ref().clone()).collect();
    k.check_shares(&mix, o.mix.span(), "order.mix", "product");
    if products.len() > 255 {
        k.c.err::<()>(o.mix.span(), "order.mix", "at most 255 products");
    }
    let dests = in_order(o.destinations.get_ref());
    k.check_shares(&dests, o.destinations.span(), "order.destinations", "destination");
    let mut destination_nodes = Vec::new();
    for (n, _) in &dests {
        let path = format!("order.destinations.{}", n.get_ref());
        destination_nodes.push(k.resolve(n, &path, "node", |e| matches!(e, Entity::Node(_))));
    }
    if dests.len() > 255 {
        k.c.err::<()>(o.destinations.span(), "order.destinations", "at most 255 destinations");
    }
    let mut handover_points = Vec::new();
    if o.handover.get_ref().is_empty() {
        k.c.err_help::<()>(
            o.handover.span(),
            "order.handover",
            "name at least one handover node",
            "the handover (Incoterm) point, e.g. [\"sarakhs\"] for DAP Sarakhs",
        );
    }
    for (i, n) in o.handover.get_ref().iter().enumerate() {
        if let Some(Entity::Node(idx)) =
            k.resolve(n, &format!("order.handover[{i}]"), "node", |e| matches!(e, Entity::Node(_)))
        {
            k.graph.nodes[k.mill_names.len() + idx].handover = true;
            handover_points.push(n.get_ref().clone());
        }
    }

    let supplies = k.compile_supplies(&mix);
    let max_lots = f
        .limits
        .as_ref()
        .and_then(|l| l.get_ref().max_lots.as_ref())
        .and_then(|v| k.c.count(v, "limits.max_lots", 1))
        .unwrap_or(DEFAULT_MAX_LOTS);
    let max_events = f
        .limits
        .as_ref()
        .and_then(|l| l.get_ref().max_events.as_ref())
        .and_then(|v| k.c.count(v, "limits.max_events", 1000))
        .map_or(DEFAULT_MAX_EVENTS, u64::from);

    // A broken leg or share makes later "unreachable" complaints noise: route only a
    // network whose parts are sound, but still check everything that does not depend on it.
    let sound = k.c.diags.is_empty();
    let mut routes = Vec::new();
    // Without destinations (already reported) there is nowhere to send lots.
    if let (Some(tonnes), Some(supplies), false) = (tonnes, &supplies, dests.is_empty()) {
        let dest_shares: Vec<f64> = dests.iter().map(|(_, s)| *s.get_ref()).collect();
        k.plan_lots(&mut mills, &lot_sizes, supplies, &mix, tonnes, &dest_shares, max_lots);
        routes = k.compile_routes(&mut mills, &dests, &destination_nodes, routing, sound);
    }
    let background = k.compile_background();
    let disruptions = k.compile_disruptions(deadline_h);
    let Some(tonnes) = tonnes else { return Err(k.c.diags) };
    if !k.c.diags.is_empty() {
        return Err(k.c.diags);
    }

    let world = World {
        name,
        description: f.description.clone(),
        start,
        order: Order {
            tonnes,
            products,
            destinations: dests.iter().map(|(n, _)| n.get_ref().clone()).collect(),
            handover_points,
            confidence,
            routing,
            late_penalty_per_t_day,
            lost_tolerance,
            currency: o.currency.as_ref().map_or_else(|| "USD".to_string(), |c| c.get_ref().clone()),
        },
        deadline: crate::engine::Time::new(deadline_h).unwrap_or(crate::engine::Time::ZERO),
        horizon: crate::engine::Time::new(k.horizon_h).unwrap_or(crate::engine::Time::ZERO),
        calendars: std::mem::take(&mut k.calendars),
        servers: std::mem::take(&mut k.servers),
        dwells: std::mem::take(&mut k.dwells),
        legs: std::mem::take(&mut k.legs),
        pools: std::mem::take(&mut k.pools),
        stores: std::mem::take(&mut k.stores),
        mills,
        routes,
        corridors: in_file_order(&f.routes).iter().map(|(n, _)| n.get_ref().clone()).collect(),
        background,
        disruptions,
        max_events,
    };
    k.feasibility(&world);
    if k.c.diags.is_empty() {
        k.event_budget(&world);
    }
    if k.c.diags.is_empty() { Ok(world) } else { Err(k.c.diags) }
}

/// A map's entries in file order.
pub(super) fn in_order<T>(m: &std::collections::BTreeMap<Name, Spanned<T>>) -> Vec<(&Name, &Spanned<T>)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

impl Compiler<'_> {
    fn check_shares(
        &mut self,
        entries: &[(&Name, &Spanned<f64>)],
        span: std::ops::Range<usize>,
        path: &str,
        what: &str,
    ) {
        if entries.is_empty() {
            self.c.err::<()>(span, path, format!("name at least one {what}"));
            return;
        }
        let mut sum = 0.0;
        for (n, s) in entries {
            if let Some(x) = self.c.non_negative(s, &format!("{path}.{}", n.get_ref())) {
                sum += x;
            }
        }
        if (sum - 1.0).abs() > 1e-6 {
            self.c.err_help::<()>(
                span,
                path,
                format!("the {what} shares add up to {sum:.6}, not 1"),
                "shares are fractions of the whole, e.g. { a = 0.6, b = 0.4 }",
            );
        }
    }

    fn compile_calendars(&mut self) {
        for (name, cal) in in_file_order(&self.f.calendars) {
            let path = format!("calendars.{}", name.get_ref());
            let spec = cal.get_ref();
            let weekly = spec.open.as_ref().map(|open| self.weekly_hours(open, &path));
            let mut closed = Vec::new();
            for (i, entry) in spec.closed.iter().enumerate() {
                let p = format!("{path}.closed[{i}]");
                let text = entry.get_ref();
                let (a, b) = text.split_once("..").unwrap_or((text, text));
                let parse = |t: &str| values::parse_date(&toml::Value::String(t.trim().to_string()));
                match (parse(a), parse(b)) {
                    (Ok(a), Ok(b)) if a <= b => closed.push((self.hours(a), self.hours(b) + DAY)),
                    (Ok(_), Ok(_)) => {
                        self.c.err::<()>(entry.span(), p, format!("\"{text}\": the range ends before it starts"));
                    }
                    (Err(m), _) | (_, Err(m)) => {
                        self.c.err_help::<()>(
                            entry.span(),
                            p,
                            m,
                            "write a day as \"2025-12-08\" or a range as \"2025-12-20..2025-12-25\"",
                        );
                    }
                }
            }
            let calendar = Calendar::new(weekly.as_deref(), self.week_hour_at_zero, &closed, self.horizon_h);
            self.calendar_ids.insert(name.get_ref().clone(), self.calendars.len() as CalendarId);
            self.calendars.push(calendar);
            self.calendar_parts.push(CalendarParts { name: name.get_ref().clone(), weekly, closed, span: cal.span() });
        }
    }

    /// Weekly open hours from `open = { daily = [...], weekdays = [...], mon = [...] }`;
    /// a specific day beats `weekdays`/`weekend`, which beat `daily`.
    fn weekly_hours(&mut self, open: &Spanned<OpenHours>, path: &str) -> Vec<(f64, f64)> {
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let mut days: [(i32, Vec<(f64, f64)>); 7] = Default::default();
        for d in days.iter_mut() {
            d.0 = -1;
        }
        for (key, list) in in_order(open.get_ref()) {
            let k = key.get_ref().as_str();
            let (level, which): (i32, Vec<usize>) = match k {
                "daily" => (0, (0..7).collect()),
                "weekdays" => (1, (0..5).collect()),
                "weekend" => (1, vec![5, 6]),
                _ => match DAYS.iter().position(|d| *d == k) {
                    Some(i) => (2, vec![i]),
                    None => {
                        let mut keys = vec!["daily", "weekdays", "weekend"];
                        keys.extend(DAYS);
                        self.c.err_help::<()>(
                            key.span(),
                            format!("{path}.open.{k}"),
                            format!("unknown day `{k}`"),
                            did_you_mean(k, "key", keys),
                        );
                        continue;
                    }
                },
            };
            let mut intervals = Vec::new();
            for (i, iv) in list.get_ref().iter().enumerate() {
                let p = format!("{path}.open.{k}[{i}]");
                let parsed = iv
                    .get_ref()
                    .split_once('-')
                    .ok_or_else(|| {
                        format!("\"{}\" is not a range of hours; write it like \"08:00-18:00\"", iv.get_ref())
                    })
                    .and_then(|(a, b)| Ok((values::parse_clock(a)?, values::parse_clock(b)?)));
                match parsed {
                    Ok((a, b)) if a == b => {
                        self.c.err::<()>(
                            iv.span(),
                            p,
                            "an empty range of hours (use \"00:00-24:00\" for the whole day)",
                        );
                    }
                    Ok((a, b)) => intervals.push((a, if b < a { b + DAY } else { b })),
                    Err(m) => {
                        self.c.err::<()>(iv.span(), p, m);
                    }
                }
            }
            for d in which {
                if level >= days[d].0 {
                    days[d] = (level, intervals.clone());
                }
            }
        }
        let mut weekly = Vec::new();
        for (d, (_, ivs)) in days.iter().enumerate() {
            for (a, b) in ivs {
                weekly.push((d as f64 * DAY + a, d as f64 * DAY + b));
            }
        }
        weekly
    }

    pub(super) fn calendar(&mut self, name: &Option<Name>, path: &str) -> Option<CalendarId> {
        let n = name.as_ref()?;
        match self.calendar_ids.get(n.get_ref()) {
            Some(id) => Some(*id),
            None => {
                let mut known: Vec<&str> = self.calendar_ids.keys().map(String::as_str).collect();
                known.sort();
                let help = did_you_mean(n.get_ref(), "calendar", known);
                self.c.err_help(n.span(), path, format!("unknown calendar `{}`", n.get_ref()), help)
            }
        }
    }

    fn compile_pools(&mut self) {
        for (name, pool) in in_file_order(&self.f.pools) {
            let path = format!("pools.{}", name.get_ref());
            let p = pool.get_ref();
            self.register(name, Entity::Pool(self.pools.len() as PoolId), &path);
            let units = self.c.count(&p.units, &format!("{path}.units"), 0).unwrap_or(0);
            let payload = self
                .c
                .positive(&p.payload_t, &format!("{path}.payload_t"))
                .and_then(Tonnes::from_t)
                .unwrap_or(Tonnes::from_kg(1));
            let empty_return = self.c.dist(&p.empty_return, Kind::Duration, 1.0, &format!("{path}.empty_return"));
            let return_share = p
                .return_share
                .as_ref()
                .and_then(|s| self.c.probability(s, &format!("{path}.return_share"), false))
                .unwrap_or(1.0);
            let supply = p.supply.as_ref().and_then(|s| {
                let every = self.c.dist(&s.get_ref().every, Kind::Duration, 1.0, &format!("{path}.supply.every"));
                let units =
                    s.get_ref().units.as_ref().map_or(Some(1), |u| self.c.count(u, &format!("{path}.supply.units"), 1));
                match (every, units) {
                    (Some(e), Some(_)) if self.horizon_h / e.mean().max(f64::MIN_POSITIVE) > 10_000_000.0 => {
                        self.c.err(
                            s.get_ref().every.span(),
                            format!("{path}.supply.every"),
                            "more than 10 million arrivals per replication; give a longer time between arrivals",
                        )
                    }
                    (Some(e), Some(u)) if e.mean() > 0.0 => Some(Supply { every: e, units: u }),
                    (Some(_), Some(_)) => self.c.err(
                        s.get_ref().every.span(),
                        format!("{path}.supply.every"),
                        "the time between arrivals must have a positive mean",
                    ),
                    _ => None,
                }
            });
            self.pool_spans.push(p.units.span());
            self.pools.push(PoolSpec {
                name: name.get_ref().clone(),
                units,
                payload,
                empty_return: empty_return
                    .unwrap_or_else(|| crate::engine::Dist::fixed(0.0).expect("zero is a valid fixed value")),
                return_share,
                supply,
            });
        }
    }

    fn failures(&mut self, f: &Option<Spanned<FailureSpec>>, path: &str) -> Option<Failures> {
        let f = f.as_ref()?;
        let between = self.c.dist(&f.get_ref().between, Kind::Duration, 1.0, &format!("{path}.failures.between"));
        let repair = self.c.dist(&f.get_ref().repair, Kind::Duration, 1.0, &format!("{path}.failures.repair"));
        let (between, repair) = (between?, repair?);
        if between.mean() <= 0.0 {
            return self.c.err(
                f.get_ref().between.span(),
                format!("{path}.failures.between"),
                "the time between failures must have a positive mean, or the stage would fail endlessly",
            );
        }
        Some(Failures { between, repair })
    }

    fn chance(&mut self, ch: &Option<Spanned<ChanceSpec>>, path: &str, below_one: bool) -> Option<Chance> {
        let ch = ch.as_ref()?;
        let p = self.c.probability(&ch.get_ref().p, &format!("{path}.p"), below_one);
        let time = self.c.dist(&ch.get_ref().time, Kind::Duration, 1.0, &format!("{path}.time"));
        Some(Chance { p: p?, time: time? })
    }

    /// Compiles one stage of a node or mill.
    fn stage(
        &mut self,
        owner: &str,
        owner_path: &str,
        i: usize,
        st: &Spanned<StageSpec>,
        seen: &mut Vec<String>,
    ) -> Option<StageRef> {
        let s = st.get_ref();
        let sname = s.name.get_ref();
        let path = format!("{owner_path}.stages[{i}]");
        let qualified = format!("{owner}.{sname}");
        if sname.is_empty() || sname.contains(['.', ' ']) || sname == "yard" {
            return self.c.err_help(
                s.name.span(),
                format!("{path}.name"),
                format!("`{sname}` is not a usable stage name"),
                "stage names are non-empty, without dots or spaces, and not `yard` (which names the node's yard)",
            );
        }
        if seen.contains(sname) {
            return self.c.err(
                s.name.span(),
                format!("{path}.name"),
                format!("`{owner}` already has a stage called `{sname}`"),
            );
        }
        seen.push(sname.clone());
        let ends_here = s.ends_here.as_ref().is_some_and(|b| *b.get_ref());
        if let Some(dwell) = &s.dwell {
            let extras: [(&str, Option<std::ops::Range<usize>>); 13] = [
                ("cost_per_t", s.cost_per_t.as_ref().map(Spanned::span)),
                ("cost_per_lot", s.cost_per_lot.as_ref().map(Spanned::span)),
                ("capacity", s.capacity.as_ref().map(Spanned::span)),
                ("service", s.service.as_ref().map(Spanned::span)),
                ("service_per_carrier", s.service_per_carrier.as_ref().map(Spanned::span)),
                ("rate_t_per_day", s.rate_t_per_day.as_ref().map(Spanned::span)),
                ("transload", s.transload.as_ref().map(Spanned::span)),
                ("through_service_per_carrier", s.through_service_per_carrier.as_ref().map(Spanned::span)),
                ("calendar", s.calendar.as_ref().map(Spanned::span)),
                ("failures", s.failures.as_ref().map(Spanned::span)),
                ("inspection", s.inspection.as_ref().map(Spanned::span)),
                ("rework", s.rework.as_ref().map(Spanned::span)),
                ("queue", s.queue.as_ref().map(Spanned::span)),
            ];
            for (field, span) in extras {
                if let Some(span) = span {
                    self.c.err_help::<()>(span, format!("{path}.{field}"), format!("a dwell stage has no `{field}`"), "a stage with `dwell` only takes time (no capacity, no queue); remove `dwell` to make it a server");
                }
            }
            let time = self.c.dist(dwell, Kind::Duration, 1.0, &format!("{path}.dwell"))?;
            let id = self.dwells.len() as DwellId;
            self.dwells.push(DwellSpec { name: qualified.clone(), time });
            let r = StageRef::Dwell { id, ends_here };
            self.stage_names.insert(qualified, r);
            return Some(r);
        }
        let capacity = match &s.capacity {
            Some(c) => self.c.count(c, &format!("{path}.capacity"), 1),
            None => self.c.err_help(
                st.span(),
                &path,
                format!("stage `{qualified}` needs a `capacity` (parallel servers)"),
                "or give it only a `dwell` to make it a pure waiting stage",
            ),
        };
        let given: Vec<(&str, &Spanned<values::DistSpec>)> = [
            ("service", s.service.as_ref()),
            ("service_per_carrier", s.service_per_carrier.as_ref()),
            ("rate_t_per_day", s.rate_t_per_day.as_ref()),
        ]
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
        .collect();
        let service = match given.as_slice() {
            [(n, spec)] => {
                let p = format!("{path}.{n}");
                match *n {
                    "service" => self.c.dist(spec, Kind::Duration, 1.0, &p).map(Service::PerLot),
                    "service_per_carrier" => self.c.dist(spec, Kind::Duration, 1.0, &p).map(Service::PerCarrier),
                    _ => self.c.dist(spec, Kind::Number, 1.0 / DAY, &p).and_then(|d| {
                        if d.mean() > 0.0 { Some(Service::Rate(d)) } else { self.c.err(spec.span(), &p, "a handling rate must have a positive mean") }
                    }),
                }
            }
            [] => self.c.err_help(st.span(), &path, format!("stage `{qualified}` needs a service time"), "give one of `service` (per lot), `service_per_carrier` (per wagon or truck) or `rate_t_per_day`"),
            [_, (n2, spec2), ..] => self.c.err(spec2.span(), format!("{path}.{n2}"), format!("stage `{qualified}` has more than one service time; keep one of `service`, `service_per_carrier`, `rate_t_per_day`")),
        };
        let transload = s.transload.as_ref().is_some_and(|b| *b.get_ref());
        let through_service = match &s.through_service_per_carrier {
            Some(t) if !transload => self.c.err(
                t.span(),
                format!("{path}.through_service_per_carrier"),
                "only a `transload = true` stage can serve carriers that stay on",
            ),
            Some(t) => self
                .c
                .dist(t, Kind::Duration, 1.0, &format!("{path}.through_service_per_carrier"))
                .map(Service::PerCarrier),
            None => None,
        };
        let calendar = self.calendar(&s.calendar, &format!("{path}.calendar"));
        let failures = self.failures(&s.failures, &path);
        let inspection = self.chance(&s.inspection, &format!("{path}.inspection"), false);
        let rework = self.chance(&s.rework, &format!("{path}.rework"), true);
        let discipline = match s.queue.as_ref().map(|q| q.get_ref().as_str()) {
            None | Some("fifo") => Discipline::Fifo,
            Some("order_first") => Discipline::Priority,
            Some(other) => {
                let span = s.queue.as_ref().map(Spanned::span).unwrap_or_default();
                self.c.err_help::<()>(
                    span,
                    format!("{path}.queue"),
                    format!("unknown queue discipline \"{other}\""),
                    "use \"fifo\" or \"order_first\" (the order's lots before background traffic)",
                );
                Discipline::Fifo
            }
        };
        let cost_per_t =
            s.cost_per_t.as_ref().and_then(|v| self.c.non_negative(v, &format!("{path}.cost_per_t"))).unwrap_or(0.0);
        let cost_per_lot = s
            .cost_per_lot
            .as_ref()
            .and_then(|v| self.c.non_negative(v, &format!("{path}.cost_per_lot")))
            .unwrap_or(0.0);
        let (capacity, service) = (capacity?, service?);
        let id = self.servers.len() as ServerId;
        self.servers.push(ServerSpec {
            name: qualified.clone(),
            capacity,
            service,
            through_service,
            transload,
            calendar,
            failures,
            inspection,
            rework,
            discipline,
            cost_per_t,
            cost_per_lot,
        });
        let r =
            StageRef::Server { id, transload, through: self.servers[id as usize].through_service.is_some(), ends_here };
        self.stage_names.insert(qualified, r);
        Some(r)
    }

    /// The mills, and each mill's lot size (`None` where it was invalid).
    fn compile_mills(&mut self) -> (Vec<MillSpec>, Vec<Option<Tonnes>>) {
        let mut mills = Vec::new();
        let mut lot_sizes = Vec::new();
        for (name, mill) in in_file_order(&self.f.mills) {
            let path = format!("mills.{}", name.get_ref());
            let m = mill.get_ref();
            self.register(name, Entity::Mill(mills.len() as MillId), &path);
            let rate_path = format!("{path}.rate_t_per_day");
            match m.rate_t_per_day.get_ref() {
                RateSpec::Whole(r) => {
                    self.c.positive(&Spanned::new(m.rate_t_per_day.span(), *r), &rate_path);
                }
                RateSpec::PerProduct(rates) => {
                    for (product, r) in rates {
                        self.c.positive(r, &format!("{rate_path}.{}", product.get_ref()));
                    }
                }
            }
            let availability = m
                .availability
                .as_ref()
                .and_then(|a| self.c.dist(a, Kind::Number, 1.0, &format!("{path}.availability")));
            if let (Some(a), Some(spec)) = (&availability, &m.availability)
                && a.mean() <= 0.0
            {
                self.c.err::<()>(spec.span(), format!("{path}.availability"), "availability must have a positive mean");
            }
            let lot = self
                .c
                .positive(&m.lot_t, &format!("{path}.lot_t"))
                .and_then(Tonnes::from_t)
                .filter(|t| *t > Tonnes::ZERO);
            if lot.is_none() && m.lot_t.get_ref().is_finite() && *m.lot_t.get_ref() > 0.0 {
                self.c.err::<()>(
                    m.lot_t.span(),
                    format!("{path}.lot_t"),
                    "a lot must weigh at least 1 kg and at most 10^12 t",
                );
            }
            if let Some(s) = &m.stock_t {
                self.c.non_negative(s, &format!("{path}.stock_t"));
            }
            let failures = self.failures(&m.failures, &path);
            let mut seen = Vec::new();
            let stages: Vec<StageRef> = m
                .stages
                .iter()
                .enumerate()
                .filter_map(|(i, s)| self.stage(name.get_ref(), &path, i, s, &mut seen))
                .collect();
            self.mill_names.push(name.get_ref().clone());
            self.graph.nodes.push(GraphNode { name: name.get_ref().clone(), stages, store: None, handover: false });
            mills.push(MillSpec {
                name: name.get_ref().clone(),
                availability,
                failures,
                lines: Vec::new(),
                routes: Vec::new(),
            });
            lot_sizes.push(lot);
        }
        (mills, lot_sizes)
    }

    fn compile_nodes(&mut self) {
        for (i, (name, node)) in in_file_order(&self.f.nodes).into_iter().enumerate() {
            let path = format!("nodes.{}", name.get_ref());
            let n = node.get_ref();
            self.register(name, Entity::Node(i), &path);
            if let Some(kind) = &n.kind
                && !NODE_KINDS.contains(&kind.get_ref().as_str())
            {
                self.c.err_help::<()>(
                    kind.span(),
                    format!("{path}.kind"),
                    format!("unknown node kind \"{}\"", kind.get_ref()),
                    did_you_mean(kind.get_ref(), "kind", NODE_KINDS),
                );
            }
            let store = n.yard_t.as_ref().and_then(|y| {
                let cap = self.c.positive(y, &format!("{path}.yard_t")).and_then(Tonnes::from_t)?;
                let id = self.stores.len() as StoreId;
                let storage_per_t_day = n
                    .storage_per_t_day
                    .as_ref()
                    .and_then(|v| self.c.non_negative(v, &format!("{path}.storage_per_t_day")))
                    .unwrap_or(0.0);
                let name = format!("{}.yard", name.get_ref());
                self.stores.push(StoreSpec { name, capacity: cap, storage_per_t_day });
                Some(id)
            });
            let mut seen = Vec::new();
            let stages: Vec<StageRef> = n
                .stages
                .iter()
                .enumerate()
                .filter_map(|(i, s)| self.stage(name.get_ref(), &path, i, s, &mut seen))
                .collect();
            self.node_names.push(name.get_ref().clone());
            self.graph.nodes.push(GraphNode { name: name.get_ref().clone(), stages, store, handover: false });
        }
    }

    fn compile_legs(&mut self) {
        let n_mills = self.mill_names.len();
        for (name, leg) in in_file_order(&self.f.legs) {
            let path = format!("legs.{}", name.get_ref());
            let l = leg.get_ref();
            self.register(name, Entity::Leg(self.legs.len() as LegId), &path);
            let from = self.resolve(&l.from, &format!("{path}.from"), "mill or node", |e| {
                matches!(e, Entity::Mill(_) | Entity::Node(_))
            });
            let to = self.resolve(&l.to, &format!("{path}.to"), "node", |e| matches!(e, Entity::Node(_)));
            let graph_index = |e: Entity| match e {
                Entity::Mill(m) => m as usize,
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
                        Some(p) => Some((self.pools[p as usize].payload.t().ceil() as u32, GroupUnit::Tonnes)),
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
            let calendar = self.calendar(&l.calendar, &format!("{path}.calendar"));
            let cost_per_t = l
                .cost_per_t
                .as_ref()
                .and_then(|v| self.c.non_negative(v, &format!("{path}.cost_per_t")))
                .unwrap_or(0.0);
            let (Some(from), Some(to), Some(transit)) = (from, to, transit) else { continue };
            let cost = transit.mean_hours()
                + departures.as_ref().map_or(0.0, |d| d.timetable.map(|t| t.0).or(d.max_wait).unwrap_or(0.0) / 2.0);
            let id = self.legs.len() as LegId;
            self.graph.legs.push(GraphLeg { id, from: graph_index(from), to: graph_index(to), mode, pool, cost });
            self.legs.push(LegSpec {
                name: name.get_ref().clone(),
                transit,
                departures,
                incident_p,
                calendar,
                cost_per_t,
            });
        }
    }

    /// `supplies[mill][product]`: the share of each product each mill supplies.
    fn compile_supplies(&mut self, mix: &[(&Name, &Spanned<f64>)]) -> Option<Vec<Vec<f64>>> {
        let products: Vec<&str> = mix.iter().map(|(n, _)| n.get_ref().as_str()).collect();
        let mut table = Vec::new();
        let mut sums = vec![0.0; products.len()];
        for (name, mill) in in_file_order(&self.f.mills) {
            let mut row = vec![0.0; products.len()];
            for (product, share) in in_order(mill.get_ref().supplies.get_ref()) {
                let path = format!("mills.{}.supplies.{}", name.get_ref(), product.get_ref());
                let Some(p) = products.iter().position(|x| x == product.get_ref()) else {
                    self.c.err_help::<()>(
                        product.span(),
                        path,
                        format!("`{}` is not a product of the order", product.get_ref()),
                        did_you_mean(product.get_ref(), "product", products.iter().copied()),
                    );
                    continue;
                };
                if let Some(s) = self.c.probability(share, &path, false) {
                    row[p] = s;
                    sums[p] += s;
                }
            }
            table.push(row);
        }
        let mut ok = true;
        for (p, (product, share)) in mix.iter().enumerate() {
            if *share.get_ref() > 0.0 && (sums[p] - 1.0).abs() > 1e-6 {
                ok = false;
                self.c.err_help::<()>(
                    product.span(),
                    format!("order.mix.{}", product.get_ref()),
                    format!("the mills supply {:.4} of `{}`, not all of it", sums[p], product.get_ref()),
                    format!("the values of `{}` in the mills' `supplies` must add up to 1", product.get_ref()),
                );
            }
        }
        ok.then_some(table)
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_lots(
        &mut self,
        mills: &mut [MillSpec],
        lot_sizes: &[Option<Tonnes>],
        supplies: &[Vec<f64>],
        mix: &[(&Name, &Spanned<f64>)],
        total: Tonnes,
        dest_shares: &[f64],
        max_lots: u32,
    ) {
        let mut weights = Vec::new();
        for row in supplies {
            for (p, s) in row.iter().enumerate() {
                weights.push(mix[p].1.get_ref() * s);
            }
        }
        let kg = plan::apportion(total.kg(), &weights);
        let n_products = mix.len();
        let files = in_file_order(&self.f.mills);
        // Count before cutting: a 1 kg lot size would otherwise build 300 million lots (and
        // gigabytes) only to refuse them.
        let counts: Vec<u64> = lot_sizes
            .iter()
            .enumerate()
            .map(|(m, lot)| lot.map_or(0, |lot| plan::lot_count(&kg[m * n_products..(m + 1) * n_products], lot)))
            .collect();
        let lots: u64 = counts.iter().sum();
        if lots > u64::from(max_lots)
            && let Some((m, n)) = counts.iter().enumerate().max_by_key(|&(m, n)| (n, std::cmp::Reverse(m)))
        {
            let (name, spec) = files[m];
            self.c.err_help::<()>(
                spec.get_ref().lot_t.span(),
                format!("mills.{}.lot_t", name.get_ref()),
                format!(
                    "this scenario makes {lots} lots per replication ({n} at `{}`); the limit is {max_lots}",
                    name.get_ref()
                ),
                "use bigger lots (a wagon group or a truckload), or raise `limits.max_lots` if you mean it",
            );
            return;
        }
        for (m, mill) in mills.iter_mut().enumerate() {
            let Some(lot) = lot_sizes[m] else { continue };
            let row = &kg[m * n_products..(m + 1) * n_products];
            let (name, spec) = files[m];
            let spec = spec.get_ref();
            let stock_t = spec.stock_t.as_ref().map_or(0.0, |s| s.get_ref().max(0.0));
            let mill_kg: u64 = row.iter().sum();
            // Opening stock is shared among lines in proportion to what they make.
            let stock_of = |line_kg: u64| {
                let share = if mill_kg == 0 { 0.0 } else { line_kg as f64 / mill_kg as f64 };
                Tonnes::from_t(stock_t * share).unwrap_or(Tonnes::ZERO)
            };
            mill.lines = match spec.rate_t_per_day.get_ref() {
                RateSpec::Whole(rate) => vec![LineSpec {
                    products: (0..n_products).filter(|&p| row[p] > 0).map(|p| p as u8).collect(),
                    rate_t_per_h: rate / DAY,
                    stock: stock_of(mill_kg),
                    plan: plan::mill_plan(row, lot, dest_shares),
                }],
                RateSpec::PerProduct(rates) => {
                    let path = format!("mills.{}.rate_t_per_day", name.get_ref());
                    let names: Vec<&str> = mix.iter().map(|(n, _)| n.get_ref().as_str()).collect();
                    let mut lines = Vec::new();
                    for (product, rate) in in_order(rates) {
                        let p_path = format!("{path}.{}", product.get_ref());
                        match names.iter().position(|n| n == product.get_ref()) {
                            None => {
                                let help = did_you_mean(product.get_ref(), "product", names.iter().copied());
                                let msg = format!("`{}` is not a product of the order", product.get_ref());
                                self.c.err_help::<()>(product.span(), p_path, msg, help);
                            }
                            Some(p) if row[p] == 0 => {
                                let msg =
                                    format!("`{}` makes none of the order's `{}`", name.get_ref(), product.get_ref());
                                self.c.err_help::<()>(
                                    product.span(),
                                    p_path,
                                    msg,
                                    "remove this rate, or add the product to the mill's `supplies`",
                                );
                            }
                            Some(p) => {
                                let mut plan = plan::mill_plan(&[row[p]], lot, dest_shares);
                                for l in &mut plan {
                                    l.product = p as u8;
                                }
                                let rate = *rate.get_ref() / DAY;
                                lines.push(LineSpec {
                                    products: vec![p as u8],
                                    rate_t_per_h: rate,
                                    stock: stock_of(row[p]),
                                    plan,
                                });
                            }
                        }
                    }
                    for (p, kg) in row.iter().enumerate() {
                        if *kg > 0 && !rates.keys().any(|k| k.get_ref() == names[p]) {
                            let msg = format!("`{}` supplies `{}` but has no rate for it", name.get_ref(), names[p]);
                            self.c.err_help::<()>(
                                spec.rate_t_per_day.span(),
                                &path,
                                msg,
                                "give a rate for every product the mill supplies, or one number for the whole mill",
                            );
                        }
                    }
                    lines
                }
            };
        }
    }
}
