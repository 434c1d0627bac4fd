//! Scenario to world: resolves names to indices, converts units, checks every field, and
//! compiles corridors into routes. Every problem is collected with its place in the file.

use std::collections::HashMap;

use jiff::civil::Date;
use toml::Spanned;

use crate::engine::Calendar;
use crate::model::units::DAY;
use crate::model::world::*;

use super::ctx::{Ctx, hours_between};
use super::diag::Diagnostic;
use super::schema::*;
use super::suggest::did_you_mean;
use routes::{Graph, StageRef};

mod calendars;
mod checks;
mod contract;
mod corridors;
mod disturbances;
mod insurance;
mod legs;
mod mills;
mod nodes;
mod order;
mod pools;
mod routes;
mod stages;
mod uncertain;
mod when;

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
enum Entity {
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
struct CalendarParts {
    name: String,
    weekly: Option<Vec<(f64, f64)>>,
    closed: Vec<(f64, f64)>,
    span: std::ops::Range<usize>,
}

/// State shared by the compile steps.
struct Compiler<'f> {
    f: &'f ScenarioFile,
    sources: &'f super::Sources,
    c: Ctx,
    start: Date,
    /// The order's start, deadline and horizon, to which relative dates refer.
    anchors: crate::scenario::dates::Anchors,
    horizon_h: f64,
    week_hour_at_zero: f64,
    names: HashMap<String, (Entity, std::ops::Range<usize>)>,
    calendar_ids: HashMap<String, CalendarId>,
    calendar_parts: IdVec<CalendarId, CalendarParts>,
    calendars: IdVec<CalendarId, Calendar>,
    pools: IdVec<PoolId, PoolSpec>,
    pool_spans: IdVec<PoolId, std::ops::Range<usize>>,
    /// Where each pool's carriers are given back at a node a lot leaves them at.
    pool_release: IdVec<PoolId, routes::Release>,
    servers: IdVec<ServerId, ServerSpec>,
    dwells: IdVec<DwellId, DwellSpec>,
    stores: IdVec<StoreId, StoreSpec>,
    legs: IdVec<LegId, LegSpec>,
    /// `node.stage` (and `mill.stage`) to the stage, for background traffic and disruptions.
    stage_names: HashMap<String, StageRef>,
    graph: Graph,
    /// Node names in declaration order (graph indices after the mills).
    node_names: Vec<String>,
    mill_names: Vec<String>,
}

impl<'f> Compiler<'f> {
    fn ctx_only(f: &'f ScenarioFile, sources: &'f super::Sources, c: Ctx) -> Self {
        Compiler {
            f,
            sources,
            c,
            start: Date::constant(2000, 1, 1),
            anchors: crate::scenario::dates::Anchors {
                start: Date::constant(2000, 1, 1),
                deadline: Date::constant(2000, 1, 1),
                horizon: Date::constant(2000, 1, 1),
            },
            horizon_h: 0.0,
            week_hour_at_zero: 0.0,
            names: HashMap::new(),
            calendar_ids: HashMap::new(),
            calendar_parts: IdVec::new(),
            calendars: IdVec::new(),
            pools: IdVec::new(),
            pool_spans: IdVec::new(),
            pool_release: IdVec::new(),
            servers: IdVec::new(),
            dwells: IdVec::new(),
            stores: IdVec::new(),
            legs: IdVec::new(),
            stage_names: HashMap::new(),
            graph: Graph::default(),
            node_names: Vec::new(),
            mill_names: Vec::new(),
        }
    }

