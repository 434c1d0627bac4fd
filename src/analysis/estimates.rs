//! The estimates `summary.json` is made of: completion at a delivery point (mean and
//! quantiles, each with its interval), P(on time), the promises and the guarantee at each
//! confidence, from the replications' rows.

use super::LEVEL;
use super::summary::{Completion, Delivery, GuaranteeAt, Interval, Promise, TonnesByDeadline};
use crate::experiment::{Row, Rows};
use crate::model::World;
use crate::model::units::{date_after, days};
use crate::stats::exact::Moments;
use crate::stats::proportion::wilson;
use crate::stats::quantile::{Censored, quantile, quantile_censored, quantile_interval, quantile_interval_censored};
use crate::stats::select::{Ordered, Selected, ranks_for, select_censored, select_values};

pub(crate) fn interval(b: (Option<f64>, Option<f64>)) -> Interval {
    [b.0, b.1]
}

pub(crate) fn interval_censored(b: (Option<Censored>, Option<Censored>)) -> Interval {
    [b.0.flatten(), b.1.flatten()]
}

pub(crate) fn mean_ci(m: &Moments) -> Interval {
    m.mean_ci(LEVEL).map_or([None, None], |(a, b)| [Some(a), Some(b)])
}

/// Completion days at a point: their count, the moments of those known, and the order
/// statistics the estimates read (found by selection: a run's rows may be on disk).
pub(crate) struct Days {
    pub(crate) sorted: Selected<Censored>,
    pub(crate) known: Moments,
    pub(crate) censored: u64,
    /// Replications complete by the `due` day `days_of` was given.
    pub(crate) by_due: u64,
}

/// Quantiles every completion reports (with `completion`'s).
const COMPLETION_PS: [f64; 4] = [0.5, 0.9, 0.95, 0.99];

/// The completion days `f` reads off each row, with the order statistics for the quantiles
/// of [`completion`] and those at `ps`, each with its interval, and how many were complete by
/// the day `due`.
pub(crate) fn days_of(rows: &Rows, ps: &[f64], due: f64, f: impl Fn(&Row) -> Option<f64>) -> Days {
    let (mut known, mut censored, mut by_due, mut n) = (Moments::default(), 0u64, 0u64, 0usize);
    for r in rows.iter() {
        n += 1;
        match f(&r) {
            Some(d) => {
                known.add(d);
                by_due += u64::from(d <= due);
            }
            None => censored += 1,
        }
    }
    let ranks = ranks_for(n, &[&COMPLETION_PS[..], ps].concat(), LEVEL);
    let sorted = select_censored(n, censored as usize, &ranks, &mut |keep| rows.iter().for_each(|r| keep(f(&r))));
    Days { sorted, known, censored, by_due }
}

/// The values `f` reads off each row, with their moments and the order statistics for the
/// quantiles at `ps`, each with its interval.
pub(crate) fn values_of(rows: &Rows, ps: &[f64], f: impl Fn(&Row) -> f64) -> (Selected<f64>, Moments) {
    let mut m = Moments::default();
    rows.iter().for_each(|r| m.add(f(&r)));
    let ranks = ranks_for(m.n as usize, ps, LEVEL);
    (select_values(m.n as usize, &ranks, &mut |keep| rows.iter().for_each(|r| keep(f(&r)))), m)
}

/// Completion days and tonnes by the deadline at a point.
pub(super) struct Sample {
    pub(super) days: Days,
    tonnes: Selected<f64>,
    tonnes_moments: Moments,
}

pub(super) fn sample(
    world: &World,
    rows: &Rows,
    completion: impl Fn(&Row) -> Option<f64>,
    by_deadline: impl Fn(&Row) -> f64,
) -> Sample {
    let deadline = days(world.deadline.value());
    let confidence = &world.order.confidence;
    let tonnes_ps: Vec<f64> = [0.05, 0.5].into_iter().chain(confidence.iter().map(|c| 1.0 - c)).collect();
    let (tonnes, tonnes_moments) = values_of(rows, &tonnes_ps, by_deadline);
    Sample { days: days_of(rows, confidence, deadline, completion), tonnes, tonnes_moments }
}

/// Completion statistics of completion days.
pub(crate) fn completion(d: &Days) -> Completion {
    let sorted = &d.sorted;
    let n = sorted.size() as u64;
    let censored = d.censored;
    let q = |p: f64| quantile_censored(sorted, p).flatten();
    let qi = |p: f64| interval_censored(quantile_interval_censored(sorted, p, LEVEL));
    let (mean, mean_ci95) =
        if censored == 0 && n > 0 { (d.known.mean(), mean_ci(&d.known)) } else { (None, [None, None]) };
    Completion {
        mean,
        mean_ci95,
        p50: q(0.5),
        p50_ci95: qi(0.5),
        p90: q(0.9),
        p90_ci95: qi(0.9),
        p95: q(0.95),
        p95_ci95: qi(0.95),
        p99: q(0.99),
        p99_ci95: qi(0.99),
        censored_replications: censored,
    }
}

pub(super) fn delivery(s: &Sample, world: &World) -> Delivery {
    let n = s.days.sorted.size() as u64;
    let on_time = s.days.by_due;
    let (lo, hi) = wilson(on_time, n, LEVEL);
    let q = |p: f64| quantile_censored(&s.days.sorted, p).flatten();
    let qi = |p: f64| interval_censored(quantile_interval_censored(&s.days.sorted, p, LEVEL));
    let promise = world
        .order
        .confidence
        .iter()
        .map(|&c| {
            let d = q(c);
            let ci = qi(c);
            Promise {
                confidence: c,
                days: d,
                days_ci95: ci,
                date: d.map(|d| date_after(world.start, d)),
                date_ci95: [ci[0].map(|d| date_after(world.start, d)), ci[1].map(|d| date_after(world.start, d))],
            }
        })
        .collect();
    let t = &s.tonnes_moments;
    Delivery {
        p_on_time: if n == 0 { 0.0 } else { on_time as f64 / n as f64 },
        p_on_time_ci95: [lo, hi],
        completion_days: completion(&s.days),
        promise,
        tonnes_by_deadline: TonnesByDeadline {
            mean: t.mean().unwrap_or(0.0),
            mean_ci95: mean_ci(t),
            p05: quantile(&s.tonnes, 0.05).unwrap_or(0.0),
            p05_ci95: interval(quantile_interval(&s.tonnes, 0.05, LEVEL)),
            p50: quantile(&s.tonnes, 0.5).unwrap_or(0.0),
            p50_ci95: interval(quantile_interval(&s.tonnes, 0.5, LEVEL)),
        },
    }
}

pub(super) fn guarantee_at(s: &Sample, world: &World, c: f64) -> GuaranteeAt {
    let days = quantile_censored(&s.days.sorted, c).flatten();
    GuaranteeAt {
        promise_date: days.map(|d| date_after(world.start, d)),
        promise_days: days,
        promise_days_ci95: interval_censored(quantile_interval_censored(&s.days.sorted, c, LEVEL)),
        tonnes_by_deadline: quantile(&s.tonnes, 1.0 - c).unwrap_or(0.0),
        tonnes_by_deadline_ci95: interval(quantile_interval(&s.tonnes, 1.0 - c, LEVEL)),
    }
}
