//! `results.xlsx` (`run --xlsx`): the summary, the promises, the guarantees, the stages, the
//! call-offs and every replication in one workbook, for planners who work in a spreadsheet.
//!
//! Numbers are written as numbers (Excel keeps a double's 17 significant digits, so they read
//! back as the values of `summary.json` and `replications.csv`); a value the summary leaves
//! `null` (beyond the horizon, too little data) is an empty cell.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::tables::REPLICATION_COLUMNS;
use crate::analysis::summary::{Delivery, Summary};
use crate::experiment::{Row, Rows};

/// Rows a worksheet holds (Excel's limit), less the header.
pub(crate) const MAX_REPLICATIONS: u64 = 1_048_575;

/// One cell.
enum Cell {
    Num(f64),
    Text(String),
    Bool(bool),
    Empty,
}

impl From<f64> for Cell {
    fn from(v: f64) -> Cell {
        Cell::Num(v)
    }
}
impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Num)
    }
}
impl From<u64> for Cell {
    fn from(v: u64) -> Cell {
        Cell::Num(v as f64)
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Cell {
        Cell::Text(v.to_string())
    }
}
impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Cell {
        v.map_or(Cell::Empty, Cell::Text)
    }
}
impl From<bool> for Cell {
    fn from(v: bool) -> Cell {
        Cell::Bool(v)
    }
}

fn put(sheet: &mut Worksheet, row: u32, cells: Vec<Cell>) -> Result<(), XlsxError> {
    for (col, cell) in cells.into_iter().enumerate() {
        let col = col as u16;
        match cell {
            Cell::Num(v) if v.is_finite() => {
                sheet.write_number(row, col, v)?;
            }
            Cell::Num(_) | Cell::Empty => {}
            Cell::Text(t) => {
                sheet.write_string(row, col, t)?;
            }
            Cell::Bool(b) => {
                sheet.write_boolean(row, col, b)?;
            }
        }
    }
    Ok(())
}

/// A worksheet named `name` with a bold header row, frozen, and `rows` below it.
fn table(book: &mut Workbook, name: &str, header: &[&str], rows: Vec<Vec<Cell>>) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet().set_name(name)?;
    let bold = Format::new().set_bold();
    for (col, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *h, &bold)?;
        sheet.set_column_width(col as u16, (h.len() as f64 + 2.0).max(12.0))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, cells) in rows.into_iter().enumerate() {
        put(sheet, i as u32 + 1, cells)?;
    }
    Ok(())
}

/// The summary sheet's rows: a measure, at which point, its value and interval, its unit.
fn summary_rows(s: &Summary) -> Vec<Vec<Cell>> {
    let mut rows: Vec<Vec<Cell>> = vec![
        vec!["scenario".into(), "".into(), s.scenario.as_str().into()],
        vec!["seed".into(), "".into(), s.seed.into()],
        vec!["replications".into(), "".into(), s.replications.into()],
        vec!["order".into(), "".into(), s.order_tonnes.into(), Cell::Empty, Cell::Empty, "t".into()],
        vec!["start".into(), "".into(), s.start.as_str().into(), Cell::Empty, Cell::Empty, "date".into()],
        vec!["deadline".into(), "".into(), s.deadline.as_str().into(), Cell::Empty, Cell::Empty, "date".into()],
        vec!["horizon".into(), "".into(), s.horizon.as_str().into(), Cell::Empty, Cell::Empty, "date".into()],
    ];
    let measure = |name: &str, at: &str, v: Cell, ci: [Option<f64>; 2], unit: &str| {
        vec![name.into(), at.into(), v, ci[0].into(), ci[1].into(), unit.into()]
    };
    for (at, d) in [("destinations", &s.destination), ("handover", &s.handover.delivery)] {
        let Delivery { p_on_time, p_on_time_ci95, completion_days: c, tonnes_by_deadline: t, .. } = d;
        rows.push(measure("P(on time)", at, (*p_on_time).into(), p_on_time_ci95.map(Some), "share"));
        rows.push(measure("completion, mean", at, c.mean.into(), c.mean_ci95, "days"));
        for (q, v, ci) in [
            ("completion, median", c.p50, c.p50_ci95),
            ("completion, 90th percentile", c.p90, c.p90_ci95),
            ("completion, 95th percentile", c.p95, c.p95_ci95),
            ("completion, 99th percentile", c.p99, c.p99_ci95),
        ] {
            rows.push(measure(q, at, v.into(), ci, "days"));
        }
        rows.push(measure("tonnes by the deadline, mean", at, t.mean.into(), t.mean_ci95, "t"));
        rows.push(measure("tonnes by the deadline, 5th percentile", at, t.p05.into(), t.p05_ci95, "t"));
    }
    rows.push(measure("lost tonnes, mean", "", s.lost_tonnes.mean.into(), s.lost_tonnes.mean_ci95, "t"));
    let per_t = format!("{}/t", s.cost.currency);
    rows.push(measure("cost per tonne", "", s.cost.per_tonne.into(), s.cost.per_tonne_ci95, &per_t));
    rows.push(measure("late penalty", "", s.cost.penalty.into(), s.cost.penalty_ci95, &s.cost.currency));
    if let Some(b) = &s.bottleneck {
        rows.push(measure("bottleneck utilisation", b.stage.as_str(), b.utilisation.into(), [None, None], "share"));
    }
    rows
}

