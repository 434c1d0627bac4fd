//! What each command does, for the thin binary in `main.rs` (and for tests, which call the
//! same functions). Errors carry the exit code they map to: 1 for a simulation that could
//! not produce trustworthy results, 2 for bad input.

pub mod study;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::experiment::precision::{Reached, Target, run_to_precision};
use crate::experiment::{self, RunError, RunOutput, Runner, Shard};
use crate::report::{self, OutputError, Performance, RunInfo, Summary, files};
use crate::scenario::{self, LoadError};

/// Exit code for bad input (scenario, options, output folder).
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for a simulation that failed.
pub const EXIT_SIMULATION: i32 = 1;
/// Exit code after Ctrl-C (128 + SIGINT, as shells expect).
pub const EXIT_INTERRUPTED: i32 = 130;
/// Exit code: `steelsim calibrate` found a check outside its band.
pub const EXIT_CALIBRATION: i32 = 3;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The scenario is invalid or unreadable.
    #[error("{0}")]
    Scenario(#[from] LoadError),
    /// The output folder cannot be used.
    #[error("{0}")]
    Output(#[from] OutputError),
    /// The simulation failed.
    #[error("{0}")]
    Run(#[from] RunError),
    /// Some scenarios failed validation: (bad, total).
    #[error("{0} of {1} scenario files {verb}", verb = if *.0 == 1 { "has problems" } else { "have problems" })]
    Invalid(usize, usize),
    /// Options or inputs that do not fit together.
    #[error("{0}")]
    Usage(String),
    /// Calibration checks fell outside their bands: (outside, total).
    #[error("{0} of {1} calibration checks are outside their bands")]
    Calibration(usize, usize),
}

impl From<crate::study::sweep::StudyError> for AppError {
    fn from(e: crate::study::sweep::StudyError) -> Self {
        use crate::study::sweep::StudyError;
        match e {
            StudyError::Scenario(e) => AppError::Scenario(e),
            StudyError::Run(e) => AppError::Run(e),
            StudyError::Usage(m) => AppError::Usage(m),
        }
    }
}

impl AppError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Run(RunError::Interrupted { .. }) | AppError::Output(OutputError::Interrupted(_)) => {
                EXIT_INTERRUPTED
            }
            AppError::Scenario(_) | AppError::Invalid(..) | AppError::Usage(_) => EXIT_BAD_INPUT,
            AppError::Output(OutputError::Io { .. }) | AppError::Run(_) => EXIT_SIMULATION,
            AppError::Output(_) => EXIT_BAD_INPUT,
            AppError::Calibration(..) => EXIT_CALIBRATION,
        }
    }

    /// The message, with terminal colours if `color`.
    pub fn render(&self, color: bool) -> String {
        match self {
            AppError::Scenario(e) => e.render(color),
            other => format!("error: {other}"),
        }
    }
}

/// Precision-driven run options.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrecisionOptions {
    /// Half-width of the 95 % interval of P(on time).
    pub p: f64,
    /// Half-width, in days, of the 95 % interval of the 95 % promise date.
    pub days: f64,
    /// Most replications.
    pub max: u64,
}

/// Options of `steelsim run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Replications (with a precision target: the batch size).
    pub replications: u64,
    /// Master seed.
    pub seed: u64,
    /// Output folder (default `output/<scenario name>`).
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// No progress bar and no human summary.
    pub quiet: bool,
    /// Replace another scenario's results in the output folder.
    pub force: bool,
    /// Print `summary.json` to stdout and nothing else.
    pub json: bool,
    /// Run only this shard's replications.
    pub shard: Option<Shard>,
    /// Keep adding replications until this precision.
    pub precision: Option<PrecisionOptions>,
    /// `--set PATH=VALUE` overrides.
    pub overrides: Vec<scenario::Override>,
    /// Check every invariant after every event.
    pub check: bool,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunReport {
    /// The summary written to `summary.json`.
    pub summary: Summary,
    /// Where the results are.
    pub out: PathBuf,
    /// Seconds spent simulating.
    pub seconds: f64,
    /// How a precision-driven run ended.
    pub precision: Option<Reached>,
    /// Phase timings and throughput (absent for merged runs).
    pub performance: Option<Performance>,
}

fn command_line(opts: &RunOptions) -> String {
    let mut c =
        format!("steelsim run {} --replications {} --seed {}", opts.scenario.display(), opts.replications, opts.seed);
    if let Some(s) = opts.shard {
        c += &format!(" --shard {}/{}", s.index, s.count);
    }
    if let Some(p) = opts.precision {
        c += &format!(" --precision {} --precision-days {} --max-replications {}", p.p, p.days, p.max);
    }
    for o in &opts.overrides {
        c += &format!(" --set '{}={}'", o.path, o.value);
    }
    c
}

