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
    /// The path cannot be a folder: it is a file, lies under a file, or is a broken link.
    #[error("{} cannot hold results: {why}; choose a folder with --out", path.display())]
    NotAFolder {
        /// The path given.
        path: PathBuf,
        /// What is in the way.
        why: String,
    },
    /// Another steelsim process is writing into the folder.
    #[error("another steelsim (process {pid}) is writing into {}; wait for it, or choose another folder with --out", path.display())]
    Busy {
        /// The folder.
        path: PathBuf,
        /// The other process.
        pid: u32,
    },
    /// The user interrupted the command before the results were complete.
    #[error("interrupted; nothing was written and {} is as it was", .0.display())]
    Interrupted(PathBuf),
    /// The folder cannot be made or written into (no permission, a read-only file system).
    #[error("cannot write into {}: {source}; choose a folder you can write to with --out", path.display())]
    Unwritable {
        /// The folder as the user gave it.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
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

/// Where results for `dir` really go: an existing folder (or a link to one) by its real
/// path, so that `.` or a symbolic link is written into rather than replaced; a new folder
/// under existing folders as given. Anything else (a file, a path under a file, a broken
/// link) is refused here, before any work is done.
fn resolve(dir: &Path) -> Result<PathBuf, OutputError> {
    let not_a_folder = |why: &str| OutputError::NotAFolder { path: dir.to_path_buf(), why: why.to_string() };
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => match fs::metadata(dir) {
            Ok(m) if m.is_dir() => fs::canonicalize(dir).map_err(io_err(dir)),
            Ok(_) => Err(not_a_folder("it is a link to a file")),
            Err(_) => Err(not_a_folder("it is a link to nothing")),
        },
        Ok(meta) if meta.is_dir() => fs::canonicalize(dir).map_err(io_err(dir)),
        Ok(_) => Err(not_a_folder("it is a file")),
        Err(_) => {
            // A new folder: every ancestor that exists must be a folder.
            for a in dir.ancestors().skip(1).filter(|a| !a.as_os_str().is_empty()) {
                if let Ok(m) = fs::metadata(a) {
                    return if m.is_dir() {
                        Ok(dir.to_path_buf())
                    } else {
                        Err(not_a_folder(&format!("{} is a file", a.display())))
                    };
                }
            }
            Ok(dir.to_path_buf())
        }
    }
}

/// The folder a target lives in, and the target's own name.
fn parent_and_leaf(target: &Path) -> (PathBuf, String) {
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let leaf = target.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    (parent.to_path_buf(), leaf)
}

/// Whether process `pid` is still running (on systems without `/proc`, assume it is).
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.exists() || pid == std::process::id() || proc.join(pid.to_string()).exists()
}

/// Removes what interrupted steelsim processes left in `parent`: entries named
/// `{prefix}-PID` whose process is gone (a staging folder, a backup, a lock).
fn clean_stale(parent: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('-')) else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if !alive(pid) {
            let path = e.path();
            let gone = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
            if gone.is_ok() {
                stderrln!("note: removed {}, left by an interrupted steelsim (process {pid})", path.display());
            }
        }
    }
}

/// Checks that results for `scenario` may be written to `dir`.
fn check_resolved(dir: &Path, shown: &Path, scenario: &str, force: bool) -> Result<(), OutputError> {
    if !dir.exists() {
        return Ok(());
    }
    let marker = dir.join(MARKER);
    match fs::read_to_string(&marker) {
        Ok(owner) if owner.trim() == scenario || force => Ok(()),
        Ok(owner) => Err(OutputError::OtherScenario {
            path: shown.to_path_buf(),
            other: owner.trim().to_string(),
            ours: scenario.to_string(),
        }),
        Err(_) => {
            let empty = fs::read_dir(dir).map_err(io_err(dir))?.next().is_none();
            if empty { Ok(()) } else { Err(OutputError::NotOurs(shown.to_path_buf())) }
        }
    }
}

/// The right to write into a folder, held from before the work starts until the results are
/// in place: a second steelsim aiming at the same folder is refused at once rather than
/// failing after its whole run. Dropping it gives the folder up.
#[derive(Debug)]
pub(crate) struct Reservation {
    lock: Option<PathBuf>,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(lock) = self.lock.take() {
            let _ = fs::remove_file(lock);
        }
    }
}

/// Checks that results for `scenario` may be written to `dir` (a folder steelsim wrote for
/// the same scenario, an empty or new folder, or any steelsim folder with `force`) and
/// reserves it for this process. Call it before simulating, and keep the reservation until
/// the results are written.
pub(crate) fn check_destination(dir: &Path, scenario: &str, force: bool) -> Result<Reservation, OutputError> {
    let target = resolve(dir)?;
    check_resolved(&target, dir, scenario, force)?;
    let (parent, leaf) = parent_and_leaf(&target);
    if !parent.exists() {
        // Nothing can be in the way yet; the lock is taken once the folder's parent exists.
        // But the folders must be possible to make: a trial one in the nearest folder that
        // exists says so now, not after the run.
        // (A relative path's last ancestor, "", never exists: the current folder stands for it.)
        let ancestor = parent.ancestors().find(|a| a.exists()).unwrap_or(Path::new("."));
        let trial = ancestor.join(format!(".steelsim-trial-{}", std::process::id()));
        fs::create_dir(&trial).map_err(|source| OutputError::Unwritable { path: dir.to_path_buf(), source })?;
        let _ = fs::remove_dir(&trial);
        return Ok(Reservation { lock: None });
    }
    clean_stale(&parent, &format!(".{leaf}.partial"));
    clean_stale(&parent, &format!(".{leaf}.old"));
    let lock = parent.join(format!(".{leaf}.lock"));
    if let Ok(text) = fs::read_to_string(&lock)
        && let Ok(pid) = text.trim().parse::<u32>()
    {
        if pid == std::process::id() {
            return Ok(Reservation { lock: None }); // already ours: the outer reservation frees it
        }
        if alive(pid) {
            return Err(OutputError::Busy { path: dir.to_path_buf(), pid });
        }
        stderrln!("note: removed {}, left by an interrupted steelsim (process {pid})", lock.display());
    }
    fs::write(&lock, format!("{}\n", std::process::id()))
        .map_err(|source| OutputError::Unwritable { path: dir.to_path_buf(), source })?;
    Ok(Reservation { lock: Some(lock) })
}

