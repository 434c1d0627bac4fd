//! Parameters by path: reading a scenario's value at a path, parsing the values a sweep or a
//! plan should try, and scaling a value up or down for a tornado chart.

use toml::Value;

use super::ArgumentError;
use crate::scenario::values::parse_duration;

/// The values a sweep or plan tries for one path.
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    /// Path, as for `--set`.
    pub path: String,
    /// The values, as TOML text.
    pub values: Vec<String>,
}

fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// Parses `PATH=V1,V2,...`, `PATH=LO..HI` (whole numbers) or `PATH=LO..HI:STEP`, where LO
/// and HI may also be dates and STEP a number of days (`2025-08-01..2025-09-15:7d`).
pub(crate) fn parse_values(text: &str) -> Result<Values, ArgumentError> {
    parse(text).map_err(ArgumentError)
}

fn parse(text: &str) -> Result<Values, String> {
    let (path, spec) =
        text.split_once('=').ok_or_else(|| format!("`{text}`: write PATH=V1,V2,... or PATH=LO..HI:STEP"))?;
    let (path, spec) = (path.trim().to_string(), spec.trim());
    if path.is_empty() {
        return Err(format!("`{text}`: the path is empty"));
    }
    if let Some((lo, rest)) = spec.split_once("..") {
        let (hi, step) = rest.split_once(':').map_or((rest, None), |(h, s)| (h, Some(s)));
        if let (Ok(lo), Ok(hi)) = (lo.trim().parse::<jiff::civil::Date>(), hi.trim().parse::<jiff::civil::Date>()) {
            return date_range(text, path, lo, hi, step);
        }
        let num = |s: &str, what: &str| -> Result<f64, String> {
            s.trim().parse::<f64>().map_err(|_| format!("`{text}`: the {what} `{s}` is not a number"))
        };
        let (lo, hi) = (num(lo, "low end")?, num(hi, "high end")?);
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(format!("`{text}`: a range needs finite numbers"));
        }
        let step = match step {
            Some(s) => num(s, "step")?,
            None if lo.fract() == 0.0 && hi.fract() == 0.0 => 1.0,
            None => return Err(format!("`{text}`: give a step for a range of fractions, e.g. {lo}..{hi}:0.1")),
        };
        if !step.is_finite() {
            return Err(format!("`{text}`: a range needs finite numbers"));
        }
        if step <= 0.0 || hi < lo {
            return Err(format!("`{text}`: a range needs LO <= HI and a positive step"));
        }
        // Counted in floating point first: a huge range must be refused, not wrapped around.
        let count = ((hi - lo) / step + 1e-9).floor() + 1.0;
        if count > 10_000.0 {
            return Err(format!("`{text}`: {count:.0} values; at most 10,000"));
        }
        let count = count as u64;
        let values = (0..count).map(|i| format_number(lo + i as f64 * step)).collect();
        return Ok(Values { path, values });
    }
    let values: Vec<String> = spec.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
    if values.is_empty() {
        return Err(format!("`{text}`: no values"));
    }
    Ok(Values { path, values })
}

/// Dates from `lo` to `hi` every `step` days (default 1).
fn date_range(
    text: &str,
    path: String,
    lo: jiff::civil::Date,
    hi: jiff::civil::Date,
    step: Option<&str>,
) -> Result<Values, String> {
    let days = match step.map(str::trim) {
        None => 1,
        Some(s) => s
            .strip_suffix('d')
            .and_then(|n| n.trim().parse::<i64>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`{text}`: a step between dates is a number of days, like 7d"))?,
    };
    if hi < lo {
        return Err(format!("`{text}`: a range needs LO <= HI"));
    }
    let span = lo.until(hi).map_err(|e| format!("`{text}`: {e}"))?.get_days() as i64;
    if span / days + 1 > 10_000 {
        return Err(format!("`{text}`: {} values; at most 10,000", span / days + 1));
    }
    let values = (0..=span / days)
        .filter_map(|i| lo.checked_add(jiff::Span::new().days(i * days)).ok())
        .map(|d| d.to_string())
        .collect();
    Ok(Values { path, values })
}

/// The value at a dotted path (with `[i]` indices) of a scenario table.
pub(crate) fn get<'a>(table: &'a toml::Table, path: &str) -> Option<&'a Value> {
    let mut current: Option<&Value> = None;
    for seg in path.split('.') {
        let (key, rest) = seg.split_once('[').map_or((seg, ""), |(k, r)| (k, r));
        current = Some(match current {
            None => table.get(key)?,
            Some(v) => v.as_table()?.get(key)?,
        });
        for part in rest.split('[') {
            let Some(n) = part.strip_suffix(']') else { continue };
            current = Some(current?.as_array()?.get(n.parse::<usize>().ok()?)?);
        }
    }
    current
}

/// Distribution parameters that scale with the quantity (not `shape`, not `dist`).
const SCALED: [&str; 12] =
    ["value", "min", "mode", "max", "mean", "sd", "median", "p90", "p95", "p99", "scale", "values"];

