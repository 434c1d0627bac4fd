//! The rows of a run, in replication order: in memory while they are few, on disk beyond.
//!
//! A row is about 200 bytes in memory: ten million replications would hold two gigabytes.
//! Past `limit` rows, the rows held so far go to an unnamed temporary file (the system
//! removes it whatever becomes of the process) in a fixed binary layout of [`RECORD`] bytes,
//! and are read back in blocks. Every reader sees the rows in replication order, on disk or
//! not, so whatever is computed from them comes out the same to the last bit.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::{Mutex, PoisonError};

use super::{ContractRow, Ending, Row};
use crate::model::Tonnes;

/// Rows held in memory before the run's rows go to disk: about 13 MB.
pub const IN_MEMORY: usize = 1 << 16;

/// Rows of a run, in replication order.
#[derive(Debug)]
pub struct Rows {
    /// Rows on disk (the first `on_disk` of the run), if any.
    spill: Option<Mutex<File>>,
    on_disk: u64,
    /// The rows after those on disk.
    tail: Vec<Row>,
    limit: usize,
    /// The last row's replication index.
    last: Option<u64>,
}

impl Default for Rows {
    fn default() -> Self {
        Rows::new(IN_MEMORY)
    }
}

/// Why rows could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum SpillError {
    /// The temporary file failed.
    #[error("cannot keep the replications' rows in a temporary file ({0}); set TMPDIR to a folder with room")]
    File(String),
    /// A row came out of replication order (a shard's replications.csv edited by hand, say).
    #[error("replication {index} comes after replication {after}: the rows are not in replication order")]
    Order {
        /// The row's replication.
        index: u64,
        /// The replication before it.
        after: u64,
    },
}

impl Rows {
    /// No rows; more than `limit` go to disk.
    pub fn new(limit: usize) -> Self {
        Rows { spill: None, on_disk: 0, tail: Vec::new(), limit: limit.max(1), last: None }
    }

    /// Number of rows.
    pub fn len(&self) -> u64 {
        self.on_disk + self.tail.len() as u64
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a row after every row held: its index must be larger, or nothing is added.
    pub fn push(&mut self, row: Row) -> Result<(), SpillError> {
        if let Some(after) = self.last.filter(|&l| row.index <= l) {
            return Err(SpillError::Order { index: row.index, after });
        }
        self.last = Some(row.index);
        self.tail.push(row);
        if self.tail.len() >= self.limit {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SpillError> {
        let err = |e: std::io::Error| SpillError::File(e.to_string());
        if self.spill.is_none() {
            self.spill = Some(Mutex::new(tempfile::tempfile().map_err(err)?));
        }
        let file = self.spill.as_mut().expect("just made").get_mut().unwrap_or_else(PoisonError::into_inner);
        let mut buf = Vec::with_capacity(self.tail.len() * RECORD);
        for r in &self.tail {
            encode(r, &mut buf);
        }
        // After the rows written, not at the end: a write that failed part-way must not shift
        // the records after it.
        file.seek(SeekFrom::Start(self.on_disk * RECORD as u64)).map_err(err)?;
        file.write_all(&buf).map_err(err)?;
        self.on_disk += self.tail.len() as u64;
        self.tail.clear();
        Ok(())
    }

    /// Adds the rows of another store, keeping replication order: appended when they all
    /// come after these, merged by index otherwise (shards, workers).
    pub fn merge(&mut self, other: Rows) -> Result<(), SpillError> {
        if self.is_empty() && other.limit == self.limit {
            *self = other;
            return Ok(());
        }
        let follows = match (self.last, other.iter().next()) {
            (Some(last), Some(first)) => first.index > last,
            _ => true,
        };
        if follows {
            for r in other.iter() {
                self.push(r)?;
            }
            return Ok(());
        }
        let mut merged = Rows::new(self.limit);
        let (mut a, mut b) = (self.iter().peekable(), other.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.index <= y.index => a.next(),
                (Some(_), Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, _) => b.next(),
            };
            match next {
                Some(r) => merged.push(r)?,
                None => break,
            }
        }
        drop((a, b));
        *self = merged;
        Ok(())
    }

    /// Every row, in replication order.
    pub fn iter(&self) -> RowIter<'_> {
        RowIter { rows: self, next: 0, block: Vec::new(), at: 0, tail_at: 0 }
    }

    /// The rows as a vector (for studies, whose runs are small).
    pub fn to_vec(&self) -> Vec<Row> {
        self.iter().collect()
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = Row;
    type IntoIter = RowIter<'a>;
    fn into_iter(self) -> RowIter<'a> {
        self.iter()
    }
}

/// Rows read back in replication order.
#[derive(Debug)]
pub struct RowIter<'a> {
    rows: &'a Rows,
    /// Next row on disk to read into `block`.
    next: u64,
    block: Vec<Row>,
    at: usize,
    /// Next row in memory.
    tail_at: usize,
}

/// Rows read from disk at a time.
const BLOCK: u64 = 4096;

