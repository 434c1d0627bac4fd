//! Cheap always-on statistics kept by the resources themselves.

use super::time::Time;

/// The time-weighted average of a level that changes at discrete instants (busy servers,
/// queue length, stock in a store).
#[derive(Clone, Debug, Default)]
pub struct TimeWeighted {
    last_t: f64,
    level: f64,
    area: f64,
    max: f64,
}

impl TimeWeighted {
    /// A level of zero since time zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that the level becomes `level` at `now`.
    #[inline]
    pub fn set(&mut self, now: Time, level: f64) {
        let t = now.value();
        self.area += self.level * (t - self.last_t);
        self.last_t = t;
        self.level = level;
        if level > self.max {
            self.max = level;
        }
    }

    /// The current level.
    pub fn level(&self) -> f64 {
        self.level
    }

    /// The highest level seen.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The integral of the level from zero to `now`.
    pub fn area(&self, now: Time) -> f64 {
        self.area + self.level * (now.value() - self.last_t)
    }

    /// The time-average of the level over `[0, now]`; zero for an empty interval.
    pub fn mean(&self, now: Time) -> f64 {
        let t = now.value();
        if t > 0.0 { self.area(now) / t } else { self.level }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_a_step_function() {
        let t = |v| Time::new(v).unwrap();
        let mut m = TimeWeighted::new();
        m.set(t(0.0), 2.0);
        m.set(t(1.0), 0.0);
        m.set(t(3.0), 4.0);
        // 2*1 + 0*2 + 4*1 = 6 over 4 time units
        assert_eq!(m.area(t(4.0)), 6.0);
        assert_eq!(m.mean(t(4.0)), 1.5);
        assert_eq!(m.max(), 4.0);
    }
}
