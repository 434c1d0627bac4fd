//! Control variates: the mean of an outcome corrected by how far the replications' draws of
//! quantities with known expectations fell from them (Lavenberg & Welch 1981; Nelson 1990;
//! Law, *Simulation Modeling and Analysis*, 5th ed., section 11.4).
//!
//! With outcomes `y_i` and controls `c_i` (known expectation `mu`), the estimator is the
//! intercept of the least-squares regression of `y` on `c - mu`:
//! `y_bar - beta' (c_bar - mu)`, with `beta` the fitted slopes. Its variance is estimated
//! from the residuals as `s^2 (1/n + d' S^-1 d)` with `d = c_bar - mu`, `S` the controls'
//! centred cross-products and `s^2` the residual variance on `n - q - 1` degrees of freedom,
//! and its interval uses Student's t on those degrees of freedom: exact when the outcome and
//! controls are jointly normal, asymptotically valid otherwise (the coverage suite checks it
//! on a model with a known answer).
//!
//! Sums are accumulated one replication at a time as centred co-moments (Welford's update,
//! generalised to a matrix), so nothing grows with the number of replications and nothing
//! cancels catastrophically.

use super::mean::t_quantile;

/// Running means and centred cross-products of a vector of values per replication.
#[derive(Clone, Debug)]
pub struct CoMoments {
    n: u64,
    mean: Vec<f64>,
    /// Row-major `dim x dim`: sums of products of deviations from the running means.
    m2: Vec<f64>,
    /// Room for one push's deviations (before and after the update), kept so that a push
    /// allocates nothing.
    deltas: Vec<f64>,
}

impl CoMoments {
    /// Empty, for vectors of `dim` values.
    pub fn new(dim: usize) -> Self {
        CoMoments { n: 0, mean: vec![0.0; dim], m2: vec![0.0; dim * dim], deltas: vec![0.0; 2 * dim] }
    }

    /// Values seen.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Adds one vector (its length is `dim`).
    pub fn push(&mut self, v: &[f64]) {
        let d = self.mean.len();
        assert_eq!(v.len(), d, "one value per dimension");
        self.n += 1;
        let n = self.n as f64;
        // delta before the update times delta after it: the rank-one Welford step.
        let (before, after) = self.deltas.split_at_mut(d);
        for ((b, x), m) in before.iter_mut().zip(v).zip(&mut self.mean) {
            *b = x - *m;
            *m += *b / n;
        }
        for ((a, x), m) in after.iter_mut().zip(v).zip(&self.mean) {
            *a = x - m;
        }
        for (row, b) in self.m2.chunks_exact_mut(d).zip(before.iter()) {
            for (m2, a) in row.iter_mut().zip(after.iter()) {
                *m2 += b * a;
            }
        }
    }

    /// The mean of value `i`.
    pub fn mean(&self, i: usize) -> f64 {
        self.mean[i]
    }

    fn m2(&self, i: usize, j: usize) -> f64 {
        self.m2[i * self.mean.len() + j]
    }
}

/// A control-variate estimate of a mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControlEstimate {
    /// The estimate.
    pub estimate: f64,
    /// Its interval at the level asked.
    pub interval: (f64, f64),
    /// Its estimated variance.
    pub variance: f64,
    /// The estimated variance of the plain sample mean, `s^2 / n`.
    pub plain_variance: f64,
    /// Controls used: those not (numerically) constant or a combination of earlier ones.
    pub used: usize,
}

impl ControlEstimate {
    /// The share of the plain mean's variance removed (negative if the controls cost more in
    /// degrees of freedom than they explain).
    pub fn variance_reduction(&self) -> f64 {
        1.0 - self.variance / self.plain_variance
    }
}

