//! Regression tests for the defects a hostile test found (issue "robust at the edges"):
//! each input here once panicked, hung, grew memory without bound, failed only after the
//! whole run, or gave a silently wrong answer.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{ok, repo, stderr, stdout, steelsim, text, within};

fn tiny() -> String {
    repo().join("tests/fixtures/tiny.toml").to_string_lossy().into_owned()
}

fn spawn(args: &[&str], cwd: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A copy of the tiny fixture with one line replaced.
fn tiny_with(dir: &Path, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(tiny()).unwrap();
    assert!(text.contains(from), "the fixture changed: `{from}` is gone");
    let path = dir.join("edited.toml");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

#[test]
fn an_endless_range_is_refused_by_plan_and_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = steelsim(&["plan", &tiny(), "--target", "0.9", "--vary", "pools.narrow.units=10..inf:1"], tmp.path());
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan));
    assert!(stderr(&plan).contains("finite"), "{}", stderr(&plan));
    let sweep = steelsim(&["sweep", &tiny(), "--set", "pools.narrow.units=1..1e12:1", "-n", "2"], tmp.path());
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep));
    assert!(stderr(&sweep).contains("at most 10,000"), "{}", stderr(&sweep));
    assert!(!tmp.path().join("output").exists(), "nothing written");
}

#[test]
fn masses_that_round_to_nothing_or_overflow_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for (from, to, field) in [
        (
            "payload_t = 60\nempty_return = \"2d\"",
            "payload_t = 0.0004\nempty_return = \"2d\"",
            "pools.narrow.payload_t",
        ),
        ("payload_t = 60\nempty_return = \"2d\"", "payload_t = 1e13\nempty_return = \"2d\"", "pools.narrow.payload_t"),
        ("tonnes = 6000", "tonnes = 0.0005", "order.tonnes"),
    ] {
        let path = tiny_with(tmp.path(), from, to);
        let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
        assert_eq!(o.status.code(), Some(2), "{to}: {}", text(&o));
        let err = stderr(&o);
        assert!(err.contains(field) && err.contains("between 0.001 t (1 kg) and 10^12 t"), "{to}:\n{err}");
    }
}

#[test]
fn an_availability_that_is_not_a_share_of_the_time_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let from = "rate_t_per_day = 300\nlot_t = 600\n\n[mills.south]";
    for (availability, accepted) in [
        ("0.85", true),
        ("{ dist = \"triangular\", min = 0.6, mode = 0.85, max = 1 }", true),
        ("{ dist = \"normal\", mean = 0.85, sd = 0.1, max = 1 }", true),
        ("1.2", false),
        ("{ dist = \"uniform\", min = 0.8, max = 1.1 }", false),
        ("{ dist = \"lognormal\", mean = 0.85, sd = 0.1 }", false),
    ] {
        let to = format!("rate_t_per_day = 300\nlot_t = 600\navailability = {availability}\n\n[mills.south]");
        let path = tiny_with(tmp.path(), from, &to);
        let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
        if accepted {
            assert_eq!(o.status.code(), Some(0), "{availability}: {}", text(&o));
        } else {
            assert_eq!(o.status.code(), Some(2), "{availability}: {}", text(&o));
            let err = stderr(&o);
            assert!(err.contains("mills.north.availability") && err.contains("share of the time"), "{err}");
        }
    }
}

