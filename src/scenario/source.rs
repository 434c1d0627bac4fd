//! Where a scenario's text comes from: its file, the files it `extends`, and `--set`
//! overrides; and how they combine into one tree.
//!
//! Every piece of text gets its own range of byte offsets (the pieces are laid end to end),
//! so a single offset in a diagnostic names a place in exactly one file, and messages point
//! at the right file, line and column even after a variant has overridden its base. Each
//! piece is parsed from a copy padded with spaces up to its offset, which makes toml's spans
//! global without rewriting them.
//!
//! Merging a variant onto its base: sections (`[order]`, `[pools.wagons]`, ...) merge field
//! by field; a field's value (a number, a list, an inline table such as a distribution or a
//! mix) replaces the base's whole, so `every = { dist = "exponential", mean = "1h" }` never
//! inherits a stale `min` from a triangular base. `[[disruptions]]` rows are matched by
//! `name` (replaced if the name exists, appended otherwise), and so are `[[uncertain]]` rows, so a variant adds disruptions
//! without restating the base's.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diag::{self, Diagnostic};

/// One piece of text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// How messages name it (a path, or `--set PATH=VALUE`).
    pub label: String,
    /// Its text.
    pub text: String,
    /// Offset of its first byte in the combined numbering.
    pub offset: usize,
    /// The text preceded by `offset` spaces, which is what is parsed.
    padded: String,
}

/// The texts a scenario was read from.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// In the order they were added.
    pub files: Vec<SourceFile>,
}

impl Sources {
    /// One text.
    pub fn single(label: &str, text: &str) -> Sources {
        let mut s = Sources::default();
        s.add(label, text);
        s
    }

    /// Adds a text; returns its index.
    pub fn add(&mut self, label: &str, text: &str) -> usize {
        let offset = self.files.last().map_or(0, |f| f.offset + f.text.len() + 1);
        let mut padded = String::with_capacity(offset + text.len());
        padded.extend(std::iter::repeat_n(' ', offset));
        padded.push_str(text);
        self.files.push(SourceFile { label: label.to_string(), text: text.to_string(), offset, padded });
        self.files.len() - 1
    }

    /// The file holding global `offset`, and the offset within it.
    pub fn locate(&self, offset: usize) -> Option<(&SourceFile, usize)> {
        self.files.iter().rev().find(|f| offset >= f.offset).map(|f| (f, (offset - f.offset).min(f.text.len())))
    }

    /// `file:line:col` of a global offset.
    pub fn position(&self, offset: usize) -> String {
        match self.locate(offset) {
            Some((f, local)) => {
                let (line, col) = diag::line_col(&f.text, local);
                format!("{}:{line}:{col}", f.label)
            }
            None => "?".into(),
        }
    }

    /// The main file's label (the first added).
    pub fn main_label(&self) -> &str {
        self.files.first().map_or("scenario", |f| f.label.as_str())
    }

    fn parse(&self, i: usize) -> Result<Spanned<DeTable<'_>>, Vec<Diagnostic>> {
        let (root, errors) = DeTable::parse_recoverable(&self.files[i].padded);
        if errors.is_empty() {
            Ok(root)
        } else {
            Err(errors.iter().map(|e| super::toml_diagnostic(e, String::new())).collect())
        }
    }
}

/// A `--set PATH=VALUE` override.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// Dotted path with `[i]` for array items, e.g. `nodes.sarakhs.stages[0].capacity`.
    pub path: String,
    /// A TOML value (`400`, `"36h"`, `{ dist = "uniform", min = 1, max = 2 }`); text that is
    /// not valid TOML is taken as a string.
    pub value: String,
    /// The option that gave it (`--set`, `--vary`, `--tornado`), which messages name.
    pub option: &'static str,
}

impl Override {
    /// Parses `PATH=VALUE`.
    pub fn parse(text: &str) -> Result<Override, super::ArgumentError> {
        let bad = |m: String| super::ArgumentError(m);
        let (path, value) =
            text.split_once('=').ok_or_else(|| bad(format!("`{text}`: write an override as PATH=VALUE")))?;
        let (path, value) = (path.trim(), value.trim());
        if path.is_empty() {
            return Err(bad(format!("`{text}`: the path is empty")));
        }
        Ok(Override { path: path.to_string(), value: value.to_string(), option: "--set" })
    }

