//! Desk-wide settings (key → text) and the defaults every desk starts with.

use crate::db::Conn;
use crate::params;
use crate::Result;
use crate::Store;
use rapport_domain::survey::SurveyPolicy;
use rapport_domain::time::Millis;

pub const SAMPLING_KEY: &str = "sampling_key";
pub const DESK_NAME: &str = "desk_name";
pub const DEFAULT_LANGUAGE: &str = "default_language";
pub const TIME_ZONE: &str = "time_zone";
/// Days a ticket's status page stays available after the ticket closes.
pub const STATUS_PAGE_DAYS: &str = "status_page_days";
/// Alert channels for follow-ups (incoming-webhook URLs; secrets) and the hosts an admin
/// allowed on private networks (comma-separated).
pub const ALERT_SLACK_URL: &str = "alert_slack_url";
pub const ALERT_TEAMS_URL: &str = "alert_teams_url";
pub const ALERT_ALLOWED_HOSTS: &str = "alert_allowed_hosts";
pub const BUSINESS_START: &str = "business_hours_start";
pub const BUSINESS_END: &str = "business_hours_end";
pub const BUSINESS_DAYS: &str = "business_days";

impl Store {
    /// Creates what a desk needs on first start: the default survey policy, the secret
    /// key for sampling, a desk name. Safe to run from several instances at once.
    pub async fn ensure_defaults(&self, now: Millis) -> Result<()> {
        self.write(move |conn| {
            let key = rapport_domain::token::random_hex(32);
            for (name, value) in [(SAMPLING_KEY, key.as_str()), (DESK_NAME, "Service Desk"), (DEFAULT_LANGUAGE, "en")] {
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                    params![name, value],
                )?;
            }
            let body = serde_json::to_string(&SurveyPolicy::default_policy()).expect("a policy serializes");
            conn.execute(
                "INSERT INTO survey_policies (is_default, body, created_at, updated_at)
                 SELECT 1, $1, $2, $2 WHERE NOT EXISTS (SELECT 1 FROM survey_policies WHERE is_default = 1)
                 ON CONFLICT DO NOTHING",
                params![body, now],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn setting(&self, key: &'static str) -> Result<Option<String>> {
        self.read(move |conn| setting(conn, key)).await
    }

    pub async fn set_setting(&self, key: &'static str, value: String) -> Result<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(drop)
        })
        .await
    }
}

pub fn setting(conn: &mut dyn Conn, key: &str) -> Result<Option<String>> {
    match conn.query_opt("SELECT value FROM settings WHERE key = $1", params![key])? {
        Some(row) => row.get(0),
        None => Ok(None),
    }
}
