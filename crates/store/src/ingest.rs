//! Applying ticket events: idempotent by (`source`, `event_id`), ordered by `occurred_at`.

use crate::connect::{Backend, Store};
use crate::{Result, StoreError};
use rapport_domain::event::{Assignee, Requester, TicketEvent};
use rapport_domain::time::Millis;
use rapport_domain::TicketStatus;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};

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

type Tx = Transaction<'static, Any>;

impl Store {
    /// Applies a batch of events in one transaction (one disk sync for the lot: group
    /// commit). Every event answers for itself; a duplicate is an answer, not an error.
    pub async fn ingest_batch(
        &self,
        events: &[TicketEvent],
        received_at: Millis,
    ) -> Result<Vec<IngestOutcome>> {
        let mut attempt = 0;
        loop {
            match self.try_ingest_batch(events, received_at).await {
                Err(e) if e.is_retryable() && attempt < 5 => attempt += 1,
                other => return other,
            }
        }
    }

    async fn try_ingest_batch(
        &self,
        events: &[TicketEvent],
        received_at: Millis,
    ) -> Result<Vec<IngestOutcome>> {
        let mut tx = self.write.begin().await?;
        let mut outcomes = Vec::with_capacity(events.len());
        for event in events {
            outcomes.push(self.ingest_one(&mut tx, event, received_at).await?);
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn ingest_one(
        &self,
        tx: &mut Tx,
        event: &TicketEvent,
        now: Millis,
    ) -> Result<IngestOutcome> {
        let claimed = sqlx::query(
            "INSERT INTO ticket_events (source, event_id, received_at, outcome) VALUES ($1, $2, $3, '')
             ON CONFLICT (source, event_id) DO NOTHING RETURNING id",
        )
        .bind(&event.source)
        .bind(&event.event_id)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(claimed) = claimed else {
            return previous_outcome(tx, event).await;
        };
        let event_row: i64 = claimed.try_get(0)?;

        let t = &event.ticket;
        let organization_id = match t.requester.as_ref().and_then(|r| r.organization.as_deref()) {
            Some(name) => Some(upsert_named(tx, "organizations", name, now).await?),
            None => None,
        };
        let team_id = match t.team.as_deref() {
            Some(name) => Some(upsert_named(tx, "teams", name, now).await?),
            None => None,
        };
        let customer_id = match &t.requester {
            Some(requester) => {
                Some(upsert_customer(tx, requester, organization_id, event.occurred_at, now).await?)
            }
            None => None,
        };
        let agent_id = match &t.assignee {
            Some(assignee) => {
                Some(upsert_agent(tx, assignee, team_id, event.occurred_at, now).await?)
            }
            None => None,
        };
        let refs = Refs {
            customer_id,
            agent_id,
            team_id,
            organization_id,
        };

        let (ticket_id, created, applied, from_status, status) =
            match insert_ticket(tx, event, &refs, now).await? {
                Some(id) => (id, true, true, None, t.status),
                None => {
                    let (id, current, last_event_at) = self.lock_ticket(tx, event).await?;
                    if event.occurred_at >= last_event_at {
                        update_ticket(tx, id, event, &refs, now).await?;
                        (id, false, true, Some(current), t.status)
                    } else {
                        (id, false, false, Some(current), current)
                    }
                }
            };

        let changed = from_status != Some(t.status);
        if created || changed || !applied {
            sqlx::query(
                "INSERT INTO ticket_history (ticket_id, event_id, from_status, to_status, occurred_at, applied, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(ticket_id)
            .bind(&event.event_id)
            .bind(from_status.map(|s| s.as_str()))
            .bind(t.status.as_str())
            .bind(event.occurred_at)
            .bind(i64::from(applied))
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }

        let outcome = IngestOutcome {
            event_id: event.event_id.clone(),
            ticket_id,
            created,
            applied,
            status,
            duplicate: false,
        };
        let stored =
            serde_json::to_string(&outcome).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE ticket_events SET ticket_id = $1, outcome = $2 WHERE id = $3")
            .bind(ticket_id)
            .bind(stored)
            .bind(event_row)
            .execute(&mut **tx)
            .await?;
        Ok(outcome)
    }

    /// Reads the ticket's current state, holding a row lock on PostgreSQL so that two
    /// instances applying events to one ticket take turns (SQLite has one writer anyway).
    async fn lock_ticket(
        &self,
        tx: &mut Tx,
        event: &TicketEvent,
    ) -> Result<(i64, TicketStatus, Millis)> {
        let sql = match self.backend {
            Backend::Postgres => {
                "SELECT id, status, last_event_at FROM tickets WHERE source = $1 AND external_id = $2 FOR UPDATE"
            }
            Backend::Sqlite => "SELECT id, status, last_event_at FROM tickets WHERE source = $1 AND external_id = $2",
        };
        let row = sqlx::query(sql)
            .bind(&event.source)
            .bind(&event.ticket.external_id)
            .fetch_one(&mut **tx)
            .await?;
        let status: String = row.try_get(1)?;
        let status = status
            .parse()
            .map_err(|e: rapport_domain::status::UnknownStatus| {
                StoreError::Corrupt(e.to_string())
            })?;
        Ok((row.try_get(0)?, status, row.try_get(2)?))
    }
}

struct Refs {
    customer_id: Option<i64>,
    agent_id: Option<i64>,
    team_id: Option<i64>,
    organization_id: Option<i64>,
}

async fn previous_outcome(tx: &mut Tx, event: &TicketEvent) -> Result<IngestOutcome> {
    let row = sqlx::query("SELECT outcome FROM ticket_events WHERE source = $1 AND event_id = $2")
        .bind(&event.source)
        .bind(&event.event_id)
        .fetch_one(&mut **tx)
        .await?;
    let stored: String = row.try_get(0)?;
    let mut outcome: IngestOutcome = serde_json::from_str(&stored)
        .map_err(|e| StoreError::Corrupt(format!("ticket event outcome: {e}")))?;
    outcome.duplicate = true;
    Ok(outcome)
}

/// Organizations and teams are matched by name, ignoring case and surrounding space.
async fn upsert_named(tx: &mut Tx, table: &'static str, name: &str, now: Millis) -> Result<i64> {
    let sql = match table {
        "organizations" => {
            "INSERT INTO organizations (name, name_key, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name_key) DO UPDATE SET name = excluded.name RETURNING id"
        }
        _ => {
            "INSERT INTO teams (name, name_key, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name_key) DO UPDATE SET name = excluded.name RETURNING id"
        }
    };
    let row = sqlx::query(sql)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get(0)?)
}

/// Creates or updates the customer; an event older than the last one seen for this
/// customer does not overwrite newer details.
async fn upsert_customer(
    tx: &mut Tx,
    requester: &Requester,
    organization_id: Option<i64>,
    occurred_at: Millis,
    now: Millis,
) -> Result<i64> {
    let updated = sqlx::query(
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
    )
    .bind(requester.email.as_str())
    .bind(requester.name.as_deref())
    .bind(organization_id)
    .bind(requester.vip.map(i64::from))
    .bind(requester.language.as_deref())
    .bind(occurred_at)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    match updated {
        Some(row) => Ok(row.try_get(0)?),
        None => {
            id_by_email(
                tx,
                "SELECT id FROM customers WHERE email = $1",
                requester.email.as_str(),
            )
            .await
        }
    }
}

async fn upsert_agent(
    tx: &mut Tx,
    assignee: &Assignee,
    team_id: Option<i64>,
    occurred_at: Millis,
    now: Millis,
) -> Result<i64> {
    let updated = sqlx::query(
        "INSERT INTO agents (email, name, team_id, seen_at, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO UPDATE SET
             name = COALESCE(excluded.name, agents.name),
             team_id = COALESCE(excluded.team_id, agents.team_id),
             seen_at = excluded.seen_at
         WHERE agents.seen_at <= excluded.seen_at
         RETURNING id",
    )
    .bind(assignee.email.as_str())
    .bind(assignee.name.as_deref())
    .bind(team_id)
    .bind(occurred_at)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    match updated {
        Some(row) => Ok(row.try_get(0)?),
        None => {
            id_by_email(
                tx,
                "SELECT id FROM agents WHERE email = $1",
                assignee.email.as_str(),
            )
            .await
        }
    }
}

async fn id_by_email(tx: &mut Tx, sql: &'static str, email: &str) -> Result<i64> {
    let row = sqlx::query(sql).bind(email).fetch_one(&mut **tx).await?;
    Ok(row.try_get(0)?)
}

async fn insert_ticket(
    tx: &mut Tx,
    event: &TicketEvent,
    refs: &Refs,
    now: Millis,
) -> Result<Option<i64>> {
    let t = &event.ticket;
    let row = sqlx::query(
        "INSERT INTO tickets (source, external_id, title, status, category, priority, opened_at, resolved_at,
             closed_at, customer_id, agent_id, team_id, organization_id, message_id, last_event_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
         ON CONFLICT (source, external_id) DO NOTHING RETURNING id",
    )
    .bind(&event.source)
    .bind(&t.external_id)
    .bind(t.title.as_deref())
    .bind(t.status.as_str())
    .bind(t.category.as_deref())
    .bind(t.priority.as_deref())
    .bind(t.opened_at)
    .bind(t.resolved_at)
    .bind(t.closed_at)
    .bind(refs.customer_id)
    .bind(refs.agent_id)
    .bind(refs.team_id)
    .bind(refs.organization_id)
    .bind(t.message_id.as_deref())
    .bind(event.occurred_at)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(row) => Some(row.try_get(0)?),
        None => None,
    })
}

