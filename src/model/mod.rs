//! The steel-logistics world on top of the engine.
//!
//! A [`World`] (compiled from a scenario) describes mills, yards, ports, borders, customs,
//! legs, carrier pools and routes. A [`Replication`] ships the order through it once:
//! lots are produced at the mills, follow their route's steps (queue at servers, wait for
//! carriers, form trains, travel, cross borders, clear customs), and are delivered.

pub mod contract;
pub mod controls;
pub mod estimate;
pub mod ids;
pub mod mills;
pub mod replication;
pub mod stages;
pub mod status;
pub mod tally;
pub mod units;
pub mod world;

pub use estimate::EventEstimate;
pub use replication::Replication;
pub use replication::invariants::{Checks, Violation};
pub use replication::result::{
    ConservationError, Daily, Happening, Location, LotFate, LotInfo, ReplicationError, ReplicationResult, Trace,
    TraceEvent, TraceRow,
};
pub use tally::StageTally;
pub use units::Tonnes;
pub use world::World;
