//! Corridors (`[routes.NAME]`) compiled into one route per mill and destination they
//! serve, and the check that every destination can be reached from every mill.

use std::collections::HashMap;

use toml::Spanned;

use crate::model::world::{
    CorridorId, DestinationId, Id, IdVec, MillId, MillSpec, PoolId, Route, RouteId, RoutingPolicy, Step,
};

use super::{Compiler, Entity};
use crate::scenario::schema::{Name, Via, in_file_order};
use crate::scenario::suggest::did_you_mean;

const MODES: [&str; 3] = ["rail", "road", "sea"];

/// A corridor with its names resolved.
struct Corridor {
    name: String,
    span: std::ops::Range<usize>,
    modes: Vec<String>,
    /// Waypoints with the modes allowed after each.
    via: Vec<(usize, Option<Vec<String>>)>,
    mills: Option<Vec<MillId>>,
    destinations: Option<Vec<DestinationId>>,
    share: Option<f64>,
    pools: HashMap<PoolId, PoolId>,
    /// Hours since the start from which lots may take it, and from which they may not.
    open: (f64, f64),
}

impl Compiler<'_> {
    fn modes(&mut self, list: &Spanned<Vec<Spanned<String>>>, path: &str) -> Vec<String> {
        let mut v = Vec::new();
        for (i, m) in list.get_ref().iter().enumerate() {
            if MODES.contains(&m.get_ref().as_str()) {
                v.push(m.get_ref().clone());
            } else {
                self.c.err_help::<()>(
                    m.span(),
                    format!("{path}[{i}]"),
                    format!("unknown mode \"{}\"", m.get_ref()),
                    did_you_mean(m.get_ref(), "mode", MODES),
                );
            }
        }
        if list.get_ref().is_empty() {
            self.c.err::<()>(list.span(), path, "name at least one mode");
        }
        v
    }

    fn graph_index(&self, e: Entity) -> Option<usize> {
        match e {
            Entity::Mill(m) => Some(m.index()),
            Entity::Node(n) => Some(self.mill_names.len() + n),
            _ => None,
        }
    }

    fn corridor(
        &mut self,
        name: &Name,
        spec: &Spanned<crate::scenario::schema::RouteSpec>,
        dest_names: &[&str],
    ) -> Corridor {
        let path = format!("routes.{}", name.get_ref());
        let r = spec.get_ref();
        let modes = match &r.modes {
            None => MODES.iter().map(|m| m.to_string()).collect(),
            Some(list) => self.modes(list, &format!("{path}.modes")),
        };
        let mut via = Vec::new();
        for (i, w) in r.via.iter().enumerate() {
            let wp = format!("{path}.via[{i}]");
            let (node, then) = match w.get_ref() {
                Via::Node(n) => (Spanned::new(w.span(), n.clone()), None),
                Via::Switch(s) => (s.node.clone(), Some(self.modes(&s.modes, &format!("{wp}.modes")))),
            };
            if let Some(e) = self.resolve(&node, &wp, "node", |e| matches!(e, Entity::Node(_))) {
                via.extend(self.graph_index(e).map(|g| (g, then)));
            }
        }
        let mills = r.mills.as_ref().map(|list| {
            let mut v = Vec::new();
            for (i, n) in list.get_ref().iter().enumerate() {
                if let Some(Entity::Mill(m)) =
                    self.resolve(n, &format!("{path}.mills[{i}]"), "mill", |e| matches!(e, Entity::Mill(_)))
                {
                    v.push(m);
                }
            }
            v
        });
        let destinations = r.destinations.as_ref().map(|list| {
            let mut v = Vec::new();
            for (i, n) in list.get_ref().iter().enumerate() {
                match dest_names.iter().position(|d| *d == n.get_ref()) {
                    Some(d) => v.push(DestinationId::from_index(d)),
                    None => {
                        self.c.err_help::<()>(
                            n.span(),
                            format!("{path}.destinations[{i}]"),
                            format!("`{}` is not a destination of the order", n.get_ref()),
                            did_you_mean(n.get_ref(), "destination", dest_names.iter().copied()),
                        );
                    }
                }
            }
            v
        });
        let share = r.share.as_ref().and_then(|s| self.c.non_negative(s, &format!("{path}.share")));
        let mut pools = HashMap::new();
        if let Some(map) = &r.pools {
            for (from, to) in map.get_ref() {
                let p = format!("{path}.pools.{}", from.get_ref());
                let a = self.resolve(from, &p, "pool", |e| matches!(e, Entity::Pool(_)));
                let b = self.resolve(to, &p, "pool", |e| matches!(e, Entity::Pool(_)));
                if let (Some(Entity::Pool(a)), Some(Entity::Pool(b))) = (a, b) {
                    pools.insert(a, b);
                }
            }
        }
        let open = self.route_open(r, &path);
        Corridor {
            name: name.get_ref().clone(),
            span: name.span(),
            modes,
            via,
            mills,
            destinations,
            share,
            pools,
            open,
        }
    }

    /// Compiles the corridors; fills each mill's per-destination route choices. Reports a
    /// mill and destination no corridor connects only when `report_unreachable` (a network
    /// with broken parts would give misleading reasons).
    pub(super) fn compile_routes(
        &mut self,
        mills: &mut IdVec<MillId, MillSpec>,
        dests: &[(&Name, &Spanned<f64>)],
        dest_entities: &[Option<Entity>],
        routing: RoutingPolicy,
        report_unreachable: bool,
    ) -> IdVec<RouteId, Route> {
        let specs = in_file_order(&self.f.routes);
        let dest_names: Vec<&str> = dests.iter().map(|(n, _)| n.get_ref().as_str()).collect();
        if specs.is_empty() {
            self.c.err_help::<()>(
                self.f.order.span(),
                "routes",
                "the scenario has no routes",
                "add a corridor, e.g. [routes.rail] with modes = [\"rail\"] and via = [\"sarakhs\"]",
            );
            return IdVec::new();
        }
        let corridors: Vec<Corridor> = specs.iter().map(|(n, s)| self.corridor(n, s, &dest_names)).collect();
        if routing == RoutingPolicy::Shares && corridors.len() > 1 {
            let missing: Vec<&Corridor> = corridors.iter().filter(|c| c.share.is_none()).collect();
            for c in &missing {
                self.c.err_help::<()>(c.span.clone(), format!("routes.{}.share", c.name), format!("route `{}` needs a `share`", c.name), "with several routes and routing = \"shares\", give each route its share of the lots (they must add up to 1)");
            }
            let sum: f64 = corridors.iter().filter_map(|c| c.share).sum();
            if missing.is_empty() && (sum - 1.0).abs() > 1e-6 {
                self.c.err_help::<()>(
                    corridors[0].span.clone(),
                    "routes",
                    format!("the route shares add up to {sum:.6}, not 1"),
                    "each route's `share` is the fraction of lots it takes where it serves the mill and destination",
                );
            }
        }
        let mut routes = IdVec::new();
        let mut missing_handover: Vec<bool> = vec![false; corridors.len()];
        // The delivery places such routes pass nonetheless.
        let mut missing_at: Vec<Vec<String>> = vec![Vec::new(); corridors.len()];
        // Routes that never reach the place carriage is paid to (CPT, CIP).
        let mut unpaid: Vec<bool> = vec![false; corridors.len()];
        // Per destination: the mills that cannot reach it, and why.
        let mut unreachable: Vec<(Vec<String>, Vec<String>)> = vec![(Vec::new(), Vec::new()); dests.len()];
        for (m, mill) in mills.ids().zip(mills.iter_mut()) {
            mill.routes = dests.iter().map(|_| Vec::new()).collect();
            for (d, (dest_name, _)) in dests.iter().enumerate() {
                let d = DestinationId::from_index(d);
                if !mill.planned().any(|l| l.destination == d) {
                    continue;
                }
                let Some(dest_node) = dest_entities[d.index()].and_then(|e| self.graph_index(e)) else { continue };
                let mut reasons = Vec::new();
                for (ci, c) in corridors.iter().enumerate() {
                    if c.mills.as_ref().is_some_and(|ms| !ms.contains(&m)) {
                        reasons.push(format!("route `{}` does not serve mill `{}`", c.name, mill.name));
                        continue;
                    }
                    if c.destinations.as_ref().is_some_and(|ds| !ds.contains(&d)) {
                        reasons.push(format!("route `{}` does not serve `{}`", c.name, dest_name.get_ref()));
                        continue;
                    }
                    if routing == RoutingPolicy::Shares && corridors.len() > 1 && c.share == Some(0.0) {
                        reasons.push(format!("route `{}` has share 0", c.name));
                        continue;
                    }
                    let mut waypoints = vec![m.index()];
                    let mut seg_modes: Vec<&[String]> = Vec::new();
                    let mut current: &[String] = &c.modes;
                    for (node, then) in &c.via {
                        if *node != *waypoints.last().expect("starts with the mill") {
                            waypoints.push(*node);
                            seg_modes.push(current);
                        }
                        if let Some(t) = then {
                            current = t;
                        }
                    }
                    if dest_node != *waypoints.last().expect("starts with the mill") {
                        waypoints.push(dest_node);
                        seg_modes.push(current);
                    }
                    let legs = match self.graph.path_through(&waypoints, &seg_modes) {
                        Ok(legs) if !legs.is_empty() => legs,
                        Ok(_) => continue,
                        Err((a, b)) => {
                            let (a, b) = (&self.graph.nodes[a].name, &self.graph.nodes[b].name);
                            reasons.push(format!(
                                "route `{}`: no leg of an allowed mode leads from `{a}` to `{b}`",
                                c.name
                            ));
                            continue;
                        }
                    };
                    let release = &self.pool_release;
                    let (steps, nodes) = self.graph.steps(
                        &legs,
                        |l| l.pool.map(|p| c.pools.get(&p).copied().unwrap_or(p)),
                        |p| release.get(p).copied().unwrap_or_default(),
                    );
                    if !steps.contains(&Step::CostsPass) && self.graph.nodes.iter().any(|n| n.carriage_paid_to) {
                        unpaid[ci] = true;
                    }
                    if !steps.contains(&Step::Handover) {
                        missing_handover[ci] = true;
                        for n in &nodes {
                            let marked = self.graph.nodes.iter().any(|g| &g.name == n && g.handover.is_some());
                            if marked && !missing_at[ci].contains(n) {
                                missing_at[ci].push(n.clone());
                            }
                        }
                    }
                    let id = routes.push(Route {
                        name: format!("{}:{}->{}", c.name, mill.name, dest_name.get_ref()),
                        corridor: CorridorId::from_index(ci),
                        steps,
                        stages: Vec::new(), // filled once the stage table exists
                        draws: Vec::new(),
                        nodes,
                        premium_rate: 0.0,
                        open: c.open,
                    });
                    mill.routes[d].push((id, c.share.unwrap_or(1.0)));
                }
                if mill.routes[d].is_empty() {
                    let cut_off = &mut unreachable[d.index()];
                    cut_off.0.push(mill.name.clone());
                    for r in reasons {
                        if !cut_off.1.contains(&r) {
                            cut_off.1.push(r);
                        }
                    }
                }
            }
        }
        for (d, (mills_cut_off, reasons)) in unreachable.iter().enumerate() {
            if mills_cut_off.is_empty() || !report_unreachable {
                continue;
            }
            let dest = dests[d].0;
            let from = mills_cut_off.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
            let noun = if mills_cut_off.len() == 1 { "mill" } else { "mills" };
            let help = if reasons.is_empty() { "no route was found".to_string() } else { reasons.join("; ") };
            let msg = format!("no route takes lots from {noun} {from} to `{}`", dest.get_ref());
            self.c.err_help::<()>(dest.span(), format!("order.destinations.{}", dest.get_ref()), msg, help);
        }
        for (ci, _) in unpaid.iter().enumerate().filter(|(_, u)| **u) {
            let c = &corridors[ci];
            let places: Vec<String> =
                self.graph.nodes.iter().filter(|n| n.carriage_paid_to).map(|n| format!("`{}`", n.name)).collect();
            self.c.err_help::<()>(
                c.span.clone(),
                format!("routes.{}", c.name),
                format!("route `{}` never reaches the place carriage is paid to", c.name),
                format!(
                    "the contract pays carriage to {}; name a place every route reaches in `contract.place`",
                    places.join(", ")
                ),
            );
        }
        for (ci, missing) in missing_handover.iter().enumerate() {
            if *missing {
                let c = &corridors[ci];
                let points: Vec<String> =
                    self.graph.nodes.iter().filter(|n| n.handover.is_some()).map(|n| format!("`{}`", n.name)).collect();
                let (what, field) = match &self.f.contract {
                    Some(_) => ("the contract delivers at", "`contract.place`"),
                    None => ("the handover points are", "`order.handover`"),
                };
                // A route through a delivery place whose marked stage does not apply to it
                // (a transload where it keeps its carrier, a stage only for lots ending there).
                let passes: Vec<&str> = missing_at[ci].iter().map(String::as_str).collect();
                let (msg, help) = if passes.is_empty() {
                    (
                        format!("route `{}` never passes a handover point", c.name),
                        format!(
                            "{what} {}; add one to its `via`, or name a node it passes in {field}",
                            points.join(", ")
                        ),
                    )
                } else {
                    (
                        format!(
                            "route `{}` passes `{}` without going through the stage where the contract delivers",
                            c.name,
                            passes.join("`, `")
                        ),
                        "the stage marked `unloads` or `clears_import` applies only to lots that change carriers there (a transload) or end there (`ends_here = true`); mark a stage every lot goes through, or choose another Incoterm or place".to_string(),
                    )
                };
                self.c.err_help::<()>(c.span.clone(), format!("routes.{}", c.name), msg, help);
            }
        }
        routes
    }

    /// `opens` and `closes`, in hours since the start.
    fn route_open(&mut self, r: &crate::scenario::schema::RouteSpec, path: &str) -> (f64, f64) {
        let day = |k: &mut Self, v: &Option<Spanned<toml::Value>>, field: &str| {
            v.as_ref().and_then(|v| k.one_day(v, &format!("{path}.{field}")).map(|d| (d, v.span())))
        };
        let (opens, closes) = (day(self, &r.opens, "opens"), day(self, &r.closes, "closes"));
        if let (Some((o, _)), Some((c, span))) = (&opens, &closes)
            && c <= o
        {
            self.c.err::<()>(
                span.clone(),
                format!("{path}.closes"),
                format!("the route closes ({c}) before it opens ({o})"),
            );
        }
        (opens.map_or(0.0, |(d, _)| self.hours(d).max(0.0)), closes.map_or(f64::INFINITY, |(d, _)| self.hours(d)))
    }

    /// Every mill and destination has a route open at every moment from the start to the
    /// horizon: a lot made when none is would have nowhere to go.
    pub(super) fn routes_always_open(
        &mut self,
        mills: &IdVec<MillId, MillSpec>,
        routes: &IdVec<RouteId, Route>,
        dests: &[String],
    ) {
        for mill in mills.iter() {
            for (d, candidates) in mill.routes.iter().enumerate() {
                if candidates.is_empty() {
                    continue;
                }
                let mut spans: Vec<(f64, f64)> = candidates.iter().map(|&(r, _)| routes[r].open).collect();
                spans.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut covered = 0.0;
                let mut gap = None;
                for (a, b) in spans {
                    if a > covered {
                        gap = Some((covered, a));
                        break;
                    }
                    covered = f64::max(covered, b);
                }
                let gap = gap.or((covered < self.horizon_h).then_some((covered, self.horizon_h)));
                if let Some((a, b)) = gap {
                    let date = |h: f64| crate::model::units::date_after(self.start, h / crate::model::units::DAY);
                    let until = if b >= self.horizon_h { "the horizon".to_string() } else { date(b) };
                    let span = in_file_order(&self.f.routes).first().map(|(k, _)| k.span()).unwrap_or_default();
                    self.c.err_help::<()>(
                        span,
                        "routes",
                        format!(
                            "from {} until {until} no route is open from `{}` to `{}`: a lot made then would have nowhere to go",
                            date(a),
                            mill.name,
                            dests[d]
                        ),
                        "open another route in that time (`opens`, `closes`), or leave one open throughout",
                    );
                }
            }
        }
    }
}
