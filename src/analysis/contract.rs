//! The order judged under its sales contract: delivered in full (within the tolerance) at
//! the contract's delivery point, each call-off met, liquidated damages, and the guarantee
//! sheet: the date a seller can sign at each confidence, and what signing it costs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::LEVEL;
use super::estimates::{days_of, values_of};
use super::summary::{Completion, Interval, completion, interval, mean_ci};
use crate::experiment::{Aggregates, Row, Rows};
use crate::model::World;
use crate::model::units::{date_after, days};
use crate::stats::exact::Moments;
use crate::stats::proportion::wilson;
use crate::stats::quantile::{quantile, quantile_censored, quantile_interval};

/// The order under its contract.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ContractSummary {
    /// The Incoterms 2020 rule.
    pub incoterm: String,
    /// The named place(s) (the mills, for delivery there).
    pub places: Vec<String>,
    /// Quantity tolerance, as a fraction (0.1: more or less 10 % at the seller's option).
    pub tolerance: f64,
    /// The least the seller may deliver: the order less the tolerance, tonnes.
    pub floor_tonnes: f64,
    /// The date by which the floor is due (the last call-off's).
    pub due: String,
    /// Share of replications delivering the floor by `due` at the delivery point.
    pub p_in_full: f64,
    /// Its Wilson interval.
    pub p_in_full_ci95: [f64; 2],
    /// Days from the start until the floor was delivered.
    pub completion_days: Completion,
    /// Each call-off.
    pub calloffs: Vec<CallOffSummary>,
    /// Share of replications meeting every call-off.
    pub p_all_calloffs_met: f64,
    /// Its Wilson interval.
    pub p_all_calloffs_met_ci95: [f64; 2],
    /// Liquidated damages under the schedule (`null` without damages terms).
    pub damages: Option<DamagesSummary>,
    /// What can be signed at each confidence level, and what it costs.
    pub guarantees: Vec<ContractGuarantee>,
    /// Who pays the costs of moving the order under the Incoterm.
    pub costs: CostSplit,
    /// What losses in transit cost, and who bears them (`null` without a price to value
    /// the goods).
    pub losses: Option<LossSummary>,
}

/// Losses in transit valued at the contract's price, and their insurance. Per tonne
/// ordered, mean over replications, each with its t interval.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct LossSummary {
    /// The Institute Cargo Clauses of the seller's policy (`null`: uninsured).
    pub cover: Option<String>,
    /// Premiums the seller pays.
    pub premium_per_t: f64,
    /// Its interval.
    pub premium_per_t_ci95: Interval,
    /// Claims the insurer pays.
    pub claims_per_t: f64,
    /// Its interval.
    pub claims_per_t_ci95: Interval,
    /// The value of goods lost at the seller's risk, less claims: the seller's uninsured loss.
    pub seller_loss_per_t: f64,
    /// Its interval.
    pub seller_loss_per_t_ci95: Interval,
    /// The same at the buyer's risk, after delivery.
    pub buyer_loss_per_t: f64,
    /// Its interval.
    pub buyer_loss_per_t_ci95: Interval,
}

/// The costs of moving the order (transport, handling, storage; re-shipments of lost lots
/// included), split by who pays them under the Incoterm: the seller until the costs pass
/// (with the delivery; for CPT and CIP on arrival at the place carriage is paid to), the
/// buyer after. Per tonne ordered, mean over replications.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct CostSplit {
    /// The seller's share, per tonne ordered.
    pub seller_per_t: f64,
    /// Its t interval.
    pub seller_per_t_ci95: Interval,
    /// The buyer's share, per tonne ordered.
    pub buyer_per_t: f64,
    /// Its t interval.
    pub buyer_per_t_ci95: Interval,
}

/// One call-off.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct CallOffSummary {
    /// Due by the end of this date.
    pub date: String,
    /// Tonnes of this call-off.
    pub tonnes: f64,
    /// Tonnes that must have been delivered by then, this and earlier call-offs, less the
    /// tolerance.
    pub floor_tonnes: f64,
    /// Share of replications meeting it.
    pub p_met: f64,
    /// Its Wilson interval.
    pub p_met_ci95: [f64; 2],
    /// Mean tonnes short of the floor (zero when met).
    pub shortfall_mean: f64,
    /// Its t interval.
    pub shortfall_mean_ci95: Interval,
    /// 95th percentile of the shortfall, tonnes (to within 0.05 % of the order).
    pub shortfall_p95: f64,
}

