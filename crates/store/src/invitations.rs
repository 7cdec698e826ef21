//! Invitations: sending them (tokens, attribution, reminders, expiry) and finding them
//! again from a token in a link.

use crate::db::Conn;
use crate::jobs::{schedule, JobKind};
use crate::params;
use crate::policies::policy_by_id;
use crate::Result;
use rapport_domain::survey::{SurveyDecision, SurveyPolicy};
use rapport_domain::time::Millis;
use rapport_domain::TicketStatus;

/// Everything needed to write a survey email, read in the transaction that sends it.
#[derive(Debug, Clone)]
pub struct SendContext {
    pub invitation_id: i64,
    pub state: String,
    pub reminders_sent: i64,
    pub expires_at: Option<Millis>,
    pub ticket_id: i64,
    pub ticket_external_id: String,
    pub ticket_title: Option<String>,
    pub ticket_status: Option<TicketStatus>,
    pub ticket_message_id: Option<String>,
    pub customer_email: String,
    pub customer_name: Option<String>,
    pub customer_language: Option<String>,
    pub customer_opted_out: bool,
    pub agent_name: Option<String>,
    pub policy: SurveyPolicy,
}

pub fn send_context(conn: &mut dyn Conn, invitation_id: i64) -> Result<SendContext> {
    let r = conn.query_one(
        "SELECT i.id, i.state, i.reminders_sent, i.expires_at, i.policy_id,
                t.id, t.external_id, t.title, t.status, t.message_id,
                c.email, c.name, c.language, c.opted_out_at, a.name
         FROM invitations i
         JOIN tickets t ON t.id = i.ticket_id
         JOIN customers c ON c.id = i.customer_id
         LEFT JOIN agents a ON a.id = t.agent_id
         WHERE i.id = $1",
        params![invitation_id],
    )?;
    let policy_id: i64 = r.get(4)?;
    let status: String = r.get(8)?;
    let opted_out: Option<i64> = r.get(13)?;
    let context = SendContext {
        invitation_id: r.get(0)?,
        state: r.get(1)?,
        reminders_sent: r.get(2)?,
        expires_at: r.get(3)?,
        ticket_id: r.get(5)?,
        ticket_external_id: r.get(6)?,
        ticket_title: r.get(7)?,
        ticket_status: status.parse().ok(),
        ticket_message_id: r.get(9)?,
        customer_email: r.get(10)?,
        customer_name: r.get(11)?,
        customer_language: r.get(12)?,
        customer_opted_out: opted_out.is_some(),
        agent_name: r.get(14)?,
        policy: policy_by_id(conn, policy_id)?,
    };
    Ok(context)
}

pub fn add_token(conn: &mut dyn Conn, invitation_id: i64, token_hash: &str, purpose: &str, now: Millis) -> Result<()> {
    conn.execute(
        "INSERT INTO invitation_tokens (token_hash, invitation_id, purpose, created_at) VALUES ($1, $2, $3, $4)",
        params![token_hash, invitation_id, purpose, now],
    )
    .map(drop)
}

/// Sent: fixes who and what the answer will count for (the ticket's agent, team,
/// category and organization now), and schedules the first reminder and the expiry.
pub fn mark_sent(conn: &mut dyn Conn, context: &SendContext, now: Millis) -> Result<Millis> {
    let expires_at = now + i64::from(context.policy.expiry_days) * 86_400_000;
    conn.execute(
        "UPDATE invitations SET state = 'sent', sent_at = $1, expires_at = $2, updated_at = $1,
             agent_id = (SELECT agent_id FROM tickets WHERE id = $3),
             team_id = (SELECT team_id FROM tickets WHERE id = $3),
             category = (SELECT category FROM tickets WHERE id = $3),
             organization_id = (SELECT organization_id FROM tickets WHERE id = $3)
         WHERE id = $4",
        params![now, expires_at, context.ticket_id, context.invitation_id],
    )?;
    crate::rollups::invited(conn, context.invitation_id)?;
    schedule_next_reminder(conn, context, 0, now, expires_at)?;
    schedule(conn, JobKind::ExpireInvitation, context.invitation_id, expires_at, now)?;
    Ok(expires_at)
}

fn schedule_next_reminder(
    conn: &mut dyn Conn,
    context: &SendContext,
    sent: i64,
    now: Millis,
    expires_at: Millis,
) -> Result<()> {
    let at = now + i64::from(context.policy.reminder_gap_days) * 86_400_000;
    if sent < i64::from(context.policy.reminders) && at < expires_at {
        schedule(conn, JobKind::SendReminder, context.invitation_id, at, now)?;
    }
    Ok(())
}

pub fn mark_reminded(conn: &mut dyn Conn, context: &SendContext, now: Millis) -> Result<()> {
    let sent = context.reminders_sent + 1;
    conn.execute(
        "UPDATE invitations SET reminders_sent = $1, updated_at = $2 WHERE id = $3",
        params![sent, now, context.invitation_id],
    )?;
    schedule_next_reminder(conn, context, sent, now, context.expires_at.unwrap_or(now))
}

