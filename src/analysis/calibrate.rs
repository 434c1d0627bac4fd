//! `steelsim calibrate`: the simulated network against what is known of the real one
//! (DOMAIN.md section 5), each figure with a band it must fall in.
//!
//! Every measure is computed per replication (the median over that replication's lots, or a
//! count over the order window), then averaged over replications with a 95 % Student t
//! interval: replications are independent, lots within one are not. A check passes when the
//! whole interval lies inside the band, so "passes" means "passes beyond Monte Carlo noise".
//!
//! The checks name elements of the baseline network (`tm_rail`, `khorasan`, `tashkent`,
//! `sarakhs.interchange`, `background.iran_uzbekistan`); a scenario without them gets an
//! error naming what is missing.

use rayon::prelude::*;
use serde::Serialize;

use super::LEVEL;
use crate::experiment::{RunError, replicate, thread_pool};
use crate::model::ids::{CorridorId, DestinationId, FlowId, Id, IdVec, LegId, LotId, MillId, ServerId};
use crate::model::units::days;
use crate::model::world::Step;
use crate::model::{LotFate, ReplicationResult, Trace, World};
use crate::stats::mean::t_interval;
use crate::stats::quantile::quantile;

/// What a check measures in one replication.
#[derive(Clone, Copy, Debug)]
pub enum Measure {
    /// Median, over lots, of a leg's running time (departure to arrival), hours.
    LegRun {
        /// Leg name.
        leg: &'static str,
    },
    /// Median, over lots of `mills` to `destination` by `corridor`, of the time from leaving
    /// the mill (ready on its first leg) to arriving at the destination (end of its last
    /// leg), days.
    Transit {
        /// Mills whose lots count.
        mills: &'static [&'static str],
        /// Destination.
        destination: &'static str,
        /// Corridor (scenario route) name.
        corridor: &'static str,
    },
    /// [`Measure::Transit`] of `mills` minus that of `reference`, days.
    ExtraTransit {
        /// Mills whose lots count.
        mills: &'static [&'static str],
        /// The mills they are compared with.
        reference: &'static [&'static str],
        /// Destination.
        destination: &'static str,
        /// Corridor name.
        corridor: &'static str,
    },
    /// Carriers served at a stage per day, from the start to the deadline (the order and
    /// background traffic).
    CarriersPerDay {
        /// Stage `node.stage`.
        stage: &'static str,
    },
    /// Thousand tonnes of a background flow served per 30.44-day month, start to deadline.
    BackgroundKtPerMonth {
        /// Background flow name.
        flow: &'static str,
    },
}

/// One calibration target with its band.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Short identifier (stable, for scripts).
    pub id: &'static str,
    /// What is measured, in words.
    pub what: &'static str,
    /// The figure DOMAIN.md gives, with its source.
    pub target: &'static str,
    /// Accepted range.
    pub band: (f64, f64),
    /// Unit of the band and the result.
    pub unit: &'static str,
    /// Why the band is what it is.
    pub reasoning: &'static str,
    /// How it is measured.
    #[serde(skip)]
    pub measure: Measure,
}

const ISFAHAN_MILLS: &[&str] = &["mobarakeh", "esfahan"];
const KHORASAN: &[&str] = &["khorasan"];
const BANDAR_ABBAS_MILLS: &[&str] = &["pgsez"];

