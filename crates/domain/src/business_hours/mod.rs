//! Business-hours arithmetic for SLA clocks.
//!
//! A recovery case's SLA ("first contact within 4 business hours", "resolved within 2 business
//! days") is a promise about the desk's *working* time: the clock runs only while the desk is open,
//! so a complaint that arrives on Friday evening is not overdue by Monday morning. Business hours
//! are local wall-clock times in the desk's time zone, so a 09:00 opening stays 09:00 across
//! daylight-saving changes even though its UTC instant moves.
//!
//! # Rules
//!
//! - On each business day the desk is open over the half-open interval [opening, closing): from
//!   the instant the local clock reads `start` up to, but excluding, the instant it reads `end`.
//!   An instant exactly at closing is closed; the next business minute starts at the next opening.
//! - From an instant outside business hours, counting starts at the next opening.
//! - Spring forward (a DST gap): a `start` or `end` that does not exist on that day moves to the
//!   first instant after it, the moment the clocks change (New York 02:30 on 2026-03-08 becomes
//!   03:00 EDT). If both fall in the gap, the desk has no business hours that day.
//! - Fall back (a DST overlap): an ambiguous `start` takes the earlier instant and an ambiguous
//!   `end` the later one, so the repeated hour is worked, never lost.
//! - Zero or negative amounts return `from` unchanged (not `next_open(from)`).
//! - A result that lands exactly on a closing instant is reported as that closing instant, "close
//!   of business", not the next morning: both are the same point on the business clock. Callers
//!   scheduling work rather than deadlines can pass it through [`BusinessCalendar::next_open`].
//! - Arithmetic is exact to the millisecond; [`BusinessCalendar::business_minutes_between`]
//!   rounds the result down to whole minutes.
//! - Dates after the year 9999 are not searched: absurdly large amounts saturate at the last
//!   closing found instead of walking towards the end of chrono's calendar.
//!
//! Walking is day by day (never minute by minute), and only business days cost a time-zone
//! lookup, so SLAs of years take a few thousand cheap steps.

use chrono::{Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Weekday};
use chrono_tz::Tz;

use crate::time::{from_millis, Millis};

#[cfg(test)]
mod tests;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
/// Dates after this year are not searched, so absurd inputs saturate instead of walking to the
/// end of chrono's calendar.
const LAST_YEAR: i32 = 9999;
/// Consecutive calendar days without business hours after which a search gives up. Every week has
/// a business day, and a DST gap can empty at most one of them, so only the end of time gets here.
const MAX_CLOSED_RUN: u32 = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown time zone {0:?} (expected an IANA name like \"Europe/Lisbon\")")]
    UnknownTimeZone(String),
    #[error("bad business hours: {0}")]
    BadHours(String),
    #[error("unknown day of the week {0:?} (expected names like \"mon\" or \"monday\")")]
    UnknownDay(String),
    #[error("a desk needs at least one business day")]
    NoBusinessDays,
}

/// When a desk is open: the same local hours on every business day, in one time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessCalendar {
    tz: Tz,
    start: NaiveTime,
    end: NaiveTime,
    /// Indexed Monday = 0 .. Sunday = 6.
    days: [bool; 7],
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        Self::utc_office_hours()
    }
}

/// Which side of the business day a local time bounds; decides how DST overlaps resolve.
#[derive(Clone, Copy)]
enum Edge {
    Opening,
    Closing,
}

impl BusinessCalendar {
    /// A calendar open from `start` to `end` (local time in `tz`, `start < end`) on `days`.
    pub fn new(tz: Tz, start: NaiveTime, end: NaiveTime, days: &[Weekday]) -> Result<Self, CalendarError> {
        if start >= end {
            return Err(CalendarError::BadHours(format!(
                "opening {} must be before closing {}",
                start.format("%H:%M"),
                end.format("%H:%M")
            )));
        }
        let mut flags = [false; 7];
        for day in days {
            flags[day.num_days_from_monday() as usize] = true;
        }
        if !flags.contains(&true) {
            return Err(CalendarError::NoBusinessDays);
        }
        Ok(Self { tz, start, end, days: flags })
    }

