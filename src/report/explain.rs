//! `steelsim explain`: the network as a planner reads it, and its theoretical bottleneck
//! (computed in [`crate::analysis::capacity`]).

use std::collections::HashMap;
use std::fmt::Write as _;

use super::text::thousands;
use crate::analysis::capacity::Explanation;
use crate::model::World;
use crate::model::units::{DAY, days};
use crate::model::world::Transit;

/// The readable table printed by `steelsim explain`. `simulated` gives, by name, the mean
/// utilisation a results folder of the same scenario measured, where one is given.
pub(crate) fn render(world: &World, e: &Explanation, simulated: Option<&HashMap<String, f64>>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Scenario {}: {}", world.name, world.description.as_deref().unwrap_or(""));
    let _ = writeln!(
        s,
        "Order: {} t from {} to the end of day {:.0}: {} t/day on average.\n",
        thousands(world.order.tonnes.t()),
        world.start,
        e.window_days,
        thousands(e.needed_t_per_day)
    );
    if let Some(b) = e.bottleneck() {
        let _ = writeln!(
            s,
            "Theoretical bottleneck: {} ({}) — at most {} t/day of the order after other traffic, \
             against {} t/day that must pass it (load {:.0} %).\n",
            b.name,
            b.kind.as_str(),
            thousands(b.max_order_t_per_day),
            thousands(b.order_t_per_day),
            b.load * 100.0
        );
    }
    let _ = writeln!(
        s,
        "Resources the order uses, busiest first (queues left out; calendars, breakdowns and disruptions\n\
         averaged over the window; load: what the order and other traffic need of what is available):"
    );
    let _ = write!(
        s,
        "  {:<32} {:<6} {:>12} {:>12} {:>9} {:>6}",
        "resource", "kind", "order t/day", "max t/day", "available", "load"
    );
    if simulated.is_some() {
        let _ = write!(s, " {:>10}", "simulated");
    }
    let _ = writeln!(s);
    for r in &e.resources {
        let _ = write!(
            s,
            "  {:<32} {:<6} {:>12} {:>12} {:>8.0}% {:>5.0}%",
            r.name,
            r.kind.as_str(),
            thousands(r.order_t_per_day),
            thousands(r.max_order_t_per_day),
            r.available * 100.0,
            r.load * 100.0
        );
        if let Some(sim) = simulated {
            match sim.get(&r.name) {
                Some(u) => {
                    let _ = write!(s, " {:>9.0}%", u * 100.0);
                }
                None => {
                    let _ = write!(s, " {:>10}", "-");
                }
            }
        }
        let _ = writeln!(s);
    }
    if simulated.is_some() {
        let _ = writeln!(
            s,
            "  (simulated: mean utilisation up to the end of each replication, from the results folder;\n   \
             mills are not measured)"
        );
    }
    let _ = writeln!(s, "\nServers in detail:");
    let _ = writeln!(
        s,
        "  {:<32} {:>4} {:>10} {:>12} {:>12} {:>13} {:>9} {:>6}",
        "stage", "cap", "h per kt", "order t/day", "max t/day", "background h/d", "available", "load"
    );
    for st in &e.stages {
        let _ = writeln!(
            s,
            "  {:<32} {:>4} {:>10.1} {:>12} {:>12} {:>13.1} {:>8.0}% {:>5.0}%",
            st.name,
            st.capacity,
            st.hours_per_t * 1000.0,
            thousands(st.order_t_per_day),
            thousands(st.max_order_t_per_day),
            st.background_h_per_day,
            st.available * 100.0,
            st.load * 100.0
        );
    }
    let _ = writeln!(s, "\nMills:");
    for m in &world.mills {
        let t: f64 = m.planned().map(|l| l.tonnes.t()).sum();
        let rate: f64 = m.lines.iter().map(|l| l.rate_t_per_h * DAY).sum();
        let _ = writeln!(s, "  {:<20} {:>9} t of the order at {:>7} t/day", m.name, thousands(t), thousands(rate));
    }
    let _ = writeln!(s, "\nCarrier pools:");
    for p in &world.pools {
        let _ = writeln!(
            s,
            "  {:<20} {:>6} units of {:>5.1} t, empty return {:.1} d{}",
            p.name,
            p.units,
            p.payload.t(),
            days(p.empty_return.mean()),
            p.supply.as_ref().map_or(String::new(), |su| format!(", +{} every {:.2} h", su.units, su.every.mean()))
        );
    }
    let _ = writeln!(s, "\nLegs:");
    for l in &world.legs {
        let how = match &l.transit {
            Transit::Time(_) => "drawn time".to_string(),
            Transit::Speed { km, .. } => format!("{km:.0} km"),
        };
        let _ = writeln!(s, "  {:<26} {:>9.1} h mean ({how})", l.name, l.transit.mean_hours());
    }
    let _ = writeln!(s, "\nCorridors: {}", world.corridors.as_slice().join(", "));
    s
}
