//! Carrier pools: wagons of one gauge, trucks, vessels, with their returns and supplies.

use super::routes::Release;
use super::{Compiler, Entity};
use crate::model::units::Tonnes;
use crate::model::world::{PoolSpec, Supply};
use crate::scenario::schema::{PoolChangeSpec, in_file_order};
use crate::scenario::values::Kind;

impl Compiler<'_> {
    pub(super) fn compile_pools(&mut self) {
        for (name, pool) in in_file_order(&self.f.pools) {
            let path = format!("pools.{}", name.get_ref());
            let p = pool.get_ref();
            self.register(name, Entity::Pool(self.pools.next_id()), &path);
            self.c.label(p.label.as_ref(), &path);
            let units = self.c.count(&p.units, &format!("{path}.units"), 0).unwrap_or(0);
            let payload = self.c.mass(&p.payload_t, &format!("{path}.payload_t")).unwrap_or(Tonnes::from_kg(1));
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
            let release = self.c.choice(
                p.release.as_ref(),
                &format!("{path}.release"),
                "release point",
                &[
                    ("unloaded", Release::Unloaded, "after the stage marked `unloads`"),
                    ("arrival", Release::Arrival, ""),
                    ("after_stages", Release::AfterStages, ""),
                ],
            );
            let changes = self.pool_changes(&p.changes, units, &path);
            self.pool_release.push(release);
            self.pool_spans.push(p.units.span());
            self.pools.push(PoolSpec {
                name: name.get_ref().clone(),
                units,
                payload,
                empty_return: empty_return
                    .unwrap_or_else(|| crate::engine::Dist::fixed(0.0).expect("zero is a valid fixed value")),
                return_share,
                supply,
                changes,
            });
        }
    }

    /// `changes`: each day's new fleet as the difference from the one before, in hours since
    /// the start.
    fn pool_changes(&mut self, rows: &[toml::Spanned<PoolChangeSpec>], units: u32, path: &str) -> Vec<(f64, i64)> {
        let rows: Vec<_> = rows.iter().map(|r| (&r.get_ref().at, &r.get_ref().units)).collect();
        let mut before = i64::from(units);
        self.dated_values(&rows, path, "units", 0)
            .into_iter()
            .map(|(h, now)| {
                let change = (h, i64::from(now) - before);
                before = i64::from(now);
                change
            })
            .collect()
    }
}
