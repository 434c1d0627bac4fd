//! What the uncertain figures do to completion, from the sums of a run.
//!
//! Each uncertain figure is drawn once per replication, independently of the others and of
//! the operations' randomness. Over the replications, the share of the variance of the
//! completion day that a figure explains to first order is its squared correlation with it
//! (for independent inputs, the squared standardised regression coefficient: Saltelli et al.,
//! *Global Sensitivity Analysis: The Primer*, Wiley 2008, section 1.2.5). Summed over the
//! figures it is the share of the variance due to what we do not know about the inputs; the
//! rest is the randomness of operations (and what the linear reading misses of the inputs'
//! effects, so the figures' share is, if anything, understated).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::experiment::aggregate::InputsAgg;
use crate::model::World;

/// One uncertain figure's draws and their effect.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct InputFigure {
    /// The `[[uncertain]]` row's name.
    pub name: String,
    /// The mean factor drawn.
    pub factor_mean: f64,
    /// The standard deviation of the factors drawn.
    pub factor_sd: f64,
    /// Share of the variance of the completion day at the destinations it explains (squared
    /// correlation).
    pub explains_destination: f64,
    /// The same at the handover point.
    pub explains_handover: f64,
}

/// What the uncertain figures do to completion.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct InputsSummary {
    /// How the shares are worked out.
    pub method: String,
    /// Share of the variance of the completion day at the destinations due to the uncertain
    /// figures (first order: the sum of their shares); the rest is operations.
    pub share_destination: f64,
    /// The same at the handover point.
    pub share_handover: f64,
    /// Each figure, in the scenario's order.
    pub figures: Vec<InputFigure>,
    /// The figure that explains most at the destinations: the one to measure first.
    pub measure_first: Option<String>,
}

/// The moments of `n` values from their sum and sum of squares: (mean, variance).
fn moments(n: f64, sum: f64, sum_sq: f64) -> (f64, f64) {
    let mean = sum / n;
    (mean, ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0))
}

/// The summary of `agg` for `world`'s uncertain figures (`None` without them, or with
/// fewer than two replications).
pub fn summarise(world: &World, agg: &InputsAgg) -> Option<InputsSummary> {
    if agg.n < 2 || world.uncertain.is_empty() {
        return None;
    }
    // Figures written as certain (a factor of exactly 1) leave the results as if they were
    // plain figures, and so the summary too.
    if world.uncertain.iter().all(|u| u.factor.max() == Some(1.0) && u.factor.mean() == 1.0) {
        return None;
    }
    let n = agg.n as f64;
    let y: Vec<(f64, f64)> = (0..2).map(|k| moments(n, agg.y[k].value(), agg.yy[k].value())).collect();
    let figures: Vec<InputFigure> = world
        .uncertain
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let (mx, vx) = moments(n, agg.x[i].value(), agg.xx[i].value());
            let r2 = |k: usize| {
                let (my, vy) = y[k];
                let cov = (agg.xy[i][k].value() - n * mx * my) / (n - 1.0);
                if vx > 0.0 && vy > 0.0 { (cov * cov / (vx * vy)).min(1.0) } else { 0.0 }
            };
            InputFigure {
                name: u.name.clone(),
                factor_mean: mx,
                factor_sd: vx.sqrt(),
                explains_destination: r2(0),
                explains_handover: r2(1),
            }
        })
        .collect();
    let measure_first = figures
        .iter()
        .filter(|f| f.explains_destination > 0.0)
        .max_by(|a, b| a.explains_destination.total_cmp(&b.explains_destination))
        .map(|f| f.name.clone());
    Some(InputsSummary {
        method: "first-order shares: each figure's squared correlation with the completion day over replications \
                 (standardised regression coefficients, Saltelli et al. 2008); the figures are drawn independently"
            .to_string(),
        share_destination: figures.iter().map(|f| f.explains_destination).sum::<f64>().min(1.0),
        share_handover: figures.iter().map(|f| f.explains_handover).sum::<f64>().min(1.0),
        figures,
        measure_first,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::aggregate::Aggregates;
    use crate::model::Replication;

    /// One lot in stock crosses a 10-h leg, waits an exponential dwell (mean m) and clears a
    /// 20-h customs stage whose speed is uncertain: a factor f uniform on [0.8, 1.25]. The
    /// completion time is 10 + D + 20 / f, so Var = 400 Var(1/f) + m^2, with E[1/f] =
    /// ln(1.5625) / 0.45, E[1/f^2] = (1/0.8 - 1/1.25) / 0.45 = 1, and m^2 = 400 Var(1/f) for a
    /// half-and-half split. The first-order share is the squared correlation of f with the
    /// completion: rho^2(f, 1/f) / 2, with rho^2(f, 1/f) = Cov^2 / (Var f Var 1/f) = 0.98684
    /// (20/f is not quite linear in f). 20,000 replications estimate a squared correlation
    /// near 0.5 with a standard error of about 0.005; the check allows 0.02 (four of them).
    #[test]
    fn the_share_of_the_inputs_is_right_on_a_known_split() {
        let e_inv = (1.5625f64).ln() / 0.45;
        let var_inv = 1.0 - e_inv * e_inv;
        let m = (400.0 * var_inv).sqrt();
        let text = format!(
            r#"
name = "split"
[order]
tonnes = 24
start = 2025-09-15
deadline = 2025-09-30
mix = {{ steel = 1.0 }}
destinations = {{ dest = 1.0 }}
handover = ["dest"]
[pools.wagons]
units = 1
payload_t = 24
empty_return = "5h"
[mills.mill]
supplies = {{ steel = 1.0 }}
rate_t_per_day = 24
lot_t = 24
stock_t = 24
[nodes.dest]
stages = [{{ name = "wait", dwell = {{ dist = "exponential", mean = "{m}h" }} }}, {{ name = "customs", capacity = 1, service = "20h" }}]
[legs.to_dest]
from = "mill"
to = "dest"
mode = "rail"
pool = "wagons"
transit = "10h"
[routes.rail]
modes = ["rail"]
[[uncertain]]
name = "customs_speed"
target = "dest.customs"
factor = {{ dist = "uniform", min = 0.8, max = 1.25 }}
"#
        );
        let w =
            crate::scenario::load_str(&text, "split.toml", "split").unwrap_or_else(|e| panic!("{}", e.render(false)));
        let mut agg = Aggregates::new(&w);
        for i in 0..20_000 {
            agg.add(&Replication::new(&w, i, 500 + i, false).run().unwrap());
        }
        let s = summarise(&w, agg.inputs.as_ref().unwrap()).unwrap();
        let cov = 1.0 - 1.025 * e_inv;
        let rho2 = cov * cov / (0.45f64.powi(2) / 12.0 * var_inv);
        let expected = rho2 / 2.0;
        assert!((s.share_destination - expected).abs() < 0.02, "share {} against {expected}", s.share_destination);
        assert_eq!(s.measure_first.as_deref(), Some("customs_speed"));
        assert!((s.figures[0].factor_mean - 1.025).abs() < 0.005, "{:?}", s.figures[0]);
    }
}
