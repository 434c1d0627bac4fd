//! The scenario file format, as serde reads it.
//!
//! Every struct denies unknown fields, so a misspelt key is an error that names it, and
//! every value keeps its place in the file (`Spanned`), so a problem found later (a
//! triangular with min > max, an unknown node) can still point at the exact line and
//! column. Named things are TOML tables keyed by name (`[mills.khorasan]`); TOML itself
//! refuses duplicate names. The doc comments here are the field descriptions of the JSON
//! Schema editors use (`steelsim schema scenario`, `docs/scenario.schema.json`).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::json_schema::{Date, DateOrDates, DateRule, NameOrNames};

mod contract;
mod mills;
mod nodes;
use super::values::DistSpec;
pub(crate) use contract::{CallOffSpec, ContractSpec, DamagesSpec, InsuranceSpec};
pub(crate) use mills::{MillSpecFile, RateSpec};
pub(crate) use nodes::{ChanceSpec, FailureSpec, NodeSpec, StageSpec};

/// A name with its place in the file.
pub(super) type Name = Spanned<String>;
/// A named table: entries keyed by their (spanned) names.
pub(super) type Named<T> = BTreeMap<Name, Spanned<T>>;

/// A whole scenario file.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioFile {
    /// Name used for the output folder; defaults to the file name without extension.
    #[schemars(with = "Option<String>")]
    pub name: Option<Name>,
    /// Free text shown in reports.
    pub description: Option<String>,
    /// The order.
    #[schemars(with = "OrderSpec")]
    pub order: Spanned<OrderSpec>,
    /// Named calendars.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, CalendarSpec>")]
    pub calendars: Named<CalendarSpec>,
    /// Carrier pools.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, PoolSpecFile>")]
    pub pools: Named<PoolSpecFile>,
    /// Mills.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, MillSpecFile>")]
    pub mills: Named<MillSpecFile>,
    /// Yards, ports, junctions, borders and destinations.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, NodeSpec>")]
    pub nodes: Named<NodeSpec>,
    /// Transport legs between mills and nodes.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, LegSpecFile>")]
    pub legs: Named<LegSpecFile>,
    /// Corridors lots may take.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, RouteSpec>")]
    pub routes: Named<RouteSpec>,
    /// Other traffic competing for stages.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, BackgroundSpecFile>")]
    pub background: Named<BackgroundSpecFile>,
    /// The disruption table.
    #[serde(default)]
    #[schemars(with = "Vec<DisruptionSpecFile>")]
    pub disruptions: Vec<Spanned<DisruptionSpecFile>>,
    /// Figures known only within a range: each row is drawn once per replication.
    #[serde(default)]
    #[schemars(with = "Vec<UncertainSpecFile>")]
    pub uncertain: Vec<Spanned<UncertainSpecFile>>,
    /// Safety limits.
    #[schemars(with = "Option<LimitsSpec>")]
    pub limits: Option<Spanned<LimitsSpec>>,
    /// The sales contract: where delivery happens, the quantity tolerance, the schedule and
    /// the damages for lateness (docs/contract.md).
    #[schemars(with = "Option<ContractSpec>")]
    pub contract: Option<Spanned<ContractSpec>>,
}

