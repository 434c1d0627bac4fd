//! Tornado charts: each key parameter moved down and up by a percentage, ranked by how much
//! it moves the on-time probability (on common random numbers).
//!
//! The chart is built in rounds. Every parameter's low and high values first run a few
//! replications; a parameter stops once its effect is known to within a threshold (a tenth of
//! the largest effect found, or half a percentage point) at both delivery points, by a paired
//! 95 % interval, and the others run on, each to where its effect would be known that well if
//! what it has shown so far holds (between 1.5 and 2 times as many, up to `-n`). Replication
//! `r` is the same in every round and for every value (common random numbers), so the effect
//! of a parameter is measured replication by replication, and most of the cost goes where the
//! ranking is decided.

use serde::{Deserialize, Serialize};

use super::{LEVEL, Loader, Onward, Point, StudyError, outcomes_batch, outcomes_to};
use crate::experiment::batch::par_map;
use crate::experiment::{Plan, Row, by_deadline};
use crate::model::World;
use crate::scenario::params::{get, key_parameters, scale};
use crate::scenario::{LoadError, Override};
use crate::stats::proportion::tango;

/// Replications of every value in the first round.
const FIRST_ROUND: u64 = 32;

/// Replications of the unchanged scenario that time the chart before the rest of them run.
const TIMED: u64 = 200;

/// One parameter of a tornado chart.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TornadoBar {
    /// Path of the parameter.
    pub parameter: String,
    /// Its value in the scenario.
    pub base_value: String,
    /// Lowered by the percentage.
    pub low_value: String,
    /// Raised by the percentage.
    pub high_value: String,
    /// P(on time) at the destination with the low and high value.
    pub p_on_time: [f64; 2],
    /// The same at the handover point.
    pub handover_p_on_time: [f64; 2],
    /// High minus low, at the destination.
    pub effect: f64,
    /// High minus low, at the handover point.
    pub handover_effect: f64,
    /// Replications run with each value (fewer than the run's when stopped early).
    pub replications: u64,
    /// Paired 95 % interval of `effect`.
    pub effect_ci95: [f64; 2],
    /// Paired 95 % interval of `handover_effect`.
    pub handover_effect_ci95: [f64; 2],
    /// Stopped early with an effect clearly small: at both points, its paired 95 % interval
    /// lies within the chart's `threshold` on either side of zero.
    pub screened: bool,
    /// Stopped early with its effect known to within the chart's `threshold` (a paired 95 %
    /// interval at most twice the threshold wide at both points) but not clearly small.
    #[serde(default)]
    pub precise: bool,
}

impl TornadoBar {
    /// P(on time) with the low and the high value at `point`.
    pub fn p_on_time_at(&self, point: Point) -> [f64; 2] {
        match point {
            Point::Destination => self.p_on_time,
            Point::Handover => self.handover_p_on_time,
        }
    }
}

/// A tornado chart: what `tornado.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tornado {
    /// The percentage each parameter moved.
    pub percent: f64,
    /// P(on time) of the unchanged scenario: destination, handover.
    pub base_p_on_time: [f64; 2],
    /// Parameters, largest effect (at either point) first.
    pub bars: Vec<TornadoBar>,
    /// Parameters skipped because moving them changes nothing (e.g. a capacity of 1 by 20 %).
    pub skipped: Vec<String>,
    /// Most replications per value (`-n`); the unchanged scenario ran this many.
    pub replications: u64,
    /// Replications run in all, the unchanged scenario's included.
    pub replications_total: u64,
    /// Parameters stopped once their effects were known to within this at both points: a
    /// tenth of the largest effect's lower bound, or half a percentage point.
    pub threshold: f64,
}

/// What the chart is doing, for progress lines and an estimate of the time left.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// The first `timed` of the unchanged scenario's `replications` ran in `seconds` (the rest
    /// run next); the first round will run `first_round` replications, and were no parameter
    /// to stop early all rounds would run `at_most`.
    Base {
        /// Replications of the unchanged scenario timed so far.
        timed: u64,
        /// Replications of the unchanged scenario in all.
        replications: u64,
        /// How long the timed ones took.
        seconds: f64,
        /// Replications of the first round.
        first_round: u64,
        /// Replications of every round were no parameter to stop early.
        at_most: u64,
    },
    /// A round: `alive` of `parameters` parameters run to between `replications[0]` and
    /// `replications[1]` each.
    Round {
        /// Fewest and most replications per value at the end of the round.
        replications: [u64; 2],
        /// Parameters still in.
        alive: usize,
        /// Parameters moved.
        parameters: usize,
    },
}

