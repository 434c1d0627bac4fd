//! Totals over replications that merge exactly, in any order.
//!
//! Everything here is an integer count, an exact fixed-point sum or a fixed-bin histogram,
//! so partial totals can be formed on any thread and merged in any order (or written by
//! separate shards and merged later) and still give the same bytes as one sequential run.

use serde::{Deserialize, Serialize};

use crate::model::ids::{CorridorId, IdVec, StageId};
use crate::model::{Location, ReplicationResult, Tonnes, World};
use crate::stats::exact::{ExactSum, Moments};
use crate::stats::histogram::{Histogram, Scale};

/// A sample summarised by its moments and a histogram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Count, mean, standard deviation.
    pub moments: Moments,
    /// Distribution.
    pub hist: Histogram,
}

impl Cell {
    /// An empty cell on `scale`.
    pub fn new(scale: Scale) -> Self {
        Cell { moments: Moments::default(), hist: Histogram::new(scale) }
    }

    /// Adds a value.
    pub fn add(&mut self, v: f64) {
        self.moments.add(v);
        self.hist.add(v);
    }

    /// Adds another cell.
    pub fn merge(&mut self, other: &Cell) {
        self.moments.merge(&other.moments);
        self.hist.merge(&other.hist);
    }
}

/// A per-day series where a replication that has ended keeps its final value on later
/// days (cumulative tonnes): `ended` holds the final values of all replications so far and
/// stands for every day beyond the stored ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeldSeries {
    /// Per day.
    pub days: Vec<Cell>,
    /// Final values of every replication added.
    pub ended: Cell,
}

impl HeldSeries {
    fn new(scale: Scale) -> Self {
        HeldSeries { days: Vec::new(), ended: Cell::new(scale) }
    }

    fn add(&mut self, values: &[f64]) {
        let Some(&last) = values.last() else { return };
        while self.days.len() < values.len() {
            self.days.push(self.ended.clone());
        }
        for (d, cell) in self.days.iter_mut().enumerate() {
            cell.add(values.get(d).copied().unwrap_or(last));
        }
        self.ended.add(last);
    }

    fn merge(&mut self, other: &HeldSeries) {
        let len = self.days.len().max(other.days.len());
        let mut days = Vec::with_capacity(len);
        for d in 0..len {
            let mut c = self.days.get(d).unwrap_or(&self.ended).clone();
            c.merge(other.days.get(d).unwrap_or(&other.ended));
            days.push(c);
        }
        self.days = days;
        self.ended.merge(&other.ended);
    }
}

/// Per-day cells for replications still running that day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunningSeries {
    scale: Scale,
    /// Per day.
    pub days: Vec<Cell>,
}

impl RunningSeries {
    fn new(scale: Scale) -> Self {
        RunningSeries { scale, days: Vec::new() }
    }

    fn add(&mut self, day: usize, v: f64) {
        while self.days.len() <= day {
            self.days.push(Cell::new(self.scale));
        }
        self.days[day].add(v);
    }

    fn merge(&mut self, other: &RunningSeries) {
        for (d, c) in other.days.iter().enumerate() {
            if d < self.days.len() {
                self.days[d].merge(c);
            } else {
                self.days.push(c.clone());
            }
        }
    }
}

/// A stage's waits, service times and utilisation over all replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageAgg {
    /// Lots that passed.
    pub lots: u64,
    /// Total wait, hours.
    pub wait: ExactSum,
    /// Total service, hours.
    pub service: ExactSum,
    /// Distribution of waits.
    pub wait_hist: Histogram,
    /// Distribution of service times.
    pub service_hist: Histogram,
    /// Each replication's mean wait (for an interval on the mean).
    pub replication_mean_wait: Moments,
    /// Each replication's utilisation.
    pub utilisation: Moments,
}

/// Where undelivered tonnes were, over incomplete replications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StuckAgg {
    /// Where.
    pub location: Location,
    /// Replications with tonnes there.
    pub replications: u64,
    /// Kilograms there, summed over those replications.
    pub kg: u64,
}

/// Daily series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyAgg {
    /// Tonnes delivered by the end of each day.
    pub delivered: HeldSeries,
    /// Tonnes handed over by the end of each day.
    pub handed_over: HeldSeries,
    /// Per tracked resource, per day: utilisation.
    pub utilisation: Vec<RunningSeries>,
    /// Per tracked resource, per day: mean number waiting.
    pub queue: Vec<RunningSeries>,
}

/// The contract's measures over replications (present when the world has a contract).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContractAgg {
    /// Per call-off: replications that met it.
    pub met: Vec<u64>,
    /// Per call-off: tonnes short of its floor (zero when met).
    pub shortfall: Vec<Cell>,
    /// Per day from the start: the damages summed over replications, were the whole floor
    /// due at the end of that day (what signing that date would cost).
    pub damages_by_due_day: Vec<ExactSum>,
    /// Replications whose damages are a lower bound (tonnes owed never came).
    pub censored: u64,
}

