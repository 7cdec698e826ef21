//! Staff sessions (ids stored hashed, idle and absolute lifetimes), sign-in failure
//! counting for rate limits, and the audit log. All in the database, so any instance
//! can serve any request.

use crate::params;
use crate::staff::{user_by_id, StaffUser};
use crate::Result;
use crate::Store;
use rapport_domain::time::Millis;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct Session {
    pub user: StaffUser,
    pub csrf_token: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub at: Millis,
}

impl Store {
    pub async fn create_session(
        &self,
        id_hash: String,
        user_id: i64,
        csrf: String,
        now: Millis,
        expires_at: Millis,
    ) -> Result<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO staff_sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
                 VALUES ($1, $2, $3, $4, $4, $5)",
                params![id_hash, user_id, csrf, now, expires_at],
            )
            .map(drop)
        })
        .await
    }

    /// The live session with this id: not past its absolute end, not idle longer than
    /// `idle_ms`, its user not disabled. Marks it seen (at most once a minute).
    pub async fn session(&self, id_hash: String, now: Millis, idle_ms: Millis) -> Result<Option<Session>> {
        let found = self
            .read(move |conn| {
                let row = conn.query_opt(
                    "SELECT user_id, csrf_token, last_seen_at FROM staff_sessions
                     WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $3",
                    params![id_hash, now, now - idle_ms],
                )?;
                let Some(row) = row else { return Ok(None) };
                let user_id: i64 = row.get(0)?;
                let last_seen: Millis = row.get(2)?;
                let user = user_by_id(conn, user_id)?.filter(|u| !u.disabled);
                Ok(user.map(|user| (Session { user, csrf_token: row.get(1).unwrap_or_default() }, last_seen, id_hash)))
            })
            .await?;
        let Some((session, last_seen, id_hash)) = found else { return Ok(None) };
        if now - last_seen > 60_000 {
            self.write(move |conn| {
                conn.execute("UPDATE staff_sessions SET last_seen_at = $1 WHERE id_hash = $2", params![now, id_hash])
                    .map(drop)
            })
            .await?;
        }
        Ok(Some(session))
    }

    pub async fn end_session(&self, id_hash: String) -> Result<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM staff_sessions WHERE id_hash = $1", params![id_hash]).map(drop)
        })
        .await
    }

    /// Records a failed sign-in under each key (account, address) and answers the
    /// failures per key within the window, the newest included.
    pub async fn record_sign_in_failure(&self, keys: Vec<String>, now: Millis, window_ms: Millis) -> Result<Vec<i64>> {
        self.write(move |conn| {
            conn.execute("DELETE FROM sign_in_failures WHERE at < $1", params![now - window_ms])?;
            let mut counts = Vec::new();
            for key in &keys {
                conn.execute("INSERT INTO sign_in_failures (key, at) VALUES ($1, $2)", params![key, now])?;
                counts.push(conn.value(
                    "SELECT COUNT(*) FROM sign_in_failures WHERE key = $1 AND at >= $2",
                    params![key, now - window_ms],
                )?);
            }
            Ok(counts)
        })
        .await
    }

    pub async fn sign_in_failures(&self, keys: Vec<String>, now: Millis, window_ms: Millis) -> Result<Vec<i64>> {
        self.read(move |conn| {
            keys.iter()
                .map(|key| {
                    conn.value(
                        "SELECT COUNT(*) FROM sign_in_failures WHERE key = $1 AND at >= $2",
                        params![key, now - window_ms],
                    )
                })
                .collect()
        })
        .await
    }

    pub async fn clear_sign_in_failures(&self, key: String) -> Result<()> {
        self.write(move |conn| conn.execute("DELETE FROM sign_in_failures WHERE key = $1", params![key]).map(drop))
            .await
    }

    pub async fn audit(&self, actor: &str, action: &str, subject: &str, detail: &str, now: Millis) -> Result<()> {
        let (actor, action, subject, detail) =
            (actor.to_string(), action.to_string(), subject.to_string(), detail.to_string());
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO audit_log (actor, action, subject, detail, at) VALUES ($1, $2, $3, $4, $5)",
                params![actor, action, subject, detail, now],
            )
            .map(drop)
        })
        .await
    }

    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        self.read(move |conn| {
            conn.query(
                "SELECT id, actor, action, subject, detail, at FROM audit_log ORDER BY id DESC LIMIT $1",
                params![limit],
            )?
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    subject: r.get(3)?,
                    detail: r.get(4)?,
                    at: r.get(5)?,
                })
            })
            .collect()
        })
        .await
    }
}
