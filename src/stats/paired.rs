//! Differences between two scenarios run on the same replication seeds (common random
//! numbers), with paired intervals, and the unpaired intervals they are compared with.
//!
//! Replication `r` of both scenarios draws the same random numbers wherever the scenarios
//! agree, so their outcomes are strongly correlated and the variance of the difference is
//! far smaller than the sum of the two variances. The ratio of the two is the variance
//! reduction the pairing bought.

use serde::{Deserialize, Serialize};

use super::exact::Moments;
use super::mean::t_interval;
use super::proportion::{newcombe, tango};
use super::quantile::{Censored, quantile_censored, sort_censored};
use crate::engine::dist::unit;
use crate::engine::random::stream;

/// A difference (variant minus base) with its paired and unpaired intervals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// The base's estimate.
    pub base: Option<f64>,
    /// The variant's estimate.
    pub variant: Option<f64>,
    /// Variant minus base.
    pub difference: Option<f64>,
    /// Paired interval on the difference.
    pub ci95: [Option<f64>; 2],
    /// The interval had the two been run on independent random numbers.
    pub unpaired_ci95: [Option<f64>; 2],
    /// Unpaired over paired variance (how much the pairing sharpened the comparison);
    /// `null` when the paired variance is zero (identical outcomes).
    pub variance_reduction: Option<f64>,
}

fn moments(xs: &[f64]) -> Moments {
    let mut m = Moments::default();
    for x in xs {
        m.add(*x);
    }
    m
}

/// Difference of means of paired samples (`base[r]` and `variant[r]` from replication `r`),
/// with Student t intervals at `level`.
pub fn means(base: &[f64], variant: &[f64], level: f64) -> Difference {
    let n = base.len().min(variant.len());
    let d: Vec<f64> = (0..n).map(|r| variant[r] - base[r]).collect();
    let (mb, mv, md) = (moments(&base[..n]), moments(&variant[..n]), moments(&d));
    let paired = md.mean().zip(md.sd()).and_then(|(m, s)| t_interval(m, s, n as u64, level));
    let unpaired_var = mb.sd().zip(mv.sd()).map(|(a, b)| a * a + b * b);
    let unpaired = md.mean().zip(unpaired_var).and_then(|(m, v)| t_interval(m, v.sqrt(), n as u64, level));
    let paired_var = md.sd().map(|s| s * s);
    Difference {
        base: mb.mean(),
        variant: mv.mean(),
        difference: md.mean(),
        ci95: paired.map_or([None, None], |(a, b)| [Some(a), Some(b)]),
        unpaired_ci95: unpaired.map_or([None, None], |(a, b)| [Some(a), Some(b)]),
        variance_reduction: match (unpaired_var, paired_var) {
            (Some(u), Some(p)) if p > 0.0 => Some(u / p),
            _ => None,
        },
    }
}

/// Difference of paired proportions (`base[r]` and `variant[r]` from replication `r`): the
/// paired interval is Tango's score interval on the replications where the two disagree, the
/// unpaired one Newcombe's hybrid score interval, both inside [-1, 1] and neither of zero
/// width when every replication agrees (where the t interval of the 0/1 differences is).
pub fn proportions(base: &[bool], variant: &[bool], level: f64) -> Difference {
    let n = base.len().min(variant.len());
    let count = |xs: &[bool]| xs[..n].iter().filter(|x| **x).count() as u64;
    let (kb, kv) = (count(base), count(variant));
    let only = |a: &[bool], b: &[bool]| (0..n).filter(|&r| a[r] && !b[r]).count() as u64;
    let f = |xs: &[bool]| xs[..n].iter().map(|x| f64::from(u8::from(*x))).collect::<Vec<f64>>();
    // The variance ratio is the same as for any paired means.
    let as_means = means(&f(base), &f(variant), level);
    if n == 0 {
        return Difference { ci95: [None, None], unpaired_ci95: [None, None], ..as_means };
    }
    let (lo, hi) = tango(only(variant, base), only(base, variant), n as u64, level);
    let (ulo, uhi) = newcombe(kv, n as u64, kb, n as u64, level);
    Difference { ci95: [Some(lo), Some(hi)], unpaired_ci95: [Some(ulo), Some(uhi)], ..as_means }
}

fn q(xs: &[Censored], p: f64) -> Option<f64> {
    let mut v = xs.to_vec();
    sort_censored(&mut v);
    quantile_censored(v.as_slice(), p).flatten()
}

/// Percentile-bootstrap interval of a statistic's resampled values.
fn percentile_interval(mut values: Vec<f64>, level: f64, resamples: usize) -> [Option<f64>; 2] {
    // Too many undefined resamples (quantiles beyond the horizon) and the interval means nothing.
    if values.len() * 10 < resamples * 9 {
        return [None, None];
    }
    values.sort_by(f64::total_cmp);
    let a = (1.0 - level) / 2.0;
    let lo = values[((a * values.len() as f64).floor() as usize).min(values.len() - 1)];
    let hi = values[(((1.0 - a) * values.len() as f64).ceil() as usize).saturating_sub(1).min(values.len() - 1)];
    [Some(lo), Some(hi)]
}

