//! Proportions: Wilson score intervals, and score intervals for the difference of two
//! proportions, paired (Tango) or independent (Newcombe).

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

/// Tango's score interval for the difference `p1 - p2` of two proportions measured on the
/// same `n` pairs, of which `b` had the event under the first only and `c` under the second
/// only, at confidence `level`.
///
/// The interval is every difference `d` that the score test does not reject: `|T(d)| <= z`
/// with `T(d) = (b - c - n d) / sqrt(n (2 q + d - d^2))`, `q` the maximum-likelihood estimate of
/// the share of pairs with the event under the second only, given that the difference is `d`.
/// Unlike the t (Wald) interval of the pairwise differences, it stays inside [-1, 1], does not
/// collapse to a point when every pair agrees (with none disagreeing it is
/// `+/- z^2 / (n + z^2)`), and keeps close to its nominal coverage with few disagreements.
pub fn tango(b: u64, c: u64, n: u64, level: f64) -> (f64, f64) {
    if n == 0 || b + c > n {
        return (-1.0, 1.0);
    }
    let z = normal_quantile(0.5 + level / 2.0);
    // The upper limit is the lower one of the conditions swapped, negated: the interval of the
    // mirrored counts is the mirrored interval, to the last digit.
    (tango_lower(b, c, n, z), -tango_lower(c, b, n, z))
}

/// The lower limit of [`tango`]'s interval at the normal quantile `z`.
fn tango_lower(b: u64, c: u64, n: u64, z: f64) -> f64 {
    if c == n {
        return -1.0;
    }
    let (bf, cf, nf) = (b as f64, c as f64, n as f64);
    // The score statistic, infinite where its variance vanishes (only at the end of [-1, 1],
    // where the numerator does not).
    let score = |d: f64| {
        let q = constrained_share(b, c, n, d);
        let num = bf - cf - nf * d;
        let var = nf * (2.0 * q + d - d * d);
        if var > 0.0 { num / var.sqrt() } else { num.signum() * f64::INFINITY }
    };
    // The statistic falls as `d` grows: below the estimate, where it crosses `z`.
    crossing(-1.0, (bf - cf) / nf, |d| score(d) > z)
}

