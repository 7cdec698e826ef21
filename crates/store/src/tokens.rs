//! API tokens: only the hash of a token is stored.

use crate::connect::Store;
use crate::{Result, StoreError};
use rapport_domain::time::Millis;
use rapport_domain::Scope;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub display_prefix: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

const SELECT_TOKEN: &str =
    "SELECT id, name, scope, display_prefix, created_at, last_used_at, revoked_at FROM api_tokens";

impl Store {
    pub async fn create_token(
        &self,
        name: &str,
        scope: Scope,
        hash: &str,
        prefix: &str,
        now: Millis,
    ) -> Result<TokenRecord> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (name, scope, token_hash, display_prefix, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING id",
        )
        .bind(name)
        .bind(scope.as_str())
        .bind(hash)
        .bind(prefix)
        .bind(now)
        .fetch_one(&self.write)
        .await?;
        let id: i64 = row.try_get(0)?;
        Ok(TokenRecord {
            id,
            name: name.into(),
            scope,
            display_prefix: prefix.into(),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        })
    }

    pub async fn tokens(&self) -> Result<Vec<TokenRecord>> {
        let rows = sqlx::query(&format!("{SELECT_TOKEN} ORDER BY id"))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// The live (not revoked) token with this hash.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>> {
        let row = sqlx::query(&format!(
            "{SELECT_TOKEN} WHERE token_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(hash)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    /// Revokes by id or by name; answers how many tokens were revoked.
    pub async fn revoke_token(&self, id_or_name: &str, now: Millis) -> Result<u64> {
        let id: i64 = id_or_name.parse().unwrap_or(-1);
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE (id = $2 OR name = $3) AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(id_or_name)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }

    /// Records use at most once a minute per token, so reads stay reads.
    pub async fn touch_token(&self, id: i64, now: Millis) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
            .bind(now)
            .bind(id)
            .bind(now - 60_000)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

fn token_from_row(r: &AnyRow) -> Result<TokenRecord> {
    let scope: String = r.try_get(2)?;
    Ok(TokenRecord {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        scope: scope.parse().map_err(StoreError::Corrupt)?,
        display_prefix: r.try_get(3)?,
        created_at: r.try_get(4)?,
        last_used_at: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
    })
}
