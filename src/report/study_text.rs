//! The short human summaries printed after a study: a comparison, a sweep, a tornado chart, a
//! plan.

use std::fmt::Write as _;

use super::text::{count, digits, fixed, opt, probability, thousands};

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
            format!(
                "{}{}",
                b.replications,
                if b.screened {
                    " (small)"
                } else if b.precise {
                    " (known)"
                } else {
                    ""
                }
            )
        );
    }
    let screened = t.bars.iter().filter(|b| b.screened).count();
    if screened > 0 {
        let _ = writeln!(
            out,
            "\n(small): stopped after fewer replications, its effect within {:.3} of zero at both points by a 95 % \
             interval ({screened} of {} parameters).",
            t.threshold,
            t.bars.len()
        );
    }
    let precise = t.bars.iter().filter(|b| b.precise).count();
    if precise > 0 {
        let _ = writeln!(
            out,
            "(known): stopped after fewer replications, its effect known to within {:.3} at both points by a 95 % \
             interval ({precise} of {} parameters).",
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