    /// Hours since the start at 00:00 of `d`.
    fn hours(&self, d: Date) -> f64 {
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
    fn resolve(&mut self, name: &Name, path: &str, what: &str, want: impl Fn(Entity) -> bool) -> Option<Entity> {
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
/// found. The steps run in file-reading order, so problems are reported in a stable order;
/// each step reports its own problems and carries on, so that one pass finds them all.
pub(super) fn compile(
    f: &ScenarioFile,
    sources: &super::Sources,
    default_name: &str,
) -> Result<(World, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut c = Ctx::default();
    let o = f.order.get_ref();
    let name = order::name(f, default_name, &mut c);
    let tonnes = order::tonnes(o, &mut c);
    let Some(dates) = order::dates(o, &mut c) else { return Err(c.diags) };
    let mut k = Compiler::ctx_only(f, sources, c);
    k.start = dates.start;
    k.anchors =
        crate::scenario::dates::Anchors { start: dates.start, deadline: dates.deadline, horizon: dates.horizon };
    k.horizon_h = k.hours(dates.horizon) + DAY;
    k.week_hour_at_zero = dates.start.weekday().to_monday_zero_offset() as f64 * DAY;
    let deadline_h = k.hours(dates.deadline) + DAY;

    let terms = k.compile_terms();
    k.compile_calendars();
    k.compile_pools();
    let (mut mills, lot_sizes) = k.compile_mills();
    k.compile_nodes();
    k.compile_legs();
    let demand = k.compile_demand();
    let handover = k.compile_contract(tonnes, deadline_h, &demand.mix);
    let supplies = k.compile_supplies(&demand.mix);
    let limits = k.compile_limits();

    // A broken leg or share makes later "unreachable" complaints noise: route only a
    // network whose parts are sound, but still check everything that does not depend on it.
    let sound = k.c.diags.is_empty();
    let mut routes = IdVec::new();
    // Without destinations (already reported) there is nowhere to send lots.
    if let (Some(tonnes), Some(supplies), false) = (tonnes, &supplies, demand.destinations.is_empty()) {
        k.plan_lots(&mut mills, &lot_sizes, supplies, &demand, tonnes, limits.max_lots);
        routes = k.compile_routes(&mut mills, &demand.destinations, &demand.destination_nodes, terms.routing, sound);
        k.routes_always_open(&mills, &routes, &demand.destination_names());
    }
    let background = k.compile_background();
    let disruptions = k.compile_disruptions(deadline_h);
    let uncertain = k.compile_uncertain();
    let Some(tonnes) = tonnes else { return Err(k.c.diags) };
    if !k.c.diags.is_empty() {
        return Err(k.c.diags);
    }
    let stages = Stages::index(&k.servers, &k.dwells, &k.legs, &k.pools, &k.stores);
    for r in routes.iter_mut() {
        r.stages = r.steps.iter().map(|&s| stages.of(s)).collect();
        r.draws = Route::draw_keys(&r.steps);
        if let Some(c) = &handover.contract
            && let Some(ins) = &c.insurance
        {
            r.premium_rate = insurance::premium_rate(r, &k.legs, ins, c.incoterm);
        }
    }
    let world = World {
        name,
        description: f.description.clone(),
        start: dates.start,
        order: Order {
            tonnes,
            products: demand.products().into(),
            destinations: demand.destination_names().into(),
            handover_points: handover.points,
            confidence: terms.confidence,
            routing: terms.routing,
            reallocation: terms.reallocation,
            late_penalty_per_t_day: terms.late_penalty_per_t_day,
            lost_tolerance: terms.lost_tolerance,
            currency: o.currency.as_ref().map_or_else(|| "USD".to_string(), |c| c.get_ref().clone()),
        },
        deadline: crate::engine::Time::new(deadline_h).unwrap_or(crate::engine::Time::ZERO),
        horizon: crate::engine::Time::new(k.horizon_h).unwrap_or(crate::engine::Time::ZERO),
        stages,
        calendars: std::mem::take(&mut k.calendars),
        servers: std::mem::take(&mut k.servers),
        dwells: std::mem::take(&mut k.dwells),
        legs: std::mem::take(&mut k.legs),
        pools: std::mem::take(&mut k.pools),
        stores: std::mem::take(&mut k.stores),
        mills,
        routes,
        corridors: in_file_order(&f.routes).iter().map(|(n, _)| n.get_ref().clone()).collect(),
        background: background.into(),
        disruptions: disruptions.into(),
        uncertain,
        max_events: limits.max_events,
        contract: handover.contract,
        status: None,
    };
    k.feasibility(&world);
    if k.c.diags.is_empty() {
        k.event_budget(&world);
    }
    if k.c.diags.is_empty() { Ok((world, k.c.notes)) } else { Err(k.c.diags) }
}

/// A map's entries in file order.
/// A map's entries in file order.
fn in_order<T>(m: &std::collections::BTreeMap<Name, Spanned<T>>) -> Vec<(&Name, &Spanned<T>)> {
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
}
