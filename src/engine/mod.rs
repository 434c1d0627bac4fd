//! The discrete-event core: a clock, a future-event list, a loop, and the building blocks
//! models are made of (counted resources, stores, batchers, calendars, random streams,
//! distributions). It knows nothing of the world a model describes; `crate::model` builds one on it.
//!
//! Read it in this order: [`time`], [`queue`], [`sim`], then the building blocks.

pub mod batcher;
pub mod calendar;
pub mod dist;
pub mod monitor;
pub mod queue;
pub mod random;
pub mod resource;
pub mod sim;
pub mod store;
pub mod time;
mod truncate;

pub use batcher::{Added, Batcher, Boarded};
pub use calendar::Calendar;
pub use dist::{Dist, DistError};
pub use monitor::TimeWeighted;
pub use queue::{EventKey, EventQueue};
pub use random::Stream;
pub use resource::{Discipline, Grant, Resource};
pub use sim::{Control, Model, Outcome, Scheduler, run};
pub use store::{Admitted, Store};
pub use time::{Duration, Time};
