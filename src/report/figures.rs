//! The figures of a run: when the order completes, tonnes over time, where the time goes,
//! the busiest resources, and lead times by corridor (drawn with [`super::chart`]).

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::chart::{
    AXIS, BLUE, Chart, FONT, Figure, GREY, HEIGHT, LABEL, ORANGE, PALETTE, TITLE, clear_corner, err, legend, padded,
    render,
};
use super::rundata::{Band, RunData};
use crate::model::units::date_after;

/// Formats days since the start as a calendar date.
struct Dates(jiff::civil::Date);

impl Dates {
    fn label(&self, days: f64) -> String {
        date_after(self.0, days.max(0.0))
    }
}

fn start_date(data: &RunData) -> jiff::civil::Date {
    data.summary.start.parse().unwrap_or(jiff::civil::Date::constant(2000, 1, 1))
}

// ---------------------------------------------------------------------------------------
// Completion dates: empirical distribution functions
// ---------------------------------------------------------------------------------------

/// Empirical CDFs of completion dates at the destination and the handover point, with the
/// deadline and the promise dates marked.
#[derive(Debug)]
pub(crate) struct CompletionCdf<'a> {
    /// The run.
    pub data: &'a RunData,
}

impl Chart for CompletionCdf<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let s = &self.data.summary;
        let dates = Dates(start_date(self.data));
        let [dest, hand] = &self.data.curves;
        let all: Vec<f64> = dest.iter().chain(hand).map(|p| p.0).chain([s.deadline_days]).collect();
        let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{}: when is the whole order there?", s.scenario), (FONT, TITLE))
            .margin(30)
            // Room for half of the last date label, centred on the axis end.
            .margin_right(70)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(padded(lo, hi, 10.0), 0f64..1.02)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("date the last tonne arrives")
            .y_desc("share of replications complete")
            .x_label_formatter(&|d| dates.label(*d))
            .y_label_formatter(&|p| format!("{:.0} %", p * 100.0))
            .x_labels(8)
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, AXIS))
            .draw()
            .map_err(err)?;
        for (points, color, label) in [(dest, BLUE, "at destination"), (hand, ORANGE, "at handover")] {
            let style = color.stroke_width(4);
            chart
                .draw_series(LineSeries::new(points.iter().copied(), style))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        let deadline = s.deadline_days;
        chart
            .draw_series(DashedLineSeries::new(vec![(deadline, 0.0), (deadline, 1.02)], 12, 8, GREY.stroke_width(3)))
            .map_err(err)?
            .label(format!("deadline {}", s.deadline))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREY.stroke_width(3)));
        for p in &s.destination.promise {
            if let Some(d) = p.days {
                chart.draw_series([Circle::new((d, p.confidence), 9, BLUE.filled())]).map_err(err)?;
                chart
                    .draw_series([Text::new(
                        format!("{:.0} %: {}", p.confidence * 100.0, dates.label(d)),
                        (d, p.confidence - 0.045),
                        (FONT, LABEL).into_font().color(&BLUE),
                    )])
                    .map_err(err)?;
            }
        }
        let deadline_label = format!("deadline {}", s.deadline);
        // The data (reference lines such as the deadline may pass under the legend).
        let mut drawn = vec![dest.clone(), hand.clone()];
        // The promise dots, and their labels below and to the right of them.
        let span = chart.x_range().end - chart.x_range().start;
        drawn.extend(
            s.destination
                .promise
                .iter()
                .filter_map(|p| p.days.map(|d| vec![(d, p.confidence), (d + span * 0.12, p.confidence - 0.06)])),
        );
        let labels = ["at destination", "at handover", deadline_label.as_str()];
        let corner = clear_corner(&chart, &labels, LABEL, &drawn).unwrap_or(SeriesLabelPosition::UpperLeft);
        legend(&mut chart, corner, LABEL)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Cumulative tonnes over time
// ---------------------------------------------------------------------------------------

/// Tonnes delivered over calendar time: median with 5-95 % and 25-75 % bands, the handover
/// median, the order's tonnage and the deadline.
#[derive(Debug)]
pub(crate) struct Tonnes<'a> {
    /// The run.
    pub data: &'a RunData,
}

