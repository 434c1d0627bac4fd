//! Nodes and their stages, as scenario files write them.

use serde::Deserialize;
use toml::Spanned;

use super::super::json_schema::DateRule;
use super::super::values::DistSpec;
use super::Name;

/// `failures = { between = ..., repair = ... }`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FailureSpec {
    /// Up time between failures.
    #[schemars(with = "DistSpec")]
    pub between: Spanned<DistSpec>,
    /// Time to repair.
    #[schemars(with = "DistSpec")]
    pub repair: Spanned<DistSpec>,
}

/// `[nodes.NAME]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeSpec {
    /// A plain-language name for reports and figures (one line, at most 60 characters);
    /// data files keep the identifier.
    #[schemars(with = "Option<String>")]
    pub label: Option<Spanned<String>>,
    /// Latitude in degrees (north positive), for the network map; with `lon`.
    #[schemars(with = "Option<f64>")]
    pub lat: Option<Spanned<f64>>,
    /// Longitude in degrees (east positive), for the network map; with `lat`.
    #[schemars(with = "Option<f64>")]
    pub lon: Option<Spanned<f64>>,
    /// What the node is (for readers and reports): yard, port, junction, border, destination.
    #[schemars(with = "Option<String>")]
    pub kind: Option<Spanned<String>>,
    /// Yard capacity in tonnes; lots hold space from arrival until they leave the node.
    #[schemars(with = "Option<f64>")]
    pub yard_t: Option<Spanned<f64>>,
    /// Storage cost per tonne per day in the yard.
    #[schemars(with = "Option<f64>")]
    pub storage_per_t_day: Option<Spanned<f64>>,
    /// Stages, in the order lots pass them.
    #[serde(default)]
    #[schemars(with = "Vec<StageSpec>")]
    pub stages: Vec<Spanned<StageSpec>>,
}

/// One stage of a node or mill: a server (with `capacity` and a service time) or a dwell
/// (with `dwell` only).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StageSpec {
    /// Name, unique within its node.
    #[schemars(with = "String")]
    pub name: Name,
    /// A plain-language name for reports and figures (one line, at most 60 characters);
    /// data files keep the identifier.
    #[schemars(with = "Option<String>")]
    pub label: Option<Spanned<String>>,
    /// Parallel servers (lanes, tracks, berths, crews).
    #[schemars(with = "Option<i64>")]
    pub capacity: Option<Spanned<i64>>,
    /// Service time per lot.
    #[schemars(with = "Option<DistSpec>")]
    pub service: Option<Spanned<DistSpec>>,
    /// Service time per carrier (wagon, truck), summed over the lot's carriers.
    #[schemars(with = "Option<DistSpec>")]
    pub service_per_carrier: Option<Spanned<DistSpec>>,
    /// Handling rate in tonnes per day (service = tonnes / rate).
    #[schemars(with = "Option<DistSpec>")]
    pub rate_t_per_day: Option<Spanned<DistSpec>>,
    /// Lots change carriers here when their route changes pools at this node.
    #[schemars(with = "Option<bool>")]
    pub transload: Option<Spanned<bool>>,
    /// A facility of its own for carriers that stay on (a bogie exchange): only lots that
    /// keep their carriers through this node are served here; lots that change carriers
    /// skip it.
    #[schemars(with = "Option<bool>")]
    pub through_only: Option<Spanned<bool>>,
    /// For a transload stage: per-carrier time for carriers that stay on (bogie exchange).
    #[schemars(with = "Option<DistSpec>")]
    pub through_service_per_carrier: Option<Spanned<DistSpec>>,
    /// Only lots whose destination is this node pass this stage.
    #[schemars(with = "Option<bool>")]
    pub ends_here: Option<Spanned<bool>>,
    /// Lots are unloaded here (where a DPU contract delivers).
    #[schemars(with = "Option<bool>")]
    pub unloads: Option<Spanned<bool>>,
    /// Lots are cleared for import here (where a DDP contract delivers).
    #[schemars(with = "Option<bool>")]
    pub clears_import: Option<Spanned<bool>>,
    /// Open hours (a calendar name).
    #[schemars(with = "Option<String>")]
    pub calendar: Option<Name>,
    /// Breakdowns.
    #[schemars(with = "Option<FailureSpec>")]
    pub failures: Option<Spanned<FailureSpec>>,
    /// Physical inspection: probability and extra time.
    #[schemars(with = "Option<ChanceSpec>")]
    pub inspection: Option<Spanned<ChanceSpec>>,
    /// Rejected documents or failed tests: probability and time before queuing again.
    #[schemars(with = "Option<ChanceSpec>")]
    pub rework: Option<Spanned<ChanceSpec>>,
    /// `"fifo"` (default) or `"order_first"` (the order's lots before background traffic).
    #[schemars(with = "Option<String>")]
    pub queue: Option<Spanned<String>>,
    /// A pure delay with no capacity limit (yard dwell).
    #[schemars(with = "Option<DistSpec>")]
    pub dwell: Option<Spanned<DistSpec>>,
    /// Cost per tonne served (fees, handling).
    #[schemars(with = "Option<f64>")]
    pub cost_per_t: Option<Spanned<f64>>,
    /// Cost per lot served (per shipment fees).
    #[schemars(with = "Option<f64>")]
    pub cost_per_lot: Option<Spanned<f64>>,
    /// Dated changes of the places, e.g. `[{ at = 2025-12-01, capacity = 4 }]`: from that
    /// day the stage has `capacity` places instead of what was written before (a lot in
    /// service when places go keeps its place until it is done).
    #[serde(default)]
    #[schemars(with = "Vec<StageChangeSpec>")]
    pub changes: Vec<Spanned<StageChangeSpec>>,
}

/// One dated change of a stage.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StageChangeSpec {
    /// The day: a date or days from the order's dates (`"start+45d"`).
    #[schemars(with = "DateRule")]
    pub at: Spanned<toml::Value>,
    /// Places from that day.
    #[schemars(with = "i64")]
    pub capacity: Spanned<i64>,
}

/// `{ p = ..., time = ... }`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChanceSpec {
    /// Probability per lot.
    #[schemars(with = "f64")]
    pub p: Spanned<f64>,
    /// Extra time.
    #[schemars(with = "DistSpec")]
    pub time: Spanned<DistSpec>,
}
