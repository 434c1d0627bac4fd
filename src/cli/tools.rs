//! The commands around runs: `validate`, `explain`, `calibrate`, `init`, `schema`, `plot`.

use std::path::{Path, PathBuf};

use super::args::{CalibrateArgs, SchemaKind};
use super::{CliError, read};
use crate::analysis;
use crate::report::{self, calibration};
use crate::scenario::{self, Override};

/// The scenario `steelsim init` writes: small, commented, and valid as is.
pub const STARTER: &str = include_str!("starter.toml");

/// `steelsim validate`: checks each file, printing each problem to stderr.
pub(super) fn validate(paths: &[PathBuf], overrides: &[Override], color: bool) -> Result<(), CliError> {
    let mut bad = 0;
    for p in paths {
        match scenario::load_with(p, overrides) {
            Ok(sc) => {
                let w = &sc.world;
                stdoutln!(
                    "{}: ok ({} mills, {} stages, {} legs, {} routes, {} lots per replication)",
                    p.display(),
                    w.mills.len(),
                    w.servers.len() + w.dwells.len(),
                    w.legs.len(),
                    w.routes.len(),
                    w.mills.iter().map(|m| m.planned().count()).sum::<usize>()
                );
                stderr!("{}", sc.notes);
            }
            Err(e) => {
                bad += 1;
                stderrln!("{}\n", e.render(color));
            }
        }
    }
    if bad > 0 { Err(CliError::Invalid(bad, paths.len())) } else { Ok(()) }
}

/// `steelsim explain`: the network and its theoretical bottleneck, as text.
pub(super) fn explain(path: &Path, overrides: &[Override], results: Option<&Path>) -> Result<(), CliError> {
    // The results folder is read first: a wrong folder is found before any work.
    let measured = results.map(simulated_utilisation).transpose()?;
    let sc = scenario::load_with(path, overrides)?;
    stderr!("{}", sc.notes);
    let e = analysis::capacity::capacity(&sc.world);
    stdout!("{}", report::explain::render(&sc.world, &e, measured.as_ref()));
    Ok(())
}

/// Each stage's mean utilisation in a results folder's `summary.json`, by name.
fn simulated_utilisation(dir: &Path) -> Result<std::collections::HashMap<String, f64>, CliError> {
    let file = dir.join("summary.json");
    let text = std::fs::read_to_string(&file).map_err(|e| {
        CliError::Usage(format!(
            "--results {}: cannot read {} ({e}); give a folder written by `steelsim run`",
            dir.display(),
            file.display()
        ))
    })?;
    let summary: analysis::summary::Summary = serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{}: not a summary written by steelsim ({e})", file.display())))?;
    Ok(summary.stages.iter().filter_map(|s| s.utilisation.map(|u| (s.name.clone(), u))).collect())
}

/// `steelsim calibrate`: the calibration table of a scenario, in Markdown (or JSON), and
/// optionally spliced into a document between its calibration markers. The document is
/// written even when a check fails (the table says which).
pub(super) fn calibrate(a: &CalibrateArgs) -> Result<(), CliError> {
    use crate::analysis::calibrate::{self, CalibrateError};
    let (path, overrides) = (&a.scenario, &a.set.overrides);
    let sc = scenario::load_with(path, overrides)?;
    let targets = a
        .targets
        .clone()
        .unwrap_or_else(|| path.parent().unwrap_or(Path::new("")).join("calibration").join("targets.toml"));
    if a.targets.is_none() && !targets.exists() {
        return Err(CliError::Usage(format!(
            "no calibration targets for {}: {} does not exist; give --targets FILE (the baseline's are \
             scenarios/calibration/targets.toml)",
            path.display(),
            targets.display()
        )));
    }
    let text = String::from_utf8(read(&targets)?)
        .map_err(|_| CliError::Usage(format!("{} is not UTF-8 text", targets.display())))?;
    let checks =
        calibrate::parse_targets(&text, &targets.display().to_string()).map_err(|e| CliError::Usage(e.to_string()))?;
    let document = match &a.write {
        Some(w) => Some(
            String::from_utf8(read(w)?).map_err(|_| CliError::Usage(format!("{} is not UTF-8 text", w.display())))?,
        ),
        None => None,
    };
    let no_place = |w: &Path| {
        CliError::Usage(format!(
            "{}: no place for the table: add the lines <!-- calibration:begin --> and <!-- calibration:end -->",
            w.display()
        ))
    };
    if let (Some(w), Some(doc)) = (&a.write, &document)
        && calibration::splice(doc, "").is_none()
    {
        return Err(no_place(w));
    }
    let outcomes =
        calibrate::calibrate(&sc.world, checks, a.seed, a.replications, a.threads.get()).map_err(|e| match e {
            CalibrateError::Run(e) => CliError::Run(e),
            missing => CliError::Usage(format!("{}: {missing}", path.display())),
        })?;
    let mut command = format!("steelsim calibrate {} -n {} --seed {}", path.display(), a.replications, a.seed);
    for o in overrides {
        command.push_str(&format!(" --set {}={}", o.path, o.value));
    }
    let table = calibration::markdown(&outcomes, &command);
    if let (Some(w), Some(doc)) = (&a.write, document) {
        let spliced = calibration::splice(&doc, &table).ok_or_else(|| no_place(w))?;
        // Written next to the target then renamed, so an interruption never leaves half a file.
        let tmp = w.with_extension("calibration.partial");
        std::fs::write(&tmp, spliced)
            .and_then(|()| std::fs::rename(&tmp, w))
            .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", w.display())))?;
    }
    let outside = outcomes.iter().filter(|o| !o.within).count();
    if a.json {
        stdout!("{}", serde_json::to_string_pretty(&outcomes).map_err(|e| CliError::Usage(e.to_string()))? + "\n");
    } else {
        stdout!("{table}");
    }
    match outside {
        0 => Ok(()),
        n => Err(CliError::Calibration(n, outcomes.len())),
    }
}

/// `steelsim init`: writes the starter scenario to `path`, never over an existing file
/// unless `force`.
pub(super) fn init(path: &Path, force: bool) -> Result<(), CliError> {
    if path.exists() && !force {
        return Err(CliError::Usage(format!(
            "{} already exists; choose another name, or give --force to replace it",
            path.display()
        )));
    }
    std::fs::write(path, STARTER).map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))?;
    stdoutln!("Wrote {}. Next: steelsim validate {0}; steelsim run {0}", path.display());
    Ok(())
}

/// `steelsim schema`: prints a JSON Schema.
pub(super) fn schema(which: SchemaKind) -> Result<(), CliError> {
    let schema = match which {
        SchemaKind::Summary => analysis::summary::json_schema(),
        SchemaKind::Scenario => scenario::scenario_schema(),
    };
    stdoutln!("{}", serde_json::to_string_pretty(&schema).unwrap_or_default());
    Ok(())
}

/// `steelsim plot DIR`: redraws every figure (and, for a run, `report.html`) from the data
/// files in DIR, replacing the previous ones only once all are drawn.
pub(super) fn plot(dir: &Path) -> Result<(), CliError> {
    let names = report::redraw(dir)?;
    stdoutln!("Redrew {} figures in {}/figures/: {}", names.len(), dir.display(), names.join(", "));
    Ok(())
}
