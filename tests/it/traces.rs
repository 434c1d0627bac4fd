//! Traces of any replication: `run --trace N,M` keeps those replications' per-lot traces
//! (also across shards), and `steelsim trace DIR N` writes one later from a results folder,
//! byte for byte what the run would have written.

use std::path::Path;

use crate::common::{ok, repo, stderr, steelsim};

fn tiny() -> String {
    repo().join("tests/fixtures/tiny.toml").to_str().unwrap().to_string()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

/// The replications a shipments.csv holds, each once, in the order they come.
fn replications(shipments: &str) -> Vec<u64> {
    let mut seen: Vec<u64> = Vec::new();
    for line in shipments.lines().skip(1) {
        let r = line.split(',').next().unwrap().parse().unwrap();
        if seen.last() != Some(&r) {
            seen.push(r);
        }
    }
    seen
}

#[test]
fn a_run_traces_the_replications_it_is_asked_for_and_trace_writes_the_same_later() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    ok(&steelsim(&["run", &tiny(), "-n", "8", "-s", "3", "-q", "--out", "all"], t));
    assert_eq!(replications(&read(&t.join("all"), "shipments.csv")), [0], "replication 0 by default");
    ok(&steelsim(&["run", &tiny(), "-n", "8", "-s", "3", "-q", "--trace", "5,2", "--out", "two"], t));
    let two = read(&t.join("two"), "shipments.csv");
    assert_eq!(replications(&two), [2, 5]);
    let run: serde_json::Value = serde_json::from_str(&read(&t.join("two"), "run.json")).unwrap();
    assert!(run["command"].as_str().unwrap().ends_with("--trace 5,2"), "{run}");
    // Everything but the trace is the run's, whatever it traces.
    for f in ["summary.json", "replications.csv"] {
        assert_eq!(read(&t.join("all"), f), read(&t.join("two"), f), "{f}");
    }
    ok(&steelsim(&["run", &tiny(), "-n", "8", "-s", "3", "-q", "--trace", "5", "--out", "five"], t));
    let printed = ok(&steelsim(&["trace", "all", "5", "--out", "later"], t));
    assert!(printed.starts_with("Replication 5 of tiny (seed 3): complete on day"), "{printed}");
    assert_eq!(read(&t.join("later"), "shipments.csv"), read(&t.join("five"), "shipments.csv"));
    assert_eq!(read(&t.join("later"), "events.csv"), read(&t.join("five"), "events.csv"));
    // With its timeline, drawn from that trace: a bar per step of every lot, the deadline.
    let svg = read(&t.join("later"), "timeline.svg");
    assert!(svg.contains("Replication 5: each lot through its route") && svg.contains("deadline"), "{svg:.300}");
    let mut shipments = csv::Reader::from_path(t.join("five/shipments.csv")).unwrap();
    let h = shipments.headers().unwrap().clone();
    let (e, l) =
        (h.iter().position(|c| c == "entered_hours").unwrap(), h.iter().position(|c| c == "left_hours").unwrap());
    let timed =
        shipments.records().map(Result::unwrap).filter(|r| r[l].parse::<f64>().unwrap() > r[e].parse::<f64>().unwrap());
    assert!(svg.matches("<rect").count() >= timed.count(), "at least a bar per step that takes time");
    assert!(std::fs::metadata(t.join("later/timeline.png")).unwrap().len() > 10_000);
    let past = steelsim(&["trace", "all", "8", "--out", "none"], t);
    assert_eq!(past.status.code(), Some(2), "{}", stderr(&past));
    assert!(stderr(&past).contains("holds replications 0 to 7; there is no replication 8"), "{}", stderr(&past));
    let past = steelsim(&["run", &tiny(), "-n", "8", "--trace", "8", "--out", "none"], t);
    assert_eq!(past.status.code(), Some(2), "{}", stderr(&past));
    assert!(!t.join("none").exists());
}

#[test]
fn shards_keep_the_traces_of_their_replications_and_merge_to_the_run_s() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let trace = ["--trace", "1,4,6"];
    ok(&steelsim(&[&["run", &tiny(), "-n", "8", "-s", "3", "-q", "--out", "one"][..], &trace].concat(), t));
    for i in 0..3 {
        let (shard, out) = (format!("{i}/3"), format!("s{i}"));
        let args = ["run", &tiny(), "-n", "8", "-s", "3", "-q", "--shard", &shard, "--out", &out];
        ok(&steelsim(&[&args[..], &trace].concat(), t));
    }
    // Shard i runs replications i, i+3, i+6.
    assert_eq!(replications(&read(&t.join("s0"), "shipments.csv")), [6]);
    assert_eq!(replications(&read(&t.join("s1"), "shipments.csv")), [1, 4]);
    assert!(!t.join("s2/shipments.csv").exists(), "shard 2 traces none of them");
    ok(&steelsim(&["merge", "s2", "s1", "s0", "--out", "merged", "-q"], t));
    assert_eq!(read(&t.join("merged"), "shipments.csv"), read(&t.join("one"), "shipments.csv"));
    assert_eq!(read(&t.join("merged"), "events.csv"), read(&t.join("one"), "events.csv"));
}