    fn as_toml(&self) -> String {
        let quoted = format!("v = {}", self.value);
        if toml::from_str::<toml::Table>(&quoted).is_ok() {
            quoted
        } else {
            format!("v = {}", toml::Value::String(self.value.clone()))
        }
    }
}

/// Most bytes a scenario file may have: the baseline is 28 kB; a file a thousand times larger
/// is a mistake (or a device), not a scenario.
pub(crate) const MAX_FILE_BYTES: u64 = 16 << 20;

/// Reads a whole text file that the user named, refusing what is not a regular file (a
/// device such as `/dev/zero`, a pipe that may never end, a folder) and anything larger than
/// `limit` bytes, so that a wrong path can neither exhaust memory nor block for ever.
pub(crate) fn read_text(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file (a folder, a device or a pipe)"));
    }
    let too_big = || std::io::Error::other(format!("larger than {} MB; that cannot be a scenario", limit >> 20));
    if meta.len() > limit {
        return Err(too_big());
    }
    let mut text = String::new();
    std::fs::File::open(path)?.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(text)
}

/// Why the texts could not be gathered.
#[derive(Debug)]
pub(super) enum GatherError {
    Io(PathBuf, std::io::Error),
    Invalid(Vec<Diagnostic>),
}

/// Reads a scenario file and every file it extends (base first in `sources`... no: the main
/// file first, then its base, then the base's base), and adds the overrides.
pub(super) fn gather(path: &Path, overrides: &[Override]) -> Result<Sources, (Sources, GatherError)> {
    let mut sources = Sources::default();
    let mut next = Some(path.to_path_buf());
    let mut seen: Vec<PathBuf> = Vec::new();
    while let Some(p) = next.take() {
        let text = match read_text(&p, MAX_FILE_BYTES) {
            Ok(t) => t,
            Err(e) if seen.is_empty() => return Err((sources, GatherError::Io(p, e))),
            Err(e) => {
                let at = extends_span(&sources).unwrap_or(0..0);
                let d = Diagnostic::new(at, "extends", format!("cannot read {}: {e}", p.display()));
                return Err((sources, GatherError::Invalid(vec![d])));
            }
        };
        let canonical = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if seen.contains(&canonical) {
            let at = extends_span(&sources).unwrap_or(0..0);
            let d =
                Diagnostic::new(at, "extends", format!("{} extends itself (through a loop of `extends`)", p.display()));
            return Err((sources, GatherError::Invalid(vec![d])));
        }
        seen.push(canonical);
        let i = sources.add(&p.display().to_string(), &text);
        let root = match sources.parse(i) {
            Ok(r) => r,
            Err(d) => return Err((sources, GatherError::Invalid(d))),
        };
        if let Some(base) = root.get_ref().get("extends") {
            match base.get_ref() {
                // Only scenario files: a base that is not TOML would be quoted in the error
                // (whatever it holds), and is a mistake anyway.
                DeValue::String(s) if !s.ends_with(".toml") => {
                    let d = Diagnostic::new(base.span(), "extends", "`extends` names a scenario file (NAME.toml)");
                    return Err((sources, GatherError::Invalid(vec![d])));
                }
                DeValue::String(s) => next = Some(p.parent().unwrap_or(Path::new(".")).join(s.as_ref())),
                _ => {
                    let d = Diagnostic::new(
                        base.span(),
                        "extends",
                        "`extends` is the path of a base scenario, as a string",
                    );
                    return Err((sources, GatherError::Invalid(vec![d])));
                }
            }
        }
        // The main file and up to 16 bases.
        if next.is_some() && seen.len() > 16 {
            let d = Diagnostic::new(0..0, "extends", "more than 16 levels of `extends`");
            return Err((sources, GatherError::Invalid(vec![d])));
        }
    }
    for o in overrides {
        sources.add(&format!("{} {}={}", o.option, o.path, o.value), &o.as_toml());
    }
    Ok(sources)
}

fn extends_span(sources: &Sources) -> Option<std::ops::Range<usize>> {
    let f = sources.files.last()?;
    let local = f.text.find("extends")?;
    Some(f.offset + local..f.offset + local + "extends".len())
}