/// The newest event sets the ticket's state; fields it leaves out keep their values.
async fn update_ticket(
    tx: &mut Tx,
    id: i64,
    event: &TicketEvent,
    refs: &Refs,
    now: Millis,
) -> Result<()> {
    let t = &event.ticket;
    sqlx::query(
        "UPDATE tickets SET
             title = COALESCE($2, title), status = $3, category = COALESCE($4, category),
             priority = COALESCE($5, priority), opened_at = COALESCE($6, opened_at),
             resolved_at = COALESCE($7, resolved_at), closed_at = COALESCE($8, closed_at),
             customer_id = COALESCE($9, customer_id), agent_id = COALESCE($10, agent_id),
             team_id = COALESCE($11, team_id), organization_id = COALESCE($12, organization_id),
             message_id = COALESCE($13, message_id), last_event_at = $14, updated_at = $15
         WHERE id = $1",
    )
    .bind(id)
    .bind(t.title.as_deref())
    .bind(t.status.as_str())
    .bind(t.category.as_deref())
    .bind(t.priority.as_deref())
    .bind(t.opened_at)
    .bind(t.resolved_at)
    .bind(t.closed_at)
    .bind(refs.customer_id)
    .bind(refs.agent_id)
    .bind(refs.team_id)
    .bind(refs.organization_id)
    .bind(t.message_id.as_deref())
    .bind(event.occurred_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
