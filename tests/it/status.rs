//! Starting from a shipment status: `run --status-at` writes where every tonne of one
//! replication is on a date, and `run --status` starts from such a file. A status written
//! and read back restarts the run where it was; a bad status file is refused with a located
//! message and nothing written.

use std::path::Path;

use crate::common::{ok, repo, stderr, steelsim};

fn column(dir: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(dir.join("replications.csv")).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records().map(|rec| rec.unwrap()[i].to_string()).collect()
}

/// Days to complete, one per replication; an incomplete replication counts as never.
fn completions(dir: &Path, name: &str) -> Vec<f64> {
    column(dir, name).iter().map(|v| v.parse().unwrap_or(f64::INFINITY)).collect()
}

/// Writes the status of replication `k` of `scenario` at `at` (run with `seed`) into `dir`.
fn status_at(scenario: &str, at: &str, k: u64, seed: u64, dir: &Path) -> String {
    let (k, seed) = (k.to_string(), seed.to_string());
    let args = ["run", scenario, "-n", "1", "-s", &seed, "-q", "--status-at", at, "--replication", &k];
    ok(&steelsim(&[&args[..], &["--out", dir.to_str().unwrap()]].concat(), &repo()));
    std::fs::read_to_string(dir.join("status.csv")).unwrap()
}

#[test]
fn the_status_of_a_deterministic_run_is_what_the_timeline_says() {
    let tmp = tempfile::tempdir().unwrap();
    // The mill makes 24 t a day: lot 0 is made at 24 h, loaded by 26 h and leaves then; at
    // 30 h the second lot is 6 t along.
    let s = status_at("tests/fixtures/deterministic.toml", "2025-09-16T06:00", 0, 1, tmp.path());
    assert_eq!(
        s,
        "as_of,what,lot,tonnes,mill,product,destination,route,at,when,made,units\n\
         2025-09-16T06:00:00,departed,lot0,24,mill,steel,dest,rail,to_border,2025-09-16T02:00:00,,\n\
         2025-09-16T06:00:00,producing,mill:0:0,24,mill,steel,dest,,,,6,\n"
    );
}

#[test]
fn a_deterministic_run_restarted_from_its_status_completes_exactly_when_it_did() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = "tests/fixtures/deterministic.toml";
    let full = tmp.path().join("full");
    ok(&steelsim(&["run", fixture, "-n", "1", "-q", "--out", full.to_str().unwrap()], &repo()));
    let expected = (column(&full, "completion_days"), column(&full, "handover_completion_days"));
    // Before anything moves, with a lot in production, on a leg, queued, delivered, and
    // with wagons on their way back.
    for (i, at) in
        ["2025-09-15", "2025-09-16T06:00", "2025-09-16T10:30", "2025-09-17", "2025-09-17T05:00", "2025-09-17T20:00"]
            .iter()
            .enumerate()
    {
        let dir = tmp.path().join(format!("at{i}"));
        status_at(fixture, at, 0, 1, &dir);
        let again = tmp.path().join(format!("again{i}"));
        let status = dir.join("status.csv");
        let args = ["run", fixture, "-n", "1", "-q", "--status", status.to_str().unwrap()];
        ok(&steelsim(&[&args[..], &["--out", again.to_str().unwrap()]].concat(), &repo()));
        let got = (column(&again, "completion_days"), column(&again, "handover_completion_days"));
        assert_eq!(got, expected, "restarted from its status at {at}");
    }
}

/// The two-sample Kolmogorov-Smirnov statistic: the largest gap between the two samples'
/// empirical distribution functions.
fn ks(a: &[f64], b: &[f64]) -> f64 {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

#[test]
fn the_baseline_restarted_from_its_status_at_the_start_has_the_plain_run_s_distribution() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = "scenarios/baseline.toml";
    let n = 300;
    let plain = tmp.path().join("plain");
    let args = ["run", baseline, "-n", &n.to_string(), "-s", "7", "-q"];
    ok(&steelsim(&[&args[..], &["--out", plain.to_str().unwrap()]].concat(), &repo()));
    let start = tmp.path().join("start");
    let s = status_at(baseline, "2025-09-15", 0, 7, &start);
    assert!(s.lines().skip(1).all(|l| l.contains(",to_produce,") || l.contains(",background,")), "{s}");
    // Other seeds: the two samples are independent.
    let restarted = tmp.path().join("restarted");
    let status = start.join("status.csv");
    let args = ["run", baseline, "-n", &n.to_string(), "-s", "11", "-q", "--status", status.to_str().unwrap()];
    ok(&steelsim(&[&args[..], &["--out", restarted.to_str().unwrap()]].concat(), &repo()));
    // Asymptotic critical value of the two-sample test at the 0.5 % level, for each of the
    // two columns (1 % for the pair, by Bonferroni): c(0.005) = 1.731.
    let critical = 1.731 * (2.0 / n as f64).sqrt();
    for name in ["completion_days", "handover_completion_days"] {
        let d = ks(&completions(&plain, name), &completions(&restarted, name));
        assert!(d < critical, "{name}: KS distance {d:.3} >= {critical:.3}");
    }
}

