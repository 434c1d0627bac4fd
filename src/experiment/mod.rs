//! Many replications of one world, in parallel, with results that do not depend on the
//! number of threads, on sharding, or on how many batches a precision-driven run took.
//!
//! Replication `r` always gets the seed `replication_seed(master, r)`, whichever thread or
//! machine runs it. Each replication's small [`Row`] is kept; everything else is folded into
//! [`Aggregates`], whose totals are exact (integer counts, fixed-point sums, fixed-bin
//! histograms), so they can be formed on any thread and merged in any order.

pub mod aggregate;
pub mod batch;
pub mod controls;
pub(crate) mod interrupt;
pub mod precision;
pub mod rows;

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::engine::random::replication_seed;
use crate::engine::{Outcome, Time};
use crate::model::status::Status;
use crate::model::units::days;
use crate::model::{Checks, Replication, ReplicationError, ReplicationResult, Tonnes, Trace, World};

pub use aggregate::Aggregates;
pub use rows::Rows;

/// Which replications a run covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard's number, from 0.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Number of replications (of the whole run, when sharded).
    pub replications: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Replication whose per-lot trace is kept.
    pub trace: Option<u64>,
}

/// The row kept for each replication.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    /// Replication index.
    pub index: u64,
    /// Its seed.
    pub seed: u64,
    /// Days until the whole order reached its destinations (`None`: not by the horizon).
    pub completion_days: Option<f64>,
    /// Days until the whole order passed the handover point.
    pub handover_completion_days: Option<f64>,
    /// Delivered by the deadline.
    pub delivered_by_deadline: Tonnes,
    /// Handed over by the deadline.
    pub handed_over_by_deadline: Tonnes,
    /// Delivered by the end.
    pub delivered: Tonnes,
    /// Lost or damaged (and produced again).
    pub lost: Tonnes,
    /// Made by another mill than the one planned.
    pub reallocated: Tonnes,
    /// Lots created.
    pub lots: u32,
    /// Events handled.
    pub events: u64,
    /// Clock at the end, days.
    pub end_days: f64,
    /// Why it ended.
    pub outcome: Ending,
    /// Costs incurred (transport, handling, storage).
    pub cost: f64,
    /// Late-delivery penalties.
    pub penalty: f64,
    /// Under the contract (if any): what was judged of this replication.
    pub contract: Option<ContractRow>,
}

/// A replication judged under the contract: what `replications.csv` keeps of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContractRow {
    /// Days until the floor of the order (its quantity less the tolerance) was delivered at
    /// the contract's delivery point (`None`: not by the end).
    pub completion_days: Option<f64>,
    /// Call-offs met.
    pub calloffs_met: u32,
    /// Liquidated damages owed (0 without damages terms).
    pub damages: f64,
    /// The damages reached the cap.
    pub damages_at_cap: bool,
    /// Costs the seller pays under the Incoterm.
    pub seller_cost: f64,
    /// Costs the buyer pays.
    pub buyer_cost: f64,
    /// Insurance premiums the seller paid.
    pub premium: f64,
    /// Claims the insurer paid.
    pub claims: f64,
    /// The value of goods lost at the seller's risk, less the claims on them.
    pub seller_loss: f64,
    /// The same at the buyer's risk.
    pub buyer_loss: f64,
}

/// Why a replication ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// Every tonne reached its destination.
    Complete,
    /// The horizon came first.
    Horizon,
    /// Nothing was left to happen, yet the order was not complete (a closure outlasting
    /// the horizon, carriers that never come).
    Stalled,
    /// The event limit was reached.
    EventLimit,
}

impl Ending {
    /// The word `replications.csv` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Ending::Complete => "complete",
            Ending::Horizon => "horizon",
            Ending::Stalled => "stalled",
            Ending::EventLimit => "event_limit",
        }
    }

    /// The ending a word of `replications.csv` names.
    pub fn parse(word: &str) -> Option<Ending> {
        [Ending::Complete, Ending::Horizon, Ending::Stalled, Ending::EventLimit]
            .into_iter()
            .find(|e| e.as_str() == word)
    }
}

impl From<Outcome> for Ending {
    fn from(o: Outcome) -> Ending {
        match o {
            Outcome::Stopped => Ending::Complete,
            Outcome::Horizon => Ending::Horizon,
            Outcome::Exhausted => Ending::Stalled,
            Outcome::EventLimit => Ending::EventLimit,
        }
    }
}

/// Whether a completion (in days since the start; `None`: not by the horizon) came by the
/// world's deadline: what "on time" means wherever a run or a study counts it.
pub fn by_deadline(world: &World, completion_days: Option<f64>) -> bool {
    completion_days.is_some_and(|d| d <= days(world.deadline.value()))
}

