//! The study commands: `compare`, `sweep` (and `--tornado`), `plan`.

use std::path::{Path, PathBuf};

use super::AppError;
use crate::report::{Staging, json_bytes};
use crate::scenario::{self, Override};
use crate::study::compare::{Comparison, compare as compare_rows, csv as compare_csv};
use crate::study::params::Values;
use crate::study::plan::{PlanResult, plan as plan_search};
use crate::study::sweep::{SweepPoint, Tornado, sweep as run_sweep, sweep_csv, tornado as run_tornado, tornado_csv};
use crate::study::{Point, run_world};

/// Options every study shares.
#[derive(Clone, Debug)]
pub struct StudyOptions {
    /// Replications per run (the starting number for `plan`).
    pub replications: u64,
    /// Master seed shared by every run.
    pub seed: u64,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Output folder.
    pub out: Option<PathBuf>,
    /// Replace another study's results there.
    pub force: bool,
    /// `--set` overrides applied to every scenario.
    pub overrides: Vec<Override>,
    /// No progress lines on stderr.
    pub quiet: bool,
}

fn io_error(path: &Path, e: impl ToString) -> AppError {
    AppError::Output(crate::report::OutputError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })
}

fn stem(p: &Path) -> String {
    p.file_stem().map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
}

/// `steelsim compare`: writes compare.json, compare.csv and each scenario's replications.
pub fn compare(base: &Path, variants: &[PathBuf], opts: &StudyOptions) -> Result<(Comparison, PathBuf), AppError> {
    let mut scenarios = vec![scenario::load_with(base, &opts.overrides)?];
    for v in variants {
        scenarios.push(scenario::load_with(v, &opts.overrides)?);
    }
    let names: Vec<&str> = scenarios.iter().map(|s| s.world.name.as_str()).collect();
    let label = format!("{}-vs-{}", names[0], names[1..].join("-"));
    let out = opts.out.clone().unwrap_or_else(|| Path::new("output").join(&label));
    crate::report::output::check_destination(&out, &format!("compare:{label}"), opts.force)?;
    let mut runs = Vec::new();
    for sc in &scenarios {
        if !opts.quiet {
            eprintln!("running {} ({} replications, seed {})", sc.world.name, opts.replications, opts.seed);
        }
        runs.push(run_world(&sc.world, opts.seed, opts.replications, opts.threads)?);
    }
    let base_pair = (&scenarios[0].world, runs[0].rows.as_slice());
    let variant_pairs: Vec<_> =
        scenarios[1..].iter().zip(&runs[1..]).map(|(s, r)| (&s.world, r.rows.as_slice())).collect();
    let comparison = compare_rows(base_pair, &variant_pairs, opts.seed);
    let staging = Staging::new(&out, &format!("compare:{label}"), opts.force)?;
    staging.write("compare.json", &json_bytes(&comparison).map_err(|e| io_error(&out, e))?)?;
    staging.write("compare.csv", &compare_csv(&comparison).map_err(|e| io_error(&out, e))?)?;
    for (sc, run) in scenarios.iter().zip(&runs) {
        let rows = crate::report::tables::replications_csv(&run.rows).map_err(|e| io_error(&out, e))?;
        staging.write(&format!("{}.replications.csv", sc.world.name), &rows)?;
    }
    let figures = crate::report::study_figures::compare_figures(&staging.path("")).map_err(|e| io_error(&out, e))?;
    crate::report::write_figures(&staging, &figures)?;
    Ok((comparison, staging.commit()?))
}

/// `steelsim sweep`: writes sweep.csv and sweep.json (every point's summary).
pub fn sweep(scenario: &Path, axes: &[Values], opts: &StudyOptions) -> Result<(Vec<SweepPoint>, PathBuf), AppError> {
    let out = opts.out.clone().unwrap_or_else(|| Path::new("output").join(format!("{}-sweep", stem(scenario))));
    let marker = format!("sweep:{}", stem(scenario));
    crate::report::output::check_destination(&out, &marker, opts.force)?;
    let quiet = opts.quiet;
    let points =
        run_sweep(scenario, &opts.overrides, axes, opts.replications, opts.seed, opts.threads, &mut |i, n, s| {
            if !quiet {
                let what: Vec<String> = s.iter().map(|(p, v)| format!("{p}={v}")).collect();
                eprintln!("point {}/{n}: {}", i + 1, what.join(" "));
            }
        })?;
    let staging = Staging::new(&out, &marker, opts.force)?;
    staging.write("sweep.csv", &sweep_csv(&points).map_err(|e| io_error(&out, e))?)?;
    let json: Vec<serde_json::Value> = points
        .iter()
        .map(|p| {
            serde_json::json!({
                "settings": p.settings.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
                "summary": p.summary,
            })
        })
        .collect();
    staging.write("sweep.json", &json_bytes(&json).map_err(|e| io_error(&out, e))?)?;
    let figures = crate::report::study_figures::sweep_figures(&staging.path("")).map_err(|e| io_error(&out, e))?;
    crate::report::write_figures(&staging, &figures)?;
    Ok((points, staging.commit()?))
}

/// `steelsim sweep --tornado`: writes tornado.csv and tornado.json.
pub fn tornado(
    scenario: &Path,
    percent: f64,
    params: &[String],
    opts: &StudyOptions,
) -> Result<(Tornado, PathBuf), AppError> {
    let out = opts.out.clone().unwrap_or_else(|| Path::new("output").join(format!("{}-tornado", stem(scenario))));
    let marker = format!("tornado:{}", stem(scenario));
    crate::report::output::check_destination(&out, &marker, opts.force)?;
    let quiet = opts.quiet;
    let t = run_tornado(
        scenario,
        &opts.overrides,
        percent,
        params,
        opts.replications,
        opts.seed,
        opts.threads,
        &mut |i, n, p| {
            if !quiet {
                eprintln!("parameter {}/{n}: {p}", i + 1);
            }
        },
    )?;
    let staging = Staging::new(&out, &marker, opts.force)?;
    staging.write("tornado.csv", &tornado_csv(&t).map_err(|e| io_error(&out, e))?)?;
    staging.write("tornado.json", &json_bytes(&t).map_err(|e| io_error(&out, e))?)?;
    let figures = crate::report::study_figures::tornado_figures(&staging.path("")).map_err(|e| io_error(&out, e))?;
    crate::report::write_figures(&staging, &figures)?;
    Ok((t, staging.commit()?))
}

/// `steelsim plan`: writes plan.json.
pub fn plan(
    scenario: &Path,
    vary: &Values,
    target: f64,
    at: Point,
    max: u64,
    opts: &StudyOptions,
) -> Result<(PlanResult, PathBuf), AppError> {
    let out = opts.out.clone().unwrap_or_else(|| Path::new("output").join(format!("{}-plan", stem(scenario))));
    let marker = format!("plan:{}", stem(scenario));
    crate::report::output::check_destination(&out, &marker, opts.force)?;
    let quiet = opts.quiet;
    let result = plan_search(
        scenario,
        &opts.overrides,
        vary,
        target,
        at,
        opts.replications,
        max,
        opts.seed,
        opts.threads,
        &mut |v, n| {
            if !quiet {
                eprintln!("trying {}={v} with {n} replications", vary.path);
            }
        },
    )?;
    let staging = Staging::new(&out, &marker, opts.force)?;
    staging.write("plan.json", &json_bytes(&result).map_err(|e| io_error(&out, e))?)?;
    Ok((result, staging.commit()?))
}
