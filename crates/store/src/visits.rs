//! Desk visits: recording one (with its survey decision and the visit-card email, in one
//! transaction), reading them back, and the links printed on the two postcards.

use crate::db::{Conn, Row, Value};
use crate::jobs::{schedule, JobKind};
use crate::params;
use crate::policies::all_policies;
use crate::settings::{setting, SAMPLING_KEY};
use crate::visibility::Visibility;
use crate::Result;
use rapport_domain::survey::policy::{policy_for, ScopeFacts};
use rapport_domain::survey::{decide, DecisionFacts, SurveyDecision};
use rapport_domain::time::Millis;
use rapport_domain::token::{hash_secret, random_hex};
use rapport_domain::visit::VisitDetails;
use serde::Serialize;

/// The channel a visit survey's answers carry in every metric.
pub const VISIT_CARD_CHANNEL: &str = "visit_card";

#[derive(Debug, Clone)]
pub struct NewVisit {
    pub ticket_id: i64,
    pub agent_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub technician_name: String,
    pub details: VisitDetails,
    pub request_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitRecord {
    pub id: i64,
    pub ticket_id: i64,
    pub ticket_source: String,
    pub ticket_external_id: String,
    pub ticket_title: Option<String>,
    pub ticket_status: String,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_language: Option<String>,
    pub agent_id: Option<i64>,
    pub technician_name: String,
    pub status: String,
    pub note: Option<String>,
    pub next_step: Option<String>,
    pub customer_away: bool,
    pub visited_at: Millis,
    pub created_at: Millis,
    /// The visit's survey decision and why, and the invitation when there is a survey.
    pub survey_decision: Option<String>,
    pub survey_reason: Option<String>,
    pub invitation_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VisitOutcome {
    pub visit: VisitRecord,
    /// False when the request key was seen before: the first visit is returned unchanged.
    pub created: bool,
}

/// Records a visit once per request key. In the same transaction: the visit's survey
/// decision (the desk's cool-down applies unless the policy exempts visits; no sampling,
/// the card is left by hand), its invitation (sent now: the card is on the desk), and the
/// job that emails the visit card.
pub fn record_visit(conn: &mut dyn Conn, visit: &NewVisit, now: Millis) -> Result<VisitOutcome> {
    let d = &visit.details;
    let inserted = conn.query_opt(
        "INSERT INTO visits (ticket_id, agent_id, recorded_by, technician_name, status, note, next_step,
             customer_away, visited_at, request_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (request_key) DO NOTHING RETURNING id",
        params![
            visit.ticket_id,
            visit.agent_id,
            visit.recorded_by,
            visit.technician_name,
            d.status.as_str(),
            d.note,
            d.next_step,
            i64::from(d.customer_away),
            d.visited_at,
            visit.request_key,
            now
        ],
    )?;
    let Some(row) = inserted else {
        let id: i64 = conn.value("SELECT id FROM visits WHERE request_key = $1", params![visit.request_key])?;
        let visit = visit_by_id(conn, id)?.ok_or(crate::StoreError::NotFound)?;
        return Ok(VisitOutcome { visit, created: false });
    };
    let visit_id: i64 = row.get(0)?;
    consider_visit_survey(conn, visit_id, now)?;
    schedule(conn, JobKind::SendVisitCard, visit_id, now, now)?;
    let visit = visit_by_id(conn, visit_id)?.ok_or(crate::StoreError::NotFound)?;
    Ok(VisitOutcome { visit, created: true })
}

fn consider_visit_survey(conn: &mut dyn Conn, visit_id: i64, now: Millis) -> Result<()> {
    let r = conn.query_one(
        "SELECT t.id, t.source, t.external_id, t.category, t.priority, t.cycle, tm.name, o.name,
                c.id, c.email, c.opted_out_at, t.organization_id, v.agent_id, t.agent_id,
                COALESCE(a.team_id, t.team_id)
         FROM visits v
         JOIN tickets t ON t.id = v.ticket_id
         LEFT JOIN teams tm ON tm.id = t.team_id
         LEFT JOIN organizations o ON o.id = t.organization_id
         LEFT JOIN customers c ON c.id = t.customer_id
         LEFT JOIN agents a ON a.id = v.agent_id
         WHERE v.id = $1",
        params![visit_id],
    )?;
    let ticket_id: i64 = r.get(0)?;
    let ticket_key = format!("{}:{}", r.get::<String>(1)?, r.get::<String>(2)?);
    let (category, priority): (Option<String>, Option<String>) = (r.get(3)?, r.get(4)?);
    let cycle: i64 = r.get(5)?;
    let (team, organization): (Option<String>, Option<String>) = (r.get(6)?, r.get(7)?);
    let customer_id: Option<i64> = r.get(8)?;
    let email: Option<String> = r.get(9)?;
    let opted_out: Option<i64> = r.get(10)?;
    let organization_id: Option<i64> = r.get(11)?;
    let agent_id: Option<i64> = r.get::<Option<i64>>(12)?.or(r.get(13)?);
    let team_id: Option<i64> = r.get(14)?;

    let policies = all_policies(conn)?;
    let scope = ScopeFacts {
        team: team.as_deref(),
        category: category.as_deref(),
        priority: priority.as_deref(),
        organization: organization.as_deref(),
    };
    let Some(policy) = policy_for(&policies, &scope) else { return Ok(()) };
    let (decision, reason) = match customer_id {
        None => (SurveyDecision::NoEmail, "the ticket has no requester to ask".to_string()),
        Some(id) => {
            let last_surveyed_at: Option<Millis> = conn.value(
                "SELECT MAX(created_at) FROM invitations WHERE customer_id = $1 AND state <> 'cancelled'
                 AND created_at <= $2",
                params![id, now],
            )?;
            let key = setting(conn, SAMPLING_KEY)?.unwrap_or_default();
            let facts = DecisionFacts {
                ticket_key: &ticket_key,
                email: email.as_deref(),
                organization: organization.as_deref(),
                opted_out: opted_out.is_some(),
                last_surveyed_at,
                now,
                is_visit: true,
            };
            decide(policy, key.as_bytes(), &facts)
        }
    };
    let decision_id: i64 = conn.value(
        "INSERT INTO survey_decisions (ticket_id, cycle, visit_id, policy_id, decision, reason, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        params![ticket_id, cycle, visit_id, policy.id, decision.as_str(), reason, now],
    )?;
    let (Some(customer_id), SurveyDecision::Invited) = (customer_id, decision) else { return Ok(()) };
    // Attributed now, to the technician who visited (and their team), like any survey at sending.
    let expires_at = now + i64::from(policy.expiry_days) * 86_400_000;
    let invitation: i64 = conn.value(
        "INSERT INTO invitations (ticket_id, customer_id, policy_id, decision_id, channel, state, send_at, sent_at,
             expires_at, agent_id, team_id, category, organization_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'sent', $6, $6, $7, $8, $9, $10, $11, $6, $6) RETURNING id",
        params![
            ticket_id,
            customer_id,
            policy.id,
            decision_id,
            VISIT_CARD_CHANNEL,
            now,
            expires_at,
            agent_id,
            team_id,
            category,
            organization_id
        ],
    )?;
    crate::rollups::invited(conn, invitation)?;
    schedule(conn, JobKind::ExpireInvitation, invitation, expires_at, now)
}

const SELECT_VISIT: &str = "SELECT v.id, v.ticket_id, t.source, t.external_id, t.title, t.status, c.name, c.email,
        c.language, v.agent_id, v.technician_name, v.status, v.note, v.next_step, v.customer_away, v.visited_at,
        v.created_at, d.decision, d.reason, i.id
    FROM visits v
    JOIN tickets t ON t.id = v.ticket_id
    LEFT JOIN customers c ON c.id = t.customer_id
    LEFT JOIN agents a ON a.id = v.agent_id
    LEFT JOIN survey_decisions d ON d.visit_id = v.id
    LEFT JOIN invitations i ON i.decision_id = d.id";

fn visit_from_row(r: &Row) -> Result<VisitRecord> {
    Ok(VisitRecord {
        id: r.get(0)?,
        ticket_id: r.get(1)?,
        ticket_source: r.get(2)?,
        ticket_external_id: r.get(3)?,
        ticket_title: r.get(4)?,
        ticket_status: r.get(5)?,
        customer_name: r.get(6)?,
        customer_email: r.get(7)?,
        customer_language: r.get(8)?,
        agent_id: r.get(9)?,
        technician_name: r.get(10)?,
        status: r.get(11)?,
        note: r.get(12)?,
        next_step: r.get(13)?,
        customer_away: r.get::<i64>(14)? != 0,
        visited_at: r.get(15)?,
        created_at: r.get(16)?,
        survey_decision: r.get(17)?,
        survey_reason: r.get(18)?,
        invitation_id: r.get(19)?,
    })
}

pub fn visit_by_id(conn: &mut dyn Conn, id: i64) -> Result<Option<VisitRecord>> {
    let sql = format!("{SELECT_VISIT} WHERE v.id = $1");
    conn.query_opt(&sql, params![id])?.as_ref().map(visit_from_row).transpose()
}

pub fn visits_for_ticket(conn: &mut dyn Conn, ticket_id: i64) -> Result<Vec<VisitRecord>> {
    let sql = format!("{SELECT_VISIT} WHERE v.ticket_id = $1 ORDER BY v.visited_at, v.id");
    conn.query(&sql, params![ticket_id])?.iter().map(visit_from_row).collect()
}

/// Visits a staff member may see: on tickets they may see, or made by them or by someone
/// in the teams they lead. `ids`, when given, narrows to those visits.
pub fn visits_in_scope(
    conn: &mut dyn Conn,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
    ids: Option<&[i64]>,
) -> Result<Vec<VisitRecord>> {
    let mut values = vec![Value::Int(from), Value::Int(to)];
    let tickets = visibility.condition("t.agent_id", "t.team_id", &mut values);
    let visitors = visibility.condition("v.agent_id", "a.team_id", &mut values);
    let mut sql =
        format!("{SELECT_VISIT} WHERE v.visited_at >= $1 AND v.visited_at < $2 AND ({tickets} OR {visitors})");
    if let Some(ids) = ids {
        let mut placeholders = Vec::new();
        for id in ids {
            values.push(Value::Int(*id));
            placeholders.push(format!("${}", values.len()));
        }
        if placeholders.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(&format!(" AND v.id IN ({})", placeholders.join(", ")));
    }
    sql.push_str(" ORDER BY v.visited_at DESC, v.id DESC LIMIT 500");
    conn.query(&sql, &crate::staff_views::refs(&values))?.iter().map(visit_from_row).collect()
}

/// The two links of a printed pair of cards: fresh tokens at every print (only their
/// hashes are kept), so a reprint never needs an old link back.
#[derive(Debug, Clone, PartialEq)]
pub struct CardLinks {
    pub status_token: String,
    pub survey_token: Option<String>,
}

/// New links for a visit: one to the ticket's status page, and one to the visit's survey
/// when it has one still open. `purpose` names where they go (`email`, `card`).
pub fn new_card_links(conn: &mut dyn Conn, visit: &VisitRecord, purpose: &str, now: Millis) -> Result<CardLinks> {
    let status_token = random_hex(16);
    conn.execute(
        "INSERT INTO status_links (token_hash, ticket_id, visit_id, purpose, created_at) VALUES ($1, $2, $3, $4, $5)",
        params![hash_secret(&status_token), visit.ticket_id, visit.id, purpose, now],
    )?;
    let survey_token = match visit.invitation_id {
        Some(invitation) => {
            let token = random_hex(16);
            crate::invitations::add_token(conn, invitation, &hash_secret(&token), &format!("visit_{purpose}"), now)?;
            Some(token)
        }
        None => None,
    };
    Ok(CardLinks { status_token, survey_token })
}

/// What a status-page link shows: the ticket as the customer may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusView {
    pub ticket_id: i64,
    pub external_id: String,
    pub title: Option<String>,
    pub status: String,
    pub closed_at: Option<Millis>,
    pub customer_name: Option<String>,
    pub customer_language: Option<String>,
    pub visits: Vec<VisitRecord>,
    /// Applied status changes, oldest first: (from, to, when).
    pub changes: Vec<(Option<String>, String, Millis)>,
}