impl Row {
    /// What the run keeps of a replication.
    pub fn of(r: &ReplicationResult) -> Row {
        Row {
            index: r.index,
            seed: r.seed,
            completion_days: r.completion.map(|t| days(t.value())),
            handover_completion_days: r.handover_completion.map(|t| days(t.value())),
            delivered_by_deadline: r.delivered_by_deadline,
            handed_over_by_deadline: r.handed_over_by_deadline,
            delivered: r.delivered,
            lost: r.lost,
            reallocated: r.reallocated,
            lots: r.lots,
            events: r.events,
            end_days: days(r.end.value()),
            outcome: r.outcome.into(),
            cost: r.cost,
            penalty: r.penalty,
            contract: r.contract.as_ref().map(|c| ContractRow {
                completion_days: c.complete.map(|t| days(t.value())),
                calloffs_met: u32::try_from(c.met()).unwrap_or(u32::MAX),
                damages: c.damages,
                damages_at_cap: c.at_cap,
                seller_cost: r.cost_seller,
                buyer_cost: r.cost_buyer,
                premium: r.loss_costs.premium,
                claims: r.loss_costs.claims,
                seller_loss: r.loss_costs.seller,
                buyer_loss: r.loss_costs.buyer,
            }),
        }
    }
}

/// Everything a run produced.
#[derive(Debug)]
pub struct RunOutput {
    /// One row per replication, in replication order.
    pub rows: Rows,
    /// Totals over replications.
    pub agg: Aggregates,
    /// The traced replications' per-lot traces, in replication order.
    pub traces: Vec<(u64, Trace)>,
    /// Wall-clock time spent simulating.
    pub elapsed: Duration,
}

impl RunOutput {
    /// An empty output for `world`.
    pub fn new(world: &World) -> Self {
        RunOutput { rows: Rows::default(), agg: Aggregates::new(world), traces: Vec::new(), elapsed: Duration::ZERO }
    }

    /// Adds the replications of another output (another batch, another shard).
    pub fn merge(&mut self, other: RunOutput) -> Result<(), RunError> {
        self.rows.merge(other.rows)?;
        self.agg.merge(&other.agg);
        self.traces.extend(other.traces);
        self.traces.sort_by_key(|t| t.0);
        self.elapsed += other.elapsed;
        Ok(())
    }
}

/// A run that could not produce trustworthy results.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Tonnes were created or destroyed, or an invariant broke (a model bug).
    #[error(transparent)]
    Model(#[from] ReplicationError),
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
    /// The user interrupted the run (Ctrl-C).
    #[error("interrupted after {done} replications; nothing was written")]
    Interrupted {
        /// Replications finished before the stop.
        done: u64,
    },
    /// The rows could not be kept.
    #[error(transparent)]
    Rows(#[from] rows::SpillError),
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {reason}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Why.
        reason: String,
    },
}

/// Runs one replication of `world` (index `index` of a run seeded `master`) with the
/// invariant checks of this build.
pub fn replicate(world: &World, master: u64, index: u64, trace: bool) -> Result<ReplicationResult, RunError> {
    replicate_checked(world, master, index, trace, Checks::for_build())
}

/// Runs one replication with the given invariant checks.
pub fn replicate_checked(
    world: &World,
    master: u64,
    index: u64,
    trace: bool,
    checks: Checks,
) -> Result<ReplicationResult, RunError> {
    replicate_until(world, master, index, Record::Whole { trace }, checks, None)
}

/// What a replication records besides its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Record {
    /// Its day-by-day series and stage tallies, and its per-lot trace if `trace`: a run's.
    Whole {
        /// Keep the per-lot trace.
        trace: bool,
    },
    /// Only the outcome, as studies read it ([`Replication::outcome_only`]).
    OutcomeOnly,
}

/// [`replicate_checked`], ended at `until` if given (see [`Replication::until`]), recording
/// what `record` says.
fn replicate_until(
    world: &World,
    master: u64,
    index: u64,
    record: Record,
    checks: Checks,
    until: Option<Time>,
) -> Result<ReplicationResult, RunError> {
    let trace = record == Record::Whole { trace: true };
    let mut r = Replication::new(world, index, replication_seed(master, index), trace)
        .with_checks(checks)
        .until(until)
        .with_cancel(interrupt::flag());
    if record == Record::OutcomeOnly {
        r = r.outcome_only();
    }
    let r = r.run().map_err(|e| match e {
        ReplicationError::Cancelled { .. } => RunError::Interrupted { done: 0 },
        other => RunError::Model(other),
    })?;
    if r.outcome == Outcome::EventLimit {
        return Err(RunError::EventLimit { replication: index, events: r.events, day: days(r.end.value()) });
    }
    Ok(r)
}

