//! The steel-logistics world on top of the engine.
//!
//! A [`World`] (compiled from a scenario) describes mills, yards, ports, borders, customs,
//! legs, carrier pools and routes. A [`Replication`] ships the order through it once:
//! lots are produced at the mills, follow their route's steps (queue at servers, wait for
//! carriers, form trains, travel, cross borders, clear customs), and are delivered.

mod effects;
pub mod estimate;
mod flow;
pub mod invariants;
mod production;
pub mod replication;
pub mod tally;
pub mod units;
pub mod world;

pub use estimate::EventEstimate;
pub use invariants::Checks;
pub use replication::{
    ConservationError, Location, LotInfo, Replication, ReplicationError, ReplicationResult, Trace, TraceRow,
};
pub use tally::StageTally;
pub use units::Tonnes;
pub use world::World;
