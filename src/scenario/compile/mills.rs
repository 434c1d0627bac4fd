//! Mills: their rates, lots and stock, which products each supplies, and the plan of lots
//! each production line makes.

use toml::Spanned;

use super::order::Demand;
use super::routes::{GraphNode, StageRef};
use super::{Compiler, Entity, in_order};
use crate::model::units::{DAY, Tonnes};
use crate::model::world::{Id, IdVec, LineSpec, LotTime, MillId, MillPriority, MillSpec, ProductId};
use crate::scenario::plan;
use crate::scenario::schema::{MillSpecFile, Name, RateSpec, in_file_order};
use crate::scenario::suggest::did_you_mean;
use crate::scenario::values::Kind;

impl Compiler<'_> {
    pub(super) fn compile_mills(&mut self) -> (IdVec<MillId, MillSpec>, Vec<Option<Tonnes>>) {
        let mut mills = IdVec::new();
        let mut lot_sizes = Vec::new();
        for (name, mill) in in_file_order(&self.f.mills) {
            let path = format!("mills.{}", name.get_ref());
            let m = mill.get_ref();
            self.register(name, Entity::Mill(mills.next_id()), &path);
            self.c.label(m.label.as_ref(), &path);
            self.c.position(m.lat.as_ref(), m.lon.as_ref(), &path);
            let priority = self.mill_capacity(m, &path);
            let availability = m
                .availability
                .as_ref()
                .and_then(|a| self.c.dist(a, Kind::Number, 1.0, &format!("{path}.availability")));
            if let (Some(a), Some(spec)) = (&availability, &m.availability) {
                let apath = format!("{path}.availability");
                if a.mean() <= 0.0 {
                    self.c.err::<()>(spec.span(), apath, "availability must have a positive mean");
                } else {
                    // A share of the line's time: above 1 would make more than the rate allows.
                    match a.max() {
                        Some(most) if most <= 1.0 => {}
                        Some(most) => {
                            self.c.err_help::<()>(
                                spec.span(),
                                apath,
                                format!("availability is a share of the time, at most 1 (it can reach {most})"),
                                "give a fraction such as 0.85, or a distribution within 0..1 (beta, uniform, or a truncation with max = 1)",
                            );
                        }
                        None => {
                            self.c.err_help::<()>(
                                spec.span(),
                                apath,
                                "availability is a share of the time, but this distribution is not bounded by 1",
                                "use a number, a beta, uniform, triangular or empirical distribution within 0..1, or give the family `max = 1`",
                            );
                        }
                    }
                }
            }
            let lot = self.c.mass(&m.lot_t, &format!("{path}.lot_t"));
            let production_time = self.mill_output(name, m, &path, lot);
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
            self.graph.nodes.push(GraphNode {
                name: name.get_ref().clone(),
                stages,
                unload: None,
                store: None,
                handover: None,
                carriage_paid_to: false,
            });
            mills.push(MillSpec {
                name: name.get_ref().clone(),
                availability,
                failures,
                production_time,
                priority,
                lines: IdVec::new(),
                routes: IdVec::new(),
            });
            lot_sizes.push(lot);
        }
        (mills, lot_sizes)
    }

    /// Checks the mill's rate, or reads its production time per lot.
    fn mill_output(&mut self, name: &Name, m: &MillSpecFile, path: &str, lot: Option<Tonnes>) -> Option<LotTime> {
        let rate_path = format!("{path}.rate_t_per_day");
        match (&m.rate_t_per_day, &m.production_time) {
            (Some(rate), None) => {
                match rate.get_ref() {
                    RateSpec::Whole(r) => {
                        self.c.positive(&Spanned::new(rate.span(), *r), &rate_path);
                    }
                    RateSpec::PerProduct(rates) => {
                        for (product, r) in rates {
                            self.c.positive(r, &format!("{rate_path}.{}", product.get_ref()));
                        }
                    }
                }
                if let Some(s) = &m.short_lot {
                    self.c.err_help::<()>(
                        s.span(),
                        format!("{path}.short_lot"),
                        "`short_lot` applies to a `production_time` only",
                        "a rate already makes a smaller lot in its share of the time; remove `short_lot`",
                    );
                }
                None
            }
            (None, Some(t)) => {
                let tpath = format!("{path}.production_time");
                let time = self.c.dist(t, Kind::Duration, 1.0, &tpath);
                if let Some(d) = &time
                    && d.mean() <= 0.0
                {
                    self.c.err::<()>(t.span(), &tpath, "the production time must have a positive mean");
                }
                if let Some(c) = &m.capacity_t_per_day {
                    self.c.err_help::<()>(
                        c.span(),
                        format!("{path}.capacity_t_per_day"),
                        "a capacity needs the order's allocation as a rate",
                        "give `rate_t_per_day` instead of `production_time`, or remove the capacity",
                    );
                }
                let full_for_short = self.c.choice(
                    m.short_lot.as_ref(),
                    &format!("{path}.short_lot"),
                    "short_lot",
                    &[("pro_rata", false, "a smaller lot takes its share of a draw"), ("full", true, "a whole draw")],
                );
                Some(LotTime { time: time?, lot: lot?, full_for_short })
            }
            (None, None) => self.c.err_help(
                name.span(),
                path,
                format!("mill `{}` has no production rate", name.get_ref()),
                "give `rate_t_per_day` (tonnes a day) or `production_time` (time per lot)",
            ),
            (Some(rate), Some(_)) => self.c.err_help(
                rate.span(),
                rate_path,
                "give either `rate_t_per_day` or `production_time`, not both",
                "a rate makes every lot in tonnes over the rate; a production time draws each lot's time",
            ),
        }
    }

    /// Checks `capacity_t_per_day` against the allocation and reads `priority`.
    fn mill_capacity(&mut self, m: &MillSpecFile, path: &str) -> MillPriority {
        let cpath = format!("{path}.capacity_t_per_day");
        let priority = match m.priority.as_ref() {
            None => MillPriority::Share,
            Some(p) => {
                let ppath = format!("{path}.priority");
                let parsed = self.c.choice(
                    Some(p),
                    &ppath,
                    "priority",
                    &[
                        ("share", MillPriority::Share, "everyone short in proportion"),
                        ("first", MillPriority::First, "the order served first"),
                        ("last", MillPriority::Last, "the order served last"),
                    ],
                );
                if m.capacity_t_per_day.is_none() {
                    self.c.err_help::<()>(
                        p.span(),
                        &ppath,
                        "a priority needs the mill's capacity to share",
                        "give `capacity_t_per_day` (the mill's output for every customer), or remove `priority`",
                    );
                }
                parsed
            }
        };
        let (Some(cap), Some(rate)) = (&m.capacity_t_per_day, &m.rate_t_per_day) else { return priority };
        let too_small = |c: f64, r: f64| {
            format!("the capacity ({c} t/day) is less than the order's allocation in `rate_t_per_day` ({r} t/day)")
        };
        match (cap.get_ref(), rate.get_ref()) {
            (RateSpec::Whole(c), RateSpec::Whole(r)) => {
                if self.c.positive(&Spanned::new(cap.span(), *c), &cpath).is_some() && c < r {
                    self.c.err::<()>(cap.span(), &cpath, too_small(*c, *r));
                }
            }
            (RateSpec::PerProduct(cs), RateSpec::PerProduct(rs)) => {
                for (product, c) in cs {
                    let p_path = format!("{cpath}.{}", product.get_ref());
                    let Some(c) = self.c.positive(c, &p_path) else { continue };
                    match rs.iter().find(|(k, _)| k.get_ref() == product.get_ref()) {
                        None => {
                            self.c.err_help::<()>(
                                product.span(),
                                p_path,
                                format!("`{}` has no rate in `rate_t_per_day`", product.get_ref()),
                                "give a capacity for each product the mill has a rate for",
                            );
                        }
                        Some((_, r)) if c < *r.get_ref() => {
                            self.c.err::<()>(product.span(), p_path, too_small(c, *r.get_ref()));
                        }
                        Some(_) => {}
                    }
                }
                for product in rs.keys() {
                    if !cs.keys().any(|k| k.get_ref() == product.get_ref()) {
                        self.c.err::<()>(
                            cap.span(),
                            &cpath,
                            format!("no capacity for `{}`, which has a rate", product.get_ref()),
                        );
                    }
                }
            }
            _ => {
                self.c.err_help::<()>(
                    cap.span(),
                    &cpath,
                    "the capacity is not in the shape of `rate_t_per_day`",
                    "give one number for both, or a table by product for both",
                );
            }
        }
        priority
    }

    pub(super) fn compile_supplies(&mut self, mix: &[(&Name, &Spanned<f64>)]) -> Option<Vec<Vec<f64>>> {
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

    /// Cuts each mill's share of the order into lots, per production line.
    pub(super) fn plan_lots(
        &mut self,
        mills: &mut IdVec<MillId, MillSpec>,
        lot_sizes: &[Option<Tonnes>],
        supplies: &[Vec<f64>],
        demand: &Demand<'_>,
        total: Tonnes,
        max_lots: u32,
    ) {
        let mix = &demand.mix;
        let dest_shares: Vec<f64> = demand.destinations.iter().map(|(_, s)| *s.get_ref()).collect();
        let dest_shares = dest_shares.as_slice();
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
            let one_line = |rate_t_per_h: f64| {
                IdVec::from(vec![LineSpec {
                    products: (0..n_products).filter(|&p| row[p] > 0).map(ProductId::from_index).collect(),
                    rate_t_per_h,
                    capacity_t_per_h: match spec.capacity_t_per_day.as_ref().map(Spanned::get_ref) {
                        Some(RateSpec::Whole(c)) => Some(c / DAY),
                        _ => None,
                    },
                    stock: stock_of(mill_kg),
                    plan: plan::mill_plan(row, lot, dest_shares),
                }])
            };
            mill.lines = match spec.rate_t_per_day.as_ref().map(Spanned::get_ref) {
                // The mean rate, for reports; each lot's time is drawn.
                None => match &mill.production_time {
                    Some(t) => one_line(t.lot.t() / t.time.mean()),
                    None => continue,
                },
                Some(RateSpec::Whole(rate)) => one_line(rate / DAY),
                Some(RateSpec::PerProduct(rates)) => {
                    let path = format!("mills.{}.rate_t_per_day", name.get_ref());
                    let names: Vec<&str> = mix.iter().map(|(n, _)| n.get_ref().as_str()).collect();
                    let mut lines = IdVec::new();
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
                                    l.product = ProductId::from_index(p);
                                }
                                let rate = *rate.get_ref() / DAY;
                                let capacity = match spec.capacity_t_per_day.as_ref().map(Spanned::get_ref) {
                                    Some(RateSpec::PerProduct(cs)) => cs
                                        .iter()
                                        .find(|(k, _)| k.get_ref() == product.get_ref())
                                        .map(|(_, c)| *c.get_ref() / DAY),
                                    _ => None,
                                };
                                lines.push(LineSpec {
                                    products: vec![ProductId::from_index(p)],
                                    rate_t_per_h: rate,
                                    capacity_t_per_h: capacity,
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
                                spec.rate_t_per_day.as_ref().map(Spanned::span).unwrap_or_default(),
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
