//! Scenario files: the TOML format, its validation, and its compilation to a [`World`].
//!
//! [`load`] reads a file and returns either a ready world or every problem found, each
//! pinned to a line, a column and a field path. Nothing is run until a scenario is valid.

pub mod changes;
mod compile;
mod ctx;
pub(crate) mod dates;
pub mod diag;
mod json_schema;
pub(crate) mod params;
mod plan;
mod schema;
mod source;
pub mod status;
mod suggest;
mod values;

use std::path::{Path, PathBuf};

use compile::compile;
pub use compile::{DEFAULT_CONFIDENCE, DEFAULT_MAX_EVENTS, DEFAULT_MAX_LOTS};
pub use diag::{Diagnostic, printable};
pub use json_schema::scenario_schema;
pub use source::Override;
pub(crate) use source::Sources;

use crate::model::World;

/// A `--set PATH=VALUE` or a sweep's `PATH=V1,V2,...` that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ArgumentError(String);

/// A scenario read from its files and compiled.
#[derive(Debug)]
pub struct Scenario {
    /// Where it was read from.
    pub path: PathBuf,
    /// The scenario as run, as one self-contained TOML text: the file itself, or (when it
    /// extends a base or was overridden with `--set`) the resolved combination.
    pub source: String,
    /// The compiled world.
    pub world: World,
    /// Notes on a valid scenario (a dated holiday outside the horizon, left out), rendered
    /// with file, line and column; empty when there are none.
    pub notes: String,
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
    /// The scenario has problems.
    #[error("{}", diag::render(sources, diagnostics, false))]
    Invalid {
        /// The texts it was read from.
        sources: Box<Sources>,
        /// Every problem found.
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    /// The message, optionally with terminal colours.
    pub fn render(&self, color: bool) -> String {
        match self {
            LoadError::Invalid { sources, diagnostics } => diag::render(sources, diagnostics, color),
            other => diag::printable(&other.to_string()).into_owned(),
        }
    }

    /// The problems found, if the scenario was readable.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid { diagnostics, .. } => diagnostics,
            LoadError::Io { .. } => &[],
        }
    }
}

fn invalid(sources: &Sources, mut diagnostics: Vec<Diagnostic>) -> LoadError {
    diagnostics.sort_by_key(|d| d.span.start);
    LoadError::Invalid { sources: Box::new(sources.clone()), diagnostics }
}

/// Reads and compiles the scenario at `path` (and any file it extends).
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    load_with(path, &[])
}

/// Reads and compiles the scenario at `path` with `overrides` applied.
pub fn load_with(path: &Path, overrides: &[Override]) -> Result<Scenario, LoadError> {
    let sources = match source::gather(path, overrides) {
        Ok(s) => s,
        Err((_, source::GatherError::Io(path, e))) => return Err(LoadError::Io { path, source: e }),
        Err((sources, source::GatherError::Invalid(d))) => return Err(invalid(&sources, d)),
    };
    let default_name = path.file_stem().map_or_else(|| "scenario".to_string(), |s| s.to_string_lossy().into_owned());
    let files = sources.files.len() - overrides.len();
    let (world, resolved, notes) = build(&sources, files, overrides, &default_name)?;
    let source = if files == 1 && overrides.is_empty() { sources.files[0].text.clone() } else { resolved };
    let notes = if notes.is_empty() { String::new() } else { diag::render_notes(&sources, &notes) };
    Ok(Scenario { path: path.to_path_buf(), source, world, notes })
}

/// Compiles scenario text; `label` names it in messages. `extends` is not followed (there is
/// no file to be relative to).
pub fn load_str(source: &str, label: &str, default_name: &str) -> Result<World, LoadError> {
    let sources = Sources::single(label, source);
    build(&sources, 1, &[], default_name).map(|(w, _, _)| w)
}

/// Combines, parses and compiles; also returns the resolved scenario as one TOML text.
fn build(
    sources: &Sources,
    files: usize,
    overrides: &[Override],
    default_name: &str,
) -> Result<(World, String, Vec<Diagnostic>), LoadError> {
    let tree = source::combine(sources, files, overrides).map_err(|d| invalid(sources, d))?;
    let resolved = resolved_text(&tree);
    let parsed = parse_tree(tree, sources).map_err(|d| invalid(sources, d))?;
    let parsed_stand_ins = parsed.stand_ins;
    match (compile(&parsed.file, sources, default_name), parsed.misspelt) {
        (Ok((world, notes)), misspelt) if misspelt.is_empty() => Ok((world, resolved, notes)),
        (Ok(_), misspelt) => Err(invalid(sources, misspelt)),
        (Err(semantic), mut misspelt) => {
            // A stand-in for a value of the wrong type is no value of the user's: what the
            // compiler says about it is noise.
            let stood_in = |d: &Diagnostic| {
                parsed_stand_ins.iter().any(|s| s.start < d.span.end.max(d.span.start + 1) && d.span.start < s.end)
            };
            misspelt.extend(semantic.into_iter().filter(|d| !stood_in(d)));
            Err(invalid(sources, misspelt))
        }
    }
}

