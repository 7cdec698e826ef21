//! Running due jobs, each in its own transaction with the job's claim. A job that fails
//! is rolled back to a savepoint and postponed with backoff, never lost or spun on.

use super::Worker;
use crate::desk::Desk;
use crate::survey_email::{survey_email, SurveyEmailKind};
use crate::visit_email::visit_email;
use rapport_domain::survey::CsatScale;
use rapport_domain::survey::SurveyDecision;
use rapport_domain::time::Millis;
use rapport_domain::token::{hash_secret, random_hex};
use rapport_store::db::Conn;
use rapport_store::invitations::{self, SendContext};
use rapport_store::jobs::{self, Job, JobKind};
use rapport_store::outbox::{self, NewMessage};
use rapport_store::settings::{setting, DEFAULT_LANGUAGE, DESK_NAME};
use rapport_store::visits;
use rapport_store::StoreError;

/// At most this many jobs per pass, so one pass stays short.
const JOBS_PER_PASS: usize = 1000;

impl Worker {
    pub(super) async fn run_due_jobs(&self) -> anyhow::Result<usize> {
        let mut done = 0;
        while done < JOBS_PER_PASS {
            let now = self.clock.now();
            let worker = self.clone();
            let ran = self.store.write(move |conn| worker.run_one(conn, now)).await?;
            if !ran {
                break;
            }
            done += 1;
        }
        Ok(done)
    }

    fn run_one(&self, conn: &mut dyn Conn, now: Millis) -> rapport_store::Result<bool> {
        let Some(job) = jobs::claim_due(conn, now)? else { return Ok(false) };
        conn.batch("SAVEPOINT job")?;
        match self.handle(conn, &job, now) {
            Ok(()) => {
                conn.batch("RELEASE SAVEPOINT job")?;
                jobs::complete(conn, job.id, now)?;
            }
            Err(error) => {
                conn.batch("ROLLBACK TO SAVEPOINT job")?;
                tracing::warn!(job = job.id, kind = job.kind.as_str(), %error, "job failed; postponed");
                jobs::postpone(conn, &job, &error.to_string(), now)?;
            }
        }
        Ok(true)
    }

    fn handle(&self, conn: &mut dyn Conn, job: &Job, now: Millis) -> rapport_store::Result<()> {
        match job.kind {
            JobKind::SendInvitation => self.send_invitation(conn, job.ref_id, now),
            JobKind::SendReminder => self.send_reminder(conn, job.ref_id, now),
            JobKind::ExpireInvitation => invitations::expire(conn, job.ref_id, now),
            JobKind::SendVisitCard => self.send_visit_card(conn, job.ref_id, now),
            JobKind::FireFollowUp => self.fire_follow_up(conn, job.ref_id, now),
            JobKind::CheckFollowUpDue => self.check_follow_up_due(conn, job.ref_id, now),
            JobKind::SendCheckIn => self.send_check_in(conn, job.ref_id, now),
            JobKind::SendRecoverySurvey => self.send_recovery_survey(conn, job.ref_id, now),
            JobKind::OverdueDigest => self.overdue_digest(conn, now),
            JobKind::MonthlyReports => self.monthly_reports(conn, now),
        }
    }

    /// Just before sending, the ticket must still be finished and the customer still
    /// willing; otherwise the invitation is cancelled with the reason.
    fn send_invitation(&self, conn: &mut dyn Conn, invitation_id: i64, now: Millis) -> rapport_store::Result<()> {
        let context = invitations::send_context(conn, invitation_id)?;
        if context.state != "scheduled" {
            return Ok(());
        }
        if !context.ticket_status.is_some_and(|s| s.is_done()) {
            let reason = "the ticket was reopened before the survey was sent";
            return invitations::cancel(conn, invitation_id, SurveyDecision::ReopenedBeforeSending, reason, now);
        }
        if context.customer_opted_out {
            let reason = "the customer opted out of surveys";
            return invitations::cancel(conn, invitation_id, SurveyDecision::OptedOut, reason, now);
        }
        let expires_at = now + i64::from(context.policy.expiry_days) * 86_400_000;
        self.enqueue_email(conn, &context, SurveyEmailKind::Initial, expires_at, now)?;
        invitations::mark_sent(conn, &context, now).map(drop)
    }

