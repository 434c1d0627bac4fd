//! Proportions: Wilson score intervals, and the exact (Clopper-Pearson) upper bound for few
//! successes.

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

/// The exact one-sided upper bound of a proportion (Clopper and Pearson): the `p` at which
/// `successes` or fewer out of `n` have probability `alpha`. It holds with probability at least
/// `1 - alpha` for every true proportion, where Wilson's is an approximation; with few
/// successes and a small `alpha` it is also the tighter of the two (with none, about
/// `-ln(alpha) / n` against Wilson's `z^2 / n`). The cost grows with `successes`: meant for few.
pub fn upper_exact(successes: u64, n: u64, alpha: f64) -> f64 {
    if successes >= n || !(alpha > 0.0 && alpha < 1.0) {
        return 1.0;
    }
    // P(X <= k) falls as p grows: bisect for the p where it crosses alpha, in logs so that
    // large n cannot underflow the first term (1 - p)^n.
    let log_cdf = |p: f64| {
        let (k, nf, ratio) = (successes, n as f64, (p / (1.0 - p)).ln());
        let mut term = nf * (-p).ln_1p();
        let (mut top, mut sum) = (term, 1.0f64);
        for i in 0..k {
            term += ((nf - i as f64) / (i as f64 + 1.0)).ln() + ratio;
            // Running log-sum-exp, rescaled when a larger term arrives.
            if term > top {
                sum = sum * (top - term).exp() + 1.0;
                top = term;
            } else {
                sum += (term - top).exp();
            }
        }
        top + sum.ln()
    };
    let (mut lo, mut hi) = (successes as f64 / n as f64, 1.0f64);
    let target = alpha.ln();
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if log_cdf(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
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

    #[test]
    fn exact_upper_bound_matches_closed_forms_and_tables() {
        // No successes: (1 - p)^n = alpha.
        for n in [1u64, 10, 51, 1000] {
            let want = 1.0 - 0.005f64.powf(1.0 / n as f64);
            assert!((upper_exact(0, n, 0.005) - want).abs() < 1e-12, "{n}");
        }
        // The upper ends of 95 % Clopper-Pearson intervals: 1/29 -> 0.1776 and 0/20 -> 0.1684
        // (Newcombe 1998, table I, method 5).
        let u = upper_exact(1, 29, 0.025);
        let cdf = (1.0 - u).powi(29) + 29.0 * u * (1.0 - u).powi(28);
        assert!((cdf - 0.025).abs() < 1e-12 && (u - 0.1776).abs() < 5e-5, "{u}");
        assert!((upper_exact(0, 20, 0.025) - 0.1684).abs() < 5e-5);
        // Large n, many successes: no underflow, and close to the normal approximation.
        let u = upper_exact(5000, 1_000_000, 0.005);
        assert!(u > 0.005 && u < 0.0052, "{u}");
        assert_eq!(upper_exact(10, 10, 0.005), 1.0);
        // Tighter than Wilson's upper bound (z = 2.576) with few successes.
        for k in 0..4 {
            assert!(upper_exact(k, 100, 0.005) < wilson(k, 100, 0.99).1, "{k}");
        }
    }
}
