//! Figures of the study commands, drawn from the files each study writes.

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::chart::{BLUE, Chart, Figure, GREY, ORANGE, PALETTE, ecdf, err, legend, render};
use super::studies::files;
use crate::analysis::Point;
use crate::analysis::compare::Comparison;
use crate::analysis::summary::Delivery;
use crate::analysis::sweep::SweepPoint;
use crate::analysis::tornado::Tornado;
use crate::experiment::Row;

use super::chart::FONT;

pub(crate) fn read_json<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<T, String> {
    let bytes = std::fs::read(dir.join(name)).map_err(|e| format!("cannot read {}: {e}", dir.join(name).display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", dir.join(name).display()))
}

/// One scenario's completion days: (scenario, at the destination, at the handover).
pub(crate) type Completions = (String, Vec<Option<f64>>, Vec<Option<f64>>);

/// Completion-date distributions of every compared scenario, overlaid.
#[derive(Debug)]
pub(crate) struct CompareCdf {
    /// One entry per scenario.
    pub runs: Vec<Completions>,
    /// The base's start (the axis then reads dates) and deadline (days), when known.
    pub start: Option<jiff::civil::Date>,
    pub deadline_days: Option<f64>,
}

impl Chart for CompareCdf {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let all: Vec<f64> = self.runs.iter().flat_map(|r| r.1.iter().chain(&r.2)).flatten().copied().collect();
        let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if lo.is_finite() { (lo, hi.max(lo + 1.0)) } else { (0.0, 1.0) };
        // The deadline in view, whether the curves reach it or not.
        let (lo, hi) = match self.deadline_days {
            Some(d) => (lo.min(d - 1.0), hi.max(d + 1.0)),
            None => (lo, hi),
        };
        let start = self.start;
        let mut chart = ChartBuilder::on(root)
            .caption("Completion of the whole order: scenarios compared", (FONT, 44))
            .margin(30)
            // Room for half of the last date label, centred on the axis end.
            .margin_right(70)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(lo..hi, 0f64..1.02)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(if start.is_some() {
                "date the last tonne arrives"
            } else {
                "days from the start until the last tonne arrives"
            })
            .y_desc("share of replications complete")
            .x_label_formatter(&|d| match start {
                Some(s) => crate::model::units::date_after(s, d.max(0.0)),
                None => format!("{d:.0}"),
            })
            .x_labels(8)
            .y_label_formatter(&|p| format!("{:.0} %", p * 100.0))
            .label_style((FONT, 26))
            .axis_desc_style((FONT, 30))
            .draw()
            .map_err(err)?;
        for (k, (name, dest, hand)) in self.runs.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let solid = color.stroke_width(4);
            chart
                .draw_series(LineSeries::new(ecdf(dest), solid))
                .map_err(err)?
                .label(format!("{name}, destination"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], solid));
            chart
                .draw_series(DashedLineSeries::new(ecdf(hand), 10, 8, color.stroke_width(3)))
                .map_err(err)?
                .label(format!("{name}, handover (dashed)"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        }
        if let Some(d) = self.deadline_days {
            let label = match start {
                // The deadline is the end of its day.
                Some(s) => format!("deadline {}", crate::model::units::date_after(s, (d - 1.0).max(0.0))),
                None => format!("deadline (day {d:.0})"),
            };
            chart
                .draw_series(LineSeries::new([(d, 0.0), (d, 1.02)], RED.stroke_width(4)))
                .map_err(err)?
                .label(label)
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(4)));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight, 24)?;
        Ok(())
    }
}

/// Paired differences in P(on time) with their intervals, beside the unpaired intervals.
#[derive(Debug)]
pub(crate) struct CompareDiff {
    /// (label, difference, paired interval, unpaired interval).
    pub rows: Vec<(String, f64, [f64; 2], [f64; 2])>,
}

impl Chart for CompareDiff {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let n = self.rows.len().max(1);
        let ext = self.rows.iter().flat_map(|r| [r.2[0], r.2[1], r.3[0], r.3[1]]).fold(0.01f64, |a, b| a.max(b.abs()));
        let labels: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption("Change in P(on time), variant minus base (95 % intervals)", (FONT, 44))
            .margin(30)
            .x_label_area_size(80)
            .y_label_area_size(460)
            .build_cartesian_2d(-ext * 1.1..ext * 1.1, (0..n - 1).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("difference in the share of replications on time")
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style((FONT, 26))
            .axis_desc_style((FONT, 30))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
                GREY.stroke_width(2),
            ))
            .map_err(err)?;
        for (i, (_, d, paired, unpaired)) in self.rows.iter().enumerate() {
            let at = SegmentValue::CenterOf(i);
            chart
                .draw_series(LineSeries::new(
                    vec![(unpaired[0], at.clone()), (unpaired[1], at.clone())],
                    GREY.mix(0.6).stroke_width(14),
                ))
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(
                    vec![(paired[0], at.clone()), (paired[1], at.clone())],
                    BLUE.stroke_width(14),
                ))
                .map_err(err)?;
            chart.draw_series([Circle::new((*d, at), 11, BLACK.filled())]).map_err(err)?;
        }
        chart
            .draw_series(std::iter::empty::<Circle<(f64, SegmentValue<usize>), i32>>())
            .map_err(err)?
            .label("paired interval (common random numbers)")
            .legend(|(x, y)| Rectangle::new([(x, y - 7), (x + 20, y + 7)], BLUE.filled()));
        chart
            .draw_series(std::iter::empty::<Circle<(f64, SegmentValue<usize>), i32>>())
            .map_err(err)?
            .label("interval had the runs been independent")
            .legend(|(x, y)| Rectangle::new([(x, y - 7), (x + 20, y + 7)], GREY.mix(0.6).filled()));
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 24)?;
        Ok(())
    }
}

