//! `[mills.NAME]`: a mill's share of the order, its rate or time per lot, and its capacity.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{FailureSpec, Name, StageSpec};
use crate::scenario::values::DistSpec;

/// `[mills.NAME]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MillSpecFile {
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
    /// Product to the share of the order's tonnes of that product this mill supplies.
    #[schemars(with = "BTreeMap<String, f64>")]
    pub supplies: Spanned<BTreeMap<Name, Spanned<f64>>>,
    /// Production available for this order at full availability, tonnes per day: one number
    /// for the whole mill (one line), or a table by product (a line per product, in parallel).
    #[schemars(with = "Option<RateSpec>")]
    pub rate_t_per_day: Option<Spanned<RateSpec>>,
    /// Instead of a rate: the time to make one lot of `lot_t`, drawn per lot (one line for
    /// the whole mill).
    #[schemars(with = "Option<DistSpec>")]
    pub production_time: Option<Spanned<DistSpec>>,
    /// With `production_time`, how long a smaller lot (the mill's last) takes: "pro_rata"
    /// (its share of a draw, the default) or "full" (a whole draw).
    #[schemars(with = "Option<String>")]
    pub short_lot: Option<Spanned<String>>,
    /// The mill's own output of the same lines for every customer, tonnes per day, in the
    /// same shape as `rate_t_per_day` (which is then the order's allocation within it):
    /// availability and disruptions act on this capacity, and the order's share follows
    /// `priority`.
    #[schemars(with = "Option<RateSpec>")]
    pub capacity_t_per_day: Option<Spanned<RateSpec>>,
    /// Who goes short when output falls below capacity: "share" (everyone in proportion,
    /// the default), "first" (the order keeps its allocation while output covers it) or
    /// "last" (the order gets what the other customers leave). Needs `capacity_t_per_day`.
    #[schemars(with = "Option<String>")]
    pub priority: Option<Spanned<String>>,
    /// A factor drawn per lot multiplying the rate (e.g. beta, mean 0.85).
    #[schemars(with = "Option<DistSpec>")]
    pub availability: Option<Spanned<DistSpec>>,
    /// Lot size in tonnes.
    #[schemars(with = "f64")]
    pub lot_t: Spanned<f64>,
    /// Tonnes ready at the start (rounded down to whole lots).
    #[schemars(with = "Option<f64>")]
    pub stock_t: Option<Spanned<f64>>,
    /// Breakdowns.
    #[schemars(with = "Option<FailureSpec>")]
    pub failures: Option<Spanned<FailureSpec>>,
    /// Stages at the mill (loading, inspection), in order.
    #[serde(default)]
    #[schemars(with = "Vec<StageSpec>")]
    pub stages: Vec<Spanned<StageSpec>>,
}

/// A mill's rate: one number, or one per product.
#[derive(Debug)]
pub(crate) enum RateSpec {
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
