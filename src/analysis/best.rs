//! `compare --select`: which scenario is best, with a stated probability of being right.
//!
//! Every scenario continues from the replications the comparison ran (replication `r` is the
//! same whatever the batch, and common to every scenario where they agree), and the fully
//! sequential procedure KN ([`crate::stats::ranking`]) drops a scenario as soon as another is
//! clearly better. When the best is better than every other by at least the indifference zone,
//! it is the one selected with probability at least [`LEVEL`].

use serde::{Deserialize, Serialize};

use super::{LEVEL, Onward, Point, StudyError, Success, outcomes_batch};
use crate::experiment::{Plan, Row};
use crate::model::World;
use crate::model::units::DAY;
use crate::stats::ranking::{Ending, Outputs, kn};

/// What "best" means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    /// The highest probability of success (on time at a point, or the contract met).
    Success(Success),
    /// The smallest mean completion time at the destinations (a replication not complete by
    /// the horizon counts as complete at it).
    Completion,
}

impl Criterion {
    /// The name `--select` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Criterion::Success(s) => s.as_str(),
            Criterion::Completion => "completion",
        }
    }

    /// The criterion `as_str` names.
    pub fn from_name(name: &str) -> Option<Criterion> {
        const ALL: [Criterion; 5] = [
            Criterion::Success(Success::Destination),
            Criterion::Success(Success::Handover),
            Criterion::Success(Success::Contract),
            Criterion::Success(Success::Calloffs),
            Criterion::Completion,
        ];
        ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The first stage it needs: probabilities need enough replications for the variance of a
    /// paired difference to show (with common random numbers two scenarios may agree in most
    /// replications, and an estimate of 0 would end the selection at once).
    pub fn min_first_stage(self) -> u64 {
        match self {
            Criterion::Success(_) => 100,
            Criterion::Completion => 10,
        }
    }

    /// What is compared, in words.
    pub fn label(self) -> String {
        match self {
            Criterion::Success(s) => format!("P({})", s.label()),
            Criterion::Completion => "mean completion at the destinations (days)".into(),
        }
    }

    /// The default indifference zone: one percentage point, or one day.
    pub fn default_indifference(self) -> f64 {
        match self {
            Criterion::Success(_) => 0.01,
            Criterion::Completion => 1.0,
        }
    }

    /// When a replication's output is settled (see [`Success::decided_by`]); the completion
    /// time only at its end.
    fn decided_by(self, world: &World) -> Option<crate::engine::Time> {
        match self {
            Criterion::Success(s) => s.decided_by(world),
            Criterion::Completion => None,
        }
    }

    /// Replication `r`'s output, larger is better.
    fn output(self, world: &World, r: &Row) -> f64 {
        match self {
            Criterion::Success(s) => f64::from(u8::from(s.met(world, r))),
            Criterion::Completion => -Point::Destination.days(r).unwrap_or(world.horizon.value() / DAY),
        }
    }
}

/// One scenario's part in the selection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contender {
    /// Scenario name.
    pub scenario: String,
    /// Replications it ran in the selection (the first stage included).
    pub replications: u64,
    /// Its estimate over them: a probability, or days.
    pub mean: f64,
    /// After how many replications it was dropped (`None`: still in at the end).
    pub eliminated_at: Option<u64>,
}

/// The selection, as `compare.json` holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// `--select`.
    pub criterion: String,
    /// "higher" or "lower": which is better.
    pub better: String,
    /// The indifference zone (probability, or days).
    pub indifference: f64,
    /// The probability of selecting the best when it is better by at least `indifference`.
    pub p_correct: f64,
    /// Replications of every scenario before any is dropped.
    pub first_stage: u64,
    /// "one_left" (every other scenario dropped), "bound" (the procedure's bound reached, the
    /// best mean taken: the guarantee holds) or "cap" (`--max-replications` first: the best mean
    /// taken, without the guarantee).
    pub ending: String,
    /// The scenario selected.
    pub best: String,
    /// Replications run by the selection, summed over scenarios.
    pub replications_total: u64,
    /// Every scenario, in the order given (base first).
    pub contenders: Vec<Contender>,
}

