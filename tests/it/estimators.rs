//! The estimators behind every interval steelsim reports, checked against exact binomial
//! results and by simulation of their coverage.
//!
//! Coverage tolerances: with `m` simulated experiments and true coverage `c`, the number of
//! intervals that cover the truth is Binomial(m, c); we accept the observed share if it lies
//! within 4 standard deviations of the nominal level (a correct estimator fails this with
//! probability below 1e-4). For the Wilson interval, whose exact coverage oscillates around
//! the nominal level, we compute the exact coverage for the (n, p) used and test the
//! simulation against that, and the exact coverage against the nominal level separately.

use statrs::distribution::{Binomial, Discrete, DiscreteCDF};
use steelsim::engine::dist::unit;
use steelsim::engine::random::stream;
use steelsim::stats::mean::t_interval;
use steelsim::stats::proportion::wilson;
use steelsim::stats::quantile::{order_statistic_interval, quantile, quantile_interval};

const EXPERIMENTS: usize = 4000;

fn tolerance(level: f64, m: usize) -> f64 {
    4.0 * (level * (1.0 - level) / m as f64).sqrt()
}

/// Exact coverage of the Wilson interval: sum of P(K = k) over the k whose interval holds p.
fn wilson_exact_coverage(n: u64, p: f64, level: f64) -> f64 {
    let b = Binomial::new(p, n).unwrap();
    (0..=n)
        .filter(|&k| {
            let (lo, hi) = wilson(k, n, level);
            lo <= p && p <= hi
        })
        .map(|k| b.pmf(k))
        .sum()
}

#[test]
fn wilson_edge_cases_are_exact() {
    // 0 of n: [0, z^2/(n+z^2)]; n of n: [n/(n+z^2), 1]; n = 1 likewise.
    let z2 = 1.959_963_985f64.powi(2);
    for n in [1u64, 10, 1000] {
        let (lo, hi) = wilson(0, n, 0.95);
        assert_eq!(lo, 0.0);
        assert!((hi - z2 / (n as f64 + z2)).abs() < 1e-8, "n={n}");
        let (lo, hi) = wilson(n, n, 0.95);
        assert_eq!(hi, 1.0);
        assert!((lo - n as f64 / (n as f64 + z2)).abs() < 1e-8, "n={n}");
    }
}

#[test]
fn wilson_covers_at_its_level() {
    for (n, p) in [(50u64, 0.1), (200, 0.5), (1000, 0.95)] {
        let exact = wilson_exact_coverage(n, p, 0.95);
        // Wilson's coverage oscillates around the nominal level but stays close to it.
        assert!(exact > 0.93, "exact coverage {exact} for n={n}, p={p}");
        let mut rng = stream(11, "wilson-coverage");
        let covered = (0..EXPERIMENTS)
            .filter(|_| {
                let k = (0..n).filter(|_| unit(&mut rng) < p).count() as u64;
                let (lo, hi) = wilson(k, n, 0.95);
                lo <= p && p <= hi
            })
            .count() as f64
            / EXPERIMENTS as f64;
        assert!((covered - exact).abs() < tolerance(exact, EXPERIMENTS), "n={n} p={p}: {covered} vs exact {exact}");
    }
}

#[test]
fn order_statistic_intervals_have_exact_binomial_coverage() {
    // P(X_(l) <= xi_p <= X_(u)) = P(l <= B <= u - 1), B ~ Binomial(n, p).
    for (n, p) in [(100usize, 0.5), (1000, 0.9), (1000, 0.95), (1000, 0.99), (30, 0.5)] {
        let (l, u) = order_statistic_interval(n, p, 0.95);
        let (l, u) = (l.unwrap() as u64, u.unwrap() as u64);
        let b = Binomial::new(p, n as u64).unwrap();
        let coverage = b.cdf(u - 1) - b.cdf(l - 1);
        assert!(coverage >= 0.95, "n={n} p={p}: coverage {coverage}");
    }
    // One value: no two-sided 95 % interval exists; the bounds are left open, not invented.
    assert_eq!(order_statistic_interval(1, 0.5, 0.95), (None, None));
}

