//! Rapport stores every instant as milliseconds since the Unix epoch (UTC), the one
//! representation that SQLite and PostgreSQL index and compare the same way.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

pub type Millis = i64;

pub fn to_millis(at: DateTime<Utc>) -> Millis {
    at.timestamp_millis()
}

pub fn from_millis(ms: Millis) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// RFC 3339 in UTC with a `Z`, as the API writes every time.
pub fn rfc3339(ms: Millis) -> String {
    from_millis(ms).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses RFC 3339 with any offset (the API form), or a plain `YYYY-MM-DD HH:MM[:SS]`
/// or `YYYY-MM-DD`, taken as UTC (the forms spreadsheets export).
pub fn parse_instant(raw: &str) -> Option<Millis> {
    let raw = raw.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.timestamp_millis());
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(raw, format) {
            return Some(naive.and_utc().timestamp_millis());
        }
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_parse_in_the_forms_tools_export() {
        let expected = parse_instant("2026-11-20T14:03:00Z").unwrap();
        assert_eq!(parse_instant("2026-11-20T15:03:00+01:00"), Some(expected));
        assert_eq!(parse_instant("2026-11-20 14:03:00"), Some(expected));
        assert_eq!(parse_instant("2026-11-20 14:03"), Some(expected));
        assert_eq!(rfc3339(expected), "2026-11-20T14:03:00Z");
        assert!(parse_instant("20/11/2026").is_none());
        assert!(parse_instant("2026-13-01T00:00:00Z").is_none());
    }
}
