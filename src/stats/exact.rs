//! Sums that do not depend on the order of addition.
//!
//! Floating-point addition is not associative, so totals folded in a different order (more
//! threads, shards merged later) would differ in the last bits. Each value is rounded to a
//! billionth and added as an integer: exact, order-free, and far finer than any figure we
//! report.

use serde::{Deserialize, Serialize};

const SCALE: f64 = 1e9;

/// Rounds to the nearest integer, halves away from zero. `f64::round` is a library call
/// on baseline x86-64 and f64 -> i128 another; this path is a few instructions. It may
/// differ from `round` by one unit (a billionth) on the rare input just below a half:
/// harmless, since all that matters is that each value maps to one integer, always the same.
#[inline]
fn to_units(x: f64) -> i128 {
    // Above 2^52 every f64 is already an integer.
    const INTEGRAL: f64 = 4_503_599_627_370_496.0;
    let a = x.abs();
    if a < INTEGRAL {
        (x + 0.5f64.copysign(x)) as i64 as i128
    } else if a < 9.0e18 {
        x as i64 as i128
    } else {
        x as i128
    }
}

/// An exact, order-independent sum of `f64` values (to 1e-9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExactSum(#[serde(with = "i128_text")] i128);

impl ExactSum {
    /// Adds a value (NaN and infinities count as zero).
    #[inline]
    pub fn add(&mut self, v: f64) {
        if v.is_finite() {
            self.0 += to_units(v * SCALE);
        }
    }

    /// Adds another sum.
    pub fn merge(&mut self, other: ExactSum) {
        self.0 += other.0;
    }

    /// The sum as a float.
    pub fn value(self) -> f64 {
        self.0 as f64 / SCALE
    }
}

/// Count, sum and sum of squares of a sample: its mean and a t interval, mergeable exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moments {
    /// Values added.
    pub n: u64,
    sum: ExactSum,
    sum_sq: ExactSum,
}

impl Moments {
    /// Adds a value.
    #[inline]
    pub fn add(&mut self, v: f64) {
        self.n += 1;
        self.sum.add(v);
        self.sum_sq.add(v * v);
    }

    /// Adds another sample.
    pub fn merge(&mut self, other: &Moments) {
        self.n += other.n;
        self.sum.merge(other.sum);
        self.sum_sq.merge(other.sum_sq);
    }

    /// The mean (`None` for an empty sample).
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum.value() / self.n as f64)
    }

    /// The sample standard deviation (`None` below two values).
    pub fn sd(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = self.n as f64;
        let mean = self.sum.value() / n;
        let var = (self.sum_sq.value() - n * mean * mean) / (n - 1.0);
        Some(var.max(0.0).sqrt())
    }

    /// The mean with its Student t interval at `level` (`None` below two values).
    pub fn mean_ci(&self, level: f64) -> Option<(f64, f64)> {
        super::mean::t_interval(self.mean()?, self.sd()?, self.n, level)
    }
}

/// i128 as a decimal string in JSON (JSON numbers cannot hold it exactly everywhere).
mod i128_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &i128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_of_addition_does_not_matter() {
        let xs: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.1).sin() * 1e3 + 0.1).collect();
        let mut a = ExactSum::default();
        let mut b = ExactSum::default();
        for x in &xs {
            a.add(*x);
        }
        for x in xs.iter().rev() {
            b.add(*x);
        }
        assert_eq!(a, b);
        let (mut p, mut q) = (ExactSum::default(), ExactSum::default());
        for x in &xs[..500] {
            p.add(*x);
        }
        for x in &xs[500..] {
            q.add(*x);
        }
        p.merge(q);
        assert_eq!(p, a);
    }

    #[test]
    fn values_become_the_nearest_billionth() {
        for v in
            [0.0, 1e-9, 0.4e-9, 0.6e-9, -0.6e-9, -3.7, 9.1e9, -9.1e9, 8.99e9, 1.0e10, -2.5e12, 1e20, f64::MAX / 1e10]
        {
            let mut s = ExactSum::default();
            s.add(v);
            let exact = (v * SCALE).round() as i128;
            assert!((s.0 - exact).abs() <= 1, "{v}: {} vs {exact}", s.0);
        }
        let mut s = ExactSum::default();
        s.add(2.5e-9);
        s.add(-2.5e-9);
        assert_eq!(s.0, 0, "halves round away from zero on both sides");
    }

    #[test]
    fn moments_give_mean_and_sd() {
        let mut m = Moments::default();
        for v in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            m.add(v);
        }
        assert_eq!(m.mean(), Some(5.0));
        // Sample variance: 32 / 7.
        assert!((m.sd().unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-9);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Moments>(&json).unwrap(), m);
    }
}
