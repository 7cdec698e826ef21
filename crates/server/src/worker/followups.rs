//! Follow-up jobs: firing after the grace window (owner, due times, alerts, the customer's
//! acknowledgement), the escalation check at each due time, automatic check-ins, the
//! recovery survey, and the managers' morning digest of overdue cases.

use super::Worker;
use crate::desk::Desk;
use crate::followup_mail;
use chrono::{Days, NaiveTime, TimeZone};
use rapport_domain::followup::{default_checkin_message, FollowUpRules};
use rapport_domain::time::Millis;
use rapport_domain::visit::first_name;
use rapport_store::db::Conn;
use rapport_store::followups::{self, FollowUp};
use rapport_store::jobs::{schedule, JobKind};
use rapport_store::params;
use rapport_store::policies::policy_by_id;
use rapport_webhooks::AlertKind;

/// The digest goes out at this local time, every day.
const DIGEST_AT: (u32, u32) = (8, 0);

fn rules(conn: &mut dyn Conn, f: &FollowUp) -> rapport_store::Result<FollowUpRules> {
    Ok(policy_by_id(conn, f.policy_id)?.follow_up)
}

fn owner(f: &FollowUp) -> Vec<(String, String)> {
    match (&f.owner_name, &f.owner_email) {
        (Some(name), Some(email)) => vec![(name.clone(), email.clone())],
        _ => Vec::new(),
    }
}

impl Worker {
    pub(super) fn fire_follow_up(&self, conn: &mut dyn Conn, id: i64, now: Millis) -> rapport_store::Result<()> {
        let Some(pending) = followups::follow_up(conn, id)? else { return Ok(()) };
        let rules = rules(conn, &pending)?;
        let desk = Desk::load(conn)?;
        let Some(f) = followups::fire(conn, id, &rules, &desk.calendar, now)? else { return Ok(()) };
        if f.kind == "recovery" {
            followup_mail::alert(conn, &self.config, &desk, &f, AlertKind::Recovery, &owner(&f), now)?;
            if rules.acknowledge_customer {
                followup_mail::acknowledge(conn, &self.config, &desk, &f, &rules, now)?;
                followups::event(conn, id, now, "rapport", "acknowledged", None, None)?;
            }
        }
        Ok(())
    }

    /// At a due time: a late recovery case is escalated to the team's managers, once.
    pub(super) fn check_follow_up_due(&self, conn: &mut dyn Conn, id: i64, now: Millis) -> rapport_store::Result<()> {
        let Some(f) = followups::escalate_if_late(conn, id, now)? else { return Ok(()) };
        let desk = Desk::load(conn)?;
        let mut to = followups::team_managers(conn, f.team_id)?;
        if to.is_empty() {
            to = owner(&f);
        }
        followup_mail::alert(conn, &self.config, &desk, &f, AlertKind::Escalation, &to, now)
    }

    /// Check-ins the desk sends automatically go with the default message when due.
    pub(super) fn send_check_in(&self, conn: &mut dyn Conn, id: i64, now: Millis) -> rapport_store::Result<()> {
        let Some(f) = followups::follow_up(conn, id)? else { return Ok(()) };
        let message = default_checkin_message(
            f.customer_name.as_deref().map(first_name),
            f.ticket_title.as_deref(),
            f.agent_name.as_deref().map(first_name).unwrap_or_default(),
        );
        if followups::check_in_sent(conn, id, &message, "rapport", now)? {
            let desk = Desk::load(conn)?;
            followup_mail::check_in(conn, &self.config, &desk, &f, &message, now)?;
        }
        Ok(())
    }

    pub(super) fn send_recovery_survey(&self, conn: &mut dyn Conn, id: i64, now: Millis) -> rapport_store::Result<()> {
        let Some(f) = followups::follow_up(conn, id)? else { return Ok(()) };
        if f.kind != "recovery" || f.state != "done" || f.recovery_score.is_some() {
            return Ok(());
        }
        let desk = Desk::load(conn)?;
        followup_mail::recovery_survey(conn, &self.config, &desk, &f, now)
    }

    /// The morning digest: each team's managers get the team's overdue recovery cases;
    /// then the next digest is scheduled.
    pub(super) fn overdue_digest(&self, conn: &mut dyn Conn, now: Millis) -> rapport_store::Result<()> {
        let desk = Desk::load(conn)?;
        let (day, _) = desk.date_and_time(now);
        let teams = followups::teams_with_overdue(conn, now)?;
        for team in teams {
            let cases = followups::overdue_in_team(conn, team, now)?;
            for manager in followups::team_managers(conn, Some(team))? {
                followup_mail::overdue_digest(conn, &self.config, &desk, &manager, &cases, &day, now)?;
            }
        }
        schedule(conn, JobKind::OverdueDigest, 0, next_digest(&desk, now), now)
    }
}

/// The next morning's digest time in the desk's zone, after `now`.
pub fn next_digest(desk: &Desk, now: Millis) -> Millis {
    let today = desk.local(now).date_naive();
    let at = NaiveTime::from_hms_opt(DIGEST_AT.0, DIGEST_AT.1, 0).expect("a valid time");
    [today, today.checked_add_days(Days::new(1)).unwrap_or(today)]
        .into_iter()
        .filter_map(|day| desk.zone.from_local_datetime(&day.and_time(at)).earliest())
        .map(|t| t.timestamp_millis())
        .find(|&t| t > now)
        .unwrap_or(now + 86_400_000)
}

/// Makes sure one digest is scheduled (a worker starting on a new database adds it).
pub fn ensure_digest(conn: &mut dyn Conn, now: Millis) -> rapport_store::Result<()> {
    let pending: i64 =
        conn.value("SELECT COUNT(*) FROM jobs WHERE kind = 'overdue_digest' AND done_at IS NULL", params![])?;
    if pending == 0 {
        let desk = Desk::load(conn)?;
        schedule(conn, JobKind::OverdueDigest, 0, next_digest(&desk, now), now)?;
    }
    Ok(())
}