/// Liquidated damages under the contract's schedule, per replication.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct DamagesSummary {
    /// Owed per tonne per day late, beyond the grace.
    pub per_t_day: f64,
    /// Days late that cost nothing.
    pub grace_days: f64,
    /// The most owed in all, if capped as a share of the contract's value.
    pub cap: Option<f64>,
    /// The most owed per late tonne, if capped as a share of the late goods' value.
    pub cap_per_t: Option<f64>,
    /// Mean damages.
    pub mean: f64,
    /// Its t interval.
    pub mean_ci95: Interval,
    /// 95th percentile.
    pub p95: f64,
    /// Its interval.
    pub p95_ci95: Interval,
    /// Share of replications reaching the cap on the whole (`cap`; zero without it).
    pub p_at_cap: f64,
    /// Its Wilson interval.
    pub p_at_cap_ci95: [f64; 2],
    /// Replications whose damages are a lower bound (owed tonnes still undelivered at the
    /// end, counted late only until then).
    pub censored_replications: u64,
}

/// What a seller can sign at one confidence level.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ContractGuarantee {
    /// Confidence level.
    pub confidence: f64,
    /// The date by whose end the floor is delivered with this confidence: the date to sign
    /// as the single delivery date (`null`: beyond the horizon).
    pub date: Option<String>,
    /// The same in days since the start.
    pub days: Option<f64>,
    /// Interval on `days`.
    pub days_ci95: Interval,
    /// Expected liquidated damages were `date` signed as the due date of the whole floor
    /// (`null` without damages terms, or beyond the horizon).
    pub expected_damages: Option<f64>,
    /// The price of this guarantee per tonne ordered: the expected damages, the premium
    /// and the seller's expected uninsured loss (`null` beyond the horizon).
    pub price_per_t: Option<f64>,
}

fn share(k: u64, n: u64) -> (f64, [f64; 2]) {
    let (lo, hi) = wilson(k, n, LEVEL);
    (if n == 0 { 0.0 } else { k as f64 / n as f64 }, [lo, hi])
}

