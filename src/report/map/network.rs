//! The network a map draws: its places (mills and nodes) with where they are, the legs
//! between them, and what the run measured at each (lots through, mean wait per lot).
//! Read from the scenario as run and its summary, the files a results folder keeps.

use crate::analysis::summary::Summary;

use super::super::labels::Labels;

/// A mill or a node.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Place {
    /// Its identifier.
    pub id: String,
    /// Its plain-language name.
    pub label: String,
    /// A mill (drawn as a square).
    pub mill: bool,
    /// Latitude and longitude, if the scenario gives them.
    pub at: Option<(f64, f64)>,
    /// Mean lots per replication through it.
    pub lots: f64,
    /// Mean wait per lot at its stages (and yard), hours.
    pub wait_hours: f64,
}

/// How a leg carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    Rail,
    Road,
    Sea,
}

/// A leg between two places.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Link {
    /// Index of its origin in the places.
    pub from: usize,
    /// Index of its end.
    pub to: usize,
    pub mode: Mode,
    /// Mean lots per replication along it.
    pub lots: f64,
}

/// A carrier pool and the mean wait for its carriers, hours per lot.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct PoolWait {
    pub label: String,
    pub wait_hours: f64,
}

/// Everything the map shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Network {
    pub places: Vec<Place>,
    pub links: Vec<Link>,
    pub pools: Vec<PoolWait>,
}

fn number(t: &toml::Table, key: &str) -> Option<f64> {
    match t.get(key)? {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

impl Network {
    /// The network of a scenario's table, measured by `summary`.
    pub(super) fn read(scenario: &toml::Table, summary: &Summary, labels: &Labels) -> Network {
        let mut net = Network::default();
        for (section, mill) in [("mills", true), ("nodes", false)] {
            let Some(entries) = scenario.get(section).and_then(toml::Value::as_table) else { continue };
            for (id, entry) in entries {
                let at = entry.as_table().and_then(|e| Some((number(e, "lat")?, number(e, "lon")?)));
                let label = labels.place(id);
                net.places.push(Place { id: id.clone(), label, mill, at, lots: 0.0, wait_hours: 0.0 });
            }
        }
        let index = |id: &str, places: &[Place]| places.iter().position(|p| p.id == id);
        let legs = scenario.get("legs").and_then(toml::Value::as_table);
        for (id, leg) in legs.into_iter().flatten() {
            let Some(leg) = leg.as_table() else { continue };
            let end = |k: &str| leg.get(k).and_then(toml::Value::as_str).and_then(|n| index(n, &net.places));
            let (Some(from), Some(to)) = (end("from"), end("to")) else { continue };
            let mode = match leg.get("mode").and_then(toml::Value::as_str) {
                Some("road") => Mode::Road,
                Some("sea") => Mode::Sea,
                _ => Mode::Rail,
            };
            let lots = summary.stages.iter().find(|s| s.kind == "leg" && &s.name == id).map_or(0.0, |s| s.lots);
            net.links.push(Link { from, to, mode, lots });
        }
        // A place's lots: the most that pass one of its stages, or, with no stages, the most
        // that arrive or leave along its legs; its wait: each stage's mean wait weighted by
        // the share of the place's lots that pass that stage.
        for (i, p) in net.places.iter_mut().enumerate() {
            let prefix = format!("{}.", p.id);
            let stages: Vec<_> = summary
                .stages
                .iter()
                .filter(|s| matches!(s.kind.as_str(), "server" | "dwell" | "yard") && s.name.starts_with(&prefix))
                .collect();
            let through = |incoming: bool| {
                net.links.iter().filter(|l| if incoming { l.to == i } else { l.from == i }).map(|l| l.lots).sum::<f64>()
            };
            let most = stages.iter().map(|s| s.lots).fold(0.0, f64::max);
            p.lots = if most > 0.0 { most } else { through(true).max(through(false)) };
            if p.lots > 0.0 {
                p.wait_hours = stages.iter().map(|s| s.mean_wait_hours * s.lots).sum::<f64>() / p.lots;
            }
        }
        net.pools = summary
            .stages
            .iter()
            .filter(|s| s.kind == "pool")
            .map(|s| PoolWait { label: labels.pool(&s.name), wait_hours: s.mean_wait_hours })
            .collect();
        net
    }

    /// Whether every place has coordinates (else the map is a schematic).
    pub(super) fn located(&self) -> bool {
        !self.places.is_empty() && self.places.iter().all(|p| p.at.is_some())
    }

    /// A schematic position for each place, in `0..=1` on both axes: columns by the longest
    /// chain of legs from an origin, places within a column ordered by where their
    /// predecessors sit (fewer crossings) and spread evenly.
    pub(super) fn schematic(&self) -> Vec<(f64, f64)> {
        let n = self.places.len();
        let mut depth = vec![0usize; n];
        // Longest path by relaxation; at most n rounds, so a cycle cannot hang it.
        for _ in 0..n {
            let mut changed = false;
            for l in &self.links {
                if depth[l.to] < depth[l.from] + 1 && depth[l.from] + 1 < n {
                    depth[l.to] = depth[l.from] + 1;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let columns = depth.iter().max().map_or(1, |d| d + 1);
        let mut y = vec![0.5; n];
        for c in 0..columns {
            let mut col: Vec<usize> = (0..n).filter(|&i| depth[i] == c).collect();
            let key = |i: usize| {
                let pred: Vec<f64> =
                    self.links.iter().filter(|l| l.to == i && depth[l.from] < c).map(|l| y[l.from]).collect();
                if pred.is_empty() { i as f64 / n as f64 } else { pred.iter().sum::<f64>() / pred.len() as f64 }
            };
            col.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
            let k = col.len();
            for (r, &i) in col.iter().enumerate() {
                y[i] = (r as f64 + 0.5) / k as f64;
            }
        }
        let x = |i: usize| if columns == 1 { 0.5 } else { depth[i] as f64 / (columns - 1) as f64 };
        (0..n).map(|i| (x(i), y[i])).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(links: &[(usize, usize)], n: usize) -> Network {
        let place = |i: usize| Place {
            id: format!("p{i}"),
            label: format!("P{i}"),
            mill: false,
            at: None,
            lots: 0.0,
            wait_hours: 0.0,
        };
        Network {
            places: (0..n).map(place).collect(),
            links: links.iter().map(|&(from, to)| Link { from, to, mode: Mode::Rail, lots: 1.0 }).collect(),
            pools: vec![],
        }
    }

    #[test]
    fn a_schematic_puts_each_place_one_column_after_its_farthest_predecessor() {
        // 0 -> 2 -> 3, 1 -> 3, 0 -> 3: place 3 sits after 2, not beside it.
        let xy = network(&[(0, 2), (2, 3), (1, 3), (0, 3)], 4).schematic();
        assert_eq!(xy.iter().map(|p| p.0).collect::<Vec<_>>(), [0.0, 0.0, 0.5, 1.0]);
        assert!(xy.iter().all(|p| p.1 > 0.0 && p.1 < 1.0));
    }

    #[test]
    fn a_cycle_does_not_hang_the_schematic() {
        let xy = network(&[(0, 1), (1, 2), (2, 0)], 3).schematic();
        assert_eq!(xy.len(), 3);
        assert!(xy.iter().all(|p| (0.0..=1.0).contains(&p.0)));
    }
}
