//! A cheap estimate, made before running, of how many events one replication needs.
//!
//! A scenario with 1 kg lots or a background train every second would run for hours and
//! fill memory before the event limit stopped it; refusing it up front, with the estimate
//! and the limit in the message, is kinder. The estimate counts what must happen for the
//! order to ship (one event per timed step of every lot) plus what the clock drives
//! (background arrivals, failures, calendar changes, daily snapshots) up to the deadline.
//! It is an order of magnitude, not a forecast (a run that finishes early needs fewer
//! clock-driven events, one that overshoots the deadline more); the event limit still stops
//! a replication that runs away while it runs.

use super::units::days;
use super::world::{FlowId, MillId, Step, World};

/// What drives a share of the events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// The lots a mill makes.
    Lots(MillId),
    /// A background flow.
    Background(FlowId),
    /// Failures, calendars, supplies and daily snapshots.
    Clock,
}

/// One contributor to the estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// What drives it.
    pub driver: Driver,
    /// A readable name (`lots from mills.isfahan`).
    pub what: String,
    /// Expected events.
    pub events: f64,
}

/// Where a replication's events come from, largest first.
#[derive(Debug, Clone, PartialEq)]
pub struct EventEstimate {
    /// The expected total.
    pub total: f64,
    /// The contributors, largest first.
    pub parts: Vec<Part>,
}

impl World {
    /// Estimates the events one replication needs to reach the deadline.
    pub fn estimate_events(&self) -> EventEstimate {
        let span = self.deadline.value();
        let mut parts: Vec<Part> = Vec::new();
        let mut add = |driver, what: String, events| parts.push(Part { driver, what, events });

        for (m, mill) in self.mills.iter_ids() {
            let lots: f64 = mill.lines.iter().map(|l| l.plan.len() as f64).sum();
            // The shortest route the mill uses bounds the lot's events from below.
            let steps = mill
                .routes
                .iter()
                .flatten()
                .map(|&(r, _)| self.routes[r].steps.iter().filter(|s| is_timed(s)).count())
                .min()
                .unwrap_or(0);
            add(Driver::Lots(m), format!("lots from mills.{}", mill.name), lots * (1 + steps) as f64);
            if let Some(f) = &mill.failures {
                add(
                    Driver::Clock,
                    format!("failures of mills.{}", mill.name),
                    cycles(span, f.between.mean(), f.repair.mean()),
                );
            }
        }
        for (b, bg) in self.background.iter_ids() {
            if let Some(every) = &bg.every {
                // Arrival, service end, and carriers coming back if it borrows any.
                let per_job = 2.0 + f64::from(u8::from(bg.carriers.is_some()));
                add(
                    Driver::Background(b),
                    format!("background.{}", bg.name),
                    per_job * span / every.mean().max(f64::MIN_POSITIVE),
                );
            }
        }
        for server in &self.servers {
            if let Some(f) = &server.failures {
                let each = cycles(span, f.between.mean(), f.repair.mean());
                add(Driver::Clock, format!("failures of {}", server.name), each * f64::from(server.capacity));
            }
            if let Some(c) = server.calendar {
                add(
                    Driver::Clock,
                    format!("calendar of {}", server.name),
                    self.calendars[c].changes_before(span) as f64,
                );
            }
        }
        for leg in &self.legs {
            if let Some(c) = leg.calendar {
                add(Driver::Clock, format!("calendar of {}", leg.name), self.calendars[c].changes_before(span) as f64);
            }
        }
        for pool in &self.pools {
            if let Some(s) = &pool.supply {
                add(Driver::Clock, format!("supply of {}", pool.name), span / s.every.mean().max(f64::MIN_POSITIVE));
            }
        }
        add(Driver::Clock, "daily snapshots".to_owned(), days(span));
        parts.retain(|p| p.events > 0.0);
        // Largest first; ties by name so the message is stable.
        parts.sort_by(|a, b| b.events.total_cmp(&a.events).then_with(|| a.what.cmp(&b.what)));
        EventEstimate { total: parts.iter().map(|p| p.events).sum(), parts }
    }
}

/// Steps that take simulated time and so cost at least one scheduled event.
fn is_timed(step: &Step) -> bool {
    matches!(step, Step::Serve { .. } | Step::Dwell(_) | Step::Leg(_) | Step::Release(_))
}

/// Expected up/down changes in `span` hours for failures every `between` hours lasting `repair`.
fn cycles(span: f64, between: f64, repair: f64) -> f64 {
    2.0 * span / (between + repair).max(f64::MIN_POSITIVE)
}

#[cfg(test)]
mod tests {
    fn events(text: &str, name: &str) -> (f64, f64) {
        let w = crate::scenario::load_str(text, name, "fixture").unwrap();
        let est = w.estimate_events().total;
        let mut seen = 0.0;
        for i in 0..20 {
            seen += super::super::Replication::new(&w, i, 9 + i, false).run().unwrap().events as f64;
        }
        (est, seen / 20.0)
    }

    #[test]
    fn the_estimate_is_within_a_factor_of_two_of_the_events_seen() {
        for (text, name) in [
            (include_str!("../../tests/fixtures/tiny.toml"), "tiny.toml"),
            (include_str!("../../tests/fixtures/sea.toml"), "sea.toml"),
            (include_str!("../../tests/fixtures/deterministic.toml"), "deterministic.toml"),
            (include_str!("../../scenarios/baseline.toml"), "baseline.toml"),
        ] {
            let (est, seen) = events(text, name);
            assert!((0.5..=2.0).contains(&(est / seen)), "{name}: estimated {est:.0}, seen {seen:.0}");
        }
    }
}
