//! Exact order statistics of a sample read in passes, in bounded memory.
//!
//! Sorting ten million completion times means holding them all. Radix selection finds the
//! values at given ranks exactly without holding them: each pass counts how many values fall
//! in each bucket of the next bits of their keys, among the values that share the bits found
//! so far; four passes of 16 bits (eight of 8 bits when many ranks are asked at once) pin
//! every bit of a 64-bit key. The answer is the value sorting would give, bit for bit.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::quantile::{Censored, order_statistic_interval, rank};

/// A pass over a sample: called with a function, it gives that function every value.
pub type Pass<'a, T> = &'a mut dyn FnMut(&mut dyn FnMut(T));

/// The key of a float whose order is `f64::total_cmp`'s.
pub fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// The float of a key.
pub fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// The keys at the 1-based `ranks` (each within 1..=n, n the number of keys a pass gives) of
/// the keys `pass` gives to its argument each time it is called, in the order of `ranks`.
pub fn select(ranks: &[u64], pass: Pass<'_, u64>) -> Vec<u64> {
    if ranks.is_empty() {
        // Nothing asked (every value censored, say): no pass over the data.
        return Vec::new();
    }
    // Counting 2^16 buckets per distinct prefix: with many ranks, 2^8 keeps memory small.
    let bits: u32 = if ranks.len() <= 64 { 16 } else { 8 };
    let buckets = 1usize << bits;
    // Per rank: the key's leading bits found so far, and its rank among keys with them.
    let mut found: Vec<(u64, u64)> = ranks.iter().map(|&r| (0, r.max(1))).collect();
    let mut known = 0u32;
    while known < 64 {
        let shift = 64 - known - bits;
        let mut counts: HashMap<u64, Vec<u64>> = HashMap::new();
        for &(prefix, _) in &found {
            counts.entry(prefix).or_insert_with(|| vec![0; buckets]);
        }
        let mask = (buckets - 1) as u64;
        pass(&mut |k: u64| {
            let prefix = if known == 0 { 0 } else { k >> (64 - known) };
            if let Some(c) = counts.get_mut(&prefix) {
                c[((k >> shift) & mask) as usize] += 1;
            }
        });
        for (prefix, r) in &mut found {
            let c = &counts[prefix];
            let mut bucket = 0;
            // The bucket holding the r-th key: past it, the keys before it are skipped.
            while bucket + 1 < buckets && c[bucket] < *r {
                *r -= c[bucket];
                bucket += 1;
            }
            *prefix = (*prefix << bits) | bucket as u64;
        }
        known += bits;
    }
    found.into_iter().map(|(k, _)| k).collect()
}

/// The order statistics of a sample that the estimates ask for, found by selection: a sorted
/// sample that holds only the ranks it was asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Selected<T> {
    n: usize,
    at: BTreeMap<usize, T>,
}

/// A sorted sample read by rank.
pub trait Ordered {
    /// What a rank holds.
    type Item: Copy;
    /// Sample size.
    fn size(&self) -> usize;
    /// The value of 1-based rank `r` (within 1..=size).
    fn nth(&self, r: usize) -> Self::Item;
}

impl<T: Copy> Ordered for [T] {
    type Item = T;
    fn size(&self) -> usize {
        self.len()
    }
    fn nth(&self, r: usize) -> T {
        self[r - 1]
    }
}

impl<T: Copy> Ordered for Vec<T> {
    type Item = T;
    fn size(&self) -> usize {
        self.len()
    }
    fn nth(&self, r: usize) -> T {
        self[r - 1]
    }
}

impl<T: Copy, const N: usize> Ordered for [T; N] {
    type Item = T;
    fn size(&self) -> usize {
        N
    }
    fn nth(&self, r: usize) -> T {
        self[r - 1]
    }
}

impl<T: Copy> Ordered for Selected<T> {
    type Item = T;
    fn size(&self) -> usize {
        self.n
    }
    fn nth(&self, r: usize) -> T {
        // The ranks are those `ranks_for` names, from the same functions the quantiles are
        // read with: a rank missing here is a bug, not a property of the data.
        *self.at.get(&r).unwrap_or_else(|| panic!("order statistic {r} of {} was not selected", self.n))
    }
}

