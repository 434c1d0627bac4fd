//! README's example output is what the command prints today: the numbers it quotes are
//! reproduced, not remembered.

use crate::common::{ok, repo, steelsim};

/// The text block after "The run prints a summary like this".
fn readme_block() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let after = readme.split("The run prints a summary like this").nth(1).expect("README has the example");
    let block = after.split("```text\n").nth(1).and_then(|b| b.split("\n```").next()).expect("a text block");
    block.to_string()
}

#[test]
fn readme_example_output_is_what_the_main_command_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/baseline.toml");
    let printed = ok(&steelsim(
        &["run", scenario.to_str().unwrap(), "--seed", "7", "--out", tmp.path().join("b").to_str().unwrap()],
        tmp.path(),
    ));
    // The last line reports timings and the folder, which vary.
    let lines: Vec<&str> = printed.trim_end().lines().collect();
    let stable = lines[..lines.len() - 2].join("\n");
    assert_eq!(
        stable.replace(&scenario.display().to_string(), "scenarios/baseline.toml"),
        readme_block(),
        "README's example output is out of date: paste what `cargo run --release -- run \
         scenarios/baseline.toml --seed 7` prints (all but its last line)"
    );
}

/// "4 December 2025" from "2025-12-04".
fn long_date(iso: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let parts: Vec<usize> = iso.split('-').map(|p| p.parse().unwrap()).collect();
    format!("{} {} {}", parts[2], MONTHS[parts[1] - 1], parts[0])
}

/// The paragraph that reads the example ("Read it from the top..."), its lines joined.
fn reading() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let from = readme.split("Read it from the top.").nth(1).expect("README reads its example");
    from.split("\n\n").next().unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn readme_reading_of_the_example_quotes_what_the_run_computes() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/baseline.toml");
    let out = tmp.path().join("b");
    ok(&steelsim(
        &["run", scenario.to_str().unwrap(), "--seed", "7", "--out", out.to_str().unwrap(), "-q"],
        tmp.path(),
    ));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let g = &s["contract"]["guarantees"];
    let date = |v: &serde_json::Value| long_date(v.as_str().unwrap());
    let no_year = |v: &serde_json::Value| date(v).rsplit_once(' ').unwrap().0.to_string();
    let pct = |v: &serde_json::Value| {
        let p = format!("{:.1}", v.as_f64().unwrap() * 100.0);
        format!("{} %", p.trim_end_matches(".0"))
    };
    let floor = s["contract"]["floor_tonnes"].as_f64().unwrap();
    let text = reading();
    for quoted in [
        format!("sign **{}** as the date by which {},000 t", date(&g[0]["date"]), floor as u64 / 1000),
        format!("({} at 95 %, {} at 99 %)", no_year(&g[1]["date"]), no_year(&g[2]["date"])),
        format!("31 December in {} of replications", pct(&s["handover"]["p_on_time"])),
        format!("Bekabad in only {};", pct(&s["p_on_time"])),
        format!("at its destination by {}.", date(&s["promise"][1]["date"])),
        format!("The {} gauge interchange is the busiest resource", "Sarakhs"),
    ] {
        assert!(text.contains(&quoted), "README's reading of the example should say `{quoted}`:\n{text}");
    }
    assert_eq!(s["bottleneck"]["stage"].as_str(), Some("sarakhs.interchange"), "{}", s["bottleneck"]);
    assert!(text.contains("every monthly call-off is met in every replication"));
    assert_eq!(s["contract"]["p_all_calloffs_met"].as_f64(), Some(1.0));
    // "The last 10 % of the tonnes takes about three weeks": from the floor to every tonne at
    // the border, at 90 %, within half a week of three weeks.
    assert!(text.contains("The last 10 % of the tonnes takes about three weeks"));
    let last = s["handover"]["promise"][0]["days"].as_f64().unwrap() - g[0]["days"].as_f64().unwrap();
    assert!((17.5..=24.5).contains(&last), "the last 10 % takes {last:.1} days");
}
