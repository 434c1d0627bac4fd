//! Control-variate estimates of a run's answers, from its rows: each row's controls are
//! recomputed from its seed (`model::controls`), so a merged or stored run gives the same
//! estimates as the run that made it.
//!
//! When an estimate is given is fixed in advance, not chosen by whether it helps: at least
//! 10 x (controls offered + 1) replications (the residual variance then has enough degrees
//! of freedom), and, for a probability, at least ten replications on time and ten late
//! (below that the normal approximation behind the interval is poor, and the Wilson interval
//! is the one to read).

use super::{Rows, by_deadline};
use crate::model::World;
use crate::model::controls::{Control, controls, values};
use crate::stats::control::{CoMoments, ControlEstimate, estimate};

/// Fewest replications per control offered (plus one) and fewest on time and late.
const PER_CONTROL: u64 = 10;

/// The control-variate estimates of a run.
#[derive(Clone, Debug)]
pub struct Estimates {
    /// The controls the scenario offers.
    pub controls: Vec<Control>,
    /// P(on time) at the destination and at the handover.
    pub p_on_time: [Option<ControlEstimate>; 2],
    /// Mean completion (days) at the destination, when no replication is censored.
    pub mean_completion: Option<ControlEstimate>,
}

/// The estimates at `level` from `rows` of a run of `world` (`None`: the scenario offers no
/// control).
pub fn estimates(world: &World, rows: &Rows, level: f64) -> Option<Estimates> {
    let controls = controls(world, rows.len());
    if controls.is_empty() {
        return None;
    }
    let on_time = |d: Option<f64>| f64::from(u8::from(by_deadline(world, d)));
    // Values per row: on time at both points, completion, then the controls.
    let q = controls.len();
    let mut m = CoMoments::new(3 + q);
    let mut v = Vec::with_capacity(3 + q);
    let mut censored = false;
    for r in rows.iter() {
        v.clear();
        v.push(on_time(r.completion_days));
        v.push(on_time(r.handover_completion_days));
        censored |= r.completion_days.is_none();
        v.push(r.completion_days.unwrap_or(0.0));
        values(world, &controls, r.seed, &mut v);
        m.push(&v);
    }
    let n = m.count();
    let means: Vec<f64> = controls.iter().map(|c| c.mean).collect();
    let at: Vec<usize> = (3..3 + q).collect();
    let enough = n >= PER_CONTROL * (q as u64 + 1);
    let fit = |y: usize| enough.then(|| estimate(&m, y, &at, &means, level)).flatten();
    let p = |y: usize| {
        let k = (m.mean(y) * n as f64).round() as u64;
        (k >= PER_CONTROL && n - k >= PER_CONTROL).then(|| fit(y)).flatten()
    };
    Some(Estimates { p_on_time: [p(0), p(1)], mean_completion: (!censored).then(|| fit(2)).flatten(), controls })
}