fn band_polygon(bands: &[Band], lo: fn(&Band) -> Option<f64>, hi: fn(&Band) -> Option<f64>) -> Vec<(f64, f64)> {
    let upper: Vec<(f64, f64)> = bands.iter().filter_map(|b| hi(b).map(|v| (b.day, v))).collect();
    let lower: Vec<(f64, f64)> = bands.iter().rev().filter_map(|b| lo(b).map(|v| (b.day, v))).collect();
    upper.into_iter().chain(lower).collect()
}

impl Chart for Tonnes<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let s = &self.data.summary;
        let dates = Dates(start_date(self.data));
        let series = &self.data.series;
        let last = series.delivered.last().map_or(s.deadline_days, |b| b.day).max(s.deadline_days + 5.0);
        let kt = |t: f64| t / 1000.0;
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{}: tonnes delivered over time", s.scenario), (FONT, TITLE))
            .margin(30)
            // Room for half of the last date label, centred on the axis end.
            .margin_right(70)
            .x_label_area_size(80)
            .y_label_area_size(130)
            .build_cartesian_2d(0f64..last, 0f64..kt(s.order_tonnes) * 1.08)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("date")
            .y_desc("thousand tonnes")
            .x_label_formatter(&|d| dates.label(*d))
            .x_labels(8)
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, AXIS))
            .draw()
            .map_err(err)?;
        let scale = |pts: Vec<(f64, f64)>| pts.into_iter().map(|(x, y)| (x, kt(y))).collect::<Vec<_>>();
        let outer = scale(band_polygon(&series.delivered, |b| b.p05, |b| b.p95));
        let inner = scale(band_polygon(&series.delivered, |b| b.p25, |b| b.p75));
        let mut drawn = vec![outer.clone(), inner.clone()];
        chart
            .draw_series([Polygon::new(outer, BLUE.mix(0.15).filled())])
            .map_err(err)?
            .label("5-95 % of replications")
            .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], BLUE.mix(0.15).filled()));
        chart
            .draw_series([Polygon::new(inner, BLUE.mix(0.35).filled())])
            .map_err(err)?
            .label("25-75 %")
            .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], BLUE.mix(0.35).filled()));
        let median = |bands: &[Band]| bands.iter().filter_map(|b| b.p50.map(|v| (b.day, kt(v)))).collect::<Vec<_>>();
        drawn.extend([median(&series.delivered), median(&series.handed_over)]);
        chart
            .draw_series(LineSeries::new(median(&series.delivered), BLUE.stroke_width(4)))
            .map_err(err)?
            .label("median, at destination")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(4)));
        chart
            .draw_series(LineSeries::new(median(&series.handed_over), ORANGE.stroke_width(3)))
            .map_err(err)?
            .label("median, at handover")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], ORANGE.stroke_width(3)));
        let target = kt(s.order_tonnes);
        chart
            .draw_series(DashedLineSeries::new(vec![(0.0, target), (last, target)], 12, 8, BLACK.stroke_width(2)))
            .map_err(err)?
            .label(format!("the order: {:.0} kt", target))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        let deadline = s.deadline_days;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(deadline, 0.0), (deadline, target * 1.08)],
                12,
                8,
                GREY.stroke_width(3),
            ))
            .map_err(err)?
            .label(format!("deadline {}", s.deadline))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREY.stroke_width(3)));
        let (order, deadline_label) = (format!("the order: {:.0} kt", target), format!("deadline {}", s.deadline));
        let labels = [
            "5-95 % of replications",
            "25-75 %",
            "median, at destination",
            "median, at handover",
            &order,
            &deadline_label,
        ];
        let corner = clear_corner(&chart, &labels, LABEL, &drawn).unwrap_or(SeriesLabelPosition::UpperLeft);
        legend(&mut chart, corner, LABEL)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Where time goes
// ---------------------------------------------------------------------------------------

/// Per stage, mean wait and mean service (stacked) with the 90th percentile of waits marked,
/// for the stages where lots spend the most time.
#[derive(Debug)]
pub(crate) struct Stages<'a> {
    /// The run.
    pub data: &'a RunData,
    /// How many stages to show.
    pub top: usize,
}

