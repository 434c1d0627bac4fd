//! The scenario library: every file loads, runs with every invariant checked, and carries a
//! source or a reason for each of its figures.

use std::path::{Path, PathBuf};

use steelsim::experiment::replicate_checked;
use steelsim::model::Checks;

/// Every scenario in `scenarios/`.
pub(crate) fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 12, "the library has lost scenarios: {files:?}");
    files
}

#[test]
fn every_scenario_loads_and_runs_with_every_invariant_checked() {
    for path in scenario_files() {
        let sc = steelsim::scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for i in 0..6 {
            let r = replicate_checked(&sc.world, 11, i, false, Checks::Full);
            assert!(r.is_ok(), "{} replication {i}: {}", path.display(), r.unwrap_err());
        }
    }
}

/// A figure is a numeric token that is not part of a name (`wagons_1435` is a name; `61`,
/// `"36h"` and `2025-12-01` are figures).
fn has_figure(code: &str) -> bool {
    let b = code.as_bytes();
    (0..b.len()).any(|i| b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')))
}

/// The figures of `text` with no comment on their statement (a statement spans the lines of
/// an unclosed `{` or `[`) and none in their block (the table they are in, with the comment
/// lines just above its header). `name`, `description` and `extends` hold text, not figures.
fn uncommented_figures(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut block_commented = false;
    let mut comment_above = false;
    let mut statement: Vec<(usize, &str)> = Vec::new();
    let mut depth = 0i32;
    let mut pending: Vec<Vec<(usize, &str)>> = Vec::new();
    let flush = |pending: &mut Vec<Vec<(usize, &str)>>, commented: bool, out: &mut Vec<(usize, String)>| {
        for st in pending.drain(..) {
            let has_comment = st.iter().any(|(_, l)| l.contains('#'));
            let code: String = st.iter().map(|(_, l)| l.split('#').next().unwrap_or("")).collect::<Vec<_>>().join(" ");
            let key = code.trim_start();
            let prose = ["name", "description", "extends"]
                .iter()
                .any(|k| key.strip_prefix(k).is_some_and(|rest| rest.trim_start().starts_with('=')));
            if !prose && has_figure(&code) && !has_comment && !commented {
                out.push((st[0].0 + 1, st[0].1.to_string()));
            }
        }
    };
    for (i, line) in text.lines().enumerate() {
        let s = line.trim();
        if depth == 0 {
            if s.starts_with('[') && !s.contains('=') {
                flush(&mut pending, block_commented, &mut out);
                block_commented = comment_above;
                comment_above = false;
                continue;
            }
            if s.starts_with('#') {
                comment_above = true;
                block_commented = true;
                continue;
            }
            comment_above = false;
            if s.is_empty() {
                continue;
            }
        }
        statement.push((i, line));
        let code = line.split('#').next().unwrap_or("");
        depth += code.matches(['{', '[']).count() as i32 - code.matches(['}', ']']).count() as i32;
        if depth <= 0 {
            depth = 0;
            pending.push(std::mem::take(&mut statement));
        }
    }
    if !statement.is_empty() {
        pending.push(statement);
    }
    flush(&mut pending, block_commented, &mut out);
    out
}

#[test]
fn every_figure_in_a_scenario_has_a_source_or_a_reason() {
    let mut missing = Vec::new();
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (line, l) in uncommented_figures(&text) {
            missing.push(format!("{}:{line}: {}", path.display(), l.trim()));
        }
    }
    assert!(
        missing.is_empty(),
        "figures without a comment (cite docs/sources.md or the source itself, or say \"estimate\" and why):\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_comment_rule_catches_a_bare_figure() {
    let text = "# intro\n\n[pools.a]\nunits = 5\npayload_t = 60   # source\n\n[pools.b]\n# all from X\nunits = 7\n\n\
                [legs.c]\npool = \"wagons_1435\"\nstages = [\n  { name = \"x\", capacity = 2,\n    service = \"3h\" },  # estimate\n]\n\
                [legs.d]\nstages = [\n  { name = \"y\", capacity = 3 },\n]\n";
    let bad = uncommented_figures(text);
    let lines: Vec<usize> = bad.iter().map(|(l, _)| *l).collect();
    // `units = 5` has no comment and its table none; the `stages` list of `legs.d` (reported
    // at its first line) neither. The names
    // `wagons_1435`, the commented statement over two lines and the table with a comment
    // line pass.
    assert_eq!(lines, [4, 18], "{bad:?}");
}

#[test]
fn init_writes_a_commented_starter_that_validates_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_steelsim");
    let run = |args: &[&str]| std::process::Command::new(bin).args(args).current_dir(tmp.path()).output().unwrap();
    let o = run(&["init", "mine.toml"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(tmp.path().join("mine.toml")).unwrap();
    assert_eq!(uncommented_figures(&text), Vec::new(), "the starter follows the comment rule too");
    let o = run(&["validate", "mine.toml"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sc = steelsim::scenario::load(&tmp.path().join("mine.toml")).unwrap();
    for i in 0..20 {
        steelsim::experiment::replicate_checked(&sc.world, 1, i, false, steelsim::model::Checks::Full).unwrap();
    }
    // Never over an existing file without --force.
    std::fs::write(tmp.path().join("mine.toml"), "kept").unwrap();
    let o = run(&["init", "mine.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(tmp.path().join("mine.toml")).unwrap(), "kept");
    assert!(run(&["init", "mine.toml", "--force"]).status.success());
}

/// The Caspian scenario's row in scenarios/README.md quotes what `run --seed 7` computes, for
/// it and for the baseline, and the corridors' mean lead times.
#[test]
fn the_caspian_row_quotes_what_the_runs_compute() {
    use crate::common::{ok, repo, steelsim};
    let tmp = tempfile::tempdir().unwrap();
    let summary = |name: &str| -> serde_json::Value {
        let file = repo().join("scenarios").join(format!("{name}.toml"));
        ok(&steelsim(&["run", file.to_str().unwrap(), "--seed", "7", "-q", "--out", name], tmp.path()));
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join(name).join("summary.json")).unwrap()).unwrap()
    };
    let (caspian, baseline) = (summary("caspian"), summary("baseline"));
    let p = |s: &serde_json::Value, at: &str| {
        let v = if at == "handover" { &s["handover"]["p_on_time"] } else { &s["p_on_time"] };
        format!("{:.3}", v.as_f64().unwrap())
    };
    let days = |corridor: &str| {
        let c = caspian["corridors"].as_array().unwrap().iter().find(|c| c["name"] == corridor).unwrap();
        format!("{:.0} days", c["mean_days"].as_f64().unwrap())
    };
    let said = format!(
        "P(all on time) {} at the destinations, {} at the borders (`--seed 7`), the baseline's {} and {}: the detour takes {} against {} by Sarakhs",
        p(&caspian, "destination"),
        p(&caspian, "handover"),
        p(&baseline, "destination"),
        p(&baseline, "handover"),
        days("rail_caspian"),
        days("rail").trim_end_matches(" days"),
    );
    let readme = std::fs::read_to_string(repo().join("scenarios/README.md")).unwrap();
    assert!(readme.contains(&said), "scenarios/README.md should say: {said}");
}

/// The repeat order's row in `scenarios/README.md` quotes what its run computes.
#[test]
fn the_repeat_order_row_quotes_what_the_run_computes() {
    use crate::common::{ok, repo, steelsim};
    let tmp = tempfile::tempdir().unwrap();
    let file = repo().join("scenarios/repeat_2027.toml");
    ok(&steelsim(&["run", file.to_str().unwrap(), "--seed", "7", "-q", "--out", "r"], tmp.path()));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("r/summary.json")).unwrap()).unwrap();
    let said = format!(
        "P(all on time) {:.3} at the destinations, {:.3} at the borders, all at the destinations by {} at 95 % (`--seed 7`)",
        s["p_on_time"].as_f64().unwrap(),
        s["handover"]["p_on_time"].as_f64().unwrap(),
        s["promise"][1]["date"].as_str().unwrap()
    );
    let readme = std::fs::read_to_string(repo().join("scenarios/README.md")).unwrap();
    assert!(readme.contains(&said), "scenarios/README.md should say: {said}");
}
