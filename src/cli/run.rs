//! `steelsim run` and `steelsim merge`: the results of one run, on one machine or gathered
//! from the shards of a cluster job.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::args::{MergeArgs, RunArgs, TraceArgs};
use super::{CliError, progress_bar, read};
use crate::analysis::replan;
use crate::analysis::summary::{Summary, build};
use crate::experiment::precision::{Reached, Target, run_to_precision};
use crate::experiment::{self, Aggregates, Rows, RunOutput, Runner, Tracing};
use crate::model::Trace;
use crate::report::{self, OutputError, Performance, RunFiles, RunInfo, files};
use crate::scenario;

/// What a run produced, for the terminal.
struct RunReport {
    summary: Summary,
    out: PathBuf,
    seconds: f64,
    precision: Option<Reached>,
    performance: Option<Performance>,
}

fn command_line(a: &RunArgs) -> String {
    let mut c = format!("steelsim run {} --replications {} --seed {}", a.scenario.display(), a.replications, a.seed);
    if let Some(s) = a.shard {
        c += &format!(" --shard {}/{}", s.index, s.count);
    }
    if let Some(p) = a.precision {
        c += &format!(
            " --precision {} --precision-days {} --max-replications {}",
            p, a.precision_days, a.max_replications
        );
    }
    for o in &a.set.overrides {
        c += &format!(" --set '{}={}'", o.path, o.value);
    }
    if a.status.is_some() {
        c += " --status start_status.csv";
    }
    if a.trace != [0] {
        c += &format!(" --trace {}", a.trace.iter().map(u64::to_string).collect::<Vec<_>>().join(","));
    }
    c
}

/// `steelsim run`.
pub(super) fn run(a: &RunArgs) -> Result<(), CliError> {
    if a.shard.is_some() && a.precision.is_some() {
        return Err(CliError::Usage(
            "--shard and --precision cannot be combined: a shard cannot know when the whole run is precise enough"
                .into(),
        ));
    }
    let n = if a.precision.is_some() { a.max_replications } else { a.replications };
    if let Some(t) = a.trace.iter().find(|&&t| t >= n) {
        return Err(CliError::Usage(format!("--trace {t}: the run has replications 0 to {}", n - 1)));
    }
    let began = Instant::now();
    let mut sc = scenario::load_with(&a.scenario, &a.set.overrides)?;
    stderr!("{}", sc.notes);
    let start_status = match &a.status {
        Some(path) => {
            let (status, text) = scenario::status::load(&sc.world, path)?;
            sc.world.start_from(status);
            Some(text)
        }
        None => None,
    };
    let status_at = a.status_at.as_deref().map(|d| status_moment(&sc.world, d)).transpose()?;
    let plan = a.plan.as_deref().map(|dir| read_plan(dir, &sc.world, &sc.source)).transpose()?;
    let load_s = began.elapsed().as_secs_f64();
    let world = &sc.world;
    let default_out = match a.shard {
        Some(s) => Path::new("output").join(format!("{}-shard-{}-of-{}", world.name, s.index, s.count)),
        None => Path::new("output").join(&world.name),
    };
    let out_dir = a.out.clone().unwrap_or(default_out);
    // Refuse a folder we may not write before spending time simulating.
    let _reserved = report::output::check_destination(&out_dir, &world.name, a.force)?;
    let runner = Runner::new(world, a.seed, a.threads.get())?
        .tracing(Tracing::Only(a.trace.clone()))
        .full_checks(a.check)
        .rows_in_memory(rows_in_memory()?);
    let total = if a.precision.is_some() { a.max_replications } else { a.replications };
    if a.xlsx {
        workbook_fits(total)?;
    }
    let bar = progress_bar(total, a.quiet || a.json);
    let mut progress = |done: u64| bar.set_position(done);
    let (output, reached) = match a.precision {
        Some(p) => {
            let target = Target {
                p_half_width: p,
                promise_half_width_days: a.precision_days,
                batch: a.replications,
                max: a.max_replications,
            };
            let (o, r) = run_to_precision(world, &runner, &target, &mut progress)?;
            (o, Some(r))
        }
        None => (runner.run(experiment::indices(a.replications, a.shard), &mut progress)?, None),
    };
    bar.finish_and_clear();
    let aggregating = Instant::now();
    let mut summary = build(world, a.seed, &output);
    if let (Some((plan, same)), Some(dir)) = (&plan, &a.plan) {
        summary.replan = Some(replan::compare(&dir.display().to_string(), plan, *same, &summary));
    }
    let simulate_s = output.elapsed.as_secs_f64();
    let (shipments, events) = trace_bytes(world, &output)?.unzip();
    let status = match status_at {
        Some(t) => {
            let s = experiment::status_at(world, a.seed, a.replication, t)?;
            Some(scenario::status::to_csv(world, &s).map_err(|e| CliError::Usage(format!("status.csv: {e}")))?)
        }
        None => None,
    };
    let info = RunInfo {
        steelsim: env!("CARGO_PKG_VERSION").to_string(),
        scenario: world.name.clone(),
        scenario_hash: report::scenario_hash(&sc.source),
        seed: a.seed,
        replications: reached.as_ref().map_or(a.replications, |r| r.replications),
        shard: a.shard.map(Into::into),
        command: command_line(a),
        variant: variant(a, &sc.source),
        performance: Some(Performance {
            threads: runner.threads(),
            load_s,
            simulate_s,
            aggregate_s: aggregating.elapsed().as_secs_f64(),
            write_s: 0.0,
            events: output.agg.events,
            events_per_second: output.agg.events as f64 / simulate_s.max(1e-9),
            peak_memory_mb: None,
        }),
    };
    let files = RunFiles {
        world,
        source: &sc.source,
        info: &info,
        out: &output,
        summary: &summary,
        shipments: shipments.as_deref(),
        events: events.as_deref(),
        start_status: start_status.as_ref().map(String::as_bytes),
        status: status.as_deref(),
        xlsx: a.xlsx,
    };
    let (dir, info) = report::write_run(&out_dir, a.force, &files)?;
    let report =
        RunReport { summary, out: dir, seconds: simulate_s, precision: reached, performance: info.performance };
    print_report(&report, a.json, a.quiet);
    if a.verbose {
        print_performance(&report);
    }
    Ok(())
}