/// Whether `worlds` can be selected from by `criterion` with that indifference zone after a
/// first stage of `first_stage` replications (before anything runs).
pub fn check(worlds: &[&World], criterion: Criterion, indifference: f64, first_stage: u64) -> Result<(), StudyError> {
    if first_stage < criterion.min_first_stage() {
        return Err(StudyError::Usage(format!(
            "--select {} needs -n {} or more (the first stage)",
            criterion.as_str(),
            criterion.min_first_stage()
        )));
    }
    if !(indifference > 0.0 && indifference.is_finite()) {
        return Err(StudyError::Usage(format!("--indifference {indifference}: give a positive number")));
    }
    if worlds.len() < 2 {
        return Err(StudyError::Usage("--select needs at least two scenarios".into()));
    }
    if let Criterion::Success(s) = criterion {
        for w in worlds {
            s.check(w)?;
        }
        if indifference >= 1.0 {
            return Err(StudyError::Usage(format!(
                "--indifference {indifference}: a difference of probabilities lies below 1"
            )));
        }
    }
    Ok(())
}

/// Selects the best of `worlds` by `criterion`, continuing from `first` (each world's rows of
/// the comparison, replications `0..n0`).
pub fn select(
    worlds: &[&World],
    first: &[&[Row]],
    criterion: Criterion,
    indifference: f64,
    max_replications: u64,
    seed: u64,
    threads: Option<usize>,
) -> Result<Selection, StudyError> {
    let n0 = first.iter().map(|r| r.len() as u64).min().unwrap_or(0);
    check(worlds, criterion, indifference, n0)?;
    let mut outputs: Vec<Vec<f64>> = worlds
        .iter()
        .zip(first)
        .map(|(w, rows)| rows.iter().take(n0 as usize).map(|r| criterion.output(w, r)).collect())
        .collect();
    let cap = max_replications.max(n0);
    let plan = Plan { replications: n0, seed, threads, trace: None };
    // The systems still in run on together, as one batch.
    let mut observe = |systems: &[usize], upto: u64| -> Result<Vec<Vec<f64>>, StudyError> {
        let mut parts = Vec::new();
        for (i, out) in outputs.iter_mut().enumerate().filter(|(i, _)| systems.contains(i)) {
            let have = out.len() as u64;
            // Half as many again: few runs, little overshoot past the decision.
            let n = upto.max(have + have / 2).min(cap);
            let world = worlds[i];
            parts.push(Onward { world, until: criterion.decided_by(world), out, n });
        }
        outcomes_batch(&plan, &mut parts, |w, r| criterion.output(w, r))?;
        Ok(systems.iter().map(|&i| outputs[i].clone()).collect())
    };
    let kind = if criterion == Criterion::Completion { Outputs::Continuous } else { Outputs::Binary };
    let s = kn(worlds.len(), n0, 1.0 - LEVEL, indifference, cap, kind, &mut observe)?;
    let sign = if criterion == Criterion::Completion { -1.0 } else { 1.0 };
    let contenders: Vec<Contender> = worlds
        .iter()
        .zip(&s.contenders)
        .map(|(w, c)| Contender {
            scenario: w.name.clone(),
            replications: c.replications,
            mean: sign * c.mean,
            eliminated_at: c.eliminated_at,
        })
        .collect();
    Ok(Selection {
        criterion: criterion.as_str().into(),
        better: if criterion == Criterion::Completion { "lower" } else { "higher" }.into(),
        indifference,
        p_correct: LEVEL,
        first_stage: n0,
        ending: match s.ending {
            Ending::OneLeft => "one_left",
            Ending::Bound => "bound",
            Ending::Cap => "cap",
        }
        .into(),
        best: worlds[s.best].name.clone(),
        replications_total: outputs.iter().map(|o| o.len() as u64).sum(),
        contenders,
    })
}