pub fn status_view(conn: &mut dyn Conn, token_hash: &str) -> Result<Option<StatusView>> {
    let Some(r) = conn.query_opt(
        "SELECT t.id, t.external_id, t.title, t.status, t.closed_at, c.name, c.language
         FROM status_links l JOIN tickets t ON t.id = l.ticket_id LEFT JOIN customers c ON c.id = t.customer_id
         WHERE l.token_hash = $1",
        params![token_hash],
    )?
    else {
        return Ok(None);
    };
    let ticket_id: i64 = r.get(0)?;
    let changes = conn
        .query(
            "SELECT from_status, to_status, occurred_at FROM ticket_history
             WHERE ticket_id = $1 AND applied = 1 ORDER BY occurred_at, id",
            params![ticket_id],
        )?
        .iter()
        .map(|h| Ok((h.get(0)?, h.get(1)?, h.get(2)?)))
        .collect::<Result<_>>()?;
    Ok(Some(StatusView {
        ticket_id,
        external_id: r.get(1)?,
        title: r.get(2)?,
        status: r.get(3)?,
        closed_at: r.get(4)?,
        customer_name: r.get(5)?,
        customer_language: r.get(6)?,
        visits: visits_for_ticket(conn, ticket_id)?,
        changes,
    }))
}