/// `steelsim run`.
pub fn run(opts: &RunOptions) -> Result<RunReport, AppError> {
    if opts.shard.is_some() && opts.precision.is_some() {
        return Err(AppError::Usage(
            "--shard and --precision cannot be combined: a shard cannot know when the whole run is precise enough"
                .into(),
        ));
    }
    let began = std::time::Instant::now();
    let sc = scenario::load_with(&opts.scenario, &opts.overrides)?;
    let load_s = began.elapsed().as_secs_f64();
    let world = &sc.world;
    let default_out = match opts.shard {
        Some(s) => Path::new("output").join(format!("{}-shard-{}-of-{}", world.name, s.index, s.count)),
        None => Path::new("output").join(&world.name),
    };
    let out_dir = opts.out.clone().unwrap_or(default_out);
    // Refuse a folder we may not write before spending time simulating.
    report::output::check_destination(&out_dir, &world.name, opts.force)?;
    let runner = Runner::new(world, opts.seed, opts.threads, Some(0))?.full_checks(opts.check);
    let total = opts.precision.map_or(opts.replications, |p| p.max);
    let bar = progress_bar(total, opts.quiet || opts.json);
    let mut progress = |done: u64| bar.set_position(done);
    let (output, reached) = match opts.precision {
        Some(p) => {
            let target =
                Target { p_half_width: p.p, promise_half_width_days: p.days, batch: opts.replications, max: p.max };
            let (o, r) = run_to_precision(world, &runner, &target, &mut progress)?;
            (o, Some(r))
        }
        None => (runner.run(&experiment::indices(opts.replications, opts.shard), &mut progress)?, None),
    };
    bar.finish_and_clear();
    let aggregating = std::time::Instant::now();
    let summary = report::summary::build(world, opts.seed, &output);
    let simulate_s = output.elapsed.as_secs_f64();
    let info = RunInfo {
        steelsim: env!("CARGO_PKG_VERSION").to_string(),
        scenario: world.name.clone(),
        scenario_hash: report::scenario_hash(&sc.source),
        seed: opts.seed,
        replications: reached.as_ref().map_or(opts.replications, |r| r.replications),
        shard: opts.shard.map(Into::into),
        command: command_line(opts),
        performance: None,
    };
    let shipments = shipments_bytes(world, &output)?;
    let performance = Performance {
        threads: runner.threads(),
        load_s,
        simulate_s,
        aggregate_s: aggregating.elapsed().as_secs_f64(),
        write_s: 0.0,
        events: output.agg.events,
        events_per_second: output.agg.events as f64 / simulate_s.max(1e-9),
    };
    let info = RunInfo { performance: Some(performance), ..info };
    let dir =
        report::write_run(&out_dir, world, &sc.source, &info, &output, &summary, shipments.as_deref(), opts.force)?;
    // write_run measured its own phase into run.json; read it back for --verbose.
    let performance = std::fs::read(dir.join(files::RUN))
        .ok()
        .and_then(|b| serde_json::from_slice::<RunInfo>(&b).ok())
        .and_then(|i| i.performance)
        .or(info.performance);
    Ok(RunReport { summary, out: dir, seconds: simulate_s, precision: reached, performance })
}

fn shipments_bytes(world: &crate::model::World, out: &RunOutput) -> Result<Option<Vec<u8>>, AppError> {
    match &out.trace {
        None => Ok(None),
        Some(t) => report::tables::shipments_csv(world, 0, t).map(Some).map_err(|e| {
            AppError::Output(OutputError::Io {
                path: files::SHIPMENTS.into(),
                source: std::io::Error::other(e.to_string()),
            })
        }),
    }
}

pub(crate) fn progress_bar(total: u64, hidden: bool) -> indicatif::ProgressBar {
    if hidden || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style =
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} replications [{bar:40}] {elapsed} (eta {eta})")
            .map(|s| s.progress_chars("=> "));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