/// The summary of the run `--plan` names, and whether it ran the same scenario text; refused
/// (before anything is simulated) if it is not a run of the same order.
fn read_plan(dir: &Path, world: &crate::model::World, source: &str) -> Result<(Summary, bool), CliError> {
    let bad = |why: String| CliError::Usage(format!("--plan {}: {why}", dir.display()));
    let summary: Summary = serde_json::from_slice(&read(&dir.join(files::SUMMARY))?)
        .map_err(|e| bad(format!("{} is not a steelsim summary: {e}", files::SUMMARY)))?;
    let info: RunInfo = serde_json::from_slice(&read(&dir.join(files::RUN))?)
        .map_err(|e| bad(format!("{} is not a steelsim run record: {e}", files::RUN)))?;
    replan::check_plan(world, &summary).map_err(bad)?;
    Ok((summary, info.scenario_hash == report::scenario_hash(source)))
}

/// The moment `--status-at` names, between the order's start and its deadline.
fn status_moment(world: &crate::model::World, text: &str) -> Result<crate::engine::Time, CliError> {
    let dt = scenario::status::parse_moment(text).map_err(|e| CliError::Usage(format!("--status-at: {e}")))?;
    let h = scenario::status::hours(world, dt);
    match crate::engine::Time::new(h) {
        Some(t) if t <= world.deadline => Ok(t),
        _ => Err(CliError::Usage(format!(
            "--status-at {text}: the date must lie between the order's start ({}) and its deadline ({})",
            world.start,
            // The deadline is the end of its day.
            (scenario::status::datetime(world, world.deadline) - jiff::SignedDuration::from_secs(1)).date()
        ))),
    }
}

/// The traced replications' `shipments.csv` and `events.csv`, if any replication was traced.
fn trace_bytes(world: &crate::model::World, out: &RunOutput) -> Result<Option<TraceCsv>, CliError> {
    if out.traces.is_empty() {
        return Ok(None);
    }
    trace_files(world, &out.traces).map(Some)
}

/// `shipments.csv` and `events.csv`, in that order.
type TraceCsv = (Vec<u8>, Vec<u8>);

