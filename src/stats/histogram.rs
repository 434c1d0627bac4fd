//! A fixed log-binned histogram for pooled quantiles of waits and service times.
//!
//! Per-lot waits across thousands of replications are far too many to keep, but a fixed
//! binning merges exactly (integer counts, any order) and answers any quantile to within
//! half a bin: bins are 1/50 of a decade wide (4.7 %), so a reported quantile is within
//! 2.3 % of the exact one. Zero (no wait at all, the common case) has its own bin.

/// Smallest positive value binned separately; anything below counts as this bin's low edge.
const LOW: f64 = 1e-3;
/// Bins per factor of ten.
const PER_DECADE: f64 = 50.0;
/// Decades covered above `LOW` (up to 1e6 hours, about 114 years).
const DECADES: usize = 9;
const BINS: usize = 2 + DECADES * PER_DECADE as usize;

/// Counts of non-negative values in logarithmic bins.
#[derive(Clone, Debug, PartialEq)]
pub struct LogHistogram {
    counts: Vec<u32>,
    n: u64,
}

impl Default for LogHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LogHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        LogHistogram { counts: vec![0; BINS], n: 0 }
    }

    fn bin(v: f64) -> usize {
        if v.is_nan() || v <= 0.0 {
            0
        } else if v < LOW {
            1
        } else {
            (1 + ((v / LOW).log10() * PER_DECADE) as usize).min(BINS - 1)
        }
    }

    /// The geometric midpoint of a bin (0 for the zero bin).
    fn value_of(bin: usize) -> f64 {
        if bin == 0 { 0.0 } else { LOW * 10f64.powf((bin as f64 - 1.0 + 0.5) / PER_DECADE) }
    }

    /// Counts one value.
    #[inline]
    pub fn add(&mut self, v: f64) {
        let b = Self::bin(v);
        self.counts[b] = self.counts[b].saturating_add(1);
        self.n += 1;
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &LogHistogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = a.saturating_add(*b);
        }
        self.n += other.n;
    }

    /// Values counted.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// `true` if nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The `p` quantile (smallest bin whose cumulative share reaches `p`), `None` if empty.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let target = ((p.clamp(0.0, 1.0) * self.n as f64).ceil() as u64).max(1);
        let mut cum = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            cum += c as u64;
            if cum >= target {
                return Some(Self::value_of(i));
            }
        }
        Some(Self::value_of(BINS - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_half_a_bin() {
        let mut h = LogHistogram::new();
        let values: Vec<f64> = (1..=1000).map(|i| i as f64 * 0.37).collect();
        for &v in &values {
            h.add(v);
        }
        for p in [0.1, 0.5, 0.9, 0.99] {
            let exact = values[((p * 1000.0) as usize).saturating_sub(1)];
            let got = h.quantile(p).unwrap();
            assert!((got / exact - 1.0).abs() < 0.024, "p{p}: {got} vs {exact}");
        }
    }

    #[test]
    fn zeros_have_their_own_bin_and_merging_adds_counts() {
        let mut a = LogHistogram::new();
        for _ in 0..95 {
            a.add(0.0);
        }
        let mut b = LogHistogram::new();
        for _ in 0..5 {
            b.add(100.0);
        }
        a.merge(&b);
        assert_eq!(a.len(), 100);
        assert_eq!(a.quantile(0.9), Some(0.0));
        assert!((a.quantile(0.96).unwrap() / 100.0 - 1.0).abs() < 0.024);
        assert_eq!(LogHistogram::new().quantile(0.5), None);
    }
}
