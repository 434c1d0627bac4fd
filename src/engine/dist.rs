//! Probability distributions for durations, rates and factors.
//!
//! Every constructor checks its parameters and says what is wrong in words a scenario
//! author understands; the sampler is built once, so a draw is a few nanoseconds. Draws
//! are never negative: the normal is truncated at zero (by rejection, which accepts at
//! least half the time because the mean must be non-negative).
//!
//! Planners know means and standard deviations, not `mu` and `sigma`, so the lognormal,
//! gamma and beta are given by mean and sd; the lognormal can also be given by its median
//! and one upper percentile, which is how waiting and crossing times are usually published.

use rand::Rng;
use rand_distr::{Beta, Distribution, Exp, Gamma, LogNormal, Normal, Triangular, Weibull};
use thiserror::Error;

use super::truncate::{Law, Truncated};

/// Why a distribution's parameters were refused.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum DistError {
    /// A parameter is NaN or infinite.
    #[error("`{0}` must be a finite number")]
    NotFinite(&'static str),
    /// A parameter that must be positive is not.
    #[error("`{0}` must be greater than zero (got {1})")]
    NotPositive(&'static str, f64),
    /// A parameter that must not be negative is.
    #[error("`{0}` must not be negative (got {1})")]
    Negative(&'static str, f64),
    /// Parameters out of order.
    #[error("{0}")]
    Order(String),
    /// No values for an empirical distribution.
    #[error("an empirical distribution needs at least one value")]
    Empty,
    /// Any other impossible combination.
    #[error("{0}")]
    Invalid(String),
}

#[derive(Clone, Debug)]
enum Sampler {
    Fixed(f64),
    Uniform { min: f64, width: f64 },
    Triangular(Triangular<f64>, f64),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    Exponential(Exp<f64>),
    Gamma(Gamma<f64>),
    Weibull(Weibull<f64>),
    Beta(Beta<f64>),
    Empirical(Vec<f64>),
    Truncated(Truncated),
}

/// A non-negative random quantity with a known mean.
#[derive(Clone, Debug)]
pub struct Dist {
    sampler: Sampler,
    mean: f64,
    /// The law behind a continuous family, which [`Dist::truncated`] conditions on a range.
    law: Option<Law>,
}

fn finite(name: &'static str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() { Ok(v) } else { Err(DistError::NotFinite(name)) }
}

fn non_negative(name: &'static str, v: f64) -> Result<f64, DistError> {
    let v = finite(name, v)?;
    if v >= 0.0 { Ok(v) } else { Err(DistError::Negative(name, v)) }
}

fn positive(name: &'static str, v: f64) -> Result<f64, DistError> {
    let v = finite(name, v)?;
    if v > 0.0 { Ok(v) } else { Err(DistError::NotPositive(name, v)) }
}

/// Standard normal cumulative distribution function, via the complementary error function
/// (W. J. Cody's rational approximations are overkill here; Abramowitz & Stegun 7.1.26 has
/// an absolute error below 1.5e-7, far below what a mean estimate needs).
fn std_normal_cdf(x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z.abs());
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-z * z).exp();
    if z >= 0.0 { 1.0 - 0.5 * erfc } else { 0.5 * erfc }
}

/// Upper-tail z-scores for the percentiles the lognormal accepts.
pub fn z_score(percentile: f64) -> Option<f64> {
    match percentile {
        0.90 => Some(1.281_551_565_545),
        0.95 => Some(1.644_853_626_951),
        0.99 => Some(2.326_347_874_041),
        _ => None,
    }
}

impl Dist {
    fn build(sampler: Sampler, mean: f64) -> Dist {
        Dist { sampler, mean, law: None }
    }

    fn with_law(mut self, law: Option<Law>) -> Dist {
        self.law = law;
        self
    }

    /// This distribution conditioned on `[min, max]` (either end left open): a draw is one
    /// of the original distribution, given that it falls in the range (see the `truncate`
    /// module). For the normal, gamma, lognormal, exponential and Weibull families.
    pub fn truncated(self, min: Option<f64>, max: Option<f64>) -> Result<Dist, DistError> {
        let law = self.law.ok_or_else(|| DistError::Invalid("this distribution cannot be truncated".into()))?;
        let lo = min.map(|m| non_negative("min", m)).transpose()?.unwrap_or(0.0);
        let hi = max.map(|m| positive("max", m)).transpose()?.unwrap_or(f64::INFINITY);
        if lo >= hi {
            return Err(DistError::Order(format!("a truncation needs min < max (min = {lo}, max = {hi})")));
        }
        let t = Truncated::new(law, lo, hi).map_err(|kept| {
            DistError::Invalid(format!(
                "the range {lo} to {hi} keeps {kept:.1e} of the distribution (at least {:.0e} is needed): \
                 its parameters would not describe the draws",
                super::truncate::LEAST_KEPT
            ))
        })?;
        let mean = t.mean();
        Ok(Dist::build(Sampler::Truncated(t), mean))
    }