/// `shipments.csv` and `events.csv` of `traces`.
fn trace_files(world: &crate::model::World, traces: &[(u64, Trace)]) -> Result<TraceCsv, CliError> {
    let fail = |name: &str| {
        let name = name.to_string();
        move |e: csv::Error| CliError::Output(OutputError::Render { path: name.into(), reason: e.to_string() })
    };
    let shipments = report::tables::shipments_csv(world, traces).map_err(fail(files::SHIPMENTS))?;
    let events = report::tables::events_csv(world, traces).map_err(fail(files::EVENTS))?;
    Ok((shipments, events))
}

/// A results folder's record of how it was made.
fn read_run_info(dir: &Path) -> Result<RunInfo, CliError> {
    let path = dir.join(files::RUN);
    serde_json::from_slice(&read(&path)?)
        .map_err(|e| CliError::Usage(format!("{}: not a steelsim run folder: {e}", path.display())))
}

/// The world a results folder was run with: its scenario (named `name`) as run, started from
/// its shipment status if the run had one; with the scenario's text and the status's.
fn results_world(dir: &Path, name: &str) -> Result<(crate::model::World, String, Option<String>), CliError> {
    let path = dir.join(files::SCENARIO);
    let source =
        String::from_utf8(read(&path)?).map_err(|_| CliError::Usage(format!("{} is not UTF-8", path.display())))?;
    let mut world = scenario::load_str(&source, &path.display().to_string(), name)?;
    let status = dir.join(files::START_STATUS);
    let start_status = if status.exists() {
        let (s, text) = scenario::status::load(&world, &status)?;
        world.start_from(s);
        Some(text)
    } else {
        None
    };
    Ok((world, source, start_status))
}

/// `steelsim merge`: combines shard folders into the results of the whole run, identical to
/// running it on one machine.
pub(super) fn merge(a: &MergeArgs) -> Result<(), CliError> {
    let dirs = &a.shards;
    let infos = dirs.iter().map(|d| read_run_info(d)).collect::<Result<Vec<_>, _>>()?;
    let first = infos.first().ok_or_else(|| CliError::Usage("give at least one shard folder".into()))?.clone();
    let Some(first_shard) = first.shard else {
        return Err(CliError::Usage(format!("{} is not a shard (it was not run with --shard)", dirs[0].display())));
    };
    let mut seen = vec![false; first_shard.count as usize];
    for (d, info) in dirs.iter().zip(&infos) {
        let same = info.scenario_hash == first.scenario_hash
            && info.seed == first.seed
            && info.replications == first.replications
            && info.shard.is_some_and(|s| s.count == first_shard.count);
        if !same {
            return Err(CliError::Usage(format!(
                "{} does not belong with {}: shards must come from the same scenario, seed, replications and shard count",
                d.display(),
                dirs[0].display()
            )));
        }
        let i = info.shard.map_or(0, |s| s.index) as usize;
        if i >= seen.len() || std::mem::replace(&mut seen[i], true) {
            return Err(CliError::Usage(format!(
                "shard {i} of {} is given twice or is out of range",
                first_shard.count
            )));
        }
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(CliError::Usage(format!("shard {missing} of {} is missing", first_shard.count)));
    }
    let (world, source, start_status) = results_world(&dirs[0], &first.scenario)?;
    // A run from a shipment status: every shard must have started from the same one (the
    // scenario's hash does not cover it).
    for d in &dirs[1..] {
        let path = d.join(files::START_STATUS);
        let theirs = if path.exists() { Some(read(&path)?) } else { None };
        if theirs.as_deref() != start_status.as_ref().map(String::as_bytes) {
            return Err(CliError::Usage(format!(
                "{} and {} did not start from the same shipment status ({}): they are not shards of one run",
                dirs[0].display(),
                d.display(),
                files::START_STATUS
            )));
        }
    }
    if a.xlsx {
        workbook_fits(first.replications)?;
    }
    let in_memory = rows_in_memory()?;
    let mut merged = RunOutput { rows: Rows::new(in_memory), ..RunOutput::new(&world) };
    let (mut traced, mut traced_events): (Vec<Vec<u8>>, Vec<Vec<u8>>) = (Vec::new(), Vec::new());
    for d in dirs {
        let path = d.join(files::REPLICATIONS);
        let file =
            std::fs::File::open(&path).map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
        let mut rows = Rows::new(in_memory);
        report::tables::read_replications(std::io::BufReader::new(file), |r| rows.push(r).map_err(|e| e.to_string()))
            .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        let agg: Aggregates = serde_json::from_slice(&read(&d.join(files::AGGREGATES))?)
            .map_err(|e| CliError::Usage(format!("{}: {e}", d.join(files::AGGREGATES).display())))?;
        merged.merge(RunOutput { rows, agg, traces: Vec::new(), elapsed: Default::default() })?;
        if d.join(files::SHIPMENTS).exists() {
            traced.push(read(&d.join(files::SHIPMENTS))?);
        }
        if d.join(files::EVENTS).exists() {
            traced_events.push(read(&d.join(files::EVENTS))?);
        }
    }
    if merged.rows.len() != first.replications {
        return Err(CliError::Usage(format!(
            "the shards hold {} replications, not the {} of the run",
            merged.rows.len(),
            first.replications
        )));
    }
    let shipments = merge_traced(&traced, files::SHIPMENTS)?;
    let events = merge_traced(&traced_events, files::EVENTS)?;
    let summary = build(&world, first.seed, &merged);
    // The merged results are those of one run without --shard: that is what reproduces them.
    let command = unsharded(&first.command);
    let info = RunInfo { shard: None, performance: None, command, ..first };
    let files = RunFiles {
        world: &world,
        source: &source,
        info: &info,
        out: &merged,
        summary: &summary,
        shipments: shipments.as_deref(),
        events: events.as_deref(),
        start_status: start_status.as_ref().map(String::as_bytes),
        status: None,
        xlsx: a.xlsx,
    };
    let (dir, _) = report::write_run(&a.out, a.force, &files)?;
    let report = RunReport { summary, out: dir, seconds: 0.0, precision: None, performance: None };
    print_report(&report, a.json, a.quiet);
    Ok(())
}