/// Where every tonne of replication `index` of a run seeded `master` is at `at` (or at its
/// end, if it ends before).
pub fn status_at(world: &World, master: u64, index: u64, at: Time) -> Result<Status, RunError> {
    Replication::new(world, index, replication_seed(master, index), false)
        .with_cancel(interrupt::flag())
        .status_at(at)
        .map_err(|e| match e {
            ReplicationError::Cancelled { .. } => RunError::Interrupted { done: 0 },
            other => RunError::Model(other),
        })
}

/// A pool of `threads` workers (one per core if `None`).
fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, RunError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t);
    }
    builder.build().map_err(|e| RunError::Threads { threads: threads.unwrap_or(0), reason: e.to_string() })
}

/// Replications simulated between progress reports, per thread.
const CHUNK_PER_THREAD: usize = 64;

/// Called between chunks of replications with every worker's accumulator.
type Between<'a, A> = &'a mut dyn FnMut(&mut [Mutex<A>]) -> Result<(), RunError>;

/// What a worker folds its replications into: the rows of the chunk under way, and totals.
type Acc = (Vec<Row>, Aggregates, Vec<(u64, Trace)>);

/// Which replications keep their per-lot trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tracing {
    /// None.
    Off,
    /// These (a run's `shipments.csv`).
    Only(Vec<u64>),
    /// Every one (for measures over lots, as calibration makes).
    All,
}

impl Tracing {
    fn traces(&self, index: u64) -> bool {
        match self {
            Tracing::Off => false,
            Tracing::Only(these) => these.contains(&index),
            Tracing::All => true,
        }
    }
}

/// Runs replications on a thread pool: the only way replications run, whatever is made of
/// them (a run's totals, a study's points, calibration's measures).
#[derive(Debug)]
pub struct Runner<'w> {
    world: &'w World,
    seed: u64,
    tracing: Tracing,
    pool: rayon::ThreadPool,
    checks: Checks,
    in_memory: usize,
    /// Set, the run stops before its next replication (a newer request replaced it).
    cancel: Option<&'w std::sync::atomic::AtomicBool>,
    /// Every replication ends here (see [`Runner::until`]).
    until: Option<Time>,
}

impl<'w> Runner<'w> {
    /// A runner for `world` with master seed `seed` on `threads` workers (one per core if
    /// `None`), tracing no replication.
    pub fn new(world: &'w World, seed: u64, threads: Option<usize>) -> Result<Self, RunError> {
        Ok(Runner {
            world,
            seed,
            tracing: Tracing::Off,
            pool: thread_pool(threads)?,
            checks: Checks::for_build(),
            in_memory: rows::IN_MEMORY,
            cancel: None,
            until: None,
        })
    }

    /// Ends every replication at `at` (or its horizon, if sooner): for studies that only ask
    /// whether the order arrived by then, which is the same as in the whole replication
    /// ([`Replication::until`]). Its completion and the contract's later call-offs are not
    /// known, so its rows and totals are not a run's.
    pub fn until(mut self, at: Option<Time>) -> Self {
        self.until = at;
        self
    }

