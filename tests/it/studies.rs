//! Studies across runs: shards merged, paired comparisons, sweeps, tornado charts, plans,
//! precision-driven runs, and scenario variants.

use crate::common::{files_under, ok, repo, stderr, steelsim, text};
use std::path::Path;

fn baseline() -> String {
    repo().join("scenarios/baseline.toml").display().to_string()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn four_shards_merge_into_exactly_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let b = baseline();
    for i in 0..4 {
        ok(&steelsim(
            &["run", &b, "-n", "160", "--seed", "9", "--shard", &format!("{i}/4"), "--out", &format!("s{i}"), "-q"],
            t,
        ));
    }
    ok(&steelsim(&["merge", "s2", "s0", "s3", "s1", "--out", "merged"], t));
    ok(&steelsim(&["run", &b, "-n", "160", "--seed", "9", "--out", "single", "-q"], t));
    // Enough replications for the control-variate estimates (recomputed from each row's seed),
    // so that the comparison covers them too, not only their absence.
    let cv = &json(&t.join("single/summary.json"))["control_variates"];
    assert!(cv["p_on_time"]["estimate"].is_number(), "{cv}");
    for f in ["summary.json", "replications.csv", "timeseries.csv", "shipments.csv"] {
        let (a, b) =
            (std::fs::read(t.join("merged").join(f)).unwrap(), std::fs::read(t.join("single").join(f)).unwrap());
        assert!(a == b, "{f} of the merged shards differs from the single run");
    }
    // A missing shard is refused.
    let o = steelsim(&["merge", "s0", "s1", "s2", "--out", "partial"], t);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 3 of 4 is missing"));
}

#[test]
fn a_scenario_compared_with_itself_differs_by_exactly_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let b = baseline();
    ok(&steelsim(&["compare", &b, &b, "-n", "100", "--seed", "3", "--out", "cmp", "-q"], tmp.path()));
    let c = json(&tmp.path().join("cmp/compare.json"));
    for m in c["variants"][0]["metrics"].as_array().unwrap() {
        let d = m["difference"].as_f64().unwrap_or(0.0);
        assert_eq!(d, 0.0, "{}/{}: {d}", m["point"], m["metric"]);
        let [lo, hi] = [0, 1].map(|i| m["ci95"][i].as_f64().unwrap_or(0.0));
        if m["metric"].as_str().unwrap().starts_with("p_") {
            // A probability's paired interval rests on the replications that disagree: with
            // none of 100, Tango's is +/- z^2 / (100 + z^2), not a point.
            let z2 = 1.959_963_984_540_054f64.powi(2);
            assert!((hi - z2 / (100.0 + z2)).abs() < 1e-9 && lo == -hi, "{m}");
        } else {
            assert_eq!([lo, hi], [0.0, 0.0], "{m}");
        }
    }
}

/// Common random numbers make the two runs' results correlated, and the paired interval is
/// narrower than the unpaired one by 1 / sqrt(1 - rho) for equal variances. For 100 more wagons
/// the tonnes at the destinations by the deadline are correlated at rho of about 0.75 (a ratio
/// of 2.0 with 400 replications, seed 7); the check is the weaker claim rho > 0.6 (a ratio above
/// 1.58), which runs without common random numbers (rho near 0) fail.
#[test]
fn pairing_narrows_the_interval_of_a_small_change() {
    let tmp = tempfile::tempdir().unwrap();
    let variant = repo().join("tests/fixtures/variants/plus_100_wagons.toml");
    let out = ok(&steelsim(
        &["compare", &baseline(), variant.to_str().unwrap(), "-n", "400", "--seed", "7", "--out", "cmp", "-q"],
        tmp.path(),
    ));
    assert!(out.contains("narrower"), "the ratio is shown: {out}");
    let c = json(&tmp.path().join("cmp/compare.json"));
    let metric = |point: &str, name: &str| -> serde_json::Value {
        c["variants"][0]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["point"] == point && m["metric"] == name)
            .unwrap()
            .clone()
    };
    let width = |ci: &serde_json::Value| ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap();
    let m = metric("destination", "tonnes_by_deadline_mean");
    let (paired, unpaired) = (width(&m["ci95"]), width(&m["unpaired_ci95"]));
    assert!(unpaired >= 1.58 * paired, "paired {paired} vs unpaired {unpaired}");
    assert!(m["difference"].as_f64().unwrap() > 0.0, "more wagons deliver more by the deadline");
}