/// Writes `results.xlsx` of a run to `path`.
pub(crate) fn write(path: &Path, s: &Summary, rows: &Rows) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let ci = ["low (95 %)", "high (95 %)"];
    table(&mut book, "Summary", &["measure", "at", "value", ci[0], ci[1], "unit"], summary_rows(s))?;
    let mut promises = Vec::new();
    for (at, d) in [("destinations", &s.destination), ("handover", &s.handover.delivery)] {
        for p in &d.promise {
            promises.push(vec![
                p.confidence.into(),
                at.into(),
                p.date.clone().into(),
                p.days.into(),
                p.days_ci95[0].into(),
                p.days_ci95[1].into(),
                p.date_ci95[0].clone().into(),
                p.date_ci95[1].clone().into(),
            ]);
        }
    }
    let header = ["confidence", "at", "date", "days", "days low (95 %)", "days high (95 %)", "date low", "date high"];
    table(&mut book, "Promises", &header, promises)?;
    let guarantees = s
        .guarantees
        .iter()
        .flat_map(|g| {
            [("destinations", &g.destination), ("handover", &g.handover)].map(|(at, x)| {
                vec![
                    g.confidence.into(),
                    at.into(),
                    x.promise_date.clone().into(),
                    x.promise_days.into(),
                    x.promise_days_ci95[0].into(),
                    x.promise_days_ci95[1].into(),
                    x.tonnes_by_deadline.into(),
                    x.tonnes_by_deadline_ci95[0].into(),
                    x.tonnes_by_deadline_ci95[1].into(),
                    g.p_lost_exceeds_tolerance.into(),
                    g.lost_within_tolerance.into(),
                ]
            })
        })
        .collect();
    let header = [
        "confidence",
        "at",
        "promise date",
        "promise days",
        ci[0],
        ci[1],
        "tonnes by the deadline",
        ci[0],
        ci[1],
        "P(lost exceeds tolerance)",
        "lost within tolerance",
    ];
    table(&mut book, "Guarantees", &header, guarantees)?;
    let stages = s
        .stages
        .iter()
        .map(|t| {
            vec![
                t.name.as_str().into(),
                t.kind.as_str().into(),
                t.lots.into(),
                t.mean_wait_hours.into(),
                t.p90_wait_hours.into(),
                t.mean_service_hours.into(),
                t.utilisation.into(),
                t.utilisation_ci95[0].into(),
                t.utilisation_ci95[1].into(),
            ]
        })
        .collect();
    let header = [
        "stage",
        "kind",
        "lots per replication",
        "mean wait (h)",
        "90th percentile wait (h)",
        "mean service (h)",
        "utilisation",
        ci[0],
        ci[1],
    ];
    table(&mut book, "Stages", &header, stages)?;
    if let Some(c) = &s.contract {
        let calloffs = c
            .calloffs
            .iter()
            .map(|k| {
                vec![
                    k.date.as_str().into(),
                    k.tonnes.into(),
                    k.floor_tonnes.into(),
                    k.p_met.into(),
                    k.p_met_ci95[0].into(),
                    k.p_met_ci95[1].into(),
                    k.shortfall_mean.into(),
                    k.shortfall_p95.into(),
                ]
            })
            .collect();
        let header = [
            "due",
            "tonnes",
            "floor (t)",
            "P(met)",
            ci[0],
            ci[1],
            "mean shortfall (t)",
            "95th percentile shortfall (t)",
        ];
        table(&mut book, "Call-offs", &header, calloffs)?;
    }
    // Possibly a million rows: written as they are read, in constant memory.
    let sheet = book.add_worksheet_with_constant_memory()?.set_name("Replications")?;
    let bold = Format::new().set_bold();
    for (col, h) in REPLICATION_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *h, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, r) in rows.iter().take(MAX_REPLICATIONS as usize).enumerate() {
        put(sheet, i as u32 + 1, replication(&r))?;
    }
    book.save(path)
}

/// A replication's cells, in the order of `replications.csv`'s columns.
fn replication(r: &Row) -> Vec<Cell> {
    let k = r.contract;
    let c = |f: fn(&crate::experiment::ContractRow) -> f64| k.as_ref().map(f).into();
    vec![
        r.index.into(),
        r.seed.to_string().as_str().into(),
        r.completion_days.is_some().into(),
        r.completion_days.into(),
        r.handover_completion_days.into(),
        r.delivered_by_deadline.t().into(),
        r.handed_over_by_deadline.t().into(),
        r.delivered.t().into(),
        r.lost.t().into(),
        u64::from(r.lots).into(),
        r.events.into(),
        r.end_days.into(),
        r.outcome.as_str().into(),
        r.cost.into(),
        r.penalty.into(),
        k.and_then(|k| k.completion_days).into(),
        k.map(|k| k.calloffs_met as f64).into(),
        c(|k| k.damages),
        k.map_or(Cell::Empty, |k| k.damages_at_cap.into()),
        c(|k| k.seller_cost),
        c(|k| k.buyer_cost),
        c(|k| k.premium),
        c(|k| k.claims),
        c(|k| k.seller_loss),
        c(|k| k.buyer_loss),
        r.reallocated.t().into(),
    ]
}
