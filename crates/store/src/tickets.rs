//! Reading tickets back, with the people around them and their history.

use crate::connect::Store;
use crate::{Result, StoreError};
use rapport_domain::time::Millis;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PersonRef {
    pub id: i64,
    pub email: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HistoryEntry {
    pub event_id: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub occurred_at: Millis,
    pub applied: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TicketView {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub title: Option<String>,
    pub status: String,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub opened_at: Option<Millis>,
    pub resolved_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    pub requester: Option<PersonRef>,
    pub requester_vip: bool,
    pub requester_language: Option<String>,
    pub organization: Option<String>,
    pub assignee: Option<PersonRef>,
    pub team: Option<String>,
    pub message_id: Option<String>,
    pub last_event_at: Millis,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub history: Vec<HistoryEntry>,
}

/// Filters for listing tickets; every field narrows the list. Pages by id (`after_id`).
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub status: Option<String>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

const SELECT_TICKET: &str = "
    SELECT t.id, t.source, t.external_id, t.title, t.status, t.category, t.priority,
           t.opened_at, t.resolved_at, t.closed_at,
           c.id, c.email, c.name, c.vip, c.language, o.name,
           a.id, a.email, a.name, tm.name, t.message_id,
           t.last_event_at, t.created_at, t.updated_at
    FROM tickets t
    LEFT JOIN customers c ON c.id = t.customer_id
    LEFT JOIN organizations o ON o.id = t.organization_id
    LEFT JOIN agents a ON a.id = t.agent_id
    LEFT JOIN teams tm ON tm.id = t.team_id";

impl Store {
    pub async fn ticket(&self, id: i64) -> Result<TicketView> {
        let sql = format!("{SELECT_TICKET} WHERE t.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        let mut ticket = ticket_from_row(&row.ok_or(StoreError::NotFound)?)?;
        ticket.history = self.ticket_history(id).await?;
        Ok(ticket)
    }

    /// Lists tickets, newest id first is not needed by any caller: ids ascend so that
    /// `after_id` pages through everything without gaps.
    pub async fn tickets(&self, filter: &TicketFilter) -> Result<Vec<TicketView>> {
        let sql = format!(
            "{SELECT_TICKET}
             WHERE ($1 IS NULL OR t.source = $1) AND ($2 IS NULL OR t.external_id = $2)
               AND ($3 IS NULL OR t.status = $3) AND t.id > $4
             ORDER BY t.id LIMIT $5"
        );
        let rows = sqlx::query(&sql)
            .bind(filter.source.as_deref())
            .bind(filter.external_id.as_deref())
            .bind(filter.status.as_deref())
            .bind(filter.after_id.unwrap_or(0))
            .bind(filter.limit.clamp(1, 1000))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(ticket_from_row).collect()
    }

    pub async fn ticket_history(&self, ticket_id: i64) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query(
            "SELECT event_id, from_status, to_status, occurred_at, applied FROM ticket_history
             WHERE ticket_id = $1 ORDER BY occurred_at, id",
        )
        .bind(ticket_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(HistoryEntry {
                    event_id: r.try_get(0)?,
                    from_status: r.try_get(1)?,
                    to_status: r.try_get(2)?,
                    occurred_at: r.try_get(3)?,
                    applied: r.try_get::<i64, _>(4)? != 0,
                })
            })
            .collect()
    }

    /// Counts of the main tables, for the CLI's summaries and the tests.
    pub async fn count(&self, table: Countable) -> Result<i64> {
        let sql = match table {
            Countable::Tickets => "SELECT COUNT(*) FROM tickets",
            Countable::Customers => "SELECT COUNT(*) FROM customers",
            Countable::Agents => "SELECT COUNT(*) FROM agents",
            Countable::Teams => "SELECT COUNT(*) FROM teams",
            Countable::Organizations => "SELECT COUNT(*) FROM organizations",
            Countable::TicketEvents => "SELECT COUNT(*) FROM ticket_events",
            Countable::TicketHistory => "SELECT COUNT(*) FROM ticket_history",
        };
        let row = sqlx::query(sql).fetch_one(&self.read).await?;
        Ok(row.try_get(0)?)
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Countable {
    Tickets,
    Customers,
    Agents,
    Teams,
    Organizations,
    TicketEvents,
    TicketHistory,
}

fn ticket_from_row(r: &AnyRow) -> Result<TicketView> {
    let person = |id: Option<i64>, email: Option<String>, name: Option<String>| {
        id.zip(email)
            .map(|(id, email)| PersonRef { id, email, name })
    };
    Ok(TicketView {
        id: r.try_get(0)?,
        source: r.try_get(1)?,
        external_id: r.try_get(2)?,
        title: r.try_get(3)?,
        status: r.try_get(4)?,
        category: r.try_get(5)?,
        priority: r.try_get(6)?,
        opened_at: r.try_get(7)?,
        resolved_at: r.try_get(8)?,
        closed_at: r.try_get(9)?,
        requester: person(r.try_get(10)?, r.try_get(11)?, r.try_get(12)?),
        requester_vip: r.try_get::<Option<i64>, _>(13)?.unwrap_or(0) != 0,
        requester_language: r.try_get(14)?,
        organization: r.try_get(15)?,
        assignee: person(r.try_get(16)?, r.try_get(17)?, r.try_get(18)?),
        team: r.try_get(19)?,
        message_id: r.try_get(20)?,
        last_event_at: r.try_get(21)?,
        created_at: r.try_get(22)?,
        updated_at: r.try_get(23)?,
        history: Vec::new(),
    })
}