/// Sums behind the uncertain figures' effect on completion: for each figure its drawn
/// factor x, and for the completion day y at the destinations (index 0) and the handover (index 1)
/// (the end of the replication where it did not complete), the sums for means, variances
/// and covariances, all exact so that any split of replications adds up to the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputsAgg {
    /// Replications added.
    pub n: u64,
    /// Sum of y.
    pub y: [ExactSum; 2],
    /// Sum of y squared.
    pub yy: [ExactSum; 2],
    /// Per figure: sum of x.
    pub x: Vec<ExactSum>,
    /// Per figure: sum of x squared.
    pub xx: Vec<ExactSum>,
    /// Per figure: sum of x times y.
    pub xy: Vec<[ExactSum; 2]>,
}

impl InputsAgg {
    fn new(figures: usize) -> Self {
        InputsAgg {
            n: 0,
            y: Default::default(),
            yy: Default::default(),
            x: vec![ExactSum::default(); figures],
            xx: vec![ExactSum::default(); figures],
            xy: vec![Default::default(); figures],
        }
    }

    fn add(&mut self, r: &ReplicationResult) {
        let day = |t: Option<crate::engine::Time>| crate::model::units::days(t.unwrap_or(r.end).value());
        let y = [day(r.completion), day(r.handover_completion)];
        self.n += 1;
        for ((sum, sum_sq), v) in self.y.iter_mut().zip(&mut self.yy).zip(y) {
            sum.add(v);
            sum_sq.add(v * v);
        }
        for (((sum, sum_sq), cross), &x) in self.x.iter_mut().zip(&mut self.xx).zip(&mut self.xy).zip(&r.inputs) {
            sum.add(x);
            sum_sq.add(x * x);
            for (c, v) in cross.iter_mut().zip(y) {
                c.add(x * v);
            }
        }
    }

    fn merge(&mut self, o: &InputsAgg) {
        self.n += o.n;
        for k in 0..2 {
            self.y[k].merge(o.y[k]);
            self.yy[k].merge(o.yy[k]);
        }
        for i in 0..self.x.len() {
            self.x[i].merge(o.x[i]);
            self.xx[i].merge(o.xx[i]);
            for k in 0..2 {
                self.xy[i][k].merge(o.xy[i][k]);
            }
        }
    }
}

/// Everything summed over replications, besides the per-replication rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Aggregates {
    /// Replications added.
    pub replications: u64,
    /// Events handled.
    pub events: u64,
    /// Per reported stage.
    pub stages: IdVec<StageId, StageAgg>,
    /// Per corridor: lead times of delivered lots, days.
    pub corridors: IdVec<CorridorId, Cell>,
    /// Where incomplete replications had undelivered tonnes, by location.
    pub stuck: Vec<StuckAgg>,
    /// Day-by-day series.
    pub daily: DailyAgg,
    /// Under the contract.
    #[serde(default)]
    pub contract: Option<ContractAgg>,
    /// The uncertain figures (present when the world has some).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<InputsAgg>,
}

impl Aggregates {
    /// Empty totals for `world`.
    pub fn new(world: &World) -> Self {
        let tonnes = Scale::Linear { lo: 0.0, hi: world.order.tonnes.t(), bins: 1000 };
        let tracked = world.tracked_resources();
        Aggregates {
            replications: 0,
            events: 0,
            stages: (0..world.stages.len())
                .map(|_| StageAgg {
                    lots: 0,
                    wait: ExactSum::default(),
                    service: ExactSum::default(),
                    wait_hist: Histogram::new(Scale::HOURS),
                    service_hist: Histogram::new(Scale::HOURS),
                    replication_mean_wait: Moments::default(),
                    utilisation: Moments::default(),
                })
                .collect(),
            corridors: world.corridors.iter().map(|_| Cell::new(Scale::DAYS)).collect(),
            stuck: Vec::new(),
            daily: DailyAgg {
                delivered: HeldSeries::new(tonnes),
                handed_over: HeldSeries::new(tonnes),
                utilisation: (0..tracked).map(|_| RunningSeries::new(Scale::SHARE)).collect(),
                queue: (0..tracked).map(|_| RunningSeries::new(Scale::QUEUE)).collect(),
            },
            contract: world.contract.as_ref().map(|c| ContractAgg {
                met: vec![0; c.calloffs.len()],
                shortfall: c.calloffs.iter().map(|_| Cell::new(tonnes)).collect(),
                damages_by_due_day: match c.damages {
                    Some(_) => vec![ExactSum::default(); world.horizon_days()],
                    None => Vec::new(),
                },
                censored: 0,
            }),
            inputs: (!world.uncertain.is_empty()).then(|| InputsAgg::new(world.uncertain.len())),
        }
    }