/// `[order]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderSpec {
    /// Tonnes ordered.
    #[schemars(with = "f64")]
    pub tonnes: Spanned<f64>,
    /// First day of shipping (time zero is 00:00 of this day).
    #[schemars(with = "Date")]
    pub start: Spanned<toml::Value>,
    /// Last day on which delivery counts as on time.
    #[schemars(with = "Date")]
    pub deadline: Spanned<toml::Value>,
    /// Last day simulated (default: one year after the deadline).
    #[schemars(with = "Option<Date>")]
    pub horizon: Option<Spanned<toml::Value>>,
    /// Product mix: product name to share of the order.
    #[schemars(with = "BTreeMap<String, f64>")]
    pub mix: Spanned<BTreeMap<Name, Spanned<f64>>>,
    /// Destination node to share of the order.
    #[schemars(with = "BTreeMap<String, f64>")]
    pub destinations: Spanned<BTreeMap<Name, Spanned<f64>>>,
    /// Nodes after whose stages the seller hands over, when there is no `[contract]`.
    #[schemars(with = "Option<Vec<String>>")]
    pub handover: Option<Spanned<Vec<Name>>>,
    /// `"shares"` (default) or `"fastest"`.
    #[schemars(with = "Option<String>")]
    pub routing: Option<Spanned<String>>,
    /// `"never"` (default) or `"when_idle"`: a mill's line with nothing left to make takes
    /// over a lot not yet started from the line of the same product that would finish it
    /// latest, when it would finish it sooner.
    #[schemars(with = "Option<String>")]
    pub reallocate: Option<Spanned<String>>,
    /// Confidence levels for promises (default 0.9, 0.95, 0.99).
    #[schemars(with = "Option<Vec<f64>>")]
    pub confidence: Option<Spanned<Vec<Spanned<f64>>>>,
    /// Penalty per tonne per day late at the destination (default 0).
    #[schemars(with = "Option<f64>")]
    pub late_penalty_per_t_day: Option<Spanned<f64>>,
    /// Lost or damaged tonnes per replication the guarantee tolerates (default 0).
    #[schemars(with = "Option<f64>")]
    pub lost_tolerance_t: Option<Spanned<f64>>,
    /// Currency of costs and penalties (default "USD").
    #[schemars(with = "Option<String>")]
    pub currency: Option<Spanned<String>>,
}

/// Open hours by day key: `"HH:MM-HH:MM"` ranges.
pub(super) type OpenHours = BTreeMap<Name, Spanned<Vec<Spanned<String>>>>;

/// `[calendars.NAME]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CalendarSpec {
    /// Open hours by day: keys `daily`, `weekdays`, `weekend`, `mon` .. `sun`; values are
    /// lists of `"HH:MM-HH:MM"`. Without it, open around the clock.
    #[schemars(with = "Option<BTreeMap<String, Vec<String>>>")]
    pub open: Option<Spanned<OpenHours>>,
    /// Closed days: `"2025-12-08"` or `"2025-12-20..2025-12-25"` (inclusive), or days every
    /// year (`"12-08"`, `"persian 01-01..persian 01-04"`, `"hijri 10-01"`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub closed: Vec<Spanned<String>>,
}

/// `[pools.NAME]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PoolSpecFile {
    /// A plain-language name for reports and figures (one line, at most 60 characters);
    /// data files keep the identifier.
    #[schemars(with = "Option<String>")]
    pub label: Option<Spanned<String>>,
    /// Carriers at the start.
    #[schemars(with = "i64")]
    pub units: Spanned<i64>,
    /// Tonnes per carrier.
    #[schemars(with = "f64")]
    pub payload_t: Spanned<f64>,
    /// Time for an empty carrier to come back.
    #[schemars(with = "DistSpec")]
    pub empty_return: Spanned<DistSpec>,
    /// Share of released carriers that come back (default 1).
    #[schemars(with = "Option<f64>")]
    pub return_share: Option<Spanned<f64>>,
    /// Where a lot gives these carriers back at a node where it leaves them (its destination,
    /// or a change of pool without a transload stage): "unloaded" (after the node's stage
    /// marked `unloads`, or after all its stages where none is; the default), "arrival"
    /// (before the node's stages) or "after_stages".
    #[schemars(with = "Option<String>")]
    pub release: Option<Spanned<String>>,
    /// Carriers arriving over time.
    #[schemars(with = "Option<SupplySpec>")]
    pub supply: Option<Spanned<SupplySpec>>,
    /// Dated changes of the fleet, e.g. `[{ at = 2025-11-01, units = 1300 }]`: from that
    /// day the pool has `units` instead of what was written before (the difference joins
    /// or leaves it).
    #[serde(default)]
    #[schemars(with = "Vec<PoolChangeSpec>")]
    pub changes: Vec<Spanned<PoolChangeSpec>>,
}

/// One dated change of a pool.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PoolChangeSpec {
    /// The day: a date or days from the order's dates (`"start+45d"`).
    #[schemars(with = "DateRule")]
    pub at: Spanned<toml::Value>,
    /// Carriers from that day.
    #[schemars(with = "i64")]
    pub units: Spanned<i64>,
}

