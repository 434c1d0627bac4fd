//! Typed indices. Every table of the world and of a replication is indexed by its own id
//! type, so a leg's id cannot be passed where a pool's is expected, and the conversions
//! between an id and a position live here rather than as casts all over the model.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

use serde::{Deserialize, Serialize};

/// An index into an [`IdVec`].
pub trait Id: Copy + Eq + fmt::Debug {
    /// The largest number of items such an id can count.
    const MAX: usize;
    /// The id of position `i` (which the table's size bounds by [`Id::MAX`]).
    fn from_index(i: usize) -> Self;
    /// Its position.
    fn index(self) -> usize;
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident($repr:ty);)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name($repr);

        impl Id for $name {
            const MAX: usize = <$repr>::MAX as usize;

            #[inline]
            fn from_index(i: usize) -> Self {
                debug_assert!(i <= Self::MAX, "{} {i} out of range", stringify!($name));
                $name(i as $repr)
            }

            #[inline]
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

ids! {
    /// A capacity-limited stage ([`super::world::ServerSpec`]).
    ServerId(u16);
    /// A stage that only takes time.
    DwellId(u16);
    /// A transport leg.
    LegId(u16);
    /// A carrier pool.
    PoolId(u16);
    /// A finite yard.
    StoreId(u16);
    /// A mill.
    MillId(u16);
    /// A production line of a mill.
    LineId(u8);
    /// A compiled route (one corridor, one mill, one destination).
    RouteId(u16);
    /// A corridor, as the scenario names it.
    CorridorId(u16);
    /// A calendar of open hours.
    CalendarId(u16);
    /// A reported stage: a server, dwell, leg, pool or yard ([`super::world::Stages`]).
    StageId(u16);
    /// A flow of background traffic.
    FlowId(u16);
    /// A product of the order.
    ProductId(u8);
    /// A destination of the order.
    DestinationId(u8);
    /// A row of the disruption table.
    DisruptionId(u32);
    /// A lot of the order, numbered as it is produced.
    LotId(u32);
    /// A background job, numbered as it arrives.
    JobId(u32);
    /// A disruption occurrence drawn in a replication.
    OccurrenceId(u32);
}

/// A vector indexed by its own id type.
pub struct IdVec<I, T> {
    items: Vec<T>,
    id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> IdVec<I, T> {
    /// An empty table.
    pub fn new() -> Self {
        IdVec { items: Vec::new(), id: PhantomData }
    }

    /// An empty table with room for `n` items.
    pub fn with_capacity(n: usize) -> Self {
        IdVec { items: Vec::with_capacity(n), id: PhantomData }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// No items?
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The id the next [`IdVec::push`] gets.
    pub fn next_id(&self) -> I {
        I::from_index(self.items.len())
    }

    /// Appends an item and returns its id.
    pub fn push(&mut self, item: T) -> I {
        let id = self.next_id();
        self.items.push(item);
        id
    }

    /// The item with id `i`, if any.
    pub fn get(&self, i: I) -> Option<&T> {
        self.items.get(i.index())
    }

    /// The items, in id order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The items, mutably, in id order.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// Every id, in order.
    pub fn ids(&self) -> impl Iterator<Item = I> + use<I, T> {
        (0..self.items.len()).map(I::from_index)
    }

    /// The items with their ids.
    pub fn iter_ids(&self) -> impl Iterator<Item = (I, &T)> {
        self.items.iter().enumerate().map(|(i, t)| (I::from_index(i), t))
    }

    /// The items as a slice (for positional tables such as reports).
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// The last item.
    pub fn last(&self) -> Option<&T> {
        self.items.last()
    }
}

impl<I: Id, T> Default for IdVec<I, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<I, T: Clone> Clone for IdVec<I, T> {
    fn clone(&self) -> Self {
        IdVec { items: self.items.clone(), id: PhantomData }
    }
}

impl<I, T: PartialEq> PartialEq for IdVec<I, T> {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl<I, T: fmt::Debug> fmt::Debug for IdVec<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(f)
    }
}

impl<I: Id, T> Index<I> for IdVec<I, T> {
    type Output = T;

    #[inline]
    fn index(&self, i: I) -> &T {
        &self.items[i.index()]
    }
}

impl<I: Id, T> IndexMut<I> for IdVec<I, T> {
    #[inline]
    fn index_mut(&mut self, i: I) -> &mut T {
        &mut self.items[i.index()]
    }
}

impl<I, T> From<Vec<T>> for IdVec<I, T> {
    fn from(items: Vec<T>) -> Self {
        IdVec { items, id: PhantomData }
    }
}

impl<I, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(it: It) -> Self {
        IdVec { items: it.into_iter().collect(), id: PhantomData }
    }
}

impl<'a, I, T> IntoIterator for &'a IdVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<'a, I, T> IntoIterator for &'a mut IdVec<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}

impl<I, T: Serialize> Serialize for IdVec<I, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(s)
    }
}

impl<'de, I, T: Deserialize<'de>> Deserialize<'de> for IdVec<I, T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::deserialize(d).map(IdVec::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_index_their_own_table() {
        let mut legs: IdVec<LegId, &str> = IdVec::new();
        let a = legs.push("a");
        let b = legs.push("b");
        assert_eq!((a.index(), b.index()), (0, 1));
        assert_eq!(legs[b], "b");
        assert_eq!(legs.iter_ids().map(|(i, s)| (i, *s)).collect::<Vec<_>>(), [(a, "a"), (b, "b")]);
        assert_eq!(legs.ids().collect::<Vec<_>>(), [a, b]);
        assert_eq!(legs.get(LegId::from_index(2)), None);
        assert_eq!(serde_json::to_string(&b).unwrap(), "1", "an id is written as its number");
    }
}
