//! The JSON API of `steelsim serve` (docs/api.md): the scenario's parameters, a run with
//! overrides (the same JSON as `summary.json`), a what-if against the unchanged scenario on the
//! same random numbers, and the scenario text that reproduces a what-if.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::State as Shared;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::analysis::Point;
use crate::analysis::compare::{Comparison, compare_means};
use crate::analysis::summary::{Summary, build};
use crate::experiment::{Row, RunError, Runner, indices};
use crate::model::World;
use crate::report::labels::Labels;
use crate::scenario::{self, LoadError, Override, Scenario};

/// The page, with its script and style, compiled in.
const PAGE: &str = include_str!("page.html");

/// Replications when a request names none (as `steelsim run`).
pub(super) const DEFAULT_REPLICATIONS: u64 = 1000;
/// Seed when a request names none (as `steelsim run`).
pub(super) const DEFAULT_SEED: u64 = 1;
/// Most overrides in one request.
const MAX_OVERRIDES: usize = 64;
/// Points per completion curve sent to the page.
const CURVE_POINTS: usize = 200;

/// A seed and a count of replications: what makes two runs of one scenario the same run.
type RunKey = (u64, u64);

/// The unchanged scenario's run for one seed and count.
struct BaseRun {
    key: RunKey,
    rows: Vec<Row>,
    summary: Summary,
}

/// What every request shares.
pub(super) struct State {
    path: PathBuf,
    pub(super) base: Scenario,
    pub(super) table: toml::Table,
    pub(super) labels: Labels,
    pub(super) max_replications: u64,
    threads: Option<usize>,
    /// One run at a time: runs use every core. The guard goes with the run to its blocking
    /// thread, so a request whose client went away still holds it until its run has stopped.
    running: Arc<tokio::sync::Mutex<()>>,
    /// Only loopback clients may call (the server binds a loopback address).
    loopback_only: bool,
    /// The flag of the newest request: a newer one sets it, and the run stops.
    newest: Mutex<Option<Arc<AtomicBool>>>,
    /// The start-up run of the unchanged scenario: its seed and count, and its flag, which a
    /// request for another seed or count sets (one for the same waits for it and uses it).
    warming: Mutex<Option<(RunKey, Arc<AtomicBool>)>>,
    /// The unchanged scenario's last run.
    base_run: Mutex<Option<Arc<BaseRun>>>,
    /// How far the run in progress is.
    progress: Mutex<Progress>,
}

/// How far the run in progress is (`GET /api/progress`).
#[derive(Clone, Copy, Debug, Default, Serialize)]
struct Progress {
    /// Whether a run is going on.
    running: bool,
    /// `scenario` (the unchanged one) or `what-if`.
    phase: &'static str,
    /// Replications finished.
    done: u64,
    /// Replications in this phase.
    of: u64,
}

impl State {
    pub(super) fn new(
        path: PathBuf,
        base: Scenario,
        max_replications: u64,
        threads: Option<usize>,
        loopback_only: bool,
    ) -> State {
        let table: toml::Table = toml::from_str(&base.source).unwrap_or_default();
        let labels = Labels::from_scenario(Some(&table));
        State {
            path,
            base,
            table,
            labels,
            max_replications,
            threads,
            running: Arc::new(tokio::sync::Mutex::new(())),
            loopback_only,
            newest: Mutex::new(None),
            warming: Mutex::new(None),
            base_run: Mutex::new(None),
            progress: Mutex::new(Progress::default()),
        }
    }

    pub(super) fn name(&self) -> &str {
        &self.base.world.name
    }
}

/// An answer that is not a result: a status and a message (JSON `{"error": ...}`).
#[derive(Debug)]
pub(super) struct ApiError(pub(super) StatusCode, pub(super) String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message.into())
}

impl From<LoadError> for ApiError {
    fn from(e: LoadError) -> Self {
        match e {
            // The scenario file itself went missing or unreadable: the server's trouble.
            LoadError::Io { .. } => ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.render(false)),
            // The same located message as `--set` gives on the command line.
            _ => bad(e.render(false)),
        }
    }
}

