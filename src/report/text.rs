//! The short human summary printed after a run.

use std::fmt::Write as _;

use crate::analysis::contract::ContractSummary;
use crate::analysis::controls::Controlled;
use crate::analysis::summary::{Delivery, Summary};

/// `1234567.8` -> `"1,234,568"`.
pub(crate) fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v.round());
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

pub(super) fn probability(d: &Delivery) -> String {
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

fn share(p: f64, ci: [f64; 2]) -> String {
    format!("{p:.3} [{:.3}, {:.3}]", ci[0], ci[1])
}

/// A fraction as a percentage with no trailing zeros: 0.1 -> "10", 0.025 -> "2.5".
pub(super) fn percent(x: f64) -> String {
    let s = format!("{:.2}", x * 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn money(currency: &str, v: f64) -> String {
    format!("{currency} {}", thousands(v))
}

/// The guarantee sheet and the contract's measures: what the terminal shows first.
pub fn contract_sheet(c: &ContractSummary, currency: &str, order_tonnes: f64) -> String {
    let mut out = String::new();
    let w = 36;
    let tolerance = if c.tolerance > 0.0 {
        format!("{} t, the order less its {} % tolerance", thousands(c.floor_tonnes), percent(c.tolerance))
    } else {
        format!("{} t", thousands(order_tonnes))
    };
    let _ = writeln!(out, "Under the contract, {} {}: {tolerance}, due {}", c.incoterm, c.places.join(", "), c.due);
    let _ = writeln!(out, "{:w$}{:26}expected damages; price per t", "Guarantee", "date to sign");
    for g in &c.guarantees {
        let label = format!("  at {:.0}%", g.confidence * 100.0);
        let date = match (&g.date, g.days) {
            (Some(date), Some(days)) => format!("{date} (day {days:.1})"),
            _ => "beyond the horizon".into(),
        };
        let damages = g.expected_damages.map_or_else(|| "none agreed".into(), |e| money(currency, e));
        let cost = match g.price_per_t {
            Some(per_t) if per_t > 0.0 && per_t < 0.005 => format!("{damages}; < {currency} 0.01"),
            Some(per_t) => format!("{damages}; {currency} {per_t:.2}"),
            None => "-".into(),
        };
        let _ = writeln!(out, "{label:w$}{date:26}{cost}");
    }
    if c.losses.is_some() {
        let _ = writeln!(out, "{:w$}(the price: damages, premium and the seller's uninsured losses)", "");
    }
    let _ = writeln!(out, "{:w$}{}", format!("P(in full by {})", c.due), share(c.p_in_full, c.p_in_full_ci95));
    if c.calloffs.len() > 1 {
        for co in &c.calloffs {
            let _ = writeln!(
                out,
                "{:w$}{}; short by {} t on average, {} t at 95%",
                format!("  {} t by {}", thousands(co.floor_tonnes), co.date),
                share(co.p_met, co.p_met_ci95),
                thousands(co.shortfall_mean),
                thousands(co.shortfall_p95)
            );
        }
        let _ =
            writeln!(out, "{:w$}{}", "P(every call-off met)", share(c.p_all_calloffs_met, c.p_all_calloffs_met_ci95));
    }
    let k = &c.costs;
    if k.seller_per_t + k.buyer_per_t > 0.0 {
        let _ = writeln!(
            out,
            "{:w$}seller {currency} {:.2}, buyer {currency} {:.2}",
            "Costs per tonne, by payer", k.seller_per_t, k.buyer_per_t
        );
    }
    if let Some(l) = &c.losses {
        let cover = l.cover.as_ref().map_or_else(|| "uninsured".to_string(), |c| format!("cover ICC {c}"));
        let _ = writeln!(
            out,
            "{:w$}premium {currency} {:.2} ({cover}), claims {currency} {:.2}; borne by the seller {currency} {:.2}, by the buyer {currency} {:.2}",
            "Losses in transit, per tonne", l.premium_per_t, l.claims_per_t, l.seller_loss_per_t, l.buyer_loss_per_t
        );
    }
    if let Some(d) = &c.damages {
        let capped = match (d.cap, d.cap_per_t) {
            (Some(cap), _) => format!("; cap {} reached in {:.3}", money(currency, cap), d.p_at_cap),
            (None, Some(per_t)) => format!("; at most {currency} {per_t:.2} per late t"),
            (None, None) => String::new(),
        };
        let censored = match d.censored_replications {
            0 => String::new(),
            k => format!("\n{:w$}{k} replications end with tonnes still owed: their damages are a lower bound", ""),
        };
        let _ = writeln!(
            out,
            "{:w$}mean {}, 95% {}{capped}{censored}",
            "Damages under the schedule",
            money(currency, d.mean),
            money(currency, d.p95)
        );
    }
    out
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
    if let Some(c) = &s.contract {
        out.push_str(&contract_sheet(c, &s.cost.currency, s.order_tonnes));
        out.push('\n');
    }
    let h = &s.handover.delivery;
    let d = &s.destination;
    let w = 28;
    let _ = writeln!(out, "{:w$}{:30}at handover ({})", "", "at destination", s.handover.points.join(", "));
    let _ = writeln!(out, "{:w$}{:30}{}", "P(all on time), 95% CI", probability(d), probability(h));
    out.push_str(&controlled(s, w));
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
    if let Some(r) = &s.reallocated_tonnes {
        let _ = writeln!(
            out,
            "{:w$}{} t mean, {} t max (made by another mill than planned)",
            "Moved between mills",
            thousands(r.mean),
            thousands(r.max)
        );
    }
    if let Some(b) = &s.bottleneck {
        let _ = writeln!(
            out,
            "{:w$}{} ({}): utilisation {:.2}, mean wait {:.1} h",
            "Busiest resource", b.stage, b.kind, b.utilisation, b.mean_wait_hours
        );
    }
    if let Some(i) = &s.inputs {
        let _ = writeln!(
            out,
            "{:w$}{} figures drawn per replication: {:.0} % of the variance of the completion day at destination, \
             {:.0} % at handover; the rest is operations",
            "Uncertain inputs",
            i.figures.len(),
            i.share_destination * 100.0,
            i.share_handover * 100.0
        );
        if let Some(first) = &i.measure_first {
            let f = i.figures.iter().find(|f| &f.name == first);
            let _ = writeln!(
                out,
                "{:w$}{first} ({:.0} % of that variance alone); the intervals above include the inputs' uncertainty",
                "Measure first",
                f.map_or(0.0, |f| f.explains_destination * 100.0)
            );
        }
    }
    out.push_str(&replanning(s));
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

/// P(on time) corrected with control variates, and how much of its variance that removed.
fn controlled(s: &Summary, w: usize) -> String {
    let mut out = String::new();
    let Some(cv) = &s.control_variates else { return out };
    if cv.p_on_time.is_none() && cv.handover_p_on_time.is_none() {
        return out;
    }
    let show = |c: &Option<Controlled>, f: &dyn Fn(&Controlled) -> String| c.as_ref().map_or("-".into(), f);
    let ci = |c: &Controlled| share(c.estimate, c.ci95);
    let removed = |c: &Controlled| format!("{:.0} % ({} controls)", c.variance_reduction * 100.0, c.controls_used);
    let (d, h) = (&cv.p_on_time, &cv.handover_p_on_time);
    let _ = writeln!(out, "{:w$}{:30}{}", "  with control variates", show(d, &ci), show(h, &ci));
    let _ = writeln!(out, "{:w$}{:30}{}", "  variance removed", show(d, &removed), show(h, &removed));
    out
}

/// Where a run from a shipment status started, and the plan beside it.
fn replanning(s: &Summary) -> String {
    let mut out = String::new();
    let Some(st) = &s.status else { return out };
    let _ = writeln!(
        out,
        "\nStarted from the shipment status of {}: {} t delivered, {} t on the way, {} t to produce",
        st.as_of,
        thousands(st.delivered_t),
        thousands(st.on_the_way_t),
        thousands(st.to_produce_t)
    );
    let Some(r) = &s.replan else { return out };
    let same = if r.same_scenario {
        "same scenario"
    } else {
        "a different scenario text: part of the change is the scenario's"
    };
    let _ = writeln!(out, "Re-planned against {} ({}, {same})", r.plan, r.plan_scenario);
    let w = 34;
    let _ = writeln!(out, "{:w$}{:24}now", "", "plan");
    for p in &r.points {
        let _ =
            writeln!(out, "{:w$}{:<24.3}{:.3}", format!("P(all on time), {}", p.point), p.p_on_time[0], p.p_on_time[1]);
        for q in &p.promises {
            let change = match q.later_days {
                Some(d) if d.abs() < 0.05 => " (unchanged)".to_string(),
                Some(d) if d > 0.0 => format!(" ({d:.1} days later)"),
                Some(d) => format!(" ({:.1} days earlier)", -d),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "{:w$}{:24}{}{change}",
                format!("  promise at {:.0}%", q.confidence * 100.0),
                q.plan.as_deref().unwrap_or("beyond the horizon"),
                q.now.as_deref().unwrap_or("beyond the horizon")
            );
        }
    }
    out
}

pub(super) fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".into(), |x| fixed(x, digits))
}

/// "1 route", "2 routes".
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `x` with `digits` decimals, never "-0.0": a value that rounds to zero is written as zero
/// (an interval's lower end a rounding error below it, say).
pub(crate) fn fixed(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// Decimals a compare metric is shown with: probabilities 3, the rest 1.
pub(crate) fn digits(metric: &str) -> usize {
    if metric.starts_with("p_") { 3 } else { 1 }
}

pub use super::study_text::{comparison, plan, sweep, tornado};
pub(crate) use super::study_text::{narrower, plan_evaluation, plan_words, selection_words};
