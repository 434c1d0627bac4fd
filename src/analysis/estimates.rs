//! The estimates `summary.json` is made of: completion at a delivery point (mean and
//! quantiles, each with its interval), P(on time), the promises and the guarantee at each
//! confidence, from the replications' rows.

use super::LEVEL;
use super::summary::{Completion, Delivery, GuaranteeAt, Interval, Promise, TonnesByDeadline};
use crate::experiment::Row;
use crate::model::World;
use crate::model::units::{date_after, days};
use crate::stats::exact::Moments;
use crate::stats::proportion::wilson;
use crate::stats::quantile::{
    Censored, quantile, quantile_censored, quantile_interval, quantile_interval_censored, sort_censored,
};

pub(crate) fn interval(b: (Option<f64>, Option<f64>)) -> Interval {
    [b.0, b.1]
}

pub(crate) fn interval_censored(b: (Option<Censored>, Option<Censored>)) -> Interval {
    [b.0.flatten(), b.1.flatten()]
}

pub(crate) fn mean_ci(m: &Moments) -> Interval {
    m.mean_ci(LEVEL).map_or([None, None], |(a, b)| [Some(a), Some(b)])
}

pub(crate) fn moments<'a>(values: impl IntoIterator<Item = &'a f64>) -> Moments {
    let mut m = Moments::default();
    for v in values {
        m.add(*v);
    }
    m
}

/// Completion days (sorted, censored last) and tonnes by the deadline (sorted) at a point.
pub(super) struct Sample {
    pub(super) days: Vec<Censored>,
    pub(super) tonnes: Vec<f64>,
}

pub(super) fn sample(
    rows: &[Row],
    completion: impl Fn(&Row) -> Option<f64>,
    by_deadline: impl Fn(&Row) -> f64,
) -> Sample {
    let mut days: Vec<Censored> = rows.iter().map(&completion).collect();
    sort_censored(&mut days);
    let mut tonnes: Vec<f64> = rows.iter().map(&by_deadline).collect();
    tonnes.sort_by(f64::total_cmp);
    Sample { days, tonnes }
}

/// Completion statistics of sorted completion days (censored last).
pub(crate) fn completion(sorted: &[Censored]) -> Completion {
    let n = sorted.len() as u64;
    let censored = sorted.iter().filter(|d| d.is_none()).count() as u64;
    let q = |p: f64| quantile_censored(sorted, p).flatten();
    let qi = |p: f64| interval_censored(quantile_interval_censored(sorted, p, LEVEL));
    let mean_m = moments(sorted.iter().flatten());
    let (mean, mean_ci95) =
        if censored == 0 && n > 0 { (mean_m.mean(), mean_ci(&mean_m)) } else { (None, [None, None]) };
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
    let n = s.days.len() as u64;
    let deadline = days(world.deadline.value());
    let on_time = s.days.iter().filter(|d| d.is_some_and(|d| d <= deadline)).count() as u64;
    let (lo, hi) = wilson(on_time, n, LEVEL);
    let q = |p: f64| quantile_censored(&s.days, p).flatten();
    let qi = |p: f64| interval_censored(quantile_interval_censored(&s.days, p, LEVEL));
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
    let t = moments(&s.tonnes);
    Delivery {
        p_on_time: if n == 0 { 0.0 } else { on_time as f64 / n as f64 },
        p_on_time_ci95: [lo, hi],
        completion_days: completion(&s.days),
        promise,
        tonnes_by_deadline: TonnesByDeadline {
            mean: t.mean().unwrap_or(0.0),
            mean_ci95: mean_ci(&t),
            p05: quantile(&s.tonnes, 0.05).unwrap_or(0.0),
            p05_ci95: interval(quantile_interval(&s.tonnes, 0.05, LEVEL)),
            p50: quantile(&s.tonnes, 0.5).unwrap_or(0.0),
            p50_ci95: interval(quantile_interval(&s.tonnes, 0.5, LEVEL)),
        },
    }
}

pub(super) fn guarantee_at(s: &Sample, world: &World, c: f64) -> GuaranteeAt {
    let days = quantile_censored(&s.days, c).flatten();
    GuaranteeAt {
        promise_date: days.map(|d| date_after(world.start, d)),
        promise_days: days,
        promise_days_ci95: interval_censored(quantile_interval_censored(&s.days, c, LEVEL)),
        tonnes_by_deadline: quantile(&s.tonnes, 1.0 - c).unwrap_or(0.0),
        tonnes_by_deadline_ci95: interval(quantile_interval(&s.tonnes, 1.0 - c, LEVEL)),
    }
}
