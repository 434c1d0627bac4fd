//! `steelsim calibrate`: the simulated network against what is known of the real one, each
//! figure with a band it must fall in. The targets are data (`scenarios/calibration/
//! targets.toml`), parsed here; the command reads the file.
//!
//! Every measure is computed per replication (the median over that replication's lots, or a
//! count over the order window), then averaged over replications with a 95 % Student t
//! interval: replications are independent, lots within one are not. A check passes when the
//! whole interval lies inside the band, so "passes" means "passes beyond Monte Carlo noise".
//!
//! The checks name elements of a network (the baseline's `tm_rail`, `khorasan`, `tashkent`,
//! `sarakhs.interchange`, `background.iran_uzbekistan`); a scenario without them gets an
//! error naming what is missing.

use serde::{Deserialize, Serialize};

use super::LEVEL;
use crate::experiment::{RunError, Runner, Tracing};
use crate::model::ids::{CorridorId, DestinationId, FlowId, Id, IdVec, LegId, LotId, MillId, ServerId};
use crate::model::units::days;
use crate::model::world::Step;
use crate::model::{LotFate, ReplicationResult, Trace, World};
use crate::stats::mean::t_interval;
use crate::stats::quantile::quantile;

/// What a check measures in one replication.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    /// Median, over lots, of a leg's running time (departure to arrival), hours.
    LegRun {
        /// Leg name.
        leg: String,
    },
    /// Median, over lots of `mills` to `destination` by `corridor`, of the time from leaving
    /// the mill (ready on its first leg) to arriving at the destination (end of its last
    /// leg), days.
    Transit {
        /// Mills whose lots count.
        mills: Vec<String>,
        /// Destination.
        destination: String,
        /// Corridor (scenario route) name.
        corridor: String,
    },
    /// [`Measure::Transit`] of `mills` minus that of `reference`, days.
    ExtraTransit {
        /// Mills whose lots count.
        mills: Vec<String>,
        /// The mills they are compared with.
        reference: Vec<String>,
        /// Destination.
        destination: String,
        /// Corridor name.
        corridor: String,
    },
    /// Carriers served at a stage per day, from the start to the deadline (the order and
    /// background traffic).
    CarriersPerDay {
        /// Stage `node.stage`.
        stage: String,
    },
    /// Thousand tonnes of a background flow served per 30.44-day month, start to deadline.
    BackgroundKtPerMonth {
        /// Background flow name.
        flow: String,
    },
}

/// One calibration target with its band.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Short identifier (stable, for scripts).
    pub id: String,
    /// What is measured, in words.
    pub what: String,
    /// The known figure, with its source.
    pub target: String,
    /// Accepted range.
    pub band: (f64, f64),
    /// Unit of the band and the result.
    pub unit: String,
    /// Why the band is what it is.
    pub reasoning: String,
    /// How it is measured.
    #[serde(skip)]
    pub measure: Measure,
}

/// The layout of a targets file: the checks, with the places of the fields that are checked
/// after parsing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    check: Vec<CheckFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    id: toml::Spanned<String>,
    what: String,
    target: String,
    band: toml::Spanned<(f64, f64)>,
    unit: String,
    reasoning: String,
    measure: Measure,
}

/// A targets file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TargetsError(String);