/// P(on time) against one swept value, with interval bands.
#[derive(Debug)]
pub(crate) struct SweepLine {
    /// The swept path.
    pub path: String,
    /// (value, destination p and interval, handover p and interval).
    pub points: Vec<(f64, [f64; 3], [f64; 3])>,
}

impl Chart for SweepLine {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let lo = self.points.first().map_or(0.0, |p| p.0);
        let hi = self.points.last().map_or(1.0, |p| p.0).max(lo + 1e-9);
        let pad = (hi - lo) * 0.03;
        let mut chart = ChartBuilder::on(root)
            .caption(format!("P(on time) against {}", self.path), (FONT, 44))
            .margin(30)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(lo - pad..hi + pad, 0f64..1.02)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.path.as_str())
            .y_desc("P(whole order on time)")
            .y_label_formatter(&|p| format!("{:.0} %", p * 100.0))
            .label_style((FONT, 26))
            .axis_desc_style((FONT, 30))
            .draw()
            .map_err(err)?;
        for (k, label, color) in [(0usize, "at destination", BLUE), (1, "at handover", ORANGE)] {
            let get = |p: &(f64, [f64; 3], [f64; 3])| if k == 0 { p.1 } else { p.2 };
            let upper: Vec<(f64, f64)> = self.points.iter().map(|p| (p.0, get(p)[2])).collect();
            let lower: Vec<(f64, f64)> = self.points.iter().rev().map(|p| (p.0, get(p)[1])).collect();
            chart
                .draw_series([Polygon::new(
                    upper.into_iter().chain(lower).collect::<Vec<_>>(),
                    color.mix(0.18).filled(),
                )])
                .map_err(err)?;
            let style = color.stroke_width(4);
            chart
                .draw_series(LineSeries::new(self.points.iter().map(|p| (p.0, get(p)[0])), style).point_size(7))
                .map_err(err)?
                .label(format!("{label} (band: 95 % interval)"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight, 24)?;
        Ok(())
    }
}

/// A tornado chart: for each parameter, P(on time) with the parameter lowered and raised.
#[derive(Debug)]
pub(crate) struct TornadoChart {
    /// Which delivery point.
    pub point: String,
    /// P(on time) of the unchanged scenario.
    pub base: f64,
    /// (parameter, P with the low value, P with the high value), largest effect first.
    pub bars: Vec<(String, f64, f64)>,
    /// The percentage.
    pub percent: f64,
}

impl Chart for TornadoChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let bars: Vec<&(String, f64, f64)> = self.bars.iter().take(20).rev().collect();
        let n = bars.len().max(1);
        let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
        let (lo, hi) = bars.iter().fold((self.base, self.base), |(l, h), b| (l.min(b.1).min(b.2), h.max(b.1).max(b.2)));
        let pad = ((hi - lo) * 0.08).max(0.01);
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("What moves P(on time) at the {}: each parameter -/+{}%", self.point, self.percent),
                (FONT, 40),
            )
            .margin(30)
            .x_label_area_size(80)
            .y_label_area_size(520)
            .build_cartesian_2d((lo - pad).max(0.0)..(hi + pad).min(1.0), (0..n - 1).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("P(whole order on time)")
            .x_label_formatter(&|p| format!("{:.0} %", p * 100.0))
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style((FONT, 22))
            .axis_desc_style((FONT, 30))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        for (i, (_, low, high)) in bars.iter().enumerate() {
            for (value, color) in [(*low, ORANGE), (*high, BLUE)] {
                let (a, b) = if value < self.base { (value, self.base) } else { (self.base, value) };
                let mut r = Rectangle::new(
                    [(a, SegmentValue::Exact(i)), (b, SegmentValue::Exact(i + 1))],
                    color.mix(0.8).filled(),
                );
                r.set_margin(5, 5, 0, 0);
                chart.draw_series([r]).map_err(err)?;
            }
        }
        chart
            .draw_series(LineSeries::new(
                vec![(self.base, SegmentValue::Exact(0)), (self.base, SegmentValue::Last)],
                BLACK.stroke_width(3),
            ))
            .map_err(err)?
            .label(format!("unchanged: {:.3}", self.base))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(3)));
        chart
            .draw_series(std::iter::empty::<Circle<(f64, SegmentValue<usize>), i32>>())
            .map_err(err)?
            .label("parameter lowered")
            .legend(|(x, y)| Rectangle::new([(x, y - 7), (x + 20, y + 7)], ORANGE.mix(0.8).filled()));
        chart
            .draw_series(std::iter::empty::<Circle<(f64, SegmentValue<usize>), i32>>())
            .map_err(err)?
            .label("parameter raised")
            .legend(|(x, y)| Rectangle::new([(x, y - 7), (x + 20, y + 7)], BLUE.mix(0.8).filled()));
        legend(&mut chart, SeriesLabelPosition::LowerRight, 24)?;
        Ok(())
    }
}

