//! The desk's own facts every customer-facing text needs: its name, default language and
//! time zone (times on cards, emails and pages are the desk's local times).

use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;
use rapport_domain::business_hours::BusinessCalendar;
use rapport_domain::time::Millis;
use rapport_store::db::Conn;
use rapport_store::settings::{
    setting, BUSINESS_DAYS, BUSINESS_END, BUSINESS_START, DEFAULT_LANGUAGE, DESK_NAME, TIME_ZONE,
};

#[derive(Debug, Clone)]
pub struct Desk {
    pub name: String,
    pub default_language: String,
    pub zone: Tz,
    /// Business hours in the desk's zone: the clock SLAs run on.
    pub calendar: BusinessCalendar,
}

impl Desk {
    pub fn load(conn: &mut dyn Conn) -> rapport_store::Result<Desk> {
        let zone = setting(conn, TIME_ZONE)?.unwrap_or_else(|| "UTC".into());
        let start = setting(conn, BUSINESS_START)?.unwrap_or_else(|| "09:00".into());
        let end = setting(conn, BUSINESS_END)?.unwrap_or_else(|| "17:00".into());
        let days = setting(conn, BUSINESS_DAYS)?.unwrap_or_else(|| "mon,tue,wed,thu,fri".into());
        Ok(Desk {
            name: setting(conn, DESK_NAME)?.unwrap_or_else(|| "Service Desk".into()),
            default_language: setting(conn, DEFAULT_LANGUAGE)?.unwrap_or_else(|| "en".into()),
            zone: zone.parse().unwrap_or(Tz::UTC),
            // Settings are checked when saved; a broken value falls back rather than stops SLAs.
            calendar: BusinessCalendar::from_settings(&zone, &start, &end, &days).unwrap_or_default(),
        })
    }

    pub fn local(&self, at: Millis) -> DateTime<Tz> {
        self.zone.timestamp_millis_opt(at).single().unwrap_or_else(|| self.zone.timestamp_millis_opt(0).unwrap())
    }

    /// `2026-11-20 10:42` in the desk's zone, with the zone's abbreviation.
    pub fn format(&self, at: Millis) -> String {
        self.local(at).format("%a %Y-%m-%d %H:%M %Z").to_string()
    }

    /// `2026-11-20` and `10:42`, in the desk's zone.
    pub fn date_and_time(&self, at: Millis) -> (String, String) {
        let local = self.local(at);
        (local.format("%Y-%m-%d").to_string(), local.format("%H:%M").to_string())
    }
}
