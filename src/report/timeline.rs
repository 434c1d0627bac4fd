//! A timeline of one replication (a Gantt chart): each lot a row, in the order it was made,
//! and each step of its route a bar over the dates, coloured by what the lot was doing:
//! waiting (for a stage, carriers, a departure or yard room), being served or dwelling, or
//! travelling. The deadline is marked. Drawn from the replication's `shipments.csv`, so that
//! the picture is the trace a reader can check it against.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{AXIS, BLUE, Chart, FONT, Figure, GREY, LABEL, ORANGE, TITLE, err, legend, render};
use crate::model::units::date_after;

/// What a lot was doing during a bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Doing {
    Waiting,
    Served,
    Travelling,
}

impl Doing {
    fn colour(self) -> RGBAColor {
        match self {
            Doing::Waiting => GREY.mix(0.35),
            Doing::Served => BLUE.mix(1.0),
            Doing::Travelling => ORANGE.mix(1.0),
        }
    }
}

/// One bar: a lot's row, from and to (days since the start), and what it was doing.
#[derive(Clone, Copy, Debug)]
struct Bar {
    row: usize,
    from: f64,
    to: f64,
    doing: Doing,
}

/// The timeline of replication `replication`.
#[derive(Debug)]
struct Timeline {
    replication: u64,
    bars: Vec<Bar>,
    lots: usize,
    start: jiff::civil::Date,
    deadline_days: f64,
}

/// The bars of `replication` in a `shipments.csv`, lots numbered in the order they first
/// entered a step; and how many lots there are.
fn bars(shipments: &[u8], replication: u64) -> Result<(Vec<Bar>, usize), String> {
    let mut r = csv::Reader::from_reader(shipments);
    let headers = r.headers().map_err(err)?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name).ok_or(format!("shipments.csv has no `{name}`"));
    let (rep, lot, kind) = (col("replication")?, col("lot")?, col("kind")?);
    let (entered, started, left) = (col("entered_hours")?, col("started_hours")?, col("left_hours")?);
    let mut first_seen: Vec<(f64, String)> = Vec::new();
    let mut raw = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(err)?;
        if rec[rep].parse::<u64>().ok() != Some(replication) {
            continue;
        }
        let hours = |i: usize| rec[i].parse::<f64>().map_err(|e| format!("shipments.csv: `{}`: {e}", &rec[i]));
        let (e, s, l) = (hours(entered)? / 24.0, hours(started)? / 24.0, hours(left)? / 24.0);
        let id = rec[lot].to_string();
        match first_seen.iter_mut().find(|f| f.1 == id) {
            Some(f) => f.0 = f.0.min(e),
            None => first_seen.push((e, id.clone())),
        }
        let doing = if &rec[kind] == "leg" { Doing::Travelling } else { Doing::Served };
        raw.push((id, e, s, l, doing));
    }
    first_seen.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let row_of = |id: &str| first_seen.iter().position(|f| f.1 == id).unwrap_or(0);
    let mut out = Vec::with_capacity(raw.len() * 2);
    for (id, e, s, l, doing) in raw {
        let row = row_of(&id);
        if s > e {
            out.push(Bar { row, from: e, to: s, doing: Doing::Waiting });
        }
        if l > s {
            out.push(Bar { row, from: s, to: l, doing });
        }
    }
    Ok((out, first_seen.len()))
}

impl Chart for Timeline {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let end = self.bars.iter().map(|b| b.to).fold(self.deadline_days, f64::max) * 1.03;
        let lots = self.lots.max(1);
        let mut chart = ChartBuilder::on(root)
            .caption(format!("Replication {}: each lot through its route", self.replication), (FONT, TITLE))
            .margin(30)
            // Room for half of the last date label, centred on the axis end.
            .margin_right(70)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(0f64..end, 0f64..lots as f64)
            .map_err(err)?;
        let start = self.start;
        chart
            .configure_mesh()
            .x_desc("date")
            .y_desc("lots, in the order they were made")
            .x_label_formatter(&|d| date_after(start, d.max(0.0)))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_labels(8)
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, AXIS))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        for doing in [Doing::Waiting, Doing::Served, Doing::Travelling] {
            let colour = doing.colour();
            let label = match doing {
                Doing::Waiting => "waiting (a stage, carriers, a departure, yard room)",
                Doing::Served => "served or dwelling",
                Doing::Travelling => "travelling",
            };
            chart
                .draw_series(
                    self.bars
                        .iter()
                        .filter(|b| b.doing == doing)
                        .map(|b| Rectangle::new([(b.from, b.row as f64), (b.to, b.row as f64 + 1.0)], colour.filled())),
                )
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], colour.filled()));
        }
        let deadline = self.deadline_days;
        chart
            .draw_series(LineSeries::new([(deadline, 0.0), (deadline, lots as f64)], RED.stroke_width(4)))
            .map_err(err)?
            .label(format!("deadline {}", date_after(start, deadline - 1.0)))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.stroke_width(4)));
        // Lower right: lots made late finish late, so that corner stays empty.
        legend(&mut chart, SeriesLabelPosition::LowerRight, LABEL)
    }
}

/// The first replication a `shipments.csv` traces, if it has a row.
pub(crate) fn first_replication(shipments: &[u8]) -> Result<Option<u64>, String> {
    let mut r = csv::Reader::from_reader(shipments);
    let rep = r.headers().map_err(err)?.iter().position(|h| h == "replication");
    let rep = rep.ok_or("shipments.csv has no `replication`")?;
    let mut rec = csv::StringRecord::new();
    if !r.read_record(&mut rec).map_err(err)? {
        return Ok(None);
    }
    let first = rec.get(rep).unwrap_or_default();
    first.parse().map(Some).map_err(|e| format!("shipments.csv: replication `{first}`: {e}"))
}

/// The timeline figure (`timeline.svg`, `.png`) of `replication` from its `shipments.csv`.
pub(crate) fn timeline(
    shipments: &[u8],
    replication: u64,
    start: jiff::civil::Date,
    deadline_days: f64,
) -> Result<Figure, String> {
    let (bars, lots) = bars(shipments, replication)?;
    let t = Timeline { replication, bars, lots, start, deadline_days };
    render(
        "timeline",
        "Each lot of one replication through its route over the dates: waiting, served or dwelling, travelling; the deadline marked.",
        &t,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_becomes_bars_of_waiting_serving_and_travelling() {
        let csv = "replication,lot,kind,entered_hours,started_hours,left_hours\n\
                   3,1,serve,0,0,24\n3,1,leg,24,48,72\n3,0,serve,12,12,36\n7,5,serve,0,0,1\n";
        let (bars, lots) = bars(csv.as_bytes(), 3).unwrap();
        assert_eq!(lots, 2, "replication 7's lot left out");
        let got: Vec<_> = bars.iter().map(|b| (b.row, b.from, b.to, b.doing)).collect();
        // Lot 1 entered first (day 0), so it is row 0.
        assert_eq!(
            got,
            [
                (0, 0.0, 1.0, Doing::Served),
                (0, 1.0, 2.0, Doing::Waiting),
                (0, 2.0, 3.0, Doing::Travelling),
                (1, 0.5, 1.5, Doing::Served)
            ]
        );
    }
}