/// One parameter's two values and their outcomes so far: per replication, on time at the
/// destinations and at the handover point.
struct Arm {
    param: String,
    values: [String; 3],
    worlds: [World; 2],
    outcomes: [Vec<[bool; 2]>; 2],
    /// Replications of each value at the end of the next round.
    next: u64,
    screened: bool,
    precise: bool,
}

impl Arm {
    /// Still running: not stopped early (small or known), nor at `most` replications.
    fn running(&self, most: u64) -> bool {
        !self.screened && !self.precise && (self.outcomes[0].len() as u64) < most
    }
}

/// What an arm's first `n` replications show of its effect at one point: in how many the high
/// value was on time and the low value late (`up`), and the other way round (`down`). The
/// effect is `(up - down) / n`.
#[derive(Clone, Copy, Debug)]
struct Paired {
    n: u64,
    up: u64,
    down: u64,
}

impl Paired {
    fn of(arm: &Arm, k: usize, n: usize) -> Paired {
        let [low, high] = [&arm.outcomes[0][..n], &arm.outcomes[1][..n]];
        let only = |a: &[[bool; 2]], b: &[[bool; 2]]| a.iter().zip(b).filter(|(x, y)| x[k] && !y[k]).count() as u64;
        Paired { n: n as u64, up: only(high, low), down: only(low, high) }
    }

    fn mean(self) -> f64 {
        (self.up as f64 - self.down as f64) / self.n.max(1) as f64
    }

    /// The paired 95 % interval of the effect (Tango's score interval).
    fn ci95(self) -> [f64; 2] {
        let (lo, hi) = tango(self.up, self.down, self.n, LEVEL);
        [lo, hi]
    }

    /// Settled: known to within `threshold` on either side (its paired 95 % interval at most
    /// twice that wide).
    fn settled(self, threshold: f64) -> bool {
        let [lo, hi] = self.ci95();
        hi - lo <= 2.0 * threshold
    }

    /// Clearly small: its paired 95 % interval within `threshold` of zero on both sides.
    fn small(self, threshold: f64) -> bool {
        let [lo, hi] = self.ci95();
        -threshold < lo && hi < threshold
    }

    /// What `n` replications would show if the shares of disagreements seen so far held.
    fn at(self, n: u64) -> Paired {
        let scale = |k: u64| (k as f64 * n as f64 / self.n as f64).round() as u64;
        Paired { n, up: scale(self.up), down: scale(self.down) }
    }
}

/// Replications of each value at an arm's next look, after `n`: the fewest, from 1.5 to 2
/// times `n`, at which both points would be settled if what they show held (so that an arm
/// close to settled is not run to twice its replications), else twice `n`; at most `most`.
/// The growth of at least half keeps the looks at each arm few (at most 9 from 32 to 1,000),
/// each a chance to stop on an interval that missed. Any number in that range will do: every
/// round is one batch whatever its sizes, and rounding the look up (to a multiple of 8, as it
/// was) cost 8 % more replications on the baseline.
fn next_look(effects: [Paired; 2], n: u64, most: u64, threshold: f64) -> u64 {
    let settled = |m: u64| effects.iter().all(|e| e.at(m).settled(threshold));
    let last = (2 * n).min(most);
    (n + n.div_ceil(2)..last).find(|&m| settled(m)).unwrap_or(last)
}

/// A variant the move made invalid (a pool too small for a lot, a rate of zero): the
/// scenario's own hint (add carriers, ...) is not what the user of a chart can do, so every
/// problem says what is.
fn moved_too_far(e: LoadError, param: &str, percent: f64) -> LoadError {
    match e {
        LoadError::Invalid { sources, diagnostics } => LoadError::Invalid {
            sources,
            diagnostics: diagnostics
                .into_iter()
                .map(|d| {
                    d.help(format!(
                        "moved by {percent} %, `{param}` makes the scenario invalid: chart without it (name the \
                         parameters to move with --param) or use a smaller percentage"
                    ))
                })
                .collect(),
        },
        other => other,
    }
}

/// Whether a replication of `world` was on time at both points (settled at the deadline, where
/// the chart's replications end: nothing after it is simulated).
fn outcome(world: &World, r: &Row) -> [bool; 2] {
    [Point::Destination, Point::Handover].map(|p| by_deadline(world, p.days(r)))
}

