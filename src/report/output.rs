//! The output folder: written completely or not at all.
//!
//! Files are written into a hidden staging folder next to the destination; only when
//! every file is complete is the staging folder renamed into place (a directory rename is
//! atomic on one file system). An interrupted run leaves the previous results untouched.
//! A folder is replaced only if a marker shows steelsim wrote it, and only for the same
//! scenario unless forced: we never delete somebody else's files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Marks a folder as steelsim output; holds the scenario name.
pub(crate) const MARKER: &str = ".steelsim-output";

/// Why results cannot be written where asked.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder exists and is not ours.
    #[error("{} exists and is not a steelsim output folder (it has no {MARKER} file); choose a new or empty folder with --out", .0.display())]
    NotOurs(PathBuf),
    /// The folder holds another scenario's results.
    #[error("{} holds results of scenario `{other}`, not `{ours}`; pass --force to replace them, or choose another folder with --out", path.display())]
    OtherScenario {
        /// The folder.
        path: PathBuf,
        /// The scenario whose results are there.
        other: String,
        /// The scenario being run.
        ours: String,
    },
    /// The user interrupted the command before the results were complete.
    #[error("interrupted; nothing was written and {} is as it was", .0.display())]
    Interrupted(PathBuf),
    /// A file system operation failed.
    #[error("cannot write results to {}: {source}", path.display())]
    Io {
        /// Where.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A file's contents could not be made (a table, a JSON document, a figure).
    #[error("cannot write results to {}: {reason}", path.display())]
    Render {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// Checks that results for `scenario` may be written to `dir`.
pub(crate) fn check_destination(dir: &Path, scenario: &str, force: bool) -> Result<(), OutputError> {
    if !dir.exists() {
        return Ok(());
    }
    let marker = dir.join(MARKER);
    match fs::read_to_string(&marker) {
        Ok(owner) if owner.trim() == scenario || force => Ok(()),
        Ok(owner) => Err(OutputError::OtherScenario {
            path: dir.to_path_buf(),
            other: owner.trim().to_string(),
            ours: scenario.to_string(),
        }),
        Err(_) => {
            let empty = fs::read_dir(dir).map_err(io_err(dir))?.next().is_none();
            if empty { Ok(()) } else { Err(OutputError::NotOurs(dir.to_path_buf())) }
        }
    }
}

/// A staging folder whose files become the output folder on [`commit`](Self::commit).
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates the staging folder for results of `scenario` bound for `target`.
    pub fn new(target: &Path, scenario: &str, force: bool) -> Result<Staging, OutputError> {
        check_destination(target, scenario, force)?;
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io_err(parent))?;
        let leaf = target.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let dir = parent.join(format!(".{leaf}.partial-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(io_err(&dir))?;
        let staging = Staging { target: target.to_path_buf(), dir, committed: false };
        staging.write(MARKER, format!("{scenario}\n").as_bytes())?;
        Ok(staging)
    }

    /// Where a file being staged lives.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes a whole file into the staging folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let p = self.path(name);
        fs::write(&p, bytes).map_err(io_err(&p))
    }

    /// Moves the staged files into place, replacing the previous results.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let target = self.target.clone();
        // Last moment to honour Ctrl-C: after this the new set replaces the old one whole.
        if crate::experiment::interrupt::stop_requested() {
            return Err(OutputError::Interrupted(target));
        }
        if target.exists() {
            let old = self.dir.with_extension("old");
            fs::rename(&target, &old).map_err(io_err(&target))?;
            fs::rename(&self.dir, &target).map_err(io_err(&target))?;
            fs::remove_dir_all(&old).map_err(io_err(&old))?;
        } else {
            fs::rename(&self.dir, &target).map_err(io_err(&target))?;
        }
        self.committed = true;
        Ok(target)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Replaces `dir/figures/` (and `dir/report.html`) with freshly drawn ones: everything is
/// written aside first and renamed into place, so an interruption leaves the old set whole.
pub(crate) fn replace_figures(
    dir: &Path,
    figures: &[super::chart::Figure],
    report: Option<&str>,
) -> Result<(), OutputError> {
    let tmp = dir.join(format!(".figures.partial-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io_err(&tmp))?;
    }
    fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
    for f in figures {
        let svg = tmp.join(format!("{}.svg", f.name));
        fs::write(&svg, &f.svg).map_err(io_err(&svg))?;
        let png = tmp.join(format!("{}.png", f.name));
        fs::write(&png, &f.png).map_err(io_err(&png))?;
    }
    let report_tmp = dir.join(format!(".report.html.partial-{}", std::process::id()));
    if let Some(page) = report {
        fs::write(&report_tmp, page).map_err(io_err(&report_tmp))?;
    }
    let target = dir.join("figures");
    if target.exists() {
        let old = dir.join(format!(".figures.old-{}", std::process::id()));
        fs::rename(&target, &old).map_err(io_err(&target))?;
        fs::rename(&tmp, &target).map_err(io_err(&target))?;
        fs::remove_dir_all(&old).map_err(io_err(&old))?;
    } else {
        fs::rename(&tmp, &target).map_err(io_err(&target))?;
    }
    if report.is_some() {
        let page = dir.join("report.html");
        fs::rename(&report_tmp, &page).map_err(io_err(&page))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_only_our_own_folders() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let s = Staging::new(&target, "a", false).unwrap();
        s.write("summary.json", b"{}").unwrap();
        s.commit().unwrap();
        assert!(target.join("summary.json").exists());

        // Same scenario: replaced. Another scenario: refused unless forced.
        Staging::new(&target, "a", false).unwrap().commit().unwrap();
        assert!(!target.join("summary.json").exists(), "the new set replaces the old one whole");
        assert!(matches!(Staging::new(&target, "b", false), Err(OutputError::OtherScenario { .. })));
        Staging::new(&target, "b", true).unwrap().commit().unwrap();

        // A folder we did not write is never replaced.
        let foreign = root.path().join("mine");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("notes.txt"), "keep me").unwrap();
        assert!(matches!(Staging::new(&foreign, "a", true), Err(OutputError::NotOurs(_))));
        assert!(foreign.join("notes.txt").exists());
    }

    #[test]
    fn an_abandoned_staging_folder_leaves_nothing_behind() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        {
            let s = Staging::new(&target, "a", false).unwrap();
            s.write("summary.json", b"{").unwrap();
        }
        assert!(!target.exists());
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0);
    }
}
