//! What every test of the command line needs: the binary, the repository, and readable output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root (fixtures and scenarios are found from here).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The baseline scenario, compiled.
pub fn baseline_world() -> steelsim::model::World {
    steelsim::scenario::load(&repo().join("scenarios/baseline.toml")).unwrap().world
}

/// Runs `steelsim ARGS` in `cwd`.
pub fn steelsim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_steelsim")).args(args).current_dir(cwd).output().expect("steelsim runs")
}

/// Standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Both outputs, labelled, for assertion messages.
pub fn text(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", stdout(o), stderr(o))
}

/// Standard output of a command that must succeed (its outputs in the message if not).
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", text(o));
    stdout(o)
}

/// Waits for a child at most `limit`, killing it if it runs on.
pub fn within(mut child: std::process::Child, limit: std::time::Duration) -> Output {
    let began = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if began.elapsed() > limit {
            child.kill().unwrap();
            panic!("still running after {limit:?}: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// `args` with scenario paths made absolute and replication counts cut to `n`.
pub fn runnable(args: &[String], n: u64) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        if a == "-n" || a == "--replications" {
            it.next();
            continue;
        }
        if a.contains('*') {
            let dir = repo().join(std::path::Path::new(a).parent().unwrap());
            let mut all: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .map(|p| p.display().to_string())
                .collect();
            all.sort();
            out.extend(all);
            continue;
        }
        let in_repo = repo().join(a);
        out.push(if a.starts_with("scenarios/") && in_repo.exists() {
            in_repo.display().to_string()
        } else {
            a.clone()
        });
    }
    if ["run", "compare", "sweep", "plan", "calibrate"].contains(&out[0].as_str()) {
        out.extend(["-n".to_string(), n.to_string(), "-q".to_string()]);
    }
    if out[0] == "plan" {
        out.extend(["--max-replications".to_string(), (4 * n).to_string()]);
    }
    out
}

/// Every file under `dir`, as paths relative to it.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}