/// `supply = { every = ..., units = ... }`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SupplySpec {
    /// Time between arrivals.
    #[schemars(with = "DistSpec")]
    pub every: Spanned<DistSpec>,
    /// Carriers per arrival (default 1).
    #[schemars(with = "Option<i64>")]
    pub units: Option<Spanned<i64>>,
}

/// `[legs.NAME]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LegSpecFile {
    /// A plain-language name for reports and figures (one line, at most 60 characters);
    /// data files keep the identifier.
    #[schemars(with = "Option<String>")]
    pub label: Option<Spanned<String>>,
    /// Origin (a mill or node).
    #[schemars(with = "String")]
    pub from: Name,
    /// Destination (a node).
    #[schemars(with = "String")]
    pub to: Name,
    /// `"rail"`, `"road"` or `"sea"`.
    #[schemars(with = "String")]
    pub mode: Spanned<String>,
    /// The carrier pool used on this leg (routes may substitute another).
    #[schemars(with = "Option<String>")]
    pub pool: Option<Name>,
    /// Transit time.
    #[schemars(with = "Option<DistSpec>")]
    pub transit: Option<Spanned<DistSpec>>,
    /// Distance, with `speed_kmh`, as an alternative to `transit`.
    #[schemars(with = "Option<f64>")]
    pub distance_km: Option<Spanned<f64>>,
    /// Speed in km/h.
    #[schemars(with = "Option<DistSpec>")]
    pub speed_kmh: Option<Spanned<DistSpec>>,
    /// Grouped departures (trains, convoys, sailings).
    #[schemars(with = "Option<DeparturesSpec>")]
    pub departures: Option<Spanned<DeparturesSpec>>,
    /// Probability that a lot is lost in an accident on this leg (made again by its mill).
    #[schemars(with = "Option<f64>")]
    pub incident_p: Option<Spanned<f64>>,
    /// Partial damage in transit: `{ p = 0.002, fraction = { dist = "uniform", min = 0.05, max = 0.3 } }`.
    #[schemars(with = "Option<PartialLossSpec>")]
    pub damage: Option<Spanned<PartialLossSpec>>,
    /// Pilferage (theft of part of a lot), in the same form as `damage`.
    #[schemars(with = "Option<PartialLossSpec>")]
    pub pilferage: Option<Spanned<PartialLossSpec>>,
    /// The country the leg runs through, for war-risk insurance (`contract.insurance.war_risk_pct`).
    #[schemars(with = "Option<String>")]
    pub country: Option<Spanned<String>>,
    /// When departures may leave.
    #[schemars(with = "Option<String>")]
    pub calendar: Option<Name>,
    /// Cost per tonne carried.
    #[schemars(with = "Option<f64>")]
    pub cost_per_t: Option<Spanned<f64>>,
    /// Cost per tonne-kilometre (a tariff; needs `distance_km`), added to `cost_per_t`.
    #[schemars(with = "Option<f64>")]
    pub cost_per_t_km: Option<Spanned<f64>>,
}

/// A loss of part of a lot on a leg; the lost tonnes are made again.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartialLossSpec {
    /// Probability per lot and pass of the leg.
    #[schemars(with = "f64")]
    pub p: Spanned<f64>,
    /// The fraction of the lot lost: a number or a distribution that stays within 0..1
    /// (fixed, uniform, beta or empirical).
    #[schemars(with = "DistSpec")]
    pub fraction: Spanned<DistSpec>,
}