impl RowIter<'_> {
    fn read_block(&mut self) {
        let Some(file) = &self.rows.spill else { return };
        let count = BLOCK.min(self.rows.on_disk - self.next);
        let mut bytes = vec![0u8; count as usize * RECORD];
        let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
        // A row written cannot be missing: a failed read is the disk failing under us, and
        // a run must not go on as if the rows it lost had not been.
        if let Err(e) = file.seek(SeekFrom::Start(self.next * RECORD as u64)).and_then(|_| file.read_exact(&mut bytes))
        {
            panic!("the replications' rows in the temporary file cannot be read back: {e}");
        }
        self.block = bytes.chunks_exact(RECORD).map(decode).collect();
        self.at = 0;
        self.next += count;
    }
}

impl Iterator for RowIter<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        loop {
            if let Some(r) = self.block.get(self.at) {
                self.at += 1;
                return Some(*r);
            }
            if self.next < self.rows.on_disk {
                self.read_block();
                continue;
            }
            let r = self.rows.tail.get(self.tail_at).copied();
            self.tail_at += 1;
            return r;
        }
    }
}

/// Bytes of a row on disk.
pub const RECORD: usize = 8 * 2 + 8 * 2 + 8 * 5 + 4 + 8 + 8 + 1 + 8 + 8 + 1 + (8 + 4 + 8 * 7 + 1);

const HAS_COMPLETION: u8 = 1;
const HAS_HANDOVER: u8 = 2;
const HAS_CONTRACT: u8 = 4;
const HAS_CONTRACT_COMPLETION: u8 = 8;
const AT_CAP: u8 = 16;

fn encode(r: &Row, out: &mut Vec<u8>) {
    let start = out.len();
    let f = |out: &mut Vec<u8>, v: f64| out.extend_from_slice(&v.to_bits().to_le_bytes());
    let u = |out: &mut Vec<u8>, v: u64| out.extend_from_slice(&v.to_le_bytes());
    let c = r.contract.unwrap_or(ContractRow {
        completion_days: None,
        calloffs_met: 0,
        damages: 0.0,
        damages_at_cap: false,
        seller_cost: 0.0,
        buyer_cost: 0.0,
        premium: 0.0,
        claims: 0.0,
        seller_loss: 0.0,
        buyer_loss: 0.0,
    });
    let mut flags = 0;
    for (on, bit) in [
        (r.completion_days.is_some(), HAS_COMPLETION),
        (r.handover_completion_days.is_some(), HAS_HANDOVER),
        (r.contract.is_some(), HAS_CONTRACT),
        (c.completion_days.is_some(), HAS_CONTRACT_COMPLETION),
        (c.damages_at_cap, AT_CAP),
    ] {
        if on {
            flags |= bit;
        }
    }
    u(out, r.index);
    u(out, r.seed);
    f(out, r.completion_days.unwrap_or(0.0));
    f(out, r.handover_completion_days.unwrap_or(0.0));
    for t in [r.delivered_by_deadline, r.handed_over_by_deadline, r.delivered, r.lost, r.reallocated] {
        u(out, t.kg());
    }
    out.extend_from_slice(&r.lots.to_le_bytes());
    u(out, r.events);
    f(out, r.end_days);
    out.push(r.outcome as u8);
    f(out, r.cost);
    f(out, r.penalty);
    out.push(flags);
    f(out, c.completion_days.unwrap_or(0.0));
    out.extend_from_slice(&c.calloffs_met.to_le_bytes());
    for v in [c.damages, c.seller_cost, c.buyer_cost, c.premium, c.claims, c.seller_loss, c.buyer_loss] {
        f(out, v);
    }
    out.push(0);
    debug_assert_eq!(out.len() - start, RECORD);
}

/// Reads fields off a record in order.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().expect("split at N")
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn f64(&mut self) -> f64 {
        f64::from_bits(self.u64())
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
}

