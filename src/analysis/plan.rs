//! `steelsim plan`: the smallest value of one resource (every integer of a range, or the
//! values given) that makes the success probability reach a target, and the evidence for it.
//!
//! The search halves the range; at each value it tries, a sequential test runs replications
//! in doubling batches until a Wilson interval, at a level that keeps the whole search's error
//! under 5 %, lies on one side of the target. The answer is the smallest value shown to reach
//! the target with the value one step below shown to fall short. When the range's lowest value
//! already reaches it, or its highest never does, or the value below the answer is too close
//! to the target to tell within the cap, the result says so instead of guessing.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{LEVEL, Loader, StudyError, Success, outcomes_to};
use crate::experiment::Plan;
use crate::scenario::params::Values;
use crate::scenario::{Override, Scenario};
use crate::stats::proportion::wilson;

/// What the sequential test concluded about one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Its success probability is at or above the target (the test's lower bound reached it).
    Reaches,
    /// Its success probability is below the target (the test's upper bound fell below it).
    FallsShort,
    /// Neither, within `--max-replications`: its probability is too close to the target to tell.
    Undecided,
}

/// One evaluation of the search.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// The value tried.
    pub value: String,
    /// Replications run at it.
    pub replications: u64,
    /// P(success) by the chosen criterion (`--at`): on time at a point, or the contract met.
    pub p_on_time: f64,
    /// Its Wilson 95 % interval (for reading; the decision uses the wider interval below).
    pub p_on_time_ci95: [f64; 2],
    /// The Wilson interval at the level of each look of the sequential test.
    pub decision_interval: [f64; 2],
    /// What the test concluded.
    pub decision: Decision,
}

/// How the search ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `answer` reaches the target and `below`, the value one step below, falls short.
    Found {
        /// The smallest value reaching the target.
        answer: Evaluation,
        /// The value one step below.
        below: Evaluation,
    },
    /// The least favourable end of the range (the smallest number, or the latest date) already
    /// reaches the target: the true answer may lie beyond the range.
    MetAtRangeEnd {
        /// The end of the range.
        answer: Evaluation,
    },
    /// Even the most favourable value (the largest number, or the earliest date) falls short.
    Unreachable {
        /// The most favourable value.
        best: Evaluation,
    },
    /// `undecided` could not be told from the target within the cap on replications.
    Unresolved {
        /// The smallest value shown to reach the target (`None`: not even the most favourable).
        answer: Option<Evaluation>,
        /// The value one step below the answer (or the most favourable value), undecided.
        undecided: Evaluation,
    },
}

/// The result of a plan search: what `plan.json` holds.
#[derive(Clone, Debug, Serialize)]
#[serde(into = "PlanFile")]
pub struct PlanResult {
    /// How the search ended.
    pub outcome: Outcome,
    /// Field varied.
    pub path: String,
    /// Target on-time probability.
    pub target: f64,
    /// What counts as success.
    pub at: Success,
    /// The probability that every decision the answer rests on is right, at least.
    pub p_correct: f64,
    /// Confidence of the interval at each look of the sequential test.
    pub decision_level: f64,
    /// Replications per value at the first look.
    pub replications_start: u64,
    /// Most replications per value: the last look (`-n` doubled as often as
    /// `--max-replications` allows).
    pub replications_max: u64,
    /// Replications run, summed over every value tried.
    pub replications_total: u64,
    /// Every value tried, last evaluation of each.
    pub evaluations: Vec<Evaluation>,
    /// The values are dates (when to start): the answer is the latest that reaches the
    /// target, and `below` the one a step later.
    pub latest: bool,
}

impl PlanResult {
    /// The status word of `plan.json`.
    pub fn status(&self) -> &'static str {
        match self.outcome {
            Outcome::Found { .. } => "found",
            Outcome::MetAtRangeEnd { .. } => "met_at_range_end",
            Outcome::Unreachable { .. } => "unreachable",
            Outcome::Unresolved { .. } => "unresolved",
        }
    }
}

/// The layout of `plan.json`: the outcome as a status and its two evaluations.
#[derive(Serialize)]
struct PlanFile {
    status: &'static str,
    /// "smallest" (a resource: the smallest value reaching the target) or "latest" (a date:
    /// the latest reaching it; `below` is then the next later date tried).
    direction: &'static str,
    path: String,
    target: f64,
    at: Success,
    answer: Option<Evaluation>,
    below: Option<Evaluation>,
    p_correct: f64,
    decision_level: f64,
    replications_start: u64,
    replications_max: u64,
    replications_total: u64,
    evaluations: Vec<Evaluation>,
}

