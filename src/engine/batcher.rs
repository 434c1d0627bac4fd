//! A batcher gathers items until a batch is full; the owner decides when a partial batch
//! leaves (a timetable, a maximum wait). Items never split across batches, and a batch never
//! holds more than `size` units: an item that does not fit closes the current batch.

use super::time::{Duration, Time};

/// An item that left in a batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Boarded<J> {
    /// The item.
    pub job: J,
    /// Its size in units.
    pub units: u32,
    /// How long it waited for the batch to leave.
    pub waited: Duration,
}

/// What [`Batcher::add`] did with an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// The item waits in the forming batch.
    Waiting,
    /// The item waits and it was the first: the owner may want to start a max-wait timer.
    Opened,
    /// The item filled the batch: call [`Batcher::dispatch`].
    Full,
    /// The item did not fit: the batch formed before it is complete and should leave now
    /// (call [`Batcher::dispatch`]); the item stays for the next batch, which it opened.
    Overflow,
}

/// Gathers items into batches of at most `size` units.
#[derive(Debug)]
pub struct Batcher<J> {
    size: u32,
    units: u32,
    /// Items of the forming batch, then (after an overflow) the first item of the next one.
    items: Vec<(J, u32, Time)>,
    /// How many of `items` belong to the forming batch.
    forming: usize,
}

impl<J: Copy> Batcher<J> {
    /// A batcher whose batches hold at most `size` units (at least 1).
    pub fn new(size: u32) -> Self {
        Batcher { size: size.max(1), units: 0, items: Vec::new(), forming: 0 }
    }

    /// The largest batch.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Units waiting in the forming batch.
    pub fn units(&self) -> u32 {
        self.units
    }

    /// Items waiting (forming batch plus an overflowed item).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// `true` if nothing waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// When the oldest waiting item arrived.
    pub fn oldest(&self) -> Option<Time> {
        self.items.first().map(|i| i.2)
    }

    /// Adds an item of `units` units.
    pub fn add(&mut self, now: Time, job: J, units: u32) -> Added {
        if self.forming < self.items.len() {
            // An overflowed item already waits for the next batch; this one queues behind it.
            self.items.push((job, units, now));
            return Added::Waiting;
        }
        if self.units > 0 && self.units + units > self.size {
            self.items.push((job, units, now));
            return Added::Overflow;
        }
        self.items.push((job, units, now));
        self.forming += 1;
        self.units += units;
        if self.units >= self.size {
            Added::Full
        } else if self.forming == 1 {
            Added::Opened
        } else {
            Added::Waiting
        }
    }

    /// Sends the forming batch (possibly partial) into `out` and starts the next one from
    /// any items that were held back. Returns the units dispatched.
    pub fn dispatch(&mut self, now: Time, out: &mut Vec<Boarded<J>>) -> u32 {
        let sent = self.units;
        for (job, units, since) in self.items.drain(..self.forming) {
            out.push(Boarded { job, units, waited: now.since(since) });
        }
        self.units = 0;
        self.forming = 0;
        // Refill the next batch from the held-back items, in order, as far as they fit.
        let mut i = 0;
        while i < self.items.len() {
            let u = self.items[i].1;
            if self.units > 0 && self.units + u > self.size {
                break;
            }
            self.units += u;
            self.forming += 1;
            i += 1;
        }
        sent
    }

    /// `true` if the forming batch is already full (after a dispatch refilled it).
    pub fn is_full(&self) -> bool {
        self.units >= self.size || self.forming < self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: f64) -> Time {
        Time::new(v).unwrap()
    }

    #[test]
    fn fills_exactly_then_reports_full() {
        let mut b = Batcher::new(40);
        assert_eq!(b.add(t(0.0), 1, 10), Added::Opened);
        assert_eq!(b.add(t(1.0), 2, 10), Added::Waiting);
        assert_eq!(b.add(t(2.0), 3, 10), Added::Waiting);
        assert_eq!(b.add(t(3.0), 4, 10), Added::Full);
        let mut out = vec![];
        assert_eq!(b.dispatch(t(5.0), &mut out), 40);
        assert_eq!(out.iter().map(|x| x.job).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!(out[0].waited.value(), 5.0);
        assert!(b.is_empty());
    }

    #[test]
    fn an_item_that_does_not_fit_closes_the_batch_and_waits_for_the_next() {
        let mut b = Batcher::new(40);
        b.add(t(0.0), 'a', 15);
        b.add(t(0.0), 'b', 15);
        assert_eq!(b.add(t(1.0), 'c', 15), Added::Overflow);
        assert_eq!(b.add(t(1.5), 'd', 15), Added::Waiting);
        let mut out = vec![];
        assert_eq!(b.dispatch(t(2.0), &mut out), 30);
        assert_eq!(b.units(), 30, "c and d form the next batch");
        assert_eq!(b.oldest(), Some(t(1.0)));
        out.clear();
        b.add(t(3.0), 'e', 15);
        b.dispatch(t(4.0), &mut out);
        assert_eq!(out.iter().map(|x| x.job).collect::<String>(), "cd");
        assert_eq!(b.units(), 15);
    }

    #[test]
    fn an_oversized_item_travels_alone() {
        let mut b = Batcher::new(5);
        assert_eq!(b.add(t(0.0), 1, 9), Added::Full);
        let mut out = vec![];
        assert_eq!(b.dispatch(t(0.0), &mut out), 9);
    }
}
