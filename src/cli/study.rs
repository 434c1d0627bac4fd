//! The study commands, `compare`, `sweep` (and `--tornado`) and `plan`, in one shell: resolve
//! the output folder and refuse it before simulating, build the scenario's variants, run the
//! study, write its folder whole, print the result.

use std::path::{Path, PathBuf};

use super::CliError;
use super::args::{CompareArgs, PlanArgs, StudyArgs, SweepArgs};
use crate::analysis::best::Criterion;
use crate::analysis::{self, Loader, plan::Goal};
use crate::experiment::Plan;
use crate::model::World;
use crate::report::{self, output::OutputError, studies};
use crate::scenario::{self, Override, Scenario, params::Values};

fn stem(p: &Path) -> String {
    p.file_stem().map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
}

/// How long a study has to go, judged from its first run: printed once, after that run, so a
/// planner who asked for a long one knows whether to wait or to come back.
struct Eta {
    began: std::time::Instant,
    told: bool,
}

impl Eta {
    fn new() -> Eta {
        Eta { began: std::time::Instant::now(), told: false }
    }

    /// After `done` of `total` runs of about equal cost: the time left, once.
    fn tell(&mut self, done: usize, total: usize, quiet: bool) {
        if self.told || quiet || done == 0 || done >= total {
            return;
        }
        self.told = true;
        let per = self.began.elapsed().as_secs_f64() / done as f64;
        let left = per * (total - done) as f64;
        stderrln!("{done} of {total} runs took {:.1} s: about {} to go", per * done as f64, duration(left));
    }
}

/// A time left, in seconds or, past a minute and a half, minutes.
fn duration(seconds: f64) -> String {
    if seconds < 90.0 { format!("{seconds:.0} s") } else { format!("{:.0} min", seconds / 60.0) }
}

/// A tornado chart's progress in words: after the unchanged scenario's run, how long the rest
/// will take at most and at least, from that run's pace.
fn tornado_step(step: analysis::tornado::Step) -> String {
    use analysis::tornado::Step;
    match step {
        Step::Base { timed, replications, seconds, first_round, at_most } => {
            let per = seconds / timed.max(1) as f64;
            let base = if timed < replications {
                format!(
                    "{timed} of its {replications} replications in {seconds:.1} s (the rest about {})",
                    duration(per * (replications - timed) as f64)
                )
            } else {
                format!("{replications} replications in {seconds:.1} s")
            };
            format!(
                "the unchanged scenario: {base}; the first round ({first_round} replications) about {}, and at most \
                 {} if no parameter stops early",
                duration(per * first_round as f64),
                duration(per * at_most as f64)
            )
        }
        Step::Round { replications: [lo, hi], alive, parameters } if lo == hi => {
            format!("{alive} of {parameters} parameters to {hi} replications each")
        }
        Step::Round { replications: [lo, hi], alive, parameters } => {
            format!("{alive} of {parameters} parameters to {lo} to {hi} replications each")
        }
    }
}

/// The runs every point of a study makes.
fn runs(s: &StudyArgs) -> Plan {
    Plan { replications: s.replications, seed: s.seed, threads: s.threads.get(), trace: None }
}