/// `departures = { size = 40, every = "24h", first = "6h", max_wait = "2d" }`, or for a
/// sailing `departures = { fleet = "vessels", max_wait = "7d" }` (groups of a vessel's payload).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeparturesSpec {
    /// Carriers per group; a full group leaves at once.
    #[schemars(with = "Option<i64>")]
    pub size: Option<Spanned<i64>>,
    /// Or: tonnes per group (default with a `fleet`: the fleet's `payload_t`).
    #[schemars(with = "Option<f64>")]
    pub size_t: Option<Spanned<f64>>,
    /// A pool of vehicles (locomotives, vessels): each group needs one.
    #[schemars(with = "Option<String>")]
    pub fleet: Option<Name>,
    /// Timetable period.
    #[schemars(with = "Option<String>")]
    pub every: Option<Spanned<String>>,
    /// First timetabled departure after the start (default: at the start).
    #[schemars(with = "Option<String>")]
    pub first: Option<Spanned<String>>,
    /// A partial group leaves after its first carrier waited this long.
    #[schemars(with = "Option<String>")]
    pub max_wait: Option<Spanned<String>>,
}

/// `[routes.NAME]`: a corridor.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RouteSpec {
    /// Modes of the legs it may use (default: all).
    #[schemars(with = "Option<Vec<String>>")]
    pub modes: Option<Spanned<Vec<Spanned<String>>>>,
    /// Nodes it must pass, in order; a waypoint written `{ node = "x", modes = [...] }`
    /// also changes the modes allowed from there on.
    #[serde(default)]
    #[schemars(with = "Vec<Via>")]
    pub via: Vec<Spanned<Via>>,
    /// Mills it serves (default: all).
    #[schemars(with = "Option<Vec<String>>")]
    pub mills: Option<Spanned<Vec<Name>>>,
    /// Destinations it serves (default: all).
    #[schemars(with = "Option<Vec<String>>")]
    pub destinations: Option<Spanned<Vec<Name>>>,
    /// Share of lots under the `shares` policy.
    #[schemars(with = "Option<f64>")]
    pub share: Option<Spanned<f64>>,
    /// The first day lots may leave a mill on it (default: the start): a date or days from
    /// the order's dates.
    #[schemars(with = "Option<DateRule>")]
    pub opens: Option<Spanned<toml::Value>>,
    /// The day from which no lot leaves a mill on it (default: never).
    #[schemars(with = "Option<DateRule>")]
    pub closes: Option<Spanned<toml::Value>>,
    /// Pool substitutions along this corridor: leg pool name to pool name.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub pools: Option<Spanned<BTreeMap<Name, Name>>>,
}

/// A waypoint of a corridor.
#[derive(Debug)]
pub(crate) enum Via {
    /// Pass this node.
    Node(String),
    /// Pass this node, then use only these modes.
    Switch(ViaSwitch),
}

/// `{ node = "mashhad", modes = ["road"] }`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ViaSwitch {
    /// The node.
    #[schemars(with = "String")]
    pub node: Name,
    /// Modes allowed after it.
    #[schemars(with = "Vec<String>")]
    pub modes: Spanned<Vec<Spanned<String>>>,
}

impl<'de> Deserialize<'de> for Via {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Via;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a node name, or a table like { node = \"mashhad\", modes = [\"road\"] }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Via, E> {
                Ok(Via::Node(v.to_string()))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, m: M) -> Result<Via, M::Error> {
                ViaSwitch::deserialize(serde::de::value::MapAccessDeserializer::new(m)).map(Via::Switch)
            }
        }
        d.deserialize_any(V)
    }
}

/// `[background.NAME]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackgroundSpecFile {
    /// The stage it uses, as `node.stage`.
    #[schemars(with = "String")]
    pub stage: Name,
    /// Carriers already waiting there at the start.
    #[schemars(with = "Option<i64>")]
    pub backlog_units: Option<Spanned<i64>>,
    /// Carriers per job (default 1).
    #[schemars(with = "Option<i64>")]
    pub units_per_job: Option<Spanned<i64>>,
    /// Time between arriving jobs.
    #[schemars(with = "Option<DistSpec>")]
    pub every: Option<Spanned<DistSpec>>,
    /// Tonnes per carrier (default 60; matters only at rate-based stages).
    #[schemars(with = "Option<f64>")]
    pub tonnes_per_unit: Option<Spanned<f64>>,
    /// Carriers taken from a pool for each job.
    #[schemars(with = "Option<BackgroundCarriers>")]
    pub carriers: Option<Spanned<BackgroundCarriers>>,
}

