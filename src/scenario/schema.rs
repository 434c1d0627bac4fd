//! The scenario file format, as serde reads it.
//!
//! Every struct denies unknown fields, so a misspelt key is an error that names it, and
//! every value keeps its place in the file (`Spanned`), so a problem found later (a
//! triangular with min > max, an unknown node) can still point at the exact line and
//! column. Named things are TOML tables keyed by name (`[mills.khorasan]`); TOML itself
//! refuses duplicate names. `docs/scenario-format.md` describes each field for authors.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::values::DistSpec;

/// A name with its place in the file.
pub type Name = Spanned<String>;
/// A named table: entries keyed by their (spanned) names.
pub type Named<T> = BTreeMap<Name, Spanned<T>>;

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Name used for the output folder; defaults to the file name without extension.
    pub name: Option<Name>,
    /// Free text shown in reports.
    pub description: Option<String>,
    /// The order.
    pub order: Spanned<OrderSpec>,
    /// Named calendars.
    #[serde(default)]
    pub calendars: Named<CalendarSpec>,
    /// Carrier pools.
    #[serde(default)]
    pub pools: Named<PoolSpecFile>,
    /// Mills.
    #[serde(default)]
    pub mills: Named<MillSpecFile>,
    /// Yards, ports, junctions, borders and destinations.
    #[serde(default)]
    pub nodes: Named<NodeSpec>,
    /// Transport legs between mills and nodes.
    #[serde(default)]
    pub legs: Named<LegSpecFile>,
    /// Corridors lots may take.
    #[serde(default)]
    pub routes: Named<RouteSpec>,
    /// Other traffic competing for stages.
    #[serde(default)]
    pub background: Named<BackgroundSpecFile>,
    /// The disruption table.
    #[serde(default)]
    pub disruptions: Vec<Spanned<DisruptionSpecFile>>,
    /// Safety limits.
    pub limits: Option<Spanned<LimitsSpec>>,
}

/// `[order]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderSpec {
    /// Tonnes ordered.
    pub tonnes: Spanned<f64>,
    /// First day of shipping (time zero is 00:00 of this day).
    pub start: Spanned<toml::Value>,
    /// Last day on which delivery counts as on time.
    pub deadline: Spanned<toml::Value>,
    /// Last day simulated (default: one year after the deadline).
    pub horizon: Option<Spanned<toml::Value>>,
    /// Product mix: product name to share of the order.
    pub mix: Spanned<BTreeMap<Name, Spanned<f64>>>,
    /// Destination node to share of the order.
    pub destinations: Spanned<BTreeMap<Name, Spanned<f64>>>,
    /// Nodes where the seller hands over (the Incoterm point).
    pub handover: Spanned<Vec<Name>>,
    /// `"shares"` (default) or `"fastest"`.
    pub routing: Option<Spanned<String>>,
    /// Confidence levels for promises (default 0.9, 0.95, 0.99).
    pub confidence: Option<Spanned<Vec<Spanned<f64>>>>,
    /// Penalty per tonne per day late at the destination (default 0).
    pub late_penalty_per_t_day: Option<Spanned<f64>>,
    /// Lost or damaged tonnes per replication the guarantee tolerates (default 0).
    pub lost_tolerance_t: Option<Spanned<f64>>,
    /// Currency of costs and penalties (default "USD").
    pub currency: Option<Spanned<String>>,
}

/// Open hours by day key: `"HH:MM-HH:MM"` ranges.
pub type OpenHours = BTreeMap<Name, Spanned<Vec<Spanned<String>>>>;

/// `[calendars.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// Open hours by day: keys `daily`, `weekdays`, `weekend`, `mon` .. `sun`; values are
    /// lists of `"HH:MM-HH:MM"`. Without it, open around the clock.
    pub open: Option<Spanned<OpenHours>>,
    /// Closed days: `"2025-12-08"` or `"2025-12-20..2025-12-25"` (inclusive).
    #[serde(default)]
    pub closed: Vec<Spanned<String>>,
}

/// `[pools.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpecFile {
    /// Carriers at the start.
    pub units: Spanned<i64>,
    /// Tonnes per carrier.
    pub payload_t: Spanned<f64>,
    /// Time for an empty carrier to come back.
    pub empty_return: Spanned<DistSpec>,
    /// Share of released carriers that come back (default 1).
    pub return_share: Option<Spanned<f64>>,
    /// Carriers arriving over time.
    pub supply: Option<Spanned<SupplySpec>>,
}

/// `supply = { every = ..., units = ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplySpec {
    /// Time between arrivals.
    pub every: Spanned<DistSpec>,
    /// Carriers per arrival (default 1).
    pub units: Option<Spanned<i64>>,
}

/// `failures = { between = ..., repair = ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureSpec {
    /// Up time between failures.
    pub between: Spanned<DistSpec>,
    /// Time to repair.
    pub repair: Spanned<DistSpec>,
}

