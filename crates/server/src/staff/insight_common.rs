//! What the insight pages (benchmarks, coaching) share: summing rollup totals, calendar
//! days and months as the rollups count them (days since the epoch, UTC), and the few
//! ways a share is written on a page.

use crate::charts::Point;
use chrono::{Datelike, NaiveDate};
use rapport_domain::stats::{csat, Proportion};
use rapport_store::rollups::Totals;

/// Milliseconds in a day: the rollups' unit of time.
pub const DAY: i64 = 86_400_000;
/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const EPOCH_CE: i32 = 719_163;

/// `a − b`, for "the rest of the desk" (the desk's totals minus one team's).
pub fn subtract(a: &Totals, b: &Totals) -> Totals {
    let mut out = a.clone();
    out.invited -= b.invited;
    out.responses -= b.responses;
    for i in 0..5 {
        out.csat[i] -= b.csat[i];
    }
    for i in 0..11 {
        out.nps[i] -= b.nps[i];
    }
    out.effort_n -= b.effort_n;
    out.effort_sum -= b.effort_sum;
    out.effort_squares -= b.effort_squares;
    out.comments -= b.comments;
    out
}

/// The totals of the days `from` ≤ day < `to` among per-day rows.
pub fn sum_days(days: &[(i64, Totals)], from: i64, to: i64) -> Totals {
    let mut total = Totals::default();
    days.iter().filter(|(day, _)| (from..to).contains(day)).for_each(|(_, t)| total.add(t));
    total
}

/// Counts as the statistics take them (a negative count, impossible, reads as 0).
pub fn counts<const N: usize>(values: &[i64; N]) -> [u64; N] {
    values.map(|v| v.max(0) as u64)
}

/// CSAT of some totals, with its Wilson interval.
pub fn csat_of(t: &Totals) -> Proportion {
    csat(&counts(&t.csat))
}

/// A chart point for some totals.
pub fn csat_point(label: impl Into<String>, t: &Totals) -> Point {
    let p = csat_of(t);
    Point { label: label.into(), value: p.value, low: p.low, high: p.high, n: p.n }
}

/// "87 %", or "–" without answers.
pub fn percent(value: Option<f64>) -> String {
    value.map(|v| format!("{:.0} %", v * 100.0)).unwrap_or_else(|| "–".into())
}

/// "(80–92 %)", or nothing without an interval.
pub fn interval(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(low), Some(high)) => format!("({:.0}–{:.0} %)", low * 100.0, high * 100.0),
        _ => String::new(),
    }
}

/// The calendar date of a day since the epoch.
pub fn date_of(day: i64) -> NaiveDate {
    i32::try_from(day)
        .ok()
        .and_then(|d| d.checked_add(EPOCH_CE))
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or_default()
}

/// The day since the epoch of a calendar date.
pub fn day_of(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce() - EPOCH_CE)
}

/// The first day of the month `offset` months from the month of `day` (−1 = the month
/// before), as a day since the epoch.
pub fn month_start(day: i64, offset: i32) -> i64 {
    let date = date_of(day);
    let index = date.year() * 12 + date.month0() as i32 + offset;
    let first = NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1);
    first.map(day_of).unwrap_or(day)
}

/// A filter's value from the query string; blank, or holding control characters (which no
/// name has, and PostgreSQL refuses in text), is no filter.
pub fn some(raw: &Option<String>) -> Option<String> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty() && !s.chars().any(char::is_control)).map(str::to_string)
}

