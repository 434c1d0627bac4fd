//! `report.html` of the studies (`compare`, `sweep`, `sweep --tornado`, `plan`): one
//! self-contained page each (inline SVG and CSS, nothing fetched), with the answer first, its
//! table in plain words, and the figures. Built from the study's data file, as its figures are,
//! so that `steelsim plot` redraws it.

use std::fmt::Write as _;

use super::chart::Figure;
use super::html::{escape, figures_inline, head};
use super::text::{digits, fixed, narrower};
use crate::analysis::compare::Comparison;
use crate::analysis::plan::{Decision, PlanResult};
use crate::analysis::sweep::SweepPoint;
use crate::analysis::tornado::Tornado;

/// A compare metric in words, with its unit.
fn metric(name: &str) -> String {
    let confidence = |prefix: &str| name.strip_prefix(prefix).map(str::to_string);
    if let Some(c) = confidence("promise_days_") {
        return format!("date promised at {c} %, days from the start");
    }
    if let Some(c) = confidence("sign_days_") {
        return format!("date to sign at {c} % (contract), days from the start");
    }
    match name {
        "p_on_time" => "P(everything on time)",
        "tonnes_by_deadline_mean" => "tonnes by the deadline, mean",
        "cost_per_tonne" => "cost per tonne",
        "penalty" => "late penalties per replication",
        "lost_tonnes" => "tonnes lost per replication",
        "p_in_full" => "P(in full by the last call-off)",
        "p_all_calloffs_met" => "P(every call-off met)",
        "damages_mean" => "liquidated damages per replication, mean",
        "seller_cost_per_t" => "costs the seller pays under the Incoterm, per tonne",
        "buyer_cost_per_t" => "costs the buyer pays under the Incoterm, per tonne",
        "seller_risk_per_t" => "seller's insurance premium and uninsured losses, per tonne",
        other => other,
    }
    .to_string()
}

/// A scenario path in words: `nodes.sarakhs.stages[0].capacity` becomes "sarakhs, stage 1:
/// capacity"; `pools.wagons_1435.units` "pool wagons_1435: units".
pub(crate) fn parameter(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let field = parts.last().copied().unwrap_or(path).replace('_', " ");
    let owner: Vec<String> = parts[..parts.len().saturating_sub(1)]
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let kind = if i == 0 { Some(*p) } else { None };
            match kind {
                Some("nodes" | "mills" | "legs" | "routes" | "order" | "contract" | "background") => None,
                Some("pools") => Some("pool".to_string()),
                _ => Some(match p.split_once('[') {
                    Some((what, index)) => {
                        let n: usize = index.trim_end_matches(']').parse().unwrap_or(0);
                        format!("{} {}", what.trim_end_matches('s'), n + 1)
                    }
                    None => p.to_string(),
                }),
            }
        })
        .collect();
    if owner.is_empty() { field } else { format!("{}: {field}", owner.join(", ").replacen("pool, ", "pool ", 1)) }
}

fn value(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "beyond the horizon".into(), |x| fixed(x, digits))
}

fn interval(ci: &[Option<f64>; 2], digits: usize) -> String {
    let b = |v: Option<f64>| v.map_or_else(|| "?".into(), |x| fixed(x, digits));
    format!("[{}, {}]", b(ci[0]), b(ci[1]))
}

fn end(mut o: String, figures: &[Figure]) -> String {
    if !figures.is_empty() {
        let _ = writeln!(o, "<h2>Figures</h2>");
        figures_inline(&mut o, figures);
    }
    let _ = writeln!(o, "</body></html>");
    o
}

