//! Fixed-bin histograms: pooled quantiles that merge exactly.
//!
//! Per-lot waits across thousands of replications, or every replication's tonnes on every
//! day, are too many to keep. A fixed binning merges exactly (integer counts, in any order,
//! across threads or shards) and answers any quantile to within half a bin. Two scales:
//!
//! - log-linear (waits, lead times, queue lengths): each doubling from `low` is split into
//!   2^`sub_bits` equal bins, as in HdrHistogram, so a quantile is within a fixed relative
//!   error; zero has its own bin. The bin comes straight from the bits of the float (its
//!   exponent and leading mantissa bits): no logarithm on the hot path, where a replication
//!   bins every wait and service time;
//! - linear (tonnes delivered, utilisation): equal bins between two bounds, values outside
//!   counted in the end bins.

use serde::{Deserialize, Serialize};

/// How values map to bins.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scale", rename_all = "snake_case")]
pub enum Scale {
    /// Bin 0 holds zero (and below), bin 1 values below `low`; then, for each of `octaves`
    /// doublings from `low`, 2^`sub_bits` equal bins.
    Log {
        /// Smallest positive value binned separately.
        low: f64,
        /// Bins per doubling, as a power of two.
        sub_bits: u32,
        /// Doublings covered; larger values go to the last bin.
        octaves: u32,
    },
    /// `bins` equal bins on `[lo, hi]`.
    Linear {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
        /// Number of bins.
        bins: u32,
    },
}

impl Scale {
    /// Waits and service times in hours: 32 bins per doubling (at most 3.1 % wide, so
    /// quantiles are within 1.6 %), from 0.001 h (3.6 s) to a million hours.
    pub const HOURS: Scale = Scale::Log { low: 1e-3, sub_bits: 5, octaves: 30 };
    /// Lead times in days: within 1.6 %, from 0.01 to 10,000 days.
    pub const DAYS: Scale = Scale::Log { low: 1e-2, sub_bits: 5, octaves: 20 };
    /// Queue lengths: 8 bins per doubling (within 6.3 %), from 0.1 to 1.6 million.
    pub const QUEUE: Scale = Scale::Log { low: 0.1, sub_bits: 3, octaves: 24 };
    /// Utilisation: 2 % bins on [0, 1].
    pub const SHARE: Scale = Scale::Linear { lo: 0.0, hi: 1.0, bins: 50 };

    /// Number of bins.
    pub fn len(&self) -> usize {
        match *self {
            Scale::Log { sub_bits, octaves, .. } => 2 + ((octaves as usize) << sub_bits),
            Scale::Linear { bins, .. } => bins.max(1) as usize,
        }
    }

    /// `false`: a scale always has at least one bin.
    pub fn is_empty(&self) -> bool {
        false
    }

    fn bin(&self, v: f64) -> usize {
        let last = self.len() - 1;
        match *self {
            Scale::Log { low, sub_bits, .. } => {
                let x = v / low;
                if x.is_nan() || v <= 0.0 {
                    0
                } else if x < 1.0 {
                    1
                } else {
                    // x >= 1: a biased exponent of at least 1023, and x is never subnormal.
                    let bits = x.to_bits();
                    let octave = ((bits >> 52) & 0x7ff) as usize - 1023;
                    let sub = ((bits >> (52 - sub_bits)) & ((1 << sub_bits) - 1)) as usize;
                    (2 + (octave << sub_bits) + sub).min(last)
                }
            }
            Scale::Linear { lo, hi, bins } => {
                if v.is_nan() || v <= lo {
                    0
                } else {
                    (((v - lo) / (hi - lo) * bins as f64) as usize).min(last)
                }
            }
        }
    }

    /// The value a bin stands for: its midpoint.
    fn value(&self, bin: usize) -> f64 {
        match *self {
            Scale::Log { low, sub_bits, .. } => match bin {
                0 => 0.0,
                1 => low / 2.0,
                _ => {
                    let k = bin - 2;
                    let octave = (k >> sub_bits) as i32;
                    let sub = (k & ((1 << sub_bits) - 1)) as f64;
                    low * 2f64.powi(octave) * (1.0 + (sub + 0.5) / f64::from(1u32 << sub_bits))
                }
            },
            Scale::Linear { lo, hi, bins } => lo + (hi - lo) * (bin as f64 + 0.5) / bins as f64,
        }
    }
}

/// Counts of values in fixed bins.
///
/// Bins are allocated up to the highest one used: a replication's tally of waits at a stage
/// touches a few dozen bins of hundreds, and is created, filled and merged once per
/// replication, so it should cost what it holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Histogram {
    scale: Scale,
    /// Non-zero bins as `[bin, count]` pairs when serialised; absent bins are zero.
    #[serde(with = "sparse")]
    counts: Vec<u32>,
    n: u64,
}

impl PartialEq for Histogram {
    fn eq(&self, other: &Self) -> bool {
        let (short, long) = if self.counts.len() <= other.counts.len() { (self, other) } else { (other, self) };
        self.scale == other.scale
            && self.n == other.n
            && short.counts[..] == long.counts[..short.counts.len()]
            && long.counts[short.counts.len()..].iter().all(|&c| c == 0)
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new(Scale::HOURS)
    }
}

