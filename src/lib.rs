//! steelsim: a discrete-event simulator of a steel supply chain and its port and land
//! logistics, built to answer a planner's questions about a delivery promise: how likely is
//! the order to arrive in full and on time, what date can be signed at 90/95/99 %
//! confidence, and where does it get stuck.
//!
//! # A tour
//!
//! The crate is a library with a thin command line on top ([`cli`]). Its layers depend only
//! downwards, a rule a test enforces:
//!
//! | layer | one idea |
//! | --- | --- |
//! | [`cli`] | options, one function per command, exit codes |
//! | [`report`] | renders and writes: CSV, JSON, figures, HTML, text |
//! | [`analysis`] | every statistic over replications: summary, guarantees, studies, calibration |
//! | [`experiment`] | replications in parallel, deterministic for any thread count or sharding |
//! | [`scenario`] | the TOML format, validation with `file:line:col`, compilation to a world |
//! | [`model`] | the steel world: mills, legs, pools, servers, yards, lots, and one replication |
//! | [`stats`] | estimators with intervals (Wilson, t, order statistics), exact sums |
//! | [`engine`] | a small domain-free discrete-event core: clock, event queue, resources, streams |
//!
//! Load a scenario, run replications, read the answer:
//!
//! ```
//! use steelsim::{analysis, experiment, scenario};
//!
//! let text = include_str!("../tests/fixtures/tiny.toml");
//! let world = scenario::load_str(text, "tiny.toml", "tiny")?;
//! let plan = experiment::Plan { replications: 20, seed: 7, threads: Some(1), trace: None };
//! let out = experiment::run(&world, &plan, &mut |_done| {})?;
//! let summary = analysis::summary::build(&world, plan.seed, &out);
//! let [lo, hi] = summary.destination.p_on_time_ci95;
//! println!("P(on time) = {:.2} (95 % interval {lo:.2}-{hi:.2})", summary.destination.p_on_time);
//! assert!(lo <= summary.destination.p_on_time && summary.destination.p_on_time <= hi);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Replication `r` of master seed `s` always draws the same random numbers, and every
//! component (a stage, a leg, a mill) draws from its own stream, so results are
//! byte-identical for any number of threads, and paired comparisons of scenarios are exact.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

// Printing that never panics. `println!` panics when the reader has gone (`steelsim ... |
// head -1`, a closed terminal), which would lose a study half done; these drop what the
// reader would have read and carry on, so the command still writes its files and exits as
// it would have. Defined first, so that every module can use them.
macro_rules! quietly {
    ($stream:ident, $write:ident, $($t:tt)*) => {{
        use std::io::Write as _;
        let _ = $write!(std::io::$stream(), $($t)*);
    }};
}
macro_rules! stdoutln {
    ($($t:tt)*) => { quietly!(stdout, writeln, $($t)*) };
}
macro_rules! stdout {
    ($($t:tt)*) => { quietly!(stdout, write, $($t)*) };
}
macro_rules! stderrln {
    ($($t:tt)*) => { quietly!(stderr, writeln, $($t)*) };
}
macro_rules! stderr {
    ($($t:tt)*) => { quietly!(stderr, write, $($t)*) };
}

pub mod analysis;
pub mod cli;
pub mod engine;
pub mod experiment;
pub mod model;
pub mod report;
pub mod scenario;
pub mod stats;
