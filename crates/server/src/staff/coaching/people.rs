//! Whom a viewer may coach: an admin every agent with answers in the last 12 months, a
//! manager the agents of the teams they lead (now, or by where recent answers came from)
//! and themselves, an agent only themselves.

use rapport_store::db::Conn;
use rapport_store::params;
use rapport_store::rollups::{self, Dimension, Filter};
use rapport_store::visibility::Visibility;
use rapport_store::{StaffRole, StaffUser};
use std::collections::HashSet;

/// How far back answers make an agent show up in an admin's list.
const LIST_DAYS: i64 = 365;

/// An agent as the coaching pages name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub name: String,
    /// The team they are in now.
    pub team_id: Option<i64>,
}

/// The people `user` may coach, by name; `to` is the day after today (days since the epoch).
pub fn coachable(
    conn: &mut dyn Conn,
    user: &StaffUser,
    visibility: &Visibility,
    to: i64,
) -> rapport_store::Result<Vec<Person>> {
    let agents: Vec<Person> = conn
        .query("SELECT id, COALESCE(name, email), team_id FROM agents ORDER BY 2, 1", &[])?
        .iter()
        .map(|r| Ok(Person { id: r.get(0)?, name: r.get(1)?, team_id: r.get(2)? }))
        .collect::<rapport_store::Result<_>>()?;
    if user.role == StaffRole::Agent {
        return Ok(agents.into_iter().filter(|a| Some(a.id) == user.agent_id).collect());
    }
    // Agents with answers the viewer may see, read from the rollups.
    let answered: HashSet<i64> =
        rollups::per_dimension(conn, &Filter::default(), visibility, to - LIST_DAYS, to, Dimension::Agent)?
            .into_iter()
            .filter(|(_, t)| t.responses > 0)
            .filter_map(|(key, _)| key.parse().ok())
            .collect();
    Ok(agents
        .into_iter()
        .filter(|a| match user.role {
            StaffRole::Admin => answered.contains(&a.id),
            _ => {
                Some(a.id) == user.agent_id
                    || a.team_id.is_some_and(|t| user.team_ids.contains(&t))
                    || answered.contains(&a.id)
            }
        })
        .collect())
}

/// A team's name ("(team)" if it has gone).
pub fn team_name(conn: &mut dyn Conn, team_id: i64) -> rapport_store::Result<String> {
    let row = conn.query_opt("SELECT name FROM teams WHERE id = $1", params![team_id])?;
    Ok(match row {
        Some(r) => r.get(0)?,
        None => "(team)".into(),
    })
}