/// Not sent after all: the decision records why.
pub fn cancel(
    conn: &mut dyn Conn,
    invitation_id: i64,
    decision: SurveyDecision,
    reason: &str,
    now: Millis,
) -> Result<()> {
    conn.execute(
        "UPDATE survey_decisions SET decision = $1, reason = $2, decided_at = $3
         WHERE id = (SELECT decision_id FROM invitations WHERE id = $4)",
        params![decision.as_str(), reason, now, invitation_id],
    )?;
    conn.execute(
        "UPDATE invitations SET state = 'cancelled', updated_at = $1 WHERE id = $2",
        params![now, invitation_id],
    )
    .map(drop)
}

pub fn expire(conn: &mut dyn Conn, invitation_id: i64, now: Millis) -> Result<()> {
    conn.execute(
        "UPDATE invitations SET state = 'expired', updated_at = $1 WHERE id = $2 AND state = 'sent'",
        params![now, invitation_id],
    )
    .map(drop)
}

/// An invitation as its answer page needs it.
#[derive(Debug, Clone)]
pub struct OpenInvitation {
    pub invitation_id: i64,
    pub state: String,
    pub channel: String,
    pub sent_at: Option<Millis>,
    pub expires_at: Option<Millis>,
    pub ticket_id: i64,
    pub customer_id: i64,
    pub ticket_external_id: String,
    pub ticket_title: Option<String>,
    pub customer_name: Option<String>,
    pub customer_language: Option<String>,
    /// Who and what an answer is attributed to (fixed when the survey was sent).
    pub agent_id: Option<i64>,
    pub team_id: Option<i64>,
    pub category: Option<String>,
    pub organization_id: Option<i64>,
    pub policy: SurveyPolicy,
    pub response: Option<crate::responses::ResponseRecord>,
}

impl OpenInvitation {
    /// Sent and not ended: it can be answered (or its answer changed, within the window).
    pub fn is_open(&self, now: Millis) -> bool {
        matches!(self.state.as_str(), "sent" | "answered")
            && !(self.response.is_none() && self.expires_at.is_some_and(|at| now > at))
    }
}

/// The invitation a token opens, with its survey policy and its answer so far, in one
/// query: this is on every answer's path.
pub fn invitation_by_token(conn: &mut dyn Conn, token_hash: &str) -> Result<Option<OpenInvitation>> {
    const SQL: &str = concat!(
        "SELECT i.id, i.state, i.channel, i.sent_at, i.expires_at, i.ticket_id, i.customer_id, i.policy_id,
                t.external_id, t.title, c.name, c.language, i.agent_id, i.team_id, i.category, i.organization_id,
                p.body, p.is_default, ",
        crate::responses::response_columns!(),
        " FROM invitation_tokens k
         JOIN invitations i ON i.id = k.invitation_id
         JOIN tickets t ON t.id = i.ticket_id
         JOIN customers c ON c.id = i.customer_id
         JOIN survey_policies p ON p.id = i.policy_id
         LEFT JOIN responses r ON r.invitation_id = i.id
         WHERE k.token_hash = $1"
    );
    let row = conn.query_opt(SQL, params![token_hash])?;
    let Some(r) = row else { return Ok(None) };
    let answered = r.get::<Option<i64>>(18)?.is_some();
    Ok(Some(OpenInvitation {
        invitation_id: r.get(0)?,
        state: r.get(1)?,
        channel: r.get(2)?,
        sent_at: r.get(3)?,
        expires_at: r.get(4)?,
        ticket_id: r.get(5)?,
        customer_id: r.get(6)?,
        ticket_external_id: r.get(8)?,
        ticket_title: r.get(9)?,
        customer_name: r.get(10)?,
        customer_language: r.get(11)?,
        agent_id: r.get(12)?,
        team_id: r.get(13)?,
        category: r.get(14)?,
        organization_id: r.get(15)?,
        policy: crate::policies::parse_policy(r.get(7)?, &r.get::<String>(16)?, r.get(17)?)?,
        response: if answered { Some(crate::responses::response_at(&r, 18)?) } else { None },
    }))
}

/// Opting out stops every future survey to this customer, including reminders and
/// invitations already scheduled.
pub fn opt_out(conn: &mut dyn Conn, customer_id: i64, now: Millis) -> Result<()> {
    conn.execute(
        "UPDATE customers SET opted_out_at = COALESCE(opted_out_at, $1) WHERE id = $2",
        params![now, customer_id],
    )?;
    let scheduled: Vec<i64> = conn
        .query("SELECT id FROM invitations WHERE customer_id = $1 AND state = 'scheduled'", params![customer_id])?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_>>()?;
    for id in scheduled {
        cancel(conn, id, SurveyDecision::OptedOut, "the customer opted out of surveys", now)?;
    }
    Ok(())
}