impl From<RunError> for ApiError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Interrupted { .. } => ApiError(
                StatusCode::CONFLICT,
                "stopped: a newer request replaced this one, or the server is stopping".into(),
            ),
            other => ApiError(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
        }
    }
}

/// A run or what-if request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    /// Path to value, as `--set PATH=VALUE`.
    #[serde(default)]
    set: BTreeMap<String, serde_json::Value>,
    /// Path to a factor on the scenario's value (a duration, a distribution, a rate), as the
    /// tornado moves them.
    #[serde(default)]
    scale: BTreeMap<String, f64>,
    replications: Option<u64>,
    seed: Option<u64>,
}

/// A request, checked.
struct Checked {
    overrides: Vec<Override>,
    replications: u64,
    seed: u64,
}

/// Whether a request may be served: from a page of this server (its `Host` a loopback
/// address, when the server listens on one: a page of another site cannot reach it by a
/// renamed address) and, for a body, JSON (a form of another site cannot post here unseen).
pub(super) fn allowed(headers: &HeaderMap, state: &State, with_body: bool) -> Result<(), ApiError> {
    if state.loopback_only {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
        if !matches!(name, "127.0.0.1" | "localhost" | "[::1]") {
            return Err(ApiError(
                StatusCode::FORBIDDEN,
                format!("Host `{host}` is not this machine's loopback address"),
            ));
        }
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|t| t.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if with_body && !json {
        return Err(ApiError(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the request as application/json".into()));
    }
    Ok(())
}

fn check(headers: &HeaderMap, body: &Bytes, state: &State) -> Result<Checked, ApiError> {
    allowed(headers, state, true)?;
    let max_replications = state.max_replications;
    let r: Request = if body.is_empty() {
        Request::default()
    } else {
        serde_json::from_slice(body).map_err(|e| bad(format!("the request is not the JSON the API takes: {e}")))?
    };
    if r.set.len() + r.scale.len() > MAX_OVERRIDES {
        return Err(bad(format!("{} overrides: at most {MAX_OVERRIDES}", r.set.len() + r.scale.len())));
    }
    let replications = r.replications.unwrap_or(DEFAULT_REPLICATIONS.min(max_replications));
    if !(1..=max_replications).contains(&replications) {
        return Err(bad(format!(
            "replications: {replications} is not between 1 and {max_replications} (this server's --max-replications)"
        )));
    }
    let mut scaled = Vec::new();
    for (path, factor) in r.scale {
        if r.set.contains_key(&path) {
            return Err(bad(format!("{path} is both in `set` and in `scale`: give one")));
        }
        if !(factor.is_finite() && factor > 0.0) {
            return Err(bad(format!("scale.{path}: {factor} is not a factor greater than zero")));
        }
        let v = scenario::params::get(&state.table, &path)
            .ok_or_else(|| bad(format!("scale.{path}: the scenario has no such field to scale")))?;
        let v = scenario::params::scale(v, factor)
            .ok_or_else(|| bad(format!("scale.{path}: {v} is not a number, duration or distribution")))?;
        scaled.push(Override { path, value: v.to_string(), option: "--set" });
    }
    let overrides = r
        .set
        .into_iter()
        .map(|(path, v)| {
            let value = match v {
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::String(s) => s,
                serde_json::Value::Bool(b) => b.to_string(),
                other => return Err(bad(format!("set.{path}: {other} is not a number or text"))),
            };
            Ok(Override { path, value, option: "--set" })
        })
        .chain(scaled.into_iter().map(Ok))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Checked { overrides, replications, seed: r.seed.unwrap_or(DEFAULT_SEED) })
}

/// Sets a flag when dropped: a request whose client went away stops its run.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Who asks for a run.
#[derive(Clone, Copy, Debug)]
enum Asker {
    /// A request, with the seed and count of the unchanged run it needs (none for `/api/run`).
    Request(Option<RunKey>),
    /// The server at start, for the unchanged scenario at this seed and count.
    Warming(RunKey),
}

/// Runs `work` on a blocking thread once every earlier run has stopped. A request first asks
/// the request in progress to stop (and is the one the next request stops), and the start-up
/// run too unless it makes the unchanged run this request needs. `work` gets the flag that
/// stops it.
async fn exclusive<T: Send + 'static>(
    state: &Arc<State>,
    asker: Asker,
    work: impl FnOnce(&State, &AtomicBool) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let flag = Arc::new(AtomicBool::new(false));
    match asker {
        Asker::Request(needs) => {
            let previous = state.newest.lock().unwrap_or_else(PoisonError::into_inner).replace(flag.clone());
            if let Some(p) = previous {
                p.store(true, Ordering::Relaxed);
            }
            let warming = state.warming.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((key, w)) = warming.as_ref()
                && needs != Some(*key)
            {
                w.store(true, Ordering::Relaxed);
            }
        }
        Asker::Warming(key) => {
            *state.warming.lock().unwrap_or_else(PoisonError::into_inner) = Some((key, flag.clone()));
        }
    }
    let _stop = StopOnDrop(flag.clone());
    let turn = state.running.clone().lock_owned().await;
    if flag.load(Ordering::Relaxed) {
        return Err(RunError::Interrupted { done: 0 }.into());
    }
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work(&state, &flag)
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("the run failed: {e}")))?
}

