//! Many replications of one world, in parallel, with results that do not depend on the
//! number of threads.
//!
//! Replication `r` always gets the seed `replication_seed(master, r)`, whichever thread
//! runs it. Replications run in chunks; each chunk's results are collected in replication
//! order and folded into the totals in that order, so every floating-point sum is formed
//! the same way on one thread or many. Only one chunk of full results is in memory at a
//! time; what is kept per replication is a small row.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::engine::Outcome;
use crate::engine::random::replication_seed;
use crate::model::{ConservationError, Location, Replication, ReplicationResult, StageTally, Tonnes, Trace, World};

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Number of replications.
    pub replications: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Replication whose per-lot trace is kept.
    pub trace: Option<u64>,
}

/// The row kept for each replication.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Replication index.
    pub index: u64,
    /// Its seed.
    pub seed: u64,
    /// Hours until the whole order reached its destinations (`None`: not by the horizon).
    pub completion: Option<f64>,
    /// Hours until the whole order passed the handover point.
    pub handover_completion: Option<f64>,
    /// Delivered by the deadline.
    pub delivered_by_deadline: Tonnes,
    /// Handed over by the deadline.
    pub handed_over_by_deadline: Tonnes,
    /// Delivered by the end.
    pub delivered: Tonnes,
    /// Lost or damaged (and produced again).
    pub lost: Tonnes,
    /// Lots created.
    pub lots: u32,
    /// Events handled.
    pub events: u64,
    /// Clock at the end (hours).
    pub end: f64,
    /// Why it ended: `complete`, `horizon` or `stalled`.
    pub outcome: &'static str,
}

/// Where undelivered tonnes were stuck across incomplete replications.
#[derive(Clone, Debug, PartialEq)]
pub struct Stuck {
    /// Where.
    pub location: Location,
    /// Replications with tonnes stuck there.
    pub replications: u64,
    /// Mean tonnes stuck there in those replications.
    pub mean_tonnes: f64,
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// One row per replication, in order.
    pub rows: Vec<Row>,
    /// Per reported stage, merged over replications.
    pub stages: Vec<StageTally>,
    /// Per reported stage: mean utilisation over replications (`None` where not defined).
    pub utilisation: Vec<Option<f64>>,
    /// Where undelivered tonnes sat, most common first.
    pub stuck: Vec<Stuck>,
    /// The traced replication's per-lot trace.
    pub trace: Option<Trace>,
    /// Events handled in all replications.
    pub events: u64,
    /// Wall-clock time spent simulating.
    pub elapsed: Duration,
}

/// A run that could not produce trustworthy results.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Tonnes were created or destroyed (a model bug).
    #[error(transparent)]
    Conservation(#[from] ConservationError),
    /// A replication exceeded the event limit.
    #[error(
        "replication {replication} handled {events} events (the limit) by day {day:.1} without finishing; \
         raise `limits.max_events` in the scenario if that is expected"
    )]
    EventLimit {
        /// Replication index.
        replication: u64,
        /// Events handled.
        events: u64,
        /// Simulated day reached.
        day: f64,
    },
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {reason}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Why.
        reason: String,
    },
}

/// Replications simulated per chunk and thread: enough to keep every core busy, few
/// enough that a chunk's full results (with histograms) stay small.
const CHUNK_PER_THREAD: u64 = 32;

/// Totals folded from full replication results, in replication order.
struct Fold {
    stages: Vec<StageTally>,
    utilisation_sum: Vec<f64>,
    utilisation_n: Vec<u64>,
    stuck: Vec<(Location, u64, f64)>,
    events: u64,
    trace: Option<Trace>,
}

impl Fold {
    fn new(world: &World) -> Self {
        let n = world.stage_count();
        Fold {
            stages: vec![StageTally::default(); n],
            utilisation_sum: vec![0.0; n],
            utilisation_n: vec![0; n],
            stuck: Vec::new(),
            events: 0,
            trace: None,
        }
    }