#[test]
fn a_device_or_a_pipe_as_scenario_or_base_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let o = within(spawn(&["validate", "/dev/zero"], tmp.path()), Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let fifo = tmp.path().join("pipe.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let variant = tmp.path().join("variant.toml");
    std::fs::write(&variant, "extends = \"pipe.toml\"\nname = \"v\"\n").unwrap();
    let o = within(spawn(&["validate", variant.to_str().unwrap()], tmp.path()), Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    // A base that is not a scenario file is refused before it is read (and quoted).
    std::fs::write(&variant, "extends = \"/etc/hostname\"\nname = \"v\"\n").unwrap();
    let o = steelsim(&["validate", variant.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("names a scenario file"), "{}", stderr(&o));
}

#[test]
fn sixteen_levels_of_extends_are_allowed_and_seventeen_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(tiny(), tmp.path().join("level0.toml")).unwrap();
    for i in 1..=17 {
        let text = format!("extends = \"level{}.toml\"\nname = \"level{i}\"\n", i - 1);
        std::fs::write(tmp.path().join(format!("level{i}.toml")), text).unwrap();
    }
    ok(&steelsim(&["validate", "level16.toml"], tmp.path()));
    let o = steelsim(&["validate", "level17.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("more than 16 levels"), "{}", stderr(&o));
}

#[test]
fn an_output_path_that_cannot_be_a_folder_is_refused_before_simulating() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a_file");
    std::fs::write(&file, "x").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), tmp.path().join("dangling")).unwrap();
    for out in [file.clone(), file.join("under"), tmp.path().join("dangling")] {
        let began = Instant::now();
        // 100,000 replications would take minutes: a refusal must come before them.
        let o = steelsim(&["run", &tiny(), "-n", "100000", "--out", out.to_str().unwrap(), "-q"], tmp.path());
        assert_eq!(o.status.code(), Some(2), "{}: {}", out.display(), text(&o));
        assert!(stderr(&o).contains("cannot hold results"), "{}", stderr(&o));
        assert!(began.elapsed() < Duration::from_secs(20), "refused only after simulating");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x", "the file is untouched");
}

/// A folder that cannot be made (here under /proc, where not even root can create files) is
/// bad input, refused before simulating with the folder's name, not a failed simulation that
/// names a lock file.
#[test]
fn an_output_folder_that_cannot_be_written_is_refused_before_simulating() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = repo().join("scenarios/baseline.toml").display().to_string();
    for out in ["/proc/steelsim-results", "/proc/steelsim/results"] {
        let began = Instant::now();
        // 100,000 replications of the baseline take minutes: the refusal must come first.
        let o = steelsim(&["run", &baseline, "-n", "100000", "--out", out, "-q"], tmp.path());
        assert_eq!(o.status.code(), Some(2), "{out}: {}", text(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("cannot write into {out}")) && err.contains("--out") && !err.contains(".lock"),
            "{err}"
        );
        assert!(began.elapsed() < Duration::from_secs(20), "refused only after simulating");
    }
}

#[test]
fn the_current_folder_and_a_link_to_a_folder_are_written_into() {
    let tmp = tempfile::tempdir().unwrap();
    let here = tmp.path().join("here");
    std::fs::create_dir(&here).unwrap();
    ok(&steelsim(&["run", &tiny(), "-n", "3", "--out", ".", "-q"], &here));
    assert!(here.join("summary.json").exists());
    let real = tmp.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    ok(&steelsim(&["run", &tiny(), "-n", "3", "--out", link.to_str().unwrap(), "-q"], tmp.path()));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is kept");
    assert!(real.join("summary.json").exists(), "results are in the folder it points to");
}

#[test]
fn leftovers_of_a_dead_run_are_cleaned_and_a_live_run_is_not_disturbed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ok(&steelsim(&["run", &tiny(), "-n", "3", "--out", "out", "-q"], tmp.path()));
    // A killed run left its backup and staging folders and its lock (process 999999 is gone).
    for stale in [".out.old-999999", ".out.partial-999999"] {
        std::fs::create_dir(tmp.path().join(stale)).unwrap();
    }
    std::fs::write(tmp.path().join(".out.lock"), "999999\n").unwrap();
    let o = steelsim(&["run", &tiny(), "-n", "3", "--out", "out", "-q"], tmp.path());
    assert!(o.status.success(), "{}", text(&o));
    assert!(stderr(&o).contains("left by an interrupted steelsim"), "{}", stderr(&o));
    for stale in [".out.old-999999", ".out.partial-999999", ".out.lock"] {
        assert!(!tmp.path().join(stale).exists(), "{stale} is still there");
    }
    // A live process (1 always is) holding the folder: refused at once, exit 2.
    std::fs::write(tmp.path().join(".out.lock"), "1\n").unwrap();
    let o = steelsim(&["run", &tiny(), "-n", "100000", "--out", "out", "-q"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("another steelsim (process 1)"), "{}", stderr(&o));
    assert!(out.join("summary.json").exists(), "earlier results untouched");
}

#[test]
fn options_that_cannot_mean_anything_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["run", &tiny(), "--precision", "0.05", "--max-replications", "0"],
        vec!["run", &tiny(), "--precision", "0.05", "--precision-days", "0"],
        vec!["run", &tiny(), "--precision", "0.05", "--precision-days", "nan"],
        vec!["plan", &tiny(), "--target", "0.9", "--vary", "pools.narrow.units=10..20:5", "--max-replications", "0"],
    ] {
        let o = steelsim(&args, tmp.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    }
}

