//! Tidy CSV tables: one row per replication, and the per-lot trace.

use crate::experiment::{Aggregates, ContractRow, Ending, Row};
use crate::model::Tonnes;
use crate::model::Trace;
use crate::model::World;
use crate::model::world::Step;

fn num(v: f64) -> String {
    // Rust prints the shortest text that reads back as the same float: deterministic and
    // lossless.
    format!("{v}")
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// Columns of `replications.csv`, in order.
pub(crate) const REPLICATION_COLUMNS: [&str; 26] = [
    "replication",
    "seed",
    "complete",
    "completion_days",
    "handover_completion_days",
    "tonnes_by_deadline",
    "handover_tonnes_by_deadline",
    "delivered_tonnes",
    "lost_tonnes",
    "lots",
    "events",
    "end_days",
    "outcome",
    "cost",
    "penalty",
    "contract_completion_days",
    "calloffs_met",
    "damages",
    "damages_at_cap",
    "seller_cost",
    "buyer_cost",
    "premium",
    "claims",
    "seller_loss",
    "buyer_loss",
    "reallocated_tonnes",
];

/// `replications.csv`: one row per replication. Times are days since the start; an empty
/// completion means "not complete by the horizon". Numbers are written so that they read
/// back as exactly the same values.
pub(crate) fn replications_csv(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    write_replications(rows.iter().copied(), Vec::new())
}

/// Writes `replications.csv` to `out` as the rows come (a run's rows may be on disk).
pub(crate) fn write_replications<W: std::io::Write>(
    rows: impl IntoIterator<Item = Row>,
    out: W,
) -> Result<W, csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(REPLICATION_COLUMNS)?;
    for r in rows {
        w.write_record([
            r.index.to_string(),
            r.seed.to_string(),
            r.completion_days.is_some().to_string(),
            opt(r.completion_days),
            opt(r.handover_completion_days),
            num(r.delivered_by_deadline.t()),
            num(r.handed_over_by_deadline.t()),
            num(r.delivered.t()),
            num(r.lost.t()),
            r.lots.to_string(),
            r.events.to_string(),
            num(r.end_days),
            r.outcome.as_str().to_string(),
            num(r.cost),
            num(r.penalty),
            r.contract.map(|c| opt(c.completion_days)).unwrap_or_default(),
            r.contract.map(|c| c.calloffs_met.to_string()).unwrap_or_default(),
            r.contract.map(|c| num(c.damages)).unwrap_or_default(),
            r.contract.map(|c| c.damages_at_cap.to_string()).unwrap_or_default(),
            r.contract.map(|c| num(c.seller_cost)).unwrap_or_default(),
            r.contract.map(|c| num(c.buyer_cost)).unwrap_or_default(),
            r.contract.map(|c| num(c.premium)).unwrap_or_default(),
            r.contract.map(|c| num(c.claims)).unwrap_or_default(),
            r.contract.map(|c| num(c.seller_loss)).unwrap_or_default(),
            r.contract.map(|c| num(c.buyer_loss)).unwrap_or_default(),
            num(r.reallocated.t()),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Reads `replications.csv` back (for merging shards): the exact rows that were written.
pub(crate) fn read_replications_csv(bytes: &[u8]) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    read_replications(bytes, |r| {
        rows.push(r);
        Ok(())
    })?;
    Ok(rows)
}

/// Reads `replications.csv` from `input`, giving each row to `each` as it is read.
pub(crate) fn read_replications(
    input: impl std::io::Read,
    mut each: impl FnMut(Row) -> Result<(), String>,
) -> Result<(), String> {
    let mut r = csv::Reader::from_reader(input);
    let header: Vec<String> = r.headers().map_err(|e| e.to_string())?.iter().map(str::to_string).collect();
    if header != REPLICATION_COLUMNS {
        return Err(format!("unexpected columns {header:?}"));
    }
    for (line, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| e.to_string())?;
        let bad = |what: &str| format!("row {}: bad {what}", line + 2);
        let f = |i: usize| -> Result<f64, String> { rec[i].parse::<f64>().map_err(|_| bad(REPLICATION_COLUMNS[i])) };
        let of =
            |i: usize| -> Result<Option<f64>, String> { if rec[i].is_empty() { Ok(None) } else { f(i).map(Some) } };
        let t = |i: usize| -> Result<Tonnes, String> {
            f(i).and_then(|v| Tonnes::from_t(v).ok_or_else(|| bad(REPLICATION_COLUMNS[i])))
        };
        let u = |i: usize| -> Result<u64, String> { rec[i].parse::<u64>().map_err(|_| bad(REPLICATION_COLUMNS[i])) };
        each(Row {
            index: u(0)?,
            seed: u(1)?,
            completion_days: of(3)?,
            handover_completion_days: of(4)?,
            delivered_by_deadline: t(5)?,
            handed_over_by_deadline: t(6)?,
            delivered: t(7)?,
            lost: t(8)?,
            reallocated: t(25)?,
            lots: u32::try_from(u(9)?).map_err(|_| bad(REPLICATION_COLUMNS[9]))?,
            events: u(10)?,
            end_days: f(11)?,
            outcome: Ending::parse(&rec[12]).ok_or_else(|| bad(REPLICATION_COLUMNS[12]))?,
            cost: f(13)?,
            penalty: f(14)?,
            contract: if rec[16].is_empty() {
                None
            } else {
                Some(ContractRow {
                    completion_days: of(15)?,
                    calloffs_met: u32::try_from(u(16)?).map_err(|_| bad(REPLICATION_COLUMNS[16]))?,
                    damages: f(17)?,
                    damages_at_cap: rec[18].parse::<bool>().map_err(|_| bad(REPLICATION_COLUMNS[18]))?,
                    seller_cost: f(19)?,
                    buyer_cost: f(20)?,
                    premium: f(21)?,
                    claims: f(22)?,
                    seller_loss: f(23)?,
                    buyer_loss: f(24)?,
                })
            },
        })?;
    }
    Ok(())
}

/// `timeseries.csv`, tidy: one value per row (`day`, `date`, `quantity`, `resource`,
/// `statistic`, `value`). Day `d` is the end of the `d`-th day since the start. Quantities:
/// `delivered_tonnes` and `handed_over_tonnes` (every replication, holding its final value
/// once finished), `utilisation` and `queue` per server and pool (replications still running
/// that day, counted in `statistic = n`). Quantiles come from fixed bins: tonnes to within
/// 0.05 % of the order, utilisation to within 1 point, queues to within 12 %.
pub(crate) fn timeseries_csv(world: &World, agg: &Aggregates) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["day", "date", "quantity", "resource", "statistic", "value"])?;
    let date = |d: usize| crate::model::units::date_after(world.start, d as f64);
    let quantiles = [("p05", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95)];
    for (quantity, series) in
        [("delivered_tonnes", &agg.daily.delivered), ("handed_over_tonnes", &agg.daily.handed_over)]
    {
        for (d, cell) in series.days.iter().enumerate() {
            let (day, dt) = ((d + 1).to_string(), date(d));
            w.write_record([&day, &dt, quantity, "", "mean", &opt(cell.moments.mean())])?;
            for (name, p) in quantiles {
                w.write_record([&day, &dt, quantity, "", name, &opt(cell.hist.quantile(p))])?;
            }
        }
    }
    for (quantity, all) in [("utilisation", &agg.daily.utilisation), ("queue", &agg.daily.queue)] {
        for (r, series) in world.tracked().zip(all) {
            let resource = world.tracked_name(r);
            for (d, cell) in series.days.iter().enumerate() {
                let (day, dt) = ((d + 1).to_string(), date(d));
                w.write_record([&day, &dt, quantity, resource, "n", &cell.moments.n.to_string()])?;
                w.write_record([&day, &dt, quantity, resource, "mean", &opt(cell.moments.mean())])?;
                for (name, p) in [quantiles[0], quantiles[2], quantiles[4]] {
                    w.write_record([&day, &dt, quantity, resource, name, &opt(cell.hist.quantile(p))])?;
                }
            }
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// What a step is called in the trace: its kind and the stage it uses.
fn step_name(world: &World, step: Step, destination: &str) -> (&'static str, String) {
    match step {
        Step::Serve { server, through } => {
            (if through { "serve_through" } else { "serve" }, world.servers[server].name.clone())
        }
        Step::Dwell(d) => ("dwell", world.dwells[d].name.clone()),
        Step::Leg(l) => ("leg", world.legs[l].name.clone()),
        Step::Acquire(p) => ("acquire", world.pools[p].name.clone()),
        Step::Release(p) => ("release", world.pools[p].name.clone()),
        Step::EnterStore(x) => ("enter_yard", world.stores[x].name.clone()),
        Step::LeaveStore(x) => ("leave_yard", world.stores[x].name.clone()),
        Step::Handover => ("handover", world.order.handover_points.join("|")),
        Step::CostsPass => ("costs_pass", String::new()),
        Step::Deliver => ("deliver", destination.to_string()),
    }
}

/// `shipments.csv`: for each traced replication (in order) and each of its lots, one row per
/// step it completed, in the order steps completed. Times are hours since the start.
pub(crate) fn shipments_csv(world: &World, traces: &[(u64, Trace)]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "replication",
        "lot",
        "mill",
        "product",
        "tonnes",
        "destination",
        "route",
        "replaces_lot",
        "outcome",
        "step",
        "kind",
        "stage",
        "entered_hours",
        "started_hours",
        "left_hours",
        "wait_hours",
        "service_hours",
    ])?;
    for (replication, trace) in traces {
        for row in &trace.rows {
            let lot = &trace.lots[row.lot];
            let route = &world.routes[lot.route];
            let destination = &world.order.destinations[lot.destination];
            let (kind, stage) = step_name(world, route.step(row.step), destination);
            w.write_record([
                replication.to_string(),
                row.lot.to_string(),
                world.mills[lot.mill].name.clone(),
                world.order.products[lot.product].clone(),
                num(lot.tonnes.t()),
                destination.clone(),
                route.name.clone(),
                lot.replaces.map(|r| r.to_string()).unwrap_or_default(),
                lot.outcome.as_str().to_string(),
                row.step.to_string(),
                kind.to_string(),
                stage,
                num(row.entered),
                num(row.started),
                num(row.left),
                num(row.started - row.entered),
                num(row.left - row.started),
            ])?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// `events.csv`: for each traced replication (in order), the disruptions and breakdowns that
/// began in it, in the order they began: what, what it hit, its effect, and when (hours since
/// the start; `ended_hours` empty when it was still on as the replication ended).
pub(crate) fn events_csv(world: &World, traces: &[(u64, Trace)]) -> Result<Vec<u8>, csv::Error> {
    use crate::model::Happening;
    use crate::model::world::{Effect, Target};
    let target = |t: &Target| match *t {
        Target::Server(s) => world.servers[s].name.clone(),
        Target::Leg(l) => world.legs[l].name.clone(),
        Target::Mill(m) => world.mills[m].name.clone(),
        Target::Pool(p) => world.pools[p].name.clone(),
        Target::Store(x) => world.stores[x].name.clone(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["replication", "kind", "name", "hits", "effect", "factor", "began_hours", "ended_hours"])?;
    for (replication, trace) in traces {
        for e in &trace.events {
            let (kind, name, hits, effect, factor) = match e.what {
                Happening::Disruption { spec, factor, .. } => {
                    let d = &world.disruptions[spec];
                    let hits: Vec<String> = d.targets.iter().map(target).collect();
                    let (effect, factor) = match d.effect {
                        Effect::Closed => ("closed", String::new()),
                        Effect::Factor(_) => ("factor", num(factor)),
                        Effect::Delay(_) => ("delay", String::new()),
                    };
                    ("disruption", d.name.clone(), hits.join(";"), effect, factor)
                }
                Happening::ServerDown(s) => {
                    let name = world.servers[s].name.clone();
                    ("breakdown", name.clone(), name, "closed", String::new())
                }
                Happening::MillDown(m) => {
                    let name = world.mills[m].name.clone();
                    ("breakdown", name.clone(), name, "closed", String::new())
                }
            };
            w.write_record([
                replication.to_string(),
                kind.to_string(),
                name,
                hits,
                effect.to_string(),
                factor,
                num(e.began),
                e.ended.map(num).unwrap_or_default(),
            ])?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