/// Runs a study of `scenario` into its folder (`--out`, or `output/<stem>-<kind>`): checks
/// the folder first, then `study` (given the scenario's loader with the fixed overrides),
/// then `write`. Returns the result and the folder.
fn shell<T>(
    kind: &str,
    scenario: &Path,
    s: &StudyArgs,
    fixed: &[Override],
    study: impl FnOnce(Loader<'_>) -> Result<T, CliError>,
    write: impl FnOnce(&Path, &str, bool, &T) -> Result<PathBuf, OutputError>,
) -> Result<(T, PathBuf), CliError> {
    let out = s.out.clone().unwrap_or_else(|| Path::new("output").join(format!("{}-{kind}", stem(scenario))));
    let marker = format!("{kind}:{}", stem(scenario));
    let _reserved = report::output::check_destination(&out, &marker, s.force)?;
    let load = |extra: &[Override]| -> Result<Scenario, scenario::LoadError> {
        let mut o = fixed.to_vec();
        o.extend_from_slice(extra);
        scenario::load_with(scenario, &o)
    };
    let result = study(&load)?;
    let dir = write(&out, &marker, s.force, &result)?;
    Ok((result, dir))
}

/// `steelsim compare`: writes compare.json, compare.csv and each scenario's replications.
pub(super) fn compare(a: &CompareArgs) -> Result<(), CliError> {
    let s = &a.study;
    let overrides = &a.set.overrides;
    let mut scenarios = vec![scenario::load_with(&a.base, overrides)?];
    for v in &a.variants {
        scenarios.push(scenario::load_with(v, overrides)?);
    }
    let names: Vec<&str> = scenarios.iter().map(|s| s.world.name.as_str()).collect();
    let label = format!("{}-vs-{}", names[0], names[1..].join("-"));
    let out = s.out.clone().unwrap_or_else(|| Path::new("output").join(&label));
    let marker = format!("compare:{label}");
    let _reserved = report::output::check_destination(&out, &marker, s.force)?;
    let select = a.select.map(|by| {
        let criterion: Criterion = by.into();
        (criterion, a.indifference.unwrap_or(criterion.default_indifference()))
    });
    if let Some((criterion, delta)) = select {
        let worlds: Vec<&World> = scenarios.iter().map(|sc| &sc.world).collect();
        analysis::best::check(&worlds, criterion, delta, s.replications)?;
    }
    let plan = runs(s);
    let mut outputs = Vec::new();
    let mut eta = Eta::new();
    for (i, sc) in scenarios.iter().enumerate() {
        eta.tell(i, scenarios.len(), s.quiet);
        if !s.quiet {
            stderrln!("running {} ({} replications, seed {})", sc.world.name, s.replications, s.seed);
        }
        outputs.push(analysis::run_world(&sc.world, &plan)?);
    }
    // Studies hold their rows: they compare replication by replication.
    let held: Vec<Vec<_>> = outputs.iter().map(|o| o.rows.to_vec()).collect();
    let rows: Vec<(&str, &[_])> =
        scenarios.iter().zip(&held).map(|(sc, r)| (sc.world.name.as_str(), r.as_slice())).collect();
    let base = (&scenarios[0].world, rows[0].1);
    let variants: Vec<_> = scenarios[1..].iter().zip(&rows[1..]).map(|(sc, r)| (&sc.world, r.1)).collect();
    let mut comparison = analysis::compare::compare(base, &variants, s.seed);
    if let Some((criterion, delta)) = select {
        let worlds: Vec<&World> = scenarios.iter().map(|sc| &sc.world).collect();
        let first: Vec<&[_]> = held.iter().map(Vec::as_slice).collect();
        if !s.quiet {
            stderrln!("selecting the best by {} (indifference {delta})", criterion.label());
        }
        comparison.selection = Some(analysis::best::select(
            &worlds,
            &first,
            criterion,
            delta,
            a.max_replications,
            s.seed,
            s.threads.get(),
        )?);
    }
    let dir = studies::write_compare(&out, &marker, s.force, &comparison, &rows)?;
    if a.json {
        stdoutln!("{}", serde_json::to_string_pretty(&comparison).unwrap_or_default());
    } else {
        stdout!("{}", report::text::comparison(&comparison));
        stdoutln!("\nResults in {}/", dir.display());
    }
    Ok(())
}

/// `steelsim sweep`: a sweep over the swept `--set` axes, or a tornado chart.
pub(super) fn sweep(a: SweepArgs) -> Result<(), CliError> {
    let (fixed, swept): (Vec<Values>, Vec<Values>) = a.axes.into_iter().partition(|x| x.values.len() == 1);
    let fixed: Vec<Override> =
        fixed.into_iter().map(|x| Override { path: x.path, value: x.values[0].clone(), option: "--set" }).collect();
    let (s, quiet) = (&a.study, a.study.quiet);
    let plan = runs(s);
    let mut eta = Eta::new();
    match a.tornado {
        Some(pct) if swept.is_empty() => {
            let (t, dir) = shell(
                "tornado",
                &a.scenario,
                s,
                &fixed,
                |load| {
                    Ok(analysis::tornado::tornado(load, pct, &a.params, &plan, &mut |step| {
                        if !quiet {
                            stderrln!("{}", tornado_step(step));
                        }
                    })?)
                },
                studies::write_tornado,
            )?;
            stdout!("{}", report::text::tornado(&t));
            stdoutln!("\nResults in {}/", dir.display());
        }
        Some(_) => {
            return Err(CliError::Usage(
                "--tornado moves every parameter itself: give --set only with single values".into(),
            ));
        }
        None if swept.is_empty() => {
            return Err(CliError::Usage(
                "give a field to sweep, e.g. --set pools.wagons_1435.units=800..1600:200, or --tornado 20".into(),
            ));
        }
        None => {
            let (points, dir) = shell(
                "sweep",
                &a.scenario,
                s,
                &fixed,
                |load| {
                    Ok(analysis::sweep::sweep(load, &swept, &plan, &mut |i, n, set| {
                        eta.tell(i, n, quiet);
                        if !quiet {
                            let what: Vec<String> = set.iter().map(|(p, v)| format!("{p}={v}")).collect();
                            stderrln!("point {}/{n}: {}", i + 1, what.join(" "));
                        }
                    })?)
                },
                |dir, marker, force, points: &Vec<_>| studies::write_sweep(dir, marker, force, points),
            )?;
            stdout!("{}", report::text::sweep(&points));
            stdoutln!("\nResults in {}/", dir.display());
        }
    }
    Ok(())
}

/// `steelsim plan`: writes plan.json.
pub(super) fn plan(a: &PlanArgs) -> Result<(), CliError> {
    let quiet = a.study.quiet;
    let goal = Goal { target: a.target, at: a.at.into(), max_replications: a.max_replications };
    let plan = runs(&a.study);
    let (p, dir) = shell(
        "plan",
        &a.scenario,
        &a.study,
        &a.set.overrides,
        |load| {
            Ok(analysis::plan::plan(load, &a.vary, goal, &plan, &mut |v, n| {
                if !quiet {
                    stderrln!("trying {}={v} with {n} replications", a.vary.path);
                }
            })?)
        },
        studies::write_plan,
    )?;
    stdout!("{}", report::text::plan(&p));
    stdoutln!("\nResults in {}/", dir.display());
    Ok(())
}