impl Chart for Stages<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let s = &self.data.summary;
        // Yards hold lots while they pass the node's other stages: their "time inside" would
        // count those stages twice, so they are left to the table.
        let mut stages: Vec<&crate::analysis::summary::StageSummary> =
            s.stages.iter().filter(|st| st.lots > 0.0 && st.kind != "yard").collect();
        // Ranked by the lot-hours they take (a stage few lots pass matters less).
        stages.sort_by(|a, b| {
            let total =
                |x: &crate::analysis::summary::StageSummary| (x.mean_wait_hours + x.mean_service_hours) * x.lots;
            total(b).total_cmp(&total(a)).then(a.name.cmp(&b.name))
        });
        stages.truncate(self.top);
        stages.reverse(); // largest at the top
        let n = stages.len().max(1);
        let xmax = stages
            .iter()
            .map(|st| (st.mean_wait_hours + st.mean_service_hours).max(st.p90_wait_hours))
            .fold(1.0f64, f64::max)
            * 1.08;
        let names: Vec<String> = stages.iter().map(|st| self.data.labels.stage(&st.name, &st.kind)).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{}: hours per lot at the stages that take the most time", s.scenario), (FONT, TITLE))
            .margin(30)
            .x_label_area_size(80)
            .y_label_area_size(label_area(&names))
            .build_cartesian_2d(0f64..xmax, (0..n - 1).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("hours per lot (mean)")
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, AXIS))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        let bar = |i: usize, from: f64, to: f64, color: RGBColor| {
            let mut r =
                Rectangle::new([(from, SegmentValue::Exact(i)), (to, SegmentValue::Exact(i + 1))], color.filled());
            r.set_margin(6, 6, 0, 0);
            r
        };
        chart
            .draw_series(stages.iter().enumerate().map(|(i, st)| bar(i, 0.0, st.mean_wait_hours, ORANGE)))
            .map_err(err)?
            .label("waiting")
            .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], ORANGE.filled()));
        chart
            .draw_series(
                stages
                    .iter()
                    .enumerate()
                    .map(|(i, st)| bar(i, st.mean_wait_hours, st.mean_wait_hours + st.mean_service_hours, BLUE)),
            )
            .map_err(err)?
            .label("service or transit")
            .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], BLUE.filled()));
        chart
            .draw_series(
                // A stage where nine lots in ten do not wait at all has no dot on the axis.
                stages
                    .iter()
                    .enumerate()
                    .filter(|(_, st)| st.p90_wait_hours > 0.0)
                    .map(|(i, st)| Circle::new((st.p90_wait_hours, SegmentValue::CenterOf(i)), 8, BLACK.filled())),
            )
            .map_err(err)?
            .label("90th percentile of waits")
            .legend(|(x, y)| Circle::new((x + 10, y), 8, BLACK.filled()));
        legend(&mut chart, SeriesLabelPosition::LowerRight, LABEL)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Bottlenecks over time
// ---------------------------------------------------------------------------------------

/// Utilisation (top) and queue length (bottom) over time of the busiest resources: the mean
/// over replications still running, with a 5-95 % band for utilisation.
#[derive(Debug)]
pub(crate) struct Bottlenecks<'a> {
    /// The run.
    pub data: &'a RunData,
    /// How many resources to show.
    pub top: usize,
}

impl Bottlenecks<'_> {
    /// The busiest servers and pools by mean utilisation (their summary names).
    fn busiest(&self) -> Vec<String> {
        let s = &self.data.summary;
        let mut r: Vec<(f64, &str)> = s
            .stages
            .iter()
            .filter(|st| {
                (st.kind == "server" || st.kind == "pool") && self.data.series.utilisation.contains_key(&st.name)
            })
            .filter_map(|st| st.utilisation.map(|u| (u, st.name.as_str())))
            .collect();
        r.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        r.into_iter().take(self.top).map(|(_, n)| n.to_string()).collect()
    }
}

