//! Dates in disruptions and calendars: fixed, recurring or relative (see
//! [`crate::scenario::dates`]), expanded over the order's start to its horizon. A fixed date
//! or window that falls wholly outside gives a note, not an error, so that an order can move
//! in time; a window cut by the start or the horizon is clipped.

use std::ops::Range;

use jiff::civil::Date;

use super::Compiler;
use crate::scenario::dates::{DATE_FORMS, DateRule};

/// Windows of days, each as (the day it opened, its first and its last day within the
/// horizon), and whether they recur every year.
pub(super) type DayWindows = (Vec<(Date, Date, Date)>, bool);

/// Days a recurring window may last at most (a season), so that a window whose end never
/// comes is refused rather than run for ever.
const LONGEST_WINDOW_DAYS: i32 = 366;

impl Compiler<'_> {
    /// A year before the order's start: recurring days count from there, so that a season
    /// or a long disruption under way at the start is not lost.
    fn year_before_start(&self) -> Date {
        let start = self.anchors.start;
        start.checked_sub(jiff::Span::new().days(LONGEST_WINDOW_DAYS)).unwrap_or(start)
    }

    fn rule(&mut self, v: &toml::Value, span: Range<usize>, path: &str) -> Option<DateRule> {
        match DateRule::parse(v) {
            Ok(r) => Some(r),
            Err(m) => self.c.err(span, path, m),
        }
    }

    /// One day, fixed or relative to the order's dates (`"deadline-30d"`); not recurring.
    pub(super) fn one_day(&mut self, v: &toml::Spanned<toml::Value>, path: &str) -> Option<Date> {
        match self.rule(v.get_ref(), v.span(), path)? {
            r if r.recurs() => self.c.err_help(
                v.span(),
                path,
                "this is one day, not a day every year",
                "write a date (2025-10-31) or days from the order's dates (\"deadline-61d\")",
            ),
            r => r.days(&self.anchors, Date::MIN, Date::MAX).first().copied(),
        }
    }

    /// Dated values (`changes = [{ at, FIELD }]` of a pool or a stage): each row's day, in
    /// hours since the start, and its value (at least `min`). Rows must be in date order, one
    /// per day; a day before the start applies from it, and one after the horizon is left out
    /// (each with a note).
    pub(super) fn dated_values(
        &mut self,
        rows: &[(&toml::Spanned<toml::Value>, &toml::Spanned<i64>)],
        path: &str,
        field: &str,
        min: i64,
    ) -> Vec<(f64, u32)> {
        let mut out = Vec::new();
        let mut last_day = None;
        for (i, (at, value)) in rows.iter().enumerate() {
            let p = format!("{path}.changes[{i}]");
            let day = self.one_day(at, &format!("{p}.at"));
            let value = self.c.count(value, &format!("{p}.{field}"), min);
            let (Some(day), Some(value)) = (day, value) else { continue };
            if last_day.is_some_and(|d| day <= d) {
                self.c.err::<()>(at.span(), format!("{p}.at"), "changes must be in date order, one per day");
                continue;
            }
            last_day = Some(day);
            if day > self.anchors.horizon {
                self.c.note(at.span(), format!("{p}.at"), format!("{day} is after the horizon: left out"));
                continue;
            }
            if day < self.anchors.start {
                self.c.note(
                    at.span(),
                    format!("{p}.at"),
                    format!("{day} is before the order's start {}: in force from the start", self.anchors.start),
                );
            }
            out.push((self.hours(day).max(0.0), value));
        }
        out
    }

    /// `at`: one date rule or a list of them. Returns the days they name up to the horizon (in
    /// order, each once), and whether any rule recurs. A recurring rule counts from a year
    /// before the start, and a fixed date may lie before it: a disruption under way at the
    /// start counts for what is left of it. A fixed date after the horizon gets a note and is
    /// left out; one before the start, a note.
    pub(super) fn days_at(&mut self, at: &toml::Spanned<toml::Value>, path: &str) -> Option<(Vec<Date>, bool)> {
        let span = at.span();
        let items: Vec<(&toml::Value, String)> = match at.get_ref() {
            toml::Value::Array(items) if items.is_empty() => {
                return self.c.err(span, path, "give at least one date, e.g. at = [2025-12-08, \"12-12\"]");
            }
            toml::Value::Array(items) => items.iter().enumerate().map(|(k, v)| (v, format!("{path}[{k}]"))).collect(),
            one => vec![(one, path.to_string())],
        };
        let mut days: Vec<Date> = Vec::new();
        let mut recurs = false;
        let mut rules: Vec<DateRule> = Vec::new();
        for (v, p) in items {
            let r = self.rule(v, span.clone(), &p)?;
            if rules.contains(&r) {
                return self.c.err(span, p, format!("{} is listed twice", describe(v)));
            }
            rules.push(r);
            recurs |= r.recurs();
            let a = self.anchors;
            if r.recurs() {
                days.extend(r.days(&a, self.year_before_start(), a.horizon));
            } else {
                let fixed = r.days(&a, Date::MIN, Date::MAX);
                if fixed.iter().any(|d| *d > a.horizon) {
                    self.c.note(
                        span.clone(),
                        &p,
                        format!("{} is after the horizon {}: left out", describe(v), a.horizon),
                    );
                    continue;
                }
                if fixed.iter().any(|d| *d < a.start) {
                    self.c.note(
                        span.clone(),
                        &p,
                        format!(
                            "{} is before the order's start {}: only what is left of it then counts",
                            describe(v),
                            a.start
                        ),
                    );
                }
                days.extend(fixed);
            }
        }
        days.sort();
        days.dedup();
        Some((days, recurs))
    }

    /// `[from, to]`, both days included: one window for fixed or relative ends, one a year for
    /// recurring ends (each running from an occurrence of `from` to the next occurrence of
    /// `to`), clipped to the start and the horizon, each with the day it opened (before
    /// clipping). Also says whether the window recurs.
    pub(super) fn day_windows(
        &mut self,
        from: &toml::Value,
        to: &toml::Value,
        span: Range<usize>,
        path: &str,
    ) -> Option<DayWindows> {
        let (a, b) =
            (self.rule(from, span.clone(), &format!("{path}[0]")), self.rule(to, span.clone(), &format!("{path}[1]")));
        let (a, b) = (a?, b?);
        let anchors = self.anchors;
        let windows: Vec<(Date, Date)> = match (a.recurs(), b.recurs()) {
            (false, false) => {
                // The days as written: a window may open before the start (it is clipped below).
                let (x, y) = (a.days(&anchors, Date::MIN, Date::MAX), b.days(&anchors, Date::MIN, Date::MAX));
                let (Some(&x), Some(&y)) = (x.first(), y.first()) else { return None };
                if y < x {
                    return self.c.err(span, path, format!("the window ends ({y}) before it starts ({x})"));
                }
                vec![(x, y)]
            }
            (true, true) => {
                let mut out = Vec::new();
                for open in a.days(&anchors, self.year_before_start(), anchors.horizon) {
                    let limit = open.checked_add(jiff::Span::new().days(LONGEST_WINDOW_DAYS)).unwrap_or(open);
                    match b.days(&anchors, open, limit).first() {
                        Some(&close) => out.push((open, close)),
                        None => {
                            return self.c.err(
                                span,
                                path,
                                format!("the window opening on {open} does not close within a year"),
                            );
                        }
                    }
                }
                out
            }
            _ => {
                return self.c.err_help(
                    span,
                    path,
                    "one end of the window recurs every year and the other does not",
                    format!("write both ends the same way: {DATE_FORMS}"),
                );
            }
        };
        let recurs = a.recurs();
        let clipped: Vec<(Date, Date, Date)> = windows
            .into_iter()
            .map(|(x, y)| (x, x.max(anchors.start), y.min(anchors.horizon)))
            .filter(|(_, x, y)| x <= y)
            .collect();
        if clipped.is_empty() && !recurs {
            self.c.note(
                span,
                path,
                format!("the window is outside the order's {} to {}: left out", anchors.start, anchors.horizon),
            );
        }
        Some((clipped, recurs))
    }
}

/// A date as written, for messages.
fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}
