//! Moving an order in time: holidays, seasons and call-offs written as rules follow the order,
//! a window cut by the start is clipped, and a dated event outside the horizon is a note.

use crate::common::{ok, repo, stderr, steelsim};

/// Every scenario in `scenarios/` runs with its start and deadline moved by a year, and by
/// fifteen months (a winter order: December to March, Nowruz inside).
#[test]
fn every_scenario_runs_with_its_order_moved_in_time() {
    let tmp = tempfile::tempdir().unwrap();
    let files = crate::scenarios::scenario_files();
    for (start, deadline) in [("2026-09-15", "2026-12-31"), ("2026-12-15", "2027-03-31")] {
        for f in &files {
            let name = f.file_stem().unwrap().to_str().unwrap();
            let out = format!("{name}-{start}");
            let o = steelsim(
                &[
                    "run",
                    f.to_str().unwrap(),
                    "-n",
                    "4",
                    "-q",
                    "--set",
                    &format!("order.start={start}"),
                    "--set",
                    &format!("order.deadline={deadline}"),
                    "--out",
                    &out,
                ],
                tmp.path(),
            );
            ok(&o);
            // Rules follow the order: nothing is left out of a moved baseline or its variants,
            // but for the one dated event (the 2025 relief tracks, in place before a later order).
            let notes = stderr(&o);
            assert!(
                !notes.contains("note:")
                    || (name == "sarakhs_relief_tracks" && notes.contains("before the order's start")),
                "{name} from {start}: {notes}"
            );
        }
    }
}

fn scenario(extra: &str) -> String {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/tiny.toml")).unwrap();
    format!("{text}\n{extra}\n")
}

/// A dated event after the horizon is a note, not an error; the scenario runs.
#[test]
fn a_dated_event_outside_the_horizon_is_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("late.toml");
    let row = "[[disruptions]]\nname = \"late\"\ntarget = \"border\"\nat = [2031-01-01, \"12-25\"]\nduration = \"1d\"\nclosed = true";
    std::fs::write(&path, scenario(row)).unwrap();
    let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
    ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("note:") && err.contains("disruptions[1].at[0]") && err.contains("after the horizon"),
        "{err}"
    );
    assert!(err.contains("late.toml:"), "the note is located: {err}");
}

/// A winter window crossing the start is clipped to the start: the season under way when the
/// order begins counts from its first day, and the next winter opens on 1 December.
#[test]
fn a_winter_window_crossing_the_start_is_clipped() {
    let row = "[[disruptions]]\nname = \"winter\"\ntarget = \"border\"\nrate_per_day = 0.1\nwindow = [\"12-01\", \"02-28\"]\nduration = \"1d\"\nclosed = true";
    let text = scenario(row)
        .replace("start = 2025-09-15", "start = 2026-01-15")
        .replace("deadline = 2025-10-15", "deadline = 2026-12-15");
    let w =
        steelsim::scenario::load_str(&text, "winter.toml", "winter").unwrap_or_else(|e| panic!("{}", e.render(false)));
    let day = 24.0;
    let windows: Vec<(String, f64, f64)> =
        w.disruptions.iter().map(|d| (d.name.clone(), d.window.0 / day, d.window.1 / day)).collect();
    // The winter of 2025-26 from the start (15 Jan 2026) to the end of 28 Feb: days 0 to 45;
    // the next from 1 Dec 2026 (day 320) to the end of 28 Feb 2027 (day 410); the one after
    // cut at the horizon, a year after the deadline: 1 to 15 Dec 2027 (days 685 to 700).
    let w = |name: &str, a: f64, b: f64| (name.to_string(), a, b);
    assert_eq!(
        windows,
        [w("winter@2025-12-01", 0.0, 45.0), w("winter@2026-12-01", 320.0, 410.0), w("winter@2027-12-01", 685.0, 700.0)]
    );
}

/// When to start: `plan` over start dates answers the latest one whose interval lies at or
/// above the target, and shows the next later date tried falling short.
#[test]
fn plan_finds_the_latest_start_that_keeps_the_promise() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = repo().join("scenarios/baseline.toml");
    let args = [
        "plan",
        baseline.to_str().unwrap(),
        "--target",
        "0.9",
        "--at",
        "destination",
        "--vary",
        "order.start=2025-07-01..2025-09-15:7d",
        "-n",
        "100",
        "--max-replications",
        "800",
        "--seed",
        "7",
        "-q",
        "--out",
        "when",
    ];
    let printed = ok(&steelsim(&args, tmp.path()));
    assert!(printed.contains("The latest date reaching"), "{printed}");
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("when/plan.json")).unwrap()).unwrap();
    assert_eq!(plan["status"], "found", "{plan}");
    assert_eq!(plan["direction"], "latest");
    let (answer, later) = (&plan["answer"], &plan["below"]);
    assert!(answer["p_on_time_ci95"][0].as_f64().unwrap() >= 0.9, "{answer}");
    assert!(later["p_on_time"].as_f64().unwrap() < 0.9, "{later}");
    assert!(later["value"].as_str().unwrap() > answer["value"].as_str().unwrap(), "the next date tried is later");
}