/// The page of a comparison.
pub(crate) fn compare(c: &Comparison, figures: &[Figure]) -> String {
    let mut o = head(&format!("{} compared", c.base));
    let _ = writeln!(
        o,
        "<h1>steelsim: {} and its variants</h1>\n<p>Every scenario ran the same {} replications (seed {}) on common \
         random numbers: each difference below is paired, replication by replication, so it is due to the change and \
         not to luck. Intervals are at {:.0} %; <i>narrower</i> says how much narrower the paired interval is than \
         one from independent runs.</p>",
        escape(&c.base),
        c.replications,
        c.seed,
        c.interval_level * 100.0
    );
    if let Some(sel) = &c.selection {
        let (headline, lines) = super::text::selection_words(sel);
        let items: Vec<String> = lines.iter().map(|l| format!("<li>{}</li>", escape(l))).collect();
        let _ =
            writeln!(o, "<div class=\"headline\"><p><b>{}</b></p><ul>{}</ul></div>", escape(&headline), items.concat());
    }
    for v in &c.variants {
        if let Some(p) = v.metrics.iter().find(|m| m.metric == "p_on_time" && m.point.as_str() == "destination") {
            let d = &p.difference;
            let _ = writeln!(
                o,
                "<div class=\"headline\"><p><b>{}</b>: P(everything at the destinations on time) {} instead of {}, \
                 a change of {} (95 % interval {}).</p></div>",
                escape(&v.scenario),
                value(d.variant, 3),
                value(d.base, 3),
                d.difference.map_or_else(|| "?".into(), |x| format!("{x:+.3}")),
                interval(&d.ci95, 3)
            );
        }
        let _ = writeln!(
            o,
            "<h2>{} minus {}</h2>\n<table><thead><tr><th>measure</th><th>at</th><th>{}</th><th>{}</th>\
             <th>difference</th><th>paired interval</th><th>narrower</th></tr></thead><tbody>",
            escape(&v.scenario),
            escape(&c.base),
            escape(&c.base),
            escape(&v.scenario)
        );
        for m in &v.metrics {
            let d = &m.difference;
            let (digits, narrower) = (digits(&m.metric), narrower(d));
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{narrower}</td></tr>",
                escape(&metric(&m.metric)),
                m.point.as_str(),
                value(d.base, digits),
                value(d.variant, digits),
                d.difference.map_or_else(|| "beyond the horizon".into(), |x| fixed(x, digits)),
                interval(&d.ci95, digits)
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }
    end(o, figures)
}

/// The page of a sweep.
pub(crate) fn sweep(points: &[SweepPoint], figures: &[Figure]) -> String {
    let name = points.first().map_or("sweep", |p| p.summary.scenario.as_str());
    let mut o = head(&format!("{name} swept"));
    let fields: Vec<String> =
        points.first().map(|p| p.settings.iter().map(|(k, _)| parameter(k)).collect()).unwrap_or_default();
    let _ = writeln!(
        o,
        "<h1>steelsim: {} over {}</h1>\n<p>Each row is the scenario with the values shown, {} replications each, on \
         the same random numbers.</p>",
        escape(name),
        escape(&fields.join(" and ")),
        points.first().map_or(0, |p| p.summary.replications)
    );
    let _ = write!(o, "<table><thead><tr>");
    for f in &fields {
        let _ = write!(o, "<th>{}</th>", escape(f));
    }
    let _ = writeln!(
        o,
        "<th>P(on time) at the destinations</th><th>at the handover</th><th>promise at 95 %</th></tr></thead><tbody>"
    );
    for p in points {
        let s = &p.summary;
        let _ = write!(o, "<tr>");
        for (_, v) in &p.settings {
            let _ = write!(o, "<td>{}</td>", escape(v));
        }
        let share = |d: &crate::analysis::summary::Delivery| {
            format!("{:.3} [{:.3}, {:.3}]", d.p_on_time, d.p_on_time_ci95[0], d.p_on_time_ci95[1])
        };
        let promise = s
            .destination
            .promise
            .iter()
            .find(|x| (x.confidence - 0.95).abs() < 1e-9)
            .and_then(|x| x.date.clone())
            .unwrap_or_else(|| "beyond the horizon".into());
        let _ = writeln!(
            o,
            "<td>{}</td><td>{}</td><td>{}</td></tr>",
            share(&s.destination),
            share(&s.handover.delivery),
            escape(&promise)
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    end(o, figures)
}

/// The page of a tornado chart.
pub(crate) fn tornado(t: &Tornado, figures: &[Figure]) -> String {
    let mut o = head("tornado");
    let rest = match t.bars.iter().filter(|b| !b.screened && !b.precise).count() {
        0 => format!("every parameter stopped early: {} replications in all", t.replications_total),
        k => format!("the other {k} ran {} each ({} in all)", t.replications, t.replications_total),
    };
    let _ = writeln!(
        o,
        "<h1>steelsim: what moves P(on time)</h1>\n<p>Each parameter lowered and raised by {}% in turn, everything else \
         as in the scenario, on the same random numbers. The scenario itself: P(on time) {:.3} at the destinations, \
         {:.3} at the handover. Whole-number parameters move by whole steps: the values tried are shown. A parameter \
         stopped once its effect was known to within {:.3} at both points (by a paired 95 % interval): \"small\" if \
         that interval lay within it of zero, \"known\" if not; {rest}.</p>\n\
         <table><thead><tr><th>parameter</th><th>values tried</th><th>at the destinations</th><th>effect</th>\
         <th>at the handover</th><th>effect</th><th>replications</th></tr></thead><tbody>",
        t.percent, t.base_p_on_time[0], t.base_p_on_time[1], t.threshold,
    );
    for b in &t.bars {
        let _ = writeln!(
            o,
            "<tr><td>{} <code>{}</code></td><td>{} / {} / {}</td><td>{:.3} to {:.3}</td><td>{:+.3}</td>\
             <td>{:.3} to {:.3}</td><td>{:+.3}</td><td>{}{}</td></tr>",
            escape(&parameter(&b.parameter)),
            escape(&b.parameter),
            escape(&b.low_value),
            escape(&b.base_value),
            escape(&b.high_value),
            b.p_on_time[0],
            b.p_on_time[1],
            b.effect,
            b.handover_p_on_time[0],
            b.handover_p_on_time[1],
            b.handover_effect,
            b.replications,
            if b.screened {
                " (small)"
            } else if b.precise {
                " (known)"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    if !t.skipped.is_empty() {
        let skipped: Vec<String> = t.skipped.iter().map(|s| escape(s)).collect();
        let _ = writeln!(o, "<p>Not moved by the percentage (whole numbers too small): {}.</p>", skipped.join(", "));
    }
    end(o, figures)
}

/// The page of a plan search.
pub(crate) fn plan(p: &PlanResult) -> String {
    let at = p.at.label();
    let mut o = head(&format!("plan for {}", p.path));
    let _ = writeln!(o, "<h1>steelsim: how much {} is needed</h1>", escape(&parameter(&p.path)));
    let words = super::text::plan_words(p);
    let _ = writeln!(o, "<div class=\"headline\"><p><b>{}</b></p>", escape(&words.headline));
    for (caption, e) in &words.evidence {
        let _ = writeln!(o, "<p>{} {}</p>", escape(caption), escape(&super::text::plan_evaluation(p, e)));
    }
    let _ = writeln!(o, "<p>{}</p></div>", escape(&words.footer));
    let _ = writeln!(
        o,
        "<h2>Every value tried</h2>\n<table><thead><tr><th>{}</th><th>replications</th><th>P({at})</th>\
         <th>95 % interval</th><th>decision</th></tr></thead><tbody>",
        escape(&p.path)
    );
    for e in &p.evaluations {
        let decision = match e.decision {
            Decision::Reaches => "reaches",
            Decision::FallsShort => "falls short",
            Decision::Undecided => "too close to tell",
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>[{:.3}, {:.3}]</td><td>{decision}</td></tr>",
            escape(&e.value),
            e.replications,
            e.p_on_time,
            e.p_on_time_ci95[0],
            e.p_on_time_ci95[1]
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    end(o, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_words() {
        assert_eq!(parameter("nodes.sarakhs.stages[0].capacity"), "sarakhs, stage 1: capacity");
        assert_eq!(parameter("pools.wagons_1435.units"), "pool wagons_1435: units");
        assert_eq!(parameter("mills.isfahan.rate_t_per_day"), "isfahan: rate t per day");
        assert_eq!(parameter("order.start"), "start");
        assert_eq!(metric("promise_days_95"), "date promised at 95 %, days from the start");
        assert_eq!(metric("p_on_time"), "P(everything on time)");
    }
}