/// The tree as one TOML text (tables in the order they were read, so that it compiles to the
/// same world).
fn resolved_text(tree: &toml::Spanned<toml::de::DeTable<'_>>) -> String {
    let de = toml::de::Deserializer::from(tree.clone());
    match <toml::Table as serde::Deserialize>::deserialize(de) {
        Ok(t) => toml::to_string(&t).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// A file that parsed, possibly after reading misspelt field names as their nearest valid
/// names (each reported in `misspelt`).
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The scenario as read.
    pub file: schema::ScenarioFile,
    /// Misspelt fields that were read as their suggestion.
    pub misspelt: Vec<Diagnostic>,
    /// Where values of the wrong type were replaced by stand-ins (each also in `misspelt`).
    pub stand_ins: Vec<std::ops::Range<usize>>,
}

/// Most unknown fields reported from one file before giving up.
const MAX_UNKNOWN_FIELDS: usize = 50;

/// Reads a combined tree into the schema (types and field names). An unknown field is
/// reported and then read as its suggested name (or set aside when there is none), and
/// parsing goes on, so every misspelling shows up in one pass; any other schema error ends
/// the parse.
pub(crate) fn parse_tree(
    mut root: toml::Spanned<toml::de::DeTable<'_>>,
    sources: &Sources,
) -> Result<Parsed, Vec<Diagnostic>> {
    let mut misspelt = Vec::new();
    let mut stand_ins = Vec::new();
    loop {
        let de = toml::de::Deserializer::from(root.clone());
        let e = match serde_path_to_error::deserialize::<_, schema::ScenarioFile>(de) {
            Ok(file) => return Ok(Parsed { file, misspelt, stand_ins }),
            Err(e) => e,
        };
        let span = e.inner().span();
        let path = clean_path(&e.path().to_string());
        let path = match span.as_ref().and_then(|s| sources.locate(s.start)) {
            Some((file, local)) => fill_keys(&path, &file.text, local),
            None => path,
        };
        let d = toml_diagnostic(e.inner(), path);
        let fixed = match (unknown_field(e.inner().message()), &span) {
            (Some((_, suggestion)), Some(s)) => rename_key(root.get_mut(), s, suggestion.as_deref()),
            // A value of the wrong type is reported, and a stand-in of the right type put in
            // its place so that the parse goes on to the next problem; the scenario is refused
            // all the same, and what the compiler says about a stand-in is dropped.
            (None, Some(s)) => {
                let done = stand_in(e.inner().message()).is_some_and(|v| replace_value(root.get_mut(), s, v));
                if done {
                    stand_ins.push(s.clone());
                }
                done
            }
            _ => false,
        };
        misspelt.push(d);
        if !fixed || misspelt.len() >= MAX_UNKNOWN_FIELDS {
            return Err(misspelt);
        }
    }
}

/// A value of the type serde's "invalid type: ..., expected T" asks for, if it is a plain one.
fn stand_in(message: &str) -> Option<toml::de::DeValue<'static>> {
    use toml::de::{DeArray, DeFloat, DeInteger, DeValue};
    let (_, expected) = message.strip_prefix("invalid type: ")?.split_once(", expected ")?;
    Some(match expected.trim() {
        "i64" | "u64" | "i32" | "u32" | "usize" => DeValue::Integer(DeInteger::default()),
        "f64" | "f32" => DeValue::Float(DeFloat::default()),
        "a string" => DeValue::String(std::borrow::Cow::Borrowed("")),
        "a boolean" | "bool" => DeValue::Boolean(false),
        "a sequence" => DeValue::Array(DeArray::new()),
        _ => return None,
    })
}

