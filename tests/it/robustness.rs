//! Hostile conditions, end to end: runaway scenarios refused before running, interrupted
//! runs, and the invariant-checking mode.

use crate::common::{repo, stderr, steelsim, within};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> String {
    repo().join("tests/fixtures").join(name).to_string_lossy().into_owned()
}

#[test]
fn a_scenario_needing_too_many_events_is_refused_with_the_estimate_and_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o =
        steelsim(&["run", &fixture("bad/too_many_events.toml"), "-n", "5", "--out", out.to_str().unwrap()], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("too_many_events.toml:10:9"), "the override's own place, not the base's:\n{err}");
    assert!(err.contains("in `background.others.every`"), "{err}");
    assert!(err.contains("would need about") && err.contains("the limit is 1000"), "{err}");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn one_kilogram_lots_are_refused_without_cutting_them() {
    // 300,000 t in 1 kg lots is 3e8 lots: counting them must not build them (that took
    // 5 GB and 17 s before the count came first).
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("scenarios/baseline.toml")).unwrap();
    let lines: Vec<String> = text
        .lines()
        .map(|l| if l.starts_with("lot_t = ") { "lot_t = 0.001".to_string() } else { l.to_string() })
        .collect();
    assert!(lines.iter().filter(|l| *l == "lot_t = 0.001").count() >= 3, "the baseline's lot sizes moved");
    let path = tmp.path().join("kg_lots.toml");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("300000000 lots per replication") && err.contains("the limit is 200000"), "{err}");
    assert!(err.contains("kg_lots.toml:") && err.contains(".lot_t`"), "{err}");
}

#[test]
fn check_mode_gives_the_same_results_and_passes() {
    let tmp = tempfile::tempdir().unwrap();
    for (dir, extra) in [("plain", None), ("checked", Some("--check"))] {
        let out = tmp.path().join(dir);
        let mut args = vec!["run", "scenarios/baseline.toml", "-n", "24", "--seed", "3", "--quiet"];
        args.extend(["--out", out.to_str().unwrap()]);
        args.extend(extra);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_steelsim"));
        let o = cmd.args(&args).current_dir(repo()).output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for file in ["summary.json", "replications.csv"] {
        let a = std::fs::read(tmp.path().join("plain").join(file)).unwrap();
        let b = std::fs::read(tmp.path().join("checked").join(file)).unwrap();
        assert!(a == b, "{file} differs with --check");
    }
}

/// Runs steelsim with `args` in `dir`, interrupts it (SIGINT) once it is simulating, checks
/// that it stops as interrupted, and returns what it said.
fn interrupted<S: AsRef<std::ffi::OsStr>>(args: impl IntoIterator<Item = S>, dir: &Path) -> String {
    let child = Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let o = within(child, Duration::from_secs(60));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    err
}

/// Entries of `dir` whose names start with a dot (staging folders, temporary files).
fn hidden_entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".steelsim-output")
        .collect()
}

#[test]
fn ctrl_c_stops_the_run_and_leaves_the_previous_results_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("results");
    let scenario = repo().join("scenarios/baseline.toml");
    let args = |n: &'static str| {
        vec![
            "run".to_string(),
            scenario.to_string_lossy().into_owned(),
            "-n".into(),
            n.into(),
            "--seed".into(),
            "5".into(),
            "--quiet".into(),
            "--out".into(),
            out.to_string_lossy().into_owned(),
        ]
    };
    let first = Command::new(env!("CARGO_BIN_EXE_steelsim")).args(args("20")).output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let before: Vec<(String, Vec<u8>)> = {
        let mut v: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
            .collect();
        v.sort();
        v
    };

    // A run far too long to finish, interrupted once it is simulating.
    let err = interrupted(args("5000000"), tmp.path());
    assert!(err.contains("interrupted after") && err.contains("nothing was written"), "{err}");

    let mut after: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    after.sort();
    assert!(before == after, "the previous results changed");
    assert!(hidden_entries(tmp.path()).is_empty(), "left behind: {:?}", hidden_entries(tmp.path()));
    assert!(hidden_entries(&out).is_empty(), "left behind: {:?}", hidden_entries(&out));
}