/// The contract's section of the summary (`None` without a contract).
pub fn build(world: &World, rows: &Rows, agg: &Aggregates) -> Option<ContractSummary> {
    let c = world.contract.as_ref()?;
    let a = agg.contract.as_ref()?;
    let n = rows.len();
    let last = c.calloffs.last()?;
    let due_days = days(last.due.value());
    let done = days_of(rows, &world.order.confidence, due_days, |r| r.contract.and_then(|k| k.completion_days));
    let in_full = done.by_due;
    let (p_in_full, p_in_full_ci95) = share(in_full, n);
    let calloffs = c
        .calloffs
        .iter()
        .zip(a.met.iter().zip(&a.shortfall))
        .map(|(co, (met, short))| {
            let (p_met, p_met_ci95) = share(*met, n);
            CallOffSummary {
                date: co.date.clone(),
                tonnes: co.tonnes.t(),
                floor_tonnes: co.floor.t(),
                p_met,
                p_met_ci95,
                shortfall_mean: short.moments.mean().unwrap_or(0.0),
                shortfall_mean_ci95: mean_ci(&short.moments),
                // The shortfall is zero exactly when the call-off is met: when at least 95 %
                // of replications met it, the 95th percentile is zero, not the first bin's middle.
                shortfall_p95: if p_met >= 0.95 { 0.0 } else { short.hist.quantile(0.95).unwrap_or(0.0) },
            }
        })
        .collect();
    let all = c.calloffs.len() as u32;
    let all_met = rows.iter().filter(|r| r.contract.is_some_and(|k| k.calloffs_met == all)).count() as u64;
    let (p_all_calloffs_met, p_all_calloffs_met_ci95) = share(all_met, n);
    let damages = c.damages.as_ref().map(|d| {
        let owed = |r: &Row| r.contract.map_or(0.0, |k| k.damages);
        let (sorted, m) = values_of(rows, &[0.95], owed);
        // The mean as `replications.csv`'s column gives it: summed in replication order.
        let mean = if n == 0 { 0.0 } else { rows.iter().map(|r| owed(&r)).sum::<f64>() / n as f64 };
        let at_cap = rows.iter().filter(|r| r.contract.is_some_and(|k| k.damages_at_cap)).count() as u64;
        let (p_at_cap, p_at_cap_ci95) = share(at_cap, n);
        DamagesSummary {
            per_t_day: d.per_t_day,
            grace_days: d.grace_days,
            cap: d.cap,
            cap_per_t: d.cap_per_t,
            mean,
            mean_ci95: mean_ci(&m),
            p95: quantile(&sorted, 0.95).unwrap_or(0.0),
            p95_ci95: interval(quantile_interval(&sorted, 0.95, LEVEL)),
            p_at_cap,
            p_at_cap_ci95,
            censored_replications: a.censored,
        }
    });
    let per_t = |f: fn(&crate::experiment::ContractRow) -> f64| {
        let mut m = Moments::default();
        rows.iter().for_each(|r| m.add(r.contract.map_or(0.0, |k| f(&k)) / world.order.tonnes.t()));
        (m.mean().unwrap_or(0.0), mean_ci(&m))
    };
    let losses = c.price_per_t.map(|_| {
        let (premium_per_t, premium_per_t_ci95) = per_t(|k| k.premium);
        let (claims_per_t, claims_per_t_ci95) = per_t(|k| k.claims);
        let (seller_loss_per_t, seller_loss_per_t_ci95) = per_t(|k| k.seller_loss);
        let (buyer_loss_per_t, buyer_loss_per_t_ci95) = per_t(|k| k.buyer_loss);
        LossSummary {
            cover: c.insurance.as_ref().map(|i| i.cover.letter().to_string()),
            premium_per_t,
            premium_per_t_ci95,
            claims_per_t,
            claims_per_t_ci95,
            seller_loss_per_t,
            seller_loss_per_t_ci95,
            buyer_loss_per_t,
            buyer_loss_per_t_ci95,
        }
    });
    let insured_cost_per_t = losses.as_ref().map_or(0.0, |l| l.premium_per_t + l.seller_loss_per_t);
    let guarantees = world
        .order
        .confidence
        .iter()
        .map(|&conf| {
            let q = quantile_censored(&done.sorted, conf).flatten();
            let ci = super::summary::interval_censored(crate::stats::quantile::quantile_interval_censored(
                &done.sorted,
                conf,
                LEVEL,
            ));
            // Signing the day that holds the quantile, due at its end: day `d` ends at
            // `d + 1` days, so a quantile of exactly 3.0 days is met by the end of day 2.
            let day = q.map(|q| (q.ceil() - 1.0).max(0.0) as usize);
            let expected = day
                .and_then(|d| a.damages_by_due_day.get(d))
                .map(|sum| if n == 0 { 0.0 } else { sum.value() / n as f64 });
            ContractGuarantee {
                confidence: conf,
                date: day.map(|d| date_after(world.start, d as f64)),
                days: q,
                days_ci95: ci,
                expected_damages: expected,
                price_per_t: day.map(|_| expected.unwrap_or(0.0) / world.order.tonnes.t() + insured_cost_per_t),
            }
        })
        .collect();
    let ((seller_per_t, seller_per_t_ci95), (buyer_per_t, buyer_per_t_ci95)) =
        (per_t(|k| k.seller_cost), per_t(|k| k.buyer_cost));
    Some(ContractSummary {
        costs: CostSplit { seller_per_t, seller_per_t_ci95, buyer_per_t, buyer_per_t_ci95 },
        losses,
        incoterm: c.incoterm.code().to_string(),
        places: c.places.clone(),
        tolerance: c.tolerance,
        floor_tonnes: c.floor().t(),
        due: last.date.clone(),
        p_in_full,
        p_in_full_ci95,
        completion_days: completion(&done),
        calloffs,
        p_all_calloffs_met,
        p_all_calloffs_met_ci95,
        damages,
        guarantees,
    })
}
