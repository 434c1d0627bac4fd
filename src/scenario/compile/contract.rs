//! `[contract]`: the Incoterm and its named place decide where in the network a lot is
//! delivered (and the route compiler puts the handover step there); the tolerance, the
//! call-offs and the damages become the terms a replication is judged by. Without a
//! contract, `order.handover` names the nodes after whose stages lots are handed over.

use toml::Spanned;

use super::routes::{HandoverAt, StageRef};
use super::{Compiler, Entity};
use crate::engine::Time;
use crate::model::contract::{CallOff, Contract, Damages, Incoterm};
use crate::model::units::{DAY, Tonnes};
use crate::scenario::schema::{ContractSpec, Name};
use crate::scenario::suggest::did_you_mean;

/// `place = "mills"`: delivery at the mills (EXW; FCA at the seller's premises).
fn is_mills(place: &Spanned<toml::Value>) -> bool {
    place.get_ref().as_str() == Some("mills")
}

/// What the contract (or `order.handover`) compiles to.
pub(super) struct Handover {
    /// The terms, when there is a contract.
    pub(super) contract: Option<Contract>,
    /// Where lots are handed over, for reports.
    pub(super) points: Vec<String>,
}

impl Compiler<'_> {
    /// Reads `[contract]` (or `order.handover`), marks where lots are handed over, and
    /// returns the terms. `tonnes` is the order's quantity, `deadline_h` the end of its
    /// deadline day.
    pub(super) fn compile_contract(
        &mut self,
        tonnes: Option<Tonnes>,
        deadline_h: f64,
        mix: &[(&Name, &Spanned<f64>)],
    ) -> Handover {
        let o = self.f.order.get_ref();
        match (&self.f.contract, &o.handover) {
            (Some(c), Some(h)) => {
                self.c.err_help::<()>(
                    h.span(),
                    "order.handover",
                    "`order.handover` and `[contract]` both say where delivery happens",
                    format!("with a contract, its Incoterm and place decide it: remove `order.handover` (line of `[contract]`: {})", self.sources.position(c.span().start)),
                );
                Handover { contract: None, points: Vec::new() }
            }
            (Some(c), None) => self.contract(c, tonnes, deadline_h, mix),
            (None, Some(h)) => Handover { contract: None, points: self.legacy_handover(h) },
            (None, None) => {
                self.c.err_help::<()>(
                    self.f.order.span(),
                    "contract",
                    "nothing says where the seller delivers",
                    "add a `[contract]` with an `incoterm` and a `place` (docs/contract.md), or `order.handover = [NODE]`",
                );
                Handover { contract: None, points: Vec::new() }
            }
        }
    }

    /// `order.handover`: after every stage of each node named.
    fn legacy_handover(&mut self, h: &Spanned<Vec<Name>>) -> Vec<String> {
        if h.get_ref().is_empty() {
            self.c.err_help::<()>(
                h.span(),
                "order.handover",
                "name at least one handover node",
                "the handover (Incoterm) point, e.g. [\"sarakhs\"], or a `[contract]` instead",
            );
        }
        let mut points = Vec::new();
        for (i, n) in h.get_ref().iter().enumerate() {
            if let Some(Entity::Node(idx)) =
                self.resolve(n, &format!("order.handover[{i}]"), "node", |e| matches!(e, Entity::Node(_)))
            {
                let at = self.mill_names.len() + idx;
                self.graph.nodes[at].handover = Some(HandoverAt::AfterStages);
                points.push(n.get_ref().clone());
            }
        }
        points
    }

    fn contract(
        &mut self,
        spec: &Spanned<ContractSpec>,
        tonnes: Option<Tonnes>,
        deadline_h: f64,
        mix: &[(&Name, &Spanned<f64>)],
    ) -> Handover {
        let c = spec.get_ref();
        let Some(incoterm) = Incoterm::parse(c.incoterm.get_ref()) else {
            let codes: Vec<&str> = Incoterm::ALL.iter().map(|t| t.code()).collect();
            let known = if ["FOB", "FAS", "CFR", "CIF"].contains(&c.incoterm.get_ref().to_uppercase().as_str()) {
                format!(
                    "`{}` is for sea and inland waterway transport only; use one for any mode: {}",
                    c.incoterm.get_ref(),
                    codes.join(", ")
                )
            } else {
                did_you_mean(c.incoterm.get_ref(), "rule", codes.iter().copied())
            };
            self.c.err_help::<()>(
                c.incoterm.span(),
                "contract.incoterm",
                format!("unknown Incoterm `{}`", c.incoterm.get_ref()),
                known,
            );
            return Handover { contract: None, points: Vec::new() };
        };
        let places = self.places(c);
        let points = self.mark_delivery(incoterm, c, &places);
        // In basis points: floors are exact integers of kilograms.
        let tolerance_bp = c
            .tolerance_pct
            .as_ref()
            .and_then(|t| match *t.get_ref() {
                x if x.is_finite() && (0.0..50.0).contains(&x) => Some((x * 100.0).round() as u32),
                x => self.c.err(
                    t.span(),
                    "contract.tolerance_pct",
                    format!("a tolerance is a percentage from 0 up to (not including) 50 (got {x})"),
                ),
            })
            .unwrap_or(0);
        let tolerance = f64::from(tolerance_bp) / 10_000.0;
        let prices = c.price_per_t.as_ref().map(|p| self.prices(p, mix)).unwrap_or_default();
        // The order's average price: what damages in per cent and the cap are shares of.
        let price = (!prices.is_empty()).then(|| {
            let total: f64 = mix.iter().map(|(_, s)| *s.get_ref()).sum();
            mix.iter().zip(&prices).map(|((_, s), p)| s.get_ref() / total * p).sum::<f64>()
        });
        let calloffs = tonnes.map(|t| self.calloffs(c, t, tolerance_bp, deadline_h)).unwrap_or_default();
        let value = price.zip(tonnes).map(|(p, t)| p * t.t());
        let damages = c.damages.as_ref().and_then(|d| self.damages(d, price, value));
        let insurance = c.insurance.as_ref().and_then(|i| self.insurance(i, price));
        let named: Vec<String> = places.iter().map(|(n, _)| n.clone()).collect();
        let contract = Contract {
            incoterm,
            places: if named.is_empty() { vec!["mills".to_string()] } else { named },
            tolerance,
            tolerance_bp,
            calloffs,
            damages,
            price_per_t: price,
            prices,
            insurance,
        };
        Handover { contract: Some(contract), points }
    }

    /// `price_per_t`: one price for every product of the mix, or a table with one per
    /// product, in the mix's order (empty after an error).
    fn prices(&mut self, p: &Spanned<toml::Value>, mix: &[(&Name, &Spanned<f64>)]) -> Vec<f64> {
        let path = "contract.price_per_t";
        let positive = |k: &mut Self, v: &toml::Value, path: &str| -> Option<f64> {
            let x = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
            match x {
                Some(x) if x.is_finite() && x > 0.0 => Some(x),
                _ => k.c.err(p.span(), path, format!("a price is a number greater than zero (got {v})")),
            }
        };
        match p.get_ref() {
            toml::Value::Table(t) => {
                let products: Vec<&str> = mix.iter().map(|(n, _)| n.get_ref().as_str()).collect();
                for key in t.keys().filter(|k| !products.contains(&k.as_str())) {
                    self.c.err_help::<()>(
                        p.span(),
                        format!("{path}.{key}"),
                        format!("`{key}` is not a product of the order's mix"),
                        did_you_mean(key, "product", products.iter().copied()),
                    );
                }
                let mut out = Vec::new();
                for name in &products {
                    match t.get(*name) {
                        Some(v) => out.extend(positive(self, v, &format!("{path}.{name}"))),
                        None => {
                            self.c.err_help::<()>(
                                p.span(),
                                path,
                                format!("no price for `{name}`"),
                                "give every product of the mix its price, or one number for all",
                            );
                        }
                    }
                }
                if out.len() == products.len() { out } else { Vec::new() }
            }
            v => positive(self, v, path).map(|x| vec![x; mix.len()]).unwrap_or_default(),
        }
    }

    /// The named places: each a node (its name and graph index).
    fn places(&mut self, c: &ContractSpec) -> Vec<(String, usize)> {
        let Some(place) = &c.place else { return Vec::new() };
        if is_mills(place) {
            return Vec::new();
        }
        let names: Vec<String> = match place.get_ref() {
            toml::Value::String(s) => vec![s.clone()],
            toml::Value::Array(a) if !a.is_empty() && a.iter().all(toml::Value::is_str) => {
                a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
            }
            _ => {
                self.c.err_help::<()>(
                    place.span(),
                    "contract.place",
                    "a place is a node's name, or a list of names",
                    "e.g. place = \"sarakhs\" or place = [\"sarakhs\", \"sarakhs_road\"]",
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let name = Spanned::new(place.span(), n.clone());
            let path = if names.len() == 1 { "contract.place".to_string() } else { format!("contract.place[{i}]") };
            if let Some(Entity::Node(idx)) = self.resolve(&name, &path, "node", |e| matches!(e, Entity::Node(_))) {
                out.push((n.clone(), self.mill_names.len() + idx));
            }
        }
        out
    }

    /// Marks where each rule delivers; returns the handover points for reports.
    fn mark_delivery(&mut self, incoterm: Incoterm, c: &ContractSpec, places: &[(String, usize)]) -> Vec<String> {
        let at_mills = |k: &mut Self, at: HandoverAt| -> Vec<String> {
            for m in 0..k.mill_names.len() {
                k.graph.nodes[m].handover = Some(at);
            }
            k.mill_names.clone()
        };
        let needs_place = |k: &mut Self| {
            if c.place.as_ref().is_none_or(is_mills) {
                k.c.err_help::<()>(
                    c.incoterm.span(),
                    "contract.place",
                    format!("{} needs a named place", incoterm.code()),
                    "name the node(s) where delivery happens, e.g. place = \"sarakhs\"",
                );
            }
        };
        let at_the_mills = c.place.as_ref().is_none_or(is_mills);
        self.graph.costs_with_handover = !matches!(incoterm, Incoterm::Cpt | Incoterm::Cip);
        match incoterm {
            Incoterm::Exw => {
                if let (Some(p), false) = (&c.place, at_the_mills) {
                    self.c.err_help::<()>(
                        p.span(),
                        "contract.place",
                        "EXW delivers at the mills",
                        "leave `place` out, or write place = \"mills\": each lot is delivered at its mill's gate",
                    );
                }
                at_mills(self, HandoverAt::Arrival)
            }
            Incoterm::Fca if at_the_mills => at_mills(self, HandoverAt::AfterStages),
            Incoterm::Cpt | Incoterm::Cip => {
                needs_place(self);
                // Risk passes at the first carrier; the seller pays the carriage to the place.
                for (_, at) in places {
                    self.graph.nodes[*at].carriage_paid_to = true;
                }
                at_mills(self, HandoverAt::AfterStages)
            }
            Incoterm::Fca | Incoterm::Dap => {
                needs_place(self);
                for (_, at) in places {
                    self.graph.nodes[*at].handover = Some(HandoverAt::Arrival);
                }
                places.iter().map(|(n, _)| n.clone()).collect()
            }
            Incoterm::Dpu | Incoterm::Ddp => {
                needs_place(self);
                let (flag, field, what) = if incoterm == Incoterm::Dpu {
                    (true, "unloads", "unloaded")
                } else {
                    (false, "clears_import", "cleared for import")
                };
                for (name, at) in places {
                    match self.marked_stage(name, flag) {
                        Some(stage) => self.graph.nodes[*at].handover = Some(HandoverAt::AfterStage(stage)),
                        None => {
                            let span = c.place.as_ref().map_or(c.incoterm.span(), Spanned::span);
                            self.c.err_help::<()>(
                                span,
                                "contract.place",
                                format!("{} delivers once {what} at `{name}`, but no stage of `{name}` says `{field} = true`", incoterm.code()),
                                format!("mark the stage where lots are {what}, e.g. {{ name = \"...\", {field} = true, ... }}"),
                            );
                        }
                    }
                }
                places.iter().map(|(n, _)| n.clone()).collect()
            }
        }
    }

    /// The stage of node `name` marked `unloads` (or, with `unloads == false`, `clears_import`).
    fn marked_stage(&self, name: &str, unloads: bool) -> Option<StageRef> {
        let (_, node) = self.f.nodes.iter().find(|(k, _)| k.get_ref() == name)?;
        let stage = node.get_ref().stages.iter().find(|s| {
            let s = s.get_ref();
            let flag = if unloads { &s.unloads } else { &s.clears_import };
            flag.as_ref().is_some_and(|b| *b.get_ref())
        })?;
        self.stage_names.get(&format!("{name}.{}", stage.get_ref().name.get_ref())).copied()
    }

    /// The schedule, cumulative, with the tolerance's floors (of the cumulative tonnes, so
    /// that each floor is exact).
    fn calloffs(&mut self, c: &ContractSpec, tonnes: Tonnes, tolerance_bp: u32, deadline_h: f64) -> Vec<CallOff> {
        let Some(list) = &c.calloffs else {
            let deadline = Time::new(deadline_h).unwrap_or(Time::ZERO);
            let date = self.date_label(deadline_h);
            return vec![CallOff { date, due: deadline, tonnes, floor: Contract::floor_of(tolerance_bp, tonnes) }];
        };
        if list.get_ref().is_empty() {
            self.c.err::<()>(list.span(), "contract.calloffs", "give at least one call-off, or leave `calloffs` out");
            return Vec::new();
        }
        let Some(amounts) = self.calloff_tonnes(list, tonnes) else { return Vec::new() };
        let mut out: Vec<CallOff> = Vec::new();
        let mut sum = Tonnes::ZERO;
        for (i, (co, t)) in list.get_ref().iter().zip(amounts).enumerate() {
            let path = format!("contract.calloffs[{i}].by");
            let co = co.get_ref();
            let Some(date) = self.one_day(&co.by, &path) else { continue };
            let due_h = self.hours(date) + DAY;
            if out.last().is_some_and(|p: &CallOff| p.due.value() >= due_h) {
                self.c.err::<()>(co.by.span(), path.as_str(), "call-offs must be in date order, one per date");
            }
            if due_h > self.horizon_h {
                self.c.err::<()>(co.by.span(), path.as_str(), format!("{date} is after the horizon"));
            }
            if due_h <= 0.0 {
                self.c.err::<()>(co.by.span(), path.as_str(), format!("{date} is before the start"));
            }
            sum += t;
            out.push(CallOff {
                date: date.to_string(),
                due: Time::new(due_h.max(0.0)).unwrap_or(Time::ZERO),
                tonnes: t,
                floor: Contract::floor_of(tolerance_bp, sum),
            });
        }
        out
    }

    /// Each call-off's tonnes: all given in tonnes (adding up to the order) or all as shares
    /// (adding up to 1, split exactly to the kilogram).
    fn calloff_tonnes(
        &mut self,
        list: &Spanned<Vec<Spanned<crate::scenario::schema::CallOffSpec>>>,
        ordered: Tonnes,
    ) -> Option<Vec<Tonnes>> {
        let items = list.get_ref();
        let by_share = items.first().is_some_and(|co| co.get_ref().share.is_some());
        let mut given: Vec<Option<f64>> = Vec::with_capacity(items.len());
        for (i, co) in items.iter().enumerate() {
            let path = format!("contract.calloffs[{i}]");
            let s = co.get_ref();
            given.push(match (&s.tonnes, &s.share) {
                (Some(t), None) if !by_share => self.c.mass(t, &format!("{path}.tonnes")).map(Tonnes::t),
                (None, Some(sh)) if by_share => match *sh.get_ref() {
                    x if x.is_finite() && x > 0.0 && x <= 1.0 => Some(x),
                    x => self.c.err(
                        sh.span(),
                        format!("{path}.share"),
                        format!("a share is a fraction of the order, above 0 and at most 1 (got {x})"),
                    ),
                },
                (Some(_), Some(_)) => self.c.err(co.span(), path.as_str(), "give either `tonnes` or `share`, not both"),
                (None, None) => self.c.err_help(
                    co.span(),
                    path.as_str(),
                    "how much is due?",
                    "give `tonnes` (e.g. tonnes = 100000) or `share` of the order (e.g. share = 0.25)",
                ),
                _ => self.c.err_help(
                    co.span(),
                    path.as_str(),
                    "call-offs mix `tonnes` and `share`",
                    "give every call-off in tonnes, or every one as a share of the order",
                ),
            });
        }
        let given: Vec<f64> = given.into_iter().collect::<Option<_>>()?;
        if by_share {
            let total: f64 = given.iter().sum();
            if (total - 1.0).abs() > 1e-9 {
                return self.c.err_help(
                    list.span(),
                    "contract.calloffs",
                    format!("the call-offs' shares add up to {total}, not 1"),
                    "each share is a fraction of `order.tonnes`; together they are the whole order",
                );
            }
            let kg = crate::scenario::plan::apportion(ordered.kg(), &given);
            return Some(kg.into_iter().map(Tonnes::from_kg).collect());
        }
        let tonnes: Vec<Tonnes> = given.iter().filter_map(|t| Tonnes::from_t(*t)).collect();
        let sum = tonnes.iter().fold(Tonnes::ZERO, |a, t| a + *t);
        if sum != ordered {
            return self.c.err_help(
                list.span(),
                "contract.calloffs",
                format!("the call-offs add up to {sum}, not the {ordered} ordered"),
                "the schedule splits the order: its tonnes must add up to `order.tonnes` (or give each a `share`)",
            );
        }
        Some(tonnes)
    }

    fn date_label(&self, end_of_day_h: f64) -> String {
        crate::model::units::date_after(self.start, end_of_day_h / DAY - 1.0)
    }

    /// Damages per tonne per day, from a rate or a share of the value; the cap, a share of
    /// the contract's value or of each late tonne's.
    fn damages(
        &mut self,
        d: &Spanned<crate::scenario::schema::DamagesSpec>,
        price: Option<f64>,
        value: Option<f64>,
    ) -> Option<Damages> {
        let s = d.get_ref();
        let no_price = |k: &mut Self, span: std::ops::Range<usize>, path: &str| {
            k.c.err_help::<()>(span, path, "a percentage of the value needs a price", "give `contract.price_per_t`");
        };
        let per_t_day = match (&s.per_t_day, &s.pct_per_week) {
            (Some(r), None) => self.c.non_negative(r, "contract.damages.per_t_day"),
            (None, Some(p)) => {
                let pct = self.c.non_negative(p, "contract.damages.pct_per_week")?;
                match price {
                    Some(price) => Some(price * pct / 100.0 / 7.0),
                    None => {
                        no_price(self, p.span(), "contract.damages.pct_per_week");
                        None
                    }
                }
            }
            (Some(_), Some(p)) => {
                self.c.err(p.span(), "contract.damages", "give either `per_t_day` or `pct_per_week`, not both")
            }
            (None, None) => self.c.err_help(
                d.span(),
                "contract.damages",
                "how much are damages?",
                "give `per_t_day` (per tonne per day late) or `pct_per_week` (of the late tonnes' value)",
            ),
        };
        let grace_days =
            s.grace_days.as_ref().and_then(|g| self.c.non_negative(g, "contract.damages.grace_days")).unwrap_or(0.0);
        let (cap, cap_per_t) = match &s.cap_pct {
            None => {
                if let Some(of) = &s.cap_of {
                    self.c.err::<()>(
                        of.span(),
                        "contract.damages.cap_of",
                        "`cap_of` says what `cap_pct` is a share of: give `cap_pct` too",
                    );
                }
                (None, None)
            }
            Some(c) => {
                let pct = *c.get_ref();
                let of_late_goods = match s.cap_of.as_ref().map(|o| (o.get_ref().as_str(), o.span())) {
                    None | Some(("contract", _)) => Some(false),
                    Some(("late_goods", _)) => Some(true),
                    Some((other, span)) => self.c.err_help(
                        span,
                        "contract.damages.cap_of",
                        format!("unknown cap basis `{other}`"),
                        "\"contract\" (a share of the whole contract's value) or \"late_goods\" (of the value of the goods delivered late)",
                    ),
                };
                if !(pct.is_finite() && pct > 0.0 && pct <= 100.0) {
                    self.c.err::<()>(
                        c.span(),
                        "contract.damages.cap_pct",
                        format!("a cap is a percentage, above 0 and at most 100 (got {pct})"),
                    );
                    (None, None)
                } else {
                    match (of_late_goods, price, value) {
                        (Some(true), Some(p), _) => (None, Some(p * pct / 100.0)),
                        (Some(false), _, Some(v)) => (Some(v * pct / 100.0), None),
                        (Some(_), _, _) => {
                            no_price(self, c.span(), "contract.damages.cap_pct");
                            (None, None)
                        }
                        (None, _, _) => (None, None),
                    }
                }
            }
        };
        Some(Damages { per_t_day: per_t_day?, grace_days, cap, cap_per_t })
    }
}