    /// Stops the run, as an interrupt does, once `flag` is set.
    pub fn cancelled_by(mut self, flag: &'w std::sync::atomic::AtomicBool) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// A runner for a plan's seed, threads and traced replication.
    pub fn for_plan(world: &'w World, plan: &Plan) -> Result<Self, RunError> {
        Ok(Runner::new(world, plan.seed, plan.threads)?
            .tracing(plan.trace.map_or(Tracing::Off, |i| Tracing::Only(vec![i]))))
    }

    /// Which replications keep their per-lot trace.
    pub fn tracing(mut self, tracing: Tracing) -> Self {
        self.tracing = tracing;
        self
    }

    /// Worker threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Holds at most `rows` replications' rows in memory, the others on disk (by default
    /// [`rows::IN_MEMORY`]).
    pub fn rows_in_memory(mut self, rows: usize) -> Self {
        self.in_memory = rows;
        self
    }

    /// An empty output that keeps rows as this runner does.
    pub fn output(&self) -> RunOutput {
        RunOutput { rows: Rows::new(self.in_memory), ..RunOutput::new(self.world) }
    }

    /// Checks every invariant after every event (`--check`).
    pub fn full_checks(mut self, on: bool) -> Self {
        if on {
            self.checks = Checks::Full;
        }
        self
    }

    /// Runs the replications `indices` (in any order, on any thread), giving each result to
    /// `keep` with the accumulator of the worker that ran it; after each chunk of consecutive
    /// indices, calls `between` with every accumulator and `progress` with the number
    /// finished. Returns the accumulators.
    fn each<A: Send>(
        &self,
        indices: &mut dyn Iterator<Item = u64>,
        progress: &mut dyn FnMut(u64),
        new: impl Fn() -> A,
        keep: impl Fn(&mut A, ReplicationResult) + Sync,
        between: Between<'_, A>,
    ) -> Result<Vec<A>, RunError> {
        let threads = self.pool.current_num_threads().max(1);
        // One accumulator per worker for the whole run, merged once at the end: folding into
        // fresh accumulators per chunk made the main thread merge (and the workers regrow)
        // every daily series while the other cores idled. A worker only ever locks its own
        // slot, so the locks are never contended.
        let mut slots: Vec<Mutex<A>> = (0..threads).map(|_| Mutex::new(new())).collect();
        let chunk = CHUNK_PER_THREAD * threads;
        let mut done = 0;
        loop {
            let part: Vec<u64> = (&mut *indices).take(chunk).collect();
            if part.is_empty() {
                break;
            }
            self.pool.install(|| {
                part.par_iter().try_for_each(|&i| -> Result<(), RunError> {
                    let cancelled = self.cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed));
                    if interrupt::stop_requested() || cancelled {
                        return Err(RunError::Interrupted { done });
                    }
                    let record = Record::Whole { trace: self.tracing.traces(i) };
                    let r = replicate_until(self.world, self.seed, i, record, self.checks, self.until).map_err(
                        |e| match e {
                            RunError::Interrupted { .. } => RunError::Interrupted { done },
                            other => other,
                        },
                    )?;
                    let slot = rayon::current_thread_index().unwrap_or(0) % threads;
                    keep(&mut slots[slot].lock().unwrap_or_else(PoisonError::into_inner), r);
                    Ok(())
                })
            })?;
            between(&mut slots)?;
            done += part.len() as u64;
            progress(done);
        }
        Ok(slots.into_iter().map(|s| s.into_inner().unwrap_or_else(PoisonError::into_inner)).collect())
    }

    /// Runs the replications `indices` (ascending) and folds them into rows and exact totals.
    /// Totals are exact, so which worker added which replication does not change a bit of
    /// the result; rows go to the run's store chunk by chunk, in replication order, so that
    /// a run of any size holds only a chunk of them in memory.
    pub fn run(
        &self,
        indices: impl IntoIterator<Item = u64>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<RunOutput, RunError> {
        let began = Instant::now();
        let mut out = self.output();
        let rows = &mut out.rows;
        let slots = self.each(
            &mut indices.into_iter(),
            progress,
            || (Vec::new(), Aggregates::new(self.world), Vec::new()),
            |(rows, agg, traces): &mut Acc, mut r| {
                rows.push(Row::of(&r));
                agg.add(&r);
                if let Some(t) = r.trace.take() {
                    traces.push((r.index, t));
                }
            },
            &mut |slots: &mut [Mutex<Acc>]| {
                let mut chunk: Vec<Row> = Vec::new();
                for slot in slots {
                    chunk.append(&mut slot.get_mut().unwrap_or_else(PoisonError::into_inner).0);
                }
                chunk.sort_by_key(|r| r.index);
                for r in chunk {
                    rows.push(r)?;
                }
                Ok(())
            },
        )?;
        for (_, agg, traces) in slots {
            out.agg.merge(&agg);
            out.traces.extend(traces);
        }
        out.traces.sort_by_key(|t| t.0);
        out.elapsed = began.elapsed();
        Ok(out)
    }

    /// Runs the replications `indices` and returns `f` of each, in the order of `indices`.
    pub fn map<T: Send>(
        &self,
        indices: &[u64],
        progress: &mut dyn FnMut(u64),
        f: impl Fn(&ReplicationResult) -> T + Sync,
    ) -> Result<Vec<T>, RunError> {
        let slots = self.each(
            &mut indices.iter().copied(),
            progress,
            Vec::new,
            |acc: &mut Vec<(u64, T)>, r| acc.push((r.index, f(&r))),
            &mut |_| Ok(()),
        )?;
        let mut all: Vec<(u64, T)> = slots.into_iter().flatten().collect();
        let position: std::collections::HashMap<u64, usize> =
            indices.iter().enumerate().map(|(k, i)| (*i, k)).collect();
        all.sort_by_key(|(i, _)| position.get(i).copied().unwrap_or(usize::MAX));
        Ok(all.into_iter().map(|(_, t)| t).collect())
    }
}

/// The replication indices a (possibly sharded) run of `n` covers: all of them, or
/// `index, index + count, ...`.
pub fn indices(n: u64, shard: Option<Shard>) -> std::iter::StepBy<std::ops::Range<u64>> {
    match shard {
        None => (0..n).step_by(1),
        Some(s) => (s.index.min(n)..n).step_by(usize::try_from(s.count.max(1)).unwrap_or(usize::MAX)),
    }
}

/// Runs the plan. `progress` is called with the number of replications finished so far.
pub fn run(world: &World, plan: &Plan, progress: &mut dyn FnMut(u64)) -> Result<RunOutput, RunError> {
    Runner::for_plan(world, plan)?.run(indices(plan.replications, None), progress)
}
