//! Survey policies, stored as JSON bodies with a default that cannot be deleted.

use crate::db::{Conn, Row};
use crate::params;
use crate::Store;
use crate::{Result, StoreError};
use rapport_domain::survey::SurveyPolicy;
use rapport_domain::time::Millis;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

fn policy_from_row(row: &Row) -> Result<SurveyPolicy> {
    parse_policy(row.get(0)?, &row.get::<String>(1)?, row.get(2)?)
}

/// A policy from its stored JSON. Every answer needs its policy, and desks have a few, so
/// parsed policies are kept by their JSON text (an edited policy is new text).
pub(crate) fn parse_policy(id: i64, body: &str, is_default: bool) -> Result<SurveyPolicy> {
    static PARSED: LazyLock<Mutex<HashMap<String, SurveyPolicy>>> = LazyLock::new(Default::default);
    let cached = PARSED.lock().unwrap_or_else(|p| p.into_inner()).get(body).cloned();
    let mut policy = match cached {
        Some(policy) => policy,
        None => {
            let policy: SurveyPolicy =
                serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("survey policy {id}: {e}")))?;
            let mut parsed = PARSED.lock().unwrap_or_else(|p| p.into_inner());
            if parsed.len() >= 256 {
                parsed.clear();
            }
            parsed.insert(body.to_string(), policy.clone());
            policy
        }
    };
    policy.id = id;
    policy.is_default = is_default;
    Ok(policy)
}

/// Every live policy, default included.
pub fn all_policies(conn: &mut dyn Conn) -> Result<Vec<SurveyPolicy>> {
    let rows = conn.query(
        "SELECT id, body, is_default FROM survey_policies WHERE deleted_at IS NULL ORDER BY is_default DESC, id",
        params![],
    )?;
    rows.iter().map(policy_from_row).collect()
}

pub fn policy_by_id(conn: &mut dyn Conn, id: i64) -> Result<SurveyPolicy> {
    let row = conn.query_one("SELECT id, body, is_default FROM survey_policies WHERE id = $1", params![id])?;
    policy_from_row(&row)
}

impl Store {
    pub async fn policies(&self) -> Result<Vec<SurveyPolicy>> {
        self.read(all_policies).await
    }

    pub async fn policy(&self, id: i64) -> Result<SurveyPolicy> {
        self.read(move |conn| {
            let row = conn.query_one(
                "SELECT id, body, is_default FROM survey_policies WHERE id = $1 AND deleted_at IS NULL",
                params![id],
            )?;
            policy_from_row(&row)
        })
        .await
    }

    pub async fn default_policy(&self) -> Result<SurveyPolicy> {
        self.read(|conn| {
            let row = conn.query_one(
                "SELECT id, body, is_default FROM survey_policies WHERE is_default = 1 AND deleted_at IS NULL",
                params![],
            )?;
            policy_from_row(&row)
        })
        .await
    }

    pub async fn create_policy(&self, policy: SurveyPolicy, now: Millis) -> Result<SurveyPolicy> {
        self.write(move |conn| {
            let body = serde_json::to_string(&policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let id: i64 = conn.value(
                "INSERT INTO survey_policies (is_default, body, created_at, updated_at) VALUES (0, $1, $2, $2) RETURNING id",
                params![body, now],
            )?;
            Ok(SurveyPolicy { id, is_default: false, ..policy.clone() })
        })
        .await
    }

    pub async fn update_policy(&self, policy: SurveyPolicy, now: Millis) -> Result<SurveyPolicy> {
        self.write(move |conn| {
            let body = serde_json::to_string(&policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let changed = conn.execute(
                "UPDATE survey_policies SET body = $1, updated_at = $2 WHERE id = $3 AND deleted_at IS NULL",
                params![body, now, policy.id],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(policy.clone())
        })
        .await
    }

    /// Deletes a policy (kept for the decisions that name it); the default cannot go.
    pub async fn delete_policy(&self, id: i64, now: Millis) -> Result<()> {
        self.write(move |conn| {
            let row = conn.query_opt(
                "SELECT is_default FROM survey_policies WHERE id = $1 AND deleted_at IS NULL",
                params![id],
            )?;
            let is_default: bool = row.ok_or(StoreError::NotFound)?.get(0)?;
            if is_default {
                return Err(StoreError::Conflict("the default policy cannot be deleted; disable it instead".into()));
            }
            conn.execute("UPDATE survey_policies SET deleted_at = $1 WHERE id = $2", params![now, id]).map(drop)
        })
        .await
    }
}
