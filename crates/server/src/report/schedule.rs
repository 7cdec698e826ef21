//! The monthly reports by email: on the 1st of each month at 08:00 (desk time) the
//! management report for the month before goes to its recipients, and each client report
//! to its organization's recipients, as self-contained HTML through the outbox. Each
//! message's key names the month, report and recipient, so a job that runs twice sends
//! nothing twice.

use super::build::{build, ReportRequest};
use super::period::Month;
use crate::config::Config;
use crate::desk::Desk;
use crate::worker::Worker;
use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone};
use rapport_domain::email::Email;
use rapport_domain::time::{from_millis, Millis};
use rapport_domain::token::hash_secret;
use rapport_mail::{Mailbox, OutgoingEmail};
use rapport_store::db::Conn;
use rapport_store::jobs::{schedule, JobKind};
use rapport_store::outbox::{self, NewMessage};
use rapport_store::params;
use rapport_store::settings::setting;
use rapport_store::staff_views::{names, NamedKind};
use rapport_store::visibility::Visibility;
use rapport_store::StoreError;

/// Setting: who gets the management report (addresses separated by commas).
pub const MANAGEMENT_RECIPIENTS: &str = "report_recipients";
/// Setting: who gets each client report, one organization per line: `Finance: ana@finance.example, …`.
pub const CLIENT_RECIPIENTS: &str = "client_report_recipients";
const SEND_AT: (u32, u32) = (8, 0);

/// Addresses separated by commas, semicolons or spaces; the first bad one is the error.
pub fn parse_addresses(text: &str) -> Result<Vec<String>, String> {
    text.split([',', ';', ' ', '\n', '\r', '\t'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| Email::parse(a).map(|e| e.as_str().to_string()).map_err(|_| format!("“{a}” is not an email address")))
        .collect()
}

/// `Organization: address, address` per line; answers (organization name, addresses).
pub fn parse_client_recipients(text: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut list = Vec::new();
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        let Some((organization, addresses)) = line.rsplit_once(':') else {
            return Err(format!("line {number}: write it as “Organization: address, address”"));
        };
        let organization = organization.trim();
        if organization.is_empty() {
            return Err(format!("line {number}: the organization's name is missing"));
        }
        let addresses = parse_addresses(addresses).map_err(|e| format!("line {number}: {e}"))?;
        if addresses.is_empty() {
            return Err(format!("line {number}: no address for {organization}"));
        }
        list.push((organization.to_string(), addresses));
    }
    Ok(list)
}

/// The next 1st of a month at 08:00 in the desk's zone after `now`.
pub fn next_run(desk: &Desk, now: Millis) -> Millis {
    let today = desk.local(now).date_naive();
    let at = NaiveTime::from_hms_opt(SEND_AT.0, SEND_AT.1, 0).expect("a valid time");
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let next_month = this_month.checked_add_months(chrono::Months::new(1)).unwrap_or(this_month);
    [this_month, next_month]
        .into_iter()
        .filter_map(|day| desk.zone.from_local_datetime(&day.and_time(at)).earliest())
        .map(|t| t.timestamp_millis())
        .find(|&t| t > now)
        .unwrap_or(now + 28 * 86_400_000)
}

/// Makes sure the monthly job is scheduled (a worker starting on a new database adds it).
pub fn ensure_scheduled(conn: &mut dyn Conn, now: Millis) -> rapport_store::Result<()> {
    let pending: i64 =
        conn.value("SELECT COUNT(*) FROM jobs WHERE kind = 'monthly_reports' AND done_at IS NULL", params![])?;
    if pending == 0 {
        let desk = Desk::load(conn)?;
        schedule(conn, JobKind::MonthlyReports, 0, next_run(&desk, now), now)?;
    }
    Ok(())
}

impl Worker {
    /// Sends last month's reports, then schedules next month's run.
    pub(crate) fn monthly_reports(&self, conn: &mut dyn Conn, now: Millis) -> rapport_store::Result<()> {
        let desk = Desk::load(conn)?;
        let local = desk.local(now);
        let month = Month::new(local.year(), local.month()).map(Month::previous).unwrap_or(Month::containing(now));
        send_reports(conn, &self.config, month, now)?;
        schedule(conn, JobKind::MonthlyReports, 0, next_run(&desk, now), now)
    }
}