    /// Always `value`.
    pub fn fixed(value: f64) -> Result<Dist, DistError> {
        let v = non_negative("value", value)?;
        Ok(Dist::build(Sampler::Fixed(v), v))
    }

    /// Uniform on `[min, max]`.
    pub fn uniform(min: f64, max: f64) -> Result<Dist, DistError> {
        let (min, max) = (non_negative("min", min)?, non_negative("max", max)?);
        if min > max {
            return Err(DistError::Order(format!("uniform needs min <= max (min = {min}, max = {max})")));
        }
        Ok(Dist::build(Sampler::Uniform { min, width: max - min }, (min + max) / 2.0))
    }

    /// Triangular with the given minimum, most likely value and maximum.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Dist, DistError> {
        let (min, mode, max) = (non_negative("min", min)?, non_negative("mode", mode)?, non_negative("max", max)?);
        if !(min <= mode && mode <= max) {
            return Err(DistError::Order(format!(
                "triangular needs min <= mode <= max (min = {min}, mode = {mode}, max = {max})"
            )));
        }
        if min == max {
            return Dist::fixed(min);
        }
        let t = Triangular::new(min, max, mode).map_err(|e| DistError::Invalid(e.to_string()))?;
        Ok(Dist::build(Sampler::Triangular(t, max), (min + mode + max) / 3.0))
    }

    /// Normal with the given mean and sd, truncated at zero (the reported mean is that of
    /// the truncated distribution).
    pub fn normal(mean: f64, sd: f64) -> Result<Dist, DistError> {
        let (mu, sd) = (non_negative("mean", mean)?, non_negative("sd", sd)?);
        if sd == 0.0 {
            return Dist::fixed(mu);
        }
        let n = Normal::new(mu, sd).map_err(|e| DistError::Invalid(e.to_string()))?;
        let alpha = -mu / sd;
        let phi = (-0.5 * alpha * alpha).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let truncated_mean = mu + sd * phi / (1.0 - std_normal_cdf(alpha));
        Ok(Dist::build(Sampler::Normal(n), truncated_mean).with_law(Law::normal(mu, sd)))
    }

    /// Lognormal with the given mean and standard deviation (of the values, not of their
    /// logarithms).
    pub fn lognormal(mean: f64, sd: f64) -> Result<Dist, DistError> {
        let (mean, sd) = (positive("mean", mean)?, non_negative("sd", sd)?);
        let l = LogNormal::from_mean_cv(mean, sd / mean).map_err(|e| DistError::Invalid(e.to_string()))?;
        let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
        let law = Law::lognormal(mean.ln() - sigma2 / 2.0, sigma2.sqrt());
        Ok(Dist::build(Sampler::LogNormal(l), mean).with_law(law))
    }

    /// Lognormal with the given median whose `percentile` (0.90, 0.95 or 0.99) is `upper`.
    pub fn lognormal_from_median(median: f64, percentile: f64, upper: f64) -> Result<Dist, DistError> {
        let (median, upper) = (positive("median", median)?, positive("upper percentile", upper)?);
        let z = z_score(percentile)
            .ok_or_else(|| DistError::Invalid("the lognormal accepts p90, p95 or p99 with a median".into()))?;
        if upper < median {
            return Err(DistError::Order(format!(
                "the upper percentile ({upper}) must not be below the median ({median})"
            )));
        }
        let (mu, sigma) = (median.ln(), (upper / median).ln() / z);
        let l = LogNormal::new(mu, sigma).map_err(|e| DistError::Invalid(e.to_string()))?;
        Ok(Dist::build(Sampler::LogNormal(l), (mu + sigma * sigma / 2.0).exp()).with_law(Law::lognormal(mu, sigma)))
    }

    /// Exponential with the given mean.
    pub fn exponential(mean: f64) -> Result<Dist, DistError> {
        let mean = positive("mean", mean)?;
        let e = Exp::new(1.0 / mean).map_err(|e| DistError::Invalid(e.to_string()))?;
        Ok(Dist::build(Sampler::Exponential(e), mean).with_law(Law::exponential(mean)))
    }

    /// Gamma with the given mean and standard deviation.
    pub fn gamma(mean: f64, sd: f64) -> Result<Dist, DistError> {
        let (mean, sd) = (positive("mean", mean)?, positive("sd", sd)?);
        let shape = (mean / sd).powi(2);
        let g = Gamma::new(shape, sd * sd / mean).map_err(|e| DistError::Invalid(e.to_string()))?;
        Ok(Dist::build(Sampler::Gamma(g), mean).with_law(Law::gamma(shape, sd * sd / mean)))
    }

    /// Weibull with the given shape and scale.
    pub fn weibull(shape: f64, scale: f64) -> Result<Dist, DistError> {
        let (shape, scale) = (positive("shape", shape)?, positive("scale", scale)?);
        let w = Weibull::new(scale, shape).map_err(|e| DistError::Invalid(e.to_string()))?;
        Ok(Dist::build(Sampler::Weibull(w), scale * gamma_fn(1.0 + 1.0 / shape)).with_law(Law::weibull(shape, scale)))
    }

    /// Beta on `[0, 1]` with the given mean and standard deviation (for availabilities and
    /// other fractions).
    pub fn beta(mean: f64, sd: f64) -> Result<Dist, DistError> {
        let (mean, sd) = (positive("mean", mean)?, positive("sd", sd)?);
        if mean >= 1.0 {
            return Err(DistError::Invalid(format!("a beta mean must lie strictly between 0 and 1 (got {mean})")));
        }
        let var = sd * sd;
        if var >= mean * (1.0 - mean) {
            return Err(DistError::Invalid(format!(
                "a beta with mean {mean} needs sd < {:.4} (got {sd})",
                (mean * (1.0 - mean)).sqrt()
            )));
        }
        let k = mean * (1.0 - mean) / var - 1.0;
        let b = Beta::new(mean * k, (1.0 - mean) * k).map_err(|e| DistError::Invalid(e.to_string()))?;
        Ok(Dist::build(Sampler::Beta(b), mean))
    }

    /// Draws uniformly among observed values.
    pub fn empirical(values: Vec<f64>) -> Result<Dist, DistError> {
        if values.is_empty() {
            return Err(DistError::Empty);
        }
        for &v in &values {
            non_negative("values", v)?;
        }
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        Ok(Dist::build(Sampler::Empirical(values), mean))
    }

    /// The mean of the distribution.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The mean where it is known exactly (for a normal cut at zero, to within about 1e-7 of
    /// its standard deviation, from the normal distribution function's approximation), for
    /// uses a small error in it would bias (control variates): a truncated law's mean is a
    /// numerical integral, good to about 1e-4, and is not offered.
    pub fn exact_mean(&self) -> Option<f64> {
        match self.sampler {
            Sampler::Truncated(_) => None,
            _ => Some(self.mean),
        }
    }

    /// The largest value a draw can take, where that is finite.
    pub fn max(&self) -> Option<f64> {
        match &self.sampler {
            Sampler::Fixed(v) => Some(*v),
            Sampler::Uniform { min, width } => Some(min + width),
            Sampler::Beta(_) => Some(1.0),
            Sampler::Empirical(v) => v.iter().copied().reduce(f64::max),
            Sampler::Triangular(_, max) => Some(*max),
            Sampler::Truncated(t) => Some(t.max()).filter(|m| m.is_finite()),
            _ => None,
        }
    }

    /// `true` if every draw is the same value: a fixed value, or a law written so that it
    /// cannot vary (a uniform with min = max, observed values all equal). Such laws still draw
    /// as written, so that the random numbers consumed do not change.
    pub fn is_fixed(&self) -> bool {
        match &self.sampler {
            Sampler::Fixed(_) => true,
            Sampler::Uniform { width, .. } => *width == 0.0,
            Sampler::Empirical(v) => v.iter().all(|x| *x == v[0]),
            _ => false,
        }
    }

    /// One draw (never negative, never NaN).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let v = match &self.sampler {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform { min, width } => min + width * unit(rng),
            Sampler::Triangular(d, _) => d.sample(rng),
            Sampler::Normal(d) => loop {
                let v = d.sample(rng);
                if v >= 0.0 {
                    break v;
                }
            },
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Exponential(d) => d.sample(rng),
            Sampler::Gamma(d) => d.sample(rng),
            Sampler::Weibull(d) => d.sample(rng),
            Sampler::Beta(d) => d.sample(rng),
            Sampler::Empirical(v) => v[(unit(rng) * v.len() as f64) as usize % v.len()],
            Sampler::Truncated(t) => t.at(unit(rng)),
        };
        if v.is_finite() && v > 0.0 { v } else { 0.0 }
    }
}