    /// A reminder goes only to someone who has neither answered nor opted out.
    fn send_reminder(&self, conn: &mut dyn Conn, invitation_id: i64, now: Millis) -> rapport_store::Result<()> {
        let context = invitations::send_context(conn, invitation_id)?;
        let expires_at = context.expires_at.unwrap_or(now);
        if context.state != "sent" || context.customer_opted_out || now >= expires_at {
            return Ok(());
        }
        let kind = SurveyEmailKind::Reminder(context.reminders_sent + 1);
        self.enqueue_email(conn, &context, kind, expires_at, now)?;
        invitations::mark_reminded(conn, &context, now)
    }

    /// Each email carries a token of its own (only its hash is kept), so a reminder's
    /// links work without storing the first email's.
    fn enqueue_email(
        &self,
        conn: &mut dyn Conn,
        context: &SendContext,
        kind: SurveyEmailKind,
        expires_at: Millis,
        now: Millis,
    ) -> rapport_store::Result<()> {
        let token = random_hex(16);
        let purpose = match kind {
            SurveyEmailKind::Initial => "initial".to_string(),
            SurveyEmailKind::Reminder(n) => format!("reminder{n}"),
        };
        invitations::add_token(conn, context.invitation_id, &hash_secret(&token), &purpose, now)?;
        let desk = setting(conn, DESK_NAME)?.unwrap_or_else(|| "Service Desk".into());
        let language = setting(conn, DEFAULT_LANGUAGE)?.unwrap_or_else(|| "en".into());
        let email = survey_email(&self.config, &desk, &language, context, &token, kind, expires_at)
            .map_err(|e| StoreError::Corrupt(format!("rendering the survey email: {e}")))?;
        let raw = email.to_bytes().map_err(|e| StoreError::Corrupt(format!("building the survey email: {e}")))?;
        let message = NewMessage {
            kind: "email".into(),
            idempotency_key: format!("survey:{}:{purpose}", context.invitation_id),
            sender: self.config.mail_from.clone(),
            recipient: context.customer_email.clone(),
            subject: email.subject.clone(),
            body: String::from_utf8_lossy(&raw).into_owned(),
        };
        outbox::enqueue(conn, &message, now)
    }

    /// The visit card by email, with fresh links (status page, and the visit's survey when
    /// it has one). It tells the customer about their own ticket, so it goes even to
    /// someone who opted out of surveys (their visit has no survey then).
    fn send_visit_card(&self, conn: &mut dyn Conn, visit_id: i64, now: Millis) -> rapport_store::Result<()> {
        let Some(visit) = visits::visit_by_id(conn, visit_id)? else { return Ok(()) };
        let Some(recipient) = visit.customer_email.clone() else { return Ok(()) };
        let policy: Option<i64> = conn.value(
            "SELECT MAX(policy_id) FROM survey_decisions WHERE visit_id = $1",
            rapport_store::params![visit_id],
        )?;
        let scale = match policy {
            Some(id) => rapport_store::policies::policy_by_id(conn, id)?.scale,
            None => CsatScale::Five,
        };
        let links = visits::new_card_links(conn, &visit, "email", now)?;
        let desk = Desk::load(conn)?;
        let email = visit_email(&self.config, &desk, &visit, &links, scale, now)
            .map_err(|e| StoreError::Corrupt(format!("rendering the visit email: {e}")))?;
        let raw = email.to_bytes().map_err(|e| StoreError::Corrupt(format!("building the visit email: {e}")))?;
        let message = NewMessage {
            kind: "email".into(),
            idempotency_key: format!("visit:{visit_id}:email"),
            sender: self.config.mail_from.clone(),
            recipient,
            subject: email.subject.clone(),
            body: String::from_utf8_lossy(&raw).into_owned(),
        };
        outbox::enqueue(conn, &message, now)
    }
}
