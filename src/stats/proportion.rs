//! Proportions with Wilson score intervals.

use super::normal_quantile;

/// The Wilson score interval for `successes` out of `n` at confidence `level`.
///
/// Unlike the textbook Wald interval it stays inside [0, 1] and keeps close to its nominal
/// coverage for small `n` and for proportions near 0 or 1, which is where an on-time
/// probability lives. `n = 0` gives the uninformative [0, 1].
pub fn wilson(successes: u64, n: u64, level: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = normal_quantile(0.5 + level / 2.0);
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * nf)) / (1.0 + z2 / nf);
    let half = z / (1.0 + z2 / nf) * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    // At 0 and n successes the bound equals the point estimate exactly.
    let low = if successes == 0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if successes == n { 1.0 } else { (centre + half).min(1.0) };
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_published_values() {
        // Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 -> 0.2553 to 0.3662.
        let (lo, hi) = wilson(81, 263, 0.95);
        assert!((lo - 0.2553).abs() < 5e-5 && (hi - 0.3662).abs() < 5e-5, "{lo} {hi}");
        // 15/148 -> 0.0624 to 0.1605 (same table).
        let (lo, hi) = wilson(15, 148, 0.95);
        assert!((lo - 0.0624).abs() < 5e-5 && (hi - 0.1605).abs() < 5e-5, "{lo} {hi}");
    }

    #[test]
    fn edge_cases() {
        let (lo, hi) = wilson(0, 10, 0.95);
        assert_eq!(lo, 0.0);
        // Closed form at 0 successes: z^2 / (n + z^2).
        let z2 = 1.959_963_984_540_054f64.powi(2);
        assert!((hi - z2 / (10.0 + z2)).abs() < 1e-9);
        let (lo, hi) = wilson(10, 10, 0.95);
        assert_eq!(hi, 1.0);
        assert!((lo - 10.0 / (10.0 + z2)).abs() < 1e-9);
        assert_eq!(wilson(0, 0, 0.95), (0.0, 1.0));
        let (lo, hi) = wilson(1, 1, 0.95);
        assert!(lo > 0.0 && lo < 0.3 && hi == 1.0);
    }
}
