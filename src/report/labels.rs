//! Plain-language names for what reports and figures show: a scenario's `label`s where it
//! gives them, and otherwise its identifiers in words ("bandar_abbas" becomes "Bandar
//! Abbas"). Data files keep the identifiers; only what a person reads uses these.

use std::collections::BTreeMap;

/// The labels of one scenario, read from its resolved table (`scenario.toml` of a results
/// folder), which the run validated.
#[derive(Clone, Debug, Default)]
pub(crate) struct Labels {
    /// `nodes.X`, `mills.X`, `legs.X`, `pools.X` and `X.stage` to the label written.
    written: BTreeMap<String, String>,
    /// A leg's ends, for a leg without a label.
    ends: BTreeMap<String, (String, String)>,
}

/// `snake_case` in words, each capitalised: the name of a place.
pub(crate) fn words_title(id: &str) -> String {
    id.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn text<'a>(t: &'a toml::Table, key: &str) -> Option<&'a str> {
    t.get(key).and_then(toml::Value::as_str)
}

impl Labels {
    /// Reads the labels of a scenario's table (none without one).
    pub(crate) fn from_scenario(scenario: Option<&toml::Table>) -> Labels {
        let mut l = Labels::default();
        let Some(s) = scenario else { return l };
        for section in ["nodes", "mills", "legs", "pools"] {
            let Some(entries) = s.get(section).and_then(toml::Value::as_table) else { continue };
            for (id, entry) in entries {
                let Some(entry) = entry.as_table() else { continue };
                if let Some(label) = text(entry, "label") {
                    l.written.insert(format!("{section}.{id}"), label.to_string());
                }
                if section == "legs"
                    && let (Some(from), Some(to)) = (text(entry, "from"), text(entry, "to"))
                {
                    l.ends.insert(id.clone(), (from.to_string(), to.to_string()));
                }
                let stages = entry.get("stages").and_then(toml::Value::as_array).into_iter().flatten();
                for stage in stages.filter_map(toml::Value::as_table) {
                    if let (Some(name), Some(label)) = (text(stage, "name"), text(stage, "label")) {
                        l.written.insert(format!("{id}.{name}"), label.to_string());
                    }
                }
            }
        }
        l
    }

    /// A mill or node.
    pub(crate) fn place(&self, id: &str) -> String {
        ["nodes", "mills"]
            .iter()
            .find_map(|s| self.written.get(&format!("{s}.{id}")).cloned())
            .unwrap_or_else(|| words_title(id))
    }

    /// A leg: its label, or where it runs.
    pub(crate) fn leg(&self, id: &str) -> String {
        if let Some(l) = self.written.get(&format!("legs.{id}")) {
            return l.clone();
        }
        match self.ends.get(id) {
            Some((from, to)) => format!("{} to {}", self.place(from), self.place(to)),
            None => id.replace('_', " "),
        }
    }

    /// A carrier pool.
    pub(crate) fn pool(&self, id: &str) -> String {
        self.written.get(&format!("pools.{id}")).cloned().unwrap_or_else(|| id.replace('_', " "))
    }

    /// A stage as the summary names it (`node.stage`, a leg, a pool or `node.yard`) and of
    /// its `kind`: where it is and what it is.
    pub(crate) fn stage(&self, name: &str, kind: &str) -> String {
        match kind {
            "leg" => self.leg(name),
            "pool" => self.pool(name),
            _ => match name.split_once('.') {
                Some((place, "yard")) if kind == "yard" => format!("{}: yard", self.place(place)),
                Some((place, stage)) => {
                    let what = self.written.get(name).cloned().unwrap_or_else(|| stage.replace('_', " "));
                    format!("{}: {what}", self.place(place))
                }
                None => name.replace('_', " "),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"
[pools.wagons_1435]
label = "standard-gauge wagons"
[nodes.sarakhs]
label = "Sarakhs border"
stages = [{ name = "interchange", label = "gauge interchange" }, { name = "tm_entry" }]
[nodes.bandar_abbas]
[mills.khorasan]
label = "Khorasan Steel"
[legs.khorasan_sarakhs]
from = "khorasan"
to = "sarakhs"
[legs.named]
from = "khorasan"
to = "sarakhs"
label = "the long way"
"#;

    #[test]
    fn labels_where_written_and_identifiers_in_words_elsewhere() {
        let t: toml::Table = toml::from_str(SCENARIO).unwrap();
        let l = Labels::from_scenario(Some(&t));
        assert_eq!(l.stage("sarakhs.interchange", "server"), "Sarakhs border: gauge interchange");
        assert_eq!(l.stage("sarakhs.tm_entry", "server"), "Sarakhs border: tm entry");
        assert_eq!(l.stage("sarakhs.yard", "yard"), "Sarakhs border: yard");
        assert_eq!(l.stage("khorasan.loading", "server"), "Khorasan Steel: loading");
        assert_eq!(l.stage("wagons_1435", "pool"), "standard-gauge wagons");
        assert_eq!(l.stage("khorasan_sarakhs", "leg"), "Khorasan Steel to Sarakhs border");
        assert_eq!(l.stage("named", "leg"), "the long way");
        assert_eq!(l.place("bandar_abbas"), "Bandar Abbas");
        let none = Labels::from_scenario(None);
        assert_eq!(none.stage("sarakhs.interchange", "server"), "Sarakhs: interchange");
        assert_eq!(none.stage("wagons_1435", "pool"), "wagons 1435");
    }
}
