//! Answers: one per invitation, changeable for a while, flagged when a machine seems
//! to have given them; listed with what they were attributed to when sent.

use crate::db::{Conn, Row, ToValue, Value};
use crate::invitations::OpenInvitation;
use crate::params;
use crate::rollups::{Counted, RollupDeltas};
use crate::Store;
use crate::{Result, StoreError};
use rapport_domain::event::FieldError;
use rapport_domain::survey::answer::{automated_signs, Answer, AnswerInput};
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

/// A response's columns as [`response_at`] reads them, from `responses r`.
macro_rules! response_columns {
    () => {
        "r.id, r.csat, r.nps, r.effort, r.comment, r.reasons, r.automated, r.automated_reason,
         r.first_answered_at, r.updated_at"
    };
}
pub(crate) use response_columns;

const SELECT_RESPONSE: &str = concat!("SELECT ", response_columns!(), " FROM responses r");

/// A response from the row's columns `at`, `at + 1`, … in [`response_columns`]' order.
pub(crate) fn response_at(r: &Row, at: usize) -> Result<ResponseRecord> {
    let reasons: String = r.get(at + 5)?;
    Ok(ResponseRecord {
        id: r.get(at)?,
        csat: r.get(at + 1)?,
        nps: r.get(at + 2)?,
        effort: r.get(at + 3)?,
        comment: r.get(at + 4)?,
        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        automated: r.get(at + 6)?,
        automated_reason: r.get(at + 7)?,
        first_answered_at: r.get(at + 8)?,
        updated_at: r.get(at + 9)?,
    })
}

pub fn response_for_invitation(conn: &mut dyn Conn, invitation_id: i64) -> Result<Option<ResponseRecord>> {
    let sql = format!("{SELECT_RESPONSE} WHERE invitation_id = $1");
    conn.query_opt(&sql, params![invitation_id])?.as_ref().map(|r| response_at(r, 0)).transpose()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved {
        response_id: i64,
        first: bool,
        automated: bool,
        change_until: Millis,
    },
    /// Answered, and the window to change it has passed.
    Locked,
    /// Expired, cancelled, never sent, or no such token.
    Closed,
    /// The answer does not fit the survey (no rating, a comment too long…).
    Invalid(Vec<FieldError>),
}

/// Answers with a token. The invitation is looked up here, in the writer's transaction:
/// it cannot be stale, and the answer costs no separate read. The rollup changes are left
/// in `rollups` for the caller to write (a group commit writes a whole batch's at once).
pub fn answer_with_token(
    conn: &mut dyn Conn,
    token_hash: &str,
    input: &AnswerInput,
    now: Millis,
    rollups: &mut RollupDeltas,
) -> Result<SaveOutcome> {
    let Some(invitation) = crate::invitations::invitation_by_token(conn, token_hash)? else {
        return Ok(SaveOutcome::Closed);
    };
    if !invitation.is_open(now) {
        return Ok(SaveOutcome::Closed);
    }
    let policy = &invitation.policy;
    let allowed: Vec<String> = policy.reasons_positive.iter().chain(&policy.reasons_negative).cloned().collect();
    match input.parse(policy.scale, &allowed) {
        Ok(answer) => record_answer(conn, &invitation, &answer, now, rollups),
        Err(errors) => Ok(SaveOutcome::Invalid(errors)),
    }
}

/// Records an answer and writes its rollup changes. `invitation` must have been read in
/// this transaction ([`crate::invitations::invitation_by_token`]).
pub fn save_answer(
    conn: &mut dyn Conn,
    invitation: &OpenInvitation,
    answer: &Answer,
    now: Millis,
) -> Result<SaveOutcome> {
    if !invitation.is_open(now) {
        return Ok(SaveOutcome::Closed);
    }
    let mut rollups = RollupDeltas::default();
    let outcome = record_answer(conn, invitation, answer, now, &mut rollups)?;
    rollups.write(conn)?;
    Ok(outcome)
}

