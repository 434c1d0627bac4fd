//! The validation context: collects every problem instead of stopping at the first, and
//! offers the checks most fields need (positive counts, shares, dates, distributions).

use std::ops::Range;

use jiff::civil::Date;
use toml::Spanned;

use crate::engine::Dist;
use crate::model::units::{DAY, Tonnes};

use super::diag::Diagnostic;
use super::values::{self, DistSpec, Kind};

/// Collected problems.
#[derive(Debug, Default)]
pub(super) struct Ctx {
    pub(super) diags: Vec<Diagnostic>,
    /// What is not wrong but worth knowing (a holiday outside the horizon, left out).
    pub(super) notes: Vec<Diagnostic>,
}

impl Ctx {
    /// Records a problem; returns `None` so callers can `return c.err(...)`.
    pub(super) fn err<T>(&mut self, span: Range<usize>, path: impl Into<String>, msg: impl Into<String>) -> Option<T> {
        self.diags.push(Diagnostic::new(span, path, msg));
        None
    }

    /// Records a note: the scenario is valid, but something in it is left out or changed.
    pub(super) fn note(&mut self, span: Range<usize>, path: impl Into<String>, msg: impl Into<String>) {
        self.notes.push(Diagnostic::new(span, path, msg));
    }

    /// Records a problem with a hint.
    pub(super) fn err_help<T>(
        &mut self,
        span: Range<usize>,
        path: impl Into<String>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) -> Option<T> {
        self.diags.push(Diagnostic::new(span, path, msg).help(help));
        None
    }

    /// A distribution of `kind`, its values multiplied by `scale`.
    pub(super) fn dist(&mut self, s: &Spanned<DistSpec>, kind: Kind, scale: f64, path: &str) -> Option<Dist> {
        values::to_dist(s, kind, scale, path, &mut self.diags)
    }

    /// A duration written as text with a unit, in hours.
    pub(super) fn duration(&mut self, s: &Spanned<String>, path: &str) -> Option<f64> {
        match values::parse_duration(s.get_ref()) {
            Ok(h) => Some(h),
            Err(m) => self.err(s.span(), path, m),
        }
    }