/// Difference of the `p` quantiles of paired censored samples, with bootstrap intervals:
/// paired (replications resampled jointly) and unpaired (each resampled on its own),
/// `resamples` each, from a fixed stream so that the result is reproducible.
pub fn quantiles(base: &[Censored], variant: &[Censored], p: f64, level: f64, resamples: usize) -> Difference {
    let n = base.len().min(variant.len());
    let (qb, qv) = (q(&base[..n], p), q(&variant[..n], p));
    let difference = qb.zip(qv).map(|(b, v)| v - b);
    if n == 0 {
        return Difference {
            base: qb,
            variant: qv,
            difference,
            ci95: [None, None],
            unpaired_ci95: [None, None],
            variance_reduction: None,
        };
    }
    let mut rng = stream(0x5eed, "bootstrap");
    let pick = |rng: &mut crate::engine::Stream| ((unit(rng) * n as f64) as usize).min(n - 1);
    let (mut paired, mut unpaired) = (Vec::with_capacity(resamples), Vec::with_capacity(resamples));
    let (mut sb, mut sv) = (vec![None; n], vec![None; n]);
    for _ in 0..resamples {
        for r in 0..n {
            let i = pick(&mut rng);
            sb[r] = base[i];
            sv[r] = variant[i];
        }
        if let (Some(b), Some(v)) = (q(&sb, p), q(&sv, p)) {
            paired.push(v - b);
        }
        for r in 0..n {
            sb[r] = base[pick(&mut rng)];
            sv[r] = variant[pick(&mut rng)];
        }
        if let (Some(b), Some(v)) = (q(&sb, p), q(&sv, p)) {
            unpaired.push(v - b);
        }
    }
    let var = |xs: &[f64]| {
        let m = moments(xs);
        m.sd().map(|s| s * s)
    };
    let (vp, vu) = (var(&paired), var(&unpaired));
    Difference {
        base: qb,
        variant: qv,
        difference,
        ci95: percentile_interval(paired, level, resamples),
        unpaired_ci95: percentile_interval(unpaired, level, resamples),
        variance_reduction: match (vu, vp) {
            (Some(u), Some(p)) if p > 0.0 => Some(u / p),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_differ_by_exactly_zero() {
        let xs: Vec<f64> = (0..100).map(|i| (i % 7) as f64).collect();
        let d = means(&xs, &xs, 0.95);
        assert_eq!(d.difference, Some(0.0));
        assert_eq!(d.ci95, [Some(0.0), Some(0.0)]);
        assert!(d.unpaired_ci95[1].unwrap() > 0.0);
        let c: Vec<Censored> = xs.iter().map(|x| Some(*x)).collect();
        let dq = quantiles(&c, &c, 0.9, 0.95, 200);
        assert_eq!(dq.difference, Some(0.0));
        assert_eq!(dq.ci95, [Some(0.0), Some(0.0)]);
    }

    #[test]
    fn pairing_removes_the_shared_noise() {
        // variant = base + 1 + small noise: the paired interval is tight around 1, the
        // unpaired one is wide, and the variance reduction is large.
        let mut rng = stream(1, "paired-test");
        let base: Vec<f64> = (0..500).map(|_| unit(&mut rng) * 100.0).collect();
        let variant: Vec<f64> = base.iter().map(|b| b + 1.0 + (unit(&mut rng) - 0.5) * 0.1).collect();
        let d = means(&base, &variant, 0.95);
        let [lo, hi] = d.ci95;
        assert!(lo.unwrap() < 1.0 && 1.0 < hi.unwrap());
        assert!(hi.unwrap() - lo.unwrap() < 0.02);
        assert!(d.variance_reduction.unwrap() > 1000.0);
    }

    #[test]
    fn proportions_that_always_agree_still_have_an_interval() {
        // 100 replications on time in both: the t interval of the differences is [0, 0];
        // Tango's is +/- z^2 / (n + z^2).
        let both = vec![true; 60].into_iter().chain(vec![false; 40]).collect::<Vec<bool>>();
        let d = proportions(&both, &both, 0.95);
        assert_eq!(d.difference, Some(0.0));
        let [lo, hi] = d.ci95.map(Option::unwrap);
        assert!(lo < -0.03 && hi > 0.03 && (lo + hi).abs() < 1e-12, "{lo} {hi}");
        // Every replication late in the base and on time in the variant: [0.887, 1], not [1, 1].
        let (none, all) = (vec![false; 64], vec![true; 64]);
        let d = proportions(&none, &all, 0.95);
        let [lo, hi] = d.ci95.map(Option::unwrap);
        assert!(lo > 0.88 && lo < 0.89 && hi == 1.0, "{lo} {hi}");
        // Both samples are constant, so pairing has nothing to remove: the unpaired interval
        // (two Wilson intervals at their ends, 0.943 and 0.057) is no wider.
        let [ulo, uhi] = d.unpaired_ci95.map(Option::unwrap);
        assert!(ulo > 0.91 && ulo < 0.93 && uhi == 1.0, "{ulo} {uhi}");
        assert_eq!(proportions(&[], &[], 0.95).ci95, [None, None]);
    }
}