/// The figures of a compare folder.
pub(crate) fn compare_figures(dir: &Path) -> Result<Vec<Figure>, String> {
    let c: Comparison = read_json(dir, files::COMPARE_JSON)?;
    let mut names = vec![c.base.clone()];
    names.extend(c.variants.iter().map(|v| v.scenario.clone()));
    let mut runs = Vec::new();
    for name in names.iter() {
        let bytes = std::fs::read(dir.join(files::replications_of(name))).map_err(err)?;
        let rows: Vec<Row> = super::tables::read_replications_csv(&bytes)?;
        if runs.iter().any(|r: &Completions| r.0 == *name) {
            continue;
        }
        runs.push((
            name.clone(),
            rows.iter().map(|r| r.completion_days).collect(),
            rows.iter().map(|r| r.handover_completion_days).collect(),
        ));
    }
    let mut diff = Vec::new();
    for v in &c.variants {
        for m in v.metrics.iter().filter(|m| m.metric == "p_on_time") {
            let d = &m.difference;
            let (Some(x), Some(a), Some(b)) = (d.difference, d.ci95[0], d.ci95[1]) else {
                continue;
            };
            let ua = d.unpaired_ci95[0].unwrap_or(a);
            let ub = d.unpaired_ci95[1].unwrap_or(b);
            diff.push((format!("{}, {}", v.scenario, m.point.as_str()), x, [a, b], [ua, ub]));
        }
    }
    diff.reverse();
    Ok(vec![
        render(
            "compare_cdf",
            "Share of replications complete by each day, for every scenario (solid: destinations; dashed: handover).",
            &CompareCdf {
                runs,
                start: c.start.as_deref().and_then(|s| s.parse().ok()),
                deadline_days: c.deadline_days,
            },
        )?,
        render(
            "compare_difference",
            "Change in P(on time) of each variant from the base: point estimate, paired 95 % interval (blue) and the interval independent runs would give (grey).",
            &CompareDiff { rows: diff },
        )?,
    ])
}

/// The figure of a sweep folder (when one numeric field was swept).
pub(crate) fn sweep_figures(dir: &Path) -> Result<Vec<Figure>, String> {
    let points: Vec<SweepPoint> = read_json(dir, files::SWEEP_JSON)?;
    let Some(first) = points.first() else { return Ok(Vec::new()) };
    let [(path, _)] = first.settings.as_slice() else { return Ok(Vec::new()) };
    let mut pts = Vec::new();
    for p in &points {
        let x = p.settings.iter().find(|(k, _)| k == path).and_then(|(_, v)| v.parse::<f64>().ok());
        let Some(x) = x else { return Ok(Vec::new()) };
        let get = |d: &Delivery| [d.p_on_time, d.p_on_time_ci95[0], d.p_on_time_ci95[1]];
        pts.push((x, get(&p.summary.destination), get(&p.summary.handover.delivery)));
    }
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(vec![render(
        "sweep",
        "P(whole order on time) at each swept value, with its 95 % interval, at the destinations and at the handover point.",
        &SweepLine { path: path.clone(), points: pts },
    )?])
}

/// The figures of a tornado folder.
pub(crate) fn tornado_figures(dir: &Path) -> Result<Vec<Figure>, String> {
    let t: Tornado = read_json(dir, files::TORNADO_JSON)?;
    let mut out = Vec::new();
    for (k, at, point, name) in [
        (0usize, Point::Destination, "destination", "tornado_destination"),
        (1, Point::Handover, "handover point", "tornado_handover"),
    ] {
        let mut bars: Vec<(String, f64, f64)> = t
            .bars
            .iter()
            .map(|b| {
                let [low, high] = b.p_on_time_at(at);
                (b.parameter.clone(), low, high)
            })
            .collect();
        bars.sort_by(|a, b| (b.2 - b.1).abs().total_cmp(&(a.2 - a.1).abs()).then(a.0.cmp(&b.0)));
        let percent = t.percent;
        out.push(render(
            name,
            &format!("Tornado chart at the {point}: P(on time) with each parameter lowered and raised by {percent} %, largest effect at the top."),
            &TornadoChart { point: point.to_string(), base: t.base_p_on_time[k], bars, percent },
        )?);
    }
    Ok(out)
}
