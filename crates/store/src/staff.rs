//! Staff users: the people who sign in (customers never do).

use crate::params;
use crate::Result;
use crate::Store;
use rapport_domain::time::Millis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StaffRole {
    Admin,
    Manager,
    Agent,
}

impl StaffRole {
    pub fn parse(s: &str) -> Option<StaffRole> {
        [StaffRole::Admin, StaffRole::Manager, StaffRole::Agent].into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Manager => "manager",
            StaffRole::Agent => "agent",
        }
    }
}

pub struct NewStaffUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: StaffRole,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

impl Store {
    pub async fn staff_count(&self) -> Result<i64> {
        self.read(|conn| conn.value("SELECT COUNT(*) FROM staff_users", params![])).await
    }

    /// Creates the first admin only when there is no staff user at all, atomically, so
    /// that two instances starting together cannot both create one.
    pub async fn create_first_admin(&self, user: &NewStaffUser<'_>, now: Millis) -> Result<bool> {
        let (email, name, role, hash) =
            (user.email.to_string(), user.name.to_string(), user.role.as_str(), user.password_hash.to_string());
        let must_change = user.must_change_password;
        self.write(move |conn| {
            let inserted = conn.execute(
                "INSERT INTO staff_users (email, name, role, password_hash, must_change_password, created_at)
                 SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM staff_users)
                 ON CONFLICT (email) DO NOTHING",
                params![email, name, role, hash, must_change, now],
            )?;
            Ok(inserted == 1)
        })
        .await
    }
}

/// A staff user as sign-in and the pages need them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: StaffRole,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    /// The agent record with the same email, whose tickets are this person's own.
    pub agent_id: Option<i64>,
    /// Teams this person leads (managers) or belongs to (agents, from their tickets).
    pub team_ids: Vec<i64>,
}

const SELECT_USER: &str = "SELECT u.id, u.email, u.name, u.role, u.password_hash, u.must_change_password,
    u.disabled_at, a.id, a.team_id FROM staff_users u LEFT JOIN agents a ON a.email = u.email";

fn user_from_row(conn: &mut dyn crate::db::Conn, r: &crate::db::Row) -> Result<StaffUser> {
    let id: i64 = r.get(0)?;
    let role: String = r.get(3)?;
    let disabled: Option<i64> = r.get(6)?;
    let agent_team: Option<i64> = r.get(8)?;
    let mut team_ids: Vec<i64> = conn
        .query("SELECT team_id FROM staff_user_teams WHERE user_id = $1 ORDER BY team_id", params![id])?
        .iter()
        .map(|row| row.get(0))
        .collect::<Result<_>>()?;
    if let Some(team) = agent_team.filter(|t| !team_ids.contains(t)) {
        team_ids.push(team);
    }
    Ok(StaffUser {
        id,
        email: r.get(1)?,
        name: r.get(2)?,
        role: StaffRole::parse(&role).ok_or_else(|| crate::StoreError::Corrupt(format!("role {role:?}")))?,
        password_hash: r.get(4)?,
        must_change_password: r.get(5)?,
        disabled: disabled.is_some(),
        agent_id: r.get(7)?,
        team_ids,
    })
}

pub fn user_by_id(conn: &mut dyn crate::db::Conn, id: i64) -> Result<Option<StaffUser>> {
    let sql = format!("{SELECT_USER} WHERE u.id = $1");
    match conn.query_opt(&sql, params![id])? {
        Some(row) => user_from_row(conn, &row).map(Some),
        None => Ok(None),
    }
}

impl Store {
    pub async fn staff_user_by_email(&self, email: &str) -> Result<Option<StaffUser>> {
        let email = email.trim().to_lowercase();
        self.read(move |conn| {
            let sql = format!("{SELECT_USER} WHERE u.email = $1");
            match conn.query_opt(&sql, params![email])? {
                Some(row) => user_from_row(conn, &row).map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    pub async fn staff_user(&self, id: i64) -> Result<Option<StaffUser>> {
        self.read(move |conn| user_by_id(conn, id)).await
    }

    pub async fn staff_users(&self) -> Result<Vec<StaffUser>> {
        self.read(|conn| {
            let rows = conn.query(&format!("{SELECT_USER} ORDER BY u.name, u.id"), params![])?;
            rows.iter().map(|row| user_from_row(conn, row)).collect()
        })
        .await
    }

    /// Creates a user; an email already taken is a conflict.
    pub async fn create_staff_user(&self, user: &NewStaffUser<'_>, now: Millis) -> Result<i64> {
        let (email, name, role, hash) = (
            user.email.trim().to_lowercase(),
            user.name.to_string(),
            user.role.as_str(),
            user.password_hash.to_string(),
        );
        let must_change = user.must_change_password;
        self.write(move |conn| {
            let taken = conn.query_opt("SELECT id FROM staff_users WHERE email = $1", params![email])?;
            if taken.is_some() {
                return Err(crate::StoreError::Conflict(format!("a user with the email {email} exists")));
            }
            conn.value(
                "INSERT INTO staff_users (email, name, role, password_hash, must_change_password, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                params![email, name, role, hash, must_change, now],
            )
        })
        .await
    }

    /// Sets a new password hash; `must_change` forces the user to choose another at
    /// their next sign-in (an admin's reset). Every session of the user ends.
    pub async fn set_staff_password(&self, user_id: i64, hash: String, must_change: bool, now: Millis) -> Result<()> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE staff_users SET password_hash = $1, must_change_password = $2, password_changed_at = $3 WHERE id = $4",
                params![hash, must_change, now, user_id],
            )?;
            if changed == 0 {
                return Err(crate::StoreError::NotFound);
            }
            conn.execute("DELETE FROM staff_sessions WHERE user_id = $1", params![user_id]).map(drop)
        })
        .await
    }

    /// Disables a user; their sessions end at once.
    pub async fn disable_staff_user(&self, user_id: i64, now: Millis) -> Result<()> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE staff_users SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2",
                params![now, user_id],
            )?;
            if changed == 0 {
                return Err(crate::StoreError::NotFound);
            }
            conn.execute("DELETE FROM staff_sessions WHERE user_id = $1", params![user_id]).map(drop)
        })
        .await
    }

    /// The teams a manager leads, replacing the previous list.
    pub async fn set_staff_teams(&self, user_id: i64, team_ids: Vec<i64>) -> Result<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM staff_user_teams WHERE user_id = $1", params![user_id])?;
            for team in &team_ids {
                conn.execute(
                    "INSERT INTO staff_user_teams (user_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    params![user_id, team],
                )?;
            }
            Ok(())
        })
        .await
    }
}