#[test]
fn merged_shards_report_the_run_they_equal() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..2 {
        let shard = format!("{i}/2");
        let dir = format!("s{i}");
        ok(&steelsim(&["run", &tiny(), "-n", "6", "--seed", "3", "--shard", &shard, "--out", &dir, "-q"], tmp.path()));
    }
    let o = steelsim(&["merge", "s0", "s1", "--out", "merged"], tmp.path());
    let printed = ok(&o);
    assert!(!printed.contains("million events/s"), "no rate for events simulated elsewhere:\n{printed}");
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("merged/run.json")).unwrap()).unwrap();
    let command = run["command"].as_str().unwrap();
    assert!(command.starts_with("steelsim run") && !command.contains("--shard"), "{command}");
    let quiet = steelsim(&["merge", "s0", "s1", "--out", "merged", "--quiet"], tmp.path());
    assert!(quiet.status.success() && stdout(&quiet).is_empty(), "{}", text(&quiet));
}

#[test]
fn shard_auto_is_the_shard_the_scheduler_names() {
    let tmp = tempfile::tempdir().unwrap();
    ok(&steelsim(&["run", &tiny(), "-n", "6", "--seed", "3", "--shard", "1/3", "--out", "named", "-q"], tmp.path()));
    // A Slurm array 1-3, task 2: shard 1 of 3.
    let o = Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(["run", &tiny(), "-n", "6", "--seed", "3", "--shard", "auto", "--out", "auto", "-q"])
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    ok(&o);
    let read = |d: &str| std::fs::read(tmp.path().join(d).join("replications.csv")).unwrap();
    assert_eq!(read("auto"), read("named"));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("auto/run.json")).unwrap()).unwrap();
    assert!(run["command"].as_str().unwrap().contains("--shard 1/3"), "the command to reproduce names the shard");
    // Without a scheduler, a clear refusal.
    let o = Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(["run", &tiny(), "--shard", "auto", "--out", "none", "-q"])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env_remove("PARALLEL_SEQ")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("found no task index"), "{}", stderr(&o));
}

#[test]
fn a_disruption_factor_written_as_a_percentage_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for (factor, accepted) in
        [("0.5", true), ("1.333", true), ("50", false), ("{ dist = \"uniform\", min = 0.5, max = 20 }", false)]
    {
        let path = tiny_with(tmp.path(), "closed = true", &format!("factor = {factor}"));
        let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
        if accepted {
            assert_eq!(o.status.code(), Some(0), "{factor}: {}", text(&o));
        } else {
            assert_eq!(o.status.code(), Some(2), "{factor}: {}", text(&o));
            assert!(stderr(&o).contains("for a cut to 50 %, write 0.5"), "{}", stderr(&o));
        }
    }
}

/// Validates `path` (the fixture with `what` written in): accepted when `refused` is `None`,
/// otherwise refused with exit 2 and a message naming the field and saying what is wrong.
fn validates_or_refuses(dir: &Path, path: &Path, what: &str, refused: Option<(&str, &str)>) {
    let o = steelsim(&["validate", path.to_str().unwrap()], dir);
    match refused {
        None => assert_eq!(o.status.code(), Some(0), "{what}: {}", text(&o)),
        Some((field, says)) => {
            assert_eq!(o.status.code(), Some(2), "{what}: {}", text(&o));
            let err = stderr(&o);
            assert!(err.contains(field) && err.contains(says), "{what}: {err}");
        }
    }
}

#[test]
fn a_mill_s_output_is_a_rate_or_a_time_per_lot_and_its_capacity_covers_the_allocation() {
    let tmp = tempfile::tempdir().unwrap();
    let from = "rate_t_per_day = 300\nlot_t = 600\n\n[mills.south]";
    for (mill, refused) in [
        ("rate_t_per_day = 300\ncapacity_t_per_day = 3000\npriority = \"first\"", None),
        ("production_time = \"2d\"\nshort_lot = \"full\"", None),
        ("rate_t_per_day = 300\npriority = \"first\"", Some(("mills.north.priority", "needs the mill's capacity"))),
        ("rate_t_per_day = 300\ncapacity_t_per_day = 200", Some(("mills.north.capacity_t_per_day", "less than"))),
        (
            "rate_t_per_day = 300\ncapacity_t_per_day = 3000\npriority = \"vip\"",
            Some(("mills.north.priority", "unknown priority")),
        ),
        (
            "rate_t_per_day = 300\ncapacity_t_per_day = { hrc = 3000 }",
            Some(("mills.north.capacity_t_per_day", "shape")),
        ),
        ("rate_t_per_day = 300\nproduction_time = \"2d\"", Some(("mills.north.rate_t_per_day", "not both"))),
        ("production_time = \"2d\"\ncapacity_t_per_day = 3000", Some(("mills.north.capacity_t_per_day", "as a rate"))),
        ("production_time = \"2d\"\nshort_lot = \"half\"", Some(("mills.north.short_lot", "unknown short_lot"))),
        ("rate_t_per_day = 300\nshort_lot = \"full\"", Some(("mills.north.short_lot", "`production_time` only"))),
        ("availability = 0.9", Some(("mills.north", "no production rate"))),
    ] {
        let to = format!("{mill}\nlot_t = 600\n\n[mills.south]");
        let path = tiny_with(tmp.path(), from, &to);
        validates_or_refuses(tmp.path(), &path, mill, refused);
    }
}

