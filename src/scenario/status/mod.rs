//! Shipment status files: where every tonne of an order is on a date, as a CSV table that a
//! planner can fill in from the real shipments, or that `run --status-at` writes from a
//! simulated one. Reading checks it against the scenario and pins each problem to its line,
//! column and field; the format is documented in `docs/status.md`.

use jiff::SignedDuration;
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

mod check;

use check::Reader;

use super::{LoadError, Sources};
use crate::engine::Time;
use crate::model::World;
use crate::model::status::{Place, Status};
use crate::model::world::Step;

/// One row of a status file, as written and as read: every field is text, so that each is
/// checked, and each problem reported, on its own.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct StatusRow {
    /// The status's date (the same on every row).
    pub as_of: String,
    /// What the row says (`to_produce`, `producing`, `queued`, `in_service`, `departed`,
    /// `in_yard`, `delivered`, `carriers_away` or `background`).
    pub what: String,
    /// The lot's name (lot rows).
    pub lot: String,
    /// The lot's tonnes.
    pub tonnes: String,
    /// The mill that makes the lot.
    pub mill: String,
    /// Its product.
    pub product: String,
    /// Its destination.
    pub destination: String,
    /// The route it travels (a route of the scenario, from its mill to its destination).
    pub route: String,
    /// Where it is: a stage, dwell, leg, pool, yard or background flow.
    pub at: String,
    /// Since when (waiting, in service, in a yard), departed when, delivered when, or when
    /// carriers are back.
    pub when: String,
    /// Tonnes of a lot in production made so far.
    pub made: String,
    /// Carriers away, or background jobs at their server.
    pub units: String,
}

const COLUMNS: [&str; 12] =
    ["as_of", "what", "lot", "tonnes", "mill", "product", "destination", "route", "at", "when", "made", "units"];

/// What a row says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum What {
    ToProduce,
    Producing,
    Queued,
    InService,
    Departed,
    InYard,
    Delivered,
    CarriersAway,
    Background,
}

const WHATS: [(&str, What); 9] = [
    ("to_produce", What::ToProduce),
    ("producing", What::Producing),
    ("queued", What::Queued),
    ("in_service", What::InService),
    ("departed", What::Departed),
    ("in_yard", What::InYard),
    ("delivered", What::Delivered),
    ("carriers_away", What::CarriersAway),
    ("background", What::Background),
];

impl What {
    fn name(self) -> &'static str {
        WHATS.iter().find(|w| w.1 == self).map_or("?", |w| w.0)
    }

    /// The fields a row of this kind must fill (`as_of` and `what` aside); the others must
    /// be empty.
    fn fields(self) -> &'static [&'static str] {
        const LOT: [&str; 5] = ["lot", "tonnes", "mill", "product", "destination"];
        match self {
            What::ToProduce => &LOT,
            What::Producing => &["lot", "tonnes", "mill", "product", "destination", "made"],
            What::Queued | What::InService | What::Departed | What::InYard => {
                &["lot", "tonnes", "mill", "product", "destination", "route", "at", "when"]
            }
            What::Delivered => &["lot", "tonnes", "mill", "product", "destination", "when"],
            What::CarriersAway => &["at", "units", "when"],
            What::Background => &["at", "units"],
        }
    }
}

/// Hours from the world's start to `dt`.
pub fn hours(world: &World, dt: DateTime) -> f64 {
    dt.duration_since(world.start.to_datetime(jiff::civil::Time::midnight())).as_secs_f64() / 3600.0
}

/// The date and time `t` hours after the world's start, to the microsecond.
pub fn datetime(world: &World, t: Time) -> DateTime {
    let micros = (t.value() * 3600e6).round() as i64;
    world.start.to_datetime(jiff::civil::Time::midnight()) + SignedDuration::from_micros(micros)
}

/// Reads `2025-10-03` (midnight) or `2025-10-03T14:30[:00[.5]]` (a space may stand for `T`).
pub fn parse_moment(s: &str) -> Result<DateTime, String> {
    let s = s.trim();
    let bad = || format!("`{s}` is not a date (2025-10-03) or a date and time (2025-10-03T14:30)");
    // A date-time first: a date would read `2025-10-03T14:30` and drop the time.
    if s.contains(['T', 't', ' ']) {
        return s.replacen(' ', "T", 1).parse::<DateTime>().map_err(|_| bad());
    }
    s.parse::<Date>().map(|d| d.to_datetime(jiff::civil::Time::midnight())).map_err(|_| bad())
}

