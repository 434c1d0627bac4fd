//! The short human summary printed after a run.

use std::fmt::Write as _;

use crate::analysis::contract::ContractSummary;
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

fn opt(v: Option<f64>, digits: usize) -> String {
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

/// How much narrower a paired interval is than the unpaired one: "2.3x", "exact" (paired
/// width zero) or "-".
pub(crate) fn narrower(d: &crate::stats::paired::Difference) -> String {
    let width = |ci: &[Option<f64>; 2]| ci[0].zip(ci[1]).map(|(a, b)| b - a);
    match (width(&d.unpaired_ci95), width(&d.ci95)) {
        (Some(u), Some(p)) if p > 0.0 => format!("{:.1}x", u / p),
        (Some(_), Some(_)) => "exact".into(),
        _ => "-".into(),
    }
}

/// Renders a comparison: for each variant and metric, the paired difference and interval,
/// and how much narrower it is than an unpaired one.
pub fn comparison(c: &crate::analysis::compare::Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "steelsim compare: base {} ({} replications each, seed {}, common random numbers)",
        c.base, c.replications, c.seed
    );
    for v in &c.variants {
        let _ = writeln!(out, "\n{} minus {}", v.scenario, c.base);
        let _ = writeln!(
            out,
            "  {:12} {:26} {:>11} {:>11} {:>11}  {:24} {:>9}",
            "point", "metric", "base", "variant", "difference", "paired 95% CI", "narrower"
        );
        for m in &v.metrics {
            let d = &m.difference;
            let (digits, ratio) = (digits(&m.metric), narrower(d));
            let ci = format!("[{}, {}]", opt(d.ci95[0], digits), opt(d.ci95[1], digits));
            let _ = writeln!(
                out,
                "  {:12} {:26} {:>11} {:>11} {:>11}  {:24} {:>9}",
                m.point.as_str(),
                m.metric,
                opt(d.base, digits),
                opt(d.variant, digits),
                opt(d.difference, digits),
                ci,
                ratio
            );
        }
    }
    if let Some(sel) = &c.selection {
        let (headline, lines) = selection_words(sel);
        let _ = writeln!(out, "\n{headline}");
        for l in lines {
            let _ = writeln!(out, "  {l}");
        }
    }
    out
}

/// `compare --select` in words: the verdict, then one line per scenario (shared by the
/// terminal and `report.html`).
pub(crate) fn selection_words(sel: &crate::analysis::best::Selection) -> (String, Vec<String>) {
    use crate::analysis::best::Criterion;
    let what = match Criterion::from_name(&sel.criterion) {
        Some(Criterion::Success(s)) => format!("the highest P({})", s.label()),
        Some(Criterion::Completion) => "the earliest mean completion at the destinations".to_string(),
        None => sel.criterion.clone(),
    };
    let unit = if sel.criterion == "completion" { " days" } else { "" };
    let headline = match sel.ending.as_str() {
        "cap" => format!(
            "Best by {what}: {}, the best estimate when the cap on replications came first: not shown to be \
             best with 95 % confidence.",
            sel.best
        ),
        _ => format!(
            "Best by {what}: {}, right with probability at least {:.0} % if the best beats every other by {}{unit} \
             or more (KN, from {} replications each; {} in all).",
            sel.best,
            sel.p_correct * 100.0,
            sel.indifference,
            sel.first_stage,
            thousands(sel.replications_total as f64)
        ),
    };
    let lines = sel
        .contenders
        .iter()
        .map(|c| {
            let digits = if unit.is_empty() { 3 } else { 1 };
            let fate = match c.eliminated_at {
                Some(_) => "dropped",
                None if c.scenario == sel.best => "selected",
                None => "still in",
            };
            format!(
                "{}: {}{unit} after {} replications, {fate}",
                c.scenario,
                fixed(c.mean, digits),
                thousands(c.replications as f64)
            )
        })
        .collect();
    (headline, lines)
}

/// Renders a sweep as a table.
pub fn sweep(points: &[crate::analysis::sweep::SweepPoint]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:30} {:24} {:24} {:>12}",
        "point", "P(on time) destination", "P(on time) handover", "promise 95%"
    );
    for p in points {
        let s = &p.summary;
        let what: Vec<String> =
            p.settings.iter().map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k))).collect();
        let promise =
            s.destination.promise.iter().find(|x| (x.confidence - 0.95).abs() < 1e-9).and_then(|x| x.date.clone());
        let _ = writeln!(
            out,
            "{:30} {:24} {:24} {:>12}",
            what.join(" "),
            probability(&s.destination),
            probability(&s.handover.delivery),
            promise.unwrap_or_else(|| "beyond".into())
        );
    }
    out
}

