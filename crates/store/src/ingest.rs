//! Applying ticket events: idempotent by (`source`, `event_id`), ordered by `occurred_at`.

use crate::db::{Backend, Conn};
use crate::params;
use crate::Store;
use crate::{Result, StoreError};
use rapport_domain::event::{Assignee, Requester, TicketEvent};
use rapport_domain::time::Millis;
use rapport_domain::TicketStatus;
use serde::{Deserialize, Serialize};

/// What applying one event did. A duplicate answers with the outcome of the first delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestOutcome {
    pub event_id: String,
    pub ticket_id: i64,
    /// The event created the ticket.
    pub created: bool,
    /// The event was the newest seen for its ticket and so set its current state; an
    /// older event arriving late is kept in the history only.
    pub applied: bool,
    /// The ticket's status after the event.
    pub status: TicketStatus,
    #[serde(default)]
    pub duplicate: bool,
}

impl Store {
    /// Applies a batch of events in one transaction (one disk sync for the lot: group
    /// commit). Every event answers for itself; a duplicate is an answer, not an error.
    /// A ticket reaching its policy's trigger gets its survey decision here.
    pub async fn ingest_batch(&self, events: &[TicketEvent], received_at: Millis) -> Result<Vec<IngestOutcome>> {
        self.apply_batch(events, received_at, Surveys::Consider).await
    }

    /// For history (CSV import, demo): the same upserts, but past tickets are not surveyed.
    pub async fn backfill_batch(&self, events: &[TicketEvent], received_at: Millis) -> Result<Vec<IngestOutcome>> {
        self.apply_batch(events, received_at, Surveys::Skip).await
    }

