//! The simulation clock: points in time and the spans between them.
//!
//! Both are plain `f64` counts of one model time unit (the logistics model uses hours).
//! The constructors reject NaN, infinities and negative values, so every `Time` and
//! `Duration` in the program is a finite non-negative number and can be totally ordered.

use std::fmt;
use std::ops::{Add, AddAssign, Mul};

/// A point on the simulation clock, counted in model time units from the start of the run.
#[derive(Clone, Copy, PartialEq, Default)]
pub struct Time(f64);

/// A non-negative span of model time.
#[derive(Clone, Copy, PartialEq, Default)]
pub struct Duration(f64);

fn valid(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

impl Time {
    /// The start of the run.
    pub const ZERO: Time = Time(0.0);

    /// A point in time, or `None` if `t` is negative, NaN or infinite.
    pub fn new(t: f64) -> Option<Time> {
        // `+ 0.0` turns -0.0 into +0.0 so that equal times have equal bits.
        valid(t).then_some(Time(t + 0.0))
    }

    /// The raw count of time units since the start.
    pub fn value(self) -> f64 {
        self.0
    }

    /// The span from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: Time) -> Duration {
        Duration((self.0 - earlier.0).max(0.0))
    }

    /// A key whose unsigned integer order equals the time order: the IEEE-754 bits of a
    /// non-negative float sort like the float itself. The event queue compares these.
    pub(crate) fn order_bits(self) -> u64 {
        self.0.to_bits()
    }
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0.0);

    /// A span of `d` time units, or `None` if `d` is negative, NaN or infinite.
    pub fn new(d: f64) -> Option<Duration> {
        valid(d).then_some(Duration(d + 0.0))
    }

    /// A span built from a value that the caller knows is finite and non-negative, such as a
    /// draw from a validated non-negative distribution. Anything else is clamped to zero
    /// (NaN and negatives) or to `f64::MAX` (positive infinity), keeping the invariant.
    pub fn saturating(d: f64) -> Duration {
        if d.is_nan() || d <= 0.0 { Duration(0.0) } else { Duration(d.min(f64::MAX)) }
    }

    /// The raw count of time units.
    pub fn value(self) -> f64 {
        self.0
    }
}

impl Eq for Time {}
impl Ord for Time {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Eq for Duration {}
impl PartialOrd for Duration {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Duration {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Add<Duration> for Time {
    type Output = Time;
    fn add(self, d: Duration) -> Time {
        // Both finite and non-negative; the sum can only overflow to +inf, which we clamp.
        Time((self.0 + d.0).min(f64::MAX))
    }
}

impl AddAssign<Duration> for Time {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, d: Duration) -> Duration {
        Duration((self.0 + d.0).min(f64::MAX))
    }
}

impl AddAssign for Duration {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Mul<f64> for Duration {
    type Output = Duration;
    /// Scales a span; a negative or NaN factor gives zero.
    fn mul(self, k: f64) -> Duration {
        Duration::saturating(self.0 * k)
    }
}

impl fmt::Debug for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}", self.0)
    }
}
impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}u", self.0)
    }
}
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_values_that_break_the_total_order() {
        assert!(Time::new(f64::NAN).is_none());
        assert!(Time::new(-1.0).is_none());
        assert!(Time::new(f64::INFINITY).is_none());
        assert!(Duration::new(-0.5).is_none());
        assert_eq!(Duration::saturating(f64::NAN), Duration::ZERO);
        assert_eq!(Duration::saturating(-3.0), Duration::ZERO);
    }

    #[test]
    fn order_bits_follow_time_order() {
        let ts = [0.0, -0.0, 1e-300, 0.5, 1.0, 2.0, 1e9, f64::MAX];
        for a in ts {
            for b in ts {
                let (ta, tb) = (Time::new(a).unwrap(), Time::new(b).unwrap());
                assert_eq!(ta.cmp(&tb), ta.order_bits().cmp(&tb.order_bits()), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn arithmetic_stays_finite() {
        let t = Time::new(f64::MAX).unwrap() + Duration::new(f64::MAX).unwrap();
        assert!(t.value().is_finite());
        assert_eq!(Time::new(5.0).unwrap().since(Time::new(7.0).unwrap()), Duration::ZERO);
    }
}
