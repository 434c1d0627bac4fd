//! The command line, end to end: what a planner or a harness sees.

use crate::common::{ok, repo, stderr, stdout, steelsim};
use std::path::Path;
use std::process::Output;

fn baseline_run(dir: &Path, threads: &str) -> Output {
    let scenario = repo().join("scenarios/baseline.toml");
    let out = dir.join(format!("out-{threads}"));
    steelsim(
        &[
            "run",
            scenario.to_str().unwrap(),
            "--replications",
            "1000",
            "--seed",
            "7",
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
        ],
        dir,
    )
}

#[test]
fn baseline_run_writes_the_promised_files_and_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let o = baseline_run(tmp.path(), "2");
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("P(all on time), 95% CI"), "{text}");
    assert!(text.contains("Promise at 95%"), "{text}");

    let out = tmp.path().join("out-2");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for key in [
        "scenario",
        "seed",
        "replications",
        "order_tonnes",
        "deadline",
        "p_on_time",
        "p_on_time_ci95",
        "completion_days",
        "promise",
        "tonnes_by_deadline",
        "lost_tonnes",
        "stages",
        "events",
        "handover",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks `{key}`");
    }
    for key in ["p_on_time", "p_on_time_ci95", "completion_days", "promise", "tonnes_by_deadline"] {
        assert!(summary["handover"].get(key).is_some(), "handover lacks `{key}`");
    }
    for key in ["mean", "p50", "p90", "p95", "p99"] {
        assert!(summary["completion_days"].get(key).is_some(), "completion_days lacks `{key}`");
    }
    assert_eq!(summary["seed"], 7);
    assert_eq!(summary["replications"], 1000);
    let p50 = summary["completion_days"]["p50"].as_f64().expect("the median completion is not censored");
    assert!(p50 > 0.0 && p50 < 365.0, "completion_days.p50 = {p50}");
    let promise = summary["promise"].as_array().unwrap();
    assert_eq!(promise.iter().map(|p| p["confidence"].as_f64().unwrap()).collect::<Vec<_>>(), [0.9, 0.95, 0.99]);
    for p in promise {
        assert!(p.get("days").is_some() && p.get("date").is_some());
    }
    let ci = summary["p_on_time_ci95"].as_array().unwrap();
    let p = summary["p_on_time"].as_f64().unwrap();
    assert!(ci[0].as_f64().unwrap() <= p && p <= ci[1].as_f64().unwrap());
    let stage = &summary["stages"][0];
    for key in ["name", "mean_wait_hours", "p90_wait_hours", "utilisation"] {
        assert!(stage.get(key).is_some(), "stage lacks `{key}`");
    }

    let reps = std::fs::read_to_string(out.join("replications.csv")).unwrap();
    let header = reps.lines().next().unwrap();
    for col in ["replication", "seed", "completion_days", "tonnes_by_deadline", "lost_tonnes", "events"] {
        assert!(header.split(',').any(|c| c == col), "replications.csv lacks `{col}`");
    }
    assert_eq!(reps.lines().count(), 1001);

    let ships = std::fs::read_to_string(out.join("shipments.csv")).unwrap();
    let header = ships.lines().next().unwrap();
    for col in ["lot", "product", "tonnes", "route", "stage", "entered_hours", "left_hours", "outcome"] {
        assert!(header.split(',').any(|c| c == col), "shipments.csv lacks `{col}`");
    }
    assert!(ships.lines().count() > 1000, "the trace covers every lot's steps");
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    for threads in ["1", "2"] {
        let o = baseline_run(tmp.path(), threads);
        assert!(o.status.success(), "stderr: {}", stderr(&o));
    }
    for file in ["summary.json", "replications.csv", "shipments.csv"] {
        let one = std::fs::read(tmp.path().join("out-1").join(file)).unwrap();
        let two = std::fs::read(tmp.path().join("out-2").join(file)).unwrap();
        assert!(one == two, "{file} differs between 1 and 2 threads");
    }
}

