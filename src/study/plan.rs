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
use std::path::Path;

use serde::Serialize;

use super::params::Values;
use super::sweep::StudyError;
use super::{Point, on_time};
use crate::experiment::{RunOutput, Runner};
use crate::report::summary::LEVEL;
use crate::scenario::{Override, Scenario, load_with};
use crate::stats::proportion::wilson;

/// One evaluation of the search.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    /// The value tried.
    pub value: String,
    /// Replications run at it.
    pub replications: u64,
    /// P(on time) at the chosen point.
    pub p_on_time: f64,
    /// Its Wilson interval.
    pub p_on_time_ci95: [f64; 2],
}

/// How the search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// `answer` reaches the target with confidence and the value below does not reach it.
    Found,
    /// Even the largest value does not reach the target.
    Unreachable,
    /// The cap on replications was reached before the answer became sharp.
    Unresolved,
}

/// The result of a plan search.
#[derive(Clone, Debug, Serialize)]
pub struct PlanResult {
    /// Outcome.
    pub status: Status,
    /// Field varied.
    pub path: String,
    /// Target on-time probability.
    pub target: f64,
    /// Delivery point.
    pub at: Point,
    /// The smallest value reaching the target (lower interval bound at or above it).
    pub answer: Option<Evaluation>,
    /// The value one step below the answer.
    pub below: Option<Evaluation>,
    /// Replications per value at the end.
    pub replications: u64,
    /// Every value tried, last evaluation of each.
    pub evaluations: Vec<Evaluation>,
}

struct Grid<'a> {
    scenarios: Vec<Option<Scenario>>,
    runs: BTreeMap<usize, RunOutput>,
    values: &'a Values,
    path: &'a Path,
    fixed: &'a [Override],
    seed: u64,
    threads: Option<usize>,
    point: Point,
}

impl Grid<'_> {
    /// P(on time) and its interval at grid value `i` with `n` replications.
    fn eval(&mut self, i: usize, n: u64, progress: &mut dyn FnMut(&str, u64)) -> Result<Evaluation, StudyError> {
        if self.scenarios[i].is_none() {
            let mut o = self.fixed.to_vec();
            o.push(Override { path: self.values.path.clone(), value: self.values.values[i].clone() });
            self.scenarios[i] = Some(load_with(self.path, &o)?);
        }
        let sc = self.scenarios[i].as_ref().expect("loaded above");
        let have = self.runs.get(&i).map_or(0, |r| r.rows.len() as u64);
        if have < n {
            progress(&self.values.values[i], n);
            let more: Vec<u64> = (have..n).collect();
            let batch = Runner::new(&sc.world, self.seed, self.threads, None)?.run(&more, &mut |_| {})?;
            self.runs.entry(i).or_insert_with(|| RunOutput::new(&sc.world)).merge(batch);
        }
        let rows = &self.runs[&i].rows[..n as usize];
        let k = rows.iter().map(|r| on_time(&sc.world, self.point, r)).sum::<f64>() as u64;
        let (lo, hi) = wilson(k, n, LEVEL);
        Ok(Evaluation {
            value: self.values.values[i].clone(),
            replications: n,
            p_on_time: k as f64 / n as f64,
            p_on_time_ci95: [lo, hi],
        })
    }
}

/// Searches `values` (ascending) for the smallest one whose on-time probability at `point`
/// reaches `target` with confidence, starting at `start` replications per value and doubling
/// up to `max` as needed.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    scenario: &Path,
    fixed: &[Override],
    values: &Values,
    target: f64,
    point: Point,
    start: u64,
    max: u64,
    seed: u64,
    threads: Option<usize>,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<PlanResult, StudyError> {
    if !(target > 0.0 && target < 1.0) {
        return Err(StudyError::Usage(format!("--target {target}: a target probability lies between 0 and 1")));
    }
    let nums: Vec<f64> = values.values.iter().map(|v| v.parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
        StudyError::Usage(format!("--vary {}: plan varies a number; give LO..HI or LO..HI:STEP", values.path))
    })?;
    if nums.windows(2).any(|w| w[1] <= w[0]) {
        return Err(StudyError::Usage("--vary: the values must increase".into()));
    }
    let mut grid = Grid {
        scenarios: (0..nums.len()).map(|_| None).collect(),
        runs: BTreeMap::new(),
        values,
        path: scenario,
        fixed,
        seed,
        threads,
        point,
    };
    let last = nums.len() - 1;
    let mut n = start.max(10);
    let mut evaluations: BTreeMap<usize, Evaluation> = BTreeMap::new();
    loop {
        let top = grid.eval(last, n, progress)?;
        evaluations.insert(last, top.clone());
        let result = |status, answer, below, evaluations: &BTreeMap<usize, Evaluation>| PlanResult {
            status,
            path: values.path.clone(),
            target,
            at: point,
            answer,
            below,
            replications: n,
            evaluations: evaluations.values().cloned().collect(),
        };
        if top.p_on_time_ci95[0] < target {
            if top.p_on_time < target || n * 2 > max {
                return Ok(result(Status::Unreachable, None, None, &evaluations));
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
            return Ok(result(Status::Found, Some(answer), None, &evaluations));
        }
        let below = grid.eval(lo - 1, n, progress)?;
        evaluations.insert(lo - 1, below.clone());
        if below.p_on_time < target {
            return Ok(result(Status::Found, Some(answer), Some(below), &evaluations));
        }
        if n * 2 > max {
            return Ok(result(Status::Unresolved, Some(answer), Some(below), &evaluations));
        }
        n *= 2;
    }
}
