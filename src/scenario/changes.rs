//! What a variant changes: the fields whose values differ between two resolved scenarios (a
//! variant and the base it extends, or a file and the same file with `--set`), for the report.

use serde::{Deserialize, Serialize};

/// One field that differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Dotted path, `[i]` for array items, as `--set` takes it.
    pub path: String,
    /// Its value in the base (`None`: not there).
    pub base: Option<String>,
    /// Its value in the variant (`None`: not there).
    pub variant: Option<String>,
}

/// The fields of `variant` that differ from `base` (both scenario texts), in the variant's
/// order, the base's own fields last. Names and descriptions are not changes.
pub fn changes(base: &str, variant: &str) -> Vec<Change> {
    let (Ok(b), Ok(v)) = (base.parse::<toml::Table>(), variant.parse::<toml::Table>()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (mut b, mut v) = (toml::Value::Table(b), toml::Value::Table(v));
    for t in [&mut b, &mut v] {
        if let Some(t) = t.as_table_mut() {
            for key in ["name", "description", "extends"] {
                t.remove(key);
            }
        }
    }
    walk(String::new(), Some(&b), Some(&v), &mut out);
    out
}

fn walk(path: String, base: Option<&toml::Value>, variant: Option<&toml::Value>, out: &mut Vec<Change>) {
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match (base, variant) {
        (Some(toml::Value::Table(b)), Some(toml::Value::Table(v))) => {
            for (key, value) in v {
                walk(join(key), b.get(key), Some(value), out);
            }
            for (key, value) in b.iter().filter(|(k, _)| !v.contains_key(*k)) {
                walk(join(key), Some(value), None, out);
            }
        }
        (Some(toml::Value::Array(b)), Some(toml::Value::Array(v))) if b.iter().chain(v).all(named) => {
            // Rows with names (disruptions, stages, changes): a row is the row of the same
            // name, wherever it stands; the variant's place names it.
            for (i, y) in v.iter().enumerate() {
                walk(format!("{path}[{i}]"), b.iter().find(|x| name(x) == name(y)), Some(y), out);
            }
            for (i, x) in b.iter().enumerate().filter(|(_, x)| !v.iter().any(|y| name(x) == name(y))) {
                walk(format!("{path}[{i}]"), Some(x), None, out);
            }
        }
        (Some(toml::Value::Array(b)), Some(toml::Value::Array(v)))
            if b.len() == v.len() && b.iter().chain(v).all(toml::Value::is_table) =>
        {
            for (i, (x, y)) in b.iter().zip(v).enumerate() {
                walk(format!("{path}[{i}]"), Some(x), Some(y), out);
            }
        }
        (b, v) if b != v => {
            out.push(Change { path, base: b.map(ToString::to_string), variant: v.map(ToString::to_string) })
        }
        _ => {}
    }
}

fn name(v: &toml::Value) -> Option<&str> {
    v.get("name").and_then(toml::Value::as_str)
}

fn named(v: &toml::Value) -> bool {
    name(v).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_added_and_removed_fields_are_listed_by_path() {
        let base = "name = \"b\"\n[pools.w]\nunits = 800\npayload_t = 61\n[[nodes.s.stages]]\nname = \"x\"\ncapacity = 2\n\
                    [order]\nroute = \"rail\"\n";
        let variant = "name = \"v\"\n[pools.w]\nunits = 1000\npayload_t = 61\n[[nodes.s.stages]]\nname = \"x\"\ncapacity = 3\n\
                       [order]\nfactor = 1.5\n";
        let c = changes(base, variant);
        let got: Vec<(&str, Option<&str>, Option<&str>)> =
            c.iter().map(|c| (c.path.as_str(), c.base.as_deref(), c.variant.as_deref())).collect();
        assert_eq!(
            got,
            [
                ("pools.w.units", Some("800"), Some("1000")),
                ("nodes.s.stages[0].capacity", Some("2"), Some("3")),
                ("order.factor", None, Some("1.5")),
                ("order.route", Some("\"rail\""), None),
            ]
        );
        assert!(changes(base, base).is_empty());
    }
}