/// The control-variate estimate of the mean of value `y` of `m`, with the values at
/// `controls` as controls whose expectations are `means`, and its interval at `level`.
/// `None` when the outcome does not vary, when no control varies, when there are fewer than
/// three replications per control used plus one, or when the controls explain the outcome
/// (all but 1e-9 of its variance): a residual variance of nothing would give an interval of
/// no width, which no finite sample can justify.
pub fn estimate(m: &CoMoments, y: usize, controls: &[usize], means: &[f64], level: f64) -> Option<ControlEstimate> {
    let n = m.n as f64;
    let syy = m.m2(y, y);
    if m.n < 3 || syy <= 0.0 || !(0.0..1.0).contains(&level) {
        return None;
    }
    // Cholesky factor of the controls' cross-products, built a column at a time; a column
    // whose part not explained by the columns kept so far is (numerically) nothing is left out.
    let mut kept: Vec<usize> = Vec::new();
    let mut l: Vec<Vec<f64>> = Vec::new();
    for (k, &c) in controls.iter().enumerate() {
        let scc = m.m2(c, c);
        if scc <= 0.0 {
            continue;
        }
        let mut row: Vec<f64> = Vec::with_capacity(kept.len() + 1);
        for (i, &ki) in kept.iter().enumerate() {
            let s = m.m2(controls[ki], c) - (0..i).map(|j| l[i][j] * row[j]).sum::<f64>();
            row.push(s / l[i][i]);
        }
        let d = scc - row.iter().map(|x| x * x).sum::<f64>();
        if d > 1e-10 * scc {
            row.push(d.sqrt());
            l.push(row);
            kept.push(k);
        }
    }
    let q = kept.len();
    if q == 0 || m.n < 3 * (q as u64 + 1) {
        return None;
    }
    // Forward substitution: L x = b.
    let forward = |b: &[f64]| {
        let mut x = vec![0.0; q];
        for i in 0..q {
            x[i] = (b[i] - (0..i).map(|j| l[i][j] * x[j]).sum::<f64>()) / l[i][i];
        }
        x
    };
    let sy: Vec<f64> = kept.iter().map(|&k| m.m2(controls[k], y)).collect();
    let d: Vec<f64> = kept.iter().map(|&k| m.mean[controls[k]] - means[k]).collect();
    let u = forward(&sy);
    let v = forward(&d);
    // beta = S^-1 sy, so beta' d = u . v, and the explained sum of squares is u . u.
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let estimate = m.mean[y] - dot(&u, &v);
    let df = n - q as f64 - 1.0;
    let sse = syy - dot(&u, &u);
    if sse <= 1e-9 * syy {
        return None;
    }
    let s2 = sse / df;
    let variance = s2 * (1.0 / n + dot(&v, &v));
    let half = t_quantile(0.5 + level / 2.0, df)? * variance.sqrt();
    Some(ControlEstimate {
        estimate,
        interval: (estimate - half, estimate + half),
        variance,
        plain_variance: syy / (n - 1.0) / n,
        used: q,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dist::unit;

    /// `y = 2 + 3 (c - 0.5) + e`, `c` uniform on (0, 1), `e` normal with sd 0.5: the control
    /// explains 3^2/12 = 0.75 of y's variance 1.0, so the variance falls by about 75 %.
    fn sample(n: usize, seed: u64, extra: bool) -> CoMoments {
        let mut rng = crate::engine::random::stream(seed, "control variates test");
        let mut m = CoMoments::new(if extra { 4 } else { 2 });
        for _ in 0..n {
            let c = unit(&mut rng);
            let e = 0.5 * crate::stats::normal_quantile(unit(&mut rng).max(1e-300));
            let y = 2.0 + 3.0 * (c - 0.5) + e;
            if extra {
                // A copy of the control, and a constant: both must be left out.
                m.push(&[y, c, 2.0 * c, 7.0]);
            } else {
                m.push(&[y, c]);
            }
        }
        m
    }

    #[test]
    fn the_estimate_is_the_regression_intercept_and_its_interval_covers() {
        let mut held = 0;
        let runs = 400;
        let mut reductions = Vec::new();
        for seed in 0..runs {
            let m = sample(200, seed, false);
            let e = estimate(&m, 0, &[1], &[0.5], 0.95).unwrap();
            held += usize::from(e.interval.0 <= 2.0 && 2.0 <= e.interval.1);
            assert_eq!(e.used, 1);
            reductions.push(e.variance_reduction());
        }
        // Theory: 1 - Var(cv)/Var(plain) = 0.75, less (1 - 0.75) x about 2/n for the estimated
        // slope (at most 2/n); the mean over the runs within 4 standard errors of that.
        let mean = reductions.iter().sum::<f64>() / runs as f64;
        let sd = (reductions.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (runs - 1) as f64).sqrt();
        assert!((mean - 0.75).abs() <= 4.0 * sd / (runs as f64).sqrt() + 2.0 / 200.0, "{mean} (sd {sd})");
        // Exact 95 % coverage under normality: 400 runs put the share within 3.29 standard
        // errors (99.9 %) of it, +/- 3.6 points.
        let share = held as f64 / runs as f64;
        assert!((share - 0.95).abs() <= 3.29 * (0.95 * 0.05 / runs as f64).sqrt(), "covered {share}");
    }

    #[test]
    fn a_copied_or_constant_control_is_left_out_and_changes_nothing() {
        let (one, extra) = (sample(300, 9, false), sample(300, 9, true));
        let a = estimate(&one, 0, &[1], &[0.5], 0.95).unwrap();
        let b = estimate(&extra, 0, &[1, 2, 3], &[0.5, 1.0, 7.0], 0.95).unwrap();
        assert_eq!(b.used, 1);
        assert!((a.estimate - b.estimate).abs() < 1e-9 && (a.variance - b.variance).abs() < 1e-12);
    }

    #[test]
    fn the_estimate_matches_the_closed_form_for_one_control() {
        // One control: beta = Syc/Scc, estimate = y_bar - beta (c_bar - mu).
        let m = sample(50, 3, false);
        let (ybar, cbar) = (m.mean[0], m.mean[1]);
        let beta = m.m2(0, 1) / m.m2(1, 1);
        let e = estimate(&m, 0, &[1], &[0.5], 0.95).unwrap();
        assert!((e.estimate - (ybar - beta * (cbar - 0.5))).abs() < 1e-12);
    }

    #[test]
    fn controls_that_explain_the_outcome_entirely_give_none() {
        let mut m = CoMoments::new(2);
        for i in 0..100 {
            let c = f64::from(i % 7);
            m.push(&[3.0 * c + 1.0, c]);
        }
        assert!(estimate(&m, 0, &[1], &[3.0], 0.95).is_none(), "no residual, no interval");
    }

    #[test]
    fn nothing_to_estimate_gives_none() {
        let mut m = CoMoments::new(2);
        for i in 0..100 {
            m.push(&[1.0, i as f64]);
        }
        assert!(estimate(&m, 0, &[1], &[50.0], 0.95).is_none(), "an outcome that never varies");
        let m = sample(5, 1, false);
        assert!(estimate(&m, 0, &[1], &[0.5], 0.95).is_none(), "too few replications per control");
    }
}
