//! Writers: the JSON summary, tidy CSV tables, the human summary, and the output folder.

pub mod output;
pub mod summary;
pub mod tables;
pub mod text;

use std::path::{Path, PathBuf};

use crate::experiment::{Plan, RunOutput};
use crate::model::World;

pub use output::{OutputError, Staging};
pub use summary::Summary;

/// Writes every result file of a run into `dir` (all or nothing) and returns the folder.
pub fn write_run(
    dir: &Path,
    world: &World,
    plan: &Plan,
    out: &RunOutput,
    summary: &Summary,
    force: bool,
) -> Result<PathBuf, OutputError> {
    let staging = Staging::new(dir, &world.name, force)?;
    let csv_err = |name: &str, e: csv::Error| OutputError::Io {
        path: staging.path(name),
        source: std::io::Error::other(e.to_string()),
    };
    let mut json = serde_json::to_vec_pretty(summary)
        .map_err(|e| OutputError::Io { path: staging.path("summary.json"), source: e.into() })?;
    json.push(b'\n');
    staging.write("summary.json", &json)?;
    let reps = tables::replications_csv(&out.rows).map_err(|e| csv_err("replications.csv", e))?;
    staging.write("replications.csv", &reps)?;
    if let (Some(trace), Some(r)) = (&out.trace, plan.trace) {
        let ships = tables::shipments_csv(world, r, trace).map_err(|e| csv_err("shipments.csv", e))?;
        staging.write("shipments.csv", &ships)?;
    }
    staging.commit()
}