/// `[mills.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MillSpecFile {
    /// Product to the share of the order's tonnes of that product this mill supplies.
    pub supplies: Spanned<BTreeMap<Name, Spanned<f64>>>,
    /// Production available for this order at full availability, tonnes per day: one number
    /// for the whole mill (one line), or a table by product (a line per product, in parallel).
    pub rate_t_per_day: Spanned<RateSpec>,
    /// A factor drawn per lot multiplying the rate (e.g. beta, mean 0.85).
    pub availability: Option<Spanned<DistSpec>>,
    /// Lot size in tonnes.
    pub lot_t: Spanned<f64>,
    /// Tonnes ready at the start (rounded down to whole lots).
    pub stock_t: Option<Spanned<f64>>,
    /// Breakdowns.
    pub failures: Option<Spanned<FailureSpec>>,
    /// Stages at the mill (loading, inspection), in order.
    #[serde(default)]
    pub stages: Vec<Spanned<StageSpec>>,
}

/// A mill's rate: one number, or one per product.
#[derive(Debug)]
pub enum RateSpec {
    /// One line making everything.
    Whole(f64),
    /// A line per product.
    PerProduct(BTreeMap<Name, Spanned<f64>>),
}

impl<'de> Deserialize<'de> for RateSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RateSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("tonnes per day, or a table of tonnes per day by product")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RateSpec, E> {
                Ok(RateSpec::Whole(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RateSpec, E> {
                Ok(RateSpec::Whole(v as f64))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RateSpec, E> {
                Ok(RateSpec::Whole(v))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, m: M) -> Result<RateSpec, M::Error> {
                BTreeMap::deserialize(serde::de::value::MapAccessDeserializer::new(m)).map(RateSpec::PerProduct)
            }
        }
        d.deserialize_any(V)
    }
}

/// `[nodes.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// What the node is (for readers and reports): yard, port, junction, border, destination.
    pub kind: Option<Spanned<String>>,
    /// Yard capacity in tonnes; lots hold space from arrival until they leave the node.
    pub yard_t: Option<Spanned<f64>>,
    /// Storage cost per tonne per day in the yard.
    pub storage_per_t_day: Option<Spanned<f64>>,
    /// Stages, in the order lots pass them.
    #[serde(default)]
    pub stages: Vec<Spanned<StageSpec>>,
}

/// One stage of a node or mill: a server (with `capacity` and a service time) or a dwell
/// (with `dwell` only).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// Name, unique within its node.
    pub name: Name,
    /// Parallel servers (lanes, tracks, berths, crews).
    pub capacity: Option<Spanned<i64>>,
    /// Service time per lot.
    pub service: Option<Spanned<DistSpec>>,
    /// Service time per carrier (wagon, truck), summed over the lot's carriers.
    pub service_per_carrier: Option<Spanned<DistSpec>>,
    /// Handling rate in tonnes per day (service = tonnes / rate).
    pub rate_t_per_day: Option<Spanned<DistSpec>>,
    /// Lots change carriers here when their route changes pools at this node.
    pub transload: Option<Spanned<bool>>,
    /// For a transload stage: per-carrier time for carriers that stay on (bogie exchange).
    pub through_service_per_carrier: Option<Spanned<DistSpec>>,
    /// Only lots whose destination is this node pass this stage.
    pub ends_here: Option<Spanned<bool>>,
    /// Open hours (a calendar name).
    pub calendar: Option<Name>,
    /// Breakdowns.
    pub failures: Option<Spanned<FailureSpec>>,
    /// Physical inspection: probability and extra time.
    pub inspection: Option<Spanned<ChanceSpec>>,
    /// Rejected documents or failed tests: probability and time before queuing again.
    pub rework: Option<Spanned<ChanceSpec>>,
    /// `"fifo"` (default) or `"order_first"` (the order's lots before background traffic).
    pub queue: Option<Spanned<String>>,
    /// A pure delay with no capacity limit (yard dwell).
    pub dwell: Option<Spanned<DistSpec>>,
    /// Cost per tonne served (fees, handling).
    pub cost_per_t: Option<Spanned<f64>>,
    /// Cost per lot served (per shipment fees).
    pub cost_per_lot: Option<Spanned<f64>>,
}

/// `{ p = ..., time = ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChanceSpec {
    /// Probability per lot.
    pub p: Spanned<f64>,
    /// Extra time.
    pub time: Spanned<DistSpec>,
}