    /// Adds one replication.
    pub fn add(&mut self, r: &ReplicationResult) {
        self.replications += 1;
        self.events += r.events;
        for (agg, t) in self.stages.iter_mut().zip(&r.stages) {
            agg.lots += t.lots;
            agg.wait.add(t.wait_sum);
            agg.service.add(t.service_sum);
            agg.wait_hist.merge(&t.wait_hist);
            agg.service_hist.merge(&t.service_hist);
            if t.lots > 0 {
                agg.replication_mean_wait.add(t.wait_sum / t.lots as f64);
            }
        }
        for (agg, u) in self.stages.iter_mut().zip(&r.utilisation) {
            if let Some(u) = u {
                agg.utilisation.add(*u);
            }
        }
        for &(corridor, days) in &r.lead_times {
            self.corridors[corridor].add(days as f64);
        }
        for (loc, t) in &r.stuck {
            self.add_stuck(&StuckAgg { location: *loc, replications: 1, kg: t.kg() });
        }
        if let (Some(agg), Some(o)) = (&mut self.contract, &r.contract) {
            for ((met, cell), short) in agg.met.iter_mut().zip(&mut agg.shortfall).zip(&o.shortfalls) {
                *met += u64::from(*short == Tonnes::ZERO);
                cell.add(short.t());
            }
            for (sum, v) in agg.damages_by_due_day.iter_mut().zip(&r.damages_by_due_day) {
                sum.add(*v);
            }
            agg.censored += u64::from(o.censored);
        }
        if let Some(agg) = &mut self.inputs {
            agg.add(r);
        }
        let d = &r.daily;
        let tonnes = |kg: &[u64]| kg.iter().map(|k| *k as f64 / 1000.0).collect::<Vec<f64>>();
        self.daily.delivered.add(&tonnes(&d.delivered_kg));
        self.daily.handed_over.add(&tonnes(&d.handed_over_kg));
        let n = self.daily.utilisation.len();
        for (i, (u, q)) in d.utilisation.iter().zip(&d.queue).enumerate() {
            let (Some(day), Some(res)) = (i.checked_div(n), i.checked_rem(n)) else { break };
            self.daily.utilisation[res].add(day, *u as f64);
            self.daily.queue[res].add(day, *q as f64);
        }
    }

    fn add_stuck(&mut self, s: &StuckAgg) {
        match self.stuck.binary_search_by(|x| x.location.cmp(&s.location)) {
            Ok(i) => {
                self.stuck[i].replications += s.replications;
                self.stuck[i].kg += s.kg;
            }
            Err(i) => self.stuck.insert(i, s.clone()),
        }
    }

    /// Adds totals formed elsewhere (another thread, another shard).
    pub fn merge(&mut self, other: &Aggregates) {
        self.replications += other.replications;
        self.events += other.events;
        for (a, b) in self.stages.iter_mut().zip(&other.stages) {
            a.lots += b.lots;
            a.wait.merge(b.wait);
            a.service.merge(b.service);
            a.wait_hist.merge(&b.wait_hist);
            a.service_hist.merge(&b.service_hist);
            a.replication_mean_wait.merge(&b.replication_mean_wait);
            a.utilisation.merge(&b.utilisation);
        }
        for (a, b) in self.corridors.iter_mut().zip(&other.corridors) {
            a.merge(b);
        }
        for s in &other.stuck {
            self.add_stuck(s);
        }
        self.daily.delivered.merge(&other.daily.delivered);
        self.daily.handed_over.merge(&other.daily.handed_over);
        for (a, b) in self.daily.utilisation.iter_mut().zip(&other.daily.utilisation) {
            a.merge(b);
        }
        for (a, b) in self.daily.queue.iter_mut().zip(&other.daily.queue) {
            a.merge(b);
        }
        if let (Some(a), Some(b)) = (&mut self.contract, &other.contract) {
            for (x, y) in a.met.iter_mut().zip(&b.met) {
                *x += y;
            }
            for (x, y) in a.shortfall.iter_mut().zip(&b.shortfall) {
                x.merge(y);
            }
            for (x, y) in a.damages_by_due_day.iter_mut().zip(&b.damages_by_due_day) {
                x.merge(*y);
            }
            a.censored += b.censored;
        }
        if let (Some(a), Some(b)) = (&mut self.inputs, &other.inputs) {
            a.merge(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_series_merge_like_a_sequential_fold() {
        let scale = Scale::Linear { lo: 0.0, hi: 10.0, bins: 10 };
        let runs: [&[f64]; 3] = [&[1.0, 5.0], &[2.0, 3.0, 8.0, 9.0], &[4.0]];
        let mut all = HeldSeries::new(scale);
        for r in runs {
            all.add(r);
        }
        let mut a = HeldSeries::new(scale);
        a.add(runs[0]);
        let mut b = HeldSeries::new(scale);
        b.add(runs[1]);
        b.add(runs[2]);
        a.merge(&b);
        assert_eq!(a, all);
        // Day 3: the first run holds 5, the second is at 9, the third holds 4.
        assert_eq!(all.days[3].moments.mean(), Some(6.0));
    }
}
