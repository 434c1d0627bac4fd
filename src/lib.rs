//! steelsim: a discrete-event simulator of a steel supply chain and its port and land
//! logistics, built to answer a planner's questions about a delivery promise.
//!
//! The layers, from the bottom:
//! - [`engine`]: a small, domain-free discrete-event core;
//! - [`model`]: the steel-logistics world built on it (mills, yards, borders, legs, lots);
//! - [`scenario`]: the TOML scenario format, its validation, and its compilation to a model;
//! - [`experiment`]: many seeded replications run in parallel, deterministically;
//! - [`stats`]: estimators with confidence intervals;
//! - [`report`]: JSON, CSV and text outputs.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod analysis;
pub mod cli;
pub mod engine;
pub mod experiment;
pub mod model;
pub mod report;
pub mod scenario;
pub mod stats;