/// The checks of a targets file (`label` names it in errors): each with a unique id, a band
/// whose low end is not above its high end, and something to say in every field.
pub fn parse_targets(text: &str, label: &str) -> Result<Vec<Check>, TargetsError> {
    let file: TargetsFile = toml::from_str(text).map_err(|e| TargetsError(format!("{label}: {e}")))?;
    let at = |span: std::ops::Range<usize>| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
        format!("{label}:{line}:{col}")
    };
    let mut checks: Vec<Check> = Vec::new();
    for (i, c) in file.check.into_iter().enumerate() {
        let (lo, hi) = *c.band.get_ref();
        let problem = if checks.iter().any(|k| k.id == *c.id.get_ref()) {
            Some((c.id.span(), "id", format!("`{}` is used twice", c.id.get_ref())))
        } else if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            Some((c.band.span(), "band", format!("[{lo}, {hi}] must be two numbers, the low end first")))
        } else if [c.id.get_ref(), &c.what, &c.target, &c.unit, &c.reasoning].iter().any(|f| f.trim().is_empty()) {
            Some((c.id.span(), "", "id, what, target, unit and reasoning must each say something".to_string()))
        } else {
            None
        };
        if let Some((span, field, p)) = problem {
            let path = if field.is_empty() { format!("check[{i}]") } else { format!("check[{i}].{field}") };
            return Err(TargetsError(format!("{}: {path}: {p}", at(span))));
        }
        checks.push(Check {
            id: c.id.into_inner(),
            what: c.what,
            target: c.target,
            band: (lo, hi),
            unit: c.unit,
            reasoning: c.reasoning,
            measure: c.measure,
        });
    }
    if checks.is_empty() {
        return Err(TargetsError(format!("{label}: no [[check]] to make")));
    }
    Ok(checks)
}

/// A check's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// The check.
    #[serde(flatten)]
    pub check: Check,
    /// Replications in which the measure was defined (e.g. some lot made the trip).
    pub replications: u64,
    /// Mean over replications.
    pub mean: Option<f64>,
    /// 95 % interval of the mean.
    pub interval: Option<(f64, f64)>,
    /// Whether the whole interval lies inside the band.
    pub within: bool,
}

/// Why calibration could not run.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// The scenario lacks an element a check needs.
    #[error("calibration needs {0}, which this scenario does not have (the checks follow the baseline network)")]
    Missing(String),
    /// A replication failed.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// A [`Measure`] with names resolved to the world's ids.
enum Resolved {
    LegRun(LegId),
    Transit(Lots),
    ExtraTransit(Lots, Lots),
    CarriersPerDay(ServerId),
    BackgroundKtPerMonth(FlowId, f64),
}

/// Which lots a transit measure takes.
struct Lots {
    mills: Vec<MillId>,
    destination: DestinationId,
    corridor: CorridorId,
}

/// The id of the item of `table` called `name`.
fn find<I: Id, T>(
    table: &IdVec<I, T>,
    name_of: impl Fn(&T) -> &str,
    name: &str,
    what: &str,
) -> Result<I, CalibrateError> {
    table
        .iter_ids()
        .find(|(_, t)| name_of(t) == name)
        .map(|(i, _)| i)
        .ok_or_else(|| CalibrateError::Missing(format!("{what} `{name}`")))
}

fn lots(world: &World, mills: &[String], destination: &str, corridor: &str) -> Result<Lots, CalibrateError> {
    Ok(Lots {
        mills: mills.iter().map(|m| find(&world.mills, |x| &x.name, m, "mill")).collect::<Result<_, _>>()?,
        destination: find(&world.order.destinations, |d| d, destination, "destination")?,
        corridor: find(&world.corridors, |c| c, corridor, "route")?,
    })
}

fn resolve(world: &World, m: &Measure) -> Result<Resolved, CalibrateError> {
    Ok(match m {
        Measure::LegRun { leg } => Resolved::LegRun(find(&world.legs, |l| &l.name, leg, "leg")?),
        Measure::Transit { mills, destination, corridor } => {
            Resolved::Transit(lots(world, mills, destination, corridor)?)
        }
        Measure::ExtraTransit { mills, reference, destination, corridor } => Resolved::ExtraTransit(
            lots(world, mills, destination, corridor)?,
            lots(world, reference, destination, corridor)?,
        ),
        Measure::CarriersPerDay { stage } => {
            Resolved::CarriersPerDay(find(&world.servers, |s| &s.name, stage, "stage")?)
        }
        Measure::BackgroundKtPerMonth { flow } => {
            let f = find(&world.background, |b| &b.name, flow, "background flow")?;
            let spec = &world.background[f];
            Resolved::BackgroundKtPerMonth(f, spec.tonnes_per_unit.t() * spec.units_per_job as f64 / 1000.0)
        }
    })
}