#[test]
fn quantile_intervals_cover_by_simulation() {
    // Exponential(1) samples: the true p-quantile is -ln(1 - p).
    for (n, p) in [(200usize, 0.5), (500, 0.9), (1000, 0.95)] {
        let truth = -(1.0f64 - p).ln();
        let mut rng = stream(12, "quantile-coverage");
        let mut covered = 0;
        for _ in 0..EXPERIMENTS / 2 {
            let mut xs: Vec<f64> = (0..n).map(|_| -(1.0 - unit(&mut rng)).ln()).collect();
            xs.sort_by(f64::total_cmp);
            let (lo, hi) = quantile_interval(&xs, p, 0.95);
            if lo.unwrap() <= truth && truth <= hi.unwrap() {
                covered += 1;
            }
        }
        let share = covered as f64 / (EXPERIMENTS / 2) as f64;
        // Order-statistic intervals are conservative: at least 95 %, up to the binomial noise.
        assert!(share >= 0.95 - tolerance(0.95, EXPERIMENTS / 2), "n={n} p={p}: {share}");
    }
}

#[test]
fn t_intervals_cover_normal_means() {
    for n in [5u64, 30, 500] {
        let mut rng = stream(13, "t-coverage");
        let normal = steelsim::engine::Dist::normal(100.0, 10.0).unwrap(); // truncation at 0 is 10 sd away
        let mut covered = 0;
        for _ in 0..EXPERIMENTS {
            let xs: Vec<f64> = (0..n).map(|_| normal.sample(&mut rng)).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            let (lo, hi) = t_interval(mean, sd, n, 0.95).unwrap();
            if lo <= 100.0 && 100.0 <= hi {
                covered += 1;
            }
        }
        let share = covered as f64 / EXPERIMENTS as f64;
        assert!((share - 0.95).abs() < tolerance(0.95, EXPERIMENTS), "n={n}: {share}");
    }
}

#[test]
fn empirical_quantiles_match_their_definition() {
    let xs = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    // The smallest value with at least the share p at or below it.
    for (p, want) in [(0.125, 1.0), (0.25, 1.0), (0.26, 2.0), (0.5, 3.0), (0.875, 6.0), (0.9, 9.0), (1.0, 9.0)] {
        assert_eq!(quantile(&sorted, p), Some(want), "p={p}");
    }
    assert_eq!(quantile(&[7.0], 0.99), Some(7.0));
}

/// Each control's expectation (what `summary.json` corrects against) is what its draws
/// average: over 4,000 seeds of the baseline, every control's sample mean lies within 4
/// standard errors of it (a false alarm once in 16,000 per control; the seeds are fixed). This
/// checks the expected counts of occurrences (`p`, `rate x window`) and Wald's identity.
#[test]
fn every_control_averages_its_stated_expectation() {
    use steelsim::model::controls::{controls, values};
    let world = crate::common::baseline_world();
    let cs = controls(&world, 1000);
    assert!(cs.len() >= 10, "the baseline's uncertain figures and random disruptions: {}", cs.len());
    let n = EXPERIMENTS;
    let mut sums = vec![(0.0, 0.0); cs.len()];
    let mut v = Vec::new();
    for seed in 0..n as u64 {
        v.clear();
        values(&world, &cs, seed, &mut v);
        for (s, x) in sums.iter_mut().zip(&v) {
            s.0 += x;
            s.1 += x * x;
        }
    }
    for (c, (s, s2)) in cs.iter().zip(sums) {
        let mean = s / n as f64;
        let se = ((s2 / n as f64 - mean * mean) / (n as f64 - 1.0)).sqrt();
        assert!(se > 0.0, "{} does not vary", c.name);
        assert!((mean - c.mean).abs() <= 4.0 * se, "{}: drawn {mean:.4} on average, expected {}", c.name, c.mean);
    }
}

/// A disruption that a run would see in fewer than ten replications is not a control: the
/// baseline's Farap hold (probability 0.1) is one in a run of 1,000, not in one of 50.
#[test]
fn a_disruption_too_rare_for_the_run_is_not_a_control() {
    use steelsim::model::controls::controls;
    let world = crate::common::baseline_world();
    let named = |n: u64| controls(&world, n).iter().any(|c| c.name == "disruption:farap_hold");
    assert!(named(1000) && named(150) && !named(60));
}

/// A replication's uncertain-figure control is the factor the replication applied.
#[test]
fn an_uncertain_control_is_the_factor_the_replication_drew() {
    use steelsim::model::controls::{controls, values};
    let world = crate::common::baseline_world();
    let cs = controls(&world, 1000);
    for index in 0..3 {
        let r = steelsim::experiment::replicate(&world, 11, index, false).unwrap();
        let mut v = Vec::new();
        values(&world, &cs, r.seed, &mut v);
        for (i, u) in world.uncertain.iter().enumerate() {
            let at = cs.iter().position(|c| c.name == format!("uncertain:{}", u.name)).unwrap();
            assert_eq!(v[at].max(0.01), r.inputs[i], "{}", u.name);
        }
    }
}