/// The shards' `shipments.csv` (or `events.csv`, `name`) as one: every traced replication's
/// rows, in replication order (a stable sort keeps each replication's own order), as one run
/// writes them.
fn merge_traced(files: &[Vec<u8>], name: &str) -> Result<Option<Vec<u8>>, CliError> {
    let bad = |e: csv::Error| CliError::Usage(format!("{name}: {e}"));
    let mut header = None;
    let mut rows: Vec<(u64, csv::ByteRecord)> = Vec::new();
    for f in files {
        let mut r = csv::Reader::from_reader(f.as_slice());
        header = Some(r.byte_headers().map_err(bad)?.clone());
        for rec in r.byte_records() {
            let rec = rec.map_err(bad)?;
            let replication = std::str::from_utf8(&rec[0]).ok().and_then(|s| s.parse().ok()).unwrap_or(u64::MAX);
            rows.push((replication, rec));
        }
    }
    let Some(header) = header else { return Ok(None) };
    rows.sort_by_key(|r| r.0);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_byte_record(&header).map_err(bad)?;
    for (_, rec) in &rows {
        w.write_byte_record(rec).map_err(bad)?;
    }
    w.into_inner().map(Some).map_err(|e| CliError::Usage(format!("{name}: {e}")))
}

/// A shard's command without its `--shard I/N` (and any `--out`, which named the shard's
/// own folder): the single run the merged results are.
fn unsharded(command: &str) -> String {
    let words: Vec<&str> = command.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    let mut skip = false;
    for w in words {
        if skip {
            skip = false;
        } else if w == "--shard" || w == "--out" || w == "-o" {
            skip = true;
        } else {
            out.push(w);
        }
    }
    out.join(" ")
}

fn print_report(report: &RunReport, json: bool, quiet: bool) {
    if json {
        match serde_json::to_string_pretty(&report.summary) {
            Ok(text) => stdoutln!("{text}"),
            Err(e) => stderrln!("error: {e}"),
        }
        return;
    }
    if quiet {
        return;
    }
    stdout!("{}", report::text::render(&report.summary));
    if let Some(p) = &report.precision {
        let verdict = if p.reached { "reached" } else { "NOT reached (stopped at --max-replications)" };
        stdoutln!("\nPrecision {verdict} after {} replications.", p.replications);
    }
    if report.seconds > 0.0 {
        stdoutln!(
            "\n{} events in {:.2} s ({:.1} million events/s). Results in {}/",
            report.summary.events,
            report.seconds,
            report.summary.events as f64 / report.seconds / 1e6,
            report.out.display()
        );
    } else {
        // Merged shards: the events were simulated elsewhere.
        stdoutln!("\n{} events. Results in {}/", report.summary.events, report.out.display());
    }
}

