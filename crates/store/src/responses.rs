//! Answers: one per invitation, changeable for a while, flagged when a machine seems
//! to have given them; listed with what they were attributed to when sent.

use crate::db::{Conn, Row};
use crate::invitations::OpenInvitation;
use crate::params;
use crate::rollups::Counted;
use crate::Store;
use crate::{Result, StoreError};
use rapport_domain::survey::answer::{automated_signs, Answer};
use rapport_domain::time::Millis;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseRecord {
    pub id: i64,
    pub csat: i64,
    pub nps: Option<i64>,
    pub effort: Option<i64>,
    pub comment: Option<String>,
    pub reasons: Vec<String>,
    pub automated: bool,
    pub automated_reason: Option<String>,
    pub first_answered_at: Millis,
    pub updated_at: Millis,
}

const SELECT_RESPONSE: &str = "SELECT id, csat, nps, effort, comment, reasons, automated, automated_reason,
    first_answered_at, updated_at FROM responses";

fn response_from_row(r: &Row) -> Result<ResponseRecord> {
    let reasons: String = r.get(5)?;
    Ok(ResponseRecord {
        id: r.get(0)?,
        csat: r.get(1)?,
        nps: r.get(2)?,
        effort: r.get(3)?,
        comment: r.get(4)?,
        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        automated: r.get(6)?,
        automated_reason: r.get(7)?,
        first_answered_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

pub fn response_for_invitation(conn: &mut dyn Conn, invitation_id: i64) -> Result<Option<ResponseRecord>> {
    let sql = format!("{SELECT_RESPONSE} WHERE invitation_id = $1");
    conn.query_opt(&sql, params![invitation_id])?.as_ref().map(response_from_row).transpose()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved {
        response_id: i64,
        first: bool,
        automated: bool,
        change_until: Millis,
    },
    /// Answered, and the window to change it has passed.
    Locked,
    /// Expired, cancelled, or never sent.
    Closed,
}

/// Records an answer. The insert-or-update is one statement guarded by the change
/// window, so any number of concurrent submissions leave exactly one response.
pub fn save_answer(
    conn: &mut dyn Conn,
    invitation: &OpenInvitation,
    answer: &Answer,
    now: Millis,
) -> Result<SaveOutcome> {
    let open = matches!(invitation.state.as_str(), "sent" | "answered");
    if !open || invitation.expires_at.is_some_and(|at| now > at && invitation.response.is_none()) {
        return Ok(SaveOutcome::Closed);
    }
    let window = i64::from(invitation.policy.change_window_hours) * 3_600_000;
    let reasons = serde_json::to_string(&answer.reasons).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // How the rollups count this answer before the change, read in this transaction (the
    // invitation the request carries may be older than a concurrent answer).
    let previous: Option<i64> = conn
        .query_opt("SELECT id FROM responses WHERE invitation_id = $1", params![invitation.invitation_id])?
        .map(|r| r.get(0))
        .transpose()?;
    let counted_before = match previous {
        Some(id) => crate::rollups::counted(conn, id)?,
        None => None,
    };
    // A first answer's only recent click is itself: its automated flag is known before it is written.
    let first_signs = automated_signs(invitation.sent_at, now, &[(now, answer.csat)]);
    let saved = conn.query_opt(
        "INSERT INTO responses (invitation_id, ticket_id, customer_id, channel, csat, nps, effort, comment, reasons,
             automated, automated_reason, agent_id, team_id, category, organization_id, first_answered_at, updated_at,
             changes)
         SELECT i.id, i.ticket_id, i.customer_id, i.channel, $2, $3, $4, $5, $6, $9, $10,
                i.agent_id, i.team_id, i.category, i.organization_id, $7, $7, 0
         FROM invitations i WHERE i.id = $1
         ON CONFLICT (invitation_id) DO UPDATE SET
             csat = excluded.csat,
             nps = COALESCE(excluded.nps, responses.nps),
             effort = COALESCE(excluded.effort, responses.effort),
             comment = COALESCE(excluded.comment, responses.comment),
             reasons = CASE WHEN excluded.reasons = '[]' THEN responses.reasons ELSE excluded.reasons END,
             updated_at = excluded.updated_at,
             changes = responses.changes + 1
         WHERE responses.first_answered_at + $8 >= excluded.updated_at
         RETURNING id, changes, first_answered_at, COALESCE(team_id, 0), COALESCE(agent_id, 0), COALESCE(category, ''),
             COALESCE(organization_id, 0), channel, csat, nps, effort, comment",
        params![
            invitation.invitation_id,
            i64::from(answer.csat),
            answer.nps.map(i64::from),
            answer.effort.map(i64::from),
            answer.comment,
            reasons,
            now,
            window,
            first_signs.is_some(),
            first_signs.clone()
        ],
    )?;
    let Some(saved) = saved else { return Ok(SaveOutcome::Locked) };
    let (response_id, changes, first_answered_at): (i64, i64, Millis) = (saved.get(0)?, saved.get(1)?, saved.get(2)?);
    conn.execute(
        "INSERT INTO response_changes (response_id, csat, changed_at) VALUES ($1, $2, $3)",
        params![response_id, i64::from(answer.csat), now],
    )?;
    let first = changes == 0;
    let signs = if first {
        first_signs
    } else {
        let recent: Vec<(Millis, u8)> = conn
            .query(
                "SELECT changed_at, csat FROM response_changes WHERE response_id = $1 AND changed_at >= $2",
                params![response_id, now - 60_000],
            )?
            .iter()
            .map(|r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)? as u8)))
            .collect::<Result<_>>()?;
        let signs = automated_signs(invitation.sent_at, now, &recent);
        conn.execute(
            "UPDATE responses SET automated = $1, automated_reason = $2 WHERE id = $3",
            params![signs.is_some(), signs, response_id],
        )?;
        signs
    };
    conn.execute(
        "UPDATE invitations SET state = 'answered', updated_at = $1 WHERE id = $2",
        params![now, invitation.invitation_id],
    )?;
    // How the rollups count it now, from the row as written (the same as `rollups::counted`).
    let (csat, nps): (i64, Option<i64>) = (saved.get(8)?, saved.get(9)?);
    let counted_after = if signs.is_some() {
        None
    } else {
        Some(Counted {
            day: first_answered_at.div_euclid(86_400_000),
            team_id: saved.get(3)?,
            agent_id: saved.get(4)?,
            category: saved.get(5)?,
            organization_id: saved.get(6)?,
            channel: saved.get(7)?,
            csat,
            nps,
            effort: saved.get(10)?,
            has_comment: saved.get::<Option<String>>(11)?.is_some(),
        })
    };
    crate::rollups::update(conn, counted_before.as_ref(), counted_after.as_ref())?;
    let given = crate::followups::Given { csat, nps, automated: signs.is_some(), first };
    crate::followups::on_answer(conn, response_id, given, &invitation.policy.follow_up, now)?;
    Ok(SaveOutcome::Saved { response_id, first, automated: signs.is_some(), change_until: first_answered_at + window })
}

