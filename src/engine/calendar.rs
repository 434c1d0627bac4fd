//! Calendars: when something is open.
//!
//! A calendar combines a weekly pattern of open hours with closed ranges (holidays,
//! closures) and is unrolled once, when a run is set up, into a sorted list of open
//! intervals on the simulation clock. Asking "is it open?" or "when does it change?" is
//! then a binary search, and every change happens at an exact precomputed instant.
//!
//! Calendars count time in hours: the week has 168 of them and hour 0 is Monday 00:00.

use super::time::Time;

/// Hours in a week.
pub const WEEK: f64 = 168.0;

/// Open intervals on the simulation clock.
#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    /// Sorted, disjoint, non-touching `[start, end)` intervals.
    open: Vec<(f64, f64)>,
}

impl Calendar {
    /// A calendar that is always open.
    pub fn always_open() -> Calendar {
        Calendar { open: vec![(0.0, f64::INFINITY)] }
    }

    /// Builds a calendar.
    ///
    /// - `weekly`: open intervals in week hours (`[start, end)`, 0 = Monday 00:00; an
    ///   interval may run past 168 and wraps into the next week), or `None` for open around
    ///   the clock.
    /// - `week_hour_at_zero`: the week hour at simulation time zero.
    /// - `closed`: closed `[from, to)` ranges on the simulation clock.
    /// - `until`: how far to unroll the weekly pattern; after it, the calendar stays in the
    ///   state it had at `until`.
    pub fn new(weekly: Option<&[(f64, f64)]>, week_hour_at_zero: f64, closed: &[(f64, f64)], until: f64) -> Calendar {
        let mut open = match weekly {
            None => vec![(0.0, f64::INFINITY)],
            Some(pattern) => unroll(pattern, week_hour_at_zero, until),
        };
        for &(from, to) in closed {
            open = subtract(&open, from, to);
        }
        Calendar { open }
    }

    /// `true` if open at `t` (intervals include their start, exclude their end).
    pub fn is_open(&self, t: Time) -> bool {
        let t = t.value();
        let i = self.open.partition_point(|iv| iv.1 <= t);
        self.open.get(i).is_some_and(|iv| iv.0 <= t)
    }

    /// The first instant after `t` at which the open/closed state changes.
    pub fn next_change(&self, t: Time) -> Option<Time> {
        let t = t.value();
        let i = self.open.partition_point(|iv| iv.1 <= t);
        let iv = self.open.get(i)?;
        let at = if iv.0 > t { iv.0 } else { iv.1 };
        Time::new(at)
    }

    /// The first instant at or after `t` at which it is open, if it ever is.
    pub fn next_open(&self, t: Time) -> Option<Time> {
        let tv = t.value();
        let i = self.open.partition_point(|iv| iv.1 <= tv);
        let iv = self.open.get(i)?;
        Time::new(iv.0.max(tv))
    }

    /// The open hours within `[from, to)`.
    pub fn open_hours(&self, from: f64, to: f64) -> f64 {
        self.open.iter().map(|&(a, b)| (b.min(to) - a.max(from)).max(0.0)).sum()
    }

    /// How many times the state changes within `[0, until)` (each change is an event for
    /// whatever follows the calendar).
    pub fn changes_before(&self, until: f64) -> usize {
        self.open.iter().map(|&(a, b)| usize::from(a > 0.0 && a < until) + usize::from(b < until)).sum()
    }

    /// `true` if the calendar is open at every instant.
    pub fn is_always_open(&self) -> bool {
        self.open.len() == 1 && self.open[0].0 <= 0.0 && self.open[0].1 == f64::INFINITY
    }
}

/// Unrolls a weekly pattern into absolute intervals covering `[0, until]`, the last one
/// extended to infinity if the pattern is open at `until`.
fn unroll(pattern: &[(f64, f64)], week_hour_at_zero: f64, until: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    let weeks = (until / WEEK).ceil() as i64 + 2;
    for k in -1..weeks {
        let base = k as f64 * WEEK - week_hour_at_zero;
        for &(s, e) in pattern {
            let (a, b) = ((base + s).max(0.0), base + e);
            if b > a {
                out.push((a, b));
            }
        }
    }
    out.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(out.len());
    for (a, b) in out {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    // Past the unrolled range, keep the state at `until` for ever.
    let open_at_until = merged.iter().any(|&(a, b)| a <= until && until < b);
    merged.retain(|iv| iv.0 <= until);
    if open_at_until && let Some(last) = merged.last_mut() {
        last.1 = f64::INFINITY;
    }
    merged
}

fn subtract(open: &[(f64, f64)], from: f64, to: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(open.len() + 1);
    for &(a, b) in open {
        if b <= from || a >= to {
            out.push((a, b));
            continue;
        }
        if a < from {
            out.push((a, from));
        }
        if b > to {
            out.push((to, b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: f64) -> Time {
        Time::new(v).unwrap()
    }

    #[test]
    fn always_open_never_changes() {
        let c = Calendar::always_open();
        assert!(c.is_open(t(1e6)));
        assert_eq!(c.next_change(t(5.0)), None);
        assert!(c.is_always_open());
    }

    #[test]
    fn daily_window_from_a_wednesday_start() {
        // Open 08:00-10:00 every day; time zero is Wednesday 00:00 (week hour 48).
        let daily: Vec<(f64, f64)> = (0..7).map(|d| (d as f64 * 24.0 + 8.0, d as f64 * 24.0 + 10.0)).collect();
        let c = Calendar::new(Some(&daily), 48.0, &[], 24.0 * 30.0);
        assert!(!c.is_open(t(0.0)));
        assert_eq!(c.next_change(t(0.0)), Some(t(8.0)));
        assert!(c.is_open(t(8.0)));
        assert!(!c.is_open(t(10.0)));
        assert_eq!(c.next_change(t(9.0)), Some(t(10.0)));
        assert_eq!(c.next_open(t(10.0)), Some(t(32.0)));
        assert_eq!(c.open_hours(0.0, 24.0 * 7.0), 14.0);
    }

    #[test]
    fn closed_ranges_cut_open_time_and_a_pattern_can_wrap_the_week() {
        // Sunday 22:00 to Monday 06:00 (wraps the week end), time zero = Monday 00:00.
        let c = Calendar::new(Some(&[(166.0, 174.0)]), 0.0, &[(2.0, 4.0)], 400.0);
        assert!(c.is_open(t(0.0)));
        assert!(!c.is_open(t(3.0)));
        assert!(c.is_open(t(5.0)));
        assert!(!c.is_open(t(6.0)));
        assert_eq!(c.next_open(t(6.0)), Some(t(166.0)));
        assert_eq!(c.open_hours(0.0, 168.0), 4.0 + 2.0);
    }

    #[test]
    fn closing_for_the_whole_horizon_leaves_nothing_open() {
        let c = Calendar::new(None, 0.0, &[(0.0, 1000.0)], 1000.0);
        assert!(!c.is_open(t(500.0)));
        assert_eq!(c.next_open(t(0.0)), Some(t(1000.0)));
        assert_eq!(c.open_hours(0.0, 1000.0), 0.0);
    }
}
