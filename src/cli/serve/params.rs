//! What the page offers (`GET /api/parameters`): the scenario's key parameters in words, with
//! their units, the scenario's values and the range the page allows.

use std::sync::Arc;

use axum::extract::State as Shared;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::api::{ApiError, DEFAULT_REPLICATIONS, DEFAULT_SEED, State, allowed};
use crate::report::labels::Labels;
use crate::scenario;

/// One parameter the page offers.
#[derive(Debug, Serialize)]
struct Parameter {
    /// The path `set` takes.
    path: String,
    /// In words.
    label: String,
    unit: &'static str,
    /// The scenario's value.
    value: f64,
    /// Whole numbers only.
    integer: bool,
    min: f64,
    max: f64,
    /// A factor on the scenario's value (a duration or distribution), sent under `scale`.
    scale: bool,
}

#[derive(Debug, Serialize)]
struct Parameters {
    scenario: String,
    description: Option<String>,
    replications: u64,
    seed: u64,
    max_replications: u64,
    start: String,
    deadline: String,
    parameters: Vec<Parameter>,
}

/// What a numeric field is: its unit, whether it is whole, and its bounds around `value`.
fn kind(path: &str, value: f64) -> Option<(&'static str, bool, f64, f64)> {
    let field = path.rsplit('.').next().unwrap_or(path);
    Some(match field {
        "capacity" => ("in parallel", true, 1.0, (4.0 * value).max(value + 10.0)),
        "units" => ("carriers", true, 0.0, (4.0 * value).max(value + 10.0)),
        "rate_t_per_day" => ("t/day", false, value / 10.0, 4.0 * value),
        "tolerance_pct" => ("%", false, 0.0, 100.0),
        "price_per_t" => ("USD/t", false, 0.0, 10.0 * value),
        _ => return None,
    })
}

/// A parameter's path in words: its place and stage (or pool) by their labels, then the field.
fn describe(path: &str, table: &toml::Table, labels: &Labels) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let field = match parts.last().copied().unwrap_or(path) {
        "rate_t_per_day" => "rate".to_string(),
        "tolerance_pct" => "tolerance".to_string(),
        "price_per_t" => "price".to_string(),
        "units" => "fleet".to_string(),
        other => other.replace('_', " "),
    };
    match parts.as_slice() {
        ["nodes" | "mills", place, stage, _] => {
            let (section, i) = (parts[0], stage.trim_start_matches("stages[").trim_end_matches(']'));
            let name = i.parse::<usize>().ok().and_then(|i| {
                let stages = table.get(section)?.get(*place)?.get("stages")?.as_array()?;
                Some(stages.get(i)?.get("name")?.as_str()?.to_string())
            });
            match name {
                Some(n) => format!("{}: {field}", labels.stage(&format!("{place}.{n}"), "server")),
                None => format!("{}: {field}", labels.place(place)),
            }
        }
        ["mills" | "nodes", place, _] => format!("{}: {field}", labels.place(place)),
        ["pools", pool, _] => format!("{}: {field}", labels.pool(pool)),
        ["contract", _] => format!("contract: {field}"),
        _ => path.to_string(),
    }
}

/// `GET /api/parameters`.
pub(super) async fn parameters(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Result<Response, ApiError> {
    allowed(&headers, &state, false)?;
    let t = &state.table;
    let mut paths = scenario::params::key_parameters(t);
    paths.extend(["contract.tolerance_pct", "contract.price_per_t"].map(String::from));
    let parameters = paths
        .into_iter()
        .filter_map(|path| {
            let label = describe(&path, t, &state.labels);
            let value = match scenario::params::get(t, &path)? {
                toml::Value::Integer(i) => *i as f64,
                toml::Value::Float(x) => *x,
                // Times and distributions move by a factor, as the tornado moves them.
                other => {
                    scenario::params::scale(other, 1.0)?;
                    let (unit, value, min, max) = ("x the scenario's", 1.0, 0.25, 4.0);
                    return Some(Parameter { path, label, unit, value, integer: false, min, max, scale: true });
                }
            };
            let (unit, integer, min, max) = kind(&path, value)?;
            Some(Parameter { path, label, unit, value, integer, min, max, scale: false })
        })
        .collect();
    let w = &state.base.world;
    Ok(axum::Json(Parameters {
        scenario: w.name.clone(),
        description: t.get("description").and_then(toml::Value::as_str).map(String::from),
        replications: DEFAULT_REPLICATIONS.min(state.max_replications),
        seed: DEFAULT_SEED,
        max_replications: state.max_replications,
        start: w.start.to_string(),
        // The deadline is the end of its day: the date of its last second.
        deadline: crate::model::units::date_after(
            w.start,
            crate::model::units::days(w.deadline.value()) - 1.0 / 86_400.0,
        ),
        parameters,
    })
    .into_response())
}
