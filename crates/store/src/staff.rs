//! Staff users: the people who sign in (customers never do).

use crate::connect::Store;
use crate::Result;
use rapport_domain::time::Millis;
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StaffRole {
    Admin,
    Manager,
    Agent,
}

impl StaffRole {
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
        let row = sqlx::query("SELECT COUNT(*) FROM staff_users")
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Creates the first admin only when there is no staff user at all, atomically, so
    /// that two instances starting together cannot both create one.
    pub async fn create_first_admin(&self, user: &NewStaffUser<'_>, now: Millis) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO staff_users (email, name, role, password_hash, must_change_password, created_at)
             SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM staff_users)
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(user.email)
        .bind(user.name)
        .bind(user.role.as_str())
        .bind(user.password_hash)
        .bind(i64::from(user.must_change_password))
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