#[test]
fn json_mode_prints_only_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo().join("tests/fixtures/tiny.toml");
    let o = steelsim(&["run", scenario.to_str().unwrap(), "-n", "20", "--json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("stdout is exactly one JSON document");
    assert_eq!(v["scenario"], "tiny");
    assert!(tmp.path().join("output/tiny/summary.json").exists(), "default output folder is output/<name>");
}

fn validate(fixture: &str) -> Output {
    let path = repo().join("tests/fixtures/bad").join(fixture);
    steelsim(&["validate", path.to_str().unwrap()], &repo())
}

/// Checks exit code 2 and a message with `file:line:col` and the field path.
fn assert_bad_input(o: &Output, fixture: &str, line_col: &str, field: &str, words: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{fixture}:{line_col}")), "no {fixture}:{line_col} in:\n{err}");
    assert!(err.contains(&format!("in `{field}`")), "no field path `{field}` in:\n{err}");
    assert!(err.contains(words), "no `{words}` in:\n{err}");
}

#[test]
fn a_misspelt_field_is_named_with_its_place_and_a_suggestion() {
    let o = validate("misspelt_field.toml");
    assert_bad_input(&o, "misspelt_field.toml", "14:1", "pools.wagons.payload_tt", "unknown field `payload_tt`");
    assert!(stderr(&o).contains("did you mean `payload_t`?"), "{}", stderr(&o));
}

#[test]
fn a_triangular_with_min_above_max_is_refused() {
    let o = validate("triangular_min_above_max.toml");
    assert_bad_input(&o, "triangular_min_above_max.toml", "34:11", "legs.to_border.transit", "min <= mode <= max");
}

#[test]
fn a_destination_no_route_reaches_is_refused() {
    let o = validate("unreachable_destination.toml");
    assert_bad_input(&o, "unreachable_destination.toml", "9:30", "order.destinations.island", "no route takes lots");
}

#[test]
fn a_misspelt_node_name_gets_a_suggestion() {
    let o = validate("misspelt_node.toml");
    assert_bad_input(&o, "misspelt_node.toml", "31:6", "legs.to_border.to", "unknown node `bordr`");
    assert!(stderr(&o).contains("did you mean `border`?"), "{}", stderr(&o));
}

#[test]
fn a_border_closed_for_the_whole_horizon_is_refused_before_running() {
    let o = validate("border_closed_all_horizon.toml");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`border.check` is closed for the whole horizon"), "{err}");
    assert!(err.contains("border_closed_all_horizon.toml:"), "{err}");
}

#[test]
fn a_closure_outlasting_the_horizon_ends_with_cannot_complete_naming_the_stage() {
    // The closure's length is random, so the check before running cannot prove it blocks;
    // the run must still end promptly and say what is stuck.
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo().join("tests/fixtures/border_closed_random.toml");
    let started = std::time::Instant::now();
    let o = steelsim(&["run", scenario.to_str().unwrap(), "-n", "50", "--out", "out"], tmp.path());
    assert!(started.elapsed().as_secs() < 30, "took {:?}", started.elapsed());
    let text = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(text.contains("cannot complete"), "{text}");
    assert!(text.contains("border.check (50 of 50 replications"), "{text}");
}

#[test]
fn an_unreadable_scenario_is_bad_input() {
    let o = steelsim(&["validate", "does/not/exist.toml"], &repo());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read scenario does/not/exist.toml"), "{}", stderr(&o));
}

#[test]
fn a_bad_scenario_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo().join("tests/fixtures/bad/triangular_min_above_max.toml");
    let o = steelsim(&["run", scenario.to_str().unwrap(), "--out", "out"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "nothing may be written for bad input");
}

#[test]
fn help_explains_each_command_with_an_example() {
    let commands =
        ["run", "validate", "merge", "compare", "sweep", "plan", "plot", "explain", "init", "calibrate", "schema"];
    for cmd in commands {
        let o = steelsim(&[cmd, "--help"], &repo());
        assert!(o.status.success());
        let text = stdout(&o);
        let example = text.lines().any(|l| l.starts_with("Example") && l.ends_with(':'));
        assert!(example && text.contains("steelsim "), "{cmd} --help has no example");
    }
}

#[test]
fn every_misspelt_field_is_reported_in_one_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("tests/fixtures/tiny.toml"))
        .unwrap()
        .replace("payload_t = 60", "payload = 60")
        .replace("lot_t = 600", "lott = 600");
    let path = tmp.path().join("typos.toml");
    std::fs::write(&path, text).unwrap();
    let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // Two pools and two mills: four misspellings, each with its own position and suggestion.
    assert_eq!(err.matches("unknown field `payload`").count(), 2, "{err}");
    assert_eq!(err.matches("unknown field `lott`").count(), 2, "{err}");
    assert!(err.contains("did you mean `payload_t`?") && err.contains("did you mean `lot_t`?"), "{err}");
    assert!(err.contains("4 problems found"), "{err}");
}

