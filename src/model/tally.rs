//! Per-stage tallies of the order's lots: how long they waited and how long they were
//! served, so a report can say where the time goes.

use crate::stats::histogram::{Histogram, Scale};

/// Waits and service times of lots at one stage, in hours.
#[derive(Clone, Debug, PartialEq)]
pub struct StageTally {
    /// Lots that waited (entered the stage).
    pub lots: u64,
    /// Sum of waits.
    pub wait_sum: f64,
    /// Sum of service (or transit, or time inside) times.
    pub service_sum: f64,
    /// Distribution of waits.
    pub wait_hist: Histogram,
    /// Distribution of service times.
    pub service_hist: Histogram,
}

impl Default for StageTally {
    fn default() -> Self {
        StageTally {
            lots: 0,
            wait_sum: 0.0,
            service_sum: 0.0,
            wait_hist: Histogram::new(Scale::HOURS),
            service_hist: Histogram::new(Scale::HOURS),
        }
    }
}

impl StageTally {
    /// Records a lot's wait at the stage.
    #[inline]
    pub fn wait(&mut self, hours: f64) {
        self.lots += 1;
        self.wait_sum += hours;
        self.wait_hist.add(hours);
    }

    /// Records a lot's service time at the stage.
    #[inline]
    pub fn service(&mut self, hours: f64) {
        self.service_sum += hours;
        self.service_hist.add(hours);
    }

    /// Adds another tally (from another replication).
    pub fn merge(&mut self, other: &StageTally) {
        self.lots += other.lots;
        self.wait_sum += other.wait_sum;
        self.service_sum += other.service_sum;
        self.wait_hist.merge(&other.wait_hist);
        self.service_hist.merge(&other.service_hist);
    }
}