/// A duration as a person says it: "45 min", "3 h 20 min", "2 d 4 h" (rounded to minutes).
pub fn duration_words(ms: i64) -> String {
    let minutes = ms.max(0).saturating_add(30_000) / 60_000;
    let (days, hours, minutes) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => "under a minute".into(),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// Setting: the desk's CSAT target in percent (dashboards, benchmarks, reports).
pub const CSAT_TARGET: &str = "csat_target";
/// The target when none is set.
pub const DEFAULT_TARGET: f64 = 0.85;

/// The desk's CSAT target as a share (a value out of range reads as the default).
pub fn csat_target(conn: &mut dyn rapport_store::db::Conn) -> rapport_store::Result<f64> {
    let set = rapport_store::settings::setting(conn, CSAT_TARGET)?.and_then(|t| t.trim().parse::<f64>().ok());
    Ok(set.filter(|t| (1.0..=100.0).contains(t)).map(|t| t / 100.0).unwrap_or(DEFAULT_TARGET))
}

/// The days `from` ≤ day < `to` in buckets, in order and with empty buckets kept: ISO weeks
/// ("2026-W14"), or calendar months ("Oct 2026") when `by_month`.
pub fn buckets(days: &[(i64, Totals)], from: i64, to: i64, by_month: bool) -> Vec<(String, Totals)> {
    let label = |day: i64| {
        if by_month {
            month_label(day)
        } else {
            let week = date_of(day).iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
    };
    let mut out: Vec<(String, Totals)> = Vec::new();
    let mut rows = days.iter().filter(|(day, _)| (from..to).contains(day)).peekable();
    for day in from..to {
        let name = label(day);
        if out.last().is_none_or(|(last, _)| *last != name) {
            out.push((name, Totals::default()));
        }
        while let Some((_, t)) = rows.next_if(|(d, _)| *d == day) {
            if let Some((_, into)) = out.last_mut() {
                into.add(t);
            }
        }
    }
    out
}

/// "Oct 2026" for the month of a day.
pub fn month_label(day: i64) -> String {
    date_of(day).format("%b %Y").to_string()
}

/// "2026-10-01" for a day.
pub fn iso(day: i64) -> String {
    date_of(day).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_says_them() {
        let minute = 60_000;
        assert_eq!(duration_words(10_000), "under a minute");
        assert_eq!(duration_words(45 * minute), "45 min");
        assert_eq!(duration_words(200 * minute), "3 h 20 min");
        assert_eq!(duration_words(180 * minute + 29_000), "3 h");
        assert_eq!(duration_words((2 * 24 * 60 + 4 * 60 + 10) * minute), "2 d 4 h");
        assert_eq!(duration_words(24 * 60 * minute), "1 d");
    }

    #[test]
    fn months_are_counted_in_calendar_months_across_years() {
        let day = day_of(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
        assert_eq!(iso(month_start(day, 0)), "2026-01-01");
        assert_eq!(iso(month_start(day, -1)), "2025-12-01");
        assert_eq!(iso(month_start(day, -13)), "2024-12-01");
        assert_eq!(iso(month_start(day, 1)), "2026-02-01");
        assert_eq!(month_label(day), "Jan 2026");
        assert_eq!(date_of(0).to_string(), "1970-01-01");
    }

    #[test]
    fn the_rest_is_the_whole_less_the_part() {
        let whole = Totals { responses: 10, csat: [1, 1, 1, 3, 4], ..Totals::default() };
        let part = Totals { responses: 4, csat: [1, 0, 0, 1, 2], ..Totals::default() };
        let rest = subtract(&whole, &part);
        assert_eq!((rest.responses, rest.csat), (6, [0, 1, 1, 2, 2]));
        let days = vec![(5, part.clone()), (6, rest.clone()), (9, whole.clone())];
        assert_eq!(sum_days(&days, 5, 7), whole);
        assert_eq!(csat_of(&rest).successes, 4);
    }

    #[test]
    fn days_fall_into_weeks_and_months_with_empty_ones_kept() {
        let monday = day_of(NaiveDate::from_ymd_opt(2026, 3, 30).unwrap());
        let one = Totals { responses: 1, csat: [0, 0, 0, 0, 1], ..Totals::default() };
        let days = vec![(monday, one.clone()), (monday + 1, one.clone()), (monday + 15, one.clone())];
        let weeks = buckets(&days, monday, monday + 21, false);
        let shape: Vec<(String, i64)> = weeks.iter().map(|(l, t)| (l.clone(), t.responses)).collect();
        assert_eq!(shape, [("2026-W14".into(), 2), ("2026-W15".into(), 0), ("2026-W16".into(), 1)]);
        let months = buckets(&days, monday, monday + 21, true);
        assert_eq!(
            months.iter().map(|(l, t)| (l.as_str(), t.responses)).collect::<Vec<_>>(),
            [("Mar 2026", 2), ("Apr 2026", 1)]
        );
    }
}
