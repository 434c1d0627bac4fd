//! Calendars: weekly open hours and closed days, unrolled over the horizon.

use toml::Spanned;

use crate::engine::Calendar;
use crate::model::units::DAY;
use crate::model::world::CalendarId;

use super::{CalendarParts, Compiler, in_order};
use crate::scenario::schema::{Name, OpenHours, in_file_order};
use crate::scenario::suggest::did_you_mean;
use crate::scenario::values;

impl Compiler<'_> {
    pub(super) fn compile_calendars(&mut self) {
        for (name, cal) in in_file_order(&self.f.calendars) {
            let path = format!("calendars.{}", name.get_ref());
            let spec = cal.get_ref();
            let weekly = spec.open.as_ref().map(|open| self.weekly_hours(open, &path));
            let mut closed = Vec::new();
            for (i, entry) in spec.closed.iter().enumerate() {
                let p = format!("{path}.closed[{i}]");
                let text = entry.get_ref();
                let (a, b) = text.split_once("..").unwrap_or((text, text));
                let value = |t: &str| toml::Value::String(t.trim().to_string());
                match self.day_windows(&value(a), &value(b), entry.span(), &p) {
                    Some((days, _)) => {
                        closed.extend(days.iter().map(|&(_, a, b)| (self.hours(a), self.hours(b) + DAY)))
                    }
                    None => {
                        // The message says what is wrong; say how a closed day is written.
                        if let Some(last) = self.c.diags.last_mut()
                            && last.help.is_none()
                        {
                            last.help = Some(
                                "write a day as \"2025-12-08\" or \"12-08\" (every year), a range as \"2025-12-20..2025-12-25\""
                                    .into(),
                            );
                        }
                    }
                }
            }
            let calendar = Calendar::new(weekly.as_deref(), self.week_hour_at_zero, &closed, self.horizon_h);
            self.calendar_ids.insert(name.get_ref().clone(), self.calendars.next_id());
            self.calendars.push(calendar);
            self.calendar_parts.push(CalendarParts { name: name.get_ref().clone(), weekly, closed, span: cal.span() });
        }
    }

    /// Weekly open hours from `open = { daily = [...], weekdays = [...], mon = [...] }`;
    /// a specific day beats `weekdays`/`weekend`, which beat `daily`.
    pub(super) fn weekly_hours(&mut self, open: &Spanned<OpenHours>, path: &str) -> Vec<(f64, f64)> {
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let mut days: [(i32, Vec<(f64, f64)>); 7] = Default::default();
        for d in days.iter_mut() {
            d.0 = -1;
        }
        for (key, list) in in_order(open.get_ref()) {
            let k = key.get_ref().as_str();
            let (level, which): (i32, Vec<usize>) = match k {
                "daily" => (0, (0..7).collect()),
                "weekdays" => (1, (0..5).collect()),
                "weekend" => (1, vec![5, 6]),
                _ => match DAYS.iter().position(|d| *d == k) {
                    Some(i) => (2, vec![i]),
                    None => {
                        let mut keys = vec!["daily", "weekdays", "weekend"];
                        keys.extend(DAYS);
                        self.c.err_help::<()>(
                            key.span(),
                            format!("{path}.open.{k}"),
                            format!("unknown day `{k}`"),
                            did_you_mean(k, "key", keys),
                        );
                        continue;
                    }
                },
            };
            let mut intervals = Vec::new();
            for (i, iv) in list.get_ref().iter().enumerate() {
                let p = format!("{path}.open.{k}[{i}]");
                let parsed = iv
                    .get_ref()
                    .split_once('-')
                    .ok_or_else(|| {
                        format!("\"{}\" is not a range of hours; write it like \"08:00-18:00\"", iv.get_ref())
                    })
                    .and_then(|(a, b)| Ok((values::parse_clock(a)?, values::parse_clock(b)?)));
                match parsed {
                    Ok((a, b)) if a == b => {
                        self.c.err::<()>(
                            iv.span(),
                            p,
                            "an empty range of hours (use \"00:00-24:00\" for the whole day)",
                        );
                    }
                    Ok((a, b)) => intervals.push((a, if b < a { b + DAY } else { b })),
                    Err(m) => {
                        self.c.err::<()>(iv.span(), p, m);
                    }
                }
            }
            for d in which {
                if level >= days[d].0 {
                    days[d] = (level, intervals.clone());
                }
            }
        }
        let mut weekly = Vec::new();
        for (d, (_, ivs)) in days.iter().enumerate() {
            for (a, b) in ivs {
                weekly.push((d as f64 * DAY + a, d as f64 * DAY + b));
            }
        }
        weekly
    }

    pub(super) fn calendar(&mut self, name: &Option<Name>, path: &str) -> Option<CalendarId> {
        let n = name.as_ref()?;
        match self.calendar_ids.get(n.get_ref()) {
            Some(id) => Some(*id),
            None => {
                let mut known: Vec<&str> = self.calendar_ids.keys().map(String::as_str).collect();
                known.sort();
                let help = did_you_mean(n.get_ref(), "calendar", known);
                self.c.err_help(n.span(), path, format!("unknown calendar `{}`", n.get_ref()), help)
            }
        }
    }
}