    /// An integer at least `min`, as a `u32`.
    pub(super) fn count(&mut self, v: &Spanned<i64>, path: &str, min: i64) -> Option<u32> {
        let n = *v.get_ref();
        if n < min {
            return self.err(v.span(), path, format!("must be at least {min} (got {n})"));
        }
        match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => self.err(v.span(), path, format!("{n} is too large (at most {})", u32::MAX)),
        }
    }

    /// A finite number greater than zero.
    pub(super) fn positive(&mut self, v: &Spanned<f64>, path: &str) -> Option<f64> {
        let x = *v.get_ref();
        if x.is_finite() && x > 0.0 {
            Some(x)
        } else {
            self.err(v.span(), path, format!("must be greater than zero (got {x})"))
        }
    }

    /// A mass in tonnes that kilograms can hold: from 0.001 t (1 kg) to 10^12 t. Anything
    /// smaller would round to nothing (a lot on no wagon at all), anything larger overflow.
    pub(super) fn mass(&mut self, v: &Spanned<f64>, path: &str) -> Option<Tonnes> {
        let t = self.positive(v, path)?;
        match Tonnes::from_t(t) {
            Some(m) if t >= 0.001 => Some(m),
            _ => self.err(v.span(), path, format!("must be between 0.001 t (1 kg) and 10^12 t (got {t})")),
        }
    }

    /// A finite number that is not negative.
    pub(super) fn non_negative(&mut self, v: &Spanned<f64>, path: &str) -> Option<f64> {
        let x = *v.get_ref();
        if x.is_finite() && x >= 0.0 {
            Some(x)
        } else {
            self.err(v.span(), path, format!("must be zero or more (got {x})"))
        }
    }

    /// A probability: `0 <= p <= 1`, or `< 1` when `below_one`.
    pub(super) fn probability(&mut self, v: &Spanned<f64>, path: &str, below_one: bool) -> Option<f64> {
        let p = *v.get_ref();
        let ok = p.is_finite() && p >= 0.0 && if below_one { p < 1.0 } else { p <= 1.0 };
        if ok {
            Some(p)
        } else if below_one {
            self.err(v.span(), path, format!("must be a probability from 0 up to (not including) 1 (got {p})"))
        } else {
            self.err(v.span(), path, format!("must be a probability between 0 and 1 (got {p})"))
        }
    }

    /// One of a few named options, the first being the default when the field is absent. An
    /// unknown name is refused with every option and what it means; checking then goes on
    /// with the default.
    pub(super) fn choice<T: Copy>(
        &mut self,
        v: Option<&Spanned<String>>,
        path: &str,
        what: &str,
        options: &[(&str, T, &str)],
    ) -> T {
        let Some(v) = v else { return options[0].1 };
        if let Some(&(_, value, _)) = options.iter().find(|o| o.0 == v.get_ref()) {
            return value;
        }
        let names: Vec<String> = options
            .iter()
            .map(|(n, _, meaning)| if meaning.is_empty() { format!("\"{n}\"") } else { format!("\"{n}\" ({meaning})") })
            .collect();
        let help = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("use {} or {last}", rest.join(", ")),
            _ => format!("use {}", names.join("")),
        };
        self.err_help::<()>(v.span(), path, format!("unknown {what} \"{}\"", v.get_ref()), help);
        options[0].1
    }

    /// A plain-language name for reports and figures (`label`): one line, not blank, short
    /// enough to sit beside a bar on a figure.
    pub(super) fn label(&mut self, v: Option<&Spanned<String>>, path: &str) {
        let Some(v) = v else { return };
        let s = v.get_ref();
        let n = s.chars().count();
        let path = format!("{path}.label");
        if s.trim().is_empty() {
            self.err::<()>(v.span(), path, "must not be blank (leave `label` out to use the name)");
        } else if s.chars().any(char::is_control) {
            self.err::<()>(v.span(), path, "must be one line, without tabs or line breaks");
        } else if n > LABEL_MAX {
            self.err::<()>(
                v.span(),
                path,
                format!("is {n} characters long: at most {LABEL_MAX}, so that it fits on a figure"),
            );
        }
    }

    /// Where a place is, for the network map: `lat` and `lon` in degrees, both or neither.
    pub(super) fn position(&mut self, lat: Option<&Spanned<f64>>, lon: Option<&Spanned<f64>>, path: &str) {
        for (v, field, limit) in [(lat, "lat", 90.0), (lon, "lon", 180.0)] {
            if let Some(v) = v {
                let x = *v.get_ref();
                if !(x.is_finite() && x.abs() <= limit) {
                    let msg = format!("must be between -{limit} and {limit} degrees (got {x})");
                    self.err::<()>(v.span(), format!("{path}.{field}"), msg);
                }
            }
        }
        match (lat, lon) {
            (Some(v), None) => {
                self.err::<()>(v.span(), format!("{path}.lat"), "needs `lon` as well (a place has both or neither)");
            }
            (None, Some(v)) => {
                self.err::<()>(v.span(), format!("{path}.lon"), "needs `lat` as well (a place has both or neither)");
            }
            _ => {}
        }
    }

    /// A calendar date.
    pub(super) fn date(&mut self, v: &Spanned<toml::Value>, path: &str) -> Option<Date> {
        match values::parse_date(v.get_ref()) {
            Ok(d) => Some(d),
            Err(m) => self.err(v.span(), path, m),
        }
    }
}

/// The longest `label`, in characters.
pub(crate) const LABEL_MAX: usize = 60;

/// Hours from 00:00 of `start` to 00:00 of `d` (negative if `d` is earlier).
pub(super) fn hours_between(start: Date, d: Date) -> f64 {
    start.until(d).map_or(0.0, |s| s.get_days() as f64 * DAY)
}
