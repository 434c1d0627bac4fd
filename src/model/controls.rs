//! Control variates: numbers every replication draws before it starts, whose expectation
//! the scenario fixes exactly, so that how far a replication's draws fell from their
//! expectation can correct its outcome (`stats::control`).
//!
//! Two kinds, both drawn up front from streams of the replication's seed and nothing else:
//! each uncertain figure's factor (expectation: the mean of its law), and each random
//! disruption's total duration, the sum of the durations of its occurrences (expectation:
//! the expected number of occurrences, `p` for a disruption that happens at most once or
//! `rate x window` for a Poisson one, times the mean duration, by Wald's identity since the
//! durations are drawn independently of how many there are). A disruption that always
//! happens with a fixed duration, a figure taken as certain, or a law whose mean is only
//! known numerically (a truncated one) gives no control.
//!
//! Because the draws are made from the seed alone, a replication's controls are recomputed
//! from its row (`Row::seed`) without running it: merged shards and stored runs get the
//! same estimates as the run that made them.

use super::World;
use super::ids::DisruptionId;
use super::replication::effects::{disruption_draws, uncertain_draw};
use super::world::{DisruptionSpec, Occurrence};

/// One control: what it is and its exact expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct Control {
    /// `uncertain:NAME` (the factor drawn) or `disruption:NAME` (hours of occurrences drawn).
    pub name: String,
    /// Its expectation.
    pub mean: f64,
    what: Source,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Source {
    Uncertain(usize),
    Disruption(DisruptionId),
}

/// The expected total duration of a disruption's occurrences, if it varies and is known.
fn disruption_mean(d: &DisruptionSpec) -> Option<f64> {
    let duration = d.duration.exact_mean()?;
    let (count, count_varies) = match d.occurrence {
        Occurrence::Once(p) => (p.clamp(0.0, 1.0), p > 0.0 && p < 1.0),
        Occurrence::Rate(per_hour) => {
            let n = per_hour * (d.window.1 - d.window.0).max(0.0);
            (n, n > 0.0)
        }
    };
    let varies = (count_varies && duration > 0.0) || (count > 0.0 && !d.duration.is_fixed());
    varies.then_some(count * duration)
}

/// The world's controls, in a fixed order (uncertain figures, then disruptions).
pub fn controls(world: &World) -> Vec<Control> {
    let uncertain = world.uncertain.iter().enumerate().filter(|(_, u)| !u.factor.is_fixed()).filter_map(|(i, u)| {
        Some(Control {
            name: format!("uncertain:{}", u.name),
            mean: u.factor.exact_mean()?,
            what: Source::Uncertain(i),
        })
    });
    // A disruption that cannot start before the horizon changes nothing a run reports: as a
    // control it would only add noise.
    let horizon = world.horizon.value();
    let disruptions = world.disruptions.iter_ids().filter(|(_, d)| d.window.0 < horizon).filter_map(|(i, d)| {
        Some(Control { name: format!("disruption:{}", d.name), mean: disruption_mean(d)?, what: Source::Disruption(i) })
    });
    uncertain.chain(disruptions).collect()
}

/// The values `controls` took in the replication seeded `seed` (its uncertain figures drawn
/// from its own seed, as in every run that keeps rows), appended to `out` in their order.
pub fn values(world: &World, controls: &[Control], seed: u64, out: &mut Vec<f64>) {
    for c in controls {
        out.push(match c.what {
            Source::Uncertain(i) => uncertain_draw(&world.uncertain[i], seed),
            Source::Disruption(i) => disruption_draws(&world.disruptions[i], seed).iter().map(|d| d.duration).sum(),
        });
    }
}