#[test]
fn plan_finds_a_fleet_that_is_safe_and_one_step_less_that_is_not() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(&steelsim(
        &[
            "plan",
            &baseline(),
            "--target",
            "0.9",
            "--at",
            "handover",
            "--vary",
            "pools.wagons_1435.units=600..1400:200",
            "-n",
            "400",
            "--max-replications",
            "3200",
            "--seed",
            "5",
            "--out",
            "plan",
            "-q",
        ],
        tmp.path(),
    ));
    let p = json(&tmp.path().join("plan/plan.json"));
    assert_eq!(p["status"], "found", "{out}");
    let answer = &p["answer"];
    assert!(answer["p_on_time_ci95"][0].as_f64().unwrap() >= 0.9, "the answer's interval lies above the target");
    let below = &p["below"];
    assert!(below["p_on_time"].as_f64().unwrap() < 0.9, "one step below misses the target");
    let (a, b): (f64, f64) =
        (answer["value"].as_str().unwrap().parse().unwrap(), below["value"].as_str().unwrap().parse().unwrap());
    assert_eq!(a - b, 200.0);
}

#[test]
fn a_sweep_runs_every_point_on_the_same_seeds() {
    let tmp = tempfile::tempdir().unwrap();
    ok(&steelsim(
        &[
            "sweep",
            &baseline(),
            "--set",
            "pools.wagons_1435.units=700,1300",
            "-n",
            "100",
            "--seed",
            "2",
            "--out",
            "sw",
            "-q",
        ],
        tmp.path(),
    ));
    let text = std::fs::read_to_string(tmp.path().join("sw/sweep.csv")).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[0].starts_with("pools.wagons_1435.units,replications,p_on_time,"));
    let handover = |row: &str| row.split(',').nth(5).unwrap().parse::<f64>().unwrap();
    assert!(handover(rows[2]) > handover(rows[1]), "more wagons, more often on time: {text}");
}

#[test]
fn a_tornado_ranks_parameters_by_effect() {
    let tmp = tempfile::tempdir().unwrap();
    ok(&steelsim(
        &[
            "sweep",
            &baseline(),
            "--tornado",
            "30",
            "--param",
            "pools.wagons_1435.units",
            "--param",
            "pools.trucks.units",
            "-n",
            "100",
            "--out",
            "tor",
            "-q",
        ],
        tmp.path(),
    ));
    let t = json(&tmp.path().join("tor/tornado.json"));
    let bars = t["bars"].as_array().unwrap();
    assert_eq!(bars.len(), 2);
    assert_eq!(bars[0]["parameter"], "pools.wagons_1435.units", "the wagon fleet matters more than the trucks");
    assert_eq!(bars[0]["low_value"], "700");
    assert_eq!(bars[0]["high_value"], "1300");
}

