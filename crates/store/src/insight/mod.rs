//! Insight queries over answers and follow-ups for a period, narrowed by a dashboard
//! filter and by what the viewer may see. Answer counts come from the rollups (`rollups`);
//! these read the rows a page shows as examples (comments, quotes, cases), always with a
//! limit, and count what the rollups do not hold: follow-ups (`followups`: recovery and
//! check-in metrics, service gaps) and the reasons customers chose (`reasons`).

use crate::db::{Conn, Value};
use crate::rollups::Filter;
use crate::staff_views::refs;
use crate::visibility::Visibility;
use crate::Result;
use rapport_domain::time::Millis;

mod followups;
mod reasons;

pub use followups::{
    follow_up_metrics, recovery_cases, service_gaps, FollowUpMetrics, GapCount, RecoveryCase, CHECK_IN_SLACK_MS,
};
pub use reasons::{reason_counts, ReasonCount};

/// Appends `value` and `sql` with its `?` replaced by the value's placeholder.
fn push(values: &mut Vec<Value>, parts: &mut Vec<String>, value: Value, sql: &str) {
    values.push(value);
    parts.push(sql.replace('?', &format!("${}", values.len())));
}

/// The filter (attribution as sent) and the viewer's visibility over `responses r`.
fn attribution(filter: &Filter, visibility: &Visibility, values: &mut Vec<Value>, parts: &mut Vec<String>) {
    if let Some(team) = filter.team_id {
        push(values, parts, Value::Int(team), "r.team_id = ?");
    }
    if let Some(agent) = filter.agent_id {
        push(values, parts, Value::Int(agent), "r.agent_id = ?");
    }
    if let Some(category) = &filter.category {
        push(values, parts, Value::Text(category.clone()), "COALESCE(r.category, '') = ?");
    }
    if let Some(organization) = filter.organization_id {
        push(values, parts, Value::Int(organization), "r.organization_id = ?");
    }
    if let Some(channel) = &filter.channel {
        push(values, parts, Value::Text(channel.clone()), "r.channel = ?");
    }
    parts.push(visibility.condition("r.agent_id", "r.team_id", values));
}

/// `WHERE` over `responses r` answered in `from` ≤ t < `to` (milliseconds), matching the
/// filter (attribution as sent) and visible to the viewer; automated answers never count.
/// Its values are appended to `values`.
pub(crate) fn answers_condition(
    filter: &Filter,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
    values: &mut Vec<Value>,
) -> String {
    let mut parts = vec!["r.automated = 0".to_string()];
    push(values, &mut parts, Value::Int(from), "r.first_answered_at >= ?");
    push(values, &mut parts, Value::Int(to), "r.first_answered_at < ?");
    attribution(filter, visibility, values, &mut parts);
    parts.join(" AND ")
}

/// Like [`answers_condition`] without the period: for follow-ups counted by their own
/// times (closed, due, sent) rather than by when the answer came.
pub(crate) fn scope_condition(filter: &Filter, visibility: &Visibility, values: &mut Vec<Value>) -> String {
    let mut parts = vec!["r.automated = 0".to_string()];
    attribution(filter, visibility, values, &mut parts);
    parts.join(" AND ")
}

/// An answer's comment with what a page needs to show and link it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub response_id: i64,
    pub ticket_id: i64,
    pub ticket_external_id: String,
    pub csat: i64,
    pub nps: Option<i64>,
    pub comment: String,
    /// The customer's full name as known (pages show the first name only).
    pub customer_name: Option<String>,
    pub organization: Option<String>,
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub language: Option<String>,
    pub answered_at: Millis,
}

/// Which comments to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentQuery {
    pub min_csat: i64,
    pub max_csat: i64,
    pub limit: usize,
}

impl CommentQuery {
    /// Every comment, newest first, up to `limit`.
    pub fn all(limit: usize) -> CommentQuery {
        CommentQuery { min_csat: 1, max_csat: 5, limit }
    }

    /// Praise: comments of answers scored 5, newest first.
    pub fn praise(limit: usize) -> CommentQuery {
        CommentQuery { min_csat: 5, max_csat: 5, limit }
    }
}

/// Comments of the answers in a period (newest first), narrowed by the filter and the
/// viewer's visibility.
pub fn comments(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
    query: CommentQuery,
) -> Result<Vec<Quote>> {
    let mut values = Vec::new();
    let condition = answers_condition(filter, visibility, from, to, &mut values);
    values.extend([Value::Int(query.min_csat), Value::Int(query.max_csat), Value::Int(query.limit as i64)]);
    let n = values.len();
    let sql = format!(
        "SELECT r.id, r.ticket_id, t.external_id, r.csat, r.nps, r.comment, c.name, o.name, r.agent_id, a.name,
                c.language, r.first_answered_at
         FROM responses r
         JOIN tickets t ON t.id = r.ticket_id
         JOIN customers c ON c.id = r.customer_id
         LEFT JOIN organizations o ON o.id = r.organization_id
         LEFT JOIN agents a ON a.id = r.agent_id
         WHERE {condition} AND r.comment IS NOT NULL AND r.csat >= ${} AND r.csat <= ${}
         ORDER BY r.first_answered_at DESC, r.id DESC LIMIT ${}",
        n - 2,
        n - 1,
        n
    );
    conn.query(&sql, &refs(&values))?
        .iter()
        .map(|r| {
            Ok(Quote {
                response_id: r.get(0)?,
                ticket_id: r.get(1)?,
                ticket_external_id: r.get(2)?,
                csat: r.get(3)?,
                nps: r.get(4)?,
                comment: r.get(5)?,
                customer_name: r.get(6)?,
                organization: r.get(7)?,
                agent_id: r.get(8)?,
                agent_name: r.get(9)?,
                language: r.get(10)?,
                answered_at: r.get(11)?,
            })
        })
        .collect()
}