fn decode(bytes: &[u8]) -> Row {
    let mut b = Fields(bytes);
    let index = b.u64();
    let seed = b.u64();
    let completion = b.f64();
    let handover = b.f64();
    let mut t = || Tonnes::from_kg(b.u64());
    let (delivered_by_deadline, handed_over_by_deadline, delivered, lost, reallocated) = (t(), t(), t(), t(), t());
    let lots = b.u32();
    let events = b.u64();
    let end_days = b.f64();
    let outcome = match b.u8() {
        x if x == Ending::Complete as u8 => Ending::Complete,
        x if x == Ending::Horizon as u8 => Ending::Horizon,
        x if x == Ending::Stalled as u8 => Ending::Stalled,
        _ => Ending::EventLimit,
    };
    let cost = b.f64();
    let penalty = b.f64();
    let flags = b.u8();
    let contract_completion = b.f64();
    let calloffs_met = b.u32();
    let mut v = [0.0; 7];
    for x in &mut v {
        *x = b.f64();
    }
    let [damages, seller_cost, buyer_cost, premium, claims, seller_loss, buyer_loss] = v;
    let on = |bit: u8| flags & bit != 0;
    Row {
        index,
        seed,
        completion_days: on(HAS_COMPLETION).then_some(completion),
        handover_completion_days: on(HAS_HANDOVER).then_some(handover),
        delivered_by_deadline,
        handed_over_by_deadline,
        delivered,
        lost,
        reallocated,
        lots,
        events,
        end_days,
        outcome,
        cost,
        penalty,
        contract: on(HAS_CONTRACT).then_some(ContractRow {
            completion_days: on(HAS_CONTRACT_COMPLETION).then_some(contract_completion),
            calloffs_met,
            damages,
            damages_at_cap: on(AT_CAP),
            seller_cost,
            buyer_cost,
            premium,
            claims,
            seller_loss,
            buyer_loss,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(i: u64, x: f64, contract: bool) -> Row {
        Row {
            index: i,
            seed: i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            completion_days: (!i.is_multiple_of(3)).then_some(x),
            handover_completion_days: (!i.is_multiple_of(5)).then_some(x / 2.0),
            delivered_by_deadline: Tonnes::from_kg(i.wrapping_mul(7)),
            handed_over_by_deadline: Tonnes::from_kg(i.wrapping_mul(11)),
            delivered: Tonnes::from_kg(u64::MAX - i),
            lost: Tonnes::from_kg(i % 4),
            reallocated: Tonnes::ZERO,
            lots: (i % 1000) as u32,
            events: i.wrapping_mul(1000),
            end_days: x + 1.0,
            outcome: [Ending::Complete, Ending::Horizon, Ending::Stalled, Ending::EventLimit][(i % 4) as usize],
            cost: -x,
            penalty: x * 3.0,
            contract: contract.then_some(ContractRow {
                completion_days: i.is_multiple_of(2).then_some(-0.0),
                calloffs_met: i as u32,
                damages: x,
                damages_at_cap: i.is_multiple_of(7),
                seller_cost: 1.5,
                buyer_cost: f64::MIN_POSITIVE,
                premium: 1e300,
                claims: 0.1,
                seller_loss: 0.2,
                buyer_loss: 0.3,
            }),
        }
    }

    proptest! {
        #[test]
        fn a_row_comes_back_bit_for_bit(i in any::<u64>(), x in any::<f64>(), contract in any::<bool>()) {
            let r = row(i, x, contract);
            let mut buf = Vec::new();
            encode(&r, &mut buf);
            prop_assert_eq!(buf.len(), RECORD);
            let back = decode(&buf);
            // Compare bits, so that NaN and -0.0 count as kept only when kept exactly.
            prop_assert_eq!(format!("{back:?}"), format!("{r:?}"));
            prop_assert_eq!(back.cost.to_bits(), r.cost.to_bits());
        }
    }

    #[test]
    fn rows_on_disk_read_back_in_order_with_those_in_memory() {
        let all: Vec<Row> = (0..10_000).map(|i| row(i, i as f64 * 0.37, i % 2 == 0)).collect();
        let mut rows = Rows::new(999);
        for r in &all {
            rows.push(*r).unwrap();
        }
        assert!(rows.on_disk == 9990 && rows.tail.len() == 10, "some on disk, some in memory");
        assert_eq!(rows.len(), 10_000);
        assert_eq!(rows.to_vec(), all);
        // Two readers at once each see every row.
        let (a, b) = (rows.iter(), rows.iter());
        assert!(a.zip(b).all(|(x, y)| x == y));
    }

    #[test]
    fn a_row_out_of_replication_order_is_refused_and_not_kept() {
        let mut rows = Rows::new(2);
        for i in [0, 3, 5] {
            rows.push(row(i, 1.0, false)).unwrap();
        }
        assert!(matches!(rows.push(row(4, 1.0, false)), Err(SpillError::Order { index: 4, after: 5 })));
        assert!(matches!(rows.push(row(5, 1.0, false)), Err(SpillError::Order { index: 5, after: 5 })));
        assert_eq!(rows.iter().map(|r| r.index).collect::<Vec<_>>(), [0, 3, 5]);
    }

    #[test]
    fn interleaved_stores_merge_by_index() {
        let (mut even, mut odd) = (Rows::new(3), Rows::new(1000));
        for i in 0..50u64 {
            let r = row(i, i as f64, false);
            if i % 2 == 0 { even.push(r) } else { odd.push(r) }.unwrap();
        }
        even.merge(odd).unwrap();
        assert_eq!(even.iter().map(|r| r.index).collect::<Vec<_>>(), (0..50).collect::<Vec<_>>());
        let mut later = Rows::new(2);
        for i in 50..60 {
            later.push(row(i, 0.0, true)).unwrap();
        }
        even.merge(later).unwrap();
        assert_eq!(even.len(), 60);
        assert_eq!(even.iter().last().map(|r| r.index), Some(59));
    }
}