#[test]
fn one_disruption_may_hit_a_list_of_targets_but_none_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let from = "target = \"border\"";
    for (target, refused) in [
        ("[\"north\", \"south\"]", None),
        ("[\"border\", \"north_yard\"]", None),
        ("[\"north\", \"north\"]", Some(("disruptions[0].target[1]", "hit twice"))),
        ("[\"border\", \"border.interchange\"]", Some(("disruptions[0].target[1]", "hit twice"))),
        ("[\"north\", \"nort\"]", Some(("disruptions[0].target[1]", "north"))),
        ("[\"north\", 3]", Some(("disruptions[0].target[1]", "in quotes"))),
        ("[]", Some(("disruptions[0].target", "a name or a list"))),
    ] {
        let path = tiny_with(tmp.path(), from, &format!("target = {target}"));
        validates_or_refuses(tmp.path(), &path, target, refused);
    }
}

#[test]
fn a_release_point_a_bogie_exchange_or_a_reallocation_that_cannot_mean_what_it_says_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for (from, to, refused) in [
        ("[pools.broad]\n", "[pools.broad]\nrelease = \"arrival\"\n", None),
        ("[pools.broad]\n", "[pools.broad]\nrelease = \"after_stages\"\n", None),
        (
            "[pools.broad]\n",
            "[pools.broad]\nrelease = \"unloading\"\n",
            Some(("pools.broad.release", "unknown release point")),
        ),
        ("handover = [\"border\"]", "handover = [\"border\"]\nreallocate = \"when_idle\"", None),
        (
            "handover = [\"border\"]",
            "handover = [\"border\"]\nreallocate = \"always\"",
            Some(("order.reallocate", "\"never\" (each mill makes the lots it was given)")),
        ),
        (
            "transload = true,",
            "transload = true, through_only = true,",
            Some(("nodes.border.stages[0].through_only", "cannot both transload")),
        ),
    ] {
        let path = tiny_with(tmp.path(), from, to);
        validates_or_refuses(tmp.path(), &path, to, refused);
    }
}

#[test]
fn control_characters_in_names_are_printed_as_escapes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tiny_with(tmp.path(), "target = \"border\"", "target = \"bord\\u001b[2J\\u0007er\"");
    let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = stderr(&o);
    assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "a raw control character reached the terminal: {err:?}");
    assert!(err.contains("\\u{1b}[2J\\u{7}"), "{err}");
}

#[test]
fn a_value_of_the_wrong_type_is_named_in_plain_words() {
    let tmp = tempfile::tempdir().unwrap();
    for (from, to, says) in [
        ("units = 40\n", "units = \"forty\"\n", "expected a whole number, found the text \"forty\""),
        ("units = 40\n", "units = 4.5\n", "expected a whole number, found 4.5"),
        ("units = 40\n", "units = [40]\n", "expected a whole number, found a list"),
        ("transload = true,", "transload = \"yes\",", "expected true or false, found the text \"yes\""),
    ] {
        let path = tiny_with(tmp.path(), from, to);
        let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
        assert_eq!(o.status.code(), Some(2), "{to}");
        let err = stderr(&o);
        assert!(err.contains(says) && !err.contains("i64"), "{to}: {err}");
    }
}