/// Moves each parameter (by default the scenario's key parameters: every capacity, service
/// and transit time, pool and rate) down and up by `percent` %, in rounds that stop each
/// parameter once its effect is known to within the chart's threshold.
pub fn tornado(
    load: Loader<'_>,
    percent: f64,
    parameters: &[String],
    plan: &Plan,
    progress: &mut dyn FnMut(Step),
) -> Result<Tornado, StudyError> {
    if !(percent > 0.0 && percent < 100.0) {
        return Err(StudyError::Usage(format!("--tornado {percent}: the percentage must lie between 0 and 100")));
    }
    let base = load(&[])?;
    let table: toml::Table = toml::from_str(&base.source).map_err(|e| StudyError::Usage(e.to_string()))?;
    let params = if parameters.is_empty() { key_parameters(&table) } else { parameters.to_vec() };
    if let Some((_, twice)) = params.iter().enumerate().find(|(i, p)| params[..*i].contains(p)) {
        return Err(StudyError::Usage(format!("`{twice}` is given twice with --param: each parameter once")));
    }
    let (mut moved, mut skipped) = (Vec::new(), Vec::new());
    for param in &params {
        let value =
            get(&table, param).ok_or_else(|| StudyError::Usage(format!("`{param}` does not exist in the scenario")))?;
        let f = percent / 100.0;
        let (Some(low), Some(high)) = (scale(value, 1.0 - f), scale(value, 1.0 + f)) else {
            return Err(StudyError::Usage(format!(
                "`{param}` is not a number, duration or distribution that can be scaled, nor a table of them"
            )));
        };
        if low == *value && high == *value {
            skipped.push(param.clone());
            continue;
        }
        moved.push((param, [value.to_string(), low.to_string(), high.to_string()]));
    }
    if moved.is_empty() {
        return Err(StudyError::Usage(format!(
            "--tornado {percent}: moved by {percent} %, no parameter changes ({} tried; each rounds back to \
             itself), so there is nothing to chart: use a larger percentage or other parameters",
            params.len()
        )));
    }
    // Two variants per parameter, each compiled from the scenario file (a few milliseconds
    // each: half a second on one core for the baseline's 142), so on every core.
    let worlds = par_map(&moved, plan.threads, |(param, values)| -> Result<[World; 2], StudyError> {
        let at = |v: &String| {
            load(&[Override { path: (*param).clone(), value: v.clone(), option: "--tornado" }])
                .map_err(|e| moved_too_far(e, param, percent))
        };
        Ok([at(&values[1])?.world, at(&values[2])?.world])
    })?;
    let mut arms: Vec<Arm> = moved
        .into_iter()
        .zip(worlds)
        .map(|((param, values), worlds)| Arm {
            param: param.clone(),
            values,
            worlds,
            outcomes: [Vec::new(), Vec::new()],
            next: FIRST_ROUND.min(plan.replications),
            screened: false,
            precise: false,
        })
        .collect();
    let most = plan.replications;
    // The unchanged scenario's first replications time the chart, so that the estimate comes
    // within moments whatever `-n` (its rest runs on afterwards: the same replications).
    let began = std::time::Instant::now();
    let mut base_out = Vec::new();
    let timed = TIMED.min(most);
    let base_outcome = |r: &Row| outcome(&base.world, r);
    outcomes_to(&base.world, plan, Some(base.world.deadline), &mut base_out, timed, base_outcome)?;
    let first = FIRST_ROUND.min(most);
    progress(Step::Base {
        timed,
        replications: most,
        seconds: began.elapsed().as_secs_f64(),
        first_round: 2 * first * arms.len() as u64,
        at_most: 2 * most * arms.len() as u64,
    });
    outcomes_to(&base.world, plan, Some(base.world.deadline), &mut base_out, most, base_outcome)?;
    let share = |k: usize| base_out.iter().filter(|o| o[k]).count() as f64 / base_out.len().max(1) as f64;
    let base_p = [share(0), share(1)];
    let mut threshold = 0.005f64;
    while arms.iter().any(|a| a.running(most)) {
        let alive = arms.iter().filter(|a| a.running(most));
        let replications = alive.clone().fold([u64::MAX, 0], |[lo, hi], a| [lo.min(a.next), hi.max(a.next)]);
        progress(Step::Round { replications, alive: alive.count(), parameters: arms.len() });
        // Every running parameter's two values in one batch, so that no core idles at the end
        // of each value's share.
        let mut parts: Vec<Onward<'_, [bool; 2]>> = Vec::new();
        for Arm { worlds, outcomes, next, .. } in arms.iter_mut().filter(|a| a.running(most)) {
            for (world, out) in worlds.iter().zip(outcomes.iter_mut()) {
                parts.push(Onward { world, until: Some(world.deadline), out, n: *next });
            }
        }
        outcomes_batch(plan, &mut parts, outcome)?;
        // The largest effect shown so far sets what "clearly small" means.
        let lower = |a: &Arm| {
            let m = a.outcomes[0].len();
            (0..2)
                .map(|k| Paired::of(a, k, m).ci95())
                .map(|[lo, hi]| if lo > 0.0 { lo } else { (-hi).max(0.0) })
                .fold(0.0, f64::max)
        };
        threshold = threshold.max(0.1 * arms.iter().map(lower).fold(0.0, f64::max));
        // An arm that reached `most` has run in full: no test.
        for arm in arms.iter_mut().filter(|a| a.running(most)) {
            let n = arm.outcomes[0].len();
            let effects = [0, 1].map(|k| Paired::of(arm, k, n));
            if effects.iter().all(|e| e.settled(threshold)) {
                arm.screened = effects.iter().all(|e| e.small(threshold));
                arm.precise = !arm.screened;
            }
            arm.next = next_look(effects, n as u64, most, threshold);
        }
    }
    let mut bars: Vec<TornadoBar> = arms
        .iter()
        .map(|a| {
            let m = a.outcomes[0].len();
            let share = |side: usize, k: usize| a.outcomes[side].iter().filter(|o| o[k]).count() as f64 / m as f64;
            let [(e, ci), (he, hci)] = [0, 1].map(|k| Paired::of(a, k, m)).map(|p| (p.mean(), p.ci95()));
            TornadoBar {
                parameter: a.param.clone(),
                base_value: a.values[0].clone(),
                low_value: a.values[1].clone(),
                high_value: a.values[2].clone(),
                p_on_time: [share(0, 0), share(1, 0)],
                handover_p_on_time: [share(0, 1), share(1, 1)],
                effect: e,
                handover_effect: he,
                replications: m as u64,
                effect_ci95: ci,
                handover_effect_ci95: hci,
                screened: a.screened,
                precise: a.precise,
            }
        })
        .collect();
    bars.sort_by(|a, b| {
        let size = |x: &TornadoBar| x.effect.abs().max(x.handover_effect.abs());
        size(b).total_cmp(&size(a)).then(a.parameter.cmp(&b.parameter))
    });
    let replications_total = most + 2 * bars.iter().map(|b| b.replications).sum::<u64>();
    Ok(Tornado { percent, base_p_on_time: base_p, bars, skipped, replications: most, replications_total, threshold })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paired(n: u64, up: u64, down: u64) -> Paired {
        Paired { n, up, down }
    }

    #[test]
    fn no_disagreement_is_settled_at_the_first_look_its_interval_allows() {
        // With no disagreement the 95 % interval is +/- z^2 / (n + z^2): within 0.1 of zero
        // from 35 replications on. An arm with none after 32 is settled at its next look, 48,
        // and clearly small there.
        let none = paired(32, 0, 0);
        assert!(!none.settled(0.1) && paired(35, 0, 0).settled(0.1) && !paired(34, 0, 0).settled(0.1));
        assert_eq!(next_look([none, none], 32, 1000, 0.1), 48);
        assert!(paired(48, 0, 0).small(0.1));
        // An odd count grows by at least half of it, rounded up.
        assert_eq!(next_look([none, none], 33, 1000, 0.1), 50);
        assert_eq!(next_look([none, none], 31, 1000, 0.1), 47);
        // From 20, the first count that settles it.
        assert_eq!(next_look([none, none], 20, 1000, 0.1), 35);
        // Known to within 0.1 but not clearly small: 12 disagreements one way in 96.
        let some = paired(96, 12, 0);
        let [lo, hi] = some.ci95();
        assert!(some.settled(0.1) && !some.small(0.1), "{lo} {hi}");
    }

    #[test]
    fn the_next_look_grows_by_half_to_double_and_stops_at_most() {
        // A large effect with disagreements both ways, far from known to within 0.01: double.
        let wide = paired(64, 25, 5);
        assert_eq!(next_look([wide, wide], 64, 1000, 0.01), 128);
        assert_eq!(next_look([wide, wide], 64, 100, 0.01), 100);
        // Nearly known to within 0.1 (95 % interval 0.22 wide after 128): one and a half times.
        let near = paired(128, 45, 15);
        let [lo, hi] = near.ci95();
        assert!(hi - lo > 0.2 && hi - lo < 0.23, "{lo} {hi}");
        assert_eq!(next_look([near, paired(128, 0, 0)], 128, 1000, 0.1), 192);
    }
}