impl From<PlanResult> for PlanFile {
    fn from(p: PlanResult) -> PlanFile {
        let status = p.status();
        let (answer, below) = match p.outcome {
            Outcome::Found { answer, below } => (Some(answer), Some(below)),
            Outcome::MetAtRangeEnd { answer } => (Some(answer), None),
            Outcome::Unreachable { .. } => (None, None),
            Outcome::Unresolved { answer, undecided } => (answer, Some(undecided)),
        };
        PlanFile {
            status,
            direction: if p.latest { "latest" } else { "smallest" },
            path: p.path,
            target: p.target,
            at: p.at,
            answer,
            below,
            p_correct: p.p_correct,
            decision_level: p.decision_level,
            replications_start: p.replications_start,
            replications_max: p.replications_max,
            replications_total: p.replications_total,
            evaluations: p.evaluations,
        }
    }
}

/// What to search for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Goal {
    /// Target on-time probability.
    pub target: f64,
    /// What counts as success: on time at a point, or the contract met.
    pub at: Success,
    /// Most replications per value.
    pub max_replications: u64,
}

/// The sequential feasibility test's schedule: looks at `start`, twice that, and so on up to
/// `max` replications, each at level `1 - 2 alpha_look` (so each one-sided error is at most
/// `alpha_look`).
struct Schedule {
    start: u64,
    max: u64,
    level: f64,
}

impl Schedule {
    /// Splits the error `1 - LEVEL` evenly over every look of every value the search can
    /// decide: the top of the range, one per halving, and the answer's neighbour.
    fn new(start: u64, max: u64, values: usize) -> Schedule {
        let looks = 1 + (max.max(start) / start).ilog2();
        let decisions = 3 + (values as f64).log2().ceil() as u64;
        let alpha_look = (1.0 - LEVEL) / (u64::from(looks) * decisions) as f64;
        // The last look: the cap, rounded down to the start doubled a whole number of times.
        Schedule { start, max: start << (looks - 1), level: 1.0 - 2.0 * alpha_look }
    }
}

struct Grid<'a> {
    scenarios: Vec<Option<Scenario>>,
    /// Per value tried: whether each replication succeeded, in replication order.
    runs: BTreeMap<usize, Vec<bool>>,
    decided: BTreeMap<usize, Evaluation>,
    values: &'a Values,
    load: Loader<'a>,
    plan: &'a Plan,
    point: Success,
    target: f64,
    schedule: Schedule,
}

impl Grid<'_> {
    /// Value `i` decided: looks at doubling replications until the interval at the test's
    /// level lies on one side of the target, or the cap is reached. Decisions are kept.
    fn decide(&mut self, i: usize, progress: &mut dyn FnMut(&str, u64)) -> Result<Evaluation, StudyError> {
        if let Some(e) = self.decided.get(&i) {
            return Ok(e.clone());
        }
        let mut n = self.schedule.start;
        loop {
            let e = self.eval(i, n, progress)?;
            if e.decision != Decision::Undecided || n >= self.schedule.max {
                self.decided.insert(i, e.clone());
                return Ok(e);
            }
            n *= 2;
        }
    }

    /// P(on time) and its intervals at value `i` with `n` replications (those already run are
    /// kept: replication `r` is the same whatever the batch).
    fn eval(&mut self, i: usize, n: u64, progress: &mut dyn FnMut(&str, u64)) -> Result<Evaluation, StudyError> {
        if self.scenarios[i].is_none() {
            let o =
                [Override { path: self.values.path.clone(), value: self.values.values[i].clone(), option: "--vary" }];
            self.scenarios[i] = Some((self.load)(&o)?);
        }
        let sc = self.scenarios[i].as_ref().expect("loaded above");
        self.point.check(&sc.world)?;
        let met = self.runs.entry(i).or_default();
        if (met.len() as u64) < n {
            progress(&self.values.values[i], n);
            let (world, point) = (&sc.world, self.point);
            outcomes_to(world, self.plan, point.decided_by(world), met, n, |r| point.met(world, r))?;
        }
        let k = met.iter().take(n as usize).filter(|met| **met).count() as u64;
        let (lo, hi) = wilson(k, n, LEVEL);
        let (dlo, dhi) = wilson(k, n, self.schedule.level);
        let decision = if dlo >= self.target {
            Decision::Reaches
        } else if dhi < self.target {
            Decision::FallsShort
        } else {
            Decision::Undecided
        };
        Ok(Evaluation {
            value: self.values.values[i].clone(),
            replications: n,
            p_on_time: k as f64 / n as f64,
            p_on_time_ci95: [lo, hi],
            decision_interval: [dlo, dhi],
            decision,
        })
    }
}