/// A staging folder whose files become the output folder on [`commit`](Self::commit).
#[derive(Debug)]
pub(crate) struct Staging {
    /// Where the results go (a real path).
    target: PathBuf,
    /// The path as the user gave it, for messages.
    shown: PathBuf,
    dir: PathBuf,
    committed: bool,
    _reservation: Reservation,
}

impl Staging {
    /// Creates the staging folder for results of `scenario` bound for `target`.
    pub(crate) fn new(target: &Path, scenario: &str, force: bool) -> Result<Staging, OutputError> {
        let resolved = resolve(target)?;
        let (parent, leaf) = parent_and_leaf(&resolved);
        let unwritable = |source| OutputError::Unwritable { path: target.to_path_buf(), source };
        fs::create_dir_all(&parent).map_err(unwritable)?;
        let reservation = check_destination(target, scenario, force)?;
        let dir = parent.join(format!(".{leaf}.partial-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(unwritable)?;
        let staging =
            Staging { target: resolved, shown: target.to_path_buf(), dir, committed: false, _reservation: reservation };
        staging.write(MARKER, format!("{scenario}\n").as_bytes())?;
        Ok(staging)
    }

    /// Where a file being staged lives.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes a whole file into the staging folder.
    pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let p = self.path(name);
        fs::write(&p, bytes).map_err(io_err(&p))
    }

    /// Writes a file into the staging folder as `fill` produces it (a file too large to
    /// hold in memory first).
    pub(crate) fn write_stream(
        &self,
        name: &str,
        fill: impl FnOnce(&mut std::io::BufWriter<fs::File>) -> std::io::Result<()>,
    ) -> Result<(), OutputError> {
        use std::io::Write;
        let p = self.path(name);
        let mut w = std::io::BufWriter::new(fs::File::create(&p).map_err(io_err(&p))?);
        fill(&mut w).and_then(|()| w.flush()).map_err(io_err(&p))
    }

    /// Moves the staged files into place, replacing the previous results; returns the
    /// folder as the user named it.
    pub(crate) fn commit(mut self) -> Result<PathBuf, OutputError> {
        let target = self.target.clone();
        // Last moment to honour Ctrl-C: after this the new set replaces the old one whole.
        if crate::experiment::interrupt::stop_requested() {
            return Err(OutputError::Interrupted(self.shown.clone()));
        }
        if target.exists() {
            let (parent, leaf) = parent_and_leaf(&target);
            let old = parent.join(format!(".{leaf}.old-{}", std::process::id()));
            fs::rename(&target, &old).map_err(io_err(&target))?;
            fs::rename(&self.dir, &target).map_err(io_err(&target))?;
            fs::remove_dir_all(&old).map_err(io_err(&old))?;
        } else {
            fs::rename(&self.dir, &target).map_err(io_err(&target))?;
        }
        self.committed = true;
        Ok(self.shown.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Removes a temporary file or folder unless it was put in place.
struct Temporary(Option<PathBuf>);

impl Drop for Temporary {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = if p.is_dir() { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
        }
    }
}

/// Replaces `dir/figures/` (and `dir/report.html`) with freshly drawn ones: everything is
/// written aside first and renamed into place, so an interruption leaves the old set whole,
/// and a failure (a full disk) leaves nothing behind.
pub(crate) fn replace_figures(
    dir: &Path,
    figures: &[super::chart::Figure],
    report: Option<&str>,
) -> Result<(), OutputError> {
    for stale in [".figures.partial", ".figures.old", ".report.html.partial"] {
        clean_stale(dir, stale);
    }
    let pid = std::process::id();
    let tmp = dir.join(format!(".figures.partial-{pid}"));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io_err(&tmp))?;
    }
    let mut tmp_guard = Temporary(Some(tmp.clone()));
    fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
    for f in figures {
        let svg = tmp.join(format!("{}.svg", f.name));
        fs::write(&svg, &f.svg).map_err(io_err(&svg))?;
        let png = tmp.join(format!("{}.png", f.name));
        fs::write(&png, &f.png).map_err(io_err(&png))?;
    }
    let report_tmp = dir.join(format!(".report.html.partial-{pid}"));
    let mut report_guard = Temporary(None);
    if let Some(page) = report {
        report_guard.0 = Some(report_tmp.clone());
        fs::write(&report_tmp, page).map_err(io_err(&report_tmp))?;
    }
    let target = dir.join("figures");
    if target.exists() {
        let old = dir.join(format!(".figures.old-{pid}"));
        fs::rename(&target, &old).map_err(io_err(&target))?;
        fs::rename(&tmp, &target).map_err(io_err(&target))?;
        tmp_guard.0 = None;
        fs::remove_dir_all(&old).map_err(io_err(&old))?;
    } else {
        fs::rename(&tmp, &target).map_err(io_err(&target))?;
        tmp_guard.0 = None;
    }
    if report.is_some() {
        let page = dir.join("report.html");
        fs::rename(&report_tmp, &page).map_err(io_err(&page))?;
        report_guard.0 = None;
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