/// The merged tree of every file (bases first, each overridden by the file extending it),
/// with the overrides applied. `files` is how many of the sources are scenario files (the
/// rest are overrides, in order).
pub(super) fn combine<'s>(
    sources: &'s Sources,
    files: usize,
    overrides: &[Override],
) -> Result<Spanned<DeTable<'s>>, Vec<Diagnostic>> {
    let mut tree: Option<Spanned<DeTable<'s>>> = None;
    for i in (0..files).rev() {
        let mut t = sources.parse(i)?;
        t.get_mut().remove("extends");
        tree = Some(match tree {
            None => t,
            Some(mut base) => {
                merge_tables(base.get_mut(), t.into_inner(), Level::Root);
                base
            }
        });
    }
    let mut tree = tree.ok_or_else(|| vec![Diagnostic::new(0..0, "", "no scenario text")])?;
    for (k, o) in overrides.iter().enumerate() {
        let i = files + k;
        let mut t = sources.parse(i)?;
        let value = t.get_mut().remove("v").ok_or_else(|| vec![Diagnostic::new(0..0, &o.path, "empty override")])?;
        let at = sources.files[i].offset..sources.files[i].offset + sources.files[i].text.len();
        set_path(tree.get_mut(), &o.path, value).map_err(|(m, help)| {
            let d = Diagnostic::new(at, &o.path, m);
            vec![match help {
                Some(h) => d.help(h),
                None => d,
            }]
        })?;
    }
    Ok(tree)
}

/// How deep a table sits in the scenario's layout, which decides how it merges.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The file itself.
    Root,
    /// A table of named entries (`[pools]`, `[mills]`, ...).
    Collection,
    /// A section whose fields are values (`[order]`, `[pools.wagons]`).
    Section,
}

/// Top-level tables whose entries are named sections.
const COLLECTIONS: [&str; 7] = ["calendars", "pools", "mills", "nodes", "legs", "routes", "background"];

fn merge_tables<'s>(base: &mut DeTable<'s>, over: DeTable<'s>, level: Level) {
    for (k, v) in over {
        let key: &str = k.get_ref().as_ref();
        let Some(b) = base.get_mut(key) else {
            base.insert(k, v);
            continue;
        };
        let inner = match level {
            Level::Root if COLLECTIONS.contains(&key) => Some(Level::Collection),
            Level::Root | Level::Collection => Some(Level::Section),
            Level::Section => None,
        };
        match (b.get_mut(), v.get_ref(), inner) {
            (DeValue::Table(_), DeValue::Table(_), Some(inner)) => {
                if let (DeValue::Table(bt), DeValue::Table(vt)) = (b.get_mut(), v.into_inner()) {
                    merge_tables(bt, vt, inner);
                }
            }
            (DeValue::Array(ba), DeValue::Array(va), _)
                if level == Level::Root && (key == "disruptions" || key == "uncertain") =>
            {
                let mut rows: Vec<Spanned<DeValue<'s>>> = ba.iter().cloned().collect();
                for row in va.iter() {
                    let name = row_name(row);
                    match rows.iter_mut().find(|r| name.is_some() && row_name(r) == name) {
                        Some(existing) => *existing = row.clone(),
                        None => rows.push(row.clone()),
                    }
                }
                *ba = rows.into_iter().collect();
            }
            // The variant's value replaces the base's, with its own place in its own file.
            _ => *b = v,
        }
    }
}

