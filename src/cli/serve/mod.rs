//! `steelsim serve`: a local page where a planner changes a capacity and sees the promise
//! change, and the JSON API behind it (docs/api.md).
//!
//! The page, its script and its style are compiled in (`page.html`): nothing is fetched from
//! elsewhere. Runs go to the replication thread pool on a blocking thread, never on the async
//! runtime; one runs at a time, and a newer request cancels the one running. The unchanged
//! scenario's run is kept for the last seed and count (and made at start for the page's
//! defaults), so a what-if costs one run.

mod api;
mod params;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::CliError;
use crate::scenario;

/// Largest request body accepted, bytes: a what-if is a few overrides, not a scenario.
const MAX_BODY: usize = 64 * 1024;

/// Most bytes of a request declared larger than [`MAX_BODY`] that are read (and dropped)
/// before it is refused. A client that sends its whole body before reading the answer then
/// reads the 413, instead of a connection reset by a server that closed with its body unread.
const DRAIN: usize = 1024 * 1024;

/// What `serve` is started with.
#[derive(Debug)]
pub(crate) struct ServeOptions {
    /// The scenario every what-if starts from.
    pub scenario: PathBuf,
    /// Address to bind (127.0.0.1 unless `--bind` says otherwise).
    pub bind: IpAddr,
    /// Port (0: any free one).
    pub port: u16,
    /// Most replications a request may ask for.
    pub max_replications: u64,
    /// Worker threads for the runs (one per core if `None`).
    pub threads: Option<usize>,
    /// Open the page in a browser once serving.
    pub open: bool,
}

/// Serves until Ctrl-C (or SIGTERM).
pub(crate) fn serve(o: ServeOptions) -> Result<(), CliError> {
    // Checked once here, so that a bad scenario stops the command, not each request.
    let base = scenario::load(&o.scenario)?;
    stderr!("{}", base.notes);
    let state =
        Arc::new(api::State::new(o.scenario.clone(), base, o.max_replications, o.threads, o.bind.is_loopback()));
    let app = Router::new()
        .route("/", get(api::page))
        .route("/api/parameters", get(params::parameters))
        .route("/api/progress", get(api::progress))
        .route("/api/run", post(api::run))
        .route("/api/whatif", post(api::whatif))
        .route("/api/scenario", post(api::scenario_text))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(refuse_large))
        .with_state(state.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(o.bind, o.port))
            .await
            .map_err(|e| CliError::Usage(format!("cannot listen on {}:{}: {e}", o.bind, o.port)))?;
        let addr = listener.local_addr().map_err(|e| CliError::Usage(e.to_string()))?;
        let url = format!("http://{addr}/");
        // The first line is the address: scripts and tests read it.
        stdoutln!("Serving {} at {url} (Ctrl-C stops)", state.name());
        if o.open {
            open_browser(&url);
        }
        let warming = state.clone();
        tokio::spawn(async move { api::warm(&warming).await });
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|e| CliError::Usage(format!("the server stopped: {e}")))
    })?;
    stderrln!("stopped");
    Ok(())
}

/// Refuses a request whose declared length is over [`MAX_BODY`] with 413, after reading what
/// it sends up to [`DRAIN`]. (A body sent without a length is still cut at `MAX_BODY` by
/// `DefaultBodyLimit`.)
async fn refuse_large(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        let _ = axum::body::to_bytes(req.into_body(), DRAIN).await;
        let say = format!("the request is larger than {} kB: a what-if is a few changes", MAX_BODY / 1024);
        return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, say).into_response();
    }
    next.run(req).await
}

/// Ctrl-C or SIGTERM: the handler every command installs sets the process's stop flag
/// (which also stops a run in progress); the server looks at it ten times a second.
async fn shutdown() {
    while !crate::experiment::interrupt::stop_requested() {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Asks the desktop to open `url`; says so if it cannot, and goes on serving.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    if std::process::Command::new(opener).arg(url).spawn().is_err() {
        stderrln!("could not start {opener}: open {url} in a browser");
    }
}
