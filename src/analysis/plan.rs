//! `steelsim plan`: the smallest value of one resource (on a grid) that makes the on-time
//! probability reach a target, and the evidence for it.
//!
//! The answer is the smallest grid value whose 95 % interval lies at or above the target. It
//! is *sharp* when the value one step below does not reach the target even at its point
//! estimate. With common random numbers one step flips only some replications, so near the
//! boundary the two can be indistinguishable at a given number of replications; the search
//! then doubles the replications (reusing those already run: replication `r` is the same
//! whatever the batch) until the answer is sharp or the cap is reached, and says which.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{LEVEL, Loader, StudyError, Success};
use crate::experiment::{Plan, RunOutput, Runner};
use crate::scenario::params::Values;
use crate::scenario::{Override, Scenario};
use crate::stats::proportion::wilson;

/// One evaluation of the search.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// The value tried.
    pub value: String,
    /// Replications run at it.
    pub replications: u64,
    /// P(success) by the chosen criterion (`--at`): on time at a point, or the contract met.
    pub p_on_time: f64,
    /// Its Wilson interval.
    pub p_on_time_ci95: [f64; 2],
}

/// How the search ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `answer` reaches the target with confidence and `below`, the value one step below,
    /// does not reach it (`None` when the answer is the lowest value of the range).
    Found {
        /// The smallest value reaching the target (lower interval bound at or above it).
        answer: Evaluation,
        /// The value one step below.
        below: Option<Evaluation>,
    },
    /// Even the largest value does not reach the target.
    Unreachable,
    /// The cap on replications was reached before the answer could be told apart from the
    /// value below.
    Unresolved {
        /// The smallest value whose interval reaches the target.
        answer: Evaluation,
        /// The value one step below, which reaches it at its point estimate.
        below: Evaluation,
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
    /// Replications per value at the end.
    pub replications: u64,
    /// Every value tried, last evaluation of each.
    pub evaluations: Vec<Evaluation>,
    /// The values are dates (when to start): the answer is the latest that reaches the
    /// target, and `below` the one a step later.
    pub latest: bool,
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
    replications: u64,
    evaluations: Vec<Evaluation>,
}

impl From<PlanResult> for PlanFile {
    fn from(p: PlanResult) -> PlanFile {
        let (status, answer, below) = match p.outcome {
            Outcome::Found { answer, below } => ("found", Some(answer), below),
            Outcome::Unreachable => ("unreachable", None, None),
            Outcome::Unresolved { answer, below } => ("unresolved", Some(answer), Some(below)),
        };
        PlanFile {
            status,
            direction: if p.latest { "latest" } else { "smallest" },
            path: p.path,
            target: p.target,
            at: p.at,
            answer,
            below,
            replications: p.replications,
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

struct Grid<'a> {
    scenarios: Vec<Option<Scenario>>,
    runs: BTreeMap<usize, RunOutput>,
    values: &'a Values,
    load: Loader<'a>,
    plan: &'a Plan,
    point: Success,
}

impl Grid<'_> {
    /// P(on time) and its interval at grid value `i` with `n` replications.
    fn eval(&mut self, i: usize, n: u64, progress: &mut dyn FnMut(&str, u64)) -> Result<Evaluation, StudyError> {
        if self.scenarios[i].is_none() {
            let o =
                [Override { path: self.values.path.clone(), value: self.values.values[i].clone(), option: "--vary" }];
            self.scenarios[i] = Some((self.load)(&o)?);
        }
        let sc = self.scenarios[i].as_ref().expect("loaded above");
        self.point.check(&sc.world)?;
        let have = self.runs.get(&i).map_or(0, |r| r.rows.len());
        if have < n {
            progress(&self.values.values[i], n);
            let batch = Runner::new(&sc.world, self.plan.seed, self.plan.threads)?.run(have..n, &mut |_| {})?;
            self.runs.entry(i).or_insert_with(|| RunOutput::new(&sc.world)).merge(batch)?;
        }
        let rows = self.runs[&i].rows.iter().take(n as usize);
        let k = rows.filter(|r| self.point.met(&sc.world, r)).count() as u64;
        let (lo, hi) = wilson(k, n, LEVEL);
        Ok(Evaluation {
            value: self.values.values[i].clone(),
            replications: n,
            p_on_time: k as f64 / n as f64,
            p_on_time_ci95: [lo, hi],
        })
    }
}

/// Searches `values` (ascending) for the smallest one whose on-time probability at
/// `goal.at` reaches `goal.target` with confidence (for dates: the latest), starting at
/// `plan.replications` replications per value and doubling up to `goal.max_replications`
/// as needed.
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
            let nums: Vec<f64> = values.values.iter().map(|v| v.parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
                StudyError::Usage(format!(
                    "--vary {}: plan varies a number or a date; give LO..HI:STEP (dates: 2025-08-01..2025-09-15:7d)",
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
    let mut grid = Grid {
        scenarios: (0..values.values.len()).map(|_| None).collect(),
        runs: BTreeMap::new(),
        values,
        load,
        plan,
        point,
    };
    let mut n = plan.replications.max(10);
    let mut evaluations: BTreeMap<usize, Evaluation> = BTreeMap::new();
    loop {
        let top = grid.eval(last, n, progress)?;
        evaluations.insert(last, top.clone());
        let result = |outcome, evaluations: &BTreeMap<usize, Evaluation>| PlanResult {
            outcome,
            path: values.path.clone(),
            target,
            at: point,
            replications: n,
            evaluations: evaluations.values().cloned().collect(),
            latest,
        };
        if top.p_on_time_ci95[0] < target {
            if top.p_on_time < target || n * 2 > max {
                return Ok(result(Outcome::Unreachable, &evaluations));
            }
            n *= 2;
            continue;
        }
        // Smallest grid index whose lower bound reaches the target (monotone in the value).
        let (mut lo, mut hi) = (0usize, last);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let e = grid.eval(mid, n, progress)?;
            let ok = e.p_on_time_ci95[0] >= target;
            evaluations.insert(mid, e);
            if ok {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let answer = grid.eval(lo, n, progress)?;
        evaluations.insert(lo, answer.clone());
        if lo == 0 {
            return Ok(result(Outcome::Found { answer, below: None }, &evaluations));
        }
        let below = grid.eval(lo - 1, n, progress)?;
        evaluations.insert(lo - 1, below.clone());
        if below.p_on_time < target {
            return Ok(result(Outcome::Found { answer, below: Some(below) }, &evaluations));
        }
        if n * 2 > max {
            return Ok(result(Outcome::Unresolved { answer, below }, &evaluations));
        }
        n *= 2;
    }
}