/// Reads the status file at `path` for `world` (refusing a device, a pipe or a huge file):
/// the status and its text, or every problem, located.
pub fn load(world: &World, path: &std::path::Path) -> Result<(Status, String), LoadError> {
    let text = super::source::read_text(path, super::source::MAX_FILE_BYTES)
        .map_err(|e| LoadError::Io { path: path.to_path_buf(), source: e })?;
    Ok((read(world, &path.display().to_string(), &text)?, text))
}

/// Reads a status file for `world`: every problem, located, or the status.
pub fn read(world: &World, label: &str, text: &str) -> Result<Status, LoadError> {
    let mut r = Reader { w: world, text, diags: Vec::new() };
    let status = r.read();
    if r.diags.is_empty()
        && let Some(s) = status
    {
        return Ok(s);
    }
    let mut diags = r.diags;
    diags.sort_by_key(|d| d.span.start);
    Err(LoadError::Invalid { sources: Box::new(Sources::single(label, text)), diagnostics: diags })
}

/// The kind and name of a place on a route where a lot can wait or take time.
fn step_place(w: &World, s: Step) -> Option<(&'static str, &str)> {
    Some(match s {
        Step::Serve { server, .. } => ("stage", w.servers[server].name.as_str()),
        Step::Dwell(d) => ("dwell", w.dwells[d].name.as_str()),
        Step::Leg(l) => ("leg", w.legs[l].name.as_str()),
        Step::Acquire(p) => ("pool", w.pools[p].name.as_str()),
        Step::EnterStore(x) => ("yard", w.stores[x].name.as_str()),
        _ => return None,
    })
}

/// A number as Rust writes it: the shortest text that reads back as the same number.
fn num(v: f64) -> String {
    format!("{v}")
}

/// The rows of a status, in the order the model lists it.
pub fn rows(w: &World, status: &Status) -> Vec<StatusRow> {
    let as_of = datetime(w, status.at).to_string();
    let mut out = Vec::new();
    let base = |what: &str| StatusRow { as_of: as_of.clone(), what: what.to_string(), ..StatusRow::default() };
    for l in &status.lots {
        let (what, route, at, when, made) = match l.place {
            Place::ToProduce { made } if made > 0.0 => ("producing", "", "", None, num(made)),
            Place::ToProduce { .. } => ("to_produce", "", "", None, String::new()),
            Place::Delivered { at } => ("delivered", "", "", Some(at), String::new()),
            Place::OnRoute { route, step, busy, since } => {
                let steps = &w.routes[route].steps;
                let s = steps[usize::from(step)];
                let corridor = w.corridors[w.routes[route].corridor].as_str();
                let place = step_place(w, s).map_or("", |p| p.1);
                let (what, at) = match (s, busy) {
                    (Step::Serve { .. } | Step::Dwell(_), true) => ("in_service", place),
                    (Step::Dwell(_), false) => ("in_service", place),
                    (Step::Leg(_), true) => ("departed", place),
                    _ => match step.checked_sub(1).map(|i| steps[usize::from(i)]) {
                        Some(Step::EnterStore(x)) => ("in_yard", w.stores[x].name.as_str()),
                        _ => ("queued", place),
                    },
                };
                (what, corridor, at, Some(since), String::new())
            }
        };
        out.push(StatusRow {
            lot: l.id.clone(),
            tonnes: num(l.lot.tonnes.t()),
            mill: w.mills[l.mill].name.clone(),
            product: w.order.products[l.lot.product].clone(),
            destination: w.order.destinations[l.lot.destination].clone(),
            route: route.to_string(),
            at: at.to_string(),
            when: when.map(|t| datetime(w, t).to_string()).unwrap_or_default(),
            made,
            ..base(what)
        });
    }
    for a in &status.carriers_away {
        out.push(StatusRow {
            at: w.pools[a.pool].name.clone(),
            units: a.units.to_string(),
            when: datetime(w, a.back).to_string(),
            ..base("carriers_away")
        });
    }
    for &(f, n) in &status.background {
        out.push(StatusRow { at: w.background[f].name.clone(), units: n.to_string(), ..base("background") });
    }
    out
}

/// A status as CSV text.
pub fn to_csv(w: &World, status: &Status) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for r in rows(w, status) {
        out.serialize(r)?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_is_a_date_or_a_date_and_time() {
        let dt = |s: &str| parse_moment(s).map(|d| d.to_string());
        assert_eq!(dt("2025-10-03").unwrap(), "2025-10-03T00:00:00");
        assert_eq!(dt("2025-10-03T14:30").unwrap(), "2025-10-03T14:30:00");
        assert_eq!(dt(" 2025-10-03 14:30:15.5 ").unwrap(), "2025-10-03T14:30:15.5");
        assert!(dt("03/10/2025").is_err());
        assert!(dt("2025-10-03T25:00").is_err(), "a time that is not one is refused, not dropped");
    }
}