/// Puts `value` in place of the value at `span`, wherever it sits in the tree.
fn replace_value<'s>(
    table: &mut toml::de::DeTable<'s>,
    span: &std::ops::Range<usize>,
    value: toml::de::DeValue<'s>,
) -> bool {
    fn walk<'s>(
        v: &mut toml::Spanned<toml::de::DeValue<'s>>,
        span: &std::ops::Range<usize>,
        value: &mut Option<toml::de::DeValue<'s>>,
    ) -> bool {
        if v.span() == *span {
            if let Some(new) = value.take() {
                *v.get_mut() = new;
                return true;
            }
            return false;
        }
        match v.get_mut() {
            toml::de::DeValue::Table(t) => t.iter_mut().any(|(_, x)| walk(x, span, value)),
            toml::de::DeValue::Array(a) => a.iter_mut().any(|x| walk(x, span, value)),
            _ => false,
        }
    }
    let mut value = Some(value);
    table.iter_mut().any(|(_, x)| walk(x, span, &mut value))
}

/// Renames the key at `span` to `to` (if that name is free in its table), or removes it.
fn rename_key(table: &mut toml::de::DeTable<'_>, span: &std::ops::Range<usize>, to: Option<&str>) -> bool {
    let key = table.iter().find(|(k, _)| k.span() == *span).map(|(k, _)| k.clone());
    if let Some(k) = key {
        let Some(value) = table.remove(&k) else { return false };
        if let Some(to) = to.filter(|t| !table.contains_key(*t)) {
            table.insert(toml::Spanned::new(span.clone(), std::borrow::Cow::Owned(to.to_string())), value);
        }
        return true;
    }
    table.iter_mut().any(|(_, v)| rename_key_in(v.get_mut(), span, to))
}

fn rename_key_in(value: &mut toml::de::DeValue<'_>, span: &std::ops::Range<usize>, to: Option<&str>) -> bool {
    match value {
        toml::de::DeValue::Table(t) => rename_key(t, span, to),
        toml::de::DeValue::Array(items) => items.iter_mut().any(|v| rename_key_in(v.get_mut(), span, to)),
        _ => false,
    }
}

/// Drops serde's internal markers from a field path.
fn clean_path(raw: &str) -> String {
    raw.split('.').filter(|seg| !seg.starts_with("$__")).collect::<Vec<_>>().join(".").replace(".[", "[")
}

pub(crate) fn toml_diagnostic(e: &toml::de::Error, path: String) -> Diagnostic {
    let message = plain_words(e.message().trim());
    let span = e.span().unwrap_or(0..0);
    let path = if path == "?" || path == "." { String::new() } else { path };
    let row = ["disruptions[", "uncertain["].iter().any(|t| path.starts_with(t));
    let help = unknown_field_help(&message).or_else(|| {
        (row && message.starts_with("missing field")).then(|| {
            "a row named like one in the file it extends replaces that row whole: give all its fields \
             (copy the base row and change what differs)"
                .to_string()
        })
    });
    let d = Diagnostic::new(span, path, message);
    match help {
        Some(h) => d.help(h),
        None => d,
    }
}