/// A response as the API lists it, attributed as when the survey was sent.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseListItem {
    pub id: i64,
    pub ticket_id: i64,
    pub ticket_external_id: String,
    pub channel: String,
    pub csat: i64,
    pub nps: Option<i64>,
    pub effort: Option<i64>,
    pub comment: Option<String>,
    pub reasons: Vec<String>,
    pub automated: bool,
    pub agent_email: Option<String>,
    pub agent_name: Option<String>,
    pub team: Option<String>,
    pub category: Option<String>,
    pub organization: Option<String>,
    pub customer_email: String,
    pub first_answered_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, Default)]
pub struct ResponseFilter {
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    pub ticket_id: Option<i64>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

impl Store {
    pub async fn responses(&self, filter: ResponseFilter) -> Result<Vec<ResponseListItem>> {
        self.read(move |conn| {
            let rows = conn.query(
                "SELECT r.id, r.ticket_id, t.external_id, r.channel, r.csat, r.nps, r.effort, r.comment, r.reasons,
                        r.automated, a.email, a.name, tm.name, r.category, o.name, c.email,
                        r.first_answered_at, r.updated_at
                 FROM responses r
                 JOIN tickets t ON t.id = r.ticket_id
                 JOIN customers c ON c.id = r.customer_id
                 LEFT JOIN agents a ON a.id = r.agent_id
                 LEFT JOIN teams tm ON tm.id = r.team_id
                 LEFT JOIN organizations o ON o.id = r.organization_id
                 WHERE r.first_answered_at >= $1 AND r.first_answered_at < $2
                   AND (CAST($3 AS BIGINT) IS NULL OR r.ticket_id = $3) AND r.id > $4
                 ORDER BY r.id LIMIT $5",
                params![
                    filter.since.unwrap_or(i64::MIN),
                    filter.until.unwrap_or(i64::MAX),
                    filter.ticket_id,
                    filter.after_id.unwrap_or(0),
                    filter.limit.clamp(1, 1000)
                ],
            )?;
            rows.iter()
                .map(|r| {
                    let reasons: String = r.get(8)?;
                    Ok(ResponseListItem {
                        id: r.get(0)?,
                        ticket_id: r.get(1)?,
                        ticket_external_id: r.get(2)?,
                        channel: r.get(3)?,
                        csat: r.get(4)?,
                        nps: r.get(5)?,
                        effort: r.get(6)?,
                        comment: r.get(7)?,
                        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                        automated: r.get(9)?,
                        agent_email: r.get(10)?,
                        agent_name: r.get(11)?,
                        team: r.get(12)?,
                        category: r.get(13)?,
                        organization: r.get(14)?,
                        customer_email: r.get(15)?,
                        first_answered_at: r.get(16)?,
                        updated_at: r.get(17)?,
                    })
                })
                .collect()
        })
        .await
    }
}
