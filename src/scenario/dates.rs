//! Dates a scenario may write wherever a disruption happens or a window opens: a fixed date,
//! a date every year in the Gregorian, Iranian (solar Hijri) or Islamic (lunar Hijri)
//! calendar, or a number of days from the order's start, deadline or horizon. Recurring and
//! relative dates are what let an order move in time without rewriting its holidays and
//! seasons.
//!
//! The Iranian calendar is converted exactly (ICU4X's Persian calendar, whose leap years
//! follow the vernal equinox over the centuries any order can fall in). Islamic dates come from
//! the Umm al-Qura tables of Saudi Arabia (KACST, as shipped by ICU4X): the day a lunar month
//! begins in Iran or Central Asia is set by a moon sighting and may differ by a day, so a
//! lunar holiday is an estimate to within a day.

use icu_calendar::Date as IcuDate;
use icu_calendar::cal::{Hijri, Iso, Persian};
use jiff::ToSpan;
use jiff::civil::Date;

/// A date rule as written in a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateRule {
    /// One day.
    Fixed(Date),
    /// The same day every year of a calendar.
    Yearly(Yearly),
    /// A number of days after (or before) one of the order's dates.
    Relative(Anchor, i32),
}

/// A day of the year in one of the calendars the region keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Yearly {
    pub(crate) calendar: CalendarKind,
    pub(crate) month: u8,
    pub(crate) day: u8,
}

/// A calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CalendarKind {
    /// Gregorian: `"12-08"`.
    Gregorian,
    /// Iranian solar Hijri: `"persian 01-01"` (Nowruz).
    Persian,
    /// Islamic lunar Hijri (Umm al-Qura): `"hijri 10-01"` (Eid al-Fitr).
    Hijri,
}

/// One of the order's own dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    Deadline,
    Horizon,
}

/// The order's dates, to which relative dates refer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Anchors {
    pub(crate) start: Date,
    pub(crate) deadline: Date,
    pub(crate) horizon: Date,
}

/// What a date may be written as, for messages.
pub(crate) const DATE_FORMS: &str = "a date (2025-12-08), a day every year (\"12-08\", \"persian 01-01\", \
     \"hijri 10-01\"), or days from the order's dates (\"start\", \"start+30d\", \"deadline-7d\", \"horizon\")";

impl DateRule {
    /// Reads a date rule from a TOML value: a bare or quoted date, or a rule in text.
    pub(crate) fn parse(v: &toml::Value) -> Result<DateRule, String> {
        let text = match v {
            toml::Value::String(s) => s.trim().to_string(),
            toml::Value::Datetime(_) => return super::values::parse_date(v).map(DateRule::Fixed),
            other => return Err(format!("expected {DATE_FORMS}; found {}", other.type_str())),
        };
        if let Ok(d) = text.parse::<Date>() {
            return Ok(DateRule::Fixed(d));
        }
        let bad = || format!("\"{text}\" is not a date; write {DATE_FORMS}");
        for (word, anchor) in [("start", Anchor::Start), ("deadline", Anchor::Deadline), ("horizon", Anchor::Horizon)] {
            if let Some(rest) = text.strip_prefix(word) {
                let rest: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
                if rest.is_empty() {
                    return Ok(DateRule::Relative(anchor, 0));
                }
                let (sign, days) = match rest.split_at(1) {
                    ("+", d) => (1, d),
                    ("-", d) => (-1, d),
                    _ => return Err(bad()),
                };
                let n: i32 = days.strip_suffix('d').and_then(|d| d.parse().ok()).ok_or_else(bad)?;
                if n > 100_000 {
                    return Err(format!("\"{text}\": at most 100,000 days from the order's dates"));
                }
                return Ok(DateRule::Relative(anchor, sign * n));
            }
        }
        let (calendar, md) = match text.split_once(char::is_whitespace) {
            Some(("persian", md)) => (CalendarKind::Persian, md.trim()),
            Some(("hijri", md)) => (CalendarKind::Hijri, md.trim()),
            Some(_) => return Err(bad()),
            None => (CalendarKind::Gregorian, text.as_str()),
        };
        let (m, d) = md.split_once('-').ok_or_else(bad)?;
        let (month, day): (u8, u8) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
        let longest = match (calendar, month) {
            (_, 0) | (_, 13..) => 0,
            (CalendarKind::Gregorian, 2) => 29,
            (CalendarKind::Gregorian, 4 | 6 | 9 | 11) => 30,
            (CalendarKind::Gregorian, _) => 31,
            (CalendarKind::Persian, 1..=6) => 31,
            (CalendarKind::Persian, _) => 30,
            (CalendarKind::Hijri, _) => 30,
        };
        if day == 0 || day > longest {
            return Err(format!("\"{text}\": there is no day {day} of month {month} in that calendar"));
        }
        Ok(DateRule::Yearly(Yearly { calendar, month, day }))
    }

