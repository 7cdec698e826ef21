//! What the staff pages list: answers and tickets, always narrowed by the viewer's
//! visibility, filtered, newest first.

use crate::db::{Conn, ToValue, Value};
use crate::visibility::Visibility;
use crate::Result;
use crate::Store;
use rapport_domain::time::Millis;
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub text: Option<String>,
    pub status: Option<String>,
    pub team_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub category: Option<String>,
    pub organization_id: Option<i64>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    pub max_csat: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerRow {
    pub id: i64,
    pub ticket_id: i64,
    pub ticket_external_id: String,
    pub ticket_title: Option<String>,
    pub csat: i64,
    pub nps: Option<i64>,
    pub comment: Option<String>,
    pub automated: bool,
    pub customer_name: Option<String>,
    pub customer_email: String,
    pub agent_name: Option<String>,
    pub team: Option<String>,
    pub category: Option<String>,
    pub organization: Option<String>,
    pub answered_at: Millis,
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketRow {
    pub id: i64,
    pub external_id: String,
    pub title: Option<String>,
    pub status: String,
    pub category: Option<String>,
    pub customer_name: Option<String>,
    pub agent_name: Option<String>,
    pub team: Option<String>,
    pub organization: Option<String>,
    pub updated_at: Millis,
}

/// A named thing to filter by (team, agent, organization).
#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

fn push(params: &mut Vec<Value>, value: impl ToValue) -> String {
    params.push(value.to_value());
    format!("${}", params.len())
}

pub(crate) fn refs(params: &[Value]) -> Vec<&dyn ToValue> {
    params.iter().map(|v| v as &dyn ToValue).collect()
}

impl Store {
    pub async fn answers_for(&self, visibility: Visibility, filter: ListFilter) -> Result<Vec<AnswerRow>> {
        self.read(move |conn| {
            let mut params = Vec::new();
            let mut conditions = vec![visibility.condition("r.agent_id", "r.team_id", &mut params)];
            if let Some(team) = filter.team_id {
                conditions.push(format!("r.team_id = {}", push(&mut params, team)));
            }
            if let Some(agent) = filter.agent_id {
                conditions.push(format!("r.agent_id = {}", push(&mut params, agent)));
            }
            if let Some(org) = filter.organization_id {
                conditions.push(format!("r.organization_id = {}", push(&mut params, org)));
            }
            if let Some(category) = &filter.category {
                conditions.push(format!("r.category = {}", push(&mut params, category.clone())));
            }
            if let Some(since) = filter.since {
                conditions.push(format!("r.first_answered_at >= {}", push(&mut params, since)));
            }
            if let Some(until) = filter.until {
                conditions.push(format!("r.first_answered_at < {}", push(&mut params, until)));
            }
            if let Some(max) = filter.max_csat {
                conditions.push(format!("r.csat <= {}", push(&mut params, max)));
            }
            let limit = push(&mut params, filter.limit.clamp(1, 100_000));
            let offset = push(&mut params, filter.offset.max(0));
            let sql = format!(
                "SELECT r.id, r.ticket_id, t.external_id, t.title, r.csat, r.nps, r.comment, r.automated,
                        c.name, c.email, a.name, tm.name, r.category, o.name, r.first_answered_at
                 FROM responses r
                 JOIN tickets t ON t.id = r.ticket_id
                 JOIN customers c ON c.id = r.customer_id
                 LEFT JOIN agents a ON a.id = r.agent_id
                 LEFT JOIN teams tm ON tm.id = r.team_id
                 LEFT JOIN organizations o ON o.id = r.organization_id
                 WHERE {}
                 ORDER BY r.first_answered_at DESC, r.id DESC LIMIT {limit} OFFSET {offset}",
                conditions.join(" AND ")
            );
            conn.query(&sql, &refs(&params))?
                .iter()
                .map(|r| {
                    Ok(AnswerRow {
                        id: r.get(0)?,
                        ticket_id: r.get(1)?,
                        ticket_external_id: r.get(2)?,
                        ticket_title: r.get(3)?,
                        csat: r.get(4)?,
                        nps: r.get(5)?,
                        comment: r.get(6)?,
                        automated: r.get(7)?,
                        customer_name: r.get(8)?,
                        customer_email: r.get(9)?,
                        agent_name: r.get(10)?,
                        team: r.get(11)?,
                        category: r.get(12)?,
                        organization: r.get(13)?,
                        answered_at: r.get(14)?,
                    })
                })
                .collect()
        })
        .await
    }

    pub async fn tickets_for(&self, visibility: Visibility, filter: ListFilter) -> Result<Vec<TicketRow>> {
        self.read(move |conn| {
            let mut params = Vec::new();
            let mut conditions = vec![visibility.condition("t.agent_id", "t.team_id", &mut params)];
            if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                let like = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
                let p = push(&mut params, like);
                conditions.push(format!(
                    "(LOWER(t.external_id) LIKE {p} OR LOWER(COALESCE(t.title, '')) LIKE {p} OR LOWER(COALESCE(c.name, '')) LIKE {p} OR c.email LIKE {p})"
                ));
            }
            if let Some(status) = &filter.status {
                conditions.push(format!("t.status = {}", push(&mut params, status.clone())));
            }
            if let Some(team) = filter.team_id {
                conditions.push(format!("t.team_id = {}", push(&mut params, team)));
            }
            if let Some(agent) = filter.agent_id {
                conditions.push(format!("t.agent_id = {}", push(&mut params, agent)));
            }
            if let Some(org) = filter.organization_id {
                conditions.push(format!("t.organization_id = {}", push(&mut params, org)));
            }
            if let Some(category) = &filter.category {
                conditions.push(format!("t.category = {}", push(&mut params, category.clone())));
            }
            if let Some(since) = filter.since {
                conditions.push(format!("t.updated_at >= {}", push(&mut params, since)));
            }
            if let Some(until) = filter.until {
                conditions.push(format!("t.updated_at < {}", push(&mut params, until)));
            }
            let limit = push(&mut params, filter.limit.clamp(1, 1000));
            let offset = push(&mut params, filter.offset.max(0));
            let sql = format!(
                "SELECT t.id, t.external_id, t.title, t.status, t.category, c.name, a.name, tm.name, o.name, t.updated_at
                 FROM tickets t
                 LEFT JOIN customers c ON c.id = t.customer_id
                 LEFT JOIN agents a ON a.id = t.agent_id
                 LEFT JOIN teams tm ON tm.id = t.team_id
                 LEFT JOIN organizations o ON o.id = t.organization_id
                 WHERE {}
                 ORDER BY t.updated_at DESC, t.id DESC LIMIT {limit} OFFSET {offset}",
                conditions.join(" AND ")
            );
            conn.query(&sql, &refs(&params))?
                .iter()
                .map(|r| {
                    Ok(TicketRow {
                        id: r.get(0)?,
                        external_id: r.get(1)?,
                        title: r.get(2)?,
                        status: r.get(3)?,
                        category: r.get(4)?,
                        customer_name: r.get(5)?,
                        agent_name: r.get(6)?,
                        team: r.get(7)?,
                        organization: r.get(8)?,
                        updated_at: r.get(9)?,
                    })
                })
                .collect()
        })
        .await
    }

    /// Teams, agents and organizations for a viewer's filter menus: only those of the
    /// tickets they may see (names are information too).
    pub async fn named_for(&self, visibility: Visibility, what: NamedKind) -> Result<Vec<Named>> {
        if visibility.everything {
            return self.named(what).await;
        }
        self.read(move |conn| {
            let mut params = Vec::new();
            let condition = visibility.condition("t.agent_id", "t.team_id", &mut params);
            let (columns, join) = match what {
                NamedKind::Teams => ("x.id, x.name", "JOIN teams x ON x.id = t.team_id"),
                NamedKind::Agents => ("x.id, COALESCE(x.name, x.email)", "JOIN agents x ON x.id = t.agent_id"),
                NamedKind::Organizations => ("x.id, x.name", "JOIN organizations x ON x.id = t.organization_id"),
            };
            let sql = format!("SELECT DISTINCT {columns} FROM tickets t {join} WHERE {condition} ORDER BY 2");
            conn.query(&sql, &refs(&params))?.iter().map(|r| Ok(Named { id: r.get(0)?, name: r.get(1)? })).collect()
        })
        .await
    }

    /// Teams, agents and organizations, for filter menus.
    pub async fn named(&self, what: NamedKind) -> Result<Vec<Named>> {
        self.read(move |conn| names(conn, what)).await
    }
}

/// Every team, agent or organization by name.
pub fn names(conn: &mut dyn Conn, what: NamedKind) -> Result<Vec<Named>> {
    let sql = match what {
        NamedKind::Teams => "SELECT id, name FROM teams ORDER BY name",
        NamedKind::Agents => "SELECT id, COALESCE(name, email) FROM agents ORDER BY 2",
        NamedKind::Organizations => "SELECT id, name FROM organizations ORDER BY name",
    };
    conn.query(sql, &[])?.iter().map(|r| Ok(Named { id: r.get(0)?, name: r.get(1)? })).collect()
}

#[derive(Debug, Clone, Copy)]
pub enum NamedKind {
    Teams,
    Agents,
    Organizations,
}
