//! Sequential decisions: `plan` states what it found, with the evidence and how sure it is,
//! including when the range's end already meets the target or nothing in it does.

use crate::common::{ok, repo, steelsim};
use std::path::Path;

fn tiny() -> String {
    repo().join("tests/fixtures/tiny.toml").display().to_string()
}

/// Runs `plan` on the tiny fixture over `pools.narrow.units=RANGE` and returns what it
/// printed and plan.json.
fn plan(dir: &Path, target: &str, range: &str) -> (String, serde_json::Value) {
    let vary = format!("pools.narrow.units={range}");
    let args = ["plan", &tiny(), "--target", target, "--vary", &vary, "-n", "100", "--max-replications", "3200"];
    let out = ok(&steelsim(&[&args[..], &["--seed", "3", "-q", "--out", "p", "--force"]].concat(), dir));
    let json = serde_json::from_str(&std::fs::read_to_string(dir.join("p/plan.json")).unwrap()).unwrap();
    (out, json)
}

fn ci(e: &serde_json::Value) -> (f64, f64) {
    (e["p_on_time_ci95"][0].as_f64().unwrap(), e["p_on_time_ci95"][1].as_f64().unwrap())
}

/// Every integer of the range is a candidate: the answer's interval lies above the target,
/// the integer just below lies below it, and the replications spent add up.
#[test]
fn plan_searches_integers_and_shows_the_boundary() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, p) = plan(tmp.path(), "0.5", "1..60");
    assert_eq!(p["status"], "found", "{out}");
    let (answer, below) = (&p["answer"], &p["below"]);
    assert!(ci(answer).0 >= 0.5, "the answer's interval lies above the target: {answer}");
    assert!(ci(below).1 < 0.5, "the value below does not reach it, even at its upper bound: {below}");
    assert_eq!(answer["decision"], "reaches");
    assert_eq!(below["decision"], "falls_short");
    let value = |e: &serde_json::Value| e["value"].as_str().unwrap().parse::<i64>().unwrap();
    assert_eq!(value(answer) - value(below), 1, "integers, not a grid");
    // Bisection: far fewer values tried than the 60 in the range.
    let evaluations = p["evaluations"].as_array().unwrap();
    assert!(evaluations.len() <= 3 + 6, "{} values tried", evaluations.len());
    let spent: u64 = evaluations.iter().map(|e| e["replications"].as_u64().unwrap()).sum();
    assert_eq!(p["replications_total"].as_u64(), Some(spent));
    assert_eq!(p["p_correct"].as_f64(), Some(0.95));
    assert!(out.contains("at least 95 %"), "{out}");
}

/// The target met already at the lowest value: said plainly, not answered as if it were the
/// boundary.
#[test]
fn plan_says_when_the_target_is_met_at_the_lower_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, p) = plan(tmp.path(), "0.5", "30..60");
    assert_eq!(p["status"], "met_at_range_end", "{out}");
    assert_eq!(p["answer"]["value"], "30");
    assert!(ci(&p["answer"]).0 >= 0.5, "{p}");
    assert!(p["below"].is_null(), "nothing below was tried: {p}");
    assert!(out.contains("met already at the lowest value tried"), "{out}");
    assert!(out.contains("give --vary a lower start"), "{out}");
    let page = std::fs::read_to_string(tmp.path().join("p/report.html")).unwrap();
    assert!(page.contains("met already at the lowest value tried"));
}

/// No value reaches the target: said plainly, with the most favourable value's evidence.
#[test]
fn plan_says_when_the_target_is_never_met() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, p) = plan(tmp.path(), "0.97", "20..60");
    assert_eq!(p["status"], "unreachable", "{out}");
    assert!(p["answer"].is_null() && p["below"].is_null(), "{p}");
    let last = p["evaluations"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["value"], "60");
    assert!(ci(&last).1 < 0.97, "{last}");
    assert!(out.contains("No value in the range reaches"), "{out}");
    assert!(out.contains("even the largest value tried, pools.narrow.units = 60, falls short"), "{out}");
}

/// A target right at a value's probability cannot be decided within the cap: said plainly,
/// with the smallest value that does reach it.
#[test]
fn plan_says_when_a_value_is_too_close_to_tell() {
    let tmp = tempfile::tempdir().unwrap();
    // From the run above: P(on time) at 39 wagons is about 0.63 with seed 3.
    let p39 = {
        let args = ["run", &tiny(), "--set", "pools.narrow.units=39", "-n", "800", "--seed", "3", "-q", "--out", "r"];
        ok(&steelsim(&args, tmp.path()));
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(tmp.path().join("r/summary.json")).unwrap()).unwrap();
        s["p_on_time"].as_f64().unwrap()
    };
    let vary = "pools.narrow.units=20..40";
    let target = format!("{p39}");
    let args = ["plan", &tiny(), "--target", &target, "--vary", vary, "-n", "100", "--max-replications", "800"];
    let out = ok(&steelsim(&[&args[..], &["--seed", "3", "-q", "--out", "p"]].concat(), tmp.path()));
    let p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("p/plan.json")).unwrap()).unwrap();
    assert_eq!(p["status"], "unresolved", "{out}");
    assert_eq!(p["below"]["decision"], "undecided");
    assert_eq!(p["below"]["replications"].as_u64(), Some(800), "decided only at the cap");
    assert_eq!(p["answer"]["decision"], "reaches");
    assert!(out.contains("too close to the target to tell"), "{out}");
}
