//! Scenario files: the TOML format, its validation, and its compilation to a [`World`].
//!
//! [`load`] reads a file and returns either a ready world or every problem found, each
//! pinned to a line, a column and a field path. Nothing is run until a scenario is valid.

mod checks;
mod compile;
mod corridors;
mod ctx;
pub mod diag;
mod disturbances;
pub mod plan;
mod routes;
pub mod schema;
pub mod suggest;
pub mod values;

use std::path::{Path, PathBuf};

pub use compile::{DEFAULT_CONFIDENCE, DEFAULT_MAX_EVENTS, DEFAULT_MAX_LOTS, compile};
pub use diag::Diagnostic;

use crate::model::World;

/// A scenario read from a file and compiled.
#[derive(Debug)]
pub struct Scenario {
    /// Where it was read from.
    pub path: PathBuf,
    /// The file's text (reports quote it; its hash identifies the run).
    pub source: String,
    /// The compiled world.
    pub world: World,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read scenario {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The file has problems.
    #[error("{}", diag::render(label, text, diagnostics, false))]
    Invalid {
        /// The file's name as given.
        label: String,
        /// Its text.
        text: String,
        /// Every problem found.
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    /// The message, optionally with terminal colours.
    pub fn render(&self, color: bool) -> String {
        match self {
            LoadError::Invalid { label, text, diagnostics } => diag::render(label, text, diagnostics, color),
            other => other.to_string(),
        }
    }
}

/// Reads and compiles the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    let source = std::fs::read_to_string(path).map_err(|e| LoadError::Io { path: path.to_path_buf(), source: e })?;
    let default_name = path.file_stem().map_or_else(|| "scenario".to_string(), |s| s.to_string_lossy().into_owned());
    let world = load_str(&source, &path.display().to_string(), &default_name)?;
    Ok(Scenario { path: path.to_path_buf(), source, world })
}

/// Compiles scenario text; `label` names it in messages.
pub fn load_str(source: &str, label: &str, default_name: &str) -> Result<World, LoadError> {
    let invalid = |diagnostics| LoadError::Invalid { label: label.to_string(), text: source.to_string(), diagnostics };
    let file = parse(source).map_err(|d| invalid(vec![d]))?;
    compile(&file, source, default_name).map_err(invalid)
}

/// Parses scenario text into its schema (syntax, types and field names only).
pub fn parse(source: &str) -> Result<schema::ScenarioFile, Diagnostic> {
    let de = toml::de::Deserializer::parse(source).map_err(|e| toml_diagnostic(&e, String::new()))?;
    serde_path_to_error::deserialize::<_, schema::ScenarioFile>(de).map_err(|e| {
        let path = clean_path(&e.path().to_string());
        let path = fill_keys(&path, source, e.inner().span().map_or(0, |s| s.start));
        toml_diagnostic(e.inner(), path)
    })
}

/// serde cannot see the names of tables keyed by name (`[nodes.yard]`), so a path comes
/// back as `nodes.?.stages[0]`; recover the names from the table header the error sits under.
fn fill_keys(path: &str, source: &str, offset: usize) -> String {
    if !path.contains('?') {
        return path.to_string();
    }
    let before = &source[..offset.min(source.len())];
    let header = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_start_matches('[').split(']').next().unwrap_or("").trim().to_string())
        .unwrap_or_default();
    let names: Vec<&str> = header.split('.').map(|s| s.trim().trim_matches('"')).collect();
    let mut segments: Vec<String> = path.split('.').map(str::to_string).collect();
    for (i, seg) in segments.iter_mut().enumerate() {
        if seg == "?" && i < names.len() && !names[i].is_empty() {
            *seg = names[i].to_string();
        }
    }
    segments.join(".")
}

/// Drops serde's internal markers from a field path.
fn clean_path(raw: &str) -> String {
    raw.split('.').filter(|seg| !seg.starts_with("$__")).collect::<Vec<_>>().join(".").replace(".[", "[")
}

fn toml_diagnostic(e: &toml::de::Error, path: String) -> Diagnostic {
    let message = e.message().trim().to_string();
    let span = e.span().unwrap_or(0..0);
    let help = unknown_field_help(&message);
    let path = if path == "?" || path == "." { String::new() } else { path };
    let d = Diagnostic::new(span, path, message);
    match help {
        Some(h) => d.help(h),
        None => d,
    }
}

/// Turns serde's "unknown field `x`, expected one of `a`, `b`" into a suggestion.
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    Some(match suggest::nearest(field, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("the fields allowed here are: {}", names.join(", ")),
    })
}