impl Chart for Bottlenecks<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let s = &self.data.summary;
        let dates = Dates(start_date(self.data));
        let names = self.busiest();
        let label = |name: &str| {
            let kind = s.stages.iter().find(|st| st.name == name).map_or("server", |st| st.kind.as_str());
            self.data.labels.stage(name, kind)
        };
        // Past the day when fewer than 10 % of replications are still running, the mean is
        // noise: stop there.
        let enough = (s.replications as f64 * 0.1).max(5.0);
        let last = names
            .first()
            .and_then(|n| self.data.series.utilisation.get(n))
            .and_then(|bands| bands.iter().rev().find(|b| b.n.is_some_and(|n| n >= enough)))
            .map_or(s.deadline_days, |b| b.day);
        let (top, bottom) = root.split_vertically(HEIGHT / 2 + 30);
        let mut u = ChartBuilder::on(&top)
            .caption(
                format!("{}: the busiest resources over time (band: 5-95 % for the first)", s.scenario),
                (FONT, TITLE),
            )
            .margin(20)
            // Room for half of the last date label, centred on the axis end.
            .margin_right(70)
            .x_label_area_size(40)
            .y_label_area_size(120)
            .build_cartesian_2d(0f64..last, 0f64..1.05)
            .map_err(err)?;
        u.configure_mesh()
            .y_desc("utilisation")
            .x_label_formatter(&|d| dates.label(*d))
            .x_labels(8)
            .y_label_formatter(&|p| format!("{:.0} %", p * 100.0))
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, AXIS))
            .draw()
            .map_err(err)?;
        let qmax = names
            .iter()
            .filter_map(|n| self.data.series.queue.get(n))
            .flat_map(|bands| bands.iter().filter_map(|b| b.mean))
            .fold(1.0f64, f64::max)
            * 1.1;
        let mut q = ChartBuilder::on(&bottom)
            .margin(20)
            // Room for half of the last date label, centred on the axis end.
            .margin_right(70)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(0f64..last, 0f64..qmax)
            .map_err(err)?;
        q.configure_mesh()
            .x_desc("date")
            .y_desc("lots and jobs waiting (mean number)")
            .x_label_formatter(&|d| dates.label(*d))
            .x_labels(8)
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, AXIS))
            .draw()
            .map_err(err)?;
        let (mut drawn, mut queues) = (Vec::new(), Vec::new());
        for (k, name) in names.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            if let Some(bands) = self.data.series.utilisation.get(name) {
                let bands: Vec<Band> = bands.iter().filter(|b| b.day <= last).cloned().collect();
                if k == 0 {
                    let band = band_polygon(&bands, |b| b.p05, |b| b.p95);
                    drawn.push(band.clone());
                    u.draw_series([Polygon::new(band, color.mix(0.15).filled())]).map_err(err)?;
                }
                let mean: Vec<(f64, f64)> = bands.iter().filter_map(|b| b.mean.map(|m| (b.day, m))).collect();
                drawn.push(mean.clone());
                let style = color.stroke_width(3);
                u.draw_series(LineSeries::new(mean, style))
                    .map_err(err)?
                    .label(label(name))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
            }
            if let Some(bands) = self.data.series.queue.get(name) {
                let mean: Vec<(f64, f64)> =
                    bands.iter().filter(|b| b.day <= last).filter_map(|b| b.mean.map(|m| (b.day, m))).collect();
                queues.push(mean.clone());
                let style = color.stroke_width(3);
                q.draw_series(LineSeries::new(mean, style))
                    .map_err(err)?
                    .label(label(name))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
            }
        }
        // The legend names the same resources in both panels: in the upper one where it hides
        // nothing, else in the lower one, else (both full) at the upper left.
        let shown: Vec<String> = names.iter().map(|n| label(n)).collect();
        let labels: Vec<&str> = shown.iter().map(String::as_str).collect();
        match (clear_corner(&u, &labels, LABEL, &drawn), clear_corner(&q, &labels, LABEL, &queues)) {
            (Some(corner), _) => legend(&mut u, corner, LABEL)?,
            (None, Some(corner)) => legend(&mut q, corner, LABEL)?,
            (None, None) => legend(&mut u, SeriesLabelPosition::UpperLeft, LABEL)?,
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Lead times by corridor
// ---------------------------------------------------------------------------------------

/// Lead time (production to delivery) of lots by corridor: box plots of the 5th, 25th, 50th,
/// 75th and 95th percentiles.
#[derive(Debug)]
pub(crate) struct LeadTimes<'a> {
    /// The run.
    pub data: &'a RunData,
}