/// `[legs.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegSpecFile {
    /// Origin (a mill or node).
    pub from: Name,
    /// Destination (a node).
    pub to: Name,
    /// `"rail"`, `"road"` or `"sea"`.
    pub mode: Spanned<String>,
    /// The carrier pool used on this leg (routes may substitute another).
    pub pool: Option<Name>,
    /// Transit time.
    pub transit: Option<Spanned<DistSpec>>,
    /// Distance, with `speed_kmh`, as an alternative to `transit`.
    pub distance_km: Option<Spanned<f64>>,
    /// Speed in km/h.
    pub speed_kmh: Option<Spanned<DistSpec>>,
    /// Grouped departures (trains, convoys, sailings).
    pub departures: Option<Spanned<DeparturesSpec>>,
    /// Probability that a lot is lost or damaged on this leg.
    pub incident_p: Option<Spanned<f64>>,
    /// When departures may leave.
    pub calendar: Option<Name>,
    /// Cost per tonne carried.
    pub cost_per_t: Option<Spanned<f64>>,
}

/// `departures = { size = 40, every = "24h", first = "6h", max_wait = "2d" }`, or for a
/// sailing `departures = { fleet = "vessels", max_wait = "7d" }` (groups of a vessel's payload).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeparturesSpec {
    /// Carriers per group; a full group leaves at once.
    pub size: Option<Spanned<i64>>,
    /// Or: tonnes per group (default with a `fleet`: the fleet's `payload_t`).
    pub size_t: Option<Spanned<f64>>,
    /// A pool of vehicles (locomotives, vessels): each group needs one.
    pub fleet: Option<Name>,
    /// Timetable period.
    pub every: Option<Spanned<String>>,
    /// First timetabled departure after the start (default: at the start).
    pub first: Option<Spanned<String>>,
    /// A partial group leaves after its first carrier waited this long.
    pub max_wait: Option<Spanned<String>>,
}

/// `[routes.NAME]`: a corridor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// Modes of the legs it may use (default: all).
    pub modes: Option<Spanned<Vec<Spanned<String>>>>,
    /// Nodes it must pass, in order; a waypoint written `{ node = "x", modes = [...] }`
    /// also changes the modes allowed from there on.
    #[serde(default)]
    pub via: Vec<Spanned<Via>>,
    /// Mills it serves (default: all).
    pub mills: Option<Spanned<Vec<Name>>>,
    /// Destinations it serves (default: all).
    pub destinations: Option<Spanned<Vec<Name>>>,
    /// Share of lots under the `shares` policy.
    pub share: Option<Spanned<f64>>,
    /// Pool substitutions along this corridor: leg pool name to pool name.
    pub pools: Option<Spanned<BTreeMap<Name, Name>>>,
}

/// A waypoint of a corridor.
#[derive(Debug)]
pub enum Via {
    /// Pass this node.
    Node(String),
    /// Pass this node, then use only these modes.
    Switch(ViaSwitch),
}

/// `{ node = "mashhad", modes = ["road"] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViaSwitch {
    /// The node.
    pub node: Name,
    /// Modes allowed after it.
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundSpecFile {
    /// The stage it uses, as `node.stage`.
    pub stage: Name,
    /// Carriers already waiting there at the start.
    pub backlog_units: Option<Spanned<i64>>,
    /// Carriers per job (default 1).
    pub units_per_job: Option<Spanned<i64>>,
    /// Time between arriving jobs.
    pub every: Option<Spanned<DistSpec>>,
    /// Tonnes per carrier (default 60; matters only at rate-based stages).
    pub tonnes_per_unit: Option<Spanned<f64>>,
    /// Carriers taken from a pool for each job.
    pub carriers: Option<Spanned<BackgroundCarriers>>,
}

/// `carriers = { pool = ..., hold = ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundCarriers {
    /// Pool name.
    pub pool: Name,
    /// How long carriers stay away after the stage.
    pub hold: Spanned<DistSpec>,
}

/// `[[disruptions]]`: one row of the disruption table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisruptionSpecFile {
    /// Name (unique).
    pub name: Name,
    /// A mill, node, `node.stage`, `node.yard`, leg or pool.
    pub target: Name,
    /// Chance it happens once in the window.
    pub probability: Option<Spanned<f64>>,
    /// Or: starts per day (a Poisson process) within the window.
    pub rate_per_day: Option<Spanned<f64>>,
    /// `[from, to]` dates in which it may start (default: start to deadline).
    pub window: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    /// Or: the date it starts (probability defaults to 1).
    pub at: Option<Spanned<toml::Value>>,
    /// How long it lasts.
    pub duration: Spanned<DistSpec>,
    /// Effect: nothing passes.
    pub closed: Option<Spanned<bool>>,
    /// Effect: capacity or speed multiplied by this (a number or a distribution).
    pub factor: Option<Spanned<DistSpec>>,
    /// Effect: each lot takes this much longer.
    pub delay: Option<Spanned<DistSpec>>,
}

/// `[limits]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    /// Most lots a replication may create (default 200,000).
    pub max_lots: Option<Spanned<i64>>,
    /// Most events a replication may handle (default 50,000,000).
    pub max_events: Option<Spanned<i64>>,
}

/// Entries of a named table in the order they appear in the file.
pub fn in_file_order<T>(map: &Named<T>) -> Vec<(&Name, &Spanned<T>)> {
    let mut v: Vec<_> = map.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}