/// `steelsim validate`: checks each file; returns how many were valid, printing each
/// problem to stderr.
pub fn validate(paths: &[PathBuf], overrides: &[scenario::Override], color: bool) -> Result<usize, AppError> {
    let mut bad = 0;
    for p in paths {
        match scenario::load_with(p, overrides) {
            Ok(sc) => {
                let w = &sc.world;
                println!(
                    "{}: ok ({} mills, {} stages, {} legs, {} routes, {} lots per replication)",
                    p.display(),
                    w.mills.len(),
                    w.servers.len() + w.dwells.len(),
                    w.legs.len(),
                    w.routes.len(),
                    w.mills.iter().map(|m| m.planned().count()).sum::<usize>()
                );
            }
            Err(e) => {
                bad += 1;
                eprintln!("{}\n", e.render(color));
            }
        }
    }
    if bad > 0 { Err(AppError::Invalid(bad, paths.len())) } else { Ok(paths.len()) }
}

/// `steelsim explain`: the network and its theoretical bottleneck, as text.
pub fn explain(path: &Path, overrides: &[scenario::Override]) -> Result<String, AppError> {
    let sc = scenario::load_with(path, overrides)?;
    let e = crate::report::explain::explain(&sc.world);
    Ok(crate::report::explain::render(&sc.world, &e))
}

/// `steelsim calibrate`: the calibration table of a scenario, in Markdown (or JSON), and
/// optionally spliced into a document between its calibration markers. The document is
/// written even when a check fails (the table says which). Returns the text to print and
/// the number of checks outside their bands.
pub fn calibrate(
    path: &Path,
    overrides: &[scenario::Override],
    replications: u64,
    seed: u64,
    threads: Option<usize>,
    write: Option<&Path>,
    json: bool,
) -> Result<(String, usize), AppError> {
    use crate::study::calibrate;
    let sc = scenario::load_with(path, overrides)?;
    let document = match write {
        Some(w) => Some(
            String::from_utf8(read(w)?).map_err(|_| AppError::Usage(format!("{} is not UTF-8 text", w.display())))?,
        ),
        None => None,
    };
    let no_place = |w: &Path| {
        AppError::Usage(format!(
            "{}: no place for the table: add the lines <!-- calibration:begin --> and <!-- calibration:end -->",
            w.display()
        ))
    };
    if let (Some(w), Some(doc)) = (write, &document)
        && calibrate::splice(doc, "").is_none()
    {
        return Err(no_place(w));
    }
    let outcomes = calibrate::calibrate(&sc.world, seed, replications, threads).map_err(|e| match e {
        calibrate::CalibrateError::Run(e) => AppError::Run(e),
        missing => AppError::Usage(format!("{}: {missing}", path.display())),
    })?;
    let mut command = format!("steelsim calibrate {} -n {replications} --seed {seed}", path.display());
    for o in overrides {
        command.push_str(&format!(" --set {}={}", o.path, o.value));
    }
    let table = calibrate::markdown(&outcomes, &command);
    if let (Some(w), Some(doc)) = (write, document) {
        let spliced = calibrate::splice(&doc, &table).ok_or_else(|| no_place(w))?;
        // Written next to the target then renamed, so an interruption never leaves half a file.
        let tmp = w.with_extension("calibration.partial");
        std::fs::write(&tmp, spliced)
            .and_then(|()| std::fs::rename(&tmp, w))
            .map_err(|e| AppError::Usage(format!("cannot write {}: {e}", w.display())))?;
    }
    let outside = outcomes.iter().filter(|o| !o.within).count();
    let text = if json {
        serde_json::to_string_pretty(&outcomes).map_err(|e| AppError::Usage(e.to_string()))? + "\n"
    } else {
        table
    };
    Ok((text, outside))
}

/// The scenario `steelsim init` writes: small, commented, and valid as is.
pub const STARTER: &str = include_str!("starter.toml");

/// `steelsim init`: writes the starter scenario to `path`, never over an existing file
/// unless `force`.
pub fn init(path: &Path, force: bool) -> Result<(), AppError> {
    if path.exists() && !force {
        return Err(AppError::Usage(format!(
            "{} already exists; choose another name, or give --force to replace it",
            path.display()
        )));
    }
    std::fs::write(path, STARTER).map_err(|e| AppError::Usage(format!("cannot write {}: {e}", path.display())))
}

fn read(path: &Path) -> Result<Vec<u8>, AppError> {
    std::fs::read(path).map_err(|e| AppError::Usage(format!("cannot read {}: {e}", path.display())))
}

