//! Replications of several worlds in one parallel batch, for studies that run many variants a
//! little further each round (a tornado chart's parameters): one batch keeps every core busy
//! to its end, where a batch per variant leaves cores idle at the end of each.

use rayon::prelude::*;

use super::{RunError, interrupt, replicate_until, thread_pool};
use crate::engine::Time;
use crate::model::{Checks, ReplicationResult, World};

/// One replication to run: replication `index` of `world`, ended at `until` if given
/// ([`super::Runner::until`]).
#[derive(Clone, Copy, Debug)]
pub struct Job<'w> {
    /// The world.
    pub world: &'w World,
    /// Replication index (its seed is that of the same index in any run with this master seed).
    pub index: u64,
    /// Where the replication ends, if before its horizon.
    pub until: Option<Time>,
}

/// Runs every job (in any order, on any thread), without the day-by-day series and the
/// per-stage tallies (which `f` must not read: [`crate::model::Replication::outcome_only`]),
/// and returns `f` of each, with the job's
/// position, in the order of `jobs`. Replication `r` of a world gives the same result here as
/// in any run with master seed `seed`.
pub fn map_jobs<T: Send>(
    jobs: &[Job<'_>],
    seed: u64,
    threads: Option<usize>,
    f: impl Fn(usize, &ReplicationResult) -> T + Sync,
) -> Result<Vec<T>, RunError> {
    let pool = thread_pool(threads)?;
    pool.install(|| {
        jobs.par_iter()
            .enumerate()
            .map(|(k, job)| {
                if interrupt::stop_requested() {
                    return Err(RunError::Interrupted { done: 0 });
                }
                // Studies read only the outcome: no day-by-day series, no stage tallies.
                let r = replicate_until(job.world, seed, job.index, false, Checks::for_build(), job.until, false)?;
                Ok(f(k, &r))
            })
            .collect()
    })
}
