//! `docs/summary.schema.json` is the contract harnesses code against: it must be what the
//! program generates, and real `summary.json` files must conform to it.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn schema() -> Value {
    steelsim::analysis::summary::json_schema()
}

#[test]
fn the_shipped_schema_is_the_generated_one() {
    let shipped: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/summary.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(
        shipped == schema(),
        "docs/summary.schema.json is stale: regenerate it with `cargo run -- schema summary > docs/summary.schema.json`"
    );
}

/// A validator for the subset of JSON Schema that schemars emits for our types: `$ref`
/// into `$defs`, `type` (one or several), `minimum`/`exclusiveMinimum`, `properties`/`required`, `additionalProperties`,
/// `items` with `minItems`/`maxItems`, `anyOf`, `enum` and `const`. Unknown keywords fail
/// the test, so a schema that grows past this subset cannot pass unchecked.
fn check(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        errors.push(format!("{at}: schema is not an object"));
        return;
    };
    for key in obj.keys() {
        let known = [
            "$ref",
            "$schema",
            "$id",
            "$defs",
            "title",
            "description",
            "format",
            "minimum",
            "exclusiveMinimum",
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minItems",
            "maxItems",
            "anyOf",
            "enum",
            "const",
        ];
        if !known.contains(&key.as_str()) {
            errors.push(format!("{at}: the test does not understand keyword `{key}`"));
        }
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        match root["$defs"].get(name) {
            Some(def) => check(root, def, value, at, errors),
            None => errors.push(format!("{at}: dangling $ref {r}")),
        }
    }
    if let Some(t) = obj.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let ok = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !ok {
            errors.push(format!("{at}: {actual} where the schema says {types:?}"));
        }
    }
    if let Some(min) = obj.get("minimum").and_then(Value::as_f64)
        && value.as_f64().is_some_and(|v| v < min)
    {
        errors.push(format!("{at}: {value} is below the minimum {min}"));
    }
    if let Some(min) = obj.get("exclusiveMinimum").and_then(Value::as_f64)
        && value.as_f64().is_some_and(|v| v <= min)
    {
        errors.push(format!("{at}: {value} is not above {min}"));
    }
    if let Some(c) = obj.get("const")
        && c != value
    {
        errors.push(format!("{at}: {value} is not the constant {c}"));
    }
    if let Some(e) = obj.get("enum").and_then(Value::as_array)
        && !e.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {e:?}"));
    }
    if let Some(any) = obj.get("anyOf").and_then(Value::as_array) {
        let fits = any.iter().any(|s| {
            let mut e = Vec::new();
            check(root, s, value, at, &mut e);
            e.is_empty()
        });
        if !fits {
            errors.push(format!("{at}: {value} fits none of the alternatives"));
        }
    }
    if let Value::Object(map) = value {
        let props = obj.get("properties").and_then(Value::as_object);
        for req in obj.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = req.as_str().unwrap_or_default();
            if !map.contains_key(key) {
                errors.push(format!("{at}: required field `{key}` is missing"));
            }
        }
        for (k, v) in map {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check(root, s, v, &format!("{at}.{k}"), errors),
                // A field the schema does not describe is undocumented output.
                None if props.is_some() || obj.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{at}: field `{k}` is not in the schema"))
                }
                // A map (named tables): every value follows the one schema.
                None => {
                    if let Some(s @ Value::Object(_)) = obj.get("additionalProperties") {
                        check(root, s, v, &format!("{at}.{k}"), errors);
                    }
                }
            }
        }
    }
    if let Value::Array(items) = value {
        if let Some(n) = obj.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < n
        {
            errors.push(format!("{at}: {} items, fewer than {n}", items.len()));
        }
        if let Some(n) = obj.get("maxItems").and_then(Value::as_u64)
            && (items.len() as u64) > n
        {
            errors.push(format!("{at}: {} items, more than {n}", items.len()));
        }
        if let Some(s) = obj.get("items") {
            for (i, v) in items.iter().enumerate() {
                check(root, s, v, &format!("{at}[{i}]"), errors);
            }
        }
    }
}