/// One bad value inside a stage is one problem: the stage is still known to the rows that
/// name it (background traffic, disruptions), which add no false "unknown stage" errors.
#[test]
fn a_bad_value_in_a_stage_is_one_problem_not_a_cascade() {
    let tmp = tempfile::tempdir().unwrap();
    let from = "capacity = 1, transload = true, service_per_carrier = \"1h\"";
    for (to, field) in [
        ("capacity = -1, transload = true, service_per_carrier = \"1h\"", "nodes.border.stages[0].capacity"),
        (
            "capacity = 1, transload = true, service_per_carrier = \"soon\"",
            "nodes.border.stages[0].service_per_carrier",
        ),
    ] {
        let path = tiny_with(tmp.path(), from, to);
        let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(field) && err.contains("1 problem found"), "{to}: {err}");
    }
}

/// A variant's row named like a base row replaces it whole; one given in part is told so.
#[test]
fn a_row_replacing_a_base_row_in_part_is_told_to_give_it_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("variant.toml");
    let base = tiny();
    std::fs::write(
        &path,
        format!("extends = {base:?}\nname = \"v\"\n[[disruptions]]\nname = \"strike\"\nprobability = 0.5\n"),
    )
    .unwrap();
    let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("missing field `target`") && err.contains("replaces that row whole"), "{err}");
}

/// A `--set` path naming something that is not there says what is.
#[test]
fn a_set_path_that_names_nothing_suggests_the_nearest_name() {
    let tmp = tempfile::tempdir().unwrap();
    let o = steelsim(&["validate", &tiny(), "--set", "pools.narow.units=5"], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`pools.narow` does not exist") && err.contains("did you mean `narrow`?"), "{err}");
}

/// A misspelt `--vary` path is named as the user gave it (it read "--set"), with the nearest
/// name.
#[test]
fn a_vary_path_that_names_nothing_is_named_as_given_with_the_nearest_name() {
    let tmp = tempfile::tempdir().unwrap();
    let vary = ["plan", &tiny(), "--target", "0.9", "--vary", "pools.narow.units=10..20:5", "-n", "5"];
    let o = steelsim(&vary, tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--vary pools.narow.units=") && !err.contains("--set"), "{err}");
    assert!(err.contains("did you mean `narrow`?"), "{err}");
}

/// Every problem at once: values of the wrong type do not stop the check, and the problems
/// found after them (an unknown node) are reported with them, without noise about the
/// stand-ins the check put in their place.
#[test]
fn wrong_types_and_other_problems_are_reported_together() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(tiny())
        .unwrap()
        .replacen("units = 40", "units = \"forty\"", 1)
        .replacen("capacity = 1, transload = true", "capacity = \"one\", transload = true", 1)
        .replacen("from = \"north\"", "from = \"nowhere\"", 1);
    let path = tmp.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let o = steelsim(&["validate", path.to_str().unwrap()], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for said in ["found the text \"forty\"", "found the text \"one\"", "nowhere", "3 problems found"] {
        assert!(err.contains(said), "{said}: {err}");
    }
    assert!(!err.contains("got 0"), "nothing about the stand-ins: {err}");
}

/// A horizon centuries away would fill memory with days on which nothing can happen: at most
/// ten years after the deadline.
#[test]
fn a_horizon_more_than_ten_years_after_the_deadline_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let from = "deadline = 2025-10-15";
    for (horizon, refused) in [
        ("2035-10-15", None),
        ("2035-10-16", Some(("order.horizon", "more than 10 years after the deadline"))),
        ("9999-12-31", Some(("order.horizon", "more than 10 years after the deadline"))),
    ] {
        let path = tiny_with(tmp.path(), from, &format!("{from}\nhorizon = {horizon}"));
        validates_or_refuses(tmp.path(), &path, horizon, refused);
    }
}

/// A reader that went away (`steelsim ... | head -1`, a closed terminal) loses nothing: the
/// command still writes its files and exits as it would have, where `println!` panicked.
#[test]
fn a_closed_stdout_or_stderr_is_no_reason_to_fail() {
    let tmp = tempfile::tempdir().unwrap();
    for (closed, dir) in [("stdout", "out"), ("stderr", "err")] {
        // The pipe's reading end is closed before the command starts: its first line fails.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_steelsim"));
        cmd.args(["sweep", &tiny(), "--tornado", "20", "-n", "40", "--out", dir]).current_dir(tmp.path());
        let o = if closed == "stdout" { cmd.stdout(writer).output() } else { cmd.stderr(writer).output() }.unwrap();
        assert_eq!(o.status.code(), Some(0), "{closed} closed: {}", text(&o));
        assert!(tmp.path().join(dir).join("tornado.json").is_file(), "{closed} closed: no chart written");
    }
    // An error still exits with its own code.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(["run", "missing.toml"])
        .current_dir(tmp.path())
        .stderr(writer)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
