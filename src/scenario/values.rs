//! Values in scenario files: numbers, durations with units, dates, clock times, and
//! distributions. Each parser returns a message a scenario author can act on; the caller
//! pins it to the value's place in the file.

use std::fmt;

use jiff::civil::Date;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use toml::Spanned;

use crate::engine::{Dist, DistError};

use super::diag::Diagnostic;

/// A scalar as written: a number, or text such as `"36h"`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Quantity {
    /// A bare number.
    Number(f64),
    /// A string.
    Text(String),
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quantity::Number(n) => write!(f, "{n}"),
            Quantity::Text(t) => write!(f, "\"{t}\""),
        }
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a duration such as \"36h\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// What a quantity measures, which decides how it must be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A duration with a unit (`"36h"`, `"2.5d"`); converted to hours.
    Duration,
    /// A plain number (a speed, a rate, a fraction).
    Number,
}

/// Parses a duration such as `"36h"`, `"2.5d"`, `"90min"`, `"1w"` or `"45s"` into hours.
pub(super) fn parse_duration(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (num, unit) = (t[..split].trim(), t[split..].trim());
    let value: f64 = num
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration; write a number and a unit, like \"36h\" or \"2.5d\""))?;
    let hours_per = match unit {
        "s" | "sec" => 1.0 / 3600.0,
        "min" => 1.0 / 60.0,
        "h" | "hr" | "hours" => 1.0,
        "d" | "day" | "days" => 24.0,
        "w" | "week" | "weeks" => 168.0,
        "" => return Err(format!("\"{text}\" has no unit; write it like \"{num}h\" or \"{num}d\"")),
        other => {
            return Err(format!("\"{other}\" is not a time unit; use s, min, h, d or w (e.g. \"36h\", \"2.5d\")"));
        }
    };
    let hours = value * hours_per;
    if !hours.is_finite() || hours < 0.0 {
        return Err(format!("a duration must be a finite non-negative time (got \"{text}\")"));
    }
    Ok(hours)
}

/// Reads a quantity as `kind`, scaled by `scale` (hours for durations are already hours).
pub(super) fn quantity(q: &Quantity, kind: Kind, scale: f64) -> Result<f64, String> {
    let v = match (q, kind) {
        (Quantity::Number(n), Kind::Number) => *n,
        (Quantity::Text(t), Kind::Duration) => parse_duration(t)?,
        (Quantity::Number(n), Kind::Duration) => {
            return Err(format!("durations need a unit: write \"{n}h\" or \"{n}d\" rather than {n}"));
        }
        (Quantity::Text(t), Kind::Number) => return Err(format!("expected a number, found the text \"{t}\"")),
    };
    if !v.is_finite() {
        return Err(format!("{q} is not a finite number"));
    }
    Ok(v * scale)
}

/// A distribution as written: a single value (always that value) or a table with a `dist`
/// field naming the family and its parameters.
#[derive(Clone, Debug)]
pub(crate) enum DistSpec {
    /// Always this value.
    Fixed(Quantity),
    /// A family with parameters.
    Table(Box<DistTable>),
}