impl Chart for LeadTimes<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let s = &self.data.summary;
        let corridors: Vec<&crate::analysis::summary::CorridorSummary> =
            s.corridors.iter().filter(|c| c.quantiles_days.iter().all(Option::is_some)).collect();
        let n = corridors.len().max(1);
        let ymax = corridors.iter().filter_map(|c| c.quantiles_days[4]).fold(1.0f64, f64::max) * 1.1;
        let names: Vec<String> = corridors.iter().map(|c| c.name.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{}: lead time per lot, by corridor", s.scenario), (FONT, TITLE))
            .margin(30)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..ymax)
            .map_err(err)?;
        chart
            .configure_mesh()
            .y_desc("days from production to delivery")
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, AXIS))
            .disable_x_mesh()
            .draw()
            .map_err(err)?;
        for (i, c) in corridors.iter().enumerate() {
            let q: Vec<f64> = c.quantiles_days.iter().map(|v| v.unwrap_or(0.0)).collect();
            let color = PALETTE[i % PALETTE.len()];
            let mut boxed = Rectangle::new(
                [(SegmentValue::Exact(i), q[1]), (SegmentValue::Exact(i + 1), q[3])],
                color.mix(0.5).filled(),
            );
            boxed.set_margin(0, 0, 60, 60);
            chart.draw_series([boxed]).map_err(err)?;
            let centre = SegmentValue::CenterOf(i);
            chart
                .draw_series(LineSeries::new(
                    vec![(centre.clone(), q[0]), (centre.clone(), q[1])],
                    BLACK.stroke_width(3),
                ))
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(
                    vec![(centre.clone(), q[3]), (centre.clone(), q[4])],
                    BLACK.stroke_width(3),
                ))
                .map_err(err)?;
            // A filled bar, not a zero-height outline: SVG draws nothing for a rectangle
            // without height, whatever its stroke.
            let half = ymax * 0.003;
            let mut median = Rectangle::new(
                [(SegmentValue::Exact(i), q[2] - half), (SegmentValue::Exact(i + 1), q[2] + half)],
                BLACK.filled(),
            );
            median.set_margin(0, 0, 60, 60);
            chart.draw_series([median]).map_err(err)?;
            chart
                .draw_series([Text::new(
                    format!("median {:.1} d", q[2]),
                    (centre, q[4] + ymax * 0.02),
                    (FONT, LABEL).into_font(),
                )])
                .map_err(err)?;
        }
        Ok(())
    }
}

/// Room for the longest of `names` beside an axis, in pixels (at the label size; between
/// 200 and 640, so that a long label cannot squeeze the bars away).
fn label_area(names: &[String]) -> u32 {
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(0) as u32;
    (longest * LABEL * 11 / 20 + 40).clamp(200, 640)
}

/// Every figure of a run folder.
pub(crate) fn run_figures(data: &RunData) -> Result<Vec<Figure>, String> {
    let mut figures = vec![
        render(
            "completion",
            "When the whole order is there: share of replications complete by each date, at the destinations and at the handover point, with the deadline and the 90/95/99 % promise dates.",
            &CompletionCdf { data },
        )?,
        render(
            "tonnes",
            "Tonnes delivered over time: median with 25-75 % and 5-95 % bands over replications, the handover median, the order and the deadline.",
            &Tonnes { data },
        )?,
        render(
            "stages",
            "Where the time goes: mean wait and mean service (or transit, or time in a yard) per lot at each stage, with the 90th percentile of waits.",
            &Stages { data, top: 16 },
        )?,
        render(
            "bottlenecks",
            "The busiest resources over time: mean utilisation with a 5-95 % band (top) and mean number waiting (bottom), over replications still running.",
            &Bottlenecks { data, top: 4 },
        )?,
        render(
            "lead_times",
            "Lead time per lot by corridor: boxes from the 25th to the 75th percentile, whiskers to the 5th and 95th, the median marked.",
            &LeadTimes { data },
        )?,
    ];
    figures.extend(super::map::network_map(data)?);
    if let Some(ships) = &data.shipments
        && let Some(first) = super::timeline::first_replication(ships)?
    {
        let deadline = data.summary.deadline_days;
        figures.push(super::timeline::timeline(ships, first, start_date(data), deadline)?);
    }
    Ok(figures)
}
