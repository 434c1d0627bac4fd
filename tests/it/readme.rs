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