/// `v` multiplied by `factor`: numbers (whole numbers stay whole, at least 1), durations
/// (kept in their unit), distributions (every location and scale parameter), tables of
/// numbers (a rate per product). `None` if it is nothing that scales.
pub(crate) fn scale(v: &Value, factor: f64) -> Option<Value> {
    Some(match v {
        // A count stays a count (at least 1), and none stays none: moving 0 by a percentage
        // leaves it 0, where rounding up to 1 moved it both ways at once.
        Value::Integer(0) => Value::Integer(0),
        Value::Integer(i) => Value::Integer(((*i as f64) * factor).round().max(1.0) as i64),
        Value::Float(f) => Value::Float(f * factor),
        Value::String(s) => {
            parse_duration(s).ok()?;
            let t = s.trim();
            let split = t.find(|c: char| c.is_ascii_alphabetic())?;
            let n: f64 = t[..split].trim().parse().ok()?;
            Value::String(format!("{}{}", format_number((n * factor * 1e6).round() / 1e6), &t[split..]))
        }
        Value::Array(items) => Value::Array(items.iter().map(|x| scale(x, factor)).collect::<Option<Vec<_>>>()?),
        Value::Table(t) if t.contains_key("dist") => {
            let mut out = t.clone();
            for (k, x) in t {
                if SCALED.contains(&k.as_str()) {
                    out.insert(k.clone(), scale(x, factor)?);
                }
            }
            Value::Table(out)
        }
        Value::Table(t) => {
            let mut out = toml::Table::new();
            for (k, x) in t {
                out.insert(k.clone(), scale(x, factor)?);
            }
            Value::Table(out)
        }
        _ => return None,
    })
}

/// The parameters a tornado chart varies by default: every server's capacity and service
/// time, every pool's size and return time, every mill's rate, every leg's transit time or
/// speed.
pub(crate) fn key_parameters(table: &toml::Table) -> Vec<String> {
    let mut out = Vec::new();
    let stage_fields = ["capacity", "service", "service_per_carrier", "rate_t_per_day"];
    for section in ["mills", "nodes"] {
        let Some(Value::Table(items)) = table.get(section) else { continue };
        for (name, item) in items {
            if section == "mills" && item.get("rate_t_per_day").is_some() {
                out.push(format!("mills.{name}.rate_t_per_day"));
            }
            let Some(Value::Array(stages)) = item.get("stages") else { continue };
            for (i, st) in stages.iter().enumerate() {
                for f in stage_fields {
                    if st.get(f).is_some() {
                        out.push(format!("{section}.{name}.stages[{i}].{f}"));
                    }
                }
            }
        }
    }
    if let Some(Value::Table(pools)) = table.get("pools") {
        for name in pools.keys() {
            out.push(format!("pools.{name}.units"));
            out.push(format!("pools.{name}.empty_return"));
        }
    }
    if let Some(Value::Table(legs)) = table.get("legs") {
        for (name, leg) in legs {
            for f in ["transit", "speed_kmh"] {
                if leg.get(f).is_some() {
                    out.push(format!("legs.{name}.{f}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_or_huge_ranges_are_refused_before_anything_is_made() {
        for bad in ["p=10..inf:1", "p=-inf..3", "p=1..5:inf", "p=0..1e300:1", "p=nan..3"] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains("finite") || e.contains("at most 10,000") || e.contains("not a number"), "{bad}: {e}");
        }
        assert_eq!(parse("p=10..40:10").unwrap().values, ["10", "20", "30", "40"]);
    }

    #[test]
    fn value_lists_and_ranges() {
        assert_eq!(parse_values("a.b=1,2, 5").unwrap().values, ["1", "2", "5"]);
        assert_eq!(parse_values("a.b=800..1000:100").unwrap().values, ["800", "900", "1000"]);
        assert_eq!(parse_values("a.b=1..3").unwrap().values, ["1", "2", "3"]);
        assert_eq!(parse_values("a.b=0.5..0.7:0.1").unwrap().values, ["0.5", "0.6", "0.7"]);
        assert!(parse_values("a.b=0.5..0.7").is_err());
        assert!(parse_values("a.b=3..1:1").is_err());
        assert!(parse_values("nothing").is_err());
    }

    /// When to start: dates are values too, listed or every so many days.
    #[test]
    fn date_ranges_step_by_days() {
        let v = parse_values("order.start=2025-08-01..2025-08-29:7d").unwrap().values;
        assert_eq!(v, ["2025-08-01", "2025-08-08", "2025-08-15", "2025-08-22", "2025-08-29"]);
        assert_eq!(parse_values("order.start=2025-12-30..2026-01-01").unwrap().values.len(), 3);
        for bad in [
            "order.start=2025-08-01..2025-07-01:7d",
            "order.start=2025-08-01..2025-09-01:1w",
            "order.start=2025-08-01..2025-09-01:0d",
        ] {
            assert!(parse_values(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scaling_keeps_kinds_and_units() {
        let t: toml::Table = toml::from_str(
            "n = 3\nx = 2.5\nd = \"36h\"\nlog = { dist = \"lognormal\", median = \"6h\", p95 = \"48h\" }\nshape = { dist = \"weibull\", shape = 1.5, scale = \"10h\" }\nrates = { a = 100, b = 200 }",
        )
        .unwrap();
        assert_eq!(scale(&t["n"], 1.2).unwrap(), Value::Integer(4));
        assert_eq!(scale(&t["n"], 0.1).unwrap(), Value::Integer(1));
        assert_eq!(scale(&Value::Integer(0), 1.2).unwrap(), Value::Integer(0));
        assert_eq!(scale(&t["x"], 2.0).unwrap(), Value::Float(5.0));
        assert_eq!(scale(&t["d"], 1.5).unwrap(), Value::String("54h".into()));
        let log = scale(&t["log"], 2.0).unwrap();
        assert_eq!(log["median"].as_str(), Some("12h"));
        assert_eq!(log["p95"].as_str(), Some("96h"));
        let w = scale(&t["shape"], 2.0).unwrap();
        assert_eq!(w["shape"].as_float(), Some(1.5), "the shape is not a scale");
        assert_eq!(w["scale"].as_str(), Some("20h"));
        assert_eq!(scale(&t["rates"], 0.5).unwrap()["b"].as_integer(), Some(100));
        assert_eq!(get(&t, "log.median").and_then(Value::as_str), Some("6h"));
    }
}