/// Renders a tornado chart as a ranked table.
pub fn tornado(t: &crate::analysis::tornado::Tornado) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Parameters moved by -/+{}%; P(on time) of the scenario: destination {:.3}, handover {:.3}\n",
        t.percent, t.base_p_on_time[0], t.base_p_on_time[1]
    );
    let _ = writeln!(
        out,
        "{:48} {:>10} {:>10} {:>10} {:>10} {:>13}",
        "parameter", "dest low", "dest high", "hand low", "hand high", "replications"
    );
    for b in &t.bars {
        let _ = writeln!(
            out,
            "{:48} {:>10.3} {:>10.3} {:>10.3} {:>10.3} {:>13}",
            b.parameter,
            b.p_on_time[0],
            b.p_on_time[1],
            b.handover_p_on_time[0],
            b.handover_p_on_time[1],
            format!("{}{}", b.replications, if b.screened { " (small)" } else { "" })
        );
    }
    let screened = t.bars.iter().filter(|b| b.screened).count();
    if screened > 0 {
        let _ = writeln!(
            out,
            "\n(small): screened out after fewer replications, its effect below {:.3} at both points by a 99 % \
             upper bound ({screened} of {} parameters).",
            t.threshold,
            t.bars.len()
        );
    }
    let _ = writeln!(out, "{} replications in all.", thousands(t.replications_total as f64));
    if !t.skipped.is_empty() {
        let _ = writeln!(out, "\nunchanged by the percentage (skipped): {}", t.skipped.join(", "));
    }
    out
}

/// A plan's conclusion in words, shared by the terminal and `report.html`: the headline,
/// the evaluations it rests on (each with a caption), and how sure it is.
pub(crate) struct PlanWords<'a> {
    /// The answer in one or two sentences.
    pub headline: String,
    /// The evaluations behind it, each with what it shows.
    pub evidence: Vec<(&'static str, &'a crate::analysis::plan::Evaluation)>,
    /// The probability of a correct answer and the replications spent.
    pub footer: String,
}

/// Puts a plan's outcome in words.
pub(crate) fn plan_words(p: &crate::analysis::plan::PlanResult) -> PlanWords<'_> {
    use crate::analysis::plan::Outcome;
    let at = p.at.label();
    let (t, latest) = (p.target, p.latest);
    let (headline, evidence) = match &p.outcome {
        Outcome::Found { answer, below } => {
            let (which, step) = if latest {
                ("The latest date", "One step later falls short:")
            } else {
                ("The smallest value", "One step below falls short:")
            };
            (
                format!("{which} reaching P({at}) >= {t}: {} = {}.", p.path, answer.value),
                vec![("It reaches the target:", answer), (step, below)],
            )
        }
        Outcome::MetAtRangeEnd { answer } => {
            let (end, beyond) = if latest {
                ("the latest date tried", "a later start may meet it too: give --vary a later end")
            } else {
                ("the lowest value tried", "a smaller value may meet it too: give --vary a lower start")
            };
            (
                format!("The target P({at}) >= {t} is met already at {end}, {} = {}; {beyond}.", p.path, answer.value),
                vec![("It reaches the target:", answer)],
            )
        }
        Outcome::Unreachable { best } => {
            let end = if latest { "the earliest date tried" } else { "the largest value tried" };
            (
                format!(
                    "No value in the range reaches P({at}) >= {t}: even {end}, {} = {}, falls short.",
                    p.path, best.value
                ),
                vec![("It falls short:", best)],
            )
        }
        Outcome::Unresolved { answer: Some(answer), undecided } => {
            let step = if latest { "one step later" } else { "one step below" };
            (
                format!(
                    "{} = {} reaches P({at}) >= {t}; {}, {step}, is too close to the target to tell with {} \
                     replications: take {}, or raise --max-replications.",
                    p.path, answer.value, undecided.value, p.replications_max, answer.value
                ),
                vec![("It reaches the target:", answer), ("Too close to tell:", undecided)],
            )
        }
        Outcome::Unresolved { answer: None, undecided } => {
            let end = if latest { "the earliest date tried" } else { "the largest value tried" };
            (
                format!(
                    "Even {end}, {} = {}, is too close to P({at}) = {t} to tell with {} replications: widen the \
                     range or raise --max-replications.",
                    p.path, undecided.value, p.replications_max
                ),
                vec![("Too close to tell:", undecided)],
            )
        }
    };
    let footer = format!(
        "Probability that every decision behind this is right: at least {:.0} % (each value decided by a Wilson \
         interval at {:.2} %, replications in doubling batches from {} up to {}); {} replications over {}.",
        p.p_correct * 100.0,
        p.decision_level * 100.0,
        p.replications_start,
        p.replications_max,
        p.replications_total,
        count(p.evaluations.len(), "value", "values"),
    );
    PlanWords { headline, evidence, footer }
}

/// One evaluation of a plan, in words.
pub(crate) fn plan_evaluation(p: &crate::analysis::plan::PlanResult, e: &crate::analysis::plan::Evaluation) -> String {
    format!(
        "{} = {}: P({}) = {:.3} [{:.3}, {:.3}] ({} replications)",
        p.path,
        e.value,
        p.at.label(),
        e.p_on_time,
        e.p_on_time_ci95[0],
        e.p_on_time_ci95[1],
        e.replications
    )
}

/// Renders a plan search.
pub fn plan(p: &crate::analysis::plan::PlanResult) -> String {
    let words = plan_words(p);
    let mut out = format!("{}\n", words.headline);
    for (caption, e) in &words.evidence {
        let _ = writeln!(out, "{caption}\n  {}", plan_evaluation(p, e));
    }
    let _ = writeln!(out, "{}", words.footer);
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
