//! Empirical quantiles of samples that may be right-censored (a replication that had not
//! finished by the horizon only tells us its completion time is later than the horizon).

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
pub fn quantile_censored(sorted: &[Censored], p: f64) -> Option<Censored> {
    if sorted.is_empty() {
        return None;
    }
    Some(sorted[rank(p, sorted.len()) - 1])
}

/// The `p` quantile of a sorted uncensored sample.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    Some(sorted[rank(p, sorted.len()) - 1])
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
