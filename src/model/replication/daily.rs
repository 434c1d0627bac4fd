//! The day-by-day series of a replication: tonnes delivered and handed over, and each
//! followed resource's utilisation and queue, recorded at the end of every simulated day.

use crate::engine::Time;
use crate::model::world::Tracked;

use super::Replication;
use super::result::Daily;

/// What the daily snapshot remembers between days: the time of the last snapshot and each
/// followed resource's running areas then.
#[derive(Debug, Default)]
pub(super) struct DayMarks {
    pub(super) at: f64,
    busy: Vec<f64>,
    queue: Vec<f64>,
    capacity: Vec<f64>,
}

impl DayMarks {
    pub(super) fn new(resources: usize) -> Self {
        DayMarks { at: 0.0, busy: vec![0.0; resources], queue: vec![0.0; resources], capacity: vec![0.0; resources] }
    }
}

impl Replication<'_> {
    /// Records the day (or part of a day) since the last snapshot.
    pub(super) fn snapshot_day(&mut self, now: Time) {
        let dt = now.value() - self.marks.at;
        if dt <= 0.0 {
            return;
        }
        let Daily { delivered_kg, handed_over_kg, utilisation, queue } = &mut self.daily;
        delivered_kg.push(self.books.delivered.kg());
        handed_over_kg.push(self.books.handed_over.kg());
        for (i, t) in self.w.tracked().enumerate() {
            let (busy, waiting, capacity) = match t {
                Tracked::Server(s) => {
                    let st = &self.servers[s];
                    let r = &st.res;
                    (r.busy_monitor().area(now), r.queue_monitor().area(now), st.place_hours(now))
                }
                Tracked::Pool(p) => {
                    let p = &self.pools[p];
                    (p.res.busy_monitor().area(now), p.res.queue_monitor().area(now), p.capacity.area(now))
                }
            };
            let m = &mut self.marks;
            let cap = capacity - m.capacity[i];
            let used = busy - m.busy[i];
            utilisation.push(if cap > 0.0 { (used / cap) as f32 } else { 0.0 });
            queue.push(((waiting - m.queue[i]) / dt) as f32);
            m.busy[i] = busy;
            m.queue[i] = waiting;
            m.capacity[i] = capacity;
        }
        self.marks.at = now.value();
    }
}