/// serde's "invalid type: string \"forty\", expected i64" in a planner's words: "expected a
/// whole number, found the text \"forty\"". Other messages pass unchanged.
fn plain_words(message: &str) -> String {
    let Some((found, expected)) = message.strip_prefix("invalid type: ").and_then(|m| m.split_once(", expected "))
    else {
        return message.to_string();
    };
    let expected = match expected {
        "i64" | "u64" | "i32" | "u32" | "usize" => "a whole number".to_string(),
        "f64" | "f32" => "a number".to_string(),
        "a boolean" | "bool" => "true or false".to_string(),
        "a string" => "text in quotes".to_string(),
        "a sequence" => "a list, e.g. [ ... ]".to_string(),
        other if other == "a map" || other.starts_with("struct ") => "a table, e.g. { ... }".to_string(),
        other => other.to_string(),
    };
    let found = if let Some(text) = found.strip_prefix("string ") {
        format!("the text {text}")
    } else if let Some(n) = found.strip_prefix("floating point ").or_else(|| found.strip_prefix("integer ")) {
        n.trim_matches('`').to_string()
    } else {
        match found {
            "sequence" => "a list".to_string(),
            "map" => "a table".to_string(),
            "boolean `true`" | "boolean `false`" => found.trim_start_matches("boolean ").trim_matches('`').to_string(),
            other => other.to_string(),
        }
    };
    format!("expected {expected}, found {found}")
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`": the field, the nearest
/// expected name (if it is a likely typo), and all expected names.
fn unknown_field(message: &str) -> Option<(String, Option<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    Some((field.to_string(), suggest::nearest(field, names.iter().copied()).map(str::to_string)))
}

/// A hint for an unknown field: the nearest valid name, or the list of valid names.
fn unknown_field_help(message: &str) -> Option<String> {
    let (_, suggestion) = unknown_field(message)?;
    Some(match suggestion {
        Some(s) => format!("did you mean `{s}`?"),
        None => {
            let expected = message.split_once(", expected ").map_or("", |x| x.1);
            format!("the fields allowed here are: {expected}")
        }
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

#[cfg(test)]
mod tests {
    /// Regressions found by the property tests in `tests/properties.rs`: each once panicked.
    #[test]
    fn mangled_orders_are_errors_not_panics() {
        let tiny = include_str!("../../tests/fixtures/tiny.toml");
        for (from, to, field) in [
            ("destinations = { dest = 1.0 }", "destinations = {}", "order.destinations"),
            ("mix = { billet = 0.5, hrc = 0.5 }", "mix = {}", "order.mix"),
            ("tonnes = 6000", "tonnes = 0", "order.tonnes"),
        ] {
            assert!(tiny.contains(from));
            let err = super::load_str(&tiny.replace(from, to), "t.toml", "t").unwrap_err();
            assert!(err.diagnostics().iter().any(|d| d.path == field), "{}", err.render(false));
        }
    }

    /// Holidays: a row `at` several dates is one disruption per date, each named for its
    /// date; an empty list or a repeated date is located, and a date past the horizon left out
    /// (with a note, tests/it/moving.rs).
    #[test]
    fn a_disruption_at_several_dates_happens_on_each() {
        let tiny = include_str!("../../tests/fixtures/tiny.toml");
        let from = "probability = 0.2\nwindow = [2025-09-20, 2025-10-10]";
        assert!(tiny.contains(from));
        let with = |at: &str| tiny.replace(from, &format!("at = {at}"));
        let sc = super::load_str(&with("[2025-09-20, 2025-10-01]"), "t.toml", "t").unwrap();
        let names: Vec<&str> = sc.disruptions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["strike@2025-09-20", "strike@2025-10-01"]);
        assert_eq!(sc.disruptions.as_slice()[1].window, (16.0 * 24.0, 16.0 * 24.0));
        let one = super::load_str(&with("2025-09-20"), "t.toml", "t").unwrap();
        assert_eq!(one.disruptions.as_slice()[0].name, "strike", "a single date keeps the row's name");
        let late = super::load_str(&with("[2025-09-20, 2027-01-01]"), "t.toml", "t").unwrap();
        assert_eq!(late.disruptions.len(), 1, "the date past the horizon is left out");
        for (at, path, says) in [
            ("[]", "disruptions[0].at", "at least one date"),
            ("[2025-09-20, 2025-09-20]", "disruptions[0].at[1]", "listed twice"),
            ("[2025-09-20, \"soon\"]", "disruptions[0].at[1]", ""),
        ] {
            let err = super::load_str(&with(at), "t.toml", "t").unwrap_err();
            assert!(
                err.diagnostics().iter().any(|d| d.path == path && d.message.contains(says)),
                "{at}: {}",
                err.render(false)
            );
        }
    }

    /// `label`, `lat` and `lon` are for reports and the map: checked, located, and otherwise
    /// without effect on the world.
    #[test]
    fn labels_and_positions_are_checked_and_located() {
        let tiny = include_str!("../../tests/fixtures/tiny.toml");
        let header = "[nodes.border]\n";
        assert!(tiny.contains(header));
        let with = |lines: &str| tiny.replace(header, &format!("{header}{lines}\n"));
        let ok = super::load_str(&with("label = \"Sarakhs border\"\nlat = 36.55\nlon = 61.16"), "t.toml", "t");
        assert!(ok.is_ok(), "{}", ok.unwrap_err().render(false));
        let long = format!("label = \"{}\"", "x".repeat(61));
        for (lines, path, says) in [
            ("label = \" \"", "nodes.border.label", "blank"),
            ("label = \"two\\nlines\"", "nodes.border.label", "one line"),
            (long.as_str(), "nodes.border.label", "at most 60"),
            ("lat = 91.0\nlon = 61.0", "nodes.border.lat", "between -90 and 90"),
            ("lat = 36.0\nlon = 181.0", "nodes.border.lon", "between -180 and 180"),
            ("lat = 36.0", "nodes.border.lat", "needs `lon`"),
            ("lon = 61.0", "nodes.border.lon", "needs `lat`"),
        ] {
            let err = super::load_str(&with(lines), "t.toml", "t").unwrap_err();
            assert!(
                err.diagnostics().iter().any(|d| d.path == path && d.message.contains(says)),
                "{lines}: {}",
                err.render(false)
            );
        }
    }
}
