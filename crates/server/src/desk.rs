//! The desk's own facts every customer-facing text needs: its name, default language and
//! time zone (times on cards, emails and pages are the desk's local times).

use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;
use rapport_domain::time::Millis;
use rapport_store::db::Conn;
use rapport_store::settings::{setting, DEFAULT_LANGUAGE, DESK_NAME, TIME_ZONE};

#[derive(Debug, Clone)]
pub struct Desk {
    pub name: String,
    pub default_language: String,
    pub zone: Tz,
}

impl Desk {
    pub fn load(conn: &mut dyn Conn) -> rapport_store::Result<Desk> {
        Ok(Desk {
            name: setting(conn, DESK_NAME)?.unwrap_or_else(|| "Service Desk".into()),
            default_language: setting(conn, DEFAULT_LANGUAGE)?.unwrap_or_else(|| "en".into()),
            zone: setting(conn, TIME_ZONE)?.and_then(|z| z.parse().ok()).unwrap_or(Tz::UTC),
        })
    }

    pub fn local(&self, at: Millis) -> DateTime<Tz> {
        self.zone.timestamp_millis_opt(at).single().unwrap_or_else(|| self.zone.timestamp_millis_opt(0).unwrap())
    }

    /// `2026-11-20` and `10:42`, in the desk's zone.
    pub fn date_and_time(&self, at: Millis) -> (String, String) {
        let local = self.local(at);
        (local.format("%Y-%m-%d").to_string(), local.format("%H:%M").to_string())
    }
}
