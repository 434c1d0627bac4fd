//! A store: a level (of any integer quantity) with a finite capacity. A put that does not
//! fit waits, and while it waits whoever is putting is blocked; that is how a full
//! buffer stops the stage upstream of it. Waiting puts are admitted strictly in arrival order.

use std::collections::VecDeque;

use super::monitor::TimeWeighted;
use super::time::{Duration, Time};

/// A put that was admitted after waiting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Admitted<J> {
    /// Who was putting.
    pub job: J,
    /// The amount put.
    pub amount: u64,
    /// How long the put was blocked.
    pub waited: Duration,
}

/// A finite-capacity store with blocking puts.
#[derive(Debug)]
pub struct Store<J> {
    capacity: u64,
    level: u64,
    blocked: VecDeque<(J, u64, Time)>,
    level_monitor: TimeWeighted,
}

impl<J: Copy> Store<J> {
    /// An empty store holding at most `capacity`.
    pub fn new(capacity: u64) -> Self {
        Store { capacity, level: 0, blocked: VecDeque::new(), level_monitor: TimeWeighted::new() }
    }

    /// The current content.
    pub fn level(&self) -> u64 {
        self.level
    }

    /// The most the store may hold now.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Number of blocked puts.
    pub fn blocked(&self) -> usize {
        self.blocked.len()
    }

    /// Time-weighted content.
    pub fn level_monitor(&self) -> &TimeWeighted {
        &self.level_monitor
    }

    /// Puts `amount` for `job`. Returns `true` if it fits now (and nobody is blocked ahead);
    /// otherwise the put waits and will be reported by [`take`](Self::take) or
    /// [`set_capacity`](Self::set_capacity).
    pub fn put(&mut self, now: Time, job: J, amount: u64) -> bool {
        if self.blocked.is_empty() && self.level + amount <= self.capacity {
            self.level += amount;
            self.level_monitor.set(now, self.level as f64);
            true
        } else {
            self.blocked.push_back((job, amount, now));
            false
        }
    }

    /// Adds `amount` at once, whatever the capacity: content found in the store when a model
    /// starts from a recorded state.
    pub fn occupy(&mut self, now: Time, amount: u64) {
        self.level += amount;
        self.level_monitor.set(now, self.level as f64);
    }

    /// Removes `amount` and admits blocked puts that now fit, in order, into `admitted`.
    pub fn take(&mut self, now: Time, amount: u64, admitted: &mut Vec<Admitted<J>>) {
        debug_assert!(amount <= self.level, "took {amount} from a store holding {}", self.level);
        self.level = self.level.saturating_sub(amount);
        self.admit(now, admitted);
        self.level_monitor.set(now, self.level as f64);
    }

    /// Changes the capacity; content above a reduced capacity stays, but nothing new enters
    /// until the level falls below it.
    pub fn set_capacity(&mut self, now: Time, capacity: u64, admitted: &mut Vec<Admitted<J>>) {
        self.capacity = capacity;
        self.admit(now, admitted);
        self.level_monitor.set(now, self.level as f64);
    }

    fn admit(&mut self, now: Time, admitted: &mut Vec<Admitted<J>>) {
        while let Some(&(job, amount, since)) = self.blocked.front() {
            if self.level + amount > self.capacity {
                break;
            }
            self.blocked.pop_front();
            self.level += amount;
            admitted.push(Admitted { job, amount, waited: now.since(since) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: f64) -> Time {
        Time::new(v).unwrap()
    }

    #[test]
    fn a_full_store_blocks_puts_until_space_frees() {
        let mut s = Store::new(100);
        assert!(s.put(t(0.0), 'a', 60));
        assert!(!s.put(t(1.0), 'b', 50));
        assert!(!s.put(t(2.0), 'c', 10), "fits, but must queue behind b");
        let mut adm = vec![];
        s.take(t(5.0), 60, &mut adm);
        assert_eq!(adm.iter().map(|a| a.job).collect::<String>(), "bc");
        assert_eq!(adm[0].waited.value(), 4.0);
        assert_eq!(s.level(), 60);
    }

    #[test]
    fn level_never_exceeds_capacity() {
        let mut s = Store::new(10);
        let mut adm = vec![];
        for i in 0..20u32 {
            s.put(t(i as f64), i, 3);
            assert!(s.level() <= 10);
            if i % 3 == 0 && s.level() >= 3 {
                s.take(t(i as f64), 3, &mut adm);
            }
        }
    }
}
