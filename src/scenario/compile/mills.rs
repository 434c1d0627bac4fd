//! Mills: their rates, lots and stock, which products each supplies, and the plan of lots
//! each production line makes.

use toml::Spanned;

use super::order::Demand;
use super::routes::{GraphNode, StageRef};
use super::{Compiler, Entity, in_order};
use crate::model::units::{DAY, Tonnes};
use crate::model::world::{Id, IdVec, LineSpec, MillId, MillSpec, ProductId};
use crate::scenario::plan;
use crate::scenario::schema::{Name, RateSpec, in_file_order};
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
                store: None,
                handover: None,
                carriage_paid_to: false,
            });
            mills.push(MillSpec {
                name: name.get_ref().clone(),
                availability,
                failures,
                lines: IdVec::new(),
                routes: IdVec::new(),
            });
            lot_sizes.push(lot);
        }
        (mills, lot_sizes)
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
            mill.lines = match spec.rate_t_per_day.get_ref() {
                RateSpec::Whole(rate) => IdVec::from(vec![LineSpec {
                    products: (0..n_products).filter(|&p| row[p] > 0).map(ProductId::from_index).collect(),
                    rate_t_per_h: rate / DAY,
                    stock: stock_of(mill_kg),
                    plan: plan::mill_plan(row, lot, dest_shares),
                }]),
                RateSpec::PerProduct(rates) => {
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
                                lines.push(LineSpec {
                                    products: vec![ProductId::from_index(p)],
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