/// The calibration targets of DOMAIN.md section 5, in the baseline's names.
pub fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "sarakhs_farap_hours",
            what: "Sarakhs -> Farap train run (departure to arrival), median",
            target: "35 h (Turkmen Railways, Feb 2024; 48 h before)",
            band: (30.0, 40.0),
            unit: "h",
            reasoning: "one reported median that fell from 48 h to 35 h within a year: +/- 5 h",
            measure: Measure::LegRun { leg: "tm_rail" },
        },
        Check {
            id: "khorasan_tashkent_days",
            what: "Khorasan -> Tashkent by rail (leaving the mill to arriving at Tashkent), median",
            target: "7-12 days",
            band: (6.5, 12.5),
            unit: "d",
            reasoning: "the stated range, widened by half a day for figures given in whole days",
            measure: Measure::Transit { mills: KHORASAN, destination: "tashkent", corridor: "rail" },
        },
        Check {
            id: "isfahan_mills_extra_days",
            what: "Mobarakeh and Esfahan -> Tashkent by rail, median, minus Khorasan's",
            target: "+3-4 days",
            band: (2.0, 5.0),
            unit: "d",
            reasoning: "the stated range, widened by one day: a difference of two figures rounded to days",
            measure: Measure::ExtraTransit {
                mills: ISFAHAN_MILLS,
                reference: KHORASAN,
                destination: "tashkent",
                corridor: "rail",
            },
        },
        Check {
            id: "bandar_abbas_mills_extra_days",
            what: "PGSEZ (Bandar Abbas) -> Tashkent by rail, median, minus Khorasan's",
            target: "+3-4 days (14-day Bandar Abbas -> Tashkent block-train plan)",
            band: (2.0, 5.0),
            unit: "d",
            reasoning: "as above",
            measure: Measure::ExtraTransit {
                mills: BANDAR_ABBAS_MILLS,
                reference: KHORASAN,
                destination: "tashkent",
                corridor: "rail",
            },
        },
        Check {
            id: "sarakhs_wagons_per_day",
            what: "Sarakhs interchange, loaded wagons out per day (order and background), start to deadline",
            target: "~236 wagons/day both ways (86k/yr, FY1403), so at most ~144 northbound",
            band: (108.0, 180.0),
            unit: "wagons/day",
            reasoning: "the model moves northbound wagons only: 236 less ~92 of inbound transit (80 % of it \
                        sulphur, ~74 wagons/day) leaves ~144 for exports and imports; +/- 25 % for the unknown \
                        import share and the change since FY1403",
            measure: Measure::CarriersPerDay { stage: "sarakhs.interchange" },
        },
        Check {
            id: "iran_uzbekistan_kt_per_month",
            what: "Background Iran -> Uzbekistan rail flow through Sarakhs, start to deadline",
            target: "~60 kt/month (476 kt in Jan-Aug 2025)",
            band: (51.0, 69.0),
            unit: "kt/month",
            reasoning: "+/- 15 %: monthly flows vary, and the figure predates the order",
            measure: Measure::BackgroundKtPerMonth { flow: "iran_uzbekistan" },
        },
    ]
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

fn lots(world: &World, mills: &[&str], destination: &str, corridor: &str) -> Result<Lots, CalibrateError> {
    Ok(Lots {
        mills: mills.iter().map(|m| find(&world.mills, |x| &x.name, m, "mill")).collect::<Result<_, _>>()?,
        destination: find(&world.order.destinations, |d| d, destination, "destination")?,
        corridor: find(&world.corridors, |c| c, corridor, "route")?,
    })
}

fn resolve(world: &World, m: &Measure) -> Result<Resolved, CalibrateError> {
    Ok(match *m {
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
    quantile(&xs, 0.5)
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
pub fn calibrate(world: &World, seed: u64, n: u64, threads: Option<usize>) -> Result<Vec<Outcome>, CalibrateError> {
    let checks = checks();
    let resolved = checks.iter().map(|c| resolve(world, &c.measure)).collect::<Result<Vec<_>, _>>()?;
    let pool = thread_pool(threads)?;
    // One row of measures per replication, kept in replication order so that the result does
    // not depend on the number of threads.
    let rows: Vec<Vec<Option<f64>>> = pool.install(|| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                if crate::experiment::interrupt::stop_requested() {
                    return Err(RunError::Interrupted { done: i });
                }
                let r = replicate(world, seed, i, true)?;
                let spans = r.trace.as_ref().map(|t| lot_spans(world, t));
                Ok(resolved.iter().map(|m| measure(world, &r, spans.as_ref(), m)).collect())
            })
            .collect::<Result<_, RunError>>()
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