#[test]
fn a_status_run_keeps_its_status_and_says_how_to_run_it_again() {
    let tmp = tempfile::tempdir().unwrap();
    let at = tmp.path().join("at");
    let written = status_at("tests/fixtures/deterministic.toml", "2025-09-16T10:30", 0, 1, &at);
    let out = tmp.path().join("out");
    let status = at.join("status.csv");
    let args = ["run", "tests/fixtures/deterministic.toml", "-n", "3", "-q", "--status", status.to_str().unwrap()];
    ok(&steelsim(&[&args[..], &["--out", out.to_str().unwrap()]].concat(), &repo()));
    assert_eq!(std::fs::read_to_string(out.join("start_status.csv")).unwrap(), written);
    let run = std::fs::read_to_string(out.join("run.json")).unwrap();
    assert!(run.contains("--status start_status.csv"), "{run}");
}

#[test]
fn every_kind_of_bad_status_file_is_refused_with_its_place_and_nothing_is_written() {
    let cases = [
        ("unknown_place", "2:59", "`to_bordr` is not on route `rail:mill->dest`"),
        ("unknown_mill", "3:43", "unknown mill `mil`"),
        ("tonnes_not_adding_up", "1:16", "the lots add up to 44 t but the order is 48 t"),
        ("after_the_deadline", "2:1", "is after the order's deadline"),
        ("since_after_the_status_date", "2:69", "after the status date"),
        ("lot_in_two_places", "3:31", "lot `lot0` is in two places: here and on line 2"),
        ("unknown_column", "1:57", "unknown column `whem`"),
        ("unknown_kind_of_row", "2:21", "unknown kind of row `in_transit`"),
        ("missing_field", "2:69", "a `departed` row needs `when`"),
        ("not_a_date", "2:69", "`16/09/2025` is not a date"),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let fixtures = repo().join("tests/fixtures/bad/status");
    let mut seen = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let (_, place, message) = cases.iter().find(|c| c.0 == name).unwrap_or_else(|| panic!("no case for {name}"));
        let out = tmp.path().join(&name);
        let o = steelsim(
            &[
                "run",
                "tests/fixtures/deterministic.toml",
                "-n",
                "1",
                "--status",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            &repo(),
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(&format!("{name}.csv:{place}")), "{name}: not located at {place}: {err}");
        assert!(err.contains(message), "{name}: {err}");
        assert!(!out.exists(), "{name}: something was written");
        seen += 1;
    }
    assert_eq!(seen, cases.len(), "a case without its fixture");
}

#[test]
fn a_status_date_outside_the_order_is_refused() {
    let o = steelsim(
        &["run", "tests/fixtures/deterministic.toml", "-n", "1", "--status-at", "2025-10-01", "--out", "/nonexistent"],
        &repo(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("between the order's start (2025-09-15) and its deadline (2025-09-20)"),
        "{}",
        stderr(&o)
    );
}

/// The check that a restart from mid-run is right, not only from the start: by the law of
/// total probability, the chance of finishing on time from the state of a replication at
/// day D, averaged over replications, is the plain chance of finishing on time. Each of
/// `K` replications is written down on 20 October and restarted `R` times on other seeds;
/// the share on time is compared with a plain run's at the 1 % level, the restarts' variance
/// taken between replications (the R restarts of one share their state).
#[test]
fn restarts_from_mid_run_average_out_to_the_plain_run() {
    use steelsim::experiment::{Runner, indices, status_at};
    const K: u64 = 200;
    const R: u64 = 4;
    let path = repo().join("scenarios/baseline.toml");
    let plain_world = steelsim::scenario::load(&path).unwrap().world;
    let deadline = plain_world.deadline.value() / 24.0;
    let on_time = |d: Option<f64>| d.is_some_and(|d| d <= deadline);
    let n_plain = 1000;
    let plain = Runner::new(&plain_world, 7, None).unwrap().run(indices(n_plain, None), &mut |_| {}).unwrap();
    let p_plain = plain.rows.iter().filter(|r| on_time(r.completion_days)).count() as f64 / n_plain as f64;
    let at = steelsim::engine::Time::new(35.0 * 24.0).unwrap(); // 20 October, day 35 of the order
    let mut shares = Vec::new();
    for k in 0..K {
        let status = status_at(&plain_world, 7, k, at).unwrap();
        let text = steelsim::scenario::status::to_csv(&plain_world, &status).unwrap();
        let mut world = steelsim::scenario::load(&path).unwrap().world;
        let read = steelsim::scenario::status::read(&world, "status.csv", std::str::from_utf8(&text).unwrap()).unwrap();
        let again = steelsim::scenario::status::to_csv(&world, &read).unwrap();
        assert_eq!(again, text, "replication {k}: the status reads back as written");
        world.start_from(read);
        let out = Runner::new(&world, 1000 + k, None).unwrap().run(indices(R, None), &mut |_| {}).unwrap();
        shares.push(out.rows.iter().filter(|r| on_time(r.completion_days)).count() as f64 / R as f64);
    }
    let mean = shares.iter().sum::<f64>() / K as f64;
    let var = shares.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (K - 1) as f64;
    let se = (var / K as f64 + p_plain * (1.0 - p_plain) / n_plain as f64).sqrt();
    let z = (mean - p_plain) / se;
    assert!(z.abs() < 2.576, "restarted {mean:.3} vs plain {p_plain:.3}: z = {z:.2}");
}

/// The text block after `after` in `text`.
fn block_after(text: &str, after: &str) -> String {
    let rest = text.split(after).nth(1).unwrap_or_else(|| panic!("no `{after}`"));
    rest.split("```text\n").nth(1).and_then(|b| b.split("\n```").next()).unwrap().to_string()
}

#[test]
fn readme_re_planning_example_is_what_its_commands_print() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme.split("### Re-planning an order in flight").nth(1).unwrap();
    let commands = section.split("```sh\n").nth(1).unwrap().split("```").next().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/baseline.toml");
    let mut printed = String::new();
    for c in commands.lines() {
        let args: Vec<String> = c
            .strip_prefix("cargo run --release -- ")
            .unwrap()
            .split(' ')
            .map(|a| if a == "scenarios/baseline.toml" { scenario.to_str().unwrap().to_string() } else { a.into() })
            .collect();
        printed = ok(&steelsim(&args.iter().map(String::as_str).collect::<Vec<_>>(), tmp.path()));
    }
    let from = printed.find("Started from the shipment status").expect("the re-planning lines");
    let lines = printed[from..].split("\n\n").next().unwrap();
    let fix = "paste what the commands print, or run scripts/refresh-readme.py";
    assert_eq!(lines, block_after(&readme, "the plan beside the new answer"), "README is out of date: {fix}");
    // docs/status.md quotes rows of the status file written by the second command.
    let doc = std::fs::read_to_string(repo().join("docs/status.md")).unwrap();
    let written = std::fs::read_to_string(tmp.path().join("output/day35/status.csv")).unwrap();
    for row in block_after(&doc, "writes:").lines() {
        assert!(written.lines().any(|l| l == row), "docs/status.md quotes a row the status does not have: {row}");
    }
    // What the prose says of replication 253: it handed over early, and finished late.
    let plan = tmp.path().join("output/plan");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(plan.join("summary.json")).unwrap()).unwrap();
    let (deadline, handover_median) =
        (summary["deadline_days"].as_f64().unwrap(), summary["handover"]["completion_days"]["p50"].as_f64().unwrap());
    let at = |name: &str| completions(&plan, name)[253];
    assert!(at("handover_completion_days") < handover_median && at("completion_days") > deadline);
    // And of its timeline: its last lot, made on 10 November, arrives on 16 January, more
    // than three weeks after any other.
    ok(&steelsim(&["trace", "output/plan", "253", "--out", "t253"], tmp.path()));
    let mut spans: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
    let mut r = csv::Reader::from_path(tmp.path().join("t253/shipments.csv")).unwrap();
    for rec in r.deserialize::<std::collections::HashMap<String, String>>() {
        let rec = rec.unwrap();
        let (e, l) =
            (rec["entered_hours"].parse::<f64>().unwrap() / 24.0, rec["left_hours"].parse::<f64>().unwrap() / 24.0);
        let s = spans.entry(rec["lot"].clone()).or_insert((f64::INFINITY, 0.0));
        *s = (s.0.min(e), s.1.max(l));
    }
    let mut by_end: Vec<(f64, f64)> = spans.into_values().collect();
    by_end.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (last, next) = (by_end[0], by_end[1]);
    // Days from 15 September: 10 November is day 56, 16 January day 123.
    assert!((56.0..57.0).contains(&last.0) && (123.0..124.0).contains(&last.1), "{last:?}");
    assert!(last.1 - next.1 > 21.0, "{last:?} vs {next:?}");
}
