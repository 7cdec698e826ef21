//! Survey history for tickets already in the database (the demo desk): decisions,
//! invitations sent in the past and their answers, written as the live path would have
//! left them. Idempotent: a ticket's decision for its cycle is written once, and its
//! invitation and answer only along with it.

use crate::db::Conn;
use crate::jobs::{schedule, JobKind};
use crate::params;
use crate::Store;
use crate::{Result, StoreError};
use rapport_domain::survey::SurveyDecision;
use rapport_domain::time::Millis;

/// Tickets per transaction.
const BATCH: usize = 1000;

/// One ticket's survey decision for its current cycle, found by `source` and
/// `external_id`; with the invitation it led to, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct PastSurvey {
    pub source: String,
    pub external_id: String,
    pub decision: SurveyDecision,
    pub reason: String,
    pub decided_at: Millis,
    pub invitation: Option<PastInvitation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PastInvitationState {
    /// Sent and still open; its expiry is scheduled.
    Sent,
    Answered,
    Expired,
}

impl PastInvitationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Answered => "answered",
            Self::Expired => "expired",
        }
    }
}

/// An email invitation. Its attribution (agent, team, category, organization) is the
/// ticket's as it is in the database, as when the live path sends one.
#[derive(Debug, Clone, PartialEq)]
pub struct PastInvitation {
    pub state: PastInvitationState,
    pub send_at: Millis,
    pub sent_at: Millis,
    pub expires_at: Millis,
    pub reminders_sent: i64,
    pub updated_at: Millis,
    pub answer: Option<PastAnswer>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PastAnswer {
    /// On the 5-point scale.
    pub csat: u8,
    pub comment: Option<String>,
    pub reasons: Vec<String>,
    pub answered_at: Millis,
}

/// Rows written, or (for `survey_totals`) in the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SurveyCounts {
    pub decisions: i64,
    pub invitations: i64,
    pub responses: i64,
}

impl SurveyCounts {
    fn add(&mut self, other: SurveyCounts) {
        self.decisions += other.decisions;
        self.invitations += other.invitations;
        self.responses += other.responses;
    }
}

impl Store {
    /// Writes survey history under policy `policy_id`, a thousand tickets per
    /// transaction, and answers what was new. Tickets that are not in the database, or
    /// already have a decision for their current cycle, are left as they are. No tokens
    /// are made: these invitations cannot be answered by link.
    pub async fn backfill_surveys(&self, policy_id: i64, surveys: Vec<PastSurvey>) -> Result<SurveyCounts> {
        let mut written = SurveyCounts::default();
        let mut surveys = surveys.into_iter().peekable();
        while surveys.peek().is_some() {
            let batch: Vec<PastSurvey> = surveys.by_ref().take(BATCH).collect();
            let counts = self
                .write(move |conn| {
                    let mut counts = SurveyCounts::default();
                    for survey in &batch {
                        counts.add(backfill_one(conn, policy_id, survey)?);
                    }
                    Ok(counts)
                })
                .await?;
            written.add(counts);
        }
        Ok(written)
    }

    /// Survey decisions, invitations and responses in the database.
    pub async fn survey_totals(&self) -> Result<SurveyCounts> {
        self.read(|conn| {
            let row = conn.query_one(
                "SELECT (SELECT COUNT(*) FROM survey_decisions), (SELECT COUNT(*) FROM invitations),
                        (SELECT COUNT(*) FROM responses)",
                params![],
            )?;
            Ok(SurveyCounts { decisions: row.get(0)?, invitations: row.get(1)?, responses: row.get(2)? })
        })
        .await
    }
}

fn backfill_one(conn: &mut dyn Conn, policy_id: i64, survey: &PastSurvey) -> Result<SurveyCounts> {
    let mut counts = SurveyCounts::default();
    let decided = conn.query_opt(
        "INSERT INTO survey_decisions (ticket_id, cycle, policy_id, decision, reason, decided_at)
         SELECT t.id, t.cycle, $3, $4, $5, $6 FROM tickets t WHERE t.source = $1 AND t.external_id = $2
         ON CONFLICT (ticket_id, cycle) WHERE visit_id IS NULL DO NOTHING RETURNING id, ticket_id",
        params![
            survey.source,
            survey.external_id,
            policy_id,
            survey.decision.as_str(),
            survey.reason,
            survey.decided_at
        ],
    )?;
    let Some(decided) = decided else { return Ok(counts) };
    counts.decisions = 1;
    let Some(invitation) = &survey.invitation else { return Ok(counts) };
    let (decision_id, ticket_id): (i64, i64) = (decided.get(0)?, decided.get(1)?);
    // A ticket without a requester has nobody to ask.
    let invited = conn.query_opt(
        "INSERT INTO invitations (ticket_id, customer_id, policy_id, decision_id, channel, state, send_at, sent_at,
             expires_at, reminders_sent, agent_id, team_id, category, organization_id, created_at, updated_at)
         SELECT t.id, t.customer_id, $2, $3, 'email', $4, $5, $6, $7, $8,
                t.agent_id, t.team_id, t.category, t.organization_id, $9, $10
         FROM tickets t WHERE t.id = $1 AND t.customer_id IS NOT NULL
         RETURNING id",
        params![
            ticket_id,
            policy_id,
            decision_id,
            invitation.state.as_str(),
            invitation.send_at,
            invitation.sent_at,
            invitation.expires_at,
            invitation.reminders_sent,
            survey.decided_at,
            invitation.updated_at
        ],
    )?;
    let Some(invited) = invited else { return Ok(counts) };
    counts.invitations = 1;
    let invitation_id: i64 = invited.get(0)?;
    crate::rollups::invited(conn, invitation_id)?;
    if invitation.state == PastInvitationState::Sent {
        // Expires on time if a worker runs; reminders are not sent for demo history.
        schedule(conn, JobKind::ExpireInvitation, invitation_id, invitation.expires_at, survey.decided_at)?;
    }
    let Some(answer) = &invitation.answer else { return Ok(counts) };
    let reasons = serde_json::to_string(&answer.reasons).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let response_id: i64 = conn.value(
        "INSERT INTO responses (invitation_id, ticket_id, customer_id, channel, csat, nps, effort, comment, reasons,
             automated, agent_id, team_id, category, organization_id, first_answered_at, updated_at, changes)
         SELECT i.id, i.ticket_id, i.customer_id, i.channel, $2, NULL, NULL, $3, $4, 0,
                i.agent_id, i.team_id, i.category, i.organization_id, $5, $5, 0
         FROM invitations i WHERE i.id = $1
         RETURNING id",
        params![invitation_id, i64::from(answer.csat), answer.comment, reasons, answer.answered_at],
    )?;
    conn.execute(
        "INSERT INTO response_changes (response_id, csat, changed_at) VALUES ($1, $2, $3)",
        params![response_id, i64::from(answer.csat), answer.answered_at],
    )?;
    if let Some(counted) = crate::rollups::counted(conn, response_id)? {
        crate::rollups::apply(conn, &counted, 1)?;
    }
    counts.responses = 1;
    Ok(counts)
}
