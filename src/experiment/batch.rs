//! Replications of several worlds in one parallel batch, for studies that run many variants a
//! little further each round (a tornado chart's parameters): one batch keeps every core busy
//! to its end, where a batch per variant leaves cores idle at the end of each. And
//! [`par_map`], for a study's work that is not replications (compiling its variants).

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::{Record, RunError, interrupt, replicate_until, thread_pool};
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
    // An interrupted study says how far it got over all its batches, not within this one.
    let interrupted = || RunError::Interrupted { done: STUDY_REPLICATIONS.load(Ordering::Relaxed) };
    pool.install(|| {
        jobs.par_iter()
            .enumerate()
            .map(|(k, job)| {
                if interrupt::stop_requested() {
                    return Err(interrupted());
                }
                // Studies read only the outcome: no day-by-day series, no stage tallies.
                let r =
                    replicate_until(job.world, seed, job.index, Record::OutcomeOnly, Checks::for_build(), job.until)
                        .map_err(|e| if let RunError::Interrupted { .. } = e { interrupted() } else { e })?;
                STUDY_REPLICATIONS.fetch_add(1, Ordering::Relaxed);
                Ok(f(k, &r))
            })
            .collect()
    })
}

/// Replications run by [`map_jobs`] in this process: a study (one command) runs its batches
/// one after the other, so this is how many it had finished when it is interrupted.
static STUDY_REPLICATIONS: AtomicU64 = AtomicU64::new(0);

/// `f` of each item on `threads` workers (one per core if `None`), in the order of `items`;
/// the first error in that order if any. For a study's work that is not replications
/// (compiling its variants), on the same number of cores as its replications.
pub fn par_map<I: Sync, T: Send, E: Send + From<RunError>>(
    items: &[I],
    threads: Option<usize>,
    f: impl Fn(&I) -> Result<T, E> + Sync,
) -> Result<Vec<T>, E> {
    let done: Vec<Result<T, E>> = thread_pool(threads)?.install(|| items.par_iter().map(&f).collect());
    done.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_map_keeps_the_order_and_reports_the_first_error_in_it() {
        let items: Vec<u64> = (0..200).collect();
        let doubled: Result<Vec<u64>, RunError> = par_map(&items, Some(2), |&i| Ok(2 * i));
        assert_eq!(doubled.unwrap(), items.iter().map(|i| 2 * i).collect::<Vec<_>>());
        // Errors at 29, 59, ...: whichever thread met one first, the caller hears of 29.
        let failed =
            par_map(&items, Some(2), |&i| if i % 30 == 29 { Err(RunError::Interrupted { done: i }) } else { Ok(i) });
        assert!(matches!(failed, Err(RunError::Interrupted { done: 29 })), "{failed:?}");
    }
}