/// Per lot: when it was ready on its first leg and when its last leg so far ended, hours.
fn lot_spans(world: &World, trace: &Trace) -> IdVec<LotId, Option<(f64, f64)>> {
    let mut span: IdVec<LotId, Option<(f64, f64)>> = trace.lots.iter().map(|_| None).collect();
    for row in &trace.rows {
        let route = &world.routes[trace.lots[row.lot].route];
        if let Step::Leg(_) = route.step(row.step) {
            let s = &mut span[row.lot];
            *s = Some(match *s {
                None => (row.entered, row.left),
                Some((first, _)) => (first, row.left),
            });
        }
    }
    span
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    xs.sort_by(f64::total_cmp);
    quantile(xs.as_slice(), 0.5)
}

fn transit_days(world: &World, trace: &Trace, spans: &IdVec<LotId, Option<(f64, f64)>>, which: &Lots) -> Option<f64> {
    // Only delivered lots: one still on its way has not reached its last leg's end.
    let days = trace.lots.iter().zip(spans).filter_map(|(lot, span)| {
        let takes = lot.outcome == LotFate::Delivered
            && lot.destination == which.destination
            && world.routes[lot.route].corridor == which.corridor
            && which.mills.contains(&lot.mill);
        span.filter(|_| takes).map(|(from, to)| days(to - from))
    });
    median(days.collect())
}

/// The measure `m` of replication `r`; `spans` are its lots' [`lot_spans`], when traced.
fn measure(
    world: &World,
    r: &ReplicationResult,
    spans: Option<&IdVec<LotId, Option<(f64, f64)>>>,
    m: &Resolved,
) -> Option<f64> {
    let window_days = days(world.deadline.value());
    match m {
        Resolved::LegRun(leg) => {
            let trace = r.trace.as_ref()?;
            let runs = trace.rows.iter().filter_map(|row| {
                let route = &world.routes[trace.lots[row.lot].route];
                (route.step(row.step) == Step::Leg(*leg)).then_some(row.left - row.started)
            });
            median(runs.collect())
        }
        Resolved::Transit(which) => transit_days(world, r.trace.as_ref()?, spans?, which),
        Resolved::ExtraTransit(which, reference) => {
            let (trace, spans) = (r.trace.as_ref()?, spans?);
            Some(transit_days(world, trace, spans, which)? - transit_days(world, trace, spans, reference)?)
        }
        Resolved::CarriersPerDay(s) => Some(r.served_by_deadline[*s] as f64 / window_days),
        Resolved::BackgroundKtPerMonth(f, kt_per_job) => {
            Some(r.background_by_deadline[*f] as f64 * kt_per_job / (window_days / 30.44))
        }
    }
}

/// Runs `n` traced replications of `world` and checks every target.
pub fn calibrate(
    world: &World,
    checks: Vec<Check>,
    seed: u64,
    n: u64,
    threads: Option<usize>,
) -> Result<Vec<Outcome>, CalibrateError> {
    let resolved = checks.iter().map(|c| resolve(world, &c.measure)).collect::<Result<Vec<_>, _>>()?;
    // One row of measures per replication, in replication order, so that the result does
    // not depend on the number of threads.
    let indices: Vec<u64> = (0..n).collect();
    let rows: Vec<Vec<Option<f64>>> =
        Runner::new(world, seed, threads)?.tracing(Tracing::All).map(&indices, &mut |_| {}, |r| {
            let spans = r.trace.as_ref().map(|t| lot_spans(world, t));
            resolved.iter().map(|m| measure(world, r, spans.as_ref(), m)).collect()
        })?;
    Ok(checks
        .into_iter()
        .enumerate()
        .map(|(k, check)| {
            let xs: Vec<f64> = rows.iter().filter_map(|row| row[k]).collect();
            let count = xs.len() as u64;
            let mean = (count > 0).then(|| xs.iter().sum::<f64>() / count as f64);
            let interval = mean.and_then(|m| {
                let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (count.max(2) - 1) as f64;
                t_interval(m, var.sqrt(), count, LEVEL)
            });
            let within = interval.is_some_and(|(lo, hi)| lo >= check.band.0 && hi <= check.band.1);
            Outcome { check, replications: count, mean, interval, within }
        })
        .collect())
}