#[test]
fn explain_names_sarakhs_as_the_theoretical_bottleneck() {
    let o = steelsim(&["explain", "scenarios/baseline.toml"], &repo());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let line = out.lines().find(|l| l.starts_with("Theoretical bottleneck:")).expect("a bottleneck line");
    assert!(line.contains("sarakhs.interchange"), "{line}");
    // Its throughput for the order, worked out by hand from the scenario's figures: 3 places
    // x 24 h, less the background trains (40 wagons every 29.7 h and every 26.4 h, plus the
    // 1,300-wagon backlog spread over the 108-day window), at 0.5 h per 68-t wagon and 9 wagons
    // per 610-t lot. The hand figure ignores each mill's last, smaller lot (5 of ~500 lots) and
    // the backlog's rounding to whole 40-wagon trains; together they move it by well under 1 %.
    // Stop days (3 % of days, closed) leave 97 % of the hours.
    let window = 108.0;
    let bg = (40.0 * 24.0 / 29.7 + 40.0 * 24.0 / 26.4 + 1_300.0 / window) * 0.5;
    let per_t = 9.0 * 0.5 / 610.0;
    let expected = (72.0 * 0.97 - bg) / per_t;
    let shown: f64 = line
        .split("at most ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .map(|n| n.replace(',', "").parse().unwrap())
        .unwrap();
    assert!((shown / expected - 1.0).abs() < 0.01, "shown {shown} t/day, expected {expected:.1}: {line}");
}

#[test]
fn explain_sets_the_loads_beside_a_results_folder_s_utilisation() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo().join("tests/fixtures/tiny.toml");
    let scenario = scenario.to_str().unwrap();
    ok(&steelsim(&["run", scenario, "-n", "20", "--seed", "3", "-q", "--out", "r"], tmp.path()));
    let out = ok(&steelsim(&["explain", scenario, "--results", "r"], tmp.path()));
    let row = out.lines().find(|l| l.trim_start().starts_with("border.interchange ")).expect("a row for the border");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("r/summary.json")).unwrap()).unwrap();
    let u = summary["stages"].as_array().unwrap().iter().find(|s| s["name"] == "border.interchange").unwrap()
        ["utilisation"]
        .as_f64()
        .unwrap();
    assert!(row.trim_end().ends_with(&format!("{:.0}%", u * 100.0)), "{row} should end with {u}");
    // A folder without results is refused before anything is done.
    let o = steelsim(&["explain", scenario, "--results", "nowhere"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--results nowhere"), "{}", stderr(&o));
}

#[test]
fn explain_of_a_bad_scenario_is_bad_input() {
    let o = steelsim(&["explain", "tests/fixtures/bad/misspelt_field.toml"], &repo());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