/// Every rank the `p` quantiles of a sample of `n` and their intervals at `level` read.
pub fn ranks_for(n: usize, ps: &[f64], level: f64) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    if n == 0 {
        return out;
    }
    for &p in ps {
        out.insert(rank(p, n));
        let (l, u) = order_statistic_interval(n, p, level);
        out.extend(l.into_iter().chain(u));
    }
    out
}

/// Selects `ranks` of the values `pass` gives (a sample of `n`, in any order).
pub fn select_values(n: usize, ranks: &BTreeSet<usize>, pass: Pass<'_, f64>) -> Selected<f64> {
    let wanted: Vec<usize> = ranks.iter().copied().filter(|&r| (1..=n).contains(&r)).collect();
    let keys = select(&wanted.iter().map(|&r| r as u64).collect::<Vec<_>>(), &mut |keep| pass(&mut |v| keep(key(v))));
    Selected { n, at: wanted.into_iter().zip(keys.into_iter().map(value)).collect() }
}

/// Selects `ranks` of a censored sample (`n` values, `censored` of them censored, which sort
/// last) that `pass` gives in any order.
pub fn select_censored(
    n: usize,
    censored: usize,
    ranks: &BTreeSet<usize>,
    pass: Pass<'_, Censored>,
) -> Selected<Censored> {
    let known = n - censored.min(n);
    let values = select_values(known, ranks, &mut |keep| {
        pass(&mut |c| {
            if let Some(v) = c {
                keep(v);
            }
        })
    });
    let at = ranks
        .iter()
        .filter(|&&r| (1..=n).contains(&r))
        .map(|&r| (r, if r <= known { values.at.get(&r).copied() } else { None }))
        .collect();
    Selected { n, at }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::quantile::sort_censored;
    use proptest::prelude::*;

    #[test]
    fn keys_keep_the_order_of_total_cmp() {
        let xs = [f64::NEG_INFINITY, -1e300, -1.0, -0.0, 0.0, 1e-310, 1.0, 2.5, f64::INFINITY];
        for w in xs.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} < {}", w[0], w[1]);
        }
        for x in xs {
            assert_eq!(value(key(x)).to_bits(), x.to_bits());
        }
    }

    proptest! {
        #[test]
        fn selection_is_sorting(
            xs in prop::collection::vec(prop_oneof![any::<f64>().prop_filter("not NaN", |x| !x.is_nan()),
                                                     (0i32..5).prop_map(f64::from)], 1..300),
            ranks in prop::collection::vec(1usize..300, 1..80)
        ) {
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            let ranks: BTreeSet<usize> = ranks.into_iter().map(|r| 1 + (r - 1) % xs.len()).collect();
            let s = select_values(xs.len(), &ranks, &mut |keep| xs.iter().for_each(|&x| keep(x)));
            for &r in &ranks {
                prop_assert_eq!(s.nth(r).to_bits(), sorted[r - 1].to_bits());
            }
        }

        #[test]
        fn censored_selection_is_sorting(xs in prop::collection::vec(prop::option::weighted(0.8, 0.0..100.0f64), 1..200)) {
            let mut sorted = xs.clone();
            sort_censored(&mut sorted);
            let censored = xs.iter().filter(|x| x.is_none()).count();
            let ranks: BTreeSet<usize> = (1..=xs.len()).collect();
            let s = select_censored(xs.len(), censored, &ranks, &mut |keep| xs.iter().for_each(|&x| keep(x)));
            for r in 1..=xs.len() {
                prop_assert_eq!(s.nth(r), sorted[r - 1]);
            }
        }
    }

    #[test]
    fn a_million_equal_values_need_no_more_memory_than_one() {
        let s = select_values(1_000_000, &BTreeSet::from([1, 500_000, 1_000_000]), &mut |keep| {
            (0..1_000_000).for_each(|_| keep(7.25))
        });
        assert_eq!((s.nth(1), s.nth(500_000), s.nth(1_000_000)), (7.25, 7.25, 7.25));
    }
}