/// A request checked, and its variant compiled on a blocking thread before any run is stopped
/// for it: a request the scenario refuses leaves the run in progress alone.
async fn prepare(state: &Arc<State>, headers: &HeaderMap, body: &Bytes) -> Result<(Checked, Arc<Scenario>), ApiError> {
    let c = check(headers, body, state)?;
    let (state, overrides) = (state.clone(), c.overrides.clone());
    let sc = tokio::task::spawn_blocking(move || variant(&state, &overrides).map(Arc::new))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("the scenario could not be read: {e}")))??;
    Ok((c, sc))
}

fn simulate(
    state: &State,
    world: &World,
    c: &Checked,
    stop: &AtomicBool,
    phase: &'static str,
) -> Result<(Vec<Row>, Summary), ApiError> {
    let tell = |done: u64, running: bool| {
        *state.progress.lock().unwrap_or_else(PoisonError::into_inner) =
            Progress { running, phase, done, of: c.replications };
    };
    tell(0, true);
    let out = Runner::new(world, c.seed, state.threads)
        .and_then(|r| r.cancelled_by(stop).run(indices(c.replications, None), &mut |done| tell(done, true)));
    tell(0, false);
    let out = out?;
    let summary = build(world, c.seed, &out);
    Ok((out.rows.to_vec(), summary))
}

fn variant(state: &State, overrides: &[Override]) -> Result<Scenario, ApiError> {
    Ok(scenario::load_with(&state.path, overrides)?)
}

/// The unchanged scenario's run for this seed and count: kept from the last request, or run.
fn base_run(state: &State, c: &Checked, stop: &AtomicBool) -> Result<Arc<BaseRun>, ApiError> {
    let key = (c.seed, c.replications);
    if let Some(b) = state.base_run.lock().unwrap_or_else(PoisonError::into_inner).as_ref().filter(|b| b.key == key) {
        return Ok(b.clone());
    }
    let (rows, summary) = simulate(state, &state.base.world, c, stop, "scenario")?;
    let run = Arc::new(BaseRun { key, rows, summary });
    *state.base_run.lock().unwrap_or_else(PoisonError::into_inner) = Some(run.clone());
    Ok(run)
}

/// Runs the unchanged scenario for the page's defaults before anyone asks, so that the first
/// what-if costs one run too. Any request replaces it (it is then made when needed).
pub(super) async fn warm(state: &Arc<State>) {
    let c = Checked {
        overrides: Vec::new(),
        replications: DEFAULT_REPLICATIONS.min(state.max_replications),
        seed: DEFAULT_SEED,
    };
    // A request for the same seed and count waits for it and finds it kept; one for another
    // stops it (as Ctrl-C does).
    let key = (c.seed, c.replications);
    let _ = exclusive(state, Asker::Warming(key), move |state, stop| base_run(state, &c, stop).map(|_| ())).await;
    *state.warming.lock().unwrap_or_else(PoisonError::into_inner) = None;
}

/// `GET /api/progress`: how far the run in progress is.
pub(super) async fn progress(Shared(state): Shared<Arc<State>>) -> impl IntoResponse {
    axum::Json(*state.progress.lock().unwrap_or_else(PoisonError::into_inner))
}