/// An interrupted study says how many replications it had run (it said 0, whatever it had
/// done), and writes nothing.
#[test]
fn an_interrupted_study_says_how_far_it_got() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = fixture("tiny.toml");
    let err = interrupted(["sweep", &tiny, "--tornado", "20", "-n", "10000000", "--out", "t"], tmp.path());
    let done: u64 = err
        .split("interrupted after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count: {err}"));
    assert!(done > 0 && err.contains("nothing was written"), "{err}");
    assert!(!tmp.path().join("t").exists() && hidden_entries(tmp.path()).is_empty(), "left behind");
}

/// A replication that takes long (train timetables every 36 s for ten years, an order stalled
/// for want of wagons) stops within moments of SIGTERM, not at its end: the flag is polled
/// every few thousand events inside the replication too.
#[test]
fn one_long_replication_stops_soon_after_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("tiny.toml"))
        .unwrap()
        .replacen("deadline = 2025-10-15", "deadline = 2025-10-15\nhorizon = 2035-10-15", 1)
        .replacen("departures = { size = 20, max_wait = \"1d\" }", "departures = { size = 20, every = \"0.01h\" }", 1)
        .replacen(
            "units = 40\npayload_t = 60\nempty_return = \"2d\"",
            "units = 10\npayload_t = 60\nempty_return = \"2d\"\nreturn_share = 0.0",
            1,
        )
        + "\n[limits]\nmax_events = 1_000_000_000\n";
    // Timetables on the other legs too: about 35 million events, seconds of work with --check.
    let text = ["north_yard", "south_yard", "border_dest"].iter().fold(text, |t, leg| {
        t.replacen(
            &format!("[legs.{leg}]"),
            &format!("[legs.{leg}]\ndepartures = {{ size = 20, every = \"0.01h\" }}"),
            1,
        )
    });
    assert!(text.contains("every = \"0.01h\"") && text.contains("return_share = 0.0"), "the fixture changed");
    let path = tmp.path().join("long.toml");
    std::fs::write(&path, text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(["run", path.to_str().unwrap(), "-n", "1", "-q", "--check", "--out", "long"])
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    assert!(child.try_wait().unwrap().is_none(), "the replication should still be running");
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let began = Instant::now();
    let o = within(child, Duration::from_secs(60));
    let stopped_in = began.elapsed();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(stopped_in < Duration::from_secs(2), "stopped {stopped_in:?} after SIGTERM: {err}");
    assert!(!tmp.path().join("long").exists(), "nothing written");
}

#[test]
#[cfg(target_os = "linux")]
fn memory_does_not_grow_with_the_number_of_replications() {
    // A run used to hold every replication's row, and its CSV, twice over: about 550 bytes
    // per replication of the tiny fixture, 6.5 GB for ten million of a small model. Rows now
    // go to disk past 65,536 and the quantiles are selected, not sorted, so memory does not
    // grow with the count: 400,000 replications must take no more than 10,000 do, give or
    // take 30 MB (the rows held before they go to disk are 13 MB), and stay under the 200 MB
    // the issue sets for ten million (measured in docs/performance.md). Before, 400,000 took
    // 305 MB (measured).
    //
    // The peak is the one the run records in run.json (`VmHWM`, its own memory since it
    // started): the kernel's count for a child (`wait4`) also holds the memory of the test
    // process that spawned it, up to the `exec`, and that grows with the tests running beside.
    let tmp = tempfile::tempdir().unwrap();
    let peak = |n: &str| {
        let out = tmp.path().join(n);
        let o = Command::new(env!("CARGO_BIN_EXE_steelsim"))
            .args(["run", &fixture("tiny.toml"), "-n", n, "--seed", "3", "-q", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "the run of {n} failed: {}", String::from_utf8_lossy(&o.stderr));
        let run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
        run["performance"]["peak_memory_mb"].as_f64().expect("run.json records the peak memory on Linux")
    };
    let (small, large) = (peak("10000"), peak("400000"));
    assert!(large < 200.0 && large < small + 30.0, "peak memory {small:.0} MB at 10,000, {large:.0} MB at 400,000");
    use std::io::BufRead;
    let file = std::fs::File::open(tmp.path().join("400000/replications.csv")).unwrap();
    assert_eq!(std::io::BufReader::new(file).lines().count(), 400_001, "every replication's row, after the header");
}
