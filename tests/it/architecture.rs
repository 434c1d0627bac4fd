//! The shape of the crate, checked: dependencies between layers run one way, the engine
//! knows no steel, and no source file grows into two ideas.
//!
//! Layers, top to bottom: cli -> report -> analysis -> experiment -> scenario -> model ->
//! stats -> engine. A module may name its own layer and those below it (`crate::x` paths in
//! code, comments left out); unit tests (`#[cfg(test)] mod tests`) may use a layer above to
//! build their fixtures (a model test loads a scenario), as an integration test would.

use std::path::{Path, PathBuf};

use crate::common::repo;

const LAYERS: [&str; 8] = ["engine", "stats", "model", "scenario", "experiment", "analysis", "report", "cli"];

/// Words of the steel world that have no place in the engine's code or documentation.
const DOMAIN_WORDS: [&str; 30] = [
    "steel",
    "wagon",
    "wagons",
    "mill",
    "mills",
    "border",
    "borders",
    "customs",
    "tonne",
    "tonnes",
    "truck",
    "trucks",
    "vessel",
    "vessels",
    "gauge",
    "sarakhs",
    "shipment",
    "shipments",
    "cargo",
    "rail",
    "railway",
    "lot",
    "lots",
    "yard",
    "yards",
    "berth",
    "berths",
    "carrier",
    "carriers",
    "incoterm",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn all_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    sources(&repo().join("src"), &mut files);
    files.sort();
    assert!(files.len() > 20, "src/ not found");
    files
}

/// The layer a source file belongs to (`None` for the crate root and the binary).
fn layer_of(path: &Path) -> Option<usize> {
    let rel = path.strip_prefix(repo().join("src")).unwrap();
    let top = rel.components().next()?.as_os_str().to_str()?;
    let top = top.strip_suffix(".rs").unwrap_or(top);
    match top {
        "lib" | "main" => None,
        other => Some(LAYERS.iter().position(|l| *l == other).unwrap_or_else(|| {
            panic!("{}: module `{other}` has no layer; add it to LAYERS in tests/it/architecture.rs", path.display())
        })),
    }
}

/// The code of a file without its unit tests and comments, line by line (numbered from 1).
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        if line.trim() == "#[cfg(test)]" && lines.peek().is_some_and(|(_, next)| next.trim_start().starts_with("mod "))
        {
            break;
        }
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        out.push((i + 1, code.to_string()));
    }
    out
}

/// Every `crate::<module>` a line names.
fn crate_paths(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '{').collect();
        out.push(name);
        rest = after;
    }
    out
}

/// A file of unit tests (`#[cfg(test)] mod tests;` in its folder's `mod.rs`).
fn is_unit_test_file(path: &Path) -> bool {
    if path.file_name().is_none_or(|n| n != "tests.rs") {
        return false;
    }
    let parent = std::fs::read_to_string(path.with_file_name("mod.rs")).unwrap_or_default();
    assert!(
        parent.contains("#[cfg(test)]\nmod tests;"),
        "{} is not declared as #[cfg(test)] mod tests;",
        path.display()
    );
    true
}

fn violations(path: &Path, text: &str) -> Vec<String> {
    let Some(own) = layer_of(path) else { return Vec::new() };
    if is_unit_test_file(path) {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (n, line) in code_lines(text) {
        for name in crate_paths(&line) {
            if name.starts_with('{') {
                found.push(format!("{}:{n}: `crate::{{...}}` hides which layers it uses; name each", path.display()));
                continue;
            }
            match LAYERS.iter().position(|l| *l == name) {
                Some(used) if used > own => found.push(format!(
                    "{}:{n}: {} (layer {}) uses {} (layer {}), a layer above it",
                    path.display(),
                    LAYERS[own],
                    own,
                    name,
                    used
                )),
                Some(_) => {}
                None => found.push(format!("{}:{n}: `crate::{name}` is not a layer", path.display())),
            }
        }
    }
    found
}

#[test]
fn dependencies_run_one_way() {
    let mut found = Vec::new();
    for p in all_sources() {
        found.extend(violations(&p, &std::fs::read_to_string(&p).unwrap()));
    }
    assert!(found.is_empty(), "imports against the layers:\n{}", found.join("\n"));
}

#[test]
fn the_layer_check_catches_an_upward_import() {
    let model = repo().join("src/model/world.rs");
    let bad = "use crate::engine::Time;\nuse crate::report::Summary;\n";
    let found = violations(&model, bad);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("model (layer 2) uses report (layer 6)"), "{}", found[0]);
    // Comments and unit tests do not count.
    let ok = "// crate::report is above\nfn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::scenario::load;\n}\n";
    assert!(violations(&model, ok).is_empty());
    assert_eq!(violations(&model, "use crate::{engine, report};").len(), 1, "a grouped import is named");
}

fn domain_words(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in code_lines_with_docs(text) {
        let lower = line.to_lowercase();
        for word in lower.split(|c: char| !c.is_alphanumeric()) {
            if DOMAIN_WORDS.contains(&word) {
                found.push((n, word.to_string()));
            }
        }
    }
    found
}

/// Like [`code_lines`] but keeping comments: the engine's documentation must not speak of
/// steel either.
fn code_lines_with_docs(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        if line.trim() == "#[cfg(test)]" && lines.peek().is_some_and(|(_, next)| next.trim_start().starts_with("mod "))
        {
            break;
        }
        out.push((i + 1, line.to_string()));
    }
    out
}

#[test]
fn the_engine_knows_no_steel() {
    let mut found = Vec::new();
    for p in all_sources().into_iter().filter(|p| layer_of(p) == Some(0) && !is_unit_test_file(p)) {
        for (n, word) in domain_words(&std::fs::read_to_string(&p).unwrap()) {
            found.push(format!("{}:{n}: `{word}`", p.display()));
        }
    }
    assert!(found.is_empty(), "domain words in the engine (outside its tests):\n{}", found.join("\n"));
    assert_eq!(domain_words("/// A queue of wagons.\nfn f() {}").len(), 1, "the check sees doc comments");
}
#[test]
fn no_source_file_is_two_ideas() {
    let mut long = Vec::new();
    for p in all_sources() {
        let lines = std::fs::read_to_string(&p).unwrap().lines().count();
        if lines > 600 {
            long.push(format!("{}: {lines} lines", p.display()));
        }
    }
    assert!(long.is_empty(), "files over 600 lines (split them by idea):\n{}", long.join("\n"));
    let main = std::fs::read_to_string(repo().join("src/main.rs")).unwrap().lines().count();
    assert!(main < 150, "src/main.rs has {main} lines; it should only call the library");
}