/// A tornado chart that would chart nothing, a parameter twice, or a variant made invalid by
/// the move is refused before any replication, and leaves no folder behind.
#[test]
fn a_tornado_refuses_an_empty_chart_and_a_parameter_given_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = repo().join("tests/fixtures/tiny.toml").display().to_string();
    let cases: [(&[&str], &str); 3] = [
        (&["--tornado", "1e-9"], "no parameter changes (18 tried"),
        (&["--tornado", "20", "--param", "nodes.border.stages[0].capacity"], "no parameter changes (1 tried"),
        (&["--tornado", "20", "--param", "pools.narrow.units", "--param", "pools.narrow.units"], "given twice"),
    ];
    for (args, says) in cases {
        let o = steelsim(&[&["sweep", &tiny, "-n", "40", "--out", "t"], args].concat(), tmp.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(!tmp.path().join("t").exists(), "{args:?}: a folder was left");
    }
    // A move that makes the scenario invalid (the wagons of known.toml, 10 -> 8, are too few
    // for its lot) says what to do about the chart, not about the scenario.
    let known = repo().join("tests/fixtures/known.toml").display().to_string();
    let o = steelsim(&["sweep", &known, "--tornado", "20", "-n", "40", "--out", "t"], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        err.contains("moved by 20 %, `pools.wagons.units` makes the scenario invalid") && err.contains("--param"),
        "{err}"
    );
    assert!(!err.contains("add carriers") && !tmp.path().join("t").exists(), "{err}");
}

#[test]
fn a_precision_driven_run_stops_when_precise_enough() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(&steelsim(
        &[
            "run",
            &baseline(),
            "--precision",
            "0.03",
            "--precision-days",
            "3",
            "-n",
            "100",
            "--max-replications",
            "3000",
            "--out",
            "p",
        ],
        tmp.path(),
    ));
    assert!(out.contains("Precision reached after"), "{out}");
    let s = json(&tmp.path().join("p/summary.json"));
    let n = s["replications"].as_u64().unwrap();
    assert!(n.is_multiple_of(100) && n < 3000, "{n}");
    // The interval it stops on: the control-variate one where the run gives it (the baseline
    // has random disruptions and uncertain figures), else Wilson's.
    let cv = &s["control_variates"]["p_on_time"];
    let ci = if cv.is_null() { &s["p_on_time_ci95"] } else { &cv["ci95"] };
    assert!((ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap()) / 2.0 <= 0.03, "{ci}");
    // The same as a plain run of that many replications.
    ok(&steelsim(&["run", &baseline(), "-n", &n.to_string(), "--out", "plain", "-q"], tmp.path()));
    assert_eq!(
        std::fs::read(tmp.path().join("p/replications.csv")).unwrap(),
        std::fs::read(tmp.path().join("plain/replications.csv")).unwrap()
    );
}

#[test]
fn an_error_in_a_variant_points_into_the_variant() {
    let variant = repo().join("tests/fixtures/variants/bad_variant.toml");
    let o = steelsim(&["validate", variant.to_str().unwrap()], &repo());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bad_variant.toml:6:9"), "{err}");
    assert!(err.contains("in `pools.wagons_1435.units`"), "{err}");
}

