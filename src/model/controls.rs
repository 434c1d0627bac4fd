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
//! happens with a fixed duration, one that cannot start before the horizon, one expected to
//! happen (or, if it happens at most once, not to happen) in fewer than ten replications of
//! the run, a figure taken as certain, or a law whose mean is only known numerically (a
//! truncated one) gives no control.
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

/// Fewest replications expected on each side of a disruption's "did it happen?" for it to be
/// a control: a control that is nothing in almost every replication makes the estimate rest on
/// the few where it happened, where the normal approximation behind the interval fails.
const EXPECTED_EACH_SIDE: f64 = 10.0;

impl DisruptionSpec {
    /// The expected number of occurrences in a replication: the probability of one that
    /// happens at most once, the rate times the window for a Poisson one.
    pub fn expected_occurrences(&self) -> f64 {
        match self.occurrence {
            Occurrence::Once(p) => p.clamp(0.0, 1.0),
            Occurrence::Rate(per_hour) => per_hour * (self.window.1 - self.window.0).max(0.0),
        }
    }
}

/// The expected total duration of a disruption's occurrences in a run of `n` replications, if
/// it varies, is known, and happens (and fails to happen, for one that happens at most once)
/// in at least `EXPECTED_EACH_SIDE` replications on average.
fn disruption_mean(d: &DisruptionSpec, n: u64) -> Option<f64> {
    let duration = d.duration.exact_mean()?;
    let n = n as f64;
    let count = d.expected_occurrences();
    let (p_some, p_none) = match d.occurrence {
        Occurrence::Once(_) => (count, 1.0 - count),
        // A Poisson count's spread is not that of an indicator: only its rarity matters.
        Occurrence::Rate(_) => (1.0 - (-count).exp(), 1.0),
    };
    if n * p_some < EXPECTED_EACH_SIDE || n * p_none < EXPECTED_EACH_SIDE {
        return None;
    }
    let varies = (p_none > 0.0 && duration > 0.0) || !d.duration.is_fixed();
    varies.then_some(count * duration)
}

/// The world's controls for a run of `n` replications, in a fixed order (uncertain figures,
/// then disruptions). Which are offered depends on the scenario and `n` alone, never on the
/// outcomes.
pub fn controls(world: &World, n: u64) -> Vec<Control> {
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
        Some(Control {
            name: format!("disruption:{}", d.name),
            mean: disruption_mean(d, n)?,
            what: Source::Disruption(i),
        })
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