/// `--verbose`: phase timings on stderr, so `--json` output stays clean.
fn print_performance(report: &RunReport) {
    let Some(p) = &report.performance else { return };
    stderrln!(
        "load {:.3} s, simulate {:.3} s, aggregate {:.3} s, write {:.3} s; {} events on {} threads, {:.1} million events/s",
        p.load_s,
        p.simulate_s,
        p.aggregate_s,
        p.write_s,
        p.events,
        p.threads,
        p.events_per_second / 1e6
    );
}

/// `steelsim trace`: one replication of a results folder again, with its per-lot trace.
pub(super) fn trace(a: &TraceArgs) -> Result<(), CliError> {
    let info = read_run_info(&a.dir)?;
    if a.replication >= info.replications {
        return Err(CliError::Usage(format!(
            "{} holds replications 0 to {}; there is no replication {}",
            a.dir.display(),
            info.replications.saturating_sub(1),
            a.replication
        )));
    }
    let (world, _, start_status) = results_world(&a.dir, &info.scenario)?;
    let out =
        a.out.clone().unwrap_or_else(|| Path::new("output").join(format!("{}-trace-{}", world.name, a.replication)));
    let _reserved = report::output::check_destination(&out, &world.name, a.force)?;
    let r = experiment::replicate(&world, info.seed, a.replication, true)?;
    let traces = [(a.replication, r.trace.unwrap_or_default())];
    let (shipments, events) = trace_files(&world, &traces)?;
    let trace = report::TraceFiles { shipments: &shipments, events: &events };
    let dir = report::write_trace(&out, &world, a.replication, a.force, trace, start_status.as_deref())?;
    let completion = r.completion.map_or_else(
        || "not complete by the horizon".to_string(),
        |t| format!("complete on day {:.1}", crate::model::units::days(t.value())),
    );
    stdoutln!(
        "Replication {} of {} (seed {}): {completion}. Its trace is in {}/",
        a.replication,
        info.scenario,
        info.seed,
        dir.display()
    );
    Ok(())
}

/// Rows a run holds in memory before it keeps them on disk: `STEELSIM_ROWS_IN_MEMORY`, or
/// the default. Results are the same either way, to the last bit (tested by setting it low).
fn rows_in_memory() -> Result<usize, CliError> {
    match std::env::var("STEELSIM_ROWS_IN_MEMORY") {
        Err(_) => Ok(experiment::rows::IN_MEMORY),
        Ok(v) => v.trim().parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| {
            CliError::Usage(format!("STEELSIM_ROWS_IN_MEMORY={v:?}: expected a whole number of rows, at least 1"))
        }),
    }
}

/// Refuses `--xlsx` for more replications than a worksheet holds, before any work is done.
fn workbook_fits(replications: u64) -> Result<(), CliError> {
    let most = report::workbook::MAX_REPLICATIONS;
    if replications > most {
        return Err(CliError::Usage(format!(
            "--xlsx: a worksheet holds at most {most} replications, and this run may make {replications}; \
             leave --xlsx out (replications.csv holds them all) or run fewer"
        )));
    }
    Ok(())
}

/// What the scenario run changes from its base: the file it extends, or (with `--set` and no
/// `extends`) the file itself. `None` when it is neither a variant nor overridden, or when the
/// base no longer loads (the run itself loaded it a moment ago: nothing to report then).
fn variant(a: &RunArgs, source: &str) -> Option<report::Variant> {
    let text = std::fs::read_to_string(&a.scenario).ok()?;
    let table: toml::Table = text.parse().ok()?;
    let base = match table.get("extends").and_then(toml::Value::as_str) {
        Some(b) => scenario::load(&a.scenario.parent().unwrap_or(Path::new(".")).join(b)).ok()?,
        None if !a.set.overrides.is_empty() => scenario::load(&a.scenario).ok()?,
        None => return None,
    };
    let changes = scenario::changes::changes(&base.source, source);
    Some(report::Variant { base: base.world.name, changes })
}
