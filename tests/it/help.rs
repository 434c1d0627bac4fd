//! Every example `steelsim help COMMAND` gives names files that exist and runs as shown (with
//! a few replications instead of thousands): an example that fails is worse than none.

use crate::common::{repo, runnable, steelsim, text};

const COMMANDS: [&str; 13] = [
    "run",
    "merge",
    "compare",
    "sweep",
    "plan",
    "trace",
    "plot",
    "explain",
    "calibrate",
    "init",
    "schema",
    "validate",
    "serve",
];

/// The example command lines of `steelsim help COMMAND`, continuation lines joined and
/// `a && b` split in two.
fn examples(command: &str) -> Vec<Vec<String>> {
    let help = crate::common::stdout(&steelsim(&["help", command], &repo()));
    let mut out = Vec::new();
    let mut lines = help.lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        if !line.starts_with("steelsim ") {
            continue;
        }
        let mut joined = line.to_string();
        while joined.ends_with('\\') {
            joined.pop();
            joined += " ";
            joined += lines.next().unwrap_or("").trim();
        }
        for part in joined.split("&&") {
            // A shell redirect is the shell's business.
            let part = part.split('>').next().unwrap();
            out.push(part.split_whitespace().skip(1).map(String::from).collect());
        }
    }
    out
}

#[test]
fn every_help_example_names_files_that_exist_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ran = 0;
    for command in COMMANDS {
        for args in examples(command) {
            for a in args.iter().filter(|a| a.starts_with("scenarios/") && !a.contains('*')) {
                assert!(repo().join(a).exists(), "`steelsim help {command}` names {a}, which does not exist");
            }
            // Merging needs the shards of other machines, calibrating with --write rewrites a
            // document of the repository, and a server runs until stopped (tests/it/serve.rs
            // serves the same scenario): their files are checked above, not run.
            if command == "merge" || command == "calibrate" || command == "serve" {
                continue;
            }
            // The trace example traces replication 253: its run needs that many; a selection
            // needs a first stage of 100.
            let n = if command == "trace" {
                254
            } else if args.iter().any(|a| a == "--select") {
                100
            } else {
                4
            };
            let args = runnable(&args, n);
            // One folder for all, in the order of the commands: `plot` redraws what `run` wrote.
            let here = tmp.path();
            if let Some(i) = args.iter().position(|a| a == "--status") {
                // Re-planning needs a status file: one written from a simulated replication.
                let write = [&args[1], "-n", "1", "--status-at", "2025-10-20", "--out", "status-from"];
                let o = steelsim(&[&["run"][..], &write[..]].concat(), here);
                assert!(o.status.success(), "{}", text(&o));
                std::fs::copy(here.join("status-from/status.csv"), here.join(&args[i + 1])).unwrap();
            }
            let o = steelsim(&args.iter().map(String::as_str).collect::<Vec<_>>(), here);
            assert!(o.status.success(), "`steelsim {}` (from help {command}) failed:\n{}", args.join(" "), text(&o));
            ran += 1;
        }
    }
    assert!(ran >= 15, "only {ran} examples ran");
}

#[test]
fn every_document_the_help_names_exists() {
    let mut named = 0;
    for command in COMMANDS {
        let help = crate::common::stdout(&steelsim(&["help", command], &repo()));
        for word in help.split(|c: char| c.is_whitespace() || "(),;`".contains(c)) {
            if let Some(doc) = word.strip_suffix('.').unwrap_or(word).strip_prefix("docs/") {
                assert!(repo().join("docs").join(doc).exists(), "`steelsim help {command}` names docs/{doc}");
                named += 1;
            }
        }
    }
    assert!(named >= 2, "the help names docs/status.md and docs/cluster.md");
}
