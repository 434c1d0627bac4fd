//! The JSON Schema of the scenario format, for editors: Taplo (VS Code's "Even Better TOML")
//! completes and checks fields from it (`#:schema` on a scenario's first line, or
//! `docs/scenario.schema.json` in `.taplo.toml`).
//!
//! The file types ([`super::schema`]) keep every value's place in the file (`toml::Spanned`),
//! which schemars cannot see through; each field says what it holds with
//! `#[schemars(with = ...)]`, and the types read by hand-written deserializers (values that
//! may be a number or a table, dates) are described here. The schema checks shapes and
//! names; ranges, cross-references (a leg's `from` is a node) and missing fields are
//! `steelsim validate`'s.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::schema::{RateSpec, ScenarioFile, Via, ViaSwitch};
use super::values::{DistSpec, DistTable, FAMILIES, Quantity};

/// A TOML date (`2025-12-31`, no quotes); JSON sees it as a string.
#[derive(Debug)]
pub(super) struct Date;

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date", "description": "A TOML date, e.g. 2025-12-31" })
    }
}

/// A day as a disruption or a window names it: a date, a day every year, or days from the
/// order's dates.
#[derive(Debug)]
pub(super) struct DateRule;

impl JsonSchema for DateRule {
    fn schema_name() -> Cow<'static, str> {
        "DateRule".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A date (2025-12-08), a day every year (\"12-08\", \"persian 01-01\", \"hijri 10-01\"), or days from the order's dates (\"start\", \"start+30d\", \"deadline-7d\", \"horizon\")"
        })
    }
}

/// A date rule, or a list of them.
#[derive(Debug)]
pub(super) struct DateOrDates;

impl JsonSchema for DateOrDates {
    fn schema_name() -> Cow<'static, str> {
        "DateOrDates".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let date = g.subschema_for::<DateRule>();
        json_schema!({
            "description": "A day, or a list of days (one occurrence each), e.g. [2025-12-08, \"12-12\", \"hijri 10-01\"]",
            "anyOf": [date, { "type": "array", "items": date, "minItems": 1 }]
        })
    }
}

/// A price, or a price per product.
#[derive(Debug)]
pub(super) struct PriceOrPrices;

impl JsonSchema for PriceOrPrices {
    fn schema_name() -> Cow<'static, str> {
        "PriceOrPrices".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A price per tonne, or one per product of the mix, e.g. { billet = 450, rebar = 520 }",
            "anyOf": [
                { "type": "number", "exclusiveMinimum": 0 },
                { "type": "object", "additionalProperties": { "type": "number", "exclusiveMinimum": 0 } }
            ]
        })
    }
}

/// A name, or a list of names.
#[derive(Debug)]
pub(super) struct NameOrNames;

impl JsonSchema for NameOrNames {
    fn schema_name() -> Cow<'static, str> {
        "NameOrNames".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A name, or a list of names, e.g. [\"sarakhs\", \"sarakhs_road\"]",
            "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" }, "minItems": 1 }]
        })
    }
}

/// An Incoterms 2020 rule for any mode of transport.
#[derive(Debug)]
pub(super) struct IncotermCode;

impl JsonSchema for IncotermCode {
    fn schema_name() -> Cow<'static, str> {
        "IncotermCode".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An Incoterms 2020 rule for any mode of transport (docs/contract.md)",
            "type": "string",
            "enum": ["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP"]
        })
    }
}

/// The name of a distribution family.
#[derive(Debug)]
pub(super) struct DistFamily;

impl JsonSchema for DistFamily {
    fn schema_name() -> Cow<'static, str> {
        "DistFamily".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "enum": FAMILIES })
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A number, or a duration with its unit: \"45min\", \"36h\", \"2.5d\", \"1w\"",
            "type": ["number", "string"]
        })
    }
}

impl JsonSchema for DistSpec {
    fn schema_name() -> Cow<'static, str> {
        "Distribution".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let (fixed, table) = (g.subschema_for::<Quantity>(), g.subschema_for::<DistTable>());
        json_schema!({
            "description": "A fixed value (\"36h\", 0.9) or a distribution table like { dist = \"lognormal\", mean = \"35h\", sd = \"12h\" }",
            "anyOf": [fixed, table]
        })
    }
}

impl JsonSchema for RateSpec {
    fn schema_name() -> Cow<'static, str> {
        "Rate".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Tonnes per day, or a table of tonnes per day by product",
            "anyOf": [{ "type": "number" }, { "type": "object", "additionalProperties": { "type": "number" } }]
        })
    }
}

impl JsonSchema for Via {
    fn schema_name() -> Cow<'static, str> {
        "Via".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let switch = g.subschema_for::<ViaSwitch>();
        json_schema!({
            "description": "A node name, or { node = \"mashhad\", modes = [\"road\"] } to change mode after it",
            "anyOf": [{ "type": "string" }, switch]
        })
    }
}

/// The scenario format's JSON Schema (`steelsim schema scenario`).
pub fn scenario_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(ScenarioFile)).unwrap_or_default();
    // `extends` is resolved before the file is read as a ScenarioFile, so the type has no
    // field for it; editors should still know it.
    if let Some(props) = schema.get_mut("properties").and_then(serde_json::Value::as_object_mut) {
        props.insert(
            "extends".into(),
            serde_json::json!({
                "description": "A base scenario (path relative to this file) whose fields this file overrides; \
                                [[disruptions]] rows replace the base's row of the same name",
                "type": "string"
            }),
        );
    }
    schema["title"] = "steelsim scenario".into();
    drop_required(&mut schema);
    schema
}

/// A variant restates only what changes (`[pools.x] units = 1300` alone), so no field can
/// be required of one file; `steelsim validate` reports what the merged scenario lacks.
fn drop_required(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.remove("required");
            map.values_mut().for_each(drop_required);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_required),
        _ => {}
    }
}