/// The parameters any family may use; which are required depends on `dist`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub(crate) struct DistTable {
    /// The family: fixed (value), uniform (min, max), triangular (min, mode, max), normal,
    /// gamma or beta (mean, sd), lognormal (mean and sd, or median and one of p90/p95/p99,
    /// or median and sd), exponential (mean), weibull (shape, scale), empirical (values).
    /// Normal, gamma, lognormal, exponential and weibull also take `min` and/or `max`: the
    /// draw is conditioned on that range (the other parameters describe the law before it).
    #[schemars(with = "super::json_schema::DistFamily")]
    pub dist: Spanned<String>,
    #[schemars(with = "Option<Quantity>")]
    pub value: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub min: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub mode: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub max: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub mean: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub sd: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub median: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub p90: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub p95: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub p99: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub shape: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Quantity>")]
    pub scale: Option<Spanned<Quantity>>,
    #[schemars(with = "Option<Vec<Quantity>>")]
    pub values: Option<Spanned<Vec<Spanned<Quantity>>>>,
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DistSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value (like \"36h\" or 0.9) or a distribution table like { dist = \"lognormal\", mean = \"35h\", sd = \"12h\" }")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DistSpec, E> {
                Ok(DistSpec::Fixed(Quantity::Number(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DistSpec, E> {
                Ok(DistSpec::Fixed(Quantity::Number(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DistSpec, E> {
                Ok(DistSpec::Fixed(Quantity::Number(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DistSpec, E> {
                Ok(DistSpec::Fixed(Quantity::Text(v.to_string())))
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<DistSpec, M::Error> {
                DistTable::deserialize(de::value::MapAccessDeserializer::new(m)).map(|t| DistSpec::Table(Box::new(t)))
            }
        }
        d.deserialize_any(V)
    }
}

/// The families, for messages and suggestions.
pub(super) const FAMILIES: &[&str] =
    &["fixed", "uniform", "triangular", "normal", "lognormal", "exponential", "gamma", "weibull", "beta", "empirical"];

/// Which parameters each family takes; anything else present is a mistake worth naming.
fn parameters(family: &str) -> Option<&'static [&'static str]> {
    Some(match family {
        "fixed" => &["value"],
        "uniform" => &["min", "max"],
        "triangular" => &["min", "mode", "max"],
        "normal" | "gamma" => &["mean", "sd", "min", "max"],
        "beta" => &["mean", "sd"],
        "lognormal" => &["mean", "sd", "median", "p90", "p95", "p99", "min", "max"],
        "exponential" => &["mean", "min", "max"],
        "weibull" => &["shape", "scale", "min", "max"],
        "empirical" => &["values"],
        _ => return None,
    })
}

/// Reads the parameters of one distribution table, collecting every problem.
struct Reader<'a> {
    table: &'a DistTable,
    kind: Kind,
    scale: f64,
    path: &'a str,
    whole: std::ops::Range<usize>,
    family: &'a str,
    allowed: &'static [&'static str],
}

impl Reader<'_> {
    /// Flags every parameter given that the family does not take.
    fn extras(&self, diags: &mut Vec<Diagnostic>) {
        let t = self.table;
        let present: [(&str, Option<std::ops::Range<usize>>); 13] = [
            ("value", t.value.as_ref().map(Spanned::span)),
            ("min", t.min.as_ref().map(Spanned::span)),
            ("mode", t.mode.as_ref().map(Spanned::span)),
            ("max", t.max.as_ref().map(Spanned::span)),
            ("mean", t.mean.as_ref().map(Spanned::span)),
            ("sd", t.sd.as_ref().map(Spanned::span)),
            ("median", t.median.as_ref().map(Spanned::span)),
            ("p90", t.p90.as_ref().map(Spanned::span)),
            ("p95", t.p95.as_ref().map(Spanned::span)),
            ("p99", t.p99.as_ref().map(Spanned::span)),
            ("shape", t.shape.as_ref().map(Spanned::span)),
            ("scale", t.scale.as_ref().map(Spanned::span)),
            ("values", t.values.as_ref().map(Spanned::span)),
        ];
        let (path, family) = (self.path, self.family);
        for (name, span) in present {
            if let Some(span) = span
                && !self.allowed.contains(&name)
            {
                diags.push(
                    Diagnostic::new(
                        span,
                        format!("{path}.{name}"),
                        format!("`{name}` is not a parameter of the {family} distribution"),
                    )
                    .help(format!("a {family} distribution takes: {}", self.allowed.join(", "))),
                );
            }
        }
    }

    /// A required parameter, converted; `k` is its kind (a Weibull shape is a plain number
    /// even in a distribution of durations).
    fn param(&self, name: &str, v: &Option<Spanned<Quantity>>, k: Kind, diags: &mut Vec<Diagnostic>) -> Option<f64> {
        let (path, family) = (self.path, self.family);
        match v {
            None => {
                diags.push(
                    Diagnostic::new(self.whole.clone(), path, format!("the {family} distribution needs `{name}`"))
                        .help(format!("a {family} distribution takes: {}", self.allowed.join(", "))),
                );
                None
            }
            Some(s) => match quantity(s.get_ref(), k, if k == self.kind { self.scale } else { 1.0 }) {
                Ok(v) => Some(v),
                Err(m) => {
                    diags.push(Diagnostic::new(s.span(), format!("{path}.{name}"), m));
                    None
                }
            },
        }
    }

    fn lognormal(&self, diags: &mut Vec<Diagnostic>) -> Option<Result<Dist, DistError>> {
        let (t, kind) = (self.table, self.kind);
        if t.median.is_none() {
            let (m, s) = (self.param("mean", &t.mean, kind, diags), self.param("sd", &t.sd, kind, diags));
            return m.zip(s).map(|(m, s)| Dist::lognormal(m, s));
        }
        let upper = [(0.90, &t.p90, "p90"), (0.95, &t.p95, "p95"), (0.99, &t.p99, "p99")];
        let given: Vec<_> = upper.iter().filter(|u| u.1.is_some()).collect();
        if given.len() != 1 {
            diags.push(
                Diagnostic::new(
                    self.whole.clone(),
                    self.path,
                    "a lognormal given by its median needs exactly one of p90, p95, p99",
                )
                .help("for example { dist = \"lognormal\", median = \"6h\", p95 = \"48h\" }"),
            );
            return None;
        }
        let (pct, value, name) = given[0];
        let med = self.param("median", &t.median, kind, diags);
        let up = self.param(name, value, kind, diags);
        med.zip(up).map(|(m, u)| Dist::lognormal_from_median(m, *pct, u))
    }

    fn empirical(&self, diags: &mut Vec<Diagnostic>) -> Option<Result<Dist, DistError>> {
        let Some(vs) = &self.table.values else {
            diags.push(Diagnostic::new(self.whole.clone(), self.path, "the empirical distribution needs `values`"));
            return None;
        };
        let mut out = Vec::with_capacity(vs.get_ref().len());
        let mut ok = true;
        for (i, v) in vs.get_ref().iter().enumerate() {
            match quantity(v.get_ref(), self.kind, self.scale) {
                Ok(x) => out.push(x),
                Err(m) => {
                    ok = false;
                    diags.push(Diagnostic::new(v.span(), format!("{}.values[{i}]", self.path), m));
                }
            }
        }
        ok.then(|| Dist::empirical(out))
    }

    /// The distribution, or `None` where a parameter was missing or invalid.
    /// The distribution, conditioned on `[min, max]` where the family takes them as a
    /// truncation rather than as its own parameters.
    fn build(&self, diags: &mut Vec<Diagnostic>) -> Option<Result<Dist, DistError>> {
        let t = self.table;
        let base = self.build_family(diags);
        if matches!(self.family, "uniform" | "triangular") || (t.min.is_none() && t.max.is_none()) {
            return base;
        }
        let min = self.optional("min", &t.min, diags)?;
        let max = self.optional("max", &t.max, diags)?;
        base.map(|d| d.and_then(|d| d.truncated(min, max)))
    }

    /// An optional parameter: `Some(None)` when absent, `None` when it is wrong.
    fn optional(&self, name: &str, v: &Option<Spanned<Quantity>>, diags: &mut Vec<Diagnostic>) -> Option<Option<f64>> {
        match v {
            None => Some(None),
            Some(_) => self.param(name, v, self.kind, diags).map(Some),
        }
    }

    fn build_family(&self, diags: &mut Vec<Diagnostic>) -> Option<Result<Dist, DistError>> {
        let (t, kind) = (self.table, self.kind);
        match self.family {
            "fixed" => self.param("value", &t.value, kind, diags).map(Dist::fixed),
            "uniform" => {
                let (a, b) = (self.param("min", &t.min, kind, diags), self.param("max", &t.max, kind, diags));
                a.zip(b).map(|(a, b)| Dist::uniform(a, b))
            }
            "triangular" => {
                let a = self.param("min", &t.min, kind, diags);
                let m = self.param("mode", &t.mode, kind, diags);
                let b = self.param("max", &t.max, kind, diags);
                match (a, m, b) {
                    (Some(a), Some(m), Some(b)) => Some(Dist::triangular(a, m, b)),
                    _ => None,
                }
            }
            "normal" | "gamma" | "beta" => {
                let (m, s) = (self.param("mean", &t.mean, kind, diags), self.param("sd", &t.sd, kind, diags));
                m.zip(s).map(|(m, s)| match self.family {
                    "normal" => Dist::normal(m, s),
                    "gamma" => Dist::gamma(m, s),
                    _ => Dist::beta(m, s),
                })
            }
            "lognormal" => self.lognormal(diags),
            "exponential" => self.param("mean", &t.mean, kind, diags).map(Dist::exponential),
            "weibull" => {
                let shape = self.param("shape", &t.shape, Kind::Number, diags);
                let sc = self.param("scale", &t.scale, kind, diags);
                shape.zip(sc).map(|(k, l)| Dist::weibull(k, l))
            }
            "empirical" => self.empirical(diags),
            _ => unreachable!("families were checked before reading"),
        }
    }
}

/// Converts a distribution as written into one the engine draws from: `kind` says what
/// its values are (durations convert to hours), `scale` multiplies them (a rate per day
/// into one per hour). Every problem found goes into `diags`, located at `path`.
pub(super) fn to_dist(
    spec: &Spanned<DistSpec>,
    kind: Kind,
    scale: f64,
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Dist> {
    let whole = spec.span();
    let table = match spec.get_ref() {
        DistSpec::Fixed(q) => {
            return match quantity(q, kind, scale).and_then(|v| Dist::fixed(v).map_err(|e| e.to_string())) {
                Ok(d) => Some(d),
                Err(m) => {
                    diags.push(Diagnostic::new(whole, path, m));
                    None
                }
            };
        }
        DistSpec::Table(t) => t,
    };
    let family = table.dist.get_ref().as_str();
    let Some(allowed) = parameters(family) else {
        let d =
            Diagnostic::new(table.dist.span(), format!("{path}.dist"), format!("unknown distribution \"{family}\""))
                .help(match super::suggest::nearest(family, FAMILIES.iter().copied()) {
                    Some(s) => format!("did you mean \"{s}\"? The families are: {}", FAMILIES.join(", ")),
                    None => format!("the families are: {}", FAMILIES.join(", ")),
                });
        diags.push(d);
        return None;
    };
    let reader = Reader { table, kind, scale, path, whole: whole.clone(), family, allowed };
    let before = diags.len();
    reader.extras(diags);
    let built = reader.build(diags);
    if diags.len() > before {
        return None;
    }
    match built? {
        Ok(d) => Some(d),
        Err(e) => {
            diags.push(Diagnostic::new(whole, path, format!("impossible {family} distribution: {e}")));
            None
        }
    }
}

/// A calendar date, written bare (`2025-09-15`) or quoted (`"2025-09-15"`).
pub(super) fn parse_date(v: &toml::Value) -> Result<Date, String> {
    let text = match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) if d.date.is_some() && d.time.is_none() => d.to_string(),
        toml::Value::Datetime(d) => return Err(format!("expected a date like 2025-09-15, found the date-time {d}")),
        other => return Err(format!("expected a date like 2025-09-15, found {}", other.type_str())),
    };
    text.parse::<Date>().map_err(|e| format!("\"{text}\" is not a valid date (YYYY-MM-DD): {e}"))
}

/// Parses `"HH:MM"` (00:00 to 24:00) into hours.
pub(super) fn parse_clock(text: &str) -> Result<f64, String> {
    let bad = || format!("\"{text}\" is not a time of day; write it as HH:MM, like \"08:00\"");
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h as f64 + m as f64 / 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_units_and_convert_to_hours() {
        assert_eq!(parse_duration("36h"), Ok(36.0));
        assert_eq!(parse_duration("2.5d"), Ok(60.0));
        assert_eq!(parse_duration("90min"), Ok(1.5));
        assert_eq!(parse_duration("1w"), Ok(168.0));
        assert_eq!(parse_duration(" 3 d "), Ok(72.0));
        assert!(parse_duration("36").unwrap_err().contains("no unit"));
        assert!(parse_duration("3 fortnights").unwrap_err().contains("not a time unit"));
        assert!(parse_duration("-2h").is_err());
        assert!(quantity(&Quantity::Number(35.0), Kind::Duration, 1.0).unwrap_err().contains("\"35h\""));
    }

    #[test]
    fn dates_bare_or_quoted() {
        let v: toml::Table =
            toml::from_str("a = 2025-09-15\nb = \"2025-12-31\"\nc = 2025-02-30\nd = 5").unwrap_or_default();
        assert!(v.is_empty(), "2025-02-30 is not valid TOML, so the whole table fails");
        let v: toml::Table = toml::from_str("a = 2025-09-15\nb = \"2025-12-31\"\nc = \"2025-02-30\"\nd = 5").unwrap();
        assert_eq!(parse_date(&v["a"]).unwrap().to_string(), "2025-09-15");
        assert_eq!(parse_date(&v["b"]).unwrap().to_string(), "2025-12-31");
        assert!(parse_date(&v["c"]).is_err());
        assert!(parse_date(&v["d"]).is_err());
    }

    #[test]
    fn clock_times() {
        assert_eq!(parse_clock("08:30"), Ok(8.5));
        assert_eq!(parse_clock("24:00"), Ok(24.0));
        assert!(parse_clock("25:00").is_err());
        assert!(parse_clock("8h").is_err());
    }

    fn dist(src: &str, kind: Kind) -> Result<Dist, Vec<Diagnostic>> {
        #[derive(Deserialize)]
        struct W {
            d: Spanned<DistSpec>,
        }
        let w: W = toml::from_str(src).map_err(|e| vec![Diagnostic::new(0..0, "", e.to_string())])?;
        let mut diags = vec![];
        to_dist(&w.d, kind, 1.0, "d", &mut diags).ok_or(diags)
    }

    #[test]
    fn distribution_tables_convert_or_explain() {
        assert_eq!(dist("d = \"35h\"", Kind::Duration).unwrap().mean(), 35.0);
        assert_eq!(dist("d = 0.9", Kind::Number).unwrap().mean(), 0.9);
        let t =
            dist("d = { dist = \"triangular\", min = \"1d\", mode = \"2d\", max = \"3d\" }", Kind::Duration).unwrap();
        assert!((t.mean() - 48.0).abs() < 1e-9);

        let e = dist("d = { dist = \"triangular\", min = \"40h\", mode = \"35h\", max = \"30h\" }", Kind::Duration)
            .unwrap_err();
        assert!(e[0].message.contains("min <= mode <= max"), "{:?}", e);

        let e = dist("d = { dist = \"lognormal\", mean = \"35h\" }", Kind::Duration).unwrap_err();
        assert!(e[0].message.contains("needs `sd`"), "{:?}", e);

        let e = dist("d = { dist = \"lognormel\", mean = \"35h\", sd = \"1h\" }", Kind::Duration).unwrap_err();
        assert!(e[0].help.as_deref().unwrap().contains("did you mean \"lognormal\""), "{:?}", e);

        let e =
            dist("d = { dist = \"uniform\", min = \"1h\", max = \"2h\", mode = \"1h\" }", Kind::Duration).unwrap_err();
        assert!(e[0].message.contains("`mode` is not a parameter of the uniform"), "{:?}", e);
        assert_eq!(e[0].path, "d.mode");

        let e = dist("d = { dist = \"exponential\", mean = 4 }", Kind::Duration).unwrap_err();
        assert!(e[0].message.contains("need a unit"), "{:?}", e);
    }

    #[test]
    fn continuous_families_take_a_truncation_in_their_units() {
        let plain = dist("d = { dist = \"lognormal\", median = \"6h\", p95 = \"48h\" }", Kind::Duration).unwrap();
        let cut =
            dist("d = { dist = \"lognormal\", median = \"6h\", p95 = \"48h\", max = \"4d\" }", Kind::Duration).unwrap();
        assert_eq!(cut.max(), Some(96.0));
        assert!(cut.mean() < plain.mean());
        for family in
            ["normal\", mean = \"10h\", sd = \"4h", "gamma\", mean = \"10h\", sd = \"4h", "exponential\", mean = \"10h"]
        {
            let d = dist(&format!("d = {{ dist = \"{family}\", min = \"2h\", max = \"1d\" }}"), Kind::Duration);
            assert_eq!(d.unwrap().max(), Some(24.0), "{family}");
        }
        let e = dist("d = { dist = \"beta\", mean = 0.5, sd = 0.1, max = 0.9 }", Kind::Number).unwrap_err();
        assert!(e[0].message.contains("`max` is not a parameter of the beta"), "{:?}", e);
        let e = dist("d = { dist = \"exponential\", mean = \"1h\", min = \"100h\" }", Kind::Duration).unwrap_err();
        assert!(e[0].message.contains("keeps"), "{:?}", e);
        let e =
            dist("d = { dist = \"normal\", mean = \"1h\", sd = \"1h\", min = \"3h\", max = \"2h\" }", Kind::Duration)
                .unwrap_err();
        assert!(e[0].message.contains("min < max"), "{:?}", e);
    }
}
