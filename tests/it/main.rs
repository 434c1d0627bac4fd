//! steelsim's integration tests: one binary, one module per behavioural contract.
//!
//! Modules that drive the command line share [`common`]; the others call the library.

mod architecture;
mod browser;
mod calibration;
mod citations;
mod cli;
mod common;
mod conservation;
mod contract;
mod coverage;
mod decisions;
mod edges;
mod engine_timeline;
mod estimators;
mod figures;
mod help;
mod insurance;
mod model_timeline;
mod moving;
mod outputs;
mod properties;
mod readme;
mod robustness;
mod scenarios;
mod schema;
mod serve;
mod sources;
mod status;
mod studies;
mod traces;
mod uncertain;
mod validation;
mod workbook;