#[test]
fn an_override_is_applied_and_its_errors_name_it() {
    let tmp = tempfile::tempdir().unwrap();
    let b = baseline();
    let o = steelsim(&["validate", &b, "--set", "nodes.sarakhs.stages[0].capacity=0"], tmp.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--set nodes.sarakhs.stages[0].capacity=0"), "{err}");
    let o = steelsim(&["validate", &b, "--set", "pools.nowhere.units=3"], tmp.path());
    assert!(String::from_utf8_lossy(&o.stderr).contains("`pools.nowhere` does not exist"));
    // The resolved scenario is kept with the results and reproduces them.
    ok(&steelsim(&["run", &b, "-n", "50", "--set", "pools.wagons_1435.units=1200", "--out", "a", "-q"], tmp.path()));
    ok(&steelsim(&["run", "a/scenario.toml", "-n", "50", "--out", "b", "-q"], tmp.path()));
    assert_eq!(
        std::fs::read(tmp.path().join("a/replications.csv")).unwrap(),
        std::fs::read(tmp.path().join("b/replications.csv")).unwrap()
    );
}

/// `tests/fixtures/tiny.toml` sold DAP at its destination in two call-offs, the first tight.
fn tiny_under_contract(dir: &Path) -> String {
    let tiny = include_str!("../fixtures/tiny.toml");
    let text = tiny.replace("handover = [\"border\"]\n", "").replace(
        "[pools.narrow]",
        "[contract]\nincoterm = \"DAP\"\nplace = \"dest\"\ntolerance_pct = 5\n\
         calloffs = [{ by = 2025-09-29, share = 0.5 }, { by = 2025-10-15, share = 0.5 }]\n\n[pools.narrow]",
    );
    let path = dir.join("tiny_contract.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn plan_targets_the_contract_as_run_judges_it() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenario = tiny_under_contract(t);
    let common = ["-n", "100", "--max-replications", "100", "--seed", "4", "-q"];
    let mut args = vec!["plan", &scenario, "--target", "0.5", "--at", "calloffs"];
    args.extend(["--vary", "pools.narrow.units=10..60:10", "--out", "plan"]);
    args.extend(common);
    let out = ok(&steelsim(&args, t));
    let p = json(&t.join("plan/plan.json"));
    assert_eq!(p["at"], "calloffs", "{out}");
    let evaluations = p["evaluations"].as_array().unwrap();
    assert!(evaluations.len() >= 2, "{out}");
    // Each value's P(every call-off met) is what a plain run with that value reports.
    for e in evaluations {
        let value = e["value"].as_str().unwrap();
        let set = format!("pools.narrow.units={value}");
        let n = e["replications"].as_u64().unwrap().to_string();
        let folder = format!("run{value}");
        ok(&steelsim(&["run", &scenario, "--set", &set, "-n", &n, "--seed", "4", "--out", &folder, "-q"], t));
        let s = json(&t.join(folder).join("summary.json"));
        assert_eq!(e["p_on_time"], s["contract"]["p_all_calloffs_met"], "at {value}");
    }
    assert!(out.contains("P(every call-off met)"), "{out}");
    // Judging by a contract needs one.
    let tiny = repo().join("tests/fixtures/tiny.toml").display().to_string();
    let mut args = vec!["plan", &tiny, "--target", "0.5", "--at", "contract"];
    args.extend(["--vary", "pools.narrow.units=10..20:10", "--out", "none"]);
    args.extend(common);
    let o = steelsim(&args, t);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no [contract]"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!t.join("none").exists(), "nothing written");
}

#[test]
fn a_sweep_reports_the_contract_measures() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenario = tiny_under_contract(t);
    ok(&steelsim(
        &["sweep", &scenario, "--set", "pools.narrow.units=10,40", "-n", "60", "--seed", "2", "--out", "sw", "-q"],
        t,
    ));
    let mut csv = csv::Reader::from_path(t.join("sw/sweep.csv")).unwrap();
    let header = csv.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name}"));
    let sweep = json(&t.join("sw/sweep.json"));
    for (i, row) in csv.records().enumerate() {
        let row = row.unwrap();
        let c = &sweep[i]["summary"]["contract"];
        assert_eq!(row[col("p_in_full")].parse::<f64>().unwrap(), c["p_in_full"].as_f64().unwrap());
        assert_eq!(row[col("p_all_calloffs_met")].parse::<f64>().unwrap(), c["p_all_calloffs_met"].as_f64().unwrap());
        assert_eq!(row[col("damages_mean")], *"", "no damages terms: empty");
    }
}

/// Every file of a results folder (relative path, bytes), but the run record, whose timings
/// differ by nature.
fn folder(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "run.json"))
        .map(|p| (p.display().to_string(), std::fs::read(dir.join(&p)).unwrap()))
        .collect()
}