/// A uniform draw in `[0, 1)` with 53 random bits.
#[inline]
pub fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The gamma function for positive arguments (Lanczos approximation, g = 7, n = 9; relative
/// error around 1e-15), needed for the Weibull mean.
fn gamma_fn(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_fn(1.0 - x))
    } else {
        let x = x - 1.0;
        let mut a = C[0];
        let t = x + G + 0.5;
        for (i, c) in C.iter().enumerate().skip(1) {
            a += c / (x + i as f64);
        }
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::random::stream;

    /// Sample mean of `n` draws.
    fn sample_mean(d: &Dist, n: usize) -> (f64, f64) {
        let mut rng = stream(1, "dist-test");
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        (m, var.sqrt())
    }

    /// The sample mean of n draws lies within 4 standard errors of the stated mean: a
    /// correct sampler fails this with probability about 6e-5 (normal approximation).
    fn assert_mean_matches(d: &Dist) {
        let n = 200_000;
        let (m, sd) = sample_mean(d, n);
        let se = sd / (n as f64).sqrt();
        assert!((m - d.mean()).abs() <= 4.0 * se + 1e-12, "sample mean {m} vs stated {} (se {se})", d.mean());
    }

    #[test]
    fn sample_means_agree_with_stated_means() {
        for d in [
            Dist::fixed(3.0).unwrap(),
            Dist::uniform(2.0, 5.0).unwrap(),
            Dist::triangular(10.0, 16.0, 25.0).unwrap(),
            Dist::normal(1.0, 2.0).unwrap(),
            Dist::lognormal(35.0, 12.0).unwrap(),
            Dist::lognormal_from_median(6.0, 0.95, 48.0).unwrap(),
            Dist::exponential(0.5).unwrap(),
            Dist::gamma(72.0, 30.0).unwrap(),
            Dist::weibull(1.5, 10.0).unwrap(),
            Dist::beta(0.85, 0.08).unwrap(),
            Dist::empirical(vec![1.0, 2.0, 10.0]).unwrap(),
        ] {
            assert_mean_matches(&d);
        }
    }

    #[test]
    fn lognormal_by_mean_and_sd_has_that_sd() {
        let (_, sd) = sample_mean(&Dist::lognormal(35.0, 12.0).unwrap(), 400_000);
        // The sd of 400k lognormal draws with cv 0.34 is within 2 % of the truth with
        // overwhelming probability; a sampler given sigma instead of sd would be far off.
        assert!((sd - 12.0).abs() < 0.24, "sd {sd}");
    }

    #[test]
    fn lognormal_by_median_puts_the_percentile_where_asked() {
        let d = Dist::lognormal_from_median(6.0, 0.95, 48.0).unwrap();
        let mut rng = stream(3, "p95");
        let n = 100_000;
        let above = (0..n).filter(|_| d.sample(&mut rng) > 48.0).count() as f64 / n as f64;
        // Binomial(1e5, 0.05): sd 0.00069; 5 sd either side.
        assert!((above - 0.05).abs() < 0.0035, "share above p95: {above}");
    }

    #[test]
    fn bad_parameters_are_refused_with_reasons() {
        assert!(matches!(Dist::triangular(40.0, 35.0, 30.0), Err(DistError::Order(_))));
        assert!(matches!(Dist::uniform(5.0, 1.0), Err(DistError::Order(_))));
        // Laws that cannot vary are fixed, whatever their name; the others are not.
        assert!(Dist::uniform(2.0, 2.0).unwrap().is_fixed());
        assert!(Dist::empirical(vec![3.0, 3.0]).unwrap().is_fixed());
        assert!(Dist::triangular(1.0, 1.0, 1.0).unwrap().is_fixed());
        assert!(!Dist::uniform(2.0, 2.5).unwrap().is_fixed());
        assert!(!Dist::empirical(vec![3.0, 4.0]).unwrap().is_fixed());
        assert!(matches!(Dist::lognormal(0.0, 1.0), Err(DistError::NotPositive("mean", _))));
        assert!(matches!(Dist::exponential(-1.0), Err(DistError::NotPositive(..))));
        assert!(matches!(Dist::normal(f64::NAN, 1.0), Err(DistError::NotFinite("mean"))));
        assert!(matches!(Dist::beta(0.5, 0.6), Err(DistError::Invalid(_))));
        assert!(matches!(Dist::empirical(vec![]), Err(DistError::Empty)));
        assert!(matches!(Dist::empirical(vec![1.0, -2.0]), Err(DistError::Negative(..))));
        assert!(Dist::lognormal_from_median(6.0, 0.8, 48.0).is_err());
    }

    #[test]
    fn draws_are_never_negative() {
        let d = Dist::normal(0.0, 5.0).unwrap();
        let mut rng = stream(9, "neg");
        assert!((0..10_000).all(|_| d.sample(&mut rng) >= 0.0));
    }

    #[test]
    fn gamma_function_matches_known_values() {
        assert!((gamma_fn(5.0) - 24.0).abs() < 1e-10);
        assert!((gamma_fn(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
        assert!((gamma_fn(1.0 + 1.0 / 1.5) - 0.902_745_292_950_933_6).abs() < 1e-12);
    }
}
