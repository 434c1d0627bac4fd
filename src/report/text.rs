//! The short human summary printed after a run.

use std::fmt::Write as _;

use super::summary::{Delivery, Summary};

fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v.round());
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn probability(d: &Delivery) -> String {
    format!("{:.3} [{:.3}, {:.3}]", d.p_on_time, d.p_on_time_ci95[0], d.p_on_time_ci95[1])
}

fn promise(d: &Delivery, i: usize) -> String {
    match d.promise.get(i) {
        Some(p) => match (&p.date, p.days) {
            (Some(date), Some(days)) => format!("{date} (day {days:.1})"),
            _ => "beyond the horizon".into(),
        },
        None => String::new(),
    }
}

/// Renders the summary for a terminal.
pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "steelsim: {} ({} replications, seed {})", s.scenario, s.replications, s.seed);
    let _ = writeln!(
        out,
        "Order {} t from {}, due {} (end of day {:.0})\n",
        thousands(s.order_tonnes),
        s.start,
        s.deadline,
        s.deadline_days
    );
    let h = &s.handover.delivery;
    let d = &s.destination;
    let w = 28;
    let _ = writeln!(out, "{:w$}{:30}at handover ({})", "", "at destination", s.handover.points.join(", "));
    let _ = writeln!(out, "{:w$}{:30}{}", "P(all on time), 95% CI", probability(d), probability(h));
    for (i, p) in d.promise.iter().enumerate() {
        let label = format!("Promise at {:.0}%", p.confidence * 100.0);
        let _ = writeln!(out, "{label:w$}{:30}{}", promise(d, i), promise(h, i));
    }
    let t = |x: &Delivery| format!("{} t", thousands(x.tonnes_by_deadline.p05));
    let _ = writeln!(out, "{:w$}{:30}{}", "Tonnes by deadline, 95%", t(d), t(h));
    let _ = writeln!(
        out,
        "{:w$}{} t mean, {} t max (re-shipped)",
        "Lost or damaged",
        thousands(s.lost_tonnes.mean),
        thousands(s.lost_tonnes.max)
    );
    if let Some(b) = &s.bottleneck {
        let _ = writeln!(
            out,
            "{:w$}{} ({}): utilisation {:.2}, mean wait {:.1} h",
            "Busiest resource", b.stage, b.kind, b.utilisation, b.mean_wait_hours
        );
    }
    if s.destination.completion_days.censored_replications == s.replications && s.replications > 0 {
        let _ = writeln!(
            out,
            "\ncannot complete: no replication delivered the whole order by the horizon ({}).",
            s.horizon
        );
        let _ = writeln!(out, "Undelivered tonnes were stuck at:");
        for st in s.incomplete.stuck.iter().take(5) {
            let _ = writeln!(
                out,
                "  {} ({} of {} replications, {} t on average)",
                st.location,
                st.replications,
                s.replications,
                thousands(st.mean_tonnes)
            );
        }
    }
    for warning in &s.warnings {
        let _ = writeln!(out, "\nwarning: {warning}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(300000.0), "300,000");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(-1234.0), "-1,234");
        assert_eq!(thousands(0.0), "0");
    }
}