/// `carriers = { pool = ..., hold = ... }`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackgroundCarriers {
    /// Pool name.
    #[schemars(with = "String")]
    pub pool: Name,
    /// How long carriers stay away after the stage.
    #[schemars(with = "DistSpec")]
    pub hold: Spanned<DistSpec>,
}

/// `[[disruptions]]`: one row of the disruption table.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DisruptionSpecFile {
    /// Name (unique).
    #[schemars(with = "String")]
    pub name: Name,
    /// A mill, node, `node.stage`, `node.yard`, leg or pool, or a list of them: every target
    /// of a list is hit by the same occurrence, at the same time, with the same factor (one
    /// national gas cut at several mills).
    #[schemars(with = "NameOrNames")]
    pub target: Spanned<toml::Value>,
    /// Chance it happens once in the window.
    #[schemars(with = "Option<f64>")]
    pub probability: Option<Spanned<f64>>,
    /// Or: starts per day (a Poisson process) within the window.
    #[schemars(with = "Option<f64>")]
    pub rate_per_day: Option<Spanned<f64>>,
    /// `[from, to]` in which it may start, both days included (default: start to deadline):
    /// dates (`2025-12-01`), days every year (`"12-01"`, `"persian 01-01"`, `"hijri 09-01"`:
    /// one window a year, from each `from` to the next `to`), or days from the order's dates
    /// (`"start"`, `"start+30d"`, `"deadline-7d"`, `"horizon"`). Clipped to the start and the
    /// horizon.
    #[schemars(with = "Option<Vec<DateRule>>")]
    pub window: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    /// Or: the day it starts, or a list of days (one occurrence each, e.g. holidays), each
    /// written as in `window` (a day every year recurs over the horizon); probability
    /// defaults to 1.
    #[schemars(with = "Option<DateOrDates>")]
    pub at: Option<Spanned<toml::Value>>,
    /// How long it lasts.
    #[schemars(with = "DistSpec")]
    pub duration: Spanned<DistSpec>,
    /// Effect: nothing passes.
    #[schemars(with = "Option<bool>")]
    pub closed: Option<Spanned<bool>>,
    /// Effect: capacity or speed multiplied by this (a number or a distribution).
    #[schemars(with = "Option<DistSpec>")]
    pub factor: Option<Spanned<DistSpec>>,
    /// Effect: each lot takes this much longer.
    #[schemars(with = "Option<DistSpec>")]
    pub delay: Option<Spanned<DistSpec>>,
}

/// `[[uncertain]]`: a figure the sources leave uncertain, as a factor on what the scenario
/// writes, drawn once per replication from its own stream.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UncertainSpecFile {
    /// Name (unique), for reports ("measure this first").
    #[schemars(with = "String")]
    pub name: Name,
    /// What it scales, as for a disruption: a mill (its capacity), a node or `node.stage`
    /// (speed), a leg (speed), a pool (its supply) or a yard (its capacity), or a list of them.
    #[schemars(with = "NameOrNames")]
    pub target: Spanned<toml::Value>,
    /// `"capacity"` (default: what a disruption's factor would scale) or `"allocation"` (a
    /// mill's allocation to the order, its output for every customer unchanged).
    #[schemars(with = "Option<String>")]
    pub scales: Option<Spanned<String>>,
    /// The true figure over the written one: a distribution (e.g. uniform 0.83..1 for a rate
    /// between 120 and 144 when 144 is written), or 1 for a figure taken as certain.
    #[schemars(with = "DistSpec")]
    pub factor: Spanned<DistSpec>,
}

/// `[limits]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitsSpec {
    /// Most lots a replication may create (default 200,000).
    #[schemars(with = "Option<i64>")]
    pub max_lots: Option<Spanned<i64>>,
    /// Most events a replication may handle (default 50,000,000).
    #[schemars(with = "Option<i64>")]
    pub max_events: Option<Spanned<i64>>,
}

/// Entries of a named table in the order they appear in the file.
pub(super) fn in_file_order<T>(map: &Named<T>) -> Vec<(&Name, &Spanned<T>)> {
    let mut v: Vec<_> = map.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}
