//! Every figure's source is in the repository: nothing cites a document outside it, every
//! relative link in the documentation leads to a file that exists, and every section of
//! `docs/sources.md` a scenario cites exists.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::repo;

/// Text files under version control (this test's own file aside: it has to name what it
/// looks for).
fn tracked_text_files() -> Vec<PathBuf> {
    let out = Command::new("git").args(["ls-files"]).current_dir(repo()).output().expect("git runs");
    assert!(out.status.success(), "git ls-files failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|f| repo().join(f))
        .filter(|p| std::fs::read_to_string(p).is_ok())
        .collect()
}

/// Names of documents that live outside the repository (assembled so that this file does
/// not match itself).
fn outside() -> Vec<String> {
    ["DOMAIN", "CRATES", "DESIGN", "STYLE"]
        .iter()
        .map(|n| format!("{n}.md"))
        .chain([format!("../{}/", "shared")])
        .collect()
}

fn citations_outside(text: &str) -> Vec<String> {
    outside().into_iter().filter(|name| text.contains(name.as_str())).collect()
}

#[test]
fn nothing_cites_a_document_outside_the_repository() {
    let files = tracked_text_files();
    assert!(files.len() > 50, "git ls-files found too little");
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for name in citations_outside(&text) {
            found.push(format!("{} cites {name}", f.strip_prefix(repo()).unwrap().display()));
        }
    }
    assert!(found.is_empty(), "documents outside the repository are cited:\n{}", found.join("\n"));
    let cited = format!("../{}/", "shared");
    assert_eq!(citations_outside(&format!("see {cited} for more")), [cited], "the check sees a citation");
}

/// Relative targets of Markdown links (`](path)`), without anchors.
fn relative_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        let target = after[..end].split('#').next().unwrap_or("").trim();
        if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
            out.push(target.to_string());
        }
        rest = &after[end.min(after.len())..];
    }
    out
}

#[test]
fn every_relative_link_in_the_documentation_leads_to_a_file_here() {
    let root = repo().canonicalize().unwrap();
    let mut broken = Vec::new();
    for f in tracked_text_files().into_iter().filter(|f| f.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(&f).unwrap();
        for link in relative_links(&text) {
            let target = f.parent().unwrap_or(Path::new(".")).join(&link);
            match target.canonicalize() {
                Ok(t) if t.starts_with(&root) => {}
                Ok(_) => broken.push(format!("{}: {link} is outside the repository", f.display())),
                Err(_) => broken.push(format!("{}: {link} does not exist", f.display())),
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert_eq!(relative_links("[a](docs/x.md#top) [b](https://x.org) [c](../y)"), ["docs/x.md", "../y"]);
}

/// The section numbers a text cites as `sources.md 1.4`, `sources.md section 2`, ...
fn cited_sections(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("sources.md") {
        rest = &rest[at + "sources.md".len()..];
        let words = rest.trim_start().trim_start_matches("sections").trim_start_matches("section").trim_start();
        let number: String =
            words.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || c.is_ascii_lowercase()).collect();
        let number = number.trim_end_matches('.');
        // "1.4", "4.3a", "0"; a range "1-3" cites its first section.
        if number.starts_with(|c: char| c.is_ascii_digit()) {
            out.push(number.to_string());
        }
    }
    out
}

#[test]
fn every_section_a_scenario_cites_exists() {
    let sources = std::fs::read_to_string(repo().join("docs/sources.md")).unwrap();
    let headings: Vec<&str> = sources
        .lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| l.trim_start_matches('#').split_whitespace().next())
        .collect();
    let exists = |n: &str| {
        // 4.3a and 4.6b are lettered items of 4.3 and 4.6.
        let section = n.trim_end_matches(|c: char| c.is_ascii_lowercase());
        headings.iter().any(|h| h.trim_end_matches('.') == section)
            && (section == n || sources.contains(&format!("{n}.")) || sources.contains(&format!("**{n}")))
    };
    let mut missing = Vec::new();
    let mut cited = 0;
    for f in std::fs::read_dir(repo().join("scenarios")).unwrap() {
        let f = f.unwrap().path();
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        for n in cited_sections(&text) {
            cited += 1;
            if !exists(&n) {
                missing.push(format!("{} cites sources.md {n}", f.display()));
            }
        }
    }
    assert!(cited > 50, "only {cited} citations found: the pattern changed?");
    assert!(missing.is_empty(), "citations of sections that do not exist:\n{}", missing.join("\n"));
    assert_eq!(cited_sections("(sources.md 1.4; sources.md section 2, sources.md sections 1-3)"), ["1.4", "2", "1"]);
}