    /// From the desk settings' text form: a time zone name like "Europe/Lisbon", hours like
    /// "09:00" and "17:00" (seconds allowed), and comma-separated days like "mon,tue,wed,thu,fri"
    /// (full names and any case accepted; blanks between commas ignored).
    pub fn from_settings(tz: &str, start: &str, end: &str, days: &str) -> Result<Self, CalendarError> {
        let zone = tz.trim().parse::<Tz>().map_err(|_| CalendarError::UnknownTimeZone(tz.trim().to_string()))?;
        let weekdays = days
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(|name| name.parse::<Weekday>().map_err(|_| CalendarError::UnknownDay(name.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(zone, parse_time(start)?, parse_time(end)?, &weekdays)
    }

    /// The product default: UTC, 09:00–17:00, Monday to Friday.
    pub fn utc_office_hours() -> Self {
        let hour = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
        Self { tz: Tz::UTC, start: hour(9), end: hour(17), days: [true, true, true, true, true, false, false] }
    }

    /// Whether the desk is open at `at` (an opening instant is open, a closing instant is not).
    pub fn is_open(&self, at: Millis) -> bool {
        self.windows_from(at).next().is_some_and(|(open, _)| open == at)
    }

    /// The next instant ≥ `at` when the desk is open: `at` itself during business hours.
    pub fn next_open(&self, at: Millis) -> Millis {
        self.windows_from(at).next().map_or(at, |(open, _)| open)
    }

    /// The instant `minutes` business minutes after `from`: when an SLA of that many business
    /// minutes, started at `from`, runs out. From outside business hours counting starts at the
    /// next opening; a result exactly at closing stays there (see the module rules). Zero or
    /// negative `minutes` return `from` unchanged.
    pub fn add_business_minutes(&self, from: Millis, minutes: i64) -> Millis {
        self.add_business_millis(from, minutes.saturating_mul(MINUTE_MS))
    }

    /// "Within N business days": N business days are N × (end − start) of business time, the
    /// nominal length of a business day. So an answer on Friday 15:00 (09:00–17:00, Mon–Fri) plus
    /// 2 business days is due Tuesday 15:00, the same time of day; from outside hours the clock
    /// starts at the next opening, so Saturday 11:00 + 2 is due at close of business Tuesday
    /// (17:00), the same business instant as Wednesday 09:00 (use [`Self::next_open`] for that
    /// form). Only when a DST change falls inside business hours does the result differ from "same
    /// time of day": a business day is a fixed amount of desk time, not a calendar day. Zero or
    /// negative `days` return `from` unchanged.
    pub fn add_business_days(&self, from: Millis, days: i64) -> Millis {
        self.add_business_millis(from, days.saturating_mul(self.day_millis()))
    }

    /// Business minutes between two instants (rounded down; 0 if `to <= from`): how long the SLA
    /// clock ran, for "time to first contact" and overdue checks.
    pub fn business_minutes_between(&self, from: Millis, to: Millis) -> i64 {
        let mut total = 0;
        if to > from {
            for (open, close) in self.windows_from(from) {
                if open >= to {
                    break;
                }
                total += close.min(to) - open;
                if close >= to {
                    break;
                }
            }
        }
        total / MINUTE_MS
    }

    fn add_business_millis(&self, from: Millis, millis: i64) -> Millis {
        if millis <= 0 {
            return from;
        }
        let mut remaining = millis;
        let mut reached = from;
        for (open, close) in self.windows_from(from) {
            if remaining <= close - open {
                return open + remaining;
            }
            remaining -= close - open;
            reached = close;
        }
        reached
    }

    /// The nominal length of a business day in milliseconds (positive: `start < end`).
    fn day_millis(&self) -> i64 {
        (self.end - self.start).num_milliseconds()
    }

    /// Business hours from `at` on, in order: each `(open, close)` has `at <= open < close`, and
    /// the first one contains `at` when the desk is open at `at`. The walk starts a day early in
    /// case `at` sits in a window that began on the previous local date.
    fn windows_from(&self, at: Millis) -> Windows<'_> {
        let today = self.tz.from_utc_datetime(&from_millis(at).naive_utc()).date_naive();
        Windows { calendar: self, date: today.pred_opt().unwrap_or(today), cursor: at }
    }

    /// The business hours of one local date, if it is a business day and they are not empty.
    fn window(&self, date: NaiveDate) -> Option<(Millis, Millis)> {
        if !self.days[date.weekday().num_days_from_monday() as usize] {
            return None;
        }
        let open = self.resolve(date.and_time(self.start), Edge::Opening);
        let close = self.resolve(date.and_time(self.end), Edge::Closing);
        (open < close).then_some((open, close))
    }

    /// The instant a local wall-clock time names, by the DST rules in the module docs.
    fn resolve(&self, local: NaiveDateTime, edge: Edge) -> Millis {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(at) => at.timestamp_millis(),
            LocalResult::Ambiguous(first, second) => match edge {
                Edge::Opening => first.timestamp_millis().min(second.timestamp_millis()),
                Edge::Closing => first.timestamp_millis().max(second.timestamp_millis()),
            },
            LocalResult::None => self.gap_end(local.and_utc().timestamp_millis()),
        }
    }

    /// For a wall-clock reading `wall` (local time written as if it were UTC) that falls in a DST
    /// gap, the first instant whose local reading is at or after it: the moment the clocks jump.
    /// Found by bisection between the two offsets around the gap (at most ~40 steps).
    fn gap_end(&self, wall: Millis) -> Millis {
        let before = self.offset_millis(wall - DAY_MS);
        let after = self.offset_millis(wall + DAY_MS);
        let reads = |at: Millis| at + self.offset_millis(at);
        let (mut lo, mut hi) = (wall - after, wall - before);
        if lo >= hi || reads(lo) >= wall || reads(hi) < wall {
            // Not a simple gap (two changes within a day): read the time with the earlier offset.
            return hi;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if reads(mid) >= wall {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    /// The zone's UTC offset at an instant, in milliseconds.
    fn offset_millis(&self, at: Millis) -> i64 {
        let offset = self.tz.offset_from_utc_datetime(&from_millis(at).naive_utc());
        i64::from(offset.fix().local_minus_utc()) * 1000
    }
}

fn parse_time(raw: &str) -> Result<NaiveTime, CalendarError> {
    let raw = raw.trim();
    NaiveTime::parse_from_str(raw, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"))
        .map_err(|_| CalendarError::BadHours(format!("{raw:?} is not a time of day like \"09:00\"")))
}

/// The walk behind every query: one local date per step, yielding each day's business hours
/// clipped to start no earlier than the cursor (`at`, then the previous closing), so windows come
/// out disjoint and increasing even around odd DST transitions.
struct Windows<'a> {
    calendar: &'a BusinessCalendar,
    date: NaiveDate,
    cursor: Millis,
}

impl Iterator for Windows<'_> {
    type Item = (Millis, Millis);

    fn next(&mut self) -> Option<Self::Item> {
        for _ in 0..MAX_CLOSED_RUN {
            if self.date.year() > LAST_YEAR {
                return None;
            }
            let date = self.date;
            self.date = date.succ_opt()?;
            if let Some((open, close)) = self.calendar.window(date) {
                let open = open.max(self.cursor);
                if close > open {
                    self.cursor = close;
                    return Some((open, close));
                }
            }
        }
        None
    }
}