/// Records an answer to an open invitation, leaving its rollup changes in `rollups`. A first answer is a plain
/// insert; a change is one insert-or-update guarded by the change window. Either way any
/// number of concurrent submissions leave exactly one response.
fn record_answer(
    conn: &mut dyn Conn,
    invitation: &OpenInvitation,
    answer: &Answer,
    now: Millis,
    rollups: &mut RollupDeltas,
) -> Result<SaveOutcome> {
    let window = i64::from(invitation.policy.change_window_hours) * 3_600_000;
    let reasons = serde_json::to_string(&answer.reasons).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // A first answer's only recent click is itself: its automated flag is known before it is written.
    let first_signs = automated_signs(invitation.sent_at, now, &[(now, answer.csat)]);
    let row = NewRow { invitation, answer, reasons: &reasons, signs: &first_signs, now };
    let first = match invitation.response {
        None => insert_first(conn, &row)?,
        Some(_) => None,
    };
    let (written, counted_before) = match first {
        Some(written) => (written, None),
        None => {
            // How the rollups count the answer before this change. Read here, not taken from
            // `invitation`: on PostgreSQL another instance may have just saved a first answer.
            let previous: Option<i64> = conn
                .query_opt("SELECT id FROM responses WHERE invitation_id = $1", params![invitation.invitation_id])?
                .map(|r| r.get(0))
                .transpose()?;
            let before = match previous {
                Some(id) => crate::rollups::counted(conn, id)?,
                None => None,
            };
            match change(conn, &row, window)? {
                Some(written) => (written, before),
                None => return Ok(SaveOutcome::Locked),
            }
        }
    };
    let Written { response_id, first_answered_at, changes, csat, nps, effort, has_comment } = written;
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
    // How the rollups count it now (the same as `rollups::counted` would read back).
    let counted_after = signs.is_none().then(|| Counted {
        day: first_answered_at.div_euclid(86_400_000),
        team_id: invitation.team_id.unwrap_or(0),
        agent_id: invitation.agent_id.unwrap_or(0),
        category: invitation.category.clone().unwrap_or_default(),
        organization_id: invitation.organization_id.unwrap_or(0),
        channel: invitation.channel.clone(),
        csat,
        nps,
        effort,
        has_comment,
    });
    rollups.change(counted_before.as_ref(), counted_after.as_ref());
    let given = crate::followups::Given { csat, nps, automated: signs.is_some(), first };
    let about = crate::followups::Answered {
        response_id,
        ticket_id: invitation.ticket_id,
        customer_id: invitation.customer_id,
        agent_id: invitation.agent_id,
        team_id: invitation.team_id,
    };
    crate::followups::on_answer(conn, &about, given, &invitation.policy.follow_up, now)?;
    Ok(SaveOutcome::Saved { response_id, first, automated: signs.is_some(), change_until: first_answered_at + window })
}

/// A response as written: what the rollups and follow-ups need of it.
struct Written {
    response_id: i64,
    first_answered_at: Millis,
    changes: i64,
    csat: i64,
    nps: Option<i64>,
    effort: Option<i64>,
    has_comment: bool,
}

/// A response row as an answer writes it.
#[derive(Clone, Copy)]
struct NewRow<'a> {
    invitation: &'a OpenInvitation,
    answer: &'a Answer,
    reasons: &'a str,
    signs: &'a Option<String>,
    now: Millis,
}

impl NewRow<'_> {
    /// `$1`…`$16` of both statements below, in [`RESPONSE_COLUMNS`]' order.
    fn values(&self) -> Vec<Value> {
        let NewRow { invitation, answer, reasons, signs, now } = *self;
        let row = params![
            invitation.invitation_id,
            invitation.ticket_id,
            invitation.customer_id,
            invitation.channel,
            i64::from(answer.csat),
            answer.nps.map(i64::from),
            answer.effort.map(i64::from),
            answer.comment,
            reasons,
            signs.is_some(),
            signs,
            invitation.agent_id,
            invitation.team_id,
            invitation.category,
            invitation.organization_id,
            now
        ];
        row.iter().map(|value| value.to_value()).collect()
    }
}

const RESPONSE_COLUMNS: &str = "invitation_id, ticket_id, customer_id, channel, csat, nps, effort, comment, reasons,
    automated, automated_reason, agent_id, team_id, category, organization_id, first_answered_at, updated_at, changes";

/// The first answer: `None` if another one got in first (another instance, on PostgreSQL).
/// A single-row insert that skips a conflict, without `RETURNING`, needs no statement
/// journal on SQLite.
fn insert_first(conn: &mut dyn Conn, row: &NewRow) -> Result<Option<Written>> {
    let NewRow { answer, now, .. } = *row;
    let sql = format!(
        "INSERT INTO responses ({RESPONSE_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, 0)
         ON CONFLICT (invitation_id) DO NOTHING"
    );
    let inserted = conn.insert_id(&sql, &crate::staff_views::refs(&row.values()))?;
    let Some(response_id) = inserted else { return Ok(None) };
    Ok(Some(Written {
        response_id,
        first_answered_at: now,
        changes: 0,
        csat: i64::from(answer.csat),
        nps: answer.nps.map(i64::from),
        effort: answer.effort.map(i64::from),
        has_comment: answer.comment.is_some(),
    }))
}

/// A changed answer (or a first one, when it raced): `None` once the window has passed.
fn change(conn: &mut dyn Conn, row: &NewRow, window: Millis) -> Result<Option<Written>> {
    let sql = format!(
        "INSERT INTO responses ({RESPONSE_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, 0)
         ON CONFLICT (invitation_id) DO UPDATE SET
             csat = excluded.csat,
             nps = COALESCE(excluded.nps, responses.nps),
             effort = COALESCE(excluded.effort, responses.effort),
             comment = COALESCE(excluded.comment, responses.comment),
             reasons = CASE WHEN excluded.reasons = '[]' THEN responses.reasons ELSE excluded.reasons END,
             updated_at = excluded.updated_at,
             changes = responses.changes + 1
         WHERE responses.first_answered_at + $17 >= excluded.updated_at
         RETURNING id, changes, first_answered_at, csat, nps, effort, comment"
    );
    let mut values = row.values();
    values.push(Value::Int(window));
    let Some(row) = conn.query_opt(&sql, &crate::staff_views::refs(&values))? else { return Ok(None) };
    Ok(Some(Written {
        response_id: row.get(0)?,
        changes: row.get(1)?,
        first_answered_at: row.get(2)?,
        csat: row.get(3)?,
        nps: row.get(4)?,
        effort: row.get(5)?,
        has_comment: row.get::<Option<String>>(6)?.is_some(),
    }))
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
