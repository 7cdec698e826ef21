//! A report's period: one calendar month. Rollups count by UTC day, so a month is its UTC
//! days; the desk's zone moves its edges by a few hours at most.

use crate::staff::insight_common::{date_of, day_of, DAY};
use chrono::{Datelike, NaiveDate};
use rapport_domain::time::Millis;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    first: NaiveDate,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|first| Month { first })
    }

    /// The month `at` falls in (UTC).
    pub fn containing(at: Millis) -> Month {
        let date = date_of(at.div_euclid(DAY));
        Month::new(date.year(), date.month()).expect("a valid month")
    }

    pub fn previous(self) -> Month {
        let date = self.first.pred_opt().unwrap_or(self.first);
        Month::new(date.year(), date.month()).unwrap_or(self)
    }

    pub fn next(self) -> Month {
        let last = self.first + chrono::Days::new(31);
        Month::new(last.year(), last.month()).unwrap_or(self)
    }

    /// The same month a year earlier.
    pub fn year_before(self) -> Month {
        Month::new(self.first.year() - 1, self.first.month()).unwrap_or(self)
    }

    /// Days since the epoch: first day (inclusive) and the next month's first day (exclusive).
    pub fn days(self) -> (i64, i64) {
        (day_of(self.first), day_of(self.next().first))
    }

    pub fn millis(self) -> (Millis, Millis) {
        let (from, to) = self.days();
        (from * DAY, to * DAY)
    }

    /// "October 2026".
    pub fn label(self) -> String {
        self.first.format("%B %Y").to_string()
    }

    /// "Oct 2026", for chart axes.
    pub fn short_label(self) -> String {
        self.first.format("%b %Y").to_string()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first.format("%Y-%m"))
    }
}

impl FromStr for Month {
    type Err = String;

    /// `2026-10`.
    fn from_str(s: &str) -> Result<Month, String> {
        let invalid = || format!("“{s}” is not a month; write it as YYYY-MM, for example 2026-10");
        let (year, month) = s.trim().split_once('-').ok_or_else(invalid)?;
        let (year, month) = (year.parse::<i32>().map_err(|_| invalid())?, month.parse::<u32>().map_err(|_| invalid())?);
        if !(2000..=2200).contains(&year) {
            return Err(invalid());
        }
        Month::new(year, month).ok_or_else(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_step() {
        let october: Month = "2026-10".parse().unwrap();
        assert_eq!(october.label(), "October 2026");
        assert_eq!(october.previous().to_string(), "2026-09");
        assert_eq!("2026-01".parse::<Month>().unwrap().previous().to_string(), "2025-12");
        assert_eq!("2026-12".parse::<Month>().unwrap().next().to_string(), "2027-01");
        assert_eq!(october.year_before().to_string(), "2025-10");
        let (from, to) = october.days();
        assert_eq!(to - from, 31);
        assert_eq!(date_of(from).to_string(), "2026-10-01");
        assert_eq!(Month::containing(october.millis().1 - 1), october);
        for bad in ["2026-13", "2026", "26-10x", "", "1999-01", "2026-00"] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
    }
}