    /// Whether the rule names a day every year.
    pub(crate) fn recurs(&self) -> bool {
        matches!(self, DateRule::Yearly(_))
    }

    /// Every day the rule names from `from` to `to` (inclusive), in order.
    pub(crate) fn days(&self, anchors: &Anchors, from: Date, to: Date) -> Vec<Date> {
        let inside = |d: Date| (from..=to).contains(&d).then_some(d);
        match *self {
            DateRule::Fixed(d) => inside(d).into_iter().collect(),
            DateRule::Relative(anchor, n) => {
                let base = match anchor {
                    Anchor::Start => anchors.start,
                    Anchor::Deadline => anchors.deadline,
                    Anchor::Horizon => anchors.horizon,
                };
                base.checked_add(n.days()).ok().and_then(inside).into_iter().collect()
            }
            DateRule::Yearly(y) => {
                // A Persian or Islamic year overlaps two Gregorian ones: look one year either side.
                let first = y.calendar.year_of(from) - 1;
                let last = y.calendar.year_of(to) + 1;
                let mut out: Vec<Date> =
                    (first..=last).filter_map(|year| y.in_year(year)).filter(|d| *d >= from && *d <= to).collect();
                out.sort();
                out.dedup();
                out
            }
        }
    }
}

impl CalendarKind {
    /// The year of this calendar in which `d` falls.
    fn year_of(self, d: Date) -> i32 {
        let iso = IcuDate::try_new_iso(i32::from(d.year()), d.month() as u8, d.day() as u8);
        match (self, iso) {
            (CalendarKind::Gregorian, _) | (_, Err(_)) => i32::from(d.year()),
            (CalendarKind::Persian, Ok(iso)) => iso.to_calendar(Persian).year().extended_year(),
            (CalendarKind::Hijri, Ok(iso)) => iso.to_calendar(Hijri::new_umm_al_qura()).year().extended_year(),
        }
    }
}

