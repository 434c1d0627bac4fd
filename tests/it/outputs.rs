//! docs/outputs.md, the data dictionary, against the files the commands really write: every
//! CSV's columns in their order, every JSON file's top-level fields in their order, every
//! documented field path present, every file written has its section.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::{files_under, ok, repo, steelsim};
use serde_json::Value;

/// A documented file: the names in the first column of each of its tables, and for each name
/// whether its row says it appears "only" under some condition.
#[derive(Default, Debug)]
struct Section {
    names: Vec<(String, bool)>,
}

/// The sections of docs/outputs.md, by file name as written in the heading.
fn dictionary() -> BTreeMap<String, Section> {
    let text = std::fs::read_to_string(repo().join("docs/outputs.md")).unwrap();
    let mut out: BTreeMap<String, Section> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut in_table = false;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            current = h.strip_prefix('`').and_then(|h| h.strip_suffix('`')).map(str::to_string);
            if let Some(c) = &current {
                out.entry(c.clone()).or_default();
            }
            in_table = false;
        } else if line.starts_with("| column |") || line.starts_with("| field |") || line.starts_with("| sheet |") {
            in_table = true;
        } else if !line.starts_with('|') {
            in_table = false;
        } else if in_table && !line.starts_with("| ---") {
            let (Some(c), Some(name)) = (&current, line.split('`').nth(1)) else { continue };
            let only = line.contains("only");
            out.get_mut(c).unwrap().names.push((name.to_string(), only));
        }
    }
    out
}

/// Every file under `dir` (relative paths).
fn files(dir: &Path) -> Vec<String> {
    files_under(dir).iter().map(|p| p.display().to_string()).collect()
}

/// A JSON object's keys in the file's order (serde_json's own map sorts them).
struct Keys(Vec<String>);

impl<'de> serde::Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Keys, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Keys, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Keys(Vec::new()))
            }
        }
        d.deserialize_any(Visit)
    }
}

enum Found {
    Yes,
    No,
    /// Under an empty array or a null: cannot tell.
    Unknown,
}

fn resolve(v: &Value, path: &str) -> Found {
    let mut at = vec![v.clone()];
    for part in path.split('.') {
        let (key, each) = match part.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (part, false),
        };
        let mut next = Vec::new();
        for v in &at {
            match v.get(key) {
                None if v.is_null() => return Found::Unknown,
                None => return Found::No,
                Some(Value::Array(items)) if each => next.extend(items.iter().cloned()),
                Some(x) if each => panic!("{path}: `{key}` is not an array: {x}"),
                Some(x) => next.push(x.clone()),
            }
        }
        if next.is_empty() || next.iter().all(Value::is_null) && !path.ends_with(part) {
            return Found::Unknown;
        }
        at = next;
    }
    Found::Yes
}

#[test]
fn the_data_dictionary_describes_every_file_and_column_the_commands_write() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let sc = |name: &str| repo().join("scenarios").join(name).display().to_string();
    let (base, contract) = (sc("baseline.toml"), sc("contract_dap_destinations.toml"));
    let units = "pools.wagons_1435.units=800..1000:200";
    let runs: Vec<Vec<&str>> = vec![
        vec!["run", &base, "-n", "20", "--status-at", "2025-10-20", "--replication", "1", "--out", "run", "-q"],
        vec!["run", &contract, "-n", "20", "--xlsx", "--out", "contract", "-q"],
        vec!["run", &base, "-n", "10", "--status", "run/status.csv", "--plan", "run", "--out", "resumed", "-q"],
        vec!["run", &base, "-n", "10", "--shard", "0/2", "--out", "shard", "-q"],
        vec!["trace", "run", "3", "--out", "trace"],
        vec![
            "compare",
            &base,
            &contract,
            "-n",
            "10",
            "--select",
            "completion",
            "--max-replications",
            "40",
            "--out",
            "compare",
            "--quiet",
        ],
        vec!["sweep", &base, "--set", units, "-n", "10", "--out", "sweep", "--quiet"],
        vec!["sweep", &base, "--tornado", "2", "-n", "10", "--out", "tornado", "--quiet"],
        vec!["plan", &base, "--target", "0.2", "--vary", units, "-n", "10", "--out", "plan", "--quiet"],
    ];
    for args in &runs {
        ok(&steelsim(args, t));
    }
    let doc = dictionary();
    let mut json: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for dir in ["run", "contract", "resumed", "shard", "trace", "compare", "sweep", "tornado", "plan"] {
        for f in files(&t.join(dir)) {
            let path = t.join(dir).join(&f);
            let name = if f.ends_with(".replications.csv") { "<name>.replications.csv".to_string() } else { f.clone() };
            if name.starts_with("figures/") || name.starts_with("timeline.") || name == "report.html" {
                continue;
            }
            seen.insert(name.clone());
            let Some(section) = doc.get(&name) else {
                let other = std::fs::read_to_string(repo().join("docs/outputs.md")).unwrap();
                assert!(other.contains(&format!("`{name}`")), "docs/outputs.md does not describe {dir}/{f}");
                continue;
            };
            let documented: Vec<&str> = section.names.iter().map(|(n, _)| n.as_str()).collect();
            if name.ends_with(".csv") {
                let mut reader = csv::Reader::from_path(&path).unwrap();
                let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
                // sweep.csv starts with one column per swept field.
                let expected: Vec<String> = documented
                    .iter()
                    .flat_map(|n| match *n {
                        "<path>" => vec![units.split('=').next().unwrap().to_string()],
                        n => vec![n.to_string()],
                    })
                    .collect();
                assert_eq!(header, expected, "the columns of {dir}/{f} and of its section in docs/outputs.md");
            } else if name.ends_with(".json") {
                let text = std::fs::read_to_string(&path).unwrap();
                let v: Value = serde_json::from_str(&text).unwrap();
                // Top-level fields: each one documented, in the documented order.
                let Keys(keys) = serde_json::from_str(&text).unwrap();
                let top: Vec<&str> = documented.iter().copied().filter(|n| !n.contains('.')).collect();
                let order: Vec<&str> = top.iter().copied().filter(|n| keys.iter().any(|k| k == n)).collect();
                assert_eq!(keys, order, "the fields of {dir}/{f}, against docs/outputs.md");
                // A file that is an array (sweep.json) documents the fields of its items.
                match v {
                    Value::Array(items) => json.entry(name).or_default().extend(items),
                    v => json.entry(name).or_default().push(v),
                }
            }
        }
    }
    // Every documented field path is in some file written, unless it appears "only" when
    // something else holds.
    for (name, values) in &json {
        let names = &doc[name].names;
        // A field inside an optional one is as optional as its parent.
        let optional = |path: &str| {
            let top = path.split('.').next().unwrap_or(path).trim_end_matches("[]");
            names.iter().any(|(n, only)| *only && n == top)
        };
        for (path, only) in names {
            let only = *only || optional(path);
            let path = path.trim_start_matches("[].");
            let found: Vec<Found> = values.iter().map(|v| resolve(v, path)).collect();
            let yes = found.iter().any(|f| matches!(f, Found::Yes));
            let unknown = found.iter().any(|f| matches!(f, Found::Unknown));
            assert!(yes || unknown || only, "{name}: `{path}` is documented but in none of the files written");
        }
    }
    // And every section names a file some command wrote here, or says when one is written.
    for name in doc.keys() {
        let conditional = ["aggregates.json", "start_status.csv", "status.csv", "results.xlsx"];
        assert!(seen.contains(name) || conditional.contains(&name.as_str()), "{name} is documented but not written");
    }
}