/// `GET /`: the page.
pub(super) async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// `POST /api/run`: the summary of the scenario with `set` applied, exactly as `summary.json`.
pub(super) async fn run(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (c, sc) = prepare(&state, &headers, &body).await?;
    let bytes = exclusive(&state, Asker::Request(None), move |state, stop| {
        let (_, summary) = simulate(state, &sc.world, &c, stop, "run")?;
        crate::report::json_bytes(&summary).map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// The share of replications complete by each day: at most [`CURVE_POINTS`] steps.
fn curve(rows: &[Row], point: Point) -> Vec<[f64; 2]> {
    let mut days: Vec<f64> = rows.iter().filter_map(|r| point.days(r)).collect();
    days.sort_by(f64::total_cmp);
    let n = rows.len().max(1);
    let m = days.len().min(CURVE_POINTS);
    (1..=m)
        .map(|k| {
            let i = (k * days.len()).div_ceil(m) - 1;
            [days[i], (i + 1) as f64 / n as f64]
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct Curves {
    destination: Vec<[f64; 2]>,
    handover: Vec<[f64; 2]>,
}

impl Curves {
    fn of(rows: &[Row]) -> Curves {
        Curves { destination: curve(rows, Point::Destination), handover: curve(rows, Point::Handover) }
    }
}

#[derive(Debug, Serialize)]
struct WhatIf {
    seed: u64,
    replications: u64,
    base: Summary,
    variant: Summary,
    comparison: Comparison,
    curves: BTreeMap<&'static str, Curves>,
    /// The what-if's busiest resource, in words.
    bottleneck: Option<String>,
    /// Seconds the server took (waiting for an earlier run not counted).
    seconds: f64,
}

/// `POST /api/whatif`: the scenario with `set` applied against the unchanged one, on the
/// same random numbers.
pub(super) async fn whatif(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let began = std::time::Instant::now();
    let (c, sc) = prepare(&state, &headers, &body).await?;
    let compiling = began.elapsed();
    let key = (c.seed, c.replications);
    let answer = exclusive(&state, Asker::Request(Some(key)), move |state, stop| {
        let began = std::time::Instant::now() - compiling;
        let base = base_run(state, &c, stop)?;
        // Nothing changed (the page's first load): the what-if is the scenario.
        let (rows, summary) = if c.overrides.is_empty() {
            (base.rows.clone(), base.summary.clone())
        } else {
            simulate(state, &sc.world, &c, stop, "what-if")?
        };
        let comparison = compare_means((&state.base.world, &base.rows), &[(&sc.world, &rows)], c.seed);
        let curves = BTreeMap::from([("base", Curves::of(&base.rows)), ("variant", Curves::of(&rows))]);
        let bottleneck = summary.bottleneck.as_ref().map(|b| state.labels.stage(&b.stage, &b.kind));
        Ok(WhatIf {
            seed: c.seed,
            replications: c.replications,
            base: base.summary.clone(),
            variant: summary,
            comparison,
            curves,
            bottleneck,
            seconds: began.elapsed().as_secs_f64(),
        })
    })
    .await?;
    Ok(axum::Json(answer).into_response())
}

/// `POST /api/scenario`: the scenario as a what-if runs it, as TOML that `steelsim run`
/// reproduces it from.
pub(super) async fn scenario_text(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (c, sc) = prepare(&state, &headers, &body).await?;
    // Quoted, so that a value with a line break cannot leave the comment.
    let changes: Vec<String> = c.overrides.iter().map(|o| format!("#   {} = {:?}", o.path, o.value)).collect();
    let text = format!(
        "# A what-if of {} made with `steelsim serve`{}\n{}\n# The page's numbers again:\n#   steelsim run THIS_FILE.toml -n {} --seed {} --out output/whatif\n\n{}",
        state.path.display(),
        if changes.is_empty() { ": unchanged" } else { ", changing:" },
        changes.join("\n"),
        c.replications,
        c.seed,
        sc.source
    );
    let name = format!("attachment; filename=\"{}-whatif.toml\"", state.base.world.name);
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, name)], text)
        .into_response())
}
