//! Empirical quantiles of samples that may be right-censored (a replication that had not
//! finished by the horizon only tells us its completion time is later than the horizon).

pub use super::select::Ordered;

/// A sample value, or "later than the horizon".
pub type Censored = Option<f64>;

/// Sorts a censored sample: values ascending, censored values last.
pub fn sort_censored(xs: &mut [Censored]) {
    xs.sort_by(|a, b| match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// 1-based rank of the `p` quantile in a sample of `n`: the smallest `k` with `k/n >= p`
/// (the inverse of the empirical distribution function, Hyndman and Fan's type 1).
pub fn rank(p: f64, n: usize) -> usize {
    ((p * n as f64 - 1e-9).ceil() as usize).clamp(1, n.max(1))
}

/// The `p` quantile of a sorted censored sample: `Some(Some(v))` a value, `Some(None)`
/// censored (it lies beyond the horizon; we do not invent it), `None` an empty sample.
pub fn quantile_censored<S: Ordered<Item = Censored> + ?Sized>(sorted: &S, p: f64) -> Option<Censored> {
    if sorted.size() == 0 {
        return None;
    }
    Some(sorted.nth(rank(p, sorted.size())))
}

/// The `p` quantile of a sorted uncensored sample.
pub fn quantile<S: Ordered<Item = f64> + ?Sized>(sorted: &S, p: f64) -> Option<f64> {
    if sorted.size() == 0 {
        return None;
    }
    Some(sorted.nth(rank(p, sorted.size())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_1_quantiles() {
        let xs: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile(&xs, 0.5), Some(5.0));
        assert_eq!(quantile(&xs, 0.9), Some(9.0));
        assert_eq!(quantile(&xs, 0.91), Some(10.0));
        assert_eq!(quantile(&xs, 0.05), Some(1.0));
        assert_eq!(quantile(&xs, 0.0), Some(1.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[3.0], 0.99), Some(3.0));
    }

    #[test]
    fn censored_values_are_reported_not_invented() {
        let mut xs = vec![None, Some(3.0), Some(1.0), None, Some(2.0)];
        sort_censored(&mut xs);
        assert_eq!(xs, [Some(1.0), Some(2.0), Some(3.0), None, None]);
        assert_eq!(quantile_censored(&xs, 0.6), Some(Some(3.0)));
        assert_eq!(quantile_censored(&xs, 0.61), Some(None));
    }
}

/// Ranks `(l, u)` (1-based) of order statistics that bracket the `p` quantile with at least
/// `level` confidence, from the binomial distribution of how many values fall below it: the
/// interval `[X_(l), X_(u)]` covers the true quantile with probability
/// `P(l <= B < u)`, `B ~ Binomial(n, p)`, whatever the distribution of the values.
/// Each bound is chosen to leave at most `(1 - level) / 2` on its side; a bound that no order
/// statistic can give is `None` (for example with too few values).
pub fn order_statistic_interval(n: usize, p: f64, level: f64) -> (Option<usize>, Option<usize>) {
    use statrs::distribution::{Binomial, DiscreteCDF};
    if n == 0 || !(0.0..=1.0).contains(&p) {
        return (None, None);
    }
    let Ok(b) = Binomial::new(p, n as u64) else { return (None, None) };
    let alpha = (1.0 - level) / 2.0;
    // Lower: the largest l with P(B <= l - 1) <= alpha, i.e. P(X_(l) > quantile) <= alpha.
    let cdf = |k: u64| b.cdf(k);
    let mut lower = None;
    let (mut lo, mut hi) = (1usize, n);
    while lo <= hi {
        let mid = (lo + hi) / 2;
        if cdf(mid as u64 - 1) <= alpha {
            lower = Some(mid);
            lo = mid + 1;
        } else if mid == 0 {
            break;
        } else {
            hi = mid - 1;
        }
    }
    // Upper: the smallest u with P(B <= u - 1) >= 1 - alpha, i.e. P(X_(u) < quantile) <= alpha.
    let mut upper = None;
    let (mut lo, mut hi) = (1usize, n);
    while lo <= hi {
        let mid = (lo + hi) / 2;
        if cdf(mid as u64 - 1) >= 1.0 - alpha {
            upper = Some(mid);
            if mid == 1 {
                break;
            }
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }
    (lower, upper)
}

/// The interval for the `p` quantile of a sorted censored sample at `level`: each bound is
/// `Some(Some(v))`, `Some(None)` (censored: beyond the horizon) or `None` (not enough data).
pub fn quantile_interval_censored<S: Ordered<Item = Censored> + ?Sized>(
    sorted: &S,
    p: f64,
    level: f64,
) -> (Option<Censored>, Option<Censored>) {
    let (l, u) = order_statistic_interval(sorted.size(), p, level);
    (l.map(|r| sorted.nth(r)), u.map(|r| sorted.nth(r)))
}

/// The interval for the `p` quantile of a sorted sample at `level`.
pub fn quantile_interval<S: Ordered<Item = f64> + ?Sized>(
    sorted: &S,
    p: f64,
    level: f64,
) -> (Option<f64>, Option<f64>) {
    let (l, u) = order_statistic_interval(sorted.size(), p, level);
    (l.map(|r| sorted.nth(r)), u.map(|r| sorted.nth(r)))
}

#[cfg(test)]
mod interval_tests {
    use super::*;

    /// Exact binomial coverage of [X_(l), X_(u)] for the p quantile.
    fn coverage(n: usize, p: f64, l: usize, u: usize) -> f64 {
        use statrs::distribution::{Binomial, DiscreteCDF};
        let b = Binomial::new(p, n as u64).unwrap();
        b.cdf(u as u64 - 1) - b.cdf(l as u64 - 1)
    }

    #[test]
    fn median_of_100_matches_the_textbook_ranks() {
        // For n = 100, the 95 % interval for the median is [X_(40), X_(61)] (e.g. Conover,
        // Practical Nonparametric Statistics, table A3: ranks 40 and 61).
        assert_eq!(order_statistic_interval(100, 0.5, 0.95), (Some(40), Some(61)));
        assert!(coverage(100, 0.5, 40, 61) >= 0.95);
    }

    #[test]
    fn each_tail_stays_within_half_the_risk() {
        for (n, p) in [(20, 0.5), (1000, 0.95), (1000, 0.99), (57, 0.1)] {
            let (l, u) = order_statistic_interval(n, p, 0.95);
            let (l, u) = (l.unwrap(), u.unwrap());
            use statrs::distribution::{Binomial, DiscreteCDF};
            let b = Binomial::new(p, n as u64).unwrap();
            assert!(b.cdf(l as u64 - 1) <= 0.025 + 1e-12, "n={n} p={p}: lower tail");
            assert!(1.0 - b.cdf(u as u64 - 1) <= 0.025 + 1e-12, "n={n} p={p}: upper tail");
            // And they are the tightest such ranks.
            assert!(b.cdf(l as u64) > 0.025, "l could be larger");
            assert!(u == 1 || 1.0 - b.cdf(u as u64 - 2) > 0.025, "u could be smaller");
        }
    }

    #[test]
    fn too_few_values_leave_a_bound_open() {
        // With one value no order statistic is a 95 % bound on either side of the median.
        assert_eq!(order_statistic_interval(1, 0.5, 0.95), (None, None));
        // The 99th percentile of 100 values has no 95 % upper bound among them.
        let (l, u) = order_statistic_interval(100, 0.99, 0.95);
        assert!(l.is_some() && u.is_none());
        assert_eq!(order_statistic_interval(0, 0.5, 0.95), (None, None));
    }
}
