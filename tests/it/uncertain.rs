//! Uncertain figures: drawn once per replication from their own streams; written as certain
//! (a factor of 1), they change nothing at all.

use std::path::Path;

use crate::common::{ok, repo, stderr, steelsim};

fn tiny_plus(dir: &Path, extra: &str) -> String {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/tiny.toml")).unwrap();
    let path = dir.join("tiny.toml");
    std::fs::write(&path, format!("{text}\n{extra}\n")).unwrap();
    path.display().to_string()
}

fn run(dir: &Path, scenario: &str, out: &str) -> std::path::PathBuf {
    ok(&steelsim(&["run", scenario, "-n", "200", "--seed", "11", "-q", "--out", out], dir));
    dir.join(out)
}

#[test]
fn figures_written_as_certain_change_nothing_and_uncertain_ones_are_drawn_and_ranked() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = run(tmp.path(), &repo().join("tests/fixtures/tiny.toml").display().to_string(), "plain");
    let certain = tiny_plus(
        tmp.path(),
        "[[uncertain]]\nname = \"border_speed\"\ntarget = \"border\"\nfactor = 1\n\n\
         [[uncertain]]\nname = \"wagons\"\ntarget = [\"narrow\", \"north_yard\"]\nfactor = 1.0",
    );
    let same = run(tmp.path(), &certain, "certain");
    for file in ["summary.json", "replications.csv", "timeseries.csv", "shipments.csv"] {
        let (a, b) = (std::fs::read(plain.join(file)).unwrap(), std::fs::read(same.join(file)).unwrap());
        assert!(a == b, "{file} differs with figures written as certain");
    }
    let uncertain = tiny_plus(
        tmp.path(),
        "[[uncertain]]\nname = \"border_speed\"\ntarget = \"border\"\nfactor = { dist = \"uniform\", min = 0.3, max = 1 }\n\n\
         [[uncertain]]\nname = \"yard_customs\"\ntarget = \"yard.customs\"\nfactor = { dist = \"uniform\", min = 0.98, max = 1 }",
    );
    let drawn = run(tmp.path(), &uncertain, "uncertain");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(drawn.join("summary.json")).unwrap()).unwrap();
    let inputs = &s["inputs"];
    assert_eq!(inputs["figures"].as_array().unwrap().len(), 2, "{inputs}");
    // The border is the fixture's bottleneck and its speed varies by a factor of three: it
    // explains far more than customs varying by 2 %.
    assert_eq!(inputs["measure_first"], "border_speed", "{inputs}");
    let share = inputs["share_destination"].as_f64().unwrap();
    assert!(share > 0.0 && share <= 1.0, "{inputs}");
    let mean = inputs["figures"][0]["factor_mean"].as_f64().unwrap();
    assert!((mean - 0.65).abs() < 0.05, "uniform 0.3..1 has mean 0.65: {mean}");
    let html = std::fs::read_to_string(drawn.join("report.html")).unwrap();
    assert!(html.contains("What we do not know") && html.contains("border_speed (measure this first)"), "report.html");
    let plain_html = std::fs::read_to_string(plain.join("report.html")).unwrap();
    assert!(!plain_html.contains("What we do not know"), "no section without uncertain figures");
    let printed = ok(&steelsim(&["run", &uncertain, "-n", "50", "--seed", "11", "--out", "again"], tmp.path()));
    assert!(printed.contains("Measure first") && printed.contains("border_speed"), "{printed}");
}

#[test]
fn an_uncertain_figure_is_checked_like_a_disruption() {
    let tmp = tempfile::tempdir().unwrap();
    for (extra, field, says) in [
        ("[[uncertain]]\nname = \"x\"\ntarget = \"bordr\"\nfactor = 0.9", "uncertain[0].target", "border"),
        ("[[uncertain]]\nname = \"x\"\ntarget = \"border\"\nfactor = 50", "uncertain[0].factor", "at most 10"),
        (
            "[[uncertain]]\nname = \"x\"\ntarget = \"border\"\nfactor = 0.9\n[[uncertain]]\nname = \"x\"\ntarget = \"yard\"\nfactor = 0.9",
            "uncertain[1].name",
            "already called",
        ),
        (
            "[[uncertain]]\nname = \"x\"\ntarget = [\"north\", \"north\"]\nfactor = 0.9",
            "uncertain[0].target[1]",
            "twice",
        ),
        (
            "[[uncertain]]\nname = \"x\"\ntarget = [\"north\", \"border\"]\nscales = \"allocation\"\nfactor = 0.9",
            "uncertain[0].scales",
            "only a mill has an allocation",
        ),
        (
            "[[uncertain]]\nname = \"x\"\ntarget = \"north\"\nscales = \"share\"\nfactor = 0.9",
            "uncertain[0].scales",
            "\"allocation\" (a mill's allocation to the order)",
        ),
    ] {
        let path = tiny_plus(tmp.path(), extra);
        let o = steelsim(&["validate", &path], tmp.path());
        assert_eq!(o.status.code(), Some(2), "{extra}");
        let err = stderr(&o);
        assert!(err.contains(field) && err.contains(says), "{extra}: {err}");
    }
}