/// Puts the month's management and client reports in the outbox for their recipients.
pub fn send_reports(conn: &mut dyn Conn, config: &Config, month: Month, now: Millis) -> rapport_store::Result<()> {
    let desk = &Desk::load(conn)?;
    // Settings are checked when saved; a value broken since is skipped rather than stopping the job.
    let management = setting(conn, MANAGEMENT_RECIPIENTS)?.and_then(|t| parse_addresses(&t).ok()).unwrap_or_default();
    if !management.is_empty() {
        let request = ReportRequest { month, organization: None };
        let report = build(conn, desk, &request, &Visibility::everything(), now)?;
        for address in &management {
            enqueue(conn, config, desk, &report, address, &format!("report:{month}:management:{address}"), now)?;
        }
    }
    let clients = setting(conn, CLIENT_RECIPIENTS)?.and_then(|t| parse_client_recipients(&t).ok()).unwrap_or_default();
    if clients.is_empty() {
        return Ok(());
    }
    let organizations = names(conn, NamedKind::Organizations)?;
    for (name, addresses) in clients {
        let Some(organization) = organizations.iter().find(|o| o.name.eq_ignore_ascii_case(&name)) else {
            tracing::warn!(organization = %name, "client report: no organization of that name");
            continue;
        };
        let request = ReportRequest { month, organization: Some((organization.id, organization.name.clone())) };
        let report = build(conn, desk, &request, &Visibility::everything(), now)?;
        for address in &addresses {
            let key = format!("report:{month}:organization:{}:{address}", organization.id);
            enqueue(conn, config, desk, &report, address, &key, now)?;
        }
    }
    Ok(())
}

fn enqueue(
    conn: &mut dyn Conn,
    config: &Config,
    desk: &Desk,
    report: &rapport_reports::Report,
    address: &str,
    key: &str,
    now: Millis,
) -> rapport_store::Result<()> {
    let email = OutgoingEmail {
        from: Mailbox::new(&desk.name, &config.mail_from),
        to: Mailbox { name: None, address: address.to_string() },
        subject: format!("{} — {} — {}", report.title, report.period_label, desk.name),
        text: rapport_reports::text(report),
        html: rapport_reports::html(report),
        message_id: format!("report-{}@{}", &hash_secret(key)[..32], config.mail_domain()),
        in_reply_to: None,
        list_unsubscribe: None,
        auto_submitted: true,
        date: from_millis(now),
    };
    let raw = email.to_bytes().map_err(|e| StoreError::Corrupt(format!("building a report email: {e}")))?;
    let message = NewMessage {
        kind: "email".into(),
        idempotency_key: key.to_string(),
        sender: config.mail_from.clone(),
        recipient: address.to_string(),
        subject: email.subject,
        body: String::from_utf8_lossy(&raw).into_owned(),
    };
    outbox::enqueue(conn, &message, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_parse_with_clear_errors() {
        assert_eq!(parse_addresses("a@x.example, b@y.example;c@z.example").unwrap().len(), 3);
        assert!(parse_addresses("a@x.example, nope").unwrap_err().contains("nope"));
        let clients =
            parse_client_recipients("Finance: ana@fin.example, bo@fin.example\n\nLegal & Co: li@legal.example")
                .unwrap();
        assert_eq!(clients[0], ("Finance".into(), vec!["ana@fin.example".into(), "bo@fin.example".into()]));
        assert_eq!(clients[1].0, "Legal & Co");
        assert!(parse_client_recipients("Finance ana@fin.example").unwrap_err().starts_with("line 1"));
        assert!(parse_client_recipients("x: \nFinance: bad").unwrap_err().starts_with("line 1"));
        assert!(parse_client_recipients("Finance: bad").unwrap_err().contains("bad"));
    }

    #[test]
    fn the_run_is_the_first_of_the_next_month_at_eight_in_the_desks_zone() {
        let desk = Desk {
            name: "Desk".into(),
            default_language: "en".into(),
            zone: chrono_tz::Europe::Lisbon,
            calendar: Default::default(),
        };
        // 15 October 2026 12:00 UTC → 1 November 2026 08:00 Lisbon (WET, UTC+0).
        let now = chrono::Utc.with_ymd_and_hms(2026, 10, 15, 12, 0, 0).unwrap().timestamp_millis();
        let expected = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap().timestamp_millis();
        assert_eq!(next_run(&desk, now), expected);
        // 1 September 2026 06:00 UTC is 07:00 in Lisbon (WEST): today's 08:00 is still ahead.
        let early = chrono::Utc.with_ymd_and_hms(2026, 9, 1, 6, 0, 0).unwrap().timestamp_millis();
        let at = chrono::Utc.with_ymd_and_hms(2026, 9, 1, 7, 0, 0).unwrap().timestamp_millis();
        assert_eq!(next_run(&desk, early), at);
    }
}