/// `steelsim merge`: combines shard folders into the results of the whole run, identical to
/// running it on one machine.
pub fn merge(dirs: &[PathBuf], out: &Path, force: bool) -> Result<RunReport, AppError> {
    let mut infos = Vec::new();
    for d in dirs {
        let info: RunInfo = serde_json::from_slice(&read(&d.join(files::RUN))?).map_err(|e| {
            AppError::Usage(format!("{}: not a steelsim run folder: {e}", d.join(files::RUN).display()))
        })?;
        infos.push(info);
    }
    let first = infos.first().ok_or_else(|| AppError::Usage("give at least one shard folder".into()))?.clone();
    let Some(first_shard) = first.shard else {
        return Err(AppError::Usage(format!("{} is not a shard (it was not run with --shard)", dirs[0].display())));
    };
    let mut seen = vec![false; first_shard.count as usize];
    for (d, info) in dirs.iter().zip(&infos) {
        let same = info.scenario_hash == first.scenario_hash
            && info.seed == first.seed
            && info.replications == first.replications
            && info.shard.is_some_and(|s| s.count == first_shard.count);
        if !same {
            return Err(AppError::Usage(format!(
                "{} does not belong with {}: shards must come from the same scenario, seed, replications and shard count",
                d.display(),
                dirs[0].display()
            )));
        }
        let i = info.shard.map_or(0, |s| s.index) as usize;
        if i >= seen.len() || std::mem::replace(&mut seen[i], true) {
            return Err(AppError::Usage(format!(
                "shard {i} of {} is given twice or is out of range",
                first_shard.count
            )));
        }
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(AppError::Usage(format!("shard {missing} of {} is missing", first_shard.count)));
    }
    let source = String::from_utf8(read(&dirs[0].join(files::SCENARIO))?)
        .map_err(|_| AppError::Usage("scenario.toml is not UTF-8".into()))?;
    let world = scenario::load_str(&source, &dirs[0].join(files::SCENARIO).display().to_string(), &first.scenario)?;
    let mut merged = RunOutput::new(&world);
    let mut shipments = None;
    for (d, info) in dirs.iter().zip(&infos) {
        let rows = report::tables::read_replications_csv(&read(&d.join(files::REPLICATIONS))?)
            .map_err(|e| AppError::Usage(format!("{}: {e}", d.join(files::REPLICATIONS).display())))?;
        let agg: experiment::Aggregates = serde_json::from_slice(&read(&d.join(files::AGGREGATES))?)
            .map_err(|e| AppError::Usage(format!("{}: {e}", d.join(files::AGGREGATES).display())))?;
        merged.merge(RunOutput { rows, agg, trace: None, elapsed: Default::default() });
        if info.shard.is_some_and(|s| s.index == 0) && d.join(files::SHIPMENTS).exists() {
            shipments = Some(read(&d.join(files::SHIPMENTS))?);
        }
    }
    if merged.rows.len() as u64 != first.replications {
        return Err(AppError::Usage(format!(
            "the shards hold {} replications, not the {} of the run",
            merged.rows.len(),
            first.replications
        )));
    }
    let summary = report::summary::build(&world, first.seed, &merged);
    let info = RunInfo {
        shard: None,
        performance: None,
        command: format!(
            "steelsim merge {}",
            dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(" ")
        ),
        ..first
    };
    let dir = report::write_run(out, &world, &source, &info, &merged, &summary, shipments.as_deref(), force)?;
    Ok(RunReport { summary, out: dir, seconds: 0.0, precision: None, performance: None })
}

/// `steelsim plot DIR`: redraws every figure (and, for a run, `report.html`) from the data
/// files in DIR, replacing the previous ones only once all are drawn. Returns the figures'
/// names.
pub fn plot(dir: &Path) -> Result<Vec<String>, AppError> {
    use crate::report::{figures, html, rundata, study_figures};
    let has = |f: &str| dir.join(f).exists();
    let fail = |e: String| AppError::Usage(format!("{}: {e}", dir.display()));
    let (figs, report) = if has(files::SUMMARY) && has(files::REPLICATIONS) && has(files::TIMESERIES) && has(files::RUN)
    {
        let data = rundata::RunData::read(dir).map_err(fail)?;
        let figs = figures::run_figures(&data).map_err(fail)?;
        let page = html::report(&data, &figs);
        (figs, Some(page))
    } else if has("compare.json") {
        (study_figures::compare_figures(dir).map_err(fail)?, None)
    } else if has("sweep.json") {
        (study_figures::sweep_figures(dir).map_err(fail)?, None)
    } else if has("tornado.json") {
        (study_figures::tornado_figures(dir).map_err(fail)?, None)
    } else {
        return Err(AppError::Usage(format!(
            "{} holds no steelsim results to plot (no summary.json, compare.json, sweep.json or tornado.json)",
            dir.display()
        )));
    };
    report::output::replace_figures(dir, &figs, report.as_deref())?;
    Ok(figs.into_iter().map(|f| f.name).collect())
}