/// The ticket a ticketing tool names by its source and number.
pub fn ticket_id_by_key(conn: &mut dyn Conn, source: &str, external_id: &str) -> Result<Option<i64>> {
    conn.query_opt("SELECT id FROM tickets WHERE source = $1 AND external_id = $2", params![source, external_id])?
        .map(|r| r.get(0))
        .transpose()
}

/// The technician as an agent (created when first named by email, never renamed from
/// here: ticket events own agents' names) and the name to sign the card with.
pub fn technician(
    conn: &mut dyn Conn,
    email: Option<&str>,
    name: Option<&str>,
    now: Millis,
) -> Result<(Option<i64>, String)> {
    let Some(email) = email else { return Ok((None, name.unwrap_or_default().to_string())) };
    conn.execute(
        "INSERT INTO agents (email, name, seen_at, created_at) VALUES ($1, $2, $3, $3) ON CONFLICT (email) DO NOTHING",
        params![email, name, now],
    )?;
    let r = conn.query_one("SELECT id, name FROM agents WHERE email = $1", params![email])?;
    let known: Option<String> = r.get(1)?;
    let signature =
        name.map(str::to_string).or(known).unwrap_or_else(|| email.split('@').next().unwrap_or(email).into());
    Ok((Some(r.get(0)?), signature))
}
