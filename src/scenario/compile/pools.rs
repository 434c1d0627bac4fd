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
    /// the start (a change before the start applies from it; one after the horizon is a note).
    fn pool_changes(&mut self, rows: &[toml::Spanned<PoolChangeSpec>], units: u32, path: &str) -> Vec<(f64, i64)> {
        let mut out: Vec<(f64, i64)> = Vec::new();
        let (mut before, mut last_day) = (i64::from(units), None);
        for (i, row) in rows.iter().enumerate() {
            let p = format!("{path}.changes[{i}]");
            let c = row.get_ref();
            let day = self.one_day(&c.at, &format!("{p}.at"));
            let now = self.c.count(&c.units, &format!("{p}.units"), 0).map(i64::from);
            let (Some(day), Some(now)) = (day, now) else { continue };
            if last_day.is_some_and(|d| day <= d) {
                self.c.err::<()>(c.at.span(), format!("{p}.at"), "changes must be in date order, one per day");
                continue;
            }
            last_day = Some(day);
            if day > self.anchors.horizon {
                self.c.note(c.at.span(), format!("{p}.at"), format!("{day} is after the horizon: left out"));
                continue;
            }
            if day < self.anchors.start {
                self.c.note(
                    c.at.span(),
                    format!("{p}.at"),
                    format!("{day} is before the order's start {}: in force from the start", self.anchors.start),
                );
            }
            out.push((self.hours(day).max(0.0), now - before));
            before = now;
        }
        out
    }
}
