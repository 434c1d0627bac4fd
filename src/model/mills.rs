//! Mills: what they make for the order, at what rate, and who goes short when they make less.

use crate::engine::Dist;

use super::ids::{DestinationId, Id, IdVec, LineId, ProductId, RouteId};
use super::units::Tonnes;
use super::world::Failures;

/// A lot the plan says a mill will produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedLot {
    /// Product.
    pub product: ProductId,
    /// Destination.
    pub destination: DestinationId,
    /// Size.
    pub tonnes: Tonnes,
}

/// A mill and its share of the order.
#[derive(Debug)]
pub struct MillSpec {
    /// Name.
    pub name: String,
    /// A factor drawn per lot, multiplying the rate.
    pub availability: Option<Dist>,
    /// Breakdowns (production stops on every line while down).
    pub failures: Option<Failures>,
    /// Production drawn per lot instead of a rate, if so given.
    pub production_time: Option<LotTime>,
    /// How the order's allocation fares when the mill makes less than its capacity (only
    /// where the lines have a capacity).
    pub priority: MillPriority,
    /// Production lines working in parallel: one for the whole mill, or one per product.
    pub lines: IdVec<LineId, LineSpec>,
    /// For each destination: the routes that serve it, with their weights.
    pub routes: IdVec<DestinationId, Vec<(RouteId, f64)>>,
}

/// A production line of a mill.
#[derive(Debug)]
pub struct LineSpec {
    /// The products it makes.
    pub products: Vec<ProductId>,
    /// Production for this order (its allocation), tonnes per hour at full availability.
    pub rate_t_per_h: f64,
    /// The line's output for every customer, tonnes per hour at full availability, if given:
    /// availability and disruption factors then act on it, and the order's rate follows the
    /// mill's [`MillPriority`].
    pub capacity_t_per_h: Option<f64>,
    /// Tonnes ready at the start (whole lots are shipped at once).
    pub stock: Tonnes,
    /// Lots in production order.
    pub plan: Vec<PlannedLot>,
}

/// A production time drawn per lot.
#[derive(Debug)]
pub struct LotTime {
    /// Time to make a lot of `lot` tonnes (hours).
    pub time: Dist,
    /// The mill's lot size.
    pub lot: Tonnes,
    /// `true` if a smaller lot takes a whole draw; `false` if its share of one.
    pub full_for_short: bool,
}

/// Who goes short when a mill with a capacity makes less than it (availability below 1, a
/// disruption's factor): the rest of the capacity, `capacity - allocation`, serves other
/// customers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MillPriority {
    /// Everyone in proportion: the order gets its allocation times the same factor.
    #[default]
    Share,
    /// The order first: it gets its allocation as long as the output covers it.
    First,
    /// The order last: it gets what is left once the other customers have their full share.
    Last,
}

impl LineSpec {
    /// The order's production rate (tonnes per hour) on this line when the mill's
    /// availability is `availability`, disruptions multiply its output by `factor`, and the
    /// order's true allocation is `allocation` times the one written.
    pub fn order_rate(&self, priority: MillPriority, availability: f64, factor: f64, allocation: f64) -> f64 {
        let allocated = self.rate_t_per_h * allocation;
        let Some(capacity) = self.capacity_t_per_h else {
            // The allocation is all the model knows of: it takes both factors.
            return allocated * availability * factor;
        };
        let output = capacity * availability * factor;
        let rate = match priority {
            MillPriority::Share => allocated * availability * factor,
            MillPriority::First => output,
            MillPriority::Last => output - (capacity - allocated),
        };
        // An allocation drawn above the capacity still gets no more than the mill makes.
        rate.clamp(0.0, allocated.min(output))
    }
}

impl MillSpec {
    /// Every planned lot of every line.
    pub fn planned(&self) -> impl Iterator<Item = &PlannedLot> {
        self.lines.iter().flat_map(|l| l.plan.iter())
    }

    /// The line that makes `product` (the first line if none lists it).
    pub fn line_of(&self, product: ProductId) -> LineId {
        self.lines.iter_ids().find(|(_, l)| l.products.contains(&product)).map_or(LineId::from_index(0), |(i, _)| i)
    }
}