    async fn apply_batch(
        &self,
        events: &[TicketEvent],
        received_at: Millis,
        surveys: Surveys,
    ) -> Result<Vec<IngestOutcome>> {
        let events = events.to_vec();
        self.write(move |conn| events.iter().map(|event| ingest_one(conn, event, received_at, surveys)).collect()).await
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surveys {
    Consider,
    Skip,
}

/// Applies one event inside the caller's transaction, surveying as live events do.
pub fn ingest_event(conn: &mut dyn Conn, event: &TicketEvent, now: Millis) -> Result<IngestOutcome> {
    ingest_one(conn, event, now, Surveys::Consider)
}

fn ingest_one(conn: &mut dyn Conn, event: &TicketEvent, now: Millis, surveys: Surveys) -> Result<IngestOutcome> {
    let claimed = conn.query_opt(
        "INSERT INTO ticket_events (source, event_id, received_at, outcome) VALUES ($1, $2, $3, '')
         ON CONFLICT (source, event_id) DO NOTHING RETURNING id",
        params![event.source, event.event_id, now],
    )?;
    let Some(claimed) = claimed else {
        return previous_outcome(conn, event);
    };
    let event_row: i64 = claimed.get(0)?;

    let t = &event.ticket;
    let organization_id = match t.requester.as_ref().and_then(|r| r.organization.as_deref()) {
        Some(name) => Some(upsert_named(conn, Named::Organization, name, now)?),
        None => None,
    };
    let team_id = match t.team.as_deref() {
        Some(name) => Some(upsert_named(conn, Named::Team, name, now)?),
        None => None,
    };
    let customer_id = match &t.requester {
        Some(requester) => Some(upsert_customer(conn, requester, organization_id, event.occurred_at, now)?),
        None => None,
    };
    let agent_id = match &t.assignee {
        Some(assignee) => Some(upsert_agent(conn, assignee, team_id, event.occurred_at, now)?),
        None => None,
    };
    let refs = Refs { customer_id, agent_id, team_id, organization_id };

    let (ticket_id, created, applied, from_status, status) = match insert_ticket(conn, event, &refs, now)? {
        Some(id) => (id, true, true, None, t.status),
        None => {
            let (id, current, last_event_at) = lock_ticket(conn, event)?;
            if event.occurred_at >= last_event_at {
                update_ticket(conn, id, event, &refs, now)?;
                (id, false, true, Some(current), t.status)
            } else {
                (id, false, false, Some(current), current)
            }
        }
    };

    let changed = from_status != Some(t.status);
    if applied && changed {
        if from_status.is_some_and(TicketStatus::is_done) && !t.status.is_done() {
            crate::survey::ticket_reopened(conn, ticket_id, now)?;
        }
        if t.status.is_done() && surveys == Surveys::Consider {
            crate::survey::consider_survey(conn, ticket_id, t.status, now)?;
        }
    }
    if created || changed || !applied {
        conn.execute(
            "INSERT INTO ticket_history (ticket_id, event_id, from_status, to_status, occurred_at, applied, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            params![ticket_id, event.event_id, from_status.map(|s| s.as_str()), t.status.as_str(), event.occurred_at, applied, now],
        )?;
    }

    let outcome =
        IngestOutcome { event_id: event.event_id.clone(), ticket_id, created, applied, status, duplicate: false };
    let stored = serde_json::to_string(&outcome).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "UPDATE ticket_events SET ticket_id = $1, outcome = $2 WHERE id = $3",
        params![ticket_id, stored, event_row],
    )?;
    Ok(outcome)
}

/// Reads the ticket's current state, holding a row lock on PostgreSQL so that two
/// instances applying events to one ticket take turns (SQLite has one writer anyway).
fn lock_ticket(conn: &mut dyn Conn, event: &TicketEvent) -> Result<(i64, TicketStatus, Millis)> {
    let sql = match conn.backend() {
        Backend::Postgres => {
            "SELECT id, status, last_event_at FROM tickets WHERE source = $1 AND external_id = $2 FOR UPDATE"
        }
        Backend::Sqlite => "SELECT id, status, last_event_at FROM tickets WHERE source = $1 AND external_id = $2",
    };
    let row = conn.query_one(sql, params![event.source, event.ticket.external_id])?;
    let status: String = row.get(1)?;
    let status =
        status.parse().map_err(|e: rapport_domain::status::UnknownStatus| StoreError::Corrupt(e.to_string()))?;
    Ok((row.get(0)?, status, row.get(2)?))
}

struct Refs {
    customer_id: Option<i64>,
    agent_id: Option<i64>,
    team_id: Option<i64>,
    organization_id: Option<i64>,
}

fn previous_outcome(conn: &mut dyn Conn, event: &TicketEvent) -> Result<IngestOutcome> {
    let stored: String = conn.value(
        "SELECT outcome FROM ticket_events WHERE source = $1 AND event_id = $2",
        params![event.source, event.event_id],
    )?;
    let mut outcome: IngestOutcome =
        serde_json::from_str(&stored).map_err(|e| StoreError::Corrupt(format!("ticket event outcome: {e}")))?;
    outcome.duplicate = true;
    Ok(outcome)
}

enum Named {
    Organization,
    Team,
}

/// Organizations and teams are matched by name, ignoring case. Looked up first: most
/// events name ones that exist, and a read is cheaper than a write.
fn upsert_named(conn: &mut dyn Conn, kind: Named, name: &str, now: Millis) -> Result<i64> {
    let (find, insert) = match kind {
        Named::Organization => (
            "SELECT id FROM organizations WHERE name_key = $1",
            "INSERT INTO organizations (name, name_key, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name_key) DO UPDATE SET name = excluded.name RETURNING id",
        ),
        Named::Team => (
            "SELECT id FROM teams WHERE name_key = $1",
            "INSERT INTO teams (name, name_key, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name_key) DO UPDATE SET name = excluded.name RETURNING id",
        ),
    };
    let key = name.to_lowercase();
    if let Some(row) = conn.query_opt(find, params![key])? {
        return row.get(0);
    }
    conn.value(insert, params![name, key, now])
}

/// Creates or updates the customer; an event older than the last one seen for this
/// customer does not overwrite newer details.
fn upsert_customer(
    conn: &mut dyn Conn,
    requester: &Requester,
    organization_id: Option<i64>,
    occurred_at: Millis,
    now: Millis,
) -> Result<i64> {
    let updated = conn.query_opt(
        "INSERT INTO customers (email, name, organization_id, vip, language, seen_at, created_at)
         VALUES ($1, $2, $3, COALESCE($4, 0), $5, $6, $7)
         ON CONFLICT (email) DO UPDATE SET
             name = COALESCE(excluded.name, customers.name),
             organization_id = COALESCE(excluded.organization_id, customers.organization_id),
             vip = COALESCE($4, customers.vip),
             language = COALESCE(excluded.language, customers.language),
             seen_at = excluded.seen_at
         WHERE customers.seen_at <= excluded.seen_at
         RETURNING id",
        params![
            requester.email.as_str(),
            requester.name,
            organization_id,
            requester.vip.map(i64::from),
            requester.language,
            occurred_at,
            now
        ],
    )?;
    match updated {
        Some(row) => row.get(0),
        None => conn.value("SELECT id FROM customers WHERE email = $1", params![requester.email.as_str()]),
    }
}

fn upsert_agent(
    conn: &mut dyn Conn,
    assignee: &Assignee,
    team_id: Option<i64>,
    occurred_at: Millis,
    now: Millis,
) -> Result<i64> {
    let updated = conn.query_opt(
        "INSERT INTO agents (email, name, team_id, seen_at, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO UPDATE SET
             name = COALESCE(excluded.name, agents.name),
             team_id = COALESCE(excluded.team_id, agents.team_id),
             seen_at = excluded.seen_at
         WHERE agents.seen_at <= excluded.seen_at
         RETURNING id",
        params![assignee.email.as_str(), assignee.name, team_id, occurred_at, now],
    )?;
    match updated {
        Some(row) => row.get(0),
        None => conn.value("SELECT id FROM agents WHERE email = $1", params![assignee.email.as_str()]),
    }
}

fn insert_ticket(conn: &mut dyn Conn, event: &TicketEvent, refs: &Refs, now: Millis) -> Result<Option<i64>> {
    let t = &event.ticket;
    let row = conn.query_opt(
        "INSERT INTO tickets (source, external_id, title, status, category, priority, opened_at, resolved_at,
             closed_at, customer_id, agent_id, team_id, organization_id, message_id, last_event_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
         ON CONFLICT (source, external_id) DO NOTHING RETURNING id",
        params![
            event.source,
            t.external_id,
            t.title,
            t.status.as_str(),
            t.category,
            t.priority,
            t.opened_at,
            t.resolved_at,
            t.closed_at,
            refs.customer_id,
            refs.agent_id,
            refs.team_id,
            refs.organization_id,
            t.message_id,
            event.occurred_at,
            now
        ],
    )?;
    row.map(|row| row.get(0)).transpose()
}

/// The newest event sets the ticket's state; fields it leaves out keep their values.
fn update_ticket(conn: &mut dyn Conn, id: i64, event: &TicketEvent, refs: &Refs, now: Millis) -> Result<()> {
    let t = &event.ticket;
    conn.execute(
        "UPDATE tickets SET
             title = COALESCE($2, title), status = $3, category = COALESCE($4, category),
             priority = COALESCE($5, priority), opened_at = COALESCE($6, opened_at),
             resolved_at = COALESCE($7, resolved_at), closed_at = COALESCE($8, closed_at),
             customer_id = COALESCE($9, customer_id), agent_id = COALESCE($10, agent_id),
             team_id = COALESCE($11, team_id), organization_id = COALESCE($12, organization_id),
             message_id = COALESCE($13, message_id), last_event_at = $14, updated_at = $15
         WHERE id = $1",
        params![
            id,
            t.title,
            t.status.as_str(),
            t.category,
            t.priority,
            t.opened_at,
            t.resolved_at,
            t.closed_at,
            refs.customer_id,
            refs.agent_id,
            refs.team_id,
            refs.organization_id,
            t.message_id,
            event.occurred_at,
            now
        ],
    )?;
    Ok(())
}
