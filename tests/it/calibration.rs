//! The baseline against its calibration targets (docs/sources.md section 5): every calibration check inside its band, and the
//! table in scenarios/README.md exactly what the command writes today.

use crate::common::{repo, steelsim, text};

/// One run does both: the README is rewritten into a copy (the table names the command, so
/// the run uses the README's own arguments and a path relative to the repository).
#[test]
fn the_baseline_is_within_every_band_and_the_readme_table_is_current() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("README.md");
    let original = std::fs::read_to_string(repo().join("scenarios/README.md")).unwrap();
    std::fs::write(&copy, &original).unwrap();
    let o = steelsim(
        &[
            "calibrate",
            "scenarios/baseline.toml",
            "-n",
            "200",
            "--seed",
            "7",
            "--json",
            "--write",
            copy.to_str().unwrap(),
        ],
        &repo(),
    );
    let outcomes: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", text(&o)));
    let outcomes = outcomes.as_array().unwrap();
    assert_eq!(outcomes.len(), 6, "every target of sources.md section 5 is checked");
    for c in outcomes {
        let (lo, hi) = (c["interval"][0].as_f64().unwrap(), c["interval"][1].as_f64().unwrap());
        let (band_lo, band_hi) = (c["band"][0].as_f64().unwrap(), c["band"][1].as_f64().unwrap());
        assert!(
            band_lo <= lo && hi <= band_hi,
            "{}: simulated 95 % interval {lo:.2}-{hi:.2} leaves the band {band_lo}-{band_hi}",
            c["id"]
        );
        assert_eq!(c["within"], true);
    }
    assert!(o.status.success(), "{}", text(&o));
    let rewritten = std::fs::read_to_string(&copy).unwrap();
    assert!(
        rewritten == original,
        "scenarios/README.md's calibration table is out of date: run\n  \
         cargo run --release -- calibrate scenarios/baseline.toml -n 200 --seed 7 --write scenarios/README.md"
    );
}

#[test]
fn a_check_outside_its_band_exits_3_and_says_which() {
    let tmp = tempfile::tempdir().unwrap();
    let o = steelsim(
        &[
            "calibrate",
            repo().join("scenarios/baseline.toml").to_str().unwrap(),
            "-n",
            "20",
            "--set",
            "legs.tm_rail.transit=\"50h\"",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let row = out.lines().find(|l| l.starts_with("| Sarakhs -> Farap")).unwrap();
    assert!(row.contains("50.0 h") && row.ends_with("| **no** |"), "{row}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("calibration checks are outside their bands"));
}

#[test]
fn a_network_without_the_baseline_elements_is_refused_with_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let readme = tmp.path().join("notes.md");
    std::fs::write(&readme, "<!-- calibration:begin -->\nold\n<!-- calibration:end -->\n").unwrap();
    let o = steelsim(
        &[
            "calibrate",
            repo().join("tests/fixtures/tiny.toml").to_str().unwrap(),
            "-n",
            "5",
            "--targets",
            repo().join("scenarios/calibration/targets.toml").to_str().unwrap(),
            "--write",
            readme.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("tiny.toml") && err.contains("calibration needs"), "{err}");
    assert!(std::fs::read_to_string(&readme).unwrap().contains("old"), "nothing written on error");
}

#[test]
fn targets_are_found_beside_the_scenario_or_refused_with_where_to_put_them() {
    let tmp = tempfile::tempdir().unwrap();
    // The fixture's folder has no calibration/targets.toml.
    let tiny = repo().join("tests/fixtures/tiny.toml");
    let o = steelsim(&["calibrate", tiny.to_str().unwrap(), "-n", "5"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("calibration/targets.toml") && err.contains("--targets"), "{err}");
}

#[test]
fn a_bad_targets_file_is_refused_with_its_place() {
    let tmp = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(repo().join("scenarios/calibration/targets.toml")).unwrap();
    let baseline = repo().join("scenarios/baseline.toml");
    for (bad, says) in [
        (good.replacen("band = [30.0, 40.0]", "band = [40.0, 30.0]", 1), ":19:8: check[0].band: [40, 30]"),
        (good.replacen("unit = \"h\"", "unti = \"h\"", 1), "unknown field `unti`"),
        (
            good.replacen("\"khorasan_tashkent_days\"", "\"sarakhs_farap_hours\"", 1),
            ":25:6: check[1].id: `sarakhs_farap_hours` is used twice",
        ),
        (good.replacen("measure = { leg_run", "measure = { leg_runs", 1), "unknown variant `leg_runs`"),
    ] {
        let file = tmp.path().join("targets.toml");
        std::fs::write(&file, &bad).unwrap();
        let o = steelsim(
            &["calibrate", baseline.to_str().unwrap(), "-n", "2", "--targets", file.to_str().unwrap()],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("targets.toml") && err.contains(says), "expected `{says}` in:\n{err}");
    }
}

#[test]
fn a_document_without_markers_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let doc = tmp.path().join("notes.md");
    std::fs::write(&doc, "no markers here\n").unwrap();
    let o = steelsim(
        &[
            "calibrate",
            repo().join("scenarios/baseline.toml").to_str().unwrap(),
            "-n",
            "5",
            "--write",
            doc.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("calibration:begin"));
    assert_eq!(std::fs::read_to_string(&doc).unwrap(), "no markers here\n");
}