#[test]
fn rows_kept_on_disk_give_the_results_of_rows_kept_in_memory() {
    // A run holds at most STEELSIM_ROWS_IN_MEMORY rows and keeps the others in a temporary
    // file; with 5 (so nearly every row goes to disk, in many pieces) every file of the
    // results, figures and report included, must be the in-memory run's, byte for byte. A
    // contract scenario carries every field of a row; shards and their merge go to disk too.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let spilled = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_steelsim"))
            .args(args)
            .current_dir(t)
            .env("STEELSIM_ROWS_IN_MEMORY", "5")
            .output()
            .unwrap()
    };
    let contract = repo().join("scenarios/contract_dap_destinations.toml").display().to_string();
    for (scenario, n) in [(baseline(), "150"), (contract, "90")] {
        let common = ["run", &scenario, "-n", n, "--seed", "11", "-q", "--trace", "3,40"];
        ok(&steelsim(&[&common[..], &["--out", "memory"]].concat(), t));
        ok(&spilled(&[&common[..], &["--out", "disk"]].concat()));
        let (memory, disk) = (folder(&t.join("memory")), folder(&t.join("disk")));
        assert!(memory.len() > 5 && memory.keys().eq(disk.keys()), "{:?} vs {:?}", memory.keys(), disk.keys());
        for (name, bytes) in &memory {
            assert!(disk[name] == *bytes, "{name} of {scenario} differs when its rows are kept on disk");
        }
        for i in 0..3 {
            let shard = format!("{i}/3");
            ok(&spilled(&[&common[..], &["--shard", &shard, "--out", &format!("s{i}")]].concat()));
        }
        ok(&spilled(&["merge", "s1", "s0", "s2", "--out", "merged", "--quiet"]));
        // The report's "Reproduce" line names the command: compare the data.
        let merged = folder(&t.join("merged"));
        for name in ["summary.json", "replications.csv", "timeseries.csv", "shipments.csv"] {
            assert!(merged[name] == memory[name], "{name} of {scenario}'s merged shards differs from the single run");
        }
        for d in ["memory", "disk", "s0", "s1", "s2", "merged"] {
            std::fs::remove_dir_all(t.join(d)).unwrap();
        }
    }
    // A run to a precision adds batches: kept on disk, they stop where those in memory do.
    let precise = ["run", &baseline(), "--precision", "0.08", "-n", "40", "--max-replications", "200", "-q"];
    ok(&steelsim(&[&precise[..], &["--out", "memory"]].concat(), t));
    ok(&spilled(&[&precise[..], &["--out", "disk"]].concat()));
    assert_eq!(
        std::fs::read(t.join("memory/summary.json")).unwrap(),
        std::fs::read(t.join("disk/summary.json")).unwrap()
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(["run", &baseline(), "-n", "2", "-q", "--out", "y"])
        .current_dir(t)
        .env("STEELSIM_ROWS_IN_MEMORY", "0")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("STEELSIM_ROWS_IN_MEMORY"), "{}", text(&o));
    assert!(!t.join("y").exists());
}

/// A long study says, after its first run, how long it has to go (it said nothing up front:
/// a tornado chart of the baseline took minutes without a word of warning).
#[test]
fn studies_say_how_long_they_have_to_go() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = repo().join("tests/fixtures/tiny.toml");
    let tiny = tiny.to_str().unwrap();
    for args in [
        vec!["sweep", tiny, "--tornado", "10", "-n", "5", "--out", "t"],
        vec!["sweep", tiny, "--set", "pools.narrow.units=30..40:5", "-n", "5", "--out", "s"],
        vec!["compare", tiny, tiny, tiny, "-n", "5", "--out", "c"],
    ] {
        let o = steelsim(&args, tmp.path());
        let err = stderr(&o);
        assert!(o.status.success(), "{}", text(&o));
        // A tornado says it up front, from the unchanged scenario's run (its rounds depend
        // on what they find); the others after their first run.
        let (mark, start) =
            if args[2] == "--tornado" { ("at most", "the unchanged scenario: ") } else { ("to go", "1 of ") };
        let said: Vec<&str> = err.lines().filter(|l| l.contains(mark)).collect();
        assert_eq!(said.len(), 1, "{args:?}: once\n{err}");
        assert!(said[0].starts_with(start), "{}", said[0]);
    }
}
