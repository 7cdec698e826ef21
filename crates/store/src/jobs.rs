//! Scheduled work as rows with a run time, claimed by whichever worker gets there
//! first (`SKIP LOCKED` on PostgreSQL; SQLite has one writer). A job survives restarts
//! and runs once per instance fleet.

use crate::db::{Backend, Conn};
use crate::params;
use crate::Result;
use rapport_domain::time::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    SendInvitation,
    SendReminder,
    ExpireInvitation,
    SendVisitCard,
    FireFollowUp,
    CheckFollowUpDue,
    SendCheckIn,
    SendRecoverySurvey,
    OverdueDigest,
    MonthlyReports,
}

impl JobKind {
    pub const ALL: [JobKind; 10] = [
        JobKind::SendInvitation,
        JobKind::SendReminder,
        JobKind::ExpireInvitation,
        JobKind::SendVisitCard,
        JobKind::FireFollowUp,
        JobKind::CheckFollowUpDue,
        JobKind::SendCheckIn,
        JobKind::SendRecoverySurvey,
        JobKind::OverdueDigest,
        JobKind::MonthlyReports,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::SendInvitation => "send_invitation",
            JobKind::SendReminder => "send_reminder",
            JobKind::ExpireInvitation => "expire_invitation",
            JobKind::SendVisitCard => "send_visit_card",
            JobKind::FireFollowUp => "fire_follow_up",
            JobKind::CheckFollowUpDue => "check_follow_up_due",
            JobKind::SendCheckIn => "send_check_in",
            JobKind::SendRecoverySurvey => "send_recovery_survey",
            JobKind::OverdueDigest => "overdue_digest",
            JobKind::MonthlyReports => "monthly_reports",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub ref_id: i64,
    pub attempts: i64,
}

pub fn schedule(conn: &mut dyn Conn, kind: JobKind, ref_id: i64, run_at: Millis, now: Millis) -> Result<()> {
    conn.execute(
        "INSERT INTO jobs (kind, ref_id, run_at, created_at) VALUES ($1, $2, $3, $4)",
        params![kind.as_str(), ref_id, run_at, now],
    )
    .map(drop)
}

/// The next due job, locked until this transaction ends (PostgreSQL) so that another
/// instance skips it. Unknown kinds are left alone for a newer version to run.
pub fn claim_due(conn: &mut dyn Conn, now: Millis) -> Result<Option<Job>> {
    let sql = match conn.backend() {
        Backend::Postgres => {
            "SELECT id, kind, ref_id, attempts FROM jobs WHERE done_at IS NULL AND run_at <= $1
             ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
        Backend::Sqlite => {
            "SELECT id, kind, ref_id, attempts FROM jobs WHERE done_at IS NULL AND run_at <= $1 ORDER BY run_at, id LIMIT 1"
        }
    };
    let Some(row) = conn.query_opt(sql, params![now])? else { return Ok(None) };
    let kind: String = row.get(1)?;
    let id: i64 = row.get(0)?;
    match JobKind::parse(&kind) {
        Some(kind) => Ok(Some(Job { id, kind, ref_id: row.get(2)?, attempts: row.get(3)? })),
        None => {
            tracing::warn!(id, kind, "unknown job kind; postponed");
            conn.execute("UPDATE jobs SET run_at = $1 WHERE id = $2", params![now + 3_600_000, id])?;
            Ok(None)
        }
    }
}

pub fn complete(conn: &mut dyn Conn, job_id: i64, now: Millis) -> Result<()> {
    conn.execute("UPDATE jobs SET done_at = $1, attempts = attempts + 1 WHERE id = $2", params![now, job_id]).map(drop)
}

/// A failed job runs again later, backing off; after many tries it stops, visibly.
pub fn postpone(conn: &mut dyn Conn, job: &Job, error: &str, now: Millis) -> Result<()> {
    let attempts = job.attempts + 1;
    let delay = 30_000i64.saturating_mul(1 << attempts.min(12));
    let give_up = attempts >= 10;
    conn.execute(
        "UPDATE jobs SET attempts = $1, last_error = $2, run_at = $3, done_at = $4 WHERE id = $5",
        params![attempts, error, now + delay, give_up.then_some(now), job.id],
    )
    .map(drop)
}
