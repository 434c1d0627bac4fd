//! A process-wide "please stop" flag, set by Ctrl-C (or SIGTERM) and polled by long loops.
//!
//! Replications check it before each one starts and every few thousand events while they run,
//! and an output folder checks it before it is renamed into place, so an interrupted command writes nothing and leaves earlier results
//! as they were. Polling an atomic costs nothing next to a replication, and keeps signal
//! handling out of the simulation code.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every running loop to stop at its next check.
pub(crate) fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// The flag itself, for a replication to poll while it runs.
pub(crate) fn flag() -> &'static AtomicBool {
    &STOP
}

/// Whether a stop was requested.
pub(crate) fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Routes Ctrl-C and SIGTERM to [`request_stop`]. A second Ctrl-C ends the process at once
/// (exit 130), for a user who will not wait; the previous results are still intact then,
/// though a hidden `.NAME.partial-PID` folder may be left beside them.
pub(crate) fn install_handler() -> Result<(), ctrlc::Error> {
    ctrlc::set_handler(|| {
        if stop_requested() {
            std::process::exit(130);
        }
        stderrln!("\ninterrupted: stopping the replications in progress; nothing will be written");
        request_stop();
    })
}