    fn add(&mut self, r: &mut ReplicationResult) -> Row {
        for (total, t) in self.stages.iter_mut().zip(&r.stages) {
            total.merge(t);
        }
        for (i, u) in r.utilisation.iter().enumerate() {
            if let Some(u) = u {
                self.utilisation_sum[i] += u;
                self.utilisation_n[i] += 1;
            }
        }
        for (loc, t) in &r.stuck {
            match self.stuck.iter_mut().find(|s| s.0 == *loc) {
                Some(s) => {
                    s.1 += 1;
                    s.2 += t.t();
                }
                None => self.stuck.push((*loc, 1, t.t())),
            }
        }
        self.events += r.events;
        if r.trace.is_some() {
            self.trace = r.trace.take();
        }
        Row {
            index: r.index,
            seed: r.seed,
            completion: r.completion,
            handover_completion: r.handover_completion,
            delivered_by_deadline: r.delivered_by_deadline,
            handed_over_by_deadline: r.handed_over_by_deadline,
            delivered: r.delivered,
            lost: r.lost,
            lots: r.lots,
            events: r.events,
            end: r.end,
            outcome: match r.outcome {
                Outcome::Stopped => "complete",
                Outcome::Horizon => "horizon",
                Outcome::Exhausted => "stalled",
                Outcome::EventLimit => "event_limit",
            },
        }
    }
}

/// Runs one replication of `world` (index `index` of a run seeded `master`).
pub fn replicate(world: &World, master: u64, index: u64, trace: bool) -> Result<ReplicationResult, RunError> {
    let r = Replication::new(world, index, replication_seed(master, index), trace).run()?;
    if r.outcome == Outcome::EventLimit {
        return Err(RunError::EventLimit { replication: index, events: r.events, day: r.end / 24.0 });
    }
    Ok(r)
}

/// Runs the plan. `progress` is called with the number of replications finished so far
/// (from the calling thread, between chunks).
pub fn run(world: &World, plan: &Plan, progress: &mut dyn FnMut(u64)) -> Result<RunOutput, RunError> {
    let began = Instant::now();
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = plan.threads {
        builder = builder.num_threads(t);
    }
    let pool =
        builder.build().map_err(|e| RunError::Threads { threads: plan.threads.unwrap_or(0), reason: e.to_string() })?;
    let chunk = CHUNK_PER_THREAD * pool.current_num_threads() as u64;
    let mut fold = Fold::new(world);
    let mut rows = Vec::with_capacity(plan.replications as usize);
    let mut start = 0;
    while start < plan.replications {
        let end = (start + chunk).min(plan.replications);
        let results: Vec<Result<ReplicationResult, RunError>> = pool.install(|| {
            (start..end).into_par_iter().map(|i| replicate(world, plan.seed, i, plan.trace == Some(i))).collect()
        });
        for r in results {
            rows.push(fold.add(&mut r?));
        }
        progress(end);
        start = end;
    }
    let incomplete = rows.iter().filter(|r| r.completion.is_none()).count() as u64;
    let mut stuck: Vec<Stuck> = fold
        .stuck
        .iter()
        .map(|&(location, reps, sum)| Stuck { location, replications: reps, mean_tonnes: sum / reps as f64 })
        .collect();
    stuck.sort_by(|a, b| {
        b.replications
            .cmp(&a.replications)
            .then(b.mean_tonnes.total_cmp(&a.mean_tonnes))
            .then(a.location.cmp(&b.location))
    });
    debug_assert!(incomplete > 0 || stuck.is_empty());
    let utilisation =
        fold.utilisation_sum.iter().zip(&fold.utilisation_n).map(|(s, n)| (*n > 0).then(|| s / *n as f64)).collect();
    Ok(RunOutput {
        rows,
        stages: fold.stages,
        utilisation,
        stuck,
        trace: fold.trace,
        events: fold.events,
        elapsed: began.elapsed(),
    })
}
