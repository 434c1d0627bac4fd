//! Every distribution in the baseline whose comment cites a figure reproduces that figure as
//! the statistic the source states: an average is a mean, a median a median, and a speed
//! "with delays" (CPMM's SWD: distance over the average time) is 1 / E[1/v], not the mean
//! speed. Each check allows half a unit of the last digit cited (the figure's own rounding),
//! plus, for statistics estimated from draws, four standard errors of a million draws.

use steelsim::engine::Dist;
use steelsim::engine::random::stream;
use steelsim::model::World;
use steelsim::model::world::{Effect, Service, Transit};

use crate::common::baseline_world;

/// What the source states about the distribution.
#[derive(Clone, Copy, Debug)]
enum Stat {
    /// An average.
    Mean,
    /// A median.
    Median,
    /// The 90th percentile.
    P90,
    /// A speed with delays: distance over the average time, 1 / E[1/v].
    SpeedWithDelays,
}

const DRAWS: usize = 1_000_000;

/// The statistic of `d`, and its standard error (zero when exact).
fn statistic(d: &Dist, stat: Stat) -> (f64, f64) {
    if let Stat::Mean = stat {
        return (d.mean(), 0.0);
    }
    let mut rng = stream(2024, "citations");
    let mut x: Vec<f64> = (0..DRAWS).map(|_| d.sample(&mut rng)).collect();
    let n = DRAWS as f64;
    match stat {
        Stat::Mean => unreachable!(),
        Stat::Median | Stat::P90 => {
            let q = if let Stat::Median = stat { 0.5 } else { 0.9 };
            x.sort_by(f64::total_cmp);
            let at = |p: f64| x[((p * n) as usize).min(DRAWS - 1)];
            // The order statistics' spread around the quantile: +/- one binomial sd of ranks.
            let sd_rank = (q * (1.0 - q) / n).sqrt();
            (at(q), (at(q + sd_rank) - at(q - sd_rank)) / 2.0)
        }
        Stat::SpeedWithDelays => {
            let inv: Vec<f64> = x.iter().map(|v| 1.0 / v).collect();
            let mean = inv.iter().sum::<f64>() / n;
            let var = inv.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            // The delta method: the standard error of 1/mean.
            (1.0 / mean, (var / n).sqrt() / (mean * mean))
        }
    }
}

fn server<'w>(w: &'w World, name: &str) -> &'w Dist {
    let s = w.servers.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no server {name}"));
    match &s.service {
        Service::PerLot(d) | Service::PerCarrier(d) | Service::Rate(d) => d,
    }
}

fn leg<'w>(w: &'w World, name: &str) -> &'w Dist {
    match &w.legs.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("no leg {name}")).transit {
        Transit::Time(d) => d,
        Transit::Speed { kmh, .. } => kmh,
    }
}

#[test]
fn every_cited_distribution_reproduces_its_figure() {
    let w = baseline_world();
    let dwell = |name: &str| &w.dwells.iter().find(|d| d.name == name).unwrap().time;
    // A recurring row is one disruption per season, named `row@day`; any of them will do.
    let disruption =
        |name: &str| w.disruptions.iter().find(|d| d.name == name || d.name.starts_with(&format!("{name}@"))).unwrap();
    let factor = |name: &str| match &disruption(name).effect {
        Effect::Factor(d) => d,
        other => panic!("{name}: {other:?}"),
    };
    let delay = |name: &str| match &disruption(name).effect {
        Effect::Delay(d) => d,
        other => panic!("{name}: {other:?}"),
    };
    let availability = w.mills.iter().next().unwrap().availability.as_ref().unwrap();
    // (what, distribution, statistic, cited figure, half a unit of its last digit, source)
    let cited: Vec<(&str, &Dist, Stat, f64, f64, &str)> = vec![
        ("sarakhs.tm_entry", server(&w, "sarakhs.tm_entry"), Stat::Mean, 3.7, 0.05, "CPMM 2022: 3.7 h on average"),
        ("farap.uz_entry", server(&w, "farap.uz_entry"), Stat::Mean, 6.8, 0.05, "CPMM 2022: 6.8 h on average"),
        (
            "farap_road.crossing",
            server(&w, "farap_road.crossing"),
            Stat::Mean,
            4.2,
            0.05,
            "CPMM 2022: 4.2 h on average",
        ),
        ("tashkent.customs", server(&w, "tashkent.customs"), Stat::Mean, 24.0, 12.0, "trade.gov: 1 day"),
        (
            "tashkent.certification",
            server(&w, "tashkent.certification"),
            Stat::Mean,
            72.0,
            12.0,
            "onewindow.pro: 3 days",
        ),
        ("tm_rail", leg(&w, "tm_rail"), Stat::Median, 35.0, 0.5, "Turkmen Railways: 35 h"),
        ("tm_rail", leg(&w, "tm_rail"), Stat::P90, 60.0, 5.0, "sources.md section 2: p90 about 60 h"),
        ("farap_bukhara", leg(&w, "farap_bukhara"), Stat::SpeedWithDelays, 11.9, 0.05, "CPMM 2022 Uzbek rail SWD"),
        ("bukhara_tashkent", leg(&w, "bukhara_tashkent"), Stat::SpeedWithDelays, 11.9, 0.05, "CPMM 2022"),
        (
            "farap_road_bukhara",
            leg(&w, "farap_road_bukhara"),
            Stat::SpeedWithDelays,
            29.6,
            0.05,
            "CPMM 2022 Uzbek road SWD",
        ),
        ("bukhara_tashkent_road", leg(&w, "bukhara_tashkent_road"), Stat::SpeedWithDelays, 29.6, 0.05, "CPMM 2022"),
        (
            "mashhad_sarakhs",
            leg(&w, "mashhad_sarakhs"),
            Stat::SpeedWithDelays,
            17.5,
            4.5,
            "13-22 km/h commercial speed",
        ),
        (
            "tashkent.unloading_wait",
            dwell("tashkent.unloading_wait"),
            Stat::Mean,
            36.0,
            0.05 * 24.0,
            "Trend: Exp(1.5 d)",
        ),
        ("mill availability", availability, Stat::Mean, 0.85, 0.005, "sources.md section 2: mean 0.85"),
        ("gas_cut factor", factor("gas_cut"), Stat::Mean, 0.5, 0.2, "Financial Tribune: cuts of 30-70 %"),
        ("gas_cut duration", &disruption("gas_cut").duration, Stat::Mean, 28.0 * 24.0, 14.0 * 24.0, "2-6 weeks"),
        ("sand drift delay", delay("sand_drift_bafq_tabas"), Stat::Mean, 27.0, 0.5, "U(6, 48) h"),
    ];
    let mut wrong = Vec::new();
    for (what, d, stat, figure, rounding, source) in cited {
        let (value, se) = statistic(d, stat);
        if (value - figure).abs() > rounding + 4.0 * se {
            wrong.push(format!("{what}: {stat:?} is {value:.3}, but {source} says {figure}"));
        }
    }
    assert!(wrong.is_empty(), "distributions that do not reproduce their cited figure:\n{}", wrong.join("\n"));
}

/// The check itself: the Uzbek rail speed the baseline had, Triangular(8, 12, 20), has a
/// mean of 13.3 km/h and gives 12.9 km/h with delays, not CPMM's 11.9.
#[test]
fn the_check_catches_a_mean_speed_taken_for_a_speed_with_delays() {
    let d = Dist::triangular(8.0, 12.0, 20.0).unwrap();
    let (v, se) = statistic(&d, Stat::SpeedWithDelays);
    assert!((v - 11.9).abs() > 0.05 + 4.0 * se, "{v}");
}