fn errors_of(summary: &Value) -> Vec<String> {
    let root = schema();
    let mut errors = Vec::new();
    check(&root, &root, summary, "summary", &mut errors);
    errors
}

#[test]
fn a_real_summary_conforms_to_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The tiny fixture has a strike and background traffic; its censored and lossy
    // replications exercise the null bounds and the `incomplete` section.
    let out = Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(["run", "tests/fixtures/tiny.toml", "-n", "40", "--seed", "3", "--json", "--out"])
        .arg(dir.path().join("out"))
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON and nothing else");
    let errors = errors_of(&summary);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_validator_rejects_what_breaks_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(["run", "tests/fixtures/tiny.toml", "-n", "5", "--json", "--out"])
        .arg(dir.path().join("out"))
        .current_dir(root)
        .output()
        .unwrap();
    let good: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(errors_of(&good).is_empty());
    let mut extra = good.clone();
    extra["surprise"] = 1.into();
    assert!(errors_of(&extra).iter().any(|e| e.contains("surprise")));
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("p_on_time");
    assert!(errors_of(&missing).iter().any(|e| e.contains("p_on_time")));
    let mut wrong = good.clone();
    wrong["stages"][0]["lots"] = "many".into();
    assert!(errors_of(&wrong).iter().any(|e| e.contains("summary.stages[0].lots")));
    let mut version = good;
    version["schema_version"] = 99.into();
    assert!(errors_of(&version).iter().any(|e| e.contains("constant")));
}

// ----- the scenario format ---------------------------------------------------------------

fn scenario_schema() -> Value {
    steelsim::scenario::scenario_schema()
}

/// A TOML document as an editor's schema checker sees it: dates become strings.
fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect()),
    }
}

fn scenario_errors(text: &str) -> Vec<String> {
    let doc: toml::Value = toml::from_str(text).unwrap();
    let root = scenario_schema();
    let mut errors = Vec::new();
    check(&root, &root, &toml_to_json(&doc), "scenario", &mut errors);
    errors
}

#[test]
fn the_shipped_scenario_schema_is_the_generated_one() {
    let shipped: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(
        shipped == scenario_schema(),
        "docs/scenario.schema.json is stale: regenerate it with `cargo run -- schema scenario > docs/scenario.schema.json`"
    );
}

#[test]
fn every_shipped_scenario_and_the_starter_fit_the_scenario_schema() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    for f in files {
        let errors = scenario_errors(&std::fs::read_to_string(&f).unwrap());
        assert!(errors.is_empty(), "{}:\n{}", f.display(), errors.join("\n"));
    }
    let errors = scenario_errors(steelsim::cli::STARTER);
    assert!(errors.is_empty(), "starter:\n{}", errors.join("\n"));
}

#[test]
fn the_scenario_schema_catches_what_an_editor_should_flag() {
    let good = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml")).unwrap();
    let misspelt = good.replacen("payload_t = 61", "payload = 61", 1);
    assert!(scenario_errors(&misspelt).iter().any(|e| e.contains("scenario.pools.wagons_1435: field `payload`")));
    let family = good.replacen("dist = \"triangular\"", "dist = \"trianglar\"", 1);
    assert!(scenario_errors(&family).iter().any(|e| e.contains("empty_return")), "{:?}", scenario_errors(&family));
    let mistyped = good.replacen("units = 1_000", "units = \"many\"", 1);
    assert!(scenario_errors(&mistyped).iter().any(|e| e.contains("scenario.pools.wagons_1435.units")));
    let top = format!("{good}\n[surprise]\nx = 1\n");
    assert!(scenario_errors(&top).iter().any(|e| e.contains("field `surprise`")));
    assert!(good.contains("billet = 450,"), "the baseline prices billet");
    let free = good.replacen("billet = 450,", "billet = 0,", 1);
    assert!(scenario_errors(&free).iter().any(|e| e.contains("scenario.contract")), "{:?}", scenario_errors(&free));
}
