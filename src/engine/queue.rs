//! The future-event list.
//!
//! A binary min-heap keyed by `(time, insertion sequence)`, packed into one `u128` so the hot
//! comparison is a single integer compare. Equal times pop in insertion order, which makes
//! runs deterministic. Measured against the alternatives in `benches/engine.rs` (see
//! `docs/performance.md`): a keyed priority queue costs ~3x per operation, and a logistics
//! model keeps only hundreds to thousands of events pending, where a plain heap is fastest.
//!
//! Cancellation is lazy: an event scheduled with [`EventQueue::push_cancellable`] is recorded
//! in a small set of live keys; cancelling it removes it from the set, and `pop` skips a
//! cancellable entry whose key is no longer there. Ordinary events pay nothing for this.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::time::Time;

/// Marks the sequence numbers of cancellable events (the top bit is never reached by a
/// counter that starts at 0 and increments once per push).
const CANCELLABLE: u64 = 1 << 63;

/// Hashes sequence numbers, which are distinct and never chosen by an adversary, by one
/// multiplication (Fibonacci hashing): SipHash cost a measurable share of the event loop.
#[derive(Default)]
struct SeqHasher(u64);

impl Hasher for SeqHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type SeqSet = HashSet<u64, BuildHasherDefault<SeqHasher>>;

/// Identifies a cancellable pending event, returned by [`EventQueue::push_cancellable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventKey(u64);

struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: `BinaryHeap` is a max-heap and we want the earliest key on top.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A priority queue of events ordered by time, then by insertion order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    /// Cancellable events still pending (not yet popped, not cancelled).
    pending_cancellable: SeqSet,
    /// Cancelled events still in the heap, to be skipped when they surface.
    dead: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> std::fmt::Debug for EventQueue<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue").field("len", &self.len()).field("next_seq", &self.next_seq).finish()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue { heap: BinaryHeap::new(), next_seq: 0, pending_cancellable: SeqSet::default(), dead: 0 }
    }

    /// An empty queue with room for `n` pending events.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue { heap: BinaryHeap::with_capacity(n), ..Self::new() }
    }

    fn push_seq(&mut self, at: Time, seq: u64, event: E) {
        let key = ((at.order_bits() as u128) << 64) | seq as u128;
        self.heap.push(Entry { key, event });
    }

    fn take_seq(&mut self, flag: u64) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq | flag
    }

    /// Schedules `event` at `at`. Events at equal times pop in the order they were pushed.
    pub fn push(&mut self, at: Time, event: E) {
        let seq = self.take_seq(0);
        self.push_seq(at, seq, event);
    }

    /// Schedules `event` at `at` and returns a key that can cancel it while it is pending.
    pub fn push_cancellable(&mut self, at: Time, event: E) -> EventKey {
        let seq = self.take_seq(CANCELLABLE);
        self.pending_cancellable.insert(seq);
        self.push_seq(at, seq, event);
        EventKey(seq)
    }

    /// Cancels a pending event. Returns `false` if it already fired or was cancelled.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        if self.pending_cancellable.remove(&key.0) {
            self.dead += 1;
            true
        } else {
            false
        }
    }

    /// Removes and returns the earliest live event with its time.
    pub fn pop(&mut self) -> Option<(Time, E)> {
        loop {
            let entry = self.heap.pop()?;
            let seq = entry.key as u64;
            if seq & CANCELLABLE != 0 && !self.pending_cancellable.remove(&seq) {
                self.dead -= 1;
                continue;
            }
            let bits = (entry.key >> 64) as u64;
            return Some((Time::from_order_bits(bits), entry.event));
        }
    }

    /// Removes and returns the earliest live event if it is due no later than `until`;
    /// otherwise leaves it and returns its time (`None` if no event is left). The loop's
    /// hottest path: one look at the top, comparing raw keys.
    pub fn pop_until(&mut self, until: Time) -> Result<(Time, E), Option<Time>> {
        let limit = until.order_bits();
        loop {
            let top = self.heap.peek().ok_or(None)?;
            let (bits, seq) = ((top.key >> 64) as u64, top.key as u64);
            let cancellable = seq & CANCELLABLE != 0;
            if cancellable && !self.pending_cancellable.contains(&seq) {
                self.heap.pop();
                self.dead -= 1;
                continue;
            }
            if bits > limit {
                return Err(Some(Time::from_order_bits(bits)));
            }
            if cancellable {
                self.pending_cancellable.remove(&seq);
            }
            let entry = self.heap.pop().ok_or(None)?;
            return Ok((Time::from_order_bits(bits), entry.event));
        }
    }

    /// The time of the earliest live event, if any.
    pub fn peek_time(&mut self) -> Option<Time> {
        loop {
            let entry = self.heap.peek()?;
            let seq = entry.key as u64;
            if seq & CANCELLABLE != 0 && !self.pending_cancellable.contains(&seq) {
                self.heap.pop();
                self.dead -= 1;
                continue;
            }
            return Some(Time::from_order_bits((entry.key >> 64) as u64));
        }
    }

    /// The live pending events with their times, in no particular order: a look at what is
    /// due (to write down the state of a model), not a way to drive it.
    pub fn iter(&self) -> impl Iterator<Item = (Time, &E)> {
        self.heap
            .iter()
            .filter(|e| {
                let seq = e.key as u64;
                seq & CANCELLABLE == 0 || self.pending_cancellable.contains(&seq)
            })
            .map(|e| (Time::from_order_bits((e.key >> 64) as u64), &e.event))
    }

    /// Number of live pending events.
    pub fn len(&self) -> usize {
        self.heap.len() - self.dead
    }

    /// `true` when no live event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of events ever pushed.
    pub fn pushed(&self) -> u64 {
        self.next_seq
    }
}

