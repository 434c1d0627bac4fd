//! Means with Student t intervals.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The two-sided Student t interval for a mean at `level`, from the sample mean, standard
/// deviation and size (`None` below two values).
pub fn t_interval(mean: f64, sd: f64, n: u64, level: f64) -> Option<(f64, f64)> {
    if n < 2 || !(0.0..1.0).contains(&level) {
        return None;
    }
    let t = t_quantile(0.5 + level / 2.0, (n - 1) as f64)?;
    let half = t * sd / (n as f64).sqrt();
    Some((mean - half, mean + half))
}

/// The Student t quantile. statrs inverts the CDF numerically, which drifts at very large
/// degrees of freedom (1.959848 instead of 1.959966 at 10^6); there the Cornish-Fisher
/// expansion around the normal quantile is accurate to about 1e-9.
pub fn t_quantile(p: f64, df: f64) -> Option<f64> {
    if df >= 1000.0 {
        let z = super::normal_quantile(p);
        let (z3, z5) = (z.powi(3), z.powi(5));
        return Some(z + (z3 + z) / (4.0 * df) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df));
    }
    Some(StudentsT::new(0.0, 1.0, df).ok()?.inverse_cdf(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_t_tables() {
        // t(0.975, 9) = 2.262157; sd 2, n 10: half-width 2.262157 * 2 / sqrt(10).
        let (lo, hi) = t_interval(10.0, 2.0, 10, 0.95).unwrap();
        let half = 2.262_157_163 * 2.0 / 10f64.sqrt();
        assert!((hi - 10.0 - half).abs() < 1e-6 && (10.0 - lo - half).abs() < 1e-6);
        // Large n approaches the normal: t(0.975, 1e6) ~ 1.959966.
        let (lo, _) = t_interval(0.0, 1.0, 1_000_001, 0.95).unwrap();
        assert!((-lo * 1000.0 - 1.959966).abs() < 1e-5);
        assert_eq!(t_interval(1.0, 0.0, 1, 0.95), None);
    }

    #[test]
    fn both_branches_agree_at_the_switch() {
        // Published: t(0.975, 1000) = 1.962339.
        let below = statrs::distribution::StudentsT::new(0.0, 1.0, 1000.0).unwrap().inverse_cdf(0.975);
        assert!((t_quantile(0.975, 1000.0).unwrap() - 1.962_339).abs() < 2e-6);
        assert!((below - 1.962_339).abs() < 2e-6);
    }
}
