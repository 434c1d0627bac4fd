//! `[contract]`: the sales contract's terms as written (see `docs/contract.md`).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::scenario::json_schema::{DateRule, IncotermCode, NameOrNames, PriceOrPrices};

/// `[contract]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContractSpec {
    /// The Incoterms 2020 rule: EXW, FCA, CPT, CIP, DAP, DPU or DDP.
    #[schemars(with = "IncotermCode")]
    pub incoterm: Spanned<String>,
    /// The named place(s): nodes of the network (left out for delivery at the mills).
    #[schemars(with = "Option<NameOrNames>")]
    pub place: Option<Spanned<toml::Value>>,
    /// More or less this many per cent at the seller's option (default 0).
    #[schemars(with = "Option<f64>")]
    pub tolerance_pct: Option<Spanned<f64>>,
    /// Price per tonne, in the order's currency, or one per product of the mix (for damages
    /// in per cent, the cap, and the value of goods lost and insured).
    #[schemars(with = "Option<PriceOrPrices>")]
    pub price_per_t: Option<Spanned<toml::Value>>,
    /// The delivery schedule (default: the whole order by the deadline).
    #[schemars(with = "Option<Vec<CallOffSpec>>")]
    pub calloffs: Option<Spanned<Vec<Spanned<CallOffSpec>>>>,
    /// Liquidated damages for lateness.
    #[schemars(with = "Option<DamagesSpec>")]
    pub damages: Option<Spanned<DamagesSpec>>,
    /// Cargo insurance the seller buys (needs `price_per_t`).
    #[schemars(with = "Option<InsuranceSpec>")]
    pub insurance: Option<Spanned<InsuranceSpec>>,
}

/// `[contract.insurance]`: a cargo policy on the legs at the seller's risk (for CIP, to the
/// place carriage is paid to).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InsuranceSpec {
    /// The Institute Cargo Clauses: "A" (all risks), "B" or "C" (major casualties).
    #[schemars(with = "String")]
    pub cover: Spanned<String>,
    /// Premium, per cent of the insured value of each lot shipped.
    #[schemars(with = "f64")]
    pub rate_pct: Spanned<f64>,
    /// Insured value, per cent of the goods' value (default 110).
    #[schemars(with = "Option<f64>")]
    pub insured_pct: Option<Spanned<f64>>,
    /// War-risk surcharge by country (legs' `country`), per cent of the insured value, paid
    /// once per country a lot crosses insured.
    #[schemars(with = "Option<BTreeMap<String, f64>>")]
    pub war_risk_pct: Option<Spanned<BTreeMap<String, Spanned<f64>>>>,
    /// The part of each claim the insured bears, in the order's currency (default 0).
    #[schemars(with = "Option<f64>")]
    pub deductible: Option<Spanned<f64>>,
}

/// One call-off: tonnes (or a share of the order) due by the end of a date.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CallOffSpec {
    /// The day: a date, or days from the order's dates (`"deadline-30d"`).
    #[schemars(with = "DateRule")]
    pub by: Spanned<toml::Value>,
    /// Tonnes due in this call-off.
    #[schemars(with = "Option<f64>")]
    pub tonnes: Option<Spanned<f64>>,
    /// Or the share of the order due in it (the shares add up to 1), so that the schedule
    /// follows the order's tonnes.
    #[schemars(with = "Option<f64>")]
    pub share: Option<Spanned<f64>>,
}

/// `damages = { ... }`: one of `per_t_day` or `pct_per_week`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DamagesSpec {
    /// Owed per tonne per day late.
    #[schemars(with = "Option<f64>")]
    pub per_t_day: Option<Spanned<f64>>,
    /// Per cent of the late tonnes' value owed per week late (needs `price_per_t`).
    #[schemars(with = "Option<f64>")]
    pub pct_per_week: Option<Spanned<f64>>,
    /// Days late that cost nothing (default 0).
    #[schemars(with = "Option<f64>")]
    pub grace_days: Option<Spanned<f64>>,
    /// The most owed, in per cent of `cap_of` (needs `price_per_t`).
    #[schemars(with = "Option<f64>")]
    pub cap_pct: Option<Spanned<f64>>,
    /// What the cap is a share of: `"contract"` (its whole value, the default) or
    /// `"late_goods"` (the value of each late tonne, as in the ICC model contract).
    #[schemars(with = "Option<String>")]
    pub cap_of: Option<Spanned<String>>,
}