#[test]
fn a_replication_of_a_run_from_a_status_is_traced_from_that_status() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let fixture = repo().join("tests/fixtures/deterministic.toml");
    let fixture = fixture.to_str().unwrap();
    ok(&steelsim(&["run", fixture, "-n", "1", "-q", "--status-at", "2025-09-16T10:30", "--out", "at"], t));
    let status = t.join("at/status.csv");
    let args = ["run", fixture, "-n", "2", "-q", "--status", status.to_str().unwrap()];
    ok(&steelsim(&[&args[..], &["--trace", "1", "--out", "from"]].concat(), t));
    ok(&steelsim(&["trace", "from", "1", "--out", "later"], t));
    assert_eq!(read(&t.join("later"), "shipments.csv"), read(&t.join("from"), "shipments.csv"));
    assert_eq!(read(&t.join("later"), "start_status.csv"), read(&t.join("at"), "status.csv"));
}

#[test]
fn shards_started_from_different_statuses_are_not_merged() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let fixture = repo().join("tests/fixtures/deterministic.toml");
    let fixture = fixture.to_str().unwrap();
    for (at, out) in [("2025-09-16T06:00", "a"), ("2025-09-16T10:30", "b")] {
        ok(&steelsim(&["run", fixture, "-n", "1", "-q", "--status-at", at, "--out", out], t));
    }
    for (i, from) in ["a", "b"].iter().enumerate() {
        let status = t.join(from).join("status.csv");
        let (shard, out) = (format!("{i}/2"), format!("s{i}"));
        let args = ["run", fixture, "-n", "4", "-q", "--shard", &shard, "--status", status.to_str().unwrap()];
        ok(&steelsim(&[&args[..], &["--out", &out]].concat(), t));
    }
    let o = steelsim(&["merge", "s0", "s1", "--out", "merged"], t);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("did not start from the same shipment status"), "{}", stderr(&o));
    assert!(!t.join("merged").exists());
}

/// `events.csv` says which disruptions hit a traced replication, and when: while the tiny
/// scenario's strike closes the border, no lot starts its interchange there.
#[test]
fn the_events_of_a_replication_are_the_disruptions_its_lots_met() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let all: Vec<String> = (0..30).map(|i| i.to_string()).collect();
    ok(&steelsim(&["run", &tiny(), "-n", "30", "-s", "3", "-q", "--trace", &all.join(","), "--out", "r"], t));
    let mut events = csv::Reader::from_path(t.join("r/events.csv")).unwrap();
    assert_eq!(
        events.headers().unwrap().iter().collect::<Vec<_>>(),
        ["replication", "kind", "name", "hits", "effect", "factor", "began_hours", "ended_hours"]
    );
    let strikes: Vec<(u64, f64, f64)> = events
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[2] == "strike")
        .map(|r| {
            assert_eq!((&r[1], &r[3], &r[4]), ("disruption", "border.interchange", "closed"));
            (r[0].parse().unwrap(), r[6].parse().unwrap(), r[7].parse().unwrap())
        })
        .collect();
    // One strike in five replications (probability 0.2): between 1 and 14 of 30 at 99.9 %.
    assert!((1..=14).contains(&strikes.len()), "{strikes:?}");
    // Within its window, 2025-09-20 to 2025-10-10: days 5 to 25 of the order.
    assert!(strikes.iter().all(|&(_, b, e)| (120.0..=600.0).contains(&b) && e > b), "{strikes:?}");
    let mut ships = csv::Reader::from_path(t.join("r/shipments.csv")).unwrap();
    let h = ships.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (rep, stage, started) = (col("replication"), col("stage"), col("started_hours"));
    let mut checked = 0;
    for r in ships.records().map(Result::unwrap).filter(|r| &r[stage] == "border.interchange") {
        let (i, s): (u64, f64) = (r[rep].parse().unwrap(), r[started].parse().unwrap());
        for &(_, b, e) in strikes.iter().filter(|x| x.0 == i) {
            assert!(!(s > b && s < e), "replication {i}: a lot started at the border at {s} h, in the strike {b}-{e}");
            checked += 1;
        }
    }
    assert!(checked > 0, "lots crossed the border in struck replications");
}
