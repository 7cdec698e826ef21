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
