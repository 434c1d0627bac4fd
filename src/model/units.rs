//! Units of the steel world. Time is the engine's clock read in hours; mass is kept in
//! whole kilograms so that accounting for every tonne ordered is exact integer arithmetic
//! rather than a float comparison with a tolerance.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub, SubAssign};

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

/// A mass of steel, stored as whole kilograms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tonnes(u64);

impl Tonnes {
    /// Nothing.
    pub const ZERO: Tonnes = Tonnes(0);

    /// From tonnes, rounded to the nearest kilogram; `None` for negative, NaN or absurdly
    /// large values (more than 10^12 t).
    pub fn from_t(t: f64) -> Option<Tonnes> {
        (t.is_finite() && (0.0..=1e12).contains(&t)).then(|| Tonnes((t * 1000.0).round() as u64))
    }

    /// From whole kilograms.
    pub fn from_kg(kg: u64) -> Tonnes {
        Tonnes(kg)
    }

    /// In kilograms.
    pub fn kg(self) -> u64 {
        self.0
    }

    /// In tonnes.
    pub fn t(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// How many carriers of `payload` it takes to carry this (at least one).
    pub fn carriers(self, payload: Tonnes) -> u32 {
        if payload.0 == 0 {
            return 1;
        }
        self.0.div_ceil(payload.0).clamp(1, u32::MAX as u64) as u32
    }

    /// The smaller of the two.
    pub fn min(self, other: Tonnes) -> Tonnes {
        Tonnes(self.0.min(other.0))
    }
}

impl Add for Tonnes {
    type Output = Tonnes;
    fn add(self, o: Tonnes) -> Tonnes {
        Tonnes(self.0.saturating_add(o.0))
    }
}
impl AddAssign for Tonnes {
    fn add_assign(&mut self, o: Tonnes) {
        *self = *self + o;
    }
}
impl Sub for Tonnes {
    type Output = Tonnes;
    /// Saturating: a mass is never negative.
    fn sub(self, o: Tonnes) -> Tonnes {
        Tonnes(self.0.saturating_sub(o.0))
    }
}
impl SubAssign for Tonnes {
    fn sub_assign(&mut self, o: Tonnes) {
        *self = *self - o;
    }
}
impl Sum for Tonnes {
    fn sum<I: Iterator<Item = Tonnes>>(it: I) -> Tonnes {
        it.fold(Tonnes::ZERO, Add::add)
    }
}

impl fmt::Display for Tonnes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(1000) { write!(f, "{} t", self.0 / 1000) } else { write!(f, "{:.3} t", self.t()) }
    }
}

impl Serialize for Tonnes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.t())
    }
}

/// Hours in a day.
pub const DAY: f64 = 24.0;

/// Days in `hours` (the engine's clock counts hours; reports count days).
pub fn days(hours: f64) -> f64 {
    hours / DAY
}

/// The calendar date `days` after `start` (the day in which that instant falls).
pub fn date_after(start: Date, days: f64) -> String {
    let whole = days.floor().clamp(0.0, 1e6) as i64;
    start.checked_add(whole.days()).map_or_else(|_| "beyond 9999".into(), |d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriers_round_up() {
        let lot = Tonnes::from_t(610.0).unwrap();
        assert_eq!(lot.carriers(Tonnes::from_t(61.0).unwrap()), 10);
        assert_eq!(lot.carriers(Tonnes::from_t(68.0).unwrap()), 9);
        assert_eq!(Tonnes::from_t(1.0).unwrap().carriers(Tonnes::from_t(22.0).unwrap()), 1);
    }

    #[test]
    fn refuses_impossible_masses() {
        assert!(Tonnes::from_t(-1.0).is_none());
        assert!(Tonnes::from_t(f64::NAN).is_none());
        assert!(Tonnes::from_t(1e13).is_none());
        assert_eq!(Tonnes::from_t(0.0004).unwrap(), Tonnes::ZERO);
    }
}
