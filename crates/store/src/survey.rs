//! The survey decision, taken in the transaction that finishes a ticket, and the
//! cancellation of a pending survey when the ticket is reopened.

use crate::db::Conn;
use crate::jobs::{schedule, JobKind};
use crate::params;
use crate::policies::all_policies;
use crate::settings::{setting, SAMPLING_KEY};
use crate::Result;
use rapport_domain::survey::policy::{policy_for, ScopeFacts};
use rapport_domain::survey::{decide, DecisionFacts, SurveyDecision, Trigger};
use rapport_domain::time::Millis;
use rapport_domain::TicketStatus;

/// Takes the ticket's survey decision for its current cycle, once: a decision row is
/// unique per (ticket, cycle), so a repeated or concurrent trigger decides nothing new.
pub fn consider_survey(conn: &mut dyn Conn, ticket_id: i64, status: TicketStatus, now: Millis) -> Result<()> {
    let row = conn.query_one(
        "SELECT t.source, t.external_id, t.category, t.priority, t.cycle, tm.name, o.name,
                c.id, c.email, c.opted_out_at
         FROM tickets t
         LEFT JOIN teams tm ON tm.id = t.team_id
         LEFT JOIN organizations o ON o.id = t.organization_id
         LEFT JOIN customers c ON c.id = t.customer_id
         WHERE t.id = $1",
        params![ticket_id],
    )?;
    let (source, external_id): (String, String) = (row.get(0)?, row.get(1)?);
    let (category, priority): (Option<String>, Option<String>) = (row.get(2)?, row.get(3)?);
    let cycle: i64 = row.get(4)?;
    let (team, organization): (Option<String>, Option<String>) = (row.get(5)?, row.get(6)?);
    let customer_id: Option<i64> = row.get(7)?;
    let email: Option<String> = row.get(8)?;
    let opted_out: Option<i64> = row.get(9)?;

    let policies = all_policies(conn)?;
    let scope = ScopeFacts {
        team: team.as_deref(),
        category: category.as_deref(),
        priority: priority.as_deref(),
        organization: organization.as_deref(),
    };
    let Some(policy) = policy_for(&policies, &scope) else { return Ok(()) };
    let triggered = match policy.trigger {
        Trigger::Closed => status == TicketStatus::Closed,
        Trigger::Resolved => status.is_done(),
    };
    if !triggered {
        return Ok(());
    }
    let last_surveyed_at: Option<Millis> = match customer_id {
        Some(id) => conn.value(
            "SELECT MAX(created_at) FROM invitations WHERE customer_id = $1 AND state <> 'cancelled'",
            params![id],
        )?,
        None => None,
    };
    let key = setting(conn, SAMPLING_KEY)?.unwrap_or_default();
    let ticket_key = format!("{source}:{external_id}");
    let facts = DecisionFacts {
        ticket_key: &ticket_key,
        email: email.as_deref(),
        organization: organization.as_deref(),
        opted_out: opted_out.is_some(),
        last_surveyed_at,
        now,
        is_visit: false,
    };
    let (decision, reason) = decide(policy, key.as_bytes(), &facts);
    let decided = conn.query_opt(
        "INSERT INTO survey_decisions (ticket_id, cycle, policy_id, decision, reason, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (ticket_id, cycle) WHERE visit_id IS NULL DO NOTHING RETURNING id",
        params![ticket_id, cycle, policy.id, decision.as_str(), reason, now],
    )?;
    let (Some(decided), Some(customer_id)) = (decided, customer_id) else { return Ok(()) };
    if decision == SurveyDecision::Invited {
        let decision_id: i64 = decided.get(0)?;
        let send_at = now + i64::from(policy.delay_minutes) * 60_000;
        let invitation: i64 = conn.value(
            "INSERT INTO invitations (ticket_id, customer_id, policy_id, decision_id, channel, state, send_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'email', 'scheduled', $5, $6, $6) RETURNING id",
            params![ticket_id, customer_id, policy.id, decision_id, send_at, now],
        )?;
        schedule(conn, JobKind::SendInvitation, invitation, send_at, now)?;
    }
    Ok(())
}

/// A finished ticket was reopened: a new cycle begins, and a survey not yet sent for
/// the old one is cancelled, its decision saying why.
pub fn ticket_reopened(conn: &mut dyn Conn, ticket_id: i64, now: Millis) -> Result<()> {
    conn.execute("UPDATE tickets SET cycle = cycle + 1 WHERE id = $1", params![ticket_id])?;
    cancel_scheduled(conn, ticket_id, now)
}

/// Cancels the ticket's invitations that have not been sent yet.
pub fn cancel_scheduled(conn: &mut dyn Conn, ticket_id: i64, now: Millis) -> Result<()> {
    conn.execute(
        "UPDATE survey_decisions SET decision = $1, reason = $2, decided_at = $3
         WHERE id IN (SELECT decision_id FROM invitations WHERE ticket_id = $4 AND state = 'scheduled')",
        params![
            SurveyDecision::ReopenedBeforeSending.as_str(),
            "the ticket was reopened before the survey was sent",
            now,
            ticket_id
        ],
    )?;
    conn.execute(
        "UPDATE invitations SET state = 'cancelled', updated_at = $1 WHERE ticket_id = $2 AND state = 'scheduled'",
        params![now, ticket_id],
    )?;
    Ok(())
}

/// What happened about surveying a ticket, for the ticket's API and page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TicketSurvey {
    pub decisions: Vec<DecisionRecord>,
    pub invitations: Vec<InvitationRecord>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DecisionRecord {
    pub cycle: i64,
    pub policy_id: Option<i64>,
    pub decision: String,
    pub reason: String,
    pub decided_at: Millis,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InvitationRecord {
    pub id: i64,
    pub channel: String,
    pub state: String,
    pub send_at: Millis,
    pub sent_at: Option<Millis>,
    pub expires_at: Option<Millis>,
    pub reminders_sent: i64,
    pub response: Option<crate::responses::ResponseRecord>,
}

pub fn ticket_survey(conn: &mut dyn Conn, ticket_id: i64) -> Result<TicketSurvey> {
    let decisions = conn
        .query(
            "SELECT cycle, policy_id, decision, reason, decided_at FROM survey_decisions WHERE ticket_id = $1 AND visit_id IS NULL ORDER BY cycle",
            params![ticket_id],
        )?
        .iter()
        .map(|r| {
            Ok(DecisionRecord {
                cycle: r.get(0)?,
                policy_id: r.get(1)?,
                decision: r.get(2)?,
                reason: r.get(3)?,
                decided_at: r.get(4)?,
            })
        })
        .collect::<Result<_>>()?;
    let rows = conn.query(
        "SELECT id, channel, state, send_at, sent_at, expires_at, reminders_sent FROM invitations
         WHERE ticket_id = $1 ORDER BY id",
        params![ticket_id],
    )?;
    let mut invitations = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.get(0)?;
        invitations.push(InvitationRecord {
            id,
            channel: r.get(1)?,
            state: r.get(2)?,
            send_at: r.get(3)?,
            sent_at: r.get(4)?,
            expires_at: r.get(5)?,
            reminders_sent: r.get(6)?,
            response: crate::responses::response_for_invitation(conn, id)?,
        });
    }
    Ok(TicketSurvey { decisions, invitations })
}
