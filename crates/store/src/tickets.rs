//! Reading tickets back, with the people around them and their history.

use crate::db::Row;
use crate::params;
use crate::Result;
use crate::Store;
use rapport_domain::time::Millis;
use serde::Serialize;

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
    pub team_id: Option<i64>,
    pub message_id: Option<String>,
    pub last_event_at: Millis,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub history: Vec<HistoryEntry>,
    pub survey: crate::survey::TicketSurvey,
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
           t.last_event_at, t.created_at, t.updated_at, t.team_id
    FROM tickets t
    LEFT JOIN customers c ON c.id = t.customer_id
    LEFT JOIN organizations o ON o.id = t.organization_id
    LEFT JOIN agents a ON a.id = t.agent_id
    LEFT JOIN teams tm ON tm.id = t.team_id";

impl Store {
    pub async fn ticket(&self, id: i64) -> Result<TicketView> {
        self.read(move |conn| {
            let sql = format!("{SELECT_TICKET} WHERE t.id = $1");
            let mut ticket = ticket_from_row(&conn.query_one(&sql, params![id])?)?;
            let history = conn.query(
                "SELECT event_id, from_status, to_status, occurred_at, applied FROM ticket_history
                 WHERE ticket_id = $1 ORDER BY occurred_at, id",
                params![id],
            )?;
            ticket.history = history
                .iter()
                .map(|r| {
                    Ok(HistoryEntry {
                        event_id: r.get(0)?,
                        from_status: r.get(1)?,
                        to_status: r.get(2)?,
                        occurred_at: r.get(3)?,
                        applied: r.get(4)?,
                    })
                })
                .collect::<Result<_>>()?;
            ticket.survey = crate::survey::ticket_survey(conn, id)?;
            Ok(ticket)
        })
        .await
    }

    /// Lists tickets in id order, so that `after_id` pages through all without gaps.
    pub async fn tickets(&self, filter: &TicketFilter) -> Result<Vec<TicketView>> {
        let filter = filter.clone();
        self.read(move |conn| {
            let sql = format!(
                "{SELECT_TICKET}
                 WHERE (CAST($1 AS TEXT) IS NULL OR t.source = $1)
                   AND (CAST($2 AS TEXT) IS NULL OR t.external_id = $2)
                   AND (CAST($3 AS TEXT) IS NULL OR t.status = $3) AND t.id > $4
                 ORDER BY t.id LIMIT $5"
            );
            let rows = conn.query(
                &sql,
                params![
                    filter.source,
                    filter.external_id,
                    filter.status,
                    filter.after_id.unwrap_or(0),
                    filter.limit.clamp(1, 1000)
                ],
            )?;
            rows.iter().map(ticket_from_row).collect()
        })
        .await
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
        self.read(move |conn| conn.value(sql, params![])).await
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

fn ticket_from_row(r: &Row) -> Result<TicketView> {
    let person = |id: Option<i64>, email: Option<String>, name: Option<String>| {
        id.zip(email).map(|(id, email)| PersonRef { id, email, name })
    };
    Ok(TicketView {
        id: r.get(0)?,
        source: r.get(1)?,
        external_id: r.get(2)?,
        title: r.get(3)?,
        status: r.get(4)?,
        category: r.get(5)?,
        priority: r.get(6)?,
        opened_at: r.get(7)?,
        resolved_at: r.get(8)?,
        closed_at: r.get(9)?,
        requester: person(r.get(10)?, r.get(11)?, r.get(12)?),
        requester_vip: r.get::<Option<bool>>(13)?.unwrap_or(false),
        requester_language: r.get(14)?,
        organization: r.get(15)?,
        assignee: person(r.get(16)?, r.get(17)?, r.get(18)?),
        team: r.get(19)?,
        team_id: r.get(24)?,
        message_id: r.get(20)?,
        last_event_at: r.get(21)?,
        created_at: r.get(22)?,
        updated_at: r.get(23)?,
        history: Vec::new(),
        survey: crate::survey::TicketSurvey { decisions: Vec::new(), invitations: Vec::new() },
    })
}