/// Where `above` turns from true to false between `lo` and `hi`, by bisection (64 halvings:
/// to the last bit of an f64 in [-1, 1]).
fn crossing(mut lo: f64, mut hi: f64, above: impl Fn(f64) -> bool) -> f64 {
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if above(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The maximum-likelihood share of pairs with the event under the second only (`c`'s cell),
/// given that the difference of the two proportions is `d`: the log-likelihood
/// `b ln(q + d) + c ln q + m ln(1 - 2q - d)` (`m` the pairs that agree) is concave in `q` on
/// the shares the difference allows, so its derivative is bisected for its zero.
fn constrained_share(b: u64, c: u64, n: u64, d: f64) -> f64 {
    let (bf, cf, mf) = (b as f64, c as f64, (n - b - c) as f64);
    let (lo, hi) = ((-d).max(0.0), (1.0 - d) / 2.0);
    if hi <= lo {
        return lo;
    }
    let slope = |q: f64| {
        let mut g = 0.0;
        if b > 0 {
            g += bf / (q + d);
        }
        if c > 0 {
            g += cf / q;
        }
        if n > b + c {
            g -= 2.0 * mf / (1.0 - 2.0 * q - d);
        }
        g
    };
    crossing(lo, hi, |q| slope(q) > 0.0)
}

/// Newcombe's hybrid score interval for the difference `x1 / n1 - x2 / n2` of two independent
/// proportions: the two Wilson intervals combined, so that it stays inside [-1, 1] and keeps
/// close to its nominal coverage where the Wald interval does not.
pub fn newcombe(x1: u64, n1: u64, x2: u64, n2: u64, level: f64) -> (f64, f64) {
    if n1 == 0 || n2 == 0 {
        return (-1.0, 1.0);
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let ((l1, u1), (l2, u2)) = (wilson(x1, n1, level), wilson(x2, n2, level));
    let d = p1 - p2;
    (d - (p1 - l1).hypot(u2 - p2), d + (u1 - p1).hypot(p2 - l2))
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
    fn newcombe_matches_the_published_example() {
        // Newcombe (1998), Statistics in Medicine 17:873, table II, method 10: 56/70 - 48/80.
        let (lo, hi) = newcombe(56, 70, 48, 80, 0.95);
        assert!((lo - 0.0524).abs() < 5e-5 && (hi - 0.3339).abs() < 5e-5, "{lo} {hi}");
    }

    #[test]
    fn tango_has_closed_forms_at_the_edges_and_is_the_score_test_inverted() {
        let z2 = 1.959_963_984_540_054f64.powi(2);
        for n in [1u64, 10, 64, 1000] {
            let nf = n as f64;
            // No pair disagrees: the score statistic is sqrt(n |d| / (1 - |d|)).
            let (lo, hi) = tango(0, 0, n, 0.95);
            assert!((hi - z2 / (nf + z2)).abs() < 1e-9 && (lo + hi).abs() < 1e-12, "{n}: {lo} {hi}");
            // Every pair has the event under the first only: sqrt(n (1 - d) / (1 + d)) = z.
            let (lo, hi) = tango(n, 0, n, 0.95);
            assert!((lo - (nf - z2) / (nf + z2)).abs() < 1e-9 && hi == 1.0, "{n}: {lo} {hi}");
            let (lo, hi) = tango(0, n, n, 0.95);
            assert!(lo == -1.0 && (hi + (nf - z2) / (nf + z2)).abs() < 1e-9, "{n}: {lo} {hi}");
        }
        // Elsewhere each limit is where the score statistic equals -/+ z, computed here with
        // the closed-form root of Tango (1998) for the constrained share.
        let z = z2.sqrt();
        for (b, c, n) in [(7u64, 1u64, 21u64), (40, 20, 160), (6, 16, 161), (3, 2, 50), (30, 29, 1000)] {
            let (bf, cf, nf) = (b as f64, c as f64, n as f64);
            let t = |d: f64| {
                let w = -bf - cf + (2.0 * nf - bf + cf) * d;
                let q = ((w * w + 8.0 * nf * cf * d * (1.0 - d)).sqrt() - w) / (4.0 * nf);
                (bf - cf - nf * d) / (nf * (2.0 * q + d - d * d)).sqrt()
            };
            let (lo, hi) = tango(b, c, n, 0.95);
            let d = (bf - cf) / nf;
            assert!(lo < d && d < hi && lo > -1.0 && hi < 1.0, "{b} {c} {n}: {lo} {hi}");
            assert!((t(lo) - z).abs() < 1e-6 && (t(hi) + z).abs() < 1e-6, "{b} {c} {n}: {} {}", t(lo), t(hi));
            // Swapping the two conditions mirrors the interval.
            let (mlo, mhi) = tango(c, b, n, 0.95);
            assert!((mlo + hi).abs() < 1e-9 && (mhi + lo).abs() < 1e-9);
        }
    }

    /// The exact coverage of Tango's 95 % interval on `n` pairs when a pair has the event under
    /// the first condition only with probability `p12` and under the second only with `p21`:
    /// the multinomial probability of every (b, c) whose interval holds `p12 - p21`.
    fn tango_coverage(n: u64, p12: f64, p21: f64) -> f64 {
        let ln_fact = |k: u64| (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
        let term = |k: u64, p: f64| if k == 0 { 0.0 } else { k as f64 * p.ln() };
        let mut covered = 0.0;
        for b in 0..=n {
            for c in 0..=n - b {
                if (b > 0 && p12 == 0.0) || (c > 0 && p21 == 0.0) {
                    continue;
                }
                let m = n - b - c;
                let ln_p = ln_fact(n) - ln_fact(b) - ln_fact(c) - ln_fact(m)
                    + term(b, p12)
                    + term(c, p21)
                    + term(m, 1.0 - p12 - p21);
                let (lo, hi) = tango(b, c, n, 0.95);
                if ln_p > -40.0 && lo <= p12 - p21 && p12 - p21 <= hi {
                    covered += ln_p.exp();
                }
            }
        }
        covered
    }

    #[test]
    fn tango_covers_close_to_95_percent_where_tornado_charts_use_it() {
        // Exact coverage (no simulation), at the tornado's first looks and with the shares of
        // disagreeing replications its parameters show. The criterion is the one Newcombe
        // (1998) and Fagerland et al. (2014) judge such intervals by: never below 93 %, and
        // close to 95 % on average.
        let mut all = Vec::new();
        for n in [48u64, 96] {
            for (p12, p21) in [(0.02, 0.0), (0.05, 0.0), (0.1, 0.0), (0.2, 0.0), (0.05, 0.02), (0.1, 0.05), (0.3, 0.02)]
            {
                let c = tango_coverage(n, p12, p21);
                assert!(c >= 0.93, "n {n}, {p12} {p21}: {c}");
                all.push(c);
            }
        }
        let mean = all.iter().sum::<f64>() / all.len() as f64;
        assert!((0.94..0.975).contains(&mean), "{mean}");
    }
}
