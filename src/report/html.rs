//! `report.html`: one self-contained page (inline SVG and CSS, no scripts, nothing fetched)
//! that a planner can open and forward.
//!
//! The markup is also well-formed XML, so tests (and tools) can parse it strictly.

use std::fmt::Write as _;

use super::chart::Figure;
use super::rundata::RunData;
use super::text::{fixed, thousands};
use crate::analysis::summary::{Delivery, Interval};

/// Escapes text for HTML (and XML).
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "beyond horizon".into(), |x| fixed(x, digits))
}

fn interval(ci: &Interval, digits: usize) -> String {
    let b = |v: Option<f64>| v.map_or_else(|| "?".into(), |x| fixed(x, digits));
    format!("[{}, {}]", b(ci[0]), b(ci[1]))
}

/// The headline for one delivery point: "P(on time) = 0.887 [0.865, 0.904]; 95 % promise:
/// 2026-01-04".
pub fn headline(d: &Delivery) -> String {
    let promise = d
        .promise
        .iter()
        .find(|p| (p.confidence - 0.95).abs() < 1e-9)
        .or_else(|| d.promise.last())
        .map(|p| {
            format!(
                "{:.0} % promise: {}",
                p.confidence * 100.0,
                p.date.clone().unwrap_or_else(|| "beyond the horizon".into())
            )
        })
        .unwrap_or_default();
    format!("P(on time) = {:.3} [{:.3}, {:.3}]; {promise}", d.p_on_time, d.p_on_time_ci95[0], d.p_on_time_ci95[1])
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{margin-bottom:0.2em}h2{margin-top:2em;border-bottom:1px solid #ccc}\
.headline{background:#f3f7fb;border-left:6px solid #1f77b4;padding:0.8em 1.2em;font-size:1.15em}\
.headline .handover{border-left-color:#e66e00}\
table{border-collapse:collapse;margin:1em 0;font-size:0.92em}th,td{border:1px solid #ccc;padding:0.3em 0.6em;text-align:right}\
th:first-child,td:first-child{text-align:left}thead th{background:#f0f0f0}\
figure{margin:2em 0}figure svg{width:100%;height:auto;border:1px solid #ddd}figcaption{color:#555;font-size:0.92em}\
.warn{color:#a33}code,pre{background:#f5f5f5;padding:0.1em 0.3em}pre{padding:0.8em;overflow-x:auto}";

/// Builds the report page of a run folder.
/// A run from a shipment status: where the order stood, and the plan beside the new answer.
fn replanning(o: &mut String, s: &crate::analysis::summary::Summary) {
    let Some(st) = &s.status else { return };
    let _ = writeln!(
        o,
        "<h2>Re-planned from the shipment status of {}</h2>\n<p>Then: {} t delivered, {} t on the way, {} t still to produce. \
         Everything after that date is simulated from where the shipments were.</p>",
        escape(&st.as_of),
        thousands(st.delivered_t),
        thousands(st.on_the_way_t),
        thousands(st.to_produce_t)
    );
    let Some(r) = &s.replan else { return };
    let same = if r.same_scenario {
        ""
    } else {
        " The plan ran a different scenario text: part of the change is the scenario's."
    };
    let _ = writeln!(
        o,
        "<p>Beside the plan in <code>{}</code> ({}).{same}</p>\n<table><thead><tr><th>at</th><th></th><th>plan</th><th>now</th><th>change</th></tr></thead><tbody>",
        escape(&r.plan),
        escape(&r.plan_scenario)
    );
    for p in &r.points {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>P(all on time)</td><td>{:.3}</td><td>{:.3}</td><td>{:+.3}</td></tr>",
            escape(&p.point),
            p.p_on_time[0],
            p.p_on_time[1],
            p.p_on_time[1] - p.p_on_time[0]
        );
        for q in &p.promises {
            let date = |d: &Option<String>| escape(d.as_deref().unwrap_or("beyond the horizon"));
            let change = q.later_days.map_or_else(String::new, |d| format!("{d:+.1} days"));
            let _ = writeln!(
                o,
                "<tr><td></td><td>promise at {:.0} %</td><td>{}</td><td>{}</td><td>{change}</td></tr>",
                q.confidence * 100.0,
                date(&q.plan),
                date(&q.now)
            );
        }
    }
    let _ = writeln!(o, "</tbody></table>");
}

/// The start of a page titled `steelsim: TITLE`, up to the opened body. The page carries the
/// figures' font: their labels and legend boxes are measured with it, and a browser's own
/// sans-serif (often wider) would run text out of its boxes.
pub(crate) fn head(title: &str) -> String {
    use base64::Engine as _;
    let font = base64::engine::general_purpose::STANDARD.encode(ttf_noto_sans::REGULAR);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width\"/>\
         <title>steelsim: {name}</title><style>{STYLE}</style>\
         <style>@font-face{{font-family:'Noto Sans';src:url(data:font/ttf;base64,{font})}}</style></head><body>\n",
        name = escape(title)
    )
}

/// Every figure inline (SVG), each with its caption and links to its files.
pub(crate) fn figures_inline(o: &mut String, figures: &[Figure]) {
    for f in figures {
        let svg = f.svg.find("<svg").map_or(f.svg.as_str(), |i| &f.svg[i..]);
        let _ = writeln!(
            o,
            "<figure id=\"{id}\">{svg}<figcaption>{cap} (<a href=\"figures/{id}.png\">PNG</a>, <a href=\"figures/{id}.svg\">SVG</a>)</figcaption></figure>",
            id = escape(&f.name),
            cap = escape(&f.caption)
        );
    }
}

pub(crate) fn report(data: &RunData, figures: &[Figure]) -> String {
    let s = &data.summary;
    let h = &s.handover.delivery;
    let mut o = head(&s.scenario);
    let _ = writeln!(o, "<h1>steelsim: {}</h1>", escape(&s.scenario));
    if let Some(d) = &s.description {
        let _ = writeln!(o, "<p>{}</p>", escape(d));
    }
    let _ = writeln!(
        o,
        "<div class=\"headline\"><p><b>At the destinations:</b> {}</p><p><b>At the handover ({}):</b> {}</p>\
         <p>Order of {} t from {} due {}; {} replications, seed {}.</p></div>",
        escape(&headline(&s.destination)),
        escape(&places(&data.labels, &s.handover.points)),
        escape(&headline(h)),
        thousands(s.order_tonnes),
        escape(&s.start),
        escape(&s.deadline),
        s.replications,
        s.seed
    );
    replanning(&mut o, s);
    if let Some(v) = &data.info.variant {
        variant(&mut o, v);
    }
    if let Some(c) = &s.contract {
        contract(&mut o, c, &s.cost.currency, s.order_tonnes, &data.labels);
    }
    if let Some(sc) = &data.scenario {
        key_parameters(&mut o, sc, &data.labels);
    }

    let _ = writeln!(
        o,
        "<h2>Guarantees</h2>\n<p>With each confidence: the date by which the whole order has arrived, and the tonnes that have arrived by the deadline (95 % intervals in brackets).</p>"
    );
    let _ = writeln!(
        o,
        "<table><thead><tr><th>confidence</th><th>promise, destination</th><th>tonnes by deadline, destination</th>\
         <th>promise, handover</th><th>tonnes by deadline, handover</th><th>losses within tolerance ({} t)</th></tr></thead><tbody>",
        thousands(s.lost_tonnes.tolerance)
    );
    for g in &s.guarantees {
        let promise = |a: &crate::analysis::summary::GuaranteeAt| {
            format!(
                "{} (day {} {})",
                a.promise_date.clone().unwrap_or_else(|| "beyond horizon".into()),
                num(a.promise_days, 1),
                interval(&a.promise_days_ci95, 1)
            )
        };
        let _ = writeln!(
            o,
            "<tr><td>{:.0} %</td><td>{}</td><td>{} t {}</td><td>{}</td><td>{} t {}</td><td>{} (P(exceed) = {:.3})</td></tr>",
            g.confidence * 100.0,
            escape(&promise(&g.destination)),
            thousands(g.destination.tonnes_by_deadline),
            interval(&g.destination.tonnes_by_deadline_ci95, 0),
            escape(&promise(&g.handover)),
            thousands(g.handover.tonnes_by_deadline),
            interval(&g.handover.tonnes_by_deadline_ci95, 0),
            if g.lost_within_tolerance { "yes" } else { "no" },
            g.p_lost_exceeds_tolerance
        );
    }
    let _ = writeln!(o, "</tbody></table>");

    let _ = writeln!(o, "<h2>Figures</h2>");
    figures_inline(&mut o, figures);

    let _ = writeln!(
        o,
        "<h2>Stages</h2>\n<table><thead><tr><th>stage</th><th>kind</th><th>lots per replication</th><th>mean wait, h</th><th>p90 wait, h</th><th>mean service, h</th><th>p90 service, h</th><th>utilisation</th></tr></thead><tbody>"
    );
    for st in &s.stages {
        let _ = writeln!(
            o,
            "<tr><td>{} <small><code>{}</code></small></td><td>{}</td><td>{:.1}</td><td>{:.1} {}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{}</td></tr>",
            escape(&data.labels.stage(&st.name, &st.kind)),
            escape(&st.name),
            escape(&st.kind),
            st.lots,
            st.mean_wait_hours,
            interval(&st.mean_wait_hours_ci95, 1),
            st.p90_wait_hours,
            st.mean_service_hours,
            st.p90_service_hours,
            st.utilisation.map_or_else(String::new, |u| format!("{u:.3} {}", interval(&st.utilisation_ci95, 3)))
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    if let Some(b) = &s.bottleneck {
        let _ = writeln!(
            o,
            "<p>The busiest resource is <b>{}</b> ({}), in use {:.0} % of the time, where lots wait {:.1} h on average.</p>",
            escape(&data.labels.stage(&b.stage, &b.kind)),
            escape(&b.kind),
            b.utilisation * 100.0,
            b.mean_wait_hours
        );
    }
    if let Some(i) = &s.inputs {
        let _ = writeln!(
            o,
            "<h2>What we do not know</h2>\n<p>{} figures the sources disagree on are drawn in each replication, so every \
             interval above includes their uncertainty as well as the randomness of operations. They explain {:.0} % of \
             the variance of the completion day at the destinations and {:.0} % at the handover; the rest is operations \
             ({}).</p>",
            i.figures.len(),
            i.share_destination * 100.0,
            i.share_handover * 100.0,
            escape(&i.method)
        );
        let _ = writeln!(
            o,
            "<table><thead><tr><th>figure</th><th>factor drawn, mean (sd)</th><th>explains at the destinations</th><th>at the handover</th></tr></thead><tbody>"
        );
        for f in &i.figures {
            let _ = writeln!(
                o,
                "<tr><td>{}{}</td><td>{:.3} ({:.3})</td><td>{:.0} %</td><td>{:.0} %</td></tr>",
                escape(&f.name),
                if i.measure_first.as_deref() == Some(f.name.as_str()) { " (measure this first)" } else { "" },
                f.factor_mean,
                f.factor_sd,
                f.explains_destination * 100.0,
                f.explains_handover * 100.0
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }
    controlled(&mut o, s);
    let _ = writeln!(
        o,
        "<h2>Lead times by corridor</h2>\n<table><thead><tr><th>corridor</th><th>lots per replication</th><th>mean, days</th><th>5 %</th><th>25 %</th><th>median</th><th>75 %</th><th>95 %</th></tr></thead><tbody>"
    );
    for c in &s.corridors {
        let q = |i: usize| num(c.quantiles_days[i], 1);
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.name),
            c.lots,
            num(c.mean_days, 1),
            q(0),
            q(1),
            q(2),
            q(3),
            q(4)
        );
    }
    let _ = writeln!(o, "</tbody></table>");

    let _ = writeln!(
        o,
        "<h2>Losses and costs</h2><p>Lost or damaged: {} t per replication on average {}, at most {} t; all produced again and re-shipped.</p>\
         <p>Costs: {} {:.2} per tonne {}; late-delivery penalties {} {} per replication {}.</p>",
        thousands(s.lost_tonnes.mean),
        interval(&s.lost_tonnes.mean_ci95, 0),
        thousands(s.lost_tonnes.max),
        escape(&s.cost.currency),
        s.cost.per_tonne,
        interval(&s.cost.per_tonne_ci95, 2),
        escape(&s.cost.currency),
        thousands(s.cost.penalty),
        interval(&s.cost.penalty_ci95, 0)
    );

    if s.incomplete.replications > 0 {
        let _ = writeln!(
            o,
            "<h2>Incomplete replications</h2><p>{} replications had not delivered everything by the horizon ({}). Where the undelivered tonnes were:</p><ul>",
            s.incomplete.replications,
            escape(&s.horizon)
        );
        for st in &s.incomplete.stuck {
            let _ = writeln!(
                o,
                "<li>{}: in {} replications, {} t on average</li>",
                escape(&st.location),
                st.replications,
                thousands(st.mean_tonnes)
            );
        }
        let _ = writeln!(o, "</ul>");
    }
    if !s.warnings.is_empty() {
        let _ = writeln!(o, "<h2>Warnings</h2><ul>");
        for w in &s.warnings {
            let _ = writeln!(o, "<li class=\"warn\">{}</li>", escape(w));
        }
        let _ = writeln!(o, "</ul>");
    }

    let _ = writeln!(
        o,
        "<h2>Reproduce</h2><p>steelsim {} with the scenario in <code>scenario.toml</code> (hash {}) and seed {}:</p><pre>{}</pre>\
         <p>Figures and this page are redrawn from the data files with <code>steelsim plot DIR</code>. \
         All data behind them are in <code>summary.json</code>, <code>replications.csv</code> and <code>timeseries.csv</code>.</p>",
        escape(&data.info.steelsim),
        escape(&data.info.scenario_hash),
        s.seed,
        escape(&data.info.command)
    );
    let _ = writeln!(o, "</body></html>");
    o
}

fn share(p: f64, ci: [f64; 2]) -> String {
    format!("{p:.3} [{:.3}, {:.3}]", ci[0], ci[1])
}

/// The guarantee sheet, the call-offs and the damages: what a seller signs.
fn contract(
    o: &mut String,
    c: &crate::analysis::contract::ContractSummary,
    currency: &str,
    order_tonnes: f64,
    labels: &super::labels::Labels,
) {
    let _ = writeln!(
        o,
        "<h2>Under the contract: {} {}</h2>\n<p>Delivered in full means at least {} t of the {} t ordered \
         (a tolerance of {} %), due {}. P(delivered in full by then): {}.</p>",
        escape(&c.incoterm),
        escape(&places(labels, &c.places)),
        thousands(c.floor_tonnes),
        thousands(order_tonnes),
        super::text::percent(c.tolerance),
        escape(&c.due),
        share(c.p_in_full, c.p_in_full_ci95)
    );
    let _ = writeln!(
        o,
        "<table><thead><tr><th>confidence</th><th>date to sign</th><th>expected damages if signed</th>\
         <th>price of the guarantee, per tonne</th></tr></thead><tbody>"
    );
    for g in &c.guarantees {
        let date = match (&g.date, g.days) {
            (Some(d), Some(days)) => format!("{d} (day {days:.1} {})", interval(&g.days_ci95, 1)),
            _ => "beyond the horizon".into(),
        };
        let _ = writeln!(
            o,
            "<tr><td>{:.0} %</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            g.confidence * 100.0,
            escape(&date),
            g.expected_damages.map_or_else(|| "-".into(), |e| format!("{} {}", escape(currency), thousands(e))),
            g.price_per_t.map_or_else(|| "-".into(), |p| format!("{p:.2}"))
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    let _ = writeln!(
        o,
        "<table><thead><tr><th>call-off</th><th>at least</th><th>P(met)</th><th>short by, mean</th>\
         <th>short by, 95 %</th></tr></thead><tbody>"
    );
    for co in &c.calloffs {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{} t</td><td>{}</td><td>{} t</td><td>{} t</td></tr>",
            escape(&co.date),
            thousands(co.floor_tonnes),
            share(co.p_met, co.p_met_ci95),
            thousands(co.shortfall_mean),
            thousands(co.shortfall_p95)
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    let _ = writeln!(o, "<p>P(every call-off met): {}.</p>", share(c.p_all_calloffs_met, c.p_all_calloffs_met_ci95));
    let k = &c.costs;
    if k.seller_per_t + k.buyer_per_t > 0.0 {
        let _ = writeln!(
            o,
            "<p>Costs of moving the order, per tonne ordered, under {}: the seller pays {} {:.2} {}, the buyer {} {:.2} {}.</p>",
            escape(&c.incoterm),
            escape(currency),
            k.seller_per_t,
            interval(&k.seller_per_t_ci95, 2),
            escape(currency),
            k.buyer_per_t,
            interval(&k.buyer_per_t_ci95, 2)
        );
    }
    if let Some(l) = &c.losses {
        let cur = escape(currency);
        let cover = l.cover.as_ref().map_or_else(
            || "The seller does not insure the goods".to_string(),
            |c| format!("The seller insures the goods on Institute Cargo Clauses {}", escape(c)),
        );
        let _ = writeln!(
            o,
            "<p>{cover}: premium {cur} {:.2} {} per tonne ordered, claims paid {cur} {:.2} {}. Goods lost in \
             transit, less the claims on them, cost the seller {cur} {:.2} {} and the buyer (after delivery) \
             {cur} {:.2} {} per tonne. The price of each guarantee above is its expected damages, the premium \
             and the seller's loss.</p>",
            l.premium_per_t,
            interval(&l.premium_per_t_ci95, 2),
            l.claims_per_t,
            interval(&l.claims_per_t_ci95, 2),
            l.seller_loss_per_t,
            interval(&l.seller_loss_per_t_ci95, 2),
            l.buyer_loss_per_t,
            interval(&l.buyer_loss_per_t_ci95, 2)
        );
    }
    if let Some(d) = &c.damages {
        let cap = match (d.cap, d.cap_per_t) {
            (Some(cap), _) => format!(
                "; the cap of {} {} is reached with probability {:.3}",
                escape(currency),
                thousands(cap),
                d.p_at_cap
            ),
            (None, Some(per_t)) => format!("; at most {} {per_t:.2} per tonne delivered late", escape(currency)),
            (None, None) => String::new(),
        };
        let cap = match d.censored_replications {
            0 => cap,
            k => format!(
                "{cap}. In {k} replications tonnes were still owed at the end of the horizon: their damages are \
                 counted only until then, a lower bound"
            ),
        };
        let _ = writeln!(
            o,
            "<p>Liquidated damages under the schedule ({} {:.2} per tonne per day late after {} days' grace): \
             mean {} {} {}, 95th percentile {} {}{cap}.</p>",
            escape(currency),
            d.per_t_day,
            d.grace_days,
            escape(currency),
            thousands(d.mean),
            interval(&d.mean_ci95, 0),
            escape(currency),
            thousands(d.p95)
        );
    }
}

fn value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => thousands(*i as f64),
        toml::Value::Float(f) if f.fract() == 0.0 => thousands(*f),
        toml::Value::Table(t) => t.iter().map(|(k, v)| format!("{k} {}", value(v))).collect::<Vec<_>>().join(", "),
        toml::Value::Array(a) => a.iter().map(value).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// What this scenario changes from its base, field by field.
fn variant(o: &mut String, v: &super::Variant) {
    let _ = writeln!(o, "<h2>What this variant changes</h2>");
    if v.changes.is_empty() {
        let _ = writeln!(o, "<p>Nothing: every field is as in {}.</p>", escape(&v.base));
        return;
    }
    let _ =
        writeln!(o, "<table><thead><tr><th>field</th><th>in {}</th><th>here</th></tr></thead><tbody>", escape(&v.base));
    let shown = |x: &Option<String>| x.as_deref().map_or_else(|| "(not set)".to_string(), escape);
    for c in &v.changes {
        let _ = writeln!(
            o,
            "<tr><td>{} <code>{}</code></td><td>{}</td><td>{}</td></tr>",
            escape(&super::study_html::parameter(&c.path)),
            escape(&c.path),
            shown(&c.base),
            shown(&c.variant)
        );
    }
    let _ = writeln!(o, "</tbody></table>");
}

/// The scenario's key figures: the order, the mills, the carrier pools, the network's size.
/// Places in words, as a list.
fn places(labels: &super::labels::Labels, ids: &[String]) -> String {
    ids.iter().map(|p| labels.place(p)).collect::<Vec<_>>().join(", ")
}

fn key_parameters(o: &mut String, sc: &toml::Table, labels: &super::labels::Labels) {
    let _ = writeln!(o, "<h2>Key parameters</h2><table><tbody>");
    let row = |o: &mut String, k: &str, v: String| {
        let _ = writeln!(o, "<tr><td>{}</td><td>{}</td></tr>", escape(k), escape(&v));
    };
    if let Some(order) = sc.get("order").and_then(toml::Value::as_table) {
        for key in ["tonnes", "start", "deadline", "horizon", "mix", "destinations", "handover", "routing"] {
            if let Some(v) = order.get(key) {
                row(o, &format!("order {key}"), value(v));
            }
        }
    }
    if let Some(mills) = sc.get("mills").and_then(toml::Value::as_table) {
        for (name, m) in mills {
            let rate = m.get("rate_t_per_day").map(value).unwrap_or_default();
            let lot = m.get("lot_t").map(value).unwrap_or_default();
            row(o, &format!("mill: {}", labels.place(name)), format!("{rate} t/day, lots of {lot} t"));
        }
    }
    if let Some(pools) = sc.get("pools").and_then(toml::Value::as_table) {
        for (name, p) in pools {
            let units = p.get("units").map(value).unwrap_or_default();
            let payload = p.get("payload_t").map(value).unwrap_or_default();
            row(o, &format!("carriers: {}", labels.pool(name)), format!("{units} of {payload} t"));
        }
    }
    let count =
        |k: &str| sc.get(k).map_or(0, |v| v.as_table().map_or_else(|| v.as_array().map_or(0, Vec::len), |t| t.len()));
    row(
        o,
        "network",
        [
            ("nodes", "node", "nodes"),
            ("legs", "leg", "legs"),
            ("routes", "route", "routes"),
            ("background", "background flow", "background flows"),
            ("disruptions", "disruption row", "disruption rows"),
        ]
        .map(|(key, one, many)| super::text::count(count(key), one, many))
        .join(", "),
    );
    let _ = writeln!(o, "</tbody></table>");
}

/// P(on time) corrected with control variates, where the run gives it.
fn controlled(o: &mut String, s: &crate::analysis::summary::Summary) {
    let Some(cv) = &s.control_variates else { return };
    let points = [("at the destinations", &cv.p_on_time), ("at the handover", &cv.handover_p_on_time)];
    let said: Vec<String> = points
        .iter()
        .filter_map(|(at, c)| {
            c.as_ref().map(|c| {
                format!(
                    "{:.3} [{:.3}, {:.3}] {at} ({:.0} % of the variance removed by {} controls)",
                    c.estimate,
                    c.ci95[0],
                    c.ci95[1],
                    c.variance_reduction * 100.0,
                    c.controls_used
                )
            })
        })
        .collect();
    if said.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<p>Corrected for how far each replication's disruptions and uncertain figures fell from their expectations \
         (control variates), P(on time) is {}.</p>",
        said.join(" and ")
    );
}