impl Yearly {
    /// The Gregorian date of this day in `year` of its calendar, if that year has it (30
    /// Esfand only in leap years, a lunar month's 30th only in a long month, 29 February
    /// only in leap years).
    fn in_year(&self, year: i32) -> Option<Date> {
        let iso = match self.calendar {
            CalendarKind::Gregorian => {
                return Date::new(i16::try_from(year).ok()?, self.month as i8, self.day as i8).ok();
            }
            CalendarKind::Persian => IcuDate::try_new_persian(year, self.month, self.day).ok()?.to_calendar(Iso),
            CalendarKind::Hijri => {
                let d =
                    IcuDate::try_new_hijri_with_calendar(year, self.month, self.day, Hijri::new_umm_al_qura()).ok()?;
                // ICU clamps nothing here, but check the day survived the round trip.
                if d.day_of_month().0 != self.day {
                    return None;
                }
                d.to_calendar(Iso)
            }
        };
        Date::new(
            i16::try_from(iso.year().extended_year()).ok()?,
            iso.month().ordinal as i8,
            iso.day_of_month().0 as i8,
        )
        .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> DateRule {
        DateRule::parse(&toml::Value::String(s.into())).unwrap()
    }

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    const ANCHORS: Anchors = Anchors {
        start: Date::constant(2026, 12, 1),
        deadline: Date::constant(2027, 3, 31),
        horizon: Date::constant(2028, 3, 31),
    };

    fn every(s: &str, from: &str, to: &str) -> Vec<String> {
        rule(s).days(&ANCHORS, d(from), d(to)).iter().map(ToString::to_string).collect()
    }

    /// Nowruz (1 Farvardin), Sizdah Bedar (13 Farvardin) and the revolution's anniversary
    /// (22 Bahman) converted exactly: 1 Farvardin 1404 was 21 March 2025, and 22 Bahman 1403
    /// 10 February 2025 (the 2025 rallies were on Monday 10 February).
    #[test]
    fn iranian_solar_dates_convert_exactly() {
        assert_eq!(every("persian 01-01", "2025-01-01", "2025-12-31"), ["2025-03-21"]);
        assert_eq!(every("persian 01-13", "2025-01-01", "2025-12-31"), ["2025-04-02"]);
        assert_eq!(every("persian 11-22", "2025-01-01", "2025-12-31"), ["2025-02-10"]);
        // One every year, never two in a Gregorian year, through 2032.
        assert_eq!(every("persian 01-01", "2025-01-01", "2032-12-31").len(), 8);
    }

    /// Umm al-Qura dates of 1446 AH, as Saudi Arabia kept them: 1 Ramadan on 1 March 2025,
    /// Eid al-Fitr (1 Shawwal) on 30 March, Eid al-Adha (10 Dhu al-Hijja) on 6 June; and one
    /// Eid al-Fitr a year, moving about 11 days earlier each year, from 2025 to 2032.
    #[test]
    fn lunar_dates_land_on_the_table_s_days() {
        assert_eq!(every("hijri 09-01", "2025-01-01", "2025-12-31"), ["2025-03-01"]);
        assert_eq!(every("hijri 10-01", "2025-01-01", "2025-12-31"), ["2025-03-30"]);
        assert_eq!(every("hijri 12-10", "2025-01-01", "2025-12-31"), ["2025-06-06"]);
        let eids: Vec<Date> = rule("hijri 10-01").days(&ANCHORS, d("2025-01-01"), d("2032-12-31"));
        assert_eq!(eids.len(), 8, "{eids:?}");
        for pair in eids.windows(2) {
            let gap = pair[0].until(pair[1]).unwrap().get_days();
            assert!((354..=355).contains(&gap), "{pair:?}: {gap} days apart");
        }
    }

    #[test]
    fn gregorian_and_relative_dates() {
        assert_eq!(every("12-12", "2025-09-15", "2026-12-31"), ["2025-12-12", "2026-12-12"]);
        assert_eq!(every("02-29", "2025-01-01", "2028-12-31"), ["2028-02-29"]);
        assert_eq!(every("start+30d", "2000-01-01", "2100-01-01"), ["2026-12-31"]);
        assert_eq!(every("deadline - 7d", "2000-01-01", "2100-01-01"), ["2027-03-24"]);
        assert_eq!(every("horizon", "2000-01-01", "2100-01-01"), ["2028-03-31"]);
        assert_eq!(rule("2025-12-08"), DateRule::Fixed(d("2025-12-08")));
        // Every kind keeps to the range asked for.
        assert!(rule("2025-12-08").days(&ANCHORS, d("2026-01-01"), d("2026-12-31")).is_empty());
        assert!(rule("start+30d").days(&ANCHORS, d("2027-01-01"), d("2027-12-31")).is_empty());
    }

    #[test]
    fn what_cannot_be_a_date_is_refused_with_the_forms_it_may_take() {
        for bad in ["13-01", "02-30", "persian 07-31", "hijri 01-31", "start+3w", "lunar 01-01", "soon", "start*2d"] {
            let e = DateRule::parse(&toml::Value::String(bad.into())).unwrap_err();
            assert!(e.contains(bad), "{bad}: {e}");
        }
        assert!(DateRule::parse(&toml::Value::Integer(3)).unwrap_err().contains("persian 01-01"));
    }
}
