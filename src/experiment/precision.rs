//! Precision-driven runs: add replications in batches until the answers are known to the
//! precision asked for.
//!
//! Replication `r` has the same seed whatever the batch it runs in, so a precision-driven
//! run that stops at N replications gives exactly the results of a plain run of N.

use super::controls::estimates;
use super::{Row, Rows, RunError, RunOutput, Runner, by_deadline};
use crate::model::World;
use crate::stats::proportion::wilson;
use crate::stats::quantile::quantile_interval_censored;
use crate::stats::select::{ranks_for, select_censored};

/// What "precise enough" means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    /// Largest half-width of the 95 % interval of P(on time), at both delivery points (the
    /// control-variate interval where the run gives one, before it is cut to [0, 1], else
    /// Wilson's).
    pub p_half_width: f64,
    /// Largest half-width, in days, of the 95 % interval of the 95 % promise date.
    pub promise_half_width_days: f64,
    /// Replications to start with, and to add per batch.
    pub batch: u64,
    /// Most replications to run.
    pub max: u64,
}

/// How a precision-driven run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Reached {
    /// `true` if every interval is within the target.
    pub reached: bool,
    /// Replications run.
    pub replications: u64,
    /// Half-widths achieved: P(on time) at the destination and at the handover; the 95 %
    /// promise date (days) at the destination and at the handover (`None` if censored).
    pub half_widths: [Option<f64>; 4],
}

fn half_widths(rows: &Rows, world: &World) -> [Option<f64>; 4] {
    let n = rows.len() as usize;
    let p_half = |done: &dyn Fn(&Row) -> Option<f64>| {
        let k = rows.iter().filter(|r| by_deadline(world, done(r))).count() as u64;
        let (lo, hi) = wilson(k, n as u64, 0.95);
        Some((hi - lo) / 2.0)
    };
    let promise_half = |done: &dyn Fn(&Row) -> Option<f64>| {
        let censored = rows.iter().filter(|r| done(r).is_none()).count();
        let ranks = ranks_for(n, &[0.95], 0.95);
        let days = select_censored(n, censored, &ranks, &mut |keep| rows.iter().for_each(|r| keep(done(&r))));
        match quantile_interval_censored(&days, 0.95, 0.95) {
            (Some(Some(lo)), Some(Some(hi))) => Some((hi - lo) / 2.0),
            _ => None,
        }
    };
    let dest = |r: &Row| r.completion_days;
    let hand = |r: &Row| r.handover_completion_days;
    // The interval the summary leads with: control variates' where it gives one.
    let cv = estimates(world, rows, 0.95).map(|e| e.p_on_time.map(|p| p.map(|p| (p.interval.1 - p.interval.0) / 2.0)));
    let cv = cv.unwrap_or_default();
    [cv[0].or_else(|| p_half(&dest)), cv[1].or_else(|| p_half(&hand)), promise_half(&dest), promise_half(&hand)]
}

/// Runs batches until the target is met or `target.max` replications have run.
pub fn run_to_precision(
    world: &World,
    runner: &Runner<'_>,
    target: &Target,
    progress: &mut dyn FnMut(u64),
) -> Result<(RunOutput, Reached), RunError> {
    let mut out = runner.output();
    let mut next = 0u64;
    loop {
        let end = (next + target.batch.max(1)).min(target.max.max(1));
        let base = next;
        out.merge(runner.run(next..end, &mut |done| progress(base + done))?)?;
        next = end;
        let hw = half_widths(&out.rows, world);
        let ok = hw[0].is_some_and(|h| h <= target.p_half_width)
            && hw[1].is_some_and(|h| h <= target.p_half_width)
            && hw[2].is_some_and(|h| h <= target.promise_half_width_days)
            && hw[3].is_some_and(|h| h <= target.promise_half_width_days);
        if ok || next >= target.max {
            return Ok((out, Reached { reached: ok, replications: next, half_widths: hw }));
        }
    }
}