impl Time {
    fn from_order_bits(bits: u64) -> Time {
        // Only bits produced by `order_bits` of a valid `Time` reach here.
        Time::new(f64::from_bits(bits)).unwrap_or(Time::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: f64) -> Time {
        Time::new(v).unwrap()
    }

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.push(t(2.0), "c");
        q.push(t(1.0), "a");
        q.push(t(2.0), "d");
        q.push(t(1.0), "b");
        q.push(t(0.5), "first");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["first", "a", "b", "c", "d"]);
    }

    #[test]
    fn cancelled_events_never_pop_and_len_counts_live_ones() {
        let mut q = EventQueue::new();
        let k1 = q.push_cancellable(t(1.0), 1);
        q.push(t(2.0), 2);
        let k3 = q.push_cancellable(t(3.0), 3);
        assert_eq!(q.len(), 3);
        assert!(q.cancel(k1));
        assert!(!q.cancel(k1), "second cancel is a no-op");
        assert_eq!(q.len(), 2);
        assert_eq!(q.peek_time(), Some(t(2.0)));
        assert_eq!(q.pop(), Some((t(2.0), 2)));
        assert_eq!(q.pop(), Some((t(3.0), 3)));
        assert!(!q.cancel(k3), "an event that fired cannot be cancelled");
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn iter_shows_the_live_events_only() {
        let mut q = EventQueue::new();
        let k = q.push_cancellable(t(1.0), 1);
        q.push(t(2.5), 2);
        q.push_cancellable(t(3.0), 3);
        q.cancel(k);
        let mut seen: Vec<(f64, i32)> = q.iter().map(|(at, e)| (at.value(), *e)).collect();
        seen.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(seen, [(2.5, 2), (3.0, 3)]);
    }

    #[test]
    fn agrees_with_a_sorted_reference() {
        // A deterministic pseudo-random mix of pushes, cancels and pops.
        let mut q = EventQueue::new();
        let mut reference: Vec<(u64, u64, bool)> = Vec::new(); // (time, seq, cancelled)
        let mut keys = Vec::new();
        let mut x: u64 = 12345;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut seq = 0;
        for _ in 0..5000 {
            match next() % 4 {
                0 | 1 => {
                    let time = next() % 50;
                    keys.push((q.push_cancellable(t(time as f64), seq), seq));
                    reference.push((time, seq, false));
                    seq += 1;
                }
                2 if !keys.is_empty() => {
                    let i = (next() % keys.len() as u64) as usize;
                    let (k, s) = keys.swap_remove(i);
                    let live = reference.iter().any(|r| r.1 == s && !r.2);
                    assert_eq!(q.cancel(k), live);
                    if let Some(r) = reference.iter_mut().find(|r| r.1 == s) {
                        r.2 = true;
                    }
                }
                _ => {
                    reference.retain(|r| !r.2);
                    reference.sort();
                    let expect = if reference.is_empty() { None } else { Some(reference.remove(0)) };
                    let got = q.pop();
                    assert_eq!(got.map(|(tm, e)| (tm.value() as u64, e)), expect.map(|r| (r.0, r.1)));
                    if let Some(r) = expect {
                        keys.retain(|(_, s)| *s != r.1);
                    }
                }
            }
            assert_eq!(q.len(), reference.iter().filter(|r| !r.2).count());
        }
    }
}