fn row_name(row: &Spanned<DeValue<'_>>) -> Option<String> {
    match row.get_ref() {
        DeValue::Table(t) => match t.get("name").map(|v| v.get_ref()) {
            Some(DeValue::String(s)) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// One step of a path: a key, then any number of `[i]`.
fn segments(path: &str) -> Result<Vec<(String, Vec<usize>)>, String> {
    let mut out = Vec::new();
    for seg in path.split('.') {
        let (key, rest) = seg.split_once('[').map_or((seg, ""), |(k, r)| (k, r));
        let mut idx = Vec::new();
        if !rest.is_empty() {
            for part in format!("[{rest}").split('[').skip(1) {
                let n = part.strip_suffix(']').ok_or_else(|| format!("`{seg}`: an index is written [0]"))?;
                idx.push(n.parse().map_err(|_| format!("`{seg}`: `{n}` is not an index"))?);
            }
        }
        if key.is_empty() {
            return Err(format!("`{path}`: empty name in the path"));
        }
        out.push((key.to_string(), idx));
    }
    Ok(out)
}

/// Puts `value` at `path`, which must name a field of an existing table; a name that is not
/// there comes back with the nearest that is.
fn set_path<'s>(
    root: &mut DeTable<'s>,
    path: &str,
    value: Spanned<DeValue<'s>>,
) -> Result<(), (String, Option<String>)> {
    let segs = segments(path).map_err(|m| (m, None))?;
    let mut table = root;
    for (n, (key, idx)) in segs.iter().enumerate() {
        let last = n + 1 == segs.len();
        if last && idx.is_empty() {
            match table.get_mut(key.as_str()) {
                Some(slot) => *slot = value,
                None => {
                    let span = value.span();
                    table.insert(Spanned::new(span, std::borrow::Cow::Owned(key.clone())), value);
                }
            }
            return Ok(());
        }
        let walked = segs[..=n].iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(".");
        if !table.contains_key(key.as_str()) {
            let mut names: Vec<&str> = table.keys().map(|k| k.get_ref().as_ref()).collect();
            names.sort_unstable();
            let help = super::suggest::did_you_mean(key, "name", names.iter().copied());
            return Err((format!("`{walked}` does not exist in the scenario"), Some(help)));
        }
        let mut v = table.get_mut(key.as_str()).expect("checked above");
        for (j, i) in idx.iter().enumerate() {
            let is_last_index = last && j + 1 == idx.len();
            let DeValue::Array(items) = v.get_mut() else {
                return Err((format!("`{walked}` is not a list, so it has no item [{i}]"), None));
            };
            let len = items.len();
            let item =
                items.get_mut(*i).ok_or_else(|| (format!("`{walked}` has {len} items; [{i}] is beyond them"), None))?;
            if is_last_index {
                *item = value;
                return Ok(());
            }
            v = item;
        }
        match v.get_mut() {
            DeValue::Table(t) => table = t,
            _ => return Err((format!("`{walked}` is not a table, so `{}` cannot be set in it", segs[n + 1].0), None)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variant_replaces_a_distribution_whole_but_merges_sections() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny.toml"), dir.path().join("tiny.toml"))
            .unwrap();
        // The base's south_yard transit is triangular (min, mode, max): a merge key by key
        // would leave those beside `dist = "fixed"` and fail to load.
        let variant = "extends = \"tiny.toml\"\n[legs.south_yard]\ntransit = { dist = \"fixed\", value = \"30h\" }\n";
        std::fs::write(dir.path().join("v.toml"), variant).unwrap();
        let s = crate::scenario::load(&dir.path().join("v.toml")).unwrap();
        let leg = s.world.legs.iter().find(|l| l.name.contains("south")).unwrap();
        assert_eq!(leg.transit.mean_hours(), 30.0);
        // The rest of the section (its pool, its ends) still comes from the base.
        assert!(s.source.contains("pool = \"narrow\""), "{}", s.source);
    }

    #[test]
    fn paths_with_indices() {
        assert_eq!(
            segments("nodes.sarakhs.stages[0].capacity").unwrap(),
            vec![
                ("nodes".to_string(), vec![]),
                ("sarakhs".to_string(), vec![]),
                ("stages".to_string(), vec![0]),
                ("capacity".to_string(), vec![])
            ]
        );
        assert!(segments("a..b").is_err());
        assert!(segments("a[x]").is_err());
    }

    #[test]
    fn offsets_locate_the_right_file() {
        let mut s = Sources::default();
        s.add("base.toml", "a = 1\nb = 2\n");
        s.add("variant.toml", "b = 3\n");
        let off = s.files[1].offset + 4;
        assert_eq!(s.position(off), "variant.toml:1:5");
        assert_eq!(s.position(6), "base.toml:2:1");
    }

    #[test]
    fn overrides_read_toml_or_fall_back_to_text() {
        assert_eq!(Override::parse("a.b=400").unwrap().as_toml(), "v = 400");
        assert_eq!(Override::parse("a.b = 36h").unwrap().as_toml(), "v = \"36h\"");
        assert_eq!(Override::parse("a={ x = 1 }").unwrap().as_toml(), "v = { x = 1 }");
        assert!(Override::parse("nothing").is_err());
    }
}