/// Searches `values` (ascending) for the smallest one whose on-time probability at
/// `goal.at` reaches `goal.target` (for dates: the latest), by bisection over the values with
/// a sequential feasibility test at each value tried.
///
/// The test looks at `plan.replications` replications, then twice as many, up to
/// `goal.max_replications`, and decides "reaches" when the Wilson interval at the look's
/// level lies at or above the target, "falls short" when it lies below. The error `1 - LEVEL`
/// is split evenly (Bonferroni) over every look of every value the search can decide, so the
/// answer, which rests on at most that many decisions, is right with probability at least
/// `LEVEL`, assuming success grows with the value. Every value runs the same replications
/// (common random numbers), so neighbouring values differ only where the change matters.
pub fn plan(
    load: Loader<'_>,
    values: &Values,
    goal: Goal,
    plan: &Plan,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<PlanResult, StudyError> {
    let Goal { target, at: point, max_replications: max } = goal;
    if !(target > 0.0 && target < 1.0) {
        return Err(StudyError::Usage(format!("--target {target}: a target probability lies between 0 and 1")));
    }
    // Dates (when to start) succeed less the later they are: searched latest first, the
    // search for the smallest index that reaches the target finds the latest date.
    let dates: Option<Vec<jiff::civil::Date>> = values.values.iter().map(|v| v.parse().ok()).collect();
    let latest = dates.is_some();
    let increasing = match &dates {
        Some(d) => d.windows(2).all(|w| w[1] > w[0]),
        None => {
            let nums: Vec<f64> =
                values.values.iter().map(|v| v.parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
                    StudyError::Usage(format!(
                        "--vary {}: plan varies a number or a date; give LO..HI (integers), LO..HI:STEP or \
                     dates 2025-08-01..2025-09-15:7d",
                        values.path
                    ))
                })?;
            nums.windows(2).all(|w| w[1] > w[0])
        }
    };
    if !increasing {
        return Err(StudyError::Usage("--vary: the values must increase".into()));
    }
    let reversed;
    let values = if latest {
        reversed = Values { path: values.path.clone(), values: values.values.iter().rev().cloned().collect() };
        &reversed
    } else {
        values
    };
    let Some(last) = values.values.len().checked_sub(1) else {
        return Err(StudyError::Usage(format!("--vary {}: no values to try", values.path)));
    };
    let start = plan.replications.max(10);
    let schedule = Schedule::new(start, max, values.values.len());
    let mut grid = Grid {
        scenarios: (0..values.values.len()).map(|_| None).collect(),
        runs: BTreeMap::new(),
        decided: BTreeMap::new(),
        values,
        load,
        plan,
        point,
        target,
        schedule,
    };
    let outcome = search(&mut grid, last, progress)?;
    Ok(PlanResult {
        outcome,
        path: values.path.clone(),
        target,
        at: point,
        p_correct: LEVEL,
        decision_level: grid.schedule.level,
        replications_start: start,
        replications_max: grid.schedule.max,
        replications_total: grid.runs.values().map(|r| r.len() as u64).sum(),
        evaluations: grid.decided.into_values().collect(),
        latest,
    })
}

/// Bisection for the smallest index that reaches the target; an undecided value counts as
/// not reaching it, so the answer is always a value shown to reach it.
fn search(grid: &mut Grid<'_>, last: usize, progress: &mut dyn FnMut(&str, u64)) -> Result<Outcome, StudyError> {
    let top = grid.decide(last, progress)?;
    match top.decision {
        Decision::FallsShort => return Ok(Outcome::Unreachable { best: top }),
        Decision::Undecided => return Ok(Outcome::Unresolved { answer: None, undecided: top }),
        Decision::Reaches => {}
    }
    let (mut lo, mut hi) = (0usize, last);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if grid.decide(mid, progress)?.decision == Decision::Reaches {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let answer = grid.decide(lo, progress)?;
    if lo == 0 {
        return Ok(Outcome::MetAtRangeEnd { answer });
    }
    // `lo - 1` was decided during the bisection (the last halving that moved `lo` past it).
    let below = grid.decide(lo - 1, progress)?;
    Ok(match below.decision {
        Decision::FallsShort => Outcome::Found { answer, below },
        _ => Outcome::Unresolved { answer: Some(answer), undecided: below },
    })
}
