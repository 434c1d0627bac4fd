//! Where every tonne of the order is at one moment: the state a run can start from (a
//! shipment status read from a file) and the state a replication writes down at a date.
//!
//! A run that starts from a status replays the calendars, disruptions, breakdowns and
//! carrier supplies from the order's start as usual (they do not depend on the lots), but
//! makes nothing and moves nothing until the status's moment; then every lot is put where
//! the status says, and the run goes on from there.

use crate::engine::Time;

use super::ids::{FlowId, LineId, MillId, PoolId, RouteId};
use super::mills::PlannedLot;
use super::world::World;

/// The state of the order at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// The moment, hours since the order's start.
    pub at: Time,
    /// Every lot of the order, in the order of the file (the order a line makes its lots).
    pub lots: Vec<StatusLot>,
    /// Carriers on their way back empty.
    pub carriers_away: Vec<CarriersAway>,
    /// Jobs of background traffic at their server (queued or in service), per flow.
    pub background: Vec<(FlowId, u32)>,
}

/// One lot and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusLot {
    /// The name the status gives it (it keys the lot's random draws).
    pub id: String,
    /// The mill that makes it (and makes it again if it is lost).
    pub mill: MillId,
    /// Product, destination and tonnes.
    pub lot: PlannedLot,
    /// Where it is.
    pub place: Place,
}

/// Where a lot is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Place {
    /// Still to be made at its mill; `made` tonnes of it already are (the lot in production).
    ToProduce {
        /// Tonnes made so far.
        made: f64,
    },
    /// At step `step` of route `route`: waiting there since `since`, or (`busy`) in service,
    /// dwelling or travelling since `since`.
    OnRoute {
        /// The route.
        route: RouteId,
        /// The step, a place where a lot can wait or take time.
        step: u16,
        /// In service, dwelling or travelling, rather than waiting.
        busy: bool,
        /// Since when.
        since: Time,
    },
    /// Delivered at `at`.
    Delivered {
        /// When.
        at: Time,
    },
}

/// Carriers of a pool on their way back empty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CarriersAway {
    /// The pool.
    pub pool: PoolId,
    /// How many.
    pub units: u32,
    /// When they are back.
    pub back: Time,
}

impl Status {
    /// The lot each line is making, with the tonnes made so far (at most one per line: the
    /// status is checked for it when read).
    pub fn in_production(&self, world: &World) -> Vec<(MillId, LineId, f64)> {
        self.lots
            .iter()
            .filter_map(|l| match l.place {
                Place::ToProduce { made } if made > 0.0 => {
                    Some((l.mill, world.mills[l.mill].line_of(l.lot.product), made))
                }
                _ => None,
            })
            .collect()
    }
}

impl World {
    /// Makes this world start from `status`: each line's plan becomes the lots the status
    /// has still to make there (in the status's order), no opening stock is left, and the
    /// replications put everything else where the status says at its moment.
    pub fn start_from(&mut self, status: Status) {
        for mill in self.mills.iter_mut() {
            for line in mill.lines.iter_mut() {
                line.plan.clear();
                line.stock = crate::model::units::Tonnes::ZERO;
            }
        }
        for l in &status.lots {
            if let Place::ToProduce { made } = l.place {
                let mill = &mut self.mills[l.mill];
                let line = mill.line_of(l.lot.product);
                let plan = &mut mill.lines[line].plan;
                // The lot in production comes first on its line.
                if made > 0.0 { plan.insert(0, l.lot) } else { plan.push(l.lot) }
            }
        }
        self.status = Some(status);
    }
}