impl Histogram {
    /// An empty histogram on `scale`.
    pub fn new(scale: Scale) -> Self {
        Histogram { scale, counts: Vec::new(), n: 0 }
    }

    /// Its scale.
    pub fn scale(&self) -> Scale {
        self.scale
    }

    /// Counts one value.
    #[inline]
    pub fn add(&mut self, v: f64) {
        let b = self.scale.bin(v);
        if b >= self.counts.len() {
            self.counts.resize(b + 1, 0);
        }
        self.counts[b] = self.counts[b].saturating_add(1);
        self.n += 1;
    }

    /// Adds another histogram's counts (they must share a scale).
    pub fn merge(&mut self, other: &Histogram) {
        debug_assert_eq!(self.scale, other.scale, "histograms on different scales");
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
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
                return Some(self.scale.value(i));
            }
        }
        Some(self.scale.value(self.counts.len().saturating_sub(1)))
    }
}

/// A shorthand kept for the log-hours histograms of stage tallies.
pub type LogHistogram = Histogram;

mod sparse {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(counts: &[u32], s: S) -> Result<S::Ok, S::Error> {
        let pairs: Vec<(usize, u32)> =
            counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, c)| (i, *c)).collect();
        // Canonical: the length up to the last non-zero bin, however much was allocated.
        let len = pairs.last().map_or(0, |&(i, _)| i + 1);
        (len, pairs).serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
        let (len, pairs): (usize, Vec<(usize, u32)>) = Deserialize::deserialize(d)?;
        if len > 100_000_000 {
            return Err(serde::de::Error::custom("histogram too large"));
        }
        let mut counts = vec![0; len];
        for (i, c) in pairs {
            *counts.get_mut(i).ok_or_else(|| serde::de::Error::custom("histogram bin out of range"))? = c;
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_quantiles_are_within_half_a_bin() {
        let mut h = Histogram::new(Scale::HOURS);
        let values: Vec<f64> = (1..=1000).map(|i| i as f64 * 0.37).collect();
        for &v in &values {
            h.add(v);
        }
        for p in [0.1, 0.5, 0.9, 0.99] {
            let exact = values[((p * 1000.0) as usize).saturating_sub(1)];
            let got = h.quantile(p).unwrap();
            // Half the widest bin: 1/64 of the value.
            assert!((got / exact - 1.0).abs() <= 1.0 / 64.0, "p{p}: {got} vs {exact}");
        }
    }

    #[test]
    fn log_bins_tile_the_line_without_gaps_or_overlaps() {
        // With low = 1 every edge is an exact float: it falls in its bin, the float just
        // below it in the bin before.
        let unit = Scale::Log { low: 1.0, sub_bits: 5, octaves: 30 };
        for bin in 2..unit.len() {
            let k = bin - 2;
            let edge = 2f64.powi((k >> 5) as i32) * (1.0 + (k & 31) as f64 / 32.0);
            assert_eq!(unit.bin(edge), bin, "edge of bin {bin}");
            assert_eq!(unit.bin(f64::from_bits(edge.to_bits() - 1)), bin - 1, "below bin {bin}");
        }
        let scale = Scale::HOURS;
        let Scale::Log { low, .. } = scale else { unreachable!() };
        assert_eq!(scale.bin(0.0), 0);
        assert_eq!(scale.bin(-1.0), 0);
        assert_eq!(scale.bin(f64::NAN), 0);
        assert_eq!(scale.bin(low / 3.0), 1);
        assert_eq!(scale.bin(f64::INFINITY), scale.len() - 1);
        assert_eq!(scale.bin(1e300), scale.len() - 1);
        for bin in 1..scale.len() {
            assert_eq!(scale.bin(scale.value(bin)), bin, "a bin's midpoint lies in it");
        }
    }

    #[test]
    fn linear_quantiles_are_within_half_a_bin() {
        let mut h = Histogram::new(Scale::Linear { lo: 0.0, hi: 300_000.0, bins: 1000 });
        for i in 0..=100 {
            h.add(i as f64 * 3000.0);
        }
        assert!((h.quantile(0.5).unwrap() - 150_000.0).abs() <= 150.0);
        assert!((h.quantile(1.0).unwrap() - 300_000.0).abs() <= 150.0);
        assert!(h.quantile(0.0).unwrap() <= 150.0);
    }

    #[test]
    fn zeros_have_their_own_bin_and_merging_adds_counts() {
        let mut a = Histogram::new(Scale::HOURS);
        for _ in 0..95 {
            a.add(0.0);
        }
        let mut b = Histogram::new(Scale::HOURS);
        for _ in 0..5 {
            b.add(100.0);
        }
        a.merge(&b);
        assert_eq!(a.len(), 100);
        assert_eq!(a.quantile(0.9), Some(0.0));
        assert!((a.quantile(0.96).unwrap() / 100.0 - 1.0).abs() <= 1.0 / 64.0);
        assert_eq!(Histogram::new(Scale::HOURS).quantile(0.5), None);
    }

    #[test]
    fn serialises_sparsely_and_round_trips() {
        let mut h = Histogram::new(Scale::QUEUE);
        h.add(3.0);
        h.add(3.0);
        h.add(0.0);
        let json = serde_json::to_string(&h).unwrap();
        assert!(json.len() < 120, "{json}");
        assert_eq!(serde_json::from_str::<Histogram>(&json).unwrap(), h);
    }
}
